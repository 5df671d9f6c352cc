//! Every scenario in `scenarios/` runs on the simulator, meets its own expectations, matches
//! its reviewed transcript snapshot, and runs byte-identically twice.

use kubedrill::scenario_file::load_str;
use kubedrill_sim::runner;
use kubedrill_sim::{Seed, trace};
use std::path::Path;

fn run(path: &Path) -> runner::Report {
    let text = std::fs::read_to_string(path).expect("scenario file is readable");
    let scenario = load_str(&text, &path.display().to_string()).unwrap_or_else(|e| panic!("{e}"));
    let seed = Seed(scenario.seed.expect("corpus scenarios pin their seed"));
    runner::run(&scenario, seed).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn transcript() {
    // Goal: a change in behaviour or output shows up as a failed expectation or a snapshot diff.
    insta::glob!("../scenarios", "**/*.yaml", |path| {
        let report = run(path);
        assert!(
            report.passed(),
            "{}: {:?}\n{}",
            path.display(),
            report.failures,
            report.transcript_text()
        );
        insta::assert_snapshot!(report.transcript_text());
    });
}

#[test]
fn every_scenario_is_deterministic() {
    // Goal: same seed and same input give a byte-identical transcript and trace.
    insta::glob!("../scenarios", "**/*.yaml", |path| {
        let (a, b) = (run(path), run(path));
        assert_eq!(a.transcript, b.transcript, "{}", path.display());
        assert_eq!(a.sim.trace().len(), b.sim.trace().len(), "{}", path.display());
        assert_eq!(
            trace::digest(a.sim.trace()),
            trace::digest(b.sim.trace()),
            "{}",
            path.display()
        );
    });
}

#[test]
fn a_patch_upgrade_disrupts_no_application_pod() {
    // Goal: the lab guide's "patch upgrades cause no disruption": no pod outside kube-system is
    // evicted, deleted or removed, and the control plane's static pods were really replaced.
    let report = run(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/upgrade/04-patch-upgrade-no-disruption.yaml"
    )));
    let mut replaced_static_pods = 0;
    for r in report.sim.trace() {
        match &r.event {
            trace::Event::PodEvicted { pod, .. }
            | trace::Event::PodDeleted { pod, .. }
            | trace::Event::PodRemoved { pod, .. } => {
                assert!(pod.starts_with("kube-system/"), "{pod} was disrupted: {}", r.text());
                replaced_static_pods += usize::from(pod.starts_with("kube-system/kube-apiserver-"));
            }
            _ => {}
        }
    }
    assert_eq!(replaced_static_pods, 1, "the API server's static pod is replaced once");
    let c = report.sim.cluster();
    for id in c.node_ids() {
        assert_eq!(c.node(id).kubelet_version.to_string(), "v1.31.2");
    }
}

#[test]
fn blue_green_moves_every_pod_to_the_new_nodes() {
    let report = run(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/upgrade/07-blue-green-workers.yaml"
    )));
    let c = report.sim.cluster();
    assert!(c.node_id("blue1").is_none() && c.node_id("blue2").is_none());
    let web: Vec<_> = c.pods_in_namespace("default").map(|(_, p)| p).collect();
    assert_eq!(web.len(), 4);
    for p in web {
        let node = &c.node(p.node.expect("scheduled")).name;
        assert!(node.starts_with("green"), "{} runs on {node}", p.name);
    }
}

/// A scenario of three control planes (v1.31.2) and these steps.
fn three_control_planes(name: &str, steps: &[&str]) -> kubedrill_sim::scenario::Scenario {
    let mut text = format!(
        "apiVersion: kubedrill/v1\nkind: Scenario\nmetadata: {{name: {name}}}\ncluster:\n  kubernetesVersion: v1.31.2\n  nodes:\n"
    );
    for cp in ["cp1", "cp2", "cp3"] {
        text.push_str(&format!("    - {{name: {cp}, role: control-plane}}\n"));
    }
    text.push_str("steps:\n");
    for step in steps {
        text.push_str(&format!("  - {step}\n"));
    }
    load_str(&text, "inline.yaml").expect("loads")
}

