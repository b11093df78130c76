//! An app's life over many deploys: boot refuses an edited migration even
//! on its fast path, and "out of order" means what it says.

use m_runtime::boot::Boot;
use m_runtime::migrate::LedgerProblem;
use m_runtime::plan::Retired;
use m_runtime::registry::{MigrationBody, MigrationDef, MigrationPhase, OnFresh};
use m_runtime::risk::Risk;
use m_runtime::schema::{Column, LogicalType, Schema, Table};
use m_runtime::{Error, Policy, Registry};
use m_tests::{all_backends, synthetic};

macro_rules! migration {
    ($static:ident = $id:literal, $phase:ident, $checksum:literal) => {
        static $static: MigrationDef = MigrationDef {
            app: "life",
            id: $id,
            depends_on: &[],
            phase: MigrationPhase::$phase,
            checksum: $checksum,
            up: MigrationBody::Sql(""),
            down: None,
            source: concat!(file!(), ":", line!()),
            on_fresh: OnFresh::Skip,
        };
    };
}

migration!(FIRST = "0001_first", PreSync, "sha256:first");
migration!(FIRST_EDITED = "0001_first", PreSync, "sha256:first-edited");
migration!(POST = "0002_post", PostSync, "sha256:post");
migration!(NEW_PRE = "0003_pre", PreSync, "sha256:new-pre");
migration!(OLDER = "0000_older", PreSync, "sha256:older");

