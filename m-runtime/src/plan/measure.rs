//! Measuring the live database for a plan. Each change's probe is built
//! from the live column types and from what the changes before it in the
//! plan do: a column they add holds its default (or fill value) in every
//! row, a column they rename is read under its live name, a table they
//! create has no rows. So a probe names only what the database has, and
//! a probe the database still rejects makes its change BREAKING ("could
//! not measure") instead of failing the plan.

use std::collections::BTreeMap;

use crate::diff::Change;
use crate::risk::{
    Facts, Measurement, Operand, Probe, Target, TypeChange, fill_value, type_change,
};
use crate::schema::Schema;
use crate::{Db, Error, Result};

/// A table as the plan has it just before a change runs, in terms of the
/// live database.
#[derive(Clone, Debug)]
enum Shadow {
    /// A live table: what each column (by its name at this point of the
    /// plan) reads.
    Live(BTreeMap<String, Operand>),
    /// A table the plan creates: it has no rows.
    Created,
}

/// The probe of each change of `changes` (in plan order) over `live`:
/// `Ok(None)` when the change needs none, `Err(why)` when it needs one that
/// cannot be built.
pub(super) fn probes(
    live: &Schema,
    changes: &[Change],
) -> Vec<std::result::Result<Option<Probe>, String>> {
    let mut shadows: BTreeMap<String, Shadow> = live
        .tables
        .iter()
        .map(|(name, table)| {
            let columns = table
                .columns
                .iter()
                .map(|c| {
                    let operand = Operand::Column {
                        name: c.name.clone(),
                        ty: c.ty.clone(),
                    };
                    (c.name.clone(), operand)
                })
                .collect();
            (name.clone(), Shadow::Live(columns))
        })
        .collect();
    changes
        .iter()
        .map(|change| {
            let probe = probe_for(change, &shadows);
            advance(&mut shadows, change);
            probe
        })
        .collect()
}

/// What the database has after `change`, as far as probes care.
fn advance(shadows: &mut BTreeMap<String, Shadow>, change: &Change) {
    match change {
        Change::CreateTable { table } => {
            shadows.insert(table.name.clone(), Shadow::Created);
        }
        Change::AddColumn { table, column } => {
            if let Some(Shadow::Live(columns)) = shadows.get_mut(table) {
                // Existing rows get the default; a NOT NULL column without
                // one gets its type's zero (see `fill_value`).
                let value = column
                    .default
                    .clone()
                    .or_else(|| (!column.nullable).then(|| fill_value(&column.ty)).flatten());
                columns.insert(
                    column.name.clone(),
                    Operand::Value {
                        value,
                        ty: column.ty.clone(),
                    },
                );
            }
        }
        Change::RenameColumn { table, from, to } => {
            if let Some(Shadow::Live(columns)) = shadows.get_mut(table)
                && let Some(operand) = columns.remove(from)
            {
                columns.insert(to.clone(), operand);
            }
        }
        _ => {}
    }
}

