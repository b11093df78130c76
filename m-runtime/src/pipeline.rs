//! The `migrate all` pipeline and what boot asks of it.

use crate::execute::SyncReport;
use crate::plan::{Plan, Policy};
use crate::{Db, Registry, Result};

/// What a pipeline run did.
#[derive(Clone, Debug)]
pub struct AllOutcome {
    /// The sync plan.
    pub plan: Plan,
    /// What the sync applied and held back.
    pub report: SyncReport,
}

/// Plans and applies the registry's schema, then records the schema hashes
/// when nothing the code needs was held back (orphans aside: the code does
/// not need them).
pub async fn sync(db: &Db, registry: &Registry, options: &RunOptions<'_>) -> Result<AllOutcome> {
    crate::state::check_linked_apps(db, registry).await?;
    let desired = registry.schema();
    let plan = crate::plan(db, &desired, &options.policy).await?;
    let report = crate::execute::apply_observed(db, &plan, options.on_statement).await?;
    if report.blocked.iter().all(|c| c.change.is_orphan()) {
        crate::state::record(db, &desired).await?;
    }
    Ok(AllOutcome { plan, report })
}

/// Everything `migrate all` does.
pub async fn run_all(db: &Db, registry: &Registry, options: &RunOptions<'_>) -> Result<AllOutcome> {
    sync(db, registry, options).await
}

/// Options of a pipeline run.
pub struct RunOptions<'a> {
    pub policy: Policy,
    /// Called before each sync statement with (done, total, sql), e.g. for a progress bar.
    pub on_statement: &'a (dyn Fn(usize, usize, &str) + Sync),
}

impl RunOptions<'_> {
    pub fn new(policy: Policy) -> Self {
        RunOptions {
            policy,
            on_statement: &|_, _, _| {},
        }
    }
}

/// Whether a registered migration has not been applied yet.
pub async fn migrations_pending(_db: &Db, registry: &Registry) -> Result<bool> {
    Ok(!registry.migrations.is_empty())
}
