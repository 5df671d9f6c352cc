//! The seams between the tools and the machine they run on.
//!
//! [`KubeApi`] is the Kubernetes API as a client sees it: the API server's state, its write
//! verbs with its own errors ([`ApiError`]), and the client's clock (a drain that waits for a
//! PodDisruptionBudget waits in virtual time). kubectl talks to the cluster only through it,
//! and so does anything else that plays a client: a policy controller, a lab check, the HTTP
//! endpoint. [`NodeApi`] adds what a node-level tool (kubeadm, systemctl, crictl) reaches on its
//! own machine: the kubelet, its static pods, its packages and its random stamps.
//!
//! Reads go through [`KubeApi::cluster`], the API server's state as compact model objects: the
//! way an informer's cache serves a controller, and the only way to list 150,000 pods in a
//! few milliseconds. [`KubeApi::get`] and [`KubeApi::list`] give the same objects whole, as the
//! API server serves them (real `k8s-openapi` types, rendered by `model::objects`).

use crate::model::cluster::Cluster;
use crate::model::component_version::ComponentVersion;
use crate::model::objects::{self, ApiObject, ResourceKind};
use crate::model::status::{ApiError, DeleteCause, Unreachable};
use crate::model::{NodeId, PodId, PodTemplate, WorkloadId, WorkloadKind};
use crate::release::behaviour::Kubectl;
use crate::release::components::StaticPod;
use crate::release::version::KubeVersion;
use crate::rng::SimRng;
use crate::time::{SimDuration, SimTime};

pub(crate) use crate::model::objects::ListOptions;

/// The Kubernetes API as a client sees it.
pub trait KubeApi {
    // ---- reads --------------------------------------------------------------------------

    /// The API server's state (compact model objects; see the module docs).
    fn cluster(&self) -> &Cluster;

    /// Virtual time now.
    fn now(&self) -> SimTime;

    /// The client behaviour of the kubectl installed where the command runs.
    fn kubectl(&self) -> &Kubectl;

    /// Whether the API server can answer at all. A request while it cannot blocks for as long as
    /// the API server takes to give up (the client's clock moves on), then fails.
    fn reachable(&mut self) -> Result<(), Unreachable>;

    /// The Events of the last hour (`model::events`), as the control plane recorded them.
    fn events(&self) -> Vec<k8s_openapi::api::core::v1::Event> {
        Vec::new()
    }

    /// `GET` one object, whole.
    fn get(&self, kind: ResourceKind, namespace: Option<&str>, name: &str) -> Result<ApiObject, ApiError> {
        if kind == ResourceKind::Events {
            let ns = namespace.unwrap_or("default");
            return self
                .events()
                .into_iter()
                .find(|e| e.metadata.name.as_deref() == Some(name) && e.metadata.namespace.as_deref() == Some(ns))
                .map(ApiObject::Event)
                .ok_or_else(|| ApiError::not_found(kind.api_name(), name));
        }
        objects::get_at(self.cluster(), kind, namespace, name, self.now())
    }

    /// `LIST` the objects of a kind that match the options, whole, in the API server's order
    /// (namespace, then name).
    fn list(&self, kind: ResourceKind, opts: &ListOptions) -> Result<Vec<ApiObject>, ApiError> {
        if kind == ResourceKind::Events {
            let all = self.events().into_iter().map(ApiObject::Event).collect();
            return objects::filter_list(kind, all, opts);
        }
        objects::list_at(self.cluster(), kind, opts, self.now())
    }

    // ---- writes -------------------------------------------------------------------------

    /// `POST pods/NAME/eviction`: checks PodDisruptionBudgets (429 with the DisruptionBudget
    /// cause, 500 for a pod under more than one), then deletes gracefully unless `dry_run`.
    fn evict(&mut self, pod: PodId, grace_seconds: Option<u64>, dry_run: bool) -> Result<(), ApiError>;

    /// `DELETE pods/NAME` with a grace period (the pod's own when `None`).
    fn delete_pod(&mut self, pod: PodId, grace_seconds: Option<u64>, cause: DeleteCause);

    /// `DELETE pods/NAME --grace-period=0 --force`: the object goes at once, whatever the kubelet
    /// is doing (`uid` is the precondition).
    fn force_delete_pod(&mut self, pod: PodId, uid: u64);

    /// `PATCH nodes/NAME {"spec":{"unschedulable":on}}`.
    fn set_unschedulable(&mut self, node: NodeId, on: bool);

    /// `DELETE nodes/NAME`.
    fn delete_node(&mut self, node: NodeId);

    /// `POST` a controller with its pod template (`kubectl create deployment`); its
    /// ReplicaSet and pods follow. Refused as the API server refuses it (422, 409).
    fn create_workload(
        &mut self,
        kind: WorkloadKind,
        namespace: &str,
        name: &str,
        replicas: u32,
        template: PodTemplate,
    ) -> Result<WorkloadId, ApiError>;

    /// `POST namespaces` (a namespace that exists is left as it is).
    fn create_namespace(&mut self, name: &str);

    /// `POST` an object of a writable kind, whole (`kubectl create -f`, `apply` of a new
    /// object). 409 when it exists, 404 for a missing namespace, 422 when invalid.
    fn create(&mut self, object: serde_json::Value) -> Result<(), ApiError>;

