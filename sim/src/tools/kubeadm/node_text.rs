//! `kubeadm upgrade node` (reference §3.5) on workers and on the other control planes, by
//! release, and the commands that came before it.
//!
//! A worker only gets its kubelet configuration rewritten. A control plane also has its static
//! pods upgraded like `apply` does (the caller renders that part with
//! [`super::apply_text::apply_control_plane`] and [`UpgradeCommand::Node`]) and, from 1.28, the
//! addons once it is the last control plane to be upgraded.
//!
//! Seen in real output: workers 1.21–1.25, 1.31–1.37, control planes 1.13 (`experimental-control-plane`),
//! 1.20, 1.21, 1.23, 1.27. Unconfirmed: whether 1.15–1.19 print the preflight line, that prepull
//! on nodes starts in 1.20, where 1.28–1.31 print the addon lines on the last control plane
//! (before "The control plane instance … updated!", as kubeadm's control-plane phase does them),
//! what 1.31's hidden kubeconfig phase prints on a control plane (nothing here), the 1.32+
//! control-plane text (built from the 1.32+ worker and apply texts), and the usage text cobra
//! adds to the errors of [`upgrade_node_supported`].
//!
//! [`UpgradeCommand::Node`]: super::apply_text::UpgradeCommand::Node

use super::apply_text::{addon_lines, kubeconfig_done, kubelet_config_lines, kubelet_env_lines, pulling_lines};
use super::plan::{KlogStamp, KubeadmEra, KubeadmOutput};
use crate::release::version::KubeVersion;

/// Whether plain `kubeadm upgrade node` exists in this release (1.15+), else what kubeadm
/// prints on stderr (exit 1). 1.11–1.14 had only `upgrade node config --kubelet-version vX`
/// and (1.13–1.14) `upgrade node experimental-control-plane`; 1.8–1.10 had no `node`
/// subcommand; 1.7 had no `upgrade` at all.
pub(crate) fn upgrade_node_supported(kubeadm: &KubeVersion) -> Result<(), String> {
    let m = kubeadm.minor;
    if kubeadm.major > 1 || m >= 15 {
        Ok(())
    } else if m >= 11 {
        // `upgrade node` only groups subcommands; run on its own it fails (kubeadm's SubCmdRunE).
        Err("Error: missing subcommand; \"node\" is not meant to be run on its own\n".to_string())
    } else if m >= 8 {
        Err("Error: invalid subcommand: \"node\"\n".to_string())
    } else {
        Err("Error: unknown command \"upgrade\" for \"kubeadm\"\nRun 'kubeadm --help' for usage.\n".to_string())
    }
}

/// `kubeadm upgrade node config --kubelet-version vX` (1.11–1.14): downloads the kubelet
/// configuration of that minor. Later releases have no such command (see
/// [`upgrade_node_supported`] for the error text of a missing one).
#[cfg(test)]
pub(crate) fn render_upgrade_node_config(kubeadm: &KubeVersion, kubelet_version: &KubeVersion) -> KubeadmOutput {
    if kubeadm.minor < 11 || kubeadm.minor > 14 {
        return KubeadmOutput {
            stdout: String::new(),
            stderr: "Error: unknown flag: --kubelet-version\n".to_string(),
            exit: 1,
        };
    }
    KubeadmOutput::ok(format!(
        "[kubelet-start] Downloading configuration for the kubelet from the \"kubelet-config-{}.{}\" ConfigMap in the kube-system namespace\n[kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/config.yaml\"\n[upgrade] The configuration for this node was successfully updated!\n[upgrade] Now you should go ahead and upgrade the kubelet package using your package manager.\n",
        kubelet_version.major, kubelet_version.minor
    ))
}

