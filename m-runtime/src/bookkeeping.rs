//! m's own tables, declared once as [`Table`] values and created through
//! the dialect's one DDL path ([`Dialect::create_table_if_missing`]).
//!
//! | table | kept by | what it holds |
//! |---|---|---|
//! | `_m_doctypes` | [`crate::state`] | each DocType's schema hash as of the last complete sync |
//! | `_m_migrations` | the migration ledger | every applied migration |
//! | `_m_sync_journal` | [`crate::execute`] | progress of a sync run statement by statement (MySQL) |
//! | `_m_migration_events` | the migration ledger | what was recorded without running (baselined, marked), accepted, unmarked, squashed or forgotten, and when |
//! | `_m_lock` | [`crate::backend::Lease`] | the migration lock's lease, where m locks with a lease |
//!
//! Their names start with `_m_`, so introspection and sync leave them out.
//!
//! [`Dialect::create_table_if_missing`]: crate::backend::Dialect::create_table_if_missing

use std::time::Duration;

use crate::schema::{Column, DefaultValue, LogicalType, Table};
use crate::{Db, Error, Result};

/// The DocType state table's name.
pub const STATE_TABLE: &str = "_m_doctypes";
/// The migration ledger's name.
pub const LEDGER_TABLE: &str = "_m_migrations";
/// The sync journal's name.
pub const JOURNAL_TABLE: &str = "_m_sync_journal";
/// The ledger's history of what operators and fresh installs did.
pub const EVENTS_TABLE: &str = "_m_migration_events";
/// The lease lock's table.
pub const LOCK_TABLE: &str = "_m_lock";

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

/// `_m_sync_journal`: the progress of the latest statement-by-statement
/// sync, one row per batch applied (see [`crate::execute`]).
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

/// `_m_lock`: one row per lock (`name`), held by `holder` (host, process
/// id and a random part) since `acquired_at`; the holder adds one to
/// `beat` every third of `lease_ms`, and a lock whose `beat` stood still
/// for `lease_ms` is free to take over. The times (UTC, RFC 3339) are for
/// people: the lock itself reads no clock but the waiter's own.
pub(crate) fn lock_table() -> Table {
    Table::new(LOCK_TABLE)
        .column(Column::new("name", text(64)))
        .column(Column::new("holder", text(255)))
        .column(Column::new("beat", LogicalType::I64))
        .column(Column::new("lease_ms", LogicalType::I64))
        .column(Column::new("acquired_at", text(40)))
        .column(Column::new("heartbeat_at", text(40)))
        .primary_key(["name"])
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

/// Whether the database refused a write because a concurrent write won:
/// SQLSTATE `40001`, which is how MySQL and MariaDB report error 1213 (an
/// InnoDB deadlock, and a Galera certification failure: another node
/// committed a write to the same rows first, or a DDL statement aborted
/// the transaction), and how PostgreSQL and CockroachDB report a
/// serialization failure. The transaction was rolled back whole, so
/// running it again is safe when it held nothing but m's own rows.
pub(crate) fn is_write_conflict(error: &Error) -> bool {
    match error {
        Error::Statement {
            error: sqlx::Error::Database(error),
            ..
        } => error.code().as_deref() == Some("40001"),
        _ => false,
    }
}

/// How often [`retry_conflicts`] runs a write at most.
const ATTEMPTS: u32 = 8;

/// Runs `write`, one of m's own bookkeeping writes (a statement or a whole
/// transaction that holds only m's rows) or a read of them, again when it
/// fails with a [write conflict](is_write_conflict) (on Galera a read can
/// be aborted as a deadlock too): up to 8 times, waiting 25 ms, 50 ms,
/// ... 1.6 s between tries (3.2 s in all: a node that writes the same rows
/// every few milliseconds lets one of them through). Any other error, and
/// the last conflict, is returned as it is.
pub(crate) async fn retry_conflicts<T, W>(what: &str, mut write: impl FnMut() -> W) -> Result<T>
where
    W: std::future::Future<Output = Result<T>>,
{
    let mut attempt = 1;
    loop {
        match write().await {
            Err(error) if attempt < ATTEMPTS && is_write_conflict(&error) => {
                let wait = Duration::from_millis(25 << (attempt - 1));
                tracing::debug!(
                    "{what}: a concurrent write won ({}); trying again in {wait:?}",
                    crate::Report(&error)
                );
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    /// A database error with a SQLSTATE.
    #[derive(Debug)]
    struct Refused(&'static str);

    impl std::fmt::Display for Refused {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "refused with {}", self.0)
        }
    }

    impl std::error::Error for Refused {}

    impl sqlx::error::DatabaseError for Refused {
        fn message(&self) -> &str {
            "refused"
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some(Cow::Borrowed(self.0))
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            sqlx::error::ErrorKind::Other
        }
    }

    fn refused(sqlstate: &'static str) -> Error {
        Error::Statement {
            sql: "INSERT ...".into(),
            notes: Vec::new(),
            error: sqlx::Error::Database(Box::new(Refused(sqlstate))),
        }
    }

    /// Runs `retry_conflicts` over writes that fail with `failures` first:
    /// what it returned and how many writes it made.
    async fn run(failures: Vec<&'static str>) -> (Result<u32>, usize) {
        let failures = std::sync::Mutex::new(failures.into_iter());
        let tries = std::sync::atomic::AtomicUsize::new(0);
        let outcome = retry_conflicts("a test write", || async {
            tries.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let next = failures.lock().expect("lock").next();
            match next {
                Some(sqlstate) => Err(refused(sqlstate)),
                None => Ok(7),
            }
        })
        .await;
        (outcome, tries.into_inner())
    }

    #[tokio::test]
    async fn retries_write_conflicts_only() {
        let (outcome, tries) = run(vec!["40001", "40001"]).await;
        assert_eq!((outcome.ok(), tries), (Some(7), 3));

        let (outcome, tries) = run(vec!["40001"; ATTEMPTS as usize]).await;
        assert_eq!(tries, ATTEMPTS as usize, "gives up after {ATTEMPTS} tries");
        assert!(
            outcome.as_ref().is_err_and(is_write_conflict),
            "{outcome:?}"
        );

        // A duplicate key is not a conflict: returned at once.
        let (outcome, tries) = run(vec!["23000"]).await;
        assert_eq!(tries, 1);
        assert!(
            outcome.is_err_and(|e| e.to_string().starts_with("refused")),
            "the error as it was"
        );
    }
}
