//! `shop:0002_rename_customer`, written by `migrate make`.
//!
//! The operations lead the tables below from `old` to `new` (both as data).
//! Review them; write every `todo_conversion!` and `todo_backfill!` (the
//! build fails until each is written); put data work in `before` and
//! `after`; then `migrate all`. Before anything runs, m checks that the
//! operations lead from `old` to `new` (and `down` back), and that the
//! database is `old`; so does the test at the end of this file.

#![allow(unused_imports)]

use m_runtime::Db;
use m_runtime::ops::{self, Migration, Sql, todo_backfill, todo_conversion};
use m_runtime::schema::{
    Column, DefaultValue, ForeignKey, Index, LogicalType, ReferentialAction, Table,
};

#[m_runtime::operations(id = "0002_rename_customer", before = before, after = after, reversible)]
pub fn migration() -> Migration {
    Migration {
        previous: Some("0001_init"),
        up: vec![
            ops::rename_table("customer", "client"),
            ops::rename_column("client", "name", "full_name"),
            ops::convert("client", "age", LogicalType::String { max_length: None }, todo_conversion!("client.age: i32 -> text")),
            ops::convert("client", "code", LogicalType::I64, todo_conversion!("client.code: text -> i64")),
        ],
        down: Some(vec![
            ops::convert("client", "code", LogicalType::String { max_length: None }, todo_conversion!("client.code: i64 -> text")),
            ops::convert("client", "age", LogicalType::I32, todo_conversion!("client.age: text -> i32")),
            ops::rename_column("client", "full_name", "name"),
            ops::rename_table("client", "customer"),
        ]),
        old: r#"{"tables": {
                "customer": {
                    "name": "customer",
                    "columns": [
                        {"name": "id", "type": "i64", "nullable": false},
                        {"name": "name", "type": "string", "max_length": null, "nullable": false},
                        {"name": "age", "type": "i32", "nullable": false},
                        {"name": "code", "type": "string", "max_length": null, "nullable": false}
                    ],
                    "primary_key": ["id"],
                    "indexes": [],
                    "foreign_keys": []
                }
            }}"#,
        new: r#"{"tables": {
                "client": {
                    "name": "client",
                    "columns": [
                        {"name": "id", "type": "i64", "nullable": false},
                        {"name": "full_name", "type": "string", "max_length": null, "nullable": false},
                        {"name": "age", "type": "string", "max_length": null, "nullable": false},
                        {"name": "code", "type": "i64", "nullable": false}
                    ],
                    "primary_key": ["id"],
                    "indexes": [],
                    "foreign_keys": []
                }
            }}"#,
    }
}

/// Data work before the operations, on the old schema, in the migration's
/// transaction.
async fn before(db: &Db) -> m_runtime::Result<()> {
    let _ = db;
    Ok(())
}

/// Data work after the operations, on the new schema, in the migration's
/// transaction.
async fn after(db: &Db) -> m_runtime::Result<()> {
    let _ = db;
    Ok(())
}

#[test]
fn operations_lead_from_old_to_new() {
    if let Err(error) = migration().lint() {
        panic!("{error}");
    }
}
