//! Redirections to and from the node's files, as CKA candidates use them: `kubectl get … -o
//! yaml > pod.yaml`, `kubectl replace --force -f pod.yaml`; `>>`, `<`, `&>`, and bash's
//! errors for a missing directory or a directory as the target.

use kubedrill::scenario_file::load_str;
use kubedrill_sim::{Seed, Sim};

fn sim() -> Sim {
    let scenario = load_str(
        r#"
apiVersion: kubedrill/v1
kind: Scenario
metadata: {name: redirection}
cluster:
  kubernetesVersion: v1.31.2
  nodes:
    - {name: controlplane, role: control-plane}
    - {name: node01, role: worker}
"#,
        "redirection.yaml",
    )
    .expect("fixture parses");
    Sim::new(&scenario.cluster, &scenario.workloads, Seed(1)).expect("fixture builds")
}

fn run(sim: &mut Sim, line: &str) -> (String, String, i32) {
    let out = sim.run_step("controlplane", line);
    (out.stdout_text(), out.stderr_text(), out.status)
}

#[test]
fn a_pod_saved_edited_and_replaced() {
    let mut s = sim();
    assert_eq!(run(&mut s, "kubectl run tmp --image=busybox:1.36 -- sleep 3600").2, 0);
    let (out, err, status) = run(&mut s, "kubectl get pod tmp -o yaml > tmp.yaml");
    assert_eq!((out.as_str(), err.as_str(), status), ("", "", 0));
    let (saved, _, _) = run(&mut s, "cat /root/tmp.yaml");
    assert!(saved.starts_with("apiVersion: v1\nkind: Pod\n"), "{saved}");
    let (out, err, status) = run(&mut s, "kubectl replace --force -f tmp.yaml");
    assert_eq!(status, 0, "{err}");
    assert!(
        out.contains("pod \"tmp\" deleted") && out.contains("pod/tmp replaced"),
        "{out}"
    );
    let (image, _, _) = run(&mut s, "kubectl get pod tmp -o jsonpath='{.spec.containers[0].image}'");
    assert_eq!(image, "busybox:1.36");
}

#[test]
fn append_input_and_both_streams() {
    let mut s = sim();
    run(&mut s, "echo one > notes.txt");
    run(&mut s, "echo two >> notes.txt");
    assert_eq!(run(&mut s, "cat notes.txt").0, "one\ntwo\n");
    assert_eq!(run(&mut s, "wc -l < notes.txt").0.trim(), "2");
    // `&>` sends stderr to the file too; nothing reaches the terminal.
    let (out, err, status) = run(&mut s, "kubectl get pod nope &> err.txt");
    assert_eq!((out.as_str(), err.as_str(), status), ("", "", 1));
    assert_eq!(
        run(&mut s, "cat err.txt").0,
        "Error from server (NotFound): pods \"nope\" not found\n"
    );
    // A failing command still leaves the file created (and emptied) by `>`.
    run(&mut s, "kubectl get pod nope > out.txt 2>/dev/null");
    assert_eq!(run(&mut s, "cat out.txt").0, "");
}

#[test]
fn bash_errors_and_nothing_runs() {
    let mut s = sim();
    let (_, err, status) = run(&mut s, "kubectl get nodes > /no/such/dir/nodes.txt");
    assert_eq!(status, 1);
    assert_eq!(err, "bash: /no/such/dir/nodes.txt: No such file or directory\n");
    let (_, err, status) = run(&mut s, "echo x > /etc/kubernetes");
    assert_eq!((err.as_str(), status), ("bash: /etc/kubernetes: Is a directory\n", 1));
    let (_, err, status) = run(&mut s, "cat < missing.txt");
    assert_eq!(
        (err.as_str(), status),
        ("bash: /root/missing.txt: No such file or directory\n", 1)
    );
    // A here-document is still refused as a whole line.
    let (_, err, status) = run(&mut s, "cat <<EOF");
    assert_eq!(status, 2);
    assert!(err.contains("redirection is not supported"), "{err}");
}

#[test]
fn a_static_pod_manifest_written_by_redirection_is_noticed() {
    let mut s = sim();
    run(
        &mut s,
        "cat /etc/kubernetes/manifests/kube-scheduler.yaml > /root/sched.yaml",
    );
    run(
        &mut s,
        "mv /etc/kubernetes/manifests/kube-scheduler.yaml /root/old.yaml",
    );
    run(&mut s, "sleep 30");
    let (out, _, _) = run(&mut s, "crictl ps --name kube-scheduler -q | wc -l");
    assert_eq!(out.trim(), "0", "the scheduler stopped with its manifest gone");
    run(
        &mut s,
        "cat /root/sched.yaml > /etc/kubernetes/manifests/kube-scheduler.yaml",
    );
    run(&mut s, "sleep 30");
    let (out, _, _) = run(&mut s, "crictl ps --name kube-scheduler -q | wc -l");
    assert_eq!(
        out.trim(),
        "1",
        "the kubelet started it again from the written manifest"
    );
}
