//! The API server's generic writes, as `kubectl apply|create|replace|patch|edit|label|
//! annotate|scale|delete` send them: a whole object created, a whole object replaced (the
//! engine works out what changed and lets the controllers react: a new template rolls out,
//! new replicas are created or removed, a relabelled pod joins other budgets, a node's taints
//! move pods), and an object deleted with what depends on it.

use crate::engine::Engine;
use crate::engine::setup::{SetupError, add_manifest};
use crate::model::core_objects;
use crate::model::manifest::{Manifest, pdb_from_manifest, template_from};
use crate::model::objects::{self, ApiObject, ResourceKind};
use crate::model::services;
use crate::model::status::{ApiError, DeleteCause};
use crate::model::taint::Taint;
use crate::model::*;
use serde_json::Value;
use std::sync::Arc;

/// The kind a JSON object names, among those the model can write.
fn kind_of(v: &Value) -> Option<ResourceKind> {
    ResourceKind::from_kind(v.get("kind")?.as_str()?).filter(|k| k.writable())
}

fn name_ns(v: &Value, kind: ResourceKind) -> (String, String) {
    let name = v.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
    let ns = if kind.namespaced() {
        v.pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("default")
    } else {
        ""
    };
    (name.to_string(), ns.to_string())
}

fn workload_kind(kind: ResourceKind) -> Option<WorkloadKind> {
    Some(match kind {
        ResourceKind::Deployments => WorkloadKind::Deployment,
        ResourceKind::ReplicaSets => WorkloadKind::ReplicaSet,
        ResourceKind::DaemonSets => WorkloadKind::DaemonSet,
        ResourceKind::StatefulSets => WorkloadKind::StatefulSet,
        ResourceKind::Jobs => WorkloadKind::Job,
        _ => return None,
    })
}

/// `Deployment.apps`, `Namespace`: the kind an object names, with its API group.
fn qualified_kind(kind: ResourceKind, obj: &Value) -> String {
    let k = obj.get("kind").and_then(Value::as_str).unwrap_or_default();
    match kind.group_version().split_once('/') {
        Some((group, _)) => format!("{k}.{group}"),
        None => k.to_string(),
    }
}

/// `Kind.group "name" is invalid: …` as the API server words a 422.
fn invalid(kind: ResourceKind, name: &str, cause: &str) -> ApiError {
    let k = match kind {
        ResourceKind::Deployments => "Deployment.apps",
        ResourceKind::ReplicaSets => "ReplicaSet.apps",
        ResourceKind::DaemonSets => "DaemonSet.apps",
        ResourceKind::StatefulSets => "StatefulSet.apps",
        ResourceKind::Jobs => "Job.batch",
        ResourceKind::Pdbs => "PodDisruptionBudget.policy",
        ResourceKind::Pods => "Pod",
        ResourceKind::Nodes => "Node",
        _ => "Object",
    };
    ApiError::invalid(k, name, cause)
}

