//! The reference loop of `kubedrill bench --workload drain|upgrade`: only the work no
//! simulator of the same sweep can avoid, on the same cluster shape.
//!
//! It builds the cluster by placing every pod on the least-allocated node that fits (a binary
//! heap keyed like the simulator's scheduler: requested per-mille, then pod count, then node
//! id) and starting it, and drains nodes one after another: cordon, for every evictable pod a
//! budget check, the eviction and a replacement placed on the least-allocated schedulable
//! node, then virtual time runs (a timer queue: pods Ready 2 s after binding, gone 1 s after
//! the eviction) until the evicted pods are gone, uncordon. No names, API objects, trace,
//! commands or output. The simulator's time divided by this loop's
//! is what `ratio to the bare loop` reports: the price of everything the simulator does
//! besides the unavoidable.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::collections::binary_heap::PeekMut;

/// The cluster the benchmark builds (`bench::large_cluster_yaml`): 3 control planes (tainted,
/// so they take no application pods), workers of 32 CPU / 128 GiB / 110 pods, one kube-proxy
/// per node, and Deployments of 100m / 128Mi pods under `maxUnavailable: 10%` budgets.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub control_planes: u32,
    pub workers: u32,
    pub app_pods: u32,
    pub deployments: u32,
}

impl Shape {
    /// The shape of `large_cluster_yaml(workers, total_pods)`.
    pub fn of_large_cluster(workers: u32, total_pods: u32) -> Self {
        let control_planes = 3;
        Self {
            control_planes,
            workers,
            app_pods: total_pods.saturating_sub(super::system_pods(control_planes, workers)),
            deployments: workers.div_ceil(1000).max(1),
        }
    }
}

const CPU_MILLI: u64 = 32_000;
const MEMORY: u64 = 128 << 30;
const MAX_PODS: u32 = 110;
const POD_CPU_MILLI: u64 = 100;
const POD_MEMORY: u64 = 128 << 20;

struct Node {
    cpu_milli: u64,
    memory: u64,
    pods: u32,
    cordoned: bool,
    /// Bumped on every change, so heap entries of an older state are skipped when popped.
    version: u32,
    /// Application pods bound here and not being evicted, by pod slot.
    app_pods: Vec<u32>,
    /// Evicted pods still terminating here.
    terminating: u32,
}

/// One heap entry: (requested per-mille, pods, node, node version), least loaded first.
type Entry = Reverse<(u32, u32, u32, u32)>;

/// The scheduler's order for a node in its current state.
fn key(n: &Node, node: u32) -> (u32, u32, u32, u32) {
    let cpu = n.cpu_milli * 1000 / CPU_MILLI;
    let mem = n.memory * 1000 / MEMORY;
    (((cpu + mem) / 2) as u32, n.pods, node, n.version)
}

/// What a pod's containers do next, at a virtual time (the simulator's defaults: Ready 2 s
/// after binding, gone 1 s after the eviction).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Timer {
    Started { pod: u32 },
    Stopped { pod: u32, node: u32 },
}

const START_MS: u64 = 2_000;
const STOP_MS: u64 = 1_000;

pub struct Cluster {
    nodes: Vec<Node>,
    heap: BinaryHeap<Entry>,
    /// The Deployment of each pod slot (slots are reused once a pod is gone).
    pods: Vec<u32>,
    free_slots: Vec<u32>,
    /// Per Deployment: (healthy pods, replicas).
    budgets: Vec<(u32, u32)>,
    /// Virtual time in ms, and the timers in (time, sequence) order.
    now: u64,
    seq: u64,
    timers: BinaryHeap<Reverse<(u64, u64, Timer)>>,
}

/// What a sweep did (returned so the optimiser cannot drop the work).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub placements: u64,
    pub evictions: u64,
    pub refused: u64,
    pub timers: u64,
}

impl Cluster {
    /// Workers first, then the control planes (which hold no application pods here); every
    /// node starts with its kube-proxy pod, then every application pod is placed and started.
    pub fn build(shape: Shape, counts: &mut Counts) -> Self {
        let nodes = (shape.workers + shape.control_planes) as usize;
        let mut c = Self {
            nodes: Vec::with_capacity(nodes),
            heap: BinaryHeap::with_capacity(nodes * 2),
            pods: Vec::with_capacity(shape.app_pods as usize),
            free_slots: Vec::new(),
            budgets: Vec::with_capacity(shape.deployments as usize),
            now: 0,
            seq: 0,
            timers: BinaryHeap::new(),
        };
        for i in 0..nodes {
            c.nodes.push(Node {
                cpu_milli: 0,
                memory: 0,
                pods: 1,
                cordoned: i >= shape.workers as usize,
                version: 0,
                app_pods: Vec::new(),
                terminating: 0,
            });
            c.push(i as u32);
        }
        for d in 0..shape.deployments {
            let replicas = shape.app_pods / shape.deployments + u32::from(d < shape.app_pods % shape.deployments);
            c.budgets.push((0, replicas));
            for _ in 0..replicas {
                c.create_pod(d, counts);
            }
        }
        c.advance_until(counts, |_| false);
        c
    }

