//! The executor: table rebuilds keep rows, indexes and the foreign keys that
//! point at the rebuilt table; a failing sync leaves nothing half-applied
//! where the backend's DDL is transactional.

use m_runtime::schema::{
    Column, DefaultValue, ForeignKey, LogicalType as T, ReferentialAction, Schema, Table,
};
use m_runtime::{Error, Policy};
use m_tests::{Backend, all_backends};

fn schema(owner_name_len: u32, rating: bool) -> Schema {
    let mut owner = Table::new("owner")
        .column(Column::new("id", T::I64))
        .column(Column::new(
            "name",
            T::String {
                max_length: Some(owner_name_len),
            },
        ))
        .primary_key(["id"])
        .index(["name"], true);
    if rating {
        owner = owner.column(Column::new("rating", T::I32).default(DefaultValue::Int(0)));
        owner
            .columns
            .iter_mut()
            .find(|c| c.name == "name")
            .expect("name")
            .nullable = true;
    }
    let item = Table::new("item")
        .column(Column::new("id", T::I64))
        .column(Column::new("owner_id", T::I64))
        .primary_key(["id"])
        .index(["owner_id"], false)
        .foreign_key(ForeignKey::new(
            "item",
            vec!["owner_id".into()],
            "owner",
            vec!["id".into()],
            ReferentialAction::Cascade,
        ));
    let mut s = Schema::default();
    s.insert(owner);
    s.insert(item);
    s
}

all_backends!(
    rebuild_keeps_rows_indexes_and_incoming_foreign_keys,
    |t| async move {
        t.sync(&schema(40, false), &Policy::default()).await;
        t.exec("INSERT INTO owner (id, name) VALUES (1, 'ann'), (2, 'bob'), (3, 'cy')")
            .await;
        t.exec("INSERT INTO item (id, owner_id) VALUES (10, 1), (11, 1), (12, 2)")
            .await;
        let owners = t.rows("SELECT id, name FROM owner ORDER BY id").await;

        // Widen `name`, drop its NOT NULL, add a column with a default: on SQLite
        // all three are one rebuild of `owner`, which `item` references.
        let after = schema(120, true);
        let (plan, report) = t.sync(&after, &Policy::default()).await;
        // SQLite stores strings of any length alike: the widening is no change there.
        let changes = if t.backend == Backend::Sqlite { 2 } else { 3 };
        assert_eq!(report.applied.len(), changes, "{:#?}", plan.changes);
        if t.backend == Backend::Sqlite {
            assert!(
                report.applied[0]
                    .sql
                    .iter()
                    .any(|s| s.starts_with("CREATE TABLE \"_m_rebuild_owner\""))
            );
        }
        assert!(
            t.verify(&after).await.is_empty(),
            "the rebuilt table matches the declaration"
        );
        assert_eq!(
            t.rows("SELECT id, name FROM owner ORDER BY id").await,
            owners,
            "rows survive"
        );
        assert_eq!(
            t.rows("SELECT rating FROM owner ORDER BY id").await,
            vec![vec![Some("0".to_string())]; 3]
        );

        let live = m_runtime::introspect(&t.db).await.expect("introspect");
        let owner = live.table("owner").expect("owner");
        assert!(
            owner
                .indexes
                .iter()
                .any(|i| i.unique && i.columns == ["name"]),
            "unique index survives: {:?}",
            owner.indexes
        );
        let item = live.table("item").expect("item");
        assert!(
            item.foreign_keys.iter().any(|f| f.ref_table == "owner"),
            "incoming foreign key survives"
        );

        // ...and is still enforced, with its ON DELETE rule.
        let conn = t.reconnect().await;
        assert!(
            conn.execute("INSERT INTO item (id, owner_id) VALUES (20, 99)")
                .await
                .is_err(),
            "dangling reference rejected"
        );
        conn.execute("DELETE FROM owner WHERE id = 1")
            .await
            .expect("delete owner");
        assert_eq!(t.count("item").await, 1, "ON DELETE CASCADE still applies");
    }
);

all_backends!(failing_sync_applies_nothing, |t| async move {
    let mut desired = Schema::default();
    desired.insert(
        Table::new("a_fine")
            .column(Column::new("id", T::I64))
            .primary_key(["id"]),
    );
    desired.insert(
        Table::new("broken")
            .column(Column::new("id", T::I64))
            .column(Column::new(
                "bad",
                T::Custom {
                    sql: "INT CHECK (".into(),
                },
            ))
            .primary_key(["id"]),
    );
    let plan = m_runtime::plan(&t.db, &desired, &Policy::default())
        .await
        .expect("plan");
    let error = m_runtime::apply(&t.db, &plan)
        .await
        .expect_err("the broken table fails");
    let message = m_runtime::Report(&error).to_string();
    assert!(
        message.contains("CREATE TABLE") && message.contains("INT CHECK ("),
        "the error names the statement: {message}"
    );
    let Error::SyncFailed {
        committed, total, ..
    } = &error
    else {
        panic!("a failed sync is Error::SyncFailed: {error:?}");
    };
    assert_eq!(*total, 2);
    let expected_committed = if t.backend == Backend::Mysql { 1 } else { 0 };
    assert_eq!(*committed, expected_committed, "{message}");
    let live = m_runtime::introspect(&t.db).await.expect("introspect");
    match t.backend {
        Backend::Mysql => {
            // MySQL commits each DDL statement: the first table stays, and the error says so.
            assert!(
                message.contains("1 of 2 statement(s) were applied"),
                "{message}"
            );
            assert!(live.table("a_fine").is_some());
        }
        _ => {
            assert!(message.contains("nothing of it was committed"), "{message}");
            assert!(
                live.tables.is_empty(),
                "nothing half-applied: {:?}",
                live.tables.keys()
            );
        }
    }
});
