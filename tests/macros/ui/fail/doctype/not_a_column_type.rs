//! A field of a user type that is not a `DocEnum`: the error is on the
//! type and says how to make it a column.
use m_runtime::prelude::*;

pub struct Point {
    pub x: i64,
    pub y: i64,
}

#[doctype]
pub struct Place {
    #[field(primary_key)]
    pub id: i64,
    pub at: Point,
    pub near: Option<Point>,
}

fn main() {}
