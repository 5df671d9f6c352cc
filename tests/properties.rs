//! Properties of the simulator over generated maintenance scenarios.
//!
//! The strategy generates a whole scenario *file* (YAML text, seed pinned), so a failing case
//! shrinks to something a person can read and replay: on failure the minimal YAML is written to
//! `target/kubedrill/failures/proptest-<property>.yaml` and `kubedrill replay <that file>`
//! reproduces it. Generated scenarios are valid by construction (property 6 checks that).
//!
//! Per-step state is observed through prefix runs: the scenario cut after step k, run with the
//! same seed, ends in exactly the state the full run had after step k (determinism, property 1),
//! and an `expect: {exit: 0}` on its last step reports that step's exit status without
//! changing the run.
//!
//! `PROPTEST_CASES` sets the number of cases (default 256).

use kubedrill::scenario_file::load_str;
use kubedrill_sim::cluster::Cluster;
use kubedrill_sim::model::{Owner, WorkloadId, WorkloadKind};
use kubedrill_sim::runner::{self, Report};
use kubedrill_sim::scenario::{Expect, Scenario};
use kubedrill_sim::time::SimDuration;
use kubedrill_sim::{Seed, trace};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;

// ---- the generated scenario ------------------------------------------------------------

/// DefaultTolerationSeconds for `node.kubernetes.io/unreachable:NoExecute` (semantics §5.4).
const DEFAULT_TOLERATION: SimDuration = SimDuration::from_secs(300);

const VERSIONS: &[&str] = &["v1.13.5", "v1.20.15", "v1.25.16", "v1.29.4", "v1.31.2", "v1.33.1"];

#[derive(Clone, Debug)]
struct NodeGen {
    /// Carries `disk: ssd`, which some workloads select.
    ssd: bool,
    cpu: Option<&'static str>,
}

#[derive(Clone, Debug)]
enum KindGen {
    Deployment {
        replicas: u8,
    },
    StatefulSet {
        replicas: u8,
    },
    DaemonSet,
    Job {
        completions: u8,
        run_s: Option<u16>,
    },
    /// A bare pod, pinned with `nodeName` to node `index % nodes` when set.
    Pod {
        node_name: Option<u8>,
    },
}

#[derive(Clone, Debug)]
struct WorkloadGen {
    kind: KindGen,
    /// Second label, shared between workloads so a budget can select several.
    tier_a: bool,
    empty_dir: bool,
    cpu: Option<&'static str>,
    start_s: Option<u8>,
    stop_s: Option<u8>,
    grace_s: Option<u8>,
    ssd_only: bool,
}

#[derive(Clone, Debug)]
enum Budget {
    MinInt(u8),
    MinPercent(u8),
    MaxInt(u8),
    MaxPercent(u8),
}

#[derive(Clone, Debug)]
struct PdbGen {
    /// `app: w<index % workloads>`, or `tier: a|b` when None.
    app: Option<u8>,
    tier_a: bool,
    budget: Budget,
}

#[derive(Clone, Debug)]
struct DrainGen {
    node: u8,
    ignore_daemonsets: bool,
    delete_emptydir_data: bool,
    force: bool,
    timeout_s: Option<u8>,
    grace_period: Option<u8>,
    disable_eviction: bool,
}

