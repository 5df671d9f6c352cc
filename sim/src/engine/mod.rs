//! The simulator: virtual time, the timer queue, controllers, kubelets and faults.
//!
//! Everything that changes the cluster goes through here and is recorded in the trace.
//! Controllers react synchronously to the change that concerns them (a replacement is
//! created in the same instant a pod starts terminating); the kubelet's work (starting and
//! stopping containers) and the node lifecycle controller's grace periods are timers.

pub(crate) mod api_writes;
pub(crate) mod cp_join;
pub(crate) mod etcd_link;
pub(crate) mod fault;
pub(crate) mod kubelet;
pub(crate) mod leader;
pub(crate) mod ready_watch;
pub(crate) mod restore;
pub(crate) mod setup;
pub(crate) mod static_pods;
pub(crate) mod timer_queue;
pub(crate) mod upgrade;

use crate::invariant::Violation;
use crate::model::cluster::Cluster;
use crate::model::scheduler;
pub use crate::model::status::{ApiError, DeleteCause};
use crate::model::taint::{NOT_READY, UNREACHABLE, UNSCHEDULABLE};
use crate::model::*;
use crate::rng::{Seed, SimRng};
use crate::time::{SimDuration, SimTime};
use crate::trace::{Event, Record};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Timer {
    /// Containers are up and the pod is Ready.
    PodStarted { pod: PodId, uid: u64 },
    /// Graceful termination finished; the kubelet removes the pod object.
    PodStopped { pod: PodId, uid: u64 },
    /// A Job pod finished its work.
    PodSucceeded { pod: PodId, uid: u64 },
    /// The node lifecycle controller's grace period ran out for a silent kubelet.
    NodeMonitor { node: NodeId, generation: u64 },
    /// A pod's toleration of the unreachable taint ran out (or the old pod-eviction-timeout).
    TaintEviction { pod: PodId, uid: u64, generation: u64 },
    /// A rebooting node is back.
    NodeBooted { node: NodeId, generation: u64 },
    /// A controller's pods move to its new template, one at a time.
    Rollout { ws: WorkloadId, at: Option<NodeId> },
    /// The kubelet re-reads its static pod manifests.
    ManifestSync { node: NodeId },
    /// etcd followers' election timeout ran out after losing their leader.
    EtcdElection,
    /// systemd restarts a kubelet that exited (`RestartSec=10`).
    KubeletRestart { node: NodeId, generation: u64 },
    /// The kubelet starts a crash-looping etcd container again after its back-off.
    EtcdRetry { node: NodeId, uid: u64, restarts: u32 },
    /// A controller-manager holds the leader lease again after a restart.
    ControllersResumed,
}

/// The simulated cluster: virtual time, the timer queue, controllers, kubelets, etcd and the
/// trace. Terminal state (shells, ssh sessions, the kubectl a host runs) is the host layer's
/// ([`crate::host::Sim`]).
#[derive(Clone)]
pub struct Engine {
    pub(crate) cluster: Cluster,
    pub(crate) now: SimTime,
    seq: u64,
    queue: timer_queue::TimerQueue,
    pub(crate) rng: SimRng,
    pub(crate) seed: Seed,
    trace: crate::trace::Trace,
    trace_enabled: bool,
    pub(crate) step: u32,
    violations: Vec<Violation>,
    pub(crate) sched_dirty: bool,
    ds_dirty: bool,
    /// Something DaemonSet coverage depends on changed during this step.
    ds_touched: bool,
    /// Where a step's command must stop (the scenario's per-step virtual time limit).
    pub(crate) step_deadline: Option<SimTime>,
    step_limit: SimDuration,
    /// The etcd cluster the API servers store everything in.
    pub(crate) etcd: crate::etcd::model::EtcdModel,
    /// Since when the API has been unavailable (no etcd quorum, no reachable API server).
    pub(crate) api_down_since: Option<SimTime>,
    /// Until when no controller-manager leads (a restart's lease takeover): the controllers
    /// wait, then resync.
    pub(crate) controllers_paused_until: Option<SimTime>,
    /// When each control plane's kube-controller-manager process (re)started or will (its
    /// container's restart, its machine's boot): a candidate watches the lease from then.
    pub(crate) cm_started: std::collections::BTreeMap<NodeId, SimTime>,
    /// Some StatefulSet waits for a name another pod holds: a pod's removal retries it.
    pub(crate) names_taken: bool,
    /// Whether etcd had a leader when last looked at (an election is traced when one appears).
    pub(crate) etcd_had_leader: bool,
    /// etcd voters running and on the majority side when last traced (`EtcdMembers`).
    pub(crate) etcd_healthy_traced: u32,
    /// Pods whose containers stopped while the API could not answer: their kubelets delete
    /// the objects when it answers again.
    pub(crate) stopped_in_outage: Vec<(PodId, u64)>,
    /// Nodes whose kubelet will look at its manifest directory again.
    pub(crate) manifest_sync_pending: std::collections::BTreeSet<NodeId>,
    /// Up to when lease renewals have been counted into etcd's revision.
    pub(crate) leases_counted_to: SimTime,
    /// An etcd election is under way (its timer is queued).
    pub(crate) election_pending: bool,
    /// The machine a `node-add` provisions (size, labels, taints); kubeadm's defaults if none.
    pub(crate) join_spec: Option<Arc<crate::scenario::NodeSpec>>,
    /// Workloads whose lowest Ready count a grader wants (labs); `None` costs nothing.
    ready_watch: Option<Box<ready_watch::ReadyWatch>>,
    /// What the last full pass over pending pods found (see `schedule_pending`).
    pending_memo: PendingMemo,
    /// A pod limit below Kubernetes' own (labs: [`crate::model::limits::LAB_MAX_PODS`]).
    pub(crate) pod_limit: Option<usize>,
    /// The last kubelet start's reading of its files (see `kubelet::PreflightMemo`).
    pub(crate) preflight_memo: Option<kubelet::PreflightMemo>,
    /// A buffer names are written into before they are shared (see `shared_text`).
    scratch: String,
}

/// The last full scheduling pass's findings: the templates of pending pods that found no node,
/// with the scheduler's message, and the pods put in `pending` since.
#[derive(Clone, Debug, Default)]
struct PendingMemo {
    unplaced: Vec<(Arc<PodTemplate>, String)>,
    /// A pending pod named its node itself (the scheduler's answer does not cover it).
    named_node: bool,
    /// How many pods were pending after the pass.
    pending_after: usize,
    added_since: Vec<(u64, PodId)>,
}

