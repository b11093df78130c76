use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::LogicalType;

/// The longest identifier every supported backend accepts (PostgreSQL: 63 bytes).
pub const MAX_IDENTIFIER_LEN: usize = 63;

/// Tables m keeps for itself (`_m_*`): never reported as orphans, left out
/// of introspection.
///
/// ```
/// use m_runtime::schema::is_internal_table;
///
/// assert!(is_internal_table("_m_migrations"));
/// assert!(!is_internal_table("book"));
/// ```
pub fn is_internal_table(name: &str) -> bool {
    name.starts_with("_m_")
}

/// A table's name as m keys it, split into its schema and its name in
/// that schema: `billing.invoice` is table `invoice` of schema `billing`;
/// a name without a dot is a table of the connection's default schema
/// (PostgreSQL's `current_schema()`, the database of the URL elsewhere).
///
/// Every table name m reads from its user (`#[doctype(schema = ...)]`,
/// `references`, `renamed_from`, `ignored_tables!`, `retired_tables!`,
/// a migration's operations) and writes in a [`Schema`] is such a key.
///
/// ```
/// use m_runtime::schema::split_table_name;
///
/// assert_eq!(split_table_name("billing.invoice"), (Some("billing"), "invoice"));
/// assert_eq!(split_table_name("book"), (None, "book"));
/// ```
pub fn split_table_name(key: &str) -> (Option<&str>, &str) {
    match key.split_once('.') {
        Some((schema, name)) => (Some(schema), name),
        None => (None, key),
    }
}

/// The key of table `name` in `schema` (`None`: the default schema), the
/// inverse of [`split_table_name`].
///
/// ```
/// use m_runtime::schema::qualified_table_name;
///
/// assert_eq!(qualified_table_name(Some("billing"), "invoice"), "billing.invoice");
/// assert_eq!(qualified_table_name(None, "book"), "book");
/// ```
pub fn qualified_table_name(schema: Option<&str>, name: &str) -> String {
    match schema {
        Some(schema) => format!("{schema}.{name}"),
        None => name.to_owned(),
    }
}

/// Whether the `ignored_tables!` entry `pattern` (a name, or a prefix
/// ending in `*`) matches the table `name`.
pub fn table_pattern_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

/// A set of tables, keyed and iterated by table name (`schema.table` in a
/// named schema, see [`split_table_name`]) so that every output derived
/// from it is deterministic.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    /// The tables, keyed by name.
    pub tables: BTreeMap<String, Table>,
    /// Tables the code has retired, keyed by name, with the app that retired
    /// each: no DocType declares them, the database may still hold them
    /// (an expand/contract transition), and they are listed as retired
    /// instead of as orphans. Always empty for an introspected schema.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub retired_tables: BTreeMap<String, String>,
    /// Tables of other tools sharing the database, as names or prefixes
    /// ending in `*` ([`ignored_tables!`](crate::ignored_tables)): m
    /// neither reports nor changes a live table they match. Always empty
    /// for an introspected schema.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub ignored_tables: BTreeSet<String>,
}

impl Schema {
    /// Adds or replaces a table.
    pub fn insert(&mut self, table: Table) {
        self.tables.insert(table.name.clone(), table);
    }

    /// Retires the table `name` on behalf of `app` (see [`Schema::retired_tables`]).
    pub fn retire_table(&mut self, name: impl Into<String>, app: impl Into<String>) {
        self.retired_tables.insert(name.into(), app.into());
    }

    /// Ignores the live tables `pattern` matches: a table name, or a prefix
    /// ending in `*` (see [`Schema::ignored_tables`]).
    pub fn ignore_tables(&mut self, pattern: impl Into<String>) {
        self.ignored_tables.insert(pattern.into());
    }

    /// Whether the table `name` is ignored ([`Schema::ignore_tables`]).
    ///
    /// ```
    /// use m_runtime::schema::Schema;
    ///
    /// let mut schema = Schema::default();
    /// schema.ignore_tables("django_*");
    /// schema.ignore_tables("flyway_schema_history");
    /// assert!(schema.is_ignored("django_session"));
    /// assert!(schema.is_ignored("flyway_schema_history"));
    /// assert!(!schema.is_ignored("flyway_schema_history_old"));
    /// assert!(!schema.is_ignored("book"));
    /// ```
    pub fn is_ignored(&self, name: &str) -> bool {
        self.ignored_tables
            .iter()
            .any(|pattern| table_pattern_matches(pattern, name))
    }

