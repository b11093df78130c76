//! The one-line import an app crate writes, as in the README.
use m_runtime::prelude::*;

#[doctype]
pub struct Book {
    #[field(primary_key)]
    pub id: i64,
    #[field(max_length = 140, index)]
    pub title: String,
    pub isbn: Option<String>,
    #[field(default = 1)]
    pub copies: i32,
    #[field(renamed_from = "author_name")]
    pub author: String,
}

#[before_sync]
async fn ensure_extensions(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

#[after_sync]
async fn seed_defaults(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

#[migration(id = "0002_backfill_author", depends_on = ["orders:0001_init"], phase = post_sync)]
async fn backfill_author(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

fn main() {
    assert_eq!(Book::TABLE, "book");
}
