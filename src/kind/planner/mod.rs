//! The pure planner: a scenario (and the simulator's cluster built from it) becomes the exact
//! commands that perform it on a kind cluster, as data. Nothing here starts a process, reads a
//! file, the clock or the environment (`tests::planner_is_sans_io` holds it to that): the
//! runner executes a [`Plan`], `render` prints one, and tests snapshot them.
//!
//! * [`facts`]: what the planner needs from the simulator's cluster (node names, roles, IPs,
//!   versions), read once from a prepared `Sim`.
//! * [`config`]: the generated kind config (N control planes, M workers, pinned images, the
//!   simulator's node-lifecycle timings).
//! * [`setup`]: create, wait, adjust addons, stage binaries, apply the workloads.
//! * [`lines`]: a `run` line on a host → host `kubectl --context` or `docker exec` into the
//!   node, with apt/kubeadm/kubelet emulated as kind.md §2 describes.
//! * [`faults`]: `docker pause`/`stop`/`start`, manifests moved out, iptables.
//! * [`render`]: the plan as text (`kubedrill run FILE --backend kind --plan`).

pub mod config;
pub mod facts;
pub mod faults;
pub mod lines;
pub mod render;
pub mod setup;
pub mod shell;
pub mod workloads;

use crate::kind::images::{ImageChoice, ImageMap, KindRelease};
use kubedrill_sim::scenario::{Scenario, StepKind};
use kubedrill_sim::time::SimDuration;
use std::collections::BTreeMap;
use std::time::Duration;

pub use facts::{ClusterFacts, NodeFact};

/// The programs a plan calls, found on PATH.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Program {
    Kind,
    Docker,
    Kubectl,
}

impl Program {
    pub fn name(self) -> &'static str {
        match self {
            Self::Kind => "kind",
            Self::Docker => "docker",
            Self::Kubectl => "kubectl",
        }
    }
}

/// What a non-zero exit means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// The plan cannot go on without it: a failure ends the replay (a backend error).
    Success,
    /// The exit status is an outcome (the user's command, a fault that may be refused).
    Outcome,
}

/// One process to run. Arguments may hold placeholders the runner fills in: `{kubeconfig}`
/// (the run's kubeconfig file), `{workdir}` (its temporary directory) and `{ip:NODE}` (a
/// node's IP, resolved by a [`Action::Resolve`] of the setup).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    pub program: Program,
    pub args: Vec<String>,
    pub stdin: Option<String>,
    pub timeout: Duration,
    pub expect: Expect,
}

impl Invocation {
    pub fn new(program: Program, args: Vec<String>, timeout: Duration) -> Self {
        Self {
            program,
            args,
            stdin: None,
            timeout,
            expect: Expect::Success,
        }
    }

    pub fn outcome(mut self) -> Self {
        self.expect = Expect::Outcome;
        self
    }

    pub fn with_stdin(mut self, text: String) -> Self {
        self.stdin = Some(text);
        self
    }
}

/// When an action runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guard {
    Always,
    /// Only when the simulator's command of the same step exited 0: emulated packaging
    /// follows what the simulator's apt did (kind nodes have no Kubernetes apt repository).
    SimSucceeded,
    /// Only when the previous `Run` of the step exited 0 (a `&&` chain; a wait after a command
    /// that could fail).
    PreviousSucceeded,
}

/// What a `Run` is for; decides whether its output goes to the run's transcript.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Building or adjusting the cluster.
    Setup,
    /// The step's own command, as run on kind: shown beside the simulator's output.
    Command,
    /// Emulating what kind cannot do for real (apt), or injecting a fault.
    Emulation,
    Fault,
    Teardown,
}

/// A probe's condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Predicate {
    ExitZero,
    StdoutEmpty,
    StdoutNotEmpty,
    /// Trimmed stdout equals this (placeholders filled in).
    StdoutEquals(String),
    /// `kubectl get nodes -o json` lists this many nodes, each Ready=True.
    NodesReady(usize),
    /// The observation of the kind cluster agrees with the simulator's at this step.
    AgreesWithSimulator,
}

/// What a poll probes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    Run(Invocation),
    /// The full observation (nodes, pods, versions, etcd): see `kind::observe`.
    Observe,
}

