//! `kubedrill serve`: the API endpoint's answers, checked request by request through
//! `serve::api::handle` (no sockets), and the HTTP server itself over 127.0.0.1.

use kubedrill::serve::api::{self, Request, Response};
use kubedrill::serve::backend::{Backend, Caches};
use kubedrill_sim::Sim;
use kubedrill_sim::time::SimDuration;
use serde_json::Value;
use std::io::{Read, Write};

fn sim_of(file: &str, run_steps: bool) -> Sim {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = std::fs::read_to_string(&path).expect("scenario");
    let s = kubedrill::scenario_file::load_str(&text, file).expect("valid scenario");
    let seed = kubedrill_sim::Seed(s.seed.unwrap_or(1));
    if run_steps {
        kubedrill_sim::runner::run(&s, seed).expect("runs").sim
    } else {
        kubedrill_sim::runner::prepare(&s, seed).expect("builds")
    }
}

fn get(path: &str, accept: &str) -> Request {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    Request {
        method: "GET".into(),
        path: path.into(),
        query: form_urlencoded::parse(query.as_bytes()).into_owned().collect(),
        accept: accept.into(),
        server_address: "127.0.0.1:1".into(),
        ..Default::default()
    }
}

/// (status, content type, JSON body)
fn call(sim: &mut Sim, req: &Request) -> (u16, String, Value) {
    let mut caches = Caches::default();
    let mut b = Backend {
        sim,
        caches: &mut caches,
    };
    match api::handle(&mut b, req) {
        Response::Full {
            status,
            content_type,
            body,
        } => (
            status,
            content_type,
            serde_json::from_slice(&body).unwrap_or(Value::Null),
        ),
        other => panic!("expected a full answer, got {other:?}"),
    }
}

/// The `field` of every element of the array `v` (column names, group names).
fn strings<'a>(v: &'a Value, field: &str) -> Vec<&'a str> {
    v.as_array()
        .expect("an array")
        .iter()
        .filter_map(|x| x[field].as_str())
        .collect()
}

const TABLE: &str =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

