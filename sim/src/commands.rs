//! What a host's shell can run: the simulated tools, dispatched by name.

use crate::components::StaticPod;
use crate::engine::Sim;
use crate::packages::KubePackage;
use crate::packages::repo::KUBERNETES_LIST;
use crate::shell::{CommandHost, CommandOutput, ShellEnv};
use crate::time::{SimDuration, parse_go_duration};

/// The host a command runs on, seen by the shell.
pub(crate) struct Host<'a> {
    pub sim: &'a mut Sim,
    pub name: String,
}

impl CommandHost for Host<'_> {
    fn run(&mut self, argv: &[String], _env: &ShellEnv, stdin: &str) -> Option<CommandOutput> {
        let (cmd, args) = argv.split_first()?;
        Some(match cmd.as_str() {
            "kubectl" => crate::kubectl::run(self.sim, args),
            "sleep" => sleep(self.sim, args),
            "ssh" => self.ssh(args),
            "exit" | "logout" => self.exit(),
            "systemctl" => crate::systemctl::systemctl(self.sim, self.node()?, args),
            "apt-get" | "apt-mark" | "apt-cache" | "apt" => self.apt(argv)?,
            "kubeadm" => crate::kubeadm::cmd::run(self.sim, self.node()?, args, stdin)?,
            "sed" => self.sed(args)?,
            "kubelet" => crate::systemctl::kubelet(self.sim, self.node()?, args),
            "rollback" | "/usr/local/bin/rollback" => self.rollback(args)?,
            _ => return None,
        })
    }

    fn read_file(&self, path: &str) -> Option<String> {
        let node = self.node()?;
        let n = self.sim.cluster.node(node);
        if path == KUBERNETES_LIST {
            return Some(n.packages.repo_file_text().to_string());
        }
        let c = StaticPod::from_manifest_path(path)?;
        crate::components::render_manifest(c, n.control_plane.as_ref()?, &n.internal_ip)
    }
}

impl Host<'_> {
    /// `ssh NODE` enters the node's shell for the lines that follow; `ssh NODE CMD...` runs one
    /// command there. Only the cluster's nodes resolve.
    fn ssh(&mut self, args: &[String]) -> CommandOutput {
        let mut out = CommandOutput::default();
        // Options come before the destination; everything after it is the remote command.
        let mut i = 0;
        while i < args.len() && args[i].starts_with('-') {
            let takes_value = matches!(
                args[i].as_str(),
                "-p" | "-i" | "-l" | "-o" | "-F" | "-J" | "-b" | "-c" | "-E"
            );
            i += if takes_value { 2 } else { 1 };
        }
        let words: Vec<&String> = args.iter().skip(i).collect();
        let Some((target, command)) = words.split_first() else {
            crate::kubectl::stderr(
                &mut out,
                "usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface] [-b bind_address] destination [command [argument ...]]",
            );
            out.status = 255;
            return out;
        };
        let host = target.rsplit('@').next().unwrap_or(target).to_string();
        if self.sim.cluster.node_id(&host).is_none() {
            crate::kubectl::stderr(
                &mut out,
                format!("ssh: Could not resolve hostname {host}: Name or service not known"),
            );
            out.status = 255;
            return out;
        }
        if command.is_empty() {
            self.sim.sessions.push(host);
            return out;
        }
        let line: Vec<&str> = command.iter().map(|s| s.as_str()).collect();
        self.sim.run_line(&host, &line.join(" "))
    }

    /// `exit` leaves the innermost `ssh` session (at the first host there is nothing to leave).
    fn exit(&mut self) -> CommandOutput {
        let mut out = CommandOutput::default();
        if self.sim.sessions.last().is_some_and(|h| *h == self.name) {
            self.sim.sessions.pop();
            crate::kubectl::stdout(&mut out, "logout");
            crate::kubectl::stdout(&mut out, format!("Connection to {} closed.", self.name));
        }
        out
    }

    /// apt on this node; a kubelet package change rewrites the unit file on disk.
    fn apt(&mut self, argv: &[String]) -> Option<CommandOutput> {
        let node = self.node()?;
        let n = self.sim.cluster.node_mut(node);
        let before = n.packages.installed(KubePackage::Kubelet).cloned();
        let out = crate::packages::apt::run(&mut n.packages, argv)?;
        if n.packages.installed(KubePackage::Kubelet).cloned() != before {
            n.unit_changed = true;
        }
        Some(out)
    }

    /// `sed -i 's/OLD/NEW/[g]' FILE` on the one file the upgrade procedure edits: the
    /// Kubernetes apt source (switching the pkgs.k8s.io minor).
    fn sed(&mut self, args: &[String]) -> Option<CommandOutput> {
        let node = self.node()?;
        let mut out = CommandOutput::default();
        let (flags, rest): (Vec<&String>, Vec<&String>) = args.iter().partition(|a| a.starts_with('-'));
        let (Some(script), Some(file)) = (rest.first(), rest.get(1)) else {
            crate::kubectl::stderr(
                &mut out,
                "kubedrill: sed is modelled only as `sed -i 's/OLD/NEW/[g]' FILE`",
            );
            out.status = 1;
            return Some(out);
        };
        let manifest = StaticPod::from_manifest_path(file);
        if !flags.iter().any(|f| f.starts_with("-i"))
            || (file.as_str() != KUBERNETES_LIST && manifest.is_none())
            || rest.len() != 2
        {
            crate::kubectl::stderr(
                &mut out,
                format!(
                    "kubedrill: sed is modelled only as `sed -i 's/OLD/NEW/[g]' FILE` on {KUBERNETES_LIST} and the static pod manifests in /etc/kubernetes/manifests"
                ),
            );
            out.status = 1;
            return Some(out);
        }
        if let Some(c) = manifest {
            let Some(text) = self.read_file(file) else {
                crate::kubectl::stderr(&mut out, format!("sed: can't read {file}: No such file or directory"));
                out.status = 2;
                return Some(out);
            };
            let Some((old, new, global)) = parse_substitution(script) else {
                crate::kubectl::stderr(
                    &mut out,
                    format!(
                        "sed: -e expression #1, char 1: unknown command: `{}'",
                        script.chars().next().unwrap_or(' ')
                    ),
                );
                out.status = 1;
                return Some(out);
            };
            let edited = substitute(&text, &old, &new, global);
            if edited != text {
                self.sim.static_pod_manifest_edited(node, c, &edited);
            }
            return Some(out);
        }
        let Some((old, new, global)) = parse_substitution(script) else {
            crate::kubectl::stderr(
                &mut out,
                format!(
                    "sed: -e expression #1, char {}: unknown command: `{}'",
                    script.len().min(1),
                    script.chars().next().unwrap_or(' ')
                ),
            );
            out.status = 1;
            return Some(out);
        };
        let packages = &mut self.sim.cluster.node_mut(node).packages;
        let edited = substitute(packages.repo_file_text(), &old, &new, global);
        packages.set_repo_file_text(&edited);
        Some(out)
    }
    /// Kubernetes' etcd3 → etcd2 rollback tool (shipped in the etcd image of 1.6–1.7), run
    /// against the stacked etcd member's data on a control plane.
    fn rollback(&mut self, args: &[String]) -> Option<CommandOutput> {
        let node = self.node()?;
        self.sim.cluster.node(node).control_plane.as_ref()?.etcd.as_ref()?;
        let words: Vec<&str> = args.iter().map(String::as_str).collect();
        Some(self.sim.etcd_rollback(node, &words))
    }

    /// The node this shell runs on (node-level commands need one).
    fn node(&self) -> Option<crate::model::NodeId> {
        self.sim.cluster.node_id(&self.name)
    }
}

