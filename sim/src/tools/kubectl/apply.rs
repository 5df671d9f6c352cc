//! `kubectl apply -f`, `create -f`, `replace -f` and the manifests they read: files on the
//! node, every manifest of a directory, or stdin (`-f -`); YAML with several documents, JSON,
//! and `kind: List`. Each object is checked against what the API server serves (its
//! group/version, with the deprecation warnings the server sends), then created or updated.

use super::flags::{self, Kind, flag};
use super::printer::{self, Format};
use super::target::server_error;
use super::{Local, LocalFile, fail, stderr, stdout, usage_error};
use crate::model::objects::ResourceKind;
use crate::model::patch::strategic as strategic_patch;
use crate::release::api;
use crate::shell::CommandOutput;
use crate::tools::api::KubeApi;
use serde::Deserialize as _;
use serde_json::Value;

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// One object of a manifest, with the file it came from.
pub(crate) struct Doc {
    pub source: String,
    pub value: Value,
}

/// The objects of every `-f` source. The error is kubectl's line.
pub(crate) fn read_manifests(local: &Local, files: &[String]) -> Result<Vec<Doc>, String> {
    let mut docs = Vec::new();
    for f in files {
        if f.starts_with("http://") || f.starts_with("https://") {
            let host = f.split('/').nth(2).unwrap_or_default();
            return Err(format!(
                "error: unable to read URL \"{f}\", server reported , status code=0: Get \"{f}\": dial tcp: lookup {host} on 127.0.0.53:53: server misbehaving"
            ));
        }
        let (source, text) = if f == "-" {
            ("STDIN".to_string(), local.stdin.clone())
        } else {
            match local.entry(f) {
                Some(LocalFile::Text(t)) => (f.clone(), t.clone()),
                Some(LocalFile::Dir(paths)) => {
                    for p in paths {
                        let text = local.read(p).unwrap_or_default();
                        parse_into(p, &text, &mut docs)?;
                    }
                    continue;
                }
                None => return Err(format!("error: the path \"{f}\" does not exist")),
            }
        };
        parse_into(&source, &text, &mut docs)?;
    }
    if docs.is_empty() {
        return Err("error: no objects passed to apply".into());
    }
    Ok(docs)
}

fn parse_into(source: &str, text: &str, docs: &mut Vec<Doc>) -> Result<(), String> {
    let trimmed = text.trim_start();
    let values: Vec<Value> = if trimmed.starts_with('{') {
        vec![serde_json::from_str(text).map_err(|e| format!("error: error parsing {source}: {e}"))?]
    } else {
        let mut out = Vec::new();
        for d in yaml_serde::Deserializer::from_str(text) {
            let v = Value::deserialize(d)
                .map_err(|e| format!("error: error parsing {source}: error converting YAML to JSON: yaml: {e}"))?;
            if !v.is_null() {
                out.push(v);
            }
        }
        out
    };
    for v in values {
        if v.get("kind").and_then(Value::as_str) == Some("List") {
            for item in v["items"].as_array().cloned().unwrap_or_default() {
                docs.push(Doc {
                    source: source.to_string(),
                    value: item,
                });
            }
        } else {
            docs.push(Doc {
                source: source.to_string(),
                value: v,
            });
        }
    }
    Ok(())
}

/// What the API server would say about a manifest before any write: kind and version
/// served, namespace consistent. `Ok(warning)`.
fn check(api: &dyn KubeApi, d: &Doc, ns_flag: Option<&str>) -> Result<(Option<String>, Value), String> {
    let mut v = d.value.clone();
    let api_version = v
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let kind = v.get("kind").and_then(Value::as_str).unwrap_or_default().to_string();
    let mut missing = Vec::new();
    if api_version.is_empty() {
        missing.push("apiVersion not set");
    }
    if kind.is_empty() {
        missing.push("kind not set");
    }
    if !missing.is_empty() {
        return Err(format!(
            "error: error validating \"{}\": error validating data: [{}]; if you choose to ignore these errors, turn validation off with --validate=false",
            d.source,
            missing.join(", ")
        ));
    }
    let name = v
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let version = &api.cluster().version;
    if !api::serves(version, &api_version, &kind) {
        let ns = v
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or_default();
        return Err(if api.kubectl().minor >= 23 {
            format!(
                "error: resource mapping not found for name: \"{name}\" namespace: \"{ns}\" from \"{}\": no matches for kind \"{kind}\" in version \"{api_version}\"\nensure CRDs are installed first",
                d.source
            )
        } else {
            format!(
                "error: unable to recognize \"{}\": no matches for kind \"{kind}\" in version \"{api_version}\"",
                d.source
            )
        });
    }
    let namespaced = api::served(version)
        .iter()
        .find(|s| s.kind == kind)
        .is_none_or(|s| s.namespaced);
    if namespaced {
        let doc_ns = v
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .map(str::to_string);
        match (&doc_ns, ns_flag) {
            (Some(d), Some(f)) if d != f => {
                return Err(format!(
                    "error: the namespace from the provided object \"{d}\" does not match the namespace \"{f}\". You must pass '--namespace={d}' to perform this operation."
                ));
            }
            (None, _) => {
                if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
                    m.insert(
                        "namespace".into(),
                        Value::String(ns_flag.unwrap_or("default").to_string()),
                    );
                }
            }
            _ => {}
        }
    }
    Ok((api::deprecation_warning(version, &api_version, &kind), v))
}

