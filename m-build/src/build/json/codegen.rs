//! Frappe DocType model → `#[doctype]` struct source.

use std::fmt::Write as _;

use serde_json::Value;

use super::frappe::{DocTypeJson, FieldJson};
use crate::names::{identifier_problem, pascal_case, snake_case};

/// Frappe's length of a `varchar` field with no `length`.
pub const DEFAULT_LENGTH: u32 = 140;

/// Frappe's `Currency` column: `decimal(21,9)`.
pub const CURRENCY: (u8, u8) = (21, 9);

/// What a Frappe fieldtype becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `String` with `max_length` (Frappe's `varchar(140)`).
    Varchar,
    /// Unbounded `String`.
    Text,
    Int,
    LongInt,
    Check,
    Float,
    Currency,
    Date,
    Datetime,
    Time,
    Json,
    /// Layout and child-table fields: no column.
    NoColumn,
}

fn kind(fieldtype: &str) -> Option<Kind> {
    Some(match fieldtype {
        "Data" | "Link" | "Dynamic Link" | "Select" | "Read Only" | "Color" | "Phone"
        | "Autocomplete" | "Icon" => Kind::Varchar,
        "Small Text" | "Text" | "Long Text" | "Text Editor" | "Code" | "HTML Editor"
        | "Markdown Editor" | "Attach" | "Attach Image" | "Password" | "Signature" | "Barcode"
        | "Geolocation" => Kind::Text,
        "Int" => Kind::Int,
        "Long Int" => Kind::LongInt,
        "Check" => Kind::Check,
        "Float" | "Percent" | "Rating" | "Duration" => Kind::Float,
        "Currency" => Kind::Currency,
        "Date" => Kind::Date,
        "Datetime" => Kind::Datetime,
        "Time" => Kind::Time,
        "JSON" => Kind::Json,
        "Section Break" | "Column Break" | "Tab Break" | "HTML" | "Button" | "Heading"
        | "Image" | "Fold" | "Table" | "Table MultiSelect" => Kind::NoColumn,
        _ => return None,
    })
}

impl Kind {
    fn rust_type(self) -> &'static str {
        match self {
            Kind::Varchar | Kind::Text => "::std::string::String",
            Kind::Int => "i32",
            Kind::LongInt => "i64",
            Kind::Check => "bool",
            Kind::Float => "f64",
            Kind::Currency => "::rust_decimal::Decimal",
            Kind::Date => "::chrono::NaiveDate",
            Kind::Datetime => "::chrono::NaiveDateTime",
            Kind::Time => "::chrono::NaiveTime",
            Kind::Json => "::serde_json::Value",
            Kind::NoColumn => "()",
        }
    }
}

/// Frappe defaults that are computed by the application, not the database.
fn is_dynamic_default(text: &str) -> bool {
    matches!(text, "Today" | "__user" | "__today") || text.starts_with(':')
}

