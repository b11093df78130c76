//! MySQL and MariaDB.
//!
//! MySQL commits every DDL statement on its own, so a sync cannot be one
//! transaction: the executor runs statements one by one and records each
//! in `_m_sync_journal`; every step is idempotent by diff (a re-run
//! re-plans from the live schema), and a table is created with its indexes
//! in one statement. Introspection reads `information_schema` for
//! `DATABASE()` in four queries whatever the number of tables. The run lock
//! is `GET_LOCK` on the work connection, except on a MariaDB Galera cluster
//! (and TiDB before 6.1), where it is a [`Lease`](super::Lease): see
//! [`Backend::lock_strategy`].
//!
//! Type mapping: bool `TINYINT(1)` (what `BOOLEAN` means), i16 `SMALLINT`,
//! i32 `INT`, i64 `BIGINT`, f32 `FLOAT`, f64 `DOUBLE`, string `VARCHAR(n)` /
//! `LONGTEXT`, bytes `LONGBLOB`, date `DATE`, time `TIME(6)`, datetime
//! `DATETIME(6)`, timestamp (`DateTime<Utc>`) `DATETIME(6)` too, holding UTC:
//! `TIMESTAMP` rejects dates after 2038-01-19 and converts through the
//! session's time zone (sqlx's sessions use `+00:00`, so `CURRENT_TIMESTAMP`
//! defaults are UTC there); a `TIMESTAMP(6)` column an earlier m created
//! still reads as a timestamp and is left as it is (convert it with a
//! migration under `SET time_zone = '+00:00'` to lift the 2038 limit),
//! decimal `DECIMAL(p,s)`, uuid `CHAR(36)`, json `JSON`
//! (MariaDB stores that as `LONGTEXT` with a `json_valid` check, which
//! introspection reads back as json).
//!
//! Decisions and limits:
//! - `CHAR(36)` reads back as uuid: m never creates a `CHAR` column for a
//!   string (strings are `VARCHAR`), so only a hand-made `CHAR(36)` string
//!   column is misread. `TEXT`/`MEDIUMTEXT` and `BLOB`/`MEDIUMBLOB` read back
//!   as unbounded text and bytes (m does not widen them), `DATETIME` without
//!   fractional seconds as datetime.
//! - Unbounded text and bytes, and strings longer than 768 characters
//!   (InnoDB keys hold 3072 bytes, 4 per utf8mb4 character), cannot be
//!   indexed whole: a plain index on them indexes the first 255 characters
//!   (a prefix index), while a unique index or primary key on them would
//!   only enforce uniqueness of that prefix, so the planner blocks it and
//!   asks for a `max_length` of at most 768.
//! - MySQL creates an index named after a foreign key when no index covers
//!   its columns; introspection leaves that index out, and dropping the key
//!   drops it. Dropping the only index a foreign key can use gives the key
//!   an index of its own (named after it) in the same statement.
//! - `MODIFY COLUMN` restates the whole column (type, nullability and
//!   default, from the target column); attributes m does not model
//!   (`AUTO_INCREMENT`, `ON UPDATE`, `COMMENT`, a charset) are not kept.
//! - Column names compare case-insensitively, as MySQL does. Table names
//!   compare exactly, as on Linux servers (`lower_case_table_names = 0`);
//!   on a server that folds them, declare them in lower case.
//! - Written for MySQL 8 and MariaDB 10.5+ (`RENAME COLUMN`), tested on
//!   MariaDB 10.11. A string default on a `LONGTEXT` column needs MariaDB
//!   (MySQL 8 takes only expression defaults there).

use std::collections::BTreeMap;
use std::time::Duration;

use super::normalize::{
    Escapes, add_foreign_key_column, add_index_column, get, parse_default, split_type,
};
use super::{AlterSql, Backend, Dialect, Introspector, LockGuard, LockStrategy, Locker};
use crate::diff::Change;
use crate::schema::{
    Check, Column, DefaultValue, ForeignKey, Index, LogicalType, ReferentialAction, Schema, Table,
    is_internal_table,
};
use crate::{BoxFuture, Db, Error, Result};

/// The names of the index MySQL makes for foreign key `fk` of `table` when
/// no index covers its columns: the key's name, or for a key declared
/// without one (MySQL names those `<table>_ibfk_<n>`) its first column's.
fn fk_index_names(table: &str, fk: &ForeignKey) -> Vec<String> {
    let mut names = vec![fk.name.clone()];
    if fk.name.starts_with(&format!("{table}_ibfk_"))
        && let Some(first) = fk.columns.first()
    {
        names.push(first.clone());
    }
    names
}

/// The MySQL / MariaDB backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct MySql;

/// How many leading characters an index on unbounded text covers.
pub const PREFIX_LENGTH: u32 = 255;

impl Backend for MySql {
    fn name(&self) -> &'static str {
        "mysql"
    }
    fn handles(&self, url: &str) -> bool {
        url.starts_with("mysql://") || url.starts_with("mariadb://")
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
    fn driver_url(&self, url: &str) -> String {
        match url.strip_prefix("mariadb://") {
            Some(rest) => format!("mysql://{rest}"),
            None => url.to_owned(),
        }
    }
    /// Takes `NO_BACKSLASH_ESCAPES` out of the session's `sql_mode`, so a
    /// backslash in a string literal is an escape whatever the server's
    /// global mode: [`Dialect::quote_str`] doubles backslashes, and reading
    /// defaults back from `information_schema` undoes backslash escapes.
    /// Every other flag of the server's mode is kept (strictness,
    /// `ONLY_FULL_GROUP_BY`, ... are the administrator's choice, and m's
    /// SQL depends on none of them); a fixed mode would override them.
    fn session_setup(&self) -> &'static [&'static str] {
        &[SQL_MODE_SETUP]
    }
    /// A lease on a MariaDB Galera node (`wsrep_on` is `ON`: `GET_LOCK` is
    /// local to the node) and on TiDB before 6.1 (whose `GET_LOCK` does
    /// nothing); `GET_LOCK` elsewhere, TiDB 6.1 and later included (its
    /// `GET_LOCK` holds across the cluster). One query.
    fn lock_strategy<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<LockStrategy>> {
        Box::pin(async move {
            let rows = db
                .fetch_all("SHOW VARIABLES WHERE Variable_name IN ('version', 'wsrep_on')")
                .await?;
            let (mut version, mut wsrep_on) = (String::new(), None);
            for row in rows {
                let name: String = get(&row, 0)?;
                let value: String = get(&row, 1)?;
                if name.eq_ignore_ascii_case("wsrep_on") {
                    wsrep_on = Some(value);
                } else {
                    version = value;
                }
            }
            Ok(lock_strategy_for(&version, wsrep_on.as_deref()))
        })
    }
}

