//! Upgrade policy files (`apiVersion: kubedrill/v1`, `kind: UpgradePolicy`): the types, the
//! loader and the checks, with every error at `file:line:col` as the scenario loader gives
//! them. docs/policy-format.md documents every key.

use crate::scenario_file::{LoadError, load_document, read_text, scenario_error_at};
use kubedrill_sim::release::version::KubeVersion;
use kubedrill_sim::runner::ScenarioError;
use kubedrill_sim::scenario::Metadata;
use kubedrill_sim::time::SimDuration;
use serde::Deserialize;
use serde::de::{self, Deserializer};
use std::collections::BTreeSet;
use std::path::Path;

const A_POLICY: &str =
    "an upgrade policy (a mapping with apiVersion: kubedrill/v1, kind: UpgradePolicy, metadata, spec)";

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PolicyFile {
    pub api_version: String,
    pub kind: String,
    pub metadata: Metadata,
    pub spec: Spec,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Spec {
    pub target: Target,
    #[serde(default = "default_stages")]
    pub stages: Vec<Stage>,
    #[serde(default)]
    pub preflight: Preflight,
    #[serde(default)]
    pub etcd: EtcdStage,
    #[serde(default)]
    pub control_planes: ControlPlanes,
    #[serde(default)]
    pub workers: Workers,
    #[serde(default)]
    pub drain: Drain,
    /// How long to wait for a node to be Ready after its kubelet restart or join (0 = forever).
    #[serde(default = "ten_minutes")]
    pub node_ready_timeout: Duration,
    /// A wait after each node (each batch) is done, before the next one starts.
    #[serde(default)]
    pub soak_after_each_node: Duration,
    /// After each node (each batch), wait until every workload that was fully available
    /// before it is fully available again (up to nodeReadyTimeout, then abort).
    #[serde(default = "yes")]
    pub wait_for_workloads: bool,
    #[serde(default)]
    pub verify: Verify,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// `next-minor`, `next-patch` or an exact version (`v1.31.2`).
    pub version: String,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
pub enum Stage {
    Etcd,
    ControlPlanes,
    Workers,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Etcd => "etcd",
            Self::ControlPlanes => "controlPlanes",
            Self::Workers => "workers",
        }
    }
}

