//! Rust field type → column type, by the last path segment.
//!
//! Matching is by name, not by resolved type (a macro cannot resolve types):
//! `chrono::NaiveDate` and a `use`d `NaiveDate` are the same, and so would
//! be a user type named `NaiveDate`.

use syn::{GenericArgument, PathArguments, Type};

/// A crate feature of m-runtime that a column type needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    Chrono,
    Time,
    Decimal,
    Uuid,
    Json,
}

impl Feature {
    /// The feature's name in m-runtime's `Cargo.toml`.
    pub fn name(self) -> &'static str {
        match self {
            Feature::Chrono => "chrono",
            Feature::Time => "time",
            Feature::Decimal => "decimal",
            Feature::Uuid => "uuid",
            Feature::Json => "json",
        }
    }
}

/// The column type a supported Rust type maps to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeKind {
    Bool,
    I16,
    I32,
    I64,
    F32,
    F64,
    String,
    Bytes,
    Date(Feature),
    Time(Feature),
    DateTime(Feature),
    Timestamp(Feature),
    Decimal,
    Uuid,
    Json,
    /// Any other plain path type (`Status`, `crate::Mood`): a column type
    /// only if it implements `DocEnum`, which rustc checks on the
    /// expansion (the macro cannot resolve types).
    Enum,
}

impl TypeKind {
    /// The m-runtime feature this type needs, if any.
    pub fn feature(self) -> Option<Feature> {
        match self {
            TypeKind::Date(f)
            | TypeKind::Time(f)
            | TypeKind::DateTime(f)
            | TypeKind::Timestamp(f) => Some(f),
            TypeKind::Decimal => Some(Feature::Decimal),
            TypeKind::Uuid => Some(Feature::Uuid),
            TypeKind::Json => Some(Feature::Json),
            _ => None,
        }
    }

    pub fn is_integer(self) -> bool {
        matches!(self, TypeKind::I16 | TypeKind::I32 | TypeKind::I64)
    }

    pub fn is_float(self) -> bool {
        matches!(self, TypeKind::F32 | TypeKind::F64)
    }

    /// Types whose default may be `current_timestamp`.
    pub fn has_timestamp_default(self) -> bool {
        matches!(self, TypeKind::DateTime(_) | TypeKind::Timestamp(_))
    }

    /// Types whose default may be a string literal (parsed by the database).
    pub fn takes_text_default(self) -> bool {
        matches!(
            self,
            TypeKind::String
                | TypeKind::Date(_)
                | TypeKind::Time(_)
                | TypeKind::DateTime(_)
                | TypeKind::Timestamp(_)
                | TypeKind::Uuid
                | TypeKind::Json
                | TypeKind::Enum
        )
    }

    /// The range of integer defaults, for integer types.
    pub fn integer_range(self) -> Option<(i128, i128)> {
        match self {
            TypeKind::I16 => Some((i16::MIN.into(), i16::MAX.into())),
            TypeKind::I32 => Some((i32::MIN.into(), i32::MAX.into())),
            TypeKind::I64 => Some((i64::MIN.into(), i64::MAX.into())),
            _ => None,
        }
    }
}

/// A field's Rust type, resolved: `Option<T>` is a nullable `T`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldType {
    pub nullable: bool,
    /// `None`: not a supported type (fine with `sql_type` or `skip`).
    pub kind: Option<TypeKind>,
}

/// Resolves a field type.
pub fn resolve(ty: &Type) -> FieldType {
    let (nullable, inner) = match option_inner(ty) {
        Some(inner) => (true, inner),
        None => (false, ty),
    };
    let kind = kind_of(inner).or_else(|| {
        // Not a type m knows, nor one it knows to be wrong: a user type,
        // which must be a `DocEnum`.
        let (_, segment) = last_segment(inner)?;
        (segment.arguments.is_none() && unsupported_reason(ty).is_none()).then_some(TypeKind::Enum)
    });
    FieldType { nullable, kind }
}

fn strip(ty: &Type) -> &Type {
    match ty {
        Type::Group(group) => strip(&group.elem),
        Type::Paren(paren) => strip(&paren.elem),
        other => other,
    }
}

/// The last segment of a plain path type, with its generic arguments.
fn last_segment(ty: &Type) -> Option<(&syn::Path, &syn::PathSegment)> {
    match strip(ty) {
        Type::Path(tp) if tp.qself.is_none() => tp.path.segments.last().map(|s| (&tp.path, s)),
        _ => None,
    }
}

fn single_type_arg(segment: &syn::PathSegment) -> Option<&Type> {
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    let mut types = args.args.iter();
    match (types.next(), types.next()) {
        (Some(GenericArgument::Type(ty)), None) => Some(ty),
        _ => None,
    }
}

/// The span of the type's name (`NaiveDate` in `Option<chrono::NaiveDate>`),
/// where a feature error points.
pub fn name_span(ty: &Type) -> proc_macro2::Span {
    use syn::spanned::Spanned;
    let ty = option_inner(ty).unwrap_or(ty);
    last_segment(ty).map_or_else(|| ty.span(), |(_, segment)| segment.ident.span())
}

