//! The bookshop binary end to end, on every backend: `migrate all`, `verify`
//! (text and JSON), `sync` with blocked changes, exit codes, a forgotten app,
//! an unreachable database, and the production boot policy.

use std::process::{Command, Output};

use m_tests::{Backend, TestDb, all_backends};
use serde_json::Value;

const TABLES: [&str; 9] = [
    "author",
    "book",
    "customer",
    "event_log",
    "genre",
    "order",
    "order_line",
    "publisher",
    "shelf_label",
];

fn bookshop(t: &TestDb, args: &[&str]) -> Output {
    run(env!("CARGO_BIN_EXE_bookshop"), &t.url, args, &[])
}

fn run(bin: &str, url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(bin);
    command
        .args(args)
        .env("DATABASE_URL", url)
        .env("NO_COLOR", "1")
        .env_remove("M_ENV");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("run the binary")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exit code")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(output)))
}

/// Drops the unique index on `customer.email` and adds an undeclared column
/// to `book`, behind m's back.
async fn drift(t: &TestDb) {
    match t.backend {
        Backend::Mysql => t.exec("DROP INDEX ux_customer__email ON customer").await,
        _ => t.exec("DROP INDEX ux_customer__email").await,
    }
    t.exec("ALTER TABLE book ADD COLUMN legacy INTEGER").await;
    t.exec("INSERT INTO customer (id, email, name) VALUES (11, 'a@x', 'Ann'), (12, 'b@x', 'Bob')")
        .await;
}

all_backends!(all_then_verify_is_clean, |t| async move {
    let all = bookshop(&t, &["migrate", "all"]);
    assert_eq!(code(&all), 0, "{}{}", stdout(&all), stderr(&all));
    let live = m_runtime::introspect(&t.db).await.expect("introspect");
    for table in TABLES {
        assert!(
            live.table(table).is_some(),
            "`{table}` created; got {:?}",
            live.tables.keys()
        );
    }
    let verify = bookshop(&t, &["migrate", "verify"]);
    assert_eq!(code(&verify), 0, "{}{}", stdout(&verify), stderr(&verify));
    assert!(stdout(&verify).contains("matches the code"));
    // The Frappe JSON DocType synced like the others.
    let publisher = live.table("publisher").expect("publisher");
    assert_eq!(publisher.primary_key, ["name"]);
    assert!(
        publisher
            .indexes
            .iter()
            .any(|i| i.unique && i.columns == ["publisher_name"])
    );
    // A fresh install: the seed migrations (on_fresh = run) ran once each,
    // in dependency order, hooks after the sync; the data fix for old
    // imports was recorded without running.
    let events = t.rows("SELECT event FROM event_log ORDER BY id").await;
    let events: Vec<_> = events
        .into_iter()
        .map(|r| r[0].clone().unwrap_or_default())
        .collect();
    assert_eq!(
        events,
        [
            "after_sync:catalog",
            "after_sync:orders",
            "migration:catalog:0001_seed_genres",
            "migration:orders:0001_walk_in_customer",
        ]
    );
    let status = json(&bookshop(&t, &["migrate", "status", "--format", "json"]));
    let recorded: Vec<(&str, &Value)> = status["migrations"]
        .as_array()
        .expect("migrations")
        .iter()
        .map(|m| (m["id"].as_str().unwrap_or_default(), &m["recorded_as"]))
        .collect();
    assert_eq!(
        recorded,
        [
            ("0001_seed_genres", &Value::Null),
            ("0002_normalize_prices", &Value::from("baselined")),
            ("0001_walk_in_customer", &Value::Null),
        ]
    );
    assert_eq!(t.count("genre").await, 3);
    // A second run applies nothing.
    let again = bookshop(&t, &["migrate", "all"]);
    assert_eq!(code(&again), 0);
    assert_eq!(t.count("genre").await, 3);
    let runs = t
        .rows("SELECT COUNT(*) FROM event_log WHERE event LIKE 'migration:%'")
        .await;
    assert_eq!(runs[0][0].as_deref(), Some("2"), "no migration ran twice");

    let verify = bookshop(&t, &["migrate", "verify", "--format", "json"]);
    assert_eq!(code(&verify), 0);
    let plan = json(&verify);
    assert_eq!(plan["changes"], Value::Array(vec![]));
    assert_eq!(plan["summary"]["safe"], 0);
    assert_eq!(plan["summary"]["breaking"], 0);
});

