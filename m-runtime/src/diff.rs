//! The differ: a pure function from (live, desired) schemas to the list of
//! [`Change`]s that turn one into the other. It never looks at a database.
//!
//! ```
//! use m_runtime::diff::{diff, Change};
//! use m_runtime::schema::{Column, LogicalType, Schema, Table};
//!
//! let live = Schema::default();
//! let mut desired = Schema::default();
//! desired.insert(Table::new("tag").column(Column::new("id", LogicalType::I64)).primary_key(["id"]));
//! let changes = diff(&live, &desired);
//! assert!(matches!(changes.as_slice(), [Change::CreateTable { .. }]));
//! ```

use std::collections::BTreeMap;

use serde::Serialize;

use crate::schema::{
    Check, Column, DefaultValue, ForeignKey, Index, LogicalType, Schema, Table, is_internal_table,
};

/// One difference between the live database and the declared schema.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Change {
    /// A declared table the database lacks, created with its indexes and
    /// foreign keys.
    CreateTable {
        /// The table as declared.
        table: Table,
    },
    /// A declared column the table lacks.
    AddColumn {
        /// The table name.
        table: String,
        /// The column as declared.
        column: Column,
    },
    /// A column whose type differs from the declared one.
    AlterColumnType {
        /// The table name.
        table: String,
        /// The column name (as declared).
        column: String,
        /// The live type.
        from: LogicalType,
        /// The declared type.
        to: LogicalType,
    },
    /// A nullable column declared NOT NULL.
    SetNotNull {
        /// The table name.
        table: String,
        /// The column name (as declared).
        column: String,
    },
    /// A NOT NULL column declared nullable.
    DropNotNull {
        /// The table name.
        table: String,
        /// The column name (as declared).
        column: String,
    },
    /// A column whose default differs from the declared one.
    AlterDefault {
        /// The table name.
        table: String,
        /// The column name (as declared).
        column: String,
        /// The live default (`None`: no default).
        from: Option<DefaultValue>,
        /// The declared default (`None`: drop the default).
        to: Option<DefaultValue>,
    },
    /// A declared index the table lacks (indexes compare by columns and
    /// uniqueness, not by name).
    AddIndex {
        /// The table name.
        table: String,
        /// The index as declared.
        index: Index,
    },
    /// A live index no declaration matches (by columns and uniqueness).
    DropIndex {
        /// The table name.
        table: String,
        /// The index as the database has it.
        index: Index,
    },
    /// A declared foreign key the table lacks (compared by
    /// [`ForeignKey::same_rule`], not by name).
    AddForeignKey {
        /// The table name.
        table: String,
        /// The foreign key as declared.
        foreign_key: ForeignKey,
    },
    /// A live foreign key no declaration matches.
    DropForeignKey {
        /// The table name.
        table: String,
        /// The foreign key as the database has it.
        foreign_key: ForeignKey,
    },
    /// A declared CHECK constraint the table lacks, or whose expression
    /// differs from the live one of the same name (then after a
    /// [`Change::DropCheck`] of the live one).
    AddCheck {
        /// The table name.
        table: String,
        /// The check as declared.
        check: Check,
    },
    /// A live CHECK constraint no declaration matches by name and
    /// normalised expression ([`Check::normalized_expr`]).
    DropCheck {
        /// The table name.
        table: String,
        /// The check as the database has it.
        check: Check,
    },
    /// Only produced when the declaration says `renamed_from`.
    RenameColumn {
        /// The table name.
        table: String,
        /// The live (former) name.
        from: String,
        /// The declared name.
        to: String,
    },
    /// Only produced when the declaration says `#[doctype(renamed_from =
    /// "...")]`: the live table `from` is the declared table `to`. The
    /// table's other changes are diffed against it, and foreign keys that
    /// point at `from` count as pointing at `to` (every database moves
    /// them with the table).
    RenameTable {
        /// The live (former) name.
        from: String,
        /// The declared name.
        to: String,
    },
    /// A primary key whose columns differ from the declared ones.
    AlterPrimaryKey {
        /// The table name.
        table: String,
        /// The live key columns (renamed columns under their new names).
        from: Vec<String>,
        /// The declared key columns; empty for no primary key.
        to: Vec<String>,
    },
    /// A column the database has and no DocType declares. Kept.
    OrphanColumn {
        /// The table name.
        table: String,
        /// The column as the database has it.
        column: Column,
    },
    /// A table the database has and no DocType declares. Kept.
    OrphanTable {
        /// The table name.
        table: String,
    },
}

