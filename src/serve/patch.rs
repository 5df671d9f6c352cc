//! PATCH bodies: JSON merge patch (RFC 7386) and strategic merge patch. For the fields kubectl
//! patches on the modelled objects (`spec.unschedulable`, `metadata.labels`, `spec.taints`,
//! `spec.replicas`) a strategic merge patch means the same as a merge patch — none of them is a
//! merge-keyed list — once its `$`-directives are set aside.

use super::backend::ApiError;
use serde_json::Value;

pub fn apply(target: &Value, content_type: &str, body: &[u8]) -> Result<Value, ApiError> {
    let media = content_type.split(';').next().unwrap_or("").trim();
    match media {
        "application/merge-patch+json" | "application/strategic-merge-patch+json" => {
            let patch: Value = serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
            let mut out = target.clone();
            merge(&mut out, &patch);
            Ok(out)
        }
        other => Err(ApiError {
            code: 415,
            reason: "UnsupportedMediaType",
            message: format!(
                "the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json (kubedrill does not model {other:?})"
            ),
            details: None,
            causes: Vec::new(),
        }),
    }
}

/// RFC 7386: objects merge key by key, `null` deletes, anything else replaces.
fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    let Value::Object(t) = target else { return };
    for (k, v) in p {
        if k.starts_with('$') {
            continue;
        }
        if v.is_null() {
            t.remove(k);
        } else {
            merge(t.entry(k.clone()).or_insert(Value::Null), &strip_directives(v));
        }
    }
}

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
    fn cordon_and_uncordon_patches_set_and_clear_unschedulable() {
        let node = json!({"metadata": {"name": "n", "labels": {"a": "1"}}, "spec": {"podCIDR": "x"}});
        let cordoned = apply(
            &node,
            "application/strategic-merge-patch+json",
            br#"{"spec":{"unschedulable":true}}"#,
        )
        .unwrap();
        assert_eq!(cordoned["spec"]["unschedulable"], true);
        assert_eq!(cordoned["spec"]["podCIDR"], "x");
        let back = apply(
            &cordoned,
            "application/merge-patch+json",
            br#"{"spec":{"unschedulable":null}}"#,
        )
        .unwrap();
        assert!(back["spec"].get("unschedulable").is_none());
        let labelled = apply(
            &node,
            "application/merge-patch+json",
            br#"{"metadata":{"labels":{"a":null,"b":"2"}}}"#,
        )
        .unwrap();
        assert_eq!(labelled["metadata"]["labels"], json!({"b": "2"}));
        assert!(apply(&node, "application/json-patch+json", b"[]").is_err());
        assert!(apply(&node, "application/merge-patch+json", b"{").is_err());
    }
}
