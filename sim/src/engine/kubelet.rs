//! The kubelet process as systemd runs it: at every start it reads the command line systemd
//! builds from kubeadm's drop-in (`KUBELET_KUBECONFIG_ARGS`, `KUBELET_CONFIG_ARGS`, the
//! `kubeadm-flags.env` and `/etc/default/kubelet` variables) and its `--config` file, and exits
//! at once when one of them is wrong (an unknown flag, a config that does not load, a missing
//! kubeconfig, a runtime socket that is not there). systemd then restarts it every 10 s
//! (`Restart=always`, `RestartSec=10`) until the files are fixed, so fixing them is enough:
//! no `systemctl restart` is needed, as on a real node. Each start, stop and failure goes to
//! the node's journal (`model::unit`).

use crate::engine::{Engine, Timer};
use crate::model::NodeId;
use crate::model::hostfs::Entry;
use crate::model::status::DeleteCause;
use crate::model::unit::{JournalEvent, pid_at};
use crate::release::kubelet as files;
use crate::release::version::KubeVersion;
use crate::time::SimDuration;
use std::collections::BTreeMap;
use std::sync::Arc;

/// systemd's `RestartSec=10` in the kubelet unit.
pub(crate) const RESTART_SEC: SimDuration = SimDuration::from_secs(10);

/// What a kubelet that starts has read.
#[derive(Clone, Debug)]
pub(crate) struct KubeletSettings {
    pub static_pod_path: String,
}

/// A kubelet start's reading of its files, kept for the next node whose files are the same
/// map (nodes provisioned alike share one until they write): booting a 5,000-node cluster
/// read and checked the same files 5,000 times. The map is held, so its address cannot be
/// reused by another while the memo stands.
#[derive(Clone, Debug)]
pub(crate) struct PreflightMemo {
    files: Arc<BTreeMap<String, Entry>>,
    version: KubeVersion,
    runtime: String,
    result: Result<KubeletSettings, String>,
}

impl Engine {
    /// [`Engine::kubelet_preflight`], answered from the memo when the node's files, kubelet
    /// version and runtime are the ones it was worked out for.
    pub(crate) fn kubelet_preflight_memo(
        &mut self,
        node: NodeId,
        version: &KubeVersion,
    ) -> Result<KubeletSettings, String> {
        let n = self.cluster.node(node);
        if let Some(m) = &self.preflight_memo
            && Arc::ptr_eq(&m.files, &n.fs.entries)
            && m.version == *version
            && m.runtime == n.container_runtime
        {
            return m.result.clone();
        }
        let result = self.kubelet_preflight(node, version);
        let n = self.cluster.node(node);
        self.preflight_memo = Some(PreflightMemo {
            files: n.fs.entries.clone(),
            version: version.clone(),
            runtime: n.container_runtime.clone(),
            result: result.clone(),
        });
        result
    }

