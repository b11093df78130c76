//! Backends: one object-safe trait per role, one module per database.
//!
//! - [`Dialect`]: pure SQL text — identifier quoting, type names, DDL.
//!   Its default methods hold the SQL the databases share; a dialect
//!   overrides only where its database differs.
//! - [`Introspector`]: reads the live schema in a constant number of
//!   catalog queries.
//! - [`Backend`]: ties the two to a URL scheme and connection setup.
//! - [`Locker`]: the database-level lock that serialises migration runs.
//!
//! Built in: `sqlite`, `postgres`, `mysql` (MySQL and MariaDB); each
//! module's documentation gives its type mapping and its limits.
//!
//! A third-party crate adds a database by implementing these traits and
//! connecting with [`Db::connect_with`](crate::Db::connect_with); its sqlx
//! driver must be installed into sqlx's `Any` driver list.

mod dialect;
mod lock;
pub(crate) mod normalize;

#[cfg(feature = "mysql")]
pub mod mysql;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

pub use dialect::{AlterSql, Dialect};
pub use lock::{LockGuard, Locker};

/// Kept at its former path; it lives in [`schema`](crate::schema).
pub use crate::schema::is_internal_table;

use std::sync::Arc;

use crate::schema::Schema;
use crate::{BoxFuture, Db, Result};

/// Reads the live schema.
pub trait Introspector: Send + Sync {
    /// The schema of every user table, normalised so that a database m just
    /// synced compares equal to the declared schema. m's own bookkeeping
    /// tables (see [`is_internal_table`]) are left out.
    fn introspect<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<Schema>>;
}

/// One database kind.
pub trait Backend: Send + Sync + 'static {
    /// `"sqlite"`, `"postgres"`, `"mysql"`.
    fn name(&self) -> &'static str;
    /// Whether this backend serves `url`.
    fn handles(&self, url: &str) -> bool;
    /// The SQL this database speaks.
    fn dialect(&self) -> &dyn Dialect;
    /// How this database's live schema is read.
    fn introspector(&self) -> &dyn Introspector;
    /// The database-level lock that serialises concurrent runs.
    fn locker(&self) -> &dyn Locker;
    /// The URL handed to the sqlx driver (e.g. adds `mode=rwc` for SQLite).
    fn driver_url(&self, url: &str) -> String {
        url.to_owned()
    }
    /// Statements run once on every new connection.
    fn session_setup(&self) -> &'static [&'static str] {
        &[]
    }
    /// Whether the database rejected a statement because `table` does not
    /// exist: the one error m reads as "absent" (its own tables before
    /// their first use). By default the SQLSTATE says so: `42P01`
    /// (PostgreSQL's undefined table) or `42S02` (base table not found, as
    /// MySQL and MariaDB report it).
    fn is_missing_table(&self, error: &dyn sqlx::error::DatabaseError, _table: &str) -> bool {
        matches!(error.code().as_deref(), Some("42P01" | "42S02"))
    }
    /// The database `url` names, when it is a file that does not exist
    /// (SQLite): reading commands then refuse instead of creating it. `None`
    /// for a server database (connecting says whether it exists).
    fn missing_database(&self, _url: &str) -> Option<String> {
        None
    }
    /// What the server added to an error's message (e.g. PostgreSQL's
    /// `DETAIL` and `HINT`), as `(label, text)` pairs that m prints with it.
    fn error_notes(&self, _error: &dyn sqlx::error::DatabaseError) -> Vec<(&'static str, String)> {
        Vec::new()
    }
}

/// The built-in backend serving `url`, if its feature is enabled.
pub fn for_url(url: &str) -> Option<Arc<dyn Backend>> {
    builtin().into_iter().find(|b| b.handles(url))
}

// One `push` per enabled feature; clippy sees the pushes without the `cfg`s.
#[allow(unused_mut, clippy::vec_init_then_push)]
fn builtin() -> Vec<Arc<dyn Backend>> {
    let mut all: Vec<Arc<dyn Backend>> = Vec::new();
    #[cfg(feature = "sqlite")]
    all.push(Arc::new(sqlite::Sqlite));
    #[cfg(feature = "postgres")]
    all.push(Arc::new(postgres::Postgres));
    #[cfg(feature = "mysql")]
    all.push(Arc::new(mysql::MySql));
    all
}
