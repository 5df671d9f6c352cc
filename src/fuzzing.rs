//! The fuzz targets' bodies: what one input does, and what must hold afterwards.
//!
//! `fuzz/` (cargo-fuzz, libFuzzer) calls these with generated inputs; `tests/fuzz_corpus.rs`
//! calls them with every file of the committed corpora on the stable toolchain, so a crash the
//! fuzzer once found stays fixed. Each body may only return or panic: a panic is the finding.
//! libFuzzer's own limits (`-timeout=1 -rss_limit_mb=1024`) catch hangs and memory.

use kubedrill_labs::{Lab, Reply, Session};
use kubedrill_sim::model::limits::{MAX_NODES, MAX_PODS};
use kubedrill_sim::{Seed, Sim, runner};
use std::sync::OnceLock;

/// A fuzz target's body.
pub type Target = fn(&[u8]);

/// The fuzz targets, by the name of their corpus directory (`fuzz/corpus/NAME`).
pub const TARGETS: &[(&str, Target)] = &[
    ("scenario_file", scenario_file),
    ("lab_line", lab_line),
    ("lab_file", lab_file),
    ("etcd_tool", etcd_tool),
    ("policy_file", policy_file),
    ("bench_file", bench_file),
];

/// Most lines one input runs: enough for a drill, few enough to stay within a second.
const MAX_LINES: usize = 16;

/// The largest scenario cluster whose steps `scenario_file` runs (see there).
const RUN_MAX_PODS: u64 = 5_000;
const RUN_MAX_NODES: u64 = 500;

/// Most output one line may print (a `kubectl get pods -A` of a full cluster is ~20 MB).
const MAX_REPLY_BYTES: usize = 300 << 20;

/// A scenario file, loaded as `kubedrill run` loads it and, if it is valid, run.
pub fn scenario_file(data: &[u8]) {
    let file = "fuzz.yaml";
    let scenario = match crate::scenario_file::load_bytes(data, file) {
        Ok(s) => s,
        Err(e) => {
            assert!(e.to_string().starts_with(file), "an error names the file: {e}");
            return;
        }
    };
    let text = String::from_utf8_lossy(data);
    if let Err(e) = runner::check(&scenario) {
        let located = crate::scenario_file::scenario_error_at(&text, file, &e);
        assert!(located.to_string().starts_with(file), "{located}");
        return;
    }
    // A scenario of benchmark size is loaded and checked but not run: building 100,000 pods
    // takes about a second by design (README, strategy benchmarks), which libFuzzer's
    // one-second timeout would report as a hang. Its limits are `tests/limits.rs`'s.
    let (nodes, pods) = size_asked(&scenario);
    if nodes > RUN_MAX_NODES || pods > RUN_MAX_PODS {
        return;
    }
    let seed = Seed(scenario.seed.unwrap_or(1));
    match runner::run(&scenario, seed) {
        Ok(report) => within_limits(&report.sim),
        Err(e) => {
            let located = crate::scenario_file::scenario_error_at(&text, file, &e);
            assert!(located.to_string().starts_with(file), "{located}");
        }
    }
}

/// The nodes and pods a scenario's cluster and workloads ask for (a DaemonSet: one pod per
/// node), before anything is built.
fn size_asked(scenario: &kubedrill_sim::scenario::Scenario) -> (u64, u64) {
    use kubedrill_sim::model::manifest::Manifest;
    let c = &scenario.cluster;
    let nodes = c.nodes.len() as u64 + c.pools.iter().map(|p| u64::from(p.count.unwrap_or(1))).sum::<u64>();
    let replicas = |r: Option<i32>| u64::try_from(r.unwrap_or(1)).unwrap_or(0);
    let pods = scenario
        .workloads
        .iter()
        .map(|m| match m {
            Manifest::Deployment(d) => replicas(d.object.spec.replicas),
            Manifest::ReplicaSet(r) => replicas(r.object.spec.replicas),
            Manifest::StatefulSet(s) => replicas(s.object.spec.replicas),
            Manifest::Job(j) => {
                let spec = j.object.spec.as_ref();
                replicas(spec.and_then(|s| s.completions)).max(replicas(spec.and_then(|s| s.parallelism)))
            }
            Manifest::DaemonSet(_) => nodes,
            Manifest::Pod(_) => 1,
            Manifest::PodDisruptionBudget(_) => 0,
        })
        .fold(0u64, u64::saturating_add);
    (nodes, pods)
}

/// Lines typed into a lab (the first byte picks the lab), through the whole engine.
pub fn lab_line(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let labs = catalogue();
    let index = pick as usize % labs.len();
    let mut session = started(index, || {
        let lab = &labs[index];
        Session::start(lab, lab.default_seed()).unwrap_or_else(|_| panic!("lab {} does not start", lab.id))
    });
    type_lines(&mut session, rest);
}

