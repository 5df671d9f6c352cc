//! The small programs a person reaches for on a node, answering as Ubuntu's (GNU coreutils,
//! hostname, debianutils' `which`): `hostname`, `uname`, `id`, `whoami`, `date`, `env` /
//! `printenv`, `which`, `df`, `du`, `stat` and `touch`. Sizes come from the node's files
//! (`model::hostfs`), so `ls -l`, `du` and `stat` agree; the disk is 50 GB with the OS and the
//! images on it.

use crate::model::containers::sandboxes_on;
use crate::model::hostfs::{
    DataDir, Entry, Found, HostFs, WAL_SEGMENT_BYTES, entry_size, human_size as human, mode, mode_string,
};
use crate::path::normalize;
use crate::shell::output::{stderr, stdout};
use crate::shell::{CommandOutput, ShellEnv};
use crate::time::SimTime;
use crate::tools::api::NodeApi;

fn fail(out: &mut CommandOutput, msg: String, status: i32) {
    stderr(out, msg);
    out.status = status;
}

fn resolve(cwd: &str, p: &str) -> String {
    if p.starts_with('/') {
        normalize(p)
    } else {
        normalize(&format!("{cwd}/{p}"))
    }
}

pub(crate) fn hostname(api: &dyn NodeApi, args: &[String]) -> CommandOutput {
    let mut out = CommandOutput::default();
    let n = api.cluster().node(api.node());
    match args.first().map(String::as_str) {
        None | Some("-s" | "--short" | "-f" | "--fqdn" | "--long") => stdout(&mut out, n.name.to_string()),
        Some("-i" | "--ip-address" | "-I" | "--all-ip-addresses") => stdout(&mut out, n.internal_ip.clone()),
        Some(other) if other.starts_with('-') => fail(
            &mut out,
            format!("hostname: invalid option -- '{}'", other.trim_start_matches('-')),
            1,
        ),
        Some(_) => fail(
            &mut out,
            "kubedrill: renaming a node's machine is not modelled (the kubelet would register it as a new node)".into(),
            1,
        ),
    }
    out
}

pub(crate) fn uname(api: &dyn NodeApi, args: &[String]) -> CommandOutput {
    let mut out = CommandOutput::default();
    let n = api.cluster().node(api.node());
    let kernel = n.kernel_version.clone();
    let build = "#115-Ubuntu SMP Mon Apr 15 09:52:04 UTC 2024";
    let line = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] | ["-s"] => "Linux".to_string(),
        ["-r"] => kernel,
        ["-n"] => n.name.to_string(),
        ["-m" | "-p" | "-i"] => "x86_64".into(),
        ["-v"] => build.into(),
        ["-o"] => "GNU/Linux".into(),
        ["-a"] => format!("Linux {} {kernel} {build} x86_64 x86_64 x86_64 GNU/Linux", n.name),
        ["-rs" | "-sr"] => format!("Linux {kernel}"),
        _ => {
            fail(
                &mut out,
                format!("kubedrill: `uname {}` is not modelled yet", args.join(" ")),
                1,
            );
            return out;
        }
    };
    stdout(&mut out, line);
    out
}

/// The simulated user is root on every machine.
pub(crate) fn id(args: &[String]) -> CommandOutput {
    let mut out = CommandOutput::default();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] | ["root"] => stdout(&mut out, "uid=0(root) gid=0(root) groups=0(root)"),
        ["-u" | "-g"] => stdout(&mut out, "0"),
        ["-un" | "-nu" | "-gn" | "-ng"] => stdout(&mut out, "root"),
        [user] if !user.starts_with('-') => fail(&mut out, format!("id: '{user}': no such user"), 1),
        _ => fail(
            &mut out,
            format!("kubedrill: `id {}` is not modelled yet", args.join(" ")),
            1,
        ),
    }
    out
}

