//! `systemctl` (and `service`) for the kubelet, the one unit maintenance touches, plus
//! `kubelet --version`.
//!
//! Modelled: `start|stop|restart|reload|try-restart`, `enable|disable [--now]`, `status`,
//! `is-active|is-enabled|is-failed`, `cat`, `show [-p P] [--value]`, `list-units`,
//! `list-unit-files`, `daemon-reload`, `reset-failed`. Stopping the kubelet leaves the
//! containers running (unlike a crash): the node goes NotReady after the grace period and its
//! pods are evicted 300 s later. A restart runs the kubelet binary installed now, which is how a
//! kubelet package upgrade takes effect; a kubelet whose flags or config are wrong exits at
//! once and systemd restarts it every 10 s (`engine::kubelet`).

use super::units::{UNITS, Unit, find, present};
use super::{Systemd, relative, timespan, timestamp};
use crate::model::hostfs::Entry;
use crate::release::kubelet as kfiles;
use crate::shell::CommandOutput;
use crate::shell::output::{stderr, stdout};
use crate::tools::api::NodeApi;

const KUBELET_DESCRIPTION: &str = "kubelet: The Kubernetes Node Agent";
const EXEC_START: &str =
    "/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS";

fn unit_name(arg: &str) -> &str {
    arg.strip_suffix(".service").unwrap_or(arg)
}