    /// The kubelet's start-up checks on `node`, reading that machine's files as the kubelet
    /// binary `version` would. The error is the kubelet's `"command failed" err=…` text.
    pub(crate) fn kubelet_preflight(&self, node: NodeId, version: &KubeVersion) -> Result<KubeletSettings, String> {
        let default = KubeletSettings {
            static_pod_path: "/etc/kubernetes/manifests".to_string(),
        };
        // Before 1.11 kubeadm kept every setting in the drop-in; nothing else to read.
        if version.minor < 11 {
            return Ok(default);
        }
        let n = self.cluster.node(node);
        let text = |path: &str| match n.fs.get(path) {
            Some(Entry::Text(t)) => Some(t.as_str()),
            _ => None,
        };
        let paths = files::unit_paths(version);
        let drop_in = text(&paths.drop_in()).or_else(|| {
            text("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf")
                .or_else(|| text("/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"))
        });
        let Some(drop_in) = drop_in else {
            // Without kubeadm's drop-in the kubelet runs bare (standalone): nothing to check.
            return Ok(default);
        };
        let environment = |var: &str| -> String {
            drop_in
                .lines()
                .filter_map(|l| l.trim().strip_prefix("Environment="))
                .find_map(|v| files::env_value(v.trim_matches('"'), var))
                .unwrap_or_default()
        };
        let kubeadm = text(files::FLAGS_ENV)
            .and_then(|t| files::env_value(t, "KUBELET_KUBEADM_ARGS"))
            .unwrap_or_default();
        let extra = text(files::DEFAULT_KUBELET)
            .and_then(|t| files::env_value(t, "KUBELET_EXTRA_ARGS"))
            .unwrap_or_default();
        let args = files::command_line(
            &environment("KUBELET_KUBECONFIG_ARGS"),
            &environment("KUBELET_CONFIG_ARGS"),
            &kubeadm,
            &extra,
        );
        files::check_flags(version, &args)?;
        let flag = |name: &str| {
            args.iter().rev().find_map(|a| {
                let value = a.strip_prefix("--")?.strip_prefix(name)?.strip_prefix('=')?;
                Some(value.to_string())
            })
        };
        let mut settings = default;
        if let Some(config) = flag("config") {
            settings.static_pod_path = match text(&config) {
                // The file as kubeadm writes it for this release, which is what nearly every
                // start reads: its answer is known without decoding YAML (the decoding was
                // most of a kubelet restart's cost on a 5,000-node upgrade).
                Some(t) if t == files::config_yaml_text(version) => KUBEADM_STATIC_POD_PATH.to_string(),
                t => load_config(t, &config)?,
            };
        }
        if let Some(path) = flag("pod-manifest-path") {
            settings.static_pod_path = path;
        }
        let kubeconfig = flag("kubeconfig");
        let bootstrap = flag("bootstrap-kubeconfig");
        if let Some(k) = kubeconfig.as_deref()
            && n.fs.get(k).is_none()
        {
            let b = bootstrap.unwrap_or_default();
            if b.is_empty() || n.fs.get(&b).is_none() {
                return Err(format!(
                    "failed to run Kubelet: unable to load bootstrap kubeconfig: stat {b}: no such file or directory"
                ));
            }
        }
        if let Some(endpoint) = flag("container-runtime-endpoint") {
            let socket = endpoint.strip_prefix("unix://").unwrap_or(&endpoint);
            let real = if files::uses_containerd(&n.container_runtime) {
                "/var/run/containerd/containerd.sock"
            } else {
                "/var/run/dockershim.sock"
            };
            if socket != real && socket != real.replacen("/var/run", "/run", 1) {
                return Err(format!(
                    "failed to run Kubelet: validate service connection: validate CRI v1 runtime API for endpoint \"{endpoint}\": rpc error: code = Unavailable desc = connection error: desc = \"transport: Error while dialing: dial unix {socket}: connect: no such file or directory\""
                ));
            }
        }
        Ok(settings)
    }

    /// The kubelet started with good files: a new process, and the journal says so.
    pub(crate) fn kubelet_process_started(&mut self, node: NodeId, settings: KubeletSettings) {
        let now = self.now;
        let n = self.cluster.node_mut(node);
        let pid = pid_at(&n.name, now, 1);
        let version: Arc<str> = Arc::from(n.kubelet_version.to_string().as_str());
        let u = &mut n.kubelet_unit;
        u.failing = None;
        u.restarts = 0;
        u.retry_gen += 1;
        u.since = now;
        u.pid = pid;
        u.static_pod_path = settings.static_pod_path;
        n.journal.push(now, JournalEvent::KubeletStarted { pid, version });
    }

    /// The kubelet exited at start with `error`: systemd restarts it in 10 s.
    pub(crate) fn kubelet_process_exited(&mut self, node: NodeId, error: String) {
        let now = self.now;
        let n = self.cluster.node_mut(node);
        let pid = pid_at(&n.name, now, 1);
        let error: Arc<str> = Arc::from(error.as_str());
        let u = &mut n.kubelet_unit;
        if u.failing.is_none() {
            u.restarts = 0;
        }
        u.failing = Some(error.clone());
        u.retry_gen += 1;
        u.since = now;
        u.pid = pid;
        let generation = u.retry_gen;
        n.journal.push(now, JournalEvent::KubeletExited { pid, error });
        self.schedule(now + RESTART_SEC, Timer::KubeletRestart { node, generation });
    }

    /// systemd's automatic restart of a kubelet that exited.
    pub(crate) fn on_kubelet_restart(&mut self, node: NodeId, generation: u64) {
        if !self.cluster.node_exists(node) {
            return;
        }
        let n = self.cluster.node_mut(node);
        if n.kubelet_unit.retry_gen != generation || n.kubelet_unit.failing.is_none() || !n.powered_on {
            return;
        }
        n.kubelet_unit.restarts += 1;
        self.kubelet_start(node);
    }