#[derive(Clone, Debug)]
enum StepGen {
    Drain(DrainGen),
    Cordon(u8),
    Uncordon(u8),
    Wait(&'static str),
    Fault(&'static str, u8),
}

#[derive(Clone, Debug)]
struct ScenarioGen {
    version: &'static str,
    seed: u64,
    short_age: bool,
    workers: Vec<NodeGen>,
    workloads: Vec<WorkloadGen>,
    pdbs: Vec<PdbGen>,
    steps: Vec<StepGen>,
}

/// A generated scenario: the file text is what matters; Debug prints it as it is.
#[derive(Clone)]
struct Case {
    yaml: String,
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\n{}", self.yaml)
    }
}

fn node_gen() -> impl Strategy<Value = NodeGen> {
    (any::<bool>(), prop::option::of(prop::sample::select(vec!["1", "2"]))).prop_map(|(ssd, cpu)| NodeGen { ssd, cpu })
}

fn kind_gen() -> impl Strategy<Value = KindGen> {
    prop_oneof![
        3 => (1u8..=6).prop_map(|replicas| KindGen::Deployment { replicas }),
        2 => (1u8..=3).prop_map(|replicas| KindGen::StatefulSet { replicas }),
        1 => Just(KindGen::DaemonSet),
        1 => (1u8..=2, prop::option::of(prop::sample::select(vec![30u16, 900])))
            .prop_map(|(completions, run_s)| KindGen::Job { completions, run_s }),
        2 => prop::option::of(0u8..6).prop_map(|node_name| KindGen::Pod { node_name }),
    ]
}

fn workload_gen() -> impl Strategy<Value = WorkloadGen> {
    (
        kind_gen(),
        any::<bool>(),
        prop::bool::weighted(0.25),
        prop::option::of(prop::sample::select(vec!["100m", "500m", "1"])),
        prop::option::of(0u8..=10),
        prop::option::of(0u8..=20),
        prop::option::of(prop::sample::select(vec![0u8, 5, 30])),
        prop::bool::weighted(0.15),
    )
        .prop_map(
            |(kind, tier_a, empty_dir, cpu, start_s, stop_s, grace_s, ssd_only)| WorkloadGen {
                kind,
                tier_a,
                empty_dir,
                cpu,
                start_s,
                stop_s,
                grace_s,
                ssd_only,
            },
        )
}

fn pdb_gen() -> impl Strategy<Value = PdbGen> {
    let budget = prop_oneof![
        (0u8..=4).prop_map(Budget::MinInt),
        prop::sample::select(vec![0u8, 25, 50, 100]).prop_map(Budget::MinPercent),
        (0u8..=2).prop_map(Budget::MaxInt),
        prop::sample::select(vec![0u8, 25, 50, 100]).prop_map(Budget::MaxPercent),
    ];
    (prop::option::of(0u8..4), any::<bool>(), budget).prop_map(|(app, tier_a, budget)| PdbGen { app, tier_a, budget })
}

fn step_gen() -> impl Strategy<Value = StepGen> {
    let drain = (
        0u8..6,
        prop::bool::weighted(0.85),
        prop::bool::weighted(0.5),
        prop::bool::weighted(0.4),
        prop::option::of(prop::sample::select(vec![10u8, 30, 90])),
        prop::option::of(prop::sample::select(vec![0u8, 5, 30])),
        prop::bool::weighted(0.15),
    )
        .prop_map(
            |(node, ignore_daemonsets, delete_emptydir_data, force, timeout_s, grace_period, disable_eviction)| {
                StepGen::Drain(DrainGen {
                    node,
                    ignore_daemonsets,
                    delete_emptydir_data,
                    force,
                    timeout_s,
                    grace_period,
                    disable_eviction,
                })
            },
        );
    prop_oneof![
        5 => drain,
        1 => (0u8..6).prop_map(StepGen::Cordon),
        2 => (0u8..6).prop_map(StepGen::Uncordon),
        3 => prop::sample::select(vec!["5s", "30s", "90s", "6m"]).prop_map(StepGen::Wait),
        3 => (
            prop::sample::select(vec!["node-crash", "node-recover", "node-reboot"]),
            0u8..6
        )
            .prop_map(|(verb, node)| StepGen::Fault(verb, node)),
    ]
}

fn scenario_gen() -> impl Strategy<Value = ScenarioGen> {
    (
        prop::sample::select(VERSIONS.to_vec()),
        0u64..1000,
        prop::bool::weighted(0.3),
        prop::collection::vec(node_gen(), 1..=5),
        prop::collection::vec(workload_gen(), 0..=4),
        prop::collection::vec(pdb_gen(), 0..=2),
        prop::collection::vec(step_gen(), 1..=6),
    )
        .prop_map(
            |(version, seed, short_age, workers, workloads, pdbs, steps)| ScenarioGen {
                version,
                seed,
                short_age,
                workers,
                workloads,
                pdbs,
                steps,
            },
        )
}

fn scenarios() -> impl Strategy<Value = Case> {
    scenario_gen().prop_map(|g| Case { yaml: render(&g) })
}

// ---- rendering as a scenario file -------------------------------------------------------

fn node_name(g: &ScenarioGen, index: u8) -> String {
    match index as usize % (g.workers.len() + 1) {
        0 => "controlplane".to_string(),
        i => format!("node{i:02}"),
    }
}

fn workload_name(w: &WorkloadGen, i: usize) -> String {
    let prefix = match w.kind {
        KindGen::Deployment { .. } => "deploy",
        KindGen::StatefulSet { .. } => "sts",
        KindGen::DaemonSet => "ds",
        KindGen::Job { .. } => "job",
        KindGen::Pod { .. } => "pod",
    };
    format!("{prefix}-{i}")
}

/// The pod template's `metadata` and `spec`, indented by `pad`.
fn pod_template(out: &mut String, g: &ScenarioGen, w: &WorkloadGen, i: usize, pad: &str, with_meta: bool) {
    let tier = if w.tier_a { "a" } else { "b" };
    let mut annotations = Vec::new();
    if let Some(s) = w.start_s {
        annotations.push(format!("kubedrill.io/start-seconds: \"{s}\""));
    }
    if let Some(s) = w.stop_s {
        annotations.push(format!("kubedrill.io/stop-seconds: \"{s}\""));
    }
    if let KindGen::Job { run_s: Some(s), .. } = w.kind {
        annotations.push(format!("kubedrill.io/run-seconds: \"{s}\""));
    }
    if with_meta {
        let _ = writeln!(out, "{pad}metadata:");
        let _ = writeln!(out, "{pad}  labels: {{app: w{i}, tier: {tier}}}");
        if !annotations.is_empty() {
            let _ = writeln!(out, "{pad}  annotations: {{{}}}", annotations.join(", "));
        }
    }
    let _ = writeln!(out, "{pad}spec:");
    if let KindGen::Job { .. } = w.kind {
        let _ = writeln!(out, "{pad}  restartPolicy: Never");
    }
    if let KindGen::Pod { node_name: Some(n), .. } = w.kind {
        let _ = writeln!(out, "{pad}  nodeName: {}", node_name(g, n));
    }
    if let Some(s) = w.grace_s {
        let _ = writeln!(out, "{pad}  terminationGracePeriodSeconds: {s}");
    }
    if w.ssd_only {
        let _ = writeln!(out, "{pad}  nodeSelector: {{disk: ssd}}");
    }
    let _ = writeln!(out, "{pad}  containers:");
    let _ = writeln!(out, "{pad}    - name: app");
    let _ = writeln!(out, "{pad}      image: registry.k8s.io/pause:3.9");
    if let Some(cpu) = w.cpu {
        let _ = writeln!(out, "{pad}      resources: {{requests: {{cpu: \"{cpu}\"}}}}");
    }
    if w.empty_dir {
        let _ = writeln!(out, "{pad}      volumeMounts: [{{name: scratch, mountPath: /scratch}}]");
        let _ = writeln!(out, "{pad}  volumes: [{{name: scratch, emptyDir: {{}}}}]");
    }
}

fn render(g: &ScenarioGen) -> String {
    let minor: u32 = g.version.split('.').nth(1).and_then(|m| m.parse().ok()).unwrap_or(0);
    let mut s = String::new();
    s.push_str("apiVersion: kubedrill/v1\nkind: Scenario\n");
    s.push_str("metadata:\n  name: proptest-case\n");
    let _ = writeln!(s, "seed: {}", g.seed);
    s.push_str("cluster:\n");
    let _ = writeln!(s, "  kubernetesVersion: {}", g.version);
    if g.short_age {
        s.push_str("  age: 5m\n");
    }
    s.push_str("  nodes:\n    - name: controlplane\n      role: control-plane\n");
    for (i, n) in g.workers.iter().enumerate() {
        let _ = writeln!(s, "    - name: node{:02}\n      role: worker", i + 1);
        if let Some(cpu) = n.cpu {
            let _ = writeln!(s, "      cpu: \"{cpu}\"");
        }
        if n.ssd {
            s.push_str("      labels: {disk: ssd}\n");
        }
    }
    if !g.workloads.is_empty() || !g.pdbs.is_empty() {
        s.push_str("workloads:\n");
    }
    for (i, w) in g.workloads.iter().enumerate() {
        let name = workload_name(w, i);
        let tier = if w.tier_a { "a" } else { "b" };
        let (api, kind) = match w.kind {
            KindGen::Deployment { .. } => ("apps/v1", "Deployment"),
            KindGen::StatefulSet { .. } => ("apps/v1", "StatefulSet"),
            KindGen::DaemonSet => ("apps/v1", "DaemonSet"),
            KindGen::Job { .. } => ("batch/v1", "Job"),
            KindGen::Pod { .. } => ("v1", "Pod"),
        };
        let _ = writeln!(s, "  - apiVersion: {api}\n    kind: {kind}");
        if let KindGen::Pod { .. } = w.kind {
            let _ = writeln!(s, "    metadata:\n      name: {name}\n      namespace: default");
            let _ = writeln!(s, "      labels: {{app: w{i}, tier: {tier}}}");
            let mut annotations = Vec::new();
            if let Some(v) = w.start_s {
                annotations.push(format!("kubedrill.io/start-seconds: \"{v}\""));
            }
            if let Some(v) = w.stop_s {
                annotations.push(format!("kubedrill.io/stop-seconds: \"{v}\""));
            }
            if !annotations.is_empty() {
                let _ = writeln!(s, "      annotations: {{{}}}", annotations.join(", "));
            }
            pod_template(&mut s, g, w, i, "    ", false);
            continue;
        }
        let _ = writeln!(s, "    metadata: {{name: {name}, namespace: default}}");
        s.push_str("    spec:\n");
        match w.kind {
            KindGen::Deployment { replicas } | KindGen::StatefulSet { replicas } => {
                let _ = writeln!(s, "      replicas: {replicas}");
            }
            KindGen::Job { completions, .. } => {
                let _ = writeln!(s, "      completions: {completions}\n      parallelism: 1");
            }
            _ => {}
        }
        if !matches!(w.kind, KindGen::Job { .. }) {
            let _ = writeln!(s, "      selector: {{matchLabels: {{app: w{i}}}}}");
        }
        s.push_str("      template:\n");
        pod_template(&mut s, g, w, i, "        ", true);
    }
    // Budgets are policy/v1 from 1.21; older clusters serve only policy/v1beta1.
    let policy = if minor >= 21 { "policy/v1" } else { "policy/v1beta1" };
    for (i, p) in g.pdbs.iter().enumerate() {
        let _ = writeln!(
            s,
            "  - apiVersion: {policy}\n    kind: PodDisruptionBudget\n    metadata: {{name: pdb-{i}, namespace: default}}\n    spec:"
        );
        let _ = match p.budget {
            Budget::MinInt(n) => writeln!(s, "      minAvailable: {n}"),
            Budget::MinPercent(n) => writeln!(s, "      minAvailable: \"{n}%\""),
            Budget::MaxInt(n) => writeln!(s, "      maxUnavailable: {n}"),
            Budget::MaxPercent(n) => writeln!(s, "      maxUnavailable: \"{n}%\""),
        };
        let _ = match p.app {
            Some(a) => {
                let n = g.workloads.len().max(1);
                writeln!(s, "      selector: {{matchLabels: {{app: w{}}}}}", a as usize % n)
            }
            None => writeln!(
                s,
                "      selector: {{matchLabels: {{tier: {}}}}}",
                if p.tier_a { "a" } else { "b" }
            ),
        };
    }
    s.push_str("steps:\n");
    for step in &g.steps {
        match step {
            StepGen::Drain(d) => {
                let mut line = format!("kubectl drain {}", node_name(g, d.node));
                if d.ignore_daemonsets {
                    line.push_str(" --ignore-daemonsets");
                }
                if d.delete_emptydir_data {
                    // The flag's name by kubectl version (semantics §1.3).
                    line.push_str(if minor >= 20 {
                        " --delete-emptydir-data"
                    } else {
                        " --delete-local-data"
                    });
                }
                if d.force {
                    line.push_str(" --force");
                }
                if let Some(t) = d.timeout_s {
                    let _ = write!(line, " --timeout={t}s");
                }
                if let Some(gp) = d.grace_period {
                    let _ = write!(line, " --grace-period={gp}");
                }
                // --disable-eviction exists from kubectl 1.18.
                if d.disable_eviction && minor >= 18 {
                    line.push_str(" --disable-eviction");
                }
                let _ = writeln!(s, "  - run: {line}");
            }
            StepGen::Cordon(n) => {
                let _ = writeln!(s, "  - run: kubectl cordon {}", node_name(g, *n));
            }
            StepGen::Uncordon(n) => {
                let _ = writeln!(s, "  - run: kubectl uncordon {}", node_name(g, *n));
            }
            StepGen::Wait(w) => {
                let _ = writeln!(s, "  - wait: {w}");
            }
            StepGen::Fault(verb, n) => {
                let _ = writeln!(s, "  - fault: {verb} {}", node_name(g, *n));
            }
        }
    }
    s
}

// ---- reading the scenario back ----------------------------------------------------------

/// What a step does, read from the scenario (not from the generator): the file is the truth.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Action {
    Drain {
        node: String,
        force: bool,
        disable_eviction: bool,
        dry_run: bool,
    },
    OtherRun,
    Wait,
    Fault,
}

