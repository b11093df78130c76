//! Engine benchmarks per backend (DESIGN §11):
//! - `noop_boot/1000`: an unchanged boot with 1,000 DocTypes (the fast path);
//! - `introspect/1000`: introspection of 1,000 tables;
//! - `fresh_sync/1000`: a first sync creating 1,000 DocTypes;
//! - `plan/1000_changes`: planning (diff, risk, SQL) of 1,000 changes, pure.
//!
//! `cargo bench -p m-benches --bench engine`; `M_TEST_BACKENDS` narrows the
//! backends as in the tests.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use m_runtime::boot::Boot;
use m_runtime::plan::{Policy, build};
use m_tests::{Backend, TestDb, synthetic};
use tokio::runtime::Runtime;

const N: usize = 1000;

fn backends() -> Vec<Backend> {
    [Backend::Sqlite, Backend::Postgres, Backend::Mysql]
        .into_iter()
        .filter(|b| b.enabled())
        .collect()
}

fn engine(c: &mut Criterion) {
    let rt = Runtime::new().expect("runtime");
    let registry = synthetic::registry(N);
    let desired = registry.schema();
    for backend in backends() {
        let mut group = c.benchmark_group(backend.name());
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(20))
            .warm_up_time(Duration::from_secs(1));

        // One synced database for the no-op boot and introspection.
        let synced = rt.block_on(async {
            let t = TestDb::fresh(backend, "bench_synced").await;
            Boot::new(&t.url)
                .registry(registry.clone())
                .run()
                .await
                .expect("first boot");
            t
        });
        group.bench_function("noop_boot/1000", |b| {
            b.to_async(&rt).iter(|| async {
                let report = Boot::new(&synced.url)
                    .registry(registry.clone())
                    .run()
                    .await
                    .expect("boot");
                assert!(report.fast_path);
            })
        });
        group.bench_function("introspect/1000", |b| {
            b.to_async(&rt).iter(|| async {
                let live = m_runtime::introspect(&synced.db).await.expect("introspect");
                assert_eq!(live.tables.len(), N);
            })
        });
        group.bench_function("fresh_sync/1000", |b| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let t = rt.block_on(TestDb::fresh(backend, "bench_fresh"));
                    let started = Instant::now();
                    rt.block_on(async {
                        let (_, report) = t.sync(&desired, &Policy::default()).await;
                        assert_eq!(report.applied.len(), N);
                    });
                    total += started.elapsed();
                }
                total
            })
        });
        // 1,000 tables, each gaining one column: 1,000 changes.
        let live = rt
            .block_on(m_runtime::introspect(&synced.db))
            .expect("introspect");
        let wider = synthetic::registry_with(N, 1).schema();
        let dialect = synced.db.backend().dialect();
        group.bench_function("plan/1000_changes", |b| {
            b.iter(|| {
                let changes = m_runtime::diff::diff(&live, &wider);
                let measured = vec![None; changes.len()];
                let plan = build(
                    backend.name(),
                    dialect,
                    &live,
                    &wider,
                    changes,
                    &measured,
                    &Policy::default(),
                );
                assert_eq!(plan.changes.len(), N);
            })
        });
        group.finish();
    }
}

criterion_group!(benches, engine);
criterion_main!(benches);
