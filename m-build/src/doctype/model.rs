//! The `#[doctype]` model: the struct and its options, parsed, keeping the
//! syn nodes for spans. Only shape errors are reported here (a bad value, an
//! unknown or duplicate key, not a named-field struct); rules that relate
//! options and fields live in `check`.

use syn::{
    Data, DeriveInput, Expr, ExprLit, ExprUnary, Fields, Ident, Lit, LitInt, LitStr, Meta, Path,
    Type, UnOp,
};

use super::types::{self, FieldType};
use crate::attr::{self, KeySet};
use crate::ctxt::Ctxt;
use crate::symbol::*;

/// A `#[doctype]` struct.
pub struct Container<'a> {
    pub input: &'a DeriveInput,
    pub ident: &'a Ident,
    pub attrs: ContainerAttrs,
    pub fields: Vec<Field<'a>>,
}

/// The options of `#[doctype(...)]`.
#[derive(Default)]
pub struct ContainerAttrs {
    pub table: Option<LitStr>,
    /// `schema = "billing"`: the PostgreSQL schema the table lives in.
    pub schema: Option<LitStr>,
    pub app: Option<LitStr>,
    pub indexes: Vec<IndexAttr>,
    pub primary_key: Option<CompositeKey>,
    /// `renamed_from = "old_table"`: former table names.
    pub renamed_from: Vec<LitStr>,
    pub retired: Option<RetiredAttr>,
    /// `check(name = "...", expr = "...")`, repeatable.
    pub checks: Vec<CheckAttr>,
}

/// `check(name = "...", expr = "...")`: a CHECK constraint.
pub struct CheckAttr {
    /// The whole `check(...)` item, for spans.
    pub item: Meta,
    pub name: Option<LitStr>,
    pub expr: Option<LitStr>,
}

/// `retired(columns = [...])`: columns the table may still hold that no
/// field declares any more.
pub struct RetiredAttr {
    pub columns: Vec<LitStr>,
}

/// `index(fields = [...], unique, name = "...")`.
pub struct IndexAttr {
    /// The whole `index(...)` item, for spans.
    pub item: Meta,
    pub fields: Option<Vec<LitStr>>,
    pub unique: bool,
    pub name: Option<LitStr>,
}

/// `primary_key(fields = [...])` on the struct.
pub struct CompositeKey {
    pub item: Meta,
    pub fields: Option<Vec<LitStr>>,
}

/// One named field.
pub struct Field<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub resolved: FieldType,
    pub attrs: FieldAttrs,
}

/// The options of `#[field(...)]`.
#[derive(Default)]
pub struct FieldAttrs {
    /// Every option given, in order, for rules like "`skip` takes no other
    /// option".
    pub given: Vec<(&'static str, Path)>,
    pub primary_key: Option<Path>,
    pub max_length: Option<(LitInt, u32)>,
    pub unique: Option<Path>,
    pub index: Option<Path>,
    pub default: Option<DefaultAttr>,
    pub column: Option<LitStr>,
    pub renamed_from: Vec<LitStr>,
    pub sql_type: Option<LitStr>,
    pub skip: Option<Path>,
    pub references: Option<Path>,
    pub on_delete: Option<(Ident, OnDelete)>,
    pub precision: Option<(LitInt, u8)>,
    pub scale: Option<(LitInt, u8)>,
}

/// `default = <literal>`.
pub struct DefaultAttr {
    pub expr: Expr,
    pub value: DefaultLit,
}

/// The literal of a `default`.
#[derive(Clone, Debug, PartialEq)]
pub enum DefaultLit {
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    CurrentTimestamp,
}

impl DefaultLit {
    /// What kind of literal it is, for messages.
    pub fn describe(&self) -> &'static str {
        match self {
            DefaultLit::Bool(_) => "a bool",
            DefaultLit::Int(_) => "an integer",
            DefaultLit::Float(_) => "a float",
            DefaultLit::Str(_) => "a string",
            DefaultLit::CurrentTimestamp => "`current_timestamp`",
        }
    }
}

/// `on_delete = ...`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnDelete {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

const ACTIONS: &[(&str, OnDelete)] = &[
    ("no_action", OnDelete::NoAction),
    ("restrict", OnDelete::Restrict),
    ("cascade", OnDelete::Cascade),
    ("set_null", OnDelete::SetNull),
    ("set_default", OnDelete::SetDefault),
];

