//! Every limit of the model and of the simulated shell, pinned with its error: what the API
//! server and kubectl refuse (int32 ranges, names, label values), Kubernetes' documented sizes
//! (5,000 nodes, 150,000 pods, 110 pods per node by default), and what bash and Linux refuse
//! (E2BIG) or the simulator caps (a shell's memory). Each refusal leaves the state as it was.
//! How fast a limit answers is measured by `kubedrill bench`-style runs in the README, not
//! asserted here.
//!
//! See: issue 17.

use kubedrill::scenario_file::{load_str, scenario_error_at};
use kubedrill_labs::{Reply, Session};
use kubedrill_sim::model::limits::{DEFAULT_PODS_PER_NODE, LAB_MAX_PODS, MAX_NODES, MAX_PODS};
use kubedrill_sim::{Seed, runner};

fn session(id: &str) -> Session {
    let labs = kubedrill_labs::catalogue().expect("the labs");
    let lab = labs.iter().find(|l| l.id == id).expect("the lab");
    Session::start(lab, lab.default_seed()).expect("the lab starts")
}

fn line(s: &mut Session, text: &str) -> (i32, String) {
    match s.input(text) {
        Reply::Output { text, status } => (status, text),
        other => panic!("{other:?}"),
    }
}

/// `kubectl create deployment NAME --replicas=N` refused by the pod limit `limit` (as the
/// error words it), with nothing created.
fn create_refused(s: &mut Session, name: &str, replicas: u64, limit: &str) {
    let pods = s.sim().cluster().pod_count();
    let why = format!("{limit}; it has {pods} and this asks for {replicas} more");
    let (status, out) = line(
        s,
        &format!("kubectl create deployment {name} --image=nginx --replicas={replicas}"),
    );
    assert_eq!(status, 1);
    assert_eq!(
        out,
        format!("error: failed to create deployment: deployments.apps \"{name}\" is forbidden: kubedrill: {why}\n")
    );
    assert_eq!(s.sim().cluster().pod_count(), pods, "nothing was created");
}

/// The error a scenario file gets from `kubedrill run` (load, check, build), as printed.
fn scenario_error(text: &str) -> String {
    let file = "limits.yaml";
    let scenario = match load_str(text, file) {
        Ok(s) => s,
        Err(e) => return e.to_string(),
    };
    match runner::prepare(&scenario, Seed(1)) {
        Ok(_) => panic!("the scenario was accepted"),
        Err(e) => scenario_error_at(text, file, &e).to_string(),
    }
}

const HEAD: &str = "\
apiVersion: kubedrill/v1
kind: Scenario
metadata: {name: limits}
cluster:
  kubernetesVersion: v1.31.2
  nodes:
    - {name: controlplane, role: control-plane}
";

fn deployment(replicas: u64) -> String {
    format!(
        "{HEAD}workloads:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: web, namespace: default}}
    spec:
      replicas: {replicas}
      selector: {{matchLabels: {{app: web}}}}
      template:
        metadata: {{labels: {{app: web}}}}
        spec:
          containers: [{{name: web, image: nginx}}]
steps: []
"
    )
}

#[test]
fn replicas_beyond_int32_are_kubectls_out_of_range() {
    let mut s = session("drain-bare-pod-force");
    let (status, out) = line(
        &mut s,
        "kubectl create deployment x --image=nginx --replicas=2147483648",
    );
    assert_eq!(status, 1);
    assert!(
        out.contains(
            "invalid argument \"2147483648\" for \"-r, --replicas\" flag: strconv.ParseInt: parsing \"2147483648\": value out of range"
        ),
        "{out}"
    );
    assert!(line(&mut s, "kubectl get deployment x").1.contains("NotFound"));
}

#[test]
fn a_workload_past_150000_pods_is_refused_at_once() {
    // Goal: `--replicas=1000000` took 86 s; it is refused before any pod exists.
    let mut s = session("drain-bare-pod-force");
    let limit = format!("a cluster holds at most {MAX_PODS} pods (Kubernetes' documented limit)");
    create_refused(&mut s, "x", 1_000_000, &limit);
    assert!(line(&mut s, "kubectl get deployment x").1.contains("NotFound"));
}

