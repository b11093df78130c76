//! Two field-level primary keys: composite keys are declared on the struct.
use m_runtime::prelude::*;

#[doctype]
pub struct BookTag {
    #[field(primary_key)]
    pub book: i64,
    #[field(primary_key)]
    pub tag: String,
}

fn main() {}
