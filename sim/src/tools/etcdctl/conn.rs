//! The client side: global flags and `ETCDCTL_*` variables (`clientConfigFromCmd`), the TLS
//! configuration (`newClientCfg`, which reads the certificate files), and what dialling an
//! endpoint gives. etcdctl never blocks on the dial: an RPC waits for a ready connection until
//! its command timeout, so every connection problem ends as `context deadline exceeded` after
//! `--command-timeout` (5 s), preceded since 3.4 by the retry interceptor's warn line.

use super::tool::Grpc;
use super::{Display, EXIT_BAD_ARGS, EXIT_BAD_CONNECTION, EXIT_ERROR, Exit, R, Run};
use crate::etcd::log::{Field, Rec, Site, TsFormat, caller, capnslog_line, json_line};
use crate::etcd::model::EtcdError;
use crate::gotext::go_quote;
use sha1::{Digest, Sha1};

/// The TLS part of a client configuration.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tls {
    pub(crate) cacert: Option<String>,
    pub(crate) cert: Option<String>,
    pub(crate) key: Option<String>,
    /// A TLS configuration exists (any of the files given, or `--insecure-transport=false`).
    pub(crate) on: bool,
    pub(crate) skip_verify: bool,
}

/// A client as `clientv3.New` builds it.
#[derive(Clone, Debug)]
pub(crate) struct Client {
    pub(crate) endpoints: Vec<String>,
    pub(crate) tls: Tls,
    pub(crate) command_timeout_ms: u64,
    /// `--command-timeout` given explicitly (snapshot save has no timeout otherwise).
    pub(crate) timeout_set: bool,
    /// The zap logger name of the client's own logs (`etcd-client`, `client`, none in 3.4).
    pub(crate) logger: Option<&'static str>,
}

/// Why a connection never became ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DialErr {
    /// Nothing listens, or the member's process is down.
    Refused,
    /// Plain HTTP/2 to a TLS listener.
    PlainToTls,
    /// TLS to a plain listener.
    TlsToPlain,
    /// The server certificate is not trusted (no `--cacert`, or the wrong CA).
    BadCa,
    /// The server wants a client certificate that was not given or not accepted.
    NoClientCert,
}

