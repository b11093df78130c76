//! A migration fn must be async.
use m_runtime::prelude::*;

#[migration(id = "0001_init")]
fn up(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

fn main() {}
