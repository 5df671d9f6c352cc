//! For every lab, a plausible wrong procedure — the moves a CKA candidate made on purpose or
//! by habit in the playthrough — and the objective that catches it. A grader that a shortcut
//! can fool fails here.

mod common;

use common::{lab, type_line};
use kubedrill_labs::{Session, catalogue};
use std::collections::BTreeSet;

/// (lab, the lines typed, the objective that must fail).
const WRONG_MOVES: &[(&str, &[&str], &str)] = &[
    (
        // Deleting the old nodes instead of draining them: the budget is blown on the way.
        "blue-green-workers",
        &["kubectl delete node blue1 blue2", "sleep 60"],
        "no invariant was violated (budget, lost pods)",
    ),
    (
        // Graded at once: the moved api pod is still starting, which is not available.
        "drain-bare-pod-force",
        &["kubectl drain node01 --ignore-daemonsets --force"],
        "the api Deployment is available",
    ),
    (
        // --force loses the bare pod the task said to keep.
        "drain-keep-bare-pod",
        &["kubectl drain node01 --ignore-daemonsets --force", "sleep 30"],
        "nightly-report still runs on node01",
    ),
    (
        // Deleting the node is not draining it.
        "drain-pdb-blocked",
        &["kubectl delete node node01", "sleep 30"],
        "node01 is cordoned",
    ),
    (
        // A copy of the live database is not a backup.
        "etcd-copy-db",
        &["cp /var/lib/etcd/member/snap/db /opt/etcd-db-copy"],
        "/opt/etcd-db-copy is a copy of etcd's db file",
    ),
    (
        // Restarting the kubelet restarts the API server with the same wrong flag.
        "apiserver-wrong-etcd-servers",
        &["systemctl restart kubelet", "sleep 60"],
        "the API answers",
    ),
    (
        // Restarting the kubelet without fixing its flags: it exits again at once.
        "kubelet-bad-flag",
        &["ssh node01", "systemctl restart kubelet", "exit", "sleep 30"],
        "node01 is Ready",
    ),
    (
        // Restoring again into the same unmounted directory changes nothing (and the
        // directory exists, so etcdutl refuses).
        "etcd-restore-mount",
        &[
            "etcdutl snapshot restore /opt/snapshot-pre-boot.db --data-dir /var/lib/etcd-from-backup",
            "sleep 60",
        ],
        "the web Deployment is back and available",
    ),
    (
        // Bringing back one member restores quorum but not the cluster.
        "etcd-quorum-lost",
        &[
            "ssh cp2",
            "mv /root/etcd.yaml /etc/kubernetes/manifests/etcd.yaml",
            "exit",
            "sleep 60",
        ],
        "all three members run",
    ),
    (
        // Restarting the kubelet does not give the wiped member its data back.
        "etcd-replace-member",
        &["ssh cp3", "systemctl restart kubelet", "exit", "sleep 60"],
        "three members, all started",
    ),
    (
        // The API server pointed at etcd's peer port.
        "etcd-restore-new-urls",
        &[
            "sed -i 's#--etcd-servers=https://127.0.0.1:2379#--etcd-servers=https://127.0.0.1:2380#' /etc/kubernetes/manifests/kube-apiserver.yaml",
            "sleep 60",
        ],
        "the API answers",
    ),
    (
        // The most common restore mistake: --data-dir edited, the mount left as it was.
        "etcd-restore",
        &[
            "etcdutl snapshot restore /opt/snapshot-pre-boot.db --data-dir /var/lib/etcd-from-backup",
            "sed -i 's#--data-dir=/var/lib/etcd#--data-dir=/var/lib/etcd-from-backup#' /etc/kubernetes/manifests/etcd.yaml",
            "sleep 60",
        ],
        "etcd runs on the restored data in /var/lib/etcd-from-backup",
    ),
    (
        // No certificates: etcd refuses the client and nothing is saved.
        "etcd-snapshot",
        &["ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 snapshot save /opt/etcd-backup.db"],
        "/opt/etcd-backup.db is a complete etcd snapshot",
    ),
    (
        // Skipping a minor version of etcd 2.
        "etcd-upgrade-2-1-to-2-3",
        &[
            "sed -i 's/etcd-amd64:2.1.3/etcd-amd64:2.3.7/' /etc/kubernetes/manifests/etcd.yaml",
            "sleep 60",
        ],
        "no upgrade rule was broken",
    ),
    (
        // Deleting every flannel pod at once to hurry the rollout: no network anywhere.
        "flannel-upgrade",
        &[
            "kubectl set image daemonset/kube-flannel-ds kube-flannel=docker.io/flannel/flannel:v0.25.1 -n kube-flannel",
            "kubectl delete pods -n kube-flannel --all",
            "sleep 60",
        ],
        "flannel runs on every node",
    ),
    (
        // Draining the second node with the budget bypassed, before the first is back.
        "os-rolling-patch",
        &[
            "kubectl drain node02 --ignore-daemonsets --disable-eviction",
            "kubectl uncordon node01",
            "sleep 60",
        ],
        "no invariant was violated",
    ),
    (
        // Restarting the kubelets without draining: every pod is unready at once.
        "patch-upgrade",
        &[
            "apt-get update && apt-mark unhold kubeadm && apt-get install -y kubeadm=1.31.2-1.1 && apt-mark hold kubeadm",
            "kubeadm upgrade apply v1.31.2 -y",
            "ssh node01 'apt-mark unhold kubelet && apt-get install -y kubelet=1.31.2-1.1 && systemctl daemon-reload && systemctl restart kubelet'",
            "ssh node02 'apt-mark unhold kubelet && apt-get install -y kubelet=1.31.2-1.1 && systemctl daemon-reload && systemctl restart kubelet'",
            "sleep 60",
        ],
        "the web Deployment is available",
    ),
    (
        // `enable` without `--now` starts nothing.
        "stopped-kubelet",
        &["ssh node01", "systemctl enable kubelet", "exit", "sleep 30"],
        "node01 is Ready",
    ),
    (
        // A worker's kubelet first: newer than the API server.
        "upgrade-cluster",
        &[
            "ssh node01",
            "sed -i 's/v1.30/v1.31/' /etc/apt/sources.list.d/kubernetes.list && apt-get update",
            "apt-mark unhold kubelet && apt-get install -y kubelet=1.31.2-1.1",
            "systemctl daemon-reload && systemctl restart kubelet",
            "exit",
            "sleep 30",
        ],
        "no invariant was violated (skew, order, budget)",
    ),
    (
        // The kubelet before `kubeadm upgrade apply`.
        "upgrade-control-plane",
        &[
            "sed -i 's/v1.30/v1.31/' /etc/apt/sources.list.d/kubernetes.list && apt-get update",
            "apt-mark unhold kubelet && apt-get install -y kubelet=1.31.2-1.1",
            "systemctl daemon-reload && systemctl restart kubelet",
            "sleep 30",
        ],
        "no invariant was violated (version skew, upgrade order)",
    ),
    (
        // The kubelet upgraded on a node still full of pods.
        "upgrade-worker",
        &[
            "ssh node01",
            "sed -i 's/v1.30/v1.31/' /etc/apt/sources.list.d/kubernetes.list && apt-get update",
            "apt-mark unhold kubeadm kubelet && apt-get install -y kubeadm=1.31.2-1.1 kubelet=1.31.2-1.1",
            "kubeadm upgrade node",
            "systemctl daemon-reload && systemctl restart kubelet",
            "exit",
            "sleep 60",
        ],
        "the web Deployment is available",
    ),
    (
        // Forgetting `apt-mark unhold`: apt refuses to change a held package.
        "version-skew-trap",
        &[
            "ssh node02",
            "sed -i 's/v1.31/v1.30/' /etc/apt/sources.list.d/kubernetes.list && apt-get update",
            "apt-get install -y --allow-downgrades kubelet=1.30.6-1.1",
            "exit",
        ],
        "the kubelet package is 1.30.6 again",
    ),
];

