//! `depends_on` entries are `"app:id"` strings.
use m_runtime::prelude::*;

#[migration(id = "0002_x", depends_on = ["orders", "a:b:c", "orders:0001_init"])]
async fn a(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

#[migration(id = "0003_x", depends_on = "orders:0001_init")]
async fn b(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

#[migration(id = "0004_x", depends_on = [orders])]
async fn c(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

fn main() {}
