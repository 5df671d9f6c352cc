//! End-to-end tests of the `kubedrill` binary: each test runs the real executable in a fresh
//! temporary directory and checks its exit status, stdout, stderr and the files it writes.
//!
//! Scenario files are written into the temporary directory from inline strings and named by a
//! relative path, so messages (`bad.yaml:13:12: ...`) do not depend on where the directory is.

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

// ---------------------------------------------------------------------------------------------
// Support
// ---------------------------------------------------------------------------------------------

const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");

/// A scenario of the repository's corpus, by file name.
fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/maintenance")
        .join(name)
}

/// A fresh directory under the system temp dir, removed again when the test ends.
struct Dir {
    root: PathBuf,
}

impl Dir {
    fn new(test: &str) -> Dir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join("kubedrill-cli-tests").join(format!(
            "{test}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(&root).unwrap_or_else(|e| panic!("creating {}: {e}", root.display()));
        Dir { root }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// Writes `name` (relative to the directory) and returns its absolute path.
    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create parent directory");
        }
        fs::write(&path, contents).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        path
    }

    fn read(&self, name: &str) -> String {
        let path = self.path(name);
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
    }

    /// `kubedrill ARGS...` run in this directory, with no KUBEDRILL_SEED from the outside.
    fn kubedrill<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = Command::new(BIN);
        cmd.current_dir(&self.root).env_remove("KUBEDRILL_SEED").args(args);
        Run { cmd }
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

/// A command about to be run.
struct Run {
    cmd: Command,
}

impl Run {
    fn env(mut self, key: &str, value: &str) -> Run {
        self.cmd.env(key, value);
        self
    }

    /// Runs the command to its end.
    fn output(mut self) -> Output {
        let out = self
            .cmd
            .output()
            .unwrap_or_else(|e| panic!("could not start {BIN}: {e}"));
        Output {
            command: format!("{:?}", self.cmd),
            code: out.status.code(),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }

    /// Runs the command and checks its exit status; on a mismatch the panic shows everything.
    #[track_caller]
    fn exits(self, code: i32) -> Output {
        let got = self.output();
        assert!(
            got.code == Some(code),
            "\n{}\nexpected exit status {code}, got {:?}\n--- stdout ---\n{}--- stderr ---\n{}",
            got.command,
            got.code,
            got.stdout,
            got.stderr
        );
        got
    }
}

struct Output {
    command: String,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Equal texts, or a panic with a line diff (`-` expected, `+` got).
#[track_caller]
fn assert_text_eq(expected: &str, got: &str) {
    if expected != got {
        panic!("texts differ (-expected +got):\n{}", line_diff(expected, got));
    }
}

/// `needle` occurs in `haystack`, or a panic showing both.
#[track_caller]
fn assert_contains(haystack: &str, needle: &str) {
    assert!(
        haystack.contains(needle),
        "expected to find\n    {needle:?}\nin\n{}",
        indent(haystack)
    );
}

/// `haystack` contains these lines, whole and in this order (others may come between).
#[track_caller]
fn assert_lines_in_order(haystack: &str, wanted: &[&str]) {
    let mut lines = haystack.lines();
    for want in wanted {
        assert!(
            lines.any(|l| l == *want),
            "expected the line\n    {want:?}\n(after the ones before it in {wanted:#?}) in\n{}",
            indent(haystack)
        );
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    | {l}\n")).collect()
}

/// A small longest-common-subsequence diff of lines, enough for transcripts.
fn line_diff(a: &str, b: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.split('\n').collect(), b.split('\n').collect());
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push_str(&format!("  {}\n", a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push_str(&format!("- {}\n", a[i]));
            i += 1;
        } else {
            out.push_str(&format!("+ {}\n", b[j]));
            j += 1;
        }
    }
    out
}

/// The path after `reproduce: kubedrill replay ` on stderr.
#[track_caller]
fn replay_path(stderr: &str) -> String {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("reproduce: kubedrill replay "))
        .unwrap_or_else(|| panic!("no `reproduce: kubedrill replay` line in\n{}", indent(stderr)))
        .to_string()
}

/// A two-node v1.31 cluster (9 lines) without a seed, then `rest`.
fn scenario_without_seed(name: &str, rest: &str) -> String {
    format!(
        "\
apiVersion: kubedrill/v1
kind: Scenario
metadata:
  name: {name}
cluster:
  kubernetesVersion: v1.31.2
  nodes:
    - {{name: controlplane, role: control-plane}}
    - {{name: node01, role: worker}}
{rest}"
    )
}

/// A scenario that cordons node01 and then expects it to be plain `Ready`: step 2 fails.
fn failing_scenario() -> String {
    scenario_without_seed(
        "cordon-then-expect-ready",
        "\
steps:
  - run: kubectl cordon node01
    expect:
      stdoutContains: [node/node01 cordoned]
  - run: kubectl get nodes
    expect:
      nodeStatus: {node01: Ready}
",
    )
}

/// One step on a two-node cluster at `version`, seed 3.
fn one_command(version: &str, step: &str) -> String {
    format!(
        "\
apiVersion: kubedrill/v1
kind: Scenario
metadata:
  name: one-command
seed: 3
cluster:
  kubernetesVersion: {version}
  nodes:
    - {{name: controlplane, role: control-plane}}
    - {{name: node01, role: worker}}
steps:
{step}"
    )
}

/// `run FILE` and `validate FILE` both refuse the file with exit status 2, print nothing on
/// stdout, and print exactly one stderr line, starting with `message`.
#[track_caller]
fn assert_unusable(dir: &Dir, file: &str, message: &str) {
    for cmd in ["run", "validate"] {
        let out = dir.kubedrill([cmd, file]).exits(2);
        assert_text_eq("", &out.stdout);
        assert!(
            out.stderr.starts_with(message) && out.stderr.lines().count() == 1,
            "`kubedrill {cmd} {file}`: expected one stderr line starting with\n    {message:?}\ngot\n{}",
            indent(&out.stderr)
        );
    }
}

/// The keys of a JSON object in the order written, duplicates kept (serde_json's `Value`
/// would silently keep only the last of a repeated key).
struct Keys(Vec<String>);

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Keys;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut keys = Vec::new();
                while let Some((k, IgnoredAny)) = map.next_entry::<String, IgnoredAny>()? {
                    keys.push(k);
                }
                Ok(Keys(keys))
            }
        }
        d.deserialize_map(V)
    }
}

