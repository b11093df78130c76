//! The ledger: the table `_m_migrations` that records every applied
//! migration. Created on first use; its name starts with `_m_`, so
//! introspection and sync ignore it.
//!
//! | column        | meaning                                                  |
//! |---------------|----------------------------------------------------------|
//! | `app`, `id`   | the migration (primary key)                              |
//! | `checksum`    | the registered checksum when it was applied              |
//! | `phase`       | `pre_sync` or `post_sync`                                |
//! | `seq`         | application order (1, 2, ...): `down` reverts by it      |
//! | `applied_at`  | UTC, RFC 3339 (`2026-01-31T12:00:00.123Z`)               |
//! | `duration_ms` | how long its body ran                                    |
//!
//! Values are bound as parameters, never spliced into the SQL.

use std::time::Duration;

use serde::Serialize;
use sqlx::Row;

use crate::bookkeeping::{self, fetch_if_exists};
use crate::registry::MigrationDef;
use crate::{Db, Error, Result};

pub use crate::bookkeeping::LEDGER_TABLE;

/// One row of the ledger: a migration that was applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AppliedMigration {
    /// The app that declares the migration.
    pub app: String,
    /// The migration's id within its app.
    pub id: String,
    /// The checksum the migration had when it was applied.
    pub checksum: String,
    /// `pre_sync` or `post_sync`.
    pub phase: String,
    /// Application order, starting at 1.
    pub seq: i64,
    /// When it was applied: UTC, RFC 3339.
    pub applied_at: String,
    /// How long its body ran, in milliseconds.
    pub duration_ms: i64,
}

impl AppliedMigration {
    /// `"app:id"`.
    pub fn name(&self) -> String {
        format!("{}:{}", self.app, self.id)
    }
}

/// The ledger's columns, in the order `load` reads and `insert` writes them.
const COLUMNS: [&str; 7] = [
    "app",
    "id",
    "checksum",
    "phase",
    "seq",
    "applied_at",
    "duration_ms",
];

fn table(db: &Db) -> String {
    db.backend().dialect().quote_ident(LEDGER_TABLE)
}

/// Creates the ledger table unless it exists.
pub(crate) async fn ensure(db: &Db) -> Result<()> {
    bookkeeping::ensure(db, &bookkeeping::ledger_table()).await
}

/// Every ledger row, in application order. An absent ledger (and only
/// that: any other error is returned) reads as empty. One query.
pub(crate) async fn load(db: &Db) -> Result<Vec<AppliedMigration>> {
    let d = db.backend().dialect();
    let columns = COLUMNS.map(|c| d.quote_ident(c)).join(", ");
    let sql = format!(
        "SELECT {columns} FROM {} ORDER BY {}",
        table(db),
        d.quote_ident("seq")
    );
    let Some(rows) = fetch_if_exists(db, LEDGER_TABLE, &sql).await? else {
        return Ok(Vec::new());
    };
    rows.iter()
        .map(|row| {
            let read = |e| Error::database(format!("reading the ledger `{LEDGER_TABLE}`"), e);
            Ok(AppliedMigration {
                app: row.try_get(0).map_err(read)?,
                id: row.try_get(1).map_err(read)?,
                checksum: row.try_get(2).map_err(read)?,
                phase: row.try_get(3).map_err(read)?,
                seq: row.try_get(4).map_err(read)?,
                applied_at: row.try_get(5).map_err(read)?,
                duration_ms: row.try_get(6).map_err(read)?,
            })
        })
        .collect()
}

/// Records `m` as applied (inside the caller's transaction).
pub(crate) async fn insert(
    db: &Db,
    m: &MigrationDef,
    seq: i64,
    duration: Duration,
) -> Result<AppliedMigration> {
    let d = db.backend().dialect();
    let columns = COLUMNS;
    let placeholders: Vec<String> = (1..=columns.len()).map(|n| d.placeholder(n)).collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        table(db),
        columns.map(|c| d.quote_ident(c)).join(", "),
        placeholders.join(", ")
    );
    let row = AppliedMigration {
        app: m.app.to_owned(),
        id: m.id.to_owned(),
        checksum: m.checksum.to_owned(),
        phase: m.phase.as_str().to_owned(),
        seq,
        applied_at: rfc3339_utc(time::OffsetDateTime::now_utc()),
        duration_ms: i64::try_from(duration.as_millis()).unwrap_or(i64::MAX),
    };
    let bound = row.clone();
    db.run_with(&sql, move |q| {
        q.bind(bound.app)
            .bind(bound.id)
            .bind(bound.checksum)
            .bind(bound.phase)
            .bind(bound.seq)
            .bind(bound.applied_at)
            .bind(bound.duration_ms)
    })
    .await?;
    Ok(row)
}

/// Removes the row of `app:id` (inside the caller's transaction).
pub(crate) async fn remove(db: &Db, app: &str, id: &str) -> Result<()> {
    let d = db.backend().dialect();
    let sql = format!(
        "DELETE FROM {} WHERE {} = {} AND {} = {}",
        table(db),
        d.quote_ident("app"),
        d.placeholder(1),
        d.quote_ident("id"),
        d.placeholder(2)
    );
    let (app, id) = (app.to_owned(), id.to_owned());
    db.run_with(&sql, move |q| q.bind(app).bind(id)).await?;
    Ok(())
}

/// `time` as `YYYY-MM-DDTHH:MM:SS.mmmZ` (RFC 3339, UTC, milliseconds).
fn rfc3339_utc(time: time::OffsetDateTime) -> String {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time.to_offset(time::UtcOffset::UTC)
        .format(FORMAT)
        .unwrap_or_else(|_| time.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_timestamps() {
        use time::OffsetDateTime;
        let at = |millis: i128| {
            OffsetDateTime::from_unix_timestamp_nanos(millis * 1_000_000).expect("in range")
        };
        assert_eq!(rfc3339_utc(at(0)), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339_utc(at(1_709_210_096_789)),
            "2024-02-29T12:34:56.789Z"
        ); // a leap day
        assert_eq!(rfc3339_utc(at(951_782_400_000)), "2000-02-29T00:00:00.000Z");
        let east = at(1_709_210_096_789).to_offset(time::macros::offset!(+2));
        assert_eq!(rfc3339_utc(east), "2024-02-29T12:34:56.789Z");
    }
}
