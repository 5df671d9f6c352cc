//! The scenario's workloads as kind gets them (`kubectl apply -f -`).
//!
//! Maintenance does not depend on what a container runs, and a scenario's images
//! (`postgres:16`, `ghcr.io/example/api:2.1`) may not exist or may exit at once on kind. So
//! every container runs the pause image (which kind nodes already hold) with its command,
//! arguments and probes dropped; Job containers sleep for the simulator's run time instead.
//! Requests, volumes, tolerations, selectors and owners stay: they are what drains, budgets
//! and scheduling look at. Node names the manifests pin (`nodeName`, hostname selectors) are
//! renamed to kind's.

use kubedrill_sim::manifest::Manifest;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

pub const PAUSE_IMAGE: &str = "registry.k8s.io/pause:3.10";
pub const JOB_IMAGE: &str = "busybox:1.36";
const HOSTNAME_LABEL: &str = "kubernetes.io/hostname";

/// The manifests as one multi-document YAML stream, namespaces first; `None` if there are none.
pub fn manifests_yaml(workloads: &[Manifest], names: &BTreeMap<String, String>) -> Option<String> {
    if workloads.is_empty() {
        return None;
    }
    let mut namespaces = BTreeSet::new();
    let mut docs = Vec::new();
    for m in workloads {
        let (mut value, job) = to_value(m);
        if let Some(ns) = value.pointer("/metadata/namespace").and_then(Value::as_str)
            && ns != "default"
        {
            namespaces.insert(ns.to_string());
        }
        if let Some(obj) = value.as_object_mut() {
            obj.remove("status");
        }
        let run_seconds = value
            .pointer("/spec/template/metadata/annotations/kubedrill.io~1run-seconds")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(60);
        let spec = if matches!(m, Manifest::Pod(_)) {
            value.pointer_mut("/spec")
        } else {
            value.pointer_mut("/spec/template/spec")
        };
        if let Some(spec) = spec {
            neutralise(spec, job.then_some(run_seconds));
        }
        rename(&mut value, names);
        docs.push(value);
    }
    let mut out = String::new();
    for ns in namespaces {
        out.push_str(&format!(
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n---\n"
        ));
    }
    let rendered: Vec<String> = docs
        .iter()
        .map(|d| yaml_serde::to_string(d).unwrap_or_default())
        .collect();
    out.push_str(&rendered.join("---\n"));
    Some(out)
}

fn to_value(m: &Manifest) -> (Value, bool) {
    (m.to_json(), matches!(m, Manifest::Job(_)))
}

/// Containers run pause (or, for a Job, sleep for its run time); probes and commands go.
fn neutralise(spec: &mut Value, job_seconds: Option<u64>) {
    for list in ["containers", "initContainers"] {
        let Some(containers) = spec.get_mut(list).and_then(Value::as_array_mut) else {
            continue;
        };
        for c in containers {
            let Some(c) = c.as_object_mut() else { continue };
            for k in ["command", "args", "livenessProbe", "readinessProbe", "startupProbe"] {
                c.remove(k);
            }
            c.insert("imagePullPolicy".into(), Value::from("IfNotPresent"));
            match job_seconds {
                Some(s) => {
                    c.insert("image".into(), Value::from(JOB_IMAGE));
                    c.insert("command".into(), serde_json::json!(["sleep", s.to_string()]));
                }
                None => {
                    c.insert("image".into(), Value::from(PAUSE_IMAGE));
                }
            }
        }
    }
}

/// Node names pinned in a manifest: `nodeName`, `kubernetes.io/hostname` selectors and
/// affinity terms.
fn rename(value: &mut Value, names: &BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(n)) = map.get_mut("nodeName")
                && let Some(to) = names.get(n.as_str())
            {
                *n = to.clone();
            }
            if let Some(Value::String(n)) = map.get_mut(HOSTNAME_LABEL)
                && let Some(to) = names.get(n.as_str())
            {
                *n = to.clone();
            }
            if map.get("key").and_then(Value::as_str) == Some(HOSTNAME_LABEL)
                && let Some(Value::Array(values)) = map.get_mut("values")
            {
                for v in values.iter_mut() {
                    if let Value::String(n) = v
                        && let Some(to) = names.get(n.as_str())
                    {
                        *n = to.clone();
                    }
                }
            }
            for v in map.values_mut() {
                rename(v, names);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rename(v, names)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_run_pause_and_pinned_nodes_are_renamed() {
        let pod: Value = serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "debug", "namespace": "tools"},
            "spec": {"nodeName": "node01", "containers": [{"name": "c", "image": "busybox", "command": ["sleep", "3600"]}]}
        });
        let m = Manifest::from_value(pod).unwrap();
        let names = BTreeMap::from([("node01".to_string(), "k-worker".to_string())]);
        let yaml = manifests_yaml(&[m], &names).unwrap();
        assert!(
            yaml.starts_with("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: tools\n---\n"),
            "{yaml}"
        );
        assert!(yaml.contains("nodeName: k-worker"), "{yaml}");
        assert!(yaml.contains(PAUSE_IMAGE), "{yaml}");
        assert!(!yaml.contains("sleep"), "{yaml}");
    }
}
