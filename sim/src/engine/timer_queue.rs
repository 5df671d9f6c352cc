//! The engine's timers, due first: ordered by (time, sequence), the sequence number making
//! the order total and deterministic.
//!
//! The heap holds only (time, sequence, slot); the timers themselves wait in a slab. Every
//! pod started or stopped is a timer, and moving 24-byte entries up and down the heap instead
//! of 48-byte ones was a measurable part of a drain.

use super::Timer;
use crate::time::SimTime;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

#[derive(Clone, Debug, Default)]
pub(crate) struct TimerQueue {
    heap: BinaryHeap<Reverse<(SimTime, u64, u32)>>,
    slab: Vec<Timer>,
    free: Vec<u32>,
}

impl TimerQueue {
    /// Adds `timer` at `at`; `seq` orders timers due at the same time (callers count up).
    pub(crate) fn push(&mut self, at: SimTime, seq: u64, timer: Timer) {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slab[slot as usize] = timer;
                slot
            }
            None => {
                self.slab.push(timer);
                (self.slab.len() - 1) as u32
            }
        };
        self.heap.push(Reverse((at, seq, slot)));
    }

    /// When the first timer is due.
    pub(crate) fn next_at(&self) -> Option<SimTime> {
        self.heap.peek().map(|Reverse((at, _, _))| *at)
    }

    /// The first timer, if it is due by `by`.
    pub(crate) fn pop_due(&mut self, by: SimTime) -> Option<(SimTime, Timer)> {
        if self.next_at()? > by {
            return None;
        }
        let Reverse((at, _, slot)) = self.heap.pop()?;
        self.free.push(slot);
        Some((at, self.slab[slot as usize]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NodeId;

    #[test]
    fn timers_come_out_by_time_then_sequence_and_slots_are_reused() {
        let mut q = TimerQueue::default();
        let t = |ms| SimTime(ms);
        q.push(t(20), 1, Timer::ManifestSync { node: NodeId(1) });
        q.push(t(10), 2, Timer::ManifestSync { node: NodeId(2) });
        q.push(t(10), 3, Timer::ManifestSync { node: NodeId(3) });
        assert_eq!(q.next_at(), Some(t(10)));
        assert_eq!(q.pop_due(t(5)), None, "nothing due yet");
        assert_eq!(q.pop_due(t(10)), Some((t(10), Timer::ManifestSync { node: NodeId(2) })));
        q.push(t(15), 4, Timer::EtcdElection);
        assert_eq!(q.slab.len(), 3, "the freed slot was reused");
        assert_eq!(
            q.pop_due(t(100)),
            Some((t(10), Timer::ManifestSync { node: NodeId(3) }))
        );
        assert_eq!(q.pop_due(t(100)), Some((t(15), Timer::EtcdElection)));
        assert_eq!(
            q.pop_due(t(100)),
            Some((t(20), Timer::ManifestSync { node: NodeId(1) }))
        );
        assert_eq!(q.pop_due(t(100)), None);
    }
}
