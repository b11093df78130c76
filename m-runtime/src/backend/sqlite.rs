//! SQLite: the embedded default.
//!
//! SQLite cannot alter a column's type, nullability or default, nor add or
//! drop a foreign key in place: those changes rebuild the table with the
//! documented procedure (foreign keys off, new table, copy, drop, rename,
//! `PRAGMA foreign_key_check`, all in the sync's transaction). The run lock
//! is an OS file lock on `<database>.m-lock`, released by the OS if the
//! process dies.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::normalize::{Escapes, get, parse_default, split_type};
use super::{AlterSql, Backend, Dialect, Introspector, LockGuard, Locker};
use crate::schema::{
    Column, DefaultValue, ForeignKey, Index, LogicalType, ReferentialAction, Schema, Table,
    is_internal_table,
};
use crate::{BoxFuture, Db, Error, Result};

/// The SQLite backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sqlite;

impl Backend for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn handles(&self, url: &str) -> bool {
        url.starts_with("sqlite:")
    }

    fn dialect(&self) -> &dyn Dialect {
        self
    }

    fn introspector(&self) -> &dyn Introspector {
        self
    }

    fn locker(&self) -> &dyn Locker {
        self
    }

    /// SQLite reports a missing table as the generic `SQLITE_ERROR` (1):
    /// only its message tells, and it must name `table` itself (a view over
    /// a missing table fails with the same words about another name).
    fn is_missing_table(&self, error: &dyn sqlx::error::DatabaseError, table: &str) -> bool {
        error.code().as_deref() == Some("1")
            && error
                .message()
                .strip_prefix("no such table: ")
                .is_some_and(|name| name == table || name.strip_prefix("main.") == Some(table))
    }

    fn driver_url(&self, url: &str) -> String {
        if url.contains(":memory:") || url.contains("mode=") {
            url.to_owned()
        } else if url.contains('?') {
            format!("{url}&mode=rwc")
        } else {
            format!("{url}?mode=rwc")
        }
    }
}

/// The file path of a SQLite URL, `None` for an in-memory database.
pub fn database_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| path.into())
}

impl Dialect for Sqlite {
    fn quote_ident(&self, ident: &str) -> String {
        format!("\"{}\"", ident.replace('"', "\"\""))
    }

    fn column_type(&self, _table: &Table, column: &Column) -> String {
        match &column.ty {
            LogicalType::Bool => "BOOLEAN".into(),
            LogicalType::I16 => "SMALLINT".into(),
            LogicalType::I32 => "INT".into(),
            // `INTEGER` (not `BIGINT`) so that a sole integer primary key is the rowid.
            LogicalType::I64 => "INTEGER".into(),
            LogicalType::F32 => "FLOAT".into(),
            LogicalType::F64 => "DOUBLE".into(),
            LogicalType::String {
                max_length: Some(n),
            } => format!("VARCHAR({n})"),
            LogicalType::String { max_length: None } => "TEXT".into(),
            LogicalType::Bytes => "BLOB".into(),
            LogicalType::Date => "DATE".into(),
            LogicalType::Time => "TIME".into(),
            LogicalType::DateTime => "DATETIME".into(),
            LogicalType::Timestamp => "TIMESTAMP".into(),
            LogicalType::Decimal { precision, scale } => format!("DECIMAL({precision},{scale})"),
            LogicalType::Uuid => "UUID".into(),
            LogicalType::Json => "JSON".into(),
            LogicalType::Custom { sql } => sql.to_string(),
        }
    }

    fn normalize_type(&self, sql: &str) -> LogicalType {
        parse_type(sql)
    }

    fn case_insensitive_columns(&self) -> bool {
        true
    }

    fn case_insensitive_tables(&self) -> bool {
        true
    }

    /// Tables, views, indexes and triggers share one namespace, compared
    /// case-insensitively (ASCII).
    fn relations_named_sql(&self, names: &[String]) -> Option<String> {
        let list = names
            .iter()
            .map(|n| self.quote_str(&n.to_ascii_lowercase()))
            .collect::<Vec<_>>()
            .join(", ");
        Some(format!(
            "SELECT name FROM sqlite_schema WHERE lower(name) IN ({list})"
        ))
    }

