//! Model and check tests on parsed input, without a compiler run, and an
//! expansion snapshot.

use proc_macro2::TokenStream;
use quote::quote;

use super::{check, model};
use crate::ctxt::Ctxt;

/// Every error message `#[doctype(args)] input` produces, in order.
fn errors(args: TokenStream, input: TokenStream) -> Vec<String> {
    let input: syn::DeriveInput = syn::parse2(input).expect("test input parses");
    let cx = Ctxt::new();
    if let Some(cont) = model::Container::from_ast(&cx, args, &input) {
        check::check(&cx, &cont);
    }
    match cx.check() {
        Ok(()) => Vec::new(),
        Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
    }
}

fn assert_one(errors: &[String], expected: &str) {
    assert!(
        errors.len() == 1 && errors[0].contains(expected),
        "expected one error containing {expected:?}, got {errors:#?}"
    );
}

#[test]
fn valid_doctype_has_no_errors() {
    let errors = errors(
        quote!(table = "books", index(fields = ["title"], unique)),
        quote! {
            struct Book {
                #[field(primary_key)]
                id: i64,
                #[field(max_length = 140, renamed_from = "name")]
                title: String,
                isbn: Option<String>,
                #[field(default = -1)]
                copies: i32,
                #[field(skip)]
                cache: Vec<String>,
            }
        },
    );
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn every_field_key_is_accepted() {
    // Keeps `FIELD_KEYS` and the dispatch in `model` in step: each key,
    // given in its valid form, yields no "unknown option" error.
    for key in crate::symbol::FIELD_KEYS.keys {
        let item: TokenStream = match *key {
            "max_length" | "precision" | "scale" => format!("{key} = 1"),
            "default" => "default = 1".into(),
            "column" | "renamed_from" | "sql_type" => format!("{key} = \"x\""),
            "references" => "references = Other".into(),
            "on_delete" => "on_delete = cascade".into(),
            _ => key.to_string(),
        }
        .parse()
        .expect("key tokens parse");
        let errors = errors(
            quote!(),
            quote!(
                struct S {
                    #[field(primary_key)]
                    id: i64,
                    #[field(#item)]
                    x: i64,
                }
            ),
        );
        assert!(
            errors.iter().all(|e| !e.contains("unknown option")),
            "{key}: {errors:#?}"
        );
    }
}

#[test]
fn unknown_key_lists_valid_keys() {
    let errors = errors(
        quote!(),
        quote!(
            struct S {
                #[field(primary_key, colour = 1)]
                id: i64,
            }
        ),
    );
    assert_one(
        &errors,
        "unknown option `colour` in #[field(...)]: expected one of `primary_key`, `max_length`",
    );
}

#[test]
fn duplicate_keys_are_reported_by_one_helper() {
    let errors = errors(
        quote!(table = "a", app = "x", app = "y"),
        quote!(
            struct S {
                #[field(primary_key, primary_key)]
                id: i64,
            }
        ),
    );
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(errors[0].contains("duplicate option `app`"));
    assert!(errors[1].contains("duplicate option `primary_key`"));
}

#[test]
fn three_mistakes_give_three_errors() {
    let errors = errors(
        quote!(),
        quote! {
            struct S {
                #[field(primary_key)]
                id: i64,
                #[field(max_lenght = 1)]
                a: String,
                #[field(max_length = 1)]
                b: i32,
                c: u64,
            }
        },
    );
    assert_eq!(errors.len(), 3, "{errors:#?}");
}

#[test]
fn shapes() {
    assert_one(
        &errors(
            quote!(),
            quote!(
                struct S(i64);
            ),
        ),
        "tuple struct",
    );
    assert_one(
        &errors(
            quote!(),
            quote!(
                struct S;
            ),
        ),
        "unit struct",
    );
    assert_one(
        &errors(
            quote!(),
            quote!(
                enum S {
                    A,
                }
            ),
        ),
        "not on an enum",
    );
    assert_one(
        &errors(quote!(), quote!(union S { a: i64 })),
        "not on a union",
    );
    assert_one(
        &errors(
            quote!(),
            quote!(
                struct S<T> {
                    #[field(primary_key)]
                    id: i64,
                    #[field(skip)]
                    t: T,
                }
            ),
        ),
        "cannot be generic",
    );
}

#[test]
fn primary_key_rules() {
    assert_one(
        &errors(
            quote!(),
            quote!(
                struct S {
                    a: i64,
                }
            ),
        ),
        "needs a primary key",
    );
    assert_one(
        &errors(
            quote!(),
            quote!(
                struct S {
                    #[field(primary_key)]
                    a: i64,
                    #[field(primary_key)]
                    b: i64,
                }
            ),
        ),
        "a second primary key",
    );
    assert_one(
        &errors(
            quote!(),
            quote!(
                struct S {
                    #[field(primary_key)]
                    a: Option<i64>,
                }
            ),
        ),
        "cannot be nullable",
    );
    assert!(
        errors(
            quote!(primary_key(fields = ["a", "b"])),
            quote!(
                struct S {
                    a: i64,
                    b: String,
                }
            )
        )
        .is_empty()
    );
    assert_one(
        &errors(
            quote!(primary_key(fields = ["a", "c"])),
            quote!(
                struct S {
                    a: i64,
                    b: String,
                }
            ),
        ),
        "unknown field `c`: the fields of `S` are `a`, `b`",
    );
}

#[test]
fn type_and_option_rules() {
    let pk = quote!(#[field(primary_key)] id: i64,);
    let cases: &[(TokenStream, &str)] = &[
        (
            quote!(#[field(max_length = 3)] a: i64),
            "`max_length` applies to `String` fields only",
        ),
        (
            quote!(#[field(precision = 3)] a: f64),
            "`precision` applies to decimal fields only",
        ),
        (quote!(a: u64), "unsigned integers are not portable"),
        (
            quote!(a: std::collections::HashMap<String, i64>),
            "unsupported column type",
        ),
        (
            quote!(#[field(default = "x")] a: i64),
            "`default` is a string but the field's type takes an integer literal",
        ),
        (
            quote!(#[field(default = current_timestamp)] a: String),
            "applies to date-time fields only",
        ),
        (
            quote!(#[field(skip, references = T)] a: i64),
            "`references` has no effect on a `skip`ped field",
        ),
        (
            quote!(#[field(on_delete = cascade)] a: i64),
            "`on_delete` needs `references",
        ),
        (
            quote!(#[field(references = T, on_delete = set_null)] a: i64),
            "needs a nullable field",
        ),
        (
            quote!(#[field(column = "id")] a: i64),
            "duplicate column name `id`",
        ),
        (
            quote!(#[field(column = "a b")] a: i64),
            "invalid column name",
        ),
        (
            quote!(#[field(max_length = "1")] a: String),
            "`max_length` expects an integer literal",
        ),
        (
            quote!(#[field(references = "T")] a: i64),
            "`references` expects a path",
        ),
    ];
    for (field, expected) in cases {
        assert_one(&errors(quote!(), quote!(struct S { #pk #field })), expected);
    }
}

#[test]
fn defaults_match_types() {
    let pk = quote!(#[field(primary_key)] id: i64,);
    let ok: &[TokenStream] = &[
        quote!(#[field(default = 1)] a: i16),
        quote!(#[field(default = -32768)] a: i16),
        quote!(#[field(default = 1)] a: f64),
        quote!(#[field(default = -0.5)] a: f32),
        quote!(#[field(default = true)] a: bool),
        quote!(#[field(default = "x")] a: String),
        quote!(#[field(default = current_timestamp)] a: chrono::NaiveDateTime),
        quote!(#[field(default = "2020-01-01")] a: chrono::NaiveDate),
        quote!(#[field(sql_type = "money", default = 1.5)] a: String),
    ];
    for field in ok {
        let errors = errors(quote!(), quote!(struct S { #pk #field }));
        assert!(errors.is_empty(), "{field}: {errors:#?}");
    }
    assert_one(
        &errors(
            quote!(),
            quote!(struct S { #pk #[field(default = 32768)] a: i16 }),
        ),
        "does not fit",
    );
}

#[test]
fn float_defaults_are_finite() {
    let pk = quote!(#[field(primary_key)] id: i64,);
    for field in [
        quote!(#[field(default = 1.7976931348623157e308)] a: f64),
        quote!(#[field(default = -3.4028235e38)] a: f32),
        quote!(#[field(default = 1e-999)] a: f64),
    ] {
        let errors = errors(quote!(), quote!(struct S { #pk #field }));
        assert!(errors.is_empty(), "{field}: {errors:#?}");
    }
    let cases = [
        (
            quote!(#[field(default = 1e999)] a: f64),
            "overflows an `f64`",
        ),
        (
            quote!(#[field(default = -1e999)] a: f64),
            "overflows an `f64`",
        ),
        (
            quote!(#[field(default = 1e999)] a: Option<f64>),
            "overflows an `f64`",
        ),
        (
            quote!(#[field(default = 1e39)] a: f32),
            "does not fit in an `f32`",
        ),
        (
            quote!(#[field(default = -1e39)] a: f32),
            "does not fit in an `f32`",
        ),
        (
            quote!(#[field(default = 1e999)] a: rust_decimal::Decimal),
            "overflows an `f64`",
        ),
        (
            quote!(#[field(sql_type = "real", default = 1e999)] a: f64),
            "overflows an `f64`",
        ),
        // A float where none is taken is one error, about the type.
        (
            quote!(#[field(default = 1e999)] a: i32),
            "`default` is a float but the field's type takes an integer literal",
        ),
    ];
    for (field, expected) in cases {
        assert_one(&errors(quote!(), quote!(struct S { #pk #field })), expected);
    }
}

#[test]
fn infinite_default_expands_to_errors_not_a_panic() {
    let tokens = super::doctype_inner(
        quote!(),
        quote!(
            struct S {
                #[field(primary_key)]
                id: i64,
                #[field(default = 1e999)]
                a: f64,
            }
        ),
    );
    assert!(tokens.to_string().contains("compile_error"), "{tokens}");
}

#[test]
fn names_are_portable_identifiers() {
    assert_one(
        &errors(
            quote!(table = "a-b"),
            quote!(
                struct S {
                    #[field(primary_key)]
                    id: i64,
                }
            ),
        ),
        "invalid table name \"a-b\"",
    );
    let long = "x".repeat(64);
    assert_one(
        &errors(
            quote!(table = #long),
            quote!(
                struct S {
                    #[field(primary_key)]
                    id: i64,
                }
            ),
        ),
        "64 bytes long",
    );
}

#[test]
fn expansion_snapshot() {
    let tokens = super::doctype_inner(
        quote!(index(
            fields = ["title", "year"],
            unique,
            name = "book_title_year"
        )),
        quote! {
            /// A book.
            #[derive(Debug)]
            pub struct Book {
                #[field(primary_key)]
                pub id: i64,
                #[field(max_length = 140, index, renamed_from = "heading")]
                pub title: String,
                pub year: Option<i32>,
                #[field(default = 1)]
                pub copies: i32,
                #[field(references = Author, on_delete = cascade)]
                pub author: i64,
                #[field(sql_type = "varchar(13)")]
                pub isbn: String,
                pub published: chrono::NaiveDate,
                #[field(skip)]
                pub cache: Vec<String>,
            }
        },
    );
    crate::golden::assert_golden("book.expanded.rs", &crate::golden::layout(tokens));
}
