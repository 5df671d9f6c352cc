//! Running a plan's commands: `std::process` with a timeout per command that kills the whole
//! process group, stdout and stderr captured (bounded) into the transcript, placeholders
//! filled in, Ctrl-C honoured between and during commands, the cluster deleted by a guard
//! (at the end, on failure, on panic, on Ctrl-C) and stale clusters of dead runs swept.
//!
//! Every child runs in its own process group with `KUBECONFIG` set to the run's own file and
//! `KIND_CLUSTER_NAME`, `KIND_EXPERIMENTAL_PROVIDER`, `KIND_EXPERIMENTAL_DOCKER_NETWORK`
//! removed (they change kind's defaults).

use super::planner::{Invocation, Program};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Each stream keeps at most this much; the rest is counted and dropped.
pub const CAPTURE_LIMIT: usize = 4 << 20;
const CLEARED_ENV: &[&str] = &[
    "KIND_CLUSTER_NAME",
    "KIND_EXPERIMENTAL_PROVIDER",
    "KIND_EXPERIMENTAL_DOCKER_NETWORK",
];

/// What one command did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    /// The exit status; `None` when a signal ended it (a timeout's SIGKILL included).
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
    pub interrupted: bool,
    pub elapsed: Duration,
}

impl Output {
    pub fn success(&self) -> bool {
        self.status == Some(0)
    }

    /// `exit 1`, `timed out after 30s`, `killed by a signal`.
    pub fn describe(&self) -> String {
        match (self.status, self.timed_out, self.interrupted) {
            (_, _, true) => "interrupted".to_string(),
            (_, true, _) => format!("timed out after {:.0?}", self.elapsed),
            (Some(c), _, _) => format!("exit {c}"),
            (None, _, _) => "killed by a signal".to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{program} could not be started: {message}")]
    Spawn { program: String, message: String },
    #[error("interrupted")]
    Interrupted,
}

/// Runs one process to its end or its deadline. `interrupt`, when set during the run, kills
/// it too.
pub fn run_process(
    program: &str,
    args: &[String],
    stdin: Option<&[u8]>,
    env: &[(&str, &Path)],
    timeout: Duration,
    interrupt: Option<&AtomicBool>,
) -> Result<Output, RunError> {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own group: a terminal's Ctrl-C reaches only kubedrill, which then kills the
        // group, grandchildren included.
        .process_group(0);
    for k in CLEARED_ENV {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().map_err(|e| RunError::Spawn {
        program: program.to_string(),
        message: if e.kind() == std::io::ErrorKind::NotFound {
            "not found on PATH".to_string()
        } else {
            e.to_string()
        },
    })?;
    let pid = child.id() as i32;
    if let (Some(mut pipe), Some(data)) = (child.stdin.take(), stdin) {
        let data = data.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        });
    }
    let (tx, rx) = mpsc::channel::<(bool, Vec<u8>)>();
    for (is_err, pipe) in [
        (false, child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>)),
        (true, child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>)),
    ] {
        let Some(pipe) = pipe else { continue };
        let tx = tx.clone();
        std::thread::spawn(move || {
            let _ = tx.send((is_err, read_bounded(pipe)));
        });
    }
    drop(tx);
    let mut timed_out = false;
    let mut interrupted = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) => {}
            Err(_) => break None,
        }
        if started.elapsed() >= timeout {
            timed_out = true;
        } else if interrupt.is_some_and(|f| f.load(Ordering::SeqCst)) {
            interrupted = true;
        }
        if timed_out || interrupted {
            kill_group(pid);
            break child.wait().ok();
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    // Whatever the command left behind in its group goes with it, so its pipes close.
    kill_group(pid);
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    for _ in 0..2 {
        // A grandchild that left the group may hold a pipe open: do not wait for it forever.
        match rx.recv_timeout(Duration::from_secs(2)) {
            Ok((false, data)) => stdout = data,
            Ok((true, data)) => stderr = data,
            Err(_) => break,
        }
    }
    Ok(Output {
        status: if timed_out || interrupted {
            None
        } else {
            status.and_then(|s| s.code())
        },
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        timed_out,
        interrupted,
        elapsed: started.elapsed(),
    })
}

fn read_bounded(mut pipe: impl Read) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut dropped = 0usize;
    let mut buf = [0u8; 8192];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = CAPTURE_LIMIT.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
                dropped += n.saturating_sub(room);
            }
        }
    }
    if dropped > 0 {
        kept.extend_from_slice(format!("\n[kubedrill: {dropped} more bytes not kept]\n").as_bytes());
    }
    kept
}

