//! Tables that reference each other: a sync creates them all, closes the
//! cycle's foreign keys (inline on SQLite, with `ALTER TABLE ... ADD
//! CONSTRAINT` once the referenced table exists elsewhere), and the keys
//! introspect back as declared, are enforced, and verify clean.

use m_runtime::Policy;
use m_runtime::diff::{Change, diff};
use m_runtime::plan::{build, prepare};
use m_runtime::schema::{Column, ForeignKey, LogicalType as T, ReferentialAction, Schema, Table};
use m_tests::{Backend, TestDb, all_backends};

/// `table` with an `id` primary key and one nullable reference column per
/// `(column, referenced table)`.
fn table(name: &str, references: &[(&str, &str)]) -> Table {
    let mut table = Table::new(name)
        .column(Column::new("id", T::I64))
        .primary_key(["id"]);
    for (column, target) in references {
        table = table
            .column(Column::new(*column, T::I64).nullable())
            .foreign_key(ForeignKey::new(
                name,
                vec![(*column).into()],
                *target,
                vec!["id".into()],
                ReferentialAction::NoAction,
            ));
    }
    table
}

fn schema(tables: impl IntoIterator<Item = Table>) -> Schema {
    let mut schema = Schema::default();
    for table in tables {
        schema.insert(table);
    }
    schema
}

/// The foreign keys of every table as the database reports them equal the
/// declared ones, names included.
async fn assert_foreign_keys_as_declared(t: &TestDb, desired: &Schema) {
    let live = m_runtime::introspect(&t.db).await.expect("introspect");
    for want in desired.tables.values() {
        let have = live
            .table(&want.name)
            .unwrap_or_else(|| panic!("table `{}` was created", want.name));
        let sorted = |fks: &[ForeignKey]| {
            let mut fks = fks.to_vec();
            fks.sort_by(|a, b| a.name.cmp(&b.name));
            fks
        };
        assert_eq!(
            sorted(&have.foreign_keys),
            sorted(&want.foreign_keys),
            "foreign keys of `{}`",
            want.name
        );
    }
}

/// An insert that breaks a foreign key fails with the database's error.
async fn assert_rejected(t: &TestDb, sql: &str) {
    let result = t.db.execute(sql).await;
    assert!(
        result.is_err(),
        "accepted, though it breaks a foreign key: {sql}"
    );
}

/// The plan's SQL closes the forward reference `fk` to `ref_table` the way
/// the dialect can: an `ALTER TABLE ... ADD CONSTRAINT` after the referenced
/// table's creation, or (SQLite, which cannot add a foreign key in place)
/// inline.
fn assert_cycle_closed_for(t: &TestDb, statements: &[&str], fk: &str, ref_table: &str) {
    let position = |wanted: &dyn Fn(&str) -> bool| statements.iter().position(|s| wanted(s));
    let alter = position(&|s| s.starts_with("ALTER TABLE") && s.contains(fk));
    let create = format!(
        "CREATE TABLE {}",
        t.db.backend().dialect().quote_ident(ref_table)
    );
    let created = position(&|s| s.starts_with(&create));
    match t.backend {
        Backend::Sqlite => assert_eq!(alter, None, "{statements:#?}"),
        Backend::Postgres | Backend::Mysql => {
            let (Some(alter), Some(created)) = (alter, created) else {
                panic!("no `{create}` followed by an ALTER adding `{fk}`: {statements:#?}");
            };
            assert!(created < alter, "{statements:#?}");
            assert!(
                statements[alter].contains("ADD CONSTRAINT"),
                "{statements:#?}"
            );
            assert_eq!(
                statements.iter().filter(|s| s.contains(fk)).count(),
                1,
                "the key is declared once, by the ALTER: {statements:#?}"
            );
        }
    }
}

all_backends!(two_tables_referencing_each_other, |t| async move {
    let desired = schema([
        table("author", &[("favourite_book_id", "book")]),
        table("book", &[("author_id", "author")]),
    ]);
    let (plan, report) = t.sync(&desired, &Policy::default()).await;
    assert_eq!(report.applied.len(), 2, "{:#?}", plan.changes);
    assert!(report.is_complete(), "{:#?}", report.blocked);
    // `book` is created first; its key to `author` closes the cycle.
    assert_cycle_closed_for(&t, &plan.statements(), "fk_book__author_id", "author");

    assert_foreign_keys_as_declared(&t, &desired).await;
    t.exec("INSERT INTO author (id, favourite_book_id) VALUES (1, NULL)")
        .await;
    t.exec("INSERT INTO book (id, author_id) VALUES (10, 1)")
        .await;
    t.exec("UPDATE author SET favourite_book_id = 10 WHERE id = 1")
        .await;
    assert_rejected(&t, "INSERT INTO book (id, author_id) VALUES (11, 99)").await;
    assert_rejected(
        &t,
        "INSERT INTO author (id, favourite_book_id) VALUES (2, 99)",
    )
    .await;
    let again = t.verify(&desired).await;
    assert!(again.is_empty(), "{:#?}", again.changes);
});

