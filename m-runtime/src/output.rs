//! The documented JSON shapes of `migrate ... --format json`, one struct per
//! command. Field names are part of m's stable interface (tests pin them);
//! add fields, never rename them.

use serde::Serialize;

use crate::execute::SyncReport;
use crate::hooks::HookRun;
use crate::migrate::{
    AllReport, AppliedMigration, Event, LedgerEvent, LedgerProblem, MigrationState, Status,
};
use crate::plan::{Action, Plan, PlannedChange, Summary};
use crate::registry::{HookPhase, MigrationPhase, Registry};
use crate::risk::Risk;

/// A plan: `verify`'s body, and `plan` inside `sync` and `all`.
#[derive(Debug, Serialize)]
pub struct PlanJson<'a> {
    /// The backend the plan is for.
    pub backend: &'a str,
    /// Every change, in plan order.
    pub changes: Vec<ChangeJson<'a>>,
    /// Counts per risk and action.
    pub summary: Summary,
    /// Retired tables and columns the database still holds: acknowledged,
    /// kept, not changes.
    pub retired: &'a [crate::plan::Retired],
}

/// One planned change.
#[derive(Debug, Serialize)]
pub struct ChangeJson<'a> {
    /// The app whose DocType asks for it (none for orphans).
    pub app: Option<&'a str>,
    /// The table.
    pub table: &'a str,
    /// The column, for column changes.
    pub column: Option<&'a str>,
    /// The change's kind, e.g. `add_column`.
    pub kind: &'static str,
    /// SAFE, WARNING or BREAKING.
    pub risk: Risk,
    /// Why it has that risk.
    pub reason: &'a str,
    /// The statements that carry it out.
    pub sql: &'a [String],
    /// What the database measured (rows a change would affect), if anything.
    pub measured_rows: Option<u64>,
    /// What running it does to the table, as four fields at this level:
    /// `rewrites_table` and `scans_table` (booleans), `lock` (the table
    /// lock in the database's words, or null) and `algorithm` (MySQL's
    /// `INSTANT`/`INPLACE`/`COPY`, SQLite's `REBUILD`, or null); see
    /// [`Impact`](crate::plan::Impact).
    #[serde(flatten)]
    pub impact: &'a crate::plan::Impact,
    /// `apply` or `blocked`.
    pub action: &'static str,
    /// Why it is blocked.
    pub blocked_because: Option<&'a str>,
}

impl<'a> From<&'a Plan> for PlanJson<'a> {
    fn from(plan: &'a Plan) -> Self {
        PlanJson {
            backend: &plan.backend,
            changes: plan.changes.iter().map(ChangeJson::from).collect(),
            summary: plan.summary(),
            retired: &plan.retired,
        }
    }
}

impl<'a> From<&'a PlannedChange> for ChangeJson<'a> {
    fn from(c: &'a PlannedChange) -> Self {
        ChangeJson {
            app: c.app.as_deref(),
            table: c.change.table(),
            column: c.change.column(),
            kind: c.change.kind(),
            risk: c.risk,
            reason: &c.reason,
            sql: &c.sql,
            measured_rows: c.measured,
            impact: &c.impact,
            action: if c.is_applied() { "apply" } else { "blocked" },
            blocked_because: match &c.action {
                Action::Blocked(why) => Some(why),
                Action::Apply => None,
            },
        }
    }
}

/// `migrate verify`: the plan's fields, and the migrations.
#[derive(Debug, Serialize)]
pub struct VerifyJson<'a> {
    /// The plan (its fields at the top level).
    #[serde(flatten)]
    pub plan: PlanJson<'a>,
    /// Pending migrations and ledger problems.
    pub migrations: VerifyMigrationsJson<'a>,
}

/// The `migrations` of [`VerifyJson`].
#[derive(Debug, Serialize)]
pub struct VerifyMigrationsJson<'a> {
    /// Migrations not applied yet.
    pub pending: Vec<PendingJson<'a>>,
    /// What would stop `run` (as messages).
    pub problems: &'a [LedgerProblem],
}

/// A pending migration.
#[derive(Debug, Serialize)]
pub struct PendingJson<'a> {
    /// Its app.
    pub app: &'a str,
    /// Its id.
    pub id: &'a str,
    /// Its phase.
    pub phase: MigrationPhase,
}

