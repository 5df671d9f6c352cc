//! One API request in, one answer out: path routing, query parameters, content negotiation,
//! patches and Status errors, over the simulator ([`Backend`]). No sockets here (the HTTP
//! server in `server.rs` moves bytes), so every answer can be tested by calling [`handle`].

use super::backend::{Backend, ListQuery};
use super::discovery;
use super::openapi;
use super::protobuf;
use super::resources::{self, Resource};
use super::tables::{self, Include, PrintContext};
use kubedrill_sim::KubeApi;
use kubedrill_sim::Sim;
use kubedrill_sim::host::input::ApiRequest;
use kubedrill_sim::model::Selector;
use kubedrill_sim::model::objects::{ApiObject, ResourceKind};
use kubedrill_sim::model::patch::{self, PatchType};
use kubedrill_sim::model::status::{ApiError, Unreachable};
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
    pub resource: Resource,
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
        target: Box<Target>,
        /// The client's resourceVersion is older than now: it may have missed changes.
        stale: bool,
        timeout_seconds: Option<u64>,
    },
    /// The API server waited on etcd this long (virtual), then answered with this.
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

    fn object(status: u16, o: &ApiObject) -> Self {
        Self::Full {
            status,
            content_type: "application/json".into(),
            body: serde_json::to_vec(o).unwrap_or_default(),
        }
    }
}

/// The API server's `Status` answer for an error.
pub fn status_error(e: &ApiError) -> Response {
    let v = serde_json::to_value(e.to_status()).unwrap_or_default();
    Response::json(e.code, &v)
}

/// What an etcd request timeout answers: a plain error the API server has no reason for
/// (500, `StatusReasonUnknown`), which kubectl prints as `Error from server: ...`.
fn timeout_status() -> Response {
    Response::json(
        500,
        &json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": Unreachable::Timeout.to_string(),
            "code": 500,
        }),
    )
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::new(400, message)
}

fn not_found_path(path: &str) -> Response {
    status_error(&ApiError::new(
        404,
        format!("the server could not find the requested resource (get {path})"),
    ))
}

