//! Versions of the cluster's components, where each one lives.
//!
//! A control-plane node runs its own kube-apiserver, kube-controller-manager, kube-scheduler and
//! (stacked) etcd as static pods: their versions are the image tags in the manifests under
//! `/etc/kubernetes/manifests`, so two control planes can differ mid-upgrade. kube-proxy and
//! CoreDNS are cluster addons (a DaemonSet and a Deployment) whose image kubeadm sets once all
//! control planes are upgraded. Flannel and the easy-rsa-made certificates are independent
//! components: nothing in a Kubernetes upgrade touches them (lab guide, "Notes" 5).
//!
//! The kubelet's version is the node's (`Node::kubelet_version`, the running binary); the
//! kubeadm, kubelet and kubectl *packages* live in `Node::packages`.

use crate::release::version::KubeVersion;
use std::borrow::Cow;
use std::fmt;

/// The static pods of one control-plane node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControlPlane {
    pub apiserver: KubeVersion,
    pub controller_manager: KubeVersion,
    pub scheduler: KubeVersion,
    /// The stacked etcd member's image tag (`3.5.15-0`); `None` when etcd is external.
    pub etcd: Option<String>,
    /// Why the etcd member cannot run (its last log lines), while it crash-loops: an image
    /// edit etcd refuses, a crash fault, an unusable data dir.
    pub etcd_failed: Option<String>,
    /// The failure is etcd's own exit at start (an empty data dir under a known identity, a
    /// removed member): the kubelet restarts it with back-off, and it may then start.
    pub etcd_retry: bool,
    /// The host directory the running etcd member keeps its data in.
    pub etcd_data_dir: String,
    /// Where the member listens for clients (`--listen-client-urls`).
    pub etcd_listen: Vec<String>,
    /// What the API server dials (`--etcd-servers`).
    pub etcd_servers: Vec<String>,
    /// Static pods whose manifest is gone: the kubelet stopped them.
    pub stopped: Vec<StaticPod>,
    /// The node's kubelet talks to this node's API server only, not through the control-plane
    /// endpoint (kubeadm's ControlPlaneKubeletLocalMode, KEP-4471), so only that server's
    /// version bounds it. See [`kubelet_local_mode`].
    pub kubelet_local_api: bool,
}

/// Whether kubeadm of `v` points a control plane's kubelet at its own API server when it
/// inits or joins it: the ControlPlaneKubeletLocalMode feature gate, alpha (off) in 1.31,
/// beta and on by default from 1.33. It exists because a control plane joining at a new minor
/// (Cluster API's rolling replacement) otherwise has a kubelet newer than the old API servers
/// it reaches through the endpoint, against the version skew policy.
pub fn kubelet_local_mode(v: &KubeVersion) -> bool {
    v.major > 1 || v.minor >= 33
}

/// Whether kubeadm of `v` secures its local etcd with TLS: from 1.10 (kubernetes#57415);
/// before, etcd listened on `http://127.0.0.1:2379` only and the API server dialled it there.
pub fn etcd_tls(v: &KubeVersion) -> bool {
    v.minor >= 10
}

/// Where the etcd member of a control plane at `ip` listens for clients, as kubeadm of `v`
/// configures it.
pub fn etcd_listen_urls(v: &KubeVersion, ip: &str) -> Vec<String> {
    if etcd_tls(v) {
        vec!["https://127.0.0.1:2379".into(), format!("https://{ip}:2379")]
    } else {
        vec!["http://127.0.0.1:2379".into()]
    }
}

impl ControlPlane {
    pub fn at(v: &KubeVersion, etcd: Option<String>) -> Self {
        let local = if etcd_tls(v) {
            "https://127.0.0.1:2379"
        } else {
            "http://127.0.0.1:2379"
        };
        Self {
            apiserver: v.clone(),
            controller_manager: v.clone(),
            scheduler: v.clone(),
            etcd,
            etcd_failed: None,
            etcd_retry: false,
            etcd_data_dir: "/var/lib/etcd".into(),
            etcd_listen: vec![local.into()],
            etcd_servers: vec![local.into()],
            stopped: Vec::new(),
            kubelet_local_api: kubelet_local_mode(v),
        }
    }

