//! Attribute macros of m: `#[doctype]`, `#[before_sync]`, `#[after_sync]`
//! and `#[migration]`.
//!
//! Use them through `m_runtime::prelude`; the generated code names only
//! `::m_runtime::__private` and `::core` paths, so an app depends on
//! `m-runtime` alone. Each macro is a thin entry point: the grammar, the
//! checks and the code generation live in `m_build::macros` (shared with
//! the build-script codegen), whose crate docs give the full grammar and
//! the Rust type → column type table.
//!
//! Every mistake in an item is reported at once, spanned at the offending
//! token; after an error the item itself is still emitted (with a stub
//! `DocType` impl for a struct), so the rest of the crate compiles on.
//!
//! ```
//! use m_runtime::prelude::*;
//!
//! #[doctype(index(fields = ["title", "year"], unique))]
//! pub struct Book {
//!     #[field(primary_key)]
//!     pub id: i64,
//!     #[field(max_length = 140)]
//!     pub title: String,
//!     pub year: Option<i32>,
//!     #[field(default = 1)]
//!     pub copies: i32,
//! }
//!
//! #[after_sync]
//! async fn seed(_db: &Db) -> m_runtime::Result<()> {
//!     Ok(())
//! }
//!
//! #[migration(id = "0001_backfill", phase = post_sync)]
//! async fn backfill(_db: &Db) -> m_runtime::Result<()> {
//!     Ok(())
//! }
//!
//! assert_eq!(Book::TABLE, "book");
//! ```
use proc_macro::TokenStream;

use m_build::macros::{self, HookPhase};

/// Declares a DocType: one struct, one table.
///
/// Options: `#[doctype(table = "...", app = "...", index(fields = [...],
/// unique, name = "..."), primary_key(fields = [...]))]` on the struct and
/// `#[field(primary_key, max_length = N, precision = N, scale = N, unique,
/// index, default = <literal>, column = "...", renamed_from = "...",
/// sql_type = "...", skip, references = Path, on_delete = action)]` on
/// fields. Emits the struct unchanged (without the `#[field]` attributes),
/// an `impl DocType`, and a registered descriptor.
///
/// A type with no portable column type is an error:
///
/// ```compile_fail
/// use m_runtime::prelude::*;
///
/// #[doctype]
/// pub struct Counter {
///     #[field(primary_key)]
///     pub id: i64,
///     pub hits: u64, // unsigned integers are not portable: use i64
/// }
/// # fn main() {}
/// ```
///
/// So are two field-level primary keys (a composite key is declared on the
/// struct):
///
/// ```compile_fail
/// use m_runtime::prelude::*;
///
/// #[doctype]
/// pub struct BookTag {
///     #[field(primary_key)]
///     pub book: i64,
///     #[field(primary_key)]
///     pub tag: String,
/// }
/// # fn main() {}
/// ```
///
/// ```
/// use m_runtime::prelude::*;
///
/// #[doctype(primary_key(fields = ["book", "tag"]))]
/// pub struct BookTag {
///     pub book: i64,
///     #[field(max_length = 40)]
///     pub tag: String,
/// }
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn doctype(args: TokenStream, input: TokenStream) -> TokenStream {
    macros::doctype_inner(args.into(), input.into()).into()
}

/// Registers `async fn name(db: &Db) -> Result<(), E>` to run before every
/// sync's DDL. The only option is `app = "..."`.
///
/// ```compile_fail
/// use m_runtime::prelude::*;
///
/// #[before_sync]
/// fn not_async(_db: &Db) -> m_runtime::Result<()> {
///     Ok(())
/// }
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn before_sync(args: TokenStream, input: TokenStream) -> TokenStream {
    macros::hook_inner(HookPhase::BeforeSync, args.into(), input.into()).into()
}

/// Registers `async fn name(db: &Db) -> Result<(), E>` to run after every
/// sync's DDL. The only option is `app = "..."`.
///
/// ```compile_fail
/// use m_runtime::prelude::*;
///
/// #[after_sync]
/// async fn returns_nothing(_db: &Db) {}
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn after_sync(args: TokenStream, input: TokenStream) -> TokenStream {
    macros::hook_inner(HookPhase::AfterSync, args.into(), input.into()).into()
}

/// Registers a versioned migration: `#[migration(id = "0002_x", depends_on
/// = ["app:id"], phase = pre_sync | post_sync, down = revert_fn, app =
/// "...")]` on an async fn with the hook signature. Its checksum covers the
/// fn's signature and body tokens.
///
/// The id is explicit:
///
/// ```compile_fail
/// use m_runtime::prelude::*;
///
/// #[migration]
/// async fn backfill(_db: &Db) -> m_runtime::Result<()> {
///     Ok(())
/// }
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn migration(args: TokenStream, input: TokenStream) -> TokenStream {
    macros::migration_inner(args.into(), input.into()).into()
}

/// Registers a migration of typed operations (what `migrate make` writes):
/// `#[operations(id = "0002_x", before = data_fn, after = data_fn,
/// reversible, phase = ..., depends_on = [...], app = "...")]` on `fn
/// name() -> m_runtime::ops::Migration`. The migration's operations are
/// checked at registration (they must lead from its old schema to its new
/// one) and the database before it runs; its checksum covers the fn. Where
/// the fn ends in the `Migration { .. }` literal, its `old` and `new`
/// string literals are checked here to be schemas' JSON.
///
/// The fn is a plain fn that returns the migration; data work goes in the
/// `before` and `after` async fns:
///
/// ```compile_fail
/// use m_runtime::prelude::*;
///
/// #[m_runtime::operations(id = "0002_rename")]
/// async fn rename() -> m_runtime::ops::Migration {
///     unimplemented!()
/// }
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn operations(args: TokenStream, input: TokenStream) -> TokenStream {
    macros::operations_inner(args.into(), input.into()).into()
}

/// Derives [`DocEnum`](../m_runtime/trait.DocEnum.html) for a fieldless
/// enum: a column type stored as one of its values, plus `FromStr`,
/// `Display` and sqlx's `Type`, `Encode` and `Decode` as text.
///
/// Options: `#[doc_enum(rename_all = "snake_case", type_name = "...")]` on
/// the enum (`rename_all` takes serde's spellings; the default is
/// `snake_case`) and `#[doc_enum(rename = "...")]` on a variant. Variants
/// with fields, discriminants, generics, two variants stored as the same
/// value and an enum without variants are compile errors.
#[proc_macro_derive(DocEnum, attributes(doc_enum))]
pub fn derive_doc_enum(input: TokenStream) -> TokenStream {
    macros::doc_enum_inner(input.into()).into()
}
