//! The simulator's objects as real Kubernetes API objects (k8s-openapi), whole, as the API
//! server serves them: what `kubectl get -o yaml|json` prints and what `KubeApi::get`/`list`
//! return. Rendered on demand from the compact model, never stored.

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
    allocatable.insert("ephemeral-storage".to_string(), Quantity("101430960Ki".into()));
    allocatable.insert("hugepages-1Gi".to_string(), Quantity("0".into()));
    allocatable.insert("hugepages-2Mi".to_string(), Quantity("0".into()));
    allocatable.insert("memory".to_string(), Quantity(format_memory(n.allocatable.memory)));
    allocatable.insert("pods".to_string(), Quantity(n.allocatable.pods.to_string()));
    let unknown = n.ready == ReadyStatus::Unknown;
    let heartbeat = stamp(c, n.silent_since.unwrap_or(n.created_at));
    let created = stamp(c, n.created_at);
    let condition = |ty: &str, ok: &str, reason: &str, message: &str| {
        let (status, reason, message) = if unknown {
            ("Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.")
        } else {
            (ok, reason, message)
        };
        core::NodeCondition {
            type_: ty.into(),
            status: status.into(),
            reason: Some(reason.into()),
            message: Some(message.into()),
            last_heartbeat_time: Some(heartbeat.clone()),
            last_transition_time: Some(created.clone()),
        }
    };
    let ready = match n.ready {
        ReadyStatus::True => "True",
        ReadyStatus::False => "False",
        ReadyStatus::Unknown => "Unknown",
    };
    let mut annotations = BTreeMap::new();
    annotations.insert("node.alpha.kubernetes.io/ttl".to_string(), "0".to_string());
    annotations.insert(
        "volumes.kubernetes.io/controller-managed-attach-detach".to_string(),
        "true".to_string(),
    );
    let cidr = format!("10.244.{}.0/24", id.0 % 250 + 1);
    core::Node {
        metadata: ObjectMeta {
            name: Some(n.name.to_string()),
            labels: Some(n.labels.clone()),
            annotations: Some(annotations),
            uid: Some(uid(3, u64::from(id.0))),
            creation_timestamp: Some(created.clone()),
            ..Default::default()
        },
        spec: Some(core::NodeSpec {
            pod_cidr: Some(cidr.clone()),
            pod_cidrs: Some(vec![cidr]),
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
            conditions: Some(vec![
                condition(
                    "MemoryPressure",
                    "False",
                    "KubeletHasSufficientMemory",
                    "kubelet has sufficient memory available",
                ),
                condition(
                    "DiskPressure",
                    "False",
                    "KubeletHasNoDiskPressure",
                    "kubelet has no disk pressure",
                ),
                condition(
                    "PIDPressure",
                    "False",
                    "KubeletHasSufficientPID",
                    "kubelet has sufficient PID available",
                ),
                condition("Ready", ready, "KubeletReady", "kubelet is posting ready status"),
            ]),
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
            daemon_endpoints: Some(core::NodeDaemonEndpoints {
                kubelet_endpoint: Some(core::DaemonEndpoint { port: 10250 }),
            }),
            node_info: Some(core::NodeSystemInfo {
                machine_id: format!("{:032x}", id.0 as u128 + 0xabc),
                system_uuid: format!("{:032x}", id.0 as u128 + 0xdef),
                boot_id: format!("{:032x}", id.0 as u128 + n.lifecycle_gen as u128),
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

/// The IP a pod has: its node's for host-network pods, otherwise one from the node's pod CIDR;
/// none before it is bound and running.
pub fn pod_ip(c: &Cluster, p: &Pod) -> Option<String> {
    let node = p.node?;
    if p.phase == Phase::Pending {
        return None;
    }
    if p.template.spec.host_network == Some(true) {
        return Some(c.node(node).internal_ip.clone());
    }
    Some(format!("10.244.{}.{}", node.0 % 250 + 1, 2 + p.uid % 250))
}

/// What the API server's defaulting adds to a pod spec a manifest left out.
fn default_pod_spec(spec: &mut core::PodSpec) {
    spec.restart_policy.get_or_insert_with(|| "Always".into());
    spec.dns_policy.get_or_insert_with(|| "ClusterFirst".into());
    spec.scheduler_name.get_or_insert_with(|| "default-scheduler".into());
    let sa = spec
        .service_account_name
        .get_or_insert_with(|| "default".into())
        .clone();
    spec.service_account.get_or_insert(sa);
    spec.termination_grace_period_seconds.get_or_insert(30);
    spec.security_context.get_or_insert_with(Default::default);
    spec.enable_service_links.get_or_insert(true);
    spec.preemption_policy
        .get_or_insert_with(|| "PreemptLowerPriority".into());
    spec.priority.get_or_insert(0);
    for c in &mut spec.containers {
        let latest = c
            .image
            .as_deref()
            .is_none_or(|i| !i.rsplit('/').next().unwrap_or(i).contains(':') || i.ends_with(":latest"));
        c.image_pull_policy
            .get_or_insert_with(|| if latest { "Always" } else { "IfNotPresent" }.into());
        c.termination_message_path
            .get_or_insert_with(|| "/dev/termination-log".into());
        c.termination_message_policy.get_or_insert_with(|| "File".into());
        c.resources.get_or_insert_with(Default::default);
    }
}

fn pod_status(c: &Cluster, p: &Pod) -> core::PodStatus {
    let ready = p.ready && p.deletion.is_none();
    let bound = p.node.is_some();
    let since = stamp(c, p.started_at.unwrap_or(p.created_at));
    let cond = |ty: &str, ok: bool| core::PodCondition {
        type_: ty.into(),
        status: if ok { "True" } else { "False" }.into(),
        last_transition_time: Some(since.clone()),
        ..Default::default()
    };
    let ip = pod_ip(c, p);
    let running = p.phase == Phase::Running;
    let container_statuses = bound.then(|| {
        p.template
            .spec
            .containers
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let state = match p.phase {
                    Phase::Running => core::ContainerState {
                        running: Some(core::ContainerStateRunning {
                            started_at: Some(since.clone()),
                        }),
                        ..Default::default()
                    },
                    Phase::Succeeded | Phase::Failed => core::ContainerState {
                        terminated: Some(core::ContainerStateTerminated {
                            exit_code: i32::from(p.phase == Phase::Failed),
                            reason: Some(if p.phase == Phase::Failed { "Error" } else { "Completed" }.into()),
                            started_at: Some(since.clone()),
                            finished_at: Some(since.clone()),
                            container_id: Some(container_id(p, i)),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                    Phase::Pending => core::ContainerState {
                        waiting: Some(core::ContainerStateWaiting {
                            reason: Some(p.status_reason.unwrap_or("ContainerCreating").into()),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                };
                core::ContainerStatus {
                    name: k.name.clone(),
                    image: k.image.clone().unwrap_or_default(),
                    image_id: String::new(),
                    container_id: (p.phase != Phase::Pending).then(|| container_id(p, i)),
                    ready,
                    restart_count: p.restarts as i32,
                    started: Some(running),
                    state: Some(state),
                    // When the last run ended: kubectl's RESTARTS column says `2 (30s ago)` from
                    // it. The model keeps no exit status, so it reports a clean exit.
                    last_state: p
                        .last_restart
                        .filter(|_| p.restarts > 0)
                        .map(|at| core::ContainerState {
                            terminated: Some(core::ContainerStateTerminated {
                                exit_code: 0,
                                reason: Some("Completed".into()),
                                finished_at: Some(stamp(c, at)),
                                ..Default::default()
                            }),
                            ..Default::default()
                        }),
                    ..Default::default()
                }
            })
            .collect()
    });
    let qos = if p.template.requests.cpu_milli == 0 && p.template.requests.memory == 0 {
        "BestEffort"
    } else {
        "Burstable"
    };
    core::PodStatus {
        phase: Some(p.phase.as_str().into()),
        reason: p.status_reason.filter(|r| *r == "NodeLost").map(str::to_string),
        conditions: Some(vec![
            cond("Initialized", bound),
            cond("Ready", ready),
            cond("ContainersReady", ready),
            cond("PodScheduled", bound),
        ]),
        host_ip: p.node.map(|n| c.node(n).internal_ip.clone()),
        pod_ip: ip.clone(),
        pod_ips: ip.map(|ip| vec![core::PodIP { ip }]),
        start_time: bound.then(|| stamp(c, p.created_at)),
        container_statuses,
        qos_class: Some(qos.into()),
        ..Default::default()
    }
}

fn container_id(p: &Pod, i: usize) -> String {
    format!(
        "containerd://{:064x}",
        (p.uid << 8) + i as u64 + u64::from(p.restarts) * 0x1_0000
    )
}

pub fn pod_object(c: &Cluster, id: PodId) -> Option<core::Pod> {
    let p = c.pod(id)?;
    let owner_refs = match p.owner {
        Owner::None => None,
        Owner::Mirror(n) => Some(vec![OwnerReference {
            api_version: "v1".into(),
            kind: "Node".into(),
            name: c.node(n).name.to_string(),
            uid: uid(3, u64::from(n.0)),
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
                uid: uid(1, u64::from(w.0)),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }])
        }
    };
    let generate_name = match p.owner {
        Owner::ReplicaSet(_) | Owner::DaemonSet(_) | Owner::Job(_) => {
            p.name.rsplit_once('-').map(|(base, _)| format!("{base}-"))
        }
        _ => None,
    };
    let mut spec = (*p.template.spec).clone();
    spec.node_name = p.node.map(|n| c.node(n).name.to_string());
    default_pod_spec(&mut spec);
    Some(core::Pod {
        metadata: ObjectMeta {
            name: Some(p.name.to_string()),
            generate_name,
            namespace: Some(p.namespace.to_string()),
            uid: Some(format!("00000000-0000-4000-8000-{:012x}", p.uid)),
            labels: (!p.labels.is_empty()).then(|| (*p.labels).clone()),
            annotations: (!p.template.annotations.is_empty()).then(|| p.template.annotations.clone()),
            owner_references: owner_refs,
            creation_timestamp: Some(stamp(c, p.created_at)),
            deletion_timestamp: p
                .deletion
                .map(|d| stamp(c, d.at + crate::time::SimDuration::from_secs(d.grace_seconds))),
            deletion_grace_period_seconds: p.deletion.map(|d| d.grace_seconds as i64),
            ..Default::default()
        },
        spec: Some(spec),
        status: Some(pod_status(c, p)),
    })
}

// ---- every modelled kind -------------------------------------------------------------------

use crate::model::pdb::UnhealthyPodEvictionPolicy;
use crate::model::status::ApiError;
use crate::time::SimTime;
use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::batch::v1 as batch;
use k8s_openapi::api::policy::v1 as policy;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement, Time};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

/// A list request's options: namespace, label and field selectors.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListOptions {
    /// `None` lists every namespace (`-A`); ignored for cluster-scoped kinds.
    pub namespace: Option<String>,
    pub label_selector: Option<Selector>,
    /// `field=value` pairs the API server supports for the kind (`spec.nodeName`,
    /// `metadata.name`, `metadata.namespace`, `status.phase`).
    pub field_selector: Vec<(String, String)>,
    /// `field!=value` pairs, under the same rules.
    pub field_selector_not: Vec<(String, String)>,
}

/// The kinds the model holds, by the resource names and short names the API server's discovery
/// document gives them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceKind {
    Nodes,
    Pods,
    Pdbs,
    Deployments,
    ReplicaSets,
    DaemonSets,
    StatefulSets,
    Jobs,
    Namespaces,
    ConfigMaps,
    Secrets,
    ServiceAccounts,
    Services,
    Endpoints,
    EndpointSlices,
    Leases,
    Events,
    PriorityClasses,
    PersistentVolumes,
    PersistentVolumeClaims,
    StorageClasses,
    Ingresses,
    NetworkPolicies,
    CronJobs,
    HorizontalPodAutoscalers,
}

impl ResourceKind {
    /// The kinds a cluster serves that the model always holds none of (a fresh kubeadm
    /// cluster has no volumes, storage classes, ingresses, network policies, cron jobs or
    /// autoscalers).
    pub const EMPTY: [Self; 7] = [
        Self::PersistentVolumes,
        Self::PersistentVolumeClaims,
        Self::StorageClasses,
        Self::Ingresses,
        Self::NetworkPolicies,
        Self::CronJobs,
        Self::HorizontalPodAutoscalers,
    ];

    pub const ALL: [Self; 9] = [
        Self::Nodes,
        Self::Pods,
        Self::Pdbs,
        Self::Deployments,
        Self::ReplicaSets,
        Self::DaemonSets,
        Self::StatefulSets,
        Self::Jobs,
        Self::Namespaces,
    ];

    /// A resource word as kubectl takes it (plural, singular, short name, `kind.group`).
    pub fn parse(word: &str) -> Option<Self> {
        let w = word.to_ascii_lowercase();
        let w = w.split('.').next().unwrap_or_default().to_string();
        Some(match w.as_str() {
            "node" | "nodes" | "no" => Self::Nodes,
            "pod" | "pods" | "po" => Self::Pods,
            "pdb" | "pdbs" | "poddisruptionbudget" | "poddisruptionbudgets" => Self::Pdbs,
            "deployment" | "deployments" | "deploy" => Self::Deployments,
            "replicaset" | "replicasets" | "rs" => Self::ReplicaSets,
            "daemonset" | "daemonsets" | "ds" => Self::DaemonSets,
            "statefulset" | "statefulsets" | "sts" => Self::StatefulSets,
            "job" | "jobs" => Self::Jobs,
            "namespace" | "namespaces" | "ns" => Self::Namespaces,
            "configmap" | "configmaps" | "cm" => Self::ConfigMaps,
            "secret" | "secrets" => Self::Secrets,
            "serviceaccount" | "serviceaccounts" | "sa" => Self::ServiceAccounts,
            "service" | "services" | "svc" => Self::Services,
            "endpoints" | "ep" => Self::Endpoints,
            "endpointslice" | "endpointslices" => Self::EndpointSlices,
            "lease" | "leases" => Self::Leases,
            "event" | "events" | "ev" => Self::Events,
            "priorityclass" | "priorityclasses" | "pc" => Self::PriorityClasses,
            "persistentvolume" | "persistentvolumes" | "pv" => Self::PersistentVolumes,
            "persistentvolumeclaim" | "persistentvolumeclaims" | "pvc" => Self::PersistentVolumeClaims,
            "storageclass" | "storageclasses" | "sc" => Self::StorageClasses,
            "ingress" | "ingresses" | "ing" => Self::Ingresses,
            "networkpolicy" | "networkpolicies" | "netpol" => Self::NetworkPolicies,
            "cronjob" | "cronjobs" | "cj" => Self::CronJobs,
            "horizontalpodautoscaler" | "horizontalpodautoscalers" | "hpa" => Self::HorizontalPodAutoscalers,
            _ => return None,
        })
    }

    /// The plural resource with its group (`deployments.apps`), as NotFound errors name it.
    pub fn api_name(self) -> &'static str {
        match self {
            Self::Nodes => "nodes",
            Self::Pods => "pods",
            Self::Pdbs => "poddisruptionbudgets.policy",
            Self::Deployments => "deployments.apps",
            Self::ReplicaSets => "replicasets.apps",
            Self::DaemonSets => "daemonsets.apps",
            Self::StatefulSets => "statefulsets.apps",
            Self::Jobs => "jobs.batch",
            Self::Namespaces => "namespaces",
            Self::ConfigMaps => "configmaps",
            Self::Secrets => "secrets",
            Self::ServiceAccounts => "serviceaccounts",
            Self::Services => "services",
            Self::Endpoints => "endpoints",
            Self::EndpointSlices => "endpointslices.discovery.k8s.io",
            Self::Leases => "leases.coordination.k8s.io",
            Self::Events => "events",
            Self::PriorityClasses => "priorityclasses.scheduling.k8s.io",
            Self::PersistentVolumes => "persistentvolumes",
            Self::PersistentVolumeClaims => "persistentvolumeclaims",
            Self::StorageClasses => "storageclasses.storage.k8s.io",
            Self::Ingresses => "ingresses.networking.k8s.io",
            Self::NetworkPolicies => "networkpolicies.networking.k8s.io",
            Self::CronJobs => "cronjobs.batch",
            Self::HorizontalPodAutoscalers => "horizontalpodautoscalers.autoscaling",
        }
    }

    /// The lower-case `kind.group` kubectl prints before a name (`deployment.apps/web`).
    pub fn kind_group(self) -> &'static str {
        match self {
            Self::Nodes => "node",
            Self::Pods => "pod",
            Self::Pdbs => "poddisruptionbudget.policy",
            Self::Deployments => "deployment.apps",
            Self::ReplicaSets => "replicaset.apps",
            Self::DaemonSets => "daemonset.apps",
            Self::StatefulSets => "statefulset.apps",
            Self::Jobs => "job.batch",
            Self::Namespaces => "namespace",
            Self::ConfigMaps => "configmap",
            Self::Secrets => "secret",
            Self::ServiceAccounts => "serviceaccount",
            Self::Services => "service",
            Self::Endpoints => "endpoints",
            Self::EndpointSlices => "endpointslice.discovery.k8s.io",
            Self::Leases => "lease.coordination.k8s.io",
            Self::Events => "event",
            Self::PriorityClasses => "priorityclass.scheduling.k8s.io",
            Self::PersistentVolumes => "persistentvolume",
            Self::PersistentVolumeClaims => "persistentvolumeclaim",
            Self::StorageClasses => "storageclass.storage.k8s.io",
            Self::Ingresses => "ingress.networking.k8s.io",
            Self::NetworkPolicies => "networkpolicy.networking.k8s.io",
            Self::CronJobs => "cronjob.batch",
            Self::HorizontalPodAutoscalers => "horizontalpodautoscaler.autoscaling",
        }
    }

    /// The resource of a `kind:` (`Deployment` → deployments).
    pub fn from_kind(kind: &str) -> Option<Self> {
        Some(match kind {
            "Node" => Self::Nodes,
            "Pod" => Self::Pods,
            "PodDisruptionBudget" => Self::Pdbs,
            "Deployment" => Self::Deployments,
            "ReplicaSet" => Self::ReplicaSets,
            "DaemonSet" => Self::DaemonSets,
            "StatefulSet" => Self::StatefulSets,
            "Job" => Self::Jobs,
            "Namespace" => Self::Namespaces,
            "ConfigMap" => Self::ConfigMaps,
            "Secret" => Self::Secrets,
            "ServiceAccount" => Self::ServiceAccounts,
            "Service" => Self::Services,
            "Endpoints" => Self::Endpoints,
            "EndpointSlice" => Self::EndpointSlices,
            "Lease" => Self::Leases,
            "Event" => Self::Events,
            "PriorityClass" => Self::PriorityClasses,
            "PersistentVolume" => Self::PersistentVolumes,
            "PersistentVolumeClaim" => Self::PersistentVolumeClaims,
            "StorageClass" => Self::StorageClasses,
            "Ingress" => Self::Ingresses,
            "NetworkPolicy" => Self::NetworkPolicies,
            "CronJob" => Self::CronJobs,
            "HorizontalPodAutoscaler" => Self::HorizontalPodAutoscalers,
            _ => return None,
        })
    }

    /// Kinds the API can create, change and delete in the model.
    pub fn writable(self) -> bool {
        self.stored() || self.is_modelled_workload()
    }

    /// Kinds kept whole in the object store (defaults rendered, changes stored).
    pub fn stored(self) -> bool {
        matches!(
            self,
            Self::ConfigMaps | Self::Secrets | Self::ServiceAccounts | Self::Services | Self::PriorityClasses
        )
    }

    /// The group/version the API server serves the kind at (the newest).
    pub fn group_version(self) -> &'static str {
        match self {
            Self::Pdbs => "policy/v1",
            Self::Deployments | Self::ReplicaSets | Self::DaemonSets | Self::StatefulSets => "apps/v1",
            Self::Jobs | Self::CronJobs => "batch/v1",
            Self::EndpointSlices => "discovery.k8s.io/v1",
            Self::Leases => "coordination.k8s.io/v1",
            Self::PriorityClasses => "scheduling.k8s.io/v1",
            Self::StorageClasses => "storage.k8s.io/v1",
            Self::Ingresses | Self::NetworkPolicies => "networking.k8s.io/v1",
            Self::HorizontalPodAutoscalers => "autoscaling/v2",
            _ => "v1",
        }
    }

    /// The group/version and resource as client-go prints a `GroupVersionResource`
    /// (`apps/v1, Resource=deployments`).
    pub fn gvr(self) -> String {
        let resource = self.api_name().split('.').next().unwrap_or_default();
        let gv = self.group_version();
        if gv.contains('/') {
            format!("{gv}, Resource={resource}")
        } else {
            format!("/{gv}, Resource={resource}")
        }
    }

    pub fn namespaced(self) -> bool {
        !matches!(
            self,
            Self::Nodes | Self::Namespaces | Self::PriorityClasses | Self::PersistentVolumes | Self::StorageClasses
        )
    }

    /// Nodes, pods, namespaces, budgets and controllers: the kinds the compact model holds.
    fn is_modelled_workload(self) -> bool {
        matches!(
            self,
            Self::Nodes
                | Self::Pods
                | Self::Pdbs
                | Self::Deployments
                | Self::ReplicaSets
                | Self::DaemonSets
                | Self::StatefulSets
                | Self::Jobs
                | Self::Namespaces
        )
    }

    fn workload_kind(self) -> Option<WorkloadKind> {
        Some(match self {
            Self::Deployments => WorkloadKind::Deployment,
            Self::ReplicaSets => WorkloadKind::ReplicaSet,
            Self::DaemonSets => WorkloadKind::DaemonSet,
            Self::StatefulSets => WorkloadKind::StatefulSet,
            Self::Jobs => WorkloadKind::Job,
            _ => return None,
        })
    }
}

/// One whole API object of a modelled kind. Serializes with its `apiVersion` and `kind`, as
/// the API server sends it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
// Objects are rendered one at a time for a reply and never stored in bulk, so the size spread
// between kinds costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
pub enum ApiObject {
    Node(core::Node),
    Pod(core::Pod),
    Namespace(core::Namespace),
    Deployment(apps::Deployment),
    ReplicaSet(apps::ReplicaSet),
    DaemonSet(apps::DaemonSet),
    StatefulSet(apps::StatefulSet),
    Job(batch::Job),
    PodDisruptionBudget(policy::PodDisruptionBudget),
    ConfigMap(core::ConfigMap),
    Secret(core::Secret),
    ServiceAccount(core::ServiceAccount),
    Service(core::Service),
    Endpoints(core::Endpoints),
    EndpointSlice(k8s_openapi::api::discovery::v1::EndpointSlice),
    Lease(k8s_openapi::api::coordination::v1::Lease),
    Event(core::Event),
    PriorityClass(k8s_openapi::api::scheduling::v1::PriorityClass),
}

impl ApiObject {
    /// The object as JSON, `apiVersion` and `kind` included.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            Self::Node(o) => &o.metadata,
            Self::Pod(o) => &o.metadata,
            Self::Namespace(o) => &o.metadata,
            Self::Deployment(o) => &o.metadata,
            Self::ReplicaSet(o) => &o.metadata,
            Self::DaemonSet(o) => &o.metadata,
            Self::StatefulSet(o) => &o.metadata,
            Self::Job(o) => &o.metadata,
            Self::PodDisruptionBudget(o) => &o.metadata,
            Self::ConfigMap(o) => &o.metadata,
            Self::Secret(o) => &o.metadata,
            Self::ServiceAccount(o) => &o.metadata,
            Self::Service(o) => &o.metadata,
            Self::Endpoints(o) => &o.metadata,
            Self::EndpointSlice(o) => &o.metadata,
            Self::Lease(o) => &o.metadata,
            Self::Event(o) => &o.metadata,
            Self::PriorityClass(o) => &o.metadata,
        }
    }

    /// An object of a stored kind back from its JSON (`kind` says which).
    pub fn from_json(v: serde_json::Value) -> Option<Self> {
        let kind = v.get("kind")?.as_str()?.to_string();
        Some(match kind.as_str() {
            "ConfigMap" => Self::ConfigMap(serde_json::from_value(v).ok()?),
            "Secret" => Self::Secret(serde_json::from_value(v).ok()?),
            "ServiceAccount" => Self::ServiceAccount(serde_json::from_value(v).ok()?),
            "Service" => Self::Service(serde_json::from_value(v).ok()?),
            "PriorityClass" => Self::PriorityClass(serde_json::from_value(v).ok()?),
            _ => return None,
        })
    }
}

