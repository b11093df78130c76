//! `skip` takes no other option: a skipped field has no column.
use m_runtime::prelude::*;

#[doctype]
pub struct Author {
    #[field(primary_key)]
    pub id: i64,
}

#[doctype]
pub struct Book {
    #[field(primary_key)]
    pub id: i64,
    #[field(skip, references = Author)]
    pub author: i64,
    #[field(max_length = 20, skip)]
    pub cache: String,
}

fn main() {}
