//! The strategy benchmark file (`kind: StrategyBenchmark`, docs/benchmark-format.md): what
//! clusters to generate, which faults to inject, and the drain, upgrade and etcd
//! backup/restore strategies to compare on them.
//!
//! Loading checks everything a run would trip over later (unknown keys, wrong types, a batch
//! of 0, an even number of control planes, a policy file that does not load), so a run never
//! stops half-way on a bad file.

use kubedrill_sim::time::SimDuration;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The whole file.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BenchmarkFile {
    pub api_version: String,
    pub kind: String,
    pub metadata: Metadata,
    pub spec: Spec,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Metadata {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Spec {
    pub seeds: Seeds,
    pub cluster: ClusterGen,
    #[serde(default)]
    pub timings: Timings,
    #[serde(default)]
    pub faults: Faults,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drain: Option<DrainGroup>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<UpgradeGroup>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore: Option<RestoreGroup>,
}

/// The seed range: `from`, `from + 1`, … (`count` of them). `--seeds A..B` overrides it.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Seeds {
    pub from: u64,
    pub count: u64,
}

/// A number drawn per seed: a constant, `{uniform: [a, b]}` (integers inclusive),
/// `{choice: [a, b, …]}` or `{weights: {a: w, b: w}}`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(
    untagged,
    expecting = "a number, {uniform: [low, high]}, {choice: [a, b, ...]} or {weights: {value: weight, ...}}"
)]
pub enum Dist {
    Fixed(u64),
    Uniform { uniform: [u64; 2] },
    Choice { choice: Vec<u64> },
    Weights { weights: BTreeMap<u64, f64> },
}

/// A duration drawn per seed: `90s`, `{uniform: [60s, 3m]}` or `{choice: [30s, 5m]}`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(
    untagged,
    expecting = "a duration (90s, 5m, 1h30m), {uniform: [low, high]} or {choice: [a, b, ...]}"
)]
pub enum DurationDist {
    Fixed(Duration),
    Uniform { uniform: [Duration; 2] },
    Choice { choice: Vec<Duration> },
}

/// The longest duration in seconds: Go's `time.Duration` limit.
const MAX_SECS: u64 = (i64::MAX / 1_000_000_000) as u64;

/// A duration as scenarios write it (`30s`, `10m`, `1h30m`, `250ms`) or a number of seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration(pub SimDuration);

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged, expecting = "a duration (30s, 10m, 1h30m) or a number of seconds")]
        enum Raw {
            Secs(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            // Go's durations end at about 292 years (2^63 ns); so do ours.
            Raw::Secs(s) if s > MAX_SECS => Err(serde::de::Error::custom(format!(
                "{s} seconds is out of range: a duration is at most {MAX_SECS} seconds (about 292 years)"
            ))),
            Raw::Secs(s) => Ok(Self(SimDuration::from_secs(s))),
            Raw::Text(t) => SimDuration::parse_scenario(&t)
                .map(Self)
                .map_err(serde::de::Error::custom),
        }
    }
}

impl Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.go_string())
    }
}

/// A node count: `N` nodes or `N%` of a pool (rounded up, at least 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    Nodes(u32),
    Percent(u32),
}

impl Count {
    /// The count for a pool of `of` nodes, at least 1 and at most `of` (1 for an empty pool).
    pub fn resolve(self, of: u32) -> u32 {
        let n = match self {
            Self::Nodes(n) => n,
            Self::Percent(p) => (u64::from(of) * u64::from(p)).div_ceil(100) as u32,
        };
        n.clamp(1, of.max(1))
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged, expecting = "a number of nodes (5) or a percentage (\"10%\")")]
        enum Raw {
            N(u32),
            Text(String),
        }
        let bad = |t: &str| {
            serde::de::Error::custom(format!(
                "{t:?}: expected a number of nodes (5) or a percentage (\"10%\")"
            ))
        };
        match Raw::deserialize(d)? {
            Raw::N(0) => Err(serde::de::Error::custom("0 nodes: at least 1")),
            Raw::N(n) => Ok(Self::Nodes(n)),
            Raw::Text(t) => {
                let p: u32 = t
                    .strip_suffix('%')
                    .and_then(|p| p.trim().parse().ok())
                    .ok_or_else(|| bad(&t))?;
                if p == 0 || p > 100 {
                    return Err(serde::de::Error::custom(format!("{t:?}: a percentage from 1% to 100%")));
                }
                Ok(Self::Percent(p))
            }
        }
    }
}

