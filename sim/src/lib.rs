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

pub mod engine;
pub mod etcd;
pub(crate) mod gotext;
pub mod host;
pub mod invariant;
pub mod model;
pub mod path;
pub mod release;
pub mod rng;
pub mod runner;
pub mod scenario;
pub mod semver;
pub mod shell;
pub(crate) mod tabwriter;
pub mod time;
pub mod tools;
pub mod trace;

// Transitional paths for the crate's users (labs, the root package); see the façade below.
pub use engine::{fault, restore, setup};
pub use model::{cluster, hostfs, manifest, objects as api, packages, scheduler};
pub use release::{behaviour, components, version, versions};
pub use tools::{kubeadm, kubectl};

pub use engine::Sim;
pub use rng::Seed;
