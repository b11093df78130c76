//! The typed operations and their constructors.

use std::fmt;

use crate::schema::{Check, Column, DefaultValue, ForeignKey, Index, LogicalType, Table};

/// SQL text for every backend, with per-backend overrides: a conversion
/// expression, a backfill value, or the statements of [`sql`].
///
/// ```
/// use m_runtime::ops::Sql;
///
/// let cast = Sql::new("CAST(age AS TEXT)").on("mysql", "CAST(age AS CHAR)");
/// assert_eq!(cast.text_for("mysql"), Some("CAST(age AS CHAR)"));
/// assert_eq!(cast.text_for("postgres"), Some("CAST(age AS TEXT)"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sql {
    /// The text for every backend without its own (`None`: only those).
    pub all: Option<String>,
    /// `(backend, text)`: the text for one backend (`sqlite`, `postgres`, `mysql`).
    pub backends: Vec<(String, String)>,
}

impl Sql {
    /// The same text on every backend.
    pub fn new(text: impl Into<String>) -> Self {
        Sql {
            all: Some(text.into()),
            backends: Vec::new(),
        }
    }

    /// Text for one backend only (none for the others until [`Sql::on`] gives it).
    pub fn only(backend: &str, text: impl Into<String>) -> Self {
        Sql {
            all: None,
            backends: vec![(backend.to_owned(), text.into())],
        }
    }

    /// Overrides the text on `backend` (`sqlite`, `postgres`, `mysql`).
    pub fn on(mut self, backend: &str, text: impl Into<String>) -> Self {
        self.backends.retain(|(b, _)| b != backend);
        self.backends.push((backend.to_owned(), text.into()));
        self
    }

    /// The text for `backend`, if it has one.
    pub fn text_for(&self, backend: &str) -> Option<&str> {
        self.backends
            .iter()
            .find(|(b, _)| b == backend)
            .map(|(_, t)| t.as_str())
            .or(self.all.as_deref())
    }
}

impl From<&str> for Sql {
    fn from(text: &str) -> Self {
        Sql::new(text)
    }
}

impl From<String> for Sql {
    fn from(text: String) -> Self {
        Sql::new(text)
    }
}

impl fmt::Display for Sql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.all, self.backends.as_slice()) {
            (Some(all), []) => write!(f, "{all:?}"),
            _ => {
                let mut parts: Vec<String> = self.all.iter().map(|a| format!("{a:?}")).collect();
                parts.extend(self.backends.iter().map(|(b, t)| format!("{b}: {t:?}")));
                write!(f, "{{{}}}", parts.join(", "))
            }
        }
    }
}

