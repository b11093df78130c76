//! The `migrate` command line, as a library: the app's `main` calls
//! [`main`], or nests [`MigrateCommand`] in its own clap CLI and calls
//! [`run`].
//!
//! ```no_run
//! #[tokio::main]
//! async fn main() -> std::process::ExitCode {
//!     m_runtime::cli::main().await
//! }
//! ```
//!
//! Exit codes ([`ExitStatus`]): 0 success, 1 `verify` found changes that sync
//! would apply, 2 usage error, 3 blocked by policy, 4 invalid declarations or
//! migrations, 5 database error. `verify --fail-on warning|breaking` (for
//! CI) exits 3 when the plan holds a change of that level or above and 0
//! otherwise, whatever else is pending (4 still for ledger problems).
//!
//! For the imperative track:
//!
//! | command  | exit code                                                         |
//! |----------|-------------------------------------------------------------------|
//! | `run`    | 0 applied (or nothing pending)                                    |
//! | `all`    | 0 all five steps ran; 3 the sync held back a change, so the `after_sync` hooks and `post_sync` migrations did not run |
//! | `down`   | 0 reverted                                                        |
//! | `status` | 0; 4 when the ledger has problems (tampered checksum, out of order) |
//! | `studio` | 0 after Ctrl-C; 2 when it cannot listen or its token is refused |
//!
//! and for all of them: 4 when the migration graph or ledger is invalid (a
//! dependency cycle, an unknown `depends_on`, a duplicate id, a tampered
//! checksum, an out-of-order migration, a `down` that cannot run), 5 when a
//! migration or hook fails (or the database does).
//!
//! `--format json` of the migration commands, where `Applied` is a ledger
//! row `{"app", "id", "checksum", "phase", "seq", "applied_at",
//! "duration_ms"}` and `Hook` is `{"app", "name", "phase", "duration_ms"}`:
//!
//! - `run`: `{"applied": [Applied]}`; `down`: `{"reverted": [Applied]}`
//!   (in the order they ran);
//! - `status`: `{"backend", "migrations": [{"app", "id", "phase", "state":
//!   "applied" | "pending", "depends_on", "reversible", "checksum",
//!   "applied_checksum", "tampered", "applied_at", "duration_ms"}],
//!   "unregistered": [Applied], "problems": [string], "applied", "pending"}`;
//! - `all`: `{"pre_sync": [Applied], "before_sync": [Hook], "sync": {"plan",
//!   "applied", "blocked", "statements"}, "after_sync": [Hook], "post_sync":
//!   [Applied], "complete": bool}` (`plan` as in `verify`).

mod exit;
mod make;
mod render;
mod render_migrations;

pub use exit::ExitStatus;
pub use make::MakeArgs;

use std::process::ExitCode;

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::backend::{HeldLock, Locker};
use crate::migrate::RunOptions;
use crate::pipeline::{PipelineOptions, Step};
use crate::registry::MigrationPhase;
use crate::risk::Risk;
use crate::{Db, Error, Policy, Registry};

/// How long `sync`, `run`, `all` and `down` wait for another migrator to
/// finish, unless `--lock-timeout` or `M_LOCK_TIMEOUT_SECS` says otherwise.
const LOCK_TIMEOUT: Duration = Duration::from_secs(600);

/// `<app> migrate <command>`.
#[derive(Debug, Parser)]
#[command(about = "Migrate the database of this app", long_about = None)]
pub struct Cli {
    /// The top-level subcommand.
    #[command(subcommand)]
    pub command: TopLevel,
}

/// The top-level subcommands of [`Cli`].
#[derive(Debug, Subcommand)]
pub enum TopLevel {
    /// Inspect and migrate the database.
    Migrate(MigrateCommand),
}

/// `migrate ...`: nest this in an app's own clap CLI.
#[derive(Debug, Args)]
pub struct MigrateCommand {
    /// Database URL (sqlite://FILE, postgres://..., mysql://...). Default: a
    /// SQLite file named after the binary in the working directory.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// How long to wait for another migrator (a booting replica, another
    /// `migrate` command) to release the migration lock, in seconds.
    /// Default: M_LOCK_TIMEOUT_SECS, else 600.
    #[arg(long, global = true, value_name = "SECONDS")]
    pub lock_timeout: Option<u64>,

