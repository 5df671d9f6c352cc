//! `/version` and API discovery in each form a kubectl release asks for: aggregated discovery
//! (`apidiscovery.k8s.io` v2, v2beta1) for /api and /apis when the Accept header asks for it
//! and the served release has it, the legacy APIVersions / APIGroupList / APIResourceList
//! otherwise.

use super::kinds::{self, GROUPS, Info};
use kubedrill_sim::version::KubeVersion;
use serde_json::{Value, json};

/// The media type of an aggregated discovery answer.
pub fn aggregated_content_type(version: &str) -> String {
    format!("application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList")
}

/// Which aggregated discovery version to answer with, if the client accepts one the server has
/// (v2beta1 from 1.26, v2 from 1.30; v2beta1 was removed in 1.33).
pub fn aggregated_version(accept: &str, server: &KubeVersion) -> Option<&'static str> {
    for range in accept.split(',') {
        let params: Vec<&str> = range.split(';').map(str::trim).collect();
        if params.first() != Some(&"application/json") {
            continue;
        }
        let has = |p: &str| params.contains(&p);
        if !has("g=apidiscovery.k8s.io") || !has("as=APIGroupDiscoveryList") {
            continue;
        }
        if has("v=v2") && server.minor >= 30 {
            return Some("v2");
        }
        if has("v=v2beta1") && (26..33).contains(&server.minor) {
            return Some("v2beta1");
        }
    }
    None
}

pub fn version(v: &KubeVersion) -> Value {
    json!({
        "major": v.major.to_string(),
        "minor": v.minor.to_string(),
        "gitVersion": v.to_string(),
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2024-01-01T00:00:00Z",
        "goVersion": "go1.22.8",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

/// The version the policy group serves (Eviction, PodDisruptionBudget): v1 from 1.21.
pub fn policy_version(server: &KubeVersion) -> &'static str {
    if server.minor >= 21 { "v1" } else { "v1beta1" }
}

fn group_version(info: &Info, server: &KubeVersion) -> &'static str {
    if info.group == "policy" {
        policy_version(server)
    } else {
        info.version
    }
}

fn sub_version(group: &str, version: &'static str, server: &KubeVersion) -> &'static str {
    if group == "policy" {
        policy_version(server)
    } else {
        version
    }
}

fn resources_of(group: &str) -> impl Iterator<Item = &'static Info> + '_ {
    kinds::INFOS.iter().filter(move |i| i.group == group)
}

pub fn api_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    })
}

pub fn api_group(group: &str, server: &KubeVersion) -> Value {
    let v = resources_of(group).next().map_or("v1", |i| group_version(i, server));
    let gv = json!({"groupVersion": format!("{group}/{v}"), "version": v});
    json!({"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": [gv.clone()], "preferredVersion": gv})
}

pub fn api_group_list(server: &KubeVersion) -> Value {
    let groups: Vec<Value> = GROUPS
        .iter()
        .filter(|g| !g.is_empty())
        .map(|g| {
            let mut v = api_group(g, server);
            if let Some(o) = v.as_object_mut() {
                o.remove("kind");
                o.remove("apiVersion");
            }
            v
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/api/v1` or `/apis/GROUP/VERSION`; None when the server has no such group version.
pub fn resource_list(group: &str, version: &str, server: &KubeVersion) -> Option<Value> {
    let infos: Vec<&Info> = resources_of(group)
        .filter(|i| group_version(i, server) == version)
        .collect();
    if infos.is_empty() {
        return None;
    }
    let mut resources = Vec::new();
    for i in infos {
        let mut r = json!({
            "name": i.plural,
            "singularName": i.singular,
            "namespaced": i.namespaced,
            "kind": i.kind_name,
            "verbs": i.verbs,
        });
        if !i.short_names.is_empty() {
            r["shortNames"] = json!(i.short_names);
        }
        if !i.categories.is_empty() {
            r["categories"] = json!(i.categories);
        }
        resources.push(r);
        for s in i.subresources {
            let mut r = json!({
                "name": format!("{}/{}", i.plural, s.name),
                "singularName": "",
                "namespaced": i.namespaced,
                "kind": s.kind,
                "verbs": s.verbs,
            });
            if s.group != i.group || s.name == "eviction" || s.name == "scale" {
                r["group"] = s.group.into();
                r["version"] = sub_version(s.group, s.version, server).into();
            }
            resources.push(r);
        }
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}))
}

fn aggregated_group(group: &str, server: &KubeVersion) -> Value {
    let infos: Vec<&Info> = resources_of(group).collect();
    let version = infos.first().map_or("v1", |i| group_version(i, server));
    let resources: Vec<Value> = infos
        .iter()
        .map(|i| {
            let subresources: Vec<Value> = i
                .subresources
                .iter()
                .map(|s| {
                    json!({
                        "subresource": s.name,
                        "responseKind": {"group": s.group, "version": sub_version(s.group, s.version, server), "kind": s.kind},
                        "verbs": s.verbs,
                    })
                })
                .collect();
            let mut r = json!({
                "resource": i.plural,
                "responseKind": {"group": i.group, "version": version, "kind": i.kind_name},
                "scope": if i.namespaced { "Namespaced" } else { "Cluster" },
                "singularResource": i.singular,
                "verbs": i.verbs,
            });
            if !i.short_names.is_empty() {
                r["shortNames"] = json!(i.short_names);
            }
            if !i.categories.is_empty() {
                r["categories"] = json!(i.categories);
            }
            if !subresources.is_empty() {
                r["subresources"] = Value::Array(subresources);
            }
            r
        })
        .collect();
    let mut metadata = json!({"creationTimestamp": null});
    if !group.is_empty() {
        metadata["name"] = group.into();
    }
    json!({
        "metadata": metadata,
        "versions": [{"version": version, "resources": resources, "freshness": "Current"}],
    })
}

/// The aggregated discovery document of /api (`core`) or /apis.
pub fn aggregated(core: bool, version: &str, server: &KubeVersion) -> Value {
    let items: Vec<Value> = GROUPS
        .iter()
        .filter(|g| g.is_empty() == core)
        .map(|g| aggregated_group(g, server))
        .collect();
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": format!("apidiscovery.k8s.io/{version}"),
        "metadata": {},
        "items": items,
    })
}
