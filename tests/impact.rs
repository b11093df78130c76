//! Lock and rewrite awareness (issue #10 item 8): every planned change says
//! whether it rewrites or reads the whole table, the lock it holds, and on
//! MySQL the `ALTER TABLE` algorithm; its reason says so in words. The
//! claims are checked against what the database does: on PostgreSQL a
//! rewrite is a new `relfilenode`; on MariaDB a rebuild is a new InnoDB
//! table id, and the claimed `ALGORITHM=`/`LOCK=` is accepted for the
//! change's statement while a cheaper one is refused; on SQLite a rebuild
//! is the `REBUILD` algorithm and copies the table.

use m_runtime::Policy;
use m_runtime::plan::{Impact, PlannedChange};
use m_runtime::schema::{
    Column, DefaultValue, ForeignKey, LogicalType as T, ReferentialAction, Schema, Table,
};
use m_tests::{Backend, TestDb, all_backends};

fn schema(tables: impl IntoIterator<Item = Table>) -> Schema {
    let mut s = Schema::default();
    tables.into_iter().for_each(|t| s.insert(t));
    s
}

fn owner() -> Table {
    Table::new("owner")
        .column(Column::new("id", T::I64))
        .primary_key(["id"])
}

/// `item` as the stranger's DDL below creates it.
fn item() -> Table {
    Table::new("item")
        .column(Column::new("id", T::I64))
        .column(Column::new("qty", T::I32).nullable())
        .column(
            Column::new(
                "name",
                T::String {
                    max_length: Some(20),
                },
            )
            .nullable(),
        )
        .column(
            Column::new(
                "price",
                T::Decimal {
                    precision: 10,
                    scale: 2,
                },
            )
            .default(DefaultValue::Int(1)),
        )
        .column(Column::new("owner_id", T::I64).nullable())
        .primary_key(["id"])
}