impl<'a> Container<'a> {
    /// Reads the struct and its options. `None` when the item is not a
    /// struct with named fields (the error is recorded).
    pub fn from_ast(
        cx: &Ctxt,
        args: proc_macro2::TokenStream,
        input: &'a DeriveInput,
    ) -> Option<Self> {
        let attrs = ContainerAttrs::from_args(cx, args);
        let named = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => named,
                Fields::Unnamed(fields) => {
                    cx.error_spanned_by(
                        fields,
                        "#[doctype] needs named fields: a tuple struct has no column names",
                    );
                    return None;
                }
                Fields::Unit => {
                    cx.error_spanned_by(
                        &input.ident,
                        "#[doctype] needs a struct with named fields: a unit struct has no columns",
                    );
                    return None;
                }
            },
            Data::Enum(data) => {
                cx.error_spanned_by(
                    data.enum_token,
                    "#[doctype] goes on a struct with named fields, not on an enum",
                );
                return None;
            }
            Data::Union(data) => {
                cx.error_spanned_by(
                    data.union_token,
                    "#[doctype] goes on a struct with named fields, not on a union",
                );
                return None;
            }
        };
        let fields = named
            .named
            .iter()
            .filter_map(|field| {
                let ident = field.ident.as_ref()?;
                Some(Field {
                    ident,
                    ty: &field.ty,
                    resolved: types::resolve(&field.ty),
                    attrs: FieldAttrs::from_attrs(cx, &field.attrs),
                })
            })
            .collect();
        Some(Container {
            input,
            ident: &input.ident,
            attrs,
            fields,
        })
    }
}

impl ContainerAttrs {
    fn from_args(cx: &Ctxt, args: proc_macro2::TokenStream) -> Self {
        let mut out = ContainerAttrs::default();
        let mut keys = KeySet::new(cx, &DOCTYPE_KEYS).repeatable(&[INDEX, RENAMED_FROM, CHECK]);
        for item in attr::parse_items(cx, args) {
            match keys.key(&item) {
                Some(TABLE) => {
                    out.table =
                        attr::value(cx, TABLE, &item).and_then(|v| attr::lit_str(cx, TABLE, v));
                }
                Some(SCHEMA) => {
                    out.schema =
                        attr::value(cx, SCHEMA, &item).and_then(|v| attr::lit_str(cx, SCHEMA, v));
                }
                Some(APP) => {
                    out.app = attr::value(cx, APP, &item).and_then(|v| attr::lit_str(cx, APP, v));
                }
                Some(RENAMED_FROM) => {
                    if let Some(old) = attr::value(cx, RENAMED_FROM, &item)
                        .and_then(|v| attr::lit_str(cx, RENAMED_FROM, v))
                    {
                        out.renamed_from.push(old);
                    }
                }
                Some(INDEX) => {
                    if let Some(index) = IndexAttr::from_item(cx, item) {
                        out.indexes.push(index);
                    }
                }
                Some(PRIMARY_KEY) => {
                    out.primary_key = attr::list(cx, PRIMARY_KEY, &item).map(|items| {
                        let mut keys = KeySet::new(cx, &PRIMARY_KEY_KEYS);
                        let mut fields = None;
                        for inner in items {
                            if let Some(FIELDS) = keys.key(&inner) {
                                fields = attr::value(cx, FIELDS, &inner)
                                    .and_then(|v| attr::str_array(cx, FIELDS, v));
                            }
                        }
                        CompositeKey { item, fields }
                    });
                }
                Some(CHECK) => {
                    if let Some(items) = attr::list(cx, CHECK, &item) {
                        let mut keys = KeySet::new(cx, &CHECK_KEYS);
                        let mut check = CheckAttr {
                            item: item.clone(),
                            name: None,
                            expr: None,
                        };
                        for inner in items {
                            match keys.key(&inner) {
                                Some(NAME) => {
                                    check.name = attr::value(cx, NAME, &inner)
                                        .and_then(|v| attr::lit_str(cx, NAME, v));
                                }
                                Some(EXPR) => {
                                    check.expr = attr::value(cx, EXPR, &inner)
                                        .and_then(|v| attr::lit_str(cx, EXPR, v));
                                }
                                _ => {}
                            }
                        }
                        out.checks.push(check);
                    }
                }
                Some(RETIRED) => {
                    out.retired = attr::list(cx, RETIRED, &item).map(|items| {
                        let mut keys = KeySet::new(cx, &RETIRED_KEYS);
                        let mut columns = Vec::new();
                        for inner in items {
                            if let Some(COLUMNS) = keys.key(&inner) {
                                columns = attr::value(cx, COLUMNS, &inner)
                                    .and_then(|v| attr::str_array(cx, COLUMNS, v))
                                    .unwrap_or_default();
                            }
                        }
                        RetiredAttr { columns }
                    });
                }
                _ => {}
            }
        }
        out
    }
}

