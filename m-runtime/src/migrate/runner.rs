//! Applying pending migrations and reverting applied ones, one transaction
//! per migration, with the ledger row written or removed inside it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use serde::Serialize;

use super::graph;
use super::ledger::{self, AppliedMigration, Event};
use super::problems::{LedgerProblem, LedgerProblems};
use crate::db::TxKind;
use crate::registry::{MigrationBody, MigrationDef, MigrationPhase, OnFresh, Registry};
use crate::{BoxError, Db, Error, Result};

/// Options of [`run`]. `RunOptions::default()` runs every pending migration
/// of both phases and refuses out-of-order ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunOptions {
    /// Only this phase (`None`: `pre_sync`, then `post_sync`).
    pub phase: Option<MigrationPhase>,
    /// Apply a pending migration even though a later one of its app is
    /// already applied (`--allow-out-of-order`).
    pub allow_out_of_order: bool,
}

impl RunOptions {
    /// Runs only the migrations of `phase`.
    pub fn phase(mut self, phase: MigrationPhase) -> Self {
        self.phase = Some(phase);
        self
    }

    /// Allows (`true`) or refuses (`false`, the default) out-of-order migrations.
    pub fn allow_out_of_order(mut self, allow: bool) -> Self {
        self.allow_out_of_order = allow;
        self
    }
}

/// What [`run`] applied, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RunReport {
    /// The ledger rows written, in the order the migrations ran.
    pub applied: Vec<AppliedMigration>,
}

/// What [`down`] reverted, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DownReport {
    /// The ledger rows removed, in the order the migrations were reverted.
    pub reverted: Vec<AppliedMigration>,
}

/// Runs the pending migrations of `registry` without syncing: every pending
/// `pre_sync` migration, then every pending `post_sync` one (or only those
/// of [`RunOptions::phase`]), in [`execution_order`](super::execution_order).
///
/// `post_sync` migrations expect the schema the sync produces: use `run`
/// where the schema is already synced (or not managed by sync), and
/// [`run_all`](super::run_all) otherwise.
///
/// Before touching anything it validates the registry (cycles, unknown
/// `depends_on`, duplicate ids: [`Error::Registry`]) and checks the ledger
/// (tampered checksums, out-of-order migrations: [`Error::Migration`]). A
/// failing migration stops the run with [`Error::MigrationFailed`]; the
/// migrations before it stay applied.
pub async fn run(db: &Db, registry: &Registry, options: &RunOptions) -> Result<RunReport> {
    let mut migrator = Migrator::open(db, registry, options.allow_out_of_order).await?;
    let mut report = RunReport::default();
    for phase in [MigrationPhase::PreSync, MigrationPhase::PostSync] {
        if options.phase.is_none_or(|p| p == phase) {
            report.applied.extend(migrator.run_phase(phase).await?);
        }
    }
    Ok(report)
}

/// Applies pending migrations phase by phase, keeping the ledger's state in
/// memory between phases (for [`run`] and [`run_all`](super::run_all)).
pub(crate) struct Migrator<'a> {
    db: &'a Db,
    registry: &'a Registry,
    order: Vec<&'static MigrationDef>,
    applied: BTreeMap<(String, String), AppliedMigration>,
    next_seq: i64,
    ledger_ready: bool,
    applied_this_run: usize,
}

impl<'a> Migrator<'a> {
    /// Validates the registry and checks the ledger; writes nothing.
    pub(crate) async fn open(
        db: &'a Db,
        registry: &'a Registry,
        allow_out_of_order: bool,
    ) -> Result<Self> {
        registry.validate()?;
        crate::registry::check_registry_schemas(registry, db.backend())?;
        let order = graph::execution_order(&registry.migrations);
        let rows = ledger::load(db).await?;
        let problems = check(&order, &rows, allow_out_of_order);
        if !problems.is_empty() {
            return Err(Error::Ledger(LedgerProblems(problems)));
        }
        for row in &rows {
            if !registry
                .migrations
                .iter()
                .any(|m| m.app == row.app && m.id == row.id)
            {
                tracing::warn!(migration = %row.name(), "applied, but no longer registered");
            }
        }
        let next_seq = rows.iter().map(|r| r.seq).max().unwrap_or(0) + 1;
        let ledger_ready = !rows.is_empty();
        Ok(Migrator {
            db,
            registry,
            order,
            applied: rows
                .into_iter()
                .map(|r| ((r.app.clone(), r.id.clone()), r))
                .collect(),
            next_seq,
            ledger_ready,
            applied_this_run: 0,
        })
    }

