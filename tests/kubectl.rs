//! kubectl as CKA candidates type it, on a small simulated cluster: each command's whole
//! answer is a reviewed snapshot. Formats were checked against kubectl's source (printers,
//! describe.go, get.go) and real kubectl 1.31 run on the same objects where it can run
//! without a server (`kubectl label --local -f FILE -o …`).

use kubedrill::scenario_file::load_str;
use kubedrill_sim::{Seed, Sim};

const CLUSTER: &str = r#"
apiVersion: kubedrill/v1
kind: Scenario
metadata: {name: kubectl}
cluster:
  kubernetesVersion: v1.31.2
  nodes:
    - {name: controlplane, role: control-plane}
    - {name: node01, role: worker, labels: {disk: ssd}}
    - {name: node02, role: worker}
workloads:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, labels: {app: web, tier: front}}
    spec:
      replicas: 3
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web, tier: front}}
        spec:
          containers:
            - name: web
              image: nginx:1.27
              resources: {requests: {cpu: 100m, memory: 64Mi}}
  - apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: db}
    spec:
      replicas: 2
      serviceName: db
      selector: {matchLabels: {app: db}}
      template:
        metadata: {labels: {app: db}}
        spec: {containers: [{name: db, image: postgres:16}]}
  - apiVersion: batch/v1
    kind: Job
    metadata: {name: report}
    spec:
      completions: 1
      template:
        metadata: {labels: {app: report}}
        spec: {restartPolicy: Never, containers: [{name: report, image: busybox}]}
  - apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {name: web}
    spec: {minAvailable: 2, selector: {matchLabels: {app: web}}}
  - apiVersion: v1
    kind: Pod
    metadata: {name: bare, labels: {run: bare}}
    spec: {nodeName: node01, containers: [{name: c, image: busybox}]}
"#;

fn cluster(version: &str) -> Sim {
    let minor: u32 = version.split('.').nth(1).and_then(|m| m.parse().ok()).unwrap_or(31);
    let mut text = CLUSTER.replace("v1.31.2", version);
    if minor < 21 {
        // policy/v1 arrived in 1.21; older clusters serve budgets at policy/v1beta1.
        text = text.replace("apiVersion: policy/v1\n", "apiVersion: policy/v1beta1\n");
    }
    let scenario = load_str(&text, "kubectl").expect("fixture loads");
    Sim::new(&scenario.cluster, &scenario.workloads, Seed(1)).expect("fixture builds")
}

/// Runs each line at the control plane's prompt; the transcript shows every line, what it
/// printed (stderr lines marked `!`) and a non-zero exit status.
fn session(sim: &mut Sim, lines: &[&str]) -> String {
    let mut t = String::new();
    for line in lines {
        t.push_str(&format!("$ {line}\n"));
        let out = sim.run_line("controlplane", line);
        let mut text = String::new();
        for c in &out.chunks {
            let prefix = if c.stream == kubedrill_sim::shell::Stream::Stderr {
                "! "
            } else {
                ""
            };
            for l in c.text.split_inclusive('\n') {
                text.push_str(prefix);
                text.push_str(l);
            }
        }
        if !text.is_empty() && !text.ends_with('\n') {
            text.push_str("⏎\n");
        }
        t.push_str(&text);
        if out.status != 0 {
            t.push_str(&format!("[exit {}]\n", out.status));
        }
    }
    t
}

#[test]
fn output_jsonpath() {
    let mut sim = cluster("v1.31.2");
    insta::assert_snapshot!(session(
        &mut sim,
        &[
            "kubectl get nodes -o jsonpath='{.items[*].metadata.name}'",
            r#"kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name}{"\t"}{.status.nodeInfo.kubeletVersion}{"\n"}{end}'"#,
            r#"kubectl get pods -o jsonpath='{.items[?(@.metadata.name=="bare")].spec.nodeName}'"#,
            "kubectl get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}'",
            "kubectl get deploy web -o jsonpath={.metadata.labels}",
            "kubectl get nodes -o=jsonpath='{.items[0].status.addresses[?(@.type==\"InternalIP\")].address}'",
            "kubectl get pod bare -o jsonpath='{.spec.containers[3].name}'",
            "kubectl get pods -o jsonpath='{.items[*].metadata.name'",
            "kubectl get pods -o jsonpath",
            "kubectl get pods -o jsonpath-file=/root/nope.txt",
            "kubectl get pods -n empty -o jsonpath='{.items[*].metadata.name}'",
            "kubectl get pdb web -o jsonpath-as-json='{.spec.minAvailable}'",
        ]
    ));
}

