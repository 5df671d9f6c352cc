//! The Kubernetes apt repositories of both eras, the sources file that selects one, and the
//! catalogue of versions each repository offers.
//!
//! # The catalogue (plausible, not authoritative)
//!
//! [`LAST_PATCH`] holds, per minor 1.7–1.36, the last patch release the simulator knows; every
//! patch from `.0` to it exists. The minors that were still maintained when the table was written
//! (1.32–1.34) and the future ones (1.35, 1.36) have made-up but plausible last patches.
//!
//! * apt.kubernetes.io (legacy, one suite `kubernetes-xenial` for every minor) carries 1.7–1.28
//!   with revision `-00`; it was frozen on 2023-09-13, so 1.24–1.28 stop at the patch current
//!   then ([`LEGACY_FROZEN`]). Known oddity kept: 1.12.0 was withdrawn and 1.12.1 published
//!   as `1.12.1-02` (transcript apt-006).
//! * pkgs.k8s.io has one repository per minor from 1.24 on, revision `-1.1`; known oddity kept:
//!   `1.29.4-2.1`.
//! * cri-tools and kubernetes-cni are offered with made-up but era-shaped versions; there is no
//!   dependency resolution, so installing kubeadm never pulls cri-tools in (real apt does).

use super::KubePackage;
use super::debver::{DebVersion, PackageEra};
use crate::release::version::KubeVersion;
use serde::{Deserialize, Serialize};

/// Where the official procedure keeps the Kubernetes source line.
pub const KUBERNETES_LIST: &str = "/etc/apt/sources.list.d/kubernetes.list";
/// The keyring the pkgs.k8s.io install page tells people to create.
pub const KEYRING: &str = "/etc/apt/keyrings/kubernetes-apt-keyring.gpg";
/// The legacy source line of the install docs up to 2023.
pub const LEGACY_LINE: &str = "deb https://apt.kubernetes.io/ kubernetes-xenial main";

/// First and last minor published on pkgs.k8s.io.
pub const COMMUNITY_FIRST_MINOR: u32 = 24;
pub const COMMUNITY_LAST_MINOR: u32 = 36;
/// Last minor published on apt.kubernetes.io.
pub const LEGACY_LAST_MINOR: u32 = 28;

/// `(minor, last patch)` for every minor the simulator models.
pub const LAST_PATCH: [(u32, u32); 30] = [
    (7, 16),
    (8, 15),
    (9, 11),
    (10, 13),
    (11, 10),
    (12, 10),
    (13, 12),
    (14, 10),
    (15, 12),
    (16, 15),
    (17, 17),
    (18, 20),
    (19, 16),
    (20, 15),
    (21, 14),
    (22, 17),
    (23, 17),
    (24, 17),
    (25, 16),
    (26, 15),
    (27, 16),
    (28, 15),
    (29, 15),
    (30, 14),
    (31, 13),
    (32, 9),
    (33, 5),
    (34, 1),
    (35, 0),
    (36, 0),
];

/// `(minor, last patch)` on apt.kubernetes.io when it was frozen, for minors still current then.
pub const LEGACY_FROZEN: [(u32, u32); 5] = [(24, 17), (25, 14), (26, 9), (27, 6), (28, 2)];

/// One Kubernetes package source as apt sees it after reading the sources file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum KubeSource {
    /// apt.kubernetes.io (or packages.cloud.google.com/apt), suite `kubernetes-xenial`,
    /// component `main`. `uri` is as written, without a trailing `/`.
    Legacy { uri: String },
    /// `https://pkgs.k8s.io/core:/stable:/v1.<minor>/deb/ /`; a minor that was never published
    /// still parses, and fails at `apt-get update`.
    Community { minor: u32 },
    /// A pkgs.k8s.io address that names no minor (a mistyped `sed`), written without the
    /// trailing `/`; it fails at `apt-get update`.
    CommunityOther { uri: String },
}

/// The versions a source offers for a package, newest first; shared, as apt asks often.
pub type Offered = std::sync::Arc<[DebVersion]>;

impl KubeSource {
    /// The canonical sources line for a pkgs.k8s.io minor.
    pub fn community_line(minor: u32) -> String {
        format!("deb [signed-by={KEYRING}] https://pkgs.k8s.io/core:/stable:/v1.{minor}/deb/ /")
    }