/// One schema operation of a migration. Build them with the constructors
/// of [`ops`](crate::ops) (`ops::rename_column("customer", "name",
/// "full_name")`); [`apply_to`](Operation::apply_to) says what each does to
/// a [`Schema`](crate::schema::Schema), and the runtime renders it in the
/// connected database's SQL.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Operation {
    /// `CREATE TABLE`, with its indexes and foreign keys.
    CreateTable {
        /// The table.
        table: Table,
    },
    /// `DROP TABLE`: its rows are gone (cannot be inverted).
    DropTable {
        /// The table name.
        table: String,
    },
    /// Renames a table; foreign keys that point at it follow.
    RenameTable {
        /// The current name.
        from: String,
        /// The new name.
        to: String,
    },
    /// Adds a column; `fill` fills the existing rows of a NOT NULL column
    /// without a default (it is not kept as the default).
    AddColumn {
        /// The table name.
        table: String,
        /// The column.
        column: Column,
        /// What existing rows get, when the column is NOT NULL without a default.
        fill: Option<Sql>,
    },
    /// Drops a column: its values are gone (cannot be inverted). The
    /// indexes and foreign keys that use it are dropped first, by their
    /// own operations.
    DropColumn {
        /// The table name.
        table: String,
        /// The column name.
        column: String,
    },
    /// Renames a column; foreign keys that point at it follow.
    RenameColumn {
        /// The table name.
        table: String,
        /// The current name.
        from: String,
        /// The new name.
        to: String,
    },
    /// Changes a column's type; `using` computes each new value from the
    /// old column (PostgreSQL's `USING`), `None` lets the database convert.
    AlterType {
        /// The table name.
        table: String,
        /// The column name.
        column: String,
        /// The new type.
        to: LogicalType,
        /// The conversion expression, over the old column.
        using: Option<Sql>,
    },
    /// Makes a column NOT NULL, first setting `backfill` where it is NULL.
    SetNotNull {
        /// The table name.
        table: String,
        /// The column name.
        column: String,
        /// The value NULLs become (`None`: there must be none).
        backfill: Option<Sql>,
    },
    /// Makes a column nullable.
    DropNotNull {
        /// The table name.
        table: String,
        /// The column name.
        column: String,
    },
    /// Sets (or with `None` drops) a column's default.
    AlterDefault {
        /// The table name.
        table: String,
        /// The column name.
        column: String,
        /// The new default.
        default: Option<DefaultValue>,
    },
    /// Replaces the primary key.
    SetPrimaryKey {
        /// The table name.
        table: String,
        /// The key columns, in key order (empty: none).
        columns: Vec<String>,
    },
    /// Adds an index (a unique one is how m models a unique constraint).
    AddIndex {
        /// The table name.
        table: String,
        /// The index.
        index: Index,
    },
    /// Adds an index without blocking writes to the table while it is
    /// built: PostgreSQL's `CREATE INDEX CONCURRENTLY`, outside any
    /// transaction (a migration of them runs without one: see
    /// [`ops`](crate::ops)); MySQL's and MariaDB's `ALGORITHM=INPLACE,
    /// LOCK=NONE`; SQLite's plain `CREATE INDEX`.
    AddIndexOnline {
        /// The table name.
        table: String,
        /// The index.
        index: Index,
    },
    /// Drops an index (or unique constraint) by name.
    DropIndex {
        /// The table name.
        table: String,
        /// The index name.
        name: String,
    },
    /// Adds a foreign key.
    AddForeignKey {
        /// The table name.
        table: String,
        /// The key.
        foreign_key: ForeignKey,
    },
    /// Adds a foreign key without checking the rows already there
    /// (PostgreSQL's `NOT VALID`: a brief lock, no scan; new rows are
    /// checked); [`Operation::ValidateForeignKey`] checks them later.
    /// MySQL, MariaDB and SQLite have no unvalidated key: there it is
    /// [`Operation::AddForeignKey`], the rows checked at once.
    AddForeignKeyNotValid {
        /// The table name.
        table: String,
        /// The key.
        foreign_key: ForeignKey,
    },
    /// Checks the rows a key added [`Operation::AddForeignKeyNotValid`]
    /// did not (PostgreSQL's `VALIDATE CONSTRAINT`: a scan under a lock
    /// that lets writes go on); fails, naming a row, if one points
    /// nowhere. Elsewhere nothing: the key was checked when added. It
    /// does not change the schema.
    ValidateForeignKey {
        /// The table name.
        table: String,
        /// The constraint name.
        name: String,
    },
    /// Drops a foreign key by name.
    DropForeignKey {
        /// The table name.
        table: String,
        /// The constraint name.
        name: String,
    },
    /// Adds a CHECK constraint (every row must satisfy `check.expr`).
    AddCheck {
        /// The table name.
        table: String,
        /// The check.
        check: Check,
    },
    /// Drops a CHECK constraint by name.
    DropCheck {
        /// The table name.
        table: String,
        /// The constraint name.
        name: String,
    },
    /// Raw statements, per backend: the escape hatch. It must not change
    /// the schema (the lint cannot see into it); data work only.
    Sql {
        /// The statements.
        sql: Sql,
    },
}

/// Creates `table`.
pub fn create_table(table: Table) -> Operation {
    Operation::CreateTable { table }
}

/// Drops `table` and its rows.
pub fn drop_table(table: &str) -> Operation {
    Operation::DropTable {
        table: table.to_owned(),
    }
}

/// Renames table `from` to `to`.
///
/// ```
/// use m_runtime::ops;
///
/// let op = ops::rename_table("customer", "client");
/// assert_eq!(op.to_string(), r#"rename_table("customer", "client")"#);
/// ```
pub fn rename_table(from: &str, to: &str) -> Operation {
    Operation::RenameTable {
        from: from.to_owned(),
        to: to.to_owned(),
    }
}

/// Adds `column` to `table`.
pub fn add_column(table: &str, column: Column) -> Operation {
    Operation::AddColumn {
        table: table.to_owned(),
        column,
        fill: None,
    }
}

/// Adds a NOT NULL `column` to `table`, filling its existing rows with `fill`.
pub fn add_column_filled(table: &str, column: Column, fill: impl Into<Sql>) -> Operation {
    Operation::AddColumn {
        table: table.to_owned(),
        column,
        fill: Some(fill.into()),
    }
}

