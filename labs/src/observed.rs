//! Grading a lab on a real cluster (the kind backend): the same objectives, evaluated on what
//! the cluster shows through its API and etcd instead of on the simulator's model.
//!
//! The seam is [`ObservedCluster`]; the `kubedrill` crate implements it from `kubectl ... -o
//! json` and etcdctl. Checks that need what only the simulator knows (its invariants, files
//! inside nodes, package states) are reported as not gradable there, never passed.

use crate::check::{Check, Objective, Outcome};
use crate::grade::{Grade, ObjectiveResult};
use crate::refs::WorkloadRef;
use std::collections::BTreeMap;
use std::fmt;

/// A node as `kubectl get nodes` shows it (the lab's names).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObservedNode {
    pub name: String,
    /// The Ready condition is True.
    pub ready: bool,
    /// STATUS as `kubectl get nodes` prints it: `Ready`, `NotReady,SchedulingDisabled`, ...
    pub status_text: String,
    pub unschedulable: bool,
    pub kubelet_version: String,
}

/// A pod (the lab's node names; the owner a workload reference, a ReplicaSet's pods under their
/// Deployment).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObservedPod {
    pub namespace: String,
    pub name: String,
    pub node: Option<String>,
    pub owner: Option<WorkloadRef>,
    /// A DaemonSet pod or a static pod's mirror.
    pub daemon_or_mirror: bool,
    pub terminating: bool,
    pub ready: bool,
    pub phase: String,
    /// The first container's image.
    pub image: String,
}

/// A workload object: how many pods it wants and how many are Ready.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObservedWorkload {
    pub workload: WorkloadRef,
    pub desired: u32,
    pub ready: u32,
    /// The pod template's first image.
    pub image: String,
}

/// etcd, seen from the control planes without the API.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObservedEtcd {
    /// Members in the membership, when a member could list it.
    pub members: Option<u32>,
    /// Control planes (lab names) whose member answers.
    pub running: Vec<String>,
    pub quorum: bool,
}

/// What a real cluster shows. Everything in the lab's names.
pub trait ObservedCluster {
    /// `None` when the API server does not answer.
    fn nodes(&self) -> Option<&[ObservedNode]>;
    fn pods(&self) -> &[ObservedPod];
    fn workloads(&self) -> &[ObservedWorkload];
    fn etcd(&self) -> Option<&ObservedEtcd>;
}

/// The grade of the objectives that a real cluster can show, and those it cannot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObservedGrade {
    /// Over the gradable objectives only.
    pub grade: Grade,
    /// (objective, why it cannot be graded on a real cluster)
    pub not_gradable: Vec<(String, String)>,
}

impl fmt::Display for ObservedGrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.grade)?;
        for (name, why) in &self.not_gradable {
            writeln!(f, "[?] {name} — not gradable on kind: {why}")?;
        }
        if !self.not_gradable.is_empty() {
            writeln!(f, "(the score counts only the objectives graded on the real cluster)")?;
        }
        Ok(())
    }
}

/// Grades `objectives` on a real cluster.
pub fn grade_observed(objectives: &[Objective], cluster: &dyn ObservedCluster) -> ObservedGrade {
    let mut results = Vec::new();
    let mut not_gradable = Vec::new();
    for o in objectives {
        match eval(&o.check, cluster) {
            Ok(out) => results.push(ObjectiveResult {
                name: o.name.clone(),
                passed: out.passed,
                detail: out.detail,
                already: o.already,
                weight: o.weight,
            }),
            Err(why) => not_gradable.push((o.name.clone(), why.to_string())),
        }
    }
    ObservedGrade {
        grade: Grade::new(results, 0, false),
        not_gradable,
    }
}

fn outcome(items: Vec<(bool, String)>) -> Outcome {
    let passed = items.iter().all(|(ok, _)| *ok);
    let detail = items
        .into_iter()
        .filter(|(ok, _)| *ok == passed)
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join("; ");
    Outcome { passed, detail }
}

fn tag(image: &str) -> &str {
    image.rsplit_once(':').map_or("", |(_, t)| t)
}

