//! A hook is a free fn, not a method.
use m_runtime::prelude::*;

pub struct Setup;

impl Setup {
    #[before_sync]
    async fn ensure(&self, db: &Db) -> m_runtime::Result<()> {
        let _ = db;
        Ok(())
    }
}

fn main() {}
