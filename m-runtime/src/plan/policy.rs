//! [`Policy`]: which risk levels sync applies.

use crate::risk::Risk;

/// What sync may apply. BREAKING changes are never applied by sync.
///
/// ```
/// use m_runtime::Policy;
///
/// let default = Policy::default();
/// assert!(default.apply_safe && !default.allow_warning);
/// assert!(Policy::allow_warning().allow_warning);
/// assert!(!Policy::review_only().apply_safe);
/// ```
///
/// Under [`Policy::review_only`] every change comes back blocked:
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use m_runtime::schema::{Column, LogicalType, Schema, Table};
/// use m_runtime::{Db, Policy};
///
/// let db = Db::connect("sqlite::memory:").await?;
/// let mut desired = Schema::default();
/// desired.insert(Table::new("tag").column(Column::new("id", LogicalType::I64)));
/// let plan = m_runtime::plan(&db, &desired, &Policy::review_only()).await?;
/// assert_eq!(plan.blocked().count(), 1);
/// assert!(plan.statements().is_empty());
/// # Ok::<(), m_runtime::Error>(()) }).unwrap();
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Apply SAFE changes (`false`: plan only, every change is blocked).
    pub apply_safe: bool,
    /// Apply WARNING changes too (`--allow-warning`).
    pub allow_warning: bool,
}

impl Default for Policy {
    /// SAFE changes only.
    fn default() -> Self {
        Policy {
            apply_safe: true,
            allow_warning: false,
        }
    }
}

impl Policy {
    /// SAFE and WARNING changes.
    pub fn allow_warning() -> Self {
        Policy {
            apply_safe: true,
            allow_warning: true,
        }
    }

    /// Nothing: every change is reported as blocked.
    pub fn review_only() -> Self {
        Policy {
            apply_safe: false,
            allow_warning: false,
        }
    }

    pub(super) fn allows(&self, risk: Risk) -> Result<(), String> {
        match risk {
            Risk::Safe if self.apply_safe => Ok(()),
            Risk::Safe => Err("the policy applies nothing without review".into()),
            Risk::Warning if self.allow_warning => Ok(()),
            Risk::Warning => Err("needs confirmation: re-run with --allow-warning".into()),
            Risk::Breaking => Err("BREAKING changes are never applied by sync".into()),
        }
    }
}
