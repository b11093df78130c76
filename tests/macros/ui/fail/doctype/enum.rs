//! `#[doctype]` goes on structs only.
use m_runtime::prelude::*;

#[doctype]
pub enum Status {
    Draft,
    Published,
}

fn uses_it(_: Status) {}

fn main() {}
