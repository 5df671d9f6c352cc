//! Typed inputs: everything that can happen to the simulated cluster from outside it, and the
//! one entry point that applies it ([`Sim::handle_input`]).
//!
//! Each input is one numbered step at the current virtual time (the quinn-proto shape: inputs
//! in, outputs and trace events out): a line typed at a host's prompt, a fault, time passing, or
//! a request to the Kubernetes API from a client that is not a terminal (a policy controller, a
//! remote kubectl through an endpoint). After it, the controllers settle and the step's
//! invariants are checked. Scenario runs, lab lines and policies all go through here.

use crate::engine::fault::Fault;
use crate::host::Sim;
use crate::model::objects::{ApiObject, ListOptions, ResourceKind};
use crate::model::status::ApiError;
use crate::shell::CommandOutput;
use crate::time::SimDuration;
use crate::tools::api::KubeApi;
use std::sync::Arc;

/// One input to the simulator.
#[derive(Clone, Debug)]
pub enum Input<'a> {
    /// A line typed at `host`'s prompt, through that host's shell (the step may take virtual
    /// time, up to the step limit).
    Command { host: &'a str, line: &'a str },
    /// A fault from outside the cluster; `text` is how it was written (the trace shows it).
    Fault { fault: Fault, text: &'a str },
    /// Virtual time passes with nobody typing; `text` is how it was written.
    Wait { by: SimDuration, text: &'a str },
    /// A request to the Kubernetes API.
    Api(ApiRequest),
    /// Nothing happens: the step only checks the invariants (a scenario's expect-only step).
    Check,
}

/// A request to the Kubernetes API from a client that is not a terminal.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiRequest {
    Get {
        kind: ResourceKind,
        namespace: Option<String>,
        name: String,
    },
    List {
        kind: ResourceKind,
        options: ListOptions,
    },
    /// `POST pods/NAME/eviction`, with the grace period of its DeleteOptions (the pod's own
    /// when `None`).
    Evict {
        namespace: String,
        name: String,
        grace_seconds: Option<u64>,
        dry_run: bool,
    },
    /// `DELETE pods/NAME` with a grace period (the pod's own when `None`); grace 0 removes the
    /// object at once, as the API server does for `--grace-period=0 --force`.
    DeletePod {
        namespace: String,
        name: String,
        grace_seconds: Option<u64>,
    },
    /// `PATCH nodes/NAME` `spec.unschedulable` (cordon, uncordon).
    SetUnschedulable {
        node: String,
        unschedulable: bool,
    },
    /// `POST` a whole object of any kind (its `kind` and `metadata` say where).
    Create(serde_json::Value),
    /// `PUT` a whole object, replacing the stored one (what a `PATCH` leaves after the patch).
    Update(serde_json::Value),
    /// `DELETE` an object of any writable kind, with what it owns.
    Delete {
        kind: ResourceKind,
        namespace: String,
        name: String,
        grace_seconds: Option<u64>,
    },
}

impl ApiRequest {
    /// How the trace shows the request: verb and path, as an API server's audit log would.
    fn label(&self) -> String {
        match self {
            Self::Get { kind, namespace, name } => {
                format!("GET {}{}/{name}", ns_path(namespace.as_deref()), kind.api_name())
            }
            Self::List { kind, options } => {
                format!("LIST {}{}", ns_path(options.namespace.as_deref()), kind.api_name())
            }
            Self::Evict { namespace, name, .. } => format!("POST namespaces/{namespace}/pods/{name}/eviction"),
            Self::DeletePod { namespace, name, .. } => format!("DELETE namespaces/{namespace}/pods/{name}"),
            Self::SetUnschedulable { node, unschedulable } => {
                format!("PATCH nodes/{node} spec.unschedulable={unschedulable}")
            }
            Self::Create(o) => format!("POST {}", object_path(o)),
            Self::Update(o) => format!("PUT {}", object_path(o)),
            Self::Delete {
                kind, namespace, name, ..
            } => {
                let ns = kind.namespaced().then_some(namespace.as_str());
                format!("DELETE {}{}/{name}", ns_path(ns), kind.api_name())
            }
        }
    }
}

