//! The `docker` CLI on a node whose runtime is Docker (kubeadm's default until the 1.2x
//! releases; the only one of the 2017 clusters, which had no crictl). It lists the same
//! containers crictl does, the way the kubelet's dockershim named them:
//! `k8s_<container>_<pod>_<namespace>_<pod uid>_<attempt>`, each pod with its `k8s_POD_…`
//! sandbox (the pause container).
//!
//! Modelled: `docker ps [-a] [-q] [--no-trunc] [-f|--filter name=S]`, `docker logs [--tail N] ID`
//! and `docker version`; other real subcommands say they are not modelled.

use super::{Row, fnv, human_ago, print_log, rows, tabwrite, uuid};
use crate::shell::CommandOutput;
use crate::shell::output::{stderr, stdout};
use crate::tools::api::NodeApi;

/// Real docker subcommands the model does not act on.
const REAL_SUBCOMMANDS: &[&str] = &[
    "attach",
    "build",
    "commit",
    "cp",
    "create",
    "diff",
    "events",
    "exec",
    "export",
    "history",
    "images",
    "import",
    "info",
    "inspect",
    "kill",
    "load",
    "login",
    "logout",
    "pause",
    "port",
    "pull",
    "push",
    "rename",
    "restart",
    "rm",
    "rmi",
    "run",
    "save",
    "search",
    "start",
    "stats",
    "stop",
    "tag",
    "top",
    "unpause",
    "update",
    "wait",
    "container",
    "image",
    "network",
    "node",
    "plugin",
    "secret",
    "service",
    "stack",
    "swarm",
    "system",
    "volume",
];

/// One line of `docker ps`.
struct Listed {
    id: String,
    image: String,
    command: String,
    created: String,
    status: String,
    name: String,
}

/// Whether the node runs Docker, so has the docker CLI.
pub(crate) fn installed(api: &dyn NodeApi) -> bool {
    api.cluster()
        .node(api.node())
        .container_runtime
        .starts_with("docker://")
}

pub(crate) fn run(api: &dyn NodeApi, args: &[String]) -> CommandOutput {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.split_first() {
        None => usage("", 0),
        Some((&"ps", rest)) => ps(api, rest),
        Some((&"logs", rest)) => logs(api, rest),
        Some((&"version", _)) => version(api),
        Some((other, _)) if REAL_SUBCOMMANDS.contains(other) => {
            let mut out = CommandOutput::default();
            stderr(
                &mut out,
                format!("kubedrill: `docker {other}` is not modelled yet (modelled: ps, logs, version)"),
            );
            out.status = 1;
            out
        }
        Some((other, _)) => usage(other, 1),
    }
}

fn usage(unknown: &str, status: i32) -> CommandOutput {
    let mut out = CommandOutput::default();
    if unknown.is_empty() {
        stdout(
            &mut out,
            "\nUsage:\tdocker COMMAND\n\nA self-sufficient runtime for containers\n\nRun 'docker COMMAND --help' for more information on a command.",
        );
    } else {
        stderr(
            &mut out,
            format!("docker: '{unknown}' is not a docker command.\nSee 'docker --help'"),
        );
    }
    out.status = status;
    out
}

