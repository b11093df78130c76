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
//! ## Caveats
//!
//! Registration happens at link time (`inventory`): a crate that nothing in
//! the binary refers to is not linked, and its DocTypes silently vanish.
//! Name every app crate in [`apps!`] in the binary; the registry then
//! reports an app that registered nothing.

pub mod backend;
pub mod cli;
mod db;
pub mod diff;
mod error;
mod execute;
pub mod plan;
pub mod registry;
pub mod risk;
pub mod schema;

pub use db::Db;
pub use error::{BoxError, Error, Result};
pub use execute::{SyncReport, apply};
pub use m_macros::{after_sync, before_sync, doctype, migration};
pub use plan::{Plan, Policy, plan};
pub use registry::{DocType, Registry};

/// A boxed, sendable future, the return type of object-safe async methods.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Reads the live schema of `db` (every table but m's own bookkeeping tables).
pub async fn introspect(db: &Db) -> Result<schema::Schema> {
    db.backend().introspector().introspect(db).await
}

/// What an app crate or binary imports: the macros, [`Db`] and [`Result`].
pub mod prelude {
    pub use crate::{Db, DocType, after_sync, apps, before_sync, doctype, migration};
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

#[doc(hidden)]
pub mod __private {
    pub use crate::registry::{
        AppsDef, ColumnDef, DbFn, DocTypeDef, HookDef, HookPhase, IndexDef, MigrationBody,
        MigrationDef, MigrationPhase, ReferenceDef,
    };
    pub use crate::schema::{DefaultValue, LogicalType, ReferentialAction};
    pub use crate::{BoxError, BoxFuture, Db, DocType};
    pub use inventory;

    /// Turns a user fn's error into the runtime's boxed error.
    pub fn into_box_error<E: Into<crate::BoxError>>(error: E) -> crate::BoxError {
        error.into()
    }
}
