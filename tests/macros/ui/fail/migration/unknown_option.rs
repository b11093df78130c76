//! An unknown option lists the valid ones; duplicates are reported.
use m_runtime::prelude::*;

#[migration(id = "0001_a", reversible = true)]
async fn a(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

#[migration(id = "0002_b", id = "0002_c")]
async fn b(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

fn main() {}
