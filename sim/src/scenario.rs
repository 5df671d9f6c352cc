//! Scenario files, format v1 (shared/SCENARIO-FORMAT.md): the types only. Reading YAML and
//! files happens at the edge (the `kubedrill` crate), so this crate stays free of IO.

use crate::model::Role;
use crate::model::manifest::Manifest;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[cfg(feature = "proptest")]
pub mod generate;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Scenario {
    pub api_version: String,
    pub kind: String,
    pub metadata: Metadata,
    #[serde(default)]
    pub seed: Option<u64>,
    pub cluster: ClusterSpec,
    #[serde(default)]
    pub workloads: Vec<Manifest>,
    #[serde(default)]
    pub steps: Vec<Step>,
    #[serde(default)]
    pub expect_violations: Vec<String>,
    /// Virtual time one step may take before it is interrupted (default 1h).
    #[serde(default)]
    pub step_time_limit: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Metadata {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// A `metadata.name` that is not `[a-z0-9-]+`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} must match [a-z0-9-]+")]
pub struct BadName(pub String);

crate::errors::error_text!(BadName);

impl Metadata {
    /// A name is `[a-z0-9-]+`: it names files (a policy's counterexample) and traces.
    pub fn check_name(&self) -> Result<(), BadName> {
        let name = &self.name;
        let ok = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok { Ok(()) } else { Err(BadName(name.clone())) }
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterSpec {
    pub kubernetes_version: String,
    #[serde(default)]
    pub etcd_version: Option<String>,
    /// kube-apiserver's `--storage-media-type`: `application/vnd.kubernetes.protobuf` (the
    /// default with etcd3) or `application/json`. Only the etcd rollback tool cares.
    #[serde(default)]
    pub storage_media_type: Option<String>,
    /// kubectl's version on every host (default: kubernetesVersion).
    #[serde(default)]
    pub kubectl_version: Option<String>,
    #[serde(default)]
    pub nodes: Vec<NodeSpec>,
    #[serde(default)]
    pub pools: Vec<PoolSpec>,
    #[serde(default)]
    pub addons: Addons,
    /// How long the cluster has existed when the first step runs (default 10d).
    #[serde(default)]
    pub age: Option<String>,
    /// The day the first step runs (`YYYY-MM-DD`): the virtual clock's calendar and which
    /// Kubernetes releases exist (apt, kubeadm's latest stable). Default: no date limit, and the
    /// calendar's default (the cluster born on 2024-01-01).
    #[serde(default)]
    pub date: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Addons {
    /// The kube-proxy DaemonSet kubeadm installs.
    #[serde(default = "yes")]
    pub kube_proxy: bool,
    /// The CoreDNS Deployment (2 replicas) kubeadm installs.
    #[serde(default = "yes")]
    pub coredns: bool,
    /// Static control-plane pods (etcd, apiserver, controller-manager, scheduler) per control plane.
    #[serde(default = "yes")]
    pub static_pods: bool,
    /// The flannel CNI's version (an independent component: no Kubernetes upgrade touches it).
    #[serde(default)]
    pub flannel: Option<String>,
    /// The flannel release whose `kube-flannel.yml` lies in root's home on the control planes
    /// (default: the running flannel's, the manifest it was installed from).
    #[serde(default)]
    pub flannel_manifest: Option<String>,
    /// The easy-rsa that made the cluster's certificates (independent of Kubernetes, too).
    #[serde(default)]
    pub easy_rsa: Option<String>,
}

fn yes() -> bool {
    true
}

impl Default for Addons {
    fn default() -> Self {
        Self {
            kube_proxy: true,
            coredns: true,
            static_pods: true,
            flannel: None,
            flannel_manifest: None,
            easy_rsa: None,
        }
    }
}

/// A node (`nodes:`, with `name`) or a pool of generated nodes (`pools:`, with `count` and
/// `namePrefix`: nodes `<namePrefix><N>`, N zero-padded to the width of `count`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeSpec {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub count: Option<u32>,
    #[serde(default)]
    pub name_prefix: Option<String>,
    pub role: Role,
    #[serde(default)]
    pub cpu: Option<String>,
    #[serde(default)]
    pub memory: Option<String>,
    #[serde(default)]
    pub pods: Option<u32>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// `key[=value]:Effect`
    #[serde(default)]
    pub taints: Vec<String>,
    #[serde(default)]
    pub os_image: Option<String>,
    #[serde(default)]
    pub kernel_version: Option<String>,
    /// The kubelet this node runs (default: the cluster's version), e.g. to set a skew trap.
    #[serde(default)]
    pub kubelet_version: Option<String>,
}

pub type PoolSpec = NodeSpec;

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Step {
    #[serde(default)]
    pub run: Option<String>,
    #[serde(default)]
    pub on: Option<String>,
    #[serde(default)]
    pub fault: Option<String>,
    #[serde(default)]
    pub wait: Option<String>,
    #[serde(default)]
    pub expect: Option<Expect>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Expect {
    #[serde(default)]
    pub exit: Option<i32>,
    #[serde(default)]
    pub stdout_contains: Vec<String>,
    #[serde(default)]
    pub stderr_contains: Vec<String>,
    #[serde(default)]
    pub output_not_contains: Vec<String>,
    /// `kubectl get nodes` STATUS per node.
    #[serde(default)]
    pub node_status: BTreeMap<String, String>,
    /// How many pods (not terminating) each node runs.
    #[serde(default)]
    pub pods_on_node: BTreeMap<String, u32>,
    /// The kubelet version each named node runs (`kubectl get nodes` VERSION).
    #[serde(default)]
    pub node_versions: BTreeMap<String, String>,
    /// Nodes that must not exist (any more): blue-green retirements.
    #[serde(default)]
    pub nodes_absent: Vec<String>,
    /// `kubectl get pods` STATUS per `namespace/name` (or `name` in default).
    #[serde(default)]
    pub pod_status: BTreeMap<String, String>,
    /// Pods present in the cluster, by `namespace/name` (or `name` in default); `false` = absent.
    #[serde(default)]
    pub pod_exists: BTreeMap<String, bool>,
    /// Pods that are not scheduled to any node.
    #[serde(default)]
    pub pending_pods: Option<u32>,
    #[serde(default)]
    pub etcd_quorum: Option<bool>,
    /// Invariant ids violated so far, in any order.
    #[serde(default)]
    pub violations: Option<Vec<String>>,
}

/// What a step is, once its fields are checked.
#[derive(Clone, Debug, PartialEq)]
pub enum StepKind<'a> {
    Run { line: &'a str, on: Option<&'a str> },
    Fault(&'a str),
    Wait(&'a str),
    ExpectOnly,
}

impl Step {
    /// Exactly one of run / fault / wait, or an expect alone.
    pub fn kind(&self) -> Result<StepKind<'_>, String> {
        let actions = [self.run.is_some(), self.fault.is_some(), self.wait.is_some()];
        match actions.iter().filter(|a| **a).count() {
            0 if self.expect.is_some() => {
                if self.on.is_some() {
                    return Err("`on` goes with `run`".to_string());
                }
                Ok(StepKind::ExpectOnly)
            }
            0 => Err("a step needs one of `run`, `fault`, `wait` or `expect`".to_string()),
            1 => {
                if self.on.is_some() && self.run.is_none() {
                    return Err("`on` goes with `run`".to_string());
                }
                Ok(if let Some(line) = &self.run {
                    StepKind::Run {
                        line,
                        on: self.on.as_deref(),
                    }
                } else if let Some(f) = &self.fault {
                    StepKind::Fault(f)
                } else {
                    StepKind::Wait(self.wait.as_deref().unwrap_or_default())
                })
            }
            _ => Err("a step has exactly one of `run`, `fault` and `wait`".to_string()),
        }
    }
}