/// The `default = ...` literal for a field, `Ok(None)` for none.
fn default_literal(kind: Kind, value: &Value) -> Result<Option<String>, String> {
    let text = match value {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => return Err(format!("unsupported `default` {other}")),
    };
    if text.is_empty() || is_dynamic_default(&text) {
        return Ok(None);
    }
    let bad = || format!("`default` {text:?} is not valid for this fieldtype");
    Ok(Some(match kind {
        Kind::Check => match text.as_str() {
            "1" | "true" => "true".into(),
            "0" | "false" => "false".into(),
            _ => return Err(bad()),
        },
        Kind::Int => text.parse::<i32>().map_err(|_| bad())?.to_string(),
        Kind::LongInt => text.parse::<i64>().map_err(|_| bad())?.to_string(),
        Kind::Float | Kind::Currency => {
            let f: f64 = text.parse().map_err(|_| bad())?;
            if !f.is_finite() {
                return Err(bad());
            }
            format!("{f:?}")
        }
        Kind::Datetime if text.eq_ignore_ascii_case("now") => "current_timestamp".into(),
        Kind::Date | Kind::Time if text.eq_ignore_ascii_case("now") => return Ok(None),
        Kind::Varchar | Kind::Text | Kind::Date | Kind::Datetime | Kind::Time | Kind::Json => {
            format!("{text:?}")
        }
        Kind::NoColumn => return Ok(None),
    }))
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where",
    "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];

/// Keywords that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// The Rust field name for a column, and whether `column = "..."` is needed.
fn rust_field(name: &str) -> (String, bool) {
    if NOT_RAW.contains(&name) {
        (format!("{name}_"), true)
    } else if KEYWORDS.contains(&name) {
        (format!("r#{name}"), false)
    } else {
        (name.to_string(), false)
    }
}

/// The struct name of a DocType: `Sales Invoice` → `SalesInvoice`.
pub fn struct_name(doctype: &str) -> String {
    pascal_case(doctype)
}

/// Renders one DocType read from `file`; problems are `(line, message)`.
pub fn render(doctype: &DocTypeJson, file: &str) -> Result<String, Vec<(Option<usize>, String)>> {
    let mut problems = Vec::new();
    let ident = struct_name(&doctype.name);
    if !ident.starts_with(|c: char| c.is_ascii_alphabetic()) {
        problems.push((
            None,
            format!(
                "the DocType name {:?} does not make a Rust struct name: start it with a letter",
                doctype.name
            ),
        ));
    }
    let table = snake_case(&ident);
    let mut body = String::new();
    let _ = writeln!(
        body,
        "    #[field(primary_key, max_length = {DEFAULT_LENGTH})]"
    );
    let _ = writeln!(body, "    pub name: ::std::string::String,");
    let mut seen: Vec<&str> = vec!["name"];
    for field in &doctype.fields {
        let line = field.line;
        match render_field(field, &mut seen) {
            Ok(Some(text)) => body.push_str(&text),
            Ok(None) => {}
            Err(message) => problems.push((line, format!("{}: {message}", field.describe()))),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let schema = match &doctype.schema {
        Some(schema) => format!(", schema = \"{schema}\""),
        None => String::new(),
    };
    Ok(format!(
        "/// The Frappe DocType `{name}`, generated from `{source_file}`.\n\
         #[::m_runtime::doctype(table = \"{table}\"{schema})]\n\
         #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq)]\n\
         pub struct {ident} {{\n{body}}}\n",
        name = doctype.name,
        source_file = file,
    ))
}

fn render_field<'a>(
    field: &'a FieldJson,
    seen: &mut Vec<&'a str>,
) -> Result<Option<String>, String> {
    let kind = kind(&field.fieldtype).ok_or_else(|| {
        format!(
            "unknown fieldtype {:?}: m maps Data, Link, Select, Text, Small Text, Long Text, Int, Long Int, Check, Float, Currency, Percent, Date, Datetime, Time, JSON and the others listed in m_build's docs",
            field.fieldtype
        )
    })?;
    if kind == Kind::NoColumn {
        return Ok(None);
    }
    let Some(name) = field.fieldname.as_deref() else {
        return Err(format!("a {} field needs a `fieldname`", field.fieldtype));
    };
    if let Some(problem) = identifier_problem(name) {
        return Err(format!("invalid fieldname: {problem}"));
    }
    if name == "name" {
        return Err(
            "`name` is the implicit primary key of every Frappe DocType: rename the field".into(),
        );
    }
    if seen.contains(&name) {
        return Err("the fieldname is used twice".into());
    }
    seen.push(name);
    let mut options: Vec<String> = Vec::new();
    let (rust_name, needs_column) = rust_field(name);
    if needs_column {
        options.push(format!("column = {name:?}"));
    }
    match kind {
        Kind::Varchar => options.push(format!(
            "max_length = {}",
            field.length.unwrap_or(DEFAULT_LENGTH)
        )),
        Kind::Currency => options.push(format!(
            "precision = {}, scale = {}",
            CURRENCY.0, CURRENCY.1
        )),
        _ if field.length.is_some() => {
            return Err(format!(
                "`length` does not apply to a {} field",
                field.fieldtype
            ));
        }
        _ => {}
    }
    if field.unique {
        options.push("unique".into());
    } else if field.search_index {
        options.push("index".into());
    }
    let default = match &field.default {
        Some(value) => default_literal(kind, value)?,
        None if kind == Kind::Check => Some("false".into()),
        None => None,
    };
    if let Some(default) = &default {
        options.push(format!("default = {default}"));
    }
    if field.fieldtype == "Link" {
        let Some(target) = &field.options else {
            return Err("a Link field needs `options`: the name of the DocType it links to".into());
        };
        options.push(format!("references = {}", struct_name(target)));
    }
    let nullable = !(field.reqd || kind == Kind::Check);
    let ty = if nullable {
        format!("::core::option::Option<{}>", kind.rust_type())
    } else {
        kind.rust_type().to_string()
    };
    let mut out = String::new();
    if !options.is_empty() {
        let _ = writeln!(out, "    #[field({})]", options.join(", "));
    }
    let _ = writeln!(out, "    pub {rust_name}: {ty},");
    Ok(Some(out))
}
