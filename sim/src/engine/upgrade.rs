//! What an upgrade changes in the running cluster: static pods replaced by the kubelet, addon
//! rollouts, the API server version clients see, nodes joining and leaving (blue-green), and
//! the ordering rules of a minor upgrade (invariant `upgrade_order`).
//!
//! The tools that cause these changes (kubeadm, apt, systemctl, kubectl delete node) live
//! elsewhere; they call in here so that the model has one way of doing each thing.

use crate::engine::{DeleteCause, Engine, Timer};
use crate::model::component_version::ComponentVersion;
use crate::model::*;
use crate::release::behaviour::ClusterSide;
use crate::release::components::StaticPod;
use crate::release::version::KubeVersion;
use crate::time::SimDuration;
use crate::trace::Event;
use std::sync::Arc;

/// How often the addon rollout looks at its progress (the DaemonSet controller's resync is
/// event-driven in reality; a one-second poll gives the same order of events).
pub(crate) const ROLL_POLL: SimDuration = SimDuration::from_secs(1);

/// Why a new worker cannot join.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NodeAddError {
    #[error("node {0:?} already exists")]
    Exists(String),
    /// The cluster is at the model's node limit (5,000).
    #[error(transparent)]
    Limit(#[from] limits::LimitError),
    /// The machine cannot be built at that version (a release the model lacks, a bad spec).
    #[error("{0}")]
    Machine(String),
}

impl Engine {
    /// The control-plane nodes, in the order they were created (the first is the API endpoint).
    pub fn control_plane_ids(&self) -> Vec<NodeId> {
        self.cluster.control_plane_ids().to_vec()
    }

    /// The oldest and the newest kube-apiserver of the control planes.
    pub fn apiserver_range(&self) -> Option<(KubeVersion, KubeVersion)> {
        let mut versions = self
            .cluster
            .control_plane_ids()
            .iter()
            .filter_map(|id| self.cluster.node(*id).control_plane.as_ref().map(|c| &c.apiserver));
        let first = versions.next()?;
        let (lo, hi) = versions.fold((first, first), |(lo, hi), v| (lo.min(v), hi.max(v)));
        Some((lo.clone(), hi.clone()))
    }

    /// Clients reach the first control plane's API server (kubeadm's controlPlaneEndpoint is
    /// the first node when there is no load balancer); the server's behaviour follows it.
    pub(crate) fn refresh_server_version(&mut self) {
        let Some(first) = self.control_plane_ids().first().copied() else {
            return;
        };
        let Some(v) = self
            .cluster
            .node(first)
            .control_plane
            .as_ref()
            .map(|c| c.apiserver.clone())
        else {
            return;
        };
        if v != self.cluster.version {
            self.cluster.side = ClusterSide::for_version(&v);
            self.cluster.version = v;
        }
    }

    /// The kubelet replaces a static pod whose manifest changed: the old mirror pod goes at
    /// once (static pods are not evicted, they are killed), the new one appears when the
    /// container is up. Returns false if the step's time ran out first.
    pub(crate) fn restart_static_pod(&mut self, node: NodeId, component: StaticPod) -> bool {
        if let Some(id) = self.static_pod_id(node, component) {
            let uid = self.cluster.pod(id).map(|p| p.uid).unwrap_or_default();
            self.force_remove(id, uid);
        }
        match component {
            StaticPod::Etcd => self.etcd_member_down(node),
            StaticPod::KubeApiserver => self.etcd_changed(),
            StaticPod::KubeControllerManager => {
                self.controller_manager_stopped(node, SimDuration(component.restart_ms()));
            }
            _ => {}
        }
        let mut done = self.advance_within_step(self.now + SimDuration(component.restart_ms()));
        if self.cluster.node(node).powered_on && self.cluster.node(node).kubelet_running {
            // kubeadm waits until the new pod runs (its hash changed), so does the step.
            if let Some(id) = crate::engine::setup::add_static_pod(self, node, component) {
                let start = self.cluster.pod(id).map(|p| p.template.start_ms).unwrap_or_default();
                done &= self.advance_within_step(self.now + SimDuration(start));
            }
        }
        match component {
            StaticPod::Etcd => self.etcd_member_up(node),
            StaticPod::KubeApiserver => self.etcd_changed(),
            _ => {}
        }
        if component == StaticPod::KubeApiserver {
            self.refresh_server_version();
            self.check_version_skew();
        } else {
            self.check_control_plane_skew();
        }
        done
    }