    pub fn version_of(&self, c: StaticPod) -> String {
        match c {
            StaticPod::Etcd => self.etcd.clone().unwrap_or_default(),
            StaticPod::KubeApiserver => self.apiserver.to_string(),
            StaticPod::KubeControllerManager => self.controller_manager.to_string(),
            StaticPod::KubeScheduler => self.scheduler.to_string(),
        }
    }
}

/// The control-plane static pods, in the order `kubeadm upgrade apply` replaces them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum StaticPod {
    Etcd,
    KubeApiserver,
    KubeControllerManager,
    KubeScheduler,
}

impl StaticPod {
    pub const ALL: [StaticPod; 4] = [
        Self::Etcd,
        Self::KubeApiserver,
        Self::KubeControllerManager,
        Self::KubeScheduler,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Etcd => "etcd",
            Self::KubeApiserver => "kube-apiserver",
            Self::KubeControllerManager => "kube-controller-manager",
            Self::KubeScheduler => "kube-scheduler",
        }
    }

    pub fn manifest_path(self) -> String {
        format!("/etc/kubernetes/manifests/{}.yaml", self.name())
    }

    pub fn from_manifest_path(path: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.manifest_path() == path)
    }

    /// How long the kubelet takes to replace the static pod after its manifest changes: kill
    /// the old container, start the new one, pass the readiness probe. The apiserver is the
    /// slowest (it waits for etcd and its post-start hooks). Fixed figures, not measurements.
    pub fn restart_ms(self) -> u64 {
        match self {
            Self::Etcd => 18_000,
            Self::KubeApiserver => 32_000,
            Self::KubeControllerManager => 12_000,
            Self::KubeScheduler => 10_000,
        }
    }
}

/// The cluster addons and the components that are upgraded on their own schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Addons {
    /// The kube-proxy DaemonSet's image tag.
    pub kube_proxy: KubeVersion,
    /// `CoreDNS` (1.11+) or `kube-dns`, and its version as kubeadm prints it.
    pub dns_name: &'static str,
    pub dns_version: String,
    /// The CNI: flannel, upgraded independently of Kubernetes.
    pub flannel: Option<String>,
    /// The cluster CA and certificates, made with easy-rsa in the lab guide's era; its version
    /// is easy-rsa's, and certificates are renewed, not upgraded, by kubeadm.
    pub easy_rsa: Option<String>,
}

/// The registry kubeadm pulls control-plane images from: `gcr.io/google_containers` until
/// 1.9, `k8s.gcr.io` from 1.10, `registry.k8s.io` from 1.25.
pub fn registry_for(v: &KubeVersion) -> &'static str {
    match v.minor {
        25.. => "registry.k8s.io",
        10..=24 => "k8s.gcr.io",
        _ => "gcr.io/google_containers",
    }
}

/// The image of a component kubeadm deploys at Kubernetes version `k8s` with tag `tag`
/// (`registry.k8s.io/kube-apiserver:v1.31.2`); images were per-architecture
/// (`kube-apiserver-amd64`) until 1.12 moved to manifest lists.
pub fn image_for(name: &str, k8s: &KubeVersion, tag: &str) -> String {
    let arch = if k8s.minor < 12 { "-amd64" } else { "" };
    format!("{}/{name}{arch}:{tag}", registry_for(k8s))
}

/// The tag of an image reference (`…/etcd:3.5.15-0` → `3.5.15-0`), if it has one.
pub fn image_tag(image: &str) -> Option<&str> {
    let last = image.rsplit('/').next()?;
    last.split_once(':').map(|(_, t)| t)
}

/// A version of one component for the version-skew and order checks, with where it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placed<'a> {
    pub component: &'static str,
    pub node: &'a str,
    pub version: &'a KubeVersion,
}

impl fmt::Display for Placed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} on {}", self.component, self.version, self.node)
    }
}

