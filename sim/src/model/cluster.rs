//! The cluster's state and its indices. Mutations here are bookkeeping only (bind, unbind,
//! index upkeep); what *causes* them (controllers, kubelet, scheduler) lives in `engine`.

use crate::model::pdb::{PdbStatus, UnhealthyPodEvictionPolicy};
use crate::model::*;
use crate::release::behaviour::ClusterSide;
use crate::release::version::KubeVersion;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The budgets a labels object matched in a namespace, while the budgets stay as they were.
/// The labels are held, so their address cannot be reused while the memo stands.
#[derive(Clone, Debug)]
struct AttachMemo {
    epoch: u64,
    labels: Arc<Labels>,
    namespace: Arc<str>,
    pdbs: smallvec::SmallVec<[PdbId; 2]>,
}

/// No node's key is this (it would need 65,535 pods on node id `u32::MAX`): a node whose
/// index entry is up to date.
const NOT_STALE: u64 = u64::MAX;

/// (requested per-mille, pods, id) as `per-mille << 48 | pods << 32 | id`: the packed numbers
/// order as the tuples do. Load and pod count saturate at 65,535 (65 times a node's
/// allocatable, 65,535 pods on one node), beyond which nodes order by id alone: one 64-bit
/// key keeps the index's B-tree nodes half the size and each comparison one instruction.
fn pack_sched_key(permille: u32, pods: u32, id: NodeId) -> u64 {
    let sat = |v: u32| u64::from(v.min(u32::from(u16::MAX)));
    (sat(permille) << 48) | (sat(pods) << 32) | u64::from(id.0)
}

/// A leader-election Lease as the API shows it: who holds it (or held it last), whether the
/// holder still renews it, and how often it changed hands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeaderLease {
    pub holder: Option<NodeId>,
    /// False from the holder's restart (or its machine going down) until another takes it.
    pub renewing: bool,
    /// When the holder last renewed it, if it stopped.
    pub renewed_at: crate::time::SimTime,
    pub acquired_at: crate::time::SimTime,
    pub transitions: i32,
}

impl LeaderLease {
    /// The control plane whose process leads now.
    pub fn leader(&self) -> Option<NodeId> {
        self.holder.filter(|_| self.renewing)
    }
}

#[derive(Clone, Debug)]
pub struct Cluster {
    /// The kube-controller-manager leader Lease (kube-system/kube-controller-manager).
    pub cm_lease: LeaderLease,
    /// The version of the API server clients reach (the first control plane's).
    pub version: KubeVersion,
    /// `kubernetesVersion` of the ClusterConfiguration in the `kubeadm-config` ConfigMap: what
    /// `kubeadm upgrade apply` last set, and what `kubeadm upgrade node` upgrades to.
    pub config_version: KubeVersion,
    pub kubectl_version: KubeVersion,
    pub side: ClusterSide,
    /// kube-proxy, DNS and the independent components.
    pub addons: crate::release::components::Addons,
    /// The etcd cluster version recorded in the data (major, minor): the highest cluster version
    /// the members ever agreed on. An older binary refuses this data.
    pub etcd_data: Option<(u32, u32)>,
    /// kube-apiserver's `--storage-media-type` (what the etcd rollback tool can read).
    pub storage_media_type: String,
    /// The wall clock at virtual time 0, in Unix seconds (`cluster.date` moves it; the
    /// default is [`crate::time::WALL_EPOCH_S`]).
    pub epoch_s: u64,
    /// The day the scenario starts on (`cluster.date`), in days since 1970-01-01: which
    /// releases exist (apt, kubeadm's "latest stable"). `None`: every release exists.
    pub date_day: Option<i64>,
    /// When the API could not serve, and why (the kubelets' journals show it); the machines'
    /// history, kept across an etcd restore.
    pub api_outages: Vec<unit::ApiOutage>,
    nodes: Vec<Option<Node>>,
    /// Control-plane nodes in creation order (the first is the API endpoint).
    control_planes: Vec<NodeId>,
    node_names: BTreeMap<Arc<str>, NodeId>,
    /// Copies of the simulator share pods until they change (see [`crate::cow_vec`]).
    pods: crate::cow_vec::CowVec<Option<Pod>>,
    free_pod_slots: Vec<u32>,
    /// Point lookups only (see [`super::pod_names`]); listings sort on demand instead.
    pod_names: pod_names::PodNames,
    workloads: Vec<Workload>,
    workload_names: BTreeMap<(WorkloadKind, Arc<str>, Arc<str>), WorkloadId>,
    pdbs: Vec<Pdb>,
    /// Bumped whenever a budget is added or replaced: what `attach_memo` was worked out for.
    pdb_epoch: u64,
    /// The budgets the last pod attached matched, for the next pod with the same labels
    /// object (a controller's pods share one) in the same namespace.
    attach_memo: Option<AttachMemo>,
    namespaces: BTreeSet<Arc<str>>,
    next_uid: u64,
    /// Nodes ordered by how loaded they are: (requested per-mille, pod count, id), packed
    /// into one integer in that order ([`Cluster::sched_key`]) so the index, updated on every
    /// bind and removal, compares one number instead of a tuple. The scheduler walks it from
    /// the least loaded end.
    sched_index: BTreeSet<u64>,
    /// Nodes that lost pods since the index was last brought up to date, with the key each
    /// is still indexed under (by node id, [`NOT_STALE`] for the others; `sched_changed`
    /// lists them). The index is mended when the scheduler next reads it
    /// ([`Cluster::mend_sched_index`]): the pods of a drained node go one by one, and mending
    /// once saves an update per pod. A bind, which the scheduler reads right after, updates
    /// the index at once.
    sched_stale: Vec<u64>,
    sched_changed: Vec<NodeId>,
    /// Pods waiting for a node, in creation order (uid).
    pub(crate) pending: BTreeSet<(u64, PodId)>,
    /// Objects of the kinds no controller acts on, as far as they differ from what a fresh
    /// kubeadm cluster has (`model::core_objects`).
    pub store: store::ObjectStore,
}

