//! `kubectl create deployment|job|namespace|configmap|secret generic|serviceaccount|
//! poddisruptionbudget …` and `kubectl run`: the objects kubectl's generators build (printed
//! as they are with `--dry-run=client -o yaml`), created through the API. `create -f` is
//! `apply.rs`.

use super::flags::{self, Kind, Parsed, flag};
use super::printer::{self, Format};
use super::target::server_error;
use super::{Local, fail, stdout, usage_error};
use crate::model::status::ApiError;
use crate::shell::CommandOutput;
use crate::tools::api::KubeApi;
use serde_json::{Map, Value, json};

const SPECS: &[flags::Spec] = &[
    flag("image", None, Kind::Array),
    flag("replicas", Some('r'), Kind::Int32),
    flag("port", None, Kind::Int32),
    flag("dry-run", None, Kind::StrOpt("unchanged")),
    flag("output", Some('o'), Kind::Str),
    flag("from-literal", None, Kind::Array),
    flag("from-file", None, Kind::Array),
    flag("from-env-file", None, Kind::Array),
    flag("selector", None, Kind::Str),
    flag("min-available", None, Kind::Str),
    flag("max-unavailable", None, Kind::Str),
    flag("filename", Some('f'), Kind::Array),
    flag("save-config", None, Kind::Bool),
    flag("validate", None, Kind::StrOpt("true")),
    flag("from", None, Kind::Str),
    flag("type", None, Kind::Str),
    flag("template", None, Kind::Str),
];

/// How `--dry-run` was given: none, client, server.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum DryRun {
    None,
    Client,
    Server,
}

pub(crate) fn dry_run(p: &Parsed) -> Result<DryRun, String> {
    match p.str("dry-run") {
        None | Some("none") | Some("false") => Ok(DryRun::None),
        Some("client") | Some("unchanged") | Some("true") => Ok(DryRun::Client),
        Some("server") => Ok(DryRun::Server),
        Some(other) => Err(format!(
            "error: Invalid dry-run value ({other}). Must be \"none\", \"server\", or \"client\"."
        )),
    }
}

