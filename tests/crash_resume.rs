//! A sync killed between two statements of one change: the next run
//! finishes the job, and no row is lost.
//!
//! The test binary re-runs itself as the child (`crash_child`, a no-op in a
//! normal run) with `M_TEST_CRASH_URL` set; the child syncs and calls
//! `std::process::abort()` just before statement `M_TEST_CRASH_AT`. On
//! MariaDB the statements before it are committed and the journal says so;
//! on PostgreSQL and SQLite the transaction dies with the process.

use m_runtime::diff::Change;
use m_runtime::schema::{Column, DefaultValue, LogicalType as T, Schema, Table};
use m_runtime::{Db, Policy};
use m_tests::{Backend, all_backends};

const URL_VAR: &str = "M_TEST_CRASH_URL";
const AT_VAR: &str = "M_TEST_CRASH_AT";

fn v1() -> Schema {
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
            .primary_key(["id"]),
    );
    schema
}

/// A new NOT NULL column without default on a table with rows (added with a
/// temporary fill default, then the default dropped: two statements), a
/// column with a default, and a new table.
fn v2() -> Schema {
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
            .column(Column::new(
                "code",
                T::String {
                    max_length: Some(10),
                },
            ))
            .column(Column::new("qty", T::I32).default(DefaultValue::Int(5)))
            .primary_key(["id"]),
    );
    schema.insert(
        Table::new("tag")
            .column(Column::new("id", T::I64))
            .column(Column::new(
                "label",
                T::String {
                    max_length: Some(20),
                },
            ))
            .primary_key(["id"])
            .index(["label"], true),
    );
    schema
}

/// The name of [`crash_child`] in this test binary: within this file's
/// module path when the file is a module of a larger binary.
fn child_test_name() -> String {
    module_path!()
        .split_once("::")
        .map_or("crash_child".to_owned(), |(_, module)| {
            format!("{module}::crash_child")
        })
}

/// The child: sync `v2` and die before statement `M_TEST_CRASH_AT`.
#[test]
fn crash_child() {
    let (Ok(url), Ok(at)) = (std::env::var(URL_VAR), std::env::var(AT_VAR)) else {
        return;
    };
    let at: usize = at.parse().expect("statement index");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let db = Db::connect(&url).await.expect("connect");
        let plan = m_runtime::plan(&db, &v2(), &Policy::allow_warning())
            .await
            .expect("plan");
        let _ = m_runtime::apply_observed(&db, &plan, &|done, total, sql| {
            if done == at {
                eprintln!(
                    "child: aborting before statement {} of {total}: {sql}",
                    done + 1
                );
                std::process::abort();
            }
        })
        .await;
        panic!("the child should have aborted before statement {at}");
    });
}

all_backends!(killed_sync_converges_on_rerun, |t| async move {
    t.sync(&v1(), &Policy::default()).await;
    let values: Vec<String> = (1..=50).map(|i| format!("({i}, 'name {i}')")).collect();
    t.exec(&format!(
        "INSERT INTO item (id, name) VALUES {}",
        values.join(", ")
    ))
    .await;

    let plan = m_runtime::plan(&t.db, &v2(), &Policy::allow_warning())
        .await
        .expect("plan");
    let statements = plan.statements();
    // Die between the two statements of the filled column (SQLite rebuilds
    // the table instead: die in the middle of the rebuild).
    let mut offset = 0;
    let mut at = statements.len() / 2;
    for c in plan.applied() {
        if matches!(&c.change, Change::AddColumn { column, .. } if column.name == "code")
            && c.sql.len() >= 2
        {
            at = offset + 1;
            break;
        }
        offset += c.sql.len();
    }
    assert!(at > 0 && at < statements.len(), "{statements:#?}");

    let output = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            &child_test_name(),
            "--nocapture",
            "--test-threads=1",
        ])
        .env(URL_VAR, &t.url)
        .env(AT_VAR, at.to_string())
        .output()
        .expect("spawn the child");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains("child: aborting"),
        "the child did not abort:\n{stderr}"
    );

    let db = t.reconnect().await;
    let live = m_runtime::introspect(&db).await.expect("introspect");
    let code = live.table("item").and_then(|item| item.get_column("code"));
    if t.backend == Backend::Mysql {
        // Committed up to the kill: the column exists with its temporary fill default.
        let code = code.expect("statement 1 was committed");
        assert_eq!(code.default, Some(DefaultValue::Text("".into())));
    } else {
        assert!(code.is_none(), "the transaction must have rolled back");
    }

    let plan = m_runtime::plan(&db, &v2(), &Policy::allow_warning())
        .await
        .expect("re-plan");
    let report = m_runtime::apply(&db, &plan).await.expect("re-run");
    assert!(report.is_complete());
    if t.backend == Backend::Mysql {
        let resumed = report
            .resumed
            .expect("the journal reports the interrupted run");
        assert_eq!((resumed.applied, resumed.total), (at, statements.len()));
        assert!(
            resumed
                .to_string()
                .starts_with("resuming: a previous sync (plan "),
            "{resumed}"
        );
        assert!(resumed.to_string().contains(&format!(
            "stopped after statement {at} of {}",
            statements.len()
        )));
    } else {
        assert_eq!(report.resumed, None);
    }

    let again = m_runtime::plan(&db, &v2(), &Policy::default())
        .await
        .expect("verify");
    assert!(again.is_empty(), "{:#?}", again.changes);
    assert_eq!(t.count("item").await, 50);
    let rows = t.rows("SELECT name, code FROM item ORDER BY id").await;
    let want: Vec<Vec<Option<String>>> = (1..=50)
        .map(|i| vec![Some(format!("name {i}")), Some(String::new())])
        .collect();
    assert_eq!(rows, want);
    // A third run finds nothing, and nothing to resume.
    let report = m_runtime::apply(
        &db,
        &m_runtime::plan(&db, &v2(), &Policy::default())
            .await
            .expect("plan"),
    )
    .await
    .expect("run");
    assert_eq!((report.statements, report.resumed), (0, None));
});
