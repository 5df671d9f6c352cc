//! `kubedrill run --backend kind` against stand-in `kind`, `docker` and `kubectl` executables
//! (tests/kind_fakes/fake.sh, linked under those names into a temporary directory that is
//! the whole PATH): what runs, exit codes, and that the cluster is deleted at the end, on
//! failure and on Ctrl-C. No real kind or Docker is needed; the live test is kind_live.rs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const SCENARIO: &str = "apiVersion: kubedrill/v1
kind: Scenario
metadata: {name: kind-fake}
seed: 1
cluster:
  kubernetesVersion: v1.31.2
  addons: {kubeProxy: false, coredns: false}
  nodes:
    - {name: controlplane, role: control-plane}
    - {name: node01, role: worker}
steps:
  - run: kubectl cordon node01
    expect: {exit: 0, nodeStatus: {node01: \"Ready,SchedulingDisabled\"}}
  - run: kubectl uncordon node01
";

/// A temporary world: `bin/` (the stand-ins and the few tools they use), a working
/// directory, a TMPDIR, and the stand-ins' log.
struct World {
    root: tempfile::TempDir,
}

impl World {
    /// `programs`: which of kind, docker and kubectl exist.
    fn new(programs: &[&str]) -> Self {
        let root = tempfile::tempdir().unwrap();
        let bin = root.path().join("bin");
        for d in ["bin", "work", "tmp", "state"] {
            std::fs::create_dir(root.path().join(d)).unwrap();
        }
        let fake = bin.join("fake");
        std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/kind_fakes/fake.sh"), &fake).unwrap();
        set_executable(&fake);
        for p in programs {
            std::os::unix::fs::symlink(&fake, bin.join(p)).unwrap();
        }
        // The stand-ins' own needs, and nothing else from the host (no real kind or docker).
        for tool in ["basename", "cat", "sleep", "touch", "rm"] {
            let found = ["/usr/bin", "/bin"]
                .iter()
                .map(|d| Path::new(d).join(tool))
                .find(|p| p.exists());
            std::os::unix::fs::symlink(found.expect("coreutils"), bin.join(tool)).unwrap();
        }
        std::fs::write(root.path().join("work/scenario.yaml"), SCENARIO).unwrap();
        Self { root }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.root.path().join(p)
    }

    fn command(&self, extra: &[&str], env: &[(&str, &str)]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kubedrill"));
        c.args(["run", "scenario.yaml", "--backend", "kind"])
            .args(extra)
            .current_dir(self.path("work"))
            .env_clear()
            .env("PATH", self.path("bin"))
            .env("TMPDIR", self.path("tmp"))
            .env("FAKE_LOG", self.path("log"))
            .env("FAKE_DIR", self.path("state"))
            .env("KUBEDRILL_KIND_TIME_SCALE", "0.01");
        for (k, v) in env {
            c.env(k, v);
        }
        c
    }

    fn run(&self, extra: &[&str], env: &[(&str, &str)]) -> Output {
        self.command(extra, env).output().unwrap()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.path("log")).unwrap_or_default()
    }

    fn deleted(&self) -> bool {
        self.log()
            .lines()
            .any(|l| l.starts_with("kind delete cluster --name kubedrill-") && l.contains("--kubeconfig"))
    }

    fn tmp_is_empty(&self) -> bool {
        std::fs::read_dir(self.path("tmp")).unwrap().next().is_none()
    }
}

fn set_executable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut perms = std::fs::metadata(p).unwrap().permissions();
    perms.set_mode(0o755);
    std::fs::set_permissions(p, perms).unwrap();
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn plan_touches_nothing_and_needs_no_tools() {
    let w = World::new(&[]);
    let out = w.run(&["--plan"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("# kind plan for scenario kind-fake\n"), "{stdout}");
    assert!(stdout.contains("$ kubectl --context kind-kubedrill-plan cordon kubedrill-plan-worker"));
    assert!(w.log().is_empty());
    assert!(w.tmp_is_empty());
    assert_eq!(
        std::fs::read_dir(w.path("work")).unwrap().count(),
        1,
        "only the scenario file"
    );
}

#[test]
fn without_kind_it_exits_2_at_once_with_one_line_and_leaves_nothing() {
    let w = World::new(&["docker", "kubectl"]);
    let out = w.run(&[], &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(
            "kubedrill: --backend kind needs kind, Docker and kubectl: kind is not installed (`kind` is not on PATH)"
        ),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    assert!(!w.log().contains("kind") && !w.log().contains("create"), "{}", w.log());
    assert!(w.tmp_is_empty());
    assert_eq!(std::fs::read_dir(w.path("work")).unwrap().count(), 1, "nothing written");
}

#[test]
fn with_docker_down_it_names_docker() {
    let w = World::new(&["kind", "docker", "kubectl"]);
    let out = w.run(&[], &[("FAKE_DOCKER_DOWN", "1")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(
            "Docker is not running or not reachable (`docker info` failed: Cannot connect to the Docker daemon"
        ),
        "{stderr}"
    );
    assert!(!w.log().contains("kind create"));
    assert!(w.tmp_is_empty());
}

#[test]
fn a_run_that_agrees_exits_0_and_deletes_its_cluster() {
    let w = World::new(&["kind", "docker", "kubectl"]);
    let out = w.run(&[], &[]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_eq!(
        stdout.matches("# kind backend: agrees").count(),
        3,
        "before step 1 and after each step:\n{stdout}"
    );
    assert!(
        stdout.contains("# kind backend: agrees (before step 1: api up: 2 nodes (2 Ready, 0 cordoned)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("# kind backend: agrees (after it: api up: 2 nodes (2 Ready, 1 cordoned)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("# kind | node/kubedrill-"),
        "kind's own output is shown: {stdout}"
    );
    assert!(stdout.contains("# kind: exit 0 (the simulator's: exit 0)"), "{stdout}");
    let log = w.log();
    let pid = out.status.code().map(|_| ()).and(Some(()));
    assert!(pid.is_some());
    let create = log
        .lines()
        .find(|l| l.starts_with("kind create cluster"))
        .expect("created");
    assert!(create.contains("--config - --kubeconfig /"), "{create}");
    let name = create.split_whitespace().nth(4).unwrap().to_string();
    assert!(name.starts_with("kubedrill-"), "{name}");
    assert!(
        log.contains(&format!("kubectl --context kind-{name} cordon {name}-worker")),
        "{log}"
    );
    assert!(
        log.contains(&format!("kind delete cluster --name {name} --kubeconfig")),
        "{log}"
    );
    let config = std::fs::read_to_string(w.path("state/kind-config.yaml")).unwrap();
    assert_eq!(
        config.matches("image: kindest/node:v1.31.2@sha256:18fbefc2").count(),
        2,
        "{config}"
    );
    assert!(config.contains("node-monitor-grace-period: \"40s\""), "{config}");
    assert!(w.tmp_is_empty(), "the run's temporary directory is removed");
    let transcript = std::fs::read_to_string(w.path(&format!("work/target/kubedrill/kind/{name}.jsonl"))).unwrap();
    assert!(transcript.lines().count() >= 8);
    let first: serde_json::Value = serde_json::from_str(transcript.lines().next().unwrap()).unwrap();
    assert_eq!(first["argv"][0], "kind");
}

#[test]
fn a_disagreement_exits_1_and_names_the_field() {
    let w = World::new(&["kind", "docker", "kubectl"]);
    let out = w.run(&[], &[("FAKE_NEVER_CORDON", "1")]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("# kind backend: DISAGREES: node node01 cordoned: sim=true kind=false"),
        "{stdout}"
    );
    assert!(
        stderr.contains("kubedrill: step 1: kind disagrees with the simulator: node node01 cordoned"),
        "{stderr}"
    );
    assert!(w.deleted());
}

#[test]
fn a_failed_setup_exits_2_and_still_deletes_the_cluster() {
    let w = World::new(&["kind", "docker", "kubectl"]);
    let out = w.run(&[], &[("FAKE_CREATE_FAIL", "1")]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("kubedrill: --backend kind: setup: `kind create cluster"),
        "{stderr}"
    );
    assert!(stderr.contains("ERROR: failed to create cluster: boom"), "{stderr}");
    assert!(stdout.contains("# kind backend: ERROR:"), "{stdout}");
    assert!(w.deleted(), "{}", w.log());
    assert!(w.tmp_is_empty());
}

#[test]
fn keep_leaves_the_cluster() {
    let w = World::new(&["kind", "docker", "kubectl"]);
    let out = w.run(&["--keep"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!w.deleted());
    assert!(text(&out.stderr).contains("--keep: the kind cluster kubedrill-"));
}

#[test]
fn stale_clusters_of_dead_runs_are_swept_and_live_ones_kept() {
    let w = World::new(&["kind", "docker", "kubectl"]);
    let mut child = Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let live = std::process::id();
    let clusters = format!("kubedrill-{dead}-abcd\\nkubedrill-{live}-beef\\nsomeone-elses\\n");
    let out = w.run(&[], &[("FAKE_CLUSTERS", clusters.as_str())]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let log = w.log();
    assert!(
        log.contains(&format!("kind delete cluster --name kubedrill-{dead}-abcd")),
        "{log}"
    );
    assert!(!log.contains(&format!("--name kubedrill-{live}-beef")), "{log}");
    assert!(!log.contains("--name someone-elses"), "{log}");
    assert!(text(&out.stdout).contains(&format!(
        "deleted clusters of runs that are gone: kubedrill-{dead}-abcd"
    )));
}

#[test]
fn ctrl_c_stops_the_command_and_deletes_the_cluster() {
    let w = World::new(&["kind", "docker", "kubectl"]);
    let mut child = w
        .command(&[], &[("FAKE_HANG", "1")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !w.path("state/hang.pid").exists() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the hanging kubectl never ran: {}",
            w.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let hung: i32 = std::fs::read_to_string(w.path("state/hang.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // SAFETY: signals the child this test started.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "kubedrill did not stop on Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = child.wait_with_output().unwrap();
    assert_eq!(status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("interrupted"), "{}", text(&out.stderr));
    assert!(w.deleted(), "{}", w.log());
    let gone = !Path::new(&format!("/proc/{hung}")).exists()
        || std::fs::read_to_string(format!("/proc/{hung}/stat")).is_ok_and(|s| s.contains(") Z "));
    assert!(gone, "the hanging command {hung} was left running");
    assert!(w.tmp_is_empty());
}

#[test]
fn a_lab_runs_its_lines_on_kind_and_grades_what_kind_shows() {
    let w = World::new(&["kind", "docker", "kubectl"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubedrill"))
        .args(["lab", "start", "etcd-snapshot", "--backend", "kind"])
        .current_dir(w.path("work"))
        .env_clear()
        .env("PATH", w.path("bin"))
        .env("TMPDIR", w.path("tmp"))
        .env("FAKE_LOG", w.path("log"))
        .env("FAKE_DIR", w.path("state"))
        .env("KUBEDRILL_STATE_DIR", w.path("state"))
        .env("KUBEDRILL_KIND_TIME_SCALE", "0.01")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"kubectl cordon node01\nmap\ncheck\nexit\n").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("== Back up etcd with a snapshot (on kind) =="),
        "{stdout}"
    );
    assert!(
        stdout.contains("controlplane $ kubectl cordon node01\nnode/kubedrill-"),
        "kind's output as it is: {stdout}"
    );
    assert!(stdout.contains("`map` needs the simulator"), "{stdout}");
    assert!(
        stdout.contains("— not gradable on kind: snapshot file contents are checked by the simulator only"),
        "{stdout}"
    );
    assert!(stdout.contains("score on kind:"), "{stdout}");
    let log = w.log();
    let line = log
        .lines()
        .find(|l| l.contains(" cordon "))
        .expect("the typed line ran");
    assert!(
        line.starts_with("kubectl --context kind-kubedrill-") && line.ends_with("-worker"),
        "{line}"
    );
    assert!(w.deleted(), "{log}");
    assert!(w.tmp_is_empty());
}