impl<'a> VerifyJson<'a> {
    /// `verify`'s output for `plan` and the migrations' `status`.
    pub fn new(plan: &'a Plan, status: &'a Status) -> Self {
        VerifyJson {
            plan: PlanJson::from(plan),
            migrations: VerifyMigrationsJson {
                pending: status
                    .pending()
                    .map(|m| PendingJson {
                        app: &m.app,
                        id: &m.id,
                        phase: m.phase,
                    })
                    .collect(),
                problems: &status.problems,
            },
        }
    }
}

/// `migrate sync`, and the `sync` step of `migrate all`.
#[derive(Debug, Serialize)]
pub struct SyncJson<'a> {
    /// The plan.
    pub plan: PlanJson<'a>,
    /// Changes applied.
    pub applied: usize,
    /// Changes held back.
    pub blocked: usize,
    /// Statements executed.
    pub statements: usize,
    /// Transactions the DDL ran in: 1, more when new tables were committed
    /// in batches to fit the server's lock table (PostgreSQL's
    /// `max_locks_per_transaction`), 0 when nothing ran or the backend has
    /// no transactional DDL (MySQL).
    pub transactions: usize,
}

impl<'a> SyncJson<'a> {
    /// What `sync` did with `plan`.
    pub fn new(plan: &'a Plan, report: &'a SyncReport) -> Self {
        SyncJson {
            plan: PlanJson::from(plan),
            applied: report.applied.len(),
            blocked: report.blocked.len(),
            statements: report.statements,
            transactions: report.transactions,
        }
    }
}

/// `migrate all`.
#[derive(Debug, Serialize)]
pub struct AllJson<'a> {
    /// 0. Migrations recorded without running (fresh install).
    pub baselined: &'a [AppliedMigration],
    /// 1. `pre_sync` migrations applied.
    pub pre_sync: &'a [AppliedMigration],
    /// 2. `before_sync` hooks run.
    pub before_sync: &'a [HookRun],
    /// 3. The sync.
    pub sync: SyncJson<'a>,
    /// 4. `after_sync` hooks run.
    pub after_sync: &'a [HookRun],
    /// 5. `post_sync` migrations applied.
    pub post_sync: &'a [AppliedMigration],
    /// Whether all five steps ran.
    pub complete: bool,
    /// The step that failed and why; `null` when none did. The steps before
    /// it are reported above as they ended (what they applied stays).
    pub failed: Option<FailedStepJson>,
}

/// The step of `all` that failed.
#[derive(Debug, Serialize)]
pub struct FailedStepJson {
    /// `pre_sync`, `before_sync`, `sync`, `after_sync` or `post_sync`.
    pub step: &'static str,
    /// The error, with its causes.
    pub error: String,
}

impl<'a> From<&'a AllReport> for AllJson<'a> {
    fn from(report: &'a AllReport) -> Self {
        AllJson {
            baselined: &report.baselined,
            pre_sync: &report.pre_sync,
            before_sync: &report.before_sync,
            sync: SyncJson::new(&report.plan, &report.sync),
            after_sync: &report.after_sync,
            post_sync: &report.post_sync,
            complete: report.is_complete(),
            failed: None,
        }
    }
}

impl<'a> AllJson<'a> {
    /// What `all` did before `step` failed with `error`: `report` holds the
    /// steps that ended.
    pub fn failed(
        report: &'a AllReport,
        step: crate::pipeline::Step,
        error: &crate::Error,
    ) -> Self {
        AllJson {
            complete: false,
            failed: Some(FailedStepJson {
                step: step.as_str(),
                error: crate::Report(error).to_string(),
            }),
            ..AllJson::from(report)
        }
    }
}

/// `migrate run`: the ledger rows written, in order.
#[derive(Debug, Serialize)]
pub struct RunJson<'a> {
    /// The migrations applied.
    pub applied: &'a [AppliedMigration],
}

/// `migrate down`: the ledger rows removed, in order.
#[derive(Debug, Serialize)]
pub struct DownJson<'a> {
    /// The migrations reverted.
    pub reverted: &'a [AppliedMigration],
}

/// `migrate status`.
#[derive(Debug, Serialize)]
pub struct StatusJson<'a> {
    /// The backend.
    pub backend: &'a str,
    /// Every registered migration.
    pub migrations: Vec<StatusMigrationJson<'a>>,
    /// Applied migrations no longer registered.
    pub unregistered: &'a [AppliedMigration],
    /// What would stop `run` (as messages).
    pub problems: &'a [LedgerProblem],
    /// How many registered migrations are applied.
    pub applied: usize,
    /// How many are pending.
    pub pending: usize,
    /// What changed the ledger without running a migration, oldest first.
    pub events: &'a [LedgerEvent],
}

