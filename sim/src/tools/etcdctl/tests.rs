//! The command layer against a fake host: every command and error path, and the real
//! transcripts of `shared/reference/transcripts.yaml` where the data allows.

use super::*;
use crate::etcd::model::{DEFAULT_TOKEN, KeyValue, MemberSpec};
use crate::etcd::snapshot_stats::snapshot_stats;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

const CA: &str = "/etc/kubernetes/pki/etcd/ca.crt";
const CERT: &str = "/etc/kubernetes/pki/etcd/server.crt";
const KEY: &str = "/etc/kubernetes/pki/etcd/server.key";

/// A host with listeners (host:port → member, TLS?), files, snapshot files and directories.
struct Fake {
    model: Option<EtcdModel>,
    tool: EtcdVersion,
    listeners: Vec<(String, usize, bool)>,
    files: BTreeSet<String>,
    snapshots: BTreeMap<String, Result<Snapshot, SnapshotFileError>>,
    dirs: BTreeMap<String, DirState>,
    restored: BTreeMap<String, RestoredDataDir>,
    partial: Vec<String>,
    tooks: Vec<Duration>,
    now: u64,
    waited: u64,
    kube: Vec<(String, KeyValue)>,
}

impl Fake {
    fn new(tool: &str, model: Option<EtcdModel>) -> Self {
        let mut files = BTreeSet::new();
        for f in [CA, CERT, KEY] {
            files.insert(f.to_string());
        }
        let mut dirs = BTreeMap::new();
        for d in ["/", "/root", "/tmp", "/var/lib", "/opt", "/backup"] {
            dirs.insert(d.to_string(), DirState::NonEmpty);
        }
        Fake {
            model,
            tool: EtcdVersion::parse(tool).unwrap(),
            listeners: Vec::new(),
            files,
            snapshots: BTreeMap::new(),
            dirs,
            restored: BTreeMap::new(),
            partial: Vec::new(),
            tooks: Vec::new(),
            // 2024-01-11T00:00:00Z
            now: 1_704_931_200_000_000_000,
            waited: 0,
            kube: Vec::new(),
        }
    }

    /// A kubeadm control plane: its member listens on 127.0.0.1:2379 and <ip>:2379 with TLS.
    fn kubeadm(tool: &str, server: &str, nodes: &[(&str, &str)]) -> Self {
        let specs: Vec<MemberSpec> = nodes
            .iter()
            .map(|(n, ip)| MemberSpec {
                name: n.to_string(),
                peer_url: format!("https://{ip}:2380"),
                client_url: format!("https://{ip}:2379"),
            })
            .collect();
        let model = EtcdModel::bootstrap(&specs, DEFAULT_TOKEN, EtcdVersion::parse(server).unwrap());
        let mut f = Fake::new(tool, Some(model));
        f.listeners.push(("127.0.0.1:2379".into(), 0, true));
        for (i, (_, ip)) in nodes.iter().enumerate() {
            f.listeners.push((format!("{ip}:2379"), i, true));
        }
        f
    }

    fn m(&mut self) -> &mut EtcdModel {
        self.model.as_mut().unwrap()
    }
}

impl EtcdHost for Fake {
    fn cluster(&mut self) -> Option<&mut EtcdModel> {
        self.model.as_mut()
    }
    fn member_at(&self, url: &str) -> Option<usize> {
        let hp = url
            .split_once("://")
            .map_or(url, |(_, r)| r)
            .replace("localhost:", "127.0.0.1:");
        self.listeners.iter().find(|(a, _, _)| *a == hp).map(|(_, m, _)| *m)
    }
    fn tls_required(&self, url: &str) -> bool {
        let hp = url
            .split_once("://")
            .map_or(url, |(_, r)| r)
            .replace("localhost:", "127.0.0.1:");
        self.listeners.iter().any(|(a, _, t)| *a == hp && *t)
    }
    fn file_exists(&self, path: &str) -> bool {
        self.files.contains(path)
    }
    fn tls_ok(&self, cacert: Option<&str>, cert: Option<&str>, key: Option<&str>) -> bool {
        let pairs = [
            (CERT, KEY),
            (
                "/etc/kubernetes/pki/apiserver-etcd-client.crt",
                "/etc/kubernetes/pki/apiserver-etcd-client.key",
            ),
            ("/etc/etcd/ssl/client.pem", "/etc/etcd/ssl/client-key.pem"),
        ];
        let ca_ok = matches!(cacert, Some(CA) | Some("/etc/etcd/ssl/ca.pem"));
        ca_ok && pairs.iter().any(|(c, k)| cert == Some(*c) && key == Some(*k))
    }
    fn read_snapshot(&self, path: &str) -> Result<Snapshot, SnapshotFileError> {
        self.snapshots
            .get(path)
            .cloned()
            .unwrap_or(Err(SnapshotFileError::NotFound))
    }
    fn write_snapshot(&mut self, path: &str, snap: Snapshot) -> Result<(), String> {
        self.snapshots.insert(path.to_string(), Ok(snap));
        Ok(())
    }
    fn dir_state(&self, path: &str) -> DirState {
        if self.restored.contains_key(path) || self.partial.iter().any(|p| p == path) {
            return DirState::NonEmpty;
        }
        if self.snapshots.contains_key(path) || self.files.contains(path) {
            return DirState::NotADir;
        }
        self.dirs.get(path).copied().unwrap_or(DirState::Missing)
    }
    fn write_data_dir(&mut self, path: &str, restored: RestoredDataDir) -> Result<(), String> {
        self.restored.insert(path.to_string(), restored);
        Ok(())
    }
    fn tool_version(&self) -> EtcdVersion {
        self.tool.clone()
    }
    fn took(&mut self) -> Duration {
        if self.tooks.is_empty() {
            Duration::from_nanos(2_118_638)
        } else {
            self.tooks.remove(0)
        }
    }
    fn timestamp(&mut self) -> u64 {
        let t = self.now;
        self.now += 1_234_567;
        t
    }
    fn wait(&mut self, ms: u64) {
        self.waited += ms;
        self.now += ms * 1_000_000;
    }
    fn kube_kvs(&self) -> Vec<(String, KeyValue)> {
        self.kube.clone()
    }
    fn leave_partial_data_dir(&mut self, path: &str) {
        self.partial.push(path.to_string());
    }
}

fn words(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_string).collect()
}

fn env(vars: &[(&str, &str)]) -> ShellEnv {
    let mut e = ShellEnv::new("/root");
    for (k, v) in vars {
        e.set(k, v);
    }
    e
}

const TLS: &str = "--cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key";

fn ctl(h: &mut Fake, line: &str) -> CommandOutput {
    etcdctl(h, &words(line), &env(&[]))
}

fn ctl_env(h: &mut Fake, line: &str, vars: &[(&str, &str)]) -> CommandOutput {
    etcdctl(h, &words(line), &env(vars))
}

fn utl(h: &mut Fake, line: &str) -> CommandOutput {
    etcdutl(h, &words(line), &env(&[]))
}

/// Gives members fixed identities (names, IDs, URLs) as in a transcript.
fn set_members(m: &mut EtcdModel, rows: &[(u64, &str, &str, &str)]) {
    for (i, (id, name, peer, client)) in rows.iter().enumerate() {
        let mem = &mut m.members[i];
        mem.id = *id;
        mem.name = name.to_string();
        mem.peer_urls = vec![peer.to_string()];
        mem.client_urls = vec![client.to_string()];
    }
}

fn kube_objects(n: usize) -> Vec<(String, KeyValue)> {
    (0..n)
        .map(|i| {
            (
                format!("/registry/pods/default/p{i:04}"),
                KeyValue {
                    value: "k8s".into(),
                    create_revision: 2 + i as i64,
                    mod_revision: 2 + i as i64,
                    version: 1,
                },
            )
        })
        .collect()
}

#[test]
fn member_list_table_reproduces_transcript_etcd_member_002() {
    let mut h = Fake::kubeadm(
        "3.4.14",
        "3.4.14",
        &[
            ("master1", "192.168.50.61"),
            ("master2", "192.168.50.62"),
            ("master3", "192.168.50.63"),
        ],
    );
    set_members(
        h.m(),
        &[
            (
                0x8bc09a2def061da1,
                "master1",
                "https://192.168.50.61:2380",
                "https://192.168.50.61:2379",
            ),
            (
                0x224aaea80137388e,
                "master2",
                "https://192.168.50.62:2380",
                "https://192.168.50.62:2379",
            ),
            (
                0x96f34f31d2b058a7,
                "master3",
                "https://192.168.50.63:2380",
                "https://192.168.50.63:2379",
            ),
        ],
    );
    let out = ctl(&mut h, &format!("{TLS} member list -w table"));
    assert_eq!(out.status, 0, "{}", out.text());
    assert_eq!(
        out.stdout_text(),
        "\
+------------------+---------+---------+----------------------------+----------------------------+------------+
|        ID        | STATUS  |  NAME   |         PEER ADDRS         |        CLIENT ADDRS        | IS LEARNER |
+------------------+---------+---------+----------------------------+----------------------------+------------+
| 224aaea80137388e | started | master2 | https://192.168.50.62:2380 | https://192.168.50.62:2379 |      false |
| 8bc09a2def061da1 | started | master1 | https://192.168.50.61:2380 | https://192.168.50.61:2379 |      false |
| 96f34f31d2b058a7 | started | master3 | https://192.168.50.63:2380 | https://192.168.50.63:2379 |      false |
+------------------+---------+---------+----------------------------+----------------------------+------------+
"
    );
    assert_eq!(out.stderr_text(), "");
}

