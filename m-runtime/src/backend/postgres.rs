//! PostgreSQL.
//!
//! DDL is transactional: a sync is one transaction, all or nothing. Type
//! changes run `ALTER COLUMN .. TYPE .. USING col::type`, which rewrites the
//! table (and its indexes) under an exclusive lock for most changes; only a
//! few (widening a varchar, varchar to text) are catalog-only. Introspection
//! reads `pg_catalog` for `current_schema()` and the schemas the declared
//! tables name (keyed `schema.table`) in four queries. The run lock
//! is a session-level advisory lock held by a dedicated connection (a
//! [`Lease`](super::Lease) on CockroachDB and YugabyteDB: see
//! [`Backend::lock_strategy`]). A hot standby is read, never written: the
//! commands that change the database refuse it
//! ([`Backend::read_only_reason`]).
//!
//! An enumeration ([`LogicalType::Enum`]) is text with a CHECK listing its
//! values; a live column of an enum type (`CREATE TYPE .. AS ENUM`)
//! introspects as that enumeration and is adopted by a declaration of the
//! same type name: values added are `ALTER TYPE .. ADD VALUE`, values
//! removed or reordered are blocked ([`Dialect::unsupported_change`]).
//!
//! Type mapping: bool `BOOLEAN`, i16 `SMALLINT`, i32 `INTEGER`, i64 `BIGINT`,
//! f32 `REAL`, f64 `DOUBLE PRECISION`, string `VARCHAR(n)` / `TEXT`, bytes
//! `BYTEA`, date `DATE`, time `TIME`, datetime `TIMESTAMP`, timestamp
//! `TIMESTAMPTZ`, decimal `NUMERIC(p,s)`, uuid `UUID`, json `JSONB`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::normalize::{
    Escapes, add_foreign_key_column, add_index_column, get, parse_default, split_type,
};
use super::{
    AlterSql, Backend, Dialect, Introspector, LockGuard, LockStrategy, Locker, ServerFacts,
};
use crate::diff::Change;
use crate::schema::{
    Check, Column, ForeignKey, Index, LogicalType, ReferentialAction, Schema, Table,
    is_internal_table, qualified_table_name, split_table_name,
};
use crate::{BoxFuture, Db, Error, Result};

/// The PostgreSQL backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct Postgres;

/// Why m does not write to a hot standby ([`Backend::read_only_reason`]).
pub const STANDBY: &str = "this server is a read-only standby: point DATABASE_URL at the primary";

/// The read-only reason of a server whose `pg_is_in_recovery()` reads
/// `in_recovery` (1: a standby).
fn standby(in_recovery: Option<i64>) -> Option<String> {
    (in_recovery == Some(1)).then(|| STANDBY.to_owned())
}

/// Whether the server has no such function (SQLSTATE `42883`): a server
/// without `pg_is_in_recovery()` has no standby mode to be in.
fn is_undefined_function(error: &Error) -> bool {
    matches!(
        error,
        Error::Statement {
            error: sqlx::Error::Database(error),
            ..
        } if error.code().as_deref() == Some("42883")
    )
}

/// [`Postgres::lock_strategy`]'s choice, from `version()`.
fn lock_strategy_for(version: &str) -> LockStrategy {
    if version.contains("CockroachDB") || version.contains("-YB-") {
        LockStrategy::Lease
    } else {
        LockStrategy::Native
    }
}

impl Backend for Postgres {
    fn name(&self) -> &'static str {
        "postgres"
    }
    fn handles(&self, url: &str) -> bool {
        url.starts_with("postgres://") || url.starts_with("postgresql://")
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
    /// Half of the shared lock table, which holds
    /// `max_locks_per_transaction * (max_connections +
    /// max_prepared_transactions)` objects (6,400 on a default server); the
    /// other half is left to the other sessions.
    fn lock_budget<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<Option<u64>>> {
        Box::pin(async move {
            let slots = db.fetch_i64(LOCK_TABLE).await?.ok_or_else(|| {
                Error::Introspect("the size of the lock table read as NULL".into())
            })?;
            Ok(Some(u64::try_from(slots / 2).unwrap_or(0).max(1)))
        })
    }
    /// A lease on CockroachDB (whose advisory lock functions do nothing)
    /// and YugabyteDB (whose advisory locks are missing before 2.25, and
    /// behind a flag after); the advisory lock elsewhere. One query.
    fn lock_strategy<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<LockStrategy>> {
        Box::pin(async move {
            let version = super::lock::first_text(db, "SELECT version()").await?;
            Ok(lock_strategy_for(version.as_deref().unwrap_or_default()))
        })
    }
    /// A hot standby (`pg_is_in_recovery()`) takes no writes. A server
    /// without that function (SQLSTATE `42883`, undefined function) has no
    /// standby mode to be in.
    fn read_only_reason<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<Option<String>>> {
        Box::pin(async move {
            let sql = "SELECT CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END";
            match db.fetch_i64(sql).await {
                Ok(in_recovery) => Ok(standby(in_recovery)),
                Err(error) if is_undefined_function(&error) => Ok(None),
                Err(error) => Err(error),
            }
        })
    }
    /// `version()` and `pg_is_in_recovery()` in one query.
    fn server_facts<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<ServerFacts>> {
        Box::pin(async move {
            let sql = "SELECT version(), CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END::bigint";
            let rows = match db.fetch_all(sql).await {
                Ok(rows) => rows,
                Err(error) if is_undefined_function(&error) => {
                    return Ok(ServerFacts {
                        read_only: None,
                        lock: self.lock_strategy(db).await?,
                    });
                }
                Err(error) => return Err(error),
            };
            let row = rows.first().ok_or_else(|| {
                Error::Lock(format!(
                    "`{sql}` returned no row: cannot tell which migration lock this server needs"
                ))
            })?;
            let version: String = get(row, 0)?;
            let in_recovery: i64 = get(row, 1)?;
            Ok(ServerFacts {
                read_only: standby(Some(in_recovery)),
                lock: lock_strategy_for(&version),
            })
        })
    }
    fn error_notes(&self, error: &dyn sqlx::error::DatabaseError) -> Vec<(&'static str, String)> {
        let Some(error) = error.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() else {
            return Vec::new();
        };
        [("detail", error.detail()), ("hint", error.hint())]
            .into_iter()
            .filter_map(|(label, text)| Some((label, text?.to_owned())))
            .collect()
    }
}

