//! `--backend etcd` leaves nothing behind: a run interrupted by SIGINT, SIGTERM or SIGHUP
//! removes its `$TMPDIR/kubedrill-etcd-*` directory and its etcd processes before dying of the
//! signal; what a SIGKILLed run left is swept by the next run, port files included.
//!
//! Each test gives the binary its own `TMPDIR`, so what is left can be counted exactly. Without
//! etcd installed the tests print `SKIPPED` and pass. See: issue 17.

use kubedrill::etcd_backend::EtcdBinaries;
use std::io::Write as _;
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kubedrill");
const SCENARIO: &str = "scenarios/etcd/04-three-members-lose-two.yaml";

fn etcd_or_skip(test: &str) -> bool {
    match EtcdBinaries::locate() {
        Ok(_) => true,
        Err(e) => {
            let _ = std::io::stderr()
                .lock()
                .write_all(format!("SKIPPED etcd_cleanup::{test}: {e}\n").as_bytes());
            false
        }
    }
}

fn private_tmp(test: &str) -> PathBuf {
    let d = std::env::temp_dir()
        .join("kubedrill-etcd-cleanup-tests")
        .join(format!("{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("a private TMPDIR");
    d
}

fn start_run(tmp: &Path) -> Child {
    Command::new(BIN)
        .args(["run", SCENARIO, "--backend", "etcd", "--failures-dir"])
        .arg(tmp.join("failures"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("TMPDIR", tmp)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

/// The run directories under `tmp` (the port files' directory is not one).
fn run_dirs(tmp: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(tmp)
        .expect("TMPDIR is readable")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("kubedrill-etcd-") && n != "kubedrill-etcd-ports")
        })
        .collect();
    dirs.sort();
    dirs
}

fn port_files(tmp: &Path) -> usize {
    std::fs::read_dir(tmp.join("kubedrill-etcd-ports")).map_or(0, |d| d.count())
}

/// Waits until the run has a directory with a member's log in it (members are starting).
fn wait_for_members(child: &mut Child, tmp: &Path) -> PathBuf {
    let start = Instant::now();
    loop {
        if let Some(dir) = run_dirs(tmp).into_iter().find(|d| has_log(d)) {
            return dir;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the run ended ({status}) before its cluster started");
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no cluster started within 60 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn has_log(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|d| d.flatten().any(|e| e.path().extension().is_some_and(|x| x == "log")))
}

/// etcd processes whose command line names `dir`.
fn etcd_processes_in(dir: &Path) -> Vec<u32> {
    let needle = dir.display().to_string();
    std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| String::from_utf8_lossy(&c).contains(&needle))
        })
        .collect()
}

fn wait_or_kill(child: &mut Child, what: &str) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("waiting") {
            return status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_signal_removes_the_run_directory_and_the_members() {
    if !etcd_or_skip("a_signal_removes_the_run_directory_and_the_members") {
        return;
    }
    for (name, signal) in [
        ("SIGINT", libc::SIGINT),
        ("SIGTERM", libc::SIGTERM),
        ("SIGHUP", libc::SIGHUP),
    ] {
        let tmp = private_tmp(name);
        let mut child = start_run(&tmp);
        let dir = wait_for_members(&mut child, &tmp);
        // SAFETY: kill(2) of the child this test started.
        assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
        let status = wait_or_kill(&mut child, name);
        assert_eq!(status.signal(), Some(signal), "{name}: dies of the signal ({status})");
        assert_eq!(
            run_dirs(&tmp),
            Vec::<PathBuf>::new(),
            "{name}: the run directory is gone"
        );
        assert!(!dir.exists(), "{name}: {} is gone", dir.display());
        assert_eq!(etcd_processes_in(&dir), Vec::<u32>::new(), "{name}: no member survives");
        let _ = std::fs::remove_dir_all(&tmp);
    }
}

#[test]
fn what_a_killed_run_left_is_swept_by_the_next() {
    if !etcd_or_skip("what_a_killed_run_left_is_swept_by_the_next") {
        return;
    }
    let tmp = private_tmp("sigkill");
    let mut child = start_run(&tmp);
    let dir = wait_for_members(&mut child, &tmp);
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    assert!(dir.exists(), "SIGKILL cannot be caught: the directory stays for now");
    let left_ports = port_files(&tmp);
    assert!(left_ports > 0, "the killed run reserved ports");
    // The members die with their parent (PR_SET_PDEATHSIG); give the kernel a moment.
    let start = Instant::now();
    while !etcd_processes_in(&dir).is_empty() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(etcd_processes_in(&dir), Vec::<u32>::new());
    // A second run to its end: it sweeps the first's directory and port files at its start.
    let mut second = start_run(&tmp);
    let status = wait_or_kill(&mut second, "the second run");
    let mut err = String::new();
    std::io::Read::read_to_string(&mut second.stderr.take().expect("stderr"), &mut err).expect("stderr");
    assert!(status.success(), "{status}: {err}");
    assert!(!dir.exists(), "the dead run's directory was swept");
    assert_eq!(run_dirs(&tmp), Vec::<PathBuf>::new(), "the second run removed its own");
    assert!(
        port_files(&tmp) <= left_ports,
        "port files do not pile up: {} after, {left_ports} before",
        port_files(&tmp)
    );
    let _ = std::fs::remove_dir_all(&tmp);
}
