//! The `#[derive(DocEnum)]` model: the enum, its options and each
//! variant's stored value, keeping the syn nodes for spans; `check` holds
//! the rules across variants.

use std::collections::BTreeMap;

use proc_macro2::Span;
use syn::{Data, DeriveInput, Fields, Ident, LitStr};

use crate::attr::{self, KeySet};
use crate::ctxt::Ctxt;
use crate::names::identifier_problem;
use crate::symbol::*;

/// A `#[derive(DocEnum)]` enum.
pub struct Enum<'a> {
    pub ident: &'a Ident,
    /// `type_name = "..."`, else the enum's name in snake_case.
    pub type_name: String,
    pub variants: Vec<Variant<'a>>,
}

/// One variant and the value that stores it.
pub struct Variant<'a> {
    pub ident: &'a Ident,
    pub value: String,
    /// Where a problem with the value points: the `rename` literal, or
    /// the variant's name.
    pub value_span: Span,
}

/// `rename_all = "..."`: serde's spellings.
const CASES: &[&str] = &[
    "lowercase",
    "UPPERCASE",
    "PascalCase",
    "camelCase",
    "snake_case",
    "SCREAMING_SNAKE_CASE",
    "kebab-case",
    "SCREAMING-KEBAB-CASE",
];

fn apply_case(case: &str, name: &str) -> String {
    use heck::*;
    match case {
        "lowercase" => name.to_lowercase(),
        "UPPERCASE" => name.to_uppercase(),
        "PascalCase" => name.to_owned(),
        "camelCase" => name.to_lower_camel_case(),
        "SCREAMING_SNAKE_CASE" => name.to_shouty_snake_case(),
        "kebab-case" => name.to_kebab_case(),
        "SCREAMING-KEBAB-CASE" => name.to_shouty_kebab_case(),
        _ => name.to_snake_case(),
    }
}

impl<'a> Enum<'a> {
    /// Reads the enum and its options; `None` when the item is not an enum
    /// (the error is recorded). Shape errors are recorded as they are met.
    pub fn from_ast(cx: &Ctxt, input: &'a DeriveInput) -> Option<Self> {
        let Data::Enum(data) = &input.data else {
            cx.error_spanned_by(
                &input.ident,
                "#[derive(DocEnum)] goes on a fieldless enum (each variant one stored value)",
            );
            return None;
        };
        if !input.generics.params.is_empty() {
            cx.error_spanned_by(
                &input.generics,
                "a DocEnum cannot be generic: its values are fixed when it is declared",
            );
        }
        let mut case: Option<String> = None;
        let mut type_name: Option<LitStr> = None;
        for attr in input.attrs.iter().filter(|a| a.path().is_ident("doc_enum")) {
            let mut keys = KeySet::new(cx, &DOC_ENUM_KEYS);
            for item in attr::parse_attribute(cx, attr) {
                let Some(key) = keys.key(&item) else { continue };
                let Some(expr) = attr::value(cx, key, &item) else {
                    continue;
                };
                let Some(lit) = attr::lit_str(cx, key, expr) else {
                    continue;
                };
                match key {
                    RENAME_ALL => {
                        if CASES.contains(&lit.value().as_str()) {
                            case = Some(lit.value());
                        } else {
                            let cases = CASES
                                .iter()
                                .map(|c| format!("\"{c}\""))
                                .collect::<Vec<_>>()
                                .join(", ");
                            cx.error_spanned_by(
                                &lit,
                                format!("`rename_all` must be one of {cases}"),
                            );
                        }
                    }
                    _ => {
                        if let Some(problem) = identifier_problem(&lit.value()) {
                            cx.error_spanned_by(&lit, format!("`type_name` {problem}"));
                        }
                        type_name = Some(lit);
                    }
                }
            }
        }
        let case = case.as_deref().unwrap_or("snake_case");
        let mut variants = Vec::new();
        for variant in &data.variants {
            if !matches!(variant.fields, Fields::Unit) {
                cx.error_spanned_by(
                    &variant.fields,
                    format!(
                        "variant `{}` has fields: a DocEnum's variants are plain names, each stored as one value",
                        variant.ident
                    ),
                );
            }
            if let Some((_, discriminant)) = &variant.discriminant {
                cx.error_spanned_by(
                    discriminant,
                    "a DocEnum is stored by name, not by discriminant: remove `= ...` (or store an integer field instead)",
                );
            }
            let mut rename: Option<LitStr> = None;
            for attr in variant
                .attrs
                .iter()
                .filter(|a| a.path().is_ident("doc_enum"))
            {
                let mut keys = KeySet::new(cx, &VARIANT_KEYS);
                for item in attr::parse_attribute(cx, attr) {
                    let Some(key) = keys.key(&item) else { continue };
                    let lit = attr::value(cx, key, &item).and_then(|e| attr::lit_str(cx, key, e));
                    if let Some(lit) = lit {
                        if lit.value().is_empty() {
                            cx.error_spanned_by(&lit, "`rename` is empty: give the stored value");
                        }
                        rename = Some(lit);
                    }
                }
            }
            let (value, value_span) = match &rename {
                Some(lit) => (lit.value(), lit.span()),
                None => (
                    apply_case(case, &variant.ident.to_string()),
                    variant.ident.span(),
                ),
            };
            variants.push(Variant {
                ident: &variant.ident,
                value,
                value_span,
            });
        }
        let type_name = match type_name {
            Some(lit) => lit.value(),
            None => crate::names::snake_case(&input.ident.to_string()),
        };
        if data.variants.is_empty() {
            cx.error_spanned_by(
                &input.ident,
                format!(
                    "`{}` has no variants: a column of it could hold no value",
                    input.ident
                ),
            );
        }
        Some(Enum {
            ident: &input.ident,
            type_name,
            variants,
        })
    }

    /// Rules across variants: every stored value distinct.
    pub fn check(&self, cx: &Ctxt) {
        let mut seen: BTreeMap<&str, &Ident> = BTreeMap::new();
        for variant in &self.variants {
            if let Some(first) = seen.insert(&variant.value, variant.ident) {
                cx.error_at(
                    variant.value_span,
                    format!(
                        "stored value `{}` is given twice (variants `{first}` and `{}`): rename one with `#[doc_enum(rename = \"...\")]`",
                        variant.value, variant.ident
                    ),
                );
            }
        }
    }
}