impl Dialect for Postgres {
    fn quote_ident(&self, ident: &str) -> String {
        format!("\"{}\"", ident.replace('"', "\"\""))
    }

    /// PostgreSQL types the string literals of an expression default
    /// (`lower('ABC')` reads back as `lower('ABC'::text)`): both sides
    /// without those casts.
    fn catalog_sql<'a>(&self, sql: &'a str) -> std::borrow::Cow<'a, str> {
        super::normalize::strip_literal_casts(sql, &["text", "character varying", "varchar"])
    }

    /// Measured on PostgreSQL 15 (a rewrite is a new `relfilenode`): every
    /// `ALTER TABLE` holds `ACCESS EXCLUSIVE` except an index build
    /// (`SHARE`) and a new foreign key (`SHARE ROW EXCLUSIVE`, on both
    /// tables); a type change rewrites the table unless it is binary
    /// compatible (a longer varchar, varchar to text, more numeric
    /// precision at the same scale); a default that may be volatile (a SQL
    /// expression) fills every row.
    fn impact(&self, change: &Change) -> crate::plan::Impact {
        use crate::plan::Impact;
        let exclusive = Impact {
            lock: Some("ACCESS EXCLUSIVE"),
            ..Impact::default()
        };
        match change {
            Change::CreateTable { .. }
            | Change::OrphanColumn { .. }
            | Change::OrphanTable { .. } => Impact::default(),
            Change::AddColumn { column, .. } => {
                let fills = matches!(column.default, Some(crate::schema::DefaultValue::Sql(_)));
                Impact {
                    rewrites_table: fills,
                    scans_table: fills,
                    ..exclusive
                }
            }
            Change::AlterColumnType { from, to, .. } => {
                let rewrites = type_change_rewrites(from, to);
                Impact {
                    rewrites_table: rewrites,
                    scans_table: rewrites,
                    advice: rewrites.then_some(
                        "reads and writes wait until it ends: on a large table, expand and contract instead (docs/zero-downtime.md)",
                    ),
                    ..exclusive
                }
            }
            Change::SetNotNull { .. } => Impact {
                scans_table: true,
                advice: Some(
                    "on a large table, add CHECK (column IS NOT NULL) NOT VALID in one #[migration] and VALIDATE it in the next: SET NOT NULL then skips the scan (docs/zero-downtime.md)",
                ),
                ..exclusive
            },
            Change::AddIndex { .. } => Impact {
                scans_table: true,
                lock: Some("SHARE"),
                advice: Some(
                    "writes wait until it ends: on a large table, `migrate make --online <name>` builds it first with ops::add_index_online (CREATE INDEX CONCURRENTLY, outside a transaction; docs/zero-downtime.md), after which the plan has none to build",
                ),
                ..Impact::default()
            },
            Change::AddCheck { .. } => Impact {
                scans_table: true,
                advice: Some(
                    "reads and writes wait while every row is checked: on a large table, add it NOT VALID in one #[migration] and VALIDATE CONSTRAINT in the next (docs/zero-downtime.md)",
                ),
                ..exclusive
            },
            Change::AddForeignKey { .. } => Impact {
                scans_table: true,
                lock: Some("SHARE ROW EXCLUSIVE"),
                advice: Some(
                    "writes to both tables wait until it ends: on a large table, `migrate make --online <name>` adds it first with ops::add_foreign_key_not_valid (a brief lock) and ops::validate_foreign_key in the next migration (a scan that lets writes go on; docs/zero-downtime.md)",
                ),
                ..Impact::default()
            },
            // A new key builds its unique index (and checks NOT NULL).
            Change::AlterPrimaryKey { .. } => Impact {
                scans_table: true,
                ..exclusive
            },
            Change::DropNotNull { .. }
            | Change::AlterDefault { .. }
            | Change::DropIndex { .. }
            | Change::DropForeignKey { .. }
            | Change::DropCheck { .. }
            | Change::RenameColumn { .. }
            | Change::RenameTable { .. } => exclusive,
        }
    }

    fn typed_null(&self, ty: &LogicalType) -> String {
        let column = Column::new("", ty.clone());
        format!(
            "CAST(NULL AS {})",
            self.column_type(&Table::new(""), &column)
        )
    }

    fn column_type(&self, _table: &Table, column: &Column) -> String {
        match &column.ty {
            LogicalType::Bool => "BOOLEAN".into(),
            LogicalType::I16 => "SMALLINT".into(),
            LogicalType::I32 => "INTEGER".into(),
            LogicalType::I64 => "BIGINT".into(),
            LogicalType::F32 => "REAL".into(),
            LogicalType::F64 => "DOUBLE PRECISION".into(),
            LogicalType::String {
                max_length: Some(n),
            } => format!("VARCHAR({n})"),
            LogicalType::String { max_length: None } => "TEXT".into(),
            LogicalType::Bytes => "BYTEA".into(),
            LogicalType::Date => "DATE".into(),
            LogicalType::Time => "TIME".into(),
            LogicalType::DateTime => "TIMESTAMP".into(),
            LogicalType::Timestamp => "TIMESTAMPTZ".into(),
            LogicalType::Decimal { precision, scale } => format!("NUMERIC({precision},{scale})"),
            LogicalType::Uuid => "UUID".into(),
            LogicalType::Json => "JSONB".into(),
            // A live enum type m adopted (one it creates is text with a
            // check, see `Dialect::enum_storage`).
            LogicalType::Enum { name, .. } => self.quote_ident(name),
            LogicalType::Custom { sql } => sql.to_string(),
        }
    }

    /// Types of one btree operator family compare in a foreign key, and a
    /// referencing type that casts implicitly to the referenced one (an
    /// integer to a numeric or a double, say); a double referencing an
    /// integer does not.
    fn foreign_key_types_compatible(&self, column: &LogicalType, referenced: &LogicalType) -> bool {
        use crate::schema::TypeFamily as F;
        let temporal = |t: &LogicalType| {
            matches!(
                t,
                LogicalType::Date | LogicalType::DateTime | LogicalType::Timestamp
            )
        };
        match (column.family(), referenced.family()) {
            (F::Custom, _) | (_, F::Custom) => true,
            (F::Integer, F::Integer | F::Decimal | F::Float) => true,
            (F::Decimal, F::Decimal | F::Float) | (F::Float, F::Float) => true,
            (F::Text, F::Text) => true,
            _ => column == referenced || temporal(column) && temporal(referenced),
        }
    }

    /// Tables, views, indexes, sequences and types share the schema's
    /// namespace (a table is a type too). Each name is a key
    /// ([`split_table_name`]), looked up in its own schema.
    fn relations_named_sql(&self, names: &[String]) -> Option<String> {
        let rows = names
            .iter()
            .map(|key| {
                let (schema, name) = split_table_name(key);
                let schema = schema.map_or("NULL::text".to_owned(), |s| self.quote_str(s));
                format!(
                    "({}, {schema}, {})",
                    self.quote_str(key),
                    self.quote_str(name)
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        Some(format!(
            "SELECT v.k FROM (VALUES {rows}) AS v(k, s, r) \
             WHERE EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = COALESCE(v.s, current_schema()) AND c.relname = v.r) \
             OR EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
             WHERE n.nspname = COALESCE(v.s, current_schema()) AND t.typname = v.r)"
        ))
    }

    /// `ALTER COLUMN .. TYPE` fails on a column a view or rule uses.
    /// Tables are keys ([`split_table_name`]), matched in their schema.
    fn column_users_sql(&self, columns: &[(String, String)]) -> Option<String> {
        let list = columns
            .iter()
            .map(|(t, c)| format!("({}, {})", self.quote_str(t), self.quote_str(c)))
            .collect::<Vec<_>>()
            .join(", ");
        let table = "(CASE WHEN n.nspname = current_schema() THEN t.relname ELSE n.nspname || '.' || t.relname END)::text";
        Some(format!(
            "SELECT DISTINCT {table}, a.attname::text, v.relname::text \
             FROM pg_depend d \
             JOIN pg_rewrite r ON r.oid = d.objid \
             JOIN pg_class v ON v.oid = r.ev_class \
             JOIN pg_class t ON t.oid = d.refobjid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid \
             WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass \
             AND v.oid <> t.oid \
             AND ({table}, a.attname::text) IN ({list}) \
             ORDER BY 1, 2, 3"
        ))
    }

    fn placeholder(&self, n: usize) -> String {
        format!("${n}")
    }

    fn normalize_type(&self, sql: &str) -> LogicalType {
        parse_type(sql)
    }

    /// [`Dialect::convert_column`] with the cast `col::type`: one `ALTER
    /// TABLE`, a default that cannot be cast dropped first and set again
    /// (from the target column) after the type change.
    fn alter_column_type(&self, table: &Table, column: &Column) -> AlterSql {
        let name = self.quote_ident(&column.name);
        let ty = self.column_type(table, column);
        self.convert_column(table, column, &format!("{name}::{ty}"))
    }

    /// A live enum type is what a declared `sql_type` naming it creates.
    fn stores_alike(&self, live: &LogicalType, declared: &LogicalType) -> bool {
        matches!(
            (live, declared),
            (LogicalType::Enum { name, .. }, LogicalType::Custom { sql })
                if sql.trim().trim_matches('"') == name.as_ref()
        )
    }

    /// A live enum type gains values with `ALTER TYPE .. ADD VALUE`, each
    /// placed where the declaration lists it (`BEFORE` the next live value,
    /// else `AFTER` the one before it); `IF NOT EXISTS`, so the columns
    /// that share the type may each say it. The type is named in the
    /// table's schema. A column converted to an enum
    /// type goes through text (`col::text::type`).
    fn alter_column_type_from(
        &self,
        table: &Table,
        column: &Column,
        from: &LogicalType,
    ) -> AlterSql {
        let LogicalType::Enum { name, values } = &column.ty else {
            return self.alter_column_type(table, column);
        };
        // The type is looked for in the table's schema, where a table of a
        // named schema keeps its types (the search path may not name it).
        let ty = self.quote_table(&qualified_table_name(split_table_name(&table.name).0, name));
        match from {
            LogicalType::Enum {
                name: old_name,
                values: old,
            } if old_name == name && old.iter().all(|v| values.contains(v)) => {
                let to: Vec<&str> = values.iter().collect();
                let statements = to
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| !old.contains(v))
                    .map(|(i, v)| {
                        let place = match to[i + 1..].iter().find(|n| old.contains(n)) {
                            Some(next) => format!(" BEFORE {}", self.quote_str(next)),
                            None if i > 0 => format!(" AFTER {}", self.quote_str(to[i - 1])),
                            None => String::new(),
                        };
                        format!(
                            "ALTER TYPE {ty} ADD VALUE IF NOT EXISTS {}{place}",
                            self.quote_str(v)
                        )
                    })
                    .collect();
                AlterSql::Statements(statements)
            }
            _ => {
                let name = self.quote_ident(&column.name);
                self.convert_column(table, column, &format!("{name}::text::{ty}"))
            }
        }
    }

    /// PostgreSQL cannot drop a value from an enum type, nor reorder its
    /// values.
    fn unsupported_change(&self, change: &Change) -> Option<String> {
        let Change::AlterColumnType {
            from: LogicalType::Enum { name, values: old },
            to:
                LogicalType::Enum {
                    name: new_name,
                    values,
                },
            ..
        } = change
        else {
            return None;
        };
        let kept: Vec<&str> = values.iter().filter(|v| old.contains(v)).collect();
        let removed: Vec<String> = old
            .iter()
            .filter(|v| !values.contains(v))
            .map(|v| format!("`{v}`"))
            .collect();
        let what = if name != new_name {
            return None;
        } else if !removed.is_empty() {
            format!("drop {} from", removed.join(", "))
        } else if kept != old.iter().collect::<Vec<_>>() {
            "reorder the values of".to_owned()
        } else {
            return None;
        };
        Some(format!(
            "PostgreSQL cannot {what} the existing enum type `{name}`: re-create it in a #[migration] (CREATE TYPE with the new values, ALTER COLUMN .. TYPE .. USING col::text::new_type for every column of it, DROP TYPE the old one, RENAME the new one)"
        ))
    }

    /// `CREATE INDEX CONCURRENTLY`: writes go on while it is built.
    fn create_index_online(&self, table: &Table, index: &Index) -> String {
        format!(
            "CREATE {}INDEX CONCURRENTLY {} ON {} ({})",
            if index.unique { "UNIQUE " } else { "" },
            self.quote_ident(&index.name),
            self.quote_table(&table.name),
            self.index_columns(table, index)
        )
    }

    /// A failed concurrent build leaves its index, marked invalid.
    fn invalid_index(&self, table: &str, name: &str) -> Option<(String, String)> {
        let schema = split_table_name(table).0;
        let namespace = schema.map_or_else(|| "current_schema()".to_owned(), |s| self.quote_str(s));
        Some((
            format!(
                "SELECT 1 FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid \
                 JOIN pg_namespace n ON n.oid = i.relnamespace \
                 WHERE n.nspname = {namespace} AND i.relname = {} AND NOT ix.indisvalid",
                self.quote_str(name)
            ),
            format!(
                "DROP INDEX CONCURRENTLY IF EXISTS {}",
                self.quote_table(&qualified_table_name(schema, name))
            ),
        ))
    }

    fn add_foreign_key_not_valid(&self, table: &str, fk: &ForeignKey) -> AlterSql {
        AlterSql::Statements(vec![format!(
            "ALTER TABLE {} ADD {} NOT VALID",
            self.quote_table(table),
            self.foreign_key_clause(fk)
        )])
    }

    fn validate_foreign_key(&self, table: &str, fk: &ForeignKey) -> Vec<String> {
        vec![format!(
            "ALTER TABLE {} VALIDATE CONSTRAINT {}",
            self.quote_table(table),
            self.quote_ident(&fk.name)
        )]
    }

    /// A unique constraint owns its index, which only goes with the
    /// constraint; a plain index has no constraint. Either way one of the two
    /// statements does the work and the other finds nothing.
    fn drop_index(&self, table: &Table, index: &Index) -> AlterSql {
        let constraint = self.quote_ident(&index.name);
        // An index lives in its table's schema.
        let name = self.quote_table(&qualified_table_name(table.schema(), &index.name));
        AlterSql::Statements(vec![
            format!(
                "ALTER TABLE {} DROP CONSTRAINT IF EXISTS {constraint}",
                self.quote_table(&table.name)
            ),
            format!("DROP INDEX IF EXISTS {name}"),
        ])
    }

    fn set_not_null(&self, table: &Table, column: &Column) -> AlterSql {
        self.alter_column(table, column, "SET NOT NULL")
    }

    fn supports_schemas(&self) -> bool {
        true
    }

    /// Within one schema `RENAME TO`; into another, `SET SCHEMA` first
    /// (creating the schema if needed), which moves the table with its
    /// rows, indexes, constraints and owned sequences, then `RENAME TO`
    /// when the name changes too. The default schema has no name m
    /// knows when it plans, so a move into it names `current_schema()`
    /// at run time.
    fn rename_table(&self, from: &str, to: &str) -> AlterSql {
        let ((from_schema, from_name), (to_schema, to_name)) =
            (split_table_name(from), split_table_name(to));
        if from_schema == to_schema {
            return AlterSql::Statements(vec![format!(
                "ALTER TABLE {} RENAME TO {}",
                self.quote_table(from),
                self.quote_ident(to_name)
            )]);
        }
        let mut statements: Vec<String> = self.create_schema(&Table::new(to)).into_iter().collect();
        statements.push(match to_schema {
            Some(schema) => format!(
                "ALTER TABLE {} SET SCHEMA {}",
                self.quote_table(from),
                self.quote_ident(schema)
            ),
            None => format!(
                "DO $m$ BEGIN EXECUTE format('ALTER TABLE %s SET SCHEMA %I', {}, current_schema()); END $m$",
                self.quote_str(&self.quote_table(from))
            ),
        });
        if from_name != to_name {
            statements.push(format!(
                "ALTER TABLE {} RENAME TO {}",
                self.quote_table(&qualified_table_name(to_schema, from_name)),
                self.quote_ident(to_name)
            ));
        }
        AlterSql::Statements(statements)
    }

    fn drop_not_null(&self, table: &Table, column: &Column) -> AlterSql {
        self.alter_column(table, column, "DROP NOT NULL")
    }

    /// Assumes the key has PostgreSQL's default name `<table>_pkey`, as every
    /// table m creates does.
    fn alter_primary_key(&self, table: &Table, _from: &[String]) -> AlterSql {
        let mut actions = vec![format!(
            "DROP CONSTRAINT IF EXISTS {}",
            self.quote_ident(&format!("{}_pkey", table.local_name()))
        )];
        actions.extend(self.primary_key_clause(table).map(|pk| format!("ADD {pk}")));
        AlterSql::Statements(vec![format!(
            "ALTER TABLE {} {}",
            self.quote_table(&table.name),
            actions.join(", ")
        )])
    }
}

