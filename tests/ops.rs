//! Typed operations on every backend: a table rename the plan reports
//! (BREAKING, held back, foreign keys followed), the migration `migrate
//! make` derives from it, its operations run with their conversions (rows
//! kept and converted), the inverse operations restoring the old schema
//! and rows, and operations that do not lead to the new schema refused.

use m_runtime::ops::{self, Operation, Sql};
use m_runtime::plan::prepare;
use m_runtime::risk::Risk;
use m_runtime::schema::{Column, ForeignKey, LogicalType, ReferentialAction, Schema, Table};
use m_tests::{TestDb, all_backends};

const TEXT: LogicalType = LogicalType::String { max_length: None };

fn purchase(target: &str) -> Table {
    Table::new("purchase")
        .app("shop")
        .column(Column::new("id", LogicalType::I64))
        .column(Column::new("customer_id", LogicalType::I64))
        .primary_key(["id"])
        .foreign_key(ForeignKey::new(
            "purchase",
            vec!["customer_id".into()],
            target,
            vec!["id".into()],
            ReferentialAction::NoAction,
        ))
}

fn v1() -> Schema {
    let mut schema = Schema::default();
    schema.insert(
        Table::new("customer")
            .app("shop")
            .column(Column::new("id", LogicalType::I64))
            .column(Column::new("name", TEXT))
            .column(Column::new("age", LogicalType::I32))
            .column(Column::new("code", TEXT))
            .column(Column::new("legacy", TEXT).nullable())
            .primary_key(["id"]),
    );
    schema.insert(purchase("customer"));
    schema
}

/// v1 renamed and converted, `legacy` retired (dropped by the migration).
fn v2() -> Schema {
    let mut schema = v2_keeping_legacy_undeclared();
    if let Some(client) = schema.tables.get_mut("client") {
        client.retired_columns.push("legacy".into());
    }
    schema
}

/// v2 where `legacy` is neither declared nor retired: an orphan.
fn v2_keeping_legacy_undeclared() -> Schema {
    let mut schema = Schema::default();
    schema.insert(
        Table::new("client")
            .app("shop")
            .renamed_from("customer")
            .column(Column::new("id", LogicalType::I64))
            .column(Column::new("full_name", TEXT).renamed_from("name"))
            .column(Column::new("age", TEXT))
            .column(Column::new("code", LogicalType::I64))
            .primary_key(["id"]),
    );
    schema.insert(purchase("client"));
    schema
}

fn to_text(column: &str) -> Sql {
    Sql::new(format!("CAST({column} AS TEXT)")).on("mysql", format!("CAST({column} AS CHAR)"))
}

fn to_int(column: &str) -> Sql {
    Sql::new(format!("CAST({column} AS BIGINT)"))
        .on("mysql", format!("CAST({column} AS SIGNED)"))
        .on("sqlite", format!("CAST({column} AS INTEGER)"))
}

/// The operations `migrate make` writes for v1 -> v2, with the
/// conversion expressions written in.
fn up(with_drop: bool) -> Vec<Operation> {
    let mut ops = vec![
        ops::rename_table("customer", "client"),
        ops::rename_column("client", "name", "full_name"),
        ops::convert("client", "age", TEXT, to_text("age")),
        ops::convert("client", "code", LogicalType::I64, to_int("code")),
    ];
    if with_drop {
        ops.push(ops::drop_column("client", "legacy"));
    }
    ops
}

fn down() -> Vec<Operation> {
    vec![
        ops::convert("client", "code", TEXT, to_text("code")),
        ops::convert("client", "age", LogicalType::I32, to_int("age")),
        ops::rename_column("client", "full_name", "name"),
        ops::rename_table("client", "customer"),
    ]
}

async fn seed(t: &TestDb) {
    t.sync(&v1(), &m_runtime::Policy::default()).await;
    t.exec("INSERT INTO customer (id, name, age, code, legacy) VALUES (1, 'Ann', 30, '42', 'x'), (2, 'Bob', 41, '7', NULL)")
        .await;
    t.exec("INSERT INTO purchase (id, customer_id) VALUES (10, 1), (11, 2)")
        .await;
}

