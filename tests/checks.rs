//! CHECK constraints on the three backends (issue #10, item 6): a declared
//! check is created and verifies clean (no phantom change from the
//! catalog's rewrite of its expression), a new check counts the rows that
//! violate it exactly and is BREAKING while any does, dropping one the code
//! no longer declares is a WARNING (like a foreign key or a unique index:
//! no row changes, but somebody may have added it on purpose), applied with
//! `--allow-warning`, a changed expression is a drop (SAFE: its replacement
//! carries the risk) and an add, and a check added by raw DDL is reported
//! as the same WARNING `drop_check`.

use m_runtime::Policy;
use m_runtime::plan::{Action, Plan, PlannedChange};
use m_runtime::risk::Risk;
use m_runtime::schema::{Column, LogicalType as T, Schema, Table};
use m_tests::{Backend, TestDb, all_backends};

fn schema(tables: impl IntoIterator<Item = Table>) -> Schema {
    let mut s = Schema::default();
    tables.into_iter().for_each(|t| s.insert(t));
    s
}

fn product() -> Table {
    Table::new("product")
        .column(Column::new("id", T::I64))
        .column(Column::new(
            "price",
            T::Decimal {
                precision: 10,
                scale: 2,
            },
        ))
        .column(
            Column::new(
                "status",
                T::String {
                    max_length: Some(10),
                },
            )
            .nullable(),
        )
        .column(Column::new("qty", T::I32).nullable())
        .primary_key(["id"])
}

/// The one change of `kind` in the plan.
fn change<'a>(plan: &'a Plan, kind: &str) -> &'a PlannedChange {
    let found: Vec<&PlannedChange> = plan
        .changes
        .iter()
        .filter(|c| c.change.kind() == kind)
        .collect();
    assert_eq!(found.len(), 1, "one {kind} in {:#?}", plan.changes);
    found[0]
}

fn kinds(plan: &Plan) -> Vec<&'static str> {
    plan.changes.iter().map(|c| c.change.kind()).collect()
}

/// Inserts a row that the check `price_positive` would reject, expecting
/// the database to refuse it: proof the check is in force.
async fn rejects_negative_price(t: &TestDb) {
    let refused =
        t.db.execute("INSERT INTO product (id, price) VALUES (999, -1)")
            .await;
    assert!(refused.is_err(), "a negative price was accepted");
}

all_backends!(
    a_declared_check_is_created_and_verifies_clean,
    |t| async move {
        let desired = schema([product()
            .check("price_positive", "price >= 0")
            .check(
                "status_known",
                "status IN ('draft', 'live') OR status IS NULL",
            )
            .check(
                "qty_small",
                "qty * (qty + 1) < 1000000 AND lower(status) <> 'x'",
            )]);
        let (plan, report) = t.sync(&desired, &Policy::default()).await;
        assert!(report.is_complete(), "{:#?}", plan.changes);
        let live = m_runtime::introspect(&t.db).await.expect("introspect");
        let mut names: Vec<&str> = live.tables["product"]
            .checks
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        names.sort();
        assert_eq!(names, ["price_positive", "qty_small", "status_known"]);
        let after = t.verify(&desired).await;
        assert!(
            after.changes.is_empty(),
            "phantom changes after sync: {:#?}",
            after.changes
        );
        rejects_negative_price(&t).await;
    }
);

all_backends!(a_new_check_counts_the_rows_it_rejects, |t| async move {
    t.sync(&schema([product()]), &Policy::default()).await;
    t.exec(
        "INSERT INTO product (id, price, status) VALUES \
         (1, 5, 'live'), (2, -1, 'live'), (3, -2.5, NULL), (4, 0, 'gone')",
    )
    .await;
    // Two negative prices: BREAKING with the count, even with --allow-warning.
    let desired = schema([product().check("price_positive", "price >= 0")]);
    let (plan, report) = t.sync(&desired, &Policy::allow_warning()).await;
    let add = change(&plan, "add_check");
    assert_eq!(add.measured, Some(2), "{}", add.reason);
    assert_eq!(add.risk, Risk::Breaking, "{}", add.reason);
    assert!(add.reason.contains("2 row(s) violate it"), "{}", add.reason);
    assert!(report.applied.is_empty());
    assert_eq!(t.count("product").await, 4, "no row touched");
    // A NULL passes a check: only 'gone' violates this one.
    let desired = schema([product().check("status_known", "status IN ('draft', 'live')")]);
    let plan = t.verify(&desired).await;
    assert_eq!(change(&plan, "add_check").measured, Some(1));
    // Once the rows are fixed: a measured WARNING, applied with --allow-warning.
    t.exec("UPDATE product SET price = 0 WHERE price < 0").await;
    let desired = schema([product().check("price_positive", "price >= 0")]);
    let plan = t.verify(&desired).await;
    let add = change(&plan, "add_check");
    assert_eq!(add.measured, Some(0));
    assert_eq!(add.risk, Risk::Warning, "{}", add.reason);
    assert!(!add.is_applied(), "the default policy holds a WARNING back");
    let (_, report) = t.sync(&desired, &Policy::allow_warning()).await;
    assert_eq!(report.applied.len(), 1);
    assert!(t.verify(&desired).await.changes.is_empty());
    rejects_negative_price(&t).await;
    assert_eq!(t.count("product").await, 4);
});

