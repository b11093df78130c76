//! Many replicas of the bookshop booting at once against one fresh database:
//! one migrates under the lock, the others wait and find nothing to do.

use std::process::{Command, Stdio};

use m_tests::all_backends;

const REPLICAS: usize = 16;
const ROUNDS: usize = 3;

async fn boot_fleet(url: &str) -> Vec<(i32, String)> {
    let children: Vec<_> = (0..REPLICAS)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_bookshop"))
                .env("DATABASE_URL", url)
                .env("M_LOCK_TIMEOUT_SECS", "120")
                .env_remove("M_ENV")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn a replica")
        })
        .collect();
    children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().expect("replica output");
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            (out.status.code().unwrap_or(-1), text)
        })
        .collect()
}

all_backends!(sixteen_replicas_boot_at_once, |t| async move {
    for round in 0..ROUNDS {
        let db = m_tests::TestDb::fresh(t.backend, "fleet").await;
        let results = boot_fleet(&db.url).await;
        for (code, text) in &results {
            assert_eq!(*code, 0, "round {round}: every replica starts: {text}");
        }
        let slow = results
            .iter()
            .filter(|(_, text)| text.contains("fast path: false"))
            .count();
        assert_eq!(
            slow, 1,
            "round {round}: exactly one replica migrated, the others found nothing to do"
        );
        // Every migration executed exactly once (each appends one event).
        let runs = db.rows("SELECT event, COUNT(*) FROM event_log WHERE event LIKE 'migration:%' GROUP BY event ORDER BY event").await;
        let runs: Vec<(String, String)> = runs
            .into_iter()
            .map(|r| {
                (
                    r[0].clone().unwrap_or_default(),
                    r[1].clone().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            runs,
            [
                (
                    "migration:catalog:0001_seed_genres".to_string(),
                    "1".to_string()
                ),
                (
                    "migration:orders:0001_walk_in_customer".to_string(),
                    "1".to_string()
                ),
            ],
            "round {round}"
        );
        let registry_plan = db.db.backend().name();
        let out = Command::new(env!("CARGO_BIN_EXE_bookshop"))
            .args(["migrate", "verify"])
            .env("DATABASE_URL", &db.url)
            .output()
            .expect("verify");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{registry_plan}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
});