/// The static pod manifest kubeadm writes for a component on a control plane, as
/// `cat /etc/kubernetes/manifests/<component>.yaml` shows it. Shortened to the parts people
/// read and edit during maintenance (image, etcd URLs and data dir, the apiserver's
/// `--etcd-servers`); the probes and resource requests kubeadm also writes are left out.
///
/// For etcd, `node` is the member name and `initial_cluster` the `name=peerURL` list kubeadm
/// wrote when the member joined (`first` control plane: `--initial-cluster-state=new`).
pub fn render_manifest(
    c: StaticPod,
    cp: &ControlPlane,
    ip: &str,
    node: &str,
    initial_cluster: &[String],
    first: bool,
) -> Option<String> {
    let image = image_for(c.name(), &cp.apiserver, &cp.version_of(c));
    let tls = etcd_tls(&cp.apiserver);
    let (command, mounts): (Vec<Cow<'static, str>>, &[(&str, &str)]) = match c {
        StaticPod::Etcd if !tls => {
            cp.etcd.as_ref()?;
            (
                vec![
                    "etcd".into(),
                    "--advertise-client-urls=http://127.0.0.1:2379".into(),
                    "--data-dir=/var/lib/etcd".into(),
                    "--listen-client-urls=http://127.0.0.1:2379".into(),
                ],
                &[("etcd", "/var/lib/etcd")],
            )
        }
        StaticPod::KubeApiserver if !tls => (
            vec![
                "kube-apiserver".into(),
                format!("--advertise-address={ip}").into(),
                "--allow-privileged=true".into(),
                "--authorization-mode=Node,RBAC".into(),
                "--client-ca-file=/etc/kubernetes/pki/ca.crt".into(),
                "--etcd-servers=http://127.0.0.1:2379".into(),
                "--insecure-port=0".into(),
                "--secure-port=6443".into(),
                "--service-cluster-ip-range=10.96.0.0/12".into(),
                "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt".into(),
                "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key".into(),
            ],
            &[("k8s-certs", "/etc/kubernetes/pki")],
        ),
        StaticPod::Etcd => {
            cp.etcd.as_ref()?;
            (
                vec![
                    "etcd".into(),
                    format!("--advertise-client-urls=https://{ip}:2379").into(),
                    "--cert-file=/etc/kubernetes/pki/etcd/server.crt".into(),
                    "--client-cert-auth=true".into(),
                    "--data-dir=/var/lib/etcd".into(),
                    format!("--initial-advertise-peer-urls=https://{ip}:2380").into(),
                    format!("--initial-cluster={}", initial_cluster.join(",")).into(),
                ]
                .into_iter()
                .chain((!first).then_some(Cow::Borrowed("--initial-cluster-state=existing")))
                .chain([
                    "--key-file=/etc/kubernetes/pki/etcd/server.key".into(),
                    format!("--listen-client-urls=https://127.0.0.1:2379,https://{ip}:2379").into(),
                    "--listen-metrics-urls=http://127.0.0.1:2381".into(),
                    format!("--listen-peer-urls=https://{ip}:2380").into(),
                    format!("--name={node}").into(),
                    "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt".into(),
                    "--peer-client-cert-auth=true".into(),
                    "--peer-key-file=/etc/kubernetes/pki/etcd/peer.key".into(),
                    "--snapshot-count=10000".into(),
                    "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt".into(),
                ])
                .collect(),
                &[
                    ("etcd-data", "/var/lib/etcd"),
                    ("etcd-certs", "/etc/kubernetes/pki/etcd"),
                ],
            )
        }
        StaticPod::KubeApiserver => (
            vec![
                "kube-apiserver".into(),
                format!("--advertise-address={ip}").into(),
                "--allow-privileged=true".into(),
                "--authorization-mode=Node,RBAC".into(),
                "--client-ca-file=/etc/kubernetes/pki/ca.crt".into(),
                "--enable-admission-plugins=NodeRestriction".into(),
                "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt".into(),
                "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt".into(),
                "--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key".into(),
                "--etcd-servers=https://127.0.0.1:2379".into(),
                "--secure-port=6443".into(),
                "--service-cluster-ip-range=10.96.0.0/12".into(),
                "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt".into(),
                "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key".into(),
            ],
            &[("k8s-certs", "/etc/kubernetes/pki")],
        ),
        StaticPod::KubeControllerManager => (
            vec![
                "kube-controller-manager".into(),
                "--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf".into(),
                "--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf".into(),
                "--bind-address=127.0.0.1".into(),
                "--cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt".into(),
                "--cluster-signing-key-file=/etc/kubernetes/pki/ca.key".into(),
                "--kubeconfig=/etc/kubernetes/controller-manager.conf".into(),
                "--leader-elect=true".into(),
                "--use-service-account-credentials=true".into(),
            ],
            &[
                ("k8s-certs", "/etc/kubernetes/pki"),
                ("kubeconfig", "/etc/kubernetes/controller-manager.conf"),
            ],
        ),
        StaticPod::KubeScheduler => (
            vec![
                "kube-scheduler".into(),
                "--authentication-kubeconfig=/etc/kubernetes/scheduler.conf".into(),
                "--authorization-kubeconfig=/etc/kubernetes/scheduler.conf".into(),
                "--bind-address=127.0.0.1".into(),
                "--kubeconfig=/etc/kubernetes/scheduler.conf".into(),
                "--leader-elect=true".into(),
            ],
            &[("kubeconfig", "/etc/kubernetes/scheduler.conf")],
        ),
    };
    let name = c.name();
    // Pieces pushed one after another: kubeadm's manifests are written at every control plane
    // upgrade, and formatting each line cost more than the rest of the upgrade step.
    let mut s = String::with_capacity(2048);
    push_all(
        &mut s,
        &[
            "apiVersion: v1\nkind: Pod\nmetadata:\n  creationTimestamp: null\n  labels:\n    component: ",
            name,
            "\n    tier: control-plane\n  name: ",
            name,
            "\n  namespace: kube-system\nspec:\n  containers:\n  - command:\n",
        ],
    );
    for arg in &command {
        push_all(&mut s, &["    - ", arg, "\n"]);
    }
    push_all(
        &mut s,
        &[
            "    image: ",
            &image,
            "\n    imagePullPolicy: IfNotPresent\n    name: ",
            name,
            "\n    volumeMounts:\n",
        ],
    );
    for (name, path) in mounts {
        push_all(&mut s, &["    - mountPath: ", path, "\n      name: ", name, "\n"]);
    }
    // Static pods got a priority class with kubeadm 1.11.
    if cp.apiserver.minor >= 11 {
        s.push_str(
            "  hostNetwork: true\n  priority: 2000001000\n  priorityClassName: system-node-critical\n  volumes:\n",
        );
    } else {
        s.push_str("  hostNetwork: true\n  volumes:\n");
    }
    for (name, path) in mounts {
        let kind = if path.ends_with(".conf") {
            "FileOrCreate"
        } else {
            "DirectoryOrCreate"
        };
        push_all(
            &mut s,
            &[
                "  - hostPath:\n      path: ",
                path,
                "\n      type: ",
                kind,
                "\n    name: ",
                name,
                "\n",
            ],
        );
    }
    s.push_str("status: {}\n");
    Some(s)
}