fn actions(sc: &Scenario) -> Vec<Action> {
    sc.steps
        .iter()
        .map(|st| {
            if let Some(line) = &st.run {
                let words: Vec<&str> = line.split_whitespace().collect();
                if words.get(1) == Some(&"drain") {
                    let flags = &words[2..];
                    let node = flags
                        .iter()
                        .find(|w| !w.starts_with('-'))
                        .map(|w| w.to_string())
                        .unwrap_or_default();
                    return Action::Drain {
                        node,
                        force: flags.contains(&"--force"),
                        disable_eviction: flags.contains(&"--disable-eviction"),
                        dry_run: flags.iter().any(|f| f.starts_with("--dry-run")),
                    };
                }
                Action::OtherRun
            } else if st.wait.is_some() {
                Action::Wait
            } else if st.fault.is_some() {
                Action::Fault
            } else {
                Action::OtherRun
            }
        })
        .collect()
}

struct Loaded {
    scenario: Scenario,
    seed: Seed,
}

fn load(case: &Case) -> Result<Loaded, String> {
    let scenario = load_str(&case.yaml, "proptest-case.yaml")
        .map_err(|e| format!("generated scenario does not load (exit 2): {e}"))?;
    let seed = Seed(scenario.seed.ok_or("generated scenario has no seed")?);
    Ok(Loaded { scenario, seed })
}

