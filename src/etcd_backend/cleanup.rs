//! Leaving nothing behind: the temporary directories of real clusters (hundreds of MB of etcd
//! data each) and the port reservation files.
//!
//! * A run directory is removed when its [`RunDir`] drops (the cluster ends, a test fails).
//! * SIGINT, SIGTERM and SIGHUP are caught while a cluster exists: the etcd children are
//!   killed, every live run directory removed, then the signal's default action ends the
//!   process (so its exit status still says which signal it was).
//! * SIGKILL cannot be caught, so each process holds a lock on `owner.lock` inside its run
//!   directories; the first cluster a process starts sweeps the directories whose lock nobody
//!   holds any more (their owner is dead), and the port files nobody holds.

use super::BackendError;
use std::collections::BTreeSet;
use std::fs::File;
use std::os::fd::AsRawFd as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};
use std::time::{Duration, SystemTime};

/// Prefix of run directories in the temporary directory.
pub const RUN_DIR_PREFIX: &str = "kubedrill-etcd-";

/// Directory of port reservation files (`free_port`).
pub const PORTS_DIR: &str = "kubedrill-etcd-ports";

const OWNER_LOCK: &str = "owner.lock";

/// A run directory without `owner.lock` (left by a version before the lock, or caught between
/// its creation and its lock) is swept only when older than this.
const UNLOCKED_GRACE: Duration = Duration::from_secs(3600);

/// What a signal must clean up: live run directories and etcd processes of this process.
#[derive(Default)]
struct Live {
    dirs: BTreeSet<PathBuf>,
    pids: BTreeSet<u32>,
}

static LIVE: Mutex<Live> = Mutex::new(Live {
    dirs: BTreeSet::new(),
    pids: BTreeSet::new(),
});

fn live() -> std::sync::MutexGuard<'static, Live> {
    LIVE.lock().unwrap_or_else(|p| p.into_inner())
}

/// A cluster's temporary directory, locked by this process and registered for signal cleanup.
#[derive(Debug)]
pub(crate) struct RunDir {
    dir: tempfile::TempDir,
    _owner: File,
}

impl RunDir {
    /// A new `$TMPDIR/kubedrill-etcd-XXXXXX`. The first one of a process also sweeps what dead
    /// processes left and installs the signal handlers.
    pub(crate) fn create() -> Result<Self, BackendError> {
        static FIRST: Once = Once::new();
        FIRST.call_once(|| {
            sweep(&std::env::temp_dir());
            install_signal_handlers();
        });
        let dir = tempfile::Builder::new()
            .prefix(RUN_DIR_PREFIX)
            .tempdir()
            .map_err(|e| BackendError::Io(format!("creating a temporary directory: {e}")))?;
        let owner = lock_file(&dir.path().join(OWNER_LOCK))
            .ok_or_else(|| BackendError::Io(format!("locking {}", dir.path().display())))?;
        live().dirs.insert(dir.path().to_path_buf());
        Ok(Self { dir, _owner: owner })
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        live().dirs.remove(self.dir.path());
        // TempDir's own drop removes the directory.
    }
}

/// Records an etcd child for the signal handler; [`forget_child`] when it is reaped.
pub(crate) fn track_child(pid: u32) {
    live().pids.insert(pid);
}

pub(crate) fn forget_child(pid: u32) {
    live().pids.remove(&pid);
}

/// Opens (creating) `path` and takes an exclusive lock on it without waiting; `None` if
/// another process holds it.
pub(crate) fn lock_file(path: &Path) -> Option<File> {
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .ok()?;
    // SAFETY: flock on a descriptor owned by `file`.
    let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0;
    locked.then_some(file)
}

/// Whether `lock` (locked) is still the file at `path`: a sweeper may have removed the path
/// between our open and our lock, and a lock on a removed file reserves nothing.
pub(crate) fn still_linked(lock: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match (lock.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Removes, under `tmp`, the run directories and port files of processes that are gone.
/// Returns how many of each were removed.
pub fn sweep(tmp: &Path) -> (usize, usize) {
    let mut dirs = 0;
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return (0, 0);
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let path = entry.path();
        if !name.starts_with(RUN_DIR_PREFIX) || name == PORTS_DIR || !path.is_dir() {
            continue;
        }
        if live().dirs.contains(&path) {
            continue;
        }
        let lock = path.join(OWNER_LOCK);
        // Holding the dead owner's lock while removing keeps a second sweeper out.
        let held = if lock.exists() {
            lock_file(&lock)
        } else if older_than(&path, UNLOCKED_GRACE) {
            File::open(&path).ok()
        } else {
            None
        };
        if held.is_some() && std::fs::remove_dir_all(&path).is_ok() {
            dirs += 1;
        }
    }
    (dirs, sweep_ports(&tmp.join(PORTS_DIR)))
}

/// Removes the port files no process holds.
fn sweep_ports(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        // Unlinked while locked: a process that opened it before and locks it after sees, by
        // `still_linked`, that it reserves nothing.
        if let Some(_held) = lock_file(&path)
            && std::fs::remove_file(&path).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

fn older_than(path: &Path, age: Duration) -> bool {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|d| d > age)
}

/// A thread that waits for SIGINT, SIGTERM or SIGHUP, cleans up, and ends the process as the
/// signal would have.
fn install_signal_handlers() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    let spawned = std::thread::Builder::new()
        .name("kubedrill-etcd-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                clean_up_now();
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                // Signals whose default is to be ignored do not end the process: do it.
                std::process::exit(128 + signal);
            }
        });
    drop(spawned);
}

/// Kills the tracked etcd processes and removes the live run directories.
fn clean_up_now() {
    let (dirs, pids) = {
        let l = live();
        (l.dirs.clone(), l.pids.clone())
    };
    for pid in &pids {
        // SAFETY: plain kill(2) of a child this process started and has not reaped.
        unsafe {
            libc::kill(*pid as libc::pid_t, libc::SIGKILL);
        }
    }
    for pid in &pids {
        let mut status = 0;
        // SAFETY: waitpid on our own child; reaping it is what the ChildGuard would do.
        unsafe {
            libc::waitpid(*pid as libc::pid_t, &mut status, 0);
        }
    }
    for dir in &dirs {
        // A member killed mid-write may leave a file behind for a moment: retry briefly.
        for _ in 0..20 {
            if std::fs::remove_dir_all(dir).is_ok() || !dir.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}
