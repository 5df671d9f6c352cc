//! A node's systemd side, as data: the kubelet unit (enabled or not, since when it is in its
//! state, its main PID, why it cannot start) and the journal of what systemd and the kubelet
//! said. `tools::systemctl` and `tools::journalctl` render it in their own formats; the engine
//! appends to it when something happens to the kubelet.
//!
//! The journal keeps facts, not text: one entry per thing that happened (the kubelet started,
//! a static pod appeared), rendered into the lines of that kubelet release when read. What
//! repeats on a timer (the node status errors while the API server is down, systemd's restart
//! of a failing kubelet every 10 s) is not stored line by line; the reader derives it from the
//! entry that started it and [`ApiOutage`]s.

use crate::time::SimTime;
use std::collections::VecDeque;
use std::sync::Arc;

/// How many entries a node's journal keeps (journald rotates too); the oldest go first.
pub const JOURNAL_LIMIT: usize = 2_000;

/// `kubelet.service` on a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KubeletUnit {
    /// `systemctl enable|disable`: whether it starts at boot.
    pub enabled: bool,
    /// When the unit entered its current state (`Active: … since`).
    pub since: SimTime,
    /// The kubelet's main PID while it runs (the last one once it stopped).
    pub pid: u32,
    /// The kubelet exits as soon as it starts, with this error (a bad flag, an unreadable
    /// config); systemd restarts it every 10 s (`RestartSec=10`) until it starts.
    pub failing: Option<Arc<str>>,
    /// systemd's restart counter for the current run of failures.
    pub restarts: u32,
    /// Numbers systemd's pending auto-restarts, so a stale one does nothing.
    pub retry_gen: u64,
    /// The directory the running kubelet reads static pods from (`staticPodPath`).
    pub static_pod_path: String,
    /// The machine went down since the kubelet last ran: its containers are gone, and the
    /// next kubelet start restarts every pod.
    pub containers_lost: bool,
}

impl Default for KubeletUnit {
    fn default() -> Self {
        Self {
            enabled: true,
            since: SimTime::ZERO,
            pid: 0,
            failing: None,
            restarts: 0,
            retry_gen: 0,
            static_pod_path: "/etc/kubernetes/manifests".to_string(),
            containers_lost: false,
        }
    }
}

/// One thing the journal recorded about the kubelet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JournalEvent {
    /// systemd started the kubelet; it read its flags and configuration, and registered the
    /// node (when the API server answered).
    KubeletStarted { pid: u32, version: Arc<str> },
    /// `systemctl stop kubelet` (or a restart's stop half).
    KubeletStopped { pid: u32 },
    /// The kubelet exited right after starting, with this error; systemd restarts it in 10 s.
    KubeletExited { pid: u32, error: Arc<str> },
    /// The machine went down: the journal of this boot ends here.
    PoweredOff,
    /// The machine booted.
    Booted,
    /// The static pod source saw a manifest appear (`SyncLoop ADD`).
    StaticPodAdded { pid: u32, pod: Arc<str> },
    /// A manifest disappeared: the kubelet kills the pod (`SyncLoop REMOVE`).
    StaticPodRemoved { pid: u32, pod: Arc<str> },
    /// The mirror pod of a static pod was deleted through the API; the kubelet made a new one.
    MirrorPodCreated { pid: u32, pod: Arc<str> },
    /// A container exited and is held back before its next start (`CrashLoopBackOff`).
    BackOff {
        pid: u32,
        pod: Arc<str>,
        container: Arc<str>,
        uid: u64,
        backoff_s: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalEntry {
    pub at: SimTime,
    pub event: JournalEvent,
}

/// A node's journal, oldest first, bounded by [`JOURNAL_LIMIT`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Journal {
    entries: VecDeque<JournalEntry>,
}

impl Journal {
    pub fn push(&mut self, at: SimTime, event: JournalEvent) {
        if self.entries.len() == JOURNAL_LIMIT {
            self.entries.pop_front();
        }
        self.entries.push_back(JournalEntry { at, event });
    }

    pub fn entries(&self) -> impl Iterator<Item = &JournalEntry> {
        self.entries.iter()
    }
}

/// Why the API server could not answer during an outage: the kubelets' node status updates
/// fail with that error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutageCause {
    /// No API server process runs: connections are refused.
    NoApiServer,
    /// An API server runs but etcd has no quorum: requests time out inside it until its
    /// liveness probe has it restarted, then connections are refused.
    EtcdQuorum,
    /// The API servers run but reach no etcd member (wrong `--etcd-servers`, etcd gone): they
    /// exit at start, so connections are refused.
    EtcdUnreachable,
}

/// A span of time when the API could not serve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApiOutage {
    pub from: SimTime,
    /// `None` while it lasts.
    pub to: Option<SimTime>,
    pub cause: OutageCause,
}

/// A deterministic PID for a process started on a node at a moment: Linux hands out PIDs in
/// rising order, so later starts get larger numbers (wrapping below `pid_max`).
pub fn pid_at(node_name: &str, at: SimTime, salt: u64) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in node_name.bytes().chain(salt.to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // About one PID every 2 seconds of uptime, plus a per-process spread.
    let base = 600 + at.ms() / 2_000 + h % 400;
    (base % 4_194_000) as u32 + 300
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_journal_drops_its_oldest_entries() {
        let mut j = Journal::default();
        for i in 0..(JOURNAL_LIMIT as u64 + 5) {
            j.push(SimTime(i), JournalEvent::Booted);
        }
        assert_eq!(j.entries().count(), JOURNAL_LIMIT);
        assert_eq!(j.entries().next().map(|e| e.at), Some(SimTime(5)));
    }

    #[test]
    fn later_processes_get_larger_pids() {
        let a = pid_at("node01", SimTime(10_000), 1);
        let b = pid_at("node01", SimTime(100_000_000), 1);
        assert!(b > a, "{a} {b}");
        assert_ne!(pid_at("node01", SimTime::ZERO, 1), pid_at("node02", SimTime::ZERO, 1));
    }
}