#[test]
fn output_custom_columns_and_go_template() {
    let mut sim = cluster("v1.31.2");
    insta::assert_snapshot!(session(
        &mut sim,
        &[
            "kubectl get pods -o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName,IMAGES:.spec.containers[*].image",
            "kubectl get nodes -o custom-columns=NODE:.metadata.name,TAINTS:.spec.taints[*].key,MISSING:.nope --no-headers",
            "kubectl get nodes -o custom-columns=NAME",
            "kubectl get nodes -o custom-columns=",
            r#"kubectl get nodes -o go-template='{{range .items}}{{.metadata.name}} {{index .metadata.labels "kubernetes.io/hostname"}}{{"\n"}}{{end}}'"#,
            r#"kubectl get deploy web -o go-template --template='{{.metadata.name}}: {{.spec.replicas}} replicas{{"\n"}}'"#,
            "kubectl get deploy web -o go-template='{{.metadata.name'",
            "kubectl get pods -o yamll",
        ]
    ));
}

#[test]
fn sorting_labels_and_selectors() {
    let mut sim = cluster("v1.31.2");
    insta::assert_snapshot!(session(
        &mut sim,
        &[
            "kubectl get pods --sort-by=.metadata.name --no-headers",
            "kubectl get pods -A --sort-by=.spec.nodeName -o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName",
            "kubectl get pods --sort-by=.nope",
            "kubectl get nodes --show-labels",
            "kubectl get nodes -L disk -L kubernetes.io/os",
            "kubectl get deploy --show-labels",
            "kubectl get pods --field-selector status.phase=Running",
            "kubectl get pods -A --field-selector spec.nodeName=node01,status.phase!=Running",
            "kubectl get pods --field-selector spec.foo=bar",
            "kubectl get deploy --field-selector spec.replicas=3",
            "kubectl get deploy --field-selector metadata.name=web",
            "kubectl get nodes --field-selector spec.unschedulable=false --no-headers",
        ]
    ));
}

#[test]
fn several_kinds_at_once() {
    let mut sim = cluster("v1.31.2");
    insta::assert_snapshot!(session(
        &mut sim,
        &[
            "kubectl get deploy,sts",
            "kubectl get all",
            "kubectl get deploy/web pdb/web -o name",
            "kubectl get pods -n empty -o json",
            "kubectl get pods -n empty -o name",
            "kubectl get deploy web nope",
        ]
    ));
}

#[test]
fn whole_objects_as_yaml() {
    let mut sim = cluster("v1.31.2");
    insta::assert_snapshot!(session(
        &mut sim,
        &[
            "kubectl get pod bare -o yaml",
            "kubectl get node node01 -o yaml",
            "kubectl get pods --sort-by=.metadata.creationTimestamp -o name",
            "kubectl get pods -o jsonpath='{.items[*].status.podIP}'",
        ]
    ));
}

/// Every object of every kind the cluster serves, printed with `-o yaml`, reads back into its
/// k8s-openapi type and equals what `-o json` says about it.
fn yaml_round_trips<T>(sim: &mut Sim, kind: &str) -> usize
where
    T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let list = sim.run_line("controlplane", &format!("kubectl get {kind} -A -o json"));
    let text: String = list.chunks.iter().map(|c| c.text.as_str()).collect();
    let list: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{kind}: {e}\n{text}"));
    let items = list["items"].as_array().cloned().unwrap_or_default();
    for item in &items {
        let name = item["metadata"]["name"].as_str().expect("name");
        let ns = item["metadata"]["namespace"].as_str().unwrap_or("default");
        let out = sim.run_line("controlplane", &format!("kubectl get {kind} {name} -n {ns} -o yaml"));
        let yaml: String = out.chunks.iter().map(|c| c.text.as_str()).collect();
        let yaml_value: serde_json::Value =
            yaml_serde::from_str(&yaml).unwrap_or_else(|e| panic!("{kind}/{name}: {e}\n{yaml}"));
        assert_eq!(&yaml_value, item, "{kind}/{name}: -o yaml and -o json differ");
        // An older cluster serves some kinds at beta versions (policy/v1beta1) that
        // k8s-openapi has no type for; their fields are the current version's.
        let current = |mut v: serde_json::Value| {
            let beta = v["apiVersion"]
                .as_str()
                .and_then(|a| a.strip_suffix("/v1beta1"))
                .map(str::to_string);
            if let Some(group) = beta {
                v["apiVersion"] = format!("{group}/v1").into();
            }
            v
        };
        let from_yaml: T =
            serde_json::from_value(current(yaml_value)).unwrap_or_else(|e| panic!("{kind}/{name}: {e}\n{yaml}"));
        let from_json: T =
            serde_json::from_value(current(item.clone())).unwrap_or_else(|e| panic!("{kind}/{name}: {e}"));
        assert_eq!(from_yaml, from_json, "{kind}/{name}");
    }
    items.len()
}

