//! Which control plane's kube-controller-manager leads: every controller runs in the one
//! process that holds the `kube-controller-manager` Lease; the others stand by.
//!
//! The lease is not released when the process stops (kube-controller-manager does not set
//! `ReleaseOnCancel`), so when the leader restarts or its machine goes down, nobody leads until
//! the lease runs out: a standby (or the restarted process, on a single control plane) then
//! takes it, and every controller resyncs. A standby's restart changes nothing. kubeadm's
//! first control plane starts first, so it leads first.

use super::Engine;
use super::fault::DEFAULT_LEASE_TAKEOVER;
use crate::model::NodeId;
use crate::model::cluster::LeaderLease;
use crate::time::SimDuration;
use crate::trace::Event;

impl Engine {
    /// The control plane whose kube-controller-manager holds the lease, if one does.
    pub fn controller_manager_leader(&self) -> Option<NodeId> {
        self.cluster.cm_lease.leader()
    }

    /// Setup: the first control plane leads.
    pub(crate) fn first_controller_manager_leader(&mut self) {
        self.cluster.cm_lease = LeaderLease {
            holder: self.cluster.control_plane_ids().first().copied(),
            renewing: true,
            ..LeaderLease::default()
        };
    }

    /// A control plane whose kube-controller-manager could take the lease: its machine is up.
    fn can_lead(&self, node: NodeId) -> bool {
        self.cluster.node_exists(node) && {
            let n = self.cluster.node(node);
            n.powered_on && n.control_plane.is_some() && !n.deleting
        }
    }

    /// Another control plane than `node` could take the lease.
    fn standby_for(&self, node: NodeId) -> bool {
        self.cluster
            .control_plane_ids()
            .iter()
            .any(|&cp| cp != node && self.can_lead(cp))
    }

    /// The leader stopped renewing: nobody leads until the lease runs out.
    fn lease_lapses(&mut self) {
        let lease = &mut self.cluster.cm_lease;
        lease.renewing = false;
        lease.renewed_at = self.now;
    }

    /// `node`'s kube-controller-manager is down for `downtime` (its container restarted). If
    /// it led, nobody leads until the lease runs out: a standby takes it then (15 s), or, with
    /// none, the restarted process once it is back and the lease ran out. A standby's restart
    /// changes nothing; on a single control plane a restart during the takeover extends it.
    pub(crate) fn controller_manager_stopped(&mut self, node: NodeId, downtime: SimDuration) {
        let leader = self.cluster.cm_lease.leader();
        let standby = self.standby_for(node);
        if leader == Some(node) {
            self.lease_lapses();
        } else if leader.is_some() || standby {
            return;
        }
        self.pause_controllers(if standby {
            DEFAULT_LEASE_TAKEOVER
        } else {
            downtime.max(DEFAULT_LEASE_TAKEOVER)
        });
    }

    /// `node` went down: if it led and another control plane is up, that one takes the lease
    /// when it runs out. With none up, nothing serves the API either; the lease is taken when
    /// a control plane comes back ([`Self::controller_manager_back`]).
    pub(crate) fn controller_manager_node_down(&mut self, node: NodeId) {
        if self.cluster.cm_lease.leader() != Some(node) {
            return;
        }
        self.lease_lapses();
        if self.standby_for(node) {
            self.pause_controllers(DEFAULT_LEASE_TAKEOVER);
        }
    }

    /// A control plane's machine is up again: if nobody leads and no takeover is under way,
    /// it takes the lease (it was down longer than the lease lasts).
    pub(crate) fn controller_manager_back(&mut self) {
        if self.cluster.cm_lease.leader().is_none() && self.controllers_paused_until.is_none() {
            self.elect_controller_manager();
            if self.cluster.cm_lease.leader().is_some() {
                self.resync_controllers();
            }
        }
    }

    /// The lease ran out: the first control plane that can lead, preferring one other than
    /// the last holder (a standby's retry finds the expired lease before the restarted process
    /// is back), takes it.
    pub(crate) fn elect_controller_manager(&mut self) {
        let last = self.cluster.cm_lease.holder;
        let standby = self
            .cluster
            .control_plane_ids()
            .iter()
            .copied()
            .find(|&cp| Some(cp) != last && self.can_lead(cp));
        let Some(node) = standby.or(last.filter(|&cp| self.can_lead(cp))) else {
            return;
        };
        let lease = &mut self.cluster.cm_lease;
        lease.holder = Some(node);
        lease.renewing = true;
        lease.acquired_at = self.now;
        lease.transitions += 1;
        let name = self.cluster.node(node).name.clone();
        self.record(Event::LeaderElected {
            component: "kube-controller-manager",
            node: name,
        });
    }
}
