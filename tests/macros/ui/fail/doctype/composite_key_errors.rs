//! Struct-level key: unknown, repeated and skipped fields, and a field-level
//! key on top of it.
use m_runtime::prelude::*;

#[doctype(primary_key(fields = ["a", "missing", "a", "hidden"]))]
pub struct Pair {
    pub a: i64,
    #[field(primary_key)]
    pub b: i64,
    #[field(skip)]
    pub hidden: i64,
}

#[doctype(primary_key)]
pub struct NoFields {
    #[field(primary_key)]
    pub a: i64,
}

fn main() {}
