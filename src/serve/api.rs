//! One API request in, one answer out: path routing, query parameters, content negotiation,
//! patches and Status errors, over a [`KubeBackend`]. No sockets here (the HTTP server in
//! `server.rs` moves bytes), so every answer can be tested by calling [`handle`].

use super::backend::{ApiError, FieldRequirement, KubeBackend, ListQuery, Object};
use super::discovery;
use super::kinds::{self, Info, Kind};
use super::patch;
use super::protobuf;
use super::tables::{self, Include, PrintContext};
use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::core::v1 as core;
use kubedrill_sim::api_write::ApiOutage;
use kubedrill_sim::model::Selector;
use kubedrill_sim::time::SimDuration;
use serde_json::{Value, json};

#[derive(Clone, Debug, Default)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub accept: String,
    pub content_type: String,
    pub body: Vec<u8>,
    /// `host:port` the client reached (for `serverAddressByClientCIDRs`).
    pub server_address: String,
}

impl Request {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn dry_run(&self) -> bool {
        self.query.iter().any(|(k, v)| k == "dryRun" && v == "All")
    }

    fn wants_table(&self) -> bool {
        self.accept
            .split(',')
            .any(|r| r.contains("as=Table") && r.contains("g=meta.k8s.io"))
    }
}

/// What a list or watch selects, and how it prints.
#[derive(Clone, Debug)]
pub struct Target {
    pub kind: Kind,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub query: ListQuery,
    pub table: Option<Include>,
}

#[derive(Debug)]
pub enum Response {
    Full {
        status: u16,
        content_type: String,
        body: Vec<u8>,
    },
    /// Stream changes of the target from now on (the HTTP layer polls).
    Watch {
        target: Target,
        /// The client's resourceVersion is older than now: it may have missed changes.
        stale: bool,
        timeout_seconds: Option<u64>,
    },
    /// The API server waits on etcd this long (virtual), then answers with this.
    TimedOut { after: SimDuration, then: Box<Response> },
    /// Nothing listens: the connection is refused.
    Refused,
}

impl Response {
    pub fn json(status: u16, v: &Value) -> Self {
        Self::Full {
            status,
            content_type: "application/json".into(),
            body: serde_json::to_vec(v).unwrap_or_default(),
        }
    }
}

pub fn status_error(e: &ApiError) -> Response {
    let mut v = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": e.message,
        "reason": e.reason,
        "code": e.code,
    });
    if e.reason.is_empty()
        && let Some(o) = v.as_object_mut()
    {
        o.remove("reason");
    }
    let mut details = serde_json::Map::new();
    if let Some((name, kind)) = &e.details {
        details.insert("name".into(), name.clone().into());
        details.insert("kind".into(), kind.clone().into());
    }
    if !e.causes.is_empty() {
        details.insert(
            "causes".into(),
            e.causes
                .iter()
                .map(|(r, m)| json!({"reason": r, "message": m}))
                .collect(),
        );
    }
    if !details.is_empty() {
        v["details"] = Value::Object(details);
    }
    Response::json(e.code, &v)
}

fn not_found_path(path: &str) -> Response {
    status_error(&ApiError {
        code: 404,
        reason: "NotFound",
        message: format!("the server could not find the requested resource (get {path})"),
        details: None,
        causes: Vec::new(),
    })
}

