//! `curl` on a node (7.81, Ubuntu 22.04) against what listens in the cluster: the API server's
//! health endpoints (`curl -k https://127.0.0.1:6443/healthz`, `/livez`, `/readyz`,
//! `?verbose`, `/version`), etcd's `/health` and `/version` (client port 2379 with a client
//! certificate, metrics port 2381 in plain HTTP), the kubelet's healthz (10248) and the
//! controller-manager's and scheduler's (10257, 10259). Errors are curl's: a refused
//! connection (7), an unknown host (6), an unverified certificate (60), a TLS handshake
//! without the client certificate etcd requires (56), `--fail` (22); `-s` hides them, `-S`
//! shows them again.

use crate::shell::CommandOutput;
use crate::shell::output::stderr;
use crate::tools::api::{Listener, NodeApi};

#[derive(Default)]
struct Opts {
    insecure: bool,
    silent: bool,
    show_error: bool,
    fail: bool,
    include: bool,
    cacert: bool,
    cert: bool,
    url: Option<String>,
}

fn out_err(out: &mut CommandOutput, o: &Opts, code: i32, msg: &str) {
    if !o.silent || o.show_error {
        stderr(out, format!("curl: ({code}) {msg}"));
    }
    out.status = code;
}

pub(crate) fn curl(api: &dyn NodeApi, args: &[String]) -> CommandOutput {
    let mut out = CommandOutput::default();
    let mut o = Opts::default();
    // Short flags without a value may be bundled (`-fsSk`).
    let args: Vec<String> = args
        .iter()
        .flat_map(|a| match a.strip_prefix('-') {
            Some(f) if !f.starts_with('-') && f.len() > 1 && f.chars().all(|c| "ksSfiLv46".contains(c)) => {
                f.chars().map(|c| format!("-{c}")).collect::<Vec<_>>()
            }
            _ => vec![a.clone()],
        })
        .collect();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let mut value = || {
            i += 1;
            args.get(i).cloned()
        };
        match a {
            "-k" | "--insecure" => o.insecure = true,
            "-s" | "--silent" => o.silent = true,
            "-S" | "--show-error" => o.show_error = true,
            "-f" | "--fail" => o.fail = true,
            "-i" | "--include" => o.include = true,
            "-v" | "--verbose" | "-L" | "--location" | "-4" | "-6" | "--compressed" | "--no-progress-meter" => {}
            "--cacert" | "--capath" => {
                o.cacert = value().is_some();
            }
            "--cert" | "-E" => {
                o.cert = value().is_some();
            }
            "--key" | "-m" | "--max-time" | "--connect-timeout" | "-H" | "--header" => {
                value();
            }
            "-X" | "--request" => {
                if value().is_some_and(|m| m != "GET") {
                    stderr(&mut out, "kubedrill: curl requests other than GET are not modelled yet");
                    out.status = 2;
                    return out;
                }
            }
            "-o" | "--output" | "-w" | "--write-out" | "-d" | "--data" | "-u" | "--user" => {
                stderr(&mut out, format!("kubedrill: curl {a} is not modelled yet"));
                out.status = 2;
                return out;
            }
            "-h" | "--help" => {
                crate::shell::output::stdout(
                    &mut out,
                    "Usage: curl [options...] <url>\n -k, --insecure  Allow insecure server connections\n -s, --silent    Silent mode\n -f, --fail      Fail fast with no output on HTTP errors\n -i, --include   Include protocol response headers in the output\n(kubedrill models GET requests to the cluster's health endpoints)",
                );
                return out;
            }
            a if a.starts_with("--cacert=") => o.cacert = true,
            a if a.starts_with("--cert=") => o.cert = true,
            a if a.starts_with('-') => {
                stderr(&mut out, format!("kubedrill: curl {a} is not modelled yet"));
                out.status = 2;
                return out;
            }
            a => o.url = Some(a.to_string()),
        }
        i += 1;
    }
    let Some(url) = o.url.clone() else {
        stderr(
            &mut out,
            "curl: try 'curl --help' or 'curl --manual' for more information",
        );
        out.status = 2;
        return out;
    };
    let (https, rest) = match url.split_once("://") {
        Some(("https", r)) => (true, r.to_string()),
        Some(("http", r)) => (false, r.to_string()),
        Some((scheme, _)) => {
            out_err(
                &mut out,
                &o,
                1,
                &format!("Protocol \"{scheme}\" not supported or disabled in libcurl"),
            );
            return out;
        }
        None => (false, url.clone()),
    };
    let (authority, path) = match rest.find('/') {
        Some(p) => (rest[..p].to_string(), rest[p..].to_string()),
        None => (rest.clone(), "/".to_string()),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if p.parse::<u16>().is_ok() => (h.to_string(), p.parse::<u16>().unwrap_or(80)),
        _ => (authority.clone(), if https { 443 } else { 80 }),
    };
    let listener = api.listener(&host, port);
    let refused = |out: &mut CommandOutput| {
        out_err(
            out,
            &o,
            7,
            &format!("Failed to connect to {host} port {port} after 0 ms: Connection refused"),
        );
    };
    let (status, body) = match listener {
        Listener::UnknownHost => {
            out_err(&mut out, &o, 6, &format!("Could not resolve host: {host}"));
            return out;
        }
        Listener::Nothing => {
            refused(&mut out);
            return out;
        }
        Listener::ApiServer { healthy, version } => {
            if !https {
                (400, "Client sent an HTTP request to an HTTPS server.\n".to_string())
            } else if let Some(stop) = tls_check(&o, &host, false) {
                out_err(&mut out, &o, stop.0, &stop.1);
                return out;
            } else {
                apiserver(&path, healthy, &version)
            }
        }
        Listener::Etcd { quorum, version } => {
            if !https {
                out_err(&mut out, &o, 52, "Empty reply from server");
                return out;
            }
            if let Some(stop) = tls_check(&o, &host, true) {
                out_err(&mut out, &o, stop.0, &stop.1);
                return out;
            }
            etcd(&path, quorum, &version)
        }
        Listener::EtcdMetrics { quorum } => {
            if https {
                out_err(&mut out, &o, 35, "error:0A00010B:SSL routines::wrong version number");
                return out;
            }
            etcd(&path, quorum, "")
        }
        Listener::Kubelet => {
            if https {
                out_err(&mut out, &o, 35, "error:0A00010B:SSL routines::wrong version number");
                return out;
            }
            match path.split('?').next() {
                Some("/healthz") => (200, "ok".to_string()),
                _ => (404, "404 page not found\n".to_string()),
            }
        }
        Listener::Component => {
            if !https {
                (400, "Client sent an HTTP request to an HTTPS server.\n".to_string())
            } else if let Some(stop) = tls_check(&o, &host, false) {
                out_err(&mut out, &o, stop.0, &stop.1);
                return out;
            } else {
                match path.split('?').next() {
                    Some("/healthz" | "/livez" | "/readyz") => (200, "ok".to_string()),
                    _ => (403, forbidden(&path)),
                }
            }
        }
    };
    if o.fail && status >= 400 {
        out_err(&mut out, &o, 22, &format!("The requested URL returned error: {status}"));
        return out;
    }
    if o.include {
        let kind = if body.starts_with('{') {
            "application/json"
        } else {
            "text/plain; charset=utf-8"
        };
        let proto = if https { "HTTP/2" } else { "HTTP/1.1" };
        out.push(
            crate::shell::Stream::Stdout,
            &format!(
                "{proto} {status} \ncache-control: no-cache, private\ncontent-type: {kind}\nx-content-type-options: nosniff\ncontent-length: {}\n\n",
                body.len()
            ),
        );
    }
    out.push(crate::shell::Stream::Stdout, &body);
    out
}

