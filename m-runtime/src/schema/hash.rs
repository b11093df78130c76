use sha2::{Digest, Sha256};

use super::Table;

/// The schema hash of one table: SHA-256 over its canonical JSON form
/// (`serde_json` of [`Table`], fields in declaration order), hex encoded.
///
/// The ledger stores it per DocType; boot skips introspection when every
/// stored hash equals the compiled one.
pub fn table_hash(table: &Table) -> String {
    let json = serde_json::to_vec(table).unwrap_or_default();
    hex(&Sha256::digest(&json))
}

/// The first 8 hex digits of SHA-256, used to keep long generated names unique.
pub(crate) fn short_digest(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes)[..4])
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
