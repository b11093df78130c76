//! m ends its sessions cleanly: a MariaDB server counts no aborted client
//! for a `migrate` command or a boot. One test in a binary of its own,
//! since the server's counter is global: other clients of the same server
//! that drop connections meanwhile make it fail (CI runs nothing else).

use std::process::Command;

use m_tests::{Backend, TestDb};

async fn aborted_clients(t: &TestDb) -> i64 {
    let rows = t.rows("SHOW GLOBAL STATUS LIKE 'Aborted_clients'").await;
    rows[0][1]
        .as_deref()
        .expect("a value")
        .parse()
        .expect("a count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_counts_no_aborted_connection() {
    if !Backend::Mysql.enabled() {
        eprintln!("skipped: mysql excluded by M_TEST_BACKENDS");
        return;
    }
    let t = TestDb::fresh(Backend::Mysql, "clean_close").await;
    let before = aborted_clients(&t).await;
    for args in [&["migrate", "all"][..], &["migrate", "verify"], &[]] {
        let out = Command::new(env!("CARGO_BIN_EXE_bookshop"))
            .args(args)
            .env("DATABASE_URL", &t.url)
            .env_remove("M_ENV")
            .output()
            .expect("run the bookshop");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let after = aborted_clients(&t).await;
    assert_eq!(after, before, "every session m opened was closed cleanly");
}
