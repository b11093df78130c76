//! `migrate status`: what is applied, what is pending, and what is wrong.
//! Read-only: it does not even create the ledger.

use serde::Serialize;

use super::graph::app_rank;
use super::ledger::{self, AppliedMigration};
use super::runner::check;
use crate::registry::{MigrationPhase, Registry};
use crate::{Db, Result};

/// The state of every registered migration, plus the ledger's surprises.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Status {
    /// The backend's name.
    pub backend: String,
    /// Every registered migration, sorted by app, then phase, then id.
    pub migrations: Vec<MigrationState>,
    /// Applied migrations that are no longer registered (a warning, not an
    /// error: the code that applied them was removed).
    pub unregistered: Vec<AppliedMigration>,
    /// What would stop `run`: tampered checksums, out-of-order migrations.
    pub problems: Vec<super::LedgerProblem>,
    /// What changed the ledger without running a migration (fresh
    /// installs, operator commands), oldest first.
    pub events: Vec<super::LedgerEvent>,
}

impl Status {
    /// A status with nothing known (no ledger was read), e.g. offline.
    pub fn unknown(backend: String) -> Self {
        Status {
            backend,
            migrations: Vec::new(),
            unregistered: Vec::new(),
            problems: Vec::new(),
            events: Vec::new(),
        }
    }

    /// The registered migrations not applied yet.
    pub fn pending(&self) -> impl Iterator<Item = &MigrationState> {
        self.migrations.iter().filter(|m| m.applied.is_none())
    }
}

/// One registered migration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MigrationState {
    /// The app that declares it.
    pub app: String,
    /// Its id within the app.
    pub id: String,
    /// When it runs relative to the sync.
    pub phase: MigrationPhase,
    /// Its `depends_on` targets (`app:id`).
    pub depends_on: Vec<String>,
    /// Whether it can be reverted by `migrate down`.
    pub reversible: bool,
    /// The registered checksum.
    pub checksum: String,
    /// Its ledger row, when applied.
    pub applied: Option<AppliedMigration>,
    /// How its ledger row came to be when no run wrote it: `baselined` (a
    /// fresh install, `migrate baseline`), `marked` (`migrate
    /// mark-applied`) or `squashed`; `None` when it ran (or is pending).
    pub recorded_as: Option<super::Event>,
}

impl MigrationState {
    /// Applied with a checksum other than the registered one.
    pub fn tampered(&self) -> bool {
        self.applied
            .as_ref()
            .is_some_and(|a| a.checksum != self.checksum)
    }
}

/// Whether a registered migration is not applied yet: one query on the
/// ledger, whatever the number of migrations, for boot's fast path. Writes
/// nothing; checks nothing else (see [`check_pending`]).
pub async fn has_pending(db: &Db, registry: &Registry) -> Result<bool> {
    if registry.migrations.is_empty() {
        return Ok(false);
    }
    let rows = ledger::load(db).await?;
    Ok(any_pending(registry, &rows))
}

/// [`has_pending`] that also refuses as every run does: an applied
/// migration whose checksum changed, or (unless `allow_out_of_order`) a
/// pending one that sorts before an applied one of its app and phase, is
/// an [`Error::Ledger`](crate::Error::Ledger). Still one query: boot's fast
/// path uses it, so an edited migration stops a boot like any command.
pub async fn check_pending(db: &Db, registry: &Registry, allow_out_of_order: bool) -> Result<bool> {
    if registry.migrations.is_empty() {
        return Ok(false);
    }
    let rows = ledger::load(db).await?;
    let order = super::graph::execution_order(&registry.migrations);
    let problems = check(&order, &rows, allow_out_of_order);
    if !problems.is_empty() {
        return Err(crate::Error::Ledger(super::LedgerProblems(problems)));
    }
    Ok(any_pending(registry, &rows))
}

fn any_pending(registry: &Registry, rows: &[AppliedMigration]) -> bool {
    let applied: std::collections::BTreeSet<(&str, &str)> = rows
        .iter()
        .map(|r| (r.app.as_str(), r.id.as_str()))
        .collect();
    registry
        .migrations
        .iter()
        .any(|m| !applied.contains(&(m.app, m.id)))
}

/// Reads the ledger and compares it with `registry`. Writes nothing.
///
/// Fails with [`Error::Registry`](crate::Error::Registry) when the registry
/// is invalid; ledger problems (tampered checksums, out-of-order
/// migrations) are reported in [`Status::problems`], not as an error.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use m_runtime::{Db, Registry};
/// use m_runtime::migrate::{self, RunOptions};
/// use m_runtime::registry::{MigrationBody, MigrationDef, MigrationPhase, OnFresh};
///
/// static SEED: MigrationDef = MigrationDef {
///     app: "notes",
///     id: "0001_seed",
///     depends_on: &[],
///     phase: MigrationPhase::PostSync,
///     checksum: "sha256:00",
///     up: MigrationBody::Sql("CREATE TABLE seeded (x INTEGER)"),
///     down: None,
///     source: "notes/migrations/0001_seed.sql",
///     on_fresh: OnFresh::Skip,
/// };
///
/// let db = Db::connect("sqlite::memory:").await?;
/// let registry = Registry { migrations: vec![&SEED], ..Default::default() };
/// let status = migrate::status(&db, &registry).await?;
/// assert_eq!(status.pending().count(), 1);
///
/// migrate::run(&db, &registry, &RunOptions::default()).await?;
/// let status = migrate::status(&db, &registry).await?;
/// assert_eq!(status.pending().count(), 0);
/// assert!(!status.migrations[0].reversible && status.problems.is_empty());
/// # Ok::<(), m_runtime::Error>(()) }).unwrap();
/// ```
pub async fn status(db: &Db, registry: &Registry) -> Result<Status> {
    registry.validate()?;
    let rows = ledger::load(db).await?;
    let events = ledger::load_events(db).await?;
    let order = super::graph::execution_order(&registry.migrations);
    let problems = check(&order, &rows, false);
    let recorded_as = |app: &str, id: &str| {
        use super::Event::{Baselined, Marked, Squashed, Unmarked};
        events
            .iter()
            .rev()
            .filter(|e| e.app == app && e.id == id)
            .map(|e| e.event)
            .find(|e| matches!(e, Baselined | Marked | Squashed | Unmarked))
            .filter(|e| *e != Unmarked)
    };
    let migrations: Vec<MigrationState> = {
        let mut defs = registry.migrations.clone();
        defs.sort_by_key(|m| (m.app, app_rank(m)));
        defs.dedup_by_key(|m| (m.app, m.id));
        defs.into_iter()
            .map(|m| MigrationState {
                app: m.app.into(),
                id: m.id.into(),
                phase: m.phase,
                depends_on: m.depends_on.iter().map(|d| d.to_string()).collect(),
                reversible: m.down.is_some(),
                checksum: m.checksum.into(),
                applied: rows
                    .iter()
                    .find(|r| r.app == m.app && r.id == m.id)
                    .cloned(),
                recorded_as: rows
                    .iter()
                    .any(|r| r.app == m.app && r.id == m.id)
                    .then(|| recorded_as(m.app, m.id))
                    .flatten(),
            })
            .collect()
    };
    let unregistered = rows
        .iter()
        .filter(|r| {
            !registry
                .migrations
                .iter()
                .any(|m| m.app == r.app && m.id == r.id)
        })
        .cloned()
        .collect();
    Ok(Status {
        backend: db.backend().name().to_owned(),
        migrations,
        unregistered,
        problems,
        events,
    })
}
