//! `kubectl get` for the objects maintenance needs: nodes, pods, pdb, deploy, rs, ds, sts, jobs.

use super::flags::{self, Kind, Parsed, flag};
use super::{fail, stderr, stdout, usage_error};
use crate::model::quantity::format_cpu_milli;
use crate::model::*;
use crate::shell::CommandOutput;
use crate::tabwriter::render;
use crate::tools::api::KubeApi;
use std::sync::Arc;

const SPECS: &[flags::Spec] = &[
    flag("output", Some('o'), Kind::Str),
    flag("all-namespaces", Some('A'), Kind::Bool),
    flag("selector", Some('l'), Kind::Str),
    flag("field-selector", None, Kind::Str),
    flag("no-headers", None, Kind::Bool),
    flag("show-labels", None, Kind::Bool),
    flag("watch", Some('w'), Kind::Bool),
];

/// The kinds kubectl can get: those the API server serves from the model.
pub(crate) use crate::model::objects::ResourceKind as Resource;

/// Known Kubernetes resource words this simulator does not model.
const OTHER_RESOURCES: &[&str] = &[
    "svc",
    "service",
    "services",
    "cm",
    "configmap",
    "configmaps",
    "secret",
    "secrets",
    "pv",
    "pvc",
    "persistentvolumes",
    "persistentvolumeclaims",
    "ing",
    "ingress",
    "ingresses",
    "events",
    "ev",
    "sa",
    "serviceaccounts",
    "endpoints",
    "ep",
    "cronjobs",
    "cj",
    "hpa",
    "crd",
    "crds",
    "all",
    "clusterroles",
    "roles",
    "rolebindings",
    "clusterrolebindings",
    "storageclasses",
    "sc",
    "networkpolicies",
    "netpol",
    "leases",
    "priorityclasses",
    "pc",
    "csr",
    "componentstatuses",
    "cs",
];

/// `-A` arrived in kubectl 1.14; `--all-namespaces` is older.
const SPECS_BEFORE_1_14: &[flags::Spec] = &[
    flag("output", Some('o'), Kind::Str),
    flag("all-namespaces", None, Kind::Bool),
    flag("selector", Some('l'), Kind::Str),
    flag("field-selector", None, Kind::Str),
    flag("no-headers", None, Kind::Bool),
    flag("show-labels", None, Kind::Bool),
    flag("watch", Some('w'), Kind::Bool),
];

