//! The database handle ([`Db`]) and the one transaction guard
//! ([`Transaction`]) that the sync, the migrations and m's bookkeeping
//! share.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use sqlx::AnyConnection;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AssertSqlSafe, Connection};
use tokio::sync::{Mutex, MutexGuard};

use crate::backend::{self, Backend};
pub(crate) use crate::redact::redact;
use crate::{Error, Result};

/// How long m waits for a server to complete the connection handshake: a
/// server that accepts and never answers fails with
/// [`Error::ConnectTimeout`] instead of hanging.
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A database handle: one connection, the backend that speaks its dialect,
/// and a count of the statements m sent (used to prove that introspection
/// and the boot fast path cost a constant number of queries).
///
/// Hooks and migrations receive `&Db`. Run raw SQL with [`Db::execute`], or
/// borrow the sqlx connection for bound queries:
///
/// ```
/// # async fn demo() -> m_runtime::Result<()> {
/// let db = m_runtime::Db::connect("sqlite::memory:").await?;
/// db.execute("CREATE TABLE t (x INTEGER)").await?;
/// sqlx::query("INSERT INTO t (x) VALUES (?)")
///     .bind(7_i64)
///     .execute(&mut *db.connection().await?)
///     .await
///     .unwrap();
/// assert_eq!(db.fetch_i64("SELECT x FROM t").await?, Some(7));
/// # Ok(()) }
/// # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
/// ```
pub struct Db {
    conn: Mutex<AnyConnection>,
    backend: Arc<dyn Backend>,
    url: String,
    queries: AtomicU64,
    /// A [`Transaction`] was dropped before it ended (an error path that
    /// could not roll back, or a cancelled future): the next use of the
    /// connection rolls back and restores the session first.
    unfinished: AtomicBool,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend.name())
            .field("url", &redact(&self.url))
            .finish()
    }
}

impl Db {
    /// Connects to `url`, choosing the built-in backend from its scheme
    /// (`sqlite:`, `postgres://`, `mysql://`/`mariadb://`).
    pub async fn connect(url: &str) -> Result<Db> {
        let backend = backend::for_url(url).ok_or_else(|| Error::UnsupportedUrl(redact(url)))?;
        Db::connect_with(url, backend).await
    }

    /// Connects with an explicitly chosen backend (e.g. a third-party one).
    ///
    /// m installs sqlx's built-in `Any` drivers on first use unless the
    /// application installed its own list first
    /// ([`sqlx::any::install_drivers`]): a third-party backend whose driver
    /// is not built into sqlx installs the full list it needs (its driver and
    /// the built-in ones it uses) once, before the first connection. A URL
    /// whose scheme no installed driver serves is an [`Error::Connect`].
    pub async fn connect_with(url: &str, backend: Arc<dyn Backend>) -> Result<Db> {
        install_drivers();
        let driver_url = backend.driver_url(url);
        let connect = AnyConnection::connect(&driver_url);
        let mut conn = tokio::time::timeout(CONNECT_TIMEOUT, connect)
            .await
            .map_err(|_| Error::ConnectTimeout {
                url: redact(url),
                waited: CONNECT_TIMEOUT,
            })?
            .map_err(|source| Error::Connect {
                url: redact(url),
                source,
            })?;
        for statement in backend.session_setup() {
            sqlx::raw_sql(AssertSqlSafe(statement.to_string()))
                .execute(&mut conn)
                .await
                .map_err(|e| Error::database("preparing the session", e))?;
        }
        Ok(Db {
            conn: Mutex::new(conn),
            backend,
            url: url.to_owned(),
            queries: AtomicU64::new(0),
            unfinished: AtomicBool::new(false),
        })
    }

    /// The backend behind this handle.
    pub fn backend(&self) -> &dyn Backend {
        &*self.backend
    }

    /// The backend, shared.
    pub fn backend_arc(&self) -> Arc<dyn Backend> {
        self.backend.clone()
    }

