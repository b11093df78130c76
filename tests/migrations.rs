//! The imperative track on every backend: ordering across apps, the
//! `migrate all` pipeline, the ledger's guarantees, `down`.
//!
//! Migrations and hooks here are hand-written static descriptors (what the
//! macros generate) fed to the engine through explicit `Registry` values.
//! They append to a log table `mlog`, whose order proves the order they ran in.

use m_runtime::migrate::{self, AllOptions, LedgerProblem, RunOptions};
use m_runtime::registry::{
    ColumnDef, DocTypeDef, HookDef, HookPhase, MigrationBody, MigrationDef, MigrationPhase,
    OnFresh, RegistryError,
};
use m_runtime::schema::LogicalType;
use m_runtime::{BoxError, BoxFuture, Db, Error, Registry};
use m_tests::{Backend, TestDb, all_backends};

// ---- helpers ---------------------------------------------------------------

/// Appends `entry` to the log table.
async fn log(db: &Db, entry: &str) -> Result<(), BoxError> {
    let n = db
        .fetch_i64("SELECT COUNT(*) FROM mlog")
        .await?
        .unwrap_or(0);
    db.execute(&format!(
        "INSERT INTO mlog (n, entry) VALUES ({n}, '{entry}')"
    ))
    .await?;
    Ok(())
}

/// A `DbFn` that logs `$entry`.
macro_rules! log_fn {
    ($name:ident, $entry:literal) => {
        fn $name(db: &Db) -> BoxFuture<'_, Result<(), BoxError>> {
            Box::pin(log(db, $entry))
        }
    };
}

/// A static migration descriptor, as `#[migration]` would emit it.
macro_rules! migration {
    ($static:ident = $app:literal : $id:literal, [$($dep:literal),*], $phase:ident, $up:expr, $down:expr) => {
        static $static: MigrationDef = MigrationDef {
            app: $app,
            id: $id,
            depends_on: &[$($dep),*],
            phase: MigrationPhase::$phase,
            checksum: concat!("sha256:", $app, "-", $id),
            up: $up,
            down: $down,
            source: concat!(file!(), ":", line!()),
            // These tests are about running migrations: on a fresh
            // database too (the fresh-install rule is tested in
            // lifecycle.rs).
            on_fresh: OnFresh::Run,
        };
    };
}

fn registry(migrations: &[&'static MigrationDef]) -> Registry {
    let mut registry = Registry {
        migrations: migrations.to_vec(),
        ..Default::default()
    };
    registry.sort();
    registry
}

async fn create_log(t: &TestDb) {
    t.exec("CREATE TABLE mlog (n INTEGER NOT NULL, entry VARCHAR(100) NOT NULL)")
        .await;
}

/// The log, in order.
async fn log_of(t: &TestDb) -> Vec<String> {
    t.rows("SELECT entry FROM mlog ORDER BY n")
        .await
        .into_iter()
        .map(|r| r[0].clone().unwrap_or_default())
        .collect()
}

/// Every table of the test database (m's own included), sorted.
async fn tables(t: &TestDb) -> Vec<String> {
    let sql = match t.backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = current_schema()"
        }
        Backend::Mysql => {
            "SELECT CAST(table_name AS CHAR) FROM information_schema.tables WHERE table_schema = DATABASE()"
        }
    };
    let mut names: Vec<String> = t
        .rows(sql)
        .await
        .into_iter()
        .map(|r| r[0].clone().unwrap_or_default())
        .collect();
    // Sorted here: a server collation may order `_` differently.
    names.sort();
    names
}

/// The ledger as `app:id checksum`, in application order (empty if absent).
async fn ledger(t: &TestDb) -> Vec<String> {
    if t.db
        .fetch_all("SELECT 1 FROM _m_migrations WHERE 1 = 0")
        .await
        .is_err()
    {
        return Vec::new();
    }
    t.rows("SELECT app, id, checksum FROM _m_migrations ORDER BY seq")
        .await
        .into_iter()
        .map(|r| {
            format!(
                "{}:{} {}",
                r[0].clone().unwrap_or_default(),
                r[1].clone().unwrap_or_default(),
                r[2].clone().unwrap_or_default()
            )
        })
        .collect()
}

fn names(rows: &[migrate::AppliedMigration]) -> Vec<String> {
    rows.iter().map(|r| r.name()).collect()
}

/// Whether `table` can be read (inside a migration's transaction: probed
/// under a savepoint, so a failed probe does not abort PostgreSQL's
/// transaction).
async fn sees_table(db: &Db, table: &str) -> Result<bool, BoxError> {
    db.execute("SAVEPOINT probe").await?;
    let seen = db
        .fetch_all(&format!("SELECT COUNT(*) FROM {table}"))
        .await
        .is_ok();
    db.execute(if seen {
        "RELEASE SAVEPOINT probe"
    } else {
        "ROLLBACK TO SAVEPOINT probe"
    })
    .await?;
    Ok(seen)
}

