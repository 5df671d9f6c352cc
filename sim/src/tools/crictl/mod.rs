//! `crictl` on a node: the containers the kubelet runs there, readable when the API server is
//! not (an etcd that will not start, an API server restarted by its probe) — how people
//! troubleshoot a control plane in practice.
//!
//! Modelled: `crictl ps [-a] [--name REGEX-as-substring] [-q]`, `crictl pods [--name S] [-q]`,
//! `crictl logs [--tail N] ID` (the reason an etcd member refused to start; other containers'
//! logs are application output the model does not have). Container and pod IDs are derived
//! from the pod's UID (FNV), so they are stable for a seed without drawing randomness.

pub(crate) mod docker;
pub(crate) mod logs;

use crate::model::{NodeId, Owner, Pod};
use crate::shell::CommandOutput;
use crate::time::SimDuration;
use crate::tools::api::NodeApi;

fn fnv(parts: &[u64]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.to_le_bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

fn hex13(h: u64) -> String {
    format!("{h:016x}")[..13].to_string()
}

/// A pod UID in the API server's UUID form, stable for the pod.
pub(super) fn uuid(uid: u64) -> String {
    let a = fnv(&[uid, 1]);
    let b = fnv(&[uid, 2]);
    let h = format!("{a:016x}{b:016x}");
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// One container as crictl lists it (and the docker CLI, from the same facts).
struct Row {
    id: String,
    image: String,
    created: String,
    state: &'static str,
    name: String,
    attempt: u32,
    pod_id: String,
    pod: String,
    /// For `crictl logs`.
    log: Option<String>,
    /// The container's image as the pod names it (`docker ps` shows it).
    image_ref: String,
    /// How long ago it started.
    age: SimDuration,
    pod_namespace: String,
    pod_uid: u64,
    /// The static pod's command line, when the manifest gives one.
    command: Option<String>,
}

/// go-units' HumanDuration, as crictl prints CREATED (`2 minutes ago`).
fn human_ago(d: SimDuration) -> String {
    let s = d.ms() / 1000;
    let text = match s {
        0 => "Less than a second".to_string(),
        1 => "1 second".to_string(),
        2..=59 => format!("{s} seconds"),
        60..=119 => "About a minute".to_string(),
        120..=3599 => format!("{} minutes", s / 60),
        3600..=7199 => "About an hour".to_string(),
        _ if s < 48 * 3600 => format!("{} hours", s / 3600),
        _ if s < 7 * 24 * 3600 * 2 => format!("{} days", s / 86_400),
        _ if s < 30 * 24 * 3600 * 3 => format!("{} weeks", s / (7 * 86_400)),
        _ => format!("{} months", s / (30 * 86_400)),
    };
    format!("{text} ago")
}

/// How long a kube-apiserver that cannot reach etcd keeps trying at start before it exits
/// (`Error creating leases: error creating storage factory: context deadline exceeded`).
const APISERVER_ETCD_TRY_MS: u64 = 20_000;

/// The kube-apiserver container while the API is down because of etcd: it exits and the
/// kubelet restarts it with back-off (10 s doubling to 5 min), each try running about 20 s.
/// (attempts since it started failing, whether the latest runs, when the latest started).
/// `None` while it serves (or runs its first, still-healthy try over a lost etcd quorum).
fn apiserver_crash_loop(api: &dyn NodeApi) -> Option<(u32, bool, crate::time::SimTime)> {
    use crate::model::unit::OutageCause;
    let o = api.cluster().api_outages.last().filter(|o| o.to.is_none())?;
    let first_exit = match o.cause {
        OutageCause::NoApiServer => return None,
        // The liveness probe kills an API server whose etcd lost quorum after about 90 s.
        OutageCause::EtcdQuorum => o.from + SimDuration::from_secs(90),
        OutageCause::EtcdUnreachable => o.from,
    };
    let now = api.now();
    if now < first_exit {
        return None;
    }
    let mut k = 0u32;
    let mut start = first_exit;
    loop {
        let backoff = SimDuration::from_secs((10u64 << k.min(5)).min(300));
        let next = start
            + backoff
            + if k == 0 {
                SimDuration::ZERO
            } else {
                SimDuration(APISERVER_ETCD_TRY_MS)
            };
        if next > now || k > 10_000 {
            break;
        }
        k += 1;
        start = next;
    }
    if k == 0 {
        return Some((0, false, first_exit));
    }
    let running = now.saturating_sub(start).ms() < APISERVER_ETCD_TRY_MS;
    Some((k, running, start))
}

/// What kube-apiserver logs when it cannot reach etcd at start, as `crictl logs` shows it.
fn apiserver_log(api: &dyn NodeApi, node: NodeId, started: crate::time::SimTime) -> String {
    let n = api.cluster().node(node);
    let Some(cp) = n.control_plane.as_ref() else {
        return String::new();
    };
    let epoch = api.cluster().epoch_s;
    let stamp = |ms: u64| {
        let w = (started + SimDuration(ms)).wall_clock_with(epoch);
        format!(
            "{:02}{:02} {:02}:{:02}:{:02}.{:06}",
            w.month,
            w.day,
            w.hour,
            w.minute,
            w.second,
            (w.nanos / 1000) + ms as u32 % 997
        )
    };
    let server = cp
        .etcd_servers
        .first()
        .cloned()
        .unwrap_or_else(|| "https://127.0.0.1:2379".into());
    let addr = server.split("://").nth(1).unwrap_or(&server).to_string();
    let quorum_lost = api
        .cluster()
        .api_outages
        .last()
        .is_some_and(|o| o.cause == crate::model::unit::OutageCause::EtcdQuorum);
    let mut l = vec![
        format!(
            "I{}       1 options.go:228] external host was not specified, using {}",
            stamp(3),
            n.internal_ip
        ),
        format!("I{}       1 server.go:142] Version: {}", stamp(5), cp.apiserver),
        format!(
            "I{}       1 server.go:144] \"Golang settings\" GOGC=\"\" GOMAXPROCS=\"\" GOTRACEBACK=\"\"",
            stamp(5)
        ),
        format!(
            "I{}       1 shared_informer.go:313] Waiting for caches to sync for node_authorizer",
            stamp(612)
        ),
    ];
    if !quorum_lost {
        for (k, ch) in [(640u64, 1), (1_640, 2), (4_120, 3), (9_870, 4)] {
            l.push(format!(
                "W{}       1 logging.go:55] [core] [Channel #{ch} SubChannel #{}]grpc: addrConn.createTransport failed to connect to {{Addr: \"{addr}\", ServerName: \"{addr}\", }}. Err: connection error: desc = \"transport: Error while dialing: dial tcp {addr}: connect: connection refused\"",
                stamp(k),
                ch + 1
            ));
        }
    }
    l.push(format!(
        "F{}       1 instance.go:226] Error creating leases: error creating storage factory: context deadline exceeded",
        stamp(APISERVER_ETCD_TRY_MS)
    ));
    l.join("\n") + "\n"
}

fn rows(api: &dyn NodeApi, node: NodeId, all: bool) -> Vec<Row> {
    let mut pods: Vec<&Pod> = api
        .cluster()
        .pods_on_node(node)
        .into_iter()
        .filter_map(|id| api.cluster().pod(id))
        .filter(|p| p.node == Some(node) && !p.is_finished())
        .collect();
    pods.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.name.cmp(&b.name)));
    let mut out = Vec::new();
    for p in pods {
        let failed_etcd = match p.owner {
            Owner::Mirror(n) if p.name.starts_with("etcd-") => api
                .cluster()
                .node(n)
                .control_plane
                .as_ref()
                .and_then(|cp| cp.etcd_failed.clone()),
            _ => None,
        };
        let pod_id = hex13(fnv(&[p.uid, 0]));
        for (i, cname) in p.template.container_names.iter().enumerate() {
            let image = crate::model::containers::image_of(p, i);
            let image_id = hex13(fnv(&[image.len() as u64, image.bytes().map(u64::from).sum()]));
            let mut started = p.last_restart.or(p.started_at).unwrap_or(p.created_at);
            let mut running = crate::model::containers::pod_running(api.cluster(), node, p) && !p.is_terminating();
            let mut attempt = p.restarts;
            let mut log = failed_etcd.clone();
            if p.is_mirror()
                && p.name.starts_with("kube-apiserver-")
                && let Some((k, up, since)) = apiserver_crash_loop(api)
            {
                attempt += k;
                running = running && up;
                started = since;
                log = Some(apiserver_log(api, node, since));
            }
            if running || all {
                let command = p
                    .template
                    .spec
                    .containers
                    .get(i)
                    .and_then(|c| c.command.as_ref())
                    .map(|c| c.join(" "))
                    .or_else(|| static_pod_command(api, node, p));
                out.push(Row {
                    image_ref: image.clone(),
                    age: api.now().saturating_sub(started),
                    pod_namespace: p.namespace.to_string(),
                    pod_uid: p.uid,
                    command,
                    id: hex13(fnv(&[p.uid, i as u64 + 1, attempt as u64])),
                    image: image_id.clone(),
                    created: human_ago(api.now().saturating_sub(started)),
                    state: if running { "Running" } else { "Exited" },
                    name: cname.clone(),
                    attempt,
                    pod_id: pod_id.clone(),
                    pod: p.name.to_string(),
                    log,
                });
            }
        }
    }
    out
}

