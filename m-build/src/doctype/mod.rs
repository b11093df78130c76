//! `#[doctype]`: model → check → expand.

pub mod check;
pub mod expand;
mod fallback;
pub mod model;
pub mod types;

use proc_macro2::TokenStream;

use crate::ctxt::Ctxt;

/// Expands `#[doctype(args)] input`: the struct, its `DocType` impl and its
/// registered descriptor, or every error plus a stub.
pub fn doctype_inner(args: TokenStream, input: TokenStream) -> TokenStream {
    let input: syn::DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => {
            return syn::Error::new(
                error.span(),
                format!("#[doctype] goes on a struct with named fields: {error}"),
            )
            .into_compile_error();
        }
    };
    let cx = Ctxt::new();
    let mut table = String::new();
    if let Some(cont) = model::Container::from_ast(&cx, args, &input) {
        check::check(&cx, &cont);
        if cx.is_ok() {
            return expand::expand(&cont);
        }
        table = cont.table_key();
    }
    let mut tokens = cx
        .check()
        .err()
        .map(syn::Error::into_compile_error)
        .unwrap_or_default();
    tokens.extend(fallback::expand(&input, &table));
    tokens
}

#[cfg(test)]
mod tests;
