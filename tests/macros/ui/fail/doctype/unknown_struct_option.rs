//! An unknown `#[doctype]` option lists the valid ones.
use m_runtime::prelude::*;

#[doctype(tabel = "books")]
pub struct Book {
    #[field(primary_key)]
    pub id: i64,
}

fn main() {}