fn run(l: &Loaded) -> Result<Report, String> {
    runner::run(&l.scenario, l.seed).map_err(|e| format!("ScenarioError (exit 2): {e}"))
}

/// The run cut after every step: `states[k]` ended just after step k (k = 0: before the first
/// step), and `status[k - 1]` is the exit status of step k when it is a `run`.
struct Steps {
    states: Vec<Report>,
    status: Vec<Option<i32>>,
}

fn run_stepwise(l: &Loaded) -> Result<Steps, String> {
    let n = l.scenario.steps.len();
    let mut states = Vec::with_capacity(n + 1);
    let mut status = Vec::with_capacity(n);
    for k in 0..=n {
        let mut sc = l.scenario.clone();
        sc.steps.truncate(k);
        // So that the exit probe is the only failure a prefix run can report.
        sc.expect_violations.clear();
        let probed = k > 0 && sc.steps[k - 1].run.is_some();
        if probed {
            sc.steps[k - 1].expect = Some(Expect {
                exit: Some(0),
                ..Expect::default()
            });
        }
        let report = runner::run(&sc, l.seed).map_err(|e| format!("ScenarioError (exit 2) after {k} steps: {e}"))?;
        if k > 0 {
            status.push(probed.then(|| {
                report
                    .failures
                    .iter()
                    .filter(|f| f.step as usize == k)
                    .find_map(|f| {
                        f.message
                            .strip_prefix("exit status ")
                            .and_then(|r| r.split(' ').next())
                            .and_then(|c| c.parse::<i32>().ok())
                    })
                    .unwrap_or(0)
            }));
        }
        states.push(report);
    }
    Ok(Steps { states, status })
}

