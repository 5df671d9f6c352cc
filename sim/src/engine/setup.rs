//! Building a cluster from a scenario's `cluster:` and `workloads:` as kubeadm would have left
//! it: control planes first (with their static pods, kube-proxy and CoreDNS), then workers
//! joining, then the user's workloads, then time runs until the cluster's age so every pod
//! that can run is Running.
//!
//! Default objects (each can be turned off under `cluster.addons`):
//! - per control plane, mirror pods `etcd-<node>`, `kube-apiserver-<node>`,
//!   `kube-controller-manager-<node>`, `kube-scheduler-<node>` in kube-system;
//! - DaemonSet `kube-system/kube-proxy` (tolerates every taint);
//! - Deployment `kube-system/coredns`, 2 replicas (`kube-dns`, 1 replica, before 1.11),
//!   tolerating the control-plane taint, so it lands on control planes at bootstrap.

use crate::engine::Engine;
use crate::model::cluster::Cluster;
use crate::model::manifest::{Manifest, pdb_from_manifest, template_from, template_from_spec};
use crate::model::packages::{DebVersion, KubePackage};
use crate::model::quantity::{parse_cpu_milli, parse_memory_bytes};
use crate::model::*;
use crate::release::components::{Addons, ControlPlane, StaticPod, image_for, registry_for};
use crate::release::version::KubeVersion;
use crate::rng::Seed;
use crate::scenario::{ClusterSpec, NodeSpec};
use crate::time::{SimDuration, SimTime};
use k8s_openapi::api::core::v1::{Container, PodSpec, Toleration as ApiToleration};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A scenario's cluster or workloads cannot be built; the message says why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SetupError(pub String);

pub(crate) const DEFAULT_AGE: SimDuration = SimDuration::from_secs(10 * 24 * 3600);
const WORKERS_JOIN_AT: SimTime = SimTime(60_000);
const WORKLOADS_AT: SimTime = SimTime(120_000);

