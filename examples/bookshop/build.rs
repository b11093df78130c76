//! The bookshop's tests call `all_backends!`, whose tests are marked ignored
//! for a backend excluded by `M_TEST_BACKENDS`: the same build-time check as
//! the m-tests package's (one file, `tests/support/selection.rs`).

#[path = "../../tests/support/selection.rs"]
mod selection;

fn main() {
    selection::emit_build_instructions();
}
