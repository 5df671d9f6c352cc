//! Rewind: the commands of a session as timelines that can be taken back exactly.
//!
//! The simulator is deterministic (same seed, same lines: the same state), so a timeline is
//! its lines: going back to step N means the state after setup and steps 1..N-1 typed again.
//! Typing them again is the ground truth; as a copy of a lab's simulator costs about as much as
//! a cheap line (tens of microseconds), the state is also kept after every step
//! ([`SNAPSHOT_EVERY`]), so `undo` and `rewind` usually just take a copy, and replay only from
//! the nearest copy before the target when a long session has thinned them out.

use kubedrill_sim::Sim;
use kubedrill_sim::time::SimTime;
use std::ops::Range;

/// How often (in steps) a timeline keeps a copy of the state.
pub(crate) const SNAPSHOT_EVERY: usize = 1;

/// At most this many copies per timeline (and the state after setup): a very long session
/// keeps them further apart, so memory stays bounded and a rewind replays a few lines.
pub(crate) const MAX_SNAPSHOTS: usize = 64;

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
    /// Keep a copy every this many steps (`usize::MAX`: only the state after setup, so every
    /// rewind replays from the start).
    pub(crate) every: usize,
}

impl Timeline {
    pub(crate) fn new(start: Sim) -> Self {
        Self {
            steps: Vec::new(),
            snapshots: vec![(0, start)],
            parent: None,
            every: SNAPSHOT_EVERY,
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

    /// The last step changed after its copy was taken (an editor saved): take it again.
    pub(crate) fn retake_snapshot(&mut self, sim: &Sim) {
        let n = self.steps.len();
        if n > 0 && self.snapshots.last().is_some_and(|(last, _)| *last == n) {
            self.snapshots.pop();
            self.snapshots.push((n, sim.clone()));
        }
    }

    /// Keeps a copy of `sim` if this step count is due one.
    pub(crate) fn maybe_snapshot(&mut self, sim: &Sim) {
        let n = self.steps.len();
        if n > 0 && n.is_multiple_of(self.every) && self.snapshots.last().is_none_or(|(last, _)| *last < n) {
            self.snapshots.push((n, sim.clone()));
        }
        if self.snapshots.len() > MAX_SNAPSHOTS {
            // Twice as far apart from now on, and the copies in between go: copies stay evenly
            // spread, so no rewind replays more than `every - 1` lines.
            self.every = self.every.saturating_mul(2);
            let every = self.every;
            self.snapshots.retain(|(n, _)| *n == 0 || n.is_multiple_of(every));
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

#[cfg(test)]
mod tests {
    use super::*;
    use kubedrill_sim::rng::Seed;
    use kubedrill_sim::scenario::Scenario;

    fn sim() -> Sim {
        let text = "apiVersion: kubedrill/v1\nkind: Scenario\nmetadata: {name: t}\ncluster:\n  kubernetesVersion: v1.31.2\n  nodes: [{name: controlplane, role: control-plane}]\nsteps: []\n";
        let scenario: Scenario = yaml_serde::from_str(text).expect("a scenario");
        kubedrill_sim::runner::run(&scenario, Seed(1)).expect("runs").sim
    }

    fn step(n: usize) -> Step {
        Step {
            host: "controlplane".into(),
            line: format!("echo {n}"),
            edit: None,
            at: SimTime::ZERO,
            end: SimTime::ZERO,
            status: 0,
            trace: 0..0,
            sim_step: 0,
        }
    }

    #[test]
    fn copies_are_kept_every_few_steps_and_stay_bounded() {
        let s = sim();
        let mut t = Timeline::new(s.clone());
        for n in 1..=2000 {
            t.steps.push(step(n));
            t.maybe_snapshot(&s);
            assert!(
                t.snapshots.len() <= MAX_SNAPSHOTS,
                "{} copies after {n} steps",
                t.snapshots.len()
            );
        }
        assert_eq!(t.snapshots[0].0, 0, "the state after setup is always kept");
        assert!(t.snapshots.windows(2).all(|w| w[0].0 < w[1].0), "ascending");
        assert_eq!(t.every, 32, "2000 steps in at most 64 copies: one every 32 steps");
        for keep in [1999, 1000, 33, 31] {
            let mut copy = t.clone();
            let (_, again) = copy.cut(keep);
            assert_eq!(
                again.len(),
                keep % 32,
                "cut({keep}) replays from the copy just before it"
            );
            assert_eq!(copy.steps.len(), keep - keep % 32);
        }
    }
}