/// `metadata.creationTimestamp` as the API server writes it (RFC 3339, seconds), on the
/// default date.
pub fn timestamp(t: SimTime) -> Time {
    timestamp_at(crate::time::WALL_EPOCH_S, t)
}

/// A timestamp on the cluster's own calendar (`cluster.date`).
pub fn stamp(c: &Cluster, t: SimTime) -> Time {
    timestamp_at(c.epoch_s, t)
}

/// A timestamp when virtual time 0 is `epoch_s`.
pub fn timestamp_at(epoch_s: u64, t: SimTime) -> Time {
    let w = t.wall_clock_with(epoch_s);
    let text = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        w.year, w.month, w.day, w.hour, w.minute, w.second
    );
    Time(text.parse().unwrap_or_default())
}

fn uid(kind: u8, n: u64) -> String {
    format!("00000000-0000-4{kind:03x}-8000-{n:012x}")
}

/// A selector as `metav1.FormatLabelSelector` writes it (`app=web,tier in (a,b)`; `<none>`
/// for none): what `describe` and the API server's table printers show.
pub fn format_label_selector(s: Option<&LabelSelector>) -> String {
    let Some(s) = s else {
        return "<none>".into();
    };
    let mut parts: Vec<String> = s
        .match_labels
        .iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    for e in s.match_expressions.iter().flatten() {
        let values = e.values.clone().unwrap_or_default().join(",");
        parts.push(match e.operator.as_str() {
            "In" => format!("{} in ({values})", e.key),
            "NotIn" => format!("{} notin ({values})", e.key),
            "Exists" => e.key.clone(),
            "DoesNotExist" => format!("!{}", e.key),
            op => format!("{} {op} ({values})", e.key),
        });
    }
    if parts.is_empty() {
        "<none>".into()
    } else {
        parts.join(",")
    }
}

