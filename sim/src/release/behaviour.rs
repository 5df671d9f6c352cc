//! Every version-dependent behaviour switch, in one place.
//!
//! Client-side switches follow the kubectl version; cluster-side ones follow the version of
//! the component that implements them (controller-manager, kubeadm). Boundaries come from
//! shared/reference/semantics.md; each field says which release changed it.

use crate::release::version::KubeVersion;

/// How kubectl of one version formats and decides drain/cordon.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kubectl {
    pub minor: u32,
    /// ≤1.10: `node "X" cordoned`; 1.11+: `node/X cordoned`.
    pub quoted_names: bool,
    /// ≤1.13: the old in-tree drain (one joined `error:` line, names without namespace,
    /// every filter's warning printed, no per-pod `evicting pod` line).
    pub in_tree_drain: bool,
    /// 1.8–1.9: every filter runs (no short-circuit), so mirror pods count as unmanaged.
    pub drain_filters_all: bool,
    /// 1.12+: a PDB-refused eviction prints the `(will retry after 5s)` line.
    pub eviction_retry_line: bool,
    /// 1.14+: more than one node name on the command line.
    pub multiple_node_args: bool,
    /// ≤1.22: cobra prints flag errors as `Error:`; 1.23+ `error:`.
    pub capital_error: bool,
    /// ≤1.13: usage errors end `See 'kubectl drain -h' for help and examples.` (with a period).
    pub usage_period: bool,
    /// ≤1.11: tables have a minimum column width of 10 (6 later).
    pub table_min_width: usize,
    /// 1.23+: a failing node does not stop the others (`continuing command...`).
    pub drain_continues: bool,
    /// 1.22 printed three deprecation lines before aborting.
    pub drain_abort_deprecation: bool,
    /// 1.11–1.22: the final node line reuses the last verb printed in the run (`evicted`).
    pub drained_says_evicted: bool,
    /// 1.25+: `Warning:`; before `WARNING:`.
    pub warning_prefix: &'static str,
    /// 1.31+ prints `due to error: %s`, before `due to error:%s`.
    pub due_to_error_space: bool,
    /// 1.18+: `evicting pod NS/NAME`; 1.16–1.17 `evicting pod "NAME"`; older: nothing.
    pub evicting_line: EvictingLine,
    /// 1.20+: `error when evicting pods/"N" -n "NS"`; before `error when evicting pod "N"`.
    pub eviction_error_with_ns: bool,
    /// 1.32+: `context deadline exceeded` when waiting times out.
    pub wait_timeout_context: bool,
    /// 1.27–1.31: `error when waiting for pod "N" in namespace "NS" to terminate`.
    pub wait_error_with_ns: bool,
    /// 1.20+: `--delete-emptydir-data` exists and error texts name it.
    pub has_delete_emptydir_data: bool,
    /// `--delete-local-data` exists (removed in 1.31; deprecated from 1.20).
    pub has_delete_local_data: bool,
    /// 1.18+: `--disable-eviction`.
    pub has_disable_eviction: bool,
    /// 1.18+ (skipDeletedFilter): `--skip-wait-for-delete-timeout`.
    pub has_skip_wait_for_delete_timeout: bool,
    /// 1.9+: `-l/--selector` for drain.
    pub has_drain_selector: bool,
    /// 1.10+ `--pod-selector`.
    pub has_pod_selector: bool,
    /// 1.18+: `--dry-run=client|server`; before, a boolean `--dry-run`.
    pub dry_run_strategies: bool,
    pub messages: DrainMessages,
    /// 1.16+: `No resources found in NS namespace.`; before `No resources found.`
    pub no_resources_names_namespace: bool,
    /// 1.16–1.18 printed the namespace form even for cluster-scoped types and -A.
    pub no_resources_always_namespace: bool,
    /// 1.28+ `kubectl version` prints `Client Version: vX` lines; before, a Go struct dump.
    pub version_short_default: bool,
    /// The kustomize version kubectl 1.24+ reports.
    pub kustomize: Option<&'static str>,
    /// 1.34+: skew warning starts `Warning:`; 1.21–1.33 `WARNING:`; older: none.
    pub version_skew_warning: Option<&'static str>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvictingLine {
    None,
    QuotedName,
    NamespacedName,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrainMessages {
    pub daemonset_error: &'static str,
    pub daemonset_warning: &'static str,
    pub local_storage_error: &'static str,
    pub local_storage_warning: &'static str,
    pub unreplicated_error: &'static str,
    pub unreplicated_warning: &'static str,
}

