//! The old and new schemas a migration records are checked at compile
//! time where they are string literals: JSON, each table under its name.
use m_runtime::ops::{self, Migration};

#[m_runtime::operations(id = "0001_x")]
fn migration() -> Migration {
    Migration {
        previous: None,
        up: vec![ops::rename_table("a", "b")],
        down: None,
        old: r#"{"tables": {"a": {"name": "a", "columns": []}"#,
        new: r#"{"tables": {"b": {"name": "a", "columns": []}}}"#,
    }
}

fn main() {}
