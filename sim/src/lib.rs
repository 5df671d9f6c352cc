//! kubedrill-sim: the deterministic, sans-IO model behind kubedrill.
//!
//! Start here (the folders are the layers; imports point down, `tests/layers.rs` checks it):
//! - [`Sim`] ([`host::Sim`]): the simulator as a person uses it, the cluster plus the terminals
//!   on its machines. [`Sim::handle_input`] applies one typed input ([`host::input::Input`]: a
//!   command line on a host, a fault, time passing, an API request) as one step;
//!   [`runner::run`] runs a scenario ([`scenario`]) through it.
//! - [`engine`]: the cluster in virtual time ([`engine::Engine`]): controllers, kubelets, node
//!   lifecycle, etcd link, static pods, upgrades, restore, faults; [`engine::setup`] builds a
//!   kubeadm-like cluster from a spec.
//! - [`tools`]: what a person types (kubectl, kubeadm, etcdctl/etcdutl, apt, coreutils, crictl,
//!   systemctl), talking to the cluster only through [`tools::api::KubeApi`] and
//!   [`tools::api::NodeApi`].
//! - [`model`]: the cluster's state and objects, the scheduler, node files, packages, whole API
//!   objects ([`model::objects`]) and the API server's errors ([`model::status`]).
//! - [`shell`]: the host shell (quoting, `&&`, pipes, `$?`); [`etcd`]: the etcd server model;
//!   [`release`]: what each release ships and every version switch of the tools.
//! - [`trace`], [`invariant`]: what happened, and what must never happen.
//!
//! Nothing here reads a clock, the environment or a file: time is [`time::SimTime`] and
//! randomness one ChaCha8 stream ([`rng::SimRng`]) seeded by the scenario.

pub mod cow_vec;
pub(crate) mod engine;
pub(crate) mod errors;
pub mod etcd;
pub(crate) mod gotext;
pub mod host;
pub mod invariant;
pub(crate) mod memo;
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
pub(crate) mod tools;
pub mod trace;

// Transitional paths for the crate's users (labs, the root package); see the façade below.
// The façade over the engine and the tools, which are crate-private: what a driver (the
// scenario runner, labs, the endpoint, policies, benchmarks) names of them.
pub use engine::fault::{Fault, FaultError};
pub use engine::ready_watch::ready_pods;
pub use engine::restore::ApiState;
pub use engine::setup::SetupError;
pub use engine::upgrade::NodeAddError;
pub use engine::{ApiError, DeleteCause, Engine};
pub use model::{cluster, hostfs, manifest, objects as api, packages, scheduler};
pub use release::{behaviour, components, version, versions};
pub use tools::api::KubeApi;
pub use tools::kubectl::{server_cells, server_columns};

pub use host::Sim;
pub use rng::Seed;