/// sed's substitution, line by line.
fn substitute(text: &str, old: &str, new: &str, global: bool) -> String {
    text.lines()
        .map(|l| {
            if global {
                l.replace(old, new)
            } else {
                l.replacen(old, new, 1)
            }
        })
        .map(|l| l + "\n")
        .collect()
}

/// `s/OLD/NEW/` or `s/OLD/NEW/g` with any delimiter, literal text (no regex in the model).
fn parse_substitution(script: &str) -> Option<(String, String, bool)> {
    let rest = script.strip_prefix('s')?;
    let delim = rest.chars().next()?;
    let parts: Vec<&str> = rest[delim.len_utf8()..].split(delim).collect();
    match parts.as_slice() {
        [old, new, flags] if !old.is_empty() && (flags.is_empty() || *flags == "g") => {
            Some((old.to_string(), new.to_string(), *flags == "g"))
        }
        _ => None,
    }
}

/// `sleep N[smhd]` advances virtual time.
fn sleep(sim: &mut Sim, args: &[String]) -> CommandOutput {
    let mut out = CommandOutput::default();
    if args.is_empty() {
        crate::kubectl::stderr(&mut out, "sleep: missing operand");
        crate::kubectl::stderr(&mut out, "Try 'sleep --help' for more information.");
        out.status = 1;
        return out;
    }
    let mut total = SimDuration::ZERO;
    for a in args {
        let d = if let Some(days) = a.strip_suffix('d') {
            days.parse::<f64>().ok().map(|d| SimDuration((d * 86_400_000.0) as u64))
        } else if a.ends_with(['s', 'm', 'h']) {
            parse_go_duration(a).ok()
        } else {
            a.parse::<f64>()
                .ok()
                .filter(|s| *s >= 0.0)
                .map(|s| SimDuration((s * 1000.0) as u64))
        };
        match d {
            Some(d) => total = SimDuration(total.ms() + d.ms()),
            None => {
                crate::kubectl::stderr(&mut out, format!("sleep: invalid time interval '{a}'"));
                crate::kubectl::stderr(&mut out, "Try 'sleep --help' for more information.");
                out.status = 1;
                return out;
            }
        }
    }
    let until = sim.now + total;
    let until = sim.step_deadline.map_or(until, |d| until.min(d));
    sim.advance_to(until);
    out
}

impl Sim {
    /// Runs one line typed at `host`'s prompt, through that host's shell.
    pub fn run_line(&mut self, host: &str, line: &str) -> CommandOutput {
        let mut shell = self.shells.remove(host).unwrap_or_default();
        let out = shell.run_line(
            &mut Host {
                sim: self,
                name: host.to_string(),
            },
            line,
        );
        self.shells.insert(host.to_string(), shell);
        self.settle();
        out
    }
}
