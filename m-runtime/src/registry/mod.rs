//! The link-time registry: what `#[doctype]`, the hooks and `#[migration]`
//! registered, read once, sorted, validated, and turned into the desired
//! [`Schema`].
//!
//! Registration uses `inventory` rather than `linkme`: inventory works on
//! every target rustc supports (linkme's linker sections do not exist on
//! wasm and need care on some linkers), and its per-item constructors cost
//! nothing measurable at startup. Neither gives an order, so every list here
//! is sorted by key.

mod defs;
mod hashes;
pub(crate) mod memo;
mod validate;

pub use defs::{
    AppsDef, CheckDef, ColumnDef, DbFn, DocType, DocTypeDef, HookDef, HookPhase, IgnoredTablesDef,
    IndexDef, MigrationBody, MigrationDef, MigrationPhase, OnFresh, OpsBody, ReferenceDef,
    RetiredTablesDef,
};
pub use validate::{RegistryError, RegistryErrors};
pub(crate) use validate::{check_registry_schemas, check_schemas_supported};

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::schema::{Check, Column, ForeignKey, Index, Schema, Table};

/// Everything the binary registered, sorted by key.
///
/// [`Registry::linked`] reads what the macros registered; a registry can
/// also be built by hand (for tests, or to run a subset):
///
/// ```
/// use m_runtime::Registry;
/// use m_runtime::registry::{ColumnDef, DocTypeDef};
/// use m_runtime::schema::LogicalType;
///
/// static TAG: DocTypeDef = DocTypeDef {
///     app: "blog",
///     name: "Tag",
///     table: "tag",
///     module_path: "blog::models",
///     columns: &[ColumnDef {
///         name: "id",
///         field: "id",
///         ty: LogicalType::I64,
///         nullable: false,
///         default: None,
///         unique: false,
///         index: false,
///         renamed_from: &[],
///         references: None,
///     }],
///     primary_key: &["id"],
///     indexes: &[],
///     renamed_from: &[],
///     retired_columns: &[],
///     checks: &[],
/// };
///
/// let registry = Registry { doctypes: vec![&TAG], ..Default::default() };
/// registry.validate().unwrap();
/// let schema = registry.schema();
/// assert_eq!(schema.table("tag").unwrap().app.as_deref(), Some("blog"));
/// assert_eq!(schema.table("tag").unwrap().primary_key, ["id"]);
/// ```
#[derive(Debug, Default, Clone)]
pub struct Registry {
    /// The DocTypes, sorted by `(app, table, name)`.
    pub doctypes: Vec<&'static DocTypeDef>,
    /// The hooks, sorted by `(phase, app, name)`.
    pub hooks: Vec<&'static HookDef>,
    /// The migrations, sorted by `(app, id)`.
    pub migrations: Vec<&'static MigrationDef>,
    /// Apps named in `apps![...]`, if the binary uses the anchor.
    pub expected_apps: Vec<&'static str>,
    /// `retired_tables![...]` declarations, sorted by app.
    pub retired_tables: Vec<&'static RetiredTablesDef>,
    /// `ignored_tables![...]` declarations, sorted by app.
    pub ignored_tables: Vec<&'static IgnoredTablesDef>,
}

impl Registry {
    /// Reads the link-time registry of this binary, sorted (not validated:
    /// see [`Registry::validate`]).
    pub fn linked() -> Self {
        let mut registry = Registry {
            doctypes: inventory::iter::<DocTypeDef>.into_iter().collect(),
            hooks: inventory::iter::<HookDef>.into_iter().collect(),
            migrations: inventory::iter::<MigrationDef>.into_iter().collect(),
            expected_apps: inventory::iter::<AppsDef>
                .into_iter()
                .flat_map(|a| a.apps.iter().copied())
                .collect(),
            retired_tables: inventory::iter::<RetiredTablesDef>.into_iter().collect(),
            ignored_tables: inventory::iter::<IgnoredTablesDef>.into_iter().collect(),
        };
        registry.sort();
        registry
    }

    /// Sorts every list by its key; registration order is never relied on.
    pub fn sort(&mut self) {
        self.doctypes.sort_by_key(|d| (d.app, d.table, d.name));
        self.hooks.sort_by_key(|h| (h.phase, h.app, h.name));
        self.migrations.sort_by_key(|m| (m.app, m.id));
        self.expected_apps.sort_unstable();
        self.expected_apps.dedup();
        self.retired_tables.sort_by_key(|r| (r.app, r.tables));
        self.ignored_tables.sort_by_key(|r| (r.app, r.tables));
    }

