//! `precision` and `scale` apply to decimals only.
use m_runtime::prelude::*;

#[doctype]
pub struct Price {
    #[field(primary_key)]
    pub id: i64,
    #[field(precision = 10, scale = 2)]
    pub amount: f64,
    #[field(sql_type = "numeric(10, 2)", precision = 10)]
    pub total: f64,
}

fn main() {}