#[test]
fn every_object_printed_as_yaml_parses_back_into_its_type() {
    use k8s_openapi::api::{
        apps::v1 as apps, batch::v1 as batch, coordination::v1 as coordination, core::v1 as core,
        discovery::v1 as discovery, policy::v1 as policy, scheduling::v1 as scheduling,
    };
    for version in ["v1.20.15", "v1.25.16", "v1.31.2"] {
        let mut sim = cluster(version);
        let mut n = 0;
        n += yaml_round_trips::<core::Node>(&mut sim, "nodes");
        n += yaml_round_trips::<core::Pod>(&mut sim, "pods");
        n += yaml_round_trips::<core::Namespace>(&mut sim, "namespaces");
        n += yaml_round_trips::<apps::Deployment>(&mut sim, "deployments");
        n += yaml_round_trips::<apps::ReplicaSet>(&mut sim, "replicasets");
        n += yaml_round_trips::<apps::DaemonSet>(&mut sim, "daemonsets");
        n += yaml_round_trips::<apps::StatefulSet>(&mut sim, "statefulsets");
        n += yaml_round_trips::<batch::Job>(&mut sim, "jobs");
        n += yaml_round_trips::<policy::PodDisruptionBudget>(&mut sim, "pdb");
        n += yaml_round_trips::<core::ConfigMap>(&mut sim, "configmaps");
        n += yaml_round_trips::<core::Secret>(&mut sim, "secrets");
        n += yaml_round_trips::<core::ServiceAccount>(&mut sim, "serviceaccounts");
        n += yaml_round_trips::<core::Service>(&mut sim, "services");
        n += yaml_round_trips::<core::Endpoints>(&mut sim, "endpoints");
        n += yaml_round_trips::<core::Event>(&mut sim, "events");
        n += yaml_round_trips::<coordination::Lease>(&mut sim, "leases");
        n += yaml_round_trips::<scheduling::PriorityClass>(&mut sim, "priorityclasses");
        n += yaml_round_trips::<discovery::EndpointSlice>(&mut sim, "endpointslices");
        assert!(n > 60, "{version}: only {n} objects");
    }
}

#[test]
fn a_fresh_kubeadm_cluster_has_its_default_objects() {
    let mut sim = cluster("v1.31.2");
    insta::assert_snapshot!(session(
        &mut sim,
        &[
            "kubectl get cm -A",
            "kubectl get sa",
            "kubectl get secrets -A",
            "kubectl get svc -A -o wide",
            "kubectl get ep -A",
            "kubectl get endpointslices -n kube-system",
            "kubectl get leases -A",
            "kubectl get pc",
            "kubectl get pv",
            "kubectl get pvc",
            "kubectl get ingress -A",
            "kubectl get cm kubeadm-config -n kube-system -o jsonpath='{.data.ClusterConfiguration}'",
            "kubectl get svc kubernetes -o yaml",
        ]
    ));
    let mut old = cluster("v1.23.17");
    insta::assert_snapshot!(
        "before_1_24_every_service_account_has_a_token_secret",
        session(&mut old, &["kubectl get sa,secrets", "kubectl get cm -n kube-system"])
    );
}

