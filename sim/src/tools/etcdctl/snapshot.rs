//! `snapshot save`, `snapshot status` and `snapshot restore` (etcdctl 3.4 `clientv3/snapshot`,
//! 3.5+ `client/v3/snapshot` and `etcdutl/snapshot/v3_snapshot.go`), and the numbers a status
//! derives from a [`Snapshot`].

use super::tool::Bin;
use super::{
    DirState, Display, EXIT_BAD_ARGS, EXIT_ERROR, EXIT_INTERRUPTED, R, RestoredDataDir, Run, SnapshotFileError,
};
use crate::etcd::ids::{cluster_id, member_id};
use crate::etcd::log::{Field, Rec, Site, TsFormat, caller, console_line, json_line};
use crate::etcd::model::{EtcdModel, Snapshot};
use crate::etcd::snapshot_file::{self, Content, Restore as FileRestore, Status as FileStatus};
use crate::etcd::snapshot_stats::{SnapshotStats, snapshot_stats};
use crate::gotext::{go_quote, humanize_ago, humanize_bytes, json_str, table};
use sha1::{Digest, Sha1};

/// The stats of a running member's backend.
pub(crate) fn live_stats(m: &EtcdModel, member: usize, kube: usize) -> Option<SnapshotStats> {
    let mut s = m.copy_db(member)?;
    s.extra_keys = kube;
    Some(snapshot_stats(&s))
}

impl Run<'_> {
    /// A log line of the snapshot manager: zap production JSON in 3.4 (and 3.5.0–3.5.2's
    /// save), etcd's zap JSON for 3.5.3+ saves, zap console for etcdutl's status/restore.
    fn snap_log(
        &mut self,
        fmt: TsFormat,
        console: bool,
        site: Site,
        logger: Option<&str>,
        msg: &str,
        fields: Vec<(&str, Field)>,
    ) {
        let ts = self.host.timestamp();
        let rec = Rec {
            level: "info",
            logger,
            caller: caller(site, &self.tool.v),
            msg,
            fields,
        };
        let line = if console {
            console_line(ts, &rec)
        } else {
            json_line(ts, fmt, &rec)
        };
        self.err(line);
    }
}

