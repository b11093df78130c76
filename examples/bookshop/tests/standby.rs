//! The bookshop against a PostgreSQL hot standby (made with
//! `pg_basebackup`, started and stopped by the test): `verify` and
//! `status` read it, the commands that write (and a boot) refuse it at
//! once and point at the primary.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use m_tests::cluster::PgStandby;

const REFUSAL: &str = "this server is a read-only standby: point DATABASE_URL at the primary";

fn bookshop(url: &str, args: &[&str]) -> Output {
    bookshop_with(url, args, None)
}

/// The bookshop with `M_LOCK` set to `lock` (unset: m picks the lock).
fn bookshop_with(url: &str, args: &[&str], lock: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bookshop"));
    command
        .args(args)
        .env("DATABASE_URL", url)
        .env("NO_COLOR", "1")
        .env("M_LOCK_TIMEOUT_SECS", "30")
        .env_remove("M_ENV")
        .env_remove("M_LOCK");
    if let Some(lock) = lock {
        command.env("M_LOCK", lock);
    }
    command.output().expect("run the bookshop")
}

fn show(out: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every command that writes, and a boot, refuses the standby at once,
/// whichever lock `M_LOCK` asks for.
fn every_writer_refuses(url: &str) {
    for lock in ["native", "lease"] {
        let out = bookshop_with(url, &["migrate", "sync"], Some(lock));
        assert_eq!(out.status.code(), Some(2), "M_LOCK={lock}: {}", show(&out));
        assert!(
            show(&out).contains(REFUSAL),
            "M_LOCK={lock}: {}",
            show(&out)
        );
    }
    for args in [
        &["migrate", "sync"][..],
        &["migrate", "all"],
        &["migrate", "run"],
        &["migrate", "down", "catalog:0001_seed_genres"],
        &[],
    ] {
        let started = Instant::now();
        let out = bookshop(url, args);
        let text = show(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {text}");
        assert!(text.contains(REFUSAL), "{args:?}: {text}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{args:?} refused at once, not after a lock timeout: {:?}",
            started.elapsed()
        );
    }
}

/// How many tables `database` on the primary has, m's own included, and
/// whether the ledger is among them.
async fn tables(pair: &PgStandby, database: &str) -> (i64, bool) {
    let db = m_runtime::Db::connect(&pair.primary_url(database))
        .await
        .expect("connect to the primary");
    let count = |filter: &str| {
        format!("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'{filter}")
    };
    let all = db.fetch_i64(&count("")).await.expect("count tables");
    let ledger = db
        .fetch_i64(&count(" AND tablename = '_m_migrations'"))
        .await
        .expect("find the ledger");
    db.close().await.expect("close");
    (all.unwrap_or(0), ledger == Some(1))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hot_standby_is_read_and_never_written() {
    let pair = match PgStandby::start(env!("CARGO_TARGET_TMPDIR")) {
        Ok(pair) => pair,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let admin = m_runtime::Db::connect(&pair.primary_url("postgres"))
        .await
        .expect("connect to the primary");
    admin
        .execute("CREATE DATABASE shop")
        .await
        .expect("create database");
    admin.close().await.expect("close");
    pair.caught_up().await;
    let standby = pair.standby_url("shop");

    // A fresh database, seen through the standby: verify plans every
    // table, status lists every migration as pending; neither writes (a
    // write would fail: the standby takes none).
    let out = bookshop(&standby, &["migrate", "verify"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "changes pending: {}",
        show(&out)
    );
    assert!(show(&out).contains("book"), "{}", show(&out));
    let out = bookshop(&standby, &["migrate", "status", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(status["pending"], 3, "{status}");
    assert_eq!(status["applied"], 0, "{status}");
    every_writer_refuses(&standby);
    assert_eq!(
        tables(&pair, "shop").await,
        (0, false),
        "nothing was created"
    );

    // Migrated through the primary, the standby matches the code.
    let out = bookshop(&pair.primary_url("shop"), &["migrate", "all"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let migrated = tables(&pair, "shop").await;
    assert!(migrated.1 && migrated.0 > 9, "{migrated:?}");
    pair.caught_up().await;
    let out = bookshop(&standby, &["migrate", "verify"]);
    assert_eq!(out.status.code(), Some(0), "in sync: {}", show(&out));
    let out = bookshop(&standby, &["migrate", "status", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(status["applied"], 3, "{status}");
    // Even with nothing to do (a boot would take the fast path), the
    // writers refuse: the standby is the wrong server for them.
    every_writer_refuses(&standby);
    assert_eq!(tables(&pair, "shop").await, migrated);
}
