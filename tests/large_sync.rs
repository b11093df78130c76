//! Large syncs: batched round trips, a failing batch that still names its
//! statement, MySQL's journal with a commit per 64 statements, and a first
//! sync of 5,000 DocTypes on a default PostgreSQL server, whose lock table
//! cannot hold one transaction of it.

use std::time::Duration;

use m_runtime::pipeline::{PipelineOptions, sync};
use m_runtime::schema::{Column, DefaultValue, LogicalType as T, Table};
use m_runtime::{Error, Policy};
use m_tests::{Backend, TestDb, all_backends, synthetic};

// A fresh sync of 200 DocTypes (600 statements on SQLite and PostgreSQL,
// 200 on MySQL, whose tables carry their indexes) costs a round trip per
// batch of 64 statements where DDL is transactional, and on MySQL one per
// statement plus a journal row per 64.
all_backends!(a_fresh_sync_batches_its_statements, |t| async move {
    let registry = synthetic::registry(200);
    let before = t.db.query_count();
    let (_, report) = sync(&t.db, &registry, &PipelineOptions::new(Policy::default()))
        .await
        .expect("sync");
    let queries = t.db.query_count() - before;
    assert_eq!(report.applied.len(), 200);
    assert_eq!(
        report.transactions,
        usize::from(t.backend != Backend::Mysql)
    );
    let round_trips = match t.backend {
        Backend::Mysql => report.statements + report.statements.div_ceil(64),
        _ => report.statements.div_ceil(64),
    };
    // Introspection, the lock budget, the transaction, the journal, the
    // recorded hashes (and on SQLite the boot stamp they clear): a constant.
    assert!(
        queries <= round_trips as u64 + 17,
        "{queries} queries for {} statements (expected about {round_trips} round trips and a constant)",
        report.statements
    );
    assert!(
        t.verify(&registry.schema()).await.is_empty(),
        "the batched sync created every table"
    );
    if t.backend == Backend::Mysql {
        // A journal row (a commit) per 64 statements and one at the end.
        let rows = t
            .rows("SELECT statement_index, statement_count FROM _m_sync_journal ORDER BY statement_index")
            .await;
        let want: Vec<Vec<Option<String>>> = [0, 64, 128, 192, 200]
            .iter()
            .map(|i| vec![Some(i.to_string()), Some("200".to_string())])
            .collect();
        assert_eq!(rows, want);
    }
});

// 80 new tables; the one of them that already exists fails the sync. The
// error is the failing statement's alone (not its batch's), and where DDL
// is transactional nothing of the sync stays.
all_backends!(a_failing_batch_names_its_statement, |t| async move {
    let desired = synthetic::registry(80).schema();
    let plan = m_runtime::plan(&t.db, &desired, &Policy::default())
        .await
        .expect("plan");
    let statements: Vec<String> = plan.statements().iter().map(|s| s.to_string()).collect();
    let failing = statements
        .iter()
        .position(|s| s.starts_with("CREATE TABLE") && s.contains("t0070"))
        .expect("t0070 is created");
    // Created behind the plan's back: its CREATE TABLE fails.
    t.exec("CREATE TABLE t0070 (x INTEGER)").await;

    let error = m_runtime::apply(&t.db, &plan)
        .await
        .expect_err("t0070 exists");
    let Error::SyncFailed {
        committed,
        total,
        source,
        ..
    } = &error
    else {
        panic!("a failed sync is Error::SyncFailed: {error:?}");
    };
    assert_eq!(*total, statements.len());
    let Error::Statement { sql, .. } = &**source else {
        panic!("the cause is the statement's error: {source:?}");
    };
    assert_eq!(sql, &statements[failing], "the failing statement, alone");
    let message = m_runtime::Report(&error).to_string();
    assert!(
        message.contains(&format!(
            "the sync stopped at statement {} of",
            committed + 1
        )),
        "{message}"
    );
    let live = m_runtime::introspect(&t.db).await.expect("introspect");
    if t.backend == Backend::Mysql {
        assert_eq!(
            *committed, failing,
            "MySQL committed every statement before it"
        );
        assert_eq!(live.tables.len(), 71, "t0000..t0069 and the intruder");
        let last = t
            .rows("SELECT MAX(statement_index) FROM _m_sync_journal")
            .await;
        assert_eq!(
            last,
            [[Some(failing.to_string())]],
            "the journal ends at the failure"
        );
    } else {
        assert_eq!(*committed, 0);
        let names: Vec<&String> = live.tables.keys().collect();
        assert_eq!(names, ["t0070"], "nothing of the sync stays");
    }
});