#[test]
fn every_lab_has_a_wrong_procedure_pinned() {
    let pinned: BTreeSet<&str> = WRONG_MOVES.iter().map(|(id, _, _)| *id).collect();
    let missing: Vec<String> = catalogue()
        .unwrap()
        .into_iter()
        .map(|l| l.id)
        .filter(|id| !pinned.contains(id.as_str()))
        .collect();
    assert!(missing.is_empty(), "labs with no wrong procedure pinned: {missing:?}");
}

#[test]
fn each_wrong_procedure_fails_the_objective_that_catches_it() {
    let mut wrong = Vec::new();
    for (id, lines, objective) in WRONG_MOVES {
        let l = lab(id);
        let mut s = Session::start(&l, l.default_seed()).unwrap();
        let mut transcript = String::new();
        for line in *lines {
            transcript.push_str(&type_line(&mut s, line));
        }
        let g = s.grade();
        let Some(o) = g.objectives.iter().find(|o| o.name == *objective) else {
            wrong.push(format!("{id}: no objective named {objective:?}"));
            continue;
        };
        println!("{id}: {objective:?} -> {}", o.detail);
        if o.passed {
            eprintln!("{id}: {objective:?} passed after the wrong procedure\n{transcript}{g}");
            wrong.push(format!("{id}: {objective:?} passed"));
        }
        assert!(g.score < 100, "{id}: a wrong procedure scored 100%\n{transcript}{g}");
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