fn kill_group(pid: i32) {
    // SAFETY: kill(2) with a negative pid signals the process group the child leads; the
    // group was created for this child alone (`process_group(0)`).
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
}

/// Whether a process with this pid exists (ours or another user's).
pub fn pid_alive(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists and may be signalled.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// The interrupt flag, set by the first Ctrl-C (or SIGTERM); a second one exits at once,
/// leaving whatever is running.
pub fn interrupt_flag() -> Arc<AtomicBool> {
    static FLAG: std::sync::OnceLock<Arc<AtomicBool>> = std::sync::OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        let _ = ctrlc::set_handler(move || {
            if f.swap(true, Ordering::SeqCst) {
                eprintln!("kubedrill: interrupted again: exiting without cleaning up");
                std::process::exit(130);
            }
            eprintln!("kubedrill: interrupted: stopping and deleting the kind cluster (Ctrl-C again to quit at once)");
        });
        flag
    })
    .clone()
}

/// A name no other run uses: `kubedrill-<pid>-<4 hex>`, so a later run can tell whether the
/// run that made a cluster is still alive.
pub fn unique_cluster_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() ^ (d.as_secs() as u32))
        .unwrap_or(0);
    format!("kubedrill-{}-{:04x}", std::process::id(), nanos & 0xffff)
}

/// The pid in a name `unique_cluster_name` made.
pub fn pid_of_cluster(name: &str) -> Option<i32> {
    let rest = name.strip_prefix("kubedrill-")?;
    let (pid, tag) = rest.split_once('-')?;
    let hex = tag.len() == 4 && tag.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    let digits = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
    if hex && digits { pid.parse().ok() } else { None }
}

/// One command as the transcript file records it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Record {
    /// Seconds since the run started.
    pub t: f64,
    pub argv: Vec<String>,
    pub stdin_bytes: usize,
    pub status: Option<i32>,
    pub timed_out: bool,
    pub elapsed_ms: u128,
    pub stdout: String,
    pub stderr: String,
}

/// Runs a plan's invocations for one kind cluster.
pub struct Runner {
    workdir: tempfile::TempDir,
    kubeconfig: PathBuf,
    vars: BTreeMap<String, String>,
    log: Option<std::io::BufWriter<std::fs::File>>,
    pub records: Vec<Record>,
    interrupt: Arc<AtomicBool>,
    started: Instant,
}

impl Runner {
    /// A runner with a fresh temporary directory (the kubeconfig lives there); `log`, when
    /// given, receives every command as a JSON line.
    pub fn new(interrupt: Arc<AtomicBool>, log: Option<&Path>) -> std::io::Result<Self> {
        let workdir = tempfile::Builder::new().prefix("kubedrill-kind-").tempdir()?;
        let kubeconfig = workdir.path().join("kubeconfig");
        let log = match log {
            Some(p) => {
                if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
                Some(std::io::BufWriter::new(std::fs::File::create(p)?))
            }
            None => None,
        };
        Ok(Self {
            workdir,
            kubeconfig,
            vars: BTreeMap::new(),
            log,
            records: Vec::new(),
            interrupt,
            started: Instant::now(),
        })
    }

    pub fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    pub fn workdir(&self) -> &Path {
        self.workdir.path()
    }

    pub fn interrupted(&self) -> bool {
        self.interrupt.load(Ordering::SeqCst)
    }

    pub fn set_var(&mut self, name: &str, value: &str) {
        self.vars.insert(name.to_string(), value.to_string());
    }

    /// `{kubeconfig}`, `{workdir}` and resolved `{NAME}`s filled in.
    pub fn fill(&self, arg: &str) -> String {
        if !arg.contains('{') {
            return arg.to_string();
        }
        let mut s = arg
            .replace("{kubeconfig}", &self.kubeconfig.display().to_string())
            .replace("{workdir}", &self.workdir.path().display().to_string());
        for (k, v) in &self.vars {
            s = s.replace(&format!("{{{k}}}"), v);
        }
        s
    }

    /// Runs one invocation (placeholders filled), records it, and returns what it did.
    pub fn run(&mut self, inv: &Invocation) -> Result<Output, RunError> {
        if self.interrupted() {
            return Err(RunError::Interrupted);
        }
        let args: Vec<String> = inv.args.iter().map(|a| self.fill(a)).collect();
        self.make_parent_dirs(&args);
        let stdin = inv.stdin.as_ref().map(|s| self.fill(s));
        let out = run_process(
            inv.program.name(),
            &args,
            stdin.as_deref().map(str::as_bytes),
            &[("KUBECONFIG", self.kubeconfig.as_path())],
            inv.timeout,
            Some(&self.interrupt),
        )?;
        let mut argv = vec![inv.program.name().to_string()];
        argv.extend(args);
        self.record(Record {
            t: self.started.elapsed().as_secs_f64(),
            argv,
            stdin_bytes: stdin.map_or(0, |s| s.len()),
            status: out.status,
            timed_out: out.timed_out,
            elapsed_ms: out.elapsed.as_millis(),
            stdout: out.stdout.clone(),
            stderr: out.stderr.clone(),
        });
        if out.interrupted {
            return Err(RunError::Interrupted);
        }
        Ok(out)
    }

