//! Lab terminal latencies: starting a lab (cluster built, setup run), answering one line, and
//! `why`, `undo` and `rewind` at the end of the longest lab. Targets: start < 100 ms, a
//! command's answer, `why` and `undo` p99 < 5 ms, any rewind < 50 ms (the figures over every
//! solution line of every lab are printed by `kubedrill bench --workload labs`).

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use kubedrill_labs::{Session, catalogue};
use std::hint::black_box;

fn labs(c: &mut Criterion) {
    let labs = catalogue().expect("the built-in catalogue loads");
    let mut group = c.benchmark_group("labs");
    for id in ["upgrade-cluster", "etcd-restore", "drain-pdb-blocked"] {
        let lab = labs.iter().find(|l| l.id == id).expect("lab exists").clone();
        group.bench_function(format!("start/{id}"), |b| {
            b.iter(|| black_box(Session::start(&lab, lab.default_seed()).expect("starts")))
        });
    }
    let lab = labs
        .iter()
        .find(|l| l.id == "upgrade-cluster")
        .expect("lab exists")
        .clone();
    for line in [
        "kubectl get pods -A -o wide",
        "kubectl drain node01 --ignore-daemonsets",
        "check",
    ] {
        group.bench_function(format!("line/{line}"), |b| {
            b.iter_batched(
                || Session::start(&lab, lab.default_seed()).expect("starts"),
                |mut s| {
                    black_box(s.input(line));
                    s
                },
                BatchSize::SmallInput,
            )
        });
    }
    // Rewind and why at the end of the longest lab's solution.
    let mut solved = Session::start(&lab, lab.default_seed()).expect("starts");
    let steps = lab.solution_lines();
    for (_, line) in &steps {
        let _ = solved.input(line);
    }
    group.bench_function("why/upgrade-cluster-end", |b| b.iter(|| black_box(solved.input("why"))));
    // The same session without its copies of the state: every rewind replays from the start.
    let replayed = {
        let mut s = Session::start(&lab, lab.default_seed()).expect("starts").replay_only();
        for (_, line) in &steps {
            let _ = s.input(line);
        }
        s
    };
    for (name, line, session) in [
        ("undo".to_string(), "undo".to_string(), &solved),
        ("rewind-1".to_string(), "rewind 1".to_string(), &solved),
        (
            format!("rewind-{}", steps.len()),
            format!("rewind {}", steps.len()),
            &solved,
        ),
        ("undo-replayed".to_string(), "undo".to_string(), &replayed),
    ] {
        group.bench_function(format!("{name}/upgrade-cluster-end"), |b| {
            b.iter_batched(
                || session.clone(),
                |mut s| {
                    black_box(s.input(&line));
                    s
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, labs);
criterion_main!(benches);