    /// The subcommand to run.
    #[command(subcommand)]
    pub action: MigrateAction,
}

/// The `migrate` subcommands.
#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Dry run: the plan, each change's risk and why, pending migrations
    /// and ledger problems. Changes nothing (no hooks, no migrations).
    Verify(VerifyArgs),
    /// Write the compiled schema to a file, for `verify --offline`.
    Snapshot(SnapshotArgs),
    /// Apply SAFE changes (WARNING with --allow-warning; BREAKING never).
    Sync(PlanArgs),
    /// Everything in order: pre-sync migrations, before_sync hooks, sync,
    /// after_sync hooks, post-sync migrations. Exits 3 (and skips the last
    /// two steps) when the sync holds back a change.
    All(AllArgs),
    /// Run pending migrations without syncing: pre_sync ones, then
    /// post_sync ones (or only those of --phase).
    Run(RunArgs),
    /// Applied and pending migrations per app. Changes nothing.
    Status(FormatArgs),
    /// Revert a migration and every applied migration after it that
    /// depends on it (later ids of its app, their dependents in other apps),
    /// latest first. Refuses up front if one of them has no `down`.
    Down(DownArgs),
    /// What this binary registered: apps, DocTypes, hooks, migrations.
    List(FormatArgs),
    /// Record a migration as applied without running it.
    MarkApplied(TargetArgs),
    /// Remove a migration's ledger row, so that it runs again.
    Unmark(TargetArgs),
    /// Accept an intentional edit of an applied migration: record its new
    /// checksum (the old one is kept in the ledger's history).
    Accept(TargetArgs),
    /// Adopt a database m did not migrate: record every registered
    /// migration as applied without running any.
    Baseline(FormatArgs),
    /// Replace an app's applied history with one squashed migration: record
    /// it as applied and remove the rows of the migrations it replaces.
    Squash(SquashArgs),
    /// Remove a retired app's rows from m's tables (its tables stay).
    ForgetApp(ForgetAppArgs),
    /// Write a migration of operations for what the plan holds back
    /// (renames, drops, type changes), into the app's migrations folder.
    Make(MakeArgs),
    /// Serve the plan as a live local web page (127.0.0.1 by default):
    /// DocTypes, each change's risk and SQL, pending migrations, the ledger.
    /// Re-plans as the database changes and restarts itself when this
    /// binary is rebuilt. Read-only unless --allow-apply.
    #[cfg(feature = "studio")]
    Studio(StudioArgs),
}

/// Options of `migrate studio`.
#[cfg(feature = "studio")]
#[derive(Debug, Args, Clone)]
pub struct StudioArgs {
    /// The port to listen on (0: any free one; the printed URL says which).
    #[arg(long, default_value_t = crate::studio::DEFAULT_PORT)]
    pub port: u16,
    /// Listen on this address instead of 127.0.0.1. Any address that is not
    /// a loopback requires the access token (M_STUDIO_TOKEN, else a random
    /// one), which the printed URL carries.
    #[arg(long, value_name = "ADDRESS", default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Open the page in the desktop's browser.
    #[arg(long)]
    pub open: bool,
    /// Plan against this snapshot (`migrate snapshot`) instead of a
    /// database: nothing measured, no migrations.
    #[arg(long, value_name = "SNAPSHOT")]
    pub offline: Option<std::path::PathBuf>,
    /// Offer an Apply button: it syncs what the policy allows, as
    /// `migrate sync` does (same pipeline, same lock).
    #[arg(long)]
    pub allow_apply: bool,
    /// Plan (and apply) WARNING changes too, as `sync --allow-warning`.
    #[arg(long)]
    pub allow_warning: bool,
    /// Re-plan every this many seconds (the page can also ask for it).
    #[arg(long, value_name = "SECONDS", default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..))]
    pub interval: u64,
}