    /// `docker cp` into `{workdir}/x/y` needs `x` to exist.
    fn make_parent_dirs(&self, args: &[String]) {
        let base = self.workdir.path();
        for a in args {
            let p = Path::new(a);
            if p.starts_with(base)
                && p != base
                && let Some(parent) = p.parent()
            {
                let _ = std::fs::create_dir_all(parent);
            }
        }
    }

    fn record(&mut self, r: Record) {
        if let Some(log) = self.log.as_mut() {
            let _ = serde_json::to_writer(&mut *log, &r);
            let _ = log.write_all(b"\n");
            let _ = log.flush();
        }
        // Keep the in-memory record small: the file has the full output.
        self.records.push(Record {
            stdout: truncate(&r.stdout, 2000),
            stderr: truncate(&r.stderr, 2000),
            ..r
        });
        if self.records.len() > 10_000 {
            self.records.drain(..5_000);
        }
    }

    /// Sleeps `d`, waking early on Ctrl-C.
    pub fn sleep(&self, d: Duration) -> Result<(), RunError> {
        let until = Instant::now() + d;
        while Instant::now() < until {
            if self.interrupted() {
                return Err(RunError::Interrupted);
            }
            std::thread::sleep(Duration::from_millis(50).min(until.saturating_duration_since(Instant::now())));
        }
        Ok(())
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Deletes the cluster when dropped: at the end of the run, when it fails, while a panic
/// unwinds, and after Ctrl-C (the interrupted run returns normally and drops it). Not under
/// SIGKILL or `panic = "abort"`: the next run's sweep finds such clusters.
pub struct ClusterGuard {
    name: String,
    kubeconfig: PathBuf,
    keep: bool,
    armed: bool,
    /// The `kind` to call (a stand-in in tests).
    program: String,
}

impl ClusterGuard {
    pub fn new(name: &str, kubeconfig: &Path, keep: bool) -> Self {
        Self {
            name: name.to_string(),
            kubeconfig: kubeconfig.to_path_buf(),
            keep,
            armed: true,
            program: Program::Kind.name().to_string(),
        }
    }

    /// Calls this program instead of `kind` on PATH.
    pub fn with_program(mut self, program: &str) -> Self {
        self.program = program.to_string();
        self
    }

    /// Deletes now (idempotent: kind exits 0 for a cluster that does not exist).
    pub fn delete(&mut self) -> Option<Output> {
        if !self.armed {
            return None;
        }
        self.armed = false;
        if self.keep {
            eprintln!(
                "kubedrill: --keep: the kind cluster {} is left running (context kind-{}); delete it with `kind delete cluster --name {}`",
                self.name, self.name, self.name
            );
            return None;
        }
        let args: Vec<String> = ["delete", "cluster", "--name", &self.name, "--kubeconfig"]
            .iter()
            .map(|s| s.to_string())
            .chain([self.kubeconfig.display().to_string()])
            .collect();
        let out = run_process(
            &self.program,
            &args,
            None,
            &[("KUBECONFIG", self.kubeconfig.as_path())],
            Duration::from_secs(300),
            None,
        );
        match out {
            Ok(o) if o.success() => Some(o),
            Ok(o) => {
                eprintln!(
                    "kubedrill: deleting the kind cluster {} failed ({}): delete it with `kind delete cluster --name {}`",
                    self.name,
                    o.describe(),
                    self.name
                );
                Some(o)
            }
            Err(e) => {
                eprintln!("kubedrill: deleting the kind cluster {} failed: {e}", self.name);
                None
            }
        }
    }
}

impl Drop for ClusterGuard {
    fn drop(&mut self) {
        self.delete();
    }
}

/// Deletes `kubedrill-<pid>-<hex>` clusters whose run is gone; returns their names.
pub fn sweep_stale(runner: &mut Runner) -> Vec<String> {
    let list = Invocation::new(
        Program::Kind,
        vec!["get".into(), "clusters".into()],
        Duration::from_secs(60),
    );
    let Ok(out) = runner.run(&list) else {
        return Vec::new();
    };
    let own = std::process::id() as i32;
    let mut swept = Vec::new();
    for name in out.stdout.lines().map(str::trim) {
        let Some(pid) = pid_of_cluster(name) else { continue };
        if pid == own || pid_alive(pid) {
            continue;
        }
        let del = Invocation::new(
            Program::Kind,
            vec![
                "delete".into(),
                "cluster".into(),
                "--name".into(),
                name.to_string(),
                "--kubeconfig".into(),
                "{workdir}/sweep-kubeconfig".into(),
            ],
            Duration::from_secs(300),
        );
        if runner.run(&del).is_ok_and(|o| o.success()) {
            swept.push(name.to_string());
        }
    }
    swept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, timeout: Duration) -> Output {
        run_process("sh", &["-c".to_string(), script.to_string()], None, &[], timeout, None).unwrap()
    }

    #[test]
    fn exit_status_and_both_streams_are_captured() {
        let o = sh("echo out; echo err >&2; exit 3", Duration::from_secs(10));
        assert_eq!(o.status, Some(3));
        assert_eq!(o.stdout, "out\n");
        assert_eq!(o.stderr, "err\n");
        assert!(!o.timed_out);
    }

    #[test]
    fn a_timeout_kills_the_whole_group() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("grandchild");
        // The grandchild would outlive a kill of the shell alone.
        let script = format!("sleep 30 & echo $! > {}; wait", pidfile.display());
        let o = sh(&script, Duration::from_millis(500));
        assert!(o.timed_out, "{o:?}");
        assert_eq!(o.status, None);
        assert!(o.elapsed < Duration::from_secs(10), "{:?}", o.elapsed);
        let pid: i32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        assert!(!pid_alive(pid) || is_zombie(pid), "the grandchild {pid} survived");
    }

