//! The kubelet's static pods on a control plane, driven by the manifest files as the real
//! kubelet is: it re-reads its `staticPodPath` (`/etc/kubernetes/manifests`) every 20 s
//! (fileCheckFrequency), stops a pod whose file is gone, starts one whose file appears and
//! restarts one whose file changed. Every file in the directory whose name does not start with
//! a dot is a manifest (the kubelet globs `[^.]*`), whatever its extension: `etcd.yaml.disabled`
//! still runs etcd, so a manifest is taken out of service by moving it out of the directory.
//! A file is the pod its `metadata.name` names; when two files name the same pod, the first
//! in name order wins. CKA practice relies on this: moving `kube-apiserver.yaml` out stops the
//! API server; pointing `etcd.yaml` at a restored data dir makes etcd start on it.

use crate::engine::{Engine, Timer};
use crate::model::NodeId;
use crate::model::component_version::ComponentVersion;
use crate::model::hostfs::{DataDir, Entry, HostFs};
use crate::release::components::{ManifestView, StaticPod, image_tag, parse_manifest, render_manifest};
use crate::release::version::KubeVersion;
use crate::time::SimDuration;

/// The kubelet's fileCheckFrequency.
pub(crate) const MANIFEST_CHECK: SimDuration = SimDuration::from_secs(20);

/// The kubeadm PKI files of a control plane (etcd's and the API server's client pair).
const CONTROL_PLANE_PKI: &[&str] = &[
    "/etc/kubernetes/pki/ca.crt",
    "/etc/kubernetes/pki/ca.key",
    "/etc/kubernetes/pki/apiserver.crt",
    "/etc/kubernetes/pki/apiserver.key",
    "/etc/kubernetes/pki/apiserver-etcd-client.crt",
    "/etc/kubernetes/pki/apiserver-etcd-client.key",
    "/etc/kubernetes/pki/apiserver-kubelet-client.crt",
    "/etc/kubernetes/pki/apiserver-kubelet-client.key",
    "/etc/kubernetes/pki/front-proxy-ca.crt",
    "/etc/kubernetes/pki/front-proxy-client.crt",
    "/etc/kubernetes/pki/sa.key",
    "/etc/kubernetes/pki/sa.pub",
    "/etc/kubernetes/pki/etcd/ca.crt",
    "/etc/kubernetes/pki/etcd/ca.key",
    "/etc/kubernetes/pki/etcd/server.crt",
    "/etc/kubernetes/pki/etcd/server.key",
    "/etc/kubernetes/pki/etcd/peer.crt",
    "/etc/kubernetes/pki/etcd/peer.key",
    "/etc/kubernetes/pki/etcd/healthcheck-client.crt",
    "/etc/kubernetes/pki/etcd/healthcheck-client.key",
];

/// Files every kubeadm node has (the kubelet's own: `engine::kubelet`). A control plane also
/// has root's kubeconfig, copied from admin.conf as kubeadm init tells one to; a worker has
/// none, so kubectl there talks to localhost:8080 until one is copied.
pub(crate) fn provision_node(fs: &mut HostFs, control_plane: bool) {
    fs.put("/etc/kubernetes/kubelet.conf", Entry::Text(kubeconfig("system:node")));
    fs.put("/etc/kubernetes/pki/ca.crt", Entry::Pem);
    fs.put("/etc/kubernetes/manifests", Entry::Dir);
    if control_plane {
        for f in CONTROL_PLANE_PKI {
            fs.put(f, Entry::Pem);
        }
        for f in [
            "admin.conf",
            "controller-manager.conf",
            "scheduler.conf",
            "super-admin.conf",
        ] {
            fs.put(&format!("/etc/kubernetes/{f}"), Entry::Text(kubeconfig(f)));
        }
        fs.put("/root/.kube/config", Entry::Text(kubeconfig("admin.conf")));
    }
}

fn kubeconfig(user: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority-data: LS0tLS1CRUdJTi...\n    server: https://controlplane:6443\n  name: kubernetes\nusers:\n- name: {user}\n  user:\n    client-certificate-data: LS0tLS1CRUdJTi...\n"
    )
}

/// The pods the kubelet reads from its manifest directory, by pod name: every file whose name
/// does not start with a dot, in name order, the first file of a name winning; files that do not
/// parse are skipped (the kubelet logs them).
fn manifests_in(fs: &HostFs, dir: &str) -> std::collections::BTreeMap<String, ManifestView> {
    let mut pods = std::collections::BTreeMap::new();
    for (name, entry) in fs.children(dir) {
        if name.starts_with('.') {
            continue;
        }
        let Entry::Text(t) = entry else { continue };
        if let Some(v) = crate::release::components::parse_manifest_cached(t) {
            pods.entry(v.name.clone()).or_insert(v);
        }
    }
    pods
}

