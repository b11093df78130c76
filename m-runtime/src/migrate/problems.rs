//! What can be wrong between the ledger and the registered migrations.

use serde::Serialize;

/// One disagreement between the ledger and the registered migrations; any
/// of them stops a run before it changes anything.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LedgerProblem {
    /// An applied migration's code or file changed since it was applied.
    ChecksumMismatch {
        /// The migration's app.
        app: String,
        /// The migration's id.
        id: String,
        /// Where it is declared.
        declared_at: String,
        /// The checksum the ledger recorded.
        applied: String,
        /// The checksum it is registered with now.
        registered: String,
    },
    /// A pending migration sorts before an applied one of the same app and
    /// phase.
    OutOfOrder {
        /// The pending migration's app.
        app: String,
        /// The pending migration's id.
        id: String,
        /// The applied migration it sorts before (`app:id`).
        applied_later: String,
    },
}

impl std::fmt::Display for LedgerProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LedgerProblem::ChecksumMismatch {
                app,
                id,
                declared_at,
                applied,
                registered,
            } => write!(
                f,
                "migration `{app}:{id}` ({declared_at}) was applied with checksum {applied} but is now registered with {registered}: applied migrations are immutable. Restore its original code or file, and write a new migration for the change"
            ),
            LedgerProblem::OutOfOrder {
                app,
                id,
                applied_later,
            } => write!(
                f,
                "migration `{app}:{id}` is pending but `{applied_later}`, which comes after it, is already applied: it was added out of order. Give it an id that sorts after `{}`, or, if it does not depend on the later ones, allow it with --allow-out-of-order",
                applied_later
                    .split_once(':')
                    .map_or(applied_later.as_str(), |(_, id)| id)
            ),
        }
    }
}

/// Serialised as its message (the `problems` of `status --format json`).
impl Serialize for LedgerProblem {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Every problem a check found ([`Error::Ledger`](crate::Error::Ledger)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerProblems(pub Vec<LedgerProblem>);

impl std::fmt::Display for LedgerProblems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} problem(s) with the applied migrations; nothing was run:",
            self.0.len()
        )?;
        for problem in &self.0 {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}
