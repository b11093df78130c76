use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::AnyConnection;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AssertSqlSafe, Connection};
use tokio::sync::{Mutex, MutexGuard};

use crate::backend::{self, Backend};
pub(crate) use crate::redact::redact;
use crate::{Error, Result};

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
///     .execute(&mut *db.connection().await)
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
    pub async fn connect_with(url: &str, backend: Arc<dyn Backend>) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let driver_url = backend.driver_url(url);
        let mut conn = AnyConnection::connect(&driver_url)
            .await
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
    pub async fn connection(&self) -> MutexGuard<'_, AnyConnection> {
        self.conn.lock().await
    }

    /// Runs raw SQL (one or more statements, no parameters); returns the rows affected.
    pub async fn execute(&self, sql: &str) -> Result<u64> {
        self.count();
        let mut conn = self.conn.lock().await;
        sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected())
            .map_err(|source| statement_error(sql, source))
    }

    /// Runs one query and returns every row.
    ///
    /// Sent as a simple (text protocol) query, not prepared: one round trip,
    /// and on MySQL no prepare/close exchange, which costs a delayed-ACK
    /// stall (about 40 ms) per query there.
    pub async fn fetch_all(&self, sql: &str) -> Result<Vec<AnyRow>> {
        self.count();
        let mut conn = self.conn.lock().await;
        sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
            .fetch_all(&mut *conn)
            .await
            .map_err(|source| statement_error(sql, source))
    }

    /// Runs one query with parameters bound by `bind` and returns every row.
    pub async fn fetch_with<'q>(
        &self,
        sql: &str,
        bind: impl FnOnce(Query<'q, Any, AnyArguments>) -> Query<'q, Any, AnyArguments>,
    ) -> Result<Vec<AnyRow>> {
        self.count();
        let mut conn = self.conn.lock().await;
        // Prepared once per connection and cached: closing a statement after
        // each use stalls MySQL for a delayed ACK (about 40 ms).
        let query = bind(sqlx::query(AssertSqlSafe(sql.to_owned())));
        query
            .fetch_all(&mut *conn)
            .await
            .map_err(|source| statement_error(sql, source))
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
        self.count();
        let mut conn = self.conn.lock().await;
        // Prepared once per connection and cached: closing a statement after
        // each use stalls MySQL for a delayed ACK (about 40 ms).
        let query = bind(sqlx::query(AssertSqlSafe(sql.to_owned())));
        query
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected())
            .map_err(|source| statement_error(sql, source))
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

    /// Closes the connection.
    pub async fn close(self) -> Result<()> {
        self.conn
            .into_inner()
            .close()
            .await
            .map_err(|e| Error::database("closing the connection", e))
    }

    fn count(&self) {
        self.queries.fetch_add(1, Ordering::Relaxed);
    }
}

fn statement_error(sql: &str, source: sqlx::Error) -> Error {
    Error::Statement {
        sql: sql.to_owned(),
        source,
        partial: String::new(),
    }
}
