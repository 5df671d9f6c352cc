//! The few files of a node that maintenance touches (data only; the commands that move
//! them live in `tools::coreutils`).
//!
//! Not a general filesystem: absolute paths to entries that are directories, text files (the
//! static pod manifests), certificates, etcd snapshot files and etcd data dirs. A data dir is
//! one entry; `member`, `member/snap`, `member/snap/db` and `member/wal` inside it are
//! synthesised, so `cp /var/lib/etcd/member/snap/db /backup/db` works as the lab guide says.

use crate::etcd::model::Snapshot;
use crate::path::{base, normalize, normalized, parent};
use crate::time::SimTime;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A data dir `snapshot restore` wrote: the snapshot's data and the new cluster's membership.
#[derive(Clone, Debug)]
pub struct Restored {
    pub snapshot: Arc<Snapshot>,
    /// This member's name (`--name`).
    pub name: String,
    /// `--initial-cluster` as (name, peer URL).
    pub initial_cluster: Vec<(String, String)>,
    pub token: String,
    pub member_id: u64,
    pub cluster_id: u64,
}

/// What a data dir holds.
#[derive(Clone, Debug)]
pub enum DataDir {
    /// The data of the cluster member that runs (or ran) on this node, in the live model.
    Live,
    /// Made by `snapshot restore`: a new cluster's first member, not started yet.
    Restored(Arc<Restored>),
    /// A copy of a data dir taken at some moment (`cp -r`, a volume snapshot): the member's data
    /// and identity as they were.
    Copy {
        snapshot: Arc<Snapshot>,
        member_id: u64,
        cluster_id: u64,
    },
    /// Created empty (`mkdir`), or a dir etcd has not written yet.
    Empty,
}

#[derive(Clone, Debug)]
pub enum Entry {
    Dir,
    Text(String),
    /// A certificate or key (opaque).
    Pem,
    Snapshot(Arc<Snapshot>),
    /// A file cut short (`truncate -s`) to this many bytes, of the snapshot it was if it was
    /// one (`crate::etcd::snapshot_file` says what etcd's tools make of it).
    Truncated(u64, Option<Arc<Snapshot>>),
    DataDir(DataDir),
}

impl Entry {
    pub(crate) fn is_dir(&self) -> bool {
        matches!(self, Entry::Dir | Entry::DataDir(_))
    }

    /// Sizes for `ls -l` and `du`; snapshots' from the one size model.
    pub fn size(&self) -> u64 {
        match self {
            Entry::Dir | Entry::DataDir(_) => 4096,
            Entry::Text(t) => t.len() as u64,
            Entry::Pem => 1_094,
            Entry::Snapshot(s) => snapshot_size(s),
            Entry::Truncated(n, _) => *n,
        }
    }
}

/// A snapshot file's size in bytes: the bbolt file `etcdctl snapshot status` measures, plus
/// the SHA-256 `snapshot save` appends.
pub fn snapshot_size(s: &Snapshot) -> u64 {
    crate::etcd::snapshot_file::file_bytes(s)
}

/// What is at a path, including the synthesised insides of a data dir.
#[derive(Clone, Debug)]
pub enum Found<'a> {
    Entry(&'a Entry),
    /// `member`, `member/snap`, `member/wal` inside a data dir.
    DataSubdir,
    /// `member/snap/db` inside a data dir at `dir`.
    Db {
        dir: String,
    },
}

#[derive(Clone, Debug, Default)]
pub struct HostFs {
    /// Shared between copies of the simulator (a lab keeps one per step): a copy costs two
    /// reference counts, and the first write after it copies this host's map alone.
    pub(crate) entries: Arc<BTreeMap<String, Entry>>,
    /// When a path was last written, where that was after the machine was provisioned.
    pub(crate) mtimes: Arc<BTreeMap<String, SimTime>>,
    /// The time writes are stamped with (the host sets it before each command).
    pub(crate) clock: SimTime,
}

/// The size of an etcd WAL segment file (etcd preallocates 64 MB).
pub const WAL_SEGMENT_BYTES: u64 = 64_000_000;