pub(crate) fn whoami(args: &[String]) -> CommandOutput {
    let mut out = CommandOutput::default();
    match args.first() {
        None => stdout(&mut out, "root"),
        Some(a) => {
            fail(&mut out, format!("whoami: extra operand '{a}'"), 1);
            stderr(&mut out, "Try 'whoami --help' for more information.");
        }
    }
    out
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// `date` in the C.UTF-8 locale Ubuntu's cloud images use (`Mon Jan  8 10:03:11 UTC 2024`),
/// `date -u`, `date +FORMAT` (the common % sequences), `date -Is`/`--iso-8601`, `date +%s`.
pub(crate) fn date(api: &dyn NodeApi, args: &[String]) -> CommandOutput {
    let mut out = CommandOutput::default();
    let epoch = api.cluster().epoch_s;
    let secs = api.now().wall_nanos_with(epoch) / 1_000_000_000;
    let w = api.now().wall_clock_with(epoch);
    let weekday = WEEKDAYS[((secs / 86_400 + 4) % 7) as usize];
    let month = MONTHS[(w.month - 1) as usize];
    let mut format = None;
    for a in args {
        match a.as_str() {
            "-u" | "--utc" | "-R" => {
                if a == "-R" {
                    format = Some("%a, %d %b %Y %H:%M:%S +0000".to_string());
                }
            }
            "-I" | "--iso-8601" | "-Idate" => format = Some("%Y-%m-%d".into()),
            "-Is" | "-Iseconds" | "--iso-8601=seconds" => format = Some("%Y-%m-%dT%H:%M:%S+00:00".into()),
            f if f.starts_with('+') => format = Some(f[1..].to_string()),
            other => {
                fail(
                    &mut out,
                    format!("kubedrill: `date {other}` is not modelled yet (modelled: date, -u, -R, -I, +FORMAT)"),
                    1,
                );
                return out;
            }
        }
    }
    let format = format.unwrap_or_else(|| "%a %b %e %H:%M:%S %Z %Y".into());
    let mut s = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            s.push(c);
            continue;
        }
        match chars.next() {
            Some('Y') => s.push_str(&w.year.to_string()),
            Some('m') => s.push_str(&format!("{:02}", w.month)),
            Some('d') => s.push_str(&format!("{:02}", w.day)),
            Some('e') => s.push_str(&format!("{:>2}", w.day)),
            Some('H') => s.push_str(&format!("{:02}", w.hour)),
            Some('M') => s.push_str(&format!("{:02}", w.minute)),
            Some('S') => s.push_str(&format!("{:02}", w.second)),
            Some('s') => s.push_str(&secs.to_string()),
            Some('a') => s.push_str(weekday),
            Some('b') => s.push_str(month),
            Some('Z') => s.push_str("UTC"),
            Some('z') => s.push_str("+0000"),
            Some('F') => s.push_str(&format!("{}-{:02}-{:02}", w.year, w.month, w.day)),
            Some('T') => s.push_str(&format!("{:02}:{:02}:{:02}", w.hour, w.minute, w.second)),
            Some('N') => s.push_str(&format!("{:09}", w.nanos)),
            Some('%') => s.push('%'),
            Some(other) => {
                s.push('%');
                s.push(other);
            }
            None => s.push('%'),
        }
    }
    stdout(&mut out, s);
    out
}

/// `env` / `printenv [NAME...]`: the exported variables (what the command got).
pub(crate) fn env(cmd: &str, args: &[String], env: &ShellEnv) -> CommandOutput {
    let mut out = CommandOutput::default();
    let base = [
        ("HOME", "/root"),
        ("LANG", "C.UTF-8"),
        ("LOGNAME", "root"),
        (
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/snap/bin",
        ),
        ("SHELL", "/bin/bash"),
        ("TERM", "xterm"),
        ("USER", "root"),
    ];
    let mut vars: std::collections::BTreeMap<String, String> =
        base.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    for (k, v) in env.iter() {
        vars.insert(k.to_string(), v.to_string());
    }
    vars.insert("PWD".into(), env.cwd().to_string());
    if cmd == "printenv" && !args.is_empty() {
        let mut missing = false;
        for a in args {
            match vars.get(a) {
                Some(v) => stdout(&mut out, v.clone()),
                None => missing = true,
            }
        }
        if missing {
            out.status = 1;
        }
        return out;
    }
    if cmd == "env" && !args.is_empty() {
        fail(
            &mut out,
            "kubedrill: `env` running a command is not modelled yet; use `VAR=value command`".into(),
            1,
        );
        return out;
    }
    for (k, v) in vars {
        stdout(&mut out, format!("{k}={v}"));
    }
    out
}