impl Engine {
    pub(crate) fn empty(cluster: Cluster, seed: Seed) -> Self {
        Self {
            cluster,
            now: SimTime::ZERO,
            seq: 0,
            queue: timer_queue::TimerQueue::default(),
            rng: SimRng::new(seed),
            seed,
            trace: crate::trace::Trace::new(),
            trace_enabled: true,
            step: 0,
            violations: Vec::new(),
            sched_dirty: false,
            ds_dirty: false,
            ds_touched: false,
            step_deadline: None,
            step_limit: SimDuration::from_secs(3600),
            etcd: etcd_link::placeholder_cluster(),
            api_down_since: None,
            etcd_healthy_traced: 0,
            etcd_had_leader: true,
            names_taken: false,
            controllers_paused_until: None,
            cm_started: Default::default(),
            stopped_in_outage: Vec::new(),
            manifest_sync_pending: Default::default(),
            leases_counted_to: SimTime::ZERO,
            election_pending: false,
            pending_memo: PendingMemo::default(),
            pod_limit: None,
            preflight_memo: None,
            scratch: String::new(),
            join_spec: None,
            ready_watch: None,
        }
    }

    // ---- getters ----------------------------------------------------------------------

    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    pub fn seed(&self) -> Seed {
        self.seed
    }

    pub fn trace(&self) -> &crate::trace::Trace {
        &self.trace
    }

    /// Refuses workloads that would take the cluster past `max` pods (labs), below the model's
    /// own 150,000.
    pub fn set_pod_limit(&mut self, max: Option<usize>) {
        self.pod_limit = max;
    }

    /// Why adding `adding` pods is refused, if it is.
    pub(crate) fn check_pods(&self, adding: u64) -> Result<(), limits::LimitError> {
        limits::check_pods_within(self.cluster.pod_count(), adding, self.pod_limit)
    }

    /// Turns trace recording off (benchmarks of very large clusters may not want it).
    pub fn set_trace_enabled(&mut self, on: bool) {
        self.trace_enabled = on;
    }

    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// How much virtual time one scenario step may use.
    pub fn step_limit(&self) -> SimDuration {
        self.step_limit
    }

    pub fn set_step_limit(&mut self, d: SimDuration) {
        self.step_limit = d;
    }

    /// The machines later `node-add` faults provision: allocatable CPU, memory and pods,
    /// labels and taints of `spec` (its name, role and versions are ignored); `None` gives
    /// the default worker. A cloud's instance type and pool labels for surge and blue-green
    /// nodes.
    pub fn set_join_spec(&mut self, spec: Option<crate::scenario::NodeSpec>) {
        self.join_spec = spec.map(Arc::new);
    }

    /// When the next timer fires, if any.
    pub fn poll_timeout(&self) -> Option<SimTime> {
        self.queue.next_at()
    }

    // ---- recording --------------------------------------------------------------------

    pub(crate) fn record(&mut self, event: Event) {
        if event.is_api_write() {
            self.etcd.count_writes(1);
        }
        if self.trace_enabled {
            self.trace.push(Record {
                t: self.now,
                step: self.step,
                event,
            });
        }
    }

    pub(crate) fn violate(&mut self, id: crate::invariant::InvariantId, detail: String) {
        self.record(Event::Violation {
            id: id.as_str(),
            detail: detail.clone(),
        });
        self.violations.push(Violation {
            id,
            step: self.step,
            time: self.now,
            seed: self.seed.0,
            detail,
        });
    }

    pub(crate) fn begin_step(&mut self, step: u32, text: &str) {
        self.step = step;
        self.record(Event::StepStarted { text: Arc::from(text) });
    }

    pub(crate) fn schedule(&mut self, at: SimTime, timer: Timer) {
        self.seq += 1;
        self.queue.push(at, self.seq, timer);
    }

    pub(crate) fn pod_label(&self, pod: &Pod) -> Arc<str> {
        pod.label.clone()
    }

    fn owner_label(&self, owner: Owner) -> Arc<str> {
        match owner {
            Owner::ReplicaSet(w) | Owner::StatefulSet(w, _) | Owner::DaemonSet(w) | Owner::Job(w) => {
                self.cluster.workload(w).label.clone()
            }
            other => Arc::from(self.cluster.owner_text(other).as_str()),
        }
    }

    // ---- time -------------------------------------------------------------------------

    /// Runs every timer due up to `t`, in (time, sequence) order, then sets the clock to `t`.
    pub fn advance_to(&mut self, t: SimTime) {
        while let Some((at, timer)) = self.queue.pop_due(t) {
            if at > self.now {
                self.sample_ready();
            }
            self.now = self.now.max(at);
            self.fire(timer);
            self.settle();
        }
        if t > self.now {
            self.sample_ready();
        }
        self.now = self.now.max(t);
        self.settle();
    }

    /// Advances to `t` if the running step may go that far; otherwise advances to the step's
    /// deadline and returns false (the command is interrupted).
    pub(crate) fn advance_within_step(&mut self, t: SimTime) -> bool {
        match self.step_deadline {
            Some(d) if t > d => {
                self.advance_to(d);
                false
            }
            _ => {
                self.advance_to(t);
                true
            }
        }
    }

    pub fn advance(&mut self, d: SimDuration) {
        let t = self.now + d;
        self.advance_to(t);
    }

    /// Every controller looks at its objects again (the API answers again, or a
    /// controller-manager leads again); pods waiting for a node are looked at too.
    pub(crate) fn resync_controllers(&mut self) {
        let ids: Vec<_> = self.cluster.workload_ids().collect();
        for id in ids {
            self.reconcile(id);
        }
        self.mark_ds_changed();
        self.sched_dirty = true;
    }

    /// Work that follows any change: placing pending pods, DaemonSet coverage.
    pub(crate) fn settle(&mut self) {
        if self.ds_dirty {
            self.ds_dirty = false;
            let ds: Vec<WorkloadId> = self
                .cluster
                .workloads_of(WorkloadKind::DaemonSet)
                .map(|(id, _)| id)
                .collect();
            for id in ds {
                self.reconcile(id);
            }
        }
        if self.sched_dirty {
            self.sched_dirty = false;
            self.schedule_pending();
        }
    }

    fn fire(&mut self, timer: Timer) {
        match timer {
            Timer::PodStarted { pod, uid } => self.on_pod_started(pod, uid),
            Timer::PodStopped { pod, uid } => {
                if self.cluster.pod_if(pod, uid).is_some_and(Pod::is_terminating) {
                    if self.api_down_since.is_some() {
                        // The containers are gone, but the kubelet's final delete needs the API
                        // server: the object stays (terminating) until the API answers again.
                        self.stopped_in_outage.push((pod, uid));
                    } else {
                        self.finish_removal(pod);
                    }
                }
            }
            Timer::PodSucceeded { pod, uid } => self.on_pod_succeeded(pod, uid),
            Timer::NodeMonitor { node, generation } if self.cluster.node_exists(node) => {
                self.on_node_monitor(node, generation)
            }
            Timer::NodeMonitor { .. } => {}
            Timer::TaintEviction { pod, uid, generation } => self.on_taint_eviction(pod, uid, generation),
            // The Deployment and DaemonSet controllers roll out; without a leader they wait.
            Timer::Rollout { ws, at } => match self.controllers_paused_until {
                Some(until) => self.schedule(
                    until.max(self.now + SimDuration::from_secs(1)),
                    Timer::Rollout { ws, at },
                ),
                None => self.on_rollout(ws, at),
            },
            Timer::ControllersResumed => self.resume_controllers(),
            Timer::ManifestSync { node } => self.sync_static_pods(node),
            Timer::KubeletRestart { node, generation } => self.on_kubelet_restart(node, generation),
            Timer::EtcdRetry { node, uid, restarts } => self.on_etcd_retry(node, uid, restarts),
            Timer::EtcdElection => {
                self.etcd.finish_election();
                self.election_pending = false;
                self.etcd_changed();
            }
            Timer::NodeBooted { node, generation } => {
                if self.cluster.node_exists(node) && self.cluster.node(node).lifecycle_gen == generation {
                    self.node_recover(node);
                }
            }
        }
    }

