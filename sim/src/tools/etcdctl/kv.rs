//! `get`, `put` and `del` (`etcdctl/ctlv3/command/{get,put,del}_command.go` and the printers).

use super::conn::{Client, ServerErr};
use super::{Display, EXIT_BAD_ARGS, EXIT_BAD_FEATURE, R, Run};
use crate::etcd::model::{EtcdError, KeyValue};
use crate::gotext::{base64, go_quote, json_str};
use std::fmt::Write as _;

/// A response header (`etcdserverpb.ResponseHeader`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Header {
    pub(crate) cluster_id: u64,
    pub(crate) member_id: u64,
    pub(crate) revision: i64,
    pub(crate) raft_term: u64,
}

impl Header {
    /// `{"cluster_id":…,"member_id":…,"revision":…,"raft_term":…}` with protobuf's omitempty.
    pub(crate) fn json(&self) -> String {
        let mut parts = Vec::new();
        if self.cluster_id != 0 {
            parts.push(format!("\"cluster_id\":{}", self.cluster_id));
        }
        if self.member_id != 0 {
            parts.push(format!("\"member_id\":{}", self.member_id));
        }
        if self.revision != 0 {
            parts.push(format!("\"revision\":{}", self.revision));
        }
        if self.raft_term != 0 {
            parts.push(format!("\"raft_term\":{}", self.raft_term));
        }
        format!("{{{}}}", parts.join(","))
    }

    /// The fields printer's header lines (3.6 hides a zero revision).
    pub(crate) fn fields(&self, run: &mut Run<'_>) {
        run.line(format!("\"ClusterID\" : {}", self.cluster_id));
        run.line(format!("\"MemberID\" : {}", self.member_id));
        if !run.tool.ge(3, 6) || self.revision > 0 {
            run.line(format!("\"Revision\" : {}", self.revision));
        }
        run.line(format!("\"RaftTerm\" : {}", self.raft_term));
    }
}

/// The header a member puts on its responses.
pub(crate) fn header(run: &mut Run<'_>, member: usize, with_revision: bool) -> Header {
    let Some(m) = run.host.cluster() else {
        return Header {
            cluster_id: 0,
            member_id: 0,
            revision: 0,
            raft_term: 0,
        };
    };
    Header {
        cluster_id: m.cluster_id,
        member_id: m.members.get(member).map_or(0, |x| x.id),
        revision: if with_revision { m.revision } else { 0 },
        raft_term: m.term,
    }
}

fn kv_json(key: &str, kv: &KeyValue, keys_only: bool) -> String {
    let mut s = format!("{{\"key\":{}", json_str(&base64(key.as_bytes())));
    for (name, v) in [
        ("create_revision", kv.create_revision),
        ("mod_revision", kv.mod_revision),
        ("version", kv.version),
    ] {
        if v != 0 {
            let _ = write!(s, ",\"{name}\":{v}");
        }
    }
    if !keys_only && !kv.value.is_empty() {
        let _ = write!(s, ",\"value\":{}", json_str(&base64(kv.value.as_bytes())));
    }
    s.push('}');
    s
}

fn kv_fields(run: &mut Run<'_>, pfx: &str, key: &str, kv: &KeyValue, keys_only: bool) {
    let value = if keys_only { "" } else { kv.value.as_str() };
    run.line(format!("\"{pfx}Key\" : {}", go_quote(key)));
    run.line(format!("\"{pfx}CreateRevision\" : {}", kv.create_revision));
    run.line(format!("\"{pfx}ModRevision\" : {}", kv.mod_revision));
    run.line(format!("\"{pfx}Version\" : {}", kv.version));
    run.line(format!("\"{pfx}Value\" : {}", go_quote(value)));
    run.line(format!("\"{pfx}Lease\" : 0"));
}

/// `printKV`: the key, then the value; `--hex` prints both as `\x..` escapes.
fn print_kv(run: &mut Run<'_>, key: &str, value: &str, value_only: bool) {
    let hex = run.flags.bool("hex");
    let enc = |s: &str| -> String {
        if hex {
            s.bytes().map(|b| format!("\\x{b:02x}")).collect()
        } else {
            s.to_string()
        }
    };
    if !value_only {
        run.line(enc(key));
    }
    run.line(enc(value));
}

/// Which keys a request covers.
#[derive(Clone, Debug)]
enum Range {
    Key(String),
    Prefix(String),
    FromKey(String),
    Between(String, String),
}

