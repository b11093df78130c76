//! Three mistakes in one struct: three errors in one build.
use m_runtime::prelude::*;

#[doctype]
pub struct Book {
    #[field(primary_key)]
    pub id: i64,
    #[field(max_lenght = 140)]
    pub title: String,
    #[field(max_length = 10)]
    pub copies: i32,
    pub price: u64,
}

fn main() {}
