//! What a host's shell can run: the simulated tools, dispatched by name.

pub(crate) mod etcd;
pub mod input;
mod kube;
mod node_tools;
mod terminal;
pub(crate) use kube::NodeKube;
pub use terminal::{Sim, Terminal};

use crate::model::packages::KubePackage;
use crate::model::packages::repo::KUBERNETES_LIST;
use crate::release::components::StaticPod;
use crate::shell::{CommandHost, CommandOutput, ShellEnv};
use crate::time::{SimDuration, SimTime};

/// The host a command runs on, seen by the shell.
pub(crate) struct Host<'a> {
    pub sim: &'a mut Sim,
    pub name: String,
}

/// Why an editor cannot save a file on a node: its complaint (vim's wording where it has one).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("no host {0:?}")]
    NoHost(String),
    #[error("\"{0}\" E212: Can't open file for writing: No such file or directory")]
    NoDirectory(String),
    #[error("\"{0}\" is not a text file")]
    NotText(String),
}

impl CommandHost for Host<'_> {
    fn run(&mut self, argv: &[String], env: &ShellEnv, stdin: &str) -> Option<CommandOutput> {
        let (cmd, args) = argv.split_first()?;
        // Whatever this command writes on the node is stamped with the time now.
        if let Some(node) = self.node() {
            let now = self.sim.now;
            self.sim.cluster.node_mut(node).fs.clock = now;
        }
        Some(match cmd.as_str() {
            "kubectl" => {
                let host = self.name.clone();
                self.sim.use_kubectl_of(&host);
                let local = self.kubectl_local(args, env, stdin);
                if let Some(missing) = self.missing_kubeconfig(args, &local) {
                    return Some(missing);
                }
                crate::tools::kubectl::run(self.sim, args, &local)
            }
            "sleep" => sleep(self.sim, args),
            "ssh" => self.ssh(args),
            "exit" | "logout" => self.exit(),
            "bash" | "sh" | "su" => self.shell(cmd, args, env),
            "systemctl" => crate::tools::systemd::systemctl::systemctl(&mut self.node_kube()?, args),
            "journalctl" => crate::tools::systemd::journalctl::journalctl(&self.node_kube()?, args),
            "service" => crate::tools::systemd::systemctl::service(&mut self.node_kube()?, args),
            "apt-get" | "apt-mark" | "apt-cache" | "apt" => self.apt(argv)?,
            "kubeadm" => crate::tools::kubeadm::cmd::run(&mut self.node_kube()?, args, stdin)?,
            "sed" => self.sed(args, env.cwd())?,
            "kubelet" => crate::tools::systemd::systemctl::kubelet(&self.node_kube()?, args),
            "rollback" | "/usr/local/bin/rollback" => self.rollback(args)?,
            "easyrsa" | "./easyrsa" => self.easyrsa(args)?,
            "crictl" if self.has_crictl() => crate::tools::crictl::run(&self.node_kube()?, args),
            "docker" => {
                let api = self.node_kube()?;
                if !crate::tools::crictl::docker::installed(&api) {
                    return None;
                }
                crate::tools::crictl::docker::run(&api, args)
            }
            "ls" | "cp" | "mv" | "mkdir" | "rm" | "truncate" => self.files(cmd, args, env)?,
            "etcdctl" | "etcdutl" => self.etcd_tool(cmd, args, env, stdin)?,
            "scp" => self.scp(args, env.cwd())?,
            _ => return self.node_program(cmd, args, env),
        })
    }

    fn read_file(&self, path: &str) -> Option<String> {
        let node = self.node()?;
        let n = self.sim.cluster.node(node);
        if path == KUBERNETES_LIST {
            return Some(n.packages.repo_file_text().to_string());
        }
        match n.fs.find(path)? {
            crate::model::hostfs::Found::Entry(crate::model::hostfs::Entry::Text(t)) => Some(t.clone()),
            crate::model::hostfs::Found::Entry(crate::model::hostfs::Entry::Pem) => Some(
                "-----BEGIN CERTIFICATE-----\nMIIC/jCCAeagAwIBAgIBADANBgkqhkiG9w0BAQsFADAVMRMwEQYDVQQDEwprdWJl\n-----END CERTIFICATE-----\n"
                    .to_string(),
            ),
            // Binary data (a bbolt database) as cat shows it: unreadable bytes.
            crate::model::hostfs::Found::Entry(crate::model::hostfs::Entry::Snapshot(_)) | crate::model::hostfs::Found::Db { .. } => {
                Some("\u{fffd}\u{fffd}\u{fffd}\u{fffd}\n".to_string())
            }
            _ => None,
        }
    }

    fn is_dir(&self, path: &str) -> Option<bool> {
        let node = self.node()?;
        Some(self.sim.cluster.node(node).fs.is_dir(path))
    }

    fn write_file(&mut self, path: &str, text: &str, append: bool) -> Result<(), String> {
        let Some(node) = self.node() else {
            return Err("No such file or directory".into());
        };
        let fs = &self.sim.cluster.node(node).fs;
        if fs.is_dir(path) {
            return Err("Is a directory".into());
        }
        let old = if append { self.read_file(path) } else { None };
        if append && old.is_none() && self.sim.cluster.node(node).fs.get(path).is_some() {
            // Appending text to a binary file (a snapshot, a database) is not modelled.
            return Err("kubedrill: appending to a file that is not text is not modelled".into());
        }
        let mut whole = old.unwrap_or_default();
        whole.push_str(text);
        if whole.len() > REDIRECT_LIMIT {
            return Err("No space left on device".into());
        }
        // A redirection reports errno's text, not the editor's.
        self.sim.write_host_file(&self.name, path, &whole).map_err(|e| match e {
            EditError::NoDirectory(_) => "No such file or directory".to_string(),
            other => other.to_string(),
        })
    }
}

