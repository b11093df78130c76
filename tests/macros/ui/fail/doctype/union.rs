//! `#[doctype]` goes on structs only.
use m_runtime::prelude::*;

#[doctype]
pub union Bits {
    pub a: i64,
    pub b: f64,
}

fn uses_it(_: Bits) {}

fn main() {}
