//! kubeadm alone, through the node seam: a fake API ([`FakeApi`]) records what kubeadm asks of
//! the cluster and the machine, with no engine, kubelet or controller behind it.

use super::cmd::run;
use crate::model::packages::debver::{DebVersion, PackageEra};
use crate::model::packages::{KubePackage, repo::latest_release};
use crate::release::version::KubeVersion;
use crate::tools::fake_api::FakeApi;

fn cluster(version: &str) -> String {
    format!(
        r#"
apiVersion: kubedrill/v1
kind: Scenario
metadata: {{name: kubeadm-seam}}
cluster:
  kubernetesVersion: {version}
  nodes:
    - {{name: cp-1, role: control-plane}}
    - {{name: worker-1, role: worker}}
"#
    )
}

/// A v1.30 cluster whose first control plane has the newest 1.31 kubeadm installed.
fn with_new_kubeadm() -> (FakeApi, KubeVersion) {
    let mut api = FakeApi::from_scenario(&cluster("v1.30.5"));
    let target = latest_release(31).expect("1.31 in the catalogue");
    let node = api.node;
    api.cluster.node_mut(node).packages.set_installed(
        KubePackage::Kubeadm,
        Some(DebVersion::for_kube(&target, PackageEra::Community)),
    );
    (api, target)
}

fn kubeadm(api: &mut FakeApi, line: &str) -> crate::shell::CommandOutput {
    let args: Vec<String> = line.split_whitespace().map(str::to_string).collect();
    run(api, &args, "").expect("kubeadm is installed")
}

#[test]
fn apply_replaces_the_control_plane_static_pods_in_order() {
    let (mut api, target) = with_new_kubeadm();
    let out = kubeadm(&mut api, &format!("upgrade apply {target} -y"));
    assert_eq!(out.status, 0, "{}", out.text());
    let pods: Vec<&str> = api
        .writes
        .iter()
        .filter(|w| w.starts_with("STATIC-POD"))
        .map(String::as_str)
        .collect();
    let t = target.to_string();
    let tail = [
        format!("STATIC-POD kube-apiserver {t}"),
        format!("STATIC-POD kube-controller-manager {t}"),
        format!("STATIC-POD kube-scheduler {t}"),
    ];
    assert!(pods.ends_with(&tail.each_ref().map(String::as_str)), "{pods:?}");
    // etcd, when kubeadm moves it, goes first.
    assert!(
        pods.iter()
            .take(pods.len() - 3)
            .all(|w| w.starts_with("STATIC-POD etcd ")),
        "{pods:?}"
    );
    assert!(api.writes.contains(&format!("SET-VERSION {t}")), "{:?}", api.writes);
    assert!(
        out.text()
            .contains(&format!("SUCCESS! Your cluster was upgraded to \"{t}\"")),
        "{}",
        out.text()
    );
}

#[test]
fn apply_stops_at_the_first_static_pod_that_does_not_come_back() {
    let (mut api, target) = with_new_kubeadm();
    api.static_pods_come_back = false;
    let out = kubeadm(&mut api, &format!("upgrade apply {target} -y"));
    assert_ne!(out.status, 0, "{}", out.text());
    // kubeadm 1.31 first restarts etcd for its renewed certificates; when that pod does not
    // come back it stops there.
    let touched = api
        .writes
        .iter()
        .filter(|w| w.starts_with("STATIC-POD") || w.starts_with("RESTART"))
        .count();
    assert_eq!(touched, 1, "kubeadm went on after a failed component: {:?}", api.writes);
    assert!(
        !api.writes.iter().any(|w| w.starts_with("SET-VERSION")),
        "{:?}",
        api.writes
    );
}

#[test]
fn apply_refuses_a_version_past_its_own_and_changes_nothing() {
    let mut api = FakeApi::from_scenario(&cluster("v1.30.5"));
    let target = latest_release(31).expect("1.31 in the catalogue");
    let out = kubeadm(&mut api, &format!("upgrade apply {target} -y"));
    assert_ne!(out.status, 0, "{}", out.text());
    assert!(api.writes.is_empty(), "{:?}", api.writes);
}

/// A worker's `upgrade node` writes the kubelet configuration of the cluster's version (read
/// from the kubeadm ClusterConfiguration), whatever kubeadm package the worker has.
#[test]
fn upgrade_node_on_a_worker_writes_the_kubelet_files_only() {
    let (mut api, _) = with_new_kubeadm();
    let worker = api.cluster.node_id("worker-1").expect("a worker");
    let kubeadm_version = api
        .cluster
        .node(api.node)
        .packages
        .installed(KubePackage::Kubeadm)
        .cloned();
    api.cluster
        .node_mut(worker)
        .packages
        .set_installed(KubePackage::Kubeadm, kubeadm_version);
    api.node = worker;
    let out = kubeadm(&mut api, "upgrade node");
    assert_eq!(out.status, 0, "{}", out.text());
    assert_eq!(api.writes, ["KUBELET-FILES v1.30.5"]);
}

#[test]
fn upgrade_points_the_kubelet_at_its_own_api_server_only_from_1_33_and_never_back() {
    // kubeadm's upgrade/kubeconfig phase follows the ControlPlaneKubeletLocalMode gate, on by
    // default from 1.33; with the gate off (1.31, 1.32) it leaves the kubeconfig as it is, so
    // a control plane that joined with the gate on keeps it.
    for (from, to, writes) in [(30, 31, false), (31, 32, false), (32, 33, true), (33, 34, true)] {
        let mut api = FakeApi::from_scenario(&cluster(&format!("v1.{from}.5")));
        let target = latest_release(to).expect("in the catalogue");
        let node = api.node;
        api.cluster.node_mut(node).packages.set_installed(
            KubePackage::Kubeadm,
            Some(DebVersion::for_kube(&target, PackageEra::Community)),
        );
        let out = kubeadm(&mut api, &format!("upgrade apply {target} -y"));
        assert_eq!(out.status, 0, "{}", out.text());
        let local: Vec<&String> = api
            .writes
            .iter()
            .filter(|w| w.starts_with("KUBELET-LOCAL-API"))
            .collect();
        let want = if writes { vec!["KUBELET-LOCAL-API true"] } else { vec![] };
        assert_eq!(local, want, "v1.{from} -> v1.{to}");
    }
}
