//! The lease lock ([`Lease`]).

use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

use sqlx::Row;
use tokio::sync::oneshot;

use super::{LockGuard, Locker, Release};
use crate::bookkeeping::{self, LOCK_TABLE};
use crate::{BoxFuture, Db, Error, Report, Result};

/// The row of m's migration lock (one per database: the table is the
/// database's own).
const NAME: &str = "migrate";

/// How often a waiter looks at the row (plus up to half as much again,
/// at random, so that waiters do not move in step).
const POLL: Duration = Duration::from_millis(100);

/// The lease lock: m's migration lock as a row of its own table `_m_lock`,
/// for databases whose own lock does not serialise a cluster (a MariaDB
/// Galera node's `GET_LOCK` is local to that node; CockroachDB's advisory
/// lock functions do nothing). Any backend can use it (`M_LOCK=lease`).
///
/// - **Taking it** is an `INSERT` of the row: on a cluster, two nodes that
///   insert it at once cannot both commit (Galera certifies the write set,
///   a distributed SQL database serialises it), and a node that already
///   has the row refuses a second one as a duplicate key.
/// - **Holding it**: a heartbeat task adds one to the row's `beat` every
///   third of the lease, on a connection of its own.
/// - **Releasing it** deletes the row; a guard dropped without
///   [`release`](LockGuard::release) has its heartbeat task delete
///   it in the background.
/// - **A crashed holder's lease expires**: a waiter that saw the same holder
///   and `beat` for a whole lease (by its own clock: no two clocks are
///   compared) takes the row over with an `UPDATE` conditioned on that
///   holder and beat, which the cluster certifies like the `INSERT`.
///
/// What a lease cannot know is whether the holder's statements ended: a
/// process that was killed leaves its last statement to the server, which
/// finishes it. On Galera the DDL that matters runs under total order
/// isolation: it holds every node's commits until it ends, the taker's
/// `UPDATE` included, so the taker starts after it. On a single server
/// the default lock (`GET_LOCK` on the work connection) ends only with the
/// statement; with a lease there, a statement that outlives the lease
/// (30 s by default, `M_LOCK_LEASE_SECS`) overlaps the next migrator.
/// docs/clusters.md has the whole picture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    length: Duration,
}

impl Default for Lease {
    fn default() -> Self {
        Lease::new(Lease::DEFAULT_LENGTH)
    }
}

impl Lease {
    /// How long a lease lives without a heartbeat, unless
    /// `M_LOCK_LEASE_SECS` says otherwise.
    pub const DEFAULT_LENGTH: Duration = Duration::from_secs(30);

    /// A lease that expires `length` after its last heartbeat (at least
    /// 300 ms: a shorter one is raised to that). The holder beats every
    /// third of it.
    pub fn new(length: Duration) -> Self {
        Lease {
            length: length.max(Duration::from_millis(300)),
        }
    }

    /// How long a lease lives without a heartbeat.
    pub fn length(&self) -> Duration {
        self.length
    }

    /// Takes the lease on `conn`, a connection of the lease's own, which
    /// is closed when it is not taken.
    async fn take(&self, conn: Db, timeout: Duration) -> Result<LockGuard> {
        let me = holder_id();
        match self.wait(&conn, &me, timeout).await {
            Ok(()) => Ok(self.hold(conn, me)),
            Err(error) => {
                if let Err(error) = conn.close().await {
                    tracing::debug!("closing the lease's connection: {error}");
                }
                Err(error)
            }
        }
    }

