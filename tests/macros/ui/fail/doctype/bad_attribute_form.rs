//! `#[field]` takes options in parentheses; garbage inside is a syntax
//! error, reported with the other errors.
use m_runtime::prelude::*;

#[doctype]
pub struct Book {
    #[field(primary_key)]
    pub id: i64,
    #[field = "unique"]
    pub isbn: String,
    #[field(max_length 140)]
    pub title: String,
    #[field(index(fields = ["x"]))]
    pub subtitle: String,
    pub pages: u32,
}

fn main() {}
