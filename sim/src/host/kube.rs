//! The tools' seams implemented for the simulator: [`KubeApi`] for [`Sim`] (the simulated API
//! server and the client's clock) and [`NodeApi`] for one node of it ([`NodeKube`]). Every
//! method forwards to the engine's one way of doing that thing, so a tool that goes through the
//! seam changes the cluster exactly as the engine's own callers do.

use crate::engine::setup;
use crate::host::Sim;
use crate::model::cluster::Cluster;
use crate::model::component_version::ComponentVersion;
use crate::model::objects::ResourceKind;
use crate::model::status::{ApiError, DeleteCause, Unreachable};
use crate::model::{NodeId, PodId, PodTemplate, WorkloadId, WorkloadKind};
use crate::release::behaviour::Kubectl;
use crate::release::components::StaticPod;
use crate::release::version::KubeVersion;
use crate::rng::SimRng;
use crate::time::{SimDuration, SimTime};
use crate::tools::api::Listener;
use crate::tools::api::{KubeApi, NodeApi};

impl Sim {
    /// What answers at `host:port` seen from `from` (see [`Listener`]).
    fn listener(&self, from: NodeId, host: &str, port: u16) -> Listener {
        let c = &self.cluster;
        let local = matches!(host, "127.0.0.1" | "localhost" | "::1" | "[::1]");
        let target = if local {
            Some(from)
        } else {
            c.node_ids().find(|id| {
                let n = c.node(*id);
                n.internal_ip == host || &*n.name == host
            })
        };
        let Some(node) = target else {
            return Listener::UnknownHost;
        };
        let n = c.node(node);
        if !n.powered_on {
            return Listener::Nothing;
        }
        let running = |component: &str| {
            c.pod_id("kube-system", &format!("{component}-{}", n.name))
                .and_then(|id| c.pod(id))
                .is_some_and(|p| crate::model::containers::pod_running(c, node, p))
        };
        let quorum = self.etcd.has_quorum();
        match port {
            6443 if running("kube-apiserver") => {
                // An API server over a lost etcd answers (unhealthy) until its liveness probe
                // has it killed; one that cannot reach etcd at all exits at start.
                let outage = c.api_outages.last().filter(|o| o.to.is_none());
                let serving = match outage {
                    None => true,
                    Some(o) => {
                        o.cause == crate::model::unit::OutageCause::EtcdQuorum
                            && self.now.saturating_sub(o.from) < SimDuration::from_secs(90)
                    }
                };
                if !serving {
                    return Listener::Nothing;
                }
                let version = n
                    .control_plane
                    .as_ref()
                    .map(|cp| cp.apiserver.to_string())
                    .unwrap_or_default();
                Listener::ApiServer {
                    healthy: self.api_available(),
                    version,
                }
            }
            2379 | 2381 => {
                let url = format!("https://{}:2379", if local { "127.0.0.1" } else { host });
                let member = crate::engine::etcd_link::member_listening_at(&self.engine, node, &url)
                    .filter(|i| self.etcd.members[*i].is_running());
                match (member, port) {
                    (Some(_), 2379) => Listener::Etcd {
                        quorum,
                        version: self.etcd.version.to_string(),
                    },
                    (Some(_), _) if local => Listener::EtcdMetrics { quorum },
                    _ => Listener::Nothing,
                }
            }
            10248 if local && n.kubelet_running => Listener::Kubelet,
            10257 if local && running("kube-controller-manager") => Listener::Component,
            10259 if local && running("kube-scheduler") => Listener::Component,
            _ => Listener::Nothing,
        }
    }
}

impl KubeApi for Sim {
    fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    fn now(&self) -> SimTime {
        self.now
    }

    fn kubectl(&self) -> &Kubectl {
        &self.terminal.kubectl
    }

    fn events(&self) -> Vec<k8s_openapi::api::core::v1::Event> {
        crate::model::events::from_trace(&self.cluster, self.trace(), self.now)
    }

