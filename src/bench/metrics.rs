//! Strategy metrics, computed from a run's trace (upgrade-policies.md §2): the trace is
//! replayed event by event into per-pod, per-workload and per-node state, and every metric is
//! an integral or an extreme over that state between T0 (the strategy's first action) and T1
//! (its last action done and every replica back, or the settle limit).
//!
//! What the trace cannot carry comes from the run record: the cluster at T0 (pods, their
//! nodes, Ready), the generated workloads (replicas, availability floors), and for restores
//! etcd's revision at the incident.

use super::ctl::Why;
use super::generate::Generated;
use super::strategies::RunRecord;
use kubedrill_sim::time::SimTime;
use kubedrill_sim::trace::Event;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// A metric column: its name in files and tables, how many decimals it is written with, and
/// whether smaller is better (for the baseline column's wording).
#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub name: &'static str,
    pub decimals: usize,
    pub what: &'static str,
}

macro_rules! columns {
    ($($id:ident = $name:literal, $dec:literal, $what:literal;)*) => {
        /// Indices into [`Metrics::values`].
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Clone, Copy, Debug)]
        pub enum M { $($id,)* }
        pub const COLUMNS: &[Column] = &[$(Column { name: $name, decimals: $dec, what: $what },)*];
    };
}

columns! {
    Makespan = "makespan_s", 1, "T0 to T1: the strategy's actions done and every replica back (s)";
    Waiting = "waiting_s", 1, "part of the makespan spent waiting: budgets, soaks, provisioning, detection, transfers (s)";
    Working = "working_s", 1, "the rest of the makespan (s)";
    MaxUnavailable = "max_unavailable", 0, "most replicas of one workload not Ready at once";
    MaxUnavailableTotal = "max_unavailable_total", 0, "most replicas of all workloads not Ready at once";
    PodUnavailable = "pod_unavailable_s", 1, "replica-seconds not Ready, summed over workloads";
    AvailabilityMin = "availability_min", 4, "worst workload's share of the makespan at or above its floor";
    AvailabilityMean = "availability_mean", 4, "mean over workloads of that share";
    BelowFloor = "below_floor_s", 1, "workload-seconds below the floor, summed";
    PdbBlocked = "pdb_blocked_s", 1, "node-seconds a drain waited on a refused eviction, summed over nodes";
    PdbBlockedWorst = "pdb_blocked_worst_s", 1, "the same for the worst node (s)";
    PdbOverrides = "pdb_overrides", 0, "pods under a budget deleted without the Eviction API (forced)";
    ExtraNodeHours = "extra_node_hours", 3, "machine-hours above the starting count, from request to deletion";
    DisruptionsMean = "disruptions_per_pod_mean", 4, "evictions, deletions and kills per replica";
    DisruptionsMax = "disruptions_per_pod_max", 0, "most disruptions of one replica";
    DisruptedTwice = "disrupted_more_than_once", 4, "share of replicas disrupted more than once";
    SkewViolations = "skew_violations", 0, "version_skew violations";
    Violations = "violations", 0, "invariant violations of any kind";
    ApiUnavailable = "api_unavailable_s", 1, "time the API could not serve (s)";
    NoQuorum = "no_quorum_s", 1, "time without etcd quorum (s)";
    MinMembers = "min_healthy_members", 0, "fewest etcd members running and connected";
    LeaderElections = "leader_elections", 0, "times a kube-controller-manager took the leader lease (after the leader's restart or its machine going down)";
    EtcdElections = "etcd_elections", 0, "times etcd elected a leader after losing one";
    CordonedAtEnd = "cordoned_at_end", 0, "nodes left cordoned at T1";
    Rpo = "rpo_s", 1, "restores: incident minus the restored data's time (s)";
    RevisionsLost = "revisions_lost", 0, "restores: etcd revisions at the incident missing after it";
    Rto = "rto_s", 1, "restores: incident to the API serving again (s)";
    Recovered = "recovered_s", 1, "restores: incident to every member healthy and the API answering (s)";
}

