//! Compile-time behaviour of `#[doctype]`, the hooks and `#[migration]`:
//! what compiles, and the exact error for each misuse. The `.stderr` files
//! are tied to the installed rustc (pinned in `rust-toolchain.toml`);
//! regenerate them with
//! `TRYBUILD=overwrite cargo test -p m-macro-tests --test ui` and review the diff.

use std::process::{Command, Stdio};

include!("../support/trybuild_flags.rs");

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
/// [`trybuild_build_env`] (setting a variable in this process would need
/// `unsafe`). The child's output is printed
/// through the test's captured output: shown on failure or with
/// `--nocapture`.
fn run_in_child() {
    let exe = std::env::current_exe().expect("the test binary's path");
    let log_path = std::env::temp_dir().join(format!("m-ui-suite-{}.log", std::process::id()));
    let log = std::fs::File::create(&log_path).expect("create the UI suite's log file");
    let status = Command::new(exe)
        .args(["ui", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .envs(trybuild_build_env())
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
