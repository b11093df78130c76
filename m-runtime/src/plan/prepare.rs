//! Preparing the two schemas for the differ: declared `sql_type`s read as
//! the logical types they stand for, case-insensitive names matched.

use std::collections::BTreeMap;

use crate::backend::{Dialect, EnumStorage};
use crate::diff::types_equal;
use crate::schema::{Check, DefaultValue, LogicalType, Schema, enum_check_name};

/// Reads every `sql_type` column of `schema` in the dialect's terms: a
/// spelling of a known type becomes that type (`int4` is `i32` on
/// PostgreSQL); any other keeps the user's verbatim SQL, which the DDL
/// must use as written.
///
/// Enumeration columns ([`LogicalType::Enum`]) become what the dialect
/// stores them as ([`Dialect::enum_storage`]): text with a CHECK named
/// `<table>_<column>_values`, or a native `ENUM(...)` column type.
pub fn resolve_sql_types(dialect: &dyn Dialect, schema: &mut Schema) {
    resolve_against(dialect, schema, None);
}

/// [`resolve_sql_types`] of a declared schema against the `live` one: an
/// enumeration column whose live column is an enum type of the same name
/// (PostgreSQL's `CREATE TYPE .. AS ENUM`, made by hand) stays that type.
fn resolve_against(dialect: &dyn Dialect, schema: &mut Schema, live: Option<&Schema>) {
    lower_enums(dialect, schema, live);
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

/// Rewrites every [`LogicalType::Enum`] column of `schema` as the dialect
/// stores it ([`EnumStorage`]), except a column whose `live` one is an
/// enum type of the same name: that one is adopted as it is.
///
/// ```
/// use m_runtime::backend::{Dialect, sqlite::Sqlite};
/// use m_runtime::plan::resolve_sql_types;
/// use m_runtime::schema::{Check, Column, EnumValues, LogicalType, Schema, Table};
///
/// let mood = LogicalType::Enum { name: "mood".into(), values: EnumValues::from_static(&["ok", "it's"]) };
/// let mut schema = Schema::default();
/// schema.insert(Table::new("diary").column(Column::new("mood", mood)));
/// resolve_sql_types(&Sqlite, &mut schema);
/// let table = schema.table("diary").unwrap();
/// assert_eq!(table.columns[0].ty, LogicalType::String { max_length: None });
/// assert_eq!(table.checks, [Check { name: "diary_mood_values".into(), expr: r#""mood" IN ('ok', 'it''s')"#.into() }]);
/// ```
fn lower_enums(dialect: &dyn Dialect, schema: &mut Schema, live: Option<&Schema>) {
    for table in schema.tables.values_mut() {
        for i in 0..table.columns.len() {
            let LogicalType::Enum { name, values } = &table.columns[i].ty else {
                continue;
            };
            let adopted = live
                .and_then(|l| l.table(&table.name))
                .and_then(|t| t.get_column(&table.columns[i].name))
                .is_some_and(|c| matches!(&c.ty, LogicalType::Enum { name: n, .. } if n == name));
            if adopted {
                continue;
            }
            let quoted = values
                .iter()
                .map(|v| format!("'{}'", v.replace('\'', "''")))
                .collect::<Vec<_>>()
                .join(", ");
            let column = &table.columns[i].name;
            match dialect.enum_storage() {
                EnumStorage::NativeColumn => {
                    table.columns[i].ty = LogicalType::Custom {
                        sql: format!("enum({quoted})").into(),
                    };
                }
                EnumStorage::CheckedText => {
                    let check = Check {
                        name: enum_check_name(&table.name, column),
                        expr: format!("{} IN ({quoted})", dialect.quote_ident(column)),
                    };
                    table.columns[i].ty = LogicalType::String { max_length: None };
                    table.checks.push(check);
                }
            }
        }
    }
}

/// Reads both schemas in the dialect's terms before diffing: declared
/// `sql_type`s become the logical type they stand for (`int4` is `i32` on
/// PostgreSQL), and where names are case-insensitive (columns on MySQL,
/// tables and columns on SQLite) a live name takes its declared spelling,
/// and a live type or default the dialect stores or spells differently
/// but means the same takes the declared one ([`Dialect::stores_alike`],
/// [`Dialect::catalog_spells`]).
pub fn prepare(dialect: &dyn Dialect, live: &Schema, desired: &Schema) -> (Schema, Schema) {
    let mut desired = desired.clone();
    resolve_against(dialect, &mut desired, Some(live));
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
    read_as_declared(dialect, &mut live, &desired);
    (live, desired)
}

/// Where the dialect says a live column's type or default is the declared
/// one in other words, the live column takes the declared spelling: a type
/// the database stores alike (SQLite's `INT` for an `i64`), a default the
/// catalog cannot spell (MariaDB's `?` for an emoji), a foreign key's
/// action the database enforces alike (InnoDB's `RESTRICT` for `NO ACTION`),
/// a check whose expression is the declared one as the catalog rewrote it
/// (both in the catalog's function names, then [`Check::normalize`]d).
fn read_as_declared(dialect: &dyn Dialect, live: &mut Schema, desired: &Schema) {
    for (name, table) in &mut live.tables {
        let Some(want) = desired.table(name) else {
            continue;
        };
        for check in &mut table.checks {
            let alike = want.checks.iter().find(|w| {
                w.name.eq_ignore_ascii_case(&check.name)
                    && Check::normalize(&dialect.catalog_sql(&w.expr))
                        == Check::normalize(&dialect.catalog_sql(&check.expr))
            });
            if let Some(declared) = alike {
                *check = declared.clone();
            }
        }
        for fk in &mut table.foreign_keys {
            let alike = want.foreign_keys.iter().find(|w| {
                w.columns == fk.columns
                    && w.ref_table == fk.ref_table
                    && w.ref_columns == fk.ref_columns
                    && dialect.actions_alike(fk.on_delete, w.on_delete)
            });
            if let Some(declared) = alike {
                fk.on_delete = declared.on_delete;
            }
        }
        for column in &mut table.columns {
            let Some(declared) = want.get_column(&column.name) else {
                continue;
            };
            if !types_equal(&column.ty, &declared.ty)
                && dialect.stores_alike(&column.ty, &declared.ty)
            {
                column.ty = declared.ty.clone();
            }
            if let (Some(DefaultValue::Text(have)), Some(DefaultValue::Text(want))) =
                (&column.default, &declared.default)
                && have != want
                && dialect.catalog_spells(want, have)
            {
                column.default = declared.default.clone();
            }
            if let (Some(DefaultValue::Sql(have)), Some(DefaultValue::Sql(want))) =
                (&column.default, &declared.default)
                && have != want
                && crate::diff::defaults_equal(
                    Some(&DefaultValue::Sql(
                        dialect.catalog_sql(want).into_owned().into(),
                    )),
                    Some(&DefaultValue::Sql(
                        dialect.catalog_sql(have).into_owned().into(),
                    )),
                    &column.ty,
                )
            {
                column.default = declared.default.clone();
            }
        }
    }
}