/// One run's metrics, in [`COLUMNS`] order (`None`: does not apply).
#[derive(Clone, Debug, PartialEq)]
pub struct Metrics {
    pub values: Vec<Option<f64>>,
    /// Share of all replicas Ready over the makespan: (minutes since T0, worst share in that
    /// slice), [`SERIES_POINTS`] slices.
    pub series: Vec<(f64, f64)>,
}

impl Metrics {
    pub fn get(&self, m: M) -> Option<f64> {
        self.values[m as usize]
    }
}

pub const SERIES_POINTS: usize = 100;

/// A node's refused evictions: (pods, since, blocked ms so far).
type Blocked = (BTreeSet<Arc<str>>, SimTime, u64);

/// A pod as the replay knows it.
struct PodState {
    workload: Option<usize>,
    node: Option<Arc<str>>,
    ready: bool,
    /// The logical replica it is (disruptions are counted per replica).
    slot: usize,
}

/// The replay's state.
struct Replay<'a> {
    g: &'a Generated,
    start: SimTime,
    pods: HashMap<Arc<str>, PodState>,
    /// Pods on each node (by label).
    on_node: HashMap<Arc<str>, BTreeSet<Arc<str>>>,
    ready: Vec<u32>,
    since: Vec<SimTime>,
    unavailable_ms: Vec<f64>,
    below_ms: Vec<u64>,
    max_unavailable: u32,
    total_ready: u32,
    max_unavailable_total: u32,
    /// Per workload: replicas whose pod is gone, waiting for the next pod to take them.
    free_slots: Vec<std::collections::VecDeque<usize>>,
    slot_disruptions: Vec<u32>,
    slot_workload: Vec<usize>,
    /// Per node: pods whose eviction was last refused, since when the set is non-empty, and
    /// the blocked milliseconds so far.
    blocked: HashMap<Arc<str>, Blocked>,
    /// Nodes whose set in `blocked` is not empty, and since when one has been.
    blocked_nodes: usize,
    any_blocked_since: SimTime,
    /// When some drain had a refused eviction pending: closed intervals, in time order.
    any_blocked: Vec<(SimTime, SimTime)>,
    series: Vec<f64>,
    slice_ms: u64,
}

/// The workload index of a pod label `default/w0012-…`.
fn workload_of(g: &Generated, pod: &str) -> Option<usize> {
    let name = pod.strip_prefix("default/")?;
    let w = name.split('-').next()?;
    let i: usize = w.strip_prefix('w')?.parse().ok()?;
    (i >= 1 && i <= g.workloads.len()).then(|| i - 1)
}

impl<'a> Replay<'a> {
    fn new(g: &'a Generated, rec: &RunRecord) -> Self {
        let n = g.workloads.len();
        let span = rec.end.ms().saturating_sub(rec.start.ms()).max(1);
        let mut r = Self {
            g,
            start: rec.start,
            pods: HashMap::new(),
            on_node: HashMap::new(),
            ready: vec![0; n],
            since: vec![rec.start; n],
            unavailable_ms: vec![0.0; n],
            below_ms: vec![0; n],
            max_unavailable: 0,
            total_ready: 0,
            max_unavailable_total: 0,
            free_slots: vec![Default::default(); n],
            slot_disruptions: Vec::new(),
            slot_workload: Vec::new(),
            blocked: HashMap::new(),
            blocked_nodes: 0,
            any_blocked_since: rec.start,
            any_blocked: Vec::new(),
            series: vec![f64::INFINITY; SERIES_POINTS],
            slice_ms: span.div_ceil(SERIES_POINTS as u64).max(1),
        };
        for p in &rec.pods_at_start {
            let workload = workload_of(g, &p.label);
            let slot = r.new_slot(workload);
            if let Some(node) = &p.node {
                r.on_node.entry(node.clone()).or_default().insert(p.label.clone());
            }
            r.pods.insert(
                p.label.clone(),
                PodState {
                    workload,
                    node: p.node.clone(),
                    ready: false,
                    slot,
                },
            );
            if p.ready {
                r.set_ready(&p.label, true, rec.start);
            }
        }
        // Filling in the pods above went through every partial count: start from the real one.
        r.max_unavailable = (0..n)
            .map(|w| r.replicas(w).saturating_sub(r.ready[w]))
            .max()
            .unwrap_or(0);
        r.note_total(rec.start);
        r
    }

