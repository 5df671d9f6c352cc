//! `kubectl get` tables of the kinds kept whole (ConfigMaps, Secrets, ServiceAccounts,
//! Services, Endpoints, EndpointSlices, Leases, Events, PriorityClasses and the kinds a fresh
//! cluster has none of), with the columns of the API server's table printers.

use super::get::Resource;
use crate::model::Selector;
use crate::model::objects::{ApiObject, ListOptions};
use crate::time::SimDuration;
use crate::tools::api::KubeApi;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// Whether `get` prints this kind through here.
pub(crate) fn handles(res: Resource) -> bool {
    !matches!(
        res,
        Resource::Nodes
            | Resource::Pods
            | Resource::Pdbs
            | Resource::Deployments
            | Resource::ReplicaSets
            | Resource::DaemonSets
            | Resource::StatefulSets
            | Resource::Jobs
            | Resource::Namespaces
    )
}

/// `now - t` as kubectl's HumanDuration.
pub(crate) fn since(api: &dyn KubeApi, t: Option<&Time>) -> String {
    let Some(t) = t else {
        return "<unknown>".into();
    };
    let now = (api.now().wall_nanos_with(api.cluster().epoch_s) / 1_000_000_000) as i64;
    SimDuration::from_secs(now.saturating_sub(t.0.as_second()).max(0) as u64).human()
}

