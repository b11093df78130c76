//! The executor: carries out a [`Plan`]'s applied changes.
//!
//! Where DDL is transactional (PostgreSQL, SQLite) a sync is one
//! transaction: all of it commits or none of it does. One exception keeps
//! a large first sync possible on a default PostgreSQL server, whose shared
//! lock table holds `max_locks_per_transaction * (max_connections +
//! max_prepared_transactions)` objects (6,400) and whose every created
//! table holds about nine of them until commit: when the plan's estimated
//! locks exceed half of that ([`Backend::lock_budget`]), the creation of new
//! tables is committed in several transactions, each within the budget,
//! while every change to an existing table stays in one (the last)
//! transaction. A run cut short leaves whole new tables, empty; the next
//! run re-plans from what exists. [`SyncReport::transactions`] says how
//! many transactions a sync took.
//!
//! Where DDL is not transactional (MySQL/MariaDB commit each DDL
//! statement) a re-run re-plans from the live schema and so finishes
//! exactly what is missing. Every step is idempotent by diff: a change that
//! takes several statements leaves, when cut short, a schema whose diff is
//! the rest of it (e.g. a NOT NULL column added with a temporary fill
//! default whose drop did not run yet diffs to "drop the default"). Such a
//! run records its progress in [`JOURNAL_TABLE`], and the next run reports
//! one that stopped part-way ([`SyncReport::resumed`]).
//!
//! In a transaction, statements travel in batches of up to
//! [`BATCH_STATEMENTS`], one round trip each (a multi-statement simple
//! query), after a savepoint. When a batch fails, the executor rolls back to
//! the savepoint and runs its statements one by one, so that the error is
//! the failing statement's own (with the server's notes, e.g. PostgreSQL's
//! HINT); then the whole transaction is rolled back, as before. A replay
//! that succeeds (the failure did not repeat) still fails the sync with the
//! batch's error.
//!
//! On MySQL each statement is its own round trip, so that a run killed
//! mid-way leaves at most its statement in flight running on the server
//! (which the next run's lock does not wait for), and the failing statement
//! and the statements committed before it are known exactly. The journal
//! records progress every 64 statements rather than after each (each row
//! is a commit), and after each statement of a change of several, so
//! that it is exact wherever a table can be left between two statements of
//! a change.
//!
//! [`Backend::lock_budget`]: crate::backend::Backend::lock_budget

use sha2::{Digest, Sha256};

use crate::bookkeeping;
use crate::db::TxKind;
use crate::diff::Change;
use crate::plan::{Plan, PlannedChange};
use crate::{Db, Error, Result};

pub use crate::bookkeeping::JOURNAL_TABLE;

/// What a sync did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyncReport {
    /// Changes carried out (a rebuild's changes included).
    pub applied: Vec<PlannedChange>,
    /// Changes held back by the policy (or by a blocked change they need).
    pub blocked: Vec<PlannedChange>,
    /// Statements executed.
    pub statements: usize,
    /// A previous sync that stopped part-way (non-transactional backends
    /// only), as its journal recorded it. This run planned from the live
    /// schema, so it carried out what that one left undone.
    pub resumed: Option<Interrupted>,
    /// Transactions the statements were committed in where DDL is
    /// transactional: 1, or more when one transaction would take more locks
    /// than the server can hold (PostgreSQL), in which case the new tables
    /// were created in several. 0 when nothing ran or on a backend that
    /// commits each DDL statement (MySQL).
    pub transactions: usize,
}

/// A sync that stopped after `applied` of its `total` statements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interrupted {
    /// SHA-256 (hex) of the interrupted plan's statements, one per line.
    pub plan_hash: String,
    /// Statements of it that were applied.
    pub applied: usize,
    /// Statements it had.
    pub total: usize,
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "resuming: a previous sync (plan {}) stopped after statement {} of {}; this run planned from the live schema and applies what it left undone",
            &self.plan_hash[..self.plan_hash.len().min(12)],
            self.applied,
            self.total
        )
    }
}

impl SyncReport {
    /// Whether everything the plan held was applied (any blocked change,
    /// orphans included, makes it incomplete).
    pub fn is_complete(&self) -> bool {
        self.blocked.is_empty()
    }
}

