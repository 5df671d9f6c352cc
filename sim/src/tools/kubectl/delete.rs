//! `kubectl delete pod NAME...`: the docs' remedy for an eviction a budget blocks for ever.
//! Nodes too: blue-green upgrades retire the old workers with `kubectl delete node`.

use super::flags::{self, Kind, flag};
use super::get::Resource;
use super::{fail, stderr, stdout, usage_error};
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
];

pub(crate) fn run(api: &mut dyn KubeApi, args: &[String]) -> CommandOutput {
    let p = match flags::parse(args, SPECS) {
        Ok(p) => p,
        Err(e) => return usage_error(api, "delete", &e),
    };
    let Some(first) = p.positional.first() else {
        let mut out = fail("error: You must provide one or more resources by argument or filename.");
        stderr(&mut out, "Example resource specifications include:");
        stderr(&mut out, "   '-f rsrc.yaml'");
        stderr(&mut out, "   '--filename=rsrc.json'");
        stderr(&mut out, "   '<resource> <name>'");
        stderr(&mut out, "   '<resource>'");
        return out;
    };
    let (res_word, mut names) = match first.split_once('/') {
        Some((r, n)) => (r.to_string(), vec![n.to_string()]),
        None => (first.clone(), Vec::new()),
    };
    names.extend(p.positional.iter().skip(1).cloned());
    match Resource::parse(&res_word) {
        Some(Resource::Pods) => {}
        Some(Resource::Nodes) => {
            if names.is_empty() {
                return fail("error: resource(s) were provided, but no name was specified");
            }
            return delete_nodes(api, &names, p.bool("ignore-not-found"));
        }
        Some(_) => {
            return fail(format!(
                "kubedrill: `kubectl delete {res_word}` is not modelled yet (modelled: pods, nodes)"
            ));
        }
        None => return fail(format!("error: the server doesn't have a resource type \"{res_word}\"")),
    }
    if names.is_empty() {
        return fail("error: resource(s) were provided, but no name was specified");
    }
    let ns = p.str("namespace").unwrap_or("default").to_string();
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
    let mut out = CommandOutput::default();
    if force {
        stderr(
            &mut out,
            "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.",
        );
    }
    let wait = !p.has("wait") || p.bool("wait");
    let mut waiting: Vec<(PodId, u64)> = Vec::new();
    for name in &names {
        let Some(id) = api.cluster().pod_id(&ns, name) else {
            if !p.bool("ignore-not-found") {
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
        api.delete_pod(id, grace, DeleteCause::User);
        if force {
            api.force_delete_pod(id, uid);
        }
        stdout(
            &mut out,
            if force {
                format!("pod \"{name}\" force deleted")
            } else {
                format!("pod \"{name}\" deleted")
            },
        );
        waiting.push((id, uid));
    }
    api.settle();
    // kubectl waits (--wait=true) until the objects are gone, polling every second.
    while wait
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
