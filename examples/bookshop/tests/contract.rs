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
        .args(["migrate", "sync", "--format", "json"])
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

const PLAN: [&str; 4] = ["backend", "changes", "retired", "summary"];
const CHANGE: [&str; 14] = [
    "action",
    "algorithm",
    "app",
    "blocked_because",
    "column",
    "kind",
    "lock",
    "measured_rows",
    "reason",
    "rewrites_table",
    "risk",
    "scans_table",
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
        ["backend", "changes", "migrations", "retired", "summary"]
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
            "baselined",
            "before_sync",
            "complete",
            "failed",
            "post_sync",
            "pre_sync",
            "sync"
        ]
    );
    assert_eq!(
        keys(&all["sync"]),
        ["applied", "blocked", "plan", "statements", "transactions"]
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
    assert_eq!(
        keys(&sync),
        ["applied", "blocked", "plan", "statements", "transactions"]
    );

    let status = json_of(&t, &["migrate", "status"]);
    assert_eq!(
        keys(&status),
        [
            "applied",
            "backend",
            "events",
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
            "recorded_as",
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

fn run_on(t: &TestDb, args: &[&str]) -> Output {
    Command::new(BOOKSHOP)
        .args(args)
        .env("DATABASE_URL", &t.url)
        .env("NO_COLOR", "1")
        .env_remove("M_ENV")
        .env_remove("M_LOG")
        .output()
        .expect("run the bookshop")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

// A development boot that holds a change back starts, and says on stderr
// what it held back and what did not run because of it (the app installed
// no tracing subscriber).
all_backends!(a_development_boot_says_what_it_skipped, |t| async move {
    let boot = run_on(&t, &[]);
    assert_eq!(boot.status.code(), Some(0), "{}", stderr(&boot));
    assert!(
        stderr(&boot).is_empty(),
        "a clean boot is quiet: {}",
        stderr(&boot)
    );
    match t.backend {
        m_tests::Backend::Mysql => t.exec("DROP INDEX ux_customer__email ON customer").await,
        _ => t.exec("DROP INDEX ux_customer__email").await,
    }
    t.exec("DELETE FROM _m_doctypes").await;
    let boot = run_on(&t, &[]);
    assert_eq!(boot.status.code(), Some(0), "{}", stderr(&boot));
    let err = stderr(&boot);
    for needle in [
        "m: the schema is not fully migrated: 1 change(s) held back",
        "WARNING add_index customer.email",
        "so these did not run:\n  after_sync hook catalog::catalog_synced\n  after_sync hook orders::orders_synced",
    ] {
        assert!(err.contains(needle), "{needle:?} in:\n{err}");
    }
});

// When a later step of `all` fails, what the earlier steps did is already
// printed, and the sync's DDL stays.
all_backends!(
    a_failing_step_of_all_leaves_the_earlier_ones_on_screen,
    |t| async move {
        let all = run_on(&t, &["migrate", "all"]);
        assert_eq!(all.status.code(), Some(0), "{}", stderr(&all));
        t.exec("ALTER TABLE author DROP COLUMN bio").await;
        // The after_sync hook's insert into event_log now fails.
        t.exec("DELETE FROM event_log").await;
        match t.backend {
        m_tests::Backend::Sqlite => {
            t.exec(
                "CREATE TRIGGER refuse_after BEFORE INSERT ON event_log \
                 WHEN NEW.event LIKE 'after_sync%' BEGIN SELECT RAISE(ABORT, 'refused by test'); END",
            )
            .await
        }
        // A trigger, not a CHECK: sync drops a CHECK no DocType declares.
        m_tests::Backend::Postgres => {
            t.exec(
                "CREATE FUNCTION refuse_after() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN IF NEW.event LIKE 'after_sync%' THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; END $$",
            )
            .await;
            t.exec(
                "CREATE TRIGGER refuse_after BEFORE INSERT ON event_log \
                 FOR EACH ROW EXECUTE FUNCTION refuse_after()",
            )
            .await
        }
        m_tests::Backend::Mysql => {
            t.exec(
                "CREATE TRIGGER refuse_after BEFORE INSERT ON event_log FOR EACH ROW \
                 IF NEW.event LIKE 'after_sync%' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by test'; END IF",
            )
            .await
        }
    }
        let all = run_on(&t, &["migrate", "all"]);
        assert_eq!(
            all.status.code(),
            Some(5),
            "{}{}",
            stdout(&all),
            stderr(&all)
        );
        let out = stdout(&all);
        assert!(out.contains("1. pre_sync migrations: 0"), "{out}");
        assert!(out.contains("3. sync: 1 change(s) applied"), "{out}");
        assert!(
            out.contains("add_column author.bio"),
            "the column is named: {out}"
        );
        assert!(
            stderr(&all).contains("after_sync hook `catalog::catalog_synced` failed"),
            "{}",
            stderr(&all)
        );
        let live = m_runtime::introspect(&t.db).await.expect("introspect");
        assert!(
            live.table("author")
                .and_then(|a| a.get_column("bio"))
                .is_some(),
            "the sync's DDL stays"
        );
        // JSON says the same: the steps that ended, then the one that failed.
        t.exec("ALTER TABLE author DROP COLUMN bio").await;
        let all = run_on(&t, &["migrate", "all", "--format", "json"]);
        assert_eq!(all.status.code(), Some(5), "{}", stderr(&all));
        let report: serde_json::Value = serde_json::from_slice(&all.stdout)
            .unwrap_or_else(|e| panic!("no JSON ({e}): {}", stdout(&all)));
        assert_eq!(report["complete"], false);
        assert_eq!(report["failed"]["step"], "after_sync");
        let error = report["failed"]["error"].as_str().expect("error");
        assert!(
            error.contains("after_sync hook `catalog::catalog_synced` failed"),
            "{error}"
        );
        assert_eq!(report["sync"]["applied"], 1, "{report:#}");
        let change = &report["sync"]["plan"]["changes"][0];
        assert_eq!(
            (&change["kind"], &change["column"], &change["action"]),
            (&"add_column".into(), &"bio".into(), &"apply".into())
        );
        assert!(
            stderr(&all).contains("after_sync hook `catalog::catalog_synced` failed"),
            "{}",
            stderr(&all)
        );
    }
);

// A command that waits for the migration lock says so, names the holder
// where the backend can tell, and gives up after --lock-timeout.
all_backends!(a_waiting_command_names_the_lock_holder, |t| async move {
    let held =
        t.db.backend()
            .locker()
            .acquire(&t.url, std::time::Duration::from_secs(5))
            .await
            .expect("take the lock");
    let out = run_on(&t, &["migrate", "sync", "--lock-timeout", "2"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let err = stderr(&out);
    let holder = match t.backend {
        m_tests::Backend::Sqlite => format!("process {}", std::process::id()),
        m_tests::Backend::Postgres => "PostgreSQL backend pid ".to_owned(),
        m_tests::Backend::Mysql => "MySQL connection ".to_owned(),
    };
    assert!(
        err.contains(&format!("waiting for the migration lock: {holder}")),
        "{err}"
    );
    assert!(err.contains("for over 2s"), "{err}");
    assert!(err.contains(&format!("it is held by {holder}")), "{err}");
    held.release().await.expect("release");
    let out = run_on(&t, &["migrate", "sync"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
});

#[test]
fn reading_commands_do_not_create_a_sqlite_file() {
    let dir = scratch("no-file");
    let url = format!("sqlite://{}/missing.db", dir.display());
    for command in ["verify", "status"] {
        let out = bookshop(&dir, &["migrate", command], &[("DATABASE_URL", &url)]);
        assert_eq!(out.status.code(), Some(5), "{command}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!(
                "the database `{}/missing.db` does not exist",
                dir.display()
            )),
            "{}",
            stderr(&out)
        );
    }
    assert!(files_in(&dir).is_empty(), "{:?}", files_in(&dir));
    // A command that migrates may create it.
    let out = bookshop(&dir, &["migrate", "sync"], &[("DATABASE_URL", &url)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(files_in(&dir).contains(&"missing.db".to_owned()));
}

all_backends!(status_speaks_github_annotations, |t| async move {
    let out = run_on(&t, &["migrate", "status", "--format", "github"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.lines()
            .all(|line| line.starts_with("::notice title=pending migration::")),
        "{text}"
    );
    assert!(
        text.contains(
            "::notice title=pending migration::catalog:0001_seed_genres (post_sync) will run"
        ),
        "{text}"
    );
    assert_eq!(text.lines().count(), 3, "{text}");
});
