//! What each Kubernetes and etcd release ships and how its tools behave: versions
//! ([`version`]), the per-minor tables ([`versions`], [`components`]) and every
//! version switch of kubectl's behaviour ([`behaviour`]).

pub mod api;
pub mod behaviour;
pub mod components;
pub mod dates;
pub mod flannel;
pub mod kubelet;
pub mod version;
pub mod versions;