/// Answers one request.
pub fn handle(b: &mut Backend, req: &Request) -> Response {
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
        "/openapi/v3" => return Response::json(200, &openapi::v3_index(&server)),
        "/openapi/v2" => {
            let (content_type, body) = openapi::v2(&server, &req.accept);
            return Response::Full {
                status: 200,
                content_type,
                body,
            };
        }
        p if p.starts_with("/openapi/v3/") => {
            return match openapi::v3_group_version(&server, &p["/openapi/v3/".len()..]) {
                Some(v) => Response::json(200, &v),
                None => not_found_path(path),
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
        ["apis", g] => {
            return match discovery::api_group(g, &server) {
                Some(v) => Response::json(200, &v),
                None => not_found_path(path),
            };
        }
        _ => return not_found_path(path),
    };
    if rest.is_empty() {
        return match discovery::resource_list(group, version, &server) {
            Some(v) => Response::json(200, &v),
            None => not_found_path(path),
        };
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
    let Some(resource) = resources::find(&server, group, version, plural) else {
        return not_found_path(path);
    };
    // Everything below reads or writes objects, which live in etcd.
    match b.reachable() {
        Ok(()) => {}
        Err((Unreachable::Refused { .. }, _)) => return Response::Refused,
        Err((Unreachable::Timeout, after)) => {
            return Response::TimedOut {
                after,
                then: Box::new(timeout_status()),
            };
        }
    }
    let ctx = Ctx {
        resource,
        namespace: if resource.namespaced() { namespace } else { None },
    };
    let result = match (req.method.as_str(), name, sub) {
        ("GET", None, None) => list_or_watch(b, req, &ctx, None),
        ("GET", Some(n), None) if req.param("watch").is_some_and(truthy) => list_or_watch(b, req, &ctx, Some(n)),
        ("GET", Some(n), None) => get(b, req, &ctx, n),
        ("GET", Some(n), Some("scale")) => scale_object(b, &ctx, n).map(|v| Response::json(200, &v)),
        ("PATCH" | "PUT", Some(n), Some("scale")) => scale_write(b, req, &ctx, n),
        ("PATCH" | "PUT", Some(n), None) => write(b, req, &ctx, n),
        ("POST", Some(n), Some("eviction")) if resource.kind == Some(ResourceKind::Pods) => evict(b, req, &ctx, n),
        ("POST", None, None) => create(b, req, &ctx),
        ("DELETE", Some(n), None) => delete(b, req, &ctx, n),
        (m, _, _) => Err(ApiError::new(
            405,
            format!("the server does not allow this method on the requested resource ({m} {path})"),
        )),
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
    resource: Resource,
    namespace: Option<&'a str>,
}

impl Ctx<'_> {
    /// The model's kind of the resource, for requests only modelled kinds answer.
    fn kind(&self, verb: &str) -> Result<ResourceKind, ApiError> {
        self.resource.kind.ok_or_else(|| {
            ApiError::new(
                405,
                format!(
                    "kubedrill does not model {}: it serves them as an empty list ({verb} is not modelled)",
                    self.resource.plural()
                ),
            )
        })
    }

    fn namespace(&self) -> &str {
        self.namespace.unwrap_or("default")
    }
}

fn print_context(sim: &Sim) -> PrintContext<'_> {
    PrintContext {
        // The cluster's own calendar: its objects' timestamps are stamped on it.
        now_s: (sim.now().wall_nanos_with(sim.cluster().epoch_s) / 1_000_000_000) as i64,
        server: sim.cluster().version.clone(),
        sim,
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
    let mut q = ListQuery::default();
    q.options.namespace = namespace.map(str::to_string);
    if let Some(s) = req.param("labelSelector").filter(|s| !s.is_empty()) {
        let sel = Selector::parse(s).map_err(|e| bad_request(format!("unable to parse requirement: {e}")))?;
        q.options.label_selector = Some(sel);
    }
    for part in req
        .param("fieldSelector")
        .unwrap_or("")
        .split(',')
        .filter(|p| !p.is_empty())
    {
        let (field, value, equal) = if let Some((f, v)) = part.split_once("!=") {
            (f, v, false)
        } else if let Some((f, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
            (f, v, true)
        } else {
            return Err(bad_request(format!(
                "invalid selector: '{part}'; can't understand '{part}'"
            )));
        };
        let pair = (field.trim().to_string(), value.trim().to_string());
        if equal {
            q.options.field_selector.push(pair);
        } else {
            q.options.field_selector_not.push(pair);
        }
    }
    q.limit = req.param("limit").and_then(|l| l.parse().ok());
    if let Some(token) = req.param("continue").filter(|c| !c.is_empty()) {
        q.after = Some(
            decode_continue(token)
                .ok_or_else(|| bad_request("continue key is not valid: incorrect encoded start resourceVersion"))?,
        );
    }
    Ok(q)
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

fn list_or_watch(b: &mut Backend, req: &Request, ctx: &Ctx, name: Option<&str>) -> Result<Response, ApiError> {
    let mut query = list_query(req, ctx.namespace)?;
    if let Some(n) = name {
        // `GET pods/NAME?watch=1`: the old way to watch one object.
        query
            .options
            .field_selector
            .push(("metadata.name".into(), n.to_string()));
    }
    if req.param("watch").is_some_and(truthy) {
        let rv = b.resource_version();
        let stale = req
            .param("resourceVersion")
            .is_some_and(|v| !v.is_empty() && v != "0" && v != rv);
        let fresh_start = req.param("resourceVersion").is_none_or(|v| v.is_empty() || v == "0");
        return Ok(Response::Watch {
            target: Box::new(Target {
                resource: ctx.resource,
                query: ListQuery {
                    limit: None,
                    after: None,
                    ..query
                },
                table: req.wants_table().then(|| include(req)),
            }),
            stale: stale || fresh_start,
            timeout_seconds: req.param("timeoutSeconds").and_then(|t| t.parse().ok()),
        });
    }
    let page = b.list(&ctx.resource, &query)?;
    let mut meta = json!({"resourceVersion": b.resource_version()});
    if let Some(next) = &page.next {
        meta["continue"] = encode_continue(next).into();
    }
    if req.wants_table() {
        let body = tables::table_bytes(
            ctx.resource.kind,
            &page.items,
            &print_context(b.sim),
            include(req),
            &meta,
        );
        return Ok(Response::Full {
            status: 200,
            content_type: "application/json".into(),
            body,
        });
    }
    // Written piece by piece: a list can hold 150,000 pods.
    let mut body = Vec::with_capacity(1024 + page.items.len() * 2048);
    body.extend_from_slice(b"{\"kind\":");
    let _ = serde_json::to_writer(&mut body, &format!("{}List", ctx.resource.kind_name()));
    body.extend_from_slice(b",\"apiVersion\":");
    let _ = serde_json::to_writer(&mut body, &ctx.resource.api_version());
    body.extend_from_slice(b",\"metadata\":");
    let _ = serde_json::to_writer(&mut body, &meta);
    body.extend_from_slice(b",\"items\":[");
    for (i, o) in page.items.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        let _ = serde_json::to_writer(&mut body, o);
    }
    body.extend_from_slice(b"]}");
    Ok(Response::Full {
        status: 200,
        content_type: "application/json".into(),
        body,
    })
}

fn get(b: &mut Backend, req: &Request, ctx: &Ctx, name: &str) -> Result<Response, ApiError> {
    let obj = b.get(&ctx.resource, ctx.namespace, name)?;
    if req.wants_table() {
        let meta = json!({"resourceVersion": b.resource_version()});
        let t = tables::table(ctx.resource.kind, &[obj], &print_context(b.sim), include(req), &meta);
        return Ok(Response::json(200, &t));
    }
    Ok(Response::object(200, &obj))
}

/// The `autoscaling/v1` Scale of a controller.
fn scale_object(b: &mut Backend, ctx: &Ctx, name: &str) -> Result<Value, ApiError> {
    let obj = b.get(&ctx.resource, ctx.namespace, name)?.to_json();
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
            "creationTimestamp": meta["creationTimestamp"],
        },
        "spec": {"replicas": obj["spec"]["replicas"]},
        "status": {"replicas": obj["status"]["replicas"].as_i64().unwrap_or(0), "selector": sel_text},
    }))
}