fn ps(api: &dyn NodeApi, args: &[&str]) -> CommandOutput {
    let mut out = CommandOutput::default();
    let (mut all, mut quiet, mut no_trunc) = (false, false, false);
    let mut name: Option<String> = None;
    let mut i = 0;
    while i < args.len() {
        match args[i] {
            "-a" | "--all" => all = true,
            "-q" | "--quiet" => quiet = true,
            "-aq" | "-qa" => (all, quiet) = (true, true),
            "--no-trunc" => no_trunc = true,
            "-f" | "--filter" => {
                i += 1;
                match args.get(i).and_then(|f| f.strip_prefix("name=")) {
                    Some(n) => name = Some(n.to_string()),
                    None => return not_modelled(&format!("ps {}", args[i - 1])),
                }
            }
            a if a.starts_with("--filter=name=") => name = a.strip_prefix("--filter=name=").map(String::from),
            a if a.starts_with('-') => {
                stderr(&mut out, format!("unknown flag: {a}\nSee 'docker ps --help'."));
                out.status = 125;
                return out;
            }
            a => {
                stderr(
                    &mut out,
                    format!(
                        "\"docker ps\" accepts no argument(s).\nSee 'docker ps --help'.\n\nUsage:  docker ps [OPTIONS]\n\nList containers (got {a:?})"
                    ),
                );
                out.status = 1;
                return out;
            }
        }
        i += 1;
    }
    let listed: Vec<Listed> = listing(api, all)
        .into_iter()
        .filter(|l| name.as_deref().is_none_or(|n| l.name.contains(n)))
        .collect();
    if quiet {
        for l in listed {
            stdout(&mut out, l.id);
        }
        return out;
    }
    let mut table = vec![
        [
            "CONTAINER ID",
            "IMAGE",
            "COMMAND",
            "CREATED",
            "STATUS",
            "PORTS",
            "NAMES",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for l in listed {
        let command = if no_trunc { l.command } else { ellipsis(&l.command, 20) };
        table.push(vec![
            l.id,
            l.image,
            format!("\"{command}\""),
            l.created,
            l.status,
            String::new(),
            l.name,
        ]);
    }
    for line in tabwrite(&table) {
        stdout(&mut out, line.trim_end().to_string());
    }
    out
}

/// Every container and pod sandbox, newest pod first, as dockershim named them.
fn listing(api: &dyn NodeApi, all: bool) -> Vec<Listed> {
    let pause = crate::release::kubelet::pause_image(&api.cluster().node(api.node()).kubelet_version);
    let mut out: Vec<Listed> = Vec::new();
    let mut last_pod: Option<u64> = None;
    let rows = rows(api, api.node(), all);
    for (k, r) in rows.iter().enumerate() {
        out.push(container(r));
        let last_of_pod = rows.get(k + 1).is_none_or(|next| next.pod_uid != r.pod_uid);
        if last_of_pod && last_pod != Some(r.pod_uid) {
            last_pod = Some(r.pod_uid);
            out.push(sandbox(r, &pause));
        }
    }
    out
}

fn container(r: &Row) -> Listed {
    let status = match r.state {
        "Running" => format!("Up {}", up_for(r)),
        _ => format!("Exited ({}) {}", if r.log.is_some() { 1 } else { 0 }, human_ago(r.age)),
    };
    let command = r
        .command
        .clone()
        .unwrap_or_else(|| default_command(&r.image_ref).to_string());
    Listed {
        id: docker_id(r.pod_uid, &r.name, r.attempt),
        image: r.image_ref.clone(),
        command,
        created: human_ago(r.age),
        status,
        name: format!(
            "k8s_{}_{}_{}_{}_{}",
            r.name,
            r.pod,
            r.pod_namespace,
            uuid(r.pod_uid),
            r.attempt
        ),
    }
}

fn sandbox(r: &Row, pause: &str) -> Listed {
    Listed {
        id: docker_id(r.pod_uid, "POD", 0),
        image: pause.to_string(),
        command: "/pause".into(),
        created: human_ago(r.age),
        status: format!("Up {}", up_for(r)),
        name: format!("k8s_POD_{}_{}_{}_0", r.pod, r.pod_namespace, uuid(r.pod_uid)),
    }
}

/// go-units' HumanDuration without " ago": `Up 9 days`.
fn up_for(r: &Row) -> String {
    let ago = human_ago(r.age);
    ago.strip_suffix(" ago").unwrap_or(&ago).to_string()
}

/// The entrypoint of the images labs use; the model does not know other images' commands.
fn default_command(image: &str) -> &'static str {
    let repo = image.rsplit('/').next().unwrap_or(image);
    match repo.split([':', '@']).next().unwrap_or(repo) {
        "nginx" => "nginx -g 'daemon off;'",
        "busybox" => "sh",
        "pause" | "pause-amd64" => "/pause",
        "kube-proxy" | "kube-proxy-amd64" => {
            "/usr/local/bin/kube-proxy --kubeconfig=/var/lib/kube-proxy/kubeconfig.conf"
        }
        "k8s-dns-kube-dns-amd64" => {
            "/kube-dns --domain=cluster.local. --dns-port=10053 --config-dir=/kube-dns-config --v=2"
        }
        "k8s-dns-dnsmasq-nanny-amd64" => {
            "/dnsmasq-nanny -v=2 -logtostderr -configDir=/etc/k8s/dns/dnsmasq-nanny -restartDnsmasq=true"
        }
        "k8s-dns-sidecar-amd64" => {
            "/sidecar --v=2 --logtostderr --probe=kubedns,127.0.0.1:10053,kubernetes.default.svc.cluster.local,5,A"
        }
        "coredns" => "/coredns -conf /etc/coredns/Corefile",
        "flannel" => "/opt/bin/flanneld --ip-masq --kube-subnet-mgr",
        _ => "/bin/sh",
    }
}

/// docker's `stringutils.Ellipsis`: at most `max` characters, the last one `…` when cut.
fn ellipsis(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut cut: String = s.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

fn docker_id(uid: u64, name: &str, attempt: u32) -> String {
    let h = fnv(&[uid, name.bytes().map(u64::from).sum(), u64::from(attempt), 0xd0c]);
    format!("{h:016x}")[..12].to_string()
}

fn logs(api: &dyn NodeApi, args: &[&str]) -> CommandOutput {
    let mut out = CommandOutput::default();
    let mut tail: Option<usize> = None;
    let mut id: Option<&str> = None;
    let mut i = 0;
    while i < args.len() {
        match args[i] {
            "--tail" => {
                i += 1;
                tail = args.get(i).and_then(|t| t.parse().ok());
            }
            a if a.starts_with("--tail=") => tail = a.strip_prefix("--tail=").and_then(|t| t.parse().ok()),
            "-f" | "--follow" | "-t" | "--timestamps" => {}
            a if a.starts_with('-') => {
                stderr(&mut out, format!("unknown flag: {a}\nSee 'docker logs --help'."));
                out.status = 125;
                return out;
            }
            a => id = Some(a),
        }
        i += 1;
    }
    let Some(id) = id else {
        stderr(
            &mut out,
            "\"docker logs\" requires exactly 1 argument(s).\nSee 'docker logs --help'.\n\nUsage:  docker logs [OPTIONS] CONTAINER\n\nFetch the logs of a container",
        );
        out.status = 1;
        return out;
    };
    let found = rows(api, api.node(), true).into_iter().find(|r| {
        let l = container(r);
        l.id.starts_with(id) || l.name == id
    });
    match found {
        Some(Row { log: Some(log), .. }) => print_log(&mut out, &log, tail),
        Some(r) => {
            stderr(
                &mut out,
                format!(
                    "kubedrill: the logs of container {} ({}) are not modelled (only an etcd member's refusal to start is)",
                    docker_id(r.pod_uid, &r.name, r.attempt),
                    r.name
                ),
            );
            out.status = 1;
        }
        None => {
            stderr(&mut out, format!("Error response from daemon: No such container: {id}"));
            out.status = 1;
        }
    }
    out
}

fn version(api: &dyn NodeApi) -> CommandOutput {
    let runtime = api.cluster().node(api.node()).container_runtime.clone();
    let v = runtime.strip_prefix("docker://").unwrap_or("17.3.2");
    let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor, patch) = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    // Docker's own spelling: 1.12.6, 17.03.2-ce, 18.09.7, 19.03.15.
    let shown = match major {
        17 | 18 if minor < 9 => format!("{major}.{minor:02}.{patch}-ce"),
        m if m >= 17 => format!("{major}.{minor:02}.{patch}"),
        _ => v.to_string(),
    };
    let api_version = match (major, minor) {
        (1, 12) => "1.24",
        (1, 13) => "1.25",
        (17, 3) => "1.27",
        (17, 6) => "1.30",
        (17, 9) => "1.32",
        (18, 6) => "1.38",
        (18, 9) => "1.39",
        (19, _) => "1.40",
        _ => "1.41",
    };
    let mut out = CommandOutput::default();
    stdout(
        &mut out,
        format!(
            "Client:\n Version:      {shown}\n API version:  {api_version}\n OS/Arch:      linux/amd64\n\nServer:\n Version:      {shown}\n API version:  {api_version} (minimum version 1.12)\n OS/Arch:      linux/amd64\n Experimental: false"
        ),
    );
    out
}

fn not_modelled(what: &str) -> CommandOutput {
    let mut out = CommandOutput::default();
    stderr(
        &mut out,
        format!("kubedrill: `docker {what}` is not modelled yet (only name=… filters are)"),
    );
    out.status = 1;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_cut_as_docker_cuts_them() {
        assert_eq!(ellipsis("/pause", 20), "/pause");
        assert_eq!(
            ellipsis("etcd --listen-client-urls=http://127.0.0.1:2379", 20),
            "etcd --listen-clien…"
        );
        assert_eq!(ellipsis("etcd --listen-client-urls", 20).chars().count(), 20);
    }

    #[test]
    fn pod_uids_read_as_uuids() {
        let u = uuid(42);
        assert_eq!(u.len(), 36);
        assert_eq!(u.matches('-').count(), 4);
        assert_eq!(u, uuid(42));
        assert_ne!(u, uuid(43));
    }
}
