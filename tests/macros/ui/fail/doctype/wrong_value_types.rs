//! Values are real syn types: a string where a number goes, a string where
//! a path goes, a value on a flag.
use m_runtime::prelude::*;

#[doctype]
pub struct Book {
    #[field(primary_key)]
    pub id: i64,
    #[field(max_length = "140")]
    pub title: String,
    #[field(column = title_2)]
    pub subtitle: String,
    #[field(references = "Book")]
    pub parent: Option<i64>,
    #[field(unique = true)]
    pub code: String,
    #[field(renamed_from)]
    pub note: String,
}

fn main() {}
