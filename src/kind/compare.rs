//! The simulator's observation against kind's: every field that must agree, and the few that
//! are shown without being compared.
//!
//! Compared: whether the API answers; the node set; per node its Ready condition, cordon,
//! kubelet version and taints; per node its DaemonSet and static pods; per workload its pods
//! (running, Ready, terminating, unscheduled); per control plane its API server version; and
//! etcd's quorum, leader, running members and membership (when a member could list it).
//!
//! Not compared: on which schedulable node an application pod runs. kube-scheduler scores
//! nodes its own way (the simulator's scoring is a documented stand-in), so the counts per
//! node are shown, and only a cordoned node's emptiness must agree (a drain's outcome).

use super::observe::{ApiView, EtcdView, Observation};
use std::collections::BTreeSet;
use std::fmt;

/// One field on which kind and the simulator differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    pub field: String,
    pub sim: String,
    pub kind: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: sim={} kind={}", self.field, self.sim, self.kind)
    }
}

fn diff(out: &mut Vec<Difference>, field: impl Into<String>, sim: impl fmt::Display, kind: impl fmt::Display) {
    out.push(Difference {
        field: field.into(),
        sim: sim.to_string(),
        kind: kind.to_string(),
    });
}

pub fn compare(sim: &Observation, kind: &Observation) -> Vec<Difference> {
    let mut out = Vec::new();
    match (&sim.api, &kind.api) {
        (Ok(s), Ok(k)) => compare_api(s, k, &mut out),
        (Err(_), Err(_)) => {}
        (Ok(_), Err(e)) => diff(&mut out, "api", "answers", format!("does not answer ({e})")),
        (Err(_), Ok(_)) => diff(&mut out, "api", "does not answer", "answers"),
    }
    match (&sim.etcd, &kind.etcd) {
        (Some(s), Some(k)) => compare_etcd(s, k, &mut out),
        (Some(_), None) => diff(&mut out, "etcd", "observed", "not observed"),
        _ => {}
    }
    out
}

fn compare_api(s: &ApiView, k: &ApiView, out: &mut Vec<Difference>) {
    let sn: BTreeSet<&String> = s.nodes.keys().collect();
    let kn: BTreeSet<&String> = k.nodes.keys().collect();
    if sn != kn {
        diff(out, "nodes", list(sn.iter()), list(kn.iter()));
    }
    for (name, a) in &s.nodes {
        let Some(b) = k.nodes.get(name) else { continue };
        if a.ready != b.ready {
            diff(out, format!("node {name} Ready"), &a.ready, &b.ready);
        }
        if a.unschedulable != b.unschedulable {
            diff(out, format!("node {name} cordoned"), a.unschedulable, b.unschedulable);
        }
        if a.kubelet != b.kubelet {
            diff(out, format!("node {name} kubelet"), &a.kubelet, &b.kubelet);
        }
        if a.taints != b.taints {
            diff(
                out,
                format!("node {name} taints"),
                list(a.taints.iter()),
                list(b.taints.iter()),
            );
        }
        let (sp, kp) = (s.pinned.get(name), k.pinned.get(name));
        if sp.filter(|m| !m.is_empty()) != kp.filter(|m| !m.is_empty()) {
            let show = |m: Option<&std::collections::BTreeMap<String, u32>>| {
                m.map_or("none".to_string(), |m| list(m.iter().map(|(k, n)| format!("{k}×{n}"))))
            };
            diff(out, format!("node {name} daemon and static pods"), show(sp), show(kp));
        }
        let (sa, ka) = (
            s.app_pods.get(name).copied().unwrap_or(0),
            k.app_pods.get(name).copied().unwrap_or(0),
        );
        if a.unschedulable && b.unschedulable && (sa == 0) != (ka == 0) {
            diff(out, format!("cordoned node {name} application pods"), sa, ka);
        }
    }
    let keys: BTreeSet<&String> = s.workloads.keys().chain(k.workloads.keys()).collect();
    for key in keys {
        let a = s.workloads.get(key).copied().unwrap_or_default();
        let b = k.workloads.get(key).copied().unwrap_or_default();
        if a != b {
            let show = |w: super::observe::WorkloadView| {
                format!(
                    "{} pods ({} Ready, {} unscheduled), {} terminating",
                    w.pods, w.ready, w.pending, w.terminating
                )
            };
            diff(out, format!("workload {key}"), show(a), show(b));
        }
    }
    for (node, v) in &s.apiserver {
        match k.apiserver.get(node) {
            Some(kv) if kv == v => {}
            Some(kv) => diff(out, format!("node {node} kube-apiserver"), v, kv),
            None => diff(out, format!("node {node} kube-apiserver"), v, "no mirror pod"),
        }
    }
}

