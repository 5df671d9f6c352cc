//! The version a control plane's static pod is set to, typed once where it is read (the image
//! tag of a manifest the kubelet reads, kubeadm's upgrade plan) and carried typed from there.

use crate::etcd::version::EtcdVersion;
use crate::release::components::StaticPod;
use crate::release::version::KubeVersion;
use std::fmt;

/// A Kubernetes release for the API server, controller manager and scheduler; an etcd image
/// tag (`3.5.15-0`) for etcd.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ComponentVersion {
    Kube(KubeVersion),
    Etcd(EtcdVersion),
}

impl ComponentVersion {
    /// The version an image tag names for component `c`, or None when it names no release.
    pub fn parse(c: StaticPod, tag: &str) -> Option<Self> {
        match c {
            StaticPod::Etcd => EtcdVersion::parse(tag).ok().map(Self::Etcd),
            _ => KubeVersion::parse(tag).ok().map(Self::Kube),
        }
    }

    /// Whether this is a version of component `c` (etcd takes an etcd tag, the others a
    /// Kubernetes release).
    pub fn fits(&self, c: StaticPod) -> bool {
        matches!(self, Self::Etcd(_)) == (c == StaticPod::Etcd)
    }
}

/// The image tag, exactly as it was read.
impl fmt::Display for ComponentVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Kube(v) => v.fmt(f),
            Self::Etcd(v) => v.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_read_back_as_written() {
        for (c, tag) in [
            (StaticPod::Etcd, "3.5.15-0"),
            (StaticPod::Etcd, "3.2.24"),
            (StaticPod::KubeApiserver, "v1.31.2"),
            (StaticPod::KubeScheduler, "v1.36.0-rc.1"),
        ] {
            let v = ComponentVersion::parse(c, tag).unwrap();
            assert_eq!(v.to_string(), tag);
            assert!(v.fits(c));
        }
        assert!(ComponentVersion::parse(StaticPod::Etcd, "latest").is_none());
        assert!(ComponentVersion::parse(StaticPod::KubeApiserver, "latest").is_none());
        let etcd = ComponentVersion::parse(StaticPod::Etcd, "3.5.15-0").unwrap();
        assert!(!etcd.fits(StaticPod::KubeApiserver));
    }
}