all_backends!(a_check_on_a_column_added_in_the_same_plan, |t| async move {
    t.sync(&schema([product()]), &Policy::default()).await;
    t.exec("INSERT INTO product (id, price) VALUES (1, 5), (2, 6)")
        .await;
    // The new column holds its default in every row when the check runs.
    let with = |default: i64| {
        schema([product()
            .column(
                Column::new("stock", T::I64).default(m_runtime::schema::DefaultValue::Int(default)),
            )
            .check("stock_positive", "stock >= 0")])
    };
    let plan = t.verify(&with(-1)).await;
    let add = change(&plan, "add_check");
    assert_eq!(add.measured, Some(2), "{}", add.reason);
    assert_eq!(add.risk, Risk::Breaking);
    let (plan, report) = t.sync(&with(3), &Policy::allow_warning()).await;
    assert_eq!(change(&plan, "add_check").measured, Some(0));
    assert_eq!(report.applied.len(), 2, "{:#?}", plan.changes);
    assert!(t.verify(&with(3)).await.changes.is_empty());
    // A new nullable column holds NULL, which passes (PostgreSQL reads
    // the NULL with the column's type).
    let nullable = schema([product()
        .column(Column::new("stock", T::I64).default(m_runtime::schema::DefaultValue::Int(3)))
        .column(Column::new("reserved", T::I64).nullable())
        .check("stock_positive", "stock >= 0")
        .check("reserved_positive", "reserved >= 0")]);
    let (plan, report) = t.sync(&nullable, &Policy::allow_warning()).await;
    let add = change(&plan, "add_check");
    assert_eq!(add.measured, Some(0), "{}", add.reason);
    assert_eq!(add.risk, Risk::Warning);
    assert_eq!(report.applied.len(), 2, "{:#?}", plan.changes);
});

all_backends!(dropping_a_check_is_a_warning, |t| async move {
    let with = schema([product().check("price_positive", "price >= 0")]);
    t.sync(&with, &Policy::default()).await;
    t.exec("INSERT INTO product (id, price) VALUES (1, 5)")
        .await;
    let without = schema([product()]);
    let (plan, report) = t.sync(&without, &Policy::default()).await;
    let drop = change(&plan, "drop_check");
    assert_eq!(drop.risk, Risk::Warning, "{}", drop.reason);
    assert!(!drop.is_applied(), "not without --allow-warning");
    assert!(report.applied.is_empty());
    rejects_negative_price(&t).await;
    let (plan, report) = t.sync(&without, &Policy::allow_warning()).await;
    let drop = change(&plan, "drop_check");
    assert!(drop.is_applied());
    assert_eq!(report.applied.len(), 1);
    assert!(t.verify(&without).await.changes.is_empty());
    t.exec("INSERT INTO product (id, price) VALUES (2, -1)")
        .await;
    assert_eq!(t.count("product").await, 2, "rows kept");
});

