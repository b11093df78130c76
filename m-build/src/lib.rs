//! build.rs helpers of m, and the attribute grammar its macros share.
//!
//! (Crate docs are completed below.)

mod attr;
mod build;

pub use build::{Error, doctypes_from_json, doctypes_source, embed_migrations, migrations_source};
mod ctxt;
pub mod doctype;
mod fns;
#[cfg(test)]
mod golden;
mod names;
mod symbol;

/// The macro implementations, on `proc_macro2` token streams: `m-macros`
/// calls these, and so do unit tests.
pub mod macros {
    pub use crate::doctype::doctype_inner;
    pub use crate::fns::hook::{HookPhase, hook_inner};
    pub use crate::fns::migration::migration_inner;
}
