//! The `kubeadm` command on a host: `version`, `upgrade plan`, `upgrade apply`, `upgrade node`.
//!
//! The rules and texts are the pure functions next door ([`super::policy`], [`super::etcd`],
//! [`super::plan`], [`super::apply_text`], [`super::node_text`]); this file reads the model,
//! decides, changes the cluster through the node seam's upgrade operations ([`NodeApi`](crate::tools::api::NodeApi)) and prints.

use super::apply_text::{self, ApplyTail, ControlPlaneRun, PodHashes, UpgradeCommand};
use super::etcd::{EtcdStep, etcd_step};
use super::node_text::{NodeUpgrade, render_upgrade_node_with};
use super::plan::KlogStamp;
use super::plan::{KubeadmOutput, PlanControlPlane, PlanInput, render_plan};
use super::policy::{KubeletVersions, PolicyInput, enforce_version_policy, render_policy, render_version_lines};
use crate::model::component_version::ComponentVersion;
use crate::model::packages::KubePackage;
use crate::model::{NodeId, ReadyStatus};
use crate::release::components::StaticPod;
use crate::release::version::KubeVersion;
use crate::shell::CommandOutput;
use crate::tools::api::NodeApi;

const STACK_HINT: &str = "To see the stack trace of this error execute with --v=5 or higher";

/// Runs `kubeadm ARGS` on `node`; `None` when kubeadm is not installed there.
pub(crate) fn run(api: &mut dyn NodeApi, args: &[String], stdin: &str) -> Option<CommandOutput> {
    let node = api.node();
    let kubeadm = api
        .cluster()
        .node(node)
        .packages
        .installed_kube_version(KubePackage::Kubeadm)?;
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    if super::help::wants_help(&words) {
        let path: Vec<&str> = words.iter().copied().filter(|w| *w != "help").collect();
        return Some(text(&super::help::help(&path)));
    }
    Some(match words.as_slice() {
        ["version", rest @ ..] => version(&kubeadm, rest),
        ["upgrade", "plan", rest @ ..] => plan(api, node, &kubeadm, rest),
        ["upgrade", "apply", rest @ ..] => apply(api, node, &kubeadm, rest, stdin),
        ["upgrade", "node", rest @ ..] => upgrade_node(api, node, &kubeadm, rest),
        ["upgrade"] | ["upgrade", "-h" | "--help"] => text(
            "Upgrade your cluster smoothly to a newer version with this command\n\nAvailable Commands:\n  apply       Upgrade your Kubernetes cluster to the specified version\n  diff        Show what differences would be applied to existing static pod manifests. See also: kubeadm upgrade apply --dry-run\n  node        Upgrade commands for a node in the cluster\n  plan        Check which versions are available to upgrade to and validate whether your current cluster is upgradeable.\n",
        ),
        ["upgrade", other, ..] => unknown_command(other, "kubeadm upgrade"),
        [] => text("kubeadm: easily bootstrap a secure Kubernetes cluster\n"),
        [other, ..]
            if [
                "certs",
                "completion",
                "config",
                "init",
                "join",
                "kubeconfig",
                "reset",
                "token",
                "alpha",
            ]
            .contains(other) =>
        {
            fail(format!(
                "kubedrill: `kubeadm {other}` is not modelled yet (modelled: version, upgrade plan|apply|node, and --help of every command)\n"
            ))
        }
        [other, ..] => unknown_command(other, "kubeadm"),
    })
}

fn text(s: &str) -> CommandOutput {
    out(s.to_string(), String::new(), 0)
}

fn fail(stderr: String) -> CommandOutput {
    out(String::new(), stderr, 1)
}

fn out(stdout: String, stderr: String, status: i32) -> CommandOutput {
    let mut o = CommandOutput::default();
    if !stdout.is_empty() {
        crate::shell::output::raw(&mut o, crate::shell::Stream::Stdout, ensure_nl(stdout));
    }
    if !stderr.is_empty() {
        crate::shell::output::raw(&mut o, crate::shell::Stream::Stderr, ensure_nl(stderr));
    }
    o.status = status;
    o
}

