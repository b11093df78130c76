//! Rust enums as column types (issue #10, item 6): `#[derive(DocEnum)]`
//! and a `#[doctype]` field of it. On SQLite and PostgreSQL the column is
//! text with a CHECK `<table>_<column>_values` listing the values; on
//! MariaDB it is a native `ENUM(...)`. Either way a value added is SAFE and
//! applied, a value removed is measured (rows holding it make it BREAKING
//! with the count; none, a WARNING applied under `--allow-warning`), the
//! database refuses a value outside the list, and the derived sqlx impls
//! bind and read the enum.

use m_runtime::Policy;
use m_runtime::plan::{Plan, PlannedChange};
use m_runtime::prelude::*;
use m_runtime::risk::Risk;
use m_runtime::schema::{Column, DefaultValue, EnumValues, LogicalType, Schema, Table};
use m_tests::{Backend, TestDb, all_backends};
use sqlx::Row;

#[derive(Clone, Copy, Debug, PartialEq, Eq, DocEnum)]
pub enum Status {
    Open,
    #[doc_enum(rename = "closed!")]
    Closed,
    OnHold,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, DocEnum)]
#[doc_enum(rename_all = "UPPERCASE", type_name = "ticket_priority")]
pub enum Priority {
    Low,
    High,
}

#[doctype]
pub struct Ticket {
    #[field(primary_key)]
    pub id: i64,
    #[field(default = "open")]
    pub status: Status,
    pub priority: Option<Priority>,
}

fn schema(table: Table) -> Schema {
    let mut s = Schema::default();
    s.insert(table);
    s
}

fn tickets() -> Schema {
    schema(m_runtime::registry::table_of(Ticket::doctype()))
}

/// A `post` table whose `mood` is an enumeration of `values`.
fn post(values: &'static [&'static str]) -> Schema {
    let mood = LogicalType::Enum {
        name: "mood".into(),
        values: EnumValues::from_static(values),
    };
    schema(
        Table::new("post")
            .column(Column::new("id", LogicalType::I64))
            .column(Column::new("mood", mood))
            .primary_key(["id"]),
    )
}

/// The change that carries a change of values: the new check on SQLite
/// and PostgreSQL, the column's type change on MariaDB.
fn values_change(t: &TestDb, plan: &Plan) -> PlannedChange {
    let kind = match t.backend {
        Backend::Mysql => "alter_column_type",
        _ => "add_check",
    };
    let found: Vec<&PlannedChange> = plan
        .changes
        .iter()
        .filter(|c| c.change.kind() == kind)
        .collect();
    assert_eq!(found.len(), 1, "one {kind} in {:#?}", plan.changes);
    found[0].clone()
}

