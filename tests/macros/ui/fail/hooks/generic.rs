//! A hook cannot be generic.
use m_runtime::prelude::*;

#[after_sync]
async fn seed<T: Default>(db: &Db) -> m_runtime::Result<()> {
    let _ = (db, T::default());
    Ok(())
}

fn main() {}