/// Certificate checks: without `-k` curl verifies the server (the cluster CA is not in the
/// system store; the API server's certificate names no `127.0.0.1`); etcd wants a client
/// certificate.
fn tls_check(o: &Opts, host: &str, client_cert_required: bool) -> Option<(i32, String)> {
    if !o.insecure && !o.cacert {
        return Some((
            60,
            "SSL certificate problem: unable to get local issuer certificate\nMore details here: https://curl.se/docs/sslcerts.html\n\ncurl failed to verify the legitimacy of the server and therefore could not\nestablish a secure connection to it. To learn more about this situation and\nhow to fix it, please visit the web page mentioned above.".to_string(),
        ));
    }
    if !o.insecure && !client_cert_required && matches!(host, "127.0.0.1" | "localhost") {
        return Some((
            60,
            format!(
                "SSL: no alternative certificate subject name matches target host name '{host}'\nMore details here: https://curl.se/docs/sslcerts.html\n\ncurl failed to verify the legitimacy of the server and therefore could not\nestablish a secure connection to it. To learn more about this situation and\nhow to fix it, please visit the web page mentioned above."
            ),
        ));
    }
    if client_cert_required && !o.cert {
        return Some((
            56,
            "OpenSSL SSL_read: error:0A00045C:SSL routines::tlsv13 alert certificate required, errno 0".to_string(),
        ));
    }
    None
}