impl Run<'_> {
    /// `SetPflagsFromEnv("ETCDCTL", inherited flags)` with `verifyEnv`: unset flags take
    /// `ETCDCTL_<FLAG>`; a variable shadowed by a flag on the command line is fatal; other
    /// `ETCDCTL_` variables are reported as unrecognized.
    pub(crate) fn apply_env(&mut self) -> R {
        let mut already = Vec::new();
        let mut used = Vec::new();
        let mut names = self.inherited.clone();
        names.sort_unstable();
        for name in names {
            let key = env_key(name);
            if self.flags.changed(name) {
                already.push(key);
                continue;
            }
            if let Some(v) = self.env.get(&key).filter(|v| !v.is_empty()) {
                let v = v.to_string();
                // etcdctl ignores a value it cannot parse.
                let tool = self.tool.clone();
                let _ = self.flags.set(name, &v, &tool);
                used.push(key);
            }
        }
        // etcdctl 3.4 and 3.5 unset ETCDCTL_API in main before this runs; 3.6 does not.
        let api_unset = !self.tool.ge(3, 6);
        let vars: Vec<(String, String)> = self.env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        for (k, v) in vars {
            if used.contains(&k) || (api_unset && k == "ETCDCTL_API") {
                continue;
            }
            if already.contains(&k) {
                return Err(self.env_conflict(&k));
            }
            if k.starts_with("ETCDCTL_") {
                self.env_unrecognized(&format!("{k}={v}"));
            }
        }
        if self.flags.bool("debug") {
            let mut names = self.inherited.clone();
            names.sort_unstable();
            for name in names {
                let shown = self.flags.shown(name);
                self.err(format!("{}={shown}", env_key(name)));
            }
        }
        Ok(())
    }

    fn env_unrecognized(&mut self, kv: &str) {
        let ts = self.host.timestamp();
        if !self.tool.ge(3, 5) {
            let l = capnslog_line(ts, 'W', "pkg/flags", &format!("unrecognized environment variable {kv}"));
            self.err(l);
            return;
        }
        let rec = Rec {
            level: "warn",
            logger: None,
            caller: caller(Site::Unrecognized, &self.tool.v),
            msg: "unrecognized environment variable",
            fields: vec![("environment-variable", Field::Str(kv.to_string()))],
        };
        let l = json_line(ts, self.client_ts(), &rec);
        self.err(l);
    }

    fn env_conflict(&mut self, key: &str) -> Exit {
        let ts = self.host.timestamp();
        if !self.tool.ge(3, 5) {
            let msg = format!(
                "conflicting environment variable {} is shadowed by corresponding command-line flag (either unset environment variable or disable flag)",
                go_quote(key)
            );
            let l = capnslog_line(ts, 'C', "pkg/flags", &msg);
            self.err(l);
            return self.exit(EXIT_ERROR);
        }
        let rec = Rec {
            level: "fatal",
            logger: None,
            caller: caller(Site::Conflicting, &self.tool.v),
            msg: "conflicting environment variable is shadowed by corresponding command-line flag (either unset environment variable or disable flag))",
            fields: vec![("environment-variable", Field::Str(key.to_string()))],
        };
        let l = json_line(ts, self.client_ts(), &rec);
        self.err(l);
        self.exit(EXIT_ERROR)
    }

    /// The time format of etcd's default zap config (client and `pkg/flags` logs).
    pub(crate) fn client_ts(&self) -> TsFormat {
        if self.tool.ge_patch(3, 5, 8) {
            TsFormat::IsoMicros
        } else {
            TsFormat::IsoMillis
        }
    }

    /// `clientConfigFromCmd` plus `newClientCfg`: everything up to `clientv3.New`. A bad TLS
    /// setup exits 128 (`ExitBadArgs`), as `mustClient` does.
    pub(crate) fn client_config(&mut self) -> R<Client> {
        self.apply_env()?;
        self.config_from_flags(EXIT_BAD_ARGS)
    }

    /// The part of `clientConfigFromCmd` after the environment, and the TLS files (`tls_exit`:
    /// `--cluster`'s own client in 3.4/3.5 exits 1 where `mustClient` exits 128).
    pub(crate) fn config_from_flags(&mut self, tls_exit: i32) -> R<Client> {
        if self.flags.changed("discovery-srv") && !self.flags.str("discovery-srv").is_empty() {
            return Err(self.not_modelled("--discovery-srv"));
        }
        let endpoints: Vec<String> = self
            .flags
            .strs("endpoints")
            .iter()
            .map(|e| e.trim().to_string())
            .collect();
        let mut tls = Tls::default();
        for (name, slot) in [("cert", 1), ("key", 2), ("cacert", 0)] {
            let v = self.flags.str(name);
            if v.is_empty() && self.flags.changed(name) {
                return Err(self.fail(EXIT_BAD_ARGS, format!("empty string is passed to --{name} option")));
            }
            let v = (!v.is_empty()).then_some(v);
            match slot {
                0 => tls.cacert = v,
                1 => tls.cert = v,
                _ => tls.key = v,
            }
        }
        if !self.flags.str("user").is_empty() {
            return Err(self.not_modelled("--user"));
        }
        self.init_display()?;
        if self.display == Display::Protobuf {
            return Err(self.not_modelled("-w protobuf"));
        }
        tls.skip_verify = self.flags.bool("insecure-skip-tls-verify");
        tls.on =
            tls.cacert.is_some() || tls.cert.is_some() || tls.key.is_some() || !self.flags.bool("insecure-transport");
        if tls.cert.is_some() || tls.key.is_some() {
            let (cert, key) = (
                tls.cert.clone().unwrap_or_default(),
                tls.key.clone().unwrap_or_default(),
            );
            if cert.is_empty() || key.is_empty() {
                return Err(self.fail(
                    tls_exit,
                    format!("KeyFile and CertFile must both be present[key: {key}, cert: {cert}]"),
                ));
            }
            for f in [&cert, &key] {
                if !self.host.file_exists(&self.abs(f)) {
                    return Err(self.fail(tls_exit, format!("open {f}: no such file or directory")));
                }
            }
        }
        if let Some(ca) = tls.cacert.clone()
            && !self.host.file_exists(&self.abs(&ca))
        {
            return Err(self.fail(tls_exit, format!("open {ca}: no such file or directory")));
        }
        let timeout = self.flags.dur("command-timeout");
        Ok(Client {
            endpoints,
            tls,
            command_timeout_ms: timeout / 1_000_000,
            timeout_set: self.flags.changed("command-timeout"),
            logger: if self.tool.ge(3, 5) { Some("etcd-client") } else { None },
        })
    }

    /// `clientv3.New`'s one synchronous check.
    pub(crate) fn new_client(&mut self, c: &Client) -> R {
        if c.endpoints.is_empty() {
            return Err(self.fail(EXIT_BAD_CONNECTION, "etcdclient: no available endpoints"));
        }
        Ok(())
    }

    /// The URL the host is asked about: the typed scheme, else the one the client's TLS
    /// setting implies.
    pub(crate) fn dial_url(&self, c: &Client, ep: &str) -> String {
        if ep.contains("://") {
            ep.to_string()
        } else if c.tls.on {
            format!("https://{ep}")
        } else {
            format!("http://{ep}")
        }
    }

    /// Whether a connection to `ep` becomes ready, and to which member.
    pub(crate) fn dial(&mut self, c: &Client, ep: &str) -> Result<usize, DialErr> {
        let url = self.dial_url(c, ep);
        let Some(member) = self.host.member_at(&url) else {
            return Err(DialErr::Refused);
        };
        let running = self
            .host
            .cluster()
            .and_then(|m| m.members.get(member).map(|x| x.is_running() && !x.cold))
            .unwrap_or(false);
        if !running {
            return Err(DialErr::Refused);
        }
        let client_tls = url.starts_with("https://") || url.starts_with("unixs://");
        let server_tls = self.host.tls_required(&url);
        match (client_tls, server_tls) {
            (false, true) => return Err(DialErr::PlainToTls),
            (true, false) => return Err(DialErr::TlsToPlain),
            (false, false) => return Ok(member),
            (true, true) => {}
        }
        let t = &c.tls;
        let ok = if t.skip_verify {
            self.host
                .tls_ok(Some(KUBEADM_ETCD_CA), t.cert.as_deref(), t.key.as_deref())
        } else {
            let ca = t.cacert.as_ref().map(|p| self.abs(p));
            let cert = t.cert.as_ref().map(|p| self.abs(p));
            let key = t.key.as_ref().map(|p| self.abs(p));
            self.host.tls_ok(ca.as_deref(), cert.as_deref(), key.as_deref())
        };
        if ok {
            return Ok(member);
        }
        // Which half failed is a guess from what was given: no CA means the server was not
        // trusted; a CA but no client certificate means the server refused the client.
        if !t.skip_verify && (t.cacert.is_none() || t.cert.is_some()) {
            Err(DialErr::BadCa)
        } else {
            Err(DialErr::NoClientCert)
        }
    }

    /// The balancer: the first endpoint whose connection becomes ready serves the request.
    pub(crate) fn pick(&mut self, c: &Client) -> Result<(String, usize), (String, DialErr)> {
        let mut last = None;
        for ep in c.endpoints.clone() {
            match self.dial(c, &ep) {
                Ok(m) => return Ok((ep, m)),
                Err(e) => last = Some((ep, e)),
            }
        }
        Err(last.unwrap_or((String::new(), DialErr::Refused)))
    }

    /// gRPC's description of a connection that never became ready, as the retry warn line and
    /// `Failed to get the status` show it.
    pub(crate) fn dial_error(&self, ep: &str, e: DialErr) -> String {
        let g = self.tool.grpc();
        let addr = tcp_addr(ep);
        let go120 = g == Grpc::V158;
        let cause = match e {
            DialErr::Refused => {
                let colon = if go120 { ":" } else { "" };
                format!("connection error: desc = \"transport: Error while dialing{colon} dial tcp {addr}: connect: connection refused\"")
            }
            DialErr::PlainToTls => match g {
                Grpc::V126 => "connection closed".to_string(),
                Grpc::V141 => "connection closed before server preface received".to_string(),
                _ => "connection error: desc = \"error reading server preface: EOF\"".to_string(),
            },
            DialErr::TlsToPlain => "connection error: desc = \"transport: authentication handshake failed: tls: first record does not look like a TLS handshake\"".to_string(),
            DialErr::BadCa => {
                let pre = if go120 { "tls: failed to verify certificate: " } else { "" };
                format!("connection error: desc = \"transport: authentication handshake failed: {pre}x509: certificate signed by unknown authority\"")
            }
            DialErr::NoClientCert => {
                let alert = if self.tool.ge(3, 6) || self.tool.ge_patch(3, 5, 15) {
                    "certificate required"
                } else {
                    "bad certificate"
                };
                format!("connection error: desc = \"error reading server preface: remote error: tls: {alert}\"")
            }
        };
        match g {
            Grpc::V123 => "rpc error: code = DeadlineExceeded desc = context deadline exceeded".to_string(),
            Grpc::V126 => format!(
                "rpc error: code = DeadlineExceeded desc = latest balancer error: all SubConns are in TransientFailure, latest connection error: {cause}"
            ),
            _ => format!(
                "rpc error: code = DeadlineExceeded desc = latest balancer error: last connection error: {cause}"
            ),
        }
    }

    /// The retry interceptor's `retrying of unary invoker failed` warning.
    pub(crate) fn retry_warn(&mut self, c: &Client, method: &str, error: &str) {
        // etcd 3.3's client retried without logging.
        if !self.tool.ge(3, 4) {
            return;
        }
        let ts = self.host.timestamp();
        let target = self.target(c, ts);
        let mut fields = vec![("target", Field::Str(target))];
        if self.tool.ge(3, 6) {
            fields.push(("method", Field::Str(method.to_string())));
        }
        fields.push(("attempt", Field::Uint(0)));
        fields.push(("error", Field::Str(error.to_string())));
        let rec = Rec {
            level: "warn",
            logger: c.logger,
            caller: caller(Site::Retry, &self.tool.v),
            msg: "retrying of unary invoker failed",
            fields,
        };
        let l = json_line(ts, self.client_ts(), &rec);
        self.err(l);
    }

    /// The gRPC target of the client connection: 3.4 `endpoint://client-<uuid>/<host:port>`,
    /// 3.5.0 `etcd-endpoints://<ptr>/#initially=[<endpoints>]`, later `etcd-endpoints://<ptr>/<host:port>`.
    fn target(&self, c: &Client, seed: u64) -> String {
        let first = c.endpoints.first().cloned().unwrap_or_default();
        let h = Sha1::digest(format!("{seed}/{}", c.endpoints.join(",")).as_bytes());
        if !self.tool.ge(3, 5) {
            let hex: String = h.iter().take(16).map(|b| format!("{b:02x}")).collect();
            let variant = ["8", "9", "a", "b"][usize::from(h[8] & 3)];
            let uuid = format!(
                "{}-{}-4{}-{variant}{}-{}",
                &hex[0..8],
                &hex[8..12],
                &hex[13..16],
                &hex[17..20],
                &hex[20..32]
            );
            return format!("endpoint://client-{uuid}/{}", strip_scheme(&first));
        }
        let ptr = format!("0xc000{:02x}{:02x}{:x}0", h[0], h[1], h[2] >> 4);
        if self.tool.v.minor == 5 && self.tool.v.patch == 0 {
            format!("etcd-endpoints://{ptr}/#initially=[{}]", c.endpoints.join(";"))
        } else {
            format!("etcd-endpoints://{ptr}/{}", strip_scheme(&first))
        }
    }

    /// A unary RPC that never got a ready connection: the wait, the warn line, the error.
    pub(crate) fn fail_unreachable(&mut self, c: &Client, method: &str, ep: &str, e: DialErr) -> Exit {
        self.host.wait(c.command_timeout_ms);
        let msg = self.dial_error(ep, e);
        self.retry_warn(c, method, &msg);
        self.fail(EXIT_ERROR, "context deadline exceeded")
    }

    /// A unary RPC the server answered with an error, or one that needed quorum.
    pub(crate) fn fail_rpc(&mut self, c: &Client, method: &str, e: &EtcdError) -> Exit {
        match e {
            EtcdError::NoQuorum | EtcdError::Unavailable => {
                self.host.wait(c.command_timeout_ms);
                self.retry_warn(
                    c,
                    method,
                    "rpc error: code = DeadlineExceeded desc = context deadline exceeded",
                );
                self.fail(EXIT_ERROR, "context deadline exceeded")
            }
            other => {
                let msg = other.to_string();
                self.fail_answered(c, method, grpc_code(other), &msg)
            }
        }
    }

    /// A server error the model does not produce itself.
    pub(crate) fn fail_server(&mut self, c: &Client, method: &str, e: ServerErr) -> Exit {
        let (code, msg) = e.text();
        self.fail_answered(c, method, code, msg)
    }

    fn fail_answered(&mut self, c: &Client, method: &str, code: &str, msg: &str) -> Exit {
        self.retry_warn(c, method, &format!("rpc error: code = {code} desc = {msg}"));
        self.fail(EXIT_ERROR, msg)
    }
}

