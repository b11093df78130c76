//! A migration of typed operations: where the schema was, where it goes,
//! and the operations between, checked before anything runs.

use std::fmt;

use super::Operation;
use crate::diff::{Change, diff};
use crate::schema::Schema;

/// A migration written as operations (what `migrate make` generates):
/// the old and the new schema of the tables it touches, as data (the JSON
/// of [`Schema`]), and the operations that lead from one to the other.
///
/// ```
/// use m_runtime::ops::{self, Migration};
///
/// let migration = Migration {
///     previous: None,
///     old: r#"{"tables": {"customer": {"name": "customer", "columns": [{"name": "id", "type": "i64", "nullable": false}]}}}"#,
///     new: r#"{"tables": {"client": {"name": "client", "columns": [{"name": "id", "type": "i64", "nullable": false}]}}}"#,
///     up: vec![ops::rename_table("customer", "client")],
///     down: Some(vec![ops::rename_table("client", "customer")]),
/// };
/// migration.lint().unwrap();
///
/// // Operations that do not lead to the new schema are refused, naming one.
/// let wrong = Migration { up: vec![ops::rename_table("customer", "clients")], ..migration };
/// let error = wrong.lint().unwrap_err().to_string();
/// assert!(error.contains(r#"rename_table("customer", "clients")"#), "{error}");
/// ```
#[derive(Clone, Debug)]
pub struct Migration {
    /// The id of the app's migration before this one (`None`: the first).
    pub previous: Option<&'static str>,
    /// The tables it touches as they are before it (JSON of [`Schema`]).
    pub old: &'static str,
    /// The same tables after it (tables it creates included, tables it
    /// drops left out).
    pub new: &'static str,
    /// The operations, in order.
    pub up: Vec<Operation>,
    /// The operations that undo them, in order; `None`: it cannot be reverted.
    pub down: Option<Vec<Operation>>,
}

/// Why a migration's operations are refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LintError {
    /// `"up"` or `"down"` (or `"old"`/`"new"` for a schema that does not parse).
    pub direction: &'static str,
    /// What is wrong, naming the operation.
    pub message: String,
}

impl fmt::Display for LintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.direction, self.message)
    }
}

impl std::error::Error for LintError {}

impl Migration {
    /// The old schema, parsed.
    pub fn old_schema(&self) -> Result<Schema, LintError> {
        parse("old", self.old)
    }

    /// The new schema, parsed.
    pub fn new_schema(&self) -> Result<Schema, LintError> {
        parse("new", self.new)
    }

    /// Checks that the `up` operations turn the old schema into the new
    /// one, and `down` (if any) the new one back into the old one. The
    /// error names the operation that fails or that leaves a table other
    /// than the new schema says.
    pub fn lint(&self) -> Result<(), LintError> {
        let (old, new) = (self.old_schema()?, self.new_schema()?);
        for (direction, ops) in [("up", Some(&self.up)), ("down", self.down.as_ref())] {
            if let Some(message) = ops.and_then(|ops| mixed_online(ops)) {
                return Err(LintError { direction, message });
            }
        }
        leads_to(&old, &self.up, &new).map_err(|message| LintError {
            direction: "up",
            message,
        })?;
        if let Some(down) = &self.down {
            leads_to(&new, down, &old).map_err(|message| LintError {
                direction: "down",
                message,
            })?;
        }
        Ok(())
    }
}

/// Why `ops` cannot run as they should: online index builds (which run
/// outside a transaction) beside other operations, which would then run
/// without one too.
fn mixed_online(ops: &[Operation]) -> Option<String> {
    let online = |op: &Operation| matches!(op, Operation::AddIndexOnline { .. });
    let first = ops.iter().find(|op| online(op))?;
    let (n, other) = ops.iter().enumerate().find(|(_, op)| !online(op))?;
    Some(format!(
        "operation #{} `{other}` sits beside `{first}`, an online index build, which runs outside a transaction: a migration of online builds holds nothing else; move `{other}` to a migration of its own",
        n + 1
    ))
}

fn parse(direction: &'static str, json: &str) -> Result<Schema, LintError> {
    serde_json::from_str(json).map_err(|e| LintError {
        direction,
        message: format!("the {direction} schema is not a schema's JSON: {e}"),
    })
}

/// Applies `ops` to `from` and checks the result is `to` (as the differ
/// compares schemas: index and key names aside). The error names the
/// operation that cannot apply, or the last one on a table that ends up
/// other than `to` says.
pub fn leads_to(from: &Schema, ops: &[Operation], to: &Schema) -> Result<(), String> {
    let mut schema = from.clone();
    for (n, op) in ops.iter().enumerate() {
        op.apply_to(&mut schema)
            .map_err(|why| format!("operation #{} `{op}`: {why}", n + 1))?;
    }
    let differences = differences(&schema, to);
    let Some(first) = differences.first() else {
        return Ok(());
    };
    // The last operation on a column that differs, else on a table that does.
    let table = first.table();
    let tables: Vec<&str> = differences.iter().map(Change::table).collect();
    let columns: Vec<(&str, &str)> = differences
        .iter()
        .filter_map(|d| Some((d.table(), d.column()?)))
        .collect();
    let last = ops
        .iter()
        .enumerate()
        .rev()
        .find(|(_, op)| columns.iter().any(|(t, c)| op.mentions_column(t, c)))
        .or_else(|| {
            ops.iter().enumerate().rev().find(|(_, op)| match op {
                Operation::RenameTable { from, to } => {
                    tables.contains(&from.as_str()) || tables.contains(&to.as_str())
                }
                op => op.table().is_some_and(|t| tables.contains(&t)),
            })
        });
    let listed: Vec<String> = differences.iter().map(describe).collect();
    Err(match last {
        Some((n, op)) => format!(
            "after operation #{} `{op}` the schema is not the new schema: {}",
            n + 1,
            listed.join("; ")
        ),
        None => format!(
            "no operation changes table `{table}`, but the new schema differs: {}",
            listed.join("; ")
        ),
    })
}

