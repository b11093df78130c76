//! The bookshop's end-to-end tests, one module per file, in one test binary
//! (see `Cargo.toml`): `cargo test -p bookshop --test app studio::` runs one
//! module's.

#[path = "cli.rs"]
mod cli;
#[path = "contract.rs"]
mod contract;
#[path = "fleet.rs"]
mod fleet;
#[path = "galera.rs"]
mod galera;
#[path = "standby.rs"]
mod standby;
#[path = "studio.rs"]
mod studio;
