//! Typed, database-agnostic schema operations, and migrations made of them.
//!
//! Sync never performs a BREAKING change. Operations are the deliberate
//! path: `ops::rename_table`, `ops::rename_column`, `ops::convert` (a type
//! change with a conversion expression), `ops::set_not_null_backfill`,
//! `ops::drop_column`, ... each rendered in the connected database's SQL
//! (SQLite through the same table rebuild as the sync) and run through the
//! sync's transaction guard ([`apply`]).
//!
//! # Online operations
//!
//! `add_index_online` / `add_unique_online` build an index while writes go
//! on (PostgreSQL `CREATE INDEX CONCURRENTLY`, MySQL/MariaDB
//! `ALGORITHM=INPLACE LOCK=NONE`, SQLite a plain build). PostgreSQL cannot
//! build concurrently inside a transaction, so a list of them runs without
//! one (on every database alike, so that it resumes alike): a migration that holds one holds only such builds and no
//! data bodies (the lint says so), and the runner records it in the ledger
//! after the builds. Each build first drops the `INVALID` leftover of an
//! earlier failed build of its name and skips an index a run that stopped
//! before its ledger row already built; a failed build drops what it left.
//! So a rerun after any failure or crash converges.
//!
//! `add_foreign_key_not_valid` adds a key without scanning the rows
//! (PostgreSQL `NOT VALID`: a brief lock), `validate_foreign_key` scans
//! them in a later migration under a lock that lets writes go on. MySQL,
//! MariaDB and SQLite have no unvalidated key: there the first is
//! `add_foreign_key` (rows checked at once) and the second nothing.
//! `migrate make --online` writes all three.
//!
//! `migrate make <name>` writes a [`Migration`] of them into an app: the
//! old and the new schema of the tables it touches, as data, and the
//! operations between, derived from the plan's held-back changes. It is
//! registered with `#[m_runtime::operations(id = "...")]` and checked
//! before anything runs ([`Migration::lint`]: the operations applied to
//! the old schema give the new one, and `down` leads back; the runner also
//! checks the database is the old schema before, and the new one after).
//!
//! ```
//! use m_runtime::ops;
//! use m_runtime::schema::{Column, LogicalType, Schema, Table};
//!
//! let mut schema = Schema::default();
//! schema.insert(
//!     Table::new("customer")
//!         .column(Column::new("id", LogicalType::I64))
//!         .column(Column::new("age", LogicalType::I32))
//!         .primary_key(["id"]),
//! );
//! let text = LogicalType::String { max_length: None };
//! for op in [
//!     ops::rename_table("customer", "client"),
//!     ops::convert("client", "age", text.clone(), "CAST(age AS TEXT)"),
//! ] {
//!     op.apply_to(&mut schema).unwrap();
//! }
//! assert_eq!(schema.table("client").unwrap().get_column("age").unwrap().ty, text);
//! ```

mod apply;
mod make;
mod migration;
mod operation;
mod render;
mod run;

pub use make::{MadeMigration, MakeError, OnlineMigrations, make, make_online, next_id};
pub(crate) use migration::lint_registered;
pub use migration::{LintError, Migration, differences, leads_to};
pub use operation::{
    Operation, Sql, add_check, add_column, add_column_filled, add_foreign_key,
    add_foreign_key_not_valid, add_index, add_index_online, add_unique, add_unique_online,
    alter_default, alter_type, convert, create_table, drop_check, drop_column, drop_foreign_key,
    drop_index, drop_not_null, drop_table, rename_column, rename_table, set_not_null,
    set_not_null_backfill, set_primary_key, sql, validate_foreign_key,
};
pub use run::{apply, execute};
pub(crate) use run::{outside_transaction, run_registered};

/// A conversion expression `migrate make` could not write: a compile
/// error until it is replaced by the SQL expression (over the old column)
/// that computes each new value, so that nothing half-done ships.
///
/// ```compile_fail
/// let _ = m_runtime::ops::todo_conversion!("client.age: i32 -> text");
/// ```
#[macro_export]
#[doc(hidden)]
macro_rules! __todo_conversion {
    ($what:literal) => {
        ::core::compile_error!(::core::concat!(
            "write the conversion expression of ",
            $what,
            ": an SQL expression over the old column, e.g. \"CAST(age AS TEXT)\""
        ))
    };
}

/// A backfill value `migrate make` could not choose: a compile error until
/// it is replaced by the SQL value that NULLs become.
///
/// ```compile_fail
/// let _ = m_runtime::ops::todo_backfill!("client.email");
/// ```
#[macro_export]
#[doc(hidden)]
macro_rules! __todo_backfill {
    ($what:literal) => {
        ::core::compile_error!(::core::concat!(
            "write the value that NULLs of ",
            $what,
            " become before it is made NOT NULL, e.g. \"''\""
        ))
    };
}

#[doc(inline)]
pub use crate::__todo_backfill as todo_backfill;
#[doc(inline)]
pub use crate::__todo_conversion as todo_conversion;
