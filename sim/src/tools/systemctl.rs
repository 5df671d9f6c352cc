//! `systemctl` for the kubelet (the one unit maintenance touches), and `kubelet --version`.
//!
//! Stopping the kubelet leaves the containers running (unlike a crash): the node goes
//! NotReady after the grace period and its pods are evicted 300 s later, as after a crash.
//! A restart runs the kubelet binary that is installed now, which is how a kubelet package
//! upgrade takes effect.

use crate::model::NodeId;
use crate::shell::CommandOutput;
use crate::shell::output::{stderr, stdout};
use crate::tools::api::NodeApi;

/// Units a kubeadm node really has, which the simulator does not model.
const REAL_UNITS: &[&str] = &[
    "containerd",
    "docker",
    "cri-docker",
    "crio",
    "etcd",
    "ssh",
    "sshd",
    "systemd-resolved",
];

fn unit_name(arg: &str) -> &str {
    arg.strip_suffix(".service").unwrap_or(arg)
}

pub(crate) fn systemctl(api: &mut dyn NodeApi, args: &[String]) -> CommandOutput {
    let host = api.node();
    let mut out = CommandOutput::default();
    let words: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let Some((&verb, units)) = words.split_first() else {
        stderr(
            &mut out,
            "kubedrill: `systemctl` without a verb would list every unit; the simulator models only the kubelet",
        );
        out.status = 1;
        return out;
    };
    if verb == "daemon-reload" {
        api.daemon_reload();
        return out;
    }
    let known = [
        "start",
        "stop",
        "restart",
        "status",
        "is-active",
        "enable",
        "disable",
        "reload",
    ];
    if !known.contains(&verb) {
        stderr(&mut out, format!("Unknown command verb {verb}."));
        out.status = 1;
        return out;
    }
    if units.is_empty() {
        stderr(&mut out, "Too few arguments.");
        out.status = 1;
        return out;
    }
    for unit in units {
        let name = unit_name(unit);
        if REAL_UNITS.contains(&name) {
            stderr(
                &mut out,
                format!("kubedrill: the {name} unit exists on a real node but is not modelled; only the kubelet is"),
            );
            out.status = 1;
            continue;
        }
        if name != "kubelet" {
            let msg = match verb {
                "status" | "is-active" => format!("Unit {name}.service could not be found."),
                _ => format!("Failed to {verb} {name}.service: Unit {name}.service not found."),
            };
            stderr(&mut out, msg);
            out.status = if verb == "status" { 4 } else { 5 };
            continue;
        }
        if matches!(verb, "start" | "restart" | "reload") && api.cluster().node(host).unit_changed {
            stderr(
                &mut out,
                "Warning: kubelet.service changed on disk. Run 'systemctl daemon-reload' to reload units.",
            );
        }
        match verb {
            "stop" => api.kubelet_stop(),
            "start" => api.kubelet_start(),
            "restart" | "reload" => {
                api.kubelet_stop();
                api.kubelet_start();
            }
            "status" => {
                let running = api.cluster().node(host).kubelet_running;
                for l in status_lines(api, host) {
                    stdout(&mut out, l);
                }
                if !running {
                    out.status = 3;
                }
            }
            "is-active" => {
                let running = api.cluster().node(host).kubelet_running;
                stdout(&mut out, if running { "active" } else { "inactive" });
                if !running {
                    out.status = 3;
                }
            }
            // enable/disable change only what happens at boot, which the model does not vary.
            _ => {}
        }
    }
    api.settle();
    out
}

fn status_lines(api: &dyn NodeApi, host: NodeId) -> Vec<String> {
    let n = api.cluster().node(host);
    let mut l = vec![
        "● kubelet.service - kubelet: The Kubernetes Node Agent".to_string(),
        "     Loaded: loaded (/lib/systemd/system/kubelet.service; enabled; vendor preset: enabled)".to_string(),
        "    Drop-In: /usr/lib/systemd/system/kubelet.service.d".to_string(),
        "             └─10-kubeadm.conf".to_string(),
    ];
    if n.kubelet_running {
        l.push("     Active: active (running)".to_string());
        l.push("       Docs: https://kubernetes.io/docs/".to_string());
        l.push(format!("   Main PID: 4242 (kubelet {})", n.kubelet_version));
    } else {
        l.push("     Active: inactive (dead)".to_string());
        l.push("       Docs: https://kubernetes.io/docs/".to_string());
    }
    l
}

/// `kubelet --version` runs the installed binary, whatever the running kubelet is.
pub(crate) fn kubelet(api: &dyn NodeApi, args: &[String]) -> CommandOutput {
    let mut out = CommandOutput::default();
    match args.first().map(String::as_str) {
        Some("--version") | Some("-version") => {
            stdout(&mut out, format!("Kubernetes {}", api.installed_kubelet()));
        }
        _ => {
            stderr(
                &mut out,
                "kubedrill: the kubelet runs as a systemd unit here; use `systemctl restart kubelet` or `kubelet --version`",
            );
            out.status = 1;
        }
    }
    out
}