/// Applies `plan`'s applied changes. On error nothing is committed where
/// the backend's DDL is transactional; the error
/// ([`Error::SyncFailed`]) says how many statements were committed.
pub async fn apply(db: &Db, plan: &Plan) -> Result<SyncReport> {
    apply_observed(db, plan, &|_, _, _| {}).await
}

/// [`apply`], calling `on_statement(done, total, sql)` for each statement
/// before the batch that holds it is sent (for progress bars).
pub async fn apply_observed(
    db: &Db,
    plan: &Plan,
    on_statement: &(dyn Fn(usize, usize, &str) + Sync),
) -> Result<SyncReport> {
    let mut report = SyncReport {
        applied: plan.applied().cloned().collect(),
        blocked: plan.blocked().cloned().collect(),
        statements: plan.statements().len(),
        resumed: None,
        transactions: 0,
    };
    if report.statements == 0 {
        return Ok(report);
    }
    let run = Run {
        db,
        total: report.statements,
        on_statement,
    };
    if db.backend().dialect().transactional_ddl() {
        report.transactions = run.transactional(plan).await?;
    } else {
        report.resumed = run.journalled(plan).await?;
    }
    Ok(report)
}

/// Statements sent in one round trip, at most.
pub const BATCH_STATEMENTS: usize = 64;

/// Bytes of SQL sent in one round trip, at most (a longer statement goes
/// alone).
const BATCH_BYTES: usize = 256 * 1024;

/// Statements between two journal rows of a statement-by-statement sync
/// (each journal row is a commit).
const JOURNAL_EVERY: usize = 64;

/// The savepoint before each batch of a transaction.
const SAVEPOINT: &str = "m_sync_batch";

/// The objects a change locks until its transaction ends, estimated from
/// above for PostgreSQL (the one backend with a [lock
/// budget](crate::backend::Backend::lock_budget)). A created table locks
/// itself, its row type, its TOAST table and TOAST index (4), its primary
/// key's index and constraint (2), each index (1), and each foreign key's
/// constraint and referenced table (2): 10 for a table with a key, two
/// indexes and a foreign key, which takes 9. A change to an existing table
/// locks that table, its indexes and what it references, counted as 8.
fn objects_locked(change: &Change) -> u64 {
    match change {
        Change::CreateTable { table } => {
            let keyed = u64::from(!table.primary_key.is_empty());
            4 + 2 * keyed + table.indexes.len() as u64 + 2 * table.foreign_keys.len() as u64
        }
        _ => 8,
    }
}