#[test]
fn a_lab_holds_at_most_1000_pods_and_lists_them_all() {
    // A fuzzed lab line made 21,474 pods; listing them as YAML then took 0.9 s, and a
    // `describe pods` asked for every pod's events from the whole trace (minutes). Labs now
    // stop at 1,000 pods; scenarios and benchmarks keep Kubernetes' 150,000.
    let mut s = session("drain-bare-pod-force");
    let pods = s.sim().cluster().pod_count();
    let limit = format!("a lab's cluster holds at most {LAB_MAX_PODS} pods (so every command answers within a second)");
    create_refused(&mut s, "big", 1000, &limit);
    let room = LAB_MAX_PODS - pods;
    let (status, _) = line(
        &mut s,
        &format!("kubectl create deployment big --image=nginx --replicas={room}"),
    );
    assert_eq!(status, 0);
    assert_eq!(s.sim().cluster().pod_count(), LAB_MAX_PODS);
    let listed = line(&mut s, "kubectl get pods -o name").1.lines().count();
    assert!(listed >= room, "{listed} pods listed");
    let (status, out) = line(&mut s, "kubectl describe pods");
    assert_eq!(status, 0);
    assert_eq!(
        out.matches("\nName:").count() + usize::from(out.starts_with("Name:")),
        listed
    );
    let (status, out) = line(&mut s, "kubectl scale deployment big --replicas=1001");
    assert_eq!(status, 1, "{out}");
    assert!(out.contains("a lab's cluster holds at most 1000 pods"), "{out}");
}

#[test]
fn scaling_past_150000_pods_is_refused_and_changes_nothing() {
    // The same limit through an update: `kubectl scale` asks the API for more replicas.
    let mut s = session("drain-bare-pod-force");
    assert_eq!(
        line(&mut s, "kubectl create deployment x --image=nginx --replicas=2").0,
        0
    );
    let pods = s.sim().cluster().pod_count();
    let (status, out) = line(&mut s, "kubectl scale deployment x --replicas=1000000");
    assert_eq!(status, 1);
    assert_eq!(
        out,
        format!(
            "Error from server (Forbidden): deployments.apps \"x\" is forbidden: kubedrill: a cluster holds at most {MAX_PODS} pods (Kubernetes' documented limit); it has {pods} and this asks for 999998 more\n"
        )
    );
    assert_eq!(s.sim().cluster().pod_count(), pods, "nothing was created");
    assert_eq!(
        line(&mut s, "kubectl get deployment x -o jsonpath={.spec.replicas}")
            .1
            .trim(),
        "2"
    );
}

#[test]
fn a_scenario_past_150000_pods_is_refused_at_the_replicas_line() {
    // Goal: `replicas: 10000000` took 23 s and 6 GB, then aborted.
    let e = scenario_error(&deployment(10_000_000));
    assert!(
        e.starts_with("limits.yaml:13:17: workloads[0]: Deployment default/web: spec.replicas: kubedrill: a cluster holds at most 150000 pods"),
        "{e}"
    );
}

#[test]
fn a_cluster_past_5000_nodes_is_refused() {
    let text = HEAD.replace(
        "  nodes:\n",
        "  pools:\n    - {namePrefix: w, count: 5000, role: worker}\n  nodes:\n",
    );
    let e = scenario_error(&format!("{text}steps: []\n"));
    assert_eq!(
        e,
        format!(
            "limits.yaml:7:30: cluster.pools[0].count: kubedrill: a cluster holds at most {MAX_NODES} nodes (Kubernetes' documented limit); this would make 5001"
        )
    );
}

#[test]
fn a_node_past_110_pods_leaves_the_rest_pending() {
    // Goal: the kubelet's default --max-pods: pods beyond it wait with the scheduler's words.
    let text = deployment(200).replace(
        "    - {name: controlplane, role: control-plane}\n",
        "    - {name: controlplane, role: control-plane}\n    - {name: node01, role: worker}\n",
    );
    let scenario = load_str(&text, "limits.yaml").expect("loads");
    let sim = runner::prepare(&scenario, Seed(1)).expect("builds");
    let c = sim.cluster();
    let node01 = c.node_id("node01").expect("node01");
    assert_eq!(c.pods_on_node(node01).len() as u32, DEFAULT_PODS_PER_NODE);
    let pending: Vec<_> = c
        .pods_ordered()
        .filter(|(_, p)| p.node.is_none())
        .map(|(_, p)| p)
        .collect();
    assert!(!pending.is_empty());
    let reason = pending[0].unschedulable_reason.as_deref().expect("a reason");
    assert!(reason.contains("1 Too many pods"), "{reason}");
}

