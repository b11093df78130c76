//! The bookshop on a local 3-node MariaDB Galera cluster
//! (`scripts/galera.sh`, started and stopped by this test): `GET_LOCK` is
//! local to a node there, so m locks with a lease row (`_m_lock`).
//!
//! - 16 replicas booting at once, spread over the three nodes, three
//!   rounds on fresh databases: every replica starts, exactly one
//!   migrates, each migration and each hook runs once.
//! - The lease holder is killed (SIGKILL) while it holds the lease: the
//!   next replicas take over once the lease expired, and the database
//!   converges.
//! - m's bookkeeping writes survive certification failures (another node
//!   writing the same rows).

use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use m_runtime::backend::{Lease, Locker};
use m_runtime::db::TxKind;
use m_runtime::schema::{Column, LogicalType, Schema, Table};
use m_runtime::{Db, Report};
use m_tests::cluster::Galera;

const REPLICAS: usize = 16;
const ROUNDS: usize = 3;

/// The events each migration and each `after_sync` hook appends on a fresh
/// database (where the data fix `catalog:0002_normalize_prices` is
/// baselined, not run).
const EVENTS: [&str; 4] = [
    "after_sync:catalog",
    "after_sync:orders",
    "migration:catalog:0001_seed_genres",
    "migration:orders:0001_walk_in_customer",
];

fn replica(url: &str, lease_secs: Option<&str>) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bookshop"));
    command
        .env("DATABASE_URL", url)
        .env("M_LOCK_TIMEOUT_SECS", "120")
        .env_remove("M_ENV")
        .env_remove("M_LOCK")
        .env_remove("M_LOCK_LEASE_SECS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(secs) = lease_secs {
        command.env("M_LOCK_LEASE_SECS", secs);
    }
    command.spawn().expect("spawn a replica")
}

fn output_text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Waits for every child; each one's exit code, output and when it ended.
async fn finish(children: Vec<Child>) -> Vec<(Option<i32>, String, Instant)> {
    tokio::task::spawn_blocking(move || {
        let waiting: Vec<_> = children
            .into_iter()
            .map(|child| {
                std::thread::spawn(move || {
                    let out = child.wait_with_output().expect("replica output");
                    (out.status.code(), output_text(&out), Instant::now())
                })
            })
            .collect();
        waiting
            .into_iter()
            .map(|t| t.join().expect("waiter"))
            .collect()
    })
    .await
    .expect("wait for the replicas")
}

/// How many times each of [`EVENTS`] was logged, read on node `node`.
async fn events(cluster: &Galera, node: usize, database: &str) -> Vec<(String, i64)> {
    let db = Db::connect(&cluster.url(node, database))
        .await
        .expect("connect");
    let mut counts = Vec::new();
    for event in EVENTS {
        let n = db
            .fetch_i64(&format!(
                "SELECT COUNT(*) FROM event_log WHERE event = '{event}'"
            ))
            .await
            .expect("count events")
            .unwrap_or(0);
        counts.push((event.to_owned(), n));
    }
    db.close().await.expect("close");
    counts
}

/// `migrate verify` against every node: the database matches the code.
fn verify_on_every_node(cluster: &Galera, database: &str) {
    for node in 0..Galera::NODES {
        let out = Command::new(env!("CARGO_BIN_EXE_bookshop"))
            .args(["migrate", "verify"])
            .env("DATABASE_URL", cluster.url(node, database))
            .output()
            .expect("verify");
        assert_eq!(
            out.status.code(),
            Some(0),
            "verify on node {}: {}",
            node + 1,
            output_text(&out)
        );
    }
}

/// Rows left in `_m_lock` (a released lease leaves none).
async fn leases(cluster: &Galera, database: &str) -> i64 {
    let db = Db::connect(&cluster.url(1, database))
        .await
        .expect("connect");
    let n = db
        .fetch_i64("SELECT COUNT(*) FROM _m_lock")
        .await
        .expect("count leases")
        .unwrap_or(-1);
    db.close().await.expect("close");
    n
}

async fn sixteen_replicas_over_three_nodes(cluster: &Galera) {
    for round in 0..ROUNDS {
        let database = cluster.create_database(&format!("fleet_{round}")).await;
        let started = Instant::now();
        let children = (0..REPLICAS)
            .map(|i| replica(&cluster.url(i % Galera::NODES, &database), None))
            .collect();
        let results = finish(children).await;
        for (code, text, _) in &results {
            assert_eq!(
                *code,
                Some(0),
                "round {round}: every replica starts: {text}"
            );
        }
        let slow = results
            .iter()
            .filter(|(_, text, _)| text.contains("fast path: false"))
            .count();
        assert_eq!(
            slow, 1,
            "round {round}: exactly one replica migrated, the others found nothing to do"
        );
        // Read on another node than most replicas wrote through.
        let counts = events(cluster, 2, &database).await;
        assert!(
            counts.iter().all(|(_, n)| *n == 1),
            "round {round}: each migration and each hook ran once: {counts:?}"
        );
        assert_eq!(
            leases(cluster, &database).await,
            0,
            "the lease was released"
        );
        verify_on_every_node(cluster, &database);
        eprintln!("round {round}: 16 replicas in {:?}", started.elapsed());
    }
}

