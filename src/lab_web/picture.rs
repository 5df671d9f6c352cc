//! The cluster picture as JSON: what the browser lab draws, built from `Sim::cluster()`, the
//! etcd model and the session's timeline. One flat shape, the same after every command.

use kubedrill_labs::Session;
use kubedrill_sim::Sim;
use kubedrill_sim::components::StaticPod;
use kubedrill_sim::etcd::model::MemberState;
use kubedrill_sim::model::{Node, Owner, Pod, ReadyStatus};
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Picture {
    pub(crate) version: String,
    pub(crate) api_available: bool,
    pub(crate) nodes: Vec<NodeView>,
    /// Pods bound to no node (Pending), with the scheduler's message.
    pub(crate) pending: Vec<PodView>,
    pub(crate) pdbs: Vec<PdbView>,
    pub(crate) etcd: EtcdView,
    pub(crate) addons: Vec<Component>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NodeView {
    pub(crate) name: String,
    pub(crate) role: &'static str,
    /// As `kubectl get nodes` shows it.
    pub(crate) status: &'static str,
    pub(crate) ready: &'static str,
    pub(crate) schedulable: bool,
    /// `running`, `stopped` or `powered off`.
    pub(crate) kubelet: &'static str,
    pub(crate) components: Vec<Component>,
    pub(crate) pods: Vec<PodView>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Component {
    pub(crate) name: &'static str,
    pub(crate) version: String,
    /// `running`, `stopped` or `failing`.
    pub(crate) state: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PodView {
    /// `namespace/name`, the chip's identity.
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) namespace: String,
    pub(crate) status: &'static str,
    pub(crate) ready: bool,
    /// `app`, `bare`, `daemon`, `static` or `system`: the chip's colour.
    pub(crate) kind: &'static str,
    /// `Kind/name` of its controller (empty for bare and static pods): a replacement moves
    /// from where its predecessor was.
    pub(crate) owner: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reason: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PdbView {
    pub(crate) name: String,
    pub(crate) spec: String,
    pub(crate) current_healthy: u32,
    pub(crate) desired_healthy: u32,
    pub(crate) expected: u32,
    pub(crate) disruptions_allowed: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EtcdView {
    pub(crate) version: String,
    pub(crate) members: Vec<MemberView>,
    pub(crate) running: usize,
    pub(crate) voters: usize,
    pub(crate) quorum: usize,
    pub(crate) has_quorum: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MemberView {
    pub(crate) name: String,
    /// `running`, `stopped`, `data lost` or `unstarted`.
    pub(crate) state: &'static str,
    pub(crate) leader: bool,
    pub(crate) learner: bool,
}

/// The session's state for the page: the picture, the prompt and the timeline.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SessionView {
    pub(crate) session: u64,
    pub(crate) lab: String,
    pub(crate) prompt: String,
    /// Virtual time since the lab started, as Go prints a duration.
    pub(crate) time: String,
    pub(crate) picture: Picture,
    pub(crate) history: Vec<StepView>,
    pub(crate) timelines: Vec<TimelineView>,
    /// How many steps the picture shows (less than `history.len()` in a preview).
    pub(crate) at_step: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StepView {
    pub(crate) host: String,
    pub(crate) line: String,
    pub(crate) time: String,
    pub(crate) status: i32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TimelineView {
    pub(crate) number: usize,
    pub(crate) steps: usize,
    pub(crate) current: bool,
}

pub(crate) fn session_view(id: u64, s: &Session, picture_of: &Session) -> SessionView {
    let started = s.started_at();
    SessionView {
        session: id,
        lab: s.lab().id.clone(),
        prompt: s.prompt(),
        time: picture_of.sim().now().saturating_sub(started).go_string(),
        picture: picture(picture_of.sim()),
        history: s
            .history()
            .iter()
            .map(|st| StepView {
                host: st.host.clone(),
                line: st.line.clone(),
                time: st.at.saturating_sub(started).go_string(),
                status: st.status,
            })
            .collect(),
        timelines: s
            .timelines()
            .into_iter()
            .map(|t| TimelineView {
                number: t.number,
                steps: t.steps,
                current: t.current,
            })
            .collect(),
        at_step: picture_of.history().len(),
    }
}

pub(crate) fn picture(sim: &Sim) -> Picture {
    let c = sim.cluster();
    let nodes = c
        .node_ids()
        .map(|id| {
            let n = c.node(id);
            NodeView {
                name: n.name.to_string(),
                role: if n.is_control_plane() {
                    "control-plane"
                } else {
                    "worker"
                },
                status: n.status_text(),
                ready: match n.ready {
                    ReadyStatus::True => "True",
                    ReadyStatus::False => "False",
                    ReadyStatus::Unknown => "Unknown",
                },
                schedulable: !n.unschedulable,
                kubelet: if !n.powered_on {
                    "powered off"
                } else if !n.kubelet_running {
                    "stopped"
                } else {
                    "running"
                },
                components: components(n),
                pods: c
                    .pods_on_node(id)
                    .into_iter()
                    .filter_map(|p| c.pod(p))
                    .map(|p| pod(sim, p))
                    .collect(),
            }
        })
        .collect();
    let pending = c
        .pods_ordered()
        .filter(|(_, p)| p.node.is_none() && !p.is_finished())
        .map(|(_, p)| pod(sim, p))
        .collect();
    let pdbs = c
        .pdb_ids()
        .into_iter()
        .map(|id| {
            let b = c.pdb(id);
            let st = c.pdb_status(id);
            PdbView {
                name: format!("{}/{}", b.namespace, b.name),
                spec: match (b.min_available, b.max_unavailable) {
                    (Some(m), _) => format!("minAvailable {}", m.text()),
                    (_, Some(m)) => format!("maxUnavailable {}", m.text()),
                    _ => String::new(),
                },
                current_healthy: st.current_healthy,
                desired_healthy: st.desired_healthy,
                expected: st.expected,
                disruptions_allowed: st.disruptions_allowed,
            }
        })
        .collect();
    let addons = vec![
        Component {
            name: "kube-proxy",
            version: c.addons.kube_proxy.to_string(),
            state: "running",
        },
        Component {
            name: c.addons.dns_name,
            version: c.addons.dns_version.clone(),
            state: "running",
        },
    ];
    Picture {
        version: c.version.to_string(),
        api_available: sim.api_available(),
        nodes,
        pending,
        pdbs,
        etcd: etcd(sim),
        addons,
    }
}

fn components(n: &Node) -> Vec<Component> {
    let mut out = vec![Component {
        name: "kubelet",
        version: n.kubelet_version.to_string(),
        state: if n.powered_on && n.kubelet_running {
            "running"
        } else {
            "stopped"
        },
    }];
    let Some(cp) = &n.control_plane else {
        return out;
    };
    let state = |c: StaticPod| {
        if cp.stopped.contains(&c) {
            "stopped"
        } else if c == StaticPod::Etcd && cp.etcd_failed.is_some() {
            "failing"
        } else {
            "running"
        }
    };
    if let Some(tag) = &cp.etcd {
        out.push(Component {
            name: "etcd",
            version: tag.clone(),
            state: state(StaticPod::Etcd),
        });
    }
    for (c, version) in [
        (StaticPod::KubeApiserver, &cp.apiserver),
        (StaticPod::KubeControllerManager, &cp.controller_manager),
        (StaticPod::KubeScheduler, &cp.scheduler),
    ] {
        out.push(Component {
            name: c.name(),
            version: version.to_string(),
            state: state(c),
        });
    }
    out
}

fn pod(sim: &Sim, p: &Pod) -> PodView {
    let c = sim.cluster();
    let (kind, owner) = match p.owner {
        Owner::Mirror(_) => ("static", String::new()),
        Owner::None => ("bare", String::new()),
        Owner::DaemonSet(w) => ("daemon", c.workload(w).label.to_string()),
        Owner::ReplicaSet(w) | Owner::StatefulSet(w, _) | Owner::Job(w) => (
            if &*p.namespace == "kube-system" {
                "system"
            } else {
                "app"
            },
            c.workload(w).label.to_string(),
        ),
    };
    PodView {
        id: p.label.to_string(),
        name: p.name.to_string(),
        namespace: p.namespace.to_string(),
        status: p.status_text(),
        ready: p.ready && p.deletion.is_none(),
        kind,
        owner,
        reason: p
            .unschedulable_reason
            .clone()
            .filter(|r| !r.is_empty() && p.node.is_none()),
    }
}

fn etcd(sim: &Sim) -> EtcdView {
    let e = sim.etcd();
    EtcdView {
        version: e.version.to_string(),
        members: e
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| MemberView {
                name: m.label(),
                state: match m.state {
                    MemberState::Running => "running",
                    MemberState::Stopped => "stopped",
                    MemberState::Destroyed => "data lost",
                    MemberState::Unstarted => "unstarted",
                },
                leader: e.leader == Some(i),
                learner: m.learner,
            })
            .collect(),
        running: e.voters().filter(|m| m.is_running()).count(),
        voters: e.voters().count(),
        quorum: e.quorum_size(),
        has_quorum: e.has_quorum(),
    }
}
