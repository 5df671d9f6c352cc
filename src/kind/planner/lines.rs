//! A `run` line typed on a host, planned onto kind.
//!
//! * A single kubectl command on a control plane runs as the host's `kubectl --context
//!   kind-NAME` (drains always get `--timeout`).
//! * Anything else runs in the node: `docker exec NODE timeout LIMIT bash -c LINE`, with the
//!   variables the host exported earlier passed as `-e` (each `docker exec` is a new shell).
//!   `timeout` runs inside the node because killing the `docker exec` client does not stop
//!   the process it started.
//! * `ssh NODE` moves the following lines to NODE, `exit` back; `ssh NODE CMD` runs CMD there.
//! * apt has no Kubernetes repository on kind nodes: `apt-get install kubeadm=X` becomes
//!   kind.md §2's emulation (the release binary from dl.k8s.io staged under /kubedrill and
//!   linked into /usr/bin), and only when the simulator's apt succeeded; read-only apt
//!   commands and edits of the apt sources do nothing. `kubeadm upgrade` gets
//!   `--ignore-preflight-errors=SystemVerification` (a container fails kubeadm's kernel check).
//! * `scp` between nodes becomes two `docker cp`s through the run's work directory.
//! * The simulator's node names and IPs in a line become kind's (`{ip:NODE}` placeholders).

use super::config::Layout;
use super::facts::ClusterFacts;
use super::shell::{self, Segment};
use super::{Action, Guard, Invocation, PlanOptions, Program, Purpose};
use kubedrill_sim::scenario::Scenario;
use kubedrill_sim::version::KubeVersion;
use std::collections::BTreeMap;
use std::time::Duration;

/// Tools the simulator models that kind nodes do not have, and whether using one changes the
/// cluster (then the clusters part ways).
const SIM_ONLY_TOOLS: &[(&str, bool)] = &[("rollback", true), ("easyrsa", false)];

const APT_TOOLS: &[&str] = &["apt-get", "apt", "apt-mark", "apt-cache", "dpkg"];
const PACKAGES: &[&str] = &["kubeadm", "kubelet", "kubectl"];

/// Where a line runs and what each host exported, as the simulator's shells keep them.
#[derive(Clone, Debug, Default)]
pub struct Hosts {
    default: String,
    /// `ssh NODE` sessions, innermost last.
    stack: Vec<String>,
    /// `scp` copies so far: each gets its own directory in the run's work directory.
    copies: usize,
    env: BTreeMap<String, Vec<(String, String)>>,
}

impl Hosts {
    pub fn new(default: String) -> Self {
        Self {
            default,
            ..Self::default()
        }
    }

    pub fn current(&self) -> &str {
        self.stack.last().unwrap_or(&self.default)
    }

    /// How many `ssh` sessions deep the prompt is.
    pub fn depth(&self) -> usize {
        self.stack.len()
    }

    fn export(&mut self, host: &str, name: &str, value: &str) {
        let vars = self.env.entry(host.to_string()).or_default();
        vars.retain(|(n, _)| n != name);
        vars.push((name.to_string(), value.to_string()));
    }

    fn env(&self, host: &str) -> &[(String, String)] {
        self.env.get(host).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// `sudo -i`, `sudo -s`, `sudo su [-]`, `sudo bash`, `su -`, `bash`: an interactive shell.
fn is_nested_shell(w: &[String]) -> bool {
    let w: Vec<&str> = w.iter().map(String::as_str).collect();
    matches!(
        w.as_slice(),
        ["sudo", "-i" | "-s" | "bash" | "sh"]
            | ["sudo", "su"]
            | ["sudo", "su", "-" | "-l" | "--login"]
            | ["su" | "bash" | "sh"]
            | ["su", "-" | "-l" | "--login"]
    )
}

/// What a line became.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Translation {
    pub actions: Vec<Action>,
    pub exit_compared: bool,
    pub not_comparable: Option<String>,
    pub diverges: bool,
    /// Why nothing runs, when nothing needs to (an `ssh`, an `export`).
    pub note: Option<String>,
}

impl Translation {
    fn note(text: String) -> Self {
        Self {
            note: Some(text),
            ..Self::default()
        }
    }

