//! A field of a user type that is not a `DocEnum`: the error is on the
//! type and says how to make it a column. A `DocEnum` field takes a string
//! default, not a number.
use m_runtime::prelude::*;

pub struct Point {
    pub x: i64,
    pub y: i64,
}

#[derive(DocEnum)]
pub enum Mood {
    Ok,
    Sad,
}

#[doctype]
pub struct Place {
    #[field(primary_key)]
    pub id: i64,
    pub at: Point,
    pub near: Option<Point>,
    #[field(default = 1)]
    pub mood: Mood,
    #[field(max_length = 3)]
    pub other: Mood,
}

fn main() {}
