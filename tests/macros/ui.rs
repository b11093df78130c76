//! Compile-time behaviour of `#[doctype]`, the hooks and `#[migration]`:
//! what compiles, and the exact error for each misuse. The `.stderr` files
//! are tied to the installed rustc (pinned in `rust-toolchain.toml`);
//! regenerate them with
//! `TRYBUILD=overwrite cargo test -p m-macro-tests --test ui` and review the diff.

use std::process::{Command, Stdio};

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

/// Set in the child process that runs the suite with those flags.
const CHILD: &str = "M_UI_SUITE_CHILD";

#[test]
fn ui() {
    // Flags the caller chose (coverage, say) are left to trybuild as they are.
    let caller_flags = ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS"]
        .iter()
        .any(|var| std::env::var_os(var).is_some());
    if std::env::var_os(CHILD).is_none() && !caller_flags {
        return run_in_child();
    }
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/doctype/*.rs");
    t.compile_fail("ui/fail/doc_enum/*.rs");
    t.compile_fail("ui/fail/hooks/*.rs");
    t.compile_fail("ui/fail/migration/*.rs");
    t.compile_fail("ui/fail/operations/*.rs");
}

/// Runs this test again in a child process whose environment carries
/// [`TRYBUILD_RUSTFLAGS`] (setting a variable in this process would need
/// `unsafe`) and no debug info for trybuild's build (nothing here runs under
/// a debugger; it halves trybuild's disk use). The child's output is printed
/// through the test's captured output: shown on failure or with
/// `--nocapture`.
fn run_in_child() {
    let exe = std::env::current_exe().expect("the test binary's path");
    let log_path = std::env::temp_dir().join(format!("m-ui-suite-{}.log", std::process::id()));
    let log = std::fs::File::create(&log_path).expect("create the UI suite's log file");
    let status = Command::new(exe)
        .args(["ui", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env("CARGO_ENCODED_RUSTFLAGS", TRYBUILD_RUSTFLAGS.join("\u{1f}"))
        .env("CARGO_PROFILE_DEV_DEBUG", "false")
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("share the log file"))
        .stderr(log)
        .status()
        .expect("run the UI suite in a child process");
    let output = std::fs::read_to_string(&log_path).unwrap_or_default();
    let _ = std::fs::remove_file(&log_path);
    // The child's own summary line would be counted as a second test by
    // anything that adds up `test result:` lines (.ci/run does).
    let output: String = output
        .lines()
        .filter(|line| !line.starts_with("test result:"))
        .map(|line| format!("{line}\n"))
        .collect();
    print!("{output}");
    assert!(
        status.success(),
        "the UI suite failed ({status}): its output is above"
    );
}
