use std::time::Duration;

use crate::migrate::LedgerProblems;
use crate::plan::PlannedChange;
use crate::registry::RegistryErrors;

/// The error type of user hooks and migrations: anything that converts into
/// a boxed error (`sqlx::Error`, `anyhow::Error`, `std::io::Error`, ...).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result` with m's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in m's runtime. Each message names the item
/// involved and what to do.
///
/// A message does not repeat its [`source`](std::error::Error::source):
/// print the whole chain, as [`Report`] does, to see the database's own
/// words.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database at `url` could not be reached or refused the connection.
    #[error("cannot connect to {url} (check DATABASE_URL and that the database server is running)")]
    Connect {
        /// The URL, password redacted.
        url: String,
        /// The driver's error.
        source: sqlx::Error,
    },

    /// The server at `url` accepted the connection but did not complete the
    /// handshake in time.
    #[error(
        "the database at {url} did not answer within {waited:?} (check DATABASE_URL: is it a database server, and is it overloaded?)"
    )]
    ConnectTimeout {
        /// The URL, password redacted.
        url: String,
        /// How long m waited.
        waited: Duration,
    },

    /// A reading command (`verify`, `status`) was pointed at a database
    /// that does not exist (a SQLite file); it creates none.
    #[error(
        "the database `{0}` does not exist: check DATABASE_URL, or create it with `migrate all` (or `migrate sync`); verify and status only read"
    )]
    MissingDatabase(String),

    /// No enabled backend serves the URL's scheme (the URL, password redacted).
    #[error(
        "unsupported database URL `{0}`: use sqlite://PATH, postgres://USER@HOST/DB or mysql://USER@HOST/DB (and enable the matching cargo feature)"
    )]
    UnsupportedUrl(String),

    /// A setting (an environment variable or an option) is missing or has a
    /// value m does not accept.
    #[error("{name}: {message}")]
    Setting {
        /// The variable or option, e.g. `M_ENV`.
        name: &'static str,
        /// What is wrong and which values are accepted.
        message: String,
    },

    /// An operation m performed on its own behalf failed: reading a row it
    /// fetched, preparing the session, closing the connection.
    #[error("database error while {context}")]
    Database {
        /// What m was doing, e.g. "preparing the session".
        context: String,
        /// The driver's error.
        source: sqlx::Error,
    },

    /// A statement sent through [`Db`](crate::Db) failed. The message is
    /// the server's own (without PostgreSQL's "at line N", which is a line
    /// of the server's C source), then the statement and the server's notes.
    #[error("{}\n  statement: {sql}{}", server_message(.error), format_notes(.notes))]
    Statement {
        /// The statement as sent.
        sql: String,
        /// What the server added to its message (PostgreSQL's `DETAIL` and
        /// `HINT`), as `(label, text)`.
        notes: Vec<(&'static str, String)>,
        /// The driver's error (its message is part of this one's, so it is
        /// not repeated as a source).
        error: sqlx::Error,
    },

    /// A sync stopped at a failing statement; `committed` says how many of
    /// its statements stay applied (0 where DDL is transactional: the sync
    /// was rolled back).
    #[error("the sync stopped at statement {} of {total}: {}", committed + 1, sync_outcome(*.committed, *.total, .backend))]
    SyncFailed {
        /// Statements of this sync that were committed before the failure.
        committed: usize,
        /// Statements the sync had.
        total: usize,
        /// The backend (`"mysql"` commits each DDL statement).
        backend: &'static str,
        /// Why the statement failed.
        source: Box<Error>,
    },

    /// A transaction would have left rows that violate foreign keys; it was
    /// rolled back.
    #[error(
        "it would leave {rows} row(s) violating foreign keys (`{check}`); nothing was committed"
    )]
    IntegrityViolation {
        /// The check that found them.
        check: &'static str,
        /// How many rows it reported.
        rows: usize,
    },

    /// The catalog returned a row m cannot read.
    #[error("cannot read the database schema: {0}")]
    Introspect(String),

    /// The registered declarations are invalid; every problem is listed.
    #[error("{0}")]
    Registry(#[from] RegistryErrors),

    /// The ledger disagrees with the registered migrations (a tampered
    /// checksum, an out-of-order migration); every problem is listed and
    /// nothing was run.
    #[error("{0}")]
    Ledger(LedgerProblems),

    /// The migrations cannot run as asked: a `down` that cannot run, an
    /// unknown target, a dependency not applied yet. Nothing was run.
    #[error("{0}")]
    Migration(String),

    /// A migration's body (or, when reverting, its `down`) failed; `outcome`
    /// says what became of the database (rolled back, or what MySQL kept).
    #[error("{action} migration `{app}:{id}` ({declared_at}) failed\n  {outcome}")]
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
    #[error("{phase} hook `{app}::{name}` failed; nothing after it ran")]
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

    /// The migration lock was not acquired within the timeout: another
    /// process holds it.
    #[error(
        "another process has held {lock} for over {waited:?}: wait for it to finish, or raise the lock timeout (M_LOCK_TIMEOUT_SECS, --lock-timeout){}",
        holder.as_deref().map(|h| format!("; {h}")).unwrap_or_default()
    )]
    LockTimeout {
        /// Which lock, e.g. "m's migration lock (PostgreSQL advisory lock 1)".
        lock: String,
        /// How long m waited.
        waited: Duration,
        /// Who holds it, or how to find out.
        holder: Option<String>,
    },

    /// The migration lock could not be taken for another reason than a
    /// holder (e.g. SQLite's lock file cannot be created).
    #[error("{0}")]
    Lock(String),

    /// Production refused to run: the plan holds changes that need review.
    /// Nothing was applied; the message lists them with their SQL.
    #[error("{}", refusal(.held_back, .backend))]
    PolicyRefusal {
        /// The changes the policy held back (orphans aside).
        held_back: Vec<PlannedChange>,
        /// The backend the plan is for.
        backend: String,
    },

    /// A schema snapshot file (`migrate snapshot`, `verify --offline`)
    /// could not be read or written; the message names the file.
    #[error("{0}")]
    Snapshot(String),

    /// Output could not be written or serialised.
    #[error("cannot write the output: {0}")]
    Output(String),

    /// A file operation failed (e.g. SQLite's lock file).
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// Whether the database itself rejected a statement, as opposed to the
    /// connection failing.
    pub(crate) fn is_rejected_statement(&self) -> bool {
        matches!(
            self,
            Error::Statement {
                error: sqlx::Error::Database(_),
                ..
            }
        )
    }

    /// Whether this is a statement the database rejected because `table`
    /// does not exist (decided by `backend` from the error's code): the one
    /// error a caller may read as "absent".
    pub(crate) fn is_missing_table(
        &self,
        backend: &dyn crate::backend::Backend,
        table: &str,
    ) -> bool {
        match self {
            Error::Statement {
                error: sqlx::Error::Database(error),
                ..
            } => backend.is_missing_table(error.as_ref(), table),
            _ => false,
        }
    }

    pub(crate) fn database(context: impl Into<String>, source: sqlx::Error) -> Self {
        Error::Database {
            context: context.into(),
            source,
        }
    }
}

