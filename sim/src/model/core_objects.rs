//! The objects of a kubeadm cluster that no controller of the model acts on, as the API
//! server serves them: what kubeadm and the control plane's controllers create in a fresh
//! cluster (the `kube-root-ca.crt` ConfigMap and the `default` ServiceAccount of every
//! namespace, kubeadm's ConfigMaps, the controllers' ServiceAccounts and, before 1.24, their
//! token Secrets, the `kubernetes` and `kube-dns` Services, the built-in PriorityClasses),
//! what follows from other objects (Endpoints and EndpointSlices from Services and ready pods,
//! Leases from nodes and control planes), and whatever was created through the API since
//! (`model::store`). Rendered on demand; only changes are stored.

use super::cluster::Cluster;
use super::objects::{ApiObject, ResourceKind, stamp};
use super::store::StoreKey;
use super::*;
use crate::time::SimTime;
use k8s_openapi::api::coordination::v1 as coordination;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::discovery::v1 as discovery;
use k8s_openapi::api::scheduling::v1 as scheduling;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The cluster CA as kubeadm writes it (content shortened: nothing reads the key material).
pub const CA_PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIC/jCCAeagAwIBAgIBADANBgkqhkiG9w0BAQsFADAVMRMwEQYDVQQDEwprdWJl\ncm5ldGVzMB4XDTI0MDEwMTAwMDAwMFoXDTM0MDEwMTAwMDAwMFowFTETMBEGA1UE\n-----END CERTIFICATE-----\n";

/// FNV-1a, for stable UIDs and name suffixes of rendered objects (no draw from the RNG, so
/// adding a default object never changes the names of anything else).
pub fn stable_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Five characters of the Kubernetes name-suffix alphabet, from a hash.
pub fn suffix(seed: &str, len: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut h = stable_hash(seed);
    (0..len)
        .map(|i| {
            // A fresh hash every 8 characters keeps long suffixes varied.
            if i > 0 && i % 8 == 0 {
                h = stable_hash(&format!("{seed}#{i}"));
            }
            let c = ALPHABET[(h % ALPHABET.len() as u64) as usize] as char;
            h /= ALPHABET.len() as u64;
            c
        })
        .collect()
}

fn meta(c: &Cluster, kind: &str, ns: &str, name: &str, created: SimTime) -> ObjectMeta {
    let h = stable_hash(&format!("{kind}/{ns}/{name}"));
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: (!ns.is_empty()).then(|| ns.to_string()),
        uid: Some(format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            h >> 32,
            (h >> 16) & 0xffff,
            h & 0xfff,
            (h >> 4) & 0xfff,
            h & 0xffff_ffff_ffff
        )),
        resource_version: Some(((h % 90_000) + 200).to_string()),
        creation_timestamp: Some(stamp(c, created)),
        ..Default::default()
    }
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn config_map(c: &Cluster, ns: &str, name: &str, data: &[(&str, String)]) -> ApiObject {
    ApiObject::ConfigMap(core::ConfigMap {
        metadata: meta(c, "ConfigMap", ns, name, SimTime::ZERO),
        data: Some(data.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()),
        ..Default::default()
    })
}

fn has_workload(c: &Cluster, kind: WorkloadKind, ns: &str, name: &str) -> bool {
    c.workload_id(kind, ns, name).is_some_and(|id| !c.workload(id).deleted)
}

fn dns_addon(c: &Cluster) -> bool {
    has_workload(c, WorkloadKind::Deployment, "kube-system", "coredns")
        || has_workload(c, WorkloadKind::Deployment, "kube-system", "kube-dns")
}

fn first_cp_ip(c: &Cluster) -> String {
    c.control_plane_ids()
        .first()
        .filter(|id| c.node_exists(**id))
        .map(|id| c.node(*id).internal_ip.clone())
        .unwrap_or_else(|| "172.30.1.2".into())
}

fn kubeadm_api_version(minor: u32) -> &'static str {
    match minor {
        31.. => "kubeadm.k8s.io/v1beta4",
        22..=30 => "kubeadm.k8s.io/v1beta3",
        15..=21 => "kubeadm.k8s.io/v1beta2",
        13..=14 => "kubeadm.k8s.io/v1beta1",
        _ => "kubeadm.k8s.io/v1alpha3",
    }
}

