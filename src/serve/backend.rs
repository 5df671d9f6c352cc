//! The narrow Kubernetes API the HTTP layer needs, over today's public simulator API. It stands
//! in for the sim crate's `KubeApi` trait: when that lands, this file is the one to switch.
//!
//! Objects cross it as real k8s-openapi objects; errors are the API server's (code, reason,
//! message) so the HTTP layer can turn them into Status objects.

use super::kinds::{self, Kind};
use super::objects;
use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::batch::v1 as batch;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::policy::v1 as policy;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kubedrill_sim::Sim;
use kubedrill_sim::api_write::ApiOutage;
use kubedrill_sim::model::taint;
use kubedrill_sim::model::*;
use kubedrill_sim::time::SimTime;
use kubedrill_sim::version::KubeVersion;
use std::sync::Arc;

/// An API object of one of the served kinds. Lists hold a few hundred of them at a time
/// (a page), so their size differences do not matter.
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Object {
    Node(core::Node),
    Pod(core::Pod),
    Namespace(core::Namespace),
    Deployment(apps::Deployment),
    ReplicaSet(apps::ReplicaSet),
    DaemonSet(apps::DaemonSet),
    StatefulSet(apps::StatefulSet),
    Job(batch::Job),
    Pdb(policy::PodDisruptionBudget),
    Lease(k8s_openapi::api::coordination::v1::Lease),
}

impl Object {
    pub fn kind(&self) -> Kind {
        match self {
            Self::Node(_) => Kind::Node,
            Self::Pod(_) => Kind::Pod,
            Self::Namespace(_) => Kind::Namespace,
            Self::Deployment(_) => Kind::Deployment,
            Self::ReplicaSet(_) => Kind::ReplicaSet,
            Self::DaemonSet(_) => Kind::DaemonSet,
            Self::StatefulSet(_) => Kind::StatefulSet,
            Self::Job(_) => Kind::Job,
            Self::Pdb(_) => Kind::PodDisruptionBudget,
            Self::Lease(_) => Kind::Lease,
        }
    }

    pub fn meta(&self) -> &ObjectMeta {
        match self {
            Self::Node(o) => &o.metadata,
            Self::Pod(o) => &o.metadata,
            Self::Namespace(o) => &o.metadata,
            Self::Deployment(o) => &o.metadata,
            Self::ReplicaSet(o) => &o.metadata,
            Self::DaemonSet(o) => &o.metadata,
            Self::StatefulSet(o) => &o.metadata,
            Self::Job(o) => &o.metadata,
            Self::Pdb(o) => &o.metadata,
            Self::Lease(o) => &o.metadata,
        }
    }

    /// Writes the object as JSON with `kind` and `apiVersion` first, straight from the typed
    /// object (lists of thousands of pods do not go through `serde_json::Value`).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        #[derive(serde::Serialize)]
        struct WithKind<'a, T: serde::Serialize> {
            kind: &'a str,
            #[serde(rename = "apiVersion")]
            api_version: &'a str,
            #[serde(flatten)]
            object: &'a T,
        }
        let info = kinds::info(self.kind());
        let api_version = info.api_version();
        fn write<T: serde::Serialize>(out: &mut Vec<u8>, kind: &str, api_version: &str, object: &T) {
            let _ = serde_json::to_writer(
                &mut *out,
                &WithKind {
                    kind,
                    api_version,
                    object,
                },
            );
        }
        let k = info.kind_name;
        match self {
            Self::Node(o) => write(out, k, &api_version, o),
            Self::Pod(o) => write(out, k, &api_version, o),
            Self::Namespace(o) => write(out, k, &api_version, o),
            Self::Deployment(o) => write(out, k, &api_version, o),
            Self::ReplicaSet(o) => write(out, k, &api_version, o),
            Self::DaemonSet(o) => write(out, k, &api_version, o),
            Self::StatefulSet(o) => write(out, k, &api_version, o),
            Self::Job(o) => write(out, k, &api_version, o),
            Self::Pdb(o) => write(out, k, &api_version, o),
            Self::Lease(o) => write(out, k, &api_version, o),
        }
    }

    /// The object as the API server writes it, with `apiVersion` and `kind`.
    pub fn to_json(&self) -> serde_json::Value {
        let v = match self {
            Self::Node(o) => serde_json::to_value(o),
            Self::Pod(o) => serde_json::to_value(o),
            Self::Namespace(o) => serde_json::to_value(o),
            Self::Deployment(o) => serde_json::to_value(o),
            Self::ReplicaSet(o) => serde_json::to_value(o),
            Self::DaemonSet(o) => serde_json::to_value(o),
            Self::StatefulSet(o) => serde_json::to_value(o),
            Self::Job(o) => serde_json::to_value(o),
            Self::Pdb(o) => serde_json::to_value(o),
            Self::Lease(o) => serde_json::to_value(o),
        };
        let mut v = v.unwrap_or_default();
        let info = kinds::info(self.kind());
        if let Some(map) = v.as_object_mut() {
            let mut out = serde_json::Map::new();
            out.insert("kind".into(), info.kind_name.into());
            out.insert("apiVersion".into(), info.api_version().into());
            out.append(map);
            v = serde_json::Value::Object(out);
        }
        v
    }
}

