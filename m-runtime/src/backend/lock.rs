use std::time::Duration;

use super::Lease;
use crate::{BoxFuture, Db, Error, Result};

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

    /// Lets go of the lock [`acquire_for`](Locker::acquire_for) took on
    /// `db`'s own session, before `db` is closed: a server ends a closed
    /// session a moment after the client has left, and the next process to
    /// ask for the lock would find it still held (and wait a poll). By
    /// default nothing: the guard holds the lock, and releasing it is
    /// enough.
    fn release_for<'a>(&'a self, _db: &'a Db) -> BoxFuture<'a, Result<()>> {
        Box::pin(async { Ok(()) })
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

/// Which lock serialises migration runs (`M_LOCK`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockStrategy {
    /// The database's own lock: an advisory lock (PostgreSQL), `GET_LOCK`
    /// (MySQL, MariaDB, TiDB), a file lock (SQLite); see each backend's
    /// [`Locker`].
    Native,
    /// A lease row in `_m_lock` ([`Lease`]), for clusters whose own lock
    /// is local to one node (MariaDB Galera) or missing (CockroachDB).
    Lease,
}

impl std::str::FromStr for LockStrategy {
    type Err = Error;

    /// `native` or `lease`, in any case.
    ///
    /// ```
    /// use m_runtime::backend::LockStrategy;
    ///
    /// assert_eq!("Lease".parse::<LockStrategy>().unwrap(), LockStrategy::Lease);
    /// let error = "leased".parse::<LockStrategy>().unwrap_err();
    /// assert!(error.to_string().contains("use native or lease"));
    /// ```
    fn from_str(value: &str) -> Result<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "native" => Ok(LockStrategy::Native),
            "lease" => Ok(LockStrategy::Lease),
            _ => Err(Error::Setting {
                name: "M_LOCK",
                message: format!(
                    "`{value}` is not a migration lock: use native or lease (unset: m picks the lock for the database, see docs/clusters.md)"
                ),
            }),
        }
    }
}

impl std::fmt::Display for LockStrategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LockStrategy::Native => "native",
            LockStrategy::Lease => "lease",
        })
    }
}

/// m's migration lock for one database, as [`migration_locker`] chose it:
/// a [`Locker`] that is the backend's own or a [`Lease`].
pub struct MigrationLocker<'a> {
    native: &'a dyn Locker,
    lease: Option<Lease>,
}

impl MigrationLocker<'_> {
    /// Which lock this is.
    pub fn strategy(&self) -> LockStrategy {
        match self.lease {
            Some(_) => LockStrategy::Lease,
            None => LockStrategy::Native,
        }
    }

    fn chosen(&self) -> &dyn Locker {
        match &self.lease {
            Some(lease) => lease,
            None => self.native,
        }
    }
}

/// The migration lock, held for the work of one connection: the guard
/// [`Locker::acquire_for`] returned, with the locker that took it.
#[derive(Debug)]
pub struct HeldLock<'a> {
    locker: MigrationLocker<'a>,
    guard: LockGuard,
}

impl<'a> HeldLock<'a> {
    /// Takes `locker`'s lock for `db`'s work, waiting at most `timeout`.
    pub async fn acquire(locker: MigrationLocker<'a>, db: &Db, timeout: Duration) -> Result<Self> {
        let guard = locker.acquire_for(db, timeout).await?;
        Ok(HeldLock { locker, guard })
    }

    /// Wraps a guard `locker` took for a connection's work.
    pub fn new(locker: MigrationLocker<'a>, guard: LockGuard) -> Self {
        HeldLock { locker, guard }
    }

    /// Lets go of the lock: first on `db`'s own session
    /// ([`Locker::release_for`]: a process that asks right after does not
    /// find it held while the server ends a closed session), then the
    /// guard. A failure is logged, not returned: the work done under the
    /// lock matters more, and closing the session releases the lock anyway.
    pub async fn release(self, db: &Db) {
        if let Err(error) = self.locker.release_for(db).await {
            tracing::warn!(
                "releasing the migration lock (closing the session releases it): {error}"
            );
        }
        if let Err(error) = self.guard.release().await {
            tracing::warn!("closing the lock's connection: {error}");
        }
    }
}

impl std::fmt::Debug for MigrationLocker<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MigrationLocker")
            .field("strategy", &self.strategy())
            .field("lease", &self.lease)
            .finish()
    }
}