    /// Points a control plane's kubelet at its own API server or at the endpoint (kubeadm's
    /// upgrade/kubeconfig phase); the skew rules follow.
    pub(crate) fn set_kubelet_local_api(&mut self, node: NodeId, on: bool) {
        let Some(cp) = self.cluster.node_mut(node).control_plane.as_mut() else {
            return;
        };
        if cp.kubelet_local_api != on {
            cp.kubelet_local_api = on;
            self.check_node_skew(node);
        }
    }

    /// Sets a control plane's component to a version and lets the kubelet restart it.
    pub(crate) fn upgrade_static_pod(
        &mut self,
        node: NodeId,
        component: StaticPod,
        version: &ComponentVersion,
    ) -> bool {
        // A version of another component's kind sets nothing.
        let Some(cp) = self
            .cluster
            .node_mut(node)
            .control_plane
            .as_mut()
            .filter(|_| version.fits(component))
        else {
            return true;
        };
        match (component, version) {
            (_, ComponentVersion::Etcd(tag)) => {
                cp.etcd = Some(tag.to_string());
                self.refresh_etcd_version();
            }
            (other, ComponentVersion::Kube(v)) => {
                let before = cp.apiserver.clone();
                match other {
                    StaticPod::KubeApiserver => cp.apiserver = v.clone(),
                    StaticPod::KubeControllerManager => cp.controller_manager = v.clone(),
                    _ => cp.scheduler = v.clone(),
                }
                if other == StaticPod::KubeApiserver {
                    self.check_apiserver_order(node, &before, v);
                }
            }
        }
        self.rewrite_manifest_image(node, component, version);
        let who = self.cluster.node(node).name.clone();
        self.record(Event::ComponentUpgraded {
            node: who,
            component: component.name(),
            version: Arc::from(version.to_string()),
        });
        self.restart_static_pod(node, component)
    }

    /// The manifest on disk names the version the component now runs (kubeadm wrote it, or
    /// the person who edited it did).
    fn rewrite_manifest_image(&mut self, node: NodeId, component: StaticPod, version: &ComponentVersion) {
        let path = component.manifest_path();
        let n = self.cluster.node_mut(node);
        // kubeadm writes the image of the release it installs (registry and naming of that era).
        let k8s = match version {
            ComponentVersion::Etcd(_) => n.control_plane.as_ref().map(|cp| cp.apiserver.clone()),
            ComponentVersion::Kube(v) => Some(v.clone()),
        };
        let version = version.to_string();
        let version = version.as_str();
        let Some(hostfs::Entry::Text(text)) = n.fs.get(&path) else {
            return;
        };
        let mut edited = String::with_capacity(text.len() + 16);
        for l in text.lines() {
            let Some(image) = l.trim_start().strip_prefix("image:") else {
                edited.push_str(l);
                edited.push('\n');
                continue;
            };
            edited.push_str(&l[..l.len() - l.trim_start().len()]);
            edited.push_str("image: ");
            match &k8s {
                Some(k) => edited.push_str(&crate::release::components::image_for(component.name(), k, version)),
                None => {
                    let image = image.trim();
                    edited.push_str(image.rsplit_once(':').map_or(image, |(repo, _)| repo));
                    edited.push(':');
                    edited.push_str(version);
                }
            }
            edited.push('\n');
        }
        n.fs.put(&path, hostfs::Entry::Text(edited));
    }

    /// The version the etcd cluster reports and writes into snapshots: its lowest member binary
    /// (the cluster version follows the oldest member).
    pub(crate) fn refresh_etcd_version(&mut self) {
        let lowest = self
            .cluster
            .control_plane_ids()
            .iter()
            .filter_map(|id| self.cluster.node(*id).control_plane.as_ref()?.etcd.clone())
            .filter_map(|t| crate::etcd::version::EtcdVersion::parse(&t).ok())
            .map(|v| v.binary_version())
            .min();
        if let Some(v) = lowest {
            self.etcd.version = v;
        }
    }

