//! `ls`, `cp`, `mv`, `mkdir`, `rm` and `truncate` on a node's files ([`HostFs`]), answering
//! as GNU coreutils do for these cases, with its error messages; the caller (the host)
//! decides what a change means (a manifest moved out of `/etc/kubernetes/manifests` stops its
//! static pod).

use crate::model::hostfs::{DataDir, Entry, Found, HostFs, entry_size};
use crate::path::{base, normalize, parent};
use crate::shell::CommandOutput;
use std::sync::Arc;

/// The effect of a command on files, for the host to act on.
#[derive(Clone, Debug, Default)]
pub(crate) struct FsChange {
    /// Paths that appeared, changed or disappeared.
    pub touched: Vec<String>,
}

fn err(out: &mut CommandOutput, msg: String) {
    crate::shell::output::stderr(out, msg);
    out.status = 1;
}

/// What a data-dir copy becomes: a host hook turns the live member's data into a frozen copy.
pub(crate) type Freeze<'a> = &'a dyn Fn(&DataDir) -> DataDir;

/// What `ls -l` needs besides the files: the clock (for the dates) and the size of a data
/// dir's `member/snap/db` (the live member's comes from the running etcd).
pub(crate) struct LsContext<'a> {
    pub now: crate::time::SimTime,
    pub epoch_s: u64,
    pub db_size: &'a dyn Fn(&str) -> u64,
    /// stdout is not a terminal (a pipe, a file, `$(...)`): one name per line, as GNU ls.
    pub one_per_line: bool,
}

/// One name `ls` lists.
struct Listed {
    name: String,
    path: String,
    size: u64,
    dir: bool,
}

/// `ls [-l] [-a] [-h] [-d] [PATH...]`, with GNU's modes, sizes, dates and column alignment.
pub(crate) fn ls(fs: &HostFs, cwd: &str, args: &[String], cx: &LsContext<'_>) -> CommandOutput {
    let mut out = CommandOutput::default();
    let mut long = false;
    let mut all = false;
    let mut human = false;
    let mut dir_itself = false;
    let mut paths = Vec::new();
    for a in args {
        if let Some(flags) = a.strip_prefix('-').filter(|f| !f.is_empty() && !f.starts_with('-')) {
            for c in flags.chars() {
                match c {
                    'l' => long = true,
                    'a' | 'A' => all = true,
                    'h' => human = true,
                    'd' => dir_itself = true,
                    '1' | 't' | 'r' | 'R' | 'F' | 'S' | 'i' | 'n' | 'G' => {}
                    other => {
                        crate::shell::output::stderr(&mut out, format!("ls: invalid option -- '{other}'"));
                        crate::shell::output::stderr(&mut out, "Try 'ls --help' for more information.");
                        out.status = 2;
                        return out;
                    }
                }
            }
        } else if a == "--human-readable" {
            human = true;
        } else if a == "--all" {
            all = true;
        } else if a.starts_with("--") {
            crate::shell::output::stderr(&mut out, format!("kubedrill: ls {a} is not modelled yet"));
            out.status = 2;
            return out;
        } else {
            paths.push(resolve(cwd, a));
        }
    }
    if paths.is_empty() {
        paths.push(cwd.to_string());
    }
    let several = paths.len() > 1;
    let item = |name: String, path: String, size: u64, dir: bool| Listed { name, path, size, dir };
    // Operands that are files are listed together first, then each directory under its name.
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for p in &paths {
        match fs.find(p) {
            None => {
                crate::shell::output::stderr(
                    &mut out,
                    format!("ls: cannot access '{}': No such file or directory", display(cwd, p)),
                );
                out.status = 2;
            }
            Some(Found::Entry(e)) if !e.is_dir() => {
                files.push(item(display(cwd, p), p.clone(), entry_size(p, e), false))
            }
            Some(Found::Db { dir }) => files.push(item(display(cwd, p), p.clone(), (cx.db_size)(&dir), false)),
            _ if dir_itself => files.push(item(display(cwd, p), p.clone(), 4096, true)),
            Some(_) => dirs.push(p.clone()),
        }
    }
    let opts = (long, human);
    let mut printed = false;
    if !files.is_empty() {
        print_listing(&mut out, fs, &files, opts, false, cx);
        printed = true;
    }
    for p in &dirs {
        let mut names: Vec<Listed> = match fs.find(p) {
            Some(Found::Entry(Entry::DataDir(d))) => match d {
                DataDir::Empty => Vec::new(),
                _ => vec![item("member".into(), format!("{p}/member"), 4096, true)],
            },
            Some(Found::DataSubdir) => {
                if p.ends_with("/member") {
                    vec![
                        item("snap".into(), format!("{p}/snap"), 4096, true),
                        item("wal".into(), format!("{p}/wal"), 4096, true),
                    ]
                } else if p.ends_with("/snap") {
                    let dir = p.trim_end_matches("/member/snap");
                    vec![item("db".into(), format!("{p}/db"), (cx.db_size)(dir), false)]
                } else {
                    vec![item(
                        "0000000000000000-0000000000000000.wal".into(),
                        format!("{p}/0000000000000000-0000000000000000.wal"),
                        crate::model::hostfs::WAL_SEGMENT_BYTES,
                        false,
                    )]
                }
            }
            _ => fs
                .children(p)
                .into_iter()
                .filter(|(name, _)| all || !name.starts_with('.'))
                .map(|(name, e)| {
                    let path = normalize(&format!("{p}/{name}"));
                    let size = entry_size(&path, e);
                    item(name, path, size, e.is_dir())
                })
                .collect(),
        };
        if all {
            names.insert(0, item("..".into(), parent(p).to_string(), 4096, true));
            names.insert(0, item(".".into(), p.clone(), 4096, true));
        }
        if several {
            if printed {
                crate::shell::output::stdout(&mut out, "");
            }
            crate::shell::output::stdout(&mut out, format!("{}:", display(cwd, p)));
        }
        print_listing(&mut out, fs, &names, opts, true, cx);
        printed = true;
    }
    out
}