    // ---- pods -------------------------------------------------------------------------

    /// Creates a pod object and lets the scheduler (or the DaemonSet controller, for `bind_to`)
    /// place it.
    pub(crate) fn create_pod(
        &mut self,
        namespace: Arc<str>,
        name: Arc<str>,
        owner: Owner,
        template: Arc<PodTemplate>,
        labels: Arc<Labels>,
        bind_to: Option<NodeId>,
    ) -> PodId {
        let uid = self.cluster.next_uid();
        let label = self.shared_text(|s| {
            s.push_str(&namespace);
            s.push('/');
            s.push_str(&name);
        });
        let pod = Pod {
            uid,
            namespace,
            name,
            label,
            owner,
            template,
            labels,
            node: None,
            phase: Phase::Pending,
            ready: false,
            deletion: None,
            created_at: self.now,
            started_at: None,
            restarts: 0,
            last_restart: None,
            unschedulable_reason: None,
            status_reason: None,
            pdbs: Default::default(),
        };
        let id = self.cluster.insert_pod(pod);
        if self.trace_enabled {
            let p = self.cluster.pod(id).expect("just inserted");
            let (label, owner_text) = (self.pod_label(p), self.owner_label(owner));
            self.record(Event::PodCreated {
                pod: label,
                owner: owner_text,
            });
        }
        match bind_to {
            Some(node) => self.bind(id, node),
            None => self.try_schedule(id),
        }
        id
    }

    fn try_schedule(&mut self, id: PodId) {
        let pod = self.cluster.pod(id).expect("scheduling a live pod");
        let template = pod.template.clone();
        let uid = pod.uid;
        let placed = match &template.node_name {
            // A preset nodeName bypasses the scheduler; the kubelet admits it if the node exists.
            Some(name) => self.cluster.node_id(name).ok_or_else(String::new),
            None => {
                self.cluster.mend_sched_index();
                scheduler::place(&self.cluster, &template)
            }
        };
        match placed {
            Ok(node) => self.bind(id, node),
            Err(message) => {
                self.note_unschedulable(id, message);
                self.cluster.pending.insert((uid, id));
                self.pending_memo.added_since.push((uid, id));
            }
        }
    }

    /// A pod the scheduler could not place, and why (traced when the reason changes).
    fn note_unschedulable(&mut self, id: PodId, message: String) {
        let changed = self.cluster.pod(id).and_then(|p| p.unschedulable_reason.as_deref()) != Some(message.as_str());
        if changed && !message.is_empty() {
            let pod = self.cluster.pod(id).expect("live");
            let label = self.pod_label(pod);
            let nodes = scheduler::unfit_nodes(&self.cluster, &pod.template, crate::trace::UNFIT_NODES_RECORDED);
            self.record(Event::PodUnschedulable {
                pod: label,
                message: message.clone(),
                nodes,
            });
        }
        self.cluster.update_pod(id, |p| p.unschedulable_reason = Some(message));
    }

    fn schedule_pending(&mut self) {
        if self.api_down_since.is_some() || self.nothing_to_schedule() {
            return;
        }
        let pending: Vec<(u64, PodId)> = self.cluster.pending.iter().copied().collect();
        // Templates that found no node in this pass, with the scheduler's message: placing a
        // pod only takes room, so a later pod of the same template cannot fit either, and
        // asking every node again for each of (up to 150,000) pending pods is what made a
        // drain beside a huge pending Deployment take a minute.
        let mut unplaced: Vec<(Arc<PodTemplate>, String)> = Vec::new();
        let mut named_node = false;
        for (uid, id) in pending {
            let Some(pod) = self
                .cluster
                .pod_if(id, uid)
                .filter(|p| p.node.is_none() && !p.is_terminating())
            else {
                self.cluster.pending.remove(&(uid, id));
                continue;
            };
            if pod.template.node_name.is_none()
                && let Some((_, message)) = unplaced.iter().find(|(t, _)| Arc::ptr_eq(t, &pod.template))
            {
                if pod.unschedulable_reason.as_deref() != Some(message.as_str()) {
                    let message = message.clone();
                    self.note_unschedulable(id, message);
                }
                continue;
            }
            let template = pod.template.clone();
            named_node |= template.node_name.is_some();
            self.cluster.pending.remove(&(uid, id));
            self.try_schedule(id);
            if template.node_name.is_none()
                && self.cluster.pending.contains(&(uid, id))
                && let Some(message) = self.cluster.pod(id).and_then(|p| p.unschedulable_reason.clone())
            {
                unplaced.push((template, message));
            }
        }
        self.pending_memo = PendingMemo {
            unplaced,
            named_node,
            pending_after: self.cluster.pending.len(),
            added_since: Vec::new(),
        };
    }

    /// Forgets what the last pass over pending pods found (the cluster's objects were
    /// replaced, as by an etcd restore).
    pub(crate) fn forget_scheduling_memo(&mut self) {
        self.pending_memo = PendingMemo::default();
    }

    /// Whether a pass over the pending pods would change nothing: every template the last
    /// full pass left unplaced still fits no node, with the same message, and every pod
    /// pending since has that message already. With 150,000 pods pending, a pass per eviction
    /// of a drain is what this saves (it keeps the trace identical).
    fn nothing_to_schedule(&mut self) -> bool {
        let memo = &self.pending_memo;
        let known = memo.pending_after + memo.added_since.len();
        if memo.named_node
            || self.cluster.pending.len() > known
            || (memo.unplaced.is_empty() && !self.cluster.pending.is_empty())
        {
            return false;
        }
        if !memo.unplaced.is_empty() {
            self.cluster.mend_sched_index();
        }
        let memo = &self.pending_memo;
        for (template, message) in &memo.unplaced {
            match scheduler::place(&self.cluster, template) {
                Err(now) if now == *message => {}
                _ => return false,
            }
        }
        for &(uid, id) in &memo.added_since {
            let Some(pod) = self
                .cluster
                .pod_if(id, uid)
                .filter(|p| p.node.is_none() && !p.is_terminating())
            else {
                continue;
            };
            let same = memo
                .unplaced
                .iter()
                .find(|(t, _)| Arc::ptr_eq(t, &pod.template))
                .is_some_and(|(_, m)| pod.unschedulable_reason.as_deref() == Some(m.as_str()));
            if !same {
                return false;
            }
        }
        self.pending_memo.added_since.clear();
        true
    }

