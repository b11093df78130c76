//! Marks the tests of backends excluded by `M_TEST_BACKENDS` as ignored (see
//! `support/selection.rs`).

#[path = "support/selection.rs"]
mod selection;

fn main() {
    selection::emit_build_instructions();
}
