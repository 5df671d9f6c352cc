//! The commands that change fields of existing objects: `label`, `annotate`, `taint`,
//! `scale`, `patch` (merge, strategic, json) and `set env|resources`. Each reads the object,
//! changes its JSON and writes it back whole; the engine works out what follows.

use super::flags::{self, Kind, flag};
use super::get::Resource;
use super::target::{self, Selection, Target};
use super::{fail, stderr, stdout, usage_error};
use crate::model::patch::{JsonPatchError, json as json_patch, merge as merge_patch, strategic as strategic_patch};
use crate::shell::CommandOutput;
use crate::tools::api::KubeApi;
use serde_json::{Value, json};

fn selection<'a>(p: &'a flags::Parsed) -> Selection<'a> {
    Selection {
        ns: p.str("namespace").unwrap_or("default"),
        all_ns: p.bool("all-namespaces"),
        selector: p.str("selector"),
        all: p.bool("all"),
    }
}

/// `kubectl label|annotate TYPE NAME k=v … k-`.
pub(crate) fn label(api: &mut dyn KubeApi, args: &[String], annotate: bool) -> CommandOutput {
    const SPECS: &[flags::Spec] = &[
        flag("overwrite", None, Kind::Bool),
        flag("selector", Some('l'), Kind::Str),
        flag("all", None, Kind::Bool),
        flag("all-namespaces", Some('A'), Kind::Bool),
        flag("list", None, Kind::Bool),
        flag("dry-run", None, Kind::StrOpt("unchanged")),
        flag("output", Some('o'), Kind::Str),
        flag("local", None, Kind::Bool),
        flag("resource-version", None, Kind::Str),
    ];
    let cmd = if annotate { "annotate" } else { "label" };
    let p = match flags::parse(args, SPECS) {
        Ok(p) => p,
        Err(e) => return usage_error(api, cmd, &e),
    };
    let (changes, words): (Vec<&String>, Vec<String>) = {
        let changes = p
            .positional
            .iter()
            .filter(|w| w.contains('=') || (w.ends_with('-') && !w.contains('/')))
            .collect::<Vec<_>>();
        let words = p
            .positional
            .iter()
            .filter(|w| !(w.contains('=') || (w.ends_with('-') && !w.contains('/'))))
            .cloned()
            .collect();
        (changes, words)
    };
    if changes.is_empty() && !p.bool("list") {
        return usage_error(
            api,
            cmd,
            &format!(
                "at least one {} update is required",
                if annotate { "annotation" } else { "label" }
            ),
        );
    }
    let mut set = Vec::new();
    let mut remove = Vec::new();
    for c in &changes {
        if let Some((k, v)) = c.split_once('=') {
            if !annotate && !valid_label_value(v) {
                return fail(format!(
                    "error: invalid label value: \"{c}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
                ));
            }
            set.push((k.to_string(), v.to_string()));
        } else {
            remove.push(c.trim_end_matches('-').to_string());
        }
    }
    let targets = match target::resolve(api, &words, &selection(&p)) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let field = if annotate { "annotations" } else { "labels" };
    let mut out = CommandOutput::default();
    for t in &targets {
        let mut refused = None;
        let result = target::modify(api, t, |v| {
            let map = v["metadata"]
                .as_object_mut()
                .ok_or("object without metadata")?
                .entry(field)
                .or_insert_with(|| json!({}));
            if map.is_null() {
                *map = json!({});
            }
            let map = map.as_object_mut().ok_or("metadata is not a map")?;
            for (k, val) in &set {
                if let Some(old) = map.get(k).and_then(Value::as_str)
                    && old != val
                    && !p.bool("overwrite")
                {
                    refused = Some(if annotate {
                        format!(
                            "error: --overwrite is false but found the following declared annotation(s): '{k}' already has a value ({old})"
                        )
                    } else {
                        format!("error: '{k}' already has a value ({old}), and --overwrite is false")
                    });
                    return Ok(());
                }
                map.insert(k.clone(), Value::String(val.clone()));
            }
            for k in &remove {
                map.remove(k);
            }
            Ok(())
        });
        if let Some(e) = refused {
            stderr(&mut out, e);
            out.status = 1;
            continue;
        }
        match result {
            Ok(changed) => {
                let verb = match (changed, annotate, set.is_empty()) {
                    (false, false, _) => "not labeled",
                    (false, true, _) => "not annotated",
                    (true, false, true) => "unlabeled",
                    (true, false, false) => "labeled",
                    (true, true, _) => "annotated",
                };
                stdout(&mut out, format!("{} {verb}", t.display()));
            }
            Err(e) => {
                stderr(&mut out, e);
                out.status = 1;
            }
        }
    }
    out
}

