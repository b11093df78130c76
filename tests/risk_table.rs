//! One test per row of the risk table (DESIGN §4): start from a database
//! holding rows, change the declaration, and check the reported risk, what
//! sync applies under each policy, and that every row survives.

use m_runtime::Policy;
use m_runtime::risk::Risk;
use m_runtime::schema::{
    Column, DefaultValue, ForeignKey, LogicalType as T, ReferentialAction, Schema, Table,
};
use m_tests::{TestDb, all_backends};

fn owner() -> Table {
    Table::new("owner")
        .column(Column::new("id", T::I64))
        .column(Column::new(
            "name",
            T::String {
                max_length: Some(40),
            },
        ))
        .primary_key(["id"])
}

fn item() -> Table {
    Table::new("item")
        .column(Column::new("id", T::I64))
        .column(Column::new(
            "name",
            T::String {
                max_length: Some(40),
            },
        ))
        .column(Column::new("qty", T::I32).nullable())
        .column(Column::new("big", T::I64).default(DefaultValue::Int(7)))
        .column(
            Column::new(
                "code",
                T::String {
                    max_length: Some(200),
                },
            )
            .nullable(),
        )
        .column(Column::new("owner_id", T::I64).nullable())
        .primary_key(["id"])
}

fn schema(tables: impl IntoIterator<Item = Table>) -> Schema {
    let mut s = Schema::default();
    tables.into_iter().for_each(|t| s.insert(t));
    s
}

fn base() -> Schema {
    schema([owner(), item()])
}

/// Seeds rows; `extra` runs after the standard rows (to plant NULLs,
/// duplicates or dangling references).
async fn seed(t: &TestDb, extra: &[&str]) {
    t.exec("INSERT INTO owner (id, name) VALUES (1, 'ann'), (2, 'bob')")
        .await;
    t.exec(
        "INSERT INTO item (id, name, qty, big, code, owner_id) VALUES \
         (1, 'pen', 5, 10, 'P-1', 1), (2, 'ink', 7, 20, 'I-2', 2), (3, 'pad', 9, 30, 'D-3', 1)",
    )
    .await;
    for sql in extra {
        t.exec(sql).await;
    }
}

const SNAPSHOT: &str = "SELECT id, name, qty, big, code, owner_id FROM item ORDER BY id";

/// Runs one scenario and checks everything the risk table promises.
async fn scenario(t: TestDb, after: Schema, extra_rows: &[&str], kind: &str, risk: Risk) {
    t.sync(&base(), &Policy::default()).await;
    seed(&t, extra_rows).await;
    let rows_before = t.rows(SNAPSHOT).await;
    let owners_before = t.count("owner").await;

    let plan = t.verify(&after).await;
    let change = plan
        .changes
        .iter()
        .find(|c| c.change.kind() == kind)
        .unwrap_or_else(|| panic!("no {kind} change in {:#?}", plan.changes));
    assert_eq!(change.risk, risk, "{kind}: {}", change.reason);
    assert!(!change.reason.is_empty());

    let (_, report) = t.sync(&after, &Policy::default()).await;
    let applied = |r: &m_runtime::SyncReport| r.applied.iter().any(|c| c.change.kind() == kind);
    match risk {
        Risk::Safe => assert!(applied(&report), "SAFE {kind} must be applied by sync"),
        Risk::Warning | Risk::Breaking => {
            assert!(
                !applied(&report),
                "{risk} {kind} must not be applied without --allow-warning"
            );
            assert!(
                report.blocked.iter().any(|c| c.change.kind() == kind),
                "blocked list must name {kind}"
            );
            let still = t.verify(&after).await;
            assert!(
                still.changes.iter().any(|c| c.change.kind() == kind),
                "verify still reports {kind}"
            );
            let (_, report) = t.sync(&after, &Policy::allow_warning()).await;
            assert_eq!(
                applied(&report),
                risk == Risk::Warning,
                "--allow-warning applies WARNING, never BREAKING"
            );
        }
    }
    let remaining = t.verify(&after).await;
    let pending = remaining.changes.iter().any(|c| c.change.kind() == kind);
    assert_eq!(
        pending,
        risk == Risk::Breaking,
        "after sync, {kind} pending: {:#?}",
        remaining.changes
    );

    assert_eq!(
        t.rows(SNAPSHOT).await,
        rows_before,
        "every row of item survives with its contents"
    );
    assert_eq!(
        t.count("owner").await,
        owners_before,
        "every row of owner survives"
    );
}

