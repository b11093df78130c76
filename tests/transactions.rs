//! The transaction guard and the errors that must not read as success, on
//! every backend: a cancelled migration or sync leaves the connection
//! outside any transaction (SQLite: foreign keys back on), and a ledger or
//! state table that cannot be read is an error, not "nothing applied yet".

use std::time::Duration;

use m_runtime::migrate::{self, RunOptions};
use m_runtime::registry::{MigrationBody, MigrationDef, MigrationPhase, OnFresh};
use m_runtime::schema::{Column, LogicalType as T, Schema, Table};
use m_runtime::{BoxError, BoxFuture, Db, Policy, Registry};
use m_tests::{Backend, TestDb, all_backends};

/// Inserts a row, then waits far longer than any test: cut short by a timeout.
fn insert_then_wait(db: &Db) -> BoxFuture<'_, Result<(), BoxError>> {
    Box::pin(async move {
        db.execute("INSERT INTO note (id) VALUES (1)").await?;
        tokio::time::sleep(Duration::from_secs(120)).await;
        Ok(())
    })
}

static SLOW: MigrationDef = MigrationDef {
    app: "slow",
    id: "0001_insert",
    depends_on: &[],
    phase: MigrationPhase::PreSync,
    checksum: "sha256:slow-0001",
    up: MigrationBody::Fn(insert_then_wait),
    down: None,
    source: concat!(file!(), ":", line!()),
    on_fresh: OnFresh::Skip,
};

async fn foreign_keys_on(t: &TestDb, db: &Db) {
    if t.backend == Backend::Sqlite {
        let on = db.fetch_i64("PRAGMA foreign_keys").await.expect("pragma");
        assert_eq!(on, Some(1), "foreign keys are back on");
    }
}

/// The next write on `t.db` autocommits: another connection sees it.
async fn outside_any_transaction(t: &TestDb) {
    t.exec("INSERT INTO note (id) VALUES (2)").await;
    let other = t.reconnect().await;
    let seen = other
        .fetch_i64("SELECT COUNT(*) FROM note WHERE id = 2")
        .await
        .expect("count");
    assert_eq!(
        seen,
        Some(1),
        "a write after the cancelled run is committed, not inside a transaction left open"
    );
    other.close().await.expect("close");
}

all_backends!(
    a_cancelled_migration_leaves_a_clean_connection,
    |t| async move {
        t.exec("CREATE TABLE note (id BIGINT PRIMARY KEY)").await;
        let registry = Registry {
            migrations: vec![&SLOW],
            ..Default::default()
        };
        let options = RunOptions::default();
        let run = migrate::run(&t.db, &registry, &options);
        let cut = tokio::time::timeout(Duration::from_millis(700), run).await;
        assert!(cut.is_err(), "the migration was cut short");
        // The same connection, first use after the cancel.
        foreign_keys_on(&t, &t.db).await;
        assert_eq!(
            t.count("note").await,
            0,
            "the migration's insert rolled back"
        );
        outside_any_transaction(&t).await;
        let status = migrate::status(&t.db, &registry).await.expect("status");
        assert_eq!(status.pending().count(), 1, "not recorded as applied");
    }
);

all_backends!(a_cancelled_sync_leaves_a_clean_connection, |t| async move {
    t.exec("CREATE TABLE note (id BIGINT PRIMARY KEY)").await;
    let mut desired = Schema::default();
    desired.insert(
        Table::new("note")
            .column(Column::new("id", T::I64))
            .column(Column::new("body", T::String { max_length: None }).nullable())
            .primary_key(["id"]),
    );
    desired.insert(
        Table::new("fresh")
            .column(Column::new("id", T::I64))
            .primary_key(["id"]),
    );
    let plan = m_runtime::plan(&t.db, &desired, &Policy::default())
        .await
        .expect("plan");
    assert_eq!(plan.applied().count(), 2, "{plan:?}");
    // Another session holds what the sync needs: SQLite's write lock, or a
    // lock on `note` that the ALTER waits for.
    let blocker = t.reconnect().await;
    match t.backend {
        Backend::Sqlite => blocker.execute("BEGIN IMMEDIATE").await,
        _ => blocker.execute("BEGIN").await,
    }
    .expect("begin");
    blocker
        .fetch_all("SELECT * FROM note")
        .await
        .expect("read note");
    let cut =
        tokio::time::timeout(Duration::from_millis(700), m_runtime::apply(&t.db, &plan)).await;
    assert!(cut.is_err(), "the sync was cut short while it waited");
    blocker.execute("ROLLBACK").await.expect("release");
    blocker.close().await.expect("close");
    foreign_keys_on(&t, &t.db).await;
    let live = m_runtime::introspect(&t.db).await.expect("introspect");
    if t.backend != Backend::Mysql {
        // MySQL commits DDL one statement at a time; the others roll back.
        assert!(
            live.table("fresh").is_none(),
            "nothing of the cut sync committed"
        );
        assert!(
            live.table("note")
                .and_then(|n| n.get_column("body"))
                .is_none()
        );
    }
    outside_any_transaction(&t).await;
    // The connection still migrates: the sync converges.
    let (_, report) = t.sync(&desired, &Policy::default()).await;
    assert!(report.is_complete());
    assert!(
        t.verify(&desired).await.is_empty(),
        "a second plan is empty"
    );
});

