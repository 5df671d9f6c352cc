//! Backups and restores of the cluster's etcd, as the Kubernetes objects see them.
//!
//! A snapshot carries the API state at the moment it was taken (the simulator's objects, which
//! are what the etcd keys stand for). When an etcd member starts on a restored data dir, a new
//! etcd cluster forms (new cluster and member IDs, the snapshot's revision) and the API state
//! becomes the snapshot's: objects created after it are gone, deleted ones are back. The
//! kubelets then reconcile with what runs on their machines: a pod deleted after the snapshot
//! has no container any more and starts again; containers of pods that no longer exist are
//! killed (they have no object, so nothing shows).
//!
//! Invariant `no_data_loss_beyond_snapshot`: right after the restore the API state holds
//! exactly the snapshot's objects.

use crate::engine::{Engine, Timer};
use crate::etcd::model::{EtcdModel, MemberSpec, MemberState, Snapshot};
use crate::etcd::version::EtcdVersion;
use crate::model::cluster::Cluster;
use crate::model::hostfs::{DataDir, Entry, Restored};
use crate::model::{NodeId, Owner, Phase};
use crate::release::components::StaticPod;
use crate::time::SimDuration;
use crate::trace::Event;
use std::collections::BTreeSet;
use std::sync::Arc;

pub use crate::model::cluster::ApiState;

/// The objects whose keys etcd holds, as (resource, namespace/name) pairs.
pub(crate) fn object_keys(c: &Cluster) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for id in c.node_ids() {
        keys.insert(format!("/registry/minions/{}", c.node(id).name));
    }
    for (_, p) in c.pods_ordered() {
        if !p.is_mirror() {
            keys.insert(format!("/registry/pods/{}/{}", p.namespace, p.name));
        }
    }
    for id in c.workload_ids() {
        let w = c.workload(id);
        keys.insert(format!("/registry/{}/{}/{}", w.kind.resource(), w.namespace, w.name));
    }
    for id in c.pdb_ids() {
        let p = c.pdb(id);
        keys.insert(format!("/registry/poddisruptionbudgets/{}/{}", p.namespace, p.name));
    }
    for ns in c.namespaces() {
        keys.insert(format!("/registry/namespaces/{ns}"));
    }
    keys
}