    /// kubeadm's addon phase: a new kube-proxy image for the DaemonSet and a new DNS image,
    /// each rolled out one pod at a time in the background (kubeadm does not wait).
    pub(crate) fn upgrade_addons(&mut self, kube_proxy: &KubeVersion, dns_version: &str) {
        if self.cluster.addons.kube_proxy != *kube_proxy {
            self.cluster.addons.kube_proxy = kube_proxy.clone();
            let image = crate::release::components::image_for("kube-proxy", kube_proxy, &kube_proxy.to_string());
            if let Some(ws) = self
                .cluster
                .workload_id(WorkloadKind::DaemonSet, "kube-system", "kube-proxy")
            {
                self.set_workload_image(ws, "kube-proxy", &image);
            }
            self.record(Event::ComponentUpgraded {
                node: Arc::from(""),
                component: "kube-proxy",
                version: Arc::from(kube_proxy.to_string().as_str()),
            });
        }
        if self.cluster.addons.dns_version != dns_version && self.cluster.addons.dns_name == "CoreDNS" {
            self.cluster.addons.dns_version = dns_version.to_string();
            let image = crate::engine::setup::dns_image_for(kube_proxy, dns_version);
            if let Some(dep) = self
                .cluster
                .workload_id(WorkloadKind::Deployment, "kube-system", "coredns")
                && let Some(rs) = self.cluster.workload(dep).child
            {
                self.set_workload_image(rs, "coredns", &image);
            }
            self.record(Event::ComponentUpgraded {
                node: Arc::from(""),
                component: "coredns",
                version: Arc::from(dns_version),
            });
        }
        self.check_version_skew();
    }

    /// A controller's new pod template: pods made from the old one are replaced one at a time
    /// (maxUnavailable 1), the next only once the previous replacement runs.
    ///
    /// Simplification: a Deployment's rollout replaces the pods of its current ReplicaSet in
    /// place instead of creating a new ReplicaSet, so the new pods keep the old pod-name hash.
    pub(crate) fn set_workload_image(&mut self, ws: WorkloadId, container: &str, image: &str) {
        let w = self.cluster.workload(ws);
        let mut spec = (*w.template.spec).clone();
        for c in &mut spec.containers {
            if c.name == container {
                c.image = Some(image.to_string());
            }
        }
        let mut t = (*w.template).clone();
        t.spec = Arc::new(spec);
        self.cluster.workload_mut(ws).template = Arc::new(t);
        self.schedule(self.now + ROLL_POLL, Timer::Rollout { ws, at: None });
    }

    /// A template's image without a rollout (a Deployment's own template; its ReplicaSet rolls).
    /// A Deployment records the template it leaves as a revision (`kubectl rollout history`).
    pub(crate) fn set_template_image(&mut self, ws: WorkloadId, container: &str, image: &str) {
        let w = self.cluster.workload(ws);
        if w.kind == WorkloadKind::Deployment {
            let (rev, old) = (w.meta.revision, w.template.clone());
            let meta = &mut self.cluster.workload_mut(ws).meta;
            meta.history.push((rev, old, None));
            if meta.history.len() > 10 {
                meta.history.remove(0);
            }
            meta.revision = rev + 1;
        }
        let w = self.cluster.workload(ws);
        let mut spec = (*w.template.spec).clone();
        for c in &mut spec.containers {
            if c.name == container {
                c.image = Some(image.to_string());
            }
        }
        let mut t = (*w.template).clone();
        t.spec = Arc::new(spec);
        self.cluster.workload_mut(ws).template = Arc::new(t);
    }

    /// A person changed an addon's image by hand: the component versions follow.
    pub(crate) fn addon_image_set(&mut self, kind: WorkloadKind, ns: &str, name: &str, image: &str) {
        let Some(tag) = crate::release::components::image_tag(image) else {
            return;
        };
        let who: Arc<str> = Arc::from("");
        match (kind, ns, name) {
            (WorkloadKind::DaemonSet, "kube-system", "kube-proxy") => {
                if let Ok(v) = KubeVersion::parse(tag) {
                    self.cluster.addons.kube_proxy = v;
                    self.record(Event::ComponentUpgraded {
                        node: who,
                        component: "kube-proxy",
                        version: Arc::from(tag),
                    });
                    self.check_version_skew();
                }
            }
            (WorkloadKind::DaemonSet, _, "kube-flannel-ds" | "kube-flannel-ds-amd64") => {
                let tag = tag.trim_end_matches("-amd64");
                self.cluster.addons.flannel = Some(tag.to_string());
                self.record(Event::ComponentUpgraded {
                    node: who,
                    component: "flannel",
                    version: Arc::from(tag),
                });
            }
            (WorkloadKind::Deployment, "kube-system", "coredns") => {
                self.cluster.addons.dns_version = tag.to_string();
                self.record(Event::ComponentUpgraded {
                    node: who,
                    component: "coredns",
                    version: Arc::from(tag),
                });
            }
            _ => {}
        }
    }