/// Where each program a node has lives (shell builtins have no path).
fn program_path(name: &str, control_plane: bool) -> Option<&'static str> {
    Some(match name {
        "kubectl" => "/usr/bin/kubectl",
        "kubeadm" => "/usr/bin/kubeadm",
        "kubelet" => "/usr/bin/kubelet",
        "crictl" => "/usr/bin/crictl",
        "etcdctl" if control_plane => "/usr/bin/etcdctl",
        "etcdutl" if control_plane => "/usr/bin/etcdutl",
        "systemctl" => "/usr/bin/systemctl",
        "journalctl" => "/usr/bin/journalctl",
        "service" => "/usr/sbin/service",
        "apt" => "/usr/bin/apt",
        "apt-get" => "/usr/bin/apt-get",
        "apt-mark" => "/usr/bin/apt-mark",
        "apt-cache" => "/usr/bin/apt-cache",
        "ssh" => "/usr/bin/ssh",
        "scp" => "/usr/bin/scp",
        "sudo" => "/usr/bin/sudo",
        "su" => "/usr/bin/su",
        "bash" => "/usr/bin/bash",
        "sh" => "/usr/bin/sh",
        "ls" => "/usr/bin/ls",
        "cp" => "/usr/bin/cp",
        "mv" => "/usr/bin/mv",
        "rm" => "/usr/bin/rm",
        "mkdir" => "/usr/bin/mkdir",
        "cat" => "/usr/bin/cat",
        "grep" => "/usr/bin/grep",
        "sed" => "/usr/bin/sed",
        "awk" => "/usr/bin/awk",
        "head" => "/usr/bin/head",
        "tail" => "/usr/bin/tail",
        "sort" => "/usr/bin/sort",
        "uniq" => "/usr/bin/uniq",
        "cut" => "/usr/bin/cut",
        "wc" => "/usr/bin/wc",
        "column" => "/usr/bin/column",
        "less" => "/usr/bin/less",
        "more" => "/usr/bin/more",
        "vi" | "vim" => "/usr/bin/vim",
        "nano" => "/usr/bin/nano",
        "sleep" => "/usr/bin/sleep",
        "truncate" => "/usr/bin/truncate",
        "touch" => "/usr/bin/touch",
        "stat" => "/usr/bin/stat",
        "du" => "/usr/bin/du",
        "df" => "/usr/bin/df",
        "free" => "/usr/bin/free",
        "ps" => "/usr/bin/ps",
        "pgrep" => "/usr/bin/pgrep",
        "pidof" => "/usr/bin/pidof",
        "uptime" => "/usr/bin/uptime",
        "watch" => "/usr/bin/watch",
        "hostname" => "/usr/bin/hostname",
        "uname" => "/usr/bin/uname",
        "id" => "/usr/bin/id",
        "whoami" => "/usr/bin/whoami",
        "date" => "/usr/bin/date",
        "env" => "/usr/bin/env",
        "printenv" => "/usr/bin/printenv",
        "which" => "/usr/bin/which",
        "curl" => "/usr/bin/curl",
        "echo" => "/usr/bin/echo",
        "true" => "/usr/bin/true",
        "false" => "/usr/bin/false",
        "pwd" => "/usr/bin/pwd",
        "containerd" => "/usr/bin/containerd",
        _ => return None,
    })
}

/// `which [-a] PROGRAM...`: silent and status 1 for what is not there.
pub(crate) fn which(api: &dyn NodeApi, args: &[String]) -> CommandOutput {
    let mut out = CommandOutput::default();
    let cp = api.cluster().node(api.node()).control_plane.is_some();
    let mut missing = false;
    for a in args.iter().filter(|a| !a.starts_with('-')) {
        match program_path(a, cp) {
            Some(p) => stdout(&mut out, p),
            None => missing = true,
        }
    }
    if missing || args.is_empty() {
        out.status = 1;
    }
    out
}

