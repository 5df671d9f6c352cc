//! The Kubernetes API over the simulator, as the HTTP layer needs it. Reads go through the sim
//! crate's [`KubeApi`] (whole objects, the model's own list filters and errors) and, for pod
//! lists, through its compact cluster (an index instead of rendering 150,000 pods to pick a
//! page). Writes are typed API inputs ([`Sim::handle_input`] with [`Input::Api`]): each one a
//! step of the simulation, traced as the request, with the controllers settled and the
//! invariants checked after it, exactly as a policy or a test would drive the cluster.

use super::resources::Resource;
use kubedrill_sim::KubeApi;
use kubedrill_sim::Sim;
use kubedrill_sim::host::input::{ApiRequest, Input, Output};
use kubedrill_sim::model::PodId;
use kubedrill_sim::model::objects::{self, ApiObject, ListOptions, ResourceKind};
use kubedrill_sim::model::status::{ApiError, Unreachable};
use kubedrill_sim::time::{SimDuration, SimTime};
use kubedrill_sim::version::KubeVersion;
use std::sync::Arc;

/// What a list selects and which page of it.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub options: ListOptions,
    pub limit: Option<usize>,
    /// Continue after this (namespace, name).
    pub after: Option<(String, String)>,
}

pub struct ListPage {
    pub items: Vec<ApiObject>,
    /// The (namespace, name) to continue after, when more items remain.
    pub next: Option<(String, String)>,
}

/// Pods as (namespace, name, id), in that order.
type PodIndex = Arc<Vec<(Arc<str>, Arc<str>, PodId)>>;

/// Caches kept on the simulator thread between requests (the sorted pod index that pages of a
/// list are cut from).
#[derive(Default)]
pub struct Caches {
    pods: Option<PodIndex>,
}

/// The simulator, as one request sees it.
pub struct Backend<'a> {
    pub sim: &'a mut Sim,
    pub caches: &'a mut Caches,
}

