//! Operator commands: change the ledger without running a migration. Each
//! checks the registry and the ledger first and refuses, changing nothing,
//! when the state is ambiguous; each writes its ledger rows and an event
//! (`_m_migration_events`) in one transaction, so what an operator did stays
//! visible in `migrate status`.
//!
//! | command | what it records |
//! |---|---|
//! | [`mark_applied`] | one registered migration as applied, without running it |
//! | [`unmark`] | removes one migration's ledger row (it will run again) |
//! | [`accept`] | an intentional edit of an applied migration: the new checksum, beside the old one |
//! | [`baseline`] | every registered migration as applied (adopting a database m did not migrate) |
//! | [`squash`] | an app's squashed migration as applied, in place of the rows it replaces |
//! | [`forget_app`] | removes a retired app's rows from m's tables |

use serde::Serialize;

use super::graph;
use super::ledger::{self, AppliedMigration, Event};
use crate::db::TxKind;
use crate::registry::{MigrationDef, Registry};
use crate::{Db, Error, Result};

/// What [`accept`] recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Accepted {
    /// `app:id`.
    pub migration: String,
    /// The checksum it was applied with.
    pub previous_checksum: String,
    /// The checksum now recorded.
    pub checksum: String,
}

/// What [`squash`] recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Squashed {
    /// The squashed migration, recorded as applied.
    pub recorded: AppliedMigration,
    /// The ledger rows it replaces, removed.
    pub replaced: Vec<AppliedMigration>,
}

/// What [`forget_app`] removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Forgotten {
    /// The app.
    pub app: String,
    /// Its ledger rows.
    pub migrations: Vec<AppliedMigration>,
    /// How many of its rows `_m_doctypes` held.
    pub doctypes: u64,
}

fn refuse(message: String) -> Error {
    Error::Migration(format!("{message}; nothing was changed"))
}

/// `app:id` as a pair.
pub(crate) fn parse_target(target: &str) -> Result<(&str, &str)> {
    target.split_once(':').ok_or_else(|| {
        Error::Migration(format!(
            "`{target}` is not a migration: name it as `app:id`"
        ))
    })
}

fn registered<'r>(registry: &'r Registry, app: &str, id: &str) -> Result<&'r MigrationDef> {
    registry
        .migrations
        .iter()
        .copied()
        .find(|m| m.app == app && m.id == id)
        .ok_or_else(|| {
            refuse(format!(
                "no migration `{app}:{id}` is registered in this binary (check the name with `migrate list`)"
            ))
        })
}

fn next_seq(rows: &[AppliedMigration]) -> i64 {
    rows.iter().map(|r| r.seq).max().unwrap_or(0) + 1
}

/// Records `target` (`app:id`) as applied without running it. Refuses when
/// it is not registered, already applied, or needs a migration that is not
/// applied.
pub async fn mark_applied(db: &Db, registry: &Registry, target: &str) -> Result<AppliedMigration> {
    registry.validate()?;
    let (app, id) = parse_target(target)?;
    let m = registered(registry, app, id)?;
    let rows = ledger::load(db).await?;
    if let Some(row) = rows.iter().find(|r| r.app == app && r.id == id) {
        return Err(refuse(format!(
            "`{target}` is already applied (at {})",
            row.applied_at
        )));
    }
    let missing: Vec<String> = graph::requirements(&registry.migrations, m)
        .into_iter()
        .filter(|(a, i)| !rows.iter().any(|r| r.app == *a && r.id == *i))
        .map(|key| format!("`{}`", graph::display(key)))
        .collect();
    if !missing.is_empty() {
        return Err(refuse(format!(
            "`{target}` needs {}, not applied: mark or run them first",
            missing.join(", ")
        )));
    }
    ledger::ensure_with_events(db).await?;
    let seq = next_seq(&rows);
    db.transaction(TxKind::Data, async |db| {
        let row = ledger::insert(db, m, seq, std::time::Duration::ZERO).await?;
        ledger::record_event(db, app, id, Event::Marked, Some(m.checksum), None).await?;
        Ok(row)
    })
    .await
}

