//! What carrying out a change does to its table while it runs: whether the
//! database rewrites it, reads all of it, which lock it holds, and (MySQL)
//! which `ALTER TABLE` algorithm it uses. Each backend's
//! [`Dialect::impact`](crate::backend::Dialect::impact) answers for the
//! statements m writes; a SQLite table rebuild is
//! [`Dialect::rebuild_impact`](crate::backend::Dialect::rebuild_impact).
//!
//! The facts were measured, not guessed: on PostgreSQL 15 a rewrite is a
//! new `relfilenode`; on MariaDB 10.11 an algorithm is the cheapest one
//! the server accepts for the statement (`ALGORITHM=...` appended) and a
//! rebuild a new InnoDB table id. `tests/impact.rs` keeps them true.
//!
//! ```
//! use m_runtime::plan::Impact;
//!
//! let copy = Impact {
//!     rewrites_table: true,
//!     scans_table: true,
//!     lock: Some("SHARED"),
//!     algorithm: Some("COPY"),
//!     advice: None,
//! };
//! assert_eq!(
//!     copy.describe().as_deref(),
//!     Some("ALGORITHM=COPY: rewrites the table under a SHARED lock")
//! );
//! // A catalog-only change has nothing worth a sentence.
//! assert_eq!(Impact::default().describe(), None);
//! ```

use serde::Serialize;

/// What a change does to its table while it runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Impact {
    /// The database writes the table (and its indexes) anew: time and disk
    /// in proportion to its size. Where it depends on the session (a
    /// PostgreSQL `timestamp` to `timestamptz` change is catalog-only when
    /// the session's time zone is UTC) it says the worst case.
    pub rewrites_table: bool,
    /// The database reads every row while the lock is held (a validation
    /// or an index build), without necessarily writing it.
    pub scans_table: bool,
    /// The table lock held while it runs, in the database's words:
    /// PostgreSQL's `ACCESS EXCLUSIVE` (reads and writes wait), `SHARE`
    /// (writes wait), `SHARE ROW EXCLUSIVE` (writes wait, on both tables of
    /// a foreign key); MySQL's `LOCK=` level `NONE` (reads and writes go
    /// on) or `SHARED` (writes wait); SQLite's database-wide `WRITE` lock
    /// (other writers wait). `None`: nothing runs, or a new table.
    pub lock: Option<&'static str>,
    /// MySQL's `ALTER TABLE` algorithm (`INSTANT`, `INPLACE`, `COPY`), or
    /// `REBUILD` for SQLite's copy of the table; `None` elsewhere.
    pub algorithm: Option<&'static str>,
    /// How to avoid the lock on a large table, where there is a way.
    #[serde(skip)]
    pub advice: Option<&'static str>,
}

impl Impact {
    /// The sentence a change's reason carries, for a change that rewrites
    /// or reads the whole table (`None` for a catalog-only change).
    pub fn describe(&self) -> Option<String> {
        if !self.rewrites_table && !self.scans_table {
            return None;
        }
        let mut text = if self.rewrites_table {
            "rewrites the table".to_owned()
        } else {
            "reads the whole table".to_owned()
        };
        if let Some(algorithm) = self.algorithm {
            text = format!("ALGORITHM={algorithm}: {text}");
        }
        match self.lock {
            Some("NONE") => text.push_str(", reads and writes going on"),
            Some(lock) => {
                let article = if lock.starts_with(['A', 'E', 'I', 'O', 'U']) {
                    "an"
                } else {
                    "a"
                };
                text.push_str(&format!(" under {article} {lock} lock"));
            }
            None => {}
        }
        if let Some(advice) = self.advice {
            text.push_str(&format!("; {advice}"));
        }
        Some(text)
    }
}
