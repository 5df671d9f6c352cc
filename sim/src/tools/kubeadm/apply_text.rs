//! The text of `kubeadm upgrade apply` (reference §3.4), by release, in the pieces the wiring
//! assembles around the policy check ([`super::policy`]) and the state changes it makes.
//!
//! In order: [`apply_preamble`], [`apply_chosen_and_versions`] (= [`render_version_lines`]),
//! the policy verdict, [`apply_prompt`] or [`apply_declined`], [`apply_prepull`], then the
//! static pods — [`apply_control_plane`] renders the whole section; [`apply_static_pod`] and
//! [`apply_etcd`] render one component each — and finally [`apply_tail_with`].
//!
//! Every release switch comes from [`KubeadmEra`]. Seen in real output: 1.9, 1.14, 1.18,
//! 1.20–1.25, 1.27, 1.29–1.36. Inferred from kubeadm's source or bracketed between samples,
//! unconfirmed: the 1.10–1.13 shapes (hash lines from 1.11, `[upload-config]` from 1.13,
//! lower-case `configured` from 1.12), the dry-run's last line switching at 1.16, "Preparing
//! for"/certificate lines from 1.17, the get-nodes RBAC line from 1.19, the kube-dns–era
//! prepull DaemonSet lines before 1.19, and what `--dry-run` prints besides its last line.

use super::etcd::EtcdStep;
use super::plan::{KlogStamp, KubeadmEra, KubeadmOutput, PodShape, Prepull, preamble};
use super::policy::Era;
#[cfg(test)]
use super::policy::render_version_lines;
use crate::release::version::KubeVersion;

/// The lines before "You have chosen …": config read, preflight and health checks.
pub(crate) fn apply_preamble(kubeadm: &KubeVersion) -> String {
    preamble(&KubeadmEra::for_kubeadm(kubeadm), true)
}

/// "You have chosen …" and the two version lines. [`render_version_lines`] already does this
/// by release; this is the same function under the name the wiring uses.
#[cfg(test)]
pub(crate) fn apply_chosen_and_versions(kubeadm: &KubeVersion, cluster: &KubeVersion, target: &KubeVersion) -> String {
    render_version_lines(kubeadm, cluster, target)
}

/// The confirmation prompt, without a newline (the answer follows on the same line).
pub(crate) fn apply_prompt(kubeadm: &KubeVersion) -> &'static str {
    KubeadmEra::for_kubeadm(kubeadm).prompt
}

/// Any answer but `y`/`yes`: an error on stderr, exit 1. From 1.32 the prompt belongs to the
/// preflight phase, so the error names it like the policy errors do.
pub(crate) fn apply_declined(kubeadm: &KubeVersion) -> KubeadmOutput {
    let msg = "won't proceed; the user didn't answer (Y|y) in order to continue";
    let hint = "To see the stack trace of this error execute with --v=5 or higher\n";
    let stderr = match Era::for_kubeadm(kubeadm) {
        Era::Legacy => format!("{msg}\n"),
        Era::Wrapped => format!("{msg}\n{hint}"),
        Era::Phases => format!("error execution phase preflight: {msg}\n{hint}"),
        Era::PhasesErrorPrefix => format!("error: error execution phase preflight: {msg}\n{hint}"),
    };
    KubeadmOutput {
        stdout: String::new(),
        stderr,
        exit: 1,
    }
}

/// The image pre-pull step. `components` are the static pods kubeadm pre-pulls, in the order it
/// lists them (1.9: the three control-plane components; later also `etcd` when it upgrades a
/// local etcd). The DaemonSet pre-puller (1.10–1.18) ran one goroutine per component; its
/// interleaving is fixed here to: all "Prepulling", all "Found 0", all "Found 1", all "Prepulled".
pub(crate) fn apply_prepull(kubeadm: &KubeVersion, components: &[&str]) -> String {
    let era = KubeadmEra::for_kubeadm(kubeadm);
    match era.prepull {
        Prepull::None => String::new(),
        Prepull::WillOnly => format!(
            "[upgrade/prepull] Will prepull images for components [{}]\n",
            components.join(" ")
        ),
        Prepull::DaemonSet => {
            let mut out = format!(
                "[upgrade/prepull] Will prepull images for components [{}]\n",
                components.join(" ")
            );
            for c in components {
                out.push_str(&format!("[upgrade/prepull] Prepulling image for component {c}.\n"));
            }
            for found in [0, 1] {
                for c in components {
                    out.push_str(&format!(
                        "[apiclient] Found {found} Pods for label selector k8s-app=upgrade-prepull-{c}\n"
                    ));
                }
            }
            for c in components {
                out.push_str(&format!("[upgrade/prepull] Prepulled image for component {c}.\n"));
            }
            out.push_str("[upgrade/prepull] Successfully prepulled the images for all the control plane components\n");
            out
        }
        Prepull::Pulling => pulling_lines(
            &era,
            if era.phases {
                "[upgrade/preflight]"
            } else {
                "[upgrade/prepull]"
            },
        ),
    }
}

/// The three "Pulling images" lines under `prefix` (apply's and, with `[preflight]`, node's).
pub(crate) fn pulling_lines(era: &KubeadmEra, prefix: &str) -> String {
    let beforehand = if era.prepull_in_beforehand {
        "in beforehand"
    } else {
        "beforehand"
    };
    format!(
        "{prefix} Pulling images required for setting up a Kubernetes cluster\n{prefix} This might take a minute or two, depending on the speed of your internet connection\n{prefix} You can also perform this action {beforehand} using 'kubeadm config images pull'\n"
    )
}

/// What `--dry-run` prints instead of pulling images (1.19+; before, the pre-pull ran as usual).
pub(crate) fn apply_dry_run_prepull(kubeadm: &KubeVersion, components: &[&str]) -> String {
    let era = KubeadmEra::for_kubeadm(kubeadm);
    match era.prepull {
        Prepull::Pulling if era.phases => {
            "[dryrun] Would pull the required images (like 'kubeadm config images pull')\n".to_string()
        }
        Prepull::Pulling => {
            "[upgrade/prepull] Would pull the required images (like 'kubeadm config images pull')\n".to_string()
        }
        _ => apply_prepull(kubeadm, components),
    }
}

/// The last line of `kubeadm upgrade apply --dry-run` (it replaces the SUCCESS lines). The
/// `[dryrun]` lines before it, which list every API call, are not modelled.
#[cfg(test)]
pub(crate) fn apply_dry_run_note(kubeadm: &KubeVersion) -> &'static str {
    KubeadmEra::for_kubeadm(kubeadm).dry_run_done
}

/// A static pod kubeadm upgrades, in the order it does so.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum StaticPodComponent {
    Etcd,
    KubeApiserver,
    KubeControllerManager,
    KubeScheduler,
}

impl StaticPodComponent {
    pub(crate) fn name(self) -> &'static str {
        match self {
            StaticPodComponent::Etcd => "etcd",
            StaticPodComponent::KubeApiserver => "kube-apiserver",
            StaticPodComponent::KubeControllerManager => "kube-controller-manager",
            StaticPodComponent::KubeScheduler => "kube-scheduler",
        }
    }

    /// The certificates kubeadm renews for the component. The API server's etcd client
    /// certificate belongs to an external etcd's owner when there is one.
    fn certificates(self, local_etcd: bool) -> &'static [&'static str] {
        match self {
            StaticPodComponent::Etcd => &["etcd-server", "etcd-peer", "etcd-healthcheck-client"],
            StaticPodComponent::KubeApiserver if local_etcd => &[
                "apiserver",
                "apiserver-kubelet-client",
                "front-proxy-client",
                "apiserver-etcd-client",
            ],
            StaticPodComponent::KubeApiserver => &["apiserver", "apiserver-kubelet-client", "front-proxy-client"],
            StaticPodComponent::KubeControllerManager => &["controller-manager.conf"],
            StaticPodComponent::KubeScheduler => &["scheduler.conf"],
        }
    }
}

/// Whether this kubeadm names its manifest backup directory by date and time
/// (`kubeadm-backup-manifests-2019-03-14-20-52-44`) rather than by a random number
/// (`kubeadm-backup-manifests502223003`, ≤1.10). Tells the caller which suffix to draw.
pub(crate) fn backup_suffix_is_timestamp(kubeadm: &KubeVersion) -> bool {
    KubeadmEra::for_kubeadm(kubeadm).pod_shape != PodShape::Legacy
}

/// `/etc/kubernetes/tmp/kubeadm-backup-manifests…` for the given suffix (see
/// [`backup_suffix_is_timestamp`]).
pub(crate) fn backup_manifests_dir(kubeadm: &KubeVersion, suffix: &str) -> String {
    if backup_suffix_is_timestamp(kubeadm) {
        format!("/etc/kubernetes/tmp/kubeadm-backup-manifests-{suffix}")
    } else {
        format!("/etc/kubernetes/tmp/kubeadm-backup-manifests{suffix}")
    }
}

/// Where kubeadm writes the new manifests: Go's `os.MkdirTemp` adds a random number.
pub(crate) fn upgraded_manifests_dir(suffix: &str) -> String {
    format!("/etc/kubernetes/tmp/kubeadm-upgraded-manifests{suffix}")
}

/// Whether the kubelet config backup directory is named by date and time (1.35+) rather than by
/// a random number.
pub(crate) fn kubelet_tmp_suffix_is_timestamp(kubeadm: &KubeVersion) -> bool {
    KubeadmEra::for_kubeadm(kubeadm).kubelet_backup_timestamped
}

/// `/etc/kubernetes/tmp/kubeadm-kubelet-config…` for the given suffix (1.27+).
pub(crate) fn kubelet_config_tmp_dir(kubeadm: &KubeVersion, suffix: &str) -> String {
    if kubelet_tmp_suffix_is_timestamp(kubeadm) {
        format!("/etc/kubernetes/tmp/kubeadm-kubelet-config-{suffix}")
    } else {
        format!("/etc/kubernetes/tmp/kubeadm-kubelet-config{suffix}")
    }
}

/// One component's upgrade, with everything its lines depend on.
#[derive(Clone, Debug)]
pub(crate) struct StaticPodStep<'a> {
    pub kubeadm: &'a KubeVersion,
    pub component: StaticPodComponent,
    pub node: &'a str,
    /// The mirror pod's hash before and after (printed by kubeadm 1.11–1.23).
    pub old_hash: &'a str,
    pub new_hash: &'a str,
    /// See [`backup_manifests_dir`].
    pub backup_suffix: &'a str,
    /// See [`upgraded_manifests_dir`].
    pub tmp_suffix: &'a str,
    /// `--certificate-renewal` (default true).
    pub renew_certs: bool,
    /// Whether etcd runs as a static pod here (decides the API server's etcd client cert).
    pub local_etcd: bool,
    /// The pods `component=<name>` kubeadm finds once the new one is up: one per control plane.
    pub found_pods: usize,
    /// How often kubeadm saw the old hash before the new one (at least once; 1.11–1.23 print each).
    pub old_hash_polls: usize,
    /// False when the new manifest equals the running one.
    pub manifest_changed: bool,
}

