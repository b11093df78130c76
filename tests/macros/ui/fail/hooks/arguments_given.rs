//! Hooks take no options but `app = "..."`.
use m_runtime::prelude::*;

#[before_sync(order = 1)]
async fn first(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

#[after_sync(app = 7)]
async fn second(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

#[after_sync(app = "my-app")]
async fn third(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

#[before_sync(app = "a", app = "b")]
async fn fourth(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

fn main() {}
