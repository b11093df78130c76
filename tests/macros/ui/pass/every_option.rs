//! Every `#[doctype]` and `#[field]` option that needs no optional feature.
use m_runtime::prelude::*;

m_runtime::retired_tables!["old_shelf", "archive.old_shelf"];

/// A table of the `billing` schema that references one of the default
/// schema, and a former name in another schema.
#[doctype(schema = "billing", renamed_from = "legacy.invoice")]
pub struct Invoice {
    #[field(primary_key)]
    pub id: i64,
    #[field(references = Author)]
    pub author: i64,
}

const _: () = assert!(matches!(<Invoice as m_runtime::DocType>::TABLE.as_bytes(), b"billing.invoice"));

#[doctype(table = "authors", app = "library", retired(columns = ["phone", "fax"]))]
pub struct Author {
    #[field(primary_key)]
    pub id: i64,
    #[field(max_length = 200, unique)]
    pub name: String,
}

#[doctype(
    index(fields = ["title", "year"], unique, name = "book_title_year"),
    index(fields = ["pages"]),
    check(name = "copies_positive", expr = "copies >= 0"),
    check(name = "rating_range", expr = "rating BETWEEN 0 AND 5")
)]
pub struct Book {
    #[field(primary_key, column = "book_id")]
    pub id: i64,
    #[field(
        max_length = 140,
        index,
        renamed_from = "heading",
        renamed_from = "caption"
    )]
    pub title: String,
    pub subtitle: Option<String>,
    #[field(default = 1)]
    pub copies: i32,
    #[field(default = -5)]
    pub balance: i16,
    #[field(default = 2.5)]
    pub rating: f64,
    #[field(default = -1.25)]
    pub ratio: f32,
    #[field(default = 3)]
    pub weight: f64,
    #[field(default = true)]
    pub in_print: bool,
    #[field(default = "draft")]
    pub status: String,
    pub year: i32,
    pub pages: Option<i64>,
    pub cover: Option<Vec<u8>>,
    #[field(sql_type = "varchar(13)", default = "0000000000000")]
    pub isbn: String,
    #[field(skip)]
    pub cached_summary: std::collections::HashMap<String, u64>,
    #[field(references = Author, on_delete = cascade)]
    pub author: i64,
    #[field(references = Author, on_delete = set_null)]
    pub editor: Option<i64>,
    #[field(references = self::Author, on_delete = restrict)]
    pub translator: Option<i64>,
    #[field(references = Author, on_delete = no_action)]
    pub illustrator: Option<i64>,
    #[field(references = Author, on_delete = set_default, default = 0)]
    pub publisher: i64,
    #[field(references = Author)]
    pub reviewer: Option<i64>,
    pub r#type: Option<String>,
    #[field(references = Self, on_delete = set_null)]
    pub sequel_of: Option<i64>,
}

#[doctype(primary_key(fields = ["book", "tag"]))]
pub struct BookTag {
    #[field(references = Book, on_delete = cascade)]
    pub book: i64,
    #[field(max_length = 40)]
    pub tag: String,
}

fn main() {
    assert_eq!(<Author as DocType>::TABLE, "authors");
    assert_eq!(<Book as DocType>::TABLE, "book");
    assert_eq!(<Book as DocType>::PRIMARY_KEY, "book_id");
    assert_eq!(<BookTag as DocType>::TABLE, "book_tag");
    assert_eq!(<BookTag as DocType>::PRIMARY_KEY, "book");
    let def = Book::doctype();
    assert_eq!(def.app, env!("CARGO_CRATE_NAME"));
    assert_eq!(Author::doctype().app, "library");
    assert_eq!(Author::doctype().retired_columns, ["phone", "fax"]);
    assert_eq!(def.columns.len(), 22);
    assert_eq!(def.primary_key, ["book_id"]);
    assert_eq!(def.indexes.len(), 2);
    let checks: Vec<(&str, &str)> = def.checks.iter().map(|c| (c.name, c.expr)).collect();
    assert_eq!(
        checks,
        [
            ("copies_positive", "copies >= 0"),
            ("rating_range", "rating BETWEEN 0 AND 5")
        ]
    );
    assert_eq!(BookTag::doctype().primary_key, ["book", "tag"]);
    let author = def.columns.iter().find(|c| c.name == "author").unwrap();
    assert_eq!(author.references.as_ref().unwrap().table, "authors");
    let ty = def.columns.iter().find(|c| c.name == "type").unwrap();
    assert_eq!(ty.field, "type");
    let sequel = def.columns.iter().find(|c| c.name == "sequel_of").unwrap();
    assert_eq!(sequel.references.as_ref().unwrap().table, "book");
    let registry = m_runtime::Registry::linked();
    assert_eq!(registry.doctypes.len(), 4);
    assert_eq!(registry.retired_tables[0].tables, ["old_shelf", "archive.old_shelf"]);
    let invoice = Invoice::doctype();
    assert_eq!((invoice.table, invoice.renamed_from), ("billing.invoice", &["legacy.invoice"][..]));
    assert_eq!(invoice.columns[1].references.as_ref().unwrap().table, "authors");
    registry.validate().unwrap();
    let schema = registry.schema();
    assert!(format!("{schema:?}").contains("book_title_year"));
}
