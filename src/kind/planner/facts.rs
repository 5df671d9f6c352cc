//! What the planner needs to know about the simulator's cluster, read from a `Sim` built from
//! the scenario (`runner::prepare`): the nodes in the simulator's order with their roles, IPs
//! and kubelets, the etcd version, and the node-lifecycle timing the simulator uses.

use kubedrill_sim::Sim;
use kubedrill_sim::version::KubeVersion;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeFact {
    pub name: String,
    pub control_plane: bool,
    /// The simulator's InternalIP (`172.30.1.2`): lines that name it are pointed at the kind
    /// node's IP.
    pub ip: String,
    pub kubelet_version: KubeVersion,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterFacts {
    pub version: KubeVersion,
    pub nodes: Vec<NodeFact>,
    /// Where steps without `on:` run (the first control plane).
    pub default_host: String,
    /// `3.5.15`: the etcd the control planes run.
    pub etcd_version: String,
    /// kube-controller-manager's `--node-monitor-grace-period` as the simulator models it.
    pub node_monitor_grace_s: u64,
    /// How long after a node goes unreachable its pods are deleted (the DefaultTolerationSeconds
    /// admission plugin's 300 s, which the simulator adds to every pod).
    pub toleration_s: u64,
}

impl ClusterFacts {
    pub fn from_sim(sim: &Sim) -> Self {
        let c = sim.cluster();
        let nodes = c
            .node_ids()
            .map(|id| {
                let n = c.node(id);
                NodeFact {
                    name: n.name.to_string(),
                    control_plane: n.is_control_plane(),
                    ip: n.internal_ip.clone(),
                    kubelet_version: n.kubelet_version.clone(),
                }
            })
            .collect();
        let e = &sim.etcd().version;
        Self {
            version: c.version.clone(),
            nodes,
            default_host: sim.default_host().to_string(),
            etcd_version: format!("{}.{}.{}", e.major, e.minor, e.patch),
            node_monitor_grace_s: c.side.node_monitor_grace_ms / 1000,
            toleration_s: 300,
        }
    }

    pub fn node(&self, name: &str) -> Option<&NodeFact> {
        self.nodes.iter().find(|n| n.name == name)
    }

    pub fn control_planes(&self) -> impl Iterator<Item = &NodeFact> {
        self.nodes.iter().filter(|n| n.control_plane)
    }

    pub fn workers(&self) -> impl Iterator<Item = &NodeFact> {
        self.nodes.iter().filter(|n| !n.control_plane)
    }
}