    /// Waits until `me` holds the lease, at most `timeout`.
    async fn wait(&self, conn: &Db, me: &str, timeout: Duration) -> Result<()> {
        let started = Instant::now();
        // The holder and beat this waiter saw, and since when.
        let mut seen: Option<(String, i64, Instant)> = None;
        let mut last: Option<LeaseRow> = None;
        let mut created = 0;
        loop {
            // Galera can abort even this read with a deadlock (1213,
            // SQLSTATE 40001) while another node's write certifies.
            let row =
                bookkeeping::retry_conflicts("reading the migration lease", || read(conn)).await?;
            match row {
                None => {
                    // The table does not exist: create it (a few tries,
                    // for the waiters that create it at the same time).
                    created += 1;
                    if let Err(error) = bookkeeping::ensure(conn, &bookkeeping::lock_table()).await
                        && (created >= 3 || !is_contention(&error))
                    {
                        return Err(error);
                    }
                    if created < 3 {
                        continue;
                    }
                }
                Some(None) => match insert(conn, me, self.length).await {
                    Ok(()) => return Ok(()),
                    Err(error)
                        if is_contention(&error)
                            || error.is_missing_table(conn.backend(), LOCK_TABLE) => {}
                    Err(error) => return Err(error),
                },
                Some(Some(row)) => {
                    match &seen {
                        Some((holder, beat, since))
                            if *holder == row.holder && *beat == row.beat =>
                        {
                            if since.elapsed() >= row.lease
                                && self.take_over(conn, me, &row).await?
                            {
                                tracing::warn!(
                                    "took over m's migration lease from {}: its heartbeat stopped {:?} ago (the process crashed or lost its connection)",
                                    row.holder,
                                    since.elapsed()
                                );
                                return Ok(());
                            }
                        }
                        _ => seen = Some((row.holder.clone(), row.beat, Instant::now())),
                    }
                    last = Some(row);
                }
            }
            if started.elapsed() >= timeout {
                return Err(Error::LockTimeout {
                    lock: format!("m's migration lock (a lease in `{LOCK_TABLE}`)"),
                    waited: timeout,
                    holder: last.map(|row| format!("it is held by {}", row.describe())),
                });
            }
            tokio::time::sleep(POLL + POLL.mul_f64(jitter() / 2.0)).await;
        }
    }