fn rows_of(t: &TestDb, table: &str, name: &str) -> String {
    let q = |s: &str| t.db.backend().dialect().quote_ident(s);
    format!(
        "SELECT {}, {}, {}, {} FROM {} ORDER BY {}",
        q("id"),
        q(name),
        q("age"),
        q("code"),
        q(table),
        q("id")
    )
}

fn row(values: [&str; 4]) -> Vec<Option<String>> {
    values.iter().map(|v| Some(v.to_string())).collect()
}

all_backends!(rename_is_reported_and_made, |t| async move {
    seed(&t).await;
    let plan = t.verify(&v2()).await;
    let kinds: Vec<(&str, &str, Risk, bool)> = plan
        .changes
        .iter()
        .map(|c| (c.change.kind(), c.change.table(), c.risk, c.is_applied()))
        .collect();
    assert_eq!(
        kinds.first(),
        Some(&("rename_table", "client", Risk::Breaking, false)),
        "{kinds:#?}"
    );
    assert!(
        !kinds
            .iter()
            .any(|(k, ..)| matches!(*k, "create_table" | "orphan_table")),
        "a rename, not a new table beside an orphan: {kinds:#?}"
    );
    assert!(
        !kinds.iter().any(|(_, table, ..)| *table == "purchase"),
        "the foreign key of `purchase` follows the rename: {kinds:#?}"
    );
    assert!(plan.changes.iter().all(|c| !c.is_applied()), "{kinds:#?}");

    let live = m_runtime::introspect(&t.db).await.expect("introspect");
    let (live, desired) = prepare(t.db.backend().dialect(), &live, &v2());
    let made = ops::make(
        "shop",
        "0002_rename_customer",
        Some("0001_init"),
        &plan,
        &live,
        &desired,
        false,
    )
    .expect("make");
    for expected in [
        r#"ops::rename_table("customer", "client")"#,
        r#"ops::rename_column("client", "name", "full_name")"#,
        r#"todo_conversion!("client.age: i32 -> text")"#,
        r#"todo_conversion!("client.code: text -> i64")"#,
        r#"ops::drop_column("client", "legacy")"#,
        r#"previous: Some("0001_init")"#,
    ] {
        assert!(
            made.source.contains(expected),
            "{expected} in:\n{}",
            made.source
        );
    }
    assert!(!made.reversible, "dropping `legacy` cannot be undone");
    assert_eq!(
        made.placeholders,
        ["client.age: i32 -> text", "client.code: text -> i64"]
    );
    // The operations lead from the recorded old schema to the new one.
    let old = {
        let mut s = Schema::default();
        s.insert(live.table("customer").expect("customer").clone());
        s
    };
    let new = {
        let mut s = Schema::default();
        s.insert(desired.table("client").expect("client").clone());
        s
    };
    ops::leads_to(&old, &up(true), &new).expect("up leads to new");
    // Without the drop it does not, and the error names the last operation.
    let error = ops::leads_to(&old, &up(false), &new).expect_err("refused");
    assert!(
        error.contains(r#"convert("client", "code""#)
            && error.contains("`client.legacy`: orphan_column"),
        "{error}"
    );
    // An orphan nobody retired is not dropped: make refuses, naming it.
    let plan = t.verify(&v2_keeping_legacy_undeclared()).await;
    let (_, undeclared) = prepare(
        t.db.backend().dialect(),
        &live,
        &v2_keeping_legacy_undeclared(),
    );
    let refused = ops::make("shop", "0002_x", None, &plan, &live, &undeclared, false)
        .expect_err("an orphan column");
    assert_eq!(
        refused.to_string(),
        "`client.legacy` is in the database but no field declares it and it is not retired: declare it retired (`#[doctype(retired(columns = [...]))]`) for the migration to drop it, or declare it again; nothing was written"
    );
    let error = ops::leads_to(
        &old,
        &[ops::rename_column("customer", "nom", "full_name")],
        &new,
    )
    .expect_err("refused");
    assert_eq!(
        error,
        r#"operation #1 `rename_column("customer", "nom", "full_name")`: table `customer` has no column `nom`"#
    );
});

all_backends!(
    operations_convert_rows_and_down_restores_them,
    |t| async move {
        seed(&t).await;
        ops::apply(&t.db, &up(false)).await.expect("up");
        let live = m_runtime::introspect(&t.db).await.expect("introspect");
        let client = live.table("client").expect("client renamed");
        assert!(live.table("customer").is_none());
        assert_eq!(client.get_column("age").map(|c| &c.ty), Some(&TEXT));
        assert_eq!(
            client.get_column("code").map(|c| &c.ty),
            Some(&LogicalType::I64)
        );
        assert_eq!(
            live.table("purchase").expect("purchase").foreign_keys[0].ref_table,
            "client",
            "the foreign key follows the renamed table"
        );
        assert_eq!(
            t.rows(&rows_of(&t, "client", "full_name")).await,
            [row(["1", "Ann", "30", "42"]), row(["2", "Bob", "41", "7"])]
        );
        // The inverse restores the old schema and the rows.
        ops::apply(&t.db, &down()).await.expect("down");
        assert!(t.verify(&v1()).await.is_empty(), "back at v1");
        assert_eq!(
            t.rows(&rows_of(&t, "customer", "name")).await,
            [row(["1", "Ann", "30", "42"]), row(["2", "Bob", "41", "7"])]
        );
        // Up again, with the drop of the retired column: the declarations match.
        ops::apply(&t.db, &up(true)).await.expect("up with drop");
        let plan = t.verify(&v2()).await;
        assert!(plan.is_empty(), "{:#?}", plan.changes);
        assert_eq!(t.count("purchase").await, 2);
        // A referencing row still needs its target: the key is enforced.
        let dangling =
            t.db.execute("INSERT INTO purchase (id, customer_id) VALUES (12, 99)")
                .await;
        assert!(dangling.is_err(), "the foreign key to `client` holds");
    }
);

all_backends!(
    an_operation_that_cannot_apply_changes_nothing,
    |t| async move {
        seed(&t).await;
        let error = ops::apply(
            &t.db,
            &[
                ops::rename_column("customer", "name", "full_name"),
                ops::drop_column("customer", "nope"),
            ],
        )
        .await
        .expect_err("refused")
        .to_string();
        assert_eq!(
            error,
            r#"operation #2 `drop_column("customer", "nope")`: table `customer` has no column `nope`"#
        );
        assert!(t.verify(&v1()).await.is_empty(), "nothing ran");
    }
);

#[tokio::test]
async fn a_conversion_without_text_for_the_backend_is_refused_naming_it() {
    let db = m_runtime::Db::connect("sqlite::memory:")
        .await
        .expect("connect");
    db.execute("CREATE TABLE client (id INTEGER PRIMARY KEY NOT NULL, age INTEGER NOT NULL)")
        .await
        .expect("create");
    let op = ops::convert("client", "age", TEXT, Sql::only("postgres", "age::text"));
    let error = ops::apply(&db, &[op])
        .await
        .expect_err("refused")
        .to_string();
    assert_eq!(
        error,
        r#"operation #1 `convert("client", "age", text, {postgres: "age::text"})`: no SQL for sqlite: give it with `Sql::new("...")` or `.on("sqlite", "...")`"#
    );
}

/// The source `migrate make` writes for `old` -> `desired` on SQLite,
/// compared with `tests/golden/<file>` (`M_UPDATE_GOLDEN=1` rewrites it).
async fn assert_made_golden(old: &Schema, desired: &Schema, file: &str) {
    let db = m_runtime::Db::connect("sqlite::memory:")
        .await
        .expect("connect");
    let plan = m_runtime::plan(&db, old, &m_runtime::Policy::default())
        .await
        .expect("plan");
    m_runtime::apply(&db, &plan).await.expect("create");
    let plan = m_runtime::plan(&db, desired, &m_runtime::Policy::default())
        .await
        .expect("plan");
    let live = m_runtime::introspect(&db).await.expect("introspect");
    let (live, desired) = prepare(db.backend().dialect(), &live, desired);
    let made = ops::make(
        "shop",
        "0002_rename_customer",
        Some("0001_init"),
        &plan,
        &live,
        &desired,
        false,
    )
    .expect("make");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("golden")
        .join(file);
    if std::env::var_os("M_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &made.source).expect("write the golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == made.source,
        "{} differs (rerun with M_UPDATE_GOLDEN=1 to accept):\n{}",
        path.display(),
        made.source
    );
}

#[tokio::test]
async fn golden_rename_convert_and_drop() {
    assert_made_golden(&v1(), &v2(), "m0002_rename_customer.rs").await;
}

#[tokio::test]
async fn golden_reversible() {
    let mut old = v1();
    if let Some(customer) = old.tables.get_mut("customer") {
        customer.columns.retain(|c| c.name != "legacy");
    }
    assert_made_golden(&old, &v2(), "m0002_rename_customer.reversible.rs").await;
}

mod registration {
    use m_runtime::Registry;
    use m_runtime::ops::{self, Migration};
    use m_runtime::registry::MigrationDef;

    const A_OLD: &str = r#"{"tables": {"t": {"name": "t", "columns": [{"name": "a", "type": "i64", "nullable": false}]}}}"#;
    const A_NEW: &str = r#"{"tables": {"t": {"name": "t", "columns": [{"name": "b", "type": "i64", "nullable": false}]}}}"#;
    const C_NEW: &str = r#"{"tables": {"t": {"name": "t", "columns": [{"name": "c", "type": "i64", "nullable": false}]}}}"#;

    fn first() -> Migration {
        Migration {
            previous: None,
            up: vec![ops::rename_column("t", "a", "b")],
            down: Some(vec![ops::rename_column("t", "b", "a")]),
            old: A_OLD,
            new: A_NEW,
        }
    }

    /// Starts from `a`, which the first migration renamed away.
    fn stale() -> Migration {
        Migration {
            previous: Some("0001_first"),
            up: vec![ops::rename_column("t", "a", "c")],
            down: None,
            old: A_OLD,
            new: C_NEW,
        }
    }

    /// Names a previous migration that is not the one before it.
    fn wrong_previous() -> Migration {
        Migration {
            previous: Some("0000_gone"),
            up: vec![ops::rename_column("t", "b", "c")],
            down: None,
            old: A_NEW,
            new: C_NEW,
        }
    }

    const fn def(id: &'static str, migration: fn() -> Migration, reversible: bool) -> MigrationDef {
        m_tests::ops_migration(id, migration, reversible, "tests/ops.rs")
    }

    static FIRST: MigrationDef = def("0001_first", first, true);
    static FIRST_NOT_REVERSIBLE: MigrationDef = def("0001_first", first, false);
    static STALE: MigrationDef = def("0002_stale", stale, false);
    static WRONG_PREVIOUS: MigrationDef = def("0002_wrong", wrong_previous, false);

    fn problems(migrations: Vec<&'static MigrationDef>) -> Vec<String> {
        let registry = Registry {
            migrations,
            ..Default::default()
        };
        match registry.validate() {
            Ok(()) => Vec::new(),
            Err(errors) => errors.0.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn a_chain_that_fits_is_valid() {
        assert_eq!(problems(vec![&FIRST]), Vec::<String>::new());
    }

    #[test]
    fn old_must_be_the_previous_migrations_new() {
        assert_eq!(
            problems(vec![&FIRST, &STALE]),
            [
                "migration `shop:0002_stale`: its old schema is not the new schema of `shop:0001_first`, the migration before it (`t.b`: add_column (missing); `t.a`: orphan_column (not in the new schema)); nothing was run"
            ]
        );
    }

    #[test]
    fn previous_must_name_the_migration_before() {
        assert_eq!(
            problems(vec![&FIRST, &WRONG_PREVIOUS]),
            [
                "migration `shop:0002_wrong`: it records `0000_gone` as the migration before it, but the app's migration before it is `0001_first`: regenerate it with `migrate make`, or correct `previous`; nothing was run"
            ]
        );
    }

    #[test]
    fn down_operations_need_reversible() {
        assert_eq!(
            problems(vec![&FIRST_NOT_REVERSIBLE]),
            [
                "migration `shop:0001_first`: it has `down` operations but does not say `reversible`: add `reversible` to its attribute; nothing was run"
            ]
        );
    }
}

/// `migrate make --empty`: no operations, no tables, data bodies only.
#[tokio::test]
async fn an_empty_migration_is_for_data_work() {
    let db = m_runtime::Db::connect("sqlite::memory:")
        .await
        .expect("connect");
    let plan = m_runtime::plan(&db, &v1(), &m_runtime::Policy::default())
        .await
        .expect("plan");
    let made = ops::make(
        "shop",
        "0003_backfill",
        Some("0002_x"),
        &plan,
        &Schema::default(),
        &v1(),
        true,
    )
    .expect("make --empty");
    assert!(
        made.source.contains("up: vec![\n        ],"),
        "{}",
        made.source
    );
    assert!(
        made.source.contains(r##"old: r#"{"tables": {}}"#"##),
        "{}",
        made.source
    );
    assert!(
        made.source.contains("async fn before(db: &Db)"),
        "{}",
        made.source
    );
    assert!(made.reversible && made.placeholders.is_empty());
    // Without --empty, a plan that holds nothing back has nothing to make.
    let refused = ops::make(
        "shop",
        "0003_x",
        None,
        &m_runtime::plan::Plan::default(),
        &Schema::default(),
        &v1(),
        false,
    )
    .expect_err("nothing to make");
    assert!(
        refused
            .to_string()
            .starts_with("the plan holds nothing back for app `shop`"),
        "{refused}"
    );
}

// CHECK constraints as operations: added (the database then refuses a
// violating row), dropped (it accepts one again), and inverted.
all_backends!(a_check_is_added_and_dropped_by_operations, |t| async move {
    t.exec("CREATE TABLE product (id BIGINT NOT NULL PRIMARY KEY, price INTEGER NOT NULL)")
        .await;
    t.exec("INSERT INTO product (id, price) VALUES (1, 5)")
        .await;
    let add = ops::add_check("product", "price_positive", "price >= 0");
    let before = m_runtime::introspect(&t.db).await.expect("introspect");
    ops::apply(&t.db, std::slice::from_ref(&add))
        .await
        .expect("add the check");
    let live = m_runtime::introspect(&t.db).await.expect("introspect");
    let names: Vec<&str> = live
        .table("product")
        .expect("product")
        .checks
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["price_positive"]);
    assert!(
        t.db.execute("INSERT INTO product (id, price) VALUES (2, -1)")
            .await
            .is_err(),
        "the check refuses a negative price"
    );
    let undo = add
        .inverse(&before)
        .expect("an add_check is undone by a drop");
    assert_eq!(
        undo.to_string(),
        r#"drop_check("product", "price_positive")"#
    );
    ops::apply(&t.db, &[undo]).await.expect("drop the check");
    t.exec("INSERT INTO product (id, price) VALUES (2, -1)")
        .await;
    assert_eq!(t.count("product").await, 2, "rows kept through both");
});

// `migrate make` writes a declared check as an operation.
#[tokio::test]
async fn make_writes_check_operations() {
    let product = || {
        Table::new("product")
            .app("shop")
            .column(Column::new("id", LogicalType::I64))
            .column(Column::new("price", LogicalType::I32))
            .primary_key(["id"])
    };
    let mut old = Schema::default();
    old.insert(product());
    let mut desired = Schema::default();
    desired.insert(product().check("price_positive", "price >= 0"));
    let db = m_runtime::Db::connect("sqlite::memory:")
        .await
        .expect("connect");
    let plan = m_runtime::plan(&db, &old, &m_runtime::Policy::default())
        .await
        .expect("plan");
    m_runtime::apply(&db, &plan).await.expect("create");
    db.execute("INSERT INTO product (id, price) VALUES (1, -3)")
        .await
        .expect("a row the check rejects");
    let plan = m_runtime::plan(&db, &desired, &m_runtime::Policy::default())
        .await
        .expect("plan");
    let live = m_runtime::introspect(&db).await.expect("introspect");
    let (live, desired) = prepare(db.backend().dialect(), &live, &desired);
    let made = ops::make(
        "shop",
        "0002_price_check",
        Some("0001_init"),
        &plan,
        &live,
        &desired,
        false,
    )
    .expect("make");
    assert!(
        made.source
            .contains(r#"ops::add_check("product", "price_positive", "price >= 0")"#),
        "{}",
        made.source
    );
    assert!(
        made.source.contains("1 row(s) of `product` violate"),
        "{}",
        made.source
    );
}
