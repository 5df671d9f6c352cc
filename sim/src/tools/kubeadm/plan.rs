//! `kubeadm upgrade plan` (reference §3.2), and the pieces the three `kubeadm upgrade` texts share:
//! [`KubeadmOutput`], [`KlogStamp`] and [`KubeadmEra`], the one table of every output switch of
//! `upgrade plan`, `upgrade apply` and `upgrade node` by kubeadm release.
//!
//! The target selection follows kubeadm's `GetAvailableUpgrades`: a patch upgrade within the
//! cluster's minor, a minor upgrade to "stable" — which kubeadm caps at its own minor since it
//! learned to fall back to `stable-1.<own minor>` — and nothing else. So a kubeadm two minors
//! ahead of the cluster offers its own minor, which apply then refuses; that is kubeadm's
//! behaviour, not a bug here.
//!
//! Plan output seen in real runs or kubeadm's own tests: 1.8, 1.9, 1.14, 1.16, 1.18, 1.20, 1.26,
//! 1.31–1.36. Unconfirmed boundaries (nearest releases the evidence allows): the 1.10 switch
//! to "you have"/"Before you can perform …." and the etcd row, the 1.12 switch to one-tab
//! kubelet rows, to the deployed DNS version and to the stable cap, 1.15 for the config read
//! moving first, 1.17 for "Running cluster health checks", 1.20 for the image-tag etcd version
//! and the component config table, 1.30 (rather than 1.31) for the always-printed kubelet header
//! and the blank line after the last table, and the external-etcd table's range (1.11–1.29).

use crate::release::version::KubeVersion;
use crate::release::versions::{coredns_for, default_etcd_for, kube_dns_for};
use std::collections::BTreeMap;

/// What a kubeadm invocation printed and how it ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct KubeadmOutput {
    pub stdout: String,
    pub stderr: String,
    pub exit: i32,
}

impl KubeadmOutput {
    #[cfg(test)]
    pub(crate) fn ok(stdout: String) -> Self {
        Self {
            stdout,
            stderr: String::new(),
            exit: 0,
        }
    }
}

/// The time and process id a klog line carries (`W0126 23:50:14.425175   98016 file.go:117] …`).
/// kubeadm writes these warnings to stderr at default verbosity; the caller derives the stamp
/// from sim time so the text stays deterministic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KlogStamp {
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub micros: u32,
    pub pid: u32,
}

impl Default for KlogStamp {
    /// A neutral stamp for callers that have no clock to offer (1 January, midnight, pid 1).
    fn default() -> Self {
        Self {
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
            micros: 0,
            pid: 1,
        }
    }
}

impl KlogStamp {
    /// One klog line with its newline; `level` is `I`, `W` or `E`.
    pub(crate) fn line(&self, level: char, file_line: &str, msg: &str) -> String {
        format!(
            "{level}{:02}{:02} {:02}:{:02}:{:02}.{:06} {:>7} {file_line}] {msg}\n",
            self.month, self.day, self.hour, self.minute, self.second, self.micros, self.pid
        )
    }
}

/// How kubeadm opens `upgrade plan` / `upgrade apply`: the config read, preflight and health lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Preamble {
    /// 1.8: preflight, the health check prints one line per check, then the config read.
    HealthLines,
    /// 1.9–1.14: preflight, "Making sure the cluster is healthy:", then the config read.
    PreflightFirst,
    /// 1.15–1.16: the config read first, then preflight and "Making sure the cluster is healthy:".
    ConfigFirstHealthy,
    /// 1.17–1.29: the config read, preflight, "Running cluster health checks".
    ConfigFirst,
    /// 1.30–1.31: preflight, then the config read without "Making sure…" (1.30.0 still had it).
    PreflightThenConfig,
    /// 1.32+: the config is read from the named ConfigMap, with an upload-config hint.
    ConfigMap,
}

/// The columns of plan's tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PlanTable {
    /// ≤1.18: `API Server`, `Kubelet`, … and `AVAILABLE`.
    Legacy,
    /// 1.19–1.20: component names (`kube-apiserver`), still `AVAILABLE`.
    Named,
    /// 1.21–1.29: `TARGET`, one row per component, kubelets as `N x vX`.
    Target,
    /// 1.30+: a NODE column, one row per node, v-less cluster version.
    PerNode,
}

/// How plan reports the version it fetched as "stable".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StableLine {
    /// `[upgrade/versions] Latest stable version: vX`.
    LatestStable,
    /// 1.20 printed both version lines twice (the version getter and the planner each did).
    LatestStableTwice,
    /// 1.21+: `[upgrade/versions] Target version: vX`.
    Target,
}

/// How `upgrade apply` prepulls images.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Prepull {
    /// 1.8: no prepull step.
    None,
    /// 1.9: one "Will prepull" line.
    WillOnly,
    /// 1.10–1.18: prepull DaemonSets, with per-component lines.
    DaemonSet,
    /// 1.19+: the `kubeadm config images pull` lines.
    Pulling,
}

/// How a static pod component's section looks in `upgrade apply` / `upgrade node`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PodShape {
    /// ≤1.10: "Moved upgraded manifest", the new manifests announced with `[controlplane] Wrote …`.
    Legacy,
    /// 1.11–1.23: "Static pod: NAME hash: H" lines while kubeadm polls the mirror pod.
    Hashes,
    /// 1.24–1.30: no hash lines.
    Quiet,
    /// 1.31+: "Moving new manifest…", manifests written before etcd, unchanged pods restarted.
    Moving,
}

/// Every release-dependent switch of kubeadm's upgrade output, computed once from the kubeadm
/// binary's version. Boundaries seen in real output are noted as such; the others are the
/// nearest releases the evidence allows and are listed as unconfirmed in the module docs of
/// the three text modules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct KubeadmEra {
    // --- shared by plan, apply and node ---
    pub preamble: Preamble,
    /// 1.30.0 alone still opened with "[upgrade/config] Making sure the configuration is correct:".
    pub making_sure_first: bool,
    /// The FYI line's kubectl flag: `-oyaml` until 1.19, `-o yaml` after (1.18 and 1.20 seen).
    pub fyi_yaml: &'static str,
    /// The argument shown in "Use 'kubeadm init phase upload-config …' to re-upload it." (1.32+).
    pub upload_config_hint: &'static str,
    // --- plan ---
    pub plan_table: PlanTable,
    /// "after you've upgraded" (≤1.9) / "after you have upgraded".
    pub you_have: &'static str,
    /// 1.9's "Note: Before you do can perform this upgrade, …" without the final full stop.
    pub note_do_can: bool,
    /// ≤1.11: a second kubelet version row starts with two tabs (an empty extra column).
    pub kubelet_row_double_tab: bool,
    /// 1.10+: plan lists etcd.
    pub etcd_row: bool,
    /// ≤1.19: etcd's CURRENT is the server version (no `-0` image suffix).
    pub etcd_server_version: bool,
    /// ≤1.11: the DNS CURRENT is what kubeadm would install for the cluster version, not what runs.
    pub dns_current_from_cluster: bool,
    /// 1.21+: the DNS TARGET is the kubeadm binary's own CoreDNS, not the target minor's.
    pub dns_target_from_kubeadm: bool,
    /// 1.11–1.29: an external etcd gets its own "External components …" table.
    pub external_etcd_table: bool,
    /// 1.12+: a "stable" newer than kubeadm's minor falls back to `stable-1.<kubeadm minor>`.
    pub stable_cap: bool,
    pub stable_line: StableLine,
    /// ≤1.19: "Awesome, you're up-to-date! Enjoy!" when there is nothing to do.
    pub awesome: bool,
    /// 1.20+: the component config table closes the plan.
    pub component_configs: bool,
    /// 1.30+: that table ends with a blank line too.
    pub component_configs_blank_after: bool,
    /// 1.30+: the kubelet table's header is printed even with no kubelet to upgrade.
    pub kubelet_header_always: bool,
    /// `file:line` of the klog line about the stable fallback.
    pub stable_klog_at: &'static str,
    // --- apply ---
    pub prompt: &'static str,
    pub prepull: Prepull,
    /// 1.19–1.30: "You can also perform this action in beforehand …" (the `in` went in 1.31).
    pub prepull_in_beforehand: bool,
    /// 1.24+: the control-plane line carries "(timeout: 5m0s)".
    pub timeout_in_header: bool,
    pub pod_shape: PodShape,
    /// 1.10–1.30: "[upgrade/etcd] Upgrading to TLS for etcd" before a local etcd is handled.
    pub etcd_tls_line: bool,
    /// 1.17+: "Preparing for …" and one "Renewing … certificate" line per certificate.
    pub preparing_and_renewal: bool,
    /// ≤1.16: "current and new manifests …" in lower case.
    pub equal_lowercase: bool,
    /// ≤1.19: a local etcd already at the pinned version is skipped without a word.
    pub etcd_same_version_silent: bool,
    /// 1.30+: the won't-downgrade notice reads "the desired etcd version … is older than …".
    pub etcd_notice_older: bool,
    /// 1.30+: "This can take up to 5m0s" instead of "This might take a minute or longer …".
    pub wait_can_take: bool,
    /// 1.11+: "[upgrade/etcd] Waiting for etcd to become available" once etcd was handled.
    pub etcd_wait_line: bool,
    // --- apply tail ---
    /// The upload-config line (`[uploadconfig] Storing` … `[upload-config] Storing`).
    pub upload_config_line: &'static str,
    /// 1.11+: the kubelet ConfigMap and `/var/lib/kubelet/config.yaml` lines.
    pub kubelet_config: bool,
    /// 1.24+: the ConfigMap is `kubelet-config`, before that `kubelet-config-1.Y`.
    pub kubelet_configmap_unversioned: bool,
    /// 1.23: a NOTE about the versioned ConfigMap name.
    pub kubelet_configmap_note: bool,
    /// ≤1.18: "[kubelet-start] Downloading configuration for the kubelet from …".
    pub kubelet_downloading_line: bool,
    /// 1.27+: "[upgrade] Backing up kubelet config file to …".
    pub kubelet_backup_line: bool,
    /// 1.35+: the kubelet config backup directory is named by a timestamp, not a random suffix.
    pub kubelet_backup_timestamped: bool,
    /// `file:line` of the 1.32+ klog warning about the temporary directory, empty before.
    pub kubelet_tmp_klog_at: &'static str,
    /// ≤1.13 `[bootstraptoken]`, then `[bootstrap-token]`.
    pub bootstrap_prefix: &'static str,
    /// The verb of the bootstrap-token lines: `Configured` (≤1.11, 1.24+) or `configured`.
    pub bootstrap_verb: &'static str,
    /// 1.19+: the "allow Node Bootstrap tokens to get nodes" rule.
    pub bootstrap_get_nodes: bool,
    /// 1.36+: the rule for the API server's kubelet client certificate.
    pub bootstrap_kubelet_api: bool,
    /// Post-upgrade lines about the control-plane label and taint (1.20–1.25).
    pub postupgrade_label_taint: &'static [&'static str],
    /// 1.28+: addons wait until every control plane runs the new version.
    pub addons_wait_for_all: bool,
    /// ≤1.9: "…please proceed with upgrading your kubelets in turn."
    pub kubelets_in_turn: bool,
    /// The dry-run's last line.
    pub dry_run_done: &'static str,
    // --- phases (apply and node as kubeadm workflows, 1.32+) ---
    pub phases: bool,
    /// The kubeconfig phase's prefix: 1.32 spelled it `[upgrad/kubeconfig]`.
    pub kubeconfig_prefix: &'static str,
    // --- node ---
    /// 1.15+: plain `kubeadm upgrade node` exists.
    pub upgrade_node: bool,
    /// 1.20+: `upgrade node` on a control plane pulls images, on a worker says it skips that.
    pub node_prepull: bool,
    /// 1.31: the (hidden) kubeconfig phase adds a second "[upgrade] Skipping phase." on workers.
    pub node_kubeconfig_phase: bool,
}

