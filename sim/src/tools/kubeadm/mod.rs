//! kubeadm's own rules, as pure functions: the `upgrade apply` version policy and its messages
//! ([`policy`]), and what apply does with etcd ([`etcd`]).
//!
//! Nothing here touches the cluster: callers pass the versions they read from the model and
//! print what comes back. The version switches of kubeadm's output live in [`policy::Era`] and
//! `policy::ChosenLine` so that the wiring does not need its own.

pub(crate) mod apply_text;
pub(crate) mod cmd;
pub(crate) mod etcd;
mod help;
pub(crate) mod node_text;
pub(crate) mod plan;
pub(crate) mod policy;
#[cfg(test)]
mod seam_tests;
