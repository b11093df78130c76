//! `references` must name a `#[doctype]` struct.
use m_runtime::prelude::*;

pub struct Plain;

#[doctype]
pub struct Book {
    #[field(primary_key)]
    pub id: i64,
    #[field(references = Plain)]
    pub author: i64,
    #[field(references = Missing)]
    pub editor: i64,
}

fn main() {}
