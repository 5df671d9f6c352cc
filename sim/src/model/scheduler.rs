//! Pod placement: the filters that matter for maintenance, and a deterministic choice.
//!
//! Scoring (documented simplification of kube-scheduler's LeastAllocated + spreading): among
//! the nodes that pass every filter, pick the one with the lowest requested share of its
//! allocatable CPU and memory (per-mille, averaged), then the fewest pods, then the node
//! created first. The cluster keeps nodes in that order, so placement walks from the least
//! loaded node and stops at the first that fits.

use crate::model::cluster::Cluster;
use crate::model::taint::{UNREACHABLE, UNSCHEDULABLE};
use crate::model::*;
use std::collections::BTreeMap;

/// Why one node cannot take the pod; the text is the scheduler's own.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unfit {
    Unschedulable,
    NodeName,
    Taint(String),
    Selector,
    Resources(Vec<&'static str>),
    NotReady,
}

impl Unfit {
    /// The reason for one node, as a sentence fragment (`taint {...} not tolerated`).
    pub fn node_text(&self) -> String {
        match self {
            Self::Unschedulable => "unschedulable (cordoned or being deleted)".into(),
            Self::NodeName => "not the node the pod's spec.nodeName names".into(),
            Self::Taint(t) => format!("taint {t} not tolerated"),
            Self::Selector => "labels do not match the pod's nodeSelector".into(),
            Self::Resources(r) => r.join(", "),
            Self::NotReady => "not Ready".into(),
        }
    }

    fn reasons(&self, minor: u32) -> Vec<String> {
        match self {
            Self::Unschedulable => vec!["node(s) were unschedulable".into()],
            Self::NodeName => vec!["node(s) didn't match the requested node name".into()],
            Self::Taint(t) if minor >= 26 => vec![format!("node(s) had untolerated taint {t}")],
            Self::Taint(t) => vec![format!("node(s) had taint {t}, that the pod didn't tolerate")],
            Self::Selector => vec![if minor >= 20 {
                "node(s) didn't match Pod's node affinity/selector".into()
            } else {
                "node(s) didn't match node selector".into()
            }],
            Self::Resources(r) => r.iter().map(|s| s.to_string()).collect(),
            Self::NotReady => vec!["node(s) were not ready".into()],
        }
    }
}

/// Runs the filters in kube-scheduler's plugin order and returns the first failure.
pub fn check(cluster: &Cluster, node: &Node, template: &PodTemplate) -> Result<(), Unfit> {
    if node.deleting || (node.unschedulable && !template.tolerates_unschedulable) {
        return Err(Unfit::Unschedulable);
    }
    if let Some(name) = &template.node_name
        && **name != *node.name
    {
        return Err(Unfit::NodeName);
    }
    if !cluster.side.taint_based_evictions && node.ready != ReadyStatus::True {
        return Err(Unfit::NotReady);
    }
    for taint in &node.taints {
        if taint.effect == Effect::PreferNoSchedule || taint.key == UNSCHEDULABLE {
            continue;
        }
        if !template.tolerations.iter().any(|t| t.tolerates(taint)) {
            return Err(Unfit::Taint(format!("{{{}: {}}}", taint.key, taint.value)));
        }
    }
    if !template
        .node_selector
        .iter()
        .all(|(k, v)| node.labels.get(k) == Some(v))
    {
        return Err(Unfit::Selector);
    }
    let mut short = Vec::new();
    if node.requested.pods + 1 > node.allocatable.pods {
        short.push("Too many pods");
    }
    if template.requests.cpu_milli > 0
        && node.requested.cpu_milli + template.requests.cpu_milli > node.allocatable.cpu_milli
    {
        short.push("Insufficient cpu");
    }
    if template.requests.memory > 0 && node.requested.memory + template.requests.memory > node.allocatable.memory {
        short.push("Insufficient memory");
    }
    if !short.is_empty() {
        return Err(Unfit::Resources(short));
    }
    Ok(())
}

/// Picks a node for the pod, or returns the FailedScheduling message.
pub(crate) fn place(cluster: &Cluster, template: &PodTemplate) -> Result<NodeId, String> {
    for id in cluster.sched_order() {
        if check(cluster, cluster.node(id), template).is_ok() {
            return Ok(id);
        }
    }
    Err(failure_message(cluster, template))
}

/// The nodes that turn the pod down (at most `limit`, in node order) with each one's reason, for
/// the trace: the per-node view behind the FailedScheduling message.
pub fn unfit_nodes(cluster: &Cluster, template: &PodTemplate, limit: usize) -> Vec<crate::trace::NodeUnfit> {
    cluster
        .node_ids()
        .filter_map(|id| {
            let node = cluster.node(id);
            check(cluster, node, template)
                .err()
                .map(|unfit| crate::trace::NodeUnfit {
                    node: node.name.clone(),
                    reason: unfit.node_text(),
                })
        })
        .take(limit)
        .collect()
}

/// `0/3 nodes are available: 1 node(s) had untolerated taint {...}, 2 Insufficient cpu.`
pub fn failure_message(cluster: &Cluster, template: &PodTemplate) -> String {
    let minor = cluster.side.minor;
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    let total = cluster.node_count();
    for id in cluster.node_ids() {
        if let Err(unfit) = check(cluster, cluster.node(id), template) {
            for reason in unfit.reasons(minor) {
                *counts.entry(reason).or_default() += 1;
            }
        }
    }
    // kube-scheduler sorts the "<count> <reason>" strings themselves.
    let mut parts: Vec<String> = counts.iter().map(|(r, n)| format!("{n} {r}")).collect();
    parts.sort();
    let mut msg = if total == 0 {
        "no nodes available to schedule pods".to_string()
    } else {
        format!("0/{total} nodes are available: {}.", parts.join(", "))
    };
    if minor >= 24 && total > 0 {
        msg.push_str(&format!(
            " preemption: 0/{total} nodes are available: {total} Preemption is not helpful for scheduling."
        ));
    }
    msg
}

/// Whether a DaemonSet's pod belongs on this node (its controller's own check, which adds
/// the DaemonSet tolerations and ignores `unschedulable`).
pub fn daemon_fits(node: &Node, template: &PodTemplate) -> bool {
    if node.deleting {
        return false;
    }
    if !template
        .node_selector
        .iter()
        .all(|(k, v)| node.labels.get(k) == Some(v))
    {
        return false;
    }
    node.taints.iter().all(|taint| {
        taint.effect == Effect::PreferNoSchedule
            || taint.key == UNSCHEDULABLE
            || taint.key == UNREACHABLE
            || taint.key == taint::NOT_READY
            || template.tolerations.iter().any(|t| t.tolerates(taint))
    })
}
