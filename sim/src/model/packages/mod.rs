//! The Debian packages of Kubernetes on one node, and the apt commands a person types.
//!
//! A node's [`PackageState`] is the text of `/etc/apt/sources.list.d/kubernetes.list`, which
//! repositories `apt-get update` last fetched, the installed versions of the Kubernetes
//! packages and their holds. [`crate::tools::apt::run`] runs `apt-get`, `apt-mark`, `apt-cache` and `apt`
//! against it and returns their output; a command that fails changes nothing.
//!
//! What the repository offers is the catalogue in [`repo`]: apt.kubernetes.io (legacy, every
//! minor in one suite, versions like `1.8.0-00`) or pkgs.k8s.io (one repository per minor,
//! versions like `1.31.2-1.1`). apt only knows the versions of a repository it has fetched, so
//! after the sources file changes nothing new can be installed until `apt-get update`.
//!
//! Installing a package changes the *installed* version only: restarting the kubelet, and what
//! the running components report, is the caller's business.
//!
//! # Simplifications (deliberate)
//!
//! * Only the five Kubernetes packages exist; anything else (`screen`, `docker-ce`) is
//!   `Unable to locate package`. Counts such as `N not upgraded` count these five only.
//! * No dependency resolution: kubeadm does not pull cri-tools in, nothing is removed.
//! * The host is amd64 and the user is root; output is what a terminal shows (`... Done`).
//!   `apt list` always prints its "no stable CLI" warning, as when piped into `grep` (the usual
//!   way it is typed).
//! * Download sizes, speeds (always "in 1s") and the dpkg database count are fixed, plausible
//!   numbers.

pub mod debver;
pub mod repo;

pub use debver::{DebVersion, PackageEra, size_to_str};
pub use repo::{KUBERNETES_LIST, KubeSource};

use crate::release::version::KubeVersion;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The Kubernetes packages, in apt's (alphabetical) order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum KubePackage {
    CriTools,
    Kubeadm,
    Kubectl,
    Kubelet,
    KubernetesCni,
}

impl KubePackage {
    pub const ALL: [KubePackage; 5] = [
        Self::CriTools,
        Self::Kubeadm,
        Self::Kubectl,
        Self::Kubelet,
        Self::KubernetesCni,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::CriTools => "cri-tools",
            Self::Kubeadm => "kubeadm",
            Self::Kubectl => "kubectl",
            Self::Kubelet => "kubelet",
            Self::KubernetesCni => "kubernetes-cni",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Whether the package's version is a Kubernetes version (kubeadm, kubelet, kubectl).
    pub fn is_kube(self) -> bool {
        matches!(self, Self::Kubeadm | Self::Kubelet | Self::Kubectl)
    }

    /// Fixed, plausible `(download, installed)` sizes in bytes; they grow a little with the
    /// minor so that an upgrade uses some disk space, as real ones do.
    pub fn sizes(self, ver: &DebVersion) -> (u64, u64) {
        let base_kb: u64 = match self {
            Self::CriTools => 21_300,
            Self::Kubeadm => 10_400,
            Self::Kubectl => 10_800,
            Self::Kubelet => 18_100,
            Self::KubernetesCni => 31_600,
        };
        let mut nums = ver.upstream.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
        let (_, minor, patch) = (nums.next(), nums.next().unwrap_or(0), nums.next().unwrap_or(0));
        let download_kb = base_kb * (minor.min(100) + 50) / 80 + patch.min(100) * 3;
        (download_kb * 1000, download_kb * 4_700)
    }
}

/// Which apt the node runs; it changes a few words of output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AptRelease {
    /// apt 1.2 (Ubuntu 16.04 xenial): `Building dependency tree` without `... Done`.
    Xenial,
    /// apt 2.4 (Ubuntu 22.04 jammy).
    Jammy,
}

