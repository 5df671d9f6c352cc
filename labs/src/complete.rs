//! Tab completion: what could come next at the end of a line.
//!
//! The word being completed is the text after the line's last space or `=` (so
//! `--data-dir=/var/li` completes the path). What is offered depends on the command before it:
//! command names first, then each tool's subcommands and flags, node names where kubectl,
//! ssh or scp want a node, pod names after `kubectl ... pod`, namespaces after `-n`, and paths
//! on the current host for words that look like paths or follow commands that take files.

use crate::session::{BUILTINS, STUDY_COMMANDS};
use kubedrill_sim::Sim;
use kubedrill_sim::hostfs::{DataDir, Entry, Found};
use std::collections::BTreeSet;

const COMMANDS: &[&str] = &[
    "apt",
    "apt-cache",
    "apt-get",
    "apt-mark",
    "awk",
    "cat",
    "cd",
    "column",
    "cp",
    "crictl",
    "cut",
    "echo",
    "etcdctl",
    "etcdutl",
    "export",
    "grep",
    "head",
    "k",
    "kubeadm",
    "kubectl",
    "kubelet",
    "ls",
    "mkdir",
    "mv",
    "nano",
    "pwd",
    "rm",
    "rollback",
    "scp",
    "sed",
    "sleep",
    "sort",
    "ssh",
    "sudo",
    "systemctl",
    "tail",
    "truncate",
    "uniq",
    "vi",
    "vim",
    "wc",
];

const KUBECTL_VERBS: &[&str] = &[
    "cordon", "create", "delete", "describe", "drain", "get", "logs", "set", "uncordon", "version",
];

const RESOURCES: &[&str] = &[
    "daemonsets",
    "deployments",
    "jobs",
    "namespaces",
    "nodes",
    "pdb",
    "pods",
    "replicasets",
    "statefulsets",
];

const FILE_COMMANDS: &[&str] = &[
    "cat", "cp", "grep", "head", "ls", "mkdir", "mv", "nano", "rm", "sed", "tail", "truncate", "vi", "vim", "wc",
    "rollback",
];

fn kubectl_flags(verb: &str) -> &'static [&'static str] {
    match verb {
        "drain" => &[
            "--delete-emptydir-data",
            "--disable-eviction",
            "--dry-run=",
            "--force",
            "--grace-period=",
            "--ignore-daemonsets",
            "--pod-selector=",
            "--selector=",
            "--skip-wait-for-delete-timeout=",
            "--timeout=",
        ],
        "get" => &[
            "--all-namespaces",
            "--field-selector=",
            "--no-headers",
            "--namespace=",
            "--output=",
            "--selector=",
            "--show-labels",
            "-A",
            "-l",
            "-n",
            "-o",
        ],
        "delete" => &[
            "--force",
            "--grace-period=",
            "--ignore-not-found",
            "--namespace=",
            "--now",
            "--wait=",
            "-n",
        ],
        "describe" | "logs" => &["--namespace=", "-n"],
        "cordon" | "uncordon" => &["--dry-run=", "--selector=", "-l"],
        "create" => &["--image=", "--namespace=", "--replicas=", "-n"],
        "set" => &["--namespace=", "-n"],
        _ => &[],
    }
}

const ETCDCTL_FLAGS: &[&str] = &[
    "--cacert=",
    "--cert=",
    "--data-dir=",
    "--endpoints=",
    "--initial-advertise-peer-urls=",
    "--initial-cluster-token=",
    "--initial-cluster=",
    "--key=",
    "--name=",
    "--peer-urls=",
    "--skip-hash-check",
    "--write-out=",
    "-w",
];

/// Words of the simple command the cursor is in (after the last `|`, `;`, `&&`, `||`, `$(`).
fn command_words(before: &str) -> Vec<&str> {
    let mut start = 0;
    for sep in ["|", ";", "&&", "$(", "`"] {
        if let Some(i) = before.rfind(sep) {
            start = start.max(i + sep.len());
        }
    }
    let mut words: Vec<&str> = before[start..].split_whitespace().collect();
    while words.first().is_some_and(|w| *w == "sudo" || is_assignment(w)) {
        words.remove(0);
    }
    words
}

fn is_assignment(w: &str) -> bool {
    w.split_once('=')
        .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
}

