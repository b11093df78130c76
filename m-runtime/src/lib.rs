#![warn(missing_docs)]
//! # m — schema migrations that live in your Rust code
//!
//! Declare tables as structs with `#[doctype]`; the binary introspects the
//! live database, diffs it against the compiled schema, classifies every
//! change as SAFE, WARNING or BREAKING, and applies what the policy allows.
//! Nothing is ever dropped behind your back.
//!
//! ```no_run
//! use m_runtime::prelude::*;
//!
//! #[doctype]
//! pub struct Book {
//!     #[field(primary_key)]
//!     pub id: i64,
//!     #[field(max_length = 140, index)]
//!     pub title: String,
//!     pub isbn: Option<String>,
//! }
//!
//! #[tokio::main]
//! async fn main() -> std::process::ExitCode {
//!     m_runtime::cli::main().await
//! }
//! ```
//!
//! The pipeline is also a plain library, usable without the macros:
//!
//! ```
//! # async fn demo() -> m_runtime::Result<()> {
//! use m_runtime::schema::{Column, LogicalType, Schema, Table};
//! use m_runtime::{Db, Policy};
//!
//! let db = Db::connect("sqlite::memory:").await?;
//! let mut desired = Schema::default();
//! desired.insert(Table::new("note").column(Column::new("id", LogicalType::I64)).primary_key(["id"]));
//! let plan = m_runtime::plan(&db, &desired, &Policy::default()).await?;
//! let report = m_runtime::apply(&db, &plan).await?;
//! assert_eq!(report.applied.len(), 1);
//! # Ok(()) }
//! # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
//! ```
//!
//! ## Modules
//!
//! | module | what it is for |
//! |---|---|
//! | [`schema`] | the plain schema model (tables, columns, [`LogicalType`](schema::LogicalType)s) that declarations, introspection and snapshots share |
//! | [`registry`] | what `#[doctype]`, the hooks and `#[migration]` registered at link time; validated, turned into the desired schema |
//! | [`diff`] | pure: live schema vs desired schema → [`Change`](diff::Change)s |
//! | [`risk`] | pure: a change (and what the data measured) → SAFE, WARNING or BREAKING, with a reason |
//! | [`mod@plan`] | diff + risk + [`Policy`] + SQL; reads the database, writes nothing ([`plan()`]) |
//! | [`execute`] | carries a plan out ([`apply`]): one transaction where DDL is transactional |
//! | [`backend`] | per-database traits (dialect, introspection, lock); SQLite, PostgreSQL, MySQL/MariaDB built in |
//! | [`migrate`] | the imperative track: versioned migrations, their dependency graph and ledger; `migrate all` |
//! | [`ops`] | typed schema operations (rename a table, convert a column, ...) and the checked migrations `migrate make` writes |
//! | [`hooks`] | `#[before_sync]` / `#[after_sync]` hooks |
//! | [`pipeline`] | the runs the CLI and boot perform: linked-app check, progress, schema hashes |
//! | [`state`] | the schema hashes of the last complete sync, for boot's fast path |
//! | [`stamp`] | the boot stamp: an unchanged boot that reads no table where reading one costs (SQLite) |
//! | [`mod@boot`] | self-migration on start ([`Boot`], [`boot()`]) |
//! | [`cli`] | the `migrate` command line as a library function |
//! | `studio` | `migrate studio`: the plan as a live local web page (feature `studio`) |
//!
//! [`Db`] is the connection handle every step takes; [`prelude`] is what
//! an app crate imports.
//!
//! The `migrate` commands exit with documented codes (0 success, 1 pending
//! changes, 2 usage, 3 blocked by policy, 4 invalid declarations or
//! migrations, 5 database error): see [`cli`] and [`cli::ExitStatus`].
//!
//! Hooks and fn migrations take the handle by reference,
//! `async fn name(db: &Db) -> m_runtime::Result<()>`; a hook that takes it
//! by value is a type error on its signature:
//!
//! ```compile_fail
//! use m_runtime::prelude::*;
//!
//! #[before_sync]
//! async fn seed(db: Db) -> m_runtime::Result<()> {
//!     Ok(())
//! }
//! ```
//!
//! and so is one that returns nothing (the error says to return
//! `Result<(), E>`):
//!
//! ```compile_fail
//! use m_runtime::prelude::*;
//!
//! #[after_sync]
//! async fn seed(db: &Db) {}
//! ```
//!
//! ## Caveats
//!
//! Registration happens at link time (`inventory`): a crate that nothing in
//! the binary refers to is not linked, and its DocTypes silently vanish.
//! Name every app crate in [`apps!`] in the binary; the registry then
//! reports an app that registered nothing.
//!
//! Registration runs in static constructors before `main`, which the
//! platform's loader must run: Linux, Android, the BSDs, illumos, macOS,
//! iOS and Windows do. On WebAssembly the module's constructors must run
//! (see inventory's notes on `__wasm_call_ctors`); m's database drivers do
//! not target WebAssembly anyway. Registration has no order: the registry sorts every list, and
//! `migrate list` shows what this binary registered. Read the registry from
//! `main` (or later), not from another static constructor.

