//! procps on a node: `ps` (`aux`, `-ef`, `-e`, plain), `pgrep [-l|-a|-f]`, `pidof`, `free
//! [-h|-m|-g]` and `uptime`, from what runs there: systemd and the OS's daemons, containerd,
//! the kubelet while its unit runs, and for every pod with running containers (a stopped
//! kubelet leaves them running) a containerd shim, the pause process and the container's
//! command (a static pod's from its manifest). PIDs grow with the time a process started; CPU
//! and memory figures are fixed per program, not measurements.

use crate::model::containers::{Running, running_on};
use crate::model::hostfs::Entry;
use crate::model::unit::pid_at;
use crate::model::{NodeId, Owner};
use crate::release::components::parse_manifest;
use crate::shell::CommandOutput;
use crate::shell::output::{stderr, stdout};
use crate::time::{SimDuration, SimTime};
use crate::tools::api::NodeApi;

/// One process.
#[derive(Clone, Debug)]
pub(crate) struct Proc {
    pub pid: u32,
    pub ppid: u32,
    pub user: &'static str,
    pub start: SimTime,
    /// Share of one CPU it uses, in per-mille.
    pub cpu_permille: u64,
    pub rss_kb: u64,
    pub vsz_kb: u64,
    pub stat: &'static str,
    pub tty: &'static str,
    /// The command line (`[kthreadd]` for kernel threads).
    pub cmd: String,
}

impl Proc {
    /// The program name (`comm`, at most 15 characters).
    pub(crate) fn comm(&self) -> String {
        let first = self.cmd.split_whitespace().next().unwrap_or_default();
        let base = first.trim_start_matches('[').trim_end_matches(']');
        let base = base.rsplit('/').next().unwrap_or(base).trim_end_matches(':');
        base.chars().take(15).collect()
    }
}

/// Every process on the node, by PID.
pub(crate) fn processes(api: &dyn NodeApi) -> Vec<Proc> {
    let c = api.cluster();
    let node = api.node();
    let n = c.node(node);
    let name = n.name.to_string();
    let boot = n.booted_at;
    let mut out = Vec::new();
    let mut add = |pid, ppid, user, start, cpu, rss, vsz, stat, cmd: String| {
        out.push(Proc {
            pid,
            ppid,
            user,
            start,
            cpu_permille: cpu,
            rss_kb: rss,
            vsz_kb: vsz,
            stat,
            tty: "?",
            cmd,
        });
    };
    add(1, 0, "root", boot, 0, 12_812, 167_820, "Ss", "/sbin/init".into());
    for (pid, cmd) in [
        (2, "[kthreadd]"),
        (3, "[rcu_gp]"),
        (4, "[rcu_par_gp]"),
        (5, "[slub_flushwq]"),
        (6, "[netns]"),
        (10, "[mm_percpu_wq]"),
        (11, "[rcu_tasks_rude_]"),
        (13, "[ksoftirqd/0]"),
        (14, "[rcu_sched]"),
        (15, "[migration/0]"),
    ] {
        let stat = if pid == 2 || pid == 13 || pid == 15 { "S" } else { "I<" };
        add(
            pid,
            if pid == 2 { 0 } else { 2 },
            "root",
            boot,
            0,
            0,
            0,
            stat,
            cmd.to_string(),
        );
    }
    for (pid, user, rss, vsz, cmd) in [
        (352, "root", 47_120, 64_376, "/lib/systemd/systemd-journald"),
        (391, "root", 7_740, 25_300, "/lib/systemd/systemd-udevd"),
        (548, "systemd+", 8_040, 16_120, "/lib/systemd/systemd-networkd"),
        (552, "systemd+", 12_864, 25_532, "/lib/systemd/systemd-resolved"),
        (588, "root", 2_880, 7_288, "/usr/sbin/cron -f -P"),
        (
            589,
            "message+",
            4_984,
            8_608,
            "@dbus-daemon --system --address=systemd: --nofork --nopidfile --systemd-activation --syslog-only",
        ),
        (597, "syslog", 5_120, 222_404, "/usr/sbin/rsyslogd -n -iNONE"),
        (
            604,
            "root",
            7_424,
            15_420,
            "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups",
        ),
        (
            611,
            "root",
            2_012,
            6_172,
            "/sbin/agetty -o -p -- \\u --noclear tty1 linux",
        ),
    ] {
        add(pid, 1, user, boot, 0, rss, vsz, "Ss", cmd.to_string());
    }
    let containerd = pid_at(&name, boot, 7);
    add(
        containerd,
        1,
        "root",
        boot,
        6,
        52_480,
        1_872_624,
        "Ssl",
        "/usr/bin/containerd".into(),
    );
    let u = &n.kubelet_unit;
    if n.powered_on && n.kubelet_running {
        add(
            u.pid,
            1,
            "root",
            u.since,
            18,
            78_336,
            1_935_124,
            "Ssl",
            format!("/usr/bin/kubelet {}", kubelet_args(api)),
        );
    }
    let running = running_on(c, node);
    let mut last_pod = None;
    for r in &running {
        let uid = r.pod.uid;
        let shim = pid_at(&name, r.started, uid * 8 + 1);
        if last_pod != Some(uid) {
            last_pod = Some(uid);
            add(
                shim,
                1,
                "root",
                r.started,
                1,
                12_860,
                1_238_456,
                "Sl",
                format!(
                    "/usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id {} -address /run/containerd/containerd.sock",
                    sandbox_id(uid)
                ),
            );
            add(shim + 1, shim, "65535", r.started, 0, 640, 996, "Ss", "/pause".into());
        }
        let (cpu, rss, cmd) = container_process(api, node, r);
        add(
            shim + 2 + r.index as u32,
            shim,
            "root",
            r.started,
            cpu,
            rss,
            rss * 9,
            "Ssl",
            cmd,
        );
    }
    out.sort_by_key(|p| p.pid);
    out
}

