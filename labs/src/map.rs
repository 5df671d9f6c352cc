//! `map`: the cluster at a glance, in plain text.
//!
//! ```text
//! cluster v1.31.2, API available
//! controlplane  control-plane  Ready                     kubelet v1.31.2
//! |  static pods: etcd 3.5.15-0, apiserver v1.31.2, controller-manager v1.31.2, scheduler v1.31.2
//! |  pods: kube-system x4
//! node01        worker         Ready,SchedulingDisabled  kubelet v1.31.2
//! |  pods: default/web-abc Running, kube-system x1
//! etcd 3.5.15: 1 member, 1 running; quorum needs 1: held; leader controlplane
//!    controlplane  running    leader   https://172.30.1.2:2379
//! ```

use kubedrill_sim::Sim;
use kubedrill_sim::components::StaticPod;
use kubedrill_sim::etcd::model::MemberState;
use kubedrill_sim::model::Node;
use std::fmt::Write as _;

/// Application pods listed by name per node before the rest is counted.
const PODS_SHOWN: usize = 6;

pub(crate) fn draw(sim: &Sim) -> String {
    let c = sim.cluster();
    let mut s = String::new();
    let api = if sim.api_available() {
        "API available"
    } else {
        "API not answering"
    };
    let _ = writeln!(s, "cluster {}, {api}", c.version);
    let ids: Vec<_> = c.node_ids().collect();
    let name_w = ids.iter().map(|id| c.node(*id).name.len()).max().unwrap_or(0);
    let status_w = ids.iter().map(|id| c.node(*id).status_text().len()).max().unwrap_or(0);
    for id in ids {
        let n = c.node(id);
        let role = if n.is_control_plane() {
            "control-plane"
        } else {
            "worker"
        };
        let kubelet = if !n.powered_on {
            " (powered off)"
        } else if !n.kubelet_running {
            " (kubelet stopped)"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "{:<name_w$}  {role:<13}  {:<status_w$}  kubelet {}{kubelet}",
            n.name,
            n.status_text(),
            n.kubelet_version
        );
        if let Some(line) = static_pods(n) {
            let _ = writeln!(s, "|  static pods: {line}");
        }
        let _ = writeln!(s, "|  pods: {}", pods(sim, id));
    }
    etcd(sim, &mut s);
    s
}

fn static_pods(n: &Node) -> Option<String> {
    let cp = n.control_plane.as_ref()?;
    let state = |c: StaticPod| {
        if cp.stopped.contains(&c) {
            " (stopped)"
        } else if c == StaticPod::Etcd && cp.etcd_failed.is_some() {
            " (crash-looping)"
        } else {
            ""
        }
    };
    let mut parts = Vec::new();
    if let Some(tag) = &cp.etcd {
        parts.push(format!("etcd {tag}{}", state(StaticPod::Etcd)));
    }
    parts.push(format!("apiserver {}{}", cp.apiserver, state(StaticPod::KubeApiserver)));
    parts.push(format!(
        "controller-manager {}{}",
        cp.controller_manager,
        state(StaticPod::KubeControllerManager)
    ));
    parts.push(format!("scheduler {}{}", cp.scheduler, state(StaticPod::KubeScheduler)));
    Some(parts.join(", "))
}

/// Application pods by name and status; kube-system's counted.
fn pods(sim: &Sim, id: kubedrill_sim::model::NodeId) -> String {
    let c = sim.cluster();
    let mut apps: Vec<String> = Vec::new();
    let mut system = 0;
    let mut ids = c.pods_on_node(id);
    ids.sort_by_key(|p| c.pod(*p).map(|p| p.label.clone()));
    for p in ids.iter().filter_map(|p| c.pod(*p)) {
        if &*p.namespace == "kube-system" {
            system += 1;
        } else {
            apps.push(format!("{} {}", p.label, p.status_text()));
        }
    }
    let mut parts: Vec<String> = apps.iter().take(PODS_SHOWN).cloned().collect();
    if apps.len() > PODS_SHOWN {
        parts.push(format!("... {} more", apps.len() - PODS_SHOWN));
    }
    if system > 0 {
        parts.push(format!("kube-system x{system}"));
    }
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join(", ")
    }
}

fn etcd(sim: &Sim, s: &mut String) {
    let e = sim.etcd();
    if e.members.is_empty() {
        return;
    }
    let up = e.voters().filter(|m| m.is_running()).count();
    let leader = e
        .leader
        .and_then(|i| e.members.get(i))
        .map(|m| format!("leader {}", if m.name.is_empty() { "(unnamed)" } else { &m.name }))
        .unwrap_or_else(|| "no leader".to_string());
    let _ = writeln!(
        s,
        "etcd {}: {} member{}, {up} running; quorum needs {}: {}; {leader}",
        e.version,
        e.members.len(),
        if e.members.len() == 1 { "" } else { "s" },
        e.quorum_size(),
        if e.has_quorum() { "held" } else { "LOST" },
    );
    // Unnamed (unstarted) members show their 16-digit hex ID instead.
    let name_w = e
        .members
        .iter()
        .map(|m| if m.name.is_empty() { 16 } else { m.name.len() })
        .max()
        .unwrap_or(0);
    for (i, m) in e.members.iter().enumerate() {
        let name = if m.name.is_empty() {
            format!("{:x}", m.id)
        } else {
            m.name.clone()
        };
        let state = match m.state {
            MemberState::Running => "running",
            MemberState::Stopped => "stopped",
            MemberState::Destroyed => "data lost",
            MemberState::Unstarted => "unstarted",
        };
        let role = if e.leader == Some(i) {
            "leader"
        } else if m.learner {
            "learner"
        } else {
            ""
        };
        let urls = m.client_urls.join(",");
        let line = format!("   {name:<name_w$}  {state:<9}  {role:<7}  {urls}");
        let _ = writeln!(s, "{}", line.trim_end());
    }
}
