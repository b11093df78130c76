//! `online:0003_add_keys_validate`, written by `migrate make --online`.
//!
//! Checks the rows against the foreign keys the migration before added
//! (PostgreSQL `VALIDATE CONSTRAINT`: a scan under a lock that lets reads
//! and writes go on). A row that points nowhere fails it, naming the row,
//! and leaves the key as it was: fix the row and run again. Nothing to
//! undo: `down` is empty.
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

#[m_runtime::operations(id = "0003_add_keys_validate", reversible)]
pub fn migration() -> Migration {
    Migration {
        previous: Some("0002_add_keys_foreign_keys"),
        up: vec![
            ops::validate_foreign_key("item", "fk_item__parent_id"),
        ],
        down: Some(vec![]),
        old: r#"{"tables": {
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
                    "foreign_keys": [
                        {"name": "fk_item__parent_id", "columns": ["parent_id"], "ref_table": "parent", "ref_columns": ["id"], "on_delete": "no_action"}
                    ]
                },
                "parent": {
                    "name": "parent",
                    "columns": [
                        {"name": "id", "type": "i64", "nullable": false}
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
                    "foreign_keys": [
                        {"name": "fk_item__parent_id", "columns": ["parent_id"], "ref_table": "parent", "ref_columns": ["id"], "on_delete": "no_action"}
                    ]
                },
                "parent": {
                    "name": "parent",
                    "columns": [
                        {"name": "id", "type": "i64", "nullable": false}
                    ],
                    "primary_key": ["id"],
                    "indexes": [],
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
