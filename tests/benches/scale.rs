//! m at scale, per backend, at 10 / 100 / 1,000 / 5,000 DocTypes:
//!
//! - **floor**: the DDL of the fresh sync sent directly through sqlx as one
//!   script in one transaction (MariaDB: one script; its DDL commits on its
//!   own). Where the server's lock table cannot hold one transaction of it
//!   (PostgreSQL at 5,000 tables on a default server), the script is cut
//!   into as many transactions as m's sync used.
//! - **fresh sync**: [`m_runtime::pipeline::sync`] on an empty database
//!   (introspection, plan, DDL, the recorded schema hashes).
//! - **verify**: introspection and diff of the synced database (what
//!   `migrate verify` does).
//! - **unchanged boot**: [`Boot`] of the synced database (connect, lock,
//!   the fast path, close), compared with its own floor: connecting and
//!   running one query (what any client pays to open the database; on
//!   SQLite that first statement parses the whole schema, which grows
//!   faster than the number of tables).
//!
//! Each time is the best of several runs (each run syncs one fresh
//! database and sends the floor to another; the sync goes first in half of
//! the runs and the floor in the other half, since what a DDL-heavy run
//! leaves the server to do is paid by whichever runs next), so that other
//! load on the machine inflates the figures as little as possible. Each row gives the
//! statements m sent (round trips; for the sync, also the DDL statements)
//! and the time as a multiple of the floor measured in the same run. On
//! MariaDB the 1,000-DocType verify is measured again with 2,000 unrelated
//! tables in another database on the server (created and dropped here),
//! and compared with SQLite's. The summary compares what issue #14 asks
//! for.
//!
//! ```sh
//! cargo bench -p m-tests --bench scale
//! M_TEST_BACKENDS=postgres M_BENCH_SIZES=10,1000 cargo bench -p m-tests --bench scale
//! ```
//!
//! The DocTypes are [`synthetic::registry`]'s: five columns, a
//! single-column and a two-column index, and a foreign key each. Server
//! URLs as in the tests (`M_TEST_POSTGRES_URL`, `M_TEST_MYSQL_URL`).

use std::time::{Duration, Instant};

use m_runtime::boot::Boot;
use m_runtime::pipeline::{PipelineOptions, sync};
use m_runtime::plan::Plan;
use m_runtime::{Policy, Registry};
use m_tests::{Backend, TestDb, synthetic};
use sqlx::{AssertSqlSafe, Connection};

const SIZES: [usize; 4] = [10, 100, 1_000, 5_000];
/// Tables in the unrelated database of the MariaDB check.
const NOISE_TABLES: usize = 2_000;

struct Row {
    backend: &'static str,
    doctypes: usize,
    operation: &'static str,
    time: Duration,
    statements: String,
    floor: Duration,
}

