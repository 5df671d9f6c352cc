//! `kubectl expose (-f FILE | TYPE NAME | TYPE/NAME)`: a Service built from a Deployment,
//! ReplicaSet, ReplicationController, Pod or Service — its selector, ports, protocols and
//! labels taken from the object unless the flags say otherwise — and created through the API,
//! which allocates its cluster IP and node ports (`model::services`).
//!
//! The rules are kubectl's `expose` command and its `polymorphichelpers` (selector, ports and
//! protocols of each kind). Up to 1.23 its errors went through `UsageErrorf` and so end with
//! `See 'kubectl expose -h' for help and examples`; 1.28 made a port served over two protocols
//! two service ports (`port-1-tcp`, `port-1-udp`) where older releases kept the last protocol.

use super::apply::read_manifests;
use super::create::{DryRun, dry_run_and_format};
use super::flags::{self, Kind, Parsed, flag};
use super::get::Resource;
use super::printer::{self, Format};
use super::target::server_error;
use super::{Local, fail, stdout, usage_error};
use crate::model::objects::ResourceKind;
use crate::model::services;
use crate::model::status::ApiError;
use crate::shell::CommandOutput;
use crate::tools::api::KubeApi;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

const SPECS: &[flags::Spec] = &[
    flag("protocol", None, Kind::Str),
    flag("port", None, Kind::Str),
    flag("type", None, Kind::Str),
    flag("load-balancer-ip", None, Kind::Str),
    flag("selector", None, Kind::Str),
    flag("labels", Some('l'), Kind::Str),
    flag("container-port", None, Kind::Str),
    flag("target-port", None, Kind::Str),
    flag("external-ip", None, Kind::Str),
    flag("name", None, Kind::Str),
    flag("session-affinity", None, Kind::Str),
    flag("cluster-ip", None, Kind::Str),
    flag("overrides", None, Kind::Str),
    flag("override-type", None, Kind::Str),
    flag("generator", None, Kind::Str),
    flag("field-manager", None, Kind::Str),
    flag("dry-run", None, Kind::StrOpt("unchanged")),
    flag("output", Some('o'), Kind::Str),
    flag("template", None, Kind::Str),
    flag("allow-missing-template-keys", None, Kind::Bool),
    flag("show-managed-fields", None, Kind::Bool),
    flag("filename", Some('f'), Kind::Array),
    flag("recursive", Some('R'), Kind::Bool),
    flag("record", None, Kind::Bool),
    flag("save-config", None, Kind::Bool),
];

/// The kinds `expose` accepts, as kubectl's `canBeExposed` names them.
fn exposable(kind: &str) -> bool {
    matches!(
        kind,
        "ReplicationController" | "Service" | "Pod" | "Deployment" | "ReplicaSet"
    )
}

/// What expose reads from the object it exposes.
struct Source {
    /// `Deployment.apps`: the group kind, for `cannot expose a …`.
    group_kind: String,
    name: String,
    object: Value,
}

