//! The `orders` app of the bookshop example: customers and their orders,
//! which reference the `catalog` app's books.

use m_runtime::prelude::*;

/// The walk-in customer every shop has; needs the catalog's seed first.
#[migration(id = "0001_walk_in_customer", phase = post_sync, depends_on = ["catalog:0001_seed_genres"], on_fresh = run)]
async fn walk_in_customer(db: &Db) -> m_runtime::Result<()> {
    db.execute("INSERT INTO customer (id, email, name, active) VALUES (1, 'walk-in@shop.invalid', 'Walk-in', TRUE)")
        .await?;
    catalog::log_event(db, "migration:orders:0001_walk_in_customer").await
}

/// Runs after every sync.
#[after_sync]
async fn orders_synced(db: &Db) -> m_runtime::Result<()> {
    catalog::log_event(db, "after_sync:orders").await
}

// The invoices of the old billing system: still in old databases until a
// migration archives them, no longer used by the code.
m_runtime::retired_tables!["legacy_invoice"];

/// Someone who buys. `phone` was dropped from the code: databases that
/// still hold it keep it until a migration drops it.
#[doctype(retired(columns = ["phone"]))]
pub struct Customer {
    #[field(primary_key)]
    pub id: i64,
    #[field(max_length = 200, unique)]
    pub email: String,
    #[field(max_length = 140)]
    pub name: String,
    #[field(default = true)]
    pub active: bool,
}

/// An order; the table is named `order`, a reserved word, on purpose.
#[doctype(index(fields = ["customer", "status"]))]
pub struct Order {
    #[field(primary_key)]
    pub id: i64,
    #[field(references = Customer, on_delete = cascade)]
    pub customer: i64,
    #[field(max_length = 20, default = "new")]
    pub status: String,
    #[field(default = 0)]
    pub total_cents: i64,
    pub note: Option<String>,
    #[field(default = 0.0)]
    pub discount: f32,
}

/// One book of an order: a cross-app foreign key to `catalog::Book`.
#[doctype(table = "order_line", primary_key(fields = ["order", "book"]))]
pub struct OrderLine {
    #[field(references = Order, on_delete = cascade)]
    pub order: i64,
    #[field(references = catalog::Book, on_delete = restrict)]
    pub book: i64,
    #[field(default = 1)]
    pub quantity: i32,
}
