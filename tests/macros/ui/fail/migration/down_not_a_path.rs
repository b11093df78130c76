//! `down` is a path, not a string.
use m_runtime::prelude::*;

#[migration(id = "0001_init", down = "revert")]
async fn up(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

fn main() {}
