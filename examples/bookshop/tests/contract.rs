//! What the bookshop binary promises beyond migrating: settings it does not
//! understand stop it with a message naming the fix, output it cannot write
//! is an error, and the documented JSON shapes keep their field names.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use m_tests::{TestDb, all_backends};
use serde_json::Value;

const BOOKSHOP: &str = env!("CARGO_BIN_EXE_bookshop");

/// A fresh, empty directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("m-contract-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn files_in(dir: &PathBuf) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

/// The bookshop in `dir` with a clean environment plus `env`.
fn bookshop(dir: &PathBuf, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BOOKSHOP);
    command
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("M_ENV")
        .env_remove("M_LOCK_TIMEOUT_SECS")
        .env_remove("M_ALLOW_OUT_OF_ORDER")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("run the bookshop")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn an_unknown_m_env_stops_the_boot_and_creates_nothing() {
    let dir = scratch("m-env");
    let url = format!("sqlite://{}/shop.db", dir.display());
    let out = bookshop(&dir, &[], &[("M_ENV", "prodution"), ("DATABASE_URL", &url)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let message = stderr(&out);
    assert!(
        message.contains("M_ENV: `prodution` is not an environment: use one of development, dev, production, prod"),
        "{message}"
    );
    assert!(
        files_in(&dir).is_empty(),
        "no database file: {:?}",
        files_in(&dir)
    );
}

#[test]
fn a_production_boot_without_database_url_refuses_and_creates_nothing() {
    let dir = scratch("no-url");
    let out = bookshop(&dir, &[], &[("M_ENV", "production")]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let message = stderr(&out);
    assert!(
        message.contains("DATABASE_URL: is not set, and M_ENV says production: set DATABASE_URL"),
        "{message}"
    );
    assert!(
        files_in(&dir).is_empty(),
        "no SQLite file: {:?}",
        files_in(&dir)
    );
    // Development still defaults to a local file, as the README says.
    let out = bookshop(&dir, &[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(files_in(&dir).contains(&"bookshop.db".to_owned()));
}

#[test]
fn an_unparsable_lock_timeout_is_an_error() {
    let dir = scratch("lock-timeout");
    let url = format!("sqlite://{}/shop.db", dir.display());
    let env = [
        ("M_LOCK_TIMEOUT_SECS", "soon"),
        ("DATABASE_URL", url.as_str()),
    ];
    for args in [&[][..], &["migrate", "sync"][..]] {
        let out = bookshop(&dir, args, &env);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("M_LOCK_TIMEOUT_SECS: `soon` is not a whole number of seconds"),
            "{}",
            stderr(&out)
        );
    }
    assert!(files_in(&dir).is_empty(), "{:?}", files_in(&dir));
}

#[test]
fn json_that_cannot_be_written_is_an_error() {
    let dir = scratch("dev-full");
    let url = format!("sqlite://{}/shop.db", dir.display());
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let out = Command::new(BOOKSHOP)
        .args(["migrate", "verify", "--format", "json"])
        .env("DATABASE_URL", &url)
        .stdout(Stdio::from(full))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot write the output"),
        "{}",
        stderr(&out)
    );
}

/// The object's keys, sorted.
fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap_or_else(|| panic!("an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

fn json_of(t: &TestDb, args: &[&str]) -> Value {
    let out = Command::new(BOOKSHOP)
        .args(args)
        .args(["--format", "json"])
        .env("DATABASE_URL", &t.url)
        .env_remove("M_ENV")
        .output()
        .expect("run");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?} printed no JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            stderr(&out)
        )
    })
}

const PLAN: [&str; 3] = ["backend", "changes", "summary"];
const CHANGE: [&str; 10] = [
    "action",
    "app",
    "blocked_because",
    "column",
    "kind",
    "measured_rows",
    "reason",
    "risk",
    "sql",
    "table",
];
const APPLIED: [&str; 7] = [
    "app",
    "applied_at",
    "checksum",
    "duration_ms",
    "id",
    "phase",
    "seq",
];

// The field names the README documents, command by command.
all_backends!(json_shapes_keep_their_field_names, |t| async move {
    let verify = json_of(&t, &["migrate", "verify"]);
    assert_eq!(
        keys(&verify),
        ["backend", "changes", "migrations", "summary"]
    );
    assert_eq!(keys(&verify["changes"][0]), CHANGE);
    assert_eq!(
        keys(&verify["summary"]),
        ["apply", "blocked", "breaking", "safe", "warning"]
    );
    assert_eq!(keys(&verify["migrations"]), ["pending", "problems"]);
    assert_eq!(
        keys(&verify["migrations"]["pending"][0]),
        ["app", "id", "phase"]
    );

    let all = json_of(&t, &["migrate", "all"]);
    assert_eq!(
        keys(&all),
        [
            "after_sync",
            "before_sync",
            "complete",
            "post_sync",
            "pre_sync",
            "sync"
        ]
    );
    assert_eq!(
        keys(&all["sync"]),
        ["applied", "blocked", "plan", "statements"]
    );
    assert_eq!(keys(&all["sync"]["plan"]), PLAN);
    assert_eq!(
        keys(&all["before_sync"][0]),
        ["app", "duration_ms", "name", "phase"]
    );
    assert_eq!(keys(&all["post_sync"][0]), APPLIED);

    let down = json_of(&t, &["migrate", "down", "catalog:0002_normalize_prices"]);
    assert_eq!(keys(&down), ["reverted"]);
    assert_eq!(keys(&down["reverted"][0]), APPLIED);
    let run = json_of(&t, &["migrate", "run"]);
    assert_eq!(keys(&run), ["applied"]);
    assert_eq!(keys(&run["applied"][0]), APPLIED);

    let sync = json_of(&t, &["migrate", "sync"]);
    assert_eq!(keys(&sync), ["applied", "blocked", "plan", "statements"]);

    let status = json_of(&t, &["migrate", "status"]);
    assert_eq!(
        keys(&status),
        [
            "applied",
            "backend",
            "migrations",
            "pending",
            "problems",
            "unregistered"
        ]
    );
    assert_eq!(
        keys(&status["migrations"][0]),
        [
            "app",
            "applied_at",
            "applied_checksum",
            "checksum",
            "depends_on",
            "duration_ms",
            "id",
            "phase",
            "reversible",
            "state",
            "tampered"
        ]
    );

    let list = json_of(&t, &["migrate", "list"]);
    assert_eq!(keys(&list), ["apps", "doctypes", "hooks", "migrations"]);
    assert_eq!(keys(&list["doctypes"][0]), ["app", "name", "table"]);
    assert_eq!(keys(&list["hooks"][0]), ["app", "name", "phase"]);
    assert_eq!(
        keys(&list["migrations"][0]),
        ["app", "depends_on", "id", "phase"]
    );
});