    /// Renames table `from` to `to`, and the foreign keys that point at it
    /// follow (nothing happens when `from` is absent).
    pub fn rename_table(&mut self, from: &str, to: &str) {
        if let Some(mut table) = self.tables.remove(from) {
            table.name = to.to_owned();
            self.insert(table);
        }
        for fk in self
            .tables
            .values_mut()
            .flat_map(|t| t.foreign_keys.iter_mut())
            .filter(|fk| fk.ref_table == from)
        {
            fk.ref_table = to.to_owned();
        }
    }

    /// Renames column `from` of `table` to `to` wherever the table names it
    /// ([`Table::rename_columns`]), and the foreign keys of every table that
    /// reference it follow (nothing happens to an absent table).
    pub fn rename_column(&mut self, table: &str, from: &str, to: &str) {
        if let Some(t) = self.tables.get_mut(table) {
            t.rename_columns(|c| (c == from).then(|| to.to_owned()));
        }
        for fk in self
            .tables
            .values_mut()
            .flat_map(|t| t.foreign_keys.iter_mut())
            .filter(|fk| fk.ref_table == table)
        {
            fk.ref_columns
                .iter_mut()
                .filter(|c| *c == from)
                .for_each(|c| *c = to.to_owned());
        }
    }

    /// The schemas other than the default one that this schema names: of
    /// its tables, their former names and the retired tables. Introspection
    /// reads these besides the default schema
    /// ([`introspect_for`](crate::introspect_for)).
    ///
    /// ```
    /// use m_runtime::schema::{Schema, Table};
    ///
    /// let mut schema = Schema::default();
    /// schema.insert(Table::new("billing.invoice").renamed_from("legacy.invoice"));
    /// schema.insert(Table::new("book"));
    /// schema.retire_table("archive.old_book", "shop");
    /// let named: Vec<&str> = schema.named_schemas().into_iter().collect();
    /// assert_eq!(named, ["archive", "billing", "legacy"]);
    /// ```
    pub fn named_schemas(&self) -> BTreeSet<&str> {
        self.tables
            .values()
            .flat_map(|t| std::iter::once(&t.name).chain(&t.renamed_from))
            .chain(self.retired_tables.keys())
            .filter_map(|name| split_table_name(name).0)
            .collect()
    }

    /// The table named `name`, if present (names compare exactly).
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }

    /// Tables in an order where every table comes after the tables its
    /// foreign keys point at (cycles and self references keep name order).
    pub fn tables_in_dependency_order(&self) -> Vec<&Table> {
        let mut ordered: Vec<&Table> = Vec::with_capacity(self.tables.len());
        let mut placed = std::collections::BTreeSet::new();
        let mut visiting = std::collections::BTreeSet::new();
        fn visit<'a>(
            schema: &'a Schema,
            table: &'a Table,
            placed: &mut std::collections::BTreeSet<&'a str>,
            visiting: &mut std::collections::BTreeSet<&'a str>,
            ordered: &mut Vec<&'a Table>,
        ) {
            if placed.contains(table.name.as_str()) || !visiting.insert(table.name.as_str()) {
                return;
            }
            for fk in &table.foreign_keys {
                if let Some(target) = schema.tables.get(&fk.ref_table) {
                    visit(schema, target, placed, visiting, ordered);
                }
            }
            placed.insert(table.name.as_str());
            ordered.push(table);
        }
        for table in self.tables.values() {
            visit(self, table, &mut placed, &mut visiting, &mut ordered);
        }
        ordered
    }
}

/// One table: its columns in declaration order, primary key, indexes
/// (unique constraints are unique indexes) and foreign keys.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Table {
    /// The table name in the database, as `schema.table` when the table
    /// lives in a named schema ([`split_table_name`]). A table of the
    /// default schema has no schema in its name, so its JSON and
    /// [`table_hash`](super::table_hash) are what they were before m
    /// modelled schemas.
    pub name: String,
    /// The app that declares the table (`None` for an introspected table).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// The columns, in declaration order (catalog order when introspected).
    pub columns: Vec<Column>,
    /// Primary key column names, in key order; empty when there is none.
    #[serde(default)]
    pub primary_key: Vec<String>,
    /// Indexes, unique ones included (the primary key is not listed here).
    #[serde(default)]
    pub indexes: Vec<Index>,
    /// Foreign keys from this table.
    #[serde(default)]
    pub foreign_keys: Vec<ForeignKey>,
    /// Former names of the table (`#[doctype(renamed_from = "...")]`): a
    /// live table of that name is this table, to be renamed, instead of an
    /// orphan beside a new table. Empty for introspected tables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renamed_from: Vec<String>,
    /// Columns the code has retired (`#[doctype(retired(columns = [...]))]`):
    /// no field declares them, the database may still hold them, and they
    /// are listed as retired instead of as orphans. Always empty for an
    /// introspected table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retired_columns: Vec<String>,
    /// CHECK constraints (`#[doctype(check(name = "...", expr = "..."))]`),
    /// compared by name and normalised expression. Left out of the JSON
    /// when empty, so the hash of a table without any is what it was before
    /// m modelled them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// The views and triggers that name this table, as introspection found
    /// them (SQLite only, where a rebuild must re-create them). Not part of
    /// the table's shape: comparisons ignore it and it is never serialised,
    /// so it changes neither a diff nor [`table_hash`](super::table_hash).
    #[serde(skip)]
    pub dependents: Vec<Dependent>,
}