/// The statements of `plan` cut into transactions of at most `budget`
/// locked objects (see [`objects_locked`]). Only between two table
/// creations at the head of the plan may a transaction end; from the first
/// change to an existing table on, everything is one transaction. Without
/// a budget, or when the whole plan fits, one transaction.
fn transactions(plan: &Plan, budget: Option<u64>) -> Vec<Vec<&str>> {
    let applied: Vec<&PlannedChange> = plan.applied().collect();
    let creates = applied
        .iter()
        .take_while(|c| matches!(c.change, Change::CreateTable { .. }))
        .count();
    fn statements<'p>(changes: &[&'p PlannedChange]) -> Vec<&'p str> {
        changes
            .iter()
            .flat_map(|c| c.sql.iter().map(String::as_str))
            .collect()
    }
    let cost = |changes: &[&PlannedChange]| -> u64 {
        changes.iter().map(|c| objects_locked(&c.change)).sum()
    };
    // The units a transaction may end between: each table creation, then
    // the rest as one.
    let mut units: Vec<(u64, Vec<&str>)> = applied[..creates]
        .chunks(1)
        .map(|one| (cost(one), statements(one)))
        .collect();
    if creates < applied.len() {
        let rest = &applied[creates..];
        units.push((cost(rest), statements(rest)));
    }
    let total: u64 = units.iter().map(|(cost, _)| cost).sum();
    let Some(budget) = budget.filter(|budget| total > *budget) else {
        return vec![statements(&applied)];
    };
    let mut out: Vec<Vec<&str>> = Vec::new();
    let (mut current, mut locks) = (Vec::new(), 0);
    for (cost, sql) in units {
        if !current.is_empty() && locks + cost > budget {
            out.push(std::mem::take(&mut current));
            locks = 0;
        }
        locks += cost;
        current.extend(sql);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// `statements` cut into round trips of at most [`BATCH_STATEMENTS`]
/// statements and [`BATCH_BYTES`] bytes.
fn batches<'a, 's>(statements: &'a [&'s str]) -> Vec<&'a [&'s str]> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, sql) in statements.iter().enumerate() {
        if i > start && (i - start == BATCH_STATEMENTS || bytes + sql.len() > BATCH_BYTES) {
            out.push(&statements[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += sql.len();
    }
    if start < statements.len() {
        out.push(&statements[start..]);
    }
    out
}

/// `error`, if it is a statement's, as the error of `sql` (a statement of
/// the batch that failed).
fn naming(error: Error, sql: &str) -> Error {
    match error {
        Error::Statement { notes, error, .. } => Error::Statement {
            sql: sql.to_owned(),
            notes,
            error,
        },
        other => other,
    }
}

/// One sync run: the connection, its statement count and the observer.
struct Run<'a> {
    db: &'a Db,
    total: usize,
    on_statement: &'a (dyn Fn(usize, usize, &str) + Sync),
}

impl Run<'_> {
    fn failed(&self, committed: usize, error: Error) -> Error {
        Error::SyncFailed {
            committed,
            total: self.total,
            backend: self.db.backend().name(),
            source: Box::new(error),
        }
    }

    /// Tells the observer about `batch`, whose first statement is number
    /// `done` (0-based) of the run.
    fn observe(&self, done: usize, batch: &[&str]) {
        for (i, sql) in batch.iter().enumerate() {
            (self.on_statement)(done + i, self.total, sql);
        }
    }

    /// Runs the plan in one transaction, or in several when the server's
    /// lock budget requires it; returns how many.
    async fn transactional(&self, plan: &Plan) -> Result<usize> {
        let budget = self.db.backend().lock_budget(self.db).await?;
        let transactions = transactions(plan, budget);
        if transactions.len() > 1 {
            tracing::info!(
                transactions = transactions.len(),
                budget,
                "creating the new tables in {} transactions: one would lock more objects than the server's lock table can hold",
                transactions.len()
            );
        }
        let mut committed = 0;
        for statements in &transactions {
            self.db
                .transaction(TxKind::Schema, async |db| {
                    db.execute(&format!("SAVEPOINT {SAVEPOINT}")).await?;
                    let mut done = committed;
                    for batch in batches(statements) {
                        self.observe(done, batch);
                        run_in_savepoint(db, batch).await?;
                        done += batch.len();
                    }
                    Ok(())
                })
                .await
                .map_err(|error| self.failed(committed, error))?;
            committed += statements.len();
        }
        Ok(transactions.len())
    }

    /// Runs the plan statement by statement on a backend that commits each
    /// DDL statement, journalling the progress; returns the interrupted run
    /// the journal reported.
    async fn journalled(&self, plan: &Plan) -> Result<Option<Interrupted>> {
        let statements = plan.statements();
        let journal = Journal::open(self.db, &statements).await?;
        let mut done = 0;
        let mut recorded = 0;
        for change in plan.applied() {
            // A change of several statements can stop between two of them:
            // each of its statements is journalled.
            let exact = change.sql.len() > 1;
            for sql in &change.sql {
                (self.on_statement)(done, self.total, sql);
                if let Err(error) = self.db.execute(sql).await {
                    if recorded < done
                        && let Err(record) = journal
                            .record(self.db, done, &statements[recorded..done])
                            .await
                    {
                        tracing::warn!("recording the sync's progress: {record}");
                    }
                    return Err(self.failed(done, error));
                }
                done += 1;
                if exact || done - recorded == JOURNAL_EVERY || done == self.total {
                    journal
                        .record(self.db, done, &statements[recorded..done])
                        .await
                        .map_err(|error| self.failed(done, error))?;
                    recorded = done;
                }
            }
        }
        Ok(journal.resumed)
    }
}

