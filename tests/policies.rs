//! Upgrade policies: the example policies in `policies/` against `policy check`, the
//! counterexamples it writes replayed by `kubedrill run`, the policy file's errors, and a
//! policy written in Rust held to the same properties.
//!
//! Clusters are kept small here (`max_nodes` 12) so the debug build checks a few hundred
//! cases in seconds; the bench (`kubedrill bench --workload policy`) measures 10–50-node cases.

use kubedrill::policy::check::{RunOptions, run_checked};
use kubedrill::policy::controller::FilePolicy;
use kubedrill::policy::drive::{Drive, Halt, View};
use kubedrill::policy::faults::Schedule;
use kubedrill::policy::search::{SearchOptions, search};
use kubedrill::policy::{Bounds, Outcome, Policy, file};
use kubedrill_sim::Seed;
use kubedrill_sim::scenario::generate::{self, Case, FaultKind, FaultSpec, Pool, WorkloadKind, WorkloadSpec};
use kubedrill_sim::time::SimDuration;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");

fn policy_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("policies")
        .join(format!("{name}.yaml"))
}

fn load(name: &str) -> file::PolicyFile {
    file::load(&policy_path(name)).unwrap_or_else(|e| panic!("{e}"))
}

fn options(cases: u32) -> SearchOptions {
    SearchOptions {
        cases,
        seed: 1,
        generate: generate::Limits {
            max_nodes: 12,
            ..generate::Limits::default()
        },
        shrink_time: Duration::from_secs(9),
        ..SearchOptions::default()
    }
}

fn check(name: &str, cases: u32) -> kubedrill::policy::search::Summary {
    check_on(name, cases, 1)
}

fn check_on(name: &str, cases: u32, jobs: usize) -> kubedrill::policy::search::Summary {
    let p = load(name);
    let make = move || -> Box<dyn Policy> { Box::new(FilePolicy::new(p.clone())) };
    search(&make, &SearchOptions { jobs, ..options(cases) })
}

/// A fresh directory for files a test writes, removed when it ends.
struct Dir(PathBuf);