pub(crate) fn complete(sim: &Sim, line: &str) -> Vec<String> {
    let start = line.rfind([' ', '=']).map_or(0, |i| i + 1);
    let word = &line[start..];
    let after_eq = start > 0 && line.as_bytes()[start - 1] == b'=';
    let head = &line[..start];
    let mut words = command_words(head);
    let mut out: BTreeSet<String> = BTreeSet::new();
    if after_eq {
        // `--flag=VALUE`: the flag is the last word before the `=`.
        let flag = head.trim_end_matches('=').rsplit(' ').next().unwrap_or("");
        words.retain(|w| !w.ends_with('='));
        value_of_flag(sim, flag, word, &mut out);
    } else if words.is_empty() {
        out.extend(
            COMMANDS
                .iter()
                .chain(BUILTINS)
                .chain(STUDY_COMMANDS)
                .map(|s| s.to_string()),
        );
    } else {
        after_command(sim, &words, word, &mut out);
    }
    out.into_iter().filter(|c| c.starts_with(word)).collect()
}

fn value_of_flag(sim: &Sim, flag: &str, word: &str, out: &mut BTreeSet<String>) {
    match flag {
        "--namespace" => namespaces(sim, out),
        "--output" | "-o" => out.extend(["json", "name", "wide", "yaml"].map(String::from)),
        "--write-out" => out.extend(["fields", "json", "simple", "table"].map(String::from)),
        _ if word.starts_with('/') || flag.ends_with("dir") || matches!(flag, "--cacert" | "--cert" | "--key") => {
            paths(sim, word, out)
        }
        _ => {}
    }
}

fn after_command(sim: &Sim, words: &[&str], word: &str, out: &mut BTreeSet<String>) {
    let prev = words.last().copied().unwrap_or("");
    if word.starts_with('/') || word.starts_with("~/") {
        return paths(sim, word, out);
    }
    match words[0] {
        "kubectl" | "k" => kubectl(sim, &words[1..], prev, word, out),
        "ssh" | "scp" => node_names(sim, out),
        "why" if words.len() == 1 => why_targets(sim, out),
        "systemctl" => match words.len() {
            1 => out.extend(["daemon-reload", "is-active", "restart", "start", "status", "stop"].map(String::from)),
            _ => {
                out.insert("kubelet".into());
            }
        },
        "kubeadm" => match words.get(1..) {
            Some([]) => out.extend(["upgrade", "version"].map(String::from)),
            Some(["upgrade"]) => out.extend(["apply", "node", "plan"].map(String::from)),
            _ => out.extend(["--dry-run", "--etcd-upgrade=", "--force", "--yes", "-y"].map(String::from)),
        },
        "etcdctl" | "etcdutl" => match words.len() {
            1 if !word.starts_with('-') => {
                let subs: &[&str] = if words[0] == "etcdutl" {
                    &["snapshot", "version"]
                } else {
                    &["del", "endpoint", "get", "member", "put", "snapshot", "version"]
                };
                out.extend(subs.iter().map(|s| s.to_string()));
            }
            _ if word.starts_with('-') => out.extend(ETCDCTL_FLAGS.iter().map(|s| s.to_string())),
            _ => match prev {
                "snapshot" => out.extend(["restore", "save", "status"].map(String::from)),
                "member" => out.extend(["add", "list", "promote", "remove"].map(String::from)),
                "endpoint" => out.extend(["health", "status"].map(String::from)),
                _ => paths(sim, word, out),
            },
        },
        "crictl" => out.extend(["logs", "pods", "ps"].map(String::from)),
        "apt-get" => match words.len() {
            1 => out.extend(["install", "update", "upgrade"].map(String::from)),
            _ => packages(word, out),
        },
        "apt-mark" => match words.len() {
            1 => out.extend(["hold", "showhold", "unhold"].map(String::from)),
            _ => packages(word, out),
        },
        "apt-cache" => match words.len() {
            1 => out.extend(["madison", "policy"].map(String::from)),
            _ => packages(word, out),
        },
        cmd if FILE_COMMANDS.contains(&cmd) => paths(sim, word, out),
        _ => {}
    }
}

/// What `why` explains: nodes, pods by name, workloads as `kind/name`, etcd.
fn why_targets(sim: &Sim, out: &mut BTreeSet<String>) {
    use kubedrill_sim::model::WorkloadKind;
    node_names(sim, out);
    let c = sim.cluster();
    out.extend(c.pods_ordered().map(|(_, p)| p.name.to_string()));
    for (kind, prefix) in [
        (WorkloadKind::Deployment, "deployment"),
        (WorkloadKind::StatefulSet, "sts"),
        (WorkloadKind::DaemonSet, "ds"),
    ] {
        out.extend(c.workloads_of(kind).map(|(_, w)| format!("{prefix}/{}", w.name)));
    }
    out.insert("etcd".into());
}

fn packages(word: &str, out: &mut BTreeSet<String>) {
    if word.starts_with('-') {
        out.extend(["--allow-change-held-packages", "--allow-downgrades", "-y"].map(String::from));
    } else {
        out.extend(["kubeadm", "kubectl", "kubelet"].map(String::from));
    }
}

