//! Server-side printing: the `Table` (meta.k8s.io/v1) an API server returns when kubectl asks
//! for `as=Table`, with the columns and cells of the API server's own printers
//! (`pkg/printers/internalversion`), computed from the API objects. The kinds the sim keeps
//! whole (ConfigMaps, Services, Leases, Events, ...) print through the sim's own printer for
//! them (`kubectl::server_columns`); the compact kinds' printers are here.

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use kubedrill_sim::Sim;
use kubedrill_sim::model::objects::{ApiObject, ResourceKind, format_label_selector as selector_text};
use kubedrill_sim::time::SimDuration;
use kubedrill_sim::version::KubeVersion;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// What the printers need besides the objects.
pub struct PrintContext<'a> {
    /// The API server's current time as a Unix timestamp (seconds).
    pub now_s: i64,
    pub server: KubeVersion,
    /// The cluster, for the printers of the kinds the sim keeps whole.
    pub sim: &'a Sim,
}

/// (name, type, priority): priority 1 columns show with `-o wide` only.
type Column = (&'static str, &'static str, u8);

/// The columns of a kind's table; `None` for a resource the model has no kind of (its lists
/// are empty, and get the generic Name and Age).
fn columns(kind: Option<ResourceKind>, server: &KubeVersion) -> Vec<Column> {
    match kind {
        Some(k) if ResourceKind::ALL.contains(&k) => compact_columns(k, server),
        Some(k) => kubedrill_sim::server_columns(k, server.minor)
            .into_iter()
            .map(|(name, wide)| (name, "string", u8::from(wide)))
            .collect(),
        None => vec![("Name", "string", 0), ("Age", "string", 0)],
    }
}

fn compact_columns(kind: ResourceKind, server: &KubeVersion) -> Vec<Column> {
    let s = "string";
    let i = "integer";
    let wide_workload = [("Containers", s, 1), ("Images", s, 1), ("Selector", s, 1)];
    let mut cols: Vec<Column> = match kind {
        ResourceKind::Nodes => vec![
            ("Name", s, 0),
            ("Status", s, 0),
            ("Roles", s, 0),
            ("Age", s, 0),
            ("Version", s, 0),
            ("Internal-IP", s, 1),
            ("External-IP", s, 1),
            ("OS-Image", s, 1),
            ("Kernel-Version", s, 1),
            ("Container-Runtime", s, 1),
        ],
        ResourceKind::Pods => vec![
            ("Name", s, 0),
            ("Ready", s, 0),
            ("Status", s, 0),
            ("Restarts", if server.minor >= 22 { s } else { i }, 0),
            ("Age", s, 0),
            ("IP", s, 1),
            ("Node", s, 1),
            ("Nominated Node", s, 1),
            ("Readiness Gates", s, 1),
        ],
        ResourceKind::Namespaces => vec![("Name", s, 0), ("Status", s, 0), ("Age", s, 0)],
        ResourceKind::Deployments => [
            ("Name", s, 0),
            ("Ready", s, 0),
            ("Up-to-date", i, 0),
            ("Available", i, 0),
            ("Age", s, 0),
        ]
        .into_iter()
        .chain(wide_workload)
        .collect(),
        ResourceKind::ReplicaSets => [
            ("Name", s, 0),
            ("Desired", i, 0),
            ("Current", i, 0),
            ("Ready", i, 0),
            ("Age", s, 0),
        ]
        .into_iter()
        .chain(wide_workload)
        .collect(),
        ResourceKind::DaemonSets => [
            ("Name", s, 0),
            ("Desired", i, 0),
            ("Current", i, 0),
            ("Ready", i, 0),
            ("Up-to-date", i, 0),
            ("Available", i, 0),
            ("Node Selector", s, 0),
            ("Age", s, 0),
        ]
        .into_iter()
        .chain(wide_workload)
        .collect(),
        ResourceKind::StatefulSets => vec![
            ("Name", s, 0),
            ("Ready", s, 0),
            ("Age", s, 0),
            ("Containers", s, 1),
            ("Images", s, 1),
        ],
        ResourceKind::Jobs => {
            let mut v = vec![("Name", s, 0)];
            if server.minor >= 31 {
                v.push(("Status", s, 0));
            }
            v.extend([("Completions", s, 0), ("Duration", s, 0), ("Age", s, 0)]);
            v.extend(wide_workload);
            v
        }
        ResourceKind::Pdbs => vec![
            ("Name", s, 0),
            ("Min Available", s, 0),
            ("Max Unavailable", s, 0),
            ("Allowed Disruptions", i, 0),
            ("Age", s, 0),
        ],
        _ => vec![("Name", s, 0), ("Age", s, 0)],
    };
    cols.shrink_to_fit();
    cols
}

