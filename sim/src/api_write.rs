//! The writes a Kubernetes API endpoint makes on the simulated cluster (`kubedrill serve`):
//! each is one API verb's effect, applied at the current virtual time and settled, with the
//! API server's own refusals. They stand in for the `KubeApi` trait until it lands.

use crate::engine::{ApiError, DeleteCause, Sim};
use crate::model::taint::UNSCHEDULABLE;
use crate::model::*;
use crate::time::SimDuration;

/// How a real API server answers while etcd has no quorum (semantics §4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiOutage {
    /// The API server runs but every request waits on etcd and times out (after this long).
    TimingOut(SimDuration),
    /// The API server is not running (its liveness probe had it restarted, and it cannot start
    /// without etcd): connections are refused.
    Refused,
}

impl Sim {
    /// Whether, and how, the API is unavailable right now.
    pub fn api_outage(&self) -> Option<ApiOutage> {
        let since = self.api_down_since?;
        if self.api_times_out(since) {
            Some(ApiOutage::TimingOut(crate::etcd_link::ETCD_REQUEST_TIMEOUT))
        } else {
            Some(ApiOutage::Refused)
        }
    }

    /// `POST pods/NAME/eviction`: the budget check, then a graceful deletion (none on a dry run).
    pub fn api_evict(&mut self, id: PodId, grace_seconds: Option<u64>, dry_run: bool) -> Result<(), ApiError> {
        let r = self.evict(id, grace_seconds, dry_run);
        self.settle();
        r
    }

    /// `DELETE pods/NAME`: a graceful deletion (grace 0 removes the object at once, as
    /// `--force --grace-period=0` does).
    pub fn api_delete_pod(&mut self, id: PodId, grace_seconds: Option<u64>) {
        let uid = self.cluster.pod(id).map(|p| p.uid);
        self.delete_pod(id, grace_seconds, DeleteCause::User);
        if grace_seconds == Some(0)
            && let Some(uid) = uid
        {
            self.force_remove(id, uid);
        }
        self.settle();
    }

    /// `PATCH nodes/NAME {"spec":{"unschedulable":...}}` (cordon, uncordon).
    pub fn api_set_unschedulable(&mut self, node: NodeId, on: bool) {
        self.set_unschedulable(node, on);
        self.settle();
    }

    /// A node's labels replaced (`kubectl label node`).
    pub fn api_set_node_labels(&mut self, node: NodeId, labels: Labels) {
        self.cluster.node_mut(node).labels = labels;
        self.mark_ds_changed();
        self.sched_dirty = true;
        self.settle();
    }

    /// A node's taints replaced (`kubectl taint`); the unschedulable taint follows
    /// `spec.unschedulable`, as the node controller keeps it.
    pub fn api_set_node_taints(&mut self, node: NodeId, taints: Vec<Taint>) {
        let old: Vec<Taint> = self.cluster.node(node).taints.clone();
        for t in old.iter().filter(|t| !taints.contains(t) && t.key != UNSCHEDULABLE) {
            self.remove_taint(node, &t.key);
        }
        for t in taints.into_iter().filter(|t| t.key != UNSCHEDULABLE) {
            self.add_taint(node, t);
        }
        self.mark_ds_changed();
        self.sched_dirty = true;
        self.settle();
    }

    /// `PATCH deployments/NAME/scale` (and statefulsets, replicasets): the controller creates
    /// what is missing or deletes the surplus, newest and least ready first.
    pub fn api_scale(&mut self, id: WorkloadId, replicas: u32) {
        let target = match self.cluster.workload(id).kind {
            WorkloadKind::Deployment => self.cluster.workload(id).child,
            _ => Some(id),
        };
        self.cluster.workload_mut(id).replicas = replicas;
        if let Some(t) = target {
            self.cluster.workload_mut(t).replicas = replicas;
            self.scale_down_surplus(t, replicas);
            self.reconcile(t);
        }
        self.settle();
    }

    fn scale_down_surplus(&mut self, id: WorkloadId, replicas: u32) {
        let w = self.cluster.workload(id);
        let kind = w.kind;
        let owned = |p: &Pod| match p.owner {
            Owner::ReplicaSet(o) | Owner::StatefulSet(o, _) => o == id,
            _ => false,
        };
        let mut live: Vec<(bool, bool, std::cmp::Reverse<u64>, PodId)> = self
            .cluster
            .pods_in_namespace(&w.namespace)
            .filter(|(_, p)| owned(p) && !p.is_terminating())
            .map(|(pid, p)| (p.node.is_some(), p.ready, std::cmp::Reverse(p.uid), pid))
            .collect();
        if kind == WorkloadKind::StatefulSet {
            // The StatefulSet controller removes the highest ordinals, one at a time.
            for ordinal in (replicas as usize)..self.cluster.workload(id).ordinals.len() {
                if let Some(Some(pid)) = self.cluster.workload(id).ordinals.get(ordinal).copied() {
                    self.delete_pod(pid, None, DeleteCause::Rollout);
                }
            }
            self.cluster.workload_mut(id).ordinals.truncate(replicas as usize);
            return;
        }
        live.sort();
        let surplus = live.len().saturating_sub(replicas as usize);
        for (_, _, _, pid) in live.into_iter().take(surplus) {
            self.delete_pod(pid, None, DeleteCause::Rollout);
        }
    }

    /// `POST deployments` (`kubectl create deployment`).
    pub fn api_create_deployment(
        &mut self,
        namespace: &str,
        name: &str,
        replicas: u32,
        template: PodTemplate,
    ) -> Result<WorkloadId, String> {
        crate::setup::register(self, WorkloadKind::Deployment, namespace, name, replicas, 0, template).map_err(|e| e.0)
    }

    /// `POST namespaces`.
    pub fn api_create_namespace(&mut self, name: &str) {
        self.cluster.intern_namespace(name);
    }
}