/// A file's permission bits as kubeadm, etcd and Ubuntu leave them: private keys, kubeconfigs,
/// etcd's data and snapshots 0600, their directories 0700, `/tmp` 1777, the rest 0644/0755.
pub fn mode(path: &str, dir: bool) -> u32 {
    let name = base(path);
    if dir {
        return match path {
            "/tmp" => 0o1777,
            "/root" | "/root/.kube" => 0o700,
            _ if path.starts_with("/var/lib/etcd")
                || path.ends_with("/member")
                || path.ends_with("/snap")
                || path.ends_with("/wal") =>
            {
                0o700
            }
            _ => 0o755,
        };
    }
    let private = name.ends_with(".key")
        || name.ends_with(".db")
        || name == "db"
        || name.ends_with(".wal")
        || name.ends_with(".snap")
        || path == "/root/.kube/config"
        || (parent(path) == "/etc/kubernetes" && name.ends_with(".conf"))
        || path.starts_with("/var/lib/kubelet/pki/");
    if private { 0o600 } else { 0o644 }
}

/// GNU's human-readable sizes (`-h`): powers of 1024, rounded up, one decimal under 10.
pub fn human_size(bytes: u64) -> String {
    if bytes < 1024 {
        return bytes.to_string();
    }
    let units = ['K', 'M', 'G', 'T'];
    let mut v = bytes as f64 / 1024.0;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < units.len() {
        v /= 1024.0;
        i += 1;
    }
    if v < 10.0 {
        let r = (v * 10.0).ceil() / 10.0;
        if r >= 10.0 {
            format!("{:.0}{}", r, units[i])
        } else {
            format!("{:.1}{}", r, units[i])
        }
    } else {
        format!("{:.0}{}", v.ceil(), units[i])
    }
}

