//! The per-process cache of DocType schema hashes.
//!
//! A [`DocTypeDef`] is a `&'static` value that never changes, so the hash
//! of its table is a function of its address: computed on first use
//! (`serde_json` and SHA-256 of [`table_of`]) and read from here after
//! that. Registries built by hand (tests, subsets) share the cache; a
//! changed declaration is a different static, so a different entry.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::{DocTypeDef, table_of};
use crate::schema::table_hash;

/// The hash of `doctype`'s table, computed once per process.
pub(super) fn cached(doctype: &'static DocTypeDef) -> Arc<str> {
    static CACHE: OnceLock<Mutex<HashMap<usize, Arc<str>>>> = OnceLock::new();
    let key = std::ptr::from_ref(doctype).addr();
    let cache = CACHE.get_or_init(Mutex::default);
    // A panic while holding the lock cannot leave a wrong entry: an entry
    // is inserted whole or not at all.
    if let Some(hash) = cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
    {
        return hash.clone();
    }
    let hash: Arc<str> = table_hash(&table_of(doctype)).into();
    cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(key)
        .or_insert(hash)
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::ColumnDef;
    use crate::schema::LogicalType;

    static ONE: DocTypeDef = DocTypeDef {
        app: "a",
        name: "One",
        table: "one",
        module_path: "a",
        columns: &[ColumnDef {
            name: "id",
            field: "id",
            ty: LogicalType::I64,
            nullable: false,
            default: None,
            unique: false,
            index: false,
            renamed_from: &[],
            references: None,
        }],
        primary_key: &["id"],
        indexes: &[],
        renamed_from: &[],
        retired_columns: &[],
        checks: &[],
    };

    static TWO: DocTypeDef = DocTypeDef {
        primary_key: &[],
        ..ONE
    };

    #[test]
    fn the_cached_hash_is_the_table_hash_of_each_declaration() {
        assert_eq!(&*cached(&ONE), table_hash(&table_of(&ONE)));
        assert_eq!(&*cached(&ONE), table_hash(&table_of(&ONE)), "read again");
        assert_eq!(&*cached(&TWO), table_hash(&table_of(&TWO)));
        assert_ne!(cached(&ONE), cached(&TWO));
    }
}
