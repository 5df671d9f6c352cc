//! `kubectl get`: the server's tables for every modelled kind (with `wide`, `-A`, `-l`,
//! `--field-selector`, `--sort-by`, `--show-labels`, `-L`, `--no-headers`, several kinds at
//! once and `all`), and whole objects through the `-o` printers of `printer`.

use super::flags::{self, Kind, Parsed, flag};
use super::printer::{self, Format};
use super::sort::SortBy;
use super::{Local, fail, stderr, stdout, usage_error};
use crate::model::objects::{self, ApiObject};
use crate::model::*;
use crate::shell::CommandOutput;
use crate::tabwriter::render;
use crate::tools::api::KubeApi;
use serde_json::Value;
use std::sync::Arc;

const SPECS: &[flags::Spec] = &[
    flag("output", Some('o'), Kind::Str),
    flag("all-namespaces", Some('A'), Kind::Bool),
    flag("selector", Some('l'), Kind::Str),
    flag("field-selector", None, Kind::Str),
    flag("no-headers", None, Kind::Bool),
    flag("show-labels", None, Kind::Bool),
    flag("watch", Some('w'), Kind::Bool),
    flag("label-columns", Some('L'), Kind::List),
    flag("sort-by", None, Kind::Str),
    flag("template", None, Kind::Str),
    flag("show-kind", None, Kind::Bool),
    flag("ignore-not-found", None, Kind::Bool),
    flag("allow-missing-template-keys", None, Kind::Bool),
    flag("chunk-size", None, Kind::Int),
    flag("show-managed-fields", None, Kind::Bool),
];

/// The kinds kubectl can get: those the API server serves from the model.
pub(crate) use crate::model::objects::ResourceKind as Resource;

/// Known Kubernetes resource words this simulator does not model.
const OTHER_RESOURCES: &[&str] = &[
    "crd",
    "crds",
    "customresourcedefinitions",
    "clusterroles",
    "roles",
    "rolebindings",
    "clusterrolebindings",
    "csr",
    "certificatesigningrequests",
    "componentstatuses",
    "cs",
    "rc",
    "replicationcontrollers",
    "limitranges",
    "limits",
    "resourcequotas",
    "quota",
    "podtemplates",
    "controllerrevisions",
    "csidrivers",
    "csinodes",
    "volumeattachments",
    "mutatingwebhookconfigurations",
    "validatingwebhookconfigurations",
    "apiservices",
    "runtimeclasses",
    "ingressclasses",
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
    flag("label-columns", Some('L'), Kind::List),
    flag("sort-by", None, Kind::Str),
    flag("template", None, Kind::Str),
    flag("show-kind", None, Kind::Bool),
    flag("ignore-not-found", None, Kind::Bool),
    flag("allow-missing-template-keys", None, Kind::Bool),
    flag("chunk-size", None, Kind::Int),
];

/// The kinds `kubectl get all` lists, in its order (those the model holds).
const ALL: &[Resource] = &[
    Resource::Pods,
    Resource::Services,
    Resource::DaemonSets,
    Resource::Deployments,
    Resource::ReplicaSets,
    Resource::StatefulSets,
    Resource::HorizontalPodAutoscalers,
    Resource::CronJobs,
    Resource::Jobs,
];

/// One `field=value` or `field!=value` of `--field-selector`.
#[derive(Clone, Debug)]
pub(crate) struct FieldReq {
    field: String,
    value: String,
    equal: bool,
}

impl FieldReq {
    fn matches(&self, actual: &str) -> bool {
        (actual == self.value) == self.equal
    }

    /// `a=b,c!=d` (`==` too), as the API server parses a field selector.
    fn parse_all(text: &str) -> Result<Vec<Self>, String> {
        let mut out = Vec::new();
        for part in text.split(',').filter(|p| !p.is_empty()) {
            let (field, value, equal) = if let Some((f, v)) = part.split_once("!=") {
                (f, v, false)
            } else if let Some((f, v)) = part.split_once("==") {
                (f, v, true)
            } else if let Some((f, v)) = part.split_once('=') {
                (f, v, true)
            } else {
                return Err(format!("invalid selector: '{text}'; can't understand '{part}'"));
            };
            out.push(Self {
                field: field.trim().to_string(),
                value: value.trim().to_string(),
                equal,
            });
        }
        Ok(out)
    }
}

