//! Objectives: named checks on the cluster's end state, never on the commands that were typed.
//!
//! A check reads the simulator's model (nodes, pods, workloads, the etcd cluster, the files of
//! each node) through `Sim`'s getters, so it grades what is true, however the student got
//! there. Each check says what it found (`detail`), which is what `check` shows.

use crate::refs::{InvariantId, Package, PodRef, Version, WorkloadRef};
use kubedrill_sim::ApiState;
use kubedrill_sim::Sim;
use kubedrill_sim::cluster::Cluster;
use kubedrill_sim::components::StaticPod;
use kubedrill_sim::hostfs::{DataDir, Entry};
use kubedrill_sim::model::{Node, Owner, Phase, Pod, PodTemplate, ReadyStatus, WorkloadId, WorkloadKind};
use kubedrill_sim::trace::Event;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::fmt;

/// One objective of a lab: a check with a name the student reads.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Objective {
    pub name: String,
    /// The check holds before the student does anything: it guards against breaking something
    /// (workloads stay available, no invariant is violated) rather than asking for a change.
    /// It earns no points; failing it costs its weight (see [`crate::Grade`]).
    #[serde(default)]
    pub already: bool,
    /// A guard checked on the end state only: the task approves a disruption on the way
    /// (deleting a pod a budget protects, say), so only the way things end is graded.
    /// Other guards must hold at every moment of the attempt.
    #[serde(default)]
    pub only_at_end: bool,
    #[serde(default = "one")]
    pub weight: u32,
    pub check: Check,
}

fn one() -> u32 {
    1
}

/// What an objective checks. The YAML form is a one-key mapping: `{nodeReady: [node01]}`.
/// A closed set: an unknown kind is an error naming the known ones.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Check {
    /// `kubectl get nodes` STATUS per node (`Ready`, `Ready,SchedulingDisabled`, `NotReady`).
    NodeStatus(BTreeMap<String, String>),
    /// The nodes' Ready condition is True.
    NodeReady(Vec<String>),
    /// The nodes are cordoned (unschedulable).
    Cordoned(Vec<String>),
    /// The nodes exist and accept new pods.
    Schedulable(Vec<String>),
    /// The kubelet each node runs (`kubectl get nodes` VERSION).
    KubeletVersion(BTreeMap<String, Version>),
    /// The kubelet process runs on each node.
    KubeletRunning(Vec<String>),
    /// An installed package's version on a node.
    PackageVersion {
        node: String,
        package: Package,
        version: Version,
    },
    /// The nodes are gone from the cluster.
    NodesAbsent(Vec<String>),
    /// No pods but DaemonSet pods and static (mirror) pods run on the nodes.
    NoAppPodsOn(Vec<String>),
    /// How many pods (not terminating) each node runs, as the scenario `podsOnNode` counts.
    PodsOnNode(BTreeMap<String, u32>),
    /// Every pod of the workload runs on one of these nodes (and it has some).
    WorkloadOn { workload: WorkloadRef, nodes: Vec<String> },
    /// Each workload has its replicas ready, or bound to a Ready node and starting (what a
    /// grader a minute later would see as available).
    WorkloadsAvailable(Vec<WorkloadRef>),
    /// Each workload exists (`true`) or does not (`false`).
    WorkloadsExist(BTreeMap<WorkloadRef, bool>),
    /// Each pod exists (`true`) or does not (`false`).
    PodsExist(BTreeMap<PodRef, bool>),
    /// Each pod exists, is not terminating, runs, and is bound to that node.
    PodOnNode(BTreeMap<PodRef, String>),
    /// The workload's template and every pod of it use this image (first container).
    WorkloadImage { workload: WorkloadRef, image: String },
    /// kube-apiserver, kube-controller-manager and kube-scheduler of each control plane run
    /// this version.
    ControlPlaneVersion(BTreeMap<String, Version>),
    /// The kube-proxy DaemonSet's version.
    KubeProxyVersion(Version),
    /// The etcd image tag each control plane runs (`3.5.15-0`, `2.3.7`), and it runs.
    EtcdImage(BTreeMap<String, String>),
    /// The etcd cluster has (`true`) or lacks (`false`) a quorum of running voting members.
    EtcdQuorum(bool),
    /// The etcd membership.
    EtcdMembers {
        /// How many members the membership has (any state).
        count: Option<u32>,
        /// Members that must be started, by name.
        started: Vec<String>,
        /// Every member runs.
        all_running: bool,
    },
    /// etcd on `node` runs on the host directory `path`; with `restored`, on data a
    /// `snapshot restore` made during the lab (a new etcd cluster with the snapshot's data).
    EtcdDataDir { node: String, path: String, restored: bool },
    /// An etcd snapshot file on a node: usable (not cut short), with or without the integrity
    /// hash `snapshot save` appends, holding (or not holding) these workloads.
    SnapshotFile {
        node: String,
        path: String,
        hash: Option<bool>,
        contains: Vec<WorkloadRef>,
        lacks: Vec<WorkloadRef>,
    },
    /// The API server answers (etcd has quorum and an API server runs and reaches it).
    ApiAvailable(bool),
    /// No invariant was violated since the lab started, except these.
    NoViolations { except: Vec<InvariantId> },
}

