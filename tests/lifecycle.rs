//! An app's life over many deploys: boot refuses an edited migration even
//! on its fast path, and "out of order" means what it says.

use m_runtime::boot::Boot;
use m_runtime::migrate::LedgerProblem;
use m_runtime::registry::{MigrationBody, MigrationDef, MigrationPhase};
use m_runtime::{Error, Registry};
use m_tests::{all_backends, synthetic};

macro_rules! migration {
    ($static:ident = $id:literal, $phase:ident, $checksum:literal) => {
        static $static: MigrationDef = MigrationDef {
            app: "life",
            id: $id,
            depends_on: &[],
            phase: MigrationPhase::$phase,
            checksum: $checksum,
            up: MigrationBody::Sql(""),
            down: None,
            source: concat!(file!(), ":", line!()),
        };
    };
}

migration!(FIRST = "0001_first", PreSync, "sha256:first");
migration!(FIRST_EDITED = "0001_first", PreSync, "sha256:first-edited");
migration!(POST = "0002_post", PostSync, "sha256:post");
migration!(NEW_PRE = "0003_pre", PreSync, "sha256:new-pre");
migration!(OLDER = "0000_older", PreSync, "sha256:older");

fn with(migrations: &[&'static MigrationDef]) -> Registry {
    let mut registry = synthetic::registry(2);
    registry.migrations = migrations.to_vec();
    registry.sort();
    registry
}

all_backends!(an_edited_migration_stops_a_fast_path_boot, |t| async move {
    let boot = |registry: Registry| Boot::new(&t.url).registry(registry).run();
    assert!(!boot(with(&[&FIRST])).await.expect("first boot").fast_path);
    assert!(boot(with(&[&FIRST])).await.expect("unchanged").fast_path);
    let error = boot(with(&[&FIRST_EDITED]))
        .await
        .expect_err("an edited applied migration stops the boot");
    let Error::Ledger(problems) = &error else {
        panic!("{error:?}");
    };
    assert!(
        matches!(
            problems.0.as_slice(),
            [LedgerProblem::ChecksumMismatch { id, applied, registered, .. }]
                if id == "0001_first" && applied == "sha256:first" && registered == "sha256:first-edited"
        ),
        "{problems:?}"
    );
});

all_backends!(out_of_order_means_same_app_same_phase, |t| async move {
    let boot = |registry: Registry, allow: bool| {
        Boot::new(&t.url)
            .registry(registry)
            .allow_out_of_order(allow)
            .run()
    };
    let first = boot(with(&[&FIRST, &POST]), false).await.expect("first");
    assert_eq!(first.migrations, 2);
    // A new pre_sync migration after an applied post_sync one is in order.
    let next = boot(with(&[&FIRST, &POST, &NEW_PRE]), false)
        .await
        .expect("a new pre_sync migration is not out of order");
    assert_eq!(next.migrations, 1);
    // An id that sorts before an applied one of its phase is, boot included.
    let error = boot(with(&[&OLDER, &FIRST, &POST, &NEW_PRE]), false)
        .await
        .expect_err("genuinely out of order");
    assert!(
        matches!(&error, Error::Ledger(p) if matches!(p.0.as_slice(),
            [LedgerProblem::OutOfOrder { id, applied_later, .. }]
                if id == "0000_older" && applied_later == "life:0003_pre")),
        "{error:?}"
    );
    let allowed = boot(with(&[&OLDER, &FIRST, &POST, &NEW_PRE]), true)
        .await
        .expect("allowed explicitly");
    assert_eq!(allowed.migrations, 1);
});