// ---------------------------------------------------------------------------------------------
// run: seeds and determinism
// ---------------------------------------------------------------------------------------------

#[test]
fn run_of_the_lab_guide_walkthrough_passes_with_its_seed_and_kubectl_1_10_output() {
    // Goal: the corpus walk-through runs green with the file's seed and 1.10-style kubectl lines.
    let dir = Dir::new("walkthrough");
    let out = dir
        .kubedrill(["run".as_ref(), corpus("01-lab-guide-walkthrough.yaml").as_os_str()])
        .exits(0);
    assert_eq!(out.stdout.lines().next(), Some("SEED=1"));
    assert_lines_in_order(
        &out.stdout,
        &[
            "master $ kubectl drain kube-node-1-kubelet.kubernetes.mesos",
            r#"node "kube-node-1-kubelet.kubernetes.mesos" cordoned"#,
            r#"node "kube-node-1-kubelet.kubernetes.mesos" drained"#,
            "# expect: ok",
            "master $ kubectl get nodes",
            "# wait: 1m",
            "master $ kubectl uncordon kube-node-1-kubelet.kubernetes.mesos",
            r#"node "kube-node-1-kubelet.kubernetes.mesos" uncordoned"#,
            "# expect: ok",
        ],
    );
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("kube-node-1-kubelet.kubernetes.mesos   Ready,SchedulingDisabled")),
        "no SchedulingDisabled row in\n{}",
        indent(&out.stdout)
    );
    // kubectl 1.10 quoted names; `node/NAME` came later.
    assert!(!out.stdout.contains("node/kube-node"), "{}", out.stdout);
    assert!(!out.stdout.contains("FAILED"), "{}", out.stdout);
    assert_text_eq("", &out.stderr);
}

#[test]
fn seed_flag_overrides_the_seed_in_the_file() {
    // Goal: `--seed 5` wins over the file's `seed: 1` (and over KUBEDRILL_SEED).
    let dir = Dir::new("seed-flag");
    let file = corpus("01-lab-guide-walkthrough.yaml");
    let out = dir
        .kubedrill(["run".as_ref(), file.as_os_str(), "--seed".as_ref(), "5".as_ref()])
        .env("KUBEDRILL_SEED", "9")
        .exits(0);
    assert_eq!(out.stdout.lines().next(), Some("SEED=5"));
}

#[test]
fn kubedrill_seed_is_used_when_neither_flag_nor_file_gives_one() {
    // Goal: the environment seed drives the run itself, not only the banner.
    let dir = Dir::new("env-seed");
    dir.write(
        "noseed.yaml",
        scenario_without_seed("no-seed", "steps:\n  - run: kubectl get pods -A\n"),
    );
    let from_env = dir
        .kubedrill(["run", "noseed.yaml"])
        .env("KUBEDRILL_SEED", "31337")
        .exits(0);
    assert_eq!(from_env.stdout.lines().next(), Some("SEED=31337"));
    let from_flag = dir.kubedrill(["run", "noseed.yaml", "--seed", "31337"]).exits(0);
    assert_text_eq(&from_flag.stdout, &from_env.stdout);
    // Another seed names the generated pods differently, so the comparison above means something.
    let other = dir.kubedrill(["run", "noseed.yaml", "--seed", "2"]).exits(0);
    assert_ne!(
        other.stdout.replace("SEED=2", ""),
        from_env.stdout.replace("SEED=31337", "")
    );
}

#[test]
fn seed_in_the_file_wins_over_kubedrill_seed() {
    // Goal: precedence is --seed, then the file, then the environment.
    let dir = Dir::new("file-seed");
    let out = dir
        .kubedrill(["run".as_ref(), corpus("01-lab-guide-walkthrough.yaml").as_os_str()])
        .env("KUBEDRILL_SEED", "9")
        .exits(0);
    assert_eq!(out.stdout.lines().next(), Some("SEED=1"));
}

#[test]
fn without_any_seed_a_random_one_is_printed_and_reproduces_the_run() {
    // Goal: the printed random seed is the one used, so `--seed <it>` gives the same transcript.
    let dir = Dir::new("random-seed");
    dir.write(
        "noseed.yaml",
        scenario_without_seed("no-seed", "steps:\n  - run: kubectl get pods -A\n"),
    );
    let first = dir.kubedrill(["run", "noseed.yaml"]).exits(0);
    let seed = first
        .stdout
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("SEED="))
        .unwrap_or_else(|| panic!("no SEED= line:\n{}", first.stdout))
        .to_string();
    assert!(seed.parse::<u64>().is_ok(), "SEED={seed}");
    let again = dir.kubedrill(["run", "noseed.yaml", "--seed", &seed]).exits(0);
    assert_text_eq(&first.stdout, &again.stdout);
}