/// Answers one request.
pub fn handle(b: &mut dyn KubeBackend, req: &Request) -> Response {
    let server = b.server_version();
    let path = req.path.trim_end_matches('/');
    match path {
        "/version" => return Response::json(200, &discovery::version(&server)),
        "/api" => {
            return match discovery::aggregated_version(&req.accept, &server) {
                Some(v) => aggregated(true, v, &server),
                None => Response::json(200, &discovery::api_versions(&req.server_address)),
            };
        }
        "/apis" => {
            return match discovery::aggregated_version(&req.accept, &server) {
                Some(v) => aggregated(false, v, &server),
                None => Response::json(200, &discovery::api_group_list(&server)),
            };
        }
        "/healthz" | "/livez" | "/readyz" => {
            return Response::Full {
                status: 200,
                content_type: "text/plain".into(),
                body: b"ok".to_vec(),
            };
        }
        _ => {}
    }
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (group, version, rest): (&str, &str, &[&str]) = match segs.as_slice() {
        ["api", "v1", rest @ ..] => ("", "v1", rest),
        ["apis", g, v, rest @ ..] => (g, v, rest),
        ["apis", g] if kinds::GROUPS.contains(g) => {
            return Response::json(200, &discovery::api_group(g, &server));
        }
        _ => return not_found_path(path),
    };
    if rest.is_empty() {
        return match discovery::resource_list(group, version, &server) {
            Some(v) => Response::json(200, &v),
            None => not_found_path(path),
        };
    }
    // Everything below reads or writes objects, which live in etcd.
    match b.outage() {
        Some(ApiOutage::Refused) => return Response::Refused,
        Some(ApiOutage::TimingOut(after)) => {
            return Response::TimedOut {
                after,
                then: Box::new(status_error(&ApiError {
                    code: 500,
                    reason: "",
                    message: "etcdserver: request timed out".into(),
                    details: None,
                    causes: Vec::new(),
                })),
            };
        }
        None => {}
    }
    let (namespace, rest): (Option<&str>, &[&str]) = match rest {
        ["namespaces", ns, more @ ..] if !more.is_empty() => (Some(ns), more),
        _ => (None, rest),
    };
    let (plural, name, sub) = match rest {
        [p] => (*p, None, None),
        [p, n] => (*p, Some(*n), None),
        [p, n, s] => (*p, Some(*n), Some(*s)),
        _ => return not_found_path(path),
    };
    let Some(info) = kinds::by_plural(group, plural) else {
        return not_found_path(path);
    };
    if group == "policy" && !matches!(version, "v1" | "v1beta1") || group != "policy" && version != info.version {
        return not_found_path(path);
    }
    let ctx = Ctx {
        info,
        namespace: if info.namespaced { namespace } else { None },
        name,
    };
    let result = match (req.method.as_str(), name, sub) {
        ("GET", None, None) => list_or_watch(b, req, &ctx),
        ("GET", Some(n), None) if req.param("watch").is_some_and(truthy) => {
            let _ = n;
            list_or_watch(b, req, &ctx)
        }
        ("GET", Some(n), None) => get(b, req, &ctx, n),
        ("GET", Some(n), Some("scale")) => scale_get(b, &ctx, n),
        ("PATCH" | "PUT", Some(n), Some("scale")) => scale_write(b, req, &ctx, n),
        ("PATCH" | "PUT", Some(n), None) => write(b, req, &ctx, n),
        ("POST", Some(n), Some("eviction")) if info.kind == Kind::Pod => evict(b, req, &ctx, n),
        ("POST", None, None) => create(b, req, &ctx),
        ("DELETE", Some(n), None) => delete(b, req, &ctx, n),
        (m, _, _) => Err(ApiError::method_not_allowed(format!(
            "the server does not allow this method on the requested resource ({m} {path})"
        ))),
    };
    result.unwrap_or_else(|e| status_error(&e))
}

fn truthy(v: &str) -> bool {
    matches!(v, "true" | "1")
}

fn aggregated(core: bool, version: &str, server: &kubedrill_sim::version::KubeVersion) -> Response {
    Response::Full {
        status: 200,
        content_type: discovery::aggregated_content_type(version),
        body: serde_json::to_vec(&discovery::aggregated(core, version, server)).unwrap_or_default(),
    }
}

struct Ctx<'a> {
    info: &'static Info,
    namespace: Option<&'a str>,
    name: Option<&'a str>,
}

fn print_context(b: &dyn KubeBackend) -> PrintContext {
    PrintContext {
        now_s: (b.now().wall_nanos() / 1_000_000_000) as i64,
        server: b.server_version(),
    }
}

fn include(req: &Request) -> Include {
    match req.param("includeObject") {
        Some("None") => Include::None,
        Some("Object") => Include::Object,
        _ => Include::Metadata,
    }
}

/// Parses `labelSelector`, `fieldSelector`, `limit` and `continue`.
pub fn list_query(req: &Request, namespace: Option<&str>) -> Result<ListQuery, ApiError> {
    let labels = match req.param("labelSelector").filter(|s| !s.is_empty()) {
        Some(s) => {
            Some(Selector::parse(s).map_err(|e| ApiError::bad_request(format!("unable to parse requirement: {e}")))?)
        }
        None => None,
    };
    let mut fields = Vec::new();
    for part in req
        .param("fieldSelector")
        .unwrap_or("")
        .split(',')
        .filter(|p| !p.is_empty())
    {
        let (field, equal, value) = if let Some((f, v)) = part.split_once("!=") {
            (f, false, v)
        } else if let Some((f, v)) = part.split_once("==") {
            (f, true, v)
        } else if let Some((f, v)) = part.split_once('=') {
            (f, true, v)
        } else {
            return Err(ApiError::bad_request(format!(
                "invalid selector: '{part}'; can't understand '{part}'"
            )));
        };
        fields.push(FieldRequirement {
            field: field.trim().to_string(),
            equal,
            value: value.trim().to_string(),
        });
    }
    let limit = req.param("limit").and_then(|l| l.parse().ok());
    let after = match req.param("continue").filter(|c| !c.is_empty()) {
        Some(token) => Some(decode_continue(token).ok_or_else(|| {
            ApiError::bad_request("continue key is not valid: incorrect encoded start resourceVersion")
        })?),
        None => None,
    };
    Ok(ListQuery {
        namespace: namespace.map(str::to_string),
        labels,
        fields,
        limit,
        after,
        for_table: false,
    })
}

