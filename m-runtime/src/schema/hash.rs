use sha2::{Digest, Sha256};

use super::Table;

/// The schema hash of one table: SHA-256 over its canonical JSON form
/// (`serde_json` of [`Table`], fields in declaration order), hex encoded.
///
/// The ledger stores it per DocType; boot skips introspection when every
/// stored hash equals the compiled one.
pub fn table_hash(table: &Table) -> String {
    let json = serde_json::to_vec(table).unwrap_or_default();
    hex::encode(Sha256::digest(&json))
}

/// One hash for a whole set of tables: SHA-256 over each `(table, hash)`
/// pair in table order. Boot's fast path compares this one value with the
/// one the last complete sync recorded, instead of one row per table.
///
/// ```
/// use m_runtime::schema::schema_digest;
///
/// let a = schema_digest([("author", "1a"), ("book", "2b")]);
/// assert_eq!(a, schema_digest([("author", "1a"), ("book", "2b")]));
/// assert_ne!(a, schema_digest([("author", "1a"), ("book", "2c")]));
/// assert_ne!(a, schema_digest([("author", "1a")]));
/// ```
pub fn schema_digest<'a>(tables: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut digest = Sha256::new();
    for (table, hash) in tables {
        // Lengths first: no two different lists feed the same bytes.
        digest.update((table.len() as u64).to_le_bytes());
        digest.update(table.as_bytes());
        digest.update((hash.len() as u64).to_le_bytes());
        digest.update(hash.as_bytes());
    }
    hex::encode(digest.finalize())
}

/// The first 8 hex digits of SHA-256, used to keep long generated names unique.
pub(crate) fn short_digest(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes)[..4])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, DefaultValue, LogicalType};

    /// The ledger stores these hashes: their value must never change.
    #[test]
    fn hashes_are_stable() {
        let table = Table::new("book")
            .column(Column::new("id", LogicalType::I64))
            .column(
                Column::new(
                    "title",
                    LogicalType::String {
                        max_length: Some(140),
                    },
                )
                .nullable()
                .default(DefaultValue::Text("x".into())),
            )
            .primary_key(["id"])
            .index(["title"], false);
        assert_eq!(
            table_hash(&table),
            "c1b734353131e6a6b1236c7456233fb1ff2715f5b929c18acc95ddd93b09ec11"
        );
        assert_eq!(short_digest(b"ix_book__title"), "1416a441");
    }

    /// `hex::encode` spells every byte as the hand-written loop it replaced
    /// did (`{:02x}`), so no stored hash or checksum changes.
    #[test]
    fn hex_is_lowercase_two_digits_per_byte() {
        let bytes: Vec<u8> = (0..=u8::MAX).collect();
        let expected: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex::encode(&bytes), expected);
    }
}
