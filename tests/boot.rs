//! Boot: the fast path, drift detection, and the development and production
//! policies.

use m_runtime::boot::{Boot, Environment};
use m_runtime::{Error, Policy};
use m_tests::{all_backends, synthetic};

async fn boot_queries(url: &str, n: usize) -> (bool, u64) {
    let registry = synthetic::registry(n);
    let first = Boot::new(url)
        .registry(registry.clone())
        .run()
        .await
        .expect("first boot");
    assert!(!first.fast_path, "a fresh database takes the slow path");
    let again = Boot::new(url)
        .registry(registry)
        .run()
        .await
        .expect("second boot");
    (again.fast_path, again.queries)
}

all_backends!(
    unchanged_boot_costs_the_same_for_10_and_1000_doctypes,
    |t| async move {
        let (fast_small, small) = boot_queries(&t.url, 10).await;
        let other = m_tests::TestDb::fresh(t.backend, "boot_1000").await;
        let (fast_large, large) = boot_queries(&other.url, 1000).await;
        assert!(
            fast_small && fast_large,
            "unchanged boots take the fast path"
        );
        assert_eq!(
            small, large,
            "queries of an unchanged boot: {small} for 10 DocTypes, {large} for 1000"
        );
        // The lock choice (one query where the backend has several), the
        // lock, the schema hashes, the ledger: a handful, whatever the count.
        assert!(
            small <= 5,
            "an unchanged boot runs a handful of queries, got {small}"
        );
    }
);

all_backends!(manual_alter_is_found_by_verify, |t| async move {
    let registry = synthetic::registry(3);
    Boot::new(&t.url)
        .registry(registry.clone())
        .run()
        .await
        .expect("boot");
    t.exec("ALTER TABLE t0001 ADD COLUMN sneaky INTEGER").await;
    // Boot trusts the recorded hashes ...
    let report = Boot::new(&t.url)
        .registry(registry.clone())
        .run()
        .await
        .expect("boot");
    assert!(report.fast_path);
    // ... verify always introspects.
    let plan = t.verify(&registry.schema()).await;
    let drift: Vec<_> = plan
        .changes
        .iter()
        .map(|c| (c.change.kind(), c.change.table(), c.change.column()))
        .collect();
    assert_eq!(drift, [("orphan_column", "t0001", Some("sneaky"))]);
});

all_backends!(development_applies_safe_on_boot, |t| async move {
    let report = Boot::new(&t.url)
        .registry(synthetic::registry(2))
        .run()
        .await
        .expect("boot");
    assert_eq!(report.plan.expect("slow path").applied().count(), 2);
    // A new nullable column is SAFE: applied on the next boot.
    let report = Boot::new(&t.url)
        .registry(synthetic::registry_with(2, 1))
        .run()
        .await
        .expect("boot");
    assert_eq!(report.plan.expect("slow path").applied().count(), 2);
    assert!(
        t.verify(&synthetic::registry_with(2, 1).schema())
            .await
            .is_empty()
    );
});

all_backends!(
    production_refuses_a_warning_and_applies_nothing,
    |t| async move {
        let registry = synthetic::registry(2);
        Boot::new(&t.url)
            .registry(registry.clone())
            .run()
            .await
            .expect("boot");
        t.exec("INSERT INTO t0000 (id, title, counter) VALUES (1, 'a', 0), (2, 'b', 0)")
            .await;
        // Declare `title` unique: a WARNING (no duplicates today), plus a SAFE new column.
        let next = synthetic::with_column(&synthetic::registry_with(2, 1), "t0000", "title", |c| {
            c.index = false;
            c.unique = true;
        });
        let before = m_runtime::introspect(&t.db).await.expect("introspect");

        let error = Boot::new(&t.url)
            .environment(Environment::Production)
            .registry(next.clone())
            .run()
            .await
            .expect_err("production must refuse");
        assert!(matches!(error, Error::PolicyRefusal { .. }));
        let message = error.to_string();
        assert!(message.contains("refusing to start"), "{message}");
        assert!(
            message.contains("WARNING add_index t0000.title"),
            "names the change: {message}"
        );
        assert!(
            message.contains("--allow-warning"),
            "says what to do: {message}"
        );
        assert_eq!(
            m_runtime::introspect(&t.db).await.expect("introspect"),
            before,
            "nothing applied, not even the SAFE change"
        );

        // With the WARNING allowed by policy, it starts.
        let report = Boot::new(&t.url)
            .environment(Environment::Production)
            .policy(Policy::allow_warning())
            .registry(next.clone())
            .run()
            .await
            .expect("allowed");
        assert_eq!(report.blocked, 0);
        assert!(t.verify(&next.schema()).await.is_empty());
    }
);