/// A pod sandbox's 64-hex ID (crictl shows its first 13 characters).
pub(crate) fn sandbox_id(uid: u64) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in uid.to_le_bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut s = String::new();
    let mut x = h;
    for _ in 0..4 {
        s.push_str(&format!("{x:016x}"));
        x = x.rotate_left(17).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    s
}

/// The kubelet's arguments as systemd passed them (from the drop-in and the env files).
fn kubelet_args(api: &dyn NodeApi) -> String {
    use crate::release::kubelet as k;
    let n = api.cluster().node(api.node());
    let text = |p: &str| match n.fs.get(p) {
        Some(Entry::Text(t)) => t.clone(),
        _ => String::new(),
    };
    let kubeadm = k::env_value(&text(k::FLAGS_ENV), "KUBELET_KUBEADM_ARGS").unwrap_or_default();
    let extra = k::env_value(&text(k::DEFAULT_KUBELET), "KUBELET_EXTRA_ARGS").unwrap_or_default();
    k::command_line(
        "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf",
        "--config=/var/lib/kubelet/config.yaml",
        &kubeadm,
        &extra,
    )
    .join(" ")
}

/// What a container runs: a static pod's command from its manifest, the addons' known
/// commands, else the image's usual entrypoint. (CPU per-mille, RSS KiB, command line.)
fn container_process(api: &dyn NodeApi, node: NodeId, r: &Running<'_>) -> (u64, u64, String) {
    let n = api.cluster().node(node);
    let spec = r.pod.template.spec.containers.get(r.index);
    if let Owner::Mirror(_) = r.pod.owner {
        let component = r.pod.name.strip_suffix(&format!("-{}", n.name)).unwrap_or(&r.pod.name);
        let path = format!("/etc/kubernetes/manifests/{component}.yaml");
        let cmd = match n.fs.get(&path) {
            Some(Entry::Text(t)) => parse_manifest(t).ok().map(|v| v.command.join(" ")),
            _ => None,
        }
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| component.to_string());
        let (cpu, rss) = match component {
            "kube-apiserver" => (38, 318_464),
            "etcd" => (21, 71_680),
            "kube-controller-manager" => (12, 112_640),
            "kube-scheduler" => (3, 61_440),
            _ => (2, 40_960),
        };
        return (cpu, rss, cmd);
    }
    if let Some(c) = spec
        && (c.command.is_some() || c.args.is_some())
    {
        let words: Vec<String> = c
            .command
            .iter()
            .flatten()
            .chain(c.args.iter().flatten())
            .cloned()
            .collect();
        return (1, 8_192, words.join(" "));
    }
    let image = r.image.rsplit('/').next().unwrap_or(&r.image);
    let base = image.split([':', '@']).next().unwrap_or(image);
    match base {
        "kube-proxy" => (
            2,
            47_104,
            format!(
                "/usr/local/bin/kube-proxy --config=/var/lib/kube-proxy/config.conf --hostname-override={}",
                n.name
            ),
        ),
        "coredns" => (2, 24_576, "/coredns -conf /etc/coredns/Corefile".into()),
        "flannel" => (1, 30_720, "/opt/bin/flanneld --ip-masq --kube-subnet-mgr".into()),
        "nginx" => (0, 5_632, "nginx: master process nginx -g daemon off;".into()),
        "httpd" => (0, 4_608, "httpd -DFOREGROUND".into()),
        "redis" => (1, 7_168, "redis-server *:6379".into()),
        "busybox" | "alpine" => (0, 512, "sleep 3600".into()),
        "postgres" => (1, 28_672, "postgres".into()),
        "mysql" => (3, 389_120, "mysqld".into()),
        other => (1, 10_240, other.to_string()),
    }
}