fn ensure_nl(mut s: String) -> String {
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

fn from_kubeadm(o: KubeadmOutput) -> CommandOutput {
    out(o.stdout, o.stderr, o.exit)
}

/// cobra's answer to an unknown subcommand, as kubeadm prints it (through its error handler).
fn unknown_command(word: &str, parent: &str) -> CommandOutput {
    fail(format!("unknown command \"{word}\" for \"{parent}\"\n{STACK_HINT}\n"))
}

/// A flag the command does not take: kubeadm's error; a flag it has that the model does not act
/// on: ours.
fn unknown_flag(path: &[&str], flag: &str) -> CommandOutput {
    if super::help::real_flag(path, flag) {
        return fail(format!(
            "kubedrill: `kubeadm {} {flag}` is not modelled yet\n",
            path.join(" ")
        ));
    }
    fail(format!("unknown flag: {flag}\n{STACK_HINT}\n"))
}

fn version(kubeadm: &KubeVersion, args: &[&str]) -> CommandOutput {
    let mut output = None;
    let mut i = 0;
    while i < args.len() {
        match args[i] {
            "-o" | "--output" => {
                output = args.get(i + 1).copied();
                i += 1;
            }
            a if a.starts_with("-o=") || a.starts_with("--output=") => {
                output = a.split_once('=').map(|(_, v)| v);
            }
            a if a.starts_with("-o") && a.len() > 2 => output = Some(&a[2..]),
            a if a.starts_with('-') => return unknown_flag(&["version"], a),
            a => return unknown_command(a, "kubeadm version"),
        }
        i += 1;
    }
    let info = format!(
        "&version.Info{{Major:\"{}\", Minor:\"{}\", GitVersion:\"{kubeadm}\", GitTreeState:\"clean\", Compiler:\"gc\", Platform:\"linux/amd64\"}}",
        kubeadm.major, kubeadm.minor
    );
    match output {
        None | Some("") => text(&format!("kubeadm version: {info}\n")),
        Some("short") => text(&format!("{kubeadm}\n")),
        Some("json") => text(&format!(
            "{{\n  \"clientVersion\": {{\n    \"major\": \"{}\",\n    \"minor\": \"{}\",\n    \"gitVersion\": \"{kubeadm}\",\n    \"gitTreeState\": \"clean\",\n    \"compiler\": \"gc\",\n    \"platform\": \"linux/amd64\"\n  }}\n}}\n",
            kubeadm.major, kubeadm.minor
        )),
        Some("yaml") => text(&format!(
            "clientVersion:\n  compiler: gc\n  gitTreeState: clean\n  gitVersion: {kubeadm}\n  major: \"{}\"\n  minor: \"{}\"\n  platform: linux/amd64\n",
            kubeadm.major, kubeadm.minor
        )),
        Some(other) => fail(format!("error: invalid output format: {other}\n{STACK_HINT}\n")),
    }
}

/// The flags of `upgrade apply` and `upgrade plan` kubedrill understands.
#[derive(Default)]
struct Flags {
    yes: bool,
    force: bool,
    dry_run: bool,
    etcd_upgrade: bool,
    certificate_renewal: bool,
    allow_experimental: bool,
    allow_rc: bool,
    positional: Vec<String>,
}

fn parse_flags(path: &[&str], args: &[&str], apply: bool) -> Result<Flags, CommandOutput> {
    let mut f = Flags {
        etcd_upgrade: true,
        certificate_renewal: true,
        ..Default::default()
    };
    let bool_value = |flag: &str, v: Option<&str>| -> Result<bool, CommandOutput> {
        match v {
            None | Some("true") | Some("1") | Some("t") | Some("T") | Some("TRUE") | Some("True") => Ok(true),
            Some("false") | Some("0") | Some("f") | Some("F") | Some("FALSE") | Some("False") => Ok(false),
            Some(other) => Err(fail(format!(
                "invalid argument \"{other}\" for \"{flag}\" flag: strconv.ParseBool: parsing \"{other}\": invalid syntax\n{STACK_HINT}\n"
            ))),
        }
    };
    let mut i = 0;
    while i < args.len() {
        let a = args[i];
        let (name, value) = match a.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (a, None),
        };
        match name {
            "-y" | "--yes" if apply => f.yes = bool_value(name, value)?,
            "-f" | "--force" if apply => f.force = bool_value(name, value)?,
            "--dry-run" => f.dry_run = bool_value(name, value)?,
            "--etcd-upgrade" if apply => f.etcd_upgrade = bool_value(name, value)?,
            "--certificate-renewal" => f.certificate_renewal = bool_value(name, value)?,
            "--allow-experimental-upgrades" => f.allow_experimental = bool_value(name, value)?,
            "--allow-release-candidate-upgrades" => f.allow_rc = bool_value(name, value)?,
            "--ignore-preflight-errors"
            | "--config"
            | "--kubeconfig"
            | "--patches"
            | "--feature-gates"
            | "-v"
            | "--v" => {
                if value.is_none() {
                    i += 1;
                }
            }
            "--print-config" | "--skip-phases" => {}
            n if n.starts_with('-') => return Err(unknown_flag(path, n)),
            p => f.positional.push(p.to_string()),
        }
        i += 1;
    }
    Ok(f)
}

