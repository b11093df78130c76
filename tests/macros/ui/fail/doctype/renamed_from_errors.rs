//! `renamed_from` names an old column: not the current one, not twice, not
//! another field's current column.
use m_runtime::prelude::*;

#[doctype]
pub struct Book {
    #[field(primary_key)]
    pub id: i64,
    #[field(renamed_from = "title")]
    pub title: String,
    #[field(renamed_from = "old", renamed_from = "old")]
    pub subtitle: String,
    #[field(renamed_from = "title")]
    pub heading: String,
}

fn main() {}