    /// Type affinity: integers of any width are `INTEGER`, strings of any
    /// length `TEXT`, floats `REAL`, decimals of any precision `NUMERIC`;
    /// SQLite enforces no width, length or precision, so such a difference
    /// changes nothing it stores.
    fn stores_alike(&self, live: &LogicalType, declared: &LogicalType) -> bool {
        use crate::schema::TypeFamily as F;
        live.family() == declared.family()
            && matches!(live.family(), F::Integer | F::Float | F::Decimal | F::Text)
    }

    /// SQLite compares any two values in a foreign key, whatever the
    /// declared types.
    fn foreign_key_types_compatible(
        &self,
        _column: &LogicalType,
        _referenced: &LogicalType,
    ) -> bool {
        true
    }

    /// SQLite checks a reference when a row is written, not when the table
    /// is created; and it cannot add a foreign key in place.
    fn inline_forward_foreign_keys(&self) -> bool {
        true
    }

    fn before_sync(&self) -> &'static [&'static str] {
        &["PRAGMA foreign_keys = OFF"]
    }

    /// Also ends the legacy renaming of a rebuild cut short (see
    /// [`Sqlite::rebuild_table`](Dialect::rebuild_table)).
    fn after_sync(&self) -> &'static [&'static str] {
        &[
            "PRAGMA foreign_keys = ON",
            "PRAGMA legacy_alter_table = OFF",
        ]
    }

    /// The documented procedure, with `legacy_alter_table` on around it:
    /// renaming the new table into place must not re-parse the views and
    /// triggers that use the old one, which is dropped by then (SQLite
    /// 3.26+ fails with "error in view ...: no such table").
    fn rebuild_table(
        &self,
        live: &Table,
        target: &Table,
        sources: &[(String, String)],
    ) -> Vec<String> {
        let mut statements = vec!["PRAGMA legacy_alter_table = ON".to_owned()];
        statements.extend(super::dialect::rebuild_statements(
            self, live, target, sources,
        ));
        statements.push("PRAGMA legacy_alter_table = OFF".to_owned());
        statements
    }

    fn integrity_check(&self) -> Option<&'static str> {
        Some("PRAGMA foreign_key_check")
    }

    fn begin(&self) -> &'static str {
        "BEGIN IMMEDIATE"
    }

    fn char_length(&self, expr: &str) -> String {
        format!("LENGTH({expr})")
    }

    /// `REAL` is always 64-bit: a double keeps its value in a `FLOAT`
    /// column, and only one a float cannot hold at all counts as unfit.
    fn float32(&self, _expr: &str) -> Option<String> {
        None
    }

    /// SQLite takes an expression default only in parentheses.
    fn sql_default(&self, sql: &str) -> String {
        format!("({sql})")
    }

    fn add_column(&self, table: &Table, column: &Column) -> AlterSql {
        // ALTER TABLE ADD COLUMN takes neither a NOT NULL column without a
        // default nor a non-constant default.
        let constant_default = matches!(
            column.default,
            Some(
                DefaultValue::Bool(_)
                    | DefaultValue::Int(_)
                    | DefaultValue::Float(_)
                    | DefaultValue::Text(_)
            )
        );
        if (column.nullable && column.default.is_none()) || constant_default {
            AlterSql::Statements(vec![format!(
                "ALTER TABLE {} ADD COLUMN {}",
                self.quote_ident(&table.name),
                self.column_definition(table, column)
            )])
        } else {
            AlterSql::Rebuild
        }
    }

    /// The index of a `UNIQUE` constraint (`sqlite_autoindex_*`, a reserved
    /// name) is re-created under its conventional name by a rebuild.
    fn index_name(&self, table: &Table, index: &Index) -> String {
        if is_constraint_index(&index.name) {
            Index::conventional_name(&table.name, &index.columns, index.unique)
        } else {
            index.name.clone()
        }
    }

    /// The index of a `UNIQUE` constraint goes only with a rebuild.
    fn drop_index(&self, _table: &Table, index: &Index) -> AlterSql {
        if is_constraint_index(&index.name) {
            AlterSql::Rebuild
        } else {
            AlterSql::Statements(vec![format!(
                "DROP INDEX {}",
                self.quote_ident(&index.name)
            )])
        }
    }

    fn add_column_filled(
        &self,
        _table: &Table,
        _column: &Column,
        _fill: &DefaultValue,
    ) -> AlterSql {
        AlterSql::Rebuild
    }

    fn alter_column_type(&self, _table: &Table, _column: &Column) -> AlterSql {
        AlterSql::Rebuild
    }

    fn set_not_null(&self, _table: &Table, _column: &Column) -> AlterSql {
        AlterSql::Rebuild
    }

    fn drop_not_null(&self, _table: &Table, _column: &Column) -> AlterSql {
        AlterSql::Rebuild
    }

    fn alter_default(&self, _table: &Table, _column: &Column) -> AlterSql {
        AlterSql::Rebuild
    }

    fn add_foreign_key(&self, _table: &str, _fk: &ForeignKey) -> AlterSql {
        AlterSql::Rebuild
    }

    fn drop_foreign_key(&self, _table: &str, _fk: &ForeignKey) -> AlterSql {
        AlterSql::Rebuild
    }
}

