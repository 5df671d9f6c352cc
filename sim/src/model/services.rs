//! What the API server does to a Service it is asked to create: validates the fields a client
//! may get wrong (type, ports, cluster IP, external IPs), fills in its defaults, and allocates
//! the cluster IP from the service CIDR and node ports from the node-port range.
//!
//! The real allocators draw at random; these draw from a hash of the Service's namespace and
//! name, probing upward past taken addresses, so a run is the same every time and a new Service
//! never moves another one's address.

use super::cluster::Cluster;
use super::core_objects::{stable_hash, stored};
use super::objects::{ApiObject, ResourceKind};
use crate::gotext::go_quote;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

/// kubeadm's default `networking.serviceSubnet`.
pub const SERVICE_CIDR: &str = "10.96.0.0/12";
const SERVICE_BASE: u32 = 0x0A60_0000;
const SERVICE_BITS: u32 = 12;
/// The API server's default `--service-node-port-range`.
pub const NODE_PORTS: (i64, i64) = (30000, 32767);

const TYPES: [&str; 4] = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];

/// The addresses of the service CIDR that may be handed out (not the network or broadcast).
fn usable() -> (u32, u32) {
    let size = 1u32 << (32 - SERVICE_BITS);
    (SERVICE_BASE + 1, SERVICE_BASE + size - 2)
}

fn in_range(ip: Ipv4Addr) -> bool {
    let (lo, hi) = usable();
    (lo..=hi).contains(&u32::from(ip))
}

/// The cluster IPs and node ports the cluster's Services hold.
fn taken(c: &Cluster) -> (BTreeSet<String>, BTreeSet<i64>) {
    let (mut ips, mut ports) = (BTreeSet::new(), BTreeSet::new());
    for o in stored(c, ResourceKind::Services) {
        let ApiObject::Service(s) = o else { continue };
        let spec = s.spec.unwrap_or_default();
        ips.extend(spec.cluster_ip.filter(|ip| ip != "None" && !ip.is_empty()));
        ports.extend(spec.ports.iter().flatten().filter_map(|p| p.node_port).map(i64::from));
    }
    (ips, ports)
}

/// A free cluster IP for `ns/name`. Dynamic allocation keeps to the upper part of the range
/// (the lower 256 addresses are left for Services that ask for one, as kube-apiserver has done
/// since 1.25), which also steers clear of kubeadm's 10.96.0.1 and 10.96.0.10.
fn allocate_ip(key: &str, taken: &BTreeSet<String>) -> Option<String> {
    let (lo, hi) = usable();
    let lo = lo + 255;
    let span = u64::from(hi - lo + 1);
    let start = stable_hash(key) % span;
    (0..span)
        .map(|k| lo + ((start + k) % span) as u32)
        .map(|ip| Ipv4Addr::from(ip).to_string())
        .find(|ip| !taken.contains(ip))
}

/// A free node port: the upper band of 30000-32767 first (the lower 86 are for ports asked
/// for, kube-apiserver's static subrange from 1.27), then any.
fn allocate_node_port(key: &str, taken: &BTreeSet<i64>) -> Option<i64> {
    let (lo, hi) = NODE_PORTS;
    let band = lo + 86;
    let span = (hi - band + 1) as u64;
    let start = stable_hash(key) % span;
    (0..span)
        .map(|k| band + ((start + k) % span) as i64)
        .chain(lo..band)
        .find(|p| !taken.contains(p))
}