impl Engine {
    /// Writes each control plane's static pod manifests and its etcd data dir, as kubeadm
    /// init/join leaves them. Members join in order, so each one's `--initial-cluster` lists
    /// the members before it.
    pub(crate) fn provision_control_planes(&mut self, with_static_pods: bool) {
        let cps = self.cluster.control_plane_ids().to_vec();
        let mut initial = Vec::new();
        for (i, id) in cps.iter().enumerate() {
            let n = self.cluster.node(*id);
            let (name, ip) = (n.name.to_string(), n.internal_ip.clone());
            initial.push(format!("{name}=https://{ip}:2380"));
            let Some(cp) = n.control_plane.clone() else { continue };
            let mut files = Vec::new();
            if with_static_pods {
                for c in StaticPod::ALL {
                    if let Some(text) = render_manifest(c, &cp, &ip, &name, &initial, i == 0) {
                        files.push((c.manifest_path(), text));
                    }
                }
            }
            let node = self.cluster.node_mut(*id);
            if let Some(cp) = node.control_plane.as_mut() {
                cp.etcd_listen = crate::release::components::etcd_listen_urls(&cp.apiserver, &ip);
            }
            for (path, text) in files {
                node.fs.put(&path, Entry::Text(text));
            }
            if with_static_pods && cp.etcd.is_some() {
                node.fs.put("/var/lib/etcd", Entry::DataDir(DataDir::Live));
            }
        }
    }

    /// A file under `/etc/kubernetes/manifests` changed: the kubelet notices at its next check.
    pub(crate) fn manifests_changed(&mut self, node: NodeId) {
        if self.manifest_sync_pending.insert(node) {
            self.schedule(self.now + MANIFEST_CHECK, Timer::ManifestSync { node });
        }
    }

    /// The kubelet's periodic look at the manifest directory.
    pub(crate) fn sync_static_pods(&mut self, node: NodeId) {
        self.manifest_sync_pending.remove(&node);
        if !self.cluster.node_exists(node) {
            return;
        }
        let n = self.cluster.node(node);
        if !n.powered_on || !n.kubelet_running {
            return;
        }
        if n.control_plane.is_none() {
            return;
        }
        let found = manifests_in(&n.fs, &n.kubelet_unit.static_pod_path);
        for c in StaticPod::ALL {
            let n = self.cluster.node(node);
            let Some(cp) = n.control_plane.as_ref() else { return };
            let desired = match found.get(c.name()) {
                Some(v) => Ok(v.clone()),
                None => Err(match n.fs.get(&c.manifest_path()) {
                    Some(Entry::Text(t)) => match parse_manifest(t) {
                        Err(e) => format!("its manifest does not parse: {e}"),
                        Ok(_) => format!(
                            "its manifest {} is not in the kubelet's staticPodPath",
                            c.manifest_path()
                        ),
                    },
                    Some(_) => "its manifest is not a text file".to_string(),
                    None => format!("its manifest {} is gone", c.manifest_path()),
                }),
            };
            let running = !cp.stopped.contains(&c) && (c != StaticPod::Etcd || cp.etcd.is_some());
            match desired {
                Err(reason) if running => {
                    let name = n.name.clone();
                    self.record(crate::trace::Event::StaticPodStopped {
                        node: name,
                        component: c.name(),
                        reason,
                    });
                    self.stop_static_pod(node, c)
                }
                Ok(v) if !running => self.start_static_pod(node, c, &v),
                Ok(v) if self.differs(node, c, &v) || self.failing_since_edit(node, c) => {
                    self.start_static_pod(node, c, &v)
                }
                _ => {}
            }
        }
    }

    /// A Kubernetes component's pod that could not start (a bad image) and whose manifest was
    /// written again: the kubelet tries the manifest as it is now, even when it names the
    /// version the component ran before the bad edit. (etcd retries on its own terms.)
    fn failing_since_edit(&self, node: NodeId, c: StaticPod) -> bool {
        c != StaticPod::Etcd && self.static_pod_failing(node, c)
    }

    /// The mirror pod of `node`'s static pod `c` (`kube-apiserver-cp1`), if there is one.
    pub(crate) fn static_pod_id(&self, node: NodeId, c: StaticPod) -> Option<crate::model::PodId> {
        let name = format!("{}-{}", c.name(), self.cluster.node(node).name);
        self.cluster.pod_id("kube-system", &name)
    }

    /// The static pod cannot run (a bad image, a crash loop): its mirror pod says why.
    pub(crate) fn static_pod_failing(&self, node: NodeId, c: StaticPod) -> bool {
        self.static_pod_id(node, c)
            .and_then(|id| self.cluster.pod(id))
            .is_some_and(|p| p.status_reason.is_some())
    }

