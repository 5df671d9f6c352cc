//! `member list|add|remove|promote` (`etcdctl/ctlv3/command/member_command.go`, the printers).

use super::conn::ServerErr;
use super::kv::{Header, connect, header};
use super::{Display, EXIT_BAD_ARGS, EXIT_BAD_FEATURE, R, Run};
use crate::etcd::model::{EtcdError, Member};
use crate::gotext::{go_quote, json_str, table};

/// The members as `MemberList` returns them: sorted by ID.
fn members_sorted(run: &mut Run<'_>) -> Vec<Member> {
    let mut ms = run.host.cluster().map(|m| m.members.clone()).unwrap_or_default();
    ms.sort_by_key(|m| m.id);
    ms
}

fn member_json(m: &Member) -> String {
    let mut parts = vec![format!("\"ID\":{}", m.id)];
    if !m.name.is_empty() {
        parts.push(format!("\"name\":{}", json_str(&m.name)));
    }
    let list = |v: &[String]| v.iter().map(|s| json_str(s)).collect::<Vec<_>>().join(",");
    if !m.peer_urls.is_empty() {
        parts.push(format!("\"peerURLs\":[{}]", list(&m.peer_urls)));
    }
    if !m.client_urls.is_empty() {
        parts.push(format!("\"clientURLs\":[{}]", list(&m.client_urls)));
    }
    if m.learner {
        parts.push("\"isLearner\":true".to_string());
    }
    format!("{{{}}}", parts.join(","))
}

/// `makeMemberListTable` (3.3 had no IS LEARNER column).
fn rows(run: &Run<'_>, ms: &[Member]) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let learner_col = run.tool.ge(3, 4);
    let mut hdr = vec!["ID", "Status", "Name", "Peer Addrs", "Client Addrs"];
    if learner_col {
        hdr.push("Is Learner");
    }
    let rows = ms
        .iter()
        .map(|m| {
            let mut r = vec![
                format!("{:x}", m.id),
                if m.name.is_empty() { "unstarted" } else { "started" }.to_string(),
                m.name.clone(),
                m.peer_urls.join(","),
                m.client_urls.join(","),
            ];
            if learner_col {
                r.push(m.learner.to_string());
            }
            r
        })
        .collect();
    (hdr, rows)
}

pub(crate) fn list(run: &mut Run<'_>) -> R {
    let mut serializable = false;
    if run.flags.has("consistency") {
        match run.flags.str("consistency").as_str() {
            "s" => serializable = true,
            "l" => {}
            other => {
                let o = go_quote(other);
                return Err(run.fail(EXIT_BAD_FEATURE, format!("unknown consistency flag {o}")));
            }
        }
    }
    let c = run.client_config()?;
    let method = "/etcdserverpb.Cluster/MemberList";
    let member = connect(run, &c, method)?;
    // 3.4 serves the list from the member's own view; a 3.5+ client asks for a linearizable
    // list (3.6 unless --consistency=s), which a 3.5+ server answers only with quorum.
    let server_35 = run.host.cluster().is_some_and(|m| m.version.minor_key() >= (3, 5));
    let linearizable = run.tool.ge(3, 5) && server_35 && !serializable;
    let allowed = run
        .host
        .cluster()
        .map_or(Err(EtcdError::Unavailable), |m| m.read_allowed(member, !linearizable));
    if let Err(e) = allowed {
        return Err(run.fail_rpc(&c, method, &e));
    }
    let ms = members_sorted(run);
    let hdr = header(run, member, false);
    print_list(run, &hdr, &ms)
}