impl KubeadmEra {
    pub(crate) fn for_kubeadm(kubeadm: &KubeVersion) -> Self {
        let m = if kubeadm.major > 1 { u32::MAX } else { kubeadm.minor };
        let at = |n: u32| m >= n;
        let preamble = if at(32) {
            Preamble::ConfigMap
        } else if at(30) {
            Preamble::PreflightThenConfig
        } else if at(17) {
            Preamble::ConfigFirst
        } else if at(15) {
            Preamble::ConfigFirstHealthy
        } else if at(9) {
            Preamble::PreflightFirst
        } else {
            Preamble::HealthLines
        };
        let plan_table = if at(30) {
            PlanTable::PerNode
        } else if at(21) {
            PlanTable::Target
        } else if at(19) {
            PlanTable::Named
        } else {
            PlanTable::Legacy
        };
        let pod_shape = if at(31) {
            PodShape::Moving
        } else if at(24) {
            PodShape::Quiet
        } else if at(11) {
            PodShape::Hashes
        } else {
            PodShape::Legacy
        };
        Self {
            preamble,
            making_sure_first: m == 30 && kubeadm.patch == 0,
            fyi_yaml: if at(20) { "-o yaml" } else { "-oyaml" },
            upload_config_hint: if at(34) {
                "kubeadm --config your-config-file"
            } else if at(33) {
                "--config your-config-file"
            } else {
                "--config your-config.yaml"
            },
            plan_table,
            you_have: if at(10) { "you have" } else { "you've" },
            note_do_can: !at(10),
            kubelet_row_double_tab: !at(12),
            etcd_row: at(10),
            etcd_server_version: !at(20),
            dns_current_from_cluster: !at(12),
            dns_target_from_kubeadm: at(21),
            external_etcd_table: at(11) && !at(30),
            stable_cap: at(12),
            stable_line: if at(21) {
                StableLine::Target
            } else if m == 20 {
                StableLine::LatestStableTwice
            } else {
                StableLine::LatestStable
            },
            awesome: !at(20),
            component_configs: at(20),
            component_configs_blank_after: at(30),
            kubelet_header_always: at(30),
            stable_klog_at: if at(34) { "version.go:260" } else { "version.go:261" },
            prompt: if at(25) {
                "[upgrade] Are you sure you want to proceed? [y/N]: "
            } else {
                "[upgrade/confirm] Are you sure you want to proceed with the upgrade? [y/N]: "
            },
            prepull: if at(19) {
                Prepull::Pulling
            } else if at(10) {
                Prepull::DaemonSet
            } else if at(9) {
                Prepull::WillOnly
            } else {
                Prepull::None
            },
            prepull_in_beforehand: !at(31),
            timeout_in_header: at(24),
            pod_shape,
            etcd_tls_line: at(10) && !at(31),
            preparing_and_renewal: at(17),
            equal_lowercase: !at(17),
            etcd_same_version_silent: !at(20),
            etcd_notice_older: at(30),
            wait_can_take: at(30),
            etcd_wait_line: at(11),
            upload_config_line: if at(17) {
                "[upload-config] Storing the configuration used in ConfigMap \"kubeadm-config\" in the \"kube-system\" Namespace"
            } else if at(13) {
                "[upload-config] storing the configuration used in ConfigMap \"kubeadm-config\" in the \"kube-system\" Namespace"
            } else if at(12) {
                "[uploadconfig] storing the configuration used in ConfigMap \"kubeadm-config\" in the \"kube-system\" Namespace"
            } else {
                "[uploadconfig] Storing the configuration used in ConfigMap \"kubeadm-config\" in the \"kube-system\" Namespace"
            },
            kubelet_config: at(11),
            kubelet_configmap_unversioned: at(24),
            kubelet_configmap_note: m == 23,
            kubelet_downloading_line: !at(19),
            kubelet_backup_line: at(27),
            kubelet_backup_timestamped: at(35),
            kubelet_tmp_klog_at: if at(35) {
                "postupgrade.go:105"
            } else if at(34) {
                "postupgrade.go:116"
            } else if at(32) {
                "postupgrade.go:117"
            } else {
                ""
            },
            bootstrap_prefix: if at(14) {
                "[bootstrap-token]"
            } else {
                "[bootstraptoken]"
            },
            bootstrap_verb: if at(12) && !at(24) { "configured" } else { "Configured" },
            bootstrap_get_nodes: at(19),
            bootstrap_kubelet_api: at(36),
            postupgrade_label_taint: match m {
                20..=23 => &[
                    "[upgrade/postupgrade] Applying label node-role.kubernetes.io/control-plane='' to Nodes with label node-role.kubernetes.io/master='' (deprecated)",
                ],
                24 => &[
                    "[upgrade/postupgrade] Removing the deprecated label node-role.kubernetes.io/master='' from all control plane Nodes. After this step only the label node-role.kubernetes.io/control-plane='' will be present on control plane Nodes.",
                    "[upgrade/postupgrade] Adding the new taint &Taint{Key:node-role.kubernetes.io/control-plane,Value:,Effect:NoSchedule,TimeAdded:<nil>,} to all control plane Nodes. After this step both taints &Taint{Key:node-role.kubernetes.io/control-plane,Value:,Effect:NoSchedule,TimeAdded:<nil>,} and &Taint{Key:node-role.kubernetes.io/master,Value:,Effect:NoSchedule,TimeAdded:<nil>,} should be present on control plane Nodes.",
                ],
                25 => &[
                    "[upgrade/postupgrade] Removing the old taint &Taint{Key:node-role.kubernetes.io/master,Value:,Effect:NoSchedule,TimeAdded:<nil>,} from all control plane Nodes. After this step only the &Taint{Key:node-role.kubernetes.io/control-plane,Value:,Effect:NoSchedule,TimeAdded:<nil>,} taint will be present on control plane Nodes.",
                ],
                _ => &[],
            },
            addons_wait_for_all: at(28),
            kubelets_in_turn: !at(10),
            // cmd/kubeadm/app/cmd/upgrade/apply.go: up to 1.18 (PerformPostUpgradeTasks still
            // taking newK8sVersion) a dry run ends "[dryrun] Finished dryrunning successfully!";
            // from 1.19 the line carries the "[upgrade/successful]" prefix.
            dry_run_done: if at(19) {
                "[upgrade/successful] Finished dryrunning successfully!\n"
            } else {
                "[dryrun] Finished dryrunning successfully!\n"
            },
            phases: at(32),
            kubeconfig_prefix: if m == 32 {
                "[upgrad/kubeconfig]"
            } else {
                "[upgrade/kubeconfig]"
            },
            upgrade_node: at(15),
            node_prepull: at(20),
            node_kubeconfig_phase: m == 31,
        }
    }
}

