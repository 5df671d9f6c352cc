//! What a kind cluster and the simulator show after a step, in one shape so the two can be
//! compared (kind.md §5).
//!
//! From kind: `kubectl get nodes -o json` and `kubectl get pods -A -o json` parsed into
//! k8s-openapi types, and etcd through `crictl exec` into each control plane's etcd container
//! (`endpoint status`, `endpoint health`, `member list`), which needs no API server, so it
//! also works when quorum is lost. From the simulator: the same facts from its cluster model
//! and etcd model.
//!
//! Names are the simulator's (kind's node names mapped back), and versions of a stand-in image
//! are reported as the version it stands in for. What kind adds of its own (the kindnet
//! DaemonSet, the local-path provisioner) is left out.

use k8s_openapi::api::core::v1::{Node, Pod};
use kubedrill_sim::Sim;
use kubedrill_sim::model::{Owner, ReadyStatus};
use std::collections::{BTreeMap, BTreeSet};

/// What `kubectl get ... -o json` prints: a `v1` `List` (not k8s-openapi's `NodeList`, whose
/// `kind` it checks), each item a full object.
#[derive(Debug, serde::Deserialize)]
pub struct KubectlList<T> {
    pub items: Vec<T>,
}

/// One node as `kubectl get nodes` shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeView {
    /// The Ready condition: `True`, `False` or `Unknown`.
    pub ready: String,
    pub unschedulable: bool,
    pub kubelet: String,
    /// `key:Effect`.
    pub taints: BTreeSet<String>,
}

/// The pods of one workload (`default/Deployment/web`, `default/Pod/debug` for a bare pod).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkloadView {
    /// Not terminating.
    pub pods: u32,
    /// Not terminating and Ready.
    pub ready: u32,
    pub terminating: u32,
    /// Not terminating and bound to no node.
    pub pending: u32,
}

/// What the API shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApiView {
    pub nodes: BTreeMap<String, NodeView>,
    /// Per node, its DaemonSet and static (mirror) pods: `namespace/Kind/name` → count.
    pub pinned: BTreeMap<String, BTreeMap<String, u32>>,
    pub workloads: BTreeMap<String, WorkloadView>,
    /// Per node, its application pods (not DaemonSet, not mirror, not terminating).
    pub app_pods: BTreeMap<String, u32>,
    /// Per control plane, the kube-apiserver version its mirror pod runs.
    pub apiserver: BTreeMap<String, String>,
}

/// What etcd shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EtcdView {
    /// Members in the membership; `None` when no member could list it (no quorum).
    pub members: Option<usize>,
    pub running: usize,
    pub leader: bool,
    pub quorum: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    /// `Err` says why the API did not answer.
    pub api: Result<ApiView, String>,
    pub etcd: Option<EtcdView>,
}

/// One pod reduced to what the comparison counts.
struct PodFact {
    namespace: String,
    kind: String,
    name: String,
    node: Option<String>,
    terminating: bool,
    ready: bool,
}

impl PodFact {
    fn key(&self) -> String {
        format!("{}/{}/{}", self.namespace, self.kind, self.name)
    }

    fn pinned(&self) -> bool {
        self.kind == "DaemonSet" || self.kind == "static"
    }
}

fn aggregate(nodes: BTreeMap<String, NodeView>, pods: Vec<PodFact>, apiserver: BTreeMap<String, String>) -> ApiView {
    let mut v = ApiView {
        app_pods: nodes.keys().map(|n| (n.clone(), 0)).collect(),
        nodes,
        apiserver,
        ..ApiView::default()
    };
    for p in pods {
        if p.pinned() {
            if let (Some(node), false) = (&p.node, p.terminating) {
                *v.pinned.entry(node.clone()).or_default().entry(p.key()).or_default() += 1;
            }
            continue;
        }
        let w = v.workloads.entry(p.key()).or_default();
        if p.terminating {
            w.terminating += 1;
            continue;
        }
        w.pods += 1;
        w.ready += u32::from(p.ready);
        match &p.node {
            None => w.pending += 1,
            Some(node) => *v.app_pods.entry(node.clone()).or_default() += 1,
        }
    }
    v
}