pub(crate) fn run(api: &mut dyn KubeApi, args: &[String], local: &Local) -> CommandOutput {
    let p = match flags::parse(args, SPECS) {
        Ok(p) => p,
        Err(e) => return usage_error(api, "expose", &e),
    };
    if p.has("overrides") {
        return fail("kubedrill: `kubectl expose --overrides` is not modelled");
    }
    let (dry, format) = match dry_run_and_format(&p, local) {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let ns = p.str("namespace").unwrap_or("default").to_string();
    let sources = match sources(api, &p, local, &ns) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let mut out = CommandOutput::default();
    for src in sources {
        let done = expose_one(api, &p, &ns, dry, format.as_ref(), &src, &mut out);
        if let Err(e) = done {
            let mut err = fail(e);
            out.chunks.append(&mut err.chunks);
            out.status = 1;
            return out;
        }
    }
    out
}

/// The objects named by `-f` or the arguments; the error is kubectl's line.
fn sources(api: &dyn KubeApi, p: &Parsed, local: &Local, ns: &str) -> Result<Vec<Source>, String> {
    let files = p.list("filename");
    if !files.is_empty() {
        if !p.positional.is_empty() {
            return Err(usage_suffix(api, "error: when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well".into()));
        }
        let docs = read_manifests(local, &files)?;
        return Ok(docs
            .into_iter()
            .map(|d| Source {
                group_kind: group_kind(&d.value),
                name: d.value["metadata"]["name"].as_str().unwrap_or_default().to_string(),
                object: d.value,
            })
            .collect());
    }
    let (word, name) = match p.positional.as_slice() {
        [] => {
            return Err(usage_suffix(
                api,
                "error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'".into(),
            ));
        }
        [one] => match one.split_once('/') {
            Some((k, n)) => (k.to_string(), n.to_string()),
            None => {
                return Err(usage_suffix(
                    api,
                    "error: resource(s) were provided, but no name was specified".into(),
                ));
            }
        },
        [k, n] if !k.contains('/') => (k.clone(), n.clone()),
        _ => {
            return Err(usage_suffix(
                api,
                "error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'".into(),
            ));
        }
    };
    Ok(vec![fetch(api, &word, &name, ns)?])
}

/// The live object `TYPE NAME` names.
fn fetch(api: &dyn KubeApi, word: &str, name: &str, ns: &str) -> Result<Source, String> {
    let lower = word.to_ascii_lowercase();
    let base = lower.split('.').next().unwrap_or_default();
    if matches!(base, "rc" | "replicationcontroller" | "replicationcontrollers") {
        // The model stores ReplicationControllers as written (nothing runs them).
        let key = ("ReplicationController".to_string(), ns.to_string(), name.to_string());
        let object = api
            .cluster()
            .store
            .others
            .get(&key)
            .cloned()
            .ok_or_else(|| server_error(&ApiError::not_found("replicationcontrollers", name)))?;
        return Ok(Source {
            group_kind: "ReplicationController".into(),
            name: name.to_string(),
            object,
        });
    }
    let res = Resource::parse(word).ok_or_else(|| {
        usage_suffix(
            api,
            format!("error: the server doesn't have a resource type \"{word}\""),
        )
    })?;
    let object = api
        .get(res, res.namespaced().then_some(ns), name)
        .map_err(|e| server_error(&e))?
        .to_json();
    Ok(Source {
        group_kind: group_kind(&object),
        name: name.to_string(),
        object,
    })
}

/// `Deployment.apps`, `Pod`.
fn group_kind(v: &Value) -> String {
    let kind = v["kind"].as_str().unwrap_or_default();
    match v["apiVersion"].as_str().unwrap_or_default().split_once('/') {
        Some((group, _)) => format!("{kind}.{group}"),
        None => kind.to_string(),
    }
}

/// Up to 1.23 these errors went through cobra's `UsageErrorf`.
fn usage_suffix(api: &dyn KubeApi, msg: String) -> String {
    if api.kubectl().minor <= 23 {
        format!("{msg}\nSee 'kubectl expose -h' for help and examples")
    } else {
        msg
    }
}

fn expose_one(
    api: &mut dyn KubeApi,
    p: &Parsed,
    ns: &str,
    dry: DryRun,
    format: Option<&Format>,
    src: &Source,
    out: &mut CommandOutput,
) -> Result<(), String> {
    let kind = src.group_kind.split('.').next().unwrap_or_default();
    if !exposable(kind) {
        return Err(format!("error: cannot expose a {}", src.group_kind));
    }
    let mut svc = service(api, p, src)?;
    if dry == DryRun::Client {
        if p.has("namespace") {
            svc["metadata"]["namespace"] = json!(ns);
        }
        return print(api, out, format, &svc, dry);
    }
    svc["metadata"]["namespace"] = json!(ns);
    let name = svc["metadata"]["name"].as_str().unwrap_or_default().to_string();
    if !api.cluster().has_namespace(ns) {
        return Err(server_error(&ApiError::not_found("namespaces", ns)));
    }
    if api.get(ResourceKind::Services, Some(ns), &name).is_ok() {
        return Err(server_error(&ApiError::already_exists("services", &name)));
    }
    let created = if dry == DryRun::Server {
        // The API server admits the object as it would create it, and keeps nothing.
        services::admit(api.cluster(), &mut svc)
            .map_err(|errs| server_error(&ApiError::invalid_fields("Service", &name, errs)))?;
        svc
    } else {
        api.create(svc.clone()).map_err(|e| server_error(&e))?;
        api.settle();
        api.get(ResourceKind::Services, Some(ns), &name)
            .map(|o| o.to_json())
            .unwrap_or(svc)
    };
    print(api, out, format, &created, dry)
}

/// `service/web exposed`, or the object in the asked format.
fn print(
    api: &dyn KubeApi,
    out: &mut CommandOutput,
    format: Option<&Format>,
    svc: &Value,
    dry: DryRun,
) -> Result<(), String> {
    if let Some(f) = format.filter(|f| !f.is_table()) {
        return printer::print(out, f, svc, false);
    }
    let name = svc["metadata"]["name"].as_str().unwrap_or_default();
    let suffix = match dry {
        DryRun::None => "",
        DryRun::Client => " (dry run)",
        DryRun::Server => " (server dry run)",
    };
    if api.kubectl().quoted_names {
        stdout(out, format!("service \"{name}\" exposed{suffix}"));
    } else {
        stdout(out, format!("service/{name} exposed{suffix}"));
    }
    Ok(())
}

/// The Service kubectl builds (`createService`), before the API server's defaults.
fn service(api: &dyn KubeApi, p: &Parsed, src: &Source) -> Result<Value, String> {
    let o = &src.object;
    let selector = match p.str("selector").filter(|s| !s.is_empty()) {
        Some(s) => parse_labels(s)?,
        None => selector_of(o).map_err(|why| {
            usage_suffix(
                api,
                format!("error: couldn't retrieve selectors via --selector flag or introspection: {why}"),
            )
        })?,
    };
    let headless = p.str("cluster-ip") == Some("None");
    let asked_port = p.str("port").filter(|s| !s.is_empty());
    let ports: Vec<String> = match asked_port {
        Some(port) => vec![port.to_string()],
        None => {
            let found = ports_of(o);
            if found.is_empty() && !headless {
                return Err(usage_suffix(
                    api,
                    "error: couldn't find port via --port flag or introspection".into(),
                ));
            }
            found
        }
    };
    let labels = match p.str("labels").filter(|s| !s.is_empty()) {
        Some(l) => Some(parse_labels(l)?),
        None => o["metadata"]["labels"]
            .as_object()
            .filter(|m| !m.is_empty())
            .map(|m| m.clone().into_iter().collect::<BTreeMap<_, _>>())
            .map(|m| m.into_iter().collect::<Map<_, _>>()),
    };
    let name = match p.str("name").filter(|n| !n.is_empty()) {
        Some(n) => n.to_string(),
        None => src.name.chars().take(63).collect(),
    };
    let multi_protocol = api.kubectl().minor >= 28;
    let service_ports = service_ports(
        &ports,
        p.str("protocol").filter(|s| !s.is_empty()),
        &protocols_of(o),
        multi_protocol,
    )?;
    let mut meta = json!({"creationTimestamp": null, "name": name});
    if let Some(l) = labels {
        meta["labels"] = Value::Object(l);
    }
    let mut spec = json!({"ports": service_ports, "selector": selector});
    if service_ports_empty(&spec) {
        spec.as_object_mut().map(|s| s.remove("ports"));
    }
    let target = p
        .str("target-port")
        .or_else(|| p.str("container-port"))
        .filter(|t| !t.is_empty());
    for sp in spec["ports"].as_array_mut().into_iter().flatten() {
        sp["targetPort"] = match target {
            Some(t) => t.parse::<i64>().map(Value::from).unwrap_or_else(|_| json!(t)),
            None => sp["port"].clone(),
        };
    }
    if let Some(ip) = p.str("external-ip").filter(|s| !s.is_empty()) {
        spec["externalIPs"] = json!([ip]);
    }
    if let Some(t) = p.str("type").filter(|s| !s.is_empty()) {
        spec["type"] = json!(t);
        if t == "LoadBalancer"
            && let Some(ip) = p.str("load-balancer-ip").filter(|s| !s.is_empty())
        {
            spec["loadBalancerIP"] = json!(ip);
        }
    }
    match p.str("session-affinity").filter(|s| !s.is_empty()) {
        Some(a @ ("None" | "ClientIP")) => spec["sessionAffinity"] = json!(a),
        Some(other) => return Err(format!("error: unknown session affinity: {other}")),
        None => {}
    }
    if let Some(ip) = p.str("cluster-ip").filter(|s| !s.is_empty()) {
        spec["clusterIP"] = json!(ip);
    }
    Ok(
        json!({"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec,
        "status": {"loadBalancer": {}}}),
    )
}

fn service_ports_empty(spec: &Value) -> bool {
    spec["ports"].as_array().is_none_or(Vec::is_empty)
}

/// kubectl's port list: `port-N` names when there are several, one port per protocol of a
/// port served over several (1.28+), else the port's protocol or TCP.
fn service_ports(
    ports: &[String],
    protocol: Option<&str>,
    by_port: &BTreeMap<String, Vec<String>>,
    multi_protocol: bool,
) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        let n: i64 = port
            .parse()
            .map_err(|_| format!("error: strconv.Atoi: parsing \"{port}\": invalid syntax"))?;
        let name = (ports.len() > 1).then(|| format!("port-{}", i + 1));
        let proto = match (protocol, by_port.get(port)) {
            (Some(p), _) => p.to_string(),
            (None, Some(list)) if multi_protocol && list.len() > 1 => {
                for proto in list {
                    out.push(json!({"name": format!("port-{}-{}", i + 1, proto.to_lowercase()), "port": n, "protocol": proto}));
                }
                continue;
            }
            (None, Some(list)) if multi_protocol => list[0].clone(),
            // Before 1.28 the map kept one protocol per port: the last one listed.
            (None, Some(list)) => list.last().cloned().unwrap_or_else(|| "TCP".into()),
            (None, None) => "TCP".into(),
        };
        let mut sp = json!({"port": n, "protocol": proto});
        if let Some(name) = name {
            sp["name"] = json!(name);
        }
        out.push(sp);
    }
    Ok(out)
}

