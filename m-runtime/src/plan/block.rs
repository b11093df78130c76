//! Holding back what cannot run: changes the database cannot build,
//! changes that need what a blocked change would have created, the rest of
//! a column's changes when one is blocked, and changes that would leave a
//! foreign key the database refuses.

use std::collections::{BTreeMap, BTreeSet};

use super::{Action, PlannedChange, apply_to_table};
use crate::backend::Dialect;
use crate::diff::Change;
use crate::schema::Schema;

/// A change that needs what the database cannot build (see
/// [`Dialect::unsupported`]), or that it cannot carry out at all
/// ([`Dialect::unsupported_change`]), is blocked with the dialect's
/// explanation.
pub(super) fn block_unsupported(
    dialect: &dyn Dialect,
    desired: &Schema,
    planned: &mut [PlannedChange],
) {
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
    // Whatever the policy would do with it.
    for c in planned.iter_mut() {
        if let Some(why) = dialect.unsupported_change(&c.change) {
            c.action = Action::Blocked(why);
        }
    }
}

/// Blocks, until nothing more changes, what cannot run because of what is
/// blocked: changes that need what a blocked change would have created
/// ([`block_dependents`]), the other changes of a column one of whose
/// changes is blocked ([`block_column_units`]), the drop of an index or key
/// whose replacement is blocked ([`block_replacements`]), and changes that
/// would leave a foreign key the database refuses
/// ([`block_invalid_foreign_keys`]).
pub(super) fn block_until_consistent(
    dialect: &dyn Dialect,
    live: &Schema,
    planned: &mut [PlannedChange],
) {
    while block_dependents(planned)
        | block_column_units(planned)
        | block_replacements(planned)
        | block_invalid_foreign_keys(dialect, live, planned)
    {}
}

