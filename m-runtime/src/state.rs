//! The DocType state table `_m_doctypes`: the schema hash of every table as
//! of the last complete sync. Boot compares it with the compiled hashes and
//! skips introspection when they all match (Frappe's checksum comparison).
//!
//! The hashes say what m last applied, not what the database holds: a
//! manual `ALTER TABLE` is invisible here, which is why `migrate verify`
//! always introspects.

use std::collections::BTreeMap;

use sqlx::Row;

use crate::schema::{Schema, table_hash};
use crate::{Db, Error, Result};

/// The table name.
pub const STATE_TABLE: &str = "_m_doctypes";

/// Compiled hash per table of `schema`.
pub fn hashes(schema: &Schema) -> BTreeMap<String, String> {
    schema
        .tables
        .values()
        .map(|t| (t.name.clone(), table_hash(t)))
        .collect()
}

/// The hashes recorded by the last complete sync, or `None` when nothing
/// was recorded yet (one query).
pub async fn recorded(db: &Db) -> Result<Option<BTreeMap<String, String>>> {
    let q = |s: &str| db.backend().dialect().quote_ident(s);
    let sql = format!(
        "SELECT {}, {} FROM {}",
        q("table_name"),
        q("hash"),
        q(STATE_TABLE)
    );
    match db.fetch_all(&sql).await {
        Ok(rows) => rows
            .iter()
            .map(|row| {
                let table: String = row
                    .try_get(0)
                    .map_err(|e| Error::database("reading _m_doctypes", e))?;
                let hash: String = row
                    .try_get(1)
                    .map_err(|e| Error::database("reading _m_doctypes", e))?;
                Ok((table, hash))
            })
            .collect::<Result<_>>()
            .map(Some),
        // The table does not exist yet: a first boot.
        Err(error) if error.is_rejected_statement() => Ok(None),
        Err(other) => Err(other),
    }
}

/// Replaces the recorded hashes with those of `schema` (after a complete sync).
pub async fn record(db: &Db, schema: &Schema) -> Result<()> {
    let d = db.backend().dialect();
    let q = |s: &str| d.quote_ident(s);
    db.execute(&format!(
        "CREATE TABLE IF NOT EXISTS {} ({} VARCHAR(128) NOT NULL PRIMARY KEY, {} VARCHAR(128) NOT NULL, {} VARCHAR(64) NOT NULL)",
        q(STATE_TABLE),
        q("table_name"),
        q("app"),
        q("hash")
    ))
    .await?;
    let mut sql = format!("DELETE FROM {};", q(STATE_TABLE));
    for table in schema.tables.values() {
        sql.push_str(&format!(
            "\nINSERT INTO {} ({}, {}, {}) VALUES ({}, {}, {});",
            q(STATE_TABLE),
            q("table_name"),
            q("app"),
            q("hash"),
            d.quote_str(&table.name),
            d.quote_str(table.app.as_deref().unwrap_or("")),
            d.quote_str(&table_hash(table))
        ));
    }
    // One round trip, in one transaction.
    let result = db.execute(&format!("{};\n{sql}\nCOMMIT", d.begin())).await;
    if result.is_err() {
        let _ = db.execute("ROLLBACK").await;
    }
    result.map(drop)
}

/// Apps that synced tables into this database (per the last complete sync)
/// and are not in `registry`: an app crate the binary forgot to link.
/// Returns an error naming them and their tables.
pub async fn check_linked_apps(db: &Db, registry: &crate::Registry) -> Result<()> {
    let q = |s: &str| db.backend().dialect().quote_ident(s);
    let sql = format!(
        "SELECT {}, {} FROM {} ORDER BY 1, 2",
        q("app"),
        q("table_name"),
        q(STATE_TABLE)
    );
    let Ok(rows) = db.fetch_all(&sql).await else {
        return Ok(());
    };
    let linked = registry.apps();
    let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in rows {
        let app: String = row
            .try_get(0)
            .map_err(|e| Error::database("reading _m_doctypes", e))?;
        let table: String = row
            .try_get(1)
            .map_err(|e| Error::database("reading _m_doctypes", e))?;
        if !app.is_empty() && !linked.contains(app.as_str()) {
            missing.entry(app).or_default().push(table);
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let list = missing
        .iter()
        .map(|(app, tables)| format!("`{app}` (tables {})", tables.join(", ")))
        .collect::<Vec<_>>()
        .join(", ");
    Err(Error::Registry(crate::registry::RegistryErrors(vec![
        crate::registry::RegistryError::Other(format!(
            "app(s) {list} synced this database but are not linked into this binary: add them to `m_runtime::apps![...]`; if an app was retired on purpose, drop its tables in a #[migration] and delete its rows from `{STATE_TABLE}`"
        )),
    ])))
}

/// Whether the recorded hashes equal the compiled ones, table for table.
pub async fn matches(db: &Db, schema: &Schema) -> Result<bool> {
    Ok(recorded(db)
        .await?
        .is_some_and(|recorded| recorded == hashes(schema)))
}
