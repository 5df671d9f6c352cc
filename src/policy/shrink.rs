//! Shrinking a failing case to a small one that fails the same property.
//!
//! proptest's value trees stop shrinking a tuple as soon as one element cannot be made more
//! complex again, which left counterexamples with several workloads and pools more than they
//! needed. This shrinker knows what a case is made of and tries, greedily and to a fixed point,
//! the reductions that matter to a reader, biggest first: no faults, fewer control planes, fewer
//! pools, fewer nodes, fewer workloads, simpler workloads (one replica, no budget, quick
//! start and stop), earlier and simpler faults, the oldest version. A candidate is kept when it
//! still fails the same property. Every candidate is a valid case (within the generator's
//! ranges). The search stops at a budget of runs, so the same failure shrinks to the same case
//! on any machine; a wall-clock limit stops it too, as a safety, and says so.

use kubedrill_sim::scenario::generate::{Case, FaultKind, PdbShape, WorkloadSpec};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// When shrinking stops short of a fixed point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Candidates run at most: the deterministic bound.
    pub runs: u32,
    /// Wall-clock time at most: a safety for a machine far slower than expected.
    pub time: Duration,
}

/// Why a shrink stopped before it found nothing smaller that still fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    Runs(u32),
    Time(Duration),
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Runs(n) => write!(f, "stopped at its budget of {n} runs"),
            Self::Time(t) => write!(f, "stopped at its time limit of {} s", t.as_secs()),
        }
    }
}

/// The shrunk case, and how much work it took.
#[derive(Clone, Debug)]
pub struct Shrunk {
    pub case: Case,
    pub runs: u32,
    pub elapsed: Duration,
    /// `None`: no smaller candidate fails (the shrink is complete).
    pub stopped: Option<Stopped>,
}

/// Shrinks `case`, never to a cluster older than `oldest_minor`; `fails` says whether a
/// candidate still fails the same property.
pub fn shrink(case: Case, budget: Budget, oldest_minor: u32, mut fails: impl FnMut(&Case) -> bool) -> Shrunk {
    let start = Instant::now();
    let mut best = case;
    let mut tried: BTreeSet<String> = BTreeSet::new();
    let mut runs = 0;
    let mut stopped = None;
    'outer: loop {
        for candidate in candidates(&best, oldest_minor) {
            if runs >= budget.runs {
                stopped = Some(Stopped::Runs(budget.runs));
                break 'outer;
            }
            if start.elapsed() > budget.time {
                stopped = Some(Stopped::Time(budget.time));
                break 'outer;
            }
            if !tried.insert(format!("{candidate:?}")) {
                continue;
            }
            runs += 1;
            if fails(&candidate) {
                best = candidate;
                continue 'outer;
            }
        }
        break;
    }
    Shrunk {
        case: best,
        runs,
        elapsed: start.elapsed(),
        stopped,
    }
}

/// Smaller variants of a case, the biggest reductions first; none older than `oldest_minor`.
pub fn candidates(c: &Case, oldest_minor: u32) -> Vec<Case> {
    let mut out = Vec::new();
    let with = |f: &dyn Fn(&mut Case)| {
        let mut n = c.clone();
        f(&mut n);
        n
    };
    if !c.faults.is_empty() {
        out.push(with(&|n| n.faults.clear()));
    }
    for cps in [1u8, 3] {
        if cps < c.control_planes {
            out.push(with(&|n| n.control_planes = cps));
        }
    }
    if c.workloads.len() > 1 {
        out.push(with(&|n| n.workloads.truncate(1)));
        out.push(with(&|n| {
            n.workloads.drain(..n.workloads.len() / 2);
        }));
    }
    for i in 0..c.pools.len() {
        if c.pools.len() > 1 {
            out.push(with(&|n| {
                n.pools.remove(i);
            }));
        }
    }
    for i in 0..c.pools.len() {
        let nodes = c.pools[i].nodes;
        for smaller in [1, nodes / 2, nodes.saturating_sub(1)] {
            if smaller >= 1 && smaller < nodes {
                out.push(with(&|n| n.pools[i].nodes = smaller));
            }
        }
    }
    for i in 0..c.workloads.len() {
        out.push(with(&|n| {
            n.workloads.remove(i);
        }));
    }
    for i in 0..c.faults.len() {
        out.push(with(&|n| {
            n.faults.remove(i);
        }));
    }
    for i in 0..c.workloads.len() {
        for w in simpler_workloads(&c.workloads[i]) {
            out.push(with(&|n| n.workloads[i] = w));
        }
    }
    for i in 0..c.faults.len() {
        let f = c.faults[i];
        for at_s in [0, f.at_s / 2] {
            if at_s < f.at_s {
                out.push(with(&|n| n.faults[i].at_s = at_s));
            }
        }
        if f.target > 0 {
            out.push(with(&|n| n.faults[i].target = 0));
        }
        if let Some(k) = shorter_fault(f.kind) {
            out.push(with(&|n| n.faults[i].kind = k));
        }
    }
    for i in 0..c.pools.len() {
        if c.pools[i].cpus > 4 {
            out.push(with(&|n| n.pools[i].cpus = 4));
        }
    }
    let oldest = oldest_minor.max(*kubedrill_sim::scenario::generate::FROM_MINORS.start());
    for minor in [oldest, c.from_minor.saturating_sub(1)] {
        if minor >= oldest && minor < c.from_minor {
            out.push(with(&|n| n.from_minor = minor));
        }
    }
    if c.seed != 0 {
        out.push(with(&|n| n.seed = 0));
    }
    out
}