/// The bytes used under a path, as du counts them (4 KiB blocks), with a data dir's
/// synthesised insides: its db (`db_size`) and one preallocated WAL segment.
fn du_bytes(fs: &HostFs, path: &str, db_size: &dyn Fn(&str) -> u64) -> u64 {
    let block = |n: u64| n.div_ceil(4096) * 4096;
    let data_dir = |dir: &str, d: &DataDir| -> u64 {
        match d {
            DataDir::Empty => 4096,
            _ => 4 * 4096 + block(db_size(dir)) + block(WAL_SEGMENT_BYTES),
        }
    };
    match fs.find(path) {
        None => 0,
        Some(Found::Db { dir }) => block(db_size(&dir)),
        Some(Found::DataSubdir) => {
            let dir = path
                .rsplit_once("/member")
                .map(|(d, _)| d.to_string())
                .unwrap_or_default();
            if path.ends_with("/wal") {
                4096 + block(WAL_SEGMENT_BYTES)
            } else if path.ends_with("/snap") {
                4096 + block(db_size(&dir))
            } else {
                3 * 4096 + block(db_size(&dir)) + block(WAL_SEGMENT_BYTES)
            }
        }
        Some(Found::Entry(Entry::DataDir(d))) => data_dir(path, d),
        Some(Found::Entry(e)) if !e.is_dir() => block(entry_size(path, e)),
        Some(Found::Entry(_)) => {
            let prefix = if path == "/" {
                "/".to_string()
            } else {
                format!("{path}/")
            };
            4096 + fs
                .entries
                .range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .map(|(k, e)| match e {
                    Entry::DataDir(d) => data_dir(k, d),
                    Entry::Dir => 4096,
                    e => block(entry_size(k, e)),
                })
                .sum::<u64>()
        }
    }
}

/// `du [-s] [-h] [-c] PATH...`.
pub(crate) fn du(fs: &HostFs, cwd: &str, args: &[String], db_size: &dyn Fn(&str) -> u64) -> CommandOutput {
    let mut out = CommandOutput::default();
    let (mut humanize, mut summary, mut total) = (false, false, false);
    let mut paths = Vec::new();
    for a in args {
        match a.as_str() {
            "-h" | "--human-readable" => humanize = true,
            "-s" | "--summarize" => summary = true,
            "-c" | "--total" => total = true,
            "-sh" | "-hs" => {
                humanize = true;
                summary = true;
            }
            "-sch" | "-shc" | "-csh" | "-hsc" | "-chs" | "-hcs" => {
                humanize = true;
                summary = true;
                total = true;
            }
            a if a.starts_with('-') => {
                fail(
                    &mut out,
                    format!("kubedrill: du {a} is not modelled yet (modelled: -s, -h, -c)"),
                    1,
                );
                return out;
            }
            p => paths.push(p.to_string()),
        }
    }
    if paths.is_empty() {
        paths.push(".".into());
    }
    let show = |b: u64| {
        if humanize {
            human(b)
        } else {
            b.div_ceil(1024).to_string()
        }
    };
    let mut sum = 0;
    for p in &paths {
        let abs = resolve(cwd, p);
        if fs.find(&abs).is_none() {
            fail(
                &mut out,
                format!("du: cannot access '{p}': No such file or directory"),
                1,
            );
            continue;
        }
        if !summary && fs.is_dir(&abs) && matches!(fs.find(&abs), Some(Found::Entry(Entry::Dir))) {
            for (name, e) in fs.children(&abs) {
                if e.is_dir() {
                    let child = format!("{}/{name}", p.trim_end_matches('/'));
                    let b = du_bytes(fs, &resolve(cwd, &child), db_size);
                    stdout(&mut out, format!("{}\t{child}", show(b)));
                }
            }
        }
        let b = du_bytes(fs, &abs, db_size);
        sum += b;
        stdout(&mut out, format!("{}\t{p}", show(b)));
    }
    if total {
        stdout(&mut out, format!("{}\ttotal", show(sum)));
    }
    out
}

/// `touch FILE...`: an empty file where there is none (and a new time where there is).
pub(crate) fn touch(fs: &mut HostFs, cwd: &str, args: &[String], now: SimTime) -> (CommandOutput, Vec<String>) {
    let mut out = CommandOutput::default();
    let mut touched = Vec::new();
    let files: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    if files.is_empty() {
        fail(&mut out, "touch: missing file operand".into(), 1);
        stderr(&mut out, "Try 'touch --help' for more information.");
        return (out, touched);
    }
    for f in files {
        let abs = resolve(cwd, f);
        if fs.find(&abs).is_none() {
            if !fs.is_dir(crate::path::parent(&abs)) {
                fail(
                    &mut out,
                    format!("touch: cannot touch '{f}': No such file or directory"),
                    1,
                );
                continue;
            }
            fs.put(&abs, Entry::Text(String::new()));
        }
        fs.set_mtime(&abs, now);
        touched.push(abs);
    }
    (out, touched)
}

