//! A `DocEnum` field takes a string default (one of its values, checked
//! when the registry is validated), and no length.
use m_runtime::prelude::*;

#[derive(DocEnum)]
pub enum Mood {
    Ok,
    Sad,
}

#[doctype]
pub struct Diary {
    #[field(primary_key)]
    pub id: i64,
    #[field(default = 1)]
    pub mood: Mood,
    #[field(max_length = 3)]
    pub other: Mood,
}

fn main() {}
