//! The risk classifier: a pure function from a [`Change`] (and what the
//! live database measured for it) to a [`Risk`] level with a reason a
//! person can act on.
//!
//! | level | meaning | sync |
//! |---|---|---|
//! | SAFE | cannot lose data or fail on existing rows | applied |
//! | WARNING | may fail or change behaviour; today's data lets it through | applied with `--allow-warning` |
//! | BREAKING | loses data, breaks running code, or existing rows make it fail | never; write a `#[migration]` |
//!
//! Where data decides, the planner measures the live database first (see
//! [`Probe`]): a narrowing that would change or reject a stored value
//! (truncate, round, overflow), a `NOT NULL` over NULLs, a unique index over
//! duplicates or a foreign key over dangling rows is BREAKING, with the
//! number of rows in the reason. A narrowing that was not measured, and a
//! change whose probe the database rejected ("could not measure"), are
//! BREAKING too: `--allow-warning` never changes a stored value.
//!
//! ```
//! use m_runtime::diff::Change;
//! use m_runtime::risk::{assess, Risk};
//!
//! let change = Change::DropNotNull { table: "book".into(), column: "isbn".into() };
//! assert_eq!(assess(&change, None).risk, Risk::Safe);
//! ```

use serde::Serialize;

use crate::diff::Change;
use crate::schema::{DefaultValue, LogicalType, TypeFamily, split_table_name};

/// How dangerous a change is; ordered `Safe < Warning < Breaking`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Risk {
    /// Cannot lose data or fail on existing rows; sync applies it.
    Safe,
    /// May fail or change behaviour, though today's data lets it through;
    /// sync applies it only with `--allow-warning`.
    Warning,
    /// Loses data, breaks running code, or existing rows make it fail;
    /// sync never applies it.
    Breaking,
}

impl Risk {
    /// `"SAFE"`, `"WARNING"` or `"BREAKING"` (also the JSON spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Safe => "SAFE",
            Risk::Warning => "WARNING",
            Risk::Breaking => "BREAKING",
        }
    }
}

impl std::fmt::Display for Risk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A risk level and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    /// The level.
    pub risk: Risk,
    /// Why, and what to do about it, for a person to read.
    pub reason: String,
}

fn level(risk: Risk, reason: impl Into<String>) -> Assessment {
    Assessment {
        risk,
        reason: reason.into(),
    }
}

const MIGRATION_HINT: &str = "write a #[migration] for it (expand/contract: add the new shape, backfill, switch the code, then drop the old)";

/// What a probe reads for one column: a live column, or, for a column the
/// plan adds before the measured change runs, the value every existing row
/// gets then.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// A live column: its name and type as the database has them now.
    Column {
        /// The live column name.
        name: String,
        /// The live column type.
        ty: LogicalType,
    },
    /// The value every existing row holds (`None`: NULL).
    Value {
        /// The value; `None` for NULL.
        value: Option<DefaultValue>,
        /// The type of the column that will hold it.
        ty: LogicalType,
    },
}

impl Operand {
    /// The type the operand's values have.
    pub fn ty(&self) -> &LogicalType {
        match self {
            Operand::Column { ty, .. } | Operand::Value { ty, .. } => ty,
        }
    }
}

