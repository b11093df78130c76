//! The trybuild UI cases (`ui/`) and the manifest trybuild builds them
//! with. The suite that runs them is `tests/ui.rs`, a module of m-tests'
//! engine binary: `cargo test -p m-tests --test engine ui::`.
