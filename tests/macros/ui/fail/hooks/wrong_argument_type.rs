//! The argument type is checked by rustc, at the user's signature.
use m_runtime::prelude::*;

#[before_sync]
async fn ensure(url: &str) -> m_runtime::Result<()> {
    let _ = url;
    Ok(())
}

fn main() {}
