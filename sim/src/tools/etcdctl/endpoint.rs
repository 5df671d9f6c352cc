//! `endpoint health` and `endpoint status` (`etcdctl/ctlv3/command/ep_command.go`).

use super::conn::Client;
use super::kv::header;
use super::snapshot::live_stats;
use super::{Display, EXIT_ERROR, R, Run};
use crate::etcd::model::EtcdError;
use crate::gotext::{go_duration, go_quote, humanize_bytes, json_str, table};
use std::time::Duration;

/// `endpointsFromCluster`: the endpoints given, or with `--cluster` every member's client URLs
/// from a member list.
fn endpoints(run: &mut Run<'_>, c: &Client) -> R<Vec<String>> {
    if !run.flags.bool("cluster") {
        return Ok(c.endpoints.clone());
    }
    let method = "/etcdserverpb.Cluster/MemberList";
    run.new_client(c)?;
    let failure = match run.pick(c) {
        Err((ep, e)) => {
            run.host.wait(c.command_timeout_ms);
            let msg = run.dial_error(&ep, e);
            run.retry_warn(c, method, &msg);
            Some("context deadline exceeded".to_string())
        }
        Ok((_, member)) => {
            let server_35 = run.host.cluster().is_some_and(|m| m.version.minor_key() >= (3, 5));
            let linearizable = run.tool.ge(3, 5) && server_35;
            let allowed = run
                .host
                .cluster()
                .map_or(Err(EtcdError::Unavailable), |m| m.read_allowed(member, !linearizable));
            match allowed {
                Ok(()) => None,
                Err(_) => {
                    run.host.wait(c.command_timeout_ms);
                    run.retry_warn(
                        c,
                        method,
                        "rpc error: code = DeadlineExceeded desc = context deadline exceeded",
                    );
                    Some("context deadline exceeded".to_string())
                }
            }
        }
    };
    if let Some(e) = failure {
        return Err(run.fail(
            EXIT_ERROR,
            format!("failed to fetch endpoints from etcd cluster member list: {e}"),
        ));
    }
    let mut ms = run.host.cluster().map(|m| m.members.clone()).unwrap_or_default();
    ms.sort_by_key(|m| m.id);
    Ok(ms.into_iter().flat_map(|m| m.client_urls).collect())
}

struct Health {
    ep: String,
    health: bool,
    took: Duration,
    error: String,
}

pub(crate) fn health(run: &mut Run<'_>) -> R {
    let mut c = run.client_config()?;
    if run.tool.ge(3, 5) {
        c.logger = Some("client");
    }
    let eps = endpoints(run, &c)?;
    let method = "/etcdserverpb.KV/Range";
    let mut done = Vec::new();
    let mut failed = Vec::new();
    for ep in &eps {
        let took = run.host.took();
        let outcome = match run.dial(&c, ep) {
            Err(e) => Err(run.dial_error(ep, e)),
            Ok(member) => {
                let ok = run
                    .host
                    .cluster()
                    .is_some_and(|m| m.read_allowed(member, false).is_ok());
                if ok {
                    Ok(())
                } else {
                    Err("rpc error: code = DeadlineExceeded desc = context deadline exceeded".to_string())
                }
            }
        };
        match outcome {
            Ok(()) => done.push(Health {
                ep: ep.clone(),
                health: true,
                took,
                error: String::new(),
            }),
            Err(warn) => failed.push((ep.clone(), warn, took)),
        }
    }
    // The checks run in parallel and report as they finish: the quick healthy ones first,
    // the ones that time out after the command timeout.
    done.sort_by_key(|h| h.took);
    if !failed.is_empty() {
        run.host.wait(c.command_timeout_ms);
    } else if let Some(max) = done.iter().map(|h| h.took).max() {
        run.host.wait(max.as_millis() as u64);
    }
    for (ep, warn, took) in failed {
        run.retry_warn(&c, method, &warn);
        done.push(Health {
            ep,
            health: false,
            took: Duration::from_millis(c.command_timeout_ms) + took,
            error: "context deadline exceeded".to_string(),
        });
    }
    let errs = done.iter().any(|h| !h.error.is_empty());
    match run.display {
        Display::Simple => {
            let healthy_out = run.tool.ge(3, 5);
            for h in &done {
                if h.error.is_empty() {
                    let l = format!(
                        "{} is healthy: successfully committed proposal: took = {}",
                        h.ep,
                        go_duration(h.took)
                    );
                    if healthy_out { run.line(l) } else { run.err(l) }
                } else {
                    run.err(format!("{} is unhealthy: failed to commit proposal: {}", h.ep, h.error));
                }
            }
        }
        Display::Json => {
            let items: Vec<String> = done
                .iter()
                .map(|h| {
                    let mut s = format!(
                        "{{\"endpoint\":{},\"health\":{},\"took\":{}",
                        json_str(&h.ep),
                        h.health,
                        json_str(&go_duration(h.took))
                    );
                    if !h.error.is_empty() {
                        s.push_str(&format!(",\"error\":{}", json_str(&h.error)));
                    }
                    s.push('}');
                    s
                })
                .collect();
            run.line(format!("[{}]", items.join(",")));
        }
        Display::Table => {
            let rows: Vec<Vec<String>> = done
                .iter()
                .map(|h| vec![h.ep.clone(), h.health.to_string(), go_duration(h.took), h.error.clone()])
                .collect();
            let t = table(&["endpoint", "health", "took", "error"], &rows, run.tool.tablewriter());
            run.raw_out(t);
        }
        Display::Fields => {
            for h in &done {
                run.line(format!("\"Endpoint\" : {}", go_quote(&h.ep)));
                run.line(format!("\"Health\" : {}", h.health));
                run.line(format!("\"Took\" : {}", go_duration(h.took)));
                run.line(format!("\"Error\" : {}", h.error));
                run.line("");
            }
        }
        Display::Protobuf => return Err(run.unsupported_format()),
    }
    if errs {
        return Err(run.fail(EXIT_ERROR, "unhealthy cluster"));
    }
    Ok(())
}

