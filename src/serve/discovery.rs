//! `/version` and API discovery in each form a kubectl release asks for: aggregated discovery
//! (`apidiscovery.k8s.io` v2, v2beta1) for /api and /apis when the Accept header asks for it
//! and the served release has it, the legacy APIVersions / APIGroupList / APIResourceList
//! otherwise. What is listed is what the release serves ([`super::resources`]).

use super::resources::{self, Resource};
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

pub fn api_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    })
}

fn group_version(group: &str, version: &str) -> Value {
    json!({"groupVersion": format!("{group}/{version}"), "version": version})
}

/// `/apis/GROUP`; None when the release serves no such group.
pub fn api_group(group: &str, server: &KubeVersion) -> Option<Value> {
    let (_, versions) = resources::groups(server)
        .into_iter()
        .find(|(g, _)| *g == group && !g.is_empty())?;
    let all: Vec<Value> = versions.iter().map(|v| group_version(group, v)).collect();
    Some(json!({
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": group,
        "versions": all,
        "preferredVersion": group_version(group, versions[0]),
    }))
}

pub fn api_group_list(server: &KubeVersion) -> Value {
    let groups: Vec<Value> = resources::groups(server)
        .into_iter()
        .filter(|(g, _)| !g.is_empty())
        .filter_map(|(g, _)| {
            let mut v = api_group(g, server)?;
            let o = v.as_object_mut()?;
            o.remove("kind");
            o.remove("apiVersion");
            Some(v)
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/api/v1` or `/apis/GROUP/VERSION`; None when the server has no such group version.
pub fn resource_list(group: &str, version: &str, server: &KubeVersion) -> Option<Value> {
    let served = resources::resources(server, group, version);
    if served.is_empty() {
        return None;
    }
    let mut list = Vec::new();
    for r in &served {
        let mut entry = json!({
            "name": r.plural(),
            "singularName": r.singular(),
            "namespaced": r.namespaced(),
            "kind": r.kind_name(),
            "verbs": resources::VERBS,
        });
        with_names(&mut entry, r);
        list.push(entry);
        for s in r.subresources(server) {
            let mut entry = json!({
                "name": format!("{}/{}", r.plural(), s.name),
                "singularName": "",
                "namespaced": r.namespaced(),
                "kind": s.kind,
                "verbs": s.verbs,
            });
            if s.group != r.group() {
                entry["group"] = s.group.into();
                entry["version"] = s.version.into();
            }
            list.push(entry);
        }
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": list}))
}

/// Short names and categories, where a resource has any (both discovery forms leave them out
/// otherwise).
fn with_names(entry: &mut Value, r: &Resource) {
    if !r.short_names().is_empty() {
        entry["shortNames"] = json!(r.short_names());
    }
    if !r.categories().is_empty() {
        entry["categories"] = json!(r.categories());
    }
}

fn aggregated_resource(r: &Resource, server: &KubeVersion) -> Value {
    let subresources: Vec<Value> = r
        .subresources(server)
        .into_iter()
        .map(|s| {
            json!({
                "subresource": s.name,
                "responseKind": {"group": s.group, "version": s.version, "kind": s.kind},
                "verbs": s.verbs,
            })
        })
        .collect();
    let mut entry = json!({
        "resource": r.plural(),
        "responseKind": {"group": r.group(), "version": r.served.version, "kind": r.kind_name()},
        "scope": if r.namespaced() { "Namespaced" } else { "Cluster" },
        "singularResource": r.singular(),
        "verbs": resources::VERBS,
    });
    with_names(&mut entry, r);
    if !subresources.is_empty() {
        entry["subresources"] = Value::Array(subresources);
    }
    entry
}

fn aggregated_group(group: &str, versions: &[&str], server: &KubeVersion) -> Value {
    let versions: Vec<Value> = versions
        .iter()
        .map(|v| {
            let list: Vec<Value> = resources::resources(server, group, v)
                .iter()
                .map(|r| aggregated_resource(r, server))
                .collect();
            json!({"version": v, "resources": list, "freshness": "Current"})
        })
        .collect();
    let mut metadata = json!({"creationTimestamp": null});
    if !group.is_empty() {
        metadata["name"] = group.into();
    }
    json!({"metadata": metadata, "versions": versions})
}

/// The aggregated discovery document of /api (`core`) or /apis.
pub fn aggregated(core: bool, version: &str, server: &KubeVersion) -> Value {
    let items: Vec<Value> = resources::groups(server)
        .into_iter()
        .filter(|(g, _)| g.is_empty() == core)
        .map(|(g, versions)| aggregated_group(g, &versions, server))
        .collect();
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": format!("apidiscovery.k8s.io/{version}"),
        "metadata": {},
        "items": items,
    })
}
