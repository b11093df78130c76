//! A tuple struct has no column names.
use m_runtime::prelude::*;

#[doctype]
pub struct Pair(pub i64, pub String);

fn uses_it(_: Pair) {}

fn main() {}
