//! The simulator's etcd model against real etcd (Debian's etcd-server 3.4): random sequences of
//! crash / recover / destroy / put / snapshot / restore on 1-, 3- and 5-member clusters, with
//! the observations compared after every op, plus targeted checks of what real etcd does where
//! the model must follow it (IDs after a restore, etcdctl's refusals of bad snapshots).
//!
//! Without etcd installed every test here prints `SKIPPED` and why, and passes; CI installs it.

use kubedrill::etcd_backend::{
    BackendError, ClusterOptions, Differential, EtcdBinaries, Op, RealCluster, StepReport, etcdctl,
    etcdctl_snapshot_restore, plan, run_ops,
};
use kubedrill_sim::etcd::model::{EtcdError, EtcdModel};
use kubedrill_sim::rng::Seed;
use std::io::Write as _;
use std::path::Path;

/// The binaries, or `None` after saying (past the test harness's capture, so it shows in a
/// plain `cargo test`) that the test is skipped and why.
fn etcd_or_skip(test: &str) -> Option<EtcdBinaries> {
    match EtcdBinaries::locate() {
        Ok(b) => Some(b),
        Err(e) => {
            say(&format!("SKIPPED etcd_differential::{test}: {e}"));
            None
        }
    }
}

/// One line on stderr in one write (so parallel tests do not interleave inside it), past the
/// harness's capture.
fn say(line: &str) {
    let _ = std::io::stderr().lock().write_all(format!("{line}\n").as_bytes());
}

fn render(seed: u64, members: usize, ops: &[Op], reports: &[StepReport]) -> String {
    let plan: Vec<String> = ops.iter().map(Op::to_string).collect();
    let mut s = format!("seed {seed}, {members} member(s), ops: [{}]\n", plan.join(", "));
    for r in reports {
        s.push_str(&format!("{r}\n"));
    }
    s
}

/// Runs the seeds on clusters of `members`, each seed on a fresh cluster (three at a time:
/// the time goes into waiting for elections and timeouts, not CPU), and fails with every step
/// of every seed that disagreed.
fn random_sequences(members: usize, seeds: std::ops::Range<u64>, len: usize) {
    let name = if members == 1 {
        "random_sequences_1_member".to_string()
    } else {
        format!("random_sequences_{members}_members")
    };
    let Some(bins) = etcd_or_skip(&name) else {
        return;
    };
    let queue = std::sync::Mutex::new(seeds.collect::<Vec<u64>>());
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                loop {
                    let Some(seed) = queue.lock().expect("queue").pop() else {
                        break;
                    };
                    let ops = plan(Seed(seed), members, len);
                    let outcome = run_ops(&bins, members, &ops);
                    results.lock().expect("results").push((seed, ops, outcome));
                }
            });
        }
    });
    let mut results = results.into_inner().expect("results");
    results.sort_by_key(|r| r.0);
    let mut failures = Vec::new();
    let mut steps = 0;
    for (seed, ops, outcome) in results {
        let reports = outcome.unwrap_or_else(|e| panic!("seed {seed}: backend error: {e}"));
        steps += reports.len();
        if std::env::var_os("KUBEDRILL_ETCD_VERBOSE").is_some() {
            say(&render(seed, members, &ops, &reports));
        }
        if reports.iter().any(|r| !r.agrees()) {
            failures.push(render(seed, members, &ops, &reports));
        }
    }
    assert!(
        failures.is_empty(),
        "{} seed(s) disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
    say(&format!(
        "etcd_differential: {members} member(s): {steps} observations compared, 0 disagreements"
    ));
}

// 21 seeds in all, 7 per cluster size; the three sizes run in parallel.

#[test]
fn random_sequences_1_member() {
    random_sequences(1, 100..107, 12);
}

#[test]
fn random_sequences_3_members() {
    random_sequences(3, 300..307, 12);
}

#[test]
fn random_sequences_5_members() {
    random_sequences(5, 500..507, 10);
}

#[test]
fn restore_gives_the_ids_the_model_computes() {
    // Goal: after a real multi-member restore, `member list` shows exactly the member and
    // cluster IDs the model derives from the peer URLs and the new token; keys and revision
    // are the snapshot's.
    let Some(bins) = etcd_or_skip("restore_gives_the_ids_the_model_computes") else {
        return;
    };
    let (mut d, first) = Differential::start(bins, ClusterOptions::with_members(3)).expect("cluster starts");
    let mut reports = vec![first];
    for op in [
        Op::Put("/registry/pods/default/web-1".into()),
        Op::Put("/registry/pods/default/web-2".into()),
        Op::Snapshot(1),
        Op::Put("/registry/pods/default/web-3".into()),
        Op::Crash(0),
        Op::Crash(2),
        Op::Restore,
    ] {
        reports.push(d.apply(&op).expect("op runs"));
    }
    let text: Vec<String> = reports.iter().map(ToString::to_string).collect();
    assert!(reports.iter().all(StepReport::agrees), "{}", text.join("\n"));
    let last = reports.last().expect("reports").clone();
    assert_eq!((last.real.observation.keys, last.real.observation.revision), (2, 3));
    assert!(d.compare_ids().expect("ids").is_empty());
    assert_ne!(
        d.model().token,
        "kubedrill",
        "a restore brings a new token, hence new IDs"
    );
}

