//! Generated upgrade cases for property tests of upgrade policies (feature `proptest`).
//!
//! A [`Case`] is a kubeadm cluster one upgrade away from its target — 1, 3 or 5 control planes,
//! 1–50 workers in up to three pools, a Kubernetes version from v1.24 on — with workloads
//! (Deployments, StatefulSets, DaemonSets, bare pods, PodDisruptionBudgets of every shape,
//! including the deadlocking `minAvailable = replicas`) and a fault schedule of
//! `(time, kind, target)` entries. [`Case::scenario`] turns it into an ordinary v1 scenario
//! (cluster and workloads, no steps), so whatever drives the case can be replayed by
//! `kubedrill run`.
//!
//! The strategies are built so proptest's shrinking walks towards the minimal witnesses of
//! upgrade bugs: one control plane, fewer and smaller pools, fewer workloads, one replica,
//! `minAvailable = replicas` first among the budget shapes, fewer faults, earlier faults, lower
//! target indices. Nothing is drawn with `prop_flat_map`, whose shrinking is weak: targets are
//! indices that the consumer reduces modulo what exists.
//!
//! ```
//! use kubedrill_sim::scenario::generate::{case, Limits};
//! use proptest::strategy::{Strategy, ValueTree};
//! use proptest::test_runner::TestRunner;
//!
//! let mut runner = TestRunner::deterministic();
//! let case = case(Limits::default()).new_tree(&mut runner).unwrap().current();
//! let scenario = case.scenario();
//! assert!(case.workers() >= 1);
//! assert_eq!(scenario.kind, "Scenario");
//! ```

use crate::model::Role;
use crate::model::manifest::Manifest;
use crate::scenario::{ClusterSpec, Metadata, NodeSpec, Scenario};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Oldest and newest minor a case starts from (the target is at most one minor later, and the
/// simulator models up to 1.36).
pub const FROM_MINORS: std::ops::RangeInclusive<u32> = 24..=35;

/// Bounds of what the strategies generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Nodes in all, control planes included.
    pub max_nodes: u32,
    /// Workers at least (a pool's size is raised to reach it).
    pub min_workers: u32,
    pub max_workloads: usize,
    pub max_faults: usize,
    /// The oldest minor a case starts from (raised to [`FROM_MINORS`]' start, capped at its
    /// end): a policy meant for newer clusters only is checked on those.
    pub oldest_minor: u32,
}

impl Limits {
    /// The minors a case may start from.
    pub fn from_minors(&self) -> std::ops::RangeInclusive<u32> {
        let end = *FROM_MINORS.end();
        self.oldest_minor.clamp(*FROM_MINORS.start(), end)..=end
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_nodes: 55,
            min_workers: 1,
            max_workloads: 8,
            max_faults: 3,
            oldest_minor: *FROM_MINORS.start(),
        }
    }
}

/// One generated cluster, its workloads and its fault schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// The simulator's seed (generated names and the like).
    pub seed: u64,
    /// The cluster runs `v1.<from_minor>.1`.
    pub from_minor: u32,
    /// 1, 3 or 5, named `cp1` …
    pub control_planes: u8,
    /// Worker pools `a`, `b`, `c` (nodes `a01`, `a02`, … labelled `pool: a`).
    pub pools: Vec<Pool>,
    pub workloads: Vec<WorkloadSpec>,
    pub faults: Vec<FaultSpec>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool {
    pub nodes: u32,
    /// Allocatable CPUs of each node.
    pub cpus: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    /// A pod with no controller: nothing recreates it.
    BarePod,
}