/// Validates a Service as created and fills in what the API server fills in. The errors are
/// the API server's field errors (`spec.type: Unsupported value: …`).
pub fn admit(c: &Cluster, svc: &mut Value) -> Result<(), Vec<String>> {
    let minor = c.version.minor;
    let ns = svc
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("default")
        .to_string();
    let name = svc
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if let Some(why) = dns1035_label(&name) {
        return Err(vec![format!(
            "metadata.name: Invalid value: {}: {why}",
            go_quote(&name)
        )]);
    }
    let key = format!("{ns}/{name}");
    if !svc.get("spec").is_some_and(Value::is_object) {
        svc["spec"] = json!({});
    }
    let spec = svc["spec"].as_object_mut().expect("spec is an object");
    let ty = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP")
        .to_string();
    spec.insert("type".into(), json!(ty));
    validate(spec, &ty)?;
    let (ips, node_ports) = taken(c);
    let asked_ip = spec
        .get("clusterIP")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let headless = asked_ip == "None";
    if ty != "ExternalName" {
        let ip = if headless {
            asked_ip
        } else if asked_ip.is_empty() {
            allocate_ip(&key, &ips).ok_or_else(|| {
                vec!["spec.clusterIPs: Internal error: failed to allocate a serviceIP: range is full".to_string()]
            })?
        } else {
            check_asked_ip(&asked_ip, &ips)?;
            asked_ip
        };
        spec.insert("clusterIP".into(), json!(ip));
        if minor >= 20 {
            spec.insert("clusterIPs".into(), json!([ip]));
            spec.insert("ipFamilies".into(), json!(["IPv4"]));
            spec.insert("ipFamilyPolicy".into(), json!("SingleStack"));
        }
        if minor >= 22 {
            spec.insert("internalTrafficPolicy".into(), json!("Cluster"));
        }
    }
    let affinity = spec
        .get("sessionAffinity")
        .and_then(Value::as_str)
        .unwrap_or("None")
        .to_string();
    spec.insert("sessionAffinity".into(), json!(affinity));
    if affinity == "ClientIP" && !spec.contains_key("sessionAffinityConfig") {
        spec.insert(
            "sessionAffinityConfig".into(),
            json!({"clientIP": {"timeoutSeconds": 10800}}),
        );
    }
    let external = ty == "NodePort" || ty == "LoadBalancer";
    if external {
        spec.entry("externalTrafficPolicy").or_insert(json!("Cluster"));
        if ty == "LoadBalancer" && minor >= 22 {
            spec.entry("allocateLoadBalancerNodePorts").or_insert(json!(true));
        }
    }
    default_ports(spec, external, &key, node_ports)?;
    svc["status"] = json!({"loadBalancer": {}});
    Ok(())
}

/// Each port's protocol and target port, and a node port for NodePort and LoadBalancer
/// Services.
fn default_ports(
    spec: &mut serde_json::Map<String, Value>,
    external: bool,
    key: &str,
    mut node_ports: BTreeSet<i64>,
) -> Result<(), Vec<String>> {
    let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) else {
        return Ok(());
    };
    for (i, p) in ports.iter_mut().enumerate() {
        let Some(p) = p.as_object_mut() else { continue };
        p.entry("protocol").or_insert(json!("TCP"));
        let port = p.get("port").cloned().unwrap_or(json!(0));
        p.entry("targetPort").or_insert(port);
        if !external {
            continue;
        }
        match p.get("nodePort").and_then(Value::as_i64) {
            Some(n) if node_ports.contains(&n) => {
                return Err(vec![format!(
                    "spec.ports[{i}].nodePort: Invalid value: {n}: provided port is already allocated"
                )]);
            }
            Some(n) if !(NODE_PORTS.0..=NODE_PORTS.1).contains(&n) => {
                return Err(vec![format!(
                    "spec.ports[{i}].nodePort: Invalid value: {n}: provided port is not in the valid range. The range of valid ports is {}-{}",
                    NODE_PORTS.0, NODE_PORTS.1
                )]);
            }
            Some(n) => {
                node_ports.insert(n);
            }
            None => {
                let n = allocate_node_port(&format!("{key}#{i}"), &node_ports).ok_or_else(|| {
                    vec![format!(
                        "spec.ports[{i}].nodePort: Internal error: failed to allocate a nodePort: range is full"
                    )]
                })?;
                node_ports.insert(n);
                p.insert("nodePort".into(), json!(n));
            }
        }
    }
    Ok(())
}

/// A Service's name is a DNS-1035 label (it becomes a DNS name): `None` when it is one.
fn dns1035_label(name: &str) -> Option<String> {
    let b = name.as_bytes();
    let ok = b.first().is_some_and(u8::is_ascii_lowercase)
        && b.last().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-');
    if name.len() > 63 {
        return Some("must be no more than 63 characters".into());
    }
    (!ok).then(|| "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')".to_string())
}

