//! Every rule that relates a `#[doctype]`'s options, fields and types. The
//! model has already reported shape errors; expansion trusts what passes.

use std::collections::{BTreeMap, BTreeSet};

use quote::ToTokens;
use syn::LitStr;

use super::model::{CompositeKey, Container, DefaultAttr, DefaultLit, Field, IndexAttr, OnDelete};
use super::types::{self, TypeKind};
use crate::ctxt::Ctxt;
use crate::names::identifier_problem;
use crate::symbol::*;

/// The hint every unsupported-type error ends with.
pub const TYPE_HINT: &str = "use a supported type or `#[field(sql_type = \"...\")]`";

/// Checks the whole DocType, recording every problem.
pub fn check(cx: &Ctxt, cont: &Container<'_>) {
    check_shape(cx, cont);
    check_names(cx, cont);
    for field in &cont.fields {
        check_field(cx, field);
    }
    check_columns_unique(cx, cont);
    check_primary_key(cx, cont);
    for index in &cont.attrs.indexes {
        check_index(cx, cont, index);
    }
    check_index_names_unique(cx, cont);
    check_retired(cx, cont);
    check_table_renames(cx, cont);
    check_checks(cx, cont);
}

/// `check(name = "...", expr = "...")`: both given, the name a valid
/// identifier used once, the expression not empty and without a `;`
/// outside string literals (it is pasted into `CHECK (...)`).
fn check_checks(cx: &Ctxt, cont: &Container<'_>) {
    let mut seen = BTreeSet::new();
    for check in &cont.attrs.checks {
        match &check.name {
            None => cx.error_spanned_by(
                &check.item,
                "`check(...)` needs `name = \"...\"`: the constraint's name, by which m compares it with the database",
            ),
            Some(name) => {
                check_identifier(cx, "check", name);
                if !seen.insert(name.value()) {
                    cx.error_spanned_by(
                        name,
                        format!("check `{}` is declared twice", name.value()),
                    );
                }
            }
        }
        match &check.expr {
            None => cx.error_spanned_by(
                &check.item,
                "`check(...)` needs `expr = \"...\"`: the SQL condition every row must satisfy",
            ),
            Some(expr) if expr.value().trim().is_empty() => cx.error_spanned_by(
                expr,
                "`expr` is empty: give the SQL condition every row must satisfy",
            ),
            Some(expr) if outside_literals(&expr.value()).contains(';') => cx.error_spanned_by(
                expr,
                "`expr` contains `;`: a check is one SQL condition, not statements",
            ),
            Some(_) => {}
        }
    }
}

/// The text of `sql` with its string literals removed.
fn outside_literals(sql: &str) -> String {
    sql.split('\'').step_by(2).collect()
}

/// `#[doctype(renamed_from = "...")]`: valid table names (`table`, a table
/// of the default schema, or `schema.table`), none twice, none the table's
/// own name.
fn check_table_renames(cx: &Ctxt, cont: &Container<'_>) {
    let renamed_from = &cont.attrs.renamed_from;
    for (i, old) in renamed_from.iter().enumerate() {
        check_table_name(cx, "renamed_from", old);
        if old.value() == cont.table_key() {
            cx.error_spanned_by(
                old,
                format!(
                    "`renamed_from` names the table's current name {:?}: give the name it had before",
                    old.value()
                ),
            );
        } else if renamed_from[..i].iter().any(|o| o.value() == old.value()) {
            cx.error_spanned_by(
                old,
                format!("`renamed_from = {:?}` is given twice", old.value()),
            );
        }
    }
}

fn check_shape(cx: &Ctxt, cont: &Container<'_>) {
    let generics = &cont.input.generics;
    if !generics.params.is_empty() {
        cx.error_spanned_by(
            &generics.params,
            "a DocType cannot be generic: its table has one fixed set of columns",
        );
    } else if let Some(where_clause) = &generics.where_clause {
        cx.error_spanned_by(where_clause, "a DocType cannot have a where clause");
    }
}

fn check_identifier(cx: &Ctxt, what: &str, lit: &LitStr) {
    if let Some(problem) = identifier_problem(&lit.value()) {
        cx.error_spanned_by(
            lit,
            format!("invalid {what} name {:?}: {problem}", lit.value()),
        );
    }
}

