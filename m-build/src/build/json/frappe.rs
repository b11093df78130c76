//! Reading a Frappe DocType JSON file into a small model. Only the keys m
//! uses are read; every other key is ignored, as Frappe files carry many.

use serde_json::Value;

/// A DocType as read from its file.
#[derive(Debug, Clone, PartialEq)]
pub struct DocTypeJson {
    pub name: String,
    pub issingle: bool,
    /// `"schema": "billing"`, m's own key (Frappe has no schemas): the
    /// PostgreSQL schema of the table, as `#[doctype(schema = "...")]`.
    pub schema: Option<String>,
    pub fields: Vec<FieldJson>,
}

/// One entry of `fields`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldJson {
    /// Position in `fields`, for messages.
    pub position: usize,
    /// The line of its `"fieldname"`, when it has one.
    pub line: Option<usize>,
    pub fieldname: Option<String>,
    pub fieldtype: String,
    pub length: Option<u32>,
    pub reqd: bool,
    pub unique: bool,
    pub search_index: bool,
    pub default: Option<Value>,
    pub options: Option<String>,
}

impl FieldJson {
    /// `fields[3] "title"`, for messages.
    pub fn describe(&self) -> String {
        match &self.fieldname {
            Some(name) => format!("field `{name}`"),
            None => format!("fields[{}]", self.position),
        }
    }
}

/// A problem in one file, with the line it is on where known.
pub struct Problem {
    pub line: Option<usize>,
    pub message: String,
}

/// Parses `text` (already valid JSON) into the model; every problem found
/// is returned.
pub fn read(text: &str, value: &Value) -> Result<DocTypeJson, Vec<Problem>> {
    let mut problems = Vec::new();
    let top = |message: String| Problem {
        line: None,
        message,
    };
    let Some(object) = value.as_object() else {
        return Err(vec![top(
            "expected a JSON object with `name` and `fields`".into()
        )]);
    };
    let name = match object.get("name") {
        Some(Value::String(name)) if !name.trim().is_empty() => name.clone(),
        Some(_) => {
            problems.push(top("`name` must be a non-empty string".into()));
            String::new()
        }
        None => {
            problems.push(top(
                "missing `name`: the DocType's name, like \"Sales Invoice\"".into(),
            ));
            String::new()
        }
    };
    let issingle = match object.get("issingle") {
        None => false,
        Some(v) => flag(v).unwrap_or_else(|| {
            problems.push(top("`issingle` must be 0, 1, true or false".into()));
            false
        }),
    };
    let schema = match object.get("schema") {
        None | Some(Value::Null) => None,
        Some(Value::String(schema)) => match crate::names::identifier_problem(schema) {
            None => Some(schema.clone()),
            Some(problem) => {
                problems.push(top(format!("invalid `schema` {schema:?}: {problem}")));
                None
            }
        },
        Some(_) => {
            problems.push(top(
                "`schema` must be a string naming a PostgreSQL schema".into()
            ));
            None
        }
    };
    let mut fields = Vec::new();
    match object.get("fields") {
        None => {}
        Some(Value::Array(items)) => {
            for (position, item) in items.iter().enumerate() {
                let name = item.get("fieldname").and_then(Value::as_str);
                let earlier = items[..position]
                    .iter()
                    .filter(|i| {
                        name.is_some() && i.get("fieldname").and_then(Value::as_str) == name
                    })
                    .count();
                let line = name.and_then(|n| line_of_field(text, n, earlier));
                if let Some(field) = read_field(line, position, item, &mut problems) {
                    fields.push(field);
                }
            }
        }
        Some(_) => problems.push(top("`fields` must be an array".into())),
    }
    if problems.is_empty() {
        Ok(DocTypeJson {
            name,
            issingle,
            schema,
            fields,
        })
    } else {
        Err(problems)
    }
}

/// Frappe writes flags as 0/1; booleans are accepted too.
fn flag(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_i64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        Value::Null => Some(false),
        _ => None,
    }
}

fn read_field(
    line: Option<usize>,
    position: usize,
    item: &Value,
    problems: &mut Vec<Problem>,
) -> Option<FieldJson> {
    let Some(object) = item.as_object() else {
        problems.push(Problem {
            line: None,
            message: format!("fields[{position}]: expected an object"),
        });
        return None;
    };
    let fieldname = match object.get("fieldname") {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    let what = match &fieldname {
        Some(name) => format!("field `{name}`"),
        None => format!("fields[{position}]"),
    };
    let mut bad = |message: String| {
        problems.push(Problem {
            line,
            message: format!("{what}: {message}"),
        })
    };
    let fieldtype = match object.get("fieldtype") {
        Some(Value::String(s)) => s.clone(),
        _ => {
            bad("missing `fieldtype` (a string such as \"Data\")".into());
            return None;
        }
    };
    let length = match object.get("length") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => match n.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(0) => None, // Frappe writes 0 for "the default length".
            Some(n) => Some(n),
            None => {
                bad(format!("`length` must be a positive integer, found {n}"));
                None
            }
        },
        Some(other) => {
            bad(format!(
                "`length` must be a positive integer, found {other}"
            ));
            None
        }
    };
    let mut read_flag = |key: &str| match object.get(key) {
        None => false,
        Some(v) => flag(v).unwrap_or_else(|| {
            bad(format!("`{key}` must be 0, 1, true or false, found {v}"));
            false
        }),
    };
    let reqd = read_flag("reqd");
    let unique = read_flag("unique");
    let search_index = read_flag("search_index");
    let options = match object.get("options") {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    };
    let default = object.get("default").filter(|v| !v.is_null()).cloned();
    Some(FieldJson {
        position,
        line,
        fieldname,
        fieldtype,
        length,
        reqd,
        unique,
        search_index,
        default,
        options,
    })
}

/// The 1-based line of the `nth` (from 0) `"fieldname": "<name>"` in
/// `text`.
pub fn line_of_field(text: &str, name: &str, nth: usize) -> Option<usize> {
    let mut seen = 0;
    let key = "\"fieldname\"";
    let wanted = format!("\"{name}\"");
    let mut from = 0;
    while let Some(found) = text[from..].find(key) {
        let start = from + found;
        let rest = text[start + key.len()..].trim_start();
        if let Some(rest) = rest.strip_prefix(':')
            && rest.trim_start().starts_with(&wanted)
        {
            if seen == nth {
                return Some(text[..start].matches('\n').count() + 1);
            }
            seen += 1;
        }
        from = start + key.len();
    }
    None
}