pub(crate) fn save(run: &mut Run<'_>) -> R {
    let args = run.flags.args.clone();
    if args.len() != 1 {
        let m = if run.tool.ge(3, 6) {
            "snapshot save expects one argument <filename>"
        } else {
            "snapshot save expects one argument"
        };
        return Err(run.fail(EXIT_BAD_ARGS, m));
    }
    let path = args[0].clone();
    let mut c = run.client_config()?;
    let pre34 = !run.tool.ge(3, 4);
    if !pre34 && c.endpoints.len() != 1 {
        let eps = format!("[{}]", c.endpoints.join(" "));
        return Err(run.fail(
            EXIT_INTERRUPTED,
            format!("snapshot must be requested to one selected node, not multiple {eps}"),
        ));
    }
    run.new_client(&c)?;
    // The save logger: zap.NewProduction up to 3.5.2, etcd's config after.
    let (save_ts, client_ts) = if !run.tool.ge_patch(3, 5, 3) {
        let client = if run.tool.ge(3, 5) {
            TsFormat::Epoch
        } else {
            TsFormat::IsoMillis
        };
        (TsFormat::Epoch, client)
    } else {
        (run.client_ts(), run.client_ts())
    };
    c.logger = if run.tool.ge(3, 5) { Some("client") } else { None };
    let part = format!("{path}.part");
    let parent_state = run.host.dir_state(&parent(&run.abs(&part)));
    if parent_state != DirState::NonEmpty && parent_state != DirState::Empty {
        let why = if parent_state == DirState::NotADir {
            "not a directory"
        } else {
            "no such file or directory"
        };
        return Err(run.fail(
            if pre34 { EXIT_BAD_ARGS } else { EXIT_INTERRUPTED },
            format!("could not open {part} (open {part}: {why})"),
        ));
    }
    if !pre34 {
        run.snap_log(
            save_ts,
            false,
            Site::Created,
            None,
            "created temporary db file",
            vec![("path", Field::Str(part.clone()))],
        );
    }
    // 3.3 streams from whichever endpoint the balancer picks and never times out.
    let dialled = if pre34 {
        run.pick(&c).map_err(|(_, e)| e)
    } else {
        run.dial(&c, &c.endpoints[0]).map(|m| (c.endpoints[0].clone(), m))
    };
    let (ep, member) = match dialled {
        Ok(x) => x,
        Err(_) if !c.timeout_set || pre34 => {
            // No deadline: the stream waits for a connection that never comes.
            let patience = run.host.patience_ms();
            run.host.wait(patience);
            return Err(run.exit(130));
        }
        Err(_) => {
            run.host.wait(c.command_timeout_ms);
            return Err(run.fail(EXIT_INTERRUPTED, "context deadline exceeded"));
        }
    };
    let kube = run.host.kube_entry_count();
    let Some(model) = run.host.cluster() else {
        return Err(run.fail(EXIT_INTERRUPTED, "context deadline exceeded"));
    };
    let server_version = model.version.binary_version().without_v();
    let Ok(mut snap) = model.snapshot(member) else {
        return Err(run.fail(EXIT_INTERRUPTED, "context deadline exceeded"));
    };
    if snap.extra_keys == 0 {
        snap.extra_keys = kube;
    }
    let stats = snapshot_stats(&snap);
    let took = run.host.took();
    if !pre34 {
        if run.tool.ge_patch(3, 4, 8) {
            run.snap_log(
                client_ts,
                false,
                Site::Opened,
                c.logger,
                "opened snapshot stream; downloading",
                vec![],
            );
        }
        run.snap_log(
            save_ts,
            false,
            Site::Fetching,
            None,
            "fetching snapshot",
            vec![("endpoint", Field::Str(ep.clone()))],
        );
        run.host.wait(took.as_millis() as u64);
        if run.tool.ge_patch(3, 4, 8) {
            run.snap_log(
                client_ts,
                false,
                Site::Completed,
                c.logger,
                "completed snapshot read; closing",
                vec![],
            );
        }
    } else {
        run.host.wait(took.as_millis() as u64);
    }
    let abs = run.abs(&path);
    if let Err(why) = run.host.write_snapshot(&abs, snap) {
        return Err(run.fail(
            if pre34 { 6 } else { EXIT_INTERRUPTED },
            format!("could not rename {part} to {path} (rename {part} {path}: {why})"),
        ));
    }
    if !pre34 {
        let mut fields = vec![("endpoint", Field::Str(ep.clone()))];
        if run.tool.ge_patch(3, 4, 8) {
            // The size of the file as written (the host adds what the API objects take), so
            // the log, `ls -l` and `snapshot status` agree.
            let bytes = match run.host.read_snapshot(&abs) {
                Ok(written) => snapshot_file::file_bytes(&written),
                Err(_) => stats.size_bytes + snapshot_file::HASH_BYTES,
            };
            fields.push(("size", Field::Str(humanize_bytes(bytes))));
        }
        let took_field = if run.tool.ge(3, 6) {
            Field::DurStr(took)
        } else if run.tool.ge(3, 5) {
            Field::Str(humanize_ago(took))
        } else {
            Field::Secs(took)
        };
        fields.push(("took", took_field));
        let sv = if server_version.minor_key() >= (3, 6) {
            server_version.to_string()
        } else {
            String::new()
        };
        if run.tool.ge(3, 6) {
            fields.push(("etcd-version", Field::Str(sv.clone())));
        }
        run.snap_log(save_ts, false, Site::Fetched, None, "fetched snapshot", fields);
        run.snap_log(
            save_ts,
            false,
            Site::Saved,
            None,
            "saved",
            vec![("path", Field::Str(path.clone()))],
        );
        run.line(format!("Snapshot saved at {path}"));
        if run.tool.ge(3, 6) && !sv.is_empty() {
            run.line(format!("Server version {sv}"));
        }
    } else {
        run.line(format!("Snapshot saved at {path}"));
    }
    Ok(())
}

fn parent(abs: &str) -> String {
    match abs.rsplit_once('/') {
        Some(("", _)) | None => "/".to_string(),
        Some((p, _)) => p.to_string(),
    }
}

