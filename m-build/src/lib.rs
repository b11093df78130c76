//! build.rs helpers of m, and the attribute grammar its macros share.
//!
//! This crate has two users:
//!
//! * an app's `build.rs`, through [`embed_migrations`] and
//!   [`doctypes_from_json`];
//! * `m-macros`, whose `#[doctype]`, `#[before_sync]`, `#[after_sync]` and
//!   `#[migration]` are thin wrappers around [`macros`]. The macros and the
//!   build-script codegen share one parser: the Frappe JSON codegen emits
//!   `#[doctype]` structs, so generated and hand-written DocTypes pass the
//!   same checks.
//!
//! # Using it from `build.rs`
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), m_build::Error> {
//!     m_build::embed_migrations("migrations")?;
//!     m_build::doctypes_from_json("doctypes")?;
//!     Ok(())
//! }
//! ```
//!
//! ```ignore
//! // src/lib.rs (or main.rs) of the same crate
//! m_runtime::include_migrations!();
//! m_runtime::include_doctypes!();
//! ```
//!
//! Both helpers print `cargo:rerun-if-changed` for the directory and every
//! file they read, and report every problem at once, each naming its file
//! (and line). `Error`'s `Debug` is its message, so returning it from
//! `main` prints readable text.
//!
//! ## SQL migrations: `embed_migrations("migrations")`
//!
//! * `migrations/<id>.sql` is one migration; its **id is the whole file
//!   stem** (`0003_add_index.sql` → id `0003_add_index`), which must match
//!   `[0-9A-Za-z_]+`. Ids are explicit: nothing is derived from a part of
//!   the name, and ordering within an app is by id, so prefix them with a
//!   zero-padded number.
//! * `migrations/<id>.down.sql`, optional, reverts it. A `.down.sql`
//!   without its `.sql` is an error. Other files are ignored.
//! * The checksum is `sha256:<hex>` of the `.sql` file's bytes.
//! * The app is the crate's name (`CARGO_CRATE_NAME`).
//! * Options go in header lines at the very top of the file, each starting
//!   with `-- m:` and holding comma-separated `key = value` items:
//!
//!   ```sql
//!   -- m: phase = post_sync, depends_on = orders:0001_init
//!   -- m: depends_on = catalog:0002_books
//!   UPDATE book SET copies = 1 WHERE copies IS NULL;
//!   ```
//!
//!   `phase` is `pre_sync` (the default) or `post_sync`; `depends_on` (may
//!   repeat) is `app:id`. Unknown keys, and `-- m:` lines after the first
//!   SQL line, are errors.
//!
//! ## Frappe DocTypes: `doctypes_from_json("doctypes")`
//!
//! Each `doctypes/*.json` file is a Frappe DocType (`{"name": ...,
//! "fields": [...]}`); it becomes a `#[::m_runtime::doctype]` struct named
//! after the DocType in PascalCase (`Sales Invoice` → `SalesInvoice`) with
//! table `sales_invoice`. Of each field, `fieldname`, `fieldtype`,
//! `length`, `reqd`, `unique`, `search_index`, `default` and `options` are
//! read; every other key is ignored.
//!
//! * Every DocType gets Frappe's implicit primary key `name`
//!   (`String`, `max_length = 140`); a field called `name` is an error.
//! * `reqd: 1` makes the column NOT NULL (a plain type); otherwise it is an
//!   `Option<...>`. `Check` is always NOT NULL, default `false`.
//! * `unique: 1` → `unique`; `search_index: 1` → `index`.
//! * `length` is the `max_length` of the varchar types below (0 means
//!   Frappe's default, 140); on any other fieldtype it is an error.
//! * `default` becomes `default = <literal>` in the field's type. Frappe's
//!   application-level defaults (`Today`, `__user`, `:Link`, and `now`
//!   except on a `Datetime`, where it is `current_timestamp`) produce no
//!   column default.
//! * A fieldname that is a Rust keyword becomes a raw identifier
//!   (`type` → `r#type`, column still `type`).
//! * `issingle: 1` DocTypes are stored by Frappe in one shared table, so
//!   they generate nothing.
//!
//! | Frappe fieldtype | Rust field type | column |
//! |---|---|---|
//! | Data, Select, Read Only, Color, Phone, Autocomplete, Icon, Dynamic Link | `String` | `max_length = length` or 140 |
//! | Link | `String` | `max_length = 140`, `references = <PascalCase of options>` |
//! | Small Text, Text, Long Text, Text Editor, Code, HTML Editor, Markdown Editor, Attach, Attach Image, Password, Signature, Barcode, Geolocation | `String` | unbounded text |
//! | Int | `i32` | (Frappe's `int(11)`) |
//! | Long Int | `i64` | |
//! | Check | `bool` | NOT NULL, default `false` |
//! | Float, Percent, Rating, Duration | `f64` | |
//! | Currency | `::rust_decimal::Decimal` | `precision = 21, scale = 9` (Frappe's) |
//! | Date, Datetime, Time | `::chrono::NaiveDate`, `NaiveDateTime`, `NaiveTime` | |
//! | JSON | `::serde_json::Value` | |
//! | Section/Column/Tab Break, HTML, Button, Heading, Image, Fold, Table, Table MultiSelect | — | no column (a `Table` is a child DocType of its own) |
//!
//! An unknown fieldtype is an error. Currency, the temporal types and JSON
//! need the app to depend on `rust_decimal`, `chrono` or `serde_json` and to
//! enable m-runtime's `decimal`, `chrono` or `json` feature. A `Link` names
//! another DocType's struct, which must be in scope where the file is
//! included (DocTypes from the same directory are).
//!
//! # The attribute grammar
//!
//! ## `#[doctype(...)]` on a struct with named fields
//!
//! | option | meaning |
//! |---|---|
//! | `table = "name"` | table name; default: the struct name in snake_case (`BookAuthor` → `book_author`) |
//! | `app = "name"` | owning app; default: the crate (`CARGO_CRATE_NAME`) |
//! | `index(fields = ["a", "b"], unique, name = "ix")` | a composite index, may repeat; `fields` are Rust field names; `unique` and `name` are optional |
//! | `primary_key(fields = ["a", "b"])` | a composite primary key, in key order |
//! | `renamed_from = "old_name"` | a former table name: the plan reports a rename (BREAKING, held back by sync) instead of a new table beside an orphan, foreign keys to the old name followed; `migrate make` writes the migration that renames it; may repeat |
//! | `check(name = "price_positive", expr = "price >= 0")` | a CHECK constraint, may repeat; `name` is a portable identifier used once, `expr` one SQL condition over column names (not empty, no `;` outside string literals) |
//!
//! ## `#[field(...)]` on a field
//!
//! | option | meaning |
//! |---|---|
//! | `primary_key` | the primary key (one field; composite keys are declared on the struct) |
//! | `max_length = 140` | `String` only: a bounded string; without it, unbounded text |
//! | `precision = 18, scale = 6` | decimals only; `precision` alone means scale 0; default `(18, 6)` |
//! | `unique` / `index` | a single-column unique index / index |
//! | `default = <literal>` | an integer (may be negative), float, string or bool literal matching the type, or `current_timestamp` on a date-time |
//! | `column = "name"` | column name; default: the field name (`r#type` → `type`) |
//! | `renamed_from = "old"` | a former column name: the plan reports a rename (BREAKING, held back by sync) instead of a new column beside an orphan; `migrate make` writes the migration that renames it; may repeat |
//! | `sql_type = "varchar(12)"` | escape hatch: the column's SQL type verbatim; the Rust type is not checked |
//! | `skip` | no column; takes no other option |
//! | `references = Author` | a foreign key to `Author`'s (first) primary key column; `Author` is a path to a `#[doctype]` struct, or `Self` |
//! | `on_delete = cascade` | with `references`: `no_action` (default), `restrict`, `cascade`, `set_null` (nullable fields only), `set_default` (fields with a `default` only) |
//!
//! A DocType has exactly one primary key declaration. `Option<T>` is a
//! nullable `T`. Table, column, index and former column names must be
//! portable identifiers (`[A-Za-z_][A-Za-z0-9_]*`, at most 63 bytes, the
//! PostgreSQL limit). Every rule is checked at compile time, and every
//! violation is reported at once, spanned at the offending token.
//!
//! ## Rust type → column type
//!
//! Matching is by the last path segment (a macro cannot resolve types):
//! `std::string::String` and `String` are the same, and so would be a type
//! of your own named `String`.
//!
//! | Rust type | logical type | m-runtime feature |
//! |---|---|---|
//! | `bool` | Bool | |
//! | `i16`, `i32`, `i64` | I16, I32, I64 | |
//! | `f32`, `f64` | F32, F64 | |
//! | `String` | String (`max_length` or unbounded) | |
//! | `Vec<u8>` | Bytes | |
//! | `chrono::NaiveDate`, `NaiveTime`, `NaiveDateTime` | Date, Time, DateTime | `chrono` |
//! | `chrono::DateTime<Tz>` | Timestamp | `chrono` |
//! | `time::Date`, `Time`, `PrimitiveDateTime` | Date, Time, DateTime | `time` |
//! | `time::OffsetDateTime`, `UtcDateTime` | Timestamp | `time` |
//! | `rust_decimal::Decimal`, `bigdecimal::BigDecimal` | Decimal (`precision`, `scale`) | `decimal` |
//! | `uuid::Uuid` | Uuid | `uuid` |
//! | `serde_json::Value` (or bare `Value`) | Json | `json` |
//! | any other plain path (`Status`), a `#[derive(DocEnum)]` enum | Enum (its values) | |
//! | `Option<T>` | `T`, nullable | |
//! | anything, with `sql_type = "..."` | Custom | |
//!
//! A type that needs a feature compiles only when m-runtime has it: the
//! generated code calls a check that fails with "this column type needs
//! the `chrono` feature of m-runtime". Unsigned integers, `i8`, `char`,
//! references, tuples, nested options and collections are errors that
//! suggest a supported type or `sql_type`. Any other plain path type is
//! read as an enumeration: the expansion names `<T as DocEnum>`, so a type
//! that does not derive `DocEnum` is an error on the field's type ("`Point`
//! is not a column type") saying how to make it one.
//!
//! ## `#[derive(DocEnum)]`
//!
//! On a fieldless enum: `#[doc_enum(rename_all = "...", type_name =
//! "...")]` on the enum (`rename_all` takes serde's spellings, default
//! `snake_case`; `type_name` defaults to the enum's name in snake_case) and
//! `#[doc_enum(rename = "...")]` on a variant. Variants with fields,
//! discriminants, generics, two variants stored as the same value, an
//! unknown option and an enum without variants are errors. A field's
//! `default` must be a string; that it is one of the values is checked
//! when the registry is validated.
//!
//! ## Hooks: `#[before_sync]`, `#[after_sync]`
//!
//! On `async fn name(db: &Db) -> Result<(), E>` with `E: Into<BoxError>`.
//! The only option is `app = "name"`. The fn is emitted unchanged, next to
//! an adapter of the runtime's `DbFn` type whose call is spanned at the
//! signature: a wrong argument or return type is an ordinary type error on
//! the user's code. Not async, generic, a method, or not exactly one
//! argument: errors.
//!
//! ## `#[migration(...)]`
//!
//! On an async fn with the hook signature.
//!
//! | option | meaning |
//! |---|---|
//! | `id = "0002_backfill"` | required; `[0-9A-Za-z_]+`; never derived from the fn name |
//! | `depends_on = ["orders:0001_init"]` | `"app:id"` targets that run first |
//! | `phase = post_sync` | `pre_sync` (default) or `post_sync` (the string forms are accepted) |
//! | `down = revert_fn` | a path to an async fn with the same signature that reverts it |
//! | `app = "name"` | owning app; default: the crate |
//!
//! The checksum is `sha256:<hex>` over a canonical text of the fn's
//! signature and body tokens, defined in one place (the private `checksum`
//! module): identifiers and literals as written, punctuation one character
//! at a time, groups as `( ... )`, `[ ... ]`, `{ ... }`, all separated by
//! single spaces. Reformatting or editing comments keeps it; changing the
//! code, including the signature, changes it. Doc comments and the
//! `#[migration]` options are outside it.
//!
//! # Caveats
//!
//! Type mapping is by name; see above. The generated registrations use
//! `inventory`: a crate nothing refers to is not linked, so name every app
//! crate in `m_runtime::apps![...]`.

mod attr;
mod build;

pub use build::{Error, doctypes_from_json, doctypes_source, embed_migrations, migrations_source};
mod ctxt;
mod doc_enum;
mod doctype;
mod fns;
#[cfg(test)]
mod golden;
mod names;
mod symbol;

/// The macro implementations, on `proc_macro2` token streams: `m-macros`
/// calls these, and so do unit tests.
pub mod macros {
    pub use crate::doc_enum::doc_enum_inner;
    pub use crate::doctype::doctype_inner;
    pub use crate::fns::hook::{HookPhase, hook_inner};
    pub use crate::fns::migration::migration_inner;
    pub use crate::fns::operations::operations_inner;
}
