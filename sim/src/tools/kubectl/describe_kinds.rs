//! `kubectl describe` of the kinds besides nodes and pods, in describe.go's layout: every
//! controller (with its pod template and pod counts), budgets, namespaces, services,
//! endpoints, config maps, secrets, service accounts and priority classes, each with the
//! Events the control plane recorded about it.

use super::describe::{tabbed, timestamp_at};
use super::get::Resource;
use super::get_core::{since, target_port};
use crate::model::objects::{ApiObject, ListOptions, format_label_selector as selector_text};
use crate::model::{Owner, Phase};
use crate::time::SimTime;
use crate::tools::api::KubeApi;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

/// Lines in the making; `tabbed` aligns them as describe's tabwriter does.
type Lines = Vec<String>;

/// A timestamp as describe prints it (RFC 1123).
fn rfc1123(t: Option<&Time>) -> String {
    let secs = t.map_or(0, |t| t.0.as_second()).max(0) as u64;
    timestamp_at(0, SimTime(secs * 1000))
}

fn multiline(l: &mut Lines, title: &str, pairs: Vec<String>) {
    if pairs.is_empty() {
        l.push(format!("{title}:\t<none>"));
        return;
    }
    for (i, p) in pairs.into_iter().enumerate() {
        if i == 0 {
            l.push(format!("{title}:\t{p}"));
        } else {
            l.push(format!("\t{p}"));
        }
    }
}

fn labels(l: &mut Lines, title: &str, m: Option<&BTreeMap<String, String>>) {
    let pairs = m.into_iter().flatten().map(|(k, v)| format!("{k}={v}")).collect();
    multiline(l, title, pairs);
}

fn annotations(l: &mut Lines, title: &str, m: Option<&BTreeMap<String, String>>) {
    let pairs = m
        .into_iter()
        .flatten()
        .filter(|(k, _)| *k != "kubectl.kubernetes.io/last-applied-configuration")
        .map(|(k, v)| format!("{k}: {}", v.trim_end_matches('\n')))
        .collect();
    multiline(l, title, pairs);
}

fn int_or_string(v: Option<&IntOrString>) -> String {
    match v {
        Some(IntOrString::Int(n)) => n.to_string(),
        Some(IntOrString::String(s)) => s.clone(),
        None => "<nil>".into(),
    }
}

fn tolerations(l: &mut Lines, title: &str, ts: &[core::Toleration]) {
    let mut ts = ts.to_vec();
    ts.sort_by(|a, b| a.key.cmp(&b.key));
    let pairs = ts
        .iter()
        .map(|t| {
            let mut s = t.key.clone().unwrap_or_default();
            if let Some(v) = t.value.as_ref().filter(|v| !v.is_empty()) {
                s.push_str(&format!("={v}"));
            }
            if let Some(e) = t.effect.as_ref().filter(|e| !e.is_empty()) {
                s.push_str(&format!(":{e}"));
            }
            if t.operator.as_deref() == Some("Exists") && t.value.as_deref().unwrap_or("").is_empty() {
                if t.key.is_some() || t.effect.is_some() {
                    s.push_str(" op=Exists");
                } else {
                    s.push_str("op=Exists");
                }
            }
            if let Some(secs) = t.toleration_seconds {
                s.push_str(&format!(" for {secs}s"));
            }
            s
        })
        .collect();
    multiline(l, title, pairs);
}

