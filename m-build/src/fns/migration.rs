//! `#[migration(id = "...", depends_on = [...], phase = ..., down = ...)]`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::spanned::Spanned;
use syn::{Expr, LitStr, Path};

use super::{CallSpans, adapter, check_signature, checksum, parse_fn};
use crate::attr::{self, KeySet};
use crate::ctxt::Ctxt;
use crate::doctype::expand::{app_expr, private};
use crate::names::{identifier_problem, is_dependency, is_migration_id};
use crate::symbol::Keys;
use crate::symbol::*;

const ATTRIBUTE: &str = "#[migration]";

/// When the migration runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Phase {
    #[default]
    PreSync,
    PostSync,
}

/// What the migration does when its app is installed on a fresh database.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OnFresh {
    /// Recorded as applied without running (the default).
    #[default]
    Skip,
    /// Runs on fresh installs too (seed data).
    Run,
}

/// The options of `#[migration(...)]`.
#[derive(Default)]
pub struct MigrationAttrs {
    pub id: Option<LitStr>,
    pub depends_on: Vec<LitStr>,
    pub phase: Phase,
    pub down: Option<Path>,
    pub app: Option<LitStr>,
    pub on_fresh: OnFresh,
    /// `#[operations]` only: the data bodies and whether it has a `down`.
    pub before: Option<Path>,
    pub after: Option<Path>,
    pub reversible: bool,
}

impl MigrationAttrs {
    /// Reads and checks the options; `id` is required.
    pub fn from_args(cx: &Ctxt, args: TokenStream) -> Self {
        Self::from_args_with(cx, args, &MIGRATION_KEYS)
    }

    /// [`MigrationAttrs::from_args`] accepting the keys of `keys` (those
    /// of `#[migration]` or of `#[operations]`).
    pub fn from_args_with(cx: &Ctxt, args: TokenStream, keys: &'static Keys) -> Self {
        let attribute = keys.attribute.trim_end_matches("(...)]").to_owned() + "]";
        let mut out = MigrationAttrs::default();
        let mut keys = KeySet::new(cx, keys);
        let mut id_given = false;
        for item in attr::parse_items(cx, args.clone()) {
            let Some(key) = keys.key(&item) else { continue };
            if key == REVERSIBLE {
                out.reversible = attr::flag(cx, key, &item).is_some();
                continue;
            }
            let Some(value) = attr::value(cx, key, &item) else {
                id_given |= key == ID;
                continue;
            };
            match key {
                ID => {
                    id_given = true;
                    out.id = attr::lit_str(cx, key, value);
                }
                DEPENDS_ON => out.depends_on = attr::str_array(cx, key, value).unwrap_or_default(),
                PHASE => {
                    out.phase = choice(
                        cx,
                        PHASE,
                        value,
                        &[("pre_sync", Phase::PreSync), ("post_sync", Phase::PostSync)],
                    )
                    .unwrap_or_default()
                }
                ON_FRESH => {
                    out.on_fresh = choice(
                        cx,
                        ON_FRESH,
                        value,
                        &[("skip", OnFresh::Skip), ("run", OnFresh::Run)],
                    )
                    .unwrap_or_default()
                }
                DOWN => out.down = attr::path(cx, key, value),
                BEFORE => out.before = attr::path(cx, key, value),
                AFTER => out.after = attr::path(cx, key, value),
                APP => out.app = attr::lit_str(cx, key, value),
                _ => {}
            }
        }
        if !id_given {
            cx.error_at(
                proc_macro2::Span::call_site(),
                format!(
                    "{attribute} needs an explicit id: write `{}(id = \"0001_name\")]`",
                    attribute.trim_end_matches(']')
                ),
            );
        }
        out.check(cx);
        out
    }

    fn check(&self, cx: &Ctxt) {
        if let Some(id) = &self.id
            && !is_migration_id(&id.value())
        {
            cx.error_spanned_by(
                id,
                format!("invalid migration id {:?}: use ASCII letters, digits and `_`, like \"0001_create_books\"", id.value()),
            );
        }
        for target in &self.depends_on {
            if !is_dependency(&target.value()) {
                cx.error_spanned_by(
                    target,
                    format!("invalid `depends_on` entry {:?}: write \"app:id\", like \"orders:0001_init\"", target.value()),
                );
            }
        }
        if let Some(app) = &self.app
            && let Some(problem) = identifier_problem(&app.value())
        {
            cx.error_spanned_by(
                app,
                format!("invalid app name {:?}: {problem}", app.value()),
            );
        }
    }
}

