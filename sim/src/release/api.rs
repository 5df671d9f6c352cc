//! Which API groups, versions and resources a kube-apiserver release serves (what
//! `kubectl api-resources` and `api-versions` list, and what a manifest's `apiVersion` must
//! name), with the deprecation warnings the API server sends for the old versions. From the
//! Kubernetes deprecated-API migration guide and the release notes.

use crate::release::version::KubeVersion;

/// One resource at one group/version, served from `from` to `until` (minor versions of 1.x,
/// inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Served {
    pub group: &'static str,
    pub version: &'static str,
    pub from: u32,
    pub until: u32,
    pub resource: &'static str,
    pub short_names: &'static str,
    pub namespaced: bool,
    pub kind: &'static str,
}

const NEVER: u32 = u32::MAX;

#[allow(clippy::too_many_arguments)]
const fn r(
    group: &'static str,
    version: &'static str,
    from: u32,
    until: u32,
    resource: &'static str,
    short_names: &'static str,
    namespaced: bool,
    kind: &'static str,
) -> Served {
    Served {
        group,
        version,
        from,
        until,
        resource,
        short_names,
        namespaced,
        kind,
    }
}

/// Every group/version/resource of the releases kubedrill models (1.7 on), newest version of a
/// group first.
pub const RESOURCES: &[Served] = &[
    r("", "v1", 0, NEVER, "bindings", "", true, "Binding"),
    r("", "v1", 0, NEVER, "componentstatuses", "cs", false, "ComponentStatus"),
    r("", "v1", 0, NEVER, "configmaps", "cm", true, "ConfigMap"),
    r("", "v1", 0, NEVER, "endpoints", "ep", true, "Endpoints"),
    r("", "v1", 0, NEVER, "events", "ev", true, "Event"),
    r("", "v1", 0, NEVER, "limitranges", "limits", true, "LimitRange"),
    r("", "v1", 0, NEVER, "namespaces", "ns", false, "Namespace"),
    r("", "v1", 0, NEVER, "nodes", "no", false, "Node"),
    r(
        "",
        "v1",
        0,
        NEVER,
        "persistentvolumeclaims",
        "pvc",
        true,
        "PersistentVolumeClaim",
    ),
    r("", "v1", 0, NEVER, "persistentvolumes", "pv", false, "PersistentVolume"),
    r("", "v1", 0, NEVER, "pods", "po", true, "Pod"),
    r("", "v1", 0, NEVER, "podtemplates", "", true, "PodTemplate"),
    r(
        "",
        "v1",
        0,
        NEVER,
        "replicationcontrollers",
        "rc",
        true,
        "ReplicationController",
    ),
    r("", "v1", 0, NEVER, "resourcequotas", "quota", true, "ResourceQuota"),
    r("", "v1", 0, NEVER, "secrets", "", true, "Secret"),
    r("", "v1", 0, NEVER, "serviceaccounts", "sa", true, "ServiceAccount"),
    r("", "v1", 0, NEVER, "services", "svc", true, "Service"),
    r(
        "admissionregistration.k8s.io",
        "v1",
        16,
        NEVER,
        "mutatingwebhookconfigurations",
        "",
        false,
        "MutatingWebhookConfiguration",
    ),
    r(
        "admissionregistration.k8s.io",
        "v1",
        30,
        NEVER,
        "validatingadmissionpolicies",
        "",
        false,
        "ValidatingAdmissionPolicy",
    ),
    r(
        "admissionregistration.k8s.io",
        "v1",
        30,
        NEVER,
        "validatingadmissionpolicybindings",
        "",
        false,
        "ValidatingAdmissionPolicyBinding",
    ),
    r(
        "admissionregistration.k8s.io",
        "v1",
        16,
        NEVER,
        "validatingwebhookconfigurations",
        "",
        false,
        "ValidatingWebhookConfiguration",
    ),
    r(
        "admissionregistration.k8s.io",
        "v1beta1",
        9,
        21,
        "mutatingwebhookconfigurations",
        "",
        false,
        "MutatingWebhookConfiguration",
    ),
    r(
        "admissionregistration.k8s.io",
        "v1beta1",
        9,
        21,
        "validatingwebhookconfigurations",
        "",
        false,
        "ValidatingWebhookConfiguration",
    ),
    r(
        "apiextensions.k8s.io",
        "v1",
        16,
        NEVER,
        "customresourcedefinitions",
        "crd,crds",
        false,
        "CustomResourceDefinition",
    ),
    r(
        "apiextensions.k8s.io",
        "v1beta1",
        7,
        21,
        "customresourcedefinitions",
        "crd,crds",
        false,
        "CustomResourceDefinition",
    ),
    r(
        "apiregistration.k8s.io",
        "v1",
        10,
        NEVER,
        "apiservices",
        "",
        false,
        "APIService",
    ),
    r(
        "apiregistration.k8s.io",
        "v1beta1",
        7,
        21,
        "apiservices",
        "",
        false,
        "APIService",
    ),
    r(
        "apps",
        "v1",
        9,
        NEVER,
        "controllerrevisions",
        "",
        true,
        "ControllerRevision",
    ),
    r("apps", "v1", 9, NEVER, "daemonsets", "ds", true, "DaemonSet"),
    r("apps", "v1", 9, NEVER, "deployments", "deploy", true, "Deployment"),
    r("apps", "v1", 9, NEVER, "replicasets", "rs", true, "ReplicaSet"),
    r("apps", "v1", 9, NEVER, "statefulsets", "sts", true, "StatefulSet"),
    r(
        "apps",
        "v1beta2",
        8,
        15,
        "controllerrevisions",
        "",
        true,
        "ControllerRevision",
    ),
    r("apps", "v1beta2", 8, 15, "daemonsets", "ds", true, "DaemonSet"),
    r("apps", "v1beta2", 8, 15, "deployments", "deploy", true, "Deployment"),
    r("apps", "v1beta2", 8, 15, "replicasets", "rs", true, "ReplicaSet"),
    r("apps", "v1beta2", 8, 15, "statefulsets", "sts", true, "StatefulSet"),
    r(
        "apps",
        "v1beta1",
        0,
        15,
        "controllerrevisions",
        "",
        true,
        "ControllerRevision",
    ),
    r("apps", "v1beta1", 0, 15, "deployments", "deploy", true, "Deployment"),
    r("apps", "v1beta1", 0, 15, "statefulsets", "sts", true, "StatefulSet"),
    r(
        "authentication.k8s.io",
        "v1",
        28,
        NEVER,
        "selfsubjectreviews",
        "",
        false,
        "SelfSubjectReview",
    ),
    r(
        "authentication.k8s.io",
        "v1",
        6,
        NEVER,
        "tokenreviews",
        "",
        false,
        "TokenReview",
    ),
    r(
        "authorization.k8s.io",
        "v1",
        6,
        NEVER,
        "localsubjectaccessreviews",
        "",
        true,
        "LocalSubjectAccessReview",
    ),
    r(
        "authorization.k8s.io",
        "v1",
        6,
        NEVER,
        "selfsubjectaccessreviews",
        "",
        false,
        "SelfSubjectAccessReview",
    ),
    r(
        "authorization.k8s.io",
        "v1",
        8,
        NEVER,
        "selfsubjectrulesreviews",
        "",
        false,
        "SelfSubjectRulesReview",
    ),
    r(
        "authorization.k8s.io",
        "v1",
        6,
        NEVER,
        "subjectaccessreviews",
        "",
        false,
        "SubjectAccessReview",
    ),
    r(
        "autoscaling",
        "v2",
        23,
        NEVER,
        "horizontalpodautoscalers",
        "hpa",
        true,
        "HorizontalPodAutoscaler",
    ),
    r(
        "autoscaling",
        "v1",
        0,
        NEVER,
        "horizontalpodautoscalers",
        "hpa",
        true,
        "HorizontalPodAutoscaler",
    ),
    r("batch", "v1", 21, NEVER, "cronjobs", "cj", true, "CronJob"),
    r("batch", "v1", 0, NEVER, "jobs", "", true, "Job"),
    r("batch", "v1beta1", 8, 24, "cronjobs", "cj", true, "CronJob"),
    r(
        "certificates.k8s.io",
        "v1",
        19,
        NEVER,
        "certificatesigningrequests",
        "csr",
        false,
        "CertificateSigningRequest",
    ),
    r(
        "certificates.k8s.io",
        "v1beta1",
        6,
        21,
        "certificatesigningrequests",
        "csr",
        false,
        "CertificateSigningRequest",
    ),
    r("coordination.k8s.io", "v1", 14, NEVER, "leases", "", true, "Lease"),
    r("coordination.k8s.io", "v1beta1", 12, 21, "leases", "", true, "Lease"),
    r(
        "discovery.k8s.io",
        "v1",
        21,
        NEVER,
        "endpointslices",
        "",
        true,
        "EndpointSlice",
    ),
    r(
        "discovery.k8s.io",
        "v1beta1",
        17,
        24,
        "endpointslices",
        "",
        true,
        "EndpointSlice",
    ),
    r("events.k8s.io", "v1", 19, NEVER, "events", "ev", true, "Event"),
    r("events.k8s.io", "v1beta1", 8, 24, "events", "ev", true, "Event"),
    r("extensions", "v1beta1", 0, 15, "daemonsets", "ds", true, "DaemonSet"),
    r(
        "extensions",
        "v1beta1",
        0,
        15,
        "deployments",
        "deploy",
        true,
        "Deployment",
    ),
    r("extensions", "v1beta1", 0, 21, "ingresses", "ing", true, "Ingress"),
    r(
        "extensions",
        "v1beta1",
        0,
        15,
        "networkpolicies",
        "netpol",
        true,
        "NetworkPolicy",
    ),
    r(
        "extensions",
        "v1beta1",
        0,
        15,
        "podsecuritypolicies",
        "psp",
        false,
        "PodSecurityPolicy",
    ),
    r("extensions", "v1beta1", 0, 15, "replicasets", "rs", true, "ReplicaSet"),
    r(
        "flowcontrol.apiserver.k8s.io",
        "v1",
        29,
        NEVER,
        "flowschemas",
        "",
        false,
        "FlowSchema",
    ),
    r(
        "flowcontrol.apiserver.k8s.io",
        "v1",
        29,
        NEVER,
        "prioritylevelconfigurations",
        "",
        false,
        "PriorityLevelConfiguration",
    ),
    r(
        "flowcontrol.apiserver.k8s.io",
        "v1beta3",
        26,
        31,
        "flowschemas",
        "",
        false,
        "FlowSchema",
    ),
    r(
        "flowcontrol.apiserver.k8s.io",
        "v1beta3",
        26,
        31,
        "prioritylevelconfigurations",
        "",
        false,
        "PriorityLevelConfiguration",
    ),
    r(
        "flowcontrol.apiserver.k8s.io",
        "v1beta2",
        23,
        28,
        "flowschemas",
        "",
        false,
        "FlowSchema",
    ),
    r(
        "flowcontrol.apiserver.k8s.io",
        "v1beta2",
        23,
        28,
        "prioritylevelconfigurations",
        "",
        false,
        "PriorityLevelConfiguration",
    ),
    r(
        "flowcontrol.apiserver.k8s.io",
        "v1beta1",
        20,
        25,
        "flowschemas",
        "",
        false,
        "FlowSchema",
    ),
    r(
        "flowcontrol.apiserver.k8s.io",
        "v1beta1",
        20,
        25,
        "prioritylevelconfigurations",
        "",
        false,
        "PriorityLevelConfiguration",
    ),
    r(
        "networking.k8s.io",
        "v1",
        19,
        NEVER,
        "ingressclasses",
        "",
        false,
        "IngressClass",
    ),
    r(
        "networking.k8s.io",
        "v1",
        19,
        NEVER,
        "ingresses",
        "ing",
        true,
        "Ingress",
    ),
    r(
        "networking.k8s.io",
        "v1",
        7,
        NEVER,
        "networkpolicies",
        "netpol",
        true,
        "NetworkPolicy",
    ),
    r(
        "networking.k8s.io",
        "v1beta1",
        14,
        21,
        "ingresses",
        "ing",
        true,
        "Ingress",
    ),
    r(
        "node.k8s.io",
        "v1",
        20,
        NEVER,
        "runtimeclasses",
        "",
        false,
        "RuntimeClass",
    ),
    r(
        "node.k8s.io",
        "v1beta1",
        14,
        24,
        "runtimeclasses",
        "",
        false,
        "RuntimeClass",
    ),
    r(
        "policy",
        "v1",
        21,
        NEVER,
        "poddisruptionbudgets",
        "pdb",
        true,
        "PodDisruptionBudget",
    ),
    r(
        "policy",
        "v1beta1",
        0,
        24,
        "poddisruptionbudgets",
        "pdb",
        true,
        "PodDisruptionBudget",
    ),
    r(
        "policy",
        "v1beta1",
        10,
        24,
        "podsecuritypolicies",
        "psp",
        false,
        "PodSecurityPolicy",
    ),
    r(
        "rbac.authorization.k8s.io",
        "v1",
        8,
        NEVER,
        "clusterrolebindings",
        "",
        false,
        "ClusterRoleBinding",
    ),
    r(
        "rbac.authorization.k8s.io",
        "v1",
        8,
        NEVER,
        "clusterroles",
        "",
        false,
        "ClusterRole",
    ),
    r(
        "rbac.authorization.k8s.io",
        "v1",
        8,
        NEVER,
        "rolebindings",
        "",
        true,
        "RoleBinding",
    ),
    r("rbac.authorization.k8s.io", "v1", 8, NEVER, "roles", "", true, "Role"),
    r(
        "rbac.authorization.k8s.io",
        "v1beta1",
        6,
        21,
        "clusterrolebindings",
        "",
        false,
        "ClusterRoleBinding",
    ),
    r(
        "rbac.authorization.k8s.io",
        "v1beta1",
        6,
        21,
        "clusterroles",
        "",
        false,
        "ClusterRole",
    ),
    r(
        "rbac.authorization.k8s.io",
        "v1beta1",
        6,
        21,
        "rolebindings",
        "",
        true,
        "RoleBinding",
    ),
    r("rbac.authorization.k8s.io", "v1beta1", 6, 21, "roles", "", true, "Role"),
    r(
        "scheduling.k8s.io",
        "v1",
        14,
        NEVER,
        "priorityclasses",
        "pc",
        false,
        "PriorityClass",
    ),
    r(
        "scheduling.k8s.io",
        "v1beta1",
        11,
        21,
        "priorityclasses",
        "pc",
        false,
        "PriorityClass",
    ),
    r("storage.k8s.io", "v1", 18, NEVER, "csidrivers", "", false, "CSIDriver"),
    r("storage.k8s.io", "v1", 17, NEVER, "csinodes", "", false, "CSINode"),
    r(
        "storage.k8s.io",
        "v1",
        24,
        NEVER,
        "csistoragecapacities",
        "",
        true,
        "CSIStorageCapacity",
    ),
    r(
        "storage.k8s.io",
        "v1",
        6,
        NEVER,
        "storageclasses",
        "sc",
        false,
        "StorageClass",
    ),
    r(
        "storage.k8s.io",
        "v1",
        13,
        NEVER,
        "volumeattachments",
        "",
        false,
        "VolumeAttachment",
    ),
    r(
        "storage.k8s.io",
        "v1beta1",
        6,
        21,
        "storageclasses",
        "sc",
        false,
        "StorageClass",
    ),
];