all_backends!(an_enum_column_round_trips, |t| async move {
    let desired = tickets();
    let (plan, report) = t.sync(&desired, &Policy::default()).await;
    assert!(report.is_complete(), "{:#?}", plan.changes);
    let again = t.verify(&desired).await;
    assert!(
        again.changes.is_empty(),
        "a synced enum column verifies clean: {:#?}",
        again.changes
    );
    let dialect = t.db.backend().dialect();
    let (p1, p2, p3) = (
        dialect.placeholder(1),
        dialect.placeholder(2),
        dialect.placeholder(3),
    );
    {
        let mut conn = t.db.connection().await.expect("connection");
        for (id, status, priority) in [
            (1, Status::Closed, Some(Priority::High)),
            (2, Status::OnHold, None),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO ticket (id, status, priority) VALUES ({p1}, {p2}, {p3})"
            )))
            .bind(id as i64)
            .bind(status)
            .bind(priority)
            .execute(&mut *conn)
            .await
            .expect("insert with the derived Encode");
        }
    }
    // The default is the declared one.
    t.exec("INSERT INTO ticket (id) VALUES (3)").await;
    let rows = {
        let mut conn = t.db.connection().await.expect("connection");
        sqlx::query("SELECT id, status, priority FROM ticket ORDER BY id")
            .fetch_all(&mut *conn)
            .await
            .expect("select")
    };
    let read: Vec<(i64, Status, Option<Priority>)> = rows
        .iter()
        .map(|r| {
            (
                r.get::<i64, _>(0),
                r.try_get::<Status, _>(1).expect("decode Status"),
                r.try_get::<Option<Priority>, _>(2)
                    .expect("decode Option<Priority>"),
            )
        })
        .collect();
    assert_eq!(
        read,
        [
            (1, Status::Closed, Some(Priority::High)),
            (2, Status::OnHold, None),
            (3, Status::Open, None),
        ]
    );
    assert_eq!(
        t.rows("SELECT status FROM ticket ORDER BY id").await,
        [["closed!"], ["on_hold"], ["open"]].map(|r| r.map(|v| Some(v.to_string())).to_vec())
    );
    // The database itself refuses a value outside the list.
    let refused =
        t.db.execute("INSERT INTO ticket (id, status) VALUES (9, 'closed')")
            .await;
    assert!(refused.is_err(), "`closed` is not a stored value");
    let other_case =
        t.db.execute("INSERT INTO ticket (id, status, priority) VALUES (9, 'open', 'low')")
            .await;
    if t.backend == Backend::Mysql {
        // MariaDB compares ENUM values in the column's collation
        // (case-insensitive by default) and stores the declared spelling.
        other_case.expect("MariaDB takes `low` for `LOW`");
        assert_eq!(
            t.rows("SELECT priority FROM ticket WHERE id = 9").await,
            [[Some("LOW".to_string())]]
        );
        t.exec("DELETE FROM ticket WHERE id = 9").await;
    } else {
        assert!(other_case.is_err(), "values compare case-sensitively");
    }
    assert_eq!(t.count("ticket").await, 3);
});

all_backends!(a_value_added_is_safe_and_applied, |t| async move {
    t.sync(&post(&["ok", "sad"]), &Policy::default()).await;
    t.exec("INSERT INTO post (id, mood) VALUES (1, 'ok'), (2, 'sad')")
        .await;
    // Appended at the end.
    let wider = post(&["ok", "sad", "meh"]);
    let (plan, report) = t.sync(&wider, &Policy::default()).await;
    let change = values_change(&t, &plan);
    assert_eq!(change.risk, Risk::Safe, "{}", change.reason);
    assert!(change.is_applied());
    assert!(report.is_complete(), "{:#?}", plan.changes);
    if t.backend == Backend::Mysql {
        assert_eq!(change.impact.algorithm, Some("INSTANT"));
    }
    assert!(
        t.verify(&wider).await.changes.is_empty(),
        "second sync is a no-op"
    );
    t.exec("INSERT INTO post (id, mood) VALUES (3, 'meh')")
        .await;
    // Inserted in the middle: SAFE too (MariaDB copies the table).
    let inserted = post(&["ok", "new", "sad", "meh"]);
    let (plan, report) = t.sync(&inserted, &Policy::default()).await;
    let change = values_change(&t, &plan);
    assert_eq!(change.risk, Risk::Safe, "{}", change.reason);
    if t.backend == Backend::Mysql {
        assert_eq!(change.impact.algorithm, Some("COPY"));
    }
    assert!(report.is_complete());
    assert!(t.verify(&inserted).await.changes.is_empty());
    assert_eq!(t.count("post").await, 3);
});