/// etcdctl 3.5 runs etcdutl's status/restore after a deprecation notice.
fn deprecated_in_etcdctl(run: &mut Run<'_>, what: &str) {
    if run.tool.bin == Bin::Etcdctl && run.tool.ge(3, 5) {
        run.err(format!("Deprecated: Use `etcdutl snapshot {what}` instead."));
        run.err("");
    }
}

/// A snapshot file that cannot be read as a whole, as `Status` reports it
/// ([`crate::etcd::snapshot_file`] says what each kind of damage gives).
fn status_error(
    run: &mut Run<'_>,
    path: &str,
    e: &SnapshotFileError,
) -> Result<SnapshotStats, crate::tools::etcdctl::Exit> {
    let content = match e {
        SnapshotFileError::NotFound => {
            return Err(run.fail(EXIT_ERROR, format!("stat {path}: no such file or directory")));
        }
        SnapshotFileError::IsADirectory => return Err(run.fail(EXIT_ERROR, format!("open {path}: is a directory"))),
        SnapshotFileError::Corrupt => {
            return Err(run.fail(
                EXIT_ERROR,
                "snapshot file integrity check failed. 1 errors found.\npage 4: unreachable unfreed",
            ));
        }
        other => damaged(other),
    };
    match snapshot_file::status(path, &content) {
        FileStatus::Table(stats) => Ok(stats),
        FileStatus::Error(message) => Err(run.fail(EXIT_ERROR, message)),
        FileStatus::Crash => Err(go_fault(run, path)),
    }
}

/// A file that is there but not a whole snapshot, as the damage model sees it.
fn damaged(e: &SnapshotFileError) -> Content {
    match e {
        SnapshotFileError::Truncated { bytes, of } => Content::Cut {
            bytes: *bytes,
            of: of.clone(),
        },
        SnapshotFileError::NotADatabase { bytes } => Content::Other { bytes: *bytes },
        _ => Content::Other { bytes: 0 },
    }
}

/// The Go runtime dying on a page past the end of a mapped file.
fn go_fault(run: &mut Run<'_>, path: &str) -> crate::tools::etcdctl::Exit {
    let addr = fault_addr(path);
    run.err(format!("unexpected fault address {addr}"));
    run.err("fatal error: fault");
    run.err(format!("[signal SIGBUS: bus error code=0x2 addr={addr} pc=0x5b1e0f]"));
    run.exit(2)
}

fn fault_addr(path: &str) -> String {
    let h = Sha1::digest(path.as_bytes());
    format!("0x7f{:02x}{:02x}{:02x}000", h[0], h[1], h[2] & 0xf0)
}

pub(crate) fn status(run: &mut Run<'_>) -> R {
    deprecated_in_etcdctl(run, "status");
    let args = run.flags.args.clone();
    if args.len() != 1 {
        return Err(run.fail(EXIT_BAD_ARGS, "snapshot status requires exactly one argument"));
    }
    run.init_display()?;
    let path = args[0].clone();
    let abs = run.abs(&path);
    let s = match run.host.read_snapshot(&abs) {
        Ok(snap) => snapshot_stats(&snap),
        Err(e) => status_error(run, &path, &e)?,
    };
    // 3.6's etcdutl counts live keys and adds the storage version column.
    let v36 = run.tool.ge(3, 6);
    let keys = if v36 { s.live_keys } else { s.total_keys };
    let mut hdr = vec!["hash", "revision", "total keys", "total size"];
    let mut row = vec![
        format!("{:x}", s.hash),
        s.revision.to_string(),
        keys.to_string(),
        humanize_bytes(s.size_bytes),
    ];
    if v36 {
        hdr.push("version");
        row.push(s.storage_version.clone());
    }
    match run.display {
        Display::Simple => run.line(row.join(", ")),
        Display::Table => {
            let t = table(&hdr, &[row], run.tool.tablewriter());
            run.raw_out(t);
        }
        Display::Json => {
            let mut j = format!(
                "{{\"hash\":{},\"revision\":{},\"totalKey\":{keys},\"totalSize\":{}",
                s.hash, s.revision, s.size_bytes
            );
            if v36 {
                j.push_str(&format!(",\"version\":{}", json_str(&s.storage_version)));
            }
            j.push('}');
            run.line(j);
        }
        Display::Fields => {
            run.line(format!("\"Hash\" : {}", s.hash));
            run.line(format!("\"Revision\" : {}", s.revision));
            run.line(format!("\"Keys\" : {keys}"));
            run.line(format!("\"Size\" : {}", s.size_bytes));
            if v36 {
                run.line(format!("\"Version\" : {}", s.storage_version));
            }
        }
        Display::Protobuf => return Err(run.not_modelled("-w protobuf")),
    }
    Ok(())
}

