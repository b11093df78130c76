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