impl Engine {
    /// `POST`: creates an object of a modelled kind. Refused as the API server refuses it
    /// (409 AlreadyExists, 404 for a missing namespace, 422 Invalid).
    pub(crate) fn api_create(&mut self, obj: Value) -> Result<(), ApiError> {
        let Some(kind) = kind_of(&obj) else {
            return self.other_write(obj, true).map(|_| ());
        };
        let (name, ns) = name_ns(&obj, kind);
        if name.is_empty() {
            return Err(ApiError::new(
                422,
                format!(
                    "{} \"\" is invalid: metadata.name: Required value: name or generateName is required",
                    kind_word(kind)
                ),
            ));
        }
        if kind.namespaced() && !self.cluster.has_namespace(&ns) {
            return Err(ApiError::not_found("namespaces", &ns));
        }
        let errs = validation::object(kind, &obj);
        if !errs.is_empty() {
            return Err(ApiError::invalid_fields(&qualified_kind(kind, &obj), &name, errs));
        }
        if self.exists(kind, &ns, &name) {
            return Err(ApiError::already_exists(kind.api_name(), &name));
        }
        self.check_pod_limit(kind, &name, self.pods_asked(kind, &obj))?;
        match kind {
            ResourceKind::Namespaces => {
                self.cluster.intern_namespace(&name);
                Ok(())
            }
            ResourceKind::Nodes => Err(ApiError::new(
                405,
                "kubedrill: nodes join with kubeadm (the node-add step), not through the API",
            )),
            k if k.stored() => {
                let mut obj = obj;
                if k == ResourceKind::Services {
                    if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
                        m.insert("namespace".into(), Value::String(ns.clone()));
                    }
                    services::admit(&self.cluster, &mut obj)
                        .map_err(|errs| ApiError::invalid_fields("Service", &name, errs))?;
                }
                let o = ApiObject::from_json(obj.clone())
                    .ok_or_else(|| ApiError::new(400, format!("the {k:?} does not decode")))?;
                let mut v = core_objects::to_store(&o);
                let m = v["metadata"].as_object_mut().expect("objects have metadata");
                m.insert(
                    "uid".into(),
                    Value::String(format!(
                        "00000000-0000-4005-8000-{:012x}",
                        self.cluster.store.writes + 1
                    )),
                );
                // Above the defaults' (`core_objects::meta`), rising with every write.
                m.insert(
                    "resourceVersion".into(),
                    Value::String((90_200 + self.cluster.store.writes + 1).to_string()),
                );
                m.insert(
                    "creationTimestamp".into(),
                    serde_json::to_value(objects::stamp(&self.cluster, self.now)).unwrap_or_default(),
                );
                if kind.namespaced() {
                    m.insert("namespace".into(), Value::String(ns.clone()));
                }
                self.cluster.store.put((kind, ns, name), v);
                Ok(())
            }
            _ => {
                let mut obj = obj;
                if kind.namespaced()
                    && let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut)
                {
                    m.insert("namespace".into(), Value::String(ns.clone()));
                }
                let m = Manifest::from_value(obj).map_err(|e| ApiError::new(422, e))?;
                add_manifest(self, &m).map_err(|SetupError(e)| ApiError::new(422, e))?;
                self.settle();
                Ok(())
            }
        }
    }

    /// The pods an object asks for when it is created (a DaemonSet one per node).
    fn pods_asked(&self, kind: ResourceKind, obj: &Value) -> u64 {
        // A count that is no int32 does not decode: that refusal (422) comes first.
        let count = |pointer: &str| {
            let n = obj.pointer(pointer).and_then(Value::as_i64).unwrap_or(1);
            i32::try_from(n).map_or(0, |n| n.max(0) as u64)
        };
        match kind {
            ResourceKind::Deployments | ResourceKind::ReplicaSets | ResourceKind::StatefulSets => {
                count("/spec/replicas")
            }
            ResourceKind::Jobs => count("/spec/completions"),
            ResourceKind::DaemonSets => self.cluster.node_count() as u64,
            ResourceKind::Pods => 1,
            _ => 0,
        }
    }

    /// The model's pod limit, refused as a quota refuses: `403 Forbidden` before anything
    /// is made.
    fn check_pod_limit(&self, kind: ResourceKind, name: &str, adding: u64) -> Result<(), ApiError> {
        self.check_pods(adding)
            .map_err(|why| ApiError::new(403, format!("{} \"{name}\" is forbidden: {why}", kind.api_name())))
    }

    /// Objects of kinds the model does not act on, kept as written (create: 409 if present;
    /// update: 404 if absent).
    fn other_write(&mut self, obj: Value, create: bool) -> Result<bool, ApiError> {
        let kind = obj.get("kind").and_then(Value::as_str).unwrap_or_default().to_string();
        let name = obj
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let ns = obj
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if name.is_empty() {
            return Err(ApiError::new(
                422,
                format!("{kind} \"\" is invalid: metadata.name: Required value: name or generateName is required"),
            ));
        }
        let key = (kind.clone(), ns, name.clone());
        let resource = crate::release::api::RESOURCES
            .iter()
            .find(|s| s.kind == kind)
            .map(|s| {
                if s.group.is_empty() {
                    s.resource.to_string()
                } else {
                    format!("{}.{}", s.resource, s.group)
                }
            })
            .unwrap_or_else(|| format!("{}s", kind.to_lowercase()));
        match (create, self.cluster.store.others.get(&key)) {
            (true, Some(_)) => Err(ApiError::already_exists(&resource, &name)),
            (false, None) => Err(ApiError::not_found(&resource, &name)),
            (false, Some(old)) if strip(old) == strip(&obj) => Ok(false),
            _ => {
                self.cluster.store.others.insert(key, obj);
                self.cluster.store.writes += 1;
                Ok(true)
            }
        }
    }

    /// Whether a live object of the kind has this name.
    fn exists(&self, kind: ResourceKind, ns: &str, name: &str) -> bool {
        objects::get(&self.cluster, kind, Some(ns), name).is_ok()
    }

    /// `PUT`: the object as a whole, replacing the stored one. `Ok(false)` when nothing the
    /// model keeps changed (`kubectl apply` then says `unchanged`).
    pub(crate) fn api_update(&mut self, obj: Value) -> Result<bool, ApiError> {
        let Some(kind) = kind_of(&obj) else {
            return self.other_write(obj, false);
        };
        let (name, ns) = name_ns(&obj, kind);
        let current = objects::get(&self.cluster, kind, Some(&ns), &name)?;
        if strip(&current.to_json()) == strip(&obj) {
            return Ok(false);
        }
        let errs = validation::object_labels(&obj);
        if !errs.is_empty() {
            return Err(ApiError::invalid_fields(&qualified_kind(kind, &obj), &name, errs));
        }
        match kind {
            ResourceKind::Nodes => self.update_node(&name, &obj),
            ResourceKind::Pods => self.update_pod(&ns, &name, &obj),
            ResourceKind::Pdbs => self.update_pdb(&ns, &name, obj),
            ResourceKind::Namespaces => Ok(false),
            k if k.stored() => {
                let o = ApiObject::from_json(obj).ok_or_else(|| ApiError::new(400, "the object does not decode"))?;
                let mut v = core_objects::to_store(&o);
                let before = core_objects::to_store(&current);
                if v == before {
                    return Ok(false);
                }
                if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
                    m.insert(
                        "resourceVersion".into(),
                        Value::String((90_200 + self.cluster.store.writes + 1).to_string()),
                    );
                }
                self.cluster.store.put((kind, ns, name), v);
                Ok(true)
            }
            k => self.update_workload(workload_kind(k).unwrap_or(WorkloadKind::Deployment), &ns, &name, obj),
        }
    }

    fn update_node(&mut self, name: &str, obj: &Value) -> Result<bool, ApiError> {
        let node: k8s_openapi::api::core::v1::Node =
            serde_json::from_value(obj.clone()).map_err(|e| ApiError::new(400, e.to_string()))?;
        let id = self
            .cluster
            .node_id(name)
            .ok_or_else(|| ApiError::not_found("nodes", name))?;
        let mut changed = false;
        let labels = node.metadata.labels.unwrap_or_default();
        if self.cluster.node(id).labels != labels {
            self.cluster.node_mut(id).labels = labels;
            self.sched_dirty = true;
            self.mark_ds_changed();
            changed = true;
        }
        let spec = node.spec.unwrap_or_default();
        let mut wanted = Vec::new();
        for t in spec.taints.unwrap_or_default() {
            let effect = Effect::parse(&t.effect).map_err(|e| {
                invalid(
                    ResourceKind::Nodes,
                    name,
                    &format!("spec.taints[0].effect: Unsupported value: {:?}: {e}", t.effect),
                )
            })?;
            wanted.push(Taint {
                key: t.key,
                value: t.value.unwrap_or_default(),
                effect,
            });
        }
        let have = self.cluster.node(id).taints.clone();
        for t in &have {
            if !wanted.contains(t) {
                self.remove_taint_exact(id, t);
                changed = true;
            }
        }
        for t in wanted {
            if !self.cluster.node(id).taints.contains(&t) {
                let no_execute = t.effect == Effect::NoExecute;
                self.add_taint(id, t);
                if no_execute {
                    self.evict_intolerant(id);
                }
                changed = true;
            }
        }
        let unschedulable = spec.unschedulable.unwrap_or(false);
        if self.cluster.node(id).unschedulable != unschedulable {
            self.set_unschedulable(id, unschedulable);
            changed = true;
        }
        self.settle();
        Ok(changed)
    }

    fn remove_taint_exact(&mut self, node: NodeId, taint: &Taint) {
        let n = self.cluster.node_mut(node);
        n.taints.retain(|t| t != taint);
        let name = n.name.clone();
        self.record(crate::trace::Event::NodeUntainted {
            node: name,
            taint: taint.to_string(),
        });
        self.sched_dirty = true;
        self.ds_touched = true;
    }

    /// The taint manager: pods on the node that do not tolerate its NoExecute taints go.
    fn evict_intolerant(&mut self, node: NodeId) {
        let taints: Vec<Taint> = self
            .cluster
            .node(node)
            .taints
            .iter()
            .filter(|t| t.effect == Effect::NoExecute)
            .cloned()
            .collect();
        for p in self.cluster.pods_on_node(node) {
            let Some(pod) = self.cluster.pod(p) else { continue };
            if pod.is_terminating() || pod.is_mirror() {
                continue;
            }
            let tolerated = taints
                .iter()
                .all(|t| pod.template.tolerations.iter().any(|tol| tol.tolerates(t)));
            if !tolerated {
                self.delete_pod(p, None, DeleteCause::NodeLost);
            }
        }
    }

    fn update_pod(&mut self, ns: &str, name: &str, obj: &Value) -> Result<bool, ApiError> {
        let pod: k8s_openapi::api::core::v1::Pod =
            serde_json::from_value(obj.clone()).map_err(|e| ApiError::new(400, e.to_string()))?;
        let id = self
            .cluster
            .pod_id(ns, name)
            .ok_or_else(|| ApiError::not_found("pods", name))?;
        let current = objects::pod_object(&self.cluster, id).ok_or_else(|| ApiError::not_found("pods", name))?;
        if pod.spec != current.spec {
            return Err(invalid(
                ResourceKind::Pods,
                name,
                "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
            ));
        }
        let labels = pod.metadata.labels.unwrap_or_default();
        let changed = self.cluster.pod(id).is_some_and(|p| *p.labels != labels);
        if changed {
            self.cluster.relabel_pod(id, labels);
        }
        let annotations = pod.metadata.annotations.unwrap_or_default();
        if self
            .cluster
            .pod(id)
            .is_some_and(|p| p.template.annotations != annotations)
        {
            // Annotations live on the shared template; a pod of its own gets its own copy.
            let mut t = (*self.cluster.pod(id).map(|p| p.template.clone()).expect("pod")).clone();
            t.annotations = annotations;
            self.cluster.update_pod(id, |p| p.template = Arc::new(t));
            return Ok(true);
        }
        Ok(changed)
    }

    fn update_pdb(&mut self, ns: &str, name: &str, obj: Value) -> Result<bool, ApiError> {
        let id = self
            .cluster
            .pdb_ids()
            .into_iter()
            .find(|id| &*self.cluster.pdb(*id).namespace == ns && &*self.cluster.pdb(*id).name == name)
            .ok_or_else(|| ApiError::not_found("poddisruptionbudgets.policy", name))?;
        let Manifest::PodDisruptionBudget(p) = Manifest::from_value(obj).map_err(|e| ApiError::new(422, e))? else {
            return Err(ApiError::new(400, "not a PodDisruptionBudget"));
        };
        let ns_arc = self.cluster.intern_namespace(ns);
        let mut pdb =
            pdb_from_manifest(&p, ns_arc, self.cluster.pdb(id).created_at).map_err(|e| ApiError::new(422, e))?;
        pdb.created_at = self.cluster.pdb(id).created_at;
        self.cluster.replace_pdb(id, pdb);
        Ok(true)
    }

    fn update_workload(&mut self, wk: WorkloadKind, ns: &str, name: &str, obj: Value) -> Result<bool, ApiError> {
        let kind = ResourceKind::parse(wk.as_str()).unwrap_or(ResourceKind::Deployments);
        let id = self
            .cluster
            .workload_id(wk, ns, name)
            .filter(|id| !self.cluster.workload(*id).deleted)
            .ok_or_else(|| ApiError::not_found(wk.resource(), name))?;
        let m = Manifest::from_value(obj.clone()).map_err(|e| ApiError::new(422, e))?;
        let (template, replicas, selector) = match &m {
            Manifest::Deployment(d) => (Some(&d.spec.template), d.spec.replicas, Some(&d.spec.selector)),
            Manifest::ReplicaSet(r) => (r.spec.template.as_ref(), r.spec.replicas, Some(&r.spec.selector)),
            Manifest::StatefulSet(s) => (Some(&s.spec.template), s.spec.replicas, Some(&s.spec.selector)),
            Manifest::DaemonSet(d) => (Some(&d.spec.template), None, Some(&d.spec.selector)),
            Manifest::Job(j) => (
                j.spec.as_ref().map(|s| &s.template),
                j.spec.as_ref().and_then(|s| s.completions),
                None,
            ),
            _ => return Err(ApiError::new(400, "not a controller")),
        };
        let current = objects::workload_object(&self.cluster, id).to_json();
        if let Some(sel) = selector {
            let now = serde_json::to_value(sel).unwrap_or_default();
            if current.pointer("/spec/selector") != Some(&now) && wk != WorkloadKind::Job {
                return Err(invalid(
                    kind,
                    name,
                    &format!(
                        "spec.selector: Invalid value: {}: field is immutable",
                        objects_selector_text(sel)
                    ),
                ));
            }
        }
        let more = replicas.map_or(0, |r| i64::from(r) - i64::from(self.cluster.workload(id).replicas));
        if more > 0 {
            self.check_pod_limit(kind, name, more as u64)?;
        }
        let mut changed = false;
        // Metadata set through the API.
        let labels = m.metadata().labels.clone().unwrap_or_default();
        let mut annotations = m.metadata().annotations.clone().unwrap_or_default();
        annotations.remove("deployment.kubernetes.io/revision");
        annotations.remove("deprecated.daemonset.template.generation");
        let meta = &mut self.cluster.workload_mut(id).meta;
        if meta.labels.as_ref() != Some(&labels)
            && current.pointer("/metadata/labels") != serde_json::to_value(&labels).ok().as_ref()
        {
            meta.labels = Some(labels);
            changed = true;
        }
        if meta.annotations != annotations {
            meta.annotations = annotations;
            changed = true;
        }
        if let Some(paused) = obj.pointer("/spec/paused").and_then(Value::as_bool).or(Some(false))
            && wk == WorkloadKind::Deployment
            && self.cluster.workload(id).meta.paused != paused
        {
            self.cluster.workload_mut(id).meta.paused = paused;
            changed = true;
            if !paused {
                self.resume_rollout(id);
            }
        }
        if let Some(t) = template {
            let new = template_from(t, wk == WorkloadKind::Job).map_err(|e| invalid(kind, name, &e.to_string()))?;
            let before = current.pointer("/spec/template").cloned().unwrap_or_default();
            let after = serde_json::to_value(t).unwrap_or_default();
            if strip_template(&before) != strip_template(&after) {
                if wk == WorkloadKind::Job {
                    return Err(invalid(
                        kind,
                        name,
                        "spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable",
                    ));
                }
                let cause = m
                    .metadata()
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get("kubernetes.io/change-cause"))
                    .cloned();
                let image = t
                    .spec
                    .as_ref()
                    .and_then(|s| s.containers.first())
                    .and_then(|c| c.image.clone());
                self.set_template(id, new, cause);
                if let Some(image) = image {
                    self.addon_image_set(wk, ns, name, &image);
                }
                changed = true;
            }
        }
        if let Some(r) = replicas {
            if r < 0 {
                return Err(invalid(
                    kind,
                    name,
                    &format!("spec.replicas: Invalid value: {r}: must be greater than or equal to 0"),
                ));
            }
            if self.cluster.workload(id).replicas != r as u32 {
                self.scale(id, r as u32);
                changed = true;
            }
        }
        self.settle();
        Ok(changed)
    }

    /// A controller's new pod template. A Deployment records a revision and rolls its pods
    /// (unless paused); a DaemonSet rolls node by node; a ReplicaSet's and a StatefulSet's
    /// existing pods keep the old one (StatefulSet rolling updates are not modelled).
    pub(crate) fn set_template(&mut self, id: WorkloadId, template: PodTemplate, cause: Option<String>) {
        let w = self.cluster.workload(id);
        let kind = w.kind;
        let old = w.template.clone();
        match kind {
            WorkloadKind::Deployment => {
                let rev = w.meta.revision;
                let paused = w.meta.paused;
                let meta = &mut self.cluster.workload_mut(id).meta;
                meta.history.push((rev, old, cause));
                if meta.history.len() > 10 {
                    meta.history.remove(0);
                }
                meta.revision = rev + 1;
                let t = Arc::new(crate::engine::setup::admit_template(template));
                self.cluster.workload_mut(id).template = t.clone();
                if let Some(rs) = self.cluster.workload(id).child
                    && !paused
                {
                    self.cluster.workload_mut(rs).template = t;
                    self.schedule(
                        self.now + super::upgrade::ROLL_POLL,
                        super::Timer::Rollout { ws: rs, at: None },
                    );
                }
            }
            WorkloadKind::DaemonSet => {
                let mut t = crate::engine::setup::admit_template(template);
                crate::engine::setup::daemonset_tolerations_pub(&mut t);
                self.cluster.workload_mut(id).template = Arc::new(t);
                self.schedule(
                    self.now + super::upgrade::ROLL_POLL,
                    super::Timer::Rollout { ws: id, at: None },
                );
            }
            _ => {
                self.cluster.workload_mut(id).template = Arc::new(crate::engine::setup::admit_template(template));
            }
        }
    }

    /// `kubectl rollout resume`: a template set while paused reaches the ReplicaSet.
    fn resume_rollout(&mut self, id: WorkloadId) {
        let t = self.cluster.workload(id).template.clone();
        if let Some(rs) = self.cluster.workload(id).child
            && !Arc::ptr_eq(&self.cluster.workload(rs).template, &t)
        {
            self.cluster.workload_mut(rs).template = t;
            self.schedule(
                self.now + super::upgrade::ROLL_POLL,
                super::Timer::Rollout { ws: rs, at: None },
            );
        }
    }

    /// `kubectl rollout undo [--to-revision=N]`: the revision's template comes back as a new
    /// revision. Returns the revision rolled back to.
    pub(crate) fn api_rollback(&mut self, ns: &str, name: &str, to: u32) -> Result<u32, ApiError> {
        let id = self
            .cluster
            .workload_id(WorkloadKind::Deployment, ns, name)
            .filter(|id| !self.cluster.workload(*id).deleted)
            .ok_or_else(|| ApiError::not_found("deployments.apps", name))?;
        let history = self.cluster.workload(id).meta.history.clone();
        let found = if to == 0 {
            history.last().cloned()
        } else {
            history.iter().find(|(r, _, _)| *r == to).cloned()
        };
        let Some((rev, template, _)) = found else {
            return Err(ApiError::new(
                400,
                if to == 0 {
                    "no rollout history found for deployment \"".to_string() + name + "\""
                } else {
                    format!("unable to find specified revision {to} in history")
                },
            ));
        };
        let meta = &mut self.cluster.workload_mut(id).meta;
        meta.history.retain(|(r, _, _)| *r != rev);
        self.set_template(id, (*template).clone(), None);
        self.settle();
        Ok(rev)
    }

    /// A controller's desired replicas: the controller creates or removes pods to match
    /// (a scale-down removes not-ready pods first, then the newest; a StatefulSet the highest
    /// ordinals).
    pub(crate) fn scale(&mut self, id: WorkloadId, replicas: u32) {
        let w = self.cluster.workload(id);
        let kind = w.kind;
        let target = if kind == WorkloadKind::Deployment {
            w.child
        } else {
            Some(id)
        };
        self.cluster.workload_mut(id).replicas = replicas;
        let Some(target) = target else { return };
        if target != id {
            self.cluster.workload_mut(target).replicas = replicas;
        }
        match kind {
            WorkloadKind::StatefulSet => {
                let extra: Vec<PodId> = self
                    .cluster
                    .workload(target)
                    .ordinals
                    .iter()
                    .skip(replicas as usize)
                    .flatten()
                    .copied()
                    .collect();
                for p in extra.into_iter().rev() {
                    self.delete_pod(p, None, DeleteCause::Rollout);
                }
                self.cluster.workload_mut(target).ordinals.truncate(replicas as usize);
            }
            WorkloadKind::Deployment | WorkloadKind::ReplicaSet => {
                let mut pods: Vec<(bool, u64, PodId)> = self
                    .cluster
                    .pods_owned_by(Owner::ReplicaSet(target))
                    .into_iter()
                    .filter_map(|p| self.cluster.pod(p).map(|x| (x, p)))
                    .filter(|(x, _)| !x.is_terminating() && !x.is_finished())
                    .map(|(x, p)| (x.ready, u64::MAX - x.uid, p))
                    .collect();
                pods.sort();
                let active = pods.len();
                for (_, _, p) in pods.into_iter().take(active.saturating_sub(replicas as usize)) {
                    self.delete_pod(p, None, DeleteCause::Rollout);
                }
            }
            _ => {}
        }
        self.reconcile(target);
        self.settle();
    }

    /// `DELETE`: the object goes, and what it owns with it (the garbage collector's
    /// background cascade): a controller's pods, a namespace's objects.
    pub(crate) fn api_delete(
        &mut self,
        kind: ResourceKind,
        ns: &str,
        name: &str,
        grace: Option<u64>,
    ) -> Result<(), ApiError> {
        match kind {
            ResourceKind::Pods => {
                let id = self
                    .cluster
                    .pod_id(ns, name)
                    .ok_or_else(|| ApiError::not_found("pods", name))?;
                let uid = self.cluster.pod(id).map(|p| p.uid);
                self.delete_pod(id, grace, DeleteCause::User);
                // Grace 0 (`--grace-period=0 --force`): the object goes at once, whatever the
                // kubelet is doing.
                if let (Some(0), Some(uid)) = (grace, uid) {
                    self.force_remove(id, uid);
                }
            }
            ResourceKind::Nodes => {
                let id = self
                    .cluster
                    .node_id(name)
                    .ok_or_else(|| ApiError::not_found("nodes", name))?;
                self.node_delete(id);
            }
            ResourceKind::Pdbs => {
                let id = self
                    .cluster
                    .pdb_ids()
                    .into_iter()
                    .find(|id| &*self.cluster.pdb(*id).namespace == ns && &*self.cluster.pdb(*id).name == name)
                    .ok_or_else(|| ApiError::not_found(kind.api_name(), name))?;
                let mut gone = self.cluster.pdb(id).clone();
                gone.deleted = true;
                self.cluster.replace_pdb(id, gone);
            }
            ResourceKind::Namespaces => self.delete_namespace(name)?,
            k if k.stored() => {
                if !self.exists(k, ns, name) {
                    return Err(ApiError::not_found(k.api_name(), name));
                }
                // The controllers put these straight back.
                let recreated = matches!(
                    (k, name),
                    (ResourceKind::ServiceAccounts, "default")
                        | (ResourceKind::ConfigMaps, "kube-root-ca.crt")
                        | (ResourceKind::Services, "kubernetes")
                );
                if !recreated {
                    let is_default = core_objects::is_default(&self.cluster, k, ns, name);
                    self.cluster
                        .store
                        .remove(&(k, ns.to_string(), name.to_string()), is_default);
                }
            }
            k => {
                let wk = workload_kind(k).ok_or_else(|| {
                    ApiError::new(405, "the server does not allow this method on the requested resource")
                })?;
                let id = self
                    .cluster
                    .workload_id(wk, ns, name)
                    .filter(|id| !self.cluster.workload(*id).deleted)
                    .ok_or_else(|| ApiError::not_found(wk.resource(), name))?;
                self.delete_workload(id, grace);
            }
        }
        self.settle();
        Ok(())
    }

    fn delete_workload(&mut self, id: WorkloadId, grace: Option<u64>) {
        let child = self.cluster.workload(id).child;
        self.cluster.workload_mut(id).deleted = true;
        let mut owners = vec![id];
        if let Some(rs) = child {
            self.cluster.workload_mut(rs).deleted = true;
            owners.push(rs);
        }
        for o in owners {
            let kind = self.cluster.workload(o).kind;
            let owner = match kind {
                WorkloadKind::ReplicaSet => Some(Owner::ReplicaSet(o)),
                WorkloadKind::DaemonSet => Some(Owner::DaemonSet(o)),
                WorkloadKind::Job => Some(Owner::Job(o)),
                _ => None,
            };
            let pods: Vec<PodId> = match (kind, owner) {
                (WorkloadKind::StatefulSet, _) => self.cluster.workload(o).ordinals.iter().flatten().copied().collect(),
                (_, Some(owner)) => self.cluster.pods_owned_by(owner),
                _ => Vec::new(),
            };
            for p in pods {
                self.delete_pod(p, grace, DeleteCause::Rollout);
            }
        }
    }

    fn delete_namespace(&mut self, name: &str) -> Result<(), ApiError> {
        if !self.cluster.has_namespace(name) {
            return Err(ApiError::not_found("namespaces", name));
        }
        if matches!(name, "default" | "kube-system" | "kube-public" | "kube-node-lease") {
            return Err(ApiError::new(
                403,
                format!("namespaces \"{name}\" is forbidden: this namespace may not be deleted"),
            ));
        }
        let workloads: Vec<WorkloadId> = self
            .cluster
            .workload_ids()
            .filter(|w| &*self.cluster.workload(*w).namespace == name)
            .collect();
        for w in workloads {
            if !self.cluster.workload(w).deleted {
                self.delete_workload(w, None);
            }
        }
        let pods: Vec<PodId> = self.cluster.pods_in_namespace(name).map(|(id, _)| id).collect();
        for p in pods {
            self.delete_pod(p, None, DeleteCause::User);
        }
        let pdbs: Vec<PdbId> = self
            .cluster
            .pdb_ids()
            .into_iter()
            .filter(|id| &*self.cluster.pdb(*id).namespace == name)
            .collect();
        for id in pdbs {
            let mut gone = self.cluster.pdb(id).clone();
            gone.deleted = true;
            self.cluster.replace_pdb(id, gone);
        }
        self.cluster.remove_namespace(name);
        Ok(())
    }
}