/// The Kubernetes packages of one node and what apt knows about their repository.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageState {
    /// The text of [`KUBERNETES_LIST`]; the truth about which repository is configured.
    pub(crate) repo_file: String,
    /// The sources whose package lists were fetched by the last successful `apt-get update`.
    /// apt only uses lists of sources that are still configured, so switching the file makes
    /// the old lists useless at once.
    pub(crate) fetched: Vec<KubeSource>,
    pub(crate) installed: BTreeMap<KubePackage, DebVersion>,
    pub(crate) held: BTreeSet<KubePackage>,
    pub(crate) apt: AptRelease,
    /// The day the cluster lives on (`cluster.date`, days since 1970-01-01): versions released
    /// later are not in the repositories yet.
    #[serde(default)]
    pub release_day: Option<i64>,
    /// `repo_file` parsed, once per text: a rolling upgrade asks apt about five packages on
    /// every node, and parsing the file each time was a tenth of the upgrade's work.
    #[serde(skip)]
    parsed: SourcesMemo,
}

type Sources = Result<Vec<KubeSource>, Vec<String>>;

/// A cache, not state: two package states with the same file are equal whether or not either
/// has parsed it yet.
#[derive(Clone, Default)]
struct SourcesMemo(std::sync::OnceLock<Sources>);

impl PartialEq for SourcesMemo {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for SourcesMemo {}

impl std::fmt::Debug for SourcesMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SourcesMemo")
    }
}

impl PackageState {
    /// A node with `repo_file` as its kubernetes.list, nothing installed, and no
    /// `apt-get update` run yet.
    pub fn new(repo_file: &str) -> Self {
        Self {
            repo_file: repo_file.to_owned(),
            fetched: Vec::new(),
            installed: BTreeMap::new(),
            held: BTreeSet::new(),
            apt: AptRelease::Jammy,
            release_day: None,
            parsed: SourcesMemo::default(),
        }
    }

    /// A node provisioned as the install docs of `v`'s time say: the repository of its era
    /// (apt.kubernetes.io up to 1.23, pkgs.k8s.io after), lists fetched, kubeadm, kubelet and
    /// kubectl at `v` and held, cri-tools at `1.<minor>.0` and kubernetes-cni at its newest.
    pub fn provisioned(v: &KubeVersion) -> Self {
        let (file, apt) = if v.minor < repo::COMMUNITY_FIRST_MINOR {
            (format!("{}\n", repo::LEGACY_LINE), AptRelease::Xenial)
        } else {
            (format!("{}\n", KubeSource::community_line(v.minor)), AptRelease::Jammy)
        };
        let mut s = Self::new(&file);
        s.apt = apt;
        s.mark_updated();
        let era = s.sources().ok().and_then(|v| v.first().map(KubeSource::era));
        let era = era.unwrap_or(PackageEra::Community);
        for pkg in [KubePackage::Kubeadm, KubePackage::Kubelet, KubePackage::Kubectl] {
            s.installed.insert(pkg, repo::package_version_for(v, era));
            s.held.insert(pkg);
        }
        // cri-tools as it was when the node was built: the newest not beyond `1.<minor>.0`.
        let cri_cap = DebVersion::for_kube(&KubeVersion::new(1, v.minor, 0), era);
        let cri = s
            .available(KubePackage::CriTools)
            .into_iter()
            .find(|(c, _)| *c <= cri_cap);
        let cni = s.available(KubePackage::KubernetesCni).into_iter().next();
        for (pkg, found) in [(KubePackage::CriTools, cri), (KubePackage::KubernetesCni, cni)] {
            if let Some((ver, _)) = found {
                s.installed.insert(pkg, ver);
            }
        }
        s
    }

    /// The text of the sources file, for `cat /etc/apt/sources.list.d/kubernetes.list`.
    pub fn repo_file_text(&self) -> &str {
        &self.repo_file
    }

    /// Replaces the sources file (after `sed -i`, `tee`, an editor). The fetched lists stay as
    /// they were: apt notices nothing until the next `apt-get update`.
    pub fn set_repo_file_text(&mut self, text: &str) {
        text.clone_into(&mut self.repo_file);
        self.parsed = SourcesMemo::default();
    }

    /// Points every pkgs.k8s.io line at `minor` (`sed -i 's/v1.30/v1.31/'`); a file with no
    /// such line becomes the canonical pkgs.k8s.io line.
    pub fn set_repo_minor(&mut self, minor: u32) {
        self.repo_file = repo::with_minor(&self.repo_file, minor);
        self.parsed = SourcesMemo::default();
    }

