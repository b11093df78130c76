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
//!   `migrate verify` does), median of several runs.
//! - **unchanged boot**: [`Boot`] of the synced database (connect, lock,
//!   the fast path), median of several runs.
//!
//! Each row gives the statements m sent (round trips; for the sync, also
//! the DDL statements) and the time as a multiple of the floor measured in
//! the same run. On MariaDB the 1,000-DocType verify is measured again with
//! 2,000 unrelated tables in another database on the server, and compared
//! with SQLite's.
//!
//! ```sh
//! cargo bench -p m-tests --bench scale
//! M_TEST_BACKENDS=postgres M_BENCH_SIZES=10,1000 cargo bench -p m-tests --bench scale
//! ```
//!
//! The DocTypes are [`synthetic::registry`]'s: five columns, a
//! single-column and a two-column index, and a foreign key each.

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
    let mut verify_1000: Vec<(&'static str, Duration)> = Vec::new();
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::Mysql] {
        if !backend.enabled() {
            continue;
        }
        for &n in &sizes {
            eprintln!("{} at {n} DocTypes ...", backend.name());
            rt.block_on(measure(backend, n, &mut rows, &mut verify_1000));
        }
    }
    print_table(&rows);
    for (what, time) in &verify_1000 {
        println!("verify of 1,000 tables, {what}: {}", ms(*time));
    }
    let sqlite = verify_1000
        .iter()
        .find(|(w, _)| *w == "sqlite")
        .map(|v| v.1);
    if let Some(sqlite) = sqlite {
        for (what, time) in verify_1000.iter().filter(|(w, _)| w.starts_with("mysql")) {
            println!(
                "{what} / sqlite: {:.2}x",
                time.as_secs_f64() / sqlite.as_secs_f64()
            );
        }
    }
    println!(
        "\nwhole run: {:.0} s; {}; {}",
        started.elapsed().as_secs_f64(),
        std::env::consts::ARCH,
        cpus()
    );
}

async fn measure(
    backend: Backend,
    n: usize,
    rows: &mut Vec<Row>,
    verify_1000: &mut Vec<(&'static str, Duration)>,
) {
    let registry = synthetic::registry(n);
    let schema = registry.schema();
    let policy = Policy::default();

    // m's fresh sync.
    let synced = TestDb::fresh(backend, "bench_scale").await;
    let before = synced.db.query_count();
    let clock = Instant::now();
    let options = PipelineOptions::new(policy.clone());
    let (plan, report) = sync(&synced.db, &registry, &options)
        .await
        .unwrap_or_else(|e| panic!("{} sync of {n}: {}", backend.name(), m_runtime::Report(&e)));
    let sync_time = clock.elapsed();
    let sync_queries = synced.db.query_count() - before;
    assert_eq!(report.applied.len(), n);
    let transactions = report.transactions.max(1);

    // The floor: the same DDL, straight through sqlx.
    let floor = floor(backend, &plan, transactions).await;

    let sync_statements = if transactions > 1 {
        format!(
            "{sync_queries} ({} DDL, {transactions} transactions)",
            report.statements
        )
    } else {
        format!("{sync_queries} ({} DDL)", report.statements)
    };
    rows.push(Row {
        backend: backend.name(),
        doctypes: n,
        operation: "floor (DDL as one script)",
        time: floor,
        statements: format!("1 ({} DDL)", report.statements),
        floor,
    });
    rows.push(Row {
        backend: backend.name(),
        doctypes: n,
        operation: "fresh sync",
        time: sync_time,
        statements: sync_statements,
        floor,
    });

    // Verify: introspect and diff.
    let runs = if n >= 1_000 { 3 } else { 7 };
    let (verify, queries) = verify_median(&synced, &registry, runs).await;
    rows.push(Row {
        backend: backend.name(),
        doctypes: n,
        operation: "verify",
        time: verify,
        statements: queries.to_string(),
        floor,
    });
    if n == 1_000 {
        verify_1000.push((backend.name(), verify));
        if backend == Backend::Mysql {
            let noise = noise(NOISE_TABLES).await;
            let (verify, _) = verify_median(&synced, &registry, runs).await;
            verify_1000.push(("mysql with 2,000 tables in another database", verify));
            drop(noise);
        }
    }

    // The unchanged boot.
    let mut times = Vec::new();
    let mut queries = 0;
    for _ in 0..7 {
        let clock = Instant::now();
        let report = Boot::new(&synced.url)
            .registry(registry.clone())
            .run()
            .await
            .expect("boot");
        times.push(clock.elapsed());
        assert!(report.fast_path, "an unchanged boot takes the fast path");
        queries = report.queries;
    }
    rows.push(Row {
        backend: backend.name(),
        doctypes: n,
        operation: "unchanged boot",
        time: median(times),
        statements: queries.to_string(),
        floor,
    });
    assert!(schema.tables.len() == n);
}

/// Median time of `runs` verifies, and the queries of one.
async fn verify_median(t: &TestDb, registry: &Registry, runs: usize) -> (Duration, u64) {
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
    (median(times), queries)
}

/// Runs `plan`'s DDL through sqlx on a fresh database: one script per
/// transaction (`transactions` of them, cut between tables), or one script
/// on MariaDB.
async fn floor(backend: Backend, plan: &Plan, transactions: usize) -> Duration {
    let t = TestDb::fresh(backend, "bench_floor").await;
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

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
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

fn cpus() -> String {
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
    format!("{cores} cores, {model}")
}