/// admin.conf exists on control planes only; everything but `upgrade node` needs it.
fn needs_admin_conf(api: &dyn NodeApi, node: NodeId) -> Result<(), CommandOutput> {
    if api.cluster().node(node).control_plane.is_some() {
        return Ok(());
    }
    Err(fail(format!(
        "couldn't create a Kubernetes client from file \"/etc/kubernetes/admin.conf\": failed to load admin kubeconfig: open /etc/kubernetes/admin.conf: no such file or directory\n{STACK_HINT}\n"
    )))
}

/// The cluster health checks shared by plan and apply (semantics §3.2): every control plane
/// Ready and every control plane's manifests present.
fn health(api: &dyn NodeApi) -> Result<(), String> {
    let not_ready: Vec<String> = api
        .cluster()
        .control_plane_ids()
        .to_vec()
        .into_iter()
        .map(|id| api.cluster().node(id))
        .filter(|n| n.ready != ReadyStatus::True)
        .map(|n| n.name.to_string())
        .collect();
    if not_ready.is_empty() {
        return Ok(());
    }
    Err(format!(
        "[upgrade/health] FATAL: [preflight] Some fatal errors occurred:\n\t[ERROR ControlPlaneNodesReady]: there are NotReady control-planes in the cluster: [{}]\n[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`\n{STACK_HINT}\n",
        not_ready.join(" ")
    ))
}

/// The newest release of a minor in the catalogue apt and dl.k8s.io share, as of the
/// cluster's date (`cluster.date`) when it has one.
fn latest_patch(day: Option<i64>, minor: u32) -> Option<KubeVersion> {
    let last = crate::model::packages::repo::latest_release(minor)?;
    let Some(day) = day else { return Some(last) };
    (0..=last.patch)
        .rev()
        .map(|p| KubeVersion::new(1, minor, p))
        .find(|v| crate::release::dates::released_by(v, day))
}

fn stable(day: Option<i64>) -> KubeVersion {
    let mut minor = crate::release::version::NEWEST_MINOR;
    loop {
        if let Some(v) = latest_patch(day, minor) {
            return v;
        }
        if minor == 0 {
            return KubeVersion::new(1, crate::release::version::NEWEST_MINOR, 0);
        }
        minor -= 1;
    }
}

