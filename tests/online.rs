//! Online operations on every backend: an index built while writes go on
//! (PostgreSQL `CREATE INDEX CONCURRENTLY` outside a transaction, MySQL
//! and MariaDB `ALGORITHM=INPLACE LOCK=NONE`, SQLite a plain build), a
//! failed build that leaves no invalid index and no ledger row, reruns
//! that converge whatever a failed or stopped run left; a foreign key
//! added `NOT VALID` and validated in the next migration (PostgreSQL;
//! elsewhere checked when added). After each, `verify` is clean.

use m_runtime::Registry;
use m_runtime::migrate::{self, RunOptions};
use m_runtime::ops::{self, Migration, Operation};
use m_runtime::registry::{MigrationBody, MigrationDef, OpsBody};
use m_runtime::schema::{Column, ForeignKey, LogicalType, ReferentialAction, Schema, Table};
use m_runtime::{Db, Policy};
use m_tests::{Backend, TestDb, all_backends};

const CODE: LogicalType = LogicalType::String {
    max_length: Some(40),
};
const INDEX: &str = "ix_item__parent_id";
const UNIQUE: &str = "ux_item__code";

fn fk() -> ForeignKey {
    ForeignKey::new(
        "item",
        vec!["parent_id".into()],
        "parent",
        vec!["id".into()],
        ReferentialAction::NoAction,
    )
}

/// `parent` and `item` (no index, no key), with `change` applied to `item`.
fn schema(change: impl FnOnce(Table) -> Table) -> Schema {
    let mut schema = Schema::default();
    schema.insert(
        Table::new("parent")
            .column(Column::new("id", LogicalType::I64))
            .primary_key(["id"]),
    );
    schema.insert(change(
        Table::new("item")
            .column(Column::new("id", LogicalType::I64))
            .column(Column::new("code", CODE))
            .column(Column::new("parent_id", LogicalType::I64).nullable())
            .primary_key(["id"]),
    ));
    schema
}

fn base() -> Schema {
    schema(|t| t)
}

fn with_index() -> Schema {
    schema(|t| t.index(["parent_id"], false))
}

fn with_unique() -> Schema {
    schema(|t| t.index(["code"], true))
}

fn with_fk() -> Schema {
    schema(|t| t.foreign_key(fk()))
}

fn json(schema: &Schema) -> &'static str {
    Box::leak(
        serde_json::to_string(schema)
            .expect("schema JSON")
            .into_boxed_str(),
    )
}

fn migration(
    previous: Option<&'static str>,
    old: Schema,
    up: Vec<Operation>,
    down: Option<Vec<Operation>>,
    new: Schema,
) -> Migration {
    Migration {
        previous,
        old: json(&old),
        new: json(&new),
        up,
        down,
    }
}

fn index_online() -> Migration {
    migration(
        None,
        base(),
        vec![ops::add_index_online("item", INDEX, &["parent_id"])],
        Some(vec![ops::drop_index("item", INDEX)]),
        with_index(),
    )
}

fn unique_online() -> Migration {
    migration(
        None,
        base(),
        vec![ops::add_unique_online("item", UNIQUE, &["code"])],
        None,
        with_unique(),
    )
}

fn fk_not_valid() -> Migration {
    migration(
        None,
        base(),
        vec![ops::add_foreign_key_not_valid("item", fk())],
        Some(vec![ops::drop_foreign_key("item", &fk().name)]),
        with_fk(),
    )
}

fn fk_validate() -> Migration {
    migration(
        Some("0001_fk_not_valid"),
        with_fk(),
        vec![ops::validate_foreign_key("item", &fk().name)],
        None,
        with_fk(),
    )
}

/// Two builds, the second of which fails over duplicates.
fn both_online() -> Migration {
    migration(
        None,
        base(),
        vec![
            ops::add_index_online("item", INDEX, &["parent_id"]),
            ops::add_unique_online("item", UNIQUE, &["code"]),
        ],
        None,
        schema(|t| t.index(["parent_id"], false).index(["code"], true)),
    )
}