/// Prints names (`ls`) or long lines (`ls -l`, with `total` for a directory's listing).
fn print_listing(
    out: &mut CommandOutput,
    fs: &HostFs,
    names: &[Listed],
    (long, human): (bool, bool),
    whole_dir: bool,
    cx: &LsContext<'_>,
) {
    if !long {
        if !names.is_empty() {
            let sep = if cx.one_per_line { "\n" } else { "  " };
            crate::shell::output::stdout(out, names.iter().map(|l| l.name.as_str()).collect::<Vec<_>>().join(sep));
        }
        return;
    }
    let show = |b: u64| {
        if human {
            crate::model::hostfs::human_size(b)
        } else {
            b.to_string()
        }
    };
    if whole_dir {
        let kib: u64 = names.iter().map(|l| l.size.div_ceil(4096) * 4).sum();
        let total = if human { show(kib * 1024) } else { kib.to_string() };
        crate::shell::output::stdout(out, format!("total {total}"));
    }
    let sizes: Vec<String> = names.iter().map(|l| show(l.size)).collect();
    let width = sizes.iter().map(String::len).max().unwrap_or(1);
    for (l, size) in names.iter().zip(sizes) {
        let mode = crate::model::hostfs::mode_string(&l.path, l.dir);
        let links = if l.dir { 2 } else { 1 };
        let when = ls_time(mtime(fs, &l.path, cx), cx);
        crate::shell::output::stdout(
            out,
            format!("{mode} {links} root root {size:>width$} {when} {}", l.name),
        );
    }
}

/// A path's time; inside a data dir the member's files are written all the time while it runs.
fn mtime(fs: &HostFs, path: &str, cx: &LsContext<'_>) -> crate::time::SimTime {
    if let Some((dir, _)) = path.split_once("/member")
        && let Some(Entry::DataDir(d)) = fs.get(dir)
    {
        return match d {
            DataDir::Live => cx.now,
            _ => fs.mtime(dir),
        };
    }
    match fs.get(path) {
        Some(Entry::DataDir(DataDir::Live)) => cx.now,
        _ => fs.mtime(path),
    }
}