/// `key = one_of_choices` (an identifier; the string form is accepted
/// too); the first choice is the default, named in the error.
pub(crate) fn choice<T: Copy>(
    cx: &Ctxt,
    key: &str,
    expr: &Expr,
    choices: &[(&str, T)],
) -> Option<T> {
    let name = match attr::strip_group(expr) {
        Expr::Path(p) if p.path.get_ident().is_some() => p
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default(),
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => s.value(),
        _ => {
            cx.error_spanned_by(
                expr,
                format!("`{key}` expects an identifier: write `{}`", form(key)),
            );
            return None;
        }
    };
    if let Some((_, value)) = choices.iter().find(|(n, _)| *n == name) {
        return Some(*value);
    }
    let names: Vec<String> = choices
        .iter()
        .enumerate()
        .map(|(i, (n, _))| {
            if i == 0 {
                format!("`{n}` (the default)")
            } else {
                format!("`{n}`")
            }
        })
        .collect();
    cx.error_spanned_by(
        expr,
        format!("unknown {key} `{name}`: expected {}", names.join(" or ")),
    );
    None
}

/// Expands `#[migration(...)]`: the fn unchanged, adapters for `up` and
/// `down`, and the registered `MigrationDef`; or the errors and the fn.
pub fn migration_inner(args: TokenStream, input: TokenStream) -> TokenStream {
    let item = match parse_fn(ATTRIBUTE, input.clone()) {
        Ok(item) => item,
        Err(error) => {
            let mut tokens = error.into_compile_error();
            tokens.extend(input);
            return tokens;
        }
    };
    let cx = Ctxt::new();
    let attrs = MigrationAttrs::from_args(&cx, args);
    check_signature(&cx, ATTRIBUTE, &item);
    if let Err(error) = cx.check() {
        let mut tokens = error.into_compile_error();
        tokens.extend(quote!(#item));
        return tokens;
    }
    let p = private();
    let ident = &item.sig.ident;
    let up = adapter(
        &format_ident!("__m_up"),
        &quote!(#ident),
        CallSpans::of(&item),
    );
    let (down_fn, down) = match &attrs.down {
        Some(path) => (
            adapter(
                &format_ident!("__m_down"),
                &quote!(#path),
                CallSpans::at(path.span()),
            ),
            quote!(::core::option::Option::Some(#p::MigrationBody::Fn(__m_down))),
        ),
        None => (quote!(), quote!(::core::option::Option::None)),
    };
    let registration = registration(&attrs, &item, quote!(#p::MigrationBody::Fn(__m_up)), down);
    quote! {
        #item

        #[doc(hidden)]
        const _: () = {
            #up
            #down_fn

            #registration
        };
    }
}

/// The `MigrationDef` that `#[migration]` and `#[operations]` submit for
/// `item`: its attributes, checksum and source, with the `up` and `down`
/// bodies the caller built.
pub(crate) fn registration(
    attrs: &MigrationAttrs,
    item: &syn::ItemFn,
    up: TokenStream,
    down: TokenStream,
) -> TokenStream {
    let p = private();
    let app = app_expr(attrs.app.as_ref());
    let id = attrs.id.as_ref().map(LitStr::value).unwrap_or_default();
    let depends_on = &attrs.depends_on;
    let phase = match attrs.phase {
        Phase::PreSync => quote!(PreSync),
        Phase::PostSync => quote!(PostSync),
    };
    let on_fresh = match attrs.on_fresh {
        OnFresh::Skip => quote!(Skip),
        OnFresh::Run => quote!(Run),
    };
    let checksum = checksum::of_fn(item);
    let source = format!("::{}", item.sig.ident);
    quote! {
        #p::inventory::submit! {
            #p::MigrationDef {
                app: #app,
                id: #id,
                depends_on: &[#(#depends_on),*],
                phase: #p::MigrationPhase::#phase,
                checksum: #checksum,
                up: #up,
                down: #down,
                source: ::core::concat!(::core::module_path!(), #source),
                on_fresh: #p::OnFresh::#on_fresh,
            }
        }
    }
}
