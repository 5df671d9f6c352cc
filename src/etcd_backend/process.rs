//! etcd processes: finding the binaries, picking ports, and children that cannot outlive us.

use super::BackendError;
use kubedrill_sim::etcd::version::EtcdVersion;
use std::collections::HashSet;
use std::fs::File;
use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;

/// The Debian packages' paths, for when `PATH` is minimal (CI shells, `sudo`).
const FALLBACK_DIRS: &[&str] = &["/usr/bin", "/usr/local/bin"];

/// The `etcd` and `etcdctl` the backend runs, and the version `etcd --version` reports.
#[derive(Clone, Debug)]
pub struct EtcdBinaries {
    pub etcd: PathBuf,
    pub etcdctl: PathBuf,
    pub version: EtcdVersion,
}

impl EtcdBinaries {
    /// Looks in `$KUBEDRILL_ETCD_BIN_DIR` if set, else on `PATH`, then in `/usr/bin` and
    /// `/usr/local/bin`. The error says what is missing
    /// and how to install it, so a skipped test can print it as is.
    pub fn locate() -> Result<Self, BackendError> {
        let etcd = find_binary("etcd")?;
        let etcdctl = find_binary("etcdctl")?;
        let out = Command::new(&etcd)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| BackendError::NotInstalled(format!("{} --version failed: {e}", etcd.display())))?;
        let text = String::from_utf8_lossy(&out.stdout);
        let version = text
            .lines()
            .find_map(|l| l.strip_prefix("etcd Version: "))
            .ok_or_else(|| {
                BackendError::NotInstalled(format!(
                    "{} --version printed no \"etcd Version:\" line: {text:?}",
                    etcd.display()
                ))
            })
            .and_then(|v| EtcdVersion::parse(v.trim()).map_err(|e| BackendError::NotInstalled(e.to_string())))?;
        Ok(Self { etcd, etcdctl, version })
    }
}

/// Overrides where `etcd` and `etcdctl` are looked for (another etcd release unpacked
/// somewhere, or a directory without them to see the tests skip).
pub const BIN_DIR_ENV: &str = "KUBEDRILL_ETCD_BIN_DIR";

