//! Backends: one object-safe trait per role, one module per database.
//!
//! - [`Dialect`]: pure SQL text — identifier quoting, type names, DDL.
//!   Its default methods hold the SQL the databases share; a dialect
//!   overrides only where its database differs.
//! - [`Introspector`]: reads the live schema in a constant number of
//!   catalog queries.
//! - [`Backend`]: ties the two to a URL scheme and connection setup.
//! - [`Locker`]: the database-level lock that serialises migration runs;
//!   [`migration_locker`] picks the backend's own or a [`Lease`] (see
//!   `docs/clusters.md` for which m picks where).
//!
//! Built in: `sqlite`, `postgres`, `mysql` (MySQL and MariaDB); each
//! module's documentation gives its type mapping and its limits.
//!
//! A third-party crate adds a database by implementing these traits and
//! connecting with [`Db::connect_with`](crate::Db::connect_with); its sqlx
//! driver must be installed into sqlx's `Any` driver list.

mod dialect;
mod lease;
mod lock;
pub(crate) mod normalize;

#[cfg(feature = "mysql")]
pub mod mysql;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

pub use dialect::{AlterSql, Dialect, EnumStorage};
pub use lease::Lease;
pub(crate) use lock::read_only_error;
pub use lock::{
    HeldLock, LockGuard, LockStrategy, Locker, MigrationLocker, Release, migration_locker,
};

/// Kept at its former path; it lives in [`schema`](crate::schema).
pub use crate::schema::is_internal_table;

use std::sync::Arc;

use crate::schema::Schema;
use crate::stamp::StampSlot;
use crate::{BoxFuture, Db, Result};

/// Reads the live schema.
pub trait Introspector: Send + Sync {
    /// The schema of every user table, normalised so that a database m just
    /// synced compares equal to the declared schema. m's own bookkeeping
    /// tables (see [`is_internal_table`]) are left out.
    fn introspect<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<Schema>>;

    /// [`Introspector::introspect`] of the default schema and of the
    /// named `schemas` besides, whose tables are keyed `schema.table`
    /// ([`split_table_name`](crate::schema::split_table_name)), in as many
    /// queries as the default schema alone. By default the default schema
    /// only: a backend without schemas has nothing else to read (and
    /// planning refuses a declared schema there, see
    /// [`Dialect::supports_schemas`]).
    fn introspect_schemas<'a>(
        &'a self,
        db: &'a Db,
        _schemas: &'a [String],
    ) -> BoxFuture<'a, Result<Schema>> {
        self.introspect(db)
    }
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
    /// The database-level lock that serialises concurrent runs: the
    /// database's own ([`LockStrategy::Native`]).
    fn locker(&self) -> &dyn Locker;
    /// Which lock m takes on this database when `M_LOCK` is unset (see
    /// [`migration_locker`]): by default the backend's own; a backend
    /// whose database may be a cluster where that lock does not hold
    /// across nodes asks the server (one query, when the lock is taken)
    /// and answers [`LockStrategy::Lease`] there.
    fn lock_strategy<'a>(&'a self, _db: &'a Db) -> BoxFuture<'a, Result<LockStrategy>> {
        Box::pin(async { Ok(LockStrategy::Native) })
    }
    /// Why m must not change the database `db` is connected to, in words
    /// that say what to do instead (PostgreSQL: "this server is a
    /// read-only standby: point DATABASE_URL at the primary"); `None` when
    /// it may. Asked before boot and the `sync`, `all`, `run` and `down`
    /// commands take the lock ([`migration_locker`]), and by the pipeline's
    /// library calls; reading commands do not ask.
    fn read_only_reason<'a>(&'a self, _db: &'a Db) -> BoxFuture<'a, Result<Option<String>>> {
        Box::pin(async { Ok(None) })
    }
    /// [`read_only_reason`](Backend::read_only_reason) and
    /// [`lock_strategy`](Backend::lock_strategy) together, which
    /// [`migration_locker`] asks before m changes a database: by default
    /// one after the other; a backend that asks the server both questions
    /// answers them in one query (an unchanged boot counts its queries).
    fn server_facts<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<ServerFacts>> {
        Box::pin(async move {
            Ok(ServerFacts {
                read_only: self.read_only_reason(db).await?,
                lock: self.lock_strategy(db).await?,
            })
        })
    }
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
    /// How many objects (tables, indexes, types, constraints) one
    /// transaction of a sync may lock, where the server keeps every lock in
    /// a shared table of bounded size that a large sync could fill
    /// (PostgreSQL); `None` where nothing bounds it. The executor creates
    /// new tables in several transactions rather than exceed it.
    fn lock_budget<'a>(&'a self, _db: &'a Db) -> BoxFuture<'a, Result<Option<u64>>> {
        Box::pin(async { Ok(None) })
    }
    /// Where an unchanged boot keeps its stamp ([`crate::stamp`]), when
    /// this database has a place that reads without the cost of reading a
    /// table (SQLite: the file header, where a table read first parses the
    /// whole schema). `None` by default: boot's fast path reads m's tables.
    fn stamp_slot(&self) -> Option<&dyn StampSlot> {
        None
    }
    /// What the server added to an error's message (e.g. PostgreSQL's
    /// `DETAIL` and `HINT`), as `(label, text)` pairs that m prints with it.
    fn error_notes(&self, _error: &dyn sqlx::error::DatabaseError) -> Vec<(&'static str, String)> {
        Vec::new()
    }
}

/// What m asks a server before it changes its database
/// ([`Backend::server_facts`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerFacts {
    /// Why m must not change it ([`Backend::read_only_reason`]).
    pub read_only: Option<String>,
    /// The lock m takes when `M_LOCK` is unset ([`Backend::lock_strategy`]).
    pub lock: LockStrategy,
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
