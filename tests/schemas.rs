//! PostgreSQL schemas: a DocType may name its schema
//! (`#[doctype(schema = "billing")]`), m creates the schema with its first
//! table, introspects every schema the DocTypes name (and no other), and
//! keys those tables `schema.table`. SQLite, MySQL and MariaDB have no
//! schemas m manages: a DocType that names one is refused before anything
//! is read or written.

use m_runtime::boot::Boot;
use m_runtime::ops::{self, rename_table};
use m_runtime::prelude::*;
use m_runtime::registry::RegistryError;
use m_runtime::risk::Risk;
use m_runtime::schema::{Column, ForeignKey, LogicalType as T, ReferentialAction, Schema, Table};
use m_runtime::{Error, Policy, Registry};
use m_tests::{Backend, TestDb, all_backends};

#[doctype(schema = "billing", app = "ledger")]
pub struct Customer {
    #[field(primary_key)]
    pub id: i64,
    #[field(max_length = 80)]
    pub name: String,
}

/// `invoice` in `billing`, and another `invoice` in `archive` below.
#[doctype(schema = "billing", app = "ledger")]
pub struct Invoice {
    #[field(primary_key)]
    pub id: i64,
    #[field(references = Customer, index)]
    pub customer: i64,
}

#[doctype(schema = "archive", table = "invoice", app = "ledger")]
pub struct ArchivedInvoice {
    #[field(primary_key)]
    pub id: i64,
    #[field(references = Customer)]
    pub customer: Option<i64>,
}

/// A table of the default schema that references one of `billing`.
#[doctype(app = "ledger")]
pub struct Receipt {
    #[field(primary_key)]
    pub id: i64,
    #[field(references = Invoice)]
    pub invoice: i64,
}

fn ledger() -> Registry {
    let mut registry = Registry {
        doctypes: vec![
            Customer::doctype(),
            Invoice::doctype(),
            ArchivedInvoice::doctype(),
            Receipt::doctype(),
        ],
        ..Registry::default()
    };
    registry.sort();
    registry
}

fn id_table(name: &str) -> Table {
    Table::new(name)
        .column(Column::new("id", T::I64))
        .primary_key(["id"])
}

/// Every user table of the database with its schema, as PostgreSQL lists them.
async fn pg_tables(t: &TestDb) -> Vec<String> {
    t.rows(
        "SELECT n.nspname::text || '.' || c.relname::text FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
         AND c.relname NOT LIKE '\\_m\\_%' ORDER BY 1",
    )
    .await
    .into_iter()
    .map(|r| r[0].clone().unwrap_or_default())
    .collect()
}

