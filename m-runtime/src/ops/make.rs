//! `migrate make`: a migration source derived from the plan. Pure: the
//! CLI reads the database and writes the file.
//!
//! The operations are the changes of every table of the app that the
//! plan holds back (and the rest of those tables' changes, so that after
//! the migration the sync has nothing left to do for them): renames from
//! `renamed_from`, drops of columns no field declares, type changes (a
//! placeholder conversion expression where the types are unrelated),
//! NOT NULL (a placeholder backfill where rows hold NULL), indexes and
//! keys. The old and new schema of those tables are written beside them
//! as data, and a `down` when every operation can be inverted.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::migration::leads_to;
use super::{Operation, Sql};
use crate::diff::Change;
use crate::plan::Plan;
use crate::risk::{TypeChange, type_change};
use crate::schema::{Column, DefaultValue, ForeignKey, LogicalType, Schema, Table};

/// A migration source `migrate make` wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MadeMigration {
    /// The new migration's id (`0002_rename_customer`).
    pub id: String,
    /// The module name of its file (`m0002_rename_customer`).
    pub module: String,
    /// The Rust source.
    pub source: String,
    /// What must be written before it compiles: `table.column: what`.
    pub placeholders: Vec<String>,
    /// Whether it has a `down`.
    pub reversible: bool,
}

/// Why `migrate make` wrote nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MakeError(pub String);

impl std::fmt::Display for MakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MakeError {}

/// The id after `previous` (the app's ids so far): the next number, four
/// digits, and `name` (lower case, `_` between words).
///
/// ```
/// assert_eq!(m_runtime::ops::next_id(&["0001_seed", "0002_more"], "Rename customer").unwrap(), "0003_rename_customer");
/// assert_eq!(m_runtime::ops::next_id(&[], "init").unwrap(), "0001_init");
/// assert!(m_runtime::ops::next_id(&[], "ünïcode!").is_err());
/// ```
pub fn next_id(previous: &[&str], name: &str) -> Result<String, MakeError> {
    let slug: String = name
        .trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    if slug.is_empty() || !slug.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(MakeError(format!(
            "invalid migration name {name:?}: use ASCII letters, digits, `_`, `-` or spaces, like \"rename_customer\""
        )));
    }
    let number = previous
        .iter()
        .filter_map(|id| {
            let digits: String = id.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u64>().ok()
        })
        .max()
        .unwrap_or(0)
        + 1;
    Ok(format!("{number:04}_{slug}"))
}

