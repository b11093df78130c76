//! A skipped field keeps no column options.
use m_runtime::prelude::*;

#[doctype]
pub struct Book {
    #[field(primary_key)]
    pub id: i64,
    #[field(skip, default = 1)]
    pub cache: i64,
}

fn main() {}
