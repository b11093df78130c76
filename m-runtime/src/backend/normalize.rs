//! Normalisation shared by the introspectors: catalog spellings of types
//! and defaults back to logical values.

use std::borrow::Cow;

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::schema::{DefaultValue, LogicalType, TypeFamily};
use crate::{Error, Result};

/// Column `index` of a catalog row.
pub(crate) fn get<'r, T>(row: &'r AnyRow, index: usize) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(index)
        .map_err(|e| Error::Introspect(format!("unexpected catalog row (column {index}): {e}")))
}

/// Adds one catalog row of an index to `table`: catalogs list an index
/// once per column, in key order, so a row naming the last index extends it.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) fn add_index_column(
    table: &mut crate::schema::Table,
    name: String,
    column: String,
    unique: bool,
) {
    use crate::schema::Index;
    match table.indexes.last_mut() {
        Some(index) if index.name == name => index.columns.push(column),
        _ => table.indexes.push(Index {
            name,
            columns: vec![column],
            unique,
        }),
    }
}

/// Adds one catalog row of a foreign key (one row per column pair, in key
/// order) to `table`.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) fn add_foreign_key_column(
    table: &mut crate::schema::Table,
    name: String,
    column: String,
    ref_table: String,
    ref_column: String,
    on_delete: crate::schema::ReferentialAction,
) {
    use crate::schema::ForeignKey;
    match table.foreign_keys.last_mut() {
        Some(fk) if fk.name == name => {
            fk.columns.push(column);
            fk.ref_columns.push(ref_column);
        }
        _ => table.foreign_keys.push(ForeignKey {
            name,
            columns: vec![column],
            ref_table,
            ref_columns: vec![ref_column],
            on_delete,
        }),
    }
}

/// Splits `name(args)` into the lowercased name and its numeric arguments:
/// `VARCHAR(140)` → (`varchar`, [140]); `numeric(10, 2)` → (`numeric`, [10, 2]).
pub(crate) fn split_type(sql: &str) -> (String, Vec<u32>) {
    let sql = sql.trim();
    match sql.find('(') {
        Some(open) => {
            let name = sql[..open].trim().to_ascii_lowercase();
            let close = sql.rfind(')').unwrap_or(sql.len());
            let args = sql[open + 1..close.max(open + 1)]
                .split(',')
                .filter_map(|a| a.trim().parse().ok())
                .collect();
            let rest = sql[close.min(sql.len())..]
                .trim_start_matches(')')
                .trim()
                .to_ascii_lowercase();
            if rest.is_empty() {
                (name, args)
            } else {
                (format!("{name} {rest}"), args)
            }
        }
        None => (sql.to_ascii_lowercase(), Vec::new()),
    }
}

/// How a dialect escapes characters inside a string literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Escapes {
    /// Standard SQL (SQLite, PostgreSQL): only `''` stands for `'`; a
    /// backslash is itself.
    Standard,
    /// MySQL/MariaDB: `''` and backslash escapes (`\\`, `\n`, `\'`, ...).
    Backslash,
}

/// A default as the catalog spells it (casts already stripped) back to a
/// value, read in the light of the column type.
pub(crate) fn parse_default(text: &str, ty: &LogicalType, escapes: Escapes) -> DefaultValue {
    let text = strip_parens(text.trim());
    let lower = text.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "current_timestamp" | "current_timestamp()" | "now()" | "localtimestamp"
    ) || lower.starts_with("current_timestamp(")
    {
        return DefaultValue::CurrentTimestamp;
    }
    let unquoted = unquote(text, escapes);
    let family = ty.family();
    let literal = unquoted.as_deref().unwrap_or(text);
    match family {
        TypeFamily::Bool => match literal.to_ascii_lowercase().as_str() {
            "true" | "1" | "t" => return DefaultValue::Bool(true),
            "false" | "0" | "f" => return DefaultValue::Bool(false),
            _ => {}
        },
        TypeFamily::Integer => {
            if let Ok(i) = literal.parse::<i64>() {
                return DefaultValue::Int(i);
            }
        }
        TypeFamily::Float | TypeFamily::Decimal => {
            if let Ok(i) = literal.parse::<i64>() {
                return DefaultValue::Int(i);
            }
            if let Ok(f) = literal.parse::<f64>() {
                return DefaultValue::Float(f);
            }
        }
        _ => {}
    }
    match unquoted {
        Some(text) => DefaultValue::Text(Cow::Owned(text)),
        None if lower == "null" => DefaultValue::Sql(Cow::Borrowed("NULL")),
        None => DefaultValue::Sql(Cow::Owned(text.to_owned())),
    }
}

/// `'it''s'` → `it's`; `None` when `text` is not one quoted literal.
pub(crate) fn unquote(text: &str, escapes: Escapes) -> Option<String> {
    let inner = text.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' if chars.peek() == Some(&'\'') => {
                chars.next();
                out.push('\'');
            }
            '\'' => return None,
            '\\' if escapes == Escapes::Backslash => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('b') => out.push('\u{8}'),
                Some('Z') => out.push('\u{1a}'),
                Some('0') => out.push('\0'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    Some(out)
}