/// Removes `target`'s ledger row, so that it runs again. Refuses when it is
/// not applied, or when an applied migration depends on it.
pub async fn unmark(db: &Db, registry: &Registry, target: &str) -> Result<AppliedMigration> {
    registry.validate()?;
    let (app, id) = parse_target(target)?;
    let rows = ledger::load(db).await?;
    let Some(row) = rows.iter().find(|r| r.app == app && r.id == id).cloned() else {
        return Err(refuse(format!("`{target}` is not applied")));
    };
    let dependents: Vec<String> = registry
        .migrations
        .iter()
        .filter(|m| m.depends_on.contains(&target))
        .filter(|m| rows.iter().any(|r| r.app == m.app && r.id == m.id))
        .map(|m| format!("`{}:{}`", m.app, m.id))
        .collect();
    if !dependents.is_empty() {
        return Err(refuse(format!(
            "applied migration(s) {} depend on `{target}`: unmark them first",
            dependents.join(", ")
        )));
    }
    ledger::ensure_with_events(db).await?;
    db.transaction(TxKind::Data, async |db| {
        ledger::remove(db, app, id).await?;
        ledger::record_event(db, app, id, Event::Unmarked, Some(&row.checksum), None).await?;
        Ok::<_, Error>(())
    })
    .await?;
    Ok(row)
}

/// Accepts an intentional edit of the applied migration `target`: records
/// its registered checksum, keeping the one it was applied with in the
/// events table, with the time. Refuses when it is not applied, not
/// registered, or not edited.
pub async fn accept(db: &Db, registry: &Registry, target: &str) -> Result<Accepted> {
    registry.validate()?;
    let (app, id) = parse_target(target)?;
    let m = registered(registry, app, id)?;
    let rows = ledger::load(db).await?;
    let Some(row) = rows.iter().find(|r| r.app == app && r.id == id) else {
        return Err(refuse(format!(
            "`{target}` is not applied: there is no applied checksum to replace"
        )));
    };
    if row.checksum == m.checksum {
        return Err(refuse(format!(
            "`{target}` is applied with the checksum it is registered with: nothing to accept"
        )));
    }
    ledger::ensure_with_events(db).await?;
    let previous = row.checksum.clone();
    db.transaction(TxKind::Data, async |db| {
        ledger::set_checksum(db, app, id, m.checksum).await?;
        ledger::record_event(
            db,
            app,
            id,
            Event::Accepted,
            Some(m.checksum),
            Some(&previous),
        )
        .await
    })
    .await?;
    Ok(Accepted {
        migration: target.to_owned(),
        previous_checksum: previous,
        checksum: m.checksum.to_owned(),
    })
}

/// Adopts a database m has not migrated: records every registered migration
/// as applied, in execution order, without running any. Refuses when the
/// ledger already records a migration (record single ones with
/// [`mark_applied`]).
pub async fn baseline(db: &Db, registry: &Registry) -> Result<Vec<AppliedMigration>> {
    registry.validate()?;
    let rows = ledger::load(db).await?;
    if !rows.is_empty() {
        return Err(refuse(format!(
            "the ledger already records {} migration(s): baseline adopts a database m has not migrated; record single migrations with `migrate mark-applied app:id`",
            rows.len()
        )));
    }
    let order = graph::execution_order(&registry.migrations);
    record_as(db, &order, 1, Event::Baselined).await
}

/// Records `migrations` as applied without running them, from ledger
/// sequence `seq` on, with `event`, in one transaction.
pub(crate) async fn record_as(
    db: &Db,
    migrations: &[&MigrationDef],
    seq: i64,
    event: Event,
) -> Result<Vec<AppliedMigration>> {
    if migrations.is_empty() {
        return Ok(Vec::new());
    }
    ledger::ensure_with_events(db).await?;
    db.transaction(TxKind::Data, async |db| {
        let mut recorded = Vec::with_capacity(migrations.len());
        for (m, seq) in migrations.iter().zip(seq..) {
            recorded.push(ledger::insert(db, m, seq, std::time::Duration::ZERO).await?);
            ledger::record_event(db, m.app, m.id, event, Some(m.checksum), None).await?;
        }
        Ok(recorded)
    })
    .await
}