/// Appends each piece in turn (the manifest's lines, assembled without formatting).
fn push_all(s: &mut String, pieces: &[&str]) {
    for piece in pieces {
        s.push_str(piece);
    }
}

/// The image a manifest's text names for the component's container (the first `image:`).
pub fn manifest_image(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("image:").map(|i| i.trim().trim_matches('"').to_string()))
}

/// The prefix of a data location inside etcd's container rather than on the host.
pub const IN_CONTAINER: &str = "container:";

/// What the kubelet reads from a static pod manifest: the first container's image and command,
/// and where the volumes come from on the host.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ManifestView {
    /// `metadata.name`: which pod the file is.
    pub name: String,
    pub image: String,
    pub command: Vec<String>,
    /// Volume name → hostPath path.
    pub host_paths: std::collections::BTreeMap<String, String>,
    /// Volume name → mountPath in the first container.
    pub mounts: std::collections::BTreeMap<String, String>,
}

impl ManifestView {
    /// The value of `--name=value` in the command.
    pub fn flag(&self, name: &str) -> Option<&str> {
        let prefix = format!("--{name}=");
        self.command.iter().find_map(|a| a.strip_prefix(prefix.as_str()))
    }

    /// A comma-separated URL flag as a list.
    pub fn urls(&self, name: &str) -> Vec<String> {
        self.flag(name)
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Where etcd keeps its data: the host directory of the volume mounted over `--data-dir`, or,
    /// when no mount covers it (the CKA mistake of editing `--data-dir` but not the volume), the
    /// container's own filesystem ([`IN_CONTAINER`] + the path), which starts empty whenever the
    /// container is created.
    pub fn etcd_data_location(&self) -> String {
        match (self.etcd_host_data_dir(), self.flag("data-dir")) {
            (Some(host), _) => host,
            (None, Some(dir)) => format!("{IN_CONTAINER}{dir}"),
            (None, None) => "/var/lib/etcd".to_string(),
        }
    }

    /// The host directory etcd's `--data-dir` lands in: the hostPath of the volume mounted over it.
    pub fn etcd_host_data_dir(&self) -> Option<String> {
        let data_dir = self.flag("data-dir")?;
        self.mounts
            .iter()
            .filter_map(|(vol, mount)| {
                let rest = data_dir.strip_prefix(mount.trim_end_matches('/'))?;
                (rest.is_empty() || rest.starts_with('/')).then_some((vol, rest))
            })
            .max_by_key(|(vol, _)| self.mounts[*vol].len())
            .and_then(|(vol, rest)| {
                self.host_paths
                    .get(vol)
                    .map(|h| format!("{}{rest}", h.trim_end_matches('/')))
            })
    }
}

/// The kubelet's complaint about a static pod manifest it cannot run.
#[derive(Debug, thiserror::Error)]
pub enum StaticPodError {
    #[error("could not decode the static pod: {0}")]
    Decode(#[from] yaml_serde::Error),
    #[error("the static pod has no spec")]
    NoSpec,
    #[error("the static pod has no containers")]
    NoContainers,
    #[error("spec.containers[0].image: Required value")]
    NoImage,
}

crate::errors::error_text!(StaticPodError);

/// Parses a static pod manifest as the kubelet does (a v1 Pod).
/// [`parse_manifest`] of a manifest that parses, remembered per thread by its text: the
/// kubelet looks at its manifest directory every 20 s, and decoding the same four YAML files
/// each time was a tenth of a generated policy case. `None`: the text does not parse (ask
/// [`parse_manifest`] for the error).
pub fn parse_manifest_cached(text: &str) -> Option<ManifestView> {
    // Users edit manifests in labs: the memo is bounded.
    thread_local! {
        static PARSED: std::cell::RefCell<crate::memo::Memo<String, ManifestView>> = Default::default();
    }
    if let Some(v) = PARSED.with(|c| c.borrow().get(text)) {
        return Some(v);
    }
    let v = parse_manifest(text).ok()?;
    PARSED.with(|c| c.borrow_mut().insert(text.to_string(), v.clone()));
    Some(v)
}

pub fn parse_manifest(text: &str) -> Result<ManifestView, StaticPodError> {
    let pod: k8s_openapi::api::core::v1::Pod = yaml_serde::from_str(text)?;
    let spec = pod.spec.ok_or(StaticPodError::NoSpec)?;
    let c = spec.containers.first().ok_or(StaticPodError::NoContainers)?;
    let image = c
        .image
        .clone()
        .filter(|i| !i.is_empty())
        .ok_or(StaticPodError::NoImage)?;
    let mut v = ManifestView {
        name: pod.metadata.name.clone().unwrap_or_default(),
        image,
        command: c.command.clone().unwrap_or_default(),
        ..Default::default()
    };
    for vol in spec.volumes.unwrap_or_default() {
        if let Some(hp) = vol.host_path {
            v.host_paths.insert(vol.name, hp.path);
        }
    }
    for m in c.volume_mounts.clone().unwrap_or_default() {
        v.mounts.insert(m.name, m.mount_path);
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubeadm_points_control_plane_kubelets_at_their_own_api_server_from_1_33() {
        for (minor, local) in [(31, false), (32, false), (33, true), (34, true)] {
            let cp = ControlPlane::at(&KubeVersion::new(1, minor, 0), None);
            assert_eq!(cp.kubelet_local_api, local, "v1.{minor}");
        }
    }

    /// Every manifest kubeadm writes, for a release of each era (insecure etcd, the
    /// priority class, HA etcd joining), pinned by its length and a hash of its bytes: the
    /// text is what `cat` shows and what the kubelet parses.
    #[test]
    fn rendered_manifests_are_pinned() {
        let mut all = String::new();
        for (v, etcd) in [
            ((1, 9, 11), "3.1.12"),
            ((1, 10, 13), "3.1.12"),
            ((1, 31, 2), "3.5.15-0"),
        ] {
            let cp = ControlPlane::at(&KubeVersion::new(v.0, v.1, v.2), Some(etcd.into()));
            for c in [
                StaticPod::Etcd,
                StaticPod::KubeApiserver,
                StaticPod::KubeControllerManager,
                StaticPod::KubeScheduler,
            ] {
                for first in [true, false] {
                    let peers = [
                        "cp1=https://10.0.0.1:2380".to_string(),
                        "cp2=https://10.0.0.2:2380".to_string(),
                    ];
                    all.push_str(&render_manifest(c, &cp, "10.0.0.2", "cp2", &peers, first).unwrap_or_default());
                }
            }
        }
        // FNV-1a: stable across platforms and Rust releases.
        let hash = all.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        assert_eq!((all.len(), hash), (26_418, 0xc18e_d94d_3955_d605));
    }

    #[test]
    fn image_tags() {
        assert_eq!(image_tag("registry.k8s.io/etcd:3.5.15-0"), Some("3.5.15-0"));
        assert_eq!(image_tag("localhost:5000/kube-apiserver:v1.31.2"), Some("v1.31.2"));
        assert_eq!(image_tag("registry.k8s.io/pause"), None);
    }

    #[test]
    fn parses_what_the_kubelet_reads() {
        let cp = ControlPlane::at(&KubeVersion::new(1, 31, 2), Some("3.5.15-0".into()));
        let text = render_manifest(
            StaticPod::Etcd,
            &cp,
            "10.0.0.1",
            "cp1",
            &["cp1=https://10.0.0.1:2380".into()],
            true,
        )
        .unwrap();
        let v = parse_manifest(&text).unwrap();
        assert_eq!(v.image, "registry.k8s.io/etcd:3.5.15-0");
        assert_eq!(v.flag("data-dir"), Some("/var/lib/etcd"));
        assert_eq!(v.etcd_host_data_dir().as_deref(), Some("/var/lib/etcd"));
        // The CKA edit: only the hostPath moves.
        let moved = text.replace("path: /var/lib/etcd", "path: /var/lib/etcd-from-backup");
        assert_eq!(
            parse_manifest(&moved).unwrap().etcd_host_data_dir().as_deref(),
            Some("/var/lib/etcd-from-backup")
        );
        // The other CKA edit: --data-dir and the mount both move.
        let both = text.replace("/var/lib/etcd", "/var/lib/etcd-new");
        assert_eq!(
            parse_manifest(&both).unwrap().etcd_host_data_dir().as_deref(),
            Some("/var/lib/etcd-new")
        );
        assert!(parse_manifest("kind: [").is_err());
    }

    #[test]
    fn manifest_paths_round_trip() {
        for c in StaticPod::ALL {
            assert_eq!(StaticPod::from_manifest_path(&c.manifest_path()), Some(c));
        }
        assert_eq!(StaticPod::from_manifest_path("/etc/kubernetes/manifests/x.yaml"), None);
    }
}