/// The most a redirection may write to one file: a node's disk is not endless, and a loop of
/// `cat f >> f` must end in an error rather than exhaust memory.
const REDIRECT_LIMIT: usize = 64 << 20;

impl Host<'_> {
    /// What kubectl reads on this host: its stdin and the files (or directories of
    /// manifests) its arguments name.
    fn kubectl_local(&self, args: &[String], env: &ShellEnv, stdin: &str) -> crate::tools::kubectl::Local {
        use crate::tools::kubectl::{Local, LocalFile};
        let mut local = Local {
            stdin: stdin.to_string(),
            cwd: env.cwd().to_string(),
            editor: env
                .vars()
                .get("KUBE_EDITOR")
                .or_else(|| env.vars().get("EDITOR"))
                .map(|v| v.to_string()),
            files: Default::default(),
            no_kubeconfig: false,
        };
        // kubectl's kubeconfig: --kubeconfig, else the files $KUBECONFIG names that exist, else
        // ~/.kube/config. A kubeadm worker has none of them.
        let flag = args.iter().enumerate().find_map(|(i, a)| {
            a.strip_prefix("--kubeconfig=")
                .map(str::to_string)
                .or_else(|| (a == "--kubeconfig").then(|| args.get(i + 1).cloned().unwrap_or_default()))
        });
        local.no_kubeconfig = match flag {
            Some(_) => false,
            None => match env.vars().get("KUBECONFIG").filter(|v| !v.is_empty()) {
                Some(list) => !list.split(':').any(|p| self.read_file(&local.abs(p)).is_some()),
                None => {
                    let home = env.vars().get("HOME").cloned().unwrap_or_else(|| "/root".into());
                    self.read_file(&format!("{home}/.kube/config")).is_none()
                }
            },
        };
        for path in crate::tools::kubectl::file_args(args) {
            let abs = local.abs(&path);
            if self.is_dir(&abs) == Some(true) {
                let node = self.node();
                let mut manifests = Vec::new();
                if let Some(node) = node {
                    for (name, _) in self.sim.cluster.node(node).fs.children(&abs) {
                        let file = crate::path::normalize(&format!("{abs}/{name}"));
                        if [".yaml", ".yml", ".json"].iter().any(|e| name.ends_with(e))
                            && let Some(text) = self.read_file(&file)
                        {
                            local.files.insert(file.clone(), LocalFile::Text(text));
                            manifests.push(file);
                        }
                    }
                }
                local.files.insert(abs, LocalFile::Dir(manifests));
            } else if let Some(text) = self.read_file(&abs) {
                local.files.insert(abs, LocalFile::Text(text));
            }
        }
        local
    }

    /// `--kubeconfig PATH` naming a file that is not there: kubectl stops before anything else.
    fn missing_kubeconfig(&self, args: &[String], local: &crate::tools::kubectl::Local) -> Option<CommandOutput> {
        let path = args.iter().enumerate().find_map(|(i, a)| {
            a.strip_prefix("--kubeconfig=")
                .map(str::to_string)
                .or_else(|| (a == "--kubeconfig").then(|| args.get(i + 1).cloned().unwrap_or_default()))
        })?;
        if self.read_file(&local.abs(&path)).is_some() {
            return None;
        }
        let mut out = CommandOutput::default();
        crate::shell::output::stderr(&mut out, format!("error: stat {path}: no such file or directory"));
        out.status = 1;
        Some(out)
    }

    /// The seam the node-level tools get: this host's node of the simulator.
    /// crictl comes with the cri-tools package, which kubeadm's packages require from 1.11
    /// (kubernetes/release#612): a 1.7–1.10 node has only the docker CLI.
    fn has_crictl(&self) -> bool {
        let Some(node) = self.node() else { return false };
        let n = self.sim.cluster.node(node);
        let minor = n
            .packages
            .installed_kube_version(KubePackage::Kubeadm)
            .map_or(n.kubelet_version.minor, |v| v.minor);
        minor >= 11 || !n.container_runtime.starts_with("docker://")
    }

    fn node_kube(&mut self) -> Option<NodeKube<'_>> {
        let node = self.node()?;
        Some(NodeKube { sim: self.sim, node })
    }

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
            crate::shell::output::stderr(
                &mut out,
                "usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface] [-b bind_address] destination [command [argument ...]]",
            );
            out.status = 255;
            return out;
        };
        let host = target.rsplit('@').next().unwrap_or(target).to_string();
        if self.sim.cluster.node_id(&host).is_none() {
            crate::shell::output::stderr(
                &mut out,
                format!("ssh: Could not resolve hostname {host}: Name or service not known"),
            );
            out.status = 255;
            return out;
        }
        if command.is_empty() {
            self.sim.terminal.open(host, terminal::FrameKind::Ssh);
            return out;
        }
        let line: Vec<&str> = command.iter().map(|s| s.as_str()).collect();
        self.sim.run_line(&host, &line.join(" "))
    }

    /// `exit` leaves the innermost level: a shell started inside a shell (bash prints
    /// `logout` for a login shell, `exit` for another), else the `ssh` session (at the first
    /// host there is nothing to leave).
    fn exit(&mut self) -> CommandOutput {
        let mut out = CommandOutput::default();
        let Some(frame) = self.sim.terminal.sessions.last().filter(|f| f.host == self.name) else {
            return out;
        };
        match frame.kind {
            terminal::FrameKind::Shell { login, .. } => {
                crate::shell::output::stderr(&mut out, if login { "logout" } else { "exit" });
            }
            terminal::FrameKind::Ssh => {
                crate::shell::output::stdout(&mut out, "logout");
                crate::shell::output::stdout(&mut out, format!("Connection to {} closed.", self.name));
            }
        }
        self.sim.terminal.sessions.pop();
        out
    }

    /// `bash`, `sh`, `su [-] [root]` (and what `sudo -i`, `sudo -s`, `sudo su -`, `sudo bash`
    /// become): a new interactive shell on this host for the lines that follow, until `exit`.
    /// A script (`bash -c`, `bash FILE`) is not modelled.
    fn shell(&mut self, cmd: &str, args: &[String], env: &ShellEnv) -> CommandOutput {
        let words: Vec<&str> = args.iter().map(String::as_str).collect();
        let login = match (cmd, words.as_slice()) {
            ("su", w) if w.iter().all(|a| matches!(*a, "-" | "-l" | "--login" | "root")) => {
                w.iter().any(|a| *a != "root")
            }
            ("bash" | "sh" | "-bash", w) if w.iter().all(|a| matches!(*a, "-l" | "--login" | "-i")) => {
                w.iter().any(|a| *a != "-i")
            }
            _ => {
                let mut out = CommandOutput::default();
                crate::shell::output::stderr(
                    &mut out,
                    format!(
                        "kubedrill: `{cmd} {}` is not modelled yet (modelled: an interactive shell: bash, sh, su -, sudo -i)",
                        words.join(" ")
                    ),
                );
                out.status = 1;
                return out;
            }
        };
        let mut shell = crate::shell::Shell::new();
        if login {
            shell.export_var("HOME", "/root");
            shell.export_var("PWD", "/root");
        } else {
            for (name, value) in env.iter() {
                shell.export_var(name, value);
            }
            shell.export_var("PWD", env.cwd());
        }
        shell.export_var("USER", "root");
        self.sim.terminal.open(
            self.name.clone(),
            terminal::FrameKind::Shell {
                login,
                shell: Some(Box::new(shell)),
            },
        );
        CommandOutput::default()
    }

    /// apt on this node; a kubelet package change rewrites the unit file on disk.
    fn apt(&mut self, argv: &[String]) -> Option<CommandOutput> {
        let node = self.node()?;
        let n = self.sim.cluster.node_mut(node);
        let before = n.packages.installed(KubePackage::Kubelet).cloned();
        let out = crate::tools::apt::run(&mut n.packages, argv)?;
        if n.packages.installed(KubePackage::Kubelet).cloned() != before {
            n.unit_changed = true;
        }
        Some(out)
    }

    /// `sed -i 's/OLD/NEW/[g]' FILE` on a text file of the node: the Kubernetes apt source
    /// (switching the pkgs.k8s.io minor), a static pod manifest (the kubelet notices at its next
    /// look), the kubelet's files (read at its next start; a unit or drop-in edit wants a
    /// daemon-reload), any other text file.
    fn sed(&mut self, args: &[String], cwd: &str) -> Option<CommandOutput> {
        let node = self.node()?;
        let mut out = CommandOutput::default();
        let (flags, rest): (Vec<&String>, Vec<&String>) = args.iter().partition(|a| a.starts_with('-'));
        let modelled = "kubedrill: sed is modelled only as `sed -i 's/OLD/NEW/[g]' FILE` (literal text, one file)";
        let (Some(script), Some(file)) = (rest.first(), rest.get(1)) else {
            crate::shell::output::stderr(&mut out, modelled);
            out.status = 1;
            return Some(out);
        };
        if !flags.iter().any(|f| f.starts_with("-i")) || rest.len() != 2 {
            crate::shell::output::stderr(&mut out, modelled);
            out.status = 1;
            return Some(out);
        }
        let Some(subs) = parse_substitution(script) else {
            crate::shell::output::stderr(
                &mut out,
                format!(
                    "sed: -e expression #1, char 1: unknown command: `{}'",
                    script.chars().next().unwrap_or(' ')
                ),
            );
            out.status = 1;
            return Some(out);
        };
        // A relative path is the shell's working directory's (`sed -i … kube-flannel.yml`).
        let path = if file.starts_with('/') {
            crate::path::normalize(file)
        } else {
            crate::path::normalize(&format!("{cwd}/{file}"))
        };
        if path == KUBERNETES_LIST {
            let packages = &mut self.sim.cluster.node_mut(node).packages;
            let Some(edited) = substitute(packages.repo_file_text(), &subs) else {
                return Some(sed_no_space(file));
            };
            packages.set_repo_file_text(&edited);
            return Some(out);
        }
        let text = match self.sim.cluster.node(node).fs.get(&path) {
            Some(crate::model::hostfs::Entry::Text(t)) => t.clone(),
            Some(e) if e.is_dir() => {
                crate::shell::output::stderr(&mut out, format!("sed: couldn't edit {file}: not a regular file"));
                out.status = 4;
                return Some(out);
            }
            Some(_) => {
                crate::shell::output::stderr(
                    &mut out,
                    format!("kubedrill: sed -i on {file} is not modelled (not a text file)"),
                );
                out.status = 1;
                return Some(out);
            }
            None => {
                crate::shell::output::stderr(&mut out, format!("sed: can't read {file}: No such file or directory"));
                out.status = 2;
                return Some(out);
            }
        };
        let Some(edited) = substitute(&text, &subs) else {
            return Some(sed_no_space(file));
        };
        if edited != text {
            self.sim
                .cluster
                .node_mut(node)
                .fs
                .put(&path, crate::model::hostfs::Entry::Text(edited));
            if path.starts_with("/etc/kubernetes/manifests/") || StaticPod::from_manifest_path(&path).is_some() {
                self.sim.manifests_changed(node);
            }
            if path.contains("/systemd/system/kubelet.service") {
                self.sim.cluster.node_mut(node).unit_changed = true;
            }
        }
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

    /// `ls`, `cp`, `mv`, `mkdir`, `rm` on the node's files. A change under
    /// `/etc/kubernetes/manifests` is for the kubelet to notice at its next check.
    fn files(&mut self, cmd: &str, args: &[String], env: &ShellEnv) -> Option<CommandOutput> {
        let cwd = env.cwd();
        let node = self.node()?;
        let mut change = crate::tools::coreutils::FsChange::default();
        // Only a copy of the live data dir needs its data frozen (a clone of the API state):
        // nothing else pays for it.
        let copies_live_data = cmd == "cp"
            && args.iter().filter(|a| !a.starts_with('-')).any(|a| {
                let path = crate::path::normalize(&if a.starts_with('/') {
                    a.clone()
                } else {
                    format!("{cwd}/{a}")
                });
                let fs = &self.sim.cluster.node(node).fs;
                match fs.find(&path) {
                    Some(crate::model::hostfs::Found::Entry(crate::model::hostfs::Entry::DataDir(
                        crate::model::hostfs::DataDir::Live,
                    ))) => true,
                    Some(crate::model::hostfs::Found::Db { dir }) => {
                        matches!(
                            fs.get(&dir),
                            Some(crate::model::hostfs::Entry::DataDir(
                                crate::model::hostfs::DataDir::Live
                            ))
                        )
                    }
                    _ => false,
                }
            });
        let mut frozen = if copies_live_data {
            self.sim.frozen_data_dir(node)
        } else {
            crate::model::hostfs::DataDir::Empty
        };
        // Copying the files of a member that is writing them gives no consistent database.
        let running = self
            .sim
            .etcd_member_of(node)
            .is_some_and(|i| self.sim.etcd.members[i].is_running());
        if running && let crate::model::hostfs::DataDir::Copy { snapshot, .. } = &mut frozen {
            let mut s = (**snapshot).clone();
            s.copied_while_running = true;
            *snapshot = std::sync::Arc::new(s);
        }
        let freeze = |d: &crate::model::hostfs::DataDir| match d {
            crate::model::hostfs::DataDir::Live => frozen.clone(),
            other => other.clone(),
        };
        // Only `ls` shows a db's size; the live member's needs a copy of etcd's state.
        let db: Box<dyn Fn(&str) -> u64> = if cmd == "ls" {
            Box::new(self.db_sizes())
        } else {
            Box::new(|_: &str| 0)
        };
        let (now, epoch_s) = (self.sim.now, self.sim.cluster.epoch_s);
        let fs = &mut self.sim.cluster.node_mut(node).fs;
        let out = match cmd {
            "ls" => {
                let cx = crate::tools::coreutils::LsContext {
                    now,
                    epoch_s,
                    db_size: &*db,
                    one_per_line: !env.stdout_is_terminal(),
                };
                crate::tools::coreutils::ls(fs, cwd, args, &cx)
            }
            "mkdir" => crate::tools::coreutils::mkdir(fs, cwd, args, &mut change),
            "rm" => crate::tools::coreutils::rm(fs, cwd, args, &mut change),
            "truncate" => crate::tools::coreutils::truncate(fs, cwd, args),
            _ => crate::tools::coreutils::cp_mv(fs, cwd, args, cmd == "mv", &freeze, &mut change),
        };
        if change
            .touched
            .iter()
            .any(|p| p == "/etc/kubernetes/manifests" || p.starts_with("/etc/kubernetes/manifests/"))
        {
            self.sim.manifests_changed(node);
        }
        Some(out)
    }

    /// `scp [-r] [HOST:]SRC [HOST:]DST` between the cluster's machines (a snapshot file to the
    /// other control planes before an HA restore).
    fn scp(&mut self, args: &[String], cwd: &str) -> Option<CommandOutput> {
        let here = self.node()?;
        let mut out = CommandOutput::default();
        let ops: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
        let [src, dst] = ops.as_slice() else {
            crate::shell::output::stderr(
                &mut out,
                "usage: scp [-346ABCOpqRrsTv] [-c cipher] [-D sftp_server_path] [-F ssh_config]",
            );
            crate::shell::output::stderr(
                &mut out,
                "           [-i identity_file] [-J destination] [-l limit] [-o ssh_option]",
            );
            crate::shell::output::stderr(
                &mut out,
                "           [-P port] [-S program] [-X sftp_option] source ... target",
            );
            out.status = 1;
            return Some(out);
        };
        let side = |s: &str| -> Result<(crate::model::NodeId, String), String> {
            match s.split_once(':') {
                Some((host, path)) => {
                    let host = host.rsplit('@').next().unwrap_or(host);
                    let id =
                        self.sim.cluster.node_id(host).ok_or_else(|| {
                            format!("ssh: Could not resolve hostname {host}: Name or service not known")
                        })?;
                    let path = if path.starts_with('/') {
                        path.to_string()
                    } else {
                        format!("/root/{path}")
                    };
                    Ok((id, crate::path::normalize(&path)))
                }
                None => {
                    let p = if s.starts_with('/') {
                        s.to_string()
                    } else {
                        format!("{cwd}/{s}")
                    };
                    Ok((here, crate::path::normalize(&p)))
                }
            }
        };
        let (from, to) = match (side(src), side(dst)) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => {
                crate::shell::output::stderr(&mut out, e);
                crate::shell::output::stderr(&mut out, "lost connection");
                out.status = 255;
                return Some(out);
            }
        };
        let Some(entry) = self.sim.cluster.node(from.0).fs.get(&from.1).cloned() else {
            crate::shell::output::stderr(&mut out, format!("scp: {}: No such file or directory", from.1));
            out.status = 1;
            return Some(out);
        };
        if matches!(
            entry,
            crate::model::hostfs::Entry::Dir | crate::model::hostfs::Entry::DataDir(_)
        ) {
            crate::shell::output::stderr(&mut out, format!("scp: {}: not a regular file", from.1));
            out.status = 1;
            return Some(out);
        }
        let now = self.sim.now;
        let target_fs = &mut self.sim.cluster.node_mut(to.0).fs;
        let target = if target_fs.is_dir(&to.1) {
            crate::path::normalize(&format!("{}/{}", to.1, from.1.rsplit('/').next().unwrap_or("")))
        } else {
            to.1.clone()
        };
        if !target_fs.is_dir(crate::path::parent(&target)) {
            crate::shell::output::stderr(
                &mut out,
                format!("scp: dest open \"{target}\": No such file or directory"),
            );
            crate::shell::output::stderr(&mut out, format!("scp: failed to upload file {} to {target}", from.1));
            out.status = 1;
            return Some(out);
        }
        target_fs.clock = now;
        target_fs.put(&target, entry);
        Some(out)
    }

    /// easy-rsa, the tool the lab guide's cluster made its certificates with: installed on the
    /// control planes when the scenario names its version, and upgraded apart from Kubernetes.
    /// Only `--version` (and `version`) is modelled; its build details are left out.
    fn easyrsa(&mut self, args: &[String]) -> Option<CommandOutput> {
        let node = self.node()?;
        self.sim.cluster.node(node).control_plane.as_ref()?;
        let version = self.sim.cluster.addons.easy_rsa.clone()?;
        let mut out = CommandOutput::default();
        match args.first().map(String::as_str) {
            Some("--version" | "version") => {
                crate::shell::output::stdout(&mut out, "EasyRSA Version Information");
                crate::shell::output::stdout(&mut out, format!("Version:     {version}"));
            }
            Some(other) => {
                crate::shell::output::stderr(
                    &mut out,
                    format!("kubedrill: `easyrsa {other}` is not modelled (modelled: easyrsa --version)"),
                );
                out.status = 1;
            }
            None => {
                crate::shell::output::stderr(
                    &mut out,
                    "kubedrill: easyrsa needs a command (modelled: easyrsa --version)",
                );
                out.status = 1;
            }
        }
        Some(out)
    }

    /// etcdctl / etcdutl, installed on the control planes.
    fn etcd_tool(&mut self, cmd: &str, args: &[String], env: &ShellEnv, stdin: &str) -> Option<CommandOutput> {
        let node = self.node()?;
        self.sim.cluster.node(node).control_plane.as_ref()?;
        self.sim.count_lease_renewals();
        let mut host = etcd::NodeEtcd { sim: self.sim, node };
        let out = if cmd == "etcdctl" {
            crate::tools::etcdctl::etcdctl_with_stdin(&mut host, args, env, stdin)
        } else {
            crate::tools::etcdctl::etcdutl(&mut host, args, env)
        };
        // Membership changes and puts go through the model; the API may have come or gone.
        self.sim.etcd_changed();
        Some(out)
    }

    /// The node this shell runs on (node-level commands need one).
    fn node(&self) -> Option<crate::model::NodeId> {
        self.sim.cluster.node_id(&self.name)
    }
}