async fn a_killed_holder_is_taken_over(cluster: &Galera) {
    const LEASE_SECS: &str = "2";
    let lease = Duration::from_secs(2);
    let database = cluster.create_database("takeover").await;
    let mut holder = replica(&cluster.url(0, &database), Some(LEASE_SECS));
    // Watch the lease from another node; kill its holder the moment it
    // holds it.
    let watcher = Db::connect(&cluster.url(1, &database))
        .await
        .expect("connect");
    let started = Instant::now();
    let held_by = loop {
        match Lease::default().holder(&watcher).await {
            Ok(Some(held_by)) => break held_by,
            Ok(None) => {}
            // `_m_lock` does not exist until the holder creates it.
            Err(error) => assert!(
                Report(&error).to_string().contains("doesn't exist"),
                "{}",
                Report(&error)
            ),
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the replica never took the lease"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    assert!(
        held_by.contains(&format!("pid {} #", holder.id())),
        "the replica holds the lease: {held_by}"
    );
    // Kill it in the middle of its sync: once a few of the bookshop's
    // tables exist (and before they all do).
    let count_tables = "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT LIKE '\\_m\\_%'";
    loop {
        let tables = watcher
            .fetch_i64(count_tables)
            .await
            .expect("count tables")
            .unwrap_or(0);
        if tables >= 3 {
            break;
        }
        assert_eq!(
            holder.try_wait().expect("the holder's status"),
            None,
            "the holder finished before the test could kill it mid-sync"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    holder.kill().expect("SIGKILL the holder");
    let killed = Instant::now();
    let status = holder.wait().expect("reap the holder");
    assert_eq!(status.code(), None, "killed by a signal");
    let tables = watcher.fetch_i64(count_tables).await.expect("count tables");
    eprintln!("killed the lease holder mid-sync: {tables:?} of the bookshop's 9 tables existed");
    assert!(tables < Some(9), "it was killed before its sync ended");
    let still = Lease::default()
        .holder(&watcher)
        .await
        .expect("read the lease");
    let dead = format!("pid {} #", holder.id());
    assert!(
        still.as_ref().is_some_and(|h| h.contains(&dead)),
        "the dead holder's lease stays until it expires: {still:?}"
    );

    let children = (0..REPLICAS - 1)
        .map(|i| replica(&cluster.url(i % Galera::NODES, &database), Some(LEASE_SECS)))
        .collect();
    let results = finish(children).await;
    for (code, text, _) in &results {
        assert_eq!(*code, Some(0), "every replica starts: {text}");
    }
    let first = results
        .iter()
        .map(|(_, _, ended)| ended.duration_since(killed))
        .min()
        .expect("replicas");
    assert!(
        first >= lease,
        "no replica got in before the dead holder's lease expired ({first:?} after the kill)"
    );
    let slow = results
        .iter()
        .filter(|(_, text, _)| text.contains("fast path: false"))
        .count();
    assert!(slow <= 1, "at most the one that took over migrated: {slow}");
    let counts = events(cluster, 2, &database).await;
    for (event, n) in &counts {
        if event.starts_with("migration:") {
            assert_eq!(*n, 1, "{event} ran once: {counts:?}");
        } else {
            assert!(*n >= 1, "{event} ran: {counts:?}");
        }
    }
    assert_eq!(leases(cluster, &database).await, 0, "the taker released it");
    verify_on_every_node(cluster, &database);
    watcher.close().await.expect("close");
    eprintln!("takeover: the first replica started {first:?} after the kill (lease {lease:?})");
}

/// A DDL statement of the holder's node outlasts the lease: the cluster
/// holds every commit until it ends, the holder's heartbeats and a
/// waiter's takeover alike; the heartbeats were ordered first, so the
/// waiter does not take over a live holder.
async fn a_long_ddl_statement_keeps_the_lease(cluster: &Galera) {
    let database = cluster.create_database("long_ddl").await;
    let holder_db = Db::connect(&cluster.url(0, &database))
        .await
        .expect("connect");
    holder_db
        .execute("CREATE TABLE big (id INT PRIMARY KEY, v VARCHAR(100))")
        .await
        .expect("create");
    holder_db
        .execute("INSERT INTO big (id, v) SELECT seq, REPEAT('a', 100) FROM seq_1_to_400000")
        .await
        .expect("fill");
    const LEASE: Duration = Duration::from_secs(1);
    let lease = Lease::new(LEASE);
    let guard = lease
        .acquire_for(&holder_db, Duration::from_secs(5))
        .await
        .expect("take the lease");
    let ddl = {
        let url = cluster.url(0, &database);
        tokio::spawn(async move {
            let db = Db::connect(&url).await.expect("connect");
            let started = Instant::now();
            db.execute("CREATE INDEX ix_big_v ON big (v)")
                .await
                .expect("create index");
            let took = started.elapsed();
            db.close().await.expect("close");
            took
        })
    };
    let waiter = Db::connect(&cluster.url(1, &database))
        .await
        .expect("connect");
    // The waiter tries until the DDL statement has ended and two more lease
    // periods have gone by: a lease the DDL let expire would be taken over
    // then. Its own timeout only bounds a DDL statement that never ends.
    let ddl_and_two_leases = async {
        let took = ddl.await.expect("the DDL");
        tokio::time::sleep(2 * LEASE).await;
        took
    };
    tokio::select! {
        outcome = lease.acquire_for(&waiter, Duration::from_secs(60)) => match outcome {
            Err(error) => panic!("the waiter gave up before the DDL statement ended: {}", Report(&error)),
            Ok(stolen) => {
                let _ = stolen.release().await;
                panic!("a waiter took over the lease of a live holder while its node ran a DDL statement")
            }
        },
        took = ddl_and_two_leases => {
            eprintln!("long DDL: CREATE INDEX took {took:?} with a lease of {LEASE:?}; no takeover");
        }
    }
    guard
        .release()
        .await
        .expect("the holder kept its lease to the end");
    waiter.close().await.expect("close");
    holder_db.close().await.expect("close");
}

/// A schema of `n` tables, for `_m_doctypes`.
fn schema(n: usize) -> Schema {
    let mut schema = Schema::default();
    for i in 0..n {
        schema.insert(
            Table::new(format!("t{i}"))
                .column(Column::new("id", LogicalType::I64))
                .primary_key(["id"]),
        );
    }
    schema
}

async fn bookkeeping_writes_survive_conflicts(cluster: &Galera) {
    const RECORDS: usize = 30;
    let database = cluster.create_database("conflicts").await;
    let schema = schema(5);
    let hashes = m_runtime::state::hashes(&schema);
    let db = Db::connect(&cluster.url(0, &database))
        .await
        .expect("connect");
    m_runtime::state::record(&db, &schema)
        .await
        .expect("the first record");
    let other = Db::connect(&cluster.url(1, &database))
        .await
        .expect("connect");
    // A write that changes the row every time (an unchanged row is no
    // write at all to Galera), and leaves its hash alone.
    let touch = |table: &str| {
        format!("UPDATE _m_doctypes SET app = IF(app = 'w', 'v', 'w') WHERE table_name = '{table}'")
    };

    // A conflict, made on purpose: node 1 holds a row in an open
    // transaction while node 2 writes it. Node 2 commits first; applying
    // its write on node 1 aborts node 1's transaction, which reports
    // SQLSTATE 40001 (MySQL error 1213): what m's bookkeeping retries.
    let table = hashes.keys().next().expect("a table");
    // Node 2 applies node 1's writes a moment after node 1 committed them.
    let started = Instant::now();
    while other
        .fetch_i64("SELECT COUNT(*) FROM _m_doctypes WHERE table_name <> ''")
        .await
        .expect("count on node 2")
        != Some(hashes.len() as i64)
    {
        assert!(started.elapsed() < Duration::from_secs(10), "node 2 lags");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let tx = db.begin(TxKind::Data).await.expect("begin");
    db.execute(&format!(
        "DELETE FROM _m_doctypes WHERE table_name = '{table}'"
    ))
    .await
    .expect("hold the row");
    assert_eq!(
        other
            .execute(&touch(table))
            .await
            .expect("the other node's write"),
        1
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let error = tx.commit().await.expect_err("certification failure");
    assert_eq!(
        m_tests::cluster::sqlstate(&error).as_deref(),
        Some("40001"),
        "{}",
        Report(&error)
    );

    // Node 2 writes one of the rows every 20 ms or so while node 1 records
    // the hashes again and again: every record lands. (A transaction of
    // node 1 that overlaps a write of node 2 fails and is run again.)
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        let url = cluster.url(1, &database);
        let statements: Vec<String> = hashes.keys().map(|t| touch(t)).collect();
        tokio::spawn(async move {
            let Ok(writer) = Db::connect(&url).await else {
                return 0;
            };
            let mut writes = 0;
            for sql in statements.iter().cycle() {
                if stop.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                // A write that node 1's record won is lost; so be it.
                if writer.execute(sql).await.is_ok() {
                    writes += 1;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let _ = writer.close().await;
            writes
        })
    };
    for i in 0..RECORDS {
        if let Err(error) = m_runtime::state::record(&db, &schema).await {
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
            panic!("record {i} failed: {}", Report(&error));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let writes = writer.await.expect("the writer");
    assert!(writes > 0, "node 2 wrote");
    assert!(
        m_runtime::state::matches(&db, &schema)
            .await
            .expect("read the hashes"),
        "the recorded hashes are the schema's"
    );
    other.close().await.expect("close");
    db.close().await.expect("close");
    eprintln!(
        "conflicts: {RECORDS} records landed while node 2 wrote the same rows {writes} times"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn galera_cluster() {
    let cluster = match Galera::start(env!("CARGO_TARGET_TMPDIR")) {
        Ok(cluster) => cluster,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    sixteen_replicas_over_three_nodes(&cluster).await;
    a_long_ddl_statement_keeps_the_lease(&cluster).await;
    bookkeeping_writes_survive_conflicts(&cluster).await;
    a_killed_holder_is_taken_over(&cluster).await;
}
