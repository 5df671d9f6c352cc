//! The cluster generator: one cluster per seed from the benchmark file's `spec.cluster`, the
//! same for every strategy run on that seed. It writes an ordinary scenario (control planes,
//! worker pools, Deployments with their PodDisruptionBudgets) and keeps what the metrics need
//! to know about it: each workload's replicas and availability floor, each pool's nodes.

use super::file::{ClusterGen, Dist, DurationDist, PdbMix, Spec};
use kubedrill_sim::rng::{Seed, SimRng};
use kubedrill_sim::scenario::{NodeSpec, Scenario};
use kubedrill_sim::time::SimDuration;
use std::fmt::Write as _;

/// What the seeded draws of a benchmark file give for one seed.
#[derive(Clone, Debug)]
pub struct Generated {
    pub seed: u64,
    pub version: String,
    pub scenario: Scenario,
    pub control_planes: Vec<String>,
    pub pools: Vec<Pool>,
    pub workloads: Vec<Workload>,
    /// `capacityShortage`: how many machines beyond the starting nodes the cloud can give at
    /// once for this seed; `None`: as many as asked for.
    pub extra_machines: Option<u32>,
}

#[derive(Clone, Debug)]
pub struct Pool {
    pub name: String,
    pub nodes: Vec<String>,
    /// The machine a replacement for one of its nodes gets (surge, blue-green).
    pub machine: NodeSpec,
}

/// A generated Deployment in namespace `default`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workload {
    /// `w0001`, …: no dashes, so a pod's workload is its name up to the first `-`.
    pub name: String,
    pub replicas: u32,
    /// Its budget: `none`, `maxUnavailable: 1`, `maxUnavailable: 10%`, `minAvailable: 1`,
    /// `minAvailable: N`.
    pub pdb: &'static str,
    /// Ready replicas below which the workload counts as unavailable: the budget's desired
    /// healthy, or 1 (the service answers at all) without a budget.
    pub floor: u32,
    pub stop_seconds: u64,
}

