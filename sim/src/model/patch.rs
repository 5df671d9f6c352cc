//! How a PATCH changes an object, as the API server applies it: a JSON merge patch (RFC 7386),
//! a JSON patch (RFC 6902) or a strategic merge patch. kubectl's `patch`, `apply`, `label`,
//! `taint`, `cordon`, … send them; the emulated kubectl applies them itself and `kubedrill serve`
//! applies what a real kubectl sends, both through here.

use serde_json::Value;

/// The three patch types, by the media types a client sends them with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchType {
    /// `application/json-patch+json`.
    Json,
    /// `application/merge-patch+json`.
    Merge,
    /// `application/strategic-merge-patch+json`.
    Strategic,
}

impl PatchType {
    /// The patch type of a request's `Content-Type` (parameters ignored).
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        match content_type.split(';').next().unwrap_or_default().trim() {
            "application/json-patch+json" => Some(Self::Json),
            "application/merge-patch+json" => Some(Self::Merge),
            "application/strategic-merge-patch+json" => Some(Self::Strategic),
            _ => None,
        }
    }
}

/// Why a JSON patch could not be applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JsonPatchError {
    /// The body is not a list of operations.
    #[error("{0}")]
    Parse(String),
    /// An operation failed (a `test` that does not hold, a path that is not there).
    #[error("{0}")]
    Apply(String),
}

/// RFC 7386: objects merge key by key, `null` removes, anything else replaces.
pub fn merge(doc: &mut Value, patch: &Value) {
    json_patch::merge(doc, patch);
}

/// RFC 6902: the operations in order; on a failure `doc` is left as it was.
pub fn json(doc: &mut Value, patch: &Value) -> Result<(), JsonPatchError> {
    let ops: json_patch::Patch =
        serde_json::from_value(patch.clone()).map_err(|e| JsonPatchError::Parse(e.to_string()))?;
    json_patch::patch(doc, &ops).map_err(|e| JsonPatchError::Apply(e.to_string()))
}

/// The merge key of the lists the Kubernetes types merge rather than replace
/// (`patchStrategy:"merge"`): containers and volumes by name, container ports by port, mounts by
/// path. Every other list (taints, tolerations, args) is replaced whole.
fn merge_key(field: &str, items: &[Value]) -> Option<&'static str> {
    Some(match field {
        "containers" | "initContainers" | "ephemeralContainers" | "env" | "volumes" | "imagePullSecrets" => "name",
        "ports" if items.iter().any(|i| i.get("containerPort").is_some()) => "containerPort",
        "ports" => "port",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "hostAliases" => "ip",
        "conditions" => "type",
        "ownerReferences" => "uid",
        _ => return None,
    })
}

/// A strategic merge patch: maps merge, the merge-keyed lists merge item by item, other lists
/// and values are replaced, `null` removes. The directives kubectl writes are followed:
/// `$patch: delete|replace`, `$deleteFromPrimitiveList/FIELD`; `$setElementOrder/FIELD` and
/// `$retainKeys` only order or prune what the merge already gives, and are set aside.
pub fn strategic(doc: &mut Value, patch: &Value) {
    let (Value::Object(d), Value::Object(p)) = (&mut *doc, patch) else {
        *doc = strip_directives(patch);
        return;
    };
    if p.get("$patch").and_then(Value::as_str) == Some("replace") {
        *doc = strip_directives(patch);
        return;
    }
    for (k, pv) in p {
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(list)), Value::Array(gone)) = (d.get_mut(field), pv) {
                list.retain(|x| !gone.contains(x));
            }
            continue;
        }
        if k.starts_with('$') {
            continue;
        }
        if pv.is_null() || pv.get("$patch").and_then(Value::as_str) == Some("delete") {
            d.remove(k);
            continue;
        }
        match (d.get_mut(k), pv) {
            (Some(Value::Array(dl)), Value::Array(pl)) => match merge_key(k, pl) {
                Some(key) => merge_list(dl, pl, key),
                None => *dl = pl.iter().map(strip_directives).collect(),
            },
            (Some(dv @ Value::Object(_)), Value::Object(_)) => strategic(dv, pv),
            _ => {
                d.insert(k.clone(), strip_directives(pv));
            }
        }
    }
}

