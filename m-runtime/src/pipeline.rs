//! The runs that change the database, as the CLI and boot perform them:
//! checks that every app that synced this database is linked, a progress
//! observer on the sync statements, and the schema hashes boot's fast path
//! reads, recorded after every complete sync.

use crate::execute::SyncReport;
use crate::migrate::{AllOptions, AllReport};
use crate::plan::{Plan, Policy};
use crate::{Db, Registry, Result};

/// Options of a pipeline run.
pub struct PipelineOptions<'a> {
    /// What sync may apply.
    pub policy: Policy,
    /// Run migrations whose id sorts before an applied one of the same app.
    pub allow_out_of_order: bool,
    /// Called before each sync statement with (done, total, sql), e.g. for a progress bar.
    pub on_statement: &'a (dyn Fn(usize, usize, &str) + Sync),
}

impl PipelineOptions<'_> {
    /// Runs under `policy`, refusing out-of-order migrations, with no observer.
    pub fn new(policy: Policy) -> Self {
        PipelineOptions {
            policy,
            allow_out_of_order: false,
            on_statement: &|_, _, _| {},
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
    sync_step(db, registry, &options.policy, options.on_statement).await
}

async fn sync_step(
    db: &Db,
    registry: &Registry,
    policy: &Policy,
    on_statement: &(dyn Fn(usize, usize, &str) + Sync),
) -> Result<(Plan, SyncReport)> {
    let desired = registry.schema();
    let plan = crate::plan(db, &desired, policy).await?;
    let report = crate::execute::apply_observed(db, &plan, on_statement).await?;
    if report.blocked.iter().all(|c| c.change.is_orphan()) {
        crate::state::record(db, &desired).await?;
    }
    Ok((plan, report))
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
        sync_step(db, registry, policy, options.on_statement).await
    })
    .await
}

/// Whether a registered migration has not been applied yet (one query).
pub async fn migrations_pending(db: &Db, registry: &Registry) -> Result<bool> {
    crate::migrate::has_pending(db, registry).await
}