pub mod backend;
mod bookkeeping;
pub mod boot;
#[cfg(feature = "cli")]
pub mod cli;
pub mod db;
pub mod diff;
mod doc_enum;
mod error;
pub mod execute;
mod future;
pub mod hooks;
mod introspect;
pub mod migrate;
pub mod ops;
pub mod output;
pub mod pipeline;
pub mod plan;
mod redact;
pub mod registry;
pub mod risk;
pub mod schema;
pub mod settings;
pub mod stamp;
pub mod state;
#[cfg(feature = "studio")]
pub mod studio;

pub use boot::{Boot, boot};
pub use db::Db;
pub use doc_enum::{DocEnum, UnknownValue};
pub use error::{BoxError, Error, Report, Result};
pub use execute::{Interrupted, SyncReport, apply, apply_observed};
pub use future::BoxFuture;
pub use introspect::{introspect, introspect_for};
pub use m_macros::DocEnum;
// The macros' examples, which are m-macros' doctests, are on these
// re-exports (m-macros' crate docs say why); rustdoc shows each above the
// macro's own docs.
/// A hook that does not return a `Result` is refused:
///
/// ```compile_fail
/// use m_runtime::prelude::*;
///
/// #[after_sync]
/// async fn returns_nothing(_db: &Db) {}
/// # fn main() {}
/// ```
pub use m_macros::after_sync;
/// A hook that is not an `async fn` is refused:
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
pub use m_macros::before_sync;
/// `#[doctype]`, a hook and a `#[migration]` together:
///
/// ```
/// use m_runtime::prelude::*;
///
/// #[doctype(index(fields = ["title", "year"], unique))]
/// pub struct Book {
///     #[field(primary_key)]
///     pub id: i64,
///     #[field(max_length = 140)]
///     pub title: String,
///     pub year: Option<i32>,
///     #[field(default = 1)]
///     pub copies: i32,
/// }
///
/// #[after_sync]
/// async fn seed(_db: &Db) -> m_runtime::Result<()> {
///     Ok(())
/// }
///
/// #[migration(id = "0001_backfill", phase = post_sync)]
/// async fn backfill(_db: &Db) -> m_runtime::Result<()> {
///     Ok(())
/// }
///
/// assert_eq!(Book::TABLE, "book");
/// ```
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
pub use m_macros::doctype;
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
pub use m_macros::migration;
/// An `async fn` is refused (it returns the migration; data work goes in
/// `before` and `after`):
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
pub use m_macros::operations;
pub use plan::{Plan, Policy, plan};
pub use registry::{DocType, Registry};

/// What an app crate or binary imports: the macros, [`Db`] and [`Result`].
pub mod prelude {
    pub use crate::{Db, DocEnum, DocType, after_sync, apps, before_sync, doctype, migration};
}

