//! `kubectl delete`: pods (gracefully, `--grace-period`, `--force`, waiting until they are
//! gone), nodes (blue-green upgrades retire the old workers), and every other writable kind
//! with what it owns; by name, `TYPE/NAME`, `-l`, `--all` or `-f FILE`.

use super::flags::{self, Kind, flag};
use super::get::Resource;
use super::target::{self, Selection, Target, server_error};
use super::{Local, fail, stderr, stdout, usage_error};
use crate::model::PodId;
use crate::model::status::DeleteCause;
use crate::shell::CommandOutput;
use crate::time::SimDuration;
use crate::tools::api::KubeApi;

const SPECS: &[flags::Spec] = &[
    flag("grace-period", None, Kind::Int),
    flag("force", None, Kind::Bool),
    flag("wait", None, Kind::Bool),
    flag("now", None, Kind::Bool),
    flag("ignore-not-found", None, Kind::Bool),
    flag("selector", Some('l'), Kind::Str),
    flag("all", None, Kind::Bool),
    flag("all-namespaces", Some('A'), Kind::Bool),
    flag("filename", Some('f'), Kind::Array),
    flag("recursive", Some('R'), Kind::Bool),
    flag("cascade", None, Kind::StrOpt("background")),
    flag("output", Some('o'), Kind::Str),
    flag("timeout", None, Kind::Duration),
    flag("dry-run", None, Kind::StrOpt("unchanged")),
    flag("field-selector", None, Kind::Str),
];

/// How `--grace-period`, `--now` and `--force` combine.
struct Grace {
    seconds: Option<u64>,
    force: bool,
    wait: bool,
}

pub(crate) fn run(api: &mut dyn KubeApi, args: &[String], local: &Local) -> CommandOutput {
    let p = match flags::parse(args, SPECS) {
        Ok(p) => p,
        Err(e) => return usage_error(api, "delete", &e),
    };
    let files = p.list("filename");
    if p.positional.is_empty() && files.is_empty() {
        let mut out = fail("error: You must provide one or more resources by argument or filename.");
        stderr(&mut out, "Example resource specifications include:");
        stderr(&mut out, "   '-f rsrc.yaml'");
        stderr(&mut out, "   '--filename=rsrc.json'");
        stderr(&mut out, "   '<resource> <name>'");
        stderr(&mut out, "   '<resource>'");
        return out;
    }
    let force = p.bool("force");
    let grace = match (p.int("grace-period"), p.bool("now")) {
        (Some(g), _) if g >= 0 => Some(g as u64),
        (_, true) => Some(1),
        _ if force => Some(0),
        _ => None,
    };
    if force && grace != Some(0) {
        return fail("error: --force and --grace-period greater than 0 cannot be specified together");
    }
    let grace = Grace {
        seconds: grace,
        force,
        wait: !p.has("wait") || p.bool("wait"),
    };
    let ns = p.str("namespace").unwrap_or("default").to_string();
    let mut skipped: Vec<String> = Vec::new();
    let targets: Vec<Target> = if !files.is_empty() {
        match super::apply::read_manifests(local, &files) {
            Ok(docs) => docs
                .iter()
                .inspect(|d| {
                    let kind = d
                        .value
                        .get("kind")
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or_default();
                    if Resource::from_kind(kind).is_none() {
                        skipped.push(format!(
                            "kubedrill: {kind} objects are kept as written but deleting them is not modelled"
                        ));
                    }
                })
                .filter_map(|d| {
                    let res = Resource::from_kind(d.value.get("kind")?.as_str()?)?;
                    Some(Target {
                        res,
                        ns: d
                            .value
                            .pointer("/metadata/namespace")
                            .and_then(serde_json::Value::as_str)
                            .unwrap_or(&ns)
                            .to_string(),
                        name: d.value.pointer("/metadata/name")?.as_str()?.to_string(),
                    })
                })
                .collect(),
            Err(e) => return fail(e),
        }
    } else {
        // The classic forms keep their exact behaviour: `delete pod NAME…`, `delete node NAME…`.
        let first = &p.positional[0];
        if !first.contains('/') && !first.contains(',') && p.str("selector").is_none() && !p.bool("all") {
            match Resource::parse(first) {
                Some(Resource::Pods) if p.positional.len() > 1 => {
                    return delete_pods(api, &p.positional[1..], &ns, &grace, p.bool("ignore-not-found"));
                }
                Some(Resource::Nodes) if p.positional.len() > 1 => {
                    return delete_nodes(api, &p.positional[1..], p.bool("ignore-not-found"));
                }
                _ => {}
            }
        }
        let sel = Selection {
            ns: &ns,
            all_ns: p.bool("all-namespaces"),
            selector: p.str("selector"),
            all: p.bool("all"),
        };
        match target::resolve(api, &p.positional, &sel) {
            Ok(t) => t,
            Err(e) => return fail(e),
        }
    };
    if targets.is_empty() {
        let mut out = CommandOutput::default();
        stderr(&mut out, "No resources found");
        return out;
    }
    let mut out = CommandOutput::default();
    // Pods go together (one wait for all of them), the rest one by one, in the order given.
    let pods: Vec<String> = targets
        .iter()
        .filter(|t| t.res == Resource::Pods)
        .map(|t| t.name.clone())
        .collect();
    for t in targets.iter().filter(|t| t.res != Resource::Pods) {
        let r = if t.res == Resource::Nodes {
            let o = delete_nodes(api, std::slice::from_ref(&t.name), p.bool("ignore-not-found"));
            out.chunks.extend(o.chunks);
            out.status = out.status.max(o.status);
            continue;
        } else {
            api.delete(t.res, &t.ns, &t.name, grace.seconds)
        };
        match r {
            Ok(()) => stdout(&mut out, format!("{} \"{}\" deleted", t.res.kind_group(), t.name)),
            Err(e) if e.code == 404 && p.bool("ignore-not-found") => {}
            Err(e) => {
                stderr(&mut out, server_error(&e));
                out.status = 1;
            }
        }
    }
    if !pods.is_empty() {
        let pod_ns = targets
            .iter()
            .find(|t| t.res == Resource::Pods)
            .map_or(ns.clone(), |t| t.ns.clone());
        let o = delete_pods(api, &pods, &pod_ns, &grace, p.bool("ignore-not-found"));
        out.chunks.extend(o.chunks);
        out.status = out.status.max(o.status);
    }
    for s in skipped {
        stderr(&mut out, s);
    }
    api.settle();
    out
}

