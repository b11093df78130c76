//! Shared support for m's integration tests: a fresh database per test on
//! each backend, and one test body run on all of them.
//!
//! URLs come from `M_TEST_POSTGRES_URL` and `M_TEST_MYSQL_URL` (defaults: the
//! local services). `M_TEST_BACKENDS=sqlite,postgres` narrows the run: the
//! build scripts of the test packages read it (`selection.rs`) and mark the
//! excluded backends' tests `#[ignore]`, so the runner reports them as
//! ignored; an unknown name fails the build with the list of valid names. A
//! backend that is not excluded and cannot be reached fails the test with a
//! message saying how to start it.

pub mod cluster;
mod pg_pool;
pub mod selection;
pub mod synthetic;

use std::sync::atomic::{AtomicU32, Ordering};

use m_runtime::plan::Plan;
use m_runtime::schema::Schema;
use m_runtime::{Db, Policy, SyncReport};

/// The backends the suite runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
        }
    }

    /// Whether `M_TEST_BACKENDS` (if set) includes this backend at run time.
    ///
    /// # Panics
    /// For an unknown name in `M_TEST_BACKENDS`, listing the valid names.
    pub fn enabled(self) -> bool {
        let value = std::env::var(selection::VAR).ok();
        match selection::selected(value.as_deref()) {
            Ok(chosen) => chosen.contains(&self.name()),
            Err(message) => panic!("{message}"),
        }
    }

    /// Panics unless this backend is selected at run time. A test only gets
    /// here when the build left it un-ignored, so an excluded backend means
    /// the variable changed since the build (the test binary was run
    /// directly) or the run asked for ignored tests: a failure either way,
    /// never a silent pass.
    pub fn require_enabled(self) {
        if !self.enabled() {
            panic!(
                "{name} is excluded by {var}={now:?} at run time, but this test binary was built \
                 with {var}={built:?}: run the tests through `cargo test`, which rebuilds them \
                 when the variable changes (excluded backends are then reported as ignored)",
                name = self.name(),
                var = selection::VAR,
                now = std::env::var(selection::VAR).unwrap_or_default(),
                built = env!("M_TEST_BACKENDS_AT_BUILD"),
            );
        }
    }

    fn admin_url(self) -> String {
        match self {
            Backend::Sqlite => String::new(),
            Backend::Postgres => std::env::var("M_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
            Backend::Mysql => std::env::var("M_TEST_MYSQL_URL")
                .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into()),
        }
    }

    fn how_to_start(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => {
                "start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` (or set M_TEST_POSTGRES_URL), or exclude it with M_TEST_BACKENDS=sqlite,mysql"
            }
            Backend::Mysql => {
                "start it with `start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd` (or set M_TEST_MYSQL_URL), or exclude it with M_TEST_BACKENDS=sqlite,postgres"
            }
        }
    }
}

/// A fresh, empty database for one test, cleaned up when the value goes.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    pub db: Db,
    cleanup: Cleanup,
}

