//! Kubernetes versions and the one place where version-dependent behaviour is decided.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;

/// A Kubernetes version such as `v1.31.2` or `v1.32.0-rc.1`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KubeVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    /// Pre-release part after `-` (`rc.1`, `alpha.0`); empty for a release.
    pub pre: String,
}

/// The oldest and newest minor versions whose behaviour the simulator models.
pub const OLDEST_MINOR: u32 = 7;
pub const NEWEST_MINOR: u32 = 36;
/// The oldest kubelet a node may run: v1.6, the oldest the skew policy allows under a v1.8
/// control plane (two minors). Only a node's `kubeletVersion` may be this old; a cluster's
/// control plane (and so kubeadm and kubectl) starts at `OLDEST_MINOR`.
pub const OLDEST_KUBELET_MINOR: u32 = 6;

/// A Kubernetes version that does not parse, or one the simulator does not model.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    #[error("invalid Kubernetes version {0:?}: expected vMAJOR.MINOR.PATCH, e.g. v1.31.2")]
    Invalid(String),
    #[error("Kubernetes {0} is not modelled: kubedrill models v1.{OLDEST_MINOR} to v1.{NEWEST_MINOR}")]
    NotModelled(KubeVersion),
    #[error("kubelet {0} is not modelled: kubedrill models kubelets v1.{OLDEST_KUBELET_MINOR} to v1.{NEWEST_MINOR}")]
    KubeletNotModelled(KubeVersion),
}

crate::errors::error_text!(VersionError);

impl KubeVersion {
    pub fn new(major: u32, minor: u32, patch: u32) -> Self {
        Self {
            major,
            minor,
            patch,
            pre: String::new(),
        }
    }

    /// Parses `v1.31.2`, `1.31.2` and pre-releases such as `v1.32.0-rc.1`.
    pub fn parse(text: &str) -> Result<Self, VersionError> {
        let bad = || VersionError::Invalid(text.to_string());
        let t = text.strip_prefix('v').unwrap_or(text);
        let (core, pre) = match t.split_once('-') {
            Some((c, p)) if !p.is_empty() => (c, p.to_string()),
            Some(_) => return Err(bad()),
            None => (t, String::new()),
        };
        let mut parts = core.split('.');
        let mut num = || -> Result<u32, VersionError> {
            let p = parts.next().ok_or_else(bad)?;
            crate::semver::numeric(p).ok_or_else(bad)
        };
        let (major, minor, patch) = (num()?, num()?, num()?);
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(Self {
            major,
            minor,
            patch,
            pre,
        })
    }

    /// Refuses versions outside what the simulator models, with a clear message.
    pub fn check_supported(&self) -> Result<(), VersionError> {
        if self.major != 1 || self.minor < OLDEST_MINOR || self.minor > NEWEST_MINOR {
            return Err(VersionError::NotModelled(self.clone()));
        }
        Ok(())
    }

    /// Like `check_supported`, for a node's kubelet, which may be one minor older than the
    /// oldest modelled control plane.
    pub fn check_supported_kubelet(&self) -> Result<(), VersionError> {
        if self.major != 1 || self.minor < OLDEST_KUBELET_MINOR || self.minor > NEWEST_MINOR {
            return Err(VersionError::KubeletNotModelled(self.clone()));
        }
        Ok(())
    }

    pub fn at_least(&self, minor: u32) -> bool {
        self.major > 1 || (self.major == 1 && self.minor >= minor)
    }
}

impl Ord for KubeVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        // semver precedence: a release after its own pre-releases, `rc.10` after `rc.9`.
        crate::semver::cmp(
            (self.major, self.minor, self.patch, &self.pre),
            (other.major, other.minor, other.patch, &other.pre),
        )
    }
}

impl PartialOrd for KubeVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        Ok(())
    }
}

impl TryFrom<String> for KubeVersion {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Ok(Self::parse(&s)?)
    }
}

impl From<KubeVersion> for String {
    fn from(v: KubeVersion) -> Self {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubelets_reach_one_minor_below_the_oldest_control_plane() {
        let v = |s: &str| KubeVersion::parse(s).unwrap();
        assert!(v("v1.6.13").check_supported().is_err());
        assert!(v("v1.6.13").check_supported_kubelet().is_ok());
        assert_eq!(
            v("v1.5.8").check_supported_kubelet().map_err(|e| e.to_string()),
            Err("kubelet v1.5.8 is not modelled: kubedrill models kubelets v1.6 to v1.36".to_string())
        );
    }

    #[test]
    fn parses_and_orders_versions() {
        let v = KubeVersion::parse("v1.31.2").unwrap();
        assert_eq!((v.major, v.minor, v.patch), (1, 31, 2));
        assert_eq!(v.to_string(), "v1.31.2");
        assert_eq!(KubeVersion::parse("1.8.0").unwrap().to_string(), "v1.8.0");
        let rc = KubeVersion::parse("v1.32.0-rc.1").unwrap();
        assert!(rc < KubeVersion::parse("v1.32.0").unwrap());
        assert!(rc > KubeVersion::parse("v1.31.9").unwrap());
        // semver precedence, not string order (kubeadm's private copy of this rule is gone).
        assert!(KubeVersion::parse("v1.32.0-rc.10").unwrap() > KubeVersion::parse("v1.32.0-rc.9").unwrap());
        assert!(KubeVersion::parse("v1.32.0-beta.2").unwrap() < KubeVersion::parse("v1.32.0-rc.0").unwrap());
        for bad in [
            "",
            "v1",
            "v1.31",
            "v1.31.x",
            "v1.31.2.3",
            "v01.2.3",
            "v1.31.2-",
            "latest",
        ] {
            assert!(KubeVersion::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn supported_range_is_checked() {
        assert!(KubeVersion::parse("v1.6.1").unwrap().check_supported().is_err());
        assert!(KubeVersion::parse("v1.7.1").unwrap().check_supported().is_ok());
        assert!(KubeVersion::parse("v1.8.0").unwrap().check_supported().is_ok());
        assert!(KubeVersion::parse("v2.0.0").unwrap().check_supported().is_err());
    }
}