    fn push(&mut self, node: u32) {
        let n = &self.nodes[node as usize];
        if !n.cordoned {
            self.heap.push(Reverse(key(n, node)));
        }
    }

    fn schedule(&mut self, delay_ms: u64, timer: Timer) {
        self.seq += 1;
        self.timers.push(Reverse((self.now + delay_ms, self.seq, timer)));
    }

    /// A new pod of the Deployment, placed and starting (pending if nothing fits).
    fn create_pod(&mut self, deployment: u32, counts: &mut Counts) {
        let pod = match self.free_slots.pop() {
            Some(slot) => {
                self.pods[slot as usize] = deployment;
                slot
            }
            None => {
                self.pods.push(deployment);
                self.pods.len() as u32 - 1
            }
        };
        if self.place(pod) {
            counts.placements += 1;
            self.schedule(START_MS, Timer::Started { pod });
        }
    }

    /// Binds the pod to the least-allocated schedulable node that fits; false if none does.
    /// Every schedulable node has one current entry in the heap; the chosen node's entry is
    /// updated in place (one sift-down), and entries of cordoned nodes or of an older state
    /// are dropped when they reach the top.
    fn place(&mut self, pod: u32) -> bool {
        let mut full = Vec::new();
        let mut placed = false;
        while let Some(mut top) = self.heap.peek_mut() {
            let Reverse(entry @ (_, _, node, version)) = *top;
            let n = &mut self.nodes[node as usize];
            if n.version != version || n.cordoned {
                PeekMut::pop(top);
                continue;
            }
            if n.pods + 1 > MAX_PODS || n.cpu_milli + POD_CPU_MILLI > CPU_MILLI || n.memory + POD_MEMORY > MEMORY {
                full.push(Reverse(entry));
                PeekMut::pop(top);
                continue;
            }
            n.pods += 1;
            n.cpu_milli += POD_CPU_MILLI;
            n.memory += POD_MEMORY;
            n.version += 1;
            n.app_pods.push(pod);
            *top = Reverse(key(n, node));
            placed = true;
            break;
        }
        self.heap.extend(full);
        placed
    }

    /// Runs timers in order until `done` says so after one, or none is left.
    fn advance_until(&mut self, counts: &mut Counts, done: impl Fn(&Self) -> bool) {
        while !done(self) {
            let Some(Reverse((at, _, timer))) = self.timers.pop() else {
                return;
            };
            self.now = at;
            counts.timers += 1;
            match timer {
                Timer::Started { pod } => self.budgets[self.pods[pod as usize] as usize].0 += 1,
                Timer::Stopped { pod, node } => {
                    let n = &mut self.nodes[node as usize];
                    n.pods -= 1;
                    n.cpu_milli -= POD_CPU_MILLI;
                    n.memory -= POD_MEMORY;
                    n.terminating -= 1;
                    n.version += 1;
                    self.free_slots.push(pod);
                    self.push(node);
                }
            }
        }
    }

    /// Cordon; evict every application pod the budget allows (the ReplicaSet's replacement
    /// placed at once on the least-allocated schedulable node), retrying refused ones every
    /// 5 s as kubectl does; wait until the evicted pods are gone; uncordon.
    pub fn drain(&mut self, node: u32, counts: &mut Counts) {
        let n = &mut self.nodes[node as usize];
        let was_cordoned = n.cordoned;
        n.cordoned = true;
        n.version += 1;
        // A budget that never allows the eviction would retry forever; kubectl would too
        // (without --timeout), so the loop stops after an hour of virtual time.
        for _ in 0..720 {
            self.evict_all(node, counts);
            if self.nodes[node as usize].app_pods.is_empty() {
                break;
            }
            let retry_at = self.now + 5_000;
            self.advance_until(counts, |c| {
                c.timers.peek().is_none_or(|Reverse((t, _, _))| *t > retry_at)
            });
            self.now = retry_at;
        }
        self.advance_until(counts, |c| c.nodes[node as usize].terminating == 0);
        let n = &mut self.nodes[node as usize];
        n.cordoned = was_cordoned;
        n.version += 1;
        self.push(node);
    }

