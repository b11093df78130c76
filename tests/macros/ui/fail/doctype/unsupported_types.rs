//! Unsupported Rust types, each spanned on the type with the remedy.
use m_runtime::prelude::*;

use std::collections::HashMap;

#[doctype]
pub struct Everything {
    #[field(primary_key)]
    pub id: i64,
    pub map: HashMap<String, i64>,
    pub unsigned: u64,
    pub tiny: i8,
    pub borrowed: &'static str,
    pub pair: (i64, i64),
    pub nested: Option<Option<i64>>,
    pub list: Vec<String>,
    pub character: char,
}

fn main() {}