fn plan(api: &mut dyn NodeApi, node: NodeId, kubeadm: &KubeVersion, args: &[&str]) -> CommandOutput {
    let flags = match parse_flags(&["upgrade", "plan"], args, false) {
        Ok(f) => f,
        Err(o) => return o,
    };
    if flags.positional.len() > 1 {
        return fail(format!(
            "unknown command \"{}\" for \"kubeadm upgrade plan\"\n{STACK_HINT}\n",
            flags.positional[1]
        ));
    }
    if let Err(o) = needs_admin_conf(api, node) {
        return o;
    }
    if let Err(e) = health(api) {
        return fail(e);
    }
    let control_planes: Vec<PlanControlPlane> = api
        .cluster()
        .control_plane_ids()
        .to_vec()
        .into_iter()
        .filter_map(|id| {
            let n = api.cluster().node(id);
            n.control_plane.as_ref().map(|c| PlanControlPlane {
                node: n.name.to_string(),
                apiserver: c.apiserver.clone(),
                controller_manager: c.controller_manager.clone(),
                scheduler: c.scheduler.clone(),
                etcd: c.etcd.clone().unwrap_or_default(),
            })
        })
        .collect();
    let mut control_planes = control_planes;
    control_planes.sort_by(|a, b| a.node.cmp(&b.node));
    let kubelets: Vec<(String, KubeVersion)> = api
        .cluster()
        .node_ids()
        .map(|id| {
            let n = api.cluster().node(id);
            (n.name.to_string(), n.kubelet_version.clone())
        })
        .collect();
    let external = control_planes.iter().all(|c| c.etcd.is_empty());
    let day = api.cluster().date_day;
    let stable = stable(day);
    let latest = |m: u32| latest_patch(day, m);
    let input = PlanInput {
        kubeadm,
        cluster: &api.cluster().config_version,
        control_planes: &control_planes,
        kubelets: &kubelets,
        dns: (api.cluster().addons.dns_name, &api.cluster().addons.dns_version),
        external_etcd: external,
        latest_patch: &latest,
        stable: &stable,
    };
    from_kubeadm(render_plan(&input))
}

/// A short hex string drawn from the run's RNG (manifest hashes, temp-dir suffixes).
fn draw_hex(api: &mut dyn NodeApi, len: usize) -> String {
    let mut s = String::with_capacity(len);
    while s.len() < len {
        s.push_str(&format!("{:016x}", api.rng().next_u64()));
    }
    s.truncate(len);
    s
}

fn draw_digits(api: &mut dyn NodeApi, len: usize) -> String {
    (0..len).map(|_| char::from(b'0' + api.rng().below(10) as u8)).collect()
}

fn klog_stamp(api: &mut dyn NodeApi) -> KlogStamp {
    let w = api.now().wall_clock_with(api.cluster().epoch_s);
    KlogStamp {
        month: w.month,
        day: w.day,
        hour: w.hour,
        minute: w.minute,
        second: w.second,
        micros: w.nanos / 1000 + api.rng().below(1000) as u32,
        pid: 1000 + api.rng().below(60_000) as u32,
    }
}

/// The backup directory suffix: a date and time from 1.14 on (the simulator's wall clock),
/// random digits before.
fn backup_suffix(api: &mut dyn NodeApi, kubeadm: &KubeVersion) -> String {
    if !apply_text::backup_suffix_is_timestamp(kubeadm) {
        return draw_digits(api, 9);
    }
    let w = api.now().wall_clock_with(api.cluster().epoch_s);
    format!(
        "{:04}-{:02}-{:02}-{:02}-{:02}-{:02}",
        w.year, w.month, w.day, w.hour, w.minute, w.second
    )
}

fn kubelet_tmp_suffix(api: &mut dyn NodeApi, kubeadm: &KubeVersion) -> String {
    if apply_text::kubelet_tmp_suffix_is_timestamp(kubeadm) {
        backup_suffix(api, kubeadm)
    } else {
        draw_digits(api, 10)
    }
}