/// The probe of one change, given what the plan did before it.
fn probe_for(
    change: &Change,
    shadows: &BTreeMap<String, Shadow>,
) -> std::result::Result<Option<Probe>, String> {
    if let Change::CreateTable { table } = change {
        return Ok(Some(Probe::NameTaken {
            name: table.name.clone(),
        }));
    }
    let needs_probe = match change {
        Change::AddColumn { column, .. } => !column.nullable && column.default.is_none(),
        Change::AddIndex { index, .. } => index.unique,
        Change::AlterPrimaryKey { from, to, .. } => from.is_empty() && !to.is_empty(),
        Change::SetNotNull { .. }
        | Change::AlterColumnType { .. }
        | Change::AddForeignKey { .. }
        | Change::AddCheck { .. } => true,
        _ => false,
    };
    if !needs_probe {
        return Ok(None);
    }
    let table = change.table();
    let columns = match shadows.get(table) {
        Some(Shadow::Live(columns)) => columns,
        // A table the plan creates has no rows to measure.
        Some(Shadow::Created) => return Ok(None),
        None => return Err(format!("table `{table}` is not in the database")),
    };
    let operand = |name: &str| {
        columns.get(name).cloned().ok_or_else(|| {
            format!(
                "column `{table}.{name}` is neither in the database nor added by an earlier change"
            )
        })
    };
    let live_column = |name: &str| match operand(name)? {
        Operand::Column { name, ty } => Ok((name, ty)),
        // Only a column the plan adds reads as a value, and such a column
        // gets no other change of its own.
        Operand::Value { .. } => Err(format!(
            "column `{table}.{name}` is added by this plan: it has no rows to measure yet"
        )),
    };
    let probe = match change {
        Change::AddColumn { .. } => Probe::Rows {
            table: table.to_owned(),
        },
        Change::SetNotNull { column, .. } => Probe::Nulls {
            table: table.to_owned(),
            column: live_column(column)?.0,
        },
        Change::AlterColumnType { column, to, .. } => {
            let (name, from) = live_column(column)?;
            if type_change(&from, to) != TypeChange::Narrow {
                return Ok(None);
            }
            Probe::Unfit {
                table: table.to_owned(),
                column: name,
                from,
                to: to.clone(),
            }
        }
        Change::AddCheck { check, .. } => {
            let as_live = columns.iter().all(
                |(name, operand)| matches!(operand, Operand::Column { name: live, .. } if live == name),
            );
            Probe::CheckViolations {
                table: table.to_owned(),
                columns: if as_live {
                    Vec::new()
                } else {
                    columns
                        .iter()
                        .map(|(name, operand)| (name.clone(), operand.clone()))
                        .collect()
                },
                expr: check.expr.clone(),
            }
        }
        Change::AddIndex { index, .. } => Probe::Duplicates {
            table: table.to_owned(),
            columns: index
                .columns
                .iter()
                .map(|c| operand(c))
                .collect::<std::result::Result<_, _>>()?,
        },
        Change::AlterPrimaryKey { to, .. } => Probe::KeyViolations {
            table: table.to_owned(),
            columns: to
                .iter()
                .map(|c| operand(c))
                .collect::<std::result::Result<_, _>>()?,
        },
        Change::AddForeignKey { foreign_key, .. } => {
            let target = match shadows.get(&foreign_key.ref_table) {
                Some(Shadow::Created) => Target::Created,
                Some(Shadow::Live(targets)) => Target::Table {
                    table: foreign_key.ref_table.clone(),
                    columns: foreign_key
                        .ref_columns
                        .iter()
                        .map(|c| {
                            targets.get(c).cloned().ok_or_else(|| {
                                format!(
                                    "referenced column `{}.{c}` is neither in the database nor added by an earlier change",
                                    foreign_key.ref_table
                                )
                            })
                        })
                        .collect::<std::result::Result<_, _>>()?,
                },
                None => {
                    return Err(format!(
                        "referenced table `{}` is neither in the database nor created by this plan",
                        foreign_key.ref_table
                    ));
                }
            };
            Probe::Dangling {
                table: table.to_owned(),
                columns: foreign_key
                    .columns
                    .iter()
                    .map(|c| operand(c))
                    .collect::<std::result::Result<_, _>>()?,
                target,
            }
        }
        _ => return Ok(None),
    };
    Ok(Some(probe))
}

/// What the database says about each of `changes`: its probe's count
/// ([`measure`]), and for a type change the views that use the column
/// where the database will not change a type under them (one query for all
/// of them, [`Dialect::column_users_sql`](crate::backend::Dialect::column_users_sql)).
pub(super) async fn facts(db: &Db, live: &Schema, changes: &[Change]) -> Result<Vec<Facts>> {
    let measured = measure(db, &probes(live, changes)).await?;
    let altered: Vec<(String, String)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::AlterColumnType { table, column, .. } => Some((table.clone(), column.clone())),
            _ => None,
        })
        .collect();
    let mut users: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    if let Some(sql) = db.backend().dialect().column_users_sql(&altered)
        && !altered.is_empty()
    {
        for row in db.fetch_all(&sql).await? {
            let get = |i| {
                sqlx::Row::try_get::<String, _>(&row, i)
                    .map_err(|e| Error::database(format!("reading `{sql}`"), e))
            };
            users.entry((get(0)?, get(1)?)).or_default().push(get(2)?);
        }
    }
    Ok(changes
        .iter()
        .zip(measured)
        .map(|(change, measured)| Facts {
            measured,
            used_by: match change {
                Change::AlterColumnType { table, column, .. } => users
                    .get(&(table.clone(), column.clone()))
                    .cloned()
                    .unwrap_or_default(),
                _ => Vec::new(),
            },
            ..Facts::default()
        })
        .collect())
}

