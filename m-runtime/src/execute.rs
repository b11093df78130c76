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

use crate::bookkeeping;
use crate::db::TxKind;
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
    let total = statements.len();
    let failed = |committed: usize, error: Error| Error::SyncFailed {
        committed,
        total,
        backend: db.backend().name(),
        source: Box::new(error),
    };
    if db.backend().dialect().transactional_ddl() {
        db.transaction(TxKind::Schema, async |db| {
            for (done, sql) in statements.iter().enumerate() {
                on_statement(done, total, sql);
                db.execute(sql).await?;
            }
            Ok(())
        })
        .await
        .map_err(|error| failed(0, error))?;
    } else {
        let journal = Journal::open(db, &statements).await?;
        report.resumed = journal.resumed.clone();
        for (done, sql) in statements.iter().enumerate() {
            on_statement(done, total, sql);
            db.execute(sql).await.map_err(|error| failed(done, error))?;
            journal
                .record(db, done + 1, sql)
                .await
                .map_err(|error| failed(done + 1, error))?;
        }
    }
    Ok(report)
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
