//! Finding and running the real kubectl binaries installed on the machine: Debian's
//! `kubernetes-client` (kubectl 1.20, installed as `kubectl.1.20` beside the Google Cloud CLI's
//! dispatcher) and the dispatcher's bundled `kubectl.1.NN`. Lines run through `bash -c` so
//! pipes work, with `kubectl` on PATH being the chosen binary and KUBECONFIG set.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The kubectl minors the differential test and the docs know about.
pub const KNOWN_MINORS: &[u32] = &[20, 27, 28, 29, 30, 31, 32, 33];

/// Directories to look for `kubectl.1.NN` in: PATH, and the directory the `kubectl` on PATH
/// really lives in (the dispatcher keeps its bundled clients there).
fn search_dirs() -> Vec<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    for d in dirs.clone() {
        if let Ok(real) = std::fs::canonicalize(d.join("kubectl"))
            && let Some(parent) = real.parent()
        {
            dirs.push(parent.to_path_buf());
        }
    }
    dirs
}

/// The binary of kubectl 1.`minor`, if installed.
pub fn find(minor: u32) -> Option<PathBuf> {
    let name = format!("kubectl.1.{minor}");
    search_dirs().into_iter().map(|d| d.join(&name)).find(|p| p.is_file())
}

/// What one line printed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub status: i32,
}

/// Runs lines with one kubectl binary against one kubeconfig. Its temporary directory holds a
/// `kubectl` link to the binary and the discovery cache.
pub struct Runner {
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

impl Runner {
    /// `binary`: the kubectl to run as `kubectl` (None: whatever `kubectl` is on PATH).
    pub fn new(binary: Option<&Path>, kubeconfig: &Path) -> std::io::Result<Self> {
        let dir = tempfile::tempdir()?;
        std::fs::create_dir(dir.path().join("bin"))?;
        std::fs::create_dir(dir.path().join("cache"))?;
        if let Some(b) = binary {
            std::os::unix::fs::symlink(b, dir.path().join("bin").join("kubectl"))?;
        }
        Ok(Self {
            dir,
            kubeconfig: kubeconfig.to_path_buf(),
        })
    }

    pub fn command(&self, line: &str) -> Command {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![self.dir.path().join("bin")];
        dirs.extend(std::env::split_paths(&path));
        let mut c = Command::new("bash");
        c.arg("-c")
            .arg(line)
            .env("PATH", std::env::join_paths(dirs).unwrap_or_default())
            .env("KUBECONFIG", &self.kubeconfig)
            .env("KUBECACHEDIR", self.dir.path().join("cache"))
            .env("HOME", self.dir.path())
            .stdin(Stdio::null());
        c
    }

    /// Runs a line and captures what it printed; after `limit` it is killed (status 130, as
    /// an interrupted command).
    pub fn run(&self, line: &str, limit: std::time::Duration) -> std::io::Result<Output> {
        use std::io::Read as _;
        let mut child = self
            .command(line)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()?;
        let mut stdout = child.stdout.take().map(|mut s| {
            std::thread::spawn(move || {
                let mut b = Vec::new();
                let _ = s.read_to_end(&mut b);
                b
            })
        });
        let mut stderr = child.stderr.take().map(|mut s| {
            std::thread::spawn(move || {
                let mut b = Vec::new();
                let _ = s.read_to_end(&mut b);
                b
            })
        });
        let start = std::time::Instant::now();
        let status = loop {
            if let Some(st) = child.try_wait()? {
                break st.code().unwrap_or(-1);
            }
            if start.elapsed() >= limit {
                // The whole group: bash and the kubectl it started.
                // SAFETY: kill(2) on a process group we created; no memory is touched.
                unsafe {
                    libc::kill(-(child.id() as i32), libc::SIGKILL);
                }
                let _ = child.wait();
                break 130;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let text = |h: Option<std::thread::JoinHandle<Vec<u8>>>| {
            String::from_utf8_lossy(&h.and_then(|h| h.join().ok()).unwrap_or_default()).into_owned()
        };
        Ok(Output {
            stdout: text(stdout.take()),
            stderr: text(stderr.take()),
            status,
        })
    }
}

/// Whether a prompt line is a kubectl command (after `sudo` and `VAR=value` words).
pub fn is_kubectl_line(line: &str) -> bool {
    line.split_whitespace()
        .find(|w| *w != "sudo" && !w.contains('='))
        .is_some_and(|w| w == "kubectl")
}

extern "C" fn ignore_interrupt(_: libc::c_int) {}

impl Runner {
    /// Runs a line on the terminal (its output goes straight to ours). Ctrl-C stops the line,
    /// not kubedrill: while it runs, SIGINT is caught by a no-op handler here (a caught signal,
    /// unlike an ignored one, is reset to the default in the child).
    pub fn run_on_terminal(&self, line: &str) -> std::io::Result<i32> {
        // SAFETY: installs an async-signal-safe no-op handler and restores the previous one.
        let previous = unsafe { libc::signal(libc::SIGINT, ignore_interrupt as *const () as libc::sighandler_t) };
        let status = self.command(line).stdin(Stdio::inherit()).status();
        // SAFETY: as above.
        unsafe {
            libc::signal(libc::SIGINT, previous);
        }
        Ok(status?.code().unwrap_or(130))
    }
}