#[test]
fn member_list_simple_reproduces_transcript_etcd_member_003() {
    let mut h = Fake::kubeadm(
        "3.4.3",
        "3.4.3",
        &[
            ("etcd-001", "172.16.2.3"),
            ("etcd-002", "172.16.2.6"),
            ("etcd-003", "172.16.2.7"),
        ],
    );
    set_members(
        h.m(),
        &[
            (
                0xf15c8d27ccf66395,
                "etcd-001",
                "https://172.16.2.3:2380",
                "https://172.16.2.3:2379",
            ),
            (
                0xbe8c6e0b5f5f6157,
                "etcd-002",
                "https://172.16.2.6:2380",
                "https://172.16.2.6:2379",
            ),
            (
                0x7e7a0308e6c2067f,
                "etcd-003",
                "https://172.16.2.7:2380",
                "https://172.16.2.7:2379",
            ),
        ],
    );
    let out = ctl(&mut h, &format!("{TLS} member list"));
    assert_eq!(
        out.stdout_text(),
        "7e7a0308e6c2067f, started, etcd-003, https://172.16.2.7:2380, https://172.16.2.7:2379, false\n\
         be8c6e0b5f5f6157, started, etcd-002, https://172.16.2.6:2380, https://172.16.2.6:2379, false\n\
         f15c8d27ccf66395, started, etcd-001, https://172.16.2.3:2380, https://172.16.2.3:2379, false\n"
    );
}

#[test]
fn endpoint_status_table_reproduces_transcript_etcd_endpoint_002() {
    let mut h = Fake::kubeadm(
        "3.4.3",
        "3.4.3",
        &[
            ("etcd-001", "172.16.2.3"),
            ("etcd-002", "172.16.2.6"),
            ("etcd-003", "172.16.2.7"),
        ],
    );
    set_members(
        h.m(),
        &[
            (
                0xf15c8d27ccf66395,
                "etcd-001",
                "https://172.16.2.3:2380",
                "https://172.16.2.3:2379",
            ),
            (
                0xbe8c6e0b5f5f6157,
                "etcd-002",
                "https://172.16.2.6:2380",
                "https://172.16.2.6:2379",
            ),
            (
                0x7e7a0308e6c2067f,
                "etcd-003",
                "https://172.16.2.7:2380",
                "https://172.16.2.7:2379",
            ),
        ],
    );
    h.m().leader = Some(1);
    h.m().term = 6;
    h.m().raft_index = 41219;
    h.kube = kube_objects(740);
    let vars = [
        (
            "ETCDCTL_ENDPOINTS",
            "https://172.16.2.3:2379,https://172.16.2.6:2379,https://172.16.2.7:2379",
        ),
        ("ETCDCTL_CACERT", CA),
        ("ETCDCTL_CERT", CERT),
        ("ETCDCTL_KEY", KEY),
    ];
    let out = ctl_env(&mut h, "endpoint status --write-out=table", &vars);
    assert_eq!(out.status, 0, "{}", out.text());
    let border = "+-------------------------+------------------+---------+---------+-----------+------------+-----------+------------+--------------------+--------+";
    assert_eq!(
        out.stdout_text(),
        format!(
            "{border}
|        ENDPOINT         |        ID        | VERSION | DB SIZE | IS LEADER | IS LEARNER | RAFT TERM | RAFT INDEX | RAFT APPLIED INDEX | ERRORS |
{border}
| https://172.16.2.3:2379 | f15c8d27ccf66395 |   3.4.3 |  2.2 MB |     false |      false |         6 |      41219 |              41219 |        |
| https://172.16.2.6:2379 | be8c6e0b5f5f6157 |   3.4.3 |  2.2 MB |      true |      false |         6 |      41219 |              41219 |        |
| https://172.16.2.7:2379 | 7e7a0308e6c2067f |   3.4.3 |  2.2 MB |     false |      false |         6 |      41219 |              41219 |        |
{border}
"
        )
    );
}

/// The cluster of etcd issue 10897 (3.3.11): the member on .128 is down and nobody leads.
fn issue_10897() -> Fake {
    let mut h = Fake::kubeadm(
        "3.3.11",
        "3.3.11",
        &[
            ("n1", "192.168.195.128"),
            ("n2", "192.168.195.129"),
            ("n3", "192.168.195.130"),
        ],
    );
    set_members(
        h.m(),
        &[
            (
                0x1111,
                "n1",
                "https://192.168.195.128:2380",
                "https://192.168.195.128:2379",
            ),
            (
                0xb7c605eed4a1da21,
                "n2",
                "https://192.168.195.129:2380",
                "https://192.168.195.129:2379",
            ),
            (
                0x6f786ac7d981f803,
                "n3",
                "https://192.168.195.130:2380",
                "https://192.168.195.130:2379",
            ),
        ],
    );
    h.m().members[0].state = crate::etcd::model::MemberState::Stopped;
    h.m().leader = None;
    h.m().term = 109;
    h.m().raft_index = 9;
    h
}

const ISSUE_10897_FLAGS: &str = "--endpoints=http://192.168.195.128:2379,192.168.195.129:2379,192.168.195.130:2379 --cacert=/etc/etcd/ssl/ca.pem --cert=/etc/etcd/ssl/client.pem --key=/etc/etcd/ssl/client-key.pem";

fn issue_10897_files(h: &mut Fake) {
    for f in [
        "/etc/etcd/ssl/ca.pem",
        "/etc/etcd/ssl/client.pem",
        "/etc/etcd/ssl/client-key.pem",
    ] {
        h.files.insert(f.to_string());
    }
}

#[test]
fn endpoint_status_3_3_reproduces_transcript_etcd_endpoint_001() {
    let mut h = issue_10897();
    issue_10897_files(&mut h);
    let out = ctl_env(
        &mut h,
        &format!("{ISSUE_10897_FLAGS} endpoint status"),
        &[("ETCDCTL_API", "3")],
    );
    assert_eq!(
        out.text(),
        "Failed to get the status of endpoint http://192.168.195.128:2379 (context deadline exceeded)\n\
         192.168.195.129:2379, b7c605eed4a1da21, 3.3.11, 20 kB, false, 109, 9\n\
         192.168.195.130:2379, 6f786ac7d981f803, 3.3.11, 20 kB, false, 109, 9\n"
    );
    assert_eq!(out.status, 1);
    assert_eq!(h.waited, 5000, "the dead endpoint costs the command timeout");
}

#[test]
fn endpoint_health_3_3_reproduces_transcript_etcd_health_001() {
    let mut h = issue_10897();
    issue_10897_files(&mut h);
    // Checked in argument order; the healthy ones report as they finish.
    h.tooks = vec![
        Duration::from_nanos(1_000_000),
        Duration::from_nanos(3_954_625),
        Duration::from_nanos(3_189_286),
    ];
    let out = ctl_env(
        &mut h,
        &format!("{ISSUE_10897_FLAGS} endpoint health"),
        &[("ETCDCTL_API", "3")],
    );
    assert_eq!(
        out.text(),
        "192.168.195.130:2379 is healthy: successfully committed proposal: took = 3.189286ms\n\
         192.168.195.129:2379 is healthy: successfully committed proposal: took = 3.954625ms\n\
         http://192.168.195.128:2379 is unhealthy: failed to commit proposal: context deadline exceeded\n\
         Error: unhealthy cluster\n"
    );
    assert_eq!(out.status, 1);
}

#[test]
fn endpoint_health_streams_by_version() {
    for (v, healthy_on_stdout) in [("3.4.23", false), ("3.5.15", true), ("3.6.5", true)] {
        let mut h = Fake::kubeadm(v, v, &[("controlplane", "10.0.0.10")]);
        h.tooks = vec![Duration::from_nanos(903_138)];
        let out = ctl(
            &mut h,
            &format!("--endpoints=https://127.0.0.1:2379 {TLS} endpoint health"),
        );
        let line = "https://127.0.0.1:2379 is healthy: successfully committed proposal: took = 903.138µs\n";
        if healthy_on_stdout {
            assert_eq!(out.stdout_text(), line, "{v}");
        } else {
            assert_eq!(out.stderr_text(), line, "{v}");
        }
        assert_eq!(out.status, 0);
    }
}

#[test]
fn endpoint_health_cluster_json_and_table() {
    let mut h = Fake::kubeadm("3.5.15", "3.5.15", &[("cp1", "10.0.0.10"), ("cp2", "10.0.0.11")]);
    let out = ctl(&mut h, &format!("{TLS} endpoint health --cluster -w json"));
    assert_eq!(
        out.stdout_text(),
        "[{\"endpoint\":\"https://10.0.0.10:2379\",\"health\":true,\"took\":\"2.118638ms\"},{\"endpoint\":\"https://10.0.0.11:2379\",\"health\":true,\"took\":\"2.118638ms\"}]\n"
    );
    // Two members, one down: no quorum, and 3.5 lists members linearizably.
    h.m().crash(1);
    let out = ctl(&mut h, &format!("{TLS} endpoint health --cluster"));
    assert!(
        out.stderr_text()
            .ends_with("Error: failed to fetch endpoints from etcd cluster member list: context deadline exceeded\n")
    );
    let mut h = Fake::kubeadm(
        "3.5.15",
        "3.5.15",
        &[("cp1", "10.0.0.10"), ("cp2", "10.0.0.11"), ("cp3", "10.0.0.12")],
    );
    h.m().crash(1);
    let out = ctl(&mut h, &format!("{TLS} endpoint health --cluster -w table"));
    assert!(
        out.stdout_text()
            .contains("| https://10.0.0.11:2379 |  false | 5.002118638s | context deadline exceeded |"),
        "{}",
        out.text()
    );
    assert!(out.stderr_text().ends_with("Error: unhealthy cluster\n"));
    assert_eq!(out.status, 1);
}

#[test]
fn endpoint_status_empty_table_reproduces_transcript_etcd_endpoint_004() {
    let mut h = Fake::kubeadm("3.5.0", "3.5.0", &[("controlplane", "172.30.1.2")]);
    h.m().crash(0);
    let out = ctl(
        &mut h,
        &format!("--endpoints=https://127.0.0.1:2379 {TLS} endpoint status --write-out=table"),
    );
    let err = out.stderr_text();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    let warn = lines[0];
    assert!(
        warn.starts_with("{\"level\":\"warn\",\"ts\":\"2024-01-11T00:00:05."),
        "{warn}"
    );
    assert!(warn.contains(
        "\"logger\":\"etcd-client\",\"caller\":\"v3/retry_interceptor.go:62\",\"msg\":\"retrying of unary invoker failed\",\"target\":\"etcd-endpoints://0xc000"
    ));
    assert!(warn.ends_with(
        "/#initially=[https://127.0.0.1:2379]\",\"attempt\":0,\"error\":\"rpc error: code = DeadlineExceeded desc = latest balancer error: last connection error: connection error: desc = \\\"transport: Error while dialing dial tcp 127.0.0.1:2379: connect: connection refused\\\"\"}"
    ), "{warn}");
    assert_eq!(
        lines[1],
        "Failed to get the status of endpoint https://127.0.0.1:2379 (context deadline exceeded)"
    );
    assert_eq!(
        out.stdout_text(),
        "\
+----------+----+---------+---------+-----------+------------+-----------+------------+--------------------+--------+
| ENDPOINT | ID | VERSION | DB SIZE | IS LEADER | IS LEARNER | RAFT TERM | RAFT INDEX | RAFT APPLIED INDEX | ERRORS |
+----------+----+---------+---------+-----------+------------+-----------+------------+--------------------+--------+
+----------+----+---------+---------+-----------+------------+-----------+------------+--------------------+--------+
"
    );
    assert_eq!(out.status, 1);
}

