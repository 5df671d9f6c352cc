use super::labels::Labels;
use super::node::{NodeId, Resources};
use super::taint::Toleration;
use super::workload::WorkloadId;
use crate::time::SimTime;
use k8s_openapi::api::core::v1::PodSpec;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PodId(pub u32);

/// The controller ownerReference of a pod (the one with `controller: true`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A bare pod: nothing recreates it.
    None,
    ReplicaSet(WorkloadId),
    StatefulSet(WorkloadId, u32),
    DaemonSet(WorkloadId),
    Job(WorkloadId),
    /// A static pod's mirror, owned by its node (annotation `kubernetes.io/config.mirror`).
    Mirror(NodeId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    Pending,
    Running,
    Succeeded,
    Failed,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Running => "Running",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
        }
    }
}

/// What a pod template says that the model acts on. Shared by all pods of a controller.
#[derive(Clone, Debug)]
pub struct PodTemplate {
    pub labels: Labels,
    pub annotations: Labels,
    /// Tolerates `node.kubernetes.io/unschedulable:NoSchedule` (checked for every placement).
    pub tolerates_unschedulable: bool,
    pub container_names: Vec<String>,
    pub requests: Resources,
    pub node_selector: Labels,
    pub tolerations: Vec<Toleration>,
    pub has_empty_dir: bool,
    pub node_name: Option<String>,
    /// `terminationGracePeriodSeconds` (default 30).
    pub grace_seconds: u64,
    /// How long the containers take from binding to Ready (`kubedrill.io/start-seconds`, default 2).
    pub start_ms: u64,
    /// How long the containers take to exit after SIGTERM (`kubedrill.io/stop-seconds`, default 1);
    /// capped by the grace period, after which the kubelet kills them.
    pub stop_ms: u64,
    /// Job pods: how long they run before succeeding (`kubedrill.io/run-seconds`, default 60).
    pub run_ms: u64,
    pub restart_policy: &'static str,
    /// The manifest's spec, kept for `-o json` and describe.
    pub spec: Arc<PodSpec>,
}

/// A deletion in progress: the pod has a deletionTimestamp and shows Terminating.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deletion {
    pub at: SimTime,
    pub grace_seconds: u64,
}

#[derive(Clone, Debug)]
pub struct Pod {
    pub uid: u64,
    pub namespace: Arc<str>,
    pub name: Arc<str>,
    /// `namespace/name`, shared by every trace event about the pod.
    pub label: Arc<str>,
    pub owner: Owner,
    pub template: Arc<PodTemplate>,
    /// Template labels plus what the controller adds (`pod-template-hash`, ...).
    pub labels: Arc<Labels>,
    pub node: Option<NodeId>,
    pub phase: Phase,
    pub ready: bool,
    pub deletion: Option<Deletion>,
    pub created_at: SimTime,
    pub started_at: Option<SimTime>,
    pub restarts: u32,
    pub last_restart: Option<SimTime>,
    /// Why the scheduler could not place it (the FailedScheduling message).
    pub unschedulable_reason: Option<String>,
    /// Budgets whose selector matches the pod (kept by the cluster). Inline: a pod has one
    /// budget or none, and a heap allocation per pod was a tenth of creating one.
    pub pdbs: smallvec::SmallVec<[crate::model::PdbId; 2]>,
    /// `NodeLost` in the pre-1.13 node controller eviction path.
    pub status_reason: Option<&'static str>,
}

impl Pod {
    pub fn is_terminating(&self) -> bool {
        self.deletion.is_some()
    }

    pub fn is_finished(&self) -> bool {
        matches!(self.phase, Phase::Succeeded | Phase::Failed)
    }

    pub fn is_mirror(&self) -> bool {
        matches!(self.owner, Owner::Mirror(_))
    }

    /// Counted by a PodDisruptionBudget as healthy.
    pub fn is_healthy(&self) -> bool {
        self.phase == Phase::Running && self.ready && self.deletion.is_none()
    }

    /// The STATUS column of `kubectl get pods`.
    pub fn status_text(&self) -> &'static str {
        if self.deletion.is_some() {
            return if self.status_reason == Some("NodeLost") {
                "Unknown"
            } else {
                "Terminating"
            };
        }
        if let Some(reason @ ("CrashLoopBackOff" | "ImagePullBackOff" | "ErrImagePull" | "Error")) = self.status_reason
        {
            return reason;
        }
        match self.phase {
            Phase::Pending if self.node.is_some() => "ContainerCreating",
            Phase::Pending => "Pending",
            Phase::Running => "Running",
            Phase::Succeeded => "Completed",
            Phase::Failed => "Error",
        }
    }

    pub fn ready_text(&self) -> String {
        let total = self.template.container_names.len().max(1);
        let ready = if self.ready && self.deletion.is_none() {
            total
        } else {
            0
        };
        format!("{ready}/{total}")
    }
}