/// The lines before "You have chosen …" (apply) or "Fetching available versions" (plan).
/// Apply and plan share them except from 1.32, where apply runs as phases with its own prefixes.
pub(crate) fn preamble(era: &KubeadmEra, apply: bool) -> String {
    let fyi = format!(
        "[upgrade/config] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config {}'\n",
        era.fyi_yaml
    );
    let making_sure = "[upgrade/config] Making sure the configuration is correct:\n";
    let reading = "[upgrade/config] Reading configuration from the cluster...\n";
    match era.preamble {
        Preamble::HealthLines => format!(
            "[preflight] Running pre-flight checks\n[upgrade] Making sure the cluster is healthy:\n[upgrade/health] Checking API Server health: Healthy\n[upgrade/health] Checking Node health: All Nodes are healthy\n[upgrade/health] Checking Static Pod manifests exists on disk: All manifests exist on disk\n{making_sure}{reading}{fyi}"
        ),
        Preamble::PreflightFirst => format!(
            "[preflight] Running pre-flight checks.\n[upgrade] Making sure the cluster is healthy:\n{making_sure}{reading}{fyi}"
        ),
        Preamble::ConfigFirstHealthy => format!(
            "{making_sure}{reading}{fyi}[preflight] Running pre-flight checks.\n[upgrade] Making sure the cluster is healthy:\n"
        ),
        Preamble::ConfigFirst => {
            format!(
                "{making_sure}{reading}{fyi}[preflight] Running pre-flight checks.\n[upgrade] Running cluster health checks\n"
            )
        }
        Preamble::PreflightThenConfig => {
            let first = if era.making_sure_first { making_sure } else { "" };
            format!(
                "{first}[preflight] Running pre-flight checks.\n{reading}{fyi}[upgrade] Running cluster health checks\n"
            )
        }
        Preamble::ConfigMap => {
            let hint = era.upload_config_hint;
            if apply {
                format!(
                    "[upgrade] Reading configuration from the \"kubeadm-config\" ConfigMap in namespace \"kube-system\"...\n[upgrade] Use 'kubeadm init phase upload-config {hint}' to re-upload it.\n[upgrade/preflight] Running preflight checks\n[upgrade] Running cluster health checks\n"
                )
            } else {
                format!(
                    "[preflight] Running pre-flight checks.\n[upgrade/config] Reading configuration from the \"kubeadm-config\" ConfigMap in namespace \"kube-system\"...\n[upgrade/config] Use 'kubeadm init phase upload-config {hint}' to re-upload it.\n[upgrade] Running cluster health checks\n"
                )
            }
        }
    }
}

/// Go's `text/tabwriter` as kubeadm configures it (`NewWriter(w, 10, 4, 3, ' ', 0)`): cells end
/// at tabs, a column is as wide as its widest cell plus 3 (at least 10), the text after a line's
/// last tab is not part of any column, and a run of lines shares a column only while each of
/// them has a cell in it. That last rule is why a row with one more tab than its neighbours gets
/// a column of its own, which the old kubelet rows show.
pub(crate) fn tabwrite(text: &str) -> String {
    let lines: Vec<Vec<&str>> = text.split_terminator('\n').map(|l| l.split('\t').collect()).collect();
    let mut out = String::new();
    let mut widths = Vec::new();
    tab_block(&lines, 0, lines.len(), &mut widths, &mut out);
    out
}

const TAB_MINWIDTH: usize = 10;
const TAB_PADDING: usize = 3;

fn tab_block(lines: &[Vec<&str>], from: usize, to: usize, widths: &mut Vec<usize>, out: &mut String) {
    let column = widths.len();
    let mut start = from;
    let mut this = from;
    while this < to {
        if column + 1 >= lines[this].len() {
            this += 1;
            continue;
        }
        tab_lines(lines, start, this, widths, out);
        start = this;
        let mut width = TAB_MINWIDTH;
        while this < to && column + 1 < lines[this].len() {
            width = width.max(lines[this][column].chars().count() + TAB_PADDING);
            this += 1;
        }
        widths.push(width);
        tab_block(lines, start, this, widths, out);
        widths.pop();
        start = this;
        // The line that ended the block has no cell in this column; it is printed with the
        // next run, so looking at it again would change nothing.
        this += 1;
    }
    tab_lines(lines, start, to, widths, out);
}

fn tab_lines(lines: &[Vec<&str>], from: usize, to: usize, widths: &[usize], out: &mut String) {
    for cells in &lines[from..to] {
        for (j, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if let Some(w) = widths.get(j) {
                out.extend(std::iter::repeat_n(' ', w - cell.chars().count()));
            }
        }
        out.push('\n');
    }
}

/// One control plane as plan sees it: the image versions of its static pods.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PlanControlPlane {
    pub node: String,
    pub apiserver: KubeVersion,
    pub controller_manager: KubeVersion,
    pub scheduler: KubeVersion,
    /// The etcd image tag as in the manifest (`3.5.15-0`); empty without a local etcd. With
    /// `external_etcd`, the first entry's value is taken as the external cluster's version for
    /// the pre-1.30 "External components" table, and left out when empty.
    pub etcd: String,
}

/// Everything `kubeadm upgrade plan` reads.
pub(crate) struct PlanInput<'a> {
    /// The kubeadm binary.
    pub kubeadm: &'a KubeVersion,
    /// The cluster version as kubeadm ≤1.29 reads it from the API server. From 1.30 kubeadm
    /// takes the newest kube-apiserver image among `control_planes` instead (this is the
    /// fallback when there is none).
    pub cluster: &'a KubeVersion,
    /// Sorted by node name.
    pub control_planes: &'a [PlanControlPlane],
    /// (node name, kubelet version) for every node, sorted by name.
    pub kubelets: &'a [(String, KubeVersion)],
    /// (`CoreDNS` or `kube-dns`, the running version).
    pub dns: (&'a str, &'a str),
    pub external_etcd: bool,
    /// The newest released patch of a minor, standing in for dl.k8s.io's `stable-1.X` labels;
    /// `None` makes that fetch fail, which kubeadm answers with its own version.
    pub latest_patch: &'a dyn Fn(u32) -> Option<KubeVersion>,
    /// The newest release overall (dl.k8s.io's `stable`).
    pub stable: &'a KubeVersion,
}

/// The version of the named DNS addon (`CoreDNS` or `kube-dns`) kubeadm installs for a minor.
pub(crate) fn dns_version_for_addon(v: &KubeVersion, addon: &str) -> &'static str {
    if is_kube_dns(addon) && v.minor <= 20 {
        kube_dns_for(v)
    } else if v.minor <= 10 {
        // CoreDNS before 1.11 was behind a feature gate; 1.9 and 1.10 shipped these.
        if v.minor == 10 { "1.0.6" } else { "1.0.4" }
    } else {
        coredns_for(v)
    }
}

fn is_kube_dns(addon: &str) -> bool {
    addon.eq_ignore_ascii_case("kube-dns") || addon.eq_ignore_ascii_case("kubedns")
}

/// kubeadm's `ParseSemantic(...).String()`: the version without its `v`.
fn v_less(v: &KubeVersion) -> String {
    v.to_string().trim_start_matches('v').to_string()
}

/// An etcd image tag as the etcd server reports its version (`3.4.3-0` → `3.4.3`).
fn etcd_server_version(tag: &str) -> &str {
    tag.split_once('-').map_or(tag, |(v, _)| v)
}

/// One upgrade possibility, as kubeadm's `GetAvailableUpgrades` builds it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Upgrade {
    description: String,
    target: KubeVersion,
    /// The kubeadm version this upgrade needs; a "Note" is printed when it is not the running one.
    kubeadm_after: String,
}

/// The result of looking up a release label, and the klog line the stable fallback prints.
struct Fetched {
    version: KubeVersion,
    klog: Option<String>,
}

/// dl.k8s.io as kubeadm consults it: `minor` is `None` for `stable`, else the `stable-1.X` label.
fn fetch(input: &PlanInput<'_>, era: &KubeadmEra, minor: Option<u32>) -> Fetched {
    let remote = match minor {
        None => Some(input.stable.clone()),
        Some(m) => (input.latest_patch)(m),
    };
    let kubeadm = input.kubeadm;
    let Some(remote) = remote else {
        // A failed fetch makes kubeadm fall back to its own version (with klog warnings).
        return Fetched {
            version: kubeadm.clone(),
            klog: None,
        };
    };
    if era.stable_cap && (kubeadm.major, kubeadm.minor) < (remote.major, remote.minor) {
        let fallback = fetch(input, era, Some(kubeadm.minor));
        return Fetched {
            version: fallback.version,
            klog: Some(format!(
                "remote version is much newer: {remote}; falling back to: stable-{}.{}",
                kubeadm.major, kubeadm.minor
            )),
        };
    }
    Fetched {
        version: remote,
        klog: None,
    }
}

