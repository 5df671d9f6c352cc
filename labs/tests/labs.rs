//! The built-in catalogue: every lab's solution passes, doing nothing passes no change, wrong
//! answers lose points, and the session's own commands behave.

mod common;

use common::{lab, solve, type_line};
use kubedrill_labs::{Reply, Session, catalogue};
use std::collections::BTreeSet;

/// Seeds besides each lab's own: generated names change with the seed, so a solution that
/// hard-coded one would fail here.
const OTHER_SEEDS: &[u64] = &[3, 2024];

#[test]
fn the_catalogue_covers_the_cluster_maintenance_topics() {
    // Goal: at least 15 valid labs, unique ids, and every topic the curriculum names.
    let labs = catalogue().expect("valid catalogue");
    assert!(labs.len() >= 15, "only {} labs", labs.len());
    let ids: BTreeSet<&str> = labs.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids.len(), labs.len(), "duplicate ids");
    let topics: BTreeSet<&str> = labs.iter().map(|l| l.topic.as_str()).collect();
    for t in [
        "os-maintenance",
        "upgrade",
        "version-skew",
        "etcd-backup",
        "etcd-restore",
        "etcd-upgrade",
        "quorum",
    ] {
        assert!(topics.contains(t), "no lab on {t}");
    }
    for l in &labs {
        assert!(!l.hints.is_empty(), "{} has no hints", l.id);
        assert!(l.objectives.iter().any(|o| !o.already), "{} asks for nothing", l.id);
    }
}

#[test]
fn every_solution_passes_every_objective() {
    // Goal: the solution typed line by line through Session::input meets every objective,
    // with the lab's seed and with others. Method: play it, grade, require 100 %.
    // Every lab is played before failing, so one run names every lab that breaks.
    let mut failed = Vec::new();
    for l in catalogue().unwrap() {
        for seed in std::iter::once(l.default_seed()).chain(OTHER_SEEDS.iter().copied()) {
            let (s, transcript) = solve(&l, seed);
            let g = s.grade();
            if !(g.passed() && g.score == 100) {
                eprintln!(
                    "{} (seed {seed}) after its solution:\n{g}\ntranscript:\n{transcript}",
                    l.id
                );
                failed.push(format!("{} (seed {seed})", l.id));
            }
        }
    }
    assert!(failed.is_empty(), "solutions that fail: {failed:?}");
}

#[test]
fn doing_nothing_meets_only_the_guards() {
    // Goal: no objective can be passed for free. Method: grade right after the setup; every
    // objective that asks for a change fails, every guard (`already: true`) holds, score 0.
    for l in catalogue().unwrap() {
        for seed in std::iter::once(l.default_seed()).chain(OTHER_SEEDS.iter().copied()) {
            let s = Session::start(&l, seed).unwrap();
            let g = s.grade();
            for o in &g.objectives {
                assert_eq!(
                    o.passed,
                    o.already,
                    "{} (seed {seed}): objective {:?} {} before anything was done ({})",
                    l.id,
                    o.name,
                    if o.passed { "passes" } else { "fails" },
                    o.detail
                );
            }
            assert_eq!(g.score, 0, "{}: {g}", l.id);
        }
    }
}

#[test]
fn a_session_is_deterministic() {
    // Goal: same lab, same seed, same lines: the same transcript, byte for byte.
    for l in catalogue().unwrap() {
        let (_, a) = solve(&l, l.default_seed());
        let (_, b) = solve(&l, l.default_seed());
        assert_eq!(a, b, "{}", l.id);
    }
}

fn play(s: &mut Session, lines: &[&str]) -> String {
    lines.iter().map(|l| type_line(s, l)).collect()
}