/// A measurement on the live database that decides a change's risk: plain
/// data, which each database's dialect turns into a counting query
/// (`Dialect::probe_sql`). A probe only names what the live database has:
/// the planner reads columns that earlier changes of the same plan add or
/// rename as [`Operand`]s, and a table the plan creates as an empty one.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Probe {
    /// Rows in the table.
    Rows {
        /// The table name.
        table: String,
    },
    /// Rows where the column is NULL.
    Nulls {
        /// The table name.
        table: String,
        /// The live column name.
        column: String,
    },
    /// Rows whose value would change, or not fit, when the column's type
    /// changes from `from` to `to` (a string longer than the new length, an
    /// integer out of range, a decimal that rounds or overflows, a double
    /// that a float cannot hold exactly, ...).
    Unfit {
        /// The table name.
        table: String,
        /// The live column name.
        column: String,
        /// The live type.
        from: LogicalType,
        /// The new type.
        to: LogicalType,
    },
    /// Relations other than the tables introspection reads (a view, an
    /// index, a sequence) that take `name`: a table of that name cannot be
    /// created.
    NameTaken {
        /// The name of the table to create.
        name: String,
    },
    /// Rows that share their values in `columns` with another row (rows
    /// with a NULL in `columns` are not counted).
    Duplicates {
        /// The table name.
        table: String,
        /// The values of the unique index's columns.
        columns: Vec<Operand>,
    },
    /// Rows a new primary key would reject: a NULL in one of `columns`, or
    /// the same values as another row.
    KeyViolations {
        /// The table name.
        table: String,
        /// The values of the key's columns.
        columns: Vec<Operand>,
    },
    /// Rows a new CHECK constraint rejects: those where `expr` is false
    /// (not NULL, which a check accepts).
    CheckViolations {
        /// The table name.
        table: String,
        /// What each column the plan has at this point reads, by its name
        /// then: live columns under other names (renamed earlier in the
        /// plan) and the values of columns it adds are exposed under those
        /// names, so that `expr` reads the table as the check will see it.
        /// Empty when every column is a live one under its own name.
        columns: Vec<(String, Operand)>,
        /// The check's expression.
        expr: String,
    },
    /// Rows whose reference points at no row of the target (rows with a
    /// NULL in `columns` are not counted).
    Dangling {
        /// The referencing table.
        table: String,
        /// The values of the referencing columns.
        columns: Vec<Operand>,
        /// What they reference.
        target: Target,
    },
}

/// The rows a foreign key's probe looks for references in.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// A live table, and the values of its referenced columns (pairwise
    /// with the referencing columns).
    Table {
        /// The live table name.
        table: String,
        /// The values of the referenced columns.
        columns: Vec<Operand>,
    },
    /// A table the plan creates: it has no rows yet.
    Created,
}

/// What the planner measured for a change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Measurement {
    /// Nothing: the change needs no probe, or the plan was made without a
    /// database (from a snapshot).
    #[default]
    None,
    /// The probe counted this many rows.
    Rows(u64),
    /// The probe could not be built or the database rejected it; the
    /// reason says why. The change is BREAKING: m applies nothing whose
    /// effect on the data it could not measure.
    Failed(String),
}

impl From<Option<u64>> for Measurement {
    fn from(rows: Option<u64>) -> Self {
        rows.map_or(Measurement::None, Measurement::Rows)
    }
}

impl Measurement {
    /// The rows counted, if the probe ran.
    pub fn rows(&self) -> Option<u64> {
        match self {
            Measurement::Rows(n) => Some(*n),
            _ => None,
        }
    }
}

/// What the planner knows about a change beyond the change itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// What its probe measured.
    pub measured: Measurement,
    /// For a foreign key: every referencing column is added by the same
    /// plan, nullable and without a default, so every row (those there
    /// now, and those the running code writes) holds NULL, which any
    /// foreign key accepts.
    pub on_new_null_columns: bool,
    /// For a new check: it replaces a dropped check of the same name that
    /// lists the values of the same column, and lists every one of them
    /// (an enumeration stored as text that gains values): every row the
    /// old check accepted, the new one accepts.
    pub widens_check: bool,
    /// For a dropped check: the plan adds a check of the same name to the
    /// same table (a changed definition), which carries the risk and is
    /// measured; the drop is kept while that one is blocked.
    pub check_replaced: bool,
    /// For a type change: the views (or rules) that use the column, where
    /// the database refuses to change a column's type under them
    /// (PostgreSQL).
    pub used_by: Vec<String>,
}

/// The value existing rows get when a NOT NULL column without default is
/// added to a table that has rows, if the type has an obvious zero: `false`,
/// `0`, or the empty string; `None` for other types (such an addition is
/// BREAKING).
pub fn fill_value(ty: &LogicalType) -> Option<DefaultValue> {
    match ty.family() {
        TypeFamily::Bool => Some(DefaultValue::Bool(false)),
        TypeFamily::Integer => Some(DefaultValue::Int(0)),
        TypeFamily::Float | TypeFamily::Decimal => Some(DefaultValue::Int(0)),
        TypeFamily::Text => Some(DefaultValue::Text("".into())),
        _ => None,
    }
}

/// How a column type change relates the old type to the new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeChange {
    /// Every old value fits the new type unchanged.
    Widen,
    /// Old values may change or not fit; a [`Probe::Unfit`] counts those
    /// that would.
    Narrow,
    /// Values must be converted between unrelated types.
    Incompatible,
}