    /// One look at a rollout. A DaemonSet walks its nodes in order (`at` is the node whose pod
    /// was replaced last, which must be running again before the next goes); a ReplicaSet
    /// waits until all its pods are ready, then replaces one.
    pub(crate) fn on_rollout(&mut self, ws: WorkloadId, at: Option<NodeId>) {
        // A restore from an older (or empty) snapshot can leave a rollout's timer naming a
        // workload the API state no longer has: the rollout ends with it.
        let Some(w) = self.cluster.workload_if(ws).filter(|w| !w.deleted) else {
            return;
        };
        let template = w.template.clone();
        let outdated = |p: &Pod| !Arc::ptr_eq(&p.template, &template);
        if w.kind == WorkloadKind::DaemonSet {
            if let Some(node) = at {
                let replaced = w
                    .per_node
                    .get(&node)
                    .and_then(|id| self.cluster.pod(*id))
                    .map(|p| p.ready && !outdated(p));
                // Still coming back (a node that went away meanwhile no longer counts).
                if replaced == Some(false) || (replaced.is_none() && self.cluster.node_exists(node)) {
                    self.schedule(self.now + ROLL_POLL, Timer::Rollout { ws, at });
                    return;
                }
            }
            let from = at.map(|n| NodeId(n.0 + 1)).unwrap_or(NodeId(0));
            let next = w
                .per_node
                .range(from..)
                .find(|(_, id)| {
                    self.cluster
                        .pod(**id)
                        .is_some_and(|p| outdated(p) && !p.is_terminating())
                })
                .map(|(n, id)| (*n, *id));
            if let Some((node, id)) = next {
                self.delete_pod(id, None, DeleteCause::Rollout);
                self.schedule(self.now + ROLL_POLL, Timer::Rollout { ws, at: Some(node) });
            }
            return;
        }
        let pods = self.cluster.pods_owned_by(Owner::ReplicaSet(ws));
        let busy = pods
            .iter()
            .filter_map(|id| self.cluster.pod(*id))
            .any(|p| p.is_terminating() || !p.ready);
        let next = pods
            .iter()
            .copied()
            .find(|id| self.cluster.pod(*id).is_some_and(&outdated));
        match next {
            Some(_) if busy => self.schedule(self.now + ROLL_POLL, Timer::Rollout { ws, at }),
            Some(id) => {
                self.delete_pod(id, None, DeleteCause::Rollout);
                self.schedule(self.now + ROLL_POLL, Timer::Rollout { ws, at });
            }
            None => {}
        }
    }

    /// `upgrade_order`: an API server may only move up one minor, and only once etcd is at a
    /// version kubeadm pins for that minor or newer is not required here; what is checked is
    /// that no kubelet already runs ahead of it.
    fn check_apiserver_order(&mut self, node: NodeId, before: &KubeVersion, after: &KubeVersion) {
        if after.minor > before.minor + 1 {
            let n = self.cluster.node(node).name.clone();
            self.violate(
                crate::invariant::InvariantId::UpgradeOrder,
                format!("kube-apiserver on {n} went from {before} to {after}, skipping a minor"),
            );
        }
    }

    /// `upgrade_order`, when a kubelet starts a new binary: a minor upgrade of a kubelet comes
    /// after every control plane is at that minor, and on a drained node (in-place minor
    /// kubelet upgrades of a node with workloads are not supported).
    pub(crate) fn check_kubelet_order(&mut self, node: NodeId, before: &KubeVersion, after: &KubeVersion) {
        if after.minor <= before.minor {
            return;
        }
        let name = self.cluster.node(node).name.clone();
        if let Some((oldest, _)) = self.apiserver_range()
            && oldest.minor < after.minor
        {
            self.violate(
                crate::invariant::InvariantId::UpgradeOrder,
                format!(
                    "the kubelet on {name} was upgraded to {after} while a control plane still runs kube-apiserver {oldest}: upgrade the control planes first"
                ),
            );
        }
        let n = self.cluster.node(node);
        let workloads: Vec<Arc<str>> = n
            .pods
            .iter()
            .filter_map(|id| self.cluster.pod(*id))
            // Applications are what a drain protects; cluster addons (DNS) are moved by drain
            // too, but the lab guide's era left them on an undrainable master, so they don't count.
            .filter(|p| {
                !p.is_terminating()
                    && !p.is_finished()
                    && &*p.namespace != "kube-system"
                    && !matches!(p.owner, Owner::DaemonSet(_) | Owner::Mirror(_))
            })
            .map(|p| p.label.clone())
            .collect();
        if !n.unschedulable || !workloads.is_empty() {
            let what = if workloads.is_empty() {
                "without cordoning it".to_string()
            } else {
                let mut list: Vec<&str> = workloads.iter().map(|s| &**s).collect();
                list.sort_unstable();
                let shown = list.iter().take(3).copied().collect::<Vec<_>>().join(", ");
                let more = if list.len() > 3 {
                    format!(" and {} more", list.len() - 3)
                } else {
                    String::new()
                };
                format!("with workloads still on it ({shown}{more})")
            };
            self.violate(
                crate::invariant::InvariantId::UpgradeOrder,
                format!(
                    "the kubelet on {name} moved from {before} to {after} {what}: drain the node before a minor kubelet upgrade"
                ),
            );
        }
    }

