//! `max_length` applies to strings only.
use m_runtime::prelude::*;

#[doctype]
pub struct Book {
    #[field(primary_key)]
    pub id: i64,
    #[field(max_length = 10)]
    pub pages: i32,
    #[field(max_length = 0)]
    pub title: String,
}

fn main() {}