/// Whether PostgreSQL rewrites the table to change a column from `from` to
/// `to` (measured on PostgreSQL 15): not when the new type is binary
/// compatible with the old. `timestamp` to `timestamptz` is catalog-only
/// when the session's time zone is UTC and a rewrite otherwise: the worst
/// case is said.
fn type_change_rewrites(from: &LogicalType, to: &LogicalType) -> bool {
    use LogicalType as T;
    match (from, to) {
        (T::String { max_length: a }, T::String { max_length: b }) => match (a, b) {
            (_, None) => false,
            (Some(a), Some(b)) => b < a,
            (None, Some(_)) => true,
        },
        (
            T::Decimal {
                precision: p1,
                scale: s1,
            },
            T::Decimal {
                precision: p2,
                scale: s2,
            },
        ) => !(s1 == s2 && p2 >= p1),
        _ => true,
    }
}

impl Postgres {
    fn alter_column(&self, table: &Table, column: &Column, action: &str) -> AlterSql {
        AlterSql::Statements(vec![format!(
            "ALTER TABLE {} ALTER COLUMN {} {action}",
            self.quote_table(&table.name),
            self.quote_ident(&column.name)
        )])
    }
}

/// The objects the server's shared lock table holds.
const LOCK_TABLE: &str = "SELECT current_setting('max_locks_per_transaction')::bigint * (current_setting('max_connections')::bigint + current_setting('max_prepared_transactions')::bigint)";