#[test]
fn an_unparsable_kubedrill_seed_exits_2() {
    // Goal: a broken KUBEDRILL_SEED is a usage error, not silently a random seed.
    let dir = Dir::new("bad-env-seed");
    dir.write(
        "noseed.yaml",
        scenario_without_seed("no-seed", "steps:\n  - run: kubectl get nodes\n"),
    );
    let out = dir
        .kubedrill(["run", "noseed.yaml"])
        .env("KUBEDRILL_SEED", "abc")
        .exits(2);
    assert_text_eq("", &out.stdout);
    assert_contains(&out.stderr, r#"KUBEDRILL_SEED="abc" is not a number"#);
}

#[test]
fn the_same_seed_gives_byte_identical_stdout_and_trace() {
    // Goal: determinism end to end, through the binary (transcript and JSON-lines trace).
    let dir = Dir::new("deterministic");
    let file = corpus("02-os-upgrade-drain-reboot-uncordon.yaml");
    let run = |trace: &str| {
        dir.kubedrill(["run".as_ref(), file.as_os_str(), "--trace".as_ref(), trace.as_ref()])
            .exits(0)
    };
    let (a, b) = (run("a.jsonl"), run("b.jsonl"));
    assert_eq!(a.stdout.lines().next(), Some("SEED=7"));
    assert_text_eq(&a.stdout, &b.stdout);
    assert_text_eq(&dir.read("a.jsonl"), &dir.read("b.jsonl"));
}

// ---------------------------------------------------------------------------------------------
// run: failures, failure files and replay
// ---------------------------------------------------------------------------------------------

#[test]
fn a_failed_expectation_exits_1_names_the_step_and_writes_a_replayable_failure_file() {
    // Goal: exit 1, stderr says which step failed and how to reproduce, and replay reproduces.
    let dir = Dir::new("failure-file");
    dir.write("cordon.yaml", failing_scenario());
    let out = dir
        .kubedrill(["run", "cordon.yaml", "--failures-dir", "failures"])
        .env("KUBEDRILL_SEED", "99")
        .exits(1);
    assert_eq!(out.stdout.lines().next(), Some("SEED=99"));
    assert_contains(
        &out.stdout,
        "# expect FAILED: node node01 is Ready,SchedulingDisabled (expected Ready)\n",
    );
    assert_lines_in_order(
        &out.stderr,
        &["kubedrill: step 2 failed: node node01 is Ready,SchedulingDisabled (expected Ready)"],
    );
    assert_contains(&out.stderr, "\nreproduce: kubedrill replay failures/cordon-99-");
    assert!(!out.stderr.contains("step 1 failed"), "step 1 held:\n{}", out.stderr);

    let failure = replay_path(&out.stderr);
    assert!(dir.path(&failure).is_file(), "{failure} was not written");
    let text = dir.read(&failure);
    assert!(
        text.lines().any(|l| l == "seed: 99"),
        "the failure file does not pin the seed:\n{}",
        indent(&text)
    );
    assert_contains(
        &text,
        "# step 2 failed: node node01 is Ready,SchedulingDisabled (expected Ready)",
    );

    // Replayed with no seed in the environment: the file's seed alone reproduces the run.
    let replay = dir
        .kubedrill(["replay", &failure, "--failures-dir", "replays"])
        .exits(1);
    assert_text_eq(&out.stdout, &replay.stdout);
    assert_contains(
        &replay.stderr,
        "kubedrill: step 2 failed: node node01 is Ready,SchedulingDisabled (expected Ready)\n",
    );
}

#[test]
fn the_or_run_hint_on_a_failure_reproduces_the_run_too() {
    // Goal: the second hint, `kubedrill run FILE --seed N`, names the real file and seed.
    let dir = Dir::new("or-run-hint");
    dir.write("cordon.yaml", failing_scenario());
    let out = dir
        .kubedrill(["run", "cordon.yaml", "--failures-dir", "failures"])
        .env("KUBEDRILL_SEED", "41")
        .exits(1);
    assert_contains(&out.stderr, "       or: kubedrill run cordon.yaml --seed 41\n");
    let again = dir
        .kubedrill(["run", "cordon.yaml", "--seed", "41", "--failures-dir", "failures"])
        .exits(1);
    assert_text_eq(&out.stdout, &again.stdout);
}

#[test]
fn failure_files_go_to_target_kubedrill_failures_by_default() {
    // Goal: without --failures-dir the documented default, relative to the working directory.
    let dir = Dir::new("default-failures-dir");
    dir.write("cordon.yaml", failing_scenario());
    let out = dir.kubedrill(["run", "cordon.yaml", "--seed", "12"]).exits(1);
    let path = replay_path(&out.stderr);
    assert!(
        path.starts_with("target/kubedrill/failures/cordon-12-") && path.ends_with(".yaml"),
        "{path}"
    );
    assert!(dir.path(&path).is_file());
}

#[test]
fn a_failure_file_of_a_scenario_with_a_byte_order_mark_replays() {
    // Goal: the loader accepts a leading BOM, so the failure file of such a scenario must replay.
    let dir = Dir::new("bom-failure-file");
    let mut text = b"\xef\xbb\xbf".to_vec();
    text.extend_from_slice(failing_scenario().as_bytes());
    dir.write("bom.yaml", text);
    let out = dir
        .kubedrill(["run", "bom.yaml", "--failures-dir", "failures"])
        .env("KUBEDRILL_SEED", "77")
        .exits(1);
    let failure = replay_path(&out.stderr);
    assert!(
        dir.read(&failure).lines().any(|l| l == "seed: 77"),
        "the failure file does not pin the seed:\n{}",
        indent(&dir.read(&failure))
    );
    let replay = dir
        .kubedrill(["replay", &failure, "--failures-dir", "replays"])
        .exits(1);
    assert_text_eq(&out.stdout, &replay.stdout);
}

#[test]
fn failure_files_of_two_scenarios_with_the_same_name_do_not_overwrite_each_other() {
    // Goal: every printed `reproduce: kubedrill replay F` keeps reproducing its own run.
    let dir = Dir::new("failure-file-clash");
    dir.write("blue/drain.yaml", failing_scenario());
    dir.write(
        "green/drain.yaml",
        failing_scenario()
            .replace("(expected Ready)", "")
            .replace("nodeStatus: {node01: Ready}", "nodeStatus: {node01: NotReady}"),
    );
    let blue = dir
        .kubedrill(["run", "blue/drain.yaml", "--seed", "1", "--failures-dir", "failures"])
        .exits(1);
    let blue_file = replay_path(&blue.stderr);
    let green = dir
        .kubedrill(["run", "green/drain.yaml", "--seed", "1", "--failures-dir", "failures"])
        .exits(1);
    assert_ne!(blue.stdout, green.stdout);
    let replay = dir
        .kubedrill(["replay", &blue_file, "--failures-dir", "replays"])
        .exits(1);
    assert_text_eq(&blue.stdout, &replay.stdout);
}

#[test]
fn an_unwritable_trace_file_does_not_hide_a_failed_run() {
    // Goal: exit 2 means nothing ran; a run that did run and fail still says what failed.
    let dir = Dir::new("unwritable-trace");
    dir.write("cordon.yaml", failing_scenario());
    fs::create_dir(dir.path("trace.jsonl")).expect("a directory where the trace would go");
    let out = dir
        .kubedrill([
            "run",
            "cordon.yaml",
            "--seed",
            "3",
            "--trace",
            "trace.jsonl",
            "--failures-dir",
            "failures",
        ])
        .output();
    let refused_up_front = out.code == Some(2) && out.stdout.is_empty();
    let failure_reported = out.code == Some(1)
        && out.stderr.contains("kubedrill: step 2 failed")
        && out.stderr.contains("reproduce: kubedrill replay failures/cordon-3-");
    assert!(
        refused_up_front || failure_reported,
        "exit {:?}\n--- stdout ---\n{}--- stderr ---\n{}",
        out.code,
        out.stdout,
        out.stderr
    );
}

#[test]
fn a_violation_the_scenario_does_not_expect_exits_1() {
    // Goal: the run must end with exactly expectViolations; an extra violation fails it.
    let dir = Dir::new("unexpected-violation");
    dir.write(
        "force.yaml",
        one_command(
            "v1.31.2",
            "  - run: kubectl drain node01 --ignore-daemonsets --force\n    expect: {exit: 0}\n",
        )
        .replace(
            "steps:\n",
            "workloads:\n  - apiVersion: v1\n    kind: Pod\n    metadata: {name: scratch, namespace: default}\n    spec:\n      nodeName: node01\n      containers: [{name: c, image: busybox:1.36}]\nsteps:\n",
        ),
    );
    let out = dir
        .kubedrill(["run", "force.yaml", "--failures-dir", "failures"])
        .exits(1);
    assert_contains(&out.stdout, "# violation: no_pod_lost at step 1 ");
    assert_contains(&out.stdout, "# expect: ok\n");
    assert_contains(
        &out.stdout,
        "# FAILED: the run ended having violated [no_pod_lost], but the scenario expects []\n",
    );
    assert_contains(
        &out.stderr,
        "failed: the run ended having violated [no_pod_lost], but the scenario expects []",
    );
    assert_contains(&out.stderr, "reproduce: kubedrill replay failures/force-3-");

    // With the violation expected, the same run passes.
    dir.write(
        "expected.yaml",
        format!("{}expectViolations: [no_pod_lost]\n", dir.read("force.yaml")),
    );
    let ok = dir.kubedrill(["run", "expected.yaml"]).exits(0);
    assert!(!ok.stdout.contains("FAILED"), "{}", ok.stdout);
}

#[test]
fn an_expected_violation_that_does_not_happen_exits_1() {
    // Goal: expectViolations is checked in both directions.
    let dir = Dir::new("missing-violation");
    dir.write(
        "quiet.yaml",
        format!(
            "{}expectViolations: [pdb_respected]\n",
            one_command("v1.31.2", "  - run: kubectl get nodes\n")
        ),
    );
    let out = dir
        .kubedrill(["run", "quiet.yaml", "--failures-dir", "failures"])
        .exits(1);
    assert_contains(
        &out.stdout,
        "# FAILED: the run ended having violated [], but the scenario expects [pdb_respected]\n",
    );
    assert_contains(
        &out.stderr,
        "kubedrill: step 1 failed: the run ended having violated [], but the scenario expects [pdb_respected]\n",
    );
}

// ---------------------------------------------------------------------------------------------
// Unusable files: exit 2 with file:line:col
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_top_level_key_exits_2_pointing_at_the_key() {
    // Goal: a misspelt top-level key is refused at its own line and column.
    let dir = Dir::new("bad-top-key");
    dir.write(
        "bad.yaml",
        scenario_without_seed("bad", "stpes:\n  - run: kubectl get nodes\n"),
    );
    assert_unusable(
        &dir,
        "bad.yaml",
        "bad.yaml:10:1: unknown field `stpes`, expected one of `apiVersion`, `kind`, `metadata`",
    );
}

#[test]
fn unknown_step_key_exits_2_pointing_at_the_typo() {
    // Goal: `fualt` in a step is refused at the key, naming the step and the valid keys.
    let dir = Dir::new("bad-step-key");
    dir.write(
        "bad.yaml",
        scenario_without_seed(
            "bad",
            "steps:\n  - run: kubectl get nodes\n  - fualt: node-crash node01\n",
        ),
    );
    assert_unusable(
        &dir,
        "bad.yaml",
        "bad.yaml:12:5: steps[1]: unknown field `fualt`, expected one of `run`, `on`, `fault`, `wait`, `expect`",
    );
}

#[test]
fn wrong_type_exits_2_pointing_at_the_value() {
    // Goal: a value of the wrong type is refused at the value, in YAML words.
    let dir = Dir::new("bad-type");
    dir.write("bad.yaml", scenario_without_seed("bad", "seed: seven\nsteps: []\n"));
    assert_unusable(
        &dir,
        "bad.yaml",
        "bad.yaml:10:7: seed: invalid type: string \"seven\", expected a non-negative integer\n",
    );
}

#[test]
fn missing_kubernetes_version_exits_2_naming_the_field() {
    // Goal: a required field left out is named, at the mapping that lacks it.
    let dir = Dir::new("no-version");
    dir.write(
        "bad.yaml",
        "\
apiVersion: kubedrill/v1
kind: Scenario
metadata:
  name: bad
cluster:
  nodes:
    - {name: controlplane, role: control-plane}
steps: []
",
    );
    assert_unusable(
        &dir,
        "bad.yaml",
        "bad.yaml:6:3: cluster: missing field `kubernetesVersion`\n",
    );
}

#[test]
fn unknown_manifest_kind_exits_2_pointing_at_the_kind() {
    // Goal: a workload kind the simulator does not model is refused at its `kind:`.
    let dir = Dir::new("bad-kind");
    dir.write(
        "bad.yaml",
        scenario_without_seed(
            "bad",
            "\
workloads:
  - apiVersion: v1
    kind: Service
    metadata: {name: web}
steps: []
",
        ),
    );
    assert_unusable(
        &dir,
        "bad.yaml",
        "bad.yaml:12:11: workloads[0]: unknown manifest kind \"Service\": supported kinds are",
    );
}

#[test]
fn yaml_syntax_error_exits_2_at_the_error() {
    // Goal: broken YAML is reported as a syntax error with libyaml's position.
    let dir = Dir::new("bad-syntax");
    dir.write(
        "bad.yaml",
        scenario_without_seed("bad", "steps:\n  - run: [kubectl, get\n  - wait: 1s\n"),
    );
    let out = dir.kubedrill(["run", "bad.yaml"]).exits(2);
    assert_text_eq("", &out.stdout);
    assert!(
        out.stderr.starts_with("bad.yaml:12:")
            && out
                .stderr
                .contains(": YAML syntax error: did not find expected ',' or ']'"),
        "{}",
        out.stderr
    );
    assert_unusable(&dir, "bad.yaml", "bad.yaml:12:");
}

#[test]
fn empty_file_exits_2_saying_it_is_empty() {
    // Goal: an empty file is refused with what was expected, at the place the file ends.
    let dir = Dir::new("empty");
    dir.write("empty.yaml", "");
    assert_unusable(
        &dir,
        "empty.yaml",
        "empty.yaml:1:1: the file is empty: expected a scenario (a mapping with apiVersion: kubedrill/v1",
    );
    dir.write("comment.yaml", "# nothing yet\n");
    assert_unusable(&dir, "comment.yaml", "comment.yaml:2:1: the file holds only comments");
}

#[test]
fn missing_file_exits_2_naming_it() {
    // Goal: a file that does not exist is named, with the OS's words and no `(os error 2)`.
    let dir = Dir::new("missing");
    assert_unusable(&dir, "nope.yaml", "nope.yaml: No such file or directory\n");
}

#[test]
fn an_endless_file_is_refused_before_it_is_read() {
    // Goal: `kubedrill run /dev/zero` read forever into memory; files over 64 MiB are refused
    // after reading 64 MiB and one byte, with the file named.
    let dir = Dir::new("endless");
    assert_unusable(&dir, "/dev/zero", "/dev/zero: File too large: more than 64 MiB\n");
}

#[test]
fn non_utf8_file_exits_2_pointing_at_the_bad_byte() {
    // Goal: a stray byte that is not UTF-8 is located like any other error in the file.
    let dir = Dir::new("not-utf8");
    dir.write("bad.yaml", b"apiVersion: kubedrill/v1\nkind: Sc\xffenario\n".as_slice());
    assert_unusable(
        &dir,
        "bad.yaml",
        "bad.yaml:2:9: invalid UTF-8 (byte 0xff): a scenario file must be UTF-8 text\n",
    );
}

#[test]
fn fault_on_a_node_that_does_not_exist_exits_2_pointing_at_the_fault() {
    // Goal: faults are checked against the cluster before anything runs.
    let dir = Dir::new("fault-no-node");
    dir.write(
        "bad.yaml",
        scenario_without_seed(
            "bad",
            "steps:\n  - run: kubectl get nodes\n  - fault: node-crash node09\n",
        ),
    );
    assert_unusable(
        &dir,
        "bad.yaml",
        "bad.yaml:12:12: steps[1].fault: no node named \"node09\" in the cluster\n",
    );
}

#[test]
fn run_on_a_host_that_does_not_exist_exits_2_pointing_at_on() {
    // Goal: `on:` must name a node of the cluster.
    let dir = Dir::new("on-no-host");
    dir.write(
        "bad.yaml",
        scenario_without_seed("bad", "steps:\n  - run: kubectl get nodes\n    on: node09\n"),
    );
    assert_unusable(
        &dir,
        "bad.yaml",
        "bad.yaml:12:9: steps[0].on: no node named \"node09\" in the cluster\n",
    );
}

#[test]
fn unknown_invariant_in_expect_violations_exits_2_listing_the_known_ones() {
    // Goal: a misspelt invariant id cannot silently never match.
    let dir = Dir::new("bad-invariant");
    dir.write(
        "bad.yaml",
        scenario_without_seed(
            "bad",
            "steps:\n  - run: kubectl get nodes\nexpectViolations: [no_pod_lost, pods_happy]\n",
        ),
    );
    assert_unusable(
        &dir,
        "bad.yaml",
        "bad.yaml:12:33: expectViolations[1]: unknown invariant \"pods_happy\": known are no_pod_lost, pdb_respected,",
    );
}

#[test]
fn unsupported_kubernetes_version_exits_2_pointing_at_the_version() {
    // Goal: a version outside the modelled range is refused, saying what is modelled.
    let dir = Dir::new("old-version");
    dir.write(
        "bad.yaml",
        scenario_without_seed("bad", "steps:\n  - run: kubectl get nodes\n").replace("v1.31.2", "v1.5.0"),
    );
    assert_unusable(
        &dir,
        "bad.yaml",
        "bad.yaml:6:22: cluster.kubernetesVersion: Kubernetes v1.5.0 is not modelled: kubedrill models v1.",
    );
}

#[test]
fn step_with_both_run_and_fault_exits_2_pointing_at_the_step() {
    // Goal: a step does exactly one thing.
    let dir = Dir::new("run-and-fault");
    dir.write(
        "bad.yaml",
        scenario_without_seed(
            "bad",
            "steps:\n  - run: kubectl get nodes\n  - run: kubectl get pods\n    fault: node-crash node01\n",
        ),
    );
    assert_unusable(
        &dir,
        "bad.yaml",
        "bad.yaml:12:5: steps[1]: a step has exactly one of `run`, `fault` and `wait`\n",
    );
}

// ---------------------------------------------------------------------------------------------
// validate
// ---------------------------------------------------------------------------------------------

#[test]
fn validate_reports_each_good_file_ok_and_exits_0() {
    // Goal: `validate` checks without running and says `<file>: ok` for each file, in order.
    let dir = Dir::new("validate-ok");
    dir.write("a.yaml", one_command("v1.31.2", "  - run: kubectl get nodes\n"));
    dir.write("b.yaml", one_command("v1.25.16", "  - fault: node-crash node01\n"));
    let out = dir.kubedrill(["validate", "a.yaml", "b.yaml"]).exits(0);
    assert_text_eq("a.yaml: ok\nb.yaml: ok\n", &out.stdout);
    assert_text_eq("", &out.stderr);
}

#[test]
fn validate_with_one_bad_file_exits_2_and_still_reports_the_good_ones() {
    // Goal: one bad file does not hide the verdict on the others.
    let dir = Dir::new("validate-mixed");
    dir.write("a.yaml", one_command("v1.31.2", "  - run: kubectl get nodes\n"));
    dir.write("bad.yaml", one_command("v1.31.2", "  - fault: node-crash node09\n"));
    dir.write("c.yaml", one_command("v1.31.2", "  - wait: 5m\n"));
    let out = dir.kubedrill(["validate", "a.yaml", "bad.yaml", "c.yaml"]).exits(2);
    assert_text_eq("a.yaml: ok\nc.yaml: ok\n", &out.stdout);
    assert_text_eq(
        "bad.yaml:12:12: steps[0].fault: no node named \"node09\" in the cluster\n",
        &out.stderr,
    );
}

#[test]
fn validate_accepts_every_corpus_scenario() {
    // Goal: the shipped scenarios stay valid.
    let dir = Dir::new("validate-corpus");
    let mut files: Vec<PathBuf> = fs::read_dir(corpus(""))
        .expect("scenarios/maintenance")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 11, "{files:?}");
    let mut args = vec![PathBuf::from("validate")];
    args.extend(files.iter().cloned());
    let out = dir.kubedrill(&args).exits(0);
    let expected: String = files.iter().map(|f| format!("{}: ok\n", f.display())).collect();
    assert_text_eq(&expected, &out.stdout);
}