/// `stat FILE...`.
pub(crate) fn stat(
    api: &dyn NodeApi,
    fs: &HostFs,
    cwd: &str,
    args: &[String],
    db_size: &dyn Fn(&str) -> u64,
) -> CommandOutput {
    let mut out = CommandOutput::default();
    let files: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    if let Some(f) = args.iter().find(|a| a.starts_with('-')) {
        fail(&mut out, format!("kubedrill: stat {f} is not modelled yet"), 1);
        return out;
    }
    if files.is_empty() {
        fail(&mut out, "stat: missing operand".into(), 1);
        stderr(&mut out, "Try 'stat --help' for more information.");
        return out;
    }
    for f in files {
        let abs = resolve(cwd, f);
        let (size, dir) = match fs.find(&abs) {
            None => {
                fail(
                    &mut out,
                    format!("stat: cannot statx '{f}': No such file or directory"),
                    1,
                );
                continue;
            }
            Some(Found::Db { dir }) => (db_size(&dir), false),
            Some(Found::DataSubdir) => (4096, true),
            Some(Found::Entry(e)) => (entry_size(&abs, e), e.is_dir()),
        };
        let m = mode(&abs, dir);
        let blocks = size.div_ceil(4096) * 8;
        let kind = if dir {
            "directory"
        } else if size == 0 {
            "regular empty file"
        } else {
            "regular file"
        };
        let t = fs.mtime(&abs);
        let stamp = stat_time(api, t);
        let inode = abs
            .bytes()
            .fold(131_073u64, |h, b| h.wrapping_mul(33).wrapping_add(u64::from(b)))
            % 4_000_000;
        for line in [
            format!("  File: {f}"),
            format!("  Size: {size:<15} Blocks: {blocks:<10} IO Block: 4096   {kind}"),
            format!(
                "Device: 801h/2049d\tInode: {inode:<11} Links: {}",
                if dir { 2 } else { 1 }
            ),
            format!(
                "Access: ({:04o}/{})  Uid: (    0/    root)   Gid: (    0/    root)",
                m,
                mode_string(&abs, dir)
            ),
            format!("Access: {stamp}"),
            format!("Modify: {stamp}"),
            format!("Change: {stamp}"),
            " Birth: -".to_string(),
        ] {
            stdout(&mut out, line);
        }
    }
    out
}

fn stat_time(api: &dyn NodeApi, t: SimTime) -> String {
    let w = t.wall_clock_with(api.cluster().epoch_s);
    format!(
        "{}-{:02}-{:02} {:02}:{:02}:{:02}.{:09} +0000",
        w.year, w.month, w.day, w.hour, w.minute, w.second, w.nanos
    )
}

