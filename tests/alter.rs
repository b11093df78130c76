//! Altering existing tables that hold rows: every kind of in-place change
//! applies, keeps the rows, and leaves a database that diffs to nothing.

use m_runtime::Policy;
use m_runtime::diff::Change;
use m_runtime::schema::{
    Column, DefaultValue, ForeignKey, LogicalType as T, ReferentialAction, Schema, Table,
};
use m_tests::{Backend, all_backends};

fn v1() -> Schema {
    let mut schema = Schema::default();
    schema.insert(
        Table::new("owner")
            .column(Column::new("id", T::I64))
            .primary_key(["id"]),
    );
    schema.insert(
        Table::new("item")
            .column(Column::new("id", T::I64))
            .column(Column::new(
                "name",
                T::String {
                    max_length: Some(20),
                },
            ))
            .column(Column::new("qty", T::I32).nullable())
            .column(
                Column::new(
                    "note",
                    T::String {
                        max_length: Some(40),
                    },
                )
                .nullable()
                .default(DefaultValue::Text("a\\b 'c'".into())),
            )
            .column(Column::new(
                "price",
                T::Decimal {
                    precision: 10,
                    scale: 2,
                },
            ))
            .column(Column::new("owner_id", T::I64).nullable())
            .primary_key(["id"])
            .index(["qty"], false),
    );
    schema
}

/// Widen a varchar and an integer, set NOT NULL, drop NOT NULL, change a
/// default, add a filled NOT NULL column and a column with a default, add
/// an index and a foreign key, drop an index.
fn v2() -> Schema {
    let mut schema = Schema::default();
    schema.insert(
        Table::new("owner")
            .column(Column::new("id", T::I64))
            .primary_key(["id"]),
    );
    schema.insert(
        Table::new("item")
            .column(Column::new("id", T::I64))
            .column(Column::new(
                "name",
                T::String {
                    max_length: Some(60),
                },
            ))
            .column(Column::new("qty", T::I64).nullable())
            .column(
                Column::new(
                    "note",
                    T::String {
                        max_length: Some(40),
                    },
                )
                .default(DefaultValue::Text("b".into())),
            )
            .column(
                Column::new(
                    "price",
                    T::Decimal {
                        precision: 12,
                        scale: 2,
                    },
                )
                .nullable(),
            )
            .column(Column::new("owner_id", T::I64).nullable())
            .column(Column::new(
                "code",
                T::String {
                    max_length: Some(10),
                },
            ))
            .column(Column::new("active", T::Bool).default(DefaultValue::Bool(true)))
            .primary_key(["id"])
            .index(["name"], false)
            .foreign_key(ForeignKey::new(
                "item",
                vec!["owner_id".into()],
                "owner",
                vec!["id".into()],
                ReferentialAction::SetNull,
            )),
    );
    schema
}

all_backends!(in_place_changes_keep_rows, |t| async move {
    t.sync(&v1(), &Policy::default()).await;
    t.exec("INSERT INTO owner (id) VALUES (1)").await;
    t.exec("INSERT INTO item (id, name, qty, price, owner_id) VALUES (1, 'one', 1, 1.5, 1), (2, 'two', NULL, 2.5, NULL), (3, 'three', 3, 3.5, 1)").await;
    let (plan, report) = t.sync(&v2(), &Policy::allow_warning()).await;
    assert!(report.is_complete(), "{:#?}", plan.changes);
    let set_not_null = plan
        .changes
        .iter()
        .find(|c| matches!(c.change, Change::SetNotNull { .. }))
        .expect("set not null");
    // The reason says how this backend carries the change out.
    match t.backend {
        Backend::Postgres => assert!(
            set_not_null
                .reason
                .contains("reads the whole table under an ACCESS EXCLUSIVE lock"),
            "{}",
            set_not_null.reason
        ),
        Backend::Mysql => assert!(
            set_not_null.reason.contains("cannot be rolled back"),
            "{}",
            set_not_null.reason
        ),
        Backend::Sqlite => assert!(
            set_not_null.reason.contains("rebuild of `item`"),
            "{}",
            set_not_null.reason
        ),
    }
    let again = t.verify(&v2()).await;
    assert!(
        again.is_empty(),
        "{}: {:#?}",
        t.backend.name(),
        again.changes
    );
    assert_eq!(t.count("item").await, 3);
    let rows = t
        .rows("SELECT name, note, code FROM item ORDER BY id")
        .await;
    let want = |name: &str| {
        vec![
            Some(name.to_owned()),
            Some("a\\b 'c'".to_owned()),
            Some(String::new()),
        ]
    };
    assert_eq!(rows, vec![want("one"), want("two"), want("three")]);
    // The new default and the dropped fill default.
    t.exec("INSERT INTO item (id, name, code) VALUES (4, 'four', 'x')")
        .await;
    assert_eq!(
        t.rows("SELECT note FROM item WHERE id = 4").await,
        vec![vec![Some("b".to_owned())]]
    );

    // Back: drop the foreign key and the index (WARNING).
    let mut v3 = v2();
    let item = v3.tables.get_mut("item").expect("item");
    item.foreign_keys.clear();
    item.indexes.clear();
    let (plan, report) = t.sync(&v3, &Policy::allow_warning()).await;
    assert!(report.is_complete());
    assert_eq!(plan.changes.len(), 2, "{:#?}", plan.changes);
    assert!(t.verify(&v3).await.is_empty());
});