// ---------------------------------------------------------------------------------------------
// --trace and --format json
// ---------------------------------------------------------------------------------------------

#[test]
fn trace_writes_one_json_object_per_line_with_t_step_and_event() {
    // Goal: the trace is JSON lines a tool can read, and records the drain's cordon and evictions.
    let dir = Dir::new("trace");
    dir.kubedrill([
        "run".as_ref(),
        corpus("02-os-upgrade-drain-reboot-uncordon.yaml").as_os_str(),
        "--trace".as_ref(),
        "out.jsonl".as_ref(),
    ])
    .exits(0);
    let text = dir.read("out.jsonl");
    assert!(text.ends_with('\n'), "the last record is not ended");
    let mut events = Vec::new();
    let mut last_t = 0;
    for (i, line) in text.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}: {line}", i + 1));
        let t = v["t"]
            .as_u64()
            .unwrap_or_else(|| panic!("line {}: no numeric `t`: {line}", i + 1));
        assert!(v["step"].is_u64(), "line {}: no numeric `step`: {line}", i + 1);
        let event = v["event"]
            .as_str()
            .unwrap_or_else(|| panic!("line {}: no string `event`: {line}", i + 1));
        assert!(t >= last_t, "line {}: time went backwards: {line}", i + 1);
        last_t = t;
        events.push((event.to_string(), v));
    }
    let first = |name: &str| {
        events
            .iter()
            .position(|(e, _)| e == name)
            .unwrap_or_else(|| panic!("no {name} event in\n{}", indent(&text)))
    };
    let (cordoned, evicted) = (first("NodeCordoned"), first("PodEvicted"));
    assert_eq!(events[cordoned].1["node"], "node01");
    assert_eq!(events[evicted].1["node"], "node01");
    assert!(cordoned < evicted, "evicted before cordoned");
    // Step 2 is the drain.
    assert_eq!(events[cordoned].1["step"], 2);
    let evictions = events.iter().filter(|(e, _)| e == "PodEvicted").count();
    assert!(evictions >= 2, "{evictions} evictions");
}