/// `migrate mark-applied | unmark | accept <app:id>`.
#[derive(Debug, Args, Clone)]
pub struct TargetArgs {
    /// The migration, as `app:id`.
    pub target: String,
    /// Output format.
    #[command(flatten)]
    pub format: FormatArgs,
}

/// `migrate squash <app> --into <id>`.
#[derive(Debug, Args, Clone)]
pub struct SquashArgs {
    /// The app whose history is squashed.
    pub app: String,
    /// The id of the registered migration that replaces it.
    #[arg(long)]
    pub into: String,
    /// Output format.
    #[command(flatten)]
    pub format: FormatArgs,
}

/// `migrate forget-app <app>`.
#[derive(Debug, Args, Clone)]
pub struct ForgetAppArgs {
    /// The retired app.
    pub app: String,
    /// Output format.
    #[command(flatten)]
    pub format: FormatArgs,
}

/// Options of `migrate verify`.
#[derive(Debug, Args, Clone, Default)]
pub struct VerifyArgs {
    /// Compare the code with this snapshot (`migrate snapshot`) instead of
    /// a database: no connection, no measurement; SQL in the dialect of
    /// DATABASE_URL's scheme (SQLite when unset).
    #[arg(long, value_name = "SNAPSHOT")]
    pub offline: Option<std::path::PathBuf>,
    /// For CI: exit 3 only when the plan holds a change of this level or
    /// above, and 0 otherwise (lesser changes and pending migrations are
    /// what the deploy's sync and run will do); ledger problems still exit
    /// 4. Without it, verify exits 1 on any change and 3 on a blocked one.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,
    /// Policy and output options.
    #[command(flatten)]
    pub plan: PlanArgs,
}

/// The level `verify --fail-on` fails at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// A WARNING or BREAKING change fails the check.
    Warning,
    /// Only a BREAKING change fails the check.
    Breaking,
}

impl From<FailOn> for Risk {
    fn from(level: FailOn) -> Self {
        match level {
            FailOn::Warning => Risk::Warning,
            FailOn::Breaking => Risk::Breaking,
        }
    }
}

/// Options of `migrate snapshot`.
#[derive(Debug, Args, Clone)]
pub struct SnapshotArgs {
    /// Where to write the schema (JSON).
    #[arg(long, default_value = "m-schema.json")]
    pub output: std::path::PathBuf,
}

/// Options of `migrate all`.
#[derive(Debug, Args, Clone, Default)]
pub struct AllArgs {
    /// Policy and output options of the sync step.
    #[command(flatten)]
    pub plan: PlanArgs,
    /// Ordering options of the migration steps.
    #[command(flatten)]
    pub order: OrderArgs,
}

/// Options of `migrate run`.
#[derive(Debug, Args, Clone, Default)]
pub struct RunArgs {
    /// Run only the migrations of this phase.
    #[arg(long, value_enum)]
    pub phase: Option<PhaseArg>,
    /// Ordering options.
    #[command(flatten)]
    pub order: OrderArgs,
    /// Output format.
    #[command(flatten)]
    pub format: FormatArgs,
}

/// `--allow-out-of-order`.
#[derive(Debug, Args, Clone, Default)]
pub struct OrderArgs {
    /// Apply a pending migration even though a later one of its app is
    /// already applied.
    #[arg(long)]
    pub allow_out_of_order: bool,
}

/// `--phase`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PhaseArg {
    /// Migrations that run before the sync.
    #[value(name = "pre_sync", alias = "pre-sync")]
    PreSync,
    /// Migrations that run after the sync.
    #[value(name = "post_sync", alias = "post-sync")]
    PostSync,
}

impl From<PhaseArg> for MigrationPhase {
    fn from(phase: PhaseArg) -> Self {
        match phase {
            PhaseArg::PreSync => MigrationPhase::PreSync,
            PhaseArg::PostSync => MigrationPhase::PostSync,
        }
    }
}