#[test]
fn events_record_what_happened() {
    let mut sim = cluster("v1.31.2");
    sim.run_line("controlplane", "kubectl drain node01 --ignore-daemonsets --force");
    sim.run_line("controlplane", "sleep 20");
    insta::assert_snapshot!(session(
        &mut sim,
        &[
            "kubectl get events",
            "kubectl get events -A --field-selector involvedObject.kind=Node",
            "kubectl events --for node/node01",
            "kubectl events -A --types=Warning",
            "kubectl events --for pod/nope",
            "kubectl get events --field-selector reason=Killing -o custom-columns=OBJ:.involvedObject.name,MSG:.message",
            "kubectl get events --field-selector foo=bar",
        ]
    ));
}

#[test]
fn describe_every_modelled_kind() {
    let mut sim = cluster("v1.31.2");
    sim.run_line("controlplane", "kubectl cordon node02");
    insta::assert_snapshot!(session(
        &mut sim,
        &[
            "kubectl describe deploy web",
            "kubectl describe rs",
            "kubectl describe ds kube-proxy -n kube-system",
            "kubectl describe sts db",
            "kubectl describe job report",
            "kubectl describe pdb web",
            "kubectl describe ns default",
            "kubectl describe svc kube-dns -n kube-system",
            "kubectl describe ep kubernetes",
            "kubectl describe cm kube-root-ca.crt",
            "kubectl describe sa default",
            "kubectl describe pc system-node-critical",
            "kubectl describe node node02 | tail -4",
            "kubectl describe deploy nope",
        ]
    ));
}

#[test]
fn questions_about_the_cluster() {
    let mut sim = cluster("v1.31.2");
    insta::assert_snapshot!(session(
        &mut sim,
        &[
            "kubectl api-resources",
            "kubectl api-resources --namespaced=false --api-group=storage.k8s.io -o name",
            "kubectl api-versions",
            "kubectl cluster-info",
            "kubectl top nodes",
            "kubectl top pod -A",
            "kubectl config view",
            "kubectl config current-context",
            "kubectl config get-contexts",
            "kubectl config use-context kubernetes-admin@kubernetes",
            "kubectl config use-context nope",
            "kubectl auth can-i create deployments",
            "kubectl auth can-i delete nodes --as=system:serviceaccount:default:default",
            "kubectl auth whoami",
            "kubectl explain pods",
            "kubectl explain deploy.spec.strategy",
            "kubectl explain pdb.spec",
            "kubectl explain pod.spec.nope",
        ]
    ));
    let mut old = cluster("v1.17.17");
    insta::assert_snapshot!(
        "api_resources_and_explain_of_1_17",
        session(
            &mut old,
            &[
                "kubectl api-versions",
                "kubectl api-resources --api-group=policy",
                "kubectl explain node.spec",
                "kubectl events",
                "kubectl cluster-info"
            ]
        )
    );
}

#[test]
fn changing_objects() {
    let mut sim = cluster("v1.31.2");
    insta::assert_snapshot!(session(
        &mut sim,
        &[
            "kubectl create deployment api --image=nginx:1.27 --replicas=2 --dry-run=client -o yaml",
            "kubectl create deployment api --image=nginx:1.27 --replicas=2",
            "kubectl create deployment api --image=nginx:1.27",
            "kubectl run debug --image=busybox --dry-run=client -o yaml -- sleep 3600",
            "kubectl run debug --image=busybox --restart=Never -- sleep 3600",
            "kubectl create job once --image=busybox",
            "kubectl create cm app --from-literal=mode=prod --from-literal=level=2",
            "kubectl create secret generic db --from-literal=password=s3cret -o yaml --dry-run=client",
            "kubectl create ns dev",
            "kubectl create ns dev",
            "kubectl create sa robot -n dev",
            "kubectl create pdb api --selector=app=api --min-available=1",
            "kubectl scale deploy api --replicas=4",
            "kubectl scale sts db --replicas=1",
            "kubectl scale ds kube-proxy -n kube-system --replicas=1",
            "kubectl label node node01 disk=hdd",
            "kubectl label node node01 disk=hdd --overwrite",
            "kubectl label node node01 disk-",
            "kubectl label pods -l app=web tier=back --overwrite",
            "kubectl annotate deploy web owner=team-a",
            "kubectl taint nodes node02 dedicated=db:NoSchedule",
            "kubectl taint nodes node02 dedicated=db:NoSchedule",
            "kubectl taint nodes node02 dedicated:NoSchedule-",
            "kubectl taint nodes node02 dedicated:NoSchedule-",
            "kubectl patch deploy api -p '{\"spec\":{\"replicas\":3}}'",
            "kubectl patch deploy api --type=merge -p '{\"spec\":{\"replicas\":3}}'",
            "kubectl patch deploy api --type=json -p '[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":2}]'",
            "kubectl set env deploy/api MODE=debug",
            "kubectl set resources deploy api --requests=cpu=200m,memory=128Mi",
            "kubectl get deploy api -o jsonpath='{.spec.template.spec.containers[0].env}{\"\\n\"}{.spec.template.spec.containers[0].resources}'",
            "kubectl get deploy,pdb,cm,sa -n default",
            "kubectl delete pdb api",
            "kubectl delete deploy api",
            "kubectl delete pods -l run=debug",
            "kubectl delete cm/app job/once",
            "kubectl delete ns dev",
            "kubectl delete ns default",
            "kubectl get all",
        ]
    ));
}