/// Equality of shape: every field but [`Table::dependents`].
impl PartialEq for Table {
    fn eq(&self, other: &Self) -> bool {
        // Destructured so that a new field cannot be forgotten here.
        let Table {
            name,
            app,
            columns,
            primary_key,
            indexes,
            foreign_keys,
            renamed_from,
            retired_columns,
            checks,
            dependents: _,
        } = self;
        *name == other.name
            && *app == other.app
            && *columns == other.columns
            && *primary_key == other.primary_key
            && *indexes == other.indexes
            && *foreign_keys == other.foreign_keys
            && *renamed_from == other.renamed_from
            && *retired_columns == other.retired_columns
            && *checks == other.checks
    }
}

/// A view or trigger whose SQL names a table (directly, or through a view
/// that does): a rebuild of the table drops it first and re-creates it
/// from `sql` last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependent {
    /// A view or a trigger.
    pub kind: DependentKind,
    /// Its name in the database.
    pub name: String,
    /// Its `CREATE VIEW` or `CREATE TRIGGER` statement, as the catalog keeps it.
    pub sql: String,
}

/// What a [`Dependent`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DependentKind {
    /// `CREATE VIEW`.
    View,
    /// `CREATE TRIGGER`.
    Trigger,
}

impl Table {
    /// An empty table named `name`, of no app.
    pub fn new(name: impl Into<String>) -> Self {
        Table {
            name: name.into(),
            app: None,
            columns: Vec::new(),
            primary_key: Vec::new(),
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            renamed_from: Vec::new(),
            retired_columns: Vec::new(),
            checks: Vec::new(),
            dependents: Vec::new(),
        }
    }

    /// Adds a former name: a live table of that name is renamed to this
    /// one instead of being reported as an orphan.
    pub fn renamed_from(mut self, old: impl Into<String>) -> Self {
        self.renamed_from.push(old.into());
        self
    }

    /// The schema the table lives in, `None` for the default schema (see
    /// [`split_table_name`]).
    pub fn schema(&self) -> Option<&str> {
        split_table_name(&self.name).0
    }

    /// The table's name within its schema: what the database calls it,
    /// and what the conventional index and foreign key names derive from.
    pub fn local_name(&self) -> &str {
        split_table_name(&self.name).1
    }

    /// Sets the declaring app.
    pub fn app(mut self, app: impl Into<String>) -> Self {
        self.app = Some(app.into());
        self
    }

    /// Appends a column.
    pub fn column(mut self, column: Column) -> Self {
        self.columns.push(column);
        self
    }

    /// Sets the primary key columns (replacing any previous key).
    pub fn primary_key<I, S>(mut self, columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.primary_key = columns.into_iter().map(Into::into).collect();
        self
    }