/// The ConfigMaps a kubeadm cluster has before anyone creates one.
fn default_config_maps(c: &Cluster) -> Vec<ApiObject> {
    let v = &c.version;
    let mut out = Vec::new();
    if v.minor >= 20 {
        for ns in c.namespaces() {
            out.push(config_map(c, ns, "kube-root-ca.crt", &[("ca.crt", CA_PEM.to_string())]));
        }
    }
    let registry = crate::release::components::registry_for(&c.config_version);
    let cluster_config = format!(
        "apiServer: {{}}\napiVersion: {}\ncertificatesDir: /etc/kubernetes/pki\nclusterName: kubernetes\ncontrollerManager: {{}}\ndns: {{}}\netcd:\n  local:\n    dataDir: /var/lib/etcd\nimageRepository: {registry}\nkind: ClusterConfiguration\nkubernetesVersion: {}\nnetworking:\n  dnsDomain: cluster.local\n  podSubnet: 10.244.0.0/16\n  serviceSubnet: 10.96.0.0/12\nscheduler: {{}}\n",
        kubeadm_api_version(c.config_version.minor),
        c.config_version
    );
    out.push(config_map(
        c,
        "kube-system",
        "kubeadm-config",
        &[("ClusterConfiguration", cluster_config)],
    ));
    let kubelet_cm = if v.minor >= 24 {
        "kubelet-config".to_string()
    } else {
        format!("kubelet-config-{}.{}", c.config_version.major, c.config_version.minor)
    };
    if v.minor >= 11 {
        out.push(config_map(c,
            "kube-system",
            &kubelet_cm,
            &[(
                "kubelet",
                "apiVersion: kubelet.config.k8s.io/v1beta1\nauthentication:\n  anonymous:\n    enabled: false\n  webhook:\n    cacheTTL: 0s\n    enabled: true\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\nauthorization:\n  mode: Webhook\ncgroupDriver: systemd\nclusterDNS:\n- 10.96.0.10\nclusterDomain: cluster.local\nkind: KubeletConfiguration\nrotateCertificates: true\nstaticPodPath: /etc/kubernetes/manifests\n".to_string(),
            )],
        ));
    }
    if has_workload(c, WorkloadKind::DaemonSet, "kube-system", "kube-proxy") {
        out.push(config_map(c,
            "kube-system",
            "kube-proxy",
            &[
                (
                    "config.conf",
                    "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nbindAddress: 0.0.0.0\nclientConnection:\n  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf\nclusterCIDR: 10.244.0.0/16\nkind: KubeProxyConfiguration\nmode: \"\"\n".to_string(),
                ),
                (
                    "kubeconfig.conf",
                    format!("apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt\n    server: https://{}:6443\n  name: default\n", first_cp_ip(c)),
                ),
            ],
        ));
    }
    if has_workload(c, WorkloadKind::Deployment, "kube-system", "coredns") {
        out.push(config_map(c,
            "kube-system",
            "coredns",
            &[(
                "Corefile",
                ".:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n".to_string(),
            )],
        ));
    }
    out.push(config_map(
        c,
        "kube-system",
        "extension-apiserver-authentication",
        &[
            ("client-ca-file", CA_PEM.to_string()),
            ("requestheader-allowed-names", "[\"front-proxy-client\"]".to_string()),
            ("requestheader-client-ca-file", CA_PEM.to_string()),
            (
                "requestheader-extra-headers-prefix",
                "[\"X-Remote-Extra-\"]".to_string(),
            ),
            ("requestheader-group-headers", "[\"X-Remote-Group\"]".to_string()),
            ("requestheader-username-headers", "[\"X-Remote-User\"]".to_string()),
        ],
    ));
    if v.minor >= 28 {
        let w = SimTime::ZERO.wall_clock_with(c.epoch_s);
        out.push(config_map(
            c,
            "kube-system",
            "kube-apiserver-legacy-service-account-token-tracking",
            &[("since", format!("{:04}-{:02}-{:02}", w.year, w.month, w.day))],
        ));
    }
    out.push(config_map(c,
        "kube-public",
        "cluster-info",
        &[(
            "kubeconfig",
            format!(
                "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==\n    server: https://{}:6443\n  name: \"\"\ncontexts: null\ncurrent-context: \"\"\nkind: Config\npreferences: {{}}\nusers: null\n",
                first_cp_ip(c)
            ),
        )],
    ));
    out
}