impl Dir {
    fn new(test: &str) -> Self {
        let root = std::env::temp_dir().join(format!("kubedrill-policy-tests-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("temp dir");
        Self(root)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn kubedrill(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run kubedrill");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `kubedrill policy run` of an example policy on a corpus scenario (its path under
/// `scenarios/`), in a fresh directory named for the test: the transcript, the run having
/// exited 0.
fn policy_run(test: &str, policy: &str, scenario: &str) -> String {
    let dir = Dir::new(test);
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(scenario);
    let policy = policy_path(policy);
    let (code, stdout, stderr) = kubedrill(
        &[
            "policy",
            "run",
            policy.to_str().unwrap(),
            "--scenario",
            scenario.to_str().unwrap(),
        ],
        &dir.0,
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    stdout
}

// ---- the example policies ----------------------------------------------------------------

#[test]
fn good_policies_pass_a_few_hundred_cases() {
    // Goal: the three good examples keep every property. Method: 300 generated cases each
    // (clusters of up to 12 nodes, faults included).
    for name in ["inplace-one-at-a-time", "surge-1-0", "blue-green"] {
        let s = check(name, 300);
        assert_eq!(s.cases, 300, "{name}");
        if let Some(f) = s.found {
            panic!(
                "{name} failed {} on case {}: {}\n{:?}",
                f.failure.property, f.index, f.failure.detail, f.case
            );
        }
    }
}

#[test]
fn replacing_control_planes_holds_from_kubeadm_1_33_either_way_round() {
    // Goal: the Replace roll keeps every property on clusters whose target kubeadm points a
    // joining control plane's kubelet at its own API server, adding first or removing first.
    // Method: 200 cases from v1.32 (targets v1.33 to v1.36) for the example and for its
    // maxSurge 0 variant, which aborts on fewer than three control planes; and from v1.30 with
    // kubeletLocalMode (the gate passed from v1.31, as Cluster API does).
    let p = load("replace-control-planes");
    let mut remove_first = p.clone();
    remove_first.spec.control_planes.max_surge = Some(0);
    // As Cluster API joins them: the feature gate on from v1.31, so from v1.30 on.
    let mut capi = p.clone();
    capi.spec.control_planes.kubelet_local_mode = true;
    for (policy, oldest) in [(p, 32), (remove_first, 32), (capi, 30)] {
        let make = move || -> Box<dyn Policy> { Box::new(FilePolicy::new(policy.clone())) };
        let mut opts = options(200);
        opts.generate.oldest_minor = oldest;
        let s = search(&make, &opts);
        assert_eq!(s.cases, 200);
        if let Some(f) = s.found {
            panic!(
                "failed {} on case {}: {}\n{:?}",
                f.failure.property, f.index, f.failure.detail, f.case
            );
        }
    }
}

#[test]
fn a_replace_roll_types_join_drain_member_remove_and_delete() {
    // Goal: the transcript of a Replace roll on three control planes shows each step of
    // KubeadmControlPlane's roll where it runs. Method: `policy run` on scenario upgrade/16
    // (v1.32.9, three control planes).
    let stdout = policy_run(
        "replace-run",
        "replace-control-planes",
        "upgrade/16-replace-control-planes-local-kubelet.yaml",
    );
    let order = [
        "# fault: node-add control-plane-r01 v1.33.5 control-plane",
        "# policy: commands that went to cp1 go to control-plane-r01 from now on",
        "control-plane-r01 $ kubectl drain cp1 --ignore-daemonsets",
        "control-plane-r01 $ ETCDCTL_API=3 etcdctl member list --endpoints=https://127.0.0.1:2379",
        "control-plane-r01 $ ETCDCTL_API=3 etcdctl member remove 264d7b068180479b --endpoints",
        "control-plane-r01 $ kubectl delete node cp1",
        "# fault: node-add control-plane-r02 v1.33.5 control-plane",
        "control-plane-r02 $ ETCDCTL_API=3 etcdctl member remove 8a66596f4047707 --endpoints",
        "control-plane-r01 $ kubectl delete node cp2",
        "control-plane-r03 $ ETCDCTL_API=3 etcdctl member remove 4e91a942ff55e2ca --endpoints",
        "control-plane-r01 $ kubectl delete node cp3",
        "# policy: Done",
        "# every property held",
    ];
    let mut at = 0;
    for line in order {
        let found = stdout[at..]
            .find(line)
            .unwrap_or_else(|| panic!("{line:?} after byte {at}:\n{stdout}"));
        at += found + line.len();
    }
    assert!(!stdout.contains("# violation"), "{stdout}");
}

/// What each bad example is caught for, and the most nodes (control planes, workers) the
/// failure needs: the shrunk case must have no more.
const BAD: &[(&str, &str, u8, u32)] = &[
    ("workers-first", "upgrade_order", 1, 1),
    ("disable-eviction-on-timeout", "pdb_respected", 1, 1),
    ("drain-forever", "terminates", 1, 1),
    // 50% of a pool is two nodes only from four nodes up.
    ("half-the-pool", "no_full_outage", 1, 4),
    // Below kubeadm v1.33 a joining control plane's kubelet reaches the old API servers.
    ("replace-control-planes", "version_skew", 1, 1),
];

#[test]
fn bad_policies_are_caught_and_shrink_to_what_they_need() {
    for (name, property, cps, workers) in BAD {
        let s = check(name, 300);
        let Some(f) = s.found else {
            panic!("{name}: no failure in 300 cases");
        };
        assert_eq!(f.failure.property, *property, "{name}: {}", f.failure.detail);
        assert_eq!(f.case.control_planes, *cps, "{name}: {:?}", f.case);
        assert!(f.case.workers() <= *workers, "{name}: {:?}", f.case);
        assert!(f.case.faults.is_empty(), "{name}: {:?}", f.case);
        assert!(f.case.workloads.len() <= 1, "{name}: {:?}", f.case);
        assert!(
            f.shrink_elapsed < Duration::from_secs(10),
            "{name}: {:?}",
            f.shrink_elapsed
        );
        assert_eq!(f.shrink_stopped, None, "{name}: the shrink reached a fixed point");
    }
}

#[test]
fn a_written_counterexample_replays_with_the_same_violation() {
    // Goal: `policy check` writes a scenario that `kubedrill run` replays to the same
    // violation. Method: check every bad example policy through the binary (two break a
    // simulator invariant, two a policy property), then run each file: exit 0 (every
    // expectation of the witness holds, `expectViolations` matched) and, for an invariant, the
    // violation line.
    let dir = Dir::new("replay");
    for (name, property, shows) in [
        (
            "disable-eviction-on-timeout",
            "pdb_respected",
            "# violation: pdb_respected",
        ),
        ("workers-first", "upgrade_order", "# violation: upgrade_order"),
        ("half-the-pool", "no_full_outage", "# expect: ok"),
        ("drain-forever", "terminates", "# expect: ok"),
        (
            "replace-control-planes",
            "version_skew",
            "# violation: version_skew at step 1",
        ),
    ] {
        let policy = policy_path(name);
        let (code, stdout, stderr) = kubedrill(
            &[
                "policy",
                "check",
                policy.to_str().unwrap(),
                "--cases",
                "300",
                "--max-nodes",
                "12",
                "--out",
                "out",
            ],
            &dir.0,
        );
        assert_eq!(code, 1, "{stdout}{stderr}");
        let file = format!("out/{name}-counterexample.yaml");
        assert!(
            stdout.contains(&format!("property {property} failed on case")),
            "{stdout}"
        );
        assert!(stdout.contains("(seed 1)"), "{stdout}");
        assert!(stdout.contains(&format!("replay: kubedrill run {file}")), "{stdout}");
        assert!(stdout.contains(" cases/s"), "{stdout}");
        let text = std::fs::read_to_string(dir.0.join(&file)).expect("counterexample written");
        assert!(text.contains(&format!("# property: {property}")), "{text}");
        let (code, stdout, stderr) = kubedrill(&["run", &file], &dir.0);
        assert_eq!(code, 0, "{stdout}{stderr}");
        assert!(stdout.contains(shows), "{stdout}");
        assert!(!stdout.contains("FAILED"), "{stdout}");
    }
}

#[test]
fn a_check_is_reproducible_from_its_seed() {
    // Same seed, same cases: the same failure on the same case, shrunk to the same case, on
    // one thread or two (the lowest failing case wins whatever the threads' timing).
    let a = check("half-the-pool", 300).found.expect("found");
    let b = check_on("half-the-pool", 300, 2).found.expect("found");
    assert_eq!(
        (a.index, &a.case, &a.failure.detail),
        (b.index, &b.case, &b.failure.detail)
    );
}

// ---- the command line ----------------------------------------------------------------

#[test]
fn check_summary_and_exit_codes() {
    let dir = Dir::new("cli");
    let good = policy_path("inplace-one-at-a-time");
    let (code, stdout, stderr) = kubedrill(
        &[
            "policy",
            "check",
            good.to_str().unwrap(),
            "--cases",
            "20",
            "--max-nodes",
            "8",
        ],
        &dir.0,
    );
    assert_eq!(code, 0, "{stderr}");
    let line = stdout.trim_end();
    assert!(!line.contains('\n'), "one line: {stdout}");
    assert!(
        line.starts_with("policy inplace-one-at-a-time: 20 cases passed, "),
        "{line}"
    );
    assert!(line.ends_with(" cases/s"), "{line}");
    // A bad file: exit 2 with its position.
    let bad = dir.0.join("bad.yaml");
    std::fs::write(&bad, "apiVersion: kubedrill/v1\nkind: UpgradePolicy\nmetadata: {name: b}\nspec:\n  target: {version: next-minor}\n  drain: {onTimeout: retry}\n").unwrap();
    let (code, _, stderr) = kubedrill(&["policy", "check", "bad.yaml"], &dir.0);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("bad.yaml:6:22: spec.drain.onTimeout: unknown variant `retry`"),
        "{stderr}"
    );
    // Bad flags and a missing file: exit 2.
    let (code, _, _) = kubedrill(&["policy", "check", good.to_str().unwrap(), "--cases", "0"], &dir.0);
    assert_eq!(code, 2);
    for from in ["v1.23", "v1.36", "1.x", "v2.30"] {
        let (code, _, stderr) = kubedrill(&["policy", "check", good.to_str().unwrap(), "--from", from], &dir.0);
        assert_eq!(code, 2, "{from}");
        assert!(
            stderr.contains(&format!(
                "{from:?}: expected a Kubernetes minor from v1.24 to v1.35, such as v1.32"
            )),
            "{stderr}"
        );
    }
    let (code, stdout, stderr) = kubedrill(
        &[
            "policy",
            "check",
            good.to_str().unwrap(),
            "--cases",
            "5",
            "--max-nodes",
            "8",
            "--from",
            "1.35",
        ],
        &dir.0,
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (code, _, stderr) = kubedrill(&["policy", "check", "nope.yaml"], &dir.0);
    assert_eq!((code, stderr.trim()), (2, "nope.yaml: No such file or directory"));
}

#[test]
fn policy_run_prints_what_it_typed_where() {
    // Goal: the transcript shows the kubeadm procedure host by host. Method: the in-place
    // policy on the HA corpus scenario; the commands appear in the documented order.
    let stdout = policy_run(
        "run",
        "inplace-one-at-a-time",
        "upgrade/06-ha-control-plane-one-at-a-time.yaml",
    );
    let commands: Vec<&str> = stdout.lines().filter(|l| l.contains(" $ ")).collect();
    let expected = [
        "cp1 $ sed -i 's/v1.30/v1.31/' /etc/apt/sources.list.d/kubernetes.list && apt-get update && apt-mark unhold kubeadm && apt-get install -y kubeadm=1.31.13-1.1 && apt-mark hold kubeadm",
        "cp1 $ kubeadm upgrade apply v1.31.13 -y",
        "cp2 $ sed -i 's/v1.30/v1.31/' /etc/apt/sources.list.d/kubernetes.list && apt-get update && apt-mark unhold kubeadm && apt-get install -y kubeadm=1.31.13-1.1 && apt-mark hold kubeadm",
        "cp2 $ kubeadm upgrade node",
    ];
    assert_eq!(&commands[..4], &expected, "{stdout}");
    assert!(
        commands.contains(&"cp1 $ kubectl drain node02 --ignore-daemonsets --delete-emptydir-data --timeout=10m0s")
    );
    assert!(
        stdout.contains("SUCCESS! Your cluster was upgraded to \"v1.31.13\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("# policy inplace-one-at-a-time ended Done after "),
        "{stdout}"
    );
    assert!(stdout.trim_end().ends_with("# every property held"), "{stdout}");
}

// ---- a policy written in Rust ----------------------------------------------------------

/// Cordons every worker at once and uncordons them: a policy that claims one node at a time.
struct CordonAll;

impl Policy for CordonAll {
    fn name(&self) -> &str {
        "cordon-all"
    }

    fn bounds(&self, view: &View<'_>) -> Bounds {
        let mut pools = BTreeMap::new();
        for n in view.nodes().filter(|n| !n.control_plane) {
            pools.insert(n.pool().unwrap_or_default().to_string(), 1);
        }
        one_at_a_time(pools)
    }

    fn run(&mut self, ctx: &mut Drive<'_>) -> Result<Outcome, Halt> {
        let admin = ctx.view().admin_host().to_string();
        let workers: Vec<String> = ctx
            .view()
            .nodes()
            .filter(|n| !n.control_plane)
            .map(|n| n.name.to_string())
            .collect();
        ctx.run(&admin, &format!("kubectl cordon {}", workers.join(" ")))?;
        ctx.wait(SimDuration::from_secs(60))?;
        ctx.run(&admin, &format!("kubectl uncordon {}", workers.join(" ")))?;
        Ok(Outcome::Done)
    }
}

/// A test policy's bounds: one control plane out at a time, `pools`' own limits, no surge,
/// an hour.
fn one_at_a_time(pools: BTreeMap<String, u32>) -> Bounds {
    Bounds {
        control_planes_unavailable: 1,
        pool_unavailable: pools,
        extra_nodes: 0,
        time: SimDuration::from_secs(3600),
    }
}

/// One case run and checked with the default options.
fn check_case(policy: &mut dyn Policy, case: &Case) -> kubedrill::policy::check::Checked {
    run_checked(
        policy,
        &case.scenario(),
        Seed(case.seed),
        Schedule::from_case(case),
        &RunOptions::default(),
    )
    .expect("case builds")
}

/// Deletes two of three control planes' Nodes at once (as a remove-first roll gone wrong).
struct DeletesTwoControlPlanes;

impl Policy for DeletesTwoControlPlanes {
    fn name(&self) -> &str {
        "deletes-two-control-planes"
    }

    fn bounds(&self, _: &View<'_>) -> Bounds {
        one_at_a_time(BTreeMap::new())
    }

    fn run(&mut self, ctx: &mut Drive<'_>) -> Result<Outcome, Halt> {
        ctx.run("cp1", "kubectl delete node cp2 cp3")?;
        Ok(Outcome::Done)
    }
}

/// Waits for a node that never comes.
struct WaitsForever;

impl Policy for WaitsForever {
    fn name(&self) -> &str {
        "waits-forever"
    }

    fn bounds(&self, _: &View<'_>) -> Bounds {
        one_at_a_time(BTreeMap::new())
    }

    fn run(&mut self, ctx: &mut Drive<'_>) -> Result<Outcome, Halt> {
        ctx.wait_until("node ghost Ready", None, |v| v.node("ghost").is_some_and(|n| n.ready))?;
        Ok(Outcome::Done)
    }
}

fn two_workers() -> Case {
    let web = WorkloadSpec {
        kind: WorkloadKind::Deployment,
        replicas: 2,
        pdb: generate::PdbShape::None,
        cpu_milli: 100,
        stop_seconds: 1,
        start_seconds: 2,
        empty_dir: false,
    };
    Case {
        seed: 3,
        from_minor: 30,
        control_planes: 1,
        pools: vec![Pool { nodes: 2, cpus: 4 }],
        workloads: vec![web],
        faults: Vec::new(),
    }
}

#[test]
fn rust_policies_are_held_to_the_same_properties() {
    let case = two_workers();
    let run = |p: &mut dyn Policy| check_case(p, &case);
    let c = run(&mut CordonAll);
    let f = c.failure.expect("caught");
    assert_eq!(f.property, "max_unavailable");
    assert_eq!(
        f.detail,
        "2 of the 2 nodes of pool a out of service at once (maxUnavailable resolves to 1)"
    );
    assert_eq!(
        f.expect.node_status.get("a01").map(String::as_str),
        Some("Ready,SchedulingDisabled"),
        "{:?}",
        f.expect
    );
    let c = run(&mut WaitsForever);
    assert_eq!(
        c.outcome,
        Err(Halt::Stuck(
            "node ghost Ready, and nothing pending can change that".into()
        ))
    );
    assert_eq!(c.failure.expect("caught").property, "terminates");
    // A control plane deleted and not replaced counts as out of service.
    let three = Case {
        control_planes: 3,
        ..case.clone()
    };
    let c = check_case(&mut DeletesTwoControlPlanes, &three);
    let f = c.failure.expect("caught");
    assert_eq!(f.property, "max_unavailable");
    assert!(
        f.detail.starts_with("2 of 3 control planes out of service at once"),
        "{}",
        f.detail
    );
}

#[test]
fn a_replace_roll_rides_out_a_crashed_member_and_a_cloud_without_capacity() {
    // Goal: removing first (maxSurge 0) on three control planes, the roll finishes when an
    // old control plane's etcd member is down for ten minutes (it waits for etcd healthy
    // before a member goes, and runs etcdctl on a control plane it joined) and when the cloud
    // has no machine for nine minutes (the join is asked again until nodeReadyTimeout).
    // Method: run_checked on a v1.32 case with each fault.
    let mut policy = load("replace-control-planes");
    policy.spec.control_planes.max_surge = Some(0);
    let base = Case {
        seed: 7,
        from_minor: 32,
        control_planes: 3,
        pools: vec![Pool { nodes: 1, cpus: 4 }],
        workloads: Vec::new(),
        faults: Vec::new(),
    };
    for fault in [
        FaultSpec {
            at_s: 122,
            kind: FaultKind::EtcdMemberCrash { down_s: 600 },
            target: 1,
        },
        FaultSpec {
            at_s: 0,
            kind: FaultKind::NoCapacity { for_s: 540 },
            target: 0,
        },
    ] {
        let case = Case {
            faults: vec![fault],
            ..base.clone()
        };
        let c = check_case(&mut FilePolicy::new(policy.clone()), &case);
        assert_eq!(c.outcome, Ok(Outcome::Done), "{fault:?}");
        assert_eq!(c.failure, None, "{fault:?}");
        // Both faults hold the roll up: the run outlasts them.
        assert!(c.elapsed > SimDuration::from_secs(540), "{fault:?}: {}", c.elapsed);
    }
}
