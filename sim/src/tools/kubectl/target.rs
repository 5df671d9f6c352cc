//! What the writing commands act on: `TYPE NAME…`, `TYPE/NAME…`, `TYPE -l SELECTOR`,
//! `TYPE --all`, resolved to objects the API serves; and the read-modify-write cycle they
//! share (GET the object, change its JSON, PUT it back).

use super::get::Resource;
use crate::model::Selector;
use crate::model::objects::{ApiObject, ListOptions};
use crate::model::status::ApiError;
use crate::tools::api::KubeApi;
use serde_json::Value;

/// One object a command acts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    pub res: Resource,
    pub ns: String,
    pub name: String,
}

impl Target {
    /// `deployment.apps/web`
    pub(crate) fn display(&self) -> String {
        format!("{}/{}", self.res.kind_group(), self.name)
    }

    pub(crate) fn ns_opt(&self) -> Option<&str> {
        self.res.namespaced().then_some(self.ns.as_str())
    }
}

/// How a command picks its objects besides naming them.
pub(crate) struct Selection<'a> {
    pub ns: &'a str,
    pub all_ns: bool,
    pub selector: Option<&'a str>,
    pub all: bool,
}

/// The objects `words` and the selection name. The error is kubectl's line.
pub(crate) fn resolve(api: &dyn KubeApi, words: &[String], sel: &Selection) -> Result<Vec<Target>, String> {
    let Some(first) = words.first() else {
        return Err("error: You must provide one or more resources by argument or filename.".into());
    };
    let parse =
        |w: &str| Resource::parse(w).ok_or_else(|| format!("error: the server doesn't have a resource type \"{w}\""));
    let mut out = Vec::new();
    if first.contains('/') {
        for w in words {
            let Some((kind, name)) = w.split_once('/') else {
                return Err("error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'".into());
            };
            let res = parse(kind)?;
            out.push(Target {
                res,
                ns: sel.ns.to_string(),
                name: name.to_string(),
            });
        }
        return Ok(out);
    }
    let mut kinds = Vec::new();
    for k in first.split(',') {
        kinds.push(parse(k)?);
    }
    let names = &words[1..];
    if names.is_empty() {
        if sel.selector.is_none() && !sel.all {
            return Err("error: resource(s) were provided, but no name was specified".into());
        }
        let label_selector = sel
            .selector
            .map(Selector::parse)
            .transpose()
            .map_err(|e| format!("error: {e}"))?;
        for res in kinds {
            let opts = ListOptions {
                namespace: (!sel.all_ns && res.namespaced()).then(|| sel.ns.to_string()),
                label_selector: label_selector.clone(),
                ..Default::default()
            };
            for o in api.list(res, &opts).map_err(|e| server_error(&e))? {
                let m = o.metadata();
                out.push(Target {
                    res,
                    ns: m.namespace.clone().unwrap_or_default(),
                    name: m.name.clone().unwrap_or_default(),
                });
            }
        }
        return Ok(out);
    }
    if sel.selector.is_some() {
        return Err("error: name cannot be provided when a selector is specified".into());
    }
    for res in kinds {
        for n in names {
            out.push(Target {
                res,
                ns: sel.ns.to_string(),
                name: n.clone(),
            });
        }
    }
    Ok(out)
}

/// `Error from server (Reason): message`.
pub(crate) fn server_error(e: &ApiError) -> String {
    format!("Error from server ({}): {}", e.reason(), e.message)
}

/// The object whole, as JSON.
pub(crate) fn fetch(api: &dyn KubeApi, t: &Target) -> Result<Value, String> {
    api.get(t.res, t.ns_opt(), &t.name)
        .map(|o: ApiObject| o.to_json())
        .map_err(|e| server_error(&e))
}

/// GET, change, PUT: `Ok(changed)`.
pub(crate) fn modify(
    api: &mut dyn KubeApi,
    t: &Target,
    change: impl FnOnce(&mut Value) -> Result<(), String>,
) -> Result<bool, String> {
    let mut v = fetch(api, t)?;
    let before = v.clone();
    change(&mut v)?;
    if v == before {
        return Ok(false);
    }
    api.update(v).map_err(|e| server_error(&e))
}

/// The pod template of a controller's JSON (`spec.template`), or the pod's own spec holder.
pub(crate) fn template_spec(v: &mut Value) -> Option<&mut Value> {
    if v["kind"] == "Pod" {
        return v.get_mut("spec");
    }
    v.pointer_mut("/spec/template/spec")
}