/// What one `get` prints, once its flags are understood.
struct Request<'a> {
    format: Format,
    all_ns: bool,
    ns: String,
    label_sel: Option<Selector>,
    fields: Vec<FieldReq>,
    sort: Option<SortBy>,
    label_columns: Vec<String>,
    show_labels: bool,
    no_headers: bool,
    with_kind: bool,
    p: &'a Parsed,
}

pub(crate) fn run(api: &mut dyn KubeApi, args: &[String], local: &Local) -> CommandOutput {
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
    if p.positional.is_empty() {
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
    }
    let (kinds, single) = match resource_args(&p.positional) {
        Ok(r) => r,
        Err(out) => return out,
    };
    let format = match Format::parse(p.str("output").unwrap_or(""), p.str("template"), local) {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
    let label_sel = match p.str("selector").map(Selector::parse).transpose() {
        Ok(s) => s,
        Err(e) => return fail(format!("error: {e}")),
    };
    let fields = match p.str("field-selector").map(FieldReq::parse_all).transpose() {
        Ok(f) => f.unwrap_or_default(),
        Err(e) => return fail(format!("Error from server (BadRequest): {e}")),
    };
    let sort = match p
        .str("sort-by")
        .filter(|s| !s.is_empty())
        .map(SortBy::parse)
        .transpose()
    {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let has_names = kinds.iter().any(|(_, names)| !names.is_empty());
    let req = Request {
        format,
        all_ns: p.bool("all-namespaces") && !has_names,
        ns: p.str("namespace").unwrap_or("default").to_string(),
        label_sel,
        fields,
        sort,
        label_columns: p.list("label-columns"),
        show_labels: p.bool("show-labels"),
        no_headers: p.bool("no-headers"),
        with_kind: kinds.len() > 1 || p.bool("show-kind"),
        p: &p,
    };
    print_kinds(api, &req, &kinds, single)
}

/// The kinds and names the positional arguments ask for: `TYPE[,TYPE…] [NAME…]` or
/// `TYPE/NAME…`. `single` when exactly one object is named (printed bare, not as a List).
#[allow(clippy::type_complexity)]
fn resource_args(pos: &[String]) -> Result<(Vec<(Resource, Vec<String>)>, bool), CommandOutput> {
    let parse = |word: &str| -> Result<Vec<Resource>, CommandOutput> {
        if word == "all" {
            return Ok(ALL.to_vec());
        }
        if let Some(r) = Resource::parse(word) {
            return Ok(vec![r]);
        }
        if OTHER_RESOURCES.contains(&word) {
            return Err(fail(format!(
                "kubedrill: `kubectl get {word}` is not modelled by the simulator (run `kubectl api-resources` for the kinds it serves)"
            )));
        }
        Err(fail(format!(
            "error: the server doesn't have a resource type \"{word}\""
        )))
    };
    let mut out: Vec<(Resource, Vec<String>)> = Vec::new();
    if pos[0].contains('/') {
        for a in pos {
            let Some((word, name)) = a.split_once('/') else {
                return Err(fail(
                    "error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'",
                ));
            };
            for r in parse(word)? {
                match out.iter_mut().find(|(k, _)| *k == r) {
                    Some((_, names)) => names.push(name.to_string()),
                    None => out.push((r, vec![name.to_string()])),
                }
            }
        }
        let single = pos.len() == 1;
        return Ok((out, single));
    }
    let names: Vec<String> = pos[1..].to_vec();
    for word in pos[0].split(',').filter(|w| !w.is_empty()) {
        for r in parse(word)? {
            if !out.iter().any(|(k, _)| *k == r) {
                out.push((r, names.clone()));
            }
        }
    }
    let single = out.len() == 1 && names.len() == 1;
    Ok((out, single))
}

/// One kind's rows, after selection, sorting and label columns: header first, then one row
/// per object with the object's (namespace, name).
struct Table {
    header: Vec<String>,
    rows: Vec<(String, String, Vec<String>)>,
}

fn print_kinds(api: &dyn KubeApi, req: &Request, kinds: &[(Resource, Vec<String>)], single: bool) -> CommandOutput {
    let mut out = CommandOutput::default();
    let mut missing = Vec::new();
    let mut items: Vec<Value> = Vec::new();
    let mut printed_tables = 0;
    for (res, names) in kinds {
        for f in &req.fields {
            if let Err(e) = objects::check_field(*res, &f.field) {
                let sel = req.p.str("field-selector").unwrap_or_default();
                let label = req.p.str("selector").unwrap_or_default();
                let mut out = out;
                stderr(
                    &mut out,
                    format!(
                        "Error from server (BadRequest): Unable to find \"{}\" that match label selector \"{label}\", field selector \"{sel}\": {}",
                        res.gvr(),
                        e.message
                    ),
                );
                out.status = 1;
                return out;
            }
        }
        let table = match table_of(api, req, *res, names, &mut missing) {
            Ok(t) => t,
            Err(e) => return fail(e),
        };
        if req.format.is_table() {
            if table.rows.is_empty() {
                continue;
            }
            if printed_tables > 0 {
                stdout(&mut out, "");
            }
            printed_tables += 1;
            let mut rows: Vec<Vec<String>> = Vec::new();
            if !req.no_headers {
                rows.push(table.header.clone());
            }
            rows.extend(table.rows.into_iter().map(|(_, _, r)| r));
            for l in render(&rows, api.kubectl().table_min_width) {
                stdout(&mut out, l);
            }
        } else {
            for (ns, name, _) in &table.rows {
                items.push(object_json(api, *res, ns, name));
            }
        }
    }
    if !req.format.is_table() {
        if let Some(sort) = &req.sort {
            match sort.order(&items) {
                Ok(order) => {
                    // Moved into the sorted order, not copied: a listing can be thousands of pods.
                    let mut slots: Vec<Option<Value>> = items.into_iter().map(Some).collect();
                    items = order
                        .into_iter()
                        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
                        .collect();
                }
                Err(e) => return fail(e),
            }
        }
        let doc = if single && items.len() == 1 {
            items.pop().unwrap_or_default()
        } else if single && items.is_empty() {
            Value::Null
        } else {
            printer::list_of(items)
        };
        if !doc.is_null()
            && let Err(e) = printer::print(&mut out, &req.format, &doc, req.no_headers)
        {
            stderr(&mut out, e);
            out.status = 1;
            return out;
        }
    } else if printed_tables == 0 && missing.is_empty() && !kinds.iter().any(|(_, n)| !n.is_empty()) {
        let k = api.kubectl();
        let namespaced = kinds.iter().any(|(r, _)| r.namespaced());
        if !k.no_resources_names_namespace {
            stderr(&mut out, "No resources found.");
        } else if k.no_resources_always_namespace || (namespaced && !req.all_ns) {
            stderr(&mut out, format!("No resources found in {} namespace.", req.ns));
        } else {
            stderr(&mut out, "No resources found");
        }
    }
    if !missing.is_empty() && !req.p.bool("ignore-not-found") {
        // Found objects print first, then every NotFound; the exit status is 1.
        for m in missing {
            stderr(&mut out, m);
        }
        out.status = 1;
    }
    out
}

/// The rows of one kind: collected, filtered by fields the model cannot filter on directly,
/// sorted, with the kind prefix and label columns kubectl adds.
fn table_of(
    api: &dyn KubeApi,
    req: &Request,
    res: Resource,
    names: &[String],
    missing: &mut Vec<String>,
) -> Result<Table, String> {
    let listing = Listing {
        all_ns: req.all_ns,
        ns: &req.ns,
        names,
        label_sel: req.label_sel.as_ref(),
        fields: &req.fields,
    };
    let wide = matches!(req.format, Format::Table { wide: true });
    let name_col = usize::from(req.all_ns && res.namespaced());
    let (mut rows, keys) = if super::get_core::handles(res) {
        let (rows, keys, gone) =
            super::get_core::rows(api, res, req.all_ns, &req.ns, names, req.label_sel.as_ref(), wide);
        missing.extend(gone);
        (rows, Some(keys))
    } else {
        let (rows, gone) = collect(api, res, &listing, wide);
        missing.extend(gone);
        (rows, None)
    };
    let mut header = if rows.is_empty() { Vec::new() } else { rows.remove(0) };
    let mut keyed: Vec<(String, String, Vec<String>)> = match keys {
        Some(keys) => keys.into_iter().zip(rows).map(|((ns, n), r)| (ns, n, r)).collect(),
        None => rows
            .into_iter()
            .map(|r| {
                let ns = if req.all_ns && res.namespaced() {
                    r[0].clone()
                } else if res.namespaced() {
                    req.ns.clone()
                } else {
                    String::new()
                };
                (ns, r[name_col].clone(), r)
            })
            .collect(),
    };
    // Fields the compact model does not answer for (nodes and pods filter in `collect`).
    if !matches!(res, Resource::Pods | Resource::Nodes) && !req.fields.is_empty() {
        keyed.retain(|(ns, name, _)| {
            let Ok(o) = api.get(res, Some(ns.as_str()).filter(|n| !n.is_empty()), name) else {
                return false;
            };
            req.fields
                .iter()
                .all(|f| f.matches(&objects::field_value(&o, &f.field).unwrap_or_default()))
        });
    }
    if req.format.is_table() {
        if let Some(sort) = &req.sort {
            let objs: Vec<Value> = keyed.iter().map(|(ns, n, _)| object_json(api, res, ns, n)).collect();
            let order = sort.order(&objs)?;
            let mut slots: Vec<Option<(String, String, Vec<String>)>> = keyed.into_iter().map(Some).collect();
            keyed = order.into_iter().filter_map(|i| slots[i].take()).collect();
        }
        if req.with_kind && res != Resource::Events {
            for (_, _, r) in &mut keyed {
                r[name_col] = format!("{}/{}", res.kind_group(), r[name_col]);
            }
        }
        if !req.label_columns.is_empty() || req.show_labels {
            for (ns, name, r) in &mut keyed {
                let labels = labels_of(api, res, ns, name);
                for key in &req.label_columns {
                    r.push(labels.get(key).cloned().unwrap_or_default());
                }
                if req.show_labels {
                    r.push(labels_cell(&labels));
                }
            }
            for key in &req.label_columns {
                header.push(key.rsplit('/').next().unwrap_or(key).to_uppercase());
            }
            if req.show_labels {
                header.push("LABELS".into());
            }
        }
    }
    Ok(Table { header, rows: keyed })
}

/// An object's labels, from the model where it keeps them.
fn labels_of(api: &dyn KubeApi, res: Resource, ns: &str, name: &str) -> Labels {
    match res {
        Resource::Nodes => api
            .cluster()
            .node_id(name)
            .map(|id| api.cluster().node(id).labels.clone())
            .unwrap_or_default(),
        Resource::Pods => api
            .cluster()
            .pod_id(ns, name)
            .and_then(|id| api.cluster().pod(id))
            .map(|p| (*p.labels).clone())
            .unwrap_or_default(),
        _ => api
            .get(res, Some(ns).filter(|n| !n.is_empty()), name)
            .ok()
            .and_then(|o| o.metadata().labels.clone())
            .unwrap_or_default(),
    }
}

/// A pod's value for a field selector, straight from the model.
fn pod_field(api: &dyn KubeApi, pod: &Pod, field: &str) -> String {
    match field {
        "metadata.name" => pod.name.to_string(),
        "metadata.namespace" => pod.namespace.to_string(),
        "spec.nodeName" | "spec.host" => pod
            .node
            .map(|n| api.cluster().node(n).name.to_string())
            .unwrap_or_default(),
        "status.phase" => pod.phase.as_str().to_string(),
        "spec.restartPolicy" => pod.template.restart_policy.to_string(),
        "spec.schedulerName" => "default-scheduler".into(),
        "spec.serviceAccountName" => pod
            .template
            .spec
            .service_account_name
            .clone()
            .unwrap_or_else(|| "default".into()),
        "spec.hostNetwork" => pod.template.spec.host_network.unwrap_or(false).to_string(),
        "status.podIP" => match pod_ip(api, pod).as_str() {
            "<none>" => String::new(),
            ip => ip.to_string(),
        },
        _ => String::new(),
    }
}

/// A node's value for a field selector.
fn node_field(n: &Node, field: &str) -> String {
    match field {
        "metadata.name" => n.name.to_string(),
        "spec.unschedulable" => n.unschedulable.to_string(),
        _ => String::new(),
    }
}

struct Listing<'a> {
    all_ns: bool,
    ns: &'a str,
    names: &'a [String],
    label_sel: Option<&'a Selector>,
    fields: &'a [FieldReq],
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

/// Rows of the table, header first, and the NotFound errors of names that do not exist.
fn collect(api: &dyn KubeApi, res: Resource, l: &Listing, wide: bool) -> (Vec<Vec<String>>, Vec<String>) {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut missing = Vec::new();
    match res {
        Resource::Nodes => {
            // Node tables had no INTERNAL-IP column before 1.11.
            let internal_ip = api.kubectl().minor >= 11;
            // ROLES and CONTAINER-RUNTIME came with 1.8 (kubernetes#50010 shows 1.7's table).
            let since_1_8 = api.kubectl().minor >= 8;
            let mut header = vec!["NAME", "STATUS"];
            if since_1_8 {
                header.push("ROLES");
            }
            header.extend(["AGE", "VERSION"]);
            if wide && internal_ip {
                header.push("INTERNAL-IP");
            }
            if wide {
                header.extend(["EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION"]);
                if since_1_8 {
                    header.push("CONTAINER-RUNTIME");
                }
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
                if l.label_sel.is_some_and(|s| !s.matches(&n.labels))
                    || !l.fields.iter().all(|f| f.matches(&node_field(n, &f.field)))
                {
                    continue;
                }
                let mut row = vec![n.name.to_string(), n.status_text().into()];
                if since_1_8 {
                    row.push(n.roles_text());
                }
                row.extend([age(api, n.created_at), n.kubelet_version.to_string()]);
                if wide {
                    if internal_ip {
                        row.push(n.internal_ip.clone());
                    }
                    row.extend(["<none>".into(), n.os_image.clone(), n.kernel_version.clone()]);
                    if since_1_8 {
                        row.push(n.container_runtime.clone());
                    }
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
                if !l.fields.iter().all(|f| f.matches(&pod_field(api, pod, &f.field))) {
                    continue;
                }
                rows.push(pod_row(api, pod, l.all_ns, wide));
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
    (rows, missing)
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
    objects::pod_ip(api.cluster(), pod).unwrap_or_else(|| "<none>".into())
}

fn pod_row(api: &dyn KubeApi, pod: &Pod, all_ns: bool, wide: bool) -> Vec<String> {
    let mut row = ns_cell(all_ns, &pod.namespace);
    let restarts = match (pod.restarts, pod.last_restart) {
        // The API server prints the table (kubectl asks for it), so its release decides.
        (n, Some(t)) if n > 0 && api.cluster().version.minor >= 22 => {
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
            // A ReplicaSet's selector carries its pod-template-hash; the others' is their
            // own (the DaemonSet controller's revision hash is not in it).
            let own = objects::label_selector(&w.selector).match_labels.unwrap_or_default();
            let selector = if w.kind == WorkloadKind::ReplicaSet {
                &w.pod_labels
            } else if own.is_empty() {
                &w.template.labels
            } else {
                &own
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

/// An object whole, as JSON with its `apiVersion` and `kind`.
fn object_json(api: &dyn KubeApi, res: Resource, ns: &str, name: &str) -> Value {
    let ns = (res.namespaced() && !ns.is_empty()).then_some(ns);
    let mut v = api
        .get(res, ns, name)
        .map(|o: ApiObject| o.to_json())
        .unwrap_or_default();
    served_as(api, &mut v);
    v
}

/// An object as the cluster's API server sends it: at the version it prefers for the kind
/// (an older cluster serves budgets at policy/v1beta1, workloads at apps/v1beta2, …).
pub(crate) fn served_as(api: &dyn KubeApi, v: &mut Value) {
    let Some(kind) = v.get("kind").and_then(Value::as_str) else {
        return;
    };
    if let Some(gv) = crate::release::api::preferred_version(&api.cluster().version, kind)
        && v.get("apiVersion").and_then(Value::as_str) != Some(gv.as_str())
    {
        v["apiVersion"] = Value::String(gv);
    }
}