/// One operation as written, with what the author must still write.
struct Step {
    op: Operation,
    /// `(macro, what)`: the argument the author writes (`todo_conversion!`).
    placeholder: Option<(&'static str, String)>,
    /// A comment above it.
    note: Option<String>,
}

/// Writes the migration `app:id` (the app's migration before it:
/// `previous`) from `plan`, made from `live` and `desired` as
/// [`prepare`](crate::plan::prepare) left them. `empty`: a data-only
/// migration without operations.
pub fn make(
    app: &str,
    id: &str,
    previous: Option<&str>,
    plan: &Plan,
    live: &Schema,
    desired: &Schema,
    empty: bool,
) -> Result<MadeMigration, MakeError> {
    let of_app = |table: &str| desired.table(table).and_then(|t| t.app.as_deref()) == Some(app);
    // The app's retired columns and tables the database still holds: the
    // migration drops them.
    let retired_columns: Vec<(&str, &str)> = plan
        .retired
        .iter()
        .filter(|r| r.app.as_deref() == Some(app))
        .filter_map(|r| Some((r.table.as_str(), r.column.as_deref()?)))
        .collect();
    let retired_tables: Vec<&str> = plan
        .retired
        .iter()
        .filter(|r| r.app.as_deref() == Some(app) && r.column.is_none())
        .map(|r| r.table.as_str())
        .collect();
    let tables: BTreeSet<String> = if empty {
        BTreeSet::new()
    } else {
        plan.blocked()
            .filter(|c| !matches!(c.change, Change::OrphanTable { .. }))
            .map(|c| c.change.table().to_owned())
            .chain(retired_columns.iter().map(|(t, _)| t.to_string()))
            .filter(|t| of_app(t))
            .collect()
    };
    if tables.is_empty() && retired_tables.is_empty() && !empty {
        return Err(MakeError(format!(
            "the plan holds nothing back for app `{app}` and it retired nothing the database still holds: there is nothing to migrate (`migrate sync` applies the rest; `migrate make --empty <name>` writes a migration for data work only)"
        )));
    }
    let orphans: Vec<String> = plan
        .changes
        .iter()
        .filter_map(|c| match &c.change {
            Change::OrphanColumn { table, column } if tables.contains(table) => {
                Some(format!("`{table}.{}`", column.name))
            }
            _ => None,
        })
        .collect();
    if !orphans.is_empty() {
        let (it, are, they_are) = if orphans.len() == 1 {
            ("it", "is", "it is")
        } else {
            ("them", "are", "they are")
        };
        return Err(MakeError(format!(
            "{} {are} in the database but no field declares {it} and {they_are} not retired: declare {it} retired (`#[doctype(retired(columns = [...]))]`) for the migration to drop {it}, or declare {it} again; nothing was written",
            orphans.join(", "),
        )));
    }
    // A held-back change of an enum type's values (PostgreSQL's `CREATE
    // TYPE .. AS ENUM`, adopted from the database) has no operation.
    let enum_types: Vec<String> = plan
        .blocked()
        .filter(|c| tables.contains(c.change.table()))
        .filter_map(|c| match &c.change {
            Change::AlterColumnType {
                table,
                column,
                from: LogicalType::Enum { name, .. },
                to: LogicalType::Enum { .. },
            } => Some(format!("`{table}.{column}` (enum type `{name}`)")),
            _ => None,
        })
        .collect();
    if !enum_types.is_empty() {
        return Err(MakeError(format!(
            "the values of {} change, and no operation changes an enum type's values: write the migration by hand with `ops::sql` (PostgreSQL: ALTER TYPE .. ADD VALUE, or CREATE TYPE with the new values, ALTER COLUMN .. TYPE .. USING col::text::new_type, DROP TYPE the old one, RENAME the new one); nothing was written",
            enum_types.join(", ")
        )));
    }
    let renamed_from = |table: &str| {
        plan.changes.iter().find_map(|c| match &c.change {
            Change::RenameTable { from, to } if to == table => Some(from.clone()),
            _ => None,
        })
    };
    let mut old = Schema::default();
    let mut new = Schema::default();
    for table in &tables {
        let live_name = renamed_from(table).unwrap_or_else(|| table.clone());
        if let Some(t) = live.table(&live_name) {
            old.insert(plain(t));
        }
        if let Some(t) = desired.table(table) {
            new.insert(plain(t));
        }
    }
    for table in &retired_tables {
        if let Some(t) = live.table(table) {
            old.insert(plain(t));
        }
    }
    let dropped = |table: &str, column: &str| retired_columns.contains(&(table, column));
    let mut up = Vec::new();
    for planned in plan
        .changes
        .iter()
        .filter(|c| tables.contains(c.change.table()))
    {
        // A retired column's NOT NULL goes with the column.
        if let Change::DropNotNull { table, column } = &planned.change
            && dropped(table, column)
        {
            continue;
        }
        if let Some(step) = step_of(&planned.change, planned.measured) {
            up.push(step);
        }
    }
    for (table, column) in &retired_columns {
        up.push(Step {
            op: super::drop_column(table, column),
            placeholder: None,
            note: Some(format!(
                "`{table}.{column}` is retired: its values are dropped"
            )),
        });
    }
    for table in &retired_tables {
        up.push(Step {
            op: super::drop_table(table),
            placeholder: None,
            note: Some(format!("`{table}` is retired: it is dropped with its rows")),
        });
    }
    let ops: Vec<Operation> = up.iter().map(|s| s.op.clone()).collect();
    leads_to(&old, &ops, &new).map_err(|why| {
        MakeError(format!(
            "m cannot write this migration's operations ({why}): write the migration by hand with `ops`"
        ))
    })?;
    let (down, irreversible) = inverse_steps(&old, &ops);
    let mut placeholders: Vec<String> = Vec::new();
    let source = render_source(
        app,
        id,
        previous,
        &up,
        down.as_deref(),
        irreversible.as_deref(),
        &old,
        &new,
        plan,
        None,
        &mut placeholders,
    );
    Ok(MadeMigration {
        id: id.to_owned(),
        module: format!("m{id}"),
        source,
        placeholders,
        reversible: down.is_some(),
    })
}

/// What `migrate make --online` wrote: up to three migrations, in the
/// order they run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnlineMigrations {
    /// The migrations: the app's new indexes built online, its new
    /// foreign keys added `NOT VALID`, then validated.
    pub made: Vec<MadeMigration>,
    /// The indexes and keys the plan adds that cannot be built ahead of
    /// the sync (a column or table the sync creates first), in words: the
    /// sync adds them.
    pub left_to_sync: Vec<String>,
}