    /// Takes over `row`, a lease whose heartbeat stopped: `false` when
    /// another waiter was first (or its holder beat after all).
    async fn take_over(&self, conn: &Db, me: &str, row: &LeaseRow) -> Result<bool> {
        let d = conn.backend().dialect();
        let q = |s: &str| d.quote_ident(s);
        let sql = format!(
            "UPDATE {} SET {} = {}, {} = 0, {} = {}, {} = {}, {} = {} WHERE {} = {} AND {} = {} AND {} = {}",
            q(LOCK_TABLE),
            q("holder"),
            d.placeholder(1),
            q("beat"),
            q("lease_ms"),
            d.placeholder(2),
            q("acquired_at"),
            d.placeholder(3),
            q("heartbeat_at"),
            d.placeholder(4),
            q("name"),
            d.quote_str(NAME),
            q("holder"),
            d.placeholder(5),
            q("beat"),
            d.placeholder(6),
        );
        let (now, lease_ms) = (now(), millis(self.length));
        let (old, beat) = (row.holder.clone(), row.beat);
        let taken = conn
            .run_with(&sql, |query| {
                query
                    .bind(me.to_owned())
                    .bind(lease_ms)
                    .bind(now.clone())
                    .bind(now)
                    .bind(old)
                    .bind(beat)
            })
            .await;
        match taken {
            Ok(rows) => Ok(rows == 1),
            Err(error) if is_contention(&error) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// The guard of a lease `me` holds on `conn`: starts its heartbeat.
    fn hold(&self, conn: Db, me: String) -> LockGuard {
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(keep(conn, me, self.length / 3, stopped));
        LockGuard::releasing(Held {
            stop: Some(stop),
            task: Some(task),
        })
    }
}

impl Locker for Lease {
    /// Takes the lease on a connection of its own to `url` (a built-in
    /// backend's URL; [`acquire_for`](Locker::acquire_for) serves any).
    fn acquire<'a>(&'a self, url: &'a str, timeout: Duration) -> BoxFuture<'a, Result<LockGuard>> {
        Box::pin(async move { self.take(Db::connect(url).await?, timeout).await })
    }

    /// Takes the lease on a connection of its own to `db`'s database: the
    /// lease is a row, not a session, so the work connection is free.
    fn acquire_for<'a>(
        &'a self,
        db: &'a Db,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<LockGuard>> {
        Box::pin(async move {
            let conn = Db::connect_with(db.url(), db.backend_arc()).await?;
            self.take(conn, timeout).await
        })
    }

    /// The holder the row names (host, process id), since when it holds
    /// the lease and when it last beat.
    fn holder<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<Option<String>>> {
        Box::pin(async move { Ok(read(db).await?.flatten().map(|row| row.describe())) })
    }
}

/// The lease row.
struct LeaseRow {
    holder: String,
    beat: i64,
    lease: Duration,
    acquired_at: String,
    heartbeat_at: String,
}

impl LeaseRow {
    fn describe(&self) -> String {
        format!(
            "{} (a lease in `{LOCK_TABLE}` held since {}, last heartbeat {}; it expires {:?} after its last heartbeat)",
            self.holder, self.acquired_at, self.heartbeat_at, self.lease
        )
    }
}

/// The lease row: `None` when the table does not exist, `Some(None)` when
/// nobody holds the lease.
async fn read(db: &Db) -> Result<Option<Option<LeaseRow>>> {
    let d = db.backend().dialect();
    let q = |s: &str| d.quote_ident(s);
    let sql = format!(
        "SELECT {}, {}, {}, {}, {} FROM {} WHERE {} = {}",
        q("holder"),
        q("beat"),
        q("lease_ms"),
        q("acquired_at"),
        q("heartbeat_at"),
        q(LOCK_TABLE),
        q("name"),
        d.quote_str(NAME)
    );
    let Some(rows) = bookkeeping::fetch_if_exists(db, LOCK_TABLE, &sql).await? else {
        return Ok(None);
    };
    let Some(row) = rows.first() else {
        return Ok(Some(None));
    };
    let read = |e| Error::database(format!("reading the migration lease in `{LOCK_TABLE}`"), e);
    let lease_ms: i64 = row.try_get(2).map_err(read)?;
    Ok(Some(Some(LeaseRow {
        holder: row.try_get(0).map_err(read)?,
        beat: row.try_get(1).map_err(read)?,
        lease: Duration::from_millis(lease_ms.max(0) as u64),
        acquired_at: row.try_get(3).map_err(read)?,
        heartbeat_at: row.try_get(4).map_err(read)?,
    })))
}

/// Inserts the row for `me`: fails with a duplicate key (or, on a
/// cluster, a write conflict) when another holds it.
async fn insert(conn: &Db, me: &str, length: Duration) -> Result<()> {
    let d = conn.backend().dialect();
    let q = |s: &str| d.quote_ident(s);
    let sql = format!(
        "INSERT INTO {} ({}, {}, {}, {}, {}, {}) VALUES ({}, {}, 0, {}, {}, {})",
        q(LOCK_TABLE),
        q("name"),
        q("holder"),
        q("beat"),
        q("lease_ms"),
        q("acquired_at"),
        q("heartbeat_at"),
        d.quote_str(NAME),
        d.placeholder(1),
        d.placeholder(2),
        d.placeholder(3),
        d.placeholder(4),
    );
    let now = now();
    conn.run_with(&sql, |query| {
        query
            .bind(me.to_owned())
            .bind(millis(length))
            .bind(now.clone())
            .bind(now)
    })
    .await
    .map(drop)
}

/// One heartbeat: the number of rows it changed (0: the lease is not
/// `me`'s any more).
async fn beat(conn: &Db, me: &str) -> Result<u64> {
    let d = conn.backend().dialect();
    let q = |s: &str| d.quote_ident(s);
    let sql = format!(
        "UPDATE {t} SET {b} = {b} + 1, {h} = {} WHERE {n} = {} AND {o} = {}",
        d.placeholder(1),
        d.quote_str(NAME),
        d.placeholder(2),
        t = q(LOCK_TABLE),
        b = q("beat"),
        h = q("heartbeat_at"),
        n = q("name"),
        o = q("holder"),
    );
    conn.run_with(&sql, |query| query.bind(now()).bind(me.to_owned()))
        .await
}

/// Deletes `me`'s row.
async fn delete(conn: &Db, me: &str) -> Result<()> {
    let d = conn.backend().dialect();
    let q = |s: &str| d.quote_ident(s);
    let sql = format!(
        "DELETE FROM {} WHERE {} = {} AND {} = {}",
        q(LOCK_TABLE),
        q("name"),
        d.quote_str(NAME),
        q("holder"),
        d.placeholder(1)
    );
    bookkeeping::retry_conflicts("releasing the migration lease", || async {
        conn.run_with(&sql, |query| query.bind(me.to_owned()))
            .await
            .map(drop)
    })
    .await
}

/// The heartbeat task of a held lease: beats every `every` until told to
/// stop, then deletes the row and closes its connection. Returns an error
/// when the lease was lost (taken over) while held.
async fn keep(
    mut conn: Db,
    me: String,
    every: Duration,
    mut stop: oneshot::Receiver<()>,
) -> Result<()> {
    loop {
        tokio::select! {
            _ = &mut stop => break,
            () = tokio::time::sleep(every) => {}
        }
        match beat(&conn, &me).await {
            Ok(1) => {}
            Ok(_) => {
                tracing::error!(
                    "m's migration lease was taken over while {me} held it: its heartbeats were late by more than the lease"
                );
                // Wait for the guard, which reports it.
                let _ = stop.await;
                let _ = conn.close().await;
                return Err(Error::Lock(format!(
                    "m's migration lease (in `{LOCK_TABLE}`) was taken over while this process held it: its heartbeats were late by more than the lease (M_LOCK_LEASE_SECS); another process may have migrated at the same time: check the database with `migrate verify`"
                )));
            }
            // A write conflict (another node wrote the row, or a DDL
            // statement aborted the heartbeat) is tried again next time.
            Err(error) if bookkeeping::is_write_conflict(&error) => {
                tracing::debug!("migration lease heartbeat: {}", Report(&error));
            }
            Err(error) => {
                tracing::warn!(
                    "migration lease heartbeat failed, reconnecting: {}",
                    Report(&error)
                );
                match Db::connect_with(conn.url(), conn.backend_arc()).await {
                    Ok(fresh) => {
                        let _ = std::mem::replace(&mut conn, fresh).close().await;
                    }
                    Err(error) => tracing::warn!("{}", Report(&error)),
                }
            }
        }
    }
    let deleted = delete(&conn, &me).await;
    if let Err(error) = conn.close().await {
        tracing::debug!("closing the lease's connection: {error}");
    }
    deleted
}

/// A held lease: stops its heartbeat task, which deletes the row.
struct Held {
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<()>>>,
}

impl Release for Held {
    fn release(mut self: Box<Self>) -> BoxFuture<'static, Result<()>> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let task = self.task.take();
        Box::pin(async move {
            match task {
                Some(task) => task.await.map_err(|e| {
                    Error::Lock(format!(
                        "the migration lease's heartbeat task failed: {e}; the lease expires on its own"
                    ))
                })?,
                None => Ok(()),
            }
        })
    }
}

