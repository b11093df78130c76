//! Golden-file assertions for the unit tests: `M_UPDATE_GOLDEN=1 cargo test
//! -p m-build` rewrites the files; review the diff before committing.

use std::path::PathBuf;

/// `m-build/tests/golden/<name>`.
pub fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

/// Compares `actual` with the golden file `name`.
pub fn assert_golden(name: &str, actual: &str) {
    let path = path(name);
    if std::env::var_os("M_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("golden file is writable");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "{} differs from the output (rerun with M_UPDATE_GOLDEN=1 to accept):\n{actual}",
        path.display()
    );
}

/// A readable layout of generated tokens for expansion snapshots: braces
/// (and brackets holding braces) open indented blocks, `;` and `,` end
/// lines; everything else is printed flat.
pub fn layout(tokens: proc_macro2::TokenStream) -> String {
    let mut out = String::new();
    walk(tokens, 0, &mut out);
    out.push('\n');
    out
}

fn walk(tokens: proc_macro2::TokenStream, depth: usize, out: &mut String) {
    use proc_macro2::{Delimiter, TokenTree};
    let newline = |out: &mut String, depth: usize| {
        let trimmed = out.trim_end_matches(' ').len();
        out.truncate(trimmed);
        out.push('\n');
        out.push_str(&"    ".repeat(depth));
    };
    for tree in tokens {
        match tree {
            TokenTree::Group(group) => {
                let multiline = group.delimiter() == Delimiter::Brace
                    || (group.delimiter() == Delimiter::Bracket
                        && group.stream().into_iter().any(|t| {
                            matches!(&t, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace)
                        }));
                if multiline {
                    let (open, close) = if group.delimiter() == Delimiter::Brace {
                        ("{", "}")
                    } else {
                        ("[", "]")
                    };
                    out.push_str(open);
                    newline(out, depth + 1);
                    walk(group.stream(), depth + 1, out);
                    newline(out, depth);
                    out.push_str(close);
                    if group.delimiter() == Delimiter::Brace {
                        newline(out, depth);
                    } else {
                        out.push(' ');
                    }
                } else {
                    out.push_str(&group.to_string());
                    out.push(' ');
                }
            }
            TokenTree::Punct(punct) if matches!(punct.as_char(), ';' | ',') => {
                let trimmed = out.trim_end().len();
                out.truncate(trimmed);
                out.push(punct.as_char());
                newline(out, depth);
            }
            TokenTree::Punct(punct) => {
                out.push(punct.as_char());
                if punct.spacing() == proc_macro2::Spacing::Alone {
                    out.push(' ');
                }
            }
            other => {
                out.push_str(&other.to_string());
                out.push(' ');
            }
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
}
