//! The risk engine on the changes that used to go wrong (issue #10): probes
//! that never crash the plan, narrowings measured before any stored value
//! changes, a plan whose "apply" applies on every backend, one column's
//! changes as one unit, and a new nullable foreign key column as SAFE.
//! Every probe's count is asserted on seeded rows.

use m_runtime::Policy;
use m_runtime::plan::{Action, Plan, PlannedChange};
use m_runtime::risk::Risk;
use m_runtime::schema::{
    Column, DefaultValue, ForeignKey, LogicalType as T, ReferentialAction, Schema, Table,
};
use m_tests::{Backend, TestDb, all_backends};

fn schema(tables: impl IntoIterator<Item = Table>) -> Schema {
    let mut s = Schema::default();
    tables.into_iter().for_each(|t| s.insert(t));
    s
}

fn string(n: u32) -> T {
    T::String {
        max_length: Some(n),
    }
}

fn decimal(precision: u8, scale: u8) -> T {
    T::Decimal { precision, scale }
}

fn fk(table: &str, column: &str, target: &str, ref_column: &str) -> ForeignKey {
    ForeignKey::new(
        table,
        vec![column.into()],
        target,
        vec![ref_column.into()],
        ReferentialAction::NoAction,
    )
}

/// The one change of `kind` about `column` (or about the table when `None`).
fn change<'a>(plan: &'a Plan, kind: &str, column: Option<&str>) -> &'a PlannedChange {
    let found: Vec<&PlannedChange> = plan
        .changes
        .iter()
        .filter(|c| c.change.kind() == kind && (column.is_none() || c.change.column() == column))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one {kind} of {column:?} in {:#?}",
        plan.changes
    );
    found[0]
}

fn blocked_because(c: &PlannedChange) -> &str {
    match &c.action {
        Action::Blocked(why) => why,
        Action::Apply => panic!("{} is applied: {c:#?}", c.change.kind()),
    }
}

/// Plans under `--allow-warning`, applies, and checks that every change
/// planned as applicable ran: a fresh plan no longer lists it.
async fn sync_allowing_warnings(t: &TestDb, desired: &Schema) -> Plan {
    let (plan, report) = t.sync(desired, &Policy::allow_warning()).await;
    let after = t.verify(desired).await;
    for applied in &report.applied {
        assert!(
            !after.changes.iter().any(|c| c.change == applied.change),
            "{} was applied but is still pending: {:#?}",
            applied.change.kind(),
            after.changes
        );
    }
    plan
}

