//! The few files of a node that maintenance touches, and the commands that move them.
//!
//! Not a general filesystem: absolute paths to entries that are directories, text files (the
//! static pod manifests), certificates, etcd snapshot files and etcd data dirs. A data dir is
//! one entry; `member`, `member/snap`, `member/snap/db` and `member/wal` inside it are
//! synthesised, so `cp /var/lib/etcd/member/snap/db /backup/db` works as the lab guide says.
//!
//! `ls`, `cp`, `mv`, `mkdir` and `rm` answer as GNU coreutils do for these cases, with its
//! error messages; the caller (the host) decides what a change means (a manifest moved out of
//! `/etc/kubernetes/manifests` stops its static pod).

use crate::etcd::model::Snapshot;
use crate::shell::CommandOutput;
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
    fn is_dir(&self) -> bool {
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

/// A snapshot file's size in bytes: its database plus the appended SHA-256.
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
    entries: BTreeMap<String, Entry>,
}

/// Normalises `a/./b/../c` and trailing slashes; relative paths are the caller's job.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(i) => &path[..i],
        None => "/",
    }
}

fn base(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
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
    fn copy_tree(&mut self, from: &str, to: &str) {
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

/// The effect of a command on files, for the host to act on.
#[derive(Clone, Debug, Default)]
pub struct FsChange {
    /// Paths that appeared, changed or disappeared.
    pub touched: Vec<String>,
}

fn err(out: &mut CommandOutput, msg: String) {
    crate::kubectl::stderr(out, msg);
    out.status = 1;
}

/// What a data-dir copy becomes: a host hook turns the live member's data into a frozen copy.
pub type Freeze<'a> = &'a dyn Fn(&DataDir) -> DataDir;

/// `ls [-l] [-a] [-h] [PATH...]`.
/// The size of a data dir's `member/snap/db`, by the data dir's path (the live member's is the
/// engine's to know).
pub type DbBytes<'a> = &'a dyn Fn(&str) -> u64;

/// A WAL segment as etcd preallocates it (`wal.SegmentSizeBytes`).
pub const WAL_SEGMENT_BYTES: u64 = 64_000_000;

pub fn ls(fs: &HostFs, cwd: &str, args: &[String], db_bytes: DbBytes<'_>) -> CommandOutput {
    let mut out = CommandOutput::default();
    let mut long = false;
    let mut all = false;
    let mut paths = Vec::new();
    for a in args {
        if let Some(flags) = a.strip_prefix('-').filter(|f| !f.is_empty()) {
            for c in flags.chars() {
                match c {
                    'l' => long = true,
                    'a' | 'A' => all = true,
                    'h' | '1' | 'd' | 't' | 'r' | 'R' | 'F' => {}
                    other => {
                        crate::kubectl::stderr(&mut out, format!("ls: invalid option -- '{other}'"));
                        crate::kubectl::stderr(&mut out, "Try 'ls --help' for more information.");
                        out.status = 2;
                        return out;
                    }
                }
            }
        } else {
            paths.push(resolve(cwd, a));
        }
    }
    if paths.is_empty() {
        paths.push(cwd.to_string());
    }
    let several = paths.len() > 1;
    for (n, p) in paths.iter().enumerate() {
        let listing: Vec<(String, u64, bool)> = match fs.find(p) {
            None => {
                crate::kubectl::stderr(
                    &mut out,
                    format!("ls: cannot access '{}': No such file or directory", display(cwd, p)),
                );
                out.status = 2;
                continue;
            }
            Some(Found::Entry(e)) if !e.is_dir() => vec![(display(cwd, p), e.size(), false)],
            Some(Found::Db { dir }) => vec![(display(cwd, p), db_bytes(&dir), false)],
            Some(Found::Entry(Entry::DataDir(d))) => match d {
                DataDir::Empty => Vec::new(),
                _ => vec![("member".to_string(), 4096, true)],
            },
            Some(Found::DataSubdir) => {
                if p.ends_with("/member") {
                    vec![("snap".into(), 4096, true), ("wal".into(), 4096, true)]
                } else if let Some(dir) = p.strip_suffix("/member/snap") {
                    vec![("db".into(), db_bytes(dir), false)]
                } else {
                    vec![("0000000000000000-0000000000000000.wal".into(), WAL_SEGMENT_BYTES, false)]
                }
            }
            Some(Found::Entry(_)) => fs
                .children(p)
                .into_iter()
                .map(|(name, e)| (name, e.size(), e.is_dir()))
                .collect(),
        };
        if several {
            if n > 0 {
                crate::kubectl::stdout(&mut out, "");
            }
            crate::kubectl::stdout(&mut out, format!("{}:", display(cwd, p)));
        }
        let mut names: Vec<(String, u64, bool)> = listing;
        if all {
            names.insert(0, ("..".into(), 4096, true));
            names.insert(0, (".".into(), 4096, true));
        }
        // A file operand gets no `total` line; a directory's counts allocated 4 KiB blocks in
        // KiB, as GNU ls and du do.
        let file_operand =
            matches!(fs.find(p), Some(Found::Db { .. })) || matches!(fs.find(p), Some(Found::Entry(e)) if !e.is_dir());
        if long {
            if !file_operand {
                let blocks: u64 = names.iter().map(|(_, s, _)| s.div_ceil(4096) * 4).sum();
                crate::kubectl::stdout(&mut out, format!("total {blocks}"));
            }
            for (name, size, dir) in names {
                let mode = if dir { "drwxr-xr-x 2" } else { "-rw-r--r-- 1" };
                crate::kubectl::stdout(&mut out, format!("{mode} root root {size:>8} Jan  1 00:00 {name}"));
            }
        } else if !names.is_empty() {
            crate::kubectl::stdout(
                &mut out,
                names.into_iter().map(|(n, _, _)| n).collect::<Vec<_>>().join("  "),
            );
        }
    }
    out
}

fn resolve(cwd: &str, p: &str) -> String {
    if p.starts_with('/') {
        normalize(p)
    } else {
        normalize(&format!("{cwd}/{p}"))
    }
}

fn display(cwd: &str, p: &str) -> String {
    let _ = cwd;
    p.to_string()
}

/// `mkdir [-p] DIR...`.
pub fn mkdir(fs: &mut HostFs, cwd: &str, args: &[String], change: &mut FsChange) -> CommandOutput {
    let mut out = CommandOutput::default();
    let parents = args.iter().any(|a| a == "-p" || a == "--parents");
    let dirs: Vec<String> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .map(|a| resolve(cwd, a))
        .collect();
    if dirs.is_empty() {
        crate::kubectl::stderr(&mut out, "mkdir: missing operand");
        crate::kubectl::stderr(&mut out, "Try 'mkdir --help' for more information.");
        out.status = 1;
        return out;
    }
    for d in dirs {
        match fs.find(&d) {
            Some(_) if parents => continue,
            Some(_) => {
                err(&mut out, format!("mkdir: cannot create directory '{d}': File exists"));
                continue;
            }
            None => {}
        }
        if !parents && !fs.is_dir(parent(&d)) {
            err(
                &mut out,
                format!("mkdir: cannot create directory '{d}': No such file or directory"),
            );
            continue;
        }
        fs.put(&d, Entry::Dir);
        change.touched.push(d);
    }
    out
}

/// `truncate -s SIZE FILE`: what an interrupted copy leaves; a snapshot cut short is unusable.
pub fn truncate(fs: &mut HostFs, cwd: &str, args: &[String]) -> CommandOutput {
    let mut out = CommandOutput::default();
    let mut size = None;
    let mut files = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-s" | "--size" => {
                size = args.get(i + 1).cloned();
                i += 1;
            }
            a if a.starts_with("--size=") => size = a.strip_prefix("--size=").map(str::to_string),
            a if a.starts_with("-s") && a.len() > 2 => size = Some(a[2..].to_string()),
            a => files.push(resolve(cwd, a)),
        }
        i += 1;
    }
    let Some(size) = size else {
        crate::kubectl::stderr(&mut out, "truncate: you must specify either '--size' or '--reference'");
        crate::kubectl::stderr(&mut out, "Try 'truncate --help' for more information.");
        out.status = 1;
        return out;
    };
    let Some(bytes) = parse_size(&size) else {
        err(&mut out, format!("truncate: Invalid number: '{size}'"));
        return out;
    };
    for f in files {
        match fs.get(&f) {
            Some(e) if e.is_dir() => err(
                &mut out,
                format!("truncate: cannot open '{f}' for writing: Is a directory"),
            ),
            Some(Entry::Text(t)) => {
                let cut: String = t.chars().take(bytes as usize).collect();
                fs.put(&f, Entry::Text(cut));
            }
            Some(e) if bytes >= e.size() => {}
            Some(Entry::Snapshot(s)) => {
                let of = Some(s.clone());
                fs.put(&f, Entry::Truncated(bytes, of));
            }
            Some(Entry::Truncated(_, of)) => {
                let of = of.clone();
                fs.put(&f, Entry::Truncated(bytes, of));
            }
            _ => fs.put(&f, Entry::Truncated(bytes, None)),
        }
    }
    out
}