#[test]
fn a_destroyed_member_is_refused_while_its_leader_still_leads() {
    // Goal: the one deterministic case of recovering a destroyed member — the leader that knew
    // its log position is still leader — is refused on both sides. Real etcd's refusal is raft's
    // panic `tocommit(N) is out of range [lastIndex(0)]. Was the raft log corrupted, truncated,
    // or lost?`.
    let Some(bins) = etcd_or_skip("a_destroyed_member_is_refused_while_its_leader_still_leads") else {
        return;
    };
    let (mut d, first) = Differential::start(bins, ClusterOptions::with_members(3)).expect("cluster starts");
    assert!(first.agrees(), "{first}");
    d.apply(&Op::Put("/registry/pods/default/web-1".into())).expect("put");
    let observed = d.real().observe().expect("observe");
    let leader = observed.leader.expect("a leader");
    let follower = (0..3).find(|&i| d.real().name(i) != leader).expect("a follower");
    let r = d.apply(&Op::Destroy(follower)).expect("destroy");
    assert!(r.agrees(), "{r}");
    let r = d.apply(&Op::Recover(follower)).expect("recover");
    assert!(r.agrees(), "{r}");
    assert!(
        r.real_outcome.contains("is out of range [lastIndex(0)]"),
        "{}",
        r.real_outcome
    );
    assert!(
        r.sim_outcome.contains("has already been bootstrapped"),
        "{}",
        r.sim_outcome
    );
}

#[test]
fn a_member_restarted_without_quorum_serves_no_client() {
    // Goal: pin the real behaviour the differential plan avoids (module docs of
    // `etcd_backend::diff`): all three members down, one restarted — its process runs, but it
    // answers no request (not even a snapshot) until quorum returns; the model would stream a
    // snapshot from it.
    let Some(bins) = etcd_or_skip("a_member_restarted_without_quorum_serves_no_client") else {
        return;
    };
    let mut c = RealCluster::start(bins, ClusterOptions::with_members(3)).expect("cluster starts");
    for i in 0..3 {
        c.crash(i);
    }
    c.recover(0).expect("the process starts");
    let o = c.observe().expect("observe");
    assert_eq!((o.observation.running, o.observation.quorum), (1, false));
    assert_eq!(o.served_by, None, "{o:?}");
    let snap = c.dir().join("s.db");
    assert!(c.snapshot(0, &snap).is_err());
    c.recover(1).expect("second member");
    let o = c.observe().expect("observe");
    assert!(
        o.observation.quorum && o.observation.has_leader && o.served_by.is_some(),
        "{o:?}"
    );
    c.snapshot(0, &snap).expect("with quorum back, the first one serves");
}

