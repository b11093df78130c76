//! `migrate all`: the whole pipeline in one call.

use serde::Serialize;

use super::ledger::AppliedMigration;
use super::runner::Migrator;
use crate::diff::Change;
use crate::hooks::{HookRun, run_hooks};
use crate::plan::{Plan, PlannedChange};
use crate::registry::{HookPhase, MigrationPhase, Registry};
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

    /// Counts for `--format json`.
    pub fn to_json(&self) -> serde_json::Value {
        #[derive(Serialize)]
        struct Json<'a> {
            pre_sync: &'a [AppliedMigration],
            before_sync: &'a [HookRun],
            sync: serde_json::Value,
            after_sync: &'a [HookRun],
            post_sync: &'a [AppliedMigration],
            complete: bool,
        }
        serde_json::to_value(Json {
            pre_sync: &self.pre_sync,
            before_sync: &self.before_sync,
            sync: serde_json::json!({
                "plan": self.plan.to_json(),
                "applied": self.sync.applied.len(),
                "blocked": self.sync.blocked.len(),
                "statements": self.sync.statements,
            }),
            after_sync: &self.after_sync,
            post_sync: &self.post_sync,
            complete: self.is_complete(),
        })
        .unwrap_or_default()
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

/// Runs the whole pipeline:
///
/// 1. pending `pre_sync` migrations (they see the old schema);
/// 2. every `before_sync` hook;
/// 3. the sync: [`plan`](crate::plan()) against `registry`'s DocTypes and
///    [`apply`](crate::apply) what `options.policy` allows;
/// 4. every `after_sync` hook;
/// 5. pending `post_sync` migrations (they see the new schema).
///
/// The registry and ledger are checked before step 1, so a cycle, an
/// unknown dependency, a duplicate id, a tampered checksum or an
/// out-of-order migration stops it before anything runs. An error in any
/// step stops the pipeline there. When the policy holds back a change
/// (orphans aside), steps 4 and 5 do not run and the report says
/// [`stopped_at_sync`](AllReport::stopped_at_sync): the CLI exits with 3
/// (blocked) then. A later `run_all` after the change is resolved (or
/// allowed) carries on where this one stopped.
pub async fn run_all(db: &Db, registry: &Registry, options: &AllOptions) -> Result<AllReport> {
    run_all_with(db, registry, options, async |policy: &Policy| {
        let plan = crate::plan(db, &registry.schema(), policy).await?;
        let report = crate::apply(db, &plan).await?;
        Ok((plan, report))
    })
    .await
}

/// [`run_all`] with its own sync step (step 3): `sync` gets
/// `options.policy` and returns the plan and what it applied; e.g. a sync
/// that reports progress or records schema hashes. Everything else, the
/// checks, the order, the stop on a held-back change, is [`run_all`]'s.
pub async fn run_all_with(
    db: &Db,
    registry: &Registry,
    options: &AllOptions,
    sync: impl AsyncFnOnce(&Policy) -> Result<(Plan, SyncReport)>,
) -> Result<AllReport> {
    let mut migrator = Migrator::open(db, registry, options.allow_out_of_order).await?;
    let mut report = AllReport {
        pre_sync: migrator.run_phase(MigrationPhase::PreSync).await?,
        ..AllReport::default()
    };
    report.before_sync = run_hooks(db, registry, HookPhase::BeforeSync).await?;
    (report.plan, report.sync) = sync(&options.policy).await?;
    if report.blocking().next().is_some() {
        report.stopped_at_sync = true;
        return Ok(report);
    }
    report.after_sync = run_hooks(db, registry, HookPhase::AfterSync).await?;
    report.post_sync = migrator.run_phase(MigrationPhase::PostSync).await?;
    Ok(report)
}