/// The ServiceAccounts of kube-controller-manager's controllers in kube-system, by release.
fn controller_service_accounts(minor: u32) -> Vec<&'static str> {
    let mut v = vec![
        "attachdetach-controller",
        "bootstrap-signer",
        "certificate-controller",
        "clusterrole-aggregation-controller",
        "cronjob-controller",
        "daemon-set-controller",
        "deployment-controller",
        "disruption-controller",
        "endpoint-controller",
        "expand-controller",
        "generic-garbage-collector",
        "horizontal-pod-autoscaler",
        "job-controller",
        "namespace-controller",
        "node-controller",
        "persistent-volume-binder",
        "pod-garbage-collector",
        "pv-protection-controller",
        "pvc-protection-controller",
        "replicaset-controller",
        "replication-controller",
        "resourcequota-controller",
        "service-account-controller",
        "statefulset-controller",
        "token-cleaner",
        "ttl-controller",
    ];
    if minor >= 17 {
        v.push("endpointslice-controller");
    }
    if minor >= 19 {
        v.push("endpointslicemirroring-controller");
    }
    if minor >= 20 {
        v.push("root-ca-cert-publisher");
    }
    if minor >= 21 {
        v.push("ttl-after-finished-controller");
    }
    if minor >= 23 {
        v.push("ephemeral-volume-controller");
    }
    if minor >= 29 {
        v.push("legacy-service-account-token-cleaner");
    }
    if minor >= 30 {
        v.push("validatingadmissionpolicy-status-controller");
    }
    v
}

fn default_service_account_names(c: &Cluster) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for ns in c.namespaces() {
        out.push((ns.to_string(), "default".to_string()));
    }
    let mut sys: Vec<&str> = controller_service_accounts(c.version.minor);
    if has_workload(c, WorkloadKind::DaemonSet, "kube-system", "kube-proxy") {
        sys.push("kube-proxy");
    }
    if has_workload(c, WorkloadKind::Deployment, "kube-system", "coredns") {
        sys.push("coredns");
    } else if has_workload(c, WorkloadKind::Deployment, "kube-system", "kube-dns") {
        sys.push("kube-dns");
    }
    for s in sys {
        out.push(("kube-system".to_string(), s.to_string()));
    }
    out
}

/// Before 1.24 every ServiceAccount got a token Secret.
fn token_secret_name(sa: &str, ns: &str) -> String {
    format!("{sa}-token-{}", suffix(&format!("{ns}/{sa}"), 5))
}

fn default_service_accounts(c: &Cluster) -> Vec<ApiObject> {
    default_service_account_names(c)
        .into_iter()
        .map(|(ns, name)| {
            let secrets = (c.version.minor < 24).then(|| {
                vec![core::ObjectReference {
                    name: Some(token_secret_name(&name, &ns)),
                    ..Default::default()
                }]
            });
            ApiObject::ServiceAccount(core::ServiceAccount {
                metadata: meta(c, "ServiceAccount", &ns, &name, SimTime::ZERO),
                secrets,
                ..Default::default()
            })
        })
        .collect()
}

fn default_secrets(c: &Cluster) -> Vec<ApiObject> {
    if c.version.minor >= 24 {
        return Vec::new();
    }
    default_service_account_names(c)
        .into_iter()
        .map(|(ns, sa)| {
            let name = token_secret_name(&sa, &ns);
            let mut m = meta(c, "Secret", &ns, &name, SimTime::ZERO);
            let mut ann = BTreeMap::new();
            ann.insert("kubernetes.io/service-account.name".to_string(), sa.clone());
            ann.insert(
                "kubernetes.io/service-account.uid".to_string(),
                meta(c, "ServiceAccount", &ns, &sa, SimTime::ZERO)
                    .uid
                    .unwrap_or_default(),
            );
            m.annotations = Some(ann);
            let mut data = BTreeMap::new();
            data.insert(
                "ca.crt".to_string(),
                k8s_openapi::ByteString(CA_PEM.as_bytes().to_vec()),
            );
            data.insert("namespace".to_string(), k8s_openapi::ByteString(ns.as_bytes().to_vec()));
            data.insert(
                "token".to_string(),
                k8s_openapi::ByteString(format!("eyJhbGciOiJSUzI1NiIsImtpZCI6I{}", suffix(&name, 24)).into_bytes()),
            );
            ApiObject::Secret(core::Secret {
                metadata: m,
                data: Some(data),
                type_: Some("kubernetes.io/service-account-token".into()),
                ..Default::default()
            })
        })
        .collect()
}