all_backends!(a_value_removed_is_measured, |t| async move {
    t.sync(&post(&["ok", "sad", "meh", "gone"]), &Policy::default())
        .await;
    t.exec("INSERT INTO post (id, mood) VALUES (1, 'ok'), (2, 'sad'), (3, 'sad'), (4, 'meh')")
        .await;
    // `sad` is held by two rows: BREAKING with the count, whatever the flag.
    let without_sad = post(&["ok", "meh", "gone"]);
    let (plan, report) = t.sync(&without_sad, &Policy::allow_warning()).await;
    let change = values_change(&t, &plan);
    assert_eq!(change.measured, Some(2), "{}", change.reason);
    assert_eq!(change.risk, Risk::Breaking, "{}", change.reason);
    assert!(report.applied.is_empty(), "{:#?}", report.applied);
    assert_eq!(
        t.rows("SELECT mood FROM post ORDER BY id").await,
        [["ok"], ["sad"], ["sad"], ["meh"]].map(|r| r.map(|v| Some(v.to_string())).to_vec()),
        "rows intact"
    );
    // `gone` is held by none: a measured WARNING, held back by default...
    let without_gone = post(&["ok", "sad", "meh"]);
    let plan = t.verify(&without_gone).await;
    let change = values_change(&t, &plan);
    assert_eq!(change.measured, Some(0), "{}", change.reason);
    assert_eq!(change.risk, Risk::Warning, "{}", change.reason);
    assert!(!change.is_applied());
    // ... applied with --allow-warning, after which `gone` is refused.
    let (_, report) = t.sync(&without_gone, &Policy::allow_warning()).await;
    assert!(report.is_complete());
    assert!(!report.applied.is_empty());
    assert!(t.verify(&without_gone).await.changes.is_empty());
    let refused =
        t.db.execute("INSERT INTO post (id, mood) VALUES (5, 'gone')")
            .await;
    assert!(refused.is_err(), "`gone` is no longer a value");
    assert_eq!(t.count("post").await, 4);
});

// `migrate make` for a value removed while rows hold it: the check's drop
// and add (SQLite, PostgreSQL) or the ENUM's type change (MariaDB).
all_backends!(make_writes_a_value_removal, |t| async move {
    let of_app = |s: Schema| {
        let mut s = s;
        let table = s.tables["post"].clone().app("blog");
        s.insert(table);
        s
    };
    t.sync(&of_app(post(&["ok", "sad", "meh"])), &Policy::default())
        .await;
    t.exec("INSERT INTO post (id, mood) VALUES (1, 'ok'), (2, 'sad')")
        .await;
    let desired = of_app(post(&["ok", "meh"]));
    let plan = t.verify(&desired).await;
    let live = m_runtime::introspect(&t.db).await.expect("introspect");
    let (live, desired) = m_runtime::plan::prepare(t.db.backend().dialect(), &live, &desired);
    let made = m_runtime::ops::make("blog", "0001_no_sad", None, &plan, &live, &desired, false)
        .expect("make writes it");
    let expected = match t.backend {
        Backend::Mysql => {
            r#"ops::alter_type("post", "mood", LogicalType::Custom { sql: "enum('ok', 'meh')".into() })"#
        }
        _ => r#"ops::add_check("post", "post_mood_values", "\"mood\" IN ('ok', 'meh')")"#,
    };
    assert!(made.source.contains(expected), "{}", made.source);
});

all_backends!(an_enum_default_verifies_clean, |t| async move {
    let mood = LogicalType::Enum {
        name: "mood".into(),
        values: EnumValues::from_static(&["ok", "it's"]),
    };
    let desired = schema(
        Table::new("post")
            .column(Column::new("id", LogicalType::I64))
            .column(Column::new("mood", mood).default(DefaultValue::Text("it's".into())))
            .primary_key(["id"]),
    );
    let (_, report) = t.sync(&desired, &Policy::default()).await;
    assert!(report.is_complete());
    assert!(t.verify(&desired).await.changes.is_empty());
    t.exec("INSERT INTO post (id) VALUES (1)").await;
    assert_eq!(
        t.rows("SELECT mood FROM post").await,
        [[Some("it's".to_string())]]
    );
});