impl Range {
    fn covers(&self, k: &str) -> bool {
        match self {
            Range::Key(x) => k == x,
            Range::Prefix(p) => k.starts_with(p.as_str()),
            Range::FromKey(x) => x == "\u{0}" || k >= x.as_str(),
            Range::Between(a, b) => k >= a.as_str() && k < b.as_str(),
        }
    }
}

/// etcd's key ranges: an empty key with `--prefix` or `--from-key` means every key (`\x00`).
fn range_of(args: &[String], prefix: bool, from_key: bool) -> Range {
    let key = args[0].clone();
    if args.len() > 1 {
        return Range::Between(key, args[1].clone());
    }
    if prefix {
        if key.is_empty() {
            Range::FromKey("\u{0}".to_string())
        } else {
            Range::Prefix(key)
        }
    } else if from_key {
        Range::FromKey(if key.is_empty() { "\u{0}".to_string() } else { key })
    } else {
        Range::Key(key)
    }
}

/// `consistency`: `s` or `l`, else exit 4.
fn serializable(run: &mut Run<'_>, value: &str) -> R<bool> {
    match value {
        "s" => Ok(true),
        "l" => Ok(false),
        other => Err(run.fail(
            EXIT_BAD_FEATURE,
            format!("unknown consistency flag {}", go_quote(other)),
        )),
    }
}

/// Connects and returns the member serving the request, or ends the command.
pub(crate) fn connect(run: &mut Run<'_>, c: &Client, method: &str) -> R<usize> {
    run.new_client(c)?;
    match run.pick(c) {
        Ok((_, m)) => Ok(m),
        Err((ep, e)) => Err(run.fail_unreachable(c, method, &ep, e)),
    }
}