fn display(v: &Value) -> String {
    printer::name_of(v)
}

fn kind_of(v: &Value) -> Option<ResourceKind> {
    ResourceKind::from_kind(v.get("kind")?.as_str()?)
}

/// The live object a manifest names, if it exists.
fn live(api: &dyn KubeApi, v: &Value) -> Option<Value> {
    let kind = kind_of(v)?;
    let name = v.pointer("/metadata/name")?.as_str()?;
    let ns = v.pointer("/metadata/namespace").and_then(Value::as_str);
    api.get(kind, ns.filter(|_| kind.namespaced()), name)
        .ok()
        .map(|o| o.to_json())
}

/// Which command: they differ in what they do with an object that exists.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Apply,
    Create,
    Replace,
}

pub(crate) fn run(api: &mut dyn KubeApi, args: &[String], local: &Local, mode: Mode) -> CommandOutput {
    const SPECS: &[flags::Spec] = &[
        flag("filename", Some('f'), Kind::Array),
        flag("recursive", Some('R'), Kind::Bool),
        flag("kustomize", Some('k'), Kind::Str),
        flag("dry-run", None, Kind::StrOpt("unchanged")),
        flag("output", Some('o'), Kind::Str),
        flag("server-side", None, Kind::Bool),
        flag("force", None, Kind::Bool),
        flag("record", None, Kind::Bool),
        flag("validate", None, Kind::StrOpt("true")),
        flag("save-config", None, Kind::Bool),
        flag("overwrite", None, Kind::Bool),
        flag("prune", None, Kind::Bool),
        flag("selector", Some('l'), Kind::Str),
        flag("wait", None, Kind::Bool),
        flag("grace-period", None, Kind::Int),
        flag("field-manager", None, Kind::Str),
    ];
    let cmd = match mode {
        Mode::Apply => "apply",
        Mode::Create => "create",
        Mode::Replace => "replace",
    };
    let p = match flags::parse(args, SPECS) {
        Ok(p) => p,
        Err(e) => return usage_error(api, cmd, &e),
    };
    if p.has("kustomize") {
        return fail("kubedrill: `-k` (kustomize) is not modelled; apply the rendered manifests with -f");
    }
    let files = p.list("filename");
    if files.is_empty() {
        return usage_error(api, cmd, "must specify one of -f and -k");
    }
    let dry = match p.str("dry-run") {
        None | Some("none") | Some("false") => None,
        Some("client") | Some("unchanged") | Some("true") => Some(" (dry run)"),
        Some("server") => Some(" (server dry run)"),
        Some(other) => {
            return fail(format!(
                "error: Invalid dry-run value ({other}). Must be \"none\", \"server\", or \"client\"."
            ));
        }
    };
    let format = match p.str("output").filter(|o| !o.is_empty()) {
        Some(o) => match Format::parse(o, None, local) {
            Ok(f) => Some(f),
            Err(e) => return fail(e),
        },
        None => None,
    };
    let docs = match read_manifests(local, &files) {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let ns_flag = p.str("namespace");
    let mut out = CommandOutput::default();
    for d in &docs {
        let (warning, mut v) = match check(api, d, ns_flag) {
            Ok(x) => x,
            Err(e) => {
                stderr(&mut out, e);
                out.status = 1;
                continue;
            }
        };
        if let Some(w) = warning {
            stderr(&mut out, format!("Warning: {w}"));
        }
        let existing = live(api, &v);
        let result = one(api, mode, &mut v, existing, dry.is_some(), p.bool("force"));
        match result {
            Ok(verb) => {
                let shown = match (&format, dry) {
                    (Some(f), _) if !f.is_table() => {
                        let obj = if dry.is_some() {
                            v.clone()
                        } else {
                            live(api, &v).unwrap_or(v.clone())
                        };
                        if let Err(e) = printer::print(&mut out, f, &obj, false) {
                            stderr(&mut out, e);
                            out.status = 1;
                        }
                        true
                    }
                    _ => false,
                };
                if !shown && verb == FORCE_REPLACED {
                    // `replace --force` deletes first and says so as `kubectl delete` would.
                    let shown = display(&v);
                    let (kind, name) = shown.split_once('/').unwrap_or((shown.as_str(), ""));
                    stdout(&mut out, format!("{kind} \"{name}\" deleted"));
                    stdout(&mut out, format!("{shown} replaced"));
                } else if !shown {
                    stdout(&mut out, format!("{} {verb}{}", display(&v), dry.unwrap_or("")));
                }
            }
            Err(e) => {
                stderr(&mut out, error_text(&e, mode, &d.source));
                out.status = 1;
            }
        }
    }
    out
}

fn error_text(e: &str, mode: Mode, source: &str) -> String {
    let Some(rest) = e.strip_prefix("Error from server (") else {
        return e.to_string();
    };
    let Some((reason, message)) = rest.split_once("): ") else {
        return e.to_string();
    };
    let what = match mode {
        Mode::Create => "creating",
        Mode::Replace => "replacing",
        Mode::Apply => "creating",
    };
    format!("Error from server ({reason}): error when {what} \"{source}\": {message}")
}

/// Creates or updates one object; the verb kubectl prints.
fn one(
    api: &mut dyn KubeApi,
    mode: Mode,
    v: &mut Value,
    existing: Option<Value>,
    dry: bool,
    force: bool,
) -> Result<&'static str, String> {
    if mode == Mode::Apply {
        let mut applied = v.clone();
        if let Some(m) = applied.get_mut("metadata").and_then(Value::as_object_mut) {
            m.remove("annotations");
        }
        let config = serde_json::to_string(&applied).unwrap_or_default() + "\n";
        let annotations = v["metadata"]
            .as_object_mut()
            .ok_or("error: the object has no metadata")?
            .entry("annotations")
            .or_insert_with(|| serde_json::json!({}));
        annotations[LAST_APPLIED] = Value::String(config);
    }
    match (mode, existing) {
        (Mode::Create, Some(_)) => {
            let kind = kind_of(v).map_or_else(|| "objects".to_string(), |k| k.api_name().to_string());
            let name = v.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
            Err(format!(
                "Error from server (AlreadyExists): {kind} \"{name}\" already exists"
            ))
        }
        (Mode::Replace, None) => {
            let kind = kind_of(v).map_or_else(|| "objects".to_string(), |k| k.api_name().to_string());
            let name = v.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
            Err(format!("Error from server (NotFound): {kind} \"{name}\" not found"))
        }
        (Mode::Create | Mode::Apply, None) => {
            if dry {
                return Ok("created");
            }
            match api.create(v.clone()) {
                Ok(()) => Ok("created"),
                // A kind the model keeps only as written (RBAC, CRDs, …) that exists already.
                Err(e) if e.code == 409 && mode == Mode::Apply && kind_of(v).is_none() => {
                    let changed = api.update(v.clone()).map_err(|e| server_error(&e))?;
                    Ok(if changed { "configured" } else { "unchanged" })
                }
                Err(e) => Err(server_error(&e)),
            }
        }
        (Mode::Apply, Some(live)) => {
            let mut merged = live;
            let mut patch = v.clone();
            if let Some(o) = patch.as_object_mut() {
                o.remove("status");
            }
            strategic_patch(&mut merged, &patch);
            if dry {
                return Ok("configured");
            }
            let changed = api.update(merged).map_err(|e| server_error(&e))?;
            Ok(if changed { "configured" } else { "unchanged" })
        }
        (Mode::Replace, Some(_)) => {
            if dry {
                return Ok("replaced");
            }
            if force {
                let kind = kind_of(v).ok_or("error: unknown kind")?;
                let name = v
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                let ns = v
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or("default")
                    .to_string();
                api.delete(kind, &ns, &name, Some(0)).map_err(|e| server_error(&e))?;
                api.settle();
                api.create(v.clone()).map_err(|e| server_error(&e))?;
                return Ok(FORCE_REPLACED);
            }
            api.update(v.clone()).map_err(|e| server_error(&e))?;
            Ok("replaced")
        }
    }
}

/// What `one` answers for `replace --force`: deleted, then created anew.
const FORCE_REPLACED: &str = "force-replaced";