/// etcdctl's message for a restore of `file` into a new data dir under `dir`.
fn restore_error(bins: &EtcdBinaries, file: &Path, data_dir: &Path) -> String {
    match etcdctl_snapshot_restore(
        bins,
        file,
        data_dir,
        "m1",
        "m1=http://127.0.0.1:2380",
        "t",
        "http://127.0.0.1:2380",
    ) {
        Ok(()) => "restored".to_string(),
        Err(BackendError::Etcdctl { message, .. }) => message,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn bad_snapshots_are_refused_with_etcds_own_errors() {
    // Goal: record the exact texts the simulator mimics (see `etcdctl_snapshot_restore`).
    let Some(bins) = etcd_or_skip("bad_snapshots_are_refused_with_etcds_own_errors") else {
        return;
    };
    let mut c = RealCluster::start(bins.clone(), ClusterOptions::with_members(1)).expect("cluster starts");
    c.put("/registry/pods/default/web-1", "x").expect("put");
    let dir = c.dir().to_path_buf();
    let good = dir.join("good.db");
    let size = c.snapshot(0, &good).expect("snapshot");
    assert_eq!(size % 512, 32, "bbolt pages plus the sha256");
    let bytes = std::fs::read(&good).expect("read");
    let write = |name: &str, content: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, content).expect("write");
        p
    };

    let truncated = write("truncated.db", &bytes[..10_000]);
    assert_eq!(
        restore_error(&bins, &truncated, &dir.join("r1")),
        "snapshot missing hash but --skip-hash-check=false"
    );
    // A failed restore leaves its data dir behind: the retry is refused for that.
    assert_eq!(
        restore_error(&bins, &good, &dir.join("r1")),
        format!("data-dir \"{}\" exists", dir.join("r1").display())
    );

    let no_hash = write("nohash.db", &bytes[..bytes.len() - 32]);
    assert_eq!(
        restore_error(&bins, &no_hash, &dir.join("r2")),
        "snapshot missing hash but --skip-hash-check=false"
    );

    // Truncated on a page boundary plus 32 bytes: the "hash" is page data and does not match.
    let cut = write("cut.db", &bytes[..512 * 8 + 32]);
    let msg = restore_error(&bins, &cut, &dir.join("r3"));
    assert!(
        msg.starts_with("expected sha256 [") && msg.contains("], got ["),
        "{msg}"
    );

    let mut flipped = bytes.clone();
    let n = flipped.len();
    flipped[n - 40] ^= 0xff;
    let corrupt = write("corrupt.db", &flipped);
    let msg = restore_error(&bins, &corrupt, &dir.join("r4"));
    assert!(msg.starts_with("expected sha256 ["), "{msg}");

    let empty = write("empty.db", b"");
    assert_eq!(
        restore_error(&bins, &empty, &dir.join("r5")),
        format!("seek {}: invalid argument", empty.display())
    );

    let existing = dir.join("r6");
    std::fs::create_dir(&existing).expect("mkdir");
    assert_eq!(
        restore_error(&bins, &good, &existing),
        format!("data-dir \"{}\" exists", existing.display())
    );

    assert_eq!(restore_error(&bins, &good, &dir.join("r7")), "restored");
}

#[test]
fn a_put_without_quorum_times_out_in_etcdctl() {
    // Goal: record etcdctl's text for a write without quorum (3.4 prints the retry warning too).
    let Some(bins) = etcd_or_skip("a_put_without_quorum_times_out_in_etcdctl") else {
        return;
    };
    let mut c = RealCluster::start(bins.clone(), ClusterOptions::with_members(3)).expect("cluster starts");
    c.crash(1);
    c.crash(2);
    // Once the lone leader has stepped down (CheckQuorum, one election timeout): right after
    // the crashes it still takes the proposal and the server's own timeout may answer first,
    // `etcdserver: request timed out`.
    let o = c.observe().expect("observe");
    assert!(!o.observation.quorum && !o.observation.has_leader, "{o:?}");
    let endpoint = c.client_url(0).to_string();
    // etcdctl's default --command-timeout is 5 s; 1 s gives the same error sooner.
    let args: Vec<String> = [
        "--endpoints",
        &endpoint,
        "--command-timeout",
        "1s",
        "put",
        "/registry/pods/default/web-1",
        "x",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    match etcdctl(&bins, &args) {
        Err(BackendError::Etcdctl { message, stderr, .. }) => {
            // Which side's deadline fires first varies from run to run: the client's own
            // (`context deadline exceeded`) or the server's, relayed as a gRPC status.
            assert!(
                message == "context deadline exceeded"
                    || message == "rpc error: code = Unknown desc = context deadline exceeded",
                "{message}"
            );
            assert!(
                stderr.contains("\"msg\":\"retrying of unary invoker failed\""),
                "{stderr}"
            );
        }
        other => panic!("expected etcdctl to fail, got {other:?}"),
    }
    // The model agrees that the write cannot commit.
    let mut m = EtcdModel::bootstrap(&c.specs(), c.token(), c.binaries().version.clone());
    m.crash(1);
    m.crash(2);
    assert_eq!(m.put("/registry/pods/default/web-1", "x"), Err(EtcdError::NoQuorum));
}

#[test]
fn every_process_is_gone_when_the_cluster_is_dropped() {
    // Goal: no etcd outlives its cluster, also when the test using it panics.
    let Some(bins) = etcd_or_skip("every_process_is_gone_when_the_cluster_is_dropped") else {
        return;
    };
    let mut pids = Vec::new();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut c = RealCluster::start(bins, ClusterOptions::with_members(3)).expect("cluster starts");
        pids = c.pids();
        panic!("a failing test");
    }));
    assert!(result.is_err());
    assert_eq!(pids.len(), 3);
    for pid in pids {
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists(),
            "etcd pid {pid} still exists"
        );
    }
}

const THREE_CONTROL_PLANES: &str = r#"apiVersion: kubedrill/v1
kind: Scenario
metadata:
  name: etcd-backend-lose-two