/// `df [-h] [PATH]`: the root disk, the tmpfs mounts, and the shm and overlay mounts of every
/// running pod sandbox and container (a kubeadm node lists them all).
pub(crate) fn df(api: &dyn NodeApi, args: &[String], db_size: &dyn Fn(&str) -> u64) -> CommandOutput {
    let mut out = CommandOutput::default();
    let mut humanize = false;
    let mut paths = Vec::new();
    for a in args {
        match a.as_str() {
            "-h" | "--human-readable" => humanize = true,
            "-T" | "-a" | "-l" | "-k" => {}
            a if a.starts_with('-') => {
                fail(
                    &mut out,
                    format!("kubedrill: df {a} is not modelled yet (modelled: -h, PATH)"),
                    1,
                );
                return out;
            }
            p => paths.push(p.to_string()),
        }
    }
    let c = api.cluster();
    let n = c.node(api.node());
    let mem_kb = n.allocatable.memory / 1024 * 104 / 100;
    let disk_kb: u64 = 50_620_216;
    let images_kb: u64 = if n.control_plane.is_some() { 1_943_112 } else { 812_440 };
    let files_kb = du_bytes(&n.fs, "/", db_size) / 1024;
    let used_kb = 4_381_296 + images_kb + files_kb;
    let mut rows: Vec<(String, u64, u64, String)> = vec![
        ("tmpfs".into(), mem_kb / 10, 1_628, "/run".into()),
        ("/dev/sda1".into(), disk_kb, used_kb, "/".into()),
        ("tmpfs".into(), mem_kb / 2, 0, "/dev/shm".into()),
        ("tmpfs".into(), 5_120, 0, "/run/lock".into()),
        ("/dev/sda15".into(), 106_858, 6_186, "/boot/efi".into()),
    ];
    for p in sandboxes_on(c, api.node()) {
        let id = sandbox_shm_id(p.uid);
        rows.push((
            "shm".into(),
            65_536,
            0,
            format!("/run/containerd/io.containerd.grpc.v1.cri/sandboxes/{id}/shm"),
        ));
        rows.push((
            "overlay".into(),
            disk_kb,
            used_kb,
            format!("/run/containerd/io.containerd.runtime.v2.task/k8s.io/{id}/rootfs"),
        ));
    }
    rows.push(("tmpfs".into(), mem_kb / 10, 4, "/run/user/0".into()));
    if !paths.is_empty() {
        let cwd = "/root";
        let mut chosen = Vec::new();
        for p in &paths {
            let abs = resolve(cwd, p);
            if n.fs.find(&abs).is_none() {
                fail(&mut out, format!("df: {p}: No such file or directory"), 1);
                continue;
            }
            let mount = if abs.starts_with("/run") { 0 } else { 1 };
            chosen.push(rows[mount].clone());
        }
        rows = chosen;
        if rows.is_empty() {
            return out;
        }
    }
    let fmt = |kb: u64| {
        if humanize {
            if kb == 0 { "0".to_string() } else { human(kb * 1024) }
        } else {
            kb.to_string()
        }
    };
    let mut table: Vec<[String; 6]> = vec![[
        "Filesystem".into(),
        if humanize { "Size" } else { "1K-blocks" }.into(),
        "Used".into(),
        if humanize { "Avail" } else { "Available" }.into(),
        "Use%".into(),
        "Mounted on".into(),
    ]];
    for (fs_name, size, used, mount) in &rows {
        let avail = size.saturating_sub(*used);
        let pct = if *size == 0 { 0 } else { (used * 100).div_ceil(*size) };
        table.push([
            fs_name.clone(),
            fmt(*size),
            fmt(*used),
            fmt(avail),
            format!("{pct}%"),
            mount.clone(),
        ]);
    }
    let mins = [14, if humanize { 5 } else { 9 }, 5, 5, 4, 0];
    let widths: Vec<usize> = (0..6)
        .map(|c| table.iter().map(|r| r[c].len()).max().unwrap_or(0).max(mins[c]))
        .collect();
    for r in &table {
        stdout(
            &mut out,
            format!(
                "{:<w0$} {:>w1$} {:>w2$} {:>w3$} {:>w4$} {}",
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2],
                w3 = widths[3],
                w4 = widths[4]
            ),
        );
    }
    out
}

fn sandbox_shm_id(uid: u64) -> String {
    let mut h: u64 = 0x6a09_e667_f3bc_c908;
    let mut s = String::new();
    for _ in 0..4 {
        h = (h ^ uid).wrapping_mul(0x0100_0000_01b3).rotate_left(23);
        s.push_str(&format!("{h:016x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_sizes_round_up_like_gnu() {
        assert_eq!(human(2_097_152), "2.0M");
        assert_eq!(human(2_097_153), "2.1M");
        assert_eq!(human(64_000_000), "62M");
        assert_eq!(human(4096), "4.0K");
        assert_eq!(human(1000), "1000");
    }

    #[test]
    fn modes_read_like_ls() {
        assert_eq!(mode_string("/etc/kubernetes/pki/ca.key", false), "-rw-------");
        assert_eq!(mode_string("/etc/kubernetes/pki/ca.crt", false), "-rw-r--r--");
        assert_eq!(mode_string("/tmp", true), "drwxrwxrwt");
        assert_eq!(mode_string("/var/lib/etcd", true), "drwx------");
    }
}
