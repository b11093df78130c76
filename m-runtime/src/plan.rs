//! The plan: every change with its risk, reason, SQL and whether the policy
//! lets it through. Building it reads the database (introspection and
//! probes) but writes nothing; [`crate::apply`] carries it out.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::backend::{AlterSql, Dialect};
use crate::diff::{Change, diff};
use crate::risk::{Probe, Risk, assess, fill_value};
use crate::schema::{LogicalType, Schema, Table};
use crate::{Db, Result};

/// What sync may apply. BREAKING changes are never applied by sync.
///
/// ```
/// use m_runtime::Policy;
///
/// let default = Policy::default();
/// assert!(default.apply_safe && !default.allow_warning);
/// assert!(Policy::allow_warning().allow_warning);
/// assert!(!Policy::review_only().apply_safe);
/// ```
///
/// Under [`Policy::review_only`] every change comes back blocked:
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use m_runtime::schema::{Column, LogicalType, Schema, Table};
/// use m_runtime::{Db, Policy};
///
/// let db = Db::connect("sqlite::memory:").await?;
/// let mut desired = Schema::default();
/// desired.insert(Table::new("tag").column(Column::new("id", LogicalType::I64)));
/// let plan = m_runtime::plan(&db, &desired, &Policy::review_only()).await?;
/// assert_eq!(plan.blocked().count(), 1);
/// assert!(plan.statements().is_empty());
/// # Ok::<(), m_runtime::Error>(()) }).unwrap();
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Apply SAFE changes (`false`: plan only, every change is blocked).
    pub apply_safe: bool,
    /// Apply WARNING changes too (`--allow-warning`).
    pub allow_warning: bool,
}

impl Default for Policy {
    /// SAFE changes only.
    fn default() -> Self {
        Policy {
            apply_safe: true,
            allow_warning: false,
        }
    }
}

impl Policy {
    /// SAFE and WARNING changes.
    pub fn allow_warning() -> Self {
        Policy {
            apply_safe: true,
            allow_warning: true,
        }
    }

    /// Nothing: every change is reported as blocked.
    pub fn review_only() -> Self {
        Policy {
            apply_safe: false,
            allow_warning: false,
        }
    }

    fn allows(&self, risk: Risk) -> Result<(), String> {
        match risk {
            Risk::Safe if self.apply_safe => Ok(()),
            Risk::Safe => Err("the policy applies nothing without review".into()),
            Risk::Warning if self.allow_warning => Ok(()),
            Risk::Warning => Err("needs confirmation: re-run with --allow-warning".into()),
            Risk::Breaking => Err("BREAKING changes are never applied by sync".into()),
        }
    }
}

/// Whether a planned change will run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "action", content = "blocked_because", rename_all = "snake_case")]
pub enum Action {
    /// The change runs.
    Apply,
    /// The change is held back, for the reason given (the policy, a blocked
    /// change it needs, or what the database cannot build).
    Blocked(String),
}

/// One change, assessed and compiled to SQL.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedChange {
    /// The app declaring the table (`None` for orphans).
    pub app: Option<String>,
    /// The change.
    pub change: Change,
    /// Its risk level.
    pub risk: Risk,
    /// Why it has that risk, with what the backend does where that matters
    /// (a table rebuild, no rollback).
    pub reason: String,
    /// The statements that carry the change out (for a blocked change: the
    /// statements it would run).
    pub sql: Vec<String>,
    /// The rows the change's probe counted (`None` when it has no probe).
    pub measured: Option<u64>,
    /// Whether it runs or why not.
    pub action: Action,
}

impl PlannedChange {
    /// Whether the change runs ([`Action::Apply`]).
    pub fn is_applied(&self) -> bool {
        self.action == Action::Apply
    }
}

/// The ordered list of planned changes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    /// The backend the SQL is written for.
    pub backend: String,
    /// The changes in execution order, blocked ones included.
    pub changes: Vec<PlannedChange>,
}

impl Plan {
    /// Whether there is no change at all (an orphan counts as a change).
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Changes the policy lets through.
    pub fn applied(&self) -> impl Iterator<Item = &PlannedChange> {
        self.changes.iter().filter(|c| c.is_applied())
    }