/// A change of width, length or precision only: on SQLite, which stores
/// such types alike (type affinity) and enforces none of it, no change at
/// all; elsewhere [`scenario`].
async fn scenario_or_stored_alike(t: TestDb, after: Schema, kind: &str, risk: Risk) {
    if t.backend != m_tests::Backend::Sqlite {
        return scenario(t, after, &[], kind, risk).await;
    }
    t.sync(&base(), &Policy::default()).await;
    seed(&t, &[]).await;
    let rows = t.rows(SNAPSHOT).await;
    let plan = t.verify(&after).await;
    assert!(plan.is_empty(), "no change on SQLite: {:#?}", plan.changes);
    let (_, report) = t.sync(&after, &Policy::allow_warning()).await;
    assert_eq!(report.statements, 0);
    assert_eq!(t.rows(SNAPSHOT).await, rows);
}

fn item_with(f: impl FnOnce(Table) -> Table) -> Schema {
    schema([owner(), f(item())])
}

fn map_column(table: Table, name: &str, f: impl FnOnce(Column) -> Column) -> Table {
    let mut table = table;
    let i = table
        .columns
        .iter()
        .position(|c| c.name == name)
        .expect("column");
    let column = table.columns.remove(i);
    table.columns.insert(i, f(column));
    table
}

fn fk() -> ForeignKey {
    ForeignKey::new(
        "item",
        vec!["owner_id".into()],
        "owner",
        vec!["id".into()],
        ReferentialAction::NoAction,
    )
}

// SAFE ---------------------------------------------------------------------

all_backends!(safe_new_table, |t| async move {
    let after = schema([
        owner(),
        item(),
        Table::new("tag")
            .column(Column::new("id", T::I64))
            .primary_key(["id"]),
    ]);
    scenario(t, after, &[], "create_table", Risk::Safe).await
});

all_backends!(safe_new_nullable_column, |t| async move {
    let after =
        item_with(|i| i.column(Column::new("note", T::String { max_length: None }).nullable()));
    scenario(t, after, &[], "add_column", Risk::Safe).await
});

all_backends!(safe_new_column_with_default, |t| async move {
    let after =
        item_with(|i| i.column(Column::new("rating", T::I32).default(DefaultValue::Int(3))));
    scenario(t, after, &[], "add_column", Risk::Safe).await;
});

all_backends!(safe_new_index, |t| async move {
    scenario(
        t,
        item_with(|i| i.index(["name"], false)),
        &[],
        "add_index",
        Risk::Safe,
    )
    .await
});

all_backends!(safe_widen_varchar, |t| async move {
    let after = item_with(|i| {
        map_column(i, "name", |c| Column {
            ty: T::String {
                max_length: Some(80),
            },
            ..c
        })
    });
    scenario_or_stored_alike(t, after, "alter_column_type", Risk::Safe).await
});

all_backends!(safe_widen_integer, |t| async move {
    let after = item_with(|i| map_column(i, "qty", |c| Column { ty: T::I64, ..c }));
    scenario_or_stored_alike(t, after, "alter_column_type", Risk::Safe).await
});

all_backends!(safe_drop_not_null, |t| async move {
    scenario(
        t,
        item_with(|i| map_column(i, "name", Column::nullable)),
        &[],
        "drop_not_null",
        Risk::Safe,
    )
    .await
});

