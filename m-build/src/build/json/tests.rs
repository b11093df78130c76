//! Golden files for the Frappe codegen (input JSON → expected `.rs`), and
//! the messages for malformed files.

use super::generate_one;
use crate::golden::{assert_golden, path};

fn golden(name: &str) {
    let input = path(&format!("json/{name}.json"));
    let bytes = std::fs::read(&input).expect("golden input exists");
    let display = format!("doctypes/{name}.json");
    let source = generate_one(&display, &bytes)
        .unwrap_or_else(|problems| panic!("{problems:#?}"))
        .unwrap_or_default();
    assert_golden(&format!("json/{name}.rs"), &source);
    if !source.is_empty() {
        // The generated struct passes the same checks as a hand-written one.
        let item: syn::ItemStruct = syn::parse_str(&source).expect("generated source parses");
        let mut input = item.clone();
        let args = match input.attrs.iter().position(|a| {
            a.path()
                .segments
                .last()
                .is_some_and(|s| s.ident == "doctype")
        }) {
            Some(i) => match &input.attrs.remove(i).meta {
                syn::Meta::List(list) => list.tokens.clone(),
                _ => proc_macro2::TokenStream::new(),
            },
            None => panic!("no #[doctype] attribute"),
        };
        let expanded = crate::doctype::doctype_inner(args, quote::quote!(#input)).to_string();
        assert!(!expanded.contains("compile_error"), "{expanded}");
    }
}

#[test]
fn publisher() {
    golden("publisher");
}

#[test]
fn every_fieldtype() {
    golden("every_fieldtype");
}

/// m's own `"schema"` key becomes `#[doctype(schema = "...")]`.
#[test]
fn schema_key_names_the_postgres_schema() {
    golden("ledger_entry");
}

#[test]
fn an_invalid_schema_is_a_problem() {
    assert_eq!(
        problems("{\"name\": \"X\", \"schema\": \"bad-name\", \"fields\": []}"),
        [
            "doctypes/bad.json: invalid `schema` \"bad-name\": it is not a portable identifier: use ASCII letters, digits and `_`, not starting with a digit"
        ]
    );
    assert_eq!(
        problems("{\"name\": \"X\", \"schema\": 3, \"fields\": []}"),
        ["doctypes/bad.json: `schema` must be a string naming a PostgreSQL schema"]
    );
}

#[test]
fn single_doctypes_have_no_table() {
    golden("settings");
}

fn problems(json: &str) -> Vec<String> {
    generate_one("doctypes/bad.json", json.as_bytes()).expect_err("malformed input")
}

#[test]
fn syntax_errors_name_file_line_and_column() {
    let problems = problems(
        "{\n \"name\": \"X\",\n \"fields\": [\n  {\"fieldname\": \"a\" \"fieldtype\": \"Data\"}\n ]\n}\n",
    );
    assert_eq!(
        problems,
        ["doctypes/bad.json:4:21: invalid JSON: expected `,` or `}`"]
    );
}

#[test]
fn field_errors_name_file_line_and_field() {
    let problems = problems(
        r#"{
 "name": "Book",
 "fields": [
  {"fieldname": "title", "fieldtype": "Data", "length": "long"},
  {"fieldname": "kind", "fieldtype": "Mystery"},
  {"fieldname": "author", "fieldtype": "Link"},
  {"fieldname": "name", "fieldtype": "Data"},
  {"fieldname": "pages", "fieldtype": "Int", "default": "many"},
  {"fieldname": "bad-name", "fieldtype": "Data"},
  {"fieldtype": "Data"},
  {"fieldname": "done", "fieldtype": "Check", "reqd": "yes"}
 ]
}"#,
    );
    assert_eq!(
        problems,
        [
            "doctypes/bad.json:4: field `title`: `length` must be a positive integer, found \"long\"",
            "doctypes/bad.json:11: field `done`: `reqd` must be 0, 1, true or false, found \"yes\"",
        ],
        "shape errors come first; the rest is checked once the shapes are right"
    );
    let problems = self::problems(
        r#"{
 "name": "Book",
 "fields": [
  {"fieldname": "kind", "fieldtype": "Mystery"},
  {"fieldname": "author", "fieldtype": "Link"},
  {"fieldname": "name", "fieldtype": "Data"},
  {"fieldname": "pages", "fieldtype": "Int", "default": "many"},
  {"fieldname": "bad-name", "fieldtype": "Data"},
  {"fieldtype": "Data"},
  {"fieldname": "pages", "fieldtype": "Int"},
  {"fieldname": "when", "fieldtype": "Date", "length": 10}
 ]
}"#,
    );
    let expected = [
        "doctypes/bad.json:4: field `kind`: unknown fieldtype \"Mystery\"",
        "doctypes/bad.json:5: field `author`: a Link field needs `options`",
        "doctypes/bad.json:6: field `name`: `name` is the implicit primary key",
        "doctypes/bad.json:7: field `pages`: `default` \"many\" is not valid for this fieldtype",
        "doctypes/bad.json:8: field `bad-name`: invalid fieldname",
        "doctypes/bad.json: fields[5]: a Data field needs a `fieldname`",
        "doctypes/bad.json:10: field `pages`: the fieldname is used twice",
        "doctypes/bad.json:11: field `when`: `length` does not apply to a Date field",
    ];
    assert_eq!(problems.len(), expected.len(), "{problems:#?}");
    for (problem, expected) in problems.iter().zip(expected) {
        assert!(
            problem.starts_with(expected),
            "{problem:?} should start with {expected:?}"
        );
    }
}

#[test]
fn missing_name_is_reported() {
    assert_eq!(
        problems("{\"fields\": []}"),
        ["doctypes/bad.json: missing `name`: the DocType's name, like \"Sales Invoice\""]
    );
}