#[test]
fn a_default_outside_the_values_is_a_registry_error() {
    use m_runtime::__private::{ColumnDef, DocTypeDef};
    use m_runtime::registry::Registry;
    static COLUMNS: [ColumnDef; 2] = [
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
            name: "status",
            field: "status",
            ty: <Status as m_runtime::DocEnum>::LOGICAL_TYPE,
            nullable: false,
            default: Some(DefaultValue::Text(std::borrow::Cow::Borrowed("closed"))),
            unique: false,
            index: false,
            renamed_from: &[],
            references: None,
        },
    ];
    static BAD: DocTypeDef = DocTypeDef {
        app: "helpdesk",
        name: "Ticket",
        table: "ticket",
        module_path: "helpdesk",
        columns: &COLUMNS,
        primary_key: &["id"],
        indexes: &[],
        renamed_from: &[],
        retired_columns: &[],
        checks: &[],
    };
    static CLASH: DocTypeDef = DocTypeDef {
        table: "ticket_two",
        name: "TicketTwo",
        checks: &[m_runtime::__private::CheckDef {
            name: "ticket_two_status_values",
            expr: "status <> 'x'",
        }],
        ..BAD
    };
    /// Another enum under `Status`'s type name, with other values.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, DocEnum)]
    #[doc_enum(type_name = "status")]
    enum Legacy {
        Open,
        Shut,
    }
    static LEGACY_COLUMNS: [ColumnDef; 2] = [
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
            name: "state",
            field: "state",
            ty: <Legacy as m_runtime::DocEnum>::LOGICAL_TYPE,
            nullable: true,
            default: None,
            unique: false,
            index: false,
            renamed_from: &[],
            references: None,
        },
    ];
    static SAME_TYPE_NAME: DocTypeDef = DocTypeDef {
        table: "old_ticket",
        name: "OldTicket",
        columns: &LEGACY_COLUMNS,
        ..BAD
    };
    let registry = Registry {
        doctypes: vec![&BAD, &CLASH, &SAME_TYPE_NAME],
        ..Registry::default()
    };
    let errors = registry.validate().expect_err("a bad default").to_string();
    assert!(
        errors.contains(
            "enumeration type `status` has the values [open, closed!, on_hold] in helpdesk::Ticket.status and [open, shut] in helpdesk::OldTicket.state: give one of the enums its own `#[doc_enum(type_name = \"...\")]`, or the same values"
        ),
        "{errors}"
    );
    assert!(
        errors.contains(
            "helpdesk::Ticket.status defaults to `closed`, which is not a value of `status`: write one of `open`, `closed!`, `on_hold`"
        ),
        "{errors}"
    );
    assert!(
        errors.contains(
            "helpdesk::TicketTwo declares check `ticket_two_status_values`, the name of the check that stores enumeration column `status`'s values: rename the check"
        ),
        "{errors}"
    );
}

#[test]
fn derived_values_and_parsing() {
    assert_eq!(Status::VALUES, ["open", "closed!", "on_hold"]);
    assert_eq!(Status::TYPE_NAME, "status");
    assert_eq!(Priority::VALUES, ["LOW", "HIGH"]);
    assert_eq!(Priority::TYPE_NAME, "ticket_priority");
    assert_eq!("on_hold".parse::<Status>(), Ok(Status::OnHold));
    assert_eq!(Status::Closed.to_string(), "closed!");
    let error = "closed".parse::<Status>().expect_err("not a value");
    assert_eq!(
        error.to_string(),
        "`closed` is not a value of `status`: expected one of `open`, `closed!`, `on_hold`"
    );
}

// PostgreSQL enum types made by hand --------------------------------------

/// A `post` table whose `mood` (with a default) and `other` columns share
/// the enum type `mood` of `values`.
fn post_on_type(values: &'static [&'static str], other: LogicalType) -> Schema {
    let mood = LogicalType::Enum {
        name: "mood".into(),
        values: EnumValues::from_static(values),
    };
    schema(
        Table::new("post")
            .column(Column::new("id", LogicalType::I64))
            .column(Column::new("mood", mood).default(DefaultValue::Text("ok".into())))
            .column(Column::new("other", other).nullable())
            .primary_key(["id"]),
    )
}

fn of_type(values: &'static [&'static str]) -> LogicalType {
    LogicalType::Enum {
        name: "mood".into(),
        values: EnumValues::from_static(values),
    }
}