    fn reachable(&mut self) -> Result<(), Unreachable> {
        match self.api_unreachable() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn evict(&mut self, pod: PodId, grace_seconds: Option<u64>, dry_run: bool) -> Result<(), ApiError> {
        self.engine.evict(pod, grace_seconds, dry_run)
    }

    fn delete_pod(&mut self, pod: PodId, grace_seconds: Option<u64>, cause: DeleteCause) {
        self.engine.delete_pod(pod, grace_seconds, cause);
    }

    fn force_delete_pod(&mut self, pod: PodId, uid: u64) {
        // A mirror pod comes back: the kubelet still runs its static pod.
        if self.cluster.pod_if(pod, uid).is_some_and(|p| p.is_mirror()) {
            self.mirror_pod_deleted(pod);
        } else {
            self.force_remove(pod, uid);
        }
    }

    fn set_unschedulable(&mut self, node: NodeId, on: bool) {
        self.engine.set_unschedulable(node, on);
    }

    fn delete_node(&mut self, node: NodeId) {
        self.node_delete(node);
    }

    fn create_workload(
        &mut self,
        kind: WorkloadKind,
        namespace: &str,
        name: &str,
        replicas: u32,
        template: PodTemplate,
    ) -> Result<WorkloadId, ApiError> {
        setup::register(self, kind, namespace, name, replicas, 0, template).map_err(|e| ApiError::new(422, e.0))
    }

    fn create_namespace(&mut self, name: &str) {
        self.cluster.intern_namespace(name);
    }

    fn create(&mut self, object: serde_json::Value) -> Result<(), ApiError> {
        self.api_create(object)
    }

    fn update(&mut self, object: serde_json::Value) -> Result<bool, ApiError> {
        self.api_update(object)
    }

    fn delete(&mut self, kind: ResourceKind, ns: &str, name: &str, grace: Option<u64>) -> Result<(), ApiError> {
        self.api_delete(kind, ns, name, grace)
    }

    fn rollback(&mut self, ns: &str, name: &str, to: u32) -> Result<u32, ApiError> {
        self.api_rollback(ns, name, to)
    }

    fn set_template_image(&mut self, workload: WorkloadId, container: &str, image: &str, rollout: bool) {
        if rollout {
            self.set_workload_image(workload, container, image);
        } else {
            self.engine.set_template_image(workload, container, image);
        }
    }

    fn set_cluster_version(&mut self, version: KubeVersion) {
        self.cluster.config_version = version;
    }

    fn upgrade_addons(&mut self, kube_proxy: &KubeVersion, dns_version: &str) {
        self.engine.upgrade_addons(kube_proxy, dns_version);
    }

    fn set_addon_image(&mut self, kind: WorkloadKind, namespace: &str, name: &str, image: &str) {
        self.addon_image_set(kind, namespace, name, image);
    }

    fn settle(&mut self) {
        self.engine.settle();
    }

    fn wait_until(&mut self, t: SimTime) -> bool {
        self.advance_within_step(t)
    }

    fn time_budget(&self) -> SimDuration {
        self.step_limit()
    }

    fn note(&mut self, event: crate::trace::Event) {
        self.engine.record(event);
    }
}

/// One node of the simulator, as the node-level tools that run on it see it.
pub(crate) struct NodeKube<'a> {
    pub sim: &'a mut Sim,
    pub node: NodeId,
}