fn with(migrations: &[&'static MigrationDef]) -> Registry {
    let mut registry = synthetic::registry(2);
    registry.migrations = migrations.to_vec();
    registry.sort();
    registry
}

all_backends!(an_edited_migration_stops_a_fast_path_boot, |t| async move {
    let boot = |registry: Registry| Boot::new(&t.url).registry(registry).run();
    assert!(!boot(with(&[&FIRST])).await.expect("first boot").fast_path);
    assert!(boot(with(&[&FIRST])).await.expect("unchanged").fast_path);
    let error = boot(with(&[&FIRST_EDITED]))
        .await
        .expect_err("an edited applied migration stops the boot");
    let Error::Ledger(problems) = &error else {
        panic!("{error:?}");
    };
    assert!(
        matches!(
            problems.0.as_slice(),
            [LedgerProblem::ChecksumMismatch { id, applied, registered, .. }]
                if id == "0001_first" && applied == "sha256:first" && registered == "sha256:first-edited"
        ),
        "{problems:?}"
    );
});

all_backends!(out_of_order_means_same_app_same_phase, |t| async move {
    let boot = |registry: Registry, allow: bool| {
        Boot::new(&t.url)
            .registry(registry)
            .allow_out_of_order(allow)
            .run()
    };
    let first = boot(with(&[&FIRST, &POST]), false).await.expect("first");
    assert_eq!(first.migrations, 2);
    // A new pre_sync migration after an applied post_sync one is in order.
    let next = boot(with(&[&FIRST, &POST, &NEW_PRE]), false)
        .await
        .expect("a new pre_sync migration is not out of order");
    assert_eq!(next.migrations, 1);
    // An id that sorts before an applied one of its phase is, boot included.
    let error = boot(with(&[&OLDER, &FIRST, &POST, &NEW_PRE]), false)
        .await
        .expect_err("genuinely out of order");
    assert!(
        matches!(&error, Error::Ledger(p) if matches!(p.0.as_slice(),
            [LedgerProblem::OutOfOrder { id, applied_later, .. }]
                if id == "0000_older" && applied_later == "life:0003_pre")),
        "{error:?}"
    );
    let allowed = boot(with(&[&OLDER, &FIRST, &POST, &NEW_PRE]), true)
        .await
        .expect("allowed explicitly");
    assert_eq!(allowed.migrations, 1);
});

// ---- fresh installs ------------------------------------------------------

use m_runtime::migrate::{self, AllOptions, Event};
use m_runtime::registry::{ColumnDef, DocTypeDef, OnFresh as Fresh};
use m_runtime::schema::DefaultValue;
use m_tests::TestDb;

/// Version 3 of the app: `item` lost `legacy_price` and `old_name` long ago.
static ITEM_V3: DocTypeDef = DocTypeDef {
    app: "shop",
    name: "Item",
    table: "item",
    module_path: module_path!(),
    columns: &[
        ColumnDef {
            name: "id",
            field: "id",
            ty: LogicalType::I64,
            nullable: false,
            default: None,
            unique: false,
            index: false,
            renamed_from: &[],
            references: None,
        },
        ColumnDef {
            name: "title",
            field: "title",
            ty: LogicalType::String {
                max_length: Some(140),
            },
            nullable: false,
            default: None,
            unique: false,
            index: false,
            renamed_from: &[],
            references: None,
        },
        ColumnDef {
            name: "price_cents",
            field: "price_cents",
            ty: LogicalType::I64,
            nullable: false,
            default: Some(DefaultValue::Int(0)),
            unique: false,
            index: false,
            renamed_from: &[],
            references: None,
        },
    ],
    primary_key: &["id"],
    indexes: &[],
    renamed_from: &[],
    retired_columns: &[],
    checks: &[],
};

macro_rules! shop {
    ($static:ident = $id:literal, $phase:ident, $sql:literal, $fresh:ident) => {
        static $static: MigrationDef = MigrationDef {
            app: "shop",
            id: $id,
            depends_on: &[],
            phase: MigrationPhase::$phase,
            checksum: concat!("sha256:", $id),
            up: MigrationBody::Sql($sql),
            down: None,
            source: concat!(file!(), ":", line!()),
            on_fresh: Fresh::$fresh,
        };
    };
}

// Written against versions 1 and 2: the columns they name are gone in 3.
shop!(
    V1_PRICES = "0001_prices",
    PreSync,
    "UPDATE item SET legacy_price = legacy_price * 100",
    Skip
);
shop!(
    V2_NAMES = "0002_names",
    PostSync,
    "UPDATE item SET title = old_name WHERE old_name IS NOT NULL",
    Skip
);
// Seed data: runs on fresh installs too.
shop!(
    V3_SEED = "0003_seed",
    PostSync,
    "INSERT INTO item (id, title) VALUES (100, 'gift card')",
    Run
);

fn shop_v3() -> Registry {
    let mut registry = Registry {
        doctypes: vec![&ITEM_V3],
        migrations: vec![&V1_PRICES, &V2_NAMES, &V3_SEED],
        ..Default::default()
    };
    registry.sort();
    registry
}

async fn installed_clean(t: &TestDb, registry: &Registry) {
    let status = migrate::status(&t.db, registry).await.expect("status");
    assert_eq!(status.pending().count(), 0, "nothing pending");
    let recorded: Vec<(String, Option<Event>)> = status
        .migrations
        .iter()
        .map(|m| (m.id.clone(), m.recorded_as))
        .collect();
    assert_eq!(
        recorded,
        [
            ("0001_prices".into(), Some(Event::Baselined)),
            ("0002_names".into(), Some(Event::Baselined)),
            ("0003_seed".into(), None),
        ]
    );
    assert!(
        t.verify(&registry.schema()).await.is_empty(),
        "verify is clean"
    );
    assert_eq!(
        t.rows("SELECT title FROM item").await,
        [[Some("gift card".to_owned())]],
        "the seed ran once"
    );
}

all_backends!(a_third_version_installs_fresh_with_all, |t| async move {
    let registry = shop_v3();
    let report = migrate::run_all(&t.db, &registry, &AllOptions::default())
        .await
        .expect("a fresh install runs");
    let baselined: Vec<String> = report.baselined.iter().map(|r| r.name()).collect();
    assert_eq!(baselined, ["shop:0001_prices", "shop:0002_names"]);
    assert_eq!(report.post_sync.len(), 1);
    installed_clean(&t, &registry).await;
    // A second run finds nothing to do.
    let again = migrate::run_all(&t.db, &registry, &AllOptions::default())
        .await
        .expect("again");
    assert!(again.baselined.is_empty() && again.pre_sync.is_empty() && again.post_sync.is_empty());
});

all_backends!(a_third_version_installs_fresh_with_a_boot, |t| async move {
    let registry = shop_v3();
    let report = Boot::new(&t.url)
        .registry(registry.clone())
        .run()
        .await
        .expect("boot");
    assert_eq!((report.baselined, report.migrations), (2, 1));
    installed_clean(&t, &registry).await;
});

all_backends!(an_old_database_upgrades_by_running_them, |t| async move {
    // Version 1's schema, with a row, as an old deploy left it.
    t.exec("CREATE TABLE item (id BIGINT PRIMARY KEY, title VARCHAR(140) NOT NULL, legacy_price INTEGER, old_name VARCHAR(40))")
        .await;
    t.exec("INSERT INTO item (id, title, legacy_price, old_name) VALUES (1, 'x', 3, 'Old Title')")
        .await;
    let registry = shop_v3();
    let report = migrate::run_all(&t.db, &registry, &AllOptions::default())
        .await
        .expect("upgrade");
    assert!(report.baselined.is_empty(), "not a fresh install");
    let ran: Vec<String> = report
        .pre_sync
        .iter()
        .chain(&report.post_sync)
        .map(|r| r.name())
        .collect();
    assert_eq!(
        ran,
        ["shop:0001_prices", "shop:0002_names", "shop:0003_seed"]
    );
    assert_eq!(
        t.rows("SELECT title, legacy_price FROM item WHERE id = 1")
            .await,
        [[Some("Old Title".to_owned()), Some("300".to_owned())]],
        "the old migrations ran on the old data"
    );
});

// ---- operator commands ---------------------------------------------------

use m_runtime::migrate::operate;

fn refused(error: Error, needle: &str) {
    let message = error.to_string();
    assert!(
        matches!(error, Error::Migration(_))
            && message.contains(needle)
            && message.ends_with("nothing was changed"),
        "{message}"
    );
}

async fn ledger(t: &TestDb, registry: &Registry) -> Vec<(String, Option<Event>)> {
    migrate::status(&t.db, registry)
        .await
        .expect("status")
        .migrations
        .into_iter()
        .filter(|m| m.applied.is_some())
        .map(|m| (m.id, m.recorded_as))
        .collect()
}

all_backends!(mark_applied_and_unmark, |t| async move {
    let registry = with(&[&FIRST, &POST]);
    let row = operate::mark_applied(&t.db, &registry, "life:0001_first")
        .await
        .expect("mark");
    assert_eq!(
        (row.name(), row.checksum.as_str()),
        ("life:0001_first".into(), "sha256:first")
    );
    assert_eq!(
        ledger(&t, &registry).await,
        [("0001_first".into(), Some(Event::Marked))]
    );
    refused(
        operate::mark_applied(&t.db, &registry, "life:0001_first")
            .await
            .expect_err("refused"),
        "is already applied",
    );
    refused(
        operate::mark_applied(&t.db, &registry, "life:0009_nope")
            .await
            .expect_err("refused"),
        "no migration `life:0009_nope` is registered",
    );
    operate::unmark(&t.db, &registry, "life:0001_first")
        .await
        .expect("unmark");
    assert!(ledger(&t, &registry).await.is_empty());
    refused(
        operate::unmark(&t.db, &registry, "life:0001_first")
            .await
            .expect_err("refused"),
        "is not applied",
    );
    // Run for real after an unmark: recorded as run, not marked.
    migrate::run(&t.db, &registry, &migrate::RunOptions::default())
        .await
        .expect("run");
    assert_eq!(
        ledger(&t, &registry).await,
        [("0001_first".into(), None), ("0002_post".into(), None)]
    );
});

all_backends!(
    unmark_refuses_while_a_dependent_is_applied,
    |t| async move {
        static DEPENDENT: MigrationDef = MigrationDef {
            app: "other",
            id: "0001_dep",
            depends_on: &["life:0001_first"],
            phase: MigrationPhase::PreSync,
            checksum: "sha256:dep",
            up: MigrationBody::Sql(""),
            down: None,
            source: concat!(file!(), ":", line!()),
            on_fresh: Fresh::Skip,
        };
        let registry = with(&[&FIRST, &DEPENDENT]);
        refused(
            operate::mark_applied(&t.db, &registry, "other:0001_dep")
                .await
                .expect_err("refused"),
            "needs `life:0001_first`, not applied",
        );
        migrate::run(&t.db, &registry, &migrate::RunOptions::default())
            .await
            .expect("run");
        refused(
            operate::unmark(&t.db, &registry, "life:0001_first")
                .await
                .expect_err("refused"),
            "`other:0001_dep` depend on `life:0001_first`",
        );
    }
);

all_backends!(
    accept_records_the_new_checksum_beside_the_old,
    |t| async move {
        migrate::run(&t.db, &with(&[&FIRST]), &migrate::RunOptions::default())
            .await
            .expect("run");
        let edited = with(&[&FIRST_EDITED]);
        migrate::run(&t.db, &edited, &migrate::RunOptions::default())
            .await
            .expect_err("the edit stops runs");
        let accepted = operate::accept(&t.db, &edited, "life:0001_first")
            .await
            .expect("accept");
        assert_eq!(
            (
                accepted.previous_checksum.as_str(),
                accepted.checksum.as_str()
            ),
            ("sha256:first", "sha256:first-edited")
        );
        let status = migrate::status(&t.db, &edited).await.expect("status");
        assert!(status.problems.is_empty(), "{:?}", status.problems);
        let event = status.events.last().expect("an event");
        assert_eq!(
            (
                event.event,
                event.checksum.as_deref(),
                event.previous_checksum.as_deref()
            ),
            (
                Event::Accepted,
                Some("sha256:first-edited"),
                Some("sha256:first")
            )
        );
        assert!(!event.at.is_empty());
        refused(
            operate::accept(&t.db, &edited, "life:0001_first")
                .await
                .expect_err("refused"),
            "nothing to accept",
        );
    }
);

all_backends!(baseline_adopts_a_database, |t| async move {
    let registry = with(&[&FIRST, &POST, &NEW_PRE]);
    let rows = operate::baseline(&t.db, &registry).await.expect("baseline");
    let names: Vec<String> = rows.iter().map(|r| r.name()).collect();
    assert_eq!(
        names,
        ["life:0001_first", "life:0003_pre", "life:0002_post"]
    );
    assert!(
        ledger(&t, &registry)
            .await
            .iter()
            .all(|(_, how)| *how == Some(Event::Baselined))
    );
    refused(
        operate::baseline(&t.db, &registry)
            .await
            .expect_err("refused"),
        "the ledger already records 3 migration(s)",
    );
});

migration!(SQUASHED = "0010_squashed", PreSync, "sha256:squashed");

all_backends!(squash_replaces_an_apps_history, |t| async move {
    migrate::run(
        &t.db,
        &with(&[&FIRST, &POST]),
        &migrate::RunOptions::default(),
    )
    .await
    .expect("old history");
    // The code now holds only the squashed migration.
    let squashed = with(&[&SQUASHED]);
    refused(
        operate::squash(
            &t.db,
            &with(&[&SQUASHED, &NEW_PRE]),
            "life",
            "0010_squashed",
        )
        .await
        .expect_err("refused"),
        "`life:0003_pre` of `life` are pending",
    );
    let report = operate::squash(&t.db, &squashed, "life", "0010_squashed")
        .await
        .expect("squash");
    let replaced: Vec<String> = report.replaced.iter().map(|r| r.name()).collect();
    assert_eq!(replaced, ["life:0001_first", "life:0002_post"]);
    let status = migrate::status(&t.db, &squashed).await.expect("status");
    assert!(status.unregistered.is_empty(), "the replaced rows are gone");
    assert_eq!(
        ledger(&t, &squashed).await,
        [("0010_squashed".into(), Some(Event::Squashed))]
    );
    refused(
        operate::squash(&t.db, &squashed, "life", "0010_squashed")
            .await
            .expect_err("refused"),
        "is already applied",
    );
});

all_backends!(forget_app_removes_a_retired_apps_rows, |t| async move {
    let registry = with(&[&FIRST]);
    Boot::new(&t.url)
        .registry(registry.clone())
        .run()
        .await
        .expect("boot");
    refused(
        operate::forget_app(&t.db, &registry, "synthetic")
            .await
            .expect_err("refused"),
        "`synthetic` is linked into this binary",
    );
    // The binary no longer links `life` nor `synthetic`.
    let retired = Registry::default();
    let forgotten = operate::forget_app(&t.db, &retired, "life")
        .await
        .expect("forget life");
    assert_eq!(forgotten.migrations.len(), 1);
    let forgotten = operate::forget_app(&t.db, &retired, "synthetic")
        .await
        .expect("forget synthetic");
    assert_eq!(forgotten.doctypes, 2);
    m_runtime::state::check_linked_apps(&t.db, &retired)
        .await
        .expect("no forgotten app is reported any more");
    assert!(
        t.verify(&synthetic::registry(2).schema()).await.is_empty(),
        "the tables stay"
    );
    refused(
        operate::forget_app(&t.db, &retired, "life")
            .await
            .expect_err("refused"),
        "m's tables hold nothing of an app `life`",
    );
});

// A row recorded without running (a fresh install's baseline cut short by a
// crash before the post-sync seeds, or a mark) is not "applied later": the
// pending migration that sorts before it still runs.
shop!(
    SEED_FIRST = "0001_seed",
    PostSync,
    "INSERT INTO item (id, title) VALUES (7, 'seed')",
    Run
);
shop!(
    FIX_LATER = "0002_fix",
    PostSync,
    "UPDATE item SET title = old_name",
    Skip
);

all_backends!(
    a_row_recorded_without_running_is_not_applied_later,
    |t| async move {
        let mut registry = Registry {
            doctypes: vec![&ITEM_V3],
            migrations: vec![&SEED_FIRST, &FIX_LATER],
            ..Default::default()
        };
        registry.sort();
        // A fresh install whose sync is held back (as a crash would cut it
        // short): the fix is baselined, the seed has not run yet.
        let held = migrate::run_all(
            &t.db,
            &registry,
            &AllOptions::default().policy(m_runtime::Policy::review_only()),
        )
        .await
        .expect("held back");
        assert!(!held.is_complete());
        assert_eq!(held.baselined.len(), 1);
        let report = migrate::run_all(&t.db, &registry, &AllOptions::default())
            .await
            .expect("the seed is not out of order");
        assert_eq!(report.post_sync.len(), 1);
        assert_eq!(t.count("item").await, 1);
        let status = migrate::status(&t.db, &registry).await.expect("status");
        assert!(status.problems.is_empty(), "{:?}", status.problems);
        assert_eq!(status.pending().count(), 0);
    }
);

/// `person` as a stranger left it: `phone` is NOT NULL without a default.
async fn person_with_a_required_phone(t: &m_tests::TestDb) {
    t.exec("CREATE TABLE person (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(100) NOT NULL, phone VARCHAR(40) NOT NULL)")
        .await;
    t.exec("INSERT INTO person (id, name, phone) VALUES (1, 'Ann', '555-0101'), (2, 'Bob', '555-0102')")
        .await;
}

/// `person` as the code now declares it: no `phone`.
fn person_without_phone() -> Schema {
    let mut desired = Schema::default();
    desired.insert(
        Table::new("person")
            .app("crm")
            .column(Column::new("id", LogicalType::I64))
            .column(Column::new(
                "name",
                LogicalType::String {
                    max_length: Some(100),
                },
            ))
            .primary_key(["id"]),
    );
    desired
}

all_backends!(
    an_orphan_not_null_column_is_relaxed_so_the_code_can_insert,
    |t| async move {
        person_with_a_required_phone(&t).await;
        let desired = person_without_phone();
        let (plan, report) = t.sync(&desired, &Policy::default()).await;
        let kinds: Vec<(&str, Risk, bool)> = plan
            .changes
            .iter()
            .map(|c| (c.change.kind(), c.risk, c.is_applied()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("drop_not_null", Risk::Safe, true),
                ("orphan_column", Risk::Breaking, false)
            ]
        );
        assert!(
            plan.changes[0]
                .reason
                .contains("no DocType declares `phone`"),
            "{}",
            plan.changes[0].reason
        );
        assert_eq!(report.applied.len(), 1);
        // The new code's insert names only its own columns, and succeeds.
        t.exec("INSERT INTO person (id, name) VALUES (3, 'Cy')")
            .await;
        let rows = t.rows("SELECT id, phone FROM person ORDER BY id").await;
        let rows: Vec<(Option<String>, Option<String>)> = rows
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect();
        assert_eq!(
            rows,
            [
                (Some("1".into()), Some("555-0101".into())),
                (Some("2".into()), Some("555-0102".into())),
                (Some("3".into()), None),
            ],
            "the orphan's values are kept"
        );
        // Relaxed once: only the orphan itself is left to report.
        let again = t.verify(&desired).await;
        let kinds: Vec<&str> = again.changes.iter().map(|c| c.change.kind()).collect();
        assert_eq!(kinds, ["orphan_column"]);
        assert!(again.retired.is_empty());
    }
);

all_backends!(
    retired_columns_and_tables_are_acknowledged,
    |t| async move {
        person_with_a_required_phone(&t).await;
        t.exec("CREATE TABLE legacy_invoice (id INTEGER NOT NULL PRIMARY KEY)")
            .await;
        let mut desired = person_without_phone();
        let person = desired.tables.get_mut("person").expect("person");
        person.retired_columns.push("phone".into());
        // Unacknowledged: the orphan table and column are BREAKING.
        let plan = t.verify(&desired).await;
        let kinds: Vec<&str> = plan.changes.iter().map(|c| c.change.kind()).collect();
        assert_eq!(kinds, ["drop_not_null", "orphan_table"]);
        desired.retire_table("legacy_invoice", "billing");
        let (plan, _) = t.sync(&desired, &Policy::default()).await;
        assert_eq!(plan.changes.len(), 1, "only the relaxed NOT NULL runs");
        let plan = t.verify(&desired).await;
        assert!(plan.is_empty(), "{:?}", plan.changes);
        assert_eq!(
            plan.retired,
            [
                Retired {
                    app: Some("billing".into()),
                    table: "legacy_invoice".into(),
                    column: None
                },
                Retired {
                    app: Some("crm".into()),
                    table: "person".into(),
                    column: Some("phone".into())
                },
            ]
        );
        // The data is where it was.
        assert_eq!(t.count("legacy_invoice").await, 0);
        let phones = t.rows("SELECT phone FROM person ORDER BY id").await;
        assert_eq!(phones[0][0].as_deref(), Some("555-0101"));
        // Once a migration drops them, nothing is listed (a stale declaration
        // is harmless).
        t.exec("DROP TABLE legacy_invoice").await;
        assert!(t.verify(&desired).await.retired.len() == 1);
    }
);