/// Drops `column` of `table` and its values.
pub fn drop_column(table: &str, column: &str) -> Operation {
    Operation::DropColumn {
        table: table.to_owned(),
        column: column.to_owned(),
    }
}

/// Renames column `from` of `table` to `to`.
///
/// ```
/// use m_runtime::ops;
///
/// let op = ops::rename_column("customer", "name", "full_name");
/// assert_eq!(op.to_string(), r#"rename_column("customer", "name", "full_name")"#);
/// ```
pub fn rename_column(table: &str, from: &str, to: &str) -> Operation {
    Operation::RenameColumn {
        table: table.to_owned(),
        from: from.to_owned(),
        to: to.to_owned(),
    }
}

/// Changes the type of `column` to `to`, converted by the database.
pub fn alter_type(table: &str, column: &str, to: LogicalType) -> Operation {
    Operation::AlterType {
        table: table.to_owned(),
        column: column.to_owned(),
        to,
        using: None,
    }
}

/// Changes the type of `column` to `to`, each value computed by `using`,
/// an SQL expression over the old column.
///
/// ```
/// use m_runtime::ops;
/// use m_runtime::schema::LogicalType;
///
/// let op = ops::convert("client", "age", LogicalType::String { max_length: None }, "CAST(age AS TEXT)");
/// assert_eq!(op.to_string(), r#"convert("client", "age", text, "CAST(age AS TEXT)")"#);
/// ```
pub fn convert(table: &str, column: &str, to: LogicalType, using: impl Into<Sql>) -> Operation {
    Operation::AlterType {
        table: table.to_owned(),
        column: column.to_owned(),
        to,
        using: Some(using.into()),
    }
}

/// Makes `column` NOT NULL (it must hold no NULL).
pub fn set_not_null(table: &str, column: &str) -> Operation {
    Operation::SetNotNull {
        table: table.to_owned(),
        column: column.to_owned(),
        backfill: None,
    }
}

/// Makes `column` NOT NULL, its NULLs set to `backfill` first.
pub fn set_not_null_backfill(table: &str, column: &str, backfill: impl Into<Sql>) -> Operation {
    Operation::SetNotNull {
        table: table.to_owned(),
        column: column.to_owned(),
        backfill: Some(backfill.into()),
    }
}

/// Makes `column` nullable.
pub fn drop_not_null(table: &str, column: &str) -> Operation {
    Operation::DropNotNull {
        table: table.to_owned(),
        column: column.to_owned(),
    }
}

/// Sets `column`'s default (`None`: drops it).
pub fn alter_default(table: &str, column: &str, default: Option<DefaultValue>) -> Operation {
    Operation::AlterDefault {
        table: table.to_owned(),
        column: column.to_owned(),
        default,
    }
}

/// Replaces the primary key of `table`.
pub fn set_primary_key(table: &str, columns: &[&str]) -> Operation {
    Operation::SetPrimaryKey {
        table: table.to_owned(),
        columns: columns.iter().map(|c| c.to_string()).collect(),
    }
}

/// Adds index `name` over `columns`.
pub fn add_index(table: &str, name: &str, columns: &[&str]) -> Operation {
    index(table, name, columns, false)
}

/// Adds unique index (unique constraint) `name` over `columns`.
pub fn add_unique(table: &str, name: &str, columns: &[&str]) -> Operation {
    index(table, name, columns, true)
}

/// Adds index `name` over `columns` without blocking writes while it is
/// built ([`Operation::AddIndexOnline`]). On PostgreSQL a migration with
/// it runs outside a transaction and holds only such builds.
///
/// ```
/// use m_runtime::ops;
///
/// let op = ops::add_index_online("order", "order_customer", &["customer"]);
/// assert_eq!(op.to_string(), r#"add_index_online("order", "order_customer", ["customer"])"#);
/// ```
pub fn add_index_online(table: &str, name: &str, columns: &[&str]) -> Operation {
    online(index(table, name, columns, false))
}

/// Adds unique index `name` over `columns` without blocking writes while
/// it is built (see [`add_index_online`]).
pub fn add_unique_online(table: &str, name: &str, columns: &[&str]) -> Operation {
    online(index(table, name, columns, true))
}