#[test]
fn trace_records_have_no_repeated_keys() {
    // Goal: every trace line is an interoperable JSON object (RFC 8259: names unique).
    let dir = Dir::new("trace-keys");
    dir.kubedrill([
        "run".as_ref(),
        corpus("02-os-upgrade-drain-reboot-uncordon.yaml").as_os_str(),
        "--trace".as_ref(),
        "out.jsonl".as_ref(),
    ])
    .exits(0);
    for line in dir.read("out.jsonl").lines() {
        let Keys(keys) = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), keys.len(), "repeated key in {line} (keys {keys:?})");
    }
}

#[test]
fn format_json_prints_seed_passed_transcript_failures_and_violations() {
    // Goal: `--format json` is one JSON document carrying the same transcript as text output.
    let dir = Dir::new("json-pass");
    let file = corpus("04-bare-pod-needs-force.yaml");
    let text = dir.kubedrill(["run".as_ref(), file.as_os_str()]).exits(0);
    let out = dir
        .kubedrill(["run".as_ref(), file.as_os_str(), "--format".as_ref(), "json".as_ref()])
        .exits(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: stdout is not one JSON document:\n{}", out.stdout));
    assert_eq!(v["seed"], 4);
    assert_eq!(v["passed"], true);
    assert_eq!(v["failures"], serde_json::json!([]));
    let transcript: Vec<&str> = v["transcript"]
        .as_array()
        .expect("transcript is an array")
        .iter()
        .map(|l| l.as_str().expect("transcript lines are strings"))
        .collect();
    assert_text_eq(&text.stdout, &format!("{}\n", transcript.join("\n")));
    // 04 ends, as it expects, having violated no_pod_lost.
    let violations = v["violations"].as_array().expect("violations is an array");
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0]["id"], "no_pod_lost");
    assert_eq!(violations[0]["seed"], 4);
}