    fn refused(reason: String, diverges: bool) -> Self {
        Self {
            not_comparable: Some(reason),
            diverges,
            ..Self::default()
        }
    }
}

/// The names and settings every line needs.
pub struct Ctx<'a> {
    cluster: String,
    context: String,
    names: Vec<(String, String)>,
    ips: Vec<(String, String)>,
    facts: &'a ClusterFacts,
    layout: &'a Layout,
    host_kubectl: bool,
}

impl<'a> Ctx<'a> {
    pub fn new(_scenario: &Scenario, facts: &'a ClusterFacts, opts: &PlanOptions, layout: &'a Layout) -> Self {
        Self {
            cluster: opts.cluster.clone(),
            context: format!("kind-{}", opts.cluster),
            names: layout.names.iter().map(|(a, b)| (a.clone(), b.clone())).collect(),
            ips: facts.nodes.iter().map(|n| (n.ip.clone(), n.name.clone())).collect(),
            facts,
            layout,
            host_kubectl: opts.host_kubectl,
        }
    }

    pub fn cluster_name(&self) -> &str {
        &self.cluster
    }

    /// The line with kind's node names and `{ip:NODE}` placeholders.
    pub fn rename(&self, text: &str) -> String {
        shell::rename_ips(&shell::rename_nodes(text, &self.names), &self.ips)
    }

    /// Plans `line` typed on `host`. `pinned`: the step named its host (`on:`), so `ssh` and
    /// `exit` do not move the following steps.
    pub fn translate(&self, line: &str, host: &str, pinned: bool, hosts: &mut Hosts, limit: Duration) -> Translation {
        let Ok(segs) = shell::segments(line) else {
            return Translation::refused(
                "the line's quoting is unbalanced (bash would wait for more input)".to_string(),
                false,
            );
        };
        if let [only] = segs.as_slice() {
            let w = shell::words(&only.text);
            if let Some(t) = self.session(&w, host, pinned, hosts, limit) {
                return t;
            }
        }
        let Some(container) = self.layout.kind_name(host).map(str::to_string) else {
            return Translation::refused(format!("{host} has no kind node"), false);
        };
        let renamed = self.rename(line);
        let segs = shell::segments(&renamed).unwrap_or(segs);
        for s in &segs {
            let w = command_words(&s.text);
            if let Some((tool, changes)) = w.first().and_then(|c| SIM_ONLY_TOOLS.iter().find(|(t, _)| t == c)) {
                return Translation::refused(
                    format!("`{tool}` is a tool the simulator models that kind nodes do not have"),
                    *changes,
                );
            }
        }
        let env = hosts.env(host).to_vec();
        if segs.iter().any(|s| is_packaging(&s.text) || is_scp(&s.text)) {
            return self.segmentwise(&segs, &container, &env, limit, hosts);
        }
        let control_plane = self.facts.node(host).is_some_and(|n| n.control_plane);
        if let [only] = segs.as_slice()
            && control_plane
            && self.host_kubectl
            && let Some(argv) = host_kubectl_args(&only.text, limit)
        {
            let mut args = vec!["--context".to_string(), self.context.clone()];
            args.extend(argv);
            let inv = Invocation::new(Program::Kubectl, args, limit + Duration::from_secs(60)).outcome();
            return Translation {
                actions: vec![Action::run(inv, Purpose::Command)],
                exit_compared: true,
                ..Translation::default()
            };
        }
        let text = rejoin(&segs, |s| adjust(s, limit));
        Translation {
            actions: vec![Action::run(
                in_node(&container, &env, &text, limit).outcome(),
                Purpose::Command,
            )],
            exit_compared: true,
            ..Translation::default()
        }
    }

