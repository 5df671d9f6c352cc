//! `kubectl create deployment NAME --image=IMAGE [--replicas=N]` and `kubectl create namespace`:
//! enough to make objects during a drill (an etcd restore takes later ones away again).

use super::flags::{self, Kind, flag};
use super::{fail, stdout, usage_error};
use crate::model::{Labels, WorkloadKind};
use crate::shell::CommandOutput;
use crate::tools::api::KubeApi;
use k8s_openapi::api::core::v1::{Container, PodSpec};

const SPECS: &[flags::Spec] = &[
    flag("image", None, Kind::Str),
    flag("replicas", Some('r'), Kind::Int),
    flag("port", None, Kind::Int),
    flag("dry-run", None, Kind::Str),
];

pub(crate) fn run(api: &mut dyn KubeApi, args: &[String]) -> CommandOutput {
    let p = match flags::parse(args, SPECS) {
        Ok(p) => p,
        Err(e) => return usage_error(api, "create", &e),
    };
    let mut words = p.positional.iter().map(String::as_str);
    match (words.next(), words.next()) {
        (Some("deployment" | "deploy"), Some(name)) => deployment(api, &p, name),
        (Some("namespace" | "ns"), Some(name)) => {
            if api.cluster().has_namespace(name) {
                return fail(format!(
                    "Error from server (AlreadyExists): namespaces \"{name}\" already exists"
                ));
            }
            api.create_namespace(name);
            let mut out = CommandOutput::default();
            stdout(&mut out, format!("namespace/{name} created"));
            out
        }
        (Some("deployment" | "deploy" | "namespace" | "ns"), None) => {
            usage_error(api, "create", "exactly one NAME is required, got 0")
        }
        (Some(other), _) => fail(format!(
            "kubedrill: `kubectl create {other}` is not modelled (modelled: create deployment, create namespace)"
        )),
        (None, _) => usage_error(api, "create", "Required resource not specified."),
    }
}

fn deployment(api: &mut dyn KubeApi, p: &flags::Parsed, name: &str) -> CommandOutput {
    let Some(image) = p.str("image") else {
        return usage_error(api, "create deployment", "required flag(s) \"image\" not set");
    };
    let replicas = p.int("replicas").unwrap_or(1);
    if replicas < 0 {
        return fail(format!(
            "error: failed to create deployment: Deployment.apps \"{name}\" is invalid: spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0"
        ));
    }
    let ns = p.str("namespace").unwrap_or("default").to_string();
    if !api.cluster().has_namespace(&ns) {
        return fail(format!(
            "error: failed to create deployment: namespaces \"{ns}\" not found"
        ));
    }
    if api.cluster().workload_id(WorkloadKind::Deployment, &ns, name).is_some() {
        return fail(format!(
            "error: failed to create deployment: deployments.apps \"{name}\" already exists"
        ));
    }
    // kubectl names the container after the image's last path element, without tag.
    let container = image
        .rsplit('/')
        .next()
        .unwrap_or(image)
        .split([':', '@'])
        .next()
        .unwrap_or(image)
        .to_string();
    let spec = PodSpec {
        containers: vec![Container {
            name: container,
            image: Some(image.to_string()),
            ..Default::default()
        }],
        ..Default::default()
    };
    let mut labels = Labels::new();
    labels.insert("app".into(), name.to_string());
    let template = match crate::model::manifest::template_from_spec(&spec, &labels, &Labels::new(), false) {
        Ok(t) => t,
        Err(e) => return fail(format!("error: {e}")),
    };
    if let Err(e) = api.create_workload(WorkloadKind::Deployment, &ns, name, replicas as u32, template) {
        return fail(format!("error: {}", e.message));
    }
    api.settle();
    let mut out = CommandOutput::default();
    stdout(&mut out, format!("deployment.apps/{name} created"));
    out
}