    fn bind(&mut self, pod_id: PodId, node_id: NodeId) {
        let pod = self.cluster.pod(pod_id).expect("binding a live pod");
        let exempt = pod.is_mirror()
            || matches!(pod.owner, Owner::DaemonSet(_))
            || pod.template.node_name.is_some()
            || pod.template.tolerates_unschedulable;
        if self.cluster.node(node_id).unschedulable && !exempt {
            let detail = format!(
                "{}/{} was scheduled to cordoned node {}",
                pod.namespace,
                pod.name,
                self.cluster.node(node_id).name
            );
            self.violate(crate::invariant::InvariantId::NoNewPodsOnCordonedNodes, detail);
        }
        self.cluster.bind(pod_id, node_id);
        let pod = self.cluster.pod(pod_id).expect("live");
        let (uid, start_ms) = (pod.uid, pod.template.start_ms);
        if self.trace_enabled {
            let (label, node) = (self.pod_label(pod), self.cluster.node(node_id).name.clone());
            self.record(Event::PodScheduled { pod: label, node });
        }
        if self.kubelet_up(node_id) {
            self.schedule(self.now + SimDuration(start_ms), Timer::PodStarted { pod: pod_id, uid });
        }
        if self.cluster.node(node_id).ready == ReadyStatus::Unknown {
            self.schedule_lost_pod_eviction(pod_id);
        }
    }

    fn kubelet_up(&self, node: NodeId) -> bool {
        let n = self.cluster.node(node);
        n.kubelet_running && n.powered_on
    }

    fn on_pod_started(&mut self, id: PodId, uid: u64) {
        let Some(pod) = self.cluster.pod_if(id, uid) else {
            return;
        };
        let Some(node) = pod.node else { return };
        if pod.is_terminating() || pod.is_finished() || !self.kubelet_up(node) {
            return;
        }
        let run_ms = pod.template.run_ms;
        let is_job = matches!(pod.owner, Owner::Job(_));
        let node_ready = self.cluster.node(node).ready == ReadyStatus::True;
        let now = self.now;
        self.cluster.update_pod(id, |pod| {
            pod.phase = Phase::Running;
            // A container that keeps failing is not ready, whatever the node.
            let failing = matches!(
                pod.status_reason,
                Some("CrashLoopBackOff" | "ImagePullBackOff" | "ErrImagePull" | "Error" | "InvalidImageName")
            );
            pod.ready = node_ready && !failing;
            if pod.started_at.is_none() {
                pod.started_at = Some(now);
            }
        });
        if self.trace_enabled {
            let p = self.cluster.pod(id).expect("live");
            let (label, node) = (self.pod_label(p), self.cluster.node(node).name.clone());
            self.record(Event::PodStarted { pod: label, node });
        }
        if is_job {
            self.schedule(self.now + SimDuration(run_ms), Timer::PodSucceeded { pod: id, uid });
        }
    }

    fn on_pod_succeeded(&mut self, id: PodId, uid: u64) {
        let Some(pod) = self.cluster.pod_if(id, uid) else {
            return;
        };
        let Some(node) = pod.node else { return };
        if pod.is_terminating() || pod.phase != Phase::Running || !self.kubelet_up(node) {
            return;
        }
        let owner = pod.owner;
        self.cluster.update_pod(id, |pod| {
            pod.phase = Phase::Succeeded;
            pod.ready = false;
        });
        let label = self.pod_label(self.cluster.pod(id).expect("live"));
        let node_name = self.cluster.node(node).name.clone();
        self.record(Event::PodSucceeded {
            pod: label,
            node: node_name,
        });
        if let Owner::Job(job) = owner {
            let w = self.cluster.workload_mut(job);
            w.active = w.active.saturating_sub(1);
            w.succeeded += 1;
            self.reconcile(job);
        }
    }

    /// The Eviction API: checks PodDisruptionBudgets, then deletes gracefully.
    pub(crate) fn evict(&mut self, id: PodId, grace: Option<u64>, dry_run: bool) -> Result<(), ApiError> {
        if let Err((code, message, pdb)) = self.cluster.eviction_check(id) {
            if let Some(pdb) = pdb {
                let (label, pdb_name) = (
                    self.pod_label(self.cluster.pod(id).expect("live")),
                    self.cluster.pdb(pdb).name.clone(),
                );
                let status = self.cluster.pdb_status(pdb);
                self.record(Event::EvictionRefused {
                    pod: label,
                    pdb: pdb_name,
                    expected: status.expected,
                    desired_healthy: status.desired_healthy,
                    current_healthy: status.current_healthy,
                    disruptions_allowed: status.disruptions_allowed,
                });
            }
            return Err(ApiError::new(code, message));
        }
        if !dry_run {
            self.delete_pod(id, grace, DeleteCause::Eviction);
        }
        Ok(())
    }

    /// Starts a pod's deletion: deletionTimestamp set, controllers told, kubelet asked to stop it.
    pub(crate) fn delete_pod(&mut self, id: PodId, grace: Option<u64>, cause: DeleteCause) {
        let Some(pod) = self.cluster.pod(id) else {
            return;
        };
        if pod.is_terminating() {
            return;
        }
        if pod.is_mirror() && cause == DeleteCause::User {
            self.mirror_pod_deleted(id);
            return;
        }
        let grace_s = grace.unwrap_or(pod.template.grace_seconds);
        let was_healthy = pod.is_healthy();
        let (owner, uid, node, stop_ms, finished) =
            (pod.owner, pod.uid, pod.node, pod.template.stop_ms, pod.is_finished());
        let label = self.pod_label(pod);
        let node_name = node
            .map(|n| self.cluster.node(n).name.clone())
            .unwrap_or_else(|| Arc::from(""));
        match cause {
            DeleteCause::Eviction => self.record(Event::PodEvicted {
                pod: label.clone(),
                node: node_name,
            }),
            _ => self.record(Event::PodDeleted {
                pod: label.clone(),
                node: node_name,
                by: cause.as_str(),
            }),
        }
        let old_era = !self.cluster.side.taint_based_evictions;
        let now = self.now;
        self.cluster.update_pod(id, |pod| {
            pod.deletion = Some(Deletion {
                at: now,
                grace_seconds: grace_s,
            });
            pod.ready = false;
            if cause == DeleteCause::NodeLost && old_era {
                pod.status_reason = Some("NodeLost");
            }
        });
        if was_healthy
            && matches!(
                cause,
                DeleteCause::Eviction | DeleteCause::DrainDelete | DeleteCause::User
            )
        {
            self.check_pdbs_after_disruption(id, &label);
        }
        if owner == Owner::None && cause != DeleteCause::User {
            self.violate(
                crate::invariant::InvariantId::NoPodLost,
                format!("bare pod {label} was deleted and nothing will recreate it"),
            );
        }
        // The controller no longer counts a terminating pod as active.
        if let Owner::ReplicaSet(w) | Owner::Job(w) = owner {
            if !finished {
                let wl = self.cluster.workload_mut(w);
                wl.active = wl.active.saturating_sub(1);
            }
            self.reconcile(w);
        }
        match node {
            None => self.finish_removal(id),
            Some(_) if grace_s == 0 => self.finish_removal(id),
            Some(n) if self.kubelet_up(n) => {
                let stop = if finished { 0 } else { stop_ms.min(grace_s * 1000) };
                self.schedule(self.now + SimDuration(stop), Timer::PodStopped { pod: id, uid });
            }
            // Nobody confirms termination on a silent node: the pod stays Terminating.
            Some(_) => {}
        }
    }

