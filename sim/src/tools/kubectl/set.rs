//! `kubectl set image`: a new image for a Deployment's or DaemonSet's containers, rolled out one
//! pod at a time. It is how the independent components (flannel, say) are upgraded.

use super::flags::{self, Parsed};
use super::get::Resource;
use super::{fail, stdout, usage_error};
use crate::model::WorkloadKind;
use crate::shell::CommandOutput;
use crate::tools::api::KubeApi;

pub(crate) fn run(api: &mut dyn KubeApi, args: &[String]) -> CommandOutput {
    let p: Parsed = match flags::parse(args, &[]) {
        Ok(p) => p,
        Err(e) => return usage_error(api, "set image", &e),
    };
    let mut words = p.positional.iter();
    match words.next().map(String::as_str) {
        Some("image") => {}
        Some(other) => {
            return fail(format!(
                "kubedrill: `kubectl set {other}` is not modelled (modelled: set image)"
            ));
        }
        None => return usage_error(api, "set", "unknown command \"\" for \"kubectl set\""),
    }
    let rest: Vec<&String> = words.collect();
    let Some(first) = rest.first() else {
        return usage_error(
            api,
            "set image",
            "one or more resources must be specified as <resource> <name> or <resource>/<name>",
        );
    };
    let (res_word, name, pairs) = match first.split_once('/') {
        Some((r, n)) => (r.to_string(), n.to_string(), &rest[1..]),
        None => match rest.get(1) {
            Some(n) if !n.contains('=') => (first.to_string(), n.to_string(), &rest[2..]),
            _ => {
                return usage_error(
                    api,
                    "set image",
                    "one or more resources must be specified as <resource> <name> or <resource>/<name>",
                );
            }
        },
    };
    if pairs.is_empty() {
        return usage_error(api, "set image", "at least one image update is required");
    }
    let mut updates = Vec::new();
    for pair in pairs {
        match pair.split_once('=') {
            Some((c, i)) if !c.is_empty() && !i.is_empty() => updates.push((c.to_string(), i.to_string())),
            _ => {
                return usage_error(
                    api,
                    "set image",
                    &format!("invalid image update {pair:?}: expected CONTAINER=IMAGE"),
                );
            }
        }
    }
    let kind = match Resource::parse(&res_word) {
        Some(Resource::Deployments) => WorkloadKind::Deployment,
        Some(Resource::DaemonSets) => WorkloadKind::DaemonSet,
        Some(_) => {
            return fail(format!(
                "kubedrill: `kubectl set image {res_word}` is not modelled (modelled: deployments, daemonsets)"
            ));
        }
        None => return fail(format!("error: the server doesn't have a resource type \"{res_word}\"")),
    };
    let ns = p.str("namespace").unwrap_or("default").to_string();
    let Some(id) = api.cluster().workload_id(kind, &ns, &name) else {
        return fail(format!(
            "Error from server (NotFound): {} \"{name}\" not found",
            kind.resource()
        ));
    };
    let target = match kind {
        WorkloadKind::Deployment => match api.cluster().workload(id).child {
            Some(rs) => rs,
            None => id,
        },
        _ => id,
    };
    for (container, _) in &updates {
        if !api
            .cluster()
            .workload(target)
            .template
            .spec
            .containers
            .iter()
            .any(|c| &c.name == container)
        {
            return fail(format!("error: unable to find container named \"{container}\""));
        }
    }
    for (container, image) in &updates {
        api.set_template_image(target, container, image, true);
        if target != id {
            api.set_template_image(id, container, image, false);
        }
        api.set_addon_image(kind, &ns, &name, image);
    }
    let mut out = CommandOutput::default();
    let singular = match kind {
        WorkloadKind::DaemonSet => "daemonset.apps",
        _ => "deployment.apps",
    };
    stdout(&mut out, format!("{singular}/{name} image updated"));
    out
}