    /// The version-skew rules that involve the control planes (semantics §2.1, §2.2).
    pub(crate) fn check_control_plane_skew(&mut self) {
        let mut problems = Vec::new();
        let Some((oldest, newest)) = self.apiserver_range() else {
            return;
        };
        if newest.minor > oldest.minor + 1 {
            problems.push(format!(
                "kube-apiservers {oldest} and {newest} are more than one minor apart"
            ));
        }
        for id in self.control_plane_ids() {
            let n = self.cluster.node(id);
            let Some(cp) = &n.control_plane else { continue };
            for (what, v) in [
                ("kube-controller-manager", &cp.controller_manager),
                ("kube-scheduler", &cp.scheduler),
            ] {
                // kubeadm points them at the API server on their own node (controller-manager.conf,
                // scheduler.conf), so that is the one they must not be newer than.
                if v.minor > cp.apiserver.minor {
                    problems.push(format!(
                        "{what} {v} on {} is newer than its kube-apiserver {}",
                        n.name, cp.apiserver
                    ));
                } else if cp.apiserver.minor > v.minor + 1 {
                    problems.push(format!(
                        "{what} {v} on {} is more than one minor older than its kube-apiserver {}",
                        n.name, cp.apiserver
                    ));
                }
            }
        }
        for p in problems {
            self.violate_once(crate::invariant::InvariantId::VersionSkew, p);
        }
    }

    /// A new node joins at `version` (blue-green workers: `kubeadm join` on a fresh machine),
    /// provisioned with that version's packages and Ready at once.
    pub fn node_add(&mut self, name: &str, version: &KubeVersion) -> Result<NodeId, NodeAddError> {
        if self.cluster.node_id(name).is_some() {
            return Err(NodeAddError::Exists(name.to_string()));
        }
        limits::check_nodes(self.cluster.node_count(), 1)?;
        let node = crate::engine::setup::new_worker(self, name, version).map_err(NodeAddError::Machine)?;
        let id = self.cluster.add_node(node);
        self.kubelet_booted(id);
        self.record(Event::NodeAdded {
            node: Arc::from(name),
            role: "worker",
            version: Arc::from(version.to_string().as_str()),
        });
        self.mark_ds_changed();
        self.sched_dirty = true;
        self.settle();
        self.check_node_skew(id);
        Ok(id)
    }

    /// `kubeadm join`'s `KubeletVersion` preflight check for a worker. kubeadm's
    /// `RunJoinNodeChecks` (cmd/kubeadm/app/preflight/checks.go) passes no Kubernetes version
    /// to `KubeletVersionCheck` (only `init` and control-plane joins do), so a worker's kubelet
    /// is never compared with the control plane: a newer one joins and the skew invariant sees
    /// it. What remains is the floor, the joining kubeadm's own `MinimumKubeletVersion`
    /// (cmd/kubeadm/app/constants): v1.8.0-beta.0 in kubeadm 1.8, one minor below itself from
    /// 1.9, three from 1.29 (kubernetes#120825).
    pub(crate) fn join_preflight(kubeadm: &KubeVersion, kubelet: &KubeVersion) -> Option<Vec<String>> {
        let floor = minimum_kubelet(kubeadm)?;
        if (kubelet.major, kubelet.minor) >= (floor.major, floor.minor) {
            return None;
        }
        let problem = format!(
            "Kubelet version \"{}\" is lower than kubeadm can support. Please upgrade kubelet",
            kubelet.to_string().trim_start_matches('v')
        );
        Some(vec![
            "[preflight] Running pre-flight checks".to_string(),
            "error execution phase preflight: [preflight] Some fatal errors occurred:".to_string(),
            format!("\t[ERROR KubeletVersion]: {problem}"),
            "[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`".to_string(),
            "To see the stack trace of this error execute with --v=5 or higher".to_string(),
        ])
    }