    fn check_pdbs_after_disruption(&mut self, id: PodId, label: &str) {
        let pdbs = self.cluster.pdbs_for_pod(id);
        self.check_pdbs_after(&pdbs, || format!("deleting {label}"));
    }

    /// A voluntary disruption (`what`) happened to pods these budgets cover: each budget it
    /// left below its minimum is a `pdb_respected` violation. `what` is only worded when a
    /// budget is broken (every eviction of a drain passes here).
    pub(crate) fn check_pdbs_after(&mut self, pdbs: &[PdbId], what: impl Fn() -> String) {
        for &pdb in pdbs {
            let status = self.cluster.pdb_status(pdb);
            if status.expected > 0 && status.current_healthy < status.desired_healthy {
                let p = self.cluster.pdb(pdb);
                let detail = format!(
                    "{} left PodDisruptionBudget {}/{} with {} healthy pods, below its minimum of {}",
                    what(),
                    p.namespace,
                    p.name,
                    status.current_healthy,
                    status.desired_healthy
                );
                self.violate(crate::invariant::InvariantId::PdbRespected, detail);
            }
        }
    }

    /// `kubectl delete --force`: the object is removed without the kubelet's confirmation.
    pub(crate) fn force_remove(&mut self, id: PodId, uid: u64) {
        if self.cluster.pod_if(id, uid).is_some() {
            self.finish_removal(id);
        }
    }

    /// The pod object disappears from the API; owners react.
    fn finish_removal(&mut self, id: PodId) {
        let Some(pod) = self.cluster.remove_pod(id) else {
            return;
        };
        self.sched_dirty = true;
        if self.trace_enabled {
            let node = pod
                .node
                .map(|n| self.cluster.node(n).name.clone())
                .unwrap_or_else(|| Arc::from(""));
            let label = self.pod_label(&pod);
            self.record(Event::PodRemoved { pod: label, node });
        }
        match pod.owner {
            Owner::ReplicaSet(w) | Owner::Job(w) => {
                // Only a pod removed without a deletion phase was still counted active.
                if !pod.is_terminating() && !pod.is_finished() {
                    let wl = self.cluster.workload_mut(w);
                    wl.active = wl.active.saturating_sub(1);
                }
                self.reconcile(w);
            }
            Owner::StatefulSet(w, ordinal) => {
                if let Some(slot) = self.cluster.workload_mut(w).ordinals.get_mut(ordinal as usize)
                    && *slot == Some(id)
                {
                    *slot = None;
                }
                self.reconcile(w);
            }
            Owner::DaemonSet(w) => {
                if let Some(node) = pod.node {
                    let wl = self.cluster.workload_mut(w);
                    if wl.per_node.get(&node) == Some(&id) {
                        wl.per_node.remove(&node);
                    }
                    // Only this node's coverage changed: replacing the pod there is all the
                    // DaemonSet controller has to do (a full pass is O(nodes) per removal).
                    self.reconcile_daemonset_on(w, node);
                } else {
                    self.ds_dirty = true;
                }
                self.ds_touched = true;
            }
            Owner::None | Owner::Mirror(_) => {}
        }
        if self.names_taken {
            // Whatever owned it, the name is free now.
            self.retry_taken_names(&pod.namespace, &pod.name);
        }
    }

    // ---- controllers ------------------------------------------------------------------

    /// Brings a controller's pods to its desired state, creating what is missing.
    pub(crate) fn reconcile(&mut self, id: WorkloadId) {
        // Controllers act through the API; without it, or without a controller-manager leading,
        // they wait (and catch up when it returns).
        if self.api_down_since.is_some() || self.controllers_paused_until.is_some() {
            return;
        }
        let w = self.cluster.workload(id);
        if w.deleted {
            return;
        }
        match w.kind {
            WorkloadKind::Deployment => {}
            WorkloadKind::ReplicaSet => {
                let missing = (w.replicas as usize).saturating_sub(w.active as usize);
                for _ in 0..missing {
                    let name = self.fresh_pod_name(id);
                    let (ns, template, labels) = self.pod_parts(id);
                    let pod = self.create_pod(ns, name, Owner::ReplicaSet(id), template, labels, None);
                    let _ = pod;
                    self.cluster.workload_mut(id).active += 1;
                }
            }
            WorkloadKind::Job => {
                let want = (w.replicas.saturating_sub(w.succeeded)).min(w.parallelism) as usize;
                let missing = want.saturating_sub(w.active as usize);
                for _ in 0..missing {
                    let name = self.fresh_pod_name(id);
                    let (ns, template, labels) = self.pod_parts(id);
                    let pod = self.create_pod(ns, name, Owner::Job(id), template, labels, None);
                    let _ = pod;
                    self.cluster.workload_mut(id).active += 1;
                }
            }
            WorkloadKind::StatefulSet => {
                let replicas = w.replicas as usize;
                if self.cluster.workload(id).ordinals.len() < replicas {
                    self.cluster.workload_mut(id).ordinals.resize(replicas, None);
                }
                for ordinal in 0..replicas {
                    if self.cluster.workload(id).ordinals[ordinal].is_some() {
                        continue;
                    }
                    let w = self.cluster.workload(id);
                    let name: Arc<str> = Arc::from(format!("{}-{ordinal}", w.name).as_str());
                    let (ns, template, labels) = self.pod_parts(id);
                    if self.cluster.pod_id(&ns, &name).is_some() {
                        // Another pod (a bare one, say) holds the ordinal's name: the API
                        // refuses the create with AlreadyExists and the controller retries.
                        self.statefulset_name_taken(id, ordinal as u32, &ns, &name);
                        continue;
                    }
                    self.cluster.workload_mut(id).name_taken.remove(&(ordinal as u32));
                    let pod = self.create_pod(ns, name, Owner::StatefulSet(id, ordinal as u32), template, labels, None);
                    self.cluster.workload_mut(id).ordinals[ordinal] = Some(pod);
                }
            }
            WorkloadKind::DaemonSet => {
                let nodes: Vec<NodeId> = self.cluster.node_ids().collect();
                for node in nodes {
                    self.reconcile_daemonset_on(id, node);
                }
            }
        }
    }