// ---- the failure hook -------------------------------------------------------------------

fn failures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/kubedrill/failures")
}

/// Writes the failing scenario where `kubedrill replay` takes it; returns the path.
fn persist(property: &str, case: &Case, message: &str) -> String {
    let dir = failures_dir();
    let path = dir.join(format!("proptest-{property}.yaml"));
    let mut body = format!(
        "# kubedrill proptest failure file (property `{property}`): replay with `kubedrill replay {}`\n",
        path.display()
    );
    for line in message.lines().take(40) {
        let _ = writeln!(body, "# {line}");
    }
    body.push_str(&case.yaml);
    let written = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, body));
    match written {
        Ok(()) => path.display().to_string(),
        Err(e) => format!("(could not write {}: {e})", path.display()),
    }
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-string panic payload)".to_string())
}

/// Runs one property on one case; a failure or a panic writes the case's failure file first.
fn hold(property: &str, case: &Case, check: fn(&Case) -> Result<(), String>) -> Result<(), TestCaseError> {
    let message = match std::panic::catch_unwind(AssertUnwindSafe(|| check(case))) {
        Ok(Ok(())) => return Ok(()),
        Ok(Err(m)) => m,
        Err(p) => format!("panicked: {}", panic_text(p.as_ref())),
    };
    let path = persist(property, case, &message);
    Err(TestCaseError::fail(format!(
        "{message}\nfailing scenario written to {path}\nreplay: kubedrill replay {path}"
    )))
}

fn ensure(ok: bool, message: impl FnOnce() -> String) -> Result<(), String> {
    if ok { Ok(()) } else { Err(message()) }
}

// ---- checks on one state ----------------------------------------------------------------

/// Every ReplicaSet (so every Deployment) has exactly `replicas` pods that are not terminating
/// (scheduled or pending), and every StatefulSet exactly one pod object per ordinal.
fn check_controllers(c: &Cluster, when: &str) -> Result<(), String> {
    let mut rs_pods: BTreeMap<WorkloadId, u32> = BTreeMap::new();
    let mut sts_pods: BTreeMap<(WorkloadId, u32), Vec<String>> = BTreeMap::new();
    for (_, p) in c.pods_ordered() {
        match p.owner {
            Owner::ReplicaSet(w) if !p.is_terminating() => *rs_pods.entry(w).or_default() += 1,
            Owner::StatefulSet(w, ord) => sts_pods.entry((w, ord)).or_default().push(p.name.to_string()),
            _ => {}
        }
    }
    for (id, w) in c.workloads_of(WorkloadKind::ReplicaSet) {
        let got = rs_pods.get(&id).copied().unwrap_or(0);
        ensure(got == w.replicas, || {
            format!(
                "{when}: ReplicaSet {}/{} has {got} pods that are not terminating, expected {}",
                w.namespace, w.name, w.replicas
            )
        })?;
    }
    for (_, d) in c.workloads_of(WorkloadKind::Deployment) {
        let child = d.child.map(|rs| c.workload(rs));
        ensure(child.is_some_and(|rs| rs.replicas == d.replicas), || {
            format!(
                "{when}: Deployment {}/{} has no ReplicaSet at its scale",
                d.namespace, d.name
            )
        })?;
    }
    for (id, w) in c.workloads_of(WorkloadKind::StatefulSet) {
        for ord in 0..w.replicas {
            let pods = sts_pods.remove(&(id, ord)).unwrap_or_default();
            let want = format!("{}-{ord}", w.name);
            ensure(pods.len() == 1 && pods[0] == want, || {
                format!(
                    "{when}: StatefulSet {}/{} ordinal {ord} has pod objects {pods:?}, expected exactly [{want:?}]",
                    w.namespace, w.name
                )
            })?;
        }
    }
    ensure(sts_pods.is_empty(), || {
        format!("{when}: StatefulSet pods beyond the replicas: {sts_pods:?}")
    })
}

