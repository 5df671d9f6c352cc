//! `kubedrill bench FILE --emit-job --shards N --image IMAGE`: a sweep as a Kubernetes
//! Indexed Job, not a home-made scheduler. Three documents: a ConfigMap holding the benchmark
//! file, a PersistentVolumeClaim for the results (ReadWriteMany: the shards may run on
//! different nodes), and the Job — completionMode Indexed, one completion per shard, each pod
//! running `kubedrill bench /bench/benchmark.yaml --seeds A..B --shard $(JOB_COMPLETION_INDEX)/N
//! --out /results/shard-$(JOB_COMPLETION_INDEX)`. `kubedrill bench merge` then puts the shard
//! directories together.

use serde_json::json;

pub struct JobSpec<'a> {
    pub benchmark: &'a str,
    pub file_text: &'a str,
    pub seeds: (u64, u64),
    pub shards: u32,
    pub image: &'a str,
}

/// The benchmark file as the Job's pods can read it: policy files it names (relative to
/// `dir`) are written inline, since only the benchmark file travels in the ConfigMap. A file
/// without policy paths is returned as it is.
pub fn self_contained(text: &str, dir: &std::path::Path) -> anyhow::Result<String> {
    let mut doc: yaml_serde::Value = yaml_serde::from_str(text)?;
    let mut changed = false;
    let strategies = doc
        .get_mut("spec")
        .and_then(|s| s.get_mut("upgrade"))
        .and_then(|u| u.get_mut("strategies"))
        .and_then(|s| s.as_sequence_mut());
    for s in strategies.into_iter().flatten() {
        let Some(policy) = s.get_mut("policy") else { continue };
        let Some(path) = policy.as_str() else { continue };
        let path = dir.join(path);
        let body = std::fs::read_to_string(&path)
            .map_err(|e| anyhow::anyhow!("reading the policy file {}: {e}", path.display()))?;
        *policy = yaml_serde::from_str(&body)?;
        changed = true;
    }
    if !changed {
        return Ok(text.to_string());
    }
    Ok(format!(
        "# The benchmark file with its policy files written inline (kubedrill bench --emit-job).\n{}",
        yaml_serde::to_string(&doc)?
    ))
}

/// The three manifests as one YAML stream.
pub fn manifests(j: &JobSpec<'_>) -> String {
    let name = format!("kubedrill-bench-{}", j.benchmark);
    // Object names are DNS labels of at most 63 characters (the Job's pods add a suffix).
    let name: String = name
        .chars()
        .take(52)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string();
    let labels = json!({"app.kubernetes.io/name": "kubedrill-bench", "kubedrill.io/benchmark": j.benchmark});
    let config_map = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "labels": labels},
        "data": {"benchmark.yaml": j.file_text},
    });
    let claim = json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": format!("{name}-results"), "labels": labels},
        "spec": {
            "accessModes": ["ReadWriteMany"],
            "resources": {"requests": {"storage": "1Gi"}},
        },
    });
    let (from, count) = j.seeds;
    let last = from + count - 1;
    let n = j.shards;
    let job = json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "completionMode": "Indexed",
            "completions": n,
            "parallelism": n,
            "backoffLimit": n,
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{
                        "name": "bench",
                        "image": j.image,
                        "command": ["kubedrill"],
                        "args": [
                            "bench", "/bench/benchmark.yaml",
                            "--seeds", format!("{from}..{last}"),
                            "--shard", format!("$(JOB_COMPLETION_INDEX)/{n}"),
                            "--out", "/results/shard-$(JOB_COMPLETION_INDEX)",
                            "--format", "csv",
                        ],
                        "env": [{
                            "name": "JOB_COMPLETION_INDEX",
                            "valueFrom": {"fieldRef": {"fieldPath": "metadata.annotations['batch.kubernetes.io/job-completion-index']"}},
                        }],
                        "resources": {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "2Gi"}},
                        "volumeMounts": [
                            {"name": "benchmark", "mountPath": "/bench", "readOnly": true},
                            {"name": "results", "mountPath": "/results"},
                        ],
                    }],
                    "volumes": [
                        {"name": "benchmark", "configMap": {"name": name}},
                        {"name": "results", "persistentVolumeClaim": {"claimName": format!("{name}-results")}},
                    ],
                },
            },
        },
    });
    [config_map, claim, job]
        .iter()
        .map(|doc| yaml_serde::to_string(doc).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("---\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::batch::v1::Job;
    use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim};

    #[test]
    fn the_manifests_are_real_job_config_map_and_claim_objects() {
        let text = "apiVersion: kubedrill/v1\nkind: StrategyBenchmark\n";
        let out = manifests(&JobSpec {
            benchmark: "demo",
            file_text: text,
            seeds: (1, 100),
            shards: 8,
            image: "registry.example/kubedrill:1",
        });
        let docs: Vec<&str> = out.split("---\n").collect();
        assert_eq!(docs.len(), 3);
        let cm: ConfigMap = yaml_serde::from_str(docs[0]).expect("ConfigMap");
        assert_eq!(cm.data.expect("data")["benchmark.yaml"], text);
        let _: PersistentVolumeClaim = yaml_serde::from_str(docs[1]).expect("PVC");
        let job: Job = yaml_serde::from_str(docs[2]).expect("Job");
        let spec = job.spec.expect("spec");
        assert_eq!(spec.completion_mode.as_deref(), Some("Indexed"));
        assert_eq!(spec.completions, Some(8));
        let c = &spec.template.spec.expect("pod spec").containers[0];
        let args = c.args.clone().expect("args");
        assert!(
            args.windows(2).any(|w| w == ["--shard", "$(JOB_COMPLETION_INDEX)/8"]),
            "{args:?}"
        );
        assert!(args.windows(2).any(|w| w == ["--seeds", "1..100"]), "{args:?}");
        assert_eq!(c.image.as_deref(), Some("registry.example/kubedrill:1"));
    }
}
