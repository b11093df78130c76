//! Self-migration on start.
//!
//! ```no_run
//! # async fn demo() -> m_runtime::Result<()> {
//! use m_runtime::boot::{Boot, Environment};
//!
//! // DATABASE_URL, M_ENV, M_LOCK_TIMEOUT_SECS, M_ALLOW_OUT_OF_ORDER from
//! // the environment (an unknown value is an error):
//! let report = Boot::from_env()?.run().await?;
//! // or spelled out:
//! let report = Boot::new("sqlite://app.db").environment(Environment::Production).run().await?;
//! # Ok(()) }
//! ```
//!
//! Every run holds the database-level migration lock (advisory lock on
//! PostgreSQL, `GET_LOCK` on MySQL, a file lock beside a SQLite database, a
//! lease row on a Galera cluster or CockroachDB: see
//! [`migration_locker`](crate::backend::migration_locker)) from start to end, hooks and non-transactional steps included, so that
//! replicas booting together migrate once: the others wait, then find
//! nothing to do.
//!
//! The fast path: when the schema hashes recorded by the last complete sync
//! equal the compiled ones and no migration is pending, boot runs a constant
//! number of queries and no introspection, whatever the number of DocTypes.
//! On SQLite, where reading any table first parses the whole schema, it
//! reads the [boot stamp](crate::stamp) in the file header instead.

use std::time::Duration;

use crate::backend::HeldLock;
use crate::pipeline::PipelineOptions;
use crate::plan::{Plan, Policy};
use crate::stamp::{self, Fingerprint, Reading};
use crate::{Db, Registry, Result};

pub use crate::settings::Environment;

/// What a boot did.
#[derive(Clone, Debug, Default)]
pub struct BootReport {
    /// Nothing had changed: no introspection, constant queries.
    pub fast_path: bool,
    /// The plan sync carried out (slow path).
    pub plan: Option<Plan>,
    /// Changes left blocked, orphans excluded (development only: production
    /// refuses instead).
    pub blocked: usize,
    /// Migrations applied.
    pub migrations: usize,
    /// Migrations recorded as applied without running (a fresh install).
    pub baselined: usize,
    /// Statements sent to the database by this boot (see [`Db::query_count`]).
    pub queries: u64,
    /// What did not run because a change was held back (development):
    /// `after_sync hook app::name`, `post_sync migration app:id`.
    pub skipped: Vec<String>,
}

impl BootReport {
    /// What a development boot held back and skipped, for a person: empty
    /// when it held nothing back.
    pub fn held_back_summary(&self) -> Option<String> {
        let plan = self.plan.as_ref()?;
        let held: Vec<_> = plan.blocked().filter(|c| !c.change.is_orphan()).collect();
        if held.is_empty() {
            return None;
        }
        let mut text = format!(
            "m: the schema is not fully migrated: {} change(s) held back (`migrate verify` explains each):",
            held.len()
        );
        for change in held {
            let target = match change.change.column() {
                Some(column) => format!("{}.{column}", change.change.table()),
                None => change.change.table().to_owned(),
            };
            text.push_str(&format!(
                "\n  {} {} {target}: {}",
                change.risk,
                change.change.kind(),
                change.reason
            ));
        }
        if !self.skipped.is_empty() {
            text.push_str("\nso these did not run:");
            for skipped in &self.skipped {
                text.push_str(&format!("\n  {skipped}"));
            }
        }
        Some(text)
    }
}

/// Boot options (a builder).
#[derive(Clone)]
pub struct Boot {
    url: String,
    environment: Environment,
    policy: Option<Policy>,
    lock_timeout: Duration,
    allow_out_of_order: bool,
    registry: Option<Registry>,
}

impl std::fmt::Debug for Boot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Boot")
            .field("url", &crate::db::redact(&self.url))
            .field("environment", &self.environment)
            .field("policy", &self.policy)
            .field("lock_timeout", &self.lock_timeout)
            .field("allow_out_of_order", &self.allow_out_of_order)
            .finish_non_exhaustive()
    }
}

/// Boots with `policy`: `m_runtime::boot(&url, Policy::default())`.
pub async fn boot(url: &str, policy: Policy) -> Result<BootReport> {
    Boot::new(url).policy(policy).run().await
}

impl Boot {
    /// Boots the database at `url`: development, [`Policy::default`], a 60 s
    /// lock timeout, the link-time registry.
    pub fn new(url: impl Into<String>) -> Self {
        Boot {
            url: url.into(),
            environment: Environment::default(),
            policy: None,
            lock_timeout: Duration::from_secs(60),
            allow_out_of_order: false,
            registry: None,
        }
    }

    /// From the environment ([`crate::settings`]): `M_ENV`,
    /// `DATABASE_URL` (unset: a SQLite file named after the binary in
    /// development; an error in production), `M_LOCK_TIMEOUT_SECS` and
    /// `M_ALLOW_OUT_OF_ORDER` (`M_LOCK` and `M_LOCK_LEASE_SECS` are read
    /// when the lock is taken). A value m does not accept is an
    /// [`Error::Setting`](crate::Error::Setting) naming the variable and the
    /// accepted values.
    pub fn from_env() -> Result<Self> {
        let environment = Environment::from_env()?;
        let mut boot =
            Boot::new(crate::settings::database_url(environment)?).environment(environment);
        if let Some(timeout) = crate::settings::lock_timeout()? {
            boot = boot.lock_timeout(timeout);
        }
        if let Some(allow) = crate::settings::allow_out_of_order()? {
            boot = boot.allow_out_of_order(allow);
        }
        Ok(boot)
    }