/// Runs `batch` in one round trip, inside the current transaction, after
/// the savepoint [`SAVEPOINT`]; on failure, rolls back to the savepoint and
/// runs the statements one by one, so that the error names the failing
/// statement. The savepoint is set again for the next batch.
async fn run_in_savepoint(db: &Db, batch: &[&str]) -> Result<()> {
    let script = format!(
        "{};\nRELEASE SAVEPOINT {SAVEPOINT};\nSAVEPOINT {SAVEPOINT}",
        batch.join(";\n")
    );
    let Err(error) = db.execute(&script).await else {
        return Ok(());
    };
    if batch.len() == 1 {
        return Err(naming(error, batch[0]));
    }
    if db
        .execute(&format!("ROLLBACK TO SAVEPOINT {SAVEPOINT}"))
        .await
        .is_err()
    {
        return Err(error);
    }
    for sql in batch {
        db.execute(sql).await?;
    }
    // The statements succeeded one by one: the batch's failure stands (the
    // transaction is rolled back), with the batch as its statement.
    Err(error)
}

/// The progress journal of a sync run statement by statement (MySQL): a
/// row 0 that marks the start of the latest run, then a row every
/// [`JOURNAL_EVERY`] statements, after each statement of a change of
/// several, after the last statement and at a failure, each holding the
/// number of statements applied so far and the statements since the
/// previous row. A run whose last row is not its last statement stopped
/// part-way; the next run reports it (a run killed between two rows, as
/// stopped at the earlier one).
///
/// Every step of a plan is idempotent by diff (the next run re-plans from
/// the live schema), so the journal is for reporting and auditing, not for
/// replay.
struct Journal {
    plan_hash: String,
    total: usize,
    resumed: Option<Interrupted>,
}

impl Journal {
    /// Creates the journal if needed, reads how the previous run ended, and
    /// starts this run's record.
    async fn open(db: &Db, statements: &[&str]) -> Result<Journal> {
        let dialect = db.backend().dialect();
        bookkeeping::ensure(db, &bookkeeping::journal_table()).await?;
        let q = |s: &str| dialect.quote_ident(s);
        let last = db
            .fetch_all(&format!(
                "SELECT {}, {}, {} FROM {} ORDER BY {} DESC LIMIT 1",
                q("plan_hash"),
                q("statement_index"),
                q("statement_count"),
                q(JOURNAL_TABLE),
                q("statement_index")
            ))
            .await?;
        let resumed = match last.first() {
            Some(row) => {
                use sqlx::Row;
                let read =
                    |e: sqlx::Error| Error::database(format!("reading `{JOURNAL_TABLE}`"), e);
                let plan_hash: String = row.try_get(0).map_err(read)?;
                let applied: i32 = row.try_get(1).map_err(read)?;
                let total: i32 = row.try_get(2).map_err(read)?;
                (applied < total).then_some(Interrupted {
                    plan_hash,
                    applied: applied as usize,
                    total: total as usize,
                })
            }
            None => None,
        };
        if let Some(interrupted) = &resumed {
            tracing::warn!("{interrupted}");
        }
        let digest = Sha256::digest(statements.join("\n").as_bytes());
        let plan_hash = hex::encode(digest);
        let journal = Journal {
            plan_hash,
            total: statements.len(),
            resumed,
        };
        let clear = format!("DELETE FROM {}", q(JOURNAL_TABLE));
        bookkeeping::retry_conflicts("clearing the sync journal", || db.execute(&clear)).await?;
        journal.record(db, 0, &[]).await?;
        Ok(journal)
    }