/// What a unit argument names on this node.
enum Target {
    Kubelet,
    /// The container runtime (containerd or docker): runs all the time here.
    Runtime(&'static Unit),
    /// A real unit the model only lists.
    Listed(&'static Unit),
    Missing,
}

fn target(api: &dyn NodeApi, arg: &str) -> Target {
    let name = unit_name(arg);
    if name == "kubelet" {
        return Target::Kubelet;
    }
    let runtime = &api.cluster().node(api.node()).container_runtime;
    match find(name) {
        Some(u) if !present(u, runtime) => Target::Missing,
        Some(u) if u.runtime.is_some() => Target::Runtime(u),
        Some(u) => Target::Listed(u),
        None => Target::Missing,
    }
}

#[derive(Default)]
struct Flags {
    now: bool,
    all: bool,
    quiet: bool,
    value: bool,
    no_legend: bool,
    properties: Vec<String>,
    state: Option<String>,
    lines: Option<usize>,
}

fn fail(out: &mut CommandOutput, msg: String, status: i32) {
    stderr(out, msg);
    out.status = status;
}

pub(crate) fn systemctl(api: &mut dyn NodeApi, args: &[String]) -> CommandOutput {
    let mut out = CommandOutput::default();
    let mut flags = Flags::default();
    let mut words: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let next = |i: &mut usize| {
            *i += 1;
            args.get(*i).cloned().unwrap_or_default()
        };
        match a {
            "--now" => flags.now = true,
            "-a" | "--all" => flags.all = true,
            "-q" | "--quiet" => flags.quiet = true,
            "--value" => flags.value = true,
            "--no-legend" => flags.no_legend = true,
            "--no-pager" | "-l" | "--full" | "--plain" | "--no-block" | "--no-ask-password" | "--system" => {}
            "-p" | "--property" => flags.properties.extend(next(&mut i).split(',').map(str::to_string)),
            "-t" | "--type" => {
                next(&mut i);
            }
            "--state" => flags.state = Some(next(&mut i)),
            "-n" | "--lines" => flags.lines = next(&mut i).parse().ok(),
            "--failed" => flags.state = Some("failed".into()),
            "-h" | "--help" => {
                stdout(
                    &mut out,
                    "systemctl [OPTIONS...] COMMAND ...\n\nQuery or send control commands to the system manager.\n\nModelled by kubedrill for the kubelet: start, stop, restart, reload, enable, disable,\nstatus, is-active, is-enabled, is-failed, cat, show, list-units, list-unit-files,\ndaemon-reload, reset-failed.",
                );
                return out;
            }
            "--version" => {
                stdout(&mut out, version_text(Systemd::of(api)));
                return out;
            }
            a if a.starts_with("--property=") => {
                flags
                    .properties
                    .extend(a["--property=".len()..].split(',').map(str::to_string));
            }
            a if a.starts_with("-p") && a.len() > 2 => {
                flags.properties.extend(a[2..].split(',').map(str::to_string));
            }
            a if a.starts_with("--type=") => {}
            a if a.starts_with("--state=") => flags.state = Some(a["--state=".len()..].to_string()),
            a if a.starts_with("--lines=") => flags.lines = a["--lines=".len()..].parse().ok(),
            a if a.starts_with("-n") && a[2..].parse::<usize>().is_ok() => flags.lines = a[2..].parse().ok(),
            a if a.starts_with('-') => {
                fail(&mut out, format!("systemctl: unrecognized option '{a}'"), 1);
                return out;
            }
            a => words.push(a),
        }
        i += 1;
    }
    let Some((&verb, units)) = words.split_first() else {
        return list_units(api, &flags);
    };
    match verb {
        "daemon-reload" | "daemon-reexec" => {
            api.daemon_reload();
            return out;
        }
        "reset-failed" => return out,
        "list-units" => return list_units(api, &flags),
        "list-unit-files" => return list_unit_files(api, &flags),
        "mask" | "unmask" | "edit" | "kill" | "isolate" | "reboot" | "poweroff" | "halt" | "list-timers"
        | "list-dependencies" | "list-sockets" | "set-property" | "show-environment" | "get-default"
        | "set-default" | "link" | "revert" | "preset" | "reenable" | "clean" | "freeze" | "thaw" | "suspend"
        | "hibernate" | "rescue" | "emergency" | "default" | "list-jobs" | "cancel" | "set-environment" => {
            fail(
                &mut out,
                format!("kubedrill: `systemctl {verb}` is not modelled yet (see `systemctl --help`)"),
                1,
            );
            return out;
        }
        "start" | "stop" | "restart" | "reload" | "try-restart" | "reload-or-restart" | "condrestart" | "status"
        | "is-active" | "is-enabled" | "is-failed" | "enable" | "disable" | "cat" | "show" => {}
        other => {
            fail(&mut out, format!("Unknown command verb {other}."), 1);
            return out;
        }
    }
    if units.is_empty() {
        if verb == "status" {
            fail(
                &mut out,
                "kubedrill: `systemctl status` of the whole system is not modelled; name a unit (systemctl status kubelet)".into(),
                1,
            );
        } else if verb == "show" {
            fail(
                &mut out,
                "kubedrill: `systemctl show` of the manager is not modelled; name a unit".into(),
                1,
            );
        } else {
            fail(&mut out, "Too few arguments.".into(), 1);
        }
        return out;
    }
    for (n, unit) in units.iter().enumerate() {
        if verb == "status" && n > 0 {
            stdout(&mut out, "");
        }
        let one = one_unit(api, verb, unit, &flags);
        out.chunks.extend(one.chunks);
        out.status = out.status.max(one.status);
    }
    api.settle();
    out
}

fn version_text(s: Systemd) -> &'static str {
    match s {
        Systemd::V255 => {
            "systemd 255 (255.4-1ubuntu8.4)\n+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT -GNUTLS +OPENSSL +ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD +LIBCRYPTSETUP +LIBFDISK +PCRE2 -PWQUALITY +P11KIT +QRENCODE +TPM2 +BZIP2 +LZ4 +XZ +ZLIB +ZSTD -BPF_FRAMEWORK -XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified"
        }
        Systemd::V249 => {
            "systemd 249 (249.11-0ubuntu3.12)\n+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT +GNUTLS +OPENSSL +ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD +LIBCRYPTSETUP +LIBFDISK +PCRE2 -PWQUALITY -P11KIT -QRENCODE +BZIP2 +LZ4 +XZ +ZLIB +ZSTD -XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified"
        }
        Systemd::V245 => {
            "systemd 245 (245.4-4ubuntu3.22)\n+PAM +AUDIT +SELINUX +IMA +APPARMOR +SMACK +SYSVINIT +UTMP +LIBCRYPTSETUP +GCRYPT +GNUTLS +ACL +XZ +LZ4 +SECCOMP +BLKID +ELFUTILS +KMOD +IDN2 -IDN +PCRE2 default-hierarchy=hybrid"
        }
    }
}