    /// `kubectl delete node`: the Node object goes; its pods are orphaned and the pod garbage
    /// collector removes them (controllers then recreate theirs elsewhere).
    pub fn node_delete(&mut self, node: NodeId) {
        self.cluster.node_mut(node).deleting = true;
        let name = self.cluster.node(node).name.clone();
        // Deleting a node with pods on it, undrained, is a voluntary disruption of each of
        // them: the budgets they counted towards are checked as an eviction would have been.
        let mut disrupted = Vec::new();
        for pod in self.cluster.pods_on_node(node) {
            let Some((owner, label, uid, healthy)) = self
                .cluster
                .pod(pod)
                .map(|p| (p.owner, p.label.clone(), p.uid, p.is_healthy()))
            else {
                continue;
            };
            if owner == Owner::None {
                self.violate(
                    crate::invariant::InvariantId::NoPodLost,
                    format!("bare pod {label} was on deleted node {name} and nothing will recreate it"),
                );
            }
            if healthy {
                disrupted.extend(self.cluster.pdbs_for_pod(pod));
            }
            self.force_remove(pod, uid);
        }
        disrupted.sort();
        disrupted.dedup();
        self.check_pdbs_after(&disrupted, || format!("deleting node {name} with its pods"));
        let control_plane = self.cluster.node(node).control_plane.is_some();
        self.cluster.remove_node(node);
        self.controller_manager_node_gone(node);
        if control_plane {
            // Clients now reach the next control plane's API server (which may be newer).
            self.refresh_server_version();
            self.check_version_skew();
        }
        self.record(Event::NodeDeleted { node: name });
        self.mark_ds_changed();
        self.settle();
    }
}

impl Engine {
    /// The kubelet killed the old container and the new one does not come up.
    pub(crate) fn static_pod_cannot_start(&mut self, node: NodeId, c: StaticPod, reason: &'static str) {
        // A changed manifest is a new pod (new UID, new age) even when its container fails.
        self.restart_static_pod(node, c);
        self.mark_static_pod_failing(node, c, reason);
    }

    /// The static pod's container keeps failing (`reason` is what `kubectl get pods` shows).
    pub(crate) fn mark_static_pod_failing(&mut self, node: NodeId, c: StaticPod, reason: &'static str) {
        self.record(Event::StaticPodFailing {
            node: self.cluster.node(node).name.clone(),
            component: c.name(),
            reason,
        });
        if let Some(id) = self.static_pod_id(node, c) {
            let now = self.now;
            self.cluster.update_pod(id, |p| {
                p.ready = false;
                p.status_reason = Some(reason);
                p.restarts += 1;
                p.last_restart = Some(now);
            });
        }
    }
}