impl Backend<'_> {
    /// The API server's version (what `/version` reports and which behaviour it has).
    pub fn server_version(&self) -> KubeVersion {
        self.sim.cluster().version.clone()
    }

    /// The current resourceVersion of lists and watches (etcd's revision).
    pub fn resource_version(&self) -> String {
        self.sim.etcd().revision.to_string()
    }

    pub fn now(&self) -> SimTime {
        self.sim.now()
    }

    /// Whether a request that needs etcd gets an answer. One that times out inside the API
    /// server has waited for it in virtual time (returned, for the wall clock to wait too); the
    /// trace records why the API was unavailable, as for a typed kubectl.
    pub fn reachable(&mut self) -> Result<(), (Unreachable, SimDuration)> {
        let before = self.sim.now();
        KubeApi::reachable(self.sim).map_err(|e| (e, self.sim.now().saturating_sub(before)))
    }

    /// `GET` one object.
    pub fn get(&self, r: &Resource, namespace: Option<&str>, name: &str) -> Result<ApiObject, ApiError> {
        match r.kind {
            Some(kind) => KubeApi::get(&*self.sim, kind, namespace, name),
            None => Err(not_found(r, name)),
        }
    }

    /// `LIST` a page.
    pub fn list(&mut self, r: &Resource, q: &ListQuery) -> Result<ListPage, ApiError> {
        match r.kind {
            Some(ResourceKind::Pods) => self.list_pods(q),
            Some(kind) => Ok(paginate(KubeApi::list(&*self.sim, kind, &q.options)?, q)),
            None => Ok(ListPage {
                items: Vec::new(),
                next: None,
            }),
        }
    }

    /// Applies a write as one step of the simulation, then reads what `answer` wants from the
    /// cluster it left. A dry run (`dryRun=All`) does the same on a copy, which is dropped: every
    /// check of the real write, nothing kept.
    pub fn write<R>(
        &mut self,
        request: ApiRequest,
        dry_run: bool,
        answer: impl FnOnce(&Sim) -> Result<R, ApiError>,
    ) -> Result<R, ApiError> {
        let mut copy;
        let sim: &mut Sim = if dry_run {
            copy = self.sim.clone();
            &mut copy
        } else {
            &mut *self.sim
        };
        match sim.handle_input(Input::Api(request)) {
            Ok(Output::Api(Ok(_))) => answer(sim),
            Ok(Output::Api(Err(e))) => Err(e),
            Ok(other) => Err(ApiError::new(500, format!("unexpected answer {other:?}"))),
            Err(e) => Err(ApiError::new(400, e.to_string())),
        }
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
        let mut v: Vec<(Arc<str>, Arc<str>, PodId)> = c
            .pods_ordered()
            .map(|(id, p)| (p.namespace.clone(), p.name.clone(), id))
            .collect();
        v.sort_unstable_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        let v = Arc::new(v);
        self.caches.pods = Some(v.clone());
        v
    }

    /// A node's pods (what drain lists), from the node's own index.
    fn pods_of_node(&self, node: &str) -> PodIndex {
        let c = self.sim.cluster();
        let mut v: Vec<_> = match c.node_id(node) {
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

    /// A page of pods: candidates from an index, labels checked on the compact pods, and only
    /// the pods a page needs rendered whole (other field selectors are checked on those).
    fn list_pods(&mut self, q: &ListQuery) -> Result<ListPage, ApiError> {
        let o = &q.options;
        for (f, _) in o.field_selector.iter().chain(&o.field_selector_not) {
            objects::check_field(ResourceKind::Pods, f)?;
        }
        let node = o
            .field_selector
            .iter()
            .find(|(f, v)| f == "spec.nodeName" && !v.is_empty())
            .map(|(_, v)| v.as_str());
        let candidates = match node {
            Some(n) => self.pods_of_node(n),
            None => self.sorted_pods(),
        };
        let mut start = match &q.after {
            Some((ns, name)) => {
                candidates.partition_point(|(a, b, _)| (a.as_ref(), b.as_ref()) <= (ns.as_str(), name.as_str()))
            }
            None => 0,
        };
        let mut end = candidates.len();
        if let Some(ns) = &o.namespace {
            start = start.max(candidates.partition_point(|(a, _, _)| a.as_ref() < ns.as_str()));
            end = candidates.partition_point(|(a, _, _)| a.as_ref() <= ns.as_str());
        }
        let limit = q.limit.filter(|l| *l > 0).unwrap_or(usize::MAX);
        let c = self.sim.cluster();
        let mut items = Vec::new();
        let (mut next, mut last) = (None, None);
        for (ns, name, id) in candidates.iter().take(end).skip(start) {
            let Some(p) = c.pod(*id) else { continue };
            if o.label_selector.as_ref().is_some_and(|s| !s.matches(&p.labels)) {
                continue;
            }
            let Some(pod) = objects::pod_object(c, *id).map(ApiObject::Pod) else {
                continue;
            };
            let value = |f: &str| objects::field_value(&pod, f).unwrap_or_default();
            if o.field_selector.iter().any(|(f, v)| value(f) != *v)
                || o.field_selector_not.iter().any(|(f, v)| value(f) == *v)
            {
                continue;
            }
            // One more match than the page holds: the page gets a continue token.
            if items.len() == limit {
                next = last;
                break;
            }
            items.push(pod);
            last = Some((ns.to_string(), name.to_string()));
        }
        Ok(ListPage { items, next })
    }
}

/// `pods "x" not found`, `deployments.apps "x" not found`.
pub fn not_found(r: &Resource, name: &str) -> ApiError {
    let resource = if r.group().is_empty() {
        r.plural().to_string()
    } else {
        format!("{}.{}", r.plural(), r.group())
    };
    ApiError::not_found(&resource, name)
}

/// Applies limit/continue to a fully listed, ordered set.
fn paginate(items: Vec<ApiObject>, q: &ListQuery) -> ListPage {
    let key = |o: &ApiObject| {
        let m = o.metadata();
        (
            m.namespace.clone().unwrap_or_default(),
            m.name.clone().unwrap_or_default(),
        )
    };
    let mut items: Vec<ApiObject> = match &q.after {
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