/// `namespaces/NS/pods/NAME` of a whole object (its kind's resource, or the kind as written).
fn object_path(o: &serde_json::Value) -> String {
    let text = |p: &str| o.pointer(p).and_then(serde_json::Value::as_str).unwrap_or_default();
    let kind = ResourceKind::from_kind(text("/kind"));
    let resource = kind.map_or_else(|| text("/kind").to_lowercase(), |k| k.api_name().to_string());
    let ns = match text("/metadata/namespace") {
        "" if kind.is_some_and(ResourceKind::namespaced) => Some("default"),
        "" => None,
        n => Some(n),
    };
    format!("{}{resource}/{}", ns_path(ns), text("/metadata/name"))
}

fn ns_path(ns: Option<&str>) -> String {
    ns.map(|n| format!("namespaces/{n}/")).unwrap_or_default()
}

/// What the API answered.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiReply {
    Object(Box<ApiObject>),
    List(Vec<ApiObject>),
    /// The write was accepted.
    Done,
}

/// What an input produced.
#[derive(Clone, Debug)]
pub enum Output {
    /// What the tools printed, and the exit status.
    Command(CommandOutput),
    /// The lines a fault prints in a transcript.
    Fault(Vec<String>),
    /// The API's answer.
    Api(Result<ApiReply, ApiError>),
    /// Time passed, or invariants were checked.
    Nothing,
}

/// An input the simulator cannot apply; the cluster is left as it was.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    #[error(transparent)]
    Fault(#[from] crate::engine::fault::FaultError),
}

impl Sim {
    /// Applies one input as the next step at the current virtual time, lets the controllers
    /// settle and checks the step's invariants.
    pub fn handle_input(&mut self, input: Input<'_>) -> Result<Output, InputError> {
        let n = self.step + 1;
        let output = match input {
            Input::Command { host, line } => {
                self.begin_step(n, line);
                Output::Command(self.command_step(host, line))
            }
            Input::Fault { fault, text } => {
                self.begin_step(n, text);
                Output::Fault(self.apply_fault(&fault).map_err(InputError::Fault)?)
            }
            Input::Wait { by, text } => {
                self.begin_step(n, text);
                self.advance(by);
                Output::Nothing
            }
            Input::Api(req) => {
                self.begin_step(n, &req.label());
                Output::Api(self.api_request(req))
            }
            Input::Check => {
                self.begin_step(n, "expect");
                Output::Nothing
            }
        };
        self.settle();
        self.check_step_invariants();
        Ok(output)
    }

    /// A command line as one step: it may run until the step limit, and its exit is traced.
    fn command_step(&mut self, host: &str, line: &str) -> CommandOutput {
        self.step_deadline = Some(self.now + self.step_limit());
        // The container log files are written out when a line looks at them: keeping them on
        // disk at every container start would cost every benchmark for files no one reads.
        if line.contains("/var/log") {
            self.write_pod_logs();
        }
        let out = self.run_line(host, line);
        self.step_deadline = None;
        self.record(crate::trace::Event::CommandExited {
            host: Arc::from(host),
            status: out.status,
        });
        out
    }