fn service_port(name: &str, port: i32, protocol: &str, target: i32) -> core::ServicePort {
    core::ServicePort {
        name: Some(name.into()),
        port,
        protocol: Some(protocol.into()),
        target_port: Some(IntOrString::Int(target)),
        ..Default::default()
    }
}

fn default_services(c: &Cluster) -> Vec<ApiObject> {
    let dual = c.version.minor >= 20;
    let spec =
        |ip: &str, ports: Vec<core::ServicePort>, selector: Option<BTreeMap<String, String>>| core::ServiceSpec {
            cluster_ip: Some(ip.into()),
            cluster_ips: dual.then(|| vec![ip.to_string()]),
            internal_traffic_policy: (c.version.minor >= 22).then(|| "Cluster".into()),
            ip_families: dual.then(|| vec!["IPv4".to_string()]),
            ip_family_policy: dual.then(|| "SingleStack".into()),
            ports: Some(ports),
            selector,
            session_affinity: Some("None".into()),
            type_: Some("ClusterIP".into()),
            ..Default::default()
        };
    let mut k = meta(c, "Service", "default", "kubernetes", SimTime::ZERO);
    k.labels = Some(labels(&[("component", "apiserver"), ("provider", "kubernetes")]));
    let mut out = vec![ApiObject::Service(core::Service {
        metadata: k,
        spec: Some(spec("10.96.0.1", vec![service_port("https", 443, "TCP", 6443)], None)),
        status: Some(Default::default()),
    })];
    if dns_addon(c) {
        let mut m = meta(c, "Service", "kube-system", "kube-dns", SimTime::ZERO);
        let dns_name = if c.addons.dns_name == "CoreDNS" {
            "CoreDNS"
        } else {
            "KubeDNS"
        };
        m.labels = Some(labels(&[
            ("k8s-app", "kube-dns"),
            ("kubernetes.io/cluster-service", "true"),
            ("kubernetes.io/name", dns_name),
        ]));
        m.annotations = Some(labels(&[
            ("prometheus.io/port", "9153"),
            ("prometheus.io/scrape", "true"),
        ]));
        let mut ports = vec![
            service_port("dns", 53, "UDP", 53),
            service_port("dns-tcp", 53, "TCP", 53),
        ];
        if c.addons.dns_name == "CoreDNS" {
            ports.push(service_port("metrics", 9153, "TCP", 9153));
        }
        out.push(ApiObject::Service(core::Service {
            metadata: m,
            spec: Some(spec("10.96.0.10", ports, Some(labels(&[("k8s-app", "kube-dns")])))),
            status: Some(Default::default()),
        }));
    }
    out
}

fn default_priority_classes(c: &Cluster) -> Vec<ApiObject> {
    [
        (
            "system-cluster-critical",
            2_000_000_000,
            "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
        ),
        (
            "system-node-critical",
            2_000_001_000,
            "Used for system critical pods that must not be moved from their current node.",
        ),
    ]
    .into_iter()
    .map(|(name, value, description)| {
        ApiObject::PriorityClass(scheduling::PriorityClass {
            metadata: meta(c, "PriorityClass", "", name, SimTime::ZERO),
            value: Some(value),
            description: Some(description.into()),
            preemption_policy: Some("PreemptLowerPriority".into()),
            global_default: None,
        })
    })
    .collect()
}

/// The default objects of a kind (before the store's changes).
fn defaults(c: &Cluster, kind: ResourceKind) -> Vec<ApiObject> {
    match kind {
        ResourceKind::ConfigMaps => default_config_maps(c),
        ResourceKind::ServiceAccounts => default_service_accounts(c),
        ResourceKind::Secrets => default_secrets(c),
        ResourceKind::Services => default_services(c),
        ResourceKind::PriorityClasses => default_priority_classes(c),
        _ => Vec::new(),
    }
}

fn key_of(kind: ResourceKind, o: &ApiObject) -> StoreKey {
    let m = o.metadata();
    (
        kind,
        m.namespace.clone().unwrap_or_default(),
        m.name.clone().unwrap_or_default(),
    )
}

