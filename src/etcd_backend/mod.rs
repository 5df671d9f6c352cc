//! The real-etcd backend: a cluster of real `etcd` processes (Debian's `etcd-server`, 3.4) on
//! 127.0.0.1, driven through the `etcd-client` crate and `etcdctl`, observed as the same
//! [`Observation`] the simulator's [`EtcdModel`] gives, so the two can be compared directly.
//!
//! * [`process`]: finding `etcd`/`etcdctl`, ports, children that die with us.
//! * [`cleanup`]: run directories and port files removed on every ending, signals included,
//!   and swept when a killed process left them.
//! * [`cluster`]: [`RealCluster`] — bootstrap, crash (SIGKILL), destroy, recover, put,
//!   snapshot, restore, settle and observe.
//! * [`diff`]: the differential driver, applying the same [`Op`]s to an [`EtcdModel`] and a
//!   [`RealCluster`] and comparing after every op.
//! * [`scenario`]: `kubedrill run --backend etcd`, a real cluster beside a scenario run.
//! * [`soak`]: `kubedrill soak`, cycles of kills, snapshots and recoveries with writes in
//!   flight, checked for lost writes and against the model.
//!
//! Timing: members run with `--heartbeat-interval 50 --election-timeout 500` (a tenth of etcd's
//! defaults) so elections settle in well under a second; a write "commits" if it does within
//! [`ClusterOptions::commit_bound`] (1.5 s = 3 election timeouts).
//!
//! The client runtime is a current-thread tokio runtime owned by the cluster: the rest of the
//! crate stays synchronous, and tokio is a dependency of this package only (never of the
//! sans-IO simulator).
//!
//! [`EtcdModel`]: kubedrill_sim::etcd::model::EtcdModel
//! [`Observation`]: kubedrill_sim::etcd::model::Observation

pub mod cleanup;
pub mod cluster;
pub mod diff;
pub mod process;
pub mod scenario;
pub mod soak;

pub use cluster::{
    ClusterOptions, Ids, Observed, RealCluster, etcdctl, etcdctl_snapshot_restore, etcdctl_snapshot_save,
};
pub use diff::{Differential, Disagreement, Op, StepReport, compare, describe, plan, run_ops};
pub use process::EtcdBinaries;
pub use scenario::ScenarioBackend;

/// What can go wrong talking to real etcd. The messages of `etcdctl` failures are etcd's own
/// (the `Error: …` line), so callers and tests can hold them against the simulator's.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("etcd is not installed: {0}")]
    NotInstalled(String),
    #[error("{0}")]
    Io(String),
    #[error("etcd member {member} did not start: {detail}")]
    StartFailed { member: String, detail: String },
    /// A request through the client failed or did not finish in time.
    #[error("{op} on member {member}: {message}")]
    Client {
        op: &'static str,
        member: String,
        message: String,
    },
    /// `etcdctl` exited non-zero; `message` is its `Error: …` line without the prefix.
    #[error("etcdctl {command}: {message}")]
    Etcdctl {
        command: String,
        message: String,
        stderr: String,
    },
}