    /// The kubelet is stopped (`systemctl stop`), or its auto-restart loop is.
    pub(crate) fn kubelet_unit_stopped(&mut self, node: NodeId) {
        let now = self.now;
        let n = self.cluster.node_mut(node);
        let pid = n.kubelet_unit.pid;
        let was_failing = n.kubelet_unit.failing.take().is_some();
        n.kubelet_unit.retry_gen += 1;
        n.kubelet_unit.since = now;
        if !was_failing {
            n.journal.push(now, JournalEvent::KubeletStopped { pid });
        }
    }

    /// A machine provisioned by kubeadm: booted, and its kubelet started.
    pub(crate) fn kubelet_booted(&mut self, node: NodeId) {
        let now = self.now;
        let n = self.cluster.node_mut(node);
        n.booted_at = now;
        n.journal.push(now, JournalEvent::Booted);
        let version = n.kubelet_version.clone();
        if let Ok(settings) = self.kubelet_preflight_memo(node, &version) {
            self.kubelet_process_started(node, settings);
        }
    }

    /// The etcd container exited at start: the kubelet starts it again after its back-off
    /// (10 s, doubling to 5 min), and says so in the journal.
    pub(crate) fn schedule_etcd_retry(&mut self, node: NodeId) {
        let Some((uid, restarts)) = self.etcd_pod(node) else {
            return;
        };
        let backoff_s = (10u64 << restarts.saturating_sub(1).min(5)).min(300);
        let pod: Arc<str> = Arc::from(format!("kube-system/etcd-{}", self.cluster.node(node).name).as_str());
        self.kubelet_journal(node, |pid| JournalEvent::BackOff {
            pid,
            pod,
            container: Arc::from("etcd"),
            uid,
            backoff_s,
        });
        self.schedule_etcd_retry_at(node, self.now + SimDuration::from_secs(backoff_s));
    }

    pub(crate) fn schedule_etcd_retry_at(&mut self, node: NodeId, at: crate::time::SimTime) {
        if let Some((uid, restarts)) = self.etcd_pod(node) {
            self.schedule(at, Timer::EtcdRetry { node, uid, restarts });
        }
    }

    fn etcd_pod(&self, node: NodeId) -> Option<(u64, u32)> {
        let name = format!("etcd-{}", self.cluster.node(node).name);
        let p = self.cluster.pod(self.cluster.pod_id("kube-system", &name)?)?;
        Some((p.uid, p.restarts))
    }

    /// The back-off is over: the kubelet starts the etcd container again.
    pub(crate) fn on_etcd_retry(&mut self, node: NodeId, uid: u64, restarts: u32) {
        if !self.cluster.node_exists(node) || self.etcd_pod(node) != Some((uid, restarts)) {
            return;
        }
        let n = self.cluster.node(node);
        let retry = n.powered_on
            && n.kubelet_running
            && n.control_plane
                .as_ref()
                .is_some_and(|cp| cp.etcd_retry && cp.etcd_failed.is_some());
        if !retry {
            return;
        }
        if let Some(cp) = self.cluster.node_mut(node).control_plane.as_mut() {
            cp.etcd_failed = None;
        }
        // It fails again (and schedules the next try), or it runs.
        self.etcd_member_up(node);
        let running = self
            .cluster
            .node(node)
            .control_plane
            .as_ref()
            .is_some_and(|cp| cp.etcd_failed.is_none());
        if running {
            if let Some(cp) = self.cluster.node_mut(node).control_plane.as_mut() {
                cp.etcd_retry = false;
            }
            let ready = self.cluster.node(node).ready == crate::model::ReadyStatus::True;
            let name = format!("etcd-{}", self.cluster.node(node).name);
            if let Some(id) = self.cluster.pod_id("kube-system", &name) {
                let now = self.now;
                self.cluster.update_pod(id, |p| {
                    p.status_reason = None;
                    p.ready = ready;
                    p.started_at = Some(now);
                    p.restarts += 1;
                    p.last_restart = Some(now);
                });
            }
        }
    }

