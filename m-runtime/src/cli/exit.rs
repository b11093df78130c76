use std::process::ExitCode;

use crate::Error;

/// The documented exit codes of the `migrate` commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitStatus {
    /// 0: done; for `verify`, the database matches the code.
    Success = 0,
    /// 1: `verify` found changes that `sync` would apply.
    Pending = 1,
    /// 2: usage error: bad arguments (reported by clap), an unsupported
    /// `DATABASE_URL`, or an unreadable snapshot file.
    Usage = 2,
    /// 3: a change was blocked by the policy (needs `--allow-warning`, or is BREAKING).
    Blocked = 3,
    /// 4: invalid declarations or migrations (registry errors, cycles, unknown
    /// dependencies, duplicate ids, tampered checksums, out-of-order migrations,
    /// a `down` that cannot run).
    Invalid = 4,
    /// 5: database error (unreachable, a statement failed, lock timeout), or a
    /// migration or hook failed.
    Database = 5,
}

impl ExitStatus {
    /// The exit status for an error: 4 for registry and migration-graph or
    /// ledger errors, 3 for a production boot's policy refusal, 5 for
    /// everything else.
    pub fn from_error(error: &Error) -> Self {
        match error {
            Error::Registry(_) | Error::Ledger(_) | Error::Migration(_) => ExitStatus::Invalid,
            Error::PolicyRefusal { .. } => ExitStatus::Blocked,
            Error::UnsupportedUrl(_) | Error::Snapshot(_) | Error::Setting { .. } => {
                ExitStatus::Usage
            }
            _ => ExitStatus::Database,
        }
    }

    /// The process exit code.
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
}