impl Locker for MigrationLocker<'_> {
    fn acquire<'a>(&'a self, url: &'a str, timeout: Duration) -> BoxFuture<'a, Result<LockGuard>> {
        self.chosen().acquire(url, timeout)
    }

    fn acquire_for<'a>(
        &'a self,
        db: &'a Db,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<LockGuard>> {
        self.chosen().acquire_for(db, timeout)
    }

    fn release_for<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<()>> {
        self.chosen().release_for(db)
    }

    fn holder<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<Option<String>>> {
        self.chosen().holder(db)
    }
}

/// The lock m takes before it changes `db`'s database (boot, and the
/// `sync`, `all`, `run` and `down` commands): `M_LOCK` when it is set
/// (`native` or `lease`), otherwise the backend's choice
/// ([`Backend::lock_strategy`](super::Backend::lock_strategy)). A lease
/// lasts `M_LOCK_LEASE_SECS` (default [`Lease::DEFAULT_LENGTH`]).
///
/// A server m must not change (a read-only standby,
/// [`Backend::read_only_reason`](super::Backend::read_only_reason)) is
/// refused here, before any lock: an [`Error::Setting`] on `DATABASE_URL`
/// that says where to point it. Both questions take at most one query
/// ([`Backend::server_facts`](super::Backend::server_facts)).
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use m_runtime::backend::{LockStrategy, Locker, migration_locker};
///
/// let db = m_runtime::Db::connect("sqlite::memory:").await?;
/// let locker = migration_locker(&db).await?;
/// assert_eq!(locker.strategy(), LockStrategy::Native);
/// let guard = locker.acquire_for(&db, std::time::Duration::from_secs(5)).await?;
/// guard.release().await?;
/// # Ok::<(), m_runtime::Error>(()) }).unwrap();
/// ```
pub async fn migration_locker(db: &Db) -> Result<MigrationLocker<'_>> {
    let backend = db.backend();
    let (read_only, strategy) = match crate::settings::lock_strategy()? {
        Some(strategy) => (backend.read_only_reason(db).await?, strategy),
        None => {
            let facts = backend.server_facts(db).await?;
            (facts.read_only, facts.lock)
        }
    };
    if let Some(reason) = read_only {
        return Err(read_only_error(reason));
    }
    let lease = match strategy {
        LockStrategy::Native => None,
        LockStrategy::Lease => Some(match crate::settings::lease_length()? {
            Some(length) => Lease::new(length),
            None => Lease::default(),
        }),
    };
    tracing::debug!(%strategy, backend = backend.name(), "migration lock chosen");
    Ok(MigrationLocker {
        native: backend.locker(),
        lease,
    })
}

/// The error for a server m must not change: `reason` says where to
/// point `DATABASE_URL` instead.
pub(crate) fn read_only_error(reason: String) -> Error {
    Error::Setting {
        name: "DATABASE_URL",
        message: reason,
    }
}

/// Holds a lock until dropped or [released](LockGuard::release).
pub struct LockGuard {
    held: Held,
}

enum Held {
    /// A session whose end releases the lock (advisory locks).
    Connection(Db),
    /// A lock whose release is work of its own (a lease).
    Release(Box<dyn Release>),
    /// Anything else that keeps the lock alive (a file handle).
    Other(#[allow(dead_code)] Box<dyn Send + Sync>),
}

/// A lock that takes work to release (a lease row to delete, a heartbeat to
/// stop): [`LockGuard::release`] runs [`release`](Release::release), and a
/// guard dropped without it drops the value, whose own `Drop` must let the
/// lock go (or let it expire).
pub trait Release: Send + Sync {
    /// Releases the lock.
    fn release(self: Box<Self>) -> BoxFuture<'static, Result<()>>;
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

    /// Wraps a lock whose release is work of its own (see [`Release`]).
    pub fn releasing(held: impl Release + 'static) -> Self {
        LockGuard {
            held: Held::Release(Box::new(held)),
        }
    }

    /// Releases the lock now, closing its connection cleanly (the server
    /// logs no aborted connection); dropping the guard releases it too.
    pub async fn release(self) -> Result<()> {
        match self.held {
            Held::Connection(db) => db.close().await,
            Held::Release(held) => held.release().await,
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