/// `migrate make --online <name>`: the indexes and foreign keys `plan`
/// adds to the app's existing tables, as migrations that do not stop the
/// application's writes while they run (see [`ops`](crate::ops)): one that
/// builds the indexes online (`NNNN_<name>_indexes`, outside a
/// transaction), one that adds the keys `NOT VALID` (`..._foreign_keys`,
/// a brief lock) and one that validates them (`..._validate`, a scan
/// that lets writes go on). Each is left out when it has nothing to do.
/// `ids` are the app's migration ids so far; `live` and `desired` as
/// [`prepare`](crate::plan::prepare) left them. Afterwards the plan has
/// none of them left to add: m compares indexes and keys by what they
/// cover, not by name.
pub fn make_online(
    app: &str,
    name: &str,
    ids: &[&str],
    plan: &Plan,
    live: &Schema,
    desired: &Schema,
) -> Result<OnlineMigrations, MakeError> {
    let of_app = |table: &str| desired.table(table).and_then(|t| t.app.as_deref()) == Some(app);
    let has_columns = |table: &str, columns: &[String]| {
        live.table(table)
            .is_some_and(|t| columns.iter().all(|c| t.get_column(c).is_some()))
    };
    let mut indexes = Vec::new();
    let mut keys = Vec::new();
    let mut left_to_sync = Vec::new();
    for planned in plan.changes.iter().filter(|c| of_app(c.change.table())) {
        match &planned.change {
            Change::AddIndex { table, index } => {
                if has_columns(table, &index.columns) {
                    indexes.push(Step {
                        note: planned.measured.filter(|n| *n > 0).map(|n| {
                            format!("{n} row(s) of `{table}` share their values: the build fails until they are fixed")
                        }),
                        ..plain_step(super::operation::online(Operation::AddIndex {
                            table: table.clone(),
                            index: index.clone(),
                        }))
                    });
                } else {
                    left_to_sync.push(format!(
                        "index `{}` of `{table}`: its columns are not in the database yet",
                        index.name
                    ));
                }
            }
            Change::AddForeignKey { table, foreign_key } => {
                if has_columns(table, &foreign_key.columns)
                    && has_columns(&foreign_key.ref_table, &foreign_key.ref_columns)
                {
                    keys.push((table.clone(), foreign_key.clone(), planned.measured));
                } else {
                    left_to_sync.push(format!(
                        "foreign key `{}` of `{table}`: its columns or the table it references are not in the database yet",
                        foreign_key.name
                    ));
                }
            }
            _ => {}
        }
    }
    if indexes.is_empty() && keys.is_empty() {
        return Err(MakeError(format!(
            "the plan adds no index or foreign key to a table of app `{app}` that the database has: there is nothing to build online{}",
            if left_to_sync.is_empty() {
                String::new()
            } else {
                format!(" ({}: the sync adds them)", left_to_sync.join("; "))
            }
        )));
    }
    // The tables as each migration finds them: as the one before left them.
    let mut state = Schema::default();
    let touched = indexes
        .iter()
        .filter_map(|s| s.op.table().map(str::to_owned))
        .chain(
            keys.iter()
                .flat_map(|(t, fk, _)| [t.clone(), fk.ref_table.clone()]),
        );
    for table in touched {
        if let Some(t) = live.table(&table) {
            state.insert(plain(t));
        }
    }
    let mut ids: Vec<String> = ids.iter().map(|id| id.to_string()).collect();
    let mut made = Vec::new();
    let mut write = |suffix: &str,
                     up: Vec<Step>,
                     down: Vec<Step>,
                     tables: &[String],
                     about: &str|
     -> Result<(), MakeError> {
        let mut old = Schema::default();
        for table in tables {
            if let Some(t) = state.table(table) {
                old.insert(t.clone());
            }
        }
        let mut new = old.clone();
        for step in &up {
            step.op.apply_to(&mut new).map_err(|why| {
                MakeError(format!(
                    "m cannot write `{}` ({why}): write the migration by hand with `ops`",
                    step.op
                ))
            })?;
        }
        for table in new.tables.values() {
            state.insert(table.clone());
        }
        let known: Vec<&str> = ids.iter().map(String::as_str).collect();
        let id = next_id(&known, &format!("{name}_{suffix}"))?;
        let previous = known.iter().max().map(|p| p.to_string());
        let mut placeholders = Vec::new();
        let source = render_source(
            app,
            &id,
            previous.as_deref(),
            &up,
            Some(&down),
            None,
            &old,
            &new,
            plan,
            Some(about),
            &mut placeholders,
        );
        made.push(MadeMigration {
            module: format!("m{id}"),
            id: id.clone(),
            source,
            placeholders,
            reversible: true,
        });
        ids.push(id);
        Ok(())
    };
    if !indexes.is_empty() {
        let tables: Vec<String> = indexes
            .iter()
            .filter_map(|s| s.op.table().map(str::to_owned))
            .collect();
        let down = indexes
            .iter()
            .rev()
            .filter_map(|s| match &s.op {
                Operation::AddIndexOnline { table, index } => {
                    Some(plain_step(super::drop_index(table, &index.name)))
                }
                _ => None,
            })
            .collect();
        write(
            "indexes",
            indexes,
            down,
            &tables,
            "Builds the indexes without stopping writes to their tables\n(PostgreSQL `CREATE INDEX CONCURRENTLY`, MySQL/MariaDB `ALGORITHM=INPLACE\nLOCK=NONE`). It runs outside a transaction, so it holds only online\nbuilds and no data work; a failed build leaves nothing behind and is not\nrecorded: fix what it names (duplicates of a unique index) and run again.",
        )?;
    }
    if !keys.is_empty() {
        let tables: Vec<String> = keys
            .iter()
            .flat_map(|(t, fk, _)| [t.clone(), fk.ref_table.clone()])
            .collect();
        let up = keys
            .iter()
            .map(|(table, fk, _)| plain_step(super::add_foreign_key_not_valid(table, fk.clone())))
            .collect();
        let down = keys
            .iter()
            .rev()
            .map(|(table, fk, _)| plain_step(super::drop_foreign_key(table, &fk.name)))
            .collect();
        write(
            "foreign_keys",
            up,
            down,
            &tables,
            "Adds the foreign keys without checking the rows already there\n(PostgreSQL `NOT VALID`: a brief lock, no scan; new rows are checked).\nThe next migration validates them. MySQL, MariaDB and SQLite check the\nrows here: they have no unvalidated key.",
        )?;
        let up = keys
            .iter()
            .map(|(table, fk, measured)| Step {
                note: measured.filter(|n| *n > 0).map(|n| {
                    format!("{n} row(s) of `{table}` point nowhere: the validation fails until they are fixed")
                }),
                ..plain_step(super::validate_foreign_key(table, &fk.name))
            })
            .collect();
        write(
            "validate",
            up,
            Vec::new(),
            &tables,
            "Checks the rows against the foreign keys the migration before added\n(PostgreSQL `VALIDATE CONSTRAINT`: a scan under a lock that lets reads\nand writes go on). A row that points nowhere fails it, naming the row,\nand leaves the key as it was: fix the row and run again. Nothing to\nundo: `down` is empty.",
        )?;
    }
    Ok(OnlineMigrations { made, left_to_sync })
}

