use crate::diff::Change;
use crate::plan::Impact;
use crate::risk::{Operand, Probe, Target};
use crate::schema::{
    Check, Column, DefaultValue, DependentKind, ForeignKey, Index, LogicalType, ReferentialAction,
    Table, split_table_name,
};

/// How one schema change is carried out on a backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AlterSql {
    /// These statements, in order.
    Statements(Vec<String>),
    /// The database cannot alter in place: rebuild the whole table
    /// (SQLite's documented procedure), see [`Dialect::rebuild_table`].
    Rebuild,
}

/// How a backend stores an enumeration column ([`LogicalType::Enum`]);
/// the planner rewrites both schemas in these terms before diffing
/// ([`crate::plan::resolve_sql_types`]), so each reuses the comparison
/// and risk rules of what it becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnumStorage {
    /// Unbounded text and a CHECK constraint `<table>_<column>_values`
    /// listing the values (`col IN ('a', 'b')`): a value added is a SAFE
    /// widening of the check, one removed is measured.
    CheckedText,
    /// The column type `ENUM('a', 'b')` (MySQL, MariaDB), compared by its
    /// values: added values are a SAFE type change, removed ones a
    /// measured narrowing.
    NativeColumn,
}

/// The SQL a backend speaks. Pure text: no I/O.
///
/// The default methods are the SQL that SQLite, PostgreSQL and MySQL share;
/// a dialect overrides only what its database spells differently, so
/// dialect differences live in the dialect modules and nowhere else.
pub trait Dialect: Send + Sync {
    /// Quotes an identifier (`"name"` or `` `name` ``), escaping the quote character.
    fn quote_ident(&self, ident: &str) -> String;

    /// A table reference: `name` is a key of a [`Schema`](crate::schema::Schema)
    /// (`book`, or `billing.invoice` in a named schema, see
    /// [`split_table_name`]), quoted part by part (`"billing"."invoice"`).
    /// Every statement m writes names its tables through this function.
    ///
    /// ```
    /// use m_runtime::backend::{Dialect, sqlite::Sqlite};
    ///
    /// assert_eq!(Sqlite.quote_table("billing.invoice"), r#""billing"."invoice""#);
    /// assert_eq!(Sqlite.quote_table("book"), r#""book""#);
    /// ```
    fn quote_table(&self, name: &str) -> String {
        match split_table_name(name) {
            (Some(schema), table) => {
                format!("{}.{}", self.quote_ident(schema), self.quote_ident(table))
            }
            (None, table) => self.quote_ident(table),
        }
    }

    /// Whether tables may live in named schemas (PostgreSQL). Where they
    /// may not, planning refuses a declared schema that names one.
    fn supports_schemas(&self) -> bool {
        false
    }

    /// `CREATE SCHEMA IF NOT EXISTS` for the schema `table` lives in, where
    /// it names one and this database has schemas: a table's creation (and
    /// a move into another schema) starts with it, so the first table of
    /// a schema brings the schema along.
    fn create_schema(&self, table: &Table) -> Option<String> {
        let schema = table.schema().filter(|_| self.supports_schemas())?;
        Some(format!(
            "CREATE SCHEMA IF NOT EXISTS {}",
            self.quote_ident(schema)
        ))
    }

    /// The SQL type of `column` in `table`.
    fn column_type(&self, table: &Table, column: &Column) -> String;

    /// A type spelled in this dialect's SQL (`int4`, `character varying(20)`)
    /// as the logical type it stands for; `Custom` when it has none. The
    /// planner reads `sql_type = "..."` declarations through it, so that a
    /// declared alias compares equal to what the catalog reports.
    fn normalize_type(&self, sql: &str) -> LogicalType {
        LogicalType::Custom {
            sql: sql.to_owned().into(),
        }
    }

    /// How this database stores an enumeration column (default: text with
    /// a CHECK listing the values).
    fn enum_storage(&self) -> EnumStorage {
        EnumStorage::CheckedText
    }

