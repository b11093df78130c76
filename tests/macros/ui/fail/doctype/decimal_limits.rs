//! Decimal precision and scale limits (the decimal feature error is
//! expected too, as the UI tests build m-runtime without it).
use m_runtime::prelude::*;

mod rust_decimal {
    pub struct Decimal;
}

#[doctype]
pub struct Price {
    #[field(primary_key)]
    pub id: i64,
    #[field(precision = 70)]
    pub a: rust_decimal::Decimal,
    #[field(precision = 10, scale = 12)]
    pub b: rust_decimal::Decimal,
    #[field(scale = 2)]
    pub c: rust_decimal::Decimal,
    #[field(precision = 300)]
    pub d: rust_decimal::Decimal,
}

fn main() {}