// ---- order across apps -----------------------------------------------------

log_fn!(log_catalog_1, "catalog:0001");
log_fn!(log_catalog_2, "catalog:0002");
log_fn!(log_orders_1, "orders:0001");
log_fn!(log_orders_2, "orders:0002");
log_fn!(log_billing_1, "billing:0001");

migration!(ORD_CATALOG_1 = "catalog":"0001", [], PreSync, MigrationBody::Fn(log_catalog_1), None);
migration!(ORD_CATALOG_2 = "catalog":"0002", ["orders:0001"], PreSync, MigrationBody::Fn(log_catalog_2), None);
migration!(ORD_ORDERS_1 = "orders":"0001", ["catalog:0001"], PreSync, MigrationBody::Fn(log_orders_1), None);
migration!(ORD_ORDERS_2 = "orders":"0002", [], PreSync, MigrationBody::Fn(log_orders_2), None);
migration!(ORD_BILLING_1 = "billing":"0001", ["orders:0002"], PreSync, MigrationBody::Fn(log_billing_1), None);

all_backends!(orders_across_apps_by_depends_on, |t| async move {
    create_log(&t).await;
    // Registration order is scrambled on purpose.
    let registry = Registry {
        migrations: vec![
            &ORD_BILLING_1,
            &ORD_ORDERS_2,
            &ORD_CATALOG_2,
            &ORD_ORDERS_1,
            &ORD_CATALOG_1,
        ],
        ..Default::default()
    };
    let report = migrate::run(&t.db, &registry, &RunOptions::default())
        .await
        .expect("run");
    let expected = [
        "catalog:0001",
        "orders:0001",
        "catalog:0002",
        "orders:0002",
        "billing:0001",
    ];
    assert_eq!(log_of(&t).await, expected);
    assert_eq!(names(&report.applied), expected);
    assert_eq!(
        ledger(&t).await,
        expected
            .iter()
            .map(|n| format!("{n} sha256:{}", n.replace(':', "-")))
            .collect::<Vec<_>>()
    );
    let status = migrate::status(&t.db, &registry).await.expect("status");
    assert_eq!(status.pending().count(), 0);
    assert!(
        status
            .migrations
            .iter()
            .all(|m| m.applied.as_ref().is_some_and(|a| !a.applied_at.is_empty()))
    );
    assert!(status.problems.is_empty() && status.unregistered.is_empty());
});

// ---- a second run does nothing ---------------------------------------------

log_fn!(log_again_1, "again:0001");
log_fn!(log_again_2, "again:0002");
migration!(AGAIN_1 = "again":"0001", [], PreSync, MigrationBody::Fn(log_again_1), None);
migration!(AGAIN_2 = "again":"0002", [], PostSync, MigrationBody::Fn(log_again_2), None);

all_backends!(a_second_run_does_nothing, |t| async move {
    create_log(&t).await;
    let registry = registry(&[&AGAIN_1, &AGAIN_2]);
    assert!(
        migrate::has_pending(&t.db, &registry)
            .await
            .expect("pending")
    );
    let first = migrate::run(&t.db, &registry, &RunOptions::default())
        .await
        .expect("first run");
    assert_eq!(names(&first.applied), ["again:0001", "again:0002"]);
    let (log_before, ledger_before) = (log_of(&t).await, ledger(&t).await);
    let second = migrate::run(&t.db, &registry, &RunOptions::default())
        .await
        .expect("second run");
    assert!(second.applied.is_empty());
    assert_eq!(log_of(&t).await, log_before);
    assert_eq!(ledger(&t).await, ledger_before);
    // Boot's fast path: one query tells that nothing is pending.
    let before = t.db.query_count();
    assert!(
        !migrate::has_pending(&t.db, &registry)
            .await
            .expect("pending")
    );
    assert_eq!(t.db.query_count() - before, 1);
});

// ---- `all`: five steps in order --------------------------------------------

fn all_pre(db: &Db) -> BoxFuture<'_, Result<(), BoxError>> {
    Box::pin(async move {
        let seen = sees_table(db, "synced_item").await?;
        log(
            db,
            if seen {
                "pre_sync:sees synced_item"
            } else {
                "pre_sync:no synced_item"
            },
        )
        .await
    })
}

fn all_post(db: &Db) -> BoxFuture<'_, Result<(), BoxError>> {
    Box::pin(async move {
        let seen = sees_table(db, "synced_item").await?;
        if seen {
            db.execute("INSERT INTO synced_item (id, label) VALUES (1, 'written by post_sync')")
                .await?;
        }
        log(
            db,
            if seen {
                "post_sync:sees synced_item"
            } else {
                "post_sync:no synced_item"
            },
        )
        .await
    })
}

