//! `on_delete` needs `references`, a known action, a nullable field for
//! `set_null` and a default for `set_default`.
use m_runtime::prelude::*;

#[doctype]
pub struct Author {
    #[field(primary_key)]
    pub id: i64,
}

#[doctype]
pub struct Book {
    #[field(primary_key)]
    pub id: i64,
    #[field(on_delete = cascade)]
    pub author: i64,
    #[field(references = Author, on_delete = delete_everything)]
    pub editor: i64,
    #[field(references = Author, on_delete = set_null)]
    pub translator: i64,
    #[field(references = Author, on_delete = set_default)]
    pub publisher: i64,
    #[field(references = Author, on_delete = "cascade")]
    pub reviewer: i64,
}

fn main() {}
