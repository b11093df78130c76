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