    /// Adds an index with the conventional name (see [`Index::conventional_name`]).
    pub fn index<I, S>(mut self, columns: I, unique: bool) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let columns: Vec<String> = columns.into_iter().map(Into::into).collect();
        let name = Index::conventional_name(&self.name, &columns, unique);
        self.indexes.push(Index {
            name,
            columns,
            unique,
        });
        self
    }

    /// Appends a foreign key (see [`ForeignKey::new`] for its conventional name).
    pub fn foreign_key(mut self, fk: ForeignKey) -> Self {
        self.foreign_keys.push(fk);
        self
    }

    /// Retires a column: the database may keep it while the code no longer
    /// declares it, and it is reported as retired, not as an orphan.
    pub fn retired_column(mut self, name: impl Into<String>) -> Self {
        self.retired_columns.push(name.into());
        self
    }

    /// Adds a CHECK constraint named `name` whose rows must satisfy `expr`.
    pub fn check(mut self, name: impl Into<String>, expr: impl Into<String>) -> Self {
        self.checks.push(Check {
            name: name.into(),
            expr: expr.into(),
        });
        self
    }

    /// Whether the code retired the column `name`.
    pub fn is_retired(&self, name: &str) -> bool {
        self.retired_columns.iter().any(|c| c == name)
    }

    /// The column named `name`, if any.
    pub fn get_column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Renames columns of this table wherever it names them: the columns,
    /// the primary key, index and foreign key columns. `rename` returns the
    /// new name of a column, or `None` to keep it.
    pub fn rename_columns(&mut self, rename: impl Fn(&str) -> Option<String>) {
        let apply = |c: &mut String| {
            if let Some(new) = rename(c) {
                *c = new;
            }
        };
        self.columns.iter_mut().for_each(|c| apply(&mut c.name));
        self.primary_key.iter_mut().for_each(apply);
        self.indexes
            .iter_mut()
            .flat_map(|i| i.columns.iter_mut())
            .for_each(apply);
        self.foreign_keys
            .iter_mut()
            .flat_map(|f| f.columns.iter_mut())
            .for_each(apply);
    }

    /// Whether `column` is (part of) the primary key.
    pub fn is_primary_key(&self, column: &str) -> bool {
        self.primary_key.iter().any(|c| c == column)
    }
}

/// One column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// The column name in the database.
    pub name: String,
    /// Its portable type.
    #[serde(flatten)]
    pub ty: LogicalType,
    /// Whether it accepts NULL.
    pub nullable: bool,
    /// Its `DEFAULT` (`None`: no default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<DefaultValue>,
    /// Former names (declared with `renamed_from`); empty for introspected columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renamed_from: Vec<String>,
}

impl Column {
    /// A NOT NULL column without default.
    pub fn new(name: impl Into<String>, ty: LogicalType) -> Self {
        Column {
            name: name.into(),
            ty,
            nullable: false,
            default: None,
            renamed_from: Vec::new(),
        }
    }

    /// Makes the column nullable.
    pub fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }

    /// Sets the column's default.
    pub fn default(mut self, value: DefaultValue) -> Self {
        self.default = Some(value);
        self
    }

    /// Adds a former name: a live column of that name is renamed to this
    /// one instead of being reported as an orphan.
    pub fn renamed_from(mut self, old: impl Into<String>) -> Self {
        self.renamed_from.push(old.into());
        self
    }
}

/// A column default, normalised so that every backend's spelling of the same
/// value compares equal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DefaultValue {
    /// A boolean literal.
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// A floating-point literal.
    Float(f64),
    /// A string literal (unquoted, unescaped).
    Text(Cow<'static, str>),
    /// The current date and time at insert.
    CurrentTimestamp,
    /// A raw SQL expression, compared by its normalised spelling.
    Sql(Cow<'static, str>),
}

/// A CHECK constraint: every row must make `expr` true (or NULL).
///
/// The database rewrites the expression it stores (PostgreSQL adds
/// parentheses and casts, MariaDB quotes identifiers), so two checks are
/// the same when their names are and their expressions agree once
/// normalised (see [`Check::normalized_expr`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// The constraint name in the database.
    pub name: String,
    /// The SQL boolean expression, as declared or as the catalog reads it.
    pub expr: String,
}

impl Check {
    /// The expression in one spelling, for comparing a declared check with
    /// the catalog's rewrite of it: outside string literals, case folded,
    /// whitespace, parentheses and identifier quotes (`"`, `` ` ``) removed,
    /// and PostgreSQL's casts (`::type`, `::type[]`, `::character varying`)
    /// removed. String literals are kept as they are.
    ///
    /// This is a canonicalisation, not a parser: two expressions that
    /// differ only in parentheses (`a * (b + c)` and `a * b + c`) compare
    /// equal, and an expression the database rewrites in other ways than
    /// these (and PostgreSQL's `IN` lists, stored as `= ANY (ARRAY[...])`)
    /// compares different, showing up as a drop and an add of the check
    /// on every verify.
    ///
    /// ```
    /// use m_runtime::schema::Check;
    ///
    /// let declared = Check { name: "ck".into(), expr: "price >= 0 AND name <> ''".into() };
    /// let postgres = "((price >= (0)::numeric) AND ((name)::text <> ''::text))";
    /// let mariadb = "`price` >= 0 and `name` <> ''";
    /// assert_eq!(declared.normalized_expr(), Check::normalize(postgres));
    /// assert_eq!(declared.normalized_expr(), Check::normalize(mariadb));
    /// assert_ne!(Check::normalize("name <> 'A'"), Check::normalize("name <> 'a'"));
    /// let listed = "((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))";
    /// assert_eq!(Check::normalize("status IN ('a', 'b')"), Check::normalize(listed));
    /// assert_eq!(Check::normalize("s NOT IN ('a')"), Check::normalize("(s <> ALL (ARRAY['a'::text]))"));
    /// ```
    pub fn normalized_expr(&self) -> String {
        Self::normalize(&self.expr)
    }

