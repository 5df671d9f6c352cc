//! One policy run under watch: the properties a run must keep, checked after every step and at
//! the end, each failure with a witness a replayed scenario can show.
//!
//! Properties (README "Upgrade policies" lists them with the same words):
//! - every simulator invariant (`no_pod_lost`, `pdb_respected`, `version_skew`,
//!   `upgrade_order`, `etcd_quorum`, …) broken by the policy: a violation during one of its
//!   commands or while it waited, except a bare pod lost with a node a fault took down,
//!   anything a fault step itself broke, and the kube-proxy skew kubeadm before 1.28 causes in
//!   every HA upgrade;
//! - `terminates`: the run ends Done or Aborted within the policy's time and input budget, and
//!   never waits for something nothing pending can bring about;
//! - `no_cordon_left`: after Done, no node is cordoned;
//! - `max_unavailable`: at every step, a pool has at most its resolved `maxUnavailable` nodes
//!   out of service (cordoned, NotReady or gone, against its size at the start) that no fault
//!   took down; the control planes at most `controlPlanes.maxUnavailable`;
//! - `max_surge`: at every step, the cluster has at most its starting node count plus the
//!   policy's surge (a whole pool for BlueGreen);
//! - `no_full_outage`: at every step with no node down by a fault, no Deployment or StatefulSet
//!   that had two or more replicas Ready at the start is left with none after losing replicas
//!   from two or more nodes since it was last fully available;
//! - `workloads_settle`: in a cluster that started healthy (every workload fully available, no
//!   node overcommitted, room for one worker out of service), once the run ended (and the last
//!   fault with it), within the settle time every Deployment, StatefulSet and DaemonSet is
//!   fully available again.

use super::drive::{Drive, Halt, Limits, Observer, Recorded, StepKind, View};
use super::faults::Schedule;
use super::{Bounds, Outcome, Policy};
use kubedrill_sim::Seed;
use kubedrill_sim::runner::ScenarioError;
use kubedrill_sim::scenario::{Expect, Scenario};
use kubedrill_sim::time::{SimDuration, SimTime};
use std::collections::{BTreeMap, BTreeSet};

/// The policy's own properties, with what each means (the simulator's invariants come on top).
pub const PROPERTIES: &[(&str, &str)] = &[
    (
        "terminates",
        "the run ends Done or Aborted within its budget, and never waits for what nothing pending can bring about",
    ),
    ("no_cordon_left", "after Done, no node is cordoned"),
    (
        "max_unavailable",
        "at every step, no pool has more nodes out of service (cordoned, NotReady or gone, that no fault took down) than its maxUnavailable, nor the control planes more than controlPlanes.maxUnavailable",
    ),
    (
        "max_surge",
        "at every step, the cluster has at most its starting node count plus the policy's surge (the whole pool for BlueGreen)",
    ),
    (
        "no_full_outage",
        "at every step with no node down by a fault, no Deployment or StatefulSet that had two or more replicas Ready at the start is left with none after losing replicas from two or more nodes since it was last fully available (the policy took replicas on several nodes without letting it recover in between)",
    ),
    (
        "workloads_settle",
        "in a cluster that started healthy (every workload fully available, no node overcommitted, room for one worker out of service): within the settle time after the run (and the last fault) ends, every workload is fully available again",
    ),
];

/// A property that did not hold, and where it shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// The property's id (a simulator invariant's or one of [`PROPERTIES`]).
    pub property: String,
    pub detail: String,
    pub at: SimTime,
    /// The step (1-based) at which it shows; the counterexample ends there.
    pub step: u32,
    /// What a replay finds true at that step: the witness.
    pub expect: Expect,
}