impl Drop for Held {
    /// Dropped without [`Release::release`]: the heartbeat task stops and
    /// deletes the row in the background. Should the runtime end first,
    /// the row stays and the lease expires.
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Whether `error` says another process holds the row or wrote it first:
/// a duplicate key, or a write conflict.
fn is_contention(error: &Error) -> bool {
    if bookkeeping::is_write_conflict(error) {
        return true;
    }
    match error {
        Error::Statement {
            error: sqlx::Error::Database(error),
            ..
        } => error.is_unique_violation(),
        _ => false,
    }
}

/// `host pid N #random`: who holds the lease, for people and for the
/// row's conditions (the random part tells apart two holders that reuse a
/// process id).
fn holder_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "an unknown host".to_owned());
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    format!("{host} pid {} #{random:016x}", std::process::id())
}

/// A number in [0, 1), different on every call.
fn jitter() -> f64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Now, UTC, RFC 3339: for people reading the row.
fn now() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| now.to_string())
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holder_ids_differ_and_name_the_process() {
        let (a, b) = (holder_id(), holder_id());
        assert_ne!(a, b);
        assert!(a.contains(&format!("pid {} #", std::process::id())), "{a}");
        assert!(a.len() <= 255, "{a}");
    }

    #[test]
    fn a_lease_is_at_least_300_ms() {
        assert_eq!(
            Lease::new(Duration::ZERO).length(),
            Duration::from_millis(300)
        );
        assert_eq!(Lease::default().length(), Duration::from_secs(30));
    }

    #[test]
    fn jitter_stays_in_range() {
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j), "{j}");
        }
    }
}
