//! Reading `key`, `key = value` and `key(...)` items: one helper for
//! unknown and duplicate keys, one converter per value shape. Every
//! converter records its error in the [`Ctxt`] and returns `None`, so the
//! remaining items are still checked.

use proc_macro2::TokenStream;
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, ExprArray, ExprLit, Ident, Lit, LitInt, LitStr, Meta, Path, Token};

use crate::ctxt::Ctxt;
use crate::symbol::{self, Keys};

/// Parses the comma-separated items of an attribute's arguments.
pub fn parse_items(cx: &Ctxt, tokens: TokenStream) -> Vec<Meta> {
    use syn::parse::Parser;
    match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(tokens) {
        Ok(items) => items.into_iter().collect(),
        Err(error) => {
            cx.syn_error(error);
            Vec::new()
        }
    }
}

/// Parses the items of `#[name(...)]`; a bare `#[name]` has none.
pub fn parse_attribute(cx: &Ctxt, attr: &Attribute) -> Vec<Meta> {
    match &attr.meta {
        Meta::Path(_) => Vec::new(),
        Meta::List(list) => parse_items(cx, list.tokens.clone()),
        Meta::NameValue(nv) => {
            cx.error_spanned_by(
                nv,
                format!(
                    "expected `#[{}(...)]` with options in parentheses",
                    path_text(&nv.path)
                ),
            );
            Vec::new()
        }
    }
}

/// Tracks the keys seen in one attribute: unknown keys and keys given twice
/// are reported here, for every key alike.
pub struct KeySet<'c> {
    cx: &'c Ctxt,
    keys: &'static Keys,
    repeatable: &'static [&'static str],
    seen: Vec<&'static str>,
}

impl<'c> KeySet<'c> {
    pub fn new(cx: &'c Ctxt, keys: &'static Keys) -> Self {
        KeySet {
            cx,
            keys,
            repeatable: &[],
            seen: Vec::new(),
        }
    }

    /// Keys that may be given more than once.
    pub fn repeatable(mut self, keys: &'static [&'static str]) -> Self {
        self.repeatable = keys;
        self
    }

    /// The key of `item`, or `None` (and an error) when it is unknown or a
    /// duplicate.
    pub fn key(&mut self, item: &Meta) -> Option<&'static str> {
        let path = item.path();
        let found = path
            .get_ident()
            .and_then(|ident| self.keys.keys.iter().find(|k| ident == *k).copied());
        let Some(key) = found else {
            self.cx.error_spanned_by(
                path,
                format!(
                    "unknown option `{}` in {}: expected one of {}",
                    path_text(path),
                    self.keys.attribute,
                    self.keys.list()
                ),
            );
            return None;
        };
        if self.seen.contains(&key) && !self.repeatable.contains(&key) {
            self.cx
                .error_spanned_by(path, format!("duplicate option `{key}`: give it once"));
            return None;
        }
        self.seen.push(key);
        Some(key)
    }
}

/// `key` alone.
pub fn flag<'m>(cx: &Ctxt, key: &str, item: &'m Meta) -> Option<&'m Path> {
    match item {
        Meta::Path(path) => Some(path),
        _ => {
            cx.error_spanned_by(item, format!("`{key}` takes no value: write `{key}` alone"));
            None
        }
    }
}

/// `key = value`.
pub fn value<'m>(cx: &Ctxt, key: &str, item: &'m Meta) -> Option<&'m Expr> {
    match item {
        Meta::NameValue(nv) => Some(&nv.value),
        _ => {
            cx.error_spanned_by(
                item,
                format!("`{key}` needs a value: write `{}`", symbol::form(key)),
            );
            None
        }
    }
}

/// `key(...)`.
pub fn list(cx: &Ctxt, key: &str, item: &Meta) -> Option<Vec<Meta>> {
    match item {
        Meta::List(list) => Some(parse_items(cx, list.tokens.clone())),
        _ => {
            cx.error_spanned_by(
                item,
                format!(
                    "`{key}` takes options in parentheses: write `{}`",
                    symbol::form(key)
                ),
            );
            None
        }
    }
}

fn wrong(cx: &Ctxt, key: &str, expr: &Expr, expected: &str) {
    cx.error_spanned_by(
        expr,
        format!("`{key}` expects {expected}: write `{}`", symbol::form(key)),
    );
}

pub fn strip_group(expr: &Expr) -> &Expr {
    match expr {
        Expr::Group(group) => strip_group(&group.expr),
        Expr::Paren(paren) => strip_group(&paren.expr),
        other => other,
    }
}

/// `key = "text"`.
pub fn lit_str(cx: &Ctxt, key: &str, expr: &Expr) -> Option<LitStr> {
    match strip_group(expr) {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(s.clone()),
        _ => {
            wrong(cx, key, expr, "a string literal");
            None
        }
    }
}

/// `key = 140`, parsed as `N`; out-of-range values are reported too.
pub fn lit_int<N>(cx: &Ctxt, key: &str, expr: &Expr) -> Option<(LitInt, N)>
where
    N: std::str::FromStr,
    N::Err: std::fmt::Display,
{
    match strip_group(expr) {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => match int.base10_parse::<N>() {
            Ok(n) => Some((int.clone(), n)),
            Err(_) => {
                cx.error_spanned_by(
                    int,
                    format!(
                        "`{key}` is out of range: {} does not fit in {}",
                        int.base10_digits(),
                        std::any::type_name::<N>()
                    ),
                );
                None
            }
        },
        _ => {
            wrong(cx, key, expr, "an integer literal");
            None
        }
    }
}

/// `key = some::Path`.
pub fn path(cx: &Ctxt, key: &str, expr: &Expr) -> Option<Path> {
    match strip_group(expr) {
        Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => Some(p.path.clone()),
        _ => {
            wrong(cx, key, expr, "a path");
            None
        }
    }
}

/// `key = ident`.
pub fn ident(cx: &Ctxt, key: &str, expr: &Expr) -> Option<Ident> {
    match strip_group(expr) {
        Expr::Path(p) if p.qself.is_none() && p.path.get_ident().is_some() => {
            p.path.get_ident().cloned()
        }
        _ => {
            wrong(cx, key, expr, "an identifier");
            None
        }
    }
}

/// `key = ["a", "b"]`.
pub fn str_array(cx: &Ctxt, key: &str, expr: &Expr) -> Option<Vec<LitStr>> {
    let Expr::Array(ExprArray { elems, .. }) = strip_group(expr) else {
        wrong(cx, key, expr, "an array of string literals");
        return None;
    };
    let mut out = Vec::new();
    let mut ok = true;
    for elem in elems {
        match strip_group(elem) {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => out.push(s.clone()),
            _ => {
                wrong(cx, key, elem, "string literals in the array");
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// `a::b::C` as written, for messages.
pub fn path_text(path: &Path) -> String {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let prefix = if path.leading_colon.is_some() {
        "::"
    } else {
        ""
    };
    format!("{prefix}{}", segments.join("::"))
}