    fn is_applied(&self, app: &str, id: &str) -> bool {
        self.applied.contains_key(&(app.to_owned(), id.to_owned()))
    }

    /// Fresh installs, Frappe's way: for every app whose DocTypes do not
    /// exist yet (none of its tables is in the database) and that has no
    /// ledger row, records its migrations as applied without running them
    /// ("baselined"): they were written against older schemas, and the sync
    /// creates the current one from the declarations. Migrations declared
    /// `on_fresh = run` (seed data) are left to run. Introspects only when
    /// such an app may exist (an app with DocTypes, no ledger row and a
    /// migration to baseline).
    pub(crate) async fn baseline_fresh_apps(&mut self) -> Result<Vec<AppliedMigration>> {
        let candidates: BTreeSet<&'static str> = self
            .registry
            .doctypes
            .iter()
            .map(|d| d.app)
            .filter(|app| !self.applied.keys().any(|(a, _)| a == app))
            .filter(|app| {
                self.order
                    .iter()
                    .any(|m| m.app == *app && m.on_fresh == OnFresh::Skip)
            })
            .collect();
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let live = crate::introspect_for(self.db, &self.registry.schema()).await?;
        let fold = self.db.backend().dialect().case_insensitive_tables();
        let exists = |table: &str| {
            live.tables
                .keys()
                .any(|t| t == table || (fold && t.eq_ignore_ascii_case(table)))
        };
        let fresh: BTreeSet<&str> = candidates
            .into_iter()
            .filter(|app| {
                self.registry
                    .doctypes
                    .iter()
                    .filter(|d| d.app == *app)
                    // A table under a former name is the app's too.
                    .all(|d| !exists(d.table) && !d.renamed_from.iter().any(|t| exists(t)))
            })
            .collect();
        let baseline: Vec<&MigrationDef> = self
            .order
            .iter()
            .copied()
            .filter(|m| fresh.contains(m.app) && m.on_fresh == OnFresh::Skip)
            .collect();
        let rows =
            super::operate::record_as(self.db, &baseline, self.next_seq, Event::Baselined).await?;
        for row in &rows {
            tracing::info!(migration = %row.name(), "baselined: its app is installed fresh");
            self.applied
                .insert((row.app.clone(), row.id.clone()), row.clone());
        }
        self.next_seq += rows.len() as i64;
        self.ledger_ready |= !rows.is_empty();
        Ok(rows)
    }