#[test]
fn a_partitioned_member_is_counted_out_before_the_quorum_goes() {
    // Goal: the trace's count of healthy etcd members sees a partitioned member, also when a
    // second loss takes the API down at the same moment (`ApiAvailability` counts a partitioned
    // member as running). Method: partition cp3, then crash cp2, and read the events in order.
    let scenario = three_control_planes(
        "partition-then-crash",
        &[
            "fault: etcd-member-partition cp3",
            "fault: etcd-member-crash cp2",
            "wait: 5s",
        ],
    );
    let report = runner::run(&scenario, Seed(1)).expect("runs");
    let etcd: Vec<String> = report
        .sim
        .trace()
        .iter()
        .filter_map(|r| match &r.event {
            trace::Event::EtcdMembers { healthy, .. } => Some(format!("members {healthy}")),
            trace::Event::ApiAvailability { available, .. } => Some(format!("available {available}")),
            _ => None,
        })
        .collect();
    assert_eq!(etcd, ["members 2", "members 1", "available false"]);
}

#[test]
fn the_controller_manager_lease_changes_hands_only_when_its_holder_stops() {
    // Goal: only the leader's restart or its machine going down hands the lease on, after the
    // lease runs out; a standby's restart does not. Method: the leader scenario's elections,
    // in order, with when each happened after its fault.
    let scenario = kubedrill::scenario_file::load(Path::new("scenarios/maintenance/16-controller-manager-leader.yaml"))
        .expect("loads");
    let report = runner::run(&scenario, Seed(16)).expect("runs");
    let mut stopped = None;
    let mut seen = Vec::new();
    for r in report.sim.trace().iter() {
        match &r.event {
            trace::Event::StepStarted { text } if text.contains("restart") || text.contains("crash") => {
                stopped = Some((r.t, text.clone()))
            }
            trace::Event::LeaderElected { component, node } => {
                let (at, fault) = stopped.clone().expect("an election follows a fault");
                seen.push(format!(
                    "{component} {node} {}s after {fault}",
                    (r.t.ms() - at.ms()) / 1000
                ));
            }
            _ => {}
        }
    }
    assert_eq!(
        seen,
        [
            "kube-controller-manager cp2 15s after controller-manager-restart cp1",
            "kube-controller-manager cp1 15s after node-crash cp2",
        ]
    );
}

#[test]
fn etcd_elects_a_new_leader_when_its_leader_stops() {
    // Goal: the trace records etcd's elections: none while the leader runs, one after it
    // crashes (within etcd's randomised election timeout, 1 to 2 s). Method: crash and
    // recover a follower, then crash the leader (the first control plane's member), on three
    // members.
    let scenario = three_control_planes(
        "etcd-leader",
        &[
            "fault: etcd-member-crash cp3",
            "wait: 5s",
            "fault: etcd-member-recover cp3",
            "wait: 5s",
            "fault: etcd-member-crash cp1",
            "wait: 5s",
        ],
    );
    let report = runner::run(&scenario, Seed(1)).expect("runs");
    let trace = report.sim.trace();
    let crash = trace
        .iter()
        .find(|r| matches!(&r.event, trace::Event::StepStarted { text } if &**text == "etcd-member-crash cp1"))
        .expect("the leader's crash")
        .t;
    let elections: Vec<(String, u64)> = trace
        .iter()
        .filter_map(|r| match &r.event {
            trace::Event::LeaderElected {
                component: "etcd",
                node,
            } => Some((node.to_string(), r.t.ms() - crash.ms())),
            _ => None,
        })
        .collect();
    assert_eq!(elections.len(), 1, "{elections:?}");
    assert_eq!(elections[0].0, "cp2", "the first member still running");
    assert!((1000..2000).contains(&elections[0].1), "{elections:?}");
}

#[test]
fn an_in_place_upgrade_of_three_control_planes_elects_twice() {
    // Goal: kubeadm's restart of the controller-manager hands the lease on when it runs on the
    // leader: cp1's upgrade to cp2, cp2's back to cp1, cp3's (a standby's) to nobody; etcd
    // elects once, after its leader's restart. Method: the HA upgrade scenario's elections.
    let report = run(Path::new("scenarios/upgrade/06-ha-control-plane-one-at-a-time.yaml"));
    let elections: Vec<String> = report
        .sim
        .trace()
        .iter()
        .filter_map(|r| match &r.event {
            trace::Event::LeaderElected { component, node } => Some(format!("{component} {node}")),
            _ => None,
        })
        .collect();
    assert_eq!(
        elections,
        ["kube-controller-manager cp2", "etcd cp1", "kube-controller-manager cp1"]
    );
}