impl Serialize for Count {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Nodes(n) => s.serialize_u32(*n),
            Self::Percent(p) => s.serialize_str(&format!("{p}%")),
        }
    }
}

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Nodes(n) => write!(f, "{n}"),
            Self::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// The cluster generator: one cluster per seed, the same for every strategy.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterGen {
    /// Where the clusters start (upgrades go from here to `upgrade.to`).
    #[serde(default = "default_version")]
    pub kubernetes_version: String,
    /// Control planes, each with a stacked etcd member: 1, 3, 5 or 7.
    #[serde(default = "three")]
    pub control_planes: Dist,
    pub pools: Vec<PoolGen>,
    pub workloads: WorkloadGen,
}

fn default_version() -> String {
    "v1.30.6".to_string()
}

fn three() -> Dist {
    Dist::Fixed(3)
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PoolGen {
    /// `[a-z0-9]+`; nodes are named `<name>0001`, … and labelled `pool: <name>`.
    pub name: String,
    pub nodes: Dist,
    /// Allocatable CPU cores per node.
    #[serde(default = "default_cpu")]
    pub cpu: u32,
    /// Allocatable memory per node, GiB.
    #[serde(default = "default_memory")]
    pub memory_gi: u32,
    /// Pods per node (kubelet `maxPods`).
    #[serde(default = "default_max_pods")]
    pub max_pods: u32,
}

fn default_cpu() -> u32 {
    4
}
fn default_memory() -> u32 {
    16
}
fn default_max_pods() -> u32 {
    110
}

/// Deployments and their budgets.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkloadGen {
    pub count: Dist,
    pub replicas: Dist,
    /// CPU request per pod, millicores.
    #[serde(default = "default_pod_cpu")]
    pub cpu_milli: u32,
    /// Memory request per pod, MiB.
    #[serde(default = "default_pod_memory")]
    pub memory_mi: u32,
    /// The share of workloads with each kind of PodDisruptionBudget (weights, normalised).
    #[serde(default)]
    pub pdb: PdbMix,
    /// Seconds from binding to Ready.
    #[serde(default = "one_dist_2")]
    pub start_seconds: Dist,
    /// Seconds from SIGTERM to exit.
    #[serde(default = "one_dist_1")]
    pub stop_seconds: Dist,
}

fn default_pod_cpu() -> u32 {
    100
}
fn default_pod_memory() -> u32 {
    128
}
fn one_dist_2() -> Dist {
    Dist::Fixed(2)
}
fn one_dist_1() -> Dist {
    Dist::Fixed(1)
}

/// Weights of the budget kinds a workload gets.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PdbMix {
    #[serde(default)]
    pub none: f64,
    #[serde(default)]
    pub max_unavailable1: f64,
    #[serde(default)]
    pub max_unavailable10pct: f64,
    #[serde(default)]
    pub min_available1: f64,
    /// `minAvailable` = replicas: no voluntary disruption is ever allowed (a drain deadlock).
    #[serde(default)]
    pub min_available_all: f64,
}

impl Default for PdbMix {
    fn default() -> Self {
        Self {
            none: 0.0,
            max_unavailable1: 1.0,
            max_unavailable10pct: 0.0,
            min_available1: 0.0,
            min_available_all: 0.0,
        }
    }
}

/// How long things outside the cluster take.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Timings {
    /// From asking for a machine to its node joining (surge, blue-green, replaced members).
    #[serde(default = "default_provision")]
    pub node_provision: DurationDist,
    /// Uploading a snapshot to backup storage, and downloading it for a restore.
    #[serde(default = "default_transfer")]
    pub snapshot_transfer: DurationDist,
    /// From an incident to someone starting the recovery.
    #[serde(default = "default_detection")]
    pub detection: DurationDist,
}

fn default_provision() -> DurationDist {
    DurationDist::Fixed(Duration(SimDuration::from_secs(90)))
}
fn default_transfer() -> DurationDist {
    DurationDist::Fixed(Duration(SimDuration::from_secs(30)))
}
fn default_detection() -> DurationDist {
    DurationDist::Fixed(Duration(SimDuration::from_secs(60)))
}

impl Default for Timings {
    fn default() -> Self {
        Self {
            node_provision: default_provision(),
            snapshot_transfer: default_transfer(),
            detection: default_detection(),
        }
    }
}

/// Faults injected into drain and upgrade runs; the same schedule for every strategy of a seed.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Faults {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_crash: Option<NodeCrashFaults>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etcd_member_crash: Option<EtcdCrashFaults>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etcd_partition: Option<EtcdPartitionFaults>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller_restart: Option<ControllerRestartFaults>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow_termination: Option<SlowTermination>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_shortage: Option<CapacityShortage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bad_image: Option<BadImage>,
}

/// Machines that never join (a bad image): surge and green nodes, a policy's new nodes.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BadImage {
    /// The share of machines asked for that never join.
    pub p: f64,
}