impl Engine {
    /// Builds the cluster of a scenario. Nothing is half-built: an error leaves no state.
    pub fn new(spec: &ClusterSpec, workloads: &[Manifest], seed: Seed) -> Result<Self, SetupError> {
        let err = |m: String| SetupError(m);
        let version =
            KubeVersion::parse(&spec.kubernetes_version).map_err(|e| err(format!("cluster.kubernetesVersion: {e}")))?;
        version
            .check_supported()
            .map_err(|e| err(format!("cluster.kubernetesVersion: {e}")))?;
        let kubectl_version = match &spec.kubectl_version {
            Some(v) => {
                let k = KubeVersion::parse(v).map_err(|e| err(format!("cluster.kubectlVersion: {e}")))?;
                k.check_supported()
                    .map_err(|e| err(format!("cluster.kubectlVersion: {e}")))?;
                k
            }
            None => version.clone(),
        };
        let age = match &spec.age {
            Some(a) => SimDuration::parse_scenario(a).map_err(|e| err(format!("cluster.age: {e}")))?,
            None => DEFAULT_AGE,
        };
        if age.ms() < WORKLOADS_AT.ms() + 60_000 {
            return Err(err(
                "cluster.age: must be at least 3m (bootstrap takes that long)".into()
            ));
        }
        let mut nodes = expand_nodes(spec)?;
        if kubectl_version != version {
            // kubectl is a package on every host; a scenario's kubectlVersion is what each has.
            for n in &mut nodes {
                let era = n
                    .packages
                    .installed(KubePackage::Kubelet)
                    .and_then(|d| d.era())
                    .unwrap_or(packages::PackageEra::Community);
                n.packages
                    .set_installed(KubePackage::Kubectl, Some(DebVersion::for_kube(&kubectl_version, era)));
            }
        }
        if !nodes.iter().any(|n| n.role == Role::ControlPlane) {
            return Err(err(
                "cluster.nodes: the cluster needs at least one control-plane node".into()
            ));
        }
        let date_day = match &spec.date {
            Some(d) => Some(check_date(d, &version, &kubectl_version, age)?),
            None => None,
        };
        let mut sim = Engine::empty(Cluster::new(version.clone(), kubectl_version), seed);
        // Step 1 runs at midnight of the date; virtual time 0 is `age` earlier. Without a date
        // nothing limits which releases exist (apt lists every one kubedrill knows), so the
        // calendar is one on which they all do: a week after the newest.
        let day = date_day.unwrap_or_else(|| catalogue_day() + 7);
        sim.cluster.epoch_s = (day as u64 * 86_400).saturating_sub(age.secs());
        sim.cluster.date_day = date_day;
        sim.set_trace_enabled(false);

        let (cps, workers): (Vec<_>, Vec<_>) = nodes.into_iter().partition(|n| n.role == Role::ControlPlane);
        // The etcd tag is parsed once here and carried typed (every tag of the release table
        // parses; the string stays for the manifests and the control planes' records).
        let (etcd_tag, etcd) = match &spec.etcd_version {
            Some(e) => {
                let parsed = crate::etcd::version::EtcdVersion::parse(e)
                    .map_err(|m| err(format!("cluster.etcdVersion: {m}")))?;
                (parsed.to_string(), Some(parsed))
            }
            None => {
                let tag = crate::release::versions::default_etcd_for(&version);
                (tag.to_string(), crate::etcd::version::EtcdVersion::parse(tag).ok())
            }
        };
        let cp_ids: Vec<NodeId> = cps
            .into_iter()
            .map(|mut n| {
                let stacked = spec.addons.static_pods.then(|| etcd_tag.clone());
                n.control_plane = Some(ControlPlane::at(&version, stacked));
                let id = sim.cluster.add_node(n);
                sim.kubelet_booted(id);
                id
            })
            .collect();
        if let Some(m) = &spec.storage_media_type {
            if m != crate::etcd::rollback::JSON_MEDIA_TYPE && m != crate::etcd::rollback::PROTOBUF_MEDIA_TYPE {
                return Err(err(format!(
                    "cluster.storageMediaType: {m:?} is neither {} nor {}",
                    crate::etcd::rollback::JSON_MEDIA_TYPE,
                    crate::etcd::rollback::PROTOBUF_MEDIA_TYPE
                )));
            }
            sim.cluster.storage_media_type = m.clone();
        }
        sim.cluster.etcd_data = etcd.as_ref().map(|v| v.minor_key());
        sim.bootstrap_etcd(etcd.as_ref());
        sim.first_controller_manager_leader();
        sim.provision_control_planes(spec.addons.static_pods);
        sim.cluster.addons = Addons {
            kube_proxy: version.clone(),
            dns_name: if version.minor >= 11 { "CoreDNS" } else { "kube-dns" },
            dns_version: dns_version_for(&version).to_string(),
            flannel: spec.addons.flannel.clone(),
            easy_rsa: spec.addons.easy_rsa.clone(),
        };
        if spec.addons.static_pods {
            for id in &cp_ids {
                add_static_pods(&mut sim, *id);
            }
        }
        if spec.addons.kube_proxy {
            add_kube_proxy(&mut sim)?;
        }
        if spec.addons.coredns {
            add_dns(&mut sim)?;
        }
        if let Some(v) = &spec.addons.flannel {
            add_flannel(&mut sim, v)?;
        }
        if let Some(v) = spec.addons.flannel_manifest.as_ref().or(spec.addons.flannel.as_ref()) {
            ship_flannel_manifest(&mut sim, v, spec.addons.flannel_manifest.is_some())?;
        }
        sim.advance_to(WORKERS_JOIN_AT);
        for mut n in workers {
            n.created_at = sim.now;
            let id = sim.cluster.add_node(n);
            sim.kubelet_booted(id);
        }
        let ids: Vec<NodeId> = sim.cluster.node_ids().collect();
        for id in ids {
            sim.cluster.node_mut(id).packages.release_day = date_day;
        }
        sim.mark_ds_changed();
        sim.advance_to(WORKLOADS_AT);
        let mut seen = BTreeSet::new();
        for m in workloads {
            let key = (m.kind(), m.namespace().to_string(), m.name().to_string());
            if !seen.insert(key) {
                let resource = match m {
                    Manifest::Pod(_) => "pods".to_string(),
                    Manifest::PodDisruptionBudget(_) => "poddisruptionbudgets.policy".to_string(),
                    other => format!("{}s", other.kind().to_lowercase()),
                };
                return Err(err(format!(
                    "Error from server (AlreadyExists): {resource} \"{}\" already exists",
                    m.name()
                )));
            }
            if !crate::release::api::serves(&version, m.api_version(), m.kind()) {
                return Err(err(format!(
                    "{} {}/{}: no matches for kind \"{}\" in version \"{}\" (Kubernetes {version} serves {} at {})",
                    m.kind(),
                    m.namespace(),
                    m.name(),
                    m.kind(),
                    m.api_version(),
                    m.kind(),
                    served_versions(&version, m.kind())
                )));
            }
            add_manifest(&mut sim, m)?;
        }
        // The objects just created were written with the trace off: count them (each object
        // is written a few times while it settles: create, bind, status).
        let objects = sim.cluster.pod_count() as u64 * 3 + sim.cluster.node_count() as u64 * 2 + 300;
        sim.etcd.count_writes(objects);
        sim.advance_to(SimTime(age.ms()));
        sim.count_lease_renewals();
        sim.set_trace_enabled(true);
        sim.check_version_skew();
        Ok(sim)
    }
}

/// `cluster.date`: a calendar day on which the cluster's versions already existed.
fn check_date(text: &str, version: &KubeVersion, kubectl: &KubeVersion, age: SimDuration) -> Result<i64, SetupError> {
    use crate::release::dates::{format_date, parse_date, release_day};
    let day = parse_date(text)
        .ok_or_else(|| SetupError(format!("cluster.date: {text:?} is not a date (expected YYYY-MM-DD)")))?;
    // The cluster was born `age` before the date, and the calendar starts in 1970.
    if (day as u64) * 86_400 < age.secs() {
        return Err(SetupError(format!("cluster.date: {text} is too early")));
    }
    for v in [version, kubectl] {
        if let Some(released) = release_day(v)
            && released > day
        {
            return Err(SetupError(format!(
                "cluster.date: Kubernetes {v} was released on {}, after {text}",
                format_date(released)
            )));
        }
    }
    Ok(day)
}

/// The group/versions a release serves a kind at, newest first (`policy/v1, policy/v1beta1`).
fn served_versions(v: &KubeVersion, kind: &str) -> String {
    let gvs: Vec<String> = crate::release::api::served(v)
        .iter()
        .filter(|s| s.kind == kind)
        .map(|s| s.group_version())
        .collect();
    gvs.join(", ")
}

