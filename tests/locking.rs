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