/// Upgrades the static pods of one control plane to `target`, appending what kubeadm prints.
/// Returns false when the step's time ran out.
fn upgrade_control_plane(
    api: &mut dyn NodeApi,
    node: NodeId,
    kubeadm: &KubeVersion,
    target: &KubeVersion,
    command: UpgradeCommand,
    flags: &Flags,
    stdout: &mut String,
) -> bool {
    let node_name = api.cluster().node(node).name.to_string();
    let Some(cp) = api.cluster().node(node).control_plane.clone() else {
        return true;
    };
    let tmp = draw_digits(api, 9);
    let backup = backup_suffix(api, kubeadm);
    // kubeadm before 1.9 did not manage etcd during upgrades.
    let etcd = if kubeadm.at_least(9) {
        etcd_step(
            target,
            cp.etcd.as_deref().unwrap_or(""),
            flags.etcd_upgrade,
            cp.etcd.is_none(),
        )
    } else {
        EtcdStep::FlagDisabled
    };
    let mut plan: Vec<(StaticPod, ComponentVersion)> = Vec::new();
    // kubeadm's etcd table names only real etcd tags.
    if let EtcdStep::Upgrade { to, .. } = &etcd
        && let Some(v) = ComponentVersion::parse(StaticPod::Etcd, to)
    {
        plan.push((StaticPod::Etcd, v));
    }
    for c in [
        StaticPod::KubeApiserver,
        StaticPod::KubeControllerManager,
        StaticPod::KubeScheduler,
    ] {
        plan.push((c, ComponentVersion::Kube(target.clone())));
    }
    let mut hashes: Vec<(String, String)> = Vec::new();
    for c in StaticPod::ALL {
        let old = draw_hex(api, 32);
        let changed = plan.iter().any(|(p, v)| *p == c && v.to_string() != cp.version_of(c))
            || (c != StaticPod::Etcd && flags.certificate_renewal && kubeadm.at_least(31));
        let new = if changed { draw_hex(api, 32) } else { old.clone() };
        hashes.push((old, new));
    }
    let pair = |i: usize| PodHashes::new(&hashes[i].0, &hashes[i].1);
    stdout.push_str(&apply_text::apply_control_plane(&ControlPlaneRun {
        kubeadm,
        target,
        node: &node_name,
        command,
        etcd: &etcd,
        etcd_hashes: pair(0),
        apiserver: pair(1),
        controller_manager: pair(2),
        scheduler: pair(3),
        backup_suffix: &backup,
        tmp_suffix: &tmp,
        renew_certs: flags.certificate_renewal,
        found_pods: api.cluster().control_plane_ids().len(),
    }));
    if flags.dry_run {
        return true;
    }
    // kubeadm 1.31+ restarts a component whose manifest is unchanged when it renewed its
    // certificates; earlier releases leave it running.
    let restart_unchanged = flags.certificate_renewal && kubeadm.at_least(31);
    if restart_unchanged && matches!(etcd, EtcdStep::Unchanged { .. }) && !api.restart_static_pod(StaticPod::Etcd) {
        return false;
    }
    for (component, version) in plan {
        let done = if cp.version_of(component) != version.to_string() {
            api.upgrade_static_pod(component, &version)
        } else if restart_unchanged {
            api.restart_static_pod(component)
        } else {
            true
        };
        if !done {
            return false;
        }
    }
    // The upgrade/kubeconfig phase: with the feature gate on (this kubeadm's default from
    // 1.33) it points the kubelet's kubeconfig at the local API server; it never points it
    // back. The kubelet reads it at its next restart.
    if crate::release::components::kubelet_local_mode(kubeadm) {
        api.set_kubelet_local_api(true);
    }
    true
}

