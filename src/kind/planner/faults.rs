//! Faults on kind (kind.md §4):
//!
//! * `node-crash`: `docker pause` — the cgroup is frozen, so the kubelet falls silent while
//!   the node keeps its IP (the safest "hang" kind has); `node-recover`: `docker unpause`.
//! * `node-reboot NODE D`: `docker stop`, and D later `docker start`, then a check that the
//!   node came back with its IP (a changed IP breaks a kind cluster). Not for a control plane
//!   of an HA cluster: kind cannot restart those reliably (kind#1689, #2045).
//! * `node-add`: the node exists from the start (kind cannot add nodes later), is reset at
//!   setup and joins with `kubeadm join` at the step — if the simulator's join succeeded.
//! * `etcd-member-crash`: an unknown flag added to the etcd manifest, so etcd exits at every
//!   start and its pod crash-loops, as the simulator shows it; `-destroy` also removes the
//!   member's data; `-recover` removes the flag and the kubelet starts etcd again.
//! * `etcd-member-partition` / `-heal`: iptables in the node drops etcd's peer port (2380) in
//!   and out; clients on 2379 still reach it.
//! * `volume-snapshot`: `cp -a` of the directory in the node.

use super::config::Layout;
use super::facts::ClusterFacts;
use super::lines::{docker_exec, stage_binary};
use super::{Action, Guard, Invocation, Poll, Predicate, Probe, Program, Purpose, StepPlan, args, compare_poll};
use kubedrill_sim::Fault;
use std::collections::BTreeSet;
use std::time::Duration;

const MANIFEST: &str = "/etc/kubernetes/manifests/etcd.yaml";
const CRASH_FLAG: &str = "--kubedrill-crashed";
const SETTLE: Duration = Duration::from_secs(120);

/// Nodes the plan has paused so far (a recover unpauses only those).
#[derive(Clone, Debug, Default)]
pub struct NodeStates {
    paused: BTreeSet<String>,
}