/// Runs each probe. A probe that could not be built, or that the database
/// rejects, is [`Measurement::Failed`] with the reason; any other error (a
/// lost connection, say) fails the plan. The names of the tables to create
/// are looked up in one query, however many there are.
pub(super) async fn measure(
    db: &Db,
    probes: &[std::result::Result<Option<Probe>, String>],
) -> Result<Vec<Measurement>> {
    let dialect = db.backend().dialect();
    let names: Vec<String> = probes
        .iter()
        .filter_map(|p| match p {
            Ok(Some(Probe::NameTaken { name })) => Some(name.clone()),
            _ => None,
        })
        .collect();
    let fold = |name: &str| {
        if dialect.case_insensitive_tables() {
            name.to_ascii_lowercase()
        } else {
            name.to_owned()
        }
    };
    let taken: std::result::Result<std::collections::BTreeSet<String>, String> =
        match dialect.relations_named_sql(&names) {
            Some(sql) if !names.is_empty() => match db.fetch_all(&sql).await {
                Ok(rows) => {
                    let mut taken = std::collections::BTreeSet::new();
                    for row in &rows {
                        let name: String = sqlx::Row::try_get(row, 0)
                            .map_err(|e| Error::database(format!("reading `{sql}`"), e))?;
                        taken.insert(fold(&name));
                    }
                    Ok(taken)
                }
                Err(error) => match rejection(&error) {
                    Some(message) => Err(format!(
                        "the database rejected the lookup `{sql}`: {message}"
                    )),
                    None => return Err(error),
                },
            },
            _ => Ok(Default::default()),
        };
    let mut measured = Vec::with_capacity(probes.len());
    for probe in probes {
        measured.push(match probe {
            Err(why) => Measurement::Failed(why.clone()),
            Ok(None) => Measurement::None,
            Ok(Some(Probe::NameTaken { name })) => match &taken {
                Ok(taken) => Measurement::Rows(u64::from(taken.contains(&fold(name)))),
                Err(why) => Measurement::Failed(why.clone()),
            },
            Ok(Some(probe)) => match db.fetch_i64(&dialect.probe_sql(probe)).await {
                Ok(n) => Measurement::Rows(n.unwrap_or(0).max(0) as u64),
                Err(error) => match rejection(&error) {
                    Some(message) => Measurement::Failed(format!(
                        "the database rejected the probe `{}`: {message}",
                        dialect.probe_sql(probe)
                    )),
                    None => return Err(error),
                },
            },
        });
    }
    Ok(measured)
}

