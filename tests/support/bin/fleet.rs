//! `m-fleet <version> <migrate args...>`: the `migrate` CLI over a synthetic
//! registry large enough that a run takes a while — the crash tests kill it
//! at random points. Version `1` declares 60 DocTypes; version `2` adds two
//! columns to each of them and 20 new DocTypes.

use std::process::ExitCode;

use clap::Parser;
use m_runtime::cli::{Cli, TopLevel};
use m_runtime::registry::{MigrationBody, MigrationDef, MigrationPhase, OnFresh};
use m_tests::synthetic;

/// Version 2's migrations; each leaves one row behind, so a migration run
/// twice fails on the primary key and the count of rows shows it ran once.
static PRE: MigrationDef = MigrationDef {
    app: "synthetic",
    id: "0001_pre",
    depends_on: &[],
    phase: MigrationPhase::PreSync,
    checksum: "sha256:fleet-0001",
    up: MigrationBody::Sql(
        "INSERT INTO t0001 (id, title, counter) VALUES (1001, 'migration:0001_pre', 0)",
    ),
    down: None,
    source: "m-fleet",
    on_fresh: OnFresh::Skip,
};

/// Post-sync: writes to `t0079`, a table version 2's sync creates.
static POST: MigrationDef = MigrationDef {
    app: "synthetic",
    id: "0002_post",
    depends_on: &["synthetic:0001_pre"],
    phase: MigrationPhase::PostSync,
    checksum: "sha256:fleet-0002",
    up: MigrationBody::Sql(
        "INSERT INTO t0079 (id, title, counter) VALUES (1002, 'migration:0002_post', 0)",
    ),
    down: None,
    source: "m-fleet",
    on_fresh: OnFresh::Skip,
};

#[tokio::main]
async fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().collect();
    let version = if args.len() > 1 {
        args.remove(1)
    } else {
        String::new()
    };
    let registry = match version.as_str() {
        "1" => synthetic::registry_with(60, 0),
        "2" => {
            let mut registry = synthetic::registry_with(80, 2);
            registry.migrations = vec![&PRE, &POST];
            registry
        }
        other => {
            eprintln!("usage: m-fleet <1|2> migrate ... (got version {other:?})");
            return ExitCode::from(2);
        }
    };
    let TopLevel::Migrate(command) = Cli::parse_from(args).command;
    m_runtime::cli::run(command, registry).await.into()
}
