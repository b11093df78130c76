//! A unit struct has no columns.
use m_runtime::prelude::*;

#[doctype]
pub struct Marker;

fn uses_it(_: Marker) {}

fn main() {}