/// The kinds of check, as lab files spell them.
pub(crate) const CHECK_KINDS: &[&str] = &[
    "nodeStatus",
    "nodeReady",
    "cordoned",
    "schedulable",
    "kubeletVersion",
    "kubeletRunning",
    "packageVersion",
    "nodesAbsent",
    "noAppPodsOn",
    "podsOnNode",
    "workloadOn",
    "workloadsAvailable",
    "workloadsExist",
    "podsExist",
    "podOnNode",
    "workloadImage",
    "controlPlaneVersion",
    "kubeProxyVersion",
    "etcdImage",
    "etcdQuorum",
    "etcdMembers",
    "etcdDataDir",
    "snapshotFile",
    "apiAvailable",
    "noViolations",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PackageVersionArgs {
    node: String,
    package: Package,
    version: Version,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WorkloadOnArgs {
    workload: WorkloadRef,
    nodes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WorkloadImageArgs {
    workload: WorkloadRef,
    image: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct EtcdMembersArgs {
    #[serde(default)]
    count: Option<u32>,
    #[serde(default)]
    started: Vec<String>,
    #[serde(default)]
    all_running: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct EtcdDataDirArgs {
    node: String,
    path: String,
    #[serde(default)]
    restored: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SnapshotFileArgs {
    node: String,
    path: String,
    #[serde(default)]
    hash: Option<bool>,
    #[serde(default)]
    contains: Vec<WorkloadRef>,
    #[serde(default)]
    lacks: Vec<WorkloadRef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NoViolationsArgs {
    #[serde(default)]
    except: Vec<InvariantId>,
}

// yaml_serde reads an externally tagged enum only from a YAML tag (`!nodeReady [...]`); lab
// files write a one-key mapping, read here field by field so errors keep their position.
impl<'de> Deserialize<'de> for Check {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(CheckVisitor)
    }
}

struct CheckVisitor;

impl<'de> Visitor<'de> for CheckVisitor {
    type Value = Check;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a one-key mapping naming the kind of check, such as {nodeReady: [node01]}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Check, A::Error> {
        let Some(kind) = map.next_key::<String>()? else {
            return Err(de::Error::custom(format!(
                "a check needs its kind as the key, one of {}",
                CHECK_KINDS.join(", ")
            )));
        };
        let check = match kind.as_str() {
            "nodeStatus" => Check::NodeStatus(map.next_value()?),
            "nodeReady" => Check::NodeReady(map.next_value()?),
            "cordoned" => Check::Cordoned(map.next_value()?),
            "schedulable" => Check::Schedulable(map.next_value()?),
            "kubeletVersion" => Check::KubeletVersion(map.next_value()?),
            "kubeletRunning" => Check::KubeletRunning(map.next_value()?),
            "packageVersion" => {
                let a: PackageVersionArgs = map.next_value()?;
                Check::PackageVersion {
                    node: a.node,
                    package: a.package,
                    version: a.version,
                }
            }
            "nodesAbsent" => Check::NodesAbsent(map.next_value()?),
            "noAppPodsOn" => Check::NoAppPodsOn(map.next_value()?),
            "podsOnNode" => Check::PodsOnNode(map.next_value()?),
            "workloadOn" => {
                let a: WorkloadOnArgs = map.next_value()?;
                Check::WorkloadOn {
                    workload: a.workload,
                    nodes: a.nodes,
                }
            }
            "workloadsAvailable" => Check::WorkloadsAvailable(map.next_value()?),
            "workloadsExist" => Check::WorkloadsExist(map.next_value()?),
            "podsExist" => Check::PodsExist(map.next_value()?),
            "podOnNode" => Check::PodOnNode(map.next_value()?),
            "workloadImage" => {
                let a: WorkloadImageArgs = map.next_value()?;
                Check::WorkloadImage {
                    workload: a.workload,
                    image: a.image,
                }
            }
            "controlPlaneVersion" => Check::ControlPlaneVersion(map.next_value()?),
            "kubeProxyVersion" => Check::KubeProxyVersion(map.next_value()?),
            "etcdImage" => Check::EtcdImage(map.next_value()?),
            "etcdQuorum" => Check::EtcdQuorum(map.next_value()?),
            "etcdMembers" => {
                let a: EtcdMembersArgs = map.next_value()?;
                Check::EtcdMembers {
                    count: a.count,
                    started: a.started,
                    all_running: a.all_running,
                }
            }
            "etcdDataDir" => {
                let a: EtcdDataDirArgs = map.next_value()?;
                Check::EtcdDataDir {
                    node: a.node,
                    path: a.path,
                    restored: a.restored,
                }
            }
            "snapshotFile" => {
                let a: SnapshotFileArgs = map.next_value()?;
                Check::SnapshotFile {
                    node: a.node,
                    path: a.path,
                    hash: a.hash,
                    contains: a.contains,
                    lacks: a.lacks,
                }
            }
            "apiAvailable" => Check::ApiAvailable(map.next_value()?),
            "noViolations" => {
                let a: NoViolationsArgs = map.next_value()?;
                Check::NoViolations { except: a.except }
            }
            other => return Err(de::Error::unknown_variant(other, CHECK_KINDS)),
        };
        if let Some(extra) = map.next_key::<String>()? {
            return Err(de::Error::custom(format!(
                "a check has exactly one kind; {extra:?} is a second one (write two objectives)"
            )));
        }
        Ok(check)
    }
}

/// What a check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) passed: bool,
    /// What was found, in a few words (`node01 runs kubelet v1.30.6`).
    pub(crate) detail: String,
}

/// The session's starting point, for checks about what happened since.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Baseline {
    pub(crate) violations: usize,
    pub(crate) trace: usize,
}

/// Collects per-item findings: the check passes when every item does.
#[derive(Default)]
struct Findings {
    ok: Vec<String>,
    bad: Vec<String>,
}

impl Findings {
    fn item(&mut self, passed: bool, text: String) {
        if passed {
            self.ok.push(text)
        } else {
            self.bad.push(text)
        }
    }

    fn outcome(self) -> Outcome {
        if self.bad.is_empty() {
            Outcome {
                passed: true,
                detail: self.ok.join("; "),
            }
        } else {
            Outcome {
                passed: false,
                detail: self.bad.join("; "),
            }
        }
    }
}

fn node<'a>(c: &'a Cluster, name: &str) -> Option<&'a Node> {
    c.node_id(name).map(|id| c.node(id))
}

fn is_daemon_or_mirror(p: &Pod) -> bool {
    matches!(p.owner, Owner::DaemonSet(_) | Owner::Mirror(_))
}

/// The pods a workload owns (a Deployment's through its current ReplicaSet).
fn owned_pods(c: &Cluster, id: WorkloadId) -> Vec<&Pod> {
    let w = c.workload(id);
    let target = if w.kind == WorkloadKind::Deployment {
        w.child.unwrap_or(id)
    } else {
        id
    };
    c.pods_in_namespace(&w.namespace)
        .map(|(_, p)| p)
        .filter(|p| match p.owner {
            Owner::ReplicaSet(o) | Owner::StatefulSet(o, _) | Owner::DaemonSet(o) | Owner::Job(o) => o == target,
            _ => false,
        })
        .collect()
}

fn workload(c: &Cluster, r: &WorkloadRef) -> Option<WorkloadId> {
    c.workload_id(r.kind, &r.namespace, &r.name)
        .filter(|id| !c.workload(*id).deleted)
}

/// A pod bound to a Ready node and not ready yet: shown as starting, never counted as
/// available.
fn starting(c: &Cluster, p: &Pod) -> bool {
    if p.is_terminating() || p.is_finished() || p.is_healthy() {
        return false;
    }
    let Some(n) = p.node else { return false };
    c.node_exists(n) && c.node(n).ready == ReadyStatus::True
}

fn etcd_runs_on(sim: &Sim, name: &str) -> Result<(), String> {
    let c = sim.cluster();
    let Some(n) = node(c, name) else {
        return Err(format!("{name} does not exist"));
    };
    let Some(cp) = n.control_plane.as_ref() else {
        return Err(format!("{name} is not a control plane"));
    };
    if cp.etcd.is_none() {
        return Err(format!("{name} runs no etcd"));
    }
    if cp.stopped.contains(&StaticPod::Etcd) {
        return Err(format!("etcd on {name} is stopped (no manifest the kubelet can run)"));
    }
    if cp.etcd_failed.is_some() {
        return Err(format!("etcd on {name} is crash-looping"));
    }
    let running = sim
        .etcd()
        .member_by_name(name)
        .is_some_and(|i| sim.etcd().members[i].is_running());
    if !running {
        return Err(format!("etcd on {name} is not running"));
    }
    Ok(())
}

/// The fewest Ready pods a workload may have at any moment without counting as disrupted:
/// the floor of a PodDisruptionBudget covering it, or else what its own rolling update would
/// allow (a Deployment's default `maxUnavailable: 25%`, rounded down; one pod of a
/// StatefulSet or DaemonSet at a time).
fn availability_floor(c: &Cluster, id: WorkloadId) -> (u32, String) {
    let w = c.workload(id);
    let covers = |owner: &WorkloadId| *owner == id || c.workload(*owner).parent == Some(id);
    let budget = c
        .pdb_ids()
        .into_iter()
        .filter(|p| !c.pdb(*p).deleted && c.pdb(*p).owners.keys().any(covers))
        .map(|p| (c.pdb_status(p).desired_healthy, p))
        .max_by_key(|(floor, _)| *floor);
    if let Some((floor, p)) = budget {
        let pdb = c.pdb(p);
        return (floor, format!("PodDisruptionBudget {}'s minimum of {floor}", pdb.name));
    }
    let (floor, why) = match w.kind {
        WorkloadKind::Deployment => {
            let floor = w.replicas - w.replicas / 4;
            (floor, format!("{} replicas less maxUnavailable 25%", w.replicas))
        }
        WorkloadKind::StatefulSet | WorkloadKind::DaemonSet => {
            let desired = if w.kind == WorkloadKind::DaemonSet {
                u32::try_from(w.per_node.len()).unwrap_or(u32::MAX)
            } else {
                w.replicas
            };
            (
                desired.saturating_sub(1),
                format!("{desired} pods less maxUnavailable 1"),
            )
        }
        WorkloadKind::ReplicaSet | WorkloadKind::Job => (w.replicas, format!("{} replicas", w.replicas)),
    };
    (floor, why)
}

impl Check {
    /// For a guard (an objective that holds from the start): whether it also held at every
    /// moment of the attempt, not only at the end. A workload that must stay available may
    /// never have had fewer Ready pods than its floor, even for a moment that healed before
    /// anyone looked. `None` for checks about the end state only.
    pub(crate) fn eval_throughout(&self, sim: &Sim, since: kubedrill_sim::time::SimTime) -> Option<Outcome> {
        let Self::WorkloadsAvailable(refs) = self else {
            return None;
        };
        let watch = sim.ready_watch()?;
        let c = sim.cluster();
        let mut f = Findings::default();
        for r in refs {
            let Some(id) = workload(c, r) else { continue };
            let Some(low) = watch.lowest(c.workload(id)) else {
                continue;
            };
            let (floor, why) = availability_floor(c, id);
            let now = kubedrill_sim::ready_pods(c, id);
            let ready = low.ready.min(now);
            if ready < floor {
                f.item(
                    false,
                    format!(
                        "{r} fell to {ready} Ready pods {} into the lab, below {why}",
                        low.at.max(since).saturating_sub(since)
                    ),
                );
            }
        }
        (!f.bad.is_empty()).then(|| f.outcome())
    }

    /// The workloads a guard of this kind keeps available throughout (watched from the start).
    pub(crate) fn watched(&self) -> &[WorkloadRef] {
        match self {
            Self::WorkloadsAvailable(refs) => refs,
            _ => &[],
        }
    }
}

impl Check {
    pub(crate) fn eval(&self, sim: &Sim, base: Baseline) -> Outcome {
        let c = sim.cluster();
        let mut f = Findings::default();
        match self {
            Self::NodeStatus(want) => {
                for (name, want) in want {
                    match node(c, name) {
                        Some(n) => f.item(n.status_text() == want, format!("{name} is {}", n.status_text())),
                        None => f.item(false, format!("{name} does not exist")),
                    }
                }
            }
            Self::NodeReady(names) => {
                for name in names {
                    match node(c, name) {
                        Some(n) => f.item(n.ready == ReadyStatus::True, format!("{name} is {}", n.status_text())),
                        None => f.item(false, format!("{name} does not exist")),
                    }
                }
            }
            Self::Cordoned(names) | Self::Schedulable(names) => {
                let cordon = matches!(self, Self::Cordoned(_));
                for name in names {
                    match node(c, name) {
                        Some(n) => f.item(
                            n.unschedulable == cordon,
                            format!("{name} is {}", if n.unschedulable { "cordoned" } else { "schedulable" }),
                        ),
                        None => f.item(false, format!("{name} does not exist")),
                    }
                }
            }
            Self::KubeletVersion(want) => {
                for (name, want) in want {
                    match node(c, name) {
                        Some(n) => {
                            let got = n.kubelet_version.to_string();
                            f.item(got == want.0, format!("{name} runs kubelet {got}"));
                        }
                        None => f.item(false, format!("{name} does not exist")),
                    }
                }
            }
            Self::KubeletRunning(names) => {
                for name in names {
                    match node(c, name) {
                        Some(n) => {
                            let up = n.powered_on && n.kubelet_running;
                            f.item(
                                up,
                                format!(
                                    "the kubelet on {name} is {}",
                                    if up { "running" } else { "not running" }
                                ),
                            );
                        }
                        None => f.item(false, format!("{name} does not exist")),
                    }
                }
            }
            Self::PackageVersion {
                node: name,
                package,
                version,
            } => match node(c, name) {
                Some(n) => {
                    let got = n.packages.installed_kube_version(package.0);
                    let text = got.as_ref().map_or("not installed".to_string(), |v| v.to_string());
                    f.item(
                        got.is_some_and(|v| v.to_string() == version.0),
                        format!("{name} has {} {text}", package.0.name()),
                    );
                }
                None => f.item(false, format!("{name} does not exist")),
            },
            Self::NodesAbsent(names) => {
                for name in names {
                    let gone = c.node_id(name).is_none();
                    f.item(
                        gone,
                        format!("{name} {}", if gone { "is gone" } else { "is still in the cluster" }),
                    );
                }
            }
            Self::NoAppPodsOn(names) => {
                for name in names {
                    let Some(id) = c.node_id(name) else {
                        f.item(false, format!("{name} does not exist"));
                        continue;
                    };
                    let mut apps: Vec<String> = c
                        .pods_on_node(id)
                        .iter()
                        .filter_map(|p| c.pod(*p))
                        .filter(|p| !p.is_terminating() && !p.is_finished() && !is_daemon_or_mirror(p))
                        .map(|p| p.label.to_string())
                        .collect();
                    apps.sort();
                    f.item(
                        apps.is_empty(),
                        if apps.is_empty() {
                            format!("{name} runs no application pods")
                        } else {
                            format!("{name} still runs {}", list(&apps))
                        },
                    );
                }
            }
            Self::PodsOnNode(want) => {
                for (name, want) in want {
                    let Some(id) = c.node_id(name) else {
                        f.item(false, format!("{name} does not exist"));
                        continue;
                    };
                    let got = c
                        .pods_on_node(id)
                        .iter()
                        .filter_map(|p| c.pod(*p))
                        .filter(|p| !p.is_terminating())
                        .count() as u32;
                    f.item(got == *want, format!("{name} runs {got} pods"));
                }
            }
            Self::WorkloadOn { workload: r, nodes } => match workload(c, r) {
                Some(id) => {
                    let pods: Vec<&Pod> = owned_pods(c, id).into_iter().filter(|p| !p.is_terminating()).collect();
                    let elsewhere: Vec<String> = pods
                        .iter()
                        .filter(|p| !p.node.is_some_and(|n| nodes.iter().any(|x| *x == *c.node(n).name)))
                        .map(|p| match p.node {
                            Some(n) => format!("{} on {}", p.name, c.node(n).name),
                            None => format!("{} unscheduled", p.name),
                        })
                        .collect();
                    if pods.is_empty() {
                        f.item(false, format!("{r} has no pods"));
                    } else {
                        f.item(
                            elsewhere.is_empty(),
                            if elsewhere.is_empty() {
                                format!("every pod of {r} runs on {}", nodes.join(" or "))
                            } else {
                                format!("{r} has {}", list(&elsewhere))
                            },
                        );
                    }
                }
                None => f.item(false, format!("{r} does not exist")),
            },
            Self::WorkloadsAvailable(refs) => {
                for r in refs {
                    let Some(id) = workload(c, r) else {
                        f.item(false, format!("{r} does not exist"));
                        continue;
                    };
                    let w = c.workload(id);
                    let pods = owned_pods(c, id);
                    let desired = if w.kind == WorkloadKind::DaemonSet {
                        w.per_node.len()
                    } else {
                        w.replicas as usize
                    };
                    // Available means Ready: a pod still starting serves nobody yet.
                    let ready = pods.iter().filter(|p| p.is_healthy()).count();
                    let starting = pods.iter().filter(|p| starting(c, p)).count();
                    let text = if starting > 0 {
                        format!("{r}: {ready}/{desired} ready, {starting} starting")
                    } else {
                        format!("{r}: {ready}/{desired} ready")
                    };
                    f.item(ready >= desired, text);
                }
            }
            Self::WorkloadsExist(want) => {
                for (r, want) in want {
                    let got = workload(c, r).is_some();
                    f.item(
                        got == *want,
                        format!("{r} {}", if got { "exists" } else { "does not exist" }),
                    );
                }
            }
            Self::PodsExist(want) => {
                for (r, want) in want {
                    let got = c.pod_id(&r.namespace, &r.name).is_some();
                    f.item(
                        got == *want,
                        format!("pod {r} {}", if got { "exists" } else { "does not exist" }),
                    );
                }
            }
            Self::PodOnNode(want) => {
                for (r, want) in want {
                    match c.pod_id(&r.namespace, &r.name).and_then(|id| c.pod(id)) {
                        Some(p) => {
                            let on = p.node.map(|n| c.node(n).name.to_string());
                            let ok = on.as_deref() == Some(want.as_str())
                                && !p.is_terminating()
                                && p.phase == Phase::Running;
                            f.item(
                                ok,
                                format!(
                                    "pod {r} is {} on {}",
                                    p.status_text(),
                                    on.as_deref().unwrap_or("no node")
                                ),
                            );
                        }
                        None => f.item(false, format!("pod {r} does not exist")),
                    }
                }
            }
            Self::WorkloadImage { workload: r, image } => match workload(c, r) {
                Some(id) => {
                    let w = c.workload(id);
                    let template = first_image(&w.template);
                    let pods = owned_pods(c, id);
                    let old = pods
                        .iter()
                        .filter(|p| !p.is_terminating() && first_image(&p.template) != *image)
                        .count();
                    f.item(
                        template == *image && old == 0,
                        if old > 0 {
                            format!("{r} uses {template}; {old} of its pods still run another image")
                        } else {
                            format!("{r} uses {template}")
                        },
                    );
                }
                None => f.item(false, format!("{r} does not exist")),
            },
            Self::ControlPlaneVersion(want) => {
                for (name, want) in want {
                    match node(c, name).and_then(|n| n.control_plane.as_ref()) {
                        Some(cp) => {
                            let versions = [
                                ("kube-apiserver", cp.apiserver.to_string()),
                                ("kube-controller-manager", cp.controller_manager.to_string()),
                                ("kube-scheduler", cp.scheduler.to_string()),
                            ];
                            let off: Vec<String> = versions
                                .iter()
                                .filter(|(_, v)| *v != want.0)
                                .map(|(n, v)| format!("{n} {v}"))
                                .collect();
                            f.item(
                                off.is_empty(),
                                if off.is_empty() {
                                    format!("{name}'s control plane runs {want}")
                                } else {
                                    format!("{name} runs {}", off.join(", "))
                                },
                            );
                        }
                        None => f.item(false, format!("{name} is not a control plane")),
                    }
                }
            }
            Self::KubeProxyVersion(want) => {
                let got = c.addons.kube_proxy.to_string();
                f.item(got == want.0, format!("kube-proxy is {got}"));
            }
            Self::EtcdImage(want) => {
                for (name, want) in want {
                    let tag = node(c, name)
                        .and_then(|n| n.control_plane.as_ref())
                        .and_then(|cp| cp.etcd.clone())
                        .unwrap_or_default();
                    let same = tag == *want || tag.strip_suffix("-0") == Some(want.as_str());
                    match etcd_runs_on(sim, name) {
                        Ok(()) => f.item(same, format!("{name} runs etcd {tag}")),
                        Err(e) => f.item(false, format!("{e} (image {tag})")),
                    }
                }
            }
            Self::EtcdQuorum(want) => {
                let e = sim.etcd();
                let up = e.voters().filter(|m| m.is_running()).count();
                let got = e.has_quorum();
                f.item(
                    got == *want,
                    format!(
                        "etcd {} quorum: {up} of {} members running, {} needed",
                        if got { "has" } else { "has lost" },
                        e.voters().count(),
                        e.quorum_size()
                    ),
                );
            }
            Self::EtcdMembers {
                count,
                started,
                all_running,
            } => {
                let e = sim.etcd();
                if let Some(n) = count {
                    f.item(
                        e.members.len() == *n as usize,
                        format!("etcd has {} members", e.members.len()),
                    );
                }
                for name in started {
                    let ok = e.members.iter().any(|m| m.name == *name && m.is_running());
                    f.item(
                        ok,
                        format!("member {name} is {}", if ok { "started" } else { "not running" }),
                    );
                }
                if *all_running {
                    let down: Vec<String> = e
                        .members
                        .iter()
                        .filter(|m| !m.is_running())
                        .map(|m| m.label())
                        .collect();
                    f.item(
                        down.is_empty(),
                        if down.is_empty() {
                            "every member runs".to_string()
                        } else {
                            format!("not running: {}", down.join(", "))
                        },
                    );
                }
            }
            Self::EtcdDataDir {
                node: name,
                path,
                restored,
            } => {
                let n = node(c, name);
                let cp = n.and_then(|n| n.control_plane.as_ref());
                let dir = cp.map(|cp| cp.etcd_data_dir.clone()).unwrap_or_default();
                let live = n.is_some_and(|n| matches!(n.fs.get(path), Some(Entry::DataDir(DataDir::Live))));
                match etcd_runs_on(sim, name) {
                    Err(e) => f.item(false, e),
                    Ok(()) => f.item(dir == *path && live, format!("etcd on {name} runs on {dir}")),
                }
                if *restored {
                    let came = sim
                        .trace()
                        .range(base.trace..)
                        .any(|r| matches!(&r.event, Event::EtcdRestored { node, .. } if **node == **name));
                    f.item(
                        came,
                        if came {
                            "its data came from a snapshot restore".to_string()
                        } else {
                            "no restored data was started on it".to_string()
                        },
                    );
                }
            }
            Self::SnapshotFile {
                node: name,
                path,
                hash,
                contains,
                lacks,
            } => snapshot_file(c, name, path, *hash, contains, lacks, &mut f),
            Self::ApiAvailable(want) => {
                let got = sim.api_available();
                f.item(
                    got == *want,
                    format!("the API server {}", if got { "answers" } else { "does not answer" }),
                );
            }
            Self::NoViolations { except } => {
                let all = sim.violations();
                let new = &all[base.violations.min(all.len())..];
                let (allowed, bad): (Vec<_>, Vec<_>) =
                    new.iter().partition(|v| except.iter().any(|e| e.0 == v.id.as_str()));
                let bad: Vec<String> = bad.iter().map(|v| format!("{}: {}", v.id, v.detail)).collect();
                let mut allowed: Vec<String> = allowed.iter().map(|v| v.id.to_string()).collect();
                allowed.dedup();
                f.item(
                    bad.is_empty(),
                    match (bad.is_empty(), allowed.is_empty()) {
                        (false, _) => list(&bad),
                        (true, true) => "no invariant violated".to_string(),
                        (true, false) => format!("only the allowed {} was violated", allowed.join(", ")),
                    },
                );
            }
        }
        f.outcome()
    }
}

fn snapshot_file(
    c: &Cluster,
    name: &str,
    path: &str,
    hash: Option<bool>,
    contains: &[WorkloadRef],
    lacks: &[WorkloadRef],
    f: &mut Findings,
) {
    let Some(n) = node(c, name) else {
        f.item(false, format!("{name} does not exist"));
        return;
    };
    let snap = match n.fs.get(path) {
        Some(Entry::Snapshot(s)) => s.clone(),
        Some(Entry::Truncated(size, _)) => {
            f.item(false, format!("{path} on {name} is cut short ({size} bytes)"));
            return;
        }
        Some(_) => {
            f.item(false, format!("{path} on {name} is not an etcd snapshot"));
            return;
        }
        None => {
            f.item(false, format!("{path} does not exist on {name}"));
            return;
        }
    };
    let kind = if snap.has_hash {
        "a snapshot with its integrity hash"
    } else {
        "a copy of a db file (no hash)"
    };
    match hash {
        Some(want) => f.item(want == snap.has_hash, format!("{path} is {kind}")),
        None => f.item(true, format!("{path} is an etcd snapshot")),
    }
    if snap.copied_while_running {
        f.item(
            false,
            format!("{path} was copied while etcd was writing it: not a consistent backup (stop the member first)"),
        );
    }
    let api = snap.payload.as_ref().and_then(|p| p.downcast_ref::<ApiState>());
    for r in contains {
        let has = api.is_some_and(|a| workload(&a.0, r).is_some());
        f.item(has, format!("it {} {r}", if has { "holds" } else { "does not hold" }));
    }
    for r in lacks {
        let has = api.is_some_and(|a| workload(&a.0, r).is_some());
        f.item(!has, format!("it {} {r}", if has { "holds" } else { "does not hold" }));
    }
}

fn first_image(t: &PodTemplate) -> String {
    t.spec
        .containers
        .first()
        .and_then(|c| c.image.clone())
        .unwrap_or_default()
}

/// The first few items of a list, and how many more.
pub(crate) fn list(items: &[String]) -> String {
    const SHOWN: usize = 3;
    if items.len() <= SHOWN {
        items.join(", ")
    } else {
        format!("{} and {} more", items[..SHOWN].join(", "), items.len() - SHOWN)
    }
}