/// The cloud short of machines for a seed: surge and green nodes beyond what it can give are
/// not made.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CapacityShortage {
    /// The share of seeds that face a shortage.
    pub p: f64,
    /// Then, how many machines beyond the cluster's starting nodes can exist at once.
    pub surge_available: Dist,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeCrashFaults {
    /// Expected crashes per worker per hour of the run.
    pub per_node_hour: f64,
    /// How long a crashed node stays down.
    #[serde(default = "default_down")]
    pub downtime: DurationDist,
    /// The share of crashes the node never comes back from.
    #[serde(default)]
    pub permanent: f64,
}

fn default_down() -> DurationDist {
    DurationDist::Fixed(Duration(SimDuration::from_secs(300)))
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EtcdCrashFaults {
    /// Expected crashes of one etcd member (never the first control plane's) per hour.
    pub per_hour: f64,
    #[serde(default = "default_down")]
    pub downtime: DurationDist,
}

/// An etcd member cut off from its peers for a while (its process runs, its data is kept): a
/// partitioned leader loses its leadership, the API server beside it cannot serve.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EtcdPartitionFaults {
    /// Expected partitions of one etcd member (never the first control plane's) per hour.
    pub per_hour: f64,
    #[serde(default = "default_down")]
    pub duration: DurationDist,
}

/// kube-controller-manager restarts: no controller acts until one holds the lease again.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ControllerRestartFaults {
    /// Expected restarts per hour (of a control plane's controller-manager, any of them).
    pub per_hour: f64,
    /// How long the restarted container stays down (the kubelet restarts it at once).
    #[serde(default = "default_cm_downtime")]
    pub downtime: DurationDist,
}

fn default_cm_downtime() -> DurationDist {
    DurationDist::Fixed(Duration(SimDuration::from_secs(0)))
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SlowTermination {
    /// The share of workloads whose pods take `stopSeconds` to exit.
    pub p: f64,
    pub stop_seconds: u64,
}

/// Drain strategies for OS maintenance of every worker: drain, reboot, uncordon.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DrainGroup {
    /// How long each node is down for its maintenance (a reboot) after its drain.
    #[serde(default = "default_reboot")]
    pub reboot: Duration,
    pub strategies: Vec<DrainStrategy>,
}

fn default_reboot() -> Duration {
    Duration(SimDuration::from_secs(90))
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DrainStrategy {
    pub name: String,
    /// Nodes drained at once (in parallel): `1` is serial.
    #[serde(default = "one_node")]
    pub batch: Count,
    #[serde(default)]
    pub drain: DrainOptions,
    /// A wait after each batch is back.
    #[serde(default)]
    pub soak: Option<Duration>,
}

fn one_node() -> Count {
    Count::Nodes(1)
}

/// How one node is drained (the Eviction API, retried while a budget refuses).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DrainOptions {
    /// Per node; `0` waits forever.
    #[serde(default = "default_drain_timeout")]
    pub timeout: Duration,
    #[serde(default)]
    pub on_timeout: OnTimeout,
    /// How often a refused eviction is tried again (kubectl drain: 5 s).
    #[serde(default = "default_retry")]
    pub retry_interval: Duration,
}

fn default_drain_timeout() -> Duration {
    Duration(SimDuration::from_secs(600))
}
fn default_retry() -> Duration {
    Duration(SimDuration::from_secs(5))
}

impl Default for DrainOptions {
    fn default() -> Self {
        Self {
            timeout: default_drain_timeout(),
            on_timeout: OnTimeout::default(),
            retry_interval: default_retry(),
        }
    }
}

/// What happens to a node whose drain did not finish within the timeout.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum OnTimeout {
    /// Uncordon it, leave it as it is (not maintained, not upgraded) and go on.
    #[default]
    SkipNode,
    /// Delete the remaining pods (budgets overridden; counted as PDB overrides).
    ForceDelete,
    /// Stop the whole strategy there (the run ends unfinished).
    Fail,
}

/// Upgrade strategies: control planes in place one at a time, then the workers.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpgradeGroup {
    /// `next-minor` (the newest patch of the next minor) or an exact `vX.Y.Z`.
    #[serde(default = "next_minor")]
    pub to: String,
    pub strategies: Vec<UpgradeStrategy>,
}

fn next_minor() -> String {
    "next-minor".to_string()
}