all_backends!(a_unique_index_on_unbounded_text, |t| async move {
    let mut schema = Schema::default();
    schema.insert(
        Table::new("page")
            .column(Column::new("id", T::I64))
            .column(Column::new("body", T::String { max_length: None }))
            .column(Column::new("tag", T::String { max_length: None }))
            .column(Column::new(
                "title",
                T::String {
                    max_length: Some(1000),
                },
            ))
            .primary_key(["id"])
            .index(["body"], true)
            .index(["tag"], false)
            .index(["title", "id"], false),
    );
    let (plan, report) = t.sync(&schema, &Policy::default()).await;
    if t.backend == Backend::Mysql {
        // A prefix cannot enforce uniqueness: blocked, with what to do.
        let blocked: Vec<_> = report
            .blocked
            .iter()
            .map(|c| format!("{:?}", c.action))
            .collect();
        assert_eq!(blocked.len(), 1, "{:#?}", plan.changes);
        assert!(blocked[0].contains("max_length"), "{blocked:?}");
    } else {
        assert!(report.is_complete());
        assert!(t.verify(&schema).await.is_empty());
    }
    // A plain index on unbounded text works everywhere (a prefix index on MySQL).
    schema
        .tables
        .get_mut("page")
        .expect("page")
        .indexes
        .retain(|i| !i.unique);
    let (_, report) = t.sync(&schema, &Policy::allow_warning()).await;
    assert!(report.is_complete());
    assert!(
        t.verify(&schema).await.is_empty(),
        "{:#?}",
        t.verify(&schema).await.changes
    );
});

all_backends!(a_handmade_unique_constraint_goes, |t| async move {
    let id = match t.backend {
        Backend::Sqlite => "INTEGER",
        _ => "BIGINT",
    };
    t.exec(&format!(
        "CREATE TABLE tag (id {id} PRIMARY KEY, label VARCHAR(20) NOT NULL, note VARCHAR(20), CONSTRAINT tag_label_key UNIQUE (label))"
    ))
    .await;
    t.exec("CREATE INDEX tag_note ON tag (note)").await;
    t.exec("INSERT INTO tag (id, label, note) VALUES (1, 'a', 'x'), (2, 'b', 'x')")
        .await;
    let mut schema = Schema::default();
    schema.insert(
        Table::new("tag")
            .column(Column::new("id", T::I64))
            .column(Column::new(
                "label",
                T::String {
                    max_length: Some(20),
                },
            ))
            .column(
                Column::new(
                    "note",
                    T::String {
                        max_length: Some(20),
                    },
                )
                .nullable(),
            )
            .primary_key(["id"]),
    );
    let (plan, report) = t.sync(&schema, &Policy::allow_warning()).await;
    assert!(report.is_complete());
    assert_eq!(plan.changes.len(), 2, "{:#?}", plan.changes);
    assert!(
        t.verify(&schema).await.is_empty(),
        "{:#?}",
        t.verify(&schema).await.changes
    );
    // The uniqueness is gone with the constraint; the rows stayed.
    t.exec("INSERT INTO tag (id, label) VALUES (3, 'a')").await;
    assert_eq!(t.count("tag").await, 3);
});

all_backends!(dropping_the_index_a_foreign_key_uses, |t| async move {
    let mut schema = Schema::default();
    schema.insert(
        Table::new("owner")
            .column(Column::new("id", T::I64))
            .primary_key(["id"]),
    );
    schema.insert(
        Table::new("pet")
            .column(Column::new("id", T::I64))
            .column(Column::new("owner_id", T::I64))
            .primary_key(["id"])
            .index(["owner_id"], false)
            .foreign_key(ForeignKey::new(
                "pet",
                vec!["owner_id".into()],
                "owner",
                vec!["id".into()],
                ReferentialAction::Cascade,
            )),
    );
    t.sync(&schema, &Policy::default()).await;
    t.exec("INSERT INTO owner (id) VALUES (1)").await;
    t.exec("INSERT INTO pet (id, owner_id) VALUES (1, 1), (2, 1)")
        .await;
    // MySQL needs an index for the key: dropping the declared one gives the
    // key its own in the same statement.
    schema.tables.get_mut("pet").expect("pet").indexes.clear();
    let (plan, report) = t.sync(&schema, &Policy::allow_warning()).await;
    assert!(report.is_complete());
    assert_eq!(plan.changes.len(), 1, "{:#?}", plan.changes);
    let again = t.verify(&schema).await;
    assert!(again.is_empty(), "{:#?}", again.changes);
    // The key still holds.
    t.exec("DELETE FROM owner WHERE id = 1").await;
    assert_eq!(t.count("pet").await, 0);
});
