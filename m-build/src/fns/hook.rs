//! `#[before_sync]` and `#[after_sync]`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::LitStr;

use super::{CallSpans, adapter, check_signature, parse_fn};
use crate::attr::{self, KeySet};
use crate::ctxt::Ctxt;
use crate::doctype::expand::{app_expr, private};
use crate::symbol::{APP, HOOK_KEYS};

/// Which hook attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HookPhase {
    BeforeSync,
    AfterSync,
}

impl HookPhase {
    fn attribute(self) -> &'static str {
        match self {
            HookPhase::BeforeSync => "#[before_sync]",
            HookPhase::AfterSync => "#[after_sync]",
        }
    }
}

/// Expands a hook attribute: the fn unchanged, an adapter and its
/// registered `HookDef`; or the errors and the fn unchanged.
pub fn hook_inner(phase: HookPhase, args: TokenStream, input: TokenStream) -> TokenStream {
    let attribute = phase.attribute();
    let item = match parse_fn(attribute, input.clone()) {
        Ok(item) => item,
        Err(error) => {
            let mut tokens = error.into_compile_error();
            tokens.extend(input);
            return tokens;
        }
    };
    let cx = Ctxt::new();
    let app = parse_args(&cx, args);
    check_signature(&cx, attribute, &item);
    if let Err(error) = cx.check() {
        let mut tokens = error.into_compile_error();
        tokens.extend(quote!(#item));
        return tokens;
    }
    let p = private();
    let name = item.sig.ident.to_string();
    let target = {
        let ident = &item.sig.ident;
        quote!(#ident)
    };
    let run = format_ident!("__m_hook");
    let adapter = adapter(&run, &target, CallSpans::of(&item));
    let app = app_expr(app.as_ref());
    let phase = match phase {
        HookPhase::BeforeSync => quote!(BeforeSync),
        HookPhase::AfterSync => quote!(AfterSync),
    };
    quote! {
        #item

        #[doc(hidden)]
        const _: () = {
            #adapter

            #p::inventory::submit! {
                #p::HookDef {
                    app: #app,
                    name: #name,
                    phase: #p::HookPhase::#phase,
                    run: __m_hook,
                }
            }
        };
    }
}

/// Hooks take no options but `app = "..."`.
fn parse_args(cx: &Ctxt, args: TokenStream) -> Option<LitStr> {
    let mut keys = KeySet::new(cx, &HOOK_KEYS);
    let mut app = None;
    for item in attr::parse_items(cx, args) {
        if let Some(APP) = keys.key(&item) {
            app = attr::value(cx, APP, &item).and_then(|v| attr::lit_str(cx, APP, v));
            if let Some(lit) = &app
                && let Some(problem) = crate::names::identifier_problem(&lit.value())
            {
                cx.error_spanned_by(
                    lit,
                    format!("invalid app name {:?}: {problem}", lit.value()),
                );
            }
        }
    }
    app
}