all_backends!(a_table_referencing_itself, |t| async move {
    let desired = schema([table("category", &[("parent_id", "category")])]);
    let (plan, report) = t.sync(&desired, &Policy::default()).await;
    assert_eq!(report.applied.len(), 1, "{:#?}", plan.changes);
    // A self reference needs no second step on any database.
    assert!(
        plan.statements()
            .iter()
            .all(|s| !s.starts_with("ALTER TABLE")),
        "{:#?}",
        plan.statements()
    );

    assert_foreign_keys_as_declared(&t, &desired).await;
    t.exec("INSERT INTO category (id, parent_id) VALUES (1, NULL)")
        .await;
    t.exec("INSERT INTO category (id, parent_id) VALUES (2, 1)")
        .await;
    assert_rejected(&t, "INSERT INTO category (id, parent_id) VALUES (3, 99)").await;
    let again = t.verify(&desired).await;
    assert!(again.is_empty(), "{:#?}", again.changes);
});

all_backends!(three_tables_in_a_cycle, |t| async move {
    // a -> b -> c -> a, and a fourth table pointing into the cycle.
    let desired = schema([
        table("a", &[("b_id", "b")]),
        table("b", &[("c_id", "c")]),
        table("c", &[("a_id", "a")]),
        table("d", &[("a_id", "a"), ("c_id", "c")]),
    ]);
    let (plan, report) = t.sync(&desired, &Policy::default()).await;
    assert_eq!(report.applied.len(), 4, "{:#?}", plan.changes);
    // Created c, b, a, d: c's key to `a` closes the cycle.
    assert_cycle_closed_for(&t, &plan.statements(), "fk_c__a_id", "a");
    assert_foreign_keys_as_declared(&t, &desired).await;

    t.exec("INSERT INTO a (id, b_id) VALUES (1, NULL)").await;
    t.exec("INSERT INTO c (id, a_id) VALUES (3, 1)").await;
    t.exec("INSERT INTO b (id, c_id) VALUES (2, 3)").await;
    t.exec("UPDATE a SET b_id = 2 WHERE id = 1").await;
    t.exec("INSERT INTO d (id, a_id, c_id) VALUES (4, 1, 3)")
        .await;
    for sql in [
        "INSERT INTO a (id, b_id) VALUES (5, 99)",
        "INSERT INTO b (id, c_id) VALUES (5, 99)",
        "INSERT INTO c (id, a_id) VALUES (5, 99)",
        "INSERT INTO d (id, a_id, c_id) VALUES (5, 1, 99)",
    ] {
        assert_rejected(&t, sql).await;
    }
    let again = t.verify(&desired).await;
    assert!(again.is_empty(), "{:#?}", again.changes);
});

all_backends!(a_table_referencing_one_created_after_it, |t| async move {
    // No cycle, but the plan creates the referencing table first: a caller
    // of `build` may order the creations as it likes.
    let desired = schema([table("owner", &[]), table("pet", &[("owner_id", "owner")])]);
    let live = m_runtime::introspect(&t.db).await.expect("introspect");
    let dialect = t.db.backend().dialect();
    let (live, desired) = prepare(dialect, &live, &desired);
    let mut changes = diff(&live, &desired);
    changes.reverse();
    let created: Vec<&str> = changes.iter().map(Change::table).collect();
    assert_eq!(created, ["pet", "owner"]);
    let plan = build(
        t.db.backend().name(),
        dialect,
        &live,
        &desired,
        changes,
        &[None, None],
        &Policy::default(),
    );
    let report = m_runtime::apply(&t.db, &plan).await.expect("apply");
    assert_eq!(report.applied.len(), 2, "{:#?}", plan.changes);
    assert_cycle_closed_for(&t, &plan.statements(), "fk_pet__owner_id", "owner");

    assert_foreign_keys_as_declared(&t, &desired).await;
    t.exec("INSERT INTO owner (id) VALUES (1)").await;
    t.exec("INSERT INTO pet (id, owner_id) VALUES (1, 1)").await;
    assert_rejected(&t, "INSERT INTO pet (id, owner_id) VALUES (2, 99)").await;
    let again = t.verify(&desired).await;
    assert!(again.is_empty(), "{:#?}", again.changes);
});