    /// Changes the policy holds back.
    pub fn blocked(&self) -> impl Iterator<Item = &PlannedChange> {
        self.changes.iter().filter(|c| !c.is_applied())
    }

    /// Every statement to execute, in order (those of applied changes only).
    pub fn statements(&self) -> Vec<&str> {
        self.applied()
            .flat_map(|c| c.sql.iter().map(String::as_str))
            .collect()
    }

    /// Counts per risk level.
    pub fn summary(&self) -> Summary {
        let count = |r: Risk| self.changes.iter().filter(|c| c.risk == r).count();
        Summary {
            safe: count(Risk::Safe),
            warning: count(Risk::Warning),
            breaking: count(Risk::Breaking),
            apply: self.applied().count(),
            blocked: self.blocked().count(),
        }
    }

    /// The documented, stable JSON shape (see the README).
    pub fn to_json(&self) -> serde_json::Value {
        let changes: Vec<serde_json::Value> = self
            .changes
            .iter()
            .map(|c| {
                serde_json::json!({
                    "app": c.app,
                    "table": c.change.table(),
                    "column": c.change.column(),
                    "kind": c.change.kind(),
                    "risk": c.risk,
                    "reason": c.reason,
                    "sql": c.sql,
                    "measured_rows": c.measured,
                    "action": if c.is_applied() { "apply" } else { "blocked" },
                    "blocked_because": match &c.action { Action::Blocked(why) => Some(why), Action::Apply => None },
                })
            })
            .collect();
        serde_json::json!({ "backend": self.backend, "changes": changes, "summary": self.summary() })
    }
}

/// Counts of a plan's changes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// SAFE changes.
    pub safe: usize,
    /// WARNING changes.
    pub warning: usize,
    /// BREAKING changes (orphans included).
    pub breaking: usize,
    /// Changes that run.
    pub apply: usize,
    /// Changes held back.
    pub blocked: usize,
}

/// Introspects `db`, diffs it against `desired`, measures what data decides,
/// and plans under `policy`. Writes nothing; [`apply`](crate::apply)
/// carries the plan out.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use m_runtime::schema::{Column, LogicalType, Schema, Table};
/// use m_runtime::risk::Risk;
/// use m_runtime::{Db, Policy};
///
/// let db = Db::connect("sqlite::memory:").await?;
/// db.execute("CREATE TABLE book (id INTEGER PRIMARY KEY NOT NULL, isbn TEXT)").await?;
/// db.execute("INSERT INTO book (id, isbn) VALUES (1, NULL)").await?;
///
/// let mut desired = Schema::default();
/// desired.insert(
///     Table::new("book")
///         .column(Column::new("id", LogicalType::I64))
///         .column(Column::new("isbn", LogicalType::String { max_length: None })) // NOT NULL now
///         .column(Column::new("title", LogicalType::String { max_length: None }).nullable())
///         .primary_key(["id"]),
/// );
/// let plan = m_runtime::plan(&db, &desired, &Policy::default()).await?;
/// // The new nullable column is SAFE; NOT NULL over a NULL row is BREAKING.
/// let risks: Vec<(&str, Risk)> = plan.changes.iter().map(|c| (c.change.kind(), c.risk)).collect();
/// assert_eq!(risks, [("add_column", Risk::Safe), ("set_not_null", Risk::Breaking)]);
/// assert_eq!(plan.changes[1].measured, Some(1));
///
/// let report = m_runtime::apply(&db, &plan).await?;
/// assert_eq!((report.applied.len(), report.blocked.len()), (1, 1));
/// assert!(m_runtime::plan(&db, &desired, &Policy::default()).await?.applied().next().is_none());
/// # Ok::<(), m_runtime::Error>(()) }).unwrap();
/// ```
pub async fn plan(db: &Db, desired: &Schema, policy: &Policy) -> Result<Plan> {
    let live = crate::introspect(db).await?;
    plan_against(db, &live, desired, policy).await
}

