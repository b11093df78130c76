//! Compiling planned changes to the dialect's SQL.

use std::collections::BTreeMap;

use super::PlannedChange;
use crate::backend::{AlterSql, Dialect};
use crate::diff::Change;
use crate::risk::fill_value;
use crate::schema::{Schema, Table};

/// Keeps each `CREATE SCHEMA IF NOT EXISTS` ([`Dialect::create_schema`])
/// in the first applied change that runs it: the schema comes with its
/// first table, and the later tables of the plan find it there. A blocked
/// change keeps its own, as it would run alone.
fn create_each_schema_once(dialect: &dyn Dialect, planned: &mut [PlannedChange]) {
    let mut created = std::collections::BTreeSet::new();
    for c in planned.iter_mut().filter(|c| c.is_applied()) {
        let Some(create) = dialect.create_schema(&Table::new(c.change.table())) else {
            continue;
        };
        if !created.insert(create.clone()) {
            c.sql.retain(|sql| *sql != create);
        }
    }
}

/// Fills in each change's SQL. The applied changes of one table are folded
/// over the live table in order; when the dialect must rebuild the table
/// for any of them, one rebuild to the final shape carries them all. A
/// blocked change shows what it would run on the table the sync leaves
/// (nothing when it needs a column that stays missing), so that the SQL of
/// the applied changes is exactly what sync runs.
pub(super) fn compile_sql(dialect: &dyn Dialect, live: &Schema, planned: &mut [PlannedChange]) {
    compile_creates(dialect, planned);
    let mut by_table: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, c) in planned.iter_mut().enumerate() {
        match &c.change {
            Change::RenameTable { from, to } => c.sql = sql_of(dialect.rename_table(from, to)),
            Change::CreateTable { .. }
            | Change::OrphanColumn { .. }
            | Change::OrphanTable { .. } => {}
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
        // What the applied ones run together.
        let applied: Vec<usize> = indexes
            .iter()
            .copied()
            .filter(|&i| planned[i].is_applied())
            .collect();
        let mut end = live_table.clone();
        for &i in &applied {
            apply_to_table(&mut end, &planned[i].change);
        }
        let mut target = live_table.clone();
        let mut statements = Vec::with_capacity(applied.len());
        let mut rebuild = false;
        for &i in &applied {
            let before = target.clone();
            apply_to_table(&mut target, &planned[i].change);
            // A column's changes are one unit: each states the column as
            // all of them leave it (MySQL's MODIFY COLUMN restates the whole
            // column, so a new type with the old default may be invalid).
            let mut after = target.clone();
            if let Some((_, name)) = super::block::altered_column(&planned[i].change)
                && let Some(last) = end.get_column(name)
                && let Some(column) = after.columns.iter_mut().find(|c| c.name == name)
            {
                *column = last.clone();
            }
            match alter_sql(
                dialect,
                &before,
                &after,
                &planned[i].change,
                planned[i].measured,
            ) {
                AlterSql::Statements(sql) => {
                    planned[i].impact = dialect.impact(&planned[i].change);
                    statements.push(sql);
                }
                AlterSql::Rebuild => rebuild = true,
            }
        }
        if rebuild {
            for &i in &applied {
                planned[i].impact = dialect.rebuild_impact();
            }
            let changes: Vec<Change> = applied.iter().map(|&i| planned[i].change.clone()).collect();
            let sql = dialect.rebuild_table(
                live_table,
                &end,
                &rebuild_sources(dialect, live_table, &end, &changes),
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
        // What each blocked change would run on the table the sync leaves:
        // nothing when it needs a column that stays missing.
        let blocked: Vec<usize> = indexes
            .iter()
            .copied()
            .filter(|&i| !planned[i].is_applied())
            .collect();
        for i in blocked {
            let change = &planned[i].change;
            if change
                .needs_columns()
                .iter()
                .any(|c| end.get_column(c).is_none())
            {
                planned[i].sql = Vec::new();
                continue;
            }
            let mut after = end.clone();
            apply_to_table(&mut after, change);
            let (sql, impact) = match alter_sql(dialect, &end, &after, change, planned[i].measured)
            {
                AlterSql::Statements(sql) => (sql, dialect.impact(change)),
                AlterSql::Rebuild => (
                    dialect.rebuild_table(
                        &end,
                        &after,
                        &rebuild_sources(dialect, &end, &after, std::slice::from_ref(change)),
                    ),
                    dialect.rebuild_impact(),
                ),
            };
            planned[i].sql = sql;
            planned[i].impact = impact;
        }
    }
    carry_foreign_keys(dialect, live, planned);
    create_each_schema_once(dialect, planned);
    for c in planned.iter_mut() {
        if let Some(sentence) = c.impact.describe() {
            c.reason.push_str(&format!(" ({sentence})"));
        }
    }
}

/// Carries each live foreign key through the applied type changes of its
/// columns (on either side) where the database would refuse them with the
/// key in place: where it never keeps a key through a type change
/// ([`Dialect::type_change_keeps_foreign_keys`]), or where a step between
/// two of those changes would join types it cannot compare. The key is
/// dropped before the first of them and added back after the last (unless
/// the plan drops it for good).
fn carry_foreign_keys(dialect: &dyn Dialect, live: &Schema, planned: &mut [PlannedChange]) {
    for (table_name, table) in &live.tables {
        for fk in &table.foreign_keys {
            let Some(target) = live.table(&fk.ref_table) else {
                continue;
            };
            // The applied type changes of the key's columns, in plan order,
            // with the pair they change: (position, is the referencing side).
            let involved: Vec<(usize, usize, bool)> = planned
                .iter()
                .enumerate()
                .filter(|(_, c)| c.is_applied())
                .filter_map(|(i, c)| match &c.change {
                    Change::AlterColumnType {
                        table: t, column, ..
                    } => {
                        let own = (t == table_name)
                            .then(|| fk.columns.iter().position(|c| c == column))
                            .flatten()
                            .map(|p| (i, p, true));
                        let referenced = (*t == fk.ref_table)
                            .then(|| fk.ref_columns.iter().position(|c| c == column))
                            .flatten()
                            .map(|p| (i, p, false));
                        own.or(referenced)
                    }
                    _ => None,
                })
                .collect();
            let (Some(&(first, ..)), Some(&(last, ..))) = (involved.first(), involved.last())
            else {
                continue;
            };
            if dialect.type_change_keeps_foreign_keys()
                && steps_compatible(dialect, table, target, fk, &involved, planned)
            {
                continue;
            }
            let drop = planned.iter().position(|c| {
                c.is_applied()
                    && matches!(&c.change, Change::DropForeignKey { table: t, foreign_key }
                        if t == table_name && foreign_key.name == fk.name)
            });
            let statements = |sql: AlterSql| match sql {
                AlterSql::Statements(sql) => sql,
                AlterSql::Rebuild => Vec::new(),
            };
            match drop {
                Some(d) if d < first => {}
                Some(d) => {
                    let sql = std::mem::take(&mut planned[d].sql);
                    planned[first].sql.splice(0..0, sql);
                    planned[d]
                        .reason
                        .push_str(" (dropped before the type change of its columns, above)");
                }
                None => {
                    let sql = statements(dialect.drop_foreign_key(table_name, fk));
                    planned[first].sql.splice(0..0, sql);
                    planned[first].reason.push_str(&format!(
                        " (drops foreign key `{}` of `{table_name}` first, and adds it back after the type change of its columns)",
                        fk.name
                    ));
                    planned[last]
                        .sql
                        .extend(statements(dialect.add_foreign_key(table_name, fk)));
                }
            }
        }
    }
}

/// Whether every step of the key's type changes (in plan order) leaves
/// its columns of types the database joins in a foreign key.
fn steps_compatible(
    dialect: &dyn Dialect,
    table: &Table,
    target: &Table,
    fk: &crate::schema::ForeignKey,
    involved: &[(usize, usize, bool)],
    planned: &[PlannedChange],
) -> bool {
    let types = |t: &Table, names: &[String]| -> Option<Vec<crate::schema::LogicalType>> {
        names
            .iter()
            .map(|n| t.get_column(n).map(|c| c.ty.clone()))
            .collect()
    };
    let (Some(mut own), Some(mut referenced)) =
        (types(table, &fk.columns), types(target, &fk.ref_columns))
    else {
        return true;
    };
    involved.iter().all(|&(i, pair, is_own)| {
        if let Change::AlterColumnType { to, .. } = &planned[i].change {
            let side = if is_own { &mut own } else { &mut referenced };
            side[pair] = to.clone();
        }
        own.iter()
            .zip(&referenced)
            .all(|(c, r)| dialect.foreign_key_types_compatible(c, r))
    })
}

/// A foreign key of a created table that names a table the plan creates
/// later, where `CREATE TABLE` cannot name a table that does not exist yet
/// (see [`Dialect::inline_forward_foreign_keys`]).
struct ForwardKey {
    /// The change creating the referencing table.
    from: usize,
    /// The key's position among that table's foreign keys.
    key: usize,
    /// The change creating the referenced table.
    to: usize,
    /// The statements that add the key once both tables exist.
    sql: Vec<String>,
}

/// Fills in the SQL of each table creation. Tables are created in plan
/// order; a foreign key to a table created later (a cycle's closing key, or
/// any forward reference) is left out of the `CREATE TABLE` where the
/// dialect cannot declare it there, and added right after the referenced
/// table's creation. A self reference stays inline on every database.
fn compile_creates(dialect: &dyn Dialect, planned: &mut [PlannedChange]) {
    let forward = forward_keys(dialect, planned);
    for (i, c) in planned.iter_mut().enumerate() {
        let Change::CreateTable { table } = &c.change else {
            continue;
        };
        let mut created = table.clone();
        created.foreign_keys = table
            .foreign_keys
            .iter()
            .enumerate()
            .filter(|(key, _)| !forward.iter().any(|f| f.from == i && f.key == *key))
            .map(|(_, fk)| fk.clone())
            .collect();
        c.sql = dialect.create_table(&created);
    }
    for f in forward {
        let Change::CreateTable { table } = &planned[f.from].change else {
            continue;
        };
        let (name, table) = (table.foreign_keys[f.key].name.clone(), table.name.clone());
        let ref_table = planned[f.to].change.table().to_owned();
        planned[f.from].reason.push_str(&format!(
            " (foreign key `{name}` is added once `{ref_table}` exists)"
        ));
        // The referenced table's creation carries the key when both run; a
        // blocked creation shows the key among the statements it would run.
        if planned[f.from].is_applied() && planned[f.to].is_applied() {
            planned[f.to].sql.extend(f.sql);
            planned[f.to]
                .reason
                .push_str(&format!(" (then adds foreign key `{name}` of `{table}`)"));
        } else {
            planned[f.from].sql.extend(f.sql);
        }
    }
}

/// The foreign keys of created tables that reference a table created later
/// in `planned` and that the dialect adds with `ALTER TABLE` instead of
/// declaring them in the `CREATE TABLE`.
fn forward_keys(dialect: &dyn Dialect, planned: &[PlannedChange]) -> Vec<ForwardKey> {
    if dialect.inline_forward_foreign_keys() {
        return Vec::new();
    }
    let created: BTreeMap<&str, usize> = planned
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match &c.change {
            Change::CreateTable { table } => Some((table.name.as_str(), i)),
            _ => None,
        })
        .collect();
    let mut forward = Vec::new();
    for (from, c) in planned.iter().enumerate() {
        let Change::CreateTable { table } = &c.change else {
            continue;
        };
        for (key, fk) in table.foreign_keys.iter().enumerate() {
            let Some(&to) = created.get(fk.ref_table.as_str()) else {
                continue;
            };
            if to <= from {
                continue;
            }
            // A dialect that can only add a key by rebuilding the table
            // keeps it inline.
            if let AlterSql::Statements(sql) = dialect.add_foreign_key(&table.name, fk) {
                forward.push(ForwardKey { from, key, to, sql });
            }
        }
    }
    forward
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
        Change::AlterColumnType {
            column: name, from, ..
        } => column(name).map_or(AlterSql::Rebuild, |c| {
            dialect.alter_column_type_from(after, &c, from)
        }),
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
        Change::AddCheck { check, .. } => dialect.add_check(after, check),
        Change::DropCheck { check, .. } => dialect.drop_check(before, check),
        Change::RenameColumn { table, from, to } => dialect.rename_column(table, from, to),
        Change::RenameTable { from, to } => dialect.rename_table(from, to),
        Change::AlterPrimaryKey { from, .. } => dialect.alter_primary_key(after, from),
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
        // Names are unique in a table: what takes a name replaces its holder.
        Change::AddIndex { index, .. } => {
            table.indexes.retain(|i| i.name != index.name);
            table.indexes.push(index.clone());
        }
        Change::DropIndex { index, .. } => table.indexes.retain(|i| i.name != index.name),
        Change::AddForeignKey { foreign_key, .. } => {
            table.foreign_keys.retain(|f| f.name != foreign_key.name);
            table.foreign_keys.push(foreign_key.clone());
        }
        Change::DropForeignKey { foreign_key, .. } => {
            table.foreign_keys.retain(|f| f.name != foreign_key.name)
        }
        Change::AddCheck { check, .. } => {
            table.checks.retain(|c| c.name != check.name);
            table.checks.push(check.clone());
        }
        Change::DropCheck { check, .. } => table.checks.retain(|c| c.name != check.name),
        Change::RenameColumn { from, to, .. } => {
            table.rename_columns(|c| (c == from).then(|| to.clone()));
        }
        Change::AlterPrimaryKey { to, .. } => table.primary_key = to.clone(),
        Change::RenameTable { to, .. } => table.name = to.clone(),
        Change::CreateTable { .. } | Change::OrphanColumn { .. } | Change::OrphanTable { .. } => {}
    }
}