impl Change {
    /// The snake_case kind used in JSON output.
    pub fn kind(&self) -> &'static str {
        match self {
            Change::CreateTable { .. } => "create_table",
            Change::AddColumn { .. } => "add_column",
            Change::AlterColumnType { .. } => "alter_column_type",
            Change::SetNotNull { .. } => "set_not_null",
            Change::DropNotNull { .. } => "drop_not_null",
            Change::AlterDefault { .. } => "alter_default",
            Change::AddIndex { .. } => "add_index",
            Change::DropIndex { .. } => "drop_index",
            Change::AddForeignKey { .. } => "add_foreign_key",
            Change::DropForeignKey { .. } => "drop_foreign_key",
            Change::AddCheck { .. } => "add_check",
            Change::DropCheck { .. } => "drop_check",
            Change::RenameColumn { .. } => "rename_column",
            Change::RenameTable { .. } => "rename_table",
            Change::AlterPrimaryKey { .. } => "alter_primary_key",
            Change::OrphanColumn { .. } => "orphan_column",
            Change::OrphanTable { .. } => "orphan_table",
        }
    }

    /// The table the change is about.
    pub fn table(&self) -> &str {
        match self {
            Change::CreateTable { table } => &table.name,
            Change::AddColumn { table, .. }
            | Change::AlterColumnType { table, .. }
            | Change::SetNotNull { table, .. }
            | Change::DropNotNull { table, .. }
            | Change::AlterDefault { table, .. }
            | Change::AddIndex { table, .. }
            | Change::DropIndex { table, .. }
            | Change::AddForeignKey { table, .. }
            | Change::DropForeignKey { table, .. }
            | Change::AddCheck { table, .. }
            | Change::DropCheck { table, .. }
            | Change::RenameColumn { table, .. }
            | Change::AlterPrimaryKey { table, .. }
            | Change::OrphanColumn { table, .. }
            | Change::OrphanTable { table } => table,
            Change::RenameTable { to, .. } => to,
        }
    }

    /// The column the change is about (`None` for table-level changes).
    pub fn column(&self) -> Option<&str> {
        match self {
            Change::AddColumn { column, .. } | Change::OrphanColumn { column, .. } => {
                Some(&column.name)
            }
            Change::AlterColumnType { column, .. }
            | Change::SetNotNull { column, .. }
            | Change::DropNotNull { column, .. }
            | Change::AlterDefault { column, .. } => Some(column),
            Change::RenameColumn { to, .. } => Some(to),
            Change::AddIndex { index, .. } | Change::DropIndex { index, .. } => index
                .columns
                .first()
                .filter(|_| index.columns.len() == 1)
                .map(String::as_str),
            Change::AddForeignKey { foreign_key, .. }
            | Change::DropForeignKey { foreign_key, .. } => foreign_key
                .columns
                .first()
                .filter(|_| foreign_key.columns.len() == 1)
                .map(String::as_str),
            Change::CreateTable { .. }
            | Change::RenameTable { .. }
            | Change::AlterPrimaryKey { .. }
            | Change::AddCheck { .. }
            | Change::DropCheck { .. }
            | Change::OrphanTable { .. } => None,
        }
    }

    /// Whether this reports something the database has and the code does not
    /// declare (kept, never applied).
    pub fn is_orphan(&self) -> bool {
        matches!(
            self,
            Change::OrphanColumn { .. } | Change::OrphanTable { .. }
        )
    }

    /// Other tables this change needs to exist: those its foreign keys reference.
    pub fn needs_tables(&self) -> Vec<&str> {
        match self {
            Change::CreateTable { table } => table
                .foreign_keys
                .iter()
                .map(|fk| fk.ref_table.as_str())
                .filter(|t| *t != table.name)
                .collect(),
            Change::AddForeignKey { table, foreign_key } if foreign_key.ref_table != *table => {
                vec![foreign_key.ref_table.as_str()]
            }
            _ => Vec::new(),
        }
    }

    /// Columns this change needs to exist (under their new names) before it can run.
    pub fn needs_columns(&self) -> Vec<&str> {
        match self {
            Change::AddIndex { index, .. } => index.columns.iter().map(String::as_str).collect(),
            Change::AddForeignKey { foreign_key, .. } => {
                foreign_key.columns.iter().map(String::as_str).collect()
            }
            Change::AlterColumnType { column, .. }
            | Change::SetNotNull { column, .. }
            | Change::DropNotNull { column, .. }
            | Change::AlterDefault { column, .. } => vec![column.as_str()],
            Change::AlterPrimaryKey { to, .. } => to.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// Execution order inside one table: renames first, additive index and
    /// key changes after the columns they use exist.
    pub(crate) fn order(&self) -> u8 {
        match self {
            Change::CreateTable { .. } | Change::RenameTable { .. } => 0,
            Change::RenameColumn { .. } => 1,
            Change::DropForeignKey { .. } | Change::DropCheck { .. } => 2,
            Change::DropIndex { .. } => 3,
            Change::AddColumn { .. } => 4,
            Change::AlterColumnType { .. } => 5,
            Change::DropNotNull { .. } => 6,
            Change::AlterDefault { .. } => 7,
            Change::SetNotNull { .. } => 8,
            Change::AlterPrimaryKey { .. } => 9,
            Change::AddIndex { .. } => 10,
            Change::AddCheck { .. } => 11,
            Change::AddForeignKey { .. } => 12,
            Change::OrphanColumn { .. } => 13,
            Change::OrphanTable { .. } => 14,
        }
    }
}

/// Every change that turns `live` into `desired`, in execution order:
/// tables to create (referenced tables first), then table by table (by
/// name) every other change but new foreign keys (renames first, orphan
/// columns last), then the foreign keys to add, then orphan tables. m's own
/// tables (`_m_*`) are ignored.
pub fn diff(live: &Schema, desired: &Schema) -> Vec<Change> {
    let (renames, renamed_live) = follow_table_renames(live, desired);
    let live = renamed_live.as_ref().unwrap_or(live);
    let mut creates: Vec<Change> = renames;
    let mut alters = Vec::new();
    let mut foreign_keys = Vec::new();
    for table in desired.tables_in_dependency_order() {
        if live.table(&table.name).is_none() {
            creates.push(Change::CreateTable {
                table: table.clone(),
            });
        }
    }
    for (name, want) in &desired.tables {
        if let Some(have) = live.table(name) {
            for change in diff_table(have, want) {
                match change {
                    Change::AddForeignKey { .. } => foreign_keys.push(change),
                    _ => alters.push(change),
                }
            }
        }
    }
    alters.sort_by(|a, b| (a.table(), a.order()).cmp(&(b.table(), b.order())));
    let orphans = live
        .tables
        .keys()
        .filter(|name| {
            !desired.tables.contains_key(*name)
                && !desired.retired_tables.contains_key(*name)
                && !desired.is_ignored(name)
                && !is_internal_table(name)
        })
        .map(|name| Change::OrphanTable {
            table: name.clone(),
        });
    creates
        .into_iter()
        .chain(alters)
        .chain(foreign_keys)
        .chain(orphans)
        .collect()
}

/// The tables `desired` renames (`Table::renamed_from` naming a live table
/// that no declaration claims under its own name), as changes, and the
/// live schema as it is once they are renamed: keyed by the new names,
/// with every foreign key that points at an old name pointing at the new
/// one (PostgreSQL and MySQL keep a key on the table it names, SQLite
/// rewrites the reference). `None` when nothing is renamed.
fn follow_table_renames(live: &Schema, desired: &Schema) -> (Vec<Change>, Option<Schema>) {
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    for (name, table) in &desired.tables {
        if live.table(name).is_some() {
            continue;
        }
        let old = table.renamed_from.iter().find(|old| {
            live.table(old).is_some()
                && !desired.tables.contains_key(*old)
                && !renames.contains_key(*old)
        });
        if let Some(old) = old {
            renames.insert(old.clone(), name.clone());
        }
    }
    if renames.is_empty() {
        return (Vec::new(), None);
    }
    let mut moved = Schema::default();
    for table in live.tables.values() {
        let mut table = table.clone();
        if let Some(new) = renames.get(&table.name) {
            table.name = new.clone();
        }
        for fk in &mut table.foreign_keys {
            if let Some(new) = renames.get(&fk.ref_table) {
                fk.ref_table = new.clone();
            }
        }
        moved.insert(table);
    }
    let changes = renames
        .into_iter()
        .map(|(from, to)| Change::RenameTable { from, to })
        .collect();
    (changes, Some(moved))
}

/// Changes within one table present on both sides (`have` is the live
/// table, `want` the declared one), in discovery order: renames, columns,
/// orphan columns, primary key, indexes, foreign keys. [`diff`] sorts them.
pub fn diff_table(have: &Table, want: &Table) -> Vec<Change> {
    let table = &want.name;
    let mut changes = Vec::new();
    // Live column name -> the desired name it now goes by.
    let mut renamed: BTreeMap<&str, &str> = BTreeMap::new();
    for column in &want.columns {
        if have.get_column(&column.name).is_some() {
            continue;
        }
        let old = column.renamed_from.iter().find(|old| {
            have.get_column(old).is_some()
                && want.get_column(old).is_none()
                && !renamed.contains_key(old.as_str())
        });
        if let Some(old) = old {
            renamed.insert(old.as_str(), column.name.as_str());
            changes.push(Change::RenameColumn {
                table: table.clone(),
                from: old.clone(),
                to: column.name.clone(),
            });
        }
    }
    let live_name = |desired: &str| -> String {
        renamed
            .iter()
            .find(|(_, new)| **new == desired)
            .map(|(old, _)| old.to_string())
            .unwrap_or(desired.to_owned())
    };
    let current_name = |live: &str| -> String {
        renamed
            .get(live)
            .map(|s| s.to_string())
            .unwrap_or(live.to_owned())
    };

    for column in &want.columns {
        let Some(old) = have.get_column(&live_name(&column.name)) else {
            changes.push(Change::AddColumn {
                table: table.clone(),
                column: column.clone(),
            });
            continue;
        };
        let name = column.name.clone();
        if !types_equal(&old.ty, &column.ty) {
            changes.push(Change::AlterColumnType {
                table: table.clone(),
                column: name.clone(),
                from: old.ty.clone(),
                to: column.ty.clone(),
            });
        }
        match (old.nullable, column.nullable) {
            (true, false) => changes.push(Change::SetNotNull {
                table: table.clone(),
                column: name.clone(),
            }),
            (false, true) => changes.push(Change::DropNotNull {
                table: table.clone(),
                column: name.clone(),
            }),
            _ => {}
        }
        if !defaults_equal(old.default.as_ref(), column.default.as_ref(), &column.ty) {
            changes.push(Change::AlterDefault {
                table: table.clone(),
                column: name,
                from: old.default.clone(),
                to: column.default.clone(),
            });
        }
    }
    for column in &have.columns {
        if want.get_column(&current_name(&column.name)).is_some() {
            continue;
        }
        // The code no longer writes the column: a NOT NULL without a
        // default would make every insert of the new code fail. Relax it
        // (the column and its values stay).
        if !column.nullable && column.default.is_none() && !have.is_primary_key(&column.name) {
            changes.push(Change::DropNotNull {
                table: table.clone(),
                column: column.name.clone(),
            });
        }
        if !want.is_retired(&column.name) {
            changes.push(Change::OrphanColumn {
                table: table.clone(),
                column: column.clone(),
            });
        }
    }

    let live_pk: Vec<String> = have.primary_key.iter().map(|c| current_name(c)).collect();
    if live_pk != want.primary_key {
        changes.push(Change::AlterPrimaryKey {
            table: table.clone(),
            from: live_pk,
            to: want.primary_key.clone(),
        });
    }

    let live_indexes: Vec<Index> = have
        .indexes
        .iter()
        .map(|i| Index {
            columns: i.columns.iter().map(|c| current_name(c)).collect(),
            ..i.clone()
        })
        .collect();
    for index in &want.indexes {
        if !live_indexes
            .iter()
            .any(|i| i.columns == index.columns && i.unique == index.unique)
        {
            changes.push(Change::AddIndex {
                table: table.clone(),
                index: index.clone(),
            });
        }
    }
    for (live, original) in live_indexes.iter().zip(&have.indexes) {
        if !want
            .indexes
            .iter()
            .any(|i| i.columns == live.columns && i.unique == live.unique)
        {
            changes.push(Change::DropIndex {
                table: table.clone(),
                index: original.clone(),
            });
        }
    }

    let live_fks: Vec<ForeignKey> = have
        .foreign_keys
        .iter()
        .map(|f| ForeignKey {
            columns: f.columns.iter().map(|c| current_name(c)).collect(),
            ..f.clone()
        })
        .collect();
    for fk in &want.foreign_keys {
        if !live_fks.iter().any(|f| f.same_rule(fk)) {
            changes.push(Change::AddForeignKey {
                table: table.clone(),
                foreign_key: fk.clone(),
            });
        }
    }
    for (live, original) in live_fks.iter().zip(&have.foreign_keys) {
        if !want.foreign_keys.iter().any(|f| f.same_rule(live)) {
            changes.push(Change::DropForeignKey {
                table: table.clone(),
                foreign_key: original.clone(),
            });
        }
    }

    // Checks compare by name and normalised expression: a changed
    // expression is the old check dropped and the new one added.
    let same_check = |a: &Check, b: &Check| {
        a.name.eq_ignore_ascii_case(&b.name) && a.normalized_expr() == b.normalized_expr()
    };
    for check in &have.checks {
        if !want.checks.iter().any(|c| same_check(c, check)) {
            changes.push(Change::DropCheck {
                table: table.clone(),
                check: check.clone(),
            });
        }
    }
    for check in &want.checks {
        if !have.checks.iter().any(|c| same_check(c, check)) {
            changes.push(Change::AddCheck {
                table: table.clone(),
                check: check.clone(),
            });
        }
    }
    changes
}

/// Whether two logical types are the same column type (`Custom` types
/// compare by their spelling, case and whitespace aside; two `ENUM`s by
/// their values, in order).
pub fn types_equal(a: &LogicalType, b: &LogicalType) -> bool {
    if let (Some(x), Some(y)) = (a.enum_values(), b.enum_values()) {
        return x == y;
    }
    match (a, b) {
        (LogicalType::Custom { sql: x }, LogicalType::Custom { sql: y }) => {
            normalize_sql(x) == normalize_sql(y)
        }
        _ => a == b,
    }
}

/// Whether two defaults are the same value for a column of type `ty`
/// (e.g. `Int(1)`, `Float(1.0)` and `Text("1")` on a float column).
pub fn defaults_equal(
    a: Option<&DefaultValue>,
    b: Option<&DefaultValue>,
    ty: &LogicalType,
) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => canonical_default(a, ty) == canonical_default(b, ty),
        _ => false,
    }
}

