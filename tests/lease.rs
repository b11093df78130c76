//! The lease lock (`M_LOCK=lease`) on every backend: one holder at a time,
//! released by the guard, taken over when the holder's heartbeat stops.

use std::process::Command;
use std::time::{Duration, Instant};

use m_runtime::backend::{Lease, Locker};
use m_runtime::{Error, Report};
use m_tests::all_backends;

/// The holders in `_m_lock`.
async fn holders(t: &m_tests::TestDb) -> Vec<String> {
    t.rows("SELECT holder FROM _m_lock")
        .await
        .into_iter()
        .map(|row| row[0].clone().unwrap_or_default())
        .collect()
}

all_backends!(one_holder_at_a_time, |t| async move {
    let lease = Lease::new(Duration::from_secs(1));
    let first = lease
        .acquire_for(&t.db, Duration::from_secs(5))
        .await
        .expect("the first takes the lease");
    let me = format!("pid {} #", std::process::id());
    assert_eq!(holders(&t).await.len(), 1);
    assert!(
        holders(&t).await[0].contains(&me),
        "{:?}",
        holders(&t).await
    );

    // The holder beats every third of a second: a waiter that sees it for
    // three leases never takes over.
    let other = t.reconnect().await;
    let started = Instant::now();
    let error = lease
        .acquire_for(&other, Duration::from_secs(3))
        .await
        .expect_err("the lease is held");
    assert!(started.elapsed() >= Duration::from_secs(3));
    let Error::LockTimeout { holder, .. } = &error else {
        panic!("{}", Report(&error));
    };
    let holder = holder.clone().unwrap_or_default();
    assert!(holder.contains(&me), "{holder}");
    assert!(holder.contains("last heartbeat"), "{holder}");
    let seen = lease.holder(&other).await.expect("holder");
    assert!(seen.as_ref().is_some_and(|h| h.contains(&me)), "{seen:?}");

    first.release().await.expect("release");
    assert_eq!(holders(&t).await, Vec::<String>::new(), "released: no row");
    assert_eq!(lease.holder(&other).await.expect("holder"), None);
    let started = Instant::now();
    let second = lease
        .acquire_for(&other, Duration::from_secs(5))
        .await
        .expect("free again");
    assert!(started.elapsed() < Duration::from_secs(1));
    second.release().await.expect("release");
});

all_backends!(a_crashed_holder_is_taken_over, |t| async move {
    // A holder that crashed: its row stays, its beat stands still.
    let lease = Lease::new(Duration::from_secs(1));
    lease
        .acquire_for(&t.db, Duration::from_secs(5))
        .await
        .expect("create the table")
        .release()
        .await
        .expect("release");
    t.exec("INSERT INTO _m_lock (name, holder, beat, lease_ms, acquired_at, heartbeat_at) VALUES ('migrate', 'crashed-host pid 1 #dead', 7, 1000, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')").await;
    let started = Instant::now();
    let guard = lease
        .acquire_for(&t.db, Duration::from_secs(10))
        .await
        .expect("taken over");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(1),
        "a waiter sees the beat stand still for a whole lease first: {waited:?}"
    );
    assert!(waited < Duration::from_secs(4), "{waited:?}");
    let rows = t.rows("SELECT holder, beat, lease_ms FROM _m_lock").await;
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0][0]
            .as_deref()
            .is_some_and(|h| h.contains(&format!("pid {} #", std::process::id()))),
        "{rows:?}"
    );
    guard.release().await.expect("release");
    assert_eq!(holders(&t).await, Vec::<String>::new());
});

all_backends!(a_dropped_guard_lets_go, |t| async move {
    let lease = Lease::new(Duration::from_secs(30));
    let guard = lease
        .acquire_for(&t.db, Duration::from_secs(5))
        .await
        .expect("take");
    drop(guard);
    // The heartbeat task deletes the row in the background: long before
    // the 30 s lease would expire.
    let started = Instant::now();
    while !holders(&t).await.is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the row is still there"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let again = lease
        .acquire_for(&t.db, Duration::from_secs(1))
        .await
        .expect("free");
    again.release().await.expect("release");
});

all_backends!(m_lock_selects_the_lease, |t| async move {
    let fleet = env!("CARGO_BIN_EXE_m-fleet");
    let out = Command::new(fleet)
        .args(["1", "migrate", "sync"])
        .env("DATABASE_URL", &t.url)
        .env("M_LOCK", "lease")
        .env("M_LOCK_LEASE_SECS", "5")
        .output()
        .expect("m-fleet");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The lease's table exists, and the lease was released.
    assert_eq!(holders(&t).await, Vec::<String>::new());
    assert_eq!(t.count("t0001").await, 0, "the sync ran");

    for (name, value, expected) in [
        (
            "M_LOCK",
            "leased",
            "M_LOCK: `leased` is not a migration lock: use native or lease",
        ),
        (
            "M_LOCK_LEASE_SECS",
            "0",
            "M_LOCK_LEASE_SECS: `0` is not a whole number of seconds of at least 1",
        ),
    ] {
        let out = Command::new(fleet)
            .args(["1", "migrate", "sync"])
            .env("DATABASE_URL", &t.url)
            .env("M_LOCK", "lease")
            .env(name, value)
            .output()
            .expect("m-fleet");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}={value}: {stderr}");
        assert!(stderr.contains(expected), "{name}={value}: {stderr}");
    }
});
