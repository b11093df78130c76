//! The column types behind m-runtime's optional features (`chrono`, `time`,
//! `uuid`, `decimal`, `json`), declared with the real crates' types: the
//! DocType syncs, the database m synced diffs to nothing, and a value of
//! each type written to its column reads back equal.
//!
//! m-tests turns those features on in its m-runtime dependency, so
//! `cargo test --workspace` compiles this file; the UI suite, which shows
//! the error for a feature that is off, lives in a package of its own
//! (tests/macros).

use std::str::FromStr;

use m_runtime::Policy;
use m_runtime::prelude::*;
use m_tests::{Backend, TestDb, all_backends};

#[doctype]
#[derive(Debug, PartialEq)]
pub struct Shipment {
    #[field(primary_key)]
    pub id: uuid::Uuid,
    pub shipped_on: chrono::NaiveDate,
    pub cutoff: chrono::NaiveTime,
    pub packed_at: chrono::NaiveDateTime,
    pub delivered_at: Option<chrono::DateTime<chrono::Utc>>,
    pub ordered_on: time::Date,
    pub pickup: time::Time,
    pub loaded_at: time::PrimitiveDateTime,
    pub signed_at: time::OffsetDateTime,
    #[field(precision = 12, scale = 2)]
    pub price: rust_decimal::Decimal,
    pub manifest: serde_json::Value,
}

/// The columns in declaration order.
const COLUMNS: [&str; 11] = [
    "id",
    "shipped_on",
    "cutoff",
    "packed_at",
    "delivered_at",
    "ordered_on",
    "pickup",
    "loaded_at",
    "signed_at",
    "price",
    "manifest",
];

/// A value with fractional seconds where the column keeps them (the
/// date-times; m's TIME column has whole seconds on MySQL), a leap day, a
/// decimal using all its digits, and JSON with a quote to escape.
fn sample(id: &str, delivered: bool) -> Shipment {
    let day = chrono::NaiveDate::from_ymd_opt(2024, 2, 29).expect("a leap day");
    let packed_at = day
        .and_hms_micro_opt(13, 45, 30, 123_456)
        .expect("a valid time");
    Shipment {
        id: uuid::Uuid::parse_str(id).expect("a valid UUID"),
        shipped_on: day,
        cutoff: chrono::NaiveTime::from_hms_opt(23, 59, 58).expect("a valid time"),
        packed_at,
        delivered_at: delivered.then(|| packed_at.and_utc() + chrono::Duration::hours(30)),
        ordered_on: time::macros::date!(2023 - 12 - 31),
        pickup: time::macros::time!(07:08:09),
        loaded_at: time::macros::datetime!(2023-12-31 07:08:09.654321),
        signed_at: time::macros::datetime!(2023-12-31 23:08:09.000001 UTC),
        price: rust_decimal::Decimal::new(1_234_567_890, 2),
        manifest: serde_json::json!({"sku": "A-1", "qty": 3, "tags": ["fragile", "it's"]}),
    }
}