/// Columns of every table of the schemas read (see [`catalog_query`]).
///
/// The last two columns are set for a column of an enum type: the type's
/// name and its labels in order, as a JSON array (see [`enum_type`]).
const COLUMNS: &str = r#"SELECT {key(n, c)}, a.attname::text, format_type(a.atttypid, a.atttypmod)::text,
  (CASE WHEN a.attnotnull THEN 1 ELSE 0 END)::bigint, pg_get_expr(d.adbin, d.adrelid)::text,
  (SELECT t.typname::text FROM pg_type t WHERE t.oid = a.atttypid AND t.typtype = 'e'),
  (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder)::text FROM pg_enum e WHERE e.enumtypid = a.atttypid)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE {schemas} AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY n.nspname, c.relname, a.attnum"#;

/// Every index (primary keys and unique constraints included) on plain
/// columns, one row per key column. What m cannot declare (expression and
/// partial indexes, exclusion constraints) is left out, and so left alone.
const INDEXES: &str = r#"SELECT {key(n, t)}, i.relname::text,
  (CASE WHEN ix.indisunique THEN 1 ELSE 0 END)::bigint, (CASE WHEN ix.indisprimary THEN 1 ELSE 0 END)::bigint,
  a.attname::text
FROM pg_index ix
JOIN pg_class t ON t.oid = ix.indrelid
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
WHERE {schemas} AND t.relkind IN ('r', 'p') AND ix.indexprs IS NULL AND ix.indpred IS NULL
  AND NOT ix.indisexclusion AND k.ord <= ix.indnkeyatts
