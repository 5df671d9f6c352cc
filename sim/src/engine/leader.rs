//! Which control plane's kube-controller-manager leads: every controller runs in the one
//! process that holds the `kube-system/kube-controller-manager` Lease; the others stand by.
//!
//! client-go's leader election (leaseDuration 15 s): the holder renews the lease; a candidate
//! takes it only once it has watched the same record for 15 s without a renewal. The lease is
//! not released when the process stops (kube-controller-manager does not set
//! `ReleaseOnCancel`), so when the leader restarts, its machine goes down or its Node is
//! deleted, nobody leads until a candidate may take it: a standby that kept running 15 s after
//! the last renewal, a process that (re)started 15 s after its start. Then every controller
//! resyncs. A standby's restart changes nothing. A candidate needs its machine up, its static
//! pod running (not stopped, not failing) and the API answering. kubeadm's first control plane
//! starts first, so it leads first.

use super::fault::DEFAULT_LEASE_TAKEOVER;
use super::{Engine, Timer};
use crate::model::NodeId;
use crate::model::cluster::LeaderLease;
use crate::release::components::StaticPod;
use crate::time::{SimDuration, SimTime};
use crate::trace::Event;

/// How often candidates look again when none can take the lease (all controller-managers
/// down or failing): client-go's retryPeriod is 2 s; a coarser look keeps a long wait cheap.
const RETRY: SimDuration = SimDuration::from_secs(5);
/// kube-controller-manager's `--leader-elect-renew-deadline` default.
const RENEW_DEADLINE: SimDuration = SimDuration::from_secs(10);

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

    /// `node`'s controller-manager process can run: the machine is up and its static pod is
    /// neither stopped (manifest gone) nor failing (a bad image, a crash loop).
    fn controller_manager_can_run(&self, node: NodeId) -> bool {
        if !self.cluster.node_exists(node) {
            return false;
        }
        let n = self.cluster.node(node);
        let Some(cp) = &n.control_plane else {
            return false;
        };
        let c = StaticPod::KubeControllerManager;
        n.powered_on && !n.deleting && !cp.stopped.contains(&c) && !self.static_pod_failing(node, c)
    }

    /// When `node`'s process may take the lapsed lease: 15 s after the last renewal, or after
    /// its own start if it started later (it watches the record that long itself).
    fn may_take_lease_at(&self, node: NodeId) -> Option<SimTime> {
        if !self.controller_manager_can_run(node) {
            return None;
        }
        let started = self.cm_started.get(&node).copied().unwrap_or(SimTime::ZERO);
        Some(self.cluster.cm_lease.renewed_at.max(started) + DEFAULT_LEASE_TAKEOVER)
    }

    /// The candidate that takes the lapsed lease first, and when: the earliest, then one other
    /// than the last holder (its retry finds the record first), then the first in node order.
    fn next_leader(&self) -> Option<(SimTime, NodeId)> {
        let last = self.cluster.cm_lease.holder;
        self.cluster
            .control_plane_ids()
            .iter()
            .filter_map(|&cp| self.may_take_lease_at(cp).map(|at| (at, Some(cp) == last, cp)))
            .min()
            .map(|(at, _, cp)| (at, cp))
    }

    /// The holder stopped renewing now: nobody leads until a candidate takes the lease.
    fn lease_lapses(&mut self) {
        let lease = &mut self.cluster.cm_lease;
        lease.renewing = false;
        lease.renewed_at = self.now;
        self.schedule_takeover();
    }

    /// Pauses the controllers until the next candidate may take the lease (a look every
    /// [`RETRY`] while none can). While the API is down nothing is decided: its return does.
    fn schedule_takeover(&mut self) {
        if self.api_down_since.is_some() {
            return;
        }
        let at = self.next_leader().map_or(self.now + RETRY, |(at, _)| at.max(self.now));
        self.controllers_paused_until = Some(at);
        self.schedule(at, Timer::ControllersResumed);
    }

    /// `node`'s kube-controller-manager is down for `downtime` (its container restarted). If
    /// it led, the lease lapses; if nobody leads, the takeover is reckoned again (the process
    /// it waited for starts later). A standby's restart changes nothing else.
    pub(crate) fn controller_manager_stopped(&mut self, node: NodeId, downtime: SimDuration) {
        self.cm_started.insert(node, self.now + downtime);
        match self.cluster.cm_lease.leader() {
            Some(l) if l == node => self.lease_lapses(),
            Some(_) => {}
            None => self.schedule_takeover(),
        }
    }

    /// `node`'s machine went down or its Node was deleted (call after the removal): if it led,
    /// the lease lapses.
    pub(crate) fn controller_manager_node_gone(&mut self, node: NodeId) {
        self.cm_started.remove(&node);
        if self.cluster.cm_lease.leader() == Some(node) {
            self.lease_lapses();
        }
    }

    /// `node` booted: its controller-manager starts now. With nobody leading it may become
    /// the candidate.
    pub(crate) fn controller_manager_booted(&mut self, node: NodeId) {
        self.cm_started.insert(node, self.now);
        if self.cluster.cm_lease.leader().is_none() {
            self.schedule_takeover();
        }
    }

    /// The API answers again after being down since `down_since`. A leader that could not
    /// renew for client-go's renewDeadline (10 s) gave up the lease and its process exited
    /// ("leaderelection lost"): the kubelet restarts it, and the lease lapsed at its last
    /// renewal. With nobody leading, the takeover is reckoned now.
    pub(crate) fn controller_manager_api_back(&mut self, down_since: SimTime) {
        if let Some(leader) = self.cluster.cm_lease.leader()
            && self.now.ms().saturating_sub(down_since.ms()) > RENEW_DEADLINE.ms()
        {
            self.restart_controller_manager_container(leader);
            self.cm_started.insert(leader, self.now);
            let lease = &mut self.cluster.cm_lease;
            lease.renewing = false;
            lease.renewed_at = down_since;
        }
        if self.cluster.cm_lease.leader().is_none() {
            self.schedule_takeover();
        }
    }

    /// The takeover's time came: the candidate takes the lease, or, if none can yet, the
    /// controllers keep waiting. Returns whether someone leads.
    pub(crate) fn take_over_lease(&mut self) -> bool {
        if self.cluster.cm_lease.leader().is_some() {
            return true;
        }
        match self.next_leader() {
            Some((at, node)) if at <= self.now && self.api_down_since.is_none() => {
                self.elect(node);
                true
            }
            _ => {
                self.schedule_takeover();
                false
            }
        }
    }

    fn elect(&mut self, node: NodeId) {
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
