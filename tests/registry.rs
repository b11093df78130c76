//! Registry validation: every problem reported at once, naming the apps and
//! items involved.

use m_runtime::Registry;
use m_runtime::registry::{
    ColumnDef, DocTypeDef, MigrationBody, MigrationDef, MigrationPhase, OnFresh, ReferenceDef,
};
use m_runtime::schema::{LogicalType, ReferentialAction};

const fn column(name: &'static str, references: Option<ReferenceDef>) -> ColumnDef {
    ColumnDef {
        name,
        field: name,
        ty: LogicalType::I64,
        nullable: false,
        default: None,
        unique: false,
        index: false,
        renamed_from: &[],
        references,
    }
}

static BOOK_CATALOG: DocTypeDef = DocTypeDef {
    app: "catalog",
    name: "Book",
    table: "book",
    module_path: "catalog",
    columns: &[column("id", None), column("id", None)],
    primary_key: &["id"],
    indexes: &[],
    renamed_from: &[],
    retired_columns: &[],
    checks: &[],
};

static BOOK_LIBRARY: DocTypeDef = DocTypeDef {
    app: "library",
    name: "Volume",
    table: "book",
    module_path: "library::volumes",
    columns: &[column("id", None)],
    primary_key: &["id"],
    indexes: &[],
    renamed_from: &[],
    retired_columns: &[],
    checks: &[],
};

static SHELF: DocTypeDef = DocTypeDef {
    app: "library",
    name: "Shelf",
    table: "shelf",
    module_path: "library",
    columns: &[column("room", None), column("position", None)],
    primary_key: &["room", "position"],
    indexes: &[],
    renamed_from: &[],
    retired_columns: &[],
    checks: &[],
};

static LABEL: DocTypeDef = DocTypeDef {
    app: "library",
    name: "Label",
    table: "label",
    module_path: "library",
    columns: &[
        column("id", None),
        column(
            "shelf",
            Some(ReferenceDef {
                table: "shelf",
                column: "room",
                on_delete: ReferentialAction::NoAction,
            }),
        ),
        column(
            "ghost",
            Some(ReferenceDef {
                table: "ghost",
                column: "id",
                on_delete: ReferentialAction::NoAction,
            }),
        ),
    ],
    primary_key: &["id"],
    indexes: &[],
    renamed_from: &[],
    retired_columns: &[],
    checks: &[],
};

static NEEDS_SHIPPING: MigrationDef = MigrationDef {
    app: "library",
    id: "0001_ship",
    depends_on: &["shipping:0001_init"],
    phase: MigrationPhase::PreSync,
    checksum: "sha256:00",
    up: MigrationBody::Sql("SELECT 1"),
    down: None,
    source: "library",
    on_fresh: OnFresh::Skip,
};

#[test]
fn every_problem_is_reported_together() {
    let mut registry = Registry {
        doctypes: vec![&BOOK_CATALOG, &BOOK_LIBRARY, &SHELF, &LABEL],
        migrations: vec![&NEEDS_SHIPPING],
        expected_apps: vec!["catalog", "library", "orders"],
        ..Registry::default()
    };
    registry.sort();
    let errors = registry.validate().expect_err("invalid").to_string();
    let expect = [
        // Duplicate table across apps, naming both declarations and apps.
        "table `book` is declared by catalog::Book (app `catalog`) and library::volumes::Volume (app `library`)",
        // Duplicate column.
        "DocType catalog::Book declares column `id` twice",
        // A reference to a table no linked app declares.
        "library::Label.ghost references table `ghost`, which no linked app declares",
        // A single-column reference to a composite key.
        "library::Label.shelf references `Shelf`, whose primary key (room, position) has several columns",
        // A dependency on an app that is not linked.
        "migration `library:0001_ship` depends on `shipping:0001_init`, but app `shipping` is not linked into this binary",
        // An app named in apps![] that registered nothing.
        "app `orders` is listed in `apps![...]` but registered nothing",
    ];
    for e in expect {
        assert!(errors.contains(e), "missing «{e}» in:\n{errors}");
    }
    assert!(errors.starts_with("6 problem(s)"), "{errors}");
}

#[test]
fn an_empty_registry_says_how_to_link_apps() {
    let errors = Registry::default()
        .validate()
        .expect_err("empty")
        .to_string();
    assert!(
        errors.contains("nothing is registered") && errors.contains("m_runtime::apps!"),
        "{errors}"
    );
}

static RETIRES_ITS_OWN_COLUMN: DocTypeDef = DocTypeDef {
    app: "crm",
    name: "Person",
    table: "person",
    module_path: "crm",
    columns: &[column("id", None), column("phone", None)],
    primary_key: &["id"],
    indexes: &[],
    retired_columns: &["phone", "fax", "fax"],
    checks: &[],
    renamed_from: &[],
};

static RETIRES_PERSON: m_runtime::registry::RetiredTablesDef =
    m_runtime::registry::RetiredTablesDef {
        app: "billing",
        tables: &["person", "legacy_invoice"],
    };

