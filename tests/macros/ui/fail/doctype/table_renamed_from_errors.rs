//! `#[doctype(renamed_from = "...")]` names a former table: a valid name,
//! not the current one, not twice, and a string.
use m_runtime::prelude::*;

#[doctype(renamed_from = "book", renamed_from = "old book")]
pub struct Book {
    #[field(primary_key)]
    pub id: i64,
}

#[doctype(table = "client", renamed_from = "customer", renamed_from = "customer")]
pub struct Client {
    #[field(primary_key)]
    pub id: i64,
}

#[doctype(renamed_from = customer)]
pub struct Shelf {
    #[field(primary_key)]
    pub id: i64,
}

fn main() {}
