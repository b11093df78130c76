//! Every attribute key, defined once, and the key sets each attribute
//! accepts. The sets are what an "unknown option" error lists.

pub const AFTER: &str = "after";
pub const CHECK: &str = "check";
pub const APP: &str = "app";
pub const BEFORE: &str = "before";
pub const COLUMN: &str = "column";
pub const COLUMNS: &str = "columns";
pub const DEFAULT: &str = "default";
pub const DEPENDS_ON: &str = "depends_on";
pub const DOWN: &str = "down";
pub const EXPR: &str = "expr";
pub const FIELDS: &str = "fields";
pub const ID: &str = "id";
pub const INDEX: &str = "index";
pub const MAX_LENGTH: &str = "max_length";
pub const NAME: &str = "name";
pub const ON_DELETE: &str = "on_delete";
pub const PHASE: &str = "phase";
pub const ON_FRESH: &str = "on_fresh";
pub const PRECISION: &str = "precision";
pub const PRIMARY_KEY: &str = "primary_key";
pub const REFERENCES: &str = "references";
pub const RENAME: &str = "rename";
pub const RENAME_ALL: &str = "rename_all";
pub const RENAMED_FROM: &str = "renamed_from";
pub const REVERSIBLE: &str = "reversible";
pub const RETIRED: &str = "retired";
pub const SCALE: &str = "scale";
pub const SCHEMA: &str = "schema";
pub const SKIP: &str = "skip";
pub const SQL_TYPE: &str = "sql_type";
pub const TABLE: &str = "table";
pub const TYPE_NAME: &str = "type_name";
pub const UNIQUE: &str = "unique";

/// The options of one attribute: its spelling for messages and its keys.
pub struct Keys {
    pub attribute: &'static str,
    pub keys: &'static [&'static str],
}

impl Keys {
    /// `` `a`, `b`, `c` `` for an "expected one of" message.
    pub fn list(&self) -> String {
        self.keys
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `#[doctype(...)]`.
pub const DOCTYPE_KEYS: Keys = Keys {
    attribute: "#[doctype(...)]",
    keys: &[
        TABLE,
        SCHEMA,
        APP,
        INDEX,
        PRIMARY_KEY,
        RETIRED,
        RENAMED_FROM,
        CHECK,
    ],
};

/// `#[doctype(retired(...))]`.
pub const RETIRED_KEYS: Keys = Keys {
    attribute: "retired(...)",
    keys: &[COLUMNS],
};

/// `#[doctype(check(...))]`.
pub const CHECK_KEYS: Keys = Keys {
    attribute: "check(...)",
    keys: &[NAME, EXPR],
};

/// `#[doctype(index(...))]`.
pub const INDEX_KEYS: Keys = Keys {
    attribute: "index(...)",
    keys: &[FIELDS, UNIQUE, NAME],
};

/// `#[doctype(primary_key(...))]`.
pub const PRIMARY_KEY_KEYS: Keys = Keys {
    attribute: "primary_key(...)",
    keys: &[FIELDS],
};

/// `#[field(...)]`.
pub const FIELD_KEYS: Keys = Keys {
    attribute: "#[field(...)]",
    keys: &[
        PRIMARY_KEY,
        MAX_LENGTH,
        UNIQUE,
        INDEX,
        DEFAULT,
        COLUMN,
        RENAMED_FROM,
        SQL_TYPE,
        SKIP,
        REFERENCES,
        ON_DELETE,
        PRECISION,
        SCALE,
    ],
};

/// `#[doc_enum(...)]` on a `#[derive(DocEnum)]` enum.
pub const DOC_ENUM_KEYS: Keys = Keys {
    attribute: "#[doc_enum(...)] on an enum",
    keys: &[RENAME_ALL, TYPE_NAME],
};

/// `#[doc_enum(...)]` on a variant.
pub const VARIANT_KEYS: Keys = Keys {
    attribute: "#[doc_enum(...)] on a variant",
    keys: &[RENAME],
};

/// `#[before_sync(...)]` and `#[after_sync(...)]`.
pub const HOOK_KEYS: Keys = Keys {
    attribute: "a hook attribute",
    keys: &[APP],
};

/// `#[migration(...)]`.
pub const MIGRATION_KEYS: Keys = Keys {
    attribute: "#[migration(...)]",
    keys: &[ID, DEPENDS_ON, PHASE, DOWN, APP, ON_FRESH],
};

/// `#[operations(...)]`.
pub const OPERATIONS_KEYS: Keys = Keys {
    attribute: "#[operations(...)]",
    keys: &[
        ID, DEPENDS_ON, PHASE, APP, ON_FRESH, BEFORE, AFTER, REVERSIBLE,
    ],
};

/// The correct form of each key that takes a value or a list, shown when
/// the value has the wrong shape.
pub fn form(key: &str) -> &'static str {
    match key {
        AFTER => "after = data_after_fn",
        APP => "app = \"my_app\"",
        BEFORE => "before = data_before_fn",
        REVERSIBLE => "reversible",
        COLUMN => "column = \"column_name\"",
        COLUMNS => "columns = [\"old_a\", \"old_b\"]",
        DEFAULT => "default = 0",
        DEPENDS_ON => "depends_on = [\"app:0001_id\"]",
        DOWN => "down = revert_fn",
        FIELDS => "fields = [\"field_a\", \"field_b\"]",
        ID => "id = \"0001_name\"",
        INDEX => "index(fields = [\"a\", \"b\"], unique)",
        MAX_LENGTH => "max_length = 140",
        NAME => "name = \"index_name\"",
        ON_DELETE => "on_delete = cascade",
        ON_FRESH => "on_fresh = run",
        PHASE => "phase = post_sync",
        PRECISION => "precision = 18",
        PRIMARY_KEY => "primary_key(fields = [\"a\", \"b\"])",
        REFERENCES => "references = OtherDocType",
        RENAME => "rename = \"stored_value\"",
        RENAME_ALL => "rename_all = \"snake_case\"",
        RENAMED_FROM => "renamed_from = \"old_name\"",
        RETIRED => "retired(columns = [\"old_a\", \"old_b\"])",
        SCALE => "scale = 6",
        SCHEMA => "schema = \"billing\"",
        SKIP => "skip",
        SQL_TYPE => "sql_type = \"varchar(12)\"",
        TABLE => "table = \"table_name\"",
        TYPE_NAME => "type_name = \"mood\"",
        UNIQUE => "unique",
        _ => "",
    }
}