impl IndexAttr {
    fn from_item(cx: &Ctxt, item: Meta) -> Option<Self> {
        let items = attr::list(cx, INDEX, &item)?;
        let mut keys = KeySet::new(cx, &INDEX_KEYS);
        let mut index = IndexAttr {
            item: item.clone(),
            fields: None,
            unique: false,
            name: None,
        };
        for inner in items {
            match keys.key(&inner) {
                Some(FIELDS) => {
                    index.fields = attr::value(cx, FIELDS, &inner)
                        .and_then(|v| attr::str_array(cx, FIELDS, v));
                }
                Some(UNIQUE) => index.unique = attr::flag(cx, UNIQUE, &inner).is_some(),
                Some(NAME) => {
                    index.name =
                        attr::value(cx, NAME, &inner).and_then(|v| attr::lit_str(cx, NAME, v));
                }
                _ => {}
            }
        }
        Some(index)
    }
}

impl FieldAttrs {
    fn from_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut out = FieldAttrs::default();
        let mut keys = KeySet::new(cx, &FIELD_KEYS).repeatable(&[RENAMED_FROM]);
        for attribute in attrs.iter().filter(|a| a.path().is_ident("field")) {
            for item in attr::parse_attribute(cx, attribute) {
                let Some(key) = keys.key(&item) else { continue };
                out.given.push((key, item.path().clone()));
                out.read(cx, key, &item);
            }
        }
        out
    }

    fn read(&mut self, cx: &Ctxt, key: &'static str, item: &Meta) {
        let flag = || attr::flag(cx, key, item).cloned();
        let value = || attr::value(cx, key, item);
        match key {
            PRIMARY_KEY => self.primary_key = flag(),
            UNIQUE => self.unique = flag(),
            INDEX => self.index = flag(),
            SKIP => self.skip = flag(),
            MAX_LENGTH => self.max_length = value().and_then(|v| attr::lit_int(cx, key, v)),
            PRECISION => self.precision = value().and_then(|v| attr::lit_int(cx, key, v)),
            SCALE => self.scale = value().and_then(|v| attr::lit_int(cx, key, v)),
            COLUMN => self.column = value().and_then(|v| attr::lit_str(cx, key, v)),
            SQL_TYPE => self.sql_type = value().and_then(|v| attr::lit_str(cx, key, v)),
            RENAMED_FROM => {
                if let Some(old) = value().and_then(|v| attr::lit_str(cx, key, v)) {
                    self.renamed_from.push(old);
                }
            }
            REFERENCES => self.references = value().and_then(|v| attr::path(cx, key, v)),
            ON_DELETE => self.on_delete = value().and_then(|v| on_delete(cx, v)),
            DEFAULT => {
                self.default = value().and_then(|v| {
                    default_value(cx, v).map(|value| DefaultAttr {
                        expr: v.clone(),
                        value,
                    })
                });
            }
            _ => {}
        }
    }

    /// The option given first, other than `except`.
    pub fn first_other_than(&self, except: &str) -> Option<&(&'static str, Path)> {
        self.given.iter().find(|(key, _)| *key != except)
    }
}

fn on_delete(cx: &Ctxt, expr: &Expr) -> Option<(Ident, OnDelete)> {
    let ident = attr::ident(cx, ON_DELETE, expr)?;
    match ACTIONS.iter().find(|(name, _)| ident == name) {
        Some((_, action)) => Some((ident, *action)),
        None => {
            let names: Vec<String> = ACTIONS.iter().map(|(n, _)| format!("`{n}`")).collect();
            cx.error_spanned_by(
                &ident,
                format!(
                    "unknown `on_delete` action `{ident}`: expected one of {}",
                    names.join(", ")
                ),
            );
            None
        }
    }
}

