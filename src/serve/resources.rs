//! The resources the endpoint serves, as discovery describes them: every group, version and
//! resource the cluster's release serves (`release::api`, what the emulated `kubectl
//! api-resources` lists too), with what discovery adds: verbs, singular names, categories and
//! subresources (`pods/eviction`, without which kubectl deletes instead of evicting).

use kubedrill_sim::model::objects::ResourceKind;
use kubedrill_sim::release::api::{self, Served};
use kubedrill_sim::version::KubeVersion;

/// Every verb; the emulated `kubectl api-resources -o wide` lists the same for every resource.
pub const VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
const SUB_VERBS: &[&str] = &["get", "patch", "update"];

/// A subresource as discovery lists it, with the group/version/kind its requests and answers
/// are in.
pub struct Sub {
    pub name: &'static str,
    pub group: &'static str,
    pub version: String,
    pub kind: &'static str,
    pub verbs: &'static [&'static str],
}

/// One resource at one group/version of the served release.
#[derive(Clone, Copy, Debug)]
pub struct Resource {
    pub served: Served,
    /// The model's kind of it; `None` for resources a kubeadm cluster has no objects of and
    /// the model does not know (bindings, RBAC, webhooks, ...): they list empty.
    pub kind: Option<ResourceKind>,
}

impl Resource {
    fn new(served: Served) -> Self {
        Self {
            served,
            kind: ResourceKind::parse(served.resource)
                .filter(|k| k.api_name().split('.').next() == Some(served.resource)),
        }
    }

    pub fn group(&self) -> &'static str {
        self.served.group
    }

    pub fn plural(&self) -> &'static str {
        self.served.resource
    }

    pub fn kind_name(&self) -> &'static str {
        self.served.kind
    }

    pub fn namespaced(&self) -> bool {
        self.served.namespaced
    }

    pub fn singular(&self) -> String {
        self.served.kind.to_lowercase()
    }

    pub fn short_names(&self) -> Vec<&'static str> {
        self.served.short_names.split(',').filter(|s| !s.is_empty()).collect()
    }

    /// `kubectl get all` lists the resources in category `all`.
    pub fn categories(&self) -> &'static [&'static str] {
        match self.served.resource {
            "pods"
            | "services"
            | "replicationcontrollers"
            | "daemonsets"
            | "deployments"
            | "replicasets"
            | "statefulsets"
            | "jobs"
            | "cronjobs"
            | "horizontalpodautoscalers" => &["all"],
            _ => &[],
        }
    }

    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        self.served.group_version()
    }

    /// `status` for the modelled kinds, `scale` for the scalable controllers, `eviction` for pods
    /// (in the policy group/version the release serves).
    pub fn subresources(&self, server: &KubeVersion) -> Vec<Sub> {
        let Some(kind) = self.kind else { return Vec::new() };
        let mut subs = Vec::new();
        if kind == ResourceKind::Pods {
            let policy = api::preferred_version(server, "PodDisruptionBudget").unwrap_or_else(|| "policy/v1".into());
            subs.push(Sub {
                name: "eviction",
                group: "policy",
                version: policy.trim_start_matches("policy/").to_string(),
                kind: "Eviction",
                verbs: &["create"],
            });
        }
        if matches!(
            kind,
            ResourceKind::Deployments | ResourceKind::ReplicaSets | ResourceKind::StatefulSets
        ) {
            subs.push(Sub {
                name: "scale",
                group: "autoscaling",
                version: "v1".into(),
                kind: "Scale",
                verbs: SUB_VERBS,
            });
        }
        if ResourceKind::ALL.contains(&kind) {
            subs.push(Sub {
                name: "status",
                group: self.served.group,
                version: self.served.version.to_string(),
                kind: self.served.kind,
                verbs: SUB_VERBS,
            });
        }
        subs
    }
}

/// The resource a path names (`apps`, `v1`, `deployments`), if the release serves it there.
pub fn find(server: &KubeVersion, group: &str, version: &str, plural: &str) -> Option<Resource> {
    api::served(server)
        .into_iter()
        .find(|s| s.group == group && s.version == version && s.resource == plural)
        .map(Resource::new)
}

/// The groups with their versions, the preferred (newest) first, in the API server's order:
/// the core group, then the others.
pub fn groups(server: &KubeVersion) -> Vec<(&'static str, Vec<&'static str>)> {
    let mut out: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
    for s in api::served(server) {
        match out.iter_mut().find(|(g, _)| *g == s.group) {
            Some((_, versions)) if !versions.contains(&s.version) => versions.push(s.version),
            Some(_) => {}
            None => out.push((s.group, vec![s.version])),
        }
    }
    out
}

/// The resources of one group/version.
pub fn resources(server: &KubeVersion, group: &str, version: &str) -> Vec<Resource> {
    api::served(server)
        .into_iter()
        .filter(|s| s.group == group && s.version == version)
        .map(Resource::new)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> KubeVersion {
        KubeVersion::parse(s).expect("version")
    }

    #[test]
    fn evictions_are_in_the_policy_version_of_the_release() {
        let pods = find(&v("v1.31.2"), "", "v1", "pods").expect("pods");
        assert_eq!(pods.kind, Some(ResourceKind::Pods));
        let subs = pods.subresources(&v("v1.31.2"));
        let eviction = subs.iter().find(|s| s.name == "eviction").expect("eviction");
        assert_eq!((eviction.group, eviction.version.as_str()), ("policy", "v1"));
        let old = find(&v("v1.20.15"), "", "v1", "pods").expect("pods");
        let subs = old.subresources(&v("v1.20.15"));
        assert_eq!(subs[0].version, "v1beta1");
        assert!(find(&v("v1.20.15"), "policy", "v1", "poddisruptionbudgets").is_none());
        assert!(find(&v("v1.20.15"), "policy", "v1beta1", "poddisruptionbudgets").is_some());
    }

    #[test]
    fn resources_the_model_has_no_kind_for_are_served_without_one() {
        let b = find(&v("v1.31.2"), "", "v1", "bindings").expect("bindings");
        assert_eq!(b.kind, None);
        let crds = find(&v("v1.31.2"), "apiextensions.k8s.io", "v1", "customresourcedefinitions").expect("crd");
        assert_eq!(crds.short_names(), ["crd", "crds"]);
        let (core, versions) = &groups(&v("v1.31.2"))[0];
        assert_eq!((*core, versions.as_slice()), ("", ["v1"].as_slice()));
    }
}