#[test]
fn rollouts_and_waiting() {
    let mut sim = cluster("v1.31.2");
    insta::assert_snapshot!(session(
        &mut sim,
        &[
            "kubectl set image deploy/web web=nginx:1.28",
            "kubectl rollout status deploy/web",
            "kubectl rollout history deploy/web",
            "kubectl rollout undo deploy/web",
            "kubectl rollout status deploy/web --timeout=2s",
            "kubectl rollout status deploy/web",
            "kubectl get deploy web -o jsonpath='{.spec.template.spec.containers[0].image} {.metadata.annotations}'",
            "kubectl rollout history deployment web",
            "kubectl rollout pause deploy/web",
            "kubectl rollout pause deploy/web",
            "kubectl rollout restart deploy/web",
            "kubectl rollout resume deploy/web",
            "kubectl rollout restart deploy/web",
            "kubectl rollout status deploy/web",
            "kubectl rollout restart ds/kube-proxy -n kube-system",
            "kubectl rollout status ds/kube-proxy -n kube-system",
            "kubectl rollout status sts/db",
            "kubectl rollout undo deploy/nope",
            "kubectl wait --for=condition=Ready pod -l app=web --timeout=60s",
            "kubectl wait --for=condition=Available deploy/web",
            "kubectl wait --for=condition=Complete job/report",
            "kubectl wait --for=jsonpath='{.status.phase}'=Running pod/bare",
            "kubectl delete pod bare --wait=false",
            "kubectl wait --for=delete pod/bare --timeout=10s",
            "KUBE_EDITOR=\"sed -i 's/replicas: 3/replicas: 5/'\" kubectl edit deploy web",
            "kubectl edit deploy web",
            "kubectl get deploy web",
        ]
    ));
}

#[test]
fn apply_files_and_stdin() {
    let mut sim = cluster("v1.31.2");
    let manifest = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: shop}
  template:
    metadata:
      labels: {app: shop}
    spec:
      containers:
      - name: shop
        image: nginx:1.27
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: shop
spec:
  minAvailable: 1
  selector:
    matchLabels: {app: shop}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: shop
data:
  greeting: hello
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: shop-reader
rules: []
"#;
    let quoted = manifest.replace('\'', "'\\''");
    insta::assert_snapshot!(session(
        &mut sim,
        &[
            &format!("echo '{quoted}' | kubectl apply -f -"),
            &format!("echo '{quoted}' | kubectl apply -f -"),
            &format!(
                "echo '{}' | kubectl apply -f -",
                quoted.replace("replicas: 2", "replicas: 3")
            ),
            &format!("echo '{quoted}' | kubectl create -f -"),
            "kubectl get deploy shop -o jsonpath='{.spec.replicas}'",
            "kubectl apply -f /root/nope.yaml",
            "kubectl apply -f https://github.com/flannel-io/flannel/releases/latest/download/kube-flannel.yml",
            "echo 'kind: Pod' | kubectl apply -f -",
            "echo '{\"apiVersion\": \"policy/v1beta1\", \"kind\": \"PodDisruptionBudget\", \"metadata\": {\"name\": \"x\"}, \"spec\": {\"minAvailable\": 1}}' | kubectl apply -f -",
            &format!("echo '{quoted}' | kubectl delete -f -"),
        ]
    ));
}