/// One verb on one unit.
fn one_unit(api: &mut dyn NodeApi, verb: &str, unit: &str, flags: &Flags) -> CommandOutput {
    let mut out = CommandOutput::default();
    let name = unit_name(unit).to_string();
    match target(api, unit) {
        Target::Kubelet => kubelet_verb(api, verb, flags, &mut out),
        Target::Runtime(u) => runtime_verb(api, verb, u, flags, &mut out),
        Target::Listed(u) => match verb {
            "is-active" => state_line(&mut out, flags, if u.sub == "dead" { "inactive" } else { "active" }, 0),
            "is-enabled" => state_line(&mut out, flags, u.file_state, 0),
            "is-failed" => state_line(&mut out, flags, "active", 1),
            _ => fail(
                &mut out,
                format!(
                    "kubedrill: the {name} unit exists on a real node but is not modelled; only the kubelet (and the container runtime's status) are"
                ),
                1,
            ),
        },
        Target::Missing => missing(verb, &name, flags, &mut out),
    }
    out
}

fn missing(verb: &str, name: &str, flags: &Flags, out: &mut CommandOutput) {
    match verb {
        "status" => fail(out, format!("Unit {name}.service could not be found."), 4),
        "is-active" | "is-failed" => state_line(out, flags, "inactive", if verb == "is-active" { 3 } else { 1 }),
        "is-enabled" => fail(
            out,
            format!("Failed to get unit file state for {name}.service: No such file or directory"),
            1,
        ),
        "enable" | "disable" => fail(
            out,
            format!("Failed to {verb} unit: Unit file {name}.service does not exist."),
            1,
        ),
        "cat" => fail(out, format!("No files found for {name}.service."), 1),
        "show" => {
            for line in [
                format!("Id={name}.service"),
                format!("Names={name}.service"),
                "LoadState=not-found".into(),
                "ActiveState=inactive".into(),
                "SubState=dead".into(),
            ] {
                stdout(out, line);
            }
        }
        _ => fail(
            out,
            format!("Failed to {verb} {name}.service: Unit {name}.service not found."),
            5,
        ),
    }
}

fn state_line(out: &mut CommandOutput, flags: &Flags, state: &str, status: i32) {
    if !flags.quiet {
        stdout(out, state);
    }
    out.status = status;
}

/// The kubelet's state as systemd reports it: (ActiveState, SubState).
fn kubelet_state(api: &dyn NodeApi) -> (&'static str, &'static str) {
    let n = api.cluster().node(api.node());
    if n.kubelet_unit.failing.is_some() {
        ("activating", "auto-restart")
    } else if n.kubelet_running {
        ("active", "running")
    } else {
        ("inactive", "dead")
    }
}

fn changed_warning(api: &dyn NodeApi, out: &mut CommandOutput) {
    if !api.cluster().node(api.node()).unit_changed {
        return;
    }
    let text = if Systemd::of(api) >= Systemd::V249 {
        "Warning: The unit file, source configuration file or drop-ins of kubelet.service changed on disk. Run 'systemctl daemon-reload' to reload units."
    } else {
        "Warning: kubelet.service changed on disk. Run 'systemctl daemon-reload' to reload units."
    };
    stderr(out, text);
}

