//! The checksum of a `#[migration]` fn.
//!
//! `sha256:<hex>` of the fn's canonical token text: the tokens of its
//! signature and body (not its attributes, so editing a doc comment or the
//! `#[migration(...)]` options does not change it), written as
//!
//! * an identifier as written (`r#type` keeps its `r#`),
//! * a literal as written (`1_000`, `"text"`, `r"raw"`),
//! * a punctuation character, one at a time (`::` is `: :`, `->` is `- >`:
//!   whether punctuation touches its neighbour depends on layout, so it is
//!   not part of the text),
//! * a group as its open delimiter, its tokens, its close delimiter
//!   (`(` `)`, `[` `]`, `{` `}`; an invisible group as its tokens only),
//!
//! separated by single spaces. Comments and whitespace are not tokens, so
//! reformatting the fn or editing a `//` comment keeps the checksum; any
//! change to the code changes it. Unlike `TokenStream::to_string()`, this
//! text does not depend on the compiler's pretty-printer.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use sha2::{Digest, Sha256};

/// The canonical text of `tokens`.
pub fn canonical(tokens: TokenStream) -> String {
    let mut out = String::new();
    write_tokens(&mut out, tokens);
    out
}

fn write_tokens(out: &mut String, tokens: TokenStream) {
    for tree in tokens {
        if !out.is_empty() {
            out.push(' ');
        }
        match tree {
            TokenTree::Ident(ident) => out.push_str(&ident.to_string()),
            TokenTree::Literal(literal) => out.push_str(&literal.to_string()),
            TokenTree::Punct(punct) => out.push(punct.as_char()),
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::None => ("", ""),
                };
                out.push_str(open);
                let mut inner = String::new();
                write_tokens(&mut inner, group.stream());
                if !inner.is_empty() {
                    if !open.is_empty() {
                        out.push(' ');
                    }
                    out.push_str(&inner);
                }
                if !close.is_empty() {
                    out.push(' ');
                    out.push_str(close);
                }
            }
        }
    }
}

/// `sha256:<lowercase hex>` of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// The checksum of a migration fn: its signature and body.
pub fn of_fn(item: &syn::ItemFn) -> String {
    use quote::ToTokens;
    let mut tokens = item.sig.to_token_stream();
    item.block.to_tokens(&mut tokens);
    sha256(canonical(tokens).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(src: &str) -> String {
        canonical(src.parse().expect("test tokens parse"))
    }

    #[test]
    fn canonical_text_is_independent_of_layout() {
        let a = text("async fn up(db: &Db) -> Result<()> { db.execute(\"x\").await?; Ok(()) }");
        let b = text(
            "async fn up(\n    db : &Db,\n)->Result<()>{\n  // comment\n  db . execute( \"x\" ).await ? ; Ok(())\n}",
        );
        // The trailing comma is a token: it differs.
        assert_ne!(a, b);
        let c = text(
            "async fn up(\n    db : &Db\n)->Result<()>{\n  // comment\n  db . execute( \"x\" ).await ? ; Ok(())\n}",
        );
        assert_eq!(a, c);
    }

    #[test]
    fn canonical_text_spells_tokens() {
        assert_eq!(text("a::b(1_000, [x])"), "a : : b ( 1_000 , [ x ] )");
        assert_eq!(text("x -> y"), "x - > y");
        assert_eq!(text("r#type 'a"), "r#type ' a");
        assert_eq!(text("f()"), "f ( )");
    }

    #[test]
    fn checksum_names_its_algorithm() {
        let sum = sha256(b"abc");
        assert_eq!(
            sum,
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
