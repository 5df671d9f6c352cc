//! The containers a node's runtime is running right now, as `ps`, `df` and `crictl` see them:
//! every container of every pod bound to the node that has started, is not finished and is
//! not failing (a crash-looping or unpullable static pod has no running container), on a
//! machine that is on and whose containers survived (a reboot kills them until the kubelet
//! starts them again). The kubelet being stopped does not stop them.

use crate::model::cluster::Cluster;
use crate::model::{NodeId, Phase, Pod};
use crate::time::SimTime;

/// One running container.
#[derive(Clone, Debug)]
pub struct Running<'a> {
    pub pod: &'a Pod,
    /// Index in the pod's containers.
    pub index: usize,
    pub name: &'a str,
    pub image: String,
    /// When it started (the pod's start).
    pub started: SimTime,
}

/// Whether a pod's containers run (see the module docs).
pub fn pod_running(c: &Cluster, node: NodeId, p: &Pod) -> bool {
    let n = c.node(node);
    n.powered_on
        && !n.kubelet_unit.containers_lost
        && p.node == Some(node)
        && !p.is_finished()
        && p.phase == Phase::Running
        && p.started_at.is_some()
        && !matches!(
            p.status_reason,
            Some("CrashLoopBackOff" | "ImagePullBackOff" | "ErrImagePull" | "Error" | "InvalidImageName")
        )
}

/// The running containers of a node, by pod (namespace, name) then container order.
pub fn running_on(c: &Cluster, node: NodeId) -> Vec<Running<'_>> {
    let mut out = Vec::new();
    for id in c.pods_on_node(node) {
        let Some(p) = c.pod(id) else { continue };
        if !pod_running(c, node, p) {
            continue;
        }
        for (index, name) in p.template.container_names.iter().enumerate() {
            let image = image_of(p, index);
            out.push(Running {
                pod: p,
                index,
                name,
                image,
                started: p.started_at.unwrap_or(p.created_at),
            });
        }
    }
    out
}

/// The pods with running containers on a node (one sandbox each).
pub fn sandboxes_on(c: &Cluster, node: NodeId) -> Vec<&Pod> {
    c.pods_on_node(node)
        .into_iter()
        .filter_map(|id| c.pod(id))
        .filter(|p| pod_running(c, node, p))
        .collect()
}

/// The image of a pod's `index`-th container, as its spec names it (empty if it names none).
pub fn image_of(p: &Pod, index: usize) -> String {
    p.template
        .spec
        .containers
        .get(index)
        .and_then(|c| c.image.clone())
        .unwrap_or_default()
}