/// sed's substitutions, each applied to every line in turn.
fn substitute(text: &str, subs: &[(String, String, bool)]) -> Option<String> {
    let mut out = String::new();
    for line in text.lines() {
        let mut l = line.to_string();
        for (old, new, global) in subs {
            l = replace_capped(&l, old, new, *global, crate::model::limits::MAX_FILE_BYTES)?;
        }
        out.push_str(&l);
        out.push('\n');
        if out.len() > crate::model::limits::MAX_FILE_BYTES {
            return None;
        }
    }
    Some(out)
}

/// `str::replace`/`replacen(.., 1)` that gives up past `cap` bytes (a `s/a/aaaa/g` typed again
/// and again grows a file fourfold each time).
fn replace_capped(line: &str, old: &str, new: &str, global: bool, cap: usize) -> Option<String> {
    let mut out = String::new();
    let mut last = 0;
    for (at, found) in line.match_indices(old) {
        out.push_str(&line[last..at]);
        out.push_str(new);
        last = at + found.len();
        if out.len() > cap {
            return None;
        }
        if !global {
            break;
        }
    }
    out.push_str(&line[last..]);
    (out.len() <= cap).then_some(out)
}

/// What sed says when the simulated disk will not take the file it writes.
fn sed_no_space(file: &str) -> CommandOutput {
    let mut out = CommandOutput::default();
    crate::shell::output::stderr(
        &mut out,
        format!(
            "sed: couldn't write {file}: No space left on device (kubedrill: a file holds at most {} MiB)",
            crate::model::limits::MAX_FILE_BYTES >> 20
        ),
    );
    out.status = 4;
    out
}