#[test]
fn names_and_label_values_get_the_api_servers_words() {
    let mut s = session("drain-bare-pod-force");
    let (status, out) = line(&mut s, "kubectl create deployment Web --image=nginx");
    assert_eq!(status, 1);
    assert!(
        out.starts_with("error: failed to create deployment: Deployment.apps \"Web\" is invalid: metadata.name: Invalid value: \"Web\": a lowercase RFC 1123 subdomain must consist of"),
        "{out}"
    );
    let long = "a".repeat(64);
    let (_, out) = line(&mut s, &format!("kubectl create deployment {long} --image=nginx"));
    assert!(
        out.contains(&format!("[metadata.labels: Invalid value: \"{long}\": must be no more than 63 characters, spec.selector.matchLabels:")),
        "{out}"
    );
    let (status, out) = line(&mut s, "kubectl create namespace Bad");
    assert_eq!(status, 1);
    assert!(
        out.starts_with("The Namespace \"Bad\" is invalid: metadata.name: Invalid value: \"Bad\": a lowercase RFC 1123 label must consist of"),
        "{out}"
    );
}

#[test]
fn a_10_mb_argument_is_argument_list_too_long() {
    // Goal: a 10 MB command line used 1.8 GB; execve refuses it (E2BIG), builtins take it.
    let mut s = session("drain-bare-pod-force");
    let big = "b".repeat(10_000_000);
    let (status, out) = line(&mut s, &format!("kubectl get nodes {big}"));
    assert_eq!(
        (status, out.as_str()),
        (126, "bash: /usr/bin/kubectl: Argument list too long\n")
    );
    let (status, out) = line(&mut s, &format!("echo {big} | wc -c"));
    assert_eq!((status, out.as_str()), (0, "10000001\n"));
}

#[test]
fn doubling_a_variable_stops_at_64_mib_and_programs_see_e2big_long_before() {
    let mut s = session("drain-bare-pod-force");
    line(&mut s, "export A=x");
    for _ in 0..26 {
        assert_eq!(line(&mut s, "export A=$A$A").0, 0);
    }
    assert_eq!(line(&mut s, "echo ${#A}").1, "67108864\n");
    let (status, out) = line(&mut s, "export A=$A$A");
    assert_eq!(status, 1);
    assert!(
        out.starts_with("kubedrill: A: the simulated shell keeps at most 64 MiB in one variable"),
        "{out}"
    );
    let (status, out) = line(&mut s, "kubectl get nodes");
    assert_eq!(
        (status, out.as_str()),
        (126, "bash: /usr/bin/kubectl: Argument list too long\n")
    );
    // A deep backquote nest over the big variable: each level shares it instead of copying.
    let (status, out) = line(&mut s, "echo `echo \\`echo \\\\\\`echo ${#A}\\\\\\`\\``");
    assert_eq!((status, out.as_str()), (0, "67108864\n"));
}

#[test]
fn command_substitutions_nest_16_deep() {
    let mut s = session("drain-bare-pod-force");
    let nest = |depth: usize| {
        let mut line = "echo hi".to_string();
        for _ in 0..depth {
            line = format!("echo $({line})");
        }
        line
    };
    assert_eq!(line(&mut s, &nest(16)), (0, "hi\n".to_string()));
    let (status, out) = line(&mut s, &nest(17));
    assert_eq!(status, 2);
    assert_eq!(
        out,
        "kubedrill: nesting command substitutions more than 16 levels deep is not supported in the simulated shell\n"
    );
}

#[test]
fn label_syntax_is_the_api_servers() {
    let text = deployment(1).replace(
        "    metadata: {name: web, namespace: default}\n",
        "    metadata:\n      name: web\n      labels: {\"bad key!\": x}\n",
    );
    let e = scenario_error(&text);
    assert!(
        e.starts_with("limits.yaml:13:7: workloads[0]: Deployment \"web\" is invalid: metadata.labels: Invalid value: \"bad key!\": name part must consist of alphanumeric characters"),
        "{e}"
    );
}

#[test]
fn sed_cannot_grow_a_file_past_64_mib() {
    // Goal: `sed -i 's/a/aaaaaaaaaaaaaaaa/g'` typed again and again grew a manifest sixteenfold
    // each time, without bound.
    let mut s = session("etcd-restore");
    let file = "/etc/kubernetes/manifests/etcd.yaml";
    let sed = format!("sed -i 's/a/{}/g' {file}", "a".repeat(16));
    let mut refused = None;
    for _ in 0..10 {
        let (status, out) = line(&mut s, &sed);
        if status != 0 {
            refused = Some((status, out));
            break;
        }
    }
    let (status, out) = refused.expect("the growth stops");
    assert_eq!(status, 4);
    assert_eq!(
        out,
        format!("sed: couldn't write {file}: No space left on device (kubedrill: a file holds at most 64 MiB)\n")
    );
    let (_, size) = line(&mut s, &format!("ls -l {file}"));
    let bytes: usize = size
        .split_whitespace()
        .nth(4)
        .and_then(|b| b.parse().ok())
        .expect("a size");
    assert!(bytes <= kubedrill_sim::model::limits::MAX_FILE_BYTES, "{bytes}");
}