fn valid_label_value(v: &str) -> bool {
    v.len() <= 63
        && (v.is_empty()
            || (v.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                && v.starts_with(|c: char| c.is_ascii_alphanumeric())
                && v.ends_with(|c: char| c.is_ascii_alphanumeric())))
}

/// `kubectl taint nodes NAME key[=value]:Effect … key[:Effect]-`.
pub(crate) fn taint(api: &mut dyn KubeApi, args: &[String]) -> CommandOutput {
    const SPECS: &[flags::Spec] = &[
        flag("overwrite", None, Kind::Bool),
        flag("selector", Some('l'), Kind::Str),
        flag("all", None, Kind::Bool),
        flag("dry-run", None, Kind::StrOpt("unchanged")),
        flag("output", Some('o'), Kind::Str),
    ];
    let p = match flags::parse(args, SPECS) {
        Ok(p) => p,
        Err(e) => return usage_error(api, "taint", &e),
    };
    let mut words: Vec<String> = Vec::new();
    let mut adds = Vec::new();
    let mut removes = Vec::new();
    for w in &p.positional {
        if words.is_empty()
            || (words.len() == 1 && !p.bool("all") && p.str("selector").is_none() && !words[0].contains('/'))
        {
            words.push(w.clone());
            continue;
        }
        if let Some(r) = w.strip_suffix('-') {
            let (key, effect) = match r.split_once(':') {
                Some((k, e)) => (k.split('=').next().unwrap_or(k).to_string(), Some(e.to_string())),
                None => (r.split('=').next().unwrap_or(r).to_string(), None),
            };
            removes.push((key, effect, w.clone()));
        } else {
            match crate::model::Taint::parse(w) {
                Ok(t) => adds.push(t),
                Err(_) => return fail(format!("error: invalid taint spec: {w}, unknown taint spec: {w}")),
            }
        }
    }
    if adds.is_empty() && removes.is_empty() {
        return usage_error(api, "taint", "at least one taint update is required");
    }
    if words
        .first()
        .is_some_and(|w| Resource::parse(w.split('/').next().unwrap_or(w)) != Some(Resource::Nodes))
    {
        return fail("error: invalid resource type: only nodes can be tainted");
    }
    let sel = Selection {
        ns: "",
        all_ns: true,
        selector: p.str("selector"),
        all: p.bool("all"),
    };
    let targets = match target::resolve(api, &words, &sel) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let mut out = CommandOutput::default();
    for t in &targets {
        let mut problem = None;
        let result = target::modify(api, t, |v| {
            let spec = v["spec"].as_object_mut().ok_or("node without spec")?;
            let taints = spec.entry("taints").or_insert_with(|| json!([]));
            let list = taints.as_array_mut().ok_or("taints is not a list")?;
            for (key, effect, text) in &removes {
                let before = list.len();
                list.retain(|x| {
                    !(x["key"] == key.as_str() && effect.as_ref().is_none_or(|e| x["effect"] == e.as_str()))
                });
                if list.len() == before {
                    problem = Some(format!("error: taint \"{}\" not found", text.trim_end_matches('-')));
                    return Ok(());
                }
            }
            for a in &adds {
                if let Some(existing) = list
                    .iter_mut()
                    .find(|x| x["key"] == a.key.as_str() && x["effect"] == a.effect.as_str())
                {
                    if !p.bool("overwrite") {
                        problem = Some(format!(
                            "error: node {} already has {} taint(s) with same effect(s) and --overwrite is false",
                            t.name, a.key
                        ));
                        return Ok(());
                    }
                    *existing = taint_json(a);
                } else {
                    list.push(taint_json(a));
                }
            }
            if list.is_empty() {
                spec.remove("taints");
            }
            Ok(())
        });
        if let Some(e) = problem {
            stderr(&mut out, e);
            out.status = 1;
            continue;
        }
        match result {
            Ok(changed) => {
                let verb = if !changed {
                    "not tainted"
                } else if adds.is_empty() {
                    "untainted"
                } else {
                    "tainted"
                };
                stdout(&mut out, format!("{} {verb}", t.display()));
            }
            Err(e) => {
                stderr(&mut out, e);
                out.status = 1;
            }
        }
    }
    out
}

fn taint_json(t: &crate::model::Taint) -> Value {
    let mut v = json!({"key": t.key, "effect": t.effect.as_str()});
    if !t.value.is_empty() {
        v["value"] = Value::String(t.value.clone());
    }
    v
}