/// One check on a real cluster; `Err` says why it cannot be graded there.
fn eval(check: &Check, c: &dyn ObservedCluster) -> Result<Outcome, &'static str> {
    let etcd_only = matches!(
        check,
        Check::EtcdQuorum(_) | Check::EtcdMembers { .. } | Check::ApiAvailable(_)
    );
    if c.nodes().is_none() && !etcd_only {
        // Everything else is read through the API; a real grader would see nothing either.
        return Ok(Outcome {
            passed: false,
            detail: "the API server does not answer".to_string(),
        });
    }
    let node = |name: &str| c.nodes().and_then(|ns| ns.iter().find(|n| n.name == name));
    let live = |p: &&ObservedPod| !p.terminating;
    let of = |w: &WorkloadRef| -> Vec<&ObservedPod> {
        c.pods()
            .iter()
            .filter(|p| p.owner.as_ref() == Some(w))
            .filter(live)
            .collect()
    };
    let mut items: Vec<(bool, String)> = Vec::new();
    match check {
        Check::NodeStatus(want) => {
            for (n, w) in want {
                match node(n) {
                    Some(x) => items.push((&x.status_text == w, format!("{n} is {}", x.status_text))),
                    None => items.push((false, format!("{n} does not exist"))),
                }
            }
        }
        Check::NodeReady(names) | Check::Cordoned(names) | Check::Schedulable(names) => {
            for n in names {
                match node(n) {
                    Some(x) => {
                        let ok = match check {
                            Check::NodeReady(_) => x.ready,
                            Check::Cordoned(_) => x.unschedulable,
                            _ => !x.unschedulable,
                        };
                        items.push((ok, format!("{n} is {}", x.status_text)));
                    }
                    None => items.push((false, format!("{n} does not exist"))),
                }
            }
        }
        Check::KubeletVersion(want) => {
            for (n, v) in want {
                match node(n) {
                    Some(x) => items.push((
                        x.kubelet_version == v.0,
                        format!("{n} runs kubelet {}", x.kubelet_version),
                    )),
                    None => items.push((false, format!("{n} does not exist"))),
                }
            }
        }
        Check::NodesAbsent(names) => {
            for n in names {
                let gone = node(n).is_none();
                items.push((gone, format!("{n} {}", if gone { "is gone" } else { "still exists" })));
            }
        }
        Check::NoAppPodsOn(names) => {
            for n in names {
                let apps: Vec<&ObservedPod> = c
                    .pods()
                    .iter()
                    .filter(live)
                    .filter(|p| p.node.as_deref() == Some(n) && !p.daemon_or_mirror)
                    .collect();
                let names: Vec<String> = apps.iter().map(|p| format!("{}/{}", p.namespace, p.name)).collect();
                items.push((
                    apps.is_empty(),
                    if apps.is_empty() {
                        format!("{n} runs no application pods")
                    } else {
                        format!("{n} runs {}", names.join(", "))
                    },
                ));
            }
        }
        Check::PodsOnNode(want) => {
            for (n, w) in want {
                let got = c
                    .pods()
                    .iter()
                    .filter(live)
                    .filter(|p| p.node.as_deref() == Some(n))
                    .count() as u32;
                items.push((got == *w, format!("{n} runs {got} pods")));
            }
        }
        Check::WorkloadOn { workload, nodes } => {
            let pods = of(workload);
            let elsewhere: Vec<&ObservedPod> = pods
                .iter()
                .copied()
                .filter(|p| !p.node.as_ref().is_some_and(|n| nodes.contains(n)))
                .collect();
            items.push((
                !pods.is_empty() && elsewhere.is_empty(),
                format!("{workload}: {} pods, {} elsewhere", pods.len(), elsewhere.len()),
            ));
        }
        Check::WorkloadsAvailable(refs) => {
            for r in refs {
                match c.workloads().iter().find(|w| &w.workload == r) {
                    Some(w) => items.push((w.ready >= w.desired, format!("{r}: {}/{} ready", w.ready, w.desired))),
                    None => items.push((false, format!("{r} does not exist"))),
                }
            }
        }
        Check::WorkloadsExist(want) => {
            for (r, w) in want {
                let got = c.workloads().iter().any(|x| &x.workload == r);
                items.push((
                    got == *w,
                    format!("{r} {}", if got { "exists" } else { "does not exist" }),
                ));
            }
        }
        Check::PodsExist(want) => {
            for (r, w) in want {
                let got = c.pods().iter().any(|p| p.namespace == r.namespace && p.name == r.name);
                items.push((
                    got == *w,
                    format!("{r} {}", if got { "exists" } else { "does not exist" }),
                ));
            }
        }
        Check::PodOnNode(want) => {
            for (r, n) in want {
                match c.pods().iter().find(|p| p.namespace == r.namespace && p.name == r.name) {
                    Some(p) => {
                        let ok = !p.terminating && p.phase == "Running" && p.node.as_deref() == Some(n);
                        items.push((
                            ok,
                            format!("{r} is {} on {}", p.phase, p.node.as_deref().unwrap_or("no node")),
                        ));
                    }
                    None => items.push((false, format!("{r} does not exist"))),
                }
            }
        }
        Check::WorkloadImage { .. } => return Err("workload containers run the pause image on kind"),
        Check::ControlPlaneVersion(want) => {
            for (n, v) in want {
                let tags: BTreeMap<&str, &str> = ["kube-apiserver", "kube-controller-manager", "kube-scheduler"]
                    .into_iter()
                    .filter_map(|comp| {
                        let name = format!("{comp}-{n}");
                        c.pods()
                            .iter()
                            .find(|p| p.namespace == "kube-system" && p.name == name)
                            .map(|p| (comp, tag(&p.image)))
                    })
                    .collect();
                let ok = tags.len() == 3 && tags.values().all(|t| *t == v.0);
                let shown: Vec<String> = tags.iter().map(|(k, t)| format!("{k} {t}")).collect();
                items.push((
                    ok,
                    format!(
                        "{n}: {}",
                        if shown.is_empty() {
                            "no control-plane pods".to_string()
                        } else {
                            shown.join(", ")
                        }
                    ),
                ));
            }
        }
        Check::KubeProxyVersion(v) => {
            let w = c
                .workloads()
                .iter()
                .find(|w| w.workload.namespace == "kube-system" && w.workload.name == "kube-proxy");
            match w {
                Some(w) => items.push((tag(&w.image) == v.0, format!("kube-proxy runs {}", tag(&w.image)))),
                None => items.push((false, "no kube-proxy DaemonSet".to_string())),
            }
        }
        Check::EtcdImage(want) => {
            for (n, t) in want {
                let p = c
                    .pods()
                    .iter()
                    .find(|p| p.namespace == "kube-system" && p.name == format!("etcd-{n}"));
                let running = c.etcd().is_some_and(|e| e.running.contains(n));
                match p {
                    Some(p) => items.push((
                        tag(&p.image) == t && running,
                        format!(
                            "etcd on {n} is {} ({})",
                            tag(&p.image),
                            if running { "running" } else { "not running" }
                        ),
                    )),
                    None => items.push((false, format!("no etcd pod on {n}"))),
                }
            }
        }
        Check::EtcdQuorum(want) => {
            let got = c.etcd().is_some_and(|e| e.quorum);
            items.push((
                got == *want,
                format!("etcd {} quorum", if got { "has" } else { "has no" }),
            ));
        }
        Check::EtcdMembers {
            count,
            started,
            all_running,
        } => {
            let Some(e) = c.etcd() else {
                return Ok(Outcome {
                    passed: false,
                    detail: "etcd did not answer".to_string(),
                });
            };
            if let Some(n) = count {
                items.push((
                    e.members == Some(*n),
                    format!("{} members", e.members.map_or("?".to_string(), |m| m.to_string())),
                ));
            }
            for s in started {
                let ok = e.running.contains(s);
                items.push((ok, format!("{s} {}", if ok { "runs" } else { "does not run" })));
            }
            if *all_running {
                let ok = e.members == Some(e.running.len() as u32);
                items.push((
                    ok,
                    format!(
                        "{} of {} members run",
                        e.running.len(),
                        e.members.map_or("?".to_string(), |m| m.to_string())
                    ),
                ));
            }
        }
        Check::ApiAvailable(want) => {
            let got = c.nodes().is_some();
            items.push((
                got == *want,
                format!("the API server {}", if got { "answers" } else { "does not answer" }),
            ));
        }
        Check::KubeletRunning(_) => return Err("whether the kubelet process runs is not observed through the API"),
        Check::PackageVersion { .. } => return Err("apt packages are only emulated on kind nodes"),
        Check::EtcdDataDir { .. } => return Err("etcd's data directory is not observed on kind"),
        Check::SnapshotFile { .. } => return Err("snapshot file contents are checked by the simulator only"),
        Check::NoViolations { .. } => return Err("invariants are the simulator's"),
        #[allow(unreachable_patterns)]
        _ => return Err("this check is not graded on kind"),
    }
    Ok(outcome(items))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubedrill_sim::model::WorkloadKind;

    struct View {
        nodes: Option<Vec<ObservedNode>>,
        pods: Vec<ObservedPod>,
        workloads: Vec<ObservedWorkload>,
    }

    impl ObservedCluster for View {
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
            None
        }
    }

    fn node(name: &str, unschedulable: bool) -> ObservedNode {
        ObservedNode {
            name: name.into(),
            ready: true,
            status_text: if unschedulable {
                "Ready,SchedulingDisabled"
            } else {
                "Ready"
            }
            .into(),
            unschedulable,
            kubelet_version: "v1.32.4".into(),
        }
    }

    fn workload(kind: WorkloadKind, name: &str, desired: u32, ready: u32) -> ObservedWorkload {
        ObservedWorkload {
            workload: WorkloadRef {
                namespace: "default".into(),
                kind,
                name: name.into(),
            },
            desired,
            ready,
            image: "registry.k8s.io/pause:3.10".into(),
        }
    }

    fn lab() -> crate::Lab {
        crate::catalogue()
            .unwrap()
            .into_iter()
            .find(|l| l.id == "drain-pdb-blocked")
            .unwrap()
    }

    #[test]
    fn a_drained_node_passes_and_simulator_only_checks_are_not_graded() {
        let view = View {
            nodes: Some(vec![
                node("controlplane", false),
                node("node01", true),
                node("node02", false),
            ]),
            pods: vec![ObservedPod {
                namespace: "kube-system".into(),
                name: "kube-proxy-x".into(),
                node: Some("node01".into()),
                daemon_or_mirror: true,
                phase: "Running".into(),
                ..ObservedPod::default()
            }],
            workloads: vec![
                workload(WorkloadKind::StatefulSet, "db", 2, 2),
                workload(WorkloadKind::Deployment, "web", 2, 2),
            ],
        };
        let g = grade_observed(&lab().objectives, &view);
        assert_eq!(g.grade.score, 100, "{g}");
        assert!(g.grade.passed(), "{g}");
        assert_eq!(g.not_gradable.len(), 1);
        assert_eq!(g.not_gradable[0].1, "invariants are the simulator's");
        assert!(g.to_string().contains("[?] no invariant was violated"), "{g}");
    }

    #[test]
    fn an_application_pod_left_behind_fails_and_a_silent_api_fails_everything() {
        let mut pods = vec![ObservedPod {
            namespace: "default".into(),
            name: "db-0".into(),
            node: Some("node01".into()),
            phase: "Running".into(),
            ..ObservedPod::default()
        }];
        let view = View {
            nodes: Some(vec![node("node01", true)]),
            pods: pods.clone(),
            workloads: vec![workload(WorkloadKind::StatefulSet, "db", 2, 1)],
        };
        let g = grade_observed(&lab().objectives, &view);
        let failed: Vec<&str> = g
            .grade
            .objectives
            .iter()
            .filter(|o| !o.passed)
            .map(|o| o.detail.as_str())
            .collect();
        assert!(failed.contains(&"node01 runs default/db-0"), "{failed:?}");
        assert!(
            failed.iter().any(|d| d.contains("statefulset/db: 1/2 ready")),
            "{failed:?}"
        );
        pods.clear();
        let down = View {
            nodes: None,
            pods,
            workloads: Vec::new(),
        };
        let g = grade_observed(&lab().objectives, &down);
        assert_eq!(g.grade.score, 0);
        assert!(
            g.grade
                .objectives
                .iter()
                .all(|o| o.detail == "the API server does not answer")
        );
    }
}