fn header(res: Resource, minor: u32, wide: bool) -> Vec<&'static str> {
    let mut h = match res {
        Resource::ConfigMaps => vec!["NAME", "DATA", "AGE"],
        Resource::Secrets => vec!["NAME", "TYPE", "DATA", "AGE"],
        Resource::ServiceAccounts => vec!["NAME", "SECRETS", "AGE"],
        Resource::Services => vec!["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
        Resource::Endpoints => vec!["NAME", "ENDPOINTS", "AGE"],
        Resource::EndpointSlices => vec!["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"],
        Resource::Leases => vec!["NAME", "HOLDER", "AGE"],
        Resource::Events => vec!["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
        Resource::PriorityClasses if minor >= 27 => vec!["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"],
        Resource::PriorityClasses => vec!["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE"],
        _ => vec!["NAME", "AGE"],
    };
    if wide && res == Resource::Services {
        h.push("SELECTOR");
    }
    h
}

/// The API server's table printer for these kinds, as a server-side `Table` carries it
/// (`kubedrill serve`): every column, with `true` for those only `-o wide` shows.
pub fn server_columns(res: Resource, minor: u32) -> Vec<(&'static str, bool)> {
    let narrow = header(res, minor, false);
    header(res, minor, true)
        .into_iter()
        .map(|c| (c, !narrow.contains(&c)))
        .collect()
}

/// One object's cells under [`server_columns`].
pub fn server_cells(api: &dyn KubeApi, o: &ApiObject) -> Vec<String> {
    row(api, o, true)
}

/// The ENDPOINTS cell: at most three `ip:port`, then ` + N more...`.
fn endpoints_cell(e: &k8s_openapi::api::core::v1::Endpoints) -> String {
    let Some(subsets) = e.subsets.as_ref().filter(|s| !s.is_empty()) else {
        return "<none>".into();
    };
    let mut list = Vec::new();
    let mut count = 0;
    for ss in subsets {
        let addrs = ss.addresses.clone().unwrap_or_default();
        match ss.ports.as_ref().filter(|p| !p.is_empty()) {
            None => {
                for a in &addrs {
                    if list.len() < 3 {
                        list.push(a.ip.clone());
                    }
                    count += 1;
                }
            }
            Some(ports) => {
                for p in ports {
                    for a in &addrs {
                        if list.len() < 3 {
                            list.push(format!("{}:{}", a.ip, p.port));
                        }
                        count += 1;
                    }
                }
            }
        }
    }
    let text = list.join(",");
    if count > 3 {
        format!("{text} + {} more...", count - 3)
    } else {
        text
    }
}

fn ports_cell(s: &k8s_openapi::api::core::v1::ServiceSpec) -> String {
    let ports: Vec<String> = s
        .ports
        .iter()
        .flatten()
        .map(|p| {
            let proto = p.protocol.clone().unwrap_or_else(|| "TCP".into());
            match p.node_port {
                Some(np) => format!("{}:{np}/{proto}", p.port),
                None => format!("{}/{proto}", p.port),
            }
        })
        .collect();
    if ports.is_empty() {
        "<none>".into()
    } else {
        ports.join(",")
    }
}

/// The EXTERNAL-IP column as kubectl's printer fills it by Service type: a LoadBalancer
/// without an address yet is `<pending>`, an ExternalName shows its name.
fn external_ip_cell(s: &k8s_openapi::api::core::v1::Service) -> String {
    let spec = s.spec.clone().unwrap_or_default();
    let external = spec.external_ips.clone().unwrap_or_default();
    match spec.type_.as_deref().unwrap_or("ClusterIP") {
        "ClusterIP" | "NodePort" if !external.is_empty() => external.join(","),
        "ClusterIP" | "NodePort" => "<none>".into(),
        "LoadBalancer" => {
            let ingress: Vec<String> = s
                .status
                .as_ref()
                .and_then(|st| st.load_balancer.as_ref())
                .and_then(|lb| lb.ingress.clone())
                .unwrap_or_default()
                .into_iter()
                .filter_map(|i| i.ip.or(i.hostname))
                .chain(external)
                .collect();
            if ingress.is_empty() {
                "<pending>".into()
            } else {
                ingress.join(",")
            }
        }
        "ExternalName" => spec.external_name.unwrap_or_default(),
        _ => "<unknown>".into(),
    }
}

fn row(api: &dyn KubeApi, o: &ApiObject, wide: bool) -> Vec<String> {
    let m = o.metadata();
    let name = m.name.clone().unwrap_or_default();
    let age = since(api, m.creation_timestamp.as_ref());
    match o {
        ApiObject::ConfigMap(c) => {
            let n = c.data.as_ref().map_or(0, |d| d.len()) + c.binary_data.as_ref().map_or(0, |d| d.len());
            vec![name, n.to_string(), age]
        }
        ApiObject::Secret(s) => vec![
            name,
            s.type_.clone().unwrap_or_else(|| "Opaque".into()),
            s.data.as_ref().map_or(0, |d| d.len()).to_string(),
            age,
        ],
        ApiObject::ServiceAccount(sa) => vec![name, sa.secrets.as_ref().map_or(0, |s| s.len()).to_string(), age],
        ApiObject::Service(s) => {
            let spec = s.spec.clone().unwrap_or_default();
            let mut r = vec![
                name,
                spec.type_.clone().unwrap_or_else(|| "ClusterIP".into()),
                spec.cluster_ip.clone().unwrap_or_else(|| "<none>".into()),
                external_ip_cell(s),
                ports_cell(&spec),
                age,
            ];
            if wide {
                r.push(
                    spec.selector
                        .as_ref()
                        .filter(|s| !s.is_empty())
                        .map(|s| s.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(","))
                        .unwrap_or_else(|| "<none>".into()),
                );
            }
            r
        }
        ApiObject::Endpoints(e) => vec![name, endpoints_cell(e), age],
        ApiObject::EndpointSlice(s) => {
            let ports: Vec<String> = s
                .ports
                .iter()
                .flatten()
                .map(|p| p.port.map(|n| n.to_string()).unwrap_or_default())
                .collect();
            let addrs: Vec<String> = s.endpoints.iter().flatten().flat_map(|e| e.addresses.clone()).collect();
            let mut shown = addrs.iter().take(3).cloned().collect::<Vec<_>>().join(",");
            if addrs.len() > 3 {
                shown = format!("{shown} + {} more...", addrs.len() - 3);
            }
            vec![
                name,
                s.address_type.clone(),
                if ports.is_empty() {
                    "<unset>".into()
                } else {
                    ports.join(",")
                },
                if addrs.is_empty() { "<unset>".into() } else { shown },
                age,
            ]
        }
        ApiObject::Lease(l) => vec![
            name,
            l.spec
                .as_ref()
                .and_then(|s| s.holder_identity.clone())
                .unwrap_or_else(|| "<none>".into()),
            age,
        ],
        ApiObject::Event(e) => {
            let kind = e.involved_object.kind.clone().unwrap_or_default().to_lowercase();
            vec![
                since(api, e.last_timestamp.as_ref()),
                e.type_.clone().unwrap_or_default(),
                e.reason.clone().unwrap_or_default(),
                format!("{kind}/{}", e.involved_object.name.clone().unwrap_or_default()),
                e.message.clone().unwrap_or_default().trim().to_string(),
            ]
        }
        ApiObject::PriorityClass(p) => {
            let mut r = vec![
                name,
                p.value.unwrap_or(0).to_string(),
                p.global_default.unwrap_or(false).to_string(),
                age,
            ];
            if api.kubectl().minor >= 27 {
                r.push(
                    p.preemption_policy
                        .clone()
                        .unwrap_or_else(|| "PreemptLowerPriority".into()),
                );
            }
            r
        }
        _ => vec![name, age],
    }
}

/// The rows of one of these kinds (header first), each row's (namespace, name), and NotFound
/// for names that do not exist.
#[allow(clippy::type_complexity)]
pub(crate) fn rows(
    api: &dyn KubeApi,
    res: Resource,
    all_ns: bool,
    ns: &str,
    names: &[String],
    label_sel: Option<&Selector>,
    wide: bool,
) -> (Vec<Vec<String>>, Vec<(String, String)>, Vec<String>) {
    let mut head: Vec<String> = Vec::new();
    if all_ns && res.namespaced() {
        head.push("NAMESPACE".into());
    }
    head.extend(header(res, api.kubectl().minor, wide).into_iter().map(String::from));
    let mut rows = vec![head];
    let opts = ListOptions {
        namespace: (!all_ns && res.namespaced()).then(|| ns.to_string()),
        label_selector: label_sel.cloned(),
        ..Default::default()
    };
    let objects = api.list(res, &opts).unwrap_or_default();
    let mut missing = Vec::new();
    let mut keys = Vec::new();
    for n in names {
        if !objects.iter().any(|o| o.metadata().name.as_deref() == Some(n.as_str())) {
            missing.push(format!(
                "Error from server (NotFound): {} \"{n}\" not found",
                res.api_name()
            ));
        }
    }
    for o in &objects {
        let m = o.metadata();
        let name = m.name.clone().unwrap_or_default();
        if !names.is_empty() && !names.contains(&name) {
            continue;
        }
        let mut r = Vec::new();
        if all_ns && res.namespaced() {
            r.push(m.namespace.clone().unwrap_or_default());
        }
        r.extend(row(api, o, wide));
        rows.push(r);
        keys.push((m.namespace.clone().unwrap_or_default(), name));
    }
    (rows, keys, missing)
}

/// A Service's target port as `describe` prints it.
pub(crate) fn target_port(p: &k8s_openapi::api::core::v1::ServicePort) -> String {
    let proto = p.protocol.clone().unwrap_or_else(|| "TCP".into());
    match &p.target_port {
        Some(IntOrString::Int(n)) => format!("{n}/{proto}"),
        Some(IntOrString::String(s)) => format!("{s}/{proto}"),
        None => format!("{}/{proto}", p.port),
    }
}
