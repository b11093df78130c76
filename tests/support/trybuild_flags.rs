// Included by tests/macros/ui.rs and tests/make_e2e.rs (not a module of the
// support library): both build with cargo in trybuild's target directory,
// with one set of flags, so that m-runtime and its dependencies compile once
// for the two of them.

/// The rustc flags trybuild gives its `cargo build` of the UI cases
/// (trybuild 1.0's `rustflags.rs`, plus the `--diagnostic-width=140` of
/// `build_all_tests`).
///
/// trybuild builds the dependencies first with these flags minus
/// `--diagnostic-width`, then the cases with them; rustc flags are part of
/// every artifact's hash, so on a cold cache each dependency is compiled
/// twice. Handing cargo these exact flags through `CARGO_ENCODED_RUSTFLAGS`
/// (which wins over trybuild's `--config build.rustflags`) makes both steps
/// use one set, and the dependencies compile once. The cases see the same
/// flags trybuild gives them, so the `.stderr` files do not change.
const TRYBUILD_RUSTFLAGS: [&str; 6] = [
    "--cfg",
    "trybuild",
    "--verbose",
    "-A",
    "dead_code",
    "--diagnostic-width=140",
];

/// The environment of every cargo build in trybuild's target directory:
/// those flags, no debug info (nothing there runs under a debugger; it
/// halves the directory's size) and no incremental state (trybuild sets
/// `CARGO_INCREMENTAL=0` itself).
fn trybuild_build_env() -> [(&'static str, String); 3] {
    [
        ("CARGO_ENCODED_RUSTFLAGS", TRYBUILD_RUSTFLAGS.join("\u{1f}")),
        ("CARGO_PROFILE_DEV_DEBUG", "false".to_owned()),
        ("CARGO_INCREMENTAL", "0".to_owned()),
    ]
}
