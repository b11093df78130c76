//! The integration tests that build every registry they use, one module per
//! file, in one test binary (see `Cargo.toml`):
//! `cargo test -p m-tests --test engine evolution::` runs one module's.

#[path = "alter.rs"]
pub mod alter;
#[path = "boot.rs"]
pub mod boot;
#[path = "boot_stamp.rs"]
pub mod boot_stamp;
#[path = "checks.rs"]
pub mod checks;
/// The trybuild UI suite, named to start among the first tests (libtest
/// starts them in name order): it is CPU-bound and the rest mostly wait.
#[path = "ui.rs"]
pub mod compile_time;
#[path = "corpus.rs"]
pub mod corpus;
#[path = "crash.rs"]
pub mod crash;
#[path = "crash_resume.rs"]
pub mod crash_resume;
#[path = "enums.rs"]
pub mod enums;
#[path = "errors.rs"]
pub mod errors;
#[path = "evolution.rs"]
pub mod evolution;
#[path = "executor.rs"]
pub mod executor;
#[path = "impact.rs"]
pub mod impact;
#[path = "introspection_cost.rs"]
pub mod introspection_cost;
#[path = "large_sync.rs"]
pub mod large_sync;
#[path = "lease.rs"]
pub mod lease;
#[path = "lifecycle.rs"]
pub mod lifecycle;
#[path = "locking.rs"]
pub mod locking;
#[path = "migrations.rs"]
pub mod migrations;
#[path = "mutual_references.rs"]
pub mod mutual_references;
#[path = "noop_after_sync.rs"]
pub mod noop_after_sync;
#[path = "ops.rs"]
pub mod ops;
#[path = "registry.rs"]
pub mod registry;
#[path = "risk_engine.rs"]
pub mod risk_engine;
#[path = "risk_table.rs"]
pub mod risk_table;
#[path = "roundtrip.rs"]
pub mod roundtrip;
#[path = "schemas.rs"]
pub mod schemas;
#[path = "sql_mode.rs"]
pub mod sql_mode;
#[path = "sqlite_rebuild.rs"]
pub mod sqlite_rebuild;
#[path = "transactions.rs"]
pub mod transactions;
