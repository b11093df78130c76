//! A schema with every logical type, default kind, index and foreign key
//! syncs, and the database m just synced diffs to nothing.

use m_runtime::Policy;
use m_runtime::schema::{
    Column, DefaultValue, ForeignKey, LogicalType as T, ReferentialAction, Schema, Table,
};
use m_tests::{Backend, all_backends};

/// Every portable type, nullable and not, with every kind of default.
pub fn every_type() -> Schema {
    let mut schema = Schema::default();
    schema.insert(
        Table::new("author")
            .column(Column::new("id", T::I64))
            .column(Column::new(
                "name",
                T::String {
                    max_length: Some(140),
                },
            ))
            .primary_key(["id"])
            .index(["name"], true),
    );
    schema.insert(
        Table::new("everything")
            .column(Column::new("id", T::I64))
            .column(Column::new("flag", T::Bool).default(DefaultValue::Bool(true)))
            .column(Column::new("small", T::I16).default(DefaultValue::Int(-3)))
            .column(Column::new("medium", T::I32).default(DefaultValue::Int(0)))
            .column(Column::new("big", T::I64).nullable())
            .column(Column::new("single", T::F32).nullable())
            .column(Column::new("double", T::F64).default(DefaultValue::Float(1.5)))
            .column(
                Column::new(
                    "short_text",
                    T::String {
                        max_length: Some(40),
                    },
                )
                .default(DefaultValue::Text("it's".into())),
            )
            .column(Column::new("long_text", T::String { max_length: None }).nullable())
            .column(Column::new("blob", T::Bytes).nullable())
            .column(Column::new("day", T::Date).nullable())
            .column(Column::new("clock", T::Time).nullable())
            .column(Column::new("local", T::DateTime).nullable())
            .column(Column::new("stamp", T::Timestamp).default(DefaultValue::CurrentTimestamp))
            .column(
                Column::new(
                    "price",
                    T::Decimal {
                        precision: 10,
                        scale: 2,
                    },
                )
                .default(DefaultValue::Float(9.99)),
            )
            .column(Column::new("uid", T::Uuid).nullable())
            .column(Column::new("doc", T::Json).nullable())
            .column(Column::new("author_id", T::I64).nullable())
            .primary_key(["id"])
            .index(["small", "medium"], false)
            .index(["uid"], true)
            .foreign_key(ForeignKey::new(
                "everything",
                vec!["author_id".into()],
                "author",
                vec!["id".into()],
                ReferentialAction::SetNull,
            )),
    );
    // Reserved words as names, composite key.
    schema.insert(
        Table::new("order")
            .column(Column::new(
                "group",
                T::String {
                    max_length: Some(20),
                },
            ))
            .column(Column::new("user", T::I32))
            .column(Column::new("select", T::String { max_length: None }).nullable())
            .primary_key(["group", "user"])
            .index(["select"], false),
    );
    schema
}

all_backends!(every_type_round_trips, |t| async move {
    let desired = every_type();
    let (plan, report) = t.sync(&desired, &Policy::default()).await;
    assert_eq!(plan.changes.len(), 3, "{:#?}", plan.changes);
    assert!(report.is_complete());
    let again = t.verify(&desired).await;
    assert!(
        again.is_empty(),
        "a synced database must diff to nothing, got {:#?}",
        again.changes
    );
    let live = m_runtime::introspect(&t.db).await.expect("introspect");
    for (name, table) in &desired.tables {
        let got = live.table(name).expect("table exists");
        let names: Vec<_> = got.columns.iter().map(|c| c.name.as_str()).collect();
        let want: Vec<_> = table.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, want, "columns of {name}");
        for (g, w) in got.columns.iter().zip(&table.columns) {
            // MySQL stores a timestamp as DATETIME(6) (TIMESTAMP ends in 2038).
            let stored = match (t.backend, &w.ty) {
                (Backend::Mysql, T::Timestamp) => T::DateTime,
                _ => w.ty.clone(),
            };
            assert_eq!(g.ty, stored, "type of {name}.{}", w.name);
            assert_eq!(g.nullable, w.nullable, "nullability of {name}.{}", w.name);
        }
        assert_eq!(got.primary_key, table.primary_key);
    }
});

all_backends!(second_sync_does_nothing, |t| async move {
    let desired = every_type();
    t.sync(&desired, &Policy::default()).await;
    let before = t.db.query_count();
    let (plan, report) = t.sync(&desired, &Policy::default()).await;
    assert!(plan.is_empty());
    assert_eq!(report.statements, 0);
    // Introspection only: no statement was executed.
    assert!(
        t.db.query_count() - before <= 8,
        "{} queries",
        t.db.query_count() - before
    );
});