    fn api_request(&mut self, req: ApiRequest) -> Result<ApiReply, ApiError> {
        if let Err(e) = self.reachable() {
            return Err(ApiError::new(503, e.to_string()));
        }
        let pod = |sim: &Self, ns: &str, name: &str| {
            sim.cluster
                .pod_id(ns, name)
                .ok_or_else(|| ApiError::not_found("pods", name))
        };
        match req {
            ApiRequest::Get { kind, namespace, name } => {
                KubeApi::get(self, kind, namespace.as_deref(), &name).map(|o| ApiReply::Object(Box::new(o)))
            }
            ApiRequest::List { kind, options } => KubeApi::list(self, kind, &options).map(ApiReply::List),
            ApiRequest::Evict {
                namespace,
                name,
                grace_seconds,
                dry_run,
            } => {
                let id = pod(self, &namespace, &name)?;
                KubeApi::evict(self, id, grace_seconds, dry_run).map(|()| ApiReply::Done)
            }
            ApiRequest::DeletePod {
                namespace,
                name,
                grace_seconds,
            } => KubeApi::delete(self, ResourceKind::Pods, &namespace, &name, grace_seconds).map(|()| ApiReply::Done),
            ApiRequest::Create(object) => KubeApi::create(self, object).map(|()| ApiReply::Done),
            ApiRequest::Update(object) => KubeApi::update(self, object).map(|_| ApiReply::Done),
            ApiRequest::Delete {
                kind,
                namespace,
                name,
                grace_seconds,
            } => KubeApi::delete(self, kind, &namespace, &name, grace_seconds).map(|()| ApiReply::Done),
            ApiRequest::SetUnschedulable { node, unschedulable } => {
                let id = self
                    .cluster
                    .node_id(&node)
                    .ok_or_else(|| ApiError::not_found("nodes", &node))?;
                KubeApi::set_unschedulable(self, id, unschedulable);
                Ok(ApiReply::Done)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLUSTER: &str = r#"
apiVersion: kubedrill/v1
kind: Scenario
metadata: {name: inputs}
cluster:
  kubernetesVersion: v1.31.2
  nodes:
    - {name: controlplane, role: control-plane}
    - {name: node01, role: worker}
workloads:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: nginx}]}
  - apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {name: web}
    spec: {minAvailable: 2, selector: {matchLabels: {app: web}}}
steps: []
"#;

    fn sim() -> Sim {
        let scenario: crate::scenario::Scenario = yaml_serde::from_str(CLUSTER).expect("scenario");
        let mut sim = crate::runner::prepare(&scenario, crate::rng::Seed(1)).expect("cluster");
        sim.handle_input(Input::Wait {
            by: SimDuration::from_secs(60),
            text: "1m",
        })
        .expect("wait");
        sim
    }

    fn web_pod(sim: &Sim) -> String {
        sim.cluster()
            .pods_ordered()
            .map(|(_, p)| p.name.to_string())
            .find(|n| n.starts_with("web-"))
            .expect("pod")
    }

    #[test]
    fn an_eviction_under_a_full_budget_is_refused_with_429_and_changes_nothing() {
        let mut sim = sim();
        let name = web_pod(&sim);
        let before = sim.cluster().pod_count();
        let out = sim
            .handle_input(Input::Api(ApiRequest::Evict {
                namespace: "default".into(),
                name,
                grace_seconds: None,
                dry_run: false,
            }))
            .expect("applied");
        let Output::Api(Err(e)) = out else {
            panic!("expected a refusal, got {out:?}")
        };
        assert_eq!(e.code, 429);
        assert_eq!(e.to_status().reason.as_deref(), Some("TooManyRequests"));
        assert_eq!(sim.cluster().pod_count(), before);
    }

    #[test]
    fn a_cordon_through_the_api_equals_a_typed_kubectl_cordon() {
        let mut a = sim();
        let mut b = sim();
        a.handle_input(Input::Api(ApiRequest::SetUnschedulable {
            node: "node01".into(),
            unschedulable: true,
        }))
        .expect("applied");
        b.handle_input(Input::Command {
            host: "controlplane",
            line: "kubectl cordon node01",
        })
        .expect("applied");
        let status = |s: &Sim| {
            s.cluster()
                .node(s.cluster().node_id("node01").expect("node"))
                .status_text()
        };
        assert_eq!(status(&a), "Ready,SchedulingDisabled");
        assert_eq!(status(&a), status(&b));
    }