all_backends!(safe_change_default, |t| async move {
    let after = item_with(|i| map_column(i, "big", |c| c.default(DefaultValue::Int(8))));
    scenario(t, after, &[], "alter_default", Risk::Safe).await
});

// WARNING ------------------------------------------------------------------

all_backends!(warning_shrink_length, |t| async move {
    let after = item_with(|i| {
        map_column(i, "code", |c| Column {
            ty: T::String {
                max_length: Some(20),
            },
            ..c
        })
    });
    scenario_or_stored_alike(t, after, "alter_column_type", Risk::Warning).await
});

all_backends!(warning_set_not_null, |t| async move {
    scenario(
        t,
        item_with(|i| {
            map_column(i, "qty", |c| Column {
                nullable: false,
                ..c
            })
        }),
        &[],
        "set_not_null",
        Risk::Warning,
    )
    .await
});

all_backends!(
    warning_not_null_column_without_default_on_rows,
    |t| async move {
        let after = item_with(|i| i.column(Column::new("stock", T::I32)));
        scenario(t, after, &[], "add_column", Risk::Warning).await
    }
);

all_backends!(warning_unique_index, |t| async move {
    scenario(
        t,
        item_with(|i| i.index(["code"], true)),
        &[],
        "add_index",
        Risk::Warning,
    )
    .await
});

all_backends!(warning_add_foreign_key, |t| async move {
    scenario(
        t,
        item_with(|i| i.foreign_key(fk())),
        &[],
        "add_foreign_key",
        Risk::Warning,
    )
    .await
});

all_backends!(warning_drop_foreign_key, |t| async move {
    let with_fk = item_with(|i| i.foreign_key(fk()));
    t.sync(&with_fk, &Policy::allow_warning()).await;
    // `base()` (no foreign key) is now the change; the scenario starts from the table with it.
    let plan = t.verify(&base()).await;
    let change = plan
        .changes
        .iter()
        .find(|c| c.change.kind() == "drop_foreign_key")
        .expect("drop_foreign_key");
    assert_eq!(change.risk, Risk::Warning);
    seed(&t, &[]).await;
    let rows = t.rows(SNAPSHOT).await;
    let (_, report) = t.sync(&base(), &Policy::default()).await;
    assert_eq!(report.applied.len(), 0);
    let (_, report) = t.sync(&base(), &Policy::allow_warning()).await;
    assert_eq!(report.applied.len(), 1);
    assert!(t.verify(&base()).await.is_empty());
    assert_eq!(t.rows(SNAPSHOT).await, rows);
});

all_backends!(warning_drop_unique, |t| async move {
    let with_unique = item_with(|i| i.index(["code"], true));
    t.sync(&with_unique, &Policy::allow_warning()).await;
    seed(&t, &[]).await;
    let rows = t.rows(SNAPSHOT).await;
    let plan = t.verify(&base()).await;
    let change = plan
        .changes
        .iter()
        .find(|c| c.change.kind() == "drop_index")
        .expect("drop_index");
    assert_eq!(change.risk, Risk::Warning);
    let (_, report) = t.sync(&base(), &Policy::default()).await;
    assert!(report.applied.is_empty() && report.blocked.len() == 1);
    let (_, report) = t.sync(&base(), &Policy::allow_warning()).await;
    assert_eq!(report.applied.len(), 1);
    assert!(t.verify(&base()).await.is_empty());
    assert_eq!(t.rows(SNAPSHOT).await, rows);
});

all_backends!(warning_narrow_integer_that_fits, |t| async move {
    let after = item_with(|i| map_column(i, "big", |c| Column { ty: T::I32, ..c }));
    scenario_or_stored_alike(t, after, "alter_column_type", Risk::Warning).await
});

// BREAKING -----------------------------------------------------------------

all_backends!(breaking_drop_column, |t| async move {
    let after = item_with(|mut i| {
        i.columns.retain(|c| c.name != "code");
        i
    });
    scenario(t, after, &[], "orphan_column", Risk::Breaking).await
});