/// A lab file: parsed, and if it is valid, started.
pub fn lab_file(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(lab) = kubedrill_labs::parse_lab("labs/fuzz.yaml", &text) else {
        return;
    };
    if let Ok(mut session) = Session::start(&lab, lab.default_seed()) {
        within_limits(session.sim());
        // The lab's own commands on it (`check`, `map`, `solution`) must hold up too.
        type_lines(&mut session, b"check\nmap\nsolution\nhint\ntask\n");
    }
}

/// etcdctl and etcdutl on a control plane that has a snapshot: the first byte picks the tool
/// and how the snapshot file is damaged first; the rest are the tool's argument lines
/// (`S` stands for the snapshot's path).
pub fn etcd_tool(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    // Keyed past the labs' indices, one fresh session per kind of damage.
    let mut session = started(1000 + usize::from(pick % 8), || {
        let lab = catalogue()
            .iter()
            .find(|l| l.id == "etcd-restore")
            .expect("the etcd-restore lab");
        let Ok(mut session) = Session::start(lab, lab.default_seed()) else {
            panic!("lab {} does not start", lab.id);
        };
        const SAVE: &str = "ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key snapshot save /root/s.db";
        reply(&mut session, SAVE);
        let damage = match pick % 8 {
            0 => "",
            1 => "truncate -s 0 /root/s.db",
            2 => "truncate -s 100 /root/s.db",
            3 => "truncate -s 4096 /root/s.db",
            4 => "truncate -s 8192 /root/s.db",
            5 => "truncate -s -32 /root/s.db",
            6 => "cp /etc/hosts /root/s.db",
            _ => "rm /root/s.db && mkdir /root/s.db",
        };
        reply(&mut session, damage);
        session
    });
    let tool = if pick & 8 == 0 {
        "ETCDCTL_API=3 etcdctl"
    } else {
        "etcdutl"
    };
    let text = String::from_utf8_lossy(rest);
    for line in text.lines().take(MAX_LINES) {
        let args = line.replace('S', "/root/s.db");
        reply(&mut session, &format!("{tool} {args}"));
    }
    within_limits(session.sim());
}

/// An upgrade policy file, loaded as `kubedrill policy run|check` loads it.
pub fn policy_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = crate::policy::file::load_str(text, "fuzz.yaml") {
        assert!(e.to_string().starts_with("fuzz.yaml"), "an error names the file: {e}");
    }
}

/// A strategy benchmark file, loaded as `kubedrill bench FILE` loads it; a policy it names by
/// path is looked up among the repository's policies (a path elsewhere is read too, capped).
pub fn bench_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benchmarks");
    if let Err(e) = crate::bench::file::load_str_in(text, "fuzz.yaml", &dir) {
        assert_eq!(e.file, "fuzz.yaml", "an error names the file: {e:?}");
    }
}

/// A copy of the session `make` builds, made once per key and thread: starting a lab builds a
/// whole cluster, which took nearly all of an input's time, and a `Session` is plain data, so
/// its copy is the same state a fresh start gives.
fn started(key: usize, make: impl FnOnce() -> Session) -> Session {
    thread_local! {
        static STARTED: std::cell::RefCell<std::collections::BTreeMap<usize, Session>> =
            const { std::cell::RefCell::new(std::collections::BTreeMap::new()) };
    }
    if let Some(session) = STARTED.with(|s| s.borrow().get(&key).cloned()) {
        return session;
    }
    let session = make();
    STARTED.with(|s| s.borrow_mut().insert(key, session.clone()));
    session
}

fn catalogue() -> &'static [Lab] {
    static LABS: OnceLock<Vec<Lab>> = OnceLock::new();
    LABS.get_or_init(|| kubedrill_labs::catalogue().expect("the built-in labs parse"))
}

/// Types each line of `data` (lossy UTF-8, as the terminal reads it) into the session.
fn type_lines(session: &mut Session, data: &[u8]) {
    let mut input = data;
    for _ in 0..MAX_LINES {
        let Ok(Some(line)) = crate::lab_cli::read_line_lossy(&mut input) else {
            break;
        };
        match session.input(&line) {
            Reply::Exit => break,
            Reply::Output { text, .. } => assert!(text.len() <= MAX_REPLY_BYTES, "a reply of {} bytes", text.len()),
            Reply::Edit { .. } => {}
        }
        within_limits(session.sim());
    }
}

fn reply(session: &mut Session, line: &str) {
    if let Reply::Output { text, .. } = session.input(line) {
        assert!(text.len() <= MAX_REPLY_BYTES, "a reply of {} bytes", text.len());
    }
}

/// What no input may take the model past.
fn within_limits(sim: &Sim) {
    let c = sim.cluster();
    assert!(c.node_count() <= MAX_NODES, "{} nodes", c.node_count());
    // Replacements and static pods may briefly stand beside the pods they replace.
    assert!(c.pod_count() <= MAX_PODS + MAX_NODES, "{} pods", c.pod_count());
}
