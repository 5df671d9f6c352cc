//! `kubeadm join --control-plane` on a fresh machine: a control plane that joins at a version,
//! its stacked etcd member added to the cluster first. Cluster API's KubeadmControlPlane rolls
//! control planes this way: one at the new version joins, then an old one is removed
//! (`etcdctl member remove`, `kubectl delete node`).

use super::Engine;
use super::upgrade::NodeAddError;
use crate::model::NodeId;
use crate::model::hostfs::{DataDir, Entry};
use crate::model::limits;
use crate::release::components::{ControlPlane, StaticPod, etcd_listen_urls, render_manifest};
use crate::release::version::KubeVersion;
use crate::trace::Event;
use std::sync::Arc;

impl Engine {
    /// A control plane named `name` joins at `version`: a new machine with kubeadm's
    /// control-plane manifests, its etcd member added and started (the cluster needs its
    /// quorum for that, as kubeadm's `etcdctl member add` does), Ready at once. `local_mode`:
    /// the join turns on ControlPlaneKubeletLocalMode (already on by default from v1.33).
    pub fn control_plane_add(
        &mut self,
        name: &str,
        version: &KubeVersion,
        local_mode: bool,
    ) -> Result<NodeId, NodeAddError> {
        if self.cluster.node_id(name).is_some() {
            return Err(NodeAddError::Exists(name.to_string()));
        }
        limits::check_nodes(self.cluster.node_count(), 1)?;
        let stacked = self.cluster.control_plane_ids().iter().any(|&id| {
            self.cluster
                .node(id)
                .control_plane
                .as_ref()
                .is_some_and(|cp| cp.etcd.is_some())
        });
        let mut node = crate::engine::setup::new_control_plane(self, name, version).map_err(NodeAddError::Machine)?;
        let ip = node.internal_ip.clone();
        let etcd_tag = stacked.then(|| crate::release::versions::default_etcd_for(version).to_string());
        let mut cp = ControlPlane::at(version, etcd_tag);
        cp.kubelet_local_api |= local_mode;
        cp.etcd_listen = etcd_listen_urls(&cp.apiserver, &ip);
        let member = if stacked {
            let peer = format!("https://{ip}:2380");
            let i = self
                .etcd
                .member_add(name, std::slice::from_ref(&peer), false)
                .map_err(|e| NodeAddError::Machine(format!("kubeadm join --control-plane: etcd member add: {e}")))?;
            Some(i)
        } else {
            None
        };
        // `--initial-cluster` lists the members as they are now, the new one included.
        let initial: Vec<String> = self
            .etcd
            .members
            .iter()
            .filter_map(|m| {
                let url = m.peer_urls.first()?;
                let member = if m.name.is_empty() { name } else { m.name.as_str() };
                Some(format!("{member}={url}"))
            })
            .collect();
        for c in StaticPod::ALL {
            if let Some(text) = render_manifest(c, &cp, &ip, name, &initial, false) {
                node.fs.put(&c.manifest_path(), Entry::Text(text));
            }
        }
        if stacked {
            node.fs.put("/var/lib/etcd", Entry::DataDir(DataDir::Live));
        }
        node.control_plane = Some(cp);
        let id = self.cluster.add_node(node);
        if let Some(i) = member
            && let Err(e) = self.etcd.start_added(i, name, &format!("https://{ip}:2379"))
        {
            return Err(NodeAddError::Machine(format!("etcd on {name} did not start: {e}")));
        }
        self.kubelet_booted(id);
        crate::engine::setup::add_static_pods(self, id);
        self.cm_started.insert(id, self.now);
        self.record(Event::NodeAdded {
            node: Arc::from(name),
            role: "control-plane",
            version: Arc::from(version.to_string().as_str()),
        });
        self.etcd_changed();
        self.mark_ds_changed();
        self.sched_dirty = true;
        self.settle();
        self.check_version_skew();
        Ok(id)
    }
}