// A hand-built registry gets the checks the macro makes at compile time.
#[test]
fn retiring_what_is_declared_is_refused() {
    let registry = Registry {
        doctypes: vec![&RETIRES_ITS_OWN_COLUMN],
        retired_tables: vec![&RETIRES_PERSON],
        ..Default::default()
    };
    let errors = registry.validate().expect_err("contradictions");
    let messages: Vec<String> = errors.0.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "app `billing` retires table `person`, which crm::Person (app `crm`) still declares: a table is either declared or retired; remove it from `retired_tables![...]` or remove the DocType",
            "crm::Person retires column `phone` and declares it: a column is either a field or retired; remove it from `retired(columns = [...])` or remove the field",
            "crm::Person retires column `fax` twice",
        ]
    );
    // `legacy_invoice` is retired without contradiction.
    assert_eq!(
        registry.schema().retired_tables["legacy_invoice"],
        "billing"
    );
}

static PERSON: DocTypeDef = DocTypeDef {
    app: "crm",
    name: "Person",
    table: "person",
    module_path: "crm",
    columns: &[column("id", None)],
    primary_key: &["id"],
    indexes: &[],
    renamed_from: &[],
    retired_columns: &[],
    checks: &[],
};

static IGNORES: m_runtime::registry::IgnoredTablesDef = m_runtime::registry::IgnoredTablesDef {
    app: "crm",
    tables: &[
        "flyway_schema_history",
        "django_*",
        "pers*",
        "*",
        "a*b*",
        "two words",
        "_m_*",
        "_m_migrations",
    ],
};

static IGNORES_OTHER_TOOLS: m_runtime::registry::IgnoredTablesDef =
    m_runtime::registry::IgnoredTablesDef {
        app: "crm",
        tables: &["flyway_schema_history", "django_*"],
    };

// `ignored_tables![...]` is checked like the rest of the registry: each
// entry is a name or a prefix ending in `*`, matching no declared table and
// none of m's own.
#[test]
fn ignored_tables_are_checked() {
    let registry = Registry {
        doctypes: vec![&PERSON],
        ignored_tables: vec![&IGNORES],
        ..Default::default()
    };
    let errors = registry.validate().expect_err("bad entries");
    let messages: Vec<String> = errors.0.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "app `crm` ignores `pers*`, which matches table `person` that crm::Person (app `crm`) declares: a table is either m's or another tool's; narrow the pattern or remove the DocType",
            "app `crm` ignores `*`, which would ignore every table: an entry of `ignored_tables![...]` is a table name or a prefix ending in `*` (`django_*`)",
            "app `crm` ignores `a*b*`, which has a `*` before its end: an entry of `ignored_tables![...]` is a table name or a prefix ending in `*` (`django_*`)",
            "app `crm` ignores `two words`, which holds whitespace: an entry of `ignored_tables![...]` is a table name or a prefix ending in `*` (`django_*`)",
            "app `crm` ignores `_m_*`, which matches m's own `_m_` tables: narrow the pattern",
            "app `crm` ignores `_m_migrations`, which matches m's own `_m_` tables: narrow the pattern",
        ]
    );
    let valid = Registry {
        doctypes: vec![&PERSON],
        ignored_tables: vec![&IGNORES_OTHER_TOOLS],
        ..Default::default()
    };
    valid.validate().expect("valid");
    let schema = valid.schema();
    assert!(!schema.is_ignored("person"));
    assert!(schema.is_ignored("django_session"));
    assert!(schema.is_ignored("flyway_schema_history"));
    assert!(!schema.is_ignored("flyway_schema_history_2"));
}

// Validation is remembered per set of items: a registry that passed passes
// again without being checked, and one of other items is checked anew.
#[test]
fn a_registry_that_passed_is_not_checked_twice_and_a_bad_one_always_is() {
    let good = Registry {
        doctypes: vec![&PERSON],
        ..Default::default()
    };
    good.validate().expect("valid");
    good.clone().validate().expect("still valid");
    let bad = Registry {
        doctypes: vec![&PERSON, &RETIRES_ITS_OWN_COLUMN],
        ..Default::default()
    };
    for _ in 0..2 {
        assert!(bad.validate().is_err(), "a failure is never remembered");
    }
}

static CHECKS_TWICE: DocTypeDef = DocTypeDef {
    app: "shop",
    name: "Product",
    table: "product",
    module_path: "shop",
    columns: &[column("id", None), column("price", None)],
    primary_key: &["id"],
    indexes: &[],
    retired_columns: &[],
    checks: &[
        m_runtime::registry::CheckDef {
            name: "price_positive",
            expr: "price >= 0",
        },
        m_runtime::registry::CheckDef {
            name: "Price_Positive",
            expr: " ",
        },
    ],
    renamed_from: &[],
};

// The macro refuses these at compile time; a hand-built registry here.
#[test]
fn a_check_twice_or_without_expression_is_refused() {
    let registry = Registry {
        doctypes: vec![&CHECKS_TWICE],
        ..Default::default()
    };
    let errors = registry.validate().expect_err("bad checks");
    let messages: Vec<String> = errors.0.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "shop::Product declares check `Price_Positive` with an empty expression: give the SQL condition every row must satisfy",
            "shop::Product declares check `Price_Positive` twice",
        ]
    );
    // Valid checks reach the declared table.
    let table = m_runtime::registry::table_of(&CHECKS_TWICE);
    assert_eq!(table.checks[0].name, "price_positive");
    assert_eq!(table.checks[0].expr, "price >= 0");
}