    fn new_slot(&mut self, workload: Option<usize>) -> usize {
        let Some(w) = workload else { return usize::MAX };
        if let Some(s) = self.free_slots[w].pop_front() {
            return s;
        }
        self.slot_disruptions.push(0);
        self.slot_workload.push(w);
        self.slot_disruptions.len() - 1
    }

    fn replicas(&self, w: usize) -> u32 {
        self.g.workloads[w].replicas
    }

    /// Closes the workload's current piece of time at `t`.
    fn integrate(&mut self, w: usize, t: SimTime) {
        let dt = t.ms().saturating_sub(self.since[w].ms());
        let missing = self.replicas(w).saturating_sub(self.ready[w]);
        self.unavailable_ms[w] += dt as f64 * f64::from(missing);
        if self.ready[w] < self.g.workloads[w].floor {
            self.below_ms[w] += dt;
        }
        self.since[w] = t;
    }

    fn set_ready(&mut self, pod: &str, ready: bool, t: SimTime) {
        let Some(p) = self.pods.get_mut(pod) else { return };
        if p.ready == ready {
            return;
        }
        p.ready = ready;
        let Some(w) = p.workload else { return };
        self.integrate(w, t);
        if ready {
            self.ready[w] += 1;
            self.total_ready += 1;
        } else {
            self.ready[w] = self.ready[w].saturating_sub(1);
            self.total_ready = self.total_ready.saturating_sub(1);
        }
        let missing = self.replicas(w).saturating_sub(self.ready[w]);
        self.max_unavailable = self.max_unavailable.max(missing);
    }

    fn note_total(&mut self, t: SimTime) {
        let want: u32 = self.g.workloads.iter().map(|w| w.replicas).sum();
        self.max_unavailable_total = self.max_unavailable_total.max(want.saturating_sub(self.total_ready));
        let i = ((t.ms().saturating_sub(self.start.ms())) / self.slice_ms) as usize;
        if let Some(v) = self.series.get_mut(i.min(SERIES_POINTS - 1)) {
            let share = if want == 0 {
                1.0
            } else {
                f64::from(self.total_ready) / f64::from(want)
            };
            *v = v.min(share);
        }
    }

    fn disrupt(&mut self, pod: &str, t: SimTime) {
        self.set_ready(pod, false, t);
        let Some(p) = self.pods.get_mut(pod) else { return };
        if let Some(w) = p.workload
            && p.slot != usize::MAX
        {
            self.slot_disruptions[p.slot] += 1;
            self.free_slots[w].push_back(p.slot);
            p.slot = usize::MAX;
        }
    }

    fn unblock(&mut self, node: &str, pod: Option<&str>, t: SimTime) {
        let Some((set, since, total)) = self.blocked.get_mut(node) else {
            return;
        };
        let was = !set.is_empty();
        match pod {
            Some(p) => {
                set.remove(p);
            }
            None => set.clear(),
        }
        if was && set.is_empty() {
            *total += t.ms().saturating_sub(since.ms());
            self.blocked_nodes -= 1;
            if self.blocked_nodes == 0 {
                self.any_blocked.push((self.any_blocked_since, t));
            }
        }
    }

    /// A refused eviction of `pod` on `node` at `t`.
    fn block(&mut self, node: Arc<str>, pod: &Arc<str>, t: SimTime) {
        let e = self.blocked.entry(node).or_insert_with(|| (BTreeSet::new(), t, 0));
        let first = e.0.is_empty();
        if first {
            e.1 = t;
        }
        e.0.insert(pod.clone());
        if first {
            if self.blocked_nodes == 0 {
                self.any_blocked_since = t;
            }
            self.blocked_nodes += 1;
        }
    }

