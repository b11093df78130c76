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
///
/// Online index builds ([`add_index_online`](super::add_index_online))
/// run without a transaction (PostgreSQL cannot build concurrently in
/// one), each on its own; such a list holds nothing else (see
/// [`ops`](crate::ops)).
pub async fn apply(db: &Db, ops: &[Operation]) -> Result<()> {
    if outside_transaction(ops) {
        let live = introspect_named(db, ops, &[]).await?;
        return build_online(db, live, ops).await.map(drop);
    }
    db.transaction(TxKind::Schema, async |db| execute(db, ops).await)
        .await
}

/// Runs `ops` on `db` as it is, inside whatever transaction the caller
/// holds (a `#[migration]` fn's, for one). Refuses online index builds,
/// which run outside a transaction, before anything runs: [`apply`] runs
/// those.
pub async fn execute(db: &Db, ops: &[Operation]) -> Result<()> {
    if let Some(op) = ops
        .iter()
        .find(|op| matches!(op, Operation::AddIndexOnline { .. }))
    {
        return Err(Error::Migration(format!(
            "`{op}` builds its index online, outside a transaction (PostgreSQL cannot build concurrently in one): run it with `ops::apply`, or in a migration of online builds only; nothing was run"
        )));
    }
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
            Operation::AddForeignKey { foreign_key, .. }
            | Operation::AddForeignKeyNotValid { foreign_key, .. } => {
                names.push(&foreign_key.ref_table)
            }
            _ => {}
        }
    }
    let named = names
        .into_iter()
        .filter_map(|name| split_table_name(name).0)
        .chain(schemas.iter().flat_map(|s| s.named_schemas()));
    crate::introspect::introspect_schemas(db, named).await
}

/// Whether `ops` run outside a transaction: they build indexes online.
/// On every database alike, so that a run that stopped part-way resumes
/// the same way everywhere.
pub(crate) fn outside_transaction(ops: &[Operation]) -> bool {
    ops.iter()
        .any(|op| matches!(op, Operation::AddIndexOnline { .. }))
}

/// Builds the online indexes `ops` add, outside a transaction, starting
/// from the introspected `live` schema; returns the schema they leave.
///
/// Converges whatever an earlier run left: the `INVALID` leftover of a
/// failed build is dropped before its index is built again, and an index
/// already there under its name with its columns (built by a run that
/// stopped before the ledger recorded it) is not built twice. A build
/// that fails drops what it left and stops the run. Every operation is
/// checked against the schema before the first statement runs.
async fn build_online(db: &Db, live: Schema, ops: &[Operation]) -> Result<Schema> {
    let dialect = db.backend().dialect();
    let mut leftovers = Vec::new();
    for op in ops {
        let Operation::AddIndexOnline { table, index } = op else {
            return Err(Error::Migration(format!(
                "`{op}` cannot run outside a transaction, beside online index builds: run it on its own; nothing was run"
            )));
        };
        if let Some((query, drop)) = dialect.invalid_index(table, &index.name)
            && !db.fetch_all(&query).await?.is_empty()
        {
            leftovers.push((index.name.clone(), drop));
        }
    }
    let mut state = live;
    for table in state.tables.values_mut() {
        table
            .indexes
            .retain(|i| !leftovers.iter().any(|(name, _)| *name == i.name));
    }
    let mut builds = Vec::new();
    for (n, op) in ops.iter().enumerate() {
        let Operation::AddIndexOnline { table, index } = op else {
            continue;
        };
        let built = state
            .table(table)
            .is_some_and(|t| t.indexes.iter().any(|i| i == index));
        if built {
            tracing::info!(index = %index.name, "already built by an earlier run");
            continue;
        }
        let fail = |why: String| Error::Migration(format!("operation #{} `{op}`: {why}", n + 1));
        let mut after = state.clone();
        op.apply_to(&mut after).map_err(fail)?;
        let built_on = after
            .table(table)
            .ok_or_else(|| fail(format!("there is no table `{table}`")))?;
        builds.push((table, index, dialect.create_index_online(built_on, index)));
        state = after;
    }
    for (name, drop) in &leftovers {
        tracing::info!(index = %name, "dropping the invalid index a failed build left");
        db.execute(drop).await?;
    }
    for (table, index, sql) in builds {
        if let Err(error) = db.execute(&sql).await {
            if let Err(cleanup) = drop_invalid(db, table, &index.name).await {
                tracing::warn!(
                    index = %index.name,
                    error = %crate::Report(&cleanup),
                    "could not drop the invalid index the failed build left: the next run drops it"
                );
            }
            return Err(error);
        }
    }
    Ok(state)
}

/// Drops index `name` of `table` if it is the invalid leftover of a failed
/// online build (PostgreSQL); nothing elsewhere.
async fn drop_invalid(db: &Db, table: &str, name: &str) -> Result<()> {
    if let Some((query, drop)) = db.backend().dialect().invalid_index(table, name)
        && !db.fetch_all(&query).await?.is_empty()
    {
        db.execute(&drop).await?;
    }
    Ok(())
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
    if outside_transaction(ops) {
        // A run that stopped part-way (a failed build, a crash before the
        // ledger row) left the first builds done: the database is the old
        // schema with some first operations applied.
        let mut resumed = from.clone();
        let mut matched = matches_database(db, &live, &resumed, &to, "");
        for op in ops {
            if matched.is_ok() {
                break;
            }
            op.apply_to(&mut resumed).map_err(Error::Migration)?;
            matched = matches_database(db, &live, &resumed, &to, "");
        }
        if matched.is_err() {
            matches_database(db, &live, &from, &to, "the schema it starts from")?;
        }
        build_online(db, live, ops).await?;
        let live = introspect_named(db, ops, &[&from, &to]).await?;
        matches_database(db, &live, &to, &from, "the schema it leads to")?;
        return Ok(());
    }
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