fn kubelet_verb(api: &mut dyn NodeApi, verb: &str, flags: &Flags, out: &mut CommandOutput) {
    match verb {
        "start" => {
            changed_warning(api, out);
            api.kubelet_start();
        }
        "stop" => {
            changed_warning(api, out);
            api.kubelet_stop();
        }
        "restart" | "reload" | "reload-or-restart" | "try-restart" | "condrestart" => {
            changed_warning(api, out);
            let (active, _) = kubelet_state(api);
            if verb.contains("try") || verb == "condrestart" {
                if active == "active" {
                    api.kubelet_stop();
                    api.kubelet_start();
                }
            } else {
                api.kubelet_stop();
                api.kubelet_start();
            }
        }
        "enable" | "disable" => {
            let on = verb == "enable";
            let was = api.cluster().node(api.node()).kubelet_unit.enabled;
            if was != on {
                api.set_kubelet_enabled(on);
                stderr(out, symlink_message(api, on));
            }
            if flags.now {
                if on {
                    api.kubelet_start();
                } else {
                    api.kubelet_stop();
                }
            }
        }
        "status" => {
            for l in kubelet_status(api, flags.lines.unwrap_or(10)) {
                stdout(out, l);
            }
            changed_warning(api, out);
            if kubelet_state(api).0 != "active" {
                out.status = 3;
            }
        }
        "is-active" => {
            let (active, _) = kubelet_state(api);
            state_line(out, flags, active, if active == "active" { 0 } else { 3 });
        }
        "is-failed" => {
            let (active, _) = kubelet_state(api);
            state_line(out, flags, active, if active == "failed" { 0 } else { 1 });
        }
        "is-enabled" => {
            let on = api.cluster().node(api.node()).kubelet_unit.enabled;
            state_line(
                out,
                flags,
                if on { "enabled" } else { "disabled" },
                if on { 0 } else { 1 },
            );
        }
        "cat" => {
            let files = unit_files(api);
            for (k, (path, text)) in files.iter().enumerate() {
                if k > 0 {
                    stdout(out, "");
                }
                stdout(out, format!("# {path}"));
                out.push(crate::shell::Stream::Stdout, text);
            }
        }
        "show" => {
            for (k, v) in kubelet_properties(api) {
                if !flags.properties.is_empty() && !flags.properties.iter().any(|p| p == k) {
                    continue;
                }
                stdout(out, if flags.value { v } else { format!("{k}={v}") });
            }
        }
        _ => {}
    }
}

fn symlink_message(api: &dyn NodeApi, on: bool) -> String {
    let link = "/etc/systemd/system/multi-user.target.wants/kubelet.service";
    let s = Systemd::of(api);
    let target = loaded_path(api);
    match (on, s >= Systemd::V255) {
        (true, true) => format!("Created symlink '{link}' → '{target}'."),
        (true, false) => format!("Created symlink {link} → {target}."),
        (false, true) => format!("Removed '{link}'."),
        (false, false) => format!("Removed {link}."),
    }
}

/// The unit file and its drop-ins as they are on disk: (path, text).
fn unit_files(api: &dyn NodeApi) -> Vec<(String, String)> {
    let n = api.cluster().node(api.node());
    let mut files = Vec::new();
    for path in [
        "/usr/lib/systemd/system/kubelet.service",
        "/lib/systemd/system/kubelet.service",
        "/etc/systemd/system/kubelet.service",
    ] {
        if let Some(Entry::Text(t)) = n.fs.get(path) {
            let shown = if path.starts_with("/usr/lib") && Systemd::of(api) < Systemd::V255 {
                path.trim_start_matches("/usr").to_string()
            } else {
                path.to_string()
            };
            files.push((shown, t.clone()));
            break;
        }
    }
    for dir in [
        "/etc/systemd/system/kubelet.service.d",
        "/usr/lib/systemd/system/kubelet.service.d",
    ] {
        for (name, e) in n.fs.children(dir) {
            if let Entry::Text(t) = e
                && name.ends_with(".conf")
            {
                files.push((format!("{dir}/{name}"), t.clone()));
            }
        }
    }
    files
}

/// Where systemd says it loaded the unit from (`/lib` on the merged-/usr releases before 255).
fn loaded_path(api: &dyn NodeApi) -> String {
    unit_files(api)
        .first()
        .map(|(p, _)| p.clone())
        .unwrap_or_else(|| "/lib/systemd/system/kubelet.service".into())
}

