//! An option given twice is an error at the second one, whatever the key.
use m_runtime::prelude::*;

#[doctype(table = "a", table = "b")]
pub struct Book {
    #[field(primary_key)]
    pub id: i64,
    #[field(unique, max_length = 10, unique)]
    pub code: String,
    #[field(column = "x")]
    #[field(column = "y")]
    pub title: String,
}

fn main() {}