/// `s/OLD/NEW/[g]` commands separated by `;`, any delimiter, literal text (no regex in the
/// model).
fn parse_substitution(script: &str) -> Option<Vec<(String, String, bool)>> {
    let mut subs = Vec::new();
    let mut rest = script.trim_start();
    while !rest.is_empty() {
        rest = rest.strip_prefix('s')?;
        let delim = rest.chars().next()?;
        rest = &rest[delim.len_utf8()..];
        let (old, r) = rest.split_once(delim)?;
        let (new, r) = r.split_once(delim)?;
        let (flags, r) = match r.find(';') {
            Some(i) => (&r[..i], &r[i + 1..]),
            None => (r, ""),
        };
        let flags = flags.trim();
        if old.is_empty() || !(flags.is_empty() || flags == "g") {
            return None;
        }
        subs.push((old.to_string(), new.to_string(), flags == "g"));
        rest = r.trim_start();
    }
    (!subs.is_empty()).then_some(subs)
}

/// `sleep N[smhd]` advances virtual time.
fn sleep(sim: &mut Sim, args: &[String]) -> CommandOutput {
    let mut out = CommandOutput::default();
    let usage = |out: &mut CommandOutput, line: String| {
        crate::shell::output::stderr(out, line);
        crate::shell::output::stderr(out, "Try 'sleep --help' for more information.");
        out.status = 1;
    };
    // GNU sleep takes options anywhere before `--` (getopt permutes), so `sleep -1d` is an
    // unknown option, not a negative interval.
    let mut operands = Vec::new();
    let mut options_done = false;
    for a in args {
        if options_done || a == "-" || !a.starts_with('-') {
            operands.push(a);
        } else if a == "--" {
            options_done = true;
        } else if let Some(long) = a.strip_prefix("--") {
            usage(&mut out, format!("sleep: unrecognized option '--{long}'"));
            return out;
        } else {
            let c = a.chars().nth(1).unwrap_or('-');
            usage(&mut out, format!("sleep: invalid option -- '{c}'"));
            return out;
        }
    }
    if operands.is_empty() {
        usage(&mut out, "sleep: missing operand".to_string());
        return out;
    }
    let mut total = SimDuration::ZERO;
    for a in operands {
        match sleep_interval(a) {
            Some(d) => total = SimDuration(total.ms().saturating_add(d.ms())),
            None => {
                usage(&mut out, format!("sleep: invalid time interval '{a}'"));
                return out;
            }
        }
    }
    let until = SimTime(sim.now.ms().saturating_add(total.ms()));
    let until = sim.step_deadline.map_or(until, |d| until.min(d));
    sim.advance_to(until);
    out
}