/// The server's message when the database itself rejected the statement,
/// as opposed to a connection lost on the way or a transient state of the
/// server (SQLSTATE classes 08 connection, 40 rollback, 53 resources, 57
/// operator intervention; SQLite's busy, locked, out of memory, I/O and
/// full), which fail the plan.
fn rejection(error: &Error) -> Option<String> {
    let Error::Statement {
        error: sqlx::Error::Database(e),
        ..
    } = error
    else {
        return None;
    };
    let transient = match e.code().as_deref() {
        Some(code) => match code.parse::<u32>() {
            // SQLite: the primary result code is the low byte.
            Ok(n) if code.len() != 5 => matches!(n & 0xff, 5 | 6 | 7 | 10 | 13),
            _ => ["08", "40", "53", "57"].iter().any(|c| code.starts_with(c)),
        },
        None => false,
    };
    (!transient).then(|| e.message().to_owned())
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::diff::diff;
    use crate::schema::{Column, DefaultValue, ForeignKey, LogicalType, ReferentialAction, Table};

    fn int_column(name: &str) -> Operand {
        Operand::Column {
            name: name.into(),
            ty: LogicalType::I64,
        }
    }

    #[test]
    fn probes_read_what_earlier_changes_leave() {
        let owner = Table::new("owner")
            .column(Column::new("id", LogicalType::I64))
            .column(Column::new("code", LogicalType::I64))
            .primary_key(["id"]);
        let item = Table::new("item")
            .column(Column::new("id", LogicalType::I64))
            .column(Column::new("owner_code", LogicalType::I64).nullable())
            .primary_key(["id"]);
        let mut live = Schema::default();
        live.insert(owner.clone());
        live.insert(item.clone());
        let mut desired = Schema::default();
        // `owner.code` renamed to `tag`; `holder` new; `item` gains a
        // column with a default, a unique index on it and keys to both.
        let mut owner = owner;
        owner.columns[1] = Column::new("tag", LogicalType::I64).renamed_from("code");
        desired.insert(owner);
        desired.insert(
            Table::new("holder")
                .column(Column::new("id", LogicalType::I64))
                .primary_key(["id"]),
        );
        let key = |column: &str, target: &str, ref_column: &str| {
            ForeignKey::new(
                "item",
                vec![column.into()],
                target,
                vec![ref_column.into()],
                ReferentialAction::NoAction,
            )
        };
        desired.insert(
            item.column(Column::new("rating", LogicalType::I32).default(DefaultValue::Int(3)))
                .index(["rating"], true)
                .foreign_key(key("owner_code", "owner", "tag"))
                .foreign_key(key("id", "holder", "id")),
        );
        let changes = diff(&live, &desired);
        let probes: Vec<_> = changes
            .iter()
            .zip(probes(&live, &changes))
            .filter_map(|(c, p)| Some((c.kind(), p.ok()??)))
            .collect();
        assert_eq!(
            probes,
            [
                (
                    "create_table",
                    Probe::NameTaken {
                        name: "holder".into()
                    }
                ),
                (
                    "add_index",
                    Probe::Duplicates {
                        table: "item".into(),
                        columns: vec![Operand::Value {
                            value: Some(DefaultValue::Int(3)),
                            ty: LogicalType::I32
                        }],
                    }
                ),
                (
                    "add_foreign_key",
                    Probe::Dangling {
                        table: "item".into(),
                        columns: vec![int_column("owner_code")],
                        target: Target::Table {
                            table: "owner".into(),
                            columns: vec![int_column("code")],
                        },
                    }
                ),
                (
                    "add_foreign_key",
                    Probe::Dangling {
                        table: "item".into(),
                        columns: vec![int_column("id")],
                        target: Target::Created,
                    }
                ),
            ]
        );
    }

    #[test]
    fn a_probe_that_cannot_be_built_says_why() {
        let live = Schema::default();
        let change = Change::SetNotNull {
            table: "ghost".into(),
            column: "c".into(),
        };
        assert_eq!(
            probes(&live, &[change]),
            [Err("table `ghost` is not in the database".to_owned())]
        );
    }

    #[derive(Debug)]
    struct Rejected(&'static str);

    impl std::fmt::Display for Rejected {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("rejected")
        }
    }

    impl std::error::Error for Rejected {}

    impl sqlx::error::DatabaseError for Rejected {
        fn message(&self) -> &str {
            "operator does not exist"
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some(self.0.into())
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            sqlx::error::ErrorKind::Other
        }
    }

    fn statement(error: sqlx::Error) -> Error {
        Error::Statement {
            sql: "SELECT 1".into(),
            notes: Vec::new(),
            error,
        }
    }

    #[test]
    fn only_a_rejected_probe_is_unmeasured() {
        let db = |code| statement(sqlx::Error::Database(Box::new(Rejected(code))));
        // Undefined function (PostgreSQL), SQLite's generic error.
        assert_eq!(
            rejection(&db("42883")).as_deref(),
            Some("operator does not exist")
        );
        assert!(rejection(&db("1")).is_some());
        // A dropped connection, a deadlock, a busy SQLite file: the plan fails.
        for transient in ["08006", "40P01", "57P01", "53300", "5", "517"] {
            assert_eq!(rejection(&db(transient)), None, "{transient}");
        }
        let lost = statement(sqlx::Error::Io(std::io::Error::from(
            std::io::ErrorKind::ConnectionReset,
        )));
        assert_eq!(rejection(&lost), None);
    }
}