    fn evict_all(&mut self, node: u32, counts: &mut Counts) {
        let victims = std::mem::take(&mut self.nodes[node as usize].app_pods);
        for pod in victims {
            let deployment = self.pods[pod as usize];
            let (healthy, replicas) = self.budgets[deployment as usize];
            let desired = replicas - replicas.div_ceil(10);
            if healthy <= desired {
                counts.refused += 1;
                self.nodes[node as usize].app_pods.push(pod);
                continue;
            }
            counts.evictions += 1;
            self.budgets[deployment as usize].0 -= 1;
            self.nodes[node as usize].terminating += 1;
            self.schedule(STOP_MS, Timer::Stopped { pod, node });
            self.create_pod(deployment, counts);
        }
    }

    pub fn node_count(&self) -> u32 {
        self.nodes.len() as u32
    }

    /// Lets every pending timer run (the replacements of the last drain start).
    pub fn settle(&mut self, counts: &mut Counts) {
        self.advance_until(counts, |_| false);
    }
}

/// Times of one bare run, in the order the simulator's run has them.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    pub build: std::time::Duration,
    pub sweep: std::time::Duration,
}

/// Which sweep: every worker drained (the drain workload), or every node drained, control
/// planes first (what the rolling upgrade's evictions amount to).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sweep {
    Workers,
    ControlPlanesThenWorkers,
}

/// One build and sweep, timed.
pub fn run(shape: Shape, sweep: Sweep) -> (Timing, Counts) {
    let mut counts = Counts::default();
    let t = std::time::Instant::now();
    let mut c = Cluster::build(shape, &mut counts);
    let build = t.elapsed();
    let t = std::time::Instant::now();
    if sweep == Sweep::ControlPlanesThenWorkers {
        for cp in shape.workers..c.node_count() {
            c.drain(cp, &mut counts);
        }
    }
    for w in 0..shape.workers {
        c.drain(w, &mut counts);
    }
    c.settle(&mut counts);
    let sweep = t.elapsed();
    (std::hint::black_box(Timing { build, sweep }), counts)
}

/// The median of `rounds` runs (build and sweep each), which is what the ratio divides by: the
/// bare loop is short enough for one noisy moment to matter.
pub fn median_of(rounds: usize, shape: Shape, sweep: Sweep) -> (Timing, Counts) {
    let mut runs: Vec<(Timing, Counts)> = (0..rounds.max(1)).map(|_| run(shape, sweep)).collect();
    let counts = runs[0].1;
    let mid = runs.len() / 2;
    runs.sort_by_key(|(t, _)| t.build);
    let build = runs[mid].0.build;
    runs.sort_by_key(|(t, _)| t.sweep);
    let sweep = runs[mid].0.sweep;
    (Timing { build, sweep }, counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The loop must do the sweep's real work: every application pod of every drained worker
    // evicted and placed again, none refused by a 10% budget when nodes hold few of them.
    #[test]
    fn drain_sweep_evicts_and_replaces_every_application_pod_once_per_worker() {
        let shape = Shape::of_large_cluster(20, 600);
        let mut counts = Counts::default();
        let mut c = Cluster::build(shape, &mut counts);
        assert_eq!(counts.placements, u64::from(shape.app_pods));
        let held: Vec<usize> = c.nodes.iter().map(|n| n.app_pods.len()).collect();
        assert!(
            held[..20].iter().all(|&n| n > 0),
            "pods spread over every worker: {held:?}"
        );
        assert!(
            held[20..].iter().all(|&n| n == 0),
            "control planes take no application pods"
        );
        for w in 0..20 {
            let before = c.nodes[w as usize].app_pods.len() as u64;
            let evicted = counts.evictions;
            c.drain(w, &mut counts);
            assert_eq!(counts.evictions - evicted, before);
            assert!(c.nodes[w as usize].app_pods.is_empty());
        }
        assert_eq!(counts.placements, u64::from(shape.app_pods) + counts.evictions);
        c.settle(&mut counts);
        // Every pod started once, every evicted pod stopped once.
        assert_eq!(counts.timers, counts.placements + counts.evictions);
        assert_eq!(c.budgets[0].0, shape.app_pods);
        assert!(c.nodes.iter().all(|n| n.terminating == 0));
    }

    // A budget that allows no disruption keeps the pod where it is; the drain retries every
    // 5 s for an hour of virtual time.
    #[test]
    fn a_budget_with_no_room_refuses_the_eviction() {
        let shape = Shape {
            control_planes: 1,
            workers: 2,
            app_pods: 2,
            deployments: 1,
        };
        let mut counts = Counts::default();
        let mut c = Cluster::build(shape, &mut counts);
        c.budgets[0].0 = 1;
        c.drain(0, &mut counts);
        assert_eq!(counts.evictions, 0);
        assert_eq!(counts.refused, 720);
        assert_eq!(c.now, 2_000 + 720 * 5_000);
        assert_eq!(c.nodes[0].app_pods.len(), 1);
    }
}
