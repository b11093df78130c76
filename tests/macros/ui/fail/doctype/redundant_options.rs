//! `unique` already indexes; a primary key is already unique and indexed.
use m_runtime::prelude::*;

#[doctype]
pub struct Book {
    #[field(primary_key, unique, index)]
    pub id: i64,
    #[field(unique, index)]
    pub isbn: String,
    #[field(sql_type = "")]
    pub blob: Vec<u8>,
}

fn main() {}