fn expand_nodes(spec: &ClusterSpec) -> Result<Vec<Node>, SetupError> {
    let version = KubeVersion::parse(&spec.kubernetes_version).map_err(|e| SetupError(e.to_string()))?;
    let mut out = Vec::new();
    let mut names = BTreeSet::new();
    let mut counts = (0u32, 0u32);
    let mut add = |name: String, ns: &NodeSpec, out: &mut Vec<Node>, where_: &str| -> Result<(), SetupError> {
        if !names.insert(name.clone()) {
            return Err(SetupError(format!("{where_}: node name {name:?} is used twice")));
        }
        let index = match ns.role {
            Role::ControlPlane => {
                counts.0 += 1;
                counts.0 - 1
            }
            Role::Worker => {
                counts.1 += 1;
                counts.1 - 1
            }
        };
        out.push(build_node(&name, ns, &version, index).map_err(|e| SetupError(format!("{where_}: {e}")))?);
        Ok(())
    };
    for (i, n) in spec.nodes.iter().enumerate() {
        let where_ = format!("cluster.nodes[{i}]");
        if n.count.is_some() || n.name_prefix.is_some() {
            return Err(SetupError(format!(
                "{where_}: `count` and `namePrefix` belong under cluster.pools"
            )));
        }
        let name = n
            .name
            .clone()
            .ok_or_else(|| SetupError(format!("{where_}: missing field `name`")))?;
        add(name, n, &mut out, &where_)?;
    }
    for (i, p) in spec.pools.iter().enumerate() {
        let where_ = format!("cluster.pools[{i}]");
        if p.name.is_some() {
            return Err(SetupError(format!(
                "{where_}: a pool has `namePrefix` and `count`, not `name`"
            )));
        }
        let prefix = p
            .name_prefix
            .clone()
            .ok_or_else(|| SetupError(format!("{where_}: missing field `namePrefix`")))?;
        let count = p
            .count
            .ok_or_else(|| SetupError(format!("{where_}: missing field `count`")))?;
        if count == 0 || count > 10_000 {
            return Err(SetupError(format!("{where_}: count must be between 1 and 10000")));
        }
        let width = count.to_string().len().max(2);
        for k in 1..=count {
            add(format!("{prefix}{k:0width$}"), p, &mut out, &where_)?;
        }
    }
    Ok(out)
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && s.as_bytes()[0].is_ascii_alphanumeric()
        && s.as_bytes()[s.len() - 1].is_ascii_alphanumeric()
}

/// A worker built as a fresh machine provisioned for `version` (blue-green: `kubeadm join` on a
/// new node), with the packages, OS and runtime that version's install docs give.
pub(crate) fn new_worker(sim: &Engine, name: &str, version: &KubeVersion) -> Result<Node, String> {
    version.check_supported()?;
    let like = sim.join_spec.as_deref();
    let spec = NodeSpec {
        name: Some(name.to_string()),
        count: None,
        name_prefix: None,
        role: Role::Worker,
        cpu: like.and_then(|s| s.cpu.clone()),
        memory: like.and_then(|s| s.memory.clone()),
        pods: like.and_then(|s| s.pods),
        labels: like.map(|s| s.labels.clone()).unwrap_or_default(),
        taints: like.map(|s| s.taints.clone()).unwrap_or_default(),
        os_image: None,
        kernel_version: None,
        kubelet_version: None,
    };
    let index = sim.cluster.node_count() as u32;
    let mut node = build_node(name, &spec, version, index)?;
    node.created_at = sim.now;
    node.packages.release_day = sim.cluster.date_day;
    Ok(node)
}

/// A control plane built as a fresh machine provisioned for `version` (`kubeadm join
/// --control-plane`): kubeadm's default control-plane size, labels and taint, and the next
/// free control-plane address.
pub(crate) fn new_control_plane(sim: &Engine, name: &str, version: &KubeVersion) -> Result<Node, String> {
    version.check_supported()?;
    let spec = NodeSpec {
        name: Some(name.to_string()),
        count: None,
        name_prefix: None,
        role: Role::ControlPlane,
        cpu: None,
        memory: None,
        pods: None,
        labels: Default::default(),
        taints: Vec::new(),
        os_image: None,
        kernel_version: None,
        kubelet_version: None,
    };
    let taken: BTreeSet<String> = sim
        .cluster
        .node_ids()
        .map(|id| sim.cluster.node(id).internal_ip.clone())
        .collect();
    let index = (0..250u32)
        .find(|i| !taken.contains(&format!("172.30.1.{}", 2 + i)))
        .ok_or_else(|| "no free control-plane address is left in 172.30.1.0/24".to_string())?;
    let mut node = build_node(name, &spec, version, index)?;
    node.created_at = sim.now;
    node.packages.release_day = sim.cluster.date_day;
    Ok(node)
}

