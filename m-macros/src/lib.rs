//! Attribute macros of m: `#[doctype]`, `#[before_sync]`, `#[after_sync]`
//! and `#[migration]`. Use them through `m_runtime::prelude`.
use proc_macro::TokenStream;

use m_build::macros::{self, HookPhase};

#[proc_macro_attribute]
pub fn doctype(args: TokenStream, input: TokenStream) -> TokenStream {
    macros::doctype_inner(args.into(), input.into()).into()
}

#[proc_macro_attribute]
pub fn before_sync(args: TokenStream, input: TokenStream) -> TokenStream {
    macros::hook_inner(HookPhase::BeforeSync, args.into(), input.into()).into()
}

#[proc_macro_attribute]
pub fn after_sync(args: TokenStream, input: TokenStream) -> TokenStream {
    macros::hook_inner(HookPhase::AfterSync, args.into(), input.into()).into()
}

#[proc_macro_attribute]
pub fn migration(args: TokenStream, input: TokenStream) -> TokenStream {
    macros::migration_inner(args.into(), input.into()).into()
}