    #[test]
    fn objects_come_back_whole_and_a_missing_one_is_404() {
        let mut sim = sim();
        let got = sim.handle_input(Input::Api(ApiRequest::Get {
            kind: ResourceKind::Deployments,
            namespace: Some("default".into()),
            name: "web".into(),
        }));
        let Ok(Output::Api(Ok(ApiReply::Object(o)))) = got else {
            panic!("{got:?}")
        };
        let v = o.to_json();
        assert_eq!(v["kind"], "Deployment");
        assert_eq!(v["apiVersion"], "apps/v1");
        assert_eq!(v["spec"]["replicas"], 2);
        assert_eq!(v["status"]["readyReplicas"], 2);
        let missing = sim.handle_input(Input::Api(ApiRequest::Get {
            kind: ResourceKind::Pods,
            namespace: Some("default".into()),
            name: "nope".into(),
        }));
        let Ok(Output::Api(Err(e))) = missing else {
            panic!("{missing:?}")
        };
        assert_eq!((e.code, e.message.as_str()), (404, "pods \"nope\" not found"));
    }

    /// The texts of the steps the trace shows since `from`.
    fn steps_since(sim: &Sim, from: usize) -> Vec<String> {
        sim.trace()
            .range(from..)
            .filter_map(|r| match &r.event {
                crate::trace::Event::StepStarted { text } => Some(text.to_string()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn whole_objects_are_created_updated_and_deleted_as_traced_steps() {
        let mut sim = sim();
        let from = sim.trace().len();
        let api = |sim: &mut Sim, r: ApiRequest| match sim.handle_input(Input::Api(r)) {
            Ok(Output::Api(r)) => r,
            other => panic!("{other:?}"),
        };
        let cm = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "settings", "namespace": "default"}, "data": {"a": "1"}});
        api(&mut sim, ApiRequest::Create(cm.clone())).expect("created");
        let again = api(&mut sim, ApiRequest::Create(cm)).expect_err("exists");
        assert_eq!(again.code, 409);
        let mut node = sim
            .handle_input(Input::Api(ApiRequest::Get {
                kind: ResourceKind::Nodes,
                namespace: None,
                name: "node01".into(),
            }))
            .map(|o| match o {
                Output::Api(Ok(ApiReply::Object(o))) => o.to_json(),
                other => panic!("{other:?}"),
            })
            .expect("node");
        node["metadata"]["labels"]["disk"] = "ssd".into();
        api(&mut sim, ApiRequest::Update(node)).expect("updated");
        let id = sim.cluster().node_id("node01").expect("node01");
        assert_eq!(
            sim.cluster().node(id).labels.get("disk").map(String::as_str),
            Some("ssd")
        );
        let pod = web_pod(&sim);
        let pods = sim.cluster().pod_count();
        api(
            &mut sim,
            ApiRequest::Delete {
                kind: ResourceKind::Pods,
                namespace: "default".into(),
                name: pod.clone(),
                grace_seconds: Some(0),
            },
        )
        .expect("deleted");
        assert!(
            sim.cluster().pod_id("default", &pod).is_none(),
            "grace 0 removes the pod at once"
        );
        assert_eq!(sim.cluster().pod_count(), pods, "its ReplicaSet replaced it");
        assert_eq!(
            steps_since(&sim, from),
            [
                "POST namespaces/default/configmaps/settings",
                "POST namespaces/default/configmaps/settings",
                "GET nodes/node01",
                "PUT nodes/node01",
                &format!("DELETE namespaces/default/pods/{pod}"),
            ]
        );
    }

    #[test]
    fn a_fault_naming_no_node_is_refused() {
        let mut sim = sim();
        let fault = Fault::parse("node-crash ghost").expect("parses");
        let err = sim.handle_input(Input::Fault {
            fault,
            text: "node-crash ghost",
        });
        assert!(matches!(err, Err(InputError::Fault(_))), "{err:?}");
    }
}