/// What the checker starts from: the cluster before the policy, and the policy's bounds.
#[derive(Clone, Debug)]
struct Baseline {
    bounds: Bounds,
    nodes: usize,
    control_planes: u32,
    pools: BTreeMap<String, u32>,
    /// Workloads fully available at the start (ids).
    available: BTreeSet<u32>,
    /// Every workload was fully available at the start, no node was overcommitted, and the
    /// workers had room for one of them out of service: what a drain evicts has somewhere to
    /// go and nothing else is waiting for the room it frees.
    healthy: bool,
    /// Deployments and StatefulSets with two or more replicas Ready at the start (ids).
    replicated: BTreeSet<u32>,
}

impl Baseline {
    fn of(view: &View<'_>, bounds: Bounds) -> Self {
        let mut pools: BTreeMap<String, u32> = BTreeMap::new();
        let mut control_planes = 0;
        for n in view.nodes() {
            if n.control_plane {
                control_planes += 1;
            } else {
                *pools.entry(n.pool().unwrap_or_default().to_string()).or_default() += 1;
            }
        }
        let workloads = view.workloads();
        Self {
            bounds,
            nodes: view.node_count(),
            control_planes,
            pools,
            available: workloads.iter().filter(|w| w.available()).map(|w| w.id).collect(),
            healthy: workloads.iter().all(|w| w.available())
                && view.overcommitted().is_empty()
                && view.room_for_one_worker_out(),
            replicated: workloads
                .iter()
                .filter(|w| w.kind != "DaemonSet" && w.desired >= 2 && w.ready >= 2)
                .map(|w| w.id)
                .collect(),
        }
    }
}

#[derive(Clone, Debug, Default)]
struct Replicas {
    ready: Vec<(u64, std::sync::Arc<str>)>,
    lost_from: BTreeSet<std::sync::Arc<str>>,
}

/// A node in a pool the cluster did not start with: no bound applies to it.
const NO_POOL: u32 = u32::MAX;
/// A node whose pool has not been looked up yet.
const UNKNOWN_POOL: u32 = u32::MAX - 1;

/// Watches a run step by step; keeps the first failure.
pub struct Monitor {
    base: Baseline,
    /// Each replicated workload's Ready pods, and the nodes it lost some from since it was
    /// last fully available.
    replicas: BTreeMap<u32, Replicas>,
    /// Bare pods (`namespace/name`) and their nodes at the last step.
    bare_pods: Vec<(std::sync::Arc<str>, std::sync::Arc<str>)>,
    /// Each node's slot in `base.pools` (by node id; [`NO_POOL`] for a pool the cluster did
    /// not start with), filled as nodes are first seen: a node stays in its pool.
    pool_slots: Vec<u32>,
    seen_violations: usize,
    pub failure: Option<Failure>,
}

impl Monitor {
    fn new(base: Baseline) -> Self {
        Self {
            base,
            replicas: BTreeMap::new(),
            bare_pods: Vec::new(),
            pool_slots: Vec::new(),
            seen_violations: 0,
            failure: None,
        }
    }

    fn fail(&mut self, view: &View<'_>, step: u32, property: &str, detail: String, expect: Expect) {
        if self.failure.is_none() {
            self.failure = Some(Failure {
                property: property.to_string(),
                detail,
                at: view.now(),
                step,
                expect,
            });
        }
    }

    fn invariants(&mut self, view: &View<'_>, kind: StepKind, step: u32) {
        let all = view.violations();
        let new = &all[self.seen_violations.min(all.len())..];
        self.seen_violations = all.len();
        let kubeadm_proxy = view.cluster_version().minor < 28;
        let Some(v) = new.iter().find(|v| {
            let excused =
                kind == StepKind::Fault || self.lost_to_a_fault(view, v) || (kubeadm_proxy && kube_proxy_ahead(v));
            !excused
        }) else {
            self.track_bare_pods(view);
            return;
        };
        let ids: BTreeSet<String> = all.iter().map(|v| v.id.to_string()).collect();
        let expect = Expect {
            violations: Some(ids.into_iter().collect()),
            ..Expect::default()
        };
        let (id, detail) = (v.id.as_str(), v.detail.clone());
        self.fail(view, step, id, detail, expect);
        self.track_bare_pods(view);
    }