impl Engine {
    /// The etcd static pod's image changed: the member stops and starts the new binary on its
    /// data, and etcd's own rules decide whether it runs (see [`crate::etcd::upgrade`]).
    pub(crate) fn etcd_image_changed(&mut self, node: NodeId, tag: &str) {
        use crate::etcd::upgrade::{DataDirState, StartNote, cluster_version, start_member};
        use crate::etcd::version::EtcdVersion;
        let Ok(binary) = EtcdVersion::parse(tag) else {
            if let Some(cp) = self.cluster.node_mut(node).control_plane.as_mut() {
                cp.etcd = Some(tag.to_string());
            }
            self.static_pod_cannot_start(node, StaticPod::Etcd, "InvalidImageName");
            return;
        };
        let others: Vec<EtcdVersion> = self
            .cluster
            .control_plane_ids()
            .iter()
            .filter(|id| **id != node)
            .filter_map(|id| self.cluster.node(*id).control_plane.as_ref())
            .filter(|cp| cp.etcd_failed.is_none())
            .filter_map(|cp| cp.etcd.as_deref().and_then(|e| EtcdVersion::parse(e).ok()))
            .collect();
        let data = match self.cluster.etcd_data {
            Some(cluster_version) => DataDirState::Written { cluster_version },
            None => DataDirState::Empty,
        };
        let name = self.cluster.node(node).name.clone();
        match start_member(&binary, &data, cluster_version(&others)) {
            Ok(ok) => {
                if let Some(cp) = self.cluster.node_mut(node).control_plane.as_mut() {
                    cp.etcd_failed = None;
                    cp.etcd_retry = false;
                }
                let before = self.cluster.etcd_data;
                self.upgrade_static_pod(node, StaticPod::Etcd, &ComponentVersion::Etcd(binary.clone()));
                for note in &ok.notes {
                    match note {
                        StartNote::SkippedMinor { from, binary } => self.violate(
                            crate::invariant::InvariantId::UpgradeOrder,
                            format!(
                                "etcd on {name} went from cluster version {}.{} to a {}.{} binary, skipping a minor: start the minor in between until the cluster is healthy first",
                                from.0, from.1, binary.0, binary.1
                            ),
                        ),
                        StartNote::PeersTooOld { running, minimum } => self.violate(
                            crate::invariant::InvariantId::UpgradeOrder,
                            format!(
                                "etcd {tag} on {name} cannot talk to its peers: they run cluster version {}.{}, below its minimum {}.{}",
                                running.0, running.1, minimum.0, minimum.1
                            ),
                        ),
                        _ => {}
                    }
                }
                let mut all = others;
                all.push(binary);
                let agreed = cluster_version(&all);
                self.cluster.etcd_data = before
                    .max(agreed)
                    .max(Some(ok.cluster_version).filter(|_| before.is_none()));
            }
            Err(refused) => {
                let log = render_etcd_log(&refused.log(), self.now, self.cluster.epoch_s);
                if let Some(cp) = self.cluster.node_mut(node).control_plane.as_mut() {
                    cp.etcd = Some(tag.to_string());
                    cp.etcd_failed = Some(log);
                    cp.etcd_retry = false;
                }
                self.record(Event::ComponentUpgraded {
                    node: name,
                    component: "etcd",
                    version: Arc::from(format!("{tag} (refused to start)").as_str()),
                });
                self.static_pod_cannot_start(node, StaticPod::Etcd, "CrashLoopBackOff");
            }
        }
    }
}

