//! Two fields that end up with the same column name.
use m_runtime::prelude::*;

#[doctype]
pub struct Book {
    #[field(primary_key)]
    pub id: i64,
    pub title: String,
    #[field(column = "title")]
    pub heading: String,
    #[field(renamed_from = "title")]
    pub caption: String,
}

fn main() {}