seed: 7
cluster:
  kubernetesVersion: v1.31.2
  nodes:
    - {name: cp1, role: control-plane}
    - {name: cp2, role: control-plane}
    - {name: cp3, role: control-plane}
    - {name: node01, role: worker}
steps:
  - fault: etcd-member-crash cp3
  - run: kubectl get nodes
  - fault: etcd-member-crash cp2
  - expect: {etcdQuorum: false}
  - fault: etcd-member-recover cp3
  - expect: {etcdQuorum: true}
  - fault: etcd-member-destroy cp1
  - fault: etcd-member-recover cp2
expectViolations: [etcd_quorum]
"#;

#[test]
fn kubedrill_run_with_the_etcd_backend_agrees_step_by_step() {
    // Goal: `kubedrill run FILE --backend etcd` replays the etcd faults on real etcd, prints
    // one verdict per replayed fault, says once per kind what it does not replay, exits 0.
    if etcd_or_skip("kubedrill_run_with_the_etcd_backend_agrees_step_by_step").is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("lose-two.yaml");
    std::fs::write(&file, THREE_CONTROL_PLANES).expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kubedrill"))
        .args(["run", file.to_str().expect("utf-8"), "--backend", "etcd"])
        .args(["--failures-dir", dir.path().join("failures").to_str().expect("utf-8")])
        .output()
        .expect("kubedrill runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let verdicts: Vec<&str> = stdout.lines().filter(|l| l.starts_with("# etcd backend: ")).collect();
    let expected_prefixes = [
        "# etcd backend: agrees (quorum=true, leader=true, members=3, running=2,",
        "# etcd backend: step not replayed (run)",
        "# etcd backend: agrees (quorum=false, leader=false, members=3, running=1,",
        "# etcd backend: agrees (quorum=true, leader=true, members=3, running=2,",
        "# etcd backend: agrees (quorum=false, leader=false, members=3, running=1,",
        "# etcd backend: agrees (quorum=true, leader=true, members=3, running=2,",
    ];
    assert_eq!(verdicts.len(), expected_prefixes.len(), "{stdout}");
    for (line, want) in verdicts.iter().zip(expected_prefixes) {
        assert!(
            line.starts_with(want),
            "{line:?} does not start with {want:?}\n{stdout}"
        );
    }
}

#[test]
fn kubedrill_run_with_the_etcd_backend_needs_etcd() {
    // Goal: without etcd, `--backend etcd` is a usage problem (exit 2) that says what is missing.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("lose-two.yaml");
    std::fs::write(&file, THREE_CONTROL_PLANES).expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kubedrill"))
        .args(["run", file.to_str().expect("utf-8"), "--backend", "etcd"])
        .env("KUBEDRILL_ETCD_BIN_DIR", dir.path())
        .output()
        .expect("kubedrill runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("kubedrill: --backend etcd: etcd is not installed: `etcd` is not in KUBEDRILL_ETCD_BIN_DIR="),
        "{stderr}"
    );
}

#[test]
fn every_etcd_scenario_of_the_corpus_agrees_with_real_etcd() {
    // Goal: the corpus's etcd scenarios, run with `--backend etcd`, pass and never disagree
    // with real etcd on the steps the backend replays.
    if etcd_or_skip("every_etcd_scenario_of_the_corpus_agrees_with_real_etcd").is_none() {
        return;
    }
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/etcd");
    let mut files: Vec<_> = std::fs::read_dir(&corpus)
        .expect("the etcd corpus exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "the corpus has its etcd scenarios");
    // Known divergence (see `a_destroyed_member_is_refused_while_its_leader_still_leads`): a
    // member restarted on an empty data dir under its old identity panics in real etcd only
    // while the same leader leads, and re-syncs otherwise; which happens is a race there, the
    // model always refuses it. That scenario is checked on the simulator alone.
    const RACY: &[&str] = &["06-replace-a-failed-member.yaml"];
    files.retain(|f| !RACY.iter().any(|r| f.ends_with(r)));
    let dir = tempfile::tempdir().expect("tempdir");
    for file in files {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kubedrill"))
            .args(["run", file.to_str().expect("utf-8"), "--backend", "etcd"])
            .args(["--failures-dir", dir.path().join("failures").to_str().expect("utf-8")])
            .output()
            .expect("kubedrill runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{}\n{stdout}\n{stderr}", file.display());
        assert!(!stdout.contains("DISAGREES"), "{}\n{stdout}", file.display());
        say(&format!(
            "{}: {} verdicts",
            file.file_name().and_then(|n| n.to_str()).unwrap_or("?"),
            stdout
                .lines()
                .filter(|l| l.starts_with("# etcd backend: agrees"))
                .count()
        ));
    }
}
