//! The boot stamp: an unchanged boot that reads no table.
//!
//! Boot's fast path compares the compiled schema hashes and migrations with
//! what m's tables recorded. On most databases reading a row is cheap
//! whatever the size of the schema; on SQLite the first statement of a
//! connection that reads any table parses the whole schema first (every
//! table, index and key of the file: 8x as long at 5,000 tables as at
//! 1,000). So where a backend has a place that reads without that cost
//! ([`Backend::stamp_slot`](crate::backend::Backend::stamp_slot); SQLite:
//! the file header), a boot that found nothing to do leaves a [`Stamp`]
//! there: 56 bits of SHA-256 over what it compared (m's version, the
//! compiled hashes, every migration and its checksum, the out-of-order
//! setting) and the database's schema version at that moment.
//!
//! A later boot that reads the stamp its own comparison would write knows,
//! without reading a table, that the comparison would find the same:
//!
//! - any schema change (m's or anyone's) changes the schema version;
//! - every write of m's state or ledger clears the stamp first
//!   (`invalidate`), in the writer's transaction when it has one;
//! - another binary (other declarations, other migrations, another m)
//!   computes another stamp.
//!
//! What it does not see is a hand edit of m's bookkeeping rows with no
//! schema change (a ledger row deleted in a SQL shell): boot then keeps
//! taking the fast path until the schema or the binary changes. The
//! `migrate` commands always read the tables.
//!
//! A stamp is only written where m owns the place: a database whose header
//! another program set first keeps its values, and its boots read the
//! tables as before.

use sha2::{Digest, Sha256};

use crate::registry::memo::Memo;
use crate::schema::schema_digest;
use crate::{BoxFuture, Db, Registry, Result};

/// A place outside the schema, cheaper to read than a table, where boot
/// keeps its [`Stamp`] (see the [module](self) documentation).
pub trait StampSlot: Send + Sync {
    /// The slot and the database's schema version, in as few statements
    /// as the backend can; `None` when another program uses the place.
    fn read<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<Option<SlotState>>>;
    /// Writes `stamp` (`None` clears it), once [`read`](StampSlot::read)
    /// said m owns the place.
    fn write<'a>(&'a self, db: &'a Db, stamp: Option<Stamp>) -> BoxFuture<'a, Result<()>>;
}

/// What a [`StampSlot`] holds, as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotState {
    /// The stamp there, `None` when cleared or never written.
    pub stamp: Option<Stamp>,
    /// A number the database changes with every schema change (SQLite:
    /// `PRAGMA schema_version`).
    pub schema_version: i64,
}

/// 56 bits that sum up an unchanged boot's comparison and the schema
/// version it was made at; its low 32 bits are never all zero (a zero there
/// means "cleared" in SQLite's header).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Stamp(u64);

impl Stamp {
    /// The 56 bits a stamp keeps.
    pub const BITS: u32 = 56;

    /// A stamp of these 56 bits (the rest are dropped); `None` when the low
    /// 32 are all zero, which no [`Stamp`] has.
    pub fn from_bits(bits: u64) -> Option<Stamp> {
        let bits = bits & ((1 << Self::BITS) - 1);
        (bits & 0xFFFF_FFFF != 0).then_some(Stamp(bits))
    }

    /// The stamp's 56 bits.
    pub fn bits(self) -> u64 {
        self.0
    }
}

/// What a boot compares, summed up once per registry and setting
/// (SHA-256 of m's version, the compiled schema digest and every
/// migration): [`Fingerprint::stamp`] adds the schema version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint of a boot of `registry`, with out-of-order
    /// migrations allowed or not: computed once per process for a
    /// registry of the same items, so that an unchanged boot's cost does
    /// not grow with the number of DocTypes.
    pub fn of(registry: &Registry, allow_out_of_order: bool) -> Fingerprint {
        static KEPT: Memo<Fingerprint> = Memo::new();
        let mut key = registry.identity();
        key.push(usize::from(allow_out_of_order));
        if let Some(fingerprint) = KEPT.get(&key) {
            return fingerprint;
        }
        let fingerprint = Self::compute(registry, allow_out_of_order);
        KEPT.put(key, fingerprint);
        fingerprint
    }

    fn compute(registry: &Registry, allow_out_of_order: bool) -> Fingerprint {
        let hashes = registry.hashes();
        let mut digest = Sha256::new();
        let mut field = |bytes: &[u8]| {
            // Lengths first: no two different lists feed the same bytes.
            digest.update((bytes.len() as u64).to_le_bytes());
            digest.update(bytes);
        };
        field(b"m boot stamp 1");
        field(env!("CARGO_PKG_VERSION").as_bytes());
        field(schema_digest(hashes.iter().map(|(t, h)| (*t, &**h))).as_bytes());
        field(&[u8::from(allow_out_of_order)]);
        for migration in &registry.migrations {
            field(migration.app.as_bytes());
            field(migration.id.as_bytes());
            field(migration.checksum.as_bytes());
            field(migration.phase.as_str().as_bytes());
        }
        Fingerprint(digest.finalize().into())
    }

    /// The stamp of this fingerprint at `schema_version`.
    pub fn stamp(&self, schema_version: i64) -> Stamp {
        let digest = Sha256::new()
            .chain_update(self.0)
            .chain_update(schema_version.to_le_bytes())
            .finalize();
        let mut bytes = [0; 8];
        bytes.copy_from_slice(&digest[..8]);
        let bits = u64::from_le_bytes(bytes) & ((1 << Stamp::BITS) - 1);
        // One value in 2^32 would read as "cleared": give it a bit.
        Stamp::from_bits(bits).unwrap_or(Stamp(bits | 1))
    }
}