/// A selector in the API form: equalities as `matchLabels`, the rest as `matchExpressions`.
pub fn label_selector(s: &Selector) -> LabelSelector {
    use crate::model::labels::Op;
    let mut labels = BTreeMap::new();
    let mut exprs = Vec::new();
    for r in &s.requirements {
        let op = match r.op {
            Op::Eq => {
                labels.insert(r.key.clone(), r.values.first().cloned().unwrap_or_default());
                continue;
            }
            Op::NotEq | Op::NotIn => "NotIn",
            Op::In => "In",
            Op::Exists => "Exists",
            Op::DoesNotExist => "DoesNotExist",
        };
        exprs.push(LabelSelectorRequirement {
            key: r.key.clone(),
            operator: op.into(),
            values: (!r.values.is_empty()).then(|| r.values.clone()),
        });
    }
    LabelSelector {
        match_labels: (!labels.is_empty()).then_some(labels),
        match_expressions: (!exprs.is_empty()).then_some(exprs),
    }
}

fn pod_template(template: &PodTemplate, labels: &Labels) -> core::PodTemplateSpec {
    core::PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: (!labels.is_empty()).then(|| labels.clone()),
            annotations: (!template.annotations.is_empty()).then(|| template.annotations.clone()),
            ..Default::default()
        }),
        spec: Some((*template.spec).clone()),
    }
}

