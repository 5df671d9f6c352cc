//! A lab on kind: `kubedrill lab start ID --backend kind`.
//!
//! The lab's setup (its cluster, workloads and setup steps) is planned onto kind and replayed
//! beside the simulator, as `run --backend kind` does, with the output hidden; a difference
//! from the simulator after the setup is reported before the task. Then the student's lines
//! run for real: each is planned like a scenario line (host kubectl, `docker exec` into the
//! node, apt emulated, the lab's node names mapped to kind's) and its output printed as it
//! is. On a terminal `ssh NODE` opens `docker exec -it NODE bash` and `exit` there comes
//! back; from a pipe `ssh NODE` moves the following lines, as in the simulator. `check`
//! grades the lab's objectives from what kind shows (`kubedrill_labs::grade_observed`);
//! those only the simulator can judge (its invariants, files in nodes, packages) are listed
//! as not gradable. `map` and `reset` need the simulator and are not offered.

use super::backend::{Replay, load_image_map, plan_for_display, preflight};
use super::images::NEWEST_RELEASE;
use super::observe::{self, KubectlList, Naming};
use super::planner::config;
use super::planner::lines::{Ctx, Hosts};
use super::planner::{ClusterFacts, Invocation, PlanOptions, Program, step_limit};
use super::runner;
use k8s_openapi::api::core::v1::{Node, Pod};
use kubedrill_labs::{
    Lab, ObservedCluster, ObservedEtcd, ObservedNode, ObservedPod, ObservedWorkload, WorkloadRef, grade_observed,
};
use kubedrill_sim::Seed;
use kubedrill_sim::model::WorkloadKind;
use kubedrill_sim::scenario::{Scenario, Step};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// The lab's setup scenario followed by its solution as typed: what the plan of a lab shows
/// (setup, then how each solution line runs on kind).
pub fn with_solution(lab: &Lab, seed: u64) -> Scenario {
    let mut s = lab.scenario(seed);
    for line in &lab.solution {
        s.steps.push(Step {
            run: Some(line.run.clone()),
            on: line.on.clone(),
            ..Step::default()
        });
    }
    s
}

/// What kind shows, as the labs crate grades it.
#[derive(Clone, Debug, Default)]
pub struct KindView {
    pub nodes: Option<Vec<ObservedNode>>,
    pub pods: Vec<ObservedPod>,
    pub workloads: Vec<ObservedWorkload>,
    pub etcd: Option<ObservedEtcd>,
}

impl ObservedCluster for KindView {
    fn nodes(&self) -> Option<&[ObservedNode]> {
        self.nodes.as_deref()
    }
    fn pods(&self) -> &[ObservedPod] {
        &self.pods
    }
    fn workloads(&self) -> &[ObservedWorkload] {
        &self.workloads
    }
    fn etcd(&self) -> Option<&ObservedEtcd> {
        self.etcd.as_ref()
    }
}

fn workload_kind(kind: &str) -> Option<WorkloadKind> {
    Some(match kind {
        "Deployment" => WorkloadKind::Deployment,
        "StatefulSet" => WorkloadKind::StatefulSet,
        "DaemonSet" => WorkloadKind::DaemonSet,
        "ReplicaSet" => WorkloadKind::ReplicaSet,
        "Job" => WorkloadKind::Job,
        _ => return None,
    })
}