/// Go's `filepath.Join` (cleaned).
fn go_join(parts: &[&str]) -> String {
    let joined = parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("/");
    let abs = joined.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for p in joined.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !abs {
                    out.push("..");
                }
            }
            p => out.push(p),
        }
    }
    let s = out.join("/");
    if abs {
        format!("/{s}")
    } else if s.is_empty() {
        ".".to_string()
    } else {
        s
    }
}

/// A parsed peer URL: its text and whether etcd accepts it.
fn parse_urls(run: &Run<'_>, list: &[String]) -> Result<Vec<String>, String> {
    if list.is_empty() {
        return Err("no valid URLs given".to_string());
    }
    let q = |s: &str| {
        if run.tool.go_quotes() {
            go_quote(s)
        } else {
            s.to_string()
        }
    };
    let mut out = Vec::new();
    for raw in list {
        let u = raw.trim();
        let (scheme, rest) = match u.split_once("://") {
            Some((s, r)) => (s.to_string(), Some(r)),
            None => match u.split_once(':') {
                Some((s, _)) if s.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) => (s.to_lowercase(), None),
                Some(_) => {
                    return Err(format!(
                        "parse {}: first path segment in URL cannot contain colon",
                        q(u)
                    ));
                }
                None => (String::new(), None),
            },
        };
        match scheme.as_str() {
            "http" | "https" => {
                let rest = rest.unwrap_or("");
                let host = rest.split('/').next().unwrap_or("");
                let ok_host = host
                    .rsplit_once(':')
                    .is_some_and(|(h, _)| !h.is_empty() || host.starts_with(':'));
                if !ok_host {
                    return Err(format!("URL address does not have the form \"host:port\": {u}"));
                }
                if rest.len() > host.len() {
                    return Err(format!("URL must not contain a path: {u}"));
                }
            }
            "unix" | "unixs" => {}
            _ => return Err(format!("URL scheme must be http, https, unix, or unixs: {u}")),
        }
        out.push(u.to_string());
    }
    out.sort();
    Ok(out)
}

/// `types.NewURLsMap`: `name=url,...` (later entries of a name add URLs).
fn parse_cluster(run: &Run<'_>, s: &str) -> Result<Vec<(String, Vec<String>)>, String> {
    let mut map: Vec<(String, Vec<String>)> = Vec::new();
    for item in s.split(',') {
        if item.is_empty() {
            continue;
        }
        let (k, v) = item.split_once('=').unwrap_or((item, ""));
        match map.iter_mut().find(|(n, _)| n == k) {
            Some((_, urls)) => urls.push(v.to_string()),
            None => map.push((k.to_string(), vec![v.to_string()])),
        }
    }
    map.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::new();
    for (name, urls) in map {
        out.push((name, parse_urls(run, &urls)?));
    }
    Ok(out)
}

fn urls_map_string(m: &[(String, Vec<String>)]) -> String {
    let mut pairs: Vec<String> = m
        .iter()
        .flat_map(|(n, us)| us.iter().map(move |u| format!("{n}={u}")))
        .collect();
    pairs.sort();
    pairs.join(",")
}

/// `netutil.URLStringsEqual`: equal as typed, or after resolving `localhost`.
fn urls_equal(a: &[String], b: &[String]) -> Result<(), String> {
    let quote_list = |v: &[String]| format!("[{}]", v.iter().map(|s| go_quote(s)).collect::<Vec<_>>().join(" "));
    if a.len() != b.len() {
        return Err(format!("len({}) != len({})", quote_list(a), quote_list(b)));
    }
    if a == b {
        return Ok(());
    }
    let resolve = |u: &String| u.replacen("://localhost:", "://127.0.0.1:", 1);
    let mut ra: Vec<String> = a.iter().map(resolve).collect();
    let mut rb: Vec<String> = b.iter().map(resolve).collect();
    ra.sort();
    rb.sort();
    for (x, y) in ra.iter().zip(&rb) {
        if x != y {
            return Err(format!("resolved urls: {} != {}", go_quote(x), go_quote(y)));
        }
    }
    Ok(())
}