/// The kubelet's command line as systemd builds it now from the drop-in and the env files.
fn command_line(api: &dyn NodeApi) -> Vec<String> {
    let n = api.cluster().node(api.node());
    let text = |path: &str| match n.fs.get(path) {
        Some(Entry::Text(t)) => Some(t.clone()),
        _ => None,
    };
    let drop_in = unit_files(api)
        .into_iter()
        .filter(|(p, _)| p.ends_with(".conf"))
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join("\n");
    let environment = |var: &str| -> String {
        drop_in
            .lines()
            .filter_map(|l| l.trim().strip_prefix("Environment="))
            .find_map(|v| kfiles::env_value(v.trim_matches('"'), var))
            .unwrap_or_default()
    };
    let kubeadm = text(kfiles::FLAGS_ENV)
        .and_then(|t| kfiles::env_value(&t, "KUBELET_KUBEADM_ARGS"))
        .unwrap_or_default();
    let extra = text(kfiles::DEFAULT_KUBELET)
        .and_then(|t| kfiles::env_value(&t, "KUBELET_EXTRA_ARGS"))
        .unwrap_or_default();
    let mut args = kfiles::command_line(
        &environment("KUBELET_KUBECONFIG_ARGS"),
        &environment("KUBELET_CONFIG_ARGS"),
        &kubeadm,
        &extra,
    );
    for var in [
        "KUBELET_SYSTEM_PODS_ARGS",
        "KUBELET_NETWORK_ARGS",
        "KUBELET_DNS_ARGS",
        "KUBELET_AUTHZ_ARGS",
        "KUBELET_CADVISOR_ARGS",
        "KUBELET_CERTIFICATE_ARGS",
    ] {
        args.extend(environment(var).split_whitespace().map(str::to_string));
    }
    args
}

/// The status page of the kubelet unit, with the journal's last `lines` lines.
fn kubelet_status(api: &dyn NodeApi, lines: usize) -> Vec<String> {
    let s = Systemd::of(api);
    let n = api.cluster().node(api.node());
    let u = &n.kubelet_unit;
    let (active, sub) = kubelet_state(api);
    let dot = if active == "inactive" && s >= Systemd::V249 {
        "○"
    } else {
        "●"
    };
    let enabled = if u.enabled { "enabled" } else { "disabled" };
    let preset = if s >= Systemd::V255 { "preset" } else { "vendor preset" };
    let mut l = vec![
        format!("{dot} kubelet.service - {KUBELET_DESCRIPTION}"),
        format!(
            "     Loaded: loaded ({}; {enabled}; {preset}: enabled)",
            loaded_path(api)
        ),
    ];
    let files = unit_files(api);
    let drop_ins: Vec<&(String, String)> = files.iter().filter(|(p, _)| p.ends_with(".conf")).collect();
    let mut dir_shown: Option<String> = None;
    for (k, (path, _)) in drop_ins.iter().enumerate() {
        let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
        let head = if k == 0 { "    Drop-In: " } else { "             " };
        if dir_shown.as_deref() != Some(dir) {
            l.push(format!("{head}{dir}"));
            dir_shown = Some(dir.to_string());
        }
        l.push(format!("             └─{file}"));
    }
    let since = timestamp(api, u.since);
    let ago = relative(api.now().saturating_sub(u.since));
    let state = match (active, sub) {
        ("activating", _) => format!("activating (auto-restart) (Result: exit-code) since {since}; {ago}"),
        ("active", _) => format!("active (running) since {since}; {ago}"),
        _ => format!("inactive (dead) since {since}; {ago}"),
    };
    l.push(format!("     Active: {state}"));
    l.push("       Docs: https://kubernetes.io/docs/".into());
    let uptime_ms = api.now().saturating_sub(u.since).ms();
    match active {
        "active" => {
            let pods = n.pods.len() as u64;
            let mem_mib = n.allocatable.memory / (1024 * 1024);
            l.push(format!("   Main PID: {} (kubelet)", u.pid));
            l.push(format!(
                "      Tasks: {} (limit: {})",
                11 + pods / 3,
                mem_mib * 114 / 100
            ));
            l.push(format!("     Memory: {}.{}M", 31 + pods * 2, u.pid % 10));
            l.push(format!("        CPU: {}", timespan(uptime_ms / 50 + 317)));
            l.push("     CGroup: /system.slice/kubelet.service".into());
            l.push(format!(
                "             └─{} /usr/bin/kubelet {}",
                u.pid,
                command_line(api).join(" ")
            ));
        }
        "activating" => {
            l.push(format!(
                "    Process: {} ExecStart={EXEC_START} (code=exited, status=1/FAILURE)",
                u.pid
            ));
            l.push(format!("   Main PID: {} (code=exited, status=1/FAILURE)", u.pid));
            l.push(format!("        CPU: {}ms", 60 + u.pid % 40));
        }
        _ => {
            if u.pid != 0 {
                l.push(format!(
                    "    Process: {} ExecStart={EXEC_START} (code=exited, status=0/SUCCESS)",
                    u.pid
                ));
                l.push(format!("   Main PID: {} (code=exited, status=0/SUCCESS)", u.pid));
            }
        }
    }
    if lines > 0 {
        let journal = super::journalctl::last_lines(api, lines);
        if !journal.is_empty() {
            l.push(String::new());
            l.extend(journal);
        }
    }
    l
}