/// A PodDisruptionBudget over a workload's pods, by shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PdbShape {
    /// `minAvailable` equal to the replicas: no voluntary disruption is ever allowed.
    MinAvailableAll,
    None,
    MaxUnavailable(u32),
    MinAvailable(u32),
    MaxUnavailablePercent(u32),
    MinAvailablePercent(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkloadSpec {
    pub kind: WorkloadKind,
    /// Deployments and StatefulSets; 1 for a bare pod; ignored for DaemonSets.
    pub replicas: u32,
    pub pdb: PdbShape,
    pub cpu_milli: u32,
    /// Seconds from SIGTERM to exit (slow termination when large); the grace period covers it.
    pub stop_seconds: u32,
    /// Seconds from binding to Ready.
    pub start_seconds: u32,
    /// An emptyDir volume (a drain needs `--delete-emptydir-data`).
    pub empty_dir: bool,
}

/// One entry of a fault schedule: at `at_s` seconds after the policy starts, `kind` hits
/// target number `target` (reduced modulo the targets that exist for the kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultSpec {
    pub at_s: u32,
    pub kind: FaultKind,
    pub target: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// A worker loses power (mid-drain, mid-upgrade or after), back after `down_s`.
    NodeCrash { down_s: u32 },
    /// A worker reboots, down for `down_s`.
    NodeReboot { down_s: u32 },
    /// The etcd member of a control plane other than the first dies, back after `down_s`.
    EtcdMemberCrash { down_s: u32 },
    /// The next machine provisioned (a surge or green node) never joins: a bad image.
    BadReplacement,
    /// Provisioning is refused for `for_s` seconds: no capacity to surge.
    NoCapacity { for_s: u32 },
}

impl FaultKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::NodeCrash { .. } => "node-crash",
            Self::NodeReboot { .. } => "node-reboot",
            Self::EtcdMemberCrash { .. } => "etcd-member-crash",
            Self::BadReplacement => "bad-replacement",
            Self::NoCapacity { .. } => "no-capacity",
        }
    }
}

impl Case {
    pub fn workers(&self) -> u32 {
        self.pools.iter().map(|p| p.nodes).sum()
    }

    pub fn nodes(&self) -> u32 {
        self.workers() + u32::from(self.control_planes)
    }

    /// The version every component runs at the start.
    pub fn from_version(&self) -> String {
        format!("v1.{}.1", self.from_minor)
    }

    /// Names of the control planes, first to last.
    pub fn control_plane_names(&self) -> Vec<String> {
        (1..=self.control_planes).map(|i| format!("cp{i}")).collect()
    }

    /// Pool `i`'s name and node names, as the scenario's `pools:` expands them.
    pub fn pool_nodes(&self) -> Vec<(String, Vec<String>)> {
        self.pools
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let name = pool_name(i);
                // As the scenario's `pools:` expands them: at least two digits.
                let width = p.nodes.to_string().len().max(2);
                let nodes = (1..=p.nodes).map(|n| format!("{name}{n:0width$}")).collect();
                (name, nodes)
            })
            .collect()
    }

    /// The case as a scenario with no steps: its cluster and workloads.
    pub fn scenario(&self) -> Scenario {
        Scenario {
            api_version: "kubedrill/v1".into(),
            kind: "Scenario".into(),
            metadata: Metadata {
                name: "generated-case".into(),
                description: None,
            },
            seed: Some(self.seed),
            cluster: self.cluster(),
            workloads: self
                .workloads
                .iter()
                .enumerate()
                .flat_map(|(i, w)| w.manifests(i))
                .collect(),
            steps: Vec::new(),
            expect_violations: Vec::new(),
            step_time_limit: None,
        }
    }

    fn cluster(&self) -> ClusterSpec {
        let mut nodes: Vec<NodeSpec> = self
            .control_plane_names()
            .into_iter()
            .map(|name| node_spec(Some(name), None, Role::ControlPlane, BTreeMap::new(), None))
            .collect();
        for (i, p) in self.pools.iter().enumerate() {
            let name = pool_name(i);
            let labels = BTreeMap::from([("pool".to_string(), name.clone())]);
            nodes.push(node_spec(
                None,
                Some((p.nodes, name)),
                Role::Worker,
                labels,
                Some(p.cpus),
            ));
        }
        let (nodes, pools): (Vec<NodeSpec>, Vec<NodeSpec>) = nodes.into_iter().partition(|n| n.count.is_none());
        ClusterSpec {
            kubernetes_version: self.from_version(),
            nodes,
            pools,
            ..ClusterSpec::default()
        }
    }
}

pub fn pool_name(i: usize) -> String {
    char::from(b'a' + (i % 26) as u8).to_string()
}