/// The control planes whose API server is not at `target`, by name.
fn lagging_control_planes(api: &dyn NodeApi, target: &KubeVersion) -> Vec<String> {
    api.cluster()
        .control_plane_ids()
        .to_vec()
        .into_iter()
        .map(|id| api.cluster().node(id))
        .filter(|n| n.control_plane.as_ref().is_some_and(|c| &c.apiserver != target))
        .map(|n| n.name.to_string())
        .collect()
}

fn apply(api: &mut dyn NodeApi, node: NodeId, kubeadm: &KubeVersion, args: &[&str], stdin: &str) -> CommandOutput {
    let flags = match parse_flags(&["upgrade", "apply"], args, true) {
        Ok(f) => f,
        Err(o) => return o,
    };
    let mut stdout = String::new();
    let Some(target_text) = flags.positional.first().cloned() else {
        return fail(format!(
            "[upgrade/version] FATAL: missing one or more required arguments. Required arguments: [version]\n{STACK_HINT}\n"
        ));
    };
    if flags.positional.len() > 1 {
        return fail(format!(
            "[upgrade/version] FATAL: unexpected argument(s): {:?}\n{STACK_HINT}\n",
            &flags.positional[1..]
        ));
    }
    if let Err(o) = needs_admin_conf(api, node) {
        return o;
    }
    let target = match resolve_version(api.cluster().date_day, &target_text) {
        Ok(v) => v,
        Err(e) => return fail(format!("{e}\n{STACK_HINT}\n")),
    };
    stdout.push_str(&apply_text::apply_preamble(kubeadm));
    if let Err(e) = health(api) {
        return out(stdout, e, 1);
    }
    let cluster = api.cluster().config_version.clone();
    stdout.push_str(&render_version_lines(kubeadm, &cluster, &target));
    let kubelets: Vec<KubeVersion> = api
        .cluster()
        .node_ids()
        .map(|id| api.cluster().node(id).kubelet_version.clone())
        .collect();
    let outcome = enforce_version_policy(&PolicyInput {
        cluster: &cluster,
        target: &target,
        kubeadm,
        kubelets: KubeletVersions::Known(&kubelets),
        allow_experimental: flags.allow_experimental,
        allow_rc: flags.allow_rc,
    });
    let verdict = render_policy(&outcome, kubeadm, flags.force);
    stdout.push_str(&verdict.stdout);
    if !verdict.proceed {
        return out(stdout, verdict.stderr, verdict.exit_code);
    }
    if !(flags.yes || flags.force || flags.dry_run) {
        stdout.push_str(apply_text::apply_prompt(kubeadm));
        let answer = stdin.lines().next().unwrap_or("").trim().to_ascii_lowercase();
        if answer != "y" && answer != "yes" {
            let declined = apply_text::apply_declined(kubeadm);
            // The prompt has no newline of its own; the declined error follows on stderr.
            return out(stdout + "\n" + &declined.stdout, declined.stderr, declined.exit);
        }
        stdout.push('\n');
    }
    let components: Vec<&str> = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"].to_vec();
    if flags.dry_run {
        stdout.push_str(&apply_text::apply_dry_run_prepull(kubeadm, &components));
    } else {
        stdout.push_str(&apply_text::apply_prepull(kubeadm, &components));
    }
    if !upgrade_control_plane(api, node, kubeadm, &target, UpgradeCommand::Apply, &flags, &mut stdout) {
        return out(stdout, String::new(), 1);
    }
    if !flags.dry_run {
        api.set_cluster_version(target.clone());
        api.write_kubelet_files(&target);
    }
    let lagging = if kubeadm.at_least(28) && !flags.dry_run {
        lagging_control_planes(api, &target)
    } else {
        Vec::new()
    };
    if lagging.is_empty() && !flags.dry_run {
        let dns = crate::release::versions::dns_version_for(&target).to_string();
        api.upgrade_addons(&target, &dns);
    }
    let lagging_refs: Vec<&str> = lagging.iter().map(String::as_str).collect();
    let kubelet_tmp = kubelet_tmp_suffix(api, kubeadm);
    let klog = klog_stamp(api);
    let tail = apply_text::apply_tail_with(&ApplyTail {
        kubeadm,
        target: &target,
        dns_name: api.cluster().addons.dns_name,
        unupgraded_control_planes: &lagging_refs,
        kubelet_tmp_suffix: &kubelet_tmp,
        klog,
        super_admin_conf: kubeadm.minor == 29 && cluster.minor == 28,
        instance_config_migration: kubeadm.minor == 34 && cluster.minor == 33,
        kubelet_env_tmp_suffix: None,
        dry_run: flags.dry_run,
    });
    out(stdout + &tail.stdout, tail.stderr, tail.exit)
}