fn kubelet_properties(api: &dyn NodeApi) -> Vec<(&'static str, String)> {
    let n = api.cluster().node(api.node());
    let u = &n.kubelet_unit;
    let (active, sub) = kubelet_state(api);
    let since = timestamp(api, u.since);
    let drop_ins: Vec<String> = unit_files(api)
        .into_iter()
        .filter(|(p, _)| p.ends_with(".conf"))
        .map(|(p, _)| p)
        .collect();
    let main_pid = if active == "active" { u.pid } else { 0 };
    vec![
        ("Type", "simple".into()),
        ("Restart", "always".into()),
        ("RestartUSec", "10s".into()),
        ("MainPID", main_pid.to_string()),
        ("ExecMainStartTimestamp", since.clone()),
        ("ExecMainPID", u.pid.to_string()),
        ("ExecMainStatus", if active == "activating" { "1" } else { "0" }.into()),
        ("NRestarts", u.restarts.to_string()),
        (
            "Result",
            if active == "activating" { "exit-code" } else { "success" }.into(),
        ),
        ("Id", "kubelet.service".into()),
        ("Names", "kubelet.service".into()),
        ("Description", KUBELET_DESCRIPTION.into()),
        ("LoadState", "loaded".into()),
        ("ActiveState", active.into()),
        ("SubState", sub.into()),
        ("FragmentPath", loaded_path(api)),
        ("DropInPaths", drop_ins.join(" ")),
        ("UnitFileState", if u.enabled { "enabled" } else { "disabled" }.into()),
        ("UnitFilePreset", "enabled".into()),
        ("StateChangeTimestamp", since.clone()),
        (
            "ActiveEnterTimestamp",
            if active == "active" { since } else { String::new() },
        ),
        ("NeedDaemonReload", if n.unit_changed { "yes" } else { "no" }.into()),
        ("Documentation", "https://kubernetes.io/docs/".into()),
    ]
}