/// `kubectl scale TYPE/NAME --replicas=N`.
pub(crate) fn scale(api: &mut dyn KubeApi, args: &[String]) -> CommandOutput {
    const SPECS: &[flags::Spec] = &[
        flag("replicas", None, Kind::Int),
        flag("current-replicas", None, Kind::Int),
        flag("selector", Some('l'), Kind::Str),
        flag("all", None, Kind::Bool),
        flag("timeout", None, Kind::Duration),
        flag("resource-version", None, Kind::Str),
        flag("dry-run", None, Kind::StrOpt("unchanged")),
        flag("output", Some('o'), Kind::Str),
    ];
    let p = match flags::parse(args, SPECS) {
        Ok(p) => p,
        Err(e) => return usage_error(api, "scale", &e),
    };
    let Some(replicas) = p.int("replicas") else {
        return usage_error(
            api,
            "scale",
            "The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0",
        );
    };
    if replicas < 0 {
        return usage_error(
            api,
            "scale",
            "The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0",
        );
    }
    let targets = match target::resolve(api, &p.positional, &selection(&p)) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let mut out = CommandOutput::default();
    for t in &targets {
        if !matches!(
            t.res,
            Resource::Deployments | Resource::ReplicaSets | Resource::StatefulSets
        ) {
            stderr(
                &mut out,
                "Error from server (NotFound): the server could not find the requested resource",
            );
            out.status = 1;
            continue;
        }
        let current = p.int("current-replicas");
        let mut mismatch = None;
        let r = target::modify(api, t, |v| {
            let now = v.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1);
            if let Some(c) = current
                && c != now
            {
                mismatch = Some(format!("error: Expected replicas to be {c}, was {now}"));
                return Ok(());
            }
            v["spec"]["replicas"] = json!(replicas);
            Ok(())
        });
        if let Some(e) = mismatch {
            stderr(&mut out, e);
            out.status = 1;
            continue;
        }
        match r {
            Ok(_) => stdout(&mut out, format!("{} scaled", t.display())),
            Err(e) => {
                stderr(&mut out, e);
                out.status = 1;
            }
        }
    }
    out
}

/// `kubectl patch TYPE NAME -p PATCH [--type strategic|merge|json]`.
pub(crate) fn patch(api: &mut dyn KubeApi, args: &[String], local: &super::Local) -> CommandOutput {
    const SPECS: &[flags::Spec] = &[
        flag("patch", Some('p'), Kind::Str),
        flag("patch-file", None, Kind::Str),
        flag("type", None, Kind::Str),
        flag("dry-run", None, Kind::StrOpt("unchanged")),
        flag("output", Some('o'), Kind::Str),
        flag("local", None, Kind::Bool),
        flag("subresource", None, Kind::Str),
        flag("filename", Some('f'), Kind::Str),
    ];
    let p = match flags::parse(args, SPECS) {
        Ok(p) => p,
        Err(e) => return usage_error(api, "patch", &e),
    };
    let text = match (p.str("patch"), p.str("patch-file")) {
        (Some(t), _) => t.to_string(),
        (None, Some(f)) => match local.read(f) {
            Some(t) => t,
            None => {
                return fail(format!(
                    "error: unable to read patch file: open {f}: no such file or directory"
                ));
            }
        },
        (None, None) => {
            return usage_error(
                api,
                "patch",
                "must specify --patch or --patch-file containing the contents of the patch",
            );
        }
    };
    let kind = p.str("type").unwrap_or("strategic");
    if !matches!(kind, "strategic" | "merge" | "json") {
        return fail(format!(
            "error: --type must be one of [json merge strategic], not \"{kind}\""
        ));
    }
    let patch_value: Value = match serde_json::from_str(&text).or_else(|_| yaml_value(&text)) {
        Ok(v) => v,
        Err(e) => return fail(format!("error: unable to parse \"{text}\": {e}")),
    };
    let targets = match target::resolve(api, &p.positional, &selection(&p)) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    if targets.len() != 1 {
        return fail("error: patch can only be applied to one resource at a time");
    }
    let t: &Target = &targets[0];
    let mut out = CommandOutput::default();
    let mut problem = None;
    let r = target::modify(api, t, |v| {
        match kind {
            "merge" => merge_patch(v, &patch_value),
            "strategic" => strategic_patch(v, &patch_value),
            _ => match json_patch(v, &patch_value) {
                Ok(()) => {}
                Err(JsonPatchError::Parse(e)) => problem = Some(format!("error: unable to parse the patch: {e}")),
                Err(JsonPatchError::Apply(e)) => problem = Some(format!("The request is invalid: {e}")),
            },
        }
        Ok(())
    });
    if let Some(e) = problem {
        return fail(e);
    }
    match r {
        Ok(true) => stdout(&mut out, format!("{} patched", t.display())),
        Ok(false) => stdout(&mut out, format!("{} patched (no change)", t.display())),
        Err(e) => {
            stderr(&mut out, e);
            out.status = 1;
        }
    }
    out
}