    /// How this database carries out `change`, when that matters to the
    /// risk (a table rewrite, no rollback); the planner appends it to the
    /// reason of WARNING and BREAKING changes.
    fn risk_note(&self, _change: &Change) -> Option<&'static str> {
        None
    }

    /// Whether DDL can be rolled back inside a transaction.
    fn transactional_ddl(&self) -> bool {
        true
    }

    /// Statements run before a sync transaction opens (e.g. SQLite turns off
    /// foreign key enforcement for table rebuilds).
    fn before_sync(&self) -> &'static [&'static str] {
        &[]
    }

    /// Statements run after a sync transaction closes, committed or not.
    fn after_sync(&self) -> &'static [&'static str] {
        &[]
    }

    /// A query that must return no rows before a sync commits
    /// (SQLite: `PRAGMA foreign_key_check`).
    fn integrity_check(&self) -> Option<&'static str> {
        None
    }

    /// The `n`th (1-based) bound parameter of a statement: `?` or `$n`.
    fn placeholder(&self, _n: usize) -> String {
        "?".to_owned()
    }

    /// Whether column names compare case-insensitively (MySQL, SQLite): the
    /// planner then matches a live `Title` to a declared `title` instead of
    /// seeing a new column and an orphan.
    fn case_insensitive_columns(&self) -> bool {
        false
    }

    /// Whether table names compare case-insensitively (SQLite).
    fn case_insensitive_tables(&self) -> bool {
        false
    }

    /// What of `table` this database cannot build: `(column, message)`
    /// pairs whose message says what to declare instead (e.g. MySQL cannot
    /// put a unique index on unbounded text). The planner blocks the
    /// changes that need it.
    fn unsupported(&self, _table: &Table) -> Vec<(String, String)> {
        Vec::new()
    }

    /// Why this database cannot carry out `change` at all, if it cannot
    /// (e.g. PostgreSQL cannot drop a value from an enum type); the
    /// planner blocks it with this explanation, whatever its risk.
    fn unsupported_change(&self, _change: &Change) -> Option<String> {
        None
    }

    /// Whether a foreign key may join a column of type `column` to a
    /// referenced column of type `referenced`. By default: the same type,
    /// or strings of any lengths; a type m does not model (`Custom`) is
    /// left to the database.
    fn foreign_key_types_compatible(&self, column: &LogicalType, referenced: &LogicalType) -> bool {
        use crate::schema::TypeFamily as F;
        crate::diff::types_equal(column, referenced)
            || column.family() == F::Text && referenced.family() == F::Text
            || column.family() == F::Custom
            || referenced.family() == F::Custom
    }

    /// Why this database would refuse foreign key `fk` of `table` to
    /// `target` (both as they are once the plan has run), if it would.
    /// By default: column types it cannot join
    /// ([`Dialect::foreign_key_types_compatible`]).
    fn foreign_key_problem(
        &self,
        table: &Table,
        fk: &ForeignKey,
        target: &Table,
    ) -> Option<String> {
        foreign_key_type_problem(self, table, fk, target)
    }

    /// Whether the database keeps a foreign key through a type change of
    /// one of its columns (PostgreSQL re-checks it; MySQL refuses the
    /// change). Where it does not, the planner drops the key before the
    /// first type change of its columns and adds it back after the last.
    fn type_change_keeps_foreign_keys(&self) -> bool {
        true
    }

    /// Opens a transaction.
    fn begin(&self) -> &'static str {
        "BEGIN"
    }

    /// A string literal, with quotes and escapes.
    fn quote_str(&self, value: &str) -> String {
        format!("'{}'", value.replace('\'', "''"))
    }

    /// A boolean literal (`TRUE` or `FALSE` by default).
    fn bool_literal(&self, value: bool) -> &'static str {
        if value { "TRUE" } else { "FALSE" }
    }

    /// The `DEFAULT` expression of a value.
    fn default_expr(&self, value: &DefaultValue, ty: &LogicalType) -> String {
        match value {
            DefaultValue::Bool(b) => self.bool_literal(*b).to_owned(),
            DefaultValue::Int(i) => i.to_string(),
            DefaultValue::Float(f) => format!("{f:?}"),
            DefaultValue::Text(t) => self.quote_str(t),
            DefaultValue::CurrentTimestamp => self.current_timestamp(ty),
            DefaultValue::Sql(sql) => self.sql_default(sql),
        }
    }

    /// The current date and time as the default of a column of type `ty`.
    fn current_timestamp(&self, _ty: &LogicalType) -> String {
        "CURRENT_TIMESTAMP".to_owned()
    }

    /// A raw SQL expression as a `DEFAULT`.
    fn sql_default(&self, sql: &str) -> String {
        sql.to_owned()
    }

    /// The expression for a text value's length in characters.
    fn char_length(&self, expr: &str) -> String {
        format!("CHAR_LENGTH({expr})")
    }

    /// `expr` as text, to compare values of unrelated types.
    fn cast_to_text(&self, expr: &str) -> String {
        format!("CAST({expr} AS TEXT)")
    }

    /// `expr` (a double) as a 32-bit float, where the database has one
    /// (`None` where floats are all 64-bit, as SQLite's `REAL`).
    fn float32(&self, expr: &str) -> Option<String> {
        Some(format!("CAST({expr} AS REAL)"))
    }

    /// A condition true for a value of `expr`, of type `from`, that would
    /// change or not fit when the column becomes `to`: a string longer than
    /// the new length, an integer out of range, a decimal that rounds or
    /// overflows, a double a float cannot hold exactly. A conversion this
    /// method does not know counts every non-NULL value.
    fn unfit_condition(&self, expr: &str, from: &LogicalType, to: &LogicalType) -> String {
        use LogicalType as T;
        match (from, to) {
            (
                T::String { .. },
                T::String {
                    max_length: Some(max),
                },
            ) => format!("{} > {max}", self.char_length(expr)),
            (_, T::I16 | T::I32 | T::I64) if from.integer_width().is_some() => {
                let (min, max) = match to {
                    T::I16 => (i16::MIN.into(), i16::MAX.into()),
                    T::I32 => (i32::MIN.into(), i32::MAX.into()),
                    _ => (i64::MIN, i64::MAX),
                };
                format!("({expr} < {min} OR {expr} > {max})")
            }
            (T::Decimal { .. } | T::I16 | T::I32 | T::I64, T::Decimal { precision, scale }) => {
                let limit = format!("1{}", "0".repeat(precision.saturating_sub(*scale).into()));
                format!(
                    "({expr} <> ROUND({expr}, {scale}) OR ABS(ROUND({expr}, {scale})) >= {limit})"
                )
            }
            (T::F64, T::F32) => {
                let range = format!(
                    "ABS({expr}) > {:e} OR ({expr} <> 0 AND ABS({expr}) < {:e})",
                    f32::MAX as f64,
                    f32::MIN_POSITIVE as f64
                );
                match self.float32(expr) {
                    // CASE: the cast runs only on values in range (PostgreSQL
                    // rejects an overflow or underflow).
                    Some(float) => format!(
                        "(CASE WHEN {range} THEN 1 WHEN {float} <> {expr} THEN 1 ELSE 0 END) = 1"
                    ),
                    None => format!("({range})"),
                }
            }
            // Integers beyond the float's exact range (2^53, 2^24) may
            // round; counted whether or not the value happens to be exact.
            (T::I32 | T::I64, T::F32 | T::F64) => {
                let exact = if *to == T::F32 {
                    1u64 << 24
                } else {
                    1u64 << 53
                };
                format!("({expr} > {exact} OR {expr} < -{exact})")
            }
            (T::Date | T::DateTime | T::Timestamp, T::Date | T::DateTime | T::Timestamp) => {
                self.temporal_unfit(expr, to)
            }
            // An enumeration losing values: the rows holding one of those.
            (_, T::Enum { values, .. }) => {
                let values: Vec<String> = values.iter().map(|v| self.quote_str(v)).collect();
                format!("{} NOT IN ({})", self.cast_to_text(expr), values.join(", "))
            }
            (
                T::Enum { .. },
                T::String {
                    max_length: Some(max),
                },
            ) => format!("{} > {max}", self.char_length(&self.cast_to_text(expr))),
            // An ENUM losing values: the rows holding one of those.
            (T::Custom { .. }, T::Custom { .. }) if to.enum_values().is_some() => {
                let values: Vec<String> = to
                    .enum_values()
                    .unwrap_or_default()
                    .iter()
                    .map(|v| self.quote_str(v))
                    .collect();
                format!("{expr} NOT IN ({})", values.join(", "))
            }
            _ => format!("{expr} IS NOT NULL"),
        }
    }

    /// The condition of [`Dialect::unfit_condition`] between date and time
    /// types: by default none (every value converts).
    fn temporal_unfit(&self, _expr: &str, _to: &LogicalType) -> String {
        "1 = 0".to_owned()
    }

    /// A NULL of type `ty`, where a NULL standing for a column must carry
    /// its type (PostgreSQL types a bare NULL in a derived table as
    /// `text`); by default a bare `NULL`.
    fn typed_null(&self, _ty: &LogicalType) -> String {
        "NULL".to_owned()
    }

    /// A probe operand as SQL; a column is qualified with `alias`, if any.
    fn operand_sql(&self, operand: &Operand, alias: Option<&str>) -> String {
        match (operand, alias) {
            (Operand::Column { name, .. }, Some(alias)) => {
                format!("{alias}.{}", self.quote_ident(name))
            }
            (Operand::Column { name, .. }, None) => self.quote_ident(name),
            (Operand::Value { value: None, .. }, _) => "NULL".to_owned(),
            (Operand::Value { value: Some(v), ty }, _) => self.default_expr(v, ty),
        }
    }

    /// `a = b`, compared as text where the two types cannot be compared
    /// as they are (a string and a number, say).
    fn equals_sql(&self, a: (&str, &LogicalType), b: (&str, &LogicalType)) -> String {
        use crate::schema::TypeFamily as F;
        let numeric = |f: F| matches!(f, F::Integer | F::Float | F::Decimal);
        let (fa, fb) = (a.1.family(), b.1.family());
        if fa == fb && fa != F::Custom || numeric(fa) && numeric(fb) {
            format!("{} = {}", a.0, b.0)
        } else {
            format!("{} = {}", self.cast_to_text(a.0), self.cast_to_text(b.0))
        }
    }

    /// A query whose rows (one text column) are those of `names` that a
    /// relation other than a table introspection reads already takes (a
    /// view, an index, a sequence); `None` where the database has no way
    /// to tell. Every name is a table the plan creates.
    fn relations_named_sql(&self, _names: &[String]) -> Option<String> {
        None
    }

    /// A query whose rows are `(table, column, user)`: the views or rules
    /// that use one of `columns` (`(table, column)` pairs) where the
    /// database refuses to change the type of a column they use; `None`
    /// where it does not refuse (it re-reads a view when it is used).
    fn column_users_sql(&self, _columns: &[(String, String)]) -> Option<String> {
        None
    }

    /// Whether `catalog` is how the catalog spells the string `stored`
    /// that this database holds, as introspection reads defaults back
    /// (MariaDB's `information_schema` is utf8mb3: a 4-byte character reads
    /// as `?`). By default, the same string.
    fn catalog_spells(&self, stored: &str, catalog: &str) -> bool {
        stored == catalog
    }

    /// How the catalog spells the SQL expression default `declared` (what
    /// the server rewrites: PostgreSQL's `::text` casts of literals,
    /// MariaDB's `lcase` for `lower`), so that the two compare equal; by
    /// default as written.
    fn catalog_sql<'a>(&self, declared: &'a str) -> std::borrow::Cow<'a, str> {
        std::borrow::Cow::Borrowed(declared)
    }

    /// Whether this database stores a column of type `live` exactly as one
    /// of type `declared`, so that the difference is no change (SQLite's
    /// type affinity: it enforces no length, precision or integer width).
    fn stores_alike(&self, _live: &LogicalType, _declared: &LogicalType) -> bool {
        false
    }

    /// Whether this database enforces the referential actions `live` and
    /// `declared` alike, so that the difference is no change (InnoDB's
    /// `NO ACTION` is `RESTRICT`, and MariaDB reports a key declared
    /// without `ON DELETE` as `RESTRICT`).
    fn actions_alike(&self, live: ReferentialAction, declared: ReferentialAction) -> bool {
        live == declared
    }

    /// A query returning one integer: the number of rows `probe` counts.
    fn probe_sql(&self, probe: &Probe) -> String {
        let q = |s: &str| self.quote_ident(s);
        let qt = |s: &str| self.quote_table(s);
        let all_not_null = |exprs: &[String]| {
            exprs
                .iter()
                .map(|e| format!("{e} IS NOT NULL"))
                .collect::<Vec<_>>()
                .join(" AND ")
        };
        match probe {
            Probe::Rows { table } => format!("SELECT COUNT(*) FROM {}", qt(table)),
            Probe::NameTaken { name } => match self.relations_named_sql(std::slice::from_ref(name))
            {
                Some(sql) => format!("SELECT COUNT(*) FROM ({sql}) AS {}", q("r")),
                None => "SELECT 0".to_owned(),
            },
            Probe::Nulls { table, column } => {
                format!(
                    "SELECT COUNT(*) FROM {} WHERE {} IS NULL",
                    qt(table),
                    q(column)
                )
            }
            Probe::Unfit {
                table,
                column,
                from,
                to,
            } => format!(
                "SELECT COUNT(*) FROM {} WHERE {c} IS NOT NULL AND ({})",
                qt(table),
                self.unfit_condition(&q(column), from, to),
                c = q(column)
            ),
            Probe::CheckViolations {
                table,
                columns,
                expr,
            } if columns.is_empty() => {
                format!("SELECT COUNT(*) FROM {} WHERE NOT ({expr})", qt(table))
            }
            Probe::CheckViolations {
                table,
                columns,
                expr,
            } => {
                let select = columns
                    .iter()
                    .map(|(name, operand)| {
                        let value = match operand {
                            Operand::Value { value: None, ty } => self.typed_null(ty),
                            operand => self.operand_sql(operand, None),
                        };
                        format!("{value} AS {}", q(name))
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                format!(
                    "SELECT COUNT(*) FROM (SELECT {select} FROM {}) AS {} WHERE NOT ({expr})",
                    qt(table),
                    q(split_table_name(table).1)
                )
            }
            Probe::Duplicates { table, columns } => {
                let keys: Vec<String> = columns.iter().map(|c| self.operand_sql(c, None)).collect();
                // A window count per key: no GROUP BY, whose numbers are
                // column positions, and no SUM, which is NUMERIC on PostgreSQL.
                format!(
                    "SELECT COUNT(*) FROM (SELECT COUNT(*) OVER (PARTITION BY {}) AS {n} FROM {} WHERE {}) AS {s} WHERE {s}.{n} > 1",
                    keys.join(", "),
                    qt(table),
                    all_not_null(&keys),
                    n = q("n"),
                    s = q("s"),
                )
            }
            Probe::KeyViolations { table, columns } => {
                let keys: Vec<String> = columns.iter().map(|c| self.operand_sql(c, None)).collect();
                let any_null = keys
                    .iter()
                    .map(|e| format!("{e} IS NULL"))
                    .collect::<Vec<_>>()
                    .join(" OR ");
                format!(
                    "SELECT COUNT(*) FROM (SELECT COUNT(*) OVER (PARTITION BY {}) AS {n}, CASE WHEN {any_null} THEN 1 ELSE 0 END AS {z} FROM {}) AS {s} WHERE {s}.{n} > 1 OR {s}.{z} = 1",
                    keys.join(", "),
                    qt(table),
                    n = q("n"),
                    z = q("z"),
                    s = q("s"),
                )
            }
            Probe::Dangling {
                table,
                columns,
                target,
            } => {
                let t = q("t");
                let refs: Vec<String> = columns
                    .iter()
                    .map(|c| self.operand_sql(c, Some(&t)))
                    .collect();
                let mut sql = format!(
                    "SELECT COUNT(*) FROM {} AS {t} WHERE {}",
                    qt(table),
                    all_not_null(&refs)
                );
                // A table the plan creates has no rows: every reference dangles.
                if let Target::Table {
                    table: ref_table,
                    columns: targets,
                } = target
                {
                    let r = q("r");
                    let join = columns
                        .iter()
                        .zip(&refs)
                        .zip(targets)
                        .map(|((c, c_sql), target)| {
                            self.equals_sql(
                                (&self.operand_sql(target, Some(&r)), target.ty()),
                                (c_sql, c.ty()),
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(" AND ");
                    sql.push_str(&format!(
                        " AND NOT EXISTS (SELECT 1 FROM {} AS {r} WHERE {join})",
                        qt(ref_table)
                    ));
                }
                sql
            }
        }
    }

    /// `"name" TYPE [NOT NULL] [DEFAULT ...]`.
    fn column_definition(&self, table: &Table, column: &Column) -> String {
        let mut sql = format!(
            "{} {}",
            self.quote_ident(&column.name),
            self.column_type(table, column)
        );
        if !column.nullable {
            sql.push_str(" NOT NULL");
        } else if self.explicit_null() {
            sql.push_str(" NULL");
        }
        if let Some(default) = &column.default {
            sql.push_str(" DEFAULT ");
            sql.push_str(&self.default_expr(default, &column.ty));
        }
        sql
    }

    /// Whether a nullable column says `NULL` (MySQL: a `TIMESTAMP` that does
    /// not is NOT NULL on some servers).
    fn explicit_null(&self) -> bool {
        false
    }

    /// The primary key clause of a `CREATE TABLE`.
    fn primary_key_clause(&self, table: &Table) -> Option<String> {
        (!table.primary_key.is_empty())
            .then(|| format!("PRIMARY KEY ({})", self.ident_list(&table.primary_key)))
    }

    /// `CONSTRAINT "fk" FOREIGN KEY (...) REFERENCES "t" (...) ON DELETE ...`.
    fn foreign_key_clause(&self, fk: &ForeignKey) -> String {
        format!(
            "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {}",
            self.quote_ident(&fk.name),
            self.ident_list(&fk.columns),
            self.quote_table(&fk.ref_table),
            self.ident_list(&fk.ref_columns),
            fk.on_delete.sql()
        )
    }

    /// `CREATE TABLE` with its primary key and foreign keys, then its
    /// indexes (in the same statement where [`Dialect::inline_indexes`]).
    fn create_table(&self, table: &Table) -> Vec<String> {
        self.create_table_statements(table, false)
    }

    /// [`Dialect::create_table`] that does nothing where the table exists
    /// (`CREATE TABLE IF NOT EXISTS`, `CREATE INDEX IF NOT EXISTS`): how m
    /// creates its own bookkeeping tables, race-free.
    fn create_table_if_missing(&self, table: &Table) -> Vec<String> {
        self.create_table_statements(table, true)
    }

    /// The statements of [`Dialect::create_table`] (`if_missing`: with
    /// `IF NOT EXISTS`).
    fn create_table_statements(&self, table: &Table, if_missing: bool) -> Vec<String> {
        let if_not_exists = if if_missing { "IF NOT EXISTS " } else { "" };
        let mut parts: Vec<String> = table
            .columns
            .iter()
            .map(|c| self.column_definition(table, c))
            .collect();
        parts.extend(self.primary_key_clause(table));
        let inline = self.inline_indexes();
        if inline {
            parts.extend(table.indexes.iter().map(|i| {
                format!(
                    "{}INDEX {} ({})",
                    if i.unique { "UNIQUE " } else { "" },
                    self.quote_ident(&self.index_name(table, i)),
                    self.index_columns(table, i)
                )
            }));
        }
        parts.extend(
            table
                .foreign_keys
                .iter()
                .map(|fk| self.foreign_key_clause(fk)),
        );
        parts.extend(table.checks.iter().map(|c| self.check_clause(c)));
        let mut statements: Vec<String> = self.create_schema(table).into_iter().collect();
        statements.push(format!(
            "CREATE TABLE {if_not_exists}{} (\n  {}\n)",
            self.quote_table(&table.name),
            parts.join(",\n  ")
        ));
        if !inline {
            statements.extend(
                table
                    .indexes
                    .iter()
                    .map(|i| self.create_index_statement(table, i, if_missing)),
            );
        }
        statements
    }

    /// Whether a `CREATE TABLE` may declare a foreign key to a table that
    /// does not exist yet (SQLite, which resolves references when rows are
    /// written). Where it may not, the planner creates a table that
    /// references one created later in the same plan (tables that reference
    /// each other) without that key, and adds the key with
    /// [`Dialect::add_foreign_key`] once the referenced table exists.
    fn inline_forward_foreign_keys(&self) -> bool {
        false
    }

    /// Whether `CREATE TABLE` declares the indexes too (MySQL), making the
    /// table and its indexes one statement.
    fn inline_indexes(&self) -> bool {
        false
    }

    /// `CREATE [UNIQUE] INDEX` of `index` on `table` (which holds the
    /// index's columns, so that a dialect can look at their types).
    fn create_index(&self, table: &Table, index: &Index) -> String {
        self.create_index_statement(table, index, false)
    }

    /// The statement of [`Dialect::create_index`] (`if_missing`: with
    /// `IF NOT EXISTS`).
    fn create_index_statement(&self, table: &Table, index: &Index, if_missing: bool) -> String {
        format!(
            "CREATE {}INDEX {}{} ON {} ({})",
            if index.unique { "UNIQUE " } else { "" },
            if if_missing { "IF NOT EXISTS " } else { "" },
            self.quote_ident(&self.index_name(table, index)),
            self.quote_table(&table.name),
            self.index_columns(table, index)
        )
    }

    /// The statement that builds `index` while writes to `table` go on
    /// ([`ops::add_index_online`](crate::ops::add_index_online)), run
    /// outside any transaction; by default [`Dialect::create_index`]
    /// (SQLite: its write lock is the whole database's anyway).
    fn create_index_online(&self, table: &Table, index: &Index) -> String {
        self.create_index(table, index)
    }

    /// Where a failed online build leaves an unusable index behind
    /// (PostgreSQL: an `INVALID` one, under the index's name, in its
    /// table's schema): the query that returns a row when index `name` of
    /// `table` (a table key, [`split_table_name`]) is such a leftover, and
    /// the statement that drops it. `None` where a failed build leaves
    /// nothing.
    fn invalid_index(&self, _table: &str, _name: &str) -> Option<(String, String)> {
        None
    }

    /// The name an index is created under (SQLite re-creates the index of a
    /// `UNIQUE` constraint, whose name is reserved, under another).
    fn index_name(&self, _table: &Table, index: &Index) -> String {
        index.name.clone()
    }

    /// The column list of an index (MySQL indexes a prefix of unbounded text).
    fn index_columns(&self, _table: &Table, index: &Index) -> String {
        self.ident_list(&index.columns)
    }

    /// Drops `index` from `table` (the table before the change: its keys
    /// and other indexes tell a dialect what still needs the index).
    fn drop_index(&self, _table: &Table, index: &Index) -> AlterSql {
        AlterSql::Statements(vec![format!(
            "DROP INDEX {}",
            self.quote_ident(&index.name)
        )])
    }

    /// Adds `column` to `table` (the table before the change).
    fn add_column(&self, table: &Table, column: &Column) -> AlterSql {
        AlterSql::Statements(vec![format!(
            "ALTER TABLE {} ADD COLUMN {}",
            self.quote_table(&table.name),
            self.column_definition(table, column)
        )])
    }

    /// Adds a NOT NULL column to a table that has rows, filling them with `fill`,
    /// which is not kept as the column's default.
    fn add_column_filled(&self, table: &Table, column: &Column, fill: &DefaultValue) -> AlterSql {
        let mut with_fill = column.clone();
        with_fill.default = Some(fill.clone());
        let AlterSql::Statements(mut statements) = self.add_column(table, &with_fill) else {
            return AlterSql::Rebuild;
        };
        if column.default.is_none() {
            statements.push(format!(
                "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT",
                self.quote_table(&table.name),
                self.quote_ident(&column.name)
            ));
        }
        AlterSql::Statements(statements)
    }

    /// Changes the type (and only the type) of `column` to its type in `table`.
    fn alter_column_type(&self, table: &Table, column: &Column) -> AlterSql;

    /// [`Dialect::alter_column_type`] knowing the live type `from` (a
    /// dialect whose SQL depends on it overrides this; by default the same).
    fn alter_column_type_from(
        &self,
        table: &Table,
        column: &Column,
        _from: &LogicalType,
    ) -> AlterSql {
        self.alter_column_type(table, column)
    }

    /// Makes `column` NOT NULL (`table` and `column` as they are after the change).
    fn set_not_null(&self, table: &Table, column: &Column) -> AlterSql;

    /// Makes `column` nullable (`table` and `column` as they are after the change).
    fn drop_not_null(&self, table: &Table, column: &Column) -> AlterSql;

    /// Sets `column`'s default to its `default`, or drops it when that is
    /// `None` (`table` and `column` as they are after the change).
    fn alter_default(&self, table: &Table, column: &Column) -> AlterSql {
        let target = match &column.default {
            Some(value) => format!("SET DEFAULT {}", self.default_expr(value, &column.ty)),
            None => "DROP DEFAULT".to_owned(),
        };
        AlterSql::Statements(vec![format!(
            "ALTER TABLE {} ALTER COLUMN {} {target}",
            self.quote_table(&table.name),
            self.quote_ident(&column.name)
        )])
    }

    /// Renames column `from` of `table` to `to`.
    fn rename_column(&self, table: &str, from: &str, to: &str) -> AlterSql {
        AlterSql::Statements(vec![format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {}",
            self.quote_table(table),
            self.quote_ident(from),
            self.quote_ident(to)
        )])
    }

    /// Renames table `from` to `to` (both keys, see
    /// [`split_table_name`]). Every built-in database moves the foreign
    /// keys that point at it along. By default both are in one schema;
    /// a dialect with schemas ([`Dialect::supports_schemas`]) overrides
    /// this to move a table between them.
    fn rename_table(&self, from: &str, to: &str) -> AlterSql {
        AlterSql::Statements(vec![format!(
            "ALTER TABLE {} RENAME TO {}",
            self.quote_table(from),
            self.quote_ident(split_table_name(to).1)
        )])
    }

    /// Drops column `column` of `table` (the table before the change;
    /// the indexes and foreign keys that use the column are gone already).
    fn drop_column(&self, table: &Table, column: &str) -> AlterSql {
        AlterSql::Statements(vec![format!(
            "ALTER TABLE {} DROP COLUMN {}",
            self.quote_table(&table.name),
            self.quote_ident(column)
        )])
    }

    /// Drops table `table`.
    fn drop_table(&self, table: &str) -> Vec<String> {
        vec![format!("DROP TABLE {}", self.quote_table(table))]
    }

    /// Changes the type of `column` to its type in `table` (the table
    /// after the change), computing each value from `using`, an SQL
    /// expression over the old column (PostgreSQL's `USING`).
    fn convert_column(&self, table: &Table, column: &Column, using: &str) -> AlterSql {
        let name = self.quote_ident(&column.name);
        let ty = self.column_type(table, column);
        let mut actions = Vec::new();
        if column.default.is_some() {
            actions.push(format!("ALTER COLUMN {name} DROP DEFAULT"));
        }
        actions.push(format!("ALTER COLUMN {name} TYPE {ty} USING ({using})"));
        if let Some(default) = &column.default {
            actions.push(format!(
                "ALTER COLUMN {name} SET DEFAULT {}",
                self.default_expr(default, &column.ty)
            ));
        }
        AlterSql::Statements(vec![format!(
            "ALTER TABLE {} {}",
            self.quote_table(&table.name),
            actions.join(", ")
        )])
    }

    /// Adds `fk` to `table`.
    fn add_foreign_key(&self, table: &str, fk: &ForeignKey) -> AlterSql {
        AlterSql::Statements(vec![format!(
            "ALTER TABLE {} ADD {}",
            self.quote_table(table),
            self.foreign_key_clause(fk)
        )])
    }

    /// Adds `fk` to `table` without checking the rows already there
    /// ([`ops::add_foreign_key_not_valid`](crate::ops::add_foreign_key_not_valid));
    /// by default [`Dialect::add_foreign_key`], which checks them.
    fn add_foreign_key_not_valid(&self, table: &str, fk: &ForeignKey) -> AlterSql {
        self.add_foreign_key(table, fk)
    }

    /// Checks the rows against `fk`, added by
    /// [`Dialect::add_foreign_key_not_valid`]; by default nothing (the
    /// key was checked when added).
    fn validate_foreign_key(&self, _table: &str, _fk: &ForeignKey) -> Vec<String> {
        Vec::new()
    }

    /// `CONSTRAINT "name" CHECK (expr)`.
    fn check_clause(&self, check: &Check) -> String {
        format!(
            "CONSTRAINT {} CHECK ({})",
            self.quote_ident(&check.name),
            check.expr
        )
    }

    /// Adds `check` to `table` (the table after the change).
    fn add_check(&self, table: &Table, check: &Check) -> AlterSql {
        AlterSql::Statements(vec![format!(
            "ALTER TABLE {} ADD {}",
            self.quote_table(&table.name),
            self.check_clause(check)
        )])
    }

    /// Drops `check` (by its name) from `table` (the table before the change).
    fn drop_check(&self, table: &Table, check: &Check) -> AlterSql {
        AlterSql::Statements(vec![format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            self.quote_table(&table.name),
            self.quote_ident(&check.name)
        )])
    }

    /// Drops `fk` (by its name) from `table`.
    fn drop_foreign_key(&self, table: &str, fk: &ForeignKey) -> AlterSql {
        AlterSql::Statements(vec![format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            self.quote_table(table),
            self.quote_ident(&fk.name)
        )])
    }

    /// Replaces the primary key with `table`'s (the table after the change);
    /// `from` is the live key's columns, empty for a table without one. By
    /// default a rebuild.
    fn alter_primary_key(&self, _table: &Table, _from: &[String]) -> AlterSql {
        AlterSql::Rebuild
    }

    /// What running `change` as the statements this dialect writes for it
    /// does to the table ([`Impact`]); by default nothing known.
    fn impact(&self, _change: &Change) -> Impact {
        Impact::default()
    }

    /// What a [`Dialect::rebuild_table`] does: a copy of every row, under
    /// the database's write lock.
    fn rebuild_impact(&self) -> Impact {
        Impact {
            rewrites_table: true,
            scans_table: true,
            lock: Some("WRITE"),
            algorithm: Some("REBUILD"),
            advice: None,
        }
    }

    /// Rebuilds `live` as `target` keeping every row: create the new table
    /// under a temporary name, copy the rows (`sources` maps each target
    /// column to the SQL expression over the old table that fills it;
    /// columns not listed take their default), drop the old table, rename
    /// the new one, re-create the indexes.
    ///
    /// The views and triggers that name the table ([`Table::dependents`])
    /// are dropped before the old table and re-created from their SQL after
    /// the rename: dropping the table takes its triggers with it, and
    /// SQLite's rename checks every view and trigger, failing on one that
    /// names a table that is gone. Their SQL names columns by their old
    /// names, so a column this rebuild renames keeps its old name until
    /// they are back, then is renamed in place, which rewrites them.
    fn rebuild_table(
        &self,
        live: &Table,
        target: &Table,
        sources: &[(String, String)],
    ) -> Vec<String> {
        rebuild_statements(self, live, target, sources)
    }

    /// A quoted, comma-separated identifier list.
    fn ident_list(&self, idents: &[String]) -> String {
        idents
            .iter()
            .map(|i| self.quote_ident(i))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The default of [`Dialect::foreign_key_problem`]: a column pair of `fk`
/// whose types `dialect` cannot join.
pub(crate) fn foreign_key_type_problem<D: Dialect + ?Sized>(
    dialect: &D,
    table: &Table,
    fk: &ForeignKey,
    target: &Table,
) -> Option<String> {
    fk.columns.iter().zip(&fk.ref_columns).find_map(|(c, r)| {
        let column = table.get_column(c)?;
        let referenced = target.get_column(r)?;
        (!dialect.foreign_key_types_compatible(&column.ty, &referenced.ty)).then(|| {
            format!(
                "foreign key `{}` would join `{}.{c}` ({}) to `{}.{r}` ({}), types this database does not compare in a foreign key: declare matching types on both sides, and change them in the same sync",
                fk.name, table.name, column.ty, target.name, referenced.ty
            )
        })
    })
}

/// The statements of the default [`Dialect::rebuild_table`].
pub(crate) fn rebuild_statements<D: Dialect + ?Sized>(
    dialect: &D,
    live: &Table,
    target: &Table,
    sources: &[(String, String)],
) -> Vec<String> {
    // `(old, new, SQL)` of each column renamed after the rebuild.
    let renames: Vec<(&str, &str, Vec<String>)> = if live.dependents.is_empty() {
        Vec::new()
    } else {
        sources
            .iter()
            .filter_map(|(column, expr)| {
                let old = live
                    .columns
                    .iter()
                    .find(|c| c.name != *column && dialect.quote_ident(&c.name) == *expr)?;
                match dialect.rename_column(&target.name, &old.name, column) {
                    AlterSql::Statements(sql) => Some((old.name.as_str(), column.as_str(), sql)),
                    AlterSql::Rebuild => None,
                }
            })
            .collect()
    };
    let old_name = |column: &str| {
        renames
            .iter()
            .find(|(_, new, _)| *new == column)
            .map(|(old, _, _)| old.to_string())
    };
    let mut shape = target.clone();
    shape.rename_columns(old_name);
    let temp = crate::schema::qualified_table_name(
        target.schema(),
        &format!("_m_rebuild_{}", target.local_name()),
    );
    let mut temp_table = shape.clone();
    temp_table.name = temp.clone();
    temp_table.indexes.clear();
    let mut statements = dialect.create_table(&temp_table);
    let (columns, exprs): (Vec<String>, Vec<&str>) = sources
        .iter()
        .map(|(c, e)| (old_name(c).unwrap_or_else(|| c.clone()), e.as_str()))
        .unzip();
    if !columns.is_empty() {
        statements.push(format!(
            "INSERT INTO {} ({}) SELECT {} FROM {}",
            dialect.quote_table(&temp),
            dialect.ident_list(&columns),
            exprs.join(", "),
            dialect.quote_table(&live.name)
        ));
    }
    for dependent in &live.dependents {
        let kind = match dependent.kind {
            DependentKind::View => "VIEW",
            DependentKind::Trigger => "TRIGGER",
        };
        statements.push(format!(
            "DROP {kind} {}",
            dialect.quote_ident(&dependent.name)
        ));
    }
    statements.extend(dialect.drop_table(&live.name));
    statements.push(format!(
        "ALTER TABLE {} RENAME TO {}",
        dialect.quote_table(&temp),
        dialect.quote_ident(target.local_name())
    ));
    statements.extend(
        shape
            .indexes
            .iter()
            .map(|i| dialect.create_index(&shape, i)),
    );
    statements.extend(live.dependents.iter().map(|d| d.sql.clone()));
    statements.extend(renames.into_iter().flat_map(|(_, _, sql)| sql));
    statements
}
