//! The strategies a benchmark compares, behind one type, and one run of a strategy on one
//! seed's cluster: build the cluster, let the strategy act through [`Ctl`], let the cluster
//! settle, and hand back the trace (with the few readings the trace cannot hold) for the
//! metrics.

use super::ctl::{Ctl, OutOfTime, Why};
use super::drain::{cordon_all, drain_batch};
use super::faults::Timed;
use super::file::{Count, DrainOptions, DrainStrategy, Incident, RestoreStrategy, Spec, UpgradeStrategy};
use super::generate::Generated;
use kubedrill_sim::Seed;
use kubedrill_sim::model::{Owner, ReadyStatus};
use kubedrill_sim::time::{SimDuration, SimTime};

/// Which group a strategy belongs to (its table, its baseline).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    Drain,
    Upgrade,
    Restore,
}

impl Group {
    pub fn name(self) -> &'static str {
        match self {
            Self::Drain => "drain",
            Self::Upgrade => "upgrade",
            Self::Restore => "restore",
        }
    }
}

/// One strategy to compare. Upgrade strategies are the built-in forms of the benchmark file;
/// [`Strategy::Upgrade`] is where an UpgradePolicy plugs in.
#[derive(Clone, Debug)]
pub enum Strategy {
    Drain(DrainStrategy),
    Upgrade(UpgradeStrategy),
    /// A backup/restore strategy facing one incident.
    Restore(RestoreStrategy, Incident),
}

impl Strategy {
    pub fn group(&self) -> Group {
        match self {
            Self::Drain(_) => Group::Drain,
            Self::Upgrade(_) => Group::Upgrade,
            Self::Restore(..) => Group::Restore,
        }
    }

    /// The name in tables and files: the strategy's, with the incident for restores.
    pub fn label(&self) -> String {
        match self {
            Self::Drain(s) => s.name.clone(),
            Self::Upgrade(s) => s.name.clone(),
            Self::Restore(s, i) => format!("{}/{}", s.name, i.name()),
        }
    }

    /// Every strategy of a file, in file order: drains, upgrades, then restores × incidents.
    pub fn all(spec: &Spec) -> Vec<Self> {
        let mut out = Vec::new();
        if let Some(d) = &spec.drain {
            out.extend(d.strategies.iter().cloned().map(Self::Drain));
        }
        if let Some(u) = &spec.upgrade {
            out.extend(u.strategies.iter().cloned().map(Self::Upgrade));
        }
        if let Some(r) = &spec.restore {
            for s in &r.strategies {
                for i in &r.incidents {
                    out.push(Self::Restore(s.clone(), *i));
                }
            }
        }
        out
    }
}

/// What one run hands to the metrics.
pub struct RunRecord {
    /// The simulator after the run: its trace is what the metrics read.
    pub sim: kubedrill_sim::Sim,
    /// Where the strategy's part of the trace begins (the cluster's bootstrap is before it).
    pub trace_from: usize,
    /// The pods at T0 (the state the trace's changes apply to).
    pub pods_at_start: Vec<super::metrics::PodAtStart>,
    /// T0: the strategy's first action.
    pub start: SimTime,
    /// When the strategy's last action was done.
    pub actions_done: SimTime,
    /// T1: the actions done and every workload back at its replicas (or the settle limit).
    pub end: SimTime,
    /// `done`, or why the strategy stopped (`out of time`, `drain failed on X`).
    pub outcome: String,
    /// Nodes (machines) when the strategy started.
    pub nodes_at_start: u32,
    /// Nodes left cordoned at the end.
    pub cordoned_at_end: u32,
    /// Control-plane members (etcd voters) at the start.
    pub members: u32,
    pub restore: Option<RestoreReading>,
    /// Whether the strategy's wait steps say why they wait (`wait pdb 5s`), as the built-in
    /// strategies' do. An upgrade policy's are plain durations: the metrics then take its
    /// waiting from `waiting` and from its `kubectl drain` steps.
    pub waits_labelled: bool,
    /// Waits the trace's steps do not label, (from, to): an upgrade policy's soaks and its
    /// machines' provisioning.
    pub waiting: Vec<(SimTime, SimTime)>,
    /// When machines were asked for, where the steps do not say (an upgrade policy's): they
    /// are billed from then, as the built-in strategies' are.
    pub requested: Vec<SimTime>,
}

/// Readings of a restore run the trace does not carry (etcd's revision is not an event).
#[derive(Clone, Debug, Default)]
pub struct RestoreReading {
    pub incident_at: SimTime,
    pub revision_at_incident: i64,
    /// The snapshot the recovery used: when it was taken and its revision; `None` when no data
    /// was rolled back (members replaced).
    pub snapshot: Option<(SimTime, i64)>,
    /// When every member was healthy again and the API could write.
    pub recovered_at: Option<SimTime>,
    /// How the recovery went (`restored backup`, `replaced member`, `fell back: ...`).
    pub how: String,
}

