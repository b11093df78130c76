//! A DocType without a primary key.
use m_runtime::prelude::*;

#[doctype]
pub struct Note {
    pub body: String,
}

fn main() {}
