//! Migration ids are explicit, never derived from the fn name.
use m_runtime::prelude::*;

#[migration]
async fn a(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

#[migration(phase = post_sync)]
async fn b(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

fn main() {}
