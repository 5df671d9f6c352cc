//! Upgrade policies and their property checker.
//!
//! - [`file`]: the policy file (`kind: UpgradePolicy`), loaded and checked with positions.
//! - [`Policy`]: a policy as a controller; [`controller::FilePolicy`] runs a policy file, and a
//!   Rust type can implement the trait directly.
//! - [`drive`]: the one module that touches the simulator — inputs, faults, time, reads.
//! - [`faults`]: a generated fault schedule made concrete for a cluster.
//! - [`check`]: one case run under watch, and the properties it must keep.
//! - [`search`]: many generated cases; [`shrink`]: the first failure made small.
//! - [`counterexample`]: a failing case written as an ordinary v1 scenario.

pub mod check;
pub mod controller;
pub mod counterexample;
pub mod drive;
pub mod faults;
pub mod file;
pub mod search;
pub mod shrink;

use drive::{Drive, Halt, View};
use kubedrill_sim::time::SimDuration;
use std::collections::BTreeMap;

/// How a policy's run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every stage and the verification passed.
    Done,
    /// The policy gave up, and says why.
    Aborted(String),
}

/// Limits a policy declares for the checker to hold it to, on a given cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// Control planes out of service (cordoned, or NotReady without a fault) at once.
    pub control_planes_unavailable: u32,
    /// Per worker pool (the `pool` label): nodes out of service at once.
    pub pool_unavailable: BTreeMap<String, u32>,
    /// Nodes beyond the cluster's starting count at once.
    pub extra_nodes: u32,
    /// Virtual time the whole run may take (beyond it, `terminates` fails).
    pub time: SimDuration,
}

/// An upgrade policy as a controller: it drives the cluster only through the inputs of
/// [`Drive`] (commands on hosts, machines provisioned, time) and reads it through [`View`].
///
/// `run` should pass every [`Halt`] up with `?`: once a run is out of budget or stuck, every
/// call on the drive returns the same halt.
pub trait Policy {
    fn name(&self) -> &str;
    /// What the checker holds a run on this cluster to.
    fn bounds(&self, view: &View<'_>) -> Bounds;
    /// Drives one upgrade from the cluster as it is to the end.
    fn run(&mut self, ctx: &mut Drive<'_>) -> Result<Outcome, Halt>;
}