/// Everything `kubeadm upgrade node` prints about.
#[derive(Clone, Debug)]
pub(crate) struct NodeUpgrade<'a> {
    pub kubeadm: &'a KubeVersion,
    /// The cluster's version, which the node is brought to (names the ≤1.18 kubelet ConfigMap).
    pub target: &'a KubeVersion,
    /// `Some(static pod lines)` on a control plane: [`super::apply_text::apply_control_plane`]
    /// with `UpgradeCommand::Node`. `None` on a worker.
    pub control_plane: Option<&'a str>,
    /// See [`super::apply_text::kubelet_config_tmp_dir`].
    pub kubelet_tmp_suffix: &'a str,
    /// On a control plane from 1.28: the control planes not yet at `target`; empty when this is
    /// the last one, so the addons get upgraded.
    pub unupgraded_control_planes: &'a [&'a str],
    /// `CoreDNS` or `kube-dns`.
    pub dns_name: &'a str,
    /// Stamps kubeadm 1.32+'s klog warnings on stderr.
    pub klog: KlogStamp,
    /// kubeadm 1.34's first run moves per-node kubelet settings into `instance-config.yaml`.
    pub instance_config_migration: bool,
    /// kubeadm 1.35+ rewrote `kubeadm-flags.env`: the backup directory's random suffix.
    pub kubelet_env_tmp_suffix: Option<&'a str>,
}

/// `kubeadm upgrade node`, by release, on stdout and (klog, 1.32+) stderr. The caller checks
/// [`upgrade_node_supported`] first.
pub(crate) fn render_upgrade_node_with(n: &NodeUpgrade<'_>) -> KubeadmOutput {
    let era = KubeadmEra::for_kubeadm(n.kubeadm);
    let cp = n.control_plane;
    let mut out = String::new();
    let mut err = String::new();
    let not_cp = "Not a control plane node.";
    let (kubelet_out, kubelet_err) = kubelet_config_lines(
        &era,
        n.kubeadm,
        n.target,
        n.kubelet_tmp_suffix,
        &n.klog,
        n.instance_config_migration,
    );

    if era.phases {
        out.push_str(&format!(
            "[upgrade] Reading configuration from the \"kubeadm-config\" ConfigMap in namespace \"kube-system\"...\n[upgrade] Use 'kubeadm init phase upload-config {}' to re-upload it.\n[upgrade/preflight] Running pre-flight checks\n",
            era.upload_config_hint
        ));
        match cp {
            None => out.push_str(&format!(
                "[upgrade/preflight] Skipping prepull. {not_cp}\n[upgrade/control-plane] Skipping phase. {not_cp}\n[upgrade/kubeconfig] Skipping phase. {not_cp}\n"
            )),
            Some(lines) => {
                out.push_str(&pulling_lines(&era, "[upgrade/preflight]"));
                out.push_str(lines);
                out.push_str(
                    "[upgrade/control-plane] The control plane instance for this node was successfully upgraded!\n",
                );
                out.push_str(&kubeconfig_done(&era));
            }
        }
        out.push_str(&kubelet_out);
        err.push_str(&kubelet_err);
        match cp {
            None => out.push_str(&format!(
                "[upgrade/addon] Skipping the addon/coredns phase. {not_cp}\n[upgrade/addon] Skipping the addon/kube-proxy phase. {not_cp}\n"
            )),
            Some(_) => out.push_str(&addon_lines(&era, n.dns_name, n.unupgraded_control_planes)),
        }
    } else {
        out.push_str(&format!(
            "[upgrade] Reading configuration from the cluster...\n[upgrade] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config {}'\n[preflight] Running pre-flight checks\n",
            era.fyi_yaml
        ));
        match cp {
            None => {
                if era.node_prepull {
                    out.push_str(&format!("[preflight] Skipping prepull. {not_cp}\n"));
                }
                out.push_str(&format!("[upgrade] Skipping phase. {not_cp}\n"));
                if era.node_kubeconfig_phase {
                    out.push_str(&format!("[upgrade] Skipping phase. {not_cp}\n"));
                }
            }
            Some(lines) => {
                if era.node_prepull {
                    out.push_str(&pulling_lines(&era, "[preflight]"));
                }
                out.push_str(lines);
                if era.addons_wait_for_all {
                    out.push_str(&addon_lines(&era, n.dns_name, n.unupgraded_control_planes));
                }
                out.push_str("[upgrade] The control plane instance for this node was successfully updated!\n");
            }
        }
        out.push_str(&kubelet_out);
        err.push_str(&kubelet_err);
        out.push_str("[upgrade] The configuration for this node was successfully updated!\n[upgrade] Now you should go ahead and upgrade the kubelet package using your package manager.\n");
    }
    if let Some(suffix) = n.kubelet_env_tmp_suffix {
        let (o, e) = kubelet_env_lines(&era, suffix, &n.klog);
        out.push_str(&o);
        err.push_str(&e);
    }
    KubeadmOutput {
        stdout: out,
        stderr: err,
        exit: 0,
    }
}