/// Virtual time a strategy may take before it is stopped.
pub const RUN_BUDGET: SimDuration = SimDuration::from_secs(48 * 3600);
/// How long after its last action the cluster may take to get every replica back.
pub const SETTLE_LIMIT: SimDuration = SimDuration::from_secs(1800);

/// Runs `strategy` on the seed's cluster with the seed's fault schedule.
pub fn run(strategy: &Strategy, g: &Generated, spec: &Spec, faults: &[Timed]) -> anyhow::Result<RunRecord> {
    let sim = kubedrill_sim::runner::prepare(&g.scenario, Seed(g.seed))
        .map_err(|e| anyhow::anyhow!("the generated cluster of seed {}: {e}", g.seed))?;
    let admin = g.control_planes[0].clone();
    let nodes_at_start = sim.cluster().node_count() as u32;
    let members = g.control_planes.len() as u32;
    let start = sim.now();
    let trace_from = sim.trace().len();
    let pods_at_start = pods_at_start(&sim);
    let mut restore = None;
    let (mut waiting, mut requested) = (Vec::new(), Vec::new());
    let mut waits_labelled = true;
    let (sim, outcome) = match strategy {
        Strategy::Upgrade(UpgradeStrategy {
            policy_file: Some(policy),
            ..
        }) => {
            let run = run_policy(sim, g, spec, policy, faults);
            (waiting, requested) = (run.waiting, run.requested);
            waits_labelled = false;
            (run.sim, run.outcome)
        }
        _ => {
            // Restores face their incident, not the maintenance fault mix.
            let faults = match strategy {
                Strategy::Restore(..) => Vec::new(),
                _ => faults.to_vec(),
            };
            let mut ctl = Ctl::new(sim, &admin, faults, RUN_BUDGET);
            let outcome = match strategy {
                Strategy::Drain(s) => outcome(drain_maintenance(&mut ctl, g, s, spec)),
                Strategy::Upgrade(s) => outcome(super::upgrade::run(&mut ctl, g, s, spec)),
                Strategy::Restore(s, incident) => {
                    let (o, reading) = super::restore::run(&mut ctl, g, s, *incident, spec);
                    restore = Some(reading);
                    outcome(o)
                }
            };
            (ctl.sim, outcome)
        }
    };
    // Scheduled faults stop with the strategy; then every replica should come back.
    let mut ctl = Ctl::new(sim, &admin, Vec::new(), SETTLE_LIMIT);
    let actions_done = ctl.now();
    let replicas: u32 = g.workloads.iter().map(|w| w.replicas).sum();
    ctl.wait_until(Why::Work, SimDuration::from_secs(5), SETTLE_LIMIT, |sim| {
        ready_replicas(sim) >= replicas
    });
    let end = ctl.now();
    let cordoned_at_end = ctl
        .sim
        .cluster()
        .node_ids()
        .filter(|id| ctl.sim.cluster().node(*id).unschedulable)
        .count() as u32;
    Ok(RunRecord {
        sim: ctl.sim,
        trace_from,
        pods_at_start,
        start,
        actions_done,
        end,
        outcome,
        nodes_at_start,
        cordoned_at_end,
        members,
        restore,
        waits_labelled,
        waiting,
        requested,
    })
}

/// What a policy's run leaves for the record.
struct PolicyRun {
    sim: kubedrill_sim::Sim,
    outcome: String,
    /// Its soaks and its machines' provisioning: waiting, for the makespan split.
    waiting: Vec<(SimTime, SimTime)>,
    /// When it asked for machines: billed from then.
    requested: Vec<SimTime>,
}

/// An UpgradePolicy (issue 10) driving the cluster through the policy driver, with the
/// seed's fault schedule, the pools' machines, and `nodeProvision` for each machine it asks
/// for (drawn from the same stream as the built-in strategies' machines).
fn run_policy(
    sim: kubedrill_sim::Sim,
    g: &Generated,
    spec: &Spec,
    policy: &crate::policy::file::PolicyFile,
    faults: &[Timed],
) -> PolicyRun {
    use crate::policy::drive::{Drive, Limits};
    use crate::policy::{Outcome, Policy as _};
    let limits = Limits {
        time: RUN_BUDGET,
        inputs: u32::MAX,
        step: kubedrill_sim::runner::DEFAULT_STEP_LIMIT,
    };
    let mut drive = Drive::with_sim(sim, limits);
    drive.set_schedule(crate::policy::faults::Schedule::from_timed(
        faults.iter().map(|f| (f.at, f.text.clone())),
    ));
    drive.set_machines(g.pools.iter().map(|p| (p.name.clone(), p.machine.clone())).collect());
    // The same cloud as the built-in strategies meet (provisioning times, a shortage, bad
    // images, each from its own stream).
    drive.set_cloud(super::upgrade::Cloud::of(g, spec));
    let mut controller = crate::policy::controller::FilePolicy::new(policy.clone());
    let outcome = match controller.run(&mut drive) {
        Ok(Outcome::Done) => "done".to_string(),
        Ok(Outcome::Aborted(why)) => format!("aborted: {why}"),
        Err(halt) => halt.to_string(),
    };
    let state = drive.state();
    let waiting = state.soaked.iter().chain(&state.provisioning).copied().collect();
    let requested = state.requested.clone();
    PolicyRun {
        sim: drive.into_sim(),
        outcome,
        waiting,
        requested,
    }
}