fn workload_meta(c: &Cluster, id: WorkloadId) -> ObjectMeta {
    let w = c.workload(id);
    let owner_references = w.parent.map(|p| {
        let d = c.workload(p);
        vec![OwnerReference {
            api_version: "apps/v1".into(),
            kind: d.kind.as_str().into(),
            name: d.name.to_string(),
            uid: uid(1, u64::from(p.0)),
            controller: Some(true),
            block_owner_deletion: Some(true),
        }]
    });
    ObjectMeta {
        name: Some(w.name.to_string()),
        namespace: Some(w.namespace.to_string()),
        uid: Some(uid(1, u64::from(id.0))),
        labels: match &w.meta.labels {
            Some(l) => (!l.is_empty()).then(|| l.clone()),
            None => (!w.template.labels.is_empty()).then(|| w.template.labels.clone()),
        },
        annotations: (!w.meta.annotations.is_empty()).then(|| w.meta.annotations.clone()),
        creation_timestamp: Some(stamp(c, w.created_at)),
        generation: Some(1),
        owner_references,
        ..Default::default()
    }
}

/// Counts over a controller's current pods: (existing, ready, available).
fn pod_counts(c: &Cluster, id: WorkloadId) -> (i32, i32) {
    let w = c.workload(id);
    let target = if w.kind == WorkloadKind::Deployment {
        w.child.unwrap_or(id)
    } else {
        id
    };
    let (mut total, mut ready) = (0, 0);
    // A count: slot order will do, and a rollout status polls this every second.
    for (_, p) in c.pods_any_order().filter(|(_, p)| p.namespace == w.namespace) {
        let owned = match p.owner {
            Owner::ReplicaSet(o) | Owner::StatefulSet(o, _) | Owner::DaemonSet(o) | Owner::Job(o) => o == target,
            _ => false,
        };
        if owned && !p.is_terminating() && !p.is_finished() {
            total += 1;
            ready += i32::from(p.ready);
        }
    }
    (total, ready)
}