/// The statements of a change that is never a rebuild.
fn sql_of(sql: AlterSql) -> Vec<String> {
    match sql {
        AlterSql::Statements(sql) => sql,
        AlterSql::Rebuild => Vec::new(),
    }
}

#[cfg(all(test, feature = "postgres"))]
mod tests {
    use crate::diff::diff;
    use crate::plan::{Plan, Policy, build};
    use crate::schema::{Column, ForeignKey, LogicalType, ReferentialAction, Schema, Table};

    /// `author` and `book` reference each other; `book` is created first.
    fn cycle(policy: &Policy) -> Plan {
        let table = |name: &str, column: &str, target: &str| {
            Table::new(name)
                .column(Column::new("id", LogicalType::I64))
                .column(Column::new(column, LogicalType::I64).nullable())
                .primary_key(["id"])
                .foreign_key(ForeignKey::new(
                    name,
                    vec![column.into()],
                    target,
                    vec!["id".into()],
                    ReferentialAction::NoAction,
                ))
        };
        let mut desired = Schema::default();
        desired.insert(table("author", "favourite_book_id", "book"));
        desired.insert(table("book", "author_id", "author"));
        let live = Schema::default();
        let changes = diff(&live, &desired);
        let dialect = crate::backend::postgres::Postgres;
        build(
            "postgres",
            &dialect,
            &live,
            &desired,
            changes,
            &[None, None],
            policy,
        )
    }