impl Served {
    pub fn group_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// Whether `api_version` names this group/version (`apps/v1`, or `v1` for the core group),
    /// without writing it out.
    pub fn is_group_version(&self, api_version: &str) -> bool {
        match api_version.split_once('/') {
            Some((group, version)) => !group.is_empty() && group == self.group && version == self.version,
            None => self.group.is_empty() && api_version == self.version,
        }
    }

    fn served_by(&self, v: &KubeVersion) -> bool {
        (self.from..=self.until).contains(&v.minor)
    }
}

/// Every resource the API server of `v` serves, at every version it serves it.
pub fn served(v: &KubeVersion) -> Vec<Served> {
    RESOURCES.iter().copied().filter(|s| s.served_by(v)).collect()
}

/// The group/versions `kubectl api-versions` lists, sorted.
pub fn group_versions(v: &KubeVersion) -> Vec<String> {
    let mut gvs: Vec<String> = served(v).iter().map(Served::group_version).collect();
    gvs.sort();
    gvs.dedup();
    gvs
}

/// The preferred (first listed) version of each group, with its resources: what
/// `kubectl api-resources` prints.
pub fn preferred(v: &KubeVersion) -> Vec<Served> {
    let all = served(v);
    let mut out: Vec<Served> = Vec::new();
    for s in &all {
        let first_version = all.iter().find(|x| x.group == s.group).map(|x| x.version);
        if Some(s.version) == first_version {
            out.push(*s);
        }
    }
    out.sort_by(|a, b| (a.group, a.resource).cmp(&(b.group, b.resource)));
    out
}