/// Options of `migrate down`.
#[derive(Debug, Args, Clone)]
pub struct DownArgs {
    /// The migration to revert, as `app:id`.
    pub target: String,
    /// Output format.
    #[command(flatten)]
    pub format: FormatArgs,
}

/// Options of the planning commands.
#[derive(Debug, Args, Clone, Default)]
pub struct PlanArgs {
    /// Also apply WARNING changes (sync, all). With verify: plan as
    /// `sync --allow-warning` would, so WARNING changes show as "apply"
    /// and the exit code says what such a sync would leave blocked.
    #[arg(long)]
    pub allow_warning: bool,
    /// Show the SQL of each change.
    #[arg(long)]
    pub sql: bool,
    /// Output format.
    #[command(flatten)]
    pub format: FormatArgs,
}

/// `--format`.
#[derive(Debug, Args, Clone, Default)]
pub struct FormatArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Output formats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Readable, coloured on a terminal.
    #[default]
    Text,
    /// One JSON object (documented in the README).
    Json,
    /// GitHub Actions workflow annotations.
    Github,
}

/// Parses the process arguments and runs the command.
pub async fn main() -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    match cli.command {
        TopLevel::Migrate(command) => run(command, Registry::linked()).await.into(),
    }
}

fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("M_LOG"))
        .with_writer(std::io::stderr)
        .try_init();
}

/// Runs one `migrate` command against the given registry.
pub async fn run(command: MigrateCommand, registry: Registry) -> ExitStatus {
    match execute(command, registry).await {
        Ok(status) => status,
        Err(error) => {
            anstream::eprintln!(
                "{}error:{} {}",
                render::ERROR.render(),
                render::ERROR.render_reset(),
                crate::Report(&error)
            );
            ExitStatus::from_error(&error)
        }
    }
}

async fn execute(command: MigrateCommand, registry: Registry) -> Result<ExitStatus, Error> {
    if let MigrateAction::List(args) = &command.action {
        // Listed even when invalid: that is when the list helps most.
        render::registry(&registry, args.clone())?;
        registry.validate()?;
        return Ok(ExitStatus::Success);
    }
    registry.validate()?;
    let url = match command.database_url.clone() {
        Some(url) => url,
        None => crate::settings::default_url(),
    };
    let lock_timeout = match command.lock_timeout {
        Some(secs) => Duration::from_secs(secs),
        None => crate::settings::lock_timeout()?.unwrap_or(LOCK_TIMEOUT),
    };
    match command.action {
        #[cfg(feature = "studio")]
        MigrateAction::Studio(args) => {
            let options = crate::studio::Options {
                bind: args.bind,
                port: args.port,
                open: args.open,
                offline: args.offline,
                allow_apply: args.allow_apply,
                policy: Policy {
                    apply_safe: true,
                    allow_warning: args.allow_warning,
                },
                interval: Duration::from_secs(args.interval),
                lock_timeout,
                url,
            };
            crate::studio::serve(options, registry).await?;
            Ok(ExitStatus::Success)
        }
        MigrateAction::Verify(VerifyArgs {
            offline: Some(path),
            fail_on,
            plan: args,
        }) => {
            let plan = offline_plan(&path, &url, &registry, &policy(&args))?;
            let migrations = crate::migrate::Status::unknown(plan.backend.clone());
            render::plan(&plan, &migrations, &args)?;
            Ok(verify_status(&plan, &migrations, fail_on))
        }
        MigrateAction::Snapshot(args) => {
            let mut json = crate::output::to_string(&registry.schema())?;
            json.push('\n');
            std::fs::write(&args.output, json).map_err(|e| {
                Error::Snapshot(format!(
                    "cannot write the snapshot `{}`: {e}",
                    args.output.display()
                ))
            })?;
            println!(
                "wrote the schema of {} DocType(s) to {}",
                registry.doctypes.len(),
                args.output.display()
            );
            Ok(ExitStatus::Success)
        }
        action => {
            if matches!(
                action,
                MigrateAction::Verify(_) | MigrateAction::Status(_) | MigrateAction::Make(_)
            ) && let Some(backend) = crate::backend::for_url(&url)
                && let Some(missing) = backend.missing_database(&url)
            {
                // Reading commands never create a database.
                return Err(Error::MissingDatabase(missing));
            }
            let db = Db::connect(&url).await?;
            let outcome = against_database(&db, action, &registry, lock_timeout).await;
            // The command's own outcome matters more than a failure to
            // close; closing cleanly keeps the server's log free of aborted
            // connections.
            if let Err(error) = db.close().await {
                tracing::warn!("closing the connection: {error}");
            }
            outcome
        }
    }
}

