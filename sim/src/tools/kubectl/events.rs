//! `kubectl events` (1.26+; `kubectl alpha events` in 1.23–1.25): the namespace's events,
//! oldest first, with `--for TYPE/NAME`, `--types`, `-A` and the `-o` printers.

use super::flags::{self, Kind, flag};
use super::get::Resource;
use super::get_core::since;
use super::printer::{self, Format};
use super::{Local, fail, stderr, usage_error};
use crate::model::objects::{ApiObject, ListOptions};
use crate::shell::CommandOutput;
use crate::tabwriter::render;
use crate::tools::api::KubeApi;

const SPECS: &[flags::Spec] = &[
    flag("all-namespaces", Some('A'), Kind::Bool),
    flag("for", None, Kind::Str),
    flag("types", None, Kind::List),
    flag("output", Some('o'), Kind::Str),
    flag("no-headers", None, Kind::Bool),
    flag("watch", Some('w'), Kind::Bool),
    flag("chunk-size", None, Kind::Int),
    flag("template", None, Kind::Str),
];

pub(crate) fn run(api: &mut dyn KubeApi, args: &[String], local: &Local) -> CommandOutput {
    let p = match flags::parse(args, SPECS) {
        Ok(p) => p,
        Err(e) => return usage_error(api, "events", &e),
    };
    if p.bool("watch") {
        return fail("kubedrill: `kubectl events --watch` never returns; the simulator does not model it");
    }
    let types = p.list("types");
    if types
        .iter()
        .any(|t| !t.eq_ignore_ascii_case("Normal") && !t.eq_ignore_ascii_case("Warning"))
    {
        return fail("error: valid --types are Normal or Warning");
    }
    let all_ns = p.bool("all-namespaces");
    let ns = p.str("namespace").unwrap_or("default").to_string();
    let mut opts = ListOptions {
        namespace: (!all_ns).then(|| ns.clone()),
        ..Default::default()
    };
    if let Some(f) = p.str("for") {
        let Some((word, name)) = f.split_once('/') else {
            return fail("error: --for must be in resource/name form");
        };
        let Some(res) = Resource::parse(word) else {
            return fail(format!("error: the server doesn't have a resource type \"{word}\""));
        };
        let kind = kind_of(res);
        opts.field_selector = vec![
            ("involvedObject.kind".into(), kind.into()),
            ("involvedObject.apiVersion".into(), res.group_version().into()),
            ("involvedObject.name".into(), name.into()),
        ];
    }
    let format = match p.str("output").filter(|o| !o.is_empty()) {
        Some(o) => match Format::parse(o, p.str("template"), local) {
            Ok(f) => Some(f),
            Err(e) => return fail(e),
        },
        None => None,
    };
    let mut events: Vec<ApiObject> = match api.list(Resource::Events, &opts) {
        Ok(e) => e,
        Err(e) => return fail(format!("Error from server ({}): {}", e.reason(), e.message)),
    };
    events.retain(|e| match e {
        ApiObject::Event(e) => {
            types.is_empty()
                || types
                    .iter()
                    .any(|t| e.type_.as_deref().is_some_and(|ty| ty.eq_ignore_ascii_case(t)))
        }
        _ => false,
    });
    let mut out = CommandOutput::default();
    if events.is_empty() {
        if all_ns {
            stderr(&mut out, "No events found.");
        } else {
            stderr(&mut out, format!("No events found in {ns} namespace."));
        }
        return out;
    }
    // Oldest first (a stable sort keeps the API server's order among equal times).
    events.sort_by_key(|e| match e {
        ApiObject::Event(e) => e.last_timestamp.as_ref().map(|t| t.0.as_second()),
        _ => None,
    });
    if let Some(format) = format.filter(|f| !f.is_table()) {
        let items = events.iter().map(ApiObject::to_json).collect();
        let mut doc = printer::list_of(items);
        doc["kind"] = "EventList".into();
        doc["metadata"] = serde_json::json!({});
        if let Err(e) = printer::print(&mut out, &format, &doc, p.bool("no-headers")) {
            stderr(&mut out, e);
            out.status = 1;
        }
        return out;
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    if !p.bool("no-headers") {
        let mut h = Vec::new();
        if all_ns {
            h.push("NAMESPACE".to_string());
        }
        h.extend(["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"].map(String::from));
        rows.push(h);
    }
    for e in &events {
        let ApiObject::Event(e) = e else { continue };
        let mut r = Vec::new();
        if all_ns {
            r.push(e.metadata.namespace.clone().unwrap_or_default());
        }
        r.extend([
            since(api, e.last_timestamp.as_ref()),
            e.type_.clone().unwrap_or_default(),
            e.reason.clone().unwrap_or_default(),
            format!(
                "{}/{}",
                e.involved_object.kind.clone().unwrap_or_default(),
                e.involved_object.name.clone().unwrap_or_default()
            ),
            e.message.clone().unwrap_or_default().trim().to_string(),
        ]);
        rows.push(r);
    }
    for l in render(&rows, 6) {
        super::stdout(&mut out, l);
    }
    out
}

fn kind_of(res: Resource) -> &'static str {
    match res {
        Resource::Nodes => "Node",
        Resource::Pods => "Pod",
        Resource::Pdbs => "PodDisruptionBudget",
        Resource::Deployments => "Deployment",
        Resource::ReplicaSets => "ReplicaSet",
        Resource::DaemonSets => "DaemonSet",
        Resource::StatefulSets => "StatefulSet",
        Resource::Jobs => "Job",
        Resource::Namespaces => "Namespace",
        Resource::ConfigMaps => "ConfigMap",
        Resource::Secrets => "Secret",
        Resource::ServiceAccounts => "ServiceAccount",
        Resource::Services => "Service",
        Resource::Endpoints => "Endpoints",
        Resource::EndpointSlices => "EndpointSlice",
        Resource::Leases => "Lease",
        Resource::Events => "Event",
        Resource::PriorityClasses => "PriorityClass",
        Resource::PersistentVolumes => "PersistentVolume",
        Resource::PersistentVolumeClaims => "PersistentVolumeClaim",
        Resource::StorageClasses => "StorageClass",
        Resource::Ingresses => "Ingress",
        Resource::NetworkPolicies => "NetworkPolicy",
        Resource::CronJobs => "CronJob",
        Resource::HorizontalPodAutoscalers => "HorizontalPodAutoscaler",
    }
}
