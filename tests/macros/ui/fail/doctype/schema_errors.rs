//! `#[doctype(schema = "...")]` names the PostgreSQL schema of the table:
//! a non-empty, portable identifier of the user's own, given as a string.
//! `renamed_from` names a former table as `table` or `schema.table`.
use m_runtime::prelude::*;

#[doctype(schema = "")]
pub struct Empty {
    #[field(primary_key)]
    pub id: i64,
}

#[doctype(schema = "billing-2024")]
pub struct Dashed {
    #[field(primary_key)]
    pub id: i64,
}

#[doctype(schema = "pg_catalog")]
pub struct Reserved {
    #[field(primary_key)]
    pub id: i64,
}

#[doctype(schema = billing)]
pub struct Unquoted {
    #[field(primary_key)]
    pub id: i64,
}

#[doctype(schema = "billing", table = "invoice", renamed_from = "billing.invoice", renamed_from = "old billing.invoice")]
pub struct Invoice {
    #[field(primary_key)]
    pub id: i64,
}

fn main() {}
