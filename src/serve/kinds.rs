//! The resource types the endpoint serves: what discovery says about each (group, version,
//! plural, verbs, short names, subresources) and how a path names it.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Node,
    Pod,
    Namespace,
    Event,
    Deployment,
    ReplicaSet,
    DaemonSet,
    StatefulSet,
    Job,
    PodDisruptionBudget,
    Lease,
}

pub struct Info {
    pub kind: Kind,
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub kind_name: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    pub verbs: &'static [&'static str],
    pub categories: &'static [&'static str],
    /// (subresource, response group, version, kind, verbs)
    pub subresources: &'static [Sub],
}

pub struct Sub {
    pub name: &'static str,
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub verbs: &'static [&'static str],
}

const ALL_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
const NO_COLLECTION_DELETE: &[&str] = &["create", "delete", "get", "list", "patch", "update", "watch"];
const STATUS_VERBS: &[&str] = &["get", "patch", "update"];

const fn status_sub(group: &'static str, version: &'static str, kind: &'static str) -> Sub {
    Sub {
        name: "status",
        group,
        version,
        kind,
        verbs: STATUS_VERBS,
    }
}

const fn scale_sub() -> Sub {
    Sub {
        name: "scale",
        group: "autoscaling",
        version: "v1",
        kind: "Scale",
        verbs: STATUS_VERBS,
    }
}

pub const INFOS: &[Info] = &[
    Info {
        kind: Kind::Namespace,
        group: "",
        version: "v1",
        plural: "namespaces",
        singular: "namespace",
        kind_name: "Namespace",
        namespaced: false,
        short_names: &["ns"],
        verbs: NO_COLLECTION_DELETE,
        categories: &[],
        subresources: &[status_sub("", "v1", "Namespace")],
    },
    Info {
        kind: Kind::Node,
        group: "",
        version: "v1",
        plural: "nodes",
        singular: "node",
        kind_name: "Node",
        namespaced: false,
        short_names: &["no"],
        verbs: ALL_VERBS,
        categories: &[],
        subresources: &[status_sub("", "v1", "Node")],
    },
    Info {
        kind: Kind::Pod,
        group: "",
        version: "v1",
        plural: "pods",
        singular: "pod",
        kind_name: "Pod",
        namespaced: true,
        short_names: &["po"],
        verbs: ALL_VERBS,
        categories: &["all"],
        subresources: &[
            Sub {
                name: "eviction",
                group: "policy",
                version: "v1",
                kind: "Eviction",
                verbs: &["create"],
            },
            status_sub("", "v1", "Pod"),
        ],
    },
    Info {
        kind: Kind::Event,
        group: "",
        version: "v1",
        plural: "events",
        singular: "event",
        kind_name: "Event",
        namespaced: true,
        short_names: &["ev"],
        verbs: ALL_VERBS,
        categories: &[],
        subresources: &[],
    },
    Info {
        kind: Kind::DaemonSet,
        group: "apps",
        version: "v1",
        plural: "daemonsets",
        singular: "daemonset",
        kind_name: "DaemonSet",
        namespaced: true,
        short_names: &["ds"],
        verbs: ALL_VERBS,
        categories: &["all"],
        subresources: &[status_sub("apps", "v1", "DaemonSet")],
    },
    Info {
        kind: Kind::Deployment,
        group: "apps",
        version: "v1",
        plural: "deployments",
        singular: "deployment",
        kind_name: "Deployment",
        namespaced: true,
        short_names: &["deploy"],
        verbs: ALL_VERBS,
        categories: &["all"],
        subresources: &[scale_sub(), status_sub("apps", "v1", "Deployment")],
    },
    Info {
        kind: Kind::ReplicaSet,
        group: "apps",
        version: "v1",
        plural: "replicasets",
        singular: "replicaset",
        kind_name: "ReplicaSet",
        namespaced: true,
        short_names: &["rs"],
        verbs: ALL_VERBS,
        categories: &["all"],
        subresources: &[scale_sub(), status_sub("apps", "v1", "ReplicaSet")],
    },
    Info {
        kind: Kind::StatefulSet,
        group: "apps",
        version: "v1",
        plural: "statefulsets",
        singular: "statefulset",
        kind_name: "StatefulSet",
        namespaced: true,
        short_names: &["sts"],
        verbs: ALL_VERBS,
        categories: &["all"],
        subresources: &[scale_sub(), status_sub("apps", "v1", "StatefulSet")],
    },
    Info {
        kind: Kind::Job,
        group: "batch",
        version: "v1",
        plural: "jobs",
        singular: "job",
        kind_name: "Job",
        namespaced: true,
        short_names: &[],
        verbs: ALL_VERBS,
        categories: &["all"],
        subresources: &[status_sub("batch", "v1", "Job")],
    },
    Info {
        kind: Kind::PodDisruptionBudget,
        group: "policy",
        version: "v1",
        plural: "poddisruptionbudgets",
        singular: "poddisruptionbudget",
        kind_name: "PodDisruptionBudget",
        namespaced: true,
        short_names: &["pdb"],
        verbs: ALL_VERBS,
        categories: &[],
        subresources: &[status_sub("policy", "v1", "PodDisruptionBudget")],
    },
    Info {
        kind: Kind::Lease,
        group: "coordination.k8s.io",
        version: "v1",
        plural: "leases",
        singular: "lease",
        kind_name: "Lease",
        namespaced: true,
        short_names: &[],
        verbs: ALL_VERBS,
        categories: &[],
        subresources: &[],
    },
];

/// The API groups in the order a real API server lists them (core first).
pub const GROUPS: &[&str] = &["", "apps", "batch", "policy", "coordination.k8s.io"];

pub fn info(kind: Kind) -> &'static Info {
    INFOS.iter().find(|i| i.kind == kind).expect("every kind has its info")
}

/// The kind a (group, plural) path segment names.
pub fn by_plural(group: &str, plural: &str) -> Option<&'static Info> {
    INFOS.iter().find(|i| i.group == group && i.plural == plural)
}

impl Info {
    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The name NotFound errors use: `pods`, `deployments.apps`.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
}