    /// `PUT` an object whole (`apply`, `replace`, `patch`, `edit`, `label`, `scale`, …);
    /// `Ok(false)` when nothing changed. The controllers react to what did.
    fn update(&mut self, object: serde_json::Value) -> Result<bool, ApiError>;

    /// `DELETE` an object of any writable kind, with what it owns (background cascade).
    fn delete(
        &mut self,
        kind: ResourceKind,
        namespace: &str,
        name: &str,
        grace_seconds: Option<u64>,
    ) -> Result<(), ApiError>;

    /// `kubectl rollout undo`: a Deployment back to a revision (0: the previous one).
    /// Returns the revision rolled back to.
    fn rollback(&mut self, namespace: &str, name: &str, to_revision: u32) -> Result<u32, ApiError>;

    /// A controller's pod template gets a new image for a container; `rollout` replaces its pods
    /// one at a time (Deployments, DaemonSets), otherwise only new pods use it.
    fn set_template_image(&mut self, workload: WorkloadId, container: &str, image: &str, rollout: bool);

    /// The kubeadm-config ConfigMap's `kubernetesVersion` (what `upgrade apply` writes).
    fn set_cluster_version(&mut self, version: KubeVersion);

    /// The addons kubeadm owns (kube-proxy's DaemonSet, the DNS Deployment) move to new images.
    fn upgrade_addons(&mut self, kube_proxy: &KubeVersion, dns_version: &str);

    /// An addon's image set by name (`kubectl set image` on kube-system's own workloads).
    fn set_addon_image(&mut self, kind: WorkloadKind, namespace: &str, name: &str, image: &str);

    // ---- the client's clock -------------------------------------------------------------

    /// Lets the controllers and the scheduler react to what was just written, as they do
    /// between two requests of a client.
    fn settle(&mut self);

    /// Waits until `t` (a poll interval, a retry back-off). `false` when the command's time is
    /// up first (the scenario's step limit): the caller stops as if interrupted.
    fn wait_until(&mut self, t: SimTime) -> bool;

    /// How long one command may run in virtual time.
    fn time_budget(&self) -> SimDuration;

    /// Records a client's decision in the trace (a drain's filter verdicts), so `why` can
    /// explain it from what was decided, not from re-derived text.
    fn note(&mut self, event: crate::trace::Event);
}

/// What answers on a port of a cluster machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Listener {
    /// No such host (not a cluster machine, no network beyond the cluster).
    UnknownHost,
    /// The host is there; nothing listens on that port (connection refused).
    Nothing,
    /// kube-apiserver (6443): `healthy` when it reaches a working etcd.
    ApiServer { healthy: bool, version: String },
    /// An etcd member's client port (2379), with or without a leader.
    Etcd { quorum: bool, version: String },
    /// An etcd member's metrics port (2381, plain HTTP).
    EtcdMetrics { quorum: bool },
    /// The kubelet's healthz (10248, plain HTTP).
    Kubelet,
    /// kube-controller-manager (10257) or kube-scheduler (10259): HTTPS healthz.
    Component,
}

/// What a node-level tool reaches on its own machine, on top of the API.
pub(crate) trait NodeApi: KubeApi {
    /// The machine the tool runs on.
    fn node(&self) -> NodeId;

    /// `systemctl stop kubelet`.
    fn kubelet_stop(&mut self);

    /// `systemctl start|restart kubelet`: the installed kubelet binary runs.
    fn kubelet_start(&mut self);

    /// The kubelet binary the node's package installed (what a restart will run).
    fn installed_kubelet(&self) -> KubeVersion;

    /// `systemctl daemon-reload`: unit files changed on disk are read again.
    fn daemon_reload(&mut self);

    /// `kubeadm upgrade apply|node` writes the kubelet's configuration for `version`
    /// (`/var/lib/kubelet/config.yaml`) and drops from `kubeadm-flags.env` the flags that
    /// kubelet no longer takes (kubeadm 1.27 removed `--container-runtime` this way).
    fn write_kubelet_files(&mut self, version: &KubeVersion);

    /// `systemctl enable|disable kubelet`: whether it starts when the machine boots.
    fn set_kubelet_enabled(&mut self, on: bool);

    /// What answers on `port` at `host` (an address or a machine's name) as seen from this
    /// machine (`curl`).
    fn listener(&self, host: &str, port: u16) -> Listener;

    /// The kubelet restarts one of this node's static pods with its manifest unchanged.
    /// `false` when the pod did not come back (kubeadm then times out).
    fn restart_static_pod(&mut self, component: StaticPod) -> bool;

    /// kubeadm writes a new manifest for one of this node's static pods at `version`.
    fn upgrade_static_pod(&mut self, component: StaticPod, version: &ComponentVersion) -> bool;

    /// kubeadm's upgrade/kubeconfig phase (v1.31 on) points this control plane's kubelet at its
    /// own API server (`on`: ControlPlaneKubeletLocalMode) or at the control-plane endpoint.
    fn set_kubelet_local_api(&mut self, on: bool);

    /// The machine's entropy (temporary file names, certificate serials, pids), drawn from the
    /// simulation's one seeded stream.
    fn rng(&mut self) -> &mut SimRng;
}
