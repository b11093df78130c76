//! What `#[doctype]` emits next to its errors: the item itself and a stub
//! `DocType` impl, so the rest of the crate does not fail with unrelated
//! "not found" or "trait not implemented" errors (thiserror's fallback).

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use super::expand::{private, strip_field_attrs};

pub fn expand(input: &DeriveInput, table: &str) -> TokenStream {
    let p = private();
    let item = strip_field_attrs(input);
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        #item

        #[automatically_derived]
        impl #impl_generics #p::DocType for #ident #ty_generics #where_clause {
            const TABLE: &'static str = #table;
            const PRIMARY_KEY: &'static str = "";
            fn doctype() -> &'static #p::DocTypeDef {
                ::core::unimplemented!("#[doctype] reported errors for this struct")
            }
        }
    }
}
