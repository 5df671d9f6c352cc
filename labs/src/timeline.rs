//! Rewind: the commands of a session as timelines that can be taken back exactly.
//!
//! The simulator is deterministic (same seed, same lines: the same state), so a timeline is
//! just its lines: going back to step N means the state after setup plus steps 1..N-1 again.
//! To keep that fast on long sessions, the state is also kept every [`SNAPSHOT_EVERY`] steps,
//! and a rewind replays only from the nearest one before the target.

use kubedrill_sim::Sim;
use kubedrill_sim::time::SimTime;
use std::ops::Range;

/// How often (in steps) a timeline keeps a copy of the state, so a rewind replays at most
/// this many lines. A copy of a lab's simulator costs about as much as a few lines.
pub(crate) const SNAPSHOT_EVERY: usize = 8;

/// What `vi FILE` saved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub path: String,
    pub text: String,
}

/// One command of a timeline: enough to run it again, and what it did the first time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The host whose prompt it was typed at.
    pub host: String,
    /// The line as typed.
    pub line: String,
    /// For `vi FILE`: the text saved (`None` when the editor was left without saving).
    pub edit: Option<Edit>,
    /// Virtual time when it was typed, and when its answer was complete.
    pub at: SimTime,
    pub end: SimTime,
    pub status: i32,
    /// Its events in the simulator's trace, and the trace's step number for them.
    pub trace: Range<usize>,
    pub sim_step: u32,
}

/// The steps of one path through the lab, and copies of the state along it.
#[derive(Clone)]
pub(crate) struct Timeline {
    pub(crate) steps: Vec<Step>,
    /// (steps done, the state then), ascending; the first is the state right after setup.
    pub(crate) snapshots: Vec<(usize, Sim)>,
    /// The timeline it was branched from, and how many steps they share.
    pub(crate) parent: Option<(usize, usize)>,
}

impl Timeline {
    pub(crate) fn new(start: Sim) -> Self {
        Self {
            steps: Vec::new(),
            snapshots: vec![(0, start)],
            parent: None,
        }
    }

    /// Drops the steps from `keep` on and the copies taken after them; returns the copy to
    /// restart from and the steps to run again on it.
    pub(crate) fn cut(&mut self, keep: usize) -> (Sim, Vec<Step>) {
        self.snapshots.retain(|(n, _)| *n <= keep);
        let (from, sim) = self
            .snapshots
            .last()
            .map(|(n, s)| (*n, s.clone()))
            .expect("a timeline always keeps the state after setup");
        self.steps.truncate(keep);
        let again = self.steps.split_off(from);
        (sim, again)
    }

    /// Keeps a copy of `sim` if this step count is due one.
    pub(crate) fn maybe_snapshot(&mut self, sim: &Sim) {
        let n = self.steps.len();
        if n > 0 && n.is_multiple_of(SNAPSHOT_EVERY) && self.snapshots.last().is_none_or(|(last, _)| *last < n) {
            self.snapshots.push((n, sim.clone()));
        }
    }
}

/// A summary of one timeline, for `timelines` and the browser's list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineInfo {
    /// 1-based, as `timeline N` takes it.
    pub number: usize,
    pub steps: usize,
    pub current: bool,
    /// The timeline it was branched from (1-based) and how many steps they share.
    pub branched_from: Option<(usize, usize)>,
    pub last_line: Option<String>,
}