    /// The column and the values of a check that is one `IN` list of
    /// string literals (`status IN ('a', 'b')`, in any spelling the
    /// catalog gives it): how an enumeration stored as text is checked.
    ///
    /// ```
    /// use m_runtime::schema::Check;
    ///
    /// let check = Check { name: "ck".into(), expr: "(status)::text = ANY (ARRAY['a'::text, 'it''s'::text])".into() };
    /// assert_eq!(check.in_list(), Some(("status".into(), vec!["a".into(), "it's".into()])));
    /// let other = Check { name: "ck".into(), expr: "status IN ('a') OR status IS NULL".into() };
    /// assert_eq!(other.in_list(), None);
    /// ```
    pub fn in_list(&self) -> Option<(String, Vec<String>)> {
        let normalized = self.normalized_expr();
        let (column, mut rest) = normalized.split_once("in'")?;
        if column.is_empty() || !column.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return None;
        }
        let mut values = Vec::new();
        loop {
            // `rest` starts inside a literal.
            let mut value = String::new();
            let mut chars = rest.char_indices().peekable();
            let end = loop {
                let (i, c) = chars.next()?;
                if c == '\'' {
                    if chars.peek().map(|(_, c)| *c) == Some('\'') {
                        chars.next();
                        value.push('\'');
                        continue;
                    }
                    break i + 1;
                }
                value.push(c);
            };
            values.push(value);
            rest = &rest[end..];
            if rest.is_empty() {
                return Some((column.to_owned(), values));
            }
            rest = rest.strip_prefix(",'")?;
        }
    }

    /// [`Check::normalized_expr`] of any expression.
    pub fn normalize(expr: &str) -> String {
        let mut out = String::with_capacity(expr.len());
        let mut chars = expr.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\'' => {
                    out.push(c);
                    // A literal, kept as written ('' is a quote inside it).
                    while let Some(c) = chars.next() {
                        out.push(c);
                        if c == '\'' {
                            if chars.peek() == Some(&'\'') {
                                out.push(chars.next().unwrap_or('\''));
                            } else {
                                break;
                            }
                        }
                    }
                }
                ':' if chars.peek() == Some(&':') => {
                    chars.next();
                    // A cast: its type name (letters, digits, `_`, spaces
                    // between words, `[]`) is dropped.
                    while chars.peek().is_some_and(|c| c.is_whitespace()) {
                        chars.next();
                    }
                    loop {
                        match chars.peek() {
                            Some(c)
                                if c.is_alphanumeric() || *c == '_' || *c == '[' || *c == ']' =>
                            {
                                chars.next();
                            }
                            Some(' ') => {
                                // `character varying`, `double precision`: a
                                // second word belongs to the type only when
                                // it is one of those.
                                let rest: String = chars.clone().skip(1).take(9).collect();
                                if rest.to_ascii_lowercase().starts_with("varying")
                                    || rest.to_ascii_lowercase().starts_with("precision")
                                {
                                    chars.next();
                                } else {
                                    break;
                                }
                            }
                            _ => break,
                        }
                    }
                }
                '(' | ')' | '[' | ']' | '"' | '`' => {}
                c if c.is_whitespace() => {}
                c => out.push(c.to_ascii_lowercase()),
            }
        }
        // PostgreSQL stores `x IN (...)` as `x = ANY (ARRAY[...])` and
        // `x NOT IN (...)` as `x <> ALL (ARRAY[...])`.
        out.replace("=anyarray", "in")
            .replace("<>allarray", "notin")
    }
}

/// An index; a `unique` index is how m models unique constraints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// The index name in the database (not compared by the differ).
    pub name: String,
    /// The indexed columns, in index order.
    pub columns: Vec<String>,
    /// Whether it is a unique index.
    pub unique: bool,
}