    /// Where each bare pod is, so a bare pod lost later can be told apart: gone with a node a
    /// fault took down (the node lifecycle deleted it), or deleted by the policy.
    fn track_bare_pods(&mut self, view: &View<'_>) {
        view.bare_pods_into(&mut self.bare_pods);
    }

    /// The node's slot in `base.pools`, remembered once the node has a pool (a machine the
    /// policy provisions is seen before its pool is noted).
    fn pool_slot(&mut self, n: &super::drive::NodeInfo<'_>) -> u32 {
        let i = n.id.0 as usize;
        if let Some(&slot) = self.pool_slots.get(i).filter(|s| **s != UNKNOWN_POOL) {
            return slot;
        }
        let pool = n.pool();
        let slot = self
            .base
            .pools
            .keys()
            .position(|p| p == pool.unwrap_or_default())
            .map_or(NO_POOL, |slot| slot as u32);
        if pool.is_some() {
            if self.pool_slots.len() <= i {
                self.pool_slots.resize(i + 1, UNKNOWN_POOL);
            }
            self.pool_slots[i] = slot;
        }
        slot
    }

    fn lost_to_a_fault(&self, view: &View<'_>, v: &kubedrill_sim::invariant::Violation) -> bool {
        if v.id != "no_pod_lost" {
            return false;
        }
        self.bare_pods.iter().any(|(pod, node)| {
            let named = v
                .detail
                .strip_prefix("bare pod ")
                .and_then(|rest| rest.strip_prefix(&**pod))
                .is_some_and(|rest| rest.starts_with(' '));
            named && view.state().faulted.contains_key(&**node)
        })
    }

    fn bounds(&mut self, view: &View<'_>, step: u32) {
        let extra_nodes = self.base.bounds.extra_nodes;
        let limit = self.base.nodes + extra_nodes as usize;
        if view.node_count() > limit {
            let detail = format!(
                "{} nodes, more than the {} at the start plus a surge of {extra_nodes}",
                view.node_count(),
                self.base.nodes,
            );
            let expect = node_statuses(view, |_| true);
            self.fail(view, step, "max_surge", detail, expect);
            return;
        }
        let mut available = vec![0u32; self.base.pools.len()];
        let (mut cp_out, mut cps) = (0, 0u32);
        for n in view.nodes() {
            let up = n.ready && !n.cordoned;
            // Looked up only for nodes out of service: most are not.
            let counts = up || view.fault_affected(n.name);
            if n.control_plane {
                cps += 1;
                cp_out += u32::from(!counts);
            } else if counts && let Some(have) = available.get_mut(self.pool_slot(&n) as usize) {
                *have += 1;
            }
        }
        // A control plane deleted and not yet replaced is out of service too.
        cp_out += self.base.control_planes.saturating_sub(cps);
        let b = &self.base.bounds;
        if cp_out > b.control_planes_unavailable {
            let detail = format!(
                "{cp_out} of {} control planes out of service at once (controlPlanes.maxUnavailable is {})",
                self.base.control_planes, b.control_planes_unavailable
            );
            let expect = node_statuses(view, |n| n.control_plane);
            self.fail(view, step, "max_unavailable", detail, expect);
            return;
        }
        let over = self.base.pools.iter().zip(available).find_map(|((pool, size), have)| {
            let out = size.saturating_sub(have);
            let allowed = b.pool_unavailable.get(pool).copied().unwrap_or(0);
            (out > allowed).then(|| {
                let detail = format!(
                    "{out} of the {size} nodes of pool {} out of service at once (maxUnavailable resolves to {allowed})",
                    if pool.is_empty() { "\"\"" } else { pool }
                );
                let expect = node_statuses(view, |n| !n.control_plane && n.pool().unwrap_or_default() == pool);
                (detail, expect)
            })
        });
        if let Some((detail, expect)) = over {
            self.fail(view, step, "max_unavailable", detail, expect);
        }
    }

