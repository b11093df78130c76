//! The schema model: one plain, serde-serialisable value that describes the
//! compiled DocTypes, an introspected database and a committed snapshot alike.
//!
//! ```
//! use m_runtime::schema::{Column, LogicalType, Schema, Table};
//!
//! let mut schema = Schema::default();
//! schema.insert(
//!     Table::new("book")
//!         .column(Column::new("id", LogicalType::I64))
//!         .column(Column::new("title", LogicalType::String { max_length: Some(140) }).nullable())
//!         .primary_key(["id"]),
//! );
//! assert_eq!(schema.table("book").unwrap().columns.len(), 2);
//! ```

mod hash;
mod model;
mod types;

pub use hash::{schema_digest, table_hash};
#[cfg(feature = "mysql")]
pub(crate) use model::bounded_identifier;
pub(crate) use model::enum_check_name;
pub use model::{
    Check, Column, DefaultValue, Dependent, DependentKind, ForeignKey, Index, MAX_IDENTIFIER_LEN,
    ReferentialAction, Schema, Table, is_internal_table, qualified_table_name, split_table_name,
    table_pattern_matches,
};
pub use types::{EnumValues, LogicalType, TypeFamily};