fn plain_step(op: Operation) -> Step {
    Step {
        op,
        placeholder: None,
        note: None,
    }
}

/// A table as the migration records it: no former names, no app (the
/// migration's own).
fn plain(table: &Table) -> Table {
    let mut table = table.clone();
    table.app = None;
    table.renamed_from.clear();
    table.retired_columns.clear();
    for column in &mut table.columns {
        column.renamed_from.clear();
    }
    table
}

/// The operation of one planned change (`None`: none, an orphan table).
fn step_of(change: &Change, measured: Option<u64>) -> Option<Step> {
    let step = |op| Step {
        op,
        placeholder: None,
        note: None,
    };
    Some(match change {
        Change::RenameTable { from, to } => step(super::rename_table(from, to)),
        Change::CreateTable { table } => step(super::create_table(plain(table))),
        Change::AddColumn { table, column } => {
            if column.nullable || column.default.is_some() || measured == Some(0) {
                step(super::add_column(table, column.clone()))
            } else {
                match crate::risk::fill_value(&column.ty).map(|v| literal(&v)) {
                    Some(fill) => Step {
                        note: Some(format!(
                            "existing rows get {fill} in the new NOT NULL column"
                        )),
                        ..step(super::add_column_filled(table, column.clone(), fill))
                    },
                    None => Step {
                        placeholder: Some(("todo_backfill", format!("{table}.{}", column.name))),
                        ..step(super::add_column_filled(table, column.clone(), ""))
                    },
                }
            }
        }
        // Refused before (an orphan nobody retired is not dropped).
        Change::OrphanColumn { .. } => return None,
        Change::RenameColumn { table, from, to } => step(super::rename_column(table, from, to)),
        Change::AlterColumnType {
            table,
            column,
            from,
            to,
        } => {
            if type_change(from, to) == TypeChange::Incompatible {
                Step {
                    placeholder: Some((
                        "todo_conversion",
                        format!("{table}.{column}: {from} -> {to}"),
                    )),
                    ..step(super::convert(table, column, to.clone(), ""))
                }
            } else {
                step(super::alter_type(table, column, to.clone()))
            }
        }
        Change::SetNotNull { table, column } => {
            if measured == Some(0) {
                step(super::set_not_null(table, column))
            } else {
                Step {
                    placeholder: Some(("todo_backfill", format!("{table}.{column}"))),
                    note: measured.map(|n| format!("{n} row(s) hold NULL in `{table}.{column}`")),
                    ..step(super::set_not_null_backfill(table, column, ""))
                }
            }
        }
        Change::DropNotNull { table, column } => step(super::drop_not_null(table, column)),
        Change::AlterDefault {
            table, column, to, ..
        } => step(super::alter_default(table, column, to.clone())),
        Change::AddIndex { table, index } => step(Operation::AddIndex {
            table: table.clone(),
            index: index.clone(),
        }),
        Change::DropIndex { table, index } => step(super::drop_index(table, &index.name)),
        Change::AddForeignKey { table, foreign_key } => {
            step(super::add_foreign_key(table, foreign_key.clone()))
        }
        Change::DropForeignKey { table, foreign_key } => {
            step(super::drop_foreign_key(table, &foreign_key.name))
        }
        Change::AlterPrimaryKey { table, to, .. } => step(Operation::SetPrimaryKey {
            table: table.clone(),
            columns: to.clone(),
        }),
        Change::AddCheck { table, check } => Step {
            note: measured.map(|n| {
                format!(
                    "{n} row(s) of `{table}` violate `{}`: fix them in the data work before the operations",
                    check.expr
                )
            }),
            ..step(super::add_check(table, &check.name, &check.expr))
        },
        Change::DropCheck { table, check } => step(super::drop_check(table, &check.name)),
        // Refused before (see `make`).
        Change::OrphanTable { .. } => {
            return None;
        }
    })
}

