//! `#[before_sync]` and `#[after_sync]` hooks.
//!
//! All `before_sync` hooks of all apps run before the sync's DDL, sorted by
//! `(app, name)`; all `after_sync` hooks after it, in the same order. Hooks
//! run outside any transaction m opens and are meant to be idempotent: they
//! run on every `migrate all`, not once. A failing hook stops the run with
//! [`Error::Hook`] naming its app, name and phase; nothing after it runs.

use std::time::Instant;

use serde::Serialize;

use crate::registry::{HookDef, HookPhase, Registry};
use crate::{Db, Error, Result};

/// A hook that ran.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HookRun {
    /// The app that declares the hook.
    pub app: String,
    /// The hook fn's name.
    pub name: String,
    /// `before_sync` or `after_sync`.
    pub phase: HookPhase,
    /// How long it ran.
    pub duration_ms: u64,
}

/// The hooks of `phase` in the order they run: by app, then name.
pub fn hooks_of(registry: &Registry, phase: HookPhase) -> Vec<&'static HookDef> {
    let mut hooks: Vec<&'static HookDef> = registry
        .hooks
        .iter()
        .copied()
        .filter(|h| h.phase == phase)
        .collect();
    hooks.sort_by_key(|h| (h.app, h.name));
    hooks
}

/// Runs every hook of `phase`, stopping at the first failure.
pub async fn run_hooks(db: &Db, registry: &Registry, phase: HookPhase) -> Result<Vec<HookRun>> {
    let hooks = hooks_of(registry, phase);
    let mut ran = Vec::with_capacity(hooks.len());
    for hook in hooks {
        let started = Instant::now();
        (hook.run)(db).await.map_err(|source| Error::Hook {
            app: hook.app.into(),
            name: hook.name.into(),
            phase: phase.as_str(),
            source,
        })?;
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::info!(hook = %format!("{}::{}", hook.app, hook.name), phase = phase.as_str(), duration_ms, "hook ran");
        ran.push(HookRun {
            app: hook.app.into(),
            name: hook.name.into(),
            phase,
            duration_ms,
        });
    }
    Ok(ran)
}