/// [`MySql::lock_strategy`]'s choice, from the server's `version` and
/// `wsrep_on` (absent outside MariaDB).
fn lock_strategy_for(version: &str, wsrep_on: Option<&str>) -> LockStrategy {
    if wsrep_on.is_some_and(|on| on.eq_ignore_ascii_case("on")) {
        return LockStrategy::Lease;
    }
    // `8.0.11-TiDB-v7.5.0`
    if let Some((_, tidb)) = version.split_once("-TiDB-v") {
        let mut parts = tidb.split(|c: char| !c.is_ascii_digit());
        let major: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        let minor: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        if (major, minor) < (6, 1) {
            return LockStrategy::Lease;
        }
    }
    LockStrategy::Native
}

/// The session's `sql_mode` without `NO_BACKSLASH_ESCAPES` (commas around
/// the list so that the flag is matched whole wherever it stands).
const SQL_MODE_SETUP: &str = "SET SESSION sql_mode = TRIM(BOTH ',' FROM REPLACE(CONCAT(',', @@SESSION.sql_mode, ','), ',NO_BACKSLASH_ESCAPES,', ','))";

/// The longest `VARCHAR` InnoDB indexes whole: 3072 bytes of 4-byte utf8mb4.
pub const MAX_INDEXED_VARCHAR: u32 = 3072 / 4;

/// The most bytes an InnoDB key holds.
pub const MAX_KEY_BYTES: u32 = 3072;

/// The values of an enumeration, declared (`LogicalType::Enum`) or as the
/// `ENUM(...)` column type it is stored as.
fn enum_values(ty: &LogicalType) -> Option<Vec<String>> {
    match ty {
        LogicalType::Enum { values, .. } => Some(values.to_vec()),
        other => other.enum_values(),
    }
}

/// Whether a column of this type can only be indexed by a prefix.
fn needs_prefix(ty: &LogicalType) -> bool {
    match ty {
        LogicalType::String {
            max_length: Some(n),
        } => *n > MAX_INDEXED_VARCHAR,
        LogicalType::String { max_length: None } | LogicalType::Bytes | LogicalType::Json => true,
        _ => false,
    }
}

/// The characters of a string column's values (`None`: not a string, or unbounded).
fn string_length(ty: &LogicalType) -> Option<u32> {
    match ty {
        LogicalType::String { max_length } => *max_length,
        _ => None,
    }
}

/// The key bytes of one indexed column: 4 per character of a string (a
/// column indexed by a prefix counts its prefix), a generous bound for
/// the fixed-size types.
fn key_bytes(ty: &LogicalType, prefix: Option<u32>) -> u32 {
    match (ty, prefix) {
        (_, Some(chars)) => chars * 4,
        (
            LogicalType::String {
                max_length: Some(n),
            },
            None,
        ) => n * 4,
        (LogicalType::Uuid, None) => 36 * 4,
        (LogicalType::Decimal { precision, .. }, None) => u32::from(*precision) / 2 + 2,
        _ => 8,
    }
}

/// The prefix length (in characters) each column of an index is indexed
/// by, if any: a column that cannot be indexed whole takes
/// [`PREFIX_LENGTH`] characters, and when the key would still exceed
/// [`MAX_KEY_BYTES`], every string column takes an equal share of what the
/// other columns leave. A column `table` lacks takes no prefix.
fn key_prefixes(table: &Table, columns: &[String]) -> Vec<Option<u32>> {
    let types: Vec<Option<&LogicalType>> = columns
        .iter()
        .map(|c| table.get_column(c).map(|c| &c.ty))
        .collect();
    let mut prefixes: Vec<Option<u32>> = types
        .iter()
        .map(|ty| ty.filter(|ty| needs_prefix(ty)).map(|_| PREFIX_LENGTH))
        .collect();
    let total: u32 = types
        .iter()
        .zip(&prefixes)
        .map(|(ty, prefix)| ty.map_or(0, |ty| key_bytes(ty, *prefix)))
        .sum();
    if total <= MAX_KEY_BYTES {
        return prefixes;
    }
    let is_text = |ty: &LogicalType| needs_prefix(ty) || string_length(ty).is_some();
    let fixed: u32 = types
        .iter()
        .flatten()
        .filter(|ty| !is_text(ty))
        .map(|ty| key_bytes(ty, None))
        .sum();
    let texts = types.iter().flatten().filter(|ty| is_text(ty)).count() as u32;
    let share = MAX_KEY_BYTES.saturating_sub(fixed) / 4 / texts.max(1);
    for (ty, prefix) in types.iter().zip(&mut prefixes) {
        if let Some(ty) = ty.filter(|ty| is_text(ty))
            && string_length(ty).is_none_or(|n| n > share)
        {
            *prefix = Some(share.max(1));
        }
    }
    prefixes
}

impl Dialect for MySql {
    fn quote_ident(&self, ident: &str) -> String {
        format!("`{}`", ident.replace('`', "``"))
    }