fn find_binary(name: &str) -> Result<PathBuf, BackendError> {
    if let Some(dir) = std::env::var_os(BIN_DIR_ENV) {
        let candidate = PathBuf::from(&dir).join(name);
        return if is_executable(&candidate) {
            Ok(candidate)
        } else {
            Err(BackendError::NotInstalled(format!(
                "`{name}` is not in {BIN_DIR_ENV}={}",
                candidate.parent().unwrap_or(Path::new("")).display()
            )))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::env::split_paths(&path).chain(FALLBACK_DIRS.iter().map(PathBuf::from));
    for dir in dirs {
        let candidate = dir.join(name);
        if is_executable(&candidate) {
            return Ok(candidate);
        }
    }
    Err(BackendError::NotInstalled(format!(
        "`{name}` is not on PATH nor in {} (Debian: apt-get install -y etcd-server etcd-client)",
        FALLBACK_DIRS.join(", ")
    )))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Ports below the kernel's ephemeral range (32768–60999 by default), so that no outgoing
/// connection — etcd's own peer dials included — can be handed a port we are about to give a
/// member between our check and etcd's bind.
const PORT_RANGE: std::ops::Range<u16> = 20000..32000;

/// Ports this process has handed out, with the lock file that reserves each of them against
/// other processes, and where the search goes on.
struct Reserved {
    cursor: u16,
    ports: HashSet<u16>,
    locks: Vec<File>,
}

static RESERVED: Mutex<Option<Reserved>> = Mutex::new(None);

/// A port on 127.0.0.1 that is free now and reserved for this process until it exits.
///
/// A bind check alone is not enough: a member that is down (crashed, or between a kill and a
/// restore) leaves its ports unbound, and another process running clusters (a second test
/// binary, `kubedrill run --backend etcd`) would take them. So each port handed out is also
/// held by an exclusive `flock` on `$TMPDIR/kubedrill-etcd-ports/PORT`, which the kernel drops
/// when the process ends, however it ends.
pub(crate) fn free_port() -> Result<u16, BackendError> {
    let mut guard = RESERVED.lock().unwrap_or_else(|p| p.into_inner());
    let span = PORT_RANGE.end - PORT_RANGE.start;
    let r = guard.get_or_insert_with(|| Reserved {
        // Scattered by a multiplicative hash: processes started one after another have
        // neighbouring pids, and two runs with different port directories (two tests with
        // their own TMPDIR) starting at neighbouring ports would reach for the same ones.
        cursor: ((u64::from(std::process::id()) * 2_654_435_761) % u64::from(span)) as u16,
        ports: HashSet::new(),
        locks: Vec::new(),
    });
    let dir = std::env::temp_dir().join(super::cleanup::PORTS_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| BackendError::Io(format!("creating {}: {e}", dir.display())))?;
    for _ in 0..span {
        let port = PORT_RANGE.start + r.cursor;
        r.cursor = (r.cursor + 1) % span;
        if r.ports.contains(&port) {
            continue;
        }
        let path = dir.join(port.to_string());
        let Some(lock) = super::cleanup::lock_file(&path) else {
            continue;
        };
        // A sweeper may have removed the file between our open and our lock.
        if !super::cleanup::still_linked(&lock, &path) {
            continue;
        }
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            r.ports.insert(port);
            r.locks.push(lock);
            return Ok(port);
        }
    }
    Err(BackendError::Io(format!(
        "no free port on 127.0.0.1 in {}..{}",
        PORT_RANGE.start, PORT_RANGE.end
    )))
}

/// One running child. Dropping it kills (SIGKILL) and reaps it, so a failing or panicking test
/// leaves nothing behind; the child also gets SIGKILL from the kernel if the thread that
/// started it dies first (`PR_SET_PDEATHSIG`), which covers an aborted test process.
#[derive(Debug)]
pub(crate) struct ChildGuard {
    child: Child,
    exited: Option<ExitStatus>,
}

impl ChildGuard {
    /// Starts `program args…` with stdin closed and stdout/stderr appended to `log`.
    pub(crate) fn spawn(program: &Path, args: &[String], log: &Path) -> Result<Self, BackendError> {
        let out = File::options()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| BackendError::Io(format!("opening {}: {e}", log.display())))?;
        let err = out
            .try_clone()
            .map_err(|e| BackendError::Io(format!("opening {}: {e}", log.display())))?;
        let mut cmd = Command::new(program);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err));
        let parent = std::process::id() as libc::pid_t;
        // SAFETY: only async-signal-safe calls (prctl, getppid, _exit) run between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // The parent may have died before prctl took effect.
                if libc::getppid() != parent {
                    libc::_exit(1);
                }
                Ok(())
            });
        }
        let child = cmd
            .spawn()
            .map_err(|e| BackendError::Io(format!("starting {}: {e}", program.display())))?;
        super::cleanup::track_child(child.id());
        Ok(Self { child, exited: None })
    }

    /// Whether the process still runs; reaps it if it has exited.
    pub(crate) fn is_alive(&mut self) -> bool {
        if self.exited.is_some() {
            return false;
        }
        match self.child.try_wait() {
            Ok(Some(status)) => {
                self.exited = Some(status);
                super::cleanup::forget_child(self.child.id());
                false
            }
            Ok(None) => true,
            Err(_) => false,
        }
    }

    pub(crate) fn id(&self) -> u32 {
        self.child.id()
    }

    pub(crate) fn exit_status(&self) -> Option<ExitStatus> {
        self.exited
    }

    /// SIGKILL, then wait: the process is gone (and its ports and files released) on return.
    pub(crate) fn kill(&mut self) {
        if self.exited.is_none() {
            let _ = self.child.kill();
            if let Ok(status) = self.child.wait() {
                self.exited = Some(status);
            }
            super::cleanup::forget_child(self.child.id());
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The last `n` lines of a log file, for error messages.
pub(crate) fn log_tail(log: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