/// `ServerConfig.VerifyBootstrap` for a restore.
fn verify_bootstrap(name: &str, peers: &[String], ics: &[(String, Vec<String>)]) -> Result<(), String> {
    let Some((_, urls)) = ics.iter().find(|(n, _)| n == name) else {
        return Err(format!(
            "couldn't find local name {} in the initial cluster configuration",
            go_quote(name)
        ));
    };
    if let Err(err) = urls_equal(peers, urls) {
        let missing: Vec<String> = urls
            .iter()
            .filter(|u| !peers.contains(u))
            .map(|u| format!("{name}={u}"))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "--initial-cluster has {} but missing from --initial-advertise-peer-urls={} ({err})",
                missing.join(","),
                peers.join(",")
            ));
        }
        let umap = urls_map_string(&[(name.to_string(), peers.to_vec())]);
        let missing: Vec<String> = peers.iter().filter(|u| !urls.contains(u)).cloned().collect();
        if !missing.is_empty() {
            return Err(format!(
                "--initial-advertise-peer-urls has {} but missing from --initial-cluster={umap}",
                missing.join(",")
            ));
        }
        return Err(format!(
            "failed to resolve {} to match --initial-cluster={umap} ({err})",
            peers.join(",")
        ));
    }
    let all: Vec<&String> = ics.iter().flat_map(|(_, us)| us.iter()).collect();
    let dup = all.iter().enumerate().any(|(i, u)| all[..i].contains(u));
    if dup {
        return Err(format!("initial cluster {} has duplicate url", urls_map_string(ics)));
    }
    Ok(())
}

/// The bytes `expected sha256 %v, got %v` prints for a damaged snapshot (derived from the
/// path: the real digests depend on file content the simulator does not have).
fn sha_bytes(seed: &str) -> String {
    let mut bytes = Vec::new();
    let mut h = Sha1::digest(seed.as_bytes()).to_vec();
    while bytes.len() < 32 {
        bytes.extend_from_slice(&h);
        h = Sha1::digest(&h).to_vec();
    }
    let parts: Vec<String> = bytes[..32].iter().map(u8::to_string).collect();
    format!("[{}]", parts.join(" "))
}