/// `kubeadm upgrade node` with what the wiring has at hand: `tmp_suffix` names the kubelet
/// config backup (a random number, or from 1.35 a `YYYY-MM-DD-hh-mm-ss` stamp), `cp_lines` is
/// the static pod part on a control plane. The cluster version is taken to be the kubeadm
/// binary's, the klog stamp is [`KlogStamp::default`], and the addons count as upgraded;
/// [`render_upgrade_node_with`] takes all of these.
#[cfg(test)]
pub(crate) fn render_upgrade_node(
    kubeadm: &KubeVersion,
    control_plane: bool,
    node: &str,
    tmp_suffix: &str,
    cp_lines: Option<String>,
) -> KubeadmOutput {
    // kubeadm names the node only inside the static pod lines, which the caller rendered.
    let _ = node;
    let lines = if control_plane {
        Some(cp_lines.unwrap_or_default())
    } else {
        None
    };
    render_upgrade_node_with(&NodeUpgrade {
        kubeadm,
        target: kubeadm,
        control_plane: lines.as_deref(),
        kubelet_tmp_suffix: tmp_suffix,
        unupgraded_control_planes: &[],
        dns_name: "CoreDNS",
        klog: KlogStamp::default(),
        instance_config_migration: false,
        kubelet_env_tmp_suffix: None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::apply_text::{ControlPlaneRun, PodHashes, UpgradeCommand, apply_control_plane};
    use super::super::etcd::EtcdStep;
    use super::*;

    fn v(s: &str) -> KubeVersion {
        KubeVersion::parse(s).unwrap()
    }

    fn worker(kubeadm: &str, tmp: &str) -> KubeadmOutput {
        render_upgrade_node(&v(kubeadm), false, "worker", tmp, None)
    }

    /// Reference §3.5's ≤1.26 shape (real 1.21, 1.23 and 1.25 runs).
    #[test]
    fn worker_1_21_to_1_26() {
        let expected = "[upgrade] Reading configuration from the cluster...\n[upgrade] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'\n[preflight] Running pre-flight checks\n[preflight] Skipping prepull. Not a control plane node.\n[upgrade] Skipping phase. Not a control plane node.\n[kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/config.yaml\"\n[upgrade] The configuration for this node was successfully updated!\n[upgrade] Now you should go ahead and upgrade the kubelet package using your package manager.\n";
        for k in ["v1.21.11", "v1.23.0", "v1.26.3"] {
            assert_eq!(worker(k, "1"), KubeadmOutput::ok(expected.to_string()), "{k}");
        }
    }

    /// Reference §3.5's 1.27–1.31 shape; 1.31's hidden kubeconfig phase adds a second
    /// "Skipping phase" (a real 1.31.7 run).
    #[test]
    fn worker_1_27_to_1_31() {
        let expected = "[upgrade] Reading configuration from the cluster...\n[upgrade] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'\n[preflight] Running pre-flight checks\n[preflight] Skipping prepull. Not a control plane node.\n[upgrade] Skipping phase. Not a control plane node.\n[upgrade] Backing up kubelet config file to /etc/kubernetes/tmp/kubeadm-kubelet-config862048109/config.yaml\n[kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/config.yaml\"\n[upgrade] The configuration for this node was successfully updated!\n[upgrade] Now you should go ahead and upgrade the kubelet package using your package manager.\n";
        assert_eq!(worker("v1.29.9", "862048109").stdout, expected);
        assert_eq!(worker("v1.30.2", "862048109").stdout, expected);
        let with_second = expected.replace(
            "[upgrade] Skipping phase. Not a control plane node.\n",
            "[upgrade] Skipping phase. Not a control plane node.\n[upgrade] Skipping phase. Not a control plane node.\n",
        );
        let got = worker("v1.31.7", "862048109");
        assert_eq!(got.stdout, with_second);
        assert_eq!(got.stderr, "");
    }

    /// Reference §3.5's 1.32+ shape (real 1.33 runs), with its klog warning on stderr.
    #[test]
    fn worker_1_32_plus() {
        let stamp = KlogStamp {
            month: 5,
            day: 4,
            hour: 5,
            minute: 46,
            second: 9,
            micros: 933_945,
            pid: 15818,
        };
        let k = v("v1.33.1");
        let got = render_upgrade_node_with(&NodeUpgrade {
            kubeadm: &k,
            target: &k,
            control_plane: None,
            kubelet_tmp_suffix: "931950010",
            unupgraded_control_planes: &[],
            dns_name: "CoreDNS",
            klog: stamp,
            instance_config_migration: false,
            kubelet_env_tmp_suffix: None,
        });
        assert_eq!(
            got.stdout,
            "[upgrade] Reading configuration from the \"kubeadm-config\" ConfigMap in namespace \"kube-system\"...\n[upgrade] Use 'kubeadm init phase upload-config --config your-config-file' to re-upload it.\n[upgrade/preflight] Running pre-flight checks\n[upgrade/preflight] Skipping prepull. Not a control plane node.\n[upgrade/control-plane] Skipping phase. Not a control plane node.\n[upgrade/kubeconfig] Skipping phase. Not a control plane node.\n[upgrade] Backing up kubelet config file to /etc/kubernetes/tmp/kubeadm-kubelet-config931950010/config.yaml\n[kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/config.yaml\"\n[upgrade/kubelet-config] The kubelet configuration for this node was successfully upgraded!\n[upgrade/addon] Skipping the addon/coredns phase. Not a control plane node.\n[upgrade/addon] Skipping the addon/kube-proxy phase. Not a control plane node.\n"
        );
        assert_eq!(
            got.stderr,
            "W0504 05:46:09.933945   15818 postupgrade.go:117] Using temporary directory /etc/kubernetes/tmp/kubeadm-kubelet-config931950010 for kubelet config. To override it set the environment variable KUBEADM_UPGRADE_DRYRUN_DIR\n"
        );
        let w = worker("v1.32.0", "1");
        assert!(
            w.stdout
                .contains("upload-config --config your-config.yaml' to re-upload it.")
        );
    }

    /// A real 1.35 worker run: a timestamped backup directory, and the env file rewritten
    /// after the addon phases.
    #[test]
    fn worker_1_35_env_file() {
        let k = v("v1.35.0");
        let got = render_upgrade_node_with(&NodeUpgrade {
            kubeadm: &k,
            target: &k,
            control_plane: None,
            kubelet_tmp_suffix: "2026-05-01-04-18-07",
            unupgraded_control_planes: &[],
            dns_name: "CoreDNS",
            klog: KlogStamp::default(),
            instance_config_migration: false,
            kubelet_env_tmp_suffix: Some("4108424708"),
        });
        assert!(got.stdout.contains(
            "[upgrade] Use 'kubeadm init phase upload-config kubeadm --config your-config-file' to re-upload it.\n"
        ));
        assert!(got.stdout.ends_with("[upgrade] Backing up kubelet config file to /etc/kubernetes/tmp/kubeadm-kubelet-config-2026-05-01-04-18-07/config.yaml\n[kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/config.yaml\"\n[upgrade/kubelet-config] The kubelet configuration for this node was successfully upgraded!\n[upgrade/addon] Skipping the addon/coredns phase. Not a control plane node.\n[upgrade/addon] Skipping the addon/kube-proxy phase. Not a control plane node.\n[upgrade] Backing up kubelet env file to /etc/kubernetes/tmp/kubeadm-kubelet-env4108424708/kubeadm-flags.env\n[kubelet-start] Writing kubelet environment file with flags to file \"/var/lib/kubelet/kubeadm-flags.env\"\n"));
        assert!(got.stderr.contains("postupgrade.go:105] Using temporary directory /etc/kubernetes/tmp/kubeadm-kubelet-config-2026-05-01-04-18-07 for kubelet config."));
        assert!(got.stderr.contains("postupgrade.go:203] Using temporary directory /etc/kubernetes/tmp/kubeadm-kubelet-env4108424708 for kubelet env file."));
    }

    /// A real 1.20.2 run on a control plane whose manifests were already current.
    #[test]
    fn control_plane_1_20_unchanged() {
        let k = v("v1.20.2");
        let etcd = EtcdStep::Unchanged {
            version: "3.4.13-0".into(),
        };
        let run = ControlPlaneRun {
            kubeadm: &k,
            target: &k,
            node: "master",
            command: UpgradeCommand::Node,
            etcd: &etcd,
            etcd_hashes: PodHashes::new("27072eb2438cc850e1506536264fef46", "27072eb2438cc850e1506536264fef46"),
            apiserver: PodHashes::new("9dd749e3711b8317807cda6ed275c71f", "9dd749e3711b8317807cda6ed275c71f"),
            controller_manager: PodHashes::new("9df73789607ffc47525cb22758f8c9df", "9df73789607ffc47525cb22758f8c9df"),
            scheduler: PodHashes::new("69cd289b4ed80ced4f95a59ff60fa102", "69cd289b4ed80ced4f95a59ff60fa102"),
            backup_suffix: "2021-02-08-10-30-00",
            tmp_suffix: "673315340",
            renew_certs: true,
            found_pods: 1,
        };
        let lines = apply_control_plane(&run);
        let got = render_upgrade_node(&k, true, "master", "1", Some(lines));
        let expected = "[upgrade] Reading configuration from the cluster...\n[upgrade] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'\n[preflight] Running pre-flight checks\n[preflight] Pulling images required for setting up a Kubernetes cluster\n[preflight] This might take a minute or two, depending on the speed of your internet connection\n[preflight] You can also perform this action in beforehand using 'kubeadm config images pull'\n[upgrade] Upgrading your Static Pod-hosted control plane instance to version \"v1.20.2\"...\nStatic pod: kube-apiserver-master hash: 9dd749e3711b8317807cda6ed275c71f\nStatic pod: kube-controller-manager-master hash: 9df73789607ffc47525cb22758f8c9df\nStatic pod: kube-scheduler-master hash: 69cd289b4ed80ced4f95a59ff60fa102\n[upgrade/etcd] Upgrading to TLS for etcd\nStatic pod: etcd-master hash: 27072eb2438cc850e1506536264fef46\n[upgrade/staticpods] Preparing for \"etcd\" upgrade\n[upgrade/staticpods] Current and new manifests of etcd are equal, skipping upgrade\n[upgrade/etcd] Waiting for etcd to become available\n[upgrade/staticpods] Writing new Static Pod manifests to \"/etc/kubernetes/tmp/kubeadm-upgraded-manifests673315340\"\n[upgrade/staticpods] Preparing for \"kube-apiserver\" upgrade\n[upgrade/staticpods] Current and new manifests of kube-apiserver are equal, skipping upgrade\n[upgrade/staticpods] Preparing for \"kube-controller-manager\" upgrade\n[upgrade/staticpods] Current and new manifests of kube-controller-manager are equal, skipping upgrade\n[upgrade/staticpods] Preparing for \"kube-scheduler\" upgrade\n[upgrade/staticpods] Current and new manifests of kube-scheduler are equal, skipping upgrade\n[upgrade] The control plane instance for this node was successfully updated!\n[kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/config.yaml\"\n[upgrade] The configuration for this node was successfully updated!\n[upgrade] Now you should go ahead and upgrade the kubelet package using your package manager.\n";
        assert_eq!(got.stdout, expected);
    }

    /// 1.28–1.31 on the last control plane upgrade the addons; before, others are named.
    #[test]
    fn control_plane_addons_1_29() {
        let k = v("v1.29.9");
        let render = |pending: &[&str]| {
            render_upgrade_node_with(&NodeUpgrade {
                kubeadm: &k,
                target: &k,
                control_plane: Some("<static pods>\n"),
                kubelet_tmp_suffix: "1",
                unupgraded_control_planes: pending,
                dns_name: "CoreDNS",
                klog: KlogStamp::default(),
                instance_config_migration: false,
                kubelet_env_tmp_suffix: None,
            })
            .stdout
        };
        assert!(render(&["k-kube-lab-03"]).contains("<static pods>\n[upgrade/addons] skip upgrade addons because control plane instances [k-kube-lab-03] have not been upgraded\n[upgrade] The control plane instance for this node was successfully updated!\n"));
        assert!(render(&[]).contains("<static pods>\n[addons] Applied essential addon: CoreDNS\n[addons] Applied essential addon: kube-proxy\n[upgrade] The control plane instance"));
        let old = render_upgrade_node(&v("v1.27.0"), true, "cp2", "1", Some("<x>\n".into())).stdout;
        assert!(old.contains(
            "<x>\n[upgrade] The control plane instance for this node was successfully updated!\n[upgrade] Backing up"
        ));
    }

    #[test]
    fn control_plane_1_32_shape() {
        let k = v("v1.32.4");
        let got = render_upgrade_node_with(&NodeUpgrade {
            kubeadm: &k,
            target: &k,
            control_plane: Some("<static pods>\n"),
            kubelet_tmp_suffix: "1",
            unupgraded_control_planes: &["cp3"],
            dns_name: "CoreDNS",
            klog: KlogStamp::default(),
            instance_config_migration: false,
            kubelet_env_tmp_suffix: None,
        });
        assert!(got.stdout.contains("[upgrade/preflight] Running pre-flight checks\n[upgrade/preflight] Pulling images required for setting up a Kubernetes cluster\n[upgrade/preflight] This might take a minute or two, depending on the speed of your internet connection\n[upgrade/preflight] You can also perform this action beforehand using 'kubeadm config images pull'\n<static pods>\n[upgrade/control-plane] The control plane instance for this node was successfully upgraded!\n[upgrad/kubeconfig] The kubeconfig files for this node were successfully upgraded!\n[upgrade] Backing up"));
        assert!(got.stdout.ends_with("[upgrade/addon] Skipping upgrade of addons because control plane instances [cp3] have not been upgraded\n[upgrade/addon] Skipping upgrade of addons because control plane instances [cp3] have not been upgraded\n"));
    }

    #[test]
    fn node_header_by_release() {
        let k = v("v1.34.8");
        let h = PodHashes::new("a", "b");
        let etcd = EtcdStep::External;
        let run = ControlPlaneRun {
            kubeadm: &k,
            target: &k,
            node: "cp2",
            command: UpgradeCommand::Node,
            etcd: &etcd,
            etcd_hashes: h,
            apiserver: h,
            controller_manager: h,
            scheduler: h,
            backup_suffix: "s",
            tmp_suffix: "t",
            renew_certs: false,
            found_pods: 3,
        };
        let lines = apply_control_plane(&run);
        assert!(lines.starts_with("[upgrade/control-plane] Upgrading your Static Pod-hosted control plane instance to version \"v1.34.8\"...\n"));
        assert!(!lines.contains("The control plane instance"));
    }

    #[test]
    fn older_releases_refuse_plain_upgrade_node() {
        assert_eq!(upgrade_node_supported(&v("v1.15.0")), Ok(()));
        assert_eq!(
            upgrade_node_supported(&v("v1.14.3")),
            Err("Error: missing subcommand; \"node\" is not meant to be run on its own\n".to_string())
        );
        assert!(
            upgrade_node_supported(&v("v1.9.0"))
                .unwrap_err()
                .contains("invalid subcommand")
        );
        assert!(
            upgrade_node_supported(&v("v1.7.4"))
                .unwrap_err()
                .contains("unknown command \"upgrade\"")
        );
        let cfg = render_upgrade_node_config(&v("v1.14.0"), &v("v1.14.0"));
        assert!(cfg.stdout.starts_with(
            "[kubelet-start] Downloading configuration for the kubelet from the \"kubelet-config-1.14\" ConfigMap"
        ));
    }
}