fn parse_size(s: &str) -> Option<u64> {
    let (num, mult) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => {
            let m = match &s[i..] {
                "K" | "KiB" => 1024,
                "M" | "MiB" => 1024 * 1024,
                "G" | "GiB" => 1024 * 1024 * 1024,
                "KB" => 1000,
                "MB" => 1_000_000,
                _ => return None,
            };
            (&s[..i], m)
        }
        None => (s, 1),
    };
    num.parse::<u64>().ok().map(|n| n * mult)
}

/// `rm [-r] [-f] PATH...`.
pub fn rm(fs: &mut HostFs, cwd: &str, args: &[String], change: &mut FsChange) -> CommandOutput {
    let mut out = CommandOutput::default();
    let (mut recursive, mut force, mut preserve_root) = (false, false, true);
    let mut operands: Vec<&String> = Vec::new();
    let mut options_done = false;
    for a in args {
        if options_done || a == "-" || !a.starts_with('-') {
            operands.push(a);
            continue;
        }
        match a.as_str() {
            "--" => options_done = true,
            "--recursive" => recursive = true,
            "--force" => force = true,
            "--no-preserve-root" => preserve_root = false,
            "--preserve-root" => preserve_root = true,
            "--verbose" | "--dir" | "--one-file-system" | "--interactive=never" => {}
            long if long.starts_with("--") => {
                err(&mut out, format!("rm: unrecognized option '{long}'"));
                crate::kubectl::stderr(&mut out, "Try 'rm --help' for more information.");
                return out;
            }
            short => {
                for c in short.chars().skip(1) {
                    match c {
                        'r' | 'R' => recursive = true,
                        'f' => force = true,
                        'v' | 'd' | 'I' | 'i' => {}
                        other => {
                            err(&mut out, format!("rm: invalid option -- '{other}'"));
                            crate::kubectl::stderr(&mut out, "Try 'rm --help' for more information.");
                            return out;
                        }
                    }
                }
            }
        }
    }
    if operands.is_empty() && !force {
        crate::kubectl::stderr(&mut out, "rm: missing operand");
        crate::kubectl::stderr(&mut out, "Try 'rm --help' for more information.");
        out.status = 1;
        return out;
    }
    for arg in operands {
        let p = resolve(cwd, arg);
        if recursive {
            let last = arg.trim_end_matches('/').rsplit('/').next().unwrap_or("");
            if matches!(last, "." | "..") {
                err(
                    &mut out,
                    format!("rm: refusing to remove '.' or '..' directory: skipping '{arg}'"),
                );
                continue;
            }
            // GNU rm's failsafe (`--preserve-root`, the default).
            if p == "/" && preserve_root {
                let same = if arg == "/" {
                    String::new()
                } else {
                    " (same as '/')".to_string()
                };
                err(
                    &mut out,
                    format!("rm: it is dangerous to operate recursively on '{arg}'{same}"),
                );
                err(
                    &mut out,
                    "rm: use --no-preserve-root to override this failsafe".to_string(),
                );
                continue;
            }
        }
        match fs.get(&p) {
            None if force => {}
            None => err(
                &mut out,
                format!("rm: cannot remove '{arg}': No such file or directory"),
            ),
            Some(e) if e.is_dir() && !recursive => {
                err(&mut out, format!("rm: cannot remove '{arg}': Is a directory"));
            }
            Some(_) => {
                fs.remove_tree(&p);
                change.touched.push(p);
            }
        }
    }
    out
}

