//! What a kubeadm node's kubelet is made of, by release: the systemd unit and kubeadm's drop-in
//! the Debian package ships, the files `kubeadm init|join` writes for it
//! (`/var/lib/kubelet/config.yaml`, `/var/lib/kubelet/kubeadm-flags.env`), the pause image, and
//! the flags each kubelet release accepts (a flag it does not know makes it exit at start).
//!
//! Paths follow the packages: apt.kubernetes.io's debs put the drop-in under
//! `/etc/systemd/system/kubelet.service.d`, pkgs.k8s.io's (1.24+ in this model) under
//! `/usr/lib/systemd/system/kubelet.service.d` with the unit beside it.

use crate::release::version::KubeVersion;

/// Where the kubelet unit file and kubeadm's drop-in are, for a package era.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnitPaths {
    pub unit: &'static str,
    pub drop_in_dir: &'static str,
}

impl UnitPaths {
    pub fn drop_in(self) -> String {
        format!("{}/10-kubeadm.conf", self.drop_in_dir)
    }
}

/// The unit and drop-in locations of the kubelet package of `v` (pkgs.k8s.io from 1.24).
pub fn unit_paths(v: &KubeVersion) -> UnitPaths {
    if v.minor >= 24 {
        UnitPaths {
            unit: "/usr/lib/systemd/system/kubelet.service",
            drop_in_dir: "/usr/lib/systemd/system/kubelet.service.d",
        }
    } else {
        UnitPaths {
            unit: "/lib/systemd/system/kubelet.service",
            drop_in_dir: "/etc/systemd/system/kubelet.service.d",
        }
    }
}

pub const CONFIG_YAML: &str = "/var/lib/kubelet/config.yaml";
pub const FLAGS_ENV: &str = "/var/lib/kubelet/kubeadm-flags.env";
pub const DEFAULT_KUBELET: &str = "/etc/default/kubelet";

/// `kubelet.service` as the package ships it.
pub fn unit_text() -> &'static str {
    "[Unit]\nDescription=kubelet: The Kubernetes Node Agent\nDocumentation=https://kubernetes.io/docs/\nWants=network-online.target\nAfter=network-online.target\n\n[Service]\nExecStart=/usr/bin/kubelet\nRestart=always\nStartLimitInterval=0\nRestartSec=10\n\n[Install]\nWantedBy=multi-user.target\n"
}

/// kubeadm's drop-in `10-kubeadm.conf` for the kubelet package of `v`.
pub fn drop_in_text(v: &KubeVersion) -> String {
    if v.minor >= 11 {
        "# Note: This dropin only works with kubeadm and kubelet v1.11+\n[Service]\nEnvironment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf\"\nEnvironment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\n# This is a file that \"kubeadm init\" and \"kubeadm join\" generates at runtime, populating the KUBELET_KUBEADM_ARGS variable dynamically\nEnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\n# This is a file that the user can use for overrides of the kubelet args as a last resort. Preferably, the user should use\n# the .NodeRegistration.KubeletExtraArgs object in the configuration files instead. KUBELET_EXTRA_ARGS should be sourced from this file.\nEnvironmentFile=-/etc/default/kubelet\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n".to_string()
    } else {
        // Before 1.11 the drop-in carried the kubelet's settings as flags.
        let cadvisor = if v.minor >= 8 { "0" } else { "4194" };
        format!(
            "[Service]\nEnvironment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf\"\nEnvironment=\"KUBELET_SYSTEM_PODS_ARGS=--pod-manifest-path=/etc/kubernetes/manifests --allow-privileged=true\"\nEnvironment=\"KUBELET_NETWORK_ARGS=--network-plugin=cni --cni-conf-dir=/etc/cni/net.d --cni-bin-dir=/opt/cni/bin\"\nEnvironment=\"KUBELET_DNS_ARGS=--cluster-dns=10.96.0.10 --cluster-domain=cluster.local\"\nEnvironment=\"KUBELET_AUTHZ_ARGS=--authorization-mode=Webhook --client-ca-file=/etc/kubernetes/pki/ca.crt\"\nEnvironment=\"KUBELET_CADVISOR_ARGS=--cadvisor-port={cadvisor}\"\nEnvironment=\"KUBELET_CERTIFICATE_ARGS=--rotate-certificates=true --cert-dir=/var/lib/kubelet/pki\"\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_SYSTEM_PODS_ARGS $KUBELET_NETWORK_ARGS $KUBELET_DNS_ARGS $KUBELET_AUTHZ_ARGS $KUBELET_CADVISOR_ARGS $KUBELET_CERTIFICATE_ARGS $KUBELET_EXTRA_ARGS\n"
        )
    }
}