/// Replaces `app`'s applied history with the squashed migration `into`:
/// records `into` as applied and removes the app's ledger rows whose
/// migrations are no longer registered (the ones `into` replaces), so that
/// existing databases keep a consistent ledger while fresh ones run (or
/// baseline) `into` alone. Refuses when `into` is not registered or already
/// applied, when another migration of the app is pending, or when nothing
/// was replaced.
pub async fn squash(db: &Db, registry: &Registry, app: &str, into: &str) -> Result<Squashed> {
    registry.validate()?;
    let m = registered(registry, app, into)?;
    let rows = ledger::load(db).await?;
    if rows.iter().any(|r| r.app == app && r.id == into) {
        return Err(refuse(format!("`{app}:{into}` is already applied")));
    }
    let pending: Vec<String> = registry
        .migrations
        .iter()
        .filter(|p| p.app == app && p.id != into)
        .filter(|p| !rows.iter().any(|r| r.app == p.app && r.id == p.id))
        .map(|p| format!("`{}:{}`", p.app, p.id))
        .collect();
    if !pending.is_empty() {
        return Err(refuse(format!(
            "{} of `{app}` are pending: run them (or remove them from the code) before squashing",
            pending.join(", ")
        )));
    }
    let replaced: Vec<AppliedMigration> = rows
        .iter()
        .filter(|r| {
            r.app == app
                && !registry
                    .migrations
                    .iter()
                    .any(|m| m.app == app && m.id == r.id)
        })
        .cloned()
        .collect();
    if replaced.is_empty() {
        return Err(refuse(format!(
            "`{app}` has no applied migration that is no longer registered: remove the migrations `{into}` replaces from the code first"
        )));
    }
    ledger::ensure_with_events(db).await?;
    let seq = next_seq(&rows);
    let recorded = db
        .transaction(TxKind::Data, async |db| {
            for row in &replaced {
                ledger::remove(db, &row.app, &row.id).await?;
                ledger::record_event(
                    db,
                    &row.app,
                    &row.id,
                    Event::Squashed,
                    Some(&row.checksum),
                    None,
                )
                .await?;
            }
            let recorded = ledger::insert(db, m, seq, std::time::Duration::ZERO).await?;
            ledger::record_event(db, app, into, Event::Squashed, Some(m.checksum), None).await?;
            Ok::<_, Error>(recorded)
        })
        .await?;
    Ok(Squashed { recorded, replaced })
}

/// Removes a retired `app`'s rows from m's tables: its ledger rows and its
/// rows in `_m_doctypes`. Its tables stay (drop them in a migration).
/// Refuses when the app is linked into this binary, or when m's tables hold
/// nothing of it.
pub async fn forget_app(db: &Db, registry: &Registry, app: &str) -> Result<Forgotten> {
    if registry.apps().contains(app) {
        return Err(refuse(format!(
            "`{app}` is linked into this binary: remove it from `m_runtime::apps![...]` (and its crate from the dependencies) first"
        )));
    }
    let rows = ledger::load(db).await?;
    let migrations: Vec<AppliedMigration> = rows.into_iter().filter(|r| r.app == app).collect();
    let synced = crate::state::apps_tables(db).await?;
    let doctypes = synced.get(app).map_or(0, Vec::len) as u64;
    if migrations.is_empty() && doctypes == 0 {
        return Err(refuse(format!(
            "m's tables hold nothing of an app `{app}` (check the name with `migrate status`)"
        )));
    }
    ledger::ensure_with_events(db).await?;
    db.transaction(TxKind::Data, async |db| {
        ledger::forget_app(db, app).await?;
        if doctypes > 0 {
            crate::state::forget_app(db, app).await?;
        }
        ledger::record_event(db, app, "", Event::Forgotten, None, None).await
    })
    .await?;
    Ok(Forgotten {
        app: app.to_owned(),
        migrations,
        doctypes,
    })
}
