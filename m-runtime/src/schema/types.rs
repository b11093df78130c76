use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A portable column type. Each backend maps it to its own SQL type and back.
///
/// Constructible in `const` context so that `#[doctype]` can emit it into a
/// static descriptor.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum LogicalType {
    /// A boolean (`bool`).
    Bool,
    /// A 16-bit signed integer (`i16`).
    I16,
    /// A 32-bit signed integer (`i32`).
    I32,
    /// A 64-bit signed integer (`i64`).
    I64,
    /// A 32-bit float (`f32`).
    F32,
    /// A 64-bit float (`f64`).
    F64,
    /// Text; `max_length: None` is unbounded text.
    String {
        /// The longest value, in characters; `None` for unbounded text.
        max_length: Option<u32>,
    },
    /// A byte string (`Vec<u8>`).
    Bytes,
    /// A calendar date without a time.
    Date,
    /// A time of day without a date or zone.
    Time,
    /// A date and time without a zone.
    DateTime,
    /// A point in time (stored in UTC where the backend has no zone type).
    Timestamp,
    /// An exact decimal number.
    Decimal {
        /// Total number of significant digits.
        precision: u8,
        /// Digits after the decimal point.
        scale: u8,
    },
    /// A UUID (each backend module gives its column type).
    Uuid,
    /// A JSON document.
    Json,
    /// An enumeration: one of `values` (a Rust enum deriving
    /// [`DocEnum`](crate::DocEnum)). Stored as text with a CHECK listing the
    /// values (SQLite, PostgreSQL) or as a native `ENUM(...)` column
    /// (MySQL, MariaDB); see [`Dialect::enum_storage`](crate::backend::Dialect::enum_storage).
    /// A PostgreSQL column of an enum type introspects as one, named after
    /// the type.
    Enum {
        /// The type's name (the enum's, in snake_case, unless renamed).
        name: Cow<'static, str>,
        /// The values, in declaration order.
        values: EnumValues,
    },
    /// The `sql_type = "..."` escape hatch: used verbatim, compared by its
    /// normalised spelling.
    Custom {
        /// The SQL type as declared or as the catalog reports it.
        sql: Cow<'static, str>,
    },
}

impl LogicalType {
    /// The values of a MySQL/MariaDB `ENUM('a','b')` column type (a
    /// [`LogicalType::Custom`] as the catalog reads it), in order.
    ///
    /// ```
    /// use m_runtime::schema::LogicalType;
    ///
    /// let ty = LogicalType::Custom { sql: "enum('ok','it''s')".into() };
    /// assert_eq!(ty.enum_values(), Some(vec!["ok".to_string(), "it's".to_string()]));
    /// assert_eq!(LogicalType::Custom { sql: "set('a')".into() }.enum_values(), None);
    /// ```
    pub fn enum_values(&self) -> Option<Vec<String>> {
        let LogicalType::Custom { sql } = self else {
            return None;
        };
        let sql = sql.trim();
        let inner = sql
            .get(..5)
            .filter(|head| head.eq_ignore_ascii_case("enum("))
            .and_then(|_| sql[5..].strip_suffix(')'))?;
        let mut values = Vec::new();
        let mut chars = inner.trim().chars().peekable();
        loop {
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            if chars.next()? != '\'' {
                return None;
            }
            let mut value = String::new();
            loop {
                match chars.next()? {
                    '\'' if chars.peek() == Some(&'\'') => {
                        chars.next();
                        value.push('\'');
                    }
                    '\'' => break,
                    c => value.push(c),
                }
            }
            values.push(value);
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            match chars.next() {
                None => return Some(values),
                Some(',') => {}
                Some(_) => return None,
            }
        }
    }

    /// Broad family used by the risk classifier to decide whether a type
    /// change is a widening, a narrowing or an incompatible change.
    pub fn family(&self) -> TypeFamily {
        match self {
            LogicalType::Bool => TypeFamily::Bool,
            LogicalType::I16 | LogicalType::I32 | LogicalType::I64 => TypeFamily::Integer,
            LogicalType::F32 | LogicalType::F64 => TypeFamily::Float,
            LogicalType::Decimal { .. } => TypeFamily::Decimal,
            LogicalType::String { .. } | LogicalType::Enum { .. } => TypeFamily::Text,
            LogicalType::Bytes => TypeFamily::Bytes,
            LogicalType::Date
            | LogicalType::Time
            | LogicalType::DateTime
            | LogicalType::Timestamp => TypeFamily::Temporal,
            LogicalType::Uuid => TypeFamily::Uuid,
            LogicalType::Json => TypeFamily::Json,
            LogicalType::Custom { .. } => TypeFamily::Custom,
        }
    }