/// The group/version the API server of `v` prefers for a kind (what `kubectl get` shows it
/// as): `policy/v1beta1` for a PodDisruptionBudget on 1.20, `apps/v1beta2` for a Deployment
/// on 1.8.
pub fn preferred_version(v: &KubeVersion, kind: &str) -> Option<String> {
    // `served(v)` in place: this runs for every object a listing prints.
    RESOURCES
        .iter()
        .find(|s| s.kind == kind && s.served_by(v))
        .map(Served::group_version)
}

/// Whether `apiVersion` + `kind` is served by `v`.
pub fn serves(v: &KubeVersion, api_version: &str, kind: &str) -> bool {
    RESOURCES
        .iter()
        .any(|s| s.kind == kind && s.served_by(v) && s.is_group_version(api_version))
}

/// The warning the API server sends for a deprecated group/version of a kind:
/// `policy/v1beta1 PodDisruptionBudget is deprecated in v1.21+, unavailable in v1.25+; use
/// policy/v1 PodDisruptionBudget` (sent from 1.19, when the API server began to warn).
pub fn deprecation_warning(v: &KubeVersion, api_version: &str, kind: &str) -> Option<String> {
    if v.minor < 19 {
        return None;
    }
    const DEPRECATIONS: &[(&str, &str, u32, u32, &str)] = &[
        ("policy/v1beta1", "PodDisruptionBudget", 21, 25, "policy/v1"),
        ("batch/v1beta1", "CronJob", 21, 25, "batch/v1"),
        (
            "discovery.k8s.io/v1beta1",
            "EndpointSlice",
            21,
            25,
            "discovery.k8s.io/v1",
        ),
        ("events.k8s.io/v1beta1", "Event", 22, 25, "events.k8s.io/v1"),
        (
            "autoscaling/v2beta2",
            "HorizontalPodAutoscaler",
            23,
            26,
            "autoscaling/v2",
        ),
        ("extensions/v1beta1", "Ingress", 14, 22, "networking.k8s.io/v1"),
        ("networking.k8s.io/v1beta1", "Ingress", 19, 22, "networking.k8s.io/v1"),
        (
            "rbac.authorization.k8s.io/v1beta1",
            "ClusterRole",
            17,
            22,
            "rbac.authorization.k8s.io/v1",
        ),
        (
            "rbac.authorization.k8s.io/v1beta1",
            "ClusterRoleBinding",
            17,
            22,
            "rbac.authorization.k8s.io/v1",
        ),
        (
            "rbac.authorization.k8s.io/v1beta1",
            "Role",
            17,
            22,
            "rbac.authorization.k8s.io/v1",
        ),
        (
            "rbac.authorization.k8s.io/v1beta1",
            "RoleBinding",
            17,
            22,
            "rbac.authorization.k8s.io/v1",
        ),
        (
            "scheduling.k8s.io/v1beta1",
            "PriorityClass",
            14,
            22,
            "scheduling.k8s.io/v1",
        ),
        ("coordination.k8s.io/v1beta1", "Lease", 19, 22, "coordination.k8s.io/v1"),
        ("storage.k8s.io/v1beta1", "StorageClass", 19, 22, "storage.k8s.io/v1"),
        (
            "apiextensions.k8s.io/v1beta1",
            "CustomResourceDefinition",
            16,
            22,
            "apiextensions.k8s.io/v1",
        ),
    ];
    let (_, _, deprecated, removed, replacement) = DEPRECATIONS
        .iter()
        .find(|(gv, k, ..)| *gv == api_version && *k == kind)?;
    (v.minor >= *deprecated).then(|| {
        format!("{api_version} {kind} is deprecated in v1.{deprecated}+, unavailable in v1.{removed}+; use {replacement} {kind}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> KubeVersion {
        KubeVersion::parse(s).expect("version")
    }

    #[test]
    fn pdb_versions_by_era() {
        // policy/v1 from 1.21; policy/v1beta1 until 1.24 (the deprecated-API migration guide).
        assert!(!serves(&v("v1.17.0"), "policy/v1", "PodDisruptionBudget"));
        assert!(serves(&v("v1.17.0"), "policy/v1beta1", "PodDisruptionBudget"));
        assert!(serves(&v("v1.21.0"), "policy/v1", "PodDisruptionBudget"));
        assert!(serves(&v("v1.24.0"), "policy/v1beta1", "PodDisruptionBudget"));
        assert!(!serves(&v("v1.25.0"), "policy/v1beta1", "PodDisruptionBudget"));
        // Workloads left extensions/v1beta1, apps/v1beta1 and apps/v1beta2 in 1.16.
        assert!(serves(&v("v1.15.0"), "extensions/v1beta1", "Deployment"));
        assert!(!serves(&v("v1.16.0"), "extensions/v1beta1", "Deployment"));
        assert!(!serves(&v("v1.8.0"), "apps/v1", "Deployment"));
        // The core group's version stands alone; a group needs its slash.
        assert!(serves(&v("v1.30.0"), "v1", "Pod"));
        assert!(!serves(&v("v1.30.0"), "/v1", "Pod"));
        assert!(!serves(&v("v1.30.0"), "apps", "Deployment"));
        assert!(!serves(&v("v1.30.0"), "apps/v1/", "Deployment"));
        assert_eq!(
            deprecation_warning(&v("v1.23.0"), "policy/v1beta1", "PodDisruptionBudget").as_deref(),
            Some(
                "policy/v1beta1 PodDisruptionBudget is deprecated in v1.21+, unavailable in v1.25+; use policy/v1 PodDisruptionBudget"
            )
        );
        assert!(group_versions(&v("v1.31.2")).contains(&"policy/v1".to_string()));
    }
}