/// Builds the view from `kubectl get nodes`, `get pods -A` and `get
/// deployments,statefulsets,daemonsets,replicasets -A` (each `-o json`).
pub fn view_from_json(nodes: &str, pods: &str, workloads: &str, naming: &Naming) -> Result<KindView, String> {
    let nodes: KubectlList<Node> = serde_json::from_str(nodes).map_err(|e| format!("kubectl get nodes: {e}"))?;
    let pods: KubectlList<Pod> = serde_json::from_str(pods).map_err(|e| format!("kubectl get pods: {e}"))?;
    let objects: KubectlList<serde_json::Value> =
        serde_json::from_str(workloads).map_err(|e| format!("kubectl get workloads: {e}"))?;
    let mut view = KindView {
        nodes: Some(nodes.items.iter().map(|n| node_view(n, naming)).collect()),
        ..KindView::default()
    };
    for p in &pods.items {
        if let Some(pod) = pod_view(p, naming) {
            view.pods.push(pod);
        }
    }
    for o in &objects.items {
        let get = |ptr: &str| o.pointer(ptr).and_then(serde_json::Value::as_u64).map(|n| n as u32);
        let text = |ptr: &str| {
            o.pointer(ptr)
                .and_then(serde_json::Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let Some(kind) = workload_kind(&text("/kind")) else {
            continue;
        };
        let (desired, ready) = if kind == WorkloadKind::DaemonSet {
            (
                get("/status/desiredNumberScheduled").unwrap_or(0),
                get("/status/numberReady").unwrap_or(0),
            )
        } else {
            (
                get("/spec/replicas").unwrap_or(1),
                get("/status/readyReplicas").unwrap_or(0),
            )
        };
        let namespace = text("/metadata/namespace");
        let name = text("/metadata/name");
        if observe::kind_own(&namespace, kind.as_str(), &name) || namespace == "local-path-storage" {
            continue;
        }
        view.workloads.push(ObservedWorkload {
            workload: WorkloadRef { namespace, kind, name },
            desired,
            ready,
            image: text("/spec/template/spec/containers/0/image"),
        });
    }
    Ok(view)
}

fn node_view(n: &Node, naming: &Naming) -> ObservedNode {
    let ready = n
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"))
        .is_some_and(|c| c.status == "True");
    let unschedulable = n.spec.as_ref().and_then(|s| s.unschedulable).unwrap_or(false);
    let mut status_text = if ready { "Ready" } else { "NotReady" }.to_string();
    if unschedulable {
        status_text.push_str(",SchedulingDisabled");
    }
    ObservedNode {
        name: naming.node(n.metadata.name.as_deref().unwrap_or_default()),
        ready,
        status_text,
        unschedulable,
        kubelet_version: n
            .status
            .as_ref()
            .and_then(|s| s.node_info.as_ref())
            .map(|i| naming.version(&i.kubelet_version))
            .unwrap_or_default(),
    }
}

/// A pod in the lab's names (a mirror pod `etcd-<kind node>` becomes `etcd-<lab node>`);
/// `None` for kind's own pods.
fn pod_view(p: &Pod, naming: &Naming) -> Option<ObservedPod> {
    let md = &p.metadata;
    let namespace = md.namespace.clone().unwrap_or_else(|| "default".to_string());
    let mut name = md.name.clone().unwrap_or_default();
    let owner_ref = md
        .owner_references
        .as_ref()
        .and_then(|o| o.iter().find(|r| r.controller == Some(true)).or_else(|| o.first()));
    let kind_node = p.spec.as_ref().and_then(|s| s.node_name.clone());
    let node = kind_node.as_deref().map(|n| naming.node(n));
    let (owner_kind, owner_name) = match owner_ref {
        None => (String::new(), String::new()),
        Some(r) if r.kind == "ReplicaSet" => observe::deployment_of(&r.name, md.labels.as_ref()),
        Some(r) => (r.kind.clone(), r.name.clone()),
    };
    if observe::kind_own(&namespace, &owner_kind, &owner_name) {
        return None;
    }
    if owner_kind == "Node"
        && let Some(lab_node) = &node
    {
        name = format!("{}-{lab_node}", observe::static_name(&name, kind_node.as_deref()));
    }
    let status = p.status.as_ref();
    Some(ObservedPod {
        owner: workload_kind(&owner_kind).map(|kind| WorkloadRef {
            namespace: namespace.clone(),
            kind,
            name: owner_name.clone(),
        }),
        daemon_or_mirror: owner_kind == "DaemonSet" || owner_kind == "Node",
        terminating: md.deletion_timestamp.is_some(),
        ready: status
            .and_then(|s| s.conditions.as_ref())
            .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"))
            .is_some_and(|c| c.status == "True"),
        phase: status.and_then(|s| s.phase.clone()).unwrap_or_default(),
        image: p
            .spec
            .as_ref()
            .and_then(|s| s.containers.first())
            .and_then(|c| c.image.clone())
            .unwrap_or_default(),
        namespace,
        name,
        node,
    })
}

/// `kubedrill lab start ID --backend kind`.
pub fn start(lab: &Lab, seed: u64, image_map: Option<&Path>) -> anyhow::Result<ExitCode> {
    let scenario = lab.scenario(seed);
    let images = match load_image_map(image_map) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("kubedrill: --kind-image-map {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let sim =
        kubedrill_sim::runner::prepare(&scenario, Seed(seed)).map_err(|e| anyhow::anyhow!("{}: {e}", lab.source))?;
    if let Some(reason) = plan_for_display(&scenario, &sim, images.clone()).not_comparable {
        eprintln!(
            "kubedrill: lab {} --backend kind: not comparable on kind: {reason}",
            lab.id
        );
        return Ok(ExitCode::from(2));
    }
    let tools = match preflight() {
        Ok(t) => t,
        Err(line) => {
            eprintln!("kubedrill: --backend kind {line}");
            return Ok(ExitCode::from(2));
        }
    };
    let facts = ClusterFacts::from_sim(&sim);
    let opts = PlanOptions {
        cluster: runner::unique_cluster_name(),
        release: tools.release.unwrap_or(NEWEST_RELEASE),
        images,
        host_kubectl: tools
            .kubectl_minor
            .is_some_and(|m| m.abs_diff(facts.version.minor) <= 1),
    };
    let layout = config::layout(&scenario, &facts, &opts).map_err(|e| anyhow::anyhow!(e))?;
    let plan = super::planner::plan(&scenario, &facts, &opts)?;
    let log = PathBuf::from("target/kubedrill/kind").join(format!("{}.jsonl", plan.cluster));
    eprintln!(
        "kubedrill: lab {} on kind ({}), cluster {}; commands and output in {}",
        lab.id,
        tools.kind_version,
        plan.cluster,
        log.display()
    );
    let mut replay = Replay::new(plan, false, &log)?;
    replay.setup(&observe::from_sim(&sim));
    let result = kubedrill_sim::runner::run_observed(&scenario, Seed(seed), |i, step, sim, transcript| {
        replay.after_step(i, step, sim, transcript)
    });
    if let Err(e) = result {
        replay.teardown();
        anyhow::bail!("{}: {e}", lab.source);
    }
    if let Some(e) = &replay.error {
        eprintln!("kubedrill: lab {} --backend kind: {e}", lab.id);
        replay.teardown();
        return Ok(ExitCode::from(2));
    }
    for d in &replay.disagreements {
        eprintln!("kubedrill: note: after the lab's setup, {d}");
    }
    replay.interactive = true;
    let code = session(lab, &scenario, &facts, &opts, &layout, &mut replay);
    replay.teardown();
    code
}

/// The prompt loop on kind.
fn session(
    lab: &Lab,
    scenario: &Scenario,
    facts: &ClusterFacts,
    opts: &PlanOptions,
    layout: &config::Layout,
    replay: &mut Replay,
) -> anyhow::Result<ExitCode> {
    let ctx = Ctx::new(scenario, facts, opts, layout);
    let mut hosts = Hosts::new(facts.default_host.clone());
    let limit = step_limit(scenario).min(Duration::from_secs(600));
    let terminal = std::io::stdin().is_terminal();
    println!(
        "== {} (on kind) ==\n{}\nNodes: {}\nType `task`, `hint`, `solution`, `check`, `exit`. (`map` and `reset` need the simulator.)\n",
        lab.title,
        lab.task.trim_end(),
        layout
            .nodes
            .iter()
            .map(|n| format!("{} = {}", n.sim, n.kind))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut editor = if terminal {
        Some(rustyline::DefaultEditor::new()?)
    } else {
        None
    };
    let stdin = std::io::stdin();
    let mut input = stdin.lock().lines();
    let mut hints = 0usize;
    loop {
        let prompt = format!("{} $ ", hosts.current());
        let line = match editor.as_mut() {
            Some(ed) => match ed.readline(&prompt) {
                Ok(l) => {
                    let _ = ed.add_history_entry(l.as_str());
                    l
                }
                Err(rustyline::error::ReadlineError::Interrupted) => continue,
                Err(_) => break,
            },
            None => match input.next() {
                Some(Ok(l)) => {
                    println!("{prompt}{l}");
                    l
                }
                _ => break,
            },
        };
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [] => continue,
            ["task"] => println!("{}", lab.task.trim_end()),
            ["hint"] => {
                match lab.hints.get(hints) {
                    Some(h) => println!("hint {}/{}: {h}", hints + 1, lab.hints.len()),
                    None => println!("no more hints"),
                }
                hints += 1;
            }
            ["solution"] => {
                for s in &lab.solution {
                    match &s.on {
                        Some(h) => println!("({h}) {}", s.run),
                        None => println!("{}", s.run),
                    }
                }
            }
            ["check"] => match observe_view(replay) {
                Ok(view) => print!("{}", grade_observed(&lab.objectives, &view)),
                Err(e) => println!("check: {e}"),
            },
            ["map"] | ["reset"] => println!("`{}` needs the simulator: not available with --backend kind", words[0]),
            ["exit"] | ["logout"] if hosts.depth() == 0 => break,
            ["ssh", node] if terminal && layout.kind_name(node).is_some() => {
                let container = layout.kind_name(node).unwrap_or_default();
                let status = std::process::Command::new("docker")
                    .args(["exec", "-it", container, "bash"])
                    .status();
                if let Err(e) = status {
                    println!("ssh: docker exec: {e}");
                }
            }
            _ => {
                let host = hosts.current().to_string();
                let t = ctx.translate(&line, &host, false, &mut hosts, limit);
                if let Some(r) = &t.not_comparable {
                    eprintln!("(kind: {r})");
                }
                if let Err(e) = replay.run_actions(&t.actions) {
                    println!("kind: {e}");
                    if e == "interrupted" {
                        break;
                    }
                }
            }
        }
        std::io::stdout().flush().ok();
    }
    match observe_view(replay) {
        Ok(view) => {
            let g = grade_observed(&lab.objectives, &view);
            print!("{g}");
            println!(
                "score on kind: {}% (not recorded in your progress: the simulator's grade is)",
                g.grade.score
            );
        }
        Err(e) => println!("check: {e}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads the kind cluster for grading.
fn observe_view(replay: &mut Replay) -> Result<KindView, String> {
    let ctx = replay.plan().context();
    let get = |what: &str| {
        Invocation::new(
            Program::Kubectl,
            vec![
                "--context".into(),
                ctx.clone(),
                "get".into(),
                what.into(),
                "-A".into(),
                "-o".into(),
                "json".into(),
                "--request-timeout=10s".into(),
            ],
            Duration::from_secs(30),
        )
    };
    let nodes = replay.run_invocation(&Invocation::new(
        Program::Kubectl,
        vec![
            "--context".into(),
            ctx.clone(),
            "get".into(),
            "nodes".into(),
            "-o".into(),
            "json".into(),
            "--request-timeout=10s".into(),
        ],
        Duration::from_secs(30),
    ))?;
    let naming = replay.naming().clone();
    let mut view = if nodes.success() {
        let pods = replay.run_invocation(&get("pods"))?;
        let workloads = replay.run_invocation(&get("deployments,statefulsets,daemonsets,replicasets"))?;
        view_from_json(&nodes.stdout, &pods.stdout, &workloads.stdout, &naming)?
    } else {
        KindView::default()
    };
    let control_planes: Vec<(String, String)> = replay
        .plan()
        .nodes
        .iter()
        .filter(|(_, k)| k.contains("-control-plane"))
        .map(|(s, k)| (s.clone(), k.clone()))
        .collect();
    let mut probes = Vec::new();
    let mut running = Vec::new();
    for (lab_name, container) in &control_planes {
        let out = replay.run_invocation(&Invocation::new(
            Program::Docker,
            vec![
                "exec".into(),
                container.clone(),
                "timeout".into(),
                "30".into(),
                "sh".into(),
                "-c".into(),
                observe::etcd_probe_script(),
            ],
            Duration::from_secs(45),
        ))?;
        let probe = observe::parse_member_probe(&out.stdout);
        if probe.is_some() {
            running.push(lab_name.clone());
        }
        probes.push(probe);
    }
    if !control_planes.is_empty() {
        let e = observe::etcd_from_probes(&probes);
        view.etcd = Some(ObservedEtcd {
            members: e.members.map(|m| m as u32),
            running,
            quorum: e.quorum,
        });
    }
    Ok(view)
}

/// The plan of a lab as `--plan` would print it (for the CLI and tests).
pub fn plan_text(lab: &Lab, seed: u64) -> anyhow::Result<String> {
    let scenario = with_solution(lab, seed);
    let sim = kubedrill_sim::runner::prepare(&scenario, Seed(seed)).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(super::planner::render::render(&plan_for_display(
        &scenario,
        &sim,
        Default::default(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn kind_json_becomes_the_labs_view_in_the_labs_names() {
        let naming = Naming {
            nodes: BTreeMap::from([
                ("k-control-plane".to_string(), "controlplane".to_string()),
                ("k-worker".to_string(), "node01".to_string()),
            ]),
            versions: BTreeMap::new(),
        };
        let nodes = r#"{"apiVersion":"v1","kind":"List","items":[
          {"apiVersion":"v1","kind":"Node","metadata":{"name":"k-worker"},"spec":{"unschedulable":true},
           "status":{"conditions":[{"type":"Ready","status":"True"}]}}]}"#;
        let pods = r#"{"apiVersion":"v1","kind":"List","items":[
          {"apiVersion":"v1","kind":"Pod","metadata":{"name":"etcd-k-control-plane","namespace":"kube-system","ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"k-control-plane","uid":"1","controller":true}]},
           "spec":{"nodeName":"k-control-plane","containers":[{"name":"etcd","image":"registry.k8s.io/etcd:3.5.15-0"}]},"status":{"phase":"Running"}},
          {"apiVersion":"v1","kind":"Pod","metadata":{"name":"kindnet-1","namespace":"kube-system","ownerReferences":[{"apiVersion":"apps/v1","kind":"DaemonSet","name":"kindnet","uid":"2","controller":true}]},
           "spec":{"nodeName":"k-worker","containers":[{"name":"c"}]}},
          {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-abc-1","namespace":"default","labels":{"pod-template-hash":"abc"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-abc","uid":"3","controller":true}]},
           "spec":{"nodeName":"k-worker","containers":[{"name":"c"}]},"status":{"phase":"Running"}}]}"#;
        let workloads = r#"{"apiVersion":"v1","kind":"List","items":[
          {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default"},"spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"c","image":"registry.k8s.io/pause:3.10"}]}}},"status":{"readyReplicas":1}},
          {"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"kindnet","namespace":"kube-system"},"status":{"desiredNumberScheduled":2,"numberReady":2}}]}"#;
        let v = view_from_json(nodes, pods, workloads, &naming).unwrap();
        let n = &v.nodes.as_ref().unwrap()[0];
        assert_eq!(
            (n.name.as_str(), n.status_text.as_str()),
            ("node01", "Ready,SchedulingDisabled")
        );
        let names: Vec<&str> = v.pods.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["etcd-controlplane", "web-abc-1"], "kindnet is kind's own");
        assert!(v.pods[0].daemon_or_mirror);
        assert_eq!(v.pods[1].owner.as_ref().unwrap().to_string(), "deployment/web");
        assert_eq!(v.workloads.len(), 1);
        assert_eq!((v.workloads[0].desired, v.workloads[0].ready), (2, 1));
    }

    #[test]
    fn every_lab_has_a_plan() {
        for lab in kubedrill_labs::catalogue().unwrap() {
            let text = plan_text(&lab, lab.default_seed()).unwrap();
            assert!(
                text.starts_with(&format!("# kind plan for scenario {}", lab.id)),
                "{text}"
            );
        }
    }
}
