//! The fewest Ready pods each watched workload had at any moment: what a grader needs to say
//! whether an attempt ever took a service below its floor, even if it came back up before
//! anyone looked. Sampled whenever virtual time is about to move on, so a state that lasted
//! for any time at all is seen and one that held for no time (a pod replaced within the same
//! instant) is not.

use super::Engine;
use crate::model::cluster::Cluster;
use crate::model::workload::Workload;
use crate::model::{Owner, WorkloadId, WorkloadKind};
use crate::time::SimTime;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The lowest Ready count of one watched workload, and the first moment it was seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lowest {
    pub ready: u32,
    pub at: SimTime,
}

/// A watched workload by what it is, not by its index: an etcd restore or an empty etcd
/// replaces the cluster's workloads, and the one of that name may come back under another id.
type Key = (WorkloadKind, Arc<str>, Arc<str>);

/// The workloads being watched and the lowest Ready count each has had since the watch began.
#[derive(Clone, Debug, Default)]
pub struct ReadyWatch {
    lowest: BTreeMap<Key, Lowest>,
}

impl ReadyWatch {
    /// The lowest Ready count of `w` since the watch began (`None` if it is not watched).
    pub fn lowest(&self, w: &Workload) -> Option<Lowest> {
        self.lowest.get(&(w.kind, w.namespace.clone(), w.name.clone())).copied()
    }
}

/// Ready pods a workload has now: a Deployment counts the pods of all its ReplicaSets (a
/// rollout's old and new ones), the others their own pods.
pub fn ready_pods(c: &Cluster, id: WorkloadId) -> u32 {
    let w = c.workload(id);
    let owns =
        |owner: WorkloadId| owner == id || (w.kind == WorkloadKind::Deployment && c.workload(owner).parent == Some(id));
    let count = c
        .pods_any_order()
        .filter(|(_, p)| p.namespace == w.namespace && p.is_healthy())
        .filter(|(_, p)| match p.owner {
            Owner::ReplicaSet(o) | Owner::StatefulSet(o, _) | Owner::DaemonSet(o) | Owner::Job(o) => owns(o),
            _ => false,
        })
        .count();
    u32::try_from(count).unwrap_or(u32::MAX)
}

impl Engine {
    /// Starts watching these workloads' Ready pods (replacing any earlier watch). Nothing is
    /// sampled for a run that never asks, so benchmarks pay nothing for it.
    pub fn watch_ready(&mut self, ids: impl IntoIterator<Item = WorkloadId>) {
        let now = self.now;
        let lowest = ids
            .into_iter()
            .map(|id| {
                let w = self.cluster.workload(id);
                (
                    (w.kind, w.namespace.clone(), w.name.clone()),
                    Lowest {
                        ready: ready_pods(&self.cluster, id),
                        at: now,
                    },
                )
            })
            .collect();
        self.ready_watch = Some(Box::new(ReadyWatch { lowest }));
    }

    pub fn ready_watch(&self) -> Option<&ReadyWatch> {
        self.ready_watch.as_deref()
    }

    /// Records the current Ready counts where they are lower than any seen before.
    pub(crate) fn sample_ready(&mut self) {
        let Some(watch) = self.ready_watch.as_mut() else {
            return;
        };
        for ((kind, ns, name), low) in watch.lowest.iter_mut() {
            // Gone without a delete (an empty etcd, a restore from before it existed): none
            // of its pods serve.
            let ready = match self.cluster.workload_id(*kind, ns, name) {
                Some(id) if self.cluster.workload(id).deleted => continue,
                Some(id) => ready_pods(&self.cluster, id),
                None => 0,
            };
            if ready < low.ready {
                *low = Lowest { ready, at: self.now };
            }
        }
    }
}
