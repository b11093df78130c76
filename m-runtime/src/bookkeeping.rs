//! m's own tables, declared once as [`Table`] values and created through
//! the dialect's one DDL path ([`Dialect::create_table_if_missing`]).
//!
//! | table | kept by | what it holds |
//! |---|---|---|
//! | `_m_doctypes` | [`crate::state`] | each DocType's schema hash as of the last complete sync |
//! | `_m_migrations` | the migration ledger | every applied migration |
//! | `_m_sync_journal` | [`crate::execute`] | progress of a sync run statement by statement (MySQL) |
//! | `_m_migration_events` | the migration ledger | what was recorded without running (baselined, marked), accepted, unmarked, squashed or forgotten, and when |
//!
//! Their names start with `_m_`, so introspection and sync leave them out.
//!
//! [`Dialect::create_table_if_missing`]: crate::backend::Dialect::create_table_if_missing

use crate::schema::{Column, DefaultValue, LogicalType, Table};
use crate::{Db, Result};

/// The DocType state table's name.
pub const STATE_TABLE: &str = "_m_doctypes";
/// The migration ledger's name.
pub const LEDGER_TABLE: &str = "_m_migrations";
/// The sync journal's name.
pub const JOURNAL_TABLE: &str = "_m_sync_journal";
/// The ledger's history of what operators and fresh installs did.
pub const EVENTS_TABLE: &str = "_m_migration_events";

fn text(max_length: u32) -> LogicalType {
    LogicalType::String {
        max_length: Some(max_length),
    }
}

/// `_m_doctypes`: `table_name` (key), `app`, `hash`.
pub(crate) fn state_table() -> Table {
    Table::new(STATE_TABLE)
        .column(Column::new("table_name", text(128)))
        .column(Column::new("app", text(128)))
        .column(Column::new("hash", text(64)))
        .primary_key(["table_name"])
}

/// `_m_migrations`: see [`crate::migrate`]'s ledger for the columns.
pub(crate) fn ledger_table() -> Table {
    Table::new(LEDGER_TABLE)
        .column(Column::new("app", text(128)))
        .column(Column::new("id", text(255)))
        .column(Column::new("checksum", text(128)))
        .column(Column::new("phase", text(16)))
        .column(Column::new("seq", LogicalType::I64))
        .column(Column::new("applied_at", text(40)))
        .column(Column::new("duration_ms", LogicalType::I64))
        .primary_key(["app", "id"])
}

/// `_m_migration_events`: one row per ledger change that did not come
/// from running a migration: `event` is `baselined`, `marked`,
/// `unmarked`, `accepted`, `squashed` or `forgotten`; `checksum` the
/// checksum it recorded, `previous_checksum` the one it replaced.
pub(crate) fn events_table() -> Table {
    Table::new(EVENTS_TABLE)
        .column(Column::new("app", text(128)))
        .column(Column::new("id", text(255)))
        .column(Column::new("event", text(16)))
        .column(Column::new("at", text(40)))
        .column(Column::new("checksum", text(128)).nullable())
        .column(Column::new("previous_checksum", text(128)).nullable())
        .primary_key(["app", "id", "event", "at"])
}

/// `_m_sync_journal`: one row per applied statement of the latest
/// statement-by-statement sync.
pub(crate) fn journal_table() -> Table {
    Table::new(JOURNAL_TABLE)
        .column(Column::new("statement_index", LogicalType::I32))
        .column(Column::new("plan_hash", text(64)))
        .column(Column::new("statement_count", LogicalType::I32))
        .column(Column::new(
            "statement",
            LogicalType::String { max_length: None },
        ))
        .column(
            Column::new("applied_at", LogicalType::Timestamp)
                .default(DefaultValue::CurrentTimestamp),
        )
        .primary_key(["statement_index"])
}

/// Creates `table` unless it exists.
pub(crate) async fn ensure(db: &Db, table: &Table) -> Result<()> {
    for sql in db.backend().dialect().create_table_if_missing(table) {
        db.execute(&sql).await?;
    }
    Ok(())
}

/// Runs `sql`, a query of m's `table`; a `table` that does not exist yet
/// (and only that: the backend decides from the error's code) reads as
/// `None`.
pub(crate) async fn fetch_if_exists(
    db: &Db,
    table: &str,
    sql: &str,
) -> Result<Option<Vec<sqlx::any::AnyRow>>> {
    match db.fetch_all(sql).await {
        Ok(rows) => Ok(Some(rows)),
        Err(error) if error.is_missing_table(db.backend(), table) => Ok(None),
        Err(error) => Err(error),
    }
}