/// What goes with a [`TestDb`].
enum Cleanup {
    /// Already done.
    None,
    /// A SQLite file (and its `-wal`, `-shm` and lock files).
    DeleteFile(std::path::PathBuf),
    /// A MariaDB/MySQL database, created for the test (`CREATE DATABASE`
    /// there is a directory: cheap).
    DropDatabase { admin_url: String, name: String },
    /// A PostgreSQL database slot ([`pg_pool`]), emptied before its lock goes.
    EmptySlot {
        admin_url: String,
        slot: pg_pool::Slot,
    },
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_name(test: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let short: String = test
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(24)
        .collect();
    format!("m_{short}_{}_{n}_{nanos:x}", std::process::id()).to_ascii_lowercase()
}

/// Replaces the database name of a server URL.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{database}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl TestDb {
    /// Creates a fresh database named after `test` on `backend`.
    pub async fn fresh(backend: Backend, test: &str) -> TestDb {
        let name = unique_name(test);
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join("m-tests");
                std::fs::create_dir_all(&dir).expect("temp dir");
                let path = dir.join(format!("{name}.db"));
                let url = format!("sqlite://{}", path.display());
                let db = Db::connect(&url).await.expect("open SQLite");
                TestDb {
                    backend,
                    url,
                    db,
                    cleanup: Cleanup::DeleteFile(path),
                }
            }
            Backend::Postgres | Backend::Mysql => {
                let admin_url = backend.admin_url();
                let (database, cleanup) = if backend == Backend::Postgres {
                    let slot = pg_pool::claim(&admin_url).await.unwrap_or_else(|e| {
                        panic!("PostgreSQL at {admin_url}: {e}\n{}", backend.how_to_start())
                    });
                    let database = slot.name.clone();
                    let cleanup = Cleanup::EmptySlot {
                        admin_url: admin_url.clone(),
                        slot,
                    };
                    (database, cleanup)
                } else {
                    let admin = Db::connect(&admin_url).await.unwrap_or_else(|e| {
                        panic!(
                            "{} is unreachable at {admin_url}: {e}\n{}",
                            backend.name(),
                            backend.how_to_start()
                        )
                    });
                    admin
                        .execute(&format!("CREATE DATABASE {name}"))
                        .await
                        .expect("create test database");
                    let cleanup = Cleanup::DropDatabase {
                        admin_url: admin_url.clone(),
                        name: name.clone(),
                    };
                    (name, cleanup)
                };
                let url = with_database(&admin_url, &database);
                let db = Db::connect(&url)
                    .await
                    .expect("connect to the test database");
                TestDb {
                    backend,
                    url,
                    db,
                    cleanup,
                }
            }
        }
    }

    /// A second, independent connection to the same database.
    pub async fn reconnect(&self) -> Db {
        Db::connect(&self.url).await.expect("reconnect")
    }

    /// Plans and applies `desired` under `policy`.
    pub async fn sync(&self, desired: &Schema, policy: &Policy) -> (Plan, SyncReport) {
        let plan = m_runtime::plan(&self.db, desired, policy)
            .await
            .expect("plan");
        let report = m_runtime::apply(&self.db, &plan).await.expect("apply");
        (plan, report)
    }

    /// Plans `desired` with the default policy (writes nothing).
    pub async fn verify(&self, desired: &Schema) -> Plan {
        m_runtime::plan(&self.db, desired, &Policy::default())
            .await
            .expect("plan")
    }

    /// Runs SQL, panicking with the statement on error.
    pub async fn exec(&self, sql: &str) {
        self.db
            .execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// `SELECT COUNT(*)` of a table (a key: `billing.invoice` is `invoice`
    /// of schema `billing`).
    pub async fn count(&self, table: &str) -> i64 {
        let q = self.db.backend().dialect().quote_table(table);
        self.db
            .fetch_i64(&format!("SELECT COUNT(*) FROM {q}"))
            .await
            .expect("count")
            .unwrap_or(0)
    }

    /// Every row of a query, each column read as text (the query should
    /// cast to text where the backend would not).
    pub async fn rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        use sqlx::{Column, Row, TypeInfo, ValueRef};
        let rows = self
            .db
            .fetch_all(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows.iter()
            .map(|row| {
                (0..row.columns().len())
                    .map(|i| {
                        let raw = row.try_get_raw(i).expect("column");
                        if raw.is_null() {
                            return None;
                        }
                        let text = row.try_get::<i64, _>(i).map(|v| v.to_string());
                        let text =
                            text.or_else(|_| row.try_get::<f64, _>(i).map(|v| v.to_string()));
                        let text = text.or_else(|_| row.try_get::<String, _>(i));
                        let text =
                            text.or_else(|_| row.try_get::<bool, _>(i).map(|v| v.to_string()));
                        Some(text.unwrap_or_else(|_| {
                            format!("<{}>", row.columns()[i].type_info().name())
                        }))
                    })
                    .collect()
            })
            .collect()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match std::mem::replace(&mut self.cleanup, Cleanup::None) {
            Cleanup::None => {}
            Cleanup::DeleteFile(path) => {
                for suffix in ["", "-wal", "-shm", ".m-lock"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            Cleanup::DropDatabase { admin_url, name } => on_own_runtime(async move {
                if let Ok(admin) = Db::connect(&admin_url).await {
                    let _ = admin
                        .execute(&format!("DROP DATABASE IF EXISTS {name}"))
                        .await;
                }
            }),
            Cleanup::EmptySlot { admin_url, slot } => {
                let name = slot.name.clone();
                on_own_runtime(async move { pg_pool::release(&admin_url, &name).await });
                // Ends the session whose advisory lock held the slot.
                drop(slot);
            }
        }
    }
}

/// Runs `cleanup` to the end on a runtime of its own, in a thread of its
/// own, so that `Drop` works from inside the test's runtime.
fn on_own_runtime(cleanup: impl std::future::Future<Output = ()> + Send + 'static) {
    let _ = std::thread::spawn(move || {
        if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            rt.block_on(cleanup);
        }
    })
    .join();
}

/// Runs one async test body on every backend: `all_backends!(name, |t| async move { ... })`
/// expands to a module `name` with the tests `sqlite`, `postgres` and `mysql`.
/// A backend excluded by `M_TEST_BACKENDS` has its test marked `#[ignore]`
/// through the `m_test_skip_<backend>` cfg, which the calling package's build
/// script sets (`selection::emit_build_instructions`).
#[macro_export]
macro_rules! all_backends {
    ($name:ident, |$t:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn __body($t: $crate::TestDb) {
                $body.await
            }

            async fn __run_on(backend: $crate::Backend) {
                backend.require_enabled();
                let t = $crate::TestDb::fresh(backend, stringify!($name)).await;
                __body(t).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(m_test_skip_sqlite, ignore = "excluded by M_TEST_BACKENDS")]
            async fn sqlite() {
                __run_on($crate::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(m_test_skip_postgres, ignore = "excluded by M_TEST_BACKENDS")]
            async fn postgres() {
                __run_on($crate::Backend::Postgres).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(m_test_skip_mysql, ignore = "excluded by M_TEST_BACKENDS")]
            async fn mysql() {
                __run_on($crate::Backend::Mysql).await
            }
        }
    };
}

/// A pre-sync `#[operations]`-style migration of app `shop` built by hand:
/// `migration` gives its operations and schemas, and `reversible` whether
/// it has the generated `down`. `source` names the declaring test file.
pub const fn ops_migration(
    id: &'static str,
    migration: fn() -> m_runtime::ops::Migration,
    reversible: bool,
    source: &'static str,
) -> m_runtime::registry::MigrationDef {
    use m_runtime::registry::{MigrationBody, MigrationDef, MigrationPhase, OnFresh, OpsBody};
    let body = OpsBody {
        migration,
        before: None,
        after: None,
        revert: false,
    };
    MigrationDef {
        app: "shop",
        id,
        depends_on: &[],
        phase: MigrationPhase::PreSync,
        checksum: "sha256:x",
        up: MigrationBody::Ops(body),
        down: if reversible {
            Some(MigrationBody::Ops(OpsBody {
                revert: true,
                ..body
            }))
        } else {
            None
        },
        source,
        on_fresh: OnFresh::Skip,
    }
}
