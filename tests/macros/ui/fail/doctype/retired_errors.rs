//! `retired(columns = [...])` names columns no field declares: not a current
//! column, not a field's former name, not twice, and valid names only.
use m_runtime::prelude::*;

#[doctype(retired(columns = ["title", "caption", "fax", "fax", "bad name"]))]
pub struct Book {
    #[field(primary_key)]
    pub id: i64,
    pub title: String,
    #[field(renamed_from = "caption")]
    pub subtitle: String,
}

#[doctype(retired(colums = ["x"]))]
pub struct Shelf {
    #[field(primary_key)]
    pub id: i64,
}

fn main() {}