/// [`plan`] against an already introspected `live` schema (still reads the
/// database for the probes).
pub async fn plan_against(
    db: &Db,
    live: &Schema,
    desired: &Schema,
    policy: &Policy,
) -> Result<Plan> {
    let dialect = db.backend().dialect();
    let (live, desired) = &prepare(dialect, live, desired);
    let changes = diff(live, desired);
    let mut measured = Vec::with_capacity(changes.len());
    for change in &changes {
        let value = match Probe::for_change(change, live.table(change.table())) {
            Some(probe) => db
                .fetch_i64(&probe.sql(dialect))
                .await?
                .map(|n| n.max(0) as u64),
            None => None,
        };
        measured.push(value);
    }
    Ok(build(
        db.backend().name(),
        dialect,
        live,
        desired,
        changes,
        &measured,
        policy,
    ))
}

/// Reads every `sql_type` column of `schema` in the dialect's terms: a
/// spelling of a known type becomes that type (`int4` is `i32` on
/// PostgreSQL); any other keeps the user's verbatim SQL, which the DDL
/// must use as written.
pub fn resolve_sql_types(dialect: &dyn Dialect, schema: &mut Schema) {
    for column in schema
        .tables
        .values_mut()
        .flat_map(|t| t.columns.iter_mut())
    {
        if let LogicalType::Custom { sql } = &column.ty {
            let known = dialect.normalize_type(sql);
            if !matches!(known, LogicalType::Custom { .. }) {
                column.ty = known;
            }
        }
    }
}

/// Reads both schemas in the dialect's terms before diffing: declared
/// `sql_type`s become the logical type they stand for (`int4` is `i32` on
/// PostgreSQL), and where names are case-insensitive (columns on MySQL,
/// tables and columns on SQLite) a live name takes its declared spelling.
pub fn prepare(dialect: &dyn Dialect, live: &Schema, desired: &Schema) -> (Schema, Schema) {
    let mut desired = desired.clone();
    resolve_sql_types(dialect, &mut desired);
    let mut live = live.clone();
    if dialect.case_insensitive_tables() {
        let renames: BTreeMap<String, String> = live
            .tables
            .keys()
            .filter(|name| !desired.tables.contains_key(*name))
            .filter_map(|name| {
                let want = desired
                    .tables
                    .keys()
                    .find(|w| w.eq_ignore_ascii_case(name) && !live.tables.contains_key(*w))?;
                Some((name.clone(), want.clone()))
            })
            .collect();
        for (from, to) in &renames {
            if let Some(mut table) = live.tables.remove(from) {
                table.name = to.clone();
                live.tables.insert(to.clone(), table);
            }
        }
        for fk in live
            .tables
            .values_mut()
            .flat_map(|t| t.foreign_keys.iter_mut())
        {
            if let Some(to) = renames.get(&fk.ref_table) {
                fk.ref_table = to.clone();
            }
        }
    }
    if dialect.case_insensitive_columns() {
        // The declared spelling of a live column name of `table`, if it differs.
        let spelling = |table: &str, live: &str| -> Option<String> {
            let want = desired.table(table)?;
            want.columns
                .iter()
                .map(|c| c.name.as_str())
                .chain(
                    want.columns
                        .iter()
                        .flat_map(|c| c.renamed_from.iter().map(String::as_str)),
                )
                .find(|w| *w != live && w.eq_ignore_ascii_case(live))
                .map(str::to_owned)
        };
        for (name, table) in &mut live.tables {
            table.rename_columns(|c| spelling(name, c));
            for fk in &mut table.foreign_keys {
                for c in &mut fk.ref_columns {
                    if let Some(w) = spelling(&fk.ref_table, c) {
                        *c = w;
                    }
                }
            }
        }
    }
    (live, desired)
}

