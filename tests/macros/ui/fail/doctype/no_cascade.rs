//! The struct is still emitted after an error, with a stub `DocType`
//! impl: code using it reports nothing else.
use m_runtime::prelude::*;

#[doctype]
pub struct Book {
    #[field(primary_key)]
    pub id: i64,
    #[field(colour = "red")]
    pub title: String,
}

fn uses_it(book: Book) -> &'static str {
    let _ = (book.id, book.title);
    <Book as DocType>::TABLE
}

fn main() {}
