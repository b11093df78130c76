//! `bookshop migrate studio` end to end, on every backend.
//!
//! The database is seeded the way a developer's gets when the code moves on:
//! synced from an older snapshot of the bookshop in which `book.notes` did
//! not exist (SAFE to add), `book.isbn` was not unique (WARNING: no
//! duplicates today) and `book.author` was nullable, with two books without
//! an author (BREAKING: NOT NULL over 2 NULLs); `customer.phone`, which the
//! code retired, is still there; one migration is pending.
//!
//! - The JSON API answers exactly what `verify --format json` and
//!   `status --format json` print.
//! - Headless Chromium (Debian's `chromium` and `chromium-driver`, driven
//!   through WebDriver with fantoccini) shows the three changes in their
//!   colours on the Migration tab, the BREAKING one's reason and measured
//!   rows, the migration pending; after `migrate run` in another process
//!   the page shows it applied without being reloaded. The test saves a
//!   screenshot of the Migration tab (`M_STUDIO_SCREENSHOT=1` writes the
//!   README's, `docs/studio-migration-tab.png`).
//! - `--allow-apply` applies what the policy allows, through the pipeline.
//! - `--offline` plans from a snapshot with no database, as `verify
//!   --offline` does.
//! - A non-local bind needs a token; requests without it are refused; a
//!   local one refuses a foreign `Host` and a `POST` without its header.
//! - Replacing the executable restarts the studio on the same port.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use m_tests::{Backend, TestDb, all_backends};
use serde_json::{Value, json};

const BOOKSHOP: &str = env!("CARGO_BIN_EXE_bookshop");
/// The pending migration of the seeded database.
const PENDING: &str = "catalog:0002_normalize_prices";

fn bookshop(url: &str, args: &[&str]) -> Output {
    Command::new(BOOKSHOP)
        .args(args)
        .env("DATABASE_URL", url)
        .env("NO_COLOR", "1")
        .env_remove("M_ENV")
        .env_remove("M_STUDIO_TOKEN")
        .output()
        .expect("run bookshop")
}