fn compare_etcd(s: &EtcdView, k: &EtcdView, out: &mut Vec<Difference>) {
    if s.quorum != k.quorum {
        diff(out, "etcd quorum", s.quorum, k.quorum);
    }
    if s.leader != k.leader {
        diff(out, "etcd leader", s.leader, k.leader);
    }
    if s.running != k.running {
        diff(out, "etcd members running", s.running, k.running);
    }
    if let (Some(a), Some(b)) = (s.members, k.members)
        && a != b
    {
        diff(out, "etcd members", a, b);
    }
}

fn list<T: fmt::Display>(items: impl Iterator<Item = T>) -> String {
    let v: Vec<String> = items.map(|i| i.to_string()).collect();
    if v.is_empty() { "none".to_string() } else { v.join(", ") }
}

/// A one-line summary of an observation: `api up: 3 nodes (3 Ready, 1 cordoned), 2 workloads
/// (5/5 Ready), app pods node01=2 node02=3; etcd quorum, leader, 3/3 running`.
pub fn summary(o: &Observation) -> String {
    let api = match &o.api {
        Ok(v) => {
            let ready = v.nodes.values().filter(|n| n.ready == "True").count();
            let cordoned = v.nodes.values().filter(|n| n.unschedulable).count();
            let (pods, rdy): (u32, u32) = v.workloads.values().fold((0, 0), |(p, r), w| (p + w.pods, r + w.ready));
            let apps = v
                .app_pods
                .iter()
                .map(|(n, c)| format!("{n}={c}"))
                .collect::<Vec<_>>()
                .join(" ");
            format!(
                "api up: {} nodes ({ready} Ready, {cordoned} cordoned), {} workloads ({rdy}/{pods} pods Ready), app pods per node (not compared) {apps}",
                v.nodes.len(),
                v.workloads.len()
            )
        }
        Err(_) => "api down".to_string(),
    };
    match &o.etcd {
        Some(e) => format!(
            "{api}; etcd {}, {}, {}/{} running",
            if e.quorum { "quorum" } else { "no quorum" },
            if e.leader { "leader" } else { "no leader" },
            e.running,
            e.members.map_or("?".to_string(), |m| m.to_string())
        ),
        None => api,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::observe::{NodeView, WorkloadView};
    use std::collections::BTreeMap;

    fn view() -> ApiView {
        let node = |unschedulable| NodeView {
            ready: "True".into(),
            unschedulable,
            kubelet: "v1.31.2".into(),
            taints: BTreeSet::new(),
        };
        ApiView {
            nodes: BTreeMap::from([("node01".into(), node(true)), ("node02".into(), node(false))]),
            workloads: BTreeMap::from([(
                "default/Deployment/web".into(),
                WorkloadView {
                    pods: 2,
                    ready: 2,
                    terminating: 0,
                    pending: 0,
                },
            )]),
            app_pods: BTreeMap::from([("node01".into(), 0), ("node02".into(), 2)]),
            ..ApiView::default()
        }
    }

    fn obs(api: ApiView) -> Observation {
        Observation {
            api: Ok(api),
            etcd: Some(EtcdView {
                members: Some(1),
                running: 1,
                leader: true,
                quorum: true,
            }),
        }
    }

    #[test]
    fn equal_observations_agree() {
        assert!(compare(&obs(view()), &obs(view())).is_empty());
    }

    #[test]
    fn placement_on_schedulable_nodes_is_not_compared_but_a_drained_node_is() {
        let mut k = view();
        k.app_pods.insert("node02".into(), 1);
        k.nodes.insert("node03".into(), k.nodes["node02"].clone());
        k.app_pods.insert("node03".into(), 1);
        let d = compare(&obs(view()), &obs(k.clone()));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].field, "nodes");
        let mut k = view();
        k.app_pods.insert("node01".into(), 1);
        let d = compare(&obs(view()), &obs(k));
        assert_eq!(d[0].field, "cordoned node node01 application pods");
    }

    #[test]
    fn node_and_workload_and_etcd_differences_are_named() {
        let mut k = view();
        k.nodes.get_mut("node02").unwrap().ready = "Unknown".into();
        k.workloads.get_mut("default/Deployment/web").unwrap().ready = 1;
        let mut ko = obs(k);
        ko.etcd.as_mut().unwrap().quorum = false;
        let fields: Vec<String> = compare(&obs(view()), &ko).into_iter().map(|d| d.to_string()).collect();
        assert_eq!(
            fields,
            vec![
                "node node02 Ready: sim=True kind=Unknown",
                "workload default/Deployment/web: sim=2 pods (2 Ready, 0 unscheduled), 0 terminating kind=2 pods (1 Ready, 0 unscheduled), 0 terminating",
                "etcd quorum: sim=true kind=false",
            ]
        );
    }

    #[test]
    fn an_api_down_on_both_sides_agrees() {
        let down = Observation {
            api: Err("x".into()),
            etcd: None,
        };
        assert!(compare(&down, &down).is_empty());
        assert_eq!(compare(&obs(view()), &down)[0].field, "api");
    }
}
