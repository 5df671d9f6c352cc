//! Component versions that come with a Kubernetes release.

use crate::release::version::KubeVersion;

/// The etcd image tag kubeadm pins for a Kubernetes minor (kubeadm's constants).
pub fn default_etcd_for(v: &KubeVersion) -> &'static str {
    match v.minor {
        0..=8 => "3.0.17",
        9..=10 => "3.1.12",
        11 => "3.2.18",
        12 => "3.2.24",
        13 => "3.2.24",
        14..=15 => "3.3.10",
        16 => "3.3.15-0",
        17..=18 => "3.4.3-0",
        19..=20 => "3.4.13-0",
        21 => "3.4.13-0",
        22..=23 => "3.5.6-0",
        24..=25 => "3.5.6-0",
        26..=27 => "3.5.9-0",
        28 => "3.5.12-0",
        29 => "3.5.16-0",
        30..=31 => "3.5.15-0",
        32 => "3.5.16-0",
        33 => "3.5.21-0",
        // kubeadm moved to etcd 3.6 with 1.34 (reference §3.4); 3.6.4-0 is 1.34's pin in
        // kubeadm's constants, and 3.6.8-0 the one later 1.34–1.36 patches share (the value
        // a 1.35.0 or 1.36.0 kubeadm shipped with is unconfirmed).
        34 => "3.6.4-0",
        _ => "3.6.8-0",
    }
}

/// The DNS addon version kubeadm deploys for a Kubernetes minor: kube-dns before 1.11, CoreDNS
/// from 1.11.
pub fn dns_version_for(v: &KubeVersion) -> &'static str {
    coredns_for(v)
}

/// The CoreDNS (or, before 1.11, kube-dns) version kubeadm installs for a Kubernetes minor
/// (kubeadm's constants). CoreDNS image tags carry a `v` from 1.21 (`v1.8.0`) on.
pub fn coredns_for(v: &KubeVersion) -> &'static str {
    match v.minor {
        0..=10 => kube_dns_for(v),
        11 => "1.1.3",
        12 => "1.2.2",
        13 => "1.2.6",
        14..=15 => "1.3.1",
        16 => "1.6.2",
        17 => "1.6.5",
        18 => "1.6.7",
        19..=20 => "1.7.0",
        21 => "v1.8.0",
        22 => "v1.8.4",
        23..=24 => "v1.8.6",
        25..=26 => "v1.9.3",
        27..=28 => "v1.10.1",
        29 => "v1.11.1",
        30..=32 => "v1.11.3",
        33 => "v1.12.0",
        34 => "v1.12.1",
        35 => "v1.13.1",
        _ => "v1.14.2",
    }
}

/// The kube-dns version kubeadm installs for a minor (kube-dns was dropped in 1.21).
pub fn kube_dns_for(v: &KubeVersion) -> &'static str {
    match v.minor {
        0..=7 => "1.14.4",
        8 => "1.14.5",
        9 => "1.14.7",
        10 => "1.14.8",
        11..=12 => "1.14.10",
        _ => "1.14.13",
    }
}