/// One upgrade strategy: a built-in form, or (`policy:`) an UpgradePolicy.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpgradeStrategy {
    pub name: String,
    #[serde(default, rename = "type")]
    pub kind: Option<WorkerStrategy>,
    /// InPlace: nodes drained and upgraded at once; BlueGreen: blue nodes drained at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<Count>,
    /// Surge: new nodes at once (each replaces one old node).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_surge: Option<Count>,
    #[serde(default)]
    pub drain: DrainOptions,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soak: Option<Duration>,
    /// Surge and BlueGreen: the machine new nodes get, where it differs from the pool's
    /// (moving a pool to another machine size as it is upgraded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<Machine>,
    /// How the control planes are upgraded: in place (kubeadm, the default) or replaced by new
    /// machines at the target version (Cluster API's KubeadmControlPlane).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_planes: Option<ControlPlaneRoll>,
    /// An UpgradePolicy file (relative to the benchmark file) or an inline policy document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<yaml_serde::Value>,
    /// The policy `policy` names, loaded and checked.
    #[serde(skip)]
    pub policy_file: Option<std::sync::Arc<crate::policy::file::PolicyFile>>,
}

/// The control planes' part of an upgrade strategy.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ControlPlaneRoll {
    pub strategy: ControlPlaneStrategy,
    /// Replace: 1 adds the new control plane before removing an old one, 0 removes first
    /// (needs at least 3, so that a quorum survives the removal).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub max_surge: u32,
    /// Replace: join at v1.31 or later with kubeadm's ControlPlaneKubeletLocalMode gate on,
    /// as Cluster API does (on by default from v1.33).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub kubelet_local_mode: bool,
}

fn one() -> u32 {
    1
}

fn is_one(v: &u32) -> bool {
    *v == 1
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub enum ControlPlaneStrategy {
    /// `kubeadm upgrade apply`/`node` on each, then its kubelet, one at a time.
    InPlace,
    /// One at a time: a machine at the target version joins (`kubeadm join --control-plane`),
    /// an old one is drained, its etcd member removed and its node deleted.
    Replace,
}

/// A machine's size; what is left out is the pool's.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Machine {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_gi: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pods: Option<u32>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub enum WorkerStrategy {
    InPlace,
    Surge,
    BlueGreen,
}

/// etcd backup and restore strategies, each facing every incident.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RestoreGroup {
    pub incidents: Vec<Incident>,
    /// When the incident happens, after the first snapshot.
    #[serde(default = "default_incident_after")]
    pub incident_after: DurationDist,
    pub strategies: Vec<RestoreStrategy>,
}

