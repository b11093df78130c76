//! The `catalog` app of the bookshop example: authors and books.
//!
//! Linking this crate into a binary installs its DocTypes, hooks and
//! migrations (see `m_runtime::apps!`).

use m_runtime::prelude::*;

/// A writer.
#[doctype]
pub struct Author {
    #[field(primary_key)]
    pub id: i64,
    #[field(max_length = 140, index)]
    pub name: String,
    pub bio: Option<String>,
}

/// A title in the catalog.
#[doctype(index(fields = ["author", "title"]))]
pub struct Book {
    #[field(primary_key)]
    pub id: i64,
    #[field(max_length = 140, index)]
    pub title: String,
    #[field(max_length = 20, unique)]
    pub isbn: Option<String>,
    #[field(default = 1)]
    pub copies: i32,
    #[field(references = Author, on_delete = restrict, renamed_from = "author_name")]
    pub author: i64,
    #[field(default = 0)]
    pub price_cents: i64,
    #[field(default = false)]
    pub out_of_print: bool,
    #[field(column = "summary_text")]
    pub summary: Option<String>,
    #[field(sql_type = "TEXT")]
    pub notes: Option<String>,
    /// Not stored.
    #[field(skip)]
    pub cached_rank: Option<u64>,
}

/// A shelf label: a table with a composite primary key.
#[doctype(table = "shelf_label", primary_key(fields = ["shelf", "position"]))]
pub struct ShelfLabel {
    #[field(max_length = 8)]
    pub shelf: String,
    pub position: i16,
    #[field(references = Book, on_delete = cascade)]
    pub book: i64,
    pub weight_kg: Option<f64>,
    pub cover: Option<Vec<u8>>,
}