/// The commands that talk to the database, on `db`.
async fn against_database(
    db: &Db,
    action: MigrateAction,
    registry: &Registry,
    lock_timeout: Duration,
) -> Result<ExitStatus, Error> {
    match action {
        MigrateAction::Verify(VerifyArgs {
            plan: args,
            fail_on,
            ..
        }) => {
            crate::state::check_linked_apps(db, registry).await?;
            let plan = crate::plan(db, &registry.schema(), &policy(&args)).await?;
            let migrations = crate::migrate::status(db, registry).await?;
            render::plan(&plan, &migrations, &args)?;
            Ok(verify_status(&plan, &migrations, fail_on))
        }
        MigrateAction::Make(args) => {
            make::make(db, registry, &args).await?;
            Ok(ExitStatus::Success)
        }
        MigrateAction::Status(args) => {
            let status = crate::migrate::status(db, registry).await?;
            render_migrations::status(&status, args.format)?;
            Ok(if status.problems.is_empty() {
                ExitStatus::Success
            } else {
                ExitStatus::Invalid
            })
        }
        action => {
            // Refuses a read-only standby before it takes the lock.
            let lock = lock(db, lock_timeout).await?;
            let outcome = migrate(db, action, registry).await;
            lock.release(db).await;
            outcome
        }
    }
}

