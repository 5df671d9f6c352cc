//! The lab terminal end to end through the binary, in pipe mode (standard input is not a
//! terminal): lines are read from the pipe, echoed after the prompt, and the session is graded
//! and recorded in the state directory.

use std::io::Write;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");

fn state_dir(test: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir()
        .join("kubedrill-lab-cli-tests")
        .join(format!("{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn lab(state: &std::path::Path, args: &[&str], input: &str) -> (i32, String, String) {
    let mut child = Command::new(BIN)
        .arg("lab")
        .args(args)
        .env("KUBEDRILL_STATE_DIR", state)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input.as_bytes())
        .expect("the session reads its input");
    let out = child.wait_with_output().expect("the binary ends");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_scripted_session_is_graded_and_remembered() {
    let state = state_dir("scripted");
    let (code, out, err) = lab(
        &state,
        &["start", "drain-bare-pod-force"],
        "kubectl drain node01 --ignore-daemonsets\nkubectl drain node01 --ignore-daemonsets --force\nkubectl rollout status deployment/api\nssh node01\nexit\ncheck\nexit\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("== Drain a node that runs a throwaway bare pod"),
        "{out}"
    );
    assert!(
        out.contains("controlplane $ kubectl drain node01 --ignore-daemonsets --force\n"),
        "{out}"
    );
    assert!(out.contains("node/node01 drained"), "{out}");
    assert!(out.contains("node01 $ exit\n"), "the prompt follows ssh: {out}");
    assert!(out.contains("4/4 objectives met, score 100%"), "{out}");
    assert!(out.ends_with("score: 100% (best 100%)\n"), "{out}");
    let progress = std::fs::read_to_string(state.join("progress.json")).expect("progress is saved");
    assert!(progress.contains("\"drain-bare-pod-force\""), "{progress}");
    let (_, list, _) = lab(&state, &["list"], "");
    let row = list
        .lines()
        .find(|l| l.starts_with("drain-bare-pod-force"))
        .expect("listed");
    assert!(row.contains("100%"), "{row}");
}

#[test]
fn doing_nothing_scores_nothing_and_end_of_input_ends_the_lab() {
    let state = state_dir("nothing");
    let (code, out, _) = lab(&state, &["start", "etcd-restore"], "");
    assert_eq!(code, 0);
    assert!(out.contains("score: 0% (best 0%)"), "{out}");
}

#[test]
fn an_unknown_lab_is_refused_with_the_catalogue() {
    let state = state_dir("unknown");
    let (code, _, err) = lab(&state, &["start", "no-such-lab"], "");
    assert_eq!(code, 2);
    assert!(err.contains("no lab \"no-such-lab\""), "{err}");
    assert!(err.contains("etcd-restore"), "{err}");
}

#[test]
fn editing_in_a_pipe_says_to_use_sed() {
    let state = state_dir("edit");
    let (_, out, _) = lab(
        &state,
        &["start", "etcd-restore"],
        "vi /etc/kubernetes/manifests/etcd.yaml\nexit\n",
    );
    assert!(
        out.contains("no terminal to edit in: use `sed -i` in scripted sessions"),
        "{out}"
    );
}

#[test]
fn why_and_undo_work_in_a_study_lab_and_not_in_an_exam() {
    let state = state_dir("why-exam");
    let (_, out, _) = lab(
        &state,
        &["start", "drain-bare-pod-force"],
        "kubectl drain node01 --ignore-daemonsets\nwhy\nundo\nhistory\nexit\n",
    );
    assert!(out.contains("`why` explains what the last command did"), "{out}");
    assert!(
        out.contains("stopped at the `unreplicated` filter: default/debug-shell"),
        "{out}"
    );
    assert!(
        out.contains("Took back step 1: kubectl drain node01 --ignore-daemonsets"),
        "{out}"
    );
    assert!(out.contains("No commands yet on timeline 1."), "{out}");
    let (_, out, _) = lab(&state, &["exam", "--count", "1", "--seed", "7"], "why\nundo\nexit\n");
    assert!(!out.contains("`why` explains"), "{out}");
    assert_eq!(out.matches("is not available in a mock exam").count(), 2, "{out}");
}

/// Goal: with `--real-kubectl`, the kubectl lines run the real kubectl against the lab's own
/// cluster, and grading sees what it did; going back in time is refused. Method: drain the lab's
/// node with the real kubectl, let the replacement pod start (`sleep 30`, on the simulator), then
/// `check`. SKIPPED when no `kubectl` is on PATH.
#[test]
fn a_real_kubectl_drains_the_lab_cluster_and_grading_sees_it() {
    let on_path =
        std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("kubectl").is_file()));
    if !on_path {
        eprintln!("SKIPPED: no kubectl on PATH");
        return;
    }
    let state = state_dir("real-kubectl");
    let (code, out, err) = lab(
        &state,
        &["start", "drain-bare-pod-force", "--real-kubectl"],
        "kubectl drain node01 --ignore-daemonsets --force\nundo\nsleep 30\ncheck\nexit\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("kubectl lines run the real kubectl on PATH"), "{out}");
    assert!(out.contains("node/node01 drained"), "the real kubectl's output: {out}");
    assert!(out.contains("`undo` is not available here"), "{out}");
    assert!(
        out.contains("score: 100%"),
        "graded on what the real kubectl did: {out}"
    );
}