    #[test]
    fn tables_referencing_each_other_are_created_then_linked() {
        let plan = cycle(&Policy::default());
        let statements = plan.statements();
        assert_eq!(statements.len(), 3, "{statements:#?}");
        assert!(statements[0].starts_with("CREATE TABLE \"book\""));
        assert!(!statements[0].contains("REFERENCES"), "{}", statements[0]);
        assert!(statements[1].starts_with("CREATE TABLE \"author\""));
        assert!(
            statements[1].contains("REFERENCES \"book\""),
            "{}",
            statements[1]
        );
        assert!(
            statements[2].starts_with(
                "ALTER TABLE \"book\" ADD CONSTRAINT \"fk_book__author_id\" FOREIGN KEY (\"author_id\") REFERENCES \"author\""
            ),
            "{}",
            statements[2]
        );
        assert_eq!(
            plan.changes[1].sql.len(),
            2,
            "author's creation adds the key"
        );
        assert!(
            plan.changes[0]
                .reason
                .ends_with("(foreign key `fk_book__author_id` is added once `author` exists)"),
            "{}",
            plan.changes[0].reason
        );
        assert!(
            plan.changes[1]
                .reason
                .ends_with("(then adds foreign key `fk_book__author_id` of `book`)"),
            "{}",
            plan.changes[1].reason
        );
    }

    #[test]
    fn a_blocked_creation_shows_the_key_it_would_add() {
        let plan = cycle(&Policy::review_only());
        assert!(plan.statements().is_empty());
        let book = &plan.changes[0];
        assert_eq!(book.change.table(), "book");
        assert_eq!(book.sql.len(), 2, "{:#?}", book.sql);
        assert!(book.sql[1].starts_with("ALTER TABLE \"book\" ADD CONSTRAINT"));
        assert_eq!(plan.changes[1].sql.len(), 1, "{:#?}", plan.changes[1].sql);
    }
}