    /// A replicated workload with no Ready replica, having lost replicas from two or more
    /// nodes since it was last fully available: the policy took replicas on several nodes
    /// without letting the workload recover in between. Replicas that had all come to sit on
    /// one node go down with that node whatever the policy does: that is their placement.
    fn outage(&mut self, view: &View<'_>, step: u32) {
        if self.base.replicated.is_empty() {
            return;
        }
        let faulted = view.any_fault_affected();
        for mut w in view.workloads() {
            if !self.base.replicated.contains(&w.id) {
                continue;
            }
            let track = self.replicas.entry(w.id).or_default();
            for (pod, node) in &track.ready {
                if !w.ready_pods.iter().any(|(p, _)| p == pod) && !view.fault_affected(node) {
                    track.lost_from.insert(node.clone());
                }
            }
            track.ready = std::mem::take(&mut w.ready_pods);
            if w.available() {
                track.lost_from.clear();
                continue;
            }
            if w.ready > 0 || faulted || track.lost_from.len() < 2 {
                continue;
            }
            let names: Vec<&str> = track.lost_from.iter().map(|n| &**n).collect();
            let detail = format!(
                "{} has none of its {} replicas Ready: the policy took its replicas on {} without letting it recover in between",
                w.key(),
                w.desired,
                names.join(" and ")
            );
            let mut expect = pod_statuses(view, w.kind, &w.namespace, &w.name);
            expect.node_status = node_statuses(view, |n| names.contains(&n.name)).node_status;
            self.fail(view, step, "no_full_outage", detail, expect);
            return;
        }
    }

    /// The checks at the end of the run; `step` is the last one.
    fn end_checks(&mut self, view: &View<'_>, outcome: &Result<Outcome, Halt>, step: u32, settled: bool) {
        if let Err(h) = outcome {
            self.fail(view, step, "terminates", h.to_string(), Expect::default());
            return;
        }
        if !settled {
            if outcome == &Ok(Outcome::Done) {
                let cordoned: Vec<&str> = view.nodes().filter(|n| n.cordoned).map(|n| n.name).collect();
                if !cordoned.is_empty() {
                    let detail = format!("the policy ended Done with {} cordoned", cordoned.join(", "));
                    let expect = node_statuses(view, |n| n.cordoned);
                    self.fail(view, step, "no_cordon_left", detail, expect);
                }
            }
            return;
        }
        // In a cluster that started short of room, an evicted pod can find no place, or lose
        // its place to one that was waiting: that is the cluster's state, not the policy's.
        if !self.base.healthy {
            return;
        }
        let late = view
            .workloads()
            .into_iter()
            .find(|w| !w.available() && self.base.available.contains(&w.id));
        if let Some(w) = late {
            let detail = format!(
                "{} has {}/{} Ready after the settle time ({})",
                w.key(),
                w.ready,
                w.desired,
                match outcome {
                    Ok(Outcome::Done) => "the policy ended Done".to_string(),
                    Ok(Outcome::Aborted(why)) => format!("the policy aborted: {why}"),
                    Err(h) => h.to_string(),
                }
            );
            let expect = pod_statuses(view, w.kind, &w.namespace, &w.name);
            self.fail(view, step, "workloads_settle", detail, expect);
        }
    }
}

impl Observer for Monitor {
    fn observe(&mut self, view: &View<'_>, kind: StepKind, step: u32) {
        if self.failure.is_some() {
            return;
        }
        self.invariants(view, kind, step);
        self.bounds(view, step);
        self.outage(view, step);
    }

    fn at_end(&mut self, view: &View<'_>, outcome: &Result<Outcome, Halt>, step: u32, settled: bool) {
        if self.failure.is_none() {
            self.end_checks(view, outcome, step, settled);
        }
    }
}