log_fn!(hook_before_alpha, "before_sync:alpha");
log_fn!(hook_before_beta, "before_sync:beta");
log_fn!(hook_after_alpha, "after_sync:alpha");

migration!(ALL_PRE = "shop":"0001_pre", [], PreSync, MigrationBody::Fn(all_pre), None);
migration!(ALL_POST = "shop":"0002_post", [], PostSync, MigrationBody::Fn(all_post), None);
static HOOK_BEFORE_BETA: HookDef = HookDef {
    app: "beta",
    name: "prepare",
    phase: HookPhase::BeforeSync,
    run: hook_before_beta,
};
static HOOK_BEFORE_ALPHA: HookDef = HookDef {
    app: "alpha",
    name: "prepare",
    phase: HookPhase::BeforeSync,
    run: hook_before_alpha,
};
static HOOK_AFTER_ALPHA: HookDef = HookDef {
    app: "alpha",
    name: "seed",
    phase: HookPhase::AfterSync,
    run: hook_after_alpha,
};

static SYNCED_ITEM: DocTypeDef = DocTypeDef {
    app: "shop",
    name: "SyncedItem",
    table: "synced_item",
    module_path: module_path!(),
    columns: &[
        ColumnDef {
            name: "id",
            field: "id",
            ty: LogicalType::I64,
            nullable: false,
            default: None,
            unique: false,
            index: false,
            renamed_from: &[],
            references: None,
        },
        ColumnDef {
            name: "label",
            field: "label",
            ty: LogicalType::String {
                max_length: Some(40),
            },
            nullable: true,
            default: None,
            unique: false,
            index: false,
            renamed_from: &[],
            references: None,
        },
    ],
    primary_key: &["id"],
    indexes: &[],
    renamed_from: &[],
    retired_columns: &[],
    checks: &[],
};

all_backends!(all_runs_its_five_steps_in_order, |t| async move {
    create_log(&t).await;
    let mut registry = Registry {
        doctypes: vec![&SYNCED_ITEM],
        hooks: vec![&HOOK_AFTER_ALPHA, &HOOK_BEFORE_BETA, &HOOK_BEFORE_ALPHA],
        migrations: vec![&ALL_POST, &ALL_PRE],
        ..Default::default()
    };
    registry.sort();
    let report = migrate::run_all(&t.db, &registry, &AllOptions::default())
        .await
        .expect("all");
    assert!(report.is_complete(), "stopped: {:#?}", report.sync.blocked);
    assert_eq!(
        log_of(&t).await,
        [
            "pre_sync:no synced_item",
            "before_sync:alpha",
            "before_sync:beta",
            "after_sync:alpha",
            "post_sync:sees synced_item",
        ]
    );
    assert_eq!(names(&report.pre_sync), ["shop:0001_pre"]);
    assert_eq!(names(&report.post_sync), ["shop:0002_post"]);
    assert_eq!(report.before_sync.len(), 2);
    assert_eq!(report.after_sync.len(), 1);
    assert_eq!(report.sync.applied.len(), 1, "the sync creates synced_item");
    assert_eq!(
        t.count("synced_item").await,
        1,
        "the post_sync migration wrote to the synced table"
    );
    // The log table is no DocType: reported as an orphan, which does not stop the pipeline.
    assert!(
        report
            .sync
            .blocked
            .iter()
            .all(|c| c.change.kind() == "orphan_table")
    );

    // A second `all`: no migration, no DDL; hooks run again (they are idempotent by contract).
    let again = migrate::run_all(&t.db, &registry, &AllOptions::default())
        .await
        .expect("second all");
    assert!(again.is_complete());
    assert!(again.pre_sync.is_empty() && again.post_sync.is_empty());
    assert_eq!(again.sync.statements, 0);
    assert_eq!(
        log_of(&t).await[5..],
        ["before_sync:alpha", "before_sync:beta", "after_sync:alpha"]
    );
});

// ---- a failing migration ---------------------------------------------------

log_fn!(log_fail_3, "fail:0003");
migration!(FAIL_1 = "fail":"0001", [], PreSync, MigrationBody::Sql("CREATE TABLE kept_t (x INTEGER)"), None);
migration!(
    FAIL_2 = "fail":"0002",
    [],
    PreSync,
    MigrationBody::Sql(
        "CREATE TABLE partial_t (x INTEGER);\nINSERT INTO partial_t (x) VALUES (1);\nINSERT INTO no_such_table (x) VALUES (1);"
    ),
    None
);
migration!(FAIL_3 = "fail":"0003", [], PreSync, MigrationBody::Fn(log_fail_3), None);