/// The pure part of planning: assess each change, apply the policy, block
/// what depends on a blocked change, and compile SQL. `changes` is the
/// [`diff`] of the [`prepare`]d schemas and `measured[i]` the probe result
/// of `changes[i]`.
pub fn build(
    backend: &str,
    dialect: &dyn Dialect,
    live: &Schema,
    desired: &Schema,
    changes: Vec<Change>,
    measured: &[Option<u64>],
    policy: &Policy,
) -> Plan {
    let mut planned: Vec<PlannedChange> = changes
        .into_iter()
        .enumerate()
        .map(|(i, change)| {
            let measured = measured.get(i).copied().flatten();
            let mut assessment = assess(&change, measured);
            if assessment.risk >= Risk::Warning
                && let Some(note) = dialect.risk_note(&change)
            {
                assessment.reason.push_str(&format!(" ({note})"));
            }
            let action = match policy.allows(assessment.risk) {
                Ok(()) => Action::Apply,
                Err(why) => Action::Blocked(why),
            };
            PlannedChange {
                app: desired.table(change.table()).and_then(|t| t.app.clone()),
                change,
                risk: assessment.risk,
                reason: assessment.reason,
                sql: Vec::new(),
                measured,
                action,
            }
        })
        .collect();
    block_unsupported(dialect, desired, &mut planned);
    block_dependents(&mut planned);
    compile_sql(dialect, live, &mut planned);
    Plan {
        backend: backend.to_owned(),
        changes: planned,
    }
}

/// A change that needs what the database cannot build (see
/// [`Dialect::unsupported`]) is blocked with the dialect's explanation.
fn block_unsupported(dialect: &dyn Dialect, desired: &Schema, planned: &mut [PlannedChange]) {
    for c in planned.iter_mut().filter(|c| c.is_applied()) {
        let Some(table) = desired.table(c.change.table()) else {
            continue;
        };
        let problems = dialect.unsupported(table);
        let hit = problems.iter().find(|(column, _)| match &c.change {
            Change::CreateTable { .. } | Change::AlterPrimaryKey { .. } => true,
            Change::AddIndex { index, .. } => index.columns.contains(column),
            Change::AlterColumnType {
                column: changed, ..
            } => changed == column,
            _ => false,
        });
        if let Some((_, why)) = hit {
            c.action = Action::Blocked(why.clone());
        }
    }
}