pub(crate) fn run(api: &mut dyn KubeApi, args: &[String], local: &Local) -> CommandOutput {
    let p = match flags::parse(args, SPECS) {
        Ok(p) => p,
        Err(e) => return usage_error(api, "create", &e),
    };
    if p.has("filename") {
        return super::apply::run(api, args, local, super::apply::Mode::Create);
    }
    let mut words = p.positional.iter().map(String::as_str);
    let what = words.next();
    let (what, name) = match (what, words.next()) {
        (Some("secret"), Some("generic")) => ("secret", words.next()),
        (Some("secret"), Some(t @ ("tls" | "docker-registry"))) => {
            return fail(format!(
                "kubedrill: `kubectl create secret {t}` is not modelled (modelled: create secret generic)"
            ));
        }
        (w, n) => (w.unwrap_or_default(), n),
    };
    let ns = p.str("namespace").unwrap_or("default").to_string();
    let obj = match (what, name) {
        ("", _) => return usage_error(api, "create", "Required resource not specified."),
        ("deployment" | "deploy", Some(n)) => deployment(api, &p, n),
        ("job", Some(n)) => job(api, &p, n),
        ("namespace" | "ns", Some(n)) => Ok(json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"creationTimestamp": null, "name": n}, "spec": {}, "status": {}})),
        ("configmap" | "cm", Some(n)) => data_object(&p, local, n, "ConfigMap"),
        ("secret", Some(n)) => data_object(&p, local, n, "Secret"),
        ("serviceaccount" | "sa", Some(n)) => Ok(json!({"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"creationTimestamp": null, "name": n}})),
        ("poddisruptionbudget" | "pdb", Some(n)) => pdb(api, &p, n),
        (
            "deployment"
            | "deploy"
            | "job"
            | "namespace"
            | "ns"
            | "configmap"
            | "cm"
            | "secret"
            | "serviceaccount"
            | "sa"
            | "poddisruptionbudget"
            | "pdb",
            None,
        ) => return usage_error(api, &format!("create {what}"), "exactly one NAME is required, got 0"),
        (other, _) => {
            return fail(format!(
                "kubedrill: `kubectl create {other}` is not modelled (modelled: deployment, job, namespace, configmap, secret generic, serviceaccount, poddisruptionbudget, -f FILE)"
            ));
        }
    };
    let mut obj = match obj {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    if obj["kind"] != "Namespace"
        && let Some(m) = obj["metadata"].as_object_mut()
        && p.has("namespace")
    {
        m.insert("namespace".into(), Value::String(ns));
    }
    finish(api, &p, local, obj, what)
}

/// `--dry-run` and `-o`/`--template` of a command that creates an object.
pub(crate) fn dry_run_and_format(p: &Parsed, local: &Local) -> Result<(DryRun, Option<Format>), String> {
    let dry = dry_run(p)?;
    let format = match p.str("output").filter(|o| !o.is_empty()) {
        Some(o) => Some(Format::parse(o, p.str("template"), local)?),
        None => None,
    };
    Ok((dry, format))
}

/// Creates (or only prints, with `--dry-run`) an object built by a generator.
pub(crate) fn finish(api: &mut dyn KubeApi, p: &Parsed, local: &Local, obj: Value, what: &str) -> CommandOutput {
    let (dry, format) = match dry_run_and_format(p, local) {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let name = printer::name_of(&obj);
    if dry != DryRun::Client
        && let Err(e) = create(api, &obj, dry == DryRun::Server)
    {
        return fail(create_error(&e, what));
    }
    let mut out = CommandOutput::default();
    match format.filter(|f| !f.is_table()) {
        Some(f) => {
            if let Err(e) = printer::print(&mut out, &f, &obj, false) {
                return fail(e);
            }
        }
        None => {
            let suffix = match dry {
                DryRun::None => "",
                DryRun::Client => " (dry run)",
                DryRun::Server => " (server dry run)",
            };
            stdout(&mut out, format!("{name} created{suffix}"));
        }
    }
    out
}

/// kubectl's words for a refused create: `create namespace` and `run` hand the API's error to
/// cobra (`Error from server (AlreadyExists): …`, `The Namespace "x" is invalid: …`); the
/// other generators wrap its message (`error: failed to create deployment: …`).
fn create_error(e: &ApiError, what: &str) -> String {
    match (what, e.code) {
        ("namespace" | "ns" | "pod", _) => server_error(e),
        (_, 403 | 404 | 409 | 422) => format!("error: failed to create {what}: {}", e.message),
        _ => server_error(e),
    }
}

fn create(api: &mut dyn KubeApi, obj: &Value, server_dry_run: bool) -> Result<(), ApiError> {
    let kind = crate::model::objects::ResourceKind::from_kind(obj["kind"].as_str().unwrap_or_default());
    let name = obj["metadata"]["name"].as_str().unwrap_or_default();
    let ns = obj["metadata"]["namespace"].as_str().unwrap_or("default");
    if let Some(k) = kind {
        if k.namespaced() && !api.cluster().has_namespace(ns) {
            return Err(ApiError::not_found("namespaces", ns));
        }
        if api.get(k, Some(ns), name).is_ok() {
            return Err(ApiError::already_exists(k.api_name(), name));
        }
    }
    if server_dry_run {
        return Ok(());
    }
    api.create(obj.clone())?;
    api.settle();
    Ok(())
}

/// kubectl names a generated container after the image's last path element, without tag.
fn container_name(image: &str) -> String {
    image
        .rsplit('/')
        .next()
        .unwrap_or(image)
        .split([':', '@'])
        .next()
        .unwrap_or(image)
        .to_string()
}

fn deployment(api: &dyn KubeApi, p: &Parsed, name: &str) -> Result<Value, String> {
    let images = p.list("image");
    if images.is_empty() {
        let _ = api;
        return Err("error: required flag(s) \"image\" not set".into());
    }
    let replicas = p.int("replicas").unwrap_or(1);
    if replicas < 0 {
        return Err(format!(
            "error: failed to create deployment: Deployment.apps \"{name}\" is invalid: spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0"
        ));
    }
    let containers: Vec<Value> = images
        .iter()
        .map(|i| {
            let mut c = json!({"image": i, "name": container_name(i), "resources": {}});
            if let Some(port) = p.int("port") {
                c["ports"] = json!([{"containerPort": port}]);
            }
            c
        })
        .collect();
    Ok(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"creationTimestamp": null, "labels": {"app": name}, "name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}}, "strategy": {},
            "template": {"metadata": {"creationTimestamp": null, "labels": {"app": name}},
                "spec": {"containers": containers}}},
        "status": {}
    }))
}