    /// The Kubernetes sources the file configures, or apt's errors for a malformed file.
    pub fn sources(&self) -> Sources {
        self.parsed
            .0
            .get_or_init(|| repo::parse_sources(&self.repo_file, KUBERNETES_LIST))
            .clone()
    }

    /// Whether every configured Kubernetes source has been fetched since it was configured.
    pub fn lists_fresh(&self) -> bool {
        self.sources()
            .is_ok_and(|s| s.iter().all(|src| self.fetched.contains(src)))
    }

    /// Records a successful `apt-get update` without running it (scenario setup).
    pub fn mark_updated(&mut self) {
        self.fetched = self
            .sources()
            .unwrap_or_default()
            .into_iter()
            .filter(KubeSource::published)
            .collect();
    }

    pub fn installed(&self, pkg: KubePackage) -> Option<&DebVersion> {
        self.installed.get(&pkg)
    }

    /// The Kubernetes version of an installed kubeadm, kubelet or kubectl package.
    pub fn installed_kube_version(&self, pkg: KubePackage) -> Option<KubeVersion> {
        self.installed.get(&pkg).and_then(DebVersion::kube_version)
    }

    /// Sets or clears an installed version directly (scenario setup, faults).
    pub fn set_installed(&mut self, pkg: KubePackage, ver: Option<DebVersion>) {
        match ver {
            Some(v) => {
                self.installed.insert(pkg, v);
            }
            None => {
                self.installed.remove(&pkg);
            }
        }
    }

    pub fn is_held(&self, pkg: KubePackage) -> bool {
        self.held.contains(&pkg)
    }

    pub fn set_held(&mut self, pkg: KubePackage, held: bool) {
        if held {
            self.held.insert(pkg);
        } else {
            self.held.remove(&pkg);
        }
    }

    pub fn apt_release(&self) -> AptRelease {
        self.apt
    }

    pub fn set_apt_release(&mut self, apt: AptRelease) {
        self.apt = apt;
    }

    /// The versions of `pkg` apt can install now, newest first, each with the first configured
    /// source offering it. Empty when the file is malformed or its sources are not fetched.
    pub fn available(&self, pkg: KubePackage) -> Vec<(DebVersion, KubeSource)> {
        let mut all: Vec<(DebVersion, KubeSource)> = Vec::new();
        let mut contributing = 0;
        for src in self.sources().unwrap_or_default() {
            if !self.fetched.contains(&src) {
                continue;
            }
            let before = all.len();
            for v in src.offered(pkg).iter() {
                if self.released(pkg, v) {
                    all.push((v.clone(), src.clone()));
                }
            }
            contributing += usize::from(all.len() > before);
        }
        // Newest first; of versions equal in Debian's order, the first source's. A source
        // offers each release once, newest first, so one source's list is already that.
        if contributing > 1 {
            all.sort_by(|a, b| b.0.cmp(&a.0));
            all.dedup_by(|later, kept| later.0 == kept.0);
        }
        all
    }

    /// Whether a Kubernetes package version was published by the cluster's date.
    fn released(&self, pkg: KubePackage, v: &DebVersion) -> bool {
        let Some(day) = self.release_day else { return true };
        if !matches!(pkg, KubePackage::Kubeadm | KubePackage::Kubelet | KubePackage::Kubectl) {
            return true;
        }
        match KubeVersion::parse(&v.upstream) {
            Ok(k) => crate::release::dates::released_by(&k, day),
            Err(_) => true,
        }
    }

    /// apt's candidate: the newest available version (all sources have priority 500).
    pub fn candidate(&self, pkg: KubePackage) -> Option<DebVersion> {
        // The first of `available`, without building and sorting the whole list.
        let mut best: Option<DebVersion> = None;
        for src in self.sources().unwrap_or_default() {
            if !self.fetched.contains(&src) {
                continue;
            }
            // Offered newest first: the first released is this source's best.
            if let Some(v) = src.offered(pkg).iter().find(|v| self.released(pkg, v))
                && best.as_ref().is_none_or(|b| v > b)
            {
                best = Some(v.clone());
            }
        }
        best
    }

    /// Whether apt knows the package name at all: installed, or offered by a fetched source.
    pub fn knows(&self, pkg: KubePackage) -> bool {
        self.installed.contains_key(&pkg) || !self.available(pkg).is_empty()
    }
}