/// Wait for an outcome: probe every `every` until `until` holds, at most `deadline`. Never a
/// fixed sleep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Poll {
    pub what: String,
    pub probe: Probe,
    pub until: Predicate,
    pub every: Duration,
    pub deadline: Duration,
    /// The replay cannot go on if it never holds (the cluster never came up). Otherwise a
    /// poll that runs out is recorded, and the step's comparison shows what kind did.
    pub required: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Run {
        inv: Invocation,
        purpose: Purpose,
        guard: Guard,
    },
    /// Run and keep the trimmed stdout as the placeholder `{NAME}` for later arguments.
    Resolve {
        name: String,
        inv: Invocation,
    },
    Poll {
        poll: Poll,
        guard: Guard,
    },
    /// Actions due `delay` after this point (a reboot's downtime), run while later steps go
    /// on.
    After {
        delay: Duration,
        actions: Vec<Action>,
    },
}

impl Action {
    pub fn run(inv: Invocation, purpose: Purpose) -> Self {
        Self::Run {
            inv,
            purpose,
            guard: Guard::Always,
        }
    }
}

/// One scenario step on kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepPlan {
    /// 1-based, as the simulator's transcript counts.
    pub number: usize,
    /// `controlplane $ kubectl drain node01`, `fault: node-crash node02`, `wait: 1m`.
    pub title: String,
    pub actions: Vec<Action>,
    /// The step's command ran as one invocation, so its exit status is compared with the
    /// simulator's.
    pub exit_compared: bool,
    /// Why the step's own outcome cannot be validated on kind (kind.md §6), if so.
    pub not_comparable: Option<String>,
    /// Why nothing runs for it on kind, when nothing needs to (`ssh`, `export`).
    pub note: Option<String>,
    /// The step is not performed on kind, so the clusters part ways: nothing after it is
    /// compared.
    pub diverges: bool,
}

/// Everything the run does on kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub scenario: String,
    pub cluster: String,
    pub release: KindRelease,
    /// Simulator node name → kind node (container) name.
    pub nodes: BTreeMap<String, String>,
    pub images: Vec<ImageChoice>,
    /// Versions compared through a stand-in image: what kind reports → what the simulator runs.
    pub version_aliases: BTreeMap<String, String>,
    pub config: String,
    pub setup: Vec<Action>,
    pub steps: Vec<StepPlan>,
    pub teardown: Vec<Action>,
    pub notes: Vec<String>,
    /// Set when the whole scenario cannot run on kind; nothing else is planned then.
    pub not_comparable: Option<String>,
}

impl Plan {
    pub fn context(&self) -> String {
        format!("kind-{}", self.cluster)
    }
}

/// What the planner is told besides the scenario.
#[derive(Clone, Debug)]
pub struct PlanOptions {
    /// `kubedrill-<unique>`; must match `^[a-z0-9.-]+$`.
    pub cluster: String,
    pub release: KindRelease,
    pub images: ImageMap,
    /// Run single kubectl commands with the host's kubectl (false when the host's kubectl is
    /// more than one minor from the cluster: they then run on the first control plane).
    pub host_kubectl: bool,
}

/// The planner's errors: the options are unusable (the scenario itself was checked before).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanError {
    #[error("cluster name {0:?} must match ^[a-z0-9.-]+$")]
    BadClusterName(String),
}

/// How long the final comparison of a step may wait for kind to catch up with the simulator.
const SETTLE: Duration = Duration::from_secs(120);
/// The comparison after a `kubeadm upgrade`: images are pulled, static pods restart in turn.
const SETTLE_UPGRADE: Duration = Duration::from_secs(600);
/// How often polls probe.
const EVERY: Duration = Duration::from_secs(2);

/// Plans a whole scenario. Pure: the same input gives the same plan.
pub fn plan(scenario: &Scenario, facts: &ClusterFacts, opts: &PlanOptions) -> Result<Plan, PlanError> {
    if opts.cluster.is_empty()
        || !opts
            .cluster
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return Err(PlanError::BadClusterName(opts.cluster.clone()));
    }
    let mut plan = Plan {
        scenario: scenario.metadata.name.clone(),
        cluster: opts.cluster.clone(),
        release: opts.release,
        nodes: BTreeMap::new(),
        images: Vec::new(),
        version_aliases: BTreeMap::new(),
        config: String::new(),
        setup: Vec::new(),
        steps: Vec::new(),
        teardown: vec![teardown(&opts.cluster)],
        notes: Vec::new(),
        not_comparable: None,
    };
    let layout = match config::layout(scenario, facts, opts) {
        Ok(l) => l,
        Err(reason) => {
            plan.not_comparable = Some(reason);
            plan.teardown.clear();
            return Ok(plan);
        }
    };
    plan.nodes = layout.names.clone();
    plan.images = layout.images.clone();
    plan.version_aliases = layout.aliases.clone();
    plan.config = config::render(&layout, scenario, facts, &opts.cluster);
    plan.notes = layout.notes.clone();
    let ctx = lines::Ctx::new(scenario, facts, opts, &layout);
    plan.setup = setup::actions(scenario, facts, opts, &layout, &plan.config, &mut plan.notes);
    plan.steps = steps(scenario, facts, &ctx, &layout);
    Ok(plan)
}