fn job(api: &dyn KubeApi, p: &Parsed, name: &str) -> Result<Value, String> {
    if p.has("from") {
        return Err("kubedrill: `kubectl create job --from=cronjob/…` is not modelled (no CronJobs)".into());
    }
    let images = p.list("image");
    let Some(image) = images.first() else {
        let _ = api;
        return Err("error: either --image or --from must be specified".into());
    };
    Ok(json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"creationTimestamp": null, "name": name},
        "spec": {"template": {"metadata": {"creationTimestamp": null},
            "spec": {"containers": [{"image": image, "name": name, "resources": {}}], "restartPolicy": "Never"}}},
        "status": {}
    }))
}

fn pdb(api: &dyn KubeApi, p: &Parsed, name: &str) -> Result<Value, String> {
    let _ = api;
    let Some(selector) = p.str("selector") else {
        return Err("error: a selector must be specified".into());
    };
    let mut labels = Map::new();
    for part in selector.split(',') {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| format!("error: invalid selector {selector:?}"))?;
        labels.insert(k.to_string(), Value::String(v.to_string()));
    }
    let value = |s: &str| -> Value {
        s.parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(s.to_string()))
    };
    let mut spec = json!({"selector": {"matchLabels": labels}});
    match (p.str("min-available"), p.str("max-unavailable")) {
        (Some(_), Some(_)) => return Err("error: min-available and max-unavailable cannot be both specified".into()),
        (Some(m), None) => spec["minAvailable"] = value(m),
        (None, Some(m)) => spec["maxUnavailable"] = value(m),
        (None, None) => return Err("error: one of min-available or max-unavailable must be specified".into()),
    }
    Ok(json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"creationTimestamp": null, "name": name}, "spec": spec,
        "status": {"currentHealthy": 0, "desiredHealthy": 0, "disruptionsAllowed": 0, "expectedPods": 0}}))
}

/// A ConfigMap or generic Secret from `--from-literal` and `--from-file` (files on the node).
fn data_object(p: &Parsed, local: &Local, name: &str, kind: &str) -> Result<Value, String> {
    let mut data = Map::new();
    for lit in p.list("from-literal") {
        let (k, v) = lit
            .split_once('=')
            .ok_or_else(|| format!("error: invalid literal source {lit}, expected key=value"))?;
        data.insert(k.to_string(), Value::String(v.to_string()));
    }
    for f in p.list("from-file") {
        let (key, path) = match f.split_once('=') {
            Some((k, path)) => (k.to_string(), path.to_string()),
            None => (crate::path::base(&f).to_string(), f.clone()),
        };
        let text = local
            .read(&path)
            .ok_or_else(|| format!("error: error reading {path}: no such file or directory"))?;
        data.insert(key, Value::String(text));
    }
    if kind == "Secret" {
        for v in data.values_mut() {
            let raw = v.as_str().unwrap_or_default().as_bytes().to_vec();
            *v = Value::String(super::gotemplate::base64_encode(&raw));
        }
        let mut o =
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"creationTimestamp": null, "name": name}});
        if !data.is_empty() {
            o["data"] = Value::Object(data);
        }
        let t = p.str("type").unwrap_or("Opaque");
        if t != "Opaque" {
            o["type"] = Value::String(t.to_string());
        }
        return Ok(o);
    }
    let mut o = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"creationTimestamp": null, "name": name}});
    if !data.is_empty() {
        o["data"] = Value::Object(data);
    }
    Ok(o)
}