pub(crate) fn restore(run: &mut Run<'_>) -> R {
    deprecated_in_etcdctl(run, "restore");
    let args = run.flags.args.clone();
    if args.len() != 1 {
        return Err(run.fail(EXIT_BAD_ARGS, "snapshot restore requires exactly one argument"));
    }
    let bump = run.flags.uint("bump-revision");
    let mark = run.flags.bool("mark-compacted");
    let validates_bump = run.tool.bin == Bin::Etcdutl || run.tool.ge(3, 5);
    if validates_bump && ((bump == 0 && mark) || (bump > 0 && !mark)) {
        return Err(run.fail(EXIT_BAD_ARGS, "--mark-compacted required if --revision-bump > 0"));
    }
    let name = run.flags.str("name");
    let data_dir = match run.flags.str("data-dir") {
        d if d.is_empty() => format!("{name}.etcd"),
        d => d,
    };
    let wal_given = run.flags.str("wal-dir");
    let wal_dir = if wal_given.is_empty() {
        go_join(&[&data_dir, "member", "wal"])
    } else {
        wal_given.clone()
    };
    let snap_dir = go_join(&[&data_dir, "member", "snap"]);
    let path = args[0].clone();
    let console = run.tool.ge(3, 5);
    let peer_text = run.flags.str("initial-advertise-peer-urls");
    let peer_list: Vec<String> = peer_text.split(',').map(str::to_string).collect();
    let peers = match parse_urls(run, &peer_list) {
        Ok(p) => p,
        Err(e) => return Err(run.fail(EXIT_ERROR, e)),
    };
    let ics = match parse_cluster(run, &run.flags.str("initial-cluster")) {
        Ok(m) => m,
        Err(e) => return Err(run.fail(EXIT_ERROR, e)),
    };
    if let Err(e) = verify_bootstrap(&name, &peers, &ics) {
        return Err(run.fail(EXIT_ERROR, e));
    }
    let token = run.flags.str("initial-cluster-token");
    let mut members: Vec<(u64, String, Vec<String>)> = ics
        .iter()
        .map(|(n, us)| {
            let refs: Vec<&str> = us.iter().map(String::as_str).collect();
            (member_id(&refs, &token, None), n.clone(), us.clone())
        })
        .collect();
    members.sort_by_key(|m| m.0);
    let ids: Vec<u64> = members.iter().map(|m| m.0).collect();
    let cid = cluster_id(&ids);
    let data_abs = run.abs(&data_dir);
    let state = run.host.dir_state(&data_abs);
    if run.tool.ge(3, 5) {
        if matches!(state, DirState::NonEmpty | DirState::NotADir) {
            let d = go_quote(&data_dir);
            return Err(run.fail(EXIT_ERROR, format!("data-dir {d} not empty or could not be read")));
        }
    } else if state != DirState::Missing {
        return Err(run.fail(EXIT_ERROR, format!("data-dir {} exists", go_quote(&data_dir))));
    }
    if !wal_given.is_empty() && run.host.dir_state(&run.abs(&wal_given)) != DirState::Missing {
        return Err(run.fail(EXIT_ERROR, format!("wal-dir {} exists", go_quote(&wal_given))));
    }
    let dirs = |with_mmap: bool, run: &Run<'_>| {
        let mut f = vec![
            ("path", Field::Str(path.clone())),
            ("wal-dir", Field::Str(wal_dir.clone())),
            ("data-dir", Field::Str(data_dir.clone())),
            ("snap-dir", Field::Str(snap_dir.clone())),
        ];
        if with_mmap && run.tool.ge_patch(3, 5, 14) {
            f.push((
                "initial-memory-map-size",
                Field::Uint(run.flags.uint("initial-memory-map-size")),
            ));
        }
        f
    };
    let f = dirs(true, run);
    run.snap_log(TsFormat::Epoch, console, Site::Restoring, None, "restoring snapshot", f);
    let abs = run.abs(&path);
    let skip = run.flags.bool("skip-hash-check");
    let snap = match run.host.read_snapshot(&abs) {
        Ok(s) => s,
        Err(e) => restore_read_error(run, &path, (&data_dir, &data_abs), &e, skip)?,
    };
    if !snap.has_hash && !skip {
        run.host.leave_partial_data_dir(&data_abs);
        return Err(run.fail(EXIT_ERROR, "snapshot missing hash but --skip-hash-check=false"));
    }
    if console {
        run.snap_log(
            TsFormat::Epoch,
            console,
            Site::Trimming,
            None,
            "Trimming membership information from the backend...",
            vec![],
        );
    }
    let mut restored = snap.clone();
    let compacted = bump > 0 && mark;
    if compacted {
        let latest = restored.revision;
        run.snap_log(
            TsFormat::Epoch,
            console,
            Site::Bumping,
            None,
            "bumping latest revision",
            vec![
                ("latest-revision", Field::Int(latest)),
                ("bump-amount", Field::Int(bump as i64)),
                ("new-latest-revision", Field::Int(latest + bump as i64)),
            ],
        );
        restored.revision = latest + bump as i64;
        run.snap_log(
            TsFormat::Epoch,
            console,
            Site::Marking,
            None,
            "marking revision compacted",
            vec![("revision", Field::Int(restored.revision))],
        );
    }
    for (id, _, urls) in &members {
        let mut fields = vec![
            ("cluster-id", Field::Str(format!("{cid:x}"))),
            ("local-member-id", Field::Str("0".to_string())),
            ("added-peer-id", Field::Str(format!("{id:x}"))),
            ("added-peer-peer-urls", Field::Strs(urls.clone())),
        ];
        if run.tool.ge(3, 6) {
            fields.push(("added-peer-is-learner", Field::Bool(false)));
        }
        run.snap_log(
            TsFormat::Epoch,
            console,
            Site::AddedMember,
            None,
            "added member",
            fields,
        );
    }
    let my_id = members.iter().find(|m| m.1 == name).map_or(0, |m| m.0);
    let out = RestoredDataDir {
        snapshot: restored,
        name: name.clone(),
        initial_cluster: members
            .iter()
            .flat_map(|(_, n, us)| us.iter().map(move |u| (n.clone(), u.clone())))
            .collect(),
        token,
        member_id: my_id,
        cluster_id: cid,
        wal_dir: (!wal_given.is_empty()).then(|| run.abs(&wal_given)),
        compacted,
    };
    if let Err(why) = run.host.write_data_dir(&data_abs, out) {
        return Err(run.fail(EXIT_ERROR, format!("mkdir {snap_dir}: {why}")));
    }
    let f = dirs(true, run);
    run.snap_log(TsFormat::Epoch, console, Site::Restored, None, "restored snapshot", f);
    Ok(())
}