impl Cluster {
    pub fn new(version: KubeVersion, kubectl_version: KubeVersion) -> Self {
        let side = ClusterSide::for_version(&version);
        let mut c = Self {
            addons: crate::release::components::Addons {
                kube_proxy: version.clone(),
                dns_name: "CoreDNS",
                dns_version: String::new(),
                flannel: None,
                easy_rsa: None,
            },
            etcd_data: None,
            storage_media_type: crate::etcd::rollback::PROTOBUF_MEDIA_TYPE.to_string(),
            epoch_s: crate::time::WALL_EPOCH_S,
            date_day: None,
            api_outages: Vec::new(),
            config_version: version.clone(),
            version,
            kubectl_version,
            side,
            nodes: Vec::new(),
            control_planes: Vec::new(),
            node_names: BTreeMap::new(),
            pods: crate::cow_vec::CowVec::new(),
            free_pod_slots: Vec::new(),
            pod_names: Default::default(),
            workloads: Vec::new(),
            workload_names: BTreeMap::new(),
            pdbs: Vec::new(),
            namespaces: BTreeSet::new(),
            next_uid: 1,
            sched_index: BTreeSet::new(),
            sched_stale: Vec::new(),
            pdb_epoch: 0,
            attach_memo: None,
            sched_changed: Vec::new(),
            pending: BTreeSet::new(),
            store: Default::default(),
            cm_lease: LeaderLease::default(),
        };
        for ns in ["default", "kube-node-lease", "kube-public", "kube-system"] {
            c.intern_namespace(ns);
        }
        c
    }

    // ---- namespaces -------------------------------------------------------------------

    pub fn intern_namespace(&mut self, ns: &str) -> Arc<str> {
        if let Some(existing) = self.namespaces.get(ns) {
            return existing.clone();
        }
        let arc: Arc<str> = Arc::from(ns);
        self.namespaces.insert(arc.clone());
        arc
    }

    pub fn namespaces(&self) -> impl Iterator<Item = &Arc<str>> {
        self.namespaces.iter()
    }

    pub fn has_namespace(&self, ns: &str) -> bool {
        self.namespaces.contains(ns)
    }

    pub fn next_uid(&mut self) -> u64 {
        let uid = self.next_uid;
        self.next_uid += 1;
        uid
    }

    // ---- nodes ------------------------------------------------------------------------

    pub fn add_node(&mut self, node: Node) -> NodeId {
        let id = NodeId(self.nodes.len() as u32);
        if node.control_plane.is_some() {
            self.control_planes.push(id);
        }
        self.node_names.insert(node.name.clone(), id);
        self.sched_index.insert(Self::sched_key(&node, id));
        self.nodes.push(Some(node));
        id
    }

    pub fn node(&self, id: NodeId) -> &Node {
        self.nodes[id.0 as usize]
            .as_ref()
            .expect("node id refers to a live node")
    }

    /// Mutable access for changes that do not move the node in the scheduler's order
    /// (labels, taints, conditions). Load changes go through `bind`/`unbind`.
    pub fn node_mut(&mut self, id: NodeId) -> &mut Node {
        self.nodes[id.0 as usize]
            .as_mut()
            .expect("node id refers to a live node")
    }