/// `sql` without the casts `::<type>` (for each of `types`) that follow a
/// string literal: `lower('A'::text)` becomes `lower('A')`.
#[cfg(any(feature = "postgres", test))]
pub(crate) fn strip_literal_casts<'a>(sql: &'a str, types: &[&str]) -> Cow<'a, str> {
    if !sql.contains("::") {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    let mut quoted = false;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        out.push(c);
        if c != '\'' {
            continue;
        }
        // A doubled quote inside a literal is an escaped quote.
        if quoted && rest.starts_with('\'') {
            out.push('\'');
            rest = &rest[1..];
            continue;
        }
        quoted = !quoted;
        if !quoted
            && let Some(after) = rest.strip_prefix("::")
            && let Some(ty) = types.iter().find(|ty| {
                after.len() >= ty.len()
                    && after[..ty.len()].eq_ignore_ascii_case(ty)
                    && !after[ty.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
            })
        {
            rest = &after[ty.len()..];
        }
    }
    Cow::Owned(out)
}

/// `sql` with each call of a function `from` spelled `to` (outside string
/// literals, names compared case-insensitively): `lower(x)` as `lcase(x)`.
#[cfg(any(feature = "mysql", test))]
pub(crate) fn rename_functions<'a>(sql: &'a str, renames: &[(&str, &str)]) -> Cow<'a, str> {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    let mut i = 0;
    let bytes = sql.as_bytes();
    'scan: while i < sql.len() {
        let c = bytes[i];
        if c == b'\'' {
            quoted = !quoted;
        }
        let starts_word = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if !quoted && starts_word {
            for (from, to) in renames {
                let end = i + from.len();
                if sql.len() > end
                    && sql.is_char_boundary(end)
                    && sql[i..end].eq_ignore_ascii_case(from)
                    && sql[end..].trim_start().starts_with('(')
                {
                    out.push_str(to);
                    i = end;
                    continue 'scan;
                }
            }
        }
        let ch = sql[i..].chars().next().unwrap_or_default();
        out.push(ch);
        i += ch.len_utf8();
    }
    if out == sql {
        Cow::Borrowed(sql)
    } else {
        Cow::Owned(out)
    }
}

fn strip_parens(mut text: &str) -> &str {
    while text.starts_with('(') && text.ends_with(')') && balanced(&text[1..text.len() - 1]) {
        text = text[1..text.len() - 1].trim();
    }
    text
}

fn balanced(text: &str) -> bool {
    let mut depth = 0i32;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_casts_are_stripped_outside_literals_only() {
        let types = ["text", "character varying"];
        assert_eq!(
            strip_literal_casts("lower('ABC'::text)", &types),
            "lower('ABC')"
        );
        assert_eq!(
            strip_literal_casts("concat('it''s'::text, 'x'::character varying)", &types),
            "concat('it''s', 'x')"
        );
        // Not after a literal, another type, or inside a literal: kept.
        assert_eq!(strip_literal_casts("(a)::text", &types), "(a)::text");
        assert_eq!(strip_literal_casts("'1'::integer", &types), "'1'::integer");
        assert_eq!(strip_literal_casts("'a::text'", &types), "'a::text'");
        assert_eq!(strip_literal_casts("'a'::textual", &types), "'a'::textual");
    }

    #[test]
    fn functions_are_renamed_outside_literals_only() {
        let renames = [("lower", "lcase"), ("upper", "ucase")];
        assert_eq!(rename_functions("LOWER('ABC')", &renames), "lcase('ABC')");
        assert_eq!(rename_functions("upper (x)", &renames), "ucase (x)");
        assert_eq!(rename_functions("'lower(x)'", &renames), "'lower(x)'");
        assert_eq!(rename_functions("my_lower(x)", &renames), "my_lower(x)");
        assert_eq!(rename_functions("lowered", &renames), "lowered");
    }

    #[test]
    fn splits_types() {
        assert_eq!(split_type("VARCHAR(140)"), ("varchar".into(), vec![140]));
        assert_eq!(
            split_type("numeric(10, 2)"),
            ("numeric".into(), vec![10, 2])
        );
        assert_eq!(
            split_type("int(11) unsigned"),
            ("int unsigned".into(), vec![11])
        );
        assert_eq!(split_type("text"), ("text".into(), vec![]));
    }

    #[test]
    fn parses_defaults_by_type() {
        let s = Escapes::Standard;
        let text = LogicalType::String { max_length: None };
        assert_eq!(
            parse_default("'0'", &LogicalType::I32, s),
            DefaultValue::Int(0)
        );
        assert_eq!(
            parse_default("(1)", &LogicalType::Bool, s),
            DefaultValue::Bool(true)
        );
        assert_eq!(
            parse_default("'it''s'", &text, s),
            DefaultValue::Text("it's".into())
        );
        assert_eq!(
            parse_default("1.5", &LogicalType::F64, s),
            DefaultValue::Float(1.5)
        );
        assert_eq!(
            parse_default("now()", &LogicalType::Timestamp, s),
            DefaultValue::CurrentTimestamp
        );
        assert_eq!(
            parse_default("current_timestamp()", &LogicalType::DateTime, s),
            DefaultValue::CurrentTimestamp
        );
        assert_eq!(
            parse_default("current_timestamp(6)", &LogicalType::DateTime, s),
            DefaultValue::CurrentTimestamp
        );
    }

    #[test]
    fn backslashes_follow_the_dialect() {
        let text = LogicalType::String { max_length: None };
        assert_eq!(
            parse_default(r"'a\b'", &text, Escapes::Standard),
            DefaultValue::Text(r"a\b".into())
        );
        assert_eq!(
            parse_default(r"'a\\b'", &text, Escapes::Backslash),
            DefaultValue::Text(r"a\b".into())
        );
        assert_eq!(
            parse_default(r"'it\'s\n'", &text, Escapes::Backslash),
            DefaultValue::Text("it's\n".into())
        );
        assert_eq!(unquote("'a'b'", Escapes::Standard), None);
    }
}