fn nonzero(n: i32) -> Option<i32> {
    (n != 0).then_some(n)
}

/// A controller whole (Deployment, ReplicaSet, DaemonSet, StatefulSet, Job), with the
/// defaults the API server fills in and the status its controller keeps.
pub fn workload_object(c: &Cluster, id: WorkloadId) -> ApiObject {
    let w = c.workload(id);
    let mut metadata = workload_meta(c, id);
    let selector = label_selector(&w.selector);
    let mut template = pod_template(&w.template, &w.pod_labels);
    // The controller stamps these on the pods it makes; its own template has none of them
    // (a client reading the template back and writing it, as `kubectl apply` does, must not
    // see them).
    if matches!(w.kind, WorkloadKind::DaemonSet | WorkloadKind::StatefulSet)
        && let Some(l) = template.metadata.as_mut().and_then(|m| m.labels.as_mut())
    {
        l.remove("controller-revision-hash");
        l.remove("pod-template-generation");
    }
    if let Some(spec) = template.spec.as_mut() {
        default_pod_spec(spec);
        spec.node_name = None;
    }
    let replicas = w.replicas as i32;
    let (total, ready) = pod_counts(c, id);
    let since = stamp(c, w.created_at);
    let cond = |ty: &str, status: bool, reason: &str, message: String| apps::DeploymentCondition {
        type_: Some(ty.into()),
        status: Some(if status { "True" } else { "False" }.into()),
        reason: Some(reason.into()),
        message: Some(message),
        last_transition_time: Some(since.clone()),
        last_update_time: Some(since.clone()),
    };
    let rev = w.parent.map_or(w.meta.revision, |d| c.workload(d).meta.revision).max(1);
    let revision = |m: &mut ObjectMeta, extra: &[(&str, String)]| {
        let a = m.annotations.get_or_insert_with(BTreeMap::new);
        a.insert("deployment.kubernetes.io/revision".into(), rev.to_string());
        for (k, v) in extra {
            a.insert((*k).into(), v.clone());
        }
    };
    let percent = |p: &str| Some(IntOrString::String(p.into()));
    match w.kind {
        WorkloadKind::Deployment => {
            revision(&mut metadata, &[]);
            let rs_name = w.child.map(|rs| c.workload(rs).name.to_string()).unwrap_or_default();
            ApiObject::Deployment(apps::Deployment {
                metadata,
                spec: apps::DeploymentSpec {
                    paused: w.meta.paused.then_some(true),
                    replicas: Some(replicas),
                    selector,
                    template,
                    progress_deadline_seconds: Some(600),
                    revision_history_limit: Some(10),
                    strategy: Some(apps::DeploymentStrategy {
                        type_: Some("RollingUpdate".into()),
                        rolling_update: Some(apps::RollingUpdateDeployment {
                            max_surge: percent("25%"),
                            max_unavailable: percent("25%"),
                        }),
                    }),
                    ..Default::default()
                },
                status: Some(apps::DeploymentStatus {
                    observed_generation: Some(1),
                    replicas: nonzero(total),
                    updated_replicas: nonzero(total),
                    ready_replicas: nonzero(ready),
                    available_replicas: nonzero(ready),
                    unavailable_replicas: nonzero((replicas - ready).max(0)),
                    conditions: Some(vec![
                        if ready >= replicas {
                            cond(
                                "Available",
                                true,
                                "MinimumReplicasAvailable",
                                "Deployment has minimum availability.".into(),
                            )
                        } else {
                            cond(
                                "Available",
                                false,
                                "MinimumReplicasUnavailable",
                                "Deployment does not have minimum availability.".into(),
                            )
                        },
                        cond(
                            "Progressing",
                            true,
                            "NewReplicaSetAvailable",
                            format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
                        ),
                    ]),
                    ..Default::default()
                }),
            })
        }
        WorkloadKind::ReplicaSet => {
            if w.parent.is_some() {
                let surge = replicas + (replicas + 3) / 4;
                revision(
                    &mut metadata,
                    &[
                        ("deployment.kubernetes.io/desired-replicas", replicas.to_string()),
                        ("deployment.kubernetes.io/max-replicas", surge.to_string()),
                    ],
                );
                metadata.labels = Some((*w.pod_labels).clone());
            }
            ApiObject::ReplicaSet(apps::ReplicaSet {
                metadata,
                spec: apps::ReplicaSetSpec {
                    replicas: Some(replicas),
                    selector,
                    template: Some(template),
                    ..Default::default()
                },
                status: Some(apps::ReplicaSetStatus {
                    observed_generation: Some(1),
                    replicas: total,
                    fully_labeled_replicas: nonzero(total),
                    ready_replicas: nonzero(ready),
                    available_replicas: nonzero(ready),
                    ..Default::default()
                }),
            })
        }
        WorkloadKind::DaemonSet => {
            let a = metadata.annotations.get_or_insert_with(BTreeMap::new);
            a.insert("deprecated.daemonset.template.generation".into(), "1".into());
            ApiObject::DaemonSet(apps::DaemonSet {
                metadata,
                spec: apps::DaemonSetSpec {
                    selector,
                    template,
                    revision_history_limit: Some(10),
                    update_strategy: Some(apps::DaemonSetUpdateStrategy {
                        type_: Some("RollingUpdate".into()),
                        rolling_update: Some(apps::RollingUpdateDaemonSet {
                            max_surge: Some(IntOrString::Int(0)),
                            max_unavailable: Some(IntOrString::Int(1)),
                        }),
                    }),
                    ..Default::default()
                },
                status: Some(apps::DaemonSetStatus {
                    observed_generation: Some(1),
                    current_number_scheduled: total,
                    desired_number_scheduled: w.per_node.len() as i32,
                    number_misscheduled: 0,
                    number_ready: ready,
                    number_available: nonzero(ready),
                    updated_number_scheduled: nonzero(total),
                    ..Default::default()
                }),
            })
        }
        WorkloadKind::StatefulSet => ApiObject::StatefulSet(apps::StatefulSet {
            metadata,
            spec: apps::StatefulSetSpec {
                replicas: Some(replicas),
                selector,
                service_name: Some(w.name.to_string()),
                template,
                pod_management_policy: Some("OrderedReady".into()),
                revision_history_limit: Some(10),
                update_strategy: Some(apps::StatefulSetUpdateStrategy {
                    type_: Some("RollingUpdate".into()),
                    rolling_update: Some(apps::RollingUpdateStatefulSetStrategy {
                        partition: Some(0),
                        ..Default::default()
                    }),
                }),
                persistent_volume_claim_retention_policy: (c.version.minor >= 27).then(|| {
                    apps::StatefulSetPersistentVolumeClaimRetentionPolicy {
                        when_deleted: Some("Retain".into()),
                        when_scaled: Some("Retain".into()),
                    }
                }),
                ..Default::default()
            },
            status: Some(apps::StatefulSetStatus {
                observed_generation: Some(1),
                replicas: total,
                current_replicas: nonzero(total),
                updated_replicas: nonzero(total),
                ready_replicas: nonzero(ready),
                available_replicas: nonzero(ready),
                ..Default::default()
            }),
        }),
        WorkloadKind::Job => {
            let done = w.succeeded >= w.replicas;
            let finished_at = w.created_at + crate::time::SimDuration::from_ms(w.template.start_ms + w.template.run_ms);
            ApiObject::Job(batch::Job {
                metadata,
                spec: Some(batch::JobSpec {
                    completions: Some(replicas),
                    parallelism: Some(w.parallelism.max(1) as i32),
                    selector: Some(selector),
                    template,
                    backoff_limit: Some(6),
                    completion_mode: Some("NonIndexed".into()),
                    suspend: Some(false),
                    ..Default::default()
                }),
                status: Some(batch::JobStatus {
                    active: nonzero(total),
                    ready: Some(ready),
                    succeeded: nonzero(w.succeeded as i32),
                    start_time: Some(since.clone()),
                    completion_time: done.then(|| stamp(c, finished_at)),
                    conditions: done.then(|| {
                        vec![batch::JobCondition {
                            type_: "Complete".into(),
                            status: "True".into(),
                            last_probe_time: Some(stamp(c, finished_at)),
                            last_transition_time: Some(stamp(c, finished_at)),
                            ..Default::default()
                        }]
                    }),
                    ..Default::default()
                }),
            })
        }
    }
}