/// The commands that change the database, under the lock.
async fn migrate(db: &Db, action: MigrateAction, registry: &Registry) -> Result<ExitStatus, Error> {
    match action {
        MigrateAction::Sync(args) => {
            let progress = render::Progress::new();
            let on_statement = |done, total, sql: &str| progress.step(done, total, sql);
            let options = PipelineOptions {
                on_statement: &on_statement,
                ..PipelineOptions::new(policy(&args))
            };
            let outcome = crate::pipeline::sync(db, registry, &options).await;
            progress.finish();
            let (plan, report) = outcome?;
            render::sync_report(&plan, &report, &args)?;
            Ok(if report.is_complete() {
                ExitStatus::Success
            } else {
                ExitStatus::Blocked
            })
        }
        MigrateAction::All(args) => {
            let progress = render::Progress::new();
            let on_statement = |done, total, sql: &str| progress.step(done, total, sql);
            let text = args.plan.format.format != Format::Json;
            // JSON mode keeps the last step that ended, to report what was
            // done if a later step fails.
            let ended = std::sync::Mutex::new(None);
            let on_step = |step, report: &crate::migrate::AllReport| {
                if text {
                    progress.finish();
                    render_migrations::all_step(step, report);
                } else if let Ok(mut ended) = ended.lock() {
                    *ended = Some((step, report.clone()));
                }
            };
            let options = PipelineOptions {
                allow_out_of_order: args.order.allow_out_of_order,
                on_statement: &on_statement,
                on_step: &on_step,
                ..PipelineOptions::new(policy(&args.plan))
            };
            let report = crate::pipeline::run_all(db, registry, &options).await;
            progress.finish();
            let report = match report {
                Ok(report) => report,
                Err(error) => {
                    if !text {
                        let ended = ended.into_inner().ok().flatten();
                        let failed = ended
                            .as_ref()
                            .map_or(Some(Step::PreSync), |(step, _)| step.next())
                            .unwrap_or(Step::PostSync);
                        let report = ended.map(|(_, report)| report).unwrap_or_default();
                        render_migrations::all_json_failed(&report, failed, &error)?;
                    }
                    return Err(error);
                }
            };
            if !text {
                render_migrations::all_json(&report)?;
            }
            Ok(if report.is_complete() {
                ExitStatus::Success
            } else {
                ExitStatus::Blocked
            })
        }
        MigrateAction::Run(args) => {
            let mut options =
                RunOptions::default().allow_out_of_order(args.order.allow_out_of_order);
            if let Some(phase) = args.phase {
                options = options.phase(phase.into());
            }
            let report = crate::migrate::run(db, registry, &options).await?;
            render_migrations::run_report(&report, args.format.format)?;
            Ok(ExitStatus::Success)
        }
        MigrateAction::Down(args) => {
            let report = crate::migrate::down(db, registry, &args.target).await?;
            render_migrations::down_report(&report, args.format.format)?;
            Ok(ExitStatus::Success)
        }
        MigrateAction::MarkApplied(args) => {
            let row = crate::migrate::operate::mark_applied(db, registry, &args.target).await?;
            render_migrations::operated(
                &format!("recorded `{}` as applied without running it", row.name()),
                &row,
                args.format.format,
            )?;
            Ok(ExitStatus::Success)
        }
        MigrateAction::Unmark(args) => {
            let row = crate::migrate::operate::unmark(db, registry, &args.target).await?;
            render_migrations::operated(
                &format!(
                    "removed `{}` from the ledger: the next run runs it again",
                    row.name()
                ),
                &row,
                args.format.format,
            )?;
            Ok(ExitStatus::Success)
        }
        MigrateAction::Accept(args) => {
            let accepted = crate::migrate::operate::accept(db, registry, &args.target).await?;
            render_migrations::operated(
                &format!(
                    "accepted the edit of `{}`: checksum {} recorded (it was applied with {})",
                    accepted.migration, accepted.checksum, accepted.previous_checksum
                ),
                &accepted,
                args.format.format,
            )?;
            Ok(ExitStatus::Success)
        }
        MigrateAction::Baseline(args) => {
            let rows = crate::migrate::operate::baseline(db, registry).await?;
            let names: Vec<String> = rows.iter().map(|r| r.name()).collect();
            render_migrations::operated(
                &format!(
                    "recorded {} migration(s) as applied without running them: {}",
                    rows.len(),
                    names.join(", ")
                ),
                &crate::output::RunJson { applied: &rows },
                args.format,
            )?;
            Ok(ExitStatus::Success)
        }
        MigrateAction::Squash(args) => {
            let squashed =
                crate::migrate::operate::squash(db, registry, &args.app, &args.into).await?;
            let names: Vec<String> = squashed.replaced.iter().map(|r| r.name()).collect();
            render_migrations::operated(
                &format!(
                    "recorded `{}` as applied in place of {}",
                    squashed.recorded.name(),
                    names.join(", ")
                ),
                &squashed,
                args.format.format,
            )?;
            Ok(ExitStatus::Success)
        }
        MigrateAction::ForgetApp(args) => {
            let forgotten = crate::migrate::operate::forget_app(db, registry, &args.app).await?;
            render_migrations::operated(
                &format!(
                    "forgot app `{}`: {} ledger row(s) and {} DocType row(s) removed; its tables stay (drop them in a migration)",
                    forgotten.app,
                    forgotten.migrations.len(),
                    forgotten.doctypes
                ),
                &forgotten,
                args.format.format,
            )?;
            Ok(ExitStatus::Success)
        }
        #[cfg(feature = "studio")]
        MigrateAction::Studio(_) => {
            unreachable!("served by `execute`")
        }
        MigrateAction::List(_)
        | MigrateAction::Snapshot(_)
        | MigrateAction::Verify(_)
        | MigrateAction::Make(_)
        | MigrateAction::Status(_) => {
            unreachable!("answered without the lock by `execute` and `against_database`")
        }
    }
}