/// The steps that undo `ops` (run on `old`), newest first; `None` and the
/// operation that cannot be undone when one cannot.
fn inverse_steps(old: &Schema, ops: &[Operation]) -> (Option<Vec<Step>>, Option<String>) {
    let mut state = old.clone();
    let mut steps = Vec::with_capacity(ops.len());
    for op in ops {
        let Some(inverse) = op.inverse(&state) else {
            return (None, Some(op.to_string()));
        };
        let placeholder = match (&inverse, op) {
            (
                Operation::AlterType {
                    table, column, to, ..
                },
                Operation::AlterType {
                    to: from,
                    using: Some(_),
                    ..
                },
            ) => Some((
                "todo_conversion",
                format!("{table}.{column}: {from} -> {to}"),
            )),
            _ => None,
        };
        steps.push(Step {
            op: inverse,
            placeholder,
            note: None,
        });
        if op.apply_to(&mut state).is_err() {
            return (None, Some(op.to_string()));
        }
    }
    steps.reverse();
    (Some(steps), None)
}

#[allow(clippy::too_many_arguments)]
fn render_source(
    app: &str,
    id: &str,
    previous: Option<&str>,
    up: &[Step],
    down: Option<&[Step]>,
    irreversible: Option<&str>,
    old: &Schema,
    new: &Schema,
    plan: &Plan,
    online: Option<&str>,
    placeholders: &mut Vec<String>,
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "//! `{app}:{id}`, written by `migrate make{}`.",
        if online.is_some() { " --online" } else { "" }
    );
    match online {
        None => s.push_str(
            "//!
//! The operations lead the tables below from `old` to `new` (both as data).
//! Review them; write every `todo_conversion!` and `todo_backfill!` (the
//! build fails until each is written); put data work in `before` and
//! `after`; then `migrate all`. Before anything runs, m checks that the
//! operations lead from `old` to `new` (and `down` back), and that the
//! database is `old`; so does the test at the end of this file.
",
        ),
        Some(about) => {
            s.push_str("//!\n");
            for line in about.lines() {
                let _ = writeln!(s, "//! {line}");
            }
            s.push_str(
                "//!
//! Before anything runs, m checks that the operations lead from `old` to
//! `new` (and `down` back), and that the database is `old`; so does the
//! test at the end of this file.
",
            );
        }
    }
    let orphans: Vec<&str> = plan
        .changes
        .iter()
        .filter_map(|c| match &c.change {
            Change::OrphanTable { table } => Some(table.as_str()),
            _ => None,
        })
        .collect();
    if !orphans.is_empty() {
        let _ = writeln!(
            s,
            "//!\n//! Not dropped: tables no DocType declares ({}). To drop one, add it to\n//! `old` and `ops::drop_table(...)` to `up`.",
            orphans
                .iter()
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    s.push_str(
        "
#![allow(unused_imports)]

use m_runtime::Db;
use m_runtime::ops::{self, Migration, Sql, todo_backfill, todo_conversion};
use m_runtime::schema::{
    Column, DefaultValue, ForeignKey, Index, LogicalType, ReferentialAction, Table,
};

",
    );
    let _ = writeln!(
        s,
        "#[m_runtime::operations(id = {id:?}{}{})]",
        if online.is_some() {
            ""
        } else {
            ", before = before, after = after"
        },
        if down.is_some() { ", reversible" } else { "" }
    );
    s.push_str("pub fn migration() -> Migration {\n    Migration {\n");
    let _ = writeln!(
        s,
        "        previous: {},",
        match previous {
            Some(p) => format!("Some({p:?})"),
            None => "None".to_owned(),
        }
    );
    s.push_str("        up: vec![\n");
    for step in up {
        write_step(&mut s, step, placeholders);
    }
    s.push_str("        ],\n");
    match (down, irreversible) {
        (Some([]), _) => s.push_str("        down: Some(vec![]),\n"),
        (Some(down), _) => {
            s.push_str("        down: Some(vec![\n");
            let mut ignored = Vec::new();
            for step in down {
                write_step(&mut s, step, &mut ignored);
            }
            placeholders.extend(ignored.into_iter().map(|p| format!("{p} (down)")));
            s.push_str("        ]),\n");
        }
        (None, why) => {
            let _ = writeln!(
                s,
                "        // No `down`: `{}` cannot be undone (its data is gone).",
                why.unwrap_or("an operation")
            );
            s.push_str("        down: None,\n");
        }
    }
    let _ = writeln!(s, "        old: {},", raw_string(&schema_json(old)));
    let _ = writeln!(s, "        new: {},", raw_string(&schema_json(new)));
    s.push_str("    }\n}\n");
    if online.is_none() {
        s.push_str(
            "
/// Data work before the operations, on the old schema, in the migration's
/// transaction.
async fn before(db: &Db) -> m_runtime::Result<()> {
    let _ = db;
    Ok(())
}

/// Data work after the operations, on the new schema, in the migration's
/// transaction.
async fn after(db: &Db) -> m_runtime::Result<()> {
    let _ = db;
    Ok(())
}
",
        );
    }
    s.push_str(
        "
#[test]
fn operations_lead_from_old_to_new() {
    if let Err(error) = migration().lint() {
        panic!(\"{error}\");
    }
}
",
    );
    s
}

fn write_step(s: &mut String, step: &Step, placeholders: &mut Vec<String>) {
    if let Some(note) = &step.note {
        let _ = writeln!(s, "            // {note}");
    }
    let placeholder = step.placeholder.as_ref().map(|(mac, what)| {
        placeholders.push(what.clone());
        format!("{mac}!({what:?})")
    });
    let _ = writeln!(s, "            {},", op_source(&step.op, placeholder));
}

/// The constructor call that builds `op`; `placeholder` stands for its
/// SQL argument.
fn op_source(op: &Operation, placeholder: Option<String>) -> String {
    let q = |s: &str| format!("{s:?}");
    let sql = |sql: &Sql| placeholder.clone().unwrap_or_else(|| sql_source(sql));
    let list = |items: &[String]| {
        format!(
            "&[{}]",
            items.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
        )
    };
    match op {
        Operation::CreateTable { table } => format!("ops::create_table({})", table_source(table)),
        Operation::DropTable { table } => format!("ops::drop_table({})", q(table)),
        Operation::RenameTable { from, to } => {
            format!("ops::rename_table({}, {})", q(from), q(to))
        }
        Operation::AddColumn {
            table,
            column,
            fill: None,
        } => format!("ops::add_column({}, {})", q(table), column_source(column)),
        Operation::AddColumn {
            table,
            column,
            fill: Some(fill),
        } => format!(
            "ops::add_column_filled({}, {}, {})",
            q(table),
            column_source(column),
            sql(fill)
        ),
        Operation::DropColumn { table, column } => {
            format!("ops::drop_column({}, {})", q(table), q(column))
        }
        Operation::RenameColumn { table, from, to } => {
            format!("ops::rename_column({}, {}, {})", q(table), q(from), q(to))
        }
        Operation::AlterType {
            table,
            column,
            to,
            using: None,
        } => format!(
            "ops::alter_type({}, {}, {})",
            q(table),
            q(column),
            type_source(to)
        ),
        Operation::AlterType {
            table,
            column,
            to,
            using: Some(using),
        } => format!(
            "ops::convert({}, {}, {}, {})",
            q(table),
            q(column),
            type_source(to),
            sql(using)
        ),
        Operation::SetNotNull {
            table,
            column,
            backfill: None,
        } => format!("ops::set_not_null({}, {})", q(table), q(column)),
        Operation::SetNotNull {
            table,
            column,
            backfill: Some(backfill),
        } => format!(
            "ops::set_not_null_backfill({}, {}, {})",
            q(table),
            q(column),
            sql(backfill)
        ),
        Operation::DropNotNull { table, column } => {
            format!("ops::drop_not_null({}, {})", q(table), q(column))
        }
        Operation::AlterDefault {
            table,
            column,
            default,
        } => format!(
            "ops::alter_default({}, {}, {})",
            q(table),
            q(column),
            match default {
                Some(d) => format!("Some({})", default_source(d)),
                None => "None".to_owned(),
            }
        ),
        Operation::SetPrimaryKey { table, columns } => {
            format!("ops::set_primary_key({}, {})", q(table), list(columns))
        }
        Operation::AddIndex { table, index } | Operation::AddIndexOnline { table, index } => {
            format!(
                "ops::{}{}({}, {}, {})",
                if index.unique {
                    "add_unique"
                } else {
                    "add_index"
                },
                if matches!(op, Operation::AddIndexOnline { .. }) {
                    "_online"
                } else {
                    ""
                },
                q(table),
                q(&index.name),
                list(&index.columns)
            )
        }
        Operation::DropIndex { table, name } => {
            format!("ops::drop_index({}, {})", q(table), q(name))
        }
        Operation::AddForeignKey { table, foreign_key } => format!(
            "ops::add_foreign_key({}, {})",
            q(table),
            foreign_key_source(foreign_key)
        ),
        Operation::AddForeignKeyNotValid { table, foreign_key } => format!(
            "ops::add_foreign_key_not_valid({}, {})",
            q(table),
            foreign_key_source(foreign_key)
        ),
        Operation::ValidateForeignKey { table, name } => {
            format!("ops::validate_foreign_key({}, {})", q(table), q(name))
        }
        Operation::DropForeignKey { table, name } => {
            format!("ops::drop_foreign_key({}, {})", q(table), q(name))
        }
        Operation::AddCheck { table, check } => format!(
            "ops::add_check({}, {}, {})",
            q(table),
            q(&check.name),
            q(&check.expr)
        ),
        Operation::DropCheck { table, name } => {
            format!("ops::drop_check({}, {})", q(table), q(name))
        }
        Operation::Sql { sql: text } => format!("ops::sql({})", sql(text)),
    }
}

fn sql_source(sql: &Sql) -> String {
    match (&sql.all, sql.backends.as_slice()) {
        (Some(all), []) => format!("{all:?}"),
        (all, backends) => {
            let mut out = match all {
                Some(all) => format!("Sql::new({all:?})"),
                None => {
                    let (b, t) = &backends[0];
                    format!("Sql::only({b:?}, {t:?})")
                }
            };
            let skip = usize::from(all.is_none());
            for (b, t) in &backends[skip..] {
                let _ = write!(out, ".on({b:?}, {t:?})");
            }
            out
        }
    }
}

/// An SQL literal for a fill value, the same on every backend.
fn literal(value: &DefaultValue) -> String {
    match value {
        DefaultValue::Bool(b) => (if *b { "1" } else { "0" }).to_owned(),
        DefaultValue::Int(i) => i.to_string(),
        DefaultValue::Float(f) => format!("{f:?}"),
        DefaultValue::Text(t) => format!("'{}'", t.replace('\'', "''")),
        DefaultValue::CurrentTimestamp => "CURRENT_TIMESTAMP".to_owned(),
        DefaultValue::Sql(sql) => sql.to_string(),
    }
}

fn type_source(ty: &LogicalType) -> String {
    match ty {
        LogicalType::Custom { sql } => format!("LogicalType::Custom {{ sql: {sql:?}.into() }}"),
        LogicalType::Enum { name, values } => format!(
            "LogicalType::Enum {{ name: {name:?}.into(), values: vec![{}].into() }}",
            values
                .iter()
                .map(|v| format!("{v:?}.to_owned()"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => format!("LogicalType::{other:?}"),
    }
}

fn default_source(value: &DefaultValue) -> String {
    match value {
        DefaultValue::Bool(b) => format!("DefaultValue::Bool({b})"),
        DefaultValue::Int(i) => format!("DefaultValue::Int({i})"),
        DefaultValue::Float(f) => format!("DefaultValue::Float({f:?})"),
        DefaultValue::Text(t) => format!("DefaultValue::Text({t:?}.into())"),
        DefaultValue::CurrentTimestamp => "DefaultValue::CurrentTimestamp".to_owned(),
        DefaultValue::Sql(sql) => format!("DefaultValue::Sql({sql:?}.into())"),
    }
}

fn column_source(column: &Column) -> String {
    let mut out = format!(
        "Column::new({:?}, {})",
        column.name,
        type_source(&column.ty)
    );
    if column.nullable {
        out.push_str(".nullable()");
    }
    if let Some(default) = &column.default {
        let _ = write!(out, ".default({})", default_source(default));
    }
    out
}

fn foreign_key_source(fk: &ForeignKey) -> String {
    let strings = |items: &[String]| {
        items
            .iter()
            .map(|c| format!("{c:?}.into()"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "ForeignKey {{ name: {:?}.into(), columns: vec![{}], ref_table: {:?}.into(), ref_columns: vec![{}], on_delete: ReferentialAction::{:?} }}",
        fk.name,
        strings(&fk.columns),
        fk.ref_table,
        strings(&fk.ref_columns),
        fk.on_delete
    )
}

fn table_source(table: &Table) -> String {
    let mut out = format!("Table::new({:?})", table.name);
    for column in &table.columns {
        let _ = write!(out, ".column({})", column_source(column));
    }
    if !table.primary_key.is_empty() {
        let _ = write!(out, ".primary_key({:?})", table.primary_key);
    }
    if table.indexes.is_empty() && table.foreign_keys.is_empty() {
        return out;
    }
    let indexes: Vec<String> = table
        .indexes
        .iter()
        .map(|i| {
            format!(
                "Index {{ name: {:?}.into(), columns: vec![{}], unique: {} }}",
                i.name,
                i.columns
                    .iter()
                    .map(|c| format!("{c:?}.into()"))
                    .collect::<Vec<_>>()
                    .join(", "),
                i.unique
            )
        })
        .collect();
    let fks: Vec<String> = table.foreign_keys.iter().map(foreign_key_source).collect();
    format!(
        "Table {{ indexes: vec![{}], foreign_keys: vec![{}], ..{out} }}",
        indexes.join(", "),
        fks.join(", ")
    )
}

/// `r#"..."#` with enough `#`s for `text`.
fn raw_string(text: &str) -> String {
    let mut hashes = 1;
    while text.contains(&format!("\"{}", "#".repeat(hashes))) {
        hashes += 1;
    }
    let h = "#".repeat(hashes);
    format!("r{h}\"{text}\"{h}")
}

/// The schema's JSON, a table per block and a column, index or key per
/// line, fields in the model's order, indented to sit in the migration's
/// struct literal.
fn schema_json(schema: &Schema) -> String {
    let one = |value: &dyn erased::Json| value.json();
    let pad = " ".repeat(12);
    let list = |items: Vec<String>, indent: &str| {
        if items.is_empty() {
            "[]".to_owned()
        } else {
            format!(
                "[\n{}\n{indent}]",
                items
                    .iter()
                    .map(|i| format!("{indent}    {i}"))
                    .collect::<Vec<_>>()
                    .join(",\n")
            )
        }
    };
    let tables: Vec<String> = schema
        .tables
        .values()
        .map(|t| {
            let inner = format!("{pad}        ");
            let fields = [
                format!("\"name\": {}", one(&t.name)),
                format!(
                    "\"columns\": {}",
                    list(t.columns.iter().map(|c| one(c)).collect(), &inner)
                ),
                format!("\"primary_key\": {}", one(&t.primary_key)),
                format!(
                    "\"indexes\": {}",
                    list(t.indexes.iter().map(|i| one(i)).collect(), &inner)
                ),
                format!(
                    "\"foreign_keys\": {}",
                    list(t.foreign_keys.iter().map(|f| one(f)).collect(), &inner)
                ),
            ];
            format!(
                "{pad}    {}: {{\n{}\n{pad}    }}",
                one(&t.name),
                fields
                    .iter()
                    .map(|f| format!("{inner}{f}"))
                    .collect::<Vec<_>>()
                    .join(",\n")
            )
        })
        .collect();
    if tables.is_empty() {
        return "{\"tables\": {}}".to_owned();
    }
    format!("{{\"tables\": {{\n{}\n{pad}}}}}", tables.join(",\n"))
}

/// Compact JSON of one value, `", "` and `": "` spaced for reading.
mod erased {
    pub trait Json {
        fn json(&self) -> String;
    }

    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> String {
            let compact = serde_json::to_string(self).unwrap_or_default();
            spaced(&compact)
        }
    }

    /// Adds a space after each `,` and `:` outside strings.
    fn spaced(json: &str) -> String {
        let mut out = String::with_capacity(json.len() + json.len() / 4);
        let (mut quoted, mut escaped) = (false, false);
        for c in json.chars() {
            out.push(c);
            if quoted {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => quoted = false,
                    _ => {}
                }
            } else if c == '"' {
                quoted = true;
            } else if c == ',' || c == ':' {
                out.push(' ');
            }
        }
        out
    }
}