fn int_or_string(v: IntOrPercent) -> IntOrString {
    match v {
        IntOrPercent::Int(n) => IntOrString::Int(n as i32),
        IntOrPercent::Percent(p) => IntOrString::String(format!("{p}%")),
    }
}

/// A PodDisruptionBudget whole, its status as the disruption controller keeps it.
pub fn pdb_object(c: &Cluster, id: PdbId) -> policy::PodDisruptionBudget {
    let b = c.pdb(id);
    let s = c.pdb_status(id);
    policy::PodDisruptionBudget {
        metadata: ObjectMeta {
            name: Some(b.name.to_string()),
            namespace: Some(b.namespace.to_string()),
            uid: Some(uid(2, u64::from(id.0))),
            creation_timestamp: Some(stamp(c, b.created_at)),
            generation: Some(1),
            ..Default::default()
        },
        spec: Some(policy::PodDisruptionBudgetSpec {
            min_available: b.min_available.map(int_or_string),
            max_unavailable: b.max_unavailable.map(int_or_string),
            selector: Some(b.selector.as_ref().map(label_selector).unwrap_or_default()),
            unhealthy_pod_eviction_policy: (b.unhealthy_policy == UnhealthyPodEvictionPolicy::AlwaysAllow)
                .then(|| "AlwaysAllow".to_string()),
        }),
        status: Some(policy::PodDisruptionBudgetStatus {
            current_healthy: Some(s.current_healthy as i32),
            desired_healthy: Some(s.desired_healthy as i32),
            disruptions_allowed: Some(s.disruptions_allowed as i32),
            expected_pods: Some(s.expected as i32),
            observed_generation: Some(1),
            ..Default::default()
        }),
    }
}