fn delete_pods(api: &mut dyn KubeApi, names: &[String], ns: &str, g: &Grace, ignore_not_found: bool) -> CommandOutput {
    let mut out = CommandOutput::default();
    if g.force {
        stderr(
            &mut out,
            "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.",
        );
    }
    let mut waiting: Vec<(PodId, u64)> = Vec::new();
    for name in names {
        let Some(id) = api.cluster().pod_id(ns, name) else {
            if !ignore_not_found {
                stderr(
                    &mut out,
                    format!("Error from server (NotFound): pods \"{name}\" not found"),
                );
                out.status = 1;
            }
            continue;
        };
        let uid = api.cluster().pod(id).map(|p| p.uid).unwrap_or_default();
        // --force skips the kubelet's confirmation: the object goes at once.
        api.delete_pod(id, g.seconds, DeleteCause::User);
        if g.force {
            api.force_delete_pod(id, uid);
        }
        stdout(
            &mut out,
            if g.force {
                format!("pod \"{name}\" force deleted")
            } else {
                format!("pod \"{name}\" deleted")
            },
        );
        waiting.push((id, uid));
    }
    api.settle();
    // kubectl waits (--wait=true) until the objects are gone, polling every second.
    while g.wait
        && waiting
            .iter()
            .any(|(id, uid)| api.cluster().pod_if(*id, *uid).is_some())
    {
        let next = api.now() + SimDuration::from_secs(1);
        if !api.wait_until(next) {
            stderr(
                &mut out,
                "kubedrill: interrupted: the step used its virtual time limit waiting for the deletion",
            );
            out.status = 130;
            break;
        }
    }
    out
}

/// `kubectl delete node NAME...`: the Node objects go; what ran there is cleaned up by the pod
/// garbage collector and recreated elsewhere by its controllers (a bare pod is lost).
fn delete_nodes(api: &mut dyn KubeApi, names: &[String], ignore_not_found: bool) -> CommandOutput {
    let mut out = CommandOutput::default();
    for name in names {
        let Some(id) = api.cluster().node_id(name) else {
            if !ignore_not_found {
                stderr(
                    &mut out,
                    format!("Error from server (NotFound): nodes \"{name}\" not found"),
                );
                out.status = 1;
            }
            continue;
        };
        api.delete_node(id);
        stdout(&mut out, format!("node \"{name}\" deleted"));
    }
    api.settle();
    out
}