/// One spelling per default value, so that `1`, `1.0`, `'1'` and `TRUE`
/// compare equal where the column type makes them the same value.
fn canonical_default(value: &DefaultValue, ty: &LogicalType) -> String {
    use crate::schema::TypeFamily;
    let family = ty.family();
    match value {
        DefaultValue::Bool(b) => (if *b { "1" } else { "0" }).to_owned(),
        DefaultValue::Int(i) if matches!(family, TypeFamily::Float | TypeFamily::Decimal) => {
            format!("{}", *i as f64)
        }
        DefaultValue::Int(i) => i.to_string(),
        DefaultValue::Float(f) => format!("{f}"),
        DefaultValue::Text(t) => match family {
            TypeFamily::Integer | TypeFamily::Bool => t
                .trim()
                .parse::<i64>()
                .map(|i| i.to_string())
                .unwrap_or(format!("'{t}'")),
            TypeFamily::Float | TypeFamily::Decimal => t
                .trim()
                .parse::<f64>()
                .map(|f| format!("{f}"))
                .unwrap_or(format!("'{t}'")),
            TypeFamily::Temporal => format!("'{}'", canonical_time(t)),
            _ => format!("'{t}'"),
        },
        DefaultValue::CurrentTimestamp => "current_timestamp".to_owned(),
        DefaultValue::Sql(s) => normalize_sql(s),
    }
}