fn lt(a: &KubeVersion, b: &KubeVersion) -> bool {
    a < b
}

/// Renders `kubeadm upgrade plan` for a healthy cluster. klog lines (the stable fallback's
/// notice) are left out; [`render_plan_with_klog`] adds them to stderr.
pub(crate) fn render_plan(input: &PlanInput<'_>) -> KubeadmOutput {
    render(input, None)
}

/// [`render_plan`] with kubeadm's default-verbosity klog lines on stderr, stamped with `stamp`.
#[cfg(test)]
pub(crate) fn render_plan_with_klog(input: &PlanInput<'_>, stamp: &KlogStamp) -> KubeadmOutput {
    render(input, Some(stamp))
}

fn render(input: &PlanInput<'_>, stamp: Option<&KlogStamp>) -> KubeadmOutput {
    let era = KubeadmEra::for_kubeadm(input.kubeadm);
    let per_node = era.plan_table == PlanTable::PerNode;
    let mut stdout = preamble(&era, false);
    let mut stderr = String::new();
    stdout.push_str("[upgrade] Fetching available versions to upgrade to\n");

    let cluster = if per_node {
        input
            .control_planes
            .iter()
            .map(|c| &c.apiserver)
            .max()
            .unwrap_or(input.cluster)
            .clone()
    } else {
        input.cluster.clone()
    };
    let cluster_text = if per_node {
        v_less(&cluster)
    } else {
        cluster.to_string()
    };
    stdout.push_str(&format!("[upgrade/versions] Cluster version: {cluster_text}\n"));
    stdout.push_str(&format!("[upgrade/versions] kubeadm version: {}\n", input.kubeadm));

    let mut klog = |f: &Fetched| {
        if let (Some(msg), Some(stamp)) = (&f.klog, stamp) {
            stderr.push_str(&stamp.line('I', era.stable_klog_at, msg));
        }
    };
    let stable = fetch(input, &era, None);
    klog(&stable);
    let stable = stable.version;
    let times = if era.stable_line == StableLine::LatestStableTwice {
        2
    } else {
        1
    };
    let stable_label = if era.stable_line == StableLine::Target {
        "Target version"
    } else {
        "Latest stable version"
    };
    for _ in 0..times {
        stdout.push_str(&format!("[upgrade/versions] {stable_label}: {stable}\n"));
    }

    let mut upgrades = Vec::new();
    let mut minor_possible = lt(&cluster, &stable);
    // No patch branch when the cluster runs ahead of stable (a pre-release being tested).
    if stable >= cluster {
        let description = format!("version in the v{}.{} series", cluster.major, cluster.minor);
        let patch = fetch(input, &era, Some(cluster.minor));
        klog(&patch);
        let patch = patch.version;
        for _ in 0..times {
            stdout.push_str(&format!("[upgrade/versions] Latest {description}: {patch}\n"));
        }
        minor_possible = lt(&patch, &stable);
        if lt(&cluster, &patch) {
            let kubeadm_after = if *input.kubeadm < patch {
                patch.to_string()
            } else {
                input.kubeadm.to_string()
            };
            upgrades.push(Upgrade {
                description,
                target: patch,
                kubeadm_after,
            });
        }
    }
    if minor_possible {
        upgrades.push(Upgrade {
            description: "stable version".into(),
            kubeadm_after: stable.to_string(),
            target: stable,
        });
    }
    stdout.push('\n');

    if upgrades.is_empty() {
        if era.awesome {
            stdout.push_str("Awesome, you're up-to-date! Enjoy!\n");
        }
        return KubeadmOutput {
            stdout,
            stderr,
            exit: 0,
        };
    }
    for up in &upgrades {
        stdout.push_str(&render_upgrade(input, &era, &cluster, &cluster_text, up));
    }
    if era.component_configs {
        stdout.push_str(&component_configs(&era));
    }
    KubeadmOutput {
        stdout,
        stderr,
        exit: 0,
    }
}

/// kubeadm's `CanUpgradeKubelets`: several versions, or one that is not the target.
fn can_upgrade_kubelets(kubelets: &[(String, KubeVersion)], target: &KubeVersion) -> bool {
    let versions: BTreeMap<String, ()> = kubelets.iter().map(|(_, v)| (v.to_string(), ())).collect();
    match versions.len() {
        0 => false,
        1 => !versions.contains_key(&target.to_string()),
        _ => true,
    }
}

/// Nodes grouped by version string in Go's `sort.Strings` order (so `v1.31.10` < `v1.31.9`),
/// each group keeping the input (node name) order.
fn by_version<'a>(rows: impl Iterator<Item = (&'a str, String)>) -> BTreeMap<String, Vec<&'a str>> {
    let mut map: BTreeMap<String, Vec<&'a str>> = BTreeMap::new();
    for (node, version) in rows {
        map.entry(version).or_default().push(node);
    }
    map
}

const SEPARATOR: &str = "_____________________________________________________________________\n";

fn render_upgrade(
    input: &PlanInput<'_>,
    era: &KubeadmEra,
    cluster: &KubeVersion,
    cluster_text: &str,
    up: &Upgrade,
) -> String {
    let target = up.target.to_string();
    let legacy = era.plan_table == PlanTable::Legacy;
    let last_column = match era.plan_table {
        PlanTable::Legacy | PlanTable::Named => "AVAILABLE",
        PlanTable::Target | PlanTable::PerNode => "TARGET",
    };
    let header = if era.plan_table == PlanTable::PerNode {
        "COMPONENT\tNODE\tCURRENT\tTARGET\n".to_string()
    } else {
        format!("COMPONENT\tCURRENT\t{last_column}\n")
    };
    let (dns_name, dns_running) = input.dns;
    let kube_dns = is_kube_dns(dns_name);
    let dns_row_name = match (kube_dns, legacy) {
        (false, _) => "CoreDNS",
        (true, true) => "Kube DNS",
        (true, false) => "kube-dns",
    };
    let dns_current = if era.dns_current_from_cluster {
        dns_version_for_addon(cluster, dns_name).to_string()
    } else {
        dns_running.to_string()
    };
    let dns_target = if era.dns_target_from_kubeadm {
        coredns_for(input.kubeadm)
    } else {
        dns_version_for_addon(&up.target, dns_name)
    };
    let etcd_target = default_etcd_for(&up.target);
    let etcd_name = if legacy { "Etcd" } else { "etcd" };
    let mut out = String::new();

    if era.external_etcd_table && input.external_etcd {
        let current = input.control_planes.first().map_or("", |c| c.etcd.as_str());
        if !current.is_empty() && current != etcd_target {
            out.push_str("External components that should be upgraded manually before you upgrade the control plane with 'kubeadm upgrade apply':\n");
            out.push_str(&tabwrite(&format!(
                "COMPONENT\tCURRENT\t{last_column}\n{etcd_name}\t{current}\t{etcd_target}\n"
            )));
            out.push('\n');
        }
    }

    let kubelets_upgradable = can_upgrade_kubelets(input.kubelets, &up.target);
    if kubelets_upgradable || era.kubelet_header_always {
        out.push_str(&format!(
            "Components that must be upgraded manually after {} upgraded the control plane with 'kubeadm upgrade apply':\n",
            era.you_have
        ));
        let mut table = header.clone();
        if kubelets_upgradable {
            let groups = by_version(input.kubelets.iter().map(|(n, v)| (n.as_str(), v.to_string())));
            if era.plan_table == PlanTable::PerNode {
                for (version, nodes) in &groups {
                    for node in nodes {
                        table.push_str(&format!("kubelet\t{node}\t{version}\t{target}\n"));
                    }
                }
            } else {
                let name = if legacy { "Kubelet" } else { "kubelet" };
                let lead = if era.kubelet_row_double_tab { "\t\t" } else { "\t" };
                for (i, (version, nodes)) in groups.iter().enumerate() {
                    let first = if i == 0 { name } else { "" };
                    let lead = if i == 0 { "\t" } else { lead };
                    table.push_str(&format!("{first}{lead}{} x {version}\t{target}\n", nodes.len()));
                }
            }
        }
        out.push_str(&tabwrite(&table));
        out.push('\n');
    }

    out.push_str(&format!("Upgrade to the latest {}:\n\n", up.description));
    let mut table = header;
    if era.plan_table == PlanTable::PerNode {
        let cps = input.control_planes;
        let versions: [fn(&PlanControlPlane) -> String; 3] = [
            |c| c.apiserver.to_string(),
            |c| c.controller_manager.to_string(),
            |c| c.scheduler.to_string(),
        ];
        for (name, version_of) in ["kube-apiserver", "kube-controller-manager", "kube-scheduler"]
            .into_iter()
            .zip(versions)
        {
            for (version, nodes) in &by_version(cps.iter().map(|c| (c.node.as_str(), version_of(c)))) {
                for node in nodes {
                    table.push_str(&format!("{name}\t{node}\t{version}\t{target}\n"));
                }
            }
        }
        table.push_str(&format!("kube-proxy\t\t{cluster_text}\t{target}\n"));
        table.push_str(&format!("{dns_row_name}\t\t{dns_current}\t{dns_target}\n"));
        if !input.external_etcd {
            let etcd = by_version(
                cps.iter()
                    .filter(|c| !c.etcd.is_empty())
                    .map(|c| (c.node.as_str(), c.etcd.clone())),
            );
            for (version, nodes) in &etcd {
                for node in nodes {
                    table.push_str(&format!("etcd\t{node}\t{version}\t{etcd_target}\n"));
                }
            }
        }
    } else {
        let names = if legacy {
            ["API Server", "Controller Manager", "Scheduler", "Kube Proxy"]
        } else {
            [
                "kube-apiserver",
                "kube-controller-manager",
                "kube-scheduler",
                "kube-proxy",
            ]
        };
        for name in names {
            table.push_str(&format!("{name}\t{cluster_text}\t{target}\n"));
        }
        table.push_str(&format!("{dns_row_name}\t{dns_current}\t{dns_target}\n"));
        let etcd_current = input.control_planes.first().map_or("", |c| c.etcd.as_str());
        if era.etcd_row && !input.external_etcd && !etcd_current.is_empty() {
            let current = if era.etcd_server_version {
                etcd_server_version(etcd_current)
            } else {
                etcd_current
            };
            table.push_str(&format!("{etcd_name}\t{current}\t{etcd_target}\n"));
        }
    }
    out.push_str(&tabwrite(&table));
    out.push_str(&format!(
        "\nYou can now apply the upgrade by executing the following command:\n\n\tkubeadm upgrade apply {target}\n\n"
    ));
    if input.kubeadm.to_string() != up.kubeadm_after {
        if era.note_do_can {
            out.push_str(&format!(
                "Note: Before you do can perform this upgrade, you have to update kubeadm to {}\n\n",
                up.kubeadm_after
            ));
        } else {
            out.push_str(&format!(
                "Note: Before you can perform this upgrade, you have to update kubeadm to {}.\n\n",
                up.kubeadm_after
            ));
        }
    }
    out.push_str(SEPARATOR);
    out.push('\n');
    out
}