/// A snapshot file restore cannot use. Errors after the copy into `member/snap/db` leave that
/// directory behind. `Ok` is a cut-short snapshot the backend could still open (with
/// `--skip-hash-check`): the restore goes on with the data it was cut from.
fn restore_read_error(
    run: &mut Run<'_>,
    path: &str,
    (data_dir, data_abs): (&str, &str),
    e: &SnapshotFileError,
    skip: bool,
) -> Result<Snapshot, crate::tools::etcdctl::Exit> {
    let content = match e {
        SnapshotFileError::NotFound => {
            return Err(run.fail(EXIT_ERROR, format!("open {path}: no such file or directory")));
        }
        SnapshotFileError::IsADirectory => return Err(run.fail(EXIT_ERROR, format!("read {path}: is a directory"))),
        SnapshotFileError::Corrupt if skip => {
            // An altered database: the backend refuses it.
            run.host.leave_partial_data_dir(data_abs);
            return Err(backend_panic(
                run,
                &go_join(&[data_dir, "member", "snap", "db"]),
                "invalid database",
            ));
        }
        SnapshotFileError::Corrupt => {
            run.host.leave_partial_data_dir(data_abs);
            return Err(hash_mismatch(run, path));
        }
        other => damaged(other),
    };
    let db = go_join(&[data_dir, "member", "snap", "db"]);
    match snapshot_file::restore(path, &content, skip) {
        FileRestore::Data => match e {
            SnapshotFileError::Truncated { of: Some(s), .. } => Ok((**s).clone()),
            _ => Err(go_fault(run, &db)),
        },
        FileRestore::Error { message, partial } => {
            if partial {
                run.host.leave_partial_data_dir(data_abs);
            }
            Err(run.fail(EXIT_ERROR, message))
        }
        FileRestore::HashMismatch => {
            run.host.leave_partial_data_dir(data_abs);
            Err(hash_mismatch(run, path))
        }
        FileRestore::BackendPanic(why) => {
            run.host.leave_partial_data_dir(data_abs);
            Err(backend_panic(run, &db, why))
        }
        FileRestore::Crash => {
            run.host.leave_partial_data_dir(data_abs);
            Err(go_fault(run, &db))
        }
    }
}

/// The backend refusing the restored `db`: bbolt's reason `why` in a panic.
fn backend_panic(run: &mut Run<'_>, db: &str, why: &str) -> crate::tools::etcdctl::Exit {
    if run.tool.ge(3, 5) {
        run.err(format!("panic: failed to open database at {db}: {why}"));
    } else {
        // 3.4's backend logs through capnslog, then panics with the same words.
        let ts = run.host.timestamp();
        let msg = format!("cannot open database at {db} ({why})");
        run.err(crate::etcd::log::capnslog_line(ts, 'C', "mvcc/backend", &msg));
        run.err(format!("panic: {msg}"));
    }
    run.exit(2)
}

/// `expected sha256 [...], got [...]`: the hash at the end of the file and the file's own.
fn hash_mismatch(run: &mut Run<'_>, path: &str) -> crate::tools::etcdctl::Exit {
    let msg = format!(
        "expected sha256 {}, got {}",
        sha_bytes(&format!("{path}/want")),
        sha_bytes(&format!("{path}/got"))
    );
    run.fail(EXIT_ERROR, msg)
}