    /// Whether the repository exists, so that `apt-get update` can fetch it.
    pub fn published(&self) -> bool {
        match self {
            Self::Legacy { .. } => true,
            Self::Community { minor } => (COMMUNITY_FIRST_MINOR..=COMMUNITY_LAST_MINOR).contains(minor),
            Self::CommunityOther { .. } => false,
        }
    }

    pub fn era(&self) -> PackageEra {
        match self {
            Self::Legacy { .. } => PackageEra::Legacy,
            Self::Community { .. } | Self::CommunityOther { .. } => PackageEra::Community,
        }
    }

    /// The index description apt-cache prints (madison's third column, policy's lines).
    pub fn describe(&self) -> String {
        match self {
            Self::Legacy { uri } => format!("{uri} kubernetes-xenial/main amd64 Packages"),
            Self::Community { minor } => format!("https://pkgs.k8s.io/core:/stable:/v1.{minor}/deb  Packages"),
            Self::CommunityOther { uri } => format!("{uri}  Packages"),
        }
    }

    /// The address apt shows while downloading. pkgs.k8s.io redirects to its CDN and apt 2.x
    /// prints the redirect target (transcript in the module docs of `apt`), while madison keeps
    /// the configured address.
    pub fn fetch_site(&self) -> String {
        match self {
            Self::Legacy { uri } => format!("{uri} kubernetes-xenial"),
            Self::Community { minor } => {
                format!("https://prod-cdn.packages.k8s.io/repositories/isv:/kubernetes:/core:/stable:/v1.{minor}/deb ")
            }
            Self::CommunityOther { uri } => format!("{uri} "),
        }
    }

    /// The `Get:` description of one package file.
    pub fn fetch_package(&self, pkg: KubePackage, ver: &DebVersion) -> String {
        match self {
            Self::Legacy { uri } => format!("{uri} kubernetes-xenial/main amd64 {} amd64 {ver}", pkg.name()),
            _ => format!("{} {} {ver}", self.fetch_site(), pkg.name()),
        }
    }

    /// apt's `RelStr` (`Label:Archive` or `Label:Site`) as in `Selected version '…' (…)`.
    /// Unconfirmed against a capture: derived from apt's source and the repositories' Release
    /// files.
    pub fn release_str(&self) -> String {
        match self {
            Self::Legacy { .. } => "kubernetes-xenial:kubernetes-xenial [amd64]".to_owned(),
            Self::Community { minor } => format!("isv:kubernetes:core:stable:v1.{minor}:pkgs.k8s.io [amd64]"),
            Self::CommunityOther { .. } => "pkgs.k8s.io [amd64]".to_owned(),
        }
    }

    /// The archive name `apt list` shows; pkgs.k8s.io's Release files have no Suite, which apt
    /// prints as `unknown`.
    pub fn archive(&self) -> &'static str {
        match self {
            Self::Legacy { .. } => "kubernetes-xenial",
            _ => "unknown",
        }
    }

    /// Every version of `pkg` this repository offers, newest first; empty if unpublished.
    pub fn offered(&self, pkg: KubePackage) -> Offered {
        // A pure function of (source, package) that apt asks for several times per command:
        // remembered per thread, since building it parses and sorts every patch's version.
        // Legacy sources are keyed by the URI as typed: the memo is bounded.
        thread_local! {
            static OFFERED: std::cell::RefCell<crate::memo::Memo<(KubeSource, KubePackage), Offered>> =
                Default::default();
        }
        let key = (self.clone(), pkg);
        if let Some(v) = OFFERED.with(|c| c.borrow().get(&key)) {
            return v;
        }
        let v: Offered = self.offered_uncached(pkg).into();
        OFFERED.with(|c| c.borrow_mut().insert(key, std::sync::Arc::clone(&v)));
        v
    }

    fn offered_uncached(&self, pkg: KubePackage) -> Vec<DebVersion> {
        if !self.published() {
            return Vec::new();
        }
        let mut out: Vec<DebVersion> = match (self, pkg) {
            (Self::Legacy { .. }, KubePackage::Kubeadm | KubePackage::Kubelet | KubePackage::Kubectl) => {
                (crate::release::version::OLDEST_MINOR..=LEGACY_LAST_MINOR)
                    .flat_map(|minor| kube_versions(minor, PackageEra::Legacy))
                    .collect()
            }
            (Self::Community { minor }, KubePackage::Kubeadm | KubePackage::Kubelet | KubePackage::Kubectl) => {
                kube_versions(*minor, PackageEra::Community)
            }
            (Self::Legacy { .. }, KubePackage::CriTools) => (11..=LEGACY_LAST_MINOR)
                .filter_map(|m| deb(&format!("1.{m}.0-00")))
                .collect(),
            (Self::Community { minor }, KubePackage::CriTools) => [0, 1]
                .iter()
                .filter_map(|p| deb(&format!("1.{minor}.{p}-1.1")))
                .collect(),
            (Self::Legacy { .. }, KubePackage::KubernetesCni) => {
                ["0.5.1-00", "0.6.0-00", "0.7.5-00", "0.8.6-00", "0.8.7-00", "1.1.1-00"]
                    .iter()
                    .filter_map(|s| deb(s))
                    .collect()
            }
            (Self::Community { minor }, KubePackage::KubernetesCni) => {
                let v = match minor {
                    0..=28 => "1.2.0-2.1",
                    29 => "1.3.0-1.1",
                    30 => "1.4.0-1.1",
                    31 => "1.5.1-1.1",
                    32..=33 => "1.6.0-1.1",
                    _ => "1.7.1-1.1",
                };
                deb(v).into_iter().collect()
            }
            (Self::CommunityOther { .. }, _) => Vec::new(),
        };
        out.sort_by(|a, b| b.cmp(a));
        out
    }
}