fn node_spec(
    name: Option<String>,
    pool: Option<(u32, String)>,
    role: Role,
    labels: BTreeMap<String, String>,
    cpus: Option<u32>,
) -> NodeSpec {
    let (count, name_prefix) = pool.map_or((None, None), |(c, p)| (Some(c), Some(p)));
    NodeSpec {
        name,
        count,
        name_prefix,
        role,
        cpu: cpus.map(|c| c.to_string()),
        memory: cpus.map(|c| format!("{}Gi", c * 4)),
        pods: None,
        labels,
        taints: Vec::new(),
        os_image: None,
        kernel_version: None,
        kubelet_version: None,
    }
}

impl WorkloadSpec {
    /// The workload's name in a case (`web0`, `db1`, `agent2`, `debug3`).
    pub fn name(&self, index: usize) -> String {
        let stem = match self.kind {
            WorkloadKind::Deployment => "web",
            WorkloadKind::StatefulSet => "db",
            WorkloadKind::DaemonSet => "agent",
            WorkloadKind::BarePod => "debug",
        };
        format!("{stem}{index}")
    }

    /// The budget's `minAvailable` / `maxUnavailable`, if the workload has one.
    pub fn pdb_spec(&self) -> Option<(&'static str, Value)> {
        let r = self.replicas;
        match self.pdb {
            PdbShape::None => None,
            _ if self.kind == WorkloadKind::DaemonSet => None,
            PdbShape::MinAvailableAll => Some(("minAvailable", json!(r))),
            PdbShape::MaxUnavailable(n) => Some(("maxUnavailable", json!(n))),
            PdbShape::MinAvailable(n) => Some(("minAvailable", json!(n.min(r)))),
            PdbShape::MaxUnavailablePercent(p) => Some(("maxUnavailable", json!(format!("{p}%")))),
            PdbShape::MinAvailablePercent(p) => Some(("minAvailable", json!(format!("{p}%")))),
        }
    }

    fn manifests(&self, index: usize) -> Vec<Manifest> {
        let name = self.name(index);
        let mut out = vec![self.workload_value(&name)];
        if let Some((field, value)) = self.pdb_spec() {
            out.push(json!({
                "apiVersion": "policy/v1",
                "kind": "PodDisruptionBudget",
                "metadata": {"name": name, "namespace": "default"},
                "spec": {field: value, "selector": {"matchLabels": {"app": name}}},
            }));
        }
        // The values are built here from known-good shapes; a refusal would be a bug in this
        // module, and dropping the manifest keeps the case usable.
        out.into_iter().filter_map(|v| Manifest::from_value(v).ok()).collect()
    }

    fn pod_spec(&self) -> Value {
        let grace = self.stop_seconds.max(30);
        let mut spec = json!({
            "terminationGracePeriodSeconds": grace,
            "containers": [{
                "name": "app",
                "image": "nginx:1.27",
                "resources": {"requests": {"cpu": format!("{}m", self.cpu_milli), "memory": "128Mi"}},
            }],
        });
        if self.empty_dir {
            spec["volumes"] = json!([{"name": "scratch", "emptyDir": {}}]);
            spec["containers"][0]["volumeMounts"] = json!([{"name": "scratch", "mountPath": "/scratch"}]);
        }
        spec
    }

    fn template(&self, name: &str) -> Value {
        json!({
            "metadata": {"labels": {"app": name}, "annotations": self.annotations()},
            "spec": self.pod_spec(),
        })
    }

    fn annotations(&self) -> Value {
        json!({
            "kubedrill.io/start-seconds": self.start_seconds.to_string(),
            "kubedrill.io/stop-seconds": self.stop_seconds.to_string(),
        })
    }

    fn workload_value(&self, name: &str) -> Value {
        let meta = json!({"name": name, "namespace": "default"});
        let selector = json!({"matchLabels": {"app": name}});
        match self.kind {
            WorkloadKind::Deployment => json!({
                "apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
                "spec": {"replicas": self.replicas, "selector": selector, "template": self.template(name)},
            }),
            WorkloadKind::StatefulSet => json!({
                "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta,
                "spec": {"replicas": self.replicas, "serviceName": name, "selector": selector,
                         "template": self.template(name)},
            }),
            WorkloadKind::DaemonSet => json!({
                "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": meta,
                "spec": {"selector": selector, "template": self.template(name)},
            }),
            WorkloadKind::BarePod => json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": "default", "labels": {"app": name},
                             "annotations": self.annotations()},
                "spec": self.pod_spec(),
            }),
        }
    }
}

