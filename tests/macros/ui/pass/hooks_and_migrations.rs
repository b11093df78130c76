//! Hooks and fn migrations: every option, several error types, and the
//! registered adapters actually run.
use m_runtime::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

static CALLS: AtomicUsize = AtomicUsize::new(0);

#[before_sync]
async fn ensure_extensions(db: &Db) -> m_runtime::Result<()> {
    let _ = db;
    CALLS.fetch_add(1, Ordering::SeqCst);
    Ok(())
}

#[after_sync(app = "seeding")]
pub async fn seed_defaults(_db: &Db) -> Result<(), std::io::Error> {
    CALLS.fetch_add(10, Ordering::SeqCst);
    Ok(())
}

#[after_sync]
async fn failing(_db: &m_runtime::Db) -> Result<(), String> {
    Err("seed failed".to_string())
}

#[migration(id = "0001_init")]
async fn init(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

#[migration(
    id = "0002_backfill",
    depends_on = ["every:0001_init", "orders:0001_init"],
    phase = post_sync,
    down = revert_backfill,
    app = "every"
)]
async fn backfill(_db: &Db) -> Result<(), m_runtime::BoxError> {
    CALLS.fetch_add(100, Ordering::SeqCst);
    Ok(())
}

async fn revert_backfill(_db: &Db) -> m_runtime::Result<()> {
    CALLS.fetch_add(1000, Ordering::SeqCst);
    Ok(())
}

#[migration(id = "0003_string_phase", phase = "pre_sync")]
async fn string_phase(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

mod nested {
    use m_runtime::prelude::*;

    #[migration(id = "0004_nested", down = self::down)]
    pub(crate) async fn up(_db: &Db) -> m_runtime::Result<()> {
        Ok(())
    }

    async fn down(_db: &Db) -> m_runtime::Result<()> {
        Ok(())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let registry = m_runtime::Registry::linked();
    assert_eq!(registry.hooks.len(), 3);
    assert_eq!(registry.migrations.len(), 4);
    let db = Db::connect("sqlite::memory:").await.unwrap();
    for hook in &registry.hooks {
        let result = (hook.run)(&db).await;
        assert_eq!(result.is_err(), hook.name == "failing", "{}", hook.name);
    }
    assert_eq!(CALLS.load(Ordering::SeqCst), 11);
    let seed = registry
        .hooks
        .iter()
        .find(|h| h.name == "seed_defaults")
        .unwrap();
    assert_eq!(seed.app, "seeding");
    let backfill = registry
        .migrations
        .iter()
        .find(|m| m.id == "0002_backfill")
        .unwrap();
    assert_eq!(backfill.app, "every");
    assert_eq!(backfill.depends_on, ["every:0001_init", "orders:0001_init"]);
    assert_eq!(
        backfill.phase,
        m_runtime::registry::MigrationPhase::PostSync
    );
    assert!(backfill.checksum.starts_with("sha256:") && backfill.checksum.len() == 71);
    assert!(
        backfill.source.ends_with("::backfill"),
        "{}",
        backfill.source
    );
    let (
        m_runtime::registry::MigrationBody::Fn(up),
        Some(m_runtime::registry::MigrationBody::Fn(down)),
    ) = (backfill.up, backfill.down)
    else {
        panic!("fn bodies expected");
    };
    up(&db).await.unwrap();
    down(&db).await.unwrap();
    assert_eq!(CALLS.load(Ordering::SeqCst), 1111);
    let nested = registry
        .migrations
        .iter()
        .find(|m| m.id == "0004_nested")
        .unwrap();
    assert!(nested.source.ends_with("nested::up"), "{}", nested.source);
    let init = registry
        .migrations
        .iter()
        .find(|m| m.id == "0001_init")
        .unwrap();
    assert_eq!(init.phase, m_runtime::registry::MigrationPhase::PreSync);
    assert!(init.down.is_none());
    assert_ne!(init.checksum, backfill.checksum);
}