/// The incremental budget bookkeeping equals a recount from scratch.
fn check_pdbs(c: &Cluster, when: &str) -> Result<(), String> {
    for id in c.pdb_ids() {
        let pdb = c.pdb(id);
        let status = c.pdb_status(id);
        let (recount, owners) = c.pdb_recount(id);
        let what = format!("{when}: PodDisruptionBudget {}/{}", pdb.namespace, pdb.name);
        ensure(status.current_healthy == recount, || {
            format!(
                "{what}: incremental healthy count {} but a recount gives {recount}",
                status.current_healthy
            )
        })?;
        ensure(owners == pdb.owners.len(), || {
            format!("{what}: {} owners, recount {owners}", pdb.owners.len())
        })?;
        // From scratch, not trusting the budget's member count nor the pods' budget lists.
        let mut members = 0u32;
        let mut healthy = 0u32;
        let mut scale_owners: BTreeMap<WorkloadId, u32> = BTreeMap::new();
        for (_, p) in c.pods_ordered() {
            let selected =
                *p.namespace == *pdb.namespace && pdb.selector.as_ref().is_some_and(|s| s.matches(&p.labels));
            ensure(selected == p.pdbs.contains(&id), || {
                format!(
                    "{what}: pod {} selected={selected} but its budget list is {:?}",
                    p.label, p.pdbs
                )
            })?;
            if !selected {
                continue;
            }
            members += 1;
            healthy += u32::from(p.is_healthy());
            let owner = match p.owner {
                Owner::ReplicaSet(rs) => Some(c.workload(rs).parent.unwrap_or(rs)),
                Owner::StatefulSet(w, _) => Some(w),
                _ => None,
            };
            if let Some(o) = owner {
                *scale_owners.entry(o).or_default() += 1;
            }
        }
        ensure(members == pdb.matching, || {
            format!(
                "{what}: {} matching pods kept, the selector matches {members}",
                pdb.matching
            )
        })?;
        ensure(healthy == pdb.healthy, || {
            format!("{what}: {} healthy kept, {healthy} counted from scratch", pdb.healthy)
        })?;
        ensure(scale_owners == pdb.owners, || {
            format!(
                "{what}: owners {:?} kept, {scale_owners:?} counted from scratch",
                pdb.owners
            )
        })?;
    }
    Ok(())
}

fn config() -> ProptestConfig {
    // Default: 256 cases, or PROPTEST_CASES.
    ProptestConfig::default()
}

// ---- the properties ---------------------------------------------------------------------
//
// Each property is a plain function (so rustfmt and clippy see it whole); `proptest!` below
// feeds it generated cases through `hold`, the failure hook.

/// Property 1: Same file, same seed: the same transcript and the same trace, byte for byte.
/// (Another seed may give other pod names and so another run; nothing is asserted there.)
fn deterministic(case: &Case) -> Result<(), String> {
    let (a, b) = (load(case)?, load(case)?);
    let (ra, rb) = (run(&a)?, run(&b)?);
    ensure(ra.transcript == rb.transcript, || {
        let first = ra
            .transcript
            .iter()
            .zip(&rb.transcript)
            .position(|(x, y)| x != y)
            .unwrap_or(ra.transcript.len().min(rb.transcript.len()));
        format!(
            "transcripts differ at line {first}: {:?} vs {:?}",
            ra.transcript.get(first),
            rb.transcript.get(first)
        )
    })?;
    ensure(ra.sim.trace().len() == rb.sim.trace().len(), || {
        format!(
            "traces have {} and {} records",
            ra.sim.trace().len(),
            rb.sim.trace().len()
        )
    })?;
    ensure(trace::digest(ra.sim.trace()) == trace::digest(rb.sim.trace()), || {
        "trace digests differ".to_string()
    })?;
    ensure(ra.violations == rb.violations, || {
        format!("violations differ: {:?} vs {:?}", ra.violations, rb.violations)
    })
}

