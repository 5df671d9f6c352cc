//! Reliability of the `kubedrill` binary at its edges: closed pipes, bytes that are not UTF-8,
//! terminals the line editor cannot drive. Each test runs the real executable.
//!
//! See: issue 17.

use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod support;

use support::{BIN, lab};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn state_dir(test: &str) -> PathBuf {
    support::state_dir("reliability", test)
}

/// Waits for `child` at most `limit`; a child still running then is killed and reported as
/// hung (a deadlock must fail the test, not hang the suite).
fn wait_or_kill(child: &mut Child, limit: Duration, what: &str) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("waiting for the child") {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {limit:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `kubedrill ARGS` with standard output a pipe whose reading end is already closed, so
/// every write fails with EPIPE; returns (exit status, stderr).
fn run_into_closed_pipe(args: &[&str], stdin: &[u8], state: &Path) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(root())
        .env("KUBEDRILL_STATE_DIR", state)
        .stdin(Stdio::piped())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // The child may stop reading early: a failed write of its input is no error here.
    let _ = child.stdin.take().expect("stdin is piped").write_all(stdin);
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr is piped")
        .read_to_string(&mut err)
        .expect("stderr is readable");
    let status = wait_or_kill(&mut child, Duration::from_secs(60), &format!("kubedrill {args:?}"));
    (status.code(), err)
}

fn corpus_files() -> Vec<String> {
    let mut files = Vec::new();
    for topic in ["maintenance", "upgrade", "etcd"] {
        for e in std::fs::read_dir(root().join("scenarios").join(topic)).expect("the corpus") {
            let p = e.expect("a corpus entry").path();
            if p.extension().is_some_and(|x| x == "yaml") {
                files.push(p.strip_prefix(root()).expect("under the root").display().to_string());
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_command_treats_a_closed_stdout_as_success() {
    // Goal: `kubedrill … | head -1` never panics (exit 101) and exits 0, as ripgrep does.
    // Method: stdout is a pipe nobody reads; every command that prints is run into it.
    let state = state_dir("epipe");
    let files = corpus_files();
    let mut validate = vec!["validate"];
    validate.extend(files.iter().map(String::as_str));
    let cases: Vec<(Vec<&str>, &[u8])> = vec![
        (validate, b""),
        (vec!["run", "scenarios/maintenance/01-lab-guide-walkthrough.yaml"], b""),
        (
            vec![
                "run",
                "--format",
                "json",
                "scenarios/maintenance/01-lab-guide-walkthrough.yaml",
            ],
            b"",
        ),
        (
            vec![
                "run",
                "--backend",
                "kind",
                "--plan",
                "scenarios/maintenance/01-lab-guide-walkthrough.yaml",
            ],
            b"",
        ),
        (vec!["lab", "list"], b""),
        (vec!["lab", "start", "drain-pdb-blocked"], b"kubectl get nodes\ncheck\n"),
        (
            vec!["lab", "exam", "--count", "2", "--seed", "3"],
            b"check\nexit\nexit\n",
        ),
        (vec!["--help"], b""),
        (vec!["--version"], b""),
    ];
    for (args, input) in cases {
        let (code, err) = run_into_closed_pipe(&args, input, &state);
        assert_eq!(code, Some(0), "kubedrill {args:?}: {err}");
        assert!(!err.contains("panicked"), "kubedrill {args:?}: {err}");
        assert!(!err.contains("Broken pipe"), "kubedrill {args:?}: {err}");
    }
}

#[test]
fn a_lab_whose_stdout_closes_still_saves_its_attempt() {
    // Goal: a lab never ends without saving progress, even when nobody reads its output.
    let state = state_dir("epipe-progress");
    let (code, err) = run_into_closed_pipe(&["lab", "start", "drain-bare-pod-force"], b"check\n", &state);
    assert_eq!(code, Some(0), "{err}");
    let progress = std::fs::read_to_string(state.join("progress.json")).expect("progress is saved");
    assert!(progress.contains("\"drain-bare-pod-force\""), "{progress}");
    assert!(progress.contains("\"attempts\": 1"), "{progress}");
}

#[test]
fn bytes_that_are_not_utf8_are_read_as_bash_reads_them() {
    // Goal: one byte that is not UTF-8 no longer ends the lab (it was exit 2, no grade, nothing
    // saved); the line runs with U+FFFD in its place and the lab goes on to its grade.
    let state = state_dir("non-utf8");
    let (code, out, err) = lab(
        &state,
        &["start", "drain-bare-pod-force"],
        b"kubectl cordon node01\necho caf\xe9\ncheck\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("controlplane $ echo caf\u{fffd}\ncaf\u{fffd}\n"), "{out}");
    assert!(out.contains("controlplane $ check\n[x] node01 is cordoned"), "{out}");
    assert!(out.ends_with("score: 50% (best 50%)\n"), "{out}");
    let progress = std::fs::read_to_string(state.join("progress.json")).expect("progress is saved");
    assert!(progress.contains("\"best\": 50"), "{progress}");
}

#[test]
fn crlf_and_a_last_line_without_newline_are_lines() {
    let state = state_dir("crlf");
    let (code, out, err) = lab(&state, &["start", "drain-bare-pod-force"], b"echo one\r\necho two");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("controlplane $ echo one\none\n"), "{out}");
    assert!(out.contains("controlplane $ echo two\ntwo\n"), "{out}");
}

/// A pseudo-terminal: (controller side, device side).
fn openpty() -> (OwnedFd, OwnedFd) {
    let (mut controller, mut device) = (-1, -1);
    // SAFETY: openpty writes two new descriptors into the out-parameters; the null name,
    // termios and winsize pointers are allowed.
    let rc = unsafe {
        libc::openpty(
            &mut controller,
            &mut device,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened and are owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(controller), OwnedFd::from_raw_fd(device)) }
}

#[test]
fn a_terminal_the_line_editor_cannot_drive_does_not_deadlock() {
    // Goal: with TERM=dumb (also emacs, cons25) the line editor reads standard input itself;
    // the lab held the stdin lock meanwhile and hung at the first Enter. Method: the binary
    // runs on a real pseudo-terminal, a line and `exit` are typed, and the session must end
    // with its grade.
    for term in ["dumb", "emacs", "cons25"] {
        let state = state_dir(&format!("term-{term}"));
        let (controller, device) = openpty();
        let stdio = |fd: &OwnedFd| Stdio::from(fd.try_clone().expect("dup the terminal"));
        let mut child = Command::new(BIN)
            .args(["lab", "start", "drain-bare-pod-force"])
            .env("KUBEDRILL_STATE_DIR", &state)
            .env("TERM", term)
            .stdin(stdio(&device))
            .stdout(stdio(&device))
            .stderr(stdio(&device))
            .spawn()
            .expect("the binary starts");
        drop(device);
        let mut typing = std::fs::File::from(controller.try_clone().expect("dup the controller"));
        let reader = std::thread::spawn(move || {
            let mut screen = Vec::new();
            // Reading ends with EIO once the child closed the terminal.
            let _ = std::fs::File::from(controller).read_to_end(&mut screen);
            String::from_utf8_lossy(&screen).into_owned()
        });
        typing
            .write_all(b"echo caf\xe9\nkubectl cordon node01\nexit\n")
            .expect("typing into the terminal");
        let status = wait_or_kill(&mut child, Duration::from_secs(60), &format!("TERM={term}"));
        drop(typing);
        let screen = reader.join().expect("the reader thread");
        assert!(status.success(), "TERM={term}: {status}\n{screen}");
        assert!(
            screen.contains("controlplane $ "),
            "TERM={term}: the prompt shows:\n{screen}"
        );
        assert!(screen.contains("node/node01 cordoned"), "TERM={term}:\n{screen}");
        assert!(screen.contains("score: 50%"), "TERM={term}:\n{screen}");
        assert!(
            screen.contains("caf\u{fffd}"),
            "TERM={term}: a byte that is not UTF-8 is kept:\n{screen}"
        );
    }
}

/// A fresh session of a lab, and a line's (status, output) in it.
fn session() -> kubedrill_labs::Session {
    let labs = kubedrill_labs::catalogue().expect("the labs");
    let lab = labs.iter().find(|l| l.id == "drain-bare-pod-force").expect("the lab");
    kubedrill_labs::Session::start(lab, lab.default_seed()).expect("the lab starts")
}

fn line(s: &mut kubedrill_labs::Session, text: &str) -> (i32, String) {
    match s.input(text) {
        kubedrill_labs::Reply::Output { text, status } => (status, text),
        other => panic!("{other:?}"),
    }
}

#[test]
fn rm_refuses_to_remove_the_root_recursively_as_gnu_rm_does() {
    // Goal: `rm -rf /` returned 0 and emptied `ls /`; GNU rm's failsafe refuses it (exit 1).
    let mut s = session();
    let (_, before) = line(&mut s, "ls /");
    let (status, out) = line(&mut s, "rm -rf /");
    assert_eq!(status, 1);
    assert_eq!(
        out,
        "rm: it is dangerous to operate recursively on '/'\nrm: use --no-preserve-root to override this failsafe\n"
    );
    let (status, out) = line(&mut s, "rm -r -f //");
    assert_eq!(status, 1);
    assert!(
        out.starts_with("rm: it is dangerous to operate recursively on '//' (same as '/')\n"),
        "{out}"
    );
    let (status, out) = line(&mut s, "rm -rf /etc/..");
    assert_eq!(status, 1);
    assert_eq!(
        out,
        "rm: refusing to remove '.' or '..' directory: skipping '/etc/..'\n"
    );
    let (status, out) = line(&mut s, "rm --recursive --force /");
    assert_eq!(status, 1, "{out}");
    assert_eq!(line(&mut s, "ls /").1, before, "nothing was removed");
    let (status, out) = line(&mut s, "rm -rf --bogus /tmp");
    assert_eq!(
        (status, out.as_str()),
        (
            1,
            "rm: unrecognized option '--bogus'\nTry 'rm --help' for more information.\n"
        )
    );
}

#[test]
fn sleep_parses_its_operands_as_gnu_sleep_does() {
    // Goal: `sleep -1d` returned 0 at once. GNU sleep (coreutils 9) reads `-1d` as options
    // (invalid option '1'), refuses negative intervals after `--`, and sleeps for the sum of
    // its operands.
    let mut s = session();
    let (status, out) = line(&mut s, "sleep -1d");
    assert_eq!(status, 1);
    assert_eq!(
        out,
        "sleep: invalid option -- '1'\nTry 'sleep --help' for more information.\n"
    );
    let (status, out) = line(&mut s, "sleep -- -1d");
    assert_eq!(status, 1);
    assert_eq!(
        out,
        "sleep: invalid time interval '-1d'\nTry 'sleep --help' for more information.\n"
    );
    for bad in ["nan", "1x", "", "+1", "1.5.", "s"] {
        let (status, _) = line(&mut s, &format!("sleep '{bad}'"));
        assert_eq!(status, 1, "sleep {bad:?}");
    }
    let before = s.sim().now();
    assert_eq!(line(&mut s, "sleep 1m 30 0.5s").0, 0);
    assert_eq!(s.sim().now().ms() - before.ms(), 90_500, "the operands add up");
    let before = s.sim().now();
    assert_eq!(line(&mut s, "sleep inf").0, 0, "inf sleeps until the step's limit");
    assert!(s.sim().now().ms() > before.ms());
}
