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
//! [`Probe`]): a narrowing that would truncate rows, a `NOT NULL` over NULLs,
//! a unique index over duplicates or a foreign key over dangling rows is
//! BREAKING, with the number of rows in the reason.
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
use crate::schema::{DefaultValue, LogicalType, Table, TypeFamily};

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

/// A measurement on the live database that decides a change's risk: plain
/// data, which each database's dialect turns into a counting query
/// (`Dialect::probe_sql`).
#[derive(Clone, Debug, PartialEq, Eq)]
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
        /// The column name.
        column: String,
    },
    /// Rows whose text is longer than `max` characters.
    TooLong {
        /// The table name.
        table: String,
        /// The column name.
        column: String,
        /// The new maximum length, in characters.
        max: u32,
    },
    /// Rows whose integer falls outside `min..=max`.
    OutOfRange {
        /// The table name.
        table: String,
        /// The column name.
        column: String,
        /// The smallest value the new type holds.
        min: i64,
        /// The largest value the new type holds.
        max: i64,
    },
    /// Rows that share their values in `columns` with another row (rows
    /// with a NULL in `columns` are not counted).
    Duplicates {
        /// The table name.
        table: String,
        /// The columns of the unique index.
        columns: Vec<String>,
    },
    /// Rows whose reference points at no row of `ref_table` (rows with a
    /// NULL in `columns` are not counted).
    Dangling {
        /// The referencing table.
        table: String,
        /// The referencing columns.
        columns: Vec<String>,
        /// The referenced table.
        ref_table: String,
        /// The referenced columns, pairwise with `columns`.
        ref_columns: Vec<String>,
    },
}

impl Probe {
    /// The measurement a change needs, if any. `live` is the table as the
    /// database has it (`None` when the table does not exist yet, and then
    /// there is nothing to measure).
    ///
    /// ```
    /// use m_runtime::diff::Change;
    /// use m_runtime::risk::Probe;
    /// use m_runtime::schema::{Column, LogicalType, Table};
    ///
    /// let live = Table::new("book").column(Column::new("isbn", LogicalType::I64).nullable());
    /// let change = Change::SetNotNull { table: "book".into(), column: "isbn".into() };
    /// assert_eq!(
    ///     Probe::for_change(&change, Some(&live)),
    ///     Some(Probe::Nulls { table: "book".into(), column: "isbn".into() }),
    /// );
    /// ```
    pub fn for_change(change: &Change, live: Option<&Table>) -> Option<Probe> {
        let live = live?;
        let has = |c: &str| live.get_column(c).is_some();
        let table = live.name.clone();
        match change {
            Change::AddColumn { column, .. } if !column.nullable && column.default.is_none() => {
                Some(Probe::Rows { table })
            }
            Change::SetNotNull { column, .. } if has(column) => Some(Probe::Nulls {
                table,
                column: column.clone(),
            }),
            Change::AlterColumnType { column, to, .. } if has(column) => match to {
                LogicalType::String {
                    max_length: Some(max),
                } => Some(Probe::TooLong {
                    table,
                    column: column.clone(),
                    max: *max,
                }),
                LogicalType::I16 => Some(Probe::OutOfRange {
                    table,
                    column: column.clone(),
                    min: i16::MIN.into(),
                    max: i16::MAX.into(),
                }),
                LogicalType::I32 => Some(Probe::OutOfRange {
                    table,
                    column: column.clone(),
                    min: i32::MIN.into(),
                    max: i32::MAX.into(),
                }),
                _ => None,
            },
            Change::AddIndex { index, .. }
                if index.unique && index.columns.iter().all(|c| has(c)) =>
            {
                Some(Probe::Duplicates {
                    table,
                    columns: index.columns.clone(),
                })
            }
            Change::AddForeignKey { foreign_key, .. }
                if foreign_key.columns.iter().all(|c| has(c)) =>
            {
                Some(Probe::Dangling {
                    table,
                    columns: foreign_key.columns.clone(),
                    ref_table: foreign_key.ref_table.clone(),
                    ref_columns: foreign_key.ref_columns.clone(),
                })
            }
            _ => None,
        }
    }
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
    /// Old values may not fit; they fit if the data allows.
    Narrow,
    /// Values must be converted between unrelated types.
    Incompatible,
}

/// Classifies a type change from `from` to `to` (pure: the data is not
/// consulted; see [`Probe`] for that).
pub fn type_change(from: &LogicalType, to: &LogicalType) -> TypeChange {
    use LogicalType as T;
    match (from, to) {
        (a, b) if a.integer_width().is_some() && b.integer_width().is_some() => {
            if a.integer_width() <= b.integer_width() {
                TypeChange::Widen
            } else {
                TypeChange::Narrow
            }
        }
        (T::F32, T::F64) | (T::I16 | T::I32, T::F64) => TypeChange::Widen,
        (T::F64, T::F32) => TypeChange::Narrow,
        (T::String { max_length: a }, T::String { max_length: b }) => match (a, b) {
            (_, None) => TypeChange::Widen,
            (Some(a), Some(b)) if a <= b => TypeChange::Widen,
            _ => TypeChange::Narrow,
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
        ) => {
            if s2 >= s1 && p2.saturating_sub(*s2) >= p1.saturating_sub(*s1) {
                TypeChange::Widen
            } else {
                TypeChange::Narrow
            }
        }
        (T::Date | T::DateTime, T::DateTime | T::Timestamp) if from != to => TypeChange::Narrow,
        _ => TypeChange::Incompatible,
    }
}

/// Classifies one change. `measured` is the result of the change's
/// [`Probe`], when it has one and the database was measured; with `None`
/// the assessment assumes rows may exist and may not fit.
pub fn assess(change: &Change, measured: Option<u64>) -> Assessment {
    match change {
        Change::CreateTable { table } => level(Risk::Safe, format!("new table `{}`", table.name)),
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
        Change::AlterColumnType { from, to, .. } => match (type_change(from, to), measured) {
            (TypeChange::Widen, _) => level(
                Risk::Safe,
                format!("widens {from} to {to}: every value fits"),
            ),
            (TypeChange::Narrow, Some(n)) if n > 0 => level(
                Risk::Breaking,
                format!(
                    "narrows {from} to {to}: {n} row(s) do not fit and would be truncated or rejected; {MIGRATION_HINT}"
                ),
            ),
            (TypeChange::Narrow, Some(_)) => level(
                Risk::Warning,
                format!(
                    "narrows {from} to {to}: every current row fits (measured), but later writes may not"
                ),
            ),
            (TypeChange::Narrow, None) => level(
                Risk::Warning,
                format!("narrows {from} to {to}: values may be rounded or rejected"),
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
        Change::RenameColumn { from, to, .. } => level(
            Risk::Breaking,
            format!(
                "renames `{from}` to `{to}`: running code that uses `{from}` breaks; {MIGRATION_HINT}"
            ),
        ),
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
}