fn default_stages() -> Vec<Stage> {
    vec![Stage::Etcd, Stage::ControlPlanes, Stage::Workers]
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Preflight {
    /// Every etcd member running with a leader before each stage and each control plane.
    #[serde(default = "yes")]
    pub etcd_healthy: bool,
    /// Every node Ready before each stage.
    #[serde(default)]
    pub nodes_ready: bool,
    /// How long to wait for the checks to pass (0 = forever), then abort.
    #[serde(default = "five_minutes")]
    pub timeout: Duration,
}

impl Default for Preflight {
    fn default() -> Self {
        Self {
            etcd_healthy: true,
            nodes_ready: false,
            timeout: Duration(SimDuration::from_secs(300)),
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EtcdStage {
    /// Members restarted at once when the etcd image changes.
    #[serde(default = "one")]
    pub max_unavailable: u32,
    /// `etcdctl snapshot save` on the first control plane before any member changes.
    #[serde(default)]
    pub backup: bool,
}

impl Default for EtcdStage {
    fn default() -> Self {
        Self {
            max_unavailable: 1,
            backup: false,
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ControlPlanes {
    /// `InPlace` (kubeadm upgrades each control plane) or `Replace` (Cluster API's
    /// KubeadmControlPlane: new control planes join at the target, old ones are removed).
    #[serde(default)]
    pub strategy: CpStrategy,
    /// Control planes cordoned or restarting at once.
    #[serde(default = "one")]
    pub max_unavailable: u32,
    /// Replace: 1 joins a new control plane before removing an old one (KubeadmControlPlane's
    /// default), 0 removes first.
    #[serde(default)]
    pub max_surge: Option<u32>,
    /// Replace: join control planes at v1.31 or later with kubeadm's
    /// ControlPlaneKubeletLocalMode feature gate on, as Cluster API does (kubeadm turns it on
    /// by default from v1.33).
    #[serde(default)]
    pub kubelet_local_mode: bool,
    /// Drain each control plane before its kubelet upgrade (the kubeadm procedure); a
    /// replaced control plane is always drained.
    #[serde(default = "yes")]
    pub drain: bool,
}

impl ControlPlanes {
    /// Replace: whether a new control plane joins before an old one goes.
    pub fn add_first(&self) -> bool {
        self.max_surge.unwrap_or(1) > 0
    }
}

impl Default for ControlPlanes {
    fn default() -> Self {
        Self {
            strategy: CpStrategy::InPlace,
            max_unavailable: 1,
            max_surge: None,
            kubelet_local_mode: false,
            drain: true,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
pub enum CpStrategy {
    #[default]
    InPlace,
    Replace,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
pub enum Strategy {
    InPlace,
    Surge,
    BlueGreen,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum Order {
    ByName,
    OldestFirst,
    LeastPodsFirst,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Workers {
    #[serde(default = "in_place")]
    pub strategy: Strategy,
    /// Nodes of a pool out of service at once (cordoned, draining, restarting).
    #[serde(default)]
    pub max_unavailable: Option<IntOrPercent>,
    /// Extra nodes at once (Surge; BlueGreen creates the whole green pool).
    #[serde(default)]
    pub max_surge: Option<IntOrPercent>,
    #[serde(default = "by_name")]
    pub order: Order,
}

impl Default for Workers {
    fn default() -> Self {
        Self {
            strategy: Strategy::InPlace,
            max_unavailable: None,
            max_surge: None,
            order: Order::ByName,
        }
    }
}

impl Workers {
    /// maxUnavailable as written, or its default: 1 in place and for blue-green batches, 0
    /// for Surge.
    pub fn max_unavailable(&self) -> IntOrPercent {
        self.max_unavailable.unwrap_or(match self.strategy {
            Strategy::Surge => IntOrPercent::Int(0),
            _ => IntOrPercent::Int(1),
        })
    }

    pub fn max_surge(&self) -> IntOrPercent {
        self.max_surge.unwrap_or(match self.strategy {
            Strategy::InPlace => IntOrPercent::Int(0),
            Strategy::Surge => IntOrPercent::Int(1),
            Strategy::BlueGreen => IntOrPercent::Percent(100),
        })
    }

    /// maxUnavailable and maxSurge of a pool of `pool` nodes, as Kubernetes resolves a
    /// Deployment's: surge rounds up, unavailable down, and when both come to 0 one node may
    /// be unavailable.
    pub fn resolve(&self, pool: u32) -> (u32, u32) {
        let surge = self.max_surge().of(pool, true);
        let mut unavailable = self.max_unavailable().of(pool, false);
        if surge == 0 && unavailable == 0 {
            unavailable = 1;
        }
        (unavailable.min(pool.max(1)), surge)
    }
}

/// An int or a percentage of a pool (`50%`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntOrPercent {
    Int(u32),
    Percent(u32),
}

impl IntOrPercent {
    pub fn of(self, total: u32, round_up: bool) -> u32 {
        match self {
            Self::Int(n) => n,
            Self::Percent(p) if round_up => (total * p).div_ceil(100),
            Self::Percent(p) => total * p / 100,
        }
    }

    pub fn is_zero(self) -> bool {
        matches!(self, Self::Int(0) | Self::Percent(0))
    }

    pub fn text(self) -> String {
        match self {
            Self::Int(n) => n.to_string(),
            Self::Percent(p) => format!("{p}%"),
        }
    }
}

impl<'de> Deserialize<'de> for IntOrPercent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = IntOrPercent;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a non-negative integer or a percentage such as 50%")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<IntOrPercent, E> {
                u32::try_from(v)
                    .map(IntOrPercent::Int)
                    .map_err(|_| E::custom(format!("{v} is too large")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IntOrPercent, E> {
                u64::try_from(v)
                    .map_err(|_| {
                        E::custom(format!(
                            "{v} is negative: expected {}",
                            "a non-negative integer or a percentage such as 50%"
                        ))
                    })
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IntOrPercent, E> {
                let bad = || E::custom(format!("{v:?} is not an integer or a percentage such as 50%"));
                let p = v.strip_suffix('%').ok_or_else(bad)?;
                let n: u32 = p.parse().map_err(|_| bad())?;
                if n > 100 {
                    return Err(E::custom(format!("{v:?} is more than 100%")));
                }
                Ok(IntOrPercent::Percent(n))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum OnTimeout {
    /// Uncordon the node (it stays at the old version) and abort the upgrade.
    Fail,
    /// Uncordon the node, leave it at the old version and go on with the next one.
    SkipNode,
    /// Delete what is left on the node without eviction and without grace (`--disable-eviction
    /// --force --grace-period=0`): PodDisruptionBudgets are overridden.
    ForceDelete,
    /// Drain again with `--disable-eviction`: pods are deleted, PodDisruptionBudgets ignored.
    DisableEviction,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Drain {
    #[serde(default = "yes")]
    pub ignore_daemon_sets: bool,
    #[serde(default = "yes")]
    pub delete_empty_dir_data: bool,
    #[serde(default)]
    pub force: bool,
    #[serde(default)]
    pub grace_period: GracePeriod,
    /// Per node; 0 = wait forever.
    #[serde(default = "ten_minutes")]
    pub timeout: Duration,
    #[serde(default = "fail")]
    pub on_timeout: OnTimeout,
}

impl Default for Drain {
    fn default() -> Self {
        Self {
            ignore_daemon_sets: true,
            delete_empty_dir_data: true,
            force: false,
            grace_period: GracePeriod::PodDefault,
            timeout: Duration(SimDuration::from_secs(600)),
            on_timeout: OnTimeout::Fail,
        }
    }
}

/// `podDefault` (each pod's terminationGracePeriodSeconds) or seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GracePeriod {
    #[default]
    PodDefault,
    Seconds(u32),
}

impl<'de> Deserialize<'de> for GracePeriod {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = GracePeriod;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("podDefault or a number of seconds")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<GracePeriod, E> {
                u32::try_from(v)
                    .map(GracePeriod::Seconds)
                    .map_err(|_| E::custom(format!("{v} is too large")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<GracePeriod, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom(format!("{v} is negative: expected podDefault or a number of seconds")))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<GracePeriod, E> {
                if v == "podDefault" {
                    return Ok(GracePeriod::PodDefault);
                }
                Err(E::custom(format!("{v:?}: expected podDefault or a number of seconds")))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Verify {
    /// Every node Ready at the end.
    #[serde(default = "yes")]
    pub all_nodes_ready: bool,
    /// Every Deployment, StatefulSet and DaemonSet with all its replicas Ready at the end.
    #[serde(default = "yes")]
    pub workloads_available: bool,
    /// How long to wait for both (0 = forever), then abort.
    #[serde(default = "ten_minutes")]
    pub timeout: Duration,
}

impl Default for Verify {
    fn default() -> Self {
        Self {
            all_nodes_ready: true,
            workloads_available: true,
            timeout: Duration(SimDuration::from_secs(600)),
        }
    }
}

/// A duration written as the scenarios write them (`30s`, `10m`, `1h30m`) or a number of
/// seconds; `0` means no limit where the key says so.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Duration(pub SimDuration);

impl Duration {
    /// The limit, or None for 0 (forever).
    pub fn limit(self) -> Option<SimDuration> {
        (self.0 != SimDuration::ZERO).then_some(self.0)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a duration such as 30s or 10m")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
                v.checked_mul(1000)
                    .map(|ms| Duration(SimDuration::from_ms(ms)))
                    .ok_or_else(|| E::custom(format!("{v} seconds is too long")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom(format!("{v} is negative: expected a duration such as 30s or 10m")))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
                if v.trim_start().starts_with('-') {
                    return Err(E::custom(format!(
                        "{v:?} is negative: expected a duration such as 30s or 10m"
                    )));
                }
                SimDuration::parse_scenario(v).map(Duration).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

fn yes() -> bool {
    true
}
fn one() -> u32 {
    1
}
fn in_place() -> Strategy {
    Strategy::InPlace
}
fn by_name() -> Order {
    Order::ByName
}
fn fail() -> OnTimeout {
    OnTimeout::Fail
}
fn ten_minutes() -> Duration {
    Duration(SimDuration::from_secs(600))
}
fn five_minutes() -> Duration {
    Duration(SimDuration::from_secs(300))
}

/// What `target.version` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetVersion {
    /// The newest patch of the next minor the release catalogue knows.
    NextMinor,
    /// The newest patch of the cluster's minor.
    NextPatch,
    Exact(KubeVersion),
}

impl PolicyFile {
    pub fn target(&self) -> TargetVersion {
        match self.spec.target.version.as_str() {
            "next-minor" => TargetVersion::NextMinor,
            "next-patch" => TargetVersion::NextPatch,
            // `check` refused anything else that does not parse.
            v => KubeVersion::parse(v).map_or(TargetVersion::NextMinor, TargetVersion::Exact),
        }
    }

    pub fn name(&self) -> &str {
        &self.metadata.name
    }
}

/// Reads and checks a policy file; errors carry file:line:col.
pub fn load(path: &Path) -> Result<PolicyFile, LoadError> {
    let text = read_text(path, "a policy file")?;
    load_str(&text, &path.display().to_string())
}

/// Parses and checks a policy from YAML text; `file` names it in errors.
pub fn load_str(text: &str, file: &str) -> Result<PolicyFile, LoadError> {
    let policy: PolicyFile = load_document(text, file, A_POLICY)?;
    check(&policy).map_err(|e| scenario_error_at(text, file, &e))?;
    Ok(policy)
}

fn err(path: impl Into<String>, message: impl Into<String>) -> ScenarioError {
    ScenarioError {
        path: path.into(),
        message: message.into(),
    }
}

/// What the types cannot say: the header, names, the target, stage order and the knobs'
/// combinations.
pub fn check(p: &PolicyFile) -> Result<(), ScenarioError> {
    if p.api_version != "kubedrill/v1" {
        return Err(err(
            "apiVersion",
            format!("expected \"kubedrill/v1\", found {:?}", p.api_version),
        ));
    }
    if p.kind != "UpgradePolicy" {
        return Err(err("kind", format!("expected \"UpgradePolicy\", found {:?}", p.kind)));
    }
    p.metadata.check_name().map_err(|e| err("metadata.name", e))?;
    check_target(&p.spec.target.version)?;
    check_stages(&p.spec.stages)?;
    let s = &p.spec;
    if s.etcd.max_unavailable == 0 {
        return Err(err("spec.etcd.maxUnavailable", "must be at least 1"));
    }
    check_control_planes(&s.control_planes)?;
    check_workers(&s.workers)
}

fn check_target(v: &str) -> Result<(), ScenarioError> {
    if v == "next-minor" || v == "next-patch" {
        return Ok(());
    }
    let parsed = KubeVersion::parse(v).map_err(|e| {
        err(
            "spec.target.version",
            format!("{e}: expected next-minor, next-patch or a version such as v1.31.2"),
        )
    })?;
    parsed.check_supported().map_err(|e| err("spec.target.version", e))
}

fn check_stages(stages: &[Stage]) -> Result<(), ScenarioError> {
    if stages.is_empty() {
        return Err(err("spec.stages", "needs at least one of etcd, controlPlanes, workers"));
    }
    let mut seen = BTreeSet::new();
    for (i, s) in stages.iter().enumerate() {
        if !seen.insert(*s) {
            return Err(err(
                format!("spec.stages[{i}]"),
                format!("{} is listed twice", s.as_str()),
            ));
        }
    }
    Ok(())
}

fn check_control_planes(c: &ControlPlanes) -> Result<(), ScenarioError> {
    let at = |k: &str| format!("spec.controlPlanes.{k}");
    if c.max_unavailable == 0 {
        return Err(err(at("maxUnavailable"), "must be at least 1"));
    }
    match c.strategy {
        CpStrategy::InPlace if c.max_surge.is_some_and(|s| s > 0) => Err(err(
            at("maxSurge"),
            "InPlace adds no control plane: maxSurge applies to Replace",
        )),
        CpStrategy::InPlace if c.kubelet_local_mode => Err(err(
            at("kubeletLocalMode"),
            "applies to the control planes a Replace roll joins",
        )),
        CpStrategy::Replace if !c.drain => Err(err(
            at("drain"),
            "a Replace roll always drains the control plane it removes",
        )),
        CpStrategy::Replace if c.max_surge.is_some_and(|s| s > 1) => Err(err(
            at("maxSurge"),
            "must be 0 or 1: KubeadmControlPlane replaces one control plane at a time",
        )),
        CpStrategy::Replace if c.max_unavailable > 1 => Err(err(
            at("maxUnavailable"),
            "must be 1 with Replace: KubeadmControlPlane replaces one control plane at a time",
        )),
        _ => Ok(()),
    }
}

fn check_workers(w: &Workers) -> Result<(), ScenarioError> {
    let at = |k: &str| format!("spec.workers.{k}");
    match w.strategy {
        Strategy::InPlace if w.max_surge.is_some_and(|s| !s.is_zero()) => {
            return Err(err(
                at("maxSurge"),
                "InPlace adds no nodes: maxSurge applies to Surge and BlueGreen",
            ));
        }
        Strategy::Surge if w.max_surge().is_zero() && w.max_unavailable().is_zero() => {
            return Err(err(at("maxSurge"), "maxSurge and maxUnavailable cannot both be 0"));
        }
        Strategy::BlueGreen if w.max_surge() != IntOrPercent::Percent(100) => {
            return Err(err(
                at("maxSurge"),
                "BlueGreen creates the whole green pool at once: leave maxSurge out or write 100%",
            ));
        }
        Strategy::BlueGreen | Strategy::InPlace if w.max_unavailable().is_zero() => {
            return Err(err(
                at("maxUnavailable"),
                "must be at least 1 (or a percentage): nodes are drained that many at a time",
            ));
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\
apiVersion: kubedrill/v1
kind: UpgradePolicy
metadata: {name: inplace-one-at-a-time}
spec:
  target: {version: next-minor}
  stages: [etcd, controlPlanes, workers]
  controlPlanes: {maxUnavailable: 1}
  workers:
    strategy: InPlace
    maxUnavailable: 1
    maxSurge: 0
    order: byName
  drain:
    ignoreDaemonSets: true
    deleteEmptyDirData: true
    force: false
    gracePeriod: podDefault
    timeout: 10m
    onTimeout: fail
  soakAfterEachNode: 0s
  verify: {allNodesReady: true, workloadsAvailable: true}
";

    fn error(text: &str) -> String {
        load_str(text, "p.yaml").expect_err("refused").to_string()
    }

    #[test]
    fn the_issue_example_loads_with_its_values() {
        let p = load_str(GOOD, "p.yaml").expect("loads");
        assert_eq!(p.name(), "inplace-one-at-a-time");
        assert_eq!(p.target(), TargetVersion::NextMinor);
        assert_eq!(p.spec.stages, vec![Stage::Etcd, Stage::ControlPlanes, Stage::Workers]);
        assert_eq!(p.spec.drain.timeout.limit(), Some(SimDuration::from_secs(600)));
        assert_eq!(p.spec.drain.on_timeout, OnTimeout::Fail);
        assert_eq!(p.spec.soak_after_each_node.limit(), None);
        assert_eq!(p.spec.workers.resolve(4), (1, 0));
    }

    #[test]
    fn defaults_fill_everything_but_the_target() {
        let p = load_str(
            "apiVersion: kubedrill/v1\nkind: UpgradePolicy\nmetadata: {name: m}\nspec: {target: {version: v1.31.2}}\n",
            "p.yaml",
        )
        .expect("loads");
        assert_eq!(p.target(), TargetVersion::Exact(KubeVersion::new(1, 31, 2)));
        assert_eq!(p.spec.drain, Drain::default());
        assert!(p.spec.preflight.etcd_healthy);
        assert_eq!(p.spec.node_ready_timeout.limit(), Some(SimDuration::from_secs(600)));
    }

    #[test]
    fn control_planes_are_replaced_add_first_unless_max_surge_is_0() {
        let with = |keys: &str| {
            let text = GOOD.replace(
                "controlPlanes: {maxUnavailable: 1}",
                &format!("controlPlanes: {{{keys}}}"),
            );
            load_str(&text, "p.yaml").expect("loads").spec.control_planes
        };
        let c = with("strategy: Replace");
        assert_eq!((c.strategy, c.add_first()), (CpStrategy::Replace, true));
        assert!(!with("strategy: Replace, maxSurge: 0").add_first());
        assert_eq!(with("maxUnavailable: 2").strategy, CpStrategy::InPlace);
        assert_eq!(
            with("strategy: InPlace, maxSurge: 0").max_surge,
            Some(0),
            "0 is no surge: allowed"
        );
    }

    #[test]
    fn percentages_round_as_kubernetes_does() {
        let w = Workers {
            strategy: Strategy::InPlace,
            max_unavailable: Some(IntOrPercent::Percent(50)),
            max_surge: None,
            order: Order::ByName,
        };
        assert_eq!(w.resolve(4), (2, 0));
        assert_eq!(w.resolve(3), (1, 0));
        // 50% of one node rounds down to 0; with no surge, one node may still go.
        assert_eq!(w.resolve(1), (1, 0));
        let s = Workers {
            strategy: Strategy::Surge,
            max_surge: Some(IntOrPercent::Percent(25)),
            ..w
        };
        assert_eq!(s.resolve(5), (2, 2));
    }

    #[test]
    fn errors_point_at_the_key_or_value() {
        assert_eq!(
            error(&GOOD.replace("onTimeout: fail", "onTimeout: retry")),
            "p.yaml:19:16: spec.drain.onTimeout: unknown variant `retry`, expected one of `fail`, `skipNode`, `forceDelete`, `disableEviction`"
        );
        assert_eq!(
            error(&GOOD.replace("    force: false\n", "    force: false\n    forse: true\n")),
            "p.yaml:17:5: spec.drain: unknown field `forse`, expected one of `ignoreDaemonSets`, `deleteEmptyDirData`, `force`, `gracePeriod`, `timeout`, `onTimeout`"
        );
        assert_eq!(
            error(&GOOD.replace("timeout: 10m", "timeout: ten")),
            "p.yaml:18:14: spec.drain.timeout: invalid duration \"ten\": expected a number with a unit (ms, s, m, h), e.g. 30s or 5m"
        );
        assert_eq!(
            error(&GOOD.replace("maxUnavailable: 1\n    maxSurge", "maxUnavailable: 150%\n    maxSurge")),
            "p.yaml:10:21: spec.workers.maxUnavailable: \"150%\" is more than 100%"
        );
        assert_eq!(
            error(&GOOD.replace("version: next-minor", "version: v1.99.0")),
            "p.yaml:5:21: spec.target.version: Kubernetes v1.99.0 is not modelled: kubedrill models v1.7 to v1.36"
        );
        assert_eq!(
            error(&GOOD.replace("[etcd, controlPlanes, workers]", "[workers, etcd, workers]")),
            "p.yaml:6:27: spec.stages[2]: workers is listed twice"
        );
        assert_eq!(
            error(&GOOD.replace("maxSurge: 0", "maxSurge: 1")),
            "p.yaml:11:15: spec.workers.maxSurge: InPlace adds no nodes: maxSurge applies to Surge and BlueGreen"
        );
        let cps = |keys: &str| {
            GOOD.replace(
                "controlPlanes: {maxUnavailable: 1}",
                &format!("controlPlanes: {{{keys}}}"),
            )
        };
        for (keys, want) in [
            (
                "strategy: Replace, maxSurge: 2",
                "7:48: spec.controlPlanes.maxSurge: must be 0 or 1: KubeadmControlPlane replaces one control plane at a time",
            ),
            (
                "strategy: Replace, maxUnavailable: 2",
                "7:54: spec.controlPlanes.maxUnavailable: must be 1 with Replace: KubeadmControlPlane replaces one control plane at a time",
            ),
            (
                "maxSurge: 1",
                "7:29: spec.controlPlanes.maxSurge: InPlace adds no control plane: maxSurge applies to Replace",
            ),
            (
                "kubeletLocalMode: true",
                "7:37: spec.controlPlanes.kubeletLocalMode: applies to the control planes a Replace roll joins",
            ),
            (
                "strategy: Replace, drain: false",
                "7:45: spec.controlPlanes.drain: a Replace roll always drains the control plane it removes",
            ),
            (
                "strategy: Rolling",
                "7:29: spec.controlPlanes.strategy: unknown variant `Rolling`, expected `InPlace` or `Replace`",
            ),
            (
                "strategy: Replace, maxSurge: -1",
                "7:48: spec.controlPlanes.maxSurge: invalid type: integer `-1`, expected a non-negative integer",
            ),
        ] {
            assert_eq!(error(&cps(keys)), format!("p.yaml:{want}"), "{keys}");
        }
        assert_eq!(
            error(&GOOD.replace("kind: UpgradePolicy", "kind: Scenario")),
            "p.yaml:2:7: kind: expected \"UpgradePolicy\", found \"Scenario\""
        );
        assert!(error("").starts_with("p.yaml:1:1: the file is empty: expected an upgrade policy"));
        assert_eq!(
            error("apiVersion: kubedrill/v1\nkind: UpgradePolicy\nmetadata: {name: x}\n"),
            "p.yaml:1:1: missing field `spec`"
        );
    }
}
