//! `crictl` on a node: the containers the kubelet runs there, readable when the API server is
//! not (an etcd that will not start, an API server restarted by its probe) — how people
//! troubleshoot a control plane in practice.
//!
//! Modelled: `crictl ps [-a] [--name REGEX-as-substring] [-q]`, `crictl pods [--name S] [-q]`,
//! `crictl logs [--tail N] ID` (the reason an etcd member refused to start; other containers'
//! logs are application output the model does not have). Container and pod IDs are derived
//! from the pod's UID (FNV), so they are stable for a seed without drawing randomness.

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

/// One container as crictl lists it.
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
            let image = p
                .template
                .spec
                .containers
                .get(i)
                .and_then(|c| c.image.clone())
                .unwrap_or_default();
            let image_id = hex13(fnv(&[image.len() as u64, image.bytes().map(u64::from).sum()]));
            let started = p.started_at.unwrap_or(p.created_at);
            let running = failed_etcd.is_none() && p.started_at.is_some() && !p.is_terminating();
            let attempt = p.restarts;
            if running || all {
                out.push(Row {
                    id: hex13(fnv(&[p.uid, i as u64 + 1, attempt as u64])),
                    image: image_id.clone(),
                    created: human_ago(api.now().saturating_sub(started)),
                    state: if running { "Running" } else { "Exited" },
                    name: cname.clone(),
                    attempt,
                    pod_id: pod_id.clone(),
                    pod: p.name.to_string(),
                    log: failed_etcd.clone(),
                });
            }
        }
    }
    out
}

fn usage(msg: &str) -> CommandOutput {
    let mut out = CommandOutput::default();
    crate::shell::output::stderr(
        &mut out,
        format!("time=\"2024-01-01T00:00:00Z\" level=fatal msg=\"{msg}\""),
    );
    out.status = 1;
    out
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
            a if a.starts_with('-') => return usage(&format!("flag provided but not defined: {a}")),
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
                return usage("ID cannot be empty");
            };
            let found = rows(api, node, true).into_iter().find(|r| r.id.starts_with(id));
            match found {
                Some(Row { log: Some(log), .. }) => {
                    let lines: Vec<&str> = log.lines().collect();
                    let from = tail.map_or(0, |t| lines.len().saturating_sub(t));
                    for l in &lines[from..] {
                        crate::shell::output::stderr(&mut out, *l);
                    }
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
                None => usage(&format!(
                    "rpc error: code = NotFound desc = an error occurred when try to find container \"{id}\": not found"
                )),
            }
        }
        other => usage(&format!("No help topic for '{other}'")),
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
