//! SQLite: the embedded default.
//!
//! SQLite cannot alter a column's type, nullability or default, nor add or
//! drop a foreign key in place: those changes rebuild the table with the
//! documented procedure (foreign keys off, new table, copy, drop, rename,
//! `PRAGMA foreign_key_check`, all in the sync's transaction). The run lock
//! is an OS file lock on `<database>.m-lock`, released by the OS if the
//! process dies.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use super::normalize::{Escapes, get, parse_default, split_type};
use super::{AlterSql, Backend, Dialect, Introspector, LockGuard, Locker};
use crate::db::TxKind;
use crate::schema::{
    Check, Column, DefaultValue, Dependent, DependentKind, ForeignKey, Index, LogicalType,
    ReferentialAction, Schema, Table, is_internal_table,
};
use crate::stamp::{SlotState, Stamp, StampSlot};
use crate::{BoxFuture, Db, Error, Result};

/// The SQLite backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sqlite;

impl Backend for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn stamp_slot(&self) -> Option<&dyn StampSlot> {
        Some(self)
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

    fn missing_database(&self, url: &str) -> Option<String> {
        database_path(url)
            .filter(|path| !path.exists())
            .map(|path| path.display().to_string())
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

    /// What SQLite runs in place (everything else is a rebuild): under the
    /// database's write lock; an index build reads the table.
    fn impact(&self, change: &crate::diff::Change) -> crate::plan::Impact {
        use crate::diff::Change;
        use crate::plan::Impact;
        let write = Impact {
            lock: Some("WRITE"),
            ..Impact::default()
        };
        match change {
            Change::CreateTable { .. }
            | Change::OrphanColumn { .. }
            | Change::OrphanTable { .. } => Impact::default(),
            Change::AddIndex { .. } => Impact {
                scans_table: true,
                ..write
            },
            _ => write,
        }
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
            LogicalType::Enum { .. } => "TEXT".into(),
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

    fn after_sync(&self) -> &'static [&'static str] {
        &["PRAGMA foreign_keys = ON"]
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
                self.quote_table(&table.name),
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

    fn convert_column(&self, _table: &Table, _column: &Column, _using: &str) -> AlterSql {
        AlterSql::Rebuild
    }

    /// SQLite's own `DROP COLUMN` refuses a column an index, a key or a
    /// view uses: a rebuild does not.
    fn drop_column(&self, _table: &Table, _column: &str) -> AlterSql {
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

    /// SQLite's `ALTER TABLE` cannot add or drop a constraint: the table is
    /// rebuilt with its checks as the plan leaves them.
    fn add_check(&self, _table: &Table, _check: &Check) -> AlterSql {
        AlterSql::Rebuild
    }

    fn drop_check(&self, _table: &Table, _check: &Check) -> AlterSql {
        AlterSql::Rebuild
    }
}

/// Gives each table the views and triggers that name it, directly or
/// through a view that does (a view over a view over the table breaks as
/// surely), keeping their order. Naming is decided on the identifiers of
/// their SQL, which may over-approximate (a column called like the table):
/// re-creating a view or trigger that did not need it changes nothing.
fn attach_dependents(tables: &mut BTreeMap<String, Table>, objects: Vec<Dependent>) {
    if objects.is_empty() {
        return;
    }
    let named: Vec<BTreeSet<String>> = objects.iter().map(|o| identifiers(&o.sql)).collect();
    for table in tables.values_mut() {
        let mut names = BTreeSet::from([table.name.to_ascii_lowercase()]);
        let mut taken = vec![false; objects.len()];
        loop {
            let mut grew = false;
            for (i, object) in objects.iter().enumerate() {
                if !taken[i] && !named[i].is_disjoint(&names) {
                    taken[i] = true;
                    grew = true;
                    if object.kind == DependentKind::View {
                        names.insert(object.name.to_ascii_lowercase());
                    }
                }
            }
            if !grew {
                break;
            }
        }
        table.dependents = objects
            .iter()
            .zip(&taken)
            .filter(|(_, taken)| **taken)
            .map(|(object, _)| object.clone())
            .collect();
    }
}

/// The identifiers of an SQL statement, lower-cased as SQLite compares
/// them: bare words (keywords too) and `"..."`, `` `...` `` and `[...]`
/// quoted names; string literals and comments are skipped.
fn identifiers(sql: &str) -> BTreeSet<String> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = BTreeSet::new();
    let mut i = 0;
    // The text up to the closing `close` from `i` (a doubled `close`
    // stands for itself), and the position after it.
    let quoted = |mut i: usize, close: char| {
        let mut text = String::new();
        while i < chars.len() {
            if chars[i] == close {
                if close != ']' && chars.get(i + 1) == Some(&close) {
                    text.push(close);
                    i += 2;
                    continue;
                }
                return (text, i + 1);
            }
            text.push(chars[i]);
            i += 1;
        }
        (text, i)
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\'' => i = quoted(i + 1, '\'').1,
            '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                let (name, end) = quoted(i + 1, close);
                out.insert(name.to_ascii_lowercase());
                i = end;
            }
            '-' if next == Some('-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if next == Some('*') => {
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    i += 1;
                }
                i += 2;
            }
            c if c.is_alphanumeric() || c == '_' || c == '$' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '$'))
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                out.insert(word.to_ascii_lowercase());
            }
            _ => i += 1,
        }
    }
    out
}

