//! A SQLite table rebuild (type change, NOT NULL, ...) keeps the table's
//! triggers and the views over it: they are re-created as they were, they
//! still fire and read, and the rows are intact.

use m_runtime::Policy;
use m_runtime::schema::{Column, LogicalType as T, Schema, Table};
use m_tests::{Backend, TestDb};

fn schema(qty: Column) -> Schema {
    let mut schema = Schema::default();
    schema.insert(
        Table::new("item")
            .column(Column::new("id", T::I64))
            .column(Column::new(
                "name",
                T::String {
                    max_length: Some(20),
                },
            ))
            .column(qty)
            .primary_key(["id"]),
    );
    schema.insert(
        Table::new("item_log")
            .column(Column::new("id", T::I64))
            .column(Column::new("msg", T::String { max_length: None }))
            .primary_key(["id"]),
    );
    schema
}

/// `qty` nullable `INT`, then `BIGINT NOT NULL`: two changes SQLite makes
/// by rebuilding the table.
fn v1() -> Schema {
    schema(Column::new("qty", T::I32).nullable())
}

fn v2() -> Schema {
    schema(Column::new("qty", T::I64))
}

async fn fresh() -> Option<TestDb> {
    if !Backend::Sqlite.enabled() {
        eprintln!("skipped: sqlite excluded by M_TEST_BACKENDS");
        return None;
    }
    let t = TestDb::fresh(Backend::Sqlite, "sqlite_rebuild").await;
    t.sync(&v1(), &Policy::default()).await;
    t.exec("INSERT INTO item (id, name, qty) VALUES (1, 'a', 1), (2, 'b', 2)")
        .await;
    Some(t)
}

/// Views and triggers as the catalog keeps them: `(type, name, sql)`.
async fn objects(t: &TestDb) -> Vec<Vec<Option<String>>> {
    t.rows(
        "SELECT type, name, sql FROM sqlite_schema WHERE type IN ('view', 'trigger') ORDER BY name",
    )
    .await
}

async fn log(t: &TestDb) -> Vec<String> {
    t.rows("SELECT msg FROM item_log ORDER BY id")
        .await
        .into_iter()
        .map(|row| row[0].clone().unwrap_or_default())
        .collect()
}

/// Syncs `v2` and checks that it rebuilt `item`, kept its rows and left a
/// database that verifies clean.
async fn rebuild(t: &TestDb) {
    let (plan, report) = t.sync(&v2(), &Policy::allow_warning()).await;
    assert!(report.is_complete(), "{:#?}", plan.changes);
    assert_eq!(plan.changes.len(), 2, "{:#?}", plan.changes);
    assert!(
        plan.statements()
            .iter()
            .any(|sql| sql.starts_with("DROP TABLE \"item\"")),
        "not a rebuild: {:#?}",
        plan.statements()
    );
    assert_eq!(
        t.rows("SELECT id, name, qty FROM item ORDER BY id").await,
        [
            [Some("1".into()), Some("a".into()), Some("1".into())],
            [Some("2".into()), Some("b".into()), Some("2".into())],
        ]
    );
    let verify = t.verify(&v2()).await;
    assert!(verify.is_empty(), "{:#?}", verify.changes);
}

#[tokio::test]
async fn a_rebuild_keeps_the_tables_triggers() {
    let Some(t) = fresh().await else { return };
    t.exec("CREATE TRIGGER item_insert AFTER INSERT ON item BEGIN INSERT INTO item_log (msg) VALUES ('insert ' || NEW.name); END").await;
    let before = objects(&t).await;

    rebuild(&t).await;

    assert_eq!(objects(&t).await, before);
    t.exec("INSERT INTO item (id, name, qty) VALUES (3, 'c', 3)")
        .await;
    assert_eq!(log(&t).await, ["insert c"]);
}

