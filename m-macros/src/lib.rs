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
//! The examples (they are these macros' doctests) are on the re-exports in
//! `m_runtime`, where an app takes the macros from: as a dev-dependency of
//! this proc-macro crate, m-runtime would be built a second time for the
//! host in every `cargo test --workspace`, with its own feature set.
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
#[proc_macro_attribute]
pub fn doctype(args: TokenStream, input: TokenStream) -> TokenStream {
    macros::doctype_inner(args.into(), input.into()).into()
}

/// Registers `async fn name(db: &Db) -> Result<(), E>` to run before every
/// sync's DDL. The only option is `app = "..."`.
#[proc_macro_attribute]
pub fn before_sync(args: TokenStream, input: TokenStream) -> TokenStream {
    macros::hook_inner(HookPhase::BeforeSync, args.into(), input.into()).into()
}

/// Registers `async fn name(db: &Db) -> Result<(), E>` to run after every
/// sync's DDL. The only option is `app = "..."`.
#[proc_macro_attribute]
pub fn after_sync(args: TokenStream, input: TokenStream) -> TokenStream {
    macros::hook_inner(HookPhase::AfterSync, args.into(), input.into()).into()
}

/// Registers a versioned migration: `#[migration(id = "0002_x", depends_on
/// = ["app:id"], phase = pre_sync | post_sync, down = revert_fn, app =
/// "...")]` on an async fn with the hook signature. Its checksum covers the
/// fn's signature and body tokens.
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
/// `before` and `after` async fns.
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
