//! The simulator's model as the API objects a real API server returns (k8s-openapi types),
//! with the metadata and status fields kubectl's printers and describers read: timestamps,
//! uids, resourceVersions, conditions, container statuses, controller status counts.

use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::batch::v1 as batch;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::policy::v1 as policy;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, OwnerReference, Time};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kubedrill_sim::Sim;
use kubedrill_sim::model::pdb::IntOrPercent;
use kubedrill_sim::model::*;
use kubedrill_sim::time::SimTime;
use std::collections::BTreeMap;

/// A virtual instant as an API timestamp (whole seconds, as the API server stores them).
pub fn time(t: SimTime) -> Time {
    let secs = (t.wall_nanos() / 1_000_000_000) as i64;
    Time(k8s_openapi::jiff::Timestamp::from_second(secs).unwrap_or_default())
}

/// The uid an object keeps for its life: derived from a stable number per kind.
fn uid(kind: u8, n: u64) -> String {
    format!("{kind:02x}000000-0000-4000-8000-{n:012x}")
}

fn meta(name: &str, namespace: Option<&str>, created: SimTime, rv: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: namespace.map(str::to_string),
        creation_timestamp: Some(time(created)),
        resource_version: Some(rv.to_string()),
        ..Default::default()
    }
}

fn non_empty(labels: &Labels) -> Option<BTreeMap<String, String>> {
    (!labels.is_empty()).then(|| labels.clone())
}

pub fn node(sim: &Sim, id: NodeId, rv: &str) -> core::Node {
    let n = sim.cluster().node(id);
    let mut obj = kubedrill_sim::api::node_object(sim, id);
    let mut m = meta(&n.name, None, n.created_at, rv);
    m.labels = obj.metadata.labels.take();
    m.uid = Some(uid(1, u64::from(id.0)));
    m.annotations = Some(BTreeMap::from([(
        "node.alpha.kubernetes.io/ttl".to_string(),
        "0".to_string(),
    )]));
    obj.metadata = m;
    if let Some(spec) = obj.spec.as_mut() {
        spec.pod_cidr = Some(format!("10.244.{}.0/24", id.0 % 250 + 1));
    }
    if let Some(status) = obj.status.as_mut() {
        let heartbeat = time(n.silent_since.unwrap_or_else(|| sim.now()));
        let pressure = |type_: &str, reason: &str, message: &str| core::NodeCondition {
            type_: type_.into(),
            status: if n.ready == ReadyStatus::Unknown {
                "Unknown".into()
            } else {
                "False".into()
            },
            reason: Some(reason.into()),
            message: Some(message.into()),
            last_heartbeat_time: Some(heartbeat.clone()),
            last_transition_time: Some(time(n.created_at)),
        };
        let (ready_reason, ready_message) = match n.ready {
            ReadyStatus::True => ("KubeletReady", "kubelet is posting ready status"),
            ReadyStatus::False => ("KubeletNotReady", "container runtime is down"),
            ReadyStatus::Unknown => ("NodeStatusUnknown", "Kubelet stopped posting node status."),
        };
        let mut conditions = vec![
            pressure(
                "MemoryPressure",
                "KubeletHasSufficientMemory",
                "kubelet has sufficient memory available",
            ),
            pressure(
                "DiskPressure",
                "KubeletHasNoDiskPressure",
                "kubelet has no disk pressure",
            ),
            pressure(
                "PIDPressure",
                "KubeletHasSufficientPID",
                "kubelet has sufficient PID available",
            ),
        ];
        let mut ready = status.conditions.take().unwrap_or_default();
        for c in &mut ready {
            c.reason = Some(ready_reason.into());
            c.message = Some(ready_message.into());
            c.last_heartbeat_time = Some(heartbeat.clone());
            c.last_transition_time = Some(time(n.silent_since.unwrap_or(n.created_at)));
        }
        conditions.extend(ready);
        status.conditions = Some(conditions);
        if let Some(info) = status.node_info.as_mut() {
            info.machine_id = format!("{:032x}", u64::from(id.0) + 1);
            info.system_uuid = uid(9, u64::from(id.0));
            info.boot_id = uid(8, n.lifecycle_gen + u64::from(id.0) * 1000);
        }
    }
    obj
}

pub fn pod_ip(sim: &Sim, pod: &Pod) -> Option<String> {
    let node = pod.node?;
    if pod.phase == Phase::Pending {
        return None;
    }
    if pod.template.spec.host_network == Some(true) {
        return Some(sim.cluster().node(node).internal_ip.clone());
    }
    Some(format!("10.244.{}.{}", node.0 % 250 + 1, 2 + pod.uid % 250))
}