/// Whether an object of a stored kind is one the cluster was born with.
pub fn is_default(c: &Cluster, kind: ResourceKind, ns: &str, name: &str) -> bool {
    defaults(c, kind)
        .iter()
        .any(|o| key_of(kind, o) == (kind, ns.to_string(), name.to_string()))
}

/// Every object of a stored kind: the defaults, minus the deleted, with the store's versions
/// and additions, in (namespace, name) order.
pub fn stored(c: &Cluster, kind: ResourceKind) -> Vec<ApiObject> {
    let mut by_key: BTreeMap<StoreKey, ApiObject> = BTreeMap::new();
    for o in defaults(c, kind) {
        let key = key_of(kind, &o);
        // Defaults of namespaces that are gone go with them.
        if !key.1.is_empty() && !c.has_namespace(&key.1) {
            continue;
        }
        if !c.store.deleted.contains(&key) {
            by_key.insert(key, o);
        }
    }
    for ((k, ns, name), v) in c.store.objects.range((kind, String::new(), String::new())..) {
        if *k != kind {
            break;
        }
        if let Some(o) = ApiObject::from_json(v.clone()) {
            by_key.insert((kind, ns.clone(), name.clone()), o);
        }
    }
    by_key.into_values().collect()
}

/// Endpoints follow Services: the ready pods their selector matches (or the API servers for
/// `kubernetes`).
fn endpoints(c: &Cluster) -> Vec<ApiObject> {
    let mut out = Vec::new();
    for svc in stored(c, ResourceKind::Services) {
        let ApiObject::Service(s) = svc else { continue };
        let ns = s.metadata.namespace.clone().unwrap_or_default();
        let name = s.metadata.name.clone().unwrap_or_default();
        let spec = s.spec.clone().unwrap_or_default();
        let (ready, not_ready) = backends(c, &ns, &name, &spec);
        if spec.selector.is_none() && name != "kubernetes" {
            continue;
        }
        let ports: Vec<core::EndpointPort> = spec
            .ports
            .iter()
            .flatten()
            .map(|p| core::EndpointPort {
                name: p.name.clone(),
                port: match &p.target_port {
                    Some(IntOrString::Int(n)) => *n,
                    _ => p.port,
                },
                protocol: p.protocol.clone(),
                ..Default::default()
            })
            .collect();
        let addresses = |ips: &[(String, Option<String>, Option<String>)]| -> Option<Vec<core::EndpointAddress>> {
            (!ips.is_empty()).then(|| {
                ips.iter()
                    .map(|(ip, node, pod)| core::EndpointAddress {
                        ip: ip.clone(),
                        node_name: node.clone(),
                        target_ref: pod.as_ref().map(|p| core::ObjectReference {
                            kind: Some("Pod".into()),
                            name: Some(p.clone()),
                            namespace: Some(ns.clone()),
                            ..Default::default()
                        }),
                        ..Default::default()
                    })
                    .collect()
            })
        };
        let subsets = (!ready.is_empty() || !not_ready.is_empty()).then(|| {
            vec![core::EndpointSubset {
                addresses: addresses(&ready),
                not_ready_addresses: addresses(&not_ready),
                ports: Some(ports),
            }]
        });
        let mut m = meta(c, "Endpoints", &ns, &name, SimTime::ZERO);
        // The controllers create them with the Service.
        m.creation_timestamp = s.metadata.creation_timestamp.clone();
        m.labels = s.metadata.labels.clone();
        out.push(ApiObject::Endpoints(core::Endpoints { metadata: m, subsets }));
    }
    out
}

type Backend = (String, Option<String>, Option<String>);

/// (ready, not ready) addresses of a Service: (ip, node, pod).
fn backends(c: &Cluster, ns: &str, name: &str, spec: &core::ServiceSpec) -> (Vec<Backend>, Vec<Backend>) {
    let (mut ready, mut not_ready) = (Vec::new(), Vec::new());
    if name == "kubernetes" && ns == "default" {
        for id in c.control_plane_ids() {
            if c.node_exists(*id) {
                ready.push((c.node(*id).internal_ip.clone(), None, None));
            }
        }
        return (ready, not_ready);
    }
    let Some(sel) = spec.selector.as_ref().filter(|s| !s.is_empty()) else {
        return (ready, not_ready);
    };
    let sel = Selector::from_labels(sel);
    // Slot order: the addresses are sorted below.
    for (_, p) in c.pods_any_order().filter(|(_, p)| &*p.namespace == ns) {
        if !sel.matches(&p.labels) || p.is_terminating() || p.is_finished() {
            continue;
        }
        let Some(ip) = objects::pod_ip(c, p) else { continue };
        let entry = (ip, p.node.map(|n| c.node(n).name.to_string()), Some(p.name.to_string()));
        if p.ready {
            ready.push(entry);
        } else {
            not_ready.push(entry);
        }
    }
    // The endpoints controller sorts addresses by IP.
    ready.sort();
    not_ready.sort();
    (ready, not_ready)
}