/// [`KubeApi`] for a node is the simulator's: the tools on a node are API clients too.
macro_rules! forward_kube_api {
    ($ty:ty) => {
        impl KubeApi for $ty {
            fn cluster(&self) -> &Cluster {
                KubeApi::cluster(&*self.sim)
            }
            fn now(&self) -> SimTime {
                KubeApi::now(&*self.sim)
            }
            fn kubectl(&self) -> &Kubectl {
                KubeApi::kubectl(&*self.sim)
            }
            fn events(&self) -> Vec<k8s_openapi::api::core::v1::Event> {
                KubeApi::events(&*self.sim)
            }
            fn reachable(&mut self) -> Result<(), Unreachable> {
                KubeApi::reachable(self.sim)
            }
            fn evict(&mut self, pod: PodId, grace: Option<u64>, dry_run: bool) -> Result<(), ApiError> {
                KubeApi::evict(self.sim, pod, grace, dry_run)
            }
            fn delete_pod(&mut self, pod: PodId, grace: Option<u64>, cause: DeleteCause) {
                KubeApi::delete_pod(self.sim, pod, grace, cause)
            }
            fn force_delete_pod(&mut self, pod: PodId, uid: u64) {
                KubeApi::force_delete_pod(self.sim, pod, uid)
            }
            fn set_unschedulable(&mut self, node: NodeId, on: bool) {
                KubeApi::set_unschedulable(self.sim, node, on)
            }
            fn delete_node(&mut self, node: NodeId) {
                KubeApi::delete_node(self.sim, node)
            }
            fn create_workload(
                &mut self,
                kind: WorkloadKind,
                namespace: &str,
                name: &str,
                replicas: u32,
                template: PodTemplate,
            ) -> Result<WorkloadId, ApiError> {
                KubeApi::create_workload(self.sim, kind, namespace, name, replicas, template)
            }
            fn create_namespace(&mut self, name: &str) {
                KubeApi::create_namespace(self.sim, name)
            }
            fn create(&mut self, object: serde_json::Value) -> Result<(), ApiError> {
                KubeApi::create(self.sim, object)
            }
            fn update(&mut self, object: serde_json::Value) -> Result<bool, ApiError> {
                KubeApi::update(self.sim, object)
            }
            fn delete(&mut self, kind: ResourceKind, ns: &str, name: &str, grace: Option<u64>) -> Result<(), ApiError> {
                KubeApi::delete(self.sim, kind, ns, name, grace)
            }
            fn rollback(&mut self, ns: &str, name: &str, to: u32) -> Result<u32, ApiError> {
                KubeApi::rollback(self.sim, ns, name, to)
            }
            fn set_template_image(&mut self, w: WorkloadId, container: &str, image: &str, rollout: bool) {
                KubeApi::set_template_image(self.sim, w, container, image, rollout)
            }
            fn set_cluster_version(&mut self, version: KubeVersion) {
                KubeApi::set_cluster_version(self.sim, version)
            }
            fn upgrade_addons(&mut self, kube_proxy: &KubeVersion, dns_version: &str) {
                KubeApi::upgrade_addons(self.sim, kube_proxy, dns_version)
            }
            fn set_addon_image(&mut self, kind: WorkloadKind, namespace: &str, name: &str, image: &str) {
                KubeApi::set_addon_image(self.sim, kind, namespace, name, image)
            }
            fn settle(&mut self) {
                KubeApi::settle(self.sim)
            }
            fn wait_until(&mut self, t: SimTime) -> bool {
                KubeApi::wait_until(self.sim, t)
            }
            fn time_budget(&self) -> SimDuration {
                KubeApi::time_budget(&*self.sim)
            }
            fn note(&mut self, event: crate::trace::Event) {
                KubeApi::note(self.sim, event)
            }
        }
    };
}

forward_kube_api!(NodeKube<'_>);

impl NodeApi for NodeKube<'_> {
    fn node(&self) -> NodeId {
        self.node
    }

    fn kubelet_stop(&mut self) {
        self.sim.kubelet_stop(self.node);
    }

    fn kubelet_start(&mut self) {
        self.sim.kubelet_start(self.node);
    }

    fn installed_kubelet(&self) -> KubeVersion {
        self.sim.installed_kubelet(self.node)
    }

    fn daemon_reload(&mut self) {
        self.sim.cluster.node_mut(self.node).unit_changed = false;
    }

    fn write_kubelet_files(&mut self, version: &KubeVersion) {
        self.sim.kubeadm_kubelet_files(self.node, version);
    }

    fn set_kubelet_enabled(&mut self, on: bool) {
        self.sim.set_kubelet_enabled(self.node, on);
    }

    fn listener(&self, host: &str, port: u16) -> Listener {
        self.sim.listener(self.node, host, port)
    }

    fn restart_static_pod(&mut self, component: StaticPod) -> bool {
        self.sim.restart_static_pod(self.node, component)
    }

    fn upgrade_static_pod(&mut self, component: StaticPod, version: &ComponentVersion) -> bool {
        self.sim.upgrade_static_pod(self.node, component, version)
    }

    fn set_kubelet_local_api(&mut self, on: bool) {
        self.sim.set_kubelet_local_api(self.node, on);
    }

    fn rng(&mut self) -> &mut SimRng {
        &mut self.sim.rng
    }
}