/// `T` when `ty` is `Option<T>`.
pub fn option_inner(ty: &Type) -> Option<&Type> {
    let (_, segment) = last_segment(ty)?;
    if segment.ident == "Option" {
        single_type_arg(segment)
    } else {
        None
    }
}

/// Why a type has no column type, for the types users try most.
pub fn unsupported_reason(ty: &Type) -> Option<&'static str> {
    let ty = option_inner(ty).unwrap_or(ty);
    if option_inner(ty).is_some() {
        return Some(
            "`Option<Option<T>>` has no column meaning: one `Option` makes a nullable column",
        );
    }
    match strip(ty) {
        Type::Reference(_) => return Some("a DocType owns its data (`String`, `Vec<u8>`)"),
        Type::Tuple(_) => return Some("a tuple is not one column: use one field per column"),
        _ => {}
    }
    let (_, segment) = last_segment(ty)?;
    Some(match segment.ident.to_string().as_str() {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => {
            "unsigned integers are not portable across databases (`i16`, `i32` and `i64` are)"
        }
        "i8" => "not every database has a one-byte integer (`i16` is the smallest)",
        "i128" | "isize" => "no portable integer column is wider than `i64`",
        "char" => "a `char` column is a `String` with `max_length = 1`",
        "Vec" => {
            "only `Vec<u8>` (bytes) is a column: keep lists in a DocType of their own or as JSON"
        }
        _ => return None,
    })
}

fn kind_of(ty: &Type) -> Option<TypeKind> {
    let (path, segment) = last_segment(ty)?;
    let name = segment.ident.to_string();
    let plain = segment.arguments.is_none();
    let qualifier = path
        .segments
        .len()
        .checked_sub(2)
        .map(|i| path.segments[i].ident.to_string());
    let kind = match name.as_str() {
        "bool" if plain => TypeKind::Bool,
        "i16" if plain => TypeKind::I16,
        "i32" if plain => TypeKind::I32,
        "i64" if plain => TypeKind::I64,
        "f32" if plain => TypeKind::F32,
        "f64" if plain => TypeKind::F64,
        "String" if plain => TypeKind::String,
        "Vec" => match single_type_arg(segment).and_then(last_segment) {
            Some((_, inner)) if inner.ident == "u8" && inner.arguments.is_none() => TypeKind::Bytes,
            _ => return None,
        },
        "NaiveDate" if plain => TypeKind::Date(Feature::Chrono),
        "NaiveTime" if plain => TypeKind::Time(Feature::Chrono),
        "NaiveDateTime" if plain => TypeKind::DateTime(Feature::Chrono),
        "DateTime" => TypeKind::Timestamp(Feature::Chrono),
        "Date" if plain => TypeKind::Date(Feature::Time),
        "Time" if plain => TypeKind::Time(Feature::Time),
        "PrimitiveDateTime" if plain => TypeKind::DateTime(Feature::Time),
        "OffsetDateTime" | "UtcDateTime" if plain => TypeKind::Timestamp(Feature::Time),
        "Decimal" | "BigDecimal" if plain => TypeKind::Decimal,
        "Uuid" if plain => TypeKind::Uuid,
        "Value" if plain && matches!(qualifier.as_deref(), None | Some("serde_json")) => {
            TypeKind::Json
        }
        _ => return None,
    };
    Some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(ty: &str) -> FieldType {
        resolve(&syn::parse_str(ty).expect("test type parses"))
    }

    #[test]
    fn maps_supported_types() {
        assert_eq!(of("i64").kind, Some(TypeKind::I64));
        assert_eq!(of("::core::primitive::i16").kind, Some(TypeKind::I16));
        assert_eq!(of("std::string::String").kind, Some(TypeKind::String));
        assert_eq!(of("Vec<u8>").kind, Some(TypeKind::Bytes));
        assert_eq!(
            of("chrono::DateTime<chrono::Utc>").kind,
            Some(TypeKind::Timestamp(Feature::Chrono))
        );
        assert_eq!(of("time::Date").kind, Some(TypeKind::Date(Feature::Time)));
        assert_eq!(of("rust_decimal::Decimal").kind, Some(TypeKind::Decimal));
        assert_eq!(of("serde_json::Value").kind, Some(TypeKind::Json));
        assert_eq!(of("toml::Value").kind, Some(TypeKind::Enum));
        assert_eq!(of("Option<crate::Mood>").kind, Some(TypeKind::Enum));
    }

    #[test]
    fn option_is_nullable() {
        let ty = of("Option<String>");
        assert!(ty.nullable);
        assert_eq!(ty.kind, Some(TypeKind::String));
        assert_eq!(of("Option<Option<i64>>").kind, None);
    }

    #[test]
    fn rejects_unsupported_types() {
        for ty in [
            "u64",
            "i8",
            "Vec<i64>",
            "&str",
            "(i64, i64)",
            "HashMap<String, i64>",
            "String<X>",
        ] {
            assert_eq!(of(ty).kind, None, "{ty}");
        }
    }
}
