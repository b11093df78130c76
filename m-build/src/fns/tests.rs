//! Hooks and migrations through their `_inner` entry points.

use proc_macro2::TokenStream;
use quote::quote;

use super::hook::{HookPhase, hook_inner};
use super::migration::migration_inner;

/// The messages of every `compile_error!` in `tokens`.
fn errors(tokens: TokenStream) -> Vec<String> {
    let file: syn::File = syn::parse2(tokens).expect("expansion parses as items");
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Macro(m)
                if m.mac
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "compile_error") =>
            {
                let lit: syn::LitStr = m.mac.parse_body().expect("message literal");
                Some(lit.value())
            }
            _ => None,
        })
        .collect()
}

fn hook(args: TokenStream, item: TokenStream) -> Vec<String> {
    errors(hook_inner(HookPhase::BeforeSync, args, item))
}

fn migration(args: TokenStream, item: TokenStream) -> Vec<String> {
    errors(migration_inner(args, item))
}

#[test]
fn valid_hook_expands_to_fn_and_registration() {
    let tokens = hook_inner(
        HookPhase::AfterSync,
        quote!(app = "shop"),
        quote!(
            async fn seed(db: &Db) -> Result<(), E> {
                Ok(())
            }
        ),
    );
    let text = tokens.to_string();
    assert!(errors(tokens).is_empty());
    assert!(text.contains("async fn seed"));
    assert!(text.contains("HookPhase :: AfterSync"));
    assert!(text.contains("app : \"shop\""));
}

#[test]
fn hook_shape_errors_are_all_reported() {
    let errors = hook(
        quote!(order = 1),
        quote!(
            fn seed<T>(db: &Db, n: u32) -> Result<(), E> {
                Ok(())
            }
        ),
    );
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert!(errors[0].contains("unknown option `order`"));
    assert!(errors[1].contains("needs an `async fn`"));
    assert!(errors[2].contains("cannot be on a generic fn"));
    assert!(errors[3].contains("exactly one argument"));
}

#[test]
fn hook_on_non_fn_keeps_the_item() {
    let tokens = hook_inner(
        HookPhase::BeforeSync,
        quote!(),
        quote!(
            struct S;
        ),
    );
    assert!(tokens.to_string().contains("struct S"));
    assert_eq!(errors(tokens).len(), 1);
}

#[test]
fn migration_requires_an_explicit_valid_id() {
    let up = quote!(
        async fn up(db: &Db) -> Result<(), E> {
            Ok(())
        }
    );
    assert_eq!(migration(quote!(), up.clone()).len(), 1);
    assert!(migration(quote!(id = "0001_init"), up.clone()).is_empty());
    let errors = migration(quote!(id = "1-x", depends_on = ["nope"], phase = later), up);
    assert_eq!(errors.len(), 3, "{errors:#?}");
}

#[test]
fn checksum_ignores_layout_and_attributes_but_not_code() {
    let sum = |tokens: TokenStream| {
        let text = migration_inner(quote!(id = "0001_a"), tokens).to_string();
        let start = text.find("sha256:").expect("a checksum");
        text[start..start + 71].to_string()
    };
    let a = sum(quote!(
        async fn up(db: &Db) -> R {
            db.run("x").await
        }
    ));
    let b = sum(
        "/// Docs.\nasync fn up(\n  db: &Db,\n) -> R {\n  // comment\n  db.run( \"x\" ).await\n}"
            .parse()
            .expect("tokens"),
    );
    let c = sum(quote!(
        async fn up(db: &Db) -> R {
            db.run("y").await
        }
    ));
    assert_eq!(a.len(), 71);
    assert_ne!(a, c);
    // The trailing comma in `b`'s argument list is a token: it differs.
    assert_ne!(a, b);
    let d = sum(
        "/// Docs.\nasync fn up(\n  db: &Db\n) -> R {\n  // comment\n  db.run( \"x\" ).await\n}"
            .parse()
            .expect("tokens"),
    );
    assert_eq!(a, d);
}
