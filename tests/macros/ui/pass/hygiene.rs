//! Generated code names only absolute paths: user items called `Result`,
//! `Option`, `Some`, `None`, `Ok`, `Box`, `core`, `std`, `inventory`,
//! `String`, `Vec`, `Default`, `DocType`, `Cow` or `m_runtime` do not break
//! it.
#![allow(dead_code, non_camel_case_types)]

mod core {}
mod std {}
mod inventory {}
mod m_runtime {}

type Result<T> = ::std::result::Result<T, ()>;
struct Option;
struct Some;
struct None;
struct Ok;
struct Box;
struct Cow;
struct String;
struct Vec;
struct Default;
trait DocType {}
struct DocTypeDef;
struct ColumnDef;
struct LogicalType;

#[::m_runtime::doctype]
pub struct Author {
    #[field(primary_key)]
    pub id: i64,
}

#[::m_runtime::doctype(index(fields = ["title"]))]
pub struct Book {
    #[field(primary_key)]
    pub id: i64,
    #[field(max_length = 100, default = "untitled")]
    pub title: ::std::string::String,
    pub subtitle: ::core::option::Option<::std::string::String>,
    #[field(references = Author, on_delete = set_null)]
    pub author: ::core::option::Option<i64>,
    #[field(sql_type = "text", default = 1.5)]
    pub custom: ::std::string::String,
}

#[::m_runtime::before_sync]
async fn hook(_db: &::m_runtime::Db) -> ::std::result::Result<(), ::std::io::Error> {
    ::std::result::Result::Ok(())
}

#[::m_runtime::migration(id = "0001_init", down = hook)]
async fn init(_db: &::m_runtime::Db) -> ::m_runtime::Result<()> {
    ::std::result::Result::Ok(())
}

fn main() {
    use ::m_runtime::DocType as _;
    ::std::assert_eq!(Book::doctype().columns.len(), 5);
    ::std::assert_eq!(<Book as ::m_runtime::DocType>::PRIMARY_KEY, "id");
}