    /// The API objects of `snapshot` (an etcd restore) with this cluster's machines: nodes keep
    /// what is not in etcd (power, kubelet, packages, files, control-plane components); nodes
    /// that joined after the snapshot register again; pod UIDs keep counting from here so that
    /// nothing restored or created later collides with a pod the simulator still remembers.
    pub fn with_api_state_of(&self, snapshot: &Cluster) -> Cluster {
        let mut c = snapshot.clone();
        c.mend_sched_index();
        c.version = self.version.clone();
        c.config_version = self.config_version.clone();
        c.kubectl_version = self.kubectl_version.clone();
        c.side = self.side.clone();
        c.addons = self.addons.clone();
        c.etcd_data = self.etcd_data;
        c.storage_media_type = self.storage_media_type.clone();
        c.epoch_s = self.epoch_s;
        c.date_day = self.date_day;
        c.api_outages = self.api_outages.clone();
        c.control_planes = self.control_planes.clone();
        // Who leads is the processes' side: a restore does not change it.
        c.cm_lease = self.cm_lease.clone();
        c.next_uid = c.next_uid.max(self.next_uid);
        for (i, slot) in self.nodes.iter().enumerate() {
            let id = NodeId(i as u32);
            let Some(now) = slot else { continue };
            if i < c.nodes.len()
                && let Some(then) = c.nodes[i].as_mut()
            {
                let key = Self::sched_key(then, id);
                then.powered_on = now.powered_on;
                then.kubelet_running = now.kubelet_running;
                then.silent_since = now.silent_since;
                then.lifecycle_gen = now.lifecycle_gen;
                then.kubelet_version = now.kubelet_version.clone();
                then.os_image = now.os_image.clone();
                then.kernel_version = now.kernel_version.clone();
                then.container_runtime = now.container_runtime.clone();
                then.unit_changed = now.unit_changed;
                then.kubelet_unit = now.kubelet_unit.clone();
                then.journal = now.journal.clone();
                then.booted_at = now.booted_at;
                then.packages = now.packages.clone();
                then.control_plane = now.control_plane.clone();
                then.fs = now.fs.clone();
                then.deleting = false;
                let _ = key;
                continue;
            }
            // Joined after the snapshot: the kubelet registers the node again, empty.
            let mut node = now.clone();
            node.pods.clear();
            node.requested = Resources::default();
            while c.nodes.len() < i {
                c.nodes.push(None);
            }
            if c.nodes.len() == i {
                c.node_names.insert(node.name.clone(), id);
                c.sched_index.insert(Self::sched_key(&node, id));
                c.nodes.push(Some(node));
            } else {
                c.node_names.insert(node.name.clone(), id);
                c.sched_index.insert(Self::sched_key(&node, id));
                c.nodes[i] = Some(node);
            }
        }
        // Nodes deleted since stay deleted on the machines' side: their object comes back
        // from the snapshot, but no kubelet runs there.
        for (i, slot) in c.nodes.iter_mut().enumerate() {
            if let Some(n) = slot
                && self.nodes.get(i).is_none_or(Option::is_none)
            {
                n.powered_on = false;
                n.kubelet_running = false;
            }
        }
        c
    }

    /// The same machines with no API objects but their nodes (what a brand-new, empty etcd
    /// leaves: kubelets register their nodes again, everything else is gone).
    pub fn without_objects(&self) -> Cluster {
        let mut c = Cluster::new(self.version.clone(), self.kubectl_version.clone());
        c.epoch_s = self.epoch_s;
        c.date_day = self.date_day;
        c.api_outages = self.api_outages.clone();
        for slot in &self.nodes {
            match slot {
                Some(n) => {
                    let mut n = n.clone();
                    n.pods.clear();
                    n.requested = Resources::default();
                    n.unschedulable = false;
                    c.add_node(n);
                }
                None => c.nodes.push(None),
            }
        }
        c.next_uid = self.next_uid;
        c.cm_lease = self.cm_lease.clone();
        c
    }

    /// Every pod slot that holds a pod, for whole-cluster passes (restore).
    pub fn pod_ids_raw(&self) -> Vec<PodId> {
        self.pods_any_order().map(|(id, _)| id).collect()
    }

    /// The control-plane nodes, in creation order.
    pub fn control_plane_ids(&self) -> &[NodeId] {
        &self.control_planes
    }

    /// Whether the id still names a node (`kubectl delete node` removes them).
    pub fn node_exists(&self, id: NodeId) -> bool {
        self.nodes.get(id.0 as usize).is_some_and(Option::is_some)
    }

