use super::labels::Labels;
use super::pod::PodId;
use super::taint::Taint;
use crate::release::version::KubeVersion;
use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct NodeId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    ControlPlane,
    Worker,
}

/// The node's `Ready` condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReadyStatus {
    True,
    False,
    Unknown,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Resources {
    pub cpu_milli: u64,
    pub memory: u64,
    pub pods: u32,
}

impl Resources {
    pub fn add(&mut self, other: &Self) {
        self.cpu_milli += other.cpu_milli;
        self.memory += other.memory;
        self.pods += other.pods;
    }

    pub fn sub(&mut self, other: &Self) {
        self.cpu_milli = self.cpu_milli.saturating_sub(other.cpu_milli);
        self.memory = self.memory.saturating_sub(other.memory);
        self.pods = self.pods.saturating_sub(other.pods);
    }
}

#[derive(Clone, Debug)]
pub struct Node {
    pub name: Arc<str>,
    pub role: Role,
    pub labels: Labels,
    pub taints: Vec<Taint>,
    pub unschedulable: bool,
    pub allocatable: Resources,
    /// Sum of the requests of every pod bound to the node that has not been removed.
    pub requested: Resources,
    pub ready: ReadyStatus,
    /// The machine is on (a crash or a reboot turns it off).
    pub powered_on: bool,
    /// The kubelet process runs and posts status.
    pub kubelet_running: bool,
    /// When the kubelet last stopped posting status; drives the lifecycle timeline.
    pub silent_since: Option<SimTime>,
    /// Bumped whenever the kubelet stops or starts, so stale lifecycle timers are ignored.
    pub lifecycle_gen: u64,
    pub kubelet_version: KubeVersion,
    pub os_image: String,
    pub kernel_version: String,
    pub container_runtime: String,
    pub internal_ip: String,
    pub created_at: SimTime,
    /// The kubelet unit file changed on disk (a package upgrade) and systemd was not reloaded.
    pub unit_changed: bool,
    /// `kubelet.service`: enabled, since when in its state, its PID, why it cannot start.
    pub kubelet_unit: crate::model::unit::KubeletUnit,
    /// What systemd and the kubelet logged (`journalctl -u kubelet`).
    pub journal: crate::model::unit::Journal,
    /// When the machine last booted (`uptime`).
    pub booted_at: SimTime,
    /// The node's Debian packages (kubeadm, kubelet, kubectl) and its Kubernetes apt source.
    pub packages: crate::model::packages::PackageState,
    /// The control-plane static pods of a control-plane node.
    pub control_plane: Option<crate::release::components::ControlPlane>,
    /// The files maintenance touches (manifests, certificates, etcd data, snapshots).
    pub fs: crate::model::hostfs::HostFs,
    /// `kubectl delete node` is removing it: no controller places anything here any more.
    pub deleting: bool,
    /// Pods bound to this node (unordered; sort by (namespace, name) where order shows).
    pub pods: Vec<PodId>,
}

impl Node {
    pub fn is_control_plane(&self) -> bool {
        self.role == Role::ControlPlane
    }

    /// The STATUS column of `kubectl get nodes`.
    pub fn status_text(&self) -> &'static str {
        match (self.ready, self.unschedulable) {
            (ReadyStatus::True, false) => "Ready",
            (ReadyStatus::True, true) => "Ready,SchedulingDisabled",
            (_, false) => "NotReady",
            (_, true) => "NotReady,SchedulingDisabled",
        }
    }

    /// The ROLES column: sorted role labels, or `<none>`.
    pub fn roles_text(&self) -> String {
        let mut roles: Vec<&str> = self
            .labels
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("node-role.kubernetes.io/")
                    .filter(|r| !r.is_empty())
                    .or_else(|| (k == "kubernetes.io/role").then_some(v.as_str()))
            })
            .collect();
        roles.sort_unstable();
        roles.dedup();
        if roles.is_empty() {
            "<none>".to_string()
        } else {
            roles.join(",")
        }
    }
}
