//! Introspection reads the catalog in a constant number of queries: the
//! count for 300 tables equals the count for 10.

use std::time::Instant;

use m_runtime::Policy;
use m_runtime::schema::{Column, ForeignKey, LogicalType as T, ReferentialAction, Schema, Table};
use m_tests::{Backend, TestDb, all_backends};

/// `n` tables, each with a key, an indexed column, a default, a CHECK
/// constraint, and a foreign key to the previous table.
fn tables(n: usize) -> Schema {
    let mut schema = Schema::default();
    for i in 0..n {
        let name = format!("t{i:03}");
        let mut table = Table::new(&name)
            .column(Column::new("id", T::I64))
            .column(
                Column::new(
                    "title",
                    T::String {
                        max_length: Some(80),
                    },
                )
                .nullable(),
            )
            .column(Column::new("n", T::I32).default(m_runtime::schema::DefaultValue::Int(1)))
            .column(Column::new("parent", T::I64).nullable())
            .primary_key(["id"])
            .index(["title"], false)
            .check(format!("ck_{name}_n"), "n >= 0");
        if i > 0 {
            table = table.foreign_key(ForeignKey::new(
                &name,
                vec!["parent".into()],
                format!("t{:03}", i - 1),
                vec!["id".into()],
                ReferentialAction::Cascade,
            ));
        }
        schema.insert(table);
    }
    schema
}

all_backends!(queries_do_not_grow_with_tables, |t| async move {
    let mut counts = Vec::new();
    for n in [10, 300] {
        let desired = tables(n);
        let started = Instant::now();
        let (_, report) = t.sync(&desired, &Policy::default()).await;
        assert!(report.is_complete());
        let synced = started.elapsed();
        let before = t.db.query_count();
        let started = Instant::now();
        let live = m_runtime::introspect(&t.db).await.expect("introspect");
        let took = started.elapsed();
        let queries = t.db.query_count() - before;
        assert_eq!(live.tables.len(), n);
        assert!(live.tables.values().all(|t| t.checks.len() == 1));
        assert!(
            t.verify(&desired).await.is_empty(),
            "{n} tables must diff to nothing after the sync"
        );
        eprintln!(
            "{}: {n} tables: introspection {queries} queries in {took:?}; sync of {} new tables in {synced:?}",
            t.backend.name(),
            report.applied.len()
        );
        counts.push(queries);
    }
    assert_eq!(
        counts[0], counts[1],
        "introspection queries must not grow with the number of tables"
    );
});

/// MariaDB: each catalog query reads `information_schema` for the current
/// database alone (EXPLAIN never says "Scanned all databases"), so what
/// else the server holds costs introspection nothing; tables of another
/// database are not read and the query count stays the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_catalog_queries_read_one_database() {
    if !Backend::Mysql.enabled() {
        eprintln!("skipped: mysql excluded by M_TEST_BACKENDS");
        return;
    }
    let t = TestDb::fresh(Backend::Mysql, "one_database").await;
    let elsewhere = TestDb::fresh(Backend::Mysql, "elsewhere").await;
    let unrelated: Vec<String> = (0..20)
        .map(|i| format!("CREATE TABLE other{i} (id BIGINT PRIMARY KEY, parent BIGINT, CONSTRAINT fk_other{i} FOREIGN KEY (parent) REFERENCES other{i} (id))"))
        .collect();
    elsewhere.exec(&unrelated.join(";\n")).await;
    let desired = tables(5);
    t.sync(&desired, &Policy::default()).await;

    for sql in m_runtime::backend::mysql::CATALOG_QUERIES {
        let plan = t.rows(&format!("EXPLAIN {sql}")).await;
        for row in &plan {
            let extra = row.last().cloned().flatten().unwrap_or_default();
            assert!(
                !extra.contains("Scanned all databases"),
                "a catalog query scans every database on the server:\n{sql}\n{plan:?}"
            );
        }
    }
    let before = t.db.query_count();
    let mut live = m_runtime::introspect(&t.db).await.expect("introspect");
    assert_eq!(t.db.query_count() - before, 4, "four catalog queries");
    // The catalog spells a check in its own words (`n` quoted).
    for table in live.tables.values_mut() {
        for check in &mut table.checks {
            assert_eq!(check.expr, "`n` >= 0");
            check.expr = "n >= 0".into();
        }
    }
    assert_eq!(live, desired, "only this database's tables, exactly");
}
