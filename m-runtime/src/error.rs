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
    #[error(
        "cannot connect to {url}: {source}\n  hint: check DATABASE_URL and that the database server is running"
    )]
    Connect { url: String, source: sqlx::Error },

    #[error(
        "unsupported database URL `{0}`: use sqlite://PATH, postgres://USER@HOST/DB or mysql://USER@HOST/DB (and enable the matching cargo feature)"
    )]
    UnsupportedUrl(String),

    #[error("database error while {context}: {source}")]
    Database {
        context: String,
        source: sqlx::Error,
    },

    #[error("statement failed: {source}\n  statement: {sql}{partial}")]
    Statement {
        sql: String,
        source: sqlx::Error,
        partial: String,
    },

    #[error("cannot read the database schema: {0}")]
    Introspect(String),

    #[error("{0}")]
    Registry(#[from] RegistryErrors),

    #[error("{0}")]
    Migration(String),

    /// A migration's body (or, when reverting, its `down`) failed; `outcome`
    /// says what became of the database (rolled back, or what MySQL kept).
    #[error("{action} migration `{app}:{id}` ({declared_at}) failed: {source}\n  {outcome}")]
    MigrationFailed {
        app: String,
        id: String,
        /// `"applying"` or `"reverting"`.
        action: &'static str,
        /// Where the migration is declared.
        declared_at: &'static str,
        source: BoxError,
        outcome: String,
    },

    #[error("{phase} hook `{app}::{name}` failed: {source}\n  nothing after it ran")]
    Hook {
        app: String,
        name: String,
        phase: &'static str,
        source: BoxError,
    },

    #[error("{0}")]
    Lock(String),

    #[error("{0}")]
    Policy(String),

    #[error("{0}")]
    Io(#[from] std::io::Error),

    #[error("{0}")]
    Other(String),
}

impl Error {
    pub(crate) fn database(context: impl Into<String>, source: sqlx::Error) -> Self {
        Error::Database {
            context: context.into(),
            source,
        }
    }
}