    fn differs(&self, node: NodeId, c: StaticPod, v: &ManifestView) -> bool {
        let Some(cp) = self.cluster.node(node).control_plane.as_ref() else {
            return false;
        };
        let tag = image_tag(&v.image).unwrap_or_default();
        match c {
            StaticPod::Etcd => {
                cp.etcd.as_deref() != Some(tag)
                    || v.etcd_data_location() != cp.etcd_data_dir
                    || v.urls("listen-client-urls") != cp.etcd_listen
            }
            StaticPod::KubeApiserver => cp.apiserver.to_string() != tag || v.urls("etcd-servers") != cp.etcd_servers,
            other => cp.version_of(other) != tag,
        }
    }

    /// The manifest is gone: the kubelet kills the pod and the mirror pod goes.
    fn stop_static_pod(&mut self, node: NodeId, c: StaticPod) {
        if let Some(id) = self.static_pod_id(node, c) {
            let uid = self.cluster.pod(id).map(|p| p.uid).unwrap_or_default();
            self.force_remove(id, uid);
        }
        if let Some(cp) = self.cluster.node_mut(node).control_plane.as_mut()
            && !cp.stopped.contains(&c)
        {
            cp.stopped.push(c);
        }
        match c {
            StaticPod::Etcd => self.etcd_member_down(node),
            StaticPod::KubeApiserver => self.etcd_changed(),
            _ => {}
        }
    }

    /// The kubelet (re)starts a static pod from its manifest.
    fn start_static_pod(&mut self, node: NodeId, c: StaticPod, v: &ManifestView) {
        if let Some(cp) = self.cluster.node_mut(node).control_plane.as_mut() {
            cp.stopped.retain(|s| *s != c);
        }
        let tag = image_tag(&v.image).unwrap_or_default().to_string();
        match c {
            StaticPod::Etcd => self.start_etcd_from_manifest(node, &tag, v),
            StaticPod::KubeApiserver => {
                let servers = v.urls("etcd-servers");
                if let Some(cp) = self.cluster.node_mut(node).control_plane.as_mut() {
                    cp.etcd_servers = servers;
                }
                self.start_kube_component(node, c, &tag);
            }
            other => self.start_kube_component(node, other, &tag),
        }
    }

    fn start_kube_component(&mut self, node: NodeId, c: StaticPod, tag: &str) {
        let released = KubeVersion::parse(tag)
            .ok()
            .filter(|v| crate::model::packages::repo::latest_release(v.minor).is_some_and(|l| v.patch <= l.patch));
        match released {
            Some(v) => {
                let current = self
                    .cluster
                    .node(node)
                    .control_plane
                    .as_ref()
                    .map(|cp| cp.version_of(c));
                if current.as_deref() == Some(v.to_string().as_str()) {
                    self.restart_static_pod(node, c);
                } else {
                    self.upgrade_static_pod(node, c, &ComponentVersion::Kube(v));
                }
            }
            None => self.static_pod_cannot_start(node, c, "ImagePullBackOff"),
        }
    }

    /// etcd from its manifest: the data dir decides what starts (the live member, a restored
    /// cluster, a copy, or nothing usable).
    fn start_etcd_from_manifest(&mut self, node: NodeId, tag: &str, v: &ManifestView) {
        let data_dir = v.etcd_data_location();
        let listen = v.urls("listen-client-urls");
        let entry = self.cluster.node(node).fs.get(&data_dir).cloned();
        if let Some(cp) = self.cluster.node_mut(node).control_plane.as_mut() {
            cp.etcd_data_dir = data_dir.clone();
            cp.etcd_listen = listen;
        }
        match entry {
            Some(Entry::DataDir(DataDir::Live)) => {
                let current = self
                    .cluster
                    .node(node)
                    .control_plane
                    .as_ref()
                    .and_then(|cp| cp.etcd.clone());
                if current.as_deref() == Some(tag) {
                    if let Some(cp) = self.cluster.node_mut(node).control_plane.as_mut() {
                        cp.etcd_failed = None;
                        cp.etcd_retry = false;
                    }
                    self.restart_static_pod(node, StaticPod::Etcd);
                } else {
                    self.etcd_image_changed(node, tag);
                }
            }
            Some(Entry::DataDir(DataDir::Restored(r))) => self.start_etcd_on_restored(node, tag, &data_dir, &r, v),
            Some(Entry::DataDir(DataDir::Copy {
                snapshot,
                member_id,
                cluster_id,
            })) => self.start_etcd_on_copy(node, tag, &data_dir, &snapshot, member_id, cluster_id),
            // No data dir, or an empty one: etcd creates it and bootstraps from its flags.
            _ => self.start_etcd_empty(node, tag, &data_dir, v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_get_kubeadm_files() {
        let mut fs = HostFs::new();
        provision_node(&mut fs, true);
        assert!(matches!(fs.get("/etc/kubernetes/pki/etcd/ca.crt"), Some(Entry::Pem)));
        assert!(fs.is_dir("/etc/kubernetes/manifests"));
        let mut w = HostFs::new();
        provision_node(&mut w, false);
        assert!(w.get("/etc/kubernetes/admin.conf").is_none());
    }
}
