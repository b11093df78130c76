//! The plan: every change with its risk, reason, SQL and whether the policy
//! lets it through. Building it reads the database (introspection and
//! probes) but writes nothing; [`crate::apply`] carries it out.

mod block;
mod compile;
mod impact;
mod measure;
mod policy;
mod prepare;

use serde::Serialize;
use std::collections::BTreeSet;

pub use compile::apply_to_table;
pub use impact::Impact;
pub use policy::Policy;
pub use prepare::{prepare, resolve_sql_types};

use block::{block_unsupported, block_until_consistent};
use compile::compile_sql;

use crate::backend::Dialect;
use crate::diff::{Change, diff};
use crate::risk::{Facts, Measurement, Risk, assess_with};
use crate::schema::Schema;
use crate::{Db, Result};

/// Whether a planned change will run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "action", content = "blocked_because", rename_all = "snake_case")]
pub enum Action {
    /// The change runs.
    Apply,
    /// The change is held back, for the reason given (the policy, a blocked
    /// change it needs, or what the database cannot build).
    Blocked(String),
}

/// One change, assessed and compiled to SQL.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedChange {
    /// The app declaring the table (`None` for orphans).
    pub app: Option<String>,
    /// The change.
    pub change: Change,
    /// Its risk level.
    pub risk: Risk,
    /// Why it has that risk, with what the backend does where that matters
    /// (a table rebuild, no rollback).
    pub reason: String,
    /// The statements that carry the change out (for a blocked change: the
    /// statements it would run).
    pub sql: Vec<String>,
    /// The rows the change's probe counted (`None` when it has no probe).
    pub measured: Option<u64>,
    /// What running it does to the table: a rewrite, a full read, the lock
    /// held, MySQL's algorithm ([`Impact`]).
    pub impact: Impact,
    /// Whether it runs or why not.
    pub action: Action,
}

impl PlannedChange {
    /// Whether the change runs ([`Action::Apply`]).
    pub fn is_applied(&self) -> bool {
        self.action == Action::Apply
    }
}

/// A retired table or column the database still holds: acknowledged by the
/// code (`#[doctype(retired(columns = [...]))]`, [`retired_tables!`](crate::retired_tables)),
/// kept, and not a change. A migration drops it when the transition is over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Retired {
    /// The app that retired it.
    pub app: Option<String>,
    /// The table.
    pub table: String,
    /// The column; `None` when the whole table is retired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
}

/// The ordered list of planned changes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    /// The backend the SQL is written for.
    pub backend: String,
    /// The changes in execution order, blocked ones included.
    pub changes: Vec<PlannedChange>,
    /// Retired tables and columns the database still holds (not changes).
    pub retired: Vec<Retired>,
}

impl Plan {
    /// Whether there is no change at all (an orphan counts as a change; a
    /// retired column does not).
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Changes the policy lets through.
    pub fn applied(&self) -> impl Iterator<Item = &PlannedChange> {
        self.changes.iter().filter(|c| c.is_applied())
    }

    /// Changes the policy holds back.
    pub fn blocked(&self) -> impl Iterator<Item = &PlannedChange> {
        self.changes.iter().filter(|c| !c.is_applied())
    }

    /// Every statement to execute, in order (those of applied changes only).
    pub fn statements(&self) -> Vec<&str> {
        self.applied()
            .flat_map(|c| c.sql.iter().map(String::as_str))
            .collect()
    }

    /// Counts per risk level.
    pub fn summary(&self) -> Summary {
        let count = |r: Risk| self.changes.iter().filter(|c| c.risk == r).count();
        Summary {
            safe: count(Risk::Safe),
            warning: count(Risk::Warning),
            breaking: count(Risk::Breaking),
            apply: self.applied().count(),
            blocked: self.blocked().count(),
        }
    }

    /// The plan as `verify --format json` prints it ([`crate::output::PlanJson`]).
    pub fn json(&self) -> crate::output::PlanJson<'_> {
        crate::output::PlanJson::from(self)
    }
}

/// Counts of a plan's changes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// SAFE changes.
    pub safe: usize,
    /// WARNING changes.
    pub warning: usize,
    /// BREAKING changes (orphans included).
    pub breaking: usize,
    /// Changes that run.
    pub apply: usize,
    /// Changes held back.
    pub blocked: usize,
}

