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
//! migrations, 5 database error.

mod exit;
mod render;

pub use exit::ExitStatus;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::{Db, Error, Policy, Registry};

/// `<app> migrate <command>`.
#[derive(Debug, Parser)]
#[command(about = "Migrate the database of this app", long_about = None)]
pub struct Cli {
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

    #[command(subcommand)]
    pub action: MigrateAction,
}

/// The `migrate` subcommands.
#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Dry run: the plan, each change's risk and why. Changes nothing.
    Verify(PlanArgs),
    /// Apply SAFE changes (WARNING with --allow-warning; BREAKING never).
    Sync(PlanArgs),
    /// Everything in order: pre-sync migrations, before_sync hooks, sync,
    /// after_sync hooks, post-sync migrations.
    All(PlanArgs),
    /// What this binary registered: apps, DocTypes, hooks, migrations.
    List(FormatArgs),
}

/// Options of the planning commands.
#[derive(Debug, Args, Clone, Default)]
pub struct PlanArgs {
    /// Also apply WARNING changes.
    #[arg(long)]
    pub allow_warning: bool,
    /// Show the SQL of each change.
    #[arg(long)]
    pub sql: bool,
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
                "{}error:{} {error}",
                render::ERROR.render(),
                render::ERROR.render_reset()
            );
            ExitStatus::from_error(&error)
        }
    }
}

async fn execute(command: MigrateCommand, registry: Registry) -> Result<ExitStatus, Error> {
    registry.validate()?;
    let url = command.database_url.clone().unwrap_or_else(default_url);
    match command.action {
        MigrateAction::List(args) => {
            render::registry(&registry, args);
            Ok(ExitStatus::Success)
        }
        MigrateAction::Verify(args) => {
            let db = Db::connect(&url).await?;
            crate::state::check_linked_apps(&db, &registry).await?;
            let plan = crate::plan(&db, &registry.schema(), &policy(&args)).await?;
            render::plan(&plan, &args);
            Ok(if plan.blocked().next().is_some() {
                ExitStatus::Blocked
            } else if plan.is_empty() {
                ExitStatus::Success
            } else {
                ExitStatus::Pending
            })
        }
        MigrateAction::Sync(args) | MigrateAction::All(args) => {
            let db = Db::connect(&url).await?;
            let _lock = db.backend().locker().acquire(&url, LOCK_TIMEOUT).await?;
            let progress = render::Progress::new();
            let on_statement = |done, total, sql: &str| progress.step(done, total, sql);
            let options = crate::pipeline::RunOptions {
                policy: policy(&args),
                on_statement: &on_statement,
            };
            let outcome = crate::pipeline::run_all(&db, &registry, &options).await;
            progress.finish();
            let outcome = outcome?;
            let (plan, report) = (outcome.plan, outcome.report);
            render::sync_report(&plan, &report, &args);
            Ok(if report.is_complete() {
                ExitStatus::Success
            } else {
                ExitStatus::Blocked
            })
        }
    }
}

/// How long `sync`/`all` wait for another run's lock.
const LOCK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

fn policy(args: &PlanArgs) -> Policy {
    Policy {
        apply_safe: true,
        allow_warning: args.allow_warning,
    }
}

/// `sqlite://<binary name>.db` in the working directory.
pub fn default_url() -> String {
    let name = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "m".to_owned());
    format!("sqlite://{name}.db")
}