    /// The StatefulSet controller's create of an ordinal was refused because the name is taken:
    /// its FailedCreate event, once until the ordinal is created.
    fn statefulset_name_taken(&mut self, id: WorkloadId, ordinal: u32, ns: &str, name: &str) {
        self.names_taken = true;
        if !self.cluster.workload_mut(id).name_taken.insert(ordinal) {
            return;
        }
        let owner = self.owner_label(Owner::StatefulSet(id, ordinal));
        self.record(Event::PodCreateFailed {
            pod: Arc::from(format!("{ns}/{name}").as_str()),
            owner,
            reason: "AlreadyExists",
        });
    }

    /// A pod that held a StatefulSet ordinal's name is gone: the controller's retry creates
    /// the ordinal now.
    fn retry_taken_names(&mut self, ns: &str, name: &str) {
        let taken: Vec<WorkloadId> = self
            .cluster
            .workload_ids()
            .filter(|&w| {
                let wl = self.cluster.workload(w);
                !wl.deleted && !wl.name_taken.is_empty()
            })
            .collect();
        self.names_taken = !taken.is_empty();
        for w in taken {
            let wl = self.cluster.workload(w);
            if *wl.namespace == *ns && wl.name_taken.iter().any(|o| name == format!("{}-{o}", wl.name)) {
                self.reconcile(w);
            }
        }
    }

    /// The DaemonSet controller for one node: a pod there if the node should have one.
    fn reconcile_daemonset_on(&mut self, id: WorkloadId, node: NodeId) {
        if self.api_down_since.is_some() || self.controllers_paused_until.is_some() {
            return;
        }
        let w = self.cluster.workload(id);
        if w.deleted
            || w.per_node.contains_key(&node)
            || !self.cluster.node_exists(node)
            || !scheduler::daemon_fits(self.cluster.node(node), &w.template)
        {
            return;
        }
        let name = self.fresh_pod_name(id);
        let (ns, template, labels) = self.pod_parts(id);
        let pod = self.create_pod(ns, name, Owner::DaemonSet(id), template, labels, Some(node));
        self.cluster.workload_mut(id).per_node.insert(node, pod);
    }

    fn pod_parts(&self, id: WorkloadId) -> (Arc<str>, Arc<PodTemplate>, Arc<Labels>) {
        let w = self.cluster.workload(id);
        (w.namespace.clone(), w.template.clone(), w.pod_labels.clone())
    }

    /// `<owner>-<5 random chars>`, drawn again on the (rare) collision.
    fn fresh_pod_name(&mut self, id: WorkloadId) -> Arc<str> {
        let mut name = std::mem::take(&mut self.scratch);
        loop {
            let w = self.cluster.workload(id);
            name.clear();
            name.push_str(&w.name);
            name.push('-');
            self.rng.push_name_suffix(&mut name, 5);
            if self.cluster.pod_id(&w.namespace, &name).is_none() {
                let shared = Arc::from(name.as_str());
                self.scratch = name;
                return shared;
            }
        }
    }

    /// Text written once into a buffer the engine keeps, then shared: one allocation per
    /// name or label instead of two (an engine names every pod it creates).
    fn shared_text(&mut self, write: impl FnOnce(&mut String)) -> Arc<str> {
        let mut text = std::mem::take(&mut self.scratch);
        text.clear();
        write(&mut text);
        let shared = Arc::from(text.as_str());
        self.scratch = text;
        shared
    }

    // ---- nodes ------------------------------------------------------------------------

    pub(crate) fn mark_ds_changed(&mut self) {
        self.ds_dirty = true;
        self.ds_touched = true;
    }

    pub(crate) fn set_unschedulable(&mut self, node: NodeId, on: bool) {
        let n = self.cluster.node_mut(node);
        if n.unschedulable == on {
            return;
        }
        n.unschedulable = on;
        let name = n.name.clone();
        self.record(if on {
            Event::NodeCordoned { node: name }
        } else {
            Event::NodeUncordoned { node: name }
        });
        if self.cluster.side.taint_unschedulable {
            if on {
                self.add_taint(node, Taint::new(UNSCHEDULABLE, Effect::NoSchedule));
            } else {
                self.remove_taint(node, UNSCHEDULABLE);
            }
        }
        if !on {
            self.sched_dirty = true;
        }
    }

    fn add_taint(&mut self, node: NodeId, taint: Taint) {
        let n = self.cluster.node_mut(node);
        if n.taints.iter().any(|t| t.key == taint.key && t.effect == taint.effect) {
            return;
        }
        let text = taint.to_string();
        n.taints.push(taint);
        let name = n.name.clone();
        self.ds_touched = true;
        self.record(Event::NodeTainted {
            node: name,
            taint: text,
        });
    }

    fn remove_taint(&mut self, node: NodeId, key: &str) {
        let n = self.cluster.node_mut(node);
        let removed: Vec<String> = n
            .taints
            .iter()
            .filter(|t| t.key == key)
            .map(|t| t.to_string())
            .collect();
        n.taints.retain(|t| t.key != key);
        let name = n.name.clone();
        for taint in removed {
            self.record(Event::NodeUntainted {
                node: name.clone(),
                taint,
            });
        }
        self.sched_dirty = true;
    }

    /// The machine stops: kubelet silent, containers gone (the API does not know yet).
    pub fn node_crash(&mut self, node: NodeId) {
        let n = self.cluster.node_mut(node);
        if !n.powered_on {
            // Already down (a reboot in progress): the crash cancels the pending boot, and the
            // lifecycle timeline keeps counting from when the kubelet went silent.
            n.lifecycle_gen += 1;
            let (generation, silent, ready) = (n.lifecycle_gen, n.silent_since, n.ready);
            if ready == ReadyStatus::True {
                let at = silent.unwrap_or(self.now) + SimDuration(self.cluster.side.node_monitor_grace_ms);
                self.schedule(at.max(self.now), Timer::NodeMonitor { node, generation });
            }
            return;
        }
        n.powered_on = false;
        n.kubelet_running = false;
        n.silent_since = Some(self.now);
        n.lifecycle_gen += 1;
        n.kubelet_unit.containers_lost = true;
        n.kubelet_unit.failing = None;
        n.kubelet_unit.retry_gen += 1;
        n.journal.push(self.now, unit::JournalEvent::PoweredOff);
        let (generation, name) = (n.lifecycle_gen, n.name.clone());
        self.record(Event::NodePoweredOff { node: name });
        self.etcd_member_down(node);
        self.controller_manager_node_gone(node);
        let grace = SimDuration(self.cluster.side.node_monitor_grace_ms);
        self.schedule(self.now + grace, Timer::NodeMonitor { node, generation });
    }