/// PostgreSQL: a batch that fails keeps the server's HINT with the failing
/// statement.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_batch_keeps_postgres_hint() {
    if !Backend::Postgres.enabled() {
        eprintln!("skipped: postgres excluded by M_TEST_BACKENDS");
        return;
    }
    let t = TestDb::fresh(Backend::Postgres, "batch_hint").await;
    let mut desired = synthetic::registry(10).schema();
    desired.insert(
        Table::new("zz_broken")
            .column(Column::new("id", T::I64))
            .column(Column::new("n", T::I64).default(DefaultValue::Sql("no_such_fn()".into())))
            .primary_key(["id"]),
    );
    let plan = m_runtime::plan(&t.db, &desired, &Policy::default())
        .await
        .expect("plan");
    assert!(
        plan.statements().len() > 2,
        "the plan is one batch of several"
    );
    let error = m_runtime::apply(&t.db, &plan)
        .await
        .expect_err("no such function");
    let Error::SyncFailed { source, .. } = &error else {
        panic!("{error:?}");
    };
    let Error::Statement { sql, notes, .. } = &**source else {
        panic!("{source:?}");
    };
    assert!(sql.starts_with("CREATE TABLE \"zz_broken\""), "{sql}");
    assert!(
        notes.iter().any(|(label, _)| *label == "hint"),
        "PostgreSQL's HINT is kept: {notes:?}"
    );
    assert!(
        m_runtime::Report(&error).to_string().contains("hint: "),
        "{}",
        m_runtime::Report(&error)
    );
}

/// A first sync of 5,000 DocTypes on a PostgreSQL server with the default
/// `max_locks_per_transaction` (64): one transaction of it runs out of
/// shared memory, so the new tables are committed in several transactions,
/// within the server's lock table, and the result verifies clean.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_doctypes_sync_on_a_default_postgres() {
    if !Backend::Postgres.enabled() {
        eprintln!("skipped: postgres excluded by M_TEST_BACKENDS");
        return;
    }
    let t = TestDb::fresh(Backend::Postgres, "five_thousand").await;
    let setting = t.rows("SHOW max_locks_per_transaction").await;
    assert_eq!(
        setting,
        [[Some("64".to_string())]],
        "this test needs a default-configured server (max_locks_per_transaction = 64)"
    );
    let registry = synthetic::registry(5_000);
    let work = async {
        let (plan, report) = sync(&t.db, &registry, &PipelineOptions::new(Policy::default()))
            .await
            .unwrap_or_else(|e| panic!("{}", m_runtime::Report(&e)));
        assert_eq!(plan.applied().count(), 5_000);
        assert_eq!(report.applied.len(), 5_000);
        assert!(
            report.transactions > 1,
            "one transaction does not fit the server's lock table: {} transaction(s)",
            report.transactions
        );
        let tables = t
            .rows("SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 't%'")
            .await;
        assert_eq!(tables, [[Some("5000".to_string())]]);
        assert!(
            t.verify(&registry.schema()).await.is_empty(),
            "5,000 DocTypes verify clean"
        );
        report.transactions
    };
    let transactions = tokio::time::timeout(Duration::from_secs(600), work)
        .await
        .expect("the sync of 5,000 DocTypes finishes within 10 minutes");
    eprintln!("5,000 DocTypes synced in {transactions} transactions");
}

/// PostgreSQL: a first sync of 400 DocTypes needs two transactions on a
/// default server (a table like these counts 10 locked objects against
/// half the 6,400 the lock table holds). When the second fails, the first
/// stays committed, whole tables only, and the error says so; the next run
/// plans from what exists and finishes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_split_sync_that_fails_keeps_whole_tables_and_finishes_on_rerun() {
    if !Backend::Postgres.enabled() {
        eprintln!("skipped: postgres excluded by M_TEST_BACKENDS");
        return;
    }
    let t = TestDb::fresh(Backend::Postgres, "split_failure").await;
    let setting = t.rows("SHOW max_locks_per_transaction").await;
    assert_eq!(
        setting,
        [[Some("64".to_string())]],
        "this test needs a default-configured server (max_locks_per_transaction = 64)"
    );
    let registry = synthetic::registry(400);
    let plan = m_runtime::plan(&t.db, &registry.schema(), &Policy::default())
        .await
        .expect("plan");
    // Created behind the plan's back, in the way of the last table.
    t.exec("CREATE TABLE t0399 (x INTEGER)").await;
    let Err(error) = m_runtime::apply(&t.db, &plan).await else {
        panic!("t0399 is in the way: the sync must fail");
    };
    let Error::SyncFailed {
        committed, total, ..
    } = &error
    else {
        panic!("{error:?}");
    };
    let message = m_runtime::Report(&error).to_string();
    assert!(
        *committed > 0 && committed < total && committed % 3 == 0,
        "whole tables of the first transaction(s) stay: {committed} of {total}"
    );
    assert!(
        message.contains(&format!(
            "{committed} of {total} statement(s) were applied before it and stay committed"
        )),
        "{message}"
    );
    let tables: Vec<String> = t
        .rows(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
        )
        .await
        .into_iter()
        .map(|row| row[0].clone().unwrap_or_default())
        .collect();
    let mut want: Vec<String> = (0..committed / 3).map(|i| format!("t{i:04}")).collect();
    want.push("t0399".into());
    assert_eq!(tables, want, "the committed tables, each with its indexes");

    t.exec("DROP TABLE t0399").await;
    let options = PipelineOptions::new(Policy::default());
    let (plan, report) = sync(&t.db, &registry, &options)
        .await
        .expect("the re-run finishes");
    assert_eq!(plan.applied().count(), 400 - committed / 3);
    assert_eq!(report.transactions, 1);
    assert!(t.verify(&registry.schema()).await.is_empty());
}