    fn column_type(&self, _table: &Table, column: &Column) -> String {
        match &column.ty {
            LogicalType::Bool => "TINYINT(1)".into(),
            LogicalType::I16 => "SMALLINT".into(),
            LogicalType::I32 => "INT".into(),
            LogicalType::I64 => "BIGINT".into(),
            LogicalType::F32 => "FLOAT".into(),
            LogicalType::F64 => "DOUBLE".into(),
            LogicalType::String {
                max_length: Some(n),
            } => format!("VARCHAR({n})"),
            LogicalType::String { max_length: None } => "LONGTEXT".into(),
            LogicalType::Bytes => "LONGBLOB".into(),
            LogicalType::Date => "DATE".into(),
            LogicalType::Time => "TIME(6)".into(),
            LogicalType::DateTime => "DATETIME(6)".into(),
            // Not TIMESTAMP(6): its range ends in 2038 (see the module doc).
            LogicalType::Timestamp => "DATETIME(6)".into(),
            LogicalType::Decimal { precision, scale } => format!("DECIMAL({precision},{scale})"),
            LogicalType::Uuid => "CHAR(36)".into(),
            LogicalType::Json => "JSON".into(),
            LogicalType::Enum { values, .. } => format!(
                "ENUM({})",
                values
                    .iter()
                    .map(|v| format!("'{}'", v.replace('\'', "''")))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            LogicalType::Custom { sql } => sql.to_string(),
        }
    }

    fn normalize_type(&self, sql: &str) -> LogicalType {
        parse_type(sql)
    }

    /// A native `ENUM(...)` column: values are stored as small integers,
    /// and appending one at the end is instant (inserting one in the
    /// middle, or reordering, copies the table).
    fn enum_storage(&self) -> super::EnumStorage {
        super::EnumStorage::NativeColumn
    }

    /// A timestamp is stored as `DATETIME(6)`, so a live `DATETIME` column
    /// is what a declared timestamp creates.
    fn stores_alike(&self, live: &LogicalType, declared: &LogicalType) -> bool {
        matches!(
            (live, declared),
            (LogicalType::DateTime, LogicalType::Timestamp)
        )
    }

    fn transactional_ddl(&self) -> bool {
        false
    }

    /// Measured on MariaDB 10.11 (the cheapest `ALGORITHM=` and `LOCK=`
    /// the server accepts for the statement; a rebuild is a new InnoDB
    /// table id). MySQL 8 differs in places: a foreign key is dropped
    /// `INPLACE` there, and a varchar that crosses 255 bytes is copied.
    fn impact(&self, change: &Change) -> crate::plan::Impact {
        use crate::plan::Impact;
        let instant = Impact {
            lock: Some("NONE"),
            algorithm: Some("INSTANT"),
            ..Impact::default()
        };
        let inplace = Impact {
            algorithm: Some("INPLACE"),
            ..instant
        };
        let rebuild = Impact {
            rewrites_table: true,
            scans_table: true,
            ..inplace
        };
        let copy = Impact {
            rewrites_table: true,
            scans_table: true,
            lock: Some("SHARED"),
            algorithm: Some("COPY"),
            advice: Some(
                "writes wait while the table is copied: on a large table, expand and contract (docs/zero-downtime.md) or use an online schema change tool",
            ),
        };
        match change {
            Change::CreateTable { .. }
            | Change::OrphanColumn { .. }
            | Change::OrphanTable { .. } => Impact::default(),
            Change::AlterColumnType {
                from:
                    LogicalType::String {
                        max_length: Some(a),
                    },
                to: LogicalType::String {
                    max_length: Some(b),
                },
                ..
            } if b >= a => instant,
            // Values appended to an ENUM (MariaDB: instant; inserted
            // elsewhere in the list, the table is copied).
            Change::AlterColumnType { from, to, .. }
                if from
                    .enum_values()
                    .zip(to.enum_values())
                    .is_some_and(|(old, new)| new.starts_with(&old)) =>
            {
                instant
            }
            Change::AlterColumnType { .. }
            | Change::AddForeignKey { .. }
            | Change::AddCheck { .. } => copy,
            Change::SetNotNull { .. }
            | Change::DropNotNull { .. }
            | Change::AlterPrimaryKey { .. } => rebuild,
            Change::AddIndex { .. } => Impact {
                scans_table: true,
                ..inplace
            },
            Change::DropIndex { .. } => inplace,
            Change::AddColumn { .. }
            | Change::AlterDefault { .. }
            | Change::RenameColumn { .. }
            | Change::RenameTable { .. }
            | Change::DropForeignKey { .. }
            | Change::DropCheck { .. } => instant,
        }
    }

    fn risk_note(&self, change: &Change) -> Option<&'static str> {
        match change {
            // Reported, never run by sync.
            Change::OrphanColumn { .. }
            | Change::OrphanTable { .. }
            | Change::RenameColumn { .. }
            | Change::RenameTable { .. } => None,
            _ => Some(
                "MySQL commits DDL at once: it cannot be rolled back; a failed sync is finished by re-running it",
            ),
        }
    }

    fn case_insensitive_columns(&self) -> bool {
        true
    }

    /// A unique index or primary key must hold its columns whole: not over
    /// a column only a prefix can index, nor over more than
    /// [`MAX_KEY_BYTES`] in all.
    fn unsupported(&self, table: &Table) -> Vec<(String, String)> {
        let unique_sets = table
            .indexes
            .iter()
            .filter(|i| i.unique)
            .map(|i| (format!("unique index `{}`", i.name), &i.columns))
            .chain(std::iter::once((
                "the primary key".to_owned(),
                &table.primary_key,
            )));
        let mut problems = Vec::new();
        for (what, columns) in unique_sets {
            let mut whole = true;
            for name in columns {
                if let Some(column) = table.get_column(name).filter(|c| needs_prefix(&c.ty)) {
                    whole = false;
                    problems.push((
                        name.clone(),
                        format!(
                            "MySQL cannot enforce {what} over `{}.{name}`, a column of type {} (InnoDB indexes at most {MAX_INDEXED_VARCHAR} characters): declare a `max_length` of at most {MAX_INDEXED_VARCHAR} for it, or drop it from the key",
                            table.name, column.ty
                        ),
                    ));
                }
            }
            let bytes: u32 = columns
                .iter()
                .filter_map(|c| table.get_column(c))
                .map(|c| key_bytes(&c.ty, None))
                .sum();
            if whole && bytes > MAX_KEY_BYTES {
                for name in columns.iter().filter(|c| {
                    table
                        .get_column(c)
                        .is_some_and(|c| string_length(&c.ty).is_some())
                }) {
                    problems.push((
                        name.clone(),
                        format!(
                            "MySQL cannot enforce {what} over ({}) of `{}`: its key would take {bytes} bytes (4 per character of a string), and InnoDB keys hold at most {MAX_KEY_BYTES}: declare shorter `max_length`s, or drop columns from the key",
                            columns.join(", "),
                            table.name
                        ),
                    ));
                }
            }
        }
        problems
    }

    /// InnoDB joins integers of the same type only, strings of any
    /// `VARCHAR` length, decimals of any precision; never unbounded text
    /// or bytes.
    fn foreign_key_types_compatible(&self, column: &LogicalType, referenced: &LogicalType) -> bool {
        use LogicalType as T;
        match (column, referenced) {
            (c, r) if needs_prefix(c) || needs_prefix(r) => false,
            // InnoDB joins an ENUM only to an ENUM of the same values.
            (c, r) if enum_values(c).is_some() || enum_values(r).is_some() => {
                enum_values(c) == enum_values(r)
            }
            (T::Custom { .. }, _) | (_, T::Custom { .. }) => true,
            (T::String { .. }, T::String { .. }) | (T::Decimal { .. }, T::Decimal { .. }) => true,
            (c, r) => c == r,
        }
    }

    /// Besides the types: `ON DELETE SET NULL` over a NOT NULL column, and
    /// `ON DELETE SET DEFAULT`, which InnoDB accepts and enforces as
    /// `RESTRICT`.
    fn foreign_key_problem(
        &self,
        table: &Table,
        fk: &ForeignKey,
        target: &Table,
    ) -> Option<String> {
        if fk.on_delete == ReferentialAction::SetDefault {
            return Some(format!(
                "MySQL does not enforce ON DELETE SET DEFAULT (InnoDB takes it as RESTRICT), so foreign key `{}` of `{}` would never match its declaration: declare another `on_delete`",
                fk.name, table.name
            ));
        }
        let not_null = fk
            .columns
            .iter()
            .find(|c| table.get_column(c).is_some_and(|c| !c.nullable));
        match not_null {
            Some(column) if fk.on_delete == ReferentialAction::SetNull => Some(format!(
                "MySQL refuses foreign key `{}` with ON DELETE SET NULL over `{}.{column}`, which is NOT NULL: declare the column nullable, or another `on_delete`",
                fk.name, table.name
            )),
            _ => super::dialect::foreign_key_type_problem(self, table, fk, target),
        }
    }