    /// The machine comes back and its kubelet registers again.
    pub fn node_recover(&mut self, node: NodeId) {
        let n = self.cluster.node_mut(node);
        if n.powered_on && n.kubelet_running {
            return;
        }
        if !n.powered_on {
            n.powered_on = true;
            n.booted_at = self.now;
            n.journal.push(self.now, unit::JournalEvent::Booted);
            // A disabled kubelet does not start at boot: the node stays NotReady.
            if !n.kubelet_unit.enabled {
                let name = n.name.clone();
                self.record(Event::NodePoweredOn { node: name });
                return;
            }
        }
        let version = self.cluster.node(node).kubelet_version.clone();
        match self.kubelet_preflight_memo(node, &version) {
            Ok(settings) => self.kubelet_process_started(node, settings),
            Err(error) => {
                self.kubelet_process_exited(node, error);
                return;
            }
        }
        let n = self.cluster.node_mut(node);
        let was_off = std::mem::take(&mut n.kubelet_unit.containers_lost);
        n.powered_on = true;
        n.kubelet_running = true;
        n.silent_since = None;
        n.lifecycle_gen += 1;
        let name = n.name.clone();
        let was_ready = n.ready == ReadyStatus::True;
        n.ready = ReadyStatus::True;
        self.record(Event::NodePoweredOn { node: name.clone() });
        self.etcd_member_up(node);
        if was_off {
            self.controller_manager_booted(node);
        }
        if !was_ready {
            self.record(Event::NodeReady { node: name.clone() });
        }
        self.remove_taint(node, UNREACHABLE);
        self.remove_taint(node, NOT_READY);
        for pod_id in self.cluster.pods_on_node(node) {
            let Some(pod) = self.cluster.pod(pod_id) else {
                continue;
            };
            let (uid, start_ms) = (pod.uid, pod.template.start_ms);
            if pod.is_terminating() {
                // The kubelet finds the deletion and confirms it: the containers are already gone.
                self.finish_removal(pod_id);
                continue;
            }
            if pod.is_finished() {
                continue;
            }
            let restarted = was_off && pod.phase == Phase::Running;
            let now = self.now;
            self.cluster.update_pod(pod_id, |pod| {
                pod.ready = false;
                if restarted {
                    pod.restarts += 1;
                    pod.last_restart = Some(now);
                }
            });
            if restarted {
                let label = self.pod_label(self.cluster.pod(pod_id).expect("live"));
                self.record(Event::PodRestarted {
                    pod: label,
                    node: name.clone(),
                });
            }
            self.schedule(self.now + SimDuration(start_ms), Timer::PodStarted { pod: pod_id, uid });
        }
        self.sched_dirty = true;
        // A starting kubelet tries a crash-looping container again at once.
        if self
            .cluster
            .node(node)
            .control_plane
            .as_ref()
            .is_some_and(|cp| cp.etcd_retry && cp.etcd_failed.is_some())
        {
            self.schedule_etcd_retry_at(node, self.now);
        }
        // Only this node's DaemonSet coverage can have changed.
        let ds: Vec<WorkloadId> = self
            .cluster
            .workloads_of(WorkloadKind::DaemonSet)
            .map(|(id, _)| id)
            .collect();
        for id in ds {
            self.reconcile_daemonset_on(id, node);
        }
        self.ds_touched = true;
    }

    /// `systemctl stop kubelet`: the kubelet stops posting status; containers keep running.
    pub(crate) fn kubelet_stop(&mut self, node: NodeId) {
        let n = self.cluster.node_mut(node);
        if n.powered_on && n.kubelet_unit.failing.is_some() {
            // Stopping ends systemd's restart loop; the kubelet was not running anyway.
            self.kubelet_unit_stopped(node);
            return;
        }
        if !n.powered_on || !n.kubelet_running {
            return;
        }
        self.kubelet_unit_stopped(node);
        let n = self.cluster.node_mut(node);
        n.kubelet_running = false;
        n.silent_since = Some(self.now);
        n.lifecycle_gen += 1;
        let generation = n.lifecycle_gen;
        let name = n.name.clone();
        self.record(Event::KubeletStopped { node: name });
        let grace = SimDuration(self.cluster.side.node_monitor_grace_ms);
        self.schedule(self.now + grace, Timer::NodeMonitor { node, generation });
    }

    /// `systemctl start kubelet`: the installed kubelet binary runs and registers again.
    pub(crate) fn kubelet_start(&mut self, node: NodeId) {
        let installed = self.installed_kubelet(node);
        let n = self.cluster.node_mut(node);
        if !n.powered_on {
            return;
        }
        let before = std::mem::replace(&mut n.kubelet_version, installed.clone());
        if !n.kubelet_running {
            self.node_recover(node);
        }
        if !self.cluster.node(node).kubelet_running {
            // It exited at start (systemd keeps trying): the node still shows the old kubelet.
            self.cluster.node_mut(node).kubelet_version = before;
            return;
        }
        if before != installed {
            self.record(Event::ComponentUpgraded {
                node: self.cluster.node(node).name.clone(),
                component: "kubelet",
                version: Arc::from(installed.to_string().as_str()),
            });
            self.check_kubelet_order(node, &before, &installed);
            self.check_node_skew(node);
        }
    }

    /// The kubelet binary installed on a node (its package), which a restart will run.
    pub(crate) fn installed_kubelet(&self, node: NodeId) -> crate::release::version::KubeVersion {
        let n = self.cluster.node(node);
        n.packages
            .installed_kube_version(packages::KubePackage::Kubelet)
            .unwrap_or_else(|| n.kubelet_version.clone())
    }

    /// Power-cycle: down now, back after `downtime`.
    pub fn node_reboot(&mut self, node: NodeId, downtime: SimDuration) {
        self.node_crash(node);
        let generation = self.cluster.node(node).lifecycle_gen;
        self.schedule(self.now + downtime, Timer::NodeBooted { node, generation });
    }

    fn on_node_monitor(&mut self, node: NodeId, generation: u64) {
        if let Some(until) = self.controllers_paused_until {
            // The node lifecycle controller runs in the controller-manager that leads: it
            // looks once one does.
            let at = until.max(self.now + SimDuration::from_secs(1));
            self.schedule(at, Timer::NodeMonitor { node, generation });
            return;
        }
        if self.api_down_since.is_some() {
            // The node lifecycle controller cannot write either; it looks again later.
            self.schedule(
                self.now + SimDuration::from_secs(5),
                Timer::NodeMonitor { node, generation },
            );
            return;
        }
        let n = self.cluster.node_mut(node);
        if n.lifecycle_gen != generation || n.kubelet_running {
            return;
        }
        n.ready = ReadyStatus::Unknown;
        let name = n.name.clone();
        self.record(Event::NodeNotReady {
            node: name,
            condition: "Unknown",
        });
        if self.cluster.side.taint_based_evictions {
            self.add_taint(node, Taint::new(UNREACHABLE, Effect::NoSchedule));
            self.add_taint(node, Taint::new(UNREACHABLE, Effect::NoExecute));
        }
        for pod_id in self.cluster.pods_on_node(node) {
            self.cluster.update_pod(pod_id, |p| p.ready = false);
            self.schedule_lost_pod_eviction(pod_id);
        }
    }