fn simpler_workloads(w: &WorkloadSpec) -> Vec<WorkloadSpec> {
    let mut out = Vec::new();
    let mut push = |f: &dyn Fn(&mut WorkloadSpec)| {
        let mut n = *w;
        f(&mut n);
        if n != *w {
            out.push(n);
        }
    };
    push(&|n| n.replicas = 1);
    push(&|n| n.replicas = n.replicas.saturating_sub(1).max(1));
    push(&|n| n.pdb = PdbShape::None);
    push(&|n| n.pdb = PdbShape::MinAvailableAll);
    push(&|n| n.stop_seconds = 1);
    push(&|n| n.start_seconds = 2);
    push(&|n| n.empty_dir = false);
    push(&|n| n.cpu_milli = 100);
    out
}

fn shorter_fault(k: FaultKind) -> Option<FaultKind> {
    let shorter = match k {
        FaultKind::NodeCrash { down_s } if down_s > 60 => FaultKind::NodeCrash { down_s: 60 },
        FaultKind::NodeReboot { down_s } if down_s > 60 => FaultKind::NodeReboot { down_s: 60 },
        FaultKind::EtcdMemberCrash { down_s } if down_s > 60 => FaultKind::EtcdMemberCrash { down_s: 60 },
        FaultKind::NoCapacity { for_s } if for_s > 600 => FaultKind::NoCapacity { for_s: 600 },
        _ => return None,
    };
    Some(shorter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubedrill_sim::scenario::generate::{FaultSpec, Pool, WorkloadKind};

    fn workload(replicas: u32, pdb: PdbShape) -> WorkloadSpec {
        WorkloadSpec {
            kind: WorkloadKind::Deployment,
            replicas,
            pdb,
            cpu_milli: 500,
            stop_seconds: 30,
            start_seconds: 20,
            empty_dir: true,
        }
    }

    #[test]
    fn shrinks_to_what_the_failure_needs() {
        // Goal: the shrinker reaches the minimal case of a synthetic failure. Method: the
        // "failure" needs a deadlocking budget and at least two workers; everything else must
        // go (faults, control planes, pools, other workloads, knobs).
        let big = Case {
            seed: 77,
            from_minor: 31,
            control_planes: 5,
            pools: vec![Pool { nodes: 17, cpus: 16 }, Pool { nodes: 9, cpus: 8 }],
            workloads: vec![
                workload(3, PdbShape::None),
                workload(4, PdbShape::MinAvailableAll),
                workload(2, PdbShape::MaxUnavailable(1)),
            ],
            faults: vec![FaultSpec {
                at_s: 300,
                kind: FaultKind::NodeCrash { down_s: 1800 },
                target: 5,
            }],
        };
        let fails = |c: &Case| c.workers() >= 2 && c.workloads.iter().any(|w| w.pdb == PdbShape::MinAvailableAll);
        let budget = Budget {
            runs: 10_000,
            time: Duration::from_secs(60),
        };
        let s = shrink(big.clone(), budget, 24, fails);
        assert_eq!(s.stopped, None, "a fixed point within the budget");
        assert_eq!(s.case.control_planes, 1);
        assert_eq!(s.case.workers(), 2);
        assert_eq!(s.case.pools.len(), 1);
        assert_eq!(s.case.faults, Vec::new());
        assert_eq!(s.case.workloads, vec![workload_min()]);
        assert_eq!((s.case.from_minor, s.case.seed), (24, 0));
        // A budget of runs stops it at the same case every time, however fast the machine.
        let short = Budget { runs: 5, ..budget };
        let a = shrink(big.clone(), short, 24, fails);
        let b = shrink(big.clone(), short, 24, fails);
        assert_eq!((a.runs, a.stopped), (5, Some(Stopped::Runs(5))));
        assert_eq!(a.case, b.case);
        let newer = shrink(big, budget, 28, fails);
        assert_eq!(newer.case.from_minor, 28, "never older than the check's --from");
        assert_eq!(
            a.stopped.map(|s| s.to_string()).as_deref(),
            Some("stopped at its budget of 5 runs")
        );
    }

    fn workload_min() -> WorkloadSpec {
        WorkloadSpec {
            kind: WorkloadKind::Deployment,
            replicas: 1,
            pdb: PdbShape::MinAvailableAll,
            cpu_milli: 100,
            stop_seconds: 1,
            start_seconds: 2,
            empty_dir: false,
        }
    }
}