/// A seeded stream of draws for one purpose (the cluster, the faults, the incidents), so
/// adding draws to one never shifts another.
pub fn rng(seed: u64, purpose: u64) -> SimRng {
    SimRng::new(Seed(seed ^ purpose.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
}

/// A uniform draw in `[0, 1)`.
pub fn unit(rng: &mut SimRng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

pub fn draw(d: &Dist, rng: &mut SimRng) -> u64 {
    match d {
        Dist::Fixed(v) => *v,
        Dist::Uniform { uniform: [a, b] } => a + rng.below(b - a + 1),
        Dist::Choice { choice } => choice[rng.below(choice.len() as u64) as usize],
        Dist::Weights { weights } => {
            let total: f64 = weights.values().sum();
            let mut x = unit(rng) * total;
            for (v, w) in weights {
                if x < *w {
                    return *v;
                }
                x -= w;
            }
            weights.keys().next_back().copied().unwrap_or(0)
        }
    }
}

pub fn draw_duration(d: &DurationDist, rng: &mut SimRng) -> SimDuration {
    match d {
        DurationDist::Fixed(v) => v.0,
        DurationDist::Uniform { uniform: [a, b] } => {
            let (a, b) = (a.0.ms().min(b.0.ms()), a.0.ms().max(b.0.ms()));
            // Whole seconds: the figures stay readable.
            let (a, b) = (a / 1000, b / 1000);
            SimDuration::from_secs(a + rng.below(b - a + 1))
        }
        DurationDist::Choice { choice } => choice[rng.below(choice.len() as u64) as usize].0,
    }
}

const PURPOSE_CLUSTER: u64 = 1;

/// The cluster of `seed`.
pub fn generate(spec: &Spec, seed: u64) -> anyhow::Result<Generated> {
    let c = &spec.cluster;
    let mut rng = rng(seed, PURPOSE_CLUSTER);
    let cps = draw(&c.control_planes, &mut rng) as usize;
    let control_planes: Vec<String> = (1..=cps).map(|i| format!("cp{i}")).collect();
    let pools: Vec<Pool> = c
        .pools
        .iter()
        .map(|p| {
            let count = draw(&p.nodes, &mut rng).max(1) as u32;
            let width = count.to_string().len().max(2);
            let machine = NodeSpec {
                name: None,
                count: None,
                name_prefix: None,
                role: kubedrill_sim::model::Role::Worker,
                cpu: Some(p.cpu.to_string()),
                memory: Some(format!("{}Gi", p.memory_gi)),
                pods: Some(p.max_pods),
                labels: [("pool".to_string(), p.name.clone())].into_iter().collect(),
                taints: Vec::new(),
                os_image: None,
                kernel_version: None,
                kubelet_version: None,
            };
            Pool {
                name: p.name.clone(),
                nodes: (1..=count).map(|k| format!("{}-{k:0width$}", p.name)).collect(),
                machine,
            }
        })
        .collect();
    let workloads = workloads(c, spec, &mut rng);
    let yaml = scenario_yaml(c, &control_planes, &pools, &workloads);
    let scenario = crate::scenario_file::load_str(&yaml, "<generated cluster>")
        .map_err(|e| anyhow::anyhow!("the generated cluster of seed {seed}: {e}"))?;
    Ok(Generated {
        seed,
        version: c.kubernetes_version.clone(),
        scenario,
        control_planes,
        pools,
        workloads,
        extra_machines: extra_machines(spec, seed),
    })
}

/// The seed's capacity shortage, drawn from a stream of its own (the cluster drawn for a
/// seed stays the same with or without the key).
fn extra_machines(spec: &Spec, seed: u64) -> Option<u32> {
    let c = spec.faults.capacity_shortage.as_ref()?;
    let mut rng = rng(seed, PURPOSE_CAPACITY);
    let short = unit(&mut rng) < c.p;
    short.then(|| u32::try_from(draw(&c.surge_available, &mut rng)).unwrap_or(u32::MAX))
}

const PURPOSE_CAPACITY: u64 = 5;

fn workloads(c: &ClusterGen, spec: &Spec, rng: &mut SimRng) -> Vec<Workload> {
    let w = &c.workloads;
    let count = draw(&w.count, rng);
    let slow = spec.faults.slow_termination.as_ref();
    (1..=count)
        .map(|i| {
            let replicas = draw(&w.replicas, rng).max(1) as u32;
            let (pdb, floor) = pdb_kind(&w.pdb, replicas, rng);
            let mut stop_seconds = draw(&w.stop_seconds, rng);
            if let Some(s) = slow
                && unit(rng) < s.p
            {
                stop_seconds = s.stop_seconds;
            }
            Workload {
                name: format!("w{i:04}"),
                replicas,
                pdb,
                floor,
                stop_seconds,
            }
        })
        .collect()
}

/// A budget kind drawn from the mix, and the floor it gives for `replicas`.
fn pdb_kind(mix: &PdbMix, replicas: u32, rng: &mut SimRng) -> (&'static str, u32) {
    let kinds = [
        (mix.none, "none"),
        (mix.max_unavailable1, "maxUnavailable: 1"),
        (mix.max_unavailable10pct, "maxUnavailable: 10%"),
        (mix.min_available1, "minAvailable: 1"),
        (mix.min_available_all, "minAvailable: all"),
    ];
    let total: f64 = kinds.iter().map(|k| k.0).sum();
    let mut x = unit(rng) * total;
    let mut kind = "none";
    for (w, k) in kinds {
        if x < w {
            kind = k;
            break;
        }
        x -= w;
    }
    let floor = match kind {
        "maxUnavailable: 1" => replicas.saturating_sub(1),
        // The disruption controller rounds a percentage of maxUnavailable up.
        "maxUnavailable: 10%" => replicas - replicas.div_ceil(10),
        "minAvailable: 1" => 1,
        "minAvailable: all" => replicas,
        _ => 1,
    };
    (kind, floor)
}

fn scenario_yaml(c: &ClusterGen, cps: &[String], pools: &[Pool], workloads: &[Workload]) -> String {
    let mut y = format!(
        "apiVersion: kubedrill/v1\nkind: Scenario\nmetadata: {{name: generated}}\ncluster:\n  kubernetesVersion: {}\n  nodes:\n",
        c.kubernetes_version
    );
    for cp in cps {
        let _ = writeln!(y, "    - {{name: {cp}, role: control-plane}}");
    }
    y.push_str("  pools:\n");
    for (p, gen_) in pools.iter().zip(&c.pools) {
        let _ = writeln!(
            y,
            "    - {{count: {}, role: worker, namePrefix: {}-, cpu: \"{}\", memory: {}Gi, pods: {}, labels: {{pool: {}}}}}",
            p.nodes.len(),
            p.name,
            gen_.cpu,
            gen_.memory_gi,
            gen_.max_pods,
            p.name
        );
    }
    y.push_str("workloads:\n");
    let w = &c.workloads;
    for wl in workloads {
        let grace = wl.stop_seconds.max(30);
        let _ = write!(
            y,
            "  - apiVersion: apps/v1\n    kind: Deployment\n    metadata: {{name: {n}, namespace: default}}\n    spec:\n      replicas: {r}\n      selector: {{matchLabels: {{app: {n}}}}}\n      template:\n        metadata:\n          labels: {{app: {n}}}\n          annotations: {{kubedrill.io/stop-seconds: \"{stop}\", kubedrill.io/start-seconds: \"{start}\"}}\n        spec:\n          terminationGracePeriodSeconds: {grace}\n          containers: [{{name: app, image: nginx:1.27, resources: {{requests: {{cpu: {cpu}m, memory: {mem}Mi}}}}}}]\n",
            n = wl.name,
            r = wl.replicas,
            stop = wl.stop_seconds,
            start = draw_start(w),
            cpu = w.cpu_milli,
            mem = w.memory_mi,
        );
        let budget = match wl.pdb {
            "none" => continue,
            "minAvailable: all" => format!("minAvailable: {}", wl.replicas),
            other => other.replace("10%", "\"10%\""),
        };
        let _ = write!(
            y,
            "  - apiVersion: policy/v1\n    kind: PodDisruptionBudget\n    metadata: {{name: {n}, namespace: default}}\n    spec:\n      {budget}\n      selector: {{matchLabels: {{app: {n}}}}}\n",
            n = wl.name
        );
    }
    y
}

/// Start seconds are the same for every workload of a file (a constant, or the distribution's
/// largest value), so a seed's cluster does not depend on how many start draws there were.
fn draw_start(w: &super::file::WorkloadGen) -> u64 {
    w.start_seconds.max()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> Spec {
        super::super::file::load_str(text, "t.yaml").expect("loads").spec
    }

    const FILE: &str = "apiVersion: kubedrill/v1
kind: StrategyBenchmark
metadata: {name: g}
spec:
  seeds: {from: 1, count: 1}
  cluster:
    controlPlanes: {choice: [1, 3]}
    pools: [{name: general, nodes: {uniform: [3, 6]}, cpu: 8}, {name: edge, nodes: 2}]
    workloads:
      count: {uniform: [2, 5]}
      replicas: {weights: {1: 1, 4: 2}}
      pdb: {none: 1, maxUnavailable1: 1, minAvailableAll: 1}
  drain: {strategies: [{name: serial}]}
";

    #[test]
    fn the_same_seed_gives_the_same_cluster_and_others_differ() {
        let s = spec(FILE);
        let a = generate(&s, 7).expect("a");
        let b = generate(&s, 7).expect("b");
        assert_eq!(a.workloads, b.workloads);
        assert_eq!(a.pools[0].nodes, b.pools[0].nodes);
        let differs = (8..20).any(|seed| {
            let c = generate(&s, seed).expect("c");
            c.workloads != a.workloads || c.pools[0].nodes != a.pools[0].nodes
        });
        assert!(differs, "other seeds draw other clusters");
    }

    #[test]
    fn the_scenario_builds_with_pools_labels_and_budgets() {
        let s = spec(FILE);
        let g = generate(&s, 3).expect("generated");
        let sim = kubedrill_sim::runner::prepare(&g.scenario, Seed(3)).expect("builds");
        let c = sim.cluster();
        let workers: usize = g.pools.iter().map(|p| p.nodes.len()).sum();
        assert_eq!(c.node_count(), workers + g.control_planes.len());
        let first = c.node_id(&g.pools[1].nodes[0]).expect("edge node");
        assert_eq!(c.node(first).labels.get("pool").map(String::as_str), Some("edge"));
        assert_eq!(
            c.pdb_ids().len(),
            g.workloads.iter().filter(|w| w.pdb != "none").count()
        );
        for w in &g.workloads {
            assert!(w.floor <= w.replicas);
            if w.pdb == "minAvailable: all" {
                assert_eq!(w.floor, w.replicas);
            }
        }
    }
}
