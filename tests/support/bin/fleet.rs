//! `m-fleet <version> <migrate args...>`: the `migrate` CLI over a synthetic
//! registry large enough that a run takes a while — the crash tests kill it
//! at random points. Version `1` declares 60 DocTypes; version `2` adds two
//! columns to each of them and 20 new DocTypes.

use std::process::ExitCode;

use clap::Parser;
use m_runtime::cli::{Cli, TopLevel};
use m_tests::synthetic;

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
        "2" => synthetic::registry_with(80, 2),
        other => {
            eprintln!("usage: m-fleet <1|2> migrate ... (got version {other:?})");
            return ExitCode::from(2);
        }
    };
    let TopLevel::Migrate(command) = Cli::parse_from(args).command;
    m_runtime::cli::run(command, registry).await.into()
}