fn server_message(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(error) => error.message().to_owned(),
        other => other.to_string(),
    }
}

fn format_notes(notes: &[(&'static str, String)]) -> String {
    notes
        .iter()
        .map(|(label, text)| format!("\n  {label}: {text}"))
        .collect()
}

fn sync_outcome(committed: usize, total: usize, backend: &str) -> String {
    if committed == 0 {
        "nothing of it was committed".to_owned()
    } else {
        format!(
            "{backend} commits each DDL statement: {committed} of {total} statement(s) were applied before it; fix the cause and re-run: the next run plans only what is missing"
        )
    }
}

/// Why production refuses: each held-back change with its reason and SQL.
fn refusal(held_back: &[PlannedChange], backend: &str) -> String {
    let mut message = format!(
        "refusing to start: {} schema change(s) need review before this binary may run in production; the schema was not changed (pending pre-sync migrations ran first):",
        held_back.len()
    );
    for change in held_back {
        let target = match change.change.column() {
            Some(column) => format!("{}.{column}", change.change.table()),
            None => change.change.table().to_owned(),
        };
        message.push_str(&format!(
            "\n  {} {} {target}: {}",
            change.risk,
            change.change.kind(),
            change.reason
        ));
        for sql in &change.sql {
            message.push_str(&format!("\n      {}", sql.replace('\n', "\n      ")));
        }
    }
    message.push_str(&format!(
        "\nreview the plan with `migrate verify --sql` on {backend}, then apply it with `migrate sync --allow-warning` (WARNING) or write a #[migration] (BREAKING), and start again"
    ));
    message
}

/// An error with its causes, one per line: how the CLI prints an error.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let db = m_runtime::Db::connect("sqlite::memory:").await?;
/// let error = db.execute("SELECT * FROM nowhere").await.unwrap_err();
/// let report = m_runtime::Report(&error).to_string();
/// assert_eq!(report, "no such table: nowhere\n  statement: SELECT * FROM nowhere");
/// # Ok::<(), m_runtime::Error>(()) }).unwrap();
/// ```
#[derive(Clone, Copy)]
pub struct Report<'a>(pub &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut shown = self.0.to_string();
        f.write_str(&shown)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            // Some errors (sqlx's among them) repeat their source in their
            // own message: print each text once.
            if !shown.contains(&text) {
                write!(f, "\n  caused by: {}", text.replace('\n', "\n  "))?;
                shown = text;
            }
            source = cause.source();
        }
        Ok(())
    }
}

impl std::fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}
