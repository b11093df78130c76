//! Compiling planned changes to the dialect's SQL.

use std::collections::BTreeMap;

use super::PlannedChange;
use crate::backend::{AlterSql, Dialect};
use crate::diff::Change;
use crate::risk::fill_value;
use crate::schema::{Schema, Table};

/// Fills in each change's SQL. Changes of one table are folded over the
/// live table in order; when the dialect must rebuild the table for any
/// applied change, one rebuild to the final shape carries all of that
/// table's applied changes.
pub(super) fn compile_sql(dialect: &dyn Dialect, live: &Schema, planned: &mut [PlannedChange]) {
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