#[test]
fn endpoint_status_formats_by_version() {
    let mut h = Fake::kubeadm("3.6.5", "3.6.5", &[("controlplane", "10.0.0.10")]);
    let out = ctl(
        &mut h,
        &format!("--endpoints=https://127.0.0.1:2379 {TLS} endpoint status"),
    );
    assert_eq!(
        out.stdout_text(),
        "https://127.0.0.1:2379, 3b17aaa147134dd, 3.6.5, 3.6.0, 20 kB, 16 kB, 20%, 2.1 GB, true, false, 2, 5, 5, , , false\n"
    );
    let mut h = Fake::kubeadm("3.5.15", "3.5.15", &[("controlplane", "10.0.0.10")]);
    let out = ctl(
        &mut h,
        &format!("--endpoints=https://127.0.0.1:2379 {TLS} endpoint status -w json"),
    );
    assert_eq!(
        out.stdout_text(),
        "[{\"Endpoint\":\"https://127.0.0.1:2379\",\"Status\":{\"header\":{\"cluster_id\":11359140656373167743,\"member_id\":266128723897562333,\"revision\":1,\"raft_term\":2},\"version\":\"3.5.15\",\"dbSize\":20480,\"leader\":266128723897562333,\"raftIndex\":5,\"raftTerm\":2,\"raftAppliedIndex\":5,\"dbSizeInUse\":16384}}]\n"
    );
    h.m().crash(0);
    h.listeners.push(("10.0.0.99:2379".into(), 0, true));
    let out = ctl(
        &mut h,
        &format!("--endpoints=https://127.0.0.1:2379 {TLS} endpoint status -w fields"),
    );
    assert_eq!(out.status, 1);
    assert_eq!(out.stdout_text(), "");
}

fn save_line(v: &str) -> (Fake, CommandOutput) {
    let mut h = Fake::kubeadm(v, v, &[("controlplane", "10.0.0.10")]);
    h.m().put("foo", "bar").unwrap();
    let out = ctl(
        &mut h,
        &format!("--endpoints=https://127.0.0.1:2379 {TLS} snapshot save /backup/snap.db"),
    );
    (h, out)
}

#[test]
fn snapshot_save_3_4_logs_production_json_and_client_iso_times() {
    let (h, out) = save_line("3.4.23");
    assert_eq!(out.status, 0);
    assert_eq!(
        out.stderr_text(),
        r#"{"level":"info","ts":1704931200,"caller":"snapshot/v3_snapshot.go:119","msg":"created temporary db file","path":"/backup/snap.db.part"}
{"level":"info","ts":"2024-01-11T00:00:00.001Z","caller":"clientv3/maintenance.go:200","msg":"opened snapshot stream; downloading"}
{"level":"info","ts":1704931200.002469,"caller":"snapshot/v3_snapshot.go:127","msg":"fetching snapshot","endpoint":"https://127.0.0.1:2379"}
{"level":"info","ts":"2024-01-11T00:00:00.005Z","caller":"clientv3/maintenance.go:208","msg":"completed snapshot read; closing"}
{"level":"info","ts":1704931200.0069385,"caller":"snapshot/v3_snapshot.go:142","msg":"fetched snapshot","endpoint":"https://127.0.0.1:2379","size":"25 kB","took":0.002118638}
{"level":"info","ts":1704931200.0081728,"caller":"snapshot/v3_snapshot.go:152","msg":"saved","path":"/backup/snap.db"}
"#
    );
    assert_eq!(out.stdout_text(), "Snapshot saved at /backup/snap.db\n");
    let saved = h.snapshots["/backup/snap.db"].clone().unwrap();
    assert!(saved.has_hash);
    assert_eq!(saved.keys.len(), 1);
}

