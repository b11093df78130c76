//! `#[derive(DocEnum)]`: a fieldless enum as a column type. Model → check
//! → expand, like `#[doctype]`.

mod expand;
mod model;

use proc_macro2::TokenStream;

use crate::ctxt::Ctxt;

/// Expands `#[derive(DocEnum)]` on `input`: the `DocEnum`, `FromStr`,
/// `Display` and sqlx impls, or every error plus a stub `DocEnum` impl.
pub fn doc_enum_inner(input: TokenStream) -> TokenStream {
    let input: syn::DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.into_compile_error(),
    };
    let cx = Ctxt::new();
    let model = model::Enum::from_ast(&cx, &input);
    if let Some(model) = &model {
        model.check(&cx);
        if cx.is_ok() {
            return expand::expand(model);
        }
    }
    let mut tokens = cx
        .check()
        .err()
        .map(syn::Error::into_compile_error)
        .unwrap_or_default();
    tokens.extend(expand::fallback(&input));
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn errors(input: TokenStream) -> String {
        doc_enum_inner(input).to_string()
    }

    #[test]
    fn expands_values_and_type_name() {
        let out = doc_enum_inner(quote! {
            #[doc_enum(rename_all = "kebab-case")]
            enum OrderState { New, #[doc_enum(rename = "paid!")] Paid, InTransit }
        })
        .to_string();
        assert!(
            out.contains(r#"& ["new" , "paid!" , "in-transit"]"#),
            "{out}"
        );
        assert!(out.contains(r#""order_state""#), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn reports_every_mistake() {
        let out = errors(quote! {
            #[doc_enum(rename_al = "x", rename_all = "shouting")]
            enum E<T> { A(T), #[doc_enum(rename = "a")] B, #[doc_enum(name = "c")] C }
        });
        for expected in [
            "unknown option `rename_al`",
            "`rename_all` must be one of",
            "generic",
            "variant `A` has fields",
            "stored value `a` is given twice",
            "unknown option `name`",
        ] {
            assert!(out.contains(expected), "{expected} missing from {out}");
        }
    }

    #[test]
    fn rejects_empty_enums_and_structs() {
        assert!(
            errors(quote!(
                enum E {}
            ))
            .contains("has no variants")
        );
        assert!(
            errors(quote!(
                struct S;
            ))
            .contains("fieldless enum")
        );
    }
}