    /// Sets the environment (default: development).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// Overrides the environment's default policy.
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// How long to wait for another process's run (default 60 s).
    pub fn lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// Runs a pending migration even though a later one of its app is
    /// already applied (default: refuse, like `migrate run`).
    pub fn allow_out_of_order(mut self, allow: bool) -> Self {
        self.allow_out_of_order = allow;
        self
    }

    /// Uses this registry instead of the binary's link-time one.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use m_runtime::registry::{MigrationBody, MigrationDef, MigrationPhase, OnFresh};
    /// use m_runtime::{Boot, Registry};
    ///
    /// static CREATE: MigrationDef = MigrationDef {
    ///     app: "notes",
    ///     id: "0001_create",
    ///     depends_on: &[],
    ///     phase: MigrationPhase::PreSync,
    ///     checksum: "sha256:00",
    ///     up: MigrationBody::Sql("CREATE TABLE legacy (x INTEGER)"),
    ///     down: None,
    ///     source: "notes/migrations/0001_create.sql",
    ///     on_fresh: OnFresh::Skip,
    /// };
    ///
    /// let registry = Registry { migrations: vec![&CREATE], ..Default::default() };
    /// let report = Boot::new("sqlite::memory:").registry(registry).run().await?;
    /// assert!(!report.fast_path);
    /// assert_eq!(report.migrations, 1);
    /// # Ok::<(), m_runtime::Error>(()) }).unwrap();
    /// ```
    pub fn registry(mut self, registry: Registry) -> Self {
        self.registry = Some(registry);
        self
    }

    /// Migrates the database, holding the lock throughout: validates the
    /// registry, takes the fast path when nothing changed, and otherwise runs
    /// the whole pipeline ([`crate::pipeline::run_all`]).
    ///
    /// In production it refuses with [`Error::PolicyRefusal`](crate::Error::PolicyRefusal) when the sync's plan
    /// holds back a change (orphans aside), before the sync applies anything
    /// and before `after_sync` hooks and post-sync migrations. The plan is
    /// made after the pending pre-sync migrations ran, so a migration that
    /// prepares the data (a backfill before a NOT NULL) counts.
    pub async fn run(self) -> Result<BootReport> {
        let registry = self.registry.clone().unwrap_or_else(Registry::linked);
        registry.validate()?;
        let db = Db::connect(&self.url).await?;
        // Refuses a read-only standby before it takes the lock.
        let locker = crate::backend::migration_locker(&db).await?;
        let lock = HeldLock::acquire(locker, &db, self.lock_timeout).await?;
        let report = self.migrate(&db, &registry).await;
        // The lock is free when the boot returns, and both sessions end
        // cleanly (the server logs no aborted connection).
        lock.release(&db).await;
        if let Err(error) = db.close().await {
            tracing::warn!("closing the connection: {error}");
        }
        report
    }

    /// The boot's work, under the lock.
    async fn migrate(&self, db: &Db, registry: &Registry) -> Result<BootReport> {
        let fast = || BootReport {
            fast_path: true,
            queries: db.query_count(),
            ..BootReport::default()
        };
        let fingerprint = Fingerprint::of(registry, self.allow_out_of_order);
        let slot = match stamp::read(db, &fingerprint).await? {
            Reading::Fresh => return Ok(fast()),
            Reading::Stale(state) => Some(state),
            Reading::Absent => None,
        };
        if self.unchanged(db, registry).await? {
            if let Some(state) = slot {
                leave_stamp(db, &fingerprint, state).await;
            }
            return Ok(fast());
        }
        let options = PipelineOptions {
            refuse_held_back: self.environment == Environment::Production,
            allow_out_of_order: self.allow_out_of_order,
            ..PipelineOptions::new(self.policy.clone().unwrap_or_default())
        };
        let outcome = crate::pipeline::run_all(db, registry, &options).await?;
        let report = BootReport {
            fast_path: false,
            blocked: outcome.blocking().count(),
            migrations: outcome.pre_sync.len() + outcome.post_sync.len(),
            baselined: outcome.baselined.len(),
            queries: db.query_count(),
            skipped: outcome.skipped,
            plan: Some(outcome.plan),
        };
        // The next boot finds nothing to do when this one left nothing
        // behind (nothing held back, no migration pending): stamp it.
        if slot.is_some()
            && let Reading::Stale(state) = stamp::read(db, &fingerprint).await?
            && self.unchanged(db, registry).await?
        {
            leave_stamp(db, &fingerprint, state).await;
        }
        if let Some(summary) = report.held_back_summary() {
            // An app that installed a tracing subscriber gets the events; one
            // that did not still hears what its boot held back.
            if tracing::dispatcher::has_been_set() {
                tracing::warn!("{summary}");
            } else {
                eprintln!("{summary}");
            }
        }
        Ok(report)
    }

    /// Whether the last complete sync recorded the compiled schema hashes
    /// and no migration is pending: the fast path's comparison.
    async fn unchanged(&self, db: &Db, registry: &Registry) -> Result<bool> {
        Ok(crate::state::matches_registry(db, registry).await?
            && !crate::migrate::check_pending(db, registry, self.allow_out_of_order).await?)
    }
}

/// Writes the boot stamp. A failure (a file opened read-only) is logged,
/// not returned: the write is one transaction, so the header is left as it
/// was, and the next boot compares m's tables, as it would have anyway.
async fn leave_stamp(db: &Db, fingerprint: &Fingerprint, state: stamp::SlotState) {
    if let Err(error) = stamp::write(db, fingerprint, state).await {
        tracing::warn!("writing the boot stamp (the next boot reads m's tables instead): {error}");
    }
}