/// The pause (sandbox) image kubeadm of `v` names.
pub fn pause_image(v: &KubeVersion) -> String {
    let tag = match v.minor {
        31.. => "3.10",
        26..=30 => "3.9",
        25 => "3.8",
        24 => "3.7",
        23 => "3.6",
        22 => "3.5",
        21 => "3.4.1",
        18..=20 => "3.2",
        11..=17 => "3.1",
        // The kubelet's own default before kubeadm pinned one: the per-arch image.
        10 => return format!("{}/pause-amd64:3.1", crate::release::components::registry_for(v)),
        _ => return format!("{}/pause-amd64:3.0", crate::release::components::registry_for(v)),
    };
    format!("{}/pause:{tag}", crate::release::components::registry_for(v))
}

/// Whether the node runs containerd (from 1.24 in this model; dockershim before, as
/// `engine::setup` provisions the nodes).
pub fn uses_containerd(runtime: &str) -> bool {
    runtime.starts_with("containerd://")
}

/// `/var/lib/kubelet/kubeadm-flags.env` as kubeadm of `v` writes it, for a node whose runtime
/// is `runtime` (`containerd://1.7.13`, `docker://19.3.15`).
pub fn flags_env_text(v: &KubeVersion, runtime: &str) -> String {
    let pause = pause_image(v);
    // kubeadm 1.24–1.26 also wrote `--container-runtime=remote`, which kubelet 1.27 refuses; it
    // is left out so that a kubelet upgraded before `kubeadm upgrade` still starts here.
    let args = if uses_containerd(runtime) {
        format!(
            "--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --pod-infra-container-image={pause}"
        )
    } else if v.minor >= 19 {
        format!("--network-plugin=cni --pod-infra-container-image={pause}")
    } else {
        "--cgroup-driver=cgroupfs --network-plugin=cni".to_string()
    };
    format!("KUBELET_KUBEADM_ARGS=\"{args}\"\n")
}

/// `/etc/default/kubelet` as the Debian package leaves it.
pub fn default_kubelet_text() -> &'static str {
    "KUBELET_EXTRA_ARGS=\n"
}

/// `/var/lib/kubelet/config.yaml` as `kubeadm init|join` of `v` writes it (1.11+).
pub fn config_yaml_text(v: &KubeVersion) -> String {
    let mut s = String::from(
        "apiVersion: kubelet.config.k8s.io/v1beta1\nauthentication:\n  anonymous:\n    enabled: false\n  webhook:\n    cacheTTL: 0s\n    enabled: true\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\nauthorization:\n  mode: Webhook\n  webhook:\n    cacheAuthorizedTTL: 0s\n    cacheUnauthorizedTTL: 0s\n",
    );
    s.push_str(if v.minor >= 22 {
        "cgroupDriver: systemd\n"
    } else {
        "cgroupDriver: cgroupfs\n"
    });
    s.push_str("clusterDNS:\n- 10.96.0.10\nclusterDomain: cluster.local\n");
    if v.minor >= 27 {
        s.push_str("containerRuntimeEndpoint: \"\"\n");
    }
    s.push_str("cpuManagerReconcilePeriod: 0s\nevictionPressureTransitionPeriod: 0s\nfileCheckFrequency: 0s\nhealthzBindAddress: 127.0.0.1\nhealthzPort: 10248\nhttpCheckFrequency: 0s\n");
    if v.minor >= 29 {
        s.push_str("imageMaximumGCAge: 0s\n");
    }
    s.push_str("imageMinimumGCAge: 0s\nkind: KubeletConfiguration\n");
    if v.minor >= 30 {
        s.push_str("logging:\n  flushFrequency: 0\n  options:\n    json:\n      infoBufferSize: \"0\"\n    text:\n      infoBufferSize: \"0\"\n  verbosity: 0\n");
    } else if v.minor >= 23 {
        s.push_str(
            "logging:\n  flushFrequency: 0\n  options:\n    json:\n      infoBufferSize: \"0\"\n  verbosity: 0\n",
        );
    }
    if v.minor >= 22 {
        s.push_str("memorySwap: {}\n");
    }
    s.push_str("nodeStatusReportFrequency: 0s\nnodeStatusUpdateFrequency: 0s\n");
    if v.minor >= 20 {
        s.push_str("resolvConf: /run/systemd/resolve/resolv.conf\n");
    }
    s.push_str("rotateCertificates: true\nruntimeRequestTimeout: 0s\n");
    if v.minor >= 21 {
        s.push_str("shutdownGracePeriod: 0s\nshutdownGracePeriodCriticalPods: 0s\n");
    }
    s.push_str("staticPodPath: /etc/kubernetes/manifests\nstreamingConnectionIdleTimeout: 0s\nsyncFrequency: 0s\nvolumeStatsAggPeriod: 0s\n");
    s
}

