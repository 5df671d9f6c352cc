//! The simulator as a person at a terminal uses it: the cluster ([`Engine`]) plus the terminal
//! state that is not the cluster's — each host's shell (its variables, `$?`, working
//! directory), the `ssh` sessions a person has entered, and the kubectl client each host runs.

use crate::engine::Engine;
use crate::engine::setup::SetupError;
use crate::model::manifest::Manifest;
use crate::model::packages::KubePackage;
use crate::release::behaviour::Kubectl;
use crate::rng::Seed;
use crate::scenario::ClusterSpec;
use crate::shell::Shell;
use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};

/// The terminal state of a simulated cluster's machines.
#[derive(Clone)]
pub struct Terminal {
    /// Each host's shell, created on its first line; `None` while it runs a line (taken out
    /// of its slot, which stays, rather than removed and inserted again for every line).
    pub(crate) shells: BTreeMap<String, Option<Shell>>,
    /// Where a line without a host runs: the first control plane.
    pub(crate) default_host: String,
    /// What a person has entered on top of the first host's shell, innermost last: `ssh NODE`
    /// sessions and shells started inside a shell (`sudo -i`, `sudo su -`, `bash`). `exit`
    /// leaves the innermost.
    pub(crate) sessions: Vec<Frame>,
    /// Numbers the frames, so a line that opened or left one puts its shell back in the right
    /// place.
    pub(crate) frames_opened: u64,
    /// The client behaviour of the kubectl that ran last (the installed package of its host).
    pub(crate) kubectl: Kubectl,
}

/// One level of a person's terminal above the first host's shell.
#[derive(Clone, Debug)]
pub(crate) struct Frame {
    pub id: u64,
    /// The machine this level runs on.
    pub host: String,
    pub kind: FrameKind,
}

#[derive(Clone, Debug)]
pub(crate) enum FrameKind {
    /// `ssh NODE`: the node's own shell (kept between sessions, as its history would be).
    Ssh,
    /// A shell started inside a shell: root's (the simulated user is root everywhere, so
    /// `sudo -i` only gives a new shell). A login shell (`sudo -i`, `su -`) starts in root's
    /// home with a fresh environment; `exit` leaves it with `logout`, a non-login one with
    /// `exit`. `None` only while a line runs in it.
    Shell { login: bool, shell: Option<Box<Shell>> },
}

/// The simulator: the cluster and the terminals on its machines. Everything the cluster offers
/// ([`Engine`]'s getters, faults, time) is reachable through it.
#[derive(Clone)]
pub struct Sim {
    pub(crate) engine: Engine,
    pub(crate) terminal: Terminal,
}

impl Deref for Sim {
    type Target = Engine;
    fn deref(&self) -> &Engine {
        &self.engine
    }
}

impl DerefMut for Sim {
    fn deref_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }
}

impl Terminal {
    /// Enters a new level on `host` (an `ssh` session, a shell inside a shell).
    pub(crate) fn open(&mut self, host: String, kind: FrameKind) {
        self.frames_opened += 1;
        self.sessions.push(Frame {
            id: self.frames_opened,
            host,
            kind,
        });
    }
}

impl Sim {
    /// Builds the cluster as kubeadm leaves it, then the scenario's workloads.
    pub fn new(spec: &ClusterSpec, workloads: &[Manifest], seed: Seed) -> Result<Self, SetupError> {
        Ok(Self::from_engine(Engine::new(spec, workloads, seed)?))
    }

    pub(crate) fn from_engine(engine: Engine) -> Self {
        let cluster = engine.cluster();
        let default_host = cluster
            .control_plane_ids()
            .first()
            .map(|id| cluster.node(*id).name.to_string())
            .unwrap_or_default();
        let kubectl = Kubectl::for_version(&cluster.kubectl_version);
        Self {
            engine,
            terminal: Terminal {
                shells: BTreeMap::new(),
                default_host,
                sessions: Vec::new(),
                frames_opened: 0,
                kubectl,
            },
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn default_host(&self) -> &str {
        &self.terminal.default_host
    }

    /// Where the next line without an explicit host runs: the innermost `ssh` session, else
    /// the first control plane.
    pub fn current_host(&self) -> &str {
        self.terminal
            .sessions
            .last()
            .map(|f| f.host.as_str())
            .unwrap_or(&self.terminal.default_host)
    }

    /// Whether the person is at the first host's own shell: no `ssh` session and no shell
    /// started inside a shell is open, so `exit` there would end the terminal itself.
    pub fn at_first_shell(&self) -> bool {
        self.terminal.sessions.is_empty()
    }

    /// The prompt of the shell the next line runs in: `controlplane $ ` (the lab's own style)
    /// on a host's shell, and bash's `root@node01:~# ` in a shell started inside it
    /// (`sudo -i`), with the working directory (`~` for root's home).
    pub fn prompt(&self) -> String {
        match self.terminal.sessions.last() {
            Some(Frame {
                host,
                kind: FrameKind::Shell { shell: Some(shell), .. },
                ..
            }) => {
                let cwd = shell.cwd();
                let dir = match cwd.strip_prefix("/root") {
                    Some("") => "~".to_string(),
                    Some(rest) if rest.starts_with('/') => format!("~{rest}"),
                    _ => cwd.to_string(),
                };
                format!("root@{host}:{dir}# ")
            }
            _ => format!("{} $ ", self.current_host()),
        }
    }

    /// kubectl answers as the kubectl package installed on `host`, the host it runs on.
    pub(crate) fn use_kubectl_of(&mut self, host: &str) {
        let Some(id) = self.engine.cluster().node_id(host) else {
            return;
        };
        let Some(v) = self
            .engine
            .cluster()
            .node(id)
            .packages
            .installed_kube_version(KubePackage::Kubectl)
        else {
            return;
        };
        if v != self.engine.cluster().kubectl_version {
            self.terminal.kubectl = Kubectl::for_version(&v);
            self.engine.cluster.kubectl_version = v;
        }
    }
}