/// One member's `StatusResponse`.
struct Status {
    ep: String,
    cluster_id: u64,
    member_id: u64,
    revision: i64,
    term: u64,
    version: String,
    storage_version: String,
    db_size: u64,
    in_use: u64,
    leader: u64,
    learner: bool,
    raft_index: u64,
    errors: Vec<String>,
}

/// 2 GiB, etcd's default backend quota.
const DEFAULT_QUOTA: u64 = 2 * 1024 * 1024 * 1024;

fn status_of(run: &mut Run<'_>, ep: &str, member: usize) -> Option<Status> {
    let (size, in_use) = {
        let kube = run.host.kube_entry_count();
        let m = run.host.cluster()?;
        let s = live_stats(m, member, kube)?;
        (s.size_bytes, s.in_use_bytes)
    };
    let hdr = header(run, member, true);
    let m = run.host.cluster()?;
    let me = m.members.get(member)?.clone();
    let leader = m.leader.and_then(|l| m.members.get(l)).map_or(0, |l| l.id);
    let v = m.version.binary_version().without_v();
    let mut errors = Vec::new();
    if leader == 0 {
        errors.push("etcdserver: no leader".to_string());
    }
    Some(Status {
        ep: ep.to_string(),
        cluster_id: hdr.cluster_id,
        member_id: me.id,
        revision: hdr.revision,
        term: hdr.raft_term,
        storage_version: if v.minor_key() >= (3, 6) {
            format!("{}.{}.0", v.major, v.minor)
        } else {
            String::new()
        },
        version: v.to_string(),
        db_size: size,
        in_use,
        leader,
        learner: me.learner,
        raft_index: m.raft_index.saturating_sub(me.lag),
        errors,
    })
}

pub(crate) fn status(run: &mut Run<'_>) -> R {
    let c = run.client_config()?;
    run.new_client(&c)?;
    let eps = endpoints(run, &c)?;
    let method = "/etcdserverpb.Maintenance/Status";
    let mut list = Vec::new();
    let mut failed = false;
    for ep in &eps {
        match run.dial(&c, ep) {
            Ok(member) => {
                if let Some(s) = status_of(run, ep, member) {
                    list.push(s);
                }
            }
            Err(e) => {
                run.host.wait(c.command_timeout_ms);
                let msg = run.dial_error(ep, e);
                run.retry_warn(&c, method, &msg);
                run.err(format!(
                    "Failed to get the status of endpoint {ep} (context deadline exceeded)"
                ));
                failed = true;
            }
        }
    }
    print_status(run, &list)?;
    if failed {
        return Err(run.exit(EXIT_ERROR));
    }
    Ok(())
}