all_backends!(verify_reports_pending_migrations, |t| async move {
    // `sync` alone creates the tables but runs no migration.
    assert_eq!(code(&bookshop(&t, &["migrate", "sync"])), 0);
    let verify = bookshop(&t, &["migrate", "verify", "--format", "json"]);
    assert_eq!(code(&verify), 1, "pending migrations exit 1");
    let json = json(&verify);
    assert_eq!(json["changes"], Value::Array(vec![]));
    let pending: Vec<_> = json["migrations"]["pending"]
        .as_array()
        .expect("pending")
        .iter()
        .map(|m| {
            format!(
                "{}:{}",
                m["app"].as_str().unwrap_or_default(),
                m["id"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        pending,
        [
            "catalog:0001_seed_genres",
            "catalog:0002_normalize_prices",
            "orders:0001_walk_in_customer"
        ]
    );
    assert_eq!(t.count("genre").await, 0, "verify ran nothing");
    assert_eq!(code(&bookshop(&t, &["migrate", "run"])), 0);
    assert_eq!(code(&bookshop(&t, &["migrate", "verify"])), 0);
});

all_backends!(verify_json_reports_drift, |t| async move {
    assert_eq!(code(&bookshop(&t, &["migrate", "all"])), 0);
    drift(&t).await;
    let verify = bookshop(&t, &["migrate", "verify", "--format", "json", "--sql"]);
    assert_eq!(
        code(&verify),
        3,
        "blocked changes exit 3: {}",
        stdout(&verify)
    );
    let plan = json(&verify);
    let changes = plan["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 2, "{changes:#?}");
    let index = changes
        .iter()
        .find(|c| c["kind"] == "add_index")
        .expect("add_index");
    assert_eq!(index["app"], "orders");
    assert_eq!(index["table"], "customer");
    assert_eq!(index["column"], "email");
    assert_eq!(index["risk"], "WARNING");
    assert_eq!(index["measured_rows"], 0, "no duplicates measured");
    assert_eq!(index["action"], "blocked");
    assert!(
        index["sql"][0]
            .as_str()
            .expect("sql")
            .contains("CREATE UNIQUE INDEX")
    );
    let orphan = changes
        .iter()
        .find(|c| c["kind"] == "orphan_column")
        .expect("orphan_column");
    assert_eq!(orphan["app"], "catalog", "the table's app");
    assert_eq!(orphan["table"], "book");
    assert_eq!(orphan["column"], "legacy");
    assert_eq!(orphan["risk"], "BREAKING");
    assert_eq!(
        plan["summary"],
        serde_json::json!({"safe": 0, "warning": 1, "breaking": 1, "apply": 0, "blocked": 2})
    );
});

// An expand/contract transition: retired columns and tables keep verify
// green; an orphan nobody acknowledged still fails it.
all_backends!(retired_columns_keep_verify_green, |t| async move {
    assert_eq!(code(&bookshop(&t, &["migrate", "all"])), 0);
    t.exec("ALTER TABLE customer ADD COLUMN phone VARCHAR(40)")
        .await;
    t.exec("CREATE TABLE legacy_invoice (id INTEGER NOT NULL PRIMARY KEY)")
        .await;
    let verify = bookshop(&t, &["migrate", "verify"]);
    assert_eq!(code(&verify), 0, "{}{}", stdout(&verify), stderr(&verify));
    assert!(stdout(&verify).contains("2 retired"), "{}", stdout(&verify));
    assert!(
        stdout(&verify).contains("orders: customer.phone"),
        "{}",
        stdout(&verify)
    );
    assert!(
        stdout(&verify).contains("orders: table legacy_invoice"),
        "{}",
        stdout(&verify)
    );
    let plan = json(&bookshop(&t, &["migrate", "verify", "--format", "json"]));
    assert_eq!(
        plan["retired"],
        serde_json::json!([
            {"app": "orders", "table": "customer", "column": "phone"},
            {"app": "orders", "table": "legacy_invoice"},
        ])
    );
    assert_eq!(plan["changes"], serde_json::json!([]));
    // Without the declaration: the same kind of column exits 3.
    t.exec("ALTER TABLE customer ADD COLUMN fax VARCHAR(40)")
        .await;
    let verify = bookshop(&t, &["migrate", "verify"]);
    assert_eq!(code(&verify), 3, "{}{}", stdout(&verify), stderr(&verify));
    assert!(
        stdout(&verify).contains("customer.fax"),
        "{}",
        stdout(&verify)
    );
});

// `verify --fail-on` for CI: fails on a change at the level or above,
// passes on anything less (a SAFE change, a pending migration).
all_backends!(verify_fail_on_levels, |t| async move {
    assert_eq!(code(&bookshop(&t, &["migrate", "all"])), 0);
    let verify = |level: &'static str| bookshop(&t, &["migrate", "verify", "--fail-on", level]);
    assert_eq!(code(&verify("warning")), 0);
    assert_eq!(code(&verify("breaking")), 0);

    // A SAFE change only: a declared plain index gone.
    let live = m_runtime::introspect(&t.db).await.expect("introspect");
    let (table, index) = live
        .tables
        .values()
        .find_map(|t| {
            t.indexes
                .iter()
                .find(|i| !i.unique)
                .map(|i| (t.name.clone(), i.name.clone()))
        })
        .expect("the bookshop declares a plain index");
    let q = |name: &str| t.db.backend().dialect().quote_ident(name);
    match t.backend {
        Backend::Mysql => {
            t.exec(&format!("DROP INDEX {} ON {}", q(&index), q(&table)))
                .await
        }
        _ => t.exec(&format!("DROP INDEX {}", q(&index))).await,
    }
    assert_eq!(code(&bookshop(&t, &["migrate", "verify"])), 1);
    assert_eq!(
        code(&verify("warning")),
        0,
        "{}",
        stdout(&verify("warning"))
    );
    assert_eq!(code(&verify("breaking")), 0);

    // A WARNING (a declared unique index gone).
    match t.backend {
        Backend::Mysql => t.exec("DROP INDEX ux_customer__email ON customer").await,
        _ => t.exec("DROP INDEX ux_customer__email").await,
    }
    let failed = verify("warning");
    assert_eq!(code(&failed), 3, "{}{}", stdout(&failed), stderr(&failed));
    assert!(stdout(&failed).contains("WARNING"), "{}", stdout(&failed));
    assert_eq!(code(&verify("breaking")), 0);

    // A BREAKING change (an undeclared column).
    t.exec("ALTER TABLE book ADD COLUMN legacy INTEGER").await;
    assert_eq!(code(&verify("breaking")), 3);
    assert_eq!(code(&verify("warning")), 3);
    // The JSON is the plan either way; the exit code is the verdict.
    let json_run = bookshop(
        &t,
        &[
            "migrate",
            "verify",
            "--fail-on",
            "breaking",
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&json_run), 3);
    assert_eq!(json(&json_run)["summary"]["breaking"], 1);

    // An unknown level is a usage error naming the valid ones.
    let bad = verify("sometimes");
    assert_eq!(code(&bad), 2);
    assert!(
        stderr(&bad).contains("warning") && stderr(&bad).contains("breaking"),
        "{}",
        stderr(&bad)
    );
});

all_backends!(sync_lists_applied_and_blocked, |t| async move {
    assert_eq!(code(&bookshop(&t, &["migrate", "all"])), 0);
    drift(&t).await;
    let sync = bookshop(&t, &["migrate", "sync"]);
    assert_eq!(code(&sync), 3, "a blocked change exits non-zero");
    let out = stdout(&sync);
    assert!(
        out.contains("Applied 0 change(s)") && out.contains("2 blocked"),
        "{out}"
    );
    assert!(
        out.contains("--allow-warning"),
        "says how to apply the WARNING: {out}"
    );
    // Still pending.
    let verify = json(&bookshop(&t, &["migrate", "verify", "--format", "json"]));
    assert_eq!(verify["summary"]["warning"], 1);

    let sync = bookshop(&t, &["migrate", "sync", "--allow-warning"]);
    assert_eq!(code(&sync), 3, "the orphan stays blocked");
    assert!(
        stdout(&sync).contains("Applied 1 change(s)"),
        "{}",
        stdout(&sync)
    );
    let verify = json(&bookshop(&t, &["migrate", "verify", "--format", "json"]));
    let kinds: Vec<_> = verify["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["kind"].clone())
        .collect();
    assert_eq!(kinds, ["orphan_column"]);
    assert_eq!(
        t.count("customer").await,
        3,
        "rows survive (the walk-in customer and two more)"
    );
});

all_backends!(forgotten_app_is_named, |t| async move {
    assert_eq!(code(&bookshop(&t, &["migrate", "all"])), 0);
    let before = m_runtime::introspect(&t.db).await.expect("introspect");
    for action in ["verify", "sync", "all"] {
        let out = run(
            env!("CARGO_BIN_EXE_forgetful"),
            &t.url,
            &["migrate", action],
            &[],
        );
        assert_eq!(code(&out), 4, "{action}: {}{}", stdout(&out), stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("`orders`") && err.contains("m_runtime::apps!"),
            "{action} names the missing app: {err}"
        );
    }
    assert_eq!(
        m_runtime::introspect(&t.db).await.expect("introspect"),
        before,
        "nothing changed"
    );
});

all_backends!(production_boot_refuses_a_warning, |t| async move {
    // First boot (development) creates everything.
    let boot = run(env!("CARGO_BIN_EXE_bookshop"), &t.url, &[], &[]);
    assert_eq!(code(&boot), 0, "{}", stderr(&boot));
    assert!(stdout(&boot).contains("fast path: false"));
    let boot = run(
        env!("CARGO_BIN_EXE_bookshop"),
        &t.url,
        &[],
        &[("M_ENV", "production")],
    );
    assert_eq!(code(&boot), 0);
    assert!(
        stdout(&boot).contains("fast path: true"),
        "{}",
        stdout(&boot)
    );
    drift(&t).await;
    // The recorded hashes still match: drift is for verify to find. Force a
    // slow path by forgetting the recorded state.
    t.exec("DELETE FROM _m_doctypes").await;
    let boot = run(
        env!("CARGO_BIN_EXE_bookshop"),
        &t.url,
        &[],
        &[("M_ENV", "production")],
    );
    assert_eq!(code(&boot), 3, "{}", stderr(&boot));
    let err = stderr(&boot);
    assert!(
        err.contains("refusing to start") && err.contains("WARNING add_index customer.email"),
        "{err}"
    );
});

#[test]
fn unreachable_database_exits_5_with_a_hint() {
    let out = run(
        env!("CARGO_BIN_EXE_bookshop"),
        "postgres://nobody@127.0.0.1:1/none",
        &["migrate", "verify"],
        &[],
    );
    assert_eq!(code(&out), 5);
    let err = stderr(&out);
    assert!(
        err.contains("cannot connect") && err.contains("DATABASE_URL"),
        "{err}"
    );
}

#[test]
fn bad_arguments_exit_2() {
    let out = run(
        env!("CARGO_BIN_EXE_bookshop"),
        "sqlite::memory:",
        &["migrate", "frobnicate"],
        &[],
    );
    assert_eq!(code(&out), 2);
}

#[test]
fn list_names_every_app() {
    let out = run(
        env!("CARGO_BIN_EXE_bookshop"),
        "sqlite::memory:",
        &["migrate", "list", "--format", "json"],
        &[],
    );
    assert_eq!(code(&out), 0);
    let list = json(&out);
    assert_eq!(list["apps"], serde_json::json!(["catalog", "orders"]));
    let tables: Vec<_> = list["doctypes"]
        .as_array()
        .expect("doctypes")
        .iter()
        .map(|d| d["table"].clone())
        .collect();
    assert_eq!(tables.len(), TABLES.len());
}

#[test]
fn offline_verify_compares_the_code_with_a_snapshot() {
    let dir = std::env::temp_dir().join(format!("m-snapshot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let snapshot = dir.join("m-schema.json");
    let path = snapshot.to_str().expect("utf-8 path");
    // No database anywhere: the URL only picks the SQL dialect.
    let url = "postgres://nobody@127.0.0.1:1/none";
    let out = run(
        env!("CARGO_BIN_EXE_bookshop"),
        url,
        &["migrate", "snapshot", "--output", path],
        &[],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let same = run(
        env!("CARGO_BIN_EXE_bookshop"),
        url,
        &["migrate", "verify", "--offline", path],
        &[],
    );
    assert_eq!(
        code(&same),
        0,
        "the code matches its own snapshot: {}{}",
        stdout(&same),
        stderr(&same)
    );

    // An older snapshot: `book.isbn` did not exist, and a `legacy` table did.
    let mut older: Value =
        serde_json::from_slice(&std::fs::read(&snapshot).expect("read")).expect("json");
    let book = &mut older["tables"]["book"];
    book["columns"]
        .as_array_mut()
        .expect("columns")
        .retain(|c| c["name"] != "isbn");
    book["indexes"]
        .as_array_mut()
        .expect("indexes")
        .retain(|i| i["columns"] != serde_json::json!(["isbn"]));
    older["tables"]["legacy"] = serde_json::json!({"name": "legacy", "columns": [{"name": "id", "type": "i64", "nullable": false}], "primary_key": ["id"]});
    std::fs::write(&snapshot, serde_json::to_vec(&older).expect("json")).expect("write");
    let diff = run(
        env!("CARGO_BIN_EXE_bookshop"),
        url,
        &["migrate", "verify", "--offline", path, "--format", "json"],
        &[],
    );
    assert_eq!(code(&diff), 3, "the dropped table is BREAKING");
    let plan = json(&diff);
    assert_eq!(plan["backend"], "postgres");
    let kinds: Vec<(String, String)> = plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap_or_default().to_owned(),
                c["risk"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expect = [
        ("add_column", "SAFE"),
        ("add_index", "WARNING"),
        ("orphan_table", "BREAKING"),
    ];
    assert_eq!(kinds, expect.map(|(k, r)| (k.to_owned(), r.to_owned())));
    assert_eq!(
        plan["changes"][0]["sql"][0],
        "ALTER TABLE \"book\" ADD COLUMN \"isbn\" VARCHAR(20)"
    );

    let missing = run(
        env!("CARGO_BIN_EXE_bookshop"),
        url,
        &["migrate", "verify", "--offline", "/nonexistent/m.json"],
        &[],
    );
    assert_eq!(code(&missing), 2);
    assert!(
        stderr(&missing).contains("migrate snapshot"),
        "{}",
        stderr(&missing)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