/// Whether SQLite made this index for a `UNIQUE` constraint.
fn is_constraint_index(name: &str) -> bool {
    name.starts_with("sqlite_autoindex_")
}

/// Every user table, with its column, index and foreign key rows, in three
/// queries joined over `sqlite_schema` (table-valued pragma functions), never
/// one per table.
const COLUMNS: &str = r#"SELECT m.name, p.name, p.type, p."notnull", p.dflt_value, p.pk
FROM sqlite_schema AS m JOIN pragma_table_info(m.name) AS p
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
ORDER BY m.name, p.cid"#;

const INDEXES: &str = r#"SELECT m.name, il.name, il."unique", ii.name
FROM sqlite_schema AS m
JOIN pragma_index_list(m.name) AS il
JOIN pragma_index_info(il.name) AS ii
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND il.origin IN ('c', 'u')
ORDER BY m.name, il.name, ii.seqno"#;

const FOREIGN_KEYS: &str = r#"SELECT m.name, fk.id, fk."table", fk."from", fk."to", fk.on_delete
FROM sqlite_schema AS m JOIN pragma_foreign_key_list(m.name) AS fk
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
ORDER BY m.name, fk.id, fk.seq"#;

impl Introspector for Sqlite {
    fn introspect<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<Schema>> {
        Box::pin(async move {
            let mut tables: BTreeMap<String, Table> = BTreeMap::new();
            let mut keys: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
            for row in db.fetch_all(COLUMNS).await? {
                let table: String = get(&row, 0)?;
                if is_internal_table(&table) {
                    continue;
                }
                let name: String = get(&row, 1)?;
                let declared: String = get(&row, 2)?;
                let not_null: i64 = get(&row, 3)?;
                let default: Option<String> = get(&row, 4)?;
                let pk: i64 = get(&row, 5)?;
                let ty = parse_type(&declared);
                let mut column = Column::new(name.clone(), ty);
                // A primary key column is NOT NULL whatever SQLite's legacy rules say.
                column.nullable = not_null == 0 && pk == 0;
                column.default = default
                    .filter(|d| !d.eq_ignore_ascii_case("null"))
                    .map(|d| parse_default(&d, &column.ty, Escapes::Standard));
                if pk > 0 {
                    keys.entry(table.clone()).or_default().push((pk, name));
                }
                tables
                    .entry(table.clone())
                    .or_insert_with(|| Table::new(table))
                    .columns
                    .push(column);
            }
            for (table, mut key) in keys {
                key.sort();
                if let Some(t) = tables.get_mut(&table) {
                    t.primary_key = key.into_iter().map(|(_, c)| c).collect();
                }
            }
            for row in db.fetch_all(INDEXES).await? {
                let table: String = get(&row, 0)?;
                let name: String = get(&row, 1)?;
                let unique: i64 = get(&row, 2)?;
                let column: Option<String> = get(&row, 3)?;
                let Some(t) = tables.get_mut(&table) else {
                    continue;
                };
                match t.indexes.last_mut() {
                    Some(index) if index.name == name => index.columns.extend(column),
                    _ => t.indexes.push(Index {
                        name,
                        columns: column.into_iter().collect(),
                        unique: unique != 0,
                    }),
                }
            }
            let mut fks: Vec<(String, i64, ForeignKey)> = Vec::new();
            for row in db.fetch_all(FOREIGN_KEYS).await? {
                let table: String = get(&row, 0)?;
                let id: i64 = get(&row, 1)?;
                let ref_table: String = get(&row, 2)?;
                let from: String = get(&row, 3)?;
                let to: Option<String> = get(&row, 4)?;
                let on_delete: String = get(&row, 5)?;
                match fks.last_mut() {
                    Some((t, i, fk)) if *t == table && *i == id => {
                        fk.columns.push(from);
                        fk.ref_columns.extend(to);
                    }
                    _ => {
                        let action = ReferentialAction::parse(&on_delete).unwrap_or_default();
                        let fk = ForeignKey::new(
                            &table,
                            vec![from],
                            ref_table,
                            to.into_iter().collect(),
                            action,
                        );
                        fks.push((table, id, fk));
                    }
                }
            }
            for (table, _, mut fk) in fks {
                if fk.ref_columns.is_empty()
                    && let Some(target) = tables.get(&fk.ref_table)
                {
                    fk.ref_columns = target.primary_key.clone();
                }
                fk.name =
                    ForeignKey::new(&table, fk.columns.clone(), "", vec![], fk.on_delete).name;
                if let Some(t) = tables.get_mut(&table) {
                    t.foreign_keys.push(fk);
                }
            }
            Ok(Schema { tables })
        })
    }
}