/// The simulator's side.
pub fn from_sim(sim: &Sim) -> Observation {
    let c = sim.cluster();
    let mut nodes = BTreeMap::new();
    let mut apiserver = BTreeMap::new();
    for id in c.node_ids() {
        let n = c.node(id);
        nodes.insert(
            n.name.to_string(),
            NodeView {
                ready: match n.ready {
                    ReadyStatus::True => "True",
                    ReadyStatus::False => "False",
                    ReadyStatus::Unknown => "Unknown",
                }
                .to_string(),
                unschedulable: n.unschedulable,
                kubelet: n.kubelet_version.to_string(),
                taints: n
                    .taints
                    .iter()
                    .map(|t| format!("{}:{}", t.key, t.effect.as_str()))
                    .collect(),
            },
        );
        if let Some(cp) = &n.control_plane {
            apiserver.insert(n.name.to_string(), cp.apiserver.to_string());
        }
    }
    let mut pods = Vec::new();
    for (_, p) in c.pods_ordered() {
        if p.is_finished() {
            continue;
        }
        let node = p
            .node
            .filter(|id| c.node_exists(*id))
            .map(|id| c.node(id).name.to_string());
        let (kind, name) = match p.owner {
            Owner::None => ("Pod".to_string(), p.name.to_string()),
            Owner::ReplicaSet(w) => {
                let rs = c.workload(w);
                match rs.parent {
                    Some(d) => ("Deployment".to_string(), c.workload(d).name.to_string()),
                    None => ("ReplicaSet".to_string(), rs.name.to_string()),
                }
            }
            Owner::StatefulSet(w, _) => ("StatefulSet".to_string(), c.workload(w).name.to_string()),
            Owner::DaemonSet(w) => ("DaemonSet".to_string(), c.workload(w).name.to_string()),
            Owner::Job(w) => ("Job".to_string(), c.workload(w).name.to_string()),
            Owner::Mirror(_) => ("static".to_string(), static_name(&p.name, node.as_deref())),
        };
        pods.push(PodFact {
            namespace: p.namespace.to_string(),
            kind,
            name,
            node,
            terminating: p.is_terminating(),
            ready: p.ready,
        });
    }
    let api = if sim.api_available() {
        Ok(aggregate(nodes, pods, apiserver))
    } else {
        Err("the simulator's API server cannot serve (no etcd quorum, or no API server running)".to_string())
    };
    let e = sim.etcd().observe();
    let etcd = (!c.control_plane_ids().is_empty()).then_some(EtcdView {
        members: Some(e.members),
        running: e.running,
        leader: e.has_leader,
        quorum: e.quorum,
    });
    Observation { api, etcd }
}

/// `etcd-controlplane` on node `controlplane` → `etcd`.
pub(crate) fn static_name(pod: &str, node: Option<&str>) -> String {
    node.and_then(|n| pod.strip_suffix(n))
        .and_then(|p| p.strip_suffix('-'))
        .unwrap_or(pod)
        .to_string()
}

/// How kind's names and versions map to the simulator's.
#[derive(Clone, Debug, Default)]
pub struct Naming {
    /// kind node name → simulator node name.
    pub nodes: BTreeMap<String, String>,
    /// A stand-in image's version → the version it stands for.
    pub versions: BTreeMap<String, String>,
}

impl Naming {
    pub fn node(&self, kind: &str) -> String {
        self.nodes.get(kind).cloned().unwrap_or_else(|| kind.to_string())
    }

    pub fn version(&self, v: &str) -> String {
        self.versions.get(v).cloned().unwrap_or_else(|| v.to_string())
    }
}

/// Pods kind runs for itself: its CNI and its storage provisioner.
pub(crate) fn kind_own(namespace: &str, owner_kind: &str, owner: &str) -> bool {
    namespace == "local-path-storage" || (namespace == "kube-system" && owner_kind == "DaemonSet" && owner == "kindnet")
}