fn ok(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("studio")
        .join(format!("{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Syncs an older bookshop into `t` (see the module's doc), adds two books
/// without an author, runs the migrations and forgets [`PENDING`].
async fn seed(t: &TestDb) {
    let dir = scratch(&format!("seed-{}", t.backend.name()));
    let path = dir.join("m-schema.json");
    ok(&bookshop(
        &t.url,
        &[
            "migrate",
            "snapshot",
            "--output",
            path.to_str().expect("utf-8"),
        ],
    ));
    let mut older: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    let book = &mut older["tables"]["book"];
    let columns = book["columns"].as_array_mut().expect("columns");
    columns.retain(|c| c["name"] != "notes");
    for column in columns.iter_mut().filter(|c| c["name"] == "author") {
        column["nullable"] = json!(true);
    }
    book["indexes"]
        .as_array_mut()
        .expect("indexes")
        .retain(|index| index["columns"] != json!(["isbn"]));
    // `customer.phone`, which the code has since retired: kept, not a change.
    older["tables"]["customer"]["columns"]
        .as_array_mut()
        .expect("columns")
        .push(json!({"name": "phone", "type": "string", "max_length": 40, "nullable": true}));
    let older: m_runtime::schema::Schema = serde_json::from_value(older).expect("a schema");
    let everything = m_runtime::Policy {
        apply_safe: true,
        allow_warning: true,
    };
    let (_, report) = t.sync(&older, &everything).await;
    assert!(report.blocked.is_empty(), "{:?}", report.blocked);
    t.exec("INSERT INTO author (id, name) VALUES (1, 'Ann')")
        .await;
    t.exec(
        "INSERT INTO book (id, title, isbn, copies, author, price_cents, out_of_print) \
         VALUES (1, 'One', '111', 1, NULL, 0, FALSE), (2, 'Two', '222', 1, NULL, 0, FALSE), \
         (3, 'Three', NULL, 1, 1, 0, FALSE)",
    )
    .await;
    ok(&bookshop(&t.url, &["migrate", "run"]));
    ok(&bookshop(&t.url, &["migrate", "unmark", PENDING]));
}

/// A running `migrate studio`, killed on drop.
struct Studio {
    child: Child,
    /// The URL it printed (with `?token=` when it has one).
    url: String,
    /// `http://127.0.0.1:PORT`.
    base: String,
}

impl Drop for Studio {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `exe migrate studio --port 0 <args>` and waits for its URL.
fn studio(exe: &Path, url: &str, args: &[&str], env: &[(&str, &str)]) -> Studio {
    let mut command = Command::new(exe);
    command
        .args(["migrate", "studio", "--port", "0", "--interval", "1"])
        .args(args)
        .env("DATABASE_URL", url)
        .env_remove("M_STUDIO_TOKEN")
        .env_remove("M_ENV")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("start the studio");
    let stdout = child.stdout.take().expect("stdout");
    let (send, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let line = lines
        .recv_timeout(Duration::from_secs(30))
        .expect("the studio prints its URL within 30 s");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_owned();
    let port = url
        .trim_start_matches("http://")
        .split(['/', '?'])
        .next()
        .and_then(|host| host.rsplit(':').next())
        .expect("a port");
    Studio {
        child,
        base: format!("http://127.0.0.1:{port}"),
        url,
    }
}

/// One HTTP/1.1 request over a plain socket: (status, headers, body).
/// Raw on purpose: the tests set headers (`Host`) a client library fills in.
fn http(base: &str, method: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String, String) {
    try_http(base, method, path, headers)
        .unwrap_or_else(|e| panic!("{method} {path} on the studio: {e}"))
}

fn try_http(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> std::io::Result<(u16, String, String)> {
    let authority = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(authority)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: {authority}\r\n"));
    }
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    if method == "POST" {
        request.push_str("Content-Length: 0\r\n");
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status in {head:?}")))?;
    Ok((status, head.to_ascii_lowercase(), body.to_owned()))
}

fn get_json(base: &str, path: &str) -> Value {
    let (status, _, body) = http(base, "GET", path, &[]);
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path} is not JSON ({e}): {body}"))
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
        .map(str::trim)
}

/// Waits until `/api/studio` reports a planning newer than `after`.
fn wait_for_planning(base: &str, after: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let generation = get_json(base, "/api/studio")["generation"]
            .as_u64()
            .expect("generation");
        if generation > after {
            return generation;
        }
        assert!(Instant::now() < deadline, "the studio re-plans within 30 s");
        std::thread::sleep(Duration::from_millis(200));
    }
}

all_backends!(
    page_shows_the_plan_and_follows_the_database,
    |t| async move {
        seed(&t).await;
        let verify = bookshop(&t.url, &["migrate", "verify", "--format", "json"]);
        assert_eq!(verify.status.code(), Some(3), "blocked changes exit 3");
        let verify: Value = serde_json::from_slice(&verify.stdout).expect("verify json");
        let kinds: Vec<(&str, &str)> = verify["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .map(|c| {
                (
                    c["kind"].as_str().unwrap_or_default(),
                    c["risk"].as_str().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            kinds.len(),
            3,
            "the seeded database has three changes: {verify:#}"
        );
        for expected in [
            ("add_column", "SAFE"),
            ("add_index", "WARNING"),
            ("set_not_null", "BREAKING"),
        ] {
            assert!(kinds.contains(&expected), "{expected:?} in {kinds:?}");
        }
        let breaking = verify["changes"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["risk"] == "BREAKING"))
            .expect("a BREAKING change")
            .clone();
        assert_eq!(breaking["measured_rows"], 2, "two books have no author");
        assert_eq!(
            verify["retired"],
            json!([{"app": "orders", "table": "customer", "column": "phone"}])
        );

        let studio = studio(Path::new(BOOKSHOP), &t.url, &[], &[]);
        // The API answers what the CLI prints, field for field.
        let generation = wait_for_planning(&studio.base, 0);
        assert_eq!(get_json(&studio.base, "/api/plan"), verify);
        let status = bookshop(&t.url, &["migrate", "status", "--format", "json"]);
        assert_eq!(
            get_json(&studio.base, "/api/status"),
            serde_json::from_slice::<Value>(&ok(&status).into_bytes()).expect("status json")
        );
        let pending = |status: &Value| {
            status["migrations"]
                .as_array()
                .expect("migrations")
                .iter()
                .find(|m| {
                    format!(
                        "{}:{}",
                        m["app"].as_str().unwrap_or(""),
                        m["id"].as_str().unwrap_or("")
                    ) == PENDING
                })
                .map(|m| m["state"].clone())
        };
        assert_eq!(
            pending(&get_json(&studio.base, "/api/status")),
            Some(json!("pending"))
        );

        let browser = browser(&studio, &t.url, &breaking, t.backend);
        let browser = tokio::time::timeout(Duration::from_secs(180), browser).await;
        match browser {
            Ok(Ok(())) => {}
            Ok(Err(Skipped)) => {
                // No browser on this machine: the page's data, at least.
                ok(&bookshop(&t.url, &["migrate", "run"]));
                wait_for_planning(&studio.base, generation + 1);
                let deadline = Instant::now() + Duration::from_secs(30);
                while pending(&get_json(&studio.base, "/api/status")) != Some(json!("applied")) {
                    assert!(
                        Instant::now() < deadline,
                        "the studio sees the migration applied"
                    );
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
            Err(_) => panic!("the browser part took longer than 180 s"),
        }
        // `migrate run` ran it: the API says so too.
        assert_eq!(
            pending(&get_json(&studio.base, "/api/status")),
            Some(json!("applied"))
        );
    }
);

/// Returned when the machine has no chromium/chromedriver (and `CI` is unset).
struct Skipped;

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|path| path.is_file())
    })
}

/// A chromedriver on a free port in a process group of its own: dropping
/// it kills the group, the browser it started included (a failed test
/// leaves no Chromium behind).
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.wait();
    }
}