/// One operand of GNU sleep: a non-negative number (`inf` allowed) with an optional suffix
/// `s`, `m`, `h` or `d`; `None` is "invalid time interval".
fn sleep_interval(arg: &str) -> Option<SimDuration> {
    let (number, unit_ms) = match arg.char_indices().last() {
        Some((i, 's')) => (&arg[..i], 1_000.0),
        Some((i, 'm')) => (&arg[..i], 60_000.0),
        Some((i, 'h')) => (&arg[..i], 3_600_000.0),
        Some((i, 'd')) => (&arg[..i], 86_400_000.0),
        _ => (arg, 1_000.0),
    };
    // strtod's forms without the ones Rust adds (`nan`) and with the sign GNU refuses.
    let value: f64 = number.parse().ok()?;
    if value.is_nan() || value < 0.0 || number.starts_with('+') || number.is_empty() {
        return None;
    }
    // `as` saturates: `inf` sleeps until the step's limit stops it.
    Some(SimDuration((value * unit_ms) as u64))
}

impl Sim {
    /// A text file on a host as `cat` shows it (the lab terminal's editor opens it).
    pub fn read_host_file(&mut self, host: &str, path: &str) -> Option<String> {
        let h = Host {
            sim: self,
            name: host.to_string(),
        };
        h.read_file(path)
    }

