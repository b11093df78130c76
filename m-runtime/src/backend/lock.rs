use std::time::Duration;

use crate::{BoxFuture, Db, Result};

/// The database-level lock that serialises concurrent migration runs
/// (replicas booting at once).
pub trait Locker: Send + Sync {
    /// Takes the lock for the database at `url`, waiting at most `timeout`.
    ///
    /// The lock lives as long as the returned guard: dropping it releases
    /// the lock on every path, and a crashed process releases it too (the
    /// guard owns a session or a file handle the OS closes).
    fn acquire<'a>(&'a self, url: &'a str, timeout: Duration) -> BoxFuture<'a, Result<LockGuard>>;

    /// Takes the lock for the work `db` is about to do. By default the lock
    /// of [`acquire`](Locker::acquire) on a connection of its own; a backend
    /// whose DDL outlives a dead client (MySQL finishes a statement whose
    /// client was killed before it ends the session) ties the lock to
    /// `db`'s own session instead, so that it is released only after the
    /// last statement of that session ended. The lock is then held until
    /// the guard is released or `db` is closed, whichever comes last.
    fn acquire_for<'a>(
        &'a self,
        db: &'a Db,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<LockGuard>> {
        self.acquire(db.url(), timeout)
    }

    /// Who holds the lock of `db`'s database now, in words a person can act
    /// on (a process id, a connection, a host), or `None` when nobody does
    /// or the backend cannot tell. `db` is an ordinary connection to the
    /// database, not the lock's.
    fn holder<'a>(&'a self, _db: &'a Db) -> BoxFuture<'a, Result<Option<String>>> {
        Box::pin(async { Ok(None) })
    }
}

/// The first column of the first row of `sql` as text, or `None`.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) async fn first_text(db: &Db, sql: &str) -> Result<Option<String>> {
    use sqlx::Row;
    let rows = db.fetch_all(sql).await?;
    rows.first()
        .map(|row| row.try_get::<Option<String>, _>(0))
        .transpose()
        .map(Option::flatten)
        .map_err(|e| crate::Error::database("reading who holds the migration lock", e))
}

/// Holds a lock until dropped or [released](LockGuard::release).
pub struct LockGuard {
    held: Held,
}

enum Held {
    /// A session whose end releases the lock (advisory locks).
    Connection(Db),
    /// Anything else that keeps the lock alive (a file handle).
    Other(#[allow(dead_code)] Box<dyn Send + Sync>),
}

impl LockGuard {
    /// Wraps whatever keeps the lock alive (a file handle, ...).
    pub fn new(held: impl Send + Sync + 'static) -> Self {
        LockGuard {
            held: Held::Other(Box::new(held)),
        }
    }

    /// Wraps the connection whose session holds the lock (an advisory
    /// lock): [`release`](LockGuard::release) closes it cleanly.
    pub fn connection(db: Db) -> Self {
        LockGuard {
            held: Held::Connection(db),
        }
    }

    /// Releases the lock now, closing its connection cleanly (the server
    /// logs no aborted connection); dropping the guard releases it too.
    pub async fn release(self) -> Result<()> {
        match self.held {
            Held::Connection(db) => db.close().await,
            Held::Other(held) => {
                drop(held);
                Ok(())
            }
        }
    }
}

impl std::fmt::Debug for LockGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LockGuard")
    }
}