/// Property 2: Drains through the Eviction API never take a budget below its minimum: with no
/// `--disable-eviction` and no faults, `pdb_respected` is never violated.
fn evictions_respect_budgets(case: &Case) -> Result<(), String> {
    let l = load(case)?;
    let eviction_only = actions(&l.scenario).iter().all(|a| match a {
        Action::Drain { disable_eviction, .. } => !disable_eviction,
        Action::Fault => false,
        _ => true,
    });
    if !eviction_only {
        return Ok(());
    }
    let r = run(&l)?;
    let broken: Vec<_> = r.violations.iter().filter(|v| v.id == "pdb_respected").collect();
    ensure(broken.is_empty(), || format!("{broken:#?}"))
}

/// Property 3: No pod that does not tolerate `unschedulable` is ever placed on a cordoned node.
fn cordoned_nodes_get_no_new_pods(case: &Case) -> Result<(), String> {
    let r = run(&load(case)?)?;
    let bad: Vec<_> = r
        .violations
        .iter()
        .filter(|v| v.id == "no_new_pods_on_cordoned_nodes")
        .collect();
    ensure(bad.is_empty(), || format!("{bad:#?}"))
}

/// Property 4: No managed pod is lost. `no_pod_lost` fires exactly when a bare pod is deleted by anyone
/// but a user (engine.rs `delete_pod`): by a drain's eviction or delete (which needs `--force`),
/// or by the taint manager once its node's kubelet has been silent for the node-monitor grace
/// period plus the 300 s default toleration. So a `no_pod_lost` at step k names a bare pod that
/// existed before step k and was not terminating, and either step k drained its node with
/// `--force`, or its node was powered off before step k, silent since at least grace + 300 s
/// before the violation, and step k let time pass (a wait or a drain). Conversely a `--force`
/// drain that exits 0 loses every bare pod it found on the node.
/// And after every step at which a controller-manager leads, each ReplicaSet (so each
/// Deployment) has exactly `replicas` pods that are not terminating (scheduled or pending),
/// and each StatefulSet one pod object per ordinal.
fn no_managed_pod_is_lost(case: &Case) -> Result<(), String> {
    let l = load(case)?;
    let acts = actions(&l.scenario);
    let steps = run_stepwise(&l)?;
    check_controllers(steps.states[0].sim.cluster(), "before the first step")?;
    for k in 1..=acts.len() {
        let (before, after) = (&steps.states[k - 1], &steps.states[k]);
        let c0 = before.sim.cluster();
        // The controllers act only while a controller-manager leads (after a control plane's
        // reboot the new process watches the old lease for 15 s first).
        if after.sim.engine().controller_manager_leader().is_some() {
            check_controllers(after.sim.cluster(), &format!("after step {k}"))?;
        }
        let mut lost = BTreeSet::new();
        for v in after
            .violations
            .iter()
            .filter(|v| v.id == "no_pod_lost" && v.step as usize == k)
        {
            let label = v
                .detail
                .strip_prefix("bare pod ")
                .and_then(|r| r.split(' ').next())
                .ok_or_else(|| format!("unexpected no_pod_lost detail: {}", v.detail))?;
            lost.insert(label.to_string());
            let (ns, name) = label.split_once('/').unwrap_or(("default", label));
            let pod = c0
                .pod_id(ns, name)
                .and_then(|id| c0.pod(id))
                .ok_or_else(|| format!("step {k}: {v} names a pod that did not exist before the step"))?;
            ensure(pod.owner == Owner::None && !pod.is_terminating(), || {
                format!(
                    "step {k}: {v}: the pod was {:?}, terminating={}",
                    pod.owner,
                    pod.is_terminating()
                )
            })?;
            let node = pod.node.map(|n| c0.node(n));
            let drained = matches!(&acts[k - 1],
                Action::Drain { node: target, force: true, .. }
                    if node.is_some_and(|n| *n.name == **target));
            // The taint manager acts the node-monitor grace period plus the 300 s default
            // toleration after the kubelet went silent, and only while it still is.
            let grace = SimDuration(c0.side.node_monitor_grace_ms + DEFAULT_TOLERATION.ms());
            let node_lost = node.is_some_and(|n| !n.powered_on && n.silent_since.is_some_and(|t| v.time >= t + grace))
                && matches!(acts[k - 1], Action::Wait | Action::Drain { .. });
            ensure(drained || node_lost, || {
                format!(
                    "step {k} ({:?}): {v}, but the step neither drained its node with --force nor let time pass on a lost node (node {:?}, powered on: {:?}, silent since: {:?})",
                    acts[k - 1],
                    node.map(|n| n.name.to_string()),
                    node.map(|n| n.powered_on),
                    node.and_then(|n| n.silent_since),
                )
            })?;
        }
        if let Action::Drain {
            node,
            force: true,
            dry_run: false,
            ..
        } = &acts[k - 1]
            && steps.status[k - 1] == Some(0)
        {
            let nid = c0.node_id(node).ok_or("drained an unknown node")?;
            for p in c0.pods_on_node(nid).into_iter().filter_map(|id| c0.pod(id)) {
                ensure(
                    p.owner != Owner::None || p.is_terminating() || lost.contains(&*p.label),
                    || {
                        format!(
                            "step {k}: drain --force of {node} exited 0 but bare pod {} was not reported lost",
                            p.label
                        )
                    },
                )?;
            }
        }
    }
    Ok(())
}