    /// Writes a text file on a host as an editor saving it would: the apt source list or a
    /// file under `/etc` and `/root`; a static pod manifest is then noticed by the kubelet.
    /// Errors are the editor's complaint (no such directory, not a text file).
    pub fn write_host_file(&mut self, host: &str, path: &str, text: &str) -> Result<(), EditError> {
        let node = self
            .cluster
            .node_id(host)
            .ok_or_else(|| EditError::NoHost(host.to_string()))?;
        let path = crate::path::normalize(path);
        let now = self.now;
        self.cluster.node_mut(node).fs.clock = now;
        if path == KUBERNETES_LIST {
            self.cluster.node_mut(node).packages.set_repo_file_text(text);
            return Ok(());
        }
        let fs = &mut self.cluster.node_mut(node).fs;
        let parent = crate::path::normalize(&format!("{path}/.."));
        if !fs.is_dir(&parent) {
            return Err(EditError::NoDirectory(path));
        }
        match fs.get(&path) {
            None | Some(crate::model::hostfs::Entry::Text(_)) => {}
            Some(_) => return Err(EditError::NotText(path)),
        }
        fs.put(&path, crate::model::hostfs::Entry::Text(text.to_string()));
        if path.starts_with("/etc/kubernetes/manifests/") {
            self.manifests_changed(node);
        }
        if path.contains("/systemd/system/kubelet.service") {
            self.cluster.node_mut(node).unit_changed = true;
        }
        Ok(())
    }