/// `verify`'s exit status: problems, then blocked changes, then pending
/// work; with `--fail-on`, problems, then a change at that level or above.
fn verify_status(
    plan: &crate::plan::Plan,
    migrations: &crate::migrate::Status,
    fail_on: Option<FailOn>,
) -> ExitStatus {
    if !migrations.problems.is_empty() {
        ExitStatus::Invalid
    } else if let Some(level) = fail_on {
        if plan.changes.iter().any(|c| c.risk >= Risk::from(level)) {
            ExitStatus::Blocked
        } else {
            ExitStatus::Success
        }
    } else if plan.blocked().next().is_some() {
        ExitStatus::Blocked
    } else if plan.is_empty() && migrations.pending().next().is_none() {
        ExitStatus::Success
    } else {
        ExitStatus::Pending
    }
}

/// The plan from a snapshot file to the compiled schema, in the dialect of
/// `url`'s backend, with nothing measured.
pub(crate) fn offline_plan(
    path: &std::path::Path,
    url: &str,
    registry: &Registry,
    policy: &Policy,
) -> Result<crate::plan::Plan, Error> {
    let text = std::fs::read(path).map_err(|e| {
        Error::Snapshot(format!(
            "cannot read the snapshot `{}`: {e}; write one with `migrate snapshot --output {}`",
            path.display(),
            path.display()
        ))
    })?;
    let mut snapshot: crate::schema::Schema = serde_json::from_slice(&text).map_err(|e| {
        Error::Snapshot(format!(
            "`{}` is not a schema snapshot: {e}",
            path.display()
        ))
    })?;
    let backend = crate::backend::for_url(url)
        .ok_or_else(|| Error::UnsupportedUrl(crate::db::redact(url)))?;
    let dialect = backend.dialect();
    // The snapshot is a compiled schema too: its `sql_type`s read as the desired side's do.
    crate::plan::resolve_sql_types(dialect, &mut snapshot);
    let (live, desired) = crate::plan::prepare(dialect, &snapshot, &registry.schema());
    let changes = crate::diff::diff(&live, &desired);
    let measured = vec![None; changes.len()];
    Ok(crate::plan::build(
        backend.name(),
        dialect,
        &live,
        &desired,
        changes,
        &measured,
        policy,
    ))
}

/// The backend's database-level lock, held until the guard is released;
/// says on stderr that it waits when another process holds it.
pub(crate) async fn lock(db: &Db, timeout: Duration) -> Result<HeldLock<'_>, Error> {
    let locker = crate::backend::migration_locker(db).await?;
    let guard = {
        let acquire = locker.acquire_for(db, timeout);
        tokio::pin!(acquire);
        let quick = tokio::select! {
            guard = &mut acquire => Some(guard),
            () = tokio::time::sleep(Duration::from_millis(500)) => None,
        };
        match quick {
            Some(guard) => guard?,
            None => {
                say_who_holds(db, &locker, timeout).await?;
                acquire.await?
            }
        }
    };
    Ok(HeldLock::new(locker, guard))
}

/// Tells a person waiting for the lock who holds it.
async fn say_who_holds(db: &Db, locker: &dyn Locker, timeout: Duration) -> Result<(), Error> {
    // Asked on a connection of its own: the lock may be waited for on `db`'s.
    let peek = Db::connect_with(db.url(), db.backend_arc()).await?;
    let holder = locker.holder(&peek).await;
    if let Err(error) = peek.close().await {
        tracing::debug!("closing the connection that asked who holds the lock: {error}");
    }
    let holder = match holder? {
        Some(holder) => holder,
        None => "another process (a booting replica, another `migrate` command)".to_owned(),
    };
    eprintln!(
        "waiting for the migration lock: {holder} is migrating this database; giving up after {timeout:?} (--lock-timeout, M_LOCK_TIMEOUT_SECS)"
    );
    Ok(())
}

fn policy(args: &PlanArgs) -> Policy {
    Policy {
        apply_safe: true,
        allow_warning: args.allow_warning,
    }
}

/// `sqlite://<binary name>.db` in the working directory: see
/// [`crate::settings::default_url`].
pub fn default_url() -> String {
    crate::settings::default_url()
}
