//! `why`: after a command, the model's reasons in sentences with the numbers it decided on;
//! `why OBJECT` for one node, pod, workload or etcd.

mod common;

use common::{lab, type_line};
use kubedrill_labs::{Reply, Session};

fn why(s: &mut Session, line: &str) -> String {
    match s.input(line) {
        Reply::Output { text, .. } => text,
        other => panic!("{line}: {other:?}"),
    }
}

fn session(id: &str) -> Session {
    let l = lab(id);
    Session::start(&l, l.default_seed()).unwrap()
}

#[test]
fn a_refused_drain_names_the_filter_the_pod_and_the_flag() {
    let mut s = session("drain-bare-pod-force");
    assert!(why(&mut s, "why").contains("Nothing has been typed yet"));
    type_line(&mut s, "kubectl drain node01 --ignore-daemonsets");
    let w = why(&mut s, "why");
    assert!(
        w.contains(
            "The drain of node01 stopped at the `unreplicated` filter: default/debug-shell declares no controller, so nothing would recreate it; `--force` deletes it for good."
        ),
        "{w}"
    );
    assert!(w.contains("node01 was cordoned (SchedulingDisabled)"), "{w}");
    type_line(&mut s, "kubectl drain node01 --ignore-daemonsets --force");
    let w = why(&mut s, "why");
    assert!(
        w.contains("`--force` let the drain of node01 delete default/debug-shell"),
        "{w}"
    );
    assert!(
        w.contains("Invariant no_pod_lost broke: bare pod default/debug-shell"),
        "{w}"
    );
    // The replacement of the evicted api pod and where the scheduler put it.
    assert!(
        w.contains("created a pod to keep its replica count: default/api-"),
        "{w}"
    );
    assert!(w.contains(" on node02."), "{w}");
}

#[test]
fn a_pdb_blocked_eviction_gives_the_budget_numbers() {
    let mut s = session("drain-pdb-blocked");
    type_line(&mut s, "kubectl drain node01 --ignore-daemonsets --timeout=30s");
    let w = why(&mut s, "why");
    assert!(
        w.contains(
            "The eviction of default/db-0 was refused 6 times, from +0s to +25s (kubectl drain retries every 5 s) by PodDisruptionBudget default/db: currentHealthy 2, desiredHealthy 2 (of 2 expected pods), so 0 disruptions allowed."
        ),
        "{w}"
    );
    let w = why(&mut s, "why sts/db");
    assert!(
        w.contains("PodDisruptionBudget default/db (maxUnavailable 0): currentHealthy 2, desiredHealthy 2 of 2 expected, so 0 disruptions allowed now."),
        "{w}"
    );
    let w = why(&mut s, "why db-0");
    assert!(
        w.contains("default/db-0 is Running on node01 (owner: StatefulSet/db)"),
        "{w}"
    );
    assert!(w.contains("6 refusals in all"), "{w}");
}

#[test]
fn an_api_timeout_is_explained_by_etcd_quorum() {
    let mut s = session("etcd-quorum-lost");
    type_line(&mut s, "kubectl get nodes");
    let w = why(&mut s, "why");
    assert!(
        w.contains("etcd has lost quorum: 1 of 3 etcd members running (down: cp2, cp3); quorum is 2."),
        "{w}"
    );
    let w = why(&mut s, "why etcd");
    assert!(
        w.contains("1 of 3 voting members running; quorum is 2 (LOST), no leader"),
        "{w}"
    );
    assert!(w.contains("The API does not answer"), "{w}");
}

#[test]
fn quorum_coming_back_is_explained() {
    let mut s = session("etcd-quorum-lost");
    let l = lab("etcd-quorum-lost");
    for (_, line) in l.solution_lines() {
        type_line(&mut s, &line);
        if line == "sleep 60" {
            let w = why(&mut s, "why");
            assert!(
                w.contains("The kubelet on cp2 started the static pod etcd-cp2 from its manifest."),
                "{w}"
            );
            assert!(
                w.contains("The API answers again: 2 of 3 etcd members run and quorum is 2"),
                "{w}"
            );
        }
    }
}

#[test]
fn a_pending_pod_gets_the_schedulers_reasons_node_by_node() {
    let mut s = session("drain-bare-pod-force");
    type_line(&mut s, "kubectl cordon node02");
    type_line(&mut s, "kubectl drain node01 --ignore-daemonsets --force");
    let w = why(&mut s, "why");
    let pending = w
        .lines()
        .find(|l| l.contains("is Pending"))
        .unwrap_or_else(|| panic!("no pending pod explained:\n{w}"));
    assert!(pending.contains("0/3 nodes are available"), "{pending}");
    assert!(
        pending.contains(
            "Node by node: controlplane: taint {node-role.kubernetes.io/control-plane: } not tolerated; node01: unschedulable (cordoned or being deleted); node02: unschedulable (cordoned or being deleted)."
        ),
        "{pending}"
    );
    let pod = pending.trim_start_matches("- ").split(' ').next().unwrap().to_string();
    let w = why(&mut s, &format!("why {pod}"));
    assert!(w.contains("is Pending"), "{w}");
    assert!(w.contains("The scheduler cannot place it (last tried at step 2"), "{w}");
    let w = why(&mut s, "why deployment/api");
    assert!(w.contains("Deployment default/api: 2 replicas, 1 ready."), "{w}");
    assert!(w.contains("The scheduler cannot place it"), "{w}");
}