/// One spelling of a date or time literal: `T` as a space, no UTC zone
/// suffix (`+00`, `+00:00`, `Z`: how PostgreSQL's `timestamptz` prints a
/// default given without a zone, in a UTC session), no trailing zeros of
/// fractional seconds (MariaDB prints `.000000` for `DATETIME(6)`).
fn canonical_time(text: &str) -> String {
    let mut time = text.trim().replace('T', " ");
    for zone in ["+00:00", "+00", "Z"] {
        if let Some(stripped) = time.strip_suffix(zone) {
            time = stripped.to_owned();
        }
    }
    if let Some((whole, fraction)) = time.split_once('.') {
        let fraction = fraction.trim_end_matches('0');
        time = if fraction.is_empty() {
            whole.to_owned()
        } else {
            format!("{whole}.{fraction}")
        };
    }
    time
}

/// Folds whitespace and the case of everything outside string literals:
/// `'A'` and `'a'` stay different values.
fn normalize_sql(sql: &str) -> String {
    let folded = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(folded.len());
    let mut quoted = false;
    for c in folded.chars() {
        if c == '\'' {
            quoted = !quoted;
        }
        out.push(if quoted { c } else { c.to_ascii_lowercase() });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_defaults_compare_by_normalised_spelling_but_keep_literal_case() {
        let ty = LogicalType::String { max_length: None };
        let sql = |s: &'static str| DefaultValue::Sql(s.into());
        assert!(defaults_equal(
            Some(&sql("LOWER( 'X' )")),
            Some(&sql("lower(   'X' )")),
            &ty
        ));
        assert!(!defaults_equal(Some(&sql("'A'")), Some(&sql("'a'")), &ty));
    }

    #[test]
    fn time_defaults_compare_by_value() {
        let text = |s: &'static str| DefaultValue::Text(s.into());
        let same = |a, b, ty: &LogicalType| defaults_equal(Some(&text(a)), Some(&text(b)), ty);
        assert!(same(
            "2024-01-01 00:00:00+00",
            "2024-01-01 00:00:00",
            &LogicalType::Timestamp
        ));
        assert!(same(
            "2024-01-01 00:00:00.000000",
            "2024-01-01T00:00:00",
            &LogicalType::DateTime
        ));
        assert!(same("10:00:00.500", "10:00:00.5", &LogicalType::Time));
        assert!(!same(
            "2024-01-01 00:00:00+02",
            "2024-01-01 00:00:00",
            &LogicalType::Timestamp
        ));
        // Not a time column: the text is the value.
        let s = LogicalType::String { max_length: None };
        assert!(!same("2024-01-01 00:00:00+00", "2024-01-01 00:00:00", &s));
    }
}
