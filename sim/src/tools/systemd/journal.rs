//! The kubelet unit's journal rendered into lines: systemd's own (`Started kubelet: …`,
//! `Main process exited, code=exited, status=1/FAILURE`) and the kubelet's klog lines
//! (`I0108 10:03:11.123456     912 server.go:486] "Kubelet version" kubeletVersion="v1.31.2"`),
//! as a kubeadm kubelet at its default verbosity writes them.
//!
//! What repeats on a timer is derived here, not stored: while the API server cannot answer,
//! a running kubelet fails to update its node status every 10 s (five tries, then `Unable to
//! update node status`). File names and line numbers in the klog headers are those of the
//! 1.31 sources, approximately; older kubelets printed the same facts in other words.

use super::{Systemd, short_stamp, wall};
use crate::model::unit::{JournalEvent, OutageCause};
use crate::release::kubelet as kfiles;
use crate::time::{SimDuration, SimTime};
use crate::tools::api::NodeApi;

/// At most this many timer-driven repeats are rendered per outage (the last ones): journald's
/// own rate limit would drop most of a long outage's lines too.
const REPEATS_PER_OUTAGE: u64 = 60;

/// How often the kubelet posts its node status (`nodeStatusUpdateFrequency`).
const STATUS_PERIOD_MS: u64 = 10_000;

/// One line of the journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Line {
    pub at: SimTime,
    /// Microseconds within the millisecond, so lines written together keep their order.
    pub micros: u32,
    /// `systemd[1]` or `kubelet[PID]`.
    pub ident: String,
    pub message: String,
    /// klog's severity (`E`, `W`, `I`), or systemd's (`I`; `E` for failures): `-p err`.
    pub severity: char,
    /// The boot this line belongs to (journalctl prints `-- Boot ID --` between boots).
    pub boot: u64,
}

impl Line {
    /// journalctl's `short` format.
    pub(crate) fn short(&self, api: &dyn NodeApi) -> String {
        let w = wall(api, self.at);
        let host = &api.cluster().node(api.node()).name;
        format!("{} {host} {}: {}", short_stamp(&w), self.ident, self.message)
    }
}

/// A boot ID as journalctl prints it (32 hex digits), stable for a node and boot time.
pub(crate) fn boot_id(node: &str, at: SimTime) -> String {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15;
    for b in node.bytes().chain(at.ms().to_le_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let g = h.rotate_left(29).wrapping_mul(0x2545_f491_4f6c_dd1d);
    format!("{h:016x}{g:016x}")
}

struct Writer<'a> {
    api: &'a dyn NodeApi,
    systemd: Systemd,
    lines: Vec<Line>,
    boot: u64,
}

impl Writer<'_> {
    fn systemd(&mut self, at: SimTime, severity: char, message: String) {
        let micros = self.lines.len() as u32 % 1000;
        self.lines.push(Line {
            at,
            micros,
            ident: "systemd[1]".to_string(),
            message,
            severity,
            boot: self.boot,
        });
    }

    /// A klog line: `Lmmdd hh:mm:ss.uuuuuu PID file:line] msg`, the PID right-aligned in 7.
    fn klog(&mut self, at: SimTime, pid: u32, severity: char, source: &str, message: &str) {
        let micros = (self.lines.len() as u32 * 137 + 211) % 1000;
        let w = wall(self.api, at);
        let header = format!(
            "{severity}{:02}{:02} {:02}:{:02}:{:02}.{:03}{micros:03} {pid:>7} {source}]",
            w.month,
            w.day,
            w.hour,
            w.minute,
            w.second,
            w.nanos / 1_000_000
        );
        self.raw(at, pid, severity, format!("{header} {message}"));
    }

    /// A line the kubelet writes without klog's header (pflag's deprecation warnings).
    fn raw(&mut self, at: SimTime, pid: u32, severity: char, message: String) {
        let micros = self.lines.len() as u32 % 1000;
        self.lines.push(Line {
            at,
            micros,
            ident: format!("kubelet[{pid}]"),
            message,
            severity,
            boot: self.boot,
        });
    }

    fn title(&self) -> String {
        self.systemd.unit_title("kubelet", "kubelet: The Kubernetes Node Agent")
    }
}