fn default_incident_after() -> DurationDist {
    DurationDist::Uniform {
        uniform: [
            Duration(SimDuration::from_secs(3600)),
            Duration(SimDuration::from_secs(6 * 3600)),
        ],
    }
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
pub enum Incident {
    /// A majority of the etcd members lose their data at once (never the first control
    /// plane's): no quorum.
    QuorumLoss,
    /// One member (not the first control plane's) loses its disk.
    MemberDiskLoss,
}

impl Incident {
    pub fn name(self) -> &'static str {
        match self {
            Self::QuorumLoss => "quorumLoss",
            Self::MemberDiskLoss => "memberDiskLoss",
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RestoreStrategy {
    pub name: String,
    /// `etcdctl snapshot save` on the first control plane this often, uploaded to backup
    /// storage (available `timings.snapshotTransfer` later).
    pub snapshot_every: Duration,
    pub recovery: Recovery,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum Recovery {
    /// Restore every member from the newest uploaded backup (the documented HA restore).
    RestoreBackup,
    /// Take a snapshot from a surviving member and restore every member from it (no data
    /// lost); the newest backup when no member survives.
    RestoreFromSurvivor,
    /// Remove the failed members and add fresh ones (`member remove`, `member add`); needs a
    /// quorum, so under quorum loss it falls back to restoring the newest backup.
    ReplaceMember,
}

/// What a benchmark file is, for the "empty file" message.
pub const A_BENCHMARK: &str =
    "a strategy benchmark (a mapping with apiVersion: kubedrill/v1, kind: StrategyBenchmark, metadata, spec)";

/// A benchmark file that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", .line.map(|l| format!(":{l}{}", .column.map(|c| format!(":{c}")).unwrap_or_default())).unwrap_or_default())]
pub struct FileError {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl FileError {
    fn at(file: &str, text: &str, path: &str, message: impl Into<String>) -> Self {
        let pos = crate::scenario_file::locate(text, path);
        let message = message.into();
        Self {
            file: file.to_string(),
            line: pos.map(|p| p.0),
            column: pos.map(|p| p.1),
            message: if path.is_empty() {
                message
            } else {
                format!("{path}: {message}")
            },
        }
    }
}

/// Parses and checks a benchmark file's text; `file` names it in errors, and policy files
/// are found relative to the working directory.
pub fn load_str(text: &str, file: &str) -> Result<BenchmarkFile, FileError> {
    load_str_in(text, file, std::path::Path::new("."))
}

/// [`load_str`] with policy files found relative to `dir`.
pub fn load_str_in(text: &str, file: &str, dir: &std::path::Path) -> Result<BenchmarkFile, FileError> {
    let mut parsed = parse(text, file)?;
    resolve_policies(&mut parsed, text, file, dir)?;
    Ok(parsed)
}

/// Loads every upgrade strategy's policy (a file, or an inline document).
fn resolve_policies(f: &mut BenchmarkFile, text: &str, file: &str, dir: &std::path::Path) -> Result<(), FileError> {
    let Some(u) = &mut f.spec.upgrade else { return Ok(()) };
    for (i, s) in u.strategies.iter_mut().enumerate() {
        let path = format!("spec.upgrade.strategies[{i}].policy");
        let loaded = match &s.policy {
            None => continue,
            Some(yaml_serde::Value::String(p)) => crate::policy::file::load(&dir.join(p))
                .map_err(|e| FileError::at(file, text, &path, format!("the policy file: {e}")))?,
            Some(inline) => {
                let doc = yaml_serde::to_string(inline).unwrap_or_default();
                crate::policy::file::load_str(&doc, "inline policy")
                    .map_err(|e| FileError::at(file, text, &path, e.message.clone()))?
            }
        };
        s.policy_file = Some(std::sync::Arc::new(loaded));
    }
    Ok(())
}

fn parse(text: &str, file: &str) -> Result<BenchmarkFile, FileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(FileError {
            file: file.to_string(),
            line: None,
            column: None,
            message: format!("the file is empty: expected {A_BENCHMARK}"),
        });
    }
    let parsed: BenchmarkFile = yaml_serde::from_str(text).map_err(|e| {
        let loc = e.location();
        let mut message = e.to_string();
        if let Some(l) = &loc
            && let Some(head) = message.strip_suffix(&format!(" at line {} column {}", l.line(), l.column()))
        {
            message = head.to_string();
        }
        FileError {
            file: file.to_string(),
            line: loc.as_ref().map(|l| l.line()),
            column: loc.as_ref().map(|l| l.column()),
            message: message.replace("struct BenchmarkFile", A_BENCHMARK),
        }
    })?;
    check(&parsed).map_err(|(path, m)| FileError::at(file, text, &path, m))?;
    Ok(parsed)
}

/// Reads and checks a benchmark file.
pub fn load(path: &std::path::Path) -> Result<(BenchmarkFile, String), FileError> {
    let file = path.display().to_string();
    let error = |message: String| FileError {
        file: file.clone(),
        line: None,
        column: None,
        message,
    };
    let bytes = crate::scenario_file::read_capped(path).map_err(error)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| error("not UTF-8 text: a benchmark file must be UTF-8 YAML".to_string()))?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let parsed = load_str_in(&text, &file, dir)?;
    Ok((parsed, text))
}

type Problem = (String, String);

fn check(f: &BenchmarkFile) -> Result<(), Problem> {
    let p = |path: &str, m: String| Err((path.to_string(), m));
    if f.api_version != "kubedrill/v1" {
        return p("apiVersion", format!("{:?}: expected kubedrill/v1", f.api_version));
    }
    if f.kind != "StrategyBenchmark" {
        return p("kind", format!("{:?}: expected StrategyBenchmark", f.kind));
    }
    if !is_name(&f.metadata.name) {
        return p("metadata.name", format!("{:?}: expected [a-z0-9-]+", f.metadata.name));
    }
    let s = &f.spec;
    if s.seeds.count == 0 {
        return p("spec.seeds.count", "0 seeds: at least 1".into());
    }
    if s.seeds.from.checked_add(s.seeds.count).is_none() {
        return p("spec.seeds", "the range goes past the largest seed".into());
    }
    check_cluster(&s.cluster)?;
    check_faults(&s.faults)?;
    if s.drain.is_none() && s.upgrade.is_none() && s.restore.is_none() {
        return p("spec", "no strategies: expected drain, upgrade or restore".into());
    }
    if let Some(d) = &s.drain {
        names(d.strategies.iter().map(|s| &s.name), "spec.drain.strategies")?;
    }
    if let Some(u) = &s.upgrade {
        check_upgrade(u)?;
    }
    if let Some(r) = &s.restore {
        names(r.strategies.iter().map(|s| &s.name), "spec.restore.strategies")?;
        if let Some(few) = s.cluster.control_planes.values().into_iter().find(|n| *n < 3) {
            return p(
                "spec.cluster.controlPlanes",
                format!(
                    "{few}: restore strategies need at least 3 control planes (an incident leaves the first one's member)"
                ),
            );
        }
        if r.incidents.is_empty() {
            return p(
                "spec.restore.incidents",
                "no incidents: expected quorumLoss, memberDiskLoss or both".into(),
            );
        }
        for (i, st) in r.strategies.iter().enumerate() {
            if st.snapshot_every.0 < SimDuration::from_secs(60) {
                return p(
                    &format!("spec.restore.strategies[{i}].snapshotEvery"),
                    "at least 1m".into(),
                );
            }
        }
    }
    Ok(())
}

fn is_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 63
        && n.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn names<'a>(list: impl Iterator<Item = &'a String>, path: &str) -> Result<(), Problem> {
    let mut seen = std::collections::BTreeSet::new();
    let mut any = false;
    for (i, n) in list.enumerate() {
        any = true;
        if !is_name(n) {
            return Err((format!("{path}[{i}].name"), format!("{n:?}: expected [a-z0-9-]+")));
        }
        if !seen.insert(n.clone()) {
            return Err((format!("{path}[{i}].name"), format!("{n:?} is used twice")));
        }
    }
    if !any {
        return Err((path.to_string(), "no strategies".into()));
    }
    Ok(())
}

/// The most nodes and pods a generated cluster may have: Kubernetes' documented limits.
pub const MAX_NODES: u64 = 5_000;
pub const MAX_PODS: u64 = 150_000;

fn check_cluster(c: &ClusterGen) -> Result<(), Problem> {
    kubedrill_sim::version::KubeVersion::parse(&c.kubernetes_version)
        .and_then(|v| v.check_supported())
        .map_err(|e| ("spec.cluster.kubernetesVersion".to_string(), e.to_string()))?;
    check_dist(&c.control_planes, "spec.cluster.controlPlanes")?;
    if let Some(bad) = c
        .control_planes
        .values()
        .into_iter()
        .find(|n| ![1, 3, 5, 7].contains(n))
    {
        return Err((
            "spec.cluster.controlPlanes".into(),
            format!("{bad}: expected 1, 3, 5 or 7 (an etcd member on each)"),
        ));
    }
    if c.pools.is_empty() {
        return Err(("spec.cluster.pools".into(), "no worker pools".into()));
    }
    let mut nodes = 0u64;
    let mut seen = std::collections::BTreeSet::new();
    for (i, pool) in c.pools.iter().enumerate() {
        let path = format!("spec.cluster.pools[{i}]");
        if pool.name.is_empty() || !pool.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
            return Err((format!("{path}.name"), format!("{:?}: expected [a-z0-9]+", pool.name)));
        }
        if !seen.insert(&pool.name) {
            return Err((format!("{path}.name"), format!("{:?} is used twice", pool.name)));
        }
        check_dist(&pool.nodes, &format!("{path}.nodes"))?;
        if pool.cpu == 0 || pool.memory_gi == 0 || pool.max_pods == 0 {
            return Err((path, "cpu, memoryGi and maxPods must be at least 1".into()));
        }
        nodes += pool.nodes.max();
    }
    nodes += c.control_planes.max();
    if nodes > MAX_NODES {
        return Err((
            "spec.cluster.pools".into(),
            format!("up to {nodes} nodes: at most {MAX_NODES} (Kubernetes' documented limit)"),
        ));
    }
    let w = &c.workloads;
    check_dist(&w.count, "spec.cluster.workloads.count")?;
    check_dist(&w.replicas, "spec.cluster.workloads.replicas")?;
    check_dist(&w.start_seconds, "spec.cluster.workloads.startSeconds")?;
    check_dist(&w.stop_seconds, "spec.cluster.workloads.stopSeconds")?;
    if w.replicas.values().contains(&0) {
        return Err((
            "spec.cluster.workloads.replicas".into(),
            "0 replicas: at least 1".into(),
        ));
    }
    let pods = w.count.max() * w.replicas.max();
    if pods > MAX_PODS {
        return Err((
            "spec.cluster.workloads".into(),
            format!("up to {pods} pods: at most {MAX_PODS} (Kubernetes' documented limit)"),
        ));
    }
    if w.cpu_milli == 0 || w.memory_mi == 0 {
        return Err((
            "spec.cluster.workloads".into(),
            "cpuMilli and memoryMi must be at least 1".into(),
        ));
    }
    let mix = &w.pdb;
    let weights = [
        mix.none,
        mix.max_unavailable1,
        mix.max_unavailable10pct,
        mix.min_available1,
        mix.min_available_all,
    ];
    if weights.iter().any(|x| !x.is_finite() || *x < 0.0) || weights.iter().sum::<f64>() <= 0.0 {
        return Err((
            "spec.cluster.workloads.pdb".into(),
            "weights must be non-negative numbers, not all 0".into(),
        ));
    }
    Ok(())
}