/// Introspects `db`, diffs it against `desired`, measures what data decides,
/// and plans under `policy`. Writes nothing; [`apply`](crate::apply)
/// carries the plan out.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use m_runtime::schema::{Column, LogicalType, Schema, Table};
/// use m_runtime::risk::Risk;
/// use m_runtime::{Db, Policy};
///
/// let db = Db::connect("sqlite::memory:").await?;
/// db.execute("CREATE TABLE book (id INTEGER PRIMARY KEY NOT NULL, isbn TEXT)").await?;
/// db.execute("INSERT INTO book (id, isbn) VALUES (1, NULL)").await?;
///
/// let mut desired = Schema::default();
/// desired.insert(
///     Table::new("book")
///         .column(Column::new("id", LogicalType::I64))
///         .column(Column::new("isbn", LogicalType::String { max_length: None })) // NOT NULL now
///         .column(Column::new("title", LogicalType::String { max_length: None }).nullable())
///         .primary_key(["id"]),
/// );
/// let plan = m_runtime::plan(&db, &desired, &Policy::default()).await?;
/// // The new nullable column is SAFE; NOT NULL over a NULL row is BREAKING.
/// let risks: Vec<(&str, Risk)> = plan.changes.iter().map(|c| (c.change.kind(), c.risk)).collect();
/// assert_eq!(risks, [("add_column", Risk::Safe), ("set_not_null", Risk::Breaking)]);
/// assert_eq!(plan.changes[1].measured, Some(1));
///
/// let report = m_runtime::apply(&db, &plan).await?;
/// assert_eq!((report.applied.len(), report.blocked.len()), (1, 1));
/// assert!(m_runtime::plan(&db, &desired, &Policy::default()).await?.applied().next().is_none());
/// # Ok::<(), m_runtime::Error>(()) }).unwrap();
/// ```
pub async fn plan(db: &Db, desired: &Schema, policy: &Policy) -> Result<Plan> {
    let live = crate::introspect_for(db, desired).await?;
    plan_against(db, &live, desired, policy).await
}

/// [`plan`] against an already introspected `live` schema (still reads the
/// database for the probes).
pub async fn plan_against(
    db: &Db,
    live: &Schema,
    desired: &Schema,
    policy: &Policy,
) -> Result<Plan> {
    crate::registry::check_schemas_supported(desired, db.backend())?;
    let dialect = db.backend().dialect();
    let (live, desired) = &prepare(dialect, live, desired);
    let changes = diff(live, desired);
    let facts = measure::facts(db, live, &changes).await?;
    Ok(build_measured(
        db.backend().name(),
        dialect,
        live,
        desired,
        changes,
        &facts,
        policy,
    ))
}

/// The pure part of planning: assess each change, apply the policy, block
/// what depends on a blocked change, and compile SQL. `changes` is the
/// [`diff`] of the [`prepare`]d schemas and `measured[i]` the probe result
/// of `changes[i]` (`None`: not measured).
pub fn build(
    backend: &str,
    dialect: &dyn Dialect,
    live: &Schema,
    desired: &Schema,
    changes: Vec<Change>,
    measured: &[Option<u64>],
    policy: &Policy,
) -> Plan {
    let facts: Vec<Facts> = measured
        .iter()
        .map(|m| Facts {
            measured: Measurement::from(*m),
            ..Facts::default()
        })
        .collect();
    build_measured(backend, dialect, live, desired, changes, &facts, policy)
}

/// The positions of the new checks that widen the check of the same name
/// the same changes drop: both an `IN` list of the same column
/// ([`Check::in_list`](crate::schema::Check::in_list)), every old value
/// still listed (an enumeration stored as text that gains values).
/// The dropped checks the plan adds again under the same name (a changed
/// definition).
fn replaced_checks(changes: &[Change]) -> BTreeSet<usize> {
    changes
        .iter()
        .enumerate()
        .filter_map(|(i, change)| {
            let Change::DropCheck { table, check } = change else {
                return None;
            };
            changes
                .iter()
                .any(|c| {
                    matches!(c, Change::AddCheck { table: t, check: new }
                        if t == table && new.name.eq_ignore_ascii_case(&check.name))
                })
                .then_some(i)
        })
        .collect()
}