pub fn pod(sim: &Sim, id: PodId, rv: &str) -> Option<core::Pod> {
    let c = sim.cluster();
    let p = c.pod(id)?;
    let mut obj = kubedrill_sim::api::pod_object(sim, id)?;
    let mut m = meta(&p.name, Some(&p.namespace), p.created_at, rv);
    m.uid = obj.metadata.uid.take();
    m.labels = obj.metadata.labels.take();
    m.annotations = obj.metadata.annotations.take();
    m.owner_references = obj.metadata.owner_references.take();
    if let Some(owners) = m.owner_references.as_mut() {
        for o in owners.iter_mut() {
            o.uid = owner_uid(sim, p.owner);
        }
    }
    if let Some(d) = p.deletion {
        m.deletion_timestamp = Some(time(SimTime(d.at.ms() + d.grace_seconds * 1000)));
        m.deletion_grace_period_seconds = Some(d.grace_seconds as i64);
    }
    if m.owner_references.is_some() && !p.is_mirror() {
        m.generate_name = m
            .name
            .as_deref()
            .and_then(|n| n.rsplit_once('-'))
            .map(|(b, _)| format!("{b}-"));
    }
    obj.metadata = m;
    if let Some(spec) = obj.spec.as_mut() {
        spec.restart_policy
            .get_or_insert_with(|| p.template.restart_policy.to_string());
        spec.termination_grace_period_seconds = Some(p.template.grace_seconds as i64);
        spec.dns_policy.get_or_insert_with(|| "ClusterFirst".into());
        spec.scheduler_name.get_or_insert_with(|| "default-scheduler".into());
        spec.service_account_name.get_or_insert_with(|| "default".into());
        spec.priority.get_or_insert(0);
    }
    obj.status = Some(pod_status(sim, p));
    Some(obj)
}

