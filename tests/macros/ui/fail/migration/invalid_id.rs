//! Ids are `[0-9A-Za-z_]+`.
use m_runtime::prelude::*;

#[migration(id = "0001-init")]
async fn a(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

#[migration(id = "")]
async fn b(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

#[migration(id = 1)]
async fn c(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

fn main() {}