#[test]
fn a_version_skew_names_the_versions_and_the_rule() {
    let mut s = session("version-skew-trap");
    let w = why(&mut s, "why node02");
    assert!(
        w.contains("Invariant version_skew broke: kubelet v1.31.2 on node02 is newer than the API server v1.30.6."),
        "{w}"
    );
    assert!(
        w.contains("It breaks when a component is outside the version skew policy"),
        "{w}"
    );
}

#[test]
fn a_static_pod_whose_manifest_went_or_does_not_parse_is_explained() {
    let mut s = session("etcd-snapshot");
    type_line(&mut s, "mv /etc/kubernetes/manifests/kube-scheduler.yaml /root/");
    let w = why(&mut s, "why");
    assert!(
        w.contains("The kubelet looks at /etc/kubernetes/manifests every 20 s"),
        "{w}"
    );
    type_line(&mut s, "sleep 25");
    let w = why(&mut s, "why");
    assert!(
        w.contains(
            "The kubelet on controlplane stopped the static pod kube-scheduler: its manifest /etc/kubernetes/manifests/kube-scheduler.yaml is gone."
        ),
        "{w}"
    );
    let w = why(&mut s, "why kube-scheduler-controlplane");
    assert!(w.contains("no longer exists"), "{w}");
    assert!(
        w.contains("The kubelet on controlplane stopped it at step 2 (`sleep 25`"),
        "{w}"
    );

    // A manifest saved from the editor that is not YAML.
    let path = match s.input("vi /etc/kubernetes/manifests/kube-controller-manager.yaml") {
        Reply::Edit { path, .. } => path,
        other => panic!("{other:?}"),
    };
    s.finish_edit(&path, "apiVersion: v1\nkind: Pod\nspec:\n  containers: [\n");
    type_line(&mut s, "sleep 25");
    let w = why(&mut s, "why");
    assert!(
        w.contains("stopped the static pod kube-controller-manager: its manifest does not parse: could not decode the static pod:"),
        "{w}"
    );
    assert!(w.contains("line "), "the parse error has its position: {w}");
}

#[test]
fn why_of_a_node_says_who_cordoned_it_and_what_the_last_drain_refused() {
    let mut s = session("drain-bare-pod-force");
    type_line(&mut s, "kubectl drain node01 --ignore-daemonsets");
    let w = why(&mut s, "why node01");
    assert!(
        w.contains("node01 is Ready,SchedulingDisabled (worker, kubelet v1.29.4)."),
        "{w}"
    );
    assert!(
        w.contains("It was cordoned at step 1 (`kubectl drain node01 --ignore-daemonsets`, +0s)"),
        "{w}"
    );
    assert!(w.contains("Its last drain, at step 1"), "{w}");
    assert!(w.contains("`unreplicated` filter: default/debug-shell"), "{w}");
}

#[test]
fn why_of_a_stopped_kubelet() {
    let mut s = session("stopped-kubelet");
    let w = why(&mut s, "why node01");
    assert!(w.contains("node01 is NotReady"), "{w}");
    assert!(w.contains("Its kubelet is stopped"), "{w}");
    type_line(&mut s, "ssh node01 systemctl start kubelet");
    let w = why(&mut s, "why");
    assert!(w.contains("node01's kubelet runs again"), "{w}");
}

#[test]
fn why_of_something_unknown_is_an_error() {
    let mut s = session("drain-bare-pod-force");
    match s.input("why nosuchthing") {
        Reply::Output { text, status } => {
            assert_eq!(status, 1);
            assert!(text.contains("no node, pod or workload \"nosuchthing\""), "{text}");
        }
        other => panic!("{other:?}"),
    }
    match s.input("why a b") {
        Reply::Output { status, .. } => assert_eq!(status, 2),
        other => panic!("{other:?}"),
    }
    assert!(s.history().is_empty(), "why is not a step");
}

#[test]
fn why_after_every_solution_line_of_every_lab_answers() {
    // Goal: `why` never fails or panics on real sessions, and a line that changed the cluster
    // gets at least one reason. Method: every lab's solution, `why` after each line.
    for l in kubedrill_labs::catalogue().unwrap() {
        let mut s = Session::start(&l, l.default_seed()).unwrap();
        for (_, line) in l.solution_lines() {
            type_line(&mut s, &line);
            let w = why(&mut s, "why");
            assert!(w.starts_with("Step "), "{}: {line}: {w}", l.id);
            let step = s.history().last().unwrap();
            let changed = s
                .sim()
                .trace()
                .range(step.trace.clone())
                .any(|r| r.event.is_api_write());
            assert!(
                !changed || w.contains("\n- "),
                "{}: {line} changed the cluster but why gives no reason:\n{w}",
                l.id
            );
        }
    }
}
