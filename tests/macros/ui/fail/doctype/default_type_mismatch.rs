//! A `default` whose literal does not match the field type.
use m_runtime::prelude::*;

#[doctype]
pub struct Book {
    #[field(primary_key)]
    pub id: i64,
    #[field(default = "ten")]
    pub copies: i64,
    #[field(default = 1)]
    pub in_print: bool,
    #[field(default = 2.5)]
    pub pages: i32,
    #[field(default = current_timestamp)]
    pub title: String,
    #[field(default = 40000)]
    pub small: i16,
    #[field(default = -"x")]
    pub weird: String,
    #[field(default = 1 + 1)]
    pub sum: i32,
    #[field(default = 7)]
    pub cover: Vec<u8>,
}

fn main() {}