pub(crate) fn get(run: &mut Run<'_>) -> R {
    let args = run.flags.args.clone();
    if args.is_empty() {
        return Err(run.fail(
            EXIT_BAD_ARGS,
            "get command needs one argument as key and an optional argument as range_end",
        ));
    }
    let (prefix, from_key) = (run.flags.bool("prefix"), run.flags.bool("from-key"));
    let (keys_only, count_only) = (run.flags.bool("keys-only"), run.flags.bool("count-only"));
    if prefix && from_key {
        return Err(run.fail(
            EXIT_BAD_ARGS,
            "`--prefix` and `--from-key` cannot be set at the same time, choose one",
        ));
    }
    if keys_only && count_only {
        return Err(run.fail(
            EXIT_BAD_ARGS,
            "`--keys-only` and `--count-only` cannot be set at the same time, choose one",
        ));
    }
    let consistency = run.flags.str("consistency");
    let serial = serializable(run, &consistency)?;
    if args.len() > 1 && (prefix || from_key) {
        return Err(run.fail(
            EXIT_BAD_ARGS,
            "too many arguments, only accept one argument when `--prefix` or `--from-key` is set",
        ));
    }
    let order = run.flags.str("order").to_uppercase();
    if !matches!(order.as_str(), "" | "ASCEND" | "DESCEND") {
        let o = run.flags.str("order");
        return Err(run.fail(EXIT_BAD_FEATURE, format!("bad sort order {o}")));
    }
    let target = run.flags.str("sort-by").to_uppercase();
    if !matches!(target.as_str(), "" | "CREATE" | "KEY" | "MODIFY" | "VALUE" | "VERSION") {
        let t = run.flags.str("sort-by");
        return Err(run.fail(EXIT_BAD_FEATURE, format!("bad sort target {t}")));
    }
    let range = range_of(&args, prefix, from_key);
    let c = run.client_config()?;
    let member = connect(run, &c, "/etcdserverpb.KV/Range")?;
    let allowed = run
        .host
        .cluster()
        .map_or(Err(EtcdError::Unavailable), |m| m.read_allowed(member, serial));
    if let Err(e) = allowed {
        return Err(run.fail_rpc(&c, "/etcdserverpb.KV/Range", &e));
    }
    let rev = run.flags.int("rev");
    let current = run.host.cluster().map_or(0, |m| m.revision);
    if rev > current {
        return Err(run.fail_server(&c, "/etcdserverpb.KV/Range", ServerErr::FutureRevision));
    }
    let mut kvs: Vec<(String, KeyValue)> = run
        .host
        .cluster()
        .map(|m| m.keys.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    kvs.extend(run.host.kube_kvs());
    kvs.retain(|(k, _)| range.covers(k));
    kvs.sort_by(|a, b| a.0.cmp(&b.0));
    match target.as_str() {
        "CREATE" => kvs.sort_by_key(|(_, v)| v.create_revision),
        "MODIFY" => kvs.sort_by_key(|(_, v)| v.mod_revision),
        "VALUE" => kvs.sort_by(|a, b| a.1.value.cmp(&b.1.value)),
        "VERSION" => kvs.sort_by_key(|(_, v)| v.version),
        _ => {}
    }
    if order == "DESCEND" {
        kvs.reverse();
    }
    let count = kvs.len();
    let limit = run.flags.int("limit");
    let more = limit > 0 && count > limit as usize;
    if limit > 0 {
        kvs.truncate(limit as usize);
    }
    if count_only {
        kvs.clear();
    }
    let hdr = header(run, member, true);
    if count_only && run.display != Display::Fields {
        return Err(run.fail(EXIT_BAD_ARGS, "--count-only is only for `--write-out=fields`"));
    }
    let value_only = run.flags.bool("print-value-only");
    if value_only && run.display != Display::Simple {
        return Err(run.fail(EXIT_BAD_ARGS, "print-value-only is only for `--write-out=simple`"));
    }
    match run.display {
        Display::Simple => {
            for (k, v) in &kvs {
                let value = if keys_only { String::new() } else { v.value.clone() };
                print_kv(run, k, &value, value_only);
            }
        }
        Display::Json => {
            let mut s = format!("{{\"header\":{}", hdr.json());
            if !kvs.is_empty() {
                let items: Vec<String> = kvs.iter().map(|(k, v)| kv_json(k, v, keys_only)).collect();
                let _ = write!(s, ",\"kvs\":[{}]", items.join(","));
            }
            if more {
                s.push_str(",\"more\":true");
            }
            if count > 0 {
                let _ = write!(s, ",\"count\":{count}");
            }
            s.push('}');
            run.line(s);
        }
        Display::Fields => {
            hdr.fields(run);
            for (k, v) in &kvs {
                kv_fields(run, "", k, v, keys_only);
            }
            run.line(format!("\"More\" : {more}"));
            run.line(format!("\"Count\" : {count}"));
        }
        Display::Table | Display::Protobuf => return Err(run.unsupported_format()),
    }
    Ok(())
}

pub(crate) fn put(run: &mut Run<'_>) -> R {
    let args = run.flags.args.clone();
    let needs = "put command needs 1 argument and input from stdin or 2 arguments";
    if args.is_empty() {
        return Err(run.fail(EXIT_BAD_ARGS, needs));
    }
    let ignore_value = run.flags.bool("ignore-value");
    if ignore_value && args.len() > 1 {
        return Err(run.fail(
            EXIT_BAD_ARGS,
            "put command needs only 1 argument when 'ignore-value' is set",
        ));
    }
    let key = args[0].clone();
    let mut value = String::new();
    if !ignore_value {
        value = match args.get(1) {
            Some(v) => v.clone(),
            None if !run.stdin.is_empty() => run.stdin.to_string(),
            None => return Err(run.fail(EXIT_BAD_ARGS, needs)),
        };
    }
    let lease = run.flags.str("lease");
    let Ok(lease_id) = i64::from_str_radix(&lease, 16) else {
        let e = format!("strconv.ParseInt: parsing {}: invalid syntax", go_quote(&lease));
        return Err(run.fail(EXIT_BAD_ARGS, format!("bad lease ID ({e}), expecting ID in Hex")));
    };
    let c = run.client_config()?;
    let member = connect(run, &c, "/etcdserverpb.KV/Put")?;
    let method = "/etcdserverpb.KV/Put";
    if key.is_empty() {
        return Err(run.fail_server(&c, method, ServerErr::EmptyKey));
    }
    if lease_id != 0 {
        return Err(run.fail_server(&c, method, ServerErr::LeaseNotFound));
    }
    let prev = run.host.cluster().and_then(|m| m.keys.get(&key).cloned());
    if ignore_value {
        match &prev {
            Some(p) => value = p.value.clone(),
            None => return Err(run.fail_server(&c, method, ServerErr::KeyNotFound)),
        }
    }
    let outcome = run.host.cluster().map_or(Err(EtcdError::Unavailable), |m| {
        m.reaches_leader(member)?;
        m.put(&key, &value)
    });
    if let Err(e) = outcome {
        return Err(run.fail_rpc(&c, method, &e));
    }
    let prev = if run.flags.bool("prev-kv") { prev } else { None };
    let hdr = header(run, member, true);
    match run.display {
        Display::Simple => {
            run.line("OK");
            if let Some(p) = &prev {
                print_kv(run, &key, &p.value, false);
            }
        }
        Display::Json => {
            let mut s = format!("{{\"header\":{}", hdr.json());
            if let Some(p) = &prev {
                let _ = write!(s, ",\"prev_kv\":{}", kv_json(&key, p, false));
            }
            s.push('}');
            run.line(s);
        }
        Display::Fields => {
            hdr.fields(run);
            if let Some(p) = &prev {
                kv_fields(run, "Prev", &key, p, false);
            }
        }
        Display::Table | Display::Protobuf => return Err(run.unsupported_format()),
    }
    Ok(())
}

pub(crate) fn del(run: &mut Run<'_>) -> R {
    let args = run.flags.args.clone();
    if args.is_empty() || args.len() > 2 {
        return Err(run.fail(
            EXIT_BAD_ARGS,
            "del command needs one argument as key and an optional argument as range_end",
        ));
    }
    let (prefix, from_key) = (run.flags.bool("prefix"), run.flags.bool("from-key"));
    if prefix && from_key {
        return Err(run.fail(
            EXIT_BAD_ARGS,
            "`--prefix` and `--from-key` cannot be set at the same time, choose one",
        ));
    }
    if args.len() > 1 {
        if prefix || from_key {
            return Err(run.fail(
                EXIT_BAD_ARGS,
                "too many arguments, only accept one argument when `--prefix` or `--from-key` is set",
            ));
        }
        if run.flags.has("range") && !run.flags.bool("range") {
            if run.tool.ge(3, 6) {
                run.err(format!(
                    "Warning: Keys between {} and {} will be deleted. Please interrupt the command within next 2 seconds to cancel. You can provide `--range` flag to avoid the delay.",
                    go_quote(&args[0]),
                    go_quote(&args[1])
                ));
                run.host.wait(2_000);
            } else {
                run.err("In etcd v3.6, the operation will be suspended for a few seconds to provide the user time to verify range.");
            }
        }
    }
    let range = range_of(&args, prefix, from_key);
    let c = run.client_config()?;
    let member = connect(run, &c, "/etcdserverpb.KV/DeleteRange")?;
    let method = "/etcdserverpb.KV/DeleteRange";
    let doomed: Vec<(String, KeyValue)> = run
        .host
        .cluster()
        .map(|m| {
            m.keys
                .iter()
                .filter(|(k, _)| range.covers(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    // One revision for a prefix or a single key, as etcd; a key range is deleted key by key
    // because the model has no range delete (each then moves the revision).
    let outcome: Result<(), EtcdError> = match run.host.cluster() {
        None => Err(EtcdError::Unavailable),
        Some(m) if m.reaches_leader(member).is_err() => m.reaches_leader(member),
        Some(m) => match &range {
            Range::Key(k) => m.delete(k, false).map(|_| ()),
            Range::Prefix(p) => m.delete(p, true).map(|_| ()),
            _ => {
                if !m.has_quorum() {
                    Err(EtcdError::NoQuorum)
                } else {
                    doomed.iter().try_for_each(|(k, _)| m.delete(k, false).map(|_| ()))
                }
            }
        },
    };
    if let Err(e) = outcome {
        return Err(run.fail_rpc(&c, method, &e));
    }
    let prev_kv = run.flags.bool("prev-kv");
    let hdr = header(run, member, true);
    match run.display {
        Display::Simple => {
            run.line(doomed.len().to_string());
            if prev_kv {
                for (k, v) in &doomed {
                    print_kv(run, k, &v.value, false);
                }
            }
        }
        Display::Json => {
            let mut s = format!("{{\"header\":{}", hdr.json());
            if !doomed.is_empty() {
                let _ = write!(s, ",\"deleted\":{}", doomed.len());
            }
            if prev_kv && !doomed.is_empty() {
                let items: Vec<String> = doomed.iter().map(|(k, v)| kv_json(k, v, false)).collect();
                let _ = write!(s, ",\"prev_kvs\":[{}]", items.join(","));
            }
            s.push('}');
            run.line(s);
        }
        Display::Fields => {
            hdr.fields(run);
            run.line(format!("\"Deleted\" : {}", doomed.len()));
            if prev_kv {
                for (k, v) in &doomed {
                    kv_fields(run, "Prev", k, v, false);
                }
            }
        }
        Display::Table | Display::Protobuf => return Err(run.unsupported_format()),
    }
    Ok(())
}