const fn def(id: &'static str, migration: fn() -> Migration, reversible: bool) -> MigrationDef {
    m_tests::ops_migration(id, migration, reversible, "tests/online.rs")
}

static INDEX_ONLINE: MigrationDef = def("0001_index_online", index_online, true);
static UNIQUE_ONLINE: MigrationDef = def("0001_unique_online", unique_online, false);
static BOTH_ONLINE: MigrationDef = def("0001_both_online", both_online, false);
static FK_NOT_VALID: MigrationDef = def("0001_fk_not_valid", fk_not_valid, true);
static FK_VALIDATE: MigrationDef = def("0002_fk_validate", fk_validate, false);

fn registry(migrations: Vec<&'static MigrationDef>) -> &'static Registry {
    Box::leak(Box::new(Registry {
        migrations,
        ..Default::default()
    }))
}

async fn run(db: &Db, registry: &Registry) -> m_runtime::Result<usize> {
    migrate::run(db, registry, &RunOptions::default())
        .await
        .map(|report| report.applied.len())
}

/// The two tables, created by a sync, with rows: `item.code` duplicated
/// when `duplicates`, `item.parent_id` dangling when `dangling`.
async fn setup(t: &TestDb, duplicates: bool, dangling: bool) {
    t.sync(&base(), &Policy::default()).await;
    t.exec("INSERT INTO parent (id) VALUES (1), (2)").await;
    let (second_code, second_parent) = (
        if duplicates { "a" } else { "b" },
        if dangling { "99" } else { "2" },
    );
    t.exec(&format!(
        "INSERT INTO item (id, code, parent_id) VALUES (1, 'a', 1), (2, '{second_code}', {second_parent}), (3, 'c', NULL)"
    ))
    .await;
}

/// The names of `item`'s indexes, as introspection reads them.
async fn indexes(db: &Db) -> Vec<String> {
    let live = m_runtime::introspect(db).await.expect("introspect");
    live.table("item")
        .expect("item")
        .indexes
        .iter()
        .map(|i| i.name.clone())
        .collect()
}

/// PostgreSQL: `pg_index.indisvalid` of index `name` (`None`: no such index).
async fn pg_valid_index(db: &Db, name: &str) -> Option<bool> {
    db.fetch_i64(&format!(
        "SELECT CASE WHEN ix.indisvalid THEN 1 ELSE 0 END FROM pg_index ix \
         JOIN pg_class i ON i.oid = ix.indexrelid WHERE i.relname = '{name}'"
    ))
    .await
    .expect("pg_index")
    .map(|v| v == 1)
}

/// PostgreSQL: `pg_constraint.convalidated` of key `name` (`None`: no such key).
async fn pg_validated_key(db: &Db, name: &str) -> Option<bool> {
    db.fetch_i64(&format!(
        "SELECT CASE WHEN convalidated THEN 1 ELSE 0 END FROM pg_constraint WHERE conname = '{name}'"
    ))
    .await
    .expect("pg_constraint")
    .map(|v| v == 1)
}

async fn ledger(t: &TestDb) -> i64 {
    t.count("_m_migrations").await
}

fn assert_clean(plan: &m_runtime::plan::Plan) {
    assert!(plan.is_empty(), "verify is not clean: {plan:?}");
}

all_backends!(online_index_is_built_and_recorded, |t| async move {
    setup(&t, false, false).await;
    let registry = registry(vec![&INDEX_ONLINE]);
    assert_eq!(run(&t.db, registry).await.expect("run"), 1);
    assert_eq!(indexes(&t.db).await, [INDEX]);
    if t.backend == Backend::Postgres {
        assert_eq!(pg_valid_index(&t.db, INDEX).await, Some(true));
    }
    assert_eq!(ledger(&t).await, 1);
    assert_clean(&t.verify(&with_index()).await);
    // A second run is a no-op; `down` drops it in a transaction.
    assert_eq!(run(&t.db, registry).await.expect("rerun"), 0);
    migrate::down(&t.db, registry, "shop:0001_index_online")
        .await
        .expect("down");
    assert!(indexes(&t.db).await.is_empty());
    assert_eq!(ledger(&t).await, 0);
    assert_clean(&t.verify(&base()).await);
});

all_backends!(
    failed_online_build_leaves_nothing_and_rerun_converges,
    |t| async move {
        setup(&t, true, false).await;
        let registry = registry(vec![&UNIQUE_ONLINE]);
        let error = run(&t.db, registry).await.expect_err("duplicates");
        let message = m_runtime::Report(&error).to_string();
        assert!(
            message.contains("0001_unique_online") && message.contains("outside a transaction"),
            "{message}"
        );
        // No index (PostgreSQL: no INVALID one either), no ledger row, rows kept.
        assert!(indexes(&t.db).await.is_empty());
        if t.backend == Backend::Postgres {
            assert_eq!(pg_valid_index(&t.db, UNIQUE).await, None);
        }
        assert_eq!(ledger(&t).await, 0);
        assert_eq!(t.count("item").await, 3);
        // Fixed data: the rerun builds it.
        t.exec("UPDATE item SET code = 'b' WHERE id = 2").await;
        assert_eq!(run(&t.db, registry).await.expect("rerun"), 1);
        assert_eq!(indexes(&t.db).await, [UNIQUE]);
        if t.backend == Backend::Postgres {
            assert_eq!(pg_valid_index(&t.db, UNIQUE).await, Some(true));
        }
        assert_eq!(ledger(&t).await, 1);
        assert_clean(&t.verify(&with_unique()).await);
    }
);

// The second build fails: the first stays, nothing is recorded, and the
// rerun (the database now the old schema with the first build done) builds
// only the second.
all_backends!(a_run_that_stopped_part_way_resumes, |t| async move {
    setup(&t, true, false).await;
    let registry = registry(vec![&BOTH_ONLINE]);
    run(&t.db, registry).await.expect_err("duplicates");
    assert_eq!(indexes(&t.db).await, [INDEX]);
    if t.backend == Backend::Postgres {
        assert_eq!(pg_valid_index(&t.db, INDEX).await, Some(true));
        assert_eq!(pg_valid_index(&t.db, UNIQUE).await, None);
    }
    assert_eq!(ledger(&t).await, 0);
    t.exec("UPDATE item SET code = 'b' WHERE id = 2").await;
    assert_eq!(run(&t.db, registry).await.expect("rerun"), 1);
    let mut names = indexes(&t.db).await;
    names.sort();
    assert_eq!(names, [INDEX, UNIQUE]);
    assert_eq!(ledger(&t).await, 1);
    assert_clean(
        &t.verify(&schema(|t| {
            t.index(["parent_id"], false).index(["code"], true)
        }))
        .await,
    );
});

// A run that built the index and stopped before its ledger row (a crash):
// the rerun finds it built, does not build it again, and records it.
all_backends!(
    a_build_not_recorded_is_recorded_by_the_rerun,
    |t| async move {
        setup(&t, false, false).await;
        ops::apply(
            &t.db,
            &[ops::add_index_online("item", INDEX, &["parent_id"])],
        )
        .await
        .expect("the build the crashed run did");
        let registry = registry(vec![&INDEX_ONLINE]);
        assert_eq!(run(&t.db, registry).await.expect("rerun"), 1);
        assert_eq!(indexes(&t.db).await, [INDEX]);
        assert_eq!(ledger(&t).await, 1);
        assert_clean(&t.verify(&with_index()).await);
    }
);

// An online build is not something a transaction can hold: `execute`
// (inside the caller's transaction) refuses it before anything runs.
all_backends!(execute_refuses_an_online_build, |t| async move {
    setup(&t, false, false).await;
    let error = ops::execute(
        &t.db,
        &[ops::add_index_online("item", INDEX, &["parent_id"])],
    )
    .await
    .expect_err("refused");
    assert!(error.to_string().contains("ops::apply"), "{error}");
    assert!(indexes(&t.db).await.is_empty());
});

all_backends!(foreign_key_not_valid_then_validated, |t| async move {
    setup(&t, false, false).await;
    // The first migration alone: the key is there, unchecked on PostgreSQL.
    assert_eq!(
        run(&t.db, registry(vec![&FK_NOT_VALID]))
            .await
            .expect("run"),
        1
    );
    if t.backend == Backend::Postgres {
        assert_eq!(pg_validated_key(&t.db, &fk().name).await, Some(false));
    }
    assert_clean(&t.verify(&with_fk()).await);
    let registry = registry(vec![&FK_NOT_VALID, &FK_VALIDATE]);
    assert_eq!(run(&t.db, registry).await.expect("run"), 1);
    assert_eq!(ledger(&t).await, 2);
    if t.backend == Backend::Postgres {
        assert_eq!(pg_validated_key(&t.db, &fk().name).await, Some(true));
    }
    assert_clean(&t.verify(&with_fk()).await);
});

// Over a dangling row: PostgreSQL adds the key unchecked and the
// validation fails, naming the row, and leaves it as it was; MySQL,
// MariaDB and SQLite check the rows when the key is added, so the first
// migration fails there. Fixed rows: the rerun converges everywhere.
all_backends!(
    validating_over_dangling_rows_fails_and_changes_nothing,
    |t| async move {
        setup(&t, false, true).await;
        let registry = registry(vec![&FK_NOT_VALID, &FK_VALIDATE]);
        let error = run(&t.db, registry).await.expect_err("dangling row");
        let message = m_runtime::Report(&error).to_string();
        let has_key = |live: &Schema| !live.table("item").expect("item").foreign_keys.is_empty();
        if t.backend == Backend::Postgres {
            assert!(message.contains("0002_fk_validate"), "{message}");
            assert!(
                message.contains("Key (parent_id)=(99) is not present in table \"parent\""),
                "{message}"
            );
            assert_eq!(pg_validated_key(&t.db, &fk().name).await, Some(false));
            assert_eq!(ledger(&t).await, 1);
            // New rows are checked already.
            let insert =
                t.db.execute("INSERT INTO item (id, code, parent_id) VALUES (4, 'd', 98)")
                    .await;
            assert!(insert.is_err(), "a NOT VALID key checks new rows");
            assert!(has_key(
                &m_runtime::introspect(&t.db).await.expect("introspect")
            ));
        } else {
            assert!(message.contains("0001_fk_not_valid"), "{message}");
            assert_eq!(ledger(&t).await, 0);
            assert!(!has_key(
                &m_runtime::introspect(&t.db).await.expect("introspect")
            ));
        }
        assert_eq!(t.count("item").await, 3);
        t.exec("UPDATE item SET parent_id = 2 WHERE id = 2").await;
        run(&t.db, registry).await.expect("rerun");
        assert_eq!(ledger(&t).await, 2);
        if t.backend == Backend::Postgres {
            assert_eq!(pg_validated_key(&t.db, &fk().name).await, Some(true));
        }
        assert_clean(&t.verify(&with_fk()).await);
    }
);

/// A failed concurrent build leaves an INVALID index under its name
/// (here: one built by hand over duplicates, as a crashed run would leave
/// it). The migration drops it and builds the index.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(m_test_skip_postgres, ignore = "excluded by M_TEST_BACKENDS")]
async fn postgres_drops_an_invalid_leftover_before_building() {
    Backend::Postgres.require_enabled();
    let t = TestDb::fresh(Backend::Postgres, "invalid_leftover").await;
    setup(&t, true, false).await;
    let failed =
        t.db.execute(&format!(
            "CREATE UNIQUE INDEX CONCURRENTLY {UNIQUE} ON item (code)"
        ))
        .await;
    assert!(failed.is_err());
    assert_eq!(pg_valid_index(&t.db, UNIQUE).await, Some(false));
    t.exec("UPDATE item SET code = 'b' WHERE id = 2").await;
    let registry = registry(vec![&UNIQUE_ONLINE]);
    assert_eq!(run(&t.db, registry).await.expect("run"), 1);
    assert_eq!(pg_valid_index(&t.db, UNIQUE).await, Some(true));
    assert_clean(&t.verify(&with_unique()).await);
}

/// The same in a schema of its own: the leftover is found in the table's
/// schema (not the connection's), dropped there, and the index built.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(m_test_skip_postgres, ignore = "excluded by M_TEST_BACKENDS")]
async fn postgres_drops_an_invalid_leftover_in_the_tables_schema() {
    Backend::Postgres.require_enabled();
    let t = TestDb::fresh(Backend::Postgres, "invalid_leftover_schema").await;
    t.exec("CREATE SCHEMA billing").await;
    t.exec("CREATE TABLE billing.item (id BIGINT PRIMARY KEY, code VARCHAR(40) NOT NULL)")
        .await;
    t.exec("INSERT INTO billing.item VALUES (1, 'a'), (2, 'a')")
        .await;
    let failed =
        t.db.execute(&format!(
            "CREATE UNIQUE INDEX CONCURRENTLY {UNIQUE} ON billing.item (code)"
        ))
        .await;
    assert!(failed.is_err());
    assert_eq!(pg_valid_index(&t.db, UNIQUE).await, Some(false));
    t.exec("UPDATE billing.item SET code = 'b' WHERE id = 2")
        .await;

    let registry = registry(vec![&BILLING_UNIQUE_ONLINE]);
    assert_eq!(run(&t.db, registry).await.expect("run"), 1);
    assert_eq!(pg_valid_index(&t.db, UNIQUE).await, Some(true));
    assert_eq!(
        t.rows(&format!(
            "SELECT schemaname::text FROM pg_indexes WHERE indexname = '{UNIQUE}'"
        ))
        .await,
        [[Some("billing".to_owned())]]
    );
}

fn billing(unique: bool) -> Schema {
    let mut table = Table::new("billing.item")
        .column(Column::new("id", LogicalType::I64))
        .column(Column::new("code", CODE))
        .primary_key(["id"]);
    if unique {
        table = table.index(["code"], true);
    }
    let mut schema = Schema::default();
    schema.insert(table);
    schema
}

fn billing_unique_online() -> Migration {
    migration(
        None,
        billing(false),
        vec![ops::add_unique_online("billing.item", UNIQUE, &["code"])],
        None,
        billing(true),
    )
}

static BILLING_UNIQUE_ONLINE: MigrationDef =
    def("0001_billing_unique_online", billing_unique_online, false);

/// The build does not block writes: while another transaction that wrote
/// to the table is open, `CREATE INDEX CONCURRENTLY` waits for it (as
/// PostgreSQL documents) and an insert from a third connection goes
/// through meanwhile; a plain `CREATE INDEX` would hold `SHARE` and queue
/// that insert behind it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(m_test_skip_postgres, ignore = "excluded by M_TEST_BACKENDS")]
async fn postgres_online_build_lets_writes_go_on() {
    use std::time::Duration;

    Backend::Postgres.require_enabled();
    let t = TestDb::fresh(Backend::Postgres, "online_writes").await;
    setup(&t, false, false).await;
    let holder = t.reconnect().await;
    holder.execute("BEGIN").await.expect("begin");
    holder
        .execute("INSERT INTO item (id, code, parent_id) VALUES (10, 'h', 1)")
        .await
        .expect("insert in the open transaction");

    let migrator = t.reconnect().await;
    let registry = registry(vec![&INDEX_ONLINE]);
    let build = tokio::spawn(async move { run(&migrator, registry).await });

    // The build is under way and waiting for the open transaction.
    let watcher = t.reconnect().await;
    let waiting = "SELECT COUNT(*) FROM pg_stat_activity WHERE query LIKE 'CREATE %INDEX%' AND wait_event_type = 'Lock' AND datname = current_database()";
    let mut seen = false;
    for _ in 0..100 {
        if watcher.fetch_i64(waiting).await.expect("activity") == Some(1) {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(seen, "the concurrent build never started");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!build.is_finished(), "the build waits for the open writer");

    // A write from elsewhere goes through while the build waits.
    let writer = t.reconnect().await;
    let insert = tokio::time::timeout(
        Duration::from_secs(5),
        writer.execute("INSERT INTO item (id, code, parent_id) VALUES (11, 'w', 2)"),
    )
    .await
    .expect("the insert is not blocked by the build");
    insert.expect("insert during the build");
    assert!(!build.is_finished());

    holder.execute("COMMIT").await.expect("commit");
    let applied = tokio::time::timeout(Duration::from_secs(30), build)
        .await
        .expect("the build ends once the writer committed")
        .expect("task")
        .expect("run");
    assert_eq!(applied, 1);
    assert_eq!(pg_valid_index(&t.db, INDEX).await, Some(true));
    assert_eq!(t.count("item").await, 5);
    assert_eq!(ledger(&t).await, 1);
    assert_clean(&t.verify(&with_index()).await);
}

/// Registration refuses a migration that mixes an online build with
/// other operations, or gives it a data body: it runs without a
/// transaction.
#[test]
fn online_builds_stand_alone() {
    fn mixed() -> Migration {
        migration(
            None,
            base(),
            vec![
                ops::add_index_online("item", INDEX, &["parent_id"]),
                ops::add_unique("item", UNIQUE, &["code"]),
            ],
            None,
            schema(|t| t.index(["parent_id"], false).index(["code"], true)),
        )
    }
    fn boxed(_: &Db) -> m_runtime::BoxFuture<'_, Result<(), m_runtime::BoxError>> {
        Box::pin(async { Ok(()) })
    }
    static MIXED: MigrationDef = def("0001_mixed", mixed, false);
    let error = mixed().lint().expect_err("mixed").to_string();
    assert_eq!(
        error,
        r#"up: operation #2 `add_unique("item", "ux_item__code", ["code"])` sits beside `add_index_online("item", "ix_item__parent_id", ["parent_id"])`, an online index build, which runs outside a transaction: a migration of online builds holds nothing else; move `add_unique("item", "ux_item__code", ["code"])` to a migration of its own"#
    );
    assert!(
        Registry {
            migrations: vec![&MIXED],
            ..Default::default()
        }
        .validate()
        .is_err()
    );
    static WITH_BODY: MigrationDef = MigrationDef {
        up: MigrationBody::Ops(OpsBody {
            migration: index_online,
            before: Some(boxed),
            after: None,
            revert: false,
        }),
        down: None,
        ..def("0001_index_online", index_online, false)
    };
    let problems = Registry {
        migrations: vec![&WITH_BODY],
        ..Default::default()
    }
    .validate()
    .expect_err("a data body")
    .to_string();
    assert!(
        problems.contains("no `before` or `after` data body"),
        "{problems}"
    );
}

// `migrate make --online`: the golden files are what it writes for the
// declared index, unique index and key; they are modules of this test
// crate, so their migrations are registered (app `online`) and run below.

#[rustfmt::skip]
#[path = "golden/online/m0001_add_keys_indexes.rs"]
mod m0001_add_keys_indexes;
#[rustfmt::skip]
#[path = "golden/online/m0002_add_keys_foreign_keys.rs"]
mod m0002_add_keys_foreign_keys;
#[rustfmt::skip]
#[path = "golden/online/m0003_add_keys_validate.rs"]
mod m0003_add_keys_validate;

/// Every index and key declared, in app `online`.
fn declared() -> Schema {
    let mut schema = schema(|t| {
        t.index(["code"], true)
            .index(["parent_id"], false)
            .foreign_key(fk())
    });
    for table in schema.tables.values_mut() {
        table.app = Some("online".into());
    }
    schema
}

#[tokio::test]
async fn golden_make_online() {
    let db = Db::connect("sqlite::memory:").await.expect("connect");
    let plan = m_runtime::plan(&db, &base(), &Policy::default())
        .await
        .expect("plan");
    m_runtime::apply(&db, &plan).await.expect("create");
    let plan = m_runtime::plan(&db, &declared(), &Policy::default())
        .await
        .expect("plan");
    let live = m_runtime::introspect(&db).await.expect("introspect");
    let (live, desired) = m_runtime::plan::prepare(db.backend().dialect(), &live, &declared());
    let online =
        ops::make_online("online", "add keys", &[], &plan, &live, &desired).expect("make --online");
    assert!(online.left_to_sync.is_empty(), "{:?}", online.left_to_sync);
    let modules: Vec<&str> = online.made.iter().map(|m| m.module.as_str()).collect();
    assert_eq!(
        modules,
        [
            "m0001_add_keys_indexes",
            "m0002_add_keys_foreign_keys",
            "m0003_add_keys_validate"
        ]
    );
    for made in &online.made {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("golden/online")
            .join(format!("{}.rs", made.module));
        if std::env::var_os("M_UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, &made.source).expect("write the golden file");
            continue;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            expected == made.source,
            "{} differs (rerun with M_UPDATE_GOLDEN=1 to accept):\n{}",
            path.display(),
            made.source
        );
    }
}

/// Nothing to build online: refused, naming what the sync adds instead.
#[tokio::test]
async fn make_online_refuses_when_there_is_nothing_to_build() {
    let db = Db::connect("sqlite::memory:").await.expect("connect");
    let plan = m_runtime::plan(&db, &declared(), &Policy::default())
        .await
        .expect("plan");
    let live = m_runtime::introspect(&db).await.expect("introspect");
    let (live, desired) = m_runtime::plan::prepare(db.backend().dialect(), &live, &declared());
    let error = ops::make_online("online", "add keys", &[], &plan, &live, &desired)
        .expect_err("the tables do not exist yet");
    assert!(
        error.0.contains("there is nothing to build online"),
        "{error}"
    );
}

// The generated migrations, registered by the golden modules, on every
// backend: indexes valid, the key validated, `verify` clean; `down` of
// the first reverts all three.
all_backends!(made_online_migrations_run, |t| async move {
    setup(&t, false, false).await;
    let registry = Registry::linked();
    let applied = migrate::run(&t.db, &registry, &RunOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{}", m_runtime::Report(&e)));
    let names: Vec<String> = applied.applied.iter().map(|r| r.name()).collect();
    assert_eq!(
        names,
        [
            "online:0001_add_keys_indexes",
            "online:0002_add_keys_foreign_keys",
            "online:0003_add_keys_validate"
        ]
    );
    if t.backend == Backend::Postgres {
        assert_eq!(pg_valid_index(&t.db, INDEX).await, Some(true));
        assert_eq!(pg_valid_index(&t.db, UNIQUE).await, Some(true));
        assert_eq!(pg_validated_key(&t.db, &fk().name).await, Some(true));
    }
    assert_clean(&t.verify(&declared()).await);
    migrate::down(&t.db, &registry, "online:0001_add_keys_indexes")
        .await
        .unwrap_or_else(|e| panic!("{}", m_runtime::Report(&e)));
    assert_eq!(ledger(&t).await, 0);
    assert_clean(&t.verify(&base()).await);
});

// The command line: `migrate make --online` writes the three files into
// the migrations folder (and refuses, writing nothing, when one exists);
// `migrate run` runs the golden ones under the migration lock (an idle
// session's advisory lock on PostgreSQL, which a concurrent build does not
// wait for).

static PARENT: m_runtime::registry::DocTypeDef = m_runtime::registry::DocTypeDef {
    app: "online",
    name: "Parent",
    table: "parent",
    module_path: "online",
    columns: &[m_runtime::registry::ColumnDef {
        name: "id",
        field: "id",
        ty: LogicalType::I64,
        nullable: false,
        default: None,
        unique: false,
        index: false,
        renamed_from: &[],
        references: None,
    }],
    primary_key: &["id"],
    indexes: &[],
    renamed_from: &[],
    retired_columns: &[],
    checks: &[],
};

static ITEM: m_runtime::registry::DocTypeDef = m_runtime::registry::DocTypeDef {
    name: "Item",
    table: "item",
    columns: &[
        m_runtime::registry::ColumnDef {
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
        m_runtime::registry::ColumnDef {
            name: "code",
            field: "code",
            ty: CODE,
            nullable: false,
            default: None,
            unique: true,
            index: false,
            renamed_from: &[],
            references: None,
        },
        m_runtime::registry::ColumnDef {
            name: "parent_id",
            field: "parent_id",
            ty: LogicalType::I64,
            nullable: true,
            default: None,
            unique: false,
            index: true,
            renamed_from: &[],
            references: Some(m_runtime::registry::ReferenceDef {
                table: "parent",
                column: "id",
                on_delete: ReferentialAction::NoAction,
            }),
        },
    ],
    ..PARENT
};

async fn cli(t: &TestDb, registry: Registry, args: &[&str]) -> m_runtime::cli::ExitStatus {
    use clap::Parser;
    let mut argv = vec!["app", "migrate", "--database-url", t.url.as_str()];
    argv.extend_from_slice(args);
    let m_runtime::cli::TopLevel::Migrate(command) = m_runtime::cli::Cli::try_parse_from(argv)
        .expect("arguments")
        .command;
    m_runtime::cli::run(command, registry).await
}

all_backends!(cli_make_online_and_run, |t| async move {
    use m_runtime::cli::ExitStatus;
    setup(&t, false, false).await;
    let dir = std::env::temp_dir().join(format!("m-online-{}-{:?}", std::process::id(), t.backend));
    let _ = std::fs::remove_dir_all(&dir);
    let doctypes = Registry {
        doctypes: vec![&PARENT, &ITEM],
        ..Default::default()
    };
    let folder = dir.to_str().expect("utf-8 path");
    let make = ["make", "--online", "--dir", folder, "add_keys"];
    assert_eq!(cli(&t, doctypes.clone(), &make).await, ExitStatus::Success);
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("the folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "m0001_add_keys_indexes.rs",
            "m0002_add_keys_foreign_keys.rs",
            "m0003_add_keys_validate.rs",
            "mod.rs"
        ]
    );
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).expect("written");
    assert!(read("mod.rs").ends_with(
        "pub mod m0001_add_keys_indexes;\npub mod m0002_add_keys_foreign_keys;\npub mod m0003_add_keys_validate;\n"
    ));
    let indexes = read("m0001_add_keys_indexes.rs");
    assert!(
        indexes.contains(r#"ops::add_unique_online("item", "ux_item__code", &["code"])"#)
            && indexes
                .contains(r#"ops::add_index_online("item", "ix_item__parent_id", &["parent_id"])"#),
        "{indexes}"
    );
    assert!(
        read("m0002_add_keys_foreign_keys.rs").contains("ops::add_foreign_key_not_valid(\"item\"")
    );
    assert!(
        read("m0003_add_keys_validate.rs")
            .contains("ops::validate_foreign_key(\"item\", \"fk_item__parent_id\")")
    );
    // What the command wrote is the golden files (which the test above checks
    // and the run below runs), on every backend's database.
    for file in &files[..3] {
        let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("golden/online")
            .join(file);
        assert_eq!(
            read(file),
            std::fs::read_to_string(golden).expect("golden"),
            "{file}"
        );
    }
    // Again: the files exist, nothing is written.
    let before = read("mod.rs");
    assert_ne!(cli(&t, doctypes, &make).await, ExitStatus::Success);
    assert_eq!(read("mod.rs"), before);
    let _ = std::fs::remove_dir_all(&dir);

    assert_eq!(
        cli(&t, Registry::linked(), &["run"]).await,
        ExitStatus::Success
    );
    assert_eq!(ledger(&t).await, 3);
    if t.backend == Backend::Postgres {
        assert_eq!(pg_valid_index(&t.db, INDEX).await, Some(true));
        assert_eq!(pg_valid_index(&t.db, UNIQUE).await, Some(true));
        assert_eq!(pg_validated_key(&t.db, &fk().name).await, Some(true));
    }
    assert_clean(&t.verify(&declared()).await);
});