fn teardown(cluster: &str) -> Action {
    Action::run(
        Invocation::new(
            Program::Kind,
            args(&["delete", "cluster", "--name", cluster, "--kubeconfig", "{kubeconfig}"]),
            Duration::from_secs(300),
        ),
        Purpose::Teardown,
    )
}

fn steps(scenario: &Scenario, facts: &ClusterFacts, ctx: &lines::Ctx<'_>, layout: &config::Layout) -> Vec<StepPlan> {
    let mut hosts = lines::Hosts::new(facts.default_host.clone());
    let mut state = faults::NodeStates::default();
    let limit = step_limit(scenario);
    let mut out = Vec::with_capacity(scenario.steps.len());
    for (i, step) in scenario.steps.iter().enumerate() {
        let number = i + 1;
        let mut sp = match step.kind() {
            Ok(StepKind::Run { line, on }) => {
                let host = on.map(str::to_string).unwrap_or_else(|| hosts.current().to_string());
                let title = format!("{host} $ {line}");
                let t = ctx.translate(line, &host, on.is_some(), &mut hosts, limit);
                let settle = if lines::mentions_kubeadm_upgrade(line) {
                    SETTLE_UPGRADE
                } else {
                    SETTLE
                };
                let mut actions = t.actions;
                actions.push(compare_poll(settle));
                StepPlan {
                    number,
                    title,
                    actions,
                    exit_compared: t.exit_compared,
                    not_comparable: t.not_comparable,
                    note: t.note,
                    diverges: t.diverges,
                }
            }
            Ok(StepKind::Fault(text)) => faults::plan(text, number, facts, layout, &mut state),
            Ok(StepKind::Wait(text)) => {
                let d = SimDuration::parse_scenario(text).map(|d| d.ms()).unwrap_or(0);
                let d = Duration::from_millis(d);
                StepPlan {
                    number,
                    title: format!("wait: {text}"),
                    // The simulator's time passes at once; kind's on the wall clock. Wait
                    // until kind shows what the simulator shows after the wait, with room for
                    // wall-clock jitter (kind.md §5: bound × factor + slack).
                    actions: vec![compare_poll(d.mul_f64(1.5) + Duration::from_secs(60))],
                    exit_compared: false,
                    not_comparable: None,
                    note: None,
                    diverges: false,
                }
            }
            Ok(StepKind::ExpectOnly) | Err(_) => StepPlan {
                number,
                title: "expect".to_string(),
                actions: vec![compare_poll(Duration::from_secs(30))],
                exit_compared: false,
                not_comparable: None,
                note: None,
                diverges: false,
            },
        };
        sp.number = number;
        out.push(sp);
    }
    out
}

/// The comparison that closes every step.
pub(crate) fn compare_poll(deadline: Duration) -> Action {
    Action::Poll {
        poll: Poll {
            what: "the kind cluster agrees with the simulator".to_string(),
            probe: Probe::Observe,
            until: Predicate::AgreesWithSimulator,
            every: EVERY,
            deadline,
            required: false,
        },
        guard: Guard::Always,
    }
}

/// The scenario's `stepTimeLimit` (default 1 h): drains get it as `--timeout`.
pub(crate) fn step_limit(scenario: &Scenario) -> Duration {
    let d = scenario
        .step_time_limit
        .as_deref()
        .and_then(|t| SimDuration::parse_scenario(t).ok())
        .unwrap_or(kubedrill_sim::runner::DEFAULT_STEP_LIMIT);
    Duration::from_millis(d.ms()).max(Duration::from_secs(1))
}

pub(crate) fn args(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

#[cfg(test)]
mod tests {
    /// The planner is sans-IO: no processes, files, clock or environment in its sources.
    #[test]
    fn planner_is_sans_io() {
        let sources = [
            include_str!("mod.rs"),
            include_str!("config.rs"),
            include_str!("facts.rs"),
            include_str!("faults.rs"),
            include_str!("lines.rs"),
            include_str!("render.rs"),
            include_str!("setup.rs"),
            include_str!("shell.rs"),
            include_str!("workloads.rs"),
        ];
        let banned = [
            ["std::", "process"].concat(),
            ["std::", "fs"].concat(),
            ["std::", "env"].concat(),
            ["Instant", "::now"].concat(),
            ["SystemTime", "::now"].concat(),
            ["thread", "::sleep"].concat(),
        ];
        for src in sources {
            for b in &banned {
                assert!(!src.contains(b.as_str()), "the planner must not use {b}");
            }
        }
    }
}