/// `START` of `ps aux`: the time today, the date this year, else the year.
fn start_column(api: &dyn NodeApi, start: SimTime) -> String {
    let epoch = api.cluster().epoch_s;
    let now = api.now().wall_clock_with(epoch);
    let s = start.wall_clock_with(epoch);
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    if api.now().saturating_sub(start) < SimDuration::from_secs(86_400)
        && (s.year, s.month, s.day) == (now.year, now.month, now.day)
    {
        format!("{:02}:{:02}", s.hour, s.minute)
    } else if s.year == now.year {
        format!("{}{:02}", MONTHS[(s.month - 1) as usize], s.day)
    } else {
        s.year.to_string()
    }
}

/// CPU time used so far, in seconds.
fn cpu_secs(api: &dyn NodeApi, p: &Proc) -> u64 {
    api.now().saturating_sub(p.start).secs() * p.cpu_permille / 1000
}

fn total_mem_kb(api: &dyn NodeApi) -> u64 {
    let n = api.cluster().node(api.node());
    // allocatable plus what the kubelet reserves for the system (about 4 %).
    n.allocatable.memory / 1024 * 104 / 100
}

pub(crate) fn ps(api: &dyn NodeApi, args: &[String]) -> CommandOutput {
    let mut out = CommandOutput::default();
    let style = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => "plain",
        ["aux" | "-aux" | "auxw" | "auxww" | "axu" | "uax"] => "aux",
        ["-ef" | "-eF" | "-Af" | "-fe" | "-fA"] => "ef",
        ["-e" | "-A" | "ax" | "-ax"] => "e",
        _ => {
            stderr(
                &mut out,
                format!(
                    "kubedrill: `ps {}` is not modelled yet (modelled: ps, ps aux, ps -ef, ps -e)",
                    args.join(" ")
                ),
            );
            out.status = 1;
            return out;
        }
    };
    let mut procs = processes(api);
    // The shell's own processes: the ssh session's bash, then ps itself.
    let session = pid_at(&api.cluster().node(api.node()).name, api.now(), 99);
    let me = format!("ps {}", args.join(" ")).trim_end().to_string();
    for (pid, cmd, stat) in [(session, "-bash".to_string(), "Ss"), (session + 41, me, "R+")] {
        procs.push(Proc {
            pid,
            ppid: if stat == "R+" { session } else { 1 },
            user: "root",
            start: api.now(),
            cpu_permille: 0,
            rss_kb: 5_248,
            vsz_kb: 8_964,
            stat,
            tty: "pts/0",
            cmd,
        });
    }
    let total = total_mem_kb(api).max(1);
    match style {
        "plain" => {
            stdout(&mut out, "    PID TTY          TIME CMD");
            for p in procs.iter().filter(|p| p.tty == "pts/0") {
                stdout(
                    &mut out,
                    format!("{:>7} {:<8} {:>8} {}", p.pid, "pts/0", "00:00:00", p.comm()),
                );
            }
        }
        "aux" => {
            stdout(
                &mut out,
                "USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND",
            );
            for p in &procs {
                let secs = cpu_secs(api, p);
                let cpu = format!("{}.{}", p.cpu_permille / 10, p.cpu_permille % 10);
                let mem_pm = p.rss_kb * 1000 / total;
                let mem = format!("{}.{}", mem_pm / 10, mem_pm % 10);
                stdout(
                    &mut out,
                    format!(
                        "{:<8} {:>7} {:>4} {:>4} {:>6} {:>5} {:<8} {:<4} {:>5} {:>6} {}",
                        p.user,
                        p.pid,
                        cpu,
                        mem,
                        p.vsz_kb,
                        p.rss_kb,
                        p.tty,
                        p.stat,
                        start_column(api, p.start),
                        format!("{}:{:02}", secs / 60, secs % 60),
                        p.cmd
                    ),
                );
            }
        }
        "ef" => {
            stdout(&mut out, "UID          PID    PPID  C STIME TTY          TIME CMD");
            for p in &procs {
                let secs = cpu_secs(api, p);
                stdout(
                    &mut out,
                    format!(
                        "{:<8} {:>7} {:>7} {:>2} {:>5} {:<8} {:02}:{:02}:{:02} {}",
                        p.user,
                        p.pid,
                        p.ppid,
                        p.cpu_permille / 10,
                        start_column(api, p.start),
                        p.tty,
                        secs / 3600,
                        secs / 60 % 60,
                        secs % 60,
                        p.cmd
                    ),
                );
            }
        }
        _ => {
            stdout(&mut out, "    PID TTY          TIME CMD");
            for p in &procs {
                let secs = cpu_secs(api, p);
                stdout(
                    &mut out,
                    format!(
                        "{:>7} {:<8} {:02}:{:02}:{:02} {}",
                        p.pid,
                        p.tty,
                        secs / 3600,
                        secs / 60 % 60,
                        secs % 60,
                        p.comm()
                    ),
                );
            }
        }
    }
    out
}