/// The component config table that closes the plan since 1.20. kubedrill's clusters always run
/// the kube-proxy and kubelet configs kubeadm writes, so neither needs a manual upgrade.
fn component_configs(era: &KubeadmEra) -> String {
    let mut out = String::from(
        "\nThe table below shows the current state of component configs as understood by this version of kubeadm.\nConfigs that have a \"yes\" mark in the \"MANUAL UPGRADE REQUIRED\" column require manual config upgrade or\nresetting to kubeadm defaults before a successful upgrade can be performed. The version to manually\nupgrade to is denoted in the \"PREFERRED VERSION\" column.\n\n",
    );
    out.push_str(&tabwrite(
        "API GROUP\tCURRENT VERSION\tPREFERRED VERSION\tMANUAL UPGRADE REQUIRED\nkubeproxy.config.k8s.io\tv1alpha1\tv1alpha1\tno\nkubelet.config.k8s.io\tv1beta1\tv1beta1\tno\n",
    ));
    out.push_str(SEPARATOR);
    if era.component_configs_blank_after {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> KubeVersion {
        KubeVersion::parse(s).unwrap()
    }

    fn cp(node: &str, version: &str, etcd: &str) -> PlanControlPlane {
        PlanControlPlane {
            node: node.into(),
            apiserver: v(version),
            controller_manager: v(version),
            scheduler: v(version),
            etcd: etcd.into(),
        }
    }

    struct Case {
        kubeadm: &'static str,
        cluster: &'static str,
        cps: Vec<PlanControlPlane>,
        kubelets: Vec<(&'static str, &'static str)>,
        dns: (&'static str, &'static str),
        external: bool,
        patches: Vec<(u32, &'static str)>,
        stable: &'static str,
    }

    impl Case {
        fn run(&self) -> KubeadmOutput {
            self.run_klog(None)
        }

        fn run_klog(&self, stamp: Option<&KlogStamp>) -> KubeadmOutput {
            let kubeadm = v(self.kubeadm);
            let cluster = v(self.cluster);
            let kubelets: Vec<(String, KubeVersion)> =
                self.kubelets.iter().map(|(n, k)| (n.to_string(), v(k))).collect();
            let patches: Vec<(u32, KubeVersion)> = self.patches.iter().map(|(m, p)| (*m, v(p))).collect();
            let latest = |m: u32| patches.iter().find(|(x, _)| *x == m).map(|(_, p)| p.clone());
            let stable = v(self.stable);
            let input = PlanInput {
                kubeadm: &kubeadm,
                cluster: &cluster,
                control_planes: &self.cps,
                kubelets: &kubelets,
                dns: self.dns,
                external_etcd: self.external,
                latest_patch: &latest,
                stable: &stable,
            };
            match stamp {
                Some(s) => render_plan_with_klog(&input, s),
                None => render_plan(&input),
            }
        }
    }

    /// The transcript from its `Cluster version` line on (the preamble is checked on its own).
    fn from_versions(s: &str) -> &str {
        &s[s.find("[upgrade/versions] Cluster version").unwrap()..]
    }

    #[test]
    fn tabwriter_pads_like_go() {
        assert_eq!(
            tabwrite("COMPONENT\tCURRENT\tAVAILABLE\nKubelet\t1 x v1.8.1\tv1.8.6\n"),
            "COMPONENT   CURRENT      AVAILABLE\nKubelet     1 x v1.8.1   v1.8.6\n"
        );
        // A row with an extra leading tab opens a column of its own (kubeadm ≤1.11).
        assert_eq!(
            tabwrite("COMPONENT\tCURRENT\tAVAILABLE\nKubelet\t1 x v1.8.1\tv1.9.0\n\t\t2 x v1.8.2\tv1.9.0\n"),
            "COMPONENT   CURRENT      AVAILABLE\nKubelet     1 x v1.8.1   v1.9.0\n                         2 x v1.8.2   v1.9.0\n"
        );
        assert_eq!(
            tabwrite("COMPONENT\tNODE\tCURRENT\tTARGET\n"),
            "COMPONENT   NODE      CURRENT   TARGET\n"
        );
    }

    /// kubeadm-plan-001 (kubeadm 1.9.0, docs sample). The docs copied the 1.8 preamble
    /// (`Running pre-flight checks` without a full stop, `[upgrade/health]` lines, `-o yaml`),
    /// which 1.9's own apply transcript (kubeadm-apply-001) contradicts, so the preamble is the
    /// 1.9 one; the tables are checked byte for byte with three documented differences.
    #[test]
    fn plan_1_9_two_paths_kube_dns() {
        let case = Case {
            kubeadm: "v1.9.0",
            cluster: "v1.8.1",
            cps: vec![cp("master", "v1.8.1", "3.0.17")],
            kubelets: vec![("master", "v1.8.1")],
            dns: ("kube-dns", "1.14.5"),
            external: false,
            patches: vec![(8, "v1.8.6"), (9, "v1.9.0")],
            stable: "v1.9.0",
        };
        let got = case.run();
        assert_eq!(
            got.stdout[..got.stdout.find("[upgrade/versions]").unwrap()],
            *"[preflight] Running pre-flight checks.\n[upgrade] Making sure the cluster is healthy:\n[upgrade/config] Making sure the configuration is correct:\n[upgrade/config] Reading configuration from the cluster...\n[upgrade/config] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -oyaml'\n[upgrade] Fetching available versions to upgrade to\n"
        );
        let transcript = "[upgrade/versions] Cluster version: v1.8.1\n[upgrade/versions] kubeadm version: v1.9.0\n[upgrade/versions] Latest stable version: v1.9.0\n[upgrade/versions] Latest version in the v1.8 series: v1.8.6\n\nComponents that must be upgraded manually after you've upgraded the control plane with 'kubeadm upgrade apply':\nCOMPONENT   CURRENT      AVAILABLE\nKubelet     1 x v1.8.1   v1.8.6\n\nUpgrade to the latest version in the v1.8 series:\n\nCOMPONENT            CURRENT   AVAILABLE\nAPI Server           v1.8.1    v1.8.6\nController Manager   v1.8.1    v1.8.6\nScheduler            v1.8.1    v1.8.6\nKube Proxy           v1.8.1    v1.8.6\nKube DNS             1.14.4    1.14.5\n\nYou can now apply the upgrade by executing the following command:\n\n\tkubeadm upgrade apply v1.8.6\n\n_____________________________________________________________________\n\nComponents that must be upgraded manually after you've upgraded the control plane with 'kubeadm upgrade apply':\nCOMPONENT   CURRENT      AVAILABLE\nKubelet     1 x v1.8.1   v1.9.0\n\nUpgrade to the latest stable version:\n\nCOMPONENT            CURRENT   AVAILABLE\nAPI Server           v1.8.1    v1.9.0\nController Manager   v1.8.1    v1.9.0\nScheduler            v1.8.1    v1.9.0\nKube Proxy           v1.8.1    v1.9.0\nKube DNS             1.14.5    1.14.7\n\nYou can now apply the upgrade by executing the following command:\n\n\tkubeadm upgrade apply v1.9.0\n\nNote: Before you do can perform this upgrade, you have to update kubeadm to v1.9.0\n\n_____________________________________________________________________\n";
        // 1. kubeadm 1.9 derived the DNS CURRENT from the cluster version (1.8 → 1.14.5) in both
        //    tables; the sample's first table says 1.14.4. 2. The Note needs a kubeadm other than
        //    v1.9.0 (the sample's binary was a pre-release build). 3. kubeadm prints a blank
        //    line after the last separator, which the docs trimmed.
        let expected = transcript.replacen("1.14.4", "1.14.5", 1).replace(
            "Note: Before you do can perform this upgrade, you have to update kubeadm to v1.9.0\n\n",
            "",
        ) + "\n";
        assert_eq!(from_versions(&got.stdout), expected);
        assert_eq!((got.stderr.as_str(), got.exit), ("", 0));
    }

    #[test]
    fn plan_1_9_note_when_kubeadm_is_older() {
        let got = Case {
            kubeadm: "v1.8.3",
            cluster: "v1.8.1",
            cps: vec![cp("master", "v1.8.1", "3.0.17")],
            kubelets: vec![("master", "v1.8.1")],
            dns: ("kube-dns", "1.14.5"),
            external: false,
            patches: vec![(8, "v1.8.6")],
            stable: "v1.9.0",
        }
        .run();
        assert!(
            got.stdout
                .contains("\tkubeadm upgrade apply v1.8.6\n\nNote: Before you do can perform this upgrade, you have to update kubeadm to v1.8.6\n\n_____")
        );
        assert!(got.stdout.contains("update kubeadm to v1.9.0\n\n_____"));
    }

    /// kubeadm-plan-002 (1.14.0 docs sample): the docs were made offline, so both lookups fell
    /// back to kubeadm's own version (one block "in the v1.13 series" whose target is v1.14.0).
    /// kubeadm then prints the two `Latest …` lines, which the docs left out.
    #[test]
    fn plan_1_14_offline_fallback() {
        let got = Case {
            kubeadm: "v1.14.0",
            cluster: "v1.13.3",
            cps: vec![cp("myhost", "v1.13.3", "3.2.24")],
            kubelets: vec![("myhost", "v1.13.3"), ("worker", "v1.13.3")],
            dns: ("CoreDNS", "1.2.6"),
            external: false,
            patches: vec![],
            stable: "v1.14.0",
        }
        .run();
        let transcript = "[preflight] Running pre-flight checks.\n[upgrade] Making sure the cluster is healthy:\n[upgrade/config] Making sure the configuration is correct:\n[upgrade/config] Reading configuration from the cluster...\n[upgrade/config] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -oyaml'\n[upgrade] Fetching available versions to upgrade to\n[upgrade/versions] Cluster version: v1.13.3\n[upgrade/versions] kubeadm version: v1.14.0\n\nComponents that must be upgraded manually after you have upgraded the control plane with 'kubeadm upgrade apply':\nCOMPONENT   CURRENT       AVAILABLE\nKubelet     2 x v1.13.3   v1.14.0\n\nUpgrade to the latest version in the v1.13 series:\n\nCOMPONENT            CURRENT   AVAILABLE\nAPI Server           v1.13.3   v1.14.0\nController Manager   v1.13.3   v1.14.0\nScheduler            v1.13.3   v1.14.0\nKube Proxy           v1.13.3   v1.14.0\nCoreDNS              1.2.6     1.3.1\nEtcd                 3.2.24    3.3.10\n\nYou can now apply the upgrade by executing the following command:\n\n\tkubeadm upgrade apply v1.14.0\n\n_____________________________________________________________________\n";
        let expected = transcript.replace(
            "kubeadm version: v1.14.0\n",
            "kubeadm version: v1.14.0\n[upgrade/versions] Latest stable version: v1.14.0\n[upgrade/versions] Latest version in the v1.13 series: v1.14.0\n",
        ) + "\n";
        assert_eq!(got.stdout, expected);
    }

    /// kubeadm-plan-003 (1.18.0 docs sample), offline like 1.14's. Its kubelet row is
    /// hand-misaligned in the docs; every other byte is checked.
    #[test]
    fn plan_1_18_etcd_server_version() {
        let got = Case {
            kubeadm: "v1.18.0",
            cluster: "v1.17.3",
            cps: vec![cp("myhost", "v1.17.3", "3.4.3-0")],
            kubelets: vec![("myhost", "v1.17.3")],
            dns: ("CoreDNS", "1.6.5"),
            external: false,
            patches: vec![],
            stable: "v1.18.0",
        }
        .run();
        let transcript = "[upgrade/config] Making sure the configuration is correct:\n[upgrade/config] Reading configuration from the cluster...\n[upgrade/config] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -oyaml'\n[preflight] Running pre-flight checks.\n[upgrade] Running cluster health checks\n[upgrade] Fetching available versions to upgrade to\n[upgrade/versions] Cluster version: v1.17.3\n[upgrade/versions] kubeadm version: v1.18.0\n[upgrade/versions] Latest stable version: v1.18.0\n[upgrade/versions] Latest version in the v1.17 series: v1.18.0\n\nComponents that must be upgraded manually after you have upgraded the control plane with 'kubeadm upgrade apply':\nCOMPONENT   CURRENT             AVAILABLE\nKubelet     1 x v1.17.3   v1.18.0\n\nUpgrade to the latest version in the v1.17 series:\n\nCOMPONENT            CURRENT   AVAILABLE\nAPI Server           v1.17.3   v1.18.0\nController Manager   v1.17.3   v1.18.0\nScheduler            v1.17.3   v1.18.0\nKube Proxy           v1.17.3   v1.18.0\nCoreDNS              1.6.5     1.6.7\nEtcd                 3.4.3     3.4.3-0\n\nYou can now apply the upgrade by executing the following command:\n\n\tkubeadm upgrade apply v1.18.0\n\n_____________________________________________________________________\n";
        let expected = transcript.replace(
            "COMPONENT   CURRENT             AVAILABLE\nKubelet     1 x v1.17.3   v1.18.0\n",
            "COMPONENT   CURRENT       AVAILABLE\nKubelet     1 x v1.17.3   v1.18.0\n",
        ) + "\n";
        assert_eq!(got.stdout, expected);
    }

    /// kubeadm-plan-004 (1.26.15, verbatim; offline, so dl.k8s.io's stable fell back to kubeadm's
    /// version while `stable-1.25` answered). Its klog lines went to stderr and are not checked.
    #[test]
    fn plan_1_26_kubelets_newer_than_patch_target() {
        let got = Case {
            kubeadm: "v1.26.15",
            cluster: "v1.25.0",
            cps: vec![
                cp("K-KUBE-LAB-01", "v1.25.0", "3.5.4-0"),
                cp("K-KUBE-LAB-02", "v1.25.0", "3.5.4-0"),
                cp("K-KUBE-LAB-03", "v1.25.0", "3.5.4-0"),
            ],
            kubelets: vec![
                ("K-KUBE-LAB-01", "v1.26.15"),
                ("K-KUBE-LAB-02", "v1.26.15"),
                ("K-KUBE-LAB-03", "v1.26.15"),
                ("k-kube-lab-11", "v1.26.15"),
                ("k-kube-lab-12", "v1.26.15"),
            ],
            dns: ("CoreDNS", "v1.9.3"),
            external: false,
            patches: vec![(25, "v1.25.16"), (26, "v1.26.15")],
            stable: "v1.26.15",
        }
        .run();
        // The transcript's etcd TARGET (3.5.10-0) comes from kubeadm 1.26.15's own pins; the etcd
        // column here follows this tree's table (versions.rs), whatever it says.
        let transcript = "[upgrade/config] Making sure the configuration is correct:\n[upgrade/config] Reading configuration from the cluster...\n[upgrade/config] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'\n[preflight] Running pre-flight checks.\n[upgrade] Running cluster health checks\n[upgrade] Fetching available versions to upgrade to\n[upgrade/versions] Cluster version: v1.25.0\n[upgrade/versions] kubeadm version: v1.26.15\n[upgrade/versions] Target version: v1.26.15\n[upgrade/versions] Latest version in the v1.25 series: v1.25.16\n\nComponents that must be upgraded manually after you have upgraded the control plane with 'kubeadm upgrade apply':\nCOMPONENT   CURRENT        TARGET\nkubelet     5 x v1.26.15   v1.25.16\n\nUpgrade to the latest version in the v1.25 series:\n\nCOMPONENT                 CURRENT   TARGET\nkube-apiserver            v1.25.0   v1.25.16\nkube-controller-manager   v1.25.0   v1.25.16\nkube-scheduler            v1.25.0   v1.25.16\nkube-proxy                v1.25.0   v1.25.16\nCoreDNS                   v1.9.3    v1.9.3\netcd                      3.5.4-0   3.5.10-0\n\nYou can now apply the upgrade by executing the following command:\n\n\tkubeadm upgrade apply v1.25.16\n\n_____________________________________________________________________\n\nUpgrade to the latest stable version:\n\nCOMPONENT                 CURRENT   TARGET\nkube-apiserver            v1.25.0   v1.26.15\nkube-controller-manager   v1.25.0   v1.26.15\nkube-scheduler            v1.25.0   v1.26.15\nkube-proxy                v1.25.0   v1.26.15\nCoreDNS                   v1.9.3    v1.9.3\netcd                      3.5.4-0   3.5.10-0\n\nYou can now apply the upgrade by executing the following command:\n\n\tkubeadm upgrade apply v1.26.15\n\n_____________________________________________________________________\n\n\nThe table below shows the current state of component configs as understood by this version of kubeadm.\nConfigs that have a \"yes\" mark in the \"MANUAL UPGRADE REQUIRED\" column require manual config upgrade or\nresetting to kubeadm defaults before a successful upgrade can be performed. The version to manually\nupgrade to is denoted in the \"PREFERRED VERSION\" column.\n\nAPI GROUP                 CURRENT VERSION   PREFERRED VERSION   MANUAL UPGRADE REQUIRED\nkubeproxy.config.k8s.io   v1alpha1          v1alpha1            no\nkubelet.config.k8s.io     v1beta1           v1beta1             no\n_____________________________________________________________________\n";
        let expected = transcript
            .replacen("3.5.10-0", default_etcd_for(&v("v1.25.16")), 1)
            .replacen("3.5.10-0", default_etcd_for(&v("v1.26.15")), 1);
        assert_eq!(got.stdout, expected);
    }

    fn modern_1_32() -> Case {
        Case {
            kubeadm: "v1.32.1",
            cluster: "v1.31.0",
            cps: vec![cp("master", "v1.31.0", "3.5.15-0")],
            kubelets: vec![
                ("master", "v1.31.5"),
                ("worker1", "v1.31.5"),
                ("worker2", "v1.31.5"),
                ("worker3", "v1.31.5"),
            ],
            dns: ("CoreDNS", "v1.11.3"),
            external: false,
            patches: vec![(31, "v1.31.5"), (32, "v1.32.1")],
            stable: "v1.32.1",
        }
    }

    /// A real 1.32.1 run (reference §3.2's sources): the first block has the kubelet header and no
    /// rows, because every kubelet already runs the patch target.
    #[test]
    fn plan_1_32_per_node_tables() {
        let got = modern_1_32().run();
        let expected = "[preflight] Running pre-flight checks.\n[upgrade/config] Reading configuration from the \"kubeadm-config\" ConfigMap in namespace \"kube-system\"...\n[upgrade/config] Use 'kubeadm init phase upload-config --config your-config.yaml' to re-upload it.\n[upgrade] Running cluster health checks\n[upgrade] Fetching available versions to upgrade to\n[upgrade/versions] Cluster version: 1.31.0\n[upgrade/versions] kubeadm version: v1.32.1\n[upgrade/versions] Target version: v1.32.1\n[upgrade/versions] Latest version in the v1.31 series: v1.31.5\n\nComponents that must be upgraded manually after you have upgraded the control plane with 'kubeadm upgrade apply':\nCOMPONENT   NODE      CURRENT   TARGET\n\nUpgrade to the latest version in the v1.31 series:\n\nCOMPONENT                 NODE      CURRENT    TARGET\nkube-apiserver            master    v1.31.0    v1.31.5\nkube-controller-manager   master    v1.31.0    v1.31.5\nkube-scheduler            master    v1.31.0    v1.31.5\nkube-proxy                          1.31.0     v1.31.5\nCoreDNS                             v1.11.3    v1.11.3\netcd                      master    3.5.15-0   3.5.16-0\n\nYou can now apply the upgrade by executing the following command:\n\n\tkubeadm upgrade apply v1.31.5\n\n_____________________________________________________________________\n\nComponents that must be upgraded manually after you have upgraded the control plane with 'kubeadm upgrade apply':\nCOMPONENT   NODE      CURRENT   TARGET\nkubelet     master    v1.31.5   v1.32.1\nkubelet     worker1   v1.31.5   v1.32.1\nkubelet     worker2   v1.31.5   v1.32.1\nkubelet     worker3   v1.31.5   v1.32.1\n\nUpgrade to the latest stable version:\n\nCOMPONENT                 NODE      CURRENT    TARGET\nkube-apiserver            master    v1.31.0    v1.32.1\nkube-controller-manager   master    v1.31.0    v1.32.1\nkube-scheduler            master    v1.31.0    v1.32.1\nkube-proxy                          1.31.0     v1.32.1\nCoreDNS                             v1.11.3    v1.11.3\netcd                      master    3.5.15-0   3.5.16-0\n\nYou can now apply the upgrade by executing the following command:\n\n\tkubeadm upgrade apply v1.32.1\n\n_____________________________________________________________________\n\n\nThe table below shows the current state of component configs as understood by this version of kubeadm.\nConfigs that have a \"yes\" mark in the \"MANUAL UPGRADE REQUIRED\" column require manual config upgrade or\nresetting to kubeadm defaults before a successful upgrade can be performed. The version to manually\nupgrade to is denoted in the \"PREFERRED VERSION\" column.\n\nAPI GROUP                 CURRENT VERSION   PREFERRED VERSION   MANUAL UPGRADE REQUIRED\nkubeproxy.config.k8s.io   v1alpha1          v1alpha1            no\nkubelet.config.k8s.io     v1beta1           v1beta1             no\n_____________________________________________________________________\n\n";
        // The run this mirrors had kubeadm 1.32.1's etcd pin for 1.31 (3.5.16-0); this tree pins
        // 3.5.15-0 for 1.31, which only changes that one cell.
        let expected = expected.replacen(
            "3.5.15-0   3.5.16-0",
            &format!("3.5.15-0   {}", default_etcd_for(&v("v1.31.5"))),
            1,
        );
        assert_eq!(got.stdout, expected);
    }

    /// A real 1.31.7 run: a patch upgrade only, because `stable` (1.32.3) is capped to 1.31.
    #[test]
    fn plan_1_31_stable_capped_to_kubeadm_minor() {
        let case = Case {
            kubeadm: "v1.31.7",
            cluster: "v1.31.1",
            cps: vec![cp("master", "v1.31.1", "3.5.15-0")],
            kubelets: vec![("master", "v1.31.1"), ("worker", "v1.31.1")],
            dns: ("CoreDNS", "v1.11.3"),
            external: false,
            patches: vec![(31, "v1.31.7"), (32, "v1.32.3")],
            stable: "v1.32.3",
        };
        let stamp = KlogStamp {
            month: 3,
            day: 25,
            hour: 17,
            minute: 11,
            second: 9,
            micros: 44585,
            pid: 7977,
        };
        let got = case.run_klog(Some(&stamp));
        assert_eq!(
            got.stderr,
            "I0325 17:11:09.044585    7977 version.go:261] remote version is much newer: v1.32.3; falling back to: stable-1.31\n"
        );
        let expected = "[preflight] Running pre-flight checks.\n[upgrade/config] Reading configuration from the cluster...\n[upgrade/config] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'\n[upgrade] Running cluster health checks\n[upgrade] Fetching available versions to upgrade to\n[upgrade/versions] Cluster version: 1.31.1\n[upgrade/versions] kubeadm version: v1.31.7\n[upgrade/versions] Target version: v1.31.7\n[upgrade/versions] Latest version in the v1.31 series: v1.31.7\n\nComponents that must be upgraded manually after you have upgraded the control plane with 'kubeadm upgrade apply':\nCOMPONENT   NODE      CURRENT   TARGET\nkubelet     master    v1.31.1   v1.31.7\nkubelet     worker    v1.31.1   v1.31.7\n\nUpgrade to the latest version in the v1.31 series:\n\nCOMPONENT                 NODE      CURRENT    TARGET\nkube-apiserver            master    v1.31.1    v1.31.7\nkube-controller-manager   master    v1.31.1    v1.31.7\nkube-scheduler            master    v1.31.1    v1.31.7\nkube-proxy                          1.31.1     v1.31.7\nCoreDNS                             v1.11.3    v1.11.3\netcd                      master    3.5.15-0   3.5.15-0\n\nYou can now apply the upgrade by executing the following command:\n\n\tkubeadm upgrade apply v1.31.7\n\n_____________________________________________________________________\n\n\nThe table below shows the current state of component configs as understood by this version of kubeadm.\nConfigs that have a \"yes\" mark in the \"MANUAL UPGRADE REQUIRED\" column require manual config upgrade or\nresetting to kubeadm defaults before a successful upgrade can be performed. The version to manually\nupgrade to is denoted in the \"PREFERRED VERSION\" column.\n\nAPI GROUP                 CURRENT VERSION   PREFERRED VERSION   MANUAL UPGRADE REQUIRED\nkubeproxy.config.k8s.io   v1alpha1          v1alpha1            no\nkubelet.config.k8s.io     v1beta1           v1beta1             no\n_____________________________________________________________________\n\n";
        assert_eq!(got.stdout, expected);
    }

    /// A 1.30.0 run opens with "Making sure the configuration is correct:" (reference §3.2).
    #[test]
    fn plan_1_30_0_preamble_quirk() {
        let era = KubeadmEra::for_kubeadm(&v("v1.30.0"));
        assert!(preamble(&era, false).starts_with("[upgrade/config] Making sure the configuration is correct:\n[preflight] Running pre-flight checks.\n[upgrade/config] Reading configuration from the cluster...\n"));
        let era = KubeadmEra::for_kubeadm(&v("v1.30.5"));
        assert!(preamble(&era, false).starts_with("[preflight] Running pre-flight checks.\n[upgrade/config] Reading"));
    }

    /// The Note for a kubeadm older than the target it offers (a real 1.34.1 run), and the
    /// upload-config hint 1.34 already spells with `kubeadm`.
    #[test]
    fn plan_1_34_note_and_hint() {
        let got = Case {
            kubeadm: "v1.34.1",
            cluster: "v1.33.7",
            cps: vec![cp("ctrl-01", "v1.33.7", "3.5.24-0")],
            kubelets: vec![("ctrl-01", "v1.33.7"), ("wrk-01", "v1.33.7")],
            dns: ("CoreDNS", "v1.12.0"),
            external: false,
            patches: vec![(33, "v1.33.7"), (34, "v1.34.3")],
            stable: "v1.34.3",
        }
        .run();
        assert!(got.stdout.contains(
            "[upgrade/config] Use 'kubeadm init phase upload-config kubeadm --config your-config-file' to re-upload it.\n"
        ));
        assert!(got.stdout.contains("[upgrade/versions] Target version: v1.34.3\n[upgrade/versions] Latest version in the v1.33 series: v1.33.7\n\nComponents"));
        assert!(
            got.stdout
                .contains("CoreDNS                             v1.12.0    v1.12.1\n")
        );
        assert!(got.stdout.contains("\tkubeadm upgrade apply v1.34.3\n\nNote: Before you can perform this upgrade, you have to update kubeadm to v1.34.3.\n\n_____"));
        assert_eq!(got.stdout.matches("Upgrade to the latest").count(), 1);
    }

    #[test]
    fn upload_config_hint_by_release() {
        let hint = |s| KubeadmEra::for_kubeadm(&v(s)).upload_config_hint;
        assert_eq!(hint("v1.32.1"), "--config your-config.yaml");
        assert_eq!(hint("v1.33.6"), "--config your-config-file");
        assert_eq!(hint("v1.35.0"), "kubeadm --config your-config-file");
    }

    #[test]
    fn up_to_date_old_and_new() {
        let mut case = modern_1_32();
        case.kubeadm = "v1.31.5";
        case.cluster = "v1.31.5";
        case.cps = vec![cp("master", "v1.31.5", "3.5.15-0")];
        case.stable = "v1.31.5";
        let got = case.run();
        assert!(
            got.stdout.ends_with("Latest version in the v1.31 series: v1.31.5\n\n"),
            "{}",
            got.stdout
        );

        let got = Case {
            kubeadm: "v1.13.5",
            cluster: "v1.13.5",
            cps: vec![cp("m", "v1.13.5", "3.2.24")],
            kubelets: vec![("m", "v1.13.5")],
            dns: ("CoreDNS", "1.2.6"),
            external: false,
            patches: vec![(13, "v1.13.5")],
            stable: "v1.13.5",
        }
        .run();
        assert!(
            got.stdout
                .ends_with("series: v1.13.5\n\nAwesome, you're up-to-date! Enjoy!\n"),
            "{}",
            got.stdout
        );
    }

    /// 1.20 printed both version lines twice (a real 1.20.2 run with nothing to upgrade).
    #[test]
    fn plan_1_20_doubled_version_lines() {
        let got = Case {
            kubeadm: "v1.20.2",
            cluster: "v1.20.2",
            cps: vec![cp("master", "v1.20.2", "3.4.13-0")],
            kubelets: vec![("master", "v1.20.2")],
            dns: ("CoreDNS", "1.7.0"),
            external: false,
            patches: vec![(20, "v1.20.2")],
            stable: "v1.20.2",
        }
        .run();
        assert!(got.stdout.ends_with("[upgrade/versions] Cluster version: v1.20.2\n[upgrade/versions] kubeadm version: v1.20.2\n[upgrade/versions] Latest stable version: v1.20.2\n[upgrade/versions] Latest stable version: v1.20.2\n[upgrade/versions] Latest version in the v1.20 series: v1.20.2\n[upgrade/versions] Latest version in the v1.20 series: v1.20.2\n\n"));
    }

    #[test]
    fn several_kubelet_versions_old_table() {
        let got = Case {
            kubeadm: "v1.16.3",
            cluster: "v1.15.5",
            cps: vec![cp("a", "v1.15.5", "3.3.10")],
            kubelets: vec![("a", "v1.15.5"), ("b", "v1.15.10"), ("c", "v1.15.5")],
            dns: ("CoreDNS", "1.3.1"),
            external: false,
            patches: vec![(15, "v1.15.6"), (16, "v1.16.3")],
            stable: "v1.16.3",
        }
        .run();
        // Go's string sort puts v1.15.10 before v1.15.5; a second version gets its own row.
        assert!(got.stdout.contains(
            "COMPONENT   CURRENT        AVAILABLE\nKubelet     1 x v1.15.10   v1.15.6\n            2 x v1.15.5    v1.15.6\n"
        ), "{}", got.stdout);
        assert!(got.stdout.starts_with("[upgrade/config] Making sure the configuration is correct:\n[upgrade/config] Reading configuration from the cluster...\n[upgrade/config] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -oyaml'\n[preflight] Running pre-flight checks.\n[upgrade] Making sure the cluster is healthy:\n"));
    }

    #[test]
    fn ha_rows_per_node_and_external_etcd() {
        let mut case = modern_1_32();
        case.cps = vec![
            cp("cp1", "v1.31.0", ""),
            cp("cp2", "v1.31.0", ""),
            PlanControlPlane {
                apiserver: v("v1.31.4"),
                ..cp("cp3", "v1.31.0", "")
            },
        ];
        case.external = true;
        let got = case.run();
        assert!(got.stdout.contains("[upgrade/versions] Cluster version: 1.31.4\n"));
        assert!(
            got.stdout.contains("kube-apiserver            cp1       v1.31.0   v1.32.1\nkube-apiserver            cp2       v1.31.0   v1.32.1\nkube-apiserver            cp3       v1.31.4   v1.32.1\nkube-controller-manager   cp1       v1.31.0   v1.32.1\n"),
            "{}",
            got.stdout
        );
        assert!(!got.stdout.contains("\netcd "));
    }

    /// The kubeadm binary two minors ahead offers its own minor (which apply then refuses).
    #[test]
    fn kubeadm_two_minors_ahead_offers_its_own_minor() {
        let got = Case {
            kubeadm: "v1.33.2",
            cluster: "v1.31.5",
            cps: vec![cp("m", "v1.31.5", "3.5.15-0")],
            kubelets: vec![("m", "v1.31.5")],
            dns: ("CoreDNS", "v1.11.3"),
            external: false,
            patches: vec![(31, "v1.31.5"), (32, "v1.32.4"), (33, "v1.33.2"), (34, "v1.34.1")],
            stable: "v1.34.1",
        }
        .run();
        assert!(got.stdout.contains("Target version: v1.33.2\n"));
        assert!(got.stdout.contains("\tkubeadm upgrade apply v1.33.2\n"));
        assert!(!got.stdout.contains("Upgrade to the latest version in the v1.31 series"));
    }

    #[test]
    fn dns_versions() {
        assert_eq!(coredns_for(&v("v1.14.0")), "1.3.1");
        assert_eq!(coredns_for(&v("v1.18.2")), "1.6.7");
        assert_eq!(coredns_for(&v("v1.30.1")), "v1.11.3");
        assert_eq!(coredns_for(&v("v1.31.7")), "v1.11.3");
        assert_eq!(coredns_for(&v("v1.9.3")), "1.14.7");
        assert_eq!(dns_version_for_addon(&v("v1.12.1"), "kube-dns"), "1.14.10");
    }

    #[test]
    fn klog_stamp_pads_the_pid() {
        let s = KlogStamp {
            month: 9,
            day: 20,
            hour: 13,
            minute: 51,
            second: 19,
            micros: 925_772,
            pid: 1_997_562,
        };
        assert_eq!(
            s.line('W', "version.go:104", "x"),
            "W0920 13:51:19.925772 1997562 version.go:104] x\n"
        );
    }
}