/// kubeadm before 1.28 rolls kube-proxy out with `upgrade apply`, while the other control
/// planes still run the old API server (1.28 waits for the last one): no kubeadm procedure
/// avoids that skew, so it is not counted against a policy.
fn kube_proxy_ahead(v: &kubedrill_sim::invariant::Violation) -> bool {
    v.id == "version_skew" && v.detail.starts_with("kube-proxy ") && v.detail.contains(" is newer than the API server ")
}

fn node_statuses(view: &View<'_>, pick: impl Fn(&super::drive::NodeInfo<'_>) -> bool) -> Expect {
    let mut e = Expect::default();
    for n in view.nodes().filter(|n| pick(n)) {
        let status = match (n.ready, n.cordoned) {
            (true, false) => "Ready",
            (true, true) => "Ready,SchedulingDisabled",
            (false, false) => "NotReady",
            (false, true) => "NotReady,SchedulingDisabled",
        };
        e.node_status.insert(n.name.to_string(), status.to_string());
    }
    e
}

fn pod_statuses(view: &View<'_>, kind: &str, namespace: &str, name: &str) -> Expect {
    let mut e = Expect::default();
    for (pod, status) in view.pods_of(kind, namespace, name) {
        e.pod_status.insert(pod, status.to_string());
    }
    e
}

/// How a checked run is set up.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// How long after the run (and the last fault) workloads have to be available again.
    pub settle: SimDuration,
    pub limits: Limits,
    /// Keep the steps (for a counterexample).
    pub record: bool,
    /// Keep the transcript (for `policy run`).
    pub transcript: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            settle: SimDuration::from_secs(600),
            limits: Limits::default(),
            record: false,
            transcript: false,
        }
    }
}

/// What a checked run came to.
#[derive(Debug)]
pub struct Checked {
    pub outcome: Result<Outcome, Halt>,
    pub failure: Option<Failure>,
    pub steps: Vec<Recorded>,
    pub transcript: Vec<String>,
    /// Simulator invariant ids broken by the end (excused ones too), for `expectViolations`.
    pub violations_by_step: Vec<(u32, &'static str)>,
    /// Virtual time the policy ran.
    pub elapsed: SimDuration,
    /// Steps applied (the settle period's included), and how many were commands.
    pub steps_applied: u32,
    pub commands: u32,
}

/// Runs `policy` on the scenario's cluster with `schedule`'s faults and checks every property.
pub fn run_checked(
    policy: &mut dyn Policy,
    scenario: &Scenario,
    seed: Seed,
    schedule: Schedule,
    opts: &RunOptions,
) -> Result<Checked, ScenarioError> {
    let mut drive = Drive::new(scenario, seed, opts.limits)?;
    drive.set_schedule(schedule);
    if opts.record {
        drive.record_steps();
    }
    if opts.transcript {
        drive.keep_transcript();
    }
    let base = {
        let view = drive.view();
        Baseline::of(&view, policy.bounds(&view))
    };
    drive.set_time_limit(base.bounds.time);
    let mut monitor = Monitor::new(base);
    monitor.track_bare_pods(&drive.view());
    drive.set_observer(&mut monitor);
    let outcome = policy.run(&mut drive);
    let elapsed = drive.view().elapsed();
    drive.finish(&outcome, false);
    let fault_end = drive.last_fault_due().unwrap_or(SimTime::ZERO);
    let until = drive.view().now().max(fault_end) + opts.settle;
    drive.settle_until(until);
    drive.finish(&outcome, true);
    let (steps_applied, commands) = drive.counts();
    let steps = drive.steps().to_vec();
    let transcript = drive.take_transcript();
    let violations_by_step = drive
        .view()
        .violations()
        .iter()
        .map(|v| (v.step, v.id.as_str()))
        .collect();
    drop(drive);
    Ok(Checked {
        outcome,
        failure: monitor.failure,
        steps,
        transcript,
        violations_by_step,
        elapsed,
        steps_applied,
        commands,
    })
}
