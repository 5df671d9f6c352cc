//! Workloads for benchmarks: a cluster at Kubernetes' documented scalability limits, and the
//! maintenance sweep measured on it. Shared by `benches/maintenance.rs` and `kubedrill bench`.

pub mod bare_loop;
pub mod ctl;
pub mod drain;
pub mod faults;
pub mod file;
pub mod generate;
pub mod job;
pub mod metrics;
pub mod plots;
pub mod report;
pub mod restore;
pub mod run;
pub mod shard;
pub mod strategies;
pub mod upgrade;

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
    large_cluster_yaml_at(workers, total_pods, "v1.31.2")
}

/// [`large_cluster_yaml`] at another Kubernetes version.
pub fn large_cluster_yaml_at(workers: u32, total_pods: u32, version: &str) -> String {
    let cps = 3;
    let user = total_pods.saturating_sub(system_pods(cps, workers));
    let deployments = workers.div_ceil(1000).max(1);
    let mut yaml = format!(
        "apiVersion: kubedrill/v1\nkind: Scenario\nmetadata: {{name: large-cluster}}\ncluster:\n  kubernetesVersion: {version}\n  nodes:\n    - {{name: cp1, role: control-plane}}\n    - {{name: cp2, role: control-plane}}\n    - {{name: cp3, role: control-plane}}\n  pools:\n    - {{count: {workers}, role: worker, namePrefix: node, cpu: \"32\", memory: 128Gi}}\nworkloads:\n"
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

/// The 5,000-node cluster one minor below the rolling upgrade's target.
pub fn large_cluster_for_upgrade(workers: u32, total_pods: u32) -> anyhow::Result<(Scenario, Sim)> {
    let yaml = large_cluster_yaml_at(workers, total_pods, UPGRADE_FROM);
    let scenario = crate::scenario_file::load_str(&yaml, "<large-cluster>")?;
    let sim = Sim::new(&scenario.cluster, &scenario.workloads, kubedrill_sim::Seed(1))?;
    Ok((scenario, sim))
}

pub const UPGRADE_FROM: &str = "v1.30.6";
pub const UPGRADE_TO: &str = "v1.31.2";

/// A full minor rolling upgrade, every command typed as the kubeadm upgrade page says: the
/// package source switched and kubeadm upgraded on each control plane, `kubeadm upgrade apply`
/// on the first (etcd, API server, controller-manager, scheduler, addons), `kubeadm upgrade
/// node` on the others, then every node in turn (control planes first) drained, its kubelet
/// package upgraded and restarted, and uncordoned. Returns how many commands ran.
pub fn rolling_upgrade(sim: &mut Sim, workers: u32) -> anyhow::Result<u32> {
    let width = workers.to_string().len().max(2);
    let pkg = "1.31.2-1.1";
    let mut commands = 0;
    let mut run = |sim: &mut Sim, host: &str, line: &str| -> anyhow::Result<()> {
        let out = sim.run_line(host, line);
        commands += 1;
        anyhow::ensure!(
            out.status == 0,
            "`{line}` on {host} failed with status {}: {}",
            out.status,
            out.text()
        );
        Ok(())
    };
    let switch = "sed -i 's/v1.30/v1.31/' /etc/apt/sources.list.d/kubernetes.list && apt-get update";
    for (i, cp) in ["cp1", "cp2", "cp3"].into_iter().enumerate() {
        run(sim, cp, switch)?;
        run(
            sim,
            cp,
            &format!("apt-mark unhold kubeadm && apt-get install -y kubeadm={pkg} && apt-mark hold kubeadm"),
        )?;
        if i == 0 {
            run(sim, cp, &format!("kubeadm upgrade apply {UPGRADE_TO} -y"))?;
        } else {
            run(sim, cp, "kubeadm upgrade node")?;
        }
    }
    let kubelet = format!(
        "apt-mark unhold kubelet && apt-get install -y kubelet={pkg} && apt-mark hold kubelet && systemctl daemon-reload && systemctl restart kubelet"
    );
    let nodes = ["cp1", "cp2", "cp3"]
        .into_iter()
        .map(str::to_string)
        .chain((1..=workers).map(|i| format!("node{i:0width$}")));
    for node in nodes {
        run(sim, "cp1", &format!("kubectl drain {node} --ignore-daemonsets"))?;
        if node.starts_with("node") {
            run(sim, &node, switch)?;
        }
        run(sim, &node, &kubelet)?;
        run(sim, "cp1", &format!("kubectl uncordon {node}"))?;
    }
    Ok(commands)
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

/// What one pass over the lab catalogue measured.
pub struct LabLatencies {
    /// Lab start (cluster built, setup steps run) per lab, in order of the catalogue.
    pub starts: Vec<(String, std::time::Duration)>,
    /// Every line of every lab's solution, as the terminal hands it to the session.
    pub commands: Timings,
    /// `why` after every solution line.
    pub whys: Timings,
    /// `undo` after every solution line (the line is typed again afterwards, untimed).
    pub undos: Timings,
    /// `rewind N` to every step N of a [`REWIND_STEPS`]-step session of every lab (its
    /// solution, then reads and waits), from its end: with the session's copies of the state,
    /// and replaying from the start only (`Session::replay_only`).
    pub rewinds: Timings,
    pub rewinds_replayed: Timings,
}

/// Latencies on the wall clock, and the CPU time the measuring thread spent meanwhile: on a
/// machine shared with other work the wall clock's tail is mostly waiting for a core, the CPU
/// time is the work itself.
#[derive(Default)]
pub struct Timings {
    pub wall: Vec<std::time::Duration>,
    pub cpu: Vec<std::time::Duration>,
}

impl Timings {
    /// Runs `f` and records how long it took.
    pub fn measure<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let (wall, cpu) = (std::time::Instant::now(), thread_cpu_time());
        let out = f();
        self.wall.push(wall.elapsed());
        self.cpu.push(thread_cpu_time().saturating_sub(cpu));
        out
    }

    pub fn len(&self) -> usize {
        self.wall.len()
    }

    pub fn is_empty(&self) -> bool {
        self.wall.is_empty()
    }

    /// `p50 1.2µs, p99 3.4µs, max 5.6µs (CPU time: p99 ..., max ...)`.
    pub fn summary(&self) -> String {
        format!(
            "p50 {:.2?}, p99 {:.2?}, max {:.2?} (CPU time: p50 {:.2?}, p99 {:.2?}, max {:.2?})",
            quantile(&self.wall, 0.5),
            quantile(&self.wall, 0.99),
            quantile(&self.wall, 1.0),
            quantile(&self.cpu, 0.5),
            quantile(&self.cpu, 0.99),
            quantile(&self.cpu, 1.0)
        )
    }
}

/// The CPU time this thread has used (`CLOCK_THREAD_CPUTIME_ID`).
fn thread_cpu_time() -> std::time::Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes one timespec, which lives on this stack frame.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0;
    if !ok {
        return std::time::Duration::ZERO;
    }
    std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// How many steps the sessions of the rewind figure have.
pub const REWIND_STEPS: usize = 30;

/// Lines that pad a lab's solution to [`REWIND_STEPS`]: reads, and waits that let the
/// controllers and kubelets work.
const PADDING: &[&str] = &["kubectl get pods -A -o wide", "sleep 10", "kubectl get nodes"];

/// The `q`-quantile (0..=1) of some latencies.
pub fn quantile(v: &[std::time::Duration], q: f64) -> std::time::Duration {
    let mut v = v.to_vec();
    v.sort_unstable();
    if v.is_empty() {
        return std::time::Duration::ZERO;
    }
    let i = ((v.len() - 1) as f64 * q).round() as usize;
    v[i.min(v.len() - 1)]
}

impl LabLatencies {
    /// The `q`-quantile (0..=1) of the command latencies (wall clock).
    pub fn command_quantile(&self, q: f64) -> std::time::Duration {
        quantile(&self.commands.wall, q)
    }
}

/// Starts every lab and types its solution, timing each start and each line.
pub fn lab_latencies(rounds: usize) -> anyhow::Result<LabLatencies> {
    let labs = kubedrill_labs::catalogue().map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut out = LabLatencies {
        starts: Vec::new(),
        commands: Timings::default(),
        whys: Timings::default(),
        undos: Timings::default(),
        rewinds: Timings::default(),
        rewinds_replayed: Timings::default(),
    };
    for round in 0..rounds {
        for lab in &labs {
            let t = std::time::Instant::now();
            let mut session =
                kubedrill_labs::Session::start(lab, lab.default_seed()).map_err(|e| anyhow::anyhow!("{e}"))?;
            out.starts.push((lab.id.clone(), t.elapsed()));
            let lines = lab.solution_lines();
            for (_, line) in &lines {
                out.commands.measure(|| session.input(line));
                out.whys.measure(|| session.input("why"));
                out.undos.measure(|| session.input("undo"));
                let _ = session.input(line);
            }
            if round == 0 {
                rewind_every_step(lab, &mut out)?;
            }
        }
    }
    Ok(out)
}

/// What `kubedrill bench --workload serve` measured (wall times of the real kubectl).
#[derive(Debug)]
pub struct ServeFigures {
    pub kubectl: String,
    pub pods: usize,
    /// `kubectl get pods -A --chunk-size=0`, each run: (printed lines, wall time, the
    /// endpoint's own time).
    pub get_all: Vec<(usize, std::time::Duration, std::time::Duration)>,
    /// `kubectl drain NODE --ignore-daemonsets` at the given speed: (pods evicted, wall time,
    /// the endpoint's own time).
    pub drain: (usize, std::time::Duration, std::time::Duration),
    pub speed: f64,
}

/// Serves the large cluster and times a real kubectl against it: `get pods -A` (`runs` times)
/// and the drain of one worker at `speed`× wall-clock speed.
pub fn serve_latencies(workers: u32, total_pods: u32, runs: usize, speed: f64) -> anyhow::Result<ServeFigures> {
    use crate::serve::real_kubectl;
    let binary = real_kubectl::KNOWN_MINORS
        .iter()
        .rev()
        .find_map(|m| real_kubectl::find(*m))
        .ok_or_else(|| anyhow::anyhow!("no kubectl.1.NN is installed (see README: kubectl against kubedrill serve)"))?;
    let (_, mut sim) = large_cluster(workers, total_pods)?;
    sim.set_trace_enabled(false);
    let pods = sim.cluster().pod_count();
    let host = crate::serve::SimHost::start(speed, move || sim);
    let server = crate::serve::Server::start(host, 0, speed)?;
    let dir = tempfile::tempdir()?;
    let kubeconfig = dir.path().join("kubeconfig");
    crate::serve::write_kubeconfig(&kubeconfig, server.addr)?;
    let runner = real_kubectl::Runner::new(Some(&binary), &kubeconfig)?;
    let limit = std::time::Duration::from_secs(120);
    // Discovery is cached after the first call, as on a user's machine.
    let width = workers.to_string().len().max(2);
    runner.run(&format!("kubectl get nodes node{:0width$}", 1), limit)?;
    let mut get_all = Vec::new();
    for _ in 0..runs {
        let (t, busy) = (std::time::Instant::now(), server.busy_time());
        // One request: kubectl's default pages of 500 are paced by its own client-side rate
        // limiter (5 requests/s after a burst of 10), whatever the server.
        let out = runner.run("kubectl get pods -A --chunk-size=0", limit)?;
        anyhow::ensure!(out.status == 0, "kubectl get pods -A failed: {}", out.stderr);
        get_all.push((out.stdout.lines().count(), t.elapsed(), server.busy_time() - busy));
    }
    let (t, busy) = (std::time::Instant::now(), server.busy_time());
    let out = runner.run(&format!("kubectl drain node{:0width$} --ignore-daemonsets", 2), limit)?;
    let (wall, drain_busy) = (t.elapsed(), server.busy_time() - busy);
    anyhow::ensure!(out.status == 0, "kubectl drain failed: {}", out.stderr);
    let evicted = out.stdout.lines().filter(|l| l.ends_with(" evicted")).count();
    Ok(ServeFigures {
        kubectl: binary.file_name().unwrap_or_default().to_string_lossy().into_owned(),
        pods,
        get_all,
        drain: (evicted, wall, drain_busy),
        speed,
    })
}

/// A [`REWIND_STEPS`]-step session of `lab`, rewound to each of its steps.
fn rewind_every_step(lab: &kubedrill_labs::Lab, out: &mut LabLatencies) -> anyhow::Result<()> {
    for replayed in [false, true] {
        let mut s = kubedrill_labs::Session::start(lab, lab.default_seed()).map_err(|e| anyhow::anyhow!("{e}"))?;
        if replayed {
            s = s.replay_only();
        }
        let lines = lab.solution_lines();
        let mut padding = PADDING.iter().cycle();
        while s.history().len() < REWIND_STEPS {
            let line = match lines.get(s.history().len()) {
                Some((_, l)) => l.as_str(),
                None => padding.next().copied().unwrap_or("sleep 10"),
            };
            let _ = s.input(line);
        }
        let timings = if replayed {
            &mut out.rewinds_replayed
        } else {
            &mut out.rewinds
        };
        for step in 1..=s.history().len() {
            let mut copy = s.clone();
            timings.measure(|| copy.rewind(step));
        }
    }
    Ok(())
}

/// The example policy `kubedrill bench --workload policy` checks.
pub const BENCH_POLICY: &str = include_str!("../policies/inplace-one-at-a-time.yaml");

/// What one `--workload policy` run measured.
#[derive(Clone, Debug)]
pub struct PolicyBench {
    pub policy: String,
    pub cases: u32,
    pub min_nodes: u32,
    pub max_nodes: u32,
    pub mean_nodes: f64,
    /// Commands and steps (commands, faults, waits) over all cases.
    pub commands: u64,
    pub steps: u64,
    /// Checking every case (building the cluster, the policy's run, the properties).
    pub elapsed: std::time::Duration,
    /// The CPU time this thread spent on it (what "per core" means on a shared machine).
    pub cpu: std::time::Duration,
    /// Building the cases' clusters alone (measured separately, CPU time).
    pub setup: std::time::Duration,
    pub done: u32,
    pub aborted: u32,
    pub failed: u32,
}

/// Checks `cases` generated cases of 10–50 nodes (seed 1) with the in-place example policy, as
/// `policy check` does, on this thread.
pub fn policy_cases(cases: u32) -> anyhow::Result<PolicyBench> {
    use crate::policy::check::RunOptions;
    use crate::policy::controller::FilePolicy;
    use crate::policy::{Outcome, Policy};
    let file = crate::policy::file::load_str(BENCH_POLICY, "inplace-one-at-a-time.yaml")?;
    let limits = kubedrill_sim::scenario::generate::Limits {
        max_nodes: 50,
        min_workers: 10,
        ..kubedrill_sim::scenario::generate::Limits::default()
    };
    let generated: Vec<_> = (0..cases)
        .filter_map(|i| crate::policy::search::generated(1, i, limits))
        .collect();
    let make = || -> Box<dyn Policy> { Box::new(FilePolicy::new(file.clone())) };
    let opts = RunOptions::default();
    let start = std::time::Instant::now();
    let cpu_start = thread_cpu_time();
    let mut b = PolicyBench {
        policy: file.name().to_string(),
        cases: generated.len() as u32,
        min_nodes: generated.iter().map(|c| c.nodes()).min().unwrap_or(0),
        max_nodes: generated.iter().map(|c| c.nodes()).max().unwrap_or(0),
        mean_nodes: generated.iter().map(|c| f64::from(c.nodes())).sum::<f64>() / generated.len().max(1) as f64,
        commands: 0,
        steps: 0,
        elapsed: std::time::Duration::ZERO,
        cpu: std::time::Duration::ZERO,
        setup: std::time::Duration::ZERO,
        done: 0,
        aborted: 0,
        failed: 0,
    };
    for case in &generated {
        let c = crate::policy::search::checked(&make, case, &opts);
        b.steps += u64::from(c.steps_applied);
        b.commands += u64::from(c.commands);
        match (&c.failure, &c.outcome) {
            (Some(_), _) => b.failed += 1,
            (None, Ok(Outcome::Done)) => b.done += 1,
            _ => b.aborted += 1,
        }
    }
    b.elapsed = start.elapsed();
    b.cpu = thread_cpu_time().saturating_sub(cpu_start);
    let start = thread_cpu_time();
    for case in &generated {
        let s = case.scenario();
        let _ = Sim::new(&s.cluster, &s.workloads, kubedrill_sim::Seed(case.seed))?;
    }
    b.setup = thread_cpu_time().saturating_sub(start);
    Ok(b)
}
