//! Workloads for benchmarks: a cluster at Kubernetes' documented scalability limits, and the
//! maintenance sweep measured on it. Shared by `benches/maintenance.rs` and `kubedrill bench`.

use kubedrill_sim::Sim;
use kubedrill_sim::scenario::Scenario;

/// Pods kubeadm's defaults add: 4 static pods per control plane, one kube-proxy per node and
/// 2 CoreDNS replicas.
pub fn system_pods(control_planes: u32, workers: u32) -> u32 {
    4 * control_planes + control_planes + workers + 2
}

/// A scenario with 3 control planes, `workers` workers and `total_pods` pods in all: the
/// system pods plus one Deployment per 1,000 workers (each with a PodDisruptionBudget of
/// maxUnavailable 10%) taking the rest.
pub fn large_cluster_yaml(workers: u32, total_pods: u32) -> String {
    let cps = 3;
    let user = total_pods.saturating_sub(system_pods(cps, workers));
    let deployments = workers.div_ceil(1000).max(1);
    let mut yaml = format!(
        "apiVersion: kubedrill/v1\nkind: Scenario\nmetadata: {{name: large-cluster}}\ncluster:\n  kubernetesVersion: v1.31.2\n  nodes:\n    - {{name: cp1, role: control-plane}}\n    - {{name: cp2, role: control-plane}}\n    - {{name: cp3, role: control-plane}}\n  pools:\n    - {{count: {workers}, role: worker, namePrefix: node, cpu: \"32\", memory: 128Gi}}\nworkloads:\n"
    );
    for d in 0..deployments {
        let replicas = user / deployments + u32::from(d < user % deployments);
        yaml.push_str(&format!(
            "  - apiVersion: apps/v1\n    kind: Deployment\n    metadata: {{name: app{d}, namespace: default}}\n    spec:\n      replicas: {replicas}\n      selector: {{matchLabels: {{app: app{d}}}}}\n      template:\n        metadata: {{labels: {{app: app{d}}}}}\n        spec:\n          containers: [{{name: app, image: nginx:1.27, resources: {{requests: {{cpu: 100m, memory: 128Mi}}}}}}]\n  - apiVersion: policy/v1\n    kind: PodDisruptionBudget\n    metadata: {{name: app{d}, namespace: default}}\n    spec:\n      maxUnavailable: 10%\n      selector: {{matchLabels: {{app: app{d}}}}}\n"
        ));
    }
    yaml
}

pub fn large_cluster(workers: u32, total_pods: u32) -> anyhow::Result<(Scenario, Sim)> {
    let scenario = crate::scenario_file::load_str(&large_cluster_yaml(workers, total_pods), "<large-cluster>")?;
    let sim = Sim::new(&scenario.cluster, &scenario.workloads, kubedrill_sim::Seed(1))?;
    Ok((scenario, sim))
}

/// Cordons, drains and uncordons every worker in turn, exactly as typed at the first control
/// plane. Returns how many commands ran.
pub fn drain_every_worker(sim: &mut Sim, workers: u32) -> anyhow::Result<u32> {
    let width = workers.to_string().len().max(2);
    let mut commands = 0;
    for i in 1..=workers {
        let node = format!("node{i:0width$}");
        for line in [
            format!("kubectl cordon {node}"),
            format!("kubectl drain {node} --ignore-daemonsets"),
            format!("kubectl uncordon {node}"),
        ] {
            let out = sim.run_line("cp1", &line);
            commands += 1;
            anyhow::ensure!(
                out.status == 0,
                "`{line}` failed with status {}: {}",
                out.status,
                out.text()
            );
        }
    }
    Ok(commands)
}

/// Peak resident memory of this process (Linux `VmHWM`), in KiB.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
