//! The kind backend: scenarios and labs replayed against real kind clusters, compared step by
//! step with the simulator (`kubedrill run FILE --backend kind`, `kubedrill lab start ID
//! --backend kind`). `shared/reference/kind.md` is the study it follows.
//!
//! * [`images`]: the (kind release, Kubernetes version) → pinned `kindest/node` image table.
//! * [`planner`]: pure: a scenario becomes the exact commands (argv, stdin, timeouts) and the
//!   polls that wait for outcomes, as data; printed by `--plan`.
//! * [`runner`]: runs a plan's commands with `std::process`: timeouts that kill the whole
//!   process group, output captured into the transcript, the cluster deleted at the end, on
//!   failure, on panic and on Ctrl-C, and stale clusters of dead runs swept at start.
//! * [`observe`]: what kind shows after a step (`kubectl ... -o json` into k8s-openapi types,
//!   etcd through `crictl exec`), and the same observation of the simulator.
//! * [`compare`] and [`report`]: the per-step agreement or diff.
//! * [`backend`]: `run --backend kind`, the simulator and kind side by side.
//! * [`lab`]: a lab on kind.

pub mod backend;
pub mod compare;
pub mod images;
pub mod lab;
pub mod observe;
pub mod planner;
pub mod report;
pub mod runner;