all_backends!(a_failing_migration_is_not_recorded, |t| async move {
    create_log(&t).await;
    let registry = registry(&[&FAIL_1, &FAIL_2, &FAIL_3]);
    let error = migrate::run(&t.db, &registry, &RunOptions::default())
        .await
        .expect_err("fail:0002 fails");
    let message = m_runtime::Report(&error).to_string();
    match &error {
        Error::MigrationFailed {
            app, id, action, ..
        } => {
            assert_eq!(
                (app.as_str(), id.as_str(), *action),
                ("fail", "0002", "applying"),
                "{message}"
            );
        }
        other => panic!("expected MigrationFailed, got {other:?}"),
    }
    assert!(
        message.contains("the 1 migration(s) this run applied before it stay applied"),
        "{message}"
    );
    // The migration before it stays applied; it and the one after it are not recorded.
    assert_eq!(ledger(&t).await, ["fail:0001 sha256:fail-0001"]);
    assert!(
        log_of(&t).await.is_empty(),
        "nothing after the failing migration ran"
    );
    if t.db.backend().dialect().transactional_ddl() {
        // PostgreSQL, SQLite: rolled back, no partial schema.
        assert!(message.contains("rolled back"), "{message}");
        assert_eq!(tables(&t).await, ["_m_migrations", "kept_t", "mlog"]);
    } else {
        // MySQL: the documented behaviour. The CREATE TABLE committed implicitly,
        // and the statements after it up to the failing one stay applied.
        assert!(message.contains("commits DDL implicitly"), "{message}");
        assert_eq!(
            tables(&t).await,
            ["_m_migrations", "kept_t", "mlog", "partial_t"]
        );
        assert_eq!(t.count("partial_t").await, 1);
    }
});

// ---- the ledger's checks change nothing ------------------------------------

migration!(BASE_1 = "base":"0001", [], PreSync, MigrationBody::Sql("CREATE TABLE base_t (x INTEGER)"), None);

/// Applies `base:0001`, then runs `bad` through `run` and `run_all`: each must
/// fail with the same error and leave tables and ledger as they were.
async fn refused(t: &TestDb, bad: &Registry) -> Vec<Error> {
    migrate::run(&t.db, &registry(&[&BASE_1]), &RunOptions::default())
        .await
        .expect("base");
    let (tables_before, ledger_before) = (tables(t).await, ledger(t).await);
    let run = migrate::run(&t.db, bad, &RunOptions::default())
        .await
        .expect_err("run refuses");
    let all = migrate::run_all(&t.db, bad, &AllOptions::default())
        .await
        .expect_err("all refuses");
    assert_eq!(run.to_string(), all.to_string());
    assert_eq!(tables(t).await, tables_before, "no table changed");
    assert_eq!(ledger(t).await, ledger_before, "no ledger row changed");
    vec![run, all]
}

fn registry_errors(error: &Error) -> Vec<RegistryError> {
    match error {
        Error::Registry(errors) => errors.0.clone(),
        other => panic!("expected registry errors, got {other:?}"),
    }
}

static TAMPERED_1: MigrationDef = MigrationDef {
    app: "base",
    id: "0001",
    depends_on: &[],
    phase: MigrationPhase::PreSync,
    checksum: "sha256:edited",
    up: MigrationBody::Sql("CREATE TABLE base_t (x INTEGER, y INTEGER)"),
    down: None,
    source: "tests/migrations.rs (edited after it was applied)",
    on_fresh: OnFresh::Skip,
};
migration!(TAMPER_2 = "base":"0002", [], PreSync, MigrationBody::Sql("CREATE TABLE tamper_t (x INTEGER)"), None);

all_backends!(a_tampered_checksum_is_refused, |t| async move {
    let bad = registry(&[&TAMPERED_1, &TAMPER_2]);
    for error in refused(&t, &bad).await {
        let message = m_runtime::Report(&error).to_string();
        assert!(
            matches!(&error, Error::Ledger(problems)
                if matches!(problems.0.as_slice(), [LedgerProblem::ChecksumMismatch { app, id, .. }]
                    if app == "base" && id == "0001")),
            "{error:?}"
        );
        for needle in [
            "`base:0001`",
            "sha256:base-0001",
            "sha256:edited",
            "immutable",
            "write a new migration",
        ] {
            assert!(
                message.contains(needle),
                "`{needle}` missing from: {message}"
            );
        }
    }
    let status = migrate::status(&t.db, &bad)
        .await
        .expect("status still reports");
    assert!(status.migrations[0].tampered());
    assert_eq!(status.problems.len(), 1);
});

migration!(CYCLE_A = "cyc_a":"0001", ["cyc_b:0002"], PreSync, MigrationBody::Sql("CREATE TABLE cyc_a_t (x INTEGER)"), None);
migration!(CYCLE_B1 = "cyc_b":"0001", [], PreSync, MigrationBody::Sql("CREATE TABLE cyc_b_t (x INTEGER)"), None);
migration!(CYCLE_B2 = "cyc_b":"0002", ["cyc_a:0001"], PreSync, MigrationBody::Sql(""), None);