    /// `ssh NODE`, `ssh NODE CMD`, `exit` and `export`: what moves between hosts or stays in
    /// a host's shell. `None` for anything else.
    fn session(
        &self,
        w: &[String],
        host: &str,
        pinned: bool,
        hosts: &mut Hosts,
        limit: Duration,
    ) -> Option<Translation> {
        match w {
            [ssh, node] if ssh == "ssh" => Some(if self.layout.kind_name(node).is_none() {
                Translation::note(format!("no node {node}: ssh goes nowhere, on kind as in the simulator"))
            } else {
                if !pinned {
                    hosts.stack.push(node.clone());
                }
                Translation::note(format!(
                    "the following lines run on {node} (docker exec into {})",
                    self.layout.kind_name(node).unwrap_or_default()
                ))
            }),
            [ssh, node, rest @ ..] if ssh == "ssh" && !rest.is_empty() => {
                if self.layout.kind_name(node).is_none() {
                    return Some(Translation::note(format!("no node {node}: ssh goes nowhere")));
                }
                // ssh joins its arguments with blanks and hands them to the remote shell.
                let remote = rest.join(" ");
                Some(self.translate(&remote, node, true, hosts, limit))
            }
            // A shell inside the shell (`sudo -i`): the following lines run on the same node (every
            // docker exec is root already) until its `exit`.
            w if is_nested_shell(w) => Some({
                if !pinned {
                    hosts.stack.push(host.to_string());
                }
                Translation::note(format!(
                    "a root shell on {host}: the following lines run there as before"
                ))
            }),
            [exit] if exit == "exit" || exit == "logout" => Some(if !pinned && !hosts.stack.is_empty() {
                hosts.stack.pop();
                Translation::note(format!("back on {}", hosts.current()))
            } else {
                Translation::note("no ssh session to leave".to_string())
            }),
            [export, vars @ ..] if export == "export" && !vars.is_empty() && vars.iter().all(|v| v.contains('=')) => {
                for v in vars {
                    if let Some((name, value)) = v.split_once('=') {
                        hosts.export(host, name, value);
                    }
                }
                Some(Translation::note(format!(
                    "kept for {host}'s later lines (passed to docker exec with -e)"
                )))
            }
            _ => None,
        }
    }

    /// A line with apt or scp in it, emulated command by command: emulated installs, `docker
    /// cp` for scp, and the other commands of its `&&`/`;` list run in the node; all only when
    /// the simulator's line succeeded (its apt decides what is installed).
    fn segmentwise(
        &self,
        segs: &[Segment],
        container: &str,
        env: &[(String, String)],
        limit: Duration,
        hosts: &mut Hosts,
    ) -> Translation {
        const APT: &str = "apt/dpkg packaging is only emulated on kind (no Kubernetes apt repository on the nodes): the simulator's apt decides, kind gets the same binaries";
        const SCP: &str = "scp is emulated with docker cp through the host (kind nodes run no ssh)";
        let why = if segs.iter().any(|s| is_packaging(&s.text)) {
            APT
        } else {
            SCP
        };
        if segs.iter().any(|s| s.op == Some("||")) {
            return Translation::refused(
                format!("{why}; an emulated command in an `||` list is not replayed"),
                true,
            );
        }
        let mut actions = Vec::new();
        for pipeline in pipelines(segs) {
            if let [only] = pipeline.as_slice()
                && is_scp(&only.text)
            {
                match scp(&only.text, container, hosts) {
                    Some(cps) => actions.extend(cps),
                    None => return Translation::refused(format!("{SCP}; `{}` is not emulated", only.text), true),
                }
                continue;
            }
            let packaging: Vec<&&Segment> = pipeline.iter().filter(|s| is_packaging(&s.text)).collect();
            if packaging.is_empty() {
                let text = rejoin(&pipeline.iter().map(|s| (*s).clone()).collect::<Vec<_>>(), |s| {
                    adjust(s, limit)
                });
                actions.push(Action::Run {
                    inv: in_node(container, env, &text, limit),
                    purpose: Purpose::Command,
                    guard: Guard::SimSucceeded,
                });
                continue;
            }
            match apt_effect(&pipeline) {
                AptEffect::None => {}
                AptEffect::Install(pkgs) => {
                    for (pkg, version) in pkgs {
                        actions.push(Action::Run {
                            inv: stage_binary(container, &pkg, &version),
                            purpose: Purpose::Emulation,
                            guard: Guard::SimSucceeded,
                        });
                    }
                }
                AptEffect::Unknown(what) => {
                    return Translation::refused(format!("{APT}; `{what}` is not emulated"), true);
                }
            }
        }
        Translation {
            actions,
            exit_compared: false,
            not_comparable: Some(why.to_string()),
            diverges: false,
            note: None,
        }
    }
}

