//! The simulator's objects as real Kubernetes API objects (k8s-openapi), for `-o json` now
//! and a local API endpoint later.

use crate::model::cluster::Cluster;
use crate::model::quantity::{format_cpu_milli, format_memory};
use crate::model::*;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use std::collections::BTreeMap;

pub fn node_object(c: &Cluster, id: NodeId) -> core::Node {
    let n = c.node(id);
    let mut allocatable = BTreeMap::new();
    allocatable.insert("cpu".to_string(), Quantity(format_cpu_milli(n.allocatable.cpu_milli)));
    allocatable.insert("memory".to_string(), Quantity(format_memory(n.allocatable.memory)));
    allocatable.insert("pods".to_string(), Quantity(n.allocatable.pods.to_string()));
    let ready = match n.ready {
        ReadyStatus::True => "True",
        ReadyStatus::False => "False",
        ReadyStatus::Unknown => "Unknown",
    };
    core::Node {
        metadata: ObjectMeta {
            name: Some(n.name.to_string()),
            labels: Some(n.labels.clone()),
            ..Default::default()
        },
        spec: Some(core::NodeSpec {
            unschedulable: n.unschedulable.then_some(true),
            taints: (!n.taints.is_empty()).then(|| {
                n.taints
                    .iter()
                    .map(|t| core::Taint {
                        key: t.key.clone(),
                        value: (!t.value.is_empty()).then(|| t.value.clone()),
                        effect: t.effect.as_str().to_string(),
                        ..Default::default()
                    })
                    .collect()
            }),
            ..Default::default()
        }),
        status: Some(core::NodeStatus {
            allocatable: Some(allocatable.clone()),
            capacity: Some(allocatable),
            conditions: Some(vec![core::NodeCondition {
                type_: "Ready".into(),
                status: ready.into(),
                ..Default::default()
            }]),
            addresses: Some(vec![
                core::NodeAddress {
                    type_: "InternalIP".into(),
                    address: n.internal_ip.clone(),
                },
                core::NodeAddress {
                    type_: "Hostname".into(),
                    address: n.name.to_string(),
                },
            ]),
            node_info: Some(core::NodeSystemInfo {
                kubelet_version: n.kubelet_version.to_string(),
                kube_proxy_version: n.kubelet_version.to_string(),
                os_image: n.os_image.clone(),
                kernel_version: n.kernel_version.clone(),
                container_runtime_version: n.container_runtime.clone(),
                operating_system: "linux".into(),
                architecture: "amd64".into(),
                ..Default::default()
            }),
            ..Default::default()
        }),
    }
}

pub fn pod_object(c: &Cluster, id: PodId) -> Option<core::Pod> {
    let p = c.pod(id)?;
    let owner_refs = match p.owner {
        Owner::None => None,
        Owner::Mirror(n) => Some(vec![OwnerReference {
            api_version: "v1".into(),
            kind: "Node".into(),
            name: c.node(n).name.to_string(),
            controller: Some(true),
            ..Default::default()
        }]),
        Owner::ReplicaSet(w) | Owner::StatefulSet(w, _) | Owner::DaemonSet(w) | Owner::Job(w) => {
            let wl = c.workload(w);
            Some(vec![OwnerReference {
                api_version: if wl.kind == WorkloadKind::Job {
                    "batch/v1".into()
                } else {
                    "apps/v1".into()
                },
                kind: wl.kind.as_str().into(),
                name: wl.name.to_string(),
                controller: Some(true),
                block_owner_deletion: Some(true),
                ..Default::default()
            }])
        }
    };
    let mut spec = (*p.template.spec).clone();
    spec.node_name = p.node.map(|n| c.node(n).name.to_string());
    Some(core::Pod {
        metadata: ObjectMeta {
            name: Some(p.name.to_string()),
            namespace: Some(p.namespace.to_string()),
            uid: Some(format!("00000000-0000-4000-8000-{:012x}", p.uid)),
            labels: (!p.labels.is_empty()).then(|| (*p.labels).clone()),
            annotations: (!p.template.annotations.is_empty()).then(|| p.template.annotations.clone()),
            owner_references: owner_refs,
            ..Default::default()
        },
        spec: Some(spec),
        status: Some(core::PodStatus {
            phase: Some(p.phase.as_str().into()),
            reason: p.status_reason.map(str::to_string),
            ..Default::default()
        }),
    })
}

pub(crate) fn node_json(c: &Cluster, id: NodeId) -> serde_json::Value {
    let mut v = serde_json::to_value(node_object(c, id)).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert("apiVersion".into(), "v1".into());
        o.insert("kind".into(), "Node".into());
    }
    v
}

pub(crate) fn find_pod_json(c: &Cluster, ns: Option<&str>, name: &str) -> Option<serde_json::Value> {
    let id = match ns {
        Some(ns) => c.pod_id(ns, name)?,
        None => c.pods_ordered().find(|(_, p)| &*p.name == name).map(|(id, _)| id)?,
    };
    let mut v = serde_json::to_value(pod_object(c, id)?).ok()?;
    if let Some(o) = v.as_object_mut() {
        o.insert("apiVersion".into(), "v1".into());
        o.insert("kind".into(), "Pod".into());
    }
    Some(v)
}