impl Kubectl {
    pub fn for_version(v: &KubeVersion) -> Self {
        let m = v.minor;
        let old = m <= 13;
        let messages = DrainMessages {
            daemonset_error: if old {
                "DaemonSet-managed pods (use --ignore-daemonsets to ignore)"
            } else {
                "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
            },
            daemonset_warning: if old {
                "Ignoring DaemonSet-managed pods"
            } else {
                "ignoring DaemonSet-managed Pods"
            },
            local_storage_error: if old {
                "pods with local storage (use --delete-local-data to override)"
            } else if m < 20 {
                "Pods with local storage (use --delete-local-data to override)"
            } else {
                "Pods with local storage (use --delete-emptydir-data to override)"
            },
            local_storage_warning: if old {
                "Deleting pods with local storage"
            } else {
                "deleting Pods with local storage"
            },
            unreplicated_error: if old {
                "pods not managed by ReplicationController, ReplicaSet, Job, DaemonSet or StatefulSet (use --force to override)"
            } else if m < 24 {
                "Pods not managed by ReplicationController, ReplicaSet, Job, DaemonSet or StatefulSet (use --force to override)"
            } else if m < 30 {
                "Pods declare no controller (use --force to override)"
            } else if m < 36 {
                "cannot delete Pods that declare no controller (use --force to override)"
            } else {
                "Pods that declare no controller (use --force to override)"
            },
            unreplicated_warning: if old {
                "Deleting pods not managed by ReplicationController, ReplicaSet, Job, DaemonSet or StatefulSet"
            } else if m < 24 {
                "deleting Pods not managed by ReplicationController, ReplicaSet, Job, DaemonSet or StatefulSet"
            } else {
                "deleting Pods that declare no controller"
            },
        };
        Self {
            minor: m,
            quoted_names: m <= 10,
            in_tree_drain: old,
            drain_filters_all: m <= 9,
            eviction_retry_line: m >= 12,
            multiple_node_args: m >= 14,
            capital_error: m <= 22,
            usage_period: m <= 13,
            table_min_width: if m <= 11 { 10 } else { 6 },
            drain_continues: m >= 23,
            drain_abort_deprecation: m == 22,
            drained_says_evicted: (11..=22).contains(&m),
            warning_prefix: if m >= 25 { "Warning:" } else { "WARNING:" },
            due_to_error_space: m >= 31,
            evicting_line: if m >= 18 {
                EvictingLine::NamespacedName
            } else if m >= 14 {
                EvictingLine::QuotedName
            } else {
                EvictingLine::None
            },
            eviction_error_with_ns: m >= 20,
            wait_timeout_context: m >= 32,
            wait_error_with_ns: (27..=31).contains(&m),
            has_delete_emptydir_data: m >= 20,
            has_delete_local_data: m <= 30,
            has_disable_eviction: m >= 18,
            has_skip_wait_for_delete_timeout: m >= 18,
            has_drain_selector: m >= 9,
            has_pod_selector: m >= 10,
            dry_run_strategies: m >= 18,
            messages,
            no_resources_names_namespace: m >= 16,
            no_resources_always_namespace: (16..=18).contains(&m),
            version_short_default: m >= 28,
            kustomize: match m {
                0..=23 => None,
                24 => Some("v4.5.4"),
                25..=26 => Some("v4.5.7"),
                27 => Some("v5.0.1"),
                28..=30 => Some("v5.0.4-0.20230601165947-6ce0bf390ce3"),
                31 => Some("v5.4.2"),
                32 => Some("v5.5.0"),
                33 => Some("v5.6.0"),
                _ => Some("v5.7.1"),
            },
            version_skew_warning: if m >= 34 {
                Some("Warning:")
            } else if m >= 21 {
                Some("WARNING:")
            } else {
                None
            },
        }
    }
}

/// Cluster-side behaviour: controllers, kubelet, kubeadm defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterSide {
    pub minor: u32,
    /// `--node-monitor-grace-period`: 40 s, 50 s from 1.32.
    pub node_monitor_grace_ms: u64,
    /// 1.13+: TaintBasedEvictions (NoExecute taints, 300 s default tolerations).
    /// Before: the node controller deletes pods `--pod-eviction-timeout` after NotReady.
    pub taint_based_evictions: bool,
    /// 1.12+: the lifecycle controller taints cordoned nodes `node.kubernetes.io/unschedulable`.
    pub taint_unschedulable: bool,
    /// Role label and taint key kubeadm puts on control planes.
    pub control_plane_roles: &'static [&'static str],
    pub control_plane_taint_key: &'static str,
}

impl ClusterSide {
    pub fn for_version(v: &KubeVersion) -> Self {
        let m = v.minor;
        Self {
            minor: m,
            node_monitor_grace_ms: if m >= 32 { 50_000 } else { 40_000 },
            taint_based_evictions: m >= 13,
            taint_unschedulable: m >= 12,
            control_plane_roles: if m >= 24 {
                &["control-plane"]
            } else if m >= 20 {
                &["control-plane", "master"]
            } else {
                &["master"]
            },
            control_plane_taint_key: if m >= 25 {
                "node-role.kubernetes.io/control-plane"
            } else {
                "node-role.kubernetes.io/master"
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(v: &str) -> Kubectl {
        Kubectl::for_version(&KubeVersion::parse(v).unwrap())
    }

    #[test]
    fn bare_pod_message_follows_the_release_history() {
        assert!(k("v1.23.0").messages.unreplicated_error.starts_with("Pods not managed"));
        assert_eq!(
            k("v1.24.0").messages.unreplicated_error,
            "Pods declare no controller (use --force to override)"
        );
        assert!(
            k("v1.30.0")
                .messages
                .unreplicated_error
                .starts_with("cannot delete Pods that")
        );
        assert!(
            k("v1.36.0")
                .messages
                .unreplicated_error
                .starts_with("Pods that declare")
        );
    }

    #[test]
    fn format_switches() {
        assert!(k("v1.10.3").quoted_names);
        assert!(!k("v1.11.0").quoted_names);
        assert_eq!(k("v1.24.0").warning_prefix, "WARNING:");
        assert_eq!(k("v1.25.0").warning_prefix, "Warning:");
        assert!(!k("v1.30.0").has_delete_emptydir_data || k("v1.30.0").has_delete_local_data);
        assert!(!k("v1.31.0").has_delete_local_data);
        let cs = ClusterSide::for_version(&KubeVersion::parse("v1.32.0").unwrap());
        assert_eq!(cs.node_monitor_grace_ms, 50_000);
    }
}