fn container(l: &mut Lines, c: &core::Container) {
    l.push(format!("   {}:", c.name));
    l.push(format!("    Image:\t{}", c.image.clone().unwrap_or_default()));
    let ports: Vec<String> = c
        .ports
        .iter()
        .flatten()
        .map(|p| {
            format!(
                "{}/{}",
                p.container_port,
                p.protocol.clone().unwrap_or_else(|| "TCP".into())
            )
        })
        .collect();
    let host_ports: Vec<String> = c
        .ports
        .iter()
        .flatten()
        .map(|p| {
            format!(
                "{}/{}",
                p.host_port.unwrap_or(0),
                p.protocol.clone().unwrap_or_else(|| "TCP".into())
            )
        })
        .collect();
    if ports.len() > 1 {
        l.push(format!("    Ports:\t{}", ports.join(", ")));
        l.push(format!("    Host Ports:\t{}", host_ports.join(", ")));
    } else {
        l.push(format!(
            "    Port:\t{}",
            ports.first().cloned().unwrap_or_else(|| "<none>".into())
        ));
        l.push(format!(
            "    Host Port:\t{}",
            host_ports.first().cloned().unwrap_or_else(|| "<none>".into())
        ));
    }
    if let Some(cmd) = c.command.as_ref().filter(|c| !c.is_empty()) {
        l.push("    Command:".into());
        l.extend(cmd.iter().map(|s| format!("      {s}")));
    }
    if let Some(args) = c.args.as_ref().filter(|a| !a.is_empty()) {
        l.push("    Args:".into());
        l.extend(args.iter().map(|s| format!("      {s}")));
    }
    if let Some(r) = &c.resources {
        for (title, map) in [("Limits", &r.limits), ("Requests", &r.requests)] {
            if let Some(map) = map.as_ref().filter(|m| !m.is_empty()) {
                l.push(format!("    {title}:"));
                for (k, q) in map {
                    l.push(format!("      {k}:\t{}", q.0));
                }
            }
        }
    }
    let env = c.env.clone().unwrap_or_default();
    if env.is_empty() {
        l.push("    Environment:\t<none>".into());
    } else {
        l.push("    Environment:".into());
        for e in env {
            l.push(format!("      {}:\t{}", e.name, e.value.unwrap_or_default()));
        }
    }
    let mounts = c.volume_mounts.clone().unwrap_or_default();
    if mounts.is_empty() {
        l.push("    Mounts:\t<none>".into());
    } else {
        l.push("    Mounts:".into());
        for m in mounts {
            let rw = if m.read_only == Some(true) { "ro" } else { "rw" };
            l.push(format!("      {} from {} ({rw})", m.mount_path, m.name));
        }
    }
}

fn pod_template(api: &dyn KubeApi, l: &mut Lines, t: Option<&core::PodTemplateSpec>) {
    l.push("Pod Template:".into());
    let Some(t) = t else {
        l.push("  <unset>".into());
        return;
    };
    let meta = t.metadata.clone().unwrap_or_default();
    labels(l, "  Labels", meta.labels.as_ref());
    if meta.annotations.as_ref().is_some_and(|a| !a.is_empty()) {
        annotations(l, "  Annotations", meta.annotations.as_ref());
    }
    let spec = t.spec.clone().unwrap_or_default();
    if let Some(sa) = spec
        .service_account_name
        .as_ref()
        .filter(|s| !s.is_empty() && *s != "default")
    {
        l.push(format!("  Service Account:\t{sa}"));
    }
    l.push("  Containers:".into());
    for c in &spec.containers {
        container(l, c);
    }
    let volumes = spec.volumes.clone().unwrap_or_default();
    if volumes.is_empty() {
        l.push("  Volumes:\t<none>".into());
    } else {
        l.push("  Volumes:".into());
        for v in volumes {
            l.push(format!("   {}:", v.name));
            if let Some(h) = &v.host_path {
                l.push("    Type:\tHostPath (bare host directory volume)".into());
                l.push(format!("    Path:\t{}", h.path));
                l.push(format!("    HostPathType:\t{}", h.type_.clone().unwrap_or_default()));
            } else if v.empty_dir.is_some() {
                l.push("    Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)".into());
                l.push("    Medium:\t".into());
                l.push("    SizeLimit:\t<unset>".into());
            } else if let Some(cm) = &v.config_map {
                l.push("    Type:\tConfigMap (a volume populated by a ConfigMap)".into());
                l.push(format!("    Name:\t{}", cm.name));
                l.push("    Optional:\tfalse".into());
            }
        }
    }
    if let Some(pc) = spec.priority_class_name.as_ref().filter(|p| !p.is_empty()) {
        l.push(format!("  Priority Class Name:\t{pc}"));
    }
    if api.kubectl().minor >= 30 {
        labels(l, "  Node-Selectors", spec.node_selector.as_ref());
        tolerations(l, "  Tolerations", spec.tolerations.as_deref().unwrap_or_default());
    }
}

/// The events of a whole `kubectl describe` command, by (namespace, kind, name) of the object
/// they are about. kubectl asks the API server once per object with a field selector; the
/// answer is the same as taking the object's events from one listing, and one listing keeps
/// `describe pods` over thousands of pods linear instead of quadratic.
pub(crate) struct EventIndex {
    by_object: BTreeMap<(String, String, String), Vec<core::Event>>,
}

