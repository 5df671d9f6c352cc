//! What a person types: kubectl, kubeadm, etcdctl/etcdutl, apt, coreutils, crictl, systemd
//! (systemctl, journalctl, service).
//!
//! A tool never names the engine: it talks to the cluster through the Kubernetes API
//! seam ([`api::KubeApi`]) and to a machine through a narrow node seam, and it never imports
//! another tool (shared cobra behaviour lives in `cobra`, printing in `shell::output`).

pub(crate) mod api;
pub(crate) mod apt;
pub(crate) mod cobra;
pub(crate) mod coreutils;
pub(crate) mod crictl;
pub(crate) mod curl;
pub(crate) mod etcdctl;
#[cfg(test)]
pub(crate) mod fake_api;
pub(crate) mod kubeadm;
pub(crate) mod kubectl;
pub(crate) mod procps;
pub(crate) mod sysinfo;
pub(crate) mod systemd;