fn status_rows(run: &Run<'_>, list: &[Status]) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let v36 = run.tool.ge(3, 6);
    let v34 = run.tool.ge(3, 4);
    let hdr: Vec<&'static str> = if v36 {
        vec![
            "endpoint",
            "ID",
            "version",
            "storage version",
            "db size",
            "in use",
            "percentage not in use",
            "quota",
            "is leader",
            "is learner",
            "raft term",
            "raft index",
            "raft applied index",
            "errors",
            "downgrade target version",
            "downgrade enabled",
        ]
    } else if v34 {
        vec![
            "endpoint",
            "ID",
            "version",
            "db size",
            "is leader",
            "is learner",
            "raft term",
            "raft index",
            "raft applied index",
            "errors",
        ]
    } else {
        vec![
            "endpoint",
            "ID",
            "version",
            "db size",
            "is leader",
            "raft term",
            "raft index",
        ]
    };
    let rows = list
        .iter()
        .map(|s| {
            let mut r = vec![s.ep.clone(), format!("{:x}", s.member_id), s.version.clone()];
            if v36 {
                r.push(s.storage_version.clone());
            }
            r.push(humanize_bytes(s.db_size));
            if v36 {
                r.push(humanize_bytes(s.in_use));
                let pct = 100 - (s.in_use * 100 / s.db_size.max(1));
                r.push(format!("{pct}%"));
                r.push(humanize_bytes(DEFAULT_QUOTA));
            }
            r.push((s.leader == s.member_id).to_string());
            if v34 {
                r.push(s.learner.to_string());
            }
            r.push(s.term.to_string());
            r.push(s.raft_index.to_string());
            if v34 {
                r.push(s.raft_index.to_string());
                r.push(s.errors.join(", "));
            }
            if v36 {
                r.push(String::new());
                r.push("false".to_string());
            }
            r
        })
        .collect();
    (hdr, rows)
}

fn print_status(run: &mut Run<'_>, list: &[Status]) -> R {
    match run.display {
        Display::Simple => {
            let (_, rows) = status_rows(run, list);
            for r in rows {
                run.line(r.join(", "));
            }
        }
        Display::Table => {
            let (h, rows) = status_rows(run, list);
            let t = table(&h, &rows, run.tool.tablewriter());
            run.raw_out(t);
        }
        Display::Json => {
            let v36 = run.tool.ge(3, 6);
            let items: Vec<String> = list
                .iter()
                .map(|s| {
                    let mut st = format!(
                        "\"header\":{{\"cluster_id\":{},\"member_id\":{},\"revision\":{},\"raft_term\":{}}},\"version\":{},\"dbSize\":{}",
                        s.cluster_id,
                        s.member_id,
                        s.revision,
                        s.term,
                        json_str(&s.version),
                        s.db_size
                    );
                    if s.leader != 0 {
                        st.push_str(&format!(",\"leader\":{}", s.leader));
                    }
                    st.push_str(&format!(
                        ",\"raftIndex\":{},\"raftTerm\":{},\"raftAppliedIndex\":{}",
                        s.raft_index, s.term, s.raft_index
                    ));
                    if !s.errors.is_empty() {
                        let e: Vec<String> = s.errors.iter().map(|x| json_str(x)).collect();
                        st.push_str(&format!(",\"errors\":[{}]", e.join(",")));
                    }
                    st.push_str(&format!(",\"dbSizeInUse\":{}", s.in_use));
                    if s.learner {
                        st.push_str(",\"isLearner\":true");
                    }
                    if v36 {
                        if !s.storage_version.is_empty() {
                            st.push_str(&format!(",\"storageVersion\":{}", json_str(&s.storage_version)));
                        }
                        st.push_str(&format!(",\"dbSizeQuota\":{DEFAULT_QUOTA},\"downgradeInfo\":{{}}"));
                    }
                    format!("{{\"Endpoint\":{},\"Status\":{{{st}}}}}", json_str(&s.ep))
                })
                .collect();
            run.line(format!("[{}]", items.join(",")));
        }
        Display::Fields => {
            for s in list {
                let hdr = super::kv::Header {
                    cluster_id: s.cluster_id,
                    member_id: s.member_id,
                    revision: s.revision,
                    raft_term: s.term,
                };
                hdr.fields(run);
                run.line(format!("\"Version\" : {}", go_quote(&s.version)));
                run.line(format!("\"DBSize\" : {}", s.db_size));
                run.line(format!("\"Leader\" : {}", s.leader));
                run.line(format!("\"IsLearner\" : {}", s.learner));
                run.line(format!("\"RaftIndex\" : {}", s.raft_index));
                run.line(format!("\"RaftTerm\" : {}", s.term));
                run.line(format!("\"RaftAppliedIndex\" : {}", s.raft_index));
                run.line(format!("\"Errors\" : [{}]", s.errors.join(" ")));
                run.line(format!("\"Endpoint\" : {}", go_quote(&s.ep)));
                run.line("");
            }
        }
        Display::Protobuf => return Err(run.unsupported_format()),
    }
    Ok(())
}