fn outcome(r: Result<Result<(), String>, OutOfTime>) -> String {
    match r {
        Ok(Ok(())) => "done".to_string(),
        Ok(Err(why)) => why,
        Err(OutOfTime) => "out of time".to_string(),
    }
}

fn pods_at_start(sim: &kubedrill_sim::Sim) -> Vec<super::metrics::PodAtStart> {
    let c = sim.cluster();
    c.pods_ordered()
        .map(|(_, p)| super::metrics::PodAtStart {
            label: p.label.clone(),
            node: p.node.map(|n| c.node(n).name.clone()),
            ready: p.ready && !p.is_terminating(),
        })
        .collect()
}

/// Ready pods of ReplicaSets (the generated Deployments).
pub fn ready_replicas(sim: &kubedrill_sim::Sim) -> u32 {
    sim.cluster()
        .pods_ordered()
        .filter(|(_, p)| p.ready && !p.is_terminating() && matches!(p.owner, Owner::ReplicaSet(_)))
        .count() as u32
}

pub fn node_ready(sim: &kubedrill_sim::Sim, name: &str) -> bool {
    sim.cluster()
        .node_id(name)
        .is_some_and(|id| sim.cluster().node(id).ready == ReadyStatus::True)
}

/// The machine is up again and its kubelet reports Ready (the API alone still says Ready for
/// the grace period after a machine went down).
pub fn node_back(sim: &kubedrill_sim::Sim, name: &str) -> bool {
    sim.cluster().node_id(name).is_some_and(|id| {
        let n = sim.cluster().node(id);
        n.powered_on && n.kubelet_running && n.ready == ReadyStatus::True
    })
}

/// OS maintenance of every worker, pool by pool in batches: drain, reboot (the maintenance),
/// wait Ready, uncordon, soak.
fn drain_maintenance(
    ctl: &mut Ctl,
    g: &Generated,
    s: &DrainStrategy,
    spec: &Spec,
) -> Result<Result<(), String>, OutOfTime> {
    let reboot = spec.drain.as_ref().map_or(SimDuration::from_secs(90), |d| d.reboot.0);
    for pool in &g.pools {
        let batch = s.batch.resolve(pool.nodes.len() as u32) as usize;
        for nodes in pool.nodes.chunks(batch) {
            if let Err(why) = drain_and(ctl, nodes, &s.drain, |ctl, node| {
                ctl.fault(&format!("node-reboot {node} {}", reboot.go_string()));
            })? {
                return Ok(Err(why));
            }
            for node in nodes {
                ctl.wait_until(
                    Why::Work,
                    SimDuration::from_secs(1),
                    SimDuration::from_ms(reboot.ms() + 600_000),
                    |sim| node_back(sim, node),
                );
            }
            cordon_all(ctl, nodes, false);
            if let Some(soak) = s.soak {
                ctl.wait(soak.0, Why::Soak);
            }
        }
    }
    Ok(Ok(()))
}

/// Drains a batch and runs `maintain` on each node that was emptied; `Err` when a drain
/// failed under `onTimeout: fail`.
pub fn drain_and(
    ctl: &mut Ctl,
    nodes: &[String],
    opts: &DrainOptions,
    mut maintain: impl FnMut(&mut Ctl, &str),
) -> Result<Result<(), String>, OutOfTime> {
    let ends = drain_batch(ctl, nodes, opts, true)?;
    if let Some((node, _)) = nodes
        .iter()
        .zip(&ends)
        .find(|(_, e)| **e == super::drain::Drained::Failed)
    {
        cordon_all(ctl, nodes, false);
        return Ok(Err(format!("drain of {node} timed out")));
    }
    for (node, end) in nodes.iter().zip(&ends) {
        if end.emptied() {
            maintain(ctl, node);
        }
    }
    Ok(Ok(()))
}

/// A batch size for a pool.
pub fn batch_of(c: Option<Count>, pool: usize) -> usize {
    c.unwrap_or(Count::Nodes(1)).resolve(pool as u32) as usize
}