all_backends!(breaking_drop_table, |t| async move {
    let after = schema([
        owner(),
        item(),
        Table::new("tag")
            .column(Column::new("id", T::I64))
            .primary_key(["id"]),
    ]);
    t.sync(&after, &Policy::default()).await;
    t.exec("INSERT INTO tag (id) VALUES (1), (2)").await;
    let plan = t.verify(&base()).await;
    let change = plan
        .changes
        .iter()
        .find(|c| c.change.kind() == "orphan_table")
        .expect("orphan_table");
    assert_eq!(change.risk, Risk::Breaking);
    let (_, report) = t.sync(&base(), &Policy::allow_warning()).await;
    assert!(report.applied.is_empty());
    assert_eq!(
        t.count("tag").await,
        2,
        "the orphan table and its rows are kept"
    );
});

all_backends!(breaking_rename, |t| async move {
    let after = item_with(|i| {
        map_column(i, "code", |c| {
            Column {
                name: "sku".into(),
                ..c
            }
            .renamed_from("code")
        })
    });
    scenario(t, after, &[], "rename_column", Risk::Breaking).await
});

all_backends!(breaking_int_to_text, |t| async move {
    let after = item_with(|i| {
        map_column(i, "qty", |c| Column {
            ty: T::String { max_length: None },
            ..c
        })
    });
    scenario(t, after, &[], "alter_column_type", Risk::Breaking).await
});

all_backends!(breaking_text_to_int, |t| async move {
    let after = item_with(|i| map_column(i, "code", |c| Column { ty: T::I64, ..c }));
    scenario(t, after, &[], "alter_column_type", Risk::Breaking).await
});

all_backends!(breaking_primary_key, |t| async move {
    scenario(
        t,
        item_with(|i| i.primary_key(["id", "name"])),
        &[],
        "alter_primary_key",
        Risk::Breaking,
    )
    .await
});

// Where the data decides --------------------------------------------------

all_backends!(breaking_shrink_that_truncates, |t| async move {
    let after = item_with(|i| {
        map_column(i, "code", |c| Column {
            ty: T::String {
                max_length: Some(2),
            },
            ..c
        })
    });
    scenario_or_stored_alike(t, after, "alter_column_type", Risk::Breaking).await
});

all_backends!(breaking_not_null_over_nulls, |t| async move {
    let after = item_with(|i| {
        map_column(i, "qty", |c| Column {
            nullable: false,
            ..c
        })
    });
    scenario(
        t,
        after,
        &["INSERT INTO item (id, name, qty) VALUES (4, 'nul', NULL)"],
        "set_not_null",
        Risk::Breaking,
    )
    .await
});

all_backends!(breaking_unique_over_duplicates, |t| async move {
    let after = item_with(|i| i.index(["owner_id"], true));
    scenario(t, after, &[], "add_index", Risk::Breaking).await
});

all_backends!(breaking_foreign_key_over_dangling_rows, |t| async move {
    let after = item_with(|i| i.foreign_key(fk()));
    scenario(
        t,
        after,
        &["INSERT INTO item (id, name, owner_id) VALUES (4, 'lost', 99)"],
        "add_foreign_key",
        Risk::Breaking,
    )
    .await
});

all_backends!(blocked_change_blocks_what_depends_on_it, |t| async move {
    // The index on the renamed column cannot be built while the rename is blocked.
    let after = item_with(|i| {
        map_column(i, "code", |c| {
            Column {
                name: "sku".into(),
                ..c
            }
            .renamed_from("code")
        })
        .index(["sku"], false)
    });
    t.sync(&base(), &Policy::default()).await;
    let (plan, report) = t.sync(&after, &Policy::allow_warning()).await;
    assert!(report.applied.is_empty(), "{:#?}", plan.changes);
    let index = plan
        .changes
        .iter()
        .find(|c| c.change.kind() == "add_index")
        .expect("add_index");
    assert!(matches!(&index.action, m_runtime::plan::Action::Blocked(why) if why.contains("sku")));
});