all_backends!(a_dependency_cycle_is_refused, |t| async move {
    let bad = registry(&[&BASE_1, &CYCLE_A, &CYCLE_B1, &CYCLE_B2]);
    for error in refused(&t, &bad).await {
        assert_eq!(
            registry_errors(&error),
            [RegistryError::DependencyCycle {
                cycle: vec![
                    "cyc_a:0001".into(),
                    "cyc_b:0002".into(),
                    "cyc_a:0001".into()
                ]
            }]
        );
        assert!(
            error
                .to_string()
                .contains("cyc_a:0001 -> cyc_b:0002 -> cyc_a:0001"),
            "{error}"
        );
    }
});

migration!(UNKNOWN_DEP = "unk":"0001", ["base:0099"], PreSync, MigrationBody::Sql("CREATE TABLE unk_t (x INTEGER)"), None);
migration!(UNKNOWN_APP = "unk":"0002", ["nowhere:0001"], PreSync, MigrationBody::Sql(""), None);

all_backends!(an_unknown_dependency_is_refused, |t| async move {
    let bad = registry(&[&BASE_1, &UNKNOWN_DEP, &UNKNOWN_APP]);
    for error in refused(&t, &bad).await {
        let errors = registry_errors(&error);
        assert_eq!(errors.len(), 2, "{errors:?}");
        let message = m_runtime::Report(&error).to_string();
        assert!(
            message.contains(
                "`unk:0001` depends on `base:0099`, but app `base` has no migration `0099`"
            ),
            "{message}"
        );
        assert!(
            message
                .contains("`unk:0002` depends on `nowhere:0001`, but app `nowhere` is not linked"),
            "{message}"
        );
    }
});

migration!(DUP_A = "dup":"0001", [], PreSync, MigrationBody::Sql("CREATE TABLE dup_a_t (x INTEGER)"), None);
migration!(DUP_B = "dup":"0001", [], PreSync, MigrationBody::Sql("CREATE TABLE dup_b_t (x INTEGER)"), None);

all_backends!(a_duplicate_id_is_refused, |t| async move {
    let bad = registry(&[&BASE_1, &DUP_A, &DUP_B]);
    for error in refused(&t, &bad).await {
        assert_eq!(
            registry_errors(&error),
            [RegistryError::DuplicateMigration {
                app: "dup".into(),
                id: "0001".into()
            }]
        );
    }
});

// ---- out of order ----------------------------------------------------------

migration!(OOO_1 = "ooo":"0001", [], PreSync, MigrationBody::Sql("CREATE TABLE ooo_1 (x INTEGER)"), None);
migration!(OOO_2 = "ooo":"0002", [], PreSync, MigrationBody::Sql("CREATE TABLE ooo_2 (x INTEGER)"), None);
migration!(OOO_3 = "ooo":"0003", [], PreSync, MigrationBody::Sql("CREATE TABLE ooo_3 (x INTEGER)"), None);

all_backends!(
    an_out_of_order_migration_needs_explicit_consent,
    |t| async move {
        migrate::run(&t.db, &registry(&[&OOO_1, &OOO_3]), &RunOptions::default())
            .await
            .expect("first deploy");
        let late = registry(&[&OOO_1, &OOO_2, &OOO_3]);
        let ledger_before = ledger(&t).await;
        let error = migrate::run(&t.db, &late, &RunOptions::default())
            .await
            .expect_err("out of order");
        assert!(
            matches!(&error, Error::Ledger(problems)
            if problems.0 == [LedgerProblem::OutOfOrder {
                app: "ooo".into(),
                id: "0002".into(),
                applied_later: "ooo:0003".into(),
            }]),
            "{error:?}"
        );
        assert!(
            error
                .to_string()
                .contains("`ooo:0002` is pending but `ooo:0003`"),
            "{error}"
        );
        assert!(
            error.to_string().contains("--allow-out-of-order"),
            "{error}"
        );
        assert_eq!(ledger(&t).await, ledger_before);
        let report = migrate::run(
            &t.db,
            &late,
            &RunOptions::default().allow_out_of_order(true),
        )
        .await
        .expect("allowed");
        assert_eq!(names(&report.applied), ["ooo:0002"]);
    }
);

// ---- down ------------------------------------------------------------------

fn drop_isbn(db: &Db) -> BoxFuture<'_, Result<(), BoxError>> {
    Box::pin(async move {
        db.execute("ALTER TABLE book DROP COLUMN isbn").await?;
        Ok(())
    })
}

