//! `kubectl explain`: the fields of the modelled kinds, their types and a one-line summary,
//! in kubectl's layout (the OpenAPI v3 `plaintext` template from 1.27, the older one before).
//! The field list covers what maintenance touches; the summaries are kubedrill's own words,
//! not the API reference's text.

use crate::model::objects::ResourceKind;

/// (path below the kind, type, summary). A path's children are the entries one level below.
type Field = (&'static str, &'static str, &'static str);
type Owned = (String, &'static str, &'static str);

const META: &[Field] = &[
    (
        "metadata.annotations",
        "map[string]string",
        "Unstructured key/value data kept with the object.",
    ),
    (
        "metadata.creationTimestamp",
        "string",
        "When the API server created the object (RFC 3339, UTC).",
    ),
    (
        "metadata.deletionTimestamp",
        "string",
        "When the object is to be deleted; set by a graceful delete.",
    ),
    (
        "metadata.generateName",
        "string",
        "The prefix the server appends a random suffix to when no name is given.",
    ),
    (
        "metadata.labels",
        "map[string]string",
        "Key/value pairs selectors match on.",
    ),
    ("metadata.name", "string", "The object's name, unique in its namespace."),
    ("metadata.namespace", "string", "The namespace the object lives in."),
    (
        "metadata.ownerReferences",
        "[]OwnerReference",
        "The objects this one depends on; the garbage collector follows them.",
    ),
    (
        "metadata.resourceVersion",
        "string",
        "An opaque version the server changes on every write.",
    ),
    (
        "metadata.uid",
        "string",
        "The object's unique identity over its lifetime.",
    ),
];

const POD_SPEC: &[Field] = &[
    (
        "affinity",
        "Affinity",
        "Scheduling constraints: node, pod and anti-pod affinity.",
    ),
    (
        "containers",
        "[]Container -required-",
        "The containers of the pod; at least one.",
    ),
    ("containers.args", "[]string", "Arguments to the entrypoint."),
    (
        "containers.command",
        "[]string",
        "The entrypoint array, replacing the image's ENTRYPOINT.",
    ),
    (
        "containers.env",
        "[]EnvVar",
        "Environment variables set in the container.",
    ),
    ("containers.image", "string", "The container image name."),
    ("containers.imagePullPolicy", "string", "Always, Never or IfNotPresent."),
    (
        "containers.livenessProbe",
        "Probe",
        "Restarts the container when it fails.",
    ),
    (
        "containers.name",
        "string -required-",
        "The container's name, unique in the pod.",
    ),
    (
        "containers.ports",
        "[]ContainerPort",
        "Ports the container exposes (informational).",
    ),
    (
        "containers.readinessProbe",
        "Probe",
        "Removes the pod from service endpoints when it fails.",
    ),
    (
        "containers.resources",
        "ResourceRequirements",
        "CPU and memory requests and limits.",
    ),
    (
        "containers.volumeMounts",
        "[]VolumeMount",
        "Volumes mounted into the container's filesystem.",
    ),
    ("hostNetwork", "boolean", "Use the node's network namespace."),
    (
        "initContainers",
        "[]Container",
        "Containers run to completion, in order, before the others start.",
    ),
    (
        "nodeName",
        "string",
        "The node the pod is bound to; set by the scheduler or by hand.",
    ),
    (
        "nodeSelector",
        "map[string]string",
        "Node labels the pod's node must have.",
    ),
    (
        "priorityClassName",
        "string",
        "The PriorityClass that gives the pod its priority.",
    ),
    ("restartPolicy", "string", "Always, OnFailure or Never."),
    ("serviceAccountName", "string", "The ServiceAccount the pod runs as."),
    (
        "terminationGracePeriodSeconds",
        "integer",
        "Seconds between SIGTERM and SIGKILL on deletion (default 30).",
    ),
    ("tolerations", "[]Toleration", "Taints the pod tolerates."),
    ("volumes", "[]Volume", "Volumes the containers can mount."),
];

const TOP: &[Field] = &[
    (
        "apiVersion",
        "string",
        "The versioned schema of this representation of an object.",
    ),
    (
        "kind",
        "string",
        "The REST resource this object represents, in CamelCase.",
    ),
    ("metadata", "ObjectMeta", "Standard object metadata."),
];

fn kind_fields(kind: ResourceKind) -> Option<(&'static str, &'static str, &'static str, Vec<Owned>)> {
    let spec_status = |spec: &'static str, status: &'static str| -> Vec<Field> {
        vec![
            ("spec", spec, "The desired state of the object."),
            (
                "status",
                status,
                "The most recently observed state; read-only, kept by the system.",
            ),
        ]
    };
    let (name, group, summary, mut fields): (&str, &str, &str, Vec<Field>) = match kind {
        ResourceKind::Pods => (
            "Pod",
            "v1",
            "A group of containers scheduled together onto a node.",
            spec_status("PodSpec", "PodStatus"),
        ),
        ResourceKind::Nodes => (
            "Node",
            "v1",
            "A worker machine, registered by its kubelet.",
            [
                spec_status("NodeSpec", "NodeStatus"),
                vec![
                    ("spec.podCIDR", "string", "The pod IP range assigned to the node."),
                    (
                        "spec.taints",
                        "[]Taint",
                        "Taints that repel pods which do not tolerate them.",
                    ),
                    (
                        "spec.unschedulable",
                        "boolean",
                        "Set by kubectl cordon: no new pods are placed here.",
                    ),
                ],
            ]
            .concat(),
        ),
        ResourceKind::Namespaces => (
            "Namespace",
            "v1",
            "A scope for names.",
            spec_status("NamespaceSpec", "NamespaceStatus"),
        ),
        ResourceKind::Deployments => (
            "Deployment",
            "apps/v1",
            "Declarative updates of pods through ReplicaSets.",
            [
                spec_status("DeploymentSpec", "DeploymentStatus"),
                vec![
                    (
                        "spec.minReadySeconds",
                        "integer",
                        "Seconds a new pod must be ready to count as available.",
                    ),
                    (
                        "spec.paused",
                        "boolean",
                        "Stops the rollout of template changes (kubectl rollout pause).",
                    ),
                    (
                        "spec.progressDeadlineSeconds",
                        "integer",
                        "Seconds before a stalled rollout is reported as failed.",
                    ),
                    ("spec.replicas", "integer", "Desired number of pods (default 1)."),
                    (
                        "spec.revisionHistoryLimit",
                        "integer",
                        "Old ReplicaSets kept for rollbacks (default 10).",
                    ),
                    (
                        "spec.selector",
                        "LabelSelector -required-",
                        "The pods the Deployment manages.",
                    ),
                    (
                        "spec.strategy",
                        "DeploymentStrategy",
                        "RollingUpdate (maxSurge, maxUnavailable) or Recreate.",
                    ),
                    ("spec.template", "PodTemplateSpec -required-", "The pods to create."),
                ],
            ]
            .concat(),
        ),
        ResourceKind::ReplicaSets => (
            "ReplicaSet",
            "apps/v1",
            "Keeps a number of identical pods running.",
            [
                spec_status("ReplicaSetSpec", "ReplicaSetStatus"),
                vec![
                    ("spec.replicas", "integer", "Desired number of pods."),
                    (
                        "spec.selector",
                        "LabelSelector -required-",
                        "The pods the ReplicaSet counts.",
                    ),
                    ("spec.template", "PodTemplateSpec", "The pods to create."),
                ],
            ]
            .concat(),
        ),
        ResourceKind::DaemonSets => (
            "DaemonSet",
            "apps/v1",
            "One pod on every eligible node.",
            [
                spec_status("DaemonSetSpec", "DaemonSetStatus"),
                vec![
                    (
                        "spec.selector",
                        "LabelSelector -required-",
                        "The pods the DaemonSet manages.",
                    ),
                    (
                        "spec.template",
                        "PodTemplateSpec -required-",
                        "The pod to run on each node.",
                    ),
                    (
                        "spec.updateStrategy",
                        "DaemonSetUpdateStrategy",
                        "RollingUpdate or OnDelete.",
                    ),
                ],
            ]
            .concat(),
        ),
        ResourceKind::StatefulSets => (
            "StatefulSet",
            "apps/v1",
            "Pods with stable identities and storage, created and replaced in order.",
            [
                spec_status("StatefulSetSpec", "StatefulSetStatus"),
                vec![
                    ("spec.podManagementPolicy", "string", "OrderedReady or Parallel."),
                    ("spec.replicas", "integer", "Desired number of pods."),
                    (
                        "spec.selector",
                        "LabelSelector -required-",
                        "The pods the StatefulSet manages.",
                    ),
                    (
                        "spec.serviceName",
                        "string",
                        "The headless Service that gives the pods their names.",
                    ),
                    ("spec.template", "PodTemplateSpec -required-", "The pods to create."),
                    (
                        "spec.updateStrategy",
                        "StatefulSetUpdateStrategy",
                        "RollingUpdate (with a partition) or OnDelete.",
                    ),
                    (
                        "spec.volumeClaimTemplates",
                        "[]PersistentVolumeClaim",
                        "Claims each pod gets its own copy of.",
                    ),
                ],
            ]
            .concat(),
        ),
        ResourceKind::Jobs => (
            "Job",
            "batch/v1",
            "Pods that run to completion.",
            [
                spec_status("JobSpec", "JobStatus"),
                vec![
                    (
                        "spec.activeDeadlineSeconds",
                        "integer",
                        "Seconds the job may run before it is stopped.",
                    ),
                    (
                        "spec.backoffLimit",
                        "integer",
                        "Retries before the job is marked failed (default 6).",
                    ),
                    ("spec.completions", "integer", "Successful pods wanted."),
                    ("spec.parallelism", "integer", "Pods running at once."),
                    ("spec.template", "PodTemplateSpec -required-", "The pods to run."),
                    (
                        "spec.ttlSecondsAfterFinished",
                        "integer",
                        "Seconds after which a finished job is deleted.",
                    ),
                ],
            ]
            .concat(),
        ),
        ResourceKind::Pdbs => (
            "PodDisruptionBudget",
            "policy/v1",
            "The least number of pods of a collection that voluntary disruptions (evictions) must leave.",
            [
                spec_status("PodDisruptionBudgetSpec", "PodDisruptionBudgetStatus"),
                vec![
                    (
                        "spec.maxUnavailable",
                        "IntOrString",
                        "Pods that may be unavailable after an eviction (number or percentage).",
                    ),
                    (
                        "spec.minAvailable",
                        "IntOrString",
                        "Pods that must stay available after an eviction (number or percentage).",
                    ),
                    (
                        "spec.selector",
                        "LabelSelector",
                        "The pods the budget covers; in policy/v1 an empty selector covers every pod of the namespace.",
                    ),
                    (
                        "spec.unhealthyPodEvictionPolicy",
                        "string",
                        "IfHealthyBudget or AlwaysAllow: when unhealthy pods may be evicted.",
                    ),
                ],
            ]
            .concat(),
        ),
        ResourceKind::Services => (
            "Service",
            "v1",
            "A stable virtual IP and name in front of a set of pods.",
            [
                spec_status("ServiceSpec", "ServiceStatus"),
                vec![
                    (
                        "spec.clusterIP",
                        "string",
                        "The virtual IP, allocated from the service range.",
                    ),
                    ("spec.ports", "[]ServicePort", "The ports the service exposes."),
                    (
                        "spec.selector",
                        "map[string]string",
                        "The labels of the pods traffic goes to.",
                    ),
                    (
                        "spec.type",
                        "string",
                        "ClusterIP, NodePort, LoadBalancer or ExternalName.",
                    ),
                ],
            ]
            .concat(),
        ),
        ResourceKind::ConfigMaps => (
            "ConfigMap",
            "v1",
            "Configuration data for pods to consume.",
            vec![
                ("binaryData", "map[string]string", "Binary values, base64-encoded."),
                ("data", "map[string]string", "UTF-8 values."),
                ("immutable", "boolean", "When true, the data cannot be changed."),
            ],
        ),
        _ => return None,
    };
    fields.extend_from_slice(TOP);
    fields.extend_from_slice(META);
    let mut fields: Vec<Owned> = fields.into_iter().map(|(p, t, d)| (p.to_string(), t, d)).collect();
    if kind == ResourceKind::Pods {
        fields.extend(POD_SPEC.iter().map(|(p, t, d)| (format!("spec.{p}"), *t, *d)));
    }
    if matches!(
        kind,
        ResourceKind::Deployments
            | ResourceKind::ReplicaSets
            | ResourceKind::DaemonSets
            | ResourceKind::StatefulSets
            | ResourceKind::Jobs
    ) {
        fields.push((
            "spec.template.metadata".into(),
            "ObjectMeta",
            "Metadata of the pods created from the template.",
        ));
        fields.push(("spec.template.spec".into(), "PodSpec", "The pods' specification."));
        fields.extend(
            POD_SPEC
                .iter()
                .map(|(p, t, d)| (format!("spec.template.spec.{p}"), *t, *d)),
        );
    }
    Some((name, group, summary, fields))
}

fn children<'a>(fields: &'a [Owned], prefix: &str) -> Vec<&'a Owned> {
    let mut out: Vec<&Owned> = fields
        .iter()
        .filter(|(p, _, _)| match prefix {
            "" => !p.contains('.'),
            pre => p
                .strip_prefix(pre)
                .and_then(|r| r.strip_prefix('.'))
                .is_some_and(|r| !r.contains('.')),
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn last(p: &str) -> &str {
    p.rsplit('.').next().unwrap_or(p)
}

pub(crate) fn explain(kind: ResourceKind, path: &[&str], recursive: bool, minor: u32) -> Result<Vec<String>, String> {
    let Some((name, version, summary, fields)) = kind_fields(kind) else {
        return Err(format!(
            "kubedrill: `kubectl explain {}` is not modelled (modelled: pods, nodes, namespaces, deployments, replicasets, daemonsets, statefulsets, jobs, poddisruptionbudgets, services, configmaps)",
            kind.api_name()
        ));
    };
    let prefix = path.join(".");
    let field = fields.iter().find(|(p, _, _)| *p == prefix);
    if !prefix.is_empty() && field.is_none() {
        return Err(format!(
            "error: field \"{}\" does not exist",
            path.last().copied().unwrap_or_default()
        ));
    }
    let new = minor >= 27;
    let (pad, body) = if new { ("    ", "  ") } else { ("  ", "   ") };
    let mut l = vec![
        format!("KIND:{pad}   {name}"),
        format!("VERSION:{pad}{version}"),
        String::new(),
    ];
    if let Some((p, t, _)) = field {
        if new {
            l.push(format!("FIELD: {} <{t}>", last(p)));
        } else {
            l.push(format!("RESOURCE: {} <{t}>", last(p)));
        }
        l.push(String::new());
    }
    l.push("DESCRIPTION:".into());
    let indent = if new { "    " } else { "     " };
    l.push(format!("{indent}{}", field.map_or(summary, |(_, _, d)| *d)));
    let kids = children(&fields, &prefix);
    if kids.is_empty() {
        return Ok(l);
    }
    l.push(String::new());
    l.push("FIELDS:".into());
    if recursive {
        fn walk(fields: &[Owned], prefix: &str, depth: usize, l: &mut Vec<String>) {
            for (p, t, _) in children(fields, prefix) {
                l.push(format!("{}{}\t<{t}>", "  ".repeat(depth + 1), last(p)));
                walk(fields, p, depth + 1, l);
            }
        }
        walk(&fields, &prefix, 0, &mut l);
        return Ok(l);
    }
    for (p, t, d) in kids {
        l.push(format!("{body}{}\t<{t}>", last(p)));
        l.push(format!("{body}  {d}"));
        l.push(String::new());
    }
    Ok(l)
}
