use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::{DocTypeDef, Registry};

/// One problem found in the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistryError {
    /// Two or more DocTypes declare the same table.
    DuplicateTable {
        /// The table name.
        table: String,
        /// Each declaring DocType, with its module path and app.
        declared_by: Vec<String>,
    },
    /// A DocType declares a column name twice.
    DuplicateColumn {
        /// The DocType, as `app::Struct`.
        doctype: String,
        /// The column name.
        column: String,
    },
    /// A `references = ...` names a table that no linked DocType declares.
    UnknownReference {
        /// The referencing DocType, as `app::Struct`.
        doctype: String,
        /// The referencing column.
        column: String,
        /// The referenced table.
        table: String,
    },
    /// An app registers two migrations with the same id.
    DuplicateMigration {
        /// The app.
        app: String,
        /// The repeated id.
        id: String,
    },
    /// A `depends_on` target is malformed, of an unlinked app, or not registered.
    UnknownDependency {
        /// The depending migration, as `app:id`.
        migration: String,
        /// The target as written.
        target: String,
        /// Why it is unknown, phrased to follow the target in the message.
        reason: String,
    },
    /// A cycle in the run order (`depends_on` together with each app's id order).
    DependencyCycle {
        /// The cycle as `app:id` keys, starting and ending at its smallest one.
        cycle: Vec<String>,
    },
    /// A `pre_sync` migration depends on a `post_sync` one, which runs later.
    DependsOnLaterPhase {
        /// The `pre_sync` migration, as `app:id`.
        migration: String,
        /// The `post_sync` one it depends on, as `app:id`.
        target: String,
    },
    /// An app named in `apps![...]` registered nothing.
    AppNotLinked {
        /// The app name.
        app: String,
    },
    /// A migration of operations (`#[operations]`) whose operations do not
    /// lead from its old schema to its new one, or whose old schema is not
    /// the new schema of the migration before it.
    Operations {
        /// The migration, as `app:id`.
        migration: String,
        /// What is wrong, naming the operation.
        problem: String,
    },
    /// A DocType names a schema (`#[doctype(schema = "...")]`) on a
    /// database where m manages none (SQLite, MySQL, MariaDB).
    SchemaUnsupported {
        /// The DocType, as `module::Struct`, when known (a [`Schema`](crate::schema::Schema)
        /// built by hand has tables, not DocTypes).
        doctype: Option<String>,
        /// The DocType's table, as `schema.table`.
        table: String,
        /// The app that declares it, when known.
        app: Option<String>,
        /// The backend (`sqlite`, `mysql`).
        backend: String,
    },
    /// The default of an enumeration field is not one of its values.
    EnumDefault {
        /// The DocType, as `app::Struct`.
        doctype: String,
        /// The Rust field.
        field: String,
        /// The declared default.
        value: String,
        /// The enumeration's type name.
        type_name: String,
        /// Its values.
        values: Vec<String>,
    },
    /// Any other problem, described in full (e.g. an empty registry).
    Other(String),
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::DuplicateTable { table, declared_by } => write!(
                f,
                "table `{table}` is declared by {}: give each DocType its own `#[doctype(table = \"...\")]`",
                declared_by.join(" and ")
            ),
            RegistryError::DuplicateColumn { doctype, column } => write!(
                f,
                "DocType {doctype} declares column `{column}` twice: rename one with `#[field(column = \"...\")]`"
            ),
            RegistryError::UnknownReference {
                doctype,
                column,
                table,
            } => write!(
                f,
                "{doctype}.{column} references table `{table}`, which no linked app declares: link the app that declares it (add it to `apps![...]`)"
            ),
            RegistryError::DuplicateMigration { app, id } => write!(
                f,
                "migration `{app}:{id}` is registered more than once: migration ids must be unique within an app"
            ),
            RegistryError::UnknownDependency {
                migration,
                target,
                reason,
            } => {
                write!(f, "migration `{migration}` depends on `{target}`, {reason}")
            }
            RegistryError::DependencyCycle { cycle } => write!(
                f,
                "migrations depend on each other in a cycle: {}: remove one of these `depends_on` entries",
                cycle.join(" -> ")
            ),
            RegistryError::DependsOnLaterPhase { migration, target } => write!(
                f,
                "migration `{migration}` (pre_sync) depends on `{target}` (post_sync), but every pre_sync migration runs before the sync and every post_sync one after it: make `{migration}` post_sync, or `{target}` pre_sync"
            ),
            RegistryError::AppNotLinked { app } => write!(
                f,
                "app `{app}` is listed in `apps![...]` but registered nothing: its crate was not linked, or it declares no DocType, hook or migration"
            ),
            RegistryError::Operations { migration, problem } => {
                write!(f, "migration `{migration}`: {problem}; nothing was run")
            }
            RegistryError::SchemaUnsupported {
                doctype,
                table,
                app,
                backend,
            } => {
                let (schema, name) = crate::schema::split_table_name(table);
                let app = app
                    .as_deref()
                    .map(|a| format!(" (app `{a}`)"))
                    .unwrap_or_default();
                let doctype = match doctype {
                    Some(doctype) => format!("DocType {doctype}{app}, table `{table}`,"),
                    None => format!("the DocType of table `{table}`{app}"),
                };
                write!(
                    f,
                    "{doctype} names schema `{}`, but m manages schemas on PostgreSQL only and this database is {backend}: run this app on PostgreSQL, or remove `schema = ...` to keep table `{name}` in the database itself",
                    schema.unwrap_or_default()
                )
            }
            RegistryError::EnumDefault {
                doctype,
                field,
                value,
                type_name,
                values,
            } => write!(
                f,
                "{doctype}.{field} defaults to `{value}`, which is not a value of `{type_name}`: write one of {}",
                values
                    .iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            RegistryError::Other(message) => f.write_str(message),
        }
    }
}