    /// MySQL refuses to change the type of a column in a foreign key.
    fn type_change_keeps_foreign_keys(&self) -> bool {
        false
    }

    /// Views share the namespace of tables.
    fn relations_named_sql(&self, names: &[String]) -> Option<String> {
        let list = names
            .iter()
            .map(|n| self.quote_str(n))
            .collect::<Vec<_>>()
            .join(", ");
        Some(format!(
            "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ({list})"
        ))
    }

    /// InnoDB enforces `NO ACTION` as `RESTRICT`, and MariaDB reports a key
    /// declared without `ON DELETE` as `RESTRICT`: the two are one action.
    fn actions_alike(&self, live: ReferentialAction, declared: ReferentialAction) -> bool {
        use ReferentialAction::{NoAction, Restrict};
        live == declared || matches!((live, declared), (NoAction | Restrict, NoAction | Restrict))
    }

    /// MariaDB spells `lower()` and `upper()` as `lcase()` and `ucase()`
    /// in the catalog (measured): both sides in the catalog's words.
    fn catalog_sql<'a>(&self, sql: &'a str) -> std::borrow::Cow<'a, str> {
        super::normalize::rename_functions(sql, &[("lower", "lcase"), ("upper", "ucase")])
    }

    /// `information_schema` is utf8mb3 (MariaDB; MySQL 8's too): a
    /// character outside the Basic Multilingual Plane (an emoji) reads as
    /// one `?` in a `VARCHAR`'s default and as one `?` per byte in a
    /// `TEXT`'s (stored as an expression), though the column's default
    /// holds it (measured on MariaDB 10.11).
    fn catalog_spells(&self, stored: &str, catalog: &str) -> bool {
        if stored == catalog {
            return true;
        }
        let spelled = |question_marks: usize| -> String {
            stored
                .chars()
                .flat_map(|c| {
                    let n = if c.len_utf8() == 4 { question_marks } else { 1 };
                    std::iter::repeat_n(if c.len_utf8() == 4 { '?' } else { c }, n)
                })
                .collect()
        };
        stored.chars().any(|c| c.len_utf8() == 4)
            && (spelled(1) == catalog || spelled(4) == catalog)
    }

    fn cast_to_text(&self, expr: &str) -> String {
        format!("CAST({expr} AS CHAR)")
    }

    fn float32(&self, expr: &str) -> Option<String> {
        Some(format!("CAST({expr} AS FLOAT)"))
    }

    /// Backslashes are escapes in MySQL string literals (the session never
    /// runs with `NO_BACKSLASH_ESCAPES`: see [`Backend::session_setup`]), so
    /// they are doubled too.
    fn quote_str(&self, value: &str) -> String {
        format!("'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
    }

    /// The precision must match the column's (`DATETIME(6)`, `TIMESTAMP(6)`).
    fn current_timestamp(&self, ty: &LogicalType) -> String {
        match ty {
            LogicalType::DateTime | LogicalType::Timestamp => "CURRENT_TIMESTAMP(6)".to_owned(),
            _ => "CURRENT_TIMESTAMP".to_owned(),
        }
    }

    /// `NULL` is spelled out for nullable columns: without it a `TIMESTAMP`
    /// column is NOT NULL on servers with `explicit_defaults_for_timestamp`
    /// off.
    fn explicit_null(&self) -> bool {
        true
    }

    /// A table and its indexes in one statement, so that an interrupted sync
    /// never leaves a table without its indexes.
    fn inline_indexes(&self) -> bool {
        true
    }

    /// Unbounded columns are indexed by their first [`PREFIX_LENGTH`]
    /// characters, and string columns by a shorter prefix where the key
    /// would exceed [`MAX_KEY_BYTES`] (see `key_prefixes`).
    fn index_columns(&self, table: &Table, index: &Index) -> String {
        index
            .columns
            .iter()
            .zip(key_prefixes(table, &index.columns))
            .map(|(name, prefix)| match prefix {
                Some(chars) => format!("{}({chars})", self.quote_ident(name)),
                None => self.quote_ident(name),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// InnoDB builds it in place while writes go on, or refuses (rather
    /// than silently copying the table under a lock).
    fn create_index_online(&self, table: &Table, index: &Index) -> String {
        format!(
            "{} ALGORITHM=INPLACE LOCK=NONE",
            self.create_index(table, index)
        )
    }

    /// A foreign key needs an index that starts with its columns. When the
    /// index to drop is the only one, the same statement gives the key an
    /// index of its own, named after it (as MySQL names the index it makes
    /// for a key, which introspection leaves out).
    fn drop_index(&self, table: &Table, index: &Index) -> AlterSql {
        let covered = |columns: &[String]| {
            table.primary_key.starts_with(columns)
                || table
                    .indexes
                    .iter()
                    .any(|i| i.name != index.name && i.columns.starts_with(columns))
        };
        let mut actions = vec![format!("DROP INDEX {}", self.quote_ident(&index.name))];
        for fk in &table.foreign_keys {
            if index.columns.starts_with(&fk.columns) && !covered(&fk.columns) {
                actions.push(format!(
                    "ADD INDEX {} ({})",
                    self.quote_ident(&fk.name),
                    self.ident_list(&fk.columns)
                ));
            }
        }
        AlterSql::Statements(vec![format!(
            "ALTER TABLE {} {}",
            self.quote_table(&table.name),
            actions.join(", ")
        )])
    }

    /// A plain index over the column that the new type makes too long for
    /// InnoDB (a column only a prefix can index, a key over
    /// [`MAX_KEY_BYTES`]) is re-created with prefixes in the same statement.
    fn alter_column_type(&self, table: &Table, column: &Column) -> AlterSql {
        let rebuilt: Vec<&Index> = table
            .indexes
            .iter()
            .filter(|i| !i.unique && i.columns.contains(&column.name))
            .filter(|i| key_prefixes(table, &i.columns).iter().any(Option::is_some))
            .collect();
        let mut actions: Vec<String> = rebuilt
            .iter()
            .map(|i| format!("DROP INDEX {}", self.quote_ident(&i.name)))
            .collect();
        actions.push(format!(
            "MODIFY COLUMN {}",
            self.column_definition(table, column)
        ));
        actions.extend(rebuilt.iter().map(|i| {
            format!(
                "ADD INDEX {} ({})",
                self.quote_ident(&i.name),
                self.index_columns(table, i)
            )
        }));
        AlterSql::Statements(vec![format!(
            "ALTER TABLE {} {}",
            self.quote_table(&table.name),
            actions.join(", ")
        )])
    }

    /// MySQL has no `USING`: the values are computed into a new column
    /// placed right after the old one, which then takes its place. An
    /// index or key over the column goes with the old column; drop it
    /// before the conversion and add it back after.
    fn convert_column(&self, table: &Table, column: &Column, using: &str) -> AlterSql {
        let name = self.quote_table(&table.name);
        let mut staged = column.clone();
        staged.name = crate::schema::bounded_identifier(&format!("_m_new_{}", column.name));
        staged.nullable = true;
        staged.default = None;
        let temp = self.quote_ident(&staged.name);
        AlterSql::Statements(vec![
            format!(
                "ALTER TABLE {name} ADD COLUMN {} AFTER {}",
                self.column_definition(table, &staged),
                self.quote_ident(&column.name)
            ),
            format!("UPDATE {name} SET {temp} = ({using})"),
            format!(
                "ALTER TABLE {name} DROP COLUMN {}",
                self.quote_ident(&column.name)
            ),
            format!(
                "ALTER TABLE {name} CHANGE COLUMN {temp} {}",
                self.column_definition(table, column)
            ),
        ])
    }

    fn set_not_null(&self, table: &Table, column: &Column) -> AlterSql {
        self.modify_column(table, column)
    }

    fn drop_not_null(&self, table: &Table, column: &Column) -> AlterSql {
        self.modify_column(table, column)
    }

    fn alter_default(&self, table: &Table, column: &Column) -> AlterSql {
        self.modify_column(table, column)
    }

    /// Drops the key, then the index MySQL created for it (named after the
    /// key) if there is one: it is the key's, and no DocType declares it.
    /// Whether it exists is known only to the server (MySQL did not create
    /// it when another index covered the columns), hence the prepared
    /// statement.
    fn drop_foreign_key(&self, table: &str, fk: &ForeignKey) -> AlterSql {
        // The index MySQL made for the key, if it is still there (the
        // first of its possible names that exists).
        let names: Vec<String> = fk_index_names(table, fk)
            .iter()
            .map(|n| self.quote_str(n))
            .collect();
        AlterSql::Statements(vec![
            format!(
                "ALTER TABLE {} DROP FOREIGN KEY {}",
                self.quote_table(table),
                self.quote_ident(&fk.name)
            ),
            format!(
                "SET @m_drop_fk_index = (SELECT IF(COUNT(*) > 0, CONCAT({}, REPLACE(MIN(INDEX_NAME), '`', '``'), '`'), 'DO 0') FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {} AND NON_UNIQUE = 1 AND INDEX_NAME IN ({}))",
                self.quote_str(&format!(
                    "ALTER TABLE {} DROP INDEX `",
                    self.quote_table(table)
                )),
                self.quote_str(table),
                names.join(", ")
            ),
            "PREPARE m_drop_fk_index FROM @m_drop_fk_index".to_owned(),
            "EXECUTE m_drop_fk_index".to_owned(),
            "DEALLOCATE PREPARE m_drop_fk_index".to_owned(),
        ])
    }

    fn alter_primary_key(&self, table: &Table, from: &[String]) -> AlterSql {
        // A table without a key has none to drop.
        let mut actions: Vec<String> = (!from.is_empty())
            .then(|| "DROP PRIMARY KEY".to_owned())
            .into_iter()
            .collect();
        actions.extend(self.primary_key_clause(table).map(|pk| format!("ADD {pk}")));
        AlterSql::Statements(vec![format!(
            "ALTER TABLE {} {}",
            self.quote_table(&table.name),
            actions.join(", ")
        )])
    }
}

impl MySql {
    /// `MODIFY COLUMN` with the column's whole target definition: MySQL
    /// resets whatever the definition leaves out.
    fn modify_column(&self, table: &Table, column: &Column) -> AlterSql {
        AlterSql::Statements(vec![format!(
            "ALTER TABLE {} MODIFY COLUMN {}",
            self.quote_table(&table.name),
            self.column_definition(table, column)
        )])
    }
}

// Every catalog query names `DATABASE()` for each `information_schema`
// table it reads, in its own (sub)query: MariaDB scans an
// `information_schema` table for one database only when its own WHERE
// holds the schema as a constant; a join condition (`t.TABLE_SCHEMA =
// c.TABLE_SCHEMA`) made it scan every database on the server (EXPLAIN:
// "Scanned all databases"), so verify slowed down with tables elsewhere.

/// Every column of every base table (views left out), and the server
/// version (MariaDB or MySQL).
const COLUMNS: &str = r#"SELECT CAST(c.TABLE_NAME AS CHAR), CAST(c.COLUMN_NAME AS CHAR), CAST(c.COLUMN_TYPE AS CHAR),
  CAST(c.IS_NULLABLE AS CHAR), CAST(c.COLUMN_DEFAULT AS CHAR), CAST(c.EXTRA AS CHAR), CAST(VERSION() AS CHAR)
FROM information_schema.COLUMNS c
WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME IN (
  SELECT t.TABLE_NAME FROM information_schema.TABLES t
  WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE')
ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION"#;

const INDEXES: &str = r#"SELECT CAST(TABLE_NAME AS CHAR), CAST(INDEX_NAME AS CHAR), CAST(NON_UNIQUE AS SIGNED),
  CAST(COLUMN_NAME AS CHAR)
FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = DATABASE() AND INDEX_TYPE NOT IN ('FULLTEXT', 'SPATIAL')
ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"#;

/// The referential constraints are read in a derived table that DISTINCT
/// keeps from being merged into the join (merged, MariaDB scanned them for
/// every database).
const FOREIGN_KEYS: &str = r#"SELECT CAST(k.TABLE_NAME AS CHAR), CAST(k.CONSTRAINT_NAME AS CHAR),
  CAST(k.REFERENCED_TABLE_NAME AS CHAR), CAST(k.COLUMN_NAME AS CHAR), CAST(k.REFERENCED_COLUMN_NAME AS CHAR),
  CAST(r.DELETE_RULE AS CHAR)
FROM information_schema.KEY_COLUMN_USAGE k
JOIN (
  SELECT DISTINCT TABLE_NAME, CONSTRAINT_NAME, DELETE_RULE FROM information_schema.REFERENTIAL_CONSTRAINTS
  WHERE CONSTRAINT_SCHEMA = DATABASE()) r
  ON r.TABLE_NAME = k.TABLE_NAME AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL
ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION"#;

/// MariaDB's CHECK constraints. Its `JSON` columns are `LONGTEXT` with a
/// column-level `json_valid` check (that is how introspection tells them
/// apart); other column-level checks (`y INT CHECK (y > 1)`) are left out,
/// and so left alone: MariaDB cannot drop them by name (only by redefining
/// the column), and m declares only table-level ones.
const MARIADB_CHECKS: &str = r#"SELECT CAST(TABLE_NAME AS CHAR), CAST(CHECK_CLAUSE AS CHAR),
  CAST(CONSTRAINT_NAME AS CHAR), CAST(LEVEL AS CHAR)
FROM information_schema.CHECK_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA = DATABASE()"#;

/// MySQL's CHECK constraints (8.0.16 and later), whose `CHECK_CONSTRAINTS`
/// names no table: the table comes from `TABLE_CONSTRAINTS` (check names
/// are unique in a schema there).
const MYSQL_CHECKS: &str = r#"SELECT CAST(tc.TABLE_NAME AS CHAR), CAST(cc.CHECK_CLAUSE AS CHAR),
  CAST(cc.CONSTRAINT_NAME AS CHAR), 'Table'
FROM information_schema.TABLE_CONSTRAINTS tc
JOIN information_schema.CHECK_CONSTRAINTS cc ON cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
WHERE tc.TABLE_SCHEMA = DATABASE() AND tc.CONSTRAINT_TYPE = 'CHECK' AND cc.CONSTRAINT_SCHEMA = DATABASE()"#;

/// The catalog queries introspection sends on MariaDB, in order (MySQL
/// sends [`MYSQL_CHECKS`] instead of the last): each reads
/// `information_schema` for `DATABASE()` alone (tests EXPLAIN them).
#[doc(hidden)]
pub const CATALOG_QUERIES: [&str; 4] = [COLUMNS, INDEXES, FOREIGN_KEYS, MARIADB_CHECKS];

impl Introspector for MySql {
    fn introspect<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<Schema>> {
        Box::pin(async move {
            let mut tables: BTreeMap<String, Table> = BTreeMap::new();
            let mut mariadb = false;
            for row in db.fetch_all(COLUMNS).await? {
                mariadb = get::<String>(&row, 6)?
                    .to_ascii_lowercase()
                    .contains("mariadb");
                let table: String = get(&row, 0)?;
                if is_internal_table(&table) {
                    continue;
                }
                let name: String = get(&row, 1)?;
                let ty = parse_type(&get::<String>(&row, 2)?);
                let nullable: String = get(&row, 3)?;
                let default: Option<String> = get(&row, 4)?;
                let extra: Option<String> = get(&row, 5)?;
                let mut column = Column::new(name, ty);
                column.nullable = nullable.eq_ignore_ascii_case("yes");
                column.default =
                    default.and_then(|d| read_default(&d, extra.as_deref(), mariadb, &column.ty));
                tables
                    .entry(table.clone())
                    .or_insert_with(|| Table::new(table))
                    .columns
                    .push(column);
            }
            for row in db.fetch_all(INDEXES).await? {
                let table: String = get(&row, 0)?;
                let Some(t) = tables.get_mut(&table) else {
                    continue;
                };
                let name: String = get(&row, 1)?;
                let non_unique: i64 = get(&row, 2)?;
                // NULL for a functional index part (MySQL 8): such an index is left out below.
                let column: Option<String> = get(&row, 3)?;
                if name == "PRIMARY" {
                    t.primary_key.extend(column);
                    continue;
                }
                add_index_column(t, name, column.unwrap_or_default(), non_unique == 0);
            }
            for row in db.fetch_all(FOREIGN_KEYS).await? {
                let table: String = get(&row, 0)?;
                let Some(t) = tables.get_mut(&table) else {
                    continue;
                };
                let name: String = get(&row, 1)?;
                let ref_table: String = get(&row, 2)?;
                let column: String = get(&row, 3)?;
                let ref_column: String = get(&row, 4)?;
                let on_delete: String = get(&row, 5)?;
                let on_delete = ReferentialAction::parse(&on_delete).unwrap_or_default();
                add_foreign_key_column(t, name, column, ref_table, ref_column, on_delete);
            }
            for t in tables.values_mut() {
                // Functional indexes cannot be modelled; the index MySQL made
                // for a foreign key is the key's business: it bears the key's
                // name, or for a key declared without a name (which MySQL
                // names `<table>_ibfk_<n>`) its first column's.
                let fks = &t.foreign_keys;
                let table = &t.name;
                t.indexes.retain(|i| {
                    let functional = i.columns.iter().any(String::is_empty);
                    let made_for_fk = !i.unique
                        && fks.iter().any(|fk| {
                            fk_index_names(table, fk).contains(&i.name)
                                && i.columns.starts_with(&fk.columns)
                        });
                    !functional && !made_for_fk
                });
            }
            let rows = if mariadb {
                db.fetch_all(MARIADB_CHECKS).await?
            } else {
                // Before 8.0.16 MySQL parses CHECK and ignores it, and has
                // no such catalog table (error 1109, unknown table): there
                // are no checks to read.
                match db.fetch_all(MYSQL_CHECKS).await {
                    Err(Error::Statement {
                        error: sqlx::Error::Database(e),
                        ..
                    }) if e.code().as_deref() == Some("42S02") => Vec::new(),
                    rows => rows?,
                }
            };
            for row in rows {
                let table: String = get(&row, 0)?;
                let clause: String = get(&row, 1)?;
                let name: String = get(&row, 2)?;
                let level: String = get(&row, 3)?;
                let Some(t) = tables.get_mut(&table) else {
                    continue;
                };
                if !level.eq_ignore_ascii_case("table") {
                    if let Some(name) = json_check_column(&clause)
                        && let Some(column) = t.columns.iter_mut().find(|c| c.name == name)
                        && column.ty == (LogicalType::String { max_length: None })
                    {
                        column.ty = LogicalType::Json;
                    }
                    continue;
                }
                t.checks.push(Check { name, expr: clause });
            }
            Ok(Schema {
                tables,
                ..Schema::default()
            })
        })
    }
}

/// The column of a `json_valid(`col`)` check clause.
fn json_check_column(clause: &str) -> Option<String> {
    let inner = clause
        .trim()
        .strip_prefix("json_valid(")?
        .strip_suffix(')')?
        .trim();
    let name = inner.strip_prefix('`')?.strip_suffix('`')?;
    Some(name.replace("``", "`"))
}

/// A column default from `information_schema.COLUMNS`.
///
/// MariaDB (10.2.7+) quotes string literals there and reports "no default"
/// on a nullable column as the word `NULL`; MySQL reports a literal raw and
/// marks expressions with `DEFAULT_GENERATED` in `EXTRA`.
fn read_default(
    text: &str,
    extra: Option<&str>,
    mariadb: bool,
    ty: &LogicalType,
) -> Option<DefaultValue> {
    if mariadb && text.eq_ignore_ascii_case("null") {
        return None;
    }
    let expression = extra.is_some_and(|e| e.to_ascii_lowercase().contains("default_generated"));
    let lower = text.to_ascii_lowercase();
    if mariadb || expression || lower.starts_with("current_timestamp") {
        Some(parse_default(text, ty, Escapes::Backslash))
    } else {
        Some(parse_default(
            &MySql.quote_str(text),
            ty,
            Escapes::Backslash,
        ))
    }
}

/// A MySQL column type (as `COLUMN_TYPE` reports it, or an alias a user may
/// write) back to its logical type. Integer display widths (`int(11)`) mean
/// nothing and are dropped.
fn parse_type(sql: &str) -> LogicalType {
    let (name, args) = split_type(sql);
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    match (name.as_str(), args.as_slice()) {
        ("tinyint", [1]) | ("bool" | "boolean", _) => LogicalType::Bool,
        ("smallint", _) => LogicalType::I16,
        ("int" | "integer", _) => LogicalType::I32,
        ("bigint", _) => LogicalType::I64,
        ("float", []) => LogicalType::F32,
        ("float", [p]) if *p <= 24 => LogicalType::F32,
        ("float", [_]) | ("double" | "double precision" | "real", []) => LogicalType::F64,
        ("varchar" | "character varying", [n]) => LogicalType::String {
            max_length: Some(*n),
        },
        ("text" | "mediumtext" | "longtext", _) => LogicalType::String { max_length: None },
        ("blob" | "mediumblob" | "longblob", _) => LogicalType::Bytes,
        ("date", []) => LogicalType::Date,
        ("time", _) => LogicalType::Time,
        ("datetime", _) => LogicalType::DateTime,
        ("timestamp", _) => LogicalType::Timestamp,
        ("decimal" | "numeric" | "dec", [p, s]) if *p <= 255 && *s <= 255 => LogicalType::Decimal {
            precision: *p as u8,
            scale: *s as u8,
        },
        ("decimal" | "numeric" | "dec", [p]) if *p <= 255 => LogicalType::Decimal {
            precision: *p as u8,
            scale: 0,
        },
        ("char", [36]) | ("uuid", []) => LogicalType::Uuid,
        ("json", []) => LogicalType::Json,
        // `int(10) unsigned` → `int unsigned`: display widths dropped.
        (n, _)
            if [
                "tinyint",
                "smallint",
                "mediumint",
                "int",
                "integer",
                "bigint",
            ]
            .contains(&n.split(' ').next().unwrap_or_default()) =>
        {
            LogicalType::Custom {
                sql: n.to_owned().into(),
            }
        }
        _ => LogicalType::Custom {
            sql: lowercase_outside_literals(sql.trim()).into(),
        },
    }
}

/// `sql` in lowercase except its string literals (`ENUM('LOW')` →
/// `enum('LOW')`): an enumeration's values keep their case.
fn lowercase_outside_literals(sql: &str) -> String {
    let mut quoted = false;
    sql.chars()
        .map(|c| {
            if c == '\'' {
                quoted = !quoted;
            }
            if quoted { c } else { c.to_ascii_lowercase() }
        })
        .collect()
}

/// The name of m's migration lock: one per database (MySQL locks are
/// server-wide), within the 64 characters a lock name may have.
const LOCK_NAME: &str = "CONCAT('m_migrate:', LEFT(DATABASE(), 54))";

/// `GET_LOCK` on `conn`'s session, waiting at most `timeout`.
async fn get_lock(locker: &MySql, conn: &Db, timeout: Duration) -> Result<()> {
    let seconds = timeout.as_secs_f64().ceil() as i64;
    let got = conn
        .fetch_i64(&format!(
            "SELECT CAST(GET_LOCK({LOCK_NAME}, {seconds}) AS SIGNED)"
        ))
        .await?;
    match got {
        Some(1) => Ok(()),
        _ => Err(Error::LockTimeout {
            lock: "m's migration lock (MySQL `GET_LOCK('m_migrate:<database>')`)".into(),
            waited: timeout,
            holder: locker
                .holder(conn)
                .await?
                .map(|h| format!("it is held by {h}")),
        }),
    }
}

impl Locker for MySql {
    /// `GET_LOCK` on a connection of its own, named after the database
    /// (MySQL locks are server-wide). The guard owns the connection:
    /// dropping it (or the process dying) ends the session, which releases
    /// the lock.
    fn acquire<'a>(&'a self, url: &'a str, timeout: Duration) -> BoxFuture<'a, Result<LockGuard>> {
        Box::pin(async move {
            let conn = Db::connect_with(url, std::sync::Arc::new(MySql)).await?;
            get_lock(self, &conn, timeout).await?;
            Ok(LockGuard::connection(conn))
        })
    }

    /// `GET_LOCK` on `db`'s own session: a client killed mid-`ALTER` leaves
    /// the statement running on the server, and the lock must not be free
    /// before it ends (the server ends the session, and releases the lock,
    /// only then). Released when `db` is closed.
    fn acquire_for<'a>(
        &'a self,
        db: &'a Db,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<LockGuard>> {
        Box::pin(async move {
            get_lock(self, db, timeout).await?;
            Ok(LockGuard::new(()))
        })
    }

    /// `RELEASE_LOCK` on `db`'s session.
    fn release_for<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            db.execute(&format!("SELECT RELEASE_LOCK({LOCK_NAME})"))
                .await
                .map(drop)
        })
    }

    /// The connection holding the lock (`IS_USED_LOCK`), from the process list.
    fn holder<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<Option<String>>> {
        Box::pin(async move {
            super::lock::first_text(
                db,
                &format!("SELECT CONCAT('MySQL connection ', p.ID, ' (', p.USER, '@', p.HOST, ', ', p.COMMAND, ' for ', p.TIME, ' s)') FROM information_schema.PROCESSLIST p WHERE p.ID = IS_USED_LOCK({LOCK_NAME})"),
            )
            .await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_spells_an_emoji_as_question_marks() {
        let spells = |stored, catalog| MySql.catalog_spells(stored, catalog);
        assert!(spells("ok 😀 é", "ok ? é"), "a VARCHAR's default");
        assert!(spells("ok 😀 é", "ok ???? é"), "a TEXT's default");
        assert!(spells("plain", "plain"));
        assert!(!spells("plain", "plain?"));
        assert!(!spells("ok 😀", "ok ??"));
        assert!(!spells("ok ?", "ok ????"), "only an emoji reads as `?`");
    }

    #[test]
    fn keeps_the_case_of_enum_values() {
        assert_eq!(
            parse_type("ENUM('LOW','it''s')"),
            LogicalType::Custom {
                sql: "enum('LOW','it''s')".into()
            }
        );
    }

    #[test]
    fn parses_types_and_aliases() {
        assert_eq!(parse_type("tinyint(1)"), LogicalType::Bool);
        assert_eq!(parse_type("BOOLEAN"), LogicalType::Bool);
        assert_eq!(parse_type("smallint(6)"), LogicalType::I16);
        assert_eq!(parse_type("int(11)"), LogicalType::I32);
        assert_eq!(parse_type("INTEGER"), LogicalType::I32);
        assert_eq!(parse_type("bigint(20)"), LogicalType::I64);
        assert_eq!(parse_type("float"), LogicalType::F32);
        assert_eq!(parse_type("double precision"), LogicalType::F64);
        assert_eq!(
            parse_type("varchar(40)"),
            LogicalType::String {
                max_length: Some(40)
            }
        );
        assert_eq!(
            parse_type("longtext"),
            LogicalType::String { max_length: None }
        );
        assert_eq!(parse_type("longblob"), LogicalType::Bytes);
        assert_eq!(parse_type("datetime(6)"), LogicalType::DateTime);
        assert_eq!(parse_type("timestamp(6)"), LogicalType::Timestamp);
        assert_eq!(
            parse_type("decimal(10,2)"),
            LogicalType::Decimal {
                precision: 10,
                scale: 2
            }
        );
        assert_eq!(parse_type("char(36)"), LogicalType::Uuid);
        assert_eq!(
            parse_type("char(2)"),
            LogicalType::Custom {
                sql: "char(2)".into()
            }
        );
        assert_eq!(
            parse_type("int(10) unsigned"),
            LogicalType::Custom {
                sql: "int unsigned".into()
            }
        );
        assert_eq!(
            parse_type("INT UNSIGNED"),
            LogicalType::Custom {
                sql: "int unsigned".into()
            }
        );
        assert_eq!(
            parse_type("tinyint(4)"),
            LogicalType::Custom {
                sql: "tinyint".into()
            }
        );
    }

    #[test]
    fn reads_mariadb_defaults() {
        let text = LogicalType::String {
            max_length: Some(40),
        };
        assert_eq!(read_default("NULL", None, true, &text), None);
        assert_eq!(
            read_default("'NULL'", None, true, &text),
            Some(DefaultValue::Text("NULL".into()))
        );
        assert_eq!(
            read_default("'it''s'", None, true, &text),
            Some(DefaultValue::Text("it's".into()))
        );
        assert_eq!(
            read_default(r"'a\\b'", None, true, &text),
            Some(DefaultValue::Text(r"a\b".into()))
        );
        assert_eq!(
            read_default("-3", None, true, &LogicalType::I16),
            Some(DefaultValue::Int(-3))
        );
        assert_eq!(
            read_default("1", None, true, &LogicalType::Bool),
            Some(DefaultValue::Bool(true))
        );
        assert_eq!(
            read_default("current_timestamp(6)", None, true, &LogicalType::DateTime),
            Some(DefaultValue::CurrentTimestamp)
        );
        assert_eq!(
            read_default("current_timestamp()", None, true, &LogicalType::Timestamp),
            Some(DefaultValue::CurrentTimestamp)
        );
    }

    #[test]
    fn reads_mysql_defaults() {
        let text = LogicalType::String {
            max_length: Some(40),
        };
        assert_eq!(
            read_default("it's", Some(""), false, &text),
            Some(DefaultValue::Text("it's".into()))
        );
        assert_eq!(
            read_default(r"a\b", Some(""), false, &text),
            Some(DefaultValue::Text(r"a\b".into()))
        );
        assert_eq!(
            read_default("0", Some(""), false, &LogicalType::I32),
            Some(DefaultValue::Int(0))
        );
        assert_eq!(
            read_default(
                "CURRENT_TIMESTAMP(6)",
                Some("DEFAULT_GENERATED"),
                false,
                &LogicalType::DateTime
            ),
            Some(DefaultValue::CurrentTimestamp)
        );
    }

    #[test]
    fn picks_a_lease_on_galera_and_old_tidb() {
        assert_eq!(
            lock_strategy_for("10.11.19-MariaDB-0+deb12u1", Some("ON")),
            LockStrategy::Lease
        );
        assert_eq!(
            lock_strategy_for("10.11.19-MariaDB-0+deb12u1", Some("OFF")),
            LockStrategy::Native
        );
        assert_eq!(lock_strategy_for("8.0.36", None), LockStrategy::Native);
        assert_eq!(
            lock_strategy_for("8.0.11-TiDB-v7.5.0", None),
            LockStrategy::Native
        );
        assert_eq!(
            lock_strategy_for("8.0.11-TiDB-v6.1.0", None),
            LockStrategy::Native
        );
        assert_eq!(
            lock_strategy_for("5.7.25-TiDB-v5.4.3", None),
            LockStrategy::Lease
        );
    }

    #[test]
    fn escapes_and_quotes() {
        assert_eq!(MySql.quote_ident("order"), "`order`");
        assert_eq!(MySql.quote_ident("a`b"), "`a``b`");
        assert_eq!(MySql.quote_str(r"it's a\b"), r"'it''s a\\b'");
        assert_eq!(json_check_column("json_valid(`doc`)"), Some("doc".into()));
    }

    #[test]
    fn blocks_unique_keys_on_unbounded_text() {
        let table = Table::new("t")
            .column(Column::new(
                "body",
                LogicalType::String { max_length: None },
            ))
            .column(Column::new("tag", LogicalType::String { max_length: None }))
            .index(["body"], true)
            .index(["tag"], false);
        let problems = MySql.unsupported(&table);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].1.contains("max_length"));
        assert_eq!(
            MySql.create_index(&table, &table.indexes[1]),
            "CREATE INDEX `ix_t__tag` ON `t` (`tag`(255))"
        );
    }

    #[test]
    fn long_varchars_are_indexed_by_a_prefix() {
        let string = |n| LogicalType::String {
            max_length: Some(n),
        };
        let table = Table::new("t")
            .column(Column::new("fits", string(MAX_INDEXED_VARCHAR)))
            .column(Column::new("long", string(MAX_INDEXED_VARCHAR + 1)))
            .index(["fits", "long"], false)
            .index(["fits"], true);
        assert!(MySql.unsupported(&table).is_empty());
        // 768 + 255 characters would be 4092 bytes: both take half of 3072.
        assert_eq!(
            MySql.create_index(&table, &table.indexes[0]),
            "CREATE INDEX `ix_t__fits_long` ON `t` (`fits`(384), `long`(384))"
        );
        let table = table.index(["long"], true);
        assert_eq!(MySql.unsupported(&table).len(), 1);
    }

    #[test]
    fn keys_fit_in_3072_bytes() {
        let string = |n| LogicalType::String {
            max_length: Some(n),
        };
        let table = Table::new("t")
            .column(Column::new("id", LogicalType::I64))
            .column(Column::new("a", string(500)))
            .column(Column::new("b", string(500)))
            .column(Column::new("c", string(40)))
            .index(["id", "a", "b"], false)
            .index(["a", "c"], false)
            .index(["a", "b"], true);
        // 8 + 2000 + 2000 bytes: the strings share 3064 bytes, 383 characters each.
        assert_eq!(
            MySql.create_index(&table, &table.indexes[0]),
            "CREATE INDEX `ix_t__id_a_b` ON `t` (`id`, `a`(383), `b`(383))"
        );
        assert_eq!(
            MySql.create_index(&table, &table.indexes[1]),
            "CREATE INDEX `ix_t__a_c` ON `t` (`a`, `c`)"
        );
        let problems = MySql.unsupported(&table);
        let columns: Vec<&str> = problems.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(columns, ["a", "b"], "{problems:?}");
        assert!(problems[0].1.contains("4000 bytes"), "{}", problems[0].1);
    }
}