fn forbidden(path: &str) -> String {
    let p = path.split('?').next().unwrap_or(path);
    format!(
        "{{\n  \"kind\": \"Status\",\n  \"apiVersion\": \"v1\",\n  \"metadata\": {{}},\n  \"status\": \"Failure\",\n  \"message\": \"forbidden: User \\\"system:anonymous\\\" cannot get path \\\"{p}\\\"\",\n  \"reason\": \"Forbidden\",\n  \"details\": {{}},\n  \"code\": 403\n}}"
    )
}

/// The API server's answers to an anonymous request.
fn apiserver(path: &str, healthy: bool, version: &str) -> (u16, String) {
    let (p, query) = path.split_once('?').unwrap_or((path, ""));
    let verbose = query.split('&').any(|q| q == "verbose" || q.starts_with("verbose="));
    match p {
        "/healthz" | "/livez" | "/readyz" => {
            let name = &p[1..];
            let checks = [
                "ping",
                "log",
                "etcd",
                "poststarthook/start-apiserver-admission-initializer",
                "poststarthook/generic-apiserver-start-informers",
                "poststarthook/priority-and-fairness-config-consumer",
                "poststarthook/start-apiextensions-informers",
                "poststarthook/start-apiextensions-controllers",
                "poststarthook/crd-informer-synced",
                "poststarthook/rbac/bootstrap-roles",
                "poststarthook/scheduling/bootstrap-system-priority-classes",
                "poststarthook/apiservice-registration-controller",
                "autoregister-completion",
            ];
            let mut lines = Vec::new();
            for c in checks {
                if c == "etcd" && !healthy {
                    lines.push("[-]etcd failed: reason withheld".to_string());
                } else {
                    lines.push(format!("[+]{c} ok"));
                }
            }
            if !healthy {
                lines.push(format!("{name} check failed"));
                (500, lines.join("\n") + "\n")
            } else if verbose {
                lines.push(format!("{name} check passed"));
                (200, lines.join("\n") + "\n")
            } else {
                (200, "ok".to_string())
            }
        }
        "/version" => {
            let v = version.trim_start_matches('v');
            let mut parts = v.split('.');
            let (major, minor) = (parts.next().unwrap_or("1"), parts.next().unwrap_or("0"));
            (
                200,
                format!(
                    "{{\n  \"major\": \"{major}\",\n  \"minor\": \"{minor}\",\n  \"gitVersion\": \"{version}\",\n  \"gitTreeState\": \"clean\",\n  \"goVersion\": \"go1.22.8\",\n  \"compiler\": \"gc\",\n  \"platform\": \"linux/amd64\"\n}}"
                ),
            )
        }
        _ => (403, forbidden(path)),
    }
}

/// etcd's health and version endpoints.
fn etcd(path: &str, quorum: bool, version: &str) -> (u16, String) {
    match path.split('?').next() {
        Some("/health") | Some("/livez") | Some("/readyz") => {
            if quorum {
                (200, "{\"health\":\"true\",\"reason\":\"\"}".to_string())
            } else {
                (503, "{\"health\":\"false\",\"reason\":\"RAFT NO LEADER\"}".to_string())
            }
        }
        Some("/version") if !version.is_empty() => (
            200,
            format!(
                "{{\"etcdserver\":\"{version}\",\"etcdcluster\":\"{}.0\"}}",
                version.rsplit_once('.').map_or(version, |(a, _)| a)
            ),
        ),
        _ => (404, "404 page not found\n".to_string()),
    }
}
