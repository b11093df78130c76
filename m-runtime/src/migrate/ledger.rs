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
//! | `duration_ms` | how long its body ran; `-1`: recorded without running   |
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
    /// How long its body ran, in milliseconds; [`NOT_RUN`] (-1) when it was
    /// recorded without running.
    pub duration_ms: i64,
}

impl AppliedMigration {
    /// `"app:id"`.
    pub fn name(&self) -> String {
        format!("{}:{}", self.app, self.id)
    }

    /// Whether its body ran here (not recorded without running).
    pub fn ran(&self) -> bool {
        self.duration_ms != NOT_RUN
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

/// [`AppliedMigration::duration_ms`] of a row recorded without running
/// (baselined on a fresh install, marked, squashed): it has no duration.
pub const NOT_RUN: i64 = -1;

/// Records `m` as applied (inside the caller's transaction): it ran for
/// `duration`, or (`None`) it was recorded without running.
pub(crate) async fn insert(
    db: &Db,
    m: &MigrationDef,
    seq: i64,
    duration: Option<Duration>,
) -> Result<AppliedMigration> {
    // No boot may skip what this changes (the boot stamp).
    crate::stamp::invalidate(db).await?;
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
        duration_ms: duration.map_or(NOT_RUN, |d| {
            i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
        }),
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
    // No boot may skip what this changes (the boot stamp).
    crate::stamp::invalidate(db).await?;
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

/// Sets the checksum recorded for `app:id` (an accepted edit).
pub(crate) async fn set_checksum(db: &Db, app: &str, id: &str, checksum: &str) -> Result<()> {
    // No boot may skip what this changes (the boot stamp).
    crate::stamp::invalidate(db).await?;
    let d = db.backend().dialect();
    let sql = format!(
        "UPDATE {} SET {} = {} WHERE {} = {} AND {} = {}",
        table(db),
        d.quote_ident("checksum"),
        d.placeholder(1),
        d.quote_ident("app"),
        d.placeholder(2),
        d.quote_ident("id"),
        d.placeholder(3)
    );
    let (checksum, app, id) = (checksum.to_owned(), app.to_owned(), id.to_owned());
    db.run_with(&sql, move |q| q.bind(checksum).bind(app).bind(id))
        .await?;
    Ok(())
}

/// Why a ledger row was written or changed without running a migration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Recorded as applied on a fresh install, or by `migrate baseline`.
    Baselined,
    /// Recorded as applied by `migrate mark-applied`.
    Marked,
    /// Removed from the ledger by `migrate unmark`.
    Unmarked,
    /// An edit of an applied migration accepted by `migrate accept`.
    Accepted,
    /// Replaced by a squashed migration (`migrate squash`).
    Squashed,
    /// Removed with its retired app (`migrate forget-app`).
    Forgotten,
}

impl Event {
    /// The spelling stored in the events table.
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Baselined => "baselined",
            Event::Marked => "marked",
            Event::Unmarked => "unmarked",
            Event::Accepted => "accepted",
            Event::Squashed => "squashed",
            Event::Forgotten => "forgotten",
        }
    }

    fn parse(text: &str) -> Option<Event> {
        [
            Event::Baselined,
            Event::Marked,
            Event::Unmarked,
            Event::Accepted,
            Event::Squashed,
            Event::Forgotten,
        ]
        .into_iter()
        .find(|e| e.as_str() == text)
    }
}

/// One row of the events table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LedgerEvent {
    /// The migration's app.
    pub app: String,
    /// The migration's id (empty for an app-wide event).
    pub id: String,
    /// What happened.
    pub event: Event,
    /// When: UTC, RFC 3339.
    pub at: String,
    /// The checksum it recorded.
    pub checksum: Option<String>,
    /// The checksum it replaced (`accepted`).
    pub previous_checksum: Option<String>,
}

/// Creates the ledger and its events table unless they exist (before a
/// transaction that writes them: DDL would end it on MySQL).
pub(crate) async fn ensure_with_events(db: &Db) -> Result<()> {
    ensure(db).await?;
    bookkeeping::ensure(db, &bookkeeping::events_table()).await
}

/// Records `event` for `app:id` (inside the caller's transaction; the table
/// exists: [`ensure_with_events`]).
pub(crate) async fn record_event(
    db: &Db,
    app: &str,
    id: &str,
    event: Event,
    checksum: Option<&str>,
    previous_checksum: Option<&str>,
) -> Result<()> {
    let d = db.backend().dialect();
    let columns = ["app", "id", "event", "at", "checksum", "previous_checksum"];
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        d.quote_ident(bookkeeping::EVENTS_TABLE),
        columns.map(|c| d.quote_ident(c)).join(", "),
        (1..=columns.len())
            .map(|n| d.placeholder(n))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let values = (
        app.to_owned(),
        id.to_owned(),
        event.as_str(),
        rfc3339_utc(time::OffsetDateTime::now_utc()),
        checksum.map(str::to_owned),
        previous_checksum.map(str::to_owned),
    );
    db.run_with(&sql, move |q| {
        q.bind(values.0)
            .bind(values.1)
            .bind(values.2)
            .bind(values.3)
            .bind(values.4)
            .bind(values.5)
    })
    .await?;
    Ok(())
}

/// Every event, oldest first; none when the table does not exist yet.
pub(crate) async fn load_events(db: &Db) -> Result<Vec<LedgerEvent>> {
    let d = db.backend().dialect();
    let columns = ["app", "id", "event", "at", "checksum", "previous_checksum"];
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {}",
        columns.map(|c| d.quote_ident(c)).join(", "),
        d.quote_ident(bookkeeping::EVENTS_TABLE),
        d.quote_ident("at")
    );
    let Some(rows) = fetch_if_exists(db, bookkeeping::EVENTS_TABLE, &sql).await? else {
        return Ok(Vec::new());
    };
    rows.iter()
        .map(|row| {
            let read = |e| Error::database(format!("reading `{}`", bookkeeping::EVENTS_TABLE), e);
            let event: String = row.try_get(2).map_err(read)?;
            Ok(LedgerEvent {
                app: row.try_get(0).map_err(read)?,
                id: row.try_get(1).map_err(read)?,
                event: Event::parse(&event).ok_or_else(|| {
                    Error::Introspect(format!(
                        "`{}` holds an event m does not know: `{event}`",
                        bookkeeping::EVENTS_TABLE
                    ))
                })?,
                at: row.try_get(3).map_err(read)?,
                checksum: row.try_get(4).map_err(read)?,
                previous_checksum: row.try_get(5).map_err(read)?,
            })
        })
        .collect()
}

/// Removes every ledger and event row of `app` (a retired app).
pub(crate) async fn forget_app(db: &Db, app: &str) -> Result<u64> {
    // No boot may skip what this changes (the boot stamp).
    crate::stamp::invalidate(db).await?;
    let d = db.backend().dialect();
    let sql = format!(
        "DELETE FROM {} WHERE {} = {}",
        table(db),
        d.quote_ident("app"),
        d.placeholder(1)
    );
    let owned = app.to_owned();
    let removed = db.run_with(&sql, move |q| q.bind(owned)).await?;
    Ok(removed)
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
