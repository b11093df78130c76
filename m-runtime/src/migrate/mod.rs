//! The imperative track: versioned migrations, ordered by a dependency
//! graph across apps and recorded in a ledger.
//!
//! - [`run`] (`migrate run`) applies pending migrations without syncing:
//!   the `pre_sync` ones, then the `post_sync` ones (or one phase with
//!   [`RunOptions::phase`], `--phase`). [`run_all`] (`migrate all`) is the
//!   whole pipeline: pre-sync migrations, `before_sync` hooks, sync,
//!   `after_sync` hooks, post-sync migrations.
//! - [`down`] reverts a migration and everything applied after it that
//!   depends on it: the later migrations of its app and, transitively,
//!   their dependents in any app (not unrelated migrations that merely ran
//!   later); [`status`] reports applied and pending migrations.
//! - Order ([`execution_order`]): all `pre_sync` migrations before all
//!   `post_sync` ones; within an app by `(phase, id)` (ids compare as
//!   strings: zero-pad them); across apps by `depends_on`; ties broken by
//!   the smallest `(app, id)`.
//! - The ledger is the table [`LEDGER_TABLE`] (`_m_migrations`), created on
//!   first use. An applied migration is immutable: a checksum that changed
//!   since it was applied stops every run, as does a pending migration that
//!   comes before an applied one of its app (unless allowed explicitly).
//!   An applied migration that is no longer registered is only a warning.
//! - SQL bodies run as one multi-statement batch inside m's transaction:
//!   they must not contain `BEGIN`/`COMMIT` themselves.
//!
//! The engine takes a [`Registry`](crate::Registry), so it runs with hand-made
//! descriptors as well as with what `#[migration]` and `m-build` register:
//!
//! ```
//! # async fn demo() -> m_runtime::Result<()> {
//! use m_runtime::Registry;
//! use m_runtime::migrate::{self, RunOptions};
//! use m_runtime::registry::{MigrationBody, MigrationDef, MigrationPhase, OnFresh};
//!
//! static CREATE_NOTE: MigrationDef = MigrationDef {
//!     app: "notes",
//!     id: "0001_create_note",
//!     depends_on: &[],
//!     phase: MigrationPhase::PreSync,
//!     checksum: "sha256:00",
//!     up: MigrationBody::Sql("CREATE TABLE note (id INTEGER PRIMARY KEY)"),
//!     down: Some(MigrationBody::Sql("DROP TABLE note")),
//!     source: "notes/migrations/0001_create_note.sql",
//!     on_fresh: OnFresh::Skip,
//! };
//!
//! let db = m_runtime::Db::connect("sqlite::memory:").await?;
//! let registry = Registry { migrations: vec![&CREATE_NOTE], ..Default::default() };
//! let report = migrate::run(&db, &registry, &RunOptions::default()).await?;
//! assert_eq!(report.applied[0].name(), "notes:0001_create_note");
//! // Applied once: a second run finds nothing to do.
//! assert!(migrate::run(&db, &registry, &RunOptions::default()).await?.applied.is_empty());
//! let reverted = migrate::down(&db, &registry, "notes:0001_create_note").await?;
//! assert_eq!(reverted.reverted.len(), 1);
//! # Ok(()) }
//! # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
//! ```
//!
//! # Transactions
//!
//! Each migration runs in its own transaction (`BEGIN` ... `COMMIT`), and
//! its ledger row is written inside that transaction, so a migration is
//! applied and recorded together or not at all. A failing migration stops
//! the run ([`Error::MigrationFailed`](crate::Error::MigrationFailed)); the
//! migrations before it stay applied.
//!
//! - **PostgreSQL and SQLite** roll DDL back: a failing migration leaves the
//!   database exactly as it was before it, and no ledger row.
//! - **SQLite** runs each migration as it runs a sync: foreign keys off
//!   around the transaction (so a migration can rebuild a table the
//!   documented way, new table, copy, drop, rename, without the drop
//!   cascading), and `PRAGMA foreign_key_check` before the commit: a
//!   migration that would leave dangling references is rolled back.
//! - **MySQL and MariaDB** commit every DDL statement (`CREATE`, `ALTER`,
//!   `DROP`, `RENAME`, `TRUNCATE`, ...) implicitly: the DDL commits the open
//!   transaction and ends it, and the statements after it commit one by
//!   one. So when a migration fails:
//!   - a migration that ran no DDL before the failing statement is rolled
//!     back as a whole (a data-only migration is atomic);
//!   - once it has run a DDL statement, **every statement it ran before the
//!     failing one stays applied**;
//!   - either way its ledger row is **not** written (it is inserted only
//!     after the whole body succeeded), so the next run **runs the whole
//!     migration again**, from its first statement. Write MySQL migrations
//!     to be idempotent (`CREATE TABLE IF NOT EXISTS`, `DROP ... IF
//!     EXISTS`, guarded `UPDATE`s), or keep one DDL statement per migration.
//!
//!   The same holds for `down`: a failing `down` on MySQL may leave part of
//!   its DDL done while the ledger still lists the migration as applied.
//!
//! Hooks run outside these transactions (see [`crate::hooks`]).
//!
//! # Concurrency
//!
//! These functions assume one migrator at a time. The `migrate` CLI takes
//! the backend's database-level lock ([`Locker`](crate::backend::Locker))
//! around `run`, `all` and `down`; library callers should do the same.

mod graph;
mod ledger;
pub mod operate;
mod pipeline;
mod problems;
mod runner;
mod status;

pub use graph::execution_order;
pub use ledger::{AppliedMigration, Event, LEDGER_TABLE, LedgerEvent};
pub use pipeline::{AllOptions, AllReport, run_all};
pub use problems::{LedgerProblem, LedgerProblems};

pub(crate) use runner::Migrator;
pub use runner::{DownReport, RunOptions, RunReport, down, run};
pub use status::{MigrationState, Status, check_pending, has_pending, status};

pub(crate) use graph::problems as graph_problems;