/// The API endpoint the kubelets' kubeconfig names (the first control plane).
fn api_endpoint(api: &dyn NodeApi) -> String {
    let c = api.cluster();
    c.control_plane_ids()
        .first()
        .map(|id| c.node(*id).internal_ip.clone())
        .unwrap_or_else(|| "127.0.0.1".to_string())
}

/// Every line of the kubelet unit's journal on this node, oldest first.
pub(crate) fn kubelet_lines(api: &dyn NodeApi) -> Vec<Line> {
    let n = api.cluster().node(api.node());
    let mut w = Writer {
        api,
        systemd: Systemd::of(api),
        lines: Vec::new(),
        boot: 0,
    };
    let name = n.name.to_string();
    // Spans the kubelet ran: (from, to, pid).
    let mut running: Vec<(SimTime, SimTime, u32)> = Vec::new();
    let mut open: Option<(SimTime, u32)> = None;
    let mut failures = 0u32;
    let mut last_exit: Option<SimTime> = None;
    for e in n.journal.entries() {
        let at = e.at;
        let mut close = |open: &mut Option<(SimTime, u32)>| {
            if let Some((from, pid)) = open.take() {
                running.push((from, at, pid));
            }
        };
        match &e.event {
            JournalEvent::Booted => {
                close(&mut open);
                w.boot = at.ms() + 1;
                failures = 0;
            }
            JournalEvent::PoweredOff => close(&mut open),
            JournalEvent::KubeletStarted { pid, version } => {
                close(&mut open);
                auto_restart(&mut w, at, last_exit.take(), &mut failures);
                started(&mut w, at, *pid, version, &name);
                open = Some((at, *pid));
                failures = 0;
            }
            JournalEvent::KubeletStopped { pid } => {
                close(&mut open);
                let title = w.title();
                w.systemd(at, 'I', format!("Stopping {title}..."));
                w.klog(
                    at,
                    *pid,
                    'I',
                    "dynamic_cafile_content.go:174",
                    "\"Shutting down controller\" name=\"client-ca-bundle::/etc/kubernetes/pki/ca.crt\"",
                );
                if w.systemd >= Systemd::V249 {
                    w.systemd(at, 'I', "kubelet.service: Deactivated successfully.".to_string());
                }
                w.systemd(at, 'I', format!("Stopped {title}."));
                last_exit = None;
            }
            JournalEvent::KubeletExited { pid, error } => {
                close(&mut open);
                auto_restart(&mut w, at, last_exit.take(), &mut failures);
                let title = w.title();
                w.systemd(at, 'I', format!("Started {title}."));
                w.klog(
                    at,
                    *pid,
                    'E',
                    "run.go:72",
                    &format!("\"command failed\" err=\"{}\"", quote(error)),
                );
                w.systemd(
                    at,
                    'E',
                    "kubelet.service: Main process exited, code=exited, status=1/FAILURE".to_string(),
                );
                w.systemd(at, 'E', "kubelet.service: Failed with result 'exit-code'.".to_string());
                last_exit = Some(at);
            }
            JournalEvent::StaticPodAdded { .. } | JournalEvent::StaticPodRemoved { .. } => {}
            JournalEvent::MirrorPodCreated { pid, pod } => {
                w.klog(
                    at,
                    *pid,
                    'I',
                    "kubelet.go:1944",
                    &format!("\"Creating a mirror pod for static pod\" pod=\"{pod}\""),
                );
            }
            JournalEvent::BackOff {
                pid,
                pod,
                container,
                uid,
                backoff_s,
            } => {
                let (ns, pname) = pod.split_once('/').unwrap_or(("kube-system", pod));
                let uid = format!("{uid:032x}");
                let message = format!(
                    "\"Error syncing pod, skipping\" err=\"failed to \\\"StartContainer\\\" for \\\"{container}\\\" with CrashLoopBackOff: \\\"back-off {} restarting failed container={container} pod={pname}_{ns}({uid})\\\"\" pod=\"{pod}\" podUID=\"{uid}\"",
                    SimDuration::from_secs(*backoff_s).go_string()
                );
                w.klog(at, *pid, 'E', "pod_workers.go:1301", &message);
            }
        }
    }
    if let Some((from, pid)) = open {
        running.push((from, api.now(), pid));
    }
    outage_lines(&mut w, &running, &name);
    let mut lines = w.lines;
    lines.sort_by_key(|l| (l.at, l.micros));
    lines.retain(|l| l.at <= api.now());
    lines
}