/// `ls -l`'s date: `Jan  8 10:03` within six months of now, else `Jan  8  2023`.
fn ls_time(t: crate::time::SimTime, cx: &LsContext<'_>) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let w = t.wall_clock_with(cx.epoch_s);
    let recent = cx.now.saturating_sub(t).ms() < 182 * 86_400_000 && t <= cx.now;
    if recent {
        format!(
            "{} {:>2} {:02}:{:02}",
            MONTHS[(w.month - 1) as usize],
            w.day,
            w.hour,
            w.minute
        )
    } else {
        format!("{} {:>2}  {}", MONTHS[(w.month - 1) as usize], w.day, w.year)
    }
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
pub(crate) fn mkdir(fs: &mut HostFs, cwd: &str, args: &[String], change: &mut FsChange) -> CommandOutput {
    let mut out = CommandOutput::default();
    let parents = args.iter().any(|a| a == "-p" || a == "--parents");
    let dirs: Vec<String> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .map(|a| resolve(cwd, a))
        .collect();
    if dirs.is_empty() {
        crate::shell::output::stderr(&mut out, "mkdir: missing operand");
        crate::shell::output::stderr(&mut out, "Try 'mkdir --help' for more information.");
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
pub(crate) fn truncate(fs: &mut HostFs, cwd: &str, args: &[String]) -> CommandOutput {
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
        crate::shell::output::stderr(&mut out, "truncate: you must specify either '--size' or '--reference'");
        crate::shell::output::stderr(&mut out, "Try 'truncate --help' for more information.");
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
pub(crate) fn rm(fs: &mut HostFs, cwd: &str, args: &[String], change: &mut FsChange) -> CommandOutput {
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
                crate::shell::output::stderr(&mut out, "Try 'rm --help' for more information.");
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
                            crate::shell::output::stderr(&mut out, "Try 'rm --help' for more information.");
                            return out;
                        }
                    }
                }
            }
        }
    }
    if operands.is_empty() && !force {
        crate::shell::output::stderr(&mut out, "rm: missing operand");
        crate::shell::output::stderr(&mut out, "Try 'rm --help' for more information.");
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
        // Inside a data dir: removing its member tree (or part of it) leaves the dir empty.
        if let Some(found @ (Found::DataSubdir | Found::Db { .. })) = fs.find(&p) {
            if matches!(found, Found::DataSubdir) && !recursive {
                err(&mut out, format!("rm: cannot remove '{arg}': Is a directory"));
                continue;
            }
            let dir = p.split("/member").next().unwrap_or_default().to_string();
            fs.put(&dir, Entry::DataDir(DataDir::Empty));
            change.touched.push(dir);
            continue;
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
pub(crate) fn cp_mv(
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
        crate::shell::output::stderr(&mut out, msg);
        crate::shell::output::stderr(&mut out, format!("Try '{tool} --help' for more information."));
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
                    // mv keeps the files' times.
                    let times: Vec<(String, crate::time::SimTime)> = fs
                        .mtimes
                        .range(src.clone()..)
                        .take_while(|(k, _)| *k == src || k.starts_with(&format!("{src}/")))
                        .map(|(k, t)| (format!("{target}{}", &k[src.len()..]), *t))
                        .collect();
                    let moved = fs.remove_tree(src);
                    for (k, entry) in moved {
                        fs.entries_mut().insert(format!("{target}{}", &k[src.len()..]), entry);
                    }
                    fs.mtimes_mut().extend(times);
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
        let cx = LsContext {
            now: crate::time::SimTime::ZERO,
            epoch_s: crate::time::WALL_EPOCH_S,
            db_size: &|_| 0,
            one_per_line: false,
        };
        let out = ls(&fs, "/root", &sh(&["/etc/kubernetes/manifests"]), &cx);
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