#[test]
fn format_json_of_a_failed_run_lists_the_failures_and_exits_1() {
    // Goal: a failing run in JSON still is valid JSON on stdout, with passed false.
    let dir = Dir::new("json-fail");
    dir.write("cordon.yaml", failing_scenario());
    let out = dir
        .kubedrill([
            "run",
            "cordon.yaml",
            "--seed",
            "8",
            "--format",
            "json",
            "--failures-dir",
            "failures",
        ])
        .exits(1);
    let v: serde_json::Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: stdout is not one JSON document:\n{}", out.stdout));
    assert_eq!(v["seed"], 8);
    assert_eq!(v["passed"], false);
    assert_eq!(
        v["failures"],
        serde_json::json!([{
            "step": 2,
            "message": "node node01 is Ready,SchedulingDisabled (expected Ready)"
        }])
    );
    assert_eq!(v["violations"], serde_json::json!([]));
    assert_contains(&out.stderr, "reproduce: kubedrill replay failures/cordon-8-");
}

// ---------------------------------------------------------------------------------------------
// Command-line errors
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_subcommand_exits_2() {
    // Goal: a typo in the subcommand is a usage error.
    let dir = Dir::new("usage-subcommand");
    let out = dir.kubedrill(["frobnicate"]).exits(2);
    assert_text_eq("", &out.stdout);
    assert_contains(&out.stderr, "unrecognized subcommand 'frobnicate'");
    assert_contains(&out.stderr, "Usage: kubedrill");
}

