//! The engine's integration tests, one module per file, in one test binary
//! (see `Cargo.toml`): `cargo test -p m-tests --test engine evolution::`
//! runs one module's.

#[path = "alter.rs"]
mod alter;
#[path = "boot.rs"]
mod boot;
#[path = "checks.rs"]
mod checks;
#[path = "crash.rs"]
mod crash;
#[path = "crash_resume.rs"]
mod crash_resume;
#[path = "errors.rs"]
mod errors;
#[path = "evolution.rs"]
mod evolution;
#[path = "executor.rs"]
mod executor;
#[path = "impact.rs"]
mod impact;
#[path = "introspection_cost.rs"]
mod introspection_cost;
#[path = "large_sync.rs"]
mod large_sync;
#[path = "lease.rs"]
mod lease;
#[path = "lifecycle.rs"]
mod lifecycle;
#[path = "locking.rs"]
mod locking;
#[path = "mutual_references.rs"]
mod mutual_references;
#[path = "noop_after_sync.rs"]
mod noop_after_sync;
#[path = "risk_engine.rs"]
mod risk_engine;
#[path = "risk_table.rs"]
mod risk_table;
#[path = "roundtrip.rs"]
mod roundtrip;
#[path = "sql_mode.rs"]
mod sql_mode;
#[path = "sqlite_rebuild.rs"]
mod sqlite_rebuild;
#[path = "transactions.rs"]
mod transactions;
