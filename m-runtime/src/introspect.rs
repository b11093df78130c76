//! Reading the live schema of a database.

use crate::schema::Schema;
use crate::{Db, Result};

/// Reads the live schema of `db` (every table but m's own bookkeeping
/// tables), normalised to [`LogicalType`](crate::schema::LogicalType)s so that it
/// compares with a declared [`Schema`].
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use m_runtime::schema::LogicalType;
///
/// let db = m_runtime::Db::connect("sqlite::memory:").await?;
/// db.execute("CREATE TABLE book (id INTEGER PRIMARY KEY NOT NULL, title VARCHAR(140))").await?;
/// let live = m_runtime::introspect(&db).await?;
/// let book = live.table("book").unwrap();
/// assert_eq!(book.primary_key, ["id"]);
/// let title = book.get_column("title").unwrap();
/// assert_eq!(title.ty, LogicalType::String { max_length: Some(140) });
/// assert!(title.nullable);
/// # Ok::<(), m_runtime::Error>(()) }).unwrap();
/// ```
pub async fn introspect(db: &Db) -> Result<Schema> {
    db.backend().introspector().introspect(db).await
}
