//! kubedrill-sim: the deterministic, sans-IO model behind kubedrill.
//!
//! Start here:
//! - [`scenario`]: the scenario file types (format v1); [`runner::run`] runs one.
//! - [`engine::Sim`]: the simulator (virtual time, controllers, kubelets, faults);
//!   [`Sim::run_line`] runs a line typed at a host's prompt.
//! - [`setup`]: how a cluster spec becomes a kubeadm-like cluster.
//! - [`kubectl`]: kubectl's commands and their output by version; [`behaviour`] holds every
//!   version switch.
//! - [`shell`]: the host shell (quoting, `&&`, pipes, `$?`).
//! - [`model`], [`cluster`]: the objects and their indices; [`scheduler`]: placement.
//! - [`trace`], [`invariant`]: what happened, and what must never happen.
//!
//! Nothing here reads a clock, the environment or a file: time is [`time::SimTime`] and
//! randomness one ChaCha8 stream ([`rng::SimRng`]) seeded by the scenario.

pub mod api;
pub mod behaviour;
pub mod cluster;
mod commands;
pub mod components;
mod crictl;
pub mod engine;
pub mod etcd;
mod etcd_host;
mod etcd_link;
pub mod fault;
#[cfg(feature = "proptest")]
pub mod generate;
pub mod hostfs;
pub mod invariant;
pub mod kubeadm;
pub mod kubectl;
pub mod manifest;
pub mod model;
pub mod packages;
pub mod restore;
pub mod rng;
pub mod runner;
pub mod scenario;
pub mod scheduler;
pub mod setup;
pub mod shell;
mod static_pods;
mod systemctl;
pub mod time;
pub mod trace;
mod upgrade;
pub mod version;
pub mod versions;

pub use engine::Sim;
pub use rng::Seed;
