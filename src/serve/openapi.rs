//! The OpenAPI documents kubectl fetches before it sends objects from files (`apply`, `create
//! -f`, `replace`, `edit`): just enough for it to leave validation to the server. kubectl
//! 1.25+ asks the OpenAPI v3 document of the object's group/version whether its PATCH takes the
//! `fieldValidation` parameter, and if so validates nothing itself; kubectl 1.20 validates
//! against the v2 document's schemas and skips kinds it has none for. So: v3 documents with a
//! PATCH per resource and that parameter, a v2 document without schemas. Neither holds schemas
//! (`kubectl explain` through the endpoint has nothing to show).

use super::resources;
use kubedrill_sim::version::KubeVersion;
use prost::Message;
use serde_json::{Map, Value, json};

/// `/openapi/v3`: where each group/version's document is.
pub fn v3_index(server: &KubeVersion) -> Value {
    let mut paths = Map::new();
    for (group, versions) in resources::groups(server) {
        for v in versions {
            let path = gv_path(group, v);
            paths.insert(
                path.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{path}")}),
            );
        }
    }
    json!({ "paths": paths })
}

/// `api/v1`, `apis/apps/v1`.
fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// `/openapi/v3/api/v1`, `/openapi/v3/apis/GROUP/VERSION`: one PATCH operation per resource,
/// naming its kind and taking `fieldValidation`. None for a group/version not served.
pub fn v3_group_version(server: &KubeVersion, path: &str) -> Option<Value> {
    let (group, version) = match path.split('/').collect::<Vec<_>>().as_slice() {
        ["api", v] => ("", *v),
        ["apis", g, v] => (*g, *v),
        _ => return None,
    };
    let served = resources::resources(server, group, version);
    if served.is_empty() {
        return None;
    }
    let mut paths = Map::new();
    for r in &served {
        let ns = if r.namespaced() { "namespaces/{namespace}/" } else { "" };
        let patch = json!({
            "x-kubernetes-group-version-kind": {"group": group, "version": version, "kind": r.kind_name()},
            "parameters": [{"name": "fieldValidation", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "OK"}},
        });
        paths.insert(
            format!("/{}/{ns}{}/{{name}}", gv_path(group, version), r.plural()),
            json!({ "patch": patch }),
        );
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": server.to_string()},
        "paths": paths,
    }))
}

/// The v2 document's `Info`, as gnostic's protobuf declares it.
#[derive(Clone, PartialEq, Message)]
struct Info {
    #[prost(string, tag = "1")]
    title: String,
    #[prost(string, tag = "2")]
    version: String,
}

/// The v2 document, without paths or definitions.
#[derive(Clone, PartialEq, Message)]
struct Document {
    #[prost(string, tag = "1")]
    swagger: String,
    #[prost(message, optional, tag = "2")]
    info: Option<Info>,
}

/// `/openapi/v2`, as protobuf when the client asks for it (kubectl does), else JSON.
pub fn v2(server: &KubeVersion, accept: &str) -> (String, Vec<u8>) {
    if accept.contains("protobuf") {
        let doc = Document {
            swagger: "2.0".into(),
            info: Some(Info {
                title: "Kubernetes".into(),
                version: server.to_string(),
            }),
        };
        // Answered as `...spec.v2.v1.0+protobuf`, as the API server does: Go's media type
        // parser refuses the `@` of the type kubectl asks for.
        return (
            "application/com.github.proto-openapi.spec.v2.v1.0+protobuf".into(),
            doc.encode_to_vec(),
        );
    }
    let doc = json!({"swagger": "2.0", "info": {"title": "Kubernetes", "version": server.to_string()}, "paths": {}});
    ("application/json".into(), serde_json::to_vec(&doc).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_served_kind_has_a_patch_taking_field_validation() {
        let v = KubeVersion::parse("v1.31.2").expect("version");
        let index = v3_index(&v);
        assert_eq!(
            index["paths"]["apis/apps/v1"]["serverRelativeURL"],
            "/openapi/v3/apis/apps/v1"
        );
        let apps = v3_group_version(&v, "apis/apps/v1").expect("apps/v1");
        let patch = &apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert_eq!(patch["x-kubernetes-group-version-kind"]["kind"], "Deployment");
        assert_eq!(patch["parameters"][0]["name"], "fieldValidation");
        let core = v3_group_version(&v, "api/v1").expect("v1");
        assert!(core["paths"].get("/api/v1/nodes/{name}").is_some());
        assert!(v3_group_version(&v, "apis/nope/v1").is_none());
        let (ct, body) = v2(&v, "application/com.github.proto-openapi.spec.v2@v1.0+protobuf");
        assert!(ct.contains("protobuf"));
        assert_eq!(Document::decode(body.as_slice()).expect("decodes").swagger, "2.0");
    }
}