/// A table name as m reads it: `table` or `schema.table`, each part an
/// identifier.
fn check_table_name(cx: &Ctxt, what: &str, lit: &LitStr) {
    let value = lit.value();
    let problem = match value.split_once('.') {
        Some((schema, table)) => identifier_problem(schema)
            .map(|p| format!("its schema {schema:?}: {p}"))
            .or_else(|| identifier_problem(table).map(|p| format!("its table {table:?}: {p}"))),
        None => identifier_problem(&value),
    };
    if let Some(problem) = problem {
        cx.error_spanned_by(
            lit,
            format!("invalid {what} name {value:?}: {problem}; write `table` or `schema.table`"),
        );
    }
}

/// `schema = "..."`: an identifier PostgreSQL lets a user create.
fn check_schema(cx: &Ctxt, schema: &LitStr) {
    let value = schema.value();
    if let Some(problem) = identifier_problem(&value) {
        cx.error_spanned_by(
            schema,
            format!("invalid schema name {value:?}: {problem}; leave `schema` out for a table of the default schema"),
        );
    } else if value.to_ascii_lowercase().starts_with("pg_")
        || value.eq_ignore_ascii_case("information_schema")
    {
        cx.error_spanned_by(
            schema,
            format!("schema {value:?} is PostgreSQL's own (`pg_*`, `information_schema`): name a schema of your own"),
        );
    }
}

fn check_names(cx: &Ctxt, cont: &Container<'_>) {
    if let Some(schema) = &cont.attrs.schema {
        check_schema(cx, schema);
    }
    match &cont.attrs.table {
        Some(table) => check_identifier(cx, "table", table),
        None => {
            let table = cont.table();
            if let Some(problem) = identifier_problem(&table) {
                cx.error_spanned_by(
                    cont.ident,
                    format!("the table name {table:?} derived from the struct name is invalid: {problem}; set one with `#[doctype(table = \"...\")]`"),
                );
            }
        }
    }
    if let Some(app) = &cont.attrs.app {
        check_identifier(cx, "app", app);
    }
}

fn check_field(cx: &Ctxt, field: &Field<'_>) {
    let attrs = &field.attrs;
    if attrs.skip.is_some() {
        if let Some((key, path)) = attrs.first_other_than(SKIP) {
            cx.error_spanned_by(
                path,
                format!(
                    "`{key}` has no effect on a `skip`ped field: a skipped field has no column"
                ),
            );
        }
        return;
    }
    match &attrs.column {
        Some(column) => check_identifier(cx, "column", column),
        None => {
            if let Some(problem) = identifier_problem(&field.name()) {
                cx.error_spanned_by(
                    field.ident,
                    format!("the field name is not a valid column name: {problem}; set one with `#[field(column = \"...\")]`"),
                );
            }
        }
    }
    for old in &attrs.renamed_from {
        check_identifier(cx, "renamed_from", old);
        if old.value() == field.column() {
            cx.error_spanned_by(old, "`renamed_from` names the column's current name");
        }
    }
    for (i, old) in attrs.renamed_from.iter().enumerate() {
        if attrs.renamed_from[..i]
            .iter()
            .any(|o| o.value() == old.value())
        {
            cx.error_spanned_by(
                old,
                format!("`renamed_from = {:?}` is given twice", old.value()),
            );
        }
    }
    let kind = check_type(cx, field);
    check_lengths(cx, field, kind);
    if kind.is_some() || attrs.sql_type.is_some() {
        check_default(cx, field, kind);
    }
    check_keys(cx, field);
    check_reference(cx, field);
}

/// The field's column type, or `None` (with an error unless `sql_type`).
fn check_type(cx: &Ctxt, field: &Field<'_>) -> Option<TypeKind> {
    if field.attrs.sql_type.is_some() {
        if let Some(sql) = &field.attrs.sql_type
            && sql.value().trim().is_empty()
        {
            cx.error_spanned_by(sql, "`sql_type` is empty: give the column's SQL type");
        }
        return None;
    }
    if field.resolved.kind.is_none() {
        let why = types::unsupported_reason(field.ty)
            .map(|why| format!(" {why};"))
            .unwrap_or_default();
        cx.error_spanned_by(
            field.ty,
            format!("unsupported column type:{why} {TYPE_HINT}"),
        );
    }
    field.resolved.kind
}