// ---- strategies ---------------------------------------------------------------------------

/// A whole case within `limits`.
pub fn case(limits: Limits) -> impl Strategy<Value = Case> {
    (
        any::<u64>(),
        limits.from_minors(),
        control_planes(),
        proptest::collection::vec(pool(), 1..=3),
        proptest::collection::vec(workload(), 0..=limits.max_workloads),
        proptest::collection::vec(fault(), 0..=limits.max_faults),
    )
        .prop_map(move |(seed, from_minor, control_planes, pools, workloads, faults)| {
            let pools = fit_pools(pools, u32::from(control_planes), limits);
            Case {
                seed: seed % 1_000_000,
                from_minor,
                control_planes,
                pools,
                workloads,
                faults,
            }
        })
}

/// 1, 3 or 5 control planes (shrinks towards 1).
pub fn control_planes() -> impl Strategy<Value = u8> {
    prop_oneof![Just(1u8), Just(3u8), Just(5u8)]
}

/// A worker pool of 1–20 nodes (shrinks towards 1); up to three pools make up to 50 workers.
/// Nodes have the shape of the workers `node-add` joins (4 CPUs, 16Gi), so a surge or green
/// node replaces an old one like for like.
pub fn pool() -> impl Strategy<Value = Pool> {
    (1u32..=20).prop_map(|nodes| Pool { nodes, cpus: 4 })
}

/// Pools cut to the node limit (the last pools lose nodes first) and raised to the minimum.
fn fit_pools(mut pools: Vec<Pool>, control_planes: u32, limits: Limits) -> Vec<Pool> {
    let budget = limits.max_nodes.saturating_sub(control_planes).clamp(1, 50);
    let mut left = budget;
    for p in &mut pools {
        p.nodes = p.nodes.min(left);
        left -= p.nodes;
    }
    pools.retain(|p| p.nodes > 0);
    let total: u32 = pools.iter().map(|p| p.nodes).sum();
    let want = limits.min_workers.min(budget);
    if total < want
        && let Some(first) = pools.first_mut()
    {
        first.nodes += want - total;
    }
    pools
}

/// A workload: kind, 1–5 replicas, a budget shape, requests and timings.
pub fn workload() -> impl Strategy<Value = WorkloadSpec> {
    let kind = prop_oneof![
        3 => Just(WorkloadKind::Deployment),
        1 => Just(WorkloadKind::StatefulSet),
        1 => Just(WorkloadKind::DaemonSet),
        1 => Just(WorkloadKind::BarePod),
    ];
    (
        kind,
        1u32..=5,
        pdb_shape(),
        prop_oneof![Just(100u32), Just(250), Just(500), Just(1000)],
        prop_oneof![4 => Just(1u32), 1 => Just(30), 1 => Just(600)],
        prop_oneof![4 => Just(2u32), 1 => Just(20)],
        prop::bool::weighted(0.3),
    )
        .prop_map(
            |(kind, replicas, pdb, cpu_milli, stop_seconds, start_seconds, empty_dir)| {
                let replicas = if kind == WorkloadKind::BarePod { 1 } else { replicas };
                WorkloadSpec {
                    kind,
                    replicas,
                    pdb,
                    cpu_milli,
                    stop_seconds,
                    start_seconds,
                    empty_dir,
                }
            },
        )
}

/// Budget shapes, the deadlocking one first so shrinking tries it first.
pub fn pdb_shape() -> impl Strategy<Value = PdbShape> {
    prop_oneof![
        1 => Just(PdbShape::MinAvailableAll),
        3 => Just(PdbShape::None),
        2 => (1u32..=2).prop_map(PdbShape::MaxUnavailable),
        2 => (1u32..=2).prop_map(PdbShape::MinAvailable),
        1 => prop_oneof![Just(25u32), Just(50)].prop_map(PdbShape::MaxUnavailablePercent),
        1 => prop_oneof![Just(50u32), Just(75)].prop_map(PdbShape::MinAvailablePercent),
    ]
}