    /// Records that `applied` statements are applied, the last of them
    /// `statements` (0 and none: the run started).
    async fn record(&self, db: &Db, applied: usize, statements: &[&str]) -> Result<()> {
        let dialect = db.backend().dialect();
        let q = |s: &str| dialect.quote_ident(s);
        let insert = format!(
            "INSERT INTO {} ({}, {}, {}, {}) VALUES ({}, {}, {}, {})",
            q(JOURNAL_TABLE),
            q("statement_index"),
            q("plan_hash"),
            q("statement_count"),
            q("statement"),
            dialect.placeholder(1),
            dialect.placeholder(2),
            dialect.placeholder(3),
            dialect.placeholder(4)
        );
        let (applied, total) = (applied as i32, self.total as i32);
        let statements = statements.join(";\n");
        // Run again when a concurrent write won (a Galera certification
        // failure): the row is all the statement writes.
        bookkeeping::retry_conflicts("recording sync progress", || {
            db.run_with(&insert, |query| {
                query
                    .bind(applied)
                    .bind(self.plan_hash.clone())
                    .bind(total)
                    .bind(statements.clone())
            })
        })
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Action;
    use crate::risk::Risk;
    use crate::schema::{Column, LogicalType, Table};

    fn planned(change: Change, sql: &[&str]) -> PlannedChange {
        PlannedChange {
            app: None,
            change,
            risk: Risk::Safe,
            reason: String::new(),
            sql: sql.iter().map(|s| s.to_string()).collect(),
            measured: None,
            impact: crate::plan::Impact::default(),
            action: Action::Apply,
        }
    }

    /// A table with a key and two indexes: 4 + 2 + 2 = 8 objects.
    fn create(name: &str) -> PlannedChange {
        let table = Table::new(name)
            .column(Column::new("id", LogicalType::I64))
            .column(Column::new("n", LogicalType::I64))
            .primary_key(["id"])
            .index(["n"], false)
            .index(["n", "id"], false);
        let (create, index) = (format!("CREATE {name}"), format!("INDEX {name}"));
        planned(Change::CreateTable { table }, &[&create, &index])
    }

    fn alter(name: &str) -> PlannedChange {
        let change = Change::AddColumn {
            table: name.into(),
            column: Column::new("x", LogicalType::I32).nullable(),
        };
        planned(change, &[&format!("ALTER {name}")])
    }

    fn plan(changes: Vec<PlannedChange>) -> Plan {
        Plan {
            backend: "test".into(),
            changes,
            ..Plan::default()
        }
    }

    #[test]
    fn new_tables_are_cut_into_transactions_within_the_budget() {
        let plan = plan(vec![
            create("a"),
            create("b"),
            create("c"),
            alter("old"),
            create("late"),
        ]);
        assert_eq!(objects_locked(&plan.changes[0].change), 8);
        // Everything fits, or nothing bounds it: one transaction.
        let all = plan.statements();
        assert_eq!(transactions(&plan, None), std::slice::from_ref(&all));
        assert_eq!(transactions(&plan, Some(40)), [all]);
        // 16 objects per transaction: two tables each; the change to an
        // existing table and what follows it are one unit, never cut.
        assert_eq!(
            transactions(&plan, Some(16)),
            [
                vec!["CREATE a", "INDEX a", "CREATE b", "INDEX b"],
                vec!["CREATE c", "INDEX c"],
                vec!["ALTER old", "CREATE late", "INDEX late"],
            ]
        );
        // A unit larger than the budget still runs, alone.
        assert_eq!(transactions(&plan, Some(1)).len(), 4);
    }

    #[test]
    fn blocked_changes_are_left_out() {
        let mut blocked = create("b");
        blocked.action = Action::Blocked("policy".into());
        let plan = plan(vec![create("a"), blocked, create("c")]);
        assert_eq!(
            transactions(&plan, Some(8)),
            [vec!["CREATE a", "INDEX a"], vec!["CREATE c", "INDEX c"]]
        );
    }

    #[test]
    fn batches_hold_at_most_64_statements_and_256_kib() {
        let statements: Vec<String> = (0..130).map(|i| format!("S{i}")).collect();
        let refs: Vec<&str> = statements.iter().map(String::as_str).collect();
        let sizes: Vec<usize> = batches(&refs).iter().map(|b| b.len()).collect();
        assert_eq!(sizes, [64, 64, 2]);
        let big = "x".repeat(200 * 1024);
        let refs = ["a", big.as_str(), big.as_str(), "b"];
        let sizes: Vec<usize> = batches(&refs).iter().map(|b| b.len()).collect();
        assert_eq!(sizes, [2, 2]);
        assert!(batches(&[]).is_empty());
    }
}