    fn remove_pod(&mut self, pod: &str, t: SimTime) {
        self.disrupt(pod, t);
        if let Some(p) = self.pods.remove(pod)
            && let Some(node) = p.node
        {
            if let Some(set) = self.on_node.get_mut(&node) {
                set.remove(pod);
            }
            self.unblock(&node, Some(pod), t);
        }
    }
}

/// A pod at T0, read from the cluster.
#[derive(Clone, Debug)]
pub struct PodAtStart {
    pub label: Arc<str>,
    pub node: Option<Arc<str>>,
    pub ready: bool,
}

/// Everything of §2 for one run.
pub fn compute(g: &Generated, rec: &RunRecord) -> Metrics {
    let mut r = Replay::new(g, rec);
    let mut waiting_ms = 0u64;
    let mut last_step: Option<(SimTime, bool)> = None;
    // `kubectl drain` steps (from, to): where a policy's time blocked on budgets is spent.
    let mut drains: Vec<(SimTime, SimTime)> = Vec::new();
    let mut drain_since: Option<SimTime> = None;
    let (mut machines, mut pending) = (i64::from(rec.nodes_at_start), 0i64);
    let mut machines_since = rec.start;
    let mut extra_ms = 0f64;
    let mut overrides = 0u32;
    let (mut skew, mut violations) = (0u32, 0u32);
    let mut api_down: Option<(SimTime, bool)> = None;
    let (mut api_down_ms, mut no_quorum_ms) = (0u64, 0u64);
    let mut outages: Vec<(SimTime, Option<SimTime>)> = Vec::new();
    let mut min_members = rec.members;
    let (mut elections, mut etcd_elections) = (0u32, 0u32);
    // etcd voters running and connected, as the last `EtcdMembers` said.
    let mut healthy_now = rec.members;
    let mut restored_revision: Option<i64> = None;
    // Machines asked for where the steps do not say (a policy's), billed from the request.
    let mut requests = rec.requested.iter().copied().peekable();
    for rec_ in rec.sim.trace().range(rec.trace_from..) {
        let t = rec_.t.max(rec.start);
        if t > rec.end {
            break;
        }
        while let Some(at) = requests.next_if(|at| *at <= t) {
            extra_ms += machine_piece(machines, rec.nodes_at_start, machines_since, at);
            machines_since = at;
            machines += 1;
            pending += 1;
        }
        match &rec_.event {
            Event::StepStarted { text } => {
                if let Some((at, waiting)) = last_step
                    && waiting
                {
                    waiting_ms += t.ms() - at.ms();
                }
                if let Some(from) = drain_since.take() {
                    drains.push((from, t));
                }
                if text.starts_with("kubectl drain ") {
                    drain_since = Some(t);
                }
                let word = text.strip_prefix("wait ").and_then(|w| w.split(' ').next());
                last_step = Some((t, word.is_some_and(Why::is_waiting)));
                if let Some(n) = requested_machines(text) {
                    extra_ms += machine_piece(machines, rec.nodes_at_start, machines_since, t);
                    machines_since = t;
                    machines += n;
                    pending += n;
                }
            }
            Event::PodCreated { pod, .. } => {
                let workload = workload_of(g, pod);
                let slot = r.new_slot(workload);
                r.pods.insert(
                    pod.clone(),
                    PodState {
                        workload,
                        node: None,
                        ready: false,
                        slot,
                    },
                );
            }
            Event::PodScheduled { pod, node } => {
                if let Some(p) = r.pods.get_mut(pod) {
                    p.node = Some(node.clone());
                }
                r.on_node.entry(node.clone()).or_default().insert(pod.clone());
            }
            Event::PodStarted { pod, .. } => {
                r.set_ready(pod, true, t);
                r.note_total(t);
            }
            Event::PodRestarted { pod, .. } => {
                r.set_ready(pod, false, t);
                r.note_total(t);
            }
            Event::PodEvicted { pod, node } => {
                r.disrupt(pod, t);
                r.unblock(node, Some(pod), t);
                r.note_total(t);
            }
            Event::PodDeleted { pod, node, by } => {
                if matches!(*by, "user" | "drain")
                    && r.pods
                        .get(pod)
                        .and_then(|p| p.workload)
                        .is_some_and(|w| g.workloads[w].pdb != "none")
                {
                    overrides += 1;
                }
                r.disrupt(pod, t);
                r.unblock(node, Some(pod), t);
                r.note_total(t);
            }
            Event::PodRemoved { pod, .. } => {
                r.remove_pod(pod, t);
                r.note_total(t);
            }
            Event::NodePoweredOff { node } => {
                let pods: Vec<Arc<str>> = r
                    .on_node
                    .get(node)
                    .map(|s| s.iter().cloned().collect())
                    .unwrap_or_default();
                for p in pods {
                    if r.pods.get(&p).is_some_and(|s| s.ready) {
                        r.disrupt(&p, t);
                    }
                }
                r.note_total(t);
            }
            Event::EvictionRefused { pod, .. } => {
                if let Some(node) = r.pods.get(pod).and_then(|p| p.node.clone()) {
                    r.block(node, pod, t);
                }
            }
            Event::NodeUncordoned { node } | Event::NodeDeleted { node } => {
                r.unblock(node, None, t);
                if matches!(rec_.event, Event::NodeDeleted { .. }) {
                    extra_ms += machine_piece(machines, rec.nodes_at_start, machines_since, t);
                    machines_since = t;
                    machines -= 1;
                }
            }
            Event::NodeAdded { .. } => {
                if pending > 0 {
                    pending -= 1;
                } else {
                    extra_ms += machine_piece(machines, rec.nodes_at_start, machines_since, t);
                    machines_since = t;
                    machines += 1;
                }
            }
            Event::Violation { id, .. } => {
                violations += 1;
                if *id == "version_skew" {
                    skew += 1;
                }
            }
            Event::LeaderElected { component, .. } if *component == "etcd" => etcd_elections += 1,
            Event::LeaderElected { .. } => elections += 1,
            Event::EtcdMembers { healthy, .. } => {
                healthy_now = *healthy;
                min_members = min_members.min(*healthy);
            }
            Event::ApiAvailability {
                available,
                etcd_running,
                quorum,
                ..
            } => {
                min_members = min_members.min(*etcd_running);
                match (api_down, available) {
                    (None, false) => {
                        // A partitioned member runs but is in no quorum.
                        api_down = Some((t, healthy_now.min(*etcd_running) < *quorum));
                        outages.push((t, None));
                    }
                    (Some((since, no_quorum)), true) => {
                        api_down_ms += t.ms() - since.ms();
                        if no_quorum {
                            no_quorum_ms += t.ms() - since.ms();
                        }
                        api_down = None;
                        if let Some(o) = outages.last_mut() {
                            o.1 = Some(t);
                        }
                    }
                    _ => {}
                }
            }
            Event::ApiUnavailable { etcd_running, .. } => min_members = min_members.min(*etcd_running),
            Event::EtcdRestored { revision, .. } => {
                restored_revision.get_or_insert(*revision);
            }
            _ => {}
        }
    }
    let end = rec.end;
    if let Some((at, true)) = last_step {
        waiting_ms += end.ms().saturating_sub(at.ms());
    }
    if let Some((since, no_quorum)) = api_down {
        api_down_ms += end.ms().saturating_sub(since.ms());
        if no_quorum {
            no_quorum_ms += end.ms().saturating_sub(since.ms());
        }
    }
    extra_ms += machine_piece(machines, rec.nodes_at_start, machines_since, end);
    for w in 0..g.workloads.len() {
        r.integrate(w, end);
    }
    let nodes: Vec<Arc<str>> = r.blocked.keys().cloned().collect();
    for n in nodes {
        r.unblock(&n, None, end);
    }
    if !rec.waits_labelled {
        // The steps say nothing of why time passes: waiting is the soaks the driver noted and
        // the time a `kubectl drain` spent with a refused eviction pending (what a built-in
        // strategy's `wait pdb` steps are).
        if let Some(from) = drain_since {
            drains.push((from, end));
        }
        let mut spans = intersect(&r.any_blocked, &drains);
        spans.extend(rec.waiting.iter().copied());
        waiting_ms += union_ms(spans, rec.start, end);
    }
    assemble(
        &r,
        rec,
        Sums {
            waiting_ms,
            extra_ms,
            overrides,
            skew,
            violations,
            api_down_ms,
            no_quorum_ms,
            min_members,
            elections,
            etcd_elections,
            outages,
            restored_revision,
        },
    )
}