/// A scenario's cluster is built only from what its release serves and on a date its
/// versions existed.
#[test]
fn clusters_refuse_unserved_versions_and_dates_before_their_release() {
    let build = |text: String| -> Result<(), String> {
        let scenario = load_str(&text, "s.yaml").map_err(|e| e.to_string())?;
        kubedrill_sim::runner::prepare(&scenario, Seed(1))
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    let v117 = CLUSTER.replace("v1.31.2", "v1.17.17");
    let e = build(v117.clone()).unwrap_err();
    assert!(
        e.contains("no matches for kind \"PodDisruptionBudget\" in version \"policy/v1\"")
            && e.contains("serves PodDisruptionBudget at policy/v1beta1"),
        "{e}"
    );
    build(v117.replace("apiVersion: policy/v1\n", "apiVersion: policy/v1beta1\n")).expect("the era's version builds");
    let dated = |d: &str| {
        CLUSTER.replace(
            "  kubernetesVersion: v1.31.2\n",
            &format!("  kubernetesVersion: v1.31.2\n  date: \"{d}\"\n"),
        )
    };
    let e = build(dated("2024-09-01")).unwrap_err();
    assert!(
        e.contains("cluster.date: Kubernetes v1.31.2 was released on 2024-10-15, after 2024-09-01"),
        "{e}"
    );
    let e = build(dated("2024-13-01")).unwrap_err();
    assert!(e.contains("is not a date"), "{e}");
    build(dated("2024-11-05")).expect("a date after the release builds");
}

/// A bare pod that holds a StatefulSet ordinal's name: the controller's create is refused
/// (AlreadyExists, one pod per name; upstream's CreateStatefulPod records no event for it),
/// and once the bare pod is deleted the controller's retry creates the ordinal.
#[test]
fn a_statefulset_ordinal_whose_name_is_taken_waits_for_it() {
    let squatter = "  - apiVersion: v1\n    kind: Pod\n    metadata: {name: db-0, labels: {run: squatter}}\n    spec: {nodeName: node01, containers: [{name: c, image: busybox}]}\n";
    // Listed after the StatefulSet, the pod is refused as the API would refuse it.
    let late = load_str(&format!("{CLUSTER}{squatter}"), "kubectl").expect("fixture loads");
    let Err(err) = Sim::new(&late.cluster, &late.workloads, Seed(1)) else {
        panic!("the name is taken");
    };
    assert!(err.to_string().contains("pods \"db-0\" already exists"), "{err}");
    // Listed first, it holds the name.
    let text = CLUSTER.replacen("workloads:\n", &format!("workloads:\n{squatter}"), 1);
    let scenario = load_str(&text, "kubectl").expect("fixture loads");
    let mut sim = Sim::new(&scenario.cluster, &scenario.workloads, Seed(1)).expect("fixture builds");
    let names = |sim: &mut Sim| {
        sim.run_line(
            "controlplane",
            "kubectl get pods -o jsonpath='{range .items[*]}{.metadata.name} {.metadata.labels.run}{\"\\n\"}{end}'",
        )
        .text()
    };
    let listed = names(&mut sim);
    assert_eq!(listed.matches("db-0").count(), 1, "{listed}");
    assert!(
        listed.contains("db-0 squatter"),
        "the bare pod keeps the name: {listed}"
    );
    assert!(listed.contains("db-1 "), "{listed}");
    // The same refusal after setup, where it is seen: a pod takes db-2, then the set grows.
    for line in [
        "kubectl run db-2 --image=busybox",
        "kubectl scale statefulset db --replicas=3",
    ] {
        let out = sim.run_line("controlplane", line);
        assert_eq!(out.status, 0, "{line}: {}", out.text());
    }
    // The controller sinks AlreadyExists (no event, a retry later); the trace keeps it.
    let events = sim.run_line("controlplane", "kubectl get events").text();
    assert!(!events.contains("FailedCreate"), "{events}");
    let refused = sim.trace().iter().any(|r| {
        matches!(&r.event, kubedrill_sim::trace::Event::PodCreateFailed { pod, reason: "AlreadyExists", .. } if &**pod == "default/db-2")
    });
    assert!(refused, "the refusal is traced");
    let out = sim.run_line("controlplane", "kubectl delete pod db-0");
    assert_eq!(out.status, 0, "{}", out.text());
    let listed = names(&mut sim);
    assert_eq!(listed.matches("db-0").count(), 1, "{listed}");
    assert!(
        !listed.contains("squatter"),
        "the StatefulSet's db-0 replaced it: {listed}"
    );
}