    /// The URL this handle was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// How many statements m sent through this handle so far.
    pub fn query_count(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    /// Borrows the connection for sqlx queries (bound parameters, typed rows).
    ///
    /// Fails only when a transaction that was cut short (a cancelled
    /// future) cannot be ended on this connection.
    pub async fn connection(&self) -> Result<MutexGuard<'_, AnyConnection>> {
        self.lock().await
    }

    /// Runs raw SQL (one or more statements, no parameters); returns the rows affected.
    pub async fn execute(&self, sql: &str) -> Result<u64> {
        let mut conn = self.lock().await?;
        self.count();
        sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected())
            .map_err(|source| self.statement_error(sql, source))
    }

    /// Runs one query and returns every row.
    ///
    /// Sent as a simple (text protocol) query, not prepared: one round trip,
    /// and on MySQL no prepare/close exchange, which costs a delayed-ACK
    /// stall (about 40 ms) per query there.
    pub async fn fetch_all(&self, sql: &str) -> Result<Vec<AnyRow>> {
        let mut conn = self.lock().await?;
        self.count();
        sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
            .fetch_all(&mut *conn)
            .await
            .map_err(|source| self.statement_error(sql, source))
    }

    /// Runs one query with parameters bound by `bind` and returns every row.
    pub async fn fetch_with<'q>(
        &self,
        sql: &str,
        bind: impl FnOnce(Query<'q, Any, AnyArguments>) -> Query<'q, Any, AnyArguments>,
    ) -> Result<Vec<AnyRow>> {
        let mut conn = self.lock().await?;
        self.count();
        // Prepared once per connection and cached: closing a statement after
        // each use stalls MySQL for a delayed ACK (about 40 ms).
        let query = bind(sqlx::query(AssertSqlSafe(sql.to_owned())));
        query
            .fetch_all(&mut *conn)
            .await
            .map_err(|source| self.statement_error(sql, source))
    }

    /// Runs one statement with parameters bound by `bind`; returns the rows affected.
    ///
    /// Placeholders are the database's own: `$1` on PostgreSQL, `?` on
    /// SQLite and MySQL ([`Dialect::placeholder`](crate::backend::Dialect::placeholder)
    /// writes them for the connected backend).
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let db = m_runtime::Db::connect("sqlite::memory:").await?;
    /// db.execute("CREATE TABLE t (x INTEGER)").await?;
    /// let p = db.backend().dialect().placeholder(1);
    /// let inserted = db.run_with(&format!("INSERT INTO t (x) VALUES ({p})"), |q| q.bind(7_i64)).await?;
    /// assert_eq!(inserted, 1);
    /// # Ok::<(), m_runtime::Error>(()) }).unwrap();
    /// ```
    pub async fn run_with<'q>(
        &self,
        sql: &str,
        bind: impl FnOnce(Query<'q, Any, AnyArguments>) -> Query<'q, Any, AnyArguments>,
    ) -> Result<u64> {
        let mut conn = self.lock().await?;
        self.count();
        // Prepared once per connection and cached: closing a statement after
        // each use stalls MySQL for a delayed ACK (about 40 ms).
        let query = bind(sqlx::query(AssertSqlSafe(sql.to_owned())));
        query
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected())
            .map_err(|source| self.statement_error(sql, source))
    }

    /// The first column of the first row as an integer (`None` without rows or on NULL).
    pub async fn fetch_i64(&self, sql: &str) -> Result<Option<i64>> {
        use sqlx::Row;
        let rows = self.fetch_all(sql).await?;
        match rows.first() {
            None => Ok(None),
            Some(row) => row
                .try_get::<Option<i64>, _>(0)
                .map_err(|e| Error::database(format!("reading the result of `{sql}`"), e)),
        }
    }

    /// Runs `work` in one transaction ([`Db::begin`]): commits when it
    /// returns `Ok`, rolls back when it returns `Err` (or when the commit
    /// fails), and when the future is dropped part-way the connection is
    /// cleaned up before its next use.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use m_runtime::db::TxKind;
    ///
    /// let db = m_runtime::Db::connect("sqlite::memory:").await?;
    /// db.execute("CREATE TABLE t (x INTEGER)").await?;
    /// let failed: m_runtime::Result<()> = db
    ///     .transaction(TxKind::Data, async |db| {
    ///         db.execute("INSERT INTO t (x) VALUES (1)").await?;
    ///         db.execute("INSERT INTO nowhere (x) VALUES (2)").await?;
    ///         Ok(())
    ///     })
    ///     .await;
    /// assert!(failed.is_err());
    /// assert_eq!(db.fetch_i64("SELECT COUNT(*) FROM t").await?, Some(0));
    /// # Ok::<(), m_runtime::Error>(()) }).unwrap();
    /// ```
    pub async fn transaction<T, E>(
        &self,
        kind: TxKind,
        work: impl AsyncFnOnce(&Db) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<Error>,
    {
        let tx = self.begin(kind).await?;
        match work(self).await {
            Ok(value) => {
                tx.commit().await?;
                Ok(value)
            }
            Err(error) => {
                tx.rollback().await;
                Err(error)
            }
        }
    }

    /// Opens a transaction; see [`Transaction`].
    pub async fn begin(&self, kind: TxKind) -> Result<Transaction<'_>> {
        // The guard exists before the first statement: from here on, any
        // way out that does not end it leaves the cleanup to the next use.
        let tx = Transaction {
            db: self,
            kind,
            ended: false,
        };
        let dialect = self.backend.dialect();
        if kind == TxKind::Schema {
            for sql in dialect.before_sync() {
                self.execute(sql).await?;
            }
        }
        self.execute(dialect.begin()).await?;
        Ok(tx)
    }

    /// Closes the connection cleanly (the server logs no aborted
    /// connection).
    pub async fn close(self) -> Result<()> {
        // Closing also ends a transaction that was cut short: the server
        // rolls it back.
        self.conn
            .into_inner()
            .close()
            .await
            .map_err(|e| Error::database("closing the connection", e))
    }

    fn count(&self) {
        self.queries.fetch_add(1, Ordering::Relaxed);
    }

    /// The connection, after ending a transaction that was cut short.
    async fn lock(&self) -> Result<MutexGuard<'_, AnyConnection>> {
        let mut conn = self.conn.lock().await;
        if self.unfinished.swap(false, Ordering::SeqCst)
            && let Err(error) = self.recover(&mut conn).await
        {
            self.unfinished.store(true, Ordering::SeqCst);
            return Err(error);
        }
        Ok(conn)
    }

    /// Ends a transaction a dropped [`Transaction`] left open, and restores
    /// the session (SQLite: foreign keys back on).
    async fn recover(&self, conn: &mut AnyConnection) -> Result<()> {
        let mut run = async |sql: &str| {
            self.count();
            sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
                .execute(&mut *conn)
                .await
                .map(drop)
                .map_err(|source| self.statement_error(sql, source))
        };
        match run("ROLLBACK").await {
            Ok(()) => {}
            // The database refused the ROLLBACK itself: no transaction was
            // open (SQLite: "cannot rollback - no transaction is active"),
            // e.g. the guard was dropped before its BEGIN ran.
            Err(error) if error.is_rejected_statement() => {}
            Err(error) => return Err(error),
        }
        for sql in self.backend.dialect().after_sync() {
            run(sql).await?;
        }
        tracing::debug!("rolled back a transaction that was cut short");
        Ok(())
    }

    fn statement_error(&self, sql: &str, source: sqlx::Error) -> Error {
        let notes = match &source {
            sqlx::Error::Database(error) => self.backend.error_notes(error.as_ref()),
            _ => Vec::new(),
        };
        Error::Statement {
            sql: sql.to_owned(),
            notes,
            error: source,
        }
    }
}

