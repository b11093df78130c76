//! `online:0001_add_keys_indexes`, written by `migrate make --online`.
//!
//! Builds the indexes without stopping writes to their tables
//! (PostgreSQL `CREATE INDEX CONCURRENTLY`, MySQL/MariaDB `ALGORITHM=INPLACE
//! LOCK=NONE`). It runs outside a transaction, so it holds only online
//! builds and no data work; a failed build leaves nothing behind and is not
//! recorded: fix what it names (duplicates of a unique index) and run again.
//!
//! Before anything runs, m checks that the operations lead from `old` to
//! `new` (and `down` back), and that the database is `old`; so does the
//! test at the end of this file.

#![allow(unused_imports)]

use m_runtime::Db;
use m_runtime::ops::{self, Migration, Sql, todo_backfill, todo_conversion};
use m_runtime::schema::{
    Column, DefaultValue, ForeignKey, Index, LogicalType, ReferentialAction, Table,
};

#[m_runtime::operations(id = "0001_add_keys_indexes", reversible)]
pub fn migration() -> Migration {
    Migration {
        previous: None,
        up: vec![
            ops::add_unique_online("item", "ux_item__code", &["code"]),
            ops::add_index_online("item", "ix_item__parent_id", &["parent_id"]),
        ],
        down: Some(vec![
            ops::drop_index("item", "ix_item__parent_id"),
            ops::drop_index("item", "ux_item__code"),
        ]),
        old: r#"{"tables": {
                "item": {
                    "name": "item",
                    "columns": [
                        {"name": "id", "type": "i64", "nullable": false},
                        {"name": "code", "type": "string", "max_length": 40, "nullable": false},
                        {"name": "parent_id", "type": "i64", "nullable": true}
                    ],
                    "primary_key": ["id"],
                    "indexes": [],
                    "foreign_keys": []
                }
            }}"#,
        new: r#"{"tables": {
                "item": {
                    "name": "item",
                    "columns": [
                        {"name": "id", "type": "i64", "nullable": false},
                        {"name": "code", "type": "string", "max_length": 40, "nullable": false},
                        {"name": "parent_id", "type": "i64", "nullable": true}
                    ],
                    "primary_key": ["id"],
                    "indexes": [
                        {"name": "ux_item__code", "columns": ["code"], "unique": true},
                        {"name": "ix_item__parent_id", "columns": ["parent_id"], "unique": false}
                    ],
                    "foreign_keys": []
                }
            }}"#,
    }
}

#[test]
fn operations_lead_from_old_to_new() {
    if let Err(error) = migration().lint() {
        panic!("{error}");
    }
}