impl EventIndex {
    pub(crate) fn new(api: &dyn KubeApi) -> Self {
        let mut by_object: BTreeMap<(String, String, String), Vec<core::Event>> = BTreeMap::new();
        for o in api.list(Resource::Events, &ListOptions::default()).unwrap_or_default() {
            let ApiObject::Event(e) = o else { continue };
            let key = (
                e.metadata.namespace.clone().unwrap_or_default(),
                e.involved_object.kind.clone().unwrap_or_default(),
                e.involved_object.name.clone().unwrap_or_default(),
            );
            by_object.entry(key).or_default().push(e);
        }
        Self { by_object }
    }

    /// The `Events:` section: what was recorded about the object, oldest first.
    pub(crate) fn section(&self, api: &dyn KubeApi, kind: &str, ns: Option<&str>, name: &str) -> Lines {
        let key = (ns.unwrap_or("default").to_string(), kind.to_string(), name.to_string());
        let mut found = self.by_object.get(&key).cloned().unwrap_or_default();
        if found.is_empty() {
            return vec!["Events:\t<none>".into()];
        }
        found.sort_by_key(|e| e.last_timestamp.as_ref().map(|t| t.0.as_second()));
        let mut l = vec![
            "Events:".to_string(),
            "  Type\tReason\tAge\tFrom\tMessage".into(),
            "  ----\t------\t----\t----\t-------".into(),
        ];
        for e in found {
            l.push(format!(
                "  {}\t{}\t{}\t{}\t{}",
                e.type_.unwrap_or_default(),
                e.reason.unwrap_or_default(),
                since(api, e.first_timestamp.as_ref()),
                e.source.and_then(|s| s.component).unwrap_or_default(),
                e.message.unwrap_or_default().trim()
            ));
        }
        l
    }
}

/// Running / Waiting / Succeeded / Failed pods a controller owns.
fn pod_counts(api: &dyn KubeApi, kind: crate::model::WorkloadKind, ns: &str, name: &str) -> String {
    let (mut run, mut wait, mut ok, mut failed) = (0, 0, 0, 0);
    if let Some(id) = api.cluster().workload_id(kind, ns, name) {
        for (_, p) in api.cluster().pods_any_order().filter(|(_, p)| &*p.namespace == ns) {
            let owned = matches!(p.owner,
                Owner::ReplicaSet(o) | Owner::StatefulSet(o, _) | Owner::DaemonSet(o) | Owner::Job(o) if o == id);
            if !owned {
                continue;
            }
            match p.phase {
                Phase::Running => run += 1,
                Phase::Pending => wait += 1,
                Phase::Succeeded => ok += 1,
                Phase::Failed => failed += 1,
            }
        }
    }
    format!("{run} Running / {wait} Waiting / {ok} Succeeded / {failed} Failed")
}