static BACKFILL: m_runtime::registry::MigrationDef = m_runtime::registry::MigrationDef {
    app: "synthetic",
    id: "0001_backfill_body",
    depends_on: &[],
    phase: m_runtime::registry::MigrationPhase::PreSync,
    checksum: "sha256:backfill",
    up: m_runtime::registry::MigrationBody::Sql("UPDATE t0000 SET body = '' WHERE body IS NULL"),
    down: None,
    source: "tests/boot.rs",
    on_fresh: m_runtime::registry::OnFresh::Skip,
};

all_backends!(
    production_plans_after_the_pre_sync_migrations,
    |t| async move {
        let registry = synthetic::registry(1);
        Boot::new(&t.url)
            .registry(registry.clone())
            .run()
            .await
            .expect("boot");
        t.exec("INSERT INTO t0000 (id, title, counter, body) VALUES (1, 'a', 0, NULL), (2, 'b', 0, 'x')").await;
        // Version 2 makes `body` NOT NULL and ships the backfill that allows it.
        let mut next = synthetic::with_column(&registry, "t0000", "body", |c| c.nullable = false);
        // Measured before the backfill, the NULL makes it BREAKING...
        let plan = t.verify(&next.schema()).await;
        assert_eq!(
            plan.changes[0].risk,
            m_runtime::risk::Risk::Breaking,
            "{:#?}",
            plan.changes
        );
        // ...but production boot plans after the pre-sync migration: a WARNING the policy allows.
        next.migrations = vec![&BACKFILL];
        let report = Boot::new(&t.url)
            .environment(Environment::Production)
            .policy(Policy::allow_warning())
            .registry(next.clone())
            .run()
            .await
            .expect("starts");
        assert_eq!(report.migrations, 1);
        assert!(t.verify(&next.schema()).await.is_empty());
        assert_eq!(
            t.rows("SELECT body FROM t0000 ORDER BY id").await,
            [[Some(String::new())], [Some("x".to_string())]]
        );
    }
);

/// Clears the boot stamp of a SQLite database (the other backends have
/// none), as a write of m's own rows would.
async fn clear_stamp(t: &m_tests::TestDb) {
    if t.backend == m_tests::Backend::Sqlite {
        t.exec("PRAGMA user_version = 0").await;
    }
}

// The fast path reads one row, the digest of every table's hash; a
// database recorded without one is compared row by row, and a digest that
// does not match the code sends the boot down the slow path.
all_backends!(the_fast_path_reads_one_digest_row, |t| async move {
    let registry = synthetic::registry(20);
    let boot = || Boot::new(&t.url).registry(registry.clone()).run();
    assert!(!boot().await.expect("first boot").fast_path);
    let digest = t
        .rows("SELECT hash FROM _m_doctypes WHERE table_name = ''")
        .await;
    let hashes: Vec<(String, String)> = registry
        .hashes()
        .iter()
        .map(|(t, h)| (t.to_string(), h.to_string()))
        .collect();
    let expected =
        m_runtime::schema::schema_digest(hashes.iter().map(|(t, h)| (t.as_str(), h.as_str())));
    assert_eq!(digest, [[Some(expected.clone())]]);
    let recorded = m_runtime::state::recorded(&t.db)
        .await
        .expect("recorded")
        .expect("a state table");
    assert_eq!(recorded.len(), 20, "the digest row is not a table's");
    let fast = boot().await.expect("unchanged boot");
    assert!(fast.fast_path);

    // Written by an m that recorded no digest: compared row by row, one
    // query more, still the fast path. (A hand edit of m's rows does not
    // change SQLite's schema version, so the boot stamp in its header would
    // still answer: cleared here, this test is about the tables; see
    // boot_stamp.rs.)
    clear_stamp(&t).await;
    let fast = boot().await.expect("unchanged boot on the tables");
    assert!(fast.fast_path);
    t.exec("DELETE FROM _m_doctypes WHERE table_name = ''")
        .await;
    clear_stamp(&t).await;
    let old = boot().await.expect("boot without a digest");
    assert!(old.fast_path);
    assert_eq!(old.queries, fast.queries + 1);

    // A digest that is not the code's: the slow path, which records the
    // right one again.
    t.exec("INSERT INTO _m_doctypes (table_name, app, hash) VALUES ('', '', 'stale')")
        .await;
    clear_stamp(&t).await;
    assert!(!boot().await.expect("boot on a stale digest").fast_path);
    let digest = t
        .rows("SELECT hash FROM _m_doctypes WHERE table_name = ''")
        .await;
    assert_eq!(digest, [[Some(expected)]]);
    assert!(boot().await.expect("boot").fast_path);
});
