//! Kubernetes Events (core/v1) as the control plane and the kubelets record them, read back
//! from the simulator's trace: the scheduler's `Scheduled`/`FailedScheduling`, the
//! controllers' `SuccessfulCreate`, the kubelet's `Pulled`/`Created`/`Started`/`Killing` and
//! `NodeNotSchedulable`/`NodeSchedulable`/`NodeReady`, the node controller's `NodeNotReady`
//! and `RegisteredNode`, the taint manager's `TaintManagerEviction`. Events live an hour
//! (kube-apiserver's `--event-ttl`), so older ones are gone.
//!
//! Not recorded, as in a real cluster: an eviction the Eviction API refuses (the 429 goes to
//! the client only; the trace keeps it as `EvictionRefused` for `why`).

use super::cluster::Cluster;
use super::objects::stamp;
use crate::time::{SimDuration, SimTime};
use crate::trace::{Event as TraceEvent, Trace};
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// kube-apiserver's default `--event-ttl`.
pub const EVENT_TTL: SimDuration = SimDuration::from_secs(3600);

struct Draft {
    ns: String,
    kind: &'static str,
    api_version: &'static str,
    name: String,
    type_: &'static str,
    reason: &'static str,
    message: String,
    component: &'static str,
    host: Option<String>,
}

fn split_pod(label: &str) -> (String, String) {
    match label.split_once('/') {
        Some((ns, name)) => (ns.to_string(), name.to_string()),
        None => ("default".into(), label.to_string()),
    }
}

fn pod_event(
    pod: &str,
    type_: &'static str,
    reason: &'static str,
    message: String,
    component: &'static str,
    host: Option<&str>,
) -> Draft {
    let (ns, name) = split_pod(pod);
    Draft {
        ns,
        kind: "Pod",
        api_version: "v1",
        name,
        type_,
        reason,
        message,
        component,
        host: host.map(str::to_string),
    }
}

fn node_event(
    node: &str,
    type_: &'static str,
    reason: &'static str,
    message: String,
    component: &'static str,
) -> Draft {
    Draft {
        ns: "default".into(),
        kind: "Node",
        // The kubelet's node reference carries no apiVersion; the node controller's does.
        api_version: if component == "kubelet" { "" } else { "v1" },
        name: node.to_string(),
        type_,
        reason,
        message,
        component,
        host: (component == "kubelet").then(|| node.to_string()),
    }
}

/// The containers and images of a pod (events name them): from the pod while it exists,
/// else from the controller whose name its own starts with.
fn containers(c: &Cluster, pod: &str) -> Vec<(String, String)> {
    let (ns, name) = split_pod(pod);
    let of = |spec: &k8s_openapi::api::core::v1::PodSpec| {
        spec.containers
            .iter()
            .map(|k| (k.name.clone(), k.image.clone().unwrap_or_default()))
            .collect::<Vec<_>>()
    };
    if let Some(p) = c.pod_id(&ns, &name).and_then(|id| c.pod(id)) {
        return of(&p.template.spec);
    }
    c.workload_ids()
        .map(|id| c.workload(id))
        .filter(|w| *w.namespace == ns && name.starts_with(&format!("{}-", w.name)))
        .max_by_key(|w| w.name.len())
        .map(|w| of(&w.template.spec))
        .unwrap_or_default()
}