/// kind's side of the API, from `kubectl get nodes -o json` and `kubectl get pods -A -o json`.
pub fn from_kind(nodes_json: &str, pods_json: &str, naming: &Naming) -> Result<ApiView, String> {
    let nodes: KubectlList<Node> =
        serde_json::from_str(nodes_json).map_err(|e| format!("kubectl get nodes -o json: {e}"))?;
    let pods: KubectlList<Pod> =
        serde_json::from_str(pods_json).map_err(|e| format!("kubectl get pods -A -o json: {e}"))?;
    let mut views = BTreeMap::new();
    for n in &nodes.items {
        let name = naming.node(n.metadata.name.as_deref().unwrap_or_default());
        let spec = n.spec.as_ref();
        let status = n.status.as_ref();
        let ready = status
            .and_then(|s| s.conditions.as_ref())
            .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"))
            .map_or("Unknown".to_string(), |c| c.status.clone());
        let kubelet = status
            .and_then(|s| s.node_info.as_ref())
            .map(|i| naming.version(&i.kubelet_version))
            .unwrap_or_default();
        views.insert(
            name,
            NodeView {
                ready,
                unschedulable: spec.and_then(|s| s.unschedulable).unwrap_or(false),
                kubelet,
                taints: spec
                    .and_then(|s| s.taints.as_ref())
                    .map(|ts| ts.iter().map(|t| format!("{}:{}", t.key, t.effect)).collect())
                    .unwrap_or_default(),
            },
        );
    }
    let mut facts = Vec::new();
    let mut apiserver = BTreeMap::new();
    for p in &pods.items {
        let md = &p.metadata;
        let namespace = md.namespace.clone().unwrap_or_else(|| "default".to_string());
        let name = md.name.clone().unwrap_or_default();
        let phase = p.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("");
        if phase == "Succeeded" || phase == "Failed" {
            continue;
        }
        let owner = md
            .owner_references
            .as_ref()
            .and_then(|o| o.iter().find(|r| r.controller == Some(true)).or_else(|| o.first()));
        let node = p
            .spec
            .as_ref()
            .and_then(|s| s.node_name.as_deref())
            .map(|n| naming.node(n));
        let (kind, oname) = match owner {
            None => ("Pod".to_string(), name.clone()),
            Some(r) if r.kind == "Node" => ("static".to_string(), static_name_kind(&name, p)),
            Some(r) if r.kind == "ReplicaSet" => deployment_of(&r.name, md.labels.as_ref()),
            Some(r) => (r.kind.clone(), r.name.clone()),
        };
        if kind_own(&namespace, &kind, &oname) {
            continue;
        }
        if kind == "static"
            && oname == "kube-apiserver"
            && let (Some(node), Some(image)) = (&node, first_image(p))
        {
            apiserver.insert(node.clone(), naming.version(image.rsplit(':').next().unwrap_or("")));
        }
        let ready = p
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"))
            .is_some_and(|c| c.status == "True");
        facts.push(PodFact {
            namespace,
            kind,
            name: oname,
            node,
            terminating: md.deletion_timestamp.is_some(),
            ready,
        });
    }
    Ok(aggregate(views, facts, apiserver))
}

fn first_image(p: &Pod) -> Option<&str> {
    p.spec.as_ref()?.containers.first()?.image.as_deref()
}

/// A mirror pod's static name: its name without `-<kind node name>`.
fn static_name_kind(pod: &str, p: &Pod) -> String {
    static_name(pod, p.spec.as_ref().and_then(|s| s.node_name.as_deref()))
}

/// A ReplicaSet named `web-7d9c5b8f4` whose pods carry `pod-template-hash: 7d9c5b8f4` belongs
/// to the Deployment `web`.
pub(crate) fn deployment_of(rs: &str, labels: Option<&BTreeMap<String, String>>) -> (String, String) {
    if let Some(hash) = labels.and_then(|l| l.get("pod-template-hash"))
        && let Some(d) = rs.strip_suffix(hash.as_str()).and_then(|d| d.strip_suffix('-'))
    {
        return ("Deployment".to_string(), d.to_string());
    }
    ("ReplicaSet".to_string(), rs.to_string())
}

/// What one control plane's etcd said (the three outputs of the probe script).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemberProbe {
    pub member_id: Option<u64>,
    pub leader: Option<u64>,
    pub healthy: bool,
    pub members: Option<usize>,
}