/// A YAML document as JSON (for patches and manifests written in YAML).
pub(crate) fn yaml_value(text: &str) -> Result<Value, String> {
    yaml_serde::from_str::<Value>(text).map_err(|e| e.to_string())
}

/// `kubectl set env|resources TYPE/NAME …` (image lives in `set.rs`).
pub(crate) fn set_env_or_resources(api: &mut dyn KubeApi, what: &str, args: &[String]) -> CommandOutput {
    const SPECS: &[flags::Spec] = &[
        flag("containers", Some('c'), Kind::Str),
        flag("limits", None, Kind::Str),
        flag("requests", None, Kind::Str),
        flag("selector", Some('l'), Kind::Str),
        flag("all", None, Kind::Bool),
        flag("env", Some('e'), Kind::Array),
        flag("list", None, Kind::Bool),
        flag("overwrite", None, Kind::Bool),
        flag("dry-run", None, Kind::StrOpt("unchanged")),
        flag("output", Some('o'), Kind::Str),
    ];
    let p = match flags::parse(args, SPECS) {
        Ok(p) => p,
        Err(e) => return usage_error(api, &format!("set {what}"), &e),
    };
    let mut words = Vec::new();
    let mut envs: Vec<(String, Option<String>)> = p
        .list("env")
        .into_iter()
        .map(|e| match e.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (e.trim_end_matches('-').to_string(), None),
        })
        .collect();
    for w in &p.positional {
        if what == "env" && (w.contains('=') || (w.ends_with('-') && !w.contains('/') && !words.is_empty())) {
            match w.split_once('=') {
                Some((k, v)) => envs.push((k.to_string(), Some(v.to_string()))),
                None => envs.push((w.trim_end_matches('-').to_string(), None)),
            }
        } else {
            words.push(w.clone());
        }
    }
    let targets = match target::resolve(api, &words, &selection(&p)) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let containers = p.str("containers").unwrap_or("*").to_string();
    let parse_res = |text: Option<&str>| -> Result<serde_json::Map<String, Value>, String> {
        let mut m = serde_json::Map::new();
        for part in text.unwrap_or_default().split(',').filter(|s| !s.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("error: invalid resource requirement: {part}"))?;
            m.insert(k.to_string(), Value::String(v.to_string()));
        }
        Ok(m)
    };
    let (limits, requests) = match (parse_res(p.str("limits")), parse_res(p.str("requests"))) {
        (Ok(l), Ok(r)) => (l, r),
        (Err(e), _) | (_, Err(e)) => return fail(e),
    };
    if what == "resources" && limits.is_empty() && requests.is_empty() {
        return fail("error: you must specify an update to requests or limits (in the form of --requests/--limits)");
    }
    if what == "env" && envs.is_empty() && !p.bool("list") {
        return fail("error: at least one environment variable must be provided");
    }
    let mut out = CommandOutput::default();
    for t in &targets {
        let r = target::modify(api, t, |v| {
            let spec = target::template_spec(v).ok_or("the object has no pod template")?;
            let cs = spec["containers"].as_array_mut().ok_or("no containers")?;
            for c in cs.iter_mut() {
                if containers != "*" && c["name"] != containers.as_str() {
                    continue;
                }
                if what == "env" {
                    let list = c
                        .as_object_mut()
                        .ok_or("container is not a map")?
                        .entry("env")
                        .or_insert_with(|| json!([]));
                    let list = list.as_array_mut().ok_or("env is not a list")?;
                    for (k, val) in &envs {
                        list.retain(|e| e["name"] != k.as_str());
                        if let Some(val) = val {
                            list.push(json!({"name": k, "value": val}));
                        }
                    }
                } else {
                    let res = c
                        .as_object_mut()
                        .ok_or("container is not a map")?
                        .entry("resources")
                        .or_insert_with(|| json!({}));
                    for (key, m) in [("limits", &limits), ("requests", &requests)] {
                        if !m.is_empty() {
                            let slot = res
                                .as_object_mut()
                                .ok_or("resources")?
                                .entry(key)
                                .or_insert_with(|| json!({}));
                            for (k, q) in m {
                                slot[k] = q.clone();
                            }
                        }
                    }
                }
            }
            Ok(())
        });
        match r {
            Ok(_) => stdout(
                &mut out,
                format!(
                    "{} {}",
                    t.display(),
                    if what == "env" {
                        "env updated"
                    } else {
                        "resource requirements updated"
                    }
                ),
            ),
            Err(e) => {
                stderr(&mut out, e);
                out.status = 1;
            }
        }
    }
    out
}