fn deb(text: &str) -> Option<DebVersion> {
    DebVersion::parse(text).ok()
}

/// The last patch of `minor` in an era's repository, if the repository carries the minor.
pub fn last_patch(minor: u32, era: PackageEra) -> Option<u32> {
    let last = LAST_PATCH.iter().find(|(m, _)| *m == minor).map(|(_, p)| *p)?;
    match era {
        PackageEra::Legacy if minor > LEGACY_LAST_MINOR => None,
        PackageEra::Legacy => Some(
            LEGACY_FROZEN
                .iter()
                .find(|(m, _)| *m == minor)
                .map_or(last, |(_, p)| *p),
        ),
        PackageEra::Community if minor < COMMUNITY_FIRST_MINOR => None,
        PackageEra::Community => Some(last),
    }
}

/// kubeadm/kubelet/kubectl versions of one minor in one era, oldest first, with the real
/// exceptions described in the module docs.
fn kube_versions(minor: u32, era: PackageEra) -> Vec<DebVersion> {
    let Some(last) = last_patch(minor, era) else {
        return Vec::new();
    };
    (0..=last)
        .filter_map(|patch| {
            let revision = match (era, minor, patch) {
                (PackageEra::Legacy, 12, 0) => return None,
                (PackageEra::Legacy, 12, 1) => "02",
                (PackageEra::Legacy, _, _) => "00",
                (PackageEra::Community, 29, 4) => "2.1",
                (PackageEra::Community, _, _) => "1.1",
            };
            deb(&format!("1.{minor}.{patch}-{revision}"))
        })
        .collect()
}

/// The package version of Kubernetes `v` that `era`'s repository really carries (revision
/// exceptions included); the era's usual shape when the catalogue does not have it.
/// The newest release of a minor the catalogue knows (what dl.k8s.io's `stable-1.N` answers).
pub fn latest_release(minor: u32) -> Option<KubeVersion> {
    LAST_PATCH
        .iter()
        .find(|(m, _)| *m == minor)
        .map(|(m, p)| KubeVersion::new(1, *m, *p))
}

pub fn package_version_for(v: &KubeVersion, era: PackageEra) -> DebVersion {
    let source = match era {
        PackageEra::Legacy => KubeSource::Legacy {
            uri: "https://apt.kubernetes.io".to_owned(),
        },
        PackageEra::Community => KubeSource::Community { minor: v.minor },
    };
    source
        .offered(KubePackage::Kubeadm)
        .iter()
        .find(|d| d.upstream == format!("{}.{}.{}", v.major, v.minor, v.patch))
        .cloned()
        .unwrap_or_else(|| DebVersion::for_kube(v, era))
}