/// `PATCH|PUT .../scale`: the controller with its new `spec.replicas`, written whole.
fn scale_write(b: &mut Backend, req: &Request, ctx: &Ctx, name: &str) -> Result<Response, ApiError> {
    let kind = ctx.kind("scale")?;
    let current = scale_object(b, ctx, name)?;
    let updated = if req.method == "PUT" {
        json_body(req)?
    } else {
        patched(current, req)?
    };
    let replicas = updated["spec"]["replicas"]
        .as_i64()
        .ok_or_else(|| bad_request("spec.replicas: Required value"))?;
    if replicas < 0 {
        return Err(ApiError::invalid(
            "Scale.autoscaling",
            name,
            &format!("spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0"),
        ));
    }
    let mut object = b.get(&ctx.resource, ctx.namespace, name)?.to_json();
    object["spec"]["replicas"] = replicas.into();
    let ns = ctx.namespace.map(str::to_string);
    let name_owned = name.to_string();
    b.write(ApiRequest::Update(object), req.dry_run(), |sim| {
        KubeApi::get(sim, kind, ns.as_deref(), &name_owned)
    })?;
    let mut answer = scale_object(b, ctx, name)?;
    answer["spec"]["replicas"] = replicas.into();
    Ok(Response::json(200, &answer))
}

fn json_body(req: &Request) -> Result<Value, ApiError> {
    serde_json::from_slice(&req.body)
        .map_err(|e| bad_request(format!("the body of the request was in an unknown format: {e}")))
}

/// `current` with the request's patch applied, by its media type.
fn patched(mut current: Value, req: &Request) -> Result<Value, ApiError> {
    let kind = PatchType::from_content_type(&req.content_type).ok_or_else(|| {
        ApiError::new(
            415,
            format!(
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (not {:?}; kubedrill does not model server-side apply)",
                req.content_type
            ),
        )
    })?;
    let body = json_body(req)?;
    match kind {
        PatchType::Merge => patch::merge(&mut current, &body),
        PatchType::Strategic => patch::strategic(&mut current, &body),
        PatchType::Json => patch::json(&mut current, &body).map_err(|e| ApiError::new(422, e.to_string()))?,
    }
    Ok(current)
}

/// PATCH or PUT of an object: the object the patch leaves (or the body), written whole.
fn write(b: &mut Backend, req: &Request, ctx: &Ctx, name: &str) -> Result<Response, ApiError> {
    let kind = ctx.kind("changing them")?;
    let current = b.get(&ctx.resource, ctx.namespace, name)?.to_json();
    let updated = if req.method == "PUT" {
        json_body(req)?
    } else {
        patched(current, req)?
    };
    if updated["metadata"]["name"].as_str() != Some(name) {
        return Err(bad_request(format!(
            "the name of the object ({}) does not match the name on the URL ({name})",
            updated["metadata"]["name"].as_str().unwrap_or_default()
        )));
    }
    let ns = ctx.namespace.map(str::to_string);
    let name = name.to_string();
    let answer = b.write(ApiRequest::Update(updated), req.dry_run(), |sim| {
        KubeApi::get(sim, kind, ns.as_deref(), &name)
    })?;
    Ok(Response::object(200, &answer))
}

/// Grace period and dry run from a DeleteOptions (JSON or protobuf) body and the query.
fn delete_options(req: &Request, body: Option<&Value>) -> (Option<i64>, bool) {
    let mut grace = req.param("gracePeriodSeconds").and_then(|g| g.parse().ok());
    let mut dry = req.dry_run();
    if let Some(v) = body {
        if let Some(g) = v["gracePeriodSeconds"].as_i64() {
            grace = Some(g);
        }
        dry |= v["dryRun"].as_array().is_some_and(|a| a.iter().any(|x| x == "All"));
    }
    (grace, dry)
}