fn default_value(cx: &Ctxt, expr: &Expr) -> Option<DefaultLit> {
    let parsed = match attr::strip_group(expr) {
        Expr::Lit(ExprLit { lit, .. }) => literal(lit, false),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr: inner,
            ..
        }) => match attr::strip_group(inner) {
            Expr::Lit(ExprLit { lit, .. }) => literal(lit, true),
            _ => None,
        },
        Expr::Path(p) if p.path.is_ident("current_timestamp") => Some(DefaultLit::CurrentTimestamp),
        _ => None,
    };
    if parsed.is_none() {
        cx.error_spanned_by(
            expr,
            "`default` expects a literal: an integer, float, string or bool, or `current_timestamp`",
        );
    }
    parsed
}

fn literal(lit: &Lit, negative: bool) -> Option<DefaultLit> {
    let sign = if negative { "-" } else { "" };
    match lit {
        Lit::Int(int) => format!("{sign}{}", int.base10_digits())
            .parse()
            .ok()
            .map(DefaultLit::Int),
        Lit::Float(float) => format!("{sign}{}", float.base10_digits())
            .parse()
            .ok()
            .map(DefaultLit::Float),
        Lit::Str(s) if !negative => Some(DefaultLit::Str(s.value())),
        Lit::Bool(b) if !negative => Some(DefaultLit::Bool(b.value)),
        _ => None,
    }
}

/// The decimal precision and scale used when a decimal field gives none.
pub const DEFAULT_DECIMAL: (u8, u8) = (18, 6);

impl Field<'_> {
    /// The column name: `column = "..."` or the field name (`r#type` →
    /// `type`).
    pub fn column(&self) -> String {
        match &self.attrs.column {
            Some(column) => column.value(),
            None => self.name(),
        }
    }

    /// The Rust field name without `r#`.
    pub fn name(&self) -> String {
        use syn::ext::IdentExt;
        self.ident.unraw().to_string()
    }

    pub fn is_skipped(&self) -> bool {
        self.attrs.skip.is_some()
    }

    /// Declared as a primary key on the field.
    pub fn is_primary_key(&self) -> bool {
        self.attrs.primary_key.is_some()
    }

    /// `(precision, scale)` of a decimal column.
    pub fn decimal(&self) -> (u8, u8) {
        match (&self.attrs.precision, &self.attrs.scale) {
            (Some((_, p)), Some((_, s))) => (*p, *s),
            (Some((_, p)), None) => (*p, 0),
            _ => DEFAULT_DECIMAL,
        }
    }
}

impl Container<'_> {
    /// The table name: `table = "..."` or the struct name in snake_case.
    pub fn table(&self) -> String {
        match &self.attrs.table {
            Some(table) => table.value(),
            None => crate::names::snake_case(&self.ident.to_string()),
        }
    }

    /// The table's key in the runtime's schema: `schema.table` when the
    /// DocType names a schema, else the table name.
    pub fn table_key(&self) -> String {
        match &self.attrs.schema {
            Some(schema) => format!("{}.{}", schema.value(), self.table()),
            None => self.table(),
        }
    }

    /// Columns, i.e. fields that are not skipped.
    pub fn columns(&self) -> impl Iterator<Item = &Field<'_>> {
        self.fields.iter().filter(|f| !f.is_skipped())
    }

    /// The field called `name` (Rust spelling without `r#`).
    pub fn field(&self, name: &str) -> Option<&Field<'_>> {
        self.fields.iter().find(|f| f.name() == name)
    }

    /// Primary key column names, in key order.
    pub fn primary_key(&self) -> Vec<String> {
        match &self.attrs.primary_key {
            Some(CompositeKey {
                fields: Some(fields),
                ..
            }) => fields
                .iter()
                .filter_map(|f| self.field(&f.value()).map(Field::column))
                .collect(),
            _ => self
                .columns()
                .filter(|f| f.is_primary_key())
                .map(Field::column)
                .collect(),
        }
    }
}