/// An error answer of the API server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    /// (name, kind) for `details`.
    pub details: Option<(String, String)>,
    /// (reason, message) causes (an eviction refused by a budget).
    pub causes: Vec<(String, String)>,
}

impl ApiError {
    pub fn not_found(kind: Kind, name: &str) -> Self {
        let info = kinds::info(kind);
        Self {
            code: 404,
            reason: "NotFound",
            message: format!("{} \"{name}\" not found", info.qualified()),
            details: Some((name.to_string(), info.plural.to_string())),
            causes: Vec::new(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            code: 400,
            reason: "BadRequest",
            message: message.into(),
            details: None,
            causes: Vec::new(),
        }
    }

    pub fn invalid(kind: Kind, name: &str, message: impl Into<String>) -> Self {
        let info = kinds::info(kind);
        Self {
            code: 422,
            reason: "Invalid",
            message: message.into(),
            details: Some((name.to_string(), info.kind_name.to_string())),
            causes: Vec::new(),
        }
    }

    pub fn already_exists(kind: Kind, name: &str) -> Self {
        let info = kinds::info(kind);
        Self {
            code: 409,
            reason: "AlreadyExists",
            message: format!("{} \"{name}\" already exists", info.qualified()),
            details: Some((name.to_string(), info.plural.to_string())),
            causes: Vec::new(),
        }
    }

    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self {
            code: 405,
            reason: "MethodNotAllowed",
            message: message.into(),
            details: None,
            causes: Vec::new(),
        }
    }
}

/// One requirement of a field selector (`spec.nodeName=node01`, `status.phase!=Failed`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldRequirement {
    pub field: String,
    pub equal: bool,
    pub value: String,
}

/// What a list selects.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub namespace: Option<String>,
    pub labels: Option<Selector>,
    pub fields: Vec<FieldRequirement>,
    pub limit: Option<usize>,
    /// Continue after this (namespace, name).
    pub after: Option<(String, String)>,
    /// Only what a Table row prints is needed (metadata, status, node, container names): large
    /// pod lists skip copying each pod's full spec.
    pub for_table: bool,
}

pub struct ListPage {
    pub items: Vec<Object>,
    /// The (namespace, name) to continue after, when more items remain.
    pub next: Option<(String, String)>,
}

