//! Frappe DocType JSON → `m_build` codegen → `#[doctype]` → registry →
//! a real SQLite sync. `json_doctypes/generated.rs` is the codegen's output
//! for `json_doctypes/*.json`, included here as a build script's
//! `m_runtime::include_doctypes!()` would include it; the first test keeps
//! it in step with the codegen (`M_UPDATE_GOLDEN=1` rewrites it).

include!("json_doctypes/generated.rs");

#[test]
fn generated_source_is_up_to_date() {
    let source = m_build::doctypes_source("json_doctypes").expect("valid DocType JSON");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/json_doctypes/generated.rs");
    if std::env::var_os("M_UPDATE_GOLDEN").is_some() {
        std::fs::write(path, &source).expect("writable golden file");
    }
    assert_eq!(
        source,
        include_str!("json_doctypes/generated.rs"),
        "rerun with M_UPDATE_GOLDEN=1"
    );
}

#[test]
fn registers_frappe_doctypes() {
    use m_runtime::DocType;
    assert_eq!(Publisher::TABLE, "publisher");
    assert_eq!(Publisher::PRIMARY_KEY, "name");
    let publisher = Publisher::doctype();
    let country = publisher
        .columns
        .iter()
        .find(|c| c.name == "country")
        .expect("country column");
    let reference = country.references.as_ref().expect("Link is a foreign key");
    assert_eq!((reference.table, reference.column), ("country", "name"));
    assert!(publisher.columns.iter().any(|c| c.name == "type"));
    let registry = m_runtime::Registry::linked();
    registry.validate().expect("valid registry");
    assert_eq!(registry.doctypes.len(), 2);
}

#[tokio::test]
async fn syncs_on_sqlite() {
    let db = m_runtime::Db::connect("sqlite::memory:")
        .await
        .expect("sqlite");
    let desired = m_runtime::Registry::linked().schema();
    let plan = m_runtime::plan(&db, &desired, &m_runtime::Policy::default())
        .await
        .expect("plan");
    let report = m_runtime::apply(&db, &plan).await.expect("apply");
    assert!(report.blocked.is_empty(), "{report:?}");
    let live = m_runtime::introspect(&db).await.expect("introspect");
    let again = m_runtime::plan(&db, &desired, &m_runtime::Policy::default())
        .await
        .expect("plan");
    assert!(
        again.changes.is_empty(),
        "a second sync is a no-op: {:?}\nlive: {live:?}",
        again.changes
    );
}