fn namespace_object(name: &str) -> core::Namespace {
    let mut labels = BTreeMap::new();
    labels.insert("kubernetes.io/metadata.name".to_string(), name.to_string());
    core::Namespace {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: Some(labels),
            ..Default::default()
        },
        spec: Some(core::NamespaceSpec {
            finalizers: Some(vec!["kubernetes".into()]),
        }),
        status: Some(core::NamespaceStatus {
            phase: Some("Active".into()),
            ..Default::default()
        }),
    }
}

/// `GET` one object of a kind by namespace and name.
pub fn get(c: &Cluster, kind: ResourceKind, namespace: Option<&str>, name: &str) -> Result<ApiObject, ApiError> {
    get_at(c, kind, namespace, name, SimTime::ZERO)
}

/// `GET` at virtual time `now` (leases renew with it).
pub fn get_at(
    c: &Cluster,
    kind: ResourceKind,
    namespace: Option<&str>,
    name: &str,
    now: SimTime,
) -> Result<ApiObject, ApiError> {
    let ns = namespace.unwrap_or("default");
    let found = match kind {
        k if !k.is_modelled_workload() => core_objects::list(c, k, now).into_iter().find(|o| {
            let m = o.metadata();
            m.name.as_deref() == Some(name) && (!k.namespaced() || m.namespace.as_deref() == Some(ns))
        }),
        ResourceKind::Nodes => c.node_id(name).map(|id| ApiObject::Node(node_object(c, id))),
        ResourceKind::Pods => c.pod_id(ns, name).and_then(|id| pod_object(c, id)).map(ApiObject::Pod),
        ResourceKind::Namespaces => c
            .has_namespace(name)
            .then(|| ApiObject::Namespace(namespace_object(name))),
        ResourceKind::Pdbs => c
            .pdb_ids()
            .into_iter()
            .find(|id| &*c.pdb(*id).namespace == ns && &*c.pdb(*id).name == name)
            .map(|id| ApiObject::PodDisruptionBudget(pdb_object(c, id))),
        _ => {
            let wk = kind.workload_kind().unwrap_or(WorkloadKind::Deployment);
            c.workload_id(wk, ns, name)
                .filter(|id| !c.workload(*id).deleted)
                .map(|id| workload_object(c, id))
        }
    };
    found.ok_or_else(|| ApiError::not_found(kind.api_name(), name))
}

/// The value a field selector compares for an object (`""` when the field is unset).
pub fn field_value(o: &ApiObject, field: &str) -> Option<String> {
    let m = o.metadata();
    match (o, field) {
        (_, "metadata.name") => m.name.clone(),
        (_, "metadata.namespace") => m.namespace.clone(),
        (ApiObject::Pod(p), "spec.nodeName") => Some(p.spec.as_ref()?.node_name.clone().unwrap_or_default()),
        (ApiObject::Pod(p), "status.phase") => p.status.as_ref()?.phase.clone(),
        (ApiObject::Node(n), "spec.unschedulable") => Some(n.spec.as_ref()?.unschedulable.unwrap_or(false).to_string()),
        (ApiObject::Namespace(n), "status.phase") => n.status.as_ref()?.phase.clone(),
        (ApiObject::Pod(p), "spec.restartPolicy") => p.spec.as_ref()?.restart_policy.clone(),
        (ApiObject::Pod(p), "spec.schedulerName") => Some(
            p.spec
                .as_ref()?
                .scheduler_name
                .clone()
                .unwrap_or_else(|| "default-scheduler".into()),
        ),
        (ApiObject::Pod(p), "spec.serviceAccountName") => Some(
            p.spec
                .as_ref()?
                .service_account_name
                .clone()
                .unwrap_or_else(|| "default".into()),
        ),
        (ApiObject::Pod(p), "spec.hostNetwork") => Some(p.spec.as_ref()?.host_network.unwrap_or(false).to_string()),
        (ApiObject::Pod(p), "status.podIP") => Some(p.status.as_ref()?.pod_ip.clone().unwrap_or_default()),
        (ApiObject::Job(j), "status.successful") => Some(j.status.as_ref()?.succeeded.unwrap_or(0).to_string()),
        (ApiObject::ReplicaSet(r), "status.replicas") => Some(r.status.as_ref()?.replicas.to_string()),
        (ApiObject::Secret(s), "type") => s.type_.clone(),
        (ApiObject::Event(e), "involvedObject.kind") => e.involved_object.kind.clone(),
        (ApiObject::Event(e), "involvedObject.name") => e.involved_object.name.clone(),
        (ApiObject::Event(e), "involvedObject.namespace") => e.involved_object.namespace.clone(),
        (ApiObject::Event(e), "involvedObject.apiVersion") => e.involved_object.api_version.clone(),
        (ApiObject::Event(e), "reason") => e.reason.clone(),
        (ApiObject::Event(e), "type") => e.type_.clone(),
        (ApiObject::Event(e), "source") => e.source.as_ref()?.component.clone(),
        _ => None,
    }
}

/// `LIST` a kind, filtered by namespace, labels and fields, in the API server's order.
pub fn list(c: &Cluster, kind: ResourceKind, opts: &ListOptions) -> Result<Vec<ApiObject>, ApiError> {
    list_at(c, kind, opts, SimTime::ZERO)
}