/// The Kubernetes API verbs the endpoint serves.
pub trait KubeBackend {
    /// The API server's version (what `/version` reports and which behaviour it has).
    fn server_version(&self) -> KubeVersion;
    /// The current resourceVersion (etcd's revision).
    fn resource_version(&self) -> String;
    fn now(&self) -> SimTime;
    fn outage(&self) -> Option<ApiOutage>;
    fn get(&mut self, kind: Kind, namespace: Option<&str>, name: &str) -> Result<Object, ApiError>;
    fn list(&mut self, kind: Kind, query: &ListQuery) -> Result<ListPage, ApiError>;
    /// A node changed as a patch left it: unschedulable, labels and taints are applied.
    fn update_node(&mut self, node: &core::Node, dry_run: bool) -> Result<Object, ApiError>;
    fn delete_pod(
        &mut self,
        namespace: &str,
        name: &str,
        grace_seconds: Option<i64>,
        dry_run: bool,
    ) -> Result<Object, ApiError>;
    fn evict(&mut self, namespace: &str, name: &str, grace_seconds: Option<i64>, dry_run: bool)
    -> Result<(), ApiError>;
    /// Sets a controller's replicas; returns the replicas before.
    fn scale(&mut self, kind: Kind, namespace: &str, name: &str, replicas: i32, dry_run: bool)
    -> Result<i32, ApiError>;
    fn create_deployment(&mut self, d: &apps::Deployment, namespace: &str, dry_run: bool) -> Result<Object, ApiError>;
    fn create_namespace(&mut self, name: &str, dry_run: bool) -> Result<Object, ApiError>;
}

/// Pods as (namespace, name, id), in that order.
type PodIndex = Arc<Vec<(Arc<str>, Arc<str>, PodId)>>;

/// Per-thread caches of the backend (the sorted pod index for paginated lists).
#[derive(Default)]
pub struct Caches {
    pods: Option<PodIndex>,
}

/// The simulator as a [`KubeBackend`].
pub struct SimBackend<'a> {
    pub sim: &'a mut Sim,
    pub caches: &'a mut Caches,
}

fn kind_of_workload(k: WorkloadKind) -> Kind {
    match k {
        WorkloadKind::Deployment => Kind::Deployment,
        WorkloadKind::ReplicaSet => Kind::ReplicaSet,
        WorkloadKind::DaemonSet => Kind::DaemonSet,
        WorkloadKind::StatefulSet => Kind::StatefulSet,
        WorkloadKind::Job => Kind::Job,
    }
}

fn workload_kind(k: Kind) -> Option<WorkloadKind> {
    Some(match k {
        Kind::Deployment => WorkloadKind::Deployment,
        Kind::ReplicaSet => WorkloadKind::ReplicaSet,
        Kind::DaemonSet => WorkloadKind::DaemonSet,
        Kind::StatefulSet => WorkloadKind::StatefulSet,
        Kind::Job => WorkloadKind::Job,
        _ => return None,
    })
}

