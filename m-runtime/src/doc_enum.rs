//! Rust enums as column types: [`DocEnum`], what `#[derive(DocEnum)]`
//! implements.

use std::borrow::Cow;
use std::fmt;

use crate::schema::{EnumValues, LogicalType};

/// A fieldless Rust enum stored in one column as one of its values
/// ([`LogicalType::Enum`]): text with a CHECK listing the values on SQLite
/// and PostgreSQL, a native `ENUM(...)` on MySQL and MariaDB.
///
/// Derive it; the derive also implements `FromStr`, `Display` and sqlx's
/// `Type`, `Encode` and `Decode` as text, so the enum binds and reads back
/// like a `String`. Values are the variant names in snake_case unless
/// `#[doc_enum(rename_all = "...")]` (serde's spellings) or a variant's
/// `#[doc_enum(rename = "...")]` says otherwise; the type's name is the
/// enum's in snake_case unless `#[doc_enum(type_name = "...")]`.
///
/// ```
/// use m_runtime::prelude::*;
/// use m_runtime::DocEnum;
///
/// #[derive(Clone, Copy, Debug, PartialEq, DocEnum)]
/// pub enum Mood {
///     Ok,
///     #[doc_enum(rename = "blue")]
///     Sad,
///     VeryHappy,
/// }
///
/// #[doctype]
/// pub struct Diary {
///     #[field(primary_key)]
///     pub id: i64,
///     #[field(default = "ok")]
///     pub mood: Mood,
///     pub yesterday: Option<Mood>,
/// }
///
/// assert_eq!(Mood::VALUES, ["ok", "blue", "very_happy"]);
/// assert_eq!(Mood::TYPE_NAME, "mood");
/// assert_eq!(Mood::Sad.as_str(), "blue");
/// assert_eq!("very_happy".parse::<Mood>(), Ok(Mood::VeryHappy));
/// assert!("sad".parse::<Mood>().is_err());
/// ```
///
/// A field whose type is neither a supported type nor a `DocEnum` is a
/// compile error on the type:
///
/// ```compile_fail
/// use m_runtime::prelude::*;
///
/// pub struct Point { pub x: i64, pub y: i64 }
///
/// #[doctype]
/// pub struct Place {
///     #[field(primary_key)]
///     pub id: i64,
///     pub at: Point, // the trait `DocEnum` is not implemented for `Point`
/// }
/// # fn main() {}
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a column type",
    label = "no column type for this field",
    note = "a fieldless enum becomes a column with `#[derive(m_runtime::DocEnum)]`; otherwise use a supported type (bool, i16, i32, i64, f32, f64, String, Vec<u8>, dates and times, decimal, uuid, JSON) or `#[field(sql_type = \"...\")]`"
)]
pub trait DocEnum: Sized + 'static {
    /// The stored values, one per variant, in declaration order.
    const VALUES: &'static [&'static str];
    /// The type's name: a live PostgreSQL enum type of this name is
    /// adopted as the column's type; it also names the enumeration in
    /// messages.
    const TYPE_NAME: &'static str;

    /// The stored value of `self`.
    fn as_str(&self) -> &'static str;

    /// The variant stored as `value`, if any.
    fn from_value(value: &str) -> Option<Self>;

    /// The column type of a field of this enum.
    const LOGICAL_TYPE: LogicalType = LogicalType::Enum {
        name: Cow::Borrowed(Self::TYPE_NAME),
        values: EnumValues::from_static(Self::VALUES),
    };
}

/// A string that is none of a [`DocEnum`]'s values (the `FromStr` error of
/// a derived enum, and its decode error).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownValue {
    /// The enum's type name ([`DocEnum::TYPE_NAME`]).
    pub type_name: &'static str,
    /// The string that matched no value.
    pub value: String,
    /// The values it could have been.
    pub values: &'static [&'static str],
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a value of `{}`: expected one of ",
            self.value, self.type_name
        )?;
        for (i, value) in self.values.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "`{value}`")?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownValue {}

/// Parses `value` as a `T` (what the derived `FromStr` calls).
#[doc(hidden)]
pub fn parse<T: DocEnum>(value: &str) -> Result<T, UnknownValue> {
    T::from_value(value).ok_or_else(|| UnknownValue {
        type_name: T::TYPE_NAME,
        value: value.to_owned(),
        values: T::VALUES,
    })
}