#[test]
fn forcing_out_a_bare_pod_that_had_to_stay_loses_the_points() {
    // Goal: a guard that breaks costs its weight. The keep-bare-pod lab asks not to use
    // --force; doing so meets the cordon and web objectives but loses nightly-report.
    let l = lab("drain-keep-bare-pod");
    let mut s = Session::start(&l, l.default_seed()).unwrap();
    let t = play(&mut s, &["kubectl drain node01 --ignore-daemonsets --force", "sleep 5"]);
    let g = s.grade();
    let failed: Vec<&str> = g
        .objectives
        .iter()
        .filter(|o| !o.passed)
        .map(|o| o.name.as_str())
        .collect();
    assert_eq!(
        failed,
        [
            "nightly-report still runs on node01",
            "no pod was lost and no invariant violated"
        ],
        "{t}{g}"
    );
    assert_eq!(g.score, 0, "two task objectives met, two guards broken: {g}");
}

#[test]
fn copying_the_database_of_a_running_member_is_not_a_backup() {
    // Goal: the lab guide copies member/snap/db only from a data dir no etcd process uses; a
    // copy taken under a running member fails the backup objective.
    let l = lab("etcd-copy-db");
    let mut s = Session::start(&l, l.default_seed()).unwrap();
    let t = play(&mut s, &["cp /var/lib/etcd/member/snap/db /opt/etcd-db-copy"]);
    let g = s.grade();
    let backup = g
        .objectives
        .iter()
        .find(|o| o.detail.contains("/opt/etcd-db-copy"))
        .expect("the lab grades the copy");
    assert!(!backup.passed, "{t}{g}");
    assert!(
        backup.detail.contains("copied while etcd was writing it"),
        "{}",
        backup.detail
    );
}

#[test]
fn skipping_an_etcd_minor_breaks_the_upgrade_rule() {
    // Goal: etcd 2.1 straight to 2.3 reaches the version but breaks upgrade_order.
    let l = lab("etcd-upgrade-2-1-to-2-3");
    let mut s = Session::start(&l, l.default_seed()).unwrap();
    play(
        &mut s,
        &[
            "sed -i 's/etcd-amd64:2.1.3/etcd-amd64:2.3.7/' /etc/kubernetes/manifests/etcd.yaml",
            "sleep 30",
        ],
    );
    let g = s.grade();
    let rule = g
        .objectives
        .iter()
        .find(|o| o.name == "no upgrade rule was broken")
        .unwrap();
    assert!(!rule.passed, "{g}");
    assert!(rule.detail.contains("upgrade_order"), "{}", rule.detail);
    assert!(g.objectives[0].passed, "etcd does run 2.3.7: {g}");
    assert_eq!(g.score, 50, "{g}");
}

#[test]
fn upgrading_a_kubelet_before_draining_is_caught() {
    // Goal: the worker upgrade lab grades the order, not only the versions.
    let l = lab("upgrade-worker");
    let mut s = Session::start(&l, l.default_seed()).unwrap();
    play(
        &mut s,
        &[
            "ssh node01",
            "sed -i 's/v1.30/v1.31/' /etc/apt/sources.list.d/kubernetes.list && apt-get update",
            "apt-mark unhold kubeadm kubelet kubectl && apt-get install -y kubeadm=1.31.2-1.1 kubelet=1.31.2-1.1 kubectl=1.31.2-1.1",
            "kubeadm upgrade node",
            "systemctl daemon-reload && systemctl restart kubelet",
            "exit",
        ],
    );
    let g = s.grade();
    let order = g
        .objectives
        .iter()
        .find(|o| o.name.starts_with("no invariant"))
        .unwrap();
    assert!(!order.passed && order.detail.contains("upgrade_order"), "{g}");
    assert!(g.score < 100, "{g}");
}