/// `kubectl run NAME --image=IMAGE [--labels] [--restart] [--port] [--env] [-- ARGS]`.
pub(crate) fn run_pod(api: &mut dyn KubeApi, args: &[String], local: &Local) -> CommandOutput {
    const RUN: &[flags::Spec] = &[
        flag("image", None, Kind::Str),
        flag("labels", Some('l'), Kind::Str),
        flag("restart", None, Kind::Str),
        flag("port", None, Kind::Int32),
        flag("env", None, Kind::Array),
        flag("command", None, Kind::Bool),
        flag("dry-run", None, Kind::StrOpt("unchanged")),
        flag("output", Some('o'), Kind::Str),
        flag("rm", None, Kind::Bool),
        flag("stdin", Some('i'), Kind::Bool),
        flag("tty", Some('t'), Kind::Bool),
        flag("image-pull-policy", None, Kind::Str),
        flag("expose", None, Kind::Bool),
        flag("template", None, Kind::Str),
        flag("annotations", None, Kind::Array),
    ];
    let p = match flags::parse(args, RUN) {
        Ok(p) => p,
        Err(e) => return usage_error(api, "run", &e),
    };
    let Some(name) = p.positional.first() else {
        return usage_error(api, "run", "NAME is required for run");
    };
    let Some(image) = p.str("image") else {
        return usage_error(api, "run", "--image is required");
    };
    if p.bool("stdin") || p.bool("tty") || p.bool("rm") {
        return fail(
            "kubedrill: interactive `kubectl run -it`/`--rm` needs a container to attach to, which the simulator does not model; run the pod without them",
        );
    }
    let restart = p.str("restart").unwrap_or("Always");
    if !matches!(restart, "Always" | "OnFailure" | "Never") {
        return fail(format!("error: invalid restart policy: {restart}"));
    }
    let mut labels = Map::new();
    match p.str("labels") {
        Some(l) => {
            for part in l.split(',') {
                let (k, v) = part.split_once('=').unwrap_or((part, ""));
                labels.insert(k.to_string(), Value::String(v.to_string()));
            }
        }
        None => {
            labels.insert("run".into(), Value::String(name.clone()));
        }
    }
    let mut container = json!({"image": image, "name": name, "resources": {}});
    let extra: Vec<Value> = p.positional[1..].iter().map(|a| Value::String(a.clone())).collect();
    if !extra.is_empty() {
        container[if p.bool("command") { "command" } else { "args" }] = Value::Array(extra);
    }
    if let Some(port) = p.int("port") {
        container["ports"] = json!([{"containerPort": port}]);
    }
    let env: Vec<Value> = p
        .list("env")
        .iter()
        .map(|e| {
            let (k, v) = e.split_once('=').unwrap_or((e, ""));
            json!({"name": k, "value": v})
        })
        .collect();
    if !env.is_empty() {
        container["env"] = Value::Array(env);
    }
    if let Some(policy) = p.str("image-pull-policy") {
        container["imagePullPolicy"] = Value::String(policy.to_string());
    }
    let mut obj = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"creationTimestamp": null, "labels": labels, "name": name},
        "spec": {"containers": [container], "dnsPolicy": "ClusterFirst", "restartPolicy": restart},
        "status": {}
    });
    if let Some(ns) = p.str("namespace") {
        obj["metadata"]["namespace"] = Value::String(ns.to_string());
    }
    if !p.bool("expose") {
        return finish(api, &p, local, obj, "pod");
    }
    // `--expose`: then a ClusterIP Service selecting the pod's labels, labelled only with
    // what `--labels` asked for (kubectl's run.go `createService`).
    let Some(port) = p.int("port") else {
        return fail("error: --port must be set when exposing a service");
    };
    let mut svc = json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"creationTimestamp": null, "name": name},
        "spec": {"ports": [{"port": port, "protocol": "TCP", "targetPort": port}], "selector": obj["metadata"]["labels"]},
        "status": {"loadBalancer": {}}});
    if p.has("labels") {
        svc["metadata"]["labels"] = obj["metadata"]["labels"].clone();
    }
    if let Some(ns) = p.str("namespace") {
        svc["metadata"]["namespace"] = Value::String(ns.to_string());
    }
    // The pod is created first; kubectl's run.go (to 1.36) prints the Service as soon as it is
    // made and the pod last (checked against the real kubectl 1.31).
    let pod = finish(api, &p, local, obj, "pod");
    if pod.status != 0 {
        return pod;
    }
    let mut out = finish(api, &p, local, svc, "service");
    if out.status != 0 {
        let mut first = pod;
        first.chunks.append(&mut out.chunks);
        first.status = out.status;
        return first;
    }
    if p.str("output") == Some("yaml") {
        // run.go's own separator, then the YAML printer's before its second object.
        stdout(&mut out, "---");
        stdout(&mut out, "---");
    }
    out.chunks.extend(pod.chunks);
    out
}