    /// Removes a node that no pod is bound to any more.
    pub fn remove_node(&mut self, id: NodeId) {
        // Mended first, so no stale key of this id outlives the node (a node added at the
        // same id later must not lose its own key to a late mending).
        self.mend_sched_index();
        let Some(node) = self.nodes.get_mut(id.0 as usize).and_then(Option::take) else {
            return;
        };
        debug_assert!(node.pods.is_empty(), "pods are removed before their node");
        self.sched_index.remove(&Self::sched_key(&node, id));
        self.node_names.remove(&node.name);
        self.control_planes.retain(|c| *c != id);
    }

    /// The pods a controller owns, in no particular order (a scan: only for small controllers).
    pub fn pods_owned_by(&self, owner: Owner) -> Vec<PodId> {
        self.pods_any_order()
            .filter(|(_, p)| p.owner == owner)
            .map(|(id, _)| id)
            .collect()
    }

    pub fn node_id(&self, name: &str) -> Option<NodeId> {
        self.node_names.get(name).copied()
    }

    /// Nodes in name order, as the API server lists them.
    pub fn node_ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.node_names.values().copied()
    }

    pub fn node_count(&self) -> usize {
        self.node_names.len()
    }

    /// Nodes from the least loaded; the index must have been mended since the last change.
    pub fn sched_order(&self) -> impl Iterator<Item = NodeId> + '_ {
        debug_assert!(
            self.sched_changed.is_empty(),
            "the scheduling index is mended before it is read"
        );
        self.sched_index.iter().map(|key| NodeId(*key as u32))
    }

    fn is_sched_stale(&self, id: NodeId) -> bool {
        self.sched_stale.get(id.0 as usize).is_some_and(|k| *k != NOT_STALE)
    }

    /// Notes that a node is about to lose load: the index keeps its current key until it is
    /// mended.
    fn sched_losing(&mut self, id: NodeId) {
        let i = id.0 as usize;
        if self.sched_stale.len() <= i {
            self.sched_stale.resize(i + 1, NOT_STALE);
        }
        if self.sched_stale[i] == NOT_STALE {
            self.sched_stale[i] = Self::sched_key(self.node(id), id);
            self.sched_changed.push(id);
        }
    }

    /// Moves every node that lost load to its place in the scheduling index.
    pub fn mend_sched_index(&mut self) {
        if self.sched_changed.is_empty() {
            return;
        }
        // Taken out and put back empty, so its buffer is kept.
        let mut changed = std::mem::take(&mut self.sched_changed);
        for id in changed.drain(..) {
            let old = std::mem::replace(&mut self.sched_stale[id.0 as usize], NOT_STALE);
            self.sched_index.remove(&old);
            if let Some(node) = self.nodes.get(id.0 as usize).and_then(Option::as_ref) {
                self.sched_index.insert(Self::sched_key(node, id));
            }
        }
        self.sched_changed = changed;
    }

    /// The node's place in the scheduling index ([`pack_sched_key`]).
    fn sched_key(node: &Node, id: NodeId) -> u64 {
        let cpu = (node.requested.cpu_milli * 1000)
            .checked_div(node.allocatable.cpu_milli)
            .unwrap_or(1000);
        let mem = (node.requested.memory * 1000)
            .checked_div(node.allocatable.memory)
            .unwrap_or(1000);
        let permille = ((cpu + mem) / 2).min(u32::MAX as u64) as u32;
        pack_sched_key(permille, node.pods.len() as u32, id)
    }

    // ---- pods -------------------------------------------------------------------------

    /// Room for `n` more pods in the name index, so a controller creating thousands does not
    /// rehash it as it grows.
    pub fn reserve_pods(&mut self, n: usize) {
        self.pod_names.reserve(n);
    }

    pub fn insert_pod(&mut self, pod: Pod) -> PodId {
        let id = match self.free_pod_slots.pop() {
            Some(slot) => {
                *self.pods.get_mut(slot as usize).expect("a freed slot") = Some(pod);
                PodId(slot)
            }
            None => {
                self.pods.push(Some(pod));
                PodId((self.pods.len() - 1) as u32)
            }
        };
        let pod = self.pods[id.0 as usize].as_ref().expect("just stored");
        self.pod_names.insert(&pod.namespace, &pod.name, id);
        self.attach_to_pdbs(id);
        id
    }

    pub fn pod(&self, id: PodId) -> Option<&Pod> {
        self.pods.get(id.0 as usize).and_then(Option::as_ref)
    }

    fn pod_mut(&mut self, id: PodId) -> Option<&mut Pod> {
        self.pods.get_mut(id.0 as usize).and_then(Option::as_mut)
    }

    /// Changes a pod and keeps the budgets' healthy counts in step. Every change of a pod's
    /// phase, readiness or deletion goes through here.
    pub fn update_pod(&mut self, id: PodId, f: impl FnOnce(&mut Pod)) -> bool {
        let Some(pod) = self.pod_mut(id) else {
            return false;
        };
        let before = pod.is_healthy();
        f(pod);
        let after = pod.is_healthy();
        if before != after {
            let Some(pod) = self.pods[id.0 as usize].as_ref() else {
                return true;
            };
            for pdb in &pod.pdbs {
                let h = &mut self.pdbs[pdb.0 as usize].healthy;
                *h = if after { *h + 1 } else { h.saturating_sub(1) };
            }
        }
        true
    }

    /// The controller whose scale a budget counts for this pod, if any.
    fn scale_owner(&self, owner: Owner) -> Option<WorkloadId> {
        match owner {
            Owner::ReplicaSet(rs) => Some(self.workload(rs).parent.unwrap_or(rs)),
            Owner::StatefulSet(w, _) => Some(w),
            // Bare pods, DaemonSets and Jobs have no scale the disruption controller uses.
            _ => None,
        }
    }

    fn join_pdb(&mut self, pdb: PdbId, pod_id: PodId) {
        let Some(pod) = self.pods[pod_id.0 as usize].as_ref() else {
            return;
        };
        let (healthy, owner) = (pod.is_healthy(), self.scale_owner(pod.owner));
        if pod.pdbs.contains(&pdb) {
            return;
        }
        let p = &mut self.pdbs[pdb.0 as usize];
        p.matching += 1;
        p.healthy += u32::from(healthy);
        if let Some(o) = owner {
            *p.owners.entry(o).or_default() += 1;
        }
        if let Some(pod) = self.pods.get_mut(pod_id.0 as usize).and_then(Option::as_mut) {
            pod.pdbs.push(pdb);
        }
    }

    fn leave_pdbs(&mut self, pod: &Pod) {
        let owner = self.scale_owner(pod.owner);
        for pdb in &pod.pdbs {
            let p = &mut self.pdbs[pdb.0 as usize];
            p.matching = p.matching.saturating_sub(1);
            if pod.is_healthy() {
                p.healthy = p.healthy.saturating_sub(1);
            }
            if let Some(o) = owner
                && let Some(n) = p.owners.get_mut(&o)
            {
                *n -= 1;
                if *n == 0 {
                    p.owners.remove(&o);
                }
            }
        }
    }

    /// The pod with this id if it is still the same object (same uid).
    pub fn pod_if(&self, id: PodId, uid: u64) -> Option<&Pod> {
        self.pod(id).filter(|p| p.uid == uid)
    }

    pub fn pod_id(&self, namespace: &str, name: &str) -> Option<PodId> {
        self.pod_names
            .get(namespace, name, |id| self.pod(id).map(|p| (&*p.namespace, &*p.name)))
    }

    /// Every pod in (namespace, name) order, as the API server lists them.
    pub fn pods_ordered(&self) -> impl Iterator<Item = (PodId, &Pod)> + '_ {
        self.sorted_pods(|_| true).into_iter()
    }

    /// Every pod in slot order: deterministic but not the API server's order, so only for
    /// counts and sums (sorting for them was most of a lab's `rollout status` wait).
    pub fn pods_any_order(&self) -> impl Iterator<Item = (PodId, &Pod)> {
        self.pods
            .indexed()
            .filter_map(|(i, p)| p.as_ref().map(|p| (PodId(i as u32), p)))
    }

    pub fn pods_in_namespace<'a>(&'a self, ns: &'a str) -> impl Iterator<Item = (PodId, &'a Pod)> + 'a {
        self.sorted_pods(|p| &*p.namespace == ns).into_iter()
    }

    fn sorted_pods(&self, keep: impl Fn(&Pod) -> bool) -> Vec<(PodId, &Pod)> {
        let mut v: Vec<(PodId, &Pod)> = self
            .pods
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.as_ref().filter(|p| keep(p)).map(|p| (PodId(i as u32), p)))
            .collect();
        v.sort_unstable_by(|(_, a), (_, b)| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        v
    }

    pub fn pod_count(&self) -> usize {
        self.pod_names.len()
    }

    /// Pods bound to a node, in (namespace, name) order.
    pub fn pods_on_node(&self, node: NodeId) -> Vec<PodId> {
        // The keys are looked up once, not in every comparison (every drain sorts its node).
        let mut keyed: Vec<(Option<(&str, &str)>, PodId)> = self
            .node(node)
            .pods
            .iter()
            .map(|&id| (self.pod(id).map(|p| (&*p.namespace, &*p.name)), id))
            .collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        keyed.into_iter().map(|(_, id)| id).collect()
    }

    pub fn bind(&mut self, pod_id: PodId, node_id: NodeId) {
        let requests = self.pod(pod_id).expect("binding a live pod").template.requests;
        // A node already waiting to be mended gets its place then; any other moves now.
        let eager = !self.is_sched_stale(node_id);
        if eager {
            let key = Self::sched_key(self.node(node_id), node_id);
            // The scheduler picks the least loaded node that fits, most often the first:
            // taking the first needs no search.
            if self.sched_index.first() == Some(&key) {
                self.sched_index.pop_first();
            } else {
                self.sched_index.remove(&key);
            }
        }
        let node = self.node_mut(node_id);
        node.pods.push(pod_id);
        node.requested.add(&requests);
        node.requested.pods += 1;
        if eager {
            self.sched_index.insert(Self::sched_key(self.node(node_id), node_id));
        }
        let pod = self.pod_mut(pod_id).expect("binding a live pod");
        pod.node = Some(node_id);
        pod.unschedulable_reason = None;
    }

    /// Removes the pod object from the API (the last step of deletion).
    pub fn remove_pod(&mut self, pod_id: PodId) -> Option<Pod> {
        let pod = self.pods.get_mut(pod_id.0 as usize)?.take()?;
        self.free_pod_slots.push(pod_id.0);
        self.pod_names.remove(&pod.namespace, &pod.name, pod_id);
        self.pending.remove(&(pod.uid, pod_id));
        if let Some(node_id) = pod.node {
            self.sched_losing(node_id);
            let node = self.node_mut(node_id);
            if let Some(pos) = node.pods.iter().position(|p| *p == pod_id) {
                node.pods.swap_remove(pos);
            }
            node.requested.sub(&pod.template.requests);
            node.requested.pods = node.requested.pods.saturating_sub(1);
        }
        self.leave_pdbs(&pod);
        Some(pod)
    }

    // ---- workloads --------------------------------------------------------------------

    pub fn add_workload(&mut self, w: Workload) -> WorkloadId {
        let id = WorkloadId(self.workloads.len() as u32);
        self.workload_names
            .insert((w.kind, w.namespace.clone(), w.name.clone()), id);
        self.workloads.push(w);
        id
    }

    pub fn workload(&self, id: WorkloadId) -> &Workload {
        &self.workloads[id.0 as usize]
    }

    /// The workload, if this API state has it: a timer set before an etcd restore may name one
    /// the restored state never had.
    pub fn workload_if(&self, id: WorkloadId) -> Option<&Workload> {
        self.workloads.get(id.0 as usize)
    }

    pub fn workload_mut(&mut self, id: WorkloadId) -> &mut Workload {
        &mut self.workloads[id.0 as usize]
    }

    pub fn workload_id(&self, kind: WorkloadKind, ns: &str, name: &str) -> Option<WorkloadId> {
        self.workload_names
            .get(&(kind, Arc::from(ns), Arc::from(name)))
            .copied()
    }

    /// Workloads of one kind in (namespace, name) order.
    /// Every controller that still exists, in creation order.
    pub fn workload_ids(&self) -> impl Iterator<Item = WorkloadId> + '_ {
        (0..self.workloads.len() as u32)
            .map(WorkloadId)
            .filter(|id| !self.workloads[id.0 as usize].deleted)
    }

    pub fn workloads_of(&self, kind: WorkloadKind) -> impl Iterator<Item = (WorkloadId, &Workload)> + '_ {
        self.workload_names
            .iter()
            .filter(move |((k, _, _), _)| *k == kind)
            .map(|(_, id)| (*id, self.workload(*id)))
            .filter(|(_, w)| !w.deleted)
    }

    /// `Kind/name` of a pod's controller, as ownerReferences name it.
    pub fn owner_text(&self, owner: Owner) -> String {
        match owner {
            Owner::None => String::new(),
            Owner::ReplicaSet(w) | Owner::StatefulSet(w, _) | Owner::DaemonSet(w) | Owner::Job(w) => {
                let wl = self.workload(w);
                format!("{}/{}", wl.kind.as_str(), wl.name)
            }
            Owner::Mirror(n) => format!("Node/{}", self.node(n).name),
        }
    }

    // ---- PodDisruptionBudgets ---------------------------------------------------------

    pub fn add_pdb(&mut self, pdb: Pdb) -> PdbId {
        self.pdb_epoch += 1;
        let id = PdbId(self.pdbs.len() as u32);
        // Membership needs no order, so the slab is scanned as it is.
        let members: Vec<PodId> = self
            .pods
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.as_ref().map(|p| (PodId(i as u32), p)))
            .filter(|(_, p)| {
                *p.namespace == *pdb.namespace && pdb.selector.as_ref().is_some_and(|s| s.matches(&p.labels))
            })
            .map(|(id, _)| id)
            .collect();
        self.pdbs.push(pdb);
        for pod in members {
            self.join_pdb(id, pod);
        }
        id
    }

    /// A budget's spec changed (or it was deleted): its pods are counted again from scratch.
    pub fn replace_pdb(&mut self, id: PdbId, mut pdb: Pdb) {
        self.pdb_epoch += 1;
        let members: Vec<PodId> = self
            .pods
            .iter()
            .enumerate()
            .filter(|(_, p)| p.as_ref().is_some_and(|p| p.pdbs.contains(&id)))
            .map(|(i, _)| PodId(i as u32))
            .collect();
        for m in &members {
            if let Some(p) = self.pods.get_mut(m.0 as usize).and_then(Option::as_mut) {
                p.pdbs.retain(|b| *b != id);
            }
        }
        pdb.matching = 0;
        pdb.healthy = 0;
        pdb.owners.clear();
        let deleted = pdb.deleted;
        self.pdbs[id.0 as usize] = pdb;
        if deleted {
            return;
        }
        let candidates: Vec<PodId> = (0..self.pods.len() as u32).map(PodId).collect();
        for pod in candidates {
            let Some(p) = self.pods[pod.0 as usize].as_ref() else {
                continue;
            };
            let b = &self.pdbs[id.0 as usize];
            if *b.namespace == *p.namespace && b.selector.as_ref().is_some_and(|s| s.matches(&p.labels)) {
                self.join_pdb(id, pod);
            }
        }
    }

    /// New labels on a pod (`kubectl label pod`): the budgets that select it change.
    pub fn relabel_pod(&mut self, id: PodId, labels: Labels) {
        let Some(pod) = self.pods.get(id.0 as usize).and_then(Option::clone) else {
            return;
        };
        self.leave_pdbs(&pod);
        if let Some(p) = self.pods.get_mut(id.0 as usize).and_then(Option::as_mut) {
            p.pdbs.clear();
            p.labels = Arc::new(labels);
        }
        self.attach_to_pdbs(id);
    }

    /// A deleted namespace goes from the list (its objects were deleted first).
    pub fn remove_namespace(&mut self, ns: &str) {
        self.namespaces.remove(ns);
        self.store.objects.retain(|(_, n, _), _| n != ns);
        self.store.deleted.retain(|(_, n, _)| n != ns);
    }

    fn attach_to_pdbs(&mut self, pod_id: PodId) {
        let Some(pod) = self.pods[pod_id.0 as usize].as_ref() else {
            return;
        };
        let matched = match &self.attach_memo {
            Some(m)
                if m.epoch == self.pdb_epoch && Arc::ptr_eq(&m.labels, &pod.labels) && m.namespace == pod.namespace =>
            {
                m.pdbs.clone()
            }
            _ => {
                let pdbs: smallvec::SmallVec<[PdbId; 2]> = (0..self.pdbs.len())
                    .filter(|&i| {
                        let pdb = &self.pdbs[i];
                        !pdb.deleted
                            && *pdb.namespace == *pod.namespace
                            && pdb.selector.as_ref().is_some_and(|s| s.matches(&pod.labels))
                    })
                    .map(|i| PdbId(i as u32))
                    .collect();
                self.attach_memo = Some(AttachMemo {
                    epoch: self.pdb_epoch,
                    labels: pod.labels.clone(),
                    namespace: pod.namespace.clone(),
                    pdbs: pdbs.clone(),
                });
                pdbs
            }
        };
        for pdb in matched {
            self.join_pdb(pdb, pod_id);
        }
    }

    pub fn pdb(&self, id: PdbId) -> &Pdb {
        &self.pdbs[id.0 as usize]
    }

    /// Budgets in (namespace, name) order.
    pub fn pdb_ids(&self) -> Vec<PdbId> {
        let mut ids: Vec<PdbId> = (0..self.pdbs.len() as u32)
            .map(PdbId)
            .filter(|id| !self.pdbs[id.0 as usize].deleted)
            .collect();
        ids.sort_by(|a, b| {
            let (x, y) = (self.pdb(*a), self.pdb(*b));
            (&x.namespace, &x.name).cmp(&(&y.namespace, &y.name))
        });
        ids
    }

    pub fn pdbs_for_pod(&self, pod_id: PodId) -> Vec<PdbId> {
        self.pod(pod_id).map(|p| p.pdbs.to_vec()).unwrap_or_default()
    }

    /// The disruption controller's computation (semantics §5.3).
    pub fn pdb_status(&self, id: PdbId) -> PdbStatus {
        let pdb = self.pdb(id);
        let current_healthy = pdb.healthy;
        let (expected, desired_healthy) = match (pdb.min_available, pdb.max_unavailable) {
            (Some(IntOrPercent::Int(n)), _) => (pdb.matching, n),
            (min, max) => {
                let expected = self.expected_scale(pdb);
                let desired = match (min, max) {
                    (Some(p @ IntOrPercent::Percent(_)), _) => p.scaled_up(expected),
                    (_, Some(m)) => expected.saturating_sub(m.scaled_up(expected)),
                    _ => 0,
                };
                (expected, desired)
            }
        };
        let allowed = if expected == 0 {
            0
        } else {
            current_healthy.saturating_sub(desired_healthy)
        };
        PdbStatus {
            expected,
            desired_healthy,
            current_healthy,
            disruptions_allowed: allowed,
        }
    }

    /// Sum of the desired scale of the controllers owning the budget's pods.
    fn expected_scale(&self, pdb: &Pdb) -> u32 {
        pdb.owners.keys().map(|w| self.workload(*w).replicas).sum()
    }

    /// Recounts a budget from scratch; tests compare it with the incremental counts.
    pub fn pdb_recount(&self, id: PdbId) -> (u32, usize) {
        let pdb = self.pdb(id);
        let healthy = self
            .pods
            .iter()
            .flatten()
            .filter(|p| p.pdbs.contains(&id) && p.is_healthy())
            .count() as u32;
        (healthy, pdb.owners.len())
    }

    /// Whether the eviction API may evict this pod (semantics §5.3). Err carries the
    /// HTTP status and message the API server answers with, and the budget at fault.
    pub fn eviction_check(&self, pod_id: PodId) -> Result<(), (u16, String, Option<PdbId>)> {
        let pod = self.pod(pod_id).expect("eviction of a live pod");
        if pod.is_finished() || pod.phase == Phase::Pending || pod.is_terminating() {
            return Ok(());
        }
        let pdbs = self.pdbs_for_pod(pod_id);
        match pdbs.len() {
            0 => Ok(()),
            1 => {
                let id = pdbs[0];
                let status = self.pdb_status(id);
                if !pod.is_healthy() {
                    let policy = self.pdb(id).unhealthy_policy;
                    if policy == UnhealthyPodEvictionPolicy::AlwaysAllow
                        || (status.current_healthy >= status.desired_healthy && status.desired_healthy > 0)
                    {
                        return Ok(());
                    }
                }
                if status.disruptions_allowed == 0 {
                    return Err((
                        429,
                        "Cannot evict pod as it would violate the pod's disruption budget.".into(),
                        Some(id),
                    ));
                }
                Ok(())
            }
            _ => Err((
                500,
                "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
                    .into(),
                None,
            )),
        }
    }
}

/// The API state a snapshot carries: the objects etcd held when it was taken.
#[derive(Debug)]
pub struct ApiState(pub Cluster);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_scheduling_keys_order_as_their_tuples() {
        let values = [0, 1, 2, 999, 1000, 1001, 65_534, 65_535];
        let mut tuples = Vec::new();
        for a in values {
            for b in values {
                for c in values {
                    tuples.push((a, b, c));
                }
            }
        }
        let mut by_key = tuples.clone();
        by_key.sort_by_key(|&(a, b, c)| pack_sched_key(a, b, NodeId(c)));
        tuples.sort();
        assert_eq!(by_key, tuples);
        // Past 65,535 load and pods saturate; ids still tell nodes apart.
        assert_eq!(
            pack_sched_key(70_000, 3, NodeId(9)),
            pack_sched_key(65_535, 3, NodeId(9))
        );
        assert!(pack_sched_key(70_000, 3, NodeId(9)) < pack_sched_key(65_535, 3, NodeId(10)));
        assert!(pack_sched_key(1, 0, NodeId(u32::MAX)) < pack_sched_key(2, 0, NodeId(0)));
        assert_ne!(pack_sched_key(65_535, 65_535, NodeId(u32::MAX - 1)), NOT_STALE);
    }
}
