//! The trace: every state change as a past-tense fact, in the order it happened.
//! One line per event in text form (legend in docs/trace-format.md), or JSON lines.

use crate::time::SimTime;
use serde::Serialize;
use std::fmt::Write as _;
use std::sync::Arc;

/// A simulator's trace: copies share it (see [`crate::cow_vec`]).
pub type Trace = crate::cow_vec::CowVec<Record>;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event")]
pub enum Event {
    StepStarted {
        text: Arc<str>,
    },
    CommandExited {
        host: Arc<str>,
        status: i32,
    },
    NodeCordoned {
        node: Arc<str>,
    },
    NodeUncordoned {
        node: Arc<str>,
    },
    NodeTainted {
        node: Arc<str>,
        taint: String,
    },
    NodeUntainted {
        node: Arc<str>,
        taint: String,
    },
    NodePoweredOff {
        node: Arc<str>,
    },
    NodePoweredOn {
        node: Arc<str>,
    },
    /// `systemctl stop kubelet`: the node's containers keep running, nothing posts its status.
    KubeletStopped {
        node: Arc<str>,
    },
    NodeNotReady {
        node: Arc<str>,
        condition: &'static str,
    },
    NodeReady {
        node: Arc<str>,
    },
    /// A node joined the cluster after bootstrap (blue-green workers).
    NodeAdded {
        node: Arc<str>,
        role: &'static str,
        version: Arc<str>,
    },
    NodeDeleted {
        node: Arc<str>,
    },
    /// An etcd member started on restored data: a new etcd cluster, the API state of the
    /// snapshot.
    EtcdRestored {
        node: Arc<str>,
        revision: i64,
        cluster_id: Arc<str>,
    },
    /// A leader was elected after the last one was lost: `kube-controller-manager` (its lease
    /// ran out after the holder's restart or its machine going down; the controllers resync)
    /// or `etcd` (a member won the election after the leader stopped, was cut off or lost its
    /// quorum; `node` is the member's name).
    LeaderElected {
        component: &'static str,
        node: Arc<str>,
    },
    /// A component now runs another version: a static pod on `node`, or an addon (`node` empty).
    ComponentUpgraded {
        node: Arc<str>,
        component: &'static str,
        version: Arc<str>,
    },
    PodCreated {
        pod: Arc<str>,
        owner: Arc<str>,
    },
    /// A controller's create was refused: `reason` is the API's (`AlreadyExists` when another
    /// pod holds the name a StatefulSet gives its ordinal).
    PodCreateFailed {
        pod: Arc<str>,
        owner: Arc<str>,
        reason: &'static str,
    },
    PodScheduled {
        pod: Arc<str>,
        node: Arc<str>,
    },
    PodUnschedulable {
        pod: Arc<str>,
        message: String,
        /// Each node the scheduler turned down and its filter's reason, in node order (at
        /// most [`UNFIT_NODES_RECORDED`]; the message has the totals).
        nodes: Vec<NodeUnfit>,
    },
    PodStarted {
        pod: Arc<str>,
        node: Arc<str>,
    },
    PodRestarted {
        pod: Arc<str>,
        node: Arc<str>,
    },
    PodSucceeded {
        pod: Arc<str>,
        node: Arc<str>,
    },
    /// The Eviction API answered 429: the budget's status when it decided.
    EvictionRefused {
        pod: Arc<str>,
        pdb: Arc<str>,
        expected: u32,
        desired_healthy: u32,
        current_healthy: u32,
        disruptions_allowed: u32,
    },
    /// kubectl drain's pod filter chain refused a pod (`refused`, the drain stops) or let it
    /// through with a warning; `flag` is the one that changes the filter's verdict.
    DrainPodFiltered {
        node: Arc<str>,
        pod: Arc<str>,
        filter: &'static str,
        refused: bool,
        flag: &'static str,
    },
    /// A request could not be served: `answer` is `timeout` or `refused`, `cause` is
    /// `etcd-quorum`, `no-apiserver` or `etcd-unreachable`, with etcd's numbers then.
    ApiUnavailable {
        answer: &'static str,
        cause: &'static str,
        etcd_running: u32,
        etcd_voters: u32,
        quorum: u32,
        etcd_down: String,
    },
    /// The API started or stopped being able to serve (etcd quorum, a running API server that
    /// reaches etcd), with etcd's numbers then.
    ApiAvailability {
        available: bool,
        etcd_running: u32,
        etcd_voters: u32,
        quorum: u32,
    },
    /// The etcd voters running and connected to their peers changed (a member crashed, was
    /// cut off, or came back); recorded before the `ApiAvailability` it may cause.
    EtcdMembers {
        healthy: u32,
        voters: u32,
        quorum: u32,
    },
    /// The kubelet stopped a static pod because of its manifest (gone, or not a Pod).
    StaticPodStopped {
        node: Arc<str>,
        component: &'static str,
        reason: String,
    },
    /// A static pod's container keeps failing (`reason` as `kubectl get pods` shows it).
    StaticPodFailing {
        node: Arc<str>,
        component: &'static str,
        reason: &'static str,
    },
    PodEvicted {
        pod: Arc<str>,
        node: Arc<str>,
    },
    PodDeleted {
        pod: Arc<str>,
        node: Arc<str>,
        by: &'static str,
    },
    PodRemoved {
        pod: Arc<str>,
        node: Arc<str>,
    },
    Waited {
        until: SimTime,
    },
    Violation {
        id: &'static str,
        detail: String,
    },
}