fn drafts(c: &Cluster, e: &TraceEvent) -> Vec<Draft> {
    match e {
        TraceEvent::PodScheduled { pod, node } => vec![pod_event(
            pod,
            "Normal",
            "Scheduled",
            format!("Successfully assigned {pod} to {node}"),
            "default-scheduler",
            None,
        )],
        TraceEvent::PodUnschedulable { pod, message, .. } => vec![pod_event(
            pod,
            "Warning",
            "FailedScheduling",
            message.clone(),
            "default-scheduler",
            None,
        )],
        TraceEvent::PodCreated { pod, owner } => {
            let Some((kind, owner_name)) = owner.split_once('/') else {
                return Vec::new();
            };
            let (ns, pod_name) = split_pod(pod);
            let (kind, api_version, component, message): (&'static str, &'static str, &'static str, String) = match kind
            {
                "ReplicaSet" => (
                    "ReplicaSet",
                    "apps/v1",
                    "replicaset-controller",
                    format!("Created pod: {pod_name}"),
                ),
                "DaemonSet" => (
                    "DaemonSet",
                    "apps/v1",
                    "daemonset-controller",
                    format!("Created pod: {pod_name}"),
                ),
                "Job" => ("Job", "batch/v1", "job-controller", format!("Created pod: {pod_name}")),
                "StatefulSet" => (
                    "StatefulSet",
                    "apps/v1",
                    "statefulset-controller",
                    format!("create Pod {pod_name} in StatefulSet {owner_name} successful"),
                ),
                _ => return Vec::new(),
            };
            vec![Draft {
                ns,
                kind,
                api_version,
                name: owner_name.to_string(),
                type_: "Normal",
                reason: "SuccessfulCreate",
                message,
                component,
                host: None,
            }]
        }
        TraceEvent::PodStarted { pod, node } | TraceEvent::PodRestarted { pod, node } => {
            let mut out = Vec::new();
            for (name, image) in containers(c, pod) {
                out.push(pod_event(
                    pod,
                    "Normal",
                    "Pulled",
                    format!("Container image \"{image}\" already present on machine"),
                    "kubelet",
                    Some(node),
                ));
                out.push(pod_event(
                    pod,
                    "Normal",
                    "Created",
                    format!("Created container {name}"),
                    "kubelet",
                    Some(node),
                ));
                out.push(pod_event(
                    pod,
                    "Normal",
                    "Started",
                    format!("Started container {name}"),
                    "kubelet",
                    Some(node),
                ));
            }
            out
        }
        TraceEvent::PodDeleted { pod, node, by } => {
            let mut out = Vec::new();
            if *by == "node-lifecycle" {
                out.push(pod_event(
                    pod,
                    "Normal",
                    "TaintManagerEviction",
                    format!("Marking for deletion Pod {pod}"),
                    "taint-controller",
                    None,
                ));
            }
            if !node.is_empty() {
                for (name, _) in containers(c, pod) {
                    out.push(pod_event(
                        pod,
                        "Normal",
                        "Killing",
                        format!("Stopping container {name}"),
                        "kubelet",
                        Some(node),
                    ));
                }
            }
            out
        }
        TraceEvent::PodEvicted { pod, node } => containers(c, pod)
            .into_iter()
            .map(|(name, _)| {
                pod_event(
                    pod,
                    "Normal",
                    "Killing",
                    format!("Stopping container {name}"),
                    "kubelet",
                    Some(node),
                )
            })
            .collect(),
        TraceEvent::NodeCordoned { node } => vec![node_event(
            node,
            "Normal",
            "NodeNotSchedulable",
            format!("Node {node} status is now: NodeNotSchedulable"),
            "kubelet",
        )],
        TraceEvent::NodeUncordoned { node } => vec![node_event(
            node,
            "Normal",
            "NodeSchedulable",
            format!("Node {node} status is now: NodeSchedulable"),
            "kubelet",
        )],
        TraceEvent::NodeNotReady { node, .. } => {
            let mut out = vec![node_event(
                node,
                "Normal",
                "NodeNotReady",
                format!("Node {node} status is now: NodeNotReady"),
                "node-controller",
            )];
            if let Some(id) = c.node_id(node) {
                for p in c.pods_on_node(id) {
                    if let Some(pod) = c.pod(p) {
                        out.push(pod_event(
                            &pod.label,
                            "Warning",
                            "NodeNotReady",
                            "Node is not ready".into(),
                            "node-controller",
                            None,
                        ));
                    }
                }
            }
            out
        }
        TraceEvent::NodeReady { node } => vec![
            node_event(node, "Normal", "Starting", "Starting kubelet.".into(), "kubelet"),
            node_event(
                node,
                "Normal",
                "NodeReady",
                format!("Node {node} status is now: NodeReady"),
                "kubelet",
            ),
        ],
        TraceEvent::NodeAdded { node, .. } => vec![node_event(
            node,
            "Normal",
            "RegisteredNode",
            format!("Node {node} event: Registered Node {node} in Controller"),
            "node-controller",
        )],
        _ => Vec::new(),
    }
}

/// The events of the last hour, in the API server's order (namespace, then name).
pub fn from_trace(c: &Cluster, trace: &Trace, now: SimTime) -> Vec<core::Event> {
    let since = SimTime(now.ms().saturating_sub(EVENT_TTL.ms()));
    let mut out = Vec::new();
    let mut seq: u64 = 0;
    for r in trace.iter().filter(|r| r.t >= since) {
        for d in drafts(c, &r.event) {
            seq += 1;
            let t = stamp(c, r.t);
            let name = format!("{}.{:x}", d.name, r.t.wall_nanos_with(c.epoch_s) + seq);
            out.push(core::Event {
                metadata: ObjectMeta {
                    name: Some(name),
                    namespace: Some(d.ns.clone()),
                    creation_timestamp: Some(t.clone()),
                    ..Default::default()
                },
                involved_object: core::ObjectReference {
                    kind: Some(d.kind.into()),
                    name: Some(d.name.clone()),
                    namespace: (d.kind != "Node").then(|| d.ns.clone()),
                    api_version: (!d.api_version.is_empty()).then(|| d.api_version.into()),
                    ..Default::default()
                },
                reason: Some(d.reason.into()),
                message: Some(d.message),
                type_: Some(d.type_.into()),
                source: Some(core::EventSource {
                    component: Some(d.component.into()),
                    host: d.host,
                }),
                first_timestamp: Some(t.clone()),
                last_timestamp: Some(t),
                count: Some(1),
                reporting_component: Some(String::new()),
                reporting_instance: Some(String::new()),
                ..Default::default()
            });
        }
    }
    out.sort_by(|a, b| (&a.metadata.namespace, &a.metadata.name).cmp(&(&b.metadata.namespace, &b.metadata.name)));
    out
}
