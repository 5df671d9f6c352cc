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
    /// Each host's shell, created on its first line.
    pub(crate) shells: BTreeMap<String, Shell>,
    /// Where a line without a host runs: the first control plane.
    pub(crate) default_host: String,
    /// Hosts entered with `ssh NODE` (innermost last); `exit` leaves the innermost.
    pub(crate) sessions: Vec<String>,
    /// The client behaviour of the kubectl that ran last (the installed package of its host).
    pub(crate) kubectl: Kubectl,
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
            .map(String::as_str)
            .unwrap_or(&self.terminal.default_host)
    }

    /// kubectl answers as the kubectl package installed on the host it runs on.
    pub(crate) fn use_kubectl_of_current_host(&mut self) {
        let Some(id) = self.engine.cluster().node_id(self.current_host()) else {
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
