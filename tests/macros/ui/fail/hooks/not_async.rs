//! A hook must be an `async fn`.
use m_runtime::prelude::*;

#[before_sync]
fn ensure(db: &Db) -> m_runtime::Result<()> {
    let _ = db;
    Ok(())
}

fn main() {}
