//! The few files of a node that maintenance touches (data only; the commands that move
//! them live in `tools::coreutils`).
//!
//! Not a general filesystem: absolute paths to entries that are directories, text files (the
//! static pod manifests), certificates, etcd snapshot files and etcd data dirs. A data dir is
//! one entry; `member`, `member/snap`, `member/snap/db` and `member/wal` inside it are
//! synthesised, so `cp /var/lib/etcd/member/snap/db /backup/db` works as the lab guide says.

use crate::etcd::model::Snapshot;
use crate::path::{normalize, parent};
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
    /// A file cut short (`truncate -s`), of this many bytes: no longer a usable snapshot.
    Truncated(u64),
    DataDir(DataDir),
}

impl Entry {
    pub(crate) fn is_dir(&self) -> bool {
        matches!(self, Entry::Dir | Entry::DataDir(_))
    }

    /// Plausible sizes for `ls -l`.
    pub(crate) fn size(&self) -> u64 {
        match self {
            Entry::Dir | Entry::DataDir(_) => 4096,
            Entry::Text(t) => t.len() as u64,
            Entry::Pem => 1_094,
            Entry::Snapshot(s) => snapshot_size(s),
            Entry::Truncated(n) => *n,
        }
    }
}

/// A snapshot file's size in bytes: bbolt pages for the keys, plus the appended SHA-256.
pub fn snapshot_size(s: &Snapshot) -> u64 {
    let entries = (s.keys.len() + s.extra_keys) as u64 + s.revision.max(0) as u64 / 2;
    let pages = 20 + entries * 2 / 5;
    pages * 4096 + if s.has_hash { 32 } else { 0 }
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
    pub(crate) entries: BTreeMap<String, Entry>,
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
            fs.entries.insert(d.to_string(), Entry::Dir);
        }
        fs
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
            self.entries.insert(m, Entry::Dir);
        }
        self.entries.insert(path, entry);
    }

    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.entries.get(&normalize(path))
    }

    pub fn get_mut(&mut self, path: &str) -> Option<&mut Entry> {
        self.entries.get_mut(&normalize(path))
    }

    /// Looks a path up, seeing into data dirs.
    pub fn find(&self, path: &str) -> Option<Found<'_>> {
        let path = normalize(path);
        if let Some(e) = self.entries.get(&path) {
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

    /// Removes a path and everything under it; returns what was removed.
    pub fn remove_tree(&mut self, path: &str) -> Vec<(String, Entry)> {
        let path = normalize(path);
        let prefix = format!("{path}/");
        let keys: Vec<String> = self
            .entries
            .keys()
            .filter(|k| **k == path || k.starts_with(&prefix))
            .cloned()
            .collect();
        keys.into_iter()
            .filter_map(|k| self.entries.remove(&k).map(|e| (k, e)))
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
            self.entries.insert(k, e);
        }
    }
}