fn check_dist(d: &Dist, path: &str) -> Result<(), Problem> {
    let bad = |m: &str| Err((path.to_string(), m.to_string()));
    match d {
        Dist::Fixed(_) => Ok(()),
        Dist::Uniform { uniform: [a, b] } if a > b => bad("uniform: [low, high] needs low <= high"),
        Dist::Uniform { .. } => Ok(()),
        Dist::Choice { choice } if choice.is_empty() => bad("choice: an empty list"),
        Dist::Choice { .. } => Ok(()),
        Dist::Weights { weights } => {
            if weights.is_empty()
                || weights.values().any(|w| !w.is_finite() || *w < 0.0)
                || weights.values().sum::<f64>() <= 0.0
            {
                bad("weights: non-negative numbers, not all 0")
            } else {
                Ok(())
            }
        }
    }
}

fn check_faults(f: &Faults) -> Result<(), Problem> {
    let share = |x: f64, path: &str| {
        if (0.0..=1.0).contains(&x) {
            Ok(())
        } else {
            Err((path.to_string(), format!("{x}: expected a share from 0 to 1")))
        }
    };
    let rate = |x: f64, path: &str| {
        if x.is_finite() && (0.0..=1000.0).contains(&x) {
            Ok(())
        } else {
            Err((path.to_string(), format!("{x}: expected a rate from 0 to 1000")))
        }
    };
    if let Some(c) = &f.node_crash {
        rate(c.per_node_hour, "spec.faults.nodeCrash.perNodeHour")?;
        share(c.permanent, "spec.faults.nodeCrash.permanent")?;
    }
    if let Some(c) = &f.etcd_member_crash {
        rate(c.per_hour, "spec.faults.etcdMemberCrash.perHour")?;
    }
    if let Some(c) = &f.etcd_partition {
        rate(c.per_hour, "spec.faults.etcdPartition.perHour")?;
    }
    if let Some(c) = &f.controller_restart {
        rate(c.per_hour, "spec.faults.controllerRestart.perHour")?;
    }
    if let Some(s) = &f.slow_termination {
        share(s.p, "spec.faults.slowTermination.p")?;
    }
    if let Some(b) = &f.bad_image {
        share(b.p, "spec.faults.badImage.p")?;
    }
    if let Some(c) = &f.capacity_shortage {
        share(c.p, "spec.faults.capacityShortage.p")?;
        check_dist(&c.surge_available, "spec.faults.capacityShortage.surgeAvailable")?;
    }
    Ok(())
}