/// A WebDriver session in headless Chromium.
struct Browser {
    client: fantoccini::Client,
    driver: Driver,
}

/// Starts chromedriver and a headless Chromium with a fresh profile named
/// `profile`; [`Skipped`] when they are not installed and `CI` is unset.
async fn open_browser(profile: &str) -> Result<Browser, Skipped> {
    use std::os::unix::process::CommandExt;

    let (Some(driver), Some(chromium)) = (on_path("chromedriver"), on_path("chromium")) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs chromium and chromium-driver (.ci/run): they are missing"
        );
        eprintln!("skipping the browser: install chromium and chromium-driver");
        return Err(Skipped);
    };
    let port = free_port();
    let driver = Driver(
        Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start chromedriver"),
    );
    let profile = scratch(profile);
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let webdriver = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match fantoccini::ClientBuilder::new(connector)
            .capabilities(capabilities.clone())
            .connect(&webdriver)
            .await
        {
            Ok(client) => return Ok(Browser { client, driver }),
            // chromedriver is still starting.
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("chromedriver did not start a browser: {e}"),
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Drives headless Chromium through the page; see the module's doc.
async fn browser(
    studio: &Studio,
    url: &str,
    breaking: &Value,
    backend: Backend,
) -> Result<(), Skipped> {
    use fantoccini::Locator;

    let Browser {
        client,
        driver: _driver,
    } = open_browser(&format!("chromium-{}", backend.name())).await?;
    // The Migration tab of `book`: three changes, in their colours.
    let tab = format!("{}/#/doctype/book/migration", studio.base);
    client.goto(&tab).await.expect("open the page");
    let read_changes = "return [...document.querySelectorAll('article.change')].map(a => ({
        risk: a.dataset.risk, kind: a.dataset.kind,
        colour: getComputedStyle(a).borderLeftColor,
        badge: getComputedStyle(a.querySelector('.badge')).backgroundColor,
        reason: a.querySelector('.reason').textContent,
        measured: a.querySelector('.measured').textContent,
        lock: a.querySelector('.lock').textContent,
        action: a.querySelector('.action').textContent,
        sql: a.querySelector('pre.sql').textContent }))";
    let cards = poll(&client, read_changes, |v| {
        v.as_array().is_some_and(|a| a.len() == 3)
    })
    .await;
    let colour = |risk: &str| {
        cards
            .as_array()
            .and_then(|a| a.iter().find(|c| c["risk"] == risk))
            .unwrap_or_else(|| panic!("a {risk} change on the page: {cards:#}"))
            .clone()
    };
    for (risk, rgb) in [
        ("SAFE", "rgb(26, 127, 55)"),
        ("WARNING", "rgb(154, 103, 0)"),
        ("BREAKING", "rgb(207, 34, 46)"),
    ] {
        let card = colour(risk);
        assert_eq!(card["colour"], rgb, "{risk} is drawn in its colour");
        assert_eq!(card["badge"], rgb, "{risk}'s badge too");
    }
    let read_only = client
        .execute("return document.getElementById('apply').hidden", vec![])
        .await
        .expect("read the apply button");
    assert_eq!(
        read_only,
        json!(true),
        "no apply button without --allow-apply"
    );
    let shown = colour("BREAKING");
    assert_eq!(
        shown["reason"], breaking["reason"],
        "the reason, as the plan says"
    );
    assert_eq!(shown["measured"], "2 row(s)");
    // The lock note is the plan's impact, in words.
    let lock = breaking["lock"].as_str().expect("a lock");
    assert!(
        shown["lock"]
            .as_str()
            .is_some_and(|l| l.starts_with(&format!("{lock} lock ("))),
        "{shown:#}"
    );
    assert!(
        shown["action"]
            .as_str()
            .is_some_and(|a| a.starts_with("blocked")),
        "{shown:#}"
    );
    assert!(
        shown["sql"]
            .as_str()
            .is_some_and(|sql| sql.contains(breaking["sql"][0].as_str().unwrap_or("?"))),
        "the exact SQL: {shown:#}"
    );
    assert!(colour("SAFE")["action"] == "sync applies it");

    let png = client.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let file = format!("studio-migration-tab-{}.png", backend.name());
    std::fs::write(scratch("screenshots").join(&file), &png).expect("save the screenshot");
    if backend == Backend::Postgres && std::env::var_os("M_STUDIO_SCREENSHOT").is_some() {
        let docs =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/studio-migration-tab.png");
        std::fs::write(docs, &png).expect("write the README's screenshot");
    }

    // The overview: the migration pending. Following a link does not reload.
    client
        .execute("window.notReloaded = true", vec![])
        .await
        .expect("mark the page");
    client
        .find(Locator::Css("nav a[href='#/']"))
        .await
        .expect("the Overview link")
        .click()
        .await
        .expect("click");
    let state = format!(
        "const row = document.querySelector('tr[data-migration=\"{PENDING}\"] td.state'); return row && row.textContent"
    );
    poll(&client, &state, |v| v == "pending").await;
    let retired = client
        .execute(
            "return [...document.querySelectorAll('#orphans li.retired code')].map(c => c.textContent)",
            vec![],
        )
        .await
        .expect("read the retired columns");
    assert_eq!(retired, json!(["customer.phone"]));
    let counts = poll(
        &client,
        "return [...document.querySelectorAll('.counts .count')].map(c => [c.textContent, getComputedStyle(c).backgroundColor])",
        |v| v.as_array().is_some_and(|a| a.len() == 3),
    )
    .await;
    assert_eq!(
        counts,
        json!([
            ["1 SAFE", "rgb(26, 127, 55)"],
            ["1 WARNING", "rgb(154, 103, 0)"],
            ["1 BREAKING", "rgb(207, 34, 46)"]
        ])
    );

    // Another process runs the migration; the page follows by itself.
    ok(&bookshop(url, &["migrate", "run"]));
    poll(&client, &state, |v| v == "applied").await;
    let kept = client
        .execute("return window.notReloaded === true", vec![])
        .await
        .expect("read the mark");
    assert_eq!(kept, json!(true), "the page updated without a reload");
    client.close().await.expect("close the browser");
    Ok(())
}

