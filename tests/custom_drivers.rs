//! An application (or a third-party backend) that installs sqlx's `Any`
//! drivers itself keeps its list: m neither panics nor replaces it. One test
//! in a binary of its own, since the list is process-wide.

use m_runtime::{Db, Report};

#[tokio::test]
async fn an_application_installed_driver_list_is_kept() {
    sqlx::any::install_drivers(&[sqlx::sqlite::any::DRIVER]).expect("the first install");
    let db = Db::connect("sqlite::memory:")
        .await
        .expect("connects through the application's drivers");
    assert_eq!(db.fetch_i64("SELECT 7").await.expect("query"), Some(7));
    db.close().await.expect("close");
    // PostgreSQL's driver is built into m but not in the application's list:
    // a clear error, not a panic.
    let error = Db::connect("postgres://postgres@127.0.0.1:5432/test")
        .await
        .expect_err("no driver for postgres:// in the installed list");
    let message = Report(&error).to_string();
    assert!(
        message.contains("no driver found for URL scheme"),
        "{message}"
    );
}
