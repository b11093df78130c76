//! The bookshop: one binary linking two app crates, `catalog` and `orders`.
//!
//! - `bookshop migrate <verify|sync|all|...>`: the migration CLI.
//! - `bookshop` (no arguments): boots like a server would — migrates itself
//!   under the migration lock (policy from `M_ENV`), then reports ready.

use std::process::ExitCode;

use m_runtime::cli::ExitStatus;

// Make sure both app crates are linked, and have the registry report one
// that registered nothing.
m_runtime::apps![catalog, orders];

#[tokio::main]
async fn main() -> ExitCode {
    if std::env::args().nth(1).is_some() {
        return m_runtime::cli::main().await;
    }
    let boot = match m_runtime::Boot::from_env() {
        Ok(boot) => boot,
        Err(error) => {
            eprintln!("bookshop cannot start: {}", m_runtime::Report(&error));
            return ExitStatus::from_error(&error).into();
        }
    };
    match boot.run().await {
        Ok(report) => {
            println!(
                "bookshop ready (fast path: {}, {} queries)",
                report.fast_path, report.queries
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("bookshop cannot start: {}", m_runtime::Report(&error));
            ExitStatus::from_error(&error).into()
        }
    }
}