/// A static pod's command line, from its manifest on the node (`etcd --advertise-client-urls=…`).
fn static_pod_command(api: &dyn NodeApi, node: NodeId, p: &Pod) -> Option<String> {
    if !p.is_mirror() {
        return None;
    }
    let n = api.cluster().node(node);
    let component = p.name.strip_suffix(&format!("-{}", n.name))?;
    let path = format!("/etc/kubernetes/manifests/{component}.yaml");
    let Some(crate::model::hostfs::Entry::Text(text)) = n.fs.get(&path) else {
        return None;
    };
    let view = crate::release::components::parse_manifest(text).ok()?;
    (!view.command.is_empty()).then(|| view.command.join(" "))
}

fn usage(api: &dyn NodeApi, msg: &str) -> CommandOutput {
    let mut out = CommandOutput::default();
    let w = api.now().wall_clock_with(api.cluster().epoch_s);
    crate::shell::output::stderr(
        &mut out,
        format!(
            "time=\"{}-{:02}-{:02}T{:02}:{:02}:{:02}Z\" level=fatal msg=\"{msg}\"",
            w.year, w.month, w.day, w.hour, w.minute, w.second
        ),
    );
    out.status = 1;
    out
}

/// Flags of crictl's `ps`, `pods` and `logs` the model does not answer.
const REAL_FLAGS: &[&str] = &[
    "-o",
    "--output",
    "-s",
    "--state",
    "-p",
    "--pod",
    "--previous",
    "--label",
    "--image",
    "-l",
    "--latest",
    "-n",
    "--last",
    "--id",
    "-v",
    "--verbose",
    "--since",
    "-t",
    "--timestamps",
    "--namespace",
    "--resolve-image-path",
];

