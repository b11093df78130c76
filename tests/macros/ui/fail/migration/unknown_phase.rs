//! `phase` is `pre_sync` or `post_sync`.
use m_runtime::prelude::*;

#[migration(id = "0001_a", phase = during_sync)]
async fn a(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

#[migration(id = "0002_b", phase = "later")]
async fn b(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

fn main() {}