/// Server errors outside [`EtcdError`] (`api/v3rpc/rpctypes/error.go`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ServerErr {
    EmptyKey,
    KeyNotFound,
    LeaseNotFound,
    FutureRevision,
    BadUrls,
}

impl ServerErr {
    fn text(self) -> (&'static str, &'static str) {
        match self {
            ServerErr::EmptyKey => ("InvalidArgument", "etcdserver: key is not provided"),
            ServerErr::KeyNotFound => ("InvalidArgument", "etcdserver: key not found"),
            ServerErr::LeaseNotFound => ("NotFound", "etcdserver: requested lease not found"),
            ServerErr::FutureRevision => ("OutOfRange", "etcdserver: mvcc: required revision is a future revision"),
            ServerErr::BadUrls => ("InvalidArgument", "etcdserver: given member URLs are invalid"),
        }
    }
}

/// The CA a kubeadm etcd trusts; `--insecure-skip-tls-verify` only leaves the client
/// certificate to check, which is asked of the host with this CA standing for "trusted".
const KUBEADM_ETCD_CA: &str = "/etc/kubernetes/pki/etcd/ca.crt";

/// `ETCDCTL_` + the flag name upper-cased with `_` for `-`.
pub(crate) fn env_key(flag: &str) -> String {
    format!("ETCDCTL_{}", flag.to_uppercase().replace('-', "_"))
}

pub(crate) fn strip_scheme(ep: &str) -> &str {
    ep.split_once("://").map_or(ep, |(_, r)| r)
}

/// The address `dial tcp` reports: the endpoint's host (localhost resolved) and port.
fn tcp_addr(ep: &str) -> String {
    let hp = strip_scheme(ep).trim_end_matches('/');
    match hp.rsplit_once(':') {
        Some(("localhost", port)) => format!("127.0.0.1:{port}"),
        _ => hp.to_string(),
    }
}

/// The gRPC status code etcd's server errors carry (`api/v3rpc/rpctypes/error.go`).
fn grpc_code(e: &EtcdError) -> &'static str {
    match e {
        EtcdError::MemberNotFound => "NotFound",
        EtcdError::UnhealthyCluster => "Unavailable",
        EtcdError::NoQuorum | EtcdError::Unavailable => "DeadlineExceeded",
        _ => "FailedPrecondition",
    }
}