/// Flags every kubelet of this model's range (1.6–1.36) accepts.
const FLAGS: &[&str] = &[
    "address",
    "allowed-unsafe-sysctls",
    "anonymous-auth",
    "authentication-token-webhook",
    "authentication-token-webhook-cache-ttl",
    "authorization-mode",
    "authorization-webhook-cache-authorized-ttl",
    "authorization-webhook-cache-unauthorized-ttl",
    "boot-id-file",
    "bootstrap-kubeconfig",
    "cert-dir",
    "cgroup-driver",
    "cgroup-root",
    "cgroups-per-qos",
    "client-ca-file",
    "cloud-config",
    "cloud-provider",
    "cluster-dns",
    "cluster-domain",
    "config",
    "config-dir",
    "container-hints",
    "container-log-max-files",
    "container-log-max-size",
    "container-runtime-endpoint",
    "containerd",
    "containerd-namespace",
    "contention-profiling",
    "cpu-cfs-quota",
    "cpu-cfs-quota-period",
    "cpu-manager-policy",
    "cpu-manager-policy-options",
    "cpu-manager-reconcile-period",
    "docker-only",
    "enable-controller-attach-detach",
    "enable-debugging-handlers",
    "enable-load-reader",
    "enable-server",
    "enforce-node-allocatable",
    "event-burst",
    "event-qps",
    "event-storage-age-limit",
    "event-storage-event-limit",
    "eviction-hard",
    "eviction-max-pod-grace-period",
    "eviction-minimum-reclaim",
    "eviction-pressure-transition-period",
    "eviction-soft",
    "eviction-soft-grace-period",
    "exit-on-lock-contention",
    "experimental-allocatable-ignore-eviction",
    "experimental-mounter-path",
    "fail-swap-on",
    "feature-gates",
    "file-check-frequency",
    "global-housekeeping-interval",
    "hairpin-mode",
    "healthz-bind-address",
    "healthz-port",
    "help",
    "hostname-override",
    "housekeeping-interval",
    "http-check-frequency",
    "image-credential-provider-bin-dir",
    "image-credential-provider-config",
    "image-gc-high-threshold",
    "image-gc-low-threshold",
    "image-service-endpoint",
    "kernel-memcg-notification",
    "kube-api-burst",
    "kube-api-content-type",
    "kube-api-qps",
    "kube-reserved",
    "kube-reserved-cgroup",
    "kubeconfig",
    "kubelet-cgroups",
    "local-storage-capacity-isolation",
    "lock-file",
    "log-cadvisor-usage",
    "log-flush-frequency",
    "log-json-info-buffer-size",
    "log-json-split-stream",
    "log-text-info-buffer-size",
    "log-text-split-stream",
    "logging-format",
    "machine-id-file",
    "make-iptables-util-chains",
    "manifest-url",
    "manifest-url-header",
    "max-open-files",
    "max-pods",
    "maximum-dead-containers",
    "maximum-dead-containers-per-container",
    "memory-manager-policy",
    "minimum-container-ttl-duration",
    "minimum-image-ttl-duration",
    "node-ip",
    "node-labels",
    "node-status-max-images",
    "node-status-update-frequency",
    "oom-score-adj",
    "pod-cidr",
    "pod-infra-container-image",
    "pod-manifest-path",
    "pod-max-pids",
    "pods-per-core",
    "port",
    "protect-kernel-defaults",
    "provider-id",
    "qos-reserved",
    "read-only-port",
    "register-node",
    "register-schedulable",
    "register-with-taints",
    "registry-burst",
    "registry-qps",
    "reserved-cpus",
    "reserved-memory",
    "resolv-conf",
    "root-dir",
    "rotate-certificates",
    "rotate-server-certificates",
    "runonce",
    "runtime-cgroups",
    "runtime-request-timeout",
    "seccomp-default",
    "serialize-image-pulls",
    "storage-driver-buffer-duration",
    "storage-driver-db",
    "storage-driver-host",
    "storage-driver-password",
    "storage-driver-secure",
    "storage-driver-table",
    "storage-driver-user",
    "streaming-connection-idle-timeout",
    "sync-frequency",
    "system-cgroups",
    "system-reserved",
    "system-reserved-cgroup",
    "tls-cert-file",
    "tls-cipher-suites",
    "tls-min-version",
    "tls-private-key-file",
    "topology-manager-policy",
    "topology-manager-policy-options",
    "topology-manager-scope",
    "v",
    "version",
    "vmodule",
    "volume-plugin-dir",
    "volume-stats-agg-period",
];

