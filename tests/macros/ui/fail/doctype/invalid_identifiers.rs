//! Table, column, index and old column names must be portable identifiers
//! of at most 63 bytes.
use m_runtime::prelude::*;

#[doctype(
    table = "my-books",
    index(fields = ["title"], name = "an_index_name_that_is_much_too_long_for_postgresql_to_keep_whole")
)]
pub struct Book {
    #[field(primary_key, column = "1st")]
    pub id: i64,
    #[field(renamed_from = "old title")]
    pub title: String,
}

#[doctype]
pub struct Bücher {
    #[field(primary_key)]
    pub id: i64,
}

fn main() {}