/// The continue token: the last key handed out, as `namespace/name` in hex (opaque to clients).
fn encode_continue(key: &(String, String)) -> String {
    let raw = format!("{}/{}", key.0, key.1);
    raw.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_continue(token: &str) -> Option<(String, String)> {
    if !token.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(token.get(i..i + 2)?, 16).ok())
        .collect();
    let text = String::from_utf8(bytes?).ok()?;
    let (ns, name) = text.split_once('/')?;
    Some((ns.to_string(), name.to_string()))
}

fn list_or_watch(b: &mut dyn KubeBackend, req: &Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let mut query = list_query(req, ctx.namespace)?;
    if let Some(n) = ctx.name {
        // `GET pods/NAME?watch=1`: the old way to watch one object.
        query.fields.push(FieldRequirement {
            field: "metadata.name".into(),
            equal: true,
            value: n.to_string(),
        });
    }
    if req.param("watch").is_some_and(truthy) {
        let rv = b.resource_version();
        let stale = req
            .param("resourceVersion")
            .is_some_and(|v| !v.is_empty() && v != "0" && v != rv);
        let fresh_start = req.param("resourceVersion").is_none_or(|v| v.is_empty() || v == "0");
        return Ok(Response::Watch {
            target: Target {
                kind: ctx.info.kind,
                namespace: ctx.namespace.map(str::to_string),
                name: ctx.name.map(str::to_string),
                query: ListQuery {
                    limit: None,
                    after: None,
                    ..query
                },
                table: req.wants_table().then(|| include(req)),
            },
            stale: stale || fresh_start,
            timeout_seconds: req.param("timeoutSeconds").and_then(|t| t.parse().ok()),
        });
    }
    query.for_table = req.wants_table() && include(req) != Include::Object;
    let page = b.list(ctx.info.kind, &query)?;
    let mut meta = json!({"resourceVersion": b.resource_version()});
    if let Some(next) = &page.next {
        meta["continue"] = encode_continue(next).into();
    }
    if req.wants_table() {
        let body = tables::table_bytes(ctx.info.kind, &page.items, &print_context(b), include(req), &meta);
        return Ok(Response::Full {
            status: 200,
            content_type: "application/json".into(),
            body,
        });
    }
    // Written piece by piece: a list can hold 150,000 pods.
    let mut body = Vec::with_capacity(1024 + page.items.len() * 2048);
    body.extend_from_slice(b"{\"kind\":");
    let _ = serde_json::to_writer(&mut body, &format!("{}List", ctx.info.kind_name));
    body.extend_from_slice(b",\"apiVersion\":");
    let _ = serde_json::to_writer(&mut body, &ctx.info.api_version());
    body.extend_from_slice(b",\"metadata\":");
    let _ = serde_json::to_writer(&mut body, &meta);
    body.extend_from_slice(b",\"items\":[");
    for (i, o) in page.items.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        o.write_json(&mut body);
    }
    body.extend_from_slice(b"]}");
    Ok(Response::Full {
        status: 200,
        content_type: "application/json".into(),
        body,
    })
}

fn get(b: &mut dyn KubeBackend, req: &Request, ctx: &Ctx, name: &str) -> Result<Response, ApiError> {
    let obj = b.get(ctx.info.kind, ctx.namespace, name)?;
    if req.wants_table() {
        let meta = json!({"resourceVersion": b.resource_version()});
        let t = tables::table(ctx.info.kind, &[obj], &print_context(b), include(req), meta);
        return Ok(Response::json(200, &t));
    }
    Ok(Response::json(200, &obj.to_json()))
}

