//! A fake [`KubeApi`] for the tools' unit tests: a cluster state to read, writes recorded
//! instead of applied to an engine, and a clock the test controls. A tool tested against it is
//! tested alone: no controller, scheduler or kubelet answers behind it.

use crate::model::cluster::Cluster;
use crate::model::component_version::ComponentVersion;
use crate::model::objects::ResourceKind;
use crate::model::status::{ApiError, DeleteCause, Unreachable};
use crate::model::{NodeId, PodId, PodTemplate, WorkloadId, WorkloadKind};
use crate::release::behaviour::Kubectl;
use crate::release::components::StaticPod;
use crate::release::version::KubeVersion;
use crate::rng::{Seed, SimRng};
use crate::time::{SimDuration, SimTime};
use crate::tools::api::{KubeApi, Listener, NodeApi};

pub(crate) struct FakeApi {
    pub cluster: Cluster,
    pub kubectl: Kubectl,
    pub now: SimTime,
    /// Until when the client may wait (`wait_until` past it returns false).
    pub deadline: SimTime,
    /// What every eviction answers.
    pub eviction: Result<(), ApiError>,
    /// Every write, as `VERB target`.
    pub writes: Vec<String>,
    /// The objects POSTed, whole.
    pub created: Vec<serde_json::Value>,
    /// The machine a node-level tool runs on (the first control plane).
    pub node: NodeId,
    /// Whether a static pod comes back after kubeadm replaces or restarts it.
    pub static_pods_come_back: bool,
    pub rng: SimRng,
}

impl FakeApi {
    /// A cluster built by the real setup from a scenario's cluster section (YAML).
    pub(crate) fn from_scenario(yaml: &str) -> Self {
        let scenario: crate::scenario::Scenario = yaml_serde::from_str(yaml).expect("scenario");
        let sim = crate::runner::prepare(&scenario, Seed(1)).expect("cluster");
        let cluster = sim.cluster().clone();
        Self {
            node: cluster.control_plane_ids()[0],
            static_pods_come_back: true,
            rng: SimRng::new(Seed(1)),
            kubectl: Kubectl::for_version(&cluster.kubectl_version),
            cluster,
            now: sim.now(),
            deadline: SimTime(u64::MAX),
            eviction: Ok(()),
            writes: Vec::new(),
            created: Vec::new(),
        }
    }
}

