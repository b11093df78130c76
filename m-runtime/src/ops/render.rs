//! An operation in the connected database's SQL, through the dialect:
//! each database's differences live in its [`Dialect`], and where one
//! cannot alter in place (SQLite) the operation is carried out by the
//! same table rebuild the sync uses ([`Dialect::rebuild_table`]).

use super::{Operation, Sql};
use crate::backend::{AlterSql, Dialect};
use crate::schema::{DefaultValue, Schema, Table};

/// The statements that carry out `op` on a database whose schema is
/// `before` (introspected: real index names, SQLite's views and triggers),
/// for the backend named `backend`. `after` is `before` with `op` applied.
pub(crate) fn render(
    dialect: &dyn Dialect,
    backend: &str,
    before: &Schema,
    after: &Schema,
    op: &Operation,
) -> Result<Vec<String>, String> {
    let old = |table: &str| {
        before
            .table(table)
            .ok_or_else(|| format!("there is no table `{table}`"))
    };
    let new = |table: &str| {
        after
            .table(table)
            .ok_or_else(|| format!("there is no table `{table}`"))
    };
    let column = |table: &str, column: &str| {
        new(table)?
            .get_column(column)
            .cloned()
            .ok_or_else(|| format!("table `{table}` has no column `{column}`"))
    };
    // The expression each rebuilt column is filled from, where it is not
    // the old column of the same name.
    let mut sources: Vec<(String, String)> = Vec::new();
    let mut prelude: Vec<String> = Vec::new();
    let sql = match op {
        Operation::CreateTable { table } => AlterSql::Statements(dialect.create_table(table)),
        Operation::DropTable { table } => AlterSql::Statements(dialect.drop_table(table)),
        Operation::RenameTable { from, to } => dialect.rename_table(from, to),
        Operation::AddColumn {
            table,
            column,
            fill,
        } => match fill {
            Some(fill) => {
                let fill = text(fill, backend)?;
                sources.push((column.name.clone(), format!("({fill})")));
                dialect.add_column_filled(old(table)?, column, &DefaultValue::Sql(fill.into()))
            }
            None => dialect.add_column(old(table)?, column),
        },
        Operation::DropColumn { table, column } => dialect.drop_column(old(table)?, column),
        Operation::RenameColumn { table, from, to } => {
            sources.push((to.clone(), dialect.quote_ident(from)));
            dialect.rename_column(table, from, to)
        }
        Operation::AlterType {
            table,
            column: name,
            using,
            ..
        } => {
            let c = column(table, name)?;
            match using {
                Some(using) => {
                    let using = text(using, backend)?;
                    sources.push((name.clone(), format!("({using})")));
                    dialect.convert_column(new(table)?, &c, &using)
                }
                None => dialect.alter_column_type(new(table)?, &c),
            }
        }
        Operation::SetNotNull {
            table,
            column: name,
            backfill,
        } => {
            if let Some(backfill) = backfill {
                let backfill = text(backfill, backend)?;
                let c = dialect.quote_ident(name);
                prelude.push(format!(
                    "UPDATE {} SET {c} = ({backfill}) WHERE {c} IS NULL",
                    dialect.quote_table(table)
                ));
            }
            dialect.set_not_null(new(table)?, &column(table, name)?)
        }
        Operation::DropNotNull {
            table,
            column: name,
        } => dialect.drop_not_null(new(table)?, &column(table, name)?),
        Operation::AlterDefault {
            table,
            column: name,
            ..
        } => dialect.alter_default(new(table)?, &column(table, name)?),
        Operation::SetPrimaryKey { table, .. } => {
            dialect.alter_primary_key(new(table)?, &old(table)?.primary_key)
        }
        Operation::AddIndex { table, index } => {
            AlterSql::Statements(vec![dialect.create_index(new(table)?, index)])
        }
        Operation::AddIndexOnline { table, index } => {
            AlterSql::Statements(vec![dialect.create_index_online(new(table)?, index)])
        }
        Operation::DropIndex { table, name } => {
            let t = old(table)?;
            let index = t
                .indexes
                .iter()
                .find(|i| i.name == *name)
                .ok_or_else(|| format!("table `{table}` has no index `{name}`"))?;
            dialect.drop_index(t, index)
        }
        Operation::AddForeignKey { table, foreign_key } => {
            dialect.add_foreign_key(table, foreign_key)
        }
        Operation::AddForeignKeyNotValid { table, foreign_key } => {
            dialect.add_foreign_key_not_valid(table, foreign_key)
        }
        Operation::ValidateForeignKey { table, name } => {
            let fk = old(table)?
                .foreign_keys
                .iter()
                .find(|f| f.name == *name)
                .ok_or_else(|| format!("table `{table}` has no foreign key `{name}`"))?;
            AlterSql::Statements(dialect.validate_foreign_key(table, fk))
        }
        Operation::DropForeignKey { table, name } => {
            let fk = old(table)?
                .foreign_keys
                .iter()
                .find(|f| f.name == *name)
                .ok_or_else(|| format!("table `{table}` has no foreign key `{name}`"))?;
            dialect.drop_foreign_key(table, fk)
        }
        Operation::AddCheck { check, table } => dialect.add_check(new(table)?, check),
        Operation::DropCheck { table, name } => {
            let t = old(table)?;
            let check = t
                .checks
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(name))
                .ok_or_else(|| format!("table `{table}` has no check `{name}`"))?;
            dialect.drop_check(t, check)
        }
        Operation::Sql { sql } => AlterSql::Statements(vec![text(sql, backend)?]),
    };
    let statements = match sql {
        AlterSql::Statements(statements) => statements,
        AlterSql::Rebuild => {
            let table = op.table().unwrap_or_default();
            rebuild(dialect, old(table)?, new(table)?, &sources)
        }
    };
    prelude.extend(statements);
    Ok(prelude)
}

/// SQLite's rebuild of `live` as `target`: each column of the target is
/// filled from `sources` where given, else from the old column of its
/// name; a new column without one takes its default.
fn rebuild(
    dialect: &dyn Dialect,
    live: &Table,
    target: &Table,
    sources: &[(String, String)],
) -> Vec<String> {
    let sources: Vec<(String, String)> = target
        .columns
        .iter()
        .filter_map(|c| {
            let given = sources.iter().find(|(name, _)| *name == c.name);
            match given {
                Some((name, expr)) => Some((name.clone(), expr.clone())),
                None => live
                    .get_column(&c.name)
                    .map(|_| (c.name.clone(), dialect.quote_ident(&c.name))),
            }
        })
        .collect();
    dialect.rebuild_table(live, target, &sources)
}

/// The text of `sql` for `backend`, or an error saying how to give it.
fn text(sql: &Sql, backend: &str) -> Result<String, String> {
    match sql.text_for(backend) {
        Some(text) if !text.trim().is_empty() => Ok(text.to_owned()),
        _ => Err(format!(
            "no SQL for {backend}: give it with `Sql::new(\"...\")` or `.on(\"{backend}\", \"...\")`"
        )),
    }
}