fn kubectl(sim: &Sim, args: &[&str], prev: &str, word: &str, out: &mut BTreeSet<String>) {
    if matches!(prev, "-n" | "--namespace") {
        return namespaces(sim, out);
    }
    if matches!(prev, "-o" | "--output") {
        out.extend(["json", "name", "wide", "yaml"].map(String::from));
        return;
    }
    let positional: Vec<&str> = args.iter().copied().filter(|a| !a.starts_with('-')).collect();
    let Some(verb) = positional.first().copied() else {
        out.extend(KUBECTL_VERBS.iter().map(|s| s.to_string()));
        return;
    };
    if word.starts_with('-') {
        out.extend(kubectl_flags(verb).iter().map(|s| s.to_string()));
        return;
    }
    match verb {
        "drain" | "cordon" | "uncordon" => node_names(sim, out),
        "get" | "describe" | "delete" => match positional.get(1).copied() {
            None => {
                let res: &[&str] = match verb {
                    "describe" => &["node", "pod"],
                    "delete" => &["node", "pod"],
                    _ => RESOURCES,
                };
                out.extend(res.iter().map(|s| s.to_string()));
            }
            Some("node" | "nodes" | "no") => node_names(sim, out),
            Some("pod" | "pods" | "po") => pod_names(sim, args, out),
            _ => {}
        },
        "logs" => pod_names(sim, args, out),
        "create" if positional.len() == 1 => out.extend(["deployment", "namespace"].map(String::from)),
        "set" if positional.len() == 1 => {
            out.insert("image".into());
        }
        _ => {}
    }
}

fn node_names(sim: &Sim, out: &mut BTreeSet<String>) {
    let c = sim.cluster();
    out.extend(c.node_ids().map(|id| c.node(id).name.to_string()));
}

fn namespaces(sim: &Sim, out: &mut BTreeSet<String>) {
    out.extend(sim.cluster().namespaces().map(|n| n.to_string()));
}

/// Pods of the namespace the line names (`-n X`, `--namespace=X`), else `default`.
fn pod_names(sim: &Sim, args: &[&str], out: &mut BTreeSet<String>) {
    let mut ns = "default";
    for (i, a) in args.iter().enumerate() {
        if matches!(*a, "-n" | "--namespace")
            && let Some(v) = args.get(i + 1)
        {
            ns = v;
        } else if let Some(v) = a.strip_prefix("--namespace=") {
            ns = v;
        }
    }
    out.extend(sim.cluster().pods_in_namespace(ns).map(|(_, p)| p.name.to_string()));
}

/// Entries of the directory `word` points into, on the current host; directories end in `/`.
fn paths(sim: &Sim, word: &str, out: &mut BTreeSet<String>) {
    let c = sim.cluster();
    let Some(id) = c.node_id(sim.current_host()) else {
        return;
    };
    let fs = &c.node(id).fs;
    // Relative words are completed against root's home, where the lab shell starts.
    let (shown, abs) = match word.strip_prefix("~/") {
        Some(rest) => ("~/".to_string() + rest, format!("/root/{rest}")),
        None if word.starts_with('/') => (word.to_string(), word.to_string()),
        None => (word.to_string(), format!("/root/{word}")),
    };
    let cut = abs.rfind('/').map_or(0, |i| i + 1);
    let dir = if cut <= 1 { "/" } else { &abs[..cut - 1] };
    let shown_dir = &shown[..shown.len() - (abs.len() - cut)];
    let mut entries: Vec<(String, bool)> = fs
        .children(dir)
        .into_iter()
        .map(|(name, e)| {
            let is_dir = matches!(e, Entry::Dir | Entry::DataDir(_));
            (name, is_dir)
        })
        .collect();
    // The inside of an etcd data dir is not stored as entries; offer what etcd writes there.
    match fs.find(dir) {
        Some(Found::Entry(Entry::DataDir(d))) if !matches!(d, DataDir::Empty) => entries.push(("member".into(), true)),
        Some(Found::DataSubdir) if dir.ends_with("/member") => {
            entries.extend([("snap".to_string(), true), ("wal".to_string(), true)])
        }
        Some(Found::DataSubdir) if dir.ends_with("/member/snap") => entries.push(("db".into(), false)),
        _ => {}
    }
    for (name, is_dir) in entries {
        out.insert(format!("{shown_dir}{name}{}", if is_dir { "/" } else { "" }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_the_cursor_is_in() {
        assert_eq!(command_words("sudo ETCDCTL_API=3 etcdctl snap"), ["etcdctl", "snap"]);
        assert_eq!(command_words("kubectl get pods | grep "), ["grep"]);
        assert!(command_words("echo $(").is_empty());
    }
}