fn controlled_by(m: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> Option<String> {
    m.owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
        .map(|o| format!("{}/{}", o.kind, o.name))
}

/// Describes one object; `None` for a kind this module does not describe.
pub(crate) fn describe(api: &dyn KubeApi, o: &ApiObject, events: &EventIndex) -> Option<Vec<String>> {
    use crate::model::WorkloadKind as W;
    let m = o.metadata();
    let name = m.name.clone().unwrap_or_default();
    let ns = m.namespace.clone().unwrap_or_default();
    let mut l: Lines = vec![format!("Name:\t{name}")];
    let kind: &str;
    match o {
        ApiObject::Deployment(d) => {
            kind = "Deployment";
            let spec = &d.spec;
            let st = d.status.clone().unwrap_or_default();
            l.push(format!("Namespace:\t{ns}"));
            l.push(format!(
                "CreationTimestamp:\t{}",
                rfc1123(m.creation_timestamp.as_ref())
            ));
            labels(&mut l, "Labels", m.labels.as_ref());
            annotations(&mut l, "Annotations", m.annotations.as_ref());
            l.push(format!("Selector:\t{}", selector_text(Some(&spec.selector))));
            l.push(format!(
                "Replicas:\t{} desired | {} updated | {} total | {} available | {} unavailable",
                spec.replicas.unwrap_or(1),
                st.updated_replicas.unwrap_or(0),
                st.replicas.unwrap_or(0),
                st.available_replicas.unwrap_or(0),
                st.unavailable_replicas.unwrap_or(0)
            ));
            let strategy = spec.strategy.clone().unwrap_or_default();
            l.push(format!("StrategyType:\t{}", strategy.type_.clone().unwrap_or_default()));
            l.push(format!("MinReadySeconds:\t{}", spec.min_ready_seconds.unwrap_or(0)));
            if let Some(ru) = &strategy.rolling_update {
                l.push(format!(
                    "RollingUpdateStrategy:\t{} max unavailable, {} max surge",
                    int_or_string(ru.max_unavailable.as_ref()),
                    int_or_string(ru.max_surge.as_ref())
                ));
            }
            pod_template(api, &mut l, Some(&spec.template));
            if let Some(conds) = st.conditions.as_ref().filter(|c| !c.is_empty()) {
                l.push("Conditions:".into());
                l.push("  Type\tStatus\tReason".into());
                l.push("  ----\t------\t------".into());
                for c in conds {
                    l.push(format!(
                        "  {} \t{}\t{}",
                        c.type_.clone().unwrap_or_default(),
                        c.status.clone().unwrap_or_default(),
                        c.reason.clone().unwrap_or_default()
                    ));
                }
            }
            let rs = api
                .cluster()
                .workload_id(W::Deployment, &ns, &name)
                .and_then(|id| api.cluster().workload(id).child)
                .map(|rs| {
                    let w = api.cluster().workload(rs);
                    let total = super::get::owned_pods(api, rs)
                        .iter()
                        .filter(|p| !p.is_terminating())
                        .count();
                    format!("{} ({total}/{} replicas created)", w.name, w.replicas)
                });
            l.push("OldReplicaSets:\t<none>".into());
            l.push(format!("NewReplicaSet:\t{}", rs.unwrap_or_else(|| "<none>".into())));
        }
        ApiObject::ReplicaSet(r) => {
            kind = "ReplicaSet";
            let spec = &r.spec;
            l.push(format!("Namespace:\t{ns}"));
            l.push(format!("Selector:\t{}", selector_text(Some(&spec.selector))));
            labels(&mut l, "Labels", m.labels.as_ref());
            annotations(&mut l, "Annotations", m.annotations.as_ref());
            if let Some(c) = controlled_by(m) {
                l.push(format!("Controlled By:\t{c}"));
            }
            let st = r.status.clone().unwrap_or_default();
            l.push(format!(
                "Replicas:\t{} current / {} desired",
                st.replicas,
                spec.replicas.unwrap_or(1)
            ));
            l.push(format!("Pods Status:\t{}", pod_counts(api, W::ReplicaSet, &ns, &name)));
            pod_template(api, &mut l, spec.template.as_ref());
        }
        ApiObject::DaemonSet(d) => {
            kind = "DaemonSet";
            let spec = &d.spec;
            let st = d.status.clone().unwrap_or_default();
            l.push(format!("Namespace:\t{ns}"));
            l.push(format!("Selector:\t{}", selector_text(Some(&spec.selector))));
            let node_sel: Vec<String> = spec
                .template
                .spec
                .as_ref()
                .and_then(|s| s.node_selector.clone())
                .unwrap_or_default()
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            l.push(format!(
                "Node-Selector:\t{}",
                if node_sel.is_empty() {
                    "<none>".into()
                } else {
                    node_sel.join(",")
                }
            ));
            labels(&mut l, "Labels", m.labels.as_ref());
            annotations(&mut l, "Annotations", m.annotations.as_ref());
            l.push(format!(
                "Desired Number of Nodes Scheduled: {}",
                st.desired_number_scheduled
            ));
            l.push(format!(
                "Current Number of Nodes Scheduled: {}",
                st.current_number_scheduled
            ));
            l.push(format!(
                "Number of Nodes Scheduled with Up-to-date Pods: {}",
                st.updated_number_scheduled.unwrap_or(0)
            ));
            l.push(format!(
                "Number of Nodes Scheduled with Available Pods: {}",
                st.number_available.unwrap_or(0)
            ));
            l.push(format!("Number of Nodes Misscheduled: {}", st.number_misscheduled));
            l.push(format!("Pods Status:\t{}", pod_counts(api, W::DaemonSet, &ns, &name)));
            pod_template(api, &mut l, Some(&spec.template));
        }
        ApiObject::StatefulSet(s) => {
            kind = "StatefulSet";
            let spec = &s.spec;
            let st = s.status.clone().unwrap_or_default();
            l.push(format!("Namespace:\t{ns}"));
            l.push(format!(
                "CreationTimestamp:\t{}",
                rfc1123(m.creation_timestamp.as_ref())
            ));
            l.push(format!("Selector:\t{}", selector_text(Some(&spec.selector))));
            labels(&mut l, "Labels", m.labels.as_ref());
            annotations(&mut l, "Annotations", m.annotations.as_ref());
            if let Some(svc) = spec.service_name.as_ref().filter(|s| !s.is_empty()) {
                l.push(format!("Service Name:\t{svc}"));
            }
            if let Some(p) = &spec.pod_management_policy {
                l.push(format!("Pod Management Policy:\t{p}"));
            }
            l.push(format!(
                "Replicas:\t{} desired | {} total",
                spec.replicas.unwrap_or(1),
                st.replicas
            ));
            let us = spec.update_strategy.clone().unwrap_or_default();
            l.push(format!("Update Strategy:\t{}", us.type_.clone().unwrap_or_default()));
            if let Some(p) = us.rolling_update.and_then(|r| r.partition) {
                l.push(format!("  Partition:\t{p}"));
            }
            if let Some(p) = &spec.persistent_volume_claim_retention_policy {
                l.push("Persistent Volume Claim Retention Policy:".into());
                l.push(format!(
                    "  WhenDeleted:\t{}",
                    p.when_deleted.clone().unwrap_or_default()
                ));
                l.push(format!("  WhenScaled:\t{}", p.when_scaled.clone().unwrap_or_default()));
            }
            l.push(format!("Pods Status:\t{}", pod_counts(api, W::StatefulSet, &ns, &name)));
            pod_template(api, &mut l, Some(&spec.template));
            l.push("Volume Claims:\t<none>".into());
        }
        ApiObject::Job(j) => {
            kind = "Job";
            let spec = j.spec.clone().unwrap_or_default();
            let st = j.status.clone().unwrap_or_default();
            l.push(format!("Namespace:\t{ns}"));
            l.push(format!("Selector:\t{}", selector_text(spec.selector.as_ref())));
            labels(&mut l, "Labels", m.labels.as_ref());
            annotations(&mut l, "Annotations", m.annotations.as_ref());
            if let Some(p) = spec.parallelism {
                l.push(format!("Parallelism:\t{p}"));
            }
            match spec.completions {
                Some(c) => l.push(format!("Completions:\t{c}")),
                None => l.push("Completions:\t<unset>".into()),
            }
            if let Some(c) = &spec.completion_mode {
                l.push(format!("Completion Mode:\t{c}"));
            }
            if let Some(s) = spec.suspend {
                l.push(format!("Suspend:\t{s}"));
            }
            if let Some(b) = spec.backoff_limit {
                l.push(format!("Backoff Limit:\t{b}"));
            }
            if let Some(t) = &st.start_time {
                l.push(format!("Start Time:\t{}", rfc1123(Some(t))));
            }
            if let Some(t) = &st.completion_time {
                l.push(format!("Completed At:\t{}", rfc1123(Some(t))));
            }
            if let (Some(a), Some(b)) = (&st.start_time, &st.completion_time) {
                let secs = (b.0.as_second() - a.0.as_second()).max(0) as u64;
                l.push(format!(
                    "Duration:\t{}",
                    crate::time::SimDuration::from_secs(secs).human()
                ));
            }
            l.push(format!(
                "Pods Statuses:\t{} Active ({} Ready) / {} Succeeded / {} Failed",
                st.active.unwrap_or(0),
                st.ready.unwrap_or(0),
                st.succeeded.unwrap_or(0),
                st.failed.unwrap_or(0)
            ));
            pod_template(api, &mut l, Some(&spec.template));
        }
        ApiObject::PodDisruptionBudget(p) => {
            kind = "PodDisruptionBudget";
            let spec = p.spec.clone().unwrap_or_default();
            let st = p.status.clone().unwrap_or_default();
            l.push(format!("Namespace:\t{ns}"));
            if spec.min_available.is_some() {
                l.push(format!(
                    "Min available:\t{}",
                    int_or_string(spec.min_available.as_ref())
                ));
            } else if spec.max_unavailable.is_some() {
                l.push(format!(
                    "Max unavailable:\t{}",
                    int_or_string(spec.max_unavailable.as_ref())
                ));
            }
            match &spec.selector {
                Some(s) => l.push(format!("Selector:\t{}", selector_text(Some(s)))),
                None => l.push("Selector:\t<unset>".into()),
            }
            l.push("Status:".into());
            l.push(format!(
                "    Allowed disruptions:\t{}",
                st.disruptions_allowed.unwrap_or(0)
            ));
            l.push(format!("    Current:\t{}", st.current_healthy.unwrap_or(0)));
            l.push(format!("    Desired:\t{}", st.desired_healthy.unwrap_or(0)));
            l.push(format!("    Total:\t{}", st.expected_pods.unwrap_or(0)));
        }
        ApiObject::Namespace(n) => {
            labels(&mut l, "Labels", m.labels.as_ref());
            annotations(&mut l, "Annotations", m.annotations.as_ref());
            l.push(format!(
                "Status:\t{}",
                n.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default()
            ));
            l.push(String::new());
            l.push("No resource quota.".into());
            l.push(String::new());
            l.push("No LimitRange resource.".into());
            return Some(tabbed(&l));
        }
        ApiObject::Service(s) => {
            kind = "Service";
            let spec = s.spec.clone().unwrap_or_default();
            l.push(format!("Namespace:\t{ns}"));
            labels(&mut l, "Labels", m.labels.as_ref());
            annotations(&mut l, "Annotations", m.annotations.as_ref());
            let sel: Vec<String> = spec
                .selector
                .clone()
                .unwrap_or_default()
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            l.push(format!("Selector:\t{}", sel.join(",")));
            l.push(format!("Type:\t{}", spec.type_.clone().unwrap_or_default()));
            if let Some(p) = &spec.ip_family_policy {
                l.push(format!("IP Family Policy:\t{p}"));
            }
            match spec.ip_families.as_ref().filter(|f| !f.is_empty()) {
                Some(f) => l.push(format!("IP Families:\t{}", f.join(","))),
                None => l.push("IP Families:\t<none>".into()),
            }
            l.push(format!("IP:\t{}", spec.cluster_ip.clone().unwrap_or_default()));
            match spec.cluster_ips.as_ref().filter(|f| !f.is_empty()) {
                Some(f) => l.push(format!("IPs:\t{}", f.join(","))),
                None => l.push("IPs:\t<none>".into()),
            }
            if let Some(e) = spec.external_ips.as_ref().filter(|e| !e.is_empty()) {
                l.push(format!("External IPs:\t{}", e.join(",")));
            }
            if let Some(ip) = spec.load_balancer_ip.as_ref().filter(|ip| !ip.is_empty()) {
                l.push(format!("Desired LoadBalancer IP:\t{ip}"));
            }
            if let Some(n) = spec.external_name.as_ref().filter(|n| !n.is_empty()) {
                l.push(format!("External Name:\t{n}"));
            }
            let endpoints = endpoint_ips(api, &ns, &name);
            for p in spec.ports.iter().flatten() {
                let pname = p
                    .name
                    .clone()
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| "<unset>".into());
                let proto = p.protocol.clone().unwrap_or_else(|| "TCP".into());
                l.push(format!("Port:\t{pname}\t{}/{proto}", p.port));
                l.push(format!("TargetPort:\t{}", target_port(p)));
                if let Some(np) = p.node_port {
                    l.push(format!("NodePort:\t{pname}\t{np}/{proto}"));
                }
                let target = match &p.target_port {
                    Some(IntOrString::Int(n)) => *n,
                    _ => p.port,
                };
                let eps: Vec<String> = endpoints.iter().map(|ip| format!("{ip}:{target}")).collect();
                l.push(format!(
                    "Endpoints:\t{}",
                    if eps.is_empty() { "<none>".into() } else { eps.join(",") }
                ));
            }
            l.push(format!(
                "Session Affinity:\t{}",
                spec.session_affinity.clone().unwrap_or_default()
            ));
            if let Some(p) = spec.external_traffic_policy.as_ref().filter(|p| !p.is_empty()) {
                l.push(format!("External Traffic Policy:\t{p}"));
            }
            if let Some(p) = &spec.internal_traffic_policy {
                l.push(format!("Internal Traffic Policy:\t{p}"));
            }
        }
        ApiObject::Endpoints(e) => {
            kind = "Endpoints";
            l.push(format!("Namespace:\t{ns}"));
            labels(&mut l, "Labels", m.labels.as_ref());
            annotations(&mut l, "Annotations", m.annotations.as_ref());
            l.push("Subsets:".into());
            for ss in e.subsets.iter().flatten() {
                let ips = |a: &Option<Vec<core::EndpointAddress>>| {
                    a.iter().flatten().map(|x| x.ip.clone()).collect::<Vec<_>>().join(",")
                };
                l.push(format!("  Addresses:\t{}", ips(&ss.addresses)));
                let nr = ips(&ss.not_ready_addresses);
                l.push(format!(
                    "  NotReadyAddresses:\t{}",
                    if nr.is_empty() { "<none>".into() } else { nr }
                ));
                l.push("  Ports:".into());
                l.push("    Name\tPort\tProtocol".into());
                l.push("    ----\t----\t--------".into());
                for p in ss.ports.iter().flatten() {
                    l.push(format!(
                        "    {}\t{}\t{}",
                        p.name.clone().unwrap_or_else(|| "<unset>".into()),
                        p.port,
                        p.protocol.clone().unwrap_or_default()
                    ));
                }
                l.push(String::new());
            }
        }
        ApiObject::ConfigMap(c) => {
            l.push(format!("Namespace:\t{ns}"));
            labels(&mut l, "Labels", m.labels.as_ref());
            annotations(&mut l, "Annotations", m.annotations.as_ref());
            l.push(String::new());
            l.push("Data".into());
            l.push("====".into());
            for (k, v) in c.data.iter().flatten() {
                l.push(format!("{k}:"));
                l.push("----".into());
                l.extend(v.lines().map(str::to_string));
                l.push(String::new());
            }
            l.push(String::new());
            l.push("BinaryData".into());
            l.push("====".into());
            l.push(String::new());
            kind = "ConfigMap";
        }
        ApiObject::Secret(s) => {
            l.push(format!("Namespace:\t{ns}"));
            labels(&mut l, "Labels", m.labels.as_ref());
            annotations(&mut l, "Annotations", m.annotations.as_ref());
            l.push(String::new());
            l.push(format!("Type:\t{}", s.type_.clone().unwrap_or_else(|| "Opaque".into())));
            l.push(String::new());
            l.push("Data".into());
            l.push("====".into());
            for (k, v) in s.data.iter().flatten() {
                if k == "token" && s.type_.as_deref() == Some("kubernetes.io/service-account-token") {
                    l.push(format!("{k}:\t{}", String::from_utf8_lossy(&v.0)));
                } else {
                    l.push(format!("{k}:\t{} bytes", v.0.len()));
                }
            }
            return Some(tabbed(&l));
        }
        ApiObject::ServiceAccount(sa) => {
            kind = "ServiceAccount";
            l.push(format!("Namespace:\t{ns}"));
            labels(&mut l, "Labels", m.labels.as_ref());
            annotations(&mut l, "Annotations", m.annotations.as_ref());
            l.push("Image pull secrets:\t<none>".into());
            let secrets: Vec<String> = sa.secrets.iter().flatten().filter_map(|r| r.name.clone()).collect();
            l.push(format!(
                "Mountable secrets:\t{}",
                secrets.first().cloned().unwrap_or_else(|| "<none>".into())
            ));
            l.push(format!(
                "Tokens:\t{}",
                secrets.first().cloned().unwrap_or_else(|| "<none>".into())
            ));
        }
        ApiObject::PriorityClass(p) => {
            kind = "PriorityClass";
            l.push(format!("Value:\t{}", p.value.unwrap_or(0)));
            l.push(format!("GlobalDefault:\t{}", p.global_default.unwrap_or(false)));
            l.push(format!(
                "PreemptionPolicy:\t{}",
                p.preemption_policy.clone().unwrap_or_default()
            ));
            l.push(format!("Description:\t{}", p.description.clone().unwrap_or_default()));
            annotations(&mut l, "Annotations", m.annotations.as_ref());
        }
        _ => return None,
    }
    l.extend(events.section(api, kind, (!ns.is_empty()).then_some(ns.as_str()), &name));
    Some(tabbed(&l))
}

/// The ready addresses behind a Service (from its Endpoints).
fn endpoint_ips(api: &dyn KubeApi, ns: &str, name: &str) -> Vec<String> {
    match api.get(Resource::Endpoints, Some(ns), name) {
        Ok(ApiObject::Endpoints(e)) => e
            .subsets
            .iter()
            .flatten()
            .flat_map(|s| s.addresses.iter().flatten().map(|a| a.ip.clone()))
            .collect(),
        _ => Vec::new(),
    }
}