#[test]
fn discovery_answers_in_the_form_each_kubectl_generation_asks_for() {
    let mut sim = sim_of("scenarios/maintenance/07-pdb-one-at-a-time.yaml", false);
    // kubectl 1.30+: v2 first; the 1.31 server has it.
    let v2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
    let (status, ct, body) = call(&mut sim, &get("/api", v2));
    assert_eq!(status, 200);
    assert_eq!(
        ct,
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    );
    let pods = body["items"][0]["versions"][0]["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["resource"] == "pods")
        .expect("pods")
        .clone();
    let eviction = pods["subresources"]
        .as_array()
        .expect("subresources")
        .iter()
        .find(|s| s["subresource"] == "eviction")
        .expect("pods/eviction is listed, or kubectl deletes instead of evicting");
    assert_eq!(eviction["responseKind"]["group"], "policy");
    assert_eq!(eviction["responseKind"]["version"], "v1");
    // kubectl 1.27-1.29: v2beta1 only.
    let beta = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
    let (_, ct, _) = call(&mut sim, &get("/apis", beta));
    assert!(ct.contains("v=v2beta1"), "{ct}");
    // kubectl 1.20: the legacy lists.
    let (_, ct, body) = call(&mut sim, &get("/api", "application/json, */*"));
    assert_eq!(ct, "application/json");
    assert_eq!(body["kind"], "APIVersions");
    let (_, _, body) = call(&mut sim, &get("/apis", "application/json, */*"));
    let groups = strings(&body["groups"], "name");
    assert!(groups.contains(&"policy") && groups.contains(&"apps"), "{groups:?}");
    let (_, _, body) = call(&mut sim, &get("/api/v1", "application/json"));
    assert!(
        body["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .any(|r| r["name"] == "pods/eviction" && r["group"] == "policy" && r["kind"] == "Eviction")
    );
    let (_, _, v) = call(&mut sim, &get("/version", "application/json"));
    assert_eq!(v["gitVersion"], "v1.31.2");
    assert_eq!(v["minor"], "31");
}

#[test]
fn lists_answer_as_server_side_tables_with_metadata_rows() {
    let mut sim = sim_of("scenarios/maintenance/07-pdb-one-at-a-time.yaml", false);
    let (status, _, t) = call(&mut sim, &get("/api/v1/pods?limit=500", TABLE));
    assert_eq!(status, 200);
    assert_eq!(t["kind"], "Table");
    let cols = strings(&t["columnDefinitions"], "name");
    assert_eq!(
        cols,
        [
            "Name",
            "Ready",
            "Status",
            "Restarts",
            "Age",
            "IP",
            "Node",
            "Nominated Node",
            "Readiness Gates"
        ]
    );
    let rows = t["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), sim.cluster().pod_count());
    let web = rows
        .iter()
        .find(|r| r["object"]["metadata"]["namespace"] == "shop")
        .expect("a shop pod");
    assert_eq!(web["object"]["kind"], "PartialObjectMetadata");
    assert_eq!(web["cells"][1], "1/1");
    assert_eq!(web["cells"][2], "Running");
    // A node's pods, as drain lists them; an unknown field label is the API server's 400.
    let (_, _, list) = call(
        &mut sim,
        &get("/api/v1/pods?fieldSelector=spec.nodeName%3Dnode01", "application/json"),
    );
    assert_eq!(list["kind"], "PodList");
    assert!(
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|p| p["spec"]["nodeName"] == "node01")
    );
    let (status, _, err) = call(
        &mut sim,
        &get("/api/v1/pods?fieldSelector=spec.foo%3Dx", "application/json"),
    );
    assert_eq!(status, 400);
    assert_eq!(err["kind"], "Status");
    assert_eq!(err["message"], "field label not supported: spec.foo");
}

#[test]
fn paginated_lists_hand_out_every_pod_once() {
    let mut sim = sim_of("scenarios/maintenance/07-pdb-one-at-a-time.yaml", false);
    let mut names = Vec::new();
    let mut token = String::new();
    for _ in 0..100 {
        let path = format!("/api/v1/pods?limit=3&continue={token}");
        let (_, _, page) = call(&mut sim, &get(&path, "application/json"));
        for p in page["items"].as_array().expect("items") {
            names.push(format!("{}/{}", p["metadata"]["namespace"], p["metadata"]["name"]));
        }
        match page["metadata"]["continue"].as_str() {
            Some(t) => token = t.to_string(),
            None => break,
        }
    }
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(names, sorted, "in order, without repeats");
    assert_eq!(names.len(), sim.cluster().pod_count());
}

fn post(path: &str, content_type: &str, body: Vec<u8>) -> Request {
    Request {
        method: "POST".into(),
        path: path.into(),
        content_type: content_type.into(),
        accept: "application/json".into(),
        body,
        ..Default::default()
    }
}

#[test]
fn an_eviction_a_budget_forbids_is_429_with_the_disruption_budget_cause() {
    let mut sim = sim_of("scenarios/maintenance/06-pdb-blocks-until-timeout.yaml", false);
    let (_, _, list) = call(
        &mut sim,
        &get("/api/v1/pods?fieldSelector=spec.nodeName%3Dnode01", "application/json"),
    );
    let guarded: Vec<(String, String)> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|p| p["metadata"]["namespace"] != "kube-system")
        .map(|p| {
            (
                p["metadata"]["namespace"].as_str().unwrap_or_default().to_string(),
                p["metadata"]["name"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert!(!guarded.is_empty());
    let before = sim.cluster().pod_count();
    let mut refused = 0;
    for (ns, name) in &guarded {
        let body = format!(
            r#"{{"apiVersion":"policy/v1","kind":"Eviction","metadata":{{"name":"{name}","namespace":"{ns}"}}}}"#
        );
        let (status, _, answer) = call(
            &mut sim,
            &post(
                &format!("/api/v1/namespaces/{ns}/pods/{name}/eviction"),
                "application/json",
                body.into_bytes(),
            ),
        );
        if status == 429 {
            refused += 1;
            assert_eq!(answer["reason"], "TooManyRequests");
            assert_eq!(answer["details"]["causes"][0]["reason"], "DisruptionBudget");
            assert_eq!(
                answer["message"],
                "Cannot evict pod as it would violate the pod's disruption budget."
            );
        } else {
            assert_eq!(status, 201, "{answer}");
        }
    }
    assert!(refused > 0, "the scenario's budget refuses some eviction");
    assert_eq!(
        sim.cluster().pod_count(),
        before + (guarded.len() - refused),
        "replacements only for evicted pods"
    );
}

/// `k8s\0` + runtime.Unknown{raw: DeleteOptions{gracePeriodSeconds: 0}}, as kubectl 1.32+ sends.
fn protobuf_delete_grace_zero() -> Vec<u8> {
    let options = [0x08, 0x00]; // field 1 (gracePeriodSeconds), varint 0
    let mut unknown = vec![0x12, options.len() as u8];
    unknown.extend(options);
    let mut body = b"k8s\0".to_vec();
    body.extend(unknown);
    body
}

#[test]
fn a_protobuf_delete_body_is_read_and_patches_cordon() {
    let mut sim = sim_of("scenarios/maintenance/04-bare-pod-needs-force.yaml", false);
    let id = sim.cluster().pod_id("default", "debug-shell").expect("the bare pod");
    let del = Request {
        method: "DELETE".into(),
        path: "/api/v1/namespaces/default/pods/debug-shell".into(),
        content_type: "application/vnd.kubernetes.protobuf".into(),
        accept: "application/vnd.kubernetes.protobuf,application/json".into(),
        body: protobuf_delete_grace_zero(),
        ..Default::default()
    };
    let (status, ct, _) = call(&mut sim, &del);
    assert_eq!(status, 200);
    assert_eq!(ct, "application/json", "JSON answers a client that accepts it");
    assert!(sim.cluster().pod(id).is_none(), "grace 0 removes the pod at once");
    let node = sim.cluster().node_id("node01").expect("node01");
    let patch = Request {
        method: "PATCH".into(),
        path: "/api/v1/nodes/node01".into(),
        content_type: "application/strategic-merge-patch+json".into(),
        body: br#"{"spec":{"unschedulable":true}}"#.to_vec(),
        ..Default::default()
    };
    let (status, _, answer) = call(&mut sim, &patch);
    assert_eq!(status, 200);
    assert_eq!(answer["spec"]["unschedulable"], true);
    assert!(sim.cluster().node(node).unschedulable);
    let bad = Request {
        body: b"{not json".to_vec(),
        ..patch
    };
    let (status, _, _) = call(&mut sim, &bad);
    assert_eq!(status, 400);
    assert!(sim.cluster().node(node).unschedulable, "a bad patch changes nothing");
}

#[test]
fn without_etcd_quorum_requests_time_out_then_connections_are_refused() {
    let mut sim = sim_of("scenarios/etcd/04-three-members-lose-two.yaml", false);
    for cp in ["cp2", "cp3"] {
        let id = sim.cluster().node_id(cp).expect("control plane");
        sim.etcd_member_crash(id);
    }
    let mut caches = Caches::default();
    let req = get("/api/v1/nodes", "application/json");
    let answer = api::handle(
        &mut Backend {
            sim: &mut sim,
            caches: &mut caches,
        },
        &req,
    );
    match answer {
        Response::TimedOut { after, then } => {
            assert_eq!(after, SimDuration::from_secs(7));
            match *then {
                Response::Full { status, body, .. } => {
                    assert_eq!(status, 500);
                    let v: Value = serde_json::from_slice(&body).expect("json");
                    assert_eq!(v["message"], "etcdserver: request timed out");
                }
                other => panic!("{other:?}"),
            }
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    // Discovery is served from memory and still answers.
    let (status, _, _) = call(&mut sim, &get("/api/v1", "application/json"));
    assert_eq!(status, 200);
    sim.advance(SimDuration::from_secs(120));
    let answer = api::handle(
        &mut Backend {
            sim: &mut sim,
            caches: &mut caches,
        },
        &req,
    );
    assert!(matches!(answer, Response::Refused), "{answer:?}");
}

fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).expect("connects");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    )
    .expect("writes");
    let mut text = String::new();
    s.read_to_string(&mut text).expect("reads");
    text
}

#[test]
fn the_server_answers_on_loopback_and_frees_its_port_when_stopped() {
    let sim = sim_of("scenarios/maintenance/07-pdb-one-at-a-time.yaml", false);
    let host = kubedrill::serve::SimHost::start(1.0, move || sim);
    let mut server = kubedrill::serve::Server::start(host.clone(), 0, 1.0).expect("starts");
    let addr = server.addr;
    assert!(addr.ip().is_loopback());
    let answer = http_get(addr, "/api/v1/nodes/node01");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"name\":\"node01\""));
    let missing = http_get(addr, "/api/v1/nodes/nope");
    assert!(missing.starts_with("HTTP/1.1 404"));
    assert!(missing.contains(r#"nodes \"nope\" not found"#), "{missing}");
    // Virtual time stood still while nobody was connected.
    let t0 = host.call(|s: &mut Sim| s.now()).expect("sim thread");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(host.call(|s: &mut Sim| s.now()).expect("sim thread"), t0);
    server.stop();
    // Another test's server may take the freed ephemeral port at once: a port found busy is
    // tried again with a fresh server of ours, so only our server keeping it fails three times.
    let mut addr = addr;
    for attempt in 0..3 {
        if std::net::TcpListener::bind(addr).is_ok() {
            return;
        }
        assert!(attempt < 2, "the port {addr} is still taken once stopped");
        let mut again = kubedrill::serve::Server::start(host.clone(), 0, 1.0).expect("starts");
        addr = again.addr;
        again.stop();
    }
}

fn request(method: &str, path: &str, content_type: &str, body: &str) -> Request {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    Request {
        method: method.into(),
        path: path.into(),
        query: form_urlencoded::parse(query.as_bytes()).into_owned().collect(),
        content_type: content_type.into(),
        accept: "application/json".into(),
        body: body.as_bytes().to_vec(),
        ..Default::default()
    }
}

/// The steps the simulation recorded since trace position `from` (each write is one).
fn steps_since(sim: &Sim, from: usize) -> Vec<String> {
    sim.trace()
        .range(from..)
        .filter_map(|r| match &r.event {
            kubedrill_sim::trace::Event::StepStarted { text } => Some(text.to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn patches_of_every_type_are_traced_writes_and_a_dry_run_keeps_nothing() {
    let mut sim = sim_of("scenarios/maintenance/07-pdb-one-at-a-time.yaml", false);
    let from = sim.trace().len();
    let node = sim.cluster().node_id("node01").expect("node01");
    // A taint added, then removed the way `kubectl taint node01 k-` sends it (the whole list).
    let (status, _, answer) = call(
        &mut sim,
        &request(
            "PATCH",
            "/api/v1/nodes/node01",
            "application/strategic-merge-patch+json",
            r#"{"spec":{"taints":[{"key":"k","value":"v","effect":"NoSchedule"}]}}"#,
        ),
    );
    assert_eq!(status, 200, "{answer}");
    assert!(sim.cluster().node(node).taints.iter().any(|t| t.key == "k"));
    call(
        &mut sim,
        &request(
            "PATCH",
            "/api/v1/nodes/node01",
            "application/strategic-merge-patch+json",
            r#"{"spec":{"taints":null}}"#,
        ),
    );
    assert!(!sim.cluster().node(node).taints.iter().any(|t| t.key == "k"));
    // A JSON patch on a Deployment scales it (what `kubectl rollout undo` and `patch --type
    // json` send).
    let (status, _, d) = call(
        &mut sim,
        &request(
            "PATCH",
            "/apis/apps/v1/namespaces/shop/deployments/web",
            "application/json-patch+json",
            r#"[{"op":"replace","path":"/spec/replicas","value":2}]"#,
        ),
    );
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["spec"]["replicas"], 2);
    // A dry run answers as the write would and keeps nothing.
    let before = sim.trace().len();
    let (status, _, dry) = call(
        &mut sim,
        &request(
            "PATCH",
            "/api/v1/nodes/node01?dryRun=All",
            "application/merge-patch+json",
            r#"{"metadata":{"labels":{"disk":"ssd"}}}"#,
        ),
    );
    assert_eq!(status, 200);
    assert_eq!(dry["metadata"]["labels"]["disk"], "ssd");
    assert!(!sim.cluster().node(node).labels.contains_key("disk"));
    assert_eq!(sim.trace().len(), before, "a dry run leaves no trace");
    // Server-side apply is not modelled: a clear 415.
    let (status, _, e) = call(
        &mut sim,
        &request("PATCH", "/api/v1/nodes/node01", "application/apply-patch+yaml", "{}"),
    );
    assert_eq!(status, 415);
    assert!(
        e["message"].as_str().unwrap_or_default().contains("server-side apply"),
        "{e}"
    );
    assert_eq!(
        steps_since(&sim, from),
        [
            "PUT nodes/node01",
            "PUT nodes/node01",
            "PUT namespaces/shop/deployments.apps/web"
        ]
    );
}

#[test]
fn objects_of_any_kept_kind_are_created_listed_as_tables_and_deleted() {
    let mut sim = sim_of("scenarios/maintenance/07-pdb-one-at-a-time.yaml", false);
    let cm = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings"},"data":{"a":"1","b":"2"}}"#;
    let (status, _, created) = call(
        &mut sim,
        &request("POST", "/api/v1/namespaces/shop/configmaps", "application/json", cm),
    );
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["metadata"]["namespace"], "shop");
    let (status, _, again) = call(
        &mut sim,
        &request("POST", "/api/v1/namespaces/shop/configmaps", "application/json", cm),
    );
    assert_eq!((status, again["reason"].as_str()), (409, Some("AlreadyExists")));
    let (_, _, t) = call(&mut sim, &get("/api/v1/namespaces/shop/configmaps", TABLE));
    let cols = strings(&t["columnDefinitions"], "name");
    assert_eq!(cols, ["NAME", "DATA", "AGE"]);
    let row = t["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["cells"][0] == "settings")
        .expect("the new ConfigMap is listed");
    assert_eq!(row["cells"][1], "2");
    let (status, _, _) = call(
        &mut sim,
        &request("DELETE", "/api/v1/namespaces/shop/configmaps/settings", "", ""),
    );
    assert_eq!(status, 200);
    let (status, _, gone) = call(
        &mut sim,
        &get("/api/v1/namespaces/shop/configmaps/settings", "application/json"),
    );
    assert_eq!(status, 404);
    assert_eq!(gone["message"], r#"configmaps "settings" not found"#);
    // The namespace of the path wins over nothing, but not over another one.
    let elsewhere = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"default"}}"#;
    let (status, _, _) = call(
        &mut sim,
        &request(
            "POST",
            "/api/v1/namespaces/shop/configmaps",
            "application/json",
            elsewhere,
        ),
    );
    assert_eq!(status, 400);
    // What the release serves but the model has no objects of lists empty (`kubectl get all`
    // and RBAC reads work); writing it is refused clearly.
    let (status, _, roles) = call(
        &mut sim,
        &get("/apis/rbac.authorization.k8s.io/v1/clusterroles", "application/json"),
    );
    assert_eq!(status, 200);
    assert_eq!(roles["kind"], "ClusterRoleList");
    assert_eq!(roles["items"], serde_json::json!([]));
    let (status, _, _) = call(
        &mut sim,
        &request(
            "POST",
            "/apis/rbac.authorization.k8s.io/v1/clusterroles",
            "application/json",
            r#"{"kind":"ClusterRole","metadata":{"name":"r"}}"#,
        ),
    );
    assert_eq!(status, 405);
}

/// Goal: the writes beyond a drain (taint and its removal, label, apply, scale, JSON patch,
/// delete) work from a real kubectl and change the simulated cluster as asked. Method: serve
/// scenario 07's 1.31 cluster to kubectl 1.31 and to Debian's 1.20 (each that is installed),
/// check each line's output and the cluster after. SKIPPED for a release not installed.
#[test]
fn a_real_kubectl_taints_labels_applies_scales_patches_and_deletes() {
    use kubedrill::serve::real_kubectl;
    for minor in [31, 20] {
        match real_kubectl::find(minor) {
            Some(binary) => writes_through_a_real_kubectl(&binary),
            None => eprintln!("SKIPPED kubectl 1.{minor}: kubectl.1.{minor} is not installed"),
        }
    }
}

fn writes_through_a_real_kubectl(binary: &std::path::Path) {
    use kubedrill::serve::real_kubectl;
    let sim = sim_of("scenarios/maintenance/07-pdb-one-at-a-time.yaml", false);
    let host = kubedrill::serve::SimHost::start(1.0, move || sim);
    let server = kubedrill::serve::Server::start(host.clone(), 0, 1.0).expect("starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    kubedrill::serve::write_kubeconfig(&kubeconfig, server.addr).expect("kubeconfig");
    let kubectl = real_kubectl::Runner::new(Some(binary), &kubeconfig).expect("runner");
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  a: \"1\"\n";
    for (line, printed) in [
        ("kubectl taint node node01 k=v:NoSchedule", "node/node01 tainted"),
        ("kubectl taint node node01 k-", "node/node01 untainted"),
        (
            "kubectl label deployment web -n shop tier=front",
            "deployment.apps/web labeled",
        ),
        (
            &format!("printf '{cm}' | kubectl apply -f -"),
            "configmap/settings created",
        ),
        (
            &format!("printf '{}' | kubectl apply -f -", cm.replace("\"1\"", "\"2\"")),
            "configmap/settings configured",
        ),
        (
            "kubectl scale deployment web -n shop --replicas=5",
            "deployment.apps/web scaled",
        ),
        (
            r#"kubectl patch deployment web -n shop --type json -p '[{"op":"replace","path":"/spec/replicas","value":4}]'"#,
            "deployment.apps/web patched",
        ),
        (
            "kubectl delete pdb web -n shop",
            "poddisruptionbudget.policy \"web\" deleted",
        ),
    ] {
        let out = kubectl
            .run(line, std::time::Duration::from_secs(60))
            .expect("bash runs");
        assert_eq!((out.status, out.stdout.trim()), (0, printed), "{line}: {}", out.stderr);
    }
    let (taints, tier, data, replicas, pdbs) = host
        .call(|sim: &mut Sim| {
            use kubedrill_sim::KubeApi;
            use kubedrill_sim::model::objects::ResourceKind;
            let c = sim.cluster();
            let node = c.node(c.node_id("node01").expect("node01"));
            let web = KubeApi::get(&*sim, ResourceKind::Deployments, Some("shop"), "web")
                .expect("web")
                .to_json();
            let cm = KubeApi::get(&*sim, ResourceKind::ConfigMaps, Some("shop"), "settings")
                .expect("settings")
                .to_json();
            (
                node.taints.iter().filter(|t| t.key == "k").count(),
                web["metadata"]["labels"]["tier"].clone(),
                cm["data"]["a"].clone(),
                web["spec"]["replicas"].clone(),
                c.pdb_ids().into_iter().filter(|id| !c.pdb(*id).deleted).count(),
            )
        })
        .expect("sim thread");
    assert_eq!(taints, 0, "the taint was removed");
    assert_eq!(tier, "front");
    assert_eq!(data, "2");
    assert_eq!(replicas, 4);
    assert_eq!(pdbs, 0);
}