/// One component's lines, by release. `backup_dir` and `tmp_dir` are suffixes (see
/// [`backup_manifests_dir`], [`upgraded_manifests_dir`]); the manifest counts as unchanged when
/// both hashes are equal. One pod found, one poll of the old hash, a local etcd:
/// [`apply_static_pod_step`] takes them all.
#[allow(clippy::too_many_arguments)]
#[cfg(test)]
pub(crate) fn apply_static_pod(
    kubeadm: &KubeVersion,
    component: StaticPodComponent,
    node: &str,
    old_hash: &str,
    new_hash: &str,
    backup_dir: &str,
    tmp_dir: &str,
    renew_certs: bool,
) -> String {
    apply_static_pod_step(&StaticPodStep {
        kubeadm,
        component,
        node,
        old_hash,
        new_hash,
        backup_suffix: backup_dir,
        tmp_suffix: tmp_dir,
        renew_certs,
        local_etcd: true,
        found_pods: 1,
        old_hash_polls: 1,
        manifest_changed: old_hash != new_hash,
    })
}

/// One component's lines, by release: from "Preparing for …" (or the move, before 1.17) to
/// "Component … upgraded successfully!", or the line saying it was left alone.
pub(crate) fn apply_static_pod_step(step: &StaticPodStep<'_>) -> String {
    let era = KubeadmEra::for_kubeadm(step.kubeadm);
    let c = step.component.name();
    let manifest = format!("/etc/kubernetes/manifests/{c}.yaml");
    let backup = format!("{}/{c}.yaml", backup_manifests_dir(step.kubeadm, step.backup_suffix));
    let mut out = String::new();
    let sp = "[upgrade/staticpods]";

    if era.pod_shape == PodShape::Legacy {
        if step.component == StaticPodComponent::Etcd {
            out.push_str(&format!(
                "[etcd] Wrote Static Pod manifest for a local etcd instance to \"{}/etcd.yaml\"\n",
                upgraded_manifests_dir(step.tmp_suffix)
            ));
        }
        out.push_str(&format!(
            "{sp} Moved upgraded manifest to \"{manifest}\" and backed up old manifest to \"{backup}\"\n"
        ));
        out.push_str(&format!("{sp} Waiting for the kubelet to restart the component\n"));
        out.push_str(&done_lines(step, c));
        return out;
    }

    if era.preparing_and_renewal {
        out.push_str(&format!("{sp} Preparing for \"{c}\" upgrade\n"));
    }
    let equal = format!(
        "{sp} {} and new manifests of {c} are equal, skipping upgrade\n",
        if era.equal_lowercase { "current" } else { "Current" }
    );
    let renewals = || -> String {
        if !(step.renew_certs && era.preparing_and_renewal) {
            return String::new();
        }
        step.component
            .certificates(step.local_etcd)
            .iter()
            .map(|cert| format!("{sp} Renewing {cert} certificate\n"))
            .collect()
    };
    if era.pod_shape == PodShape::Moving {
        // Since 1.31 the certificates are renewed first, and a pod whose manifest did not change
        // is restarted so that it picks them up.
        out.push_str(&renewals());
        if !step.manifest_changed && !step.renew_certs {
            out.push_str(&equal);
            return out;
        }
        if step.manifest_changed {
            out.push_str(&format!(
                "{sp} Moving new manifest to \"{manifest}\" and backing up old manifest to \"{backup}\"\n"
            ));
        } else {
            out.push_str(&format!(
                "{sp} Restarting the {c} static pod and backing up its manifest to \"{backup}\"\n"
            ));
        }
    } else {
        if !step.manifest_changed {
            out.push_str(&equal);
            return out;
        }
        out.push_str(&renewals());
        out.push_str(&format!(
            "{sp} Moved new manifest to \"{manifest}\" and backed up old manifest to \"{backup}\"\n"
        ));
    }
    out.push_str(&format!("{sp} Waiting for the kubelet to restart the component\n"));
    if era.wait_can_take {
        out.push_str(&format!("{sp} This can take up to 5m0s\n"));
    } else {
        out.push_str(&format!(
            "{sp} This might take a minute or longer depending on the component/version gap (timeout 5m0s)\n"
        ));
    }
    if era.pod_shape == PodShape::Hashes {
        let pod = format!("{c}-{}", step.node);
        for _ in 0..step.old_hash_polls.max(1) {
            out.push_str(&format!("Static pod: {pod} hash: {}\n", step.old_hash));
        }
        out.push_str(&format!("Static pod: {pod} hash: {}\n", step.new_hash));
    }
    out.push_str(&done_lines(step, c));
    out
}

fn done_lines(step: &StaticPodStep<'_>, c: &str) -> String {
    format!(
        "[apiclient] Found {} Pods for label selector component={c}\n[upgrade/staticpods] Component \"{c}\" upgraded successfully!\n",
        step.found_pods
    )
}

/// kubeadm's notice when the running etcd is newer than the version it pins, by release
/// (1.30 reworded it). [`EtcdStep::WontDowngrade`]'s own notice is the pre-1.30 wording.
pub(crate) fn apply_etcd_notice(kubeadm: &KubeVersion, target: &KubeVersion, desired: &str, current: &str) -> String {
    if KubeadmEra::for_kubeadm(kubeadm).etcd_notice_older {
        format!(
            "[upgrade/etcd] Non fatal issue encountered during upgrade: the desired etcd version \"{desired}\" is older than the currently installed \"{current}\". Skipping etcd upgrade\n"
        )
    } else {
        format!(
            "[upgrade/etcd] Non fatal issue encountered during upgrade: the desired etcd version for this Kubernetes version \"{target}\" is \"{desired}\", but the current etcd version is \"{current}\". Won't downgrade etcd, instead just continue\n"
        )
    }
}

/// The etcd part of the static pod upgrade for kubeadm's decision `etcd`, by release: the TLS
/// line, the notice or the etcd pod's lines, and "Waiting for etcd to become available".
/// `step.component` is ignored (it is etcd); `step.manifest_changed` is taken from `etcd`.
pub(crate) fn apply_etcd(step: &StaticPodStep<'_>, etcd: &EtcdStep, target: &KubeVersion) -> String {
    let era = KubeadmEra::for_kubeadm(step.kubeadm);
    if matches!(etcd, EtcdStep::External | EtcdStep::FlagDisabled) {
        return String::new();
    }
    let mut out = String::new();
    if era.etcd_tls_line {
        out.push_str("[upgrade/etcd] Upgrading to TLS for etcd\n");
    }
    let changed = match etcd {
        EtcdStep::WontDowngrade { desired, current, .. } => {
            out.push_str(&apply_etcd_notice(step.kubeadm, target, desired, current));
            return out;
        }
        // How the wiring reports an unreadable version is its own business.
        EtcdStep::Unparseable { .. } | EtcdStep::External | EtcdStep::FlagDisabled => return out,
        EtcdStep::Unchanged { .. } if era.etcd_same_version_silent => return out,
        EtcdStep::Unchanged { .. } => false,
        EtcdStep::Upgrade { .. } => true,
    };
    if era.pod_shape == PodShape::Hashes {
        out.push_str(&format!("Static pod: etcd-{} hash: {}\n", step.node, step.old_hash));
    }
    out.push_str(&apply_static_pod_step(&StaticPodStep {
        component: StaticPodComponent::Etcd,
        manifest_changed: changed,
        ..step.clone()
    }));
    if era.etcd_wait_line {
        out.push_str("[upgrade/etcd] Waiting for etcd to become available\n");
    }
    out
}

/// Which command upgrades the static pods: the texts around them differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UpgradeCommand {
    Apply,
    Node,
}

/// A mirror pod's hash before and after, and how often kubeadm saw the old one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PodHashes<'a> {
    pub old: &'a str,
    pub new: &'a str,
    pub old_polls: usize,
}

impl<'a> PodHashes<'a> {
    /// Seen once, then the new hash; equal hashes mean an unchanged manifest.
    pub(crate) fn new(old: &'a str, new: &'a str) -> Self {
        Self { old, new, old_polls: 1 }
    }
}

/// Everything the static-pod part of `upgrade apply` / `upgrade node` prints about.
#[derive(Clone, Debug)]
pub(crate) struct ControlPlaneRun<'a> {
    pub kubeadm: &'a KubeVersion,
    pub target: &'a KubeVersion,
    pub node: &'a str,
    pub command: UpgradeCommand,
    pub etcd: &'a EtcdStep,
    pub etcd_hashes: PodHashes<'a>,
    pub apiserver: PodHashes<'a>,
    pub controller_manager: PodHashes<'a>,
    pub scheduler: PodHashes<'a>,
    pub backup_suffix: &'a str,
    pub tmp_suffix: &'a str,
    pub renew_certs: bool,
    /// Control planes in the cluster: the pods `component=<name>` kubeadm finds.
    pub found_pods: usize,
}

