use std::time::Duration;

use crate::{BoxFuture, Result};

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

/// Holds a lock until dropped.
pub struct LockGuard {
    _held: Box<dyn Send + Sync>,
}

impl LockGuard {
    /// Wraps whatever keeps the lock alive (a connection, a file handle).
    pub fn new(held: impl Send + Sync + 'static) -> Self {
        LockGuard {
            _held: Box::new(held),
        }
    }
}

impl std::fmt::Debug for LockGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LockGuard")
    }
}
