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
use crate::schema::{Schema, schema_digest, table_hash};
use crate::{Db, Error, Result};

pub use crate::bookkeeping::STATE_TABLE;

/// The `table_name` of the row holding the [`schema_digest`] of all the
/// others: no DocType can have an empty table name.
const DIGEST_ROW: &str = "";

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
        "SELECT {}, {}, {} FROM {} WHERE {} <> '{DIGEST_ROW}' ORDER BY 1, 2",
        q("app"),
        q("table_name"),
        q("hash"),
        q(STATE_TABLE),
        q("table_name"),
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

/// The recorded [`schema_digest`] of all the tables' hashes: `None` when
/// the state table does not exist, `Some(None)` when it holds no digest (a
/// database recorded by an m that wrote none). One query, one row.
async fn recorded_digest(db: &Db) -> Result<Option<Option<String>>> {
    let q = |s: &str| db.backend().dialect().quote_ident(s);
    let sql = format!(
        "SELECT {} FROM {} WHERE {} = '{DIGEST_ROW}'",
        q("hash"),
        q(STATE_TABLE),
        q("table_name"),
    );
    let Some(rows) = fetch_if_exists(db, STATE_TABLE, &sql).await? else {
        return Ok(None);
    };
    let read = |e| Error::database(format!("reading `{STATE_TABLE}`"), e);
    match rows.first() {
        Some(row) => Ok(Some(Some(row.try_get(0).map_err(read)?))),
        None => Ok(Some(None)),
    }
}

/// Replaces the recorded hashes with those of `schema` (after a complete
/// sync), and their digest, in one transaction.
pub async fn record(db: &Db, schema: &Schema) -> Result<()> {
    crate::stamp::invalidate(db).await?;
    bookkeeping::ensure(db, &bookkeeping::state_table()).await?;
    let d = db.backend().dialect();
    let q = |s: &str| d.quote_ident(s);
    let delete = format!("DELETE FROM {}", q(STATE_TABLE));
    let hashes = hashes(schema);
    let digest = schema_digest(hashes.iter().map(|(t, h)| (t.as_str(), h.as_str())));
    let rows: Vec<String> = schema
        .tables
        .values()
        .map(|table| {
            format!(
                "({}, {}, {})",
                d.quote_str(&table.name),
                d.quote_str(table.app.as_deref().unwrap_or("")),
                d.quote_str(&hashes[&table.name])
            )
        })
        .chain([format!(
            "({}, '', {})",
            d.quote_str(DIGEST_ROW),
            d.quote_str(&digest)
        )])
        .collect();
    // A few statements whatever the number of tables, each sent on its own:
    // a transaction that Galera aborts (another node wrote the same rows)
    // fails at its next statement, whereas the rest of a multi-statement
    // batch would run outside the aborted transaction.
    let inserts: Vec<String> = rows
        .chunks(500)
        .map(|chunk| {
            format!(
                "INSERT INTO {} ({}, {}, {}) VALUES {}",
                q(STATE_TABLE),
                q("table_name"),
                q("app"),
                q("hash"),
                chunk.join(", ")
            )
        })
        .collect();
    // Run again when a concurrent write won (a Galera certification failure).
    bookkeeping::retry_conflicts("recording the schema hashes", || {
        db.transaction(TxKind::Data, async |db| {
            db.execute(&delete).await?;
            for insert in &inserts {
                db.execute(insert).await?;
            }
            Ok(())
        })
    })
    .await
}

/// Apps that synced tables into this database (per the last complete sync)
/// and are not in `registry`: an app crate the binary forgot to link.
/// Returns an error naming them and their tables. Also refuses, before
/// anything reads or writes, DocTypes that name a schema on a database
/// without schemas.
pub async fn check_linked_apps(db: &Db, registry: &crate::Registry) -> Result<()> {
    crate::registry::check_registry_schemas(registry, db.backend())?;
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

/// Removes `app`'s rows (a retired app; inside the caller's transaction),
/// and the digest, which no longer sums up the rows (the next boot
/// compares them row by row, and the next complete sync records it again).
pub(crate) async fn forget_app(db: &Db, app: &str) -> Result<u64> {
    crate::stamp::invalidate(db).await?;
    let d = db.backend().dialect();
    let q = |s: &str| d.quote_ident(s);
    let sql = format!(
        "DELETE FROM {} WHERE {} = {} AND {} <> '{DIGEST_ROW}'",
        q(STATE_TABLE),
        q("app"),
        d.placeholder(1),
        q("table_name"),
    );
    let app = app.to_owned();
    let forgotten = db.run_with(&sql, move |q| q.bind(app)).await?;
    if forgotten > 0 {
        db.execute(&format!(
            "DELETE FROM {} WHERE {} = '{DIGEST_ROW}'",
            q(STATE_TABLE),
            q("table_name")
        ))
        .await?;
    }
    Ok(forgotten)
}

/// Whether the recorded hashes equal the compiled ones, table for table.
pub async fn matches(db: &Db, schema: &Schema) -> Result<bool> {
    Ok(recorded(db)
        .await?
        .is_some_and(|recorded| recorded == hashes(schema)))
}

/// [`matches()`] for the registry's schema, without building it: the
/// registry's hashes are computed once per process
/// ([`Registry::hashes`](crate::Registry::hashes)), so boot's fast path
/// reads one row, the recorded [`schema_digest`], and compares it with the
/// compiled one (one query whatever the number of DocTypes). A database
/// recorded without a digest is compared row by row (a second query).
pub async fn matches_registry(db: &Db, registry: &crate::Registry) -> Result<bool> {
    let compiled = registry.hashes();
    match recorded_digest(db).await? {
        None => Ok(false),
        Some(Some(digest)) => Ok(digest == schema_digest(compiled.iter().map(|(t, h)| (*t, &**h)))),
        Some(None) => {
            let Some(recorded) = recorded(db).await? else {
                return Ok(false);
            };
            Ok(recorded.len() == compiled.len()
                && recorded.iter().all(|(table, hash)| {
                    compiled.get(table.as_str()).is_some_and(|h| **h == **hash)
                }))
        }
    }
}
