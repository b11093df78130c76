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

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use sqlx::Row;

use crate::registry::MigrationDef;
use crate::{Db, Error, Result};

/// The ledger table's name.
pub const LEDGER_TABLE: &str = "_m_migrations";

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
    let d = db.backend().dialect();
    let q = |c: &str| d.quote_ident(c);
    db.execute(&format!(
        "CREATE TABLE IF NOT EXISTS {} (\n  {} VARCHAR(128) NOT NULL,\n  {} VARCHAR(255) NOT NULL,\n  {} VARCHAR(128) NOT NULL,\n  {} VARCHAR(16) NOT NULL,\n  {} BIGINT NOT NULL,\n  {} VARCHAR(40) NOT NULL,\n  {} BIGINT NOT NULL,\n  PRIMARY KEY ({}, {})\n)",
        table(db),
        q("app"),
        q("id"),
        q("checksum"),
        q("phase"),
        q("seq"),
        q("applied_at"),
        q("duration_ms"),
        q("app"),
        q("id"),
    ))
    .await?;
    Ok(())
}

/// Whether the ledger table exists, without creating it (for read-only
/// commands such as `status`).
pub(crate) async fn exists(db: &Db) -> bool {
    db.fetch_all(&format!("SELECT 1 FROM {} WHERE 1 = 0", table(db)))
        .await
        .is_ok()
}

/// Every ledger row, in application order. An absent ledger reads as
/// empty. One query when the ledger exists.
pub(crate) async fn load(db: &Db) -> Result<Vec<AppliedMigration>> {
    let d = db.backend().dialect();
    let columns = COLUMNS.map(|c| d.quote_ident(c)).join(", ");
    let sql = format!(
        "SELECT {columns} FROM {} ORDER BY {}",
        table(db),
        d.quote_ident("seq")
    );
    let rows = match db.fetch_all(&sql).await {
        Ok(rows) => rows,
        Err(error) if error.is_rejected_statement() && !exists(db).await => return Ok(Vec::new()),
        Err(error) => return Err(error),
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
        applied_at: rfc3339_utc(SystemTime::now()),
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

/// `time` as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
fn rfc3339_utc(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_timestamps() {
        assert_eq!(rfc3339_utc(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_709_210_096_789); // a leap day
        assert_eq!(rfc3339_utc(t), "2024-02-29T12:34:56.789Z");
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(rfc3339_utc(t), "2000-02-29T00:00:00.000Z");
    }
}