const DATE: &[time::format_description::BorrowedFormatItem<'_>] =
    time::macros::format_description!("[year]-[month]-[day]");
const TIME: &[time::format_description::BorrowedFormatItem<'_>] =
    time::macros::format_description!("[hour]:[minute]:[second][optional [.[subsecond]]]");
const DATE_TIME: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
    "[year]-[month]-[day] [hour]:[minute]:[second][optional [.[subsecond]]]"
);

impl Shipment {
    /// The row as SQL literals, in [`COLUMNS`] order. A timestamp with a
    /// time zone is written with its offset, except on MySQL, whose
    /// TIMESTAMP literals take none (it reads them in the session's zone and
    /// returns them in it, so the value still comes back unchanged).
    fn literals(&self, backend: Backend) -> Vec<String> {
        let quote = |text: String| format!("'{}'", text.replace('\'', "''"));
        let utc = |at: chrono::DateTime<chrono::Utc>| match backend {
            Backend::Mysql => at.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
            _ => at.format("%Y-%m-%d %H:%M:%S%.6f%:z").to_string(),
        };
        let signed_at = chrono::DateTime::from_timestamp_nanos(
            i64::try_from(self.signed_at.unix_timestamp_nanos()).expect("a 64-bit timestamp"),
        );
        vec![
            quote(self.id.to_string()),
            quote(self.shipped_on.to_string()),
            quote(self.cutoff.format("%H:%M:%S").to_string()),
            quote(self.packed_at.format("%Y-%m-%d %H:%M:%S%.6f").to_string()),
            self.delivered_at
                .map_or_else(|| "NULL".to_owned(), |at| quote(utc(at))),
            quote(self.ordered_on.format(DATE).expect("format a date")),
            quote(self.pickup.format(TIME).expect("format a time")),
            quote(
                self.loaded_at
                    .format(DATE_TIME)
                    .expect("format a date-time"),
            ),
            quote(utc(signed_at)),
            quote(self.price.to_string()),
            quote(self.manifest.to_string()),
        ]
    }

    /// A row read back as text (`CAST(column AS text)`), in [`COLUMNS`] order.
    fn from_text(row: &[Option<String>]) -> Shipment {
        let text = |i: usize| -> &str {
            row[i]
                .as_deref()
                .unwrap_or_else(|| panic!("{} is NULL", COLUMNS[i]))
        };
        Shipment {
            id: uuid::Uuid::parse_str(text(0)).expect("a UUID"),
            shipped_on: chrono::NaiveDate::parse_from_str(text(1), "%Y-%m-%d").expect("a date"),
            cutoff: chrono::NaiveTime::parse_from_str(text(2), "%H:%M:%S%.f").expect("a time"),
            packed_at: chrono::NaiveDateTime::parse_from_str(
                &text(3).replacen('T', " ", 1),
                "%Y-%m-%d %H:%M:%S%.f",
            )
            .expect("a date-time"),
            delivered_at: row[4].as_deref().map(instant),
            ordered_on: time::Date::parse(text(5), DATE).expect("a date"),
            pickup: time::Time::parse(text(6), TIME).expect("a time"),
            loaded_at: time::PrimitiveDateTime::parse(text(7), DATE_TIME).expect("a date-time"),
            signed_at: time::OffsetDateTime::from_unix_timestamp_nanos(
                instant(text(8))
                    .timestamp_nanos_opt()
                    .expect("a 64-bit timestamp")
                    .into(),
            )
            .expect("an instant"),
            price: rust_decimal::Decimal::from_str(text(9)).expect("a decimal"),
            manifest: serde_json::from_str(text(10)).expect("JSON"),
        }
    }
}

/// A timestamp as the backends print it: with an offset (`+00`, `+00:00`)
/// or, from MySQL, without one (then it is the UTC written).
fn instant(text: &str) -> chrono::DateTime<chrono::Utc> {
    let text = text.replacen('T', " ", 1);
    chrono::DateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S%.f%#z")
        .map(|at| at.to_utc())
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S%.f")
                .map(|at| at.and_utc())
        })
        .unwrap_or_else(|e| panic!("{text:?} is not a timestamp: {e}"))
}

/// Reads every row of `shipment` back as text, ordered by `id`.
async fn read_back(t: &TestDb) -> Vec<Shipment> {
    let as_text = match t.backend {
        Backend::Mysql => "CHAR",
        Backend::Sqlite | Backend::Postgres => "TEXT",
    };
    let columns: Vec<String> = COLUMNS
        .iter()
        .map(|c| format!("CAST({c} AS {as_text})"))
        .collect();
    let sql = format!("SELECT {} FROM shipment ORDER BY id", columns.join(", "));
    t.rows(&sql)
        .await
        .iter()
        .map(|row| Shipment::from_text(row))
        .collect()
}

all_backends!(feature_types_sync_verify_and_round_trip, |t| async move {
    let desired = m_runtime::Registry::linked().schema();
    let table = desired.table("shipment").expect("the shipment table");
    assert_eq!(table.columns.len(), COLUMNS.len());

    let (plan, report) = t.sync(&desired, &Policy::default()).await;
    assert!(report.blocked.is_empty(), "{report:?}");
    assert!(!plan.changes.is_empty(), "the first sync creates the table");
    let again = t.verify(&desired).await;
    assert!(
        again.changes.is_empty(),
        "the synced database diffs to nothing: {:?}",
        again.changes
    );

    let written = [
        sample("0b7e4d1c-3a2f-4e5d-8c6b-9a0f1e2d3c4b", true),
        sample("9f3c2b1a-5d4e-4f60-8a7b-0c1d2e3f4a5b", false),
    ];
    for shipment in &written {
        t.exec(&format!(
            "INSERT INTO shipment ({}) VALUES ({})",
            COLUMNS.join(", "),
            shipment.literals(t.backend).join(", ")
        ))
        .await;
    }
    assert_eq!(read_back(&t).await, written);
    assert!(
        t.verify(&desired).await.changes.is_empty(),
        "still clean with rows"
    );
});
