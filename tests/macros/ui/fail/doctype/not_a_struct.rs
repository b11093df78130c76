//! `#[doctype]` on a function.
use m_runtime::prelude::*;

#[doctype]
pub fn book() {}

fn main() {}
