//! `check(name = "...", expr = "...")`: both given, a valid name used once,
//! a non-empty expression that is one condition, no unknown option.
use m_runtime::prelude::*;

#[doctype(
    check(name = "price_positive", expr = "price >= 0"),
    check(name = "price_positive", expr = "price < 100"),
    check(name = "bad name", expr = "price > 1"),
    check(expr = "price > 2"),
    check(name = "no_expr"),
    check(name = "empty", expr = "  "),
    check(name = "two", expr = "price > 0; DROP TABLE book"),
    check(name = "literal", expr = "title <> ';'"),
    check(name = "typo", exp = "price > 0")
)]
pub struct Book {
    #[field(primary_key)]
    pub id: i64,
    pub title: String,
    pub price: i64,
}

fn main() {}
