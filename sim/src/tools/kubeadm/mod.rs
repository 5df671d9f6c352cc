//! kubeadm's own rules, as pure functions: the `upgrade apply` version policy and its messages
//! ([`policy`]), and what apply does with etcd ([`etcd`]).
//!
//! Nothing here touches the cluster: callers pass the versions they read from the model and
//! print what comes back. The version switches of kubeadm's output live in [`policy::Era`] and
//! `policy::ChosenLine` so that the wiring does not need its own.

pub mod apply_text;
pub(crate) mod cmd;
pub mod etcd;
mod help;
pub mod node_text;
pub mod plan;
pub mod policy;

pub use etcd::{EtcdStep, etcd_step};
pub use policy::{
    Era, KubeletVersions, PolicyError, PolicyInput, PolicyOutcome, PolicyRender, Rule, Verdict, enforce_version_policy,
    render_policy, render_version_lines,
};
