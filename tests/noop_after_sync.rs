//! A database whose tables were written by hand, with the aliases and
//! default spellings each database accepts, diffs to nothing against the
//! equivalent declared schema.

use m_runtime::schema::{Column, DefaultValue, LogicalType as T, Schema, Table};
use m_tests::{Backend, all_backends};

/// The hand-written `CREATE TABLE`s: aliases (`int4`, `character varying`,
/// `tinyint(1)`, `int(11)`, `float8`, `decimal`), default spellings (`'0'`
/// for 0, `'x'::character varying`, `now()`), reserved words as names, and on
/// MySQL a column whose name differs from the declared one in case.
fn handwritten(backend: Backend) -> Vec<&'static str> {
    match backend {
        Backend::Sqlite => vec![
            r#"CREATE TABLE "order" ("group" VARCHAR(20) NOT NULL, "user" INT NOT NULL DEFAULT '0', flag BOOLEAN DEFAULT 1,
               amount DOUBLE PRECISION, total NUMERIC(10,2) DEFAULT '1.50', note VARCHAR(40) DEFAULT 'x',
               created DATETIME DEFAULT CURRENT_TIMESTAMP, big BIGINT, qty INT, PRIMARY KEY ("group", "user"))"#,
            r#"CREATE INDEX "by hand" ON "order" (note)"#,
            r#"CREATE TABLE "select" (id INTEGER PRIMARY KEY, "user" VARCHAR(20) NOT NULL, body TEXT, UNIQUE ("user"))"#,
            // Names are case-insensitive in SQLite.
            r#"CREATE TABLE "Mixed" ("Title" VARCHAR(10))"#,
        ],
        Backend::Postgres => vec![
            r#"CREATE TABLE "order" ("group" character varying(20) NOT NULL, "user" int4 NOT NULL DEFAULT '0', flag bool DEFAULT true,
               amount float8, total decimal(10,2) DEFAULT '1.50', note varchar(40) DEFAULT 'x'::character varying,
               created timestamp DEFAULT now(), big int8, qty integer, PRIMARY KEY ("group", "user"))"#,
            r#"CREATE INDEX "by hand" ON "order" (note)"#,
            r#"CREATE TABLE "select" (id bigint PRIMARY KEY, "user" character varying(20) NOT NULL, body text, CONSTRAINT u UNIQUE ("user"))"#,
            // Unquoted names fold to lower case.
            r#"CREATE TABLE Mixed (Title VARCHAR(10))"#,
        ],
        Backend::Mysql => vec![
            r#"CREATE TABLE `order` (`group` varchar(20) NOT NULL, `user` int(11) NOT NULL DEFAULT '0', flag tinyint(1) DEFAULT 1,
               amount double precision, total decimal(10,2) DEFAULT '1.50', Note varchar(40) DEFAULT 'x',
               created datetime(6) DEFAULT current_timestamp(6), big bigint(20), qty integer, PRIMARY KEY (`group`, `user`))"#,
            r#"CREATE INDEX `by hand` ON `order` (note)"#,
            r#"CREATE TABLE `select` (id bigint PRIMARY KEY, `user` varchar(20) NOT NULL, body longtext, CONSTRAINT u UNIQUE (`user`))"#,
            // Column names are case-insensitive (table names are not, on Linux).
            r#"CREATE TABLE mixed (Title VARCHAR(10))"#,
        ],
    }
}

/// The same tables, declared; `qty` declares its type as a `sql_type` alias.
fn declared(backend: Backend) -> Schema {
    let alias = match backend {
        Backend::Sqlite => "INT",
        Backend::Postgres => "int4",
        Backend::Mysql => "INTEGER",
    };
    let mut schema = Schema::default();
    schema.insert(
        Table::new("order")
            .column(Column::new(
                "group",
                T::String {
                    max_length: Some(20),
                },
            ))
            .column(Column::new("user", T::I32).default(DefaultValue::Int(0)))
            .column(
                Column::new("flag", T::Bool)
                    .nullable()
                    .default(DefaultValue::Bool(true)),
            )
            .column(Column::new("amount", T::F64).nullable())
            .column(
                Column::new(
                    "total",
                    T::Decimal {
                        precision: 10,
                        scale: 2,
                    },
                )
                .nullable()
                .default(DefaultValue::Float(1.5)),
            )
            .column(
                Column::new(
                    "note",
                    T::String {
                        max_length: Some(40),
                    },
                )
                .nullable()
                .default(DefaultValue::Text("x".into())),
            )
            .column(
                Column::new("created", T::DateTime)
                    .nullable()
                    .default(DefaultValue::CurrentTimestamp),
            )
            .column(Column::new("big", T::I64).nullable())
            .column(Column::new("qty", T::Custom { sql: alias.into() }).nullable())
            .primary_key(["group", "user"])
            .index(["note"], false),
    );
    schema.insert(
        Table::new("select")
            .column(Column::new("id", T::I64))
            .column(Column::new(
                "user",
                T::String {
                    max_length: Some(20),
                },
            ))
            .column(Column::new("body", T::String { max_length: None }).nullable())
            .primary_key(["id"])
            .index(["user"], true),
    );
    schema.insert(
        Table::new("mixed").column(
            Column::new(
                "title",
                T::String {
                    max_length: Some(10),
                },
            )
            .nullable(),
        ),
    );
    schema
}

all_backends!(handwritten_aliases_diff_to_nothing, |t| async move {
    for sql in handwritten(t.backend) {
        t.exec(sql).await;
    }
    let plan = t.verify(&declared(t.backend)).await;
    assert!(
        plan.is_empty(),
        "{}: expected no change, got {:#?}",
        t.backend.name(),
        plan.changes
    );
});

all_backends!(changes_reach_tables_named_in_another_case, |t| async move {
    for sql in handwritten(t.backend) {
        t.exec(sql).await;
    }
    // A new column and an index on the hand-written `Mixed`/`Title`.
    let mut desired = declared(t.backend);
    let mixed = desired.tables.remove("mixed").expect("mixed");
    desired.insert(
        mixed
            .column(
                Column::new(
                    "body",
                    T::String {
                        max_length: Some(10),
                    },
                )
                .nullable(),
            )
            .index(["title", "body"], false),
    );
    let (plan, report) = t.sync(&desired, &m_runtime::Policy::default()).await;
    assert_eq!(plan.changes.len(), 2, "{:#?}", plan.changes);
    assert!(report.is_complete());
    let again = t.verify(&desired).await;
    assert!(again.is_empty(), "{:#?}", again.changes);
});