/// The table's physical identity, which a rewrite replaces (`None` on
/// SQLite, which has none to read).
async fn physical_id(t: &TestDb, table: &str) -> Option<i64> {
    let sql = match t.backend {
        Backend::Sqlite => return None,
        Backend::Postgres => format!(
            "SELECT relfilenode::bigint FROM pg_class WHERE relname = '{table}' AND relnamespace = current_schema()::regnamespace"
        ),
        Backend::Mysql => format!(
            "SELECT TABLE_ID FROM information_schema.INNODB_SYS_TABLES WHERE NAME = CONCAT(DATABASE(), '/{table}')"
        ),
    };
    Some(
        t.db.fetch_i64(&sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .expect("the table's id"),
    )
}

/// MariaDB's algorithms, cheapest first.
const ALGORITHMS: [&str; 4] = ["INSTANT", "NOCOPY", "INPLACE", "COPY"];

/// Plans `desired` under `--allow-warning`, finds the one change of `kind`,
/// carries the plan out and checks the change's impact against what the
/// database did. On MySQL the change's statement runs by hand with its
/// claimed `ALGORITHM=` and `LOCK=` appended, after the next cheaper
/// algorithm (and `LOCK=NONE` where it claims more) was refused.
async fn step(t: &TestDb, desired: &Schema, kind: &str) -> PlannedChange {
    let plan = m_runtime::plan(&t.db, desired, &Policy::allow_warning())
        .await
        .expect("plan");
    let found: Vec<&PlannedChange> = plan
        .changes
        .iter()
        .filter(|c| c.change.kind() == kind)
        .collect();
    assert_eq!(found.len(), 1, "one {kind} in {:#?}", plan.changes);
    let change = found[0].clone();
    assert!(change.is_applied(), "{change:#?}");
    if let Some(sentence) = change.impact.describe() {
        assert!(
            change.reason.contains(&sentence),
            "the reason says what the change does to the table: {}",
            change.reason
        );
    }
    let table = change.change.table().to_owned();
    let before = physical_id(t, &table).await;
    let by_hand = t.backend == Backend::Mysql
        && change.sql.len() == 1
        && ["ALTER TABLE", "CREATE INDEX", "DROP INDEX"]
            .iter()
            .any(|p| change.sql[0].starts_with(p))
        && plan.applied().count() == 1;
    // Dropping a key also drops the index MySQL made for it, through a
    // prepared statement: its table id is checked, its algorithm is not.
    assert!(
        by_hand || t.backend != Backend::Mysql || kind == "drop_foreign_key",
        "each MySQL step is one statement: {:#?}",
        change.sql
    );
    if by_hand {
        let statement = &change.sql[0];
        // ALTER TABLE takes the clauses after a comma, CREATE INDEX as options.
        let sep = if statement.starts_with("ALTER TABLE") {
            ", "
        } else {
            " "
        };
        let claimed = change.impact.algorithm.expect("an algorithm on MySQL");
        let lock = change.impact.lock.expect("a lock on MySQL");
        let rank = ALGORITHMS
            .iter()
            .position(|a| *a == claimed)
            .expect("a known algorithm");
        // NOCOPY is MariaDB's in-place without rebuild: what an INPLACE
        // that rewrites nothing is.
        let cheaper = match (claimed, change.impact.rewrites_table) {
            ("INPLACE", false) => Some("INSTANT"),
            _ => rank.checked_sub(1).map(|r| ALGORITHMS[r]),
        };
        if let Some(cheaper) = cheaper {
            let refused =
                t.db.execute(&format!("{statement}{sep}ALGORITHM={cheaper}"))
                    .await;
            assert!(
                refused.is_err(),
                "MariaDB ran {statement} with ALGORITHM={cheaper}, cheaper than the claimed {claimed}"
            );
        }
        if lock != "NONE" {
            let refused =
                t.db.execute(&format!(
                    "{statement}{sep}ALGORITHM={claimed}{sep}LOCK=NONE"
                ))
                .await;
            assert!(
                refused.is_err(),
                "MariaDB ran {statement} with LOCK=NONE, though {lock} is claimed"
            );
        }
        t.exec(&format!(
            "{statement}{sep}ALGORITHM={claimed}{sep}LOCK={lock}"
        ))
        .await;
    } else {
        m_runtime::apply(&t.db, &plan).await.expect("apply");
    }
    let after = physical_id(t, &table).await;
    if let (Some(before), Some(after)) = (before, after) {
        assert_eq!(
            before != after,
            change.impact.rewrites_table,
            "{kind}: the table was {}rewritten, the plan said {:?}",
            if before != after { "" } else { "not " },
            change.impact
        );
    }
    let again = t.verify(desired).await;
    assert!(again.is_empty(), "{:#?}", again.changes);
    change
}

fn impact(
    rewrites: bool,
    scans: bool,
    lock: &'static str,
    algorithm: Option<&'static str>,
) -> Impact {
    Impact {
        rewrites_table: rewrites,
        scans_table: scans,
        lock: Some(lock),
        algorithm,
        advice: None,
    }
}

fn without_advice(c: &PlannedChange) -> Impact {
    Impact {
        advice: None,
        ..c.impact
    }
}

all_backends!(each_change_says_what_it_does_to_the_table, |t| async move {
    let b = t.backend;
    t.exec("CREATE TABLE owner (id BIGINT NOT NULL PRIMARY KEY)")
        .await;
    t.exec(
        "CREATE TABLE item (id BIGINT NOT NULL PRIMARY KEY, qty INTEGER, name VARCHAR(20), \
         price NUMERIC(10,2) NOT NULL DEFAULT 1, owner_id BIGINT)",
    )
    .await;
    t.exec("INSERT INTO owner VALUES (1), (2)").await;
    t.exec(
        "INSERT INTO item (id, qty, name, owner_id) VALUES (1, 5, 'pen', 1), (2, 7, 'ink', 2), (3, NULL, 'pad', NULL)",
    )
    .await;
    assert!(t.verify(&schema([owner(), item()])).await.is_empty());

    // A new nullable column: catalog only everywhere.
    let mut table = item().column(Column::new("note", T::String { max_length: None }).nullable());
    let c = step(&t, &schema([owner(), table.clone()]), "add_column").await;
    let expected = match b {
        Backend::Postgres => impact(false, false, "ACCESS EXCLUSIVE", None),
        Backend::Mysql => impact(false, false, "NONE", Some("INSTANT")),
        Backend::Sqlite => impact(false, false, "WRITE", None),
    };
    assert_eq!(without_advice(&c), expected);

    // A longer varchar: binary compatible on PostgreSQL, instant on
    // MariaDB, no change at all on SQLite.
    if b != Backend::Sqlite {
        table = map(table, "name", |c| Column {
            ty: T::String {
                max_length: Some(40),
            },
            ..c
        });
        let c = step(&t, &schema([owner(), table.clone()]), "alter_column_type").await;
        let expected = match b {
            Backend::Postgres => impact(false, false, "ACCESS EXCLUSIVE", None),
            _ => impact(false, false, "NONE", Some("INSTANT")),
        };
        assert_eq!(without_advice(&c), expected);

        // int to bigint: a rewrite on both.
        table = map(table, "qty", |c| Column { ty: T::I64, ..c });
        let c = step(&t, &schema([owner(), table.clone()]), "alter_column_type").await;
        let expected = match b {
            Backend::Postgres => impact(true, true, "ACCESS EXCLUSIVE", None),
            _ => impact(true, true, "SHARED", Some("COPY")),
        };
        assert_eq!(without_advice(&c), expected);
        assert!(c.reason.contains("docs/zero-downtime.md"), "{}", c.reason);
    }

    // NOT NULL: PostgreSQL reads the table, MariaDB rebuilds it in place,
    // SQLite rebuilds it.
    table = map(table, "name", |c| Column {
        nullable: false,
        ..c
    });
    let c = step(&t, &schema([owner(), table.clone()]), "set_not_null").await;
    let expected = match b {
        Backend::Postgres => impact(false, true, "ACCESS EXCLUSIVE", None),
        Backend::Mysql => impact(true, true, "NONE", Some("INPLACE")),
        Backend::Sqlite => impact(true, true, "WRITE", Some("REBUILD")),
    };
    assert_eq!(without_advice(&c), expected);
    if b == Backend::Sqlite {
        assert!(
            c.sql.iter().any(|s| s.starts_with("CREATE TABLE")),
            "{:#?}",
            c.sql
        );
    }

    // An index: writes wait on PostgreSQL (SHARE), go on on MariaDB.
    table = table.index(["qty"], false);
    let c = step(&t, &schema([owner(), table.clone()]), "add_index").await;
    let expected = match b {
        Backend::Postgres => impact(false, true, "SHARE", None),
        Backend::Mysql => impact(false, true, "NONE", Some("INPLACE")),
        Backend::Sqlite => impact(false, true, "WRITE", None),
    };
    assert_eq!(without_advice(&c), expected);
    if b == Backend::Postgres {
        // The m way, not only the SQL.
        assert!(
            c.reason.contains("`migrate make --online <name>`")
                && c.reason.contains("ops::add_index_online")
                && c.reason.contains("CREATE INDEX CONCURRENTLY"),
            "{}",
            c.reason
        );
    }

    // A foreign key: validated under SHARE ROW EXCLUSIVE on PostgreSQL,
    // copied on MariaDB (foreign_key_checks is on), rebuilt on SQLite.
    table = table.foreign_key(ForeignKey::new(
        "item",
        vec!["owner_id".into()],
        "owner",
        vec!["id".into()],
        ReferentialAction::NoAction,
    ));
    let c = step(&t, &schema([owner(), table.clone()]), "add_foreign_key").await;
    let expected = match b {
        Backend::Postgres => impact(false, true, "SHARE ROW EXCLUSIVE", None),
        Backend::Mysql => impact(true, true, "SHARED", Some("COPY")),
        Backend::Sqlite => impact(true, true, "WRITE", Some("REBUILD")),
    };
    assert_eq!(without_advice(&c), expected);
    if b == Backend::Postgres {
        assert!(
            c.reason.contains("`migrate make --online <name>`")
                && c.reason.contains("ops::add_foreign_key_not_valid")
                && c.reason.contains("ops::validate_foreign_key"),
            "{}",
            c.reason
        );
    }

    // A new default: catalog only, except SQLite, which rebuilds.
    table = map(table, "price", |c| c.default(DefaultValue::Int(2)));
    let c = step(&t, &schema([owner(), table.clone()]), "alter_default").await;
    let expected = match b {
        Backend::Postgres => impact(false, false, "ACCESS EXCLUSIVE", None),
        Backend::Mysql => impact(false, false, "NONE", Some("INSTANT")),
        Backend::Sqlite => impact(true, true, "WRITE", Some("REBUILD")),
    };
    assert_eq!(without_advice(&c), expected);

    // NOT NULL dropped: catalog only on PostgreSQL, a rebuild elsewhere.
    table = map(table, "name", Column::nullable);
    let c = step(&t, &schema([owner(), table.clone()]), "drop_not_null").await;
    let expected = match b {
        Backend::Postgres => impact(false, false, "ACCESS EXCLUSIVE", None),
        Backend::Mysql => impact(true, true, "NONE", Some("INPLACE")),
        Backend::Sqlite => impact(true, true, "WRITE", Some("REBUILD")),
    };
    assert_eq!(without_advice(&c), expected);

    // A CHECK: validated over every row (MariaDB copies the table for it),
    // and dropped from the catalog only (SQLite rebuilds for both).
    table = table.check("price_positive", "price >= 0");
    let c = step(&t, &schema([owner(), table.clone()]), "add_check").await;
    let expected = match b {
        Backend::Postgres => impact(false, true, "ACCESS EXCLUSIVE", None),
        Backend::Mysql => impact(true, true, "SHARED", Some("COPY")),
        Backend::Sqlite => impact(true, true, "WRITE", Some("REBUILD")),
    };
    assert_eq!(without_advice(&c), expected);
    if b == Backend::Postgres {
        assert!(c.reason.contains("NOT VALID"), "{}", c.reason);
    }
    table.checks.clear();
    let c = step(&t, &schema([owner(), table.clone()]), "drop_check").await;
    let expected = match b {
        Backend::Postgres => impact(false, false, "ACCESS EXCLUSIVE", None),
        Backend::Mysql => impact(false, false, "NONE", Some("INSTANT")),
        Backend::Sqlite => impact(true, true, "WRITE", Some("REBUILD")),
    };
    assert_eq!(without_advice(&c), expected);

    // The index and the key dropped again.
    table.indexes.clear();
    let c = step(&t, &schema([owner(), table.clone()]), "drop_index").await;
    let expected = match b {
        Backend::Postgres => impact(false, false, "ACCESS EXCLUSIVE", None),
        Backend::Mysql => impact(false, false, "NONE", Some("INPLACE")),
        Backend::Sqlite => impact(false, false, "WRITE", None),
    };
    assert_eq!(without_advice(&c), expected);
    table.foreign_keys.clear();
    let c = step(&t, &schema([owner(), table.clone()]), "drop_foreign_key").await;
    let expected = match b {
        Backend::Postgres => impact(false, false, "ACCESS EXCLUSIVE", None),
        Backend::Mysql => impact(false, false, "NONE", Some("INSTANT")),
        Backend::Sqlite => impact(true, true, "WRITE", Some("REBUILD")),
    };
    assert_eq!(without_advice(&c), expected);
    assert_eq!(t.count("item").await, 3);
});

all_backends!(a_primary_key_on_a_keyless_table, |t| async move {
    t.exec("CREATE TABLE visit (id BIGINT NOT NULL, path VARCHAR(20) NOT NULL)")
        .await;
    t.exec("INSERT INTO visit VALUES (1, '/'), (2, '/about')")
        .await;
    let desired = schema([Table::new("visit")
        .column(Column::new("id", T::I64))
        .column(Column::new(
            "path",
            T::String {
                max_length: Some(20),
            },
        ))
        .primary_key(["id"])]);
    let c = step(&t, &desired, "alter_primary_key").await;
    let expected = match t.backend {
        Backend::Postgres => impact(false, true, "ACCESS EXCLUSIVE", None),
        Backend::Mysql => impact(true, true, "NONE", Some("INPLACE")),
        Backend::Sqlite => impact(true, true, "WRITE", Some("REBUILD")),
    };
    assert_eq!(without_advice(&c), expected);
    assert_eq!(t.count("visit").await, 2);
});

all_backends!(the_json_carries_the_impact, |t| async move {
    t.exec("CREATE TABLE item (id BIGINT NOT NULL PRIMARY KEY, qty INTEGER)")
        .await;
    let desired = schema([Table::new("item")
        .column(Column::new("id", T::I64))
        .column(Column::new("qty", T::I32).nullable())
        .primary_key(["id"])
        .index(["qty"], false)]);
    let plan = t.verify(&desired).await;
    let json = serde_json::to_value(plan.json()).expect("json");
    let change = &json["changes"][0];
    assert_eq!(change["kind"], "add_index");
    assert_eq!(change["rewrites_table"], false);
    assert_eq!(change["scans_table"], true);
    let (lock, algorithm) = match t.backend {
        Backend::Postgres => ("SHARE", serde_json::Value::Null),
        Backend::Mysql => ("NONE", "INPLACE".into()),
        Backend::Sqlite => ("WRITE", serde_json::Value::Null),
    };
    assert_eq!(change["lock"], lock);
    assert_eq!(change["algorithm"], algorithm);
});

fn map(mut table: Table, name: &str, f: impl FnOnce(Column) -> Column) -> Table {
    let i = table
        .columns
        .iter()
        .position(|c| c.name == name)
        .expect("column");
    let column = table.columns.remove(i);
    table.columns.insert(i, f(column));
    table
}