    /// One line typed at `host`'s prompt, as a scenario step runs it: a step of its own in the
    /// trace, bounded by the step's virtual-time limit, with the step-end invariants checked
    /// afterwards. The lab terminal uses it for every line.
    pub fn run_step(&mut self, host: &str, line: &str) -> CommandOutput {
        match self.handle_input(input::Input::Command { host, line }) {
            Ok(input::Output::Command(out)) => out,
            _ => CommandOutput::default(),
        }
    }

    /// Runs one line typed at `host`'s prompt, through the shell the person is in there: a
    /// shell started inside the host's shell (`sudo -i`) when that is the innermost level,
    /// else the host's own.
    /// Writes every node's `/var/log/pods` and `/var/log/containers` as the kubelet has them
    /// now (see `tools::crictl::logs`).
    pub(crate) fn write_pod_logs(&mut self) {
        let ids: Vec<crate::model::NodeId> = self.cluster.node_ids().collect();
        for node in ids {
            let files = crate::tools::crictl::logs::files(&NodeKube { sim: self, node });
            let fs = &mut self.cluster.node_mut(node).fs;
            fs.remove_tree("/var/log/pods");
            fs.remove_tree("/var/log/containers");
            fs.put("/var/log/pods", crate::model::hostfs::Entry::Dir);
            fs.put("/var/log/containers", crate::model::hostfs::Entry::Dir);
            for (path, text) in files {
                fs.put(&path, crate::model::hostfs::Entry::Text(text));
            }
        }
    }

