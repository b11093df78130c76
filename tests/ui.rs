//! Compile-time behaviour of `#[doctype]`, the hooks and `#[migration]`:
//! what compiles, and the exact error for each misuse. The `.stderr` files
//! are tied to the installed rustc; regenerate them with
//! `TRYBUILD=overwrite cargo test -p m-tests --test ui` and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/doctype/*.rs");
    t.compile_fail("ui/fail/hooks/*.rs");
    t.compile_fail("ui/fail/migration/*.rs");
}