fn scale_object(b: &mut dyn KubeBackend, ctx: &Ctx, name: &str) -> Result<Value, ApiError> {
    let obj = b.get(ctx.info.kind, ctx.namespace, name)?.to_json();
    let replicas = obj["spec"]["replicas"].clone();
    let selector = &obj["spec"]["selector"]["matchLabels"];
    let sel_text = selector
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    let meta = &obj["metadata"];
    Ok(json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta["name"],
            "namespace": meta["namespace"],
            "uid": meta["uid"],
            "resourceVersion": meta["resourceVersion"],
            "creationTimestamp": meta["creationTimestamp"],
        },
        "spec": {"replicas": replicas},
        "status": {"replicas": obj["status"]["replicas"].as_i64().unwrap_or(0), "selector": sel_text},
    }))
}

fn scale_get(b: &mut dyn KubeBackend, ctx: &Ctx, name: &str) -> Result<Response, ApiError> {
    Ok(Response::json(200, &scale_object(b, ctx, name)?))
}

fn scale_write(b: &mut dyn KubeBackend, req: &Request, ctx: &Ctx, name: &str) -> Result<Response, ApiError> {
    let current = scale_object(b, ctx, name)?;
    let updated = if req.method == "PUT" {
        json_body(req)?
    } else {
        patch::apply(&current, &req.content_type, &req.body)?
    };
    let replicas = updated["spec"]["replicas"]
        .as_i64()
        .ok_or_else(|| ApiError::bad_request("spec.replicas: Required value"))?;
    b.scale(
        ctx.info.kind,
        ctx.namespace.unwrap_or("default"),
        name,
        replicas as i32,
        req.dry_run(),
    )?;
    let mut answer = scale_object(b, ctx, name)?;
    if req.dry_run() {
        answer["spec"]["replicas"] = replicas.into();
    }
    Ok(Response::json(200, &answer))
}

fn json_body(req: &Request) -> Result<Value, ApiError> {
    serde_json::from_slice(&req.body)
        .map_err(|e| ApiError::bad_request(format!("the body of the request was in an unknown format: {e}")))
}

/// PATCH or PUT of an object. Nodes take every change kubectl makes (cordon, label, taint);
/// other kinds change through their subresources.
fn write(b: &mut dyn KubeBackend, req: &Request, ctx: &Ctx, name: &str) -> Result<Response, ApiError> {
    let current = b.get(ctx.info.kind, ctx.namespace, name)?;
    let updated = if req.method == "PUT" {
        json_body(req)?
    } else {
        patch::apply(&current.to_json(), &req.content_type, &req.body)?
    };
    match ctx.info.kind {
        Kind::Node => {
            let node: core::Node = serde_json::from_value(updated)
                .map_err(|e| ApiError::invalid(Kind::Node, name, format!("Node \"{name}\" is invalid: {e}")))?;
            let answer = b.update_node(&node, req.dry_run())?;
            Ok(Response::json(200, &answer.to_json()))
        }
        Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet => {
            let before = current.to_json();
            let replicas = updated["spec"]["replicas"].as_i64();
            let mut rest_before = before.clone();
            let mut rest_after = updated.clone();
            for v in [&mut rest_before, &mut rest_after] {
                v["spec"]["replicas"] = Value::Null;
            }
            if rest_before != rest_after {
                return Err(unmodelled_change(ctx, name));
            }
            if let Some(r) = replicas.filter(|r| Some(*r) != before["spec"]["replicas"].as_i64()) {
                b.scale(
                    ctx.info.kind,
                    ctx.namespace.unwrap_or("default"),
                    name,
                    r as i32,
                    req.dry_run(),
                )?;
            }
            Ok(Response::json(
                200,
                &b.get(ctx.info.kind, ctx.namespace, name)?.to_json(),
            ))
        }
        _ if updated == current.to_json() => Ok(Response::json(200, &updated)),
        _ => Err(unmodelled_change(ctx, name)),
    }
}

fn unmodelled_change(ctx: &Ctx, name: &str) -> ApiError {
    ApiError {
        code: 422,
        reason: "Invalid",
        message: format!(
            "{} \"{name}\" is invalid: kubedrill models changes of nodes (unschedulable, labels, taints) and of replicas; this change is not modelled",
            ctx.info.kind_name
        ),
        details: Some((name.to_string(), ctx.info.kind_name.to_string())),
        causes: Vec::new(),
    }
}

