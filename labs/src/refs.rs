//! Names of things a check points at, as lab files write them: `deployment/web`,
//! `shop/statefulset/db`, `kube-system/coredns-xyz`, `v1.31.2`, `kubelet`.

use kubedrill_sim::model::WorkloadKind;
use kubedrill_sim::packages::KubePackage;
use kubedrill_sim::version::KubeVersion;
use serde::{Deserialize, Deserializer, de};
use std::fmt;

/// A workload: `KIND/NAME` in `default`, or `NAMESPACE/KIND/NAME`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct WorkloadRef {
    pub namespace: String,
    pub kind: WorkloadKind,
    pub name: String,
}

fn kind_of(word: &str) -> Option<WorkloadKind> {
    Some(match word.to_ascii_lowercase().as_str() {
        "deployment" | "deployments" | "deploy" => WorkloadKind::Deployment,
        "statefulset" | "statefulsets" | "sts" => WorkloadKind::StatefulSet,
        "daemonset" | "daemonsets" | "ds" => WorkloadKind::DaemonSet,
        "replicaset" | "replicasets" | "rs" => WorkloadKind::ReplicaSet,
        "job" | "jobs" => WorkloadKind::Job,
        _ => return None,
    })
}

/// A workload or pod reference a lab file writes wrongly, with the text as written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    #[error("{0:?} is not a workload: write KIND/NAME or NAMESPACE/KIND/NAME (deployment/web)")]
    NotWorkload(String),
    #[error("{text:?}: unknown workload kind {kind:?} (deployment, statefulset, daemonset, replicaset, job)")]
    UnknownKind { text: String, kind: String },
    #[error("{0:?}: empty namespace or name")]
    Empty(String),
    #[error("{0:?} is not a pod: write NAME or NAMESPACE/NAME")]
    NotPod(String),
}

impl WorkloadRef {
    pub fn parse(text: &str) -> Result<Self, RefError> {
        let parts: Vec<&str> = text.split('/').collect();
        let (namespace, kind, name) = match parts.as_slice() {
            [kind, name] => ("default", *kind, *name),
            [ns, kind, name] => (*ns, *kind, *name),
            _ => return Err(RefError::NotWorkload(text.to_string())),
        };
        let kind = kind_of(kind).ok_or_else(|| RefError::UnknownKind {
            text: text.to_string(),
            kind: kind.to_string(),
        })?;
        if namespace.is_empty() || name.is_empty() {
            return Err(RefError::Empty(text.to_string()));
        }
        Ok(Self {
            namespace: namespace.to_string(),
            kind,
            name: name.to_string(),
        })
    }
}

impl fmt::Display for WorkloadRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = self.kind.as_str().to_ascii_lowercase();
        if self.namespace == "default" {
            write!(f, "{kind}/{}", self.name)
        } else {
            write!(f, "{}/{kind}/{}", self.namespace, self.name)
        }
    }
}

impl<'de> Deserialize<'de> for WorkloadRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(de::Error::custom)
    }
}

/// A pod: `NAME` in `default`, or `NAMESPACE/NAME`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PodRef {
    pub namespace: String,
    pub name: String,
}

impl PodRef {
    pub fn parse(text: &str) -> Result<Self, RefError> {
        let (namespace, name) = text.split_once('/').unwrap_or(("default", text));
        if namespace.is_empty() || name.is_empty() || name.contains('/') {
            return Err(RefError::NotPod(text.to_string()));
        }
        Ok(Self {
            namespace: namespace.to_string(),
            name: name.to_string(),
        })
    }
}

impl fmt::Display for PodRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace == "default" {
            f.write_str(&self.name)
        } else {
            write!(f, "{}/{}", self.namespace, self.name)
        }
    }
}

impl<'de> Deserialize<'de> for PodRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(de::Error::custom)
    }
}

/// A Kubernetes version, kept as `kubectl get nodes` prints it (`v1.31.2`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub String);

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        KubeVersion::parse(&text)
            .map(|v| Self(v.to_string()))
            .map_err(de::Error::custom)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One of the Kubernetes packages a node has (`kubeadm`, `kubelet`, `kubectl`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Package(pub KubePackage);

impl<'de> Deserialize<'de> for Package {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match KubePackage::parse(&text) {
            Some(p) if p.is_kube() => Ok(Self(p)),
            _ => Err(de::Error::custom(format!(
                "unknown package {text:?} (kubeadm, kubelet, kubectl)"
            ))),
        }
    }
}

/// An invariant id the simulator checks (`no_pod_lost`, ...).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct InvariantId(pub String);

impl<'de> Deserialize<'de> for InvariantId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if kubedrill_sim::invariant::is_known(&text) {
            return Ok(Self(text));
        }
        let known: Vec<&str> = kubedrill_sim::invariant::invariants().map(|(i, _)| i).collect();
        Err(de::Error::custom(format!(
            "unknown invariant {text:?}: known are {}",
            known.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workload_refs() {
        let r = WorkloadRef::parse("deploy/web").unwrap();
        assert_eq!(
            (r.namespace.as_str(), r.kind, r.name.as_str()),
            ("default", WorkloadKind::Deployment, "web")
        );
        assert_eq!(r.to_string(), "deployment/web");
        let r = WorkloadRef::parse("shop/sts/db").unwrap();
        assert_eq!(r.to_string(), "shop/statefulset/db");
        assert!(WorkloadRef::parse("web").is_err());
        let e = WorkloadRef::parse("pod/web").unwrap_err();
        assert!(
            matches!(&e, RefError::UnknownKind { kind, .. } if kind == "pod"),
            "{e:?}"
        );
        assert!(e.to_string().contains("unknown workload kind \"pod\""), "{e}");
    }

    #[test]
    fn pod_refs() {
        assert_eq!(PodRef::parse("tools").unwrap().to_string(), "tools");
        assert_eq!(PodRef::parse("kube-system/etcd-cp1").unwrap().namespace, "kube-system");
        assert!(PodRef::parse("a/b/c").is_err());
    }
}
