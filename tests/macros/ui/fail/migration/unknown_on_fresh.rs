//! `on_fresh` is `skip` (recorded as applied on a fresh install) or `run`.
use m_runtime::prelude::*;

#[migration(id = "0001_a", on_fresh = always)]
async fn a(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

#[migration(id = "0002_b", on_fresh = run)]
async fn b(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

fn main() {}
