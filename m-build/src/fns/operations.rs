//! `#[operations(id = "...", before = f, after = g, reversible)]` on
//! `fn name() -> m_runtime::ops::Migration`: a migration of typed
//! operations (what `migrate make` writes), registered like a
//! `#[migration]` and checked at registration.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ItemFn;
use syn::spanned::Spanned;

use super::migration::MigrationAttrs;
use super::{CallSpans, adapter};
use crate::ctxt::Ctxt;
use crate::doctype::expand::private;
use crate::symbol::OPERATIONS_KEYS;

const ATTRIBUTE: &str = "#[operations]";
const SIGNATURE: &str = "fn name() -> m_runtime::ops::Migration";

/// Expands `#[operations(...)]`: the fn unchanged, adapters for the data
/// bodies, and the registered `MigrationDef`; or the errors and the fn.
pub fn operations_inner(args: TokenStream, input: TokenStream) -> TokenStream {
    let item: ItemFn = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(error) => {
            let mut tokens = syn::Error::new(
                error.span(),
                format!("{ATTRIBUTE} goes on `{SIGNATURE}`: {error}"),
            )
            .into_compile_error();
            tokens.extend(input);
            return tokens;
        }
    };
    let cx = Ctxt::new();
    let attrs = MigrationAttrs::from_args_with(&cx, args, &OPERATIONS_KEYS);
    check_signature(&cx, &item);
    check_schemas(&cx, &item);
    if let Err(error) = cx.check() {
        let mut tokens = error.into_compile_error();
        tokens.extend(quote!(#item));
        return tokens;
    }
    let p = private();
    let ident = &item.sig.ident;
    let data = |name: &str, path: &Option<syn::Path>| match path {
        Some(path) => {
            let name = format_ident!("{name}");
            (
                adapter(&name, &quote!(#path), CallSpans::at(path.span())),
                quote!(::core::option::Option::Some(#name)),
            )
        }
        None => (quote!(), quote!(::core::option::Option::None)),
    };
    let (before_fn, before) = data("__m_before", &attrs.before);
    let (after_fn, after) = data("__m_after", &attrs.after);
    let body = |revert: bool| {
        quote! {
            #p::OpsBody {
                migration: __m_migration,
                before: #before,
                after: #after,
                revert: #revert,
            }
        }
    };
    let up = body(false);
    let down = if attrs.reversible {
        let down = body(true);
        quote!(::core::option::Option::Some(#p::MigrationBody::Ops(#down)))
    } else {
        quote!(::core::option::Option::None)
    };
    // A wrong return type is a type error at the user's signature.
    let output = match &item.sig.output {
        syn::ReturnType::Default => ident.span(),
        syn::ReturnType::Type(_, ty) => ty.span(),
    };
    let migration_fn = quote_spanned! {output=>
        const __m_migration: fn() -> #p::OpsMigration = #ident;
    };
    let registration =
        super::migration::registration(&attrs, &item, quote!(#p::MigrationBody::Ops(#up)), down);
    quote! {
        #item

        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        const _: () = {
            #migration_fn
            #before_fn
            #after_fn

            #registration
        };
    }
}

/// A plain fn without arguments or generics; its return type is left to
/// rustc.
fn check_signature(cx: &Ctxt, item: &ItemFn) {
    let sig = &item.sig;
    if let Some(asyncness) = &sig.asyncness {
        cx.error_spanned_by(
            asyncness,
            format!("{ATTRIBUTE} goes on a plain fn that returns the migration: write `{SIGNATURE}` (data work goes in `before = ...` and `after = ...` async fns)"),
        );
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        cx.error_spanned_by(
            &sig.generics,
            format!("{ATTRIBUTE} cannot be on a generic fn: write `{SIGNATURE}`"),
        );
    }
    if !sig.inputs.is_empty() {
        cx.error_spanned_by(
            &sig.inputs,
            format!("{ATTRIBUTE} fn takes no argument: write `{SIGNATURE}`"),
        );
    }
}

/// What can be decided at compile time: where the fn ends in the
/// `Migration { .. }` literal `migrate make` writes, its `old` and `new`
/// string literals are schemas' JSON, each table filed under its own name.
/// (That the operations lead from one to the other is checked at
/// registration, by the runtime that knows what each operation does.)
fn check_schemas(cx: &Ctxt, item: &ItemFn) {
    let Some(syn::Stmt::Expr(syn::Expr::Struct(literal), None)) = item.block.stmts.last() else {
        return;
    };
    for field in &literal.fields {
        let syn::Member::Named(name) = &field.member else {
            continue;
        };
        if name != "old" && name != "new" {
            continue;
        }
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) = &field.expr
        else {
            continue;
        };
        if let Err(problem) = schema_problem(&text.value()) {
            cx.error_spanned_by(text, format!("the {name} schema {problem}"));
        }
    }
}

/// Why `json` is not a schema's JSON (`{"tables": {"t": {"name": "t",
/// "columns": [...]}}}`), if it is not.
fn schema_problem(json: &str) -> Result<(), String> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("is not valid JSON: {e}"))?;
    let tables = value
        .get("tables")
        .and_then(serde_json::Value::as_object)
        .ok_or("has no `tables` object: write `{\"tables\": {...}}`")?;
    for (key, table) in tables {
        match table.get("name").and_then(serde_json::Value::as_str) {
            Some(name) if name == key => {}
            Some(name) => {
                return Err(format!("files table `{name}` under the name `{key}`"));
            }
            None => return Err(format!("gives table `{key}` no `name`")),
        }
        if !table
            .get("columns")
            .is_some_and(serde_json::Value::is_array)
        {
            return Err(format!("gives table `{key}` no `columns` list"));
        }
    }
    Ok(())
}
