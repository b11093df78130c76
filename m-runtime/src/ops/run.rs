//! Carrying operations out on a database.

use super::Operation;
use super::migration::{Migration, describe};
use super::render::render;
use crate::db::TxKind;
use crate::plan::prepare;
use crate::registry::OpsBody;
use crate::schema::{Schema, split_table_name};
use crate::{BoxError, Db, Error, Result};

/// Runs `ops` in one transaction, through the same guard as the sync
/// ([`Db::transaction`] with [`TxKind::Schema`]: SQLite's foreign keys
/// off around it and `PRAGMA foreign_key_check` before the commit). Each
/// operation is rendered against the live schema as the operations before
/// it left it; one that cannot apply stops the run, naming it, and
/// nothing is committed (MySQL and MariaDB commit DDL as it runs).
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use m_runtime::ops;
///
/// let db = m_runtime::Db::connect("sqlite::memory:").await?;
/// db.execute("CREATE TABLE customer (id INTEGER PRIMARY KEY NOT NULL, name TEXT)").await?;
/// db.execute("INSERT INTO customer (id, name) VALUES (1, 'Ann')").await?;
/// ops::apply(&db, &[ops::rename_column("customer", "name", "full_name")]).await?;
/// assert_eq!(db.fetch_i64("SELECT COUNT(*) FROM customer WHERE full_name = 'Ann'").await?, Some(1));
///
/// let error = ops::apply(&db, &[ops::drop_column("customer", "name")]).await.unwrap_err();
/// assert!(error.to_string().contains("has no column `name`"), "{error}");
/// # Ok::<(), m_runtime::Error>(()) }).unwrap();
/// ```
pub async fn apply(db: &Db, ops: &[Operation]) -> Result<()> {
    db.transaction(TxKind::Schema, async |db| execute(db, ops).await)
        .await
}

/// Runs `ops` on `db` as it is, inside whatever transaction the caller
/// holds (a `#[migration]` fn's, for one).
pub async fn execute(db: &Db, ops: &[Operation]) -> Result<()> {
    let live = introspect_named(db, ops, &[]).await?;
    execute_from(db, live, ops).await.map(drop)
}

/// The live schema of the default schema and of every schema that `ops`
/// (their tables, the tables they rename to, those their foreign keys
/// reference) and `schemas` name.
async fn introspect_named(db: &Db, ops: &[Operation], schemas: &[&Schema]) -> Result<Schema> {
    let mut names: Vec<&str> = Vec::new();
    for op in ops {
        names.extend(op.table());
        match op {
            Operation::RenameTable { to, .. } => names.push(to),
            Operation::CreateTable { table } => {
                names.extend(table.foreign_keys.iter().map(|fk| fk.ref_table.as_str()));
            }
            Operation::AddForeignKey { foreign_key, .. } => names.push(&foreign_key.ref_table),
            _ => {}
        }
    }
    let named = names
        .into_iter()
        .filter_map(|name| split_table_name(name).0)
        .chain(schemas.iter().flat_map(|s| s.named_schemas()));
    crate::introspect::introspect_schemas(db, named).await
}

/// Runs `ops` starting from the introspected `live` schema; returns the
/// schema they leave. Every operation is applied to the schema and
/// rendered before the first statement runs: one that cannot apply stops
/// the run before anything ran, on every database.
async fn execute_from(db: &Db, live: Schema, ops: &[Operation]) -> Result<Schema> {
    let backend = db.backend();
    let dialect = backend.dialect();
    let mut state = live;
    let mut statements = Vec::new();
    for (n, op) in ops.iter().enumerate() {
        let fail = |why: String| Error::Migration(format!("operation #{} `{op}`: {why}", n + 1));
        let renamed_to = match op {
            Operation::RenameTable { to, .. } => Some(to.as_str()),
            _ => None,
        };
        if let Some(table) = op
            .table()
            .into_iter()
            .chain(renamed_to)
            .find(|t| split_table_name(t).0.is_some() && !dialect.supports_schemas())
        {
            return Err(fail(format!(
                "table `{table}` is in a named schema, and m manages schemas on PostgreSQL only, not on {}",
                backend.name()
            )));
        }
        let mut after = state.clone();
        op.apply_to(&mut after).map_err(fail)?;
        statements.extend(render(dialect, backend.name(), &state, &after, op).map_err(fail)?);
        state = after;
    }
    for sql in &statements {
        db.execute(sql).await?;
    }
    Ok(state)
}

/// Runs a registered migration of operations (`#[operations]`) inside the
/// runner's transaction: lints it, checks the database is its old schema
/// (the new one when reverting), runs the data body before the
/// operations, the operations, the data body after them, and checks the
/// database is now its new schema. A mismatch stops it before anything
/// runs (or, after, rolls it back where DDL is transactional).
pub(crate) async fn run_registered(db: &Db, body: &OpsBody) -> Result<(), BoxError> {
    let migration: Migration = (body.migration)();
    migration.lint()?;
    let (old, new) = (migration.old_schema()?, migration.new_schema()?);
    let (from, to, ops) = match (body.revert, &migration.down) {
        (false, _) => (old, new, &migration.up),
        (true, Some(down)) => (new, old, down),
        (true, None) => {
            return Err(Error::Migration("it has no `down` operations".into()).into());
        }
    };
    let live = introspect_named(db, ops, &[&from, &to]).await?;
    matches_database(db, &live, &from, &to, "the schema it starts from")?;
    if !body.revert
        && let Some(before) = body.before
    {
        before(db).await?;
    }
    execute_from(db, live, ops).await?;
    if !body.revert
        && let Some(after) = body.after
    {
        after(db).await?;
    }
    let live = introspect_named(db, ops, &[&from, &to]).await?;
    matches_database(db, &live, &to, &from, "the schema it leads to")?;
    Ok(())
}

/// Whether the tables of `expected` (and the absence of those only in
/// `other`) are what the database has, as the planner compares them.
fn matches_database(
    db: &Db,
    live: &Schema,
    expected: &Schema,
    other: &Schema,
    what: &str,
) -> Result<()> {
    let dialect = db.backend().dialect();
    let fold = dialect.case_insensitive_tables();
    let named = |name: &str| {
        expected
            .tables
            .keys()
            .chain(other.tables.keys())
            .any(|t| t == name || (fold && t.eq_ignore_ascii_case(name)))
    };
    let mut subset = Schema::default();
    for table in live.tables.values().filter(|t| named(&t.name)) {
        subset.insert(table.clone());
    }
    let (live, expected) = prepare(dialect, &subset, expected);
    let differences = super::migration::differences(&live, &expected);
    if differences.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = differences.iter().map(describe).collect();
    Err(Error::Migration(format!(
        "the database is not {what} as the migration records it ({}): it was written for another state of the database; nothing of it ran",
        listed.join("; ")
    )))
}
