//! The kind cluster a scenario needs: which kind node stands for which simulator node, the
//! image each runs, and the generated kind config (`kind create cluster --config -`).

use super::facts::ClusterFacts;
use super::{PlanOptions, lines};
use crate::kind::images::{self, ImageChoice, OLDEST_MINOR_ON_KIND, Provenance};
use kubedrill_sim::Fault;
use kubedrill_sim::scenario::{NodeSpec, Scenario};
use kubedrill_sim::version::KubeVersion;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// kind runs every node as a container on one machine: a handful, not a fleet.
pub const MAX_KIND_NODES: usize = 10;

/// One kind node, in config order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KindNode {
    /// The simulator's name.
    pub sim: String,
    /// The container's (and Kubernetes node's) name.
    pub kind: String,
    pub control_plane: bool,
    pub image: String,
    /// Created for a later `node-add`: reset at setup, joined by the step.
    pub added: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    pub nodes: Vec<KindNode>,
    /// Simulator name → kind name.
    pub names: BTreeMap<String, String>,
    pub images: Vec<ImageChoice>,
    /// For stand-in images: the version kind reports → the version the simulator runs.
    pub aliases: BTreeMap<String, String>,
    pub notes: Vec<String>,
}

impl Layout {
    pub fn kind_name(&self, sim: &str) -> Option<&str> {
        self.names.get(sim).map(String::as_str)
    }
}

/// Works out the kind cluster; `Err` says why the scenario cannot run on kind at all.
pub fn layout(scenario: &Scenario, facts: &ClusterFacts, opts: &PlanOptions) -> Result<Layout, String> {
    let v = &facts.version;
    if v.major != 1 || v.minor < OLDEST_MINOR_ON_KIND {
        return Err(format!(
            "Kubernetes {v} cannot run on kind: kind removed its code paths for versions before 1.{OLDEST_MINOR_ON_KIND} (v0.16), and no node image of it exists"
        ));
    }
    let addons = &scenario.cluster.addons;
    if let Some(f) = &addons.flannel {
        return Err(format!(
            "the cluster runs flannel {f}: kind runs its own CNI (kindnet), and replacing it with flannel is not built"
        ));
    }
    if !addons.static_pods {
        return Err(
            "the scenario's control planes run no static pods, which a kind (kubeadm) cluster always has".to_string(),
        );
    }
    let added = added_nodes(scenario);
    let total = facts.nodes.len() + added.len();
    if total > MAX_KIND_NODES {
        return Err(format!(
            "{total} nodes: kind runs every node as a container on one machine; kubedrill replays at most {MAX_KIND_NODES}"
        ));
    }
    // Every node runs the cluster's image, so `kind create` joins them all with one kubeadm;
    // other kubelets (a skew trap, a later join) are swapped in as binaries (kind.md §2).
    let mentioned = mentioned_versions(scenario, facts);
    let alone = mentioned
        .iter()
        .filter(|m| m.major == v.major && m.minor == v.minor)
        .count()
        <= 1;
    let choice = images::choose(v, opts.release, &opts.images, alone).ok_or_else(|| {
        format!(
            "no kindest/node image of {v} is known (not in kubedrill's table of kind release images{}): build one with `kind build node-image {v}` and pass --kind-image-map FILE (a YAML mapping `{v}: IMAGE`)",
            if alone {
                " for its minor"
            } else {
                ", and another patch cannot stand in: the scenario names two patches of that minor"
            }
        )
    })?;
    let image = choice.image.clone();
    let mut nodes = Vec::new();
    let (mut cps, mut workers) = (0usize, 0usize);
    let mut next_name = |control_plane: bool| {
        let (role, n) = if control_plane {
            cps += 1;
            ("control-plane", cps)
        } else {
            workers += 1;
            ("worker", workers)
        };
        let suffix = if n > 1 { n.to_string() } else { String::new() };
        format!("{}-{role}{suffix}", opts.cluster)
    };
    // kind names control planes and workers by their order in the config.
    for n in facts.control_planes().chain(facts.workers()) {
        nodes.push(KindNode {
            sim: n.name.clone(),
            kind: next_name(n.control_plane),
            control_plane: n.control_plane,
            image: image.clone(),
            added: false,
        });
    }
    for (name, _) in &added {
        nodes.push(KindNode {
            sim: name.clone(),
            kind: next_name(false),
            control_plane: false,
            image: image.clone(),
            added: true,
        });
    }
    let images = vec![choice];
    let aliases = images
        .iter()
        .filter(|c| matches!(c.provenance, Provenance::StandIn { .. }))
        .map(|c| (c.runs.to_string(), c.version.to_string()))
        .collect();
    let names = nodes.iter().map(|n| (n.sim.clone(), n.kind.clone())).collect();
    Ok(Layout {
        nodes,
        names,
        images,
        aliases,
        notes: node_notes(scenario),
    })
}

