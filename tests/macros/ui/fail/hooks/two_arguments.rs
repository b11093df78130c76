//! A hook takes exactly one argument.
use m_runtime::prelude::*;

#[after_sync]
async fn seed(db: &Db, count: u32) -> m_runtime::Result<()> {
    let _ = (db, count);
    Ok(())
}

fn main() {}