fn check_lengths(cx: &Ctxt, field: &Field<'_>, kind: Option<TypeKind>) {
    let attrs = &field.attrs;
    let custom = attrs.sql_type.is_some();
    if let Some((lit, n)) = &attrs.max_length {
        if custom {
            cx.error_spanned_by(
                lit,
                "`max_length` has no effect with `sql_type`: write the length in the SQL type",
            );
        } else if kind.is_some() && kind != Some(TypeKind::String) {
            cx.error_spanned_by(lit, "`max_length` applies to `String` fields only");
        } else if *n == 0 {
            cx.error_spanned_by(lit, "`max_length` must be at least 1");
        }
    }
    for (key, value) in [(PRECISION, &attrs.precision), (SCALE, &attrs.scale)] {
        if let Some((lit, _)) = value {
            if custom {
                cx.error_spanned_by(
                    lit,
                    format!("`{key}` has no effect with `sql_type`: write it in the SQL type"),
                );
            } else if kind.is_some() && kind != Some(TypeKind::Decimal) {
                cx.error_spanned_by(lit, format!("`{key}` applies to decimal fields only (`rust_decimal::Decimal`, `bigdecimal::BigDecimal`)"));
            }
        }
    }
    if kind == Some(TypeKind::Decimal) {
        match (&attrs.precision, &attrs.scale) {
            (None, Some((lit, _))) => {
                cx.error_spanned_by(
                    lit,
                    "`scale` needs `precision`: write `precision = 18, scale = 6`",
                );
            }
            (Some((lit, p)), scale) => {
                if !(1..=65).contains(p) {
                    cx.error_spanned_by(
                        lit,
                        "`precision` must be between 1 and 65 (MySQL's limit)",
                    );
                }
                if let Some((slit, s)) = scale {
                    if s > p {
                        cx.error_spanned_by(slit, "`scale` cannot exceed `precision`");
                    } else if *s > 30 {
                        cx.error_spanned_by(slit, "`scale` must be at most 30 (MySQL's limit)");
                    }
                }
            }
            (None, None) => {}
        }
    }
}

/// `kind` is `None` for a `sql_type` column, which takes any literal.
fn check_default(cx: &Ctxt, field: &Field<'_>, kind: Option<TypeKind>) {
    let Some(default) = &field.attrs.default else {
        return;
    };
    let Some(kind) = kind else {
        match default.value {
            DefaultLit::Int(n) if i64::try_from(n).is_err() => {
                cx.error_spanned_by(&default.expr, format!("default {n} does not fit in an i64"));
            }
            DefaultLit::Float(f) => check_finite(cx, default, f, None),
            _ => {}
        }
        return;
    };
    let ok = match &default.value {
        DefaultLit::Bool(_) => kind == TypeKind::Bool,
        DefaultLit::Int(n) => match kind.integer_range() {
            Some((min, max)) => {
                if *n < min || *n > max {
                    cx.error_spanned_by(
                        &default.expr,
                        format!("default {n} does not fit in the field's type"),
                    );
                }
                true
            }
            None if kind.is_float() || kind == TypeKind::Decimal => {
                if i64::try_from(*n).is_err() {
                    cx.error_spanned_by(
                        &default.expr,
                        format!("default {n} does not fit in an i64"),
                    );
                }
                true
            }
            None => false,
        },
        DefaultLit::Float(f) => {
            let takes_float = kind.is_float() || kind == TypeKind::Decimal;
            if takes_float {
                check_finite(cx, default, *f, Some(kind));
            }
            takes_float
        }
        DefaultLit::Str(_) => kind.takes_text_default(),
        DefaultLit::CurrentTimestamp => kind.has_timestamp_default(),
    };
    if !ok {
        let hint = if matches!(default.value, DefaultLit::CurrentTimestamp) {
            "`current_timestamp` applies to date-time fields only".to_string()
        } else {
            format!("the field's type takes {}", expected_default(kind))
        };
        cx.error_spanned_by(
            &default.expr,
            format!("`default` is {} but {hint}", default.value.describe()),
        );
    }
}

/// A float literal that overflows to infinity (`1e999`, or `1e39` for an
/// `f32`) has no column default: no database stores an infinite default
/// from a literal, and the expansion could not write it back as a literal.
fn check_finite(cx: &Ctxt, default: &DefaultAttr, f: f64, kind: Option<TypeKind>) {
    if kind == Some(TypeKind::F32) {
        // `as` rounds to the nearest f32, as parsing the literal as an f32
        // would, so only a literal beyond f32's range becomes infinite.
        if !(f as f32).is_finite() {
            cx.error_spanned_by(
                &default.expr,
                format!(
                    "`default` does not fit in an `f32`: the literal overflows to infinity (the largest `f32` is {:e}); write a smaller value or make the field an `f64`",
                    f32::MAX
                ),
            );
        }
    } else if !f.is_finite() {
        cx.error_spanned_by(
            &default.expr,
            format!(
                "`default` is not a finite number: the literal overflows an `f64` to infinity (the largest `f64` is {:e}); write a value in range",
                f64::MAX
            ),
        );
    }
}

