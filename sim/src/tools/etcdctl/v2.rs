//! etcdctl's v2 API (the default of etcdctl ≤3.3, `ETCDCTL_API=2` in 3.4 and 3.5): `member
//! list`, `cluster-health` and `--version`, which is what people meet on old clusters. The v2
//! client speaks HTTP to `/v2/members`, which a 3.4+ server only serves with `--enable-v2`
//! (off by default, and never in kubeadm's manifests).

use super::conn::strip_scheme;
use super::{R, Run};
use crate::etcd::model::Member;

/// The v2 commands that exist (`etcdctl/ctlv2/ctl.go`).
const V2_COMMANDS: &[&str] = &[
    "backup",
    "cluster-health",
    "mk",
    "mkdir",
    "rm",
    "rmdir",
    "get",
    "ls",
    "set",
    "setdir",
    "update",
    "updatedir",
    "watch",
    "exec-watch",
    "member",
    "user",
    "role",
    "auth",
    "help",
    "h",
];

struct V2Flags {
    endpoints: Vec<String>,
    ca: Option<String>,
    cert: Option<String>,
    key: Option<String>,
}

pub(crate) fn run(run: &mut Run<'_>, args: &[String]) -> R {
    let mut i = 0;
    let mut f = V2Flags {
        endpoints: Vec::new(),
        ca: run.env.get("ETCDCTL_CA_FILE").map(str::to_string),
        cert: run.env.get("ETCDCTL_CERT_FILE").map(str::to_string),
        key: run.env.get("ETCDCTL_KEY_FILE").map(str::to_string),
    };
    let mut eps = run.env.get("ETCDCTL_ENDPOINTS").map(str::to_string);
    while i < args.len() && args[i].starts_with('-') {
        let a = args[i].clone();
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (a.clone(), None),
        };
        let name = name.trim_start_matches('-').to_string();
        if matches!(name.as_str(), "version" | "v") {
            let v = run.tool.version_text();
            run.line(format!("etcdctl version: {v}"));
            run.line("API version: 2");
            return Ok(());
        }
        let takes = matches!(
            name.as_str(),
            "endpoints"
                | "endpoint"
                | "peers"
                | "C"
                | "ca-file"
                | "cert-file"
                | "key-file"
                | "output"
                | "o"
                | "timeout"
                | "total-timeout"
                | "username"
                | "u"
                | "discovery-srv"
                | "D"
        );
        let value = if takes {
            match inline {
                Some(v) => Some(v),
                None => {
                    i += 1;
                    args.get(i).cloned()
                }
            }
        } else {
            None
        };
        if takes && value.is_none() {
            // Go's flag package, as the cli library reports it (a flag last on the line).
            run.err(format!("Incorrect Usage: flag needs an argument: -{name}"));
            return Err(run.exit(1));
        }
        match name.as_str() {
            "endpoints" | "endpoint" | "peers" | "C" => eps = value,
            "ca-file" => f.ca = value,
            "cert-file" => f.cert = value,
            "key-file" => f.key = value,
            "debug" | "no-sync" | "insecure-discovery" | "output" | "o" | "timeout" | "total-timeout" => {}
            "help" | "h" => return Err(run.not_modelled("--help (v2 API)")),
            _ => {
                run.err(format!("Incorrect Usage: flag provided but not defined: -{name}"));
                return Err(run.exit(1));
            }
        }
        i += 1;
    }
    f.endpoints = eps
        .unwrap_or_else(|| "http://127.0.0.1:2379,http://127.0.0.1:4001".to_string())
        .split(',')
        .map(str::to_string)
        .collect();
    let rest = &args[i..];
    let Some(cmd) = rest.first() else {
        return Err(run.not_modelled("(v2 API help)"));
    };
    if !V2_COMMANDS.contains(&cmd.as_str()) {
        run.err(format!("No help topic for '{cmd}'"));
        return Err(run.exit(3));
    }
    match (cmd.as_str(), rest.get(1).map(String::as_str)) {
        ("member", Some("list")) => member_list(run, &f),
        ("cluster-health", _) => cluster_health(run, &f),
        _ => Err(run.not_modelled(&format!("{} (v2 API)", rest.join(" ")))),
    }
}

/// What an HTTP request to an endpoint gives.
enum Http {
    Ok,
    /// A transport error (`dial tcp …`, `x509: …`).
    Transport(String),
    /// An HTTP status other than 200.
    Status(u16),
}

