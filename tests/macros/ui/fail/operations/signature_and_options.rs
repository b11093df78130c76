//! `#[operations]` goes on a plain fn without arguments that returns the
//! migration; its options are those of `#[migration]` (no `down`: the
//! operations carry their own) plus `before`, `after` and `reversible`.
use m_runtime::ops::Migration;

#[m_runtime::operations(id = "0001_x", down = undo, reversible = true)]
async fn with_arguments(_x: i64) -> Migration {
    unimplemented!()
}

#[m_runtime::operations(id = "0002_y")]
fn wrong_return() -> i64 {
    0
}

fn main() {}