fn kind_word(kind: ResourceKind) -> &'static str {
    kind.kind_group().split('.').next().unwrap_or_default()
}

/// What a client's copy may differ in without being a change: server-kept metadata and the
/// status.
fn strip(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("status");
        if let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut) {
            for k in [
                "resourceVersion",
                "uid",
                "creationTimestamp",
                "generation",
                "managedFields",
                "selfLink",
            ] {
                m.remove(k);
            }
            if let Some(a) = m.get_mut("annotations").and_then(Value::as_object_mut) {
                a.remove("kubectl.kubernetes.io/last-applied-configuration");
                if a.is_empty() {
                    m.remove("annotations");
                }
            }
        }
    }
    v
}

/// A pod template compared without what the server defaults (so a manifest that leaves out
/// `imagePullPolicy` is not a change).
fn strip_template(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(spec) = v.get_mut("spec").and_then(Value::as_object_mut) {
        for k in [
            "dnsPolicy",
            "restartPolicy",
            "schedulerName",
            "securityContext",
            "terminationGracePeriodSeconds",
            "serviceAccount",
            "serviceAccountName",
            "enableServiceLinks",
            "preemptionPolicy",
            "priority",
        ] {
            spec.remove(k);
        }
        if let Some(cs) = spec.get_mut("containers").and_then(Value::as_array_mut) {
            for c in cs.iter_mut().filter_map(Value::as_object_mut) {
                for k in ["imagePullPolicy", "terminationMessagePath", "terminationMessagePolicy"] {
                    c.remove(k);
                }
                if c.get("resources") == Some(&serde_json::json!({})) {
                    c.remove("resources");
                }
            }
        }
    }
    if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut)
        && m.is_empty()
    {
        v.as_object_mut().map(|o| o.remove("metadata"));
    }
    v
}

fn objects_selector_text(s: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector) -> String {
    format!(
        "v1.LabelSelector{{MatchLabels:{:?}}}",
        s.match_labels.clone().unwrap_or_default()
    )
}