fn delete(b: &mut Backend, req: &Request, ctx: &Ctx, name: &str) -> Result<Response, ApiError> {
    let kind = ctx.kind("deleting them")?;
    let (grace, dry) = if req.body.is_empty() {
        delete_options(req, None)
    } else if protobuf::is_protobuf(&req.content_type) {
        let d = protobuf::delete_options(&req.body).map_err(bad_request)?;
        let (g, dry) = delete_options(req, None);
        (
            d.grace_period_seconds.or(g),
            dry || d.dry_run.iter().any(|x| x == "All"),
        )
    } else {
        delete_options(req, Some(&json_body(req)?))
    };
    let before = b.get(&ctx.resource, ctx.namespace, name)?;
    let request = ApiRequest::Delete {
        kind,
        namespace: ctx.namespace().to_string(),
        name: name.to_string(),
        grace_seconds: grace.map(|g| g.max(0) as u64),
    };
    let ns = ctx.namespace.map(str::to_string);
    let name = name.to_string();
    // The answer is the object as the deletion left it (a pod Terminating), or as it was.
    let after = b.write(request, dry, |sim| {
        Ok(KubeApi::get(sim, kind, ns.as_deref(), &name).ok())
    })?;
    Ok(Response::object(200, &after.unwrap_or(before)))
}

fn evict(b: &mut Backend, req: &Request, ctx: &Ctx, name: &str) -> Result<Response, ApiError> {
    let (grace, dry) = if protobuf::is_protobuf(&req.content_type) {
        let opts = protobuf::eviction(&req.body).map_err(bad_request)?.unwrap_or_default();
        (
            opts.grace_period_seconds,
            req.dry_run() || opts.dry_run.iter().any(|x| x == "All"),
        )
    } else {
        let v = json_body(req)?;
        delete_options(req, Some(&v["deleteOptions"]))
    };
    let request = ApiRequest::Evict {
        namespace: ctx.namespace().to_string(),
        name: name.to_string(),
        grace_seconds: grace.map(|g| g.max(0) as u64),
        dry_run: dry,
    };
    // An eviction's dry run is the Eviction API's own (budgets checked, nothing deleted).
    b.write(request, false, |_| Ok(()))?;
    Ok(Response::json(
        201,
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}),
    ))
}

/// `POST` to a collection: the object in the body (JSON, or a Deployment as protobuf),
/// created in the namespace of the path.
fn create(b: &mut Backend, req: &Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let kind = ctx.kind("creating them")?;
    let mut obj = if protobuf::is_protobuf(&req.content_type) {
        if kind != ResourceKind::Deployments {
            return Err(ApiError::new(
                415,
                format!(
                    "kubedrill reads protobuf request bodies of Deployments only; send {} as JSON",
                    ctx.resource.plural()
                ),
            ));
        }
        let d = protobuf::deployment(&req.body).map_err(bad_request)?;
        serde_json::to_value(ApiObject::Deployment(d)).unwrap_or_default()
    } else {
        json_body(req)?
    };
    if obj["kind"].as_str() != Some(ctx.resource.kind_name()) {
        return Err(bad_request(format!(
            "the API version in the data ({}) does not match the expected API version ({})",
            obj["apiVersion"].as_str().unwrap_or_default(),
            ctx.resource.api_version()
        )));
    }
    if let Some(ns) = ctx.namespace {
        match obj["metadata"]["namespace"].as_str() {
            Some(other) if other != ns => {
                return Err(bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            _ => obj["metadata"]["namespace"] = ns.into(),
        }
    }
    let name = obj["metadata"]["name"].as_str().unwrap_or_default().to_string();
    let ns = ctx.namespace.map(str::to_string);
    let answer = b.write(ApiRequest::Create(obj), req.dry_run(), |sim| {
        KubeApi::get(sim, kind, ns.as_deref(), &name)
    })?;
    Ok(Response::object(201, &answer))
}

/// The objects a watch follows, keyed by (namespace, name).
pub fn watch_snapshot(b: &mut Backend, target: &Target) -> Result<Vec<(String, ApiObject)>, ApiError> {
    let page = b.list(&target.resource, &target.query)?;
    Ok(page
        .items
        .into_iter()
        .map(|o| {
            let m = o.metadata();
            let key = format!(
                "{}/{}",
                m.namespace.clone().unwrap_or_default(),
                m.name.clone().unwrap_or_default()
            );
            (key, o)
        })
        .collect())
}

/// One watch event's object: the object, or a one-row Table.
pub fn watch_object(b: &Backend, target: &Target, o: &ApiObject) -> Value {
    match target.table {
        Some(include) => {
            let meta = json!({"resourceVersion": b.resource_version()});
            tables::table(
                target.resource.kind,
                std::slice::from_ref(o),
                &print_context(b.sim),
                include,
                &meta,
            )
        }
        None => o.to_json(),
    }
}
