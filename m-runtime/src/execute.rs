//! The executor: carries out a [`Plan`]'s applied changes.
//!
//! Where DDL is transactional (PostgreSQL, SQLite) the whole sync is one
//! transaction: all of it commits or none of it does. Where it is not
//! (MySQL/MariaDB commit each DDL statement), statements run one by one; a
//! re-run re-plans from the live schema and so finishes exactly what is
//! missing. Every step is idempotent by diff: a change that takes several
//! statements leaves, when cut short, a schema whose diff is the rest of it
//! (e.g. a NOT NULL column added with a temporary fill default whose drop
//! did not run yet diffs to "drop the default"). Such a run records each
//! applied statement in [`JOURNAL_TABLE`], and the next run reports the one
//! that stopped part-way ([`SyncReport::resumed`]).

use sha2::{Digest, Sha256};

use crate::plan::{Plan, PlannedChange};
use crate::schema::{Column, DefaultValue, LogicalType, Table};
use crate::{Db, Error, Result};

/// Where a non-transactional sync records its progress.
pub const JOURNAL_TABLE: &str = "_m_sync_journal";

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
/// the backend's DDL is transactional, and the error says so.
pub async fn apply(db: &Db, plan: &Plan) -> Result<SyncReport> {
    apply_observed(db, plan, &|_, _, _| {}).await
}

/// [`apply`], calling `on_statement(done, total, sql)` before each statement
/// (for progress bars).
pub async fn apply_observed(
    db: &Db,
    plan: &Plan,
    on_statement: &(dyn Fn(usize, usize, &str) + Sync),
) -> Result<SyncReport> {
    let statements = plan.statements();
    let mut report = SyncReport {
        applied: plan.applied().cloned().collect(),
        blocked: plan.blocked().cloned().collect(),
        statements: statements.len(),
        resumed: None,
    };
    if statements.is_empty() {
        return Ok(report);
    }
    let dialect = db.backend().dialect();
    for sql in dialect.before_sync() {
        db.execute(sql).await?;
    }
    let result = if dialect.transactional_ddl() {
        run_in_transaction(db, &statements, on_statement).await
    } else {
        match Journal::open(db, &statements).await {
            Ok(journal) => {
                report.resumed = journal.resumed.clone();
                run_one_by_one(db, &statements, &journal, on_statement).await
            }
            Err(error) => Err(error),
        }
    };
    for sql in dialect.after_sync() {
        let restored = db.execute(sql).await;
        // The sync's own error matters more than a failure to restore the session.
        if result.is_ok() {
            restored?;
        }
    }
    result.map(|()| report)
}

async fn run_in_transaction(
    db: &Db,
    statements: &[&str],
    on_statement: &(dyn Fn(usize, usize, &str) + Sync),
) -> Result<()> {
    let dialect = db.backend().dialect();
    db.execute(dialect.begin()).await?;
    let outcome = async {
        for (done, sql) in statements.iter().enumerate() {
            on_statement(done, statements.len(), sql);
            db.execute(sql).await?;
        }
        if let Some(check) = dialect.integrity_check() {
            let violations = db.fetch_all(check).await?;
            if !violations.is_empty() {
                return Err(Error::Other(format!(
                    "the sync would leave {} row(s) violating foreign keys (`{check}`); nothing was committed",
                    violations.len()
                )));
            }
        }
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => {
            db.execute("COMMIT").await?;
            Ok(())
        }
        Err(error) => {
            // The rollback's own failure would hide the cause; the cause matters more.
            let _ = db.execute("ROLLBACK").await;
            Err(match error {
                Error::Statement { sql, source, .. } => Error::Statement {
                    sql,
                    source,
                    partial: "\n  the sync was rolled back: nothing of it was committed".into(),
                },
                other => other,
            })
        }
    }
}

async fn run_one_by_one(
    db: &Db,
    statements: &[&str],
    journal: &Journal,
    on_statement: &(dyn Fn(usize, usize, &str) + Sync),
) -> Result<()> {
    for (done, sql) in statements.iter().enumerate() {
        on_statement(done, statements.len(), sql);
        let result = match db.execute(sql).await {
            Ok(_) => journal.record(db, done + 1, sql).await,
            Err(error) => Err(error),
        };
        if let Err(error) = result {
            return Err(match error {
                Error::Statement { sql, source, .. } => Error::Statement {
                    sql,
                    source,
                    partial: format!(
                        "\n  {} commits each DDL statement: {done} of {} statement(s) were applied before it; fix the cause and re-run: the next run plans only what is missing",
                        db.backend().name(),
                        statements.len()
                    ),
                },
                other => other,
            });
        }
    }
    Ok(())
}

/// The progress journal of a sync run statement by statement (MySQL):
/// one row per applied statement of the latest run, after a row 0 that
/// marks its start. A run whose last row is not its last statement stopped
/// part-way; the next run reports it.
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
    fn table() -> Table {
        Table::new(JOURNAL_TABLE)
            .column(Column::new("statement_index", LogicalType::I32))
            .column(Column::new(
                "plan_hash",
                LogicalType::String {
                    max_length: Some(64),
                },
            ))
            .column(Column::new("statement_count", LogicalType::I32))
            .column(Column::new(
                "statement",
                LogicalType::String { max_length: None },
            ))
            .column(
                Column::new("applied_at", LogicalType::Timestamp)
                    .default(DefaultValue::CurrentTimestamp),
            )
            .primary_key(["statement_index"])
    }

    /// Creates the journal if needed, reads how the previous run ended, and
    /// starts this run's record.
    async fn open(db: &Db, statements: &[&str]) -> Result<Journal> {
        let dialect = db.backend().dialect();
        let table = Journal::table();
        for sql in dialect.create_table(&table) {
            let sql = sql.replacen("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ", 1);
            db.execute(&sql).await?;
        }
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
        db.execute(&format!("DELETE FROM {}", q(JOURNAL_TABLE)))
            .await?;
        journal.record(db, 0, "").await?;
        Ok(journal)
    }

    /// Records that statement `index` (1-based; 0 = the run started) applied.
    async fn record(&self, db: &Db, index: usize, sql: &str) -> Result<()> {
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
        let (index, total) = (index as i32, self.total as i32);
        db.run_with(&insert, |query| {
            query
                .bind(index)
                .bind(self.plan_hash.clone())
                .bind(total)
                .bind(sql.to_owned())
        })
        .await?;
        Ok(())
    }
}