ORDER BY n.nspname, t.relname, i.relname, k.ord"#;

/// Every foreign key, one row per column pair; the referenced table keyed
/// like the others, whichever schema it is in.
const FOREIGN_KEYS: &str = r#"SELECT {key(n, t)}, c.conname::text, {key(rn, rt)}, a.attname::text, ra.attname::text,
  c.confdeltype::text
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_class rt ON rt.oid = c.confrelid
JOIN pg_namespace rn ON rn.oid = rt.relnamespace
CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(col, refcol, ord)
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col
JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = k.refcol
WHERE c.contype = 'f' AND {schemas}
ORDER BY n.nspname, t.relname, c.conname, k.ord"#;

/// Every CHECK constraint of a table, with its expression as the server
/// prints it back (with parentheses and casts it added; see
/// [`Check::normalized_expr`]). NOT NULL constraints (PostgreSQL 18 lists
/// them, as `n`) are columns' business.
const CHECKS: &str = r#"SELECT {key(n, t)}, c.conname::text, pg_get_expr(c.conbin, c.conrelid)::text
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE c.contype = 'c' AND {schemas} AND t.relkind IN ('r', 'p')
ORDER BY n.nspname, t.relname, c.conname"#;

/// A catalog query template for the default schema and the `named` ones:
/// `{schemas}` becomes the condition on namespace `n` that picks them, and
/// `{key(ns, rel)}` the key of relation `rel` in namespace `ns`
/// ([`split_table_name`]): `schema.table` in a named schema or any schema
/// other than the default one, the bare name in the default schema.
fn catalog_query(template: &str, named: &[String]) -> String {
    let list = named
        .iter()
        .map(|s| Postgres.quote_str(s))
        .collect::<Vec<_>>()
        .join(", ");
    let (schemas, unnamed) = if named.is_empty() {
        ("n.nspname = current_schema()".to_owned(), String::new())
    } else {
        (
            format!("(n.nspname = current_schema() OR n.nspname IN ({list}))"),
            format!(" AND ns.nspname NOT IN ({list})"),
        )
    };
    let key = format!(
        "(CASE WHEN ns.nspname = current_schema(){unnamed} THEN rel.relname ELSE ns.nspname || '.' || rel.relname END)::text"
    );
    let mut sql = template.replace("{schemas}", &schemas);
    for (ns, rel) in [("n", "c"), ("n", "t"), ("rn", "rt")] {
        let this = key
            .replace("ns.", &format!("{ns}."))
            .replace("rel.", &format!("{rel}."));
        sql = sql.replace(&format!("{{key({ns}, {rel})}}"), &this);
    }
    sql
}

