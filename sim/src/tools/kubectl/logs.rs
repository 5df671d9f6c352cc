//! `kubectl logs POD`: only what maintenance needs to read, the reason an etcd member refused
//! to start. Other containers' logs are application output the model does not have.

use super::flags::{self, Kind, flag};
use super::{fail, stdout, usage_error};
use crate::release::components::StaticPod;
use crate::shell::CommandOutput;
use crate::tools::api::KubeApi;

const SPECS: &[flags::Spec] = &[
    flag("previous", Some('p'), Kind::Bool),
    flag("follow", Some('f'), Kind::Bool),
    flag("tail", None, Kind::Int),
    flag("container", Some('c'), Kind::Str),
    flag("timestamps", None, Kind::Bool),
];

pub(crate) fn run(api: &mut dyn KubeApi, args: &[String]) -> CommandOutput {
    let p = match flags::parse(args, SPECS) {
        Ok(p) => p,
        Err(e) => return usage_error(api, "logs", &e),
    };
    let Some(target) = p.positional.first() else {
        return usage_error(
            api,
            "logs",
            "expected POD or TYPE/NAME is a required argument for the logs command",
        );
    };
    let name = target
        .strip_prefix("pod/")
        .or_else(|| target.strip_prefix("pods/"))
        .unwrap_or(target);
    let ns = p.str("namespace").unwrap_or("default");
    let Some(pod) = api.cluster().pod_id(ns, name).and_then(|id| api.cluster().pod(id)) else {
        return fail(format!("Error from server (NotFound): pods \"{name}\" not found"));
    };
    let failed_etcd = match pod.owner {
        crate::model::Owner::Mirror(node) if name.starts_with(&format!("{}-", StaticPod::Etcd.name())) => api
            .cluster()
            .node(node)
            .control_plane
            .as_ref()
            .and_then(|cp| cp.etcd_failed.clone()),
        _ => None,
    };
    match failed_etcd {
        Some(log) => {
            let mut out = CommandOutput::default();
            for line in log.lines() {
                stdout(&mut out, line);
            }
            out
        }
        None => fail(format!(
            "kubedrill: the logs of {ns}/{name} are not modelled (only an etcd member's refusal to start is)"
        )),
    }
}