/// `pgrep [-l] [-a] [-f] [-x] PATTERN` (the pattern as a substring; `-x` whole name).
pub(crate) fn pgrep(api: &dyn NodeApi, args: &[String]) -> CommandOutput {
    let mut out = CommandOutput::default();
    let (mut list_name, mut list_full, mut full, mut exact, mut count) = (false, false, false, false, false);
    let mut pattern = None;
    for a in args {
        match a.as_str() {
            "-l" | "--list-name" => list_name = true,
            "-a" | "--list-full" => list_full = true,
            "-f" | "--full" => full = true,
            "-x" | "--exact" => exact = true,
            "-c" | "--count" => count = true,
            "-fa" | "-af" => {
                full = true;
                list_full = true;
            }
            a if a.starts_with('-') => {
                stderr(
                    &mut out,
                    format!("kubedrill: pgrep {a} is not modelled yet (modelled: -l, -a, -f, -x, -c)"),
                );
                out.status = 2;
                return out;
            }
            p => pattern = Some(p.to_string()),
        }
    }
    let Some(pattern) = pattern else {
        stderr(&mut out, "pgrep: no matching criteria specified");
        stderr(&mut out, "Try `pgrep --help' for more information.");
        out.status = 2;
        return out;
    };
    let mut found = 0;
    for p in processes(api) {
        let hay = if full { p.cmd.clone() } else { p.comm() };
        let hit = if exact { hay == pattern } else { hay.contains(&pattern) };
        if !hit {
            continue;
        }
        found += 1;
        if count {
            continue;
        }
        let line = if list_full {
            format!("{} {}", p.pid, p.cmd)
        } else if list_name {
            format!("{} {}", p.pid, p.comm())
        } else {
            p.pid.to_string()
        };
        stdout(&mut out, line);
    }
    if count {
        stdout(&mut out, found.to_string());
    }
    if found == 0 {
        out.status = 1;
    }
    out
}

/// `pidof NAME...`.
pub(crate) fn pidof(api: &dyn NodeApi, args: &[String]) -> CommandOutput {
    let mut out = CommandOutput::default();
    let procs = processes(api);
    let mut pids = Vec::new();
    for name in args.iter().filter(|a| !a.starts_with('-')) {
        for p in procs.iter().rev() {
            let first = p.cmd.split_whitespace().next().unwrap_or_default();
            if p.comm() == *name || first.rsplit('/').next() == Some(name.as_str()) {
                pids.push(p.pid.to_string());
            }
        }
    }
    if pids.is_empty() {
        out.status = 1;
    } else {
        stdout(&mut out, pids.join(" "));
    }
    out
}