/// Names the app crates a binary links, so that none is silently dropped by
/// the linker.
///
/// ```ignore
/// m_runtime::apps![catalog, orders];
/// ```
///
/// Each name is referenced with `use`, which makes rustc link the crate, and
/// recorded so that the registry reports an app that registered nothing.
#[macro_export]
macro_rules! apps {
    ($($app:ident),+ $(,)?) => {
        $( #[allow(unused_imports)] use $app as _; )+
        $crate::__private::inventory::submit! {
            $crate::__private::AppsDef { apps: &[$(::core::stringify!($app)),+] }
        }
    };
}

/// Retires whole tables: the app no longer declares them, the database may
/// still hold them during an expand/contract transition, and `verify` lists
/// them as retired instead of failing on orphans. Drop them with a
/// `#[migration]` when the transition is over, then remove the line.
///
/// ```
/// m_runtime::retired_tables!["legacy_price", "old_audit"];
/// ```
#[macro_export]
macro_rules! retired_tables {
    ($($table:literal),+ $(,)?) => {
        $crate::__private::inventory::submit! {
            $crate::__private::RetiredTablesDef {
                app: ::core::env!("CARGO_CRATE_NAME"),
                tables: &[$($table),+],
            }
        }
    };
}

/// Ignores tables that belong to another tool sharing the database (a
/// migration tool's history, another framework's tables): m neither
/// reports them as orphans nor changes them, so `verify` can be green in a
/// shared database. Each entry is a table name or a prefix ending in `*`;
/// anything else, an entry that matches a table a DocType declares, or
/// one that matches m's own `_m_` tables, is a registry error (exit 4)
/// naming it.
///
/// ```
/// m_runtime::ignored_tables!["flyway_schema_history", "django_*"];
/// ```
#[macro_export]
macro_rules! ignored_tables {
    ($($table:literal),+ $(,)?) => {
        $crate::__private::inventory::submit! {
            $crate::__private::IgnoredTablesDef {
                app: ::core::env!("CARGO_CRATE_NAME"),
                tables: &[$($table),+],
            }
        }
    };
}

#[doc(hidden)]
pub mod __private {
    pub use crate::doc_enum::parse as parse_enum;
    pub use crate::ops::Migration as OpsMigration;
    pub use crate::registry::{
        AppsDef, CheckDef, ColumnDef, DbFn, DocTypeDef, HookDef, HookPhase, IgnoredTablesDef,
        IndexDef, MigrationBody, MigrationDef, MigrationPhase, OnFresh, OpsBody, ReferenceDef,
        RetiredTablesDef,
    };
    pub use crate::schema::EnumValues;
    pub use crate::schema::{DefaultValue, LogicalType, ReferentialAction};
    pub use crate::{BoxError, BoxFuture, Db, DocEnum, DocType, UnknownValue};
    pub use inventory;
    pub use sqlx;

    // ---- Items for the code `#[doctype]`, the hooks, `#[migration]` and
    // ---- `m-build` generate (owned by the compile-time side).

    pub use std::borrow::Cow;

    /// What a hook or fn migration may return: `Result<(), E>` with
    /// `E: Into<BoxError>`.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not a valid return type for a hook or migration fn",
        label = "expected `Result<(), E>` where `E: Into<BoxError>`",
        note = "write the fn as `async fn name(db: &Db) -> m_runtime::Result<()>`"
    )]
    pub trait DbFnOutput {
        fn into_db_result(self) -> Result<(), crate::BoxError>;
    }

    impl<E: Into<crate::BoxError>> DbFnOutput for Result<(), E> {
        fn into_db_result(self) -> Result<(), crate::BoxError> {
            self.map_err(Into::into)
        }
    }

    /// Boxes the future of a user's hook or fn migration into the output of
    /// [`DbFn`].
    pub fn box_db_fn<'a, F>(future: F) -> crate::BoxFuture<'a, Result<(), crate::BoxError>>
    where
        F: std::future::Future + Send + 'a,
        F::Output: DbFnOutput,
    {
        Box::pin(async move { future.await.into_db_result() })
    }

    /// Compile-time checks that a column type's m-runtime feature is on:
    /// `#[doctype]` emits `feature::chrono::<feature::Enabled>()` for a
    /// chrono field, which fails with the message below when the feature
    /// is off.
    #[allow(non_camel_case_types)]
    pub mod feature {
        pub struct Enabled;

        #[diagnostic::on_unimplemented(
            message = "this column type needs the `chrono` feature of m-runtime",
            label = "a chrono type",
            note = "enable it in Cargo.toml: m-runtime = {{ features = [\"chrono\"] }}"
        )]
        pub trait Chrono {}
        #[cfg(feature = "chrono")]
        impl Chrono for Enabled {}
        pub const fn chrono<T: Chrono>() {}

        #[diagnostic::on_unimplemented(
            message = "this column type needs the `time` feature of m-runtime",
            label = "a `time` crate type",
            note = "enable it in Cargo.toml: m-runtime = {{ features = [\"time\"] }}"
        )]
        pub trait Time {}
        #[cfg(feature = "time")]
        impl Time for Enabled {}
        pub const fn time<T: Time>() {}

        #[diagnostic::on_unimplemented(
            message = "this column type needs the `decimal` feature of m-runtime",
            label = "a decimal type",
            note = "enable it in Cargo.toml: m-runtime = {{ features = [\"decimal\"] }}"
        )]
        pub trait Decimal {}
        #[cfg(feature = "decimal")]
        impl Decimal for Enabled {}
        pub const fn decimal<T: Decimal>() {}

        #[diagnostic::on_unimplemented(
            message = "this column type needs the `uuid` feature of m-runtime",
            label = "a uuid type",
            note = "enable it in Cargo.toml: m-runtime = {{ features = [\"uuid\"] }}"
        )]
        pub trait Uuid {}
        #[cfg(feature = "uuid")]
        impl Uuid for Enabled {}
        pub const fn uuid<T: Uuid>() {}

        #[diagnostic::on_unimplemented(
            message = "this column type needs the `json` feature of m-runtime",
            label = "a JSON type",
            note = "enable it in Cargo.toml: m-runtime = {{ features = [\"json\"] }}"
        )]
        pub trait Json {}
        #[cfg(feature = "json")]
        impl Json for Enabled {}
        pub const fn json<T: Json>() {}
    }

    /// Includes the SQL migrations `m_build::embed_migrations` embedded,
    /// from the build script's `OUT_DIR`.
    ///
    /// ```ignore
    /// // build.rs: m_build::embed_migrations("migrations")?;
    /// m_runtime::include_migrations!();
    /// ```
    #[macro_export]
    macro_rules! include_migrations {
        () => {
            ::core::include!(::core::concat!(::core::env!("OUT_DIR"), "/m_migrations.rs"));
        };
    }

    /// Includes the DocTypes `m_build::doctypes_from_json` generated, from
    /// the build script's `OUT_DIR`.
    ///
    /// ```ignore
    /// // build.rs: m_build::doctypes_from_json("doctypes")?;
    /// m_runtime::include_doctypes!();
    /// ```
    #[macro_export]
    macro_rules! include_doctypes {
        () => {
            ::core::include!(::core::concat!(::core::env!("OUT_DIR"), "/m_doctypes.rs"));
        };
    }

    /// Turns a user fn's error into the runtime's boxed error.
    pub fn into_box_error<E: Into<crate::BoxError>>(error: E) -> crate::BoxError {
        error.into()
    }
}
