//! The one orchestrator: every run that changes the database (the `sync`,
//! `all` and `run` commands, [`Boot`](crate::Boot), and the library's
//! [`migrate::run_all`](crate::migrate::run_all)) goes through here, so
//! what it guarantees holds everywhere:
//!
//! - a server that takes no writes (a read-only standby) is refused before
//!   anything runs;
//! - every app that synced this database is linked into the binary (a
//!   forgotten app crate stops the run before anything changes);
//! - production's rule: a plan that holds a change back (orphans aside)
//!   is refused before anything is applied
//!   ([`PipelineOptions::refuse_held_back`]);
//! - the schema hashes that boot's fast path reads are recorded after
//!   every sync that left nothing the code needs behind.

use crate::execute::SyncReport;
use crate::hooks::{hooks_of, run_hooks};
use crate::migrate::{AllReport, Migrator};
use crate::plan::{Plan, Policy};
use crate::registry::{HookPhase, MigrationPhase};
use crate::{Db, Error, Registry, Result};

/// Options of a pipeline run.
pub struct PipelineOptions<'a> {
    /// What sync may apply.
    pub policy: Policy,
    /// Run migrations whose id sorts before an applied one of the same app.
    pub allow_out_of_order: bool,
    /// Called before each sync statement with (done, total, sql), e.g. for a progress bar.
    pub on_statement: &'a (dyn Fn(usize, usize, &str) + Sync),
    /// Fail with [`Error::PolicyRefusal`] instead of syncing when the plan
    /// holds a change back (orphans aside): production boot's rule.
    pub refuse_held_back: bool,
    /// Called by [`run_all`] as each step ends, with the report so far
    /// (e.g. to print each step's outcome before the next one runs).
    pub on_step: &'a (dyn Fn(Step, &AllReport) + Sync),
}

/// A step of [`run_all`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// 1. pending `pre_sync` migrations.
    PreSync,
    /// 2. `before_sync` hooks.
    BeforeSync,
    /// 3. the sync.
    Sync,
    /// 4. `after_sync` hooks.
    AfterSync,
    /// 5. pending `post_sync` migrations.
    PostSync,
}

impl Step {
    /// `"pre_sync"`, `"before_sync"`, `"sync"`, `"after_sync"` or `"post_sync"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::PreSync => "pre_sync",
            Step::BeforeSync => "before_sync",
            Step::Sync => "sync",
            Step::AfterSync => "after_sync",
            Step::PostSync => "post_sync",
        }
    }

    /// The step that runs after this one (`None` after the last).
    pub fn next(self) -> Option<Step> {
        match self {
            Step::PreSync => Some(Step::BeforeSync),
            Step::BeforeSync => Some(Step::Sync),
            Step::Sync => Some(Step::AfterSync),
            Step::AfterSync => Some(Step::PostSync),
            Step::PostSync => None,
        }
    }
}

impl PipelineOptions<'_> {
    /// Runs under `policy`, refusing out-of-order migrations, with no observer.
    pub fn new(policy: Policy) -> Self {
        PipelineOptions {
            policy,
            allow_out_of_order: false,
            on_statement: &|_, _, _| {},
            refuse_held_back: false,
            on_step: &|_, _| {},
        }
    }
}

/// The sync alone: plans the registry's schema, applies what the policy
/// allows, and records the schema hashes when nothing the code needs was
/// held back (orphans aside: the code does not need them).
///
/// Sync never drops a table or a column, and never changes a stored value:
/// such changes are BREAKING and only a migration performs them.
pub async fn sync(
    db: &Db,
    registry: &Registry,
    options: &PipelineOptions<'_>,
) -> Result<(Plan, SyncReport)> {
    registry.validate()?;
    ensure_writable(db).await?;
    crate::state::check_linked_apps(db, registry).await?;
    sync_step(db, registry, options).await
}