/// The probe run in a control plane: endpoint status, endpoint health and member list of its
/// local member, separated by `---` lines. Exit 3 when no etcd container runs.
pub fn etcd_probe_script() -> String {
    let ctl = "crictl exec \"$id\" etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=/etc/kubernetes/pki/etcd/healthcheck-client.key --command-timeout=5s";
    format!(
        "id=$(crictl ps --name '^etcd$' -q | head -n 1); [ -n \"$id\" ] || exit 3; {ctl} endpoint status -w json; echo ---; {ctl} endpoint health -w json; echo ---; {ctl} member list -w json"
    )
}

/// Reads the probe's output; `None` when the member did not answer at all.
pub fn parse_member_probe(stdout: &str) -> Option<MemberProbe> {
    let mut parts = stdout.split("\n---\n");
    let status: serde_json::Value = serde_json::from_str(parts.next()?.trim()).ok()?;
    let st = status.get(0)?.get("Status")?;
    let mut probe = MemberProbe {
        member_id: st.pointer("/header/member_id").and_then(serde_json::Value::as_u64),
        leader: st.get("leader").and_then(serde_json::Value::as_u64),
        ..MemberProbe::default()
    };
    if let Some(h) = parts
        .next()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(t.trim()).ok())
    {
        probe.healthy = h
            .get(0)
            .and_then(|e| e.get("health"))
            .and_then(serde_json::Value::as_bool)
            == Some(true);
    }
    if let Some(m) = parts
        .next()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(t.trim()).ok())
    {
        probe.members = m.get("members").and_then(serde_json::Value::as_array).map(Vec::len);
    }
    Some(probe)
}