/// The `LeaderElected` events of a run: `component node +seconds since the first step`.
fn elections(report: &runner::Report) -> Vec<String> {
    let trace = report.sim.trace();
    let start = trace.iter().next().map_or(0, |r| r.t.ms());
    trace
        .iter()
        .filter_map(|r| match &r.event {
            trace::Event::LeaderElected { component, node } => {
                Some(format!("{component} {node} +{}s", (r.t.ms() - start) / 1000))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_controller_manager_that_cannot_run_never_leads() {
    // Goal: a candidate needs its static pod running. Method: one control plane whose
    // controller-manager manifest gets an image that does not exist; its restart hands the
    // lease to nobody, deleted pods are not replaced; the fixed manifest restarts it and it
    // leads 15 s after it starts (12 s to start).
    let text = "apiVersion: kubedrill/v1
kind: Scenario
metadata: {name: broken-controller-manager}
cluster:
  kubernetesVersion: v1.31.2
  nodes:
    - {name: controlplane, role: control-plane}
    - {name: node01, role: worker}
workloads:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: default}
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: nginx:1.27}]}
steps:
  - run: \"sed -i 's#kube-controller-manager:v1.31.2#kube-controller-manager:v1.99.0#' /etc/kubernetes/manifests/kube-controller-manager.yaml\"
  - wait: 1m
  - run: kubectl delete pod -l app=web --wait=false
  - wait: 1m
  - run: kubectl get pods
    expect: {stderrContains: [\"No resources found\"]}
  - run: \"sed -i 's#kube-controller-manager:v1.99.0#kube-controller-manager:v1.31.2#' /etc/kubernetes/manifests/kube-controller-manager.yaml\"
  - wait: 1m
  - run: kubectl get pods --no-headers
    expect: {stdoutContains: [\"1/1   Running\"]}
";
    let scenario = load_str(text, "inline.yaml").expect("loads");
    let report = runner::run(&scenario, Seed(1)).expect("runs");
    assert!(report.passed(), "{}", report.transcript_text());
    let got = elections(&report);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].starts_with("kube-controller-manager controlplane +"), "{got:?}");
}

#[test]
fn nobody_is_elected_while_the_api_is_down_and_a_deleted_leader_hands_the_lease_on() {
    // Goal: a lease cannot be taken without the API; deleting the leader's Node hands the lease
    // on like its machine going down. Method: lose the quorum with the leader's machine, then
    // bring a member back; separately delete the leader's Node.
    let outage = three_control_planes(
        "outage",
        &["fault: etcd-member-crash cp3", "fault: node-crash cp1", "wait: 60s"],
    );
    let report = runner::run(&outage, Seed(1)).expect("runs");
    assert!(
        elections(&report)
            .iter()
            .all(|e| !e.starts_with("kube-controller-manager")),
        "{:?}",
        elections(&report)
    );
    let outage_then_back = three_control_planes(
        "outage-then-back",
        &[
            "fault: etcd-member-crash cp3",
            "fault: node-crash cp1",
            "wait: 60s",
            "fault: etcd-member-recover cp3",
            "wait: 60s",
        ],
    );
    let report = runner::run(&outage_then_back, Seed(1)).expect("runs");
    let got = elections(&report);
    assert!(
        got.iter().any(|e| e.starts_with("kube-controller-manager cp2")),
        "{got:?}"
    );
    let deleted = three_control_planes("deleted", &["run: kubectl delete node cp1", "wait: 20s"]);
    let report = runner::run(&deleted, Seed(1)).expect("runs");
    assert_eq!(elections(&report), ["kube-controller-manager cp2 +15s"]);
}

#[test]
fn a_leader_that_cannot_renew_for_ten_seconds_loses_the_lease() {
    // Goal: client-go's renewDeadline: an API outage longer than 10 s costs the leader its
    // lease (its process exits and restarts). Method: lose the etcd quorum (the member that
    // comes back takes about 20 s more); a standby takes the lease as soon as the API answers
    // (the lease ran out during the outage), and the old leader's mirror pod counts a restart.
    let outage = |secs: u32| {
        three_control_planes(
            "renew-deadline",
            &[
                "fault: etcd-member-crash cp2",
                "fault: etcd-member-crash cp3",
                &format!("wait: {secs}s"),
                "fault: etcd-member-recover cp3",
                "wait: 30s",
            ],
        )
    };
    let mut long = runner::run(&outage(30), Seed(1)).expect("runs");
    let got = elections(&long);
    let cm: Vec<&String> = got
        .iter()
        .filter(|e| e.starts_with("kube-controller-manager"))
        .collect();
    assert_eq!(cm.len(), 1, "{got:?}");
    assert!(cm[0].starts_with("kube-controller-manager cp2 "), "{got:?}");
    let pods = long.sim.run_line(
        "cp1",
        "kubectl get pod kube-controller-manager-cp1 -n kube-system --no-headers",
    );
    assert!(pods.text().contains("Running   1 ("), "{}", pods.text());
}
