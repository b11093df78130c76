//! A hook takes the database handle.
use m_runtime::prelude::*;

#[before_sync]
async fn ensure() -> m_runtime::Result<()> {
    Ok(())
}

fn main() {}