/// A declared SQLite type back to its logical type.
fn parse_type(declared: &str) -> LogicalType {
    let (name, args) = split_type(declared);
    match (name.as_str(), args.as_slice()) {
        ("boolean" | "bool", _) => LogicalType::Bool,
        ("smallint" | "int2", _) => LogicalType::I16,
        ("int" | "int4" | "mediumint", _) => LogicalType::I32,
        ("integer" | "bigint" | "int8", _) => LogicalType::I64,
        ("float" | "float4", _) => LogicalType::F32,
        ("double" | "double precision" | "real" | "float8", _) => LogicalType::F64,
        ("varchar" | "character varying" | "nvarchar", [n]) => LogicalType::String {
            max_length: Some(*n),
        },
        ("text" | "clob", _) => LogicalType::String { max_length: None },
        ("blob" | "bytea", _) => LogicalType::Bytes,
        ("date", _) => LogicalType::Date,
        ("time", _) => LogicalType::Time,
        ("datetime", _) => LogicalType::DateTime,
        ("timestamp", _) => LogicalType::Timestamp,
        ("decimal" | "numeric", [p, s]) => LogicalType::Decimal {
            precision: (*p).min(255) as u8,
            scale: (*s).min(255) as u8,
        },
        ("uuid", _) => LogicalType::Uuid,
        ("json", _) => LogicalType::Json,
        _ => LogicalType::Custom {
            sql: declared.to_owned().into(),
        },
    }
}

impl Locker for Sqlite {
    fn acquire<'a>(&'a self, url: &'a str, timeout: Duration) -> BoxFuture<'a, Result<LockGuard>> {
        Box::pin(async move {
            let Some(path) = database_path(url) else {
                // An in-memory database is private to its connection.
                return Ok(LockGuard::new(()));
            };
            let mut lock_path = path.into_os_string();
            lock_path.push(".m-lock");
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&lock_path)
                .map_err(|e| {
                    Error::Lock(format!(
                        "cannot open the migration lock file `{}`: {e}; m needs write access to the database's directory",
                        std::path::Path::new(&lock_path).display()
                    ))
                })?;
            let started = Instant::now();
            loop {
                match file.try_lock() {
                    Ok(()) => return Ok(LockGuard::new(file)),
                    Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < timeout => {
                        tokio::time::sleep(Duration::from_millis(25)).await;
                    }
                    Err(std::fs::TryLockError::WouldBlock) => {
                        return Err(Error::LockTimeout {
                            lock: format!(
                                "the migration lock `{}`",
                                std::path::Path::new(&lock_path).display()
                            ),
                            waited: timeout,
                            holder: None,
                        });
                    }
                    Err(std::fs::TryLockError::Error(e)) => return Err(e.into()),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_declared_types() {
        assert_eq!(
            parse_type("VARCHAR(140)"),
            LogicalType::String {
                max_length: Some(140)
            }
        );
        assert_eq!(
            parse_type("DECIMAL(10,2)"),
            LogicalType::Decimal {
                precision: 10,
                scale: 2
            }
        );
        assert_eq!(parse_type("INTEGER"), LogicalType::I64);
        assert_eq!(parse_type("INT"), LogicalType::I32);
        assert_eq!(
            parse_type("geometry"),
            LogicalType::Custom {
                sql: "geometry".into()
            }
        );
    }

    #[test]
    fn finds_database_paths() {
        assert_eq!(
            database_path("sqlite://app.db?mode=rwc"),
            Some("app.db".into())
        );
        assert_eq!(
            database_path("sqlite:data/app.db"),
            Some("data/app.db".into())
        );
        assert_eq!(database_path("sqlite::memory:"), None);
    }
}
