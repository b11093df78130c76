//! Crash safety: `migrate all` killed with SIGKILL at random points, then a
//! normal run. The schema ends equal to the declared one and no seeded row
//! is lost, on every backend (PostgreSQL and SQLite: a sync is all or
//! nothing; MySQL: the re-run converges).
//!
//! A normal test run kills 10 runs per backend; `M_CRASH_RUNS=200 cargo
//! test -p m-tests --test engine crash::` kills more, each at a new random
//! point (the seed is printed).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use m_tests::{TestDb, all_backends, synthetic};

/// The killed runs per backend: `M_CRASH_RUNS`, by default 10.
fn runs() -> usize {
    std::env::var("M_CRASH_RUNS").map_or(10, |v| {
        v.parse()
            .unwrap_or_else(|_| panic!("M_CRASH_RUNS={v}: expected a number of runs"))
    })
}

fn fleet(url: &str, version: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_m-fleet"));
    command
        .arg(version)
        .arg("migrate")
        .args(args)
        .env("DATABASE_URL", url)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// A small deterministic generator: the kill points differ between runs
/// but a failing seed can be replayed from the test output.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

async fn seed(t: &TestDb) {
    for table in ["t0000", "t0030", "t0059"] {
        t.exec(&format!("INSERT INTO {table} (id, title, counter) VALUES (1, 'one', 1), (2, 'two', 2), (3, 'three', 3)"))
            .await;
    }
}

async fn seeded(t: &TestDb) -> Vec<Vec<Vec<Option<String>>>> {
    let mut all = Vec::new();
    for table in ["t0000", "t0030", "t0059"] {
        all.push(
            t.rows(&format!(
                "SELECT id, title, counter FROM {table} ORDER BY id"
            ))
            .await,
        );
    }
    all
}

all_backends!(killed_all_then_rerun_converges, |t| async move {
    // How long an undisturbed upgrade from version 1 to 2 takes here.
    let probe = TestDb::fresh(t.backend, "crash_probe").await;
    assert!(
        fleet(&probe.url, "1", &["all"])
            .status()
            .expect("v1")
            .success()
    );
    let started = Instant::now();
    assert!(
        fleet(&probe.url, "2", &["all"])
            .status()
            .expect("v2")
            .success()
    );
    let span = started.elapsed().max(Duration::from_millis(50));
    drop(probe);

    let seed_value = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.as_nanos() as u64);
    eprintln!(
        "{}: upgrade takes {span:?}; kill seed {seed_value}",
        t.backend.name()
    );
    let mut rng = Lcg(seed_value);
    let mut interrupted = 0;
    let runs = runs();
    for run in 0..runs {
        let db = TestDb::fresh(t.backend, "crash").await;
        assert!(
            fleet(&db.url, "1", &["all"])
                .status()
                .expect("v1")
                .success()
        );
        seed(&db).await;
        let before = seeded(&db).await;

        let delay = Duration::from_micros(rng.next() % (span.as_micros() as u64 + 1));
        let mut child = fleet(&db.url, "2", &["all"]).spawn().expect("spawn v2");
        std::thread::sleep(delay);
        if child.try_wait().expect("poll").is_none() {
            interrupted += 1;
        }
        child.kill().ok(); // SIGKILL
        child.wait().expect("reap");

        let out = fleet(&db.url, "2", &["all"]).output().expect("rerun");
        assert!(
            out.status.success(),
            "run {run} (killed after {delay:?}): the re-run completes: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let plan = db.verify(&synthetic::registry_with(80, 2).schema()).await;
        assert!(
            plan.is_empty(),
            "run {run}: schema equals the declared one: {:#?}",
            plan.changes
        );
        assert_eq!(seeded(&db).await, before, "run {run}: no seeded row lost");
        // The ledger matches the database: each migration applied once, recorded once.
        let ledger = db
            .rows("SELECT app, id FROM _m_migrations ORDER BY id")
            .await;
        assert_eq!(
            ledger,
            [
                vec![Some("synthetic".to_string()), Some("0001_pre".to_string())],
                vec![Some("synthetic".to_string()), Some("0002_post".to_string())],
            ],
            "run {run}"
        );
        let effects = db
            .rows("SELECT COUNT(*) FROM t0001 WHERE title = 'migration:0001_pre' UNION ALL SELECT COUNT(*) FROM t0079 WHERE title = 'migration:0002_post'")
            .await;
        assert_eq!(
            effects,
            [vec![Some("1".to_string())], vec![Some("1".to_string())]],
            "run {run}: each migration's effect exactly once"
        );
    }
    assert!(
        interrupted >= runs / 4,
        "only {interrupted} of {runs} runs were killed mid-way: the kill points missed the run"
    );
});