all_backends!(a_changed_expression_is_a_drop_and_an_add, |t| async move {
    t.sync(
        &schema([product().check("price_positive", "price >= 0")]),
        &Policy::default(),
    )
    .await;
    t.exec("INSERT INTO product (id, price) VALUES (1, 0), (2, 5)")
        .await;
    let stricter = schema([product().check("price_positive", "price > 0")]);
    let plan = t.verify(&stricter).await;
    assert_eq!(kinds(&plan), ["drop_check", "add_check"]);
    let add = change(&plan, "add_check");
    assert_eq!(add.measured, Some(1), "{}", add.reason);
    assert_eq!(add.risk, Risk::Breaking);
    // The old check stays while its replacement is blocked.
    let drop = change(&plan, "drop_check");
    assert!(
        matches!(&drop.action, Action::Blocked(why) if why.contains("replaces it")),
        "{:?}",
        drop.action
    );
    let (_, report) = t.sync(&stricter, &Policy::allow_warning()).await;
    assert!(report.applied.is_empty());
    rejects_negative_price(&t).await;
    t.exec("UPDATE product SET price = 1 WHERE price = 0").await;
    let (_, report) = t.sync(&stricter, &Policy::allow_warning()).await;
    assert_eq!(report.applied.len(), 2);
    assert!(t.verify(&stricter).await.changes.is_empty());
    let refused =
        t.db.execute("INSERT INTO product (id, price) VALUES (3, 0)")
            .await;
    assert!(refused.is_err(), "the new check is in force");
});

all_backends!(
    a_strangers_check_is_reported_as_a_safe_drop,
    |t| async move {
        let desired = schema([product()]);
        t.sync(&desired, &Policy::default()).await;
        t.exec("INSERT INTO product (id, price, qty) VALUES (1, 5, 3)")
            .await;
        // Added by hand (SQLite cannot add a constraint: a hand rebuild of
        // the table m created, with the check added to its statement).
        match t.backend {
            Backend::Sqlite => {
                let create = t
                    .rows("SELECT sql FROM sqlite_schema WHERE name = 'product'")
                    .await[0][0]
                    .clone()
                    .expect("sql");
                let end = create.rfind(')').expect("closing parenthesis");
                let create = format!("{}, CONSTRAINT qty_cap CHECK (qty < 100))", &create[..end])
                    .replacen("\"product\"", "product2", 1);
                t.exec(&create).await;
                t.exec("INSERT INTO product2 SELECT id, price, status, qty FROM product")
                    .await;
                t.exec("DROP TABLE product").await;
                t.exec("ALTER TABLE product2 RENAME TO product").await;
            }
            _ => {
                t.exec("ALTER TABLE product ADD CONSTRAINT qty_cap CHECK (qty < 100)")
                    .await
            }
        }
        let plan = t.verify(&desired).await;
        assert_eq!(kinds(&plan), ["drop_check"], "{:#?}", plan.changes);
        let drop = change(&plan, "drop_check");
        assert_eq!(drop.risk, Risk::Warning, "{}", drop.reason);
        assert!(drop.reason.contains("qty_cap"), "{}", drop.reason);
        let (_, report) = t.sync(&desired, &Policy::allow_warning()).await;
        assert_eq!(report.applied.len(), 1);
        assert!(t.verify(&desired).await.changes.is_empty());
        t.exec("INSERT INTO product (id, price, qty) VALUES (2, 5, 500)")
            .await;
        assert_eq!(t.count("product").await, 2);
    }
);

all_backends!(a_rebuild_keeps_the_checks, |t| async move {
    let desired = schema([product().check("price_positive", "price >= 0")]);
    t.sync(&desired, &Policy::default()).await;
    t.exec("INSERT INTO product (id, price, qty) VALUES (1, 5, NULL)")
        .await;
    // Dropping NOT NULL rebuilds the table on SQLite.
    let mut relaxed = product().check("price_positive", "price >= 0");
    relaxed.columns[1].nullable = true;
    let relaxed = schema([relaxed]);
    let (plan, report) = t.sync(&relaxed, &Policy::default()).await;
    assert!(report.is_complete(), "{:#?}", plan.changes);
    assert!(t.verify(&relaxed).await.changes.is_empty());
    rejects_negative_price(&t).await;
});

// Enumerations stored as text with a CHECK (col IN (...)) -----------------

fn post(values: &str) -> Schema {
    schema([Table::new("post")
        .column(Column::new("id", T::I64))
        .column(Column::new(
            "mood",
            T::String {
                max_length: Some(10),
            },
        ))
        .primary_key(["id"])
        .check("mood_values", format!("mood IN ({values})"))])
}