/// containerd (or docker): always running here; `restart` keeps the containers (shims).
fn runtime_verb(api: &mut dyn NodeApi, verb: &str, u: &Unit, flags: &Flags, out: &mut CommandOutput) {
    match verb {
        "start" | "restart" | "reload" | "try-restart" | "reload-or-restart" | "condrestart" | "enable" => {}
        "is-active" => state_line(out, flags, "active", 0),
        "is-enabled" => state_line(out, flags, "enabled", 0),
        "is-failed" => state_line(out, flags, "active", 1),
        "status" => {
            let n = api.cluster().node(api.node());
            let s = Systemd::of(api);
            let preset = if s >= Systemd::V255 { "preset" } else { "vendor preset" };
            let dir = if s >= Systemd::V255 { "/usr/lib" } else { "/lib" };
            let pid = crate::model::unit::pid_at(&n.name, n.booted_at, 7);
            let since = timestamp(api, n.booted_at);
            let ago = relative(api.now().saturating_sub(n.booted_at));
            let (docs, bin) = if u.name == "containerd" {
                ("https://containerd.io", "/usr/bin/containerd")
            } else {
                (
                    "https://docs.docker.com",
                    "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock",
                )
            };
            for line in [
                format!("● {}.service - {}", u.name, u.description),
                format!(
                    "     Loaded: loaded ({dir}/systemd/system/{}.service; enabled; {preset}: enabled)",
                    u.name
                ),
                format!("     Active: active (running) since {since}; {ago}"),
                format!("       Docs: {docs}"),
                format!(
                    "   Main PID: {pid} ({})",
                    if u.name == "containerd" {
                        "containerd"
                    } else {
                        "dockerd"
                    }
                ),
                format!("      Tasks: {}", 20 + n.pods.len() * 11),
                format!("     Memory: {}.3M", 60 + n.pods.len() * 9),
                format!(
                    "        CPU: {}",
                    timespan(api.now().saturating_sub(n.booted_at).ms() / 80 + 911)
                ),
                format!("     CGroup: /system.slice/{}.service", u.name),
                format!("             └─{pid} {bin}"),
            ] {
                stdout(out, line);
            }
        }
        _ => fail(
            out,
            format!(
                "kubedrill: `systemctl {verb} {}` is not modelled yet (the container runtime always runs here)",
                u.name
            ),
            1,
        ),
    }
}

/// `systemctl list-units` (services): LOAD, ACTIVE, SUB, DESCRIPTION and the legend.
fn list_units(api: &dyn NodeApi, flags: &Flags) -> CommandOutput {
    let mut out = CommandOutput::default();
    let runtime = api.cluster().node(api.node()).container_runtime.clone();
    let (k_active, k_sub) = kubelet_state(api);
    let mut rows: Vec<(String, &str, &str, String)> = UNITS
        .iter()
        .filter(|u| present(u, &runtime))
        .map(|u| {
            let active = if u.sub == "dead" { "inactive" } else { "active" };
            (format!("{}.service", u.name), active, u.sub, u.description.to_string())
        })
        .collect();
    rows.push(("kubelet.service".into(), k_active, k_sub, KUBELET_DESCRIPTION.into()));
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows.retain(|r| match flags.state.as_deref() {
        Some(s) => s.split(',').any(|s| s == r.1 || s == r.2),
        None => flags.all || r.1 != "inactive",
    });
    let mut table = vec![vec![
        "  UNIT".to_string(),
        "LOAD".into(),
        "ACTIVE".into(),
        "SUB".into(),
        "DESCRIPTION".into(),
    ]];
    for (unit, active, sub, desc) in &rows {
        let mark = if *active == "activating" || *active == "failed" {
            "● "
        } else {
            "  "
        };
        table.push(vec![
            format!("{mark}{unit}"),
            "loaded".into(),
            active.to_string(),
            sub.to_string(),
            desc.clone(),
        ]);
    }
    if flags.no_legend {
        table.remove(0);
    }
    for line in pad_columns(&table) {
        stdout(&mut out, line);
    }
    if !flags.no_legend {
        stdout(&mut out, "");
        stdout(
            &mut out,
            "LOAD   = Reflects whether the unit definition was properly loaded.",
        );
        stdout(
            &mut out,
            "ACTIVE = The high-level unit activation state, i.e. generalization of SUB.",
        );
        stdout(
            &mut out,
            "SUB    = The low-level unit activation state, values depend on unit type.",
        );
        stdout(&mut out, format!("{} loaded units listed.", rows.len()));
        if !flags.all {
            stdout(&mut out, "Pass --all to see loaded but inactive units, too.");
        }
        stdout(
            &mut out,
            "To show all installed unit files use 'systemctl list-unit-files'.",
        );
    }
    out
}