impl SimBackend<'_> {
    fn rv(&self) -> String {
        self.resource_version()
    }

    fn workload_object(&self, id: WorkloadId) -> Object {
        let rv = self.rv();
        let s = &*self.sim;
        match s.cluster().workload(id).kind {
            WorkloadKind::Deployment => Object::Deployment(objects::deployment(s, id, &rv)),
            WorkloadKind::ReplicaSet => Object::ReplicaSet(objects::replica_set(s, id, &rv)),
            WorkloadKind::DaemonSet => Object::DaemonSet(objects::daemon_set(s, id, &rv)),
            WorkloadKind::StatefulSet => Object::StatefulSet(objects::stateful_set(s, id, &rv)),
            WorkloadKind::Job => Object::Job(objects::job(s, id, &rv)),
        }
    }

    fn pod_id(&self, namespace: &str, name: &str) -> Result<PodId, ApiError> {
        self.sim
            .cluster()
            .pod_id(namespace, name)
            .ok_or_else(|| ApiError::not_found(Kind::Pod, name))
    }

    /// Every pod in (namespace, name) order, rebuilt only when pods came or went: the cached
    /// index is still right when every slot holds the very pod (same name allocation) it did,
    /// an O(n) pointer check instead of an O(n log n) sort per page of a list.
    fn sorted_pods(&mut self) -> PodIndex {
        let c = self.sim.cluster();
        if let Some(v) = &self.caches.pods
            && v.len() == c.pod_count()
            && v.iter()
                .all(|(_, name, id)| c.pod(*id).is_some_and(|p| Arc::ptr_eq(&p.name, name)))
        {
            return v.clone();
        }
        let mut v: Vec<(Arc<str>, Arc<str>, PodId)> = self
            .sim
            .cluster()
            .pod_ids_raw()
            .into_iter()
            .filter_map(|id| {
                let p = self.sim.cluster().pod(id)?;
                Some((p.namespace.clone(), p.name.clone(), id))
            })
            .collect();
        v.sort_unstable_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        let v = Arc::new(v);
        self.caches.pods = Some(v.clone());
        v
    }

    fn list_pods(&mut self, q: &ListQuery) -> Result<ListPage, ApiError> {
        let rv = self.rv();
        let node_filter = q
            .fields
            .iter()
            .find(|f| f.field == "spec.nodeName" && f.equal && !f.value.is_empty());
        // A node's pods come from the node's own index (drain asks for exactly these).
        let candidates: PodIndex = match node_filter {
            Some(f) => {
                let c = self.sim.cluster();
                let mut v: Vec<_> = match c.node_id(&f.value) {
                    Some(n) => c
                        .pods_on_node(n)
                        .into_iter()
                        .filter_map(|id| c.pod(id).map(|p| (p.namespace.clone(), p.name.clone(), id)))
                        .collect(),
                    None => Vec::new(),
                };
                v.sort_unstable_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
                Arc::new(v)
            }
            None => self.sorted_pods(),
        };
        let start = match &q.after {
            Some((ns, name)) => {
                candidates.partition_point(|(a, b, _)| (a.as_ref(), b.as_ref()) <= (ns.as_str(), name.as_str()))
            }
            None => 0,
        };
        let (start, end) = match &q.namespace {
            Some(ns) => (
                start.max(candidates.partition_point(|(a, _, _)| a.as_ref() < ns.as_str())),
                candidates.partition_point(|(a, _, _)| a.as_ref() <= ns.as_str()),
            ),
            None => (start, candidates.len()),
        };
        let limit = q.limit.filter(|l| *l > 0).unwrap_or(usize::MAX);
        let mut items = Vec::new();
        let mut next = None;
        let mut last: Option<(String, String)> = None;
        for (ns, name, id) in candidates.iter().take(end).skip(start) {
            let Some(p) = self.sim.cluster().pod(*id) else {
                continue;
            };
            if q.labels.as_ref().is_some_and(|s| !s.matches(&p.labels)) {
                continue;
            }
            if !pod_fields_match(self.sim, p, &q.fields)? {
                continue;
            }
            if items.len() == limit {
                next = last;
                break;
            }
            let obj = if q.for_table {
                objects::pod_for_table(self.sim, *id, &rv)
            } else {
                objects::pod(self.sim, *id, &rv)
            };
            if let Some(obj) = obj {
                items.push(Object::Pod(obj));
                last = Some((ns.to_string(), name.to_string()));
            }
        }
        Ok(ListPage { items, next })
    }
}

fn field_value(obj: &Object, field: &str) -> Option<String> {
    let m = obj.meta();
    match field {
        "metadata.name" => m.name.clone(),
        "metadata.namespace" => Some(m.namespace.clone().unwrap_or_default()),
        _ => match (obj, field) {
            (Object::Node(n), "spec.unschedulable") => Some(
                n.spec
                    .as_ref()
                    .and_then(|s| s.unschedulable)
                    .unwrap_or(false)
                    .to_string(),
            ),
            (Object::Namespace(n), "status.phase") => n.status.as_ref().and_then(|s| s.phase.clone()),
            _ => None,
        },
    }
}

fn unsupported_field(field: &str) -> ApiError {
    ApiError::bad_request(format!("field label not supported: {field}"))
}

fn pod_fields_match(sim: &Sim, p: &Pod, fields: &[FieldRequirement]) -> Result<bool, ApiError> {
    for f in fields {
        let value: String = match f.field.as_str() {
            "metadata.name" => p.name.to_string(),
            "metadata.namespace" => p.namespace.to_string(),
            "spec.nodeName" => p
                .node
                .map(|n| sim.cluster().node(n).name.to_string())
                .unwrap_or_default(),
            "status.phase" => p.phase.as_str().to_string(),
            "spec.restartPolicy" => p.template.restart_policy.to_string(),
            "spec.schedulerName" => "default-scheduler".into(),
            "spec.serviceAccountName" => p
                .template
                .spec
                .service_account_name
                .clone()
                .unwrap_or_else(|| "default".into()),
            "status.podIP" => objects::pod_ip(sim, p).unwrap_or_default(),
            "status.nominatedNodeName" | "spec.hostNetwork" => String::new(),
            other => return Err(unsupported_field(other)),
        };
        if (value == f.value) != f.equal {
            return Ok(false);
        }
    }
    Ok(true)
}