/// Decimal digits an integer type holds before the point.
fn integer_digits(ty: &LogicalType) -> Option<u8> {
    match ty {
        LogicalType::I16 => Some(5),
        LogicalType::I32 => Some(10),
        LogicalType::I64 => Some(19),
        _ => None,
    }
}

/// Classifies a type change from `from` to `to` (pure: the data is not
/// consulted; see [`Probe::Unfit`] for that).
pub fn type_change(from: &LogicalType, to: &LogicalType) -> TypeChange {
    use LogicalType as T;
    let widen_if = |fits: bool| {
        if fits {
            TypeChange::Widen
        } else {
            TypeChange::Narrow
        }
    };
    match (from, to) {
        // An enumeration keeps every stored value when it keeps its values;
        // text keeps every value that fits its length.
        (T::Enum { values: a, .. }, T::Enum { values: b, .. }) => {
            widen_if(a.iter().all(|v| b.contains(v)))
        }
        (T::Enum { values, .. }, T::String { max_length }) => widen_if(
            max_length.is_none_or(|max| values.iter().all(|v| v.chars().count() <= max as usize)),
        ),
        (T::String { .. }, T::Enum { .. }) => TypeChange::Narrow,
        (a, b) if a.integer_width().is_some() && b.integer_width().is_some() => {
            widen_if(a.integer_width() <= b.integer_width())
        }
        (T::F32, T::F64) | (T::I16 | T::I32, T::F64) | (T::I16, T::F32) => TypeChange::Widen,
        (T::F64, T::F32) => TypeChange::Narrow,
        // A float holds integers exactly up to 2^53 (f64) or 2^24 (f32):
        // larger ones may round, so the change is measured.
        (T::I64, T::F64) | (T::I32 | T::I64, T::F32) => TypeChange::Narrow,
        (T::String { max_length: a }, T::String { max_length: b }) => match (a, b) {
            (_, None) => TypeChange::Widen,
            (Some(a), Some(b)) => widen_if(a <= b),
            (None, Some(_)) => TypeChange::Narrow,
        },
        (
            T::Decimal {
                precision: p1,
                scale: s1,
            },
            T::Decimal {
                precision: p2,
                scale: s2,
            },
        ) => widen_if(s2 >= s1 && p2.saturating_sub(*s2) >= p1.saturating_sub(*s1)),
        (int, T::Decimal { precision, scale }) if integer_digits(int).is_some() => {
            widen_if(precision.saturating_sub(*scale) >= integer_digits(int).unwrap_or(u8::MAX))
        }
        // MySQL/MariaDB ENUM: values appended or inserted keep every
        // stored value; a value removed is measured (rows holding it).
        (a, b) if a.enum_values().is_some() && b.enum_values().is_some() => {
            let (old, new) = (
                a.enum_values().unwrap_or_default(),
                b.enum_values().unwrap_or_default(),
            );
            widen_if(old.iter().all(|v| new.contains(v)))
        }
        (T::Date, T::DateTime) => TypeChange::Widen,
        (T::Date | T::DateTime, T::Timestamp) | (T::Timestamp, T::DateTime) => TypeChange::Narrow,
        _ => TypeChange::Incompatible,
    }
}

/// Classifies one change. `measured` is the result of the change's
/// [`Probe`], when it has one and the database was measured; with `None`
/// the assessment assumes rows may exist and may not fit.
pub fn assess(change: &Change, measured: Option<u64>) -> Assessment {
    assess_with(
        change,
        &Facts {
            measured: measured.into(),
            ..Facts::default()
        },
    )
}

/// What a change of a column's type does to the stored values, in words.
fn narrowing(from: &LogicalType, to: &LogicalType) -> String {
    use LogicalType as T;
    match (from, to) {
        (T::Timestamp, T::DateTime) | (_, T::Timestamp) => format!(
            "changes {from} to {to}: values are read in the session's time zone, and what a stored time means changes"
        ),
        _ => format!("narrows {from} to {to}"),
    }
}