/// etcd's log lines as `crictl logs` shows them: capnslog's `time L | pkg: msg` or zap's JSON.
pub(crate) fn render_etcd_log(
    entries: &[crate::etcd::upgrade::LogEntry],
    now: crate::time::SimTime,
    epoch_s: u64,
) -> String {
    use crate::etcd::log::{Field, Rec, TsFormat, capnslog_line, json_line};
    use crate::etcd::upgrade::{LogLevel, Logger};
    let ts = now.wall_nanos_with(epoch_s);
    let mut out = String::new();
    for e in entries {
        let line = match e.logger {
            Logger::Capnslog => {
                let level = match e.level {
                    LogLevel::Warning => 'W',
                    LogLevel::Error => 'E',
                    LogLevel::Fatal | LogLevel::Panic => 'C',
                };
                capnslog_line(ts, level, e.package.unwrap_or("etcdmain"), &e.msg)
            }
            Logger::Zap => {
                let level = match e.level {
                    LogLevel::Warning => "warn",
                    LogLevel::Error => "error",
                    LogLevel::Fatal => "fatal",
                    LogLevel::Panic => "panic",
                };
                let rec = Rec {
                    level,
                    logger: None,
                    caller: None,
                    msg: &e.msg,
                    fields: e.fields.iter().map(|(k, v)| (*k, Field::Str(v.clone()))).collect(),
                };
                json_line(ts, TsFormat::IsoMillis, &rec)
            }
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

impl Engine {
    /// `rollback --data-dir=DIR [--ttl=D]`: rewrites the member's etcd 3.0 data as etcd 2.2.1
    /// data, within the tool's limits ([`crate::etcd::rollback`]). The member must be stopped
    /// (the real tool would wait for the database lock for ever); one that was crash-looping
    /// on its new image starts again once the data suits it.
    pub(crate) fn etcd_rollback(&mut self, node: NodeId, args: &[&str]) -> crate::shell::CommandOutput {
        use crate::etcd::rollback::{parse_args, rollback};
        use crate::etcd::version::EtcdVersion;
        let mut out = crate::shell::CommandOutput::default();
        let fail = |out: &mut crate::shell::CommandOutput, msg: String, status: i32| {
            crate::shell::output::stderr(out, msg);
            out.status = status;
        };
        let parsed = match parse_args(args) {
            Ok(p) => p,
            Err(e) => {
                // glog.Fatal / Go's flag package: the message, exit status 255 (flag errors: 2).
                let status = if matches!(e, crate::etcd::rollback::RollbackError::MissingDataDir) {
                    255
                } else {
                    2
                };
                fail(&mut out, e.to_string(), status);
                return out;
            }
        };
        let Some(cp) = self.cluster.node(node).control_plane.clone() else {
            return out;
        };
        if parsed.data_dir.trim_end_matches('/') != "/var/lib/etcd" {
            fail(
                &mut out,
                format!(
                    "kubedrill: no etcd data in {:?}: this member's data dir is /var/lib/etcd",
                    parsed.data_dir
                ),
                1,
            );
            return out;
        }
        if cp.etcd_failed.is_none() {
            fail(
                &mut out,
                "kubedrill: etcd is running on /var/lib/etcd; stop the member first (the real tool would wait for the database lock for ever)".to_string(),
                1,
            );
            return out;
        }
        let Some((maj, min)) = self.cluster.etcd_data else {
            fail(&mut out, "kubedrill: /var/lib/etcd holds no data".to_string(), 1);
            return out;
        };
        let data = EtcdVersion::new(maj, min, 0);
        let objects = self.cluster.pod_count() as u64 + self.cluster.node_count() as u64;
        match rollback(
            &data,
            &EtcdVersion::new(2, 2, 1),
            &self.cluster.storage_media_type,
            objects,
        ) {
            Ok(report) => {
                for line in &report.output {
                    crate::shell::output::stdout(&mut out, *line);
                }
                for w in &report.warnings {
                    crate::shell::output::stderr(&mut out, format!("warning: {w}"));
                }
                self.cluster.etcd_data = Some(report.cluster_version);
                self.record(Event::ComponentUpgraded {
                    node: self.cluster.node(node).name.clone(),
                    component: "etcd-data",
                    version: Arc::from("2.2 (rolled back)"),
                });
                // The kubelet's next restart of the crash-looping member finds data it can use.
                if let Some(tag) = cp.etcd.clone() {
                    self.etcd_image_changed(node, &tag);
                }
            }
            Err(e) => fail(&mut out, e.to_string(), 1),
        }
        out
    }
}

/// kubeadm's `MinimumKubeletVersion` (cmd/kubeadm/app/constants/constants.go) by kubeadm
/// release; kubeadm before 1.8 had no such floor here.
fn minimum_kubelet(kubeadm: &KubeVersion) -> Option<KubeVersion> {
    let skew = match kubeadm.minor {
        0..=7 => return None,
        8 => 0,
        9..=28 => 1,
        _ => 3,
    };
    Some(KubeVersion::new(kubeadm.major, kubeadm.minor - skew, 0))
}

#[cfg(test)]
mod join_tests {
    use super::*;

    fn v(s: &str) -> KubeVersion {
        KubeVersion::parse(s).unwrap()
    }

    #[test]
    fn worker_join_preflight_compares_with_kubeadm_not_the_control_plane() {
        // KubeletVersionCheck (kubeadm preflight/checks.go) with no KubernetesVersion, as
        // RunJoinNodeChecks calls it: a kubelet newer than the control plane passes; one
        // below the kubeadm's MinimumKubeletVersion fails.
        assert_eq!(Engine::join_preflight(&v("v1.32.0"), &v("v1.32.0")), None);
        assert_eq!(Engine::join_preflight(&v("v1.28.15"), &v("v1.27.16")), None);
        let refused = Engine::join_preflight(&v("v1.28.15"), &v("v1.26.15")).unwrap();
        assert_eq!(
            refused[2],
            "\t[ERROR KubeletVersion]: Kubelet version \"1.26.15\" is lower than kubeadm can support. Please upgrade kubelet"
        );
        assert_eq!(Engine::join_preflight(&v("v1.31.2"), &v("v1.28.15")), None);
        assert!(Engine::join_preflight(&v("v1.31.2"), &v("v1.27.16")).is_some());
        assert!(Engine::join_preflight(&v("v1.8.15"), &v("v1.7.16")).is_some());
        assert_eq!(Engine::join_preflight(&v("v1.7.16"), &v("v1.6.13")), None);
    }
}
