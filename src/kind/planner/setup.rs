//! Building the kind cluster a scenario starts from: create it from the generated config,
//! wait for every node (kind's `--wait` covers only control planes, and exits 0 on a
//! timeout), make it look like the simulator's (taints, addons, nodes joined later), stage
//! the tools the lines need, find the nodes' IPs, apply the workloads, and wait until kind
//! shows what the simulator shows before step 1.

use super::config::{Layout, spec_for};
use super::facts::ClusterFacts;
use super::lines::{docker_exec, stage_binary, uses_etcd_tools};
use super::workloads::manifests_yaml;
use super::{Action, Guard, Invocation, PlanOptions, Poll, Predicate, Probe, Program, Purpose, args};
use kubedrill_sim::scenario::Scenario;
use std::time::Duration;

pub fn actions(
    scenario: &Scenario,
    facts: &ClusterFacts,
    opts: &PlanOptions,
    layout: &Layout,
    config: &str,
    notes: &mut Vec<String>,
) -> Vec<Action> {
    let cluster = &opts.cluster;
    let ctx = format!("kind-{cluster}");
    let kubectl = |words: &[&str]| {
        let mut a = vec!["--context".to_string(), ctx.clone()];
        a.extend(words.iter().map(|w| w.to_string()));
        Invocation::new(Program::Kubectl, a, Duration::from_secs(120))
    };
    let setup = |inv: Invocation| Action::run(inv, Purpose::Setup);
    let mut out = vec![setup(
        Invocation::new(
            Program::Kind,
            args(&[
                "create",
                "cluster",
                "--name",
                cluster,
                "--config",
                "-",
                "--kubeconfig",
                "{kubeconfig}",
                "--wait",
                "5m",
            ]),
            Duration::from_secs(900),
        )
        .with_stdin(config.to_string()),
    )];
    out.push(Action::Poll {
        poll: Poll {
            what: format!("all {} nodes are Ready", layout.nodes.len()),
            probe: Probe::Run(kubectl(&["get", "nodes", "-o", "json", "--request-timeout=10s"])),
            until: Predicate::NodesReady(layout.nodes.len()),
            every: Duration::from_secs(2),
            deadline: Duration::from_secs(600),
            required: true,
        },
        guard: Guard::Always,
    });
    // Kubelets other than the cluster's (a version-skew trap) are swapped in as binaries.
    for n in layout.nodes.iter().filter(|n| !n.added) {
        let Some(f) = facts.node(&n.sim).filter(|f| f.kubelet_version != facts.version) else {
            continue;
        };
        out.push(setup(stage_binary(&n.kind, "kubelet", &f.kubelet_version)));
        out.push(setup(docker_exec(
            &n.kind,
            &[],
            &["timeout", "60", "systemctl", "restart", "kubelet"],
            Duration::from_secs(90),
        )));
    }
    // Nodes a `node-add` brings in later: kind creates every node up front, so these leave
    // the cluster until their step.
    for n in layout.nodes.iter().filter(|n| n.added) {
        out.push(setup(docker_exec(
            &n.kind,
            &[],
            &["timeout", "300", "kubeadm", "reset", "-f"],
            Duration::from_secs(330),
        )));
        out.push(setup(kubectl(&["delete", "node", &n.kind])));
    }
    // kind lifts the control-plane taint when a cluster has no workers; kubeadm (and the
    // simulator) keep it.
    if layout.nodes.iter().all(|n| n.control_plane) {
        let key = if facts.version.minor >= 25 {
            "node-role.kubernetes.io/control-plane:NoSchedule"
        } else {
            "node-role.kubernetes.io/master:NoSchedule"
        };
        for n in &layout.nodes {
            out.push(setup(kubectl(&["taint", "nodes", &n.kind, key, "--overwrite"])));
        }
    }
    for n in &layout.nodes {
        for taint in spec_for(scenario, &n.sim).map(|s| s.taints.as_slice()).unwrap_or(&[]) {
            out.push(setup(kubectl(&["taint", "nodes", &n.kind, taint, "--overwrite"])));
        }
    }
    let addons = &scenario.cluster.addons;
    if !addons.coredns {
        out.push(setup(kubectl(&[
            "-n",
            "kube-system",
            "delete",
            "deployment",
            "coredns",
        ])));
    }
    if !addons.kube_proxy {
        out.push(setup(kubectl(&[
            "-n",
            "kube-system",
            "delete",
            "daemonset",
            "kube-proxy",
        ])));
    }
    if addons.easy_rsa.is_some() {
        notes.push("easy-rsa is not installed on kind nodes: `easyrsa` lines are not comparable".to_string());
    }
    let lines = scenario.steps.iter().filter_map(|s| s.run.as_deref());
    if lines.clone().any(uses_etcd_tools) {
        for n in layout.nodes.iter().filter(|n| n.control_plane) {
            out.push(setup(stage_etcd_tools(&n.kind, &facts.etcd_version)));
        }
        notes.push(format!(
            "etcdctl and etcdutl {} (etcd's release tarball) are installed on the control planes, as on a kubeadm host; the node's etcd image has no etcdutl",
            facts.etcd_version
        ));
    }
    for n in &layout.nodes {
        out.push(Action::Resolve {
            name: format!("ip:{}", n.sim),
            inv: Invocation::new(
                Program::Docker,
                args(&[
                    "inspect",
                    "-f",
                    "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
                    &n.kind,
                ]),
                Duration::from_secs(60),
            ),
        });
    }
    if let Some(yaml) = manifests_yaml(&scenario.workloads, &layout.names) {
        out.push(setup(kubectl(&["apply", "-f", "-"]).with_stdin(yaml)));
        notes.push(format!(
            "workload containers run {} (Jobs: {} sleeping for their run time): drains, budgets and scheduling do not depend on the application, and the scenario's images need not exist",
            super::workloads::PAUSE_IMAGE,
            super::workloads::JOB_IMAGE
        ));
    }
    out.push(Action::Poll {
        poll: Poll {
            what: "the kind cluster agrees with the simulator's before step 1".to_string(),
            probe: Probe::Observe,
            until: Predicate::AgreesWithSimulator,
            every: Duration::from_secs(2),
            deadline: Duration::from_secs(600),
            required: false,
        },
        guard: Guard::Always,
    });
    out
}

fn stage_etcd_tools(container: &str, version: &str) -> Invocation {
    let script = format!(
        "set -e; d=/kubedrill/etcd-v{version}; mkdir -p \"$d\"; [ -x \"$d/etcdctl\" ] || curl -fsSL --retry 3 \"https://github.com/etcd-io/etcd/releases/download/v{version}/etcd-v{version}-linux-$(dpkg --print-architecture).tar.gz\" | tar -xz -C \"$d\" --strip-components=1; ln -sf \"$d/etcdctl\" /usr/local/bin/etcdctl; if [ -x \"$d/etcdutl\" ]; then ln -sf \"$d/etcdutl\" /usr/local/bin/etcdutl; fi"
    );
    docker_exec(
        container,
        &[],
        &["timeout", "600", "sh", "-c", &script],
        Duration::from_secs(660),
    )
}