/// What a [`Transaction`] wraps, which decides what runs around it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxKind {
    /// Schema changes (a sync, a migration): the dialect's session
    /// statements run around the transaction (SQLite: foreign keys off, so
    /// that a table rebuild does not cascade) and its integrity check runs
    /// before the commit (SQLite: `PRAGMA foreign_key_check`).
    Schema,
    /// Rows only (m's bookkeeping): just `BEGIN` ... `COMMIT`.
    Data,
}

/// An open transaction on a [`Db`], ended by [`commit`](Transaction::commit)
/// or [`rollback`](Transaction::rollback).
///
/// Statements inside it go through the [`Db`] as usual. Every way out ends
/// it: a failed `COMMIT` is rolled back (SQLite keeps the transaction open
/// after one), and a guard dropped before it ended (a cancelled future, a
/// panic) marks the connection so that its next use rolls back and restores
/// the session before anything else runs.
#[must_use = "a transaction that is neither committed nor rolled back is rolled back on the connection's next use"]
pub struct Transaction<'a> {
    db: &'a Db,
    kind: TxKind,
    ended: bool,
}

impl Transaction<'_> {
    /// Runs the integrity check (for [`TxKind::Schema`]) and commits; on any
    /// failure rolls back and returns the error: nothing was committed.
    pub async fn commit(mut self) -> Result<()> {
        let db = self.db;
        let dialect = db.backend.dialect();
        if self.kind == TxKind::Schema
            && let Some(check) = dialect.integrity_check()
        {
            let violations = match db.fetch_all(check).await {
                Ok(rows) => rows.len(),
                Err(error) => {
                    self.end_with_rollback().await;
                    return Err(error);
                }
            };
            if violations > 0 {
                self.end_with_rollback().await;
                return Err(Error::IntegrityViolation {
                    check,
                    rows: violations,
                });
            }
        }
        if let Err(error) = db.execute("COMMIT").await {
            self.end_with_rollback().await;
            return Err(error);
        }
        // Committed: a failure to restore the session now must not read as
        // a failed commit. The guard stays unended, so the connection's
        // next use restores the session (and reports it if that fails too).
        if let Err(error) = self.restore_session().await {
            tracing::warn!(
                "the transaction committed; restoring the session failed, retried on the connection's next use: {error}"
            );
        }
        Ok(())
    }

    /// Rolls back. A rollback that fails (a lost connection) is retried on
    /// the connection's next use, which reports it if it fails again; the
    /// caller's own error matters more than this one.
    pub async fn rollback(mut self) {
        self.end_with_rollback().await;
    }

    async fn end_with_rollback(&mut self) {
        if self.db.execute("ROLLBACK").await.is_ok() {
            // Restoring may fail too; then the guard stays unended and the
            // next use of the connection restores the session.
            let _ = self.restore_session().await;
        }
    }

    async fn restore_session(&mut self) -> Result<()> {
        if self.kind == TxKind::Schema {
            for sql in self.db.backend.dialect().after_sync() {
                self.db.execute(sql).await?;
            }
        }
        self.ended = true;
        Ok(())
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.ended {
            self.db.unfinished.store(true, Ordering::SeqCst);
        }
    }
}

/// Installs sqlx's built-in `Any` drivers for the enabled backends, unless
/// the application installed a list of its own first.
fn install_drivers() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let installed = sqlx::any::install_drivers(&[
            #[cfg(feature = "mysql")]
            sqlx::mysql::any::DRIVER,
            #[cfg(feature = "postgres")]
            sqlx::postgres::any::DRIVER,
            #[cfg(feature = "sqlite")]
            sqlx::sqlite::any::DRIVER,
        ]);
        // The one error `install_drivers` returns is "already installed":
        // the application's own list stays, as documented on `connect_with`.
        if installed.is_err() {
            tracing::debug!("sqlx Any drivers were installed by the application");
        }
    });
}