/// What the slot says of a boot with `fingerprint`: `Fresh` when it holds
/// the stamp that boot would write (nothing changed), `Stale` with the
/// state to compare against after the boot, `Absent` when the backend has
/// no slot or another program owns it.
#[derive(Debug)]
pub(crate) enum Reading {
    Fresh,
    Stale(SlotState),
    Absent,
}

/// Reads the slot of `db`'s backend and compares it with `fingerprint`.
pub(crate) async fn read(db: &Db, fingerprint: &Fingerprint) -> Result<Reading> {
    let Some(slot) = db.backend().stamp_slot() else {
        return Ok(Reading::Absent);
    };
    Ok(match slot.read(db).await? {
        None => Reading::Absent,
        Some(state) if state.stamp == Some(fingerprint.stamp(state.schema_version)) => {
            Reading::Fresh
        }
        Some(state) => Reading::Stale(state),
    })
}

/// Writes the stamp of `fingerprint` at the schema version of `state`
/// (the slot as read under the same lock, with no change since).
pub(crate) async fn write(db: &Db, fingerprint: &Fingerprint, state: SlotState) -> Result<()> {
    let Some(slot) = db.backend().stamp_slot() else {
        return Ok(());
    };
    slot.write(db, Some(fingerprint.stamp(state.schema_version)))
        .await
}

/// Clears the stamp, if there is one: called by every write of m's state
/// and ledger, before it, so that no boot skips what the write changed.
/// No statement on a backend without a slot; one when there is nothing to
/// clear.
pub(crate) async fn invalidate(db: &Db) -> Result<()> {
    let Some(slot) = db.backend().stamp_slot() else {
        return Ok(());
    };
    match slot.read(db).await? {
        Some(SlotState { stamp: Some(_), .. }) => slot.write(db, None).await,
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{MigrationBody, MigrationDef, MigrationPhase, OnFresh};

    static ONE: MigrationDef = MigrationDef {
        app: "a",
        id: "0001",
        depends_on: &[],
        phase: MigrationPhase::PreSync,
        checksum: "sha256:01",
        up: MigrationBody::Sql("SELECT 1"),
        down: None,
        source: "a/0001.sql",
        on_fresh: OnFresh::Skip,
    };
    static EDITED: MigrationDef = MigrationDef {
        checksum: "sha256:02",
        ..ONE
    };

    #[test]
    fn the_stamp_changes_with_every_input() {
        let with = |m: &'static MigrationDef| Registry {
            migrations: vec![m],
            ..Registry::default()
        };
        let base = Fingerprint::of(&with(&ONE), false);
        assert_eq!(base, Fingerprint::of(&with(&ONE), false));
        let stamps = [
            base.stamp(7),
            base.stamp(8),
            Fingerprint::of(&with(&EDITED), false).stamp(7),
            Fingerprint::of(&with(&ONE), true).stamp(7),
            Fingerprint::of(&Registry::default(), false).stamp(7),
        ];
        for (i, a) in stamps.iter().enumerate() {
            assert!(a.bits() < 1 << Stamp::BITS && a.bits() & 0xFFFF_FFFF != 0);
            for b in &stamps[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn a_stamp_keeps_56_bits_and_never_reads_as_cleared() {
        assert_eq!(
            Stamp::from_bits(0xFF00_0000_0000_0001).map(Stamp::bits),
            Some(1)
        );
        assert_eq!(Stamp::from_bits(0x00AB_CDEF_0000_0000), None);
    }
}