migration!(
    DOWN_LIB_1 = "lib":"0001",
    [],
    PreSync,
    MigrationBody::Sql("CREATE TABLE book (id INTEGER PRIMARY KEY, title VARCHAR(50) NOT NULL)"),
    Some(MigrationBody::Sql("DROP TABLE book"))
);
migration!(
    DOWN_LIB_2 = "lib":"0002",
    [],
    PreSync,
    MigrationBody::Sql("ALTER TABLE book ADD COLUMN isbn VARCHAR(20)"),
    Some(MigrationBody::Fn(drop_isbn))
);
migration!(
    DOWN_OTHER_1 = "other":"0001",
    [],
    PreSync,
    MigrationBody::Sql("CREATE TABLE other_t (x INTEGER)"),
    Some(MigrationBody::Sql("DROP TABLE other_t"))
);
migration!(
    DOWN_SHELF_1 = "shelf":"0001",
    ["lib:0002"],
    PostSync,
    MigrationBody::Sql("CREATE TABLE shelf_t (book_isbn VARCHAR(20))"),
    Some(MigrationBody::Sql("DROP TABLE shelf_t"))
);

all_backends!(down_reverts_dependents_then_run_reapplies, |t| async move {
    let registry = registry(&[&DOWN_LIB_1, &DOWN_LIB_2, &DOWN_OTHER_1, &DOWN_SHELF_1]);
    let applied = migrate::run(&t.db, &registry, &RunOptions::default())
        .await
        .expect("run");
    assert_eq!(
        names(&applied.applied),
        ["lib:0001", "lib:0002", "other:0001", "shelf:0001"]
    );
    t.exec("INSERT INTO book (id, title, isbn) VALUES (1, 'Dune', '978-0441013593')")
        .await;

    let report = migrate::down(&t.db, &registry, "lib:0002")
        .await
        .expect("down");
    // The dependent in another app first (applied last), then the target;
    // `other:0001` (independent) and `lib:0001` (earlier) stay.
    assert_eq!(names(&report.reverted), ["shelf:0001", "lib:0002"]);
    assert_eq!(tables(&t).await, ["_m_migrations", "book", "other_t"]);
    assert_eq!(
        ledger(&t).await,
        ["lib:0001 sha256:lib-0001", "other:0001 sha256:other-0001"]
    );
    assert_eq!(
        t.rows("SELECT id, title FROM book").await,
        [[Some("1".into()), Some("Dune".into())]]
    );

    let again = migrate::run(&t.db, &registry, &RunOptions::default())
        .await
        .expect("run again");
    assert_eq!(names(&again.applied), ["lib:0002", "shelf:0001"]);
    assert_eq!(
        tables(&t).await,
        ["_m_migrations", "book", "other_t", "shelf_t"]
    );
    assert_eq!(
        t.rows("SELECT id, title, isbn FROM book").await,
        [[Some("1".into()), Some("Dune".into()), None]]
    );
    assert_eq!(
        migrate::status(&t.db, &registry)
            .await
            .expect("status")
            .pending()
            .count(),
        0
    );

    let missing = migrate::down(&t.db, &registry, "lib:0042")
        .await
        .expect_err("unknown target");
    assert!(
        missing
            .to_string()
            .contains("no migration `lib:0042` is registered or applied"),
        "{missing}"
    );
});

migration!(
    NODOWN_X1 = "x":"0001",
    [],
    PreSync,
    MigrationBody::Sql("CREATE TABLE x1_t (x INTEGER)"),
    Some(MigrationBody::Sql("DROP TABLE x1_t"))
);
migration!(NODOWN_X2 = "x":"0002", [], PreSync, MigrationBody::Sql("CREATE TABLE x2_t (x INTEGER)"), None);
migration!(
    NODOWN_Y1 = "y":"0001",
    ["x:0001"],
    PreSync,
    MigrationBody::Sql("CREATE TABLE y1_t (x INTEGER)"),
    Some(MigrationBody::Sql("DROP TABLE y1_t"))
);

all_backends!(down_refuses_up_front_without_a_down, |t| async move {
    let registry = registry(&[&NODOWN_X1, &NODOWN_X2, &NODOWN_Y1]);
    migrate::run(&t.db, &registry, &RunOptions::default())
        .await
        .expect("run");
    let (tables_before, ledger_before) = (tables(&t).await, ledger(&t).await);
    let error = migrate::down(&t.db, &registry, "x:0001")
        .await
        .expect_err("x:0002 has no down");
    assert!(matches!(error, Error::Migration(_)), "{error:?}");
    let message = m_runtime::Report(&error).to_string();
    assert!(message.contains("`x:0002` has no `down`"), "{message}");
    assert!(message.contains("reverting 3 migration(s)"), "{message}");
    assert!(message.contains("nothing was changed"), "{message}");
    assert_eq!(tables(&t).await, tables_before);
    assert_eq!(ledger(&t).await, ledger_before);
    // The last one alone can go.
    let report = migrate::down(&t.db, &registry, "y:0001")
        .await
        .expect("y:0001 has a down");
    assert_eq!(names(&report.reverted), ["y:0001"]);
});

// ---- hooks -------------------------------------------------------------------

fn failing_hook(_db: &Db) -> BoxFuture<'_, Result<(), BoxError>> {
    Box::pin(async { Err("the seed file is missing".into()) })
}