fn print_list(run: &mut Run<'_>, hdr: &Header, ms: &[Member]) -> R {
    match run.display {
        Display::Simple => {
            let (_, rows) = rows(run, ms);
            for r in rows {
                run.line(r.join(", "));
            }
        }
        Display::Table => {
            let (h, rows) = rows(run, ms);
            let t = table(&h, &rows, run.tool.tablewriter());
            run.raw_out(t);
        }
        Display::Json => {
            if run.flags.bool("hex") && run.tool.ge(3, 5) {
                run.line(hex_json(run, hdr, ms));
            } else {
                let members: Vec<String> = ms.iter().map(member_json).collect();
                let mut s = format!("{{\"header\":{}", hdr.json());
                if !members.is_empty() {
                    s.push_str(&format!(",\"members\":[{}]", members.join(",")));
                }
                s.push('}');
                run.line(s);
            }
        }
        Display::Fields => {
            hdr.fields(run);
            let hex = run.flags.bool("hex") && run.tool.ge(3, 6);
            for m in ms {
                if hex {
                    run.line(format!("\"ID\" : {:x}", m.id));
                } else {
                    run.line(format!("\"ID\" : {}", m.id));
                }
                run.line(format!("\"Name\" : {}", go_quote(&m.name)));
                for u in &m.peer_urls {
                    run.line(format!("\"PeerURL\" : {}", go_quote(u)));
                }
                for u in &m.client_urls {
                    run.line(format!("\"ClientURL\" : {}", go_quote(u)));
                }
                run.line(format!("\"IsLearner\" : {}", m.learner));
                run.line("");
            }
        }
        Display::Protobuf => return Err(run.unsupported_format()),
    }
    Ok(())
}

/// `printMemberListWithHexJSON` (3.5+ `-w json --hex`), with its `clientURLS` key.
fn hex_json(run: &Run<'_>, hdr: &Header, ms: &[Member]) -> String {
    let term = if run.tool.ge_patch(3, 5, 5) || run.tool.ge(3, 6) {
        hdr.raft_term.to_string()
    } else {
        format!("{:x}", hdr.raft_term)
    };
    let mut s = format!(
        "{{\"header\":{{\"cluster_id\":\"{:x}\",\"member_id\":\"{:x}\",\"raft_term\":{term}}}",
        hdr.cluster_id, hdr.member_id
    );
    for (i, m) in ms.iter().enumerate() {
        s.push_str(if i == 0 {
            ",\"members\":[{\"ID\":\""
        } else {
            ",{\"ID\":\""
        });
        let list = |v: &[String]| {
            if v.is_empty() {
                "null".to_string()
            } else {
                format!("[{}]", v.iter().map(|x| json_str(x)).collect::<Vec<_>>().join(","))
            }
        };
        s.push_str(&format!(
            "{:x}\",\"name\":\"{}\",\"peerURLs\":{},\"clientURLS\":{}}}",
            m.id,
            m.name,
            list(&m.peer_urls),
            list(&m.client_urls)
        ));
        if i + 1 == ms.len() {
            s.push(']');
        }
    }
    s.push('}');
    s
}

/// Whether etcd's `types.NewURLs` accepts a peer URL list.
fn valid_urls(urls: &[String]) -> bool {
    urls.iter().all(|u| {
        let u = u.trim();
        let Some((scheme, rest)) = u.split_once("://") else {
            return false;
        };
        match scheme {
            "http" | "https" => {
                let host = rest.split('/').next().unwrap_or("");
                rest == host
                    && host
                        .rsplit_once(':')
                        .is_some_and(|(h, p)| !h.is_empty() && !p.is_empty())
            }
            "unix" | "unixs" => true,
            _ => false,
        }
    })
}