fn check_upgrade(u: &UpgradeGroup) -> Result<(), Problem> {
    names(u.strategies.iter().map(|s| &s.name), "spec.upgrade.strategies")?;
    if u.to != "next-minor" {
        kubedrill_sim::version::KubeVersion::parse(&u.to)
            .and_then(|v| v.check_supported())
            .map_err(|e| ("spec.upgrade.to".to_string(), format!("{e} (or next-minor)")))?;
    }
    for (i, s) in u.strategies.iter().enumerate() {
        let path = format!("spec.upgrade.strategies[{i}]");
        match (&s.kind, &s.policy) {
            (None, None) => {
                return Err((
                    path,
                    "expected type (InPlace, Surge, BlueGreen) or policy (an UpgradePolicy file or document)".into(),
                ));
            }
            (Some(_), Some(_)) => return Err((path, "type and policy: give one of them".into())),
            (Some(WorkerStrategy::Surge), _) if s.batch.is_some() => {
                return Err((format!("{path}.batch"), "Surge takes maxSurge, not batch".into()));
            }
            (Some(WorkerStrategy::InPlace | WorkerStrategy::BlueGreen), _) if s.max_surge.is_some() => {
                return Err((format!("{path}.maxSurge"), "only Surge takes maxSurge".into()));
            }
            (Some(WorkerStrategy::InPlace), _) if s.machine.is_some() => {
                return Err((
                    format!("{path}.machine"),
                    "InPlace keeps its machines: machine goes with Surge and BlueGreen".into(),
                ));
            }
            (Some(_), _)
                if s.control_planes
                    .is_some_and(|c| c.kubelet_local_mode && c.strategy == ControlPlaneStrategy::InPlace) =>
            {
                return Err((
                    format!("{path}.controlPlanes.kubeletLocalMode"),
                    "applies to the control planes a Replace roll joins".into(),
                ));
            }
            (Some(_), _) if s.control_planes.is_some_and(|c| c.max_surge > 1) => {
                return Err((
                    format!("{path}.controlPlanes.maxSurge"),
                    "0 (remove first) or 1 (add first): control planes are replaced one at a time".into(),
                ));
            }
            (Some(_), _)
                if s.machine
                    .is_some_and(|m| [m.cpu, m.memory_gi, m.max_pods].contains(&Some(0))) =>
            {
                return Err((
                    format!("{path}.machine"),
                    "cpu, memoryGi and maxPods must be at least 1".into(),
                ));
            }
            (None, Some(p)) if !p.is_string() && !p.is_mapping() => {
                return Err((
                    format!("{path}.policy"),
                    "expected the path of an UpgradePolicy file or an inline UpgradePolicy document".into(),
                ));
            }
            (None, Some(_))
                if s.batch.is_some()
                    || s.max_surge.is_some()
                    || s.machine.is_some()
                    || s.control_planes.is_some()
                    || s.soak.is_some()
                    || s.drain != DrainOptions::default() =>
            {
                return Err((
                    path,
                    "a policy says its own batches, surge, soak and drain: batch, maxSurge, machine, controlPlanes, soak and drain go with type".into(),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

impl Dist {
    /// Every value the distribution can give, for bounds checks.
    pub fn values(&self) -> Vec<u64> {
        match self {
            Self::Fixed(v) => vec![*v],
            Self::Uniform { uniform: [a, b] } => vec![*a, *b],
            Self::Choice { choice } => choice.clone(),
            Self::Weights { weights } => weights.keys().copied().collect(),
        }
    }

    pub fn max(&self) -> u64 {
        self.values().into_iter().max().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "apiVersion: kubedrill/v1
kind: StrategyBenchmark
metadata: {name: small}
spec:
  seeds: {from: 1, count: 2}
  cluster:
    pools: [{name: general, nodes: 3}]
    workloads: {count: 2, replicas: {choice: [2, 3]}}
  drain:
    strategies:
      - {name: serial}
      - {name: batch-50pct, batch: 50%, drain: {timeout: 2m, onTimeout: forceDelete}}
";

    #[test]
    fn a_minimal_file_loads_with_its_defaults() {
        let f = load_str(MINIMAL, "b.yaml").expect("loads");
        assert_eq!(f.spec.cluster.kubernetes_version, "v1.30.6");
        assert_eq!(f.spec.cluster.control_planes, Dist::Fixed(3));
        let d = f.spec.drain.expect("drain");
        assert_eq!(d.strategies[1].batch, Count::Percent(50));
        assert_eq!(d.strategies[1].drain.on_timeout, OnTimeout::ForceDelete);
        assert_eq!(d.strategies[1].drain.timeout.0, SimDuration::from_secs(120));
        assert_eq!(d.strategies[0].drain, DrainOptions::default());
    }

    #[test]
    fn bad_files_are_refused_with_path_and_position() {
        let cases = [
            (
                MINIMAL.replace("{name: serial}", "{name: serial, bogus: 1}"),
                "unknown field `bogus`",
            ),
            (
                MINIMAL.replace("batch: 50%", "batch: 0%"),
                "a percentage from 1% to 100%",
            ),
            (
                MINIMAL.replace("{name: serial}", "{name: batch-50pct}"),
                "is used twice",
            ),
            (MINIMAL.replace("nodes: 3", "nodes: 6000"), "at most 5000"),
            (
                MINIMAL.replace("kind: StrategyBenchmark", "kind: Scenario"),
                "expected StrategyBenchmark",
            ),
            (
                MINIMAL.replace("pools: [", "controlPlanes: 2\n    pools: ["),
                "expected 1, 3, 5 or 7",
            ),
            (
                MINIMAL.replace("{choice: [2, 3]}", "{choice: []}"),
                "choice: an empty list",
            ),
            (
                MINIMAL.replace("timeout: 2m", "timeout: 2 minutes"),
                "invalid duration \"2 minutes\"",
            ),
            (
                MINIMAL.replace("timeout: 2m", "timeout: 18446744073709551615"),
                "is out of range: a duration is at most 9223372036 seconds",
            ),
            (
                MINIMAL.replace(
                    "  drain:\n",
                    "  faults: {capacityShortage: {p: 1.5, surgeAvailable: 1}}\n  drain:\n",
                ),
                "spec.faults.capacityShortage.p",
            ),
            (
                MINIMAL.replace("  drain:\n", "  faults: {capacityShortage: {p: 0.5}}\n  drain:\n"),
                "missing field `surgeAvailable`",
            ),
            (
                MINIMAL.replace("  drain:\n", "  faults: {badImage: {p: -0.1}}\n  drain:\n"),
                "spec.faults.badImage.p",
            ),
        ];
        for (text, want) in cases {
            let e = load_str(&text, "b.yaml").expect_err(want);
            assert!(e.to_string().contains(want), "{e} should say {want}");
            assert!(e.line.is_some(), "{e} has a line");
        }
        let e = load_str("", "b.yaml").expect_err("empty");
        assert!(e.message.contains("the file is empty"));
    }

    #[test]
    fn counts_resolve_against_the_pool() {
        assert_eq!(Count::Percent(10).resolve(25), 3);
        assert_eq!(Count::Percent(100).resolve(7), 7);
        assert_eq!(Count::Nodes(10).resolve(4), 4);
        assert_eq!(Count::Nodes(3).resolve(0), 1);
    }
}