#[test]
fn the_lab_commands() {
    // Goal: task, hint (one at a time), solution, help, map and check answer; exit leaves an
    // ssh session first and the lab only from the starting host.
    let l = lab("stopped-kubelet");
    let mut s = Session::start(&l, l.default_seed()).unwrap();
    let out = |r: Reply| match r {
        Reply::Output { text, .. } => text,
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(out(s.input("task")), l.task);
    assert!(out(s.input("hint")).starts_with("Hint 1 of 3: "));
    assert!(out(s.input("hint")).starts_with("Hint 2 of 3: "));
    assert!(out(s.input("hint")).starts_with("Hint 3 of 3: "));
    assert!(out(s.input("hint")).starts_with("No more hints"));
    assert!(out(s.input("help")).contains("check"));
    assert!(out(s.input("map")).contains("node01"));
    let check = s.input("check");
    assert!(matches!(&check, Reply::Output { status: 1, .. }), "{check:?}");
    assert!(!s.grade().solution_viewed);
    assert!(out(s.input("solution")).contains("node01 $ sudo systemctl start kubelet"));
    let g = s.grade();
    assert!(g.solution_viewed);
    assert_eq!(g.hints_used, 3);
    assert_eq!(s.prompt(), "controlplane $ ");
    out(s.input("ssh node01"));
    assert_eq!(s.prompt(), "node01 $ ");
    assert!(out(s.input("exit")).contains("Connection to node01 closed."));
    assert_eq!(s.prompt(), "controlplane $ ");
    assert_eq!(s.input("exit"), Reply::Exit);
}

#[test]
fn reset_starts_over_but_keeps_the_help_seen() {
    let l = lab("drain-bare-pod-force");
    let mut s = Session::start(&l, l.default_seed()).unwrap();
    play(&mut s, &["hint", "kubectl cordon node01", "ssh node01"]);
    assert!(s.grade().objectives[0].passed);
    let r = s.input("reset");
    assert!(matches!(&r, Reply::Output { text, status: 0 } if text.starts_with("The lab is back where it started.")));
    let g = s.grade();
    assert!(!g.objectives[0].passed, "{g}");
    assert_eq!(g.hints_used, 1);
    assert_eq!(s.prompt(), "controlplane $ ");
}

#[test]
fn a_blocked_drain_without_timeout_is_stopped() {
    // Goal: a drain a budget blocks for ever returns (the session has no Ctrl-C) and says so.
    let l = lab("drain-pdb-blocked");
    let mut s = Session::start(&l, l.default_seed()).unwrap();
    let before = s.sim().now();
    let r = s.input("kubectl drain node01 --ignore-daemonsets");
    let Reply::Output { text, status } = r else { panic!() };
    assert_eq!(status, 1, "{text}");
    assert!(
        text.contains("Cannot evict pod as it would violate the pod's disruption budget."),
        "{text}"
    );
    assert!(text.contains("the lab stopped it as Ctrl-C would"), "{text}");
    assert_eq!((s.sim().now().0 - before.0) / 1000, 120);
    // With its own --timeout the drain is left alone.
    let r = s.input("kubectl drain node01 --ignore-daemonsets --timeout=10s");
    let Reply::Output { text, .. } = r else { panic!() };
    assert!(
        text.contains("global timeout reached: 10s") && !text.contains("Ctrl-C"),
        "{text}"
    );
}

#[test]
fn restoring_with_the_editor_instead_of_sed() {
    // Goal: `vi FILE` opens the file's text, finish_edit saves it and the kubelet acts on it:
    // the restore lab solved with an edited manifest.
    let l = lab("etcd-restore");
    let mut s = Session::start(&l, l.default_seed()).unwrap();
    play(
        &mut s,
        &["etcdutl snapshot restore /opt/snapshot-pre-boot.db --data-dir /var/lib/etcd-from-backup"],
    );
    let Reply::Edit { path, content } = s.input("vi /etc/kubernetes/manifests/etcd.yaml") else {
        panic!("no editor")
    };
    assert_eq!(path, "/etc/kubernetes/manifests/etcd.yaml");
    assert!(content.contains("path: /var/lib/etcd\n"));
    let edited = content.replace("path: /var/lib/etcd\n", "path: /var/lib/etcd-from-backup\n");
    let Reply::Output { text, status } = s.finish_edit(&path, &edited) else {
        panic!()
    };
    assert_eq!(status, 0);
    assert!(
        text.starts_with("\"/etc/kubernetes/manifests/etcd.yaml\" ") && text.contains("written"),
        "{text}"
    );
    play(&mut s, &["sleep 60"]);
    let g = s.grade();
    assert!(g.passed(), "{g}");
}

#[test]
fn a_broken_manifest_is_saved_with_a_warning() {
    // Goal: an editor saves whatever it is given; a static pod manifest the kubelet cannot
    // read stops that component (here etcd, so the API goes away), and the save warns.
    let l = lab("etcd-snapshot");
    let mut s = Session::start(&l, l.default_seed()).unwrap();
    let Reply::Output { text, status } = s.finish_edit("/etc/kubernetes/manifests/etcd.yaml", "spec: [oops\n") else {
        panic!()
    };
    assert_eq!(status, 0);
    assert!(text.contains("warning: the kubelet cannot read"), "{text}");
    play(&mut s, &["sleep 30"]);
    assert!(!s.sim().api_available());
    // Relative paths resolve against the shell's directory; directories do not open.
    assert!(matches!(s.input("vi /etc/kubernetes"), Reply::Output { status: 1, .. }));
    assert!(
        matches!(s.input("vi notes.txt"), Reply::Edit { path, content } if path == "/root/notes.txt" && content.is_empty())
    );
    assert!(matches!(
        s.input("vi /etc/kubernetes/pki/etcd/ca.crt"),
        Reply::Output { status: 1, .. }
    ));
    let Reply::Output { text, status } = s.finish_edit("/nope/file", "x") else {
        panic!()
    };
    assert_eq!(status, 1, "{text}");
}

#[test]
fn tab_completion() {
    let l = lab("etcd-quorum-lost");
    let s = Session::start(&l, l.default_seed()).unwrap();
    let c = |line: &str| s.completions(line);
    assert!(c("").contains(&"kubectl".to_string()));
    assert!(c("").contains(&"check".to_string()));
    assert_eq!(c("kubectl dr"), ["drain"]);
    assert_eq!(c("kubectl drain "), ["cp1", "cp2", "cp3", "node01"]);
    assert_eq!(c("kubectl drain node01 --ign"), ["--ignore-daemonsets"]);
    assert_eq!(c("ssh c"), ["cp1", "cp2", "cp3"]);
    assert!(c("kubectl get pods -n kube-system etcd-").contains(&"etcd-cp1".to_string()));
    assert!(c("kubectl get pods -n kube").contains(&"kube-system".to_string()));
    assert_eq!(
        c("cat /etc/kubernetes/manifests/et"),
        ["/etc/kubernetes/manifests/etcd.yaml"]
    );
    assert_eq!(c("ls /var/lib/etcd/member/snap/"), ["/var/lib/etcd/member/snap/db"]);
    assert!(c("etcdctl --cacert=/etc/kubernetes/pki/etcd/").contains(&"/etc/kubernetes/pki/etcd/ca.crt".to_string()));
    assert_eq!(c("etcdctl snapshot s"), ["save", "status"]);
    assert_eq!(c("systemctl restart "), ["kubelet"]);
    assert_eq!(c("apt-get install -y kube"), ["kubeadm", "kubectl", "kubelet"]);
    assert_eq!(c("kubectl get pods | gr"), ["grep"]);
}

#[test]
fn the_map_shows_nodes_pods_and_etcd() {
    let l = lab("etcd-quorum-lost");
    let s = Session::start(&l, l.default_seed()).unwrap();
    let m = s.map();
    assert!(m.starts_with("cluster v1.31.2, API not answering\n"), "{m}");
    assert!(m.contains("etcd 3.5.15-0 (stopped)"), "{m}");
    assert!(m.contains("quorum needs 2: LOST; no leader"), "{m}");
    assert!(m.contains("default/web-"), "{m}");
}

#[test]
fn mock_exams() {
    // Goal: the same seed gives the same set; topics are spread before any repeats; the
    // report weighs each task and applies the 66 % pass mark.
    let labs = catalogue().unwrap();
    let a: Vec<&str> = kubedrill_labs::exam_set(&labs, 6, 9)
        .iter()
        .map(|l| l.id.as_str())
        .collect();
    let b: Vec<&str> = kubedrill_labs::exam_set(&labs, 6, 9)
        .iter()
        .map(|l| l.id.as_str())
        .collect();
    assert_eq!(a, b);
    assert_eq!(a.len(), 6);
    let set = kubedrill_labs::exam_set(&labs, 6, 9);
    let topics: BTreeSet<&str> = set.iter().map(|l| l.topic.as_str()).collect();
    assert_eq!(topics.len(), 6, "six tasks, six topics: {a:?}");
    let other: Vec<&str> = kubedrill_labs::exam_set(&labs, 6, 10)
        .iter()
        .map(|l| l.id.as_str())
        .collect();
    assert_ne!(a, other, "another seed, another exam");
    assert_eq!(kubedrill_labs::exam_set(&labs, 100, 1).len(), labs.len());

    let scores = [100, 100, 0, 100, 50, 100];
    let report = kubedrill_labs::ExamReport::new(set.iter().copied().zip(scores));
    let total: u32 = set.iter().map(|l| l.exam_weight()).sum();
    let earned: u32 = set.iter().zip(scores).map(|(l, s)| l.exam_weight() * s).sum();
    assert_eq!(report.score, earned / total);
    assert_eq!(report.passed(), report.score >= 66);
    let text = report.to_string();
    assert!(text.contains("pass mark 66%"), "{text}");
    let all = kubedrill_labs::ExamReport::new(set.iter().map(|l| (*l, 100)));
    assert!(all.passed() && all.score == 100);
    let none = kubedrill_labs::ExamReport::new(set.iter().map(|l| (*l, 65)));
    assert!(!none.passed());
}

#[test]
fn nothing_waits_for_a_kubelet_that_is_down() {
    // Goal: with node01's kubelet stopped nothing confirms a pod's end there; a delete and a
    // drain of its pods still return to the prompt.
    let l = lab("stopped-kubelet");
    let mut s = Session::start(&l, l.default_seed()).unwrap();
    let pod = s
        .sim()
        .cluster()
        .pods_ordered()
        .find(|(_, p)| {
            &*p.namespace == "default" && p.node.is_some_and(|n| &*s.sim().cluster().node(n).name == "node01")
        })
        .map(|(_, p)| p.name.to_string())
        .expect("a web pod on node01");
    let Reply::Output { text, status } = s.input(&format!("kubectl delete pod {pod}")) else {
        panic!()
    };
    assert_eq!(status, 0, "{text}");
    assert_eq!(text, format!("pod \"{pod}\" deleted\n"));
    let Reply::Output { text, status } = s.input("kubectl drain node01 --ignore-daemonsets") else {
        panic!()
    };
    assert_eq!(status, 1, "{text}");
    assert!(text.contains("the lab stopped it as Ctrl-C would"), "{text}");
}

#[test]
fn an_exam_task_hides_the_help_and_asks_before_it_is_submitted() {
    // Goal: a mock exam task answers no `check`, `hint`, `solution` or `map`; `exit` asks
    // first, anything else keeps the task open (and runs), a second `exit` submits; the
    // report at the end lists every objective of every task.
    let l = lab("drain-bare-pod-force");
    let mut s = Session::start(&l, l.default_seed()).unwrap().for_exam();
    for help in ["check", "hint", "solution", "map"] {
        match s.input(help) {
            Reply::Output { text, status } => {
                assert_eq!(status, 1, "{help}: {text}");
                assert!(text.contains("not available in a mock exam"), "{help}: {text}");
            }
            other => panic!("{help}: {other:?}"),
        }
    }
    let asked = |r: Reply| match r {
        Reply::Output { text, .. } => text.contains("Submit this task"),
        _ => false,
    };
    assert!(asked(s.input("exit")), "the first exit asks");
    match s.input("kubectl get nodes") {
        Reply::Output { text, status } => assert!(status == 0 && text.contains("node01"), "{text}"),
        other => panic!("{other:?}"),
    }
    assert!(asked(s.input("exit")), "a line in between cancels the question");
    assert!(matches!(s.input("exit"), Reply::Exit), "the second exit submits");

    let g = s.grade();
    let report = kubedrill_labs::ExamReport::from_grades([(&l, &g)]);
    let text = report.to_string();
    for o in &l.objectives {
        assert!(text.contains(&o.name), "{text}");
    }
    assert!(text.contains("[ ] node01 is cordoned"), "{text}");

    // A study lab leaves at once.
    let mut study = Session::start(&l, l.default_seed()).unwrap();
    assert!(matches!(study.input("exit"), Reply::Exit));
}
