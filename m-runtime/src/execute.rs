//! The executor: carries out a [`Plan`]'s applied changes.
//!
//! Where DDL is transactional (PostgreSQL, SQLite) the whole sync is one
//! transaction: all of it commits or none of it does. Where it is not
//! (MySQL/MariaDB commit each DDL statement), statements run one by one; a
//! re-run re-plans from the live schema and so finishes exactly what is
//! missing.

use crate::plan::{Plan, PlannedChange};
use crate::{Db, Error, Result};

/// What a sync did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyncReport {
    /// Changes carried out.
    pub applied: Vec<PlannedChange>,
    /// Changes held back by the policy (or by a blocked change they need).
    pub blocked: Vec<PlannedChange>,
    /// Statements executed.
    pub statements: usize,
}

impl SyncReport {
    /// Whether everything the plan held was applied.
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
    let report = SyncReport {
        applied: plan.applied().cloned().collect(),
        blocked: plan.blocked().cloned().collect(),
        statements: statements.len(),
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
        run_one_by_one(db, &statements, on_statement).await
    };
    for sql in dialect.after_sync() {
        db.execute(sql).await?;
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
    on_statement: &(dyn Fn(usize, usize, &str) + Sync),
) -> Result<()> {
    for (done, sql) in statements.iter().enumerate() {
        on_statement(done, statements.len(), sql);
        if let Err(error) = db.execute(sql).await {
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
