//! The run lock: a second holder waits, then fails with a message saying
//! what to do; dropping the guard releases the lock.

use std::time::Duration;

use m_tests::all_backends;

all_backends!(second_holder_waits_then_gets_the_lock, |t| async move {
    let locker = t.db.backend().locker();
    let first = locker
        .acquire(&t.url, Duration::from_secs(5))
        .await
        .expect("first lock");
    let error = locker
        .acquire(&t.url, Duration::from_millis(300))
        .await
        .expect_err("the lock is held");
    let message = error.to_string();
    assert!(message.contains("wait for it to finish"), "{message}");
    drop(first);
    // Released with the guard (for server backends: with its connection).
    let second = locker
        .acquire(&t.url, Duration::from_secs(10))
        .await
        .expect("lock after release");
    drop(second);
});

all_backends!(lock_is_per_database, |t| async move {
    let other = m_tests::TestDb::fresh(t.backend, "lock_other").await;
    let locker = t.db.backend().locker();
    let _held = locker
        .acquire(&t.url, Duration::from_secs(5))
        .await
        .expect("lock");
    let _other = locker
        .acquire(&other.url, Duration::from_millis(300))
        .await
        .expect("another database has its own lock");
});

// Replicas booting at once: each takes the lock, plans and applies; one
// does the work, the others find nothing to do.
all_backends!(concurrent_syncs_apply_once, |t| async move {
    use m_runtime::schema::{Column, LogicalType, Schema, Table};
    let mut desired = Schema::default();
    for name in ["a", "b", "c"] {
        desired.insert(
            Table::new(name)
                .column(Column::new("id", LogicalType::I64))
                .column(Column::new(
                    "label",
                    LogicalType::String {
                        max_length: Some(20),
                    },
                ))
                .primary_key(["id"])
                .index(["label"], true),
        );
    }
    let replicas: Vec<_> = (0..4)
        .map(|_| {
            let (url, desired) = (t.url.clone(), desired.clone());
            tokio::spawn(async move {
                let db = m_runtime::Db::connect(&url).await.expect("connect");
                let _guard = db
                    .backend()
                    .locker()
                    .acquire(&url, Duration::from_secs(60))
                    .await
                    .expect("lock");
                let plan = m_runtime::plan(&db, &desired, &m_runtime::Policy::default())
                    .await
                    .expect("plan");
                m_runtime::apply(&db, &plan)
                    .await
                    .expect("apply")
                    .statements
            })
        })
        .collect();
    let mut worked = 0;
    for replica in replicas {
        if replica.await.expect("replica") > 0 {
            worked += 1;
        }
    }
    assert_eq!(worked, 1, "exactly one replica migrates");
    assert!(t.verify(&desired).await.is_empty());
});