fn index(table: &str, name: &str, columns: &[&str], unique: bool) -> Operation {
    Operation::AddIndex {
        table: table.to_owned(),
        index: Index {
            name: name.to_owned(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            unique,
        },
    }
}

/// The online build of an [`Operation::AddIndex`] (any other operation as it is).
pub(crate) fn online(op: Operation) -> Operation {
    match op {
        Operation::AddIndex { table, index } => Operation::AddIndexOnline { table, index },
        op => op,
    }
}

/// Drops index (or unique constraint) `name` of `table`.
pub fn drop_index(table: &str, name: &str) -> Operation {
    Operation::DropIndex {
        table: table.to_owned(),
        name: name.to_owned(),
    }
}

/// Adds `foreign_key` to `table`.
pub fn add_foreign_key(table: &str, foreign_key: ForeignKey) -> Operation {
    Operation::AddForeignKey {
        table: table.to_owned(),
        foreign_key,
    }
}

/// Adds `foreign_key` to `table` without checking the rows already there
/// ([`Operation::AddForeignKeyNotValid`]); [`validate_foreign_key`], in a
/// later migration, checks them.
///
/// ```
/// use m_runtime::ops;
/// use m_runtime::schema::{ForeignKey, ReferentialAction};
///
/// let fk = ForeignKey {
///     name: "order_customer_fk".into(),
///     columns: vec!["customer".into()],
///     ref_table: "customer".into(),
///     ref_columns: vec!["id".into()],
///     on_delete: ReferentialAction::NoAction,
/// };
/// let op = ops::add_foreign_key_not_valid("order", fk);
/// assert_eq!(op.to_string(), r#"add_foreign_key_not_valid("order", "order_customer_fk")"#);
/// ```
pub fn add_foreign_key_not_valid(table: &str, foreign_key: ForeignKey) -> Operation {
    Operation::AddForeignKeyNotValid {
        table: table.to_owned(),
        foreign_key,
    }
}

/// Checks every row against foreign key `name` of `table`, added by
/// [`add_foreign_key_not_valid`] ([`Operation::ValidateForeignKey`]).
pub fn validate_foreign_key(table: &str, name: &str) -> Operation {
    Operation::ValidateForeignKey {
        table: table.to_owned(),
        name: name.to_owned(),
    }
}

/// Drops foreign key `name` of `table`.
pub fn drop_foreign_key(table: &str, name: &str) -> Operation {
    Operation::DropForeignKey {
        table: table.to_owned(),
        name: name.to_owned(),
    }
}

/// Adds the CHECK constraint `name` to `table`: every row must satisfy
/// `expr` (NULL passes, as in SQL).
///
/// ```
/// use m_runtime::ops;
///
/// let op = ops::add_check("product", "price_positive", "price >= 0");
/// assert_eq!(op.to_string(), r#"add_check("product", "price_positive")"#);
/// ```
pub fn add_check(table: &str, name: &str, expr: &str) -> Operation {
    Operation::AddCheck {
        table: table.to_owned(),
        check: Check {
            name: name.to_owned(),
            expr: expr.to_owned(),
        },
    }
}

/// Drops the CHECK constraint `name` of `table`.
pub fn drop_check(table: &str, name: &str) -> Operation {
    Operation::DropCheck {
        table: table.to_owned(),
        name: name.to_owned(),
    }
}

/// Raw statements (data work only; see [`Operation::Sql`]).
pub fn sql(sql: impl Into<Sql>) -> Operation {
    Operation::Sql { sql: sql.into() }
}

impl Operation {
    /// Whether the operation names column `column` of `table` (under any
    /// of its names).
    pub fn mentions_column(&self, table: &str, column: &str) -> bool {
        if self.table() != Some(table) {
            return false;
        }
        match self {
            Operation::AddColumn { column: c, .. } => c.name == column,
            Operation::RenameColumn { from, to, .. } => from == column || to == column,
            Operation::DropColumn { column: c, .. }
            | Operation::AlterType { column: c, .. }
            | Operation::SetNotNull { column: c, .. }
            | Operation::DropNotNull { column: c, .. }
            | Operation::AlterDefault { column: c, .. } => c == column,
            Operation::AddIndex { index, .. } | Operation::AddIndexOnline { index, .. } => {
                index.columns.iter().any(|c| c == column)
            }
            Operation::AddForeignKey { foreign_key, .. }
            | Operation::AddForeignKeyNotValid { foreign_key, .. } => {
                foreign_key.columns.iter().any(|c| c == column)
            }
            Operation::SetPrimaryKey { columns, .. } => columns.iter().any(|c| c == column),
            _ => false,
        }
    }

    /// The table the operation is about (`None` for [`Operation::Sql`]).
    pub fn table(&self) -> Option<&str> {
        match self {
            Operation::CreateTable { table } => Some(&table.name),
            Operation::RenameTable { from, .. } => Some(from),
            Operation::DropTable { table }
            | Operation::AddColumn { table, .. }
            | Operation::DropColumn { table, .. }
            | Operation::RenameColumn { table, .. }
            | Operation::AlterType { table, .. }
            | Operation::SetNotNull { table, .. }
            | Operation::DropNotNull { table, .. }
            | Operation::AlterDefault { table, .. }
            | Operation::SetPrimaryKey { table, .. }
            | Operation::AddIndex { table, .. }
            | Operation::AddIndexOnline { table, .. }
            | Operation::DropIndex { table, .. }
            | Operation::AddForeignKey { table, .. }
            | Operation::AddForeignKeyNotValid { table, .. }
            | Operation::ValidateForeignKey { table, .. }
            | Operation::DropForeignKey { table, .. }
            | Operation::AddCheck { table, .. }
            | Operation::DropCheck { table, .. } => Some(table),
            Operation::Sql { .. } => None,
        }
    }
}

/// The operation as its constructor call, for messages.
impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operation::CreateTable { table } => write!(f, "create_table({:?})", table.name),
            Operation::DropTable { table } => write!(f, "drop_table({table:?})"),
            Operation::RenameTable { from, to } => write!(f, "rename_table({from:?}, {to:?})"),
            Operation::AddColumn {
                table,
                column,
                fill: None,
            } => write!(f, "add_column({table:?}, {:?})", column.name),
            Operation::AddColumn {
                table,
                column,
                fill: Some(fill),
            } => write!(f, "add_column_filled({table:?}, {:?}, {fill})", column.name),
            Operation::DropColumn { table, column } => {
                write!(f, "drop_column({table:?}, {column:?})")
            }
            Operation::RenameColumn { table, from, to } => {
                write!(f, "rename_column({table:?}, {from:?}, {to:?})")
            }
            Operation::AlterType {
                table,
                column,
                to,
                using: None,
            } => write!(f, "alter_type({table:?}, {column:?}, {to})"),
            Operation::AlterType {
                table,
                column,
                to,
                using: Some(using),
            } => write!(f, "convert({table:?}, {column:?}, {to}, {using})"),
            Operation::SetNotNull {
                table,
                column,
                backfill: None,
            } => write!(f, "set_not_null({table:?}, {column:?})"),
            Operation::SetNotNull {
                table,
                column,
                backfill: Some(backfill),
            } => write!(
                f,
                "set_not_null_backfill({table:?}, {column:?}, {backfill})"
            ),
            Operation::DropNotNull { table, column } => {
                write!(f, "drop_not_null({table:?}, {column:?})")
            }
            Operation::AlterDefault { table, column, .. } => {
                write!(f, "alter_default({table:?}, {column:?}, ..)")
            }
            Operation::SetPrimaryKey { table, columns } => {
                write!(f, "set_primary_key({table:?}, {columns:?})")
            }
            Operation::AddIndex { table, index } | Operation::AddIndexOnline { table, index } => {
                let online = if matches!(self, Operation::AddIndexOnline { .. }) {
                    "_online"
                } else {
                    ""
                };
                let add = if index.unique {
                    "add_unique"
                } else {
                    "add_index"
                };
                write!(
                    f,
                    "{add}{online}({table:?}, {:?}, {:?})",
                    index.name, index.columns
                )
            }
            Operation::DropIndex { table, name } => write!(f, "drop_index({table:?}, {name:?})"),
            Operation::AddForeignKey { table, foreign_key } => {
                write!(f, "add_foreign_key({table:?}, {:?})", foreign_key.name)
            }
            Operation::AddForeignKeyNotValid { table, foreign_key } => write!(
                f,
                "add_foreign_key_not_valid({table:?}, {:?})",
                foreign_key.name
            ),
            Operation::ValidateForeignKey { table, name } => {
                write!(f, "validate_foreign_key({table:?}, {name:?})")
            }
            Operation::DropForeignKey { table, name } => {
                write!(f, "drop_foreign_key({table:?}, {name:?})")
            }
            Operation::AddCheck { table, check } => {
                write!(f, "add_check({table:?}, {:?})", check.name)
            }
            Operation::DropCheck { table, name } => write!(f, "drop_check({table:?}, {name:?})"),
            Operation::Sql { sql } => write!(f, "sql({sql})"),
        }
    }
}