log_fn!(hook_zeta, "before_sync:zeta");
static HOOK_FAILS: HookDef = HookDef {
    app: "alpha",
    name: "explode",
    phase: HookPhase::BeforeSync,
    run: failing_hook,
};
static HOOK_AFTER_FAIL: HookDef = HookDef {
    app: "zeta",
    name: "late",
    phase: HookPhase::BeforeSync,
    run: hook_zeta,
};
log_fn!(log_hooked_post, "post_sync:hooked");
migration!(HOOKED_POST = "hooked":"0001", [], PostSync, MigrationBody::Fn(log_hooked_post), None);

all_backends!(a_failing_hook_stops_everything_after_it, |t| async move {
    create_log(&t).await;
    let mut registry = Registry {
        hooks: vec![&HOOK_AFTER_FAIL, &HOOK_FAILS],
        migrations: vec![&HOOKED_POST],
        doctypes: vec![&SYNCED_ITEM],
        ..Default::default()
    };
    registry.sort();
    let error = migrate::run_all(&t.db, &registry, &AllOptions::default())
        .await
        .expect_err("hook fails");
    match &error {
        Error::Hook {
            app, name, phase, ..
        } => assert_eq!(
            (app.as_str(), name.as_str(), *phase),
            ("alpha", "explode", "before_sync")
        ),
        other => panic!("expected a hook error, got {other:?}"),
    }
    assert!(
        m_runtime::Report(&error)
            .to_string()
            .contains("the seed file is missing"),
        "{error}"
    );
    assert!(
        log_of(&t).await.is_empty(),
        "no hook, sync or migration after it ran"
    );
    assert_eq!(tables(&t).await, ["mlog"], "no sync, no ledger");
});

// ---- the CLI's exit codes ----------------------------------------------------

async fn cli(t: &TestDb, registry: &Registry, args: &[&str]) -> m_runtime::cli::ExitStatus {
    use clap::Parser;
    let mut argv = vec!["app", "migrate", "--database-url", t.url.as_str()];
    argv.extend_from_slice(args);
    let m_runtime::cli::TopLevel::Migrate(command) = m_runtime::cli::Cli::try_parse_from(argv)
        .expect("arguments")
        .command;
    m_runtime::cli::run(command, registry.clone()).await
}

all_backends!(cli_exit_codes, |t| async move {
    use m_runtime::cli::ExitStatus;
    create_log(&t).await;
    assert_eq!(
        cli(&t, &registry(&[&AGAIN_1]), &["run", "--phase", "pre_sync"]).await,
        ExitStatus::Success
    );
    assert_eq!(
        cli(&t, &registry(&[&AGAIN_1]), &["status", "--format", "json"]).await,
        ExitStatus::Success
    );
    assert_eq!(
        cli(
            &t,
            &registry(&[&AGAIN_1, &CYCLE_A, &CYCLE_B1, &CYCLE_B2]),
            &["run"]
        )
        .await,
        ExitStatus::Invalid
    );
    assert_eq!(
        cli(&t, &registry(&[&AGAIN_1, &FAIL_1, &FAIL_2]), &["run"]).await,
        ExitStatus::Database
    );
    assert_eq!(
        cli(&t, &registry(&[&AGAIN_1, &FAIL_1]), &["down", "fail:0001"]).await,
        ExitStatus::Invalid
    );
    let tampered = MigrationDef {
        checksum: "sha256:edited",
        ..AGAIN_1
    };
    let tampered: &'static MigrationDef = Box::leak(Box::new(tampered));
    assert_eq!(
        cli(&t, &registry(&[tampered]), &["status"]).await,
        ExitStatus::Invalid
    );
    assert_eq!(
        cli(&t, &registry(&[tampered]), &["all"]).await,
        ExitStatus::Invalid
    );
});

// ---- SQLite: rebuilding a referenced table in a migration ------------------

migration!(
    REBUILD_1 = "rebuild":"0001",
    [],
    PreSync,
    MigrationBody::Sql(
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT, legacy TEXT);
         CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE);
         INSERT INTO parent (id, name, legacy) VALUES (1, 'p', 'x');
         INSERT INTO child (id, parent_id) VALUES (10, 1);"
    ),
    None
);
migration!(
    REBUILD_2 = "rebuild":"0002",
    [],
    PreSync,
    MigrationBody::Sql(
        "CREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT);
         INSERT INTO parent_new (id, name) SELECT id, name FROM parent;
         DROP TABLE parent;
         ALTER TABLE parent_new RENAME TO parent;"
    ),
    None
);
migration!(
    REBUILD_3 = "rebuild":"0003",
    [],
    PreSync,
    MigrationBody::Sql("DELETE FROM parent"),
    None
);