    /// A static pod's mirror pod was deleted through the API: its containers keep running and
    /// the kubelet creates the mirror pod again (a new object: new UID, new age) at its next
    /// sync, a moment later.
    pub(crate) fn mirror_pod_deleted(&mut self, id: crate::model::PodId) {
        let Some(p) = self.cluster.pod(id) else { return };
        let crate::model::Owner::Mirror(node) = p.owner else {
            return;
        };
        let (uid, phase, ready, started, restarts, last, reason, name) = (
            p.uid,
            p.phase,
            p.ready,
            p.started_at,
            p.restarts,
            p.last_restart,
            p.status_reason,
            p.name.clone(),
        );
        let component = crate::release::components::StaticPod::ALL
            .into_iter()
            .find(|c| *name == *format!("{}-{}", c.name(), self.cluster.node(node).name));
        let label = self.pod_label(p);
        self.record(crate::trace::Event::PodDeleted {
            pod: label,
            node: self.cluster.node(node).name.clone(),
            by: DeleteCause::User.as_str(),
        });
        self.force_remove(id, uid);
        let Some(component) = component else { return };
        let n = self.cluster.node(node);
        if !n.powered_on || !n.kubelet_running {
            // Nobody recreates it until the kubelet runs again (it does at its start).
            return;
        }
        if let Some(new) = crate::engine::setup::add_static_pod(self, node, component) {
            self.cluster.update_pod(new, |p| {
                p.phase = phase;
                p.ready = ready;
                p.started_at = started.map(|_| p.created_at);
                p.restarts = restarts;
                p.last_restart = last;
                p.status_reason = reason;
            });
            let pod: Arc<str> = Arc::from(format!("kube-system/{name}").as_str());
            self.kubelet_journal(node, |pid| JournalEvent::MirrorPodCreated { pid, pod });
        }
    }

    /// What `kubeadm upgrade` writes for the kubelet of `v`: its config file, and its flags
    /// file without the flags that kubelet no longer accepts.
    pub(crate) fn kubeadm_kubelet_files(&mut self, node: NodeId, v: &KubeVersion) {
        if v.minor < 11 {
            return;
        }
        let fs = &mut self.cluster.node_mut(node).fs;
        fs.put(files::CONFIG_YAML, Entry::Text(files::config_yaml_text(v)));
        if let Some(Entry::Text(t)) = fs.get(files::FLAGS_ENV)
            && let Some(args) = files::env_value(t, "KUBELET_KUBEADM_ARGS")
        {
            let kept: Vec<&str> = args
                .split_whitespace()
                .filter(|a| {
                    let name = a.trim_start_matches('-').split('=').next().unwrap_or_default();
                    files::accepts_flag(v, name)
                })
                .collect();
            let text = format!("KUBELET_KUBEADM_ARGS=\"{}\"\n", kept.join(" "));
            fs.put(files::FLAGS_ENV, Entry::Text(text));
        }
    }

    /// `systemctl enable|disable kubelet`.
    pub(crate) fn set_kubelet_enabled(&mut self, node: NodeId, on: bool) {
        self.cluster.node_mut(node).kubelet_unit.enabled = on;
    }

    /// A line for the node's journal, from the running kubelet.
    pub(crate) fn kubelet_journal(&mut self, node: NodeId, event: impl FnOnce(u32) -> JournalEvent) {
        if !self.cluster.node_exists(node) {
            return;
        }
        let now = self.now;
        let n = self.cluster.node_mut(node);
        let pid = n.kubelet_unit.pid;
        n.journal.push(now, event(pid));
    }
}

/// The `staticPodPath` of [`files::config_yaml_text`].
const KUBEADM_STATIC_POD_PATH: &str = "/etc/kubernetes/manifests";

/// Loads `--config`: the file must exist, parse, and be a KubeletConfiguration. Returns its
/// `staticPodPath`.
fn load_config(text: Option<&str>, path: &str) -> Result<String, String> {
    let prefix = format!(
        "failed to load kubelet config file, path: {path}, error: failed to load Kubelet config file {path}, error"
    );
    let Some(text) = text else {
        return Err(format!(
            "{prefix} failed to read kubelet config file \"{path}\", error: open {path}: no such file or directory"
        ));
    };
    let value: serde_json::Value = yaml_serde::from_str(text).map_err(|e| format!("{prefix} failed to decode: {e}"))?;
    let kind = value.get("kind").and_then(|k| k.as_str()).unwrap_or_default();
    if kind != "KubeletConfiguration" {
        let shown = if kind.is_empty() { "\"\"" } else { kind };
        return Err(format!(
            "{prefix} failed to decode: no kind \"{shown}\" is registered for version \"{}\" in scheme \"pkg/kubelet/apis/config/scheme/scheme.go:28\"",
            value.get("apiVersion").and_then(|k| k.as_str()).unwrap_or_default()
        ));
    }
    Ok(value
        .get("staticPodPath")
        .and_then(|p| p.as_str())
        .unwrap_or_default()
        .to_string())
}