/// Runs `script` until `done` holds for what it returns (20 s at most).
async fn poll(client: &fantoccini::Client, script: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let value = client.execute(script, vec![]).await.expect("run a script");
        if done(&value) {
            return value;
        }
        if Instant::now() > deadline {
            let page = client
                .execute("return document.body.innerText", vec![])
                .await
                .unwrap_or_default();
            panic!("waited 20 s; the script returned {value:#}; the page reads:\n{page}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

all_backends!(apply_button_syncs_what_the_policy_allows, |t| async move {
    seed(&t).await;
    let studio = studio(Path::new(BOOKSHOP), &t.url, &["--allow-apply"], &[]);
    assert_eq!(get_json(&studio.base, "/api/studio")["allow_apply"], true);
    let (status, _, body) = http(&studio.base, "POST", "/api/apply", &[("x-m-studio", "1")]);
    assert_eq!(status, 200, "{body}");
    let sync: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(sync["applied"], 1, "the SAFE change only: {sync:#}");
    assert_eq!(sync["blocked"], 2);
    let live = m_runtime::introspect(&t.db).await.expect("introspect");
    let book = live.table("book").expect("book");
    assert!(
        book.columns.iter().any(|c| c.name == "notes"),
        "notes added"
    );
    assert_eq!(t.count("book").await, 3, "every book is still there");
    // The page's data follows: two changes left.
    let plan = get_json(&studio.base, "/api/plan");
    assert_eq!(plan["summary"]["safe"], 0, "{plan:#}");
    assert_eq!(plan["summary"]["blocked"], 2);
});

#[test]
fn a_non_local_bind_needs_a_token() {
    let dir = scratch("token");
    let url = format!("sqlite://{}", dir.join("bookshop.db").display());
    ok(&bookshop(&url, &["migrate", "all"]));
    for token in ["", "too-short"] {
        let out = Command::new(BOOKSHOP)
            .args(["migrate", "studio", "--bind", "0.0.0.0", "--port", "0"])
            .env("DATABASE_URL", &url)
            .env("M_STUDIO_TOKEN", token)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "token {token:?} refused");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("M_STUDIO_TOKEN"), "{err}");
    }

    let studio = studio(Path::new(BOOKSHOP), &url, &["--bind", "0.0.0.0"], &[]);
    let token = studio
        .url
        .split_once("?token=")
        .map(|(_, t)| t.to_owned())
        .expect("the printed URL carries a token");
    assert!(token.len() >= 32, "{token}");
    for path in ["/", "/api/plan", "/api/status", "/api/schema"] {
        let (status, _, _) = http(&studio.base, "GET", path, &[]);
        assert_eq!(status, 401, "{path} without the token");
        let (status, _, _) = http(
            &studio.base,
            "GET",
            path,
            &[("Authorization", "Bearer 0123456789abcdef0123")],
        );
        assert_eq!(status, 401, "{path} with a wrong token");
    }
    let bearer = format!("Bearer {token}");
    let (status, _, body) = http(
        &studio.base,
        "GET",
        "/api/schema",
        &[("Authorization", &bearer)],
    );
    assert_eq!(status, 200, "{body}");
    // Opening the printed URL sets the cookie the page's requests carry.
    let (status, head, _) = http(&studio.base, "GET", &format!("/?token={token}"), &[]);
    assert_eq!(status, 200);
    let cookie = header(&head, "set-cookie").expect("a cookie");
    assert!(
        cookie.contains("HttpOnly") || cookie.contains("httponly"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().expect("name=value").to_owned();
    let (status, _, body) = http(&studio.base, "GET", "/api/status", &[("Cookie", &pair)]);
    assert_eq!(status, 200, "{body}");
}

#[test]
fn a_local_studio_refuses_foreign_hosts_and_bare_posts() {
    let dir = scratch("local");
    let url = format!("sqlite://{}", dir.join("bookshop.db").display());
    ok(&bookshop(&url, &["migrate", "all"]));
    let studio = studio(Path::new(BOOKSHOP), &url, &[], &[]);
    assert!(!studio.url.contains("token"), "{}", studio.url);
    let port = studio.base.rsplit(':').next().expect("port").to_owned();
    let (status, _, _) = http(
        &studio.base,
        "GET",
        "/api/plan",
        &[("Host", &format!("evil.example:{port}"))],
    );
    assert_eq!(status, 403, "a DNS-rebound page is refused");
    let (status, _, _) = http(
        &studio.base,
        "GET",
        "/api/plan",
        &[("Host", &format!("localhost:{port}"))],
    );
    assert_eq!(status, 200);
    let (status, _, _) = http(&studio.base, "POST", "/api/replan", &[]);
    assert_eq!(status, 403, "a POST without x-m-studio");
    let (status, _, body) = http(&studio.base, "POST", "/api/apply", &[("x-m-studio", "1")]);
    assert_eq!(status, 403, "read-only without --allow-apply: {body}");
    assert!(body.contains("--allow-apply"), "{body}");
    let (status, _, body) = http(&studio.base, "POST", "/api/replan", &[("x-m-studio", "1")]);
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuilt_executable_restarts_the_studio_and_the_page_reloads() {
    let dir = scratch("rebuild");
    let url = format!("sqlite://{}", dir.join("bookshop.db").display());
    ok(&bookshop(&url, &["migrate", "all"]));
    let exe = dir.join("bookshop");
    std::fs::copy(BOOKSHOP, &exe).expect("copy the binary");
    let mut studio = studio(&exe, &url, &[], &[]);
    let (_, head, _) = http(&studio.base, "GET", "/api/studio", &[]);
    let first = header(&head, "x-m-studio-instance")
        .expect("instance")
        .to_owned();
    let browser = open_browser("chromium-rebuild").await.ok();
    let rendered = "return document.querySelectorAll('#nav a').length > 1 && !!document.querySelector('#sync-now')";
    if let Some(browser) = &browser {
        browser
            .client
            .goto(&studio.base)
            .await
            .expect("open the page");
        poll(&browser.client, rendered, |v| v == true).await;
        browser
            .client
            .execute("window.notReloaded = true", vec![])
            .await
            .expect("mark the page");
    }

    // A rebuild: the linker writes a new file in the executable's place.
    let fresh = dir.join("bookshop.new");
    std::fs::copy(BOOKSHOP, &fresh).expect("copy");
    std::fs::rename(&fresh, &exe).expect("replace the executable");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        // Refused while the new process binds: try again.
        if let Ok((200, head, _)) = try_http(&studio.base, "GET", "/api/studio", &[])
            && header(&head, "x-m-studio-instance").is_some_and(|id| id != first)
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the studio restarted within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        studio.child.try_wait().expect("wait").is_none(),
        "the same process (exec), still running on the same port"
    );
    let plan = get_json(&studio.base, "/api/plan");
    assert_eq!(
        plan["changes"],
        json!([]),
        "the restarted studio plans: {plan:#}"
    );
    if let Some(browser) = browser {
        // The page saw the new instance and reloaded itself (the mark is
        // gone), then rendered again.
        poll(
            &browser.client,
            &format!(
                "return window.notReloaded === undefined && ({})()",
                rendered.replace("return ", "() => ")
            ),
            |v| v == true,
        )
        .await;
        browser.client.close().await.expect("close the browser");
    }
}

#[test]
fn an_offline_studio_plans_from_a_snapshot() {
    let dir = scratch("offline");
    let snapshot = dir.join("m-schema.json");
    let path = snapshot.to_str().expect("utf-8 path");
    // No database anywhere: the URL only picks the SQL dialect.
    let url = "postgres://nobody@127.0.0.1:1/none";
    ok(&bookshop(url, &["migrate", "snapshot", "--output", path]));
    // A snapshot from before `book.notes` existed.
    let mut older: Value =
        serde_json::from_slice(&std::fs::read(&snapshot).expect("read")).expect("json");
    older["tables"]["book"]["columns"]
        .as_array_mut()
        .expect("columns")
        .retain(|c| c["name"] != "notes");
    std::fs::write(&snapshot, older.to_string()).expect("write");
    let verify = bookshop(
        url,
        &["migrate", "verify", "--offline", path, "--format", "json"],
    );
    assert_eq!(verify.status.code(), Some(1), "one change to apply");
    let verify: Value = serde_json::from_slice(&verify.stdout).expect("json");

    let studio = studio(
        Path::new(BOOKSHOP),
        url,
        &["--offline", path, "--allow-apply"],
        &[],
    );
    assert!(studio.url.contains("127.0.0.1"));
    wait_for_planning(&studio.base, 0);
    assert_eq!(get_json(&studio.base, "/api/plan"), verify);
    assert_eq!(verify["changes"][0]["kind"], "add_column");
    let info = get_json(&studio.base, "/api/studio");
    assert_eq!(info["mode"], "offline");
    assert_eq!(info["allow_apply"], false, "nothing to apply to");
    let status = get_json(&studio.base, "/api/status");
    assert_eq!(
        status["migrations"],
        json!([]),
        "the ledger is not known offline"
    );
    let (code, _, body) = http(&studio.base, "POST", "/api/apply", &[("x-m-studio", "1")]);
    assert_eq!(code, 409, "{body}");
}

/// The page's Apply button with `--allow-warning`: the first click only
/// warns (nothing changes), the second applies the SAFE and the WARNING
/// change; the BREAKING one stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(m_test_skip_sqlite, ignore = "excluded by M_TEST_BACKENDS")]
async fn the_apply_button_warns_before_a_warning_change() {
    use fantoccini::Locator;

    Backend::Sqlite.require_enabled();
    let t = TestDb::fresh(Backend::Sqlite, "studio_apply_button").await;
    seed(&t).await;
    let studio = studio(
        Path::new(BOOKSHOP),
        &t.url,
        &["--allow-apply", "--allow-warning"],
        &[],
    );
    let Ok(Browser {
        client,
        driver: _driver,
    }) = open_browser("chromium-apply").await
    else {
        return;
    };
    client
        .goto(&format!("{}/#/doctype/book/migration", studio.base))
        .await
        .expect("open the page");
    let label =
        "const b = document.getElementById('apply'); return b.hidden ? null : b.textContent";
    poll(&client, label, |v| {
        v == "Apply 2 change(s), 1 of them WARNING"
    })
    .await;
    let button = client
        .find(Locator::Id("apply"))
        .await
        .expect("the Apply button");
    button.click().await.expect("click");
    let banner = "return document.getElementById('banner').textContent";
    let warned = poll(&client, banner, |v| {
        v.as_str().is_some_and(|t| t.contains("WARNING"))
    })
    .await;
    assert!(
        warned
            .as_str()
            .is_some_and(|t| t.contains("Click Apply again")),
        "{warned}"
    );
    let unique_isbn = |live: &m_runtime::schema::Schema| {
        live.table("book")
            .expect("book")
            .indexes
            .iter()
            .any(|i| i.unique && i.columns == ["isbn"])
    };
    let live = m_runtime::introspect(&t.db).await.expect("introspect");
    assert!(!unique_isbn(&live), "the first click changes nothing");
    button.click().await.expect("click again");
    poll(&client, banner, |v| {
        v.as_str()
            .is_some_and(|t| t.starts_with("Applied 2 change(s)"))
    })
    .await;
    let live = m_runtime::introspect(&t.db).await.expect("introspect");
    assert!(unique_isbn(&live), "the WARNING change applied");
    assert!(
        live.table("book")
            .expect("book")
            .columns
            .iter()
            .any(|c| c.name == "notes"),
        "the SAFE one too"
    );
    // The page follows: only the BREAKING change is left.
    let risks = "return [...document.querySelectorAll('article.change')].map(a => a.dataset.risk)";
    poll(&client, risks, |v| *v == json!(["BREAKING"])).await;
    client.close().await.expect("close the browser");
}