/// `systemctl list-unit-files` (services).
fn list_unit_files(api: &dyn NodeApi, flags: &Flags) -> CommandOutput {
    let mut out = CommandOutput::default();
    let runtime = api.cluster().node(api.node()).container_runtime.clone();
    let kubelet = if api.cluster().node(api.node()).kubelet_unit.enabled {
        "enabled"
    } else {
        "disabled"
    };
    let mut rows: Vec<(String, String)> = UNITS
        .iter()
        .filter(|u| present(u, &runtime))
        .map(|u| (format!("{}.service", u.name), u.file_state.to_string()))
        .collect();
    rows.push(("kubelet.service".into(), kubelet.into()));
    rows.sort();
    if let Some(s) = &flags.state {
        rows.retain(|r| s.split(',').any(|s| s == r.1));
    }
    let preset_head = if Systemd::of(api) >= Systemd::V255 {
        "PRESET"
    } else {
        "VENDOR PRESET"
    };
    let mut table = vec![vec!["UNIT FILE".to_string(), "STATE".into(), preset_head.into()]];
    for (u, state) in &rows {
        let preset = if state == "static" { "-" } else { "enabled" };
        table.push(vec![u.clone(), state.clone(), preset.into()]);
    }
    if flags.no_legend {
        table.remove(0);
    }
    for line in pad_columns(&table) {
        stdout(&mut out, line);
    }
    if !flags.no_legend {
        stdout(&mut out, "");
        stdout(&mut out, format!("{} unit files listed.", rows.len()));
    }
    out
}

/// systemd's tables: columns separated by one space, each as wide as its widest cell (the last
/// one unpadded).
fn pad_columns(rows: &[Vec<String>]) -> Vec<String> {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    rows.iter()
        .map(|r| {
            let mut line = String::new();
            for (c, cell) in r.iter().enumerate() {
                if c + 1 == r.len() {
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    line.push_str(&" ".repeat(widths[c] - cell.chars().count() + 1));
                }
            }
            line.trim_end().to_string()
        })
        .collect()
}

/// `service UNIT start|stop|restart|status` (the SysV wrapper, which hands over to systemctl);
/// `service --status-all` lists the init scripts.
pub(crate) fn service(api: &mut dyn NodeApi, args: &[String]) -> CommandOutput {
    match args {
        [unit, action, rest @ ..] if !unit.starts_with('-') => {
            let mut argv = vec![action.clone(), unit.clone()];
            argv.extend(rest.iter().cloned());
            systemctl(api, &argv)
        }
        [flag] if flag == "--status-all" => {
            let mut out = CommandOutput::default();
            for (mark, name) in [
                ("+", "apparmor"),
                ("+", "apport"),
                ("+", "cron"),
                ("+", "dbus"),
                ("-", "hwclock.sh"),
                ("+", "kmod"),
                ("+", "procps"),
                ("+", "rsyslog"),
                ("+", "ssh"),
                ("+", "udev"),
                ("+", "ufw"),
                ("+", "unattended-upgrades"),
            ] {
                stdout(&mut out, format!(" [ {mark} ]  {name}"));
            }
            out
        }
        [flag] if flag == "--version" => {
            let mut out = CommandOutput::default();
            stdout(&mut out, "service ver. 1.62");
            out
        }
        _ => {
            let mut out = CommandOutput::default();
            fail(
                &mut out,
                "Usage: service < option > | --status-all | [ service_name [ command | --full-restart ] ]".into(),
                1,
            );
            out
        }
    }
}

/// `kubelet --version` runs the installed binary, whatever the running kubelet is.
pub(crate) fn kubelet(api: &dyn NodeApi, args: &[String]) -> CommandOutput {
    let mut out = CommandOutput::default();
    match args.first().map(String::as_str) {
        Some("--version") | Some("-version") => {
            stdout(&mut out, format!("Kubernetes {}", api.installed_kubelet()));
        }
        _ => {
            stderr(
                &mut out,
                "kubedrill: the kubelet runs as a systemd unit here; use `systemctl restart kubelet` or `kubelet --version`",
            );
            out.status = 1;
        }
    }
    out
}
