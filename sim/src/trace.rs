//! The trace: every state change as a past-tense fact, in the order it happened.
//! One line per event in text form (legend in docs/trace-format.md), or JSON lines.

use crate::time::SimTime;
use serde::Serialize;
use std::fmt::Write as _;
use std::sync::Arc;

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
    PodScheduled {
        pod: Arc<str>,
        node: Arc<str>,
    },
    PodUnschedulable {
        pod: Arc<str>,
        message: String,
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
    EvictionRefused {
        pod: Arc<str>,
        pdb: Arc<str>,
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
pub fn digest(records: &[Record]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for r in records {
        for b in r.text().bytes().chain(std::iter::once(b'\n')) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}