impl KubeApi for FakeApi {
    fn cluster(&self) -> &Cluster {
        &self.cluster
    }
    fn now(&self) -> SimTime {
        self.now
    }
    fn kubectl(&self) -> &Kubectl {
        &self.kubectl
    }
    fn reachable(&mut self) -> Result<(), Unreachable> {
        Ok(())
    }
    fn evict(&mut self, pod: PodId, _grace: Option<u64>, dry_run: bool) -> Result<(), ApiError> {
        let name = self.cluster.pod(pod).map(|p| p.label.to_string()).unwrap_or_default();
        self.writes.push(format!("EVICT {name} dry_run={dry_run}"));
        self.eviction.clone()
    }
    fn delete_pod(&mut self, pod: PodId, grace: Option<u64>, cause: DeleteCause) {
        let name = self.cluster.pod(pod).map(|p| p.label.to_string()).unwrap_or_default();
        self.writes
            .push(format!("DELETE {name} grace={grace:?} cause={}", cause.as_str()));
    }
    fn force_delete_pod(&mut self, pod: PodId, _uid: u64) {
        self.writes.push(format!("FORCE-DELETE {pod:?}"));
    }
    fn set_unschedulable(&mut self, node: NodeId, on: bool) {
        self.writes
            .push(format!("PATCH {} unschedulable={on}", self.cluster.node(node).name));
        self.cluster.node_mut(node).unschedulable = on;
    }
    fn delete_node(&mut self, node: NodeId) {
        self.writes
            .push(format!("DELETE node {}", self.cluster.node(node).name));
    }
    fn create_workload(
        &mut self,
        kind: WorkloadKind,
        namespace: &str,
        name: &str,
        replicas: u32,
        _template: PodTemplate,
    ) -> Result<WorkloadId, ApiError> {
        self.writes.push(format!(
            "CREATE {} {namespace}/{name} replicas={replicas}",
            kind.as_str()
        ));
        Ok(WorkloadId(u32::MAX))
    }
    fn create_namespace(&mut self, name: &str) {
        self.writes.push(format!("CREATE Namespace {name}"));
    }
    fn create(&mut self, object: serde_json::Value) -> Result<(), ApiError> {
        self.writes.push(format!(
            "POST {} {}",
            object["kind"].as_str().unwrap_or_default(),
            object["metadata"]["name"].as_str().unwrap_or_default()
        ));
        self.created.push(object);
        Ok(())
    }
    fn update(&mut self, object: serde_json::Value) -> Result<bool, ApiError> {
        self.writes.push(format!(
            "PUT {} {}",
            object["kind"].as_str().unwrap_or_default(),
            object["metadata"]["name"].as_str().unwrap_or_default()
        ));
        Ok(true)
    }
    fn delete(&mut self, kind: ResourceKind, ns: &str, name: &str, grace: Option<u64>) -> Result<(), ApiError> {
        self.writes
            .push(format!("DELETE {} {ns}/{name} grace={grace:?}", kind.api_name()));
        Ok(())
    }
    fn rollback(&mut self, ns: &str, name: &str, to: u32) -> Result<u32, ApiError> {
        self.writes.push(format!("ROLLBACK {ns}/{name} to={to}"));
        Ok(to)
    }
    fn set_template_image(&mut self, _w: WorkloadId, container: &str, image: &str, rollout: bool) {
        self.writes
            .push(format!("SET-IMAGE {container}={image} rollout={rollout}"));
    }
    fn set_cluster_version(&mut self, version: KubeVersion) {
        self.writes.push(format!("SET-VERSION {version}"));
    }
    fn upgrade_addons(&mut self, kube_proxy: &KubeVersion, dns: &str) {
        self.writes.push(format!("UPGRADE-ADDONS {kube_proxy} {dns}"));
    }
    fn set_addon_image(&mut self, kind: WorkloadKind, ns: &str, name: &str, image: &str) {
        self.writes
            .push(format!("SET-ADDON-IMAGE {} {ns}/{name} {image}", kind.as_str()));
    }
    fn settle(&mut self) {}
    fn wait_until(&mut self, t: SimTime) -> bool {
        if t > self.deadline {
            self.now = self.deadline;
            return false;
        }
        self.now = self.now.max(t);
        true
    }
    fn note(&mut self, _event: crate::trace::Event) {}
    fn time_budget(&self) -> SimDuration {
        SimDuration(self.deadline.ms().saturating_sub(self.now.ms()))
    }
}

/// The node seam: what kubeadm, systemctl and crictl do to their machine is recorded, and the
/// static pods a test says come back do.
impl NodeApi for FakeApi {
    fn node(&self) -> NodeId {
        self.node
    }
    fn kubelet_stop(&mut self) {
        self.writes.push("KUBELET stop".into());
    }
    fn kubelet_start(&mut self) {
        self.writes.push("KUBELET start".into());
    }
    fn installed_kubelet(&self) -> KubeVersion {
        let n = self.cluster.node(self.node);
        n.packages
            .installed_kube_version(crate::model::packages::KubePackage::Kubelet)
            .unwrap_or_else(|| n.kubelet_version.clone())
    }
    fn daemon_reload(&mut self) {
        self.writes.push("DAEMON-RELOAD".into());
    }
    fn write_kubelet_files(&mut self, version: &KubeVersion) {
        self.writes.push(format!("KUBELET-FILES {version}"));
    }
    fn set_kubelet_enabled(&mut self, on: bool) {
        self.writes.push(format!("KUBELET enabled={on}"));
    }
    fn listener(&self, _host: &str, _port: u16) -> Listener {
        Listener::Nothing
    }
    fn restart_static_pod(&mut self, component: StaticPod) -> bool {
        self.writes.push(format!("RESTART {}", component.name()));
        self.static_pods_come_back
    }
    fn upgrade_static_pod(&mut self, component: StaticPod, version: &ComponentVersion) -> bool {
        self.writes.push(format!("STATIC-POD {} {version}", component.name()));
        self.static_pods_come_back
    }
    fn set_kubelet_local_api(&mut self, on: bool) {
        self.writes.push(format!("KUBELET-LOCAL-API {on}"));
    }
    fn rng(&mut self) -> &mut SimRng {
        &mut self.rng
    }
}