/// The static pod upgrade from "Upgrading your Static Pod-hosted control plane …" to the last
/// component (and, for apply since 1.32, "The control plane instance for this node was
/// successfully upgraded!"; `upgrade node` prints its own closing line, see
/// [`super::node_text`]).
pub(crate) fn apply_control_plane(run: &ControlPlaneRun<'_>) -> String {
    let era = KubeadmEra::for_kubeadm(run.kubeadm);
    let t = run.target;
    let mut out = match (run.command, era.phases) {
        (UpgradeCommand::Apply, true) => format!(
            "[upgrade/control-plane] Upgrading your static Pod-hosted control plane to version \"{t}\" (timeout: 5m0s)...\n"
        ),
        (UpgradeCommand::Apply, false) => format!(
            "[upgrade/apply] Upgrading your Static Pod-hosted control plane to version \"{t}\"{}...\n",
            if era.timeout_in_header { " (timeout: 5m0s)" } else { "" }
        ),
        (UpgradeCommand::Node, true) => format!(
            "[upgrade/control-plane] Upgrading your Static Pod-hosted control plane instance to version \"{t}\"...\n"
        ),
        (UpgradeCommand::Node, false) => {
            format!("[upgrade] Upgrading your Static Pod-hosted control plane instance to version \"{t}\"...\n")
        }
    };
    let node = run.node;
    let pods = [
        (StaticPodComponent::KubeApiserver, run.apiserver),
        (StaticPodComponent::KubeControllerManager, run.controller_manager),
        (StaticPodComponent::KubeScheduler, run.scheduler),
    ];
    if era.pod_shape == PodShape::Hashes {
        // kubeadm reads every control-plane pod's hash before it touches any of them.
        for (c, h) in &pods {
            out.push_str(&format!("Static pod: {}-{node} hash: {}\n", c.name(), h.old));
        }
    }
    let tmp = upgraded_manifests_dir(run.tmp_suffix);
    let writing = match era.pod_shape {
        PodShape::Legacy => {
            let mut w = format!("[upgrade/staticpods] Writing upgraded Static Pod manifests to \"{tmp}\"\n");
            for (c, _) in &pods {
                let c = c.name();
                w.push_str(&format!(
                    "[controlplane] Wrote Static Pod manifest for component {c} to \"{tmp}/{c}.yaml\"\n"
                ));
            }
            w
        }
        _ => format!("[upgrade/staticpods] Writing new Static Pod manifests to \"{tmp}\"\n"),
    };
    let moving = era.pod_shape == PodShape::Moving;
    if moving {
        out.push_str(&writing);
    }
    out.push_str(&apply_etcd(
        &pod_step(run, StaticPodComponent::Etcd, run.etcd_hashes),
        run.etcd,
        t,
    ));
    if !moving {
        out.push_str(&writing);
    }
    for (c, h) in pods {
        out.push_str(&apply_static_pod_step(&pod_step(run, c, h)));
    }
    if run.command == UpgradeCommand::Apply && era.phases {
        out.push_str("[upgrade/control-plane] The control plane instance for this node was successfully upgraded!\n");
    }
    out
}

fn pod_step<'a>(run: &ControlPlaneRun<'a>, component: StaticPodComponent, h: PodHashes<'a>) -> StaticPodStep<'a> {
    StaticPodStep {
        kubeadm: run.kubeadm,
        component,
        node: run.node,
        old_hash: h.old,
        new_hash: h.new,
        backup_suffix: run.backup_suffix,
        tmp_suffix: run.tmp_suffix,
        renew_certs: run.renew_certs,
        local_etcd: !matches!(run.etcd, EtcdStep::External),
        found_pods: run.found_pods,
        old_hash_polls: h.old_polls,
        manifest_changed: h.old != h.new,
    }
}

/// The part of apply after the static pods: configuration upload, kubelet configuration,
/// bootstrap-token rules, addons, and the SUCCESS (or dry-run) lines.
#[derive(Clone, Debug)]
pub(crate) struct ApplyTail<'a> {
    pub kubeadm: &'a KubeVersion,
    pub target: &'a KubeVersion,
    /// `CoreDNS` or `kube-dns`.
    pub dns_name: &'a str,
    /// Control planes whose API server is not at `target` yet, by node name. From 1.28 kubeadm
    /// then skips the addons and names them; empty means the addons are applied.
    pub unupgraded_control_planes: &'a [&'a str],
    /// See [`kubelet_config_tmp_dir`] (1.27+).
    pub kubelet_tmp_suffix: &'a str,
    /// Stamps the klog warnings kubeadm 1.32+ writes to stderr.
    pub klog: KlogStamp,
    /// kubeadm 1.29 writes `admin.conf` and the new `super-admin.conf` the first time it runs.
    pub super_admin_conf: bool,
    /// kubeadm 1.34's first run moves per-node kubelet settings into `instance-config.yaml`.
    pub instance_config_migration: bool,
    /// kubeadm 1.35+ rewrites `kubeadm-flags.env` (after the addons) when it drops a flag; the
    /// backup directory's random suffix.
    pub kubelet_env_tmp_suffix: Option<&'a str>,
    pub dry_run: bool,
}