/// crictl's subcommands the model does not answer (the real tool has them).
const REAL_SUBCOMMANDS: &[&str] = &[
    "attach",
    "create",
    "exec",
    "imagefsinfo",
    "inspect",
    "inspecti",
    "inspectp",
    "port-forward",
    "pull",
    "run",
    "runp",
    "rm",
    "rmi",
    "rmp",
    "start",
    "stop",
    "stopp",
    "update",
    "config",
    "stats",
    "statsp",
    "checkpoint",
    "completion",
    "metricsp",
    "events",
];

/// `crictl info`: the runtime's status and the parts of its configuration people look at.
fn info(api: &dyn NodeApi) -> String {
    let n = api.cluster().node(api.node());
    let v = &n.kubelet_version;
    let pause = crate::release::kubelet::pause_image(v);
    format!(
        r#"{{
  "status": {{
    "conditions": [
      {{
        "type": "RuntimeReady",
        "status": true,
        "reason": "",
        "message": ""
      }},
      {{
        "type": "NetworkReady",
        "status": true,
        "reason": "",
        "message": ""
      }}
    ]
  }},
  "cniconfig": {{
    "PluginDirs": [
      "/opt/cni/bin"
    ],
    "PluginConfDir": "/etc/cni/net.d",
    "PluginMaxConfNum": 1,
    "Prefix": "eth"
  }},
  "config": {{
    "containerd": {{
      "snapshotter": "overlayfs",
      "defaultRuntimeName": "runc",
      "runtimes": {{
        "runc": {{
          "runtimeType": "io.containerd.runc.v2",
          "options": {{
            "SystemdCgroup": true
          }}
        }}
      }}
    }},
    "cni": {{
      "binDir": "/opt/cni/bin",
      "confDir": "/etc/cni/net.d"
    }},
    "sandboxImage": "{pause}",
    "maxContainerLogSize": 16384,
    "enableSelinux": false,
    "containerdRootDir": "/var/lib/containerd",
    "containerdEndpoint": "/run/containerd/containerd.sock",
    "rootDir": "/var/lib/containerd/io.containerd.grpc.v1.cri",
    "stateDir": "/run/containerd/io.containerd.grpc.v1.cri"
  }},
  "golang": "go1.20.13",
  "lastCNILoadStatus": "OK",
  "lastCNILoadStatus.default": "OK"
}}"#
    )
}

