//! What an error says: the server's own message once, PostgreSQL's DETAIL
//! and HINT kept, and no "at line N" (a line of the server's C source).

use m_runtime::{Error, Report};
use m_tests::{Backend, all_backends};

all_backends!(
    a_rejected_statement_keeps_the_servers_words,
    |t| async move {
        t.exec("CREATE TABLE u (x INTEGER PRIMARY KEY)").await;
        t.exec("INSERT INTO u (x) VALUES (1)").await;
        let error =
            t.db.execute("INSERT INTO u (x) VALUES (1)")
                .await
                .expect_err("a duplicate key");
        let report = Report(&error).to_string();
        let Error::Statement { sql, notes, .. } = &error else {
            panic!("a rejected statement is Error::Statement: {error:?}");
        };
        assert_eq!(sql, "INSERT INTO u (x) VALUES (1)");
        assert!(!report.contains(" at line "), "{report}");
        assert!(
            report.contains("statement: INSERT INTO u (x) VALUES (1)"),
            "{report}"
        );
        let words = match t.backend {
            Backend::Sqlite => "UNIQUE constraint failed: u.x",
            Backend::Postgres => "duplicate key value violates unique constraint \"u_pkey\"",
            Backend::Mysql => "Duplicate entry '1' for key 'PRIMARY'",
        };
        assert_eq!(report.matches(words).count(), 1, "said once: {report}");
        if t.backend == Backend::Postgres {
            assert_eq!(
                notes,
                &[("detail", "Key (x)=(1) already exists.".to_owned())]
            );
            assert!(
                report.contains("\n  detail: Key (x)=(1) already exists."),
                "{report}"
            );
            let error =
                t.db.execute("SELECT no_such_function(1)")
                    .await
                    .expect_err("an unknown function");
            let Error::Statement { notes, .. } = &error else {
                panic!("{error:?}");
            };
            assert!(
                notes.iter().any(|(label, text)| *label == "hint"
                    && text.contains("No function matches the given name and argument types")),
                "{notes:?}"
            );
        } else {
            assert!(notes.is_empty(), "{notes:?}");
        }
    }
);

all_backends!(a_failed_sync_reports_its_cause_once, |t| async move {
    use m_runtime::schema::{Column, LogicalType as T, Schema, Table};
    let mut desired = Schema::default();
    desired.insert(
        Table::new("broken")
            .column(Column::new("id", T::I64))
            .column(Column::new(
                "bad",
                T::Custom {
                    sql: "NO_SUCH_TYPE_AT_ALL(".into(),
                },
            ))
            .primary_key(["id"]),
    );
    let plan = m_runtime::plan(&t.db, &desired, &m_runtime::Policy::default())
        .await
        .expect("plan");
    let error = m_runtime::apply(&t.db, &plan).await.expect_err("fails");
    let report = Report(&error).to_string();
    assert!(
        report.starts_with(
            "the sync stopped at statement 1 of 1: nothing of it was committed\n  caused by: "
        ),
        "{report}"
    );
    assert_eq!(
        report.matches("statement: CREATE TABLE").count(),
        1,
        "{report}"
    );
});