    /// Every app that registered something, sorted.
    pub fn apps(&self) -> BTreeSet<&'static str> {
        self.doctypes
            .iter()
            .map(|d| d.app)
            .chain(self.hooks.iter().map(|h| h.app))
            .chain(self.migrations.iter().map(|m| m.app))
            .chain(self.retired_tables.iter().map(|r| r.app))
            .chain(self.ignored_tables.iter().map(|r| r.app))
            .collect()
    }

    /// Checks the registry and reports every problem at once: duplicate
    /// tables, columns or migration ids, references to undeclared tables,
    /// unknown or cyclic `depends_on`, a `pre_sync` migration depending on a
    /// `post_sync` one, apps of `apps![...]` that registered nothing, or an
    /// empty registry.
    ///
    /// Every item is a `&'static` value that never changes, so a registry of
    /// the same items always gets the same answer: one that passed is
    /// remembered for the rest of the process (by the items' addresses), and
    /// an unchanged boot does not check its DocTypes again.
    pub fn validate(&self) -> Result<(), RegistryErrors> {
        let key = self.identity();
        if validate::passed_before(&key) {
            return Ok(());
        }
        validate::validate(self)?;
        validate::remember_passed(key);
        Ok(())
    }

    /// The addresses of every item (and each expected app name), in order:
    /// equal for two registries of the same items.
    pub(crate) fn identity(&self) -> Vec<usize> {
        fn addresses<T>(items: &[&'static T]) -> impl Iterator<Item = usize> {
            items.iter().map(|item| std::ptr::from_ref(*item).addr())
        }
        let lengths = [
            self.doctypes.len(),
            self.hooks.len(),
            self.migrations.len(),
            self.expected_apps.len(),
            self.retired_tables.len(),
            self.ignored_tables.len(),
        ];
        lengths
            .into_iter()
            .chain(addresses(&self.doctypes))
            .chain(addresses(&self.hooks))
            .chain(addresses(&self.migrations))
            .chain(
                self.expected_apps
                    .iter()
                    .flat_map(|app| [app.as_ptr().addr(), app.len()]),
            )
            .chain(addresses(&self.retired_tables))
            .chain(addresses(&self.ignored_tables))
            .collect()
    }

    /// The schema hash ([`table_hash`](crate::schema::table_hash)) of each
    /// DocType's table, by table name: what boot's fast path compares with
    /// the hashes the last sync recorded. Each DocType's hash is computed
    /// once per process and then read from a cache, so an unchanged boot
    /// serialises and hashes nothing. Does not validate; two DocTypes with
    /// one table name keep the last, as in [`Registry::schema`].
    pub fn hashes(&self) -> BTreeMap<&'static str, Arc<str>> {
        self.doctypes
            .iter()
            .map(|doctype| (doctype.table, hashes::cached(doctype)))
            .collect()
    }

    /// The desired schema: one table per DocType (see [`table_of`]). Does
    /// not validate; two DocTypes with one table name keep the last.
    pub fn schema(&self) -> Schema {
        let mut schema = Schema::default();
        for doctype in &self.doctypes {
            schema.insert(table_of(doctype));
        }
        for retired in &self.retired_tables {
            for table in retired.tables {
                schema.retire_table(*table, retired.app);
            }
        }
        for ignored in &self.ignored_tables {
            for pattern in ignored.tables {
                schema.ignore_tables(*pattern);
            }
        }
        schema
    }
}

/// The table a DocType declares, with column-level `unique`/`index` and
/// `references` lowered to indexes and foreign keys.
pub fn table_of(doctype: &DocTypeDef) -> Table {
    let mut table = Table::new(doctype.table).app(doctype.app);
    table.renamed_from = doctype.renamed_from.iter().map(|s| s.to_string()).collect();
    table.retired_columns = doctype
        .retired_columns
        .iter()
        .map(|c| c.to_string())
        .collect();
    table.primary_key = doctype.primary_key.iter().map(|c| c.to_string()).collect();
    table.checks = doctype
        .checks
        .iter()
        .map(|c| Check {
            name: c.name.to_string(),
            expr: c.expr.to_string(),
        })
        .collect();
    for def in doctype.columns {
        let mut column = Column::new(def.name, def.ty.clone());
        column.nullable = def.nullable;
        column.default = def.default.clone();
        column.renamed_from = def.renamed_from.iter().map(|s| s.to_string()).collect();
        table.columns.push(column);
        let single = vec![def.name.to_string()];
        let is_sole_pk = doctype.primary_key == [def.name];
        if def.unique && !is_sole_pk {
            table.indexes.push(Index {
                name: Index::conventional_name(doctype.table, &single, true),
                columns: single.clone(),
                unique: true,
            });
        } else if def.index && !is_sole_pk {
            table.indexes.push(Index {
                name: Index::conventional_name(doctype.table, &single, false),
                columns: single.clone(),
                unique: false,
            });
        }
        if let Some(reference) = &def.references {
            table.foreign_keys.push(ForeignKey::new(
                doctype.table,
                single,
                reference.table,
                vec![reference.column.to_string()],
                reference.on_delete,
            ));
        }
    }
    for def in doctype.indexes {
        let columns: Vec<String> = def.columns.iter().map(|c| c.to_string()).collect();
        let name = match def.name {
            Some(name) => name.to_string(),
            None => Index::conventional_name(doctype.table, &columns, def.unique),
        };
        table.indexes.push(Index {
            name,
            columns,
            unique: def.unique,
        });
    }
    table
}