/// The words of a command with `sudo` and `VAR=value` prefixes removed.
fn command_words(text: &str) -> Vec<String> {
    let w = shell::words(text);
    let skip = w
        .iter()
        .take_while(|x| *x == "sudo" || (x.contains('=') && !x.starts_with('-') && !x.starts_with('=')))
        .count();
    w[skip..].to_vec()
}

fn is_scp(text: &str) -> bool {
    command_words(text).first().is_some_and(|c| c == "scp")
}

/// `scp [-r] [HOST:]SRC [HOST:]DEST` (hosts already kind's names) as two `docker cp`s through
/// `{workdir}`; `None` for forms not covered (several sources, remote to remote).
fn scp(text: &str, here: &str, hosts: &mut Hosts) -> Option<Vec<Action>> {
    let w = command_words(text);
    let paths: Vec<&String> = w.iter().skip(1).filter(|a| !a.starts_with('-')).collect();
    let [src, dst] = paths.as_slice() else {
        return None;
    };
    let side = |p: &str| -> (String, String) {
        match p.split_once(':') {
            Some((host, path)) if !host.contains('/') => (host.to_string(), path.to_string()),
            _ => (here.to_string(), p.to_string()),
        }
    };
    let ((sc, sp), (dc, dp)) = (side(src), side(dst));
    let base = sp
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("copy")
        .to_string();
    hosts.copies += 1;
    let staged = format!("{{workdir}}/scp-{}/{base}", hosts.copies);
    let cp = |from: String, to: String| Action::Run {
        inv: Invocation::new(Program::Docker, vec!["cp".into(), from, to], Duration::from_secs(300)),
        purpose: Purpose::Emulation,
        guard: Guard::SimSucceeded,
    };
    Some(vec![
        cp(format!("{sc}:{sp}"), staged.clone()),
        cp(staged, format!("{dc}:{dp}")),
    ])
}

fn is_packaging(text: &str) -> bool {
    let w = command_words(text);
    w.first().is_some_and(|c| APT_TOOLS.contains(&c.as_str())) || w.iter().any(|x| x.contains("/etc/apt/"))
}

/// Segments grouped into pipelines (`a | b`), split at `&&` and `;`.
fn pipelines(segs: &[Segment]) -> Vec<Vec<&Segment>> {
    let mut out: Vec<Vec<&Segment>> = vec![Vec::new()];
    for s in segs {
        if let Some(last) = out.last_mut() {
            last.push(s);
        }
        if matches!(s.op, Some("&&") | Some(";")) {
            out.push(Vec::new());
        }
    }
    out.retain(|p| !p.is_empty());
    out
}

enum AptEffect {
    /// Read-only (update, madison, hold, the sources list): nothing changes on a node.
    None,
    /// Packages installed at versions.
    Install(Vec<(String, KubeVersion)>),
    /// Something the emulation does not cover.
    Unknown(String),
}

fn apt_effect(pipeline: &[&Segment]) -> AptEffect {
    let mut installs = Vec::new();
    for s in pipeline {
        let w = command_words(&s.text);
        let Some(tool) = w.first().map(String::as_str) else {
            continue;
        };
        let sub = w.iter().skip(1).find(|x| !x.starts_with('-')).map(String::as_str);
        match (tool, sub) {
            ("apt-get" | "apt", Some("install")) => {
                for arg in w.iter().skip(2).filter(|x| !x.starts_with('-')) {
                    let (pkg, ver) = arg.split_once('=').unwrap_or((arg.as_str(), ""));
                    if !PACKAGES.contains(&pkg) {
                        continue;
                    }
                    let upstream = ver.split('-').next().unwrap_or("");
                    match KubeVersion::parse(upstream) {
                        Ok(v) => installs.push((pkg.to_string(), v)),
                        Err(_) => return AptEffect::Unknown(s.text.clone()),
                    }
                }
            }
            ("apt-get" | "apt", Some("update" | "list" | "show" | "policy"))
            | ("apt-mark" | "apt-cache", _)
            | ("dpkg", Some("-l" | "--list" | "-s" | "--status")) => {}
            (t, _) if APT_TOOLS.contains(&t) => return AptEffect::Unknown(s.text.clone()),
            // Reading or editing the apt sources (`sed -i ... kubernetes.list`, `cat`).
            _ => {}
        }
    }
    if installs.is_empty() {
        AptEffect::None
    } else {
        AptEffect::Install(installs)
    }
}