/// systemd's lines between a kubelet's exit and its automatic restart 10 s later.
fn auto_restart(w: &mut Writer<'_>, at: SimTime, last_exit: Option<SimTime>, failures: &mut u32) {
    let Some(exit) = last_exit else { return };
    if at.saturating_sub(exit) > SimDuration::from_secs(11) {
        return;
    }
    *failures += 1;
    w.systemd(
        at,
        'I',
        format!("kubelet.service: Scheduled restart job, restart counter is at {failures}."),
    );
    let title = w.title();
    w.systemd(at, 'I', format!("Stopped {title}."));
}

/// What a kubelet writes as it starts and registers its node.
fn started(w: &mut Writer<'_>, at: SimTime, pid: u32, version: &str, node: &str) {
    let title = w.title();
    w.systemd(at, 'I', format!("Started {title}."));
    let n = w.api.cluster().node(w.api.node());
    let text = |path: &str| match n.fs.get(path) {
        Some(crate::model::hostfs::Entry::Text(t)) => Some(t.clone()),
        _ => None,
    };
    let flags = text(kfiles::FLAGS_ENV)
        .and_then(|t| kfiles::env_value(&t, "KUBELET_KUBEADM_ARGS"))
        .unwrap_or_default();
    let minor = crate::release::version::KubeVersion::parse(version).map_or(31, |v| v.minor);
    if minor >= 27 && flags.contains("--container-runtime-endpoint") {
        w.raw(at, pid, 'W', "Flag --container-runtime-endpoint has been deprecated, This parameter should be set via the config file specified by the Kubelet's --config flag. See https://kubernetes.io/docs/tasks/administer-cluster/kubelet-config-file/ for more information.".to_string());
    }
    if minor >= 27 && flags.contains("--pod-infra-container-image") {
        w.raw(at, pid, 'W', "Flag --pod-infra-container-image has been deprecated, will be removed in a future release. Image garbage collector will get sandbox image information from CRI.".to_string());
    }
    let ms = |k: u64| at + SimDuration(k);
    let runtime = &n.container_runtime;
    let (rt_name, rt_version) = runtime.split_once("://").unwrap_or(("containerd", "1.7.13"));
    let static_path = n.kubelet_unit.static_pod_path.clone();
    let up = w
        .api
        .cluster()
        .api_outages
        .iter()
        .all(|o| o.from > at || o.to.is_some_and(|t| t <= at));
    let lines: Vec<(u64, &str, String)> = vec![
        (
            9,
            "server.go:486",
            format!("\"Kubelet version\" kubeletVersion=\"{version}\""),
        ),
        (
            9,
            "server.go:488",
            "\"Golang settings\" GOGC=\"\" GOMAXPROCS=\"\" GOTRACEBACK=\"\"".to_string(),
        ),
        (
            10,
            "server.go:929",
            "\"Client rotation is on, will bootstrap in background\"".to_string(),
        ),
        (
            11,
            "certificate_store.go:130",
            "Loading cert/key pair from \"/var/lib/kubelet/pki/kubelet-client-current.pem\".".to_string(),
        ),
        (
            24,
            "kubelet.go:408",
            "\"Attempting to sync node with API server\"".to_string(),
        ),
        (
            24,
            "kubelet.go:303",
            format!("\"Adding static pod path\" path=\"{static_path}\""),
        ),
        (24, "kubelet.go:314", "\"Adding apiserver pod source\"".to_string()),
        (
            31,
            "kuberuntime_manager.go:262",
            format!(
                "\"Container runtime initialized\" containerRuntime=\"{rt_name}\" version=\"{rt_version}\" apiVersion=\"v1\""
            ),
        ),
        (39, "server.go:1269", "\"Started kubelet\"".to_string()),
        (
            92,
            "kubelet_node_status.go:72",
            format!("\"Attempting to register node\" node=\"{node}\""),
        ),
    ];
    for (k, source, message) in lines {
        w.klog(ms(k), pid, 'I', source, &message);
    }
    if up {
        if at > n.created_at {
            w.klog(
                ms(103),
                pid,
                'I',
                "kubelet_node_status.go:111",
                &format!("\"Node was previously registered\" node=\"{node}\""),
            );
        }
        w.klog(
            ms(103),
            pid,
            'I',
            "kubelet_node_status.go:75",
            &format!("\"Successfully registered node\" node=\"{node}\""),
        );
    } else {
        let ip = api_endpoint(w.api);
        w.klog(
            ms(104),
            pid,
            'E',
            "kubelet_node_status.go:95",
            &format!("\"Unable to register node with API server\" err=\"Post \\\"https://{ip}:6443/api/v1/nodes\\\": dial tcp {ip}:6443: connect: connection refused\" node=\"{node}\""),
        );
    }
}