    pub fn run_line(&mut self, host: &str, line: &str) -> CommandOutput {
        let nested = match self.terminal.sessions.last_mut() {
            Some(terminal::Frame {
                id,
                host: h,
                kind: terminal::FrameKind::Shell { shell, .. },
            }) if h == host => Some((*id, shell.take().map(|s| *s).unwrap_or_default())),
            _ => None,
        };
        let (frame, mut shell) = match nested {
            Some((id, shell)) => (Some(id), shell),
            None => (
                None,
                self.terminal
                    .shells
                    .get_mut(host)
                    .and_then(Option::take)
                    .unwrap_or_default(),
            ),
        };
        let out = shell.run_line(
            &mut Host {
                sim: self,
                name: host.to_string(),
            },
            line,
        );
        match frame {
            // The shell goes back to its level, unless the line left it (`exit`).
            Some(id) => {
                if let Some(terminal::Frame {
                    kind: terminal::FrameKind::Shell { shell: slot, .. },
                    ..
                }) = self.terminal.sessions.iter_mut().find(|f| f.id == id)
                {
                    *slot = Some(Box::new(shell));
                }
            }
            None => match self.terminal.shells.get_mut(host) {
                Some(slot) => *slot = Some(shell),
                None => {
                    self.terminal.shells.insert(host.to_string(), Some(shell));
                }
            },
        }
        self.settle();
        out
    }
}