#[tokio::test]
async fn a_rebuild_keeps_views_and_the_triggers_that_name_the_table() {
    let Some(t) = fresh().await else { return };
    for sql in [
        "CREATE TRIGGER item_insert AFTER INSERT ON item BEGIN INSERT INTO item_log (msg) VALUES ('insert ' || NEW.name); END",
        "CREATE TRIGGER item_qty AFTER UPDATE OF qty ON \"item\" BEGIN INSERT INTO item_log (msg) VALUES ('qty ' || NEW.id || '=' || NEW.qty); END",
        "CREATE VIEW item_names AS SELECT id, name FROM item",
        // A view over the view, and a trigger on another table that writes
        // `item`: both break the rename as surely.
        "CREATE VIEW item_names_upper AS SELECT id, upper(name) AS name FROM item_names",
        "CREATE TRIGGER log_poke AFTER INSERT ON item_log WHEN NEW.msg = 'poke' BEGIN UPDATE item SET qty = qty + 100 WHERE id = 1; END",
        // A view of another table only: left alone.
        "CREATE VIEW log_size AS SELECT count(*) AS n FROM item_log",
    ] {
        t.exec(sql).await;
    }
    let before = objects(&t).await;

    rebuild(&t).await;

    assert_eq!(objects(&t).await, before);
    t.exec("INSERT INTO item (id, name, qty) VALUES (3, 'c', 3)")
        .await;
    t.exec("UPDATE item SET qty = 5 WHERE id = 2").await;
    t.exec("INSERT INTO item_log (msg) VALUES ('poke')").await;
    // `poke` runs `log_poke`, whose update of `item` runs `item_qty`.
    assert_eq!(log(&t).await, ["insert c", "qty 2=5", "poke", "qty 1=101"]);
    assert_eq!(
        t.rows("SELECT name FROM item_names_upper ORDER BY id")
            .await,
        [[Some("A".into())], [Some("B".into())], [Some("C".into())]]
    );
    assert_eq!(
        t.rows("SELECT qty FROM item WHERE id = 1").await,
        [[Some("101".into())]]
    );
    assert_eq!(t.rows("SELECT n FROM log_size").await, [[Some("4".into())]]);
}

/// A column renamed by the same rebuild (the planner folds renames into a
/// rebuild of their table): the views and triggers come back naming the
/// new column.
#[tokio::test]
async fn a_rebuild_that_renames_rewrites_views_and_triggers() {
    let Some(t) = fresh().await else { return };
    t.exec("CREATE TRIGGER item_insert AFTER INSERT ON item BEGIN INSERT INTO item_log (msg) VALUES ('insert ' || NEW.name); END").await;
    t.exec("CREATE VIEW item_names AS SELECT id, name AS label FROM item")
        .await;
    let live = m_runtime::introspect(&t.db).await.expect("introspect");
    let live = live.table("item").expect("item");
    let mut target = v2().tables.remove("item").expect("item");
    target.rename_columns(|c| (c == "name").then(|| "title".to_owned()));
    let q = |c: &str| format!("\"{c}\"");
    let sources = [
        ("id".to_owned(), q("id")),
        ("title".to_owned(), q("name")),
        ("qty".to_owned(), q("qty")),
    ];
    let dialect = t.db.backend().dialect();
    let statements = dialect.rebuild_table(live, &target, &sources);
    t.exec("PRAGMA foreign_keys = OFF").await;
    t.exec("BEGIN").await;
    for sql in &statements {
        t.exec(sql).await;
    }
    t.exec("COMMIT").await;
    t.exec("PRAGMA foreign_keys = ON").await;

    let live = m_runtime::introspect(&t.db).await.expect("introspect");
    assert_eq!(live.table("item"), Some(&target));
    t.exec("INSERT INTO item (id, title, qty) VALUES (3, 'c', 3)")
        .await;
    assert_eq!(log(&t).await, ["insert c"]);
    assert_eq!(
        t.rows("SELECT label FROM item_names ORDER BY id").await,
        [[Some("a".into())], [Some("b".into())], [Some("c".into())]]
    );
}