    /// Taint manager (1.13+) or pod-eviction-timeout (older): when a pod on a lost node goes.
    fn schedule_lost_pod_eviction(&mut self, pod_id: PodId) {
        let Some(pod) = self.cluster.pod(pod_id) else {
            return;
        };
        let Some(node) = pod.node else { return };
        let generation = self.cluster.node(node).lifecycle_gen;
        let uid = pod.uid;
        let delay_s = if self.cluster.side.taint_based_evictions {
            let taint = Taint::new(UNREACHABLE, Effect::NoExecute);
            let matching: Vec<&Toleration> = pod
                .template
                .tolerations
                .iter()
                .filter(|t| t.tolerates(&taint))
                .collect();
            if matching.is_empty() {
                Some(0)
            } else if matching.iter().any(|t| t.seconds.is_none()) {
                None
            } else {
                matching.iter().filter_map(|t| t.seconds).min().map(|s| s.max(0) as u64)
            }
        } else if matches!(pod.owner, Owner::DaemonSet(_) | Owner::Mirror(_)) {
            None
        } else {
            Some(300)
        };
        if let Some(s) = delay_s {
            self.schedule(
                self.now + SimDuration::from_secs(s),
                Timer::TaintEviction {
                    pod: pod_id,
                    uid,
                    generation,
                },
            );
        }
    }

    fn on_taint_eviction(&mut self, pod: PodId, uid: u64, generation: u64) {
        if self.api_down_since.is_some() {
            self.schedule(
                self.now + SimDuration::from_secs(5),
                Timer::TaintEviction { pod, uid, generation },
            );
            return;
        }
        let Some(p) = self.cluster.pod_if(pod, uid) else {
            return;
        };
        let Some(node) = p.node else { return };
        if p.is_terminating() || self.cluster.node(node).lifecycle_gen != generation || self.kubelet_up(node) {
            return;
        }
        self.delete_pod(pod, None, DeleteCause::NodeLost);
    }

    // ---- invariants checked at step ends ----------------------------------------------

    /// The version skew policy between each kubelet and the API server (semantics §2.1/§2.2):
    /// never newer; at most 3 minors older from a 1.28 control plane with kubelets ≥ 1.25,
    /// otherwise 2. Checked when versions change (cluster build, upgrades).
    /// The version-skew policy of the cluster's era (semantics §2.1, §2.2), all of it.
    pub(crate) fn check_version_skew(&mut self) {
        self.check_control_plane_skew();
        let ids: Vec<NodeId> = self.cluster.node_ids().collect();
        for id in ids {
            self.check_node_skew(id);
        }
        self.check_kube_proxy_skew();
    }

    /// The rules for one node's kubelet against the API servers: never newer than the oldest,
    /// at most 2 (3 from control plane 1.28 for kubelets ≥1.25) minors older than the newest.
    /// A control plane whose kubelet talks to its own API server only is bounded by that one.
    pub(crate) fn check_node_skew(&mut self, id: NodeId) {
        let n = self.cluster.node(id);
        let local = n
            .control_plane
            .as_ref()
            .filter(|c| c.kubelet_local_api)
            .map(|c| c.apiserver.clone());
        let Some((oldest, newest)) = local.map(|v| (v.clone(), v)).or_else(|| self.apiserver_range()) else {
            return;
        };
        let n = self.cluster.node(id);
        let k = &n.kubelet_version;
        let problem = if k.major != oldest.major || k.minor > oldest.minor {
            Some(format!(
                "kubelet {k} on {} is newer than the API server {oldest}",
                n.name
            ))
        } else {
            let allowed = if newest.minor >= 28 && k.minor >= 25 { 3 } else { 2 };
            (newest.minor - k.minor > allowed).then(|| {
                format!(
                    "kubelet {k} on {} is {} minors older than the API server {newest} (the policy allows {allowed})",
                    n.name,
                    newest.minor - k.minor
                )
            })
        };
        if let Some(p) = problem {
            self.violate_once(crate::invariant::InvariantId::VersionSkew, p);
        }
    }

    /// kube-proxy (the DaemonSet's version): never newer than the oldest API server, within
    /// the kubelet's allowance of the newest.
    fn check_kube_proxy_skew(&mut self) {
        let Some((oldest, newest)) = self.apiserver_range() else {
            return;
        };
        let kp = self.cluster.addons.kube_proxy.clone();
        if self
            .cluster
            .workload_id(WorkloadKind::DaemonSet, "kube-system", "kube-proxy")
            .is_none()
        {
            return;
        }
        let allowed = if newest.minor >= 28 && kp.minor >= 25 { 3 } else { 2 };
        if kp.minor > oldest.minor {
            self.violate_once(
                crate::invariant::InvariantId::VersionSkew,
                format!("kube-proxy {kp} is newer than the API server {oldest}"),
            );
        } else if newest.minor - kp.minor > allowed {
            self.violate_once(
                crate::invariant::InvariantId::VersionSkew,
                format!(
                    "kube-proxy {kp} is {} minors older than the API server {newest}",
                    newest.minor - kp.minor
                ),
            );
        }
    }

    /// A standing condition is reported when it starts, not again at every later check.
    pub(crate) fn violate_once(&mut self, id: crate::invariant::InvariantId, detail: String) {
        if self.violations.iter().any(|v| v.id == id && v.detail == detail) {
            return;
        }
        self.violate(id, detail);
    }

    /// Step-end checks that are not tied to a single change.
    pub(crate) fn check_step_invariants(&mut self) {
        self.check_etcd_quorum();
        // Without a controller-manager the DaemonSet controller cannot have caught up yet: the
        // coverage is checked once it has resynced (the flag stays set until then).
        if self.controllers_paused_until.is_some() || !std::mem::take(&mut self.ds_touched) {
            return;
        }
        let mut missing = Vec::new();
        for (_, w) in self.cluster.workloads_of(WorkloadKind::DaemonSet) {
            for node in self.cluster.node_ids() {
                if !w.per_node.contains_key(&node) && scheduler::daemon_fits(self.cluster.node(node), &w.template) {
                    missing.push(format!(
                        "DaemonSet {}/{} has no pod on node {}",
                        w.namespace,
                        w.name,
                        self.cluster.node(node).name
                    ));
                }
            }
        }
        for detail in missing {
            self.violate(crate::invariant::InvariantId::DaemonsetsComplete, detail);
        }
    }
}