/// The catalog queries of an introspection of the default schema and the
/// `named` ones: columns, indexes, foreign keys, checks.
pub(crate) fn catalog_queries(named: &[String]) -> [String; 4] {
    [COLUMNS, INDEXES, FOREIGN_KEYS, CHECKS].map(|q| catalog_query(q, named))
}

impl Introspector for Postgres {
    fn introspect<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<Schema>> {
        self.introspect_schemas(db, &[])
    }

    /// Four catalog queries whatever the number of tables and schemas.
    fn introspect_schemas<'a>(
        &'a self,
        db: &'a Db,
        schemas: &'a [String],
    ) -> BoxFuture<'a, Result<Schema>> {
        Box::pin(async move {
            let [columns, indexes, foreign_keys, checks] = catalog_queries(schemas);
            let mut tables: BTreeMap<String, Table> = BTreeMap::new();
            for row in db.fetch_all(&columns).await? {
                let table: String = get(&row, 0)?;
                if is_internal_table(&table) {
                    continue;
                }
                let name: String = get(&row, 1)?;
                let ty = match enum_type(get(&row, 5)?, get(&row, 6)?)? {
                    Some(ty) => ty,
                    None => parse_type(&get::<String>(&row, 2)?),
                };
                let not_null: i64 = get(&row, 3)?;
                let default: Option<String> = get(&row, 4)?;
                let mut column = Column::new(name, ty);
                column.nullable = not_null == 0;
                // A `serial` column's `nextval(...)` is how it generates keys,
                // not a default m manages: it is left alone.
                column.default = default
                    .map(|d| strip_casts(&d).to_owned())
                    .filter(|d| !d.eq_ignore_ascii_case("null") && !d.starts_with("nextval("))
                    .map(|d| parse_default(&d, &column.ty, Escapes::Standard));
                tables
                    .entry(table.clone())
                    .or_insert_with(|| Table::new(table))
                    .columns
                    .push(column);
            }
            for row in db.fetch_all(&indexes).await? {
                let table: String = get(&row, 0)?;
                let Some(t) = tables.get_mut(&table) else {
                    continue;
                };
                let name: String = get(&row, 1)?;
                let unique: i64 = get(&row, 2)?;
                let primary: i64 = get(&row, 3)?;
                let column: String = get(&row, 4)?;
                if primary != 0 {
                    t.primary_key.push(column);
                    continue;
                }
                add_index_column(t, name, column, unique != 0);
            }
            for row in db.fetch_all(&foreign_keys).await? {
                let table: String = get(&row, 0)?;
                let Some(t) = tables.get_mut(&table) else {
                    continue;
                };
                let name: String = get(&row, 1)?;
                let ref_table: String = get(&row, 2)?;
                let column: String = get(&row, 3)?;
                let ref_column: String = get(&row, 4)?;
                let on_delete: String = get(&row, 5)?;
                add_foreign_key_column(
                    t,
                    name,
                    column,
                    ref_table,
                    ref_column,
                    referential_action(&on_delete),
                );
            }
            for row in db.fetch_all(&checks).await? {
                let table: String = get(&row, 0)?;
                let Some(t) = tables.get_mut(&table) else {
                    continue;
                };
                t.checks.push(Check {
                    name: get(&row, 1)?,
                    expr: get(&row, 2)?,
                });
            }
            Ok(Schema {
                tables,
                ..Schema::default()
            })
        })
    }
}

/// A column of an enum type (`CREATE TYPE mood AS ENUM (...)`) as
/// [`LogicalType::Enum`], from its type's name and its labels as a JSON
/// array (the catalog's order); `None` for a column of another type.
fn enum_type(name: Option<String>, labels: Option<String>) -> Result<Option<LogicalType>> {
    let (Some(name), Some(labels)) = (name, labels) else {
        return Ok(None);
    };
    let values: Vec<String> = serde_json::from_str(&labels).map_err(|e| {
        Error::Introspect(format!("the labels of enum type `{name}` ({labels}): {e}"))
    })?;
    Ok(Some(LogicalType::Enum {
        name: name.into(),
        values: values.into(),
    }))
}

/// `pg_constraint.confdeltype` to an action.
fn referential_action(code: &str) -> ReferentialAction {
    match code {
        "r" => ReferentialAction::Restrict,
        "c" => ReferentialAction::Cascade,
        "n" => ReferentialAction::SetNull,
        "d" => ReferentialAction::SetDefault,
        _ => ReferentialAction::NoAction,
    }
}

/// A PostgreSQL type (as `format_type` prints it, or any alias a user may
/// write) back to its logical type.
fn parse_type(sql: &str) -> LogicalType {
    let (name, args) = split_type(sql);
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    match (name.as_str(), args.as_slice()) {
        ("boolean" | "bool", []) => LogicalType::Bool,
        ("smallint" | "int2", []) => LogicalType::I16,
        ("integer" | "int" | "int4", []) => LogicalType::I32,
        ("bigint" | "int8", []) => LogicalType::I64,
        ("real" | "float4", []) => LogicalType::F32,
        ("double precision" | "float8", []) => LogicalType::F64,
        ("character varying" | "varchar", [n]) => LogicalType::String {
            max_length: Some(*n),
        },
        ("character varying" | "varchar" | "text", []) => LogicalType::String { max_length: None },
        ("bytea", []) => LogicalType::Bytes,
        ("date", []) => LogicalType::Date,
        ("time" | "time without time zone", _) => LogicalType::Time,
        ("timestamp" | "timestamp without time zone", _) => LogicalType::DateTime,
        ("timestamptz" | "timestamp with time zone", _) => LogicalType::Timestamp,
        ("numeric" | "decimal", [p, s]) if *p <= 255 && *s <= 255 => LogicalType::Decimal {
            precision: *p as u8,
            scale: *s as u8,
        },
        ("numeric" | "decimal", [p]) if *p <= 255 => LogicalType::Decimal {
            precision: *p as u8,
            scale: 0,
        },
        ("uuid", []) => LogicalType::Uuid,
        ("jsonb", []) => LogicalType::Json,
        (other, args) => LogicalType::Custom {
            sql: custom_spelling(sql, other, args).into(),
        },
    }
}