    fn is_zombie(pid: i32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| s.contains(") Z "))
    }

    #[test]
    fn background_leftovers_do_not_hang_the_capture() {
        let o = sh("sleep 30 & echo done", Duration::from_secs(20));
        assert_eq!(o.status, Some(0));
        assert_eq!(o.stdout, "done\n");
        assert!(o.elapsed < Duration::from_secs(10), "{:?}", o.elapsed);
    }

    #[test]
    fn output_beyond_the_limit_is_counted_not_kept() {
        let o = sh("head -c 5000000 /dev/zero", Duration::from_secs(30));
        assert!(o.stdout.len() < CAPTURE_LIMIT + 100);
        assert!(o.stdout.contains("more bytes not kept"));
    }

    #[test]
    fn an_interrupt_kills_the_running_command() {
        let flag = AtomicBool::new(true);
        let o = run_process("sleep", &["30".into()], None, &[], Duration::from_secs(60), Some(&flag)).unwrap();
        assert!(o.interrupted);
        assert!(o.elapsed < Duration::from_secs(5));
    }

    #[test]
    fn a_missing_program_is_named() {
        let e = run_process("kubedrill-no-such-tool", &[], None, &[], Duration::from_secs(5), None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "kubedrill-no-such-tool could not be started: not found on PATH"
        );
    }

    #[test]
    fn the_guard_deletes_the_cluster_while_a_panic_unwinds() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        let fake = dir.path().join("kind");
        std::fs::write(&fake, format!("#!/bin/sh\necho \"$@\" >> {}\n", log.display())).unwrap();
        let mut perms = std::fs::metadata(&fake).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&fake, perms).unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        let fake_path = fake.display().to_string();
        let result = std::panic::catch_unwind(|| {
            let _guard = ClusterGuard::new("kubedrill-1-abcd", &kubeconfig, false).with_program(&fake_path);
            panic!("a bug in the middle of a replay");
        });
        assert!(result.is_err());
        let logged = std::fs::read_to_string(&log).unwrap();
        assert_eq!(
            logged,
            format!(
                "delete cluster --name kubedrill-1-abcd --kubeconfig {}\n",
                kubeconfig.display()
            )
        );
        // Kept clusters are left alone.
        std::fs::remove_file(&log).unwrap();
        drop(ClusterGuard::new("kubedrill-1-abcd", &kubeconfig, true).with_program(&fake_path));
        assert!(!log.exists());
    }

    #[test]
    fn cluster_names_carry_the_pid() {
        let n = unique_cluster_name();
        assert_eq!(pid_of_cluster(&n), Some(std::process::id() as i32));
        assert!(
            n.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        );
        assert_eq!(pid_of_cluster("kubedrill-12-abcd"), Some(12));
        assert_eq!(pid_of_cluster("kubedrill-plan"), None);
        assert_eq!(pid_of_cluster("kubedrill-12-ABCD"), None);
        assert_eq!(pid_of_cluster("other-12-abcd"), None);
    }
}
