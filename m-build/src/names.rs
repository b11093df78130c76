//! SQL identifier rules and the case conversions that derive names.

/// PostgreSQL truncates identifiers longer than this many bytes; m rejects
/// them so that every backend sees the same name.
pub const MAX_IDENTIFIER_LEN: usize = 63;

/// Why `name` is not a portable SQL identifier, if it is not one.
///
/// Portable means `[A-Za-z_][A-Za-z0-9_]*` and at most
/// [`MAX_IDENTIFIER_LEN`] bytes.
pub fn identifier_problem(name: &str) -> Option<String> {
    let mut chars = name.chars();
    let valid = match chars.next() {
        None => return Some("it is empty".to_string()),
        Some(first) => {
            (first.is_ascii_alphabetic() || first == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
    };
    if !valid {
        return Some(
            "it is not a portable identifier: use ASCII letters, digits and `_`, not starting with a digit"
                .to_string(),
        );
    }
    if name.len() > MAX_IDENTIFIER_LEN {
        return Some(format!(
            "it is {} bytes long, more than the {MAX_IDENTIFIER_LEN} bytes PostgreSQL keeps",
            name.len()
        ));
    }
    None
}

/// Whether `id` is a valid migration id: `[0-9A-Za-z_]+`.
pub fn is_migration_id(id: &str) -> bool {
    !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `target` is a valid `depends_on` entry: `"app:id"`.
pub fn is_dependency(target: &str) -> bool {
    match target.split_once(':') {
        Some((app, id)) => is_migration_id(app) && is_migration_id(id),
        None => false,
    }
}

/// `BookAuthor` → `book_author`, `HTTPLog` → `http_log` (heck's word
/// boundaries): the default table name of a DocType.
///
/// Leading, trailing and repeated `_` do not survive (`_MState` →
/// `m_state`, never a name of m's own `_m_` tables). A digit belongs to the
/// word before it; a capital after a digit starts a word unless the word
/// is in capitals and no lowercase letter follows (`Point2D` → `point2_d`,
/// `S3Bucket` → `s3_bucket`, `AB2C` → `ab2c`).
pub fn snake_case(name: &str) -> String {
    heck::ToSnakeCase::to_snake_case(name)
}

/// `Sales Invoice` → `SalesInvoice`, `sales_invoice` → `SalesInvoice`: the
/// struct name of a DocType read from JSON. Words in capitals are one word,
/// as Rust names spell acronyms (`HTTP Log` → `HttpLog`).
pub fn pascal_case(name: &str) -> String {
    heck::ToUpperCamelCase::to_upper_camel_case(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_splits_words_and_acronyms() {
        assert_eq!(snake_case("Book"), "book");
        assert_eq!(snake_case("BookAuthor"), "book_author");
        assert_eq!(snake_case("HTTPLog"), "http_log");
        assert_eq!(snake_case("Item2Price"), "item2_price");
        assert_eq!(snake_case("Already_Snake"), "already_snake");
        assert_eq!(snake_case("XMLHttpRequest"), "xml_http_request");
        assert_eq!(snake_case("S3Bucket"), "s3_bucket");
        assert_eq!(snake_case("Point2D"), "point2_d");
        assert_eq!(snake_case("AB2C"), "ab2c");
        assert_eq!(snake_case("_MState"), "m_state");
        assert_eq!(snake_case("Book__Author_"), "book_author");
    }

    #[test]
    fn pascal_case_joins_words() {
        assert_eq!(pascal_case("Sales Invoice"), "SalesInvoice");
        assert_eq!(pascal_case("sales_invoice"), "SalesInvoice");
        assert_eq!(pascal_case("ToDo"), "ToDo");
        assert_eq!(pascal_case("HTTP Log"), "HttpLog");
        assert_eq!(pascal_case("Item-Price 2"), "ItemPrice2");
        // Letters outside ASCII are kept, not dropped.
        assert_eq!(pascal_case("Été Log"), "ÉtéLog");
    }

    #[test]
    fn identifiers() {
        assert!(identifier_problem("book_2").is_none());
        assert!(identifier_problem("_x").is_none());
        assert!(identifier_problem("2x").is_some());
        assert!(identifier_problem("a-b").is_some());
        assert!(identifier_problem("").is_some());
        assert!(identifier_problem(&"a".repeat(63)).is_none());
        assert!(identifier_problem(&"a".repeat(64)).is_some());
    }

    #[test]
    fn migration_ids_and_dependencies() {
        assert!(is_migration_id("0001_init"));
        assert!(!is_migration_id("0001-init"));
        assert!(is_dependency("orders:0001_init"));
        assert!(!is_dependency("orders"));
        assert!(!is_dependency("orders:"));
        assert!(!is_dependency("a:b:c"));
    }
}