fn expected_default(kind: TypeKind) -> &'static str {
    match kind {
        TypeKind::Bool => "`true` or `false`",
        k if k.is_integer() => "an integer literal",
        k if k.is_float() => "a number literal",
        TypeKind::Decimal => "a number literal",
        k if k.has_timestamp_default() => "a string literal or `current_timestamp`",
        TypeKind::Enum => "a string literal: one of the enum's stored values",
        k if k.takes_text_default() => "a string literal",
        _ => "no default",
    }
}

fn check_keys(cx: &Ctxt, field: &Field<'_>) {
    let attrs = &field.attrs;
    if let Some(pk) = &attrs.primary_key {
        if field.resolved.nullable {
            cx.error_spanned_by(
                pk,
                "a primary key column cannot be nullable: remove the `Option`",
            );
        }
        for (key, path) in [(UNIQUE, &attrs.unique), (INDEX, &attrs.index)] {
            if let Some(path) = path {
                cx.error_spanned_by(path, format!("`{key}` is redundant on a primary key"));
            }
        }
    } else if let (Some(_), Some(index)) = (&attrs.unique, &attrs.index) {
        cx.error_spanned_by(
            index,
            "`index` is redundant next to `unique`: a unique column is indexed",
        );
    }
}

fn check_reference(cx: &Ctxt, field: &Field<'_>) {
    let attrs = &field.attrs;
    let Some((ident, action)) = &attrs.on_delete else {
        return;
    };
    if attrs.references.is_none() {
        cx.error_spanned_by(ident, "`on_delete` needs `references = OtherDocType`");
        return;
    }
    match action {
        OnDelete::SetNull if !field.resolved.nullable => cx.error_spanned_by(
            ident,
            "`on_delete = set_null` needs a nullable field: make it an `Option<...>`",
        ),
        OnDelete::SetDefault if attrs.default.is_none() => cx.error_spanned_by(
            ident,
            "`on_delete = set_default` needs a `default` on the field",
        ),
        _ => {}
    }
}

fn check_columns_unique(cx: &Ctxt, cont: &Container<'_>) {
    let mut seen: BTreeMap<String, &Field<'_>> = BTreeMap::new();
    for field in cont.columns() {
        let column = field.column();
        if let Some(first) = seen.get(&column) {
            let at: &dyn ToTokens = match &field.attrs.column {
                Some(lit) => lit,
                None => field.ident,
            };
            cx.error_spanned_by(
                at,
                format!("duplicate column name `{column}` (field `{}` already uses it): rename one with `#[field(column = \"...\")]`", first.name()),
            );
        } else {
            seen.insert(column, field);
        }
    }
    for field in cont.columns() {
        for old in &field.attrs.renamed_from {
            if let Some(other) = seen.get(&old.value())
                && other.ident != field.ident
            {
                cx.error_spanned_by(
                    old,
                    format!(
                        "`renamed_from = {:?}` names the current column of field `{}`",
                        old.value(),
                        other.name()
                    ),
                );
            }
        }
    }
}

fn check_primary_key(cx: &Ctxt, cont: &Container<'_>) {
    let field_keys: Vec<&Field<'_>> = cont.columns().filter(|f| f.is_primary_key()).collect();
    match &cont.attrs.primary_key {
        Some(composite) => {
            for field in &field_keys {
                if let Some(pk) = &field.attrs.primary_key {
                    cx.error_spanned_by(pk, "the primary key is already declared by `#[doctype(primary_key(...))]`: remove this one");
                }
            }
            check_key_fields(cx, cont, composite);
        }
        None => {
            for field in field_keys.iter().skip(1) {
                if let Some(pk) = &field.attrs.primary_key {
                    cx.error_spanned_by(
                        pk,
                        format!("a second primary key: `{}` is already the primary key; for a composite key write `#[doctype(primary_key(fields = [\"{}\", \"{}\"]))]`", field_keys[0].name(), field_keys[0].name(), field.name()),
                    );
                }
            }
            let attempted = cont
                .fields
                .iter()
                .any(|f| f.attrs.given.iter().any(|(key, _)| *key == PRIMARY_KEY));
            if field_keys.is_empty() && !attempted {
                cx.error_spanned_by(
                    cont.ident,
                    "a DocType needs a primary key: mark a field `#[field(primary_key)]`, or write `#[doctype(primary_key(fields = [...]))]`",
                );
            }
        }
    }
}

