//! A hook returns `Result<(), E>` with `E: Into<BoxError>`.
use m_runtime::prelude::*;

#[after_sync]
async fn nothing(_db: &Db) {}

#[after_sync]
async fn code(_db: &Db) -> Result<(), i32> {
    Ok(())
}

fn main() {}