pub(crate) fn run(api: &dyn NodeApi, args: &[String]) -> CommandOutput {
    let node = api.node();
    let mut out = CommandOutput::default();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let Some((cmd, rest)) = words.split_first() else {
        crate::shell::output::stdout(
            &mut out,
            "NAME:\n   crictl - client for CRI\n\nUSAGE:\n   crictl [global options] command [command options]",
        );
        return out;
    };
    let mut all = false;
    let mut quiet = false;
    let mut name: Option<&str> = None;
    let mut tail: Option<usize> = None;
    let mut positional = Vec::new();
    let mut i = 0;
    while i < rest.len() {
        match rest[i] {
            "-a" | "--all" => all = true,
            "-q" | "--quiet" => quiet = true,
            "--name" => {
                name = rest.get(i + 1).copied();
                i += 1;
            }
            "--tail" => {
                tail = rest.get(i + 1).and_then(|t| t.parse().ok());
                i += 1;
            }
            a if a.starts_with("--name=") => name = a.strip_prefix("--name="),
            a if a.starts_with("--tail=") => tail = a.strip_prefix("--tail=").and_then(|t| t.parse().ok()),
            "-aq" | "-qa" => {
                all = true;
                quiet = true;
            }
            // `logs -f` prints what is there and returns (virtual time does not move meanwhile).
            "-f" | "--follow" | "--no-trunc" => {}
            a if REAL_FLAGS.contains(&a.split('=').next().unwrap_or(a)) => {
                let mut out = CommandOutput::default();
                crate::shell::output::stderr(&mut out, format!("kubedrill: crictl {cmd} {a} is not modelled yet"));
                out.status = 1;
                return out;
            }
            a if a.starts_with('-') => return usage(api, &format!("flag provided but not defined: {a}")),
            a => positional.push(a),
        }
        i += 1;
    }
    match *cmd {
        "ps" => {
            let rows: Vec<Row> = rows(api, node, all)
                .into_iter()
                .filter(|r| name.is_none_or(|n| r.name.contains(n)))
                .collect();
            if quiet {
                for r in rows {
                    crate::shell::output::stdout(&mut out, r.id);
                }
                return out;
            }
            let mut table = vec![vec![
                "CONTAINER".to_string(),
                "IMAGE".into(),
                "CREATED".into(),
                "STATE".into(),
                "NAME".into(),
                "ATTEMPT".into(),
                "POD ID".into(),
                "POD".into(),
            ]];
            for r in rows {
                table.push(vec![
                    r.id,
                    r.image,
                    r.created,
                    r.state.into(),
                    r.name,
                    r.attempt.to_string(),
                    r.pod_id,
                    r.pod,
                ]);
            }
            for line in tabwrite(&table) {
                crate::shell::output::stdout(&mut out, line);
            }
            out
        }
        "pods" => {
            let mut seen = Vec::new();
            let mut table = vec![vec![
                "POD ID".to_string(),
                "CREATED".into(),
                "STATE".into(),
                "NAME".into(),
                "NAMESPACE".into(),
                "ATTEMPT".into(),
                "RUNTIME".into(),
            ]];
            let mut ids = Vec::new();
            for p in api
                .cluster()
                .pods_on_node(node)
                .into_iter()
                .filter_map(|id| api.cluster().pod(id))
            {
                if name.is_some_and(|n| !p.name.contains(n)) || seen.contains(&p.uid) {
                    continue;
                }
                seen.push(p.uid);
                let id = hex13(fnv(&[p.uid, 0]));
                ids.push(id.clone());
                table.push(vec![
                    id,
                    human_ago(api.now().saturating_sub(p.created_at)),
                    if p.is_terminating() { "NotReady" } else { "Ready" }.into(),
                    p.name.to_string(),
                    p.namespace.to_string(),
                    "0".into(),
                    "(default)".into(),
                ]);
            }
            if quiet {
                for id in ids {
                    crate::shell::output::stdout(&mut out, id);
                }
                return out;
            }
            for line in tabwrite(&table) {
                crate::shell::output::stdout(&mut out, line);
            }
            out
        }
        "logs" => {
            let Some(id) = positional.first() else {
                return usage(api, "ID cannot be empty");
            };
            let found = rows(api, node, true).into_iter().find(|r| r.id.starts_with(id));
            match found {
                Some(Row { log: Some(log), .. }) => {
                    print_log(&mut out, &log, tail);
                    out
                }
                Some(r) => {
                    crate::shell::output::stderr(
                        &mut out,
                        format!(
                            "kubedrill: the logs of container {} ({}) are not modelled (only an etcd member's refusal to start is)",
                            r.id, r.name
                        ),
                    );
                    out.status = 1;
                    out
                }
                None => usage(
                    api,
                    &format!(
                        "rpc error: code = NotFound desc = an error occurred when try to find container \"{id}\": not found"
                    ),
                ),
            }
        }
        "info" => {
            if !crate::release::kubelet::uses_containerd(&api.cluster().node(node).container_runtime) {
                return usage(
                    api,
                    "validate service connection: validate CRI v1 runtime API for endpoint \"unix:///var/run/dockershim.sock\": rpc error: code = Unimplemented desc = unknown service runtime.v1.RuntimeService",
                );
            }
            crate::shell::output::stdout(&mut out, info(api));
            out
        }
        "version" => {
            let runtime = api.cluster().node(node).container_runtime.clone();
            let (name, version) = runtime.split_once("://").unwrap_or(("containerd", "1.7.13"));
            crate::shell::output::stdout(
                &mut out,
                format!("Version:  0.1.0\nRuntimeName:  {name}\nRuntimeVersion:  {version}\nRuntimeApiVersion:  v1"),
            );
            out
        }
        "images" | "image" | "img" => {
            let mut images: Vec<String> = crate::model::containers::running_on(api.cluster(), node)
                .iter()
                .map(|r| r.image.clone())
                .collect();
            images.push(crate::release::kubelet::pause_image(
                &api.cluster().node(node).kubelet_version,
            ));
            images.sort();
            images.dedup();
            let mut table = vec![vec![
                "IMAGE".to_string(),
                "TAG".into(),
                "IMAGE ID".into(),
                "SIZE".into(),
            ]];
            for i in images {
                let (repo, tag) = i.rsplit_once(':').unwrap_or((&i, "latest"));
                let id = hex13(fnv(&[i.len() as u64, i.bytes().map(u64::from).sum()]));
                let size = 300 + (i.len() as u64 * 7919) % 90_000;
                table.push(vec![
                    repo.to_string(),
                    tag.to_string(),
                    id,
                    format!("{}.{}MB", size / 1000, size % 10),
                ]);
            }
            for line in tabwrite(&table) {
                crate::shell::output::stdout(&mut out, line);
            }
            out
        }
        other if REAL_SUBCOMMANDS.contains(&other) => {
            crate::shell::output::stderr(
                &mut out,
                format!(
                    "kubedrill: `crictl {other}` is not modelled yet (modelled: ps, pods, logs, info, version, images)"
                ),
            );
            out.status = 1;
            out
        }
        other => usage(api, &format!("No help topic for '{other}'")),
    }
}