/// Everything `migrate all` does, in order:
///
/// 0. fresh installs: the migrations of an app whose DocTypes do not exist
///    yet are recorded as applied without running, except those declared
///    `on_fresh = run` ([`OnFresh`](crate::registry::OnFresh));
/// 1. pending `pre_sync` migrations (they see the old schema);
/// 2. every `before_sync` hook;
/// 3. the sync, as [`sync`];
/// 4. every `after_sync` hook;
/// 5. pending `post_sync` migrations (they see the new schema).
///
/// The registry, the linked apps and the ledger are checked before step 1,
/// so a cycle, an unknown dependency, a duplicate id, a forgotten app, a
/// tampered checksum or an out-of-order migration stops it before anything
/// runs. An error in any step stops the pipeline there. When the policy
/// holds back a change (orphans aside), steps 4 and 5 do not run and the
/// report says [`stopped_at_sync`](AllReport::stopped_at_sync). A later
/// run after the change is resolved (or allowed) carries on where this one
/// stopped.
pub async fn run_all(
    db: &Db,
    registry: &Registry,
    options: &PipelineOptions<'_>,
) -> Result<AllReport> {
    ensure_writable(db).await?;
    crate::state::check_linked_apps(db, registry).await?;
    let mut migrator = Migrator::open(db, registry, options.allow_out_of_order).await?;
    let step = |step: Step, report: &AllReport| (options.on_step)(step, report);
    let mut report = AllReport {
        baselined: migrator.baseline_fresh_apps().await?,
        ..AllReport::default()
    };
    report.pre_sync = migrator.run_phase(MigrationPhase::PreSync).await?;
    step(Step::PreSync, &report);
    report.before_sync = run_hooks(db, registry, HookPhase::BeforeSync).await?;
    step(Step::BeforeSync, &report);
    (report.plan, report.sync) = sync_step(db, registry, options).await?;
    if report.blocking().next().is_some() {
        report.stopped_at_sync = true;
        report.skipped = hooks_of(registry, HookPhase::AfterSync)
            .iter()
            .map(|h| format!("after_sync hook {}::{}", h.app, h.name))
            .chain(
                migrator
                    .pending(MigrationPhase::PostSync)
                    .iter()
                    .map(|m| format!("post_sync migration {}:{}", m.app, m.id)),
            )
            .collect();
        step(Step::Sync, &report);
        return Ok(report);
    }
    step(Step::Sync, &report);
    report.after_sync = run_hooks(db, registry, HookPhase::AfterSync).await?;
    step(Step::AfterSync, &report);
    report.post_sync = migrator.run_phase(MigrationPhase::PostSync).await?;
    step(Step::PostSync, &report);
    Ok(report)
}

async fn sync_step(
    db: &Db,
    registry: &Registry,
    options: &PipelineOptions<'_>,
) -> Result<(Plan, SyncReport)> {
    let desired = registry.schema();
    let plan = crate::plan(db, &desired, &options.policy).await?;
    if options.refuse_held_back {
        let held_back: Vec<_> = plan
            .blocked()
            .filter(|c| !c.change.is_orphan())
            .cloned()
            .collect();
        if !held_back.is_empty() {
            return Err(Error::PolicyRefusal {
                held_back,
                backend: plan.backend.clone(),
            });
        }
    }
    let report = crate::execute::apply_observed(db, &plan, options.on_statement).await?;
    if report.blocked.iter().all(|c| c.change.is_orphan()) {
        crate::state::record(db, &desired).await?;
    }
    Ok((plan, report))
}

/// Refuses, before anything runs, a server m must not write to (a
/// PostgreSQL hot standby: "this server is a read-only standby: point
/// DATABASE_URL at the primary"), as an [`Error::Setting`] on
/// `DATABASE_URL`. One query where the backend can tell
/// ([`Backend::read_only_reason`](crate::backend::Backend::read_only_reason)).
/// Boot and the CLI ask before they take the lock
/// ([`migration_locker`](crate::backend::migration_locker)).
pub(crate) async fn ensure_writable(db: &Db) -> Result<()> {
    match db.backend().read_only_reason(db).await? {
        Some(reason) => Err(crate::backend::read_only_error(reason)),
        None => Ok(()),
    }
}

/// Whether a registered migration has not been applied yet (one query).
pub async fn migrations_pending(db: &Db, registry: &Registry) -> Result<bool> {
    crate::migrate::has_pending(db, registry).await
}