/// The pod template's spec of a controller, or the pod's own.
fn pod_spec(o: &Value) -> &Value {
    if o["kind"] == "Pod" {
        &o["spec"]
    } else {
        &o["spec"]["template"]["spec"]
    }
}

/// (port, protocol) of every container port, or of every service port.
fn port_list(o: &Value) -> Vec<(String, String)> {
    let proto = |p: &Value| p["protocol"].as_str().unwrap_or("TCP").to_string();
    if o["kind"] == "Service" {
        return o["spec"]["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| (p["port"].to_string(), proto(p)))
            .collect();
    }
    pod_spec(o)["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["ports"].as_array().cloned().unwrap_or_default())
        .map(|p| (p["containerPort"].to_string(), proto(&p)))
        .collect()
}

/// `PortsForObject`: each port once, in order.
fn ports_of(o: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (port, _) in port_list(o) {
        if !out.contains(&port) {
            out.push(port);
        }
    }
    out
}

/// `MultiProtocolsForObject`: the protocols each port is served over, in order.
fn protocols_of(o: &Value) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (port, proto) in port_list(o) {
        out.entry(port).or_default().push(proto);
    }
    out
}

/// `MapBasedSelectorForObject`: the selector of a controller or Service, a pod's labels.
fn selector_of(o: &Value) -> Result<Map<String, Value>, String> {
    let map = |v: &Value| v.as_object().cloned().unwrap_or_default();
    match o["kind"].as_str().unwrap_or_default() {
        "Pod" => {
            let labels = map(&o["metadata"]["labels"]);
            if labels.is_empty() {
                return Err("the pod has no labels and cannot be exposed".into());
            }
            Ok(labels)
        }
        "Service" => o["spec"]["selector"]
            .as_object()
            .cloned()
            .ok_or_else(|| "the service has no pod selector set".to_string()),
        "ReplicationController" => Ok(map(&o["spec"]["selector"])),
        kind @ ("Deployment" | "ReplicaSet") => {
            let sel = &o["spec"]["selector"];
            let labels = map(&sel["matchLabels"]);
            let word = if kind == "Deployment" {
                "deployment"
            } else {
                "replicaset"
            };
            if labels.is_empty() {
                return Err(format!("invalid {word}: no selectors, therefore cannot be exposed"));
            }
            if sel["matchExpressions"].as_array().is_some_and(|e| !e.is_empty()) {
                return Err("couldn't convert expressions to map-based selector format".into());
            }
            Ok(labels)
        }
        other => Err(format!("cannot extract pod selector from {other}")),
    }
}

/// `k=v,k2=v2`, as expose's `parseLabels` reads `--selector` and `--labels`.
fn parse_labels(spec: &str) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    for part in spec.split(',') {
        let kv: Vec<&str> = part.split('=').collect();
        let [k, v] = kv.as_slice() else {
            return Err(format!("error: unexpected label spec: {part}"));
        };
        if k.is_empty() {
            return Err("error: unexpected empty label key".into());
        }
        out.insert(k.to_string(), json!(v));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    //! expose alone against a fake API: the Service it POSTs (or only prints) and its errors,
    //! by kubectl release where they differ (upstream: kubectl's pkg/cmd/expose/expose.go and
    //! pkg/polymorphichelpers).

    use super::*;
    use crate::tools::fake_api::FakeApi;
    use crate::tools::kubectl::LocalFile;

    fn cluster(version: &str) -> String {
        format!(
            r#"
apiVersion: kubedrill/v1
kind: Scenario
metadata: {{name: expose}}
cluster:
  kubernetesVersion: {version}
  nodes:
    - {{name: controlplane, role: control-plane}}
    - {{name: node01, role: worker}}
workloads:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: web, labels: {{app: web}}}}
    spec:
      replicas: 1
      selector: {{matchLabels: {{app: web}}}}
      template:
        metadata: {{labels: {{app: web}}}}
        spec:
          containers:
            - name: web
              image: nginx
              ports: [{{containerPort: 80}}, {{containerPort: 443}}]
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: dns}}
    spec:
      replicas: 1
      selector: {{matchLabels: {{app: dns}}}}
      template:
        metadata: {{labels: {{app: dns}}}}
        spec:
          containers:
            - name: dns
              image: coredns
              ports: [{{containerPort: 53, protocol: UDP}}, {{containerPort: 53, protocol: TCP}}]
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: quiet}}
    spec:
      replicas: 1
      selector: {{matchLabels: {{app: quiet}}}}
      template:
        metadata: {{labels: {{app: quiet}}}}
        spec: {{containers: [{{name: quiet, image: busybox}}]}}
  - apiVersion: v1
    kind: Pod
    metadata: {{name: bare}}
    spec: {{containers: [{{name: bare, image: nginx, ports: [{{containerPort: 8080}}]}}]}}
