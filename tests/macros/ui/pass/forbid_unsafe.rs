//! An app crate that forbids `unsafe` still compiles: the registration's
//! `unsafe` lives inside inventory's own macro.
#![forbid(unsafe_code)]
use m_runtime::prelude::*;

#[doctype]
pub struct Book {
    #[field(primary_key)]
    pub id: i64,
}

#[before_sync]
async fn hook(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

#[migration(id = "0001_init")]
async fn init(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

fn main() {
    assert_eq!(m_runtime::Registry::linked().doctypes.len(), 1);
}