/// kind.md §2: the release binary of `version`, staged once per node and linked where the
/// package would have put it.
pub fn stage_binary(container: &str, pkg: &str, version: &KubeVersion) -> Invocation {
    let script = format!(
        "set -e; d=/kubedrill/bin/{version}; mkdir -p \"$d\"; [ -x \"$d/{pkg}\" ] || curl -fsSL --retry 3 -o \"$d/{pkg}\" \"https://dl.k8s.io/release/{version}/bin/linux/$(dpkg --print-architecture)/{pkg}\"; chmod 0755 \"$d/{pkg}\"; ln -sf \"$d/{pkg}\" /usr/bin/{pkg}"
    );
    docker_exec(
        container,
        &[],
        &["timeout", "600", "sh", "-c", &script],
        Duration::from_secs(660),
    )
}

/// `docker exec [-e K=V]... CONTAINER timeout LIMIT bash -c TEXT`.
pub fn in_node(container: &str, env: &[(String, String)], text: &str, limit: Duration) -> Invocation {
    let secs = limit.as_secs().max(1).to_string();
    let script = format!("{}{text}", prelude(text));
    docker_exec(
        container,
        env,
        &["timeout", &secs, "bash", "-c", &script],
        limit + Duration::from_secs(30),
    )
}

pub fn docker_exec(container: &str, env: &[(String, String)], argv: &[&str], timeout: Duration) -> Invocation {
    let mut args = vec!["exec".to_string()];
    for (k, v) in env {
        args.push("-e".to_string());
        args.push(format!("{k}={v}"));
    }
    args.push(container.to_string());
    args.extend(argv.iter().map(|s| s.to_string()));
    Invocation::new(Program::Docker, args, timeout)
}

/// Shell functions a line needs that kind nodes lack: `sudo` (nodes run as root) and the
/// exam's `k` alias for kubectl.
fn prelude(text: &str) -> String {
    let segs = shell::segments(text).unwrap_or_default();
    let mut p = String::new();
    if segs.iter().any(|s| shell::words(&s.text).iter().any(|w| w == "sudo")) {
        p.push_str("command -v sudo >/dev/null || sudo() { \"$@\"; }; ");
    }
    if segs
        .iter()
        .any(|s| command_words(&s.text).first().is_some_and(|c| c == "k"))
    {
        p.push_str("k() { kubectl \"$@\"; }; ");
    }
    p
}

/// The argv of a single plain kubectl command, with a drain's `--timeout` added; `None`
/// when the line needs a shell.
fn host_kubectl_args(text: &str, limit: Duration) -> Option<Vec<String>> {
    if !shell::is_plain(text) {
        return None;
    }
    let w = shell::words(text);
    let rest = match w.first().map(String::as_str) {
        Some("kubectl" | "k") => w[1..].to_vec(),
        _ => return None,
    };
    let mut args = rest;
    if needs_drain_timeout(&args) {
        args.push(format!("--timeout={}s", limit.as_secs()));
    }
    Some(args)
}

fn needs_drain_timeout(kubectl_args: &[String]) -> bool {
    kubectl_args.iter().any(|a| a == "drain") && !kubectl_args.iter().any(|a| a.starts_with("--timeout"))
}

