//! etcdctl and etcdutl on a node: the machine side of [`crate::tools::etcdctl::EtcdHost`] — which
//! member answers at a URL, the node's certificates and files, virtual time.

use crate::engine::etcd_link::member_listening_at;
use crate::etcd::model::{EtcdModel, KeyValue, Snapshot};
use crate::etcd::version::EtcdVersion;
use crate::host::Sim;
use crate::model::NodeId;
use crate::model::cluster::ApiState;
use crate::model::hostfs::{DataDir, Entry, Found, Restored};
use crate::time::SimDuration;
use crate::tools::etcdctl::{DirState, EtcdHost, RestoredDataDir, SnapshotFileError};
use std::sync::Arc;

/// The client certificate pairs etcd trusts in a kubeadm cluster.
const CLIENT_PAIRS: &[(&str, &str)] = &[
    (
        "/etc/kubernetes/pki/etcd/server.crt",
        "/etc/kubernetes/pki/etcd/server.key",
    ),
    ("/etc/kubernetes/pki/etcd/peer.crt", "/etc/kubernetes/pki/etcd/peer.key"),
    (
        "/etc/kubernetes/pki/etcd/healthcheck-client.crt",
        "/etc/kubernetes/pki/etcd/healthcheck-client.key",
    ),
    (
        "/etc/kubernetes/pki/apiserver-etcd-client.crt",
        "/etc/kubernetes/pki/apiserver-etcd-client.key",
    ),
];
const ETCD_CA: &str = "/etc/kubernetes/pki/etcd/ca.crt";

pub(crate) struct NodeEtcd<'a> {
    pub sim: &'a mut Sim,
    pub node: NodeId,
}

impl NodeEtcd<'_> {
    fn fs(&self) -> &crate::model::hostfs::HostFs {
        &self.sim.cluster.node(self.node).fs
    }
}

