//! The async fns behind `#[before_sync]`, `#[after_sync]` and
//! `#[migration]`: their shape rules and the adapter to the runtime's
//! `DbFn` type.

pub mod checksum;
pub mod hook;
pub mod migration;
pub mod operations;

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn};

use crate::ctxt::Ctxt;
use crate::doctype::expand::private;

/// The signature every hook and fn migration has.
pub const SIGNATURE: &str = "async fn name(db: &Db) -> Result<(), E>";

/// Parses the item an fn attribute is on.
pub fn parse_fn(attribute: &str, input: TokenStream) -> syn::Result<ItemFn> {
    syn::parse2(input).map_err(|error| {
        syn::Error::new(
            error.span(),
            format!("{attribute} goes on `{SIGNATURE}`: {error}"),
        )
    })
}

/// Checks what rustc would not: the fn is async, not generic, and takes
/// one argument. Types are left to rustc (see [`adapter`]).
pub fn check_signature(cx: &Ctxt, attribute: &str, item: &ItemFn) {
    let sig = &item.sig;
    if sig.asyncness.is_none() {
        cx.error_spanned_by(
            sig.fn_token,
            format!("{attribute} needs an `async fn`: write `{SIGNATURE}`"),
        );
    }
    if let Some(constness) = &sig.constness {
        cx.error_spanned_by(constness, format!("{attribute} cannot be on a `const fn`"));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        cx.error_spanned_by(
            &sig.generics,
            format!("{attribute} cannot be on a generic fn: the runtime calls it with `&Db` only"),
        );
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned_by(variadic, format!("{attribute} cannot be on a variadic fn"));
    }
    match sig.inputs.first() {
        Some(FnArg::Receiver(receiver)) => cx.error_spanned_by(
            receiver,
            format!("{attribute} goes on a free fn, not a method: write `{SIGNATURE}`"),
        ),
        None => cx.error_at(
            sig.paren_token.span.join(),
            format!("{attribute} fn takes the database handle: write `{SIGNATURE}`"),
        ),
        Some(_) if sig.inputs.len() > 1 => cx.error_spanned_by(
            &sig.inputs,
            format!(
                "{attribute} fn takes exactly one argument, the database handle: write `{SIGNATURE}`"
            ),
        ),
        Some(_) => {}
    }
}

/// Where the adapter's call is spanned: the user's argument (for a wrong
/// argument type) and return type (for a wrong output).
#[derive(Clone, Copy)]
pub struct CallSpans {
    pub argument: Span,
    pub output: Span,
}

impl CallSpans {
    /// Both at one span (a `down = path`).
    pub fn at(span: Span) -> Self {
        CallSpans {
            argument: span,
            output: span,
        }
    }

    /// At the user's own signature.
    pub fn of(item: &ItemFn) -> Self {
        let argument = item
            .sig
            .inputs
            .first()
            .map_or_else(|| item.sig.ident.span(), |arg| arg.span());
        let output = match &item.sig.output {
            syn::ReturnType::Default => item.sig.ident.span(),
            syn::ReturnType::Type(_, ty) => ty.span(),
        };
        CallSpans { argument, output }
    }
}

/// A fn of the runtime's `DbFn` type that calls `target(db)`. The call is
/// spanned at the user's code, so a wrong argument or return type is an
/// ordinary type error there.
pub fn adapter(name: &syn::Ident, target: &TokenStream, spans: CallSpans) -> TokenStream {
    let p = private();
    let arg = quote_spanned!(spans.argument=> db);
    let call = quote_spanned!(spans.output=> #p::box_db_fn(#target(#arg)));
    quote! {
        fn #name<'a>(
            db: &'a #p::Db,
        ) -> #p::BoxFuture<'a, ::core::result::Result<(), #p::BoxError>> {
            #call
        }
    }
}

#[cfg(test)]
mod tests;
