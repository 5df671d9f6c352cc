//! Named invariants. Each violation carries the seed, the virtual time and the step, so a
//! failure can be replayed. Ids are stable: scenario files refer to them.

use crate::time::SimTime;
use serde::Serialize;

/// Every invariant the simulator checks. The id is the enum, so a typo in the engine does not
/// compile instead of minting a new invariant; the snake_case names are what scenario files,
/// lab files and transcripts use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InvariantId {
    NoPodLost,
    PdbRespected,
    NoNewPodsOnCordonedNodes,
    DaemonsetsComplete,
    VersionSkew,
    EtcdQuorum,
    NoDataLossBeyondSnapshot,
    UpgradeOrder,
}

impl InvariantId {
    pub const ALL: [Self; 8] = [
        Self::NoPodLost,
        Self::PdbRespected,
        Self::NoNewPodsOnCordonedNodes,
        Self::DaemonsetsComplete,
        Self::VersionSkew,
        Self::EtcdQuorum,
        Self::NoDataLossBeyondSnapshot,
        Self::UpgradeOrder,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoPodLost => "no_pod_lost",
            Self::PdbRespected => "pdb_respected",
            Self::NoNewPodsOnCordonedNodes => "no_new_pods_on_cordoned_nodes",
            Self::DaemonsetsComplete => "daemonsets_complete",
            Self::VersionSkew => "version_skew",
            Self::EtcdQuorum => "etcd_quorum",
            Self::NoDataLossBeyondSnapshot => "no_data_loss_beyond_snapshot",
            Self::UpgradeOrder => "upgrade_order",
        }
    }

    /// What a violation means.
    pub fn meaning(self) -> &'static str {
        match self {
            Self::NoPodLost => "a pod that no controller will recreate (a bare pod) was deleted",
            Self::PdbRespected => "a voluntary disruption took a PodDisruptionBudget below its minimum",
            Self::NoNewPodsOnCordonedNodes => {
                "a pod that does not tolerate unschedulable was placed on a cordoned node"
            }
            Self::DaemonsetsComplete => "a node that a DaemonSet should run on has no pod of it",
            Self::VersionSkew => {
                "a component is outside the version skew policy of the era: a kubelet or kube-proxy newer than an API server or too old, API servers more than one minor apart, a controller-manager or scheduler newer than the API server or more than one minor older"
            }
            Self::EtcdQuorum => {
                "the etcd cluster has fewer voting members running than its quorum: the API can change nothing"
            }
            Self::NoDataLossBeyondSnapshot => {
                "after an etcd restore, something other than exactly what was written after the snapshot is missing (or back)"
            }
            Self::UpgradeOrder => {
                "a minor upgrade out of order: a kubelet upgraded before every control plane, a kubelet minor upgrade on a node that was not drained, an API server or etcd skipping a minor"
            }
        }
    }

    /// The id a scenario or lab file names, if there is such an invariant.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.as_str() == text)
    }
}

impl std::fmt::Display for InvariantId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for InvariantId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for InvariantId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Every invariant with what it means, in the order [`InvariantId::ALL`] gives.
pub fn invariants() -> impl Iterator<Item = (&'static str, &'static str)> {
    InvariantId::ALL.into_iter().map(|i| (i.as_str(), i.meaning()))
}

pub fn is_known(id: &str) -> bool {
    InvariantId::parse(id).is_some()
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub id: InvariantId,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_unknown_ones_are_refused() {
        for id in InvariantId::ALL {
            assert_eq!(InvariantId::parse(id.as_str()), Some(id));
            assert!(!id.meaning().is_empty());
        }
        assert_eq!(InvariantId::parse("pdb_respect"), None);
        assert!(!is_known("etcd-quorum"));
    }
}