/// A change that needs a column a blocked change would have created (or
/// renamed into place) cannot run either.
fn block_dependents(planned: &mut [PlannedChange]) {
    loop {
        let blocked = planned.iter().filter(|c| !c.is_applied());
        let mut missing_columns: BTreeSet<(String, String)> = BTreeSet::new();
        let mut missing_tables: BTreeSet<String> = BTreeSet::new();
        for c in blocked {
            match &c.change {
                Change::AddColumn { table, column } => {
                    missing_columns.insert((table.clone(), column.name.clone()));
                }
                Change::RenameColumn { table, to, .. } => {
                    missing_columns.insert((table.clone(), to.clone()));
                }
                Change::CreateTable { table } => {
                    missing_tables.insert(table.name.clone());
                }
                _ => {}
            }
        }
        let mut changed = false;
        for c in planned.iter_mut().filter(|c| c.is_applied()) {
            let table = c.change.table().to_owned();
            let column = c
                .change
                .needs_columns()
                .into_iter()
                .find(|col| missing_columns.contains(&(table.clone(), col.to_string())));
            let why = match column {
                Some(column) => Some(format!(
                    "needs column `{table}.{column}`, whose change is blocked"
                )),
                None => c
                    .change
                    .needs_tables()
                    .into_iter()
                    .find(|t| missing_tables.contains(*t))
                    .map(|t| format!("references table `{t}`, whose creation is blocked")),
            };
            if let Some(why) = why {
                c.action = Action::Blocked(why);
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

/// Fills in each change's SQL. Changes of one table are folded over the
/// live table in order; when the dialect must rebuild the table for any
/// applied change, one rebuild to the final shape carries all of that
/// table's applied changes.
fn compile_sql(dialect: &dyn Dialect, live: &Schema, planned: &mut [PlannedChange]) {
    let mut by_table: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, c) in planned.iter_mut().enumerate() {
        match &c.change {
            Change::CreateTable { table } => c.sql = dialect.create_table(table),
            Change::OrphanColumn { .. } | Change::OrphanTable { .. } => {}
            change => by_table
                .entry(change.table().to_owned())
                .or_default()
                .push(i),
        }
    }
    for (table, indexes) in by_table {
        let Some(live_table) = live.table(&table) else {
            continue;
        };
        // What each change would run on its own (shown for blocked changes).
        for &i in &indexes {
            let change = &planned[i].change;
            let mut target = live_table.clone();
            apply_to_table(&mut target, change);
            planned[i].sql =
                match alter_sql(dialect, live_table, &target, change, planned[i].measured) {
                    AlterSql::Statements(sql) => sql,
                    AlterSql::Rebuild => dialect.rebuild_table(
                        live_table,
                        &target,
                        &rebuild_sources(
                            dialect,
                            live_table,
                            &target,
                            std::slice::from_ref(change),
                        ),
                    ),
                };
        }
        // What the applied ones run together.
        let applied: Vec<usize> = indexes
            .iter()
            .copied()
            .filter(|&i| planned[i].is_applied())
            .collect();
        let mut target = live_table.clone();
        let mut statements = Vec::with_capacity(applied.len());
        let mut rebuild = false;
        for &i in &applied {
            let before = target.clone();
            apply_to_table(&mut target, &planned[i].change);
            match alter_sql(
                dialect,
                &before,
                &target,
                &planned[i].change,
                planned[i].measured,
            ) {
                AlterSql::Statements(sql) => statements.push(sql),
                AlterSql::Rebuild => rebuild = true,
            }
        }
        if rebuild {
            let changes: Vec<Change> = applied.iter().map(|&i| planned[i].change.clone()).collect();
            let sql = dialect.rebuild_table(
                live_table,
                &target,
                &rebuild_sources(dialect, live_table, &target, &changes),
            );
            for (n, &i) in applied.iter().enumerate() {
                if n == 0 {
                    planned[i].sql = sql.clone();
                    planned[i]
                        .reason
                        .push_str(&format!(" (rebuilds table `{table}`, keeping its rows)"));
                } else {
                    planned[i].sql = Vec::new();
                    planned[i]
                        .reason
                        .push_str(&format!(" (applied by the rebuild of `{table}` above)"));
                }
            }
        } else {
            for (&i, sql) in applied.iter().zip(statements) {
                planned[i].sql = sql;
            }
        }
    }
}

/// The dialect's SQL for one change from `before` to `after`.
fn alter_sql(
    dialect: &dyn Dialect,
    before: &Table,
    after: &Table,
    change: &Change,
    measured: Option<u64>,
) -> AlterSql {
    let column = |name: &str| after.get_column(name).cloned();
    match change {
        Change::AddColumn { column: c, .. } => {
            let has_rows = measured != Some(0);
            match fill_value(&c.ty) {
                Some(fill) if !c.nullable && c.default.is_none() && has_rows => {
                    dialect.add_column_filled(before, c, &fill)
                }
                _ => dialect.add_column(before, c),
            }
        }
        Change::AlterColumnType { column: name, .. } => {
            column(name).map_or(AlterSql::Rebuild, |c| dialect.alter_column_type(after, &c))
        }
        Change::SetNotNull { column: name, .. } => {
            column(name).map_or(AlterSql::Rebuild, |c| dialect.set_not_null(after, &c))
        }
        Change::DropNotNull { column: name, .. } => {
            column(name).map_or(AlterSql::Rebuild, |c| dialect.drop_not_null(after, &c))
        }
        Change::AlterDefault { column: name, .. } => {
            column(name).map_or(AlterSql::Rebuild, |c| dialect.alter_default(after, &c))
        }
        Change::AddIndex { index, .. } => {
            AlterSql::Statements(vec![dialect.create_index(after, index)])
        }
        Change::DropIndex { index, .. } => dialect.drop_index(before, index),
        Change::AddForeignKey { table, foreign_key } => dialect.add_foreign_key(table, foreign_key),
        Change::DropForeignKey { table, foreign_key } => {
            dialect.drop_foreign_key(table, foreign_key)
        }
        Change::RenameColumn { table, from, to } => dialect.rename_column(table, from, to),
        Change::AlterPrimaryKey { .. } => dialect.alter_primary_key(after),
        Change::CreateTable { table } => AlterSql::Statements(dialect.create_table(table)),
        Change::OrphanColumn { .. } | Change::OrphanTable { .. } => {
            AlterSql::Statements(Vec::new())
        }
    }
}

/// For a rebuild: which expression over the old table fills each column of
/// the new one. Renamed columns read their old name; new NOT NULL columns
/// without a default are filled with their type's zero value.
fn rebuild_sources(
    dialect: &dyn Dialect,
    live: &Table,
    target: &Table,
    changes: &[Change],
) -> Vec<(String, String)> {
    let renamed: BTreeMap<&str, &str> = changes
        .iter()
        .filter_map(|c| match c {
            Change::RenameColumn { from, to, .. } => Some((to.as_str(), from.as_str())),
            _ => None,
        })
        .collect();
    target
        .columns
        .iter()
        .filter_map(|column| {
            let source = renamed
                .get(column.name.as_str())
                .copied()
                .unwrap_or(&column.name);
            if live.get_column(source).is_some() {
                Some((column.name.clone(), dialect.quote_ident(source)))
            } else if !column.nullable && column.default.is_none() {
                fill_value(&column.ty)
                    .map(|fill| (column.name.clone(), dialect.default_expr(&fill, &column.ty)))
            } else {
                None
            }
        })
        .collect()
}

/// Applies a change to a table model (orphans and `CreateTable` leave it
/// as it is).
pub fn apply_to_table(table: &mut Table, change: &Change) {
    let col = |table: &mut Table, name: &str| table.columns.iter_mut().position(|c| c.name == name);
    match change {
        Change::AddColumn { column, .. } => table.columns.push(column.clone()),
        Change::AlterColumnType { column, to, .. } => {
            if let Some(i) = col(table, column) {
                table.columns[i].ty = to.clone();
            }
        }
        Change::SetNotNull { column, .. } | Change::DropNotNull { column, .. } => {
            if let Some(i) = col(table, column) {
                table.columns[i].nullable = matches!(change, Change::DropNotNull { .. });
            }
        }
        Change::AlterDefault { column, to, .. } => {
            if let Some(i) = col(table, column) {
                table.columns[i].default = to.clone();
            }
        }
        Change::AddIndex { index, .. } => table.indexes.push(index.clone()),
        Change::DropIndex { index, .. } => table.indexes.retain(|i| i.name != index.name),
        Change::AddForeignKey { foreign_key, .. } => table.foreign_keys.push(foreign_key.clone()),
        Change::DropForeignKey { foreign_key, .. } => {
            table.foreign_keys.retain(|f| f.name != foreign_key.name)
        }
        Change::RenameColumn { from, to, .. } => {
            table.rename_columns(|c| (c == from).then(|| to.clone()));
        }
        Change::AlterPrimaryKey { to, .. } => table.primary_key = to.clone(),
        Change::CreateTable { .. } | Change::OrphanColumn { .. } | Change::OrphanTable { .. } => {}
    }
}

#[cfg(all(test, feature = "mysql"))]
mod tests {
    use super::*;
    use crate::schema::{Column, ForeignKey, LogicalType, ReferentialAction};

    #[test]
    fn a_blocked_table_blocks_the_tables_that_reference_it() {
        // MySQL cannot build a unique index over unbounded text: `tag` is blocked...
        let tag = Table::new("tag")
            .column(Column::new(
                "label",
                LogicalType::String { max_length: None },
            ))
            .primary_key(["label"]);
        // ...and so is `post`, whose foreign key needs `tag`.
        let post = Table::new("post")
            .column(Column::new("id", LogicalType::I64))
            .column(Column::new("tag", LogicalType::String { max_length: None }))
            .primary_key(["id"])
            .foreign_key(ForeignKey::new(
                "post",
                vec!["tag".into()],
                "tag",
                vec!["label".into()],
                ReferentialAction::NoAction,
            ));
        let mut desired = Schema::default();
        desired.insert(tag);
        desired.insert(post);
        let live = Schema::default();
        let changes = diff(&live, &desired);
        let measured = vec![None; changes.len()];
        let dialect = crate::backend::mysql::MySql;
        let plan = build(
            "mysql",
            &dialect,
            &live,
            &desired,
            changes,
            &measured,
            &Policy::default(),
        );
        let actions: Vec<_> = plan
            .changes
            .iter()
            .map(|c| (c.change.table(), c.is_applied()))
            .collect();
        assert_eq!(
            actions,
            [("tag", false), ("post", false)],
            "{:#?}",
            plan.changes
        );
        assert!(
            matches!(&plan.changes[1].action, Action::Blocked(why) if why.contains("references table `tag`")),
            "{:?}",
            plan.changes[1].action
        );
    }
}
