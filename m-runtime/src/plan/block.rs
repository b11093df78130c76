//! Holding back what cannot run: changes the database cannot build, and
//! changes that need what a blocked change would have created.

use std::collections::BTreeSet;

use super::{Action, PlannedChange};
use crate::backend::Dialect;
use crate::diff::Change;
use crate::schema::Schema;

/// A change that needs what the database cannot build (see
/// [`Dialect::unsupported`]) is blocked with the dialect's explanation.
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
}

/// A change that needs a column a blocked change would have created (or
/// renamed into place) cannot run either.
pub(super) fn block_dependents(planned: &mut [PlannedChange]) {
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