/// A second login on `t`'s database that may read nothing of m's tables:
/// PostgreSQL and MySQL refuse the read with a permission error. On SQLite,
/// which has no permissions, m's table is a view over a table that does not
/// exist: reading it fails with "no such table" about *another* name.
struct Denied {
    db: Db,
    drop_user: Option<String>,
}

/// A role name no other test of this run uses: roles and users are global
/// to the server, not to the test's database, and tests run in parallel.
fn denied_user_name() -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("m_denied_{}_{n}", std::process::id())
}

async fn denied_reader(t: &TestDb, table: &str, create: &str) -> Denied {
    match t.backend {
        Backend::Sqlite => {
            t.exec(&format!(
                "CREATE VIEW {table} AS SELECT * FROM gone_{table}_source"
            ))
            .await;
            // The view was checked when created only if its source existed:
            // drop the source so that reading the view fails.
            Denied {
                db: t.reconnect().await,
                drop_user: None,
            }
        }
        Backend::Postgres => {
            t.exec(create).await;
            let user = denied_user_name();
            t.exec(&format!("DROP ROLE IF EXISTS {user}")).await;
            t.exec(&format!("CREATE ROLE {user} LOGIN")).await;
            let url = t.url.replacen("postgres@", &format!("{user}@"), 1);
            Denied {
                db: Db::connect(&url).await.expect("connect as the denied role"),
                drop_user: Some(format!("DROP ROLE {user}")),
            }
        }
        Backend::Mysql => {
            t.exec(create).await;
            t.exec("CREATE TABLE visible (x INTEGER)").await;
            let user = denied_user_name();
            let database = t.url.rsplit('/').next().expect("database name").to_owned();
            t.exec(&format!("DROP USER IF EXISTS '{user}'@'%'")).await;
            t.exec(&format!("CREATE USER '{user}'@'%'")).await;
            t.exec(&format!(
                "GRANT SELECT ON `{database}`.`visible` TO '{user}'@'%'"
            ))
            .await;
            let url = t.url.replacen("root@", &format!("{user}@"), 1);
            Denied {
                db: Db::connect(&url).await.expect("connect as the denied user"),
                drop_user: Some(format!("DROP USER '{user}'@'%'")),
            }
        }
    }
}

impl Denied {
    async fn done(self, t: &TestDb) {
        self.db.close().await.expect("close");
        if let Some(sql) = self.drop_user {
            t.exec(&sql).await;
        }
    }
}

all_backends!(
    a_denied_ledger_read_is_an_error_not_pending,
    |t| async move {
        let denied = denied_reader(
            &t,
            "_m_migrations",
            "CREATE TABLE _m_migrations (app VARCHAR(128), id VARCHAR(255))",
        )
        .await;
        let registry = Registry {
            migrations: vec![&SLOW],
            ..Default::default()
        };
        let error = migrate::status(&denied.db, &registry)
            .await
            .expect_err("an unreadable ledger is an error, not an empty one");
        let message = m_runtime::Report(&error).to_string();
        assert!(message.contains("_m_migrations"), "{message}");
        let error = migrate::run(&denied.db, &registry, &RunOptions::default())
            .await
            .expect_err("nothing runs against an unreadable ledger");
        assert!(
            matches!(error, m_runtime::Error::Statement { .. }),
            "{error:?}"
        );
        denied.done(&t).await;
    }
);

all_backends!(
    a_denied_state_read_is_an_error_not_a_first_boot,
    |t| async move {
        let denied = denied_reader(
        &t,
        "_m_doctypes",
        "CREATE TABLE _m_doctypes (table_name VARCHAR(128), app VARCHAR(128), hash VARCHAR(64))",
    )
    .await;
        let registry = Registry::default();
        let error = m_runtime::state::check_linked_apps(&denied.db, &registry)
            .await
            .expect_err("an unreadable state table is an error");
        assert!(
            m_runtime::Report(&error)
                .to_string()
                .contains("_m_doctypes"),
            "{error}"
        );
        m_runtime::state::recorded(&denied.db)
            .await
            .expect_err("and so is reading the hashes");
        denied.done(&t).await;
    }
);

all_backends!(missing_bookkeeping_tables_read_as_absent, |t| async move {
    // The one case that is "absent": the tables do not exist yet.
    let registry = Registry {
        migrations: vec![&SLOW],
        ..Default::default()
    };
    let status = migrate::status(&t.db, &registry).await.expect("status");
    assert_eq!(status.pending().count(), 1);
    assert_eq!(
        m_runtime::state::recorded(&t.db).await.expect("state"),
        None
    );
    m_runtime::state::check_linked_apps(&t.db, &registry)
        .await
        .expect("nothing synced yet");
});