/// An index or foreign key that the plan replaces by another over the same
/// columns (a plain index made unique, a key's `on_delete` changed) is kept
/// while its replacement is blocked. Returns whether it blocked anything.
fn block_replacements(planned: &mut [PlannedChange]) -> bool {
    let blocked: Vec<(String, Vec<String>, &'static str)> = planned
        .iter()
        .filter(|c| !c.is_applied())
        .filter_map(|c| match &c.change {
            Change::AddIndex { table, index } => {
                Some((table.clone(), index.columns.clone(), "index"))
            }
            Change::AddForeignKey { table, foreign_key } => {
                Some((table.clone(), foreign_key.columns.clone(), "foreign key"))
            }
            // A check whose expression changed replaces the live one of
            // its name.
            Change::AddCheck { table, check } => Some((
                table.clone(),
                vec![check.name.to_ascii_lowercase()],
                "check",
            )),
            _ => None,
        })
        .collect();
    let mut changed = false;
    for c in planned.iter_mut().filter(|c| c.is_applied()) {
        let (table, columns, what, name) = match &c.change {
            Change::DropIndex { table, index } => (table, &index.columns, "index", &index.name),
            Change::DropForeignKey { table, foreign_key } => (
                table,
                &foreign_key.columns,
                "foreign key",
                &foreign_key.name,
            ),
            Change::DropCheck { table, check } => (
                table,
                &vec![check.name.to_ascii_lowercase()],
                "check",
                &check.name,
            ),
            _ => continue,
        };
        if blocked
            .iter()
            .any(|(t, cols, w)| t == table && cols == columns && *w == what)
        {
            c.action = Action::Blocked(format!(
                "keeps {what} `{name}` while the {what} that replaces it is blocked"
            ));
            changed = true;
        }
    }
    changed
}

/// A change that needs a column a blocked change would have created (or
/// renamed into place), or a table whose creation is blocked, cannot run
/// either; a foreign key needs its referenced columns too. Returns whether
/// it blocked anything.
fn block_dependents(planned: &mut [PlannedChange]) -> bool {
    let mut missing_columns: BTreeSet<(String, String)> = BTreeSet::new();
    let mut missing_tables: BTreeSet<String> = BTreeSet::new();
    for c in planned.iter().filter(|c| !c.is_applied()) {
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
            Change::RenameTable { to, .. } => {
                missing_tables.insert(to.clone());
            }
            _ => {}
        }
    }
    let mut changed = false;
    for c in planned.iter_mut().filter(|c| c.is_applied()) {
        let table = c.change.table().to_owned();
        // The rest of a renamed table's changes go with its rename: they
        // are written against the new name.
        if !matches!(c.change, Change::RenameTable { .. }) && missing_tables.contains(&table) {
            c.action = Action::Blocked(format!(
                "table `{table}` is renamed, and its rename is blocked: `migrate make` writes the migration that makes both"
            ));
            changed = true;
            continue;
        }
        let mut needed: Vec<(String, String)> = c
            .change
            .needs_columns()
            .into_iter()
            .map(|col| (table.clone(), col.to_owned()))
            .collect();
        // A check needs the columns its expression names (words of it
        // that are columns of the table: an over-approximation at worst).
        if let Change::AddCheck { check, .. } = &c.change {
            let words = expression_words(&check.expr);
            needed.extend(
                missing_columns
                    .iter()
                    .filter(|(t, column)| {
                        *t == table && words.contains(&column.to_ascii_lowercase())
                    })
                    .cloned(),
            );
        }
        if let Change::AddForeignKey { foreign_key, .. } = &c.change {
            needed.extend(
                foreign_key
                    .ref_columns
                    .iter()
                    .map(|col| (foreign_key.ref_table.clone(), col.clone())),
            );
        }
        let why = match needed.iter().find(|n| missing_columns.contains(*n)) {
            Some((t, column)) => Some(format!(
                "needs column `{t}.{column}`, whose change is blocked"
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
    changed
}

/// The words of an SQL expression outside its string literals, lower-cased
/// (quoted identifiers unquoted).
fn expression_words(expr: &str) -> BTreeSet<String> {
    expr.split('\'')
        .step_by(2)
        .flat_map(|outside| {
            outside
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                .filter(|w| !w.is_empty())
                .map(str::to_ascii_lowercase)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The column a change alters in place (type, nullability, default).
pub(super) fn altered_column(change: &Change) -> Option<(&str, &str)> {
    match change {
        Change::AlterColumnType { table, column, .. }
        | Change::SetNotNull { table, column }
        | Change::DropNotNull { table, column }
        | Change::AlterDefault { table, column, .. } => Some((table, column)),
        _ => None,
    }
}

/// Changes to one column are one unit: when one is blocked, so are the
/// others (a new default must not apply while the type it belongs to is
/// held back). Returns whether it blocked anything.
fn block_column_units(planned: &mut [PlannedChange]) -> bool {
    let blocked: BTreeMap<(String, String), &'static str> = planned
        .iter()
        .filter(|c| !c.is_applied())
        .filter_map(|c| {
            let (table, column) = altered_column(&c.change)?;
            Some(((table.to_owned(), column.to_owned()), c.change.kind()))
        })
        .collect();
    let mut changed = false;
    for c in planned.iter_mut().filter(|c| c.is_applied()) {
        let Some((table, column)) = altered_column(&c.change) else {
            continue;
        };
        if let Some(kind) = blocked.get(&(table.to_owned(), column.to_owned())) {
            c.action = Action::Blocked(format!(
                "the changes to column `{table}.{column}` are one unit, and its {kind} is blocked"
            ));
            changed = true;
        }
    }
    changed
}

/// The schema once the applied changes of `planned` have run.
pub(super) fn end_state(live: &Schema, planned: &[PlannedChange]) -> Schema {
    let mut end = live.clone();
    for c in planned.iter().filter(|c| c.is_applied()) {
        match &c.change {
            Change::CreateTable { table } => end.insert(table.clone()),
            Change::RenameTable { from, to } => end.rename_table(from, to),
            // Foreign keys of other tables follow the rename too.
            Change::RenameColumn { table, from, to } => end.rename_column(table, from, to),
            change => {
                if let Some(t) = end.tables.get_mut(change.table()) {
                    apply_to_table(t, change);
                }
            }
        }
    }
    end
}

/// A foreign key the database would refuse once the applied changes ran
/// ([`Dialect::foreign_key_problem`]: types it cannot join, `SET NULL` on a
/// NOT NULL column) blocks the change that creates it; a foreign key that
/// exists blocks the changes of its columns that would make it so. Returns
/// whether it blocked anything.
fn block_invalid_foreign_keys(
    dialect: &dyn Dialect,
    live: &Schema,
    planned: &mut [PlannedChange],
) -> bool {
    let end = end_state(live, planned);
    let mut changed = false;
    for (name, table) in &end.tables {
        for fk in &table.foreign_keys {
            let Some(target) = end.table(&fk.ref_table) else {
                continue;
            };
            let Some(why) = dialect.foreign_key_problem(table, fk, target) else {
                continue;
            };
            let creates = |change: &Change| match change {
                Change::CreateTable { table: t } => {
                    t.name == *name && t.foreign_keys.iter().any(|f| f.same_rule(fk))
                }
                Change::AddForeignKey {
                    table: t,
                    foreign_key,
                } => t == name && foreign_key.same_rule(fk),
                _ => false,
            };
            let alters = |change: &Change| match change {
                Change::AlterColumnType {
                    table: t, column, ..
                } => {
                    (t == name && fk.columns.contains(column))
                        || (*t == fk.ref_table && fk.ref_columns.contains(column))
                }
                Change::SetNotNull { table: t, column } => t == name && fk.columns.contains(column),
                _ => false,
            };
            // The declared key is what disagrees when the plan creates it;
            // otherwise the changes of its columns are.
            let by_creation = planned.iter().any(|c| c.is_applied() && creates(&c.change));
            for c in planned.iter_mut().filter(|c| c.is_applied()) {
                let responsible = if by_creation {
                    creates(&c.change)
                } else {
                    alters(&c.change)
                };
                if responsible {
                    c.action = Action::Blocked(why.clone());
                    changed = true;
                }
            }
        }
    }
    changed
}

#[cfg(all(test, feature = "mysql"))]
mod tests {
    use crate::diff::diff;
    use crate::plan::{Action, Policy, build};
    use crate::schema::{Column, ForeignKey, LogicalType, ReferentialAction, Schema, Table};

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