/// `LIST` at virtual time `now`.
pub fn list_at(c: &Cluster, kind: ResourceKind, opts: &ListOptions, now: SimTime) -> Result<Vec<ApiObject>, ApiError> {
    let all = |k| core_objects::list(c, k, now);
    filter_list(kind, all_of(c, kind, opts, all), opts)
}

/// Filters a listing by namespace, labels and fields, in the API server's order.
pub fn filter_list(
    kind: ResourceKind,
    mut out: Vec<ApiObject>,
    opts: &ListOptions,
) -> Result<Vec<ApiObject>, ApiError> {
    for (f, _) in opts.field_selector.iter().chain(&opts.field_selector_not) {
        check_field(kind, f)?;
    }
    out.retain(|o| {
        opts.namespace.is_none() || !kind.namespaced() || o.metadata().namespace.as_deref() == opts.namespace.as_deref()
    });
    out.retain(|o| {
        let m = o.metadata();
        let labels = m.labels.clone().unwrap_or_default();
        opts.label_selector.as_ref().is_none_or(|s| s.matches(&labels))
            && opts
                .field_selector
                .iter()
                .all(|(f, v)| field_value(o, f).as_deref().unwrap_or("") == v)
            && opts
                .field_selector_not
                .iter()
                .all(|(f, v)| field_value(o, f).as_deref().unwrap_or("") != v)
    });
    out.sort_by(|a, b| {
        let (ma, mb) = (a.metadata(), b.metadata());
        (&ma.namespace, &ma.name).cmp(&(&mb.namespace, &mb.name))
    });
    Ok(out)
}

fn all_of(
    c: &Cluster,
    kind: ResourceKind,
    opts: &ListOptions,
    others: impl Fn(ResourceKind) -> Vec<ApiObject>,
) -> Vec<ApiObject> {
    let ns_ok = |ns: &str| opts.namespace.as_deref().is_none_or(|want| want == ns) || !kind.namespaced();
    match kind {
        k if !k.is_modelled_workload() => others(k),
        ResourceKind::Nodes => c.node_ids().map(|id| ApiObject::Node(node_object(c, id))).collect(),
        ResourceKind::Namespaces => c
            .namespaces()
            .map(|n| ApiObject::Namespace(namespace_object(n)))
            .collect(),
        ResourceKind::Pods => {
            let mut ids: Vec<(&Pod, PodId)> = c
                .pods_ordered()
                .filter(|(_, p)| ns_ok(&p.namespace))
                .map(|(id, p)| (p, id))
                .collect();
            ids.sort_by(|a, b| (&a.0.namespace, &a.0.name).cmp(&(&b.0.namespace, &b.0.name)));
            ids.into_iter()
                .filter_map(|(_, id)| pod_object(c, id).map(ApiObject::Pod))
                .collect()
        }
        ResourceKind::Pdbs => c
            .pdb_ids()
            .into_iter()
            .filter(|id| ns_ok(&c.pdb(*id).namespace))
            .map(|id| ApiObject::PodDisruptionBudget(pdb_object(c, id)))
            .collect(),
        _ => {
            let wk = kind.workload_kind().unwrap_or(WorkloadKind::Deployment);
            c.workloads_of(wk)
                .filter(|(_, w)| !w.deleted && ns_ok(&w.namespace))
                .map(|(id, _)| workload_object(c, id))
                .collect()
        }
    }
}

/// Whether the API server lets a list of `kind` select on `field`; its 400 answer otherwise.
/// Kinds with field label conversions of their own (pods, nodes, namespaces) answer `field
/// label not supported`; the others get the generic metadata-only conversion's message.
pub fn check_field(kind: ResourceKind, field: &str) -> Result<(), ApiError> {
    if matches!(field, "metadata.name" | "metadata.namespace") || supported_field(kind, field) {
        return Ok(());
    }
    let message = match kind {
        ResourceKind::Pods
        | ResourceKind::Nodes
        | ResourceKind::Namespaces
        | ResourceKind::Events
        | ResourceKind::Secrets => format!("field label not supported: {field}"),
        _ => format!("\"{field}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""),
    };
    Err(ApiError::new(400, message))
}

/// The fields beyond `metadata.*` the API server lets a list select on, by kind.
fn supported_field(kind: ResourceKind, field: &str) -> bool {
    match kind {
        ResourceKind::Pods => matches!(
            field,
            "spec.nodeName"
                | "status.phase"
                | "spec.restartPolicy"
                | "spec.schedulerName"
                | "spec.serviceAccountName"
                | "spec.hostNetwork"
                | "status.podIP"
                | "status.podIPs"
                | "status.nominatedNodeName"
        ),
        ResourceKind::Nodes => field == "spec.unschedulable",
        ResourceKind::Namespaces => field == "status.phase",
        ResourceKind::Jobs => field == "status.successful",
        ResourceKind::Secrets => field == "type",
        ResourceKind::Events => matches!(
            field,
            "involvedObject.kind"
                | "involvedObject.namespace"
                | "involvedObject.name"
                | "involvedObject.uid"
                | "involvedObject.apiVersion"
                | "involvedObject.resourceVersion"
                | "involvedObject.fieldPath"
                | "reason"
                | "reportingComponent"
                | "source"
                | "type"
        ),
        ResourceKind::ReplicaSets => field == "status.replicas",
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_objects_serialize_with_api_version_and_kind() {
        let o = ApiObject::Namespace(namespace_object("shop"));
        let v = o.to_json();
        assert_eq!(v["apiVersion"], "v1");
        assert_eq!(v["kind"], "Namespace");
        assert_eq!(v["metadata"]["name"], "shop");
    }

    #[test]
    fn selectors_split_into_match_labels_and_expressions() {
        let s = Selector::parse("app=web,tier!=db,env in (a,b)").expect("selector");
        let api = label_selector(&s);
        assert_eq!(
            api.match_labels.as_ref().and_then(|m| m.get("app")).map(String::as_str),
            Some("web")
        );
        let ops: Vec<&str> = api
            .match_expressions
            .iter()
            .flatten()
            .map(|e| e.operator.as_str())
            .collect();
        assert_eq!(ops, ["NotIn", "In"]);
    }

    #[test]
    fn timestamps_are_rfc3339_seconds() {
        let t = timestamp(SimTime(0));
        let v = serde_json::to_value(&t).expect("time");
        let s = v.as_str().expect("string");
        assert!(s.ends_with('Z') && s.len() == 20, "{s}");
    }
}
