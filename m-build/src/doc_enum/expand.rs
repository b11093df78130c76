//! Code generation for a checked `#[derive(DocEnum)]`. No validation here.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use super::model::Enum;
use crate::doctype::expand::private;

/// The `DocEnum` impl, `FromStr` and `Display`, and sqlx's `Type`,
/// `Encode` and `Decode` as text for every database whose `String` and
/// `&str` have them (so for each backend m-runtime is built with, and
/// `Any`).
pub fn expand(model: &Enum<'_>) -> TokenStream {
    let p = private();
    let ident = model.ident;
    let type_name = &model.type_name;
    let values = model.variants.iter().map(|v| &v.value);
    let to_str = model.variants.iter().map(|v| {
        let (variant, value) = (v.ident, &v.value);
        quote!(#ident::#variant => #value)
    });
    let from_str = model.variants.iter().map(|v| {
        let (variant, value) = (v.ident, &v.value);
        quote!(#value => ::core::option::Option::Some(#ident::#variant))
    });
    let sqlx = quote!(#p::sqlx);
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, clippy::all)]
        const _: () = {
            #[automatically_derived]
            impl #p::DocEnum for #ident {
                const VALUES: &'static [&'static str] = &[#(#values),*];
                const TYPE_NAME: &'static str = #type_name;
                fn as_str(&self) -> &'static str {
                    match self {
                        #(#to_str,)*
                    }
                }
                fn from_value(value: &str) -> ::core::option::Option<Self> {
                    match value {
                        #(#from_str,)*
                        _ => ::core::option::Option::None,
                    }
                }
            }

            #[automatically_derived]
            impl ::core::str::FromStr for #ident {
                type Err = #p::UnknownValue;
                fn from_str(value: &str) -> ::core::result::Result<Self, Self::Err> {
                    #p::parse_enum(value)
                }
            }

            #[automatically_derived]
            impl ::core::fmt::Display for #ident {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.write_str(#p::DocEnum::as_str(self))
                }
            }

            #[automatically_derived]
            impl<DB: #sqlx::Database> #sqlx::Type<DB> for #ident
            where
                ::std::string::String: #sqlx::Type<DB>,
            {
                fn type_info() -> DB::TypeInfo {
                    <::std::string::String as #sqlx::Type<DB>>::type_info()
                }
                fn compatible(ty: &DB::TypeInfo) -> bool {
                    <::std::string::String as #sqlx::Type<DB>>::compatible(ty)
                }
            }

            #[automatically_derived]
            impl<'q, DB: #sqlx::Database> #sqlx::Encode<'q, DB> for #ident
            where
                &'q str: #sqlx::Encode<'q, DB>,
            {
                fn encode_by_ref(
                    &self,
                    buf: &mut <DB as #sqlx::Database>::ArgumentBuffer,
                ) -> ::core::result::Result<#sqlx::encode::IsNull, #sqlx::error::BoxDynError> {
                    <&'q str as #sqlx::Encode<'q, DB>>::encode(#p::DocEnum::as_str(self), buf)
                }
            }

            #[automatically_derived]
            impl<'r, DB: #sqlx::Database> #sqlx::Decode<'r, DB> for #ident
            where
                &'r str: #sqlx::Decode<'r, DB>,
            {
                fn decode(
                    value: <DB as #sqlx::Database>::ValueRef<'r>,
                ) -> ::core::result::Result<Self, #sqlx::error::BoxDynError> {
                    let text = <&'r str as #sqlx::Decode<'r, DB>>::decode(value)?;
                    ::core::result::Result::Ok(#p::parse_enum::<Self>(text)?)
                }
            }
        };
    }
}

/// What is emitted next to the errors: a stub `DocEnum` impl, so that a
/// `#[doctype]` using the enum does not add "not implemented" errors.
pub fn fallback(input: &DeriveInput) -> TokenStream {
    let p = private();
    let ident = &input.ident;
    if !input.generics.params.is_empty() || !matches!(input.data, syn::Data::Enum(_)) {
        return TokenStream::new();
    }
    quote! {
        #[automatically_derived]
        impl #p::DocEnum for #ident {
            const VALUES: &'static [&'static str] = &[];
            const TYPE_NAME: &'static str = "";
            fn as_str(&self) -> &'static str {
                ::core::unimplemented!("#[derive(DocEnum)] reported errors for this enum")
            }
            fn from_value(_: &str) -> ::core::option::Option<Self> {
                ::core::option::Option::None
            }
        }
    }
}