/// Property 5: The budgets' incremental counts (matching, healthy, owners) always equal a recount.
fn pdb_counts_match_a_recount(case: &Case) -> Result<(), String> {
    let steps = run_stepwise(&load(case)?)?;
    for (k, r) in steps.states.iter().enumerate() {
        check_pdbs(r.sim.cluster(), &format!("after step {k}"))?;
    }
    Ok(())
}

/// Property 6: Generated scenarios are valid: they load, run without a ScenarioError (exit 2), never
/// panic, and no command exits 2.
fn never_panics_nor_exit_2(case: &Case) -> Result<(), String> {
    let l = load(case)?;
    runner::check(&l.scenario).map_err(|e| format!("runner::check refuses it: {e}"))?;
    let r = run(&l)?;
    ensure(r.transcript.first().is_some_and(|s| s.starts_with("SEED=")), || {
        "the transcript does not start with SEED=".to_string()
    })?;
    let steps = run_stepwise(&l)?;
    for (k, s) in steps.status.iter().enumerate() {
        ensure(*s != Some(2), || format!("step {} exited 2", k + 1))?;
    }
    // The stepwise runs agree with the whole run (what the per-step properties rely on).
    let last = steps.states.last().ok_or("no states")?;
    ensure(last.violations == r.violations, || {
        format!(
            "the stepwise run violated {:?}, the whole run {:?}",
            last.violations, r.violations
        )
    })?;
    ensure(trace::digest(last.sim.trace()) == trace::digest(r.sim.trace()), || {
        "the stepwise run's trace differs from the whole run's".to_string()
    })
}

/// Property 7: A drain that exited 0 (no dry run) leaves nothing evictable on its node: every pod
/// still bound there is a DaemonSet pod, a mirror pod, or terminating.
fn successful_drain_empties_the_node(case: &Case) -> Result<(), String> {
    let l = load(case)?;
    let acts = actions(&l.scenario);
    if !acts.iter().any(|a| matches!(a, Action::Drain { .. })) {
        return Ok(());
    }
    let steps = run_stepwise(&l)?;
    for (k, a) in acts.iter().enumerate() {
        let Action::Drain {
            node, dry_run: false, ..
        } = a
        else {
            continue;
        };
        if steps.status[k] != Some(0) {
            continue;
        }
        let c = steps.states[k + 1].sim.cluster();
        let nid = c.node_id(node).ok_or("drained an unknown node")?;
        let left: Vec<String> = c
            .pods_on_node(nid)
            .into_iter()
            .filter_map(|id| c.pod(id))
            .filter(|p| !matches!(p.owner, Owner::DaemonSet(_) | Owner::Mirror(_)) && !p.is_terminating())
            .map(|p| format!("{} ({})", p.label, p.status_text()))
            .collect();
        ensure(left.is_empty(), || {
            format!("step {} drained {node} (exit 0) but left {left:?} on it", k + 1)
        })?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn prop_deterministic(case in scenarios()) {
        hold("deterministic", &case, deterministic)?;
    }

    #[test]
    fn prop_evictions_respect_budgets(case in scenarios()) {
        hold("evictions_respect_budgets", &case, evictions_respect_budgets)?;
    }

    #[test]
    fn prop_cordoned_nodes_get_no_new_pods(case in scenarios()) {
        hold("cordoned_nodes_get_no_new_pods", &case, cordoned_nodes_get_no_new_pods)?;
    }

    #[test]
    fn prop_no_managed_pod_is_lost(case in scenarios()) {
        hold("no_managed_pod_is_lost", &case, no_managed_pod_is_lost)?;
    }

    #[test]
    fn prop_pdb_counts_match_a_recount(case in scenarios()) {
        hold("pdb_counts_match_a_recount", &case, pdb_counts_match_a_recount)?;
    }

    #[test]
    fn prop_never_panics_nor_exit_2(case in scenarios()) {
        hold("never_panics_nor_exit_2", &case, never_panics_nor_exit_2)?;
    }

    #[test]
    fn prop_successful_drain_empties_the_node(case in scenarios()) {
        hold("successful_drain_empties_the_node", &case, successful_drain_empties_the_node)?;
    }
}