/// `node-add NAME VERSION` faults, in step order.
pub fn added_nodes(scenario: &Scenario) -> Vec<(String, KubeVersion)> {
    scenario
        .steps
        .iter()
        .filter_map(|s| s.fault.as_deref())
        .filter_map(|f| match Fault::parse(f) {
            Ok(Fault::NodeAdd(name, v)) => Some((name, v)),
            _ => None,
        })
        .collect()
}

/// Every Kubernetes version the scenario names: the cluster's, the kubelets', the joins', and
/// the targets of its lines (`kubeadm upgrade apply v1.31.2`, `kubeadm=1.31.2-1.1`).
fn mentioned_versions(scenario: &Scenario, facts: &ClusterFacts) -> BTreeSet<KubeVersion> {
    let mut out: BTreeSet<KubeVersion> = BTreeSet::new();
    out.insert(facts.version.clone());
    out.extend(facts.nodes.iter().map(|n| n.kubelet_version.clone()));
    out.extend(added_nodes(scenario).into_iter().map(|(_, v)| v));
    for line in scenario.steps.iter().filter_map(|s| s.run.as_deref()) {
        out.extend(lines::versions_in(line));
    }
    out
}

fn node_notes(scenario: &Scenario) -> Vec<String> {
    let mut notes = Vec::new();
    let specs = scenario.cluster.nodes.iter().chain(&scenario.cluster.pools);
    if specs
        .clone()
        .any(|n| n.cpu.is_some() || n.memory.is_some() || n.pods.is_some())
    {
        notes.push(
            "node capacities (cpu, memory, pods) are not reproduced: kind nodes share the host's resources, so placement limited by capacity can differ".to_string(),
        );
    }
    if specs
        .clone()
        .any(|n| n.os_image.is_some() || n.kernel_version.is_some())
    {
        notes.push("node OS images and kernels are kind's, not the scenario's".to_string());
    }
    notes
}

/// The scenario's spec of a simulator node: by name, or the pool that generated it.
pub fn spec_for<'a>(scenario: &'a Scenario, name: &str) -> Option<&'a NodeSpec> {
    scenario
        .cluster
        .nodes
        .iter()
        .find(|n| n.name.as_deref() == Some(name))
        .or_else(|| {
            scenario.cluster.pools.iter().find(|p| {
                p.name_prefix.as_deref().is_some_and(|prefix| {
                    name.strip_prefix(prefix)
                        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
                })
            })
        })
}

/// Labels kind may set through the kubelet (`--node-labels` refuses most of the
/// `kubernetes.io` and `k8s.io` namespaces).
fn settable_label(key: &str) -> bool {
    let prefix = key.split_once('/').map_or("", |(p, _)| p);
    !(prefix.ends_with("kubernetes.io") || prefix.ends_with("k8s.io"))
}

/// The kind config, as `kind create cluster --config -` reads it.
pub fn render(layout: &Layout, scenario: &Scenario, facts: &ClusterFacts, cluster: &str) -> String {
    let mut y = String::new();
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let _ = writeln!(y, "kind: Cluster");
    let _ = writeln!(y, "apiVersion: kind.x-k8s.io/v1alpha4");
    let _ = writeln!(y, "name: {cluster}");
    // The simulator's node-lifecycle timing, pinned so both time out together.
    let _ = writeln!(y, "kubeadmConfigPatches:");
    let _ = writeln!(y, "- |");
    let _ = writeln!(y, "  kind: ClusterConfiguration");
    let _ = writeln!(y, "  controllerManager:");
    let _ = writeln!(y, "    extraArgs:");
    let _ = writeln!(
        y,
        "      node-monitor-grace-period: \"{}s\"",
        facts.node_monitor_grace_s
    );
    let _ = writeln!(y, "  apiServer:");
    let _ = writeln!(y, "    extraArgs:");
    let _ = writeln!(
        y,
        "      default-not-ready-toleration-seconds: \"{}\"",
        facts.toleration_s
    );
    let _ = writeln!(
        y,
        "      default-unreachable-toleration-seconds: \"{}\"",
        facts.toleration_s
    );
    if scenario.cluster.etcd_version.is_some() {
        let _ = writeln!(y, "  etcd:");
        let _ = writeln!(y, "    local:");
        let _ = writeln!(y, "      imageTag: \"{}-0\"", facts.etcd_version);
    }
    let _ = writeln!(y, "nodes:");
    for n in &layout.nodes {
        let role = if n.control_plane { "control-plane" } else { "worker" };
        let _ = writeln!(y, "- role: {role}");
        let _ = writeln!(y, "  image: {}", n.image);
        let labels: Vec<(&String, &String)> = spec_for(scenario, &n.sim)
            .map(|s| s.labels.iter().filter(|(k, _)| settable_label(k)).collect())
            .unwrap_or_default();
        if !labels.is_empty() {
            let _ = writeln!(y, "  labels:");
            for (k, v) in labels {
                let _ = writeln!(y, "    {}: {}", q(k), q(v));
            }
        }
    }
    y
}