/// A pod with what a Table row shows: its metadata and status, and of its spec only the node
/// and the container names.
pub fn pod_for_table(sim: &Sim, id: PodId, rv: &str) -> Option<core::Pod> {
    let c = sim.cluster();
    let p = c.pod(id)?;
    let mut m = meta(&p.name, Some(&p.namespace), p.created_at, rv);
    m.uid = Some(format!("00000000-0000-4000-8000-{:012x}", p.uid));
    m.labels = non_empty(&p.labels);
    if let Some(d) = p.deletion {
        m.deletion_timestamp = Some(time(SimTime(d.at.ms() + d.grace_seconds * 1000)));
        m.deletion_grace_period_seconds = Some(d.grace_seconds as i64);
    }
    let spec = core::PodSpec {
        node_name: p.node.map(|n| c.node(n).name.to_string()),
        containers: p
            .template
            .spec
            .containers
            .iter()
            .map(|ctr| core::Container {
                name: ctr.name.clone(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    Some(core::Pod {
        metadata: m,
        spec: Some(spec),
        status: Some(pod_status(sim, p)),
    })
}

fn owner_uid(sim: &Sim, owner: Owner) -> String {
    match owner {
        Owner::Mirror(n) => uid(1, u64::from(n.0)),
        Owner::ReplicaSet(w) | Owner::StatefulSet(w, _) | Owner::DaemonSet(w) | Owner::Job(w) => {
            let _ = sim;
            uid(2, u64::from(w.0))
        }
        Owner::None => String::new(),
    }
}

fn pod_status(sim: &Sim, p: &Pod) -> core::PodStatus {
    let running = p.phase == Phase::Running;
    let ready = p.ready && p.deletion.is_none();
    let waiting_reason = match p.status_reason {
        Some(r @ ("CrashLoopBackOff" | "ImagePullBackOff" | "ErrImagePull")) => Some(r),
        _ if p.phase == Phase::Pending && p.node.is_some() => Some("ContainerCreating"),
        _ => None,
    };
    let container_statuses = p.node.map(|_| {
        p.template
            .spec
            .containers
            .iter()
            .map(|ctr| {
                let state = if let Some(reason) = waiting_reason {
                    core::ContainerState {
                        waiting: Some(core::ContainerStateWaiting {
                            reason: Some(reason.into()),
                            message: None,
                        }),
                        ..Default::default()
                    }
                } else if matches!(p.phase, Phase::Succeeded | Phase::Failed) {
                    let ok = p.phase == Phase::Succeeded;
                    core::ContainerState {
                        terminated: Some(core::ContainerStateTerminated {
                            exit_code: if ok { 0 } else { 1 },
                            reason: Some(if ok { "Completed" } else { "Error" }.into()),
                            started_at: p.started_at.map(time),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }
                } else {
                    core::ContainerState {
                        running: Some(core::ContainerStateRunning {
                            started_at: p.last_restart.or(p.started_at).map(time),
                        }),
                        ..Default::default()
                    }
                };
                core::ContainerStatus {
                    name: ctr.name.clone(),
                    image: ctr.image.clone().unwrap_or_default(),
                    image_id: String::new(),
                    ready,
                    restart_count: p.restarts as i32,
                    started: Some(running),
                    container_id: running.then(|| format!("containerd://{:064x}", p.uid)),
                    state: Some(state),
                    last_state: p.last_restart.map(|t| core::ContainerState {
                        terminated: Some(core::ContainerStateTerminated {
                            exit_code: 255,
                            reason: Some("Unknown".into()),
                            finished_at: Some(time(t)),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                }
            })
            .collect()
    });
    let cond = |type_: &str, ok: bool| core::PodCondition {
        type_: type_.into(),
        status: if ok { "True" } else { "False" }.into(),
        last_transition_time: Some(time(p.started_at.unwrap_or(p.created_at))),
        ..Default::default()
    };
    let mut conditions = Vec::new();
    if p.node.is_some() {
        conditions.push(cond("Initialized", true));
        conditions.push(cond("Ready", ready));
        conditions.push(cond("ContainersReady", ready));
        conditions.push(cond("PodScheduled", true));
    } else {
        let mut c = cond("PodScheduled", false);
        c.reason = Some("Unschedulable".into());
        c.message = p.unschedulable_reason.clone();
        conditions.push(c);
    }
    let host_ip = p.node.map(|n| sim.cluster().node(n).internal_ip.clone());
    let ip = pod_ip(sim, p);
    core::PodStatus {
        phase: Some(p.phase.as_str().into()),
        reason: p.status_reason.filter(|r| *r == "NodeLost").map(str::to_string),
        conditions: Some(conditions),
        host_ip: host_ip.clone(),
        host_ips: host_ip.map(|ip| vec![core::HostIP { ip }]),
        pod_ip: ip.clone(),
        pod_ips: ip.map(|ip| vec![core::PodIP { ip }]),
        start_time: p.node.map(|_| time(p.created_at)),
        container_statuses,
        qos_class: Some(
            if p.template.requests.cpu_milli == 0 && p.template.requests.memory == 0 {
                "BestEffort".into()
            } else {
                "Burstable".into()
            },
        ),
        ..Default::default()
    }
}

/// Counts of a controller's pods: (current, ready).
fn pod_counts(sim: &Sim, id: WorkloadId) -> (i32, i32) {
    let c = sim.cluster();
    let w = c.workload(id);
    let target = if w.kind == WorkloadKind::Deployment {
        w.child.unwrap_or(id)
    } else {
        id
    };
    let (mut current, mut ready) = (0, 0);
    for pid in c.pod_ids_raw() {
        if let Some(p) = c.pod(pid)
            && owner_workload(p.owner) == Some(target)
        {
            current += i32::from(!p.is_terminating());
            ready += i32::from(p.is_healthy());
        }
    }
    (current, ready)
}

fn owner_workload(owner: Owner) -> Option<WorkloadId> {
    match owner {
        Owner::ReplicaSet(w) | Owner::StatefulSet(w, _) | Owner::DaemonSet(w) | Owner::Job(w) => Some(w),
        Owner::None | Owner::Mirror(_) => None,
    }
}

fn selector_of(labels: &Labels) -> LabelSelector {
    LabelSelector {
        match_labels: Some(labels.clone()),
        ..Default::default()
    }
}

fn template_spec(w: &Workload, labels: &Labels) -> core::PodTemplateSpec {
    core::PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: non_empty(labels),
            annotations: non_empty(&w.template.annotations),
            ..Default::default()
        }),
        spec: Some((*w.template.spec).clone()),
    }
}

fn workload_meta(sim: &Sim, id: WorkloadId, rv: &str) -> ObjectMeta {
    let w = sim.cluster().workload(id);
    let mut m = meta(&w.name, Some(&w.namespace), w.created_at, rv);
    m.uid = Some(uid(2, u64::from(id.0)));
    m.generation = Some(1);
    m.labels = non_empty(&w.template.labels);
    if let Some(parent) = w.parent {
        let p = sim.cluster().workload(parent);
        m.owner_references = Some(vec![OwnerReference {
            api_version: "apps/v1".into(),
            kind: p.kind.as_str().into(),
            name: p.name.to_string(),
            uid: uid(2, u64::from(parent.0)),
            controller: Some(true),
            block_owner_deletion: Some(true),
        }]);
        m.labels = non_empty(&w.pod_labels);
    }
    m
}

pub fn deployment(sim: &Sim, id: WorkloadId, rv: &str) -> apps::Deployment {
    let w = sim.cluster().workload(id);
    let (current, ready) = pod_counts(sim, id);
    let replicas = w.replicas as i32;
    let mut status = apps::DeploymentStatus {
        observed_generation: Some(1),
        replicas: Some(current),
        updated_replicas: Some(current.min(replicas)),
        ready_replicas: (ready > 0).then_some(ready),
        available_replicas: (ready > 0).then_some(ready),
        unavailable_replicas: (replicas > ready).then_some(replicas - ready),
        ..Default::default()
    };
    let available = ready >= replicas;
    status.conditions = Some(vec![apps::DeploymentCondition {
        type_: Some("Available".into()),
        status: Some(if available { "True" } else { "False" }.into()),
        reason: Some(
            if available {
                "MinimumReplicasAvailable"
            } else {
                "MinimumReplicasUnavailable"
            }
            .into(),
        ),
        message: Some(
            if available {
                "Deployment has minimum availability."
            } else {
                "Deployment does not have minimum availability."
            }
            .into(),
        ),
        ..Default::default()
    }]);
    let mut m = workload_meta(sim, id, rv);
    m.annotations = Some(BTreeMap::from([(
        "deployment.kubernetes.io/revision".to_string(),
        "1".to_string(),
    )]));
    apps::Deployment {
        metadata: m,
        spec: apps::DeploymentSpec {
            replicas: Some(replicas),
            selector: selector_of(&w.template.labels),
            template: template_spec(w, &w.template.labels),
            strategy: Some(apps::DeploymentStrategy {
                type_: Some("RollingUpdate".into()),
                rolling_update: Some(apps::RollingUpdateDeployment {
                    max_surge: Some(IntOrString::String("25%".into())),
                    max_unavailable: Some(IntOrString::String("25%".into())),
                }),
            }),
            revision_history_limit: Some(10),
            progress_deadline_seconds: Some(600),
            ..Default::default()
        },
        status: Some(status),
    }
}

pub fn replica_set(sim: &Sim, id: WorkloadId, rv: &str) -> apps::ReplicaSet {
    let w = sim.cluster().workload(id);
    let (current, ready) = pod_counts(sim, id);
    apps::ReplicaSet {
        metadata: workload_meta(sim, id, rv),
        spec: apps::ReplicaSetSpec {
            replicas: Some(w.replicas as i32),
            selector: selector_of(&w.pod_labels),
            template: Some(template_spec(w, &w.pod_labels)),
            ..Default::default()
        },
        status: Some(apps::ReplicaSetStatus {
            replicas: current,
            fully_labeled_replicas: Some(current),
            ready_replicas: Some(ready),
            available_replicas: Some(ready),
            observed_generation: Some(1),
            ..Default::default()
        }),
    }
}

pub fn daemon_set(sim: &Sim, id: WorkloadId, rv: &str) -> apps::DaemonSet {
    let w = sim.cluster().workload(id);
    let (current, ready) = pod_counts(sim, id);
    let desired = w.per_node.len() as i32;
    apps::DaemonSet {
        metadata: workload_meta(sim, id, rv),
        spec: apps::DaemonSetSpec {
            selector: selector_of(&w.template.labels),
            template: template_spec(w, &w.pod_labels),
            ..Default::default()
        },
        status: Some(apps::DaemonSetStatus {
            desired_number_scheduled: desired,
            current_number_scheduled: current,
            number_ready: ready,
            updated_number_scheduled: Some(current),
            number_available: Some(ready),
            number_misscheduled: 0,
            observed_generation: Some(1),
            ..Default::default()
        }),
    }
}

pub fn stateful_set(sim: &Sim, id: WorkloadId, rv: &str) -> apps::StatefulSet {
    let w = sim.cluster().workload(id);
    let (current, ready) = pod_counts(sim, id);
    apps::StatefulSet {
        metadata: workload_meta(sim, id, rv),
        spec: apps::StatefulSetSpec {
            replicas: Some(w.replicas as i32),
            selector: selector_of(&w.template.labels),
            template: template_spec(w, &w.pod_labels),
            service_name: Some(w.name.to_string()),
            ..Default::default()
        },
        status: Some(apps::StatefulSetStatus {
            replicas: current,
            ready_replicas: Some(ready),
            current_replicas: Some(current),
            updated_replicas: Some(current),
            available_replicas: Some(ready),
            observed_generation: Some(1),
            ..Default::default()
        }),
    }
}

pub fn job(sim: &Sim, id: WorkloadId, rv: &str) -> batch::Job {
    let w = sim.cluster().workload(id);
    let (current, ready) = pod_counts(sim, id);
    let done = w.succeeded >= w.replicas;
    let run_s = (w.template.run_ms + w.template.start_ms) / 1000;
    batch::Job {
        metadata: workload_meta(sim, id, rv),
        spec: Some(batch::JobSpec {
            completions: Some(w.replicas as i32),
            parallelism: Some(w.parallelism as i32),
            selector: Some(selector_of(&w.pod_labels)),
            template: template_spec(w, &w.pod_labels),
            ..Default::default()
        }),
        status: Some(batch::JobStatus {
            active: (current > 0 && !done).then_some(current),
            ready: Some(ready),
            succeeded: (w.succeeded > 0).then_some(w.succeeded as i32),
            start_time: Some(time(w.created_at)),
            completion_time: done.then(|| time(SimTime(w.created_at.ms() + run_s * 1000))),
            conditions: done.then(|| {
                vec![batch::JobCondition {
                    type_: "Complete".into(),
                    status: "True".into(),
                    ..Default::default()
                }]
            }),
            ..Default::default()
        }),
    }
}

fn int_or_percent(v: IntOrPercent) -> IntOrString {
    match v {
        IntOrPercent::Int(n) => IntOrString::Int(n as i32),
        IntOrPercent::Percent(p) => IntOrString::String(format!("{p}%")),
    }
}

pub fn pdb(sim: &Sim, id: PdbId, rv: &str) -> policy::PodDisruptionBudget {
    let c = sim.cluster();
    let b = c.pdb(id);
    let s = c.pdb_status(id);
    let mut m = meta(&b.name, Some(&b.namespace), b.created_at, rv);
    m.uid = Some(uid(3, u64::from(id.0)));
    m.generation = Some(1);
    let selector = b.selector.as_ref().map(|sel| LabelSelector {
        match_labels: Some(
            sel.requirements
                .iter()
                .filter(|r| r.op == labels::Op::Eq)
                .map(|r| (r.key.clone(), r.values.first().cloned().unwrap_or_default()))
                .collect(),
        ),
        ..Default::default()
    });
    policy::PodDisruptionBudget {
        metadata: m,
        spec: Some(policy::PodDisruptionBudgetSpec {
            min_available: b.min_available.map(int_or_percent),
            max_unavailable: b.max_unavailable.map(int_or_percent),
            selector,
            ..Default::default()
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

pub fn namespace(name: &str, rv: &str) -> core::Namespace {
    let mut m = meta(name, None, SimTime::ZERO, rv);
    m.labels = Some(BTreeMap::from([(
        "kubernetes.io/metadata.name".to_string(),
        name.to_string(),
    )]));
    core::Namespace {
        metadata: m,
        spec: Some(core::NamespaceSpec {
            finalizers: Some(vec!["kubernetes".into()]),
        }),
        status: Some(core::NamespaceStatus {
            phase: Some("Active".into()),
            ..Default::default()
        }),
    }
}

/// A node's heartbeat lease in `kube-node-lease`, renewed every 10 s while its kubelet runs.
pub fn lease(sim: &Sim, id: NodeId, rv: &str) -> k8s_openapi::api::coordination::v1::Lease {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
    let n = sim.cluster().node(id);
    let renewed = n
        .silent_since
        .unwrap_or_else(|| SimTime(sim.now().ms() / 10_000 * 10_000));
    let mut m = meta(&n.name, Some("kube-node-lease"), n.created_at, rv);
    m.uid = Some(uid(4, u64::from(id.0)));
    m.owner_references = Some(vec![OwnerReference {
        api_version: "v1".into(),
        kind: "Node".into(),
        name: n.name.to_string(),
        uid: uid(1, u64::from(id.0)),
        ..Default::default()
    }]);
    k8s_openapi::api::coordination::v1::Lease {
        metadata: m,
        spec: Some(k8s_openapi::api::coordination::v1::LeaseSpec {
            holder_identity: Some(n.name.to_string()),
            lease_duration_seconds: Some(40),
            renew_time: Some(MicroTime(time(renewed).0)),
            ..Default::default()
        }),
    }
}