impl Index {
    /// `ix_<table>__<columns>` (or `ux_` for unique; columns joined by `_`),
    /// shortened with a stable hash suffix when longer than
    /// [`MAX_IDENTIFIER_LEN`]. `table` may be schema-qualified: the name derives from its local name
    /// (an index lives in its table's schema).
    pub fn conventional_name(table: &str, columns: &[String], unique: bool) -> String {
        let prefix = if unique { "ux" } else { "ix" };
        let table = split_table_name(table).1;
        bounded_identifier(&format!("{prefix}_{table}__{}", columns.join("_")))
    }
}

/// What the database does to referencing rows when the referenced row goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferentialAction {
    /// `NO ACTION` (the default): deleting a still-referenced row fails.
    #[default]
    NoAction,
    /// `RESTRICT`: like `NO ACTION`, but checked at once where the database
    /// distinguishes the two.
    Restrict,
    /// `CASCADE`: referencing rows are deleted too.
    Cascade,
    /// `SET NULL`: the referencing columns become NULL.
    SetNull,
    /// `SET DEFAULT`: the referencing columns take their default.
    SetDefault,
}

impl ReferentialAction {
    /// The SQL spelling (`NO ACTION`, `SET NULL`, ...).
    pub fn sql(self) -> &'static str {
        match self {
            ReferentialAction::NoAction => "NO ACTION",
            ReferentialAction::Restrict => "RESTRICT",
            ReferentialAction::Cascade => "CASCADE",
            ReferentialAction::SetNull => "SET NULL",
            ReferentialAction::SetDefault => "SET DEFAULT",
        }
    }

    /// Parses a catalog's spelling (`NO ACTION`, `cascade`, `SET_NULL`, ...);
    /// an empty string is `NoAction`, an unknown one `None`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_uppercase().replace('_', " ").as_str() {
            "NO ACTION" | "" => Some(ReferentialAction::NoAction),
            "RESTRICT" => Some(ReferentialAction::Restrict),
            "CASCADE" => Some(ReferentialAction::Cascade),
            "SET NULL" => Some(ReferentialAction::SetNull),
            "SET DEFAULT" => Some(ReferentialAction::SetDefault),
            _ => None,
        }
    }
}

/// A foreign key from `columns` of the owning table to `ref_columns` of `ref_table`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    /// The constraint name (not compared by the differ, see [`ForeignKey::same_rule`]).
    pub name: String,
    /// The referencing columns of the owning table.
    pub columns: Vec<String>,
    /// The referenced table.
    pub ref_table: String,
    /// The referenced columns, pairwise with `columns`.
    pub ref_columns: Vec<String>,
    /// What happens to referencing rows when a referenced row is deleted.
    #[serde(default)]
    pub on_delete: ReferentialAction,
}

impl ForeignKey {
    /// A foreign key with the conventional name `fk_<table>__<columns>`
    /// (columns joined by `_`), shortened with a stable hash suffix when
    /// longer than [`MAX_IDENTIFIER_LEN`].
    pub fn new(
        table: &str,
        columns: Vec<String>,
        ref_table: impl Into<String>,
        ref_columns: Vec<String>,
        on_delete: ReferentialAction,
    ) -> Self {
        let table = split_table_name(table).1;
        let name = bounded_identifier(&format!("fk_{table}__{}", columns.join("_")));
        ForeignKey {
            name,
            columns,
            ref_table: ref_table.into(),
            ref_columns,
            on_delete,
        }
    }

    /// Whether two foreign keys enforce the same rule (names aside).
    pub fn same_rule(&self, other: &ForeignKey) -> bool {
        self.columns == other.columns
            && self.ref_table == other.ref_table
            && self.ref_columns == other.ref_columns
            && self.on_delete == other.on_delete
    }
}

/// The name of the check that stores an enumeration column's values where
/// the database has no ENUM column type: `<table>_<column>_values`, from the
/// table's name within its schema (like index and key names).
pub(crate) fn enum_check_name(table: &str, column: &str) -> String {
    let (_, local) = split_table_name(table);
    bounded_identifier(&format!("{local}_{column}_values"))
}

/// Shortens `name` to [`MAX_IDENTIFIER_LEN`] bytes, keeping it unique with a
/// hash of the full name.
pub(crate) fn bounded_identifier(name: &str) -> String {
    if name.len() <= MAX_IDENTIFIER_LEN {
        return name.to_owned();
    }
    let digest = super::hash::short_digest(name.as_bytes());
    let mut cut = MAX_IDENTIFIER_LEN - digest.len() - 1;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{digest}", &name[..cut])
}