/// One spelling for a type m has no logical type for: `format_type`'s
/// (`char(2)` → `character(2)`); a type with non-numeric arguments keeps
/// its own, lowercased.
fn custom_spelling(sql: &str, name: &str, args: &[u32]) -> String {
    let simple = sql.find('(').is_none_or(|open| {
        sql[open..]
            .chars()
            .all(|c| c.is_ascii_digit() || "(), ".contains(c))
    });
    if !simple {
        return sql.trim().to_ascii_lowercase();
    }
    let name = match name {
        "char" | "bpchar" => "character",
        "timetz" => "time with time zone",
        "varbit" => "bit varying",
        other => other,
    };
    match args {
        [] if name == "character" => "character(1)".to_owned(),
        [] => name.to_owned(),
        args => format!(
            "{name}({})",
            args.iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

/// Strips the casts `pg_get_expr` adds to a default:
/// `'x'::character varying` → `'x'`, `'-3'::integer` → `'-3'`.
fn strip_casts(expr: &str) -> &str {
    let mut expr = expr.trim();
    while let Some(at) = last_top_level_cast(expr) {
        expr = expr[..at].trim_end();
    }
    expr
}

/// The byte offset of the last `::` outside quotes and parentheses, if what
/// follows it is a type name.
fn last_top_level_cast(expr: &str) -> Option<usize> {
    let bytes = expr.as_bytes();
    let (mut depth, mut quoted, mut last) = (0i32, false, None);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted => depth -= 1,
            b':' if !quoted && depth == 0 && bytes.get(i + 1) == Some(&b':') => {
                last = Some(i);
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    let at = last?;
    let ty = &expr[at + 2..];
    ty.chars()
        .all(|c| c.is_ascii_alphanumeric() || " _\"[](),".contains(c))
        .then_some(at)
}

/// The advisory lock key of m's migration lock: the bytes `m:migrat`.
const LOCK_KEY: i64 = i64::from_be_bytes(*b"m:migrat");

/// Polls `pg_try_advisory_lock` on `conn`'s session until `timeout`.
async fn advisory_lock(locker: &Postgres, conn: &Db, timeout: Duration) -> Result<()> {
    let sql =
        format!("SELECT (CASE WHEN pg_try_advisory_lock({LOCK_KEY}) THEN 1 ELSE 0 END)::bigint");
    let started = Instant::now();
    loop {
        if conn.fetch_i64(&sql).await? == Some(1) {
            return Ok(());
        }
        if started.elapsed() >= timeout {
            let holder = locker.holder(conn).await?;
            return Err(Error::LockTimeout {
                lock: format!("m's migration lock (PostgreSQL advisory lock {LOCK_KEY})"),
                waited: timeout,
                holder: holder.map(|h| format!("it is held by {h}")),
            });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Locker for Postgres {
    /// Polls `pg_try_advisory_lock` on a connection of its own until
    /// `timeout`. The guard owns that connection: dropping it (or the
    /// process dying) ends the session, which releases the lock.
    fn acquire<'a>(&'a self, url: &'a str, timeout: Duration) -> BoxFuture<'a, Result<LockGuard>> {
        Box::pin(async move {
            let conn = Db::connect_with(url, std::sync::Arc::new(Postgres)).await?;
            advisory_lock(self, &conn, timeout).await?;
            Ok(LockGuard::connection(conn))
        })
    }

    /// The advisory lock on `db`'s own session: when a client is killed,
    /// its server session finishes the statement it is running (and rolls
    /// back its transaction) before it ends, and the lock must not be free
    /// before that. Released when `db` is closed.
    fn acquire_for<'a>(
        &'a self,
        db: &'a Db,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<LockGuard>> {
        Box::pin(async move {
            advisory_lock(self, db, timeout).await?;
            Ok(LockGuard::new(()))
        })
    }

    /// `pg_advisory_unlock` on `db`'s session.
    fn release_for<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            db.execute(&format!("SELECT pg_advisory_unlock({LOCK_KEY})"))
                .await
                .map(drop)
        })
    }

    /// The session holding the advisory lock, from `pg_locks` and
    /// `pg_stat_activity` (a bigint key is split into `classid`, the high
    /// half, and `objid`, the low half).
    fn holder<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<Option<String>>> {
        let (high, low) = ((LOCK_KEY >> 32) as u32, LOCK_KEY as u32);
        Box::pin(async move {
            super::lock::first_text(
                db,
                &format!(
                    "SELECT 'PostgreSQL backend pid ' || a.pid || ' (' || COALESCE(NULLIF(a.application_name, ''), 'no application_name') || ', from ' || COALESCE(host(a.client_addr), 'a local socket') || ', connected at ' || to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ') || ')' FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND l.classid = {high} AND l.objid = {low} AND l.objsubid = 1"
                ),
            )
            .await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::DefaultValue;

    #[test]
    fn picks_a_lease_on_distributed_postgres() {
        assert_eq!(
            lock_strategy_for("PostgreSQL 15.20 (Debian 15.20-0+deb12u1) on x86_64-pc-linux-gnu"),
            LockStrategy::Native
        );
        assert_eq!(
            lock_strategy_for("CockroachDB CCL v24.1.0 (x86_64-pc-linux-gnu, built 2024/05/15)"),
            LockStrategy::Lease
        );
        assert_eq!(
            lock_strategy_for("PostgreSQL 11.2-YB-2.20.1.0-b0 on x86_64-pc-linux-gnu"),
            LockStrategy::Lease
        );
    }

    #[test]
    fn parses_types_and_aliases() {
        assert_eq!(parse_type("integer"), LogicalType::I32);
        assert_eq!(parse_type("int4"), LogicalType::I32);
        assert_eq!(parse_type("INT8"), LogicalType::I64);
        assert_eq!(
            parse_type("character varying(20)"),
            LogicalType::String {
                max_length: Some(20)
            }
        );
        assert_eq!(
            parse_type("varchar(20)"),
            LogicalType::String {
                max_length: Some(20)
            }
        );
        assert_eq!(parse_type("text"), LogicalType::String { max_length: None });
        assert_eq!(parse_type("double precision"), LogicalType::F64);
        assert_eq!(parse_type("float8"), LogicalType::F64);
        assert_eq!(parse_type("bool"), LogicalType::Bool);
        assert_eq!(
            parse_type("numeric(10,2)"),
            LogicalType::Decimal {
                precision: 10,
                scale: 2
            }
        );
        assert_eq!(
            parse_type("decimal(10, 2)"),
            LogicalType::Decimal {
                precision: 10,
                scale: 2
            }
        );
        assert_eq!(
            parse_type("timestamp without time zone"),
            LogicalType::DateTime
        );
        assert_eq!(
            parse_type("timestamp(3) with time zone"),
            LogicalType::Timestamp
        );
        assert_eq!(parse_type("jsonb"), LogicalType::Json);
        assert_eq!(
            parse_type("Point"),
            LogicalType::Custom {
                sql: "point".into()
            }
        );
        assert_eq!(
            parse_type("numeric"),
            LogicalType::Custom {
                sql: "numeric".into()
            }
        );
    }

    #[test]
    fn spells_other_types_one_way() {
        let custom = |sql: &str| LogicalType::Custom {
            sql: sql.to_owned().into(),
        };
        assert_eq!(parse_type("char(2)"), custom("character(2)"));
        assert_eq!(parse_type("character(2)"), custom("character(2)"));
        assert_eq!(parse_type("bpchar"), custom("character(1)"));
        assert_eq!(parse_type("timetz"), custom("time with time zone"));
        assert_eq!(parse_type("integer[]"), custom("integer[]"));
        assert_eq!(parse_type("bit varying(8)"), custom("bit varying(8)"));
    }

    #[test]
    fn strips_casts_from_defaults() {
        assert_eq!(strip_casts("'it''s'::character varying"), "'it''s'");
        assert_eq!(strip_casts("'-3'::integer"), "'-3'");
        assert_eq!(strip_casts("'{}'::jsonb"), "'{}'");
        assert_eq!(strip_casts("'a::b'::text"), "'a::b'");
        assert_eq!(
            strip_casts("('x'::text)::character varying(3)"),
            "('x'::text)"
        );
        assert_eq!(strip_casts("now()"), "now()");
        assert_eq!(strip_casts("9.99"), "9.99");
    }

    #[test]
    fn parses_defaults() {
        let parse =
            |d: &str, ty: &LogicalType| parse_default(strip_casts(d), ty, Escapes::Standard);
        assert_eq!(
            parse("'-3'::integer", &LogicalType::I16),
            DefaultValue::Int(-3)
        );
        assert_eq!(
            parse("'a\\b'::text", &LogicalType::String { max_length: None }),
            DefaultValue::Text("a\\b".into())
        );
        assert_eq!(parse("true", &LogicalType::Bool), DefaultValue::Bool(true));
        assert_eq!(
            parse("'-2.5'::numeric", &LogicalType::F32),
            DefaultValue::Float(-2.5)
        );
        assert_eq!(
            parse("CURRENT_TIMESTAMP", &LogicalType::Timestamp),
            DefaultValue::CurrentTimestamp
        );
        assert_eq!(
            parse("now()", &LogicalType::DateTime),
            DefaultValue::CurrentTimestamp
        );
    }

    #[test]
    fn adds_enum_values_in_the_declared_order_and_refuses_to_drop_one() {
        let mood = |values: &'static [&'static str]| LogicalType::Enum {
            name: "mood".into(),
            values: crate::schema::EnumValues::from_static(values),
        };
        let table = Table::new("t").column(Column::new("m", mood(&["a", "x", "b", "y"])));
        let AlterSql::Statements(sql) =
            Postgres.alter_column_type_from(&table, &table.columns[0], &mood(&["a", "b"]))
        else {
            panic!()
        };
        assert_eq!(
            sql,
            [
                r#"ALTER TYPE "mood" ADD VALUE IF NOT EXISTS 'x' BEFORE 'b'"#,
                r#"ALTER TYPE "mood" ADD VALUE IF NOT EXISTS 'y' AFTER 'b'"#,
            ]
        );
        let change = |from, to| Change::AlterColumnType {
            table: "t".into(),
            column: "m".into(),
            from,
            to,
        };
        assert_eq!(
            Postgres.unsupported_change(&change(mood(&["a", "b"]), mood(&["a", "x", "b"]))),
            None
        );
        let dropped = Postgres.unsupported_change(&change(mood(&["a", "b"]), mood(&["a"])));
        assert!(dropped.is_some_and(|why| why.contains("cannot drop `b` from")));
        let reordered = Postgres.unsupported_change(&change(mood(&["a", "b"]), mood(&["b", "a"])));
        assert!(reordered.is_some_and(|why| why.contains("cannot reorder the values of")));
    }

    #[test]
    fn alters_type_with_a_default() {
        let table = Table::new("t")
            .column(Column::new("n", LogicalType::I64).default(DefaultValue::Int(1)));
        let AlterSql::Statements(sql) = Postgres.alter_column_type(&table, &table.columns[0])
        else {
            panic!()
        };
        assert_eq!(
            sql,
            [
                r#"ALTER TABLE "t" ALTER COLUMN "n" DROP DEFAULT, ALTER COLUMN "n" TYPE BIGINT USING ("n"::BIGINT), ALTER COLUMN "n" SET DEFAULT 1"#
            ]
        );
    }
}