impl Event {
    /// Whether the change is an object written through the API server, so one etcd revision.
    pub fn is_api_write(&self) -> bool {
        matches!(
            self,
            Event::NodeCordoned { .. }
                | Event::NodeUncordoned { .. }
                | Event::NodeTainted { .. }
                | Event::NodeUntainted { .. }
                | Event::NodeNotReady { .. }
                | Event::NodeReady { .. }
                | Event::NodeAdded { .. }
                | Event::NodeDeleted { .. }
                | Event::PodCreated { .. }
                | Event::PodScheduled { .. }
                | Event::PodUnschedulable { .. }
                | Event::PodStarted { .. }
                | Event::PodRestarted { .. }
                | Event::PodSucceeded { .. }
                | Event::PodEvicted { .. }
                | Event::PodDeleted { .. }
                | Event::PodRemoved { .. }
        )
    }
}

/// How many turned-down nodes a `PodUnschedulable` event lists: enough to explain a lab's
/// cluster, bounded for a 5,000-node one.
pub const UNFIT_NODES_RECORDED: usize = 16;

/// One node the scheduler turned down, with its filter's reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeUnfit {
    pub node: Arc<str>,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Record {
    pub t: SimTime,
    pub step: u32,
    #[serde(flatten)]
    pub event: Event,
}

impl Record {
    /// `t=12.500 step=3 PodEvicted pod=default/web-1 node=node01`
    pub fn text(&self) -> String {
        let mut s = String::with_capacity(64);
        let _ = write!(s, "t={} step={} ", self.t, self.step);
        let json = serde_json::to_value(&self.event).unwrap_or_default();
        if let serde_json::Value::Object(map) = json {
            if let Some(serde_json::Value::String(name)) = map.get("event") {
                s.push_str(name);
            }
            for (k, v) in &map {
                if k == "event" {
                    continue;
                }
                let _ = match v {
                    serde_json::Value::String(text) if !text.contains(' ') && !text.is_empty() => {
                        write!(s, " {k}={text}")
                    }
                    other => write!(s, " {k}={other}"),
                };
            }
        }
        s
    }
}

/// A cheap, stable digest of a trace (FNV-1a over its text form), for determinism checks.
pub fn digest<'a>(records: impl IntoIterator<Item = &'a Record>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for r in records {
        for b in r.text().bytes().chain(std::iter::once(b'\n')) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}
