//! A DocType has one fixed set of columns: no generics.
use m_runtime::prelude::*;

#[doctype]
pub struct Wrapper<T> {
    #[field(primary_key)]
    pub id: i64,
    #[field(skip)]
    pub value: T,
}

fn main_uses_it(_: Wrapper<u8>) {}

fn main() {}
