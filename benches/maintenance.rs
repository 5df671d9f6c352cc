//! Benchmarks (criterion): engine throughput on a lab-sized cluster, and a cordon / drain /
//! uncordon sweep over every worker of a 5,000-node / 150,000-pod cluster.
//!
//! `cargo bench --bench maintenance` runs both; peak memory is printed by
//! `kubedrill bench` (one sweep in a fresh process).

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use kubedrill::bench::{drain_every_worker, large_cluster, large_cluster_for_upgrade, rolling_upgrade};
use std::hint::black_box;
use std::time::Duration;

fn engine_throughput(c: &mut Criterion) {
    // One maintenance cycle of one node in a small cluster: the cost of a lab command.
    let mut group = c.benchmark_group("engine");
    group.bench_function("drain_cycle_3_workers_60_pods", |b| {
        b.iter_batched(
            || large_cluster(3, 60).expect("cluster builds").1,
            |mut sim| {
                let n = drain_every_worker(&mut sim, 3).expect("drains succeed");
                black_box((n, sim.trace().len()))
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("build_cluster_100_workers_3000_pods", |b| {
        b.iter(|| {
            black_box(
                large_cluster(100, 3000)
                    .expect("cluster builds")
                    .1
                    .cluster()
                    .pod_count(),
            )
        })
    });
    group.finish();
}

fn drain_all_workers(c: &mut Criterion) {
    let mut group = c.benchmark_group("scale");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .warm_up_time(Duration::from_secs(1));
    group.bench_function("drain_every_worker_5000_nodes_150000_pods", |b| {
        b.iter_batched(
            || large_cluster(5000, 150_000).expect("cluster builds").1,
            |mut sim| {
                let n = drain_every_worker(&mut sim, 5000).expect("drains succeed");
                black_box(n);
                sim
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("rolling_upgrade_5000_nodes_150000_pods", |b| {
        b.iter_batched(
            || large_cluster_for_upgrade(5000, 150_000).expect("cluster builds").1,
            |mut sim| {
                let n = rolling_upgrade(&mut sim, 5000).expect("upgrade succeeds");
                black_box(n);
                sim
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, engine_throughput, drain_all_workers);
criterion_main!(benches);
