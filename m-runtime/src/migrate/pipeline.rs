//! `migrate all`: the whole pipeline in one call.

use super::ledger::AppliedMigration;
use crate::diff::Change;
use crate::hooks::HookRun;
use crate::pipeline::PipelineOptions;
use crate::plan::{Plan, PlannedChange};
use crate::registry::Registry;
use crate::{Db, Policy, Result, SyncReport};

/// Options of [`run_all`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AllOptions {
    /// What the sync step may apply.
    pub policy: Policy,
    /// See [`RunOptions::allow_out_of_order`](super::RunOptions::allow_out_of_order).
    pub allow_out_of_order: bool,
}

impl AllOptions {
    /// Syncs under `policy`.
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Allows (`true`) or refuses (`false`, the default) out-of-order migrations.
    pub fn allow_out_of_order(mut self, allow: bool) -> Self {
        self.allow_out_of_order = allow;
        self
    }
}

/// What [`run_all`] did, step by step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AllReport {
    /// Step 0: migrations recorded as applied without running, because
    /// their app was installed on a fresh database (see
    /// [`OnFresh`](crate::registry::OnFresh)).
    pub baselined: Vec<AppliedMigration>,
    /// 1. `pre_sync` migrations applied.
    pub pre_sync: Vec<AppliedMigration>,
    /// 2. `before_sync` hooks run.
    pub before_sync: Vec<HookRun>,
    /// 3. The sync's plan...
    pub plan: Plan,
    /// ... and what it applied and held back.
    pub sync: SyncReport,
    /// 4. `after_sync` hooks run.
    pub after_sync: Vec<HookRun>,
    /// 5. `post_sync` migrations applied.
    pub post_sync: Vec<AppliedMigration>,
    /// Whether the pipeline stopped after the sync because the policy held
    /// back a change (steps 4 and 5 did not run).
    pub stopped_at_sync: bool,
    /// What did not run because the pipeline stopped after the sync:
    /// `after_sync hook app::name` and `post_sync migration app:id`, in
    /// the order they would have run.
    pub skipped: Vec<String>,
}

impl AllReport {
    /// Whether all five steps ran.
    pub fn is_complete(&self) -> bool {
        !self.stopped_at_sync
    }

    /// The held-back changes that stopped the pipeline (orphans excluded).
    pub fn blocking(&self) -> impl Iterator<Item = &PlannedChange> {
        self.sync.blocked.iter().filter(|c| blocks_pipeline(c))
    }
}

/// Orphan tables and columns are reported, never applied: they do not stop
/// the pipeline. Every other held-back change does.
fn blocks_pipeline(change: &PlannedChange) -> bool {
    !matches!(
        change.change,
        Change::OrphanColumn { .. } | Change::OrphanTable { .. }
    )
}

/// Runs the whole pipeline, `migrate all`, under `options`: see
/// [`crate::pipeline::run_all`], which this calls (with its checks of the
/// linked apps and its schema hashes).
pub async fn run_all(db: &Db, registry: &Registry, options: &AllOptions) -> Result<AllReport> {
    let pipeline = PipelineOptions {
        allow_out_of_order: options.allow_out_of_order,
        ..PipelineOptions::new(options.policy.clone())
    };
    crate::pipeline::run_all(db, registry, &pipeline).await
}