fn check_key_fields(cx: &Ctxt, cont: &Container<'_>, composite: &CompositeKey) {
    let Some(fields) = &composite.fields else {
        cx.error_spanned_by(
            &composite.item,
            format!(
                "`primary_key(...)` needs its fields: write `{}`",
                form(PRIMARY_KEY)
            ),
        );
        return;
    };
    if fields.is_empty() {
        cx.error_spanned_by(&composite.item, "`primary_key(fields = [])` names no field");
    }
    for field in check_field_list(cx, cont, fields) {
        if field.resolved.nullable {
            cx.error_spanned_by(
                field.ty,
                "a primary key column cannot be nullable: remove the `Option`",
            );
        }
    }
}

/// Resolves a `fields = [...]` list, reporting unknown, skipped and repeated
/// names.
fn check_field_list<'c>(
    cx: &Ctxt,
    cont: &'c Container<'_>,
    fields: &[LitStr],
) -> Vec<&'c Field<'c>> {
    let mut out: Vec<&Field<'_>> = Vec::new();
    for (i, lit) in fields.iter().enumerate() {
        let name = lit.value();
        if fields[..i].iter().any(|f| f.value() == name) {
            cx.error_spanned_by(lit, format!("field `{name}` is listed twice"));
            continue;
        }
        match cont.field(&name) {
            None => {
                let known: Vec<String> =
                    cont.columns().map(|f| format!("`{}`", f.name())).collect();
                cx.error_spanned_by(
                    lit,
                    format!(
                        "unknown field `{name}`: the fields of `{}` are {}",
                        cont.ident,
                        known.join(", ")
                    ),
                );
            }
            Some(field) if field.is_skipped() => {
                cx.error_spanned_by(
                    lit,
                    format!("field `{name}` is `skip`ped and has no column"),
                );
            }
            Some(field) => out.push(field),
        }
    }
    out
}

fn check_index(cx: &Ctxt, cont: &Container<'_>, index: &IndexAttr) {
    match &index.fields {
        None => cx.error_spanned_by(
            &index.item,
            format!("`index(...)` needs its fields: write `{}`", form(INDEX)),
        ),
        Some(fields) if fields.is_empty() => {
            cx.error_spanned_by(&index.item, "`index(fields = [])` names no field")
        }
        Some(fields) => {
            check_field_list(cx, cont, fields);
        }
    }
    if let Some(name) = &index.name {
        check_identifier(cx, "index", name);
    }
}

fn check_index_names_unique(cx: &Ctxt, cont: &Container<'_>) {
    let names: Vec<&LitStr> = cont
        .attrs
        .indexes
        .iter()
        .filter_map(|i| i.name.as_ref())
        .collect();
    for (i, name) in names.iter().enumerate() {
        if names[..i].iter().any(|n| n.value() == name.value()) {
            cx.error_spanned_by(name, format!("duplicate index name {:?}", name.value()));
        }
    }
}

/// A retired column is a valid name, retired once, and neither a declared
/// column nor the former name of one.
fn check_retired(cx: &Ctxt, cont: &Container<'_>) {
    let Some(retired) = &cont.attrs.retired else {
        return;
    };
    let mut seen = BTreeSet::new();
    for lit in &retired.columns {
        let name = lit.value();
        check_identifier(cx, "column", lit);
        if let Some(field) = cont.columns().find(|f| f.column() == name) {
            cx.error_spanned_by(
                lit,
                format!("column `{name}` is retired and declared by field `{}`: a column is either a field or retired; remove one", field.name()),
            );
        } else if let Some(field) = cont
            .columns()
            .find(|f| f.attrs.renamed_from.iter().any(|old| old.value() == name))
        {
            cx.error_spanned_by(
                lit,
                format!("column `{name}` is retired and is the former name of field `{}` (`renamed_from`): a renamed column is kept under its new name, not retired", field.name()),
            );
        } else if !seen.insert(name.clone()) {
            cx.error_spanned_by(lit, format!("column `{name}` is retired twice"));
        }
    }
}
