//! Whatever a person types at the prompt, the simulator answers and never panics; a line that
//! fails leaves the cluster as it was (no half-applied command).

use kubedrill::scenario_file::load_str;
use kubedrill_sim::{Seed, Sim};
use proptest::prelude::*;

const CLUSTER: &str = r#"
apiVersion: kubedrill/v1
kind: Scenario
metadata: {name: lines}
cluster:
  kubernetesVersion: v1.31.2
  nodes:
    - {name: controlplane, role: control-plane}
    - {name: node01, role: worker}
    - {name: node02, role: worker}
workloads:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 3
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: nginx}]}
  - apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {name: web}
    spec: {minAvailable: 2, selector: {matchLabels: {app: web}}}
  - apiVersion: v1
    kind: Pod
    metadata: {name: bare}
    spec: {nodeName: node01, containers: [{name: c, image: busybox}]}
"#;

fn sim(version: &str) -> Sim {
    // The manifests in the versions each release serves: policy/v1 from 1.21, apps/v1 from 1.9.
    let minor: u32 = version.split('.').nth(1).and_then(|m| m.parse().ok()).unwrap_or(31);
    let mut text = CLUSTER.replace("v1.31.2", version);
    if minor < 21 {
        text = text.replace("apiVersion: policy/v1\n", "apiVersion: policy/v1beta1\n");
    }
    if minor < 9 {
        text = text.replace("apiVersion: apps/v1\n", "apiVersion: apps/v1beta2\n");
    }
    let scenario = load_str(&text, "lines").expect("fixture loads");
    Sim::new(&scenario.cluster, &scenario.workloads, Seed(1)).expect("fixture builds")
}

const WORDS: &[&str] = &[
    "kubectl",
    "k",
    "sudo",
    "drain",
    "cordon",
    "uncordon",
    "get",
    "describe",
    "delete",
    "version",
    "nodes",
    "node",
    "pods",
    "pod",
    "pdb",
    "deploy",
    "rs",
    "ds",
    "sts",
    "jobs",
    "ns",
    "node01",
    "node02",
    "nodex",
    "controlplane",
    "web",
    "bare",
    "--ignore-daemonsets",
    "--force",
    "--delete-emptydir-data",
    "--delete-local-data",
    "--disable-eviction",
    "--timeout=5s",
    "--timeout",
    "0",
    "--grace-period=0",
    "--grace-period",
    "-1",
    "--dry-run",
    "--dry-run=server",
    "--dry-run=client",
    "--dry-run=bogus",
    "-l",
    "app=web",
    "role",
    "-o",
    "wide",
    "json",
    "yaml",
    "name",
    "-A",
    "-n",
    "kube-system",
    "--pod-selector=app=web",
    "--skip-wait-for-delete-timeout=1",
    "|",
    "grep",
    "wc",
    "-l",
    "head",
    "&&",
    "||",
    ";",
    "'",
    "\"",
    "$?",
    "echo",
    "sleep",
    "1",
    "=",
    "--",
    "-",
    "--selector=",
    "node/node01",
    "pods/web",
    "-h",
    "--help",
    "2>&1",
    // Upgrades, etcd and the node's files.
    "kubeadm",
    "upgrade",
    "plan",
    "apply",
    "v1.32.0",
    "v1.31.3",
    "-y",
    "etcdctl",
    "etcdutl",
    "snapshot",
    "save",
    "restore",
    "status",
    "member",
    "list",
    "add",
    "remove",
    "endpoint",
    "health",
    "--endpoints=https://127.0.0.1:2379",
    "--cacert=/etc/kubernetes/pki/etcd/ca.crt",
    "--cert=/etc/kubernetes/pki/etcd/server.crt",
    "--key=/etc/kubernetes/pki/etcd/server.key",
    "--data-dir",
    "/opt/s.db",
    "/var/lib/etcd",
    "/var/lib/etcd/member/snap/db",
    "/etc/kubernetes/manifests/etcd.yaml",
    "/etc/kubernetes/manifests/kube-apiserver.yaml",
    "/tmp",
    "ls",
    "cp",
    "mv",
    "rm",
    "-rf",
    "mkdir",
    "-p",
    "truncate",
    "-s",
    "crictl",
    "ps",
    "-a",
    "logs",
    "scp",
    "node01:/tmp",
    "sed",
    "-i",
    "s/3.5.15-0/3.5.16-0/",
    "s#/var/lib/etcd#/var/lib/etcd-x#g",
    "apt-get",
    "install",
    "kubelet=1.31.3-1.1",
    "systemctl",
    "restart",
    "kubelet",
    "ssh",
    "exit",
    "$(",
    ")",
    "create",
    "deployment",
    "--image=nginx",
    "set",
    "image",
    "cat",
    "rollback",
];

fn line() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 0..9).prop_map(|w| w.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_typed_line_gets_an_answer_and_never_panics(lines in prop::collection::vec(line(), 1..6), minor in prop::sample::select(vec!["v1.8.4", "v1.13.5", "v1.20.4", "v1.31.2"])) {
        let mut sim = sim(minor);
        for l in &lines {
            let out = sim.run_line("controlplane", l);
            // Every line ends with a status a shell could report.
            prop_assert!((0..=255).contains(&out.status), "{l:?} -> status {}", out.status);
        }
        // The cluster is still coherent: every budget's incremental count matches a recount.
        let c = sim.cluster();
        for id in c.pdb_ids() {
            prop_assert_eq!(c.pdb_status(id).current_healthy, c.pdb_recount(id).0);
        }
    }

    #[test]
    fn a_refused_kubectl_line_changes_nothing(
        cmd in prop::sample::select(vec!["drain", "cordon", "uncordon", "delete pod", "get"]),
        words in prop::collection::vec(prop::sample::select(WORDS), 1..6),
    ) {
        // Goal: bad input leaves the state as it was. A line kubectl refuses before acting
        // (usage error, bad flag, unknown object) must not change the cluster at all.
        const REFUSALS: &[&str] = &[
            "unknown flag", "unknown shorthand", "flag needs an argument", "invalid argument", "USAGE:",
            "cannot specify both", "NotFound", "Invalid dry-run value", "must be a valid label selector",
        ];
        let mut sim = sim("v1.31.2");
        let before = sim.trace().len();
        let line = format!("kubectl {cmd} {}", words.join(" "));
        let out = sim.run_line("controlplane", &line);
        let text = out.text();
        if out.status != 0 && REFUSALS.iter().any(|r| text.contains(r)) && !text.contains("cordoned") && !text.contains(" deleted") {
            prop_assert_eq!(sim.trace().len(), before, "{:?} was refused but changed the cluster:\n{}", line, text);
        }
    }
}
