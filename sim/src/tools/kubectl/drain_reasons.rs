//! Records kubectl drain's filter verdicts in the trace, so `why` can say which filter stopped
//! which pod and which flag changes that. The verdicts are the drain's own groups (message,
//! pods); each message of this kubectl release names exactly one filter.

use crate::model::NodeId;
use crate::release::behaviour::DrainMessages;
use crate::tools::api::KubeApi;
use crate::trace::Event;
use std::sync::Arc;

/// The filter a message of the filter chain comes from, and the flag that changes its verdict.
fn filter_of(m: &DrainMessages, message: &str, local_storage_flag: &'static str) -> (&'static str, &'static str) {
    if message == m.daemonset_error || message == m.daemonset_warning {
        ("daemonSet", "--ignore-daemonsets")
    } else if message == m.local_storage_error || message == m.local_storage_warning {
        ("localStorage", local_storage_flag)
    } else if message == m.unreplicated_error || message == m.unreplicated_warning {
        ("unreplicated", "--force")
    } else {
        // `daemonsets.apps "X" not found`: the pod's DaemonSet is gone.
        ("daemonSet", "--force")
    }
}

/// Records one `DrainPodFiltered` per pod the filters refused or warned about.
pub(super) fn record(
    api: &mut dyn KubeApi,
    node: NodeId,
    errors: &[(String, Vec<String>)],
    warnings: &[(String, Vec<String>)],
) {
    let k = api.kubectl().clone();
    let local_storage_flag = if k.has_delete_emptydir_data {
        "--delete-emptydir-data"
    } else {
        "--delete-local-data"
    };
    let node_name = api.cluster().node(node).name.clone();
    let groups = errors
        .iter()
        .map(|g| (true, g))
        .chain(warnings.iter().map(|g| (false, g)));
    for (refused, (message, pods)) in groups {
        let (filter, flag) = filter_of(&k.messages, message, local_storage_flag);
        for shown in pods {
            let pod = label_of(api, node, shown);
            api.note(Event::DrainPodFiltered {
                node: node_name.clone(),
                pod,
                filter,
                refused,
                flag,
            });
        }
    }
}

/// `namespace/name` for a pod as the drain showed it (kubectl up to 1.15 shows the name only).
fn label_of(api: &dyn KubeApi, node: NodeId, shown: &str) -> Arc<str> {
    if shown.contains('/') {
        return Arc::from(shown);
    }
    api.cluster()
        .pods_on_node(node)
        .into_iter()
        .filter_map(|id| api.cluster().pod(id))
        .find(|p| &*p.name == shown)
        .map(|p| p.label.clone())
        .unwrap_or_else(|| Arc::from(shown))
}