/// Every problem found, reported together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryErrors(
    /// The problems, in the order they were found; never empty when returned as an error.
    pub Vec<RegistryError>,
);

impl fmt::Display for RegistryErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} problem(s) in the registered declarations:",
            self.0.len()
        )?;
        for error in &self.0 {
            writeln!(f, "  - {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RegistryErrors {}

/// The identities ([`Registry::identity`]) of the registries that passed
/// in this process: a few at most (the linked one; tests build more).
static PASSED: super::memo::Memo<()> = super::memo::Memo::new();

/// Whether a registry of these items passed before.
pub(super) fn passed_before(identity: &[usize]) -> bool {
    PASSED.get(identity).is_some()
}

/// Remembers that a registry of these items passed.
pub(super) fn remember_passed(identity: Vec<usize>) {
    PASSED.put(identity, ());
}

pub(super) fn validate(registry: &Registry) -> Result<(), RegistryErrors> {
    let mut errors = Vec::new();
    if registry.doctypes.is_empty() && registry.hooks.is_empty() && registry.migrations.is_empty() {
        errors.push(RegistryError::Other(
            "nothing is registered: no app crate is linked into this binary; name your app crates in `m_runtime::apps![...]`".into(),
        ));
    }
    check_doctypes(registry, &mut errors);
    check_migrations(registry, &mut errors);
    errors.extend(
        crate::ops::lint_registered(&registry.migrations)
            .into_iter()
            .map(|(migration, problem)| RegistryError::Operations { migration, problem }),
    );
    check_expected_apps(registry, &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(RegistryErrors(errors))
    }
}

fn check_doctypes(registry: &Registry, errors: &mut Vec<RegistryError>) {
    // Linear in the number of DocTypes: an unchanged boot validates them all.
    let mut by_table: BTreeMap<&str, Vec<&DocTypeDef>> = BTreeMap::new();
    for d in &registry.doctypes {
        by_table.entry(d.table).or_default().push(d);
    }
    for (table, declared_by) in &by_table {
        if declared_by.len() > 1 {
            errors.push(RegistryError::DuplicateTable {
                table: table.to_string(),
                declared_by: declared_by
                    .iter()
                    .map(|d| format!("{}::{} (app `{}`)", d.module_path, d.name, d.app))
                    .collect(),
            });
        }
    }
    for retired in &registry.retired_tables {
        for table in retired.tables {
            if let Some(declared) = by_table.get(table).and_then(|d| d.first()) {
                errors.push(RegistryError::Other(format!(
                    "app `{}` retires table `{table}`, which {}::{} (app `{}`) still declares: a table is either declared or retired; remove it from `retired_tables![...]` or remove the DocType",
                    retired.app, declared.module_path, declared.name, declared.app
                )));
            }
        }
    }
    for ignored in &registry.ignored_tables {
        for pattern in ignored.tables {
            if let Some(problem) = ignored_pattern_problem(pattern) {
                errors.push(RegistryError::Other(format!(
                    "app `{}` ignores `{pattern}`, {problem}: an entry of `ignored_tables![...]` is a table name or a prefix ending in `*` (`django_*`)",
                    ignored.app
                )));
                continue;
            }
            let prefix = pattern.strip_suffix('*').unwrap_or(pattern);
            if crate::schema::is_internal_table(prefix)
                || (pattern.ends_with('*') && "_m_".starts_with(prefix))
            {
                errors.push(RegistryError::Other(format!(
                    "app `{}` ignores `{pattern}`, which matches m's own `_m_` tables: narrow the pattern",
                    ignored.app
                )));
            }
            for (table, declared_by) in &by_table {
                if crate::schema::table_pattern_matches(pattern, table)
                    && let Some(declared) = declared_by.first()
                {
                    errors.push(RegistryError::Other(format!(
                        "app `{}` ignores `{pattern}`, which matches table `{table}` that {}::{} (app `{}`) declares: a table is either m's or another tool's; narrow the pattern or remove the DocType",
                        ignored.app, declared.module_path, declared.name, declared.app
                    )));
                }
            }
        }
    }
    for d in &registry.doctypes {
        let mut names = BTreeSet::new();
        for check in d.checks {
            if check.expr.trim().is_empty() {
                errors.push(RegistryError::Other(format!(
                    "{}::{} declares check `{}` with an empty expression: give the SQL condition every row must satisfy",
                    d.app, d.name, check.name
                )));
            }
            if !names.insert(check.name.to_ascii_lowercase()) {
                errors.push(RegistryError::Other(format!(
                    "{}::{} declares check `{}` twice",
                    d.app, d.name, check.name
                )));
            }
        }
    }
    for d in &registry.doctypes {
        let mut retired = BTreeSet::new();
        for column in d.retired_columns {
            if d.columns.iter().any(|c| c.name == *column) {
                errors.push(RegistryError::Other(format!(
                    "{}::{} retires column `{column}` and declares it: a column is either a field or retired; remove it from `retired(columns = [...])` or remove the field",
                    d.app, d.name
                )));
            } else if !retired.insert(*column) {
                errors.push(RegistryError::Other(format!(
                    "{}::{} retires column `{column}` twice",
                    d.app, d.name
                )));
            }
        }
    }
    for d in &registry.doctypes {
        for column in d.columns {
            // The check an enumeration column is stored with where the
            // database has no ENUM column type.
            let generated = crate::schema::enum_check_name(d.table, column.name);
            if matches!(column.ty, crate::schema::LogicalType::Enum { .. })
                && d.checks
                    .iter()
                    .any(|c| c.name.eq_ignore_ascii_case(&generated))
            {
                errors.push(RegistryError::Other(format!(
                    "{}::{} declares check `{generated}`, the name of the check that stores enumeration column `{}`'s values: rename the check",
                    d.app, d.name, column.name
                )));
            }
            let (
                crate::schema::LogicalType::Enum { name, values },
                Some(crate::schema::DefaultValue::Text(value)),
            ) = (&column.ty, &column.default)
            else {
                continue;
            };
            if !values.contains(value) {
                errors.push(RegistryError::EnumDefault {
                    doctype: format!("{}::{}", d.app, d.name),
                    field: column.field.to_string(),
                    value: value.to_string(),
                    type_name: name.to_string(),
                    values: values.to_vec(),
                });
            }
        }
    }
    // One enumeration type name, one list of values: PostgreSQL adopts a
    // live enum type by that name, and two lists could not both match it.
    let mut enums: BTreeMap<&str, (&crate::schema::EnumValues, String)> = BTreeMap::new();
    for d in &registry.doctypes {
        for column in d.columns {
            let crate::schema::LogicalType::Enum { name, values } = &column.ty else {
                continue;
            };
            let here = format!("{}::{}.{}", d.app, d.name, column.field);
            match enums.get(name.as_ref()) {
                None => {
                    enums.insert(name, (values, here));
                }
                Some((first, there)) if *first != values => {
                    errors.push(RegistryError::Other(format!(
                        "enumeration type `{name}` has the values [{}] in {there} and [{}] in {here}: give one of the enums its own `#[doc_enum(type_name = \"...\")]`, or the same values",
                        first.iter().collect::<Vec<_>>().join(", "),
                        values.iter().collect::<Vec<_>>().join(", "),
                    )));
                }
                Some(_) => {}
            }
        }
    }
    for d in &registry.doctypes {
        let mut seen = BTreeSet::new();
        for column in d.columns {
            if !seen.insert(column.name) {
                errors.push(RegistryError::DuplicateColumn {
                    doctype: format!("{}::{}", d.app, d.name),
                    column: column.name.to_string(),
                });
            }
            let Some(reference) = &column.references else {
                continue;
            };
            let Some(target) = by_table.get(reference.table).and_then(|t| t.first()) else {
                errors.push(RegistryError::UnknownReference {
                    doctype: format!("{}::{}", d.app, d.name),
                    column: column.name.to_string(),
                    table: reference.table.to_string(),
                });
                continue;
            };
            if target.primary_key.len() > 1 {
                errors.push(RegistryError::Other(format!(
                    "{}::{}.{} references `{}`, whose primary key ({}) has several columns: a single-column reference cannot point at it; reference a DocType with a one-column key",
                    d.app,
                    d.name,
                    column.name,
                    target.name,
                    target.primary_key.join(", ")
                )));
            }
        }
    }
}

fn check_migrations(registry: &Registry, errors: &mut Vec<RegistryError>) {
    let apps = registry.apps();
    let mut ids: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for m in &registry.migrations {
        *ids.entry((m.app, m.id)).or_default() += 1;
    }
    for ((app, id), count) in &ids {
        if *count > 1 {
            errors.push(RegistryError::DuplicateMigration {
                app: app.to_string(),
                id: id.to_string(),
            });
        }
    }
    for m in &registry.migrations {
        for target in m.depends_on {
            let reason = match target.split_once(':') {
                None => Some("which is not of the form \"app:id\"".to_owned()),
                Some((app, _)) if !apps.contains(app) => Some(format!(
                    "but app `{app}` is not linked into this binary: add its crate to `apps![...]`"
                )),
                Some((app, id)) if !ids.contains_key(&(app, id)) => {
                    Some(format!("but app `{app}` has no migration `{id}`"))
                }
                Some(_) => None,
            };
            if let Some(reason) = reason {
                errors.push(RegistryError::UnknownDependency {
                    migration: format!("{}:{}", m.app, m.id),
                    target: target.to_string(),
                    reason,
                });
            }
        }
    }
    // Cycles (named in full) and pre_sync -> post_sync dependencies.
    errors.extend(crate::migrate::graph_problems(&registry.migrations));
}

fn check_expected_apps(registry: &Registry, errors: &mut Vec<RegistryError>) {
    let apps = registry.apps();
    for app in &registry.expected_apps {
        if !apps.contains(app) {
            errors.push(RegistryError::AppNotLinked {
                app: app.to_string(),
            });
        }
    }
}

/// What is wrong with an `ignored_tables!` entry, if anything: it must be a
/// non-empty name, or a non-empty prefix followed by one `*` at the end.
fn ignored_pattern_problem(pattern: &str) -> Option<&'static str> {
    let name = pattern.strip_suffix('*').unwrap_or(pattern);
    if name.is_empty() {
        Some("which would ignore every table")
    } else if name.contains('*') {
        Some("which has a `*` before its end")
    } else if name.chars().any(char::is_whitespace) {
        Some("which holds whitespace")
    } else {
        None
    }
}

/// Refuses `desired` on a backend without schemas
/// ([`Dialect::supports_schemas`](crate::backend::Dialect::supports_schemas))
/// when one of its tables lives in a named schema: one error per table.
pub(crate) fn check_schemas_supported(
    desired: &crate::schema::Schema,
    backend: &dyn crate::backend::Backend,
) -> Result<(), RegistryErrors> {
    refuse_schemas(
        backend,
        desired
            .tables
            .values()
            .map(|t| (None, t.name.clone(), t.app.clone())),
    )
}

/// [`check_schemas_supported`] of the registered DocTypes, naming each.
pub(crate) fn check_registry_schemas(
    registry: &Registry,
    backend: &dyn crate::backend::Backend,
) -> Result<(), RegistryErrors> {
    refuse_schemas(
        backend,
        registry.doctypes.iter().map(|d| {
            (
                Some(format!("{}::{}", d.module_path, d.name)),
                d.table.to_owned(),
                Some(d.app.to_owned()),
            )
        }),
    )
}

/// One error per `(doctype, table, app)` whose table names a schema, where
/// `backend` has none.
fn refuse_schemas(
    backend: &dyn crate::backend::Backend,
    tables: impl Iterator<Item = (Option<String>, String, Option<String>)>,
) -> Result<(), RegistryErrors> {
    if backend.dialect().supports_schemas() {
        return Ok(());
    }
    let errors: Vec<RegistryError> = tables
        .filter(|(_, table, _)| crate::schema::split_table_name(table).0.is_some())
        .map(|(doctype, table, app)| RegistryError::SchemaUnsupported {
            doctype,
            table,
            app,
            backend: backend.name().to_owned(),
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(RegistryErrors(errors))
    }
}