/// `v1.31.2`, `1.31.2` or the labels kubeadm resolves through dl.k8s.io (`stable`,
/// `stable-1.31`, `latest`), which the release catalogue answers here.
fn resolve_version(day: Option<i64>, text: &str) -> Result<KubeVersion, String> {
    if let Ok(v) = KubeVersion::parse(text) {
        return Ok(v);
    }
    match text {
        "stable" | "latest" | "stable-1" | "latest-1" => return Ok(stable(day)),
        _ => {}
    }
    if let Some(minor) = text
        .strip_prefix("stable-1.")
        .or_else(|| text.strip_prefix("latest-1."))
        .and_then(|m| m.parse::<u32>().ok())
        && let Some(v) = latest_patch(day, minor)
    {
        return Ok(v);
    }
    Err(format!(
        "[upgrade/version] FATAL: version {text:?} doesn't match patterns for neither semantic version nor labels (stable, latest, ...)"
    ))
}

fn upgrade_node(api: &mut dyn NodeApi, node: NodeId, kubeadm: &KubeVersion, args: &[&str]) -> CommandOutput {
    let flags = match parse_flags(&["upgrade", "node"], args, false) {
        Ok(f) => f,
        Err(o) => return o,
    };
    if let Some(p) = flags.positional.first() {
        return unknown_command(p, "kubeadm upgrade node");
    }
    if let Err(e) = super::node_text::upgrade_node_supported(kubeadm) {
        return fail(e);
    }
    let target = api.cluster().config_version.clone();
    let apply_flags = Flags {
        etcd_upgrade: true,
        certificate_renewal: flags.certificate_renewal,
        dry_run: flags.dry_run,
        ..Default::default()
    };
    let is_cp = api.cluster().node(node).control_plane.is_some();
    let mut lines = String::new();
    if is_cp
        && !upgrade_control_plane(
            api,
            node,
            kubeadm,
            &target,
            UpgradeCommand::Node,
            &apply_flags,
            &mut lines,
        )
    {
        return out(lines, String::new(), 1);
    }
    if !flags.dry_run {
        api.write_kubelet_files(&target);
    }
    let lagging = if is_cp && kubeadm.at_least(28) && !flags.dry_run {
        lagging_control_planes(api, &target)
    } else {
        Vec::new()
    };
    if is_cp && lagging.is_empty() && kubeadm.at_least(28) && !flags.dry_run {
        let dns = crate::release::versions::dns_version_for(&target).to_string();
        api.upgrade_addons(&target, &dns);
    }
    let lagging_refs: Vec<&str> = lagging.iter().map(String::as_str).collect();
    let kubelet_tmp = kubelet_tmp_suffix(api, kubeadm);
    let klog = klog_stamp(api);
    from_kubeadm(render_upgrade_node_with(&NodeUpgrade {
        kubeadm,
        target: &target,
        control_plane: is_cp.then_some(lines.as_str()),
        kubelet_tmp_suffix: &kubelet_tmp,
        unupgraded_control_planes: &lagging_refs,
        dns_name: api.cluster().addons.dns_name,
        klog,
        instance_config_migration: false,
        kubelet_env_tmp_suffix: None,
    }))
}