/// A segment as run in a node: drains get `--timeout`, `kubeadm upgrade` ignores the
/// container's failed kernel check.
fn adjust(s: &Segment, limit: Duration) -> String {
    let w = command_words(&s.text);
    let mut text = s.text.clone();
    match w.first().map(String::as_str) {
        Some("kubectl" | "k") if needs_drain_timeout(&w[1..]) => {
            text.push_str(&format!(" --timeout={}s", limit.as_secs()));
        }
        Some("kubeadm")
            if w.get(1).is_some_and(|x| x == "upgrade")
                && w.get(2)
                    .is_some_and(|x| ["apply", "node", "plan"].contains(&x.as_str()))
                && !w.iter().any(|x| x.starts_with("--ignore-preflight-errors")) =>
        {
            text.push_str(" --ignore-preflight-errors=SystemVerification");
        }
        _ => {}
    }
    text
}

fn rejoin(segs: &[Segment], f: impl Fn(&Segment) -> String) -> String {
    let mut out = String::new();
    for s in segs {
        out.push_str(&f(s));
        if let Some(op) = s.op {
            out.push(' ');
            out.push_str(op);
            out.push(' ');
        }
    }
    out.trim_end().to_string()
}

/// Kubernetes versions a line names: `v1.31.2` and apt's `=1.31.2-1.1`.
pub fn versions_in(line: &str) -> Vec<KubeVersion> {
    let mut out = Vec::new();
    for raw in line.split(|c: char| c.is_whitespace() || "'\"".contains(c)) {
        let candidate = raw.rsplit('=').next().unwrap_or(raw);
        let core = candidate.split('-').next().unwrap_or("");
        let looks = core.starts_with("v1.") || (raw.contains('=') && core.starts_with("1."));
        if looks && let Ok(v) = KubeVersion::parse(core) {
            out.push(v);
        }
    }
    out
}

pub fn mentions_kubeadm_upgrade(line: &str) -> bool {
    line.contains("kubeadm upgrade apply") || line.contains("kubeadm upgrade node")
}

/// Whether a line uses etcd's client tools (staged on the control planes when it does).
pub fn uses_etcd_tools(line: &str) -> bool {
    line.contains("etcdctl") || line.contains("etcdutl")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_named_by_lines() {
        let v = |s| KubeVersion::parse(s).unwrap();
        assert_eq!(versions_in("kubeadm upgrade apply v1.31.2 -y"), vec![v("v1.31.2")]);
        assert_eq!(
            versions_in("apt-get install -y kubeadm=1.31.2-1.1 kubelet=1.8.0-00"),
            vec![v("v1.31.2"), v("v1.8.0")]
        );
        assert!(versions_in("sed -i 's/v1.30/v1.31/' f").is_empty());
    }

    #[test]
    fn apt_installs_are_read() {
        let segs =
            shell::segments("apt-mark unhold kubelet && apt-get install -y kubelet=1.31.2-1.1 kubectl=1.31.2-1.1")
                .unwrap();
        let effects: Vec<_> = pipelines(&segs)
            .iter()
            .map(|p| match apt_effect(p) {
                AptEffect::None => "none".to_string(),
                AptEffect::Install(v) => v.iter().map(|(p, v)| format!("{p}={v}")).collect::<Vec<_>>().join(","),
                AptEffect::Unknown(t) => format!("unknown {t}"),
            })
            .collect();
        assert_eq!(effects, vec!["none", "kubelet=v1.31.2,kubectl=v1.31.2"]);
    }

    #[test]
    fn drains_always_get_a_timeout() {
        let d = Duration::from_secs(3600);
        assert_eq!(
            host_kubectl_args("kubectl drain node01 --ignore-daemonsets", d).unwrap(),
            vec!["drain", "node01", "--ignore-daemonsets", "--timeout=3600s"]
        );
        assert_eq!(
            host_kubectl_args("kubectl drain node01 --timeout=20s", d).unwrap(),
            vec!["drain", "node01", "--timeout=20s"]
        );
        assert!(host_kubectl_args("kubectl get pods | grep x", d).is_none());
        let seg = Segment {
            text: "kubectl drain n1".into(),
            op: None,
        };
        assert_eq!(adjust(&seg, d), "kubectl drain n1 --timeout=3600s");
    }
}
