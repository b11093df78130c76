//! The `catalog` app of the bookshop example: authors and books.
//!
//! Linking this crate into a binary installs its DocTypes, hooks and
//! migrations (see `m_runtime::apps!`).

use m_runtime::prelude::*;

// `Publisher`, declared in `doctypes/publisher.json` (Frappe's format).
m_runtime::include_doctypes!();
// `migrations/0002_normalize_prices.sql` (and its `.down.sql`).
m_runtime::include_migrations!();

/// Something that happened: hooks and migrations append here, so that a
/// run's order (and that each ran once) can be read back.
#[doctype]
pub struct EventLog {
    #[field(primary_key)]
    pub id: i64,
    #[field(max_length = 120)]
    pub event: String,
}

/// Appends `event` to the event log.
pub async fn log_event(db: &Db, event: &str) -> m_runtime::Result<()> {
    let sql =
        "INSERT INTO event_log (id, event) SELECT COALESCE(MAX(id), 0) + 1, {} FROM event_log";
    let literal = db.backend().dialect().quote_str(event);
    db.execute(&sql.replace("{}", &literal)).await.map(drop)
}

/// A genre a book may be shelved under.
#[doctype]
pub struct Genre {
    #[field(primary_key, max_length = 40)]
    pub code: String,
    #[field(max_length = 140)]
    pub label: String,
}

/// Seeds the standard genres (runs once, after the sync created `genre`).
#[migration(id = "0001_seed_genres", phase = post_sync, down = unseed_genres, on_fresh = run)]
async fn seed_genres(db: &Db) -> m_runtime::Result<()> {
    db.execute("INSERT INTO genre (code, label) VALUES ('fic', 'Fiction'), ('sci', 'Science'), ('his', 'History')")
        .await?;
    log_event(db, "migration:catalog:0001_seed_genres").await
}

async fn unseed_genres(db: &Db) -> m_runtime::Result<()> {
    db.execute("DELETE FROM genre WHERE code IN ('fic', 'sci', 'his')")
        .await?;
    log_event(db, "down:catalog:0001_seed_genres").await
}

/// Runs before every sync's DDL: a cheap check that the database answers.
#[before_sync]
async fn check_database(db: &Db) -> m_runtime::Result<()> {
    db.execute("SELECT 1").await.map(drop)
}

/// Runs after every sync: records that the catalog schema is in place.
#[after_sync]
async fn catalog_synced(db: &Db) -> m_runtime::Result<()> {
    log_event(db, "after_sync:catalog").await
}

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