/// The kubelet files kubeadm leaves on a node whose kubelet package is `v`.
pub(crate) fn provision_kubelet_files(fs: &mut crate::model::hostfs::HostFs, v: &KubeVersion, runtime: &str) {
    let paths = files::unit_paths(v);
    fs.put(paths.unit, Entry::Text(files::unit_text().to_string()));
    fs.put(&paths.drop_in(), Entry::Text(files::drop_in_text(v)));
    fs.put(
        files::DEFAULT_KUBELET,
        Entry::Text(files::default_kubelet_text().to_string()),
    );
    if v.minor >= 11 {
        fs.put(files::CONFIG_YAML, Entry::Text(files::config_yaml_text(v)));
        fs.put(files::FLAGS_ENV, Entry::Text(files::flags_env_text(v, runtime)));
    }
    fs.put("/var/lib/kubelet/pki/kubelet-client-current.pem", Entry::Pem);
    fs.put("/var/lib/kubelet/pki/kubelet.crt", Entry::Pem);
    fs.put("/var/lib/kubelet/pki/kubelet.key", Entry::Pem);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_that_is_missing_or_wrong_stops_the_kubelet() {
        let missing = load_config(None, "/var/lib/kubelet/config.yaml").unwrap_err();
        assert!(
            missing.ends_with("open /var/lib/kubelet/config.yaml: no such file or directory"),
            "{missing}"
        );
        let v = KubeVersion::new(1, 31, 2);
        assert_eq!(
            load_config(Some(&files::config_yaml_text(&v)), "/x").as_deref(),
            Ok("/etc/kubernetes/manifests")
        );
        // The shortcut for kubeadm's own file gives what decoding it gives, in every release.
        for minor in 11..=36 {
            let v = KubeVersion::new(1, minor, 0);
            assert_eq!(
                load_config(Some(&files::config_yaml_text(&v)), "/x").as_deref(),
                Ok(KUBEADM_STATIC_POD_PATH),
                "1.{minor}"
            );
        }
        assert!(
            load_config(Some("kind: Pod\n"), "/x")
                .unwrap_err()
                .contains("no kind \"Pod\"")
        );
        assert!(
            load_config(Some("a: [\n"), "/x")
                .unwrap_err()
                .contains("failed to decode")
        );
    }

    /// Workers provisioned alike share their files and a kubelet start's reading of them; a
    /// node that changed its files is read again, and one that did not still starts.
    #[test]
    fn a_start_is_answered_from_the_memo_only_for_the_same_files() {
        let scenario: crate::scenario::Scenario = yaml_serde::from_str(
            "apiVersion: kubedrill/v1\nkind: Scenario\nmetadata: {name: memo}\ncluster:\n  kubernetesVersion: v1.31.2\n  nodes: [{name: cp, role: control-plane}]\n  pools: [{namePrefix: node, count: 3, role: worker}]\nsteps: []\n",
        )
        .expect("scenario");
        let mut sim = crate::runner::prepare(&scenario, crate::rng::Seed(1)).expect("cluster");
        let id = |sim: &crate::Sim, name: &str| sim.cluster().node_id(name).expect("node");
        let (n1, n2) = (id(&sim, "node01"), id(&sim, "node02"));
        let shared =
            |sim: &crate::Sim| Arc::ptr_eq(&sim.cluster().node(n1).fs.entries, &sim.cluster().node(n2).fs.entries);
        assert!(shared(&sim), "workers provisioned alike share one map");
        let restart = |sim: &mut crate::Sim, node: &str| {
            sim.run_line(node, "systemctl restart kubelet; systemctl is-active kubelet")
                .text()
        };
        assert_eq!(restart(&mut sim, "node01"), "active\n");
        let broken = "echo 'KUBELET_KUBEADM_ARGS=\"--network-plugin=cni\"' > /var/lib/kubelet/kubeadm-flags.env";
        assert_eq!(sim.run_line("node02", broken).status, 0);
        assert!(!shared(&sim), "the write gave node02 its own map");
        assert_ne!(restart(&mut sim, "node02"), "active\n", "node02's own files are read");
        assert_eq!(restart(&mut sim, "node03"), "active\n");
        assert_ne!(restart(&mut sim, "node02"), "active\n");
    }
}