/// Classifies one change from everything the planner knows about it
/// ([`Facts`]). A change whose probe failed is BREAKING; a change that
/// would change a stored value is BREAKING whatever was measured.
pub fn assess_with(change: &Change, facts: &Facts) -> Assessment {
    let measured = match &facts.measured {
        Measurement::Failed(why) => {
            return level(
                Risk::Breaking,
                format!(
                    "could not measure: {why}; m applies no change whose effect on the rows it cannot measure ({})",
                    change.kind()
                ),
            );
        }
        m => m.rows(),
    };
    match change {
        Change::CreateTable { table } => match measured {
            Some(n) if n > 0 => level(
                Risk::Breaking,
                format!(
                    "the database has a view, an index or another relation named `{}`, which is not a table: it cannot be created; rename or drop that relation in a #[migration], or give the DocType another table name",
                    table.name
                ),
            ),
            _ => level(Risk::Safe, format!("new table `{}`", table.name)),
        },
        Change::AddColumn { column, .. } if column.nullable => {
            level(Risk::Safe, "new nullable column")
        }
        Change::AddColumn { column, .. } if column.default.is_some() => level(
            Risk::Safe,
            "new column with a default: existing rows get the default",
        ),
        Change::AddColumn { column, .. } => match (measured, fill_value(&column.ty)) {
            (Some(0), _) => level(Risk::Safe, "new NOT NULL column on an empty table"),
            (rows, Some(fill)) => level(
                Risk::Warning,
                format!(
                    "new NOT NULL column without a default on a table with {} row(s): existing rows get {}; declare a `default` to choose the value",
                    rows.map_or("existing".into(), |r| r.to_string()),
                    describe_fill(&fill)
                ),
            ),
            (rows, None) => level(
                Risk::Breaking,
                format!(
                    "new NOT NULL column of type {} without a default on a table with {} row(s), and no value to give them: declare a `default`, or add it nullable and backfill in a #[migration]",
                    column.ty,
                    rows.map_or("existing".into(), |r| r.to_string())
                ),
            ),
        },
        Change::AlterColumnType {
            table, column, to, ..
        } if !facts.used_by.is_empty() => level(
            Risk::Breaking,
            format!(
                "view(s) {} use `{table}.{column}`, and the database cannot change the type of a column a view uses: drop them, change the type to {to} and re-create them in a #[migration]",
                facts
                    .used_by
                    .iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        Change::AlterColumnType { from, to, .. } => match (type_change(from, to), measured) {
            (TypeChange::Widen, _) => level(
                Risk::Safe,
                format!("widens {from} to {to}: every value fits"),
            ),
            (TypeChange::Narrow, Some(n)) if n > 0 => level(
                Risk::Breaking,
                format!(
                    "{}: {n} row(s) hold a value that would change or not fit (rounded, truncated or rejected); {MIGRATION_HINT}",
                    narrowing(from, to)
                ),
            ),
            (TypeChange::Narrow, Some(_)) => level(
                Risk::Warning,
                format!(
                    "{}: every current value fits unchanged (measured), but later writes may not",
                    narrowing(from, to)
                ),
            ),
            (TypeChange::Narrow, None) => level(
                Risk::Breaking,
                format!(
                    "{}: not measured, and values may be rounded, truncated or rejected; plan against the database to measure it",
                    narrowing(from, to)
                ),
            ),
            (TypeChange::Incompatible, _) => level(
                Risk::Breaking,
                format!("changes {from} to {to}, an incompatible type; {MIGRATION_HINT}"),
            ),
        },
        Change::SetNotNull { .. } => match measured {
            Some(n) if n > 0 => level(
                Risk::Breaking,
                format!(
                    "sets NOT NULL but {n} row(s) hold NULL: backfill them in a #[migration] first"
                ),
            ),
            Some(_) => level(
                Risk::Warning,
                "sets NOT NULL: no row holds NULL today (measured); writers of NULL will fail",
            ),
            None => level(
                Risk::Warning,
                "sets NOT NULL: rows holding NULL would make it fail",
            ),
        },
        Change::DropNotNull { .. } => level(Risk::Safe, "drops NOT NULL"),
        Change::AlterDefault { .. } => level(Risk::Safe, "changes the default of new rows"),
        Change::AddIndex { index, .. } if !index.unique => level(Risk::Safe, "new index"),
        Change::AddIndex { .. } => match measured {
            Some(n) if n > 0 => level(
                Risk::Breaking,
                format!(
                    "new unique index, but {n} row(s) share their values with another row: deduplicate them in a #[migration] first"
                ),
            ),
            Some(_) => level(
                Risk::Warning,
                "new unique index: no duplicates today (measured); writers of duplicates will fail",
            ),
            None => level(
                Risk::Warning,
                "new unique index: duplicates would make it fail",
            ),
        },
        Change::DropIndex { index, .. } if index.unique => level(
            Risk::Warning,
            format!(
                "drops unique index `{}`: duplicates become possible",
                index.name
            ),
        ),
        Change::DropIndex { index, .. } => level(
            Risk::Warning,
            format!(
                "drops index `{}`, which no DocType declares (added by hand?): queries that use it slow down",
                index.name
            ),
        ),
        Change::AddForeignKey { foreign_key, .. } => match measured {
            Some(n) if n > 0 => level(
                Risk::Breaking,
                format!(
                    "new foreign key to `{}`, but {n} row(s) point at no row there: fix them in a #[migration] first",
                    foreign_key.ref_table
                ),
            ),
            _ if facts.on_new_null_columns => level(
                Risk::Safe,
                format!(
                    "new foreign key to `{}` on new nullable column(s): every row holds NULL, which it accepts",
                    foreign_key.ref_table
                ),
            ),
            Some(_) => level(
                Risk::Warning,
                format!(
                    "new foreign key to `{}`: every row has its target today (measured)",
                    foreign_key.ref_table
                ),
            ),
            None => level(
                Risk::Warning,
                format!(
                    "new foreign key to `{}`: rows without a target would make it fail",
                    foreign_key.ref_table
                ),
            ),
        },
        Change::DropForeignKey { foreign_key, .. } => level(
            Risk::Warning,
            format!(
                "drops foreign key `{}`: references to `{}` are no longer enforced",
                foreign_key.name, foreign_key.ref_table
            ),
        ),
        Change::DropCheck { check, .. } if facts.check_replaced => level(
            Risk::Safe,
            format!(
                "replaces check `{}` ({}) with the declared definition below",
                check.name, check.expr
            ),
        ),
        // Like a foreign key or unique index no DocType declares: no row
        // changes, but somebody may have added it on purpose.
        Change::DropCheck { check, .. } => level(
            Risk::Warning,
            format!(
                "drops check `{}` ({}), which no DocType declares: no row is changed, rows it rejected become possible; declare it with #[doctype(check(...))] to keep it",
                check.name, check.expr
            ),
        ),
        Change::AddCheck { check, .. } => match measured {
            Some(n) if n > 0 => level(
                Risk::Breaking,
                format!(
                    "new check `{}` ({}), but {n} row(s) violate it: fix them in a #[migration] first",
                    check.name, check.expr
                ),
            ),
            _ if facts.widens_check => level(
                Risk::Safe,
                format!(
                    "check `{}` lists more values ({}): every row the old one accepted, it accepts",
                    check.name, check.expr
                ),
            ),
            Some(_) => level(
                Risk::Warning,
                format!(
                    "new check `{}` ({}): every row satisfies it today (measured); writers of rows it rejects will fail",
                    check.name, check.expr
                ),
            ),
            None => level(
                Risk::Warning,
                format!(
                    "new check `{}` ({}): rows that violate it would make it fail",
                    check.name, check.expr
                ),
            ),
        },
        Change::RenameTable { from, to } if split_table_name(from).0 != split_table_name(to).0 => {
            level(
                Risk::Breaking,
                format!(
                    "moves table `{from}` to `{to}` (another schema; the rows, indexes and foreign keys move with it): running code that uses `{from}` breaks; write the migration with `migrate make` (it moves the table)"
                ),
            )
        }
        Change::RenameTable { from, to } => level(
            Risk::Breaking,
            format!(
                "renames table `{from}` to `{to}`: running code that uses `{from}` breaks; write the migration with `migrate make` (it renames the table, foreign keys follow)"
            ),
        ),
        Change::RenameColumn { from, to, .. } => level(
            Risk::Breaking,
            format!(
                "renames `{from}` to `{to}`: running code that uses `{from}` breaks; {MIGRATION_HINT}"
            ),
        ),
        Change::AlterPrimaryKey { from, to, .. } if from.is_empty() && !to.is_empty() => {
            match measured {
                Some(n) if n > 0 => level(
                    Risk::Breaking,
                    format!(
                        "new primary key ({}) on a table without one, but {n} row(s) hold NULL in it or share their values with another row: fix them in a #[migration] first",
                        to.join(", ")
                    ),
                ),
                Some(_) => level(
                    Risk::Warning,
                    format!(
                        "new primary key ({}) on a table without one: no NULLs or duplicates today (measured); writers of duplicates will fail",
                        to.join(", ")
                    ),
                ),
                None => level(
                    Risk::Warning,
                    format!(
                        "new primary key ({}) on a table without one: NULLs or duplicates would make it fail",
                        to.join(", ")
                    ),
                ),
            }
        }
        Change::AlterPrimaryKey { from, to, .. } => level(
            Risk::Breaking,
            format!(
                "changes the primary key from ({}) to ({}); {MIGRATION_HINT}",
                from.join(", "),
                to.join(", ")
            ),
        ),
        Change::OrphanColumn { table, column } => level(
            Risk::Breaking,
            format!(
                "column `{table}.{}` is in the database but no DocType declares it; m keeps it (never drops data): declare it again, or drop it in a #[migration]{}",
                column.name,
                if column.nullable || column.default.is_some() {
                    ""
                } else {
                    " (it is NOT NULL without a default: inserts that omit it fail)"
                }
            ),
        ),
        Change::OrphanTable { table } => level(
            Risk::Breaking,
            format!(
                "table `{table}` is in the database but no DocType declares it; m keeps it (never drops data): declare it again, or drop it in a #[migration]"
            ),
        ),
    }
}

fn describe_fill(fill: &DefaultValue) -> String {
    match fill {
        DefaultValue::Bool(b) => b.to_string(),
        DefaultValue::Int(i) => i.to_string(),
        DefaultValue::Text(t) if t.is_empty() => "the empty string".into(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, Index};

    fn string(n: Option<u32>) -> LogicalType {
        LogicalType::String { max_length: n }
    }

    #[test]
    fn enum_values_added_widen_and_removed_narrow() {
        let e = |sql: &'static str| LogicalType::Custom { sql: sql.into() };
        let change = |a, b| type_change(&e(a), &e(b));
        assert_eq!(
            change("enum('a','b')", "enum('a','b','c')"),
            TypeChange::Widen
        );
        assert_eq!(
            change("enum('a','b')", "ENUM('c', 'a', 'b')"),
            TypeChange::Widen
        );
        assert_eq!(change("enum('a','b')", "enum('a')"), TypeChange::Narrow);
        assert_eq!(
            change("enum('a','b')", "set('a','b')"),
            TypeChange::Incompatible
        );
    }

    #[test]
    fn enumeration_type_changes() {
        let e = |values: &'static [&'static str]| LogicalType::Enum {
            name: "mood".into(),
            values: crate::schema::EnumValues::from_static(values),
        };
        assert_eq!(type_change(&e(&["a"]), &e(&["b", "a"])), TypeChange::Widen);
        assert_eq!(type_change(&e(&["a", "b"]), &e(&["a"])), TypeChange::Narrow);
        assert_eq!(type_change(&e(&["abc"]), &string(None)), TypeChange::Widen);
        assert_eq!(
            type_change(&e(&["abc"]), &string(Some(3))),
            TypeChange::Widen
        );
        assert_eq!(
            type_change(&e(&["abcd"]), &string(Some(3))),
            TypeChange::Narrow
        );
        assert_eq!(type_change(&string(None), &e(&["a"])), TypeChange::Narrow);
        assert_eq!(
            type_change(&LogicalType::I64, &e(&["a"])),
            TypeChange::Incompatible
        );
    }

    #[test]
    fn type_changes() {
        assert_eq!(
            type_change(&LogicalType::I32, &LogicalType::I64),
            TypeChange::Widen
        );
        assert_eq!(
            type_change(&LogicalType::I64, &LogicalType::I32),
            TypeChange::Narrow
        );
        assert_eq!(
            type_change(&string(Some(10)), &string(Some(20))),
            TypeChange::Widen
        );
        assert_eq!(
            type_change(&string(Some(20)), &string(None)),
            TypeChange::Widen
        );
        assert_eq!(
            type_change(&string(None), &string(Some(20))),
            TypeChange::Narrow
        );
        assert_eq!(
            type_change(&LogicalType::I64, &string(None)),
            TypeChange::Incompatible
        );
        assert_eq!(
            type_change(&LogicalType::I32, &LogicalType::F64),
            TypeChange::Widen
        );
        assert_eq!(
            type_change(&LogicalType::I64, &LogicalType::F64),
            TypeChange::Narrow
        );
        assert_eq!(
            type_change(&LogicalType::I32, &LogicalType::F32),
            TypeChange::Narrow
        );
        assert_eq!(
            type_change(
                &LogicalType::Decimal {
                    precision: 10,
                    scale: 2
                },
                &LogicalType::Decimal {
                    precision: 12,
                    scale: 3
                }
            ),
            TypeChange::Widen
        );
        assert_eq!(
            type_change(
                &LogicalType::Decimal {
                    precision: 10,
                    scale: 2
                },
                &LogicalType::Decimal {
                    precision: 10,
                    scale: 3
                }
            ),
            TypeChange::Narrow
        );
    }

    #[test]
    fn measurements_decide() {
        let change = Change::SetNotNull {
            table: "t".into(),
            column: "c".into(),
        };
        assert_eq!(assess(&change, Some(0)).risk, Risk::Warning);
        assert_eq!(assess(&change, Some(3)).risk, Risk::Breaking);
        assert!(assess(&change, Some(3)).reason.contains("3 row(s)"));
        let unique = Change::AddIndex {
            table: "t".into(),
            index: Index {
                name: "ux".into(),
                columns: vec!["c".into()],
                unique: true,
            },
        };
        assert_eq!(assess(&unique, Some(2)).risk, Risk::Breaking);
        let add = Change::AddColumn {
            table: "t".into(),
            column: Column::new("c", LogicalType::I32),
        };
        assert_eq!(assess(&add, Some(0)).risk, Risk::Safe);
        assert_eq!(assess(&add, Some(5)).risk, Risk::Warning);
        let add_uuid = Change::AddColumn {
            table: "t".into(),
            column: Column::new("c", LogicalType::Uuid),
        };
        assert_eq!(assess(&add_uuid, Some(5)).risk, Risk::Breaking);
    }

    #[test]
    fn a_narrowing_applies_only_when_measured_to_fit() {
        let narrow = Change::AlterColumnType {
            table: "t".into(),
            column: "c".into(),
            from: LogicalType::F64,
            to: LogicalType::F32,
        };
        assert_eq!(assess(&narrow, Some(0)).risk, Risk::Warning);
        let changed = assess(&narrow, Some(2));
        assert_eq!(changed.risk, Risk::Breaking);
        assert!(changed.reason.contains("2 row(s)"), "{}", changed.reason);
        // Not measured (a plan from a snapshot): values may change.
        assert_eq!(assess(&narrow, None).risk, Risk::Breaking);
        let failed = assess_with(
            &narrow,
            &Facts {
                measured: Measurement::Failed("no such function".into()),
                ..Facts::default()
            },
        );
        assert_eq!(failed.risk, Risk::Breaking);
        assert!(
            failed
                .reason
                .starts_with("could not measure: no such function"),
            "{}",
            failed.reason
        );
    }

    #[test]
    fn type_changes_of_numbers_and_times() {
        let decimal = |precision, scale| LogicalType::Decimal { precision, scale };
        assert_eq!(
            type_change(&LogicalType::I32, &decimal(12, 2)),
            TypeChange::Widen
        );
        assert_eq!(
            type_change(&LogicalType::I32, &decimal(10, 2)),
            TypeChange::Narrow
        );
        assert_eq!(
            type_change(&decimal(6, 2), &decimal(4, 1)),
            TypeChange::Narrow
        );
        assert_eq!(
            type_change(&LogicalType::Date, &LogicalType::DateTime),
            TypeChange::Widen
        );
        assert_eq!(
            type_change(&LogicalType::Timestamp, &LogicalType::DateTime),
            TypeChange::Narrow
        );
        assert_eq!(
            type_change(&LogicalType::DateTime, &LogicalType::Date),
            TypeChange::Incompatible
        );
    }

    #[test]
    fn a_foreign_key_on_new_null_columns_is_safe() {
        let key = Change::AddForeignKey {
            table: "t".into(),
            foreign_key: crate::schema::ForeignKey::new(
                "t",
                vec!["c".into()],
                "u",
                vec!["id".into()],
                crate::schema::ReferentialAction::NoAction,
            ),
        };
        let on_new = |measured| Facts {
            measured,
            on_new_null_columns: true,
            ..Facts::default()
        };
        assert_eq!(
            assess_with(&key, &on_new(Measurement::Rows(0))).risk,
            Risk::Safe
        );
        assert_eq!(assess(&key, Some(0)).risk, Risk::Warning);
        assert_eq!(
            assess_with(&key, &on_new(Measurement::Rows(1))).risk,
            Risk::Breaking
        );
    }
}