/// The API server's validation of the fields a Service's author sets.
fn validate(spec: &serde_json::Map<String, Value>, ty: &str) -> Result<(), Vec<String>> {
    let mut errs = Vec::new();
    if !TYPES.contains(&ty) {
        let supported: Vec<String> = TYPES.iter().map(|t| go_quote(t)).collect();
        errs.push(format!(
            "spec.type: Unsupported value: {}: supported values: {}",
            go_quote(ty),
            supported.join(", ")
        ));
    }
    let ip = spec.get("clusterIP").and_then(Value::as_str).unwrap_or_default();
    let ports = spec.get("ports").and_then(Value::as_array).map_or(0, Vec::len);
    if ty == "ExternalName" {
        if !ip.is_empty() {
            errs.push(format!(
                "spec.clusterIPs: Invalid value: []string{{{}}}: may not be set for ExternalName services",
                go_quote(ip)
            ));
        }
        if spec
            .get("externalName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .is_empty()
        {
            errs.push("spec.externalName: Required value".into());
        }
    } else if ip != "None" && ports == 0 {
        errs.push("spec.ports: Required value".into());
    }
    if ty != "ExternalName" && ip != "None" && !ip.is_empty() && ip.parse::<Ipv4Addr>().is_err() {
        errs.push(format!(
            "spec.clusterIPs[0]: Invalid value: {}: must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
            go_quote(ip)
        ));
    }
    for (i, p) in spec
        .get("ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
        if !(1..=65535).contains(&port) {
            errs.push(format!(
                "spec.ports[{i}].port: Invalid value: {port}: must be between 1 and 65535, inclusive"
            ));
        }
        let proto = p.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
        if !["SCTP", "TCP", "UDP"].contains(&proto) {
            errs.push(format!(
                "spec.ports[{i}].protocol: Unsupported value: {}: supported values: \"SCTP\", \"TCP\", \"UDP\"",
                go_quote(proto)
            ));
        }
    }
    for (i, e) in spec
        .get("externalIPs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let e = e.as_str().unwrap_or_default();
        if e.parse::<Ipv4Addr>().is_err() {
            errs.push(format!(
                "spec.externalIPs[{i}]: Invalid value: {}: must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                go_quote(e)
            ));
        }
    }
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}

/// A cluster IP the client asked for: inside the service CIDR and free.
fn check_asked_ip(ip: &str, taken: &BTreeSet<String>) -> Result<(), Vec<String>> {
    let field = format!("spec.clusterIPs: Invalid value: []string{{{}}}", go_quote(ip));
    let parsed: Ipv4Addr = ip.parse().map_err(|_| vec![format!("{field}: not an IP")])?;
    if !in_range(parsed) {
        return Err(vec![format!(
            "{field}: failed to allocate IP {ip}: the provided IP ({ip}) is not in the valid range. The range of valid IPs is {SERVICE_CIDR}"
        )]);
    }
    if taken.contains(ip) {
        return Err(vec![format!(
            "{field}: failed to allocate IP {ip}: provided IP is already allocated"
        )]);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_is_deterministic_in_range_and_skips_taken_addresses() {
        let none = BTreeSet::new();
        let a = allocate_ip("default/web", &none).unwrap();
        assert_eq!(a, allocate_ip("default/web", &none).unwrap());
        let ip: Ipv4Addr = a.parse().unwrap();
        assert!(in_range(ip), "{a}");
        assert!(u32::from(ip) >= SERVICE_BASE + 256, "{a} is in the static band");
        let taken: BTreeSet<String> = [a.clone()].into();
        let b = allocate_ip("default/web", &taken).unwrap();
        assert_ne!(a, b);
        assert_eq!(u32::from(b.parse::<Ipv4Addr>().unwrap()), u32::from(ip) + 1);
        let p = allocate_node_port("default/web#0", &BTreeSet::new()).unwrap();
        assert!((30086..=32767).contains(&p), "{p}");
    }

    #[test]
    fn a_service_name_must_be_a_dns_1035_label() {
        assert_eq!(dns1035_label("web-1"), None);
        assert!(dns1035_label("1web").unwrap().contains("DNS-1035"));
        assert!(dns1035_label("my.app").unwrap().contains("DNS-1035"));
        assert!(dns1035_label(&"a".repeat(64)).is_some());
    }

    #[test]
    fn asked_addresses_are_checked_against_the_range_and_the_taken_set() {
        let taken: BTreeSet<String> = ["10.96.0.10".to_string()].into();
        let err = check_asked_ip("10.96.0.10", &taken).unwrap_err();
        assert!(err[0].ends_with("provided IP is already allocated"), "{err:?}");
        let err = check_asked_ip("192.168.0.5", &taken).unwrap_err();
        assert!(err[0].contains("The range of valid IPs is 10.96.0.0/12"), "{err:?}");
        assert!(check_asked_ip("10.100.0.5", &taken).is_ok());
    }
}