/// EndpointSlices (discovery.k8s.io/v1, 1.21+) mirror the Endpoints.
fn endpoint_slices(c: &Cluster) -> Vec<ApiObject> {
    let mut out = Vec::new();
    for svc in stored(c, ResourceKind::Services) {
        let ApiObject::Service(s) = svc else { continue };
        let ns = s.metadata.namespace.clone().unwrap_or_default();
        let name = s.metadata.name.clone().unwrap_or_default();
        let spec = s.spec.clone().unwrap_or_default();
        if spec.selector.is_none() && name != "kubernetes" {
            continue;
        }
        let (ready, not_ready) = backends(c, &ns, &name, &spec);
        let slice_name = if name == "kubernetes" {
            name.clone()
        } else {
            format!("{name}-{}", suffix(&format!("{ns}/{name}"), 5))
        };
        let mut m = meta(c, "EndpointSlice", &ns, &slice_name, SimTime::ZERO);
        // The controllers create them with the Service.
        m.creation_timestamp = s.metadata.creation_timestamp.clone();
        let mut l = s.metadata.labels.clone().unwrap_or_default();
        l.insert("kubernetes.io/service-name".into(), name.clone());
        // The API server's endpoints reconciler writes the `kubernetes` slice with the
        // service-name label only (controlplane/reconcilers/endpointsadapter.go).
        if name != "kubernetes" {
            l.insert(
                "endpointslice.kubernetes.io/managed-by".into(),
                "endpointslice-controller.k8s.io".into(),
            );
        }
        m.labels = Some(l);
        let endpoints = ready
            .iter()
            .map(|b| (b, true))
            .chain(not_ready.iter().map(|b| (b, false)))
            .map(|((ip, node, pod), ok)| discovery::Endpoint {
                addresses: vec![ip.clone()],
                conditions: Some(discovery::EndpointConditions {
                    ready: Some(ok),
                    serving: Some(ok),
                    terminating: Some(false),
                }),
                node_name: node.clone(),
                target_ref: pod.as_ref().map(|p| core::ObjectReference {
                    kind: Some("Pod".into()),
                    name: Some(p.clone()),
                    namespace: Some(ns.clone()),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .collect();
        let ports = spec
            .ports
            .iter()
            .flatten()
            .map(|p| discovery::EndpointPort {
                // The controller always sets the name, "" for an unnamed port (kubectl's
                // describe dereferences it).
                name: Some(p.name.clone().unwrap_or_default()),
                port: Some(match &p.target_port {
                    Some(IntOrString::Int(n)) => *n,
                    _ => p.port,
                }),
                protocol: p.protocol.clone(),
                ..Default::default()
            })
            .collect();
        out.push(ApiObject::EndpointSlice(discovery::EndpointSlice {
            metadata: m,
            address_type: "IPv4".into(),
            endpoints: Some(endpoints),
            ports: Some(ports),
        }));
    }
    out
}

fn micro(c: &Cluster, t: SimTime) -> MicroTime {
    let w = t.wall_clock_with(c.epoch_s);
    let text = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        w.year,
        w.month,
        w.day,
        w.hour,
        w.minute,
        w.second,
        w.nanos / 1000
    );
    MicroTime(text.parse().unwrap_or_default())
}

fn lease(
    c: &Cluster,
    ns: &str,
    name: &str,
    holder: &str,
    duration: i32,
    renew: SimTime,
    created: SimTime,
) -> coordination::Lease {
    coordination::Lease {
        metadata: meta(c, "Lease", ns, name, created),
        spec: Some(coordination::LeaseSpec {
            holder_identity: Some(holder.into()),
            lease_duration_seconds: Some(duration),
            renew_time: Some(micro(c, renew)),
            ..Default::default()
        }),
    }
}

/// A component's leader-election Lease. The controller manager's follows its election (the
/// holder, a renew time that stops while nobody leads, acquire time and transitions); the
/// scheduler's is held by the first control plane. A holder identity is the host name and a
/// UUID each process start draws (here: one per term).
fn leader_lease(c: &Cluster, component: &str, first_cp: &str, now: SimTime) -> coordination::Lease {
    let cm = &c.cm_lease;
    let elected = component == "kube-controller-manager" && cm.transitions > 0;
    let holder_name = match cm.holder {
        Some(id) if component == "kube-controller-manager" && c.node_exists(id) => c.node(id).name.to_string(),
        _ => first_cp.to_string(),
    };
    let term = if elected {
        format!("{holder_name}#{}", cm.transitions)
    } else {
        holder_name.clone()
    };
    let uid = meta(c, "Lease", component, &term, SimTime::ZERO)
        .uid
        .unwrap_or_default();
    let renew = if component == "kube-controller-manager" && !cm.renewing {
        cm.renewed_at
    } else {
        now
    };
    let mut l = lease(
        c,
        "kube-system",
        component,
        &format!("{holder_name}_{uid}"),
        15,
        renew,
        SimTime::ZERO,
    );
    if elected && let Some(spec) = l.spec.as_mut() {
        spec.acquire_time = Some(micro(c, cm.acquired_at));
        spec.lease_transitions = Some(cm.transitions);
    }
    l
}

/// Node heartbeats (kube-node-lease), leader election of the controller manager and the
/// scheduler, and (1.26+) the API servers' identities.
fn leases(c: &Cluster, now: SimTime) -> Vec<ApiObject> {
    let mut out = Vec::new();
    if c.version.minor >= 14 {
        for id in c.node_ids() {
            let n = c.node(id);
            let renew = n.silent_since.unwrap_or(now);
            let mut l = lease(c, "kube-node-lease", &n.name, &n.name, 40, renew, n.created_at);
            l.metadata.owner_references = Some(vec![k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference {
                api_version: "v1".into(),
                kind: "Node".into(),
                name: n.name.to_string(),
                uid: format!("00000000-0000-4003-8000-{:012x}", id.0),
                ..Default::default()
            }]);
            out.push(ApiObject::Lease(l));
        }
    }
    let Some(cp) = c.control_plane_ids().iter().find(|id| c.node_exists(**id)) else {
        return out;
    };
    let cp_name = c.node(*cp).name.to_string();
    for component in ["kube-controller-manager", "kube-scheduler"] {
        out.push(ApiObject::Lease(leader_lease(c, component, &cp_name, now)));
    }
    if c.version.minor >= 26 {
        for id in c.control_plane_ids() {
            if !c.node_exists(*id) {
                continue;
            }
            let n = c.node(*id);
            let name = format!("apiserver-{}", suffix(&n.name, 26));
            let mut l = lease(
                c,
                "kube-system",
                &name,
                &format!("{name}_{}", suffix(&format!("{}-id", n.name), 8)),
                3600,
                now,
                SimTime::ZERO,
            );
            l.metadata.labels = Some(labels(&[
                ("apiserver.kubernetes.io/identity", "kube-apiserver"),
                ("kubernetes.io/hostname", &n.name),
            ]));
            out.push(ApiObject::Lease(l));
        }
    }
    out
}

/// Every object of one of the kinds this module renders, at `now`.
pub fn list(c: &Cluster, kind: ResourceKind, now: SimTime) -> Vec<ApiObject> {
    let mut v = match kind {
        ResourceKind::Endpoints => endpoints(c),
        ResourceKind::EndpointSlices if c.version.minor >= 21 => endpoint_slices(c),
        ResourceKind::Leases => leases(c, now),
        k if k.stored() => stored(c, k),
        _ => Vec::new(),
    };
    v.sort_by(|a, b| {
        let (ma, mb) = (a.metadata(), b.metadata());
        (&ma.namespace, &ma.name).cmp(&(&mb.namespace, &mb.name))
    });
    v
}

/// A stored object as the store keeps it (JSON with `apiVersion` and `kind`).
pub fn to_store(o: &ApiObject) -> Value {
    let mut v = o.to_json();
    if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("resourceVersion");
    }
    v
}

/// Whether a JSON object names a Service (for the events model and tests).
pub fn is_service(v: &Value) -> bool {
    v.get("kind") == Some(&json!("Service"))
}
