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
    /// The table name (snake_case of the struct name unless `table = "..."`),
    /// as `schema.table` when the DocType names a schema
    /// ([`split_table_name`](crate::schema::split_table_name)).
    pub table: &'static str,
    /// `module_path!()` of the declaration, for messages.
    pub module_path: &'static str,
    /// The columns, in field order (`skip`ped fields left out).
    pub columns: &'static [ColumnDef],
    /// Primary key columns, in key order.
    pub primary_key: &'static [&'static str],
    /// Struct-level `index(...)` declarations.
    pub indexes: &'static [IndexDef],
    /// `renamed_from = "..."`: former table names.
    pub renamed_from: &'static [&'static str],
    /// `retired(columns = [...])`: columns the table may still hold that the
    /// code no longer declares.
    pub retired_columns: &'static [&'static str],
    /// `check(name = "...", expr = "...")`: CHECK constraints.
    pub checks: &'static [CheckDef],
}

/// A struct-level `check(name = "...", expr = "...")`.
#[derive(Debug, Clone)]
pub struct CheckDef {
    /// The constraint name.
    pub name: &'static str,
    /// The SQL boolean expression every row must satisfy.
    pub expr: &'static str,
}

/// A column of a DocType.
#[derive(Debug, Clone)]
pub struct ColumnDef {
    /// The column name (the field name unless `column = "..."`).
    pub name: &'static str,
    /// The Rust field it comes from.
    pub field: &'static str,
    /// The column type, from the field's Rust type or `sql_type = "..."`.
    pub ty: LogicalType,
    /// Whether the field is an `Option<...>`.
    pub nullable: bool,
    /// `default = ...`, if declared.
    pub default: Option<DefaultValue>,
    /// `unique`: a single-column unique index.
    pub unique: bool,
    /// `index`: a single-column index (ignored when `unique` is set).
    pub index: bool,
    /// `renamed_from = "..."`: former column names.
    pub renamed_from: &'static [&'static str],
    /// `references = Target`, if declared.
    pub references: Option<ReferenceDef>,
}

/// `references = Target`: a foreign key to another DocType's primary key.
#[derive(Debug, Clone)]
pub struct ReferenceDef {
    /// The referenced DocType's table ([`DocType::TABLE`]).
    pub table: &'static str,
    /// The referenced column ([`DocType::PRIMARY_KEY`]).
    pub column: &'static str,
    /// `on_delete = ...` (default `NO ACTION`).
    pub on_delete: ReferentialAction,
}

/// A struct-level `index(fields = [...], unique)`.
#[derive(Debug, Clone)]
pub struct IndexDef {
    /// `name = "..."`; `None` for the conventional name
    /// ([`Index::conventional_name`](crate::schema::Index::conventional_name)).
    pub name: Option<&'static str>,
    /// The indexed columns, in index order.
    pub columns: &'static [&'static str],
    /// Whether it is a unique index.
    pub unique: bool,
}

/// When a hook runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HookPhase {
    /// `#[before_sync]`: after the `pre_sync` migrations, before the sync's DDL.
    BeforeSync,
    /// `#[after_sync]`: after the sync, before the `post_sync` migrations.
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

/// The function type hooks and fn migrations are adapted to: takes the
/// [`Db`], returns a boxed future of `Result<(), BoxError>`.
pub type DbFn = for<'a> fn(&'a Db) -> BoxFuture<'a, Result<(), BoxError>>;

/// A `#[before_sync]` or `#[after_sync]` fn.
#[derive(Debug, Clone)]
pub struct HookDef {
    /// The app (crate) that declares it.
    pub app: &'static str,
    /// The fn's name.
    pub name: &'static str,
    /// When it runs.
    pub phase: HookPhase,
    /// The fn, adapted to [`DbFn`].
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
    /// `"pre_sync"` or `"post_sync"` (the ledger's and JSON's spelling).
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
    /// Typed operations (`#[operations]`, what `migrate make` writes).
    Ops(OpsBody),
}

/// A migration of typed operations ([`crate::ops::Migration`]): its up
/// body, or with `revert` its down body.
#[derive(Debug, Clone, Copy)]
pub struct OpsBody {
    /// Returns the migration: old and new schema, the operations.
    pub migration: fn() -> crate::ops::Migration,
    /// Data work before the operations (up only).
    pub before: Option<DbFn>,
    /// Data work after the operations (up only).
    pub after: Option<DbFn>,
    /// Runs the `down` operations instead of the `up` ones.
    pub revert: bool,
}

/// A `#[migration]` fn or an embedded SQL file.
#[derive(Debug, Clone)]
pub struct MigrationDef {
    /// The app (crate) that declares it.
    pub app: &'static str,
    /// Its id, unique within the app; within a phase, an app's ids run in
    /// string order.
    pub id: &'static str,
    /// `"app:id"` targets.
    pub depends_on: &'static [&'static str],
    /// When it runs relative to the sync.
    pub phase: MigrationPhase,
    /// `sha256:<hex>` over the canonical tokens of the fn or the file's bytes.
    pub checksum: &'static str,
    /// What applying it runs.
    pub up: MigrationBody,
    /// What reverting it runs; `None`: it cannot be reverted.
    pub down: Option<MigrationBody>,
    /// Where it was declared, for messages.
    pub source: &'static str,
    /// What it does when its app is installed on a fresh database.
    pub on_fresh: OnFresh,
}

/// What a migration does when its app is installed on a fresh database
/// (none of the app's tables exist and the ledger has none of its
/// migrations): the sync creates the schema from the declarations, so the
/// app's migrations, written against older schemas, are recorded as
/// applied without running ("baselined"), except those that say `Run`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnFresh {
    /// Recorded as applied without running (the default).
    #[default]
    Skip,
    /// Runs on fresh installs too: seed data, reference rows.
    Run,
}

/// `apps![catalog, orders]`: the apps the binary means to link.
#[derive(Debug, Clone)]
pub struct AppsDef {
    /// The app crate names, as written in `apps![...]`.
    pub apps: &'static [&'static str],
}

/// `retired_tables!["legacy_price", ...]`: tables an app no longer
/// declares that the database may still hold.
#[derive(Debug, Clone)]
pub struct RetiredTablesDef {
    /// The app (crate) that retired them.
    pub app: &'static str,
    /// The table names.
    pub tables: &'static [&'static str],
}

/// `ignored_tables!["flyway_schema_history", "django_*"]`: tables of
/// another tool sharing the database, which m neither reports nor touches.
#[derive(Debug, Clone)]
pub struct IgnoredTablesDef {
    /// The app (crate) that declared them.
    pub app: &'static str,
    /// Table names, or name prefixes ending in `*`.
    pub tables: &'static [&'static str],
}

inventory::collect!(DocTypeDef);
inventory::collect!(RetiredTablesDef);
inventory::collect!(IgnoredTablesDef);
inventory::collect!(HookDef);
inventory::collect!(MigrationDef);
inventory::collect!(AppsDef);

/// Implemented by `#[doctype]` for each DocType struct.
pub trait DocType {
    /// The table name, as `schema.table` when the DocType names a schema
    /// (`#[doctype(schema = "billing")]`).
    const TABLE: &'static str;
    /// The primary key column a `references = ThisType` points at
    /// (the first column of a composite key).
    const PRIMARY_KEY: &'static str;
    /// The static descriptor.
    fn doctype() -> &'static DocTypeDef;
}