impl Engine {
    /// The keys the Kubernetes objects occupy in etcd, as `etcdctl get / --prefix --keys-only`
    /// lists them.
    pub(crate) fn kube_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = object_keys(&self.cluster).into_iter().collect();
        for id in self.cluster.node_ids() {
            keys.push(format!(
                "/registry/leases/kube-node-lease/{}",
                self.cluster.node(id).name
            ));
        }
        keys.push("/registry/configmaps/kube-system/kubeadm-config".into());
        keys.push("/registry/configmaps/kube-system/kubelet-config".into());
        keys.push("/registry/ranges/serviceips".into());
        keys.push("/registry/ranges/servicenodeports".into());
        keys.push("/registry/services/specs/default/kubernetes".into());
        keys.push("/registry/services/endpoints/default/kubernetes".into());
        keys.sort();
        keys
    }

    /// How many etcd entries the Kubernetes objects make (`snapshot status` TOTAL KEYS counts
    /// them; a fresh kubeadm cluster has a few hundred of its own: RBAC, config maps, leases).
    pub(crate) fn object_entry_count(&self) -> usize {
        object_keys(&self.cluster).len() + 3 * self.cluster.node_count() + 280
    }

    /// What `snapshot save` gets from a member now: the keys, the revision and the API state.
    /// (Lease renewals are counted by the caller first: `count_lease_renewals`.)
    pub(crate) fn api_snapshot(&self, has_hash: bool) -> Snapshot {
        Snapshot {
            revision: self.etcd.revision,
            keys: self.etcd.keys.clone(),
            version: self.etcd.version.clone(),
            has_hash,
            payload: Some(Arc::new(ApiState(self.cluster.clone()))),
            extra_keys: self.object_entry_count(),
            copied_while_running: false,
        }
    }

    /// A copy of a data dir that etcd uses now (`cp -r`, a volume snapshot): its data as of
    /// now, with the member's identity.
    pub(crate) fn frozen_data_dir(&self, node: NodeId) -> DataDir {
        let member_id = self.etcd_member_of(node).map(|i| self.etcd.members[i].id).unwrap_or(0);
        DataDir::Copy {
            snapshot: Arc::new(self.api_snapshot(false)),
            member_id,
            cluster_id: self.etcd.cluster_id,
        }
    }

    /// `volume-snapshot NODE DIR DEST`: the storage layer copies a directory as it is at this
    /// instant; a live etcd data dir becomes a crash-consistent copy of the member.
    pub(crate) fn volume_snapshot(&mut self, node: NodeId, from: &str, to: &str) -> Result<Vec<String>, String> {
        let frozen = self.frozen_data_dir(node);
        let fs = &mut self.cluster.node_mut(node).fs;
        let entry = match fs.get(from) {
            Some(Entry::DataDir(DataDir::Live)) => Entry::DataDir(frozen),
            Some(e @ (Entry::DataDir(_) | Entry::Dir)) => e.clone(),
            Some(_) => return Err(format!("{from:?} is not a directory")),
            None => return Err(format!("no directory {from:?} on that node")),
        };
        fs.put(to, entry);
        Ok(Vec::new())
    }

    /// The new etcd on `node` runs: the pod is replaced, the data dir it uses is the live one,
    /// and the one it used before keeps the old cluster's data as of now.
    fn etcd_now_runs_on(&mut self, node: NodeId, tag: &str, data_dir: &str) {
        let frozen = self.frozen_data_dir(node);
        let n = self.cluster.node_mut(node);
        for path in n.fs.live_data_dirs() {
            if path != data_dir {
                n.fs.put(&path, Entry::DataDir(frozen.clone()));
            }
        }
        // Data inside the container is nowhere on the host.
        if !data_dir.starts_with(crate::release::components::IN_CONTAINER) {
            n.fs.put(data_dir, Entry::DataDir(DataDir::Live));
        }
        if let Some(cp) = n.control_plane.as_mut() {
            cp.etcd = Some(tag.to_string());
            cp.etcd_failed = None;
            cp.etcd_retry = false;
        }
    }

    /// etcd starts on a data dir `snapshot restore` wrote.
    pub(crate) fn start_etcd_on_restored(
        &mut self,
        node: NodeId,
        tag: &str,
        data_dir: &str,
        r: &Arc<Restored>,
        view: &crate::release::components::ManifestView,
    ) {
        // On start the member publishes the name and client URLs of its own flags; the peer
        // URLs stay what the restore recorded.
        let node_name = self.cluster.node(node).name.to_string();
        let run_name = view.flag("name").unwrap_or(&node_name).to_string();
        let advertise = view.urls("advertise-client-urls");
        if let Err(log) = self.check_binary_for(tag, &r.snapshot.version) {
            self.etcd_refuses(node, tag, log);
            return;
        }
        let version = EtcdVersion::parse(tag)
            .map(|v| v.binary_version())
            .unwrap_or(r.snapshot.version.clone());
        if self.etcd.cluster_id == r.cluster_id
            && let Some(i) = self.etcd.member_index(r.member_id)
        {
            self.etcd.members[i].name = run_name.clone();
            if !advertise.is_empty() {
                self.etcd.members[i].client_urls = advertise.clone();
            }
            // Another member of the same restored cluster: it joins the ones already started.
            self.etcd_now_runs_on(node, tag, data_dir);
            self.restart_static_pod(node, StaticPod::Etcd);
            return;
        }
        let specs: Vec<MemberSpec> = r
            .initial_cluster
            .iter()
            .map(|(name, peer)| MemberSpec {
                name: name.clone(),
                peer_url: peer.clone(),
                client_url: peer.replace(":2380", ":2379"),
            })
            .collect();
        let mut model = EtcdModel::restore(&r.snapshot, &specs, &r.token, version);
        // Only this member runs so far; the others of --initial-cluster are not started.
        for m in &mut model.members {
            if m.name != r.name {
                m.state = MemberState::Unstarted;
                m.name.clear();
            } else {
                m.name = run_name.clone();
                if !advertise.is_empty() {
                    m.client_urls = advertise.clone();
                }
            }
        }
        model.leader = None;
        let quorum = model.has_quorum();
        if quorum {
            model.leader = model.members.iter().position(|m| m.is_running());
        }
        self.etcd = model;
        self.record(Event::EtcdRestored {
            node: self.cluster.node(node).name.clone(),
            revision: r.snapshot.revision,
            cluster_id: Arc::from(format!("{:x}", r.cluster_id).as_str()),
        });
        self.etcd_now_runs_on(node, tag, data_dir);
        if let Some(payload) = r.snapshot.payload.as_ref().and_then(|p| p.downcast_ref::<ApiState>()) {
            let api = payload.0.clone();
            self.restore_api_state(&api);
        }
        self.restart_static_pod(node, StaticPod::Etcd);
    }

    /// etcd starts on a copy of a data dir (a volume snapshot put back): the member's own
    /// identity and its data as of the copy. Alone, it is the cluster and the state goes back
    /// to the copy; with running peers it just catches up from the leader.
    pub(crate) fn start_etcd_on_copy(
        &mut self,
        node: NodeId,
        tag: &str,
        data_dir: &str,
        snapshot: &Arc<Snapshot>,
        member_id: u64,
        cluster_id: u64,
    ) {
        if let Err(log) = self.check_binary_for(tag, &snapshot.version) {
            self.etcd_refuses(node, tag, log);
            return;
        }
        let peers_up = self.etcd.members.iter().any(|m| m.id != member_id && m.is_running());
        let same = self.etcd.cluster_id == cluster_id && self.etcd.member_index(member_id).is_some();
        self.etcd_now_runs_on(node, tag, data_dir);
        if same && peers_up {
            self.restart_static_pod(node, StaticPod::Etcd);
            return;
        }
        if same {
            self.etcd.keys = snapshot.keys.clone();
            self.etcd.revision = snapshot.revision;
            self.record(Event::EtcdRestored {
                node: self.cluster.node(node).name.clone(),
                revision: snapshot.revision,
                cluster_id: Arc::from(format!("{cluster_id:x}").as_str()),
            });
            if let Some(payload) = snapshot.payload.as_ref().and_then(|p| p.downcast_ref::<ApiState>()) {
                let api = payload.0.clone();
                self.restore_api_state(&api);
            }
        }
        self.restart_static_pod(node, StaticPod::Etcd);
    }

    /// etcd starts on an empty or missing data dir. A member the cluster knows cannot start
    /// empty (raft panics); one that was removed and added again joins; a single-member
    /// cluster bootstrapped `new` starts over, empty: every object is gone.
    pub(crate) fn start_etcd_empty(
        &mut self,
        node: NodeId,
        tag: &str,
        data_dir: &str,
        view: &crate::release::components::ManifestView,
    ) {
        let name = self.cluster.node(node).name.to_string();
        let initial: Vec<&str> = view
            .flag("initial-cluster")
            .map(|v| v.split(',').collect())
            .unwrap_or_default();
        let existing = view.flag("initial-cluster-state") == Some("existing");
        let alone = initial.len() <= 1 && !existing;
        let on_host = !data_dir.starts_with(crate::release::components::IN_CONTAINER);
        if on_host {
            self.cluster
                .node_mut(node)
                .fs
                .put(data_dir, Entry::DataDir(DataDir::Empty));
        }
        if alone && self.etcd.members.iter().all(|m| m.name == name || m.name.is_empty()) {
            let ip = self.cluster.node(node).internal_ip.clone();
            let version = EtcdVersion::parse(tag)
                .map(|v| v.binary_version())
                .unwrap_or(self.etcd.version.clone());
            self.etcd = EtcdModel::bootstrap(
                &[MemberSpec {
                    name: name.clone(),
                    peer_url: format!("https://{ip}:2380"),
                    client_url: format!("https://{ip}:2379"),
                }],
                crate::etcd::model::DEFAULT_TOKEN,
                version,
            );
            self.etcd_now_runs_on(node, tag, data_dir);
            let empty = self.cluster.without_objects();
            self.restore_api_state(&empty);
            self.restart_static_pod(node, StaticPod::Etcd);
            return;
        }
        if let Some(i) = self.etcd_member_of(node) {
            self.etcd.destroy(i);
        }
        if let Some(cp) = self.cluster.node_mut(node).control_plane.as_mut() {
            cp.etcd = Some(tag.to_string());
            cp.etcd_failed = None;
            cp.etcd_retry = false;
            cp.etcd_data_dir = data_dir.to_string();
        }
        if on_host {
            self.cluster
                .node_mut(node)
                .fs
                .put(data_dir, Entry::DataDir(DataDir::Live));
        }
        self.restart_static_pod(node, StaticPod::Etcd);
    }

    /// etcd's version rules for a binary on data written by `data` (restore needs the same
    /// major.minor; an older binary refuses newer data).
    fn check_binary_for(&self, tag: &str, data: &EtcdVersion) -> Result<(), String> {
        use crate::etcd::upgrade::{DataDirState, start_member};
        let Ok(binary) = EtcdVersion::parse(tag) else {
            return Ok(());
        };
        let state = DataDirState::Written {
            cluster_version: data.minor_key(),
        };
        start_member(&binary, &state, None)
            .map(|_| ())
            .map_err(|e| crate::engine::upgrade::render_etcd_log(&e.log(), self.now, self.cluster.epoch_s))
    }

    fn etcd_refuses(&mut self, node: NodeId, tag: &str, log: String) {
        if let Some(cp) = self.cluster.node_mut(node).control_plane.as_mut() {
            cp.etcd = Some(tag.to_string());
            cp.etcd_failed = Some(log);
            cp.etcd_retry = false;
        }
        self.etcd_member_down(node);
        self.static_pod_cannot_start(node, StaticPod::Etcd, "CrashLoopBackOff");
    }

    /// The API objects become the snapshot's; the kubelets reconcile with their machines.
    pub(crate) fn restore_api_state(&mut self, snapshot: &Cluster) {
        let before: BTreeSet<String> = object_keys(snapshot);
        let mut restored = self.cluster.with_api_state_of(snapshot);
        // Mirror pods are the kubelets' view of their static pods: the current ones, not the
        // snapshot's.
        for id in restored.pod_ids_raw() {
            if restored.pod(id).is_some_and(|p| p.is_mirror()) {
                restored.remove_pod(id);
            }
        }
        let mirrors: Vec<_> = self
            .cluster
            .pod_ids_raw()
            .into_iter()
            .filter_map(|id| self.cluster.pod(id).filter(|p| p.is_mirror()).cloned())
            .collect();
        for mut p in mirrors {
            let node = p.node.take();
            let id = restored.insert_pod(p);
            if let Some(n) = node
                && restored.node_exists(n)
            {
                restored.bind(id, n);
            }
        }
        // Containers: a pod that still runs keeps running; one whose containers are gone
        // (deleted after the snapshot) starts again on its node.
        let mut restart = Vec::new();
        for id in restored.pod_ids_raw() {
            let Some(p) = restored.pod(id) else { continue };
            if p.is_mirror() || p.is_finished() {
                continue;
            }
            let Some(node) = p.node else { continue };
            let (uid, start_ms) = (p.uid, p.template.start_ms);
            let running_now = self
                .cluster
                .pod_id(&p.namespace, &p.name)
                .and_then(|cid| self.cluster.pod(cid))
                .filter(|c| c.uid == uid && !c.is_terminating())
                .map(|c| (c.phase, c.ready, c.started_at, c.restarts));
            match running_now {
                Some((phase, ready, started_at, restarts)) => {
                    restored.update_pod(id, |p| {
                        p.phase = phase;
                        p.ready = ready;
                        p.started_at = started_at;
                        p.restarts = restarts;
                    });
                }
                None => {
                    restored.update_pod(id, |p| {
                        p.phase = Phase::Pending;
                        p.ready = false;
                        p.started_at = None;
                    });
                    if restored.node(node).kubelet_running {
                        restart.push((id, uid, start_ms));
                    }
                }
            }
        }
        self.cluster = restored;
        for (pod, uid, start_ms) in restart {
            self.schedule(self.now + SimDuration(start_ms), Timer::PodStarted { pod, uid });
        }
        // Workloads in the snapshot that own pods which are not there any more are brought
        // back to their replica counts by their controllers.
        let ids: Vec<_> = self.cluster.workload_ids().collect();
        for id in ids {
            self.reconcile(id);
        }
        self.mark_ds_changed();
        self.sched_dirty = true;
        let after = object_keys(&self.cluster);
        let missing: Vec<&String> = before.difference(&after).collect();
        let extra: Vec<&String> = after
            .difference(&before)
            .filter(|k| !k.starts_with("/registry/minions/"))
            .collect();
        if !missing.is_empty() || !extra.is_empty() {
            self.violate(
                crate::invariant::InvariantId::NoDataLossBeyondSnapshot,
                format!(
                    "after the restore, {} objects of the snapshot are missing ({}) and {} are there that it did not have ({})",
                    missing.len(),
                    missing.iter().take(3).map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
                    extra.len(),
                    extra.iter().take(3).map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                ),
            );
        }
        let _ = Owner::None;
    }
}