pub(crate) fn add(run: &mut Run<'_>) -> R {
    let args = run.flags.args.clone();
    if args.is_empty() {
        return Err(run.fail(EXIT_BAD_ARGS, "member name not provided"));
    }
    if args.len() > 1 {
        let mut ev = "too many arguments".to_string();
        for s in &args {
            if s.to_lowercase().starts_with("http") {
                ev.push_str(&format!(", did you mean --peer-urls={s}"));
            }
        }
        return Err(run.fail(EXIT_BAD_ARGS, ev));
    }
    let name = args[0].clone();
    let peer_urls = run.flags.str("peer-urls");
    if peer_urls.is_empty() {
        return Err(run.fail(EXIT_BAD_ARGS, "member peer urls not provided"));
    }
    let urls: Vec<String> = peer_urls.split(',').map(str::to_string).collect();
    let learner = run.flags.bool("learner");
    let c = run.client_config()?;
    let method = "/etcdserverpb.Cluster/MemberAdd";
    let member = connect(run, &c, method)?;
    if !valid_urls(&urls) {
        return Err(run.fail_server(&c, method, ServerErr::BadUrls));
    }
    let added = run.host.cluster().map_or(Err(EtcdError::Unavailable), |m| {
        m.reaches_leader(member)?;
        m.member_add(&name, &urls, learner)
    });
    let idx = match added {
        Ok(i) => i,
        Err(e) => return Err(run.fail_rpc(&c, method, &e)),
    };
    let ms = members_sorted(run);
    let new = run.host.cluster().map(|m| m.members[idx].clone());
    let Some(new) = new else { return Ok(()) };
    let hdr = header(run, member, false);
    match run.display {
        Display::Simple => {
            let as_learner = if new.learner && run.tool.ge(3, 6) {
                " as learner "
            } else {
                " "
            };
            run.line(format!(
                "Member {:16x} added{as_learner}to cluster {:16x}",
                new.id, hdr.cluster_id
            ));
            let mut conf = Vec::new();
            for m in &ms {
                for u in &m.peer_urls {
                    let n = if m.id == new.id { name.as_str() } else { m.name.as_str() };
                    conf.push(format!("{n}={u}"));
                }
            }
            run.line("");
            run.line(format!("ETCD_NAME={}", go_quote(&name)));
            run.line(format!("ETCD_INITIAL_CLUSTER={}", go_quote(&conf.join(","))));
            run.line(format!("ETCD_INITIAL_ADVERTISE_PEER_URLS={}", go_quote(&peer_urls)));
            run.line("ETCD_INITIAL_CLUSTER_STATE=\"existing\"");
        }
        Display::Json => {
            let members: Vec<String> = ms.iter().map(member_json).collect();
            run.line(format!(
                "{{\"header\":{},\"member\":{},\"members\":[{}]}}",
                hdr.json(),
                member_json(&new),
                members.join(",")
            ));
        }
        _ => return Err(run.unsupported_format()),
    }
    Ok(())
}

/// Go's `strconv.ParseUint(s, 16, 64)` error text.
fn parse_hex_id(s: &str) -> Result<u64, String> {
    let valid = !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit());
    if !valid {
        return Err(format!("strconv.ParseUint: parsing {}: invalid syntax", go_quote(s)));
    }
    u64::from_str_radix(s, 16).map_err(|_| format!("strconv.ParseUint: parsing {}: value out of range", go_quote(s)))
}

pub(crate) fn remove_or_promote(run: &mut Run<'_>, promote: bool) -> R {
    let args = run.flags.args.clone();
    if args.len() != 1 {
        return Err(run.fail(EXIT_BAD_ARGS, "member ID is not provided"));
    }
    let id = match parse_hex_id(&args[0]) {
        Ok(id) => id,
        Err(e) => return Err(run.fail(EXIT_BAD_ARGS, format!("bad member ID arg ({e}), expecting ID in Hex"))),
    };
    let c = run.client_config()?;
    let method = if promote {
        "/etcdserverpb.Cluster/MemberPromote"
    } else {
        "/etcdserverpb.Cluster/MemberRemove"
    };
    let member = connect(run, &c, method)?;
    // The answering member's identity, read before a removal shifts the member indices.
    let hdr = header(run, member, false);
    let outcome = run.host.cluster().map_or(Err(EtcdError::Unavailable), |m| {
        m.reaches_leader(member)?;
        if promote {
            m.member_promote(id)
        } else {
            m.member_remove(id)
        }
    });
    if let Err(e) = outcome {
        return Err(run.fail_rpc(&c, method, &e));
    }
    let ms = members_sorted(run);
    match run.display {
        Display::Simple => {
            let verb = if promote { "promoted in" } else { "removed from" };
            run.line(format!("Member {id:16x} {verb} cluster {:16x}", hdr.cluster_id));
        }
        Display::Json => {
            let members: Vec<String> = ms.iter().map(member_json).collect();
            run.line(format!(
                "{{\"header\":{},\"members\":[{}]}}",
                hdr.json(),
                members.join(",")
            ));
        }
        _ => return Err(run.unsupported_format()),
    }
    Ok(())
}