fn generic_match(obj: &Object, q: &ListQuery) -> Result<bool, ApiError> {
    let m = obj.meta();
    if let Some(ns) = &q.namespace
        && m.namespace.as_deref() != Some(ns.as_str())
    {
        return Ok(false);
    }
    if let Some(sel) = &q.labels
        && !sel.matches(&m.labels.clone().unwrap_or_default())
    {
        return Ok(false);
    }
    for f in &q.fields {
        let v = field_value(obj, &f.field).ok_or_else(|| unsupported_field(&f.field))?;
        if (v == f.value) != f.equal {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Applies limit/continue to a fully listed, ordered set.
fn paginate(items: Vec<Object>, q: &ListQuery) -> ListPage {
    let key = |o: &Object| {
        let m = o.meta();
        (
            m.namespace.clone().unwrap_or_default(),
            m.name.clone().unwrap_or_default(),
        )
    };
    let mut items: Vec<Object> = match &q.after {
        Some(after) => items.into_iter().filter(|o| key(o) > *after).collect(),
        None => items,
    };
    let mut next = None;
    if let Some(limit) = q.limit.filter(|l| *l > 0)
        && items.len() > limit
    {
        items.truncate(limit);
        next = items.last().map(key);
    }
    ListPage { items, next }
}

impl KubeBackend for SimBackend<'_> {
    fn server_version(&self) -> KubeVersion {
        self.sim.cluster().version.clone()
    }

    fn resource_version(&self) -> String {
        self.sim.etcd().revision.to_string()
    }

    fn now(&self) -> SimTime {
        self.sim.now()
    }

    fn outage(&self) -> Option<ApiOutage> {
        self.sim.api_outage()
    }

    fn get(&mut self, kind: Kind, namespace: Option<&str>, name: &str) -> Result<Object, ApiError> {
        let rv = self.rv();
        let c = self.sim.cluster();
        let found = match kind {
            Kind::Node => c.node_id(name).map(|id| Object::Node(objects::node(self.sim, id, &rv))),
            Kind::Pod => c
                .pod_id(namespace.unwrap_or("default"), name)
                .and_then(|id| objects::pod(self.sim, id, &rv))
                .map(Object::Pod),
            Kind::Namespace => c
                .has_namespace(name)
                .then(|| Object::Namespace(objects::namespace(name, &rv))),
            Kind::PodDisruptionBudget => c
                .pdb_ids()
                .into_iter()
                .find(|id| {
                    let b = c.pdb(*id);
                    *b.name == *name && Some(&*b.namespace) == namespace
                })
                .map(|id| Object::Pdb(objects::pdb(self.sim, id, &rv))),
            Kind::Event => None,
            Kind::Lease => (namespace == Some("kube-node-lease"))
                .then(|| c.node_id(name))
                .flatten()
                .map(|id| Object::Lease(objects::lease(self.sim, id, &rv))),
            k => {
                let wk = workload_kind(k).expect("a workload kind");
                c.workload_id(wk, namespace.unwrap_or("default"), name)
                    .filter(|id| !c.workload(*id).deleted)
                    .map(|id| self.workload_object(id))
            }
        };
        found.ok_or_else(|| ApiError::not_found(kind, name))
    }

    fn list(&mut self, kind: Kind, q: &ListQuery) -> Result<ListPage, ApiError> {
        if kind == Kind::Pod {
            return self.list_pods(q);
        }
        let rv = self.rv();
        let c = self.sim.cluster();
        let all: Vec<Object> = match kind {
            Kind::Node => c
                .node_ids()
                .map(|id| Object::Node(objects::node(self.sim, id, &rv)))
                .collect(),
            Kind::Namespace => c
                .namespaces()
                .map(|ns| Object::Namespace(objects::namespace(ns, &rv)))
                .collect(),
            Kind::PodDisruptionBudget => c
                .pdb_ids()
                .into_iter()
                .map(|id| Object::Pdb(objects::pdb(self.sim, id, &rv)))
                .collect(),
            Kind::Event => Vec::new(),
            Kind::Lease => c
                .node_ids()
                .map(|id| Object::Lease(objects::lease(self.sim, id, &rv)))
                .collect(),
            k => {
                let wk = workload_kind(k).expect("a workload kind");
                let mut ids: Vec<(Arc<str>, Arc<str>, WorkloadId)> = c
                    .workloads_of(wk)
                    .map(|(id, w)| (w.namespace.clone(), w.name.clone(), id))
                    .collect();
                ids.sort();
                ids.into_iter().map(|(_, _, id)| self.workload_object(id)).collect()
            }
        };
        let mut kept = Vec::new();
        for o in all {
            if generic_match(&o, q)? {
                kept.push(o);
            }
        }
        Ok(paginate(kept, q))
    }

    fn update_node(&mut self, node: &core::Node, dry_run: bool) -> Result<Object, ApiError> {
        let name = node.metadata.name.clone().unwrap_or_default();
        let id = self
            .sim
            .cluster()
            .node_id(&name)
            .ok_or_else(|| ApiError::not_found(Kind::Node, &name))?;
        let spec = node.spec.clone().unwrap_or_default();
        let mut taints = Vec::new();
        for t in spec.taints.iter().flatten() {
            let effect = Effect::parse(&t.effect).map_err(|_| {
                ApiError::invalid(
                    Kind::Node,
                    &name,
                    format!(
                        "Node \"{name}\" is invalid: spec.taints[0].effect: Unsupported value: \"{}\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"",
                        t.effect
                    ),
                )
            })?;
            taints.push(Taint {
                key: t.key.clone(),
                value: t.value.clone().unwrap_or_default(),
                effect,
            });
        }
        let labels = node.metadata.labels.clone().unwrap_or_default();
        if !dry_run {
            let unschedulable = spec.unschedulable.unwrap_or(false);
            if self.sim.cluster().node(id).unschedulable != unschedulable {
                self.sim.api_set_unschedulable(id, unschedulable);
            }
            if self.sim.cluster().node(id).labels != labels {
                self.sim.api_set_node_labels(id, labels);
            }
            let current: Vec<Taint> = self
                .sim
                .cluster()
                .node(id)
                .taints
                .iter()
                .filter(|t| t.key != taint::UNSCHEDULABLE)
                .cloned()
                .collect();
            let wanted: Vec<Taint> = taints
                .iter()
                .filter(|t| t.key != taint::UNSCHEDULABLE)
                .cloned()
                .collect();
            if current != wanted {
                self.sim.api_set_node_taints(id, wanted);
            }
            return self.get(Kind::Node, None, &name);
        }
        let mut obj = objects::node(self.sim, id, &self.rv());
        obj.spec = Some(spec);
        obj.metadata.labels = node.metadata.labels.clone();
        Ok(Object::Node(obj))
    }

    fn delete_pod(
        &mut self,
        namespace: &str,
        name: &str,
        grace_seconds: Option<i64>,
        dry_run: bool,
    ) -> Result<Object, ApiError> {
        let id = self.pod_id(namespace, name)?;
        if !dry_run {
            self.sim.api_delete_pod(id, grace_seconds.map(|g| g.max(0) as u64));
        }
        let rv = self.rv();
        // The answer is the object as the deletion left it (Terminating), or as it was.
        match objects::pod(self.sim, id, &rv) {
            Some(p) if p.metadata.name.as_deref() == Some(name) => Ok(Object::Pod(p)),
            _ => Ok(Object::Pod(core::Pod {
                metadata: ObjectMeta {
                    name: Some(name.to_string()),
                    namespace: Some(namespace.to_string()),
                    ..Default::default()
                },
                ..Default::default()
            })),
        }
    }

    fn evict(
        &mut self,
        namespace: &str,
        name: &str,
        grace_seconds: Option<i64>,
        dry_run: bool,
    ) -> Result<(), ApiError> {
        let id = self.pod_id(namespace, name)?;
        self.sim
            .api_evict(id, grace_seconds.map(|g| g.max(0) as u64), dry_run)
            .map_err(|e| {
                let pdb = self.sim.cluster().pdbs_for_pod(id);
                let causes = if e.code == 429 {
                    pdb.first()
                        .map(|b| {
                            let s = self.sim.cluster().pdb_status(*b);
                            vec![(
                                "DisruptionBudget".to_string(),
                                format!(
                                    "The disruption budget {} needs {} healthy pods and has {} currently",
                                    self.sim.cluster().pdb(*b).name,
                                    s.desired_healthy,
                                    s.current_healthy
                                ),
                            )]
                        })
                        .unwrap_or_default()
                } else {
                    Vec::new()
                };
                ApiError {
                    code: e.code,
                    reason: if e.code == 429 {
                        "TooManyRequests"
                    } else {
                        "InternalError"
                    },
                    message: e.message,
                    details: None,
                    causes,
                }
            })
    }

    fn scale(
        &mut self,
        kind: Kind,
        namespace: &str,
        name: &str,
        replicas: i32,
        dry_run: bool,
    ) -> Result<i32, ApiError> {
        let wk = workload_kind(kind).ok_or_else(|| ApiError::not_found(kind, name))?;
        let id = self
            .sim
            .cluster()
            .workload_id(wk, namespace, name)
            .filter(|id| !self.sim.cluster().workload(*id).deleted)
            .ok_or_else(|| ApiError::not_found(kind, name))?;
        if replicas < 0 {
            return Err(ApiError::invalid(
                kind,
                name,
                format!(
                    "Scale.autoscaling \"{name}\" is invalid: spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0"
                ),
            ));
        }
        let before = self.sim.cluster().workload(id).replicas as i32;
        if !dry_run {
            self.sim.api_scale(id, replicas as u32);
        }
        Ok(before)
    }

    fn create_deployment(&mut self, d: &apps::Deployment, namespace: &str, dry_run: bool) -> Result<Object, ApiError> {
        let name = d.metadata.name.clone().unwrap_or_default();
        if !self.sim.cluster().has_namespace(namespace) {
            return Err(ApiError::not_found(Kind::Namespace, namespace));
        }
        if self
            .sim
            .cluster()
            .workload_id(WorkloadKind::Deployment, namespace, &name)
            .is_some()
        {
            return Err(ApiError::already_exists(Kind::Deployment, &name));
        }
        let spec = d.spec.clone();
        let replicas = spec.replicas.unwrap_or(1);
        if replicas < 0 {
            return Err(ApiError::invalid(
                Kind::Deployment,
                &name,
                format!(
                    "Deployment.apps \"{name}\" is invalid: spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0"
                ),
            ));
        }
        let pod_spec = spec.template.spec.clone().unwrap_or_default();
        let labels = spec
            .template
            .metadata
            .as_ref()
            .and_then(|m| m.labels.clone())
            .unwrap_or_default();
        let annotations = spec
            .template
            .metadata
            .as_ref()
            .and_then(|m| m.annotations.clone())
            .unwrap_or_default();
        let template =
            kubedrill_sim::manifest::template_from_spec(&pod_spec, &labels, &annotations, false).map_err(|e| {
                ApiError::invalid(
                    Kind::Deployment,
                    &name,
                    format!("Deployment.apps \"{name}\" is invalid: {e}"),
                )
            })?;
        if dry_run {
            let mut d = d.clone();
            d.metadata.namespace = Some(namespace.to_string());
            return Ok(Object::Deployment(d));
        }
        let id = self
            .sim
            .api_create_deployment(namespace, &name, replicas as u32, template)
            .map_err(|e| ApiError::invalid(Kind::Deployment, &name, e))?;
        let _ = kind_of_workload(WorkloadKind::Deployment);
        Ok(self.workload_object(id))
    }

    fn create_namespace(&mut self, name: &str, dry_run: bool) -> Result<Object, ApiError> {
        if self.sim.cluster().has_namespace(name) {
            return Err(ApiError::already_exists(Kind::Namespace, name));
        }
        if !dry_run {
            self.sim.api_create_namespace(name);
        }
        Ok(Object::Namespace(objects::namespace(name, &self.rv())))
    }
}