fn request(run: &mut Run<'_>, f: &V2Flags, url: &str) -> Http {
    let addr = strip_scheme(url).replacen("localhost:", "127.0.0.1:", 1);
    let Some(member) = run.host.member_at(url) else {
        return Http::Transport(format!("dial tcp {addr}: connect: connection refused"));
    };
    let running = run
        .host
        .cluster()
        .and_then(|m| m.members.get(member).map(Member::is_running))
        .unwrap_or(false);
    if !running {
        return Http::Transport(format!("dial tcp {addr}: connect: connection refused"));
    }
    let client_tls = url.starts_with("https://");
    let server_tls = run.host.tls_required(url);
    if server_tls && !client_tls {
        // Go's TLS server answers plain HTTP with 400 "Client sent an HTTP request to an HTTPS server."
        return Http::Status(400);
    }
    if client_tls && !server_tls {
        return Http::Transport("tls: first record does not look like a TLS handshake".to_string());
    }
    if client_tls {
        let ca = f.ca.as_ref().map(|p| run.abs(p));
        let cert = f.cert.as_ref().map(|p| run.abs(p));
        let key = f.key.as_ref().map(|p| run.abs(p));
        if !run.host.tls_ok(ca.as_deref(), cert.as_deref(), key.as_deref()) {
            let e = if ca.is_none() {
                "x509: certificate signed by unknown authority"
            } else {
                "remote error: tls: bad certificate"
            };
            return Http::Transport(e.to_string());
        }
    }
    // The v2 members API is off by default from 3.4 on.
    if run.host.cluster().is_some_and(|m| m.version.minor_key() >= (3, 4)) {
        return Http::Status(404);
    }
    Http::Ok
}

fn member_list(run: &mut Run<'_>, f: &V2Flags) -> R {
    let mut errors = Vec::new();
    let mut status = None;
    for ep in f.endpoints.clone() {
        match request(run, f, &ep) {
            Http::Ok => {
                status = None;
                errors.clear();
                break;
            }
            Http::Transport(e) => errors.push(e),
            Http::Status(s) => {
                status = Some(s);
                break;
            }
        }
    }
    if status.is_none() && errors.len() == f.endpoints.len() {
        let mut s = "client: etcd cluster is unavailable or misconfigured".to_string();
        let mut detail = String::new();
        for (i, e) in errors.iter().enumerate() {
            s.push_str(&format!("; error #{i}: {e}\n"));
            detail.push_str(&format!("error #{i}: {e}\n"));
        }
        run.raw_err(format!("Error:  {s}\n"));
        run.raw_err(format!("{detail}\n"));
        return Err(run.exit(2));
    }
    if let Some(code) = status {
        run.err(format!("unexpected status code {code}"));
        return Err(run.exit(1));
    }
    let Some(m) = run.host.cluster() else { return Ok(()) };
    let leader = m.leader.and_then(|l| m.members.get(l)).map(|l| l.id);
    let mut ms = m.members.clone();
    ms.sort_by_key(|x| x.id);
    let Some(leader) = leader else {
        run.err("Failed to get leader:  client: etcd cluster is unavailable or misconfigured; error #0: client: endpoint has no leader");
        return Err(run.exit(1));
    };
    for x in ms {
        if x.name.is_empty() {
            run.line(format!("{:x}[unstarted]: peerURLs={}", x.id, x.peer_urls.join(",")));
        } else {
            run.line(format!(
                "{:x}: name={} peerURLs={} clientURLs={} isLeader={}",
                x.id,
                x.name,
                x.peer_urls.join(","),
                x.client_urls.join(","),
                x.id == leader
            ));
        }
    }
    Ok(())
}

fn cluster_health(run: &mut Run<'_>, f: &V2Flags) -> R {
    let mut listed = false;
    for ep in f.endpoints.clone() {
        if let Http::Ok = request(run, f, &ep) {
            listed = true;
            break;
        }
    }
    if !listed {
        run.line("cluster may be unhealthy: failed to list members");
        run.err("Error:  client: etcd cluster is unavailable or misconfigured");
        return Err(run.exit(4));
    }
    let (ms, quorum) = match run.host.cluster() {
        Some(m) => {
            let mut ms = m.members.clone();
            ms.sort_by_key(|x| x.id);
            (ms, m.has_quorum())
        }
        None => return Ok(()),
    };
    let mut healthy = 0;
    let quote = run.tool.go_quotes();
    for m in &ms {
        if m.client_urls.is_empty() {
            run.line(format!(
                "member {:x} is unreachable: no available published client urls",
                m.id
            ));
            continue;
        }
        let mut checked = false;
        for url in &m.client_urls {
            match request(run, f, url) {
                Http::Ok => {
                    checked = true;
                    if quorum {
                        run.line(format!("member {:x} is healthy: got healthy result from {url}", m.id));
                        healthy += 1;
                    } else {
                        run.line(format!(
                            "member {:x} is unhealthy: got unhealthy result from {url}",
                            m.id
                        ));
                    }
                    break;
                }
                Http::Transport(e) => {
                    let target = if quote {
                        format!("\"{url}/health\"")
                    } else {
                        format!("{url}/health")
                    };
                    run.line(format!(
                        "failed to check the health of member {:x} on {url}: Get {target}: {e}",
                        m.id
                    ));
                }
                Http::Status(_) => {}
            }
        }
        if !checked {
            run.line(format!(
                "member {:x} is unreachable: [{}] are all unreachable",
                m.id,
                m.client_urls.join(" ")
            ));
        }
    }
    if healthy == ms.len() {
        run.line("cluster is healthy");
        Ok(())
    } else {
        run.line(if healthy == 0 {
            "cluster is unavailable"
        } else {
            "cluster is degraded"
        });
        Err(run.exit(5))
    }
}
