//! `down` names an async fn with the hook signature; rustc checks it.
use m_runtime::prelude::*;

#[migration(id = "0001_init", down = revert)]
async fn up(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

fn revert(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

fn main() {}