/// A running kubelet's failed node status updates while the API could not answer.
fn outage_lines(w: &mut Writer<'_>, running: &[(SimTime, SimTime, u32)], node: &str) {
    let ip = api_endpoint(w.api);
    let outages = w.api.cluster().api_outages.clone();
    for o in outages {
        let to = o.to.unwrap_or(w.api.now());
        for &(from, until, pid) in running {
            let start = o.from.max(from);
            let end = to.min(until);
            if start >= end {
                continue;
            }
            // The status loop ticks every 10 s from the kubelet's start.
            let phase = (start.ms() - from.ms()) % STATUS_PERIOD_MS;
            let first = start.ms() + (STATUS_PERIOD_MS - phase) % STATUS_PERIOD_MS;
            if first >= end.ms() {
                continue;
            }
            let count = (end.ms() - 1 - first) / STATUS_PERIOD_MS + 1;
            let skip = count.saturating_sub(REPEATS_PER_OUTAGE);
            for k in skip..count {
                let at = SimTime(first + k * STATUS_PERIOD_MS);
                // With an API server that runs over a lost etcd, requests time out until its
                // liveness probe has it killed (90 s); after that, and otherwise, nothing listens.
                let timing_out =
                    o.cause == OutageCause::EtcdQuorum && at.saturating_sub(o.from) < SimDuration::from_secs(90);
                for attempt in 0..5 {
                    let query = if attempt == 0 {
                        "?resourceVersion=0&timeout=10s"
                    } else {
                        "?timeout=10s"
                    };
                    let cause = if timing_out {
                        "context deadline exceeded".to_string()
                    } else {
                        format!("dial tcp {ip}:6443: connect: connection refused")
                    };
                    w.klog(
                        at,
                        pid,
                        'E',
                        "kubelet_node_status.go:535",
                        &format!("\"Error updating node status, will retry\" err=\"error getting node \\\"{node}\\\": Get \\\"https://{ip}:6443/api/v1/nodes/{node}{query}\\\": {cause}\""),
                    );
                }
                w.klog(
                    at,
                    pid,
                    'E',
                    "kubelet_node_status.go:522",
                    "\"Unable to update node status\" err=\"update node status exceeds retry count\"",
                );
            }
        }
    }
}

/// A Go `%q`-style escape of an error inside a structured klog value.
fn quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boot_ids_are_32_hex_digits() {
        let id = boot_id("node01", SimTime(5));
        assert_eq!(id.len(), 32);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(id, boot_id("node01", SimTime(6)));
    }
}