/// The tail of apply, by release, with the klog warnings on stderr.
pub(crate) fn apply_tail_with(t: &ApplyTail<'_>) -> KubeadmOutput {
    let era = KubeadmEra::for_kubeadm(t.kubeadm);
    let mut out = String::new();
    let mut err = String::new();
    for line in era.postupgrade_label_taint {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(era.upload_config_line);
    out.push('\n');
    if era.kubelet_config {
        let cm = if era.kubelet_configmap_unversioned {
            "kubelet-config".to_string()
        } else {
            format!("kubelet-config-{}.{}", t.target.major, t.target.minor)
        };
        out.push_str(&format!(
            "[kubelet] Creating a ConfigMap \"{cm}\" in namespace kube-system with the configuration for the kubelets in the cluster\n"
        ));
        if era.kubelet_configmap_note {
            out.push_str(&format!(
                "NOTE: The \"{cm}\" naming of the kubelet ConfigMap is deprecated. Once the UnversionedKubeletConfigMap feature gate graduates to Beta the default name will become just \"kubelet-config\". Kubeadm upgrade will handle this transition transparently.\n"
            ));
        }
        if era.phases {
            out.push_str(&kubeconfig_done(&era));
        }
        let (o, e) = kubelet_config_lines(
            &era,
            t.kubeadm,
            t.target,
            t.kubelet_tmp_suffix,
            &t.klog,
            t.instance_config_migration,
        );
        out.push_str(&o);
        err.push_str(&e);
    }
    if t.super_admin_conf && t.kubeadm.at_least(29) {
        out.push_str("[kubeconfig] Writing \"admin.conf\" kubeconfig file\n[kubeconfig] Writing \"super-admin.conf\" kubeconfig file\n");
    }
    if era.phases {
        out.push_str("[upgrade/bootstrap-token] Configuring bootstrap token and cluster-info RBAC rules\n");
    }
    let (p, verb) = (era.bootstrap_prefix, era.bootstrap_verb);
    let mut rules = Vec::new();
    if era.bootstrap_get_nodes {
        rules.push("allow Node Bootstrap tokens to get nodes");
    }
    rules.extend([
        "allow Node Bootstrap tokens to post CSRs in order for nodes to get long term certificate credentials",
        "allow the csrapprover controller automatically approve CSRs from a Node Bootstrap Token",
        "allow certificate rotation for all node client certificates in the cluster",
    ]);
    if era.bootstrap_kubelet_api {
        rules.push("allow the API server kubelet client certificate to access the kubelet API");
    }
    for rule in rules {
        out.push_str(&format!("{p} {verb} RBAC rules to {rule}\n"));
    }
    out.push_str(&addon_lines(&era, t.dns_name, t.unupgraded_control_planes));
    if let Some(suffix) = t.kubelet_env_tmp_suffix {
        let (o, e) = kubelet_env_lines(&era, suffix, &t.klog);
        out.push_str(&o);
        err.push_str(&e);
    }
    if t.dry_run {
        out.push_str(era.dry_run_done);
    } else if era.phases {
        out.push_str(&format!(
            "\n[upgrade] SUCCESS! A control plane node of your cluster was upgraded to \"{}\".\n\n[upgrade] Now please proceed with upgrading the rest of the nodes by following the right order.\n",
            t.target
        ));
    } else {
        let advice = if era.kubelets_in_turn {
            "in turn."
        } else {
            "if you haven't already done so."
        };
        out.push_str(&format!(
            "\n[upgrade/successful] SUCCESS! Your cluster was upgraded to \"{}\". Enjoy!\n\n[upgrade/kubelet] Now that your control plane is upgraded, please proceed with upgrading your kubelets {advice}\n",
            t.target
        ));
    }
    KubeadmOutput {
        stdout: out,
        stderr: err,
        exit: 0,
    }
}

/// [`apply_tail_with`] for callers that have only these facts: the kubelet backup directory's
/// suffix is derived from the target, the klog stamp is [`KlogStamp::default`], and skipped
/// addons are reported without the names of the control planes still to upgrade (kubeadm
/// prints them; pass them through [`ApplyTail::unupgraded_control_planes`]).
#[cfg(test)]
pub(crate) fn apply_tail(
    kubeadm: &KubeVersion,
    target: &KubeVersion,
    dns_name: &str,
    addons_applied: bool,
    dry_run: bool,
) -> String {
    let suffix = pseudo_suffix(&target.to_string());
    let unknown: &[&str] = if addons_applied { &[] } else { &[""] };
    let out = apply_tail_with(&ApplyTail {
        kubeadm,
        target,
        dns_name,
        unupgraded_control_planes: unknown,
        kubelet_tmp_suffix: &suffix,
        klog: KlogStamp::default(),
        super_admin_conf: false,
        instance_config_migration: false,
        kubelet_env_tmp_suffix: None,
        dry_run,
    });
    out.stdout
}

/// A nine-digit, stable stand-in for a random directory suffix.
#[cfg(test)]
pub(crate) fn pseudo_suffix(seed: &str) -> String {
    // FNV-1a: any fixed mixing would do, the digits only need to look like os.MkdirTemp's.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{:09}", h % 1_000_000_000)
}

/// "The kubeconfig files for this node were successfully upgraded!" — 1.32 spelled the phase
/// `[upgrad/kubeconfig]`.
pub(crate) fn kubeconfig_done(era: &KubeadmEra) -> String {
    format!(
        "{} The kubeconfig files for this node were successfully upgraded!\n",
        era.kubeconfig_prefix
    )
}

/// The kubelet configuration lines shared by apply and node: (stdout, stderr).
pub(crate) fn kubelet_config_lines(
    era: &KubeadmEra,
    kubeadm: &KubeVersion,
    target: &KubeVersion,
    tmp_suffix: &str,
    klog: &KlogStamp,
    instance_config_migration: bool,
) -> (String, String) {
    let mut out = String::new();
    let mut err = String::new();
    if era.kubelet_downloading_line {
        out.push_str(&format!(
            "[kubelet-start] Downloading configuration for the kubelet from the \"kubelet-config-{}.{}\" ConfigMap in the kube-system namespace\n",
            target.major, target.minor
        ));
    }
    if era.kubelet_backup_line {
        let dir = kubelet_config_tmp_dir(kubeadm, tmp_suffix);
        if !era.kubelet_tmp_klog_at.is_empty() {
            err.push_str(&klog.line(
                'W',
                era.kubelet_tmp_klog_at,
                &format!(
                    "Using temporary directory {dir} for kubelet config. To override it set the environment variable KUBEADM_UPGRADE_DRYRUN_DIR"
                ),
            ));
        }
        out.push_str(&format!(
            "[upgrade] Backing up kubelet config file to {dir}/config.yaml\n"
        ));
    }
    if instance_config_migration && kubeadm.at_least(34) {
        out.push_str("[kubelet-start] Writing kubelet environment file with flags to file \"/var/lib/kubelet/kubeadm-flags.env\"\n[kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/instance-config.yaml\"\n");
    }
    out.push_str("[kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/config.yaml\"\n");
    if era.phases {
        out.push_str("[upgrade/kubelet-config] The kubelet configuration for this node was successfully upgraded!\n");
    }
    (out, err)
}

/// kubeadm 1.35+'s rewrite of `kubeadm-flags.env`: (stdout, stderr).
pub(crate) fn kubelet_env_lines(era: &KubeadmEra, suffix: &str, klog: &KlogStamp) -> (String, String) {
    if !era.kubelet_backup_timestamped {
        return (String::new(), String::new());
    }
    let dir = format!("/etc/kubernetes/tmp/kubeadm-kubelet-env{suffix}");
    let err = klog.line(
        'W',
        "postupgrade.go:203",
        &format!(
            "Using temporary directory {dir} for kubelet env file. To override it set the environment variable KUBEADM_UPGRADE_DRYRUN_DIR"
        ),
    );
    let out = format!(
        "[upgrade] Backing up kubelet env file to {dir}/kubeadm-flags.env\n[kubelet-start] Writing kubelet environment file with flags to file \"/var/lib/kubelet/kubeadm-flags.env\"\n"
    );
    (out, err)
}

/// The addon lines: applied, or (1.28+) skipped while other control planes lag. From 1.32
/// each of the two addon phases reports the skip.
pub(crate) fn addon_lines(era: &KubeadmEra, dns_name: &str, unupgraded: &[&str]) -> String {
    if era.addons_wait_for_all && !unupgraded.is_empty() {
        let names = unupgraded.join(" ");
        if era.phases {
            format!(
                "[upgrade/addon] Skipping upgrade of addons because control plane instances [{names}] have not been upgraded\n"
            )
            .repeat(2)
        } else {
            format!(
                "[upgrade/addons] skip upgrade addons because control plane instances [{names}] have not been upgraded\n"
            )
        }
    } else {
        format!("[addons] Applied essential addon: {dns_name}\n[addons] Applied essential addon: kube-proxy\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> KubeVersion {
        KubeVersion::parse(s).unwrap()
    }

    #[allow(clippy::too_many_arguments)]
    fn run<'a>(
        kubeadm: &'a KubeVersion,
        target: &'a KubeVersion,
        node: &'a str,
        etcd: &'a EtcdStep,
        hashes: [PodHashes<'a>; 4],
        backup: &'a str,
        tmp: &'a str,
        found_pods: usize,
    ) -> ControlPlaneRun<'a> {
        ControlPlaneRun {
            kubeadm,
            target,
            node,
            command: UpgradeCommand::Apply,
            etcd,
            etcd_hashes: hashes[0],
            apiserver: hashes[1],
            controller_manager: hashes[2],
            scheduler: hashes[3],
            backup_suffix: backup,
            tmp_suffix: tmp,
            renew_certs: true,
            found_pods,
        }
    }

    /// kubeadm-apply-001 (1.9.0, a real run pasted into the docs), from the preamble to the end.
    #[test]
    fn apply_1_9_transcript() {
        let k = v("v1.9.0");
        let etcd = EtcdStep::Upgrade {
            from: "3.0.17".into(),
            to: "3.1.12".into(),
        };
        let h = PodHashes::new("a", "b");
        let mut got = apply_preamble(&k);
        got.push_str(&apply_chosen_and_versions(&k, &v("v1.8.1"), &k));
        got.push_str(apply_prompt(&k));
        got.push_str("y\n");
        got.push_str(&apply_prepull(
            &k,
            &["kube-apiserver", "kube-controller-manager", "kube-scheduler"],
        ));
        got.push_str(&apply_control_plane(&run(
            &k,
            &k,
            "master",
            &etcd,
            [h; 4],
            "502223003",
            "802453804",
            1,
        )));
        got.push_str(&apply_tail(&k, &k, "kube-dns", true, false));
        let expected = "[preflight] Running pre-flight checks.\n[upgrade] Making sure the cluster is healthy:\n[upgrade/config] Making sure the configuration is correct:\n[upgrade/config] Reading configuration from the cluster...\n[upgrade/config] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -oyaml'\n[upgrade/version] You have chosen to upgrade to version \"v1.9.0\"\n[upgrade/versions] Cluster version: v1.8.1\n[upgrade/versions] kubeadm version: v1.9.0\n[upgrade/confirm] Are you sure you want to proceed with the upgrade? [y/N]: y\n[upgrade/prepull] Will prepull images for components [kube-apiserver kube-controller-manager kube-scheduler]\n[upgrade/apply] Upgrading your Static Pod-hosted control plane to version \"v1.9.0\"...\n[etcd] Wrote Static Pod manifest for a local etcd instance to \"/etc/kubernetes/tmp/kubeadm-upgraded-manifests802453804/etcd.yaml\"\n[upgrade/staticpods] Moved upgraded manifest to \"/etc/kubernetes/manifests/etcd.yaml\" and backed up old manifest to \"/etc/kubernetes/tmp/kubeadm-backup-manifests502223003/etcd.yaml\"\n[upgrade/staticpods] Waiting for the kubelet to restart the component\n[apiclient] Found 1 Pods for label selector component=etcd\n[upgrade/staticpods] Component \"etcd\" upgraded successfully!\n[upgrade/staticpods] Writing upgraded Static Pod manifests to \"/etc/kubernetes/tmp/kubeadm-upgraded-manifests802453804\"\n[controlplane] Wrote Static Pod manifest for component kube-apiserver to \"/etc/kubernetes/tmp/kubeadm-upgraded-manifests802453804/kube-apiserver.yaml\"\n[controlplane] Wrote Static Pod manifest for component kube-controller-manager to \"/etc/kubernetes/tmp/kubeadm-upgraded-manifests802453804/kube-controller-manager.yaml\"\n[controlplane] Wrote Static Pod manifest for component kube-scheduler to \"/etc/kubernetes/tmp/kubeadm-upgraded-manifests802453804/kube-scheduler.yaml\"\n[upgrade/staticpods] Moved upgraded manifest to \"/etc/kubernetes/manifests/kube-apiserver.yaml\" and backed up old manifest to \"/etc/kubernetes/tmp/kubeadm-backup-manifests502223003/kube-apiserver.yaml\"\n[upgrade/staticpods] Waiting for the kubelet to restart the component\n[apiclient] Found 1 Pods for label selector component=kube-apiserver\n[upgrade/staticpods] Component \"kube-apiserver\" upgraded successfully!\n[upgrade/staticpods] Moved upgraded manifest to \"/etc/kubernetes/manifests/kube-controller-manager.yaml\" and backed up old manifest to \"/etc/kubernetes/tmp/kubeadm-backup-manifests502223003/kube-controller-manager.yaml\"\n[upgrade/staticpods] Waiting for the kubelet to restart the component\n[apiclient] Found 1 Pods for label selector component=kube-controller-manager\n[upgrade/staticpods] Component \"kube-controller-manager\" upgraded successfully!\n[upgrade/staticpods] Moved upgraded manifest to \"/etc/kubernetes/manifests/kube-scheduler.yaml\" and backed up old manifest to \"/etc/kubernetes/tmp/kubeadm-backup-manifests502223003/kube-scheduler.yaml\"\n[upgrade/staticpods] Waiting for the kubelet to restart the component\n[apiclient] Found 1 Pods for label selector component=kube-scheduler\n[upgrade/staticpods] Component \"kube-scheduler\" upgraded successfully!\n[uploadconfig] Storing the configuration used in ConfigMap \"kubeadm-config\" in the \"kube-system\" Namespace\n[bootstraptoken] Configured RBAC rules to allow Node Bootstrap tokens to post CSRs in order for nodes to get long term certificate credentials\n[bootstraptoken] Configured RBAC rules to allow the csrapprover controller automatically approve CSRs from a Node Bootstrap Token\n[bootstraptoken] Configured RBAC rules to allow certificate rotation for all node client certificates in the cluster\n[addons] Applied essential addon: kube-dns\n[addons] Applied essential addon: kube-proxy\n\n[upgrade/successful] SUCCESS! Your cluster was upgraded to \"v1.9.0\". Enjoy!\n\n[upgrade/kubelet] Now that your control plane is upgraded, please proceed with upgrading your kubelets in turn.\n";
        assert_eq!(got, expected);
    }

    /// kubeadm-apply-002 (1.14.0 docs sample), from the prompt answer to the end, with its
    /// hash polls (etcd's old hash seen twice, the API server's three times).
    #[test]
    fn apply_1_14_transcript() {
        let k = v("v1.14.0");
        let etcd = EtcdStep::Upgrade {
            from: "3.2.24".into(),
            to: "3.3.10".into(),
        };
        let hashes = [
            PodHashes {
                old: "877025e7dd7adae8a04ee20ca4ecb239",
                new: "64a28f011070816f4beb07a9c96d73b6",
                old_polls: 2,
            },
            PodHashes {
                old: "6436b0d8ee0136c9d9752971dda40400",
                new: "b8a6533e241a8c6dab84d32bb708b8a1",
                old_polls: 3,
            },
            PodHashes::new("8ee730c1a5607a87f35abb2183bf03f2", "6f77d441d2488efd9fc2d9a9987ad30b"),
            PodHashes::new("4b52d75cab61380f07c0c5a69fb371d4", "a24773c92bb69c3748fcce5e540b7574"),
        ];
        let mut got = apply_prepull(
            &k,
            &["kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"],
        );
        got.push_str(&apply_control_plane(&run(
            &k,
            &k,
            "myhost",
            &etcd,
            hashes,
            "2019-03-14-20-52-44",
            "043818770",
            1,
        )));
        got.push_str(&apply_tail(&k, &k, "CoreDNS", true, false));
        let control_plane = "[upgrade/apply] Upgrading your Static Pod-hosted control plane to version \"v1.14.0\"...\nStatic pod: kube-apiserver-myhost hash: 6436b0d8ee0136c9d9752971dda40400\nStatic pod: kube-controller-manager-myhost hash: 8ee730c1a5607a87f35abb2183bf03f2\nStatic pod: kube-scheduler-myhost hash: 4b52d75cab61380f07c0c5a69fb371d4\n[upgrade/etcd] Upgrading to TLS for etcd\nStatic pod: etcd-myhost hash: 877025e7dd7adae8a04ee20ca4ecb239\n[upgrade/staticpods] Moved new manifest to \"/etc/kubernetes/manifests/etcd.yaml\" and backed up old manifest to \"/etc/kubernetes/tmp/kubeadm-backup-manifests-2019-03-14-20-52-44/etcd.yaml\"\n[upgrade/staticpods] Waiting for the kubelet to restart the component\n[upgrade/staticpods] This might take a minute or longer depending on the component/version gap (timeout 5m0s)\nStatic pod: etcd-myhost hash: 877025e7dd7adae8a04ee20ca4ecb239\nStatic pod: etcd-myhost hash: 877025e7dd7adae8a04ee20ca4ecb239\nStatic pod: etcd-myhost hash: 64a28f011070816f4beb07a9c96d73b6\n[apiclient] Found 1 Pods for label selector component=etcd\n[upgrade/staticpods] Component \"etcd\" upgraded successfully!\n[upgrade/etcd] Waiting for etcd to become available\n[upgrade/staticpods] Writing new Static Pod manifests to \"/etc/kubernetes/tmp/kubeadm-upgraded-manifests043818770\"\n[upgrade/staticpods] Moved new manifest to \"/etc/kubernetes/manifests/kube-apiserver.yaml\" and backed up old manifest to \"/etc/kubernetes/tmp/kubeadm-backup-manifests-2019-03-14-20-52-44/kube-apiserver.yaml\"\n[upgrade/staticpods] Waiting for the kubelet to restart the component\n[upgrade/staticpods] This might take a minute or longer depending on the component/version gap (timeout 5m0s)\nStatic pod: kube-apiserver-myhost hash: 6436b0d8ee0136c9d9752971dda40400\nStatic pod: kube-apiserver-myhost hash: 6436b0d8ee0136c9d9752971dda40400\nStatic pod: kube-apiserver-myhost hash: 6436b0d8ee0136c9d9752971dda40400\nStatic pod: kube-apiserver-myhost hash: b8a6533e241a8c6dab84d32bb708b8a1\n[apiclient] Found 1 Pods for label selector component=kube-apiserver\n[upgrade/staticpods] Component \"kube-apiserver\" upgraded successfully!\n[upgrade/staticpods] Moved new manifest to \"/etc/kubernetes/manifests/kube-controller-manager.yaml\" and backed up old manifest to \"/etc/kubernetes/tmp/kubeadm-backup-manifests-2019-03-14-20-52-44/kube-controller-manager.yaml\"\n[upgrade/staticpods] Waiting for the kubelet to restart the component\n[upgrade/staticpods] This might take a minute or longer depending on the component/version gap (timeout 5m0s)\nStatic pod: kube-controller-manager-myhost hash: 8ee730c1a5607a87f35abb2183bf03f2\nStatic pod: kube-controller-manager-myhost hash: 6f77d441d2488efd9fc2d9a9987ad30b\n[apiclient] Found 1 Pods for label selector component=kube-controller-manager\n[upgrade/staticpods] Component \"kube-controller-manager\" upgraded successfully!\n[upgrade/staticpods] Moved new manifest to \"/etc/kubernetes/manifests/kube-scheduler.yaml\" and backed up old manifest to \"/etc/kubernetes/tmp/kubeadm-backup-manifests-2019-03-14-20-52-44/kube-scheduler.yaml\"\n[upgrade/staticpods] Waiting for the kubelet to restart the component\n[upgrade/staticpods] This might take a minute or longer depending on the component/version gap (timeout 5m0s)\nStatic pod: kube-scheduler-myhost hash: 4b52d75cab61380f07c0c5a69fb371d4\nStatic pod: kube-scheduler-myhost hash: a24773c92bb69c3748fcce5e540b7574\n[apiclient] Found 1 Pods for label selector component=kube-scheduler\n[upgrade/staticpods] Component \"kube-scheduler\" upgraded successfully!\n";
        let tail = "[upload-config] storing the configuration used in ConfigMap \"kubeadm-config\" in the \"kube-system\" Namespace\n[kubelet] Creating a ConfigMap \"kubelet-config-1.14\" in namespace kube-system with the configuration for the kubelets in the cluster\n[kubelet-start] Downloading configuration for the kubelet from the \"kubelet-config-1.14\" ConfigMap in the kube-system namespace\n[kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/config.yaml\"\n[bootstrap-token] configured RBAC rules to allow Node Bootstrap tokens to post CSRs in order for nodes to get long term certificate credentials\n[bootstrap-token] configured RBAC rules to allow the csrapprover controller automatically approve CSRs from a Node Bootstrap Token\n[bootstrap-token] configured RBAC rules to allow certificate rotation for all node client certificates in the cluster\n[addons] Applied essential addon: CoreDNS\n[addons] Applied essential addon: kube-proxy\n\n[upgrade/successful] SUCCESS! Your cluster was upgraded to \"v1.14.0\". Enjoy!\n\n[upgrade/kubelet] Now that your control plane is upgraded, please proceed with upgrading your kubelets if you haven't already done so.\n";
        // The pre-pull's goroutines finished in their own order in the sample; ours is fixed.
        let prepull = "[upgrade/prepull] Will prepull images for components [kube-apiserver kube-controller-manager kube-scheduler etcd]\n[upgrade/prepull] Prepulling image for component kube-apiserver.\n[upgrade/prepull] Prepulling image for component kube-controller-manager.\n[upgrade/prepull] Prepulling image for component kube-scheduler.\n[upgrade/prepull] Prepulling image for component etcd.\n[apiclient] Found 0 Pods for label selector k8s-app=upgrade-prepull-kube-apiserver\n[apiclient] Found 0 Pods for label selector k8s-app=upgrade-prepull-kube-controller-manager\n[apiclient] Found 0 Pods for label selector k8s-app=upgrade-prepull-kube-scheduler\n[apiclient] Found 0 Pods for label selector k8s-app=upgrade-prepull-etcd\n[apiclient] Found 1 Pods for label selector k8s-app=upgrade-prepull-kube-apiserver\n[apiclient] Found 1 Pods for label selector k8s-app=upgrade-prepull-kube-controller-manager\n[apiclient] Found 1 Pods for label selector k8s-app=upgrade-prepull-kube-scheduler\n[apiclient] Found 1 Pods for label selector k8s-app=upgrade-prepull-etcd\n[upgrade/prepull] Prepulled image for component kube-apiserver.\n[upgrade/prepull] Prepulled image for component kube-controller-manager.\n[upgrade/prepull] Prepulled image for component kube-scheduler.\n[upgrade/prepull] Prepulled image for component etcd.\n[upgrade/prepull] Successfully prepulled the images for all the control plane components\n";
        assert_eq!(got, format!("{prepull}{control_plane}{tail}"));
        assert_eq!(
            apply_preamble(&k),
            "[preflight] Running pre-flight checks.\n[upgrade] Making sure the cluster is healthy:\n[upgrade/config] Making sure the configuration is correct:\n[upgrade/config] Reading configuration from the cluster...\n[upgrade/config] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -oyaml'\n"
        );
    }

    /// kubeadm-apply-003 (1.18.0 docs sample): etcd 3.4.3 is "newer" than the 3.4.3-0 pin, so
    /// etcd gets the notice and nothing else; certificates are renewed per component. The klog
    /// warning between "Writing new" and "Preparing" went to stderr.
    #[test]
    fn apply_1_18_transcript() {
        let k = v("v1.18.0");
        let etcd = EtcdStep::WontDowngrade {
            desired: "3.4.3-0".into(),
            current: "3.4.3".into(),
            notice: String::new(),
        };
        let hashes = [
            PodHashes::new("", ""),
            PodHashes::new("2cc222e1a577b40a8c2832320db54b46", "609429acb0d71dce6725836dd97d8bf4"),
            PodHashes::new("f7ce4bc35cb6e646161578ac69910f18", "c7a1232ba2c5dc15641c392662fe5156"),
            PodHashes::new("e3025acd90e7465e66fa19c71b916366", "b1b721486ae0ac504c160dcdc457ab0d"),
        ];
        let mut got = apply_preamble(&k);
        got.push_str(&apply_control_plane(&run(
            &k,
            &k,
            "myhost",
            &etcd,
            hashes,
            "2020-03-08-18-48-14",
            "308527012",
            1,
        )));
        got.push_str(&apply_tail(&k, &k, "CoreDNS", true, false));
        let expected = "[upgrade/config] Making sure the configuration is correct:\n[upgrade/config] Reading configuration from the cluster...\n[upgrade/config] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -oyaml'\n[preflight] Running pre-flight checks.\n[upgrade] Running cluster health checks\n[upgrade/apply] Upgrading your Static Pod-hosted control plane to version \"v1.18.0\"...\nStatic pod: kube-apiserver-myhost hash: 2cc222e1a577b40a8c2832320db54b46\nStatic pod: kube-controller-manager-myhost hash: f7ce4bc35cb6e646161578ac69910f18\nStatic pod: kube-scheduler-myhost hash: e3025acd90e7465e66fa19c71b916366\n[upgrade/etcd] Upgrading to TLS for etcd\n[upgrade/etcd] Non fatal issue encountered during upgrade: the desired etcd version for this Kubernetes version \"v1.18.0\" is \"3.4.3-0\", but the current etcd version is \"3.4.3\". Won't downgrade etcd, instead just continue\n[upgrade/staticpods] Writing new Static Pod manifests to \"/etc/kubernetes/tmp/kubeadm-upgraded-manifests308527012\"\n[upgrade/staticpods] Preparing for \"kube-apiserver\" upgrade\n[upgrade/staticpods] Renewing apiserver certificate\n[upgrade/staticpods] Renewing apiserver-kubelet-client certificate\n[upgrade/staticpods] Renewing front-proxy-client certificate\n[upgrade/staticpods] Renewing apiserver-etcd-client certificate\n[upgrade/staticpods] Moved new manifest to \"/etc/kubernetes/manifests/kube-apiserver.yaml\" and backed up old manifest to \"/etc/kubernetes/tmp/kubeadm-backup-manifests-2020-03-08-18-48-14/kube-apiserver.yaml\"\n[upgrade/staticpods] Waiting for the kubelet to restart the component\n[upgrade/staticpods] This might take a minute or longer depending on the component/version gap (timeout 5m0s)\nStatic pod: kube-apiserver-myhost hash: 2cc222e1a577b40a8c2832320db54b46\nStatic pod: kube-apiserver-myhost hash: 609429acb0d71dce6725836dd97d8bf4\n[apiclient] Found 1 Pods for label selector component=kube-apiserver\n[upgrade/staticpods] Component \"kube-apiserver\" upgraded successfully!\n[upgrade/staticpods] Preparing for \"kube-controller-manager\" upgrade\n[upgrade/staticpods] Renewing controller-manager.conf certificate\n[upgrade/staticpods] Moved new manifest to \"/etc/kubernetes/manifests/kube-controller-manager.yaml\" and backed up old manifest to \"/etc/kubernetes/tmp/kubeadm-backup-manifests-2020-03-08-18-48-14/kube-controller-manager.yaml\"\n[upgrade/staticpods] Waiting for the kubelet to restart the component\n[upgrade/staticpods] This might take a minute or longer depending on the component/version gap (timeout 5m0s)\nStatic pod: kube-controller-manager-myhost hash: f7ce4bc35cb6e646161578ac69910f18\nStatic pod: kube-controller-manager-myhost hash: c7a1232ba2c5dc15641c392662fe5156\n[apiclient] Found 1 Pods for label selector component=kube-controller-manager\n[upgrade/staticpods] Component \"kube-controller-manager\" upgraded successfully!\n[upgrade/staticpods] Preparing for \"kube-scheduler\" upgrade\n[upgrade/staticpods] Renewing scheduler.conf certificate\n[upgrade/staticpods] Moved new manifest to \"/etc/kubernetes/manifests/kube-scheduler.yaml\" and backed up old manifest to \"/etc/kubernetes/tmp/kubeadm-backup-manifests-2020-03-08-18-48-14/kube-scheduler.yaml\"\n[upgrade/staticpods] Waiting for the kubelet to restart the component\n[upgrade/staticpods] This might take a minute or longer depending on the component/version gap (timeout 5m0s)\nStatic pod: kube-scheduler-myhost hash: e3025acd90e7465e66fa19c71b916366\nStatic pod: kube-scheduler-myhost hash: b1b721486ae0ac504c160dcdc457ab0d\n[apiclient] Found 1 Pods for label selector component=kube-scheduler\n[upgrade/staticpods] Component \"kube-scheduler\" upgraded successfully!\n[upload-config] Storing the configuration used in ConfigMap \"kubeadm-config\" in the \"kube-system\" Namespace\n[kubelet] Creating a ConfigMap \"kubelet-config-1.18\" in namespace kube-system with the configuration for the kubelets in the cluster\n[kubelet-start] Downloading configuration for the kubelet from the \"kubelet-config-1.18\" ConfigMap in the kube-system namespace\n[kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/config.yaml\"\n[bootstrap-token] configured RBAC rules to allow Node Bootstrap tokens to post CSRs in order for nodes to get long term certificate credentials\n[bootstrap-token] configured RBAC rules to allow the csrapprover controller automatically approve CSRs from a Node Bootstrap Token\n[bootstrap-token] configured RBAC rules to allow certificate rotation for all node client certificates in the cluster\n[addons] Applied essential addon: CoreDNS\n[addons] Applied essential addon: kube-proxy\n\n[upgrade/successful] SUCCESS! Your cluster was upgraded to \"v1.18.0\". Enjoy!\n\n[upgrade/kubelet] Now that your control plane is upgraded, please proceed with upgrading your kubelets if you haven't already done so.\n";
        assert_eq!(got, expected);
        let prepull = apply_prepull(
            &k,
            &["kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"],
        );
        assert!(
            prepull.ends_with(
                "[upgrade/prepull] Successfully prepulled the images for all the control plane components\n"
            )
        );
    }

    /// kubeadm-apply-007 (1.27.16, HA, verbatim): etcd upgraded, three pods found per component,
    /// the kubelet config backed up.
    #[test]
    fn apply_1_27_ha_transcript() {
        let k = v("v1.27.16");
        let etcd = EtcdStep::Upgrade {
            from: "3.5.6-0".into(),
            to: "3.5.9-0".into(),
        };
        let h = PodHashes::new("a", "b");
        let mut got = apply_prompt(&k).to_string();
        got.push_str("y\n");
        got.push_str(&apply_prepull(&k, &[]));
        got.push_str(&apply_control_plane(&run(
            &k,
            &k,
            "K-KUBE-LAB-01",
            &etcd,
            [h; 4],
            "2024-09-20-14-48-11",
            "186193418",
            3,
        )));
        got.push_str(
            &apply_tail_with(&ApplyTail {
                kubeadm: &k,
                target: &k,
                dns_name: "CoreDNS",
                unupgraded_control_planes: &[],
                kubelet_tmp_suffix: "555192007",
                klog: KlogStamp::default(),
                super_admin_conf: false,
                instance_config_migration: false,
                kubelet_env_tmp_suffix: None,
                dry_run: false,
            })
            .stdout,
        );
        let mut expected = String::from(
            "[upgrade] Are you sure you want to proceed? [y/N]: y\n[upgrade/prepull] Pulling images required for setting up a Kubernetes cluster\n[upgrade/prepull] This might take a minute or two, depending on the speed of your internet connection\n[upgrade/prepull] You can also perform this action in beforehand using 'kubeadm config images pull'\n[upgrade/apply] Upgrading your Static Pod-hosted control plane to version \"v1.27.16\" (timeout: 5m0s)...\n[upgrade/etcd] Upgrading to TLS for etcd\n[upgrade/staticpods] Preparing for \"etcd\" upgrade\n[upgrade/staticpods] Renewing etcd-server certificate\n[upgrade/staticpods] Renewing etcd-peer certificate\n[upgrade/staticpods] Renewing etcd-healthcheck-client certificate\n[upgrade/staticpods] Moved new manifest to \"/etc/kubernetes/manifests/etcd.yaml\" and backed up old manifest to \"/etc/kubernetes/tmp/kubeadm-backup-manifests-2024-09-20-14-48-11/etcd.yaml\"\n[upgrade/staticpods] Waiting for the kubelet to restart the component\n[upgrade/staticpods] This might take a minute or longer depending on the component/version gap (timeout 5m0s)\n[apiclient] Found 3 Pods for label selector component=etcd\n[upgrade/staticpods] Component \"etcd\" upgraded successfully!\n[upgrade/etcd] Waiting for etcd to become available\n[upgrade/staticpods] Writing new Static Pod manifests to \"/etc/kubernetes/tmp/kubeadm-upgraded-manifests186193418\"\n",
        );
        for (c, certs) in [
            (
                "kube-apiserver",
                &[
                    "apiserver",
                    "apiserver-kubelet-client",
                    "front-proxy-client",
                    "apiserver-etcd-client",
                ][..],
            ),
            ("kube-controller-manager", &["controller-manager.conf"][..]),
            ("kube-scheduler", &["scheduler.conf"][..]),
        ] {
            expected.push_str(&format!("[upgrade/staticpods] Preparing for \"{c}\" upgrade\n"));
            for cert in certs {
                expected.push_str(&format!("[upgrade/staticpods] Renewing {cert} certificate\n"));
            }
            expected.push_str(&format!("[upgrade/staticpods] Moved new manifest to \"/etc/kubernetes/manifests/{c}.yaml\" and backed up old manifest to \"/etc/kubernetes/tmp/kubeadm-backup-manifests-2024-09-20-14-48-11/{c}.yaml\"\n[upgrade/staticpods] Waiting for the kubelet to restart the component\n[upgrade/staticpods] This might take a minute or longer depending on the component/version gap (timeout 5m0s)\n[apiclient] Found 3 Pods for label selector component={c}\n[upgrade/staticpods] Component \"{c}\" upgraded successfully!\n"));
        }
        expected.push_str("[upload-config] Storing the configuration used in ConfigMap \"kubeadm-config\" in the \"kube-system\" Namespace\n[kubelet] Creating a ConfigMap \"kubelet-config\" in namespace kube-system with the configuration for the kubelets in the cluster\n[upgrade] Backing up kubelet config file to /etc/kubernetes/tmp/kubeadm-kubelet-config555192007/config.yaml\n[kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/config.yaml\"\n[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to get nodes\n[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to post CSRs in order for nodes to get long term certificate credentials\n[bootstrap-token] Configured RBAC rules to allow the csrapprover controller automatically approve CSRs from a Node Bootstrap Token\n[bootstrap-token] Configured RBAC rules to allow certificate rotation for all node client certificates in the cluster\n[addons] Applied essential addon: CoreDNS\n[addons] Applied essential addon: kube-proxy\n\n[upgrade/successful] SUCCESS! Your cluster was upgraded to \"v1.27.16\". Enjoy!\n\n[upgrade/kubelet] Now that your control plane is upgraded, please proceed with upgrading your kubelets if you haven't already done so.\n");
        assert_eq!(got, expected);
    }

    /// kubeadm-apply-008 (1.29.9, verbatim): etcd unchanged and skipped, super-admin.conf
    /// written, addons deferred while two control planes lag.
    #[test]
    fn apply_1_29_skips_etcd_and_addons() {
        let k = v("v1.29.9");
        let etcd = EtcdStep::Unchanged {
            version: "3.5.10-0".into(),
        };
        let h = PodHashes::new("a", "b");
        let cp = apply_control_plane(&run(
            &k,
            &k,
            "K-KUBE-LAB-01",
            &etcd,
            [h; 4],
            "2024-09-20-17-42-44",
            "1373743205",
            3,
        ));
        assert!(cp.starts_with("[upgrade/apply] Upgrading your Static Pod-hosted control plane to version \"v1.29.9\" (timeout: 5m0s)...\n[upgrade/etcd] Upgrading to TLS for etcd\n[upgrade/staticpods] Preparing for \"etcd\" upgrade\n[upgrade/staticpods] Current and new manifests of etcd are equal, skipping upgrade\n[upgrade/etcd] Waiting for etcd to become available\n[upgrade/staticpods] Writing new Static Pod manifests to \"/etc/kubernetes/tmp/kubeadm-upgraded-manifests1373743205\"\n[upgrade/staticpods] Preparing for \"kube-apiserver\" upgrade\n"), "{cp}");
        let tail = apply_tail_with(&ApplyTail {
            kubeadm: &k,
            target: &k,
            dns_name: "CoreDNS",
            unupgraded_control_planes: &["k-kube-lab-02", "k-kube-lab-03"],
            kubelet_tmp_suffix: "1436888073",
            klog: KlogStamp::default(),
            super_admin_conf: true,
            instance_config_migration: false,
            kubelet_env_tmp_suffix: None,
            dry_run: false,
        });
        assert_eq!(
            tail.stdout,
            "[upload-config] Storing the configuration used in ConfigMap \"kubeadm-config\" in the \"kube-system\" Namespace\n[kubelet] Creating a ConfigMap \"kubelet-config\" in namespace kube-system with the configuration for the kubelets in the cluster\n[upgrade] Backing up kubelet config file to /etc/kubernetes/tmp/kubeadm-kubelet-config1436888073/config.yaml\n[kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/config.yaml\"\n[kubeconfig] Writing \"admin.conf\" kubeconfig file\n[kubeconfig] Writing \"super-admin.conf\" kubeconfig file\n[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to get nodes\n[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to post CSRs in order for nodes to get long term certificate credentials\n[bootstrap-token] Configured RBAC rules to allow the csrapprover controller automatically approve CSRs from a Node Bootstrap Token\n[bootstrap-token] Configured RBAC rules to allow certificate rotation for all node client certificates in the cluster\n[upgrade/addons] skip upgrade addons because control plane instances [k-kube-lab-02 k-kube-lab-03] have not been upgraded\n\n[upgrade/successful] SUCCESS! Your cluster was upgraded to \"v1.29.9\". Enjoy!\n\n[upgrade/kubelet] Now that your control plane is upgraded, please proceed with upgrading your kubelets if you haven't already done so.\n"
        );
        assert_eq!(tail.stderr, "");
    }

    /// A real 1.31.7 run: manifests written before etcd, an unchanged etcd restarted for its
    /// new certificates, "Moving …", "This can take up to 5m0s".
    #[test]
    fn apply_1_31_restarts_unchanged_etcd() {
        let k = v("v1.31.7");
        let etcd = EtcdStep::Unchanged {
            version: "3.5.15-0".into(),
        };
        let h = PodHashes::new("a", "b");
        let got = apply_control_plane(&run(
            &k,
            &k,
            "master",
            &etcd,
            [h; 4],
            "2025-03-25-17-13-19",
            "4134544291",
            1,
        ));
        assert!(got.starts_with("[upgrade/apply] Upgrading your Static Pod-hosted control plane to version \"v1.31.7\" (timeout: 5m0s)...\n[upgrade/staticpods] Writing new Static Pod manifests to \"/etc/kubernetes/tmp/kubeadm-upgraded-manifests4134544291\"\n[upgrade/staticpods] Preparing for \"etcd\" upgrade\n[upgrade/staticpods] Renewing etcd-server certificate\n[upgrade/staticpods] Renewing etcd-peer certificate\n[upgrade/staticpods] Renewing etcd-healthcheck-client certificate\n[upgrade/staticpods] Restarting the etcd static pod and backing up its manifest to \"/etc/kubernetes/tmp/kubeadm-backup-manifests-2025-03-25-17-13-19/etcd.yaml\"\n[upgrade/staticpods] Waiting for the kubelet to restart the component\n[upgrade/staticpods] This can take up to 5m0s\n[apiclient] Found 1 Pods for label selector component=etcd\n[upgrade/staticpods] Component \"etcd\" upgraded successfully!\n[upgrade/etcd] Waiting for etcd to become available\n[upgrade/staticpods] Preparing for \"kube-apiserver\" upgrade\n"), "{got}");
        assert!(got.contains("[upgrade/staticpods] Moving new manifest to \"/etc/kubernetes/manifests/kube-scheduler.yaml\" and backing up old manifest to \"/etc/kubernetes/tmp/kubeadm-backup-manifests-2025-03-25-17-13-19/kube-scheduler.yaml\"\n"));
        assert!(got.ends_with("[upgrade/staticpods] Component \"kube-scheduler\" upgraded successfully!\n"));
        assert_eq!(
            apply_prepull(&k, &[]),
            "[upgrade/prepull] Pulling images required for setting up a Kubernetes cluster\n[upgrade/prepull] This might take a minute or two, depending on the speed of your internet connection\n[upgrade/prepull] You can also perform this action beforehand using 'kubeadm config images pull'\n"
        );
    }

    /// A real 1.32.1 run, from the preamble to the end (its klog warning on stderr).
    #[test]
    fn apply_1_32_transcript() {
        let k = v("v1.32.1");
        let etcd = EtcdStep::Upgrade {
            from: "3.5.15-0".into(),
            to: "3.5.16-0".into(),
        };
        let h = PodHashes::new("a", "b");
        let mut got = apply_preamble(&k);
        got.push_str(&apply_chosen_and_versions(&k, &v("v1.31.0"), &k));
        got.push_str(apply_prompt(&k));
        got.push_str("y\n");
        got.push_str(&apply_prepull(&k, &[]));
        got.push_str(&apply_control_plane(&run(
            &k,
            &k,
            "master",
            &etcd,
            [h; 4],
            "2025-01-26-23-45-41",
            "1417830454",
            1,
        )));
        let stamp = KlogStamp {
            month: 1,
            day: 26,
            hour: 23,
            minute: 50,
            second: 14,
            micros: 425_175,
            pid: 98016,
        };
        let tail = apply_tail_with(&ApplyTail {
            kubeadm: &k,
            target: &k,
            dns_name: "CoreDNS",
            unupgraded_control_planes: &[],
            kubelet_tmp_suffix: "610526404",
            klog: stamp,
            super_admin_conf: false,
            instance_config_migration: false,
            kubelet_env_tmp_suffix: None,
            dry_run: false,
        });
        got.push_str(&tail.stdout);
        let mut expected = String::from(
            "[upgrade] Reading configuration from the \"kubeadm-config\" ConfigMap in namespace \"kube-system\"...\n[upgrade] Use 'kubeadm init phase upload-config --config your-config.yaml' to re-upload it.\n[upgrade/preflight] Running preflight checks\n[upgrade] Running cluster health checks\n[upgrade/preflight] You have chosen to upgrade the cluster version to \"v1.32.1\"\n[upgrade/versions] Cluster version: v1.31.0\n[upgrade/versions] kubeadm version: v1.32.1\n[upgrade] Are you sure you want to proceed? [y/N]: y\n[upgrade/preflight] Pulling images required for setting up a Kubernetes cluster\n[upgrade/preflight] This might take a minute or two, depending on the speed of your internet connection\n[upgrade/preflight] You can also perform this action beforehand using 'kubeadm config images pull'\n[upgrade/control-plane] Upgrading your static Pod-hosted control plane to version \"v1.32.1\" (timeout: 5m0s)...\n[upgrade/staticpods] Writing new Static Pod manifests to \"/etc/kubernetes/tmp/kubeadm-upgraded-manifests1417830454\"\n",
        );
        for (c, certs) in [
            ("etcd", &["etcd-server", "etcd-peer", "etcd-healthcheck-client"][..]),
            (
                "kube-apiserver",
                &[
                    "apiserver",
                    "apiserver-kubelet-client",
                    "front-proxy-client",
                    "apiserver-etcd-client",
                ][..],
            ),
            ("kube-controller-manager", &["controller-manager.conf"][..]),
            ("kube-scheduler", &["scheduler.conf"][..]),
        ] {
            expected.push_str(&format!("[upgrade/staticpods] Preparing for \"{c}\" upgrade\n"));
            for cert in certs {
                expected.push_str(&format!("[upgrade/staticpods] Renewing {cert} certificate\n"));
            }
            expected.push_str(&format!("[upgrade/staticpods] Moving new manifest to \"/etc/kubernetes/manifests/{c}.yaml\" and backing up old manifest to \"/etc/kubernetes/tmp/kubeadm-backup-manifests-2025-01-26-23-45-41/{c}.yaml\"\n[upgrade/staticpods] Waiting for the kubelet to restart the component\n[upgrade/staticpods] This can take up to 5m0s\n[apiclient] Found 1 Pods for label selector component={c}\n[upgrade/staticpods] Component \"{c}\" upgraded successfully!\n"));
            if c == "etcd" {
                expected.push_str("[upgrade/etcd] Waiting for etcd to become available\n");
            }
        }
        expected.push_str("[upgrade/control-plane] The control plane instance for this node was successfully upgraded!\n[upload-config] Storing the configuration used in ConfigMap \"kubeadm-config\" in the \"kube-system\" Namespace\n[kubelet] Creating a ConfigMap \"kubelet-config\" in namespace kube-system with the configuration for the kubelets in the cluster\n[upgrad/kubeconfig] The kubeconfig files for this node were successfully upgraded!\n[upgrade] Backing up kubelet config file to /etc/kubernetes/tmp/kubeadm-kubelet-config610526404/config.yaml\n[kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/config.yaml\"\n[upgrade/kubelet-config] The kubelet configuration for this node was successfully upgraded!\n[upgrade/bootstrap-token] Configuring bootstrap token and cluster-info RBAC rules\n[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to get nodes\n[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to post CSRs in order for nodes to get long term certificate credentials\n[bootstrap-token] Configured RBAC rules to allow the csrapprover controller automatically approve CSRs from a Node Bootstrap Token\n[bootstrap-token] Configured RBAC rules to allow certificate rotation for all node client certificates in the cluster\n[addons] Applied essential addon: CoreDNS\n[addons] Applied essential addon: kube-proxy\n\n[upgrade] SUCCESS! A control plane node of your cluster was upgraded to \"v1.32.1\".\n\n[upgrade] Now please proceed with upgrading the rest of the nodes by following the right order.\n");
        assert_eq!(got, expected);
        assert_eq!(
            tail.stderr,
            "W0126 23:50:14.425175   98016 postupgrade.go:117] Using temporary directory /etc/kubernetes/tmp/kubeadm-kubelet-config610526404 for kubelet config. To override it set the environment variable KUBEADM_UPGRADE_DRYRUN_DIR\n"
        );
    }

    /// 1.32.0 going down from 1.33 (a real run): the reworded won't-downgrade notice, right
    /// after the manifests are written.
    #[test]
    fn apply_1_32_etcd_notice_after_writing() {
        let k = v("v1.32.0");
        let etcd = EtcdStep::WontDowngrade {
            desired: "3.5.16-0".into(),
            current: "3.5.21-0".into(),
            notice: String::new(),
        };
        let h = PodHashes::new("a", "b");
        let got = apply_control_plane(&run(&k, &k, "cp", &etcd, [h; 4], "2025-08-05-16-44-22", "421588564", 1));
        assert!(got.starts_with("[upgrade/control-plane] Upgrading your static Pod-hosted control plane to version \"v1.32.0\" (timeout: 5m0s)...\n[upgrade/staticpods] Writing new Static Pod manifests to \"/etc/kubernetes/tmp/kubeadm-upgraded-manifests421588564\"\n[upgrade/etcd] Non fatal issue encountered during upgrade: the desired etcd version \"3.5.16-0\" is older than the currently installed \"3.5.21-0\". Skipping etcd upgrade\n[upgrade/staticpods] Preparing for \"kube-apiserver\" upgrade\n"), "{got}");
    }

    /// Addons wait for the other control planes: 1.32+ phases report it once per addon.
    #[test]
    fn addons_skipped_by_phase() {
        let era = KubeadmEra::for_kubeadm(&v("v1.33.2"));
        assert_eq!(
            addon_lines(&era, "CoreDNS", &["cp2", "cp3"]),
            "[upgrade/addon] Skipping upgrade of addons because control plane instances [cp2 cp3] have not been upgraded\n[upgrade/addon] Skipping upgrade of addons because control plane instances [cp2 cp3] have not been upgraded\n"
        );
        let era = KubeadmEra::for_kubeadm(&v("v1.27.3"));
        assert_eq!(
            addon_lines(&era, "CoreDNS", &["cp2"]),
            "[addons] Applied essential addon: CoreDNS\n[addons] Applied essential addon: kube-proxy\n"
        );
    }

    #[test]
    fn prompt_by_release() {
        assert_eq!(
            apply_prompt(&v("v1.24.10")),
            "[upgrade/confirm] Are you sure you want to proceed with the upgrade? [y/N]: "
        );
        assert_eq!(
            apply_prompt(&v("v1.25.0")),
            "[upgrade] Are you sure you want to proceed? [y/N]: "
        );
    }

    #[test]
    fn declined_by_release() {
        let d = |s| apply_declined(&v(s));
        assert_eq!(
            d("v1.9.0").stderr,
            "won't proceed; the user didn't answer (Y|y) in order to continue\n"
        );
        assert_eq!(
            d("v1.27.3").stderr,
            "won't proceed; the user didn't answer (Y|y) in order to continue\nTo see the stack trace of this error execute with --v=5 or higher\n"
        );
        assert_eq!(
            d("v1.33.1").stderr,
            "error execution phase preflight: won't proceed; the user didn't answer (Y|y) in order to continue\nTo see the stack trace of this error execute with --v=5 or higher\n"
        );
        assert_eq!(
            d("v1.35.0").stderr,
            "error: error execution phase preflight: won't proceed; the user didn't answer (Y|y) in order to continue\nTo see the stack trace of this error execute with --v=5 or higher\n"
        );
        assert_eq!((d("v1.35.0").stdout.as_str(), d("v1.35.0").exit), ("", 1));
    }

    #[test]
    fn dry_run_last_line() {
        assert_eq!(
            apply_dry_run_note(&v("v1.14.0")),
            "[dryrun] Finished dryrunning successfully!\n"
        );
        // kubeadm 1.18's upgrade/apply.go still prints the "[dryrun]" form; 1.19's does not.
        assert_eq!(
            apply_dry_run_note(&v("v1.18.20")),
            "[dryrun] Finished dryrunning successfully!\n"
        );
        assert_eq!(
            apply_dry_run_note(&v("v1.19.0")),
            "[upgrade/successful] Finished dryrunning successfully!\n"
        );
        assert_eq!(
            apply_dry_run_note(&v("v1.27.16")),
            "[upgrade/successful] Finished dryrunning successfully!\n"
        );
        let t = apply_tail(&v("v1.33.0"), &v("v1.33.0"), "CoreDNS", true, true);
        assert!(t.ends_with(
            "[addons] Applied essential addon: kube-proxy\n[upgrade/successful] Finished dryrunning successfully!\n"
        ));
        assert_eq!(
            apply_dry_run_prepull(&v("v1.32.0"), &[]),
            "[dryrun] Would pull the required images (like 'kubeadm config images pull')\n"
        );
    }

    /// 1.24 and 1.25 print the control-plane label and taint migration before the config upload.
    #[test]
    fn taint_migration_lines() {
        let t = apply_tail(&v("v1.25.5"), &v("v1.25.5"), "CoreDNS", true, false);
        assert!(t.starts_with("[upgrade/postupgrade] Removing the old taint &Taint{Key:node-role.kubernetes.io/master,Value:,Effect:NoSchedule,TimeAdded:<nil>,} from all control plane Nodes."));
        let t = apply_tail(&v("v1.23.0"), &v("v1.23.0"), "CoreDNS", true, false);
        assert!(t.contains("[kubelet] Creating a ConfigMap \"kubelet-config-1.23\" in namespace kube-system with the configuration for the kubelets in the cluster\nNOTE: The \"kubelet-config-1.23\" naming"));
        assert!(t.contains("[bootstrap-token] configured RBAC rules to allow Node Bootstrap tokens to get nodes\n"));
    }

    /// 1.34's first run moves kubelet flags (a real 1.34.3 run); 1.35's rewrites the env file
    /// after the addons, with timestamped backup directories (a real 1.35.0 run).
    #[test]
    fn kubelet_migrations_1_34_and_1_35() {
        let k = v("v1.34.3");
        let t = apply_tail_with(&ApplyTail {
            kubeadm: &k,
            target: &k,
            dns_name: "CoreDNS",
            unupgraded_control_planes: &[],
            kubelet_tmp_suffix: "195283597",
            klog: KlogStamp::default(),
            super_admin_conf: false,
            instance_config_migration: true,
            kubelet_env_tmp_suffix: None,
            dry_run: false,
        });
        assert!(t.stdout.contains("[upgrade/kubeconfig] The kubeconfig files for this node were successfully upgraded!\n[upgrade] Backing up kubelet config file to /etc/kubernetes/tmp/kubeadm-kubelet-config195283597/config.yaml\n[kubelet-start] Writing kubelet environment file with flags to file \"/var/lib/kubelet/kubeadm-flags.env\"\n[kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/instance-config.yaml\"\n[kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/config.yaml\"\n"));
        assert!(t.stderr.contains("postupgrade.go:116] Using temporary directory"));

        let k = v("v1.35.0");
        let t = apply_tail_with(&ApplyTail {
            kubeadm: &k,
            target: &k,
            dns_name: "CoreDNS",
            unupgraded_control_planes: &[],
            kubelet_tmp_suffix: "2026-06-08-14-50-58",
            klog: KlogStamp::default(),
            super_admin_conf: false,
            instance_config_migration: false,
            kubelet_env_tmp_suffix: Some("3966514992"),
            dry_run: false,
        });
        assert!(t.stdout.contains("[upgrade] Backing up kubelet config file to /etc/kubernetes/tmp/kubeadm-kubelet-config-2026-06-08-14-50-58/config.yaml\n"));
        assert!(t.stdout.ends_with("[addons] Applied essential addon: kube-proxy\n[upgrade] Backing up kubelet env file to /etc/kubernetes/tmp/kubeadm-kubelet-env3966514992/kubeadm-flags.env\n[kubelet-start] Writing kubelet environment file with flags to file \"/var/lib/kubelet/kubeadm-flags.env\"\n\n[upgrade] SUCCESS! A control plane node of your cluster was upgraded to \"v1.35.0\".\n\n[upgrade] Now please proceed with upgrading the rest of the nodes by following the right order.\n"));
        assert_eq!(t.stderr.lines().count(), 2);
        assert!(t.stderr.contains("postupgrade.go:105]") && t.stderr.contains("postupgrade.go:203]"));
    }

    /// 1.36 adds a bootstrap-token rule (a real 1.36.1 run).
    #[test]
    fn bootstrap_rules_1_36() {
        let t = apply_tail(&v("v1.36.1"), &v("v1.36.1"), "CoreDNS", true, false);
        assert!(t.contains("in the cluster\n[bootstrap-token] Configured RBAC rules to allow the API server kubelet client certificate to access the kubelet API\n[addons]"));
    }

    /// An external etcd: no etcd lines, and no renewal of the API server's etcd client cert
    /// (a real 1.25.16 run).
    #[test]
    fn external_etcd_control_plane() {
        let k = v("v1.25.16");
        let h = PodHashes::new("a", "b");
        let got = apply_control_plane(&run(
            &k,
            &k,
            "m",
            &EtcdStep::External,
            [h; 4],
            "2025-07-25-07-04-15",
            "3080113658",
            1,
        ));
        assert!(got.starts_with("[upgrade/apply] Upgrading your Static Pod-hosted control plane to version \"v1.25.16\" (timeout: 5m0s)...\n[upgrade/staticpods] Writing new Static Pod manifests to \"/etc/kubernetes/tmp/kubeadm-upgraded-manifests3080113658\"\n[upgrade/staticpods] Preparing for \"kube-apiserver\" upgrade\n[upgrade/staticpods] Renewing apiserver certificate\n[upgrade/staticpods] Renewing apiserver-kubelet-client certificate\n[upgrade/staticpods] Renewing front-proxy-client certificate\n[upgrade/staticpods] Moved new manifest"), "{got}");
    }

    #[test]
    fn single_static_pod_by_release() {
        let one = |k: &str| {
            apply_static_pod(
                &v(k),
                StaticPodComponent::KubeScheduler,
                "cp1",
                "old",
                "new",
                "2024-01-01-00-00-00",
                "123456789",
                true,
            )
        };
        assert_eq!(
            one("v1.22.4"),
            "[upgrade/staticpods] Preparing for \"kube-scheduler\" upgrade\n[upgrade/staticpods] Renewing scheduler.conf certificate\n[upgrade/staticpods] Moved new manifest to \"/etc/kubernetes/manifests/kube-scheduler.yaml\" and backed up old manifest to \"/etc/kubernetes/tmp/kubeadm-backup-manifests-2024-01-01-00-00-00/kube-scheduler.yaml\"\n[upgrade/staticpods] Waiting for the kubelet to restart the component\n[upgrade/staticpods] This might take a minute or longer depending on the component/version gap (timeout 5m0s)\nStatic pod: kube-scheduler-cp1 hash: old\nStatic pod: kube-scheduler-cp1 hash: new\n[apiclient] Found 1 Pods for label selector component=kube-scheduler\n[upgrade/staticpods] Component \"kube-scheduler\" upgraded successfully!\n"
        );
        assert!(one("v1.30.2").contains("[upgrade/staticpods] This can take up to 5m0s\n[apiclient]"));
        let same = apply_static_pod(
            &v("v1.28.2"),
            StaticPodComponent::KubeApiserver,
            "cp1",
            "h",
            "h",
            "x",
            "y",
            true,
        );
        assert_eq!(
            same,
            "[upgrade/staticpods] Preparing for \"kube-apiserver\" upgrade\n[upgrade/staticpods] Current and new manifests of kube-apiserver are equal, skipping upgrade\n"
        );
    }

    #[test]
    fn directories_by_release() {
        assert_eq!(
            backup_manifests_dir(&v("v1.9.0"), "502223003"),
            "/etc/kubernetes/tmp/kubeadm-backup-manifests502223003"
        );
        assert_eq!(
            kubelet_config_tmp_dir(&v("v1.36.1"), "2026-05-30-14-31-13"),
            "/etc/kubernetes/tmp/kubeadm-kubelet-config-2026-05-30-14-31-13"
        );
        assert_eq!(pseudo_suffix("v1.33.0").len(), 9);
    }
}