/// etcd as the control planes' probes saw it (`None` for a member that did not answer).
pub fn etcd_from_probes(probes: &[Option<MemberProbe>]) -> EtcdView {
    let up: Vec<&MemberProbe> = probes.iter().flatten().collect();
    let ids: BTreeSet<u64> = up.iter().filter_map(|p| p.member_id).collect();
    EtcdView {
        members: up.iter().find_map(|p| p.members),
        running: up.len(),
        // A leader some running member follows, and which itself runs.
        leader: up.iter().any(|p| p.leader.is_some_and(|l| l != 0 && ids.contains(&l))),
        quorum: up.iter().any(|p| p.healthy),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NODES: &str = r#"{"apiVersion":"v1","kind":"List","metadata":{},"items":[
      {"apiVersion":"v1","kind":"Node","metadata":{"name":"k-control-plane"},"spec":{"taints":[{"key":"node-role.kubernetes.io/control-plane","effect":"NoSchedule"}]},
       "status":{"conditions":[{"type":"Ready","status":"True"}],"nodeInfo":{"kubeletVersion":"v1.31.12","machineID":"","systemUUID":"","bootID":"","kernelVersion":"","osImage":"","containerRuntimeVersion":"","kubeProxyVersion":"","operatingSystem":"linux","architecture":"amd64"}}},
      {"apiVersion":"v1","kind":"Node","metadata":{"name":"k-worker"},"spec":{"unschedulable":true},
       "status":{"conditions":[{"type":"Ready","status":"Unknown"}],"nodeInfo":{"kubeletVersion":"v1.31.12","machineID":"","systemUUID":"","bootID":"","kernelVersion":"","osImage":"","containerRuntimeVersion":"","kubeProxyVersion":"","operatingSystem":"linux","architecture":"amd64"}}}]}"#;

    const PODS: &str = r#"{"apiVersion":"v1","kind":"List","metadata":{},"items":[
      {"apiVersion":"v1","kind":"Pod","metadata":{"name":"kube-apiserver-k-control-plane","namespace":"kube-system","ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"k-control-plane","uid":"1","controller":true}]},
       "spec":{"nodeName":"k-control-plane","containers":[{"name":"kube-apiserver","image":"registry.k8s.io/kube-apiserver:v1.31.12"}]},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}},
      {"metadata":{"name":"kindnet-abcde","namespace":"kube-system","ownerReferences":[{"apiVersion":"apps/v1","kind":"DaemonSet","name":"kindnet","uid":"2","controller":true}]},
       "spec":{"nodeName":"k-worker","containers":[{"name":"kindnet-cni"}]},"status":{"phase":"Running"}},
      {"metadata":{"name":"web-7d9c5b8f4-x1","namespace":"default","labels":{"pod-template-hash":"7d9c5b8f4"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d9c5b8f4","uid":"3","controller":true}]},
       "spec":{"nodeName":"k-worker","containers":[{"name":"web"}]},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}},
      {"metadata":{"name":"web-7d9c5b8f4-x2","namespace":"default","deletionTimestamp":"2026-01-01T00:00:00Z","labels":{"pod-template-hash":"7d9c5b8f4"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d9c5b8f4","uid":"3","controller":true}]},
       "spec":{"nodeName":"k-worker","containers":[{"name":"web"}]},"status":{"phase":"Running"}},
      {"metadata":{"name":"debug","namespace":"default"},"spec":{"containers":[{"name":"c"}]},"status":{"phase":"Pending"}}]}"#;

    #[test]
    fn kind_json_is_read_in_the_simulators_names_and_versions() {
        let naming = Naming {
            nodes: BTreeMap::from([
                ("k-control-plane".to_string(), "controlplane".to_string()),
                ("k-worker".to_string(), "node01".to_string()),
            ]),
            versions: BTreeMap::from([("v1.31.12".to_string(), "v1.31.2".to_string())]),
        };
        let v = from_kind(NODES, PODS, &naming).unwrap();
        let w = &v.nodes["node01"];
        assert_eq!(
            (w.ready.as_str(), w.unschedulable, w.kubelet.as_str()),
            ("Unknown", true, "v1.31.2")
        );
        assert!(
            v.nodes["controlplane"]
                .taints
                .contains("node-role.kubernetes.io/control-plane:NoSchedule")
        );
        assert_eq!(v.apiserver["controlplane"], "v1.31.2");
        assert_eq!(v.pinned["controlplane"]["kube-system/static/kube-apiserver"], 1);
        assert!(
            !v.pinned.contains_key("node01"),
            "kindnet is kind's own: {:?}",
            v.pinned
        );
        let web = v.workloads["default/Deployment/web"];
        assert_eq!((web.pods, web.ready, web.terminating, web.pending), (1, 1, 1, 0));
        assert_eq!(v.workloads["default/Pod/debug"].pending, 1);
        assert_eq!(v.app_pods["node01"], 1);
        assert_eq!(v.app_pods["controlplane"], 0);
    }

    #[test]
    fn bad_json_is_an_error_not_a_panic() {
        assert!(
            from_kind("{", PODS, &Naming::default())
                .unwrap_err()
                .contains("get nodes")
        );
        assert!(
            from_kind(NODES, "[]", &Naming::default())
                .unwrap_err()
                .contains("get pods")
        );
    }

    #[test]
    fn etcd_probes_add_up() {
        let out = "[{\"Endpoint\":\"https://127.0.0.1:2379\",\"Status\":{\"header\":{\"member_id\":11},\"leader\":11}}]\n---\n[{\"endpoint\":\"https://127.0.0.1:2379\",\"health\":true}]\n---\n{\"members\":[{\"ID\":11},{\"ID\":12},{\"ID\":13}]}\n";
        let p = parse_member_probe(out).unwrap();
        assert_eq!(
            p,
            MemberProbe {
                member_id: Some(11),
                leader: Some(11),
                healthy: true,
                members: Some(3)
            }
        );
        let lost = "[{\"Endpoint\":\"x\",\"Status\":{\"header\":{\"member_id\":12},\"leader\":0}}]\n---\n[{\"endpoint\":\"x\",\"health\":false}]\n---\n";
        let q = parse_member_probe(lost).unwrap();
        assert_eq!(q.members, None);
        let v = etcd_from_probes(&[Some(q.clone()), None, None]);
        assert_eq!(
            v,
            EtcdView {
                members: None,
                running: 1,
                leader: false,
                quorum: false
            }
        );
        let v = etcd_from_probes(&[Some(p), Some(q), None]);
        assert_eq!(
            v,
            EtcdView {
                members: Some(3),
                running: 2,
                leader: true,
                quorum: true
            }
        );
        assert_eq!(parse_member_probe("Error: context deadline exceeded"), None);
    }
}
