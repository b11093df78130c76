//! Struct-level indexes name existing, non-skipped fields, once each.
use m_runtime::prelude::*;

#[doctype(
    index(fields = ["titel"]),
    index(fields = ["title", "title"]),
    index(fields = ["cache"]),
    index(fields = []),
    index(unique),
    index(fields = ["title"], name = "by_title", clustered),
    index(fields = ["id"], name = "by_title"),
    index = "title"
)]
pub struct Book {
    #[field(primary_key)]
    pub id: i64,
    pub title: String,
    #[field(skip)]
    pub cache: String,
}

fn main() {}