/// An enum type of a named schema gains its values there: `ALTER TYPE`
/// names the table's schema, which the search path does not hold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_adds_values_to_an_enum_type_in_the_tables_schema() {
    if !Backend::Postgres.enabled() {
        eprintln!("skipped: postgres excluded by M_TEST_BACKENDS");
        return;
    }
    let t = TestDb::fresh(Backend::Postgres, "pg_enum_schema").await;
    t.exec("CREATE SCHEMA billing").await;
    t.exec("CREATE TYPE billing.mood AS ENUM ('ok', 'sad')")
        .await;
    t.exec("CREATE TABLE billing.post (id BIGINT PRIMARY KEY, mood billing.mood NOT NULL)")
        .await;
    t.exec("INSERT INTO billing.post VALUES (1, 'ok'), (2, 'sad')")
        .await;
    let desired = |values: &'static [&'static str]| {
        schema(
            Table::new("billing.post")
                .column(Column::new("id", LogicalType::I64))
                .column(Column::new("mood", of_type(values)))
                .primary_key(["id"]),
        )
    };
    let plan = t.verify(&desired(&["ok", "sad"])).await;
    assert!(plan.changes.is_empty(), "{:#?}", plan.changes);

    let wider = desired(&["ok", "sad", "meh"]);
    let (plan, report) = t.sync(&wider, &Policy::default()).await;
    assert_eq!(
        plan.changes[0].sql,
        [r#"ALTER TYPE "billing"."mood" ADD VALUE IF NOT EXISTS 'meh' AFTER 'sad'"#]
    );
    assert!(report.is_complete());
    let plan = t.verify(&wider).await;
    assert!(plan.changes.is_empty(), "{:#?}", plan.changes);
    assert_eq!(
        t.rows("SELECT string_agg(v::text, ',' ORDER BY v) FROM unnest(enum_range(NULL::billing.mood)) v")
            .await,
        [[Some("ok,sad,meh".to_string())]]
    );
    assert_eq!(t.count("billing.post").await, 2);
}