/// One scheduled fault in the first 15 minutes of the policy's run (a small cluster's upgrade
/// takes a few minutes of virtual time).
pub fn fault() -> impl Strategy<Value = FaultSpec> {
    let down = || prop_oneof![Just(60u32), Just(300), Just(1800)];
    let kind = prop_oneof![
        3 => down().prop_map(|down_s| FaultKind::NodeCrash { down_s }),
        1 => down().prop_map(|down_s| FaultKind::NodeReboot { down_s: down_s.min(300) }),
        2 => down().prop_map(|down_s| FaultKind::EtcdMemberCrash { down_s }),
        1 => Just(FaultKind::BadReplacement),
        1 => prop_oneof![Just(600u32), Just(3600)].prop_map(|for_s| FaultKind::NoCapacity { for_s }),
    ];
    (0u32..=900, kind, 0u32..64).prop_map(|(at_s, kind, target)| FaultSpec { at_s, kind, target })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    #[test]
    fn generated_cases_build_as_clusters() {
        // Goal: every generated case is a scenario the simulator builds. Method: 40 cases
        // from a fixed runner, each built with Sim::new.
        let mut runner = TestRunner::deterministic();
        let limits = Limits {
            max_nodes: 12,
            ..Limits::default()
        };
        for _ in 0..40 {
            let case = case(limits).new_tree(&mut runner).expect("tree").current();
            assert!(case.nodes() <= 12, "{case:?}");
            assert!(case.workers() >= 1, "{case:?}");
            let s = case.scenario();
            let sim = crate::Sim::new(&s.cluster, &s.workloads, crate::Seed(case.seed));
            let sim = sim.unwrap_or_else(|e| panic!("{case:?}: {e}"));
            assert_eq!(sim.cluster().node_count() as u32, case.nodes());
        }
    }

    #[test]
    fn cases_start_no_older_than_the_oldest_minor() {
        let mut runner = TestRunner::deterministic();
        let newer = Limits {
            oldest_minor: 33,
            ..Limits::default()
        };
        for _ in 0..40 {
            let case = case(newer).new_tree(&mut runner).expect("tree").current();
            assert!((33..=35).contains(&case.from_minor), "{case:?}");
        }
        let at = |oldest_minor| {
            Limits {
                oldest_minor,
                ..Limits::default()
            }
            .from_minors()
        };
        assert_eq!(
            (at(3), at(99)),
            (24..=35, 35..=35),
            "clamped to what the simulator models"
        );
    }

    #[test]
    fn pool_node_names_are_the_simulator_s() {
        let case = Case {
            seed: 1,
            from_minor: 30,
            control_planes: 1,
            pools: vec![Pool { nodes: 2, cpus: 4 }, Pool { nodes: 120, cpus: 4 }],
            workloads: Vec::new(),
            faults: Vec::new(),
        };
        let s = case.scenario();
        let sim = crate::Sim::new(&s.cluster, &s.workloads, crate::Seed(1)).expect("builds");
        for (_, nodes) in case.pool_nodes() {
            for n in nodes {
                assert!(sim.cluster().node_id(&n).is_some(), "{n}");
            }
        }
        assert_eq!(case.pool_nodes()[1].1[0], "b001");
    }

    #[test]
    fn pools_fit_the_node_limit_and_reach_the_minimum() {
        let limits = Limits {
            max_nodes: 13,
            min_workers: 10,
            ..Limits::default()
        };
        let pools = fit_pools(vec![Pool { nodes: 8, cpus: 4 }, Pool { nodes: 8, cpus: 4 }], 3, limits);
        assert_eq!(pools.iter().map(|p| p.nodes).collect::<Vec<_>>(), vec![8, 2]);
        let pools = fit_pools(vec![Pool { nodes: 2, cpus: 4 }], 3, limits);
        assert_eq!(pools[0].nodes, 10);
    }

    #[test]
    fn deadlock_budget_is_min_available_equal_to_replicas() {
        let w = WorkloadSpec {
            kind: WorkloadKind::Deployment,
            replicas: 3,
            pdb: PdbShape::MinAvailableAll,
            cpu_milli: 100,
            stop_seconds: 1,
            start_seconds: 2,
            empty_dir: false,
        };
        assert_eq!(w.pdb_spec(), Some(("minAvailable", json!(3))));
        let ds = WorkloadSpec {
            kind: WorkloadKind::DaemonSet,
            ..w
        };
        assert_eq!(ds.pdb_spec(), None);
    }
}