fn column_definitions(cols: &[Column]) -> Value {
    Value::Array(
        cols.iter()
            .map(|(name, ty, priority)| {
                let mut d = json!({"name": name, "type": ty, "format": "", "description": "", "priority": priority});
                if *name == "Name" {
                    d["format"] = "name".into();
                }
                d
            })
            .collect(),
    )
}

/// How much of the object a row carries (`includeObject`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Include {
    None,
    Metadata,
    Object,
}

/// The Table of `objects`, all of kind `kind`.
pub fn table(
    kind: Option<ResourceKind>,
    objects: &[ApiObject],
    ctx: &PrintContext,
    include: Include,
    list_meta: &Value,
) -> Value {
    serde_json::from_slice(&table_bytes(kind, objects, ctx, include, list_meta)).unwrap_or_default()
}

/// [`table`], written straight to bytes (the rows' objects are not built as `Value`s): a table
/// can have 150,000 rows.
pub fn table_bytes(
    kind: Option<ResourceKind>,
    objects: &[ApiObject],
    ctx: &PrintContext,
    include: Include,
    list_meta: &Value,
) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Partial<'a> {
        kind: &'static str,
        #[serde(rename = "apiVersion")]
        api_version: &'static str,
        metadata: &'a ObjectMeta,
    }
    let cols = columns(kind, &ctx.server);
    let mut out = Vec::with_capacity(1024 + objects.len() * 640);
    out.extend_from_slice(br#"{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":"#);
    let _ = serde_json::to_writer(&mut out, list_meta);
    out.extend_from_slice(br#","columnDefinitions":"#);
    let _ = serde_json::to_writer(&mut out, &column_definitions(&cols));
    out.extend_from_slice(br#","rows":["#);
    for (i, o) in objects.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(br#"{"cells":"#);
        let _ = serde_json::to_writer(&mut out, &cells(o, ctx));
        match include {
            Include::None => {}
            Include::Metadata => {
                out.extend_from_slice(br#","object":"#);
                let partial = Partial {
                    kind: "PartialObjectMetadata",
                    api_version: "meta.k8s.io/v1",
                    metadata: o.metadata(),
                };
                let _ = serde_json::to_writer(&mut out, &partial);
            }
            Include::Object => {
                out.extend_from_slice(br#","object":"#);
                let _ = serde_json::to_writer(&mut out, o);
            }
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    out
}

fn age(meta: &ObjectMeta, ctx: &PrintContext) -> Value {
    match &meta.creation_timestamp {
        Some(t) => since(t, ctx).into(),
        None => "<unknown>".into(),
    }
}

fn since(t: &Time, ctx: &PrintContext) -> String {
    let secs = (ctx.now_s - t.0.as_second()).max(0) as u64;
    SimDuration::from_secs(secs).human()
}

fn or_none(s: String) -> String {
    if s.is_empty() { "<none>".into() } else { s }
}

fn labels_text(l: &BTreeMap<String, String>) -> String {
    or_none(l.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(","))
}

fn containers_images(spec: Option<&core::PodSpec>) -> (String, String) {
    let cs = spec.map(|s| s.containers.as_slice()).unwrap_or_default();
    (
        cs.iter().map(|c| c.name.clone()).collect::<Vec<_>>().join(","),
        cs.iter()
            .map(|c| c.image.clone().unwrap_or_default())
            .collect::<Vec<_>>()
            .join(","),
    )
}

fn cells(o: &ApiObject, ctx: &PrintContext) -> Vec<Value> {
    let m = o.metadata();
    let name: Value = m.name.clone().unwrap_or_default().into();
    match o {
        ApiObject::Node(n) => node_cells(n, name, ctx),
        ApiObject::Pod(p) => pod_cells(p, name, ctx),
        ApiObject::Namespace(ns) => vec![
            name,
            ns.status
                .as_ref()
                .and_then(|s| s.phase.clone())
                .unwrap_or_default()
                .into(),
            age(m, ctx),
        ],
        ApiObject::Deployment(d) => {
            let spec = Some(&d.spec);
            let st = d.status.clone().unwrap_or_default();
            let (c, i) = containers_images(spec.and_then(|s| s.template.spec.as_ref()));
            vec![
                name,
                format!(
                    "{}/{}",
                    st.ready_replicas.unwrap_or(0),
                    spec.and_then(|s| s.replicas).unwrap_or(0)
                )
                .into(),
                st.updated_replicas.unwrap_or(0).into(),
                st.available_replicas.unwrap_or(0).into(),
                age(m, ctx),
                c.into(),
                i.into(),
                selector_text(spec.map(|s| &s.selector)).into(),
            ]
        }
        ApiObject::ReplicaSet(rs) => {
            let spec = Some(&rs.spec);
            let st = rs.status.clone().unwrap_or_default();
            let (c, i) = containers_images(spec.and_then(|s| s.template.as_ref()).and_then(|t| t.spec.as_ref()));
            vec![
                name,
                spec.and_then(|s| s.replicas).unwrap_or(0).into(),
                st.replicas.into(),
                st.ready_replicas.unwrap_or(0).into(),
                age(m, ctx),
                c.into(),
                i.into(),
                selector_text(spec.map(|s| &s.selector)).into(),
            ]
        }
        ApiObject::DaemonSet(ds) => {
            let spec = Some(&ds.spec);
            let st = ds.status.clone().unwrap_or_default();
            let pod_spec = spec.and_then(|s| s.template.spec.as_ref());
            let (c, i) = containers_images(pod_spec);
            vec![
                name,
                st.desired_number_scheduled.into(),
                st.current_number_scheduled.into(),
                st.number_ready.into(),
                st.updated_number_scheduled.unwrap_or(0).into(),
                st.number_available.unwrap_or(0).into(),
                labels_text(&pod_spec.and_then(|s| s.node_selector.clone()).unwrap_or_default()).into(),
                age(m, ctx),
                c.into(),
                i.into(),
                selector_text(spec.map(|s| &s.selector)).into(),
            ]
        }
        ApiObject::StatefulSet(ss) => {
            let spec = Some(&ss.spec);
            let st = ss.status.clone().unwrap_or_default();
            let (c, i) = containers_images(spec.and_then(|s| s.template.spec.as_ref()));
            vec![
                name,
                format!(
                    "{}/{}",
                    st.ready_replicas.unwrap_or(0),
                    spec.and_then(|s| s.replicas).unwrap_or(0)
                )
                .into(),
                age(m, ctx),
                c.into(),
                i.into(),
            ]
        }
        ApiObject::Job(j) => job_cells(j, name, ctx),
        ApiObject::PodDisruptionBudget(b) => {
            let spec = b.spec.clone().unwrap_or_default();
            let text = |v: Option<k8s_openapi::apimachinery::pkg::util::intstr::IntOrString>| match v {
                Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(n)) => n.to_string(),
                Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s)) => s,
                None => "N/A".into(),
            };
            vec![
                name,
                text(spec.min_available).into(),
                text(spec.max_unavailable).into(),
                b.status
                    .as_ref()
                    .and_then(|s| s.disruptions_allowed)
                    .unwrap_or(0)
                    .into(),
                age(m, ctx),
            ]
        }
        whole => kubedrill_sim::server_cells(ctx.sim, whole)
            .into_iter()
            .map(Value::from)
            .collect(),
    }
}

fn node_cells(n: &core::Node, name: Value, ctx: &PrintContext) -> Vec<Value> {
    let st = n.status.clone().unwrap_or_default();
    let ready = st
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "Ready")
        .map(|c| if c.status == "True" { "Ready" } else { "NotReady" });
    let mut status = ready.unwrap_or("Unknown").to_string();
    if n.spec.as_ref().and_then(|s| s.unschedulable).unwrap_or(false) {
        status.push_str(",SchedulingDisabled");
    }
    let mut roles: Vec<String> = n
        .metadata
        .labels
        .iter()
        .flatten()
        .filter_map(|(k, v)| {
            k.strip_prefix("node-role.kubernetes.io/")
                .filter(|r| !r.is_empty())
                .map(str::to_string)
                .or_else(|| (k == "kubernetes.io/role").then(|| v.clone()))
        })
        .collect();
    roles.sort();
    roles.dedup();
    let addr = |t: &str| {
        st.addresses
            .iter()
            .flatten()
            .find(|a| a.type_ == t)
            .map(|a| a.address.clone())
            .unwrap_or_else(|| "<none>".into())
    };
    let info = st.node_info.clone().unwrap_or_default();
    let unknown = |s: String| if s.is_empty() { "<unknown>".to_string() } else { s };
    vec![
        name,
        status.into(),
        or_none(roles.join(",")).into(),
        age(&n.metadata, ctx),
        info.kubelet_version.clone().into(),
        addr("InternalIP").into(),
        addr("ExternalIP").into(),
        unknown(info.os_image).into(),
        unknown(info.kernel_version).into(),
        unknown(info.container_runtime_version).into(),
    ]
}

fn pod_cells(p: &core::Pod, name: Value, ctx: &PrintContext) -> Vec<Value> {
    let (default_spec, default_status) = (core::PodSpec::default(), core::PodStatus::default());
    let spec = p.spec.as_ref().unwrap_or(&default_spec);
    let st = p.status.as_ref().unwrap_or(&default_status);
    let total = spec.containers.len();
    let mut ready = 0;
    let mut restarts = 0;
    let mut last_restart: Option<i64> = None;
    let mut reason = st.phase.clone().unwrap_or_default();
    if let Some(r) = st.reason.clone().filter(|r| !r.is_empty()) {
        reason = r;
    }
    let mut has_running = false;
    for c in st.container_statuses.iter().flatten().rev() {
        restarts += c.restart_count;
        if let Some(t) = c
            .last_state
            .as_ref()
            .and_then(|s| s.terminated.as_ref())
            .and_then(|t| t.finished_at.as_ref())
        {
            last_restart = Some(last_restart.map_or(t.0.as_second(), |l| l.max(t.0.as_second())));
        }
        let state = c.state.clone().unwrap_or_default();
        if let Some(w) = state
            .waiting
            .as_ref()
            .and_then(|w| w.reason.clone())
            .filter(|r| !r.is_empty())
        {
            reason = w;
        } else if let Some(t) = state.terminated.as_ref() {
            reason = t
                .reason
                .clone()
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| format!("ExitCode:{}", t.exit_code));
        } else if c.ready && state.running.is_some() {
            has_running = true;
            ready += 1;
        }
    }
    if reason == "Completed" && has_running {
        reason = "Running".into();
    }
    if p.metadata.deletion_timestamp.is_some() {
        reason = if st.reason.as_deref() == Some("NodeLost") {
            "Unknown".into()
        } else {
            "Terminating".into()
        };
    }
    let restarts_cell: Value = if ctx.server.minor >= 22 {
        match last_restart {
            Some(t) if restarts != 0 => format!(
                "{restarts} ({} ago)",
                SimDuration::from_secs((ctx.now_s - t).max(0) as u64).human()
            )
            .into(),
            _ => restarts.to_string().into(),
        }
    } else {
        restarts.into()
    };
    let ip = st
        .pod_ips
        .as_ref()
        .and_then(|ips| ips.first())
        .map(|ip| ip.ip.clone())
        .unwrap_or_default();
    vec![
        name,
        format!("{ready}/{total}").into(),
        reason.into(),
        restarts_cell,
        age(&p.metadata, ctx),
        or_none(ip).into(),
        or_none(spec.node_name.clone().unwrap_or_default()).into(),
        or_none(st.nominated_node_name.clone().unwrap_or_default()).into(),
        "<none>".into(),
    ]
}

fn job_cells(j: &k8s_openapi::api::batch::v1::Job, name: Value, ctx: &PrintContext) -> Vec<Value> {
    let spec = j.spec.clone().unwrap_or_default();
    let st = j.status.clone().unwrap_or_default();
    let completions = match spec.completions {
        Some(c) => format!("{}/{c}", st.succeeded.unwrap_or(0)),
        None => format!("{}/1 of {}", st.succeeded.unwrap_or(0), spec.parallelism.unwrap_or(1)),
    };
    let duration = match (&st.start_time, &st.completion_time) {
        (Some(s), Some(c)) => SimDuration::from_secs((c.0.as_second() - s.0.as_second()).max(0) as u64).human(),
        (Some(s), None) => since(s, ctx),
        _ => String::new(),
    };
    let complete = st
        .conditions
        .iter()
        .flatten()
        .any(|c| c.type_ == "Complete" && c.status == "True");
    let (c, i) = containers_images(spec.template.spec.as_ref());
    let mut cells: Vec<Value> = vec![name];
    if ctx.server.minor >= 31 {
        cells.push(if complete { "Complete" } else { "Running" }.into());
    }
    cells.extend([
        completions.into(),
        duration.into(),
        age(&j.metadata, ctx),
        c.into(),
        i.into(),
        selector_text(spec.selector.as_ref()).into(),
    ]);
    cells
}
