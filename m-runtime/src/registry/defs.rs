//! Static descriptors that the macros emit and the registry collects.
//!
//! Everything here is constructible in `const` context: `#[doctype]`,
//! `#[before_sync]`, `#[after_sync]` and `#[migration]` each expand to one
//! `static` of these types submitted to the link-time registry.

use crate::db::Db;
use crate::schema::{DefaultValue, LogicalType, ReferentialAction};
use crate::{BoxError, BoxFuture};

/// A DocType: one struct, one table.
#[derive(Debug, Clone)]
pub struct DocTypeDef {
    /// The app (crate) that declares it.
    pub app: &'static str,
    /// The Rust struct name.
    pub name: &'static str,
    pub table: &'static str,
    /// `module_path!()` of the declaration, for messages.
    pub module_path: &'static str,
    pub columns: &'static [ColumnDef],
    /// Primary key columns, in key order.
    pub primary_key: &'static [&'static str],
    /// Struct-level `index(...)` declarations.
    pub indexes: &'static [IndexDef],
}

/// A column of a DocType.
#[derive(Debug, Clone)]
pub struct ColumnDef {
    pub name: &'static str,
    /// The Rust field it comes from.
    pub field: &'static str,
    pub ty: LogicalType,
    pub nullable: bool,
    pub default: Option<DefaultValue>,
    pub unique: bool,
    pub index: bool,
    pub renamed_from: &'static [&'static str],
    pub references: Option<ReferenceDef>,
}

/// `references = Target`: a foreign key to another DocType's primary key.
#[derive(Debug, Clone)]
pub struct ReferenceDef {
    pub table: &'static str,
    pub column: &'static str,
    pub on_delete: ReferentialAction,
}

/// A struct-level `index(fields = [...], unique)`.
#[derive(Debug, Clone)]
pub struct IndexDef {
    pub name: Option<&'static str>,
    pub columns: &'static [&'static str],
    pub unique: bool,
}

/// When a hook runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HookPhase {
    BeforeSync,
    AfterSync,
}

impl HookPhase {
    /// `"before_sync"` or `"after_sync"`.
    pub fn as_str(self) -> &'static str {
        match self {
            HookPhase::BeforeSync => "before_sync",
            HookPhase::AfterSync => "after_sync",
        }
    }
}

/// The function type hooks and fn migrations are adapted to.
pub type DbFn = for<'a> fn(&'a Db) -> BoxFuture<'a, Result<(), BoxError>>;

/// A `#[before_sync]` or `#[after_sync]` fn.
#[derive(Debug, Clone)]
pub struct HookDef {
    pub app: &'static str,
    pub name: &'static str,
    pub phase: HookPhase,
    pub run: DbFn,
}

/// When a migration runs relative to the declarative sync.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum MigrationPhase {
    /// Before sync: sees the old schema (the default).
    #[default]
    PreSync,
    /// After sync: sees the new schema.
    PostSync,
}

impl MigrationPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            MigrationPhase::PreSync => "pre_sync",
            MigrationPhase::PostSync => "post_sync",
        }
    }
}

/// The body of a migration step.
#[derive(Debug, Clone, Copy)]
pub enum MigrationBody {
    /// An async fn.
    Fn(DbFn),
    /// Embedded SQL (from `m-build`).
    Sql(&'static str),
}

/// A `#[migration]` fn or an embedded SQL file.
#[derive(Debug, Clone)]
pub struct MigrationDef {
    pub app: &'static str,
    pub id: &'static str,
    /// `"app:id"` targets.
    pub depends_on: &'static [&'static str],
    pub phase: MigrationPhase,
    /// `sha256:<hex>` over the canonical tokens of the fn or the file's bytes.
    pub checksum: &'static str,
    pub up: MigrationBody,
    pub down: Option<MigrationBody>,
    /// Where it was declared, for messages.
    pub source: &'static str,
}

/// `apps![catalog, orders]`: the apps the binary means to link.
#[derive(Debug, Clone)]
pub struct AppsDef {
    pub apps: &'static [&'static str],
}

inventory::collect!(DocTypeDef);
inventory::collect!(HookDef);
inventory::collect!(MigrationDef);
inventory::collect!(AppsDef);

/// Implemented by `#[doctype]` for each DocType struct.
pub trait DocType {
    /// The table name.
    const TABLE: &'static str;
    /// The primary key column a `references = ThisType` points at
    /// (the first column of a composite key).
    const PRIMARY_KEY: &'static str;
    /// The static descriptor.
    fn doctype() -> &'static DocTypeDef;
}
