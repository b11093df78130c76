//! Types from optional crates need m-runtime's feature of the same name;
//! the UI tests build m-runtime without them. (Matching is by name, so
//! local stand-ins are enough to show the error.)
use m_runtime::prelude::*;

mod chrono {
    pub struct NaiveDate;
}
mod uuid {
    pub struct Uuid;
}
mod rust_decimal {
    pub struct Decimal;
}
mod serde_json {
    pub struct Value;
}
mod time {
    pub struct OffsetDateTime;
}

#[doctype]
pub struct Event {
    #[field(primary_key)]
    pub id: uuid::Uuid,
    pub day: chrono::NaiveDate,
    pub at: Option<time::OffsetDateTime>,
    #[field(precision = 10, scale = 2)]
    pub price: rust_decimal::Decimal,
    pub payload: serde_json::Value,
    #[field(sql_type = "date")]
    pub raw_day: chrono::NaiveDate,
}

fn main() {}