#[test]
fn snapshot_save_3_4_3_has_the_early_log_shape_of_transcript_etcd_save_001() {
    // 3.4.0–3.4.7: no stream logs and no size; the first line's caller matches the transcript.
    let (_, out) = save_line("3.4.3");
    let first = out.stderr_text().lines().next().unwrap().to_string();
    assert_eq!(
        first,
        r#"{"level":"info","ts":1704931200,"caller":"snapshot/v3_snapshot.go:110","msg":"created temporary db file","path":"/backup/snap.db.part"}"#
    );
    assert!(!out.stderr_text().contains("opened snapshot stream"));
    assert!(
        out.stderr_text()
            .contains(r#""msg":"fetched snapshot","endpoint":"https://127.0.0.1:2379","took":0.002118638}"#)
    );
}

#[test]
fn snapshot_save_3_5_logs_by_patch() {
    let (_, out) = save_line("3.5.0");
    assert!(out.stderr_text().starts_with(
        r#"{"level":"info","ts":1704931200,"caller":"snapshot/v3_snapshot.go:68","msg":"created temporary db file","path":"/backup/snap.db.part"}
{"level":"info","ts":1704931200.0012348,"logger":"client","caller":"v3/maintenance.go:211","msg":"opened snapshot stream; downloading"}"#
    ));
    let (_, out) = save_line("3.5.17");
    assert_eq!(
        out.stderr_text(),
        r#"{"level":"info","ts":"2024-01-11T00:00:00.000000Z","caller":"snapshot/v3_snapshot.go:65","msg":"created temporary db file","path":"/backup/snap.db.part"}
{"level":"info","ts":"2024-01-11T00:00:00.001234Z","logger":"client","caller":"v3/maintenance.go:212","msg":"opened snapshot stream; downloading"}
{"level":"info","ts":"2024-01-11T00:00:00.002469Z","caller":"snapshot/v3_snapshot.go:73","msg":"fetching snapshot","endpoint":"https://127.0.0.1:2379"}
{"level":"info","ts":"2024-01-11T00:00:00.005703Z","logger":"client","caller":"v3/maintenance.go:220","msg":"completed snapshot read; closing"}
{"level":"info","ts":"2024-01-11T00:00:00.006938Z","caller":"snapshot/v3_snapshot.go:88","msg":"fetched snapshot","endpoint":"https://127.0.0.1:2379","size":"25 kB","took":"now"}
{"level":"info","ts":"2024-01-11T00:00:00.008172Z","caller":"snapshot/v3_snapshot.go:97","msg":"saved","path":"/backup/snap.db"}
"#
    );
    assert_eq!(out.stdout_text(), "Snapshot saved at /backup/snap.db\n");
}

#[test]
fn snapshot_save_3_6_prints_the_server_version() {
    let (_, out) = save_line("3.6.5");
    assert!(out.stderr_text().contains(
        r#""msg":"fetched snapshot","endpoint":"https://127.0.0.1:2379","size":"25 kB","took":"2.118638ms","etcd-version":"3.6.5"}"#
    ));
    assert_eq!(
        out.stdout_text(),
        "Snapshot saved at /backup/snap.db\nServer version 3.6.5\n"
    );
    // A 3.5 server reports no version: no second line.
    let mut h = Fake::kubeadm("3.6.5", "3.5.21", &[("controlplane", "10.0.0.10")]);
    let out = ctl(
        &mut h,
        &format!("--endpoints=https://127.0.0.1:2379 {TLS} snapshot save /backup/snap.db"),
    );
    assert!(out.stderr_text().contains(r#""etcd-version":""}"#));
    assert_eq!(out.stdout_text(), "Snapshot saved at /backup/snap.db\n");
}

#[test]
fn snapshot_save_errors() {
    let mut h = Fake::kubeadm(
        "3.5.15",
        "3.5.15",
        &[("cp1", "10.0.0.10"), ("cp2", "10.0.0.11"), ("cp3", "10.0.0.12")],
    );
    let out = ctl(
        &mut h,
        &format!("{TLS} --endpoints=https://10.0.0.10:2379,https://10.0.0.11:2379 snapshot save /backup/s.db"),
    );
    assert_eq!(
        out.stderr_text(),
        "Error: snapshot must be requested to one selected node, not multiple [https://10.0.0.10:2379 https://10.0.0.11:2379]\n"
    );
    assert_eq!(out.status, 5);
    let out = ctl(
        &mut h,
        &format!("{TLS} --endpoints=https://10.0.0.10:2379 snapshot save"),
    );
    assert_eq!(
        (out.stderr_text().as_str(), out.status),
        ("Error: snapshot save expects one argument\n", 128)
    );
    let out = ctl(
        &mut h,
        &format!("{TLS} --endpoints=https://10.0.0.10:2379 snapshot save /nodir/s.db"),
    );
    assert_eq!(
        out.stderr_text(),
        "Error: could not open /nodir/s.db.part (open /nodir/s.db.part: no such file or directory)\n"
    );
    assert_eq!(out.status, 5);
    // Without certificates against the TLS endpoint: with a timeout it fails after it, without
    // one it waits until interrupted (etcd issue 13166).
    let out = ctl(
        &mut h,
        "--endpoints=https://10.0.0.10:2379 --command-timeout=3s snapshot save /backup/s.db",
    );
    assert!(
        out.stderr_text().ends_with("Error: context deadline exceeded\n"),
        "{}",
        out.text()
    );
    assert_eq!(out.status, 5);
    assert_eq!(h.waited, 3000);
    h.waited = 0;
    let out = ctl(&mut h, "--endpoints localhost:2379 snapshot save snapshot.db");
    assert_eq!(out.status, 130);
    assert_eq!(h.waited, 60_000);
    assert!(
        out.stderr_text()
            .contains(r#""msg":"created temporary db file","path":"snapshot.db.part"}"#)
    );
    assert!(!out.stderr_text().contains("fetching snapshot"));
    assert!(!h.snapshots.contains_key("/root/snapshot.db"));
    // A stopped member cannot stream its backend.
    h.m().crash(0);
    let out = ctl(
        &mut h,
        &format!("{TLS} --endpoints=https://10.0.0.10:2379 --command-timeout=5s snapshot save /backup/s.db"),
    );
    assert_eq!(out.status, 5);
}

#[test]
fn snapshot_save_works_without_quorum() {
    let mut h = Fake::kubeadm(
        "3.5.15",
        "3.5.15",
        &[("cp1", "10.0.0.10"), ("cp2", "10.0.0.11"), ("cp3", "10.0.0.12")],
    );
    h.m().crash(1);
    h.m().crash(2);
    let out = ctl(
        &mut h,
        &format!("{TLS} --endpoints=https://127.0.0.1:2379 snapshot save /backup/s.db"),
    );
    assert_eq!(out.status, 0, "{}", out.text());
    assert!(h.snapshots.contains_key("/backup/s.db"));
}

fn with_snapshot(v: &str) -> Fake {
    let mut h = Fake::kubeadm(v, v, &[("controlplane", "10.0.0.10")]);
    h.m().put("foo", "bar").unwrap();
    h.m().put("foo", "baz").unwrap();
    let snap = h.m().snapshot(0).unwrap();
    h.snapshots.insert("/backup/snap.db".into(), Ok(snap));
    h
}

#[test]
fn snapshot_status_by_version() {
    let mut h = with_snapshot("3.4.23");
    let out = ctl(&mut h, "snapshot status /backup/snap.db");
    assert_eq!(out.stdout_text(), "32a5d4e5, 3, 9, 25 kB\n");
    assert_eq!(out.stderr_text(), "");
    let out = ctl(&mut h, "snapshot status /backup/snap.db -w table");
    assert_eq!(
        out.stdout_text(),
        "\
+----------+----------+------------+------------+
|   HASH   | REVISION | TOTAL KEYS | TOTAL SIZE |
+----------+----------+------------+------------+
| 32a5d4e5 |        3 |          9 |      25 kB |
+----------+----------+------------+------------+
"
    );
    let out = ctl(&mut h, "snapshot status /backup/snap.db -w json");
    assert_eq!(
        out.stdout_text(),
        "{\"hash\":849728741,\"revision\":3,\"totalKey\":9,\"totalSize\":24576}\n"
    );
    // 3.5: etcdctl still answers, after the notice of transcript etcd-snapstatus-002.
    let mut h = with_snapshot("3.5.15");
    let out = ctl(&mut h, "snapshot status /backup/snap.db --write-out=table");
    assert_eq!(
        out.stderr_text(),
        "Deprecated: Use `etcdutl snapshot status` instead.\n\n"
    );
    assert!(
        out.stdout_text()
            .starts_with("+----------+----------+------------+------------+\n|   HASH   |")
    );
    let out = utl(&mut h, "snapshot status /backup/snap.db");
    assert_eq!(
        (out.stdout_text().as_str(), out.stderr_text().as_str()),
        ("32a5d4e5, 3, 9, 25 kB\n", "")
    );
    // 3.6: only etcdutl, which counts live keys and adds the storage version.
    let mut h = with_snapshot("3.6.5");
    let out = utl(&mut h, "snapshot status /backup/snap.db -w table");
    assert_eq!(
        out.stdout_text(),
        "\
+----------+----------+------------+------------+---------+
|   HASH   | REVISION | TOTAL KEYS | TOTAL SIZE | VERSION |
+----------+----------+------------+------------+---------+
| 32a5d4e5 |        3 |          1 |      25 kB |   3.6.0 |
+----------+----------+------------+------------+---------+
"
    );
    let out = utl(&mut h, "snapshot status /backup/snap.db");
    assert_eq!(out.stdout_text(), "32a5d4e5, 3, 1, 25 kB, 3.6.0\n");
    let out = ctl(&mut h, "snapshot status /backup/snap.db");
    assert_eq!(
        out.status, 0,
        "cobra shows the help of `snapshot`, which has only `save`"
    );
    assert!(
        out.stdout_text()
            .starts_with("NAME:\n  snapshot - Manages etcd node snapshots\n")
    );
}

#[test]
fn snapshot_status_errors() {
    let mut h = with_snapshot("3.5.15");
    let out = utl(&mut h, "snapshot status /backup/none.db");
    assert_eq!(
        (out.stderr_text().as_str(), out.status),
        ("Error: stat /backup/none.db: no such file or directory\n", 1)
    );
    h.snapshots.insert(
        "/root/notes.txt".into(),
        Err(SnapshotFileError::NotADatabase { bytes: 14 }),
    );
    let out = utl(&mut h, "snapshot status notes.txt");
    assert_eq!(out.stderr_text(), "Error: invalid database\n");
    let out = utl(&mut h, "snapshot status");
    assert_eq!(
        (out.stderr_text().as_str(), out.status),
        ("Error: snapshot status requires exactly one argument\n", 128)
    );
    let out = utl(&mut h, "snapshot status /backup/snap.db -w yaml");
    assert_eq!(
        (out.stderr_text().as_str(), out.status),
        ("Error: unsupported output format\n", 4)
    );
    let of = h.snapshots["/backup/snap.db"]
        .as_ref()
        .ok()
        .cloned()
        .map(std::sync::Arc::new);
    h.snapshots.insert(
        "/root/cut.db".into(),
        Err(SnapshotFileError::Truncated { bytes: 8192, of }),
    );
    let out = utl(&mut h, "snapshot status cut.db");
    assert!(
        out.stderr_text()
            .contains("fatal error: fault\n[signal SIGBUS: bus error code=0x2")
    );
    assert_eq!(out.status, 2);
}

#[test]
fn snapshot_stats_are_plausible() {
    let h = Fake::kubeadm("3.5.15", "3.5.15", &[("controlplane", "10.0.0.10")]);
    let mut snap = h.model.as_ref().unwrap().snapshot(0).unwrap();
    let fresh = snapshot_stats(&snap);
    assert_eq!(
        (fresh.revision, fresh.size_bytes, fresh.in_use_bytes),
        (0, 20480, 16384)
    );
    assert_eq!(fresh.storage_version, "");
    snap.extra_keys = 971;
    snap.revision = 4727;
    let k8s = snapshot_stats(&snap);
    assert_eq!((k8s.revision, k8s.total_keys, k8s.live_keys), (4727, 978, 971));
    assert_eq!(crate::gotext::humanize_bytes(k8s.size_bytes), "2.9 MB");
    assert_ne!(k8s.hash, fresh.hash);
}

#[test]
fn restore_with_defaults_gives_etcds_well_known_ids() {
    let mut h = with_snapshot("3.4.23");
    let out = ctl(&mut h, "snapshot restore /backup/snap.db");
    assert_eq!(out.status, 0, "{}", out.text());
    assert_eq!(out.stdout_text(), "");
    assert_eq!(
        out.stderr_text(),
        r#"{"level":"info","ts":1704931200,"caller":"snapshot/v3_snapshot.go:296","msg":"restoring snapshot","path":"/backup/snap.db","wal-dir":"default.etcd/member/wal","data-dir":"default.etcd","snap-dir":"default.etcd/member/snap"}
{"level":"info","ts":1704931200.0012348,"caller":"membership/cluster.go:392","msg":"added member","cluster-id":"cdf818194e3a8c32","local-member-id":"0","added-peer-id":"8e9e05c52164694d","added-peer-peer-urls":["http://localhost:2380"]}
{"level":"info","ts":1704931200.002469,"caller":"snapshot/v3_snapshot.go:309","msg":"restored snapshot","path":"/backup/snap.db","wal-dir":"default.etcd/member/wal","data-dir":"default.etcd","snap-dir":"default.etcd/member/snap"}
"#
    );
    let r = &h.restored["/root/default.etcd"];
    assert_eq!(
        (format!("{:x}", r.member_id), format!("{:x}", r.cluster_id)),
        ("8e9e05c52164694d".into(), "cdf818194e3a8c32".into())
    );
    assert_eq!(r.snapshot.revision, 3);
    assert_eq!(
        r.initial_cluster,
        [("default".to_string(), "http://localhost:2380".to_string())]
    );
    assert_eq!(
        (r.name.as_str(), r.token.as_str(), r.wal_dir.clone(), r.compacted),
        ("default", "etcd-cluster", None, false)
    );
}

#[test]
fn restore_3_5_console_log_matches_transcript_etcd_restore_005() {
    let mut h = with_snapshot("3.5.1");
    h.snapshots.insert(
        "/etc/kubernetes/snapshot01".into(),
        h.snapshots["/backup/snap.db"].clone(),
    );
    let out = ctl(
        &mut h,
        &format!("--endpoints https://10.0.0.10:2379 {TLS} snapshot restore /etc/kubernetes/snapshot01"),
    );
    assert_eq!(out.status, 0);
    let err = out.stderr_text();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines[0], "Deprecated: Use `etcdutl snapshot restore` instead.");
    assert_eq!(lines[1], "");
    assert_eq!(
        lines[2],
        "2024-01-11T00:00:00Z\tinfo\tsnapshot/v3_snapshot.go:251\trestoring snapshot\t{\"path\": \"/etc/kubernetes/snapshot01\", \"wal-dir\": \"default.etcd/member/wal\", \"data-dir\": \"default.etcd\", \"snap-dir\": \"default.etcd/member/snap\"}"
    );
    assert_eq!(
        lines[3],
        "2024-01-11T00:00:00Z\tinfo\tmembership/store.go:141\tTrimming membership information from the backend..."
    );
    assert!(lines[4].starts_with(
        "2024-01-11T00:00:00Z\tinfo\tmembership/cluster.go:421\tadded member\t{\"cluster-id\": \"cdf818194e3a8c32\""
    ));
    assert!(lines[5].contains("\trestored snapshot\t"));
}

#[test]
fn restore_refuses_existing_data_dirs_as_transcripts_etcd_restore_002_and_003() {
    let mut h = with_snapshot("3.4.23");
    h.dirs.insert("/etcd_data".into(), DirState::Empty);
    let out = ctl(&mut h, "snapshot restore /backup/snap.db --data-dir=/etcd_data");
    assert_eq!(
        (out.stderr_text().as_str(), out.status),
        ("Error: data-dir \"/etcd_data\" exists\n", 1)
    );
    // 3.5 accepts an empty directory and refuses one with lost+found in it.
    let mut h = with_snapshot("3.5.15");
    h.dirs.insert("/var/run/etcd".into(), DirState::NonEmpty);
    h.dirs.insert("/var/lib/empty".into(), DirState::Empty);
    let out = utl(&mut h, "snapshot restore /backup/snap.db --data-dir /var/run/etcd");
    assert_eq!(
        out.stderr_text(),
        "Error: data-dir \"/var/run/etcd\" not empty or could not be read\n"
    );
    let out = utl(&mut h, "snapshot restore /backup/snap.db --data-dir /var/lib/empty");
    assert_eq!(out.status, 0, "{}", out.text());
    h.dirs.insert("/var/lib/wal".into(), DirState::Empty);
    let out = utl(
        &mut h,
        "snapshot restore /backup/snap.db --data-dir /var/lib/x --wal-dir /var/lib/wal",
    );
    assert_eq!(out.stderr_text(), "Error: wal-dir \"/var/lib/wal\" exists\n");
}

#[test]
fn restore_hash_checks() {
    let mut h = with_snapshot("3.4.23");
    // A copy of member/snap/db has no hash (transcript etcd-restore-004's message).
    let raw = h.m().copy_db(0).unwrap();
    h.snapshots.insert("/root/db".into(), Ok(raw));
    let out = ctl(&mut h, "snapshot restore db --data-dir /var/lib/etcd-new");
    assert!(
        out.stderr_text()
            .ends_with("Error: snapshot missing hash but --skip-hash-check=false\n")
    );
    assert_eq!(out.status, 1);
    // The failed try left member/snap/db behind: 3.4 then calls the directory existing.
    let out = ctl(
        &mut h,
        "snapshot restore db --data-dir /var/lib/etcd-new --skip-hash-check",
    );
    assert_eq!(out.stderr_text(), "Error: data-dir \"/var/lib/etcd-new\" exists\n");
    let out = ctl(
        &mut h,
        "snapshot restore db --data-dir /var/lib/etcd-other --skip-hash-check",
    );
    assert_eq!(out.status, 0, "{}", out.text());
    h.snapshots
        .insert("/root/bad.db".into(), Err(SnapshotFileError::Corrupt));
    let out = ctl(&mut h, "snapshot restore bad.db --data-dir /var/lib/etcd-3");
    let last = out.stderr_text().lines().last().unwrap().to_string();
    assert!(last.starts_with("Error: expected sha256 ["), "{last}");
    assert!(last.contains("], got ["));
    let out = ctl(&mut h, "snapshot restore nope.db --data-dir /var/lib/etcd-4");
    assert!(
        out.stderr_text()
            .ends_with("Error: open nope.db: no such file or directory\n")
    );
    assert!(
        !h.partial.contains(&"/var/lib/etcd-4".to_string()),
        "nothing is created before the file opens"
    );
}

#[test]
fn restore_checks_the_bootstrap_configuration() {
    let mut h = with_snapshot("3.5.15");
    let run = |h: &mut Fake, flags: &str| {
        utl(
            h,
            &format!("snapshot restore /backup/snap.db --data-dir /var/lib/r {flags}"),
        )
    };
    let out = run(
        &mut h,
        "--name controlplane --initial-advertise-peer-urls https://10.0.0.10:2380",
    );
    assert_eq!(
        out.stderr_text(),
        "Error: couldn't find local name \"controlplane\" in the initial cluster configuration\n"
    );
    let out = run(
        &mut h,
        "--name controlplane --initial-cluster controlplane=https://10.0.0.10:2380",
    );
    assert_eq!(
        out.stderr_text(),
        "Error: --initial-cluster has controlplane=https://10.0.0.10:2380 but missing from --initial-advertise-peer-urls=http://localhost:2380 (resolved urls: \"http://127.0.0.1:2380\" != \"https://10.0.0.10:2380\")\n"
    );
    let out = run(&mut h, "--initial-advertise-peer-urls 10.0.0.10:2380");
    assert_eq!(
        out.stderr_text(),
        "Error: parse \"10.0.0.10:2380\": first path segment in URL cannot contain colon\n"
    );
    let out = run(
        &mut h,
        "--initial-advertise-peer-urls ftp://a:1 --initial-cluster default=ftp://a:1",
    );
    assert_eq!(
        out.stderr_text(),
        "Error: URL scheme must be http, https, unix, or unixs: ftp://a:1\n"
    );
    let out = run(
        &mut h,
        "--name cp1 --initial-cluster cp1=https://10.0.0.10:2380,cp2=https://10.0.0.11:2380 --initial-advertise-peer-urls https://10.0.0.10:2380 --initial-cluster-token new-token",
    );
    assert_eq!(out.status, 0, "{}", out.text());
    let r = &h.restored["/var/lib/r"];
    assert_eq!(r.initial_cluster.len(), 2);
    assert_eq!(r.token, "new-token");
    assert_eq!(out.stderr_text().matches("added member").count(), 2);
}

#[test]
fn restore_bump_revision_and_required_flags() {
    let mut h = with_snapshot("3.5.17");
    let out = utl(
        &mut h,
        "snapshot restore /backup/snap.db --data-dir /var/lib/r --bump-revision 1000000000",
    );
    assert_eq!(
        (out.stderr_text().as_str(), out.status),
        ("Error: --mark-compacted required if --revision-bump > 0\n", 128)
    );
    let out = utl(
        &mut h,
        "snapshot restore /backup/snap.db --data-dir /var/lib/r --bump-revision 1000000000 --mark-compacted",
    );
    assert_eq!(out.status, 0, "{}", out.text());
    assert!(out.stderr_text().contains("\tbumping latest revision\t{\"latest-revision\": 3, \"bump-amount\": 1000000000, \"new-latest-revision\": 1000000003}"));
    assert!(
        out.stderr_text()
            .contains("\tmarking revision compacted\t{\"revision\": 1000000003}")
    );
    assert_eq!(h.restored["/var/lib/r"].snapshot.revision, 1_000_000_003);
    assert!(h.restored["/var/lib/r"].compacted);
    // etcdutl 3.5 insists on --data-dir (cobra prints the error, the usage, then main again).
    let out = utl(&mut h, "snapshot restore /backup/snap.db");
    let err = out.stderr_text();
    assert!(err.starts_with("Error: required flag(s) \"data-dir\" not set\nUsage:\n  etcdutl snapshot restore <filename> --data-dir {output dir} [options] [flags]\n\nFlags:\n"), "{err}");
    assert!(err.ends_with("\n\nError: required flag(s) \"data-dir\" not set\n"));
    assert_eq!(out.status, 1);
    // 3.6 does not, and restores into default.etcd.
    let mut h = with_snapshot("3.6.5");
    let out = utl(&mut h, "snapshot restore /backup/snap.db");
    assert_eq!(out.status, 0, "{}", out.text());
    assert!(h.restored.contains_key("/root/default.etcd"));
    assert!(out.stderr_text().contains("\"added-peer-is-learner\": false"));
}

#[test]
fn etcdutl_save_is_deprecated_in_3_5_and_gone_in_3_6() {
    let mut h = with_snapshot("3.5.15");
    let out = utl(&mut h, "snapshot save snapshot.db");
    assert_eq!(
        out.stderr_text(),
        "Command \"save\" is deprecated, Use `etcdctl snapshot save` to download snapshot\nError: In order to download snapshot use: `etcdctl snapshot save ...`\n"
    );
    assert_eq!(out.status, 128);
    let mut h = with_snapshot("3.6.5");
    let out = utl(&mut h, "snapshot save snapshot.db");
    assert_eq!(out.status, 0);
    assert!(
        out.stdout_text()
            .starts_with("Usage:\n  etcdutl snapshot [command]\n\nAvailable Commands:\n"),
        "{}",
        out.stdout_text()
    );
    let mut h = with_snapshot("3.4.23");
    let out = utl(&mut h, "version");
    assert_eq!(
        (out.stderr_text().as_str(), out.status),
        ("bash: etcdutl: command not found\n", 127)
    );
}

#[test]
fn versions() {
    let mut h = with_snapshot("3.5.15");
    assert_eq!(
        ctl(&mut h, "version").stdout_text(),
        "etcdctl version: 3.5.15\nAPI version: 3.5\n"
    );
    assert_eq!(
        utl(&mut h, "version").stdout_text(),
        "etcdutl version: 3.5.15\nAPI version: 3.5\n"
    );
    let mut h = with_snapshot("3.3.10");
    assert_eq!(
        ctl(&mut h, "--version").stdout_text(),
        "etcdctl version: 3.3.10\nAPI version: 2\n"
    );
    assert_eq!(
        ctl_env(&mut h, "version", &[("ETCDCTL_API", "3")]).stdout_text(),
        "etcdctl version: 3.3.10\nAPI version: 3.3\n"
    );
}

#[test]
fn v2_member_list_reproduces_transcript_etcd_member_001() {
    let nodes = [
        ("etcd-master", "192.168.3.6"),
        ("etcd-node1", "192.168.3.25"),
        ("etcd-node2", "192.168.3.26"),
        ("etcd-node3", "192.168.3.22"),
    ];
    let mut h = Fake::kubeadm("3.3.10", "3.3.10", &nodes);
    set_members(
        h.m(),
        &[
            (
                0xbb39f465356b6d,
                "etcd-master",
                "https://192.168.3.6:2380",
                "https://192.168.3.6:2379",
            ),
            (
                0xa1e30db0d38d29cf,
                "etcd-node1",
                "https://192.168.3.25:2380",
                "https://192.168.3.25:2379",
            ),
            (
                0xdd3bdd7be2775880,
                "etcd-node2",
                "https://192.168.3.26:2380",
                "https://192.168.3.26:2379",
            ),
            (
                0xc942a25792249cfa,
                "etcd-node3",
                "https://192.168.3.22:2380",
                "https://192.168.3.22:2379",
            ),
        ],
    );
    h.m().leader = Some(0);
    for f in [
        "/etc/kubernetes/ssl/ca.pem",
        "/etc/kubernetes/ssl/etcd.pem",
        "/etc/kubernetes/ssl/etcd-key.pem",
    ] {
        h.files.insert(f.into());
    }
    // The fake trusts /etc/etcd/ssl and kubeadm's paths; this cluster's files count as those.
    let line = "--endpoints=https://192.168.3.6:2379,https://192.168.3.25:2379,https://192.168.3.26:2379,https://192.168.3.22:2379 \
        --ca-file=/etc/etcd/ssl/ca.pem --cert-file=/etc/etcd/ssl/client.pem --key-file=/etc/etcd/ssl/client-key.pem member list";
    let out = ctl(&mut h, line);
    assert_eq!(
        out.stdout_text(),
        "bb39f465356b6d: name=etcd-master peerURLs=https://192.168.3.6:2380 clientURLs=https://192.168.3.6:2379 isLeader=true\n\
         a1e30db0d38d29cf: name=etcd-node1 peerURLs=https://192.168.3.25:2380 clientURLs=https://192.168.3.25:2379 isLeader=false\n\
         c942a25792249cfa: name=etcd-node3 peerURLs=https://192.168.3.22:2380 clientURLs=https://192.168.3.22:2379 isLeader=false\n\
         dd3bdd7be2775880: name=etcd-node2 peerURLs=https://192.168.3.26:2380 clientURLs=https://192.168.3.26:2379 isLeader=false\n"
    );
}

#[test]
fn a_v2_flag_last_on_the_line_needs_its_argument() {
    // Found by fuzzing: `etcdctl --endpoint` (nothing after it) indexed past the arguments.
    let mut h = with_snapshot("3.3.10");
    for flag in ["--endpoint", "--ca-file", "-C"] {
        let out = ctl(&mut h, flag);
        let name = flag.trim_start_matches('-');
        assert_eq!(
            (out.stderr_text(), out.status),
            (format!("Incorrect Usage: flag needs an argument: -{name}\n"), 1)
        );
    }
}

#[test]
fn api_version_switches() {
    // 3.3 defaults to v2, which has no snapshot command.
    let mut h = with_snapshot("3.3.10");
    let out = ctl(&mut h, "snapshot save x.db");
    assert_eq!(
        (out.stderr_text().as_str(), out.status),
        ("No help topic for 'snapshot'\n", 3)
    );
    let out = ctl(&mut h, "member list");
    assert_eq!(
        out.stderr_text(),
        "unexpected status code 400\n",
        "plain HTTP to the TLS port"
    );
    let out = ctl(&mut h, "--endpoints http://127.0.0.1:2399 cluster-health");
    assert_eq!(out.stdout_text(), "cluster may be unhealthy: failed to list members\n");
    assert_eq!(out.status, 4);
    let out = ctl(&mut h, "--endpoints http://127.0.0.1:2399 member list");
    assert_eq!(
        out.stderr_text(),
        "Error:  client: etcd cluster is unavailable or misconfigured; error #0: dial tcp 127.0.0.1:2399: connect: connection refused\n\nerror #0: dial tcp 127.0.0.1:2399: connect: connection refused\n\n"
    );
    assert_eq!(out.status, 2);
    let out = ctl_env(&mut h, "member list", &[("ETCDCTL_API", "4")]);
    assert_eq!(out.stderr_text(), "unsupported API version 4\n");
    // 3.4: v3 by default, v2 on request (its members API is off on a 3.4 server).
    let mut h = with_snapshot("3.4.23");
    let out = ctl_env(
        &mut h,
        "--endpoints https://127.0.0.1:2379 --ca-file /etc/kubernetes/pki/etcd/ca.crt --cert-file /etc/kubernetes/pki/etcd/server.crt --key-file /etc/kubernetes/pki/etcd/server.key member list",
        &[("ETCDCTL_API", "2")],
    );
    assert_eq!(
        (out.stderr_text().as_str(), out.status),
        ("unexpected status code 404\n", 1)
    );
    let out = ctl_env(&mut h, "member list", &[("ETCDCTL_API", "4")]);
    assert_eq!(
        (out.stderr_text().as_str(), out.status),
        ("unsupported API version 4\n", 1)
    );
    let mut h = with_snapshot("3.5.15");
    let out = ctl_env(&mut h, "member list", &[("ETCDCTL_API", "4")]);
    assert_eq!(out.stderr_text(), "unsupported API version: 4\n");
    // 3.6 ignores ETCDCTL_API and reports it like any unknown ETCDCTL_ variable.
    let mut h = with_snapshot("3.6.5");
    let out = ctl_env(&mut h, &format!("{TLS} member list"), &[("ETCDCTL_API", "3")]);
    assert_eq!(
        out.stderr_text(),
        "{\"level\":\"warn\",\"ts\":\"2024-01-11T00:00:00.000000Z\",\"caller\":\"flags/flag.go:94\",\"msg\":\"unrecognized environment variable\",\"environment-variable\":\"ETCDCTL_API=3\"}\n"
    );
    assert_eq!(out.status, 0);
    let out = ctl_env(&mut h, "version", &[("ETCDCTL_API", "2")]);
    assert_eq!(out.stdout_text(), "etcdctl version: 3.6.5\nAPI version: 3.6\n");
}

#[test]
fn etcdctl_environment_variables() {
    let mut h = with_snapshot("3.5.15");
    let vars = [
        ("ETCDCTL_ENDPOINTS", "https://127.0.0.1:2379"),
        ("ETCDCTL_CACERT", CA),
        ("ETCDCTL_CERT", CERT),
        ("ETCDCTL_KEY", KEY),
        ("ETCDCTL_WRITE_OUT", "table"),
    ];
    let out = ctl_env(&mut h, "member list", &vars);
    assert_eq!(out.status, 0, "{}", out.text());
    assert!(
        out.stdout_text()
            .contains("|       ID        | STATUS  |     NAME     |"),
        "{}",
        out.text()
    );
    // A flag and its variable together are fatal.
    let out = ctl_env(&mut h, "--endpoints=https://127.0.0.1:2379 member list", &vars);
    assert_eq!(
        out.stderr_text(),
        "{\"level\":\"fatal\",\"ts\":\"2024-01-11T00:00:00.000000Z\",\"caller\":\"flags/flag.go:85\",\"msg\":\"conflicting environment variable is shadowed by corresponding command-line flag (either unset environment variable or disable flag))\",\"environment-variable\":\"ETCDCTL_ENDPOINTS\"}\n"
    );
    assert_eq!(out.status, 1);
    let mut h = with_snapshot("3.4.23");
    let out = ctl_env(&mut h, "--endpoints=https://127.0.0.1:2379 member list", &vars);
    assert_eq!(
        out.stderr_text(),
        "2024-01-11 00:00:00.000000 C | pkg/flags: conflicting environment variable \"ETCDCTL_ENDPOINTS\" is shadowed by corresponding command-line flag (either unset environment variable or disable flag)\n"
    );
    // v2-style names are not v3 flags: reported, and the TLS files are then missing.
    let out = ctl_env(&mut h, "member list", &[("ETCDCTL_CA_FILE", CA)]);
    assert!(out.stderr_text().starts_with(
        "2024-01-11 00:00:00.001234 W | pkg/flags: unrecognized environment variable ETCDCTL_CA_FILE=/etc/kubernetes/pki/etcd/ca.crt\n"
    ));
    assert!(out.stderr_text().ends_with("Error: context deadline exceeded\n"));
    let out = ctl(&mut h, &format!("{TLS} --debug member list"));
    assert!(
        out.stderr_text()
            .contains("ETCDCTL_CACERT=/etc/kubernetes/pki/etcd/ca.crt\n")
    );
    assert!(out.stderr_text().contains("ETCDCTL_ENDPOINTS=[127.0.0.1:2379]\n"));
}

#[test]
fn tls_failures() {
    let mut h = with_snapshot("3.5.15");
    // No certificates against kubeadm's etcd: the RPC waits out the command timeout.
    let out = ctl(&mut h, "member list");
    assert!(out.stderr_text().contains("\"logger\":\"etcd-client\""));
    assert!(out.stderr_text().ends_with("Error: context deadline exceeded\n"));
    assert_eq!((out.status, h.waited), (1, 5000));
    let out = ctl(&mut h, "--command-timeout=2s member list");
    assert_eq!((out.status, h.waited), (1, 7000));
    let out = ctl(
        &mut h,
        "--cacert=/etc/kubernetes/pki/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key member list",
    );
    assert_eq!(
        out.stderr_text(),
        "Error: open /etc/kubernetes/pki/ca.crt: no such file or directory\n"
    );
    assert_eq!(out.status, 128);
    h.files.insert("/etc/kubernetes/pki/ca.crt".into());
    let out = ctl(
        &mut h,
        "--cacert=/etc/kubernetes/pki/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key member list",
    );
    assert!(
        out.stderr_text()
            .contains("x509: certificate signed by unknown authority"),
        "{}",
        out.text()
    );
    assert!(out.stderr_text().ends_with("Error: context deadline exceeded\n"));
    let out = ctl(&mut h, "--cacert=/etc/kubernetes/pki/etcd/ca.crt member list");
    assert!(
        out.stderr_text().contains("remote error: tls: certificate required"),
        "{}",
        out.text()
    );
    let out = ctl(&mut h, "--cert=/etc/kubernetes/pki/etcd/server.crt member list");
    assert_eq!(
        out.stderr_text(),
        "Error: KeyFile and CertFile must both be present[key: , cert: /etc/kubernetes/pki/etcd/server.crt]\n"
    );
    // Transcript etcd-error-001: unset variables make empty flags.
    let mut h = with_snapshot("3.5.0");
    let out = ctl(
        &mut h,
        "--endpoints=https://127.0.0.1:2379 --cacert= --cert= --key= snapshot save /backup/x.db",
    );
    assert_eq!(
        (out.stderr_text().as_str(), out.status),
        ("Error: empty string is passed to --cert option\n", 128)
    );
    // http:// to a TLS listener with certificates given still talks plain HTTP/2.
    let out = ctl(&mut h, &format!("--endpoints=http://127.0.0.1:2379 {TLS} member list"));
    assert!(
        out.stderr_text()
            .contains("connection closed before server preface received"),
        "{}",
        out.text()
    );
}

#[test]
fn unknown_commands_and_flags_as_cobra_prints_them() {
    // etcdadm issue 173 captured stderr of etcdctl 3.4.9 `--version`.
    let mut h = with_snapshot("3.4.9");
    let out = ctl(&mut h, "--version");
    assert_eq!(
        out.stderr_text(),
        "Error: unknown flag: --version\n\nError: unknown flag: --version\n"
    );
    assert!(out.stdout_text().starts_with(
        "NAME:\n\tetcdctl - A simple command line client for etcd3.\n\nUSAGE:\n\tetcdctl [flags]\n\nVERSION:\n\t3.4.9\n\nAPI VERSION:\n\t3.4\n\n\nCOMMANDS:\n\talarm disarm\t\tDisarms all alarms\n"
    ));
    assert_eq!(out.status, 1);
    // etcd issue 12332 (3.4.10).
    let mut h = with_snapshot("3.4.10");
    let out = ctl(&mut h, "-u");
    assert!(
        out.stderr_text()
            .starts_with("Error: unknown shorthand flag: 'u' in -u\n")
    );
    // etcd issue 11682: an unknown command.
    let out = ctl(&mut h, "ls");
    assert_eq!(
        out.stderr_text(),
        "Error: unknown command \"ls\" for \"etcdctl\"\nRun 'etcdctl --help' for usage.\nError: unknown command \"ls\" for \"etcdctl\"\n"
    );
    let out = ctl(&mut h, "gett foo");
    assert!(out.stderr_text().starts_with("Error: unknown command \"gett\" for \"etcdctl\"\n\nDid you mean this?\n\tget\n\nRun 'etcdctl --help' for usage.\n"));
    // 3.6 prints the error once.
    let mut h = with_snapshot("3.6.5");
    let out = ctl(&mut h, "ls");
    assert_eq!(
        out.stderr_text(),
        "Error: unknown command \"ls\" for \"etcdctl\"\nRun 'etcdctl --help' for usage.\n"
    );
    let out = ctl(&mut h, "member list --foo");
    assert_eq!(out.stderr_text(), "Error: unknown flag: --foo\n\n");
    assert!(out.stdout_text().starts_with("NAME:\n  member list - Lists all members in the cluster\n\nUSAGE:\n  etcdctl member list [flags]\n\nDESCRIPTION:\n"));
    // Prefix matching is on; a group without a subcommand shows its help.
    let mut h = with_snapshot("3.5.15");
    let out = ctl(&mut h, &format!("{TLS} mem li"));
    assert_eq!(out.status, 0, "{}", out.text());
    assert!(out.stdout_text().contains(", started, controlplane, "));
    let out = ctl(&mut h, "member");
    assert_eq!(out.status, 0);
    assert!(out.stdout_text().starts_with("NAME:\n\tmember - Membership related commands\n\nUSAGE:\n\tetcdctl member <subcommand> [flags]\n\nAPI VERSION:\n\t3.5\n\n\nCOMMANDS:\n\tadd\tAdds a member into the cluster\n"), "{}", out.stdout_text());
    let out = ctl(&mut h, "");
    assert!(out.stdout_text().starts_with("NAME:\n\tetcdctl - "));
    let out = ctl(&mut h, "help snapshot");
    assert!(
        out.stdout_text()
            .starts_with("NAME:\n\tsnapshot - Manages etcd node snapshots\n")
    );
    let out = ctl(&mut h, "lease grant 10");
    assert!(
        out.stderr_text()
            .starts_with("kubedrill: `etcdctl lease grant` is real etcdctl"),
        "{}",
        out.text()
    );
    let out = ctl(&mut h, "--dial-timeout=abc member list");
    assert!(
        out.stderr_text().starts_with(
            "Error: invalid argument \"abc\" for \"--dial-timeout\" flag: time: invalid duration \"abc\"\n"
        )
    );
    let out = ctl(&mut h, "-w");
    assert!(
        out.stderr_text()
            .starts_with("Error: flag needs an argument: 'w' in -w\n")
    );
}

#[test]
fn member_list_without_quorum_by_version() {
    for (v, works) in [("3.4.23", true), ("3.5.15", false), ("3.6.5", false)] {
        let mut h = Fake::kubeadm(
            v,
            v,
            &[("cp1", "10.0.0.10"), ("cp2", "10.0.0.11"), ("cp3", "10.0.0.12")],
        );
        h.m().crash(1);
        h.m().crash(2);
        let out = ctl(&mut h, &format!("{TLS} member list"));
        assert_eq!(out.status == 0, works, "{v}: {}", out.text());
        if !works {
            assert!(out.stderr_text().ends_with("Error: context deadline exceeded\n"));
        }
    }
    let mut h = Fake::kubeadm(
        "3.6.5",
        "3.6.5",
        &[("cp1", "10.0.0.10"), ("cp2", "10.0.0.11"), ("cp3", "10.0.0.12")],
    );
    h.m().crash(1);
    h.m().crash(2);
    let out = ctl(&mut h, &format!("{TLS} member list --consistency=s"));
    assert_eq!(out.status, 0, "{}", out.text());
    let out = ctl(&mut h, &format!("{TLS} member list --consistency=x"));
    assert_eq!(
        (out.stderr_text().as_str(), out.status),
        ("Error: unknown consistency flag \"x\"\n", 4)
    );
}

#[test]
fn member_list_json_and_fields() {
    let mut h = with_snapshot("3.5.15");
    let out = ctl(&mut h, &format!("{TLS} member list -w json"));
    assert_eq!(
        out.stdout_text(),
        "{\"header\":{\"cluster_id\":11359140656373167743,\"member_id\":266128723897562333,\"raft_term\":2},\"members\":[{\"ID\":266128723897562333,\"name\":\"controlplane\",\"peerURLs\":[\"https://10.0.0.10:2380\"],\"clientURLs\":[\"https://10.0.0.10:2379\"]}]}\n"
    );
    let out = ctl(&mut h, &format!("{TLS} member list -w json --hex"));
    assert_eq!(
        out.stdout_text(),
        "{\"header\":{\"cluster_id\":\"9da3c63e60d1f67f\",\"member_id\":\"3b17aaa147134dd\",\"raft_term\":2},\"members\":[{\"ID\":\"3b17aaa147134dd\",\"name\":\"controlplane\",\"peerURLs\":[\"https://10.0.0.10:2380\"],\"clientURLS\":[\"https://10.0.0.10:2379\"]}]}\n"
    );
    let out = ctl(&mut h, &format!("{TLS} member list -w fields"));
    assert_eq!(
        out.stdout_text(),
        "\"ClusterID\" : 11359140656373167743\n\"MemberID\" : 266128723897562333\n\"Revision\" : 0\n\"RaftTerm\" : 2\n\"ID\" : 266128723897562333\n\"Name\" : \"controlplane\"\n\"PeerURL\" : \"https://10.0.0.10:2380\"\n\"ClientURL\" : \"https://10.0.0.10:2379\"\n\"IsLearner\" : false\n\n"
    );
}

#[test]
fn member_add_remove_promote() {
    let mut h = Fake::kubeadm(
        "3.4.23",
        "3.4.23",
        &[("cp1", "10.0.0.10"), ("cp2", "10.0.0.11"), ("cp3", "10.0.0.12")],
    );
    let out = ctl(
        &mut h,
        &format!("{TLS} member add cp4 --peer-urls=https://10.0.0.13:2380"),
    );
    assert_eq!(out.status, 0, "{}", out.text());
    let new = h.m().members[3].clone();
    let cid = h.m().cluster_id;
    let text = out.stdout_text();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        format!("Member {:16x} added to cluster {cid:16x}", new.id)
    );
    assert_eq!(lines.next().unwrap(), "");
    assert_eq!(lines.next().unwrap(), "ETCD_NAME=\"cp4\"");
    let conf = lines.next().unwrap();
    assert!(
        conf.starts_with("ETCD_INITIAL_CLUSTER=\"")
            && conf.contains("cp4=https://10.0.0.13:2380")
            && conf.contains("cp1=https://10.0.0.10:2380")
    );
    assert_eq!(
        lines.next().unwrap(),
        "ETCD_INITIAL_ADVERTISE_PEER_URLS=\"https://10.0.0.13:2380\""
    );
    assert_eq!(lines.next().unwrap(), "ETCD_INITIAL_CLUSTER_STATE=\"existing\"");
    // The new member is unstarted with an empty name.
    let list = ctl(&mut h, &format!("{TLS} member list"));
    assert!(
        list.stdout_text()
            .contains(&format!("{:x}, unstarted, , https://10.0.0.13:2380, , false", new.id))
    );
    let out = ctl(&mut h, &format!("{TLS} member remove {:x}", new.id));
    assert_eq!(
        out.stdout_text(),
        format!("Member {:16x} removed from cluster {cid:16x}\n", new.id)
    );
    // Argument errors exit 128 before any connection.
    let cases = [
        ("member add", "Error: member name not provided\n"),
        (
            "member add cp5 https://10.0.0.14:2380",
            "Error: too many arguments, did you mean --peer-urls=https://10.0.0.14:2380\n",
        ),
        ("member add cp5", "Error: member peer urls not provided\n"),
        ("member remove", "Error: member ID is not provided\n"),
        (
            "member remove 0x1234",
            "Error: bad member ID arg (strconv.ParseUint: parsing \"0x1234\": invalid syntax), expecting ID in Hex\n",
        ),
        (
            "member remove 1ffffffffffffffff",
            "Error: bad member ID arg (strconv.ParseUint: parsing \"1ffffffffffffffff\": value out of range), expecting ID in Hex\n",
        ),
        (
            "member promote cp1",
            "Error: bad member ID arg (strconv.ParseUint: parsing \"cp1\": invalid syntax), expecting ID in Hex\n",
        ),
    ];
    for (cmd, err) in cases {
        let out = ctl(&mut h, &format!("{TLS} {cmd}"));
        assert_eq!((out.stderr_text().as_str(), out.status), (err, 128), "{cmd}");
    }
    let out = ctl(&mut h, &format!("{TLS} member add cp5 --peer-urls=10.0.0.14:2380"));
    assert!(
        out.stderr_text()
            .ends_with("Error: etcdserver: given member URLs are invalid\n")
    );
    let out = ctl(
        &mut h,
        &format!("{TLS} member add cp5 --peer-urls=https://10.0.0.10:2380"),
    );
    assert!(
        out.stderr_text().contains(
            "\"error\":\"rpc error: code = FailedPrecondition desc = etcdserver: Peer URLs already exists\"}"
        )
    );
    assert!(
        out.stderr_text()
            .ends_with("Error: etcdserver: Peer URLs already exists\n")
    );
    let out = ctl(&mut h, &format!("{TLS} member remove deadbeef"));
    assert!(out.stderr_text().ends_with("Error: etcdserver: member not found\n"));
    // Learners: 3.4 prints the same line, 3.6 says so; promoting a voter fails.
    let out = ctl(
        &mut h,
        &format!("{TLS} member add l1 --peer-urls=https://10.0.0.20:2380 --learner"),
    );
    assert!(out.stdout_text().contains(" added to cluster "));
    let id = h.m().members.iter().find(|m| m.learner).unwrap().id;
    let out = ctl(&mut h, &format!("{TLS} member promote {id:x}"));
    assert!(
        out.stderr_text()
            .ends_with("Error: etcdserver: can only promote a learner member which is in sync with leader\n")
    );
    h.m().start_added(3, "l1", "https://10.0.0.20:2379").unwrap();
    let out = ctl(&mut h, &format!("{TLS} member promote {id:x}"));
    assert_eq!(
        out.stdout_text(),
        format!("Member {id:16x} promoted in cluster {cid:16x}\n")
    );
    let voter = h.m().members[0].id;
    let out = ctl(&mut h, &format!("{TLS} member promote {voter:x}"));
    assert!(
        out.stderr_text()
            .ends_with("Error: etcdserver: can only promote a learner member\n")
    );
    let mut h = Fake::kubeadm("3.6.5", "3.6.5", &[("cp1", "10.0.0.10")]);
    let out = ctl(
        &mut h,
        &format!("{TLS} member add l1 --peer-urls=https://10.0.0.20:2380 --learner"),
    );
    assert!(
        out.stdout_text().contains(" added as learner to cluster "),
        "{}",
        out.text()
    );
    let out = ctl(
        &mut h,
        &format!("{TLS} member add l2 --peer-urls=https://10.0.0.21:2380 --learner -w table"),
    );
    assert!(
        out.stderr_text()
            .ends_with("Error: etcdserver: too many learner members in cluster\n")
    );
    let out = ctl(
        &mut h,
        &format!("{TLS} member add m2 --peer-urls=https://10.0.0.21:2380 -w table"),
    );
    assert_eq!(
        (out.stderr_text().as_str(), out.status),
        ("Error: table not supported as output format\n", 4)
    );
    assert_eq!(h.m().members.len(), 3, "the member was added before the printer failed");
}

#[test]
fn member_add_remove_refused_while_a_peer_is_down() {
    // etcd's mayAddMember / mayRemoveMember (etcdserver/server.go): with a voting peer down
    // the leader is not fully connected, so a voter cannot be added, and removing a running
    // member would leave fewer connected voters than a quorum: "unhealthy cluster". The
    // member that is down may go.
    let mut h = Fake::kubeadm(
        "3.5.15",
        "3.5.15",
        &[("cp1", "10.0.0.10"), ("cp2", "10.0.0.11"), ("cp3", "10.0.0.12")],
    );
    h.m().crash(2);
    let out = ctl(
        &mut h,
        &format!("{TLS} member add cp4 --peer-urls=https://10.0.0.13:2380"),
    );
    assert_eq!(
        (out.stderr_text().lines().last(), out.status),
        (Some("Error: etcdserver: unhealthy cluster"), 1),
        "{}",
        out.text()
    );
    let running = h.m().members[1].id;
    let out = ctl(&mut h, &format!("{TLS} member remove {running:x}"));
    assert_eq!(
        out.stderr_text().lines().last(),
        Some("Error: etcdserver: unhealthy cluster"),
        "{}",
        out.text()
    );
    let down = h.m().members[2].id;
    let out = ctl(&mut h, &format!("{TLS} member remove {down:x}"));
    assert_eq!(out.status, 0, "{}", out.text());
    assert_eq!(h.m().members.len(), 2);
}

#[test]
fn key_value_commands() {
    let mut h = with_snapshot("3.5.15");
    let kv = |h: &mut Fake, cmd: &str| ctl(h, &format!("{TLS} {cmd}"));
    assert_eq!(kv(&mut h, "put greeting hello").stdout_text(), "OK\n");
    assert_eq!(kv(&mut h, "get greeting").stdout_text(), "greeting\nhello\n");
    assert_eq!(kv(&mut h, "get greeting --print-value-only").stdout_text(), "hello\n");
    assert_eq!(
        kv(&mut h, "put greeting bye --prev-kv").stdout_text(),
        "OK\ngreeting\nhello\n"
    );
    assert_eq!(kv(&mut h, "get --prefix --keys-only \"\"").stdout_text(), "");
    assert_eq!(kv(&mut h, "get --prefix --keys-only g").stdout_text(), "greeting\n\n");
    assert_eq!(
        kv(&mut h, "get --from-key a --keys-only").stdout_text(),
        "foo\n\ngreeting\n\n"
    );
    let out = kv(&mut h, "get g --prefix --count-only -w fields");
    assert!(
        out.stdout_text().ends_with("\"More\" : false\n\"Count\" : 1\n"),
        "{}",
        out.text()
    );
    let out = kv(&mut h, "get g --prefix --count-only");
    assert_eq!(
        (out.stderr_text().as_str(), out.status),
        ("Error: --count-only is only for `--write-out=fields`\n", 128)
    );
    let out = kv(&mut h, "get foo -w json");
    assert!(out.stdout_text().contains("\"kvs\":[{\"key\":\"Zm9v\",\"create_revision\":2,\"mod_revision\":3,\"version\":2,\"value\":\"YmF6\"}],\"count\":1}"));
    let out = kv(&mut h, "get foo --consistency=x");
    assert_eq!(
        (out.stderr_text().as_str(), out.status),
        ("Error: unknown consistency flag \"x\"\n", 4)
    );
    let out = kv(&mut h, "get");
    assert_eq!(
        out.stderr_text(),
        "Error: get command needs one argument as key and an optional argument as range_end\n"
    );
    let out = kv(&mut h, "get foo --rev=100");
    assert!(
        out.stderr_text()
            .ends_with("Error: etcdserver: mvcc: required revision is a future revision\n")
    );
    let out = kv(&mut h, "put k v -w table");
    assert_eq!(
        (out.stderr_text().as_str(), out.status),
        ("Error: table not supported as output format\n", 4)
    );
    assert_eq!(
        kv(&mut h, "get k --print-value-only").stdout_text(),
        "v\n",
        "the put happened before the printer failed"
    );
    let out = kv(&mut h, "put onlykey");
    assert_eq!(
        out.stderr_text(),
        "Error: put command needs 1 argument and input from stdin or 2 arguments\n"
    );
    let out = etcdctl_with_stdin(&mut h, &words(&format!("{TLS} put fromstdin")), &env(&[]), "piped\n");
    assert_eq!(out.status, 0);
    assert_eq!(
        kv(&mut h, "get fromstdin --print-value-only").stdout_text(),
        "piped\n\n"
    );
    let out = kv(&mut h, "put x y --lease=zz");
    assert!(
        out.stderr_text()
            .starts_with("Error: bad lease ID (strconv.ParseInt: parsing \"zz\": invalid syntax), expecting ID in Hex")
    );
    assert_eq!(kv(&mut h, "del greeting").stdout_text(), "1\n");
    assert_eq!(kv(&mut h, "del greeting").stdout_text(), "0\n");
    assert_eq!(
        kv(&mut h, "del --prefix f --prev-kv").stdout_text(),
        "2\nfoo\nbaz\nfromstdin\npiped\n\n"
    );
    let out = kv(&mut h, "del a z");
    assert!(
        out.stderr_text()
            .starts_with("In etcd v3.6, the operation will be suspended")
    );
    let mut h = with_snapshot("3.6.5");
    let out = ctl(&mut h, &format!("{TLS} del a z"));
    assert!(
        out.stderr_text()
            .starts_with("Warning: Keys between \"a\" and \"z\" will be deleted.")
    );
    assert_eq!(h.waited, 2000);
    assert_eq!(out.stdout_text(), "1\n");
    h.kube = kube_objects(2);
    let out = ctl(&mut h, &format!("{TLS} get /registry --prefix --keys-only"));
    assert_eq!(
        out.stdout_text(),
        "/registry/pods/default/p0000\n\n/registry/pods/default/p0001\n\n"
    );
}

#[test]
fn quorum_loss_blocks_linearizable_requests() {
    let mut h = Fake::kubeadm(
        "3.5.15",
        "3.5.15",
        &[("cp1", "10.0.0.10"), ("cp2", "10.0.0.11"), ("cp3", "10.0.0.12")],
    );
    h.m().put("foo", "bar").unwrap();
    h.m().crash(1);
    h.m().crash(2);
    let out = ctl(&mut h, &format!("{TLS} get foo"));
    assert!(
        out.stderr_text()
            .contains("\"error\":\"rpc error: code = DeadlineExceeded desc = context deadline exceeded\"}")
    );
    assert!(out.stderr_text().ends_with("Error: context deadline exceeded\n"));
    assert_eq!(h.waited, 5000);
    let out = ctl(&mut h, &format!("{TLS} get foo --consistency=s"));
    assert_eq!(out.stdout_text(), "foo\nbar\n");
    let out = ctl(&mut h, &format!("{TLS} put foo baz"));
    assert!(out.stderr_text().ends_with("Error: context deadline exceeded\n"));
    let out = ctl(&mut h, &format!("{TLS} endpoint status"));
    assert!(
        out.stdout_text()
            .ends_with(", false, false, 3, 8, 8, etcdserver: no leader\n"),
        "{}",
        out.text()
    );
    let out = ctl(&mut h, &format!("{TLS} endpoint health"));
    assert_eq!(
        out.stderr_text().lines().skip(1).collect::<Vec<_>>(),
        [
            "127.0.0.1:2379 is unhealthy: failed to commit proposal: context deadline exceeded",
            "Error: unhealthy cluster"
        ]
    );
}
