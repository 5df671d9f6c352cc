//! Named invariants. Each violation carries the seed, the virtual time and the step, so a
//! failure can be replayed. Ids are stable: scenario files refer to them.

use crate::time::SimTime;
use serde::Serialize;

/// Every invariant the simulator checks, with what it means.
pub const INVARIANTS: &[(&str, &str)] = &[
    (
        "no_pod_lost",
        "a pod that no controller will recreate (a bare pod) was deleted",
    ),
    (
        "pdb_respected",
        "a voluntary disruption took a PodDisruptionBudget below its minimum",
    ),
    (
        "no_new_pods_on_cordoned_nodes",
        "a pod that does not tolerate unschedulable was placed on a cordoned node",
    ),
    (
        "daemonsets_complete",
        "a node that a DaemonSet should run on has no pod of it",
    ),
    (
        "version_skew",
        "a component is outside the version skew policy of the era: a kubelet or kube-proxy newer than an API server or too old, API servers more than one minor apart, a controller-manager or scheduler newer than the API server or more than one minor older",
    ),
    (
        "etcd_quorum",
        "the etcd cluster has fewer voting members running than its quorum: the API can change nothing",
    ),
    (
        "no_data_loss_beyond_snapshot",
        "after an etcd restore, something other than exactly what was written after the snapshot is missing (or back)",
    ),
    (
        "upgrade_order",
        "a minor upgrade out of order: a kubelet upgraded before every control plane, a kubelet minor upgrade on a node that was not drained, an API server or etcd skipping a minor",
    ),
];

pub fn is_known(id: &str) -> bool {
    INVARIANTS.iter().any(|(i, _)| *i == id)
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub id: &'static str,
    pub step: u32,
    pub time: SimTime,
    pub seed: u64,
    pub detail: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "invariant {} violated at step {} (t={}, seed {}): {}",
            self.id, self.step, self.time, self.seed, self.detail
        )
    }
}