/// One migration of [`StatusJson`].
#[derive(Debug, Serialize)]
pub struct StatusMigrationJson<'a> {
    /// Its app.
    pub app: &'a str,
    /// Its id.
    pub id: &'a str,
    /// Its phase.
    pub phase: MigrationPhase,
    /// `applied` or `pending`.
    pub state: &'static str,
    /// Its `depends_on` (`app:id`).
    pub depends_on: &'a [String],
    /// Whether `migrate down` can revert it.
    pub reversible: bool,
    /// The registered checksum.
    pub checksum: &'a str,
    /// The checksum recorded when it was applied.
    pub applied_checksum: Option<&'a str>,
    /// Whether the two differ.
    pub tampered: bool,
    /// When it was applied.
    pub applied_at: Option<&'a str>,
    /// How long it ran.
    pub duration_ms: Option<i64>,
    /// `baselined`, `marked` or `squashed` when no run wrote its ledger row.
    pub recorded_as: Option<Event>,
}

impl<'a> From<&'a MigrationState> for StatusMigrationJson<'a> {
    fn from(m: &'a MigrationState) -> Self {
        StatusMigrationJson {
            app: &m.app,
            id: &m.id,
            phase: m.phase,
            state: if m.applied.is_some() {
                "applied"
            } else {
                "pending"
            },
            depends_on: &m.depends_on,
            reversible: m.reversible,
            checksum: &m.checksum,
            applied_checksum: m.applied.as_ref().map(|a| a.checksum.as_str()),
            tampered: m.tampered(),
            applied_at: m.applied.as_ref().map(|a| a.applied_at.as_str()),
            duration_ms: m.applied.as_ref().map(|a| a.duration_ms),
            recorded_as: m.recorded_as,
        }
    }
}

impl<'a> From<&'a Status> for StatusJson<'a> {
    fn from(status: &'a Status) -> Self {
        let pending = status.pending().count();
        StatusJson {
            backend: &status.backend,
            migrations: status.migrations.iter().map(Into::into).collect(),
            unregistered: &status.unregistered,
            problems: &status.problems,
            applied: status.migrations.len() - pending,
            pending,
            events: &status.events,
        }
    }
}

/// `migrate list`: what this binary registered.
#[derive(Debug, Serialize)]
pub struct ListJson<'a> {
    /// The apps, sorted.
    pub apps: Vec<&'a str>,
    /// The DocTypes.
    pub doctypes: Vec<ListDocTypeJson>,
    /// The hooks.
    pub hooks: Vec<ListHookJson>,
    /// The migrations.
    pub migrations: Vec<ListMigrationJson>,
}

/// A DocType of [`ListJson`].
#[derive(Debug, Serialize)]
pub struct ListDocTypeJson {
    /// Its app.
    pub app: &'static str,
    /// Its Rust name.
    pub name: &'static str,
    /// Its table.
    pub table: &'static str,
}

/// A hook of [`ListJson`].
#[derive(Debug, Serialize)]
pub struct ListHookJson {
    /// Its app.
    pub app: &'static str,
    /// Its fn's name.
    pub name: &'static str,
    /// When it runs.
    pub phase: HookPhase,
}

/// A migration of [`ListJson`].
#[derive(Debug, Serialize)]
pub struct ListMigrationJson {
    /// Its app.
    pub app: &'static str,
    /// Its id.
    pub id: &'static str,
    /// Its phase.
    pub phase: MigrationPhase,
    /// Its `depends_on`.
    pub depends_on: &'static [&'static str],
}

impl<'a> From<&'a Registry> for ListJson<'a> {
    fn from(registry: &'a Registry) -> Self {
        ListJson {
            apps: registry.apps().into_iter().collect(),
            doctypes: registry
                .doctypes
                .iter()
                .map(|d| ListDocTypeJson {
                    app: d.app,
                    name: d.name,
                    table: d.table,
                })
                .collect(),
            hooks: registry
                .hooks
                .iter()
                .map(|h| ListHookJson {
                    app: h.app,
                    name: h.name,
                    phase: h.phase,
                })
                .collect(),
            migrations: registry
                .migrations
                .iter()
                .map(|m| ListMigrationJson {
                    app: m.app,
                    id: m.id,
                    phase: m.phase,
                    depends_on: m.depends_on,
                })
                .collect(),
        }
    }
}

/// `value` as pretty JSON; the error says what could not be written.
pub fn to_string(value: &impl Serialize) -> crate::Result<String> {
    serde_json::to_string_pretty(value).map_err(|e| crate::Error::Output(e.to_string()))
}