/// A live enum type m did not create is read as the enumeration it is and
/// adopted: the same values verify clean; values added are `ALTER TYPE ..
/// ADD VALUE` in the declared order (SAFE, applied, then a no-op); values
/// removed or reordered are measured and blocked (PostgreSQL cannot drop
/// an enum value); a column declared as text is converted (SAFE).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_adopts_a_hand_made_enum_type() {
    if !Backend::Postgres.enabled() {
        eprintln!("skipped: postgres excluded by M_TEST_BACKENDS");
        return;
    }
    let t = TestDb::fresh(Backend::Postgres, "pg_enum_type").await;
    t.exec("CREATE TYPE mood AS ENUM ('ok', 'sad')").await;
    t.exec(
        "CREATE TABLE post (id BIGINT PRIMARY KEY, mood mood NOT NULL DEFAULT 'ok', other mood)",
    )
    .await;
    t.exec("INSERT INTO post VALUES (1, 'ok', 'sad'), (2, 'sad', NULL), (3, 'sad', 'sad')")
        .await;
    let live = m_runtime::introspect(&t.db).await.expect("introspect");
    assert_eq!(live.tables["post"].columns[1].ty, of_type(&["ok", "sad"]));
    let same = post_on_type(&["ok", "sad"], of_type(&["ok", "sad"]));
    let plan = t.verify(&same).await;
    assert!(plan.changes.is_empty(), "{:#?}", plan.changes);

    // Values added before, between and after: SAFE, applied, in order.
    let wider = post_on_type(
        &["new", "ok", "mid", "sad", "meh"],
        of_type(&["new", "ok", "mid", "sad", "meh"]),
    );
    let (plan, report) = t.sync(&wider, &Policy::default()).await;
    assert_eq!(plan.changes.len(), 2, "{:#?}", plan.changes);
    for change in &plan.changes {
        assert_eq!(change.change.kind(), "alter_column_type");
        assert_eq!(change.risk, Risk::Safe, "{}", change.reason);
    }
    assert_eq!(
        plan.changes[0].sql,
        [
            r#"ALTER TYPE "mood" ADD VALUE IF NOT EXISTS 'new' BEFORE 'ok'"#,
            r#"ALTER TYPE "mood" ADD VALUE IF NOT EXISTS 'mid' BEFORE 'sad'"#,
            r#"ALTER TYPE "mood" ADD VALUE IF NOT EXISTS 'meh' AFTER 'sad'"#,
        ]
    );
    assert!(report.is_complete());
    let plan = t.verify(&wider).await;
    assert!(
        plan.changes.is_empty(),
        "second sync is a no-op: {:#?}",
        plan.changes
    );
    assert_eq!(
        t.rows("SELECT string_agg(v::text, ',' ORDER BY v) FROM unnest(enum_range(NULL::mood)) v")
            .await,
        [[Some("new,ok,mid,sad,meh".to_string())]]
    );

    // `sad` removed: two rows of `mood` hold it (measured), blocked.
    let without_sad = post_on_type(
        &["new", "ok", "mid", "meh"],
        of_type(&["new", "ok", "mid", "meh"]),
    );
    let (plan, report) = t.sync(&without_sad, &Policy::allow_warning()).await;
    let mood = plan
        .changes
        .iter()
        .find(|c| c.change.column() == Some("mood"))
        .expect("a change of mood");
    assert_eq!(mood.measured, Some(2), "{}", mood.reason);
    assert_eq!(mood.risk, Risk::Breaking);
    assert!(report.applied.is_empty());
    // `mid` removed, held by no row: a WARNING, still blocked: PostgreSQL
    // has no way to drop it in place.
    let without_mid = post_on_type(
        &["new", "ok", "sad", "meh"],
        of_type(&["new", "ok", "sad", "meh"]),
    );
    let (plan, report) = t.sync(&without_mid, &Policy::allow_warning()).await;
    for change in &plan.changes {
        assert_eq!(change.measured, Some(0), "{}", change.reason);
        assert_eq!(change.risk, Risk::Warning, "{}", change.reason);
        assert!(!change.is_applied());
        let why = format!("{:?}", change.action);
        assert!(
            why.contains("PostgreSQL cannot drop `mid` from the existing enum type `mood`"),
            "{why}"
        );
    }
    assert!(report.applied.is_empty());

    // `other` declared as text: converted, SAFE (every label fits).
    let text_other = post_on_type(
        &["new", "ok", "mid", "sad", "meh"],
        LogicalType::String { max_length: None },
    );
    let (plan, report) = t.sync(&text_other, &Policy::default()).await;
    assert_eq!(plan.changes.len(), 1, "{:#?}", plan.changes);
    assert_eq!(
        plan.changes[0].risk,
        Risk::Safe,
        "{}",
        plan.changes[0].reason
    );
    assert!(report.is_complete());
    assert!(t.verify(&text_other).await.changes.is_empty());
    // `migrate make` has no operation for an enum type's values.
    let mut declared = post_on_type(
        &["new", "ok", "mid", "sad"],
        LogicalType::String { max_length: None },
    );
    let table = declared.tables["post"].clone().app("blog");
    declared.insert(table);
    let plan = t.verify(&declared).await;
    let live = m_runtime::introspect(&t.db).await.expect("introspect");
    let (live, prepared) = m_runtime::plan::prepare(t.db.backend().dialect(), &live, &declared);
    let refused = m_runtime::ops::make("blog", "0001_no_meh", None, &plan, &live, &prepared, false)
        .expect_err("no operation for it");
    assert!(
        refused
            .0
            .contains("the values of `post.mood` (enum type `mood`)")
            && refused
                .0
                .contains("no operation changes an enum type's values"),
        "{}",
        refused.0
    );
    assert_eq!(
        t.rows("SELECT mood::text, other FROM post ORDER BY id")
            .await,
        [
            [Some("ok".to_string()), Some("sad".to_string())],
            [Some("sad".to_string()), None],
            [Some("sad".to_string()), Some("sad".to_string())],
        ],
        "rows intact"
    );
}