/// Items of a merge-keyed list: a patch item merges into the item with its key (or is added),
/// `$patch: delete` removes it.
fn merge_list(list: &mut Vec<Value>, patch: &[Value], key: &str) {
    for item in patch {
        let Some(k) = item.get(key) else { continue };
        let at = list.iter().position(|x| x.get(key) == Some(k));
        match (at, item.get("$patch").and_then(Value::as_str)) {
            (Some(i), Some("delete")) => {
                list.remove(i);
            }
            (None, Some("delete")) => {}
            (Some(i), _) => strategic(&mut list[i], item),
            (None, _) => list.push(strip_directives(item)),
        }
    }
}

/// A patch value as it is stored: without its `$` directives.
fn strip_directives(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), strip_directives(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_directives).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cordon_and_uncordon_set_and_clear_unschedulable() {
        let mut node = json!({"metadata": {"name": "n", "labels": {"a": "1"}}, "spec": {"podCIDR": "x"}});
        strategic(&mut node, &json!({"spec": {"unschedulable": true}}));
        assert_eq!(node["spec"], json!({"podCIDR": "x", "unschedulable": true}));
        merge(&mut node, &json!({"spec": {"unschedulable": null}}));
        assert_eq!(node["spec"], json!({"podCIDR": "x"}));
    }

    #[test]
    fn containers_merge_by_name_and_directives_are_followed_not_stored() {
        let mut d = json!({"spec": {"containers": [
            {"name": "web", "image": "nginx:1.1"},
            {"name": "side", "image": "busybox"}
        ]}});
        // What `kubectl set image` / `apply` send (CreateTwoWayMergePatch).
        strategic(
            &mut d,
            &json!({"spec": {
                "$setElementOrder/containers": [{"name": "web"}, {"name": "side"}],
                "containers": [{"name": "web", "image": "nginx:1.2"}, {"name": "side", "$patch": "delete"}]
            }}),
        );
        assert_eq!(
            d,
            json!({"spec": {"containers": [{"name": "web", "image": "nginx:1.2"}]}})
        );
    }

    #[test]
    fn taints_are_replaced_whole_as_kubectl_taint_removal_needs() {
        let mut n = json!({"spec": {"taints": [
            {"key": "a", "effect": "NoSchedule"},
            {"key": "b", "effect": "NoExecute"}
        ]}});
        strategic(
            &mut n,
            &json!({"spec": {"taints": [{"key": "b", "effect": "NoExecute"}]}}),
        );
        assert_eq!(n["spec"]["taints"], json!([{"key": "b", "effect": "NoExecute"}]));
        strategic(
            &mut n,
            &json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["x"]}, "spec": {"taints": null}}),
        );
        assert!(n["spec"].get("taints").is_none());
    }

    #[test]
    fn a_json_patch_that_fails_leaves_the_object_as_it_was() {
        let mut v = json!({"spec": {"replicas": 2}});
        json(
            &mut v,
            &json!([{"op": "replace", "path": "/spec/replicas", "value": 3}]),
        )
        .expect("applies");
        assert_eq!(v["spec"]["replicas"], 3);
        let bad = json(
            &mut v,
            &json!([
                {"op": "replace", "path": "/spec/replicas", "value": 4},
                {"op": "test", "path": "/spec/replicas", "value": 9}
            ]),
        );
        assert!(matches!(bad, Err(JsonPatchError::Apply(_))), "{bad:?}");
        assert_eq!(v["spec"]["replicas"], 3);
        assert!(matches!(
            json(&mut v, &json!({"op": "x"})),
            Err(JsonPatchError::Parse(_))
        ));
        assert_eq!(
            PatchType::from_content_type("application/merge-patch+json; charset=utf-8"),
            Some(PatchType::Merge)
        );
    }
}