/// `free [-h|-m|-g|-k]`: the machine's memory, used by what runs on it.
pub(crate) fn free(api: &dyn NodeApi, args: &[String]) -> CommandOutput {
    let mut out = CommandOutput::default();
    let unit = args.iter().find_map(|a| match a.as_str() {
        "-h" | "--human" => Some('h'),
        "-m" | "--mebi" => Some('m'),
        "-g" | "--gibi" => Some('g'),
        "-k" | "--kibi" => Some('k'),
        _ => None,
    });
    let total = total_mem_kb(api);
    let used: u64 = 380_000 + processes(api).iter().map(|p| p.rss_kb).sum::<u64>();
    let cache = total / 5;
    let free = total.saturating_sub(used + cache);
    let shared = 4_312;
    let available = free + cache * 9 / 10;
    let swap = 0;
    let fmt = |kb: u64| -> String {
        match unit {
            Some('h') => human_kib(kb),
            Some('m') => (kb / 1024).to_string(),
            Some('g') => (kb / 1024 / 1024).to_string(),
            _ => kb.to_string(),
        }
    };
    stdout(
        &mut out,
        "               total        used        free      shared  buff/cache   available",
    );
    stdout(
        &mut out,
        format!(
            "Mem:    {:>12}{:>12}{:>12}{:>12}{:>12}{:>12}",
            fmt(total),
            fmt(used),
            fmt(free),
            fmt(shared),
            fmt(cache),
            fmt(available)
        ),
    );
    stdout(
        &mut out,
        format!("Swap:   {:>12}{:>12}{:>12}", fmt(swap), fmt(swap), fmt(swap)),
    );
    out
}

/// free's and df's `-h`: powers of 1024, one decimal under 10 (`1.9Gi` for free).
fn human_kib(kb: u64) -> String {
    if kb == 0 {
        return "0B".to_string();
    }
    let units = ["Ki", "Mi", "Gi", "Ti"];
    let mut v = kb as f64;
    let mut i = 0;
    while v >= 1024.0 && i < units.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if v < 10.0 {
        format!("{:.1}{}", v, units[i])
    } else {
        format!("{:.0}{}", v, units[i])
    }
}

/// `uptime`: the time, how long since the machine booted, users and load.
pub(crate) fn uptime(api: &dyn NodeApi, args: &[String]) -> CommandOutput {
    let mut out = CommandOutput::default();
    let n = api.cluster().node(api.node());
    let up = api.now().saturating_sub(n.booted_at).secs();
    let (days, hours, mins) = (up / 86_400, up % 86_400 / 3600, up % 3600 / 60);
    if args.iter().any(|a| a == "-p" || a == "--pretty") {
        let mut parts = Vec::new();
        let plural = |n: u64, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
        // procps counts weeks apart from days.
        if days >= 7 {
            parts.push(plural(days / 7, "week"));
        }
        if days % 7 > 0 {
            parts.push(plural(days % 7, "day"));
        }
        if hours > 0 {
            parts.push(plural(hours, "hour"));
        }
        if mins > 0 || parts.is_empty() {
            parts.push(plural(mins, "minute"));
        }
        stdout(&mut out, format!("up {}", parts.join(", ")));
        return out;
    }
    let w = api.now().wall_clock_with(api.cluster().epoch_s);
    let since = match (days, hours) {
        (0, 0) => format!("{mins} min"),
        (0, h) => format!("{h}:{mins:02}"),
        (d, 0) => format!("{d} day{}, {mins} min", if d == 1 { "" } else { "s" }),
        (d, h) => format!("{d} day{}, {h}:{mins:02}", if d == 1 { "" } else { "s" }),
    };
    let load = if n.control_plane.is_some() {
        "0.31, 0.27, 0.25"
    } else {
        "0.08, 0.06, 0.05"
    };
    stdout(
        &mut out,
        format!(
            " {:02}:{:02}:{:02} up {since},  1 user,  load average: {load}",
            w.hour, w.minute, w.second
        ),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_rounds_like_procps() {
        assert_eq!(human_kib(4_039_480), "3.9Gi");
        assert_eq!(human_kib(16_777_216), "16Gi");
        assert_eq!(human_kib(0), "0B");
    }
}