    /// The pending migrations of `phase`, in the order they would run.
    pub(crate) fn pending(&self, phase: MigrationPhase) -> Vec<&'static MigrationDef> {
        self.order
            .iter()
            .copied()
            .filter(|m| m.phase == phase && !self.is_applied(m.app, m.id))
            .collect()
    }

    /// Applies every pending migration of `phase`, in order.
    pub(crate) async fn run_phase(
        &mut self,
        phase: MigrationPhase,
    ) -> Result<Vec<AppliedMigration>> {
        let pending = self.pending(phase);
        let mut done = Vec::with_capacity(pending.len());
        for m in pending {
            done.push(self.apply(m).await?);
        }
        Ok(done)
    }

    async fn apply(&mut self, m: &'static MigrationDef) -> Result<AppliedMigration> {
        let missing: Vec<String> = graph::requirements(&self.registry.migrations, m)
            .into_iter()
            .filter(|(app, id)| !self.is_applied(app, id))
            .map(graph::display)
            .collect();
        if !missing.is_empty() {
            return Err(Error::Migration(format!(
                "migration `{}:{}` needs {}, not applied yet: run the pre_sync phase first (`migrate run` without --phase, or `migrate all`)",
                m.app,
                m.id,
                missing
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        if !self.ledger_ready {
            ledger::ensure(self.db).await?;
            self.ledger_ready = true;
        }
        let db = self.db;
        let seq = self.next_seq;
        let started = Instant::now();
        let outside = outside_transaction(m.up);
        let apply = async move |db: &Db| -> Result<_, BoxError> {
            run_body(db, m.up).await?;
            Ok(ledger::insert(db, m, seq, Some(started.elapsed())).await?)
        };
        let result = if outside {
            apply(db).await
        } else {
            db.transaction(TxKind::Schema, apply).await
        };
        match result {
            Ok(row) => {
                tracing::info!(migration = %row.name(), duration_ms = row.duration_ms, "applied");
                self.applied
                    .insert((row.app.clone(), row.id.clone()), row.clone());
                self.next_seq += 1;
                self.applied_this_run += 1;
                Ok(row)
            }
            Err(source) => {
                let mut outcome = failure_outcome(db, outside, "applied");
                if self.applied_this_run > 0 {
                    outcome.push_str(&format!(
                        "\n  the {} migration(s) this run applied before it stay applied",
                        self.applied_this_run
                    ));
                }
                Err(Error::MigrationFailed {
                    app: m.app.into(),
                    id: m.id.into(),
                    action: "applying",
                    declared_at: m.source,
                    source,
                    outcome,
                })
            }
        }
    }
}

/// Reverts `target` (`"app:id"`) and every applied migration that comes
/// after it: the later migrations of its app and, transitively, every
/// migration that depends on one of those, in any app. Steps run in reverse
/// application order (the ledger's `seq`), each in its own transaction
/// together with the removal of its ledger row.
///
/// Refuses before touching anything when a step has no `down`, is no longer
/// registered, or was applied with a different checksum, naming each.
pub async fn down(db: &Db, registry: &Registry, target: &str) -> Result<DownReport> {
    registry.validate()?;
    let Some((app, id)) = target.split_once(':') else {
        return Err(Error::Migration(format!(
            "`{target}` is not a migration: name it as `app:id`"
        )));
    };
    let rows = ledger::load(db).await?;
    if !rows.iter().any(|r| r.app == app && r.id == id) {
        let registered = registry
            .migrations
            .iter()
            .any(|m| m.app == app && m.id == id);
        return Err(Error::Migration(if registered {
            format!("migration `{target}` is not applied: nothing to revert")
        } else {
            format!(
                "no migration `{target}` is registered or applied: check the name with `migrate status`"
            )
        }));
    }
    let steps = revert_steps(registry, &rows, (app, id));
    let by_key: BTreeMap<(&str, &str), &MigrationDef> = registry
        .migrations
        .iter()
        .map(|m| ((m.app, m.id), *m))
        .collect();
    let mut refusals = Vec::new();
    let mut bodies = Vec::with_capacity(steps.len());
    for row in &steps {
        match by_key.get(&(row.app.as_str(), row.id.as_str())) {
            None => refusals.push(format!("`{}` is applied but no longer registered: its `down` is unknown", row.name())),
            Some(m) if m.checksum != row.checksum => refusals.push(format!(
                "`{}` was applied with checksum {} but is registered with {}: its `down` may not undo what was applied",
                row.name(),
                row.checksum,
                m.checksum
            )),
            Some(m) => match m.down {
                None => refusals.push(format!(
                    "`{}` has no `down`: give it a `down` (a down fn, or a `.down.sql` file next to its SQL), or undo it with a new migration",
                    row.name()
                )),
                Some(body) => bodies.push(((*m), body)),
            },
        }
    }
    if !refusals.is_empty() {
        return Err(Error::Migration(format!(
            "cannot revert `{target}`: that means reverting {} migration(s) ({}), and\n  - {}\n  nothing was changed",
            steps.len(),
            steps
                .iter()
                .map(|r| format!("`{}`", r.name()))
                .collect::<Vec<_>>()
                .join(", "),
            refusals.join("\n  - ")
        )));
    }
    let mut report = DownReport::default();
    for ((m, body), row) in bodies.into_iter().zip(steps) {
        let outside = outside_transaction(body);
        let revert = async move |db: &Db| -> Result<_, BoxError> {
            run_body(db, body).await?;
            ledger::remove(db, m.app, m.id).await?;
            Ok(())
        };
        let result = if outside {
            revert(db).await
        } else {
            db.transaction(TxKind::Schema, revert).await
        };
        if let Err(source) = result {
            let mut outcome = failure_outcome(db, outside, "reverted");
            if !report.reverted.is_empty() {
                outcome.push_str(&format!(
                    "\n  the {} migration(s) reverted before it stay reverted",
                    report.reverted.len()
                ));
            }
            return Err(Error::MigrationFailed {
                app: m.app.into(),
                id: m.id.into(),
                action: "reverting",
                declared_at: m.source,
                source,
                outcome,
            });
        }
        tracing::info!(migration = %row.name(), "reverted");
        report.reverted.push(row);
    }
    Ok(report)
}

/// The applied migrations `down(target)` reverts, latest applied first.
fn revert_steps(
    registry: &Registry,
    rows: &[AppliedMigration],
    target: (&str, &str),
) -> Vec<AppliedMigration> {
    fn rank(r: &AppliedMigration) -> (MigrationPhase, &str) {
        (parse_phase(&r.phase), r.id.as_str())
    }
    // Which applied rows name each migration in their `depends_on`.
    let mut dependents: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for m in &registry.migrations {
        let Some(i) = rows.iter().position(|r| r.app == m.app && r.id == m.id) else {
            continue;
        };
        for dep in m.depends_on.iter().filter_map(|d| d.split_once(':')) {
            dependents.entry(dep).or_default().push(i);
        }
    }
    let mut chosen = vec![false; rows.len()];
    let mut queue: Vec<usize> = rows
        .iter()
        .position(|r| (r.app.as_str(), r.id.as_str()) == target)
        .into_iter()
        .collect();
    while let Some(i) = queue.pop() {
        if std::mem::replace(&mut chosen[i], true) {
            continue;
        }
        let row = &rows[i];
        let later_siblings = rows
            .iter()
            .enumerate()
            .filter(|(j, r)| !chosen[*j] && r.app == row.app && rank(r) > rank(row))
            .map(|(j, _)| j);
        queue.extend(later_siblings);
        if let Some(deps) = dependents.get(&(row.app.as_str(), row.id.as_str())) {
            queue.extend(deps.iter().copied().filter(|j| !chosen[*j]));
        }
    }
    let mut steps: Vec<AppliedMigration> = rows
        .iter()
        .zip(&chosen)
        .filter(|(_, chosen)| **chosen)
        .map(|(r, _)| r.clone())
        .collect();
    steps.sort_by_key(|r| std::cmp::Reverse(r.seq));
    steps
}

fn parse_phase(phase: &str) -> MigrationPhase {
    if phase == MigrationPhase::PostSync.as_str() {
        MigrationPhase::PostSync
    } else {
        MigrationPhase::PreSync
    }
}

/// The ledger problems that stop a run, all of them: tampered checksums and
/// out-of-order migrations. Applied migrations no longer registered are not
/// problems (`status` warns about them).
pub(crate) fn check(
    order: &[&MigrationDef],
    rows: &[AppliedMigration],
    allow_out_of_order: bool,
) -> Vec<LedgerProblem> {
    let applied: BTreeMap<(&str, &str), &AppliedMigration> = rows
        .iter()
        .map(|r| ((r.app.as_str(), r.id.as_str()), r))
        .collect();
    let mut problems = Vec::new();
    for m in order {
        if let Some(row) = applied.get(&(m.app, m.id))
            && row.checksum != m.checksum
        {
            problems.push(LedgerProblem::ChecksumMismatch {
                app: m.app.to_owned(),
                id: m.id.to_owned(),
                declared_at: m.source.to_owned(),
                applied: row.checksum.clone(),
                registered: m.checksum.to_owned(),
            });
        }
    }
    if !allow_out_of_order {
        for m in order
            .iter()
            .filter(|m| !applied.contains_key(&(m.app, m.id)))
        {
            // Out of order: an applied migration of the same app and the
            // same phase, one that ran, sorts after it. (A new `pre_sync` migration after
            // an applied `post_sync` one is not: phases run in their order.)
            let later = rows
                .iter()
                // A row recorded without running (a fresh install's
                // baseline, a mark) is not work this one would come after.
                .filter(|r| {
                    r.app == m.app
                        && r.ran()
                        && parse_phase(&r.phase) == m.phase
                        && r.id.as_str() > m.id
                })
                .max_by(|a, b| a.id.cmp(&b.id));
            if let Some(later) = later {
                problems.push(LedgerProblem::OutOfOrder {
                    app: m.app.to_owned(),
                    id: m.id.to_owned(),
                    applied_later: later.name(),
                });
            }
        }
    }
    problems
}

async fn run_body(db: &Db, body: MigrationBody) -> Result<(), BoxError> {
    match body {
        MigrationBody::Fn(f) => f(db).await,
        MigrationBody::Sql(sql) if sql.trim().is_empty() => Ok(()),
        MigrationBody::Sql(sql) => db.execute(sql).await.map(drop).map_err(Into::into),
        MigrationBody::Ops(body) => crate::ops::run_registered(db, &body).await,
    }
}

/// Whether `body` runs outside a transaction: a migration of online index
/// builds (PostgreSQL cannot build concurrently in one; the other
/// databases run them the same way). Its ledger row is written after it.
fn outside_transaction(body: MigrationBody) -> bool {
    let MigrationBody::Ops(body) = body else {
        return false;
    };
    let migration = (body.migration)();
    let ops = if body.revert {
        migration.down.unwrap_or_default()
    } else {
        migration.up
    };
    crate::ops::outside_transaction(&ops)
}

/// What became of the database after a failed step (`done`: "applied" or
/// "reverted"; `outside`: it ran outside a transaction).
fn failure_outcome(db: &Db, outside: bool, done: &str) -> String {
    if outside {
        format!(
            "it builds indexes online, outside a transaction: the builds before the failing one stay, and the invalid index a failed build leaves is dropped (by the next run, if a warning says that failed too); it is not recorded as {done}, so the next run builds what is missing"
        )
    } else if db.backend().dialect().transactional_ddl() {
        format!(
            "it was rolled back: the database is as it was before it, and it is not recorded as {done}"
        )
    } else {
        format!(
            "{} commits DDL implicitly: DDL statements it ran before the failure (and everything before them) stay in place; it is not recorded as {done}, so the next run runs it again from its first statement: keep such migrations idempotent",
            db.backend().name()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(app: &'static str, id: &'static str, checksum: &'static str) -> &'static MigrationDef {
        Box::leak(Box::new(MigrationDef {
            app,
            id,
            depends_on: &[],
            phase: MigrationPhase::PreSync,
            checksum,
            up: MigrationBody::Sql(""),
            down: None,
            source: "src/lib.rs:1",
            on_fresh: OnFresh::Skip,
        }))
    }

    fn row(app: &str, id: &str, checksum: &str, seq: i64) -> AppliedMigration {
        AppliedMigration {
            app: app.into(),
            id: id.into(),
            checksum: checksum.into(),
            phase: "pre_sync".into(),
            seq,
            applied_at: String::new(),
            duration_ms: 0,
        }
    }

    #[test]
    fn a_changed_checksum_names_both() {
        let order = [def("a", "1", "sha256:new")];
        let problems = check(&order, &[row("a", "1", "sha256:old", 1)], false);
        assert_eq!(
            problems,
            [LedgerProblem::ChecksumMismatch {
                app: "a".into(),
                id: "1".into(),
                declared_at: "src/lib.rs:1".into(),
                applied: "sha256:old".into(),
                registered: "sha256:new".into(),
            }]
        );
        let message = problems[0].to_string();
        assert!(message.contains("`a:1`") && message.contains("write a new migration"));
    }

    #[test]
    fn out_of_order_unless_allowed() {
        let order = [
            def("a", "1", "x"),
            def("a", "2", "x"),
            def("a", "3", "x"),
            def("b", "1", "x"),
        ];
        let rows = [row("a", "1", "x", 1), row("a", "3", "x", 2)];
        let problems = check(&order, &rows, false);
        assert_eq!(
            problems,
            [LedgerProblem::OutOfOrder {
                app: "a".into(),
                id: "2".into(),
                applied_later: "a:3".into(),
            }]
        );
        let message = problems[0].to_string();
        assert!(message.contains("`a:2` is pending but `a:3`"), "{message}");
        assert!(message.contains("sorts after `3`"), "{message}");
        assert!(check(&order, &rows, true).is_empty());
    }

    #[test]
    fn a_new_pre_sync_migration_after_an_applied_post_sync_one_is_in_order() {
        let post = Box::leak(Box::new(MigrationDef {
            phase: MigrationPhase::PostSync,
            ..*def("a", "0002_post", "x")
        }));
        let order = [def("a", "0001", "x"), post, def("a", "0003_pre", "x")];
        let mut post_row = row("a", "0002_post", "x", 2);
        post_row.phase = "post_sync".into();
        let rows = [row("a", "0001", "x", 1), post_row];
        assert!(check(&order, &rows, false).is_empty());
        // A pre_sync id that sorts before an applied pre_sync one still is.
        let order = [def("a", "0001", "x"), def("a", "0000_late", "x")];
        let problems = check(&order, &[row("a", "0001", "x", 1)], false);
        assert_eq!(problems.len(), 1, "{problems:?}");
    }

    #[test]
    fn down_takes_later_siblings_and_dependents_transitively() {
        fn dep(
            app: &'static str,
            id: &'static str,
            deps: &'static [&'static str],
        ) -> &'static MigrationDef {
            Box::leak(Box::new(MigrationDef {
                depends_on: deps,
                ..*def(app, id, "x")
            }))
        }
        let registry = Registry {
            migrations: vec![
                dep("a", "1", &[]),
                dep("a", "2", &[]),
                dep("b", "1", &["a:2"]),
                dep("c", "1", &[]),
                dep("b", "2", &[]),
                dep("d", "1", &["b:2"]),
            ],
            ..Default::default()
        };
        let rows: Vec<AppliedMigration> = registry
            .migrations
            .iter()
            .zip(1..)
            .map(|(m, seq)| row(m.app, m.id, "x", seq))
            .collect();
        let steps: Vec<String> = revert_steps(&registry, &rows, ("a", "2"))
            .iter()
            .map(|r| r.name())
            .collect();
        assert_eq!(steps, ["d:1", "b:2", "b:1", "a:2"]);
        let steps: Vec<String> = revert_steps(&registry, &rows, ("c", "1"))
            .iter()
            .map(|r| r.name())
            .collect();
        assert_eq!(steps, ["c:1"]);
    }

    #[test]
    fn unregistered_applied_rows_are_not_problems() {
        let order = [def("a", "2", "x")];
        assert!(
            check(
                &order,
                &[row("a", "0", "x", 1), row("gone", "1", "x", 2)],
                false
            )
            .is_empty()
        );
    }
}