steps: []
"#
        )
    }

    fn kubectl_with(api: &mut FakeApi, line: &str, local: &Local) -> CommandOutput {
        let args: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        crate::tools::kubectl::run(api, &args, local)
    }

    fn kubectl(api: &mut FakeApi, line: &str) -> CommandOutput {
        kubectl_with(api, line, &Local::default())
    }

    fn text(out: &CommandOutput) -> String {
        out.chunks.iter().map(|c| c.text.as_str()).collect()
    }

    #[test]
    fn a_deployment_is_exposed_with_its_selector_labels_and_every_container_port() {
        let mut api = FakeApi::from_scenario(&cluster("v1.31.2"));
        let out = kubectl(&mut api, "expose deployment web");
        assert_eq!(text(&out), "service/web exposed\n");
        assert_eq!(api.writes, ["POST Service web"]);
        let svc = &api.created[0];
        assert_eq!(svc["metadata"]["namespace"], "default");
        assert_eq!(svc["metadata"]["labels"], json!({"app": "web"}));
        assert_eq!(svc["spec"]["selector"], json!({"app": "web"}));
        assert_eq!(
            svc["spec"]["ports"],
            json!([
                {"name": "port-1", "port": 80, "protocol": "TCP", "targetPort": 80},
                {"name": "port-2", "port": 443, "protocol": "TCP", "targetPort": 443}
            ])
        );
        // The client leaves the cluster IP to the API server.
        assert!(svc["spec"].get("clusterIP").is_none());
    }

    #[test]
    fn flags_override_what_the_object_says() {
        let mut api = FakeApi::from_scenario(&cluster("v1.31.2"));
        let out = kubectl(
            &mut api,
            "expose deploy/web --name=front --port=8080 --target-port=http --protocol=UDP --type=NodePort --selector=app=web,track=stable --labels=team=a --external-ip=192.168.1.5 --cluster-ip=10.96.5.5 -n default",
        );
        assert_eq!(out.status, 0, "{}", text(&out));
        let svc = &api.created[0];
        assert_eq!(svc["metadata"]["name"], "front");
        assert_eq!(svc["metadata"]["labels"], json!({"team": "a"}));
        assert_eq!(svc["spec"]["selector"], json!({"app": "web", "track": "stable"}));
        assert_eq!(
            svc["spec"]["ports"],
            json!([{"port": 8080, "protocol": "UDP", "targetPort": "http"}])
        );
        assert_eq!(svc["spec"]["type"], "NodePort");
        assert_eq!(svc["spec"]["externalIPs"], json!(["192.168.1.5"]));
        assert_eq!(svc["spec"]["clusterIP"], "10.96.5.5");
    }

    #[test]
    fn client_dry_run_prints_the_generated_service_and_writes_nothing() {
        let mut api = FakeApi::from_scenario(&cluster("v1.31.2"));
        let out = kubectl(&mut api, "expose deployment web --port=80 --dry-run=client -o yaml");
        assert!(api.writes.is_empty());
        assert_eq!(
            text(&out),
            "apiVersion: v1\nkind: Service\nmetadata:\n  creationTimestamp: null\n  labels:\n    app: web\n  name: web\nspec:\n  ports:\n  - port: 80\n    protocol: TCP\n    targetPort: 80\n  selector:\n    app: web\nstatus:\n  loadBalancer: {}\n"
        );
        let out = kubectl(&mut api, "expose deployment web --port=80 --dry-run=client");
        assert_eq!(text(&out), "service/web exposed (dry run)\n");
    }

    #[test]
    fn server_dry_run_shows_the_allocated_address_and_keeps_nothing() {
        let mut api = FakeApi::from_scenario(&cluster("v1.31.2"));
        let out = kubectl(
            &mut api,
            "expose deployment web --port=80 --type=NodePort --dry-run=server -o json",
        );
        assert!(api.writes.is_empty());
        let v: Value = serde_json::from_str(&text(&out)).unwrap();
        let ip = v["spec"]["clusterIP"].as_str().unwrap();
        assert!(ip.starts_with("10."), "{ip}");
        let np = v["spec"]["ports"][0]["nodePort"].as_i64().unwrap();
        assert!((30000..=32767).contains(&np), "{np}");
    }

    #[test]
    fn errors_are_kubectls_and_write_nothing() {
        let mut api = FakeApi::from_scenario(&cluster("v1.31.2"));
        let cases = [
            (
                "expose deployment quiet",
                "error: couldn't find port via --port flag or introspection\n",
            ),
            (
                "expose pod bare --port=80",
                "error: couldn't retrieve selectors via --selector flag or introspection: the pod has no labels and cannot be exposed\n",
            ),
            (
                "expose deployment coredns -n kube-system --name=kube-dns --port=53",
                "Error from server (AlreadyExists): services \"kube-dns\" already exists\n",
            ),
            (
                "expose deployment nothere",
                "Error from server (NotFound): deployments.apps \"nothere\" not found\n",
            ),
            (
                "expose foo web",
                "error: the server doesn't have a resource type \"foo\"\n",
            ),
            ("expose node node01 --port=80", "error: cannot expose a Node\n"),
            (
                "expose rc web --port=80",
                "Error from server (NotFound): replicationcontrollers \"web\" not found\n",
            ),
            (
                "expose deployment web --selector=app",
                "error: unexpected label spec: app\n",
            ),
            (
                "expose deployment web --session-affinity=Sticky",
                "error: unknown session affinity: Sticky\n",
            ),
        ];
        for (line, want) in cases {
            let out = kubectl(&mut api, line);
            assert_eq!(out.status, 1, "{line}");
            assert_eq!(text(&out), want, "{line}");
        }
        assert!(api.writes.is_empty(), "{:?}", api.writes);
    }

    #[test]
    fn up_to_1_23_the_introspection_errors_carry_the_usage_hint() {
        let mut api = FakeApi::from_scenario(&cluster("v1.23.17"));
        let out = kubectl(&mut api, "expose deployment quiet");
        assert_eq!(
            text(&out),
            "error: couldn't find port via --port flag or introspection\nSee 'kubectl expose -h' for help and examples\n"
        );
    }

    #[test]
    fn a_port_served_over_two_protocols_is_two_service_ports_from_1_28() {
        let mut api = FakeApi::from_scenario(&cluster("v1.31.2"));
        kubectl(&mut api, "expose deployment dns");
        assert_eq!(
            api.created[0]["spec"]["ports"],
            json!([
                {"name": "port-1-udp", "port": 53, "protocol": "UDP", "targetPort": 53},
                {"name": "port-1-tcp", "port": 53, "protocol": "TCP", "targetPort": 53}
            ])
        );
        // 1.27 kept one protocol per port, the last listed.
        let mut api = FakeApi::from_scenario(&cluster("v1.27.16"));
        kubectl(&mut api, "expose deployment dns");
        assert_eq!(
            api.created[0]["spec"]["ports"],
            json!([{"port": 53, "protocol": "TCP", "targetPort": 53}])
        );
    }

    #[test]
    fn a_file_names_the_object_and_its_fields_are_used_as_written() {
        let mut api = FakeApi::from_scenario(&cluster("v1.31.2"));
        let mut local = Local {
            cwd: "/root".into(),
            ..Default::default()
        };
        local.files.insert(
            "/root/rc.yaml".into(),
            LocalFile::Text(
                "apiVersion: v1\nkind: ReplicationController\nmetadata: {name: legacy}\nspec:\n  selector: {app: legacy}\n  template:\n    metadata: {labels: {app: legacy}}\n    spec: {containers: [{name: c, image: nginx, ports: [{containerPort: 9000}]}]}\n"
                    .into(),
            ),
        );
        let out = kubectl_with(&mut api, "expose -f rc.yaml --target-port=9001", &local);
        assert_eq!(text(&out), "service/legacy exposed\n");
        let svc = &api.created[0];
        assert_eq!(svc["spec"]["selector"], json!({"app": "legacy"}));
        assert_eq!(
            svc["spec"]["ports"],
            json!([{"port": 9000, "protocol": "TCP", "targetPort": 9001}])
        );
    }
}