/// Grace period and dry run from a DeleteOptions body (JSON or protobuf) and the query.
fn delete_options(req: &Request, body: Option<&Value>) -> Result<(Option<i64>, bool), ApiError> {
    let mut grace = req.param("gracePeriodSeconds").and_then(|g| g.parse().ok());
    let mut dry = req.dry_run();
    if let Some(v) = body {
        if let Some(g) = v["gracePeriodSeconds"].as_i64() {
            grace = Some(g);
        }
        dry |= v["dryRun"].as_array().is_some_and(|a| a.iter().any(|x| x == "All"));
    }
    Ok((grace, dry))
}

fn delete(b: &mut dyn KubeBackend, req: &Request, ctx: &Ctx, name: &str) -> Result<Response, ApiError> {
    if ctx.info.kind != Kind::Pod {
        return Err(ApiError::method_not_allowed(format!(
            "kubedrill models deleting pods through the API; deleting {} is not modelled",
            ctx.info.plural
        )));
    }
    let (grace, dry) = if req.body.is_empty() {
        delete_options(req, None)?
    } else if protobuf::is_protobuf(&req.content_type) {
        let d = protobuf::delete_options(&req.body).map_err(ApiError::bad_request)?;
        let (g, dry) = delete_options(req, None)?;
        (
            d.grace_period_seconds.or(g),
            dry || d.dry_run.iter().any(|x| x == "All"),
        )
    } else {
        delete_options(req, Some(&json_body(req)?))?
    };
    let obj = b.delete_pod(ctx.namespace.unwrap_or("default"), name, grace, dry)?;
    Ok(Response::json(200, &obj.to_json()))
}

fn evict(b: &mut dyn KubeBackend, req: &Request, ctx: &Ctx, name: &str) -> Result<Response, ApiError> {
    let (grace, dry) = if protobuf::is_protobuf(&req.content_type) {
        let opts = protobuf::eviction(&req.body).map_err(ApiError::bad_request)?;
        let opts = opts.unwrap_or_default();
        (
            opts.grace_period_seconds,
            req.dry_run() || opts.dry_run.iter().any(|x| x == "All"),
        )
    } else {
        let v = json_body(req)?;
        delete_options(req, Some(&v["deleteOptions"]))?
    };
    b.evict(ctx.namespace.unwrap_or("default"), name, grace, dry)?;
    Ok(Response::json(
        201,
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}),
    ))
}

fn create(b: &mut dyn KubeBackend, req: &Request, ctx: &Ctx) -> Result<Response, ApiError> {
    match ctx.info.kind {
        Kind::Deployment => {
            let d: apps::Deployment = if protobuf::is_protobuf(&req.content_type) {
                protobuf::deployment(&req.body).map_err(ApiError::bad_request)?
            } else {
                serde_json::from_value(json_body(req)?).map_err(|e| {
                    ApiError::bad_request(format!(
                        "Deployment in version \"v1\" cannot be handled as a Deployment: {e}"
                    ))
                })?
            };
            let ns = ctx
                .namespace
                .map(str::to_string)
                .or_else(|| d.metadata.namespace.clone())
                .unwrap_or_else(|| "default".into());
            let obj = b.create_deployment(&d, &ns, req.dry_run())?;
            Ok(Response::json(201, &obj.to_json()))
        }
        Kind::Namespace => {
            let v = json_body(req)?;
            let name = v["metadata"]["name"].as_str().unwrap_or_default().to_string();
            let obj = b.create_namespace(&name, req.dry_run())?;
            Ok(Response::json(201, &obj.to_json()))
        }
        _ => Err(ApiError::method_not_allowed(format!(
            "kubedrill models creating deployments and namespaces through the API; creating {} is not modelled",
            ctx.info.plural
        ))),
    }
}

/// The objects a watch follows, keyed by (namespace, name), with the JSON compared between polls.
pub fn watch_snapshot(b: &mut dyn KubeBackend, target: &Target) -> Result<Vec<(String, Object)>, ApiError> {
    let page = b.list(target.kind, &target.query)?;
    Ok(page
        .items
        .into_iter()
        .map(|o| {
            let m = o.meta();
            (
                format!(
                    "{}/{}",
                    m.namespace.clone().unwrap_or_default(),
                    m.name.clone().unwrap_or_default()
                ),
                o,
            )
        })
        .collect())
}

/// One watch event's object: the object, or a one-row Table.
pub fn watch_object(b: &dyn KubeBackend, target: &Target, o: &Object) -> Value {
    match target.table {
        Some(include) => {
            let meta = json!({"resourceVersion": b.resource_version()});
            tables::table(target.kind, std::slice::from_ref(o), &print_context(b), include, meta)
        }
        None => o.to_json(),
    }
}