all_backends!(doctypes_in_two_schemas_sync_and_boot, |t| async move {
    let registry = ledger();
    let desired = registry.schema();
    assert_eq!(
        desired.tables.keys().collect::<Vec<_>>(),
        [
            "archive.invoice",
            "billing.customer",
            "billing.invoice",
            "receipt"
        ]
    );
    assert_eq!(
        t.db.backend().dialect().supports_schemas(),
        t.backend == Backend::Postgres
    );
    if t.backend != Backend::Postgres {
        // Refused before anything is read or written, naming each DocType.
        let error = Boot::new(&t.url)
            .registry(registry)
            .run()
            .await
            .expect_err("no schemas here");
        let Error::Registry(errors) = &error else {
            panic!("{error:?}");
        };
        let tables: Vec<&str> = errors
            .0
            .iter()
            .map(|e| match e {
                RegistryError::SchemaUnsupported {
                    table,
                    backend,
                    doctype,
                    ..
                } => {
                    assert_eq!(backend, t.backend.name());
                    assert!(doctype.as_deref().is_some_and(|d| d.contains("schemas::")));
                    table.as_str()
                }
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            tables,
            ["archive.invoice", "billing.customer", "billing.invoice"]
        );
        let message = error.to_string();
        assert!(
            message.contains("schemas::Customer (app `ledger`), table `billing.customer`, names schema `billing`, but m manages schemas on PostgreSQL only and this database is"),
            "{message}"
        );
        // The library path refuses the same declarations.
        let error = m_runtime::plan(&t.db, &desired, &Policy::default())
            .await
            .expect_err("no schemas here");
        assert!(matches!(error, Error::Registry(_)), "{error:?}");
        assert!(
            m_runtime::introspect(&t.db)
                .await
                .expect("introspect")
                .tables
                .is_empty()
        );
        let error = ops::apply(&t.db, &[ops::create_table(id_table("billing.x"))])
            .await
            .expect_err("no schemas here");
        assert!(
            error
                .to_string()
                .contains("table `billing.x` is in a named schema"),
            "{error}"
        );
        assert!(
            m_runtime::introspect(&t.db)
                .await
                .expect("introspect")
                .tables
                .is_empty()
        );
        return;
    }

    let plan = t.verify(&desired).await;
    let sql = plan
        .changes
        .iter()
        .flat_map(|c| c.sql.iter().cloned())
        .collect::<Vec<_>>()
        .join(";\n");
    assert!(
        plan.changes.iter().all(|c| c.risk == Risk::Safe),
        "{plan:#?}"
    );
    assert_eq!(
        sql.matches(r#"CREATE SCHEMA IF NOT EXISTS "billing""#)
            .count(),
        1,
        "the schema comes once, with its first table: {sql}"
    );
    assert_eq!(
        sql.matches(r#"CREATE SCHEMA IF NOT EXISTS "archive""#)
            .count(),
        1
    );
    assert!(sql.contains(r#"CREATE TABLE "archive"."invoice""#), "{sql}");
    assert!(
        sql.contains(r#"REFERENCES "billing"."customer" ("id")"#),
        "{sql}"
    );
    assert!(
        sql.contains(r#"ON "billing"."invoice" ("customer")"#),
        "{sql}"
    );

    let report = Boot::new(&t.url)
        .registry(registry.clone())
        .run()
        .await
        .expect("first boot");
    assert!(!report.fast_path);
    assert_eq!(
        pg_tables(&t).await,
        [
            "archive.invoice",
            "billing.customer",
            "billing.invoice",
            "public.receipt"
        ]
    );
    // Verify is clean, and the live schema is the declared one.
    assert!(t.verify(&desired).await.is_empty());
    let live = m_runtime::introspect_for(&t.db, &desired)
        .await
        .expect("introspect");
    assert_eq!(
        live.table("archive.invoice")
            .expect("archive.invoice")
            .foreign_keys[0]
            .ref_table,
        "billing.customer"
    );
    assert_eq!(
        live.table("receipt").expect("receipt").foreign_keys[0].ref_table,
        "billing.invoice"
    );
    // The default schema alone does not show the named ones.
    let default_only = m_runtime::introspect(&t.db).await.expect("introspect");
    assert_eq!(default_only.tables.keys().collect::<Vec<_>>(), ["receipt"]);
    // A second boot has nothing to do: its fast path.
    let again = Boot::new(&t.url)
        .registry(registry)
        .run()
        .await
        .expect("second boot");
    assert!(again.fast_path);
    let (plan, report) = t.sync(&desired, &Policy::default()).await;
    assert!(plan.is_empty() && report.applied.is_empty());

    // The foreign keys across schemas hold.
    t.exec("INSERT INTO billing.customer (id, name) VALUES (1, 'Ada')")
        .await;
    t.exec("INSERT INTO billing.invoice (id, customer) VALUES (10, 1)")
        .await;
    t.exec("INSERT INTO receipt (id, invoice) VALUES (100, 10)")
        .await;
    let dangling =
        t.db.execute("INSERT INTO archive.invoice (id, customer) VALUES (5, 99)")
            .await;
    assert!(dangling.is_err(), "the key from archive to billing holds");
});

/// A table made by hand in a named schema introspects and verifies like
/// one m made; a table no DocType declares in that schema is an orphan
/// (unless ignored or retired); a schema no DocType names is not read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hand_made_tables_in_a_named_schema() {
    if !Backend::Postgres.enabled() {
        eprintln!("skipped: postgres excluded by M_TEST_BACKENDS");
        return;
    }
    let t = TestDb::fresh(Backend::Postgres, "schema_by_hand").await;
    t.exec(
        "CREATE SCHEMA billing; CREATE SCHEMA other;
         CREATE TABLE billing.payment (id BIGINT PRIMARY KEY, amount NUMERIC(10,2) NOT NULL, note VARCHAR(40));
         CREATE INDEX ix_payment__note ON billing.payment (note);
         CREATE TABLE billing.stray (id BIGINT PRIMARY KEY);
         CREATE TABLE other.hidden (id BIGINT PRIMARY KEY);
         INSERT INTO billing.payment (id, amount, note) VALUES (1, 9.50, 'first')",
    )
    .await;
    let payment = Table::new("billing.payment")
        .column(Column::new("id", T::I64))
        .column(Column::new(
            "amount",
            T::Decimal {
                precision: 10,
                scale: 2,
            },
        ))
        .column(
            Column::new(
                "note",
                T::String {
                    max_length: Some(40),
                },
            )
            .nullable(),
        )
        .primary_key(["id"])
        .index(["note"], false);
    let mut desired = Schema::default();
    desired.insert(payment.clone());

    let plan = t.verify(&desired).await;
    let kinds: Vec<(&str, &str)> = plan
        .changes
        .iter()
        .map(|c| (c.change.kind(), c.change.table()))
        .collect();
    assert_eq!(kinds, [("orphan_table", "billing.stray")], "{plan:#?}");

    // Ignored or retired, the stray table is not an orphan.
    let mut ignoring = desired.clone();
    ignoring.ignore_tables("billing.str*");
    assert!(t.verify(&ignoring).await.is_empty());
    let mut retiring = desired.clone();
    retiring.retire_table("billing.stray", "ledger");
    let plan = t.verify(&retiring).await;
    assert!(plan.changes.is_empty(), "{plan:#?}");
    assert_eq!(plan.retired.len(), 1);
    assert_eq!(plan.retired[0].table, "billing.stray");

    // A column added to a table of a named schema.
    desired.insert(payment.column(Column::new("memo", T::String { max_length: None }).nullable()));
    desired.ignore_tables("billing.stray");
    let (plan, report) = t.sync(&desired, &Policy::default()).await;
    assert!(report.is_complete(), "{plan:#?}");
    assert_eq!(
        plan.applied()
            .flat_map(|c| c.sql.clone())
            .collect::<Vec<_>>(),
        [r#"ALTER TABLE "billing"."payment" ADD COLUMN "memo" TEXT"#]
    );
    let columns = t
        .rows(
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = 'billing' AND table_name = 'payment' ORDER BY ordinal_position",
        )
        .await;
    assert_eq!(columns.len(), 4);
    assert_eq!(columns[3][0].as_deref(), Some("memo"));
    assert_eq!(
        t.rows("SELECT note::text FROM billing.payment").await,
        [[Some("first".to_owned())]]
    );
    let (plan, _) = t.sync(&desired, &Policy::default()).await;
    assert!(plan.is_empty(), "a second sync is a no-op: {plan:#?}");
}

/// Moving a table into another schema is a rename: BREAKING, never done by
/// sync, and a migration's `rename_table` moves it with its rows, indexes
/// and the foreign keys that point at it (also back to the default schema,
/// and renamed within a schema).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_a_table_between_schemas_keeps_its_rows() {
    if !Backend::Postgres.enabled() {
        eprintln!("skipped: postgres excluded by M_TEST_BACKENDS");
        return;
    }
    let t = TestDb::fresh(Backend::Postgres, "schema_move").await;
    let invoice = |name: &str| {
        id_table(name)
            .column(Column::new("total", T::I32))
            .index(["total"], false)
    };
    let line = |target: &str| {
        id_table("line")
            .column(Column::new("invoice", T::I64))
            .foreign_key(ForeignKey::new(
                "line",
                vec!["invoice".into()],
                target,
                vec!["id".into()],
                ReferentialAction::Cascade,
            ))
    };
    let mut before = Schema::default();
    before.insert(invoice("invoice"));
    before.insert(line("invoice"));
    t.sync(&before, &Policy::default()).await;
    t.exec("INSERT INTO invoice (id, total) VALUES (1, 10), (2, 20); INSERT INTO line (id, invoice) VALUES (1, 1)")
        .await;

    let mut after = Schema::default();
    after.insert(
        invoice("billing.invoice")
            .renamed_from("invoice")
            .app("ledger"),
    );
    after.insert(line("billing.invoice").app("ledger"));
    let (plan, report) = t.sync(&after, &Policy::allow_warning()).await;
    let [moved] = plan.changes.as_slice() else {
        panic!("{plan:#?}");
    };
    assert_eq!(moved.change.kind(), "rename_table");
    assert_eq!(moved.risk, Risk::Breaking);
    assert!(
        moved
            .reason
            .starts_with("moves table `invoice` to `billing.invoice`"),
        "{}",
        moved.reason
    );
    assert!(report.applied.is_empty(), "sync never moves a table");
    assert_eq!(t.count("invoice").await, 2);
    // `migrate make` writes the move.
    let live = m_runtime::introspect_for(&t.db, &after)
        .await
        .expect("introspect");
    let (live, desired) = m_runtime::plan::prepare(t.db.backend().dialect(), &live, &after);
    let made = ops::make("ledger", "0002_move", None, &plan, &live, &desired, false).expect("make");
    assert!(
        made.source
            .contains(r#"rename_table("invoice", "billing.invoice")"#),
        "{}",
        made.source
    );

    ops::apply(&t.db, &[rename_table("invoice", "billing.invoice")])
        .await
        .expect("move");
    assert!(t.verify(&after).await.is_empty());
    assert_eq!(
        t.rows("SELECT total::text FROM billing.invoice ORDER BY id")
            .await,
        [[Some("10".to_owned())], [Some("20".to_owned())]]
    );
    let ix = t
        .rows("SELECT schemaname::text FROM pg_indexes WHERE indexname = 'ix_invoice__total'")
        .await;
    assert_eq!(ix, [[Some("billing".to_owned())]], "the index moved along");

    // Renamed within its schema, then moved back into the default one.
    ops::apply(&t.db, &[rename_table("billing.invoice", "billing.bill")])
        .await
        .expect("rename within the schema");
    ops::apply(&t.db, &[rename_table("billing.bill", "bill")])
        .await
        .expect("move back");
    let live = m_runtime::introspect(&t.db).await.expect("introspect");
    assert_eq!(live.tables.keys().collect::<Vec<_>>(), ["bill", "line"]);
    assert_eq!(
        live.table("line").expect("line").foreign_keys[0].ref_table,
        "bill"
    );
    assert_eq!(t.count("bill").await, 2);
}

/// Introspection reads the default schema and every named one in the same
/// four catalog queries, however many schemas and tables there are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn introspection_queries_do_not_grow_with_schemas() {
    if !Backend::Postgres.enabled() {
        eprintln!("skipped: postgres excluded by M_TEST_BACKENDS");
        return;
    }
    let t = TestDb::fresh(Backend::Postgres, "schema_queries").await;
    let schemas = |n: usize| {
        let mut schema = Schema::default();
        for s in 0..n {
            for i in 0..10 {
                let name = format!("s{s}.t{i}");
                let mut table = id_table(&name)
                    .column(Column::new("parent", T::I64).nullable())
                    .check(format!("ck_t{i}"), "id > 0");
                if s > 0 {
                    table = table.foreign_key(ForeignKey::new(
                        &name,
                        vec!["parent".into()],
                        format!("s{}.t{i}", s - 1),
                        vec!["id".into()],
                        ReferentialAction::NoAction,
                    ));
                }
                schema.insert(table);
            }
        }
        schema.insert(id_table("plain"));
        schema
    };
    let mut counts = Vec::new();
    for n in [1, 6] {
        let desired = schemas(n);
        let (_, report) = t.sync(&desired, &Policy::default()).await;
        assert!(report.is_complete());
        let before = t.db.query_count();
        let live = m_runtime::introspect_for(&t.db, &desired)
            .await
            .expect("introspect");
        counts.push(t.db.query_count() - before);
        assert_eq!(live.tables.len(), n * 10 + 1);
        assert!(t.verify(&desired).await.is_empty());
    }
    assert_eq!(
        counts,
        [4, 4],
        "four catalog queries, whatever the number of schemas"
    );
}