pub(crate) fn run(api: &mut dyn KubeApi, args: &[String]) -> CommandOutput {
    let specs = if api.kubectl().minor >= 14 {
        SPECS
    } else {
        SPECS_BEFORE_1_14
    };
    let p = match flags::parse(args, specs) {
        Ok(p) => p,
        Err(e) => return usage_error(api, "get", &e),
    };
    if p.bool("watch") {
        return fail("kubedrill: `kubectl get --watch` never returns; the simulator does not model it");
    }
    let Some(first) = p.positional.first() else {
        let mut out = fail(
            "You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.",
        );
        stderr(&mut out, "");
        stderr(&mut out, "error: Required resource not specified.");
        stderr(
            &mut out,
            "Use \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).",
        );
        stderr(&mut out, "See 'kubectl get -h' for help and examples");
        return out;
    };
    // `kubectl get pod/web-1` and `kubectl get pods web-1` both work.
    let (res_word, mut names): (String, Vec<String>) = match first.split_once('/') {
        Some((r, n)) => (r.to_string(), vec![n.to_string()]),
        None => (first.clone(), Vec::new()),
    };
    names.extend(p.positional.iter().skip(1).cloned());
    if res_word.contains(',') {
        return fail(format!(
            "kubedrill: several resource types at once ({res_word}) are not modelled yet; ask for one type at a time"
        ));
    }
    let Some(res) = Resource::parse(&res_word) else {
        if OTHER_RESOURCES.contains(&res_word.as_str()) {
            return fail(format!(
                "kubedrill: `kubectl get {res_word}` is not modelled by the simulator (modelled: nodes, pods, pdb, deploy, rs, ds, sts, jobs, ns)"
            ));
        }
        return fail(format!("error: the server doesn't have a resource type \"{res_word}\""));
    };
    let output = p.str("output").unwrap_or("");
    if matches!(output, "jsonpath" | "custom-columns" | "go-template")
        || output.starts_with("jsonpath=")
        || output.starts_with("custom-columns=")
    {
        return fail(format!(
            "kubedrill: -o {output} is not modelled yet; -o json prints the same objects"
        ));
    }
    if !matches!(output, "" | "wide" | "name" | "json" | "yaml") {
        return fail(format!(
            "error: unable to match a printer suitable for the output format \"{output}\", allowed formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml"
        ));
    }
    let all_ns = p.bool("all-namespaces") && names.is_empty();
    let ns = p.str("namespace").unwrap_or("default").to_string();
    let label_sel = match p.str("selector").map(Selector::parse).transpose() {
        Ok(s) => s,
        Err(e) => return fail(format!("error: {e}")),
    };
    let field_node = match field_selector(&p, res) {
        Ok(f) => f,
        Err(e) => return e,
    };
    let mut out = CommandOutput::default();
    let listing = Listing {
        all_ns,
        ns: &ns,
        names: &names,
        label_sel: label_sel.as_ref(),
        field_node: field_node.as_deref(),
        show_labels: p.bool("show-labels"),
    };
    let rows = match collect(api, res, &listing, output, &mut out) {
        Ok(r) => r,
        Err(e) => return e,
    };
    if rows.len() <= 1 {
        if names.is_empty() {
            let k = api.kubectl();
            if !k.no_resources_names_namespace {
                stderr(&mut out, "No resources found.");
            } else if k.no_resources_always_namespace || (res.namespaced() && !all_ns) {
                stderr(&mut out, format!("No resources found in {ns} namespace."));
            } else {
                stderr(&mut out, "No resources found");
            }
        }
        return out;
    }
    match output {
        "name" => {
            for row in rows.iter().skip(1) {
                stdout(
                    &mut out,
                    format!("{}/{}", res.kind_group(), row[usize::from(all_ns && res.namespaced())]),
                );
            }
        }
        "json" | "yaml" => {
            let items: Vec<serde_json::Value> = rows
                .iter()
                .skip(1)
                .map(|r| json_item(api, res, r, all_ns, &ns))
                .collect();
            let doc = if names.len() == 1 {
                items.into_iter().next().unwrap_or_default()
            } else {
                serde_json::json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}})
            };
            let text = if output == "yaml" {
                super::yaml_out::to_yaml(&doc)
            } else {
                json_text(&doc)
            };
            for l in text.lines() {
                stdout(&mut out, l);
            }
        }
        _ => {
            let skip = usize::from(p.bool("no-headers"));
            for l in render(&rows, api.kubectl().table_min_width).into_iter().skip(skip) {
                stdout(&mut out, l);
            }
        }
    }
    out
}

fn field_selector(p: &Parsed, res: Resource) -> Result<Option<String>, CommandOutput> {
    let Some(fs) = p.str("field-selector") else {
        return Ok(None);
    };
    if res != Resource::Pods {
        return Err(fail(format!(
            "Error from server (BadRequest): Unable to find \"/v1, Resource={}\" that match label selector \"\", field selector \"{fs}\": field label not supported: {}",
            res.api_name(),
            fs.split(['=', '!']).next().unwrap_or(fs)
        )));
    }
    match fs.split_once('=') {
        Some(("spec.nodeName", node)) => Ok(Some(node.trim_start_matches('=').to_string())),
        _ => Err(fail(format!(
            "kubedrill: field selector {fs:?} is not modelled (modelled: spec.nodeName=NODE)"
        ))),
    }
}