thread_local! {
    // A machine's files and packages as provisioned depend on these inputs alone (its
    // packages on the kubelet version; its files on the role, the kubelet and the runtime),
    // and a cluster's nodes, or a policy check's thousands of clusters, come from a few
    // kinds: each kind is built once per thread, and nodes share its files until they write.
    static FILESYSTEMS: std::cell::RefCell<crate::memo::Memo<(bool, KubeVersion, &'static str), hostfs::HostFs>> =
        Default::default();
    static PACKAGES: std::cell::RefCell<crate::memo::Memo<KubeVersion, packages::PackageState>> = Default::default();
}

/// The files of a freshly provisioned machine (copies share one map until they write).
fn provisioned_fs(cp: bool, kubelet: &KubeVersion, runtime: &'static str) -> hostfs::HostFs {
    let key = (cp, kubelet.clone(), runtime);
    if let Some(fs) = FILESYSTEMS.with(|m| m.borrow().get(&key)) {
        return fs;
    }
    let mut fs = hostfs::HostFs::new();
    crate::engine::static_pods::provision_node(&mut fs, cp);
    crate::engine::kubelet::provision_kubelet_files(&mut fs, kubelet, runtime);
    FILESYSTEMS.with(|m| m.borrow_mut().insert(key, fs.clone()));
    fs
}

/// The packages of a freshly provisioned machine with `kubelet`.
fn provisioned_packages(kubelet: &KubeVersion) -> packages::PackageState {
    if let Some(p) = PACKAGES.with(|m| m.borrow().get(kubelet)) {
        return p;
    }
    let p = packages::PackageState::provisioned(kubelet);
    PACKAGES.with(|m| m.borrow_mut().insert(kubelet.clone(), p.clone()));
    p
}

fn build_node(name: &str, spec: &NodeSpec, version: &KubeVersion, index: u32) -> Result<Node, String> {
    if !is_dns_label(name) {
        return Err(format!(
            "node name {name:?} is not a valid DNS subdomain (lower case letters, digits, '-' and '.')"
        ));
    }
    let side = crate::release::behaviour::ClusterSide::for_version(version);
    let cp = spec.role == Role::ControlPlane;
    let kubelet = match &spec.kubelet_version {
        Some(v) => {
            let k = KubeVersion::parse(v).map_err(|e| format!("kubeletVersion: {e}"))?;
            k.check_supported_kubelet()
                .map_err(|e| format!("kubeletVersion: {e}"))?;
            k
        }
        None => version.clone(),
    };
    let cpu = spec.cpu.as_deref().unwrap_or(if cp { "2" } else { "4" });
    let memory = spec.memory.as_deref().unwrap_or(if cp { "4Gi" } else { "16Gi" });
    let allocatable = Resources {
        cpu_milli: parse_cpu_milli(cpu)?,
        memory: parse_memory_bytes(memory)?,
        pods: spec.pods.unwrap_or(limits::DEFAULT_PODS_PER_NODE),
    };
    let mut labels: Labels = BTreeMap::new();
    labels.insert("kubernetes.io/hostname".into(), name.into());
    labels.insert("kubernetes.io/os".into(), "linux".into());
    labels.insert("kubernetes.io/arch".into(), "amd64".into());
    labels.insert("beta.kubernetes.io/os".into(), "linux".into());
    labels.insert("beta.kubernetes.io/arch".into(), "amd64".into());
    let mut taints = Vec::new();
    if cp {
        for role in side.control_plane_roles {
            labels.insert(format!("node-role.kubernetes.io/{role}"), String::new());
        }
        if version.minor >= 24 {
            labels.insert(
                "node.kubernetes.io/exclude-from-external-load-balancers".into(),
                String::new(),
            );
        }
        taints.push(Taint::new(side.control_plane_taint_key, Effect::NoSchedule));
    }
    for (k, v) in &spec.labels {
        labels.insert(k.clone(), v.clone());
    }
    for t in &spec.taints {
        taints.push(Taint::parse(t)?);
    }
    let (os, kernel, runtime) = match version.minor {
        m if m >= 24 => ("Ubuntu 22.04.4 LTS", "5.15.0-105-generic", "containerd://1.7.13"),
        m if m >= 20 => ("Ubuntu 20.04.6 LTS", "5.4.0-150-generic", "containerd://1.6.21"),
        m if m >= 14 => ("Ubuntu 18.04.6 LTS", "4.15.0-213-generic", "docker://19.3.15"),
        _ => ("Ubuntu 16.04.3 LTS", "4.4.0-104-generic", "docker://17.3.2"),
    };
    let internal_ip = if cp {
        format!("172.30.1.{}", 2 + index)
    } else {
        format!("172.30.{}.{}", 2 + index / 250, 2 + index % 250)
    };
    Ok(Node {
        name: Arc::from(name),
        role: spec.role,
        labels,
        taints,
        unschedulable: false,
        allocatable,
        requested: Resources::default(),
        ready: ReadyStatus::True,
        powered_on: true,
        kubelet_running: true,
        silent_since: None,
        lifecycle_gen: 0,
        kubelet_version: kubelet.clone(),
        os_image: spec.os_image.clone().unwrap_or_else(|| os.to_string()),
        kernel_version: spec.kernel_version.clone().unwrap_or_else(|| kernel.to_string()),
        container_runtime: runtime.to_string(),
        internal_ip,
        created_at: SimTime::ZERO,
        pods: Vec::new(),
        unit_changed: false,
        kubelet_unit: Default::default(),
        journal: Default::default(),
        booted_at: SimTime::ZERO,
        control_plane: None,
        deleting: false,
        fs: provisioned_fs(cp, &kubelet, runtime),
        packages: provisioned_packages(&kubelet),
    })
}

fn container(name: &str, image: String, cpu: &str, memory: Option<&str>) -> Container {
    use k8s_openapi::api::core::v1::ResourceRequirements;
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
    let mut requests = BTreeMap::new();
    requests.insert("cpu".to_string(), Quantity(cpu.to_string()));
    if let Some(m) = memory {
        requests.insert("memory".to_string(), Quantity(m.to_string()));
    }
    Container {
        name: name.to_string(),
        image: Some(image),
        resources: Some(ResourceRequirements {
            requests: Some(requests),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn toleration(key: Option<&str>, effect: Option<&str>, seconds: Option<i64>) -> ApiToleration {
    ApiToleration {
        key: key.map(str::to_string),
        operator: Some("Exists".into()),
        effect: effect.map(str::to_string),
        toleration_seconds: seconds,
        ..Default::default()
    }
}

fn labels_of(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// What admission adds to every pod: 300 s tolerations of not-ready/unreachable NoExecute
/// (DefaultTolerationSeconds) unless the pod tolerates them itself.
/// What the API server's admission adds to a template (for writes after setup).
pub(crate) fn admit_template(t: PodTemplate) -> PodTemplate {
    admit(t)
}

/// The tolerations the DaemonSet controller adds to its pods (for writes after setup).
pub(crate) fn daemonset_tolerations_pub(t: &mut PodTemplate) {
    daemonset_tolerations(t);
}

fn admit(mut t: PodTemplate) -> PodTemplate {
    for key in [taint::NOT_READY, taint::UNREACHABLE] {
        let taint = Taint::new(key, Effect::NoExecute);
        if !t.tolerations.iter().any(|tol| tol.tolerates(&taint)) {
            t.tolerations
                .push(Toleration::exists(key, Some(Effect::NoExecute), Some(300)));
        }
    }
    t
}

/// The tolerations the DaemonSet controller adds to its pods.
fn daemonset_tolerations(t: &mut PodTemplate) {
    use crate::model::taint::{NOT_READY, UNREACHABLE, UNSCHEDULABLE};
    t.tolerations
        .push(Toleration::exists(NOT_READY, Some(Effect::NoExecute), None));
    t.tolerations
        .push(Toleration::exists(UNREACHABLE, Some(Effect::NoExecute), None));
    for key in [
        "node.kubernetes.io/disk-pressure",
        "node.kubernetes.io/memory-pressure",
        "node.kubernetes.io/pid-pressure",
        UNSCHEDULABLE,
    ] {
        t.tolerations
            .push(Toleration::exists(key, Some(Effect::NoSchedule), None));
    }
    t.tolerates_unschedulable = true;
}

/// The DNS addon's version kubeadm installs with `v` (CoreDNS from 1.11, kube-dns before).
pub(crate) fn dns_version_for(v: &KubeVersion) -> &'static str {
    crate::release::versions::dns_version_for(v)
}

/// The DNS image kubeadm deploys at a version (CoreDNS moved to `coredns/coredns` in 1.21).
pub(crate) fn dns_image_for(v: &KubeVersion, dns_version: &str) -> String {
    let registry = registry_for(v);
    if v.minor >= 21 {
        format!("{registry}/coredns/coredns:{dns_version}")
    } else {
        format!("{registry}/coredns:{dns_version}")
    }
}

/// A control plane's static pods, from its component versions.
pub(crate) fn add_static_pods(sim: &mut Engine, node: NodeId) {
    for c in StaticPod::ALL {
        add_static_pod(sim, node, c);
    }
}

/// Creates the mirror pod of one static pod at the version the node's manifest names.
pub(crate) fn add_static_pod(sim: &mut Engine, node: NodeId, component: StaticPod) -> Option<PodId> {
    let n = sim.cluster.node(node);
    let node_name = n.name.clone();
    let cp = n.control_plane.as_ref()?;
    let k8s = cp.apiserver.clone();
    let version = match component {
        StaticPod::Etcd => cp.etcd.clone()?,
        other => cp.version_of(other),
    };
    let (cpu, memory) = match component {
        StaticPod::Etcd => ("100m", Some("100Mi")),
        StaticPod::KubeApiserver => ("250m", None),
        StaticPod::KubeControllerManager => ("200m", None),
        StaticPod::KubeScheduler => ("100m", None),
    };
    let image = image_for(component.name(), &k8s, &version);
    let ns = sim.cluster.intern_namespace("kube-system");
    let spec = PodSpec {
        containers: vec![container(component.name(), image, cpu, memory)],
        host_network: Some(true),
        node_name: Some(node_name.to_string()),
        priority_class_name: Some("system-node-critical".into()),
        tolerations: Some(vec![toleration(None, Some("NoExecute"), None)]),
        ..Default::default()
    };
    let labels = labels_of(&[("component", component.name()), ("tier", "control-plane")]);
    let mut annotations = Labels::new();
    annotations.insert("kubernetes.io/config.mirror".into(), "mirror".into());
    let template = template_from_spec(&spec, &labels, &annotations, false).expect("built-in static pod spec is valid");
    let name: Arc<str> = Arc::from(format!("{}-{node_name}", component.name()).as_str());
    Some(sim.create_pod(
        ns,
        name,
        Owner::Mirror(node),
        Arc::new(template),
        Arc::new(labels),
        Some(node),
    ))
}

fn add_kube_proxy(sim: &mut Engine) -> Result<(), SetupError> {
    let v = sim.cluster.addons.kube_proxy.clone();
    let mut node_selector = BTreeMap::new();
    node_selector.insert("kubernetes.io/os".to_string(), "linux".to_string());
    let spec = PodSpec {
        containers: vec![Container {
            name: "kube-proxy".into(),
            image: Some(image_for("kube-proxy", &v, &v.to_string())),
            ..Default::default()
        }],
        host_network: Some(true),
        node_selector: Some(node_selector),
        priority_class_name: Some("system-node-critical".into()),
        tolerations: Some(vec![toleration(None, None, None)]),
        ..Default::default()
    };
    let labels = labels_of(&[("k8s-app", "kube-proxy")]);
    let template = template_from_spec(&spec, &labels, &Labels::new(), false).map_err(SetupError)?;
    register(
        sim,
        WorkloadKind::DaemonSet,
        "kube-system",
        "kube-proxy",
        0,
        0,
        template,
    )?;
    Ok(())
}

fn add_dns(sim: &mut Engine) -> Result<(), SetupError> {
    let v = sim.cluster.version.clone();
    let cp_key = sim.cluster.side.control_plane_taint_key;
    let mut tolerations = vec![toleration(Some("CriticalAddonsOnly"), None, None)];
    tolerations.push(ApiToleration {
        key: Some(cp_key.into()),
        effect: Some("NoSchedule".into()),
        ..Default::default()
    });
    if cp_key != "node-role.kubernetes.io/master" && v.minor < 28 {
        tolerations.push(ApiToleration {
            key: Some("node-role.kubernetes.io/master".into()),
            effect: Some("NoSchedule".into()),
            ..Default::default()
        });
    }
    let (name, replicas, containers) = if v.minor >= 11 {
        let image = dns_image_for(&v, &sim.cluster.addons.dns_version);
        ("coredns", 2, vec![container("coredns", image, "100m", Some("70Mi"))])
    } else {
        (
            "kube-dns",
            1,
            vec![
                container(
                    "kubedns",
                    format!(
                        "{}/k8s-dns-kube-dns-amd64:{}",
                        registry_for(&v),
                        sim.cluster.addons.dns_version
                    ),
                    "100m",
                    Some("70Mi"),
                ),
                container(
                    "dnsmasq",
                    format!(
                        "{}/k8s-dns-dnsmasq-nanny-amd64:{}",
                        registry_for(&v),
                        sim.cluster.addons.dns_version
                    ),
                    "150m",
                    Some("20Mi"),
                ),
                container(
                    "sidecar",
                    format!(
                        "{}/k8s-dns-sidecar-amd64:{}",
                        registry_for(&v),
                        sim.cluster.addons.dns_version
                    ),
                    "10m",
                    Some("20Mi"),
                ),
            ],
        )
    };
    let spec = PodSpec {
        containers,
        priority_class_name: Some("system-cluster-critical".into()),
        tolerations: Some(tolerations),
        ..Default::default()
    };
    let labels = labels_of(&[("k8s-app", "kube-dns")]);
    let template = template_from_spec(&spec, &labels, &Labels::new(), false).map_err(SetupError)?;
    register(
        sim,
        WorkloadKind::Deployment,
        "kube-system",
        name,
        replicas,
        0,
        template,
    )?;
    Ok(())
}

/// Where flannel's manifest puts its DaemonSet and which image it runs: `kube-flannel` and
/// `docker.io/flannel/flannel` from v0.20, `kube-system` and `quay.io/coreos/flannel:<v>-amd64`
/// before.
pub(crate) fn flannel_layout(version: &str) -> (&'static str, &'static str, String) {
    let minor = version
        .trim_start_matches('v')
        .split('.')
        .nth(1)
        .and_then(|m| m.parse::<u32>().ok())
        .unwrap_or(0);
    if let Some((image, _)) = crate::release::flannel::images(version) {
        ("kube-flannel", "kube-flannel-ds", image)
    } else if minor >= 20 {
        (
            "kube-flannel",
            "kube-flannel-ds",
            format!("docker.io/flannel/flannel:{version}"),
        )
    } else {
        (
            "kube-system",
            "kube-flannel-ds-amd64",
            format!("quay.io/coreos/flannel:{version}-amd64"),
        )
    }
}

/// Where the flannel manifest a person applies lies on the control planes.
pub(crate) const FLANNEL_MANIFEST_PATH: &str = "/root/kube-flannel.yml";

/// Puts the release's `kube-flannel.yml` in root's home on every control plane: the file the
/// cluster was installed from, or (`addons.flannelManifest`) the one of the release to move to.
fn ship_flannel_manifest(sim: &mut Engine, version: &str, asked: bool) -> Result<(), SetupError> {
    let Some(text) = crate::release::flannel::manifest(version) else {
        if asked {
            return Err(SetupError(format!(
                "cluster.addons.flannelManifest: {version:?} is not a flannel release with a kube-flannel.yml here (v0.20.0 and later)"
            )));
        }
        return Ok(());
    };
    for id in sim.cluster.control_plane_ids().to_vec() {
        sim.cluster
            .node_mut(id)
            .fs
            .put(FLANNEL_MANIFEST_PATH, hostfs::Entry::Text(text.clone()));
    }
    Ok(())
}

/// Installs flannel from its release's manifest as `kubectl apply -f kube-flannel.yml` would:
/// every object of it, each with the `last-applied-configuration` that apply leaves, so the
/// same file applied again changes nothing.
fn apply_flannel_manifest(sim: &mut Engine, text: &str) -> Result<(), SetupError> {
    for doc in text.split("\n---\n") {
        // The separator takes the line break that ends a document's last line (and with it
        // the final newline of a `|` block).
        let doc = format!("{}\n", doc.trim_start_matches("---\n"));
        let mut v: serde_json::Value =
            yaml_serde::from_str(&doc).map_err(|e| SetupError(format!("kube-flannel.yml: {e}")))?;
        let mut applied = v.clone();
        if let Some(m) = applied.get_mut("metadata").and_then(serde_json::Value::as_object_mut) {
            m.remove("annotations");
        }
        let config = serde_json::to_string(&applied).unwrap_or_default() + "\n";
        v["metadata"]["annotations"] =
            serde_json::json!({ "kubectl.kubernetes.io/last-applied-configuration": config.clone() });
        match v["kind"].as_str().unwrap_or_default() {
            "Namespace" => {
                sim.cluster
                    .intern_namespace(v["metadata"]["name"].as_str().unwrap_or_default());
            }
            "DaemonSet" => {
                let m = Manifest::from_value(v).map_err(|e| SetupError(e.to_string()))?;
                add_manifest(sim, &m)?;
                let id = sim
                    .cluster
                    .workload_id(WorkloadKind::DaemonSet, m.namespace(), m.name())
                    .ok_or_else(|| SetupError("kube-flannel.yml: the DaemonSet was not made".into()))?;
                // The manifest's selector (`app: flannel`), not its template's labels.
                if let Manifest::DaemonSet(ds) = &m
                    && let Some(sel) = &ds.spec.selector.match_labels
                {
                    let sel: Labels = sel.clone().into_iter().collect();
                    sim.cluster.workload_mut(id).selector = Selector::from_labels(&sel);
                }
                let meta = &mut sim.cluster.workload_mut(id).meta;
                meta.annotations
                    .insert("kubectl.kubernetes.io/last-applied-configuration".into(), config);
                meta.labels = m.metadata().labels.clone().map(|l| l.into_iter().collect());
            }
            _ => sim
                .api_create(v)
                .map_err(|e| SetupError(format!("kube-flannel.yml: {}", e.message)))?,
        }
    }
    Ok(())
}

/// The flannel CNI as its manifest installs it: a DaemonSet on every node, control planes too.
fn add_flannel(sim: &mut Engine, version: &str) -> Result<(), SetupError> {
    if !version.starts_with('v') || version.trim_start_matches('v').split('.').count() != 3 {
        return Err(SetupError(format!(
            "cluster.addons.flannel: {version:?} is not a flannel release tag (like v0.25.1)"
        )));
    }
    if let Some(text) = crate::release::flannel::manifest(version) {
        return apply_flannel_manifest(sim, &text);
    }
    let (ns, name, image) = flannel_layout(version);
    let spec = PodSpec {
        containers: vec![container("kube-flannel", image, "100m", Some("50Mi"))],
        host_network: Some(true),
        priority_class_name: Some("system-node-critical".into()),
        tolerations: Some(vec![ApiToleration {
            operator: Some("Exists".into()),
            effect: Some("NoSchedule".into()),
            ..Default::default()
        }]),
        ..Default::default()
    };
    let labels = labels_of(&[("app", "flannel"), ("tier", "node")]);
    let template = template_from_spec(&spec, &labels, &Labels::new(), false).map_err(SetupError)?;
    register(sim, WorkloadKind::DaemonSet, ns, name, 0, 0, template)?;
    Ok(())
}

/// Creates a controller (and for a Deployment its ReplicaSet) and lets it create its pods.
pub(crate) fn register(
    sim: &mut Engine,
    kind: WorkloadKind,
    namespace: &str,
    name: &str,
    replicas: u32,
    parallelism: u32,
    template: PodTemplate,
) -> Result<WorkloadId, SetupError> {
    // What the workload asks for is refused before anything is made (a DaemonSet asks for a
    // pod per node at most).
    let asks = match kind {
        WorkloadKind::DaemonSet => sim.cluster.node_count() as u64,
        _ => u64::from(replicas),
    };
    sim.check_pods(asks).map_err(|e| SetupError(e.to_string()))?;
    sim.cluster.reserve_pods(asks as usize);
    let ns = sim.cluster.intern_namespace(namespace);
    let mut template = admit(template);
    let mut pod_labels = template.labels.clone();
    let selector = Selector::from_labels(&template.labels);
    match kind {
        WorkloadKind::DaemonSet => {
            daemonset_tolerations(&mut template);
            pod_labels.insert("controller-revision-hash".into(), sim.rng.name_suffix(10));
            pod_labels.insert("pod-template-generation".into(), "1".into());
        }
        WorkloadKind::StatefulSet => {
            pod_labels.insert(
                "controller-revision-hash".into(),
                format!("{name}-{}", sim.rng.name_suffix(10)),
            );
        }
        WorkloadKind::Job => {
            pod_labels.insert("job-name".into(), name.to_string());
        }
        _ => {}
    }
    let template = Arc::new(template);
    let now = sim.now;
    let workload = |kind: WorkloadKind, name: Arc<str>, labels: Arc<Labels>, parent| Workload {
        kind,
        namespace: ns.clone(),
        label: Arc::from(format!("{}/{name}", kind.as_str()).as_str()),
        name,
        replicas,
        selector: selector.clone(),
        template: template.clone(),
        pod_labels: labels,
        created_at: now,
        parent,
        child: None,
        active: 0,
        ordinals: Vec::new(),
        name_taken: Default::default(),
        per_node: BTreeMap::new(),
        succeeded: 0,
        parallelism,
        deleted: false,
        meta: WorkloadMeta {
            revision: 1,
            ..Default::default()
        },
    };
    let pod_labels = Arc::new(pod_labels);
    if kind == WorkloadKind::Deployment {
        let deploy = workload(kind, Arc::from(name), pod_labels.clone(), None);
        let deploy_id = sim.cluster.add_workload(deploy);
        let hash = sim.rng.name_suffix(10);
        let mut rs_labels = (*pod_labels).clone();
        rs_labels.insert("pod-template-hash".into(), hash.clone());
        let rs_name: Arc<str> = Arc::from(format!("{name}-{hash}").as_str());
        let rs = workload(WorkloadKind::ReplicaSet, rs_name, Arc::new(rs_labels), Some(deploy_id));
        let rs_id = sim.cluster.add_workload(rs);
        sim.cluster.workload_mut(deploy_id).child = Some(rs_id);
        sim.reconcile(rs_id);
        sim.settle();
        return Ok(deploy_id);
    }
    let id = sim
        .cluster
        .add_workload(workload(kind, Arc::from(name), pod_labels, None));
    sim.reconcile(id);
    sim.settle();
    Ok(id)
}

pub(crate) fn add_manifest(sim: &mut Engine, m: &Manifest) -> Result<(), SetupError> {
    let (name, ns) = (m.name().to_string(), m.namespace().to_string());
    let ctx = |e: String| SetupError(format!("{} {ns}/{name}: {e}", m.kind()));
    match m {
        Manifest::Deployment(d) => {
            let t = template_from(&d.spec.template, false).map_err(|e| ctx(e.into()))?;
            register(
                sim,
                WorkloadKind::Deployment,
                &ns,
                &name,
                replicas(d.spec.replicas).map_err(ctx)?,
                0,
                t,
            )
            .map_err(|SetupError(e)| ctx(format!("spec.replicas: {e}")))?;
        }
        Manifest::ReplicaSet(r) => {
            let t = r
                .spec
                .template
                .as_ref()
                .ok_or_else(|| ctx("spec.template: Required value".into()))?;
            let t = template_from(t, false).map_err(|e| ctx(e.into()))?;
            register(
                sim,
                WorkloadKind::ReplicaSet,
                &ns,
                &name,
                replicas(r.spec.replicas).map_err(ctx)?,
                0,
                t,
            )
            .map_err(|SetupError(e)| ctx(format!("spec.replicas: {e}")))?;
        }
        Manifest::StatefulSet(s) => {
            let t = template_from(&s.spec.template, false).map_err(|e| ctx(e.into()))?;
            register(
                sim,
                WorkloadKind::StatefulSet,
                &ns,
                &name,
                replicas(s.spec.replicas).map_err(ctx)?,
                0,
                t,
            )
            .map_err(|SetupError(e)| ctx(format!("spec.replicas: {e}")))?;
        }
        Manifest::DaemonSet(d) => {
            let t = template_from(&d.spec.template, false).map_err(|e| ctx(e.into()))?;
            register(sim, WorkloadKind::DaemonSet, &ns, &name, 0, 0, t).map_err(|SetupError(e)| ctx(e))?;
        }
        Manifest::Job(j) => {
            let spec = j.spec.as_ref().ok_or_else(|| ctx("spec: Required value".into()))?;
            let t = template_from(&spec.template, true).map_err(|e| ctx(e.into()))?;
            let completions = replicas(spec.completions).map_err(ctx)?;
            let parallelism = replicas(spec.parallelism).map_err(ctx)?;
            register(sim, WorkloadKind::Job, &ns, &name, completions, parallelism, t)
                .map_err(|SetupError(e)| ctx(format!("spec.completions: {e}")))?;
        }
        Manifest::Pod(p) => {
            let meta = &p.metadata;
            let spec = p.spec.as_ref().ok_or_else(|| ctx("spec: Required value".into()))?;
            let labels = meta.labels.clone().unwrap_or_default();
            let annotations = meta.annotations.clone().unwrap_or_default();
            let t = admit(template_from_spec(spec, &labels, &annotations, false).map_err(ctx)?);
            if let Some(node) = &t.node_name
                && sim.cluster.node_id(node).is_none()
            {
                return Err(ctx(format!("spec.nodeName: node {node:?} does not exist")));
            }
            if sim.cluster.pod_id(&ns, &name).is_some() {
                // A controller listed earlier already made a pod of this name (a StatefulSet's
                // ordinal): the API refuses the second create.
                return Err(ctx(format!(
                    "metadata.name: pods \"{name}\" already exists (list the Pod before the controller to have it hold the name)"
                )));
            }
            sim.check_pods(1).map_err(|e| ctx(e.into()))?;
            let ns_arc = sim.cluster.intern_namespace(&ns);
            sim.create_pod(
                ns_arc,
                Arc::from(name.as_str()),
                Owner::None,
                Arc::new(t),
                Arc::new(labels),
                None,
            );
            sim.settle();
        }
        Manifest::PodDisruptionBudget(p) => {
            let ns_arc = sim.cluster.intern_namespace(&ns);
            let pdb = pdb_from_manifest(p, ns_arc, sim.now).map_err(ctx)?;
            sim.cluster.add_pdb(pdb);
        }
    }
    Ok(())
}

fn replicas(v: Option<i32>) -> Result<u32, String> {
    match v {
        None => Ok(1),
        Some(n) if n >= 0 => Ok(n as u32),
        Some(n) => Err(format!(
            "spec.replicas: Invalid value: {n}: must be greater than or equal to 0"
        )),
    }
}

/// The day the newest release the package catalogue knows came out (worked out once: every
/// cluster built without a date asks for it).
fn catalogue_day() -> i64 {
    static DAY: std::sync::LazyLock<i64> = std::sync::LazyLock::new(|| {
        packages::repo::LAST_PATCH
            .iter()
            .filter_map(|(minor, patch)| KubeVersion::parse(&format!("v1.{minor}.{patch}")).ok())
            .filter_map(|v| crate::release::dates::release_day(&v))
            .max()
            .unwrap_or(0)
    });
    *DAY
}