    /// Width of an integer type in bytes (`None` for a non-integer type).
    pub fn integer_width(&self) -> Option<u8> {
        match self {
            LogicalType::I16 => Some(2),
            LogicalType::I32 => Some(4),
            LogicalType::I64 => Some(8),
            _ => None,
        }
    }
}

/// Coarse grouping of [`LogicalType`]s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TypeFamily {
    /// [`LogicalType::Bool`].
    Bool,
    /// `I16`, `I32`, `I64`.
    Integer,
    /// `F32`, `F64`.
    Float,
    /// [`LogicalType::Decimal`].
    Decimal,
    /// [`LogicalType::String`], bounded or not.
    Text,
    /// [`LogicalType::Bytes`].
    Bytes,
    /// `Date`, `Time`, `DateTime`, `Timestamp`.
    Temporal,
    /// [`LogicalType::Uuid`].
    Uuid,
    /// [`LogicalType::Json`].
    Json,
    /// [`LogicalType::Custom`].
    Custom,
}

impl fmt::Display for LogicalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogicalType::Bool => f.write_str("bool"),
            LogicalType::I16 => f.write_str("i16"),
            LogicalType::I32 => f.write_str("i32"),
            LogicalType::I64 => f.write_str("i64"),
            LogicalType::F32 => f.write_str("f32"),
            LogicalType::F64 => f.write_str("f64"),
            LogicalType::String {
                max_length: Some(n),
            } => write!(f, "string({n})"),
            LogicalType::String { max_length: None } => f.write_str("text"),
            LogicalType::Bytes => f.write_str("bytes"),
            LogicalType::Date => f.write_str("date"),
            LogicalType::Time => f.write_str("time"),
            LogicalType::DateTime => f.write_str("datetime"),
            LogicalType::Timestamp => f.write_str("timestamp"),
            LogicalType::Decimal { precision, scale } => write!(f, "decimal({precision},{scale})"),
            LogicalType::Uuid => f.write_str("uuid"),
            LogicalType::Json => f.write_str("json"),
            LogicalType::Enum { name, values } => {
                write!(f, "enum {name}(")?;
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "'{}'", value.replace('\'', "''"))?;
                }
                f.write_str(")")
            }
            LogicalType::Custom { sql } => write!(f, "sql({sql})"),
        }
    }
}

/// The values of a [`LogicalType::Enum`], in order: a `'static` list (what
/// `#[doctype]` emits, from [`DocEnum::VALUES`](crate::DocEnum::VALUES)) or
/// an owned one (a deserialised schema). Both compare, hash and serialise
/// alike, as a list of strings.
///
/// ```
/// use m_runtime::schema::EnumValues;
///
/// const STATIC: EnumValues = EnumValues::from_static(&["ok", "sad"]);
/// let owned = EnumValues::from(vec!["ok".to_string(), "sad".to_string()]);
/// assert_eq!(STATIC, owned);
/// assert_eq!(serde_json::to_string(&STATIC).unwrap(), r#"["ok","sad"]"#);
/// assert!(STATIC.contains("sad"));
/// ```
#[derive(Clone)]
pub struct EnumValues(ValuesRepr);

#[derive(Clone)]
enum ValuesRepr {
    Static(&'static [&'static str]),
    Owned(Vec<String>),
}

impl EnumValues {
    /// A `'static` list, usable in `const` context.
    pub const fn from_static(values: &'static [&'static str]) -> Self {
        EnumValues(ValuesRepr::Static(values))
    }

    /// The values, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(move |i| match &self.0 {
            ValuesRepr::Static(values) => values[i],
            ValuesRepr::Owned(values) => values[i].as_str(),
        })
    }

    /// How many values there are.
    pub fn len(&self) -> usize {
        match &self.0 {
            ValuesRepr::Static(values) => values.len(),
            ValuesRepr::Owned(values) => values.len(),
        }
    }

    /// Whether there is no value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `value` is one of the values.
    pub fn contains(&self, value: &str) -> bool {
        self.iter().any(|v| v == value)
    }

    /// The values as owned strings.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }
}

impl From<Vec<String>> for EnumValues {
    fn from(values: Vec<String>) -> Self {
        EnumValues(ValuesRepr::Owned(values))
    }
}

impl PartialEq for EnumValues {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for EnumValues {}

impl std::hash::Hash for EnumValues {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_usize(self.len());
        self.iter().for_each(|v| v.hash(state));
    }
}

impl fmt::Debug for EnumValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for EnumValues {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for EnumValues {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<String>::deserialize(deserializer).map(EnumValues::from)
    }
}