/// The overlaps of two lists of intervals, each in time order without overlaps.
fn intersect(a: &[(SimTime, SimTime)], b: &[(SimTime, SimTime)]) -> Vec<(SimTime, SimTime)> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let (from, to) = (a[i].0.max(b[j].0), a[i].1.min(b[j].1));
        if from < to {
            out.push((from, to));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// Milliseconds covered by `spans` (overlaps counted once) within `[start, end]`.
fn union_ms(mut spans: Vec<(SimTime, SimTime)>, start: SimTime, end: SimTime) -> u64 {
    spans.sort_unstable();
    let mut total = 0;
    let mut reached = start;
    for (from, to) in spans {
        let (from, to) = (from.max(reached), to.min(end));
        if from < to {
            total += to.ms() - from.ms();
            reached = to;
        }
    }
    total
}

struct Sums {
    waiting_ms: u64,
    extra_ms: f64,
    overrides: u32,
    skew: u32,
    violations: u32,
    api_down_ms: u64,
    no_quorum_ms: u64,
    min_members: u32,
    elections: u32,
    etcd_elections: u32,
    outages: Vec<(SimTime, Option<SimTime>)>,
    restored_revision: Option<i64>,
}

fn assemble(r: &Replay<'_>, rec: &RunRecord, s: Sums) -> Metrics {
    let span_ms = rec.end.ms().saturating_sub(rec.start.ms());
    let secs = |ms: u64| ms as f64 / 1000.0;
    let mut v = vec![None; COLUMNS.len()];
    let mut set = |m: M, x: f64| v[m as usize] = Some(x);
    set(M::Makespan, secs(span_ms));
    set(M::Waiting, secs(s.waiting_ms.min(span_ms)));
    set(M::Working, secs(span_ms - s.waiting_ms.min(span_ms)));
    set(M::MaxUnavailable, f64::from(r.max_unavailable));
    set(M::MaxUnavailableTotal, f64::from(r.max_unavailable_total));
    set(M::PodUnavailable, r.unavailable_ms.iter().sum::<f64>() / 1000.0);
    let shares: Vec<f64> = r
        .below_ms
        .iter()
        .map(|b| {
            if span_ms == 0 {
                1.0
            } else {
                1.0 - *b as f64 / span_ms as f64
            }
        })
        .collect();
    set(M::AvailabilityMin, shares.iter().copied().fold(1.0, f64::min));
    set(
        M::AvailabilityMean,
        if shares.is_empty() {
            1.0
        } else {
            shares.iter().sum::<f64>() / shares.len() as f64
        },
    );
    set(M::BelowFloor, secs(r.below_ms.iter().sum()));
    let blocked: Vec<u64> = r.blocked.values().map(|b| b.2).collect();
    set(M::PdbBlocked, secs(blocked.iter().sum()));
    set(M::PdbBlockedWorst, secs(blocked.iter().copied().max().unwrap_or(0)));
    set(M::PdbOverrides, f64::from(s.overrides));
    set(M::ExtraNodeHours, s.extra_ms / 3_600_000.0);
    let replicas: u32 = r.g.workloads.iter().map(|w| w.replicas).sum();
    let total: u32 = r.slot_disruptions.iter().sum();
    set(
        M::DisruptionsMean,
        if replicas == 0 {
            0.0
        } else {
            f64::from(total) / f64::from(replicas)
        },
    );
    set(
        M::DisruptionsMax,
        f64::from(r.slot_disruptions.iter().copied().max().unwrap_or(0)),
    );
    let twice = r.slot_disruptions.iter().filter(|d| **d > 1).count();
    set(
        M::DisruptedTwice,
        if replicas == 0 {
            0.0
        } else {
            twice as f64 / f64::from(replicas)
        },
    );
    set(M::SkewViolations, f64::from(s.skew));
    set(M::Violations, f64::from(s.violations));
    set(M::ApiUnavailable, secs(s.api_down_ms));
    set(M::NoQuorum, secs(s.no_quorum_ms));
    set(M::MinMembers, f64::from(s.min_members));
    set(M::LeaderElections, f64::from(s.elections));
    set(M::EtcdElections, f64::from(s.etcd_elections));
    set(M::CordonedAtEnd, f64::from(rec.cordoned_at_end));
    if let Some(reading) = &rec.restore {
        let inc = reading.incident_at;
        let rolled_back = reading.snapshot.is_some() && s.restored_revision.is_some();
        let rpo = match (rolled_back, reading.snapshot) {
            (true, Some((at, _))) => secs(inc.ms().saturating_sub(at.ms())),
            _ => 0.0,
        };
        set(M::Rpo, rpo);
        let lost = match (rolled_back, s.restored_revision) {
            (true, Some(rev)) => (reading.revision_at_incident - rev).max(0) as f64,
            _ => 0.0,
        };
        set(M::RevisionsLost, lost);
        // The API's outages from the incident on: RTO ends with the last one, if it ended.
        let after: Vec<_> = s.outages.iter().filter(|(from, _)| *from >= inc).collect();
        match after.last() {
            None => set(M::Rto, 0.0),
            Some((_, Some(to))) => set(M::Rto, secs(to.ms() - inc.ms())),
            Some((_, None)) => {}
        }
        if let Some(at) = reading.recovered_at {
            set(M::Recovered, secs(at.ms().saturating_sub(inc.ms())));
        }
    }
    // A slice with no event keeps the share of the slice before it.
    let mut series = Vec::with_capacity(SERIES_POINTS);
    let mut last = r.series.iter().copied().find(|x| x.is_finite()).unwrap_or(1.0);
    for (i, x) in r.series.iter().enumerate() {
        if x.is_finite() {
            last = *x;
        }
        let minutes = (i as u64 * r.slice_ms) as f64 / 60_000.0;
        series.push((minutes, last));
    }
    Metrics { values: v, series }
}

/// Machine-time above the starting count between `from` and `to` (ms).
fn machine_piece(machines: i64, baseline: u32, from: SimTime, to: SimTime) -> f64 {
    let extra = (machines - i64::from(baseline)).max(0);
    extra as f64 * to.ms().saturating_sub(from.ms()) as f64
}

/// `wait provision 1m30s (requested 3 machines)` → 3.
fn requested_machines(text: &str) -> Option<i64> {
    let rest = text.split_once("(requested ")?.1;
    rest.split(' ').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: u64) -> SimTime {
        SimTime(s * 1000)
    }

    #[test]
    fn overlaps_of_two_interval_lists() {
        let a = [(t(0), t(10)), (t(20), t(30))];
        let b = [(t(5), t(25)), (t(28), t(40))];
        assert_eq!(intersect(&a, &b), vec![(t(5), t(10)), (t(20), t(25)), (t(28), t(30))]);
        assert_eq!(intersect(&a, &[]), vec![]);
        // Touching is not overlapping.
        assert_eq!(intersect(&[(t(0), t(5))], &[(t(5), t(9))]), vec![]);
    }

    #[test]
    fn a_union_counts_overlaps_once_and_stays_within_the_run() {
        let spans = vec![(t(20), t(30)), (t(0), t(10)), (t(5), t(12)), (t(25), t(50))];
        assert_eq!(union_ms(spans.clone(), t(0), t(100)), (12 + 30) * 1000);
        assert_eq!(union_ms(spans, t(8), t(40)), (4 + 20) * 1000);
        assert_eq!(union_ms(Vec::new(), t(0), t(9)), 0);
    }
}
