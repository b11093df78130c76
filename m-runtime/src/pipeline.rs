//! The runs that change the database, as the CLI and boot perform them:
//! checks that every app that synced this database is linked, a progress
//! observer on the sync statements, and the schema hashes boot's fast path
//! reads, recorded after every complete sync.

use crate::execute::SyncReport;
use crate::migrate::{AllOptions, AllReport};
use crate::plan::{Plan, PlannedChange, Policy};
use crate::{Db, Error, Registry, Result};

/// Options of a pipeline run.
pub struct PipelineOptions<'a> {
    /// What sync may apply.
    pub policy: Policy,
    /// Run migrations whose id sorts before an applied one of the same app.
    pub allow_out_of_order: bool,
    /// Called before each sync statement with (done, total, sql), e.g. for a progress bar.
    pub on_statement: &'a (dyn Fn(usize, usize, &str) + Sync),
    /// Fail with [`Error::Policy`] instead of syncing when the plan holds a
    /// change back (orphans aside): production boot's rule.
    pub refuse_held_back: bool,
}

impl PipelineOptions<'_> {
    /// Runs under `policy`, refusing out-of-order migrations, with no observer.
    pub fn new(policy: Policy) -> Self {
        PipelineOptions {
            policy,
            allow_out_of_order: false,
            on_statement: &|_, _, _| {},
            refuse_held_back: false,
        }
    }
}

/// The sync alone: plans the registry's schema, applies what the policy
/// allows, and records the schema hashes when nothing the code needs was
/// held back (orphans aside: the code does not need them).
pub async fn sync(
    db: &Db,
    registry: &Registry,
    options: &PipelineOptions<'_>,
) -> Result<(Plan, SyncReport)> {
    crate::state::check_linked_apps(db, registry).await?;
    sync_step(db, registry, &options.policy, options).await
}

async fn sync_step(
    db: &Db,
    registry: &Registry,
    policy: &Policy,
    options: &PipelineOptions<'_>,
) -> Result<(Plan, SyncReport)> {
    let desired = registry.schema();
    let plan = crate::plan(db, &desired, policy).await?;
    if options.refuse_held_back {
        let held_back: Vec<_> = plan.blocked().filter(|c| !c.change.is_orphan()).collect();
        if !held_back.is_empty() {
            return Err(Error::Policy(refusal(&plan, &held_back)));
        }
    }
    let report = crate::execute::apply_observed(db, &plan, options.on_statement).await?;
    if report.blocked.iter().all(|c| c.change.is_orphan()) {
        crate::state::record(db, &desired).await?;
    }
    Ok((plan, report))
}

/// Why production boot refuses: each held-back change with its reason and SQL.
fn refusal(plan: &Plan, held_back: &[&PlannedChange]) -> String {
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
        "\nreview the plan with `migrate verify --sql` on {}, then apply it with `migrate sync --allow-warning` (WARNING) or write a #[migration] (BREAKING), and start again",
        plan.backend
    ));
    message
}

/// Everything `migrate all` does: pre-sync migrations, `before_sync` hooks,
/// the sync (as [`sync`]), `after_sync` hooks, post-sync migrations
/// (see [`crate::migrate::run_all`]).
pub async fn run_all(
    db: &Db,
    registry: &Registry,
    options: &PipelineOptions<'_>,
) -> Result<AllReport> {
    crate::state::check_linked_apps(db, registry).await?;
    let all = AllOptions::default()
        .policy(options.policy.clone())
        .allow_out_of_order(options.allow_out_of_order);
    crate::migrate::run_all_with(db, registry, &all, async |policy: &Policy| {
        sync_step(db, registry, policy, options).await
    })
    .await
}

/// Whether a registered migration has not been applied yet (one query).
pub async fn migrations_pending(db: &Db, registry: &Registry) -> Result<bool> {
    crate::migrate::has_pending(db, registry).await
}