async fn count(t: &TestDb, sql: &str) -> i64 {
    t.db.fetch_i64(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .unwrap_or(0)
}

fn owner() -> Table {
    Table::new("owner")
        .column(Column::new("id", T::I64))
        .column(Column::new("code", string(10)))
        .primary_key(["id"])
        .index(["code"], true)
}

fn item() -> Table {
    Table::new("item")
        .column(Column::new("id", T::I64))
        .column(Column::new("owner_id", T::I64).nullable())
        .column(Column::new("owner_code", string(10)).nullable())
        .column(Column::new("qty", T::I64).nullable())
        .column(Column::new("label", string(40)).nullable())
        .primary_key(["id"])
}

/// `owner` (ids 1, 2) and `item` (three rows, referencing owners 1 and 2
/// and 7, which does not exist), without foreign keys.
async fn seeded(t: &TestDb) {
    t.sync(&schema([owner(), item()]), &Policy::default()).await;
    t.exec("INSERT INTO owner (id, code) VALUES (1, 'a'), (2, 'b')")
        .await;
    t.exec(
        "INSERT INTO item (id, owner_id, owner_code, qty, label) VALUES \
         (1, 1, 'a', 5, 'pen'), (2, 2, 'b', 70000, 'ink'), (3, 7, 'z', NULL, 'pad')",
    )
    .await;
}

const ITEMS: &str = "SELECT id, owner_id, owner_code, qty, label FROM item ORDER BY id";

fn map_column(mut table: Table, name: &str, f: impl FnOnce(Column) -> Column) -> Table {
    let i = table
        .columns
        .iter()
        .position(|c| c.name == name)
        .expect("column");
    let column = table.columns.remove(i);
    table.columns.insert(i, f(column));
    table
}

// 1. Probes never crash the plan ------------------------------------------

all_backends!(
    an_incompatible_type_change_is_not_measured,
    |t| async move {
        seeded(&t).await;
        let rows = t.rows(ITEMS).await;
        // i64 to a short string and text to a small integer: no probe
        // compares values of the old type with the new one's limits.
        let desired = schema([
            owner(),
            map_column(
                map_column(item(), "qty", |c| Column { ty: string(3), ..c }),
                "label",
                |c| Column { ty: T::I16, ..c },
            )
            .column(Column::new("note", T::String { max_length: None }).nullable()),
        ]);
        let plan = sync_allowing_warnings(&t, &desired).await;
        for column in ["qty", "label"] {
            let c = change(&plan, "alter_column_type", Some(column));
            assert_eq!(c.risk, Risk::Breaking, "{}", c.reason);
            assert!(c.reason.contains("incompatible"), "{}", c.reason);
            assert_eq!(c.measured, None);
        }
        assert!(change(&plan, "add_column", Some("note")).is_applied());
        assert_eq!(t.rows(ITEMS).await, rows);
    }
);

all_backends!(a_foreign_key_to_a_table_the_plan_creates, |t| async move {
    seeded(&t).await;
    // `holder` is new, so empty: the three items that name an owner dangle.
    let holder = Table::new("holder")
        .column(Column::new("id", T::I64))
        .primary_key(["id"]);
    let desired = schema([
        owner(),
        holder,
        item().foreign_key(fk("item", "owner_id", "holder", "id")),
    ]);
    let plan = sync_allowing_warnings(&t, &desired).await;
    assert!(change(&plan, "create_table", None).is_applied());
    let key = change(&plan, "add_foreign_key", Some("owner_id"));
    assert_eq!(key.measured, Some(3), "{}", key.reason);
    assert_eq!(key.risk, Risk::Breaking);
    assert_eq!(t.count("holder").await, 0);
});

all_backends!(
    a_referenced_table_renamed_is_measured_as_empty,
    |t| async move {
        seeded(&t).await;
        t.exec("DELETE FROM item WHERE id = 3").await;
        t.sync(
            &schema([
                owner(),
                item().foreign_key(fk("item", "owner_id", "owner", "id")),
            ]),
            &Policy::allow_warning(),
        )
        .await;
        // `owner` becomes `person`: to m, a new table and an orphan; the
        // key of `item` moves to the new, empty table.
        let mut person = owner();
        person.name = "person".into();
        person.indexes.clear();
        let desired = schema([
            person,
            item().foreign_key(fk("item", "owner_id", "person", "id")),
        ]);
        let plan = sync_allowing_warnings(&t, &desired).await;
        let key = change(&plan, "add_foreign_key", Some("owner_id"));
        assert_eq!(key.measured, Some(2), "{}", key.reason);
        assert_eq!(key.risk, Risk::Breaking);
        assert_eq!(change(&plan, "orphan_table", None).risk, Risk::Breaking);
        assert_eq!(t.count("owner").await, 2);
    }
);

all_backends!(a_foreign_key_to_a_renamed_column, |t| async move {
    seeded(&t).await;
    // `owner.code` is renamed to `tag` (BREAKING, so held back); the key
    // to it is measured under the live name: one item's code ('z') dangles.
    let owner_renamed = map_column(owner(), "code", |c| {
        Column {
            name: "tag".into(),
            ..c
        }
        .renamed_from("code")
    });
    let mut owner_renamed = owner_renamed;
    owner_renamed.indexes = Vec::new();
    let owner_renamed = owner_renamed.index(["tag"], true);
    let desired = schema([
        owner_renamed,
        item().foreign_key(fk("item", "owner_code", "owner", "tag")),
    ]);
    let plan = t.verify(&desired).await;
    let key = change(&plan, "add_foreign_key", Some("owner_code"));
    assert_eq!(key.measured, Some(1), "{}", key.reason);
    assert_eq!(key.risk, Risk::Breaking);
    assert_eq!(change(&plan, "rename_column", None).risk, Risk::Breaking);
    sync_allowing_warnings(&t, &desired).await;
});

all_backends!(
    a_foreign_key_whose_column_type_also_changes,
    |t| async move {
        seeded(&t).await;
        // `owner_code` (a string) becomes an i64 referencing `owner.id`:
        // the probe compares a string with an integer, as text.
        let desired = schema([
            owner(),
            map_column(item(), "owner_code", |c| Column { ty: T::I64, ..c }).foreign_key(fk(
                "item",
                "owner_code",
                "owner",
                "id",
            )),
        ]);
        let plan = sync_allowing_warnings(&t, &desired).await;
        let key = change(&plan, "add_foreign_key", Some("owner_code"));
        assert_eq!(key.measured, Some(3), "{}", key.reason);
        assert_eq!(key.risk, Risk::Breaking);
        let ty = change(&plan, "alter_column_type", Some("owner_code"));
        assert_eq!(ty.risk, Risk::Breaking);
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_probe_the_database_rejects_is_breaking_and_the_plan_goes_on() {
    if !Backend::Postgres.enabled() {
        return;
    }
    let t = TestDb::fresh(Backend::Postgres, "probe_rejected").await;
    // `point` has no equality operator: counting duplicates for a unique
    // index over it fails (as would the index).
    t.exec("CREATE TABLE spot (id BIGINT PRIMARY KEY, at point)")
        .await;
    t.exec("INSERT INTO spot VALUES (1, '(1,2)'), (2, '(1,2)')")
        .await;
    let spot = Table::new("spot")
        .column(Column::new("id", T::I64))
        .column(
            Column::new(
                "at",
                T::Custom {
                    sql: "point".into(),
                },
            )
            .nullable(),
        )
        .column(Column::new("note", T::String { max_length: None }).nullable())
        .primary_key(["id"])
        .index(["at"], true);
    let desired = schema([spot]);
    let plan = sync_allowing_warnings(&t, &desired).await;
    let index = change(&plan, "add_index", None);
    assert_eq!(index.risk, Risk::Breaking);
    assert!(
        index
            .reason
            .starts_with("could not measure: the database rejected the probe"),
        "{}",
        index.reason
    );
    assert!(index.reason.contains("point"), "{}", index.reason);
    assert!(change(&plan, "add_column", Some("note")).is_applied());
}

// 2. Narrowing that changes stored values is measured ---------------------

fn numbers(columns: &[(&str, T)]) -> Table {
    let mut table = Table::new("num")
        .column(Column::new("id", T::I64))
        .primary_key(["id"]);
    for (name, ty) in columns {
        table = table.column(Column::new(*name, ty.clone()).nullable());
    }
    table
}

all_backends!(
    narrowings_that_change_a_value_are_breaking,
    |t| async move {
        let before = [
            ("d", decimal(6, 2)),
            ("s", decimal(10, 5)),
            ("f", T::F64),
            ("p", decimal(8, 2)),
            ("i", T::I64),
            ("w", string(20)),
            ("j", T::I64),
        ];
        t.sync(&schema([numbers(&before)]), &Policy::default())
            .await;
        t.exec(
            "INSERT INTO num (id, d, s, f, p, i, w, j) VALUES \
         (1, 99.99, 1.23456, 1e-300, 10.5, 40000, 'abcdefgh', 40000), \
         (2, 12.5, 1.5, 0.5, 20.25, 7, 'abc', 7), \
         (3, NULL, NULL, 0.25, NULL, NULL, NULL, NULL), \
         (4, -0.05, 2.0, 0.1, 1.01, -40000, 'abcd', -40000)",
        )
        .await;
        let snapshot = "SELECT id, d, s, f, p, i, w, j FROM num ORDER BY id";
        let cast = |c: &str| match t.backend {
            Backend::Mysql => format!("CAST({c} AS CHAR)"),
            _ => format!("CAST({c} AS TEXT)"),
        };
        let snapshot = snapshot.replace(
            "d, s, f, p",
            &format!("{}, {}, {}, {}", cast("d"), cast("s"), cast("f"), cast("p")),
        );
        let rows = t.rows(&snapshot).await;
        let after = [
            // 99.99 rounds to 100.0, which DECIMAL(4,1) cannot hold; -0.05 rounds.
            ("d", decimal(4, 1)),
            // 1.23456 rounds to 1.2346.
            ("s", decimal(10, 4)),
            // 1e-300 underflows to 0; 0.1 is not a float (where floats are 32-bit).
            ("f", T::F32),
            // Every value fits: measured 0, a WARNING.
            ("p", decimal(6, 2)),
            // 40000 and -40000 are out of i16's range.
            ("i", T::I16),
            // 'abcdefgh' is longer than 4.
            ("w", string(4)),
            // 40000 and -40000 do not fit DECIMAL(4,1); 7 does.
            ("j", decimal(4, 1)),
        ];
        let desired = schema([numbers(&after)]);
        let plan = sync_allowing_warnings(&t, &desired).await;
        // SQLite stores numbers of one affinity alike whatever the declared
        // precision, length or width: only the integer becoming a decimal is
        // a change there.
        let sqlite = t.backend == Backend::Sqlite;
        let measured: &[(&str, u64)] = if sqlite {
            &[("j", 2)]
        } else {
            &[("d", 2), ("s", 1), ("f", 2), ("i", 2), ("w", 1), ("j", 2)]
        };
        for &(column, rows) in measured {
            let c = change(&plan, "alter_column_type", Some(column));
            assert_eq!(c.measured, Some(rows), "{column}: {}", c.reason);
            assert_eq!(c.risk, Risk::Breaking, "{column}: {}", c.reason);
            assert!(!c.is_applied());
        }
        if !sqlite {
            let p = change(&plan, "alter_column_type", Some("p"));
            assert_eq!(
                (p.measured, p.risk),
                (Some(0), Risk::Warning),
                "{}",
                p.reason
            );
            assert!(p.is_applied());
        }
        assert_eq!(plan.changes.len(), measured.len() + usize::from(!sqlite));
        assert_eq!(t.rows(&snapshot).await, rows, "no stored value changed");
        assert_eq!(
            count(&t, "SELECT COUNT(*) FROM num WHERE f = 1e-300").await,
            1
        );
        assert_eq!(
            count(&t, "SELECT COUNT(*) FROM num WHERE d = 99.99").await,
            1
        );
        assert_eq!(
            count(&t, "SELECT COUNT(*) FROM num WHERE s = 1.23456").await,
            1
        );
        // What is held back is still pending, and only that.
        let remaining = t.verify(&desired).await;
        let pending: Vec<&str> = remaining
            .changes
            .iter()
            .map(|c| c.change.column().unwrap_or_default())
            .collect();
        let held: Vec<&str> = measured.iter().map(|(c, _)| *c).collect();
        assert_eq!(pending, held);
    }
);

all_backends!(a_date_time_that_a_timestamp_cannot_hold, |t| async move {
    let before = Table::new("ev")
        .column(Column::new("id", T::I64))
        .column(Column::new("at", T::DateTime).nullable())
        .primary_key(["id"]);
    t.sync(&schema([before.clone()]), &Policy::default()).await;
    t.exec(
        "INSERT INTO ev (id, at) VALUES (1, '2050-01-01 00:00:00'), (2, '2000-01-01 12:00:00'), (3, NULL)",
    )
    .await;
    let after = map_column(before, "at", |c| Column {
        ty: T::Timestamp,
        ..c
    });
    let plan = t.verify(&schema([after.clone()])).await;
    if t.backend == Backend::Mysql {
        // A timestamp is a DATETIME(6) there too (TIMESTAMP ends in 2038):
        // nothing to change, and the 2050 row is a value it holds.
        assert!(plan.is_empty(), "{:?}", plan.changes);
        t.exec("INSERT INTO ev (id, at) VALUES (4, '2099-12-31 23:59:59.999999')")
            .await;
        assert_eq!(
            t.rows("SELECT CAST(at AS CHAR) FROM ev WHERE id IN (1, 4) ORDER BY id")
                .await,
            [
                [Some("2050-01-01 00:00:00.000000".to_owned())],
                [Some("2099-12-31 23:59:59.999999".to_owned())]
            ]
        );
        return;
    }
    // Elsewhere every value converts, and the change is a WARNING about
    // what the stored times mean.
    let c = change(&plan, "alter_column_type", Some("at"));
    assert_eq!(
        (c.measured, c.risk),
        (Some(0), Risk::Warning),
        "{}",
        c.reason
    );
    assert!(c.reason.contains("time zone"), "{}", c.reason);
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_keeps_fractional_seconds_of_a_time_column_it_restates() {
    if !Backend::Mysql.enabled() {
        return;
    }
    let t = TestDb::fresh(Backend::Mysql, "time_precision").await;
    // A TIME(6) column m did not create; making it NOT NULL restates it.
    t.exec("CREATE TABLE clock (id BIGINT NOT NULL PRIMARY KEY, at TIME(6) NULL)")
        .await;
    t.exec("INSERT INTO clock VALUES (1, '10:00:00.123456')")
        .await;
    let clock = Table::new("clock")
        .column(Column::new("id", T::I64))
        .column(Column::new("at", T::Time))
        .primary_key(["id"]);
    sync_allowing_warnings(&t, &schema([clock])).await;
    assert_eq!(
        t.rows("SELECT CAST(at AS CHAR) FROM clock").await,
        [[Some("10:00:00.123456".to_owned())]]
    );
}

// 3. A plan that says "apply" applies ---------------------------------------

all_backends!(
    a_unique_index_on_a_new_column_with_a_default,
    |t| async move {
        seeded(&t).await;
        let rows = t.rows(ITEMS).await;
        // Three rows, one default: three rows share the value.
        let desired = schema([
            owner(),
            item()
                .column(Column::new("rating", T::I32).default(DefaultValue::Int(3)))
                .index(["rating"], true),
        ]);
        let plan = sync_allowing_warnings(&t, &desired).await;
        assert!(change(&plan, "add_column", Some("rating")).is_applied());
        let index = change(&plan, "add_index", Some("rating"));
        assert_eq!(index.measured, Some(3), "{}", index.reason);
        assert_eq!(index.risk, Risk::Breaking);
        // A new nullable column: all NULL, no duplicates.
        let desired = schema([
            owner(),
            item()
                .column(Column::new("rating", T::I32).default(DefaultValue::Int(3)))
                .column(Column::new("serial", string(20)).nullable())
                .index(["serial"], true),
        ]);
        let plan = sync_allowing_warnings(&t, &desired).await;
        let index = change(&plan, "add_index", Some("serial"));
        assert_eq!((index.measured, index.risk), (Some(0), Risk::Warning));
        assert!(index.is_applied());
        assert_eq!(t.count("item").await, rows.len() as i64);
    }
);

all_backends!(
    a_foreign_key_on_a_column_just_filled_with_zeros,
    |t| async move {
        seeded(&t).await;
        let desired = schema([
            owner(),
            item()
                .column(Column::new("keeper_id", T::I64))
                .foreign_key(fk("item", "keeper_id", "owner", "id")),
        ]);
        let plan = sync_allowing_warnings(&t, &desired).await;
        let add = change(&plan, "add_column", Some("keeper_id"));
        assert_eq!((add.measured, add.risk), (Some(3), Risk::Warning));
        assert!(add.is_applied());
        // Every row holds 0 now, and no owner has id 0.
        let key = change(&plan, "add_foreign_key", Some("keeper_id"));
        assert_eq!(key.measured, Some(3), "{}", key.reason);
        assert_eq!(key.risk, Risk::Breaking);
    }
);

/// `parent (id: i32)` and `child (parent_id: i32)` with a foreign key.
fn family(parent_id: T, child_parent_id: T, on_delete: ReferentialAction) -> Schema {
    let parent = Table::new("parent")
        .column(Column::new("id", parent_id))
        .primary_key(["id"]);
    let child = Table::new("child")
        .column(Column::new("id", T::I64))
        .column(Column::new("parent_id", child_parent_id).nullable())
        .primary_key(["id"])
        .foreign_key(ForeignKey::new(
            "child",
            vec!["parent_id".into()],
            "parent",
            vec!["id".into()],
            on_delete,
        ));
    schema([parent, child])
}

async fn seed_family(t: &TestDb) {
    t.exec("INSERT INTO parent (id) VALUES (1), (2)").await;
    t.exec("INSERT INTO child (id, parent_id) VALUES (1, 1), (2, 2), (3, NULL)")
        .await;
}

/// The foreign key is in place: a child of a missing parent is refused.
async fn assert_key_enforced(t: &TestDb) {
    if t.backend == Backend::Sqlite {
        // m's SQLite connections enforce keys outside a sync.
        t.exec("PRAGMA foreign_keys = ON").await;
    }
    let refused =
        t.db.execute("INSERT INTO child (id, parent_id) VALUES (9, 99)")
            .await;
    assert!(refused.is_err(), "the foreign key still holds");
}

all_backends!(widening_both_sides_of_a_foreign_key, |t| async move {
    let cascade = ReferentialAction::Cascade;
    t.sync(&family(T::I32, T::I32, cascade), &Policy::default())
        .await;
    seed_family(&t).await;
    // The everyday i32 → i64 id widening, on both sides of the key.
    let desired = family(T::I64, T::I64, cascade);
    let plan = sync_allowing_warnings(&t, &desired).await;
    assert_eq!(plan.blocked().count(), 0, "{:#?}", plan.changes);
    assert!(t.verify(&desired).await.is_empty());
    assert_eq!(t.count("child").await, 3);
    assert_key_enforced(&t).await;
    t.exec("DELETE FROM parent WHERE id = 1").await;
    assert_eq!(t.count("child").await, 2, "ON DELETE CASCADE kept");
});

all_backends!(widening_one_side_of_a_foreign_key, |t| async move {
    let action = ReferentialAction::NoAction;
    t.sync(&family(T::I32, T::I32, action), &Policy::default())
        .await;
    seed_family(&t).await;
    // Only the referenced id widens: MySQL joins integers of one type only.
    let desired = family(T::I64, T::I32, action);
    let plan = sync_allowing_warnings(&t, &desired).await;
    match t.backend {
        Backend::Mysql => {
            let c = change(&plan, "alter_column_type", Some("id"));
            assert!(blocked_because(c).contains("fk_child__parent_id"), "{c:#?}");
        }
        Backend::Postgres => assert!(change(&plan, "alter_column_type", Some("id")).is_applied()),
        // Integers of any width are one type to SQLite.
        Backend::Sqlite => assert!(plan.is_empty(), "{:#?}", plan.changes),
    }
    // A double referencing an integer: PostgreSQL and MySQL refuse the key.
    let desired = family(T::I32, T::F64, action);
    let plan = sync_allowing_warnings(&t, &desired).await;
    let c = change(&plan, "alter_column_type", Some("parent_id"));
    assert_eq!(c.risk, Risk::Safe, "i32 → f64 widens");
    match t.backend {
        Backend::Sqlite => assert!(c.is_applied()),
        _ => assert!(
            blocked_because(c).contains("types this database does not compare"),
            "{c:#?}"
        ),
    }
    assert_eq!(t.count("child").await, 3);
    assert_key_enforced(&t).await;
});

all_backends!(not_null_under_on_delete_set_null, |t| async move {
    let set_null = ReferentialAction::SetNull;
    t.sync(&family(T::I64, T::I64, set_null), &Policy::default())
        .await;
    t.exec("INSERT INTO parent (id) VALUES (1)").await;
    t.exec("INSERT INTO child (id, parent_id) VALUES (1, 1)")
        .await;
    let mut desired = family(T::I64, T::I64, set_null);
    let child = desired.tables.get_mut("child").expect("child");
    child.columns[1].nullable = false;
    let plan = sync_allowing_warnings(&t, &desired).await;
    let c = change(&plan, "set_not_null", Some("parent_id"));
    assert_eq!((c.measured, c.risk), (Some(0), Risk::Warning));
    match t.backend {
        Backend::Mysql => assert!(blocked_because(c).contains("SET NULL"), "{c:#?}"),
        _ => assert!(c.is_applied()),
    }
});

all_backends!(
    widening_a_string_in_a_long_composite_index,
    |t| async move {
        let table = |b: T| {
            Table::new("doc")
                .column(Column::new("id", T::I64))
                .column(Column::new("a", string(700)))
                .column(Column::new("b", b))
                .primary_key(["id"])
                .index(["a", "b"], false)
        };
        t.sync(&schema([table(string(40))]), &Policy::default())
            .await;
        t.exec("INSERT INTO doc (id, a, b) VALUES (1, 'x', 'y'), (2, 'x', 'z')")
            .await;
        for b in [string(100), T::String { max_length: None }] {
            let desired = schema([table(b)]);
            let plan = sync_allowing_warnings(&t, &desired).await;
            assert_eq!(plan.blocked().count(), 0, "{:#?}", plan.changes);
            assert!(t.verify(&desired).await.is_empty());
        }
        assert_eq!(t.count("doc").await, 2);
    }
);

// 4. Changes to one column are one unit ----------------------------------

all_backends!(a_default_waits_for_its_blocked_type, |t| async move {
    let task = |ty: T, default: DefaultValue| {
        Table::new("task")
            .column(Column::new("id", T::I64))
            .column(Column::new("status", ty).default(default))
            .primary_key(["id"])
    };
    t.sync(
        &schema([task(string(20), DefaultValue::Text("draft".into()))]),
        &Policy::default(),
    )
    .await;
    t.exec("INSERT INTO task (id) VALUES (1)").await;
    let desired = schema([task(T::I32, DefaultValue::Int(0))]);
    let plan = sync_allowing_warnings(&t, &desired).await;
    assert_eq!(
        change(&plan, "alter_column_type", Some("status")).risk,
        Risk::Breaking
    );
    let default = change(&plan, "alter_default", Some("status"));
    assert_eq!(default.risk, Risk::Safe);
    assert!(
        blocked_because(default).contains("one unit"),
        "{default:#?}"
    );
    // Rows written by the running code still get 'draft'.
    t.exec("INSERT INTO task (id) VALUES (2)").await;
    assert_eq!(
        t.rows("SELECT status FROM task ORDER BY id").await,
        [[Some("draft".to_owned())], [Some("draft".to_owned())]]
    );
    // Nothing of the column runs again (no rebuild on SQLite).
    let (_, report) = t.sync(&desired, &Policy::allow_warning()).await;
    assert_eq!(report.statements, 0, "{:#?}", report.applied);
});

// 7. A new nullable foreign key column is SAFE ------------------------------

all_backends!(a_new_nullable_foreign_key_column_is_safe, |t| async move {
    t.sync(
        &family(T::I64, T::I64, ReferentialAction::NoAction),
        &Policy::default(),
    )
    .await;
    seed_family(&t).await;
    let mut desired = family(T::I64, T::I64, ReferentialAction::NoAction);
    desired.insert(
        Table::new("shelf")
            .column(Column::new("id", T::I64))
            .primary_key(["id"]),
    );
    let child = desired.tables.remove("child").expect("child");
    desired.insert(
        child
            .column(Column::new("shelf_id", T::I64).nullable())
            .foreign_key(fk("child", "shelf_id", "shelf", "id")),
    );
    // The default policy (a production boot's) applies the lookup table
    // and the optional link to it.
    let (plan, report) = t.sync(&desired, &Policy::default()).await;
    let key = change(&plan, "add_foreign_key", Some("shelf_id"));
    assert_eq!(
        (key.measured, key.risk),
        (Some(0), Risk::Safe),
        "{}",
        key.reason
    );
    assert!(report.blocked.is_empty(), "{:#?}", report.blocked);
    assert!(t.verify(&desired).await.is_empty());
    if t.backend == Backend::Sqlite {
        t.exec("PRAGMA foreign_keys = ON").await;
    }
    let refused =
        t.db.execute("UPDATE child SET shelf_id = 5 WHERE id = 1")
            .await;
    assert!(refused.is_err(), "the new key is enforced");
    // A new column with a default is not all NULL: still a WARNING.
    let child = desired.tables.remove("child").expect("child");
    desired.insert(
        child
            .column(
                Column::new("bin_id", T::I64)
                    .nullable()
                    .default(DefaultValue::Int(1)),
            )
            .foreign_key(fk("child", "bin_id", "parent", "id")),
    );
    let plan = t.verify(&desired).await;
    let key = change(&plan, "add_foreign_key", Some("bin_id"));
    assert_eq!(
        (key.measured, key.risk),
        (Some(0), Risk::Warning),
        "{}",
        key.reason
    );
});

// 9. verify --sql shows what sync runs ---------------------------------------

all_backends!(
    blocked_changes_show_sql_for_the_synced_table,
    |t| async move {
        seeded(&t).await;
        t.exec("DELETE FROM item WHERE id = 3").await;
        let keyed = |action| {
            item().foreign_key(ForeignKey::new(
                "item",
                vec!["owner_id".into()],
                "owner",
                vec!["id".into()],
                action,
            ))
        };
        t.sync(
            &schema([owner(), keyed(ReferentialAction::NoAction)]),
            &Policy::allow_warning(),
        )
        .await;
        // Applied: a nullable column. Blocked: a uuid column no row can be
        // given (BREAKING), an index on it, and the key's new `on_delete`
        // (WARNING: a drop and an add of the same name).
        let desired = schema([
            owner(),
            keyed(ReferentialAction::Cascade)
                .column(Column::new("note", T::String { max_length: None }).nullable())
                .column(Column::new("sku", T::Uuid))
                .index(["sku"], false),
        ]);
        let plan = t.verify(&desired).await;
        assert!(change(&plan, "add_column", Some("note")).is_applied());
        let index = change(&plan, "add_index", Some("sku"));
        assert!(
            index.sql.is_empty(),
            "nothing to run while `sku` stays missing: {:#?}",
            index.sql
        );
        let constraint = format!(
            "CONSTRAINT {}",
            t.db.backend().dialect().quote_ident("fk_item__owner_id")
        );
        for c in plan.blocked() {
            for sql in &c.sql {
                assert!(
                    sql.matches(&constraint).count() <= 1,
                    "{} declares the key once: {sql}",
                    c.change.kind()
                );
            }
        }
        // The blocked key's statements are written for the table the sync
        // leaves (with `note`): run after it, they apply.
        t.sync(&desired, &Policy::default()).await;
        let drop = change(&plan, "drop_foreign_key", None);
        let add = change(&plan, "add_foreign_key", None);
        let statements: Vec<String> = drop.sql.iter().chain(&add.sql).cloned().collect();
        t.db.transaction(m_runtime::db::TxKind::Schema, async |db| {
            for sql in &statements {
                db.execute(sql).await?;
            }
            Ok::<(), m_runtime::Error>(())
        })
        .await
        .unwrap_or_else(|e| panic!("{}", m_runtime::Report(&e)));
        let remaining = t.verify(&desired).await;
        let left: Vec<&str> = remaining.changes.iter().map(|c| c.change.kind()).collect();
        assert_eq!(left, ["add_column", "add_index"], "only `sku` is left");
        assert_eq!(t.count("item").await, 2);
    }
);

// 5. Normalisation: what is no change, and what is in the way --------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_types_of_one_affinity_are_no_change() {
    if !Backend::Sqlite.enabled() {
        return;
    }
    let t = TestDb::fresh(Backend::Sqlite, "affinity").await;
    // Made by another tool: widths, lengths and precisions SQLite ignores.
    t.exec(
        "CREATE TABLE legacy (id INT NOT NULL PRIMARY KEY, n BIGINT, s VARCHAR(10), d DECIMAL(5,2), f FLOAT)",
    )
    .await;
    t.exec("INSERT INTO legacy VALUES (1, 5000000000, 'a longer text', 123.456, 0.1)")
        .await;
    let legacy = Table::new("legacy")
        .column(Column::new("id", T::I64))
        .column(Column::new("n", T::I16).nullable())
        .column(Column::new("s", T::String { max_length: None }).nullable())
        .column(Column::new("d", decimal(10, 4)).nullable())
        .column(Column::new("f", T::F64).nullable())
        .primary_key(["id"]);
    let plan = t.verify(&schema([legacy])).await;
    assert!(plan.is_empty(), "{:#?}", plan.changes);
}

all_backends!(a_default_with_an_emoji_verifies_clean, |t| async move {
    let table = Table::new("note")
        .column(Column::new("id", T::I64))
        .column(Column::new("mood", string(20)).default(DefaultValue::Text("ok 😀 é".into())))
        .primary_key(["id"]);
    let desired = schema([table]);
    t.sync(&desired, &Policy::default()).await;
    assert!(t.verify(&desired).await.is_empty());
    t.exec("INSERT INTO note (id) VALUES (1)").await;
    assert_eq!(
        t.rows("SELECT mood FROM note").await,
        [[Some("ok 😀 é".to_owned())]]
    );
    // A different default is still a change.
    let mut other = desired.clone();
    other.tables.get_mut("note").expect("note").columns[1].default =
        Some(DefaultValue::Text("ok 😃 é".into()));
    let plan = t.verify(&other).await;
    if t.backend == Backend::Mysql {
        // Both read `ok ? é` from MariaDB's catalog: m cannot tell them apart.
        assert!(plan.is_empty(), "{:#?}", plan.changes);
    } else {
        assert_eq!(
            change(&plan, "alter_default", Some("mood")).risk,
            Risk::Safe
        );
    }
});

// Found by the evolution property (seed-random run, MariaDB): a string
// column with an emoji default widened to text. MariaDB's catalog spells a
// TEXT column's default with one `?` per byte of the emoji, a VARCHAR's
// with one per character.
all_backends!(
    an_emoji_default_on_a_column_widened_to_text_verifies_clean,
    |t| async move {
        let with = |ty: T| {
            schema([Table::new("note")
                .column(Column::new("id", T::I64))
                .column(Column::new("mood", ty).default(DefaultValue::Text("ok 😀".into())))
                .primary_key(["id"])])
        };
        t.sync(&with(string(4)), &Policy::default()).await;
        let widened = with(T::String { max_length: None });
        let (plan, _) = t.sync(&widened, &Policy::default()).await;
        if t.backend != Backend::Sqlite {
            // (SQLite enforces no length: no change there.)
            assert_eq!(
                change(&plan, "alter_column_type", Some("mood")).risk,
                Risk::Safe
            );
        }
        let again = t.verify(&widened).await;
        assert!(again.is_empty(), "{:#?}", again.changes);
        t.exec("INSERT INTO note (id) VALUES (1)").await;
        assert_eq!(
            t.rows("SELECT mood FROM note").await,
            [[Some("ok 😀".to_owned())]]
        );
    }
);

all_backends!(a_view_named_like_a_declared_table, |t| async move {
    seeded(&t).await;
    t.exec("CREATE VIEW report AS SELECT id FROM item").await;
    let report = Table::new("report")
        .column(Column::new("id", T::I64))
        .primary_key(["id"]);
    let desired = schema([
        owner(),
        item().column(Column::new("note", T::String { max_length: None }).nullable()),
        report,
    ]);
    let plan = sync_allowing_warnings(&t, &desired).await;
    let create = change(&plan, "create_table", None);
    assert_eq!((create.measured, create.risk), (Some(1), Risk::Breaking));
    assert!(create.reason.contains("view"), "{}", create.reason);
    assert!(change(&plan, "add_column", Some("note")).is_applied());
    assert_eq!(count(&t, "SELECT COUNT(*) FROM report").await, 3);
});

all_backends!(an_index_named_like_a_declared_table, |t| async move {
    seeded(&t).await;
    // Tables and indexes share one namespace on SQLite and PostgreSQL.
    t.exec("CREATE INDEX shelf ON item (label)").await;
    let shelf = Table::new("shelf")
        .column(Column::new("id", T::I64))
        .primary_key(["id"]);
    let desired = schema([owner(), item().index(["label"], false), shelf]);
    let plan = sync_allowing_warnings(&t, &desired).await;
    let create = change(&plan, "create_table", None);
    let taken = t.backend != Backend::Mysql;
    assert_eq!(create.measured, Some(u64::from(taken)), "{}", create.reason);
    assert_eq!(create.is_applied(), !taken);
});

all_backends!(timestamp_with_and_without_zone, |t| async move {
    let table = |ty: T| {
        Table::new("ev")
            .column(Column::new("id", T::I64))
            .column(Column::new("at", ty).nullable())
            .primary_key(["id"])
    };
    t.sync(&schema([table(T::Timestamp)]), &Policy::default())
        .await;
    t.exec("INSERT INTO ev (id, at) VALUES (1, '2001-02-03 04:05:06')")
        .await;
    let desired = schema([table(T::DateTime)]);
    let plan = sync_allowing_warnings(&t, &desired).await;
    if t.backend == Backend::Mysql {
        // Both are DATETIME(6) there: there is nothing to change.
        assert!(plan.is_empty(), "{:?}", plan.changes);
        return;
    }
    let c = change(&plan, "alter_column_type", Some("at"));
    assert_eq!(
        (c.measured, c.risk),
        (Some(0), Risk::Warning),
        "{}",
        c.reason
    );
    assert!(c.reason.contains("time zone"), "{}", c.reason);
    assert!(c.is_applied());
    let at = match t.backend {
        Backend::Mysql => "CAST(at AS CHAR)",
        _ => "CAST(at AS TEXT)",
    };
    let value = t.rows(&format!("SELECT {at} FROM ev")).await[0][0].clone();
    assert!(
        value
            .as_deref()
            .is_some_and(|v| v.starts_with("2001-02-03 04:05:06")),
        "{value:?}"
    );
});

all_backends!(a_view_over_a_table_the_sync_alters, |t| async move {
    seeded(&t).await;
    t.exec("CREATE VIEW report AS SELECT id, qty, label FROM item")
        .await;
    // An i64 to a decimal that holds it (SAFE), and NOT NULL on a column
    // every row fills (WARNING): SQLite rebuilds `item` under the view.
    let desired = schema([
        owner(),
        map_column(
            map_column(item(), "qty", |c| Column {
                ty: decimal(22, 2),
                ..c
            }),
            "label",
            |c| Column {
                nullable: false,
                ..c
            },
        ),
    ]);
    let plan = sync_allowing_warnings(&t, &desired).await;
    let qty = change(&plan, "alter_column_type", Some("qty"));
    if t.backend == Backend::Postgres {
        assert_eq!(qty.risk, Risk::Breaking);
        assert!(qty.reason.contains("`report`"), "{}", qty.reason);
    } else {
        assert!(qty.is_applied(), "{qty:#?}");
    }
    assert!(change(&plan, "set_not_null", Some("label")).is_applied());
    assert_eq!(count(&t, "SELECT COUNT(*) FROM report").await, 3);
    assert_eq!(
        count(&t, "SELECT COUNT(*) FROM report WHERE qty = 70000").await,
        1
    );
});

// A primary key on a table without one ------------------------------------

all_backends!(
    a_primary_key_on_a_keyless_table_is_measured,
    |t| async move {
        t.exec("CREATE TABLE visit (id BIGINT, path VARCHAR(20) NOT NULL)")
            .await;
        // Two rows share id 2 and one has none: three rows the key rejects.
        t.exec("INSERT INTO visit VALUES (1, 'a'), (2, 'b'), (2, 'c'), (NULL, 'd')")
            .await;
        let desired = schema([Table::new("visit")
            .column(Column::new("id", T::I64))
            .column(Column::new("path", string(20)))
            .primary_key(["id"])]);
        let plan = sync_allowing_warnings(&t, &desired).await;
        let key = change(&plan, "alter_primary_key", None);
        assert_eq!(key.measured, Some(3), "{}", key.reason);
        assert_eq!(key.risk, Risk::Breaking);
        assert_eq!(t.count("visit").await, 4);

        t.exec("DELETE FROM visit WHERE id IS NULL OR path = 'c'")
            .await;
        let plan = sync_allowing_warnings(&t, &desired).await;
        let key = change(&plan, "alter_primary_key", None);
        assert_eq!(key.measured, Some(0), "{}", key.reason);
        assert_eq!(key.risk, Risk::Warning);
        assert!(key.is_applied());
        assert!(t.verify(&desired).await.is_empty());
        assert_eq!(
            t.rows("SELECT id, path FROM visit ORDER BY id").await,
            vec![
                vec![Some("1".to_owned()), Some("a".to_owned())],
                vec![Some("2".to_owned()), Some("b".to_owned())],
            ]
        );
    }
);

all_backends!(
    an_integer_to_a_float_counts_what_would_round,
    |t| async move {
        t.exec("CREATE TABLE ledger (id BIGINT NOT NULL PRIMARY KEY, cents BIGINT NOT NULL)")
            .await;
        // 2^53 is exact in a double; one past it either way is not.
        t.exec(
            "INSERT INTO ledger VALUES (1, 5), (2, 9007199254740992), (3, 9007199254740993), \
         (4, -9007199254740993)",
        )
        .await;
        let desired = schema([Table::new("ledger")
            .column(Column::new("id", T::I64))
            .column(Column::new("cents", T::F64))
            .primary_key(["id"])]);
        let rows = t.rows("SELECT id, cents FROM ledger ORDER BY id").await;
        let plan = sync_allowing_warnings(&t, &desired).await;
        let cents = change(&plan, "alter_column_type", Some("cents"));
        assert_eq!(cents.measured, Some(2), "{}", cents.reason);
        assert_eq!(cents.risk, Risk::Breaking);
        assert_eq!(
            t.rows("SELECT id, cents FROM ledger ORDER BY id").await,
            rows
        );

        t.exec("DELETE FROM ledger WHERE id > 2").await;
        let plan = sync_allowing_warnings(&t, &desired).await;
        let cents = change(&plan, "alter_column_type", Some("cents"));
        assert_eq!(cents.measured, Some(0), "{}", cents.reason);
        assert_eq!(cents.risk, Risk::Warning);
        assert!(cents.is_applied());
        assert_eq!(
            count(
                &t,
                "SELECT COUNT(*) FROM ledger WHERE cents = 9007199254740992"
            )
            .await,
            1
        );
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_stores_a_timestamp_as_datetime_past_2038() {
    if !Backend::Mysql.enabled() {
        return;
    }
    let t = TestDb::fresh(Backend::Mysql, "timestamp_range").await;
    let event = Table::new("event")
        .column(Column::new("id", T::I64))
        .column(Column::new("at", T::Timestamp).nullable())
        .primary_key(["id"]);
    t.sync(&schema([event.clone()]), &Policy::default()).await;
    let ty = t
        .rows("SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'event' AND COLUMN_NAME = 'at'")
        .await;
    assert_eq!(ty, [[Some("datetime(6)".to_owned())]]);
    t.exec("INSERT INTO event (id, at) VALUES (1, '2100-01-01 00:00:00.5')")
        .await;
    assert!(t.verify(&schema([event.clone()])).await.is_empty());
    // A TIMESTAMP(6) column an earlier m created is a timestamp too: left
    // as it is, verifying clean.
    t.exec("CREATE TABLE old_event (id BIGINT NOT NULL PRIMARY KEY, at TIMESTAMP(6) NULL)")
        .await;
    let old = Table::new("old_event")
        .column(Column::new("id", T::I64))
        .column(Column::new("at", T::Timestamp).nullable())
        .primary_key(["id"]);
    assert!(t.verify(&schema([event, old])).await.is_empty());
}
