//! The boot stamp (SQLite): an unchanged boot reads the file header, not
//! m's tables, and nothing that changes what it would compare leaves the
//! stamp standing; a header another program uses is left alone.

use m_runtime::boot::Boot;
use m_runtime::registry::{MigrationBody, MigrationDef, MigrationPhase, OnFresh};
use m_runtime::{Db, Registry};
use m_tests::{Backend, TestDb, synthetic};

/// `(application_id, user_version, schema_version)`, from a connection of
/// its own.
async fn header(t: &TestDb) -> (i64, i64, i64) {
    let db = Db::connect(&t.url).await.expect("connect");
    let mut values = Vec::new();
    for pragma in ["application_id", "user_version", "schema_version"] {
        let value = db
            .fetch_i64(&format!("PRAGMA {pragma}"))
            .await
            .expect("pragma")
            .expect("a value");
        values.push(value);
    }
    db.close().await.expect("close");
    (values[0], values[1], values[2])
}

/// A fresh SQLite database, or `None` when `M_TEST_BACKENDS` excludes it.
async fn sqlite(test: &str) -> Option<TestDb> {
    if !Backend::Sqlite.enabled() {
        eprintln!("skipped: sqlite excluded by M_TEST_BACKENDS");
        return None;
    }
    Some(TestDb::fresh(Backend::Sqlite, test).await)
}

async fn boot(t: &TestDb, registry: &Registry) -> m_runtime::boot::BootReport {
    Boot::new(&t.url)
        .registry(registry.clone())
        .run()
        .await
        .expect("boot")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unchanged_boot_reads_the_stamp_and_a_schema_change_sends_it_to_the_tables() {
    let Some(t) = sqlite("stamp_fast").await else {
        return;
    };
    let registry = synthetic::registry(20);
    assert!(!boot(&t, &registry).await.fast_path);
    let (application_id, user_version, schema_version) = header(&t).await;
    assert_eq!(
        application_id >> 24,
        0x6D,
        "the header is m's: {application_id:#x}"
    );
    assert_ne!(user_version, 0, "and holds a stamp");

    let stamped = boot(&t, &registry).await;
    assert!(stamped.fast_path);
    assert_eq!(
        header(&t).await,
        (application_id, user_version, schema_version)
    );

    // Reading no table of m's: a hand edit of its rows (no schema change)
    // goes unseen, where the tables' comparison would take the slow path.
    t.exec("DELETE FROM _m_doctypes").await;
    let unseen = boot(&t, &registry).await;
    assert!(unseen.fast_path);
    assert_eq!(unseen.queries, stamped.queries);

    // Any schema change moves the schema version: the boot compares the
    // tables again, finds them emptied, syncs (the hand-made table is an
    // orphan, left alone) and stamps the new state.
    t.exec("CREATE TABLE scratch (x INTEGER)").await;
    let resynced = boot(&t, &registry).await;
    assert!(!resynced.fast_path, "the emptied state table is seen");
    assert_eq!(
        t.count("_m_doctypes").await,
        21,
        "20 hashes and their digest"
    );
    let (_, restamped, moved) = header(&t).await;
    assert_ne!(moved, schema_version);
    assert_ne!(restamped, 0);
    assert_ne!(restamped, user_version, "a stamp of the new schema version");
    let again = boot(&t, &registry).await;
    assert!(again.fast_path);
    assert_eq!(again.queries, stamped.queries);

    // Another binary (one DocType more) does not read this stamp as its own.
    let grown = synthetic::registry(21);
    let report = boot(&t, &grown).await;
    assert!(!report.fast_path);
    assert_eq!(report.plan.expect("a plan").applied().count(), 1);
}

static CREATE: MigrationDef = MigrationDef {
    app: "stamp",
    id: "0001_counter",
    depends_on: &[],
    phase: MigrationPhase::PreSync,
    checksum: "sha256:01",
    up: MigrationBody::Sql("CREATE TABLE counter (x INTEGER)"),
    down: None,
    source: "stamp/migrations/0001_counter.sql",
    on_fresh: OnFresh::Run,
};

static COUNT: MigrationDef = MigrationDef {
    app: "stamp",
    id: "0002_count",
    depends_on: &["stamp:0001_counter"],
    phase: MigrationPhase::PostSync,
    checksum: "sha256:02",
    up: MigrationBody::Sql("INSERT INTO counter (x) VALUES (1)"),
    down: Some(MigrationBody::Sql("DELETE FROM counter")),
    source: "stamp/migrations/0002_count.sql",
    on_fresh: OnFresh::Run,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_that_changes_rows_only_clears_the_stamp_and_the_next_boot_runs_it_again() {
    let Some(t) = sqlite("stamp_ledger").await else {
        return;
    };
    let registry = Registry {
        migrations: vec![&CREATE, &COUNT],
        ..synthetic::registry(3)
    };
    let first = boot(&t, &registry).await;
    assert_eq!(first.migrations, 2);
    assert!(boot(&t, &registry).await.fast_path);
    let (application_id, stamped, schema_version) = header(&t).await;
    assert_ne!(stamped, 0);

    // `migrate down` of a migration whose down only deletes rows: no
    // schema change, but the ledger loses a row, and the stamp goes first.
    let down = m_runtime::migrate::down(&t.db, &registry, "stamp:0002_count")
        .await
        .expect("down");
    assert_eq!(down.reverted.len(), 1, "{down:?}");
    assert_eq!(t.count("counter").await, 0);
    assert_eq!(header(&t).await, (application_id, 0, schema_version));

    let report = boot(&t, &registry).await;
    assert!(!report.fast_path, "the pending migration is seen");
    assert_eq!(report.migrations, 1);
    assert_eq!(t.count("counter").await, 1);
    assert!(boot(&t, &registry).await.fast_path);
    assert_ne!(header(&t).await.1, 0, "stamped again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_another_program_set_is_left_alone() {
    for (test, setup, expected) in [
        ("stamp_user_version", "PRAGMA user_version = 42", (0, 42)),
        (
            "stamp_application_id",
            // GeoPackage's id, "GPKG".
            "PRAGMA application_id = 1196444487",
            (1_196_444_487, 0),
        ),
    ] {
        let Some(t) = sqlite(test).await else {
            return;
        };
        t.exec(setup).await;
        let registry = synthetic::registry(5);
        assert!(!boot(&t, &registry).await.fast_path);
        let fast = boot(&t, &registry).await;
        assert!(fast.fast_path, "through m's tables");
        let (application_id, user_version, _) = header(&t).await;
        assert_eq!((application_id, user_version), expected, "{test}");
        t.exec("DELETE FROM _m_doctypes WHERE table_name = ''")
            .await;
        let slow_compare = boot(&t, &registry).await;
        assert!(slow_compare.fast_path, "compared row by row");
        assert!(slow_compare.queries > fast.queries);
        let (application_id, user_version, _) = header(&t).await;
        assert_eq!((application_id, user_version), expected, "{test}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_opened_read_only_boots_through_the_tables_without_a_stamp() {
    let Some(t) = sqlite("stamp_read_only").await else {
        return;
    };
    let registry = synthetic::registry(5);
    assert!(!boot(&t, &registry).await.fast_path);
    t.exec("PRAGMA user_version = 0").await;
    let cleared = header(&t).await;

    let read_only = format!("{}?mode=ro", t.url);
    let report = Boot::new(&read_only)
        .registry(registry.clone())
        .run()
        .await
        .expect("an unchanged boot needs no write");
    assert!(report.fast_path);
    assert_eq!(header(&t).await, cleared, "the header is as it was");
}
