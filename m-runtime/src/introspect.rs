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

/// [`introspect`] of the default schema and of every schema `desired`
/// names ([`Schema::named_schemas`]): what planning against `desired`
/// reads. Schemas no table of `desired` names are not read, so their
/// tables are neither compared nor reported as orphans.
pub async fn introspect_for(db: &Db, desired: &Schema) -> Result<Schema> {
    introspect_schemas(db, desired.named_schemas()).await
}

/// [`introspect`] of the default schema and the named `schemas`.
pub(crate) async fn introspect_schemas<'a>(
    db: &Db,
    schemas: impl IntoIterator<Item = &'a str>,
) -> Result<Schema> {
    let mut schemas: Vec<String> = schemas.into_iter().map(str::to_owned).collect();
    schemas.sort_unstable();
    schemas.dedup();
    db.backend()
        .introspector()
        .introspect_schemas(db, &schemas)
        .await
}