/// A container's log on stderr (where both the API server and etcd write it), its last
/// `tail` lines when given.
fn print_log(out: &mut CommandOutput, log: &str, tail: Option<usize>) {
    let lines: Vec<&str> = log.lines().collect();
    let from = tail.map_or(0, |t| lines.len().saturating_sub(t));
    for l in &lines[from..] {
        crate::shell::output::stderr(out, *l);
    }
}

/// Go's tabwriter as crictl configures it: minimum cell width 20, padding 3 — kubectl's
/// layout with another minimum.
fn tabwrite(rows: &[Vec<String>]) -> Vec<String> {
    crate::tabwriter::render(rows, 20)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_reads_like_go_units() {
        assert_eq!(human_ago(SimDuration::from_secs(0)), "Less than a second ago");
        assert_eq!(human_ago(SimDuration::from_secs(45)), "45 seconds ago");
        assert_eq!(human_ago(SimDuration::from_secs(90)), "About a minute ago");
        assert_eq!(human_ago(SimDuration::from_secs(600)), "10 minutes ago");
        assert_eq!(human_ago(SimDuration::from_secs(10 * 86_400)), "10 days ago");
    }

    #[test]
    fn columns_are_at_least_twenty_wide() {
        let t = tabwrite(&[
            vec!["A".into(), "B".into()],
            vec!["CCCCCCCCCCCCCCCCCCCCCCCC".into(), "D".into()],
        ]);
        assert_eq!(t[0], format!("A{}B", " ".repeat(26)));
        assert_eq!(t[1], format!("CCCCCCCCCCCCCCCCCCCCCCCC{}D", " ".repeat(3)));
    }
}
