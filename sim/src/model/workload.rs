use super::labels::{Labels, Selector};
use super::node::NodeId;
use super::pod::{PodId, PodTemplate};
use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct WorkloadId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum WorkloadKind {
    Deployment,
    ReplicaSet,
    StatefulSet,
    DaemonSet,
    Job,
}

impl WorkloadKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deployment => "Deployment",
            Self::ReplicaSet => "ReplicaSet",
            Self::StatefulSet => "StatefulSet",
            Self::DaemonSet => "DaemonSet",
            Self::Job => "Job",
        }
    }

    /// The resource name kubectl and API errors use (`daemonsets.apps`).
    pub fn resource(self) -> &'static str {
        match self {
            Self::Deployment => "deployments.apps",
            Self::ReplicaSet => "replicasets.apps",
            Self::StatefulSet => "statefulsets.apps",
            Self::DaemonSet => "daemonsets.apps",
            Self::Job => "jobs.batch",
        }
    }
}

/// A pod controller. Deployments own one ReplicaSet (their current revision); the
/// ReplicaSet owns the pods.
#[derive(Clone, Debug)]
pub struct Workload {
    pub kind: WorkloadKind,
    pub namespace: Arc<str>,
    pub name: Arc<str>,
    /// `Kind/name`, as trace events name a pod's owner.
    pub label: Arc<str>,
    pub replicas: u32,
    pub selector: Selector,
    pub template: Arc<PodTemplate>,
    /// Template labels plus controller-added ones, shared by every pod it creates.
    pub pod_labels: Arc<Labels>,
    pub created_at: SimTime,
    /// ReplicaSet → its Deployment.
    pub parent: Option<WorkloadId>,
    /// Deployment → its current ReplicaSet.
    pub child: Option<WorkloadId>,
    /// How many ReplicaSet or Job pods are neither terminating nor finished (the controller's
    /// "active" pods).
    pub active: u32,
    /// StatefulSet: the pod object holding each ordinal (also while it terminates).
    pub ordinals: Vec<Option<PodId>>,
    /// StatefulSet: ordinals whose name another pod already holds (the create was refused
    /// with AlreadyExists and the FailedCreate event recorded; the controller retries).
    pub name_taken: std::collections::BTreeSet<u32>,
    /// DaemonSet: its pod per node.
    pub per_node: BTreeMap<NodeId, PodId>,
    /// Job: pods that succeeded; `replicas` holds the completions wanted.
    pub succeeded: u32,
    pub parallelism: u32,
    pub deleted: bool,
    /// What was set through the API beyond the template (`kubectl label/annotate`, apply).
    pub meta: WorkloadMeta,
}

/// A controller's own metadata and rollout bookkeeping.
#[derive(Clone, Debug, Default)]
pub struct WorkloadMeta {
    /// `metadata.labels` when set through the API (else the template's labels).
    pub labels: Option<Labels>,
    pub annotations: Labels,
    /// A Deployment's revision (`deployment.kubernetes.io/revision`), from 1.
    pub revision: u32,
    /// Earlier revisions of a Deployment's template, oldest first, with their change causes.
    pub history: Vec<(u32, Arc<PodTemplate>, Option<String>)>,
    /// `kubectl rollout pause`: template changes wait.
    pub paused: bool,
}
