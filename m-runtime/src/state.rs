//! The DocType state table `_m_doctypes`: the schema hash of every table as
//! of the last complete sync. Boot compares it with the compiled hashes and
//! skips introspection when they all match (Frappe's checksum comparison).
//!
//! The hashes say what m last applied, not what the database holds: a
//! manual `ALTER TABLE` is invisible here, which is why `migrate verify`
//! always introspects.

use std::collections::BTreeMap;

use sqlx::Row;

use crate::bookkeeping::{self, fetch_if_exists};
use crate::db::TxKind;
use crate::schema::{Schema, table_hash};
use crate::{Db, Error, Result};

pub use crate::bookkeeping::STATE_TABLE;

/// Compiled hash per table of `schema`.
pub fn hashes(schema: &Schema) -> BTreeMap<String, String> {
    schema
        .tables
        .values()
        .map(|t| (t.name.clone(), table_hash(t)))
        .collect()
}

/// The recorded `(app, table, hash)` rows, or `None` when the state table
/// does not exist yet (a first run). One query.
async fn rows(db: &Db) -> Result<Option<Vec<(String, String, String)>>> {
    let q = |s: &str| db.backend().dialect().quote_ident(s);
    let sql = format!(
        "SELECT {}, {}, {} FROM {} ORDER BY 1, 2",
        q("app"),
        q("table_name"),
        q("hash"),
        q(STATE_TABLE)
    );
    let Some(rows) = fetch_if_exists(db, STATE_TABLE, &sql).await? else {
        return Ok(None);
    };
    let read = |e| Error::database(format!("reading `{STATE_TABLE}`"), e);
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get(0).map_err(read)?,
                row.try_get(1).map_err(read)?,
                row.try_get(2).map_err(read)?,
            ))
        })
        .collect::<Result<_>>()
        .map(Some)
}

/// The hashes recorded by the last complete sync, or `None` when nothing
/// was recorded yet (one query).
pub async fn recorded(db: &Db) -> Result<Option<BTreeMap<String, String>>> {
    Ok(rows(db).await?.map(|rows| {
        rows.into_iter()
            .map(|(_, table, hash)| (table, hash))
            .collect()
    }))
}

/// Replaces the recorded hashes with those of `schema` (after a complete
/// sync), in one transaction.
pub async fn record(db: &Db, schema: &Schema) -> Result<()> {
    bookkeeping::ensure(db, &bookkeeping::state_table()).await?;
    let d = db.backend().dialect();
    let q = |s: &str| d.quote_ident(s);
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
    // The rows in one round trip, inside the transaction.
    db.transaction(TxKind::Data, async |db| db.execute(&sql).await.map(drop))
        .await
}

/// Apps that synced tables into this database (per the last complete sync)
/// and are not in `registry`: an app crate the binary forgot to link.
/// Returns an error naming them and their tables.
pub async fn check_linked_apps(db: &Db, registry: &crate::Registry) -> Result<()> {
    let Some(rows) = rows(db).await? else {
        return Ok(());
    };
    let linked = registry.apps();
    let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (app, table, _) in rows {
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
            "app(s) {list} synced this database but are not linked into this binary: add them to `m_runtime::apps![...]`; if an app was retired on purpose, drop its tables in a #[migration] and run `migrate forget-app <app>`"
        )),
    ])))
}

/// The tables each app synced, per the state table (empty when it does
/// not exist yet).
pub(crate) async fn apps_tables(db: &Db) -> Result<BTreeMap<String, Vec<String>>> {
    let mut apps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (app, table, _) in rows(db).await?.unwrap_or_default() {
        apps.entry(app).or_default().push(table);
    }
    Ok(apps)
}

/// Removes `app`'s rows (a retired app; inside the caller's transaction).
pub(crate) async fn forget_app(db: &Db, app: &str) -> Result<u64> {
    let d = db.backend().dialect();
    let sql = format!(
        "DELETE FROM {} WHERE {} = {}",
        d.quote_ident(STATE_TABLE),
        d.quote_ident("app"),
        d.placeholder(1)
    );
    let app = app.to_owned();
    db.run_with(&sql, move |q| q.bind(app)).await
}

/// Whether the recorded hashes equal the compiled ones, table for table.
pub async fn matches(db: &Db, schema: &Schema) -> Result<bool> {
    Ok(recorded(db)
        .await?
        .is_some_and(|recorded| recorded == hashes(schema)))
}
