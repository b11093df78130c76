//! A primary key cannot be nullable, neither on a field nor in a
//! composite key.
use m_runtime::prelude::*;

#[doctype]
pub struct Note {
    #[field(primary_key)]
    pub id: Option<i64>,
}

#[doctype(primary_key(fields = ["a", "b"]))]
pub struct Pair {
    pub a: i64,
    pub b: Option<i64>,
}

fn main() {}