/// `ls -l`'s mode string of a path.
pub fn mode_string(path: &str, dir: bool) -> String {
    let m = mode(path, dir);
    let mut s = String::from(if dir { "d" } else { "-" });
    for shift in [6, 3, 0] {
        let bits = (m >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        let x = bits & 1 != 0;
        s.push(match (shift, m & 0o1000 != 0, x) {
            (0, true, true) => 't',
            (0, true, false) => 'T',
            (_, _, true) => 'x',
            _ => '-',
        });
    }
    s
}

/// A certificate's or key's size, stable per file name (keys are 2048-bit RSA PEM).
fn pem_size(path: &str) -> u64 {
    let name = base(path);
    let h = name
        .bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    match name {
        "sa.pub" => 451,
        n if n.ends_with(".key") => {
            if h % 2 == 0 {
                1675
            } else {
                1679
            }
        }
        n if n.ends_with(".pem") => 2_786 + h % 40,
        _ => 1_086 + h % 90,
    }
}

/// What `ls -l` and `stat` show as a path's size.
pub fn entry_size(path: &str, e: &Entry) -> u64 {
    match e {
        Entry::Pem => pem_size(path),
        other => other.size(),
    }
}

impl HostFs {
    pub fn new() -> Self {
        let mut fs = Self::default();
        for d in [
            "/",
            "/etc",
            "/etc/kubernetes",
            "/opt",
            "/root",
            "/tmp",
            "/var",
            "/var/lib",
            "/home",
            "/srv",
            "/backup",
        ] {
            fs.entries_mut().insert(d.to_string(), Entry::Dir);
        }
        fs
    }

    /// The entries to change: this host's own copy once a copy of the simulator shares them.
    pub(crate) fn entries_mut(&mut self) -> &mut BTreeMap<String, Entry> {
        Arc::make_mut(&mut self.entries)
    }

    pub(crate) fn mtimes_mut(&mut self) -> &mut BTreeMap<String, SimTime> {
        Arc::make_mut(&mut self.mtimes)
    }

    /// Puts an entry, creating missing parents (provisioning only).
    pub fn put(&mut self, path: &str, entry: Entry) {
        let path = normalize(path);
        let mut p = parent(&path).to_string();
        let mut missing = Vec::new();
        while !self.entries.contains_key(&p) {
            missing.push(p.clone());
            p = parent(&p).to_string();
        }
        for m in missing {
            if self.clock > SimTime::ZERO {
                let t = self.clock;
                self.mtimes_mut().insert(m.clone(), t);
            }
            self.entries_mut().insert(m, Entry::Dir);
        }
        if self.clock > SimTime::ZERO {
            let t = self.clock;
            self.mtimes_mut().insert(path.clone(), t);
        }
        self.entries_mut().insert(path, entry);
    }

    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.entries.get(normalized(path).as_ref())
    }

    pub fn get_mut(&mut self, path: &str) -> Option<&mut Entry> {
        self.entries_mut().get_mut(normalized(path).as_ref())
    }

    /// Looks a path up, seeing into data dirs.
    pub fn find(&self, path: &str) -> Option<Found<'_>> {
        let path = normalized(path);
        if let Some(e) = self.entries.get(path.as_ref()) {
            return Some(Found::Entry(e));
        }
        for (suffix, found) in [
            ("/member/snap/db", 0),
            ("/member/snap", 1),
            ("/member/wal", 1),
            ("/member", 1),
        ] {
            if let Some(dir) = path.strip_suffix(suffix)
                && let Some(Entry::DataDir(d)) = self.entries.get(dir)
                && !matches!(d, DataDir::Empty)
            {
                return Some(if found == 0 {
                    Found::Db { dir: dir.to_string() }
                } else {
                    Found::DataSubdir
                });
            }
        }
        None
    }

    pub fn is_dir(&self, path: &str) -> bool {
        matches!(self.find(path), Some(Found::Entry(e)) if e.is_dir())
            || matches!(self.find(path), Some(Found::DataSubdir))
    }

    /// Paths of data dirs holding the live member's data.
    pub fn live_data_dirs(&self) -> Vec<String> {
        self.entries
            .iter()
            .filter(|(_, e)| matches!(e, Entry::DataDir(DataDir::Live)))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// The entries directly inside a directory, sorted.
    pub fn children(&self, dir: &str) -> Vec<(String, &Entry)> {
        let dir = normalize(dir);
        let prefix = if dir == "/" { "/".to_string() } else { format!("{dir}/") };
        self.entries
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(k, _)| !k[prefix.len()..].contains('/') && k.len() > prefix.len())
            .map(|(k, e)| (k[prefix.len()..].to_string(), e))
            .collect()
    }

    /// When the file was last written (provisioning: virtual time 0).
    pub fn mtime(&self, path: &str) -> SimTime {
        self.mtimes.get(normalized(path).as_ref()).copied().unwrap_or_default()
    }

    pub fn set_mtime(&mut self, path: &str, t: SimTime) {
        let path = normalize(path);
        if self.entries.contains_key(&path) {
            self.mtimes_mut().insert(path, t);
        }
    }

    /// Removes a path and everything under it; returns what was removed.
    pub fn remove_tree(&mut self, path: &str) -> Vec<(String, Entry)> {
        let path = normalize(path);
        let prefix = format!("{path}/");
        self.mtimes_mut().retain(|k, _| *k != path && !k.starts_with(&prefix));
        let keys: Vec<String> = self
            .entries
            .keys()
            .filter(|k| **k == path || k.starts_with(&prefix))
            .cloned()
            .collect();
        keys.into_iter()
            .filter_map(|k| self.entries_mut().remove(&k).map(|e| (k, e)))
            .collect()
    }

    /// Copies a tree under a new root (entries are cheap to clone: big contents are shared).
    pub(crate) fn copy_tree(&mut self, from: &str, to: &str) {
        let prefix = format!("{from}/");
        let items: Vec<(String, Entry)> = self
            .entries
            .iter()
            .filter(|(k, _)| **k == from || k.starts_with(&prefix))
            .map(|(k, e)| (format!("{to}{}", &k[from.len()..]), e.clone()))
            .collect();
        for (k, e) in items {
            self.entries_mut().insert(k, e);
        }
    }
}
