use crate::registry::RegistryErrors;

/// The error type of user hooks and migrations: anything that converts into
/// a boxed error (`sqlx::Error`, `anyhow::Error`, `std::io::Error`, ...).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result` with m's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in m's runtime. Each message names the item
/// involved and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database at `url` could not be reached or refused the connection.
    #[error(
        "cannot connect to {url}: {source}\n  hint: check DATABASE_URL and that the database server is running"
    )]
    Connect {
        /// The URL, password redacted.
        url: String,
        /// The driver's error.
        source: sqlx::Error,
    },

    /// No enabled backend serves the URL's scheme (the URL, password redacted).
    #[error(
        "unsupported database URL `{0}`: use sqlite://PATH, postgres://USER@HOST/DB or mysql://USER@HOST/DB (and enable the matching cargo feature)"
    )]
    UnsupportedUrl(String),

    /// An operation m performed on its own behalf failed: reading a row it
    /// fetched, preparing the session, closing the connection.
    #[error("database error while {context}: {source}")]
    Database {
        /// What m was doing, e.g. "preparing the session".
        context: String,
        /// The driver's error.
        source: sqlx::Error,
    },

    /// A statement sent through [`Db`](crate::Db) failed.
    #[error("statement failed: {source}\n  statement: {sql}{partial}")]
    Statement {
        /// The statement as sent.
        sql: String,
        /// The driver's error.
        source: sqlx::Error,
        /// For a failed sync: what became of the statements before it
        /// (rolled back, or how many were committed); empty otherwise.
        partial: String,
    },

    /// The catalog returned a row m cannot read.
    #[error("cannot read the database schema: {0}")]
    Introspect(String),

    /// The registered declarations are invalid; every problem is listed.
    #[error("{0}")]
    Registry(#[from] RegistryErrors),

    /// The migrations cannot run as asked: a tampered checksum, an
    /// out-of-order migration, or a `down` that cannot run. Nothing was run.
    #[error("{0}")]
    Migration(String),

    /// A migration's body (or, when reverting, its `down`) failed; `outcome`
    /// says what became of the database (rolled back, or what MySQL kept).
    #[error("{action} migration `{app}:{id}` ({declared_at}) failed: {source}\n  {outcome}")]
    MigrationFailed {
        /// The app that declares the migration.
        app: String,
        /// The migration's id within its app.
        id: String,
        /// `"applying"` or `"reverting"`.
        action: &'static str,
        /// Where the migration is declared.
        declared_at: &'static str,
        /// The error the migration's body returned.
        source: BoxError,
        /// What became of the database and the ledger.
        outcome: String,
    },

    /// A `#[before_sync]` or `#[after_sync]` hook returned an error; the
    /// hooks and steps after it did not run.
    #[error("{phase} hook `{app}::{name}` failed: {source}\n  nothing after it ran")]
    Hook {
        /// The app that declares the hook.
        app: String,
        /// The hook fn's name.
        name: String,
        /// `"before_sync"` or `"after_sync"`.
        phase: &'static str,
        /// The error the hook returned.
        source: BoxError,
    },

    /// The migration lock was not acquired within the timeout (another
    /// process holds it; the message says how to find it).
    #[error("{0}")]
    Lock(String),

    /// Production boot refused to start: the plan holds changes that need
    /// review. Nothing was applied; the message lists them.
    #[error("{0}")]
    Policy(String),

    /// A schema snapshot file (`migrate snapshot`, `verify --offline`)
    /// could not be read or written; the message names the file.
    #[error("{0}")]
    Snapshot(String),

    /// A file operation failed (e.g. SQLite's lock file).
    #[error("{0}")]
    Io(#[from] std::io::Error),

    /// Anything else, e.g. a sync rolled back because it would leave rows
    /// violating foreign keys.
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// Whether the database itself rejected a statement (e.g. "no such
    /// table"), as opposed to the connection failing: only then may a caller
    /// read the error as "absent".
    pub(crate) fn is_rejected_statement(&self) -> bool {
        matches!(
            self,
            Error::Statement {
                source: sqlx::Error::Database(_),
                ..
            }
        )
    }

    pub(crate) fn database(context: impl Into<String>, source: sqlx::Error) -> Self {
        Error::Database {
            context: context.into(),
            source,
        }
    }
}