#[cfg(test)]
mod run_expose_tests {
    //! `kubectl run --expose`: the pod, then a Service selecting it (kubectl's run.go).

    use crate::tools::fake_api::FakeApi;
    use crate::tools::kubectl::{Local, run};
    use serde_json::json;

    const CLUSTER: &str = "apiVersion: kubedrill/v1\nkind: Scenario\nmetadata: {name: run}\ncluster:\n  kubernetesVersion: v1.31.2\n  nodes: [{name: controlplane, role: control-plane}]\nsteps: []\n";

    fn kubectl(api: &mut FakeApi, line: &str) -> String {
        let args: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        let out = run(api, &args, &Local::default());
        out.chunks.iter().map(|c| c.text.as_str()).collect()
    }

    #[test]
    fn run_expose_creates_the_pod_then_its_service() {
        let mut api = FakeApi::from_scenario(CLUSTER);
        let printed = kubectl(&mut api, "run nginx --image=nginx --port=80 --expose");
        // As the real kubectl 1.31 printed it against `kubedrill serve`.
        assert_eq!(printed, "service/nginx created\npod/nginx created\n");
        assert_eq!(api.writes, ["POST Pod nginx", "POST Service nginx"]);
        let svc = &api.created[1];
        assert_eq!(svc["spec"]["selector"], json!({"run": "nginx"}));
        assert_eq!(
            svc["spec"]["ports"],
            json!([{"port": 80, "protocol": "TCP", "targetPort": 80}])
        );
        assert!(svc["metadata"].get("labels").is_none());
    }

    #[test]
    fn run_expose_without_a_port_is_refused_before_anything_is_made() {
        let mut api = FakeApi::from_scenario(CLUSTER);
        let printed = kubectl(&mut api, "run nginx --image=nginx --expose");
        assert_eq!(printed, "error: --port must be set when exposing a service\n");
        assert!(api.writes.is_empty());
    }
}