/// `cp [-r|-a] SRC... DST` and `mv SRC... DST`.
pub fn cp_mv(
    fs: &mut HostFs,
    cwd: &str,
    args: &[String],
    is_mv: bool,
    freeze: Freeze<'_>,
    change: &mut FsChange,
) -> CommandOutput {
    let tool = if is_mv { "mv" } else { "cp" };
    let mut out = CommandOutput::default();
    let flags: String = args
        .iter()
        .filter(|a| a.starts_with('-'))
        .map(|a| a.trim_start_matches('-'))
        .collect();
    let recursive =
        is_mv || flags.contains('r') || flags.contains('R') || flags.contains('a') || flags.contains("recursive");
    let operands: Vec<String> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .map(|a| resolve(cwd, a))
        .collect();
    if operands.len() < 2 {
        let msg = if operands.is_empty() {
            format!("{tool}: missing file operand")
        } else {
            format!("{tool}: missing destination file operand after '{}'", operands[0])
        };
        crate::kubectl::stderr(&mut out, msg);
        crate::kubectl::stderr(&mut out, format!("Try '{tool} --help' for more information."));
        out.status = 1;
        return out;
    }
    let (srcs, dst) = operands.split_at(operands.len() - 1);
    let dst = &dst[0];
    let dst_is_dir = fs.is_dir(dst) && !matches!(fs.get(dst), Some(Entry::DataDir(_)));
    if srcs.len() > 1 && !dst_is_dir {
        err(&mut out, format!("{tool}: target '{dst}' is not a directory"));
        return out;
    }
    for src in srcs {
        let target = if dst_is_dir {
            normalize(&format!("{dst}/{}", base(src)))
        } else {
            dst.clone()
        };
        if !fs.is_dir(parent(&target)) {
            err(
                &mut out,
                format!("{tool}: cannot create regular file '{target}': No such file or directory"),
            );
            continue;
        }
        match fs.find(src) {
            None => err(
                &mut out,
                format!("{tool}: cannot stat '{src}': No such file or directory"),
            ),
            Some(Found::DataSubdir) if !recursive => {
                err(&mut out, format!("cp: -r not specified; omitting directory '{src}'"));
            }
            Some(Found::DataSubdir) => err(
                &mut out,
                format!("kubedrill: copying '{src}' on its own is not modelled; copy the data dir or member/snap/db"),
            ),
            Some(Found::Db { dir }) => {
                if is_mv {
                    err(
                        &mut out,
                        format!("kubedrill: moving '{src}' out of a data dir is not modelled; copy it"),
                    );
                    continue;
                }
                let Some(Entry::DataDir(d)) = fs.get(&dir) else {
                    continue;
                };
                let frozen = freeze(d);
                let snap = match frozen {
                    DataDir::Copy { snapshot, .. } => {
                        let mut s = (*snapshot).clone();
                        s.has_hash = false;
                        Some(Entry::Snapshot(Arc::new(s)))
                    }
                    DataDir::Restored(r) => {
                        let mut s = (*r.snapshot).clone();
                        s.has_hash = false;
                        Some(Entry::Snapshot(Arc::new(s)))
                    }
                    _ => None,
                };
                match snap {
                    Some(e) => {
                        fs.put(&target, e);
                        change.touched.push(target);
                    }
                    None => err(&mut out, format!("cp: cannot stat '{src}': No such file or directory")),
                }
            }
            Some(Found::Entry(e)) if e.is_dir() && !recursive => {
                err(&mut out, format!("cp: -r not specified; omitting directory '{src}'"));
            }
            Some(Found::Entry(e)) => {
                if target == *src {
                    err(&mut out, format!("{tool}: '{src}' and '{target}' are the same file"));
                    continue;
                }
                if target.starts_with(&format!("{src}/")) {
                    err(
                        &mut out,
                        format!("{tool}: cannot move '{src}' to a subdirectory of itself, '{target}'"),
                    );
                    continue;
                }
                let e = e.clone();
                if is_mv {
                    let moved = fs.remove_tree(src);
                    for (k, entry) in moved {
                        fs.entries.insert(format!("{target}{}", &k[src.len()..]), entry);
                    }
                    change.touched.push(src.clone());
                } else {
                    match &e {
                        Entry::DataDir(d) => {
                            fs.put(&target, Entry::DataDir(freeze(d)));
                        }
                        _ => {
                            fs.put(&target, e.clone());
                            fs.copy_tree(src, &target);
                        }
                    }
                }
                change.touched.push(target);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn normalizes_paths() {
        assert_eq!(
            normalize("/etc/kubernetes/../kubernetes/./manifests/"),
            "/etc/kubernetes/manifests"
        );
        assert_eq!(normalize("/"), "/");
    }

    #[test]
    fn moving_a_manifest_out_and_back() {
        let mut fs = HostFs::new();
        fs.put("/etc/kubernetes/manifests/etcd.yaml", Entry::Text("x".into()));
        let mut ch = FsChange::default();
        let keep = |d: &DataDir| d.clone();
        let out = cp_mv(
            &mut fs,
            "/root",
            &sh(&["/etc/kubernetes/manifests/etcd.yaml", "/tmp/"]),
            true,
            &keep,
            &mut ch,
        );
        assert_eq!(out.status, 0);
        assert!(fs.get("/tmp/etcd.yaml").is_some());
        assert!(fs.get("/etc/kubernetes/manifests/etcd.yaml").is_none());
        assert!(ch.touched.iter().any(|t| t == "/etc/kubernetes/manifests/etcd.yaml"));
        let out = ls(&fs, "/root", &sh(&["/etc/kubernetes/manifests"]), &|_| 0);
        assert_eq!(out.text(), "");
        let out = cp_mv(
            &mut fs,
            "/root",
            &sh(&["/tmp/nope.yaml", "/tmp/x"]),
            true,
            &keep,
            &mut ch,
        );
        assert_eq!(
            out.text(),
            "mv: cannot stat '/tmp/nope.yaml': No such file or directory\n"
        );
    }

    #[test]
    fn directories_need_r_and_mkdir_p() {
        let mut fs = HostFs::new();
        let mut ch = FsChange::default();
        let keep = |d: &DataDir| d.clone();
        fs.put("/var/lib/etcd", Entry::DataDir(DataDir::Empty));
        let out = cp_mv(
            &mut fs,
            "/",
            &sh(&["/var/lib/etcd", "/backup/etcd"]),
            false,
            &keep,
            &mut ch,
        );
        assert_eq!(out.text(), "cp: -r not specified; omitting directory '/var/lib/etcd'\n");
        let out = mkdir(&mut fs, "/", &sh(&["/a/b"]), &mut ch);
        assert_eq!(
            out.text(),
            "mkdir: cannot create directory '/a/b': No such file or directory\n"
        );
        assert_eq!(mkdir(&mut fs, "/", &sh(&["-p", "/a/b"]), &mut ch).status, 0);
        assert!(fs.is_dir("/a"));
        assert_eq!(
            rm(&mut fs, "/", &sh(&["/a"]), &mut ch).text(),
            "rm: cannot remove '/a': Is a directory\n"
        );
        assert_eq!(rm(&mut fs, "/", &sh(&["-rf", "/a"]), &mut ch).status, 0);
        assert!(fs.get("/a/b").is_none());
    }
}
