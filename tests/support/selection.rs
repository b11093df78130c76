//! Which backends `M_TEST_BACKENDS` selects.
//!
//! One file read two ways: the test support library includes it as a module
//! (the run-time check), and the build scripts of the packages whose tests
//! call `all_backends!` include it with `#[path]` (the build-time check that
//! marks an excluded backend's tests `#[ignore]`), so both read the variable
//! the same way.

/// The variable that narrows the backends.
pub const VAR: &str = "M_TEST_BACKENDS";

/// The variable that carries the build-time value of [`VAR`] into the test
/// binaries, so a run can tell when it differs from the one they were built
/// with.
pub const BUILD_VAR: &str = "M_TEST_BACKENDS_AT_BUILD";

/// The backends, by the name the tests and the `m_test_skip_<name>` cfg use.
pub const BACKENDS: [&str; 3] = ["sqlite", "postgres", "mysql"];

/// Every name [`VAR`] accepts and the backend it selects (`mariadb` is an
/// alias of `mysql`).
pub const NAMES: [(&str, &str); 4] = [
    ("sqlite", "sqlite"),
    ("postgres", "postgres"),
    ("mysql", "mysql"),
    ("mariadb", "mysql"),
];

/// The backends a value of [`VAR`] selects: all of them when it is unset or
/// blank; an error naming the valid names for an unknown one.
pub fn selected(value: Option<&str>) -> Result<Vec<&'static str>, String> {
    let Some(list) = value.filter(|v| !v.trim().is_empty()) else {
        return Ok(BACKENDS.to_vec());
    };
    let mut out = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let Some(&(_, backend)) = NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) else {
            let valid: Vec<&str> = NAMES.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "{VAR}={list}: unknown backend `{name}`; the valid names are {} (comma-separated, e.g. {VAR}=sqlite,postgres)",
                valid.join(", ")
            ));
        };
        if !out.contains(&backend) {
            out.push(backend);
        }
    }
    Ok(out)
}

/// A build script's part: rebuild when [`VAR`] changes, fail the build for
/// an unknown name, set `m_test_skip_<backend>` for each excluded backend and
/// pass the value on as [`BUILD_VAR`].
pub fn emit_build_instructions() {
    println!("cargo::rerun-if-env-changed={VAR}");
    for backend in BACKENDS {
        println!("cargo::rustc-check-cfg=cfg(m_test_skip_{backend})");
    }
    let value = match std::env::var(VAR) {
        Ok(value) => Some(value),
        Err(std::env::VarError::NotPresent) => None,
        Err(std::env::VarError::NotUnicode(raw)) => {
            println!("cargo::error={VAR}={raw:?} is not UTF-8; use names such as sqlite,postgres");
            return;
        }
    };
    match selected(value.as_deref()) {
        Ok(chosen) => {
            for backend in BACKENDS.iter().filter(|b| !chosen.contains(b)) {
                println!("cargo::rustc-cfg=m_test_skip_{backend}");
            }
            println!("cargo::rustc-env={BUILD_VAR}={}", value.unwrap_or_default());
        }
        Err(message) => println!("cargo::error={message}"),
    }
}