/// SQLite's documented table rebuild (new table, copy, drop, rename) inside a
/// migration keeps the rows that reference the table, as the sync's rebuilds
/// do; a migration that would leave dangling references is rolled back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(m_test_skip_sqlite, ignore = "excluded by M_TEST_BACKENDS")]
async fn sqlite_rebuild_in_a_migration_keeps_referencing_rows() {
    Backend::Sqlite.require_enabled();
    let t = TestDb::fresh(Backend::Sqlite, "sqlite_rebuild").await;
    let report = migrate::run(
        &t.db,
        &registry(&[&REBUILD_1, &REBUILD_2]),
        &RunOptions::default(),
    )
    .await
    .expect("rebuild");
    assert_eq!(report.applied.len(), 2);
    assert_eq!(t.count("child").await, 1, "no cascading delete");
    let error = migrate::run(
        &t.db,
        &registry(&[&REBUILD_1, &REBUILD_2, &REBUILD_3]),
        &RunOptions::default(),
    )
    .await
    .expect_err("dangling reference");
    assert!(
        m_runtime::Report(&error)
            .to_string()
            .contains("violating foreign keys"),
        "{error}"
    );
    assert_eq!(t.count("parent").await, 1, "rolled back");
    assert_eq!(t.count("child").await, 1);
}

// ---- run --phase -------------------------------------------------------------

migration!(PHASE_PRE = "ph":"0001", [], PreSync, MigrationBody::Sql("CREATE TABLE ph_t (x INTEGER)"), None);
migration!(
    PHASE_POST = "ph":"0002",
    [],
    PostSync,
    MigrationBody::Sql("INSERT INTO ph_t (x) VALUES (1)"),
    None
);

all_backends!(run_by_phase_keeps_the_order, |t| async move {
    let registry = registry(&[&PHASE_PRE, &PHASE_POST]);
    let post_only = RunOptions::default().phase(MigrationPhase::PostSync);
    let error = migrate::run(&t.db, &registry, &post_only)
        .await
        .expect_err("ph:0001 first");
    assert!(
        error
            .to_string()
            .contains("`ph:0002` needs `ph:0001`, not applied yet"),
        "{error}"
    );
    assert!(ledger(&t).await.is_empty());
    let pre = migrate::run(
        &t.db,
        &registry,
        &RunOptions::default().phase(MigrationPhase::PreSync),
    )
    .await
    .expect("pre");
    assert_eq!(names(&pre.applied), ["ph:0001"]);
    let post = migrate::run(&t.db, &registry, &post_only)
        .await
        .expect("post");
    assert_eq!(names(&post.applied), ["ph:0002"]);
    assert_eq!(t.count("ph_t").await, 1);
});

// ---- concurrent migrators ------------------------------------------------------

fn slow_once(db: &Db) -> BoxFuture<'_, Result<(), BoxError>> {
    Box::pin(async move {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        db.execute("CREATE TABLE slow_t (x INTEGER)").await?;
        log(db, "slow:0001").await
    })
}
migration!(SLOW_1 = "slow":"0001", [], PreSync, MigrationBody::Fn(slow_once), None);

// Two `migrate run` at once (replicas booting together): the CLI's lock
// makes one wait, then find nothing to do.
all_backends!(concurrent_runs_apply_each_migration_once, |t| async move {
    use m_runtime::cli::ExitStatus;
    create_log(&t).await;
    let registry = registry(&[&SLOW_1]);
    let (a, b) = tokio::join!(cli(&t, &registry, &["run"]), cli(&t, &registry, &["run"]));
    assert_eq!((a, b), (ExitStatus::Success, ExitStatus::Success));
    assert_eq!(log_of(&t).await, ["slow:0001"]);
    assert_eq!(ledger(&t).await, ["slow:0001 sha256:slow-0001"]);
});

// ---- the library's `run_all` is the CLI's and boot's -----------------------------

// `migrate::run_all` goes through the one orchestrator: it records the schema
// hashes boot's fast path reads, and refuses to run when an app that synced
// the database is not linked.
all_backends!(
    library_run_all_records_hashes_and_checks_apps,
    |t| async move {
        let registry = Registry {
            doctypes: vec![&SYNCED_ITEM],
            ..Default::default()
        };
        migrate::run_all(&t.db, &registry, &AllOptions::default())
            .await
            .expect("all");
        assert!(
            m_runtime::state::matches(&t.db, &registry.schema())
                .await
                .expect("state"),
            "run_all must record the schema hashes"
        );
        let forgetful = Registry {
            hooks: vec![&HOOK_AFTER_ALPHA],
            ..Default::default()
        };
        let error = migrate::run_all(&t.db, &forgetful, &AllOptions::default())
            .await
            .expect_err("shop is not linked");
        assert!(matches!(error, Error::Registry(_)), "{error:?}");
        assert!(
            error.to_string().contains("`shop` (tables synced_item)"),
            "{error}"
        );
    }
);