struct Listing<'a> {
    all_ns: bool,
    ns: &'a str,
    names: &'a [String],
    label_sel: Option<&'a Selector>,
    field_node: Option<&'a str>,
    show_labels: bool,
}

/// The LABELS column of `--show-labels`: `k=v` pairs sorted by key, or `<none>`.
fn labels_cell(labels: &Labels) -> String {
    if labels.is_empty() {
        return "<none>".into();
    }
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn age(api: &dyn KubeApi, created: crate::time::SimTime) -> String {
    api.now().saturating_sub(created).human()
}

fn not_found(res: Resource, name: &str) -> String {
    format!("Error from server (NotFound): {} \"{name}\" not found", res.api_name())
}

/// Rows of the table, header first. Names that do not exist print NotFound and fail.
fn collect(
    api: &dyn KubeApi,
    res: Resource,
    l: &Listing,
    output: &str,
    out: &mut CommandOutput,
) -> Result<Vec<Vec<String>>, CommandOutput> {
    let wide = output == "wide";
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut missing = Vec::new();
    match res {
        Resource::Nodes => {
            // Node tables had no INTERNAL-IP column before 1.11.
            let internal_ip = api.kubectl().minor >= 11;
            let mut header = vec!["NAME", "STATUS", "ROLES", "AGE", "VERSION"];
            if wide && internal_ip {
                header.push("INTERNAL-IP");
            }
            if wide {
                header.extend(["EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"]);
            }
            if l.show_labels {
                header.push("LABELS");
            }
            rows.push(header.into_iter().map(String::from).collect());
            let ids: Vec<NodeId> = if l.names.is_empty() {
                api.cluster().node_ids().collect()
            } else {
                l.names
                    .iter()
                    .filter_map(|n| {
                        let id = api.cluster().node_id(n);
                        if id.is_none() {
                            missing.push(not_found(res, n));
                        }
                        id
                    })
                    .collect()
            };
            for id in ids {
                let n = api.cluster().node(id);
                if l.label_sel.is_some_and(|s| !s.matches(&n.labels)) {
                    continue;
                }
                let mut row = vec![
                    n.name.to_string(),
                    n.status_text().into(),
                    n.roles_text(),
                    age(api, n.created_at),
                    n.kubelet_version.to_string(),
                ];
                if wide {
                    if internal_ip {
                        row.push(n.internal_ip.clone());
                    }
                    row.extend([
                        "<none>".into(),
                        n.os_image.clone(),
                        n.kernel_version.clone(),
                        n.container_runtime.clone(),
                    ]);
                }
                if l.show_labels {
                    row.push(labels_cell(&n.labels));
                }
                rows.push(row);
            }
        }
        Resource::Pods => {
            let mut header = Vec::new();
            if l.all_ns {
                header.push("NAMESPACE");
            }
            header.extend(["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
            if wide {
                header.extend(["IP", "NODE"]);
                if api.kubectl().minor >= 11 {
                    header.push("NOMINATED NODE");
                }
                if api.kubectl().minor >= 13 {
                    header.push("READINESS GATES");
                }
            }
            if l.show_labels {
                header.push("LABELS");
            }
            rows.push(header.into_iter().map(String::from).collect());
            let pods: Vec<(PodId, &Pod)> = if !l.names.is_empty() {
                l.names
                    .iter()
                    .filter_map(|n| {
                        let id = api.cluster().pod_id(l.ns, n);
                        if id.is_none() {
                            missing.push(not_found(res, n));
                        }
                        id.and_then(|id| api.cluster().pod(id).map(|p| (id, p)))
                    })
                    .collect()
            } else if l.all_ns {
                api.cluster().pods_ordered().collect()
            } else {
                api.cluster().pods_in_namespace(l.ns).collect()
            };
            for (_, pod) in pods {
                if l.label_sel.is_some_and(|s| !s.matches(&pod.labels)) {
                    continue;
                }
                if let Some(node) = l.field_node
                    && pod.node.map(|n| &*api.cluster().node(n).name) != Some(node)
                {
                    continue;
                }
                let mut row = pod_row(api, pod, l.all_ns, wide);
                if l.show_labels {
                    row.push(labels_cell(&pod.labels));
                }
                rows.push(row);
            }
        }
        Resource::Pdbs => {
            rows.push(header_of(
                l.all_ns,
                &["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"],
            ));
            for id in api.cluster().pdb_ids() {
                let pdb = api.cluster().pdb(id);
                if !selected(l, &pdb.namespace, &pdb.name) {
                    continue;
                }
                let status = api.cluster().pdb_status(id);
                let mut row = ns_cell(l.all_ns, &pdb.namespace);
                row.extend([
                    pdb.name.to_string(),
                    pdb.min_available.map(|v| v.text()).unwrap_or_else(|| "N/A".into()),
                    pdb.max_unavailable.map(|v| v.text()).unwrap_or_else(|| "N/A".into()),
                    status.disruptions_allowed.to_string(),
                    age(api, pdb.created_at),
                ]);
                rows.push(row);
            }
        }
        Resource::Namespaces => {
            rows.push(vec!["NAME".into(), "STATUS".into(), "AGE".into()]);
            for ns in api.cluster().namespaces() {
                if !l.names.is_empty() && !l.names.iter().any(|n| **n == **ns) {
                    continue;
                }
                rows.push(vec![
                    ns.to_string(),
                    "Active".into(),
                    age(api, crate::time::SimTime::ZERO),
                ]);
            }
            for n in l.names {
                if !api.cluster().has_namespace(n) {
                    missing.push(not_found(res, n));
                }
            }
        }
        _ => workload_rows(api, res, l, wide, &mut rows),
    }
    if !l.names.is_empty() && res.namespaced() && !matches!(res, Resource::Pods) {
        for n in l.names {
            if !rows.iter().skip(1).any(|r| r[usize::from(l.all_ns)] == *n) {
                missing.push(not_found(res, n));
            }
        }
    }
    if !missing.is_empty() {
        // Found objects still print, then every NotFound; the exit status is 1.
        if rows.len() > 1 {
            for line in render(&rows, api.kubectl().table_min_width) {
                stdout(out, line);
            }
        }
        let mut e = CommandOutput {
            chunks: std::mem::take(&mut out.chunks),
            status: 1,
        };
        for m in missing {
            stderr(&mut e, m);
        }
        return Err(e);
    }
    Ok(rows)
}

fn selected(l: &Listing, ns: &str, name: &str) -> bool {
    (l.all_ns || ns == l.ns) && (l.names.is_empty() || l.names.iter().any(|n| n == name))
}

fn header_of(all_ns: bool, cols: &[&str]) -> Vec<String> {
    let mut h: Vec<String> = Vec::new();
    if all_ns {
        h.push("NAMESPACE".into());
    }
    h.extend(cols.iter().map(|c| c.to_string()));
    h
}

fn ns_cell(all_ns: bool, ns: &Arc<str>) -> Vec<String> {
    if all_ns { vec![ns.to_string()] } else { Vec::new() }
}

fn pod_ip(api: &dyn KubeApi, pod: &Pod) -> String {
    let Some(node) = pod.node else {
        return "<none>".into();
    };
    if pod.phase == Phase::Pending {
        return "<none>".into();
    }
    if pod.template.spec.host_network == Some(true) {
        return api.cluster().node(node).internal_ip.clone();
    }
    format!("10.244.{}.{}", node.0 % 250 + 1, 2 + pod.uid % 250)
}

fn pod_row(api: &dyn KubeApi, pod: &Pod, all_ns: bool, wide: bool) -> Vec<String> {
    let mut row = ns_cell(all_ns, &pod.namespace);
    let restarts = match (pod.restarts, pod.last_restart) {
        (n, Some(t)) if n > 0 && api.kubectl().minor >= 22 => {
            format!("{n} ({} ago)", api.now().saturating_sub(t).human())
        }
        (n, _) => n.to_string(),
    };
    row.extend([
        pod.name.to_string(),
        pod.ready_text(),
        pod.status_text().into(),
        restarts,
        age(api, pod.created_at),
    ]);
    if wide {
        let node = pod
            .node
            .map(|n| api.cluster().node(n).name.to_string())
            .unwrap_or_else(|| "<none>".into());
        row.extend([pod_ip(api, pod), node]);
        if api.kubectl().minor >= 11 {
            row.push("<none>".into());
        }
        if api.kubectl().minor >= 13 {
            row.push("<none>".into());
        }
    }
    row
}

fn workload_rows(api: &dyn KubeApi, res: Resource, l: &Listing, wide: bool, rows: &mut Vec<Vec<String>>) {
    let kind = match res {
        Resource::Deployments => WorkloadKind::Deployment,
        Resource::ReplicaSets => WorkloadKind::ReplicaSet,
        Resource::DaemonSets => WorkloadKind::DaemonSet,
        Resource::StatefulSets => WorkloadKind::StatefulSet,
        _ => WorkloadKind::Job,
    };
    // Deployments and StatefulSets gained READY in 1.13.
    let old = api.kubectl().minor <= 12;
    let cols: &[&str] = match kind {
        WorkloadKind::Deployment if old => &["NAME", "DESIRED", "CURRENT", "UP-TO-DATE", "AVAILABLE", "AGE"],
        WorkloadKind::StatefulSet if old => &["NAME", "DESIRED", "CURRENT", "AGE"],
        WorkloadKind::Deployment => &["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
        WorkloadKind::ReplicaSet => &["NAME", "DESIRED", "CURRENT", "READY", "AGE"],
        WorkloadKind::DaemonSet => &[
            "NAME",
            "DESIRED",
            "CURRENT",
            "READY",
            "UP-TO-DATE",
            "AVAILABLE",
            "NODE SELECTOR",
            "AGE",
        ],
        WorkloadKind::StatefulSet => &["NAME", "READY", "AGE"],
        WorkloadKind::Job if api.kubectl().minor >= 31 => &["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"],
        WorkloadKind::Job => &["NAME", "COMPLETIONS", "DURATION", "AGE"],
    };
    let mut header = header_of(l.all_ns, cols);
    if wide {
        header.extend(["CONTAINERS".to_string(), "IMAGES".to_string(), "SELECTOR".to_string()]);
    }
    rows.push(header);
    for (id, w) in api.cluster().workloads_of(kind) {
        if !selected(l, &w.namespace, &w.name) {
            continue;
        }
        let pods = owned_pods(api, id);
        let current = pods.iter().filter(|p| !p.is_terminating()).count();
        let ready = pods.iter().filter(|p| p.is_healthy()).count();
        let mut row = ns_cell(l.all_ns, &w.namespace);
        row.push(w.name.to_string());
        match kind {
            WorkloadKind::Deployment if old => {
                let up = current.min(w.replicas as usize).to_string();
                row.extend([w.replicas.to_string(), current.to_string(), up, ready.to_string()]);
            }
            WorkloadKind::StatefulSet if old => row.extend([w.replicas.to_string(), current.to_string()]),
            WorkloadKind::Deployment => {
                row.extend([
                    format!("{ready}/{}", w.replicas),
                    current.min(w.replicas as usize).to_string(),
                    ready.to_string(),
                ]);
            }
            WorkloadKind::ReplicaSet => row.extend([w.replicas.to_string(), current.to_string(), ready.to_string()]),
            WorkloadKind::DaemonSet => {
                let desired = w.per_node.len();
                let sel = if w.template.node_selector.is_empty() {
                    "<none>".to_string()
                } else {
                    w.template
                        .node_selector
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(",")
                };
                row.extend([
                    desired.to_string(),
                    current.to_string(),
                    ready.to_string(),
                    current.to_string(),
                    ready.to_string(),
                    sel,
                ]);
            }
            WorkloadKind::StatefulSet => row.push(format!("{ready}/{}", w.replicas)),
            WorkloadKind::Job => {
                let done = w.succeeded >= w.replicas;
                if api.kubectl().minor >= 31 {
                    row.push(if done { "Complete" } else { "Running" }.into());
                }
                row.extend([
                    format!("{}/{}", w.succeeded, w.replicas),
                    if done {
                        format!("{}s", w.template.run_ms / 1000 + w.template.start_ms / 1000)
                    } else {
                        age(api, w.created_at)
                    },
                ]);
            }
        }
        row.push(age(api, w.created_at));
        if wide {
            let spec = &w.template.spec;
            row.push(
                spec.containers
                    .iter()
                    .map(|c| c.name.clone())
                    .collect::<Vec<_>>()
                    .join(","),
            );
            row.push(
                spec.containers
                    .iter()
                    .map(|c| c.image.clone().unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join(","),
            );
            // A ReplicaSet's selector carries its pod-template-hash; the others select by the
            // template's own labels (the DaemonSet controller's revision hash is not in it).
            let selector = if w.kind == WorkloadKind::ReplicaSet {
                &w.pod_labels
            } else {
                &w.template.labels
            };
            row.push(
                selector
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(","),
            );
        }
        rows.push(row);
    }
}

/// Pods a controller owns (a Deployment's through its ReplicaSet).
pub(crate) fn owned_pods(api: &dyn KubeApi, id: WorkloadId) -> Vec<&Pod> {
    let w = api.cluster().workload(id);
    let target = if w.kind == WorkloadKind::Deployment {
        w.child.unwrap_or(id)
    } else {
        id
    };
    api.cluster()
        .pods_in_namespace(&w.namespace)
        .map(|(_, p)| p)
        .filter(|p| match p.owner {
            Owner::ReplicaSet(o) | Owner::StatefulSet(o, _) | Owner::DaemonSet(o) | Owner::Job(o) => o == target,
            _ => false,
        })
        .collect()
}

/// kubectl indents JSON by four spaces.
fn json_text(v: &serde_json::Value) -> String {
    use serde::Serialize as _;
    let mut buf = Vec::new();
    let mut ser =
        serde_json::Serializer::with_formatter(&mut buf, serde_json::ser::PrettyFormatter::with_indent(b"    "));
    if v.serialize(&mut ser).is_err() {
        return String::new();
    }
    String::from_utf8(buf).unwrap_or_default()
}

fn json_item(api: &dyn KubeApi, res: Resource, row: &[String], all_ns: bool, listing_ns: &str) -> serde_json::Value {
    let name_col = usize::from(all_ns && res.namespaced());
    let name = &row[name_col];
    let ns = if all_ns && res.namespaced() {
        row[0].clone()
    } else {
        listing_ns.to_string()
    };
    match res {
        Resource::Nodes => api
            .cluster()
            .node_id(name)
            .map(|id| objects::node_json(api.cluster(), id))
            .unwrap_or_default(),
        Resource::Pods => {
            let ns = if ns.is_empty() { None } else { Some(ns) };
            objects::find_pod_json(api.cluster(), ns.as_deref(), name).unwrap_or_default()
        }
        _ => {
            let ns = (res.namespaced() && !ns.is_empty()).then_some(ns.as_str());
            objects::get(api.cluster(), res, ns, name)
                .map(|o| o.to_json())
                .unwrap_or_default()
        }
    }
}

#[allow(dead_code)]
fn cpu_text(m: u64) -> String {
    format_cpu_milli(m)
}