/// Reads a sources file the way apt does for the lines that matter here. Sources that are not
/// Kubernetes repositories are accepted and ignored (they offer none of our packages). Errors
/// are apt's `E:` lines, without the prefix.
pub fn parse_sources(text: &str, path: &str) -> Result<Vec<KubeSource>, Vec<String>> {
    let mut out = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let n = idx + 1;
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let malformed = |what: &str| vec![format!("Malformed entry {n} in list file {path} ({what})")];
        let mut words = line.split_whitespace();
        let kind = words.next().unwrap_or("");
        if kind != "deb" && kind != "deb-src" {
            return Err(vec![format!(
                "Type '{kind}' is not known on line {n} in source list {path}"
            )]);
        }
        let mut rest: Vec<&str> = words.collect();
        if rest.first().is_some_and(|w| w.starts_with('[')) {
            // Options may contain spaces between the brackets; drop everything up to `]`.
            let Some(end) = rest.iter().position(|w| w.ends_with(']')) else {
                return Err(malformed("[option] unparseable"));
            };
            rest.drain(..=end);
        }
        let Some(uri) = rest.first().copied() else {
            return Err(malformed("URI"));
        };
        let Some(dist) = rest.get(1).copied() else {
            return Err(malformed("dist"));
        };
        let components = &rest[2.min(rest.len())..];
        if dist.ends_with('/') {
            if !components.is_empty() {
                return Err(malformed("absolute dist"));
            }
        } else if components.is_empty() {
            return Err(malformed("Component"));
        }
        if kind == "deb-src" {
            continue;
        }
        if let Some(src) = classify(uri, dist, components) {
            out.push(src);
        }
    }
    Ok(out)
}

fn classify(uri: &str, dist: &str, components: &[&str]) -> Option<KubeSource> {
    let trimmed = uri.trim_end_matches('/');
    let host_path = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))?;
    if host_path == "apt.kubernetes.io" || host_path == "packages.cloud.google.com/apt" {
        return (dist == "kubernetes-xenial" && components.contains(&"main")).then(|| KubeSource::Legacy {
            uri: trimmed.to_owned(),
        });
    }
    let path = host_path.strip_prefix("pkgs.k8s.io")?;
    if dist != "/" {
        return Some(KubeSource::CommunityOther {
            uri: trimmed.to_owned(),
        });
    }
    let minor = path
        .strip_prefix("/core:/stable:/v1.")
        .and_then(|r| r.strip_suffix("/deb"))
        .filter(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()) && !(m.len() > 1 && m.starts_with('0')))
        .and_then(|m| m.parse::<u32>().ok());
    Some(match minor {
        Some(minor) if uri.starts_with("https://") => KubeSource::Community { minor },
        _ => KubeSource::CommunityOther {
            uri: trimmed.to_owned(),
        },
    })
}

/// Rewrites the minor of every pkgs.k8s.io line, as `sed -i 's/v1.30/v1.31/'` does in the
/// official procedure; a file without such a line gets the canonical line for `minor`.
pub fn with_minor(text: &str, minor: u32) -> String {
    const MARK: &str = "pkgs.k8s.io/core:/stable:/v1.";
    let mut changed = false;
    let mut out = String::with_capacity(text.len() + 8);
    for line in text.split_inclusive('\n') {
        if let Some(at) = line.find(MARK) {
            let start = at + MARK.len();
            let digits = line[start..].bytes().take_while(u8::is_ascii_digit).count();
            out.push_str(&line[..start]);
            out.push_str(&minor.to_string());
            out.push_str(&line[start + digits..]);
            changed = true;
        } else {
            out.push_str(line);
        }
    }
    if changed {
        out
    } else {
        format!("{}\n", KubeSource::community_line(minor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `PackageState::available` relies on it: one source's list needs no sorting or merging.
    #[test]
    fn a_source_offers_each_release_once_newest_first() {
        let mut sources: Vec<KubeSource> = (crate::release::version::OLDEST_MINOR..=40)
            .map(|minor| KubeSource::Community { minor })
            .collect();
        sources.push(KubeSource::Legacy {
            uri: "https://apt.kubernetes.io".into(),
        });
        let mut seen = 0;
        for src in sources {
            for pkg in KubePackage::ALL {
                let offered = src.offered(pkg);
                seen += offered.len();
                for pair in offered.windows(2) {
                    assert!(pair[0] > pair[1], "{src:?} {pkg:?}: {} then {}", pair[0], pair[1]);
                }
            }
        }
        assert!(seen > 500, "the lists were looked at ({seen} versions)");
    }
}