#[test]
fn unknown_flag_exits_2() {
    // Goal: an unknown option is refused, not ignored.
    let dir = Dir::new("usage-flag");
    dir.write("s.yaml", one_command("v1.31.2", "  - run: kubectl get nodes\n"));
    let out = dir.kubedrill(["run", "s.yaml", "--bogus"]).exits(2);
    assert_text_eq("", &out.stdout);
    assert_contains(&out.stderr, "unexpected argument '--bogus'");
}

#[test]
fn non_numeric_seed_flag_exits_2() {
    // Goal: `--seed abc` is a usage error that says which value is wrong.
    let dir = Dir::new("usage-seed");
    dir.write("s.yaml", one_command("v1.31.2", "  - run: kubectl get nodes\n"));
    let out = dir.kubedrill(["run", "s.yaml", "--seed", "abc"]).exits(2);
    assert_text_eq("", &out.stdout);
    assert_contains(&out.stderr, "invalid value 'abc' for '--seed <SEED>'");
}

#[test]
fn run_without_a_file_exits_2() {
    // Goal: `run` needs its FILE argument.
    let dir = Dir::new("usage-no-file");
    let out = dir.kubedrill(["run"]).exits(2);
    assert_text_eq("", &out.stdout);
    assert_contains(&out.stderr, "the following required arguments were not provided");
    assert_contains(&out.stderr, "<FILE>");
}