/// The named CHECK constraints of a `CREATE TABLE` statement as SQLite
/// keeps it (`CONSTRAINT name CHECK (expr)`, at the table's or a
/// column's level), with their expressions as written. SQLite has no
/// catalog of constraints, so the statement is the source; an unnamed
/// `CHECK (...)` has nothing to compare it by and is left out (as it was
/// before m modelled checks: a rebuild of the table does not keep it).
fn named_checks(sql: &str) -> Vec<Check> {
    let chars: Vec<char> = sql.chars().collect();
    // Tokens: (text, start, end); quoted names unquoted.
    let mut tokens: Vec<(String, usize, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        match c {
            '\'' | '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                let mut text = String::new();
                i += 1;
                while i < chars.len() {
                    if chars[i] == close {
                        if close != ']' && chars.get(i + 1) == Some(&close) {
                            text.push(close);
                            i += 2;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    text.push(chars[i]);
                    i += 1;
                }
                // A string literal is never a name: mark it so.
                let text = if c == '\'' { format!("'{text}") } else { text };
                tokens.push((text, start, i));
            }
            '-' if chars.get(i + 1) == Some(&'-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    i += 1;
                }
                i += 2;
            }
            c if c.is_alphanumeric() || c == '_' || c == '$' => {
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '$'))
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                tokens.push((word, start, i));
            }
            c if c.is_whitespace() => i += 1,
            c => {
                i += 1;
                tokens.push((c.to_string(), start, i));
            }
        }
    }
    let mut checks = Vec::new();
    for (t, window) in tokens.windows(4).enumerate() {
        let [constraint, name, check, open] = window else {
            continue;
        };
        if !constraint.0.eq_ignore_ascii_case("constraint")
            || !check.0.eq_ignore_ascii_case("check")
            || open.0 != "("
            || name.0.starts_with('\'')
        {
            continue;
        }
        // The balanced parentheses after CHECK.
        let mut depth = 0usize;
        for (text, _, end) in &tokens[t + 3..] {
            match text.as_str() {
                "(" => depth += 1,
                ")" => {
                    depth -= 1;
                    if depth == 0 {
                        let expr: String = chars[open.2..end - 1].iter().collect();
                        checks.push(Check {
                            name: name.0.clone(),
                            expr: expr.trim().to_owned(),
                        });
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    checks
}

/// Whether SQLite made this index for a `UNIQUE` constraint.
fn is_constraint_index(name: &str) -> bool {
    name.starts_with("sqlite_autoindex_")
}

/// Every user table, with its column, index and foreign key rows, in three
/// queries joined over `sqlite_schema` (table-valued pragma functions), never
/// one per table. The first also reads every view and trigger with its SQL
/// (views first, then triggers, each in creation order), which a rebuild
/// re-creates (see [`Table::dependents`]), and each table's `CREATE TABLE`
/// on its first column's row, whose named CHECK constraints it parses.
const COLUMNS: &str = r#"SELECT m.type, m.name, CASE WHEN m.type = 'table' AND p.cid > 0 THEN NULL ELSE m.sql END,
  p.name, p.type, p."notnull", p.dflt_value, p.pk
FROM sqlite_schema AS m LEFT JOIN pragma_table_info(m.name) AS p ON m.type = 'table'
WHERE m.type IN ('view', 'trigger')
  OR (m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\')
ORDER BY m.type = 'table', m.type = 'trigger', m.rowid, p.cid"#;

/// Partial indexes and indexes on expressions are left out: m cannot
/// model them, so it neither compares nor drops them.
const INDEXES: &str = r#"SELECT m.name, il.name, il."unique", ii.name
FROM sqlite_schema AS m
JOIN pragma_index_list(m.name) AS il
JOIN pragma_index_info(il.name) AS ii
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND il.origin IN ('c', 'u')
  AND il.partial = 0
  AND NOT EXISTS (SELECT 1 FROM pragma_index_xinfo(il.name) AS x WHERE x.cid = -2)
ORDER BY m.name, il.name, ii.seqno"#;

/// SQLite takes `DEFAULT "new"` as the string `'new'` (a double-quoted
/// word that names no column is a string there) and reports it as written:
/// the default in its single-quoted spelling.
fn double_quoted_string(default: &str) -> std::borrow::Cow<'_, str> {
    match default.strip_prefix('"').and_then(|d| d.strip_suffix('"')) {
        Some(inner) if !inner.contains('"') => format!("'{}'", inner.replace('\'', "''")).into(),
        _ => default.into(),
    }
}

const FOREIGN_KEYS: &str = r#"SELECT m.name, fk.id, fk."table", fk."from", fk."to", fk.on_delete
FROM sqlite_schema AS m JOIN pragma_foreign_key_list(m.name) AS fk
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
ORDER BY m.name, fk.id, fk.seq"#;

impl Introspector for Sqlite {
    fn introspect<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<Schema>> {
        Box::pin(async move {
            let mut tables: BTreeMap<String, Table> = BTreeMap::new();
            let mut keys: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
            let mut objects: Vec<Dependent> = Vec::new();
            for row in db.fetch_all(COLUMNS).await? {
                let kind: String = get(&row, 0)?;
                let table: String = get(&row, 1)?;
                if kind != "table" {
                    let kind = match kind.as_str() {
                        "view" => DependentKind::View,
                        _ => DependentKind::Trigger,
                    };
                    let sql: Option<String> = get(&row, 2)?;
                    objects.extend(sql.map(|sql| Dependent {
                        kind,
                        name: table,
                        sql,
                    }));
                    continue;
                }
                if is_internal_table(&table) {
                    continue;
                }
                let create: Option<String> = get(&row, 2)?;
                let name: String = get(&row, 3)?;
                let declared: String = get(&row, 4)?;
                let not_null: i64 = get(&row, 5)?;
                let default: Option<String> = get(&row, 6)?;
                let pk: i64 = get(&row, 7)?;
                let ty = parse_type(&declared);
                let mut column = Column::new(name.clone(), ty);
                // A primary key column is NOT NULL whatever SQLite's legacy rules say.
                column.nullable = not_null == 0 && pk == 0;
                column.default = default
                    .filter(|d| !d.eq_ignore_ascii_case("null"))
                    .map(|d| {
                        parse_default(&double_quoted_string(&d), &column.ty, Escapes::Standard)
                    });
                if pk > 0 {
                    keys.entry(table.clone()).or_default().push((pk, name));
                }
                let t = tables
                    .entry(table.clone())
                    .or_insert_with(|| Table::new(table));
                t.columns.push(column);
                if let Some(create) = create {
                    t.checks = named_checks(&create);
                }
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
            attach_dependents(&mut tables, objects);
            Ok(Schema {
                tables,
                ..Schema::default()
            })
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
        ("decimal" | "numeric", [p]) => LogicalType::Decimal {
            precision: (*p).min(255) as u8,
            scale: 0,
        },
        ("uuid", _) => LogicalType::Uuid,
        ("json", _) => LogicalType::Json,
        _ => LogicalType::Custom {
            sql: declared.to_owned().into(),
        },
    }
}

/// What the holder of the lock file wrote into it (see `acquire`).
fn holder_of(lock_path: &std::ffi::OsStr) -> Option<String> {
    std::fs::read_to_string(lock_path)
        .ok()
        .filter(|text| !text.trim().is_empty())
}

/// The top byte of `PRAGMA application_id` while m keeps its boot stamp
/// in the header: `m`.
const STAMP_TAG: u32 = 0x6D;

/// The boot stamp lives in the file header, which SQLite reads without
/// parsing the schema: the low 24 bits of `application_id` (whose top byte
/// says the header is m's) and the 32 bits of `user_version` (zero: no
/// stamp). A header another program set first (either field non-zero
/// without m's tag) is left alone.
impl StampSlot for Sqlite {
    fn read<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<Option<SlotState>>> {
        Box::pin(async move {
            let rows = db
                .fetch_all("PRAGMA application_id; PRAGMA user_version; PRAGMA schema_version")
                .await?;
            let values = rows
                .iter()
                .map(|row| sqlx::Row::try_get::<i64, _>(row, 0))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| Error::database("reading the file header", e))?;
            let [application_id, user_version, schema_version] = values[..] else {
                return Err(Error::Introspect(format!(
                    "reading the file header: 3 values expected, {} read",
                    values.len()
                )));
            };
            // The pragmas report the header's signed 32-bit integers.
            let (application_id, user_version) = (application_id as u32, user_version as u32);
            let stamp = match (application_id >> 24, application_id, user_version) {
                (_, 0, 0) => None,
                (STAMP_TAG, _, low) => {
                    Stamp::from_bits(u64::from(application_id & 0xFF_FFFF) << 32 | u64::from(low))
                }
                _ => return Ok(None),
            };
            Ok(Some(SlotState {
                stamp,
                schema_version,
            }))
        })
    }

    fn write<'a>(&'a self, db: &'a Db, stamp: Option<Stamp>) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let Some(stamp) = stamp else {
                db.execute("PRAGMA user_version = 0").await?;
                return Ok(());
            };
            let bits = stamp.bits();
            let high = (STAMP_TAG << 24 | (bits >> 32) as u32 & 0xFF_FFFF) as i32;
            let low = bits as u32 as i32;
            db.transaction(TxKind::Data, async |db| {
                db.execute(&format!(
                    "PRAGMA application_id = {high}; PRAGMA user_version = {low}"
                ))
                .await
            })
            .await?;
            Ok(())
        })
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
                    Ok(()) => {
                        // Say who holds it, for a waiting process to read.
                        use std::io::Write;
                        let mut file = file;
                        let me = format!(
                            "process {} ({})",
                            std::process::id(),
                            std::env::args().next().unwrap_or_default()
                        );
                        file.set_len(0)
                            .and_then(|()| file.write_all(me.as_bytes()))
                            .and_then(|()| file.flush())?;
                        return Ok(LockGuard::new(file));
                    }
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
                            holder: holder_of(&lock_path).map(|h| format!("it is held by {h}")),
                        });
                    }
                    Err(std::fs::TryLockError::Error(e)) => return Err(e.into()),
                }
            }
        })
    }

    fn holder<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<Option<String>>> {
        let holder = database_path(db.url()).and_then(|path| {
            let mut lock_path = path.into_os_string();
            lock_path.push(".m-lock");
            holder_of(&lock_path)
        });
        Box::pin(async move { Ok(holder) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_skip_literals_and_comments() {
        let sql = "CREATE TRIGGER \"Log \"\"it\"\"\" AFTER INSERT ON [Item] -- on item_x\n\
                   BEGIN /* \"hidden\" */ INSERT INTO `audit` (msg) VALUES ('from gone, \"ghost'''); END";
        let found: Vec<String> = identifiers(sql).into_iter().collect();
        assert_eq!(
            found,
            [
                "after",
                "audit",
                "begin",
                "create",
                "end",
                "insert",
                "into",
                "item",
                "log \"it\"",
                "msg",
                "on",
                "trigger",
                "values"
            ]
        );
    }

    fn object(kind: DependentKind, name: &str, sql: &str) -> Dependent {
        Dependent {
            kind,
            name: name.into(),
            sql: sql.into(),
        }
    }

    #[test]
    fn dependents_follow_views_over_views() {
        use DependentKind::{Trigger, View};
        let mut tables: BTreeMap<String, Table> = ["Item", "other", "log"]
            .into_iter()
            .map(|t| (t.to_owned(), Table::new(t)))
            .collect();
        let objects = vec![
            object(
                View,
                "names",
                "CREATE VIEW names AS SELECT name FROM main.item",
            ),
            object(
                View,
                "upper",
                "CREATE VIEW \"upper\" AS SELECT upper(name) FROM names",
            ),
            object(
                View,
                "unrelated",
                "CREATE VIEW unrelated AS SELECT 'item' FROM other",
            ),
            object(
                Trigger,
                "on_log",
                "CREATE TRIGGER on_log AFTER INSERT ON log BEGIN SELECT * FROM \"UPPER\"; END",
            ),
            object(
                Trigger,
                "on_item",
                "CREATE TRIGGER on_item AFTER INSERT ON item BEGIN INSERT INTO log VALUES (1); END",
            ),
        ];
        attach_dependents(&mut tables, objects);
        let names = |t: &str| -> Vec<String> {
            tables[t]
                .dependents
                .iter()
                .map(|d| d.name.clone())
                .collect()
        };
        assert_eq!(names("Item"), ["names", "upper", "on_log", "on_item"]);
        assert_eq!(names("other"), ["unrelated"]);
        assert_eq!(names("log"), ["on_log", "on_item"]);
    }

    #[test]
    fn reads_named_checks_from_the_create_statement() {
        let sql = r#"CREATE TABLE "t" (
  "price" REAL CONSTRAINT "col_ck" CHECK (price > 0),
  "name" TEXT CHECK (name <> ''), -- CONSTRAINT "fake" CHECK (1)
  CONSTRAINT "ck_name" CHECK (name NOT IN ('a)', 'it''s') AND (length(name) < 10)),
  constraint [odd name] check(1 = 1)
)"#;
        let checks = named_checks(sql);
        let pairs: Vec<(&str, &str)> = checks
            .iter()
            .map(|c| (c.name.as_str(), c.expr.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("col_ck", "price > 0"),
                (
                    "ck_name",
                    "name NOT IN ('a)', 'it''s') AND (length(name) < 10)"
                ),
                ("odd name", "1 = 1"),
            ]
        );
    }

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
