//! Arity, generics and types of a migration fn.
use m_runtime::prelude::*;

#[migration(id = "0001_a")]
async fn a(_db: &Db, _extra: i32) -> m_runtime::Result<()> {
    Ok(())
}

#[migration(id = "0002_b")]
async fn b<T>(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

#[migration(id = "0003_c")]
async fn c(_db: &Db) -> i32 {
    0
}

fn main() {}