impl EtcdHost for NodeEtcd<'_> {
    fn cluster(&mut self) -> Option<&mut EtcdModel> {
        Some(&mut self.sim.etcd)
    }

    fn member_at(&self, url: &str) -> Option<usize> {
        member_listening_at(self.sim, self.node, url)
    }

    fn tls_required(&self, _url: &str) -> bool {
        // kubeadm's etcd listens with TLS and client-certificate auth only.
        true
    }

    fn file_exists(&self, path: &str) -> bool {
        self.fs().find(path).is_some()
    }

    fn tls_ok(&self, cacert: Option<&str>, cert: Option<&str>, key: Option<&str>) -> bool {
        let fs = self.fs();
        let ca_ok = cacert.is_some_and(|c| crate::path::normalize(c) == ETCD_CA && fs.get(ETCD_CA).is_some());
        let pair_ok = match (cert, key) {
            (Some(c), Some(k)) => {
                let (c, k) = (crate::path::normalize(c), crate::path::normalize(k));
                CLIENT_PAIRS
                    .iter()
                    .any(|(pc, pk)| *pc == c && *pk == k && fs.get(pc).is_some() && fs.get(pk).is_some())
            }
            _ => false,
        };
        ca_ok && pair_ok
    }

    fn read_snapshot(&self, path: &str) -> Result<Snapshot, SnapshotFileError> {
        match self.fs().find(path) {
            None => Err(SnapshotFileError::NotFound),
            Some(Found::Entry(Entry::Snapshot(s))) => Ok((**s).clone()),
            Some(Found::Entry(Entry::Truncated(_))) => Err(SnapshotFileError::Truncated),
            Some(Found::Entry(Entry::Dir | Entry::DataDir(_))) | Some(Found::DataSubdir) => {
                Err(SnapshotFileError::IsADirectory)
            }
            Some(Found::Entry(Entry::Text(_) | Entry::Pem)) => Err(SnapshotFileError::NotADatabase),
            Some(Found::Db { dir }) => {
                let d = match self.fs().get(&dir) {
                    Some(Entry::DataDir(d)) => d.clone(),
                    _ => return Err(SnapshotFileError::NotFound),
                };
                let data = match d {
                    DataDir::Live => self.sim.frozen_data_dir(self.node),
                    other => other,
                };
                match data {
                    DataDir::Copy { snapshot, .. } => {
                        let mut s = (*snapshot).clone();
                        s.has_hash = false;
                        Ok(s)
                    }
                    DataDir::Restored(r) => {
                        let mut s = (*r.snapshot).clone();
                        s.has_hash = false;
                        Ok(s)
                    }
                    _ => Err(SnapshotFileError::NotFound),
                }
            }
        }
    }

    fn write_snapshot(&mut self, path: &str, mut snap: Snapshot) -> Result<(), String> {
        // The member's backend holds every Kubernetes object: the file carries them.
        snap.payload = Some(Arc::new(ApiState(self.sim.cluster.clone())));
        if snap.extra_keys == 0 {
            snap.extra_keys = self.sim.object_entry_count();
        }
        self.sim
            .cluster
            .node_mut(self.node)
            .fs
            .put(path, Entry::Snapshot(Arc::new(snap)));
        Ok(())
    }

    fn dir_state(&self, path: &str) -> DirState {
        let fs = self.fs();
        match fs.find(path) {
            None => DirState::Missing,
            Some(Found::Entry(Entry::DataDir(DataDir::Empty))) => DirState::Empty,
            Some(Found::Entry(Entry::DataDir(_))) | Some(Found::DataSubdir) => DirState::NonEmpty,
            Some(Found::Entry(Entry::Dir)) => {
                if fs.children(path).is_empty() {
                    DirState::Empty
                } else {
                    DirState::NonEmpty
                }
            }
            Some(_) => DirState::NotADir,
        }
    }

    fn write_data_dir(&mut self, path: &str, restored: RestoredDataDir) -> Result<(), String> {
        let fs = &mut self.sim.cluster.node_mut(self.node).fs;
        let parent = crate::path::normalize(&format!("{path}/.."));
        if !fs.is_dir(&parent) {
            // etcdutl creates the whole path (MkdirAll).
            fs.put(&format!("{parent}/.keep"), Entry::Dir);
            fs.remove_tree(&format!("{parent}/.keep"));
        }
        fs.put(
            path,
            Entry::DataDir(DataDir::Restored(Arc::new(Restored {
                snapshot: Arc::new(restored.snapshot),
                name: restored.name,
                initial_cluster: restored.initial_cluster,
                token: restored.token,
                member_id: restored.member_id,
                cluster_id: restored.cluster_id,
            }))),
        );
        Ok(())
    }

    fn tool_version(&self) -> EtcdVersion {
        // etcdctl on a control plane matches the etcd the cluster runs (installed from the
        // same release, as the etcd docs and CKA setups do).
        self.sim
            .cluster
            .node(self.node)
            .control_plane
            .as_ref()
            .and_then(|cp| cp.etcd.as_deref())
            .and_then(|t| EtcdVersion::parse(t).ok())
            .map(|v| v.binary_version())
            .unwrap_or_else(|| self.sim.etcd.version.clone())
    }

    fn took(&mut self) -> std::time::Duration {
        std::time::Duration::from_micros(1_500 + self.sim.rng.below(8_000))
    }

    fn timestamp(&mut self) -> u64 {
        self.sim.now.wall_nanos_with(self.sim.cluster.epoch_s)
    }

    fn wait(&mut self, ms: u64) {
        let until = self.sim.now + SimDuration(ms);
        self.sim.advance_within_step(until);
    }

    fn kube_entry_count(&self) -> usize {
        self.sim.object_entry_count()
    }

    fn kube_kvs(&self) -> Vec<(String, KeyValue)> {
        let rev = self.sim.etcd.revision;
        self.sim
            .kube_keys()
            .into_iter()
            .enumerate()
            .map(|(i, k)| {
                let r = (rev - (i as i64 % rev.max(1))).max(2);
                (
                    k,
                    KeyValue {
                        value: String::new(),
                        create_revision: r,
                        mod_revision: r,
                        version: 1,
                    },
                )
            })
            .collect()
    }

    fn leave_partial_data_dir(&mut self, path: &str) {
        let fs = &mut self.sim.cluster.node_mut(self.node).fs;
        if fs.get(path).is_none() {
            fs.put(
                path,
                Entry::DataDir(DataDir::Copy {
                    snapshot: Arc::new(Snapshot {
                        revision: 0,
                        keys: Default::default(),
                        version: EtcdVersion::new(3, 5, 0),
                        has_hash: false,
                        payload: None,
                        extra_keys: 0,
                        copied_while_running: false,
                    }),
                    member_id: 0,
                    cluster_id: 0,
                }),
            );
        }
    }
}