/// Flags that existed until a release removed them: (flag, first minor without it).
const REMOVED: &[(&str, u32)] = &[
    ("allow-privileged", 15),
    ("cadvisor-port", 12),
    ("network-plugin", 24),
    ("network-plugin-mtu", 24),
    ("cni-bin-dir", 24),
    ("cni-conf-dir", 24),
    ("cni-cache-dir", 24),
    ("docker-endpoint", 24),
    ("image-pull-progress-deadline", 24),
    ("non-masquerade-cidr", 24),
    ("experimental-dockershim-root-directory", 24),
    ("dynamic-config-dir", 24),
    ("container-runtime", 27),
    ("master-service-namespace", 27),
    ("keep-terminated-pod-volumes", 31),
    ("experimental-check-node-capabilities-before-mount", 27),
    ("experimental-kernel-memcg-notification", 24),
    ("add-dir-header", 26),
    ("alsologtostderr", 26),
    ("log-backtrace-at", 26),
    ("log-dir", 26),
    ("log-file", 26),
    ("log-file-max-size", 26),
    ("logtostderr", 26),
    ("one-output", 26),
    ("skip-headers", 26),
    ("skip-log-headers", 26),
    ("stderrthreshold", 26),
    ("require-kubeconfig", 10),
    ("api-servers", 8),
];

/// Whether the kubelet of `v` accepts `--name`.
pub fn accepts_flag(v: &KubeVersion, name: &str) -> bool {
    FLAGS.contains(&name) || REMOVED.iter().any(|(f, gone)| *f == name && v.minor < *gone)
}

/// The kubelet's command line as systemd builds it from the drop-in's `ExecStart`: the
/// variables' values split at blanks, as systemd expands an unquoted `$VAR`.
pub fn command_line(kubeconfig_args: &str, config_args: &str, kubeadm_args: &str, extra_args: &str) -> Vec<String> {
    [kubeconfig_args, config_args, kubeadm_args, extra_args]
        .iter()
        .flat_map(|s| s.split_whitespace())
        .map(str::to_string)
        .collect()
}

/// A flag the kubelet refuses, as shown in its error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("failed to parse kubelet flag: unknown flag: {0}")]
pub struct UnknownFlag(pub String);

crate::errors::error_text!(UnknownFlag);

/// The first flag in `args` the kubelet of `v` refuses, with the kubelet's error (pflag's
/// wording, as the kubelet reports it when it parses its own flags).
pub fn check_flags(v: &KubeVersion, args: &[String]) -> Result<(), UnknownFlag> {
    for a in args {
        let Some(flag) = a.strip_prefix("--").or_else(|| a.strip_prefix('-')) else {
            continue;
        };
        let name = flag.split('=').next().unwrap_or_default();
        if name.is_empty() {
            continue;
        }
        if !accepts_flag(v, name) {
            let shown = if a.starts_with("--") {
                format!("--{name}")
            } else {
                format!("-{name}")
            };
            return Err(UnknownFlag(shown));
        }
    }
    Ok(())
}

/// The value of `VAR="..."` (or unquoted) in an environment file systemd reads.
pub fn env_value(text: &str, var: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let l = l.trim();
        if l.starts_with('#') {
            return None;
        }
        let rest = l.strip_prefix(var)?.strip_prefix('=')?;
        Some(rest.trim().trim_matches('"').trim_matches('\'').to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removed_flags_are_refused_from_their_release() {
        let v123 = KubeVersion::new(1, 23, 0);
        let v131 = KubeVersion::new(1, 31, 2);
        let net = vec!["--network-plugin=cni".to_string()];
        assert!(check_flags(&v123, &net).is_ok());
        let refused = check_flags(&v131, &net).unwrap_err();
        assert_eq!(refused, UnknownFlag("--network-plugin".into()));
        assert_eq!(
            refused.to_string(),
            "failed to parse kubelet flag: unknown flag: --network-plugin"
        );
        let kubeadm = command_line(
            "--kubeconfig=/etc/kubernetes/kubelet.conf",
            "--config=/var/lib/kubelet/config.yaml",
            &env_value(&flags_env_text(&v131, "containerd://1.7.13"), "KUBELET_KUBEADM_ARGS").unwrap(),
            "",
        );
        assert!(check_flags(&v131, &kubeadm).is_ok(), "{kubeadm:?}");
    }

    #[test]
    fn env_files_as_systemd_reads_them() {
        assert_eq!(
            env_value("# x\nKUBELET_EXTRA_ARGS=\n", "KUBELET_EXTRA_ARGS").as_deref(),
            Some("")
        );
        assert_eq!(
            env_value("KUBELET_KUBEADM_ARGS=\"--a=1 --b\"\n", "KUBELET_KUBEADM_ARGS").as_deref(),
            Some("--a=1 --b")
        );
        assert_eq!(env_value("", "X"), None);
    }
}