// ---------------------------------------------------------------------------------------------
// What the simulated shell prints
// ---------------------------------------------------------------------------------------------

#[test]
fn delete_local_data_is_an_unknown_flag_for_kubectl_1_31() {
    // Goal: the removed flag fails like real kubectl: message, usage hint, exit 1, nothing done.
    let dir = Dir::new("delete-local-data-1-31");
    dir.write(
        "s.yaml",
        one_command(
            "v1.31.2",
            "  - run: kubectl drain node01 --delete-local-data
    expect:
      exit: 1
      stderrContains:
        - 'error: unknown flag: --delete-local-data'
        - See 'kubectl drain --help' for usage.
  - expect:
      nodeStatus: {node01: Ready}
",
        ),
    );
    let out = dir.kubedrill(["run", "s.yaml"]).exits(0);
    assert_contains(
        &out.stdout,
        "\
controlplane $ kubectl drain node01 --delete-local-data
error: unknown flag: --delete-local-data
See 'kubectl drain --help' for usage.
# expect: ok
",
    );

    // The same expectations with exit 0 fail, so the status really is 1.
    dir.write("zero.yaml", dir.read("s.yaml").replace("exit: 1", "exit: 0"));
    let out = dir
        .kubedrill(["run", "zero.yaml", "--failures-dir", "failures"])
        .exits(1);
    assert_contains(&out.stdout, "# expect FAILED: exit status 1 (expected 0)\n");
}

#[test]
fn delete_local_data_is_deprecated_but_works_on_kubectl_1_25() {
    // Goal: on 1.25 the old flag still drains, after kubectl's deprecation line on stderr.
    let dir = Dir::new("delete-local-data-1-25");
    dir.write(
        "s.yaml",
        one_command(
            "v1.25.16",
            "  - run: kubectl drain node01 --ignore-daemonsets --delete-local-data
    expect:
      exit: 0
      stderrContains:
        - 'Flag --delete-local-data has been deprecated, This option is deprecated and will be deleted. Use --delete-emptydir-data.'
      stdoutContains: [node/node01 drained]
",
        ),
    );
    let out = dir.kubedrill(["run", "s.yaml"]).exits(0);
    assert_lines_in_order(
        &out.stdout,
        &[
            "controlplane $ kubectl drain node01 --ignore-daemonsets --delete-local-data",
            "Flag --delete-local-data has been deprecated, This option is deprecated and will be deleted. Use --delete-emptydir-data.",
            "node/node01 cordoned",
            "node/node01 drained",
            "# expect: ok",
        ],
    );
}

#[test]
fn a_mistyped_command_is_not_found_with_status_127() {
    // Goal: the shell answers like bash, and 127 is what `expect: {exit: ...}` sees.
    let dir = Dir::new("command-not-found");
    dir.write(
        "s.yaml",
        one_command(
            "v1.31.2",
            "  - run: kubeclt get nodes
    expect:
      exit: 127
      stderrContains: ['bash: kubeclt: command not found']
",
        ),
    );
    let out = dir.kubedrill(["run", "s.yaml"]).exits(0);
    assert_contains(
        &out.stdout,
        "controlplane $ kubeclt get nodes\nbash: kubeclt: command not found\n# expect: ok\n",
    );

    dir.write("zero.yaml", dir.read("s.yaml").replace("exit: 127", "exit: 0"));
    let out = dir
        .kubedrill(["run", "zero.yaml", "--failures-dir", "failures"])
        .exits(1);
    assert_contains(&out.stdout, "# expect FAILED: exit status 127 (expected 0)\n");
}

#[test]
fn getting_a_pod_that_does_not_exist_is_not_found_with_status_1() {
    // Goal: kubectl's NotFound error, on stderr, with exit status 1.
    let dir = Dir::new("pod-not-found");
    dir.write(
        "s.yaml",
        one_command(
            "v1.31.2",
            "  - run: kubectl get pod nope
    expect:
      exit: 1
      stderrContains: ['Error from server (NotFound): pods \"nope\" not found']
      outputNotContains: [NAME]
",
        ),
    );
    let out = dir.kubedrill(["run", "s.yaml"]).exits(0);
    assert_contains(
        &out.stdout,
        "controlplane $ kubectl get pod nope\nError from server (NotFound): pods \"nope\" not found\n# expect: ok\n",
    );
}

#[test]
fn run_explain_prints_the_reasons_after_each_step() {
    // Goal: `--explain` adds the model's reasons as `# why:` lines after the step they explain,
    // and leaves the rest of the transcript as `run` prints it.
    let dir = Dir::new("explain");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/etcd/04-three-members-lose-two.yaml");
    let plain = dir.kubedrill([Path::new("run"), file.as_path()]).exits(0);
    let explained = dir
        .kubedrill([Path::new("run"), file.as_path(), Path::new("--explain")])
        .exits(0);
    let without_why: Vec<&str> = explained.stdout.lines().filter(|l| !l.starts_with("# why: ")).collect();
    assert_eq!(without_why, plain.stdout.lines().collect::<Vec<_>>());
    let lines: Vec<&str> = explained.stdout.lines().collect();
    let timeout = lines
        .iter()
        .position(|l| *l == "Error from server: etcdserver: request timed out")
        .expect("the scenario times out");
    assert!(
        lines[timeout + 1].starts_with(
            "# why: The API timed out because etcd has lost quorum: 1 of 3 etcd members running (down: cp2, cp3); quorum is 2."
        ),
        "{}",
        explained.stdout
    );
    assert!(
        explained
            .stdout
            .contains("# why: node02 was cordoned (SchedulingDisabled)")
    );
}
