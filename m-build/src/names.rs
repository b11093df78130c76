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

/// `BookAuthor` → `book_author`, `HTTPLog` → `http_log`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                None | Some('_') => false,
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_uppercase() => next.is_some_and(char::is_lowercase),
                Some(_) => false,
            };
            if boundary {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `Sales Invoice` → `SalesInvoice`, `sales_invoice` → `SalesInvoice`.
pub fn pascal_case(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
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
    }

    #[test]
    fn pascal_case_joins_words() {
        assert_eq!(pascal_case("Sales Invoice"), "SalesInvoice");
        assert_eq!(pascal_case("sales_invoice"), "SalesInvoice");
        assert_eq!(pascal_case("ToDo"), "ToDo");
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