pub fn plan(text: &str, number: usize, facts: &ClusterFacts, layout: &Layout, state: &mut NodeStates) -> StepPlan {
    let mut sp = StepPlan {
        number,
        title: format!("fault: {text}"),
        actions: Vec::new(),
        exit_compared: false,
        not_comparable: None,
        note: None,
        diverges: false,
    };
    let Ok(fault) = Fault::parse(text) else {
        sp.not_comparable = Some("the fault does not parse".to_string());
        return sp;
    };
    let Some(c) = layout.kind_name(fault.node()).map(str::to_string) else {
        sp.not_comparable = Some(format!("{} has no kind node", fault.node()));
        return sp;
    };
    let docker = |words: &[&str]| Invocation::new(Program::Docker, args(words), Duration::from_secs(120));
    let fault_run = |inv: Invocation| Action::run(inv, Purpose::Fault);
    let mut settle = SETTLE;
    match &fault {
        Fault::ControlPlaneAdd(..) => {
            sp.not_comparable = Some("kind cannot add a control plane to a running cluster".to_string());
        }
        Fault::NodeCrash(n) => {
            sp.actions.push(fault_run(docker(&["pause", &c])));
            sp.note = Some(
                "docker pause freezes the node: the kubelet falls silent as after a power loss, but its containers are frozen rather than gone".to_string(),
            );
            state.paused.insert(n.clone());
        }
        Fault::NodeRecover(n) => {
            if state.paused.remove(n) {
                sp.actions.push(fault_run(docker(&["unpause", &c])));
            } else {
                sp.note = Some(format!("{n} was not crashed by this plan: nothing to recover"));
            }
        }
        Fault::NodeReboot(n, downtime) => {
            let ha = facts.control_planes().count() > 1 && facts.node(n).is_some_and(|f| f.control_plane);
            if ha {
                sp.not_comparable = Some(
                    "kind cannot reboot a control plane of an HA cluster reliably (kind#1689, #2045): not performed, so the clusters part ways here".to_string(),
                );
                sp.diverges = true;
                return sp;
            }
            let down = Duration::from_millis(downtime.ms());
            sp.actions.push(fault_run(docker(&["stop", &c])));
            sp.actions.push(Action::After {
                delay: down,
                actions: vec![
                    fault_run(docker(&["start", &c])),
                    Action::Poll {
                        poll: Poll {
                            what: format!("{c} came back with its IP (a changed IP breaks a kind cluster)"),
                            probe: Probe::Run(docker(&[
                                "inspect",
                                "-f",
                                "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
                                &c,
                            ])),
                            until: Predicate::StdoutEquals(format!("{{ip:{n}}}")),
                            every: Duration::from_secs(2),
                            deadline: Duration::from_secs(60),
                            required: true,
                        },
                        guard: Guard::Always,
                    },
                ],
            });
            sp.note = Some(format!(
                "docker stop (an orderly shutdown); docker start {}s later, while the next steps run",
                down.as_secs()
            ));
        }
        Fault::NodeAdd(_, version) => {
            // The node was made with the cluster's image: a join at another version first
            // gets that release's kubeadm and kubelet, as a freshly provisioned machine would.
            if version != &facts.version {
                for pkg in ["kubeadm", "kubelet"] {
                    sp.actions.push(Action::Run {
                        inv: stage_binary(&c, pkg, version),
                        purpose: Purpose::Emulation,
                        guard: Guard::SimSucceeded,
                    });
                }
            }
            sp.actions.push(Action::Run {
                inv: docker_exec(
                    &c,
                    &[],
                    &[
                        "timeout",
                        "600",
                        "kubeadm",
                        "join",
                        "--config",
                        "/kind/kubeadm.conf",
                        "--skip-phases=preflight",
                    ],
                    Duration::from_secs(660),
                )
                .outcome(),
                purpose: Purpose::Command,
                guard: Guard::SimSucceeded,
            });
            sp.not_comparable = Some(
                "kind skips kubeadm's preflight checks (a container fails several), so whether the join is refused is the simulator's answer: the node joins on kind only if it joined in the simulator".to_string(),
            );
            settle = Duration::from_secs(300);
        }
        Fault::EtcdMemberCrash(_) | Fault::EtcdMemberDestroy(_) => {
            let crash = format!(
                "grep -q -- '{CRASH_FLAG}' {MANIFEST} || sed -i 's/^\\( *\\)- etcd$/&\\n\\1- {CRASH_FLAG}/' {MANIFEST}"
            );
            sp.actions.push(fault_run(sh(&c, &crash)));
            sp.actions.push(etcd_poll(&c, false));
            if matches!(fault, Fault::EtcdMemberDestroy(_)) {
                sp.actions.push(fault_run(sh(&c, "rm -rf /var/lib/etcd/member")));
                sp.note = Some("the data removed is /var/lib/etcd/member, the kubeadm default data dir".to_string());
            }
        }
        Fault::EtcdMemberRecover(_) => {
            sp.actions
                .push(fault_run(sh(&c, &format!("sed -i '/- {CRASH_FLAG}$/d' {MANIFEST}"))));
            sp.actions.push(etcd_poll(&c, true));
        }
        Fault::EtcdMemberPartition(_, cut) => {
            let flag = if *cut { "-I" } else { "-D" };
            let rules = ["INPUT", "OUTPUT"]
                .map(|chain| {
                    format!(
                        "iptables {flag} {chain} -p tcp --dport 2380 -m comment --comment kubedrill-partition -j DROP"
                    )
                })
                .join(" && ");
            sp.actions.push(fault_run(sh(&c, &rules)));
        }
        Fault::ControllerManagerRestart(_, downtime) => {
            // The kubelet starts the stopped container again; a standby controller-manager of
            // an HA cluster takes the lease once it runs out.
            // No running container (already restarting) is not an error: it is down either way.
            let stop = "ids=$(crictl ps -q --name kube-controller-manager); [ -z \"$ids\" ] || crictl stop $ids";
            sp.actions.push(fault_run(sh(&c, stop)));
            sp.note = Some(format!(
                "crictl stop of the controller-manager's container; the simulator keeps it down {}s and, if it led, pauses every controller until another takes the lease (a standby 15 s after the last renewal, the restarted process 15 s after it starts); the kubelet restarts the real container at once",
                downtime.ms() / 1000
            ));
        }
        Fault::VolumeSnapshot(_, from, to) => {
            let copy = format!("mkdir -p \"$(dirname '{to}')\" && cp -a '{from}' '{to}'");
            sp.actions.push(fault_run(sh(&c, &copy)));
            sp.note = Some(
                "cp -a of a live directory stands in for a block-level snapshot: not crash-consistent the way a volume snapshot is".to_string(),
            );
        }
    }
    sp.actions.push(compare_poll(settle));
    sp
}

fn sh(container: &str, script: &str) -> Invocation {
    docker_exec(
        container,
        &[],
        &["timeout", "90", "sh", "-c", script],
        Duration::from_secs(120),
    )
}

/// Waits for the node's etcd container to stop (`running` false) or run.
fn etcd_poll(container: &str, running: bool) -> Action {
    let test = if running { "-n" } else { "-z" };
    Action::Poll {
        poll: Poll {
            what: format!("etcd on {container} {}", if running { "runs" } else { "has stopped" }),
            probe: Probe::Run(sh(
                container,
                &format!("test {test} \"$(crictl ps --name '^etcd$' -q)\""),
            )),
            until: Predicate::ExitZero,
            every: Duration::from_secs(2),
            deadline: Duration::from_secs(120),
            required: false,
        },
        guard: Guard::Always,
    }
}