fn widened_checks(changes: &[Change]) -> BTreeSet<usize> {
    changes
        .iter()
        .enumerate()
        .filter_map(|(i, change)| {
            let Change::AddCheck { table, check } = change else {
                return None;
            };
            let (column, values) = check.in_list()?;
            changes
                .iter()
                .any(|c| match c {
                    Change::DropCheck {
                        table: t,
                        check: old,
                    } if t == table && old.name.eq_ignore_ascii_case(&check.name) => {
                        old.in_list().is_some_and(|(c, old_values)| {
                            c == column && old_values.iter().all(|v| values.contains(v))
                        })
                    }
                    _ => false,
                })
                .then_some(i)
        })
        .collect()
}

/// [`build`] with what the database said about each change ([`Facts`]:
/// its measurement, failed probes included, and the views that use a
/// column whose type changes); `on_new_null_columns` and `widens_check`
/// are worked out here from the changes themselves.
pub fn build_measured(
    backend: &str,
    dialect: &dyn Dialect,
    live: &Schema,
    desired: &Schema,
    changes: Vec<Change>,
    facts: &[Facts],
    policy: &Policy,
) -> Plan {
    let new_null_columns = new_null_columns(&changes);
    let widened = widened_checks(&changes);
    let replaced = replaced_checks(&changes);
    let mut planned: Vec<PlannedChange> = changes
        .into_iter()
        .enumerate()
        .map(|(i, change)| {
            let facts = Facts {
                on_new_null_columns: match &change {
                    Change::AddForeignKey { table, foreign_key } => foreign_key
                        .columns
                        .iter()
                        .all(|c| new_null_columns.contains(&(table.clone(), c.clone()))),
                    _ => false,
                },
                widens_check: widened.contains(&i),
                check_replaced: replaced.contains(&i),
                ..facts.get(i).cloned().unwrap_or_default()
            };
            let mut assessment = assess_with(&change, &facts);
            if let Change::DropNotNull { table, column } = &change
                && desired
                    .table(table)
                    .is_some_and(|t| t.get_column(column).is_none())
            {
                assessment.reason = format!(
                    "no DocType declares `{column}` any more: its NOT NULL is dropped so that the code's inserts succeed (the column and its values are kept)"
                );
            }
            if assessment.risk >= Risk::Warning
                && let Some(note) = dialect.risk_note(&change)
            {
                assessment.reason.push_str(&format!(" ({note})"));
            }
            let action = match policy.allows(assessment.risk) {
                Ok(()) => Action::Apply,
                Err(why) => Action::Blocked(why),
            };
            PlannedChange {
                app: desired.table(change.table()).and_then(|t| t.app.clone()),
                change,
                risk: assessment.risk,
                reason: assessment.reason,
                sql: Vec::new(),
                measured: facts.measured.rows(),
                impact: Impact::default(),
                action,
            }
        })
        .collect();
    block_unsupported(dialect, desired, &mut planned);
    block_until_consistent(dialect, live, &mut planned);
    compile_sql(dialect, live, &mut planned);
    Plan {
        backend: backend.to_owned(),
        changes: planned,
        retired: retired_in(live, desired),
    }
}

/// The retired tables and columns `live` still holds, in name order.
fn retired_in(live: &Schema, desired: &Schema) -> Vec<Retired> {
    let tables = desired
        .retired_tables
        .iter()
        .filter(|(name, _)| live.table(name).is_some())
        .map(|(name, app)| Retired {
            app: Some(app.clone()),
            table: name.clone(),
            column: None,
        });
    let columns = desired.tables.values().flat_map(|want| {
        // Under a former name while the table's rename is pending.
        let have = live.table(&want.name).or_else(|| {
            want.renamed_from
                .iter()
                .find_map(|old| live.table(old).filter(|_| desired.table(old).is_none()))
        });
        want.retired_columns
            .iter()
            .filter(move |c| have.is_some_and(|t| t.get_column(c).is_some()))
            .map(|c| Retired {
                app: want.app.clone(),
                table: want.name.clone(),
                column: Some(c.clone()),
            })
    });
    let mut retired: Vec<Retired> = tables.chain(columns).collect();
    retired.sort_by(|a, b| (&a.table, &a.column).cmp(&(&b.table, &b.column)));
    retired
}

/// `(table, column)` of every column the changes add as nullable without a
/// default: every row holds NULL in it.
fn new_null_columns(changes: &[Change]) -> std::collections::BTreeSet<(String, String)> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::AddColumn { table, column } if column.nullable && column.default.is_none() => {
                Some((table.clone(), column.name.clone()))
            }
            _ => None,
        })
        .collect()
}