/// What still differs between `have` and `want`, compared as the differ
/// compares a database with the declarations (names of indexes and keys
/// aside, former names ignored).
pub fn differences(have: &Schema, want: &Schema) -> Vec<Change> {
    let want = plain(want);
    diff(&plain(have), &want)
        .into_iter()
        // The differ relaxes a column no declaration has; here that column
        // is the difference (an orphan), not its NOT NULL.
        .filter(|c| match c {
            Change::DropNotNull { table, column } => want
                .table(table)
                .is_some_and(|t| t.get_column(column).is_some()),
            _ => true,
        })
        .collect()
}

fn plain(schema: &Schema) -> Schema {
    let mut schema = schema.clone();
    schema.retired_tables.clear();
    for table in schema.tables.values_mut() {
        table.renamed_from.clear();
        table.retired_columns.clear();
        table.app = None;
        for column in &mut table.columns {
            column.renamed_from.clear();
        }
    }
    schema
}

/// One difference in words: `client.age: alter_column_type (i32 -> text)`.
pub(crate) fn describe(change: &Change) -> String {
    let place = match change.column() {
        Some(column) => format!("`{}.{column}`", change.table()),
        None => format!("`{}`", change.table()),
    };
    let detail = match change {
        Change::AlterColumnType { from, to, .. } => format!(" ({from} -> {to})"),
        Change::CreateTable { .. } => " (missing)".to_owned(),
        Change::OrphanTable { .. } | Change::OrphanColumn { .. } => {
            " (not in the new schema)".to_owned()
        }
        Change::AddColumn { .. } => " (missing)".to_owned(),
        _ => String::new(),
    };
    format!("{place}: {}{detail}", change.kind())
}

/// The registration lint of every migration of operations in
/// `migrations` (sorted by app and id): [`Migration::lint`], `down`
/// present exactly when the migration says it is reversible, `previous`
/// naming the app's migration before it, and its old schema the new
/// schema of that one where both record a table. Returns `(app:id,
/// problem)` pairs.
pub(crate) fn lint_registered(
    migrations: &[&'static crate::registry::MigrationDef],
) -> Vec<(String, String)> {
    use crate::registry::MigrationBody;
    let ops_of = |m: &crate::registry::MigrationDef| match m.up {
        MigrationBody::Ops(body) => Some((body.migration)()),
        _ => None,
    };
    let mut problems = Vec::new();
    for (i, def) in migrations.iter().enumerate() {
        let Some(migration) = ops_of(def) else {
            continue;
        };
        let key = format!("{}:{}", def.app, def.id);
        if let Err(error) = migration.lint() {
            problems.push((key.clone(), error.to_string()));
        }
        if let MigrationBody::Ops(body) = def.up
            && (body.before.is_some() || body.after.is_some())
            && migration
                .up
                .iter()
                .any(|op| matches!(op, Operation::AddIndexOnline { .. }))
        {
            problems.push((
                key.clone(),
                "it builds indexes online, outside a transaction, so it has no `before` or `after` data body: move that work to a migration of its own".into(),
            ));
        }
        match (def.down.is_some(), migration.down.is_some()) {
            (true, false) => problems.push((
                key.clone(),
                "it says `reversible` but has no `down` operations: write them, or remove `reversible`".into(),
            )),
            (false, true) => problems.push((
                key.clone(),
                "it has `down` operations but does not say `reversible`: add `reversible` to its attribute".into(),
            )),
            _ => {}
        }
        let before = migrations[..i].iter().rev().find(|m| m.app == def.app);
        match (before, migration.previous) {
            (None, None) => {}
            (Some(p), Some(previous)) if p.id == previous => {
                if let (Some(p_ops), Ok(old)) = (ops_of(p), migration.old_schema())
                    && let Ok(p_new) = p_ops.new_schema()
                {
                    let mut theirs = Schema::default();
                    let mut ours = Schema::default();
                    for (name, table) in &old.tables {
                        if let Some(t) = p_new.table(name) {
                            ours.insert(table.clone());
                            theirs.insert(t.clone());
                        }
                    }
                    let differences = differences(&ours, &theirs);
                    if !differences.is_empty() {
                        let listed: Vec<String> = differences.iter().map(describe).collect();
                        problems.push((
                            key.clone(),
                            format!(
                                "its old schema is not the new schema of `{}:{previous}`, the migration before it ({})",
                                def.app,
                                listed.join("; ")
                            ),
                        ));
                    }
                }
            }
            (p, previous) => problems.push((
                key.clone(),
                format!(
                    "it records {} as the migration before it, but the app's migration before it is {}: regenerate it with `migrate make`, or correct `previous`",
                    previous.map_or("none".to_owned(), |p| format!("`{p}`")),
                    p.map_or("none".to_owned(), |p| format!("`{}`", p.id))
                ),
            )),
        }
    }
    problems
}
