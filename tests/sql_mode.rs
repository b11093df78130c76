//! MariaDB under `NO_BACKSLASH_ESCAPES`: m's string literals (text defaults,
//! and the values they fill existing rows with) round-trip exactly whatever
//! the server's `sql_mode`, because the MySQL backend pins the session's
//! mode when it connects.
//!
//! A server whose global mode has `NO_BACKSLASH_ESCAPES` is simulated per
//! connection: a backend that is the MySQL backend in every respect but
//! first sets the flag on the session, then runs the MySQL backend's own
//! session setup, which is exactly the state a new connection is in when the
//! flag comes from the global mode. Setting the global mode instead would
//! change every connection the server opens meanwhile, including those of
//! the other tests running in parallel against the same server.

use std::sync::{Arc, LazyLock};

use m_runtime::backend::mysql::MySql;
use m_runtime::backend::{Backend as MBackend, Dialect, Introspector, Locker};
use m_runtime::schema::{Column, DefaultValue, LogicalType as T, Schema, Table};
use m_runtime::{Db, Policy};
use m_tests::{Backend, TestDb};
use sqlx::{Connection, Row};

/// Backslash escapes, quotes, a newline, a percent: everything a literal
/// can get wrong.
const TEXT: &str = "a\\b \\n it's \\' 100% \\% _\\_\nend \\0 \\\\";

/// What a server with `NO_BACKSLASH_ESCAPES` in its global mode gives a new
/// session.
const NO_BACKSLASH_ESCAPES: &str =
    "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')";

/// The MySQL backend on a server whose global mode has
/// `NO_BACKSLASH_ESCAPES`.
struct NoBackslashEscapesServer;

impl MBackend for NoBackslashEscapesServer {
    fn name(&self) -> &'static str {
        MySql.name()
    }
    fn handles(&self, url: &str) -> bool {
        MySql.handles(url)
    }
    fn dialect(&self) -> &dyn Dialect {
        &MySql
    }
    fn introspector(&self) -> &dyn Introspector {
        &MySql
    }
    fn locker(&self) -> &dyn Locker {
        &MySql
    }
    fn driver_url(&self, url: &str) -> String {
        MySql.driver_url(url)
    }
    fn session_setup(&self) -> &'static [&'static str] {
        static SETUP: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
            std::iter::once(NO_BACKSLASH_ESCAPES)
                .chain(MySql.session_setup().iter().copied())
                .collect()
        });
        &SETUP
    }
}

async fn session_mode(db: &Db) -> String {
    let rows = db
        .fetch_all("SELECT @@SESSION.sql_mode")
        .await
        .expect("read sql_mode");
    rows[0].try_get(0).expect("sql_mode is text")
}

fn schema(with_note: bool) -> Schema {
    let mut table = Table::new("notes")
        .column(Column::new("id", T::I64))
        .column(
            Column::new(
                "body",
                T::String {
                    max_length: Some(200),
                },
            )
            .default(DefaultValue::Text(TEXT.into())),
        )
        .primary_key(["id"]);
    if with_note {
        table = table.column(
            Column::new("note", T::String { max_length: None })
                .default(DefaultValue::Text(TEXT.into())),
        );
    }
    let mut schema = Schema::default();
    schema.insert(table);
    schema
}

async fn read(db: &Db, column: &str) -> String {
    let rows = db
        .fetch_all(&format!("SELECT `{column}` FROM notes WHERE id = 1"))
        .await
        .expect("read the row");
    rows[0].try_get(0).expect("text")
}

/// Creates a table with a text default, fills a row with it, adds a column
/// with the same default to the table holding that row; each value reads
/// back exactly, introspection reads the defaults back equal, and the
/// database verifies clean.
async fn round_trip(db: &Db) {
    let policy = Policy::default();
    let v1 = schema(false);
    let plan = m_runtime::plan(db, &v1, &policy).await.expect("plan v1");
    m_runtime::apply(db, &plan).await.expect("apply v1");
    db.execute("INSERT INTO notes (id) VALUES (1)")
        .await
        .expect("insert a row taking the default");
    assert_eq!(read(db, "body").await, TEXT);

    let v2 = schema(true);
    let plan = m_runtime::plan(db, &v2, &policy).await.expect("plan v2");
    assert_eq!(plan.changes.len(), 1, "{plan:#?}");
    m_runtime::apply(db, &plan).await.expect("apply v2");
    assert_eq!(
        read(db, "note").await,
        TEXT,
        "the existing row's new column"
    );
    assert_eq!(read(db, "body").await, TEXT);

    let live = m_runtime::introspect(db).await.expect("introspect");
    let table = live.table("notes").expect("notes");
    for column in ["body", "note"] {
        assert_eq!(
            table.get_column(column).and_then(|c| c.default.clone()),
            Some(DefaultValue::Text(TEXT.into())),
            "{column}"
        );
    }
    let verify = m_runtime::plan(db, &v2, &policy).await.expect("verify");
    assert!(verify.is_empty(), "{verify:#?}");
}

async fn fresh() -> Option<TestDb> {
    if !Backend::Mysql.enabled() {
        eprintln!("skipped: mysql excluded by M_TEST_BACKENDS");
        return None;
    }
    Some(TestDb::fresh(Backend::Mysql, "sql_mode").await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn literals_round_trip_with_the_servers_mode() {
    let Some(t) = fresh().await else { return };
    round_trip(&t.db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn literals_round_trip_under_no_backslash_escapes() {
    let Some(t) = fresh().await else { return };
    let db = Db::connect_with(&t.url, Arc::new(NoBackslashEscapesServer))
        .await
        .expect("connect");
    round_trip(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_drops_only_no_backslash_escapes() {
    let Some(t) = fresh().await else { return };
    // The simulation does what it says: a session that ran only its first
    // statement has the flag.
    // `fresh` connected through m, which installed sqlx's drivers.
    let mut raw = sqlx::AnyConnection::connect(&t.url).await.expect("connect");
    sqlx::raw_sql(NO_BACKSLASH_ESCAPES)
        .execute(&mut raw)
        .await
        .expect("set the flag");
    let raw_mode: String = sqlx::query_scalar("SELECT @@SESSION.sql_mode")
        .fetch_one(&mut raw)
        .await
        .expect("read sql_mode");
    assert!(raw_mode.contains("NO_BACKSLASH_ESCAPES"), "{raw_mode}");
    raw.close().await.expect("close");

    let pinned = Db::connect_with(&t.url, Arc::new(NoBackslashEscapesServer))
        .await
        .expect("connect");
    let pinned_mode = session_mode(&pinned).await;
    assert!(
        !pinned_mode.contains("NO_BACKSLASH_ESCAPES"),
        "{pinned_mode}"
    );
    // Every other flag of the server's mode is kept, in order.
    let expected: Vec<&str> = raw_mode
        .split(',')
        .filter(|flag| *flag != "NO_BACKSLASH_ESCAPES")
        .collect();
    assert_eq!(pinned_mode, expected.join(","));
    assert_eq!(session_mode(&t.db).await, pinned_mode);
}
