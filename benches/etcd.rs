//! The simulator's etcd model against real etcd (criterion, small samples):
//!
//! * `quorum_loss_and_restore/{model,real}`: a 3-member cluster puts 100 keys, takes a
//!   snapshot, loses two members, is observed without quorum, is restored from the snapshot on
//!   every member and observed again. Target: the model ≥ 1000× faster.
//! * `snapshot_restore_100k/{backend,etcdctl}`: 100,000 keys saved and restored — our client's
//!   snapshot stream written to a file plus `etcdctl snapshot restore`, against `etcdctl
//!   snapshot save` plus the same restore. Target: ≤ 1.2× etcdctl's time.
//!
//! `cargo bench --bench etcd` runs both and prints the median ratios at the end. Without etcd
//! installed the real-etcd parts are skipped with a message.

use criterion::{BatchSize, Criterion, SamplingMode};
use kubedrill::etcd_backend::{
    ClusterOptions, EtcdBinaries, RealCluster, etcdctl_snapshot_restore, etcdctl_snapshot_save,
};
use kubedrill_sim::etcd::model::{EtcdModel, MemberSpec};
use kubedrill_sim::etcd::version::EtcdVersion;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn keys(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("/registry/pods/default/web-{i}")).collect()
}

/// The sequence on the model; the restore replaces it, so it can run again on the result.
fn model_sequence(model: &mut EtcdModel, specs: &[MemberSpec], keys: &[String], round: u64) {
    for k in keys {
        model.put(k, "x").expect("quorum");
    }
    let snap = model.snapshot(0).expect("running");
    model.crash(1);
    model.crash(2);
    assert!(!model.observe().quorum);
    let token = format!("bench-{round}");
    *model = EtcdModel::restore(&snap, specs, &token, model.version.clone());
    assert!(model.observe().quorum);
}

/// The same on real etcd. Ends with all three members running, so it repeats on one cluster.
fn real_sequence(cluster: &mut RealCluster, keys: &[String], round: u64) {
    for k in keys {
        cluster.put(k, "x").expect("quorum");
    }
    let file = cluster.dir().join(format!("bench-{round}.db"));
    cluster.snapshot(0, &file).expect("snapshot");
    cluster.crash(1);
    cluster.crash(2);
    assert!(!cluster.observe().expect("observe").observation.quorum);
    cluster.restore(&file, &format!("bench-{round}")).expect("restore");
    assert!(cluster.observe().expect("observe").observation.quorum);
    let _ = std::fs::remove_file(file);
}

fn quorum_loss_and_restore(c: &mut Criterion, bins: Option<&EtcdBinaries>) {
    let keys = keys(100);
    let mut group = c.benchmark_group("quorum_loss_and_restore");
    group.sample_size(10).warm_up_time(Duration::from_millis(500));
    let specs: Vec<MemberSpec> = (1..=3)
        .map(|i| MemberSpec {
            name: format!("m{i}"),
            peer_url: format!("http://127.0.0.1:{}", 2380 + 10 * i),
            client_url: format!("http://127.0.0.1:{}", 2379 + 10 * i),
        })
        .collect();
    let version = EtcdVersion::new(3, 4, 23);
    let mut model = EtcdModel::bootstrap(&specs, "bench", version);
    let mut round = 0u64;
    group.bench_function("model", |b| {
        b.iter(|| {
            round += 1;
            model_sequence(&mut model, &specs, &keys, round);
            black_box(model.revision)
        })
    });
    if let Some(bins) = bins {
        let mut cluster = RealCluster::start(bins.clone(), ClusterOptions::with_members(3)).expect("cluster starts");
        // Seconds per iteration: one iteration per sample.
        group
            .sampling_mode(SamplingMode::Flat)
            .measurement_time(Duration::from_secs(60))
            .warm_up_time(Duration::from_millis(1));
        group.bench_function("real", |b| {
            b.iter(|| {
                round += 1;
                real_sequence(&mut cluster, &keys, round);
            })
        });
    }
    group.finish();
}

fn snapshot_restore(c: &mut Criterion, bins: &EtcdBinaries) {
    let mut cluster = RealCluster::start(bins.clone(), ClusterOptions::with_members(1)).expect("cluster starts");
    // 100,000 keys of ~ a small Kubernetes object each (~20 MB of values).
    let value = vec![b'x'; 200];
    let kvs: Vec<(String, Vec<u8>)> = keys(100_000).into_iter().map(|k| (k, value.clone())).collect();
    cluster.put_many(&kvs).expect("puts");
    drop(kvs);
    let dir = cluster.dir().to_path_buf();
    let endpoint = cluster.client_url(0).to_string();
    let spec = cluster.specs().remove(0);
    let initial_cluster = format!("{}={}", spec.name, spec.peer_url);
    let restore = |file: &Path, data_dir: &Path| {
        etcdctl_snapshot_restore(
            bins,
            file,
            data_dir,
            &spec.name,
            &initial_cluster,
            "bench",
            &spec.peer_url,
        )
        .expect("restore")
    };
    // Each iteration gets fresh paths; removing the last one's output is set-up, not timed.
    let mut n = 0u32;
    let mut fresh = || {
        n += 1;
        let _ = std::fs::remove_dir_all(dir.join("restore"));
        let _ = std::fs::remove_file(dir.join("snap.db"));
        (dir.join("snap.db"), dir.join("restore").join(n.to_string()))
    };
    let probe = dir.join("size.db");
    let bytes = cluster.snapshot(0, &probe).expect("snapshot");
    let _ = std::fs::remove_file(probe);
    println!(
        "snapshot_restore_100k: {} keys, snapshot file {:.1} MB",
        cluster.observe().expect("observe").observation.keys,
        bytes as f64 / 1e6
    );
    let mut group = c.benchmark_group("snapshot_restore_100k");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(10))
        .warm_up_time(Duration::from_millis(1));
    group.bench_function("backend", |b| {
        b.iter_batched(
            &mut fresh,
            |(file, data_dir): (PathBuf, PathBuf)| {
                cluster.snapshot(0, &file).expect("snapshot");
                restore(&file, &data_dir);
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("etcdctl", |b| {
        b.iter_batched(
            &mut fresh,
            |(file, data_dir): (PathBuf, PathBuf)| {
                etcdctl_snapshot_save(bins, &endpoint, &file).expect("etcdctl snapshot save");
                restore(&file, &data_dir);
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

/// Criterion's median estimate of a benchmark, in nanoseconds, from its saved estimates.
fn median_ns(group: &str, bench: &str) -> Option<f64> {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let path = dir.join("criterion").join(group).join(bench).join("new/estimates.json");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn ratio_line(group: &str, a: &str, b: &str, what: &str) {
    if let (Some(x), Some(y)) = (median_ns(group, a), median_ns(group, b)) {
        println!(
            "{group}: median {a} {:.3?}, {b} {:.3?}: {what} {:.1}×",
            Duration::from_nanos(x as u64),
            Duration::from_nanos(y as u64),
            y / x
        );
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let bins = match EtcdBinaries::locate() {
        Ok(b) => Some(b),
        Err(e) => {
            println!("etcd benches SKIPPED (only the model runs): {e}");
            None
        }
    };
    quorum_loss_and_restore(&mut c, bins.as_ref());
    if let Some(bins) = &bins {
        snapshot_restore(&mut c, bins);
    }
    c.final_summary();
    if bins.is_some() {
        ratio_line("quorum_loss_and_restore", "model", "real", "the model is faster by");
        ratio_line(
            "snapshot_restore_100k",
            "etcdctl",
            "backend",
            "the backend takes etcdctl's time times",
        );
    }
}