/// What the summary compares.
#[derive(Default)]
struct Key {
    /// (backend, DocTypes, unchanged boot, its floor).
    boot: Vec<(&'static str, usize, Duration, Duration)>,
    /// (backend, DocTypes, fresh sync / floor).
    sync_ratio: Vec<(&'static str, usize, f64)>,
    /// (what, verify of 1,000 tables).
    verify_1000: Vec<(&'static str, Duration)>,
}

fn main() {
    let sizes: Vec<usize> = match std::env::var("M_BENCH_SIZES") {
        Ok(list) if !list.trim().is_empty() => list
            .split(',')
            .map(|s| {
                s.trim()
                    .replace('_', "")
                    .parse()
                    .expect("M_BENCH_SIZES: numbers")
            })
            .collect(),
        _ => SIZES.to_vec(),
    };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let started = Instant::now();
    let mut rows = Vec::new();
    let mut key = Key::default();
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::Mysql] {
        if !backend.enabled() {
            continue;
        }
        for &n in &sizes {
            eprintln!("{} at {n} DocTypes ...", backend.name());
            rt.block_on(measure(backend, n, &mut rows, &mut key));
        }
    }
    print_table(&rows);
    println!();
    summary(&key);
    println!(
        "\nwhole run: {:.0} s; {}",
        started.elapsed().as_secs_f64(),
        machine()
    );
}

/// Runs at `n` DocTypes: `reps` fresh syncs and as many floors, taking
/// turns going first (best of each kept), then verify and boot on the last
/// synced database.
async fn measure(backend: Backend, n: usize, rows: &mut Vec<Row>, key: &mut Key) {
    let registry = synthetic::registry(n);
    // An even number of runs: the sync goes first in half of them and the
    // floor in the other half (see below).
    let reps = if n <= 100 {
        6
    } else if n <= 1_000 {
        4
    } else {
        2
    };
    let (mut sync_best, mut floor_best) = (Duration::MAX, Duration::MAX);
    let mut synced = None;
    let mut sync_statements = String::new();
    let mut ddl = 0;
    let mut plan_and_transactions = None;
    for rep in 0..reps {
        // Both databases of a run live until its end, and the sync and its
        // floor take turns going first: a DDL-heavy run leaves the server
        // work to do (MariaDB's dirty pages, a dropped database's files), and
        // whichever runs next pays for it. Each side is measured in both
        // places; the first run syncs first, for the floor's plan.
        let sync_db = TestDb::fresh(backend, "bench_scale").await;
        let floor_db = TestDb::fresh(backend, "bench_floor").await;
        let mut floor_took = None;
        if rep % 2 == 1
            && let Some((plan, transactions)) = &plan_and_transactions
        {
            floor_took = Some(floor(backend, &floor_db, plan, *transactions).await);
        }
        // m's fresh sync.
        let t = sync_db;
        let before = t.db.query_count();
        let clock = Instant::now();
        let options = PipelineOptions::new(Policy::default());
        let (plan, report) = sync(&t.db, &registry, &options).await.unwrap_or_else(|e| {
            panic!("{} sync of {n}: {}", backend.name(), m_runtime::Report(&e))
        });
        let took = clock.elapsed();
        sync_best = sync_best.min(took);
        let queries = t.db.query_count() - before;
        assert_eq!(report.applied.len(), n);
        ddl = report.statements;
        sync_statements = match report.transactions {
            0 | 1 => format!("{queries} ({ddl} DDL)"),
            k => format!("{queries} ({ddl} DDL, {k} transactions)"),
        };
        let transactions = report.transactions.max(1);
        // The floor: the same DDL, straight through sqlx.
        let floor_took = match floor_took {
            Some(took) => took,
            None => floor(backend, &floor_db, &plan, transactions).await,
        };
        plan_and_transactions = Some((plan, transactions));
        floor_best = floor_best.min(floor_took);
        eprintln!(
            "  fresh sync {}, floor {} ({:.2}x; {} first)",
            ms(took),
            ms(floor_took),
            took.as_secs_f64() / floor_took.as_secs_f64(),
            if rep % 2 == 1 { "floor" } else { "sync" }
        );
        drop(floor_db);
        synced = Some(t);
    }
    let synced = synced.expect("at least one run");
    let floor = floor_best;
    let mut push = |operation, time, statements| {
        rows.push(Row {
            backend: backend.name(),
            doctypes: n,
            operation,
            time,
            statements,
            floor,
        })
    };
    push(
        "floor: the DDL as one script",
        floor,
        format!("1 ({ddl} DDL)"),
    );
    push("fresh sync", sync_best, sync_statements);
    key.sync_ratio.push((
        backend.name(),
        n,
        sync_best.as_secs_f64() / floor.as_secs_f64(),
    ));

    // Verify: introspect and diff.
    let runs = if n >= 1_000 { 5 } else { 9 };
    let (verify, queries) = verify_best(&synced, &registry, runs).await;
    push("verify", verify, queries.to_string());
    if n == 1_000 {
        key.verify_1000.push((backend.name(), verify));
        if backend == Backend::Mysql {
            let noise = noise(NOISE_TABLES).await;
            let (verify, _) = verify_best(&synced, &registry, runs).await;
            key.verify_1000
                .push(("mysql, 2,000 tables in another database", verify));
            drop(noise);
        }
    }

    // The unchanged boot.
    let mut best = Duration::MAX;
    let mut queries = 0;
    for _ in 0..9 {
        let clock = Instant::now();
        let report = Boot::new(&synced.url)
            .registry(registry.clone())
            .run()
            .await
            .expect("boot");
        best = best.min(clock.elapsed());
        assert!(report.fast_path, "an unchanged boot takes the fast path");
        queries = report.queries;
    }
    // Its floor: what any client pays to open the database and read one
    // row of it (on SQLite that is the schema parse: every table, index
    // and key of the file, on the first statement of each connection).
    let mut boot_floor = Duration::MAX;
    for _ in 0..9 {
        let clock = Instant::now();
        let db = m_runtime::Db::connect(&synced.url).await.expect("connect");
        db.fetch_i64("SELECT COUNT(*) FROM _m_doctypes")
            .await
            .expect("first query");
        db.close().await.expect("close");
        boot_floor = boot_floor.min(clock.elapsed());
    }
    rows.push(Row {
        backend: backend.name(),
        doctypes: n,
        operation: "unchanged boot",
        time: best,
        statements: format!("{queries} (x its floor: connect and one query)"),
        floor: boot_floor,
    });
    key.boot.push((backend.name(), n, best, boot_floor));
}

/// The best time of `runs` verifies, and the queries of one.
async fn verify_best(t: &TestDb, registry: &Registry, runs: usize) -> (Duration, u64) {
    let schema = registry.schema();
    let mut times = Vec::new();
    let mut queries = 0;
    for _ in 0..runs {
        let before = t.db.query_count();
        let clock = Instant::now();
        let plan = m_runtime::plan(&t.db, &schema, &Policy::default())
            .await
            .expect("verify");
        times.push(clock.elapsed());
        queries = t.db.query_count() - before;
        assert!(plan.is_empty(), "a synced database verifies clean");
    }
    (times.into_iter().min().unwrap_or_default(), queries)
}

/// Runs `plan`'s DDL through sqlx on `t`, a fresh database: one script per
/// transaction (`transactions` of them, cut between tables), or one script
/// on MariaDB.
async fn floor(backend: Backend, t: &TestDb, plan: &Plan, transactions: usize) -> Duration {
    let changes: Vec<&[String]> = plan.applied().map(|c| c.sql.as_slice()).collect();
    let per = changes.len().div_ceil(transactions);
    let scripts: Vec<String> = changes
        .chunks(per.max(1))
        .map(|chunk| {
            chunk
                .iter()
                .flat_map(|sql| sql.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join(";\n")
        })
        .collect();
    let mut conn = t.db.connection().await.expect("connection");
    let clock = Instant::now();
    for script in scripts {
        let script = AssertSqlSafe(script);
        if backend == Backend::Mysql {
            sqlx::raw_sql(script)
                .execute(&mut *conn)
                .await
                .expect("floor script");
        } else {
            let mut tx = conn.begin().await.expect("begin");
            sqlx::raw_sql(script)
                .execute(&mut *tx)
                .await
                .expect("floor script");
            tx.commit().await.expect("commit");
        }
    }
    clock.elapsed()
}

/// A database of `tables` unrelated tables on the MariaDB server, dropped
/// with the value.
async fn noise(tables: usize) -> TestDb {
    let t = TestDb::fresh(Backend::Mysql, "bench_noise").await;
    let script: Vec<String> = (0..tables)
        .map(|i| {
            format!(
                "CREATE TABLE noise{i} (id BIGINT NOT NULL PRIMARY KEY, a VARCHAR(40), b INT, c LONGTEXT, d DATETIME(6), INDEX ix_a (a))"
            )
        })
        .collect();
    t.exec(&script.join(";\n")).await;
    t
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms >= 10_000.0 {
        format!("{:.1} s", ms / 1e3)
    } else if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

fn print_table(rows: &[Row]) {
    println!("| backend | DocTypes | operation | time | statements | x floor |");
    println!("|---|---:|---|---:|---|---:|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} | {} | {:.3} |",
            r.backend,
            r.doctypes,
            r.operation,
            ms(r.time),
            r.statements,
            r.time.as_secs_f64() / r.floor.as_secs_f64()
        );
    }
}

/// What the issue's targets compare.
fn summary(key: &Key) {
    for backend in ["sqlite", "postgres", "mysql"] {
        let at = |n| {
            key.boot
                .iter()
                .find(|(b, size, _, _)| *b == backend && *size == n)
                .map(|(_, _, time, floor)| (*time, *floor))
        };
        if let (Some((small, small_floor)), Some((large, large_floor))) = (at(1_000), at(5_000)) {
            println!(
                "{backend}: unchanged boot at 5,000 / at 1,000 DocTypes: {:.2}x (its floor, connect and one query: {:.2}x; boot / floor {:.2}x and {:.2}x)",
                large.as_secs_f64() / small.as_secs_f64(),
                large_floor.as_secs_f64() / small_floor.as_secs_f64(),
                small.as_secs_f64() / small_floor.as_secs_f64(),
                large.as_secs_f64() / large_floor.as_secs_f64(),
            );
        }
    }
    for (backend, n, ratio) in &key.sync_ratio {
        if *n == 1_000 {
            println!("{backend}: fresh sync of 1,000 DocTypes / floor: {ratio:.2}x");
        }
    }
    let sqlite = key
        .verify_1000
        .iter()
        .find(|(what, _)| *what == "sqlite")
        .map(|v| v.1);
    for (what, time) in &key.verify_1000 {
        let versus = match sqlite {
            Some(sqlite) if what.starts_with("mysql") => format!(
                " = {:.2}x sqlite's",
                time.as_secs_f64() / sqlite.as_secs_f64()
            ),
            _ => String::new(),
        };
        println!("verify of 1,000 tables, {what}: {}{versus}", ms(*time));
    }
}

/// The machine, for the README's table.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_default();
    format!("{cores} cores, {model}, {}", std::env::consts::ARCH)
}