all_backends!(an_enumeration_gains_and_loses_values, |t| async move {
    t.sync(&post("'ok', 'sad'"), &Policy::default()).await;
    t.exec("INSERT INTO post (id, mood) VALUES (1, 'ok'), (2, 'sad'), (3, 'sad')")
        .await;
    // A value appended (and one inserted): the check widens, SAFE, applied
    // by the default policy.
    let wider = post("'new', 'ok', 'sad', 'meh'");
    let (plan, report) = t.sync(&wider, &Policy::default()).await;
    assert_eq!(kinds(&plan), ["drop_check", "add_check"]);
    let add = change(&plan, "add_check");
    assert_eq!(add.risk, Risk::Safe, "{}", add.reason);
    assert_eq!(add.measured, Some(0));
    assert_eq!(report.applied.len(), 2);
    assert!(t.verify(&wider).await.changes.is_empty());
    t.exec("INSERT INTO post (id, mood) VALUES (4, 'meh')")
        .await;
    // A value removed: measured, the two rows holding `sad` block it.
    let narrower = post("'new', 'ok', 'meh'");
    let (plan, report) = t.sync(&narrower, &Policy::allow_warning()).await;
    let add = change(&plan, "add_check");
    assert_eq!(add.measured, Some(2), "{}", add.reason);
    assert_eq!(add.risk, Risk::Breaking);
    assert!(report.applied.is_empty(), "the old check stays");
    // Once no row holds it: a measured WARNING.
    t.exec("UPDATE post SET mood = 'ok' WHERE mood = 'sad'")
        .await;
    let (plan, report) = t.sync(&narrower, &Policy::allow_warning()).await;
    assert_eq!(change(&plan, "add_check").risk, Risk::Warning);
    assert_eq!(report.applied.len(), 2);
    let refused =
        t.db.execute("INSERT INTO post (id, mood) VALUES (5, 'sad')")
            .await;
    assert!(refused.is_err(), "`sad` is no longer a value");
    assert_eq!(t.count("post").await, 4);
});

/// MariaDB's native ENUM: appending a value is SAFE and applied; removing
/// one counts the rows that hold it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_enum_values() {
    if !Backend::Mysql.enabled() {
        eprintln!("skipped: mysql excluded by M_TEST_BACKENDS");
        return;
    }
    let t = TestDb::fresh(Backend::Mysql, "enum_values").await;
    let posts = |values: &'static str| {
        schema([Table::new("post")
            .column(Column::new("id", T::I64))
            .column(Column::new("mood", T::Custom { sql: values.into() }))
            .primary_key(["id"])])
    };
    t.exec("CREATE TABLE post (id BIGINT NOT NULL PRIMARY KEY, mood ENUM('ok', 'sad') NOT NULL)")
        .await;
    t.exec("INSERT INTO post VALUES (1, 'ok'), (2, 'sad'), (3, 'sad')")
        .await;
    // The declared spelling differs from the catalog's: no change.
    assert!(
        t.verify(&posts("ENUM('ok','sad')"))
            .await
            .changes
            .is_empty()
    );
    // Appended: SAFE, and instant (the server accepts the statement with
    // ALGORITHM=INSTANT, LOCK=NONE).
    let wider = posts("enum('ok', 'sad', 'meh')");
    let plan = t.verify(&wider).await;
    let alter = change(&plan, "alter_column_type");
    assert_eq!(alter.risk, Risk::Safe, "{}", alter.reason);
    assert!(alter.is_applied());
    assert_eq!(alter.impact.algorithm, Some("INSTANT"));
    assert_eq!(alter.sql.len(), 1, "{:?}", alter.sql);
    t.exec(&format!("{}, ALGORITHM=INSTANT, LOCK=NONE", alter.sql[0]))
        .await;
    assert!(t.verify(&wider).await.changes.is_empty());
    // Inserted before the others: SAFE too, but the table is copied.
    let inserted = posts("enum('new', 'ok', 'sad', 'meh')");
    let plan = t.verify(&inserted).await;
    let alter = change(&plan, "alter_column_type");
    assert_eq!(alter.risk, Risk::Safe, "{}", alter.reason);
    assert_eq!(alter.impact.algorithm, Some("COPY"));
    let (_, report) = t.sync(&inserted, &Policy::default()).await;
    assert_eq!(report.applied.len(), 1);
    let narrower = posts("enum('new', 'ok', 'meh')");
    t.exec("INSERT INTO post VALUES (4, 'meh')").await;
    let (plan, report) = t.sync(&narrower, &Policy::allow_warning()).await;
    let alter = change(&plan, "alter_column_type");
    assert_eq!(alter.measured, Some(2), "{}", alter.reason);
    assert_eq!(alter.risk, Risk::Breaking);
    assert!(report.applied.is_empty());
    assert_eq!(
        t.rows("SELECT CAST(mood AS CHAR) FROM post ORDER BY id")
            .await,
        [["ok"], ["sad"], ["sad"], ["meh"]].map(|r| r.map(|v| Some(v.to_string())).to_vec())
    );
}
