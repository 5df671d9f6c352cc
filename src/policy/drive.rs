//! The one place where upgrade policies touch the simulator.
//!
//! A policy drives the cluster only through what a person would do — lines typed on a host,
//! machines provisioned (`node-add`), virtual time let pass — and reads the cluster's state.
//! Everything of that goes through [`Drive`]: one private `apply` is the single entry point for
//! inputs (the simulator's typed [`Input`] through `Sim::handle_input`, as the scenario runner
//! applies a scenario's steps, so a recorded run replays step for step), and [`View`] holds
//! every read. Scheduled faults are injected here too, between inputs: a command (a drain) runs
//! to its end in virtual time, so a fault due meanwhile lands right after it; waits are split at
//! fault times, so faults during waits land exactly on time.

use super::Outcome;
use super::faults::Schedule;
use kubedrill_sim::Fault;
use kubedrill_sim::Seed;
use kubedrill_sim::Sim;
use kubedrill_sim::host::input::{self, Input};
use kubedrill_sim::invariant::Violation;
use kubedrill_sim::model::packages::KubePackage;
use kubedrill_sim::model::packages::debver::PackageEra;
use kubedrill_sim::model::{Owner, ReadyStatus, WorkloadKind};
use kubedrill_sim::release::version::KubeVersion;
use kubedrill_sim::runner::{self, ScenarioError};
use kubedrill_sim::scenario::{Scenario, Step};
use kubedrill_sim::shell::CommandOutput;
use kubedrill_sim::time::{SimDuration, SimTime};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Why a run cannot go on: the policy must stop (its `run` returns the error).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Halt {
    /// Waiting for something that nothing pending can bring about.
    Stuck(String),
    /// The run used its whole virtual-time budget.
    OutOfTime(SimDuration),
    /// The run issued more inputs than its budget allows.
    TooManyInputs(u32),
}

impl std::fmt::Display for Halt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Stuck(what) => write!(f, "stuck: {what}"),
            Self::OutOfTime(d) => write!(f, "still running after {d} of virtual time"),
            Self::TooManyInputs(n) => write!(f, "still running after {n} inputs"),
        }
    }
}

/// What a command printed and its exit status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    pub status: i32,
    pub text: String,
    /// The step's virtual time limit stopped it (a drain that never finishes).
    pub interrupted: bool,
    /// The host is powered off: nothing was typed.
    pub unreachable: bool,
}

/// What came of asking for a new machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Provision {
    /// The node joined (Ready at once).
    Joined,
    /// kubeadm join's preflight refused it (its lines are in the transcript).
    Refused(String),
    /// The cloud has no capacity: no machine.
    NoCapacity,
    /// A machine was made but never joins (a bad image): no Node ever appears.
    NeverJoins,
}

/// What kind of step just happened, for observers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    Command,
    Fault,
    /// A machine the policy asked for joins (a `node-add` step, as a fault replays it): the
    /// policy's own act, so what it breaks counts against the policy, unlike a fault's.
    Provision,
    Wait,
}

/// A step as it was applied: the scenario step that replays it and when it started.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub step: Step,
    pub at: SimTime,
    /// The simulator's step number (1-based, as violations carry it).
    pub number: u32,
    /// A command's exit status.
    pub exit: Option<i32>,
}

/// Something that looks at the cluster after every step (the property checker).
pub trait Observer {
    fn observe(&mut self, view: &View<'_>, kind: StepKind, number: u32);
    /// Called when the policy's run is over (`settled` false), and again once the settle
    /// period after it has passed; `number` is the last step's.
    fn at_end(&mut self, view: &View<'_>, outcome: &Result<Outcome, Halt>, number: u32, settled: bool) {
        let _ = (view, outcome, number, settled);
    }
}

/// Budgets that make every run end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Virtual time from the start of the policy.
    pub time: SimDuration,
    pub inputs: u32,
    /// Virtual time one step may take (the scenario's `stepTimeLimit`).
    pub step: SimDuration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            time: SimDuration::from_secs(48 * 3600),
            inputs: 20_000,
            step: runner::DEFAULT_STEP_LIMIT,
        }
    }
}

/// How long after a fault hit a node its pods count as the fault's doing (they restart).
const FAULT_AFTERMATH: SimDuration = SimDuration::from_secs(600);

/// How long a wait lets time pass before it looks again, when the next timer is sooner: a
/// person polling `kubectl get` does not react within milliseconds.
const POLL: SimDuration = SimDuration::from_secs(1);

/// Pools and faults the drive keeps track of, shown to observers.
#[derive(Clone, Debug, Default)]
pub struct DriveState {
    pub start: SimTime,
    /// The pool of every node the policy provisioned.
    pub provisioned: BTreeMap<String, String>,
    /// Nodes a scheduled fault has hit, with the time of its last crash or recovery.
    pub faulted: BTreeMap<String, SimTime>,
    /// The last time a scheduled fault was applied or ended.
    pub last_fault: Option<SimTime>,
    /// The soaks the policy took, (from, to): time it chose to wait, which a strategy
    /// benchmark counts as waiting rather than working (its own waits say so in their steps).
    pub soaked: Vec<(SimTime, SimTime)>,
    /// When each machine was asked for, while a provisioning time is set
    /// ([`Drive::set_cloud`]): a benchmark bills it from then.
    pub requested: Vec<SimTime>,
    /// The waits, (from, to), until those machines joined: waiting, like a soak.
    pub provisioning: Vec<(SimTime, SimTime)>,
}

pub struct Drive<'o> {
    sim: Sim,
    state: DriveState,
    schedule: Schedule,
    limits: Limits,
    inputs: u32,
    commands: u32,
    halted: Option<Halt>,
    record: Option<Vec<Recorded>>,
    transcript: Option<Vec<String>>,
    seen_violations: usize,
    observer: Option<&'o mut dyn Observer>,
    machines: BTreeMap<String, kubedrill_sim::scenario::NodeSpec>,
    /// The cloud machines come from; `None`: each joins at once.
    cloud: Option<Box<dyn Cloud>>,
    /// The most nodes the cloud lets the cluster have (a capacity shortage); `None`: no limit.
    node_limit: Option<usize>,
}

/// Where a policy's new machines come from (a strategy benchmark's `nodeProvision`,
/// `capacityShortage` and `badImage`). Without one a machine joins at once.
pub trait Cloud {
    /// How long the next machine takes from being asked for to joining.
    fn provision_time(&mut self) -> SimDuration;
    /// Whether the next machine made has a bad image and never joins.
    fn bad_image(&mut self) -> bool;
    /// How many machines beyond the cluster's the cloud can give at once; `None`: any.
    fn extra_machines(&self) -> Option<u32>;
}

impl<'o> Drive<'o> {
    /// Builds the scenario's cluster (its steps are not run). Errors are the scenario's.
    pub fn new(scenario: &Scenario, seed: Seed, limits: Limits) -> Result<Self, ScenarioError> {
        let mut sim = runner::prepare(scenario, seed)?;
        sim.set_trace_enabled(false);
        Ok(Self::with_sim(sim, limits))
    }

    /// A drive over a cluster built elsewhere (a strategy benchmark's generated cluster), with
    /// its trace as it is set.
    pub fn with_sim(mut sim: Sim, limits: Limits) -> Self {
        sim.set_step_limit(limits.step);
        let start = sim.now();
        Self {
            sim,
            state: DriveState {
                start,
                ..DriveState::default()
            },
            schedule: Schedule::default(),
            limits,
            inputs: 0,
            commands: 0,
            halted: None,
            record: None,
            transcript: None,
            seen_violations: 0,
            observer: None,
            machines: BTreeMap::new(),
            cloud: None,
            node_limit: None,
        }
    }

    /// Ends the drive and hands the simulator back (its trace, for metrics).
    pub fn into_sim(self) -> Sim {
        self.sim
    }

    /// What the drive kept track of: pools, faults, soaks, machines asked for.
    pub fn state(&self) -> &DriveState {
        &self.state
    }

    /// The machine each pool's provisioned nodes get (size, labels, taints): the cloud's
    /// instance type per pool. Pools not named get the default worker.
    pub fn set_machines(&mut self, machines: BTreeMap<String, kubedrill_sim::scenario::NodeSpec>) {
        self.machines = machines;
    }

    /// The cloud the policy's machines come from, from now on: each takes its provisioning
    /// time to join, or never joins, and asking beyond its capacity (counted from the nodes the
    /// cluster has now) gets [`Provision::NoCapacity`].
    pub fn set_cloud(&mut self, cloud: impl Cloud + 'static) {
        self.node_limit = cloud
            .extra_machines()
            .map(|extra| self.sim.cluster().node_count() + extra as usize);
        self.cloud = Some(Box::new(cloud));
    }

    /// Faults to inject, at times relative to now.
    pub fn set_schedule(&mut self, schedule: Schedule) {
        self.schedule = schedule.starting_at(self.sim.now());
    }

    /// Sets the run's virtual-time budget (from the policy's bounds for the cluster).
    pub fn set_time_limit(&mut self, time: SimDuration) {
        self.limits.time = time;
    }

    pub fn set_observer(&mut self, observer: &'o mut dyn Observer) {
        self.observer = Some(observer);
    }

    /// Keeps every step applied, for a counterexample file.
    pub fn record_steps(&mut self) {
        self.record = Some(Vec::new());
    }

    /// Keeps the transcript (commands, their output, faults, waits, notes).
    pub fn keep_transcript(&mut self) {
        self.transcript = Some(Vec::new());
    }

    pub fn view(&self) -> View<'_> {
        View {
            sim: &self.sim,
            state: &self.state,
        }
    }

    pub fn halted(&self) -> Option<&Halt> {
        self.halted.as_ref()
    }

    pub fn steps(&self) -> &[Recorded] {
        self.record.as_deref().unwrap_or_default()
    }

    pub fn take_transcript(&mut self) -> Vec<String> {
        self.transcript.take().unwrap_or_default()
    }

    /// A line in the transcript from the policy (`# policy: ...`).
    pub fn note(&mut self, text: impl AsRef<str>) {
        if let Some(t) = &mut self.transcript {
            t.push(format!("# policy: {}", text.as_ref()));
        }
    }

    // ---- inputs -------------------------------------------------------------------------

    /// Types `line` on `host` (after any fault that is due). A powered-off host cannot be
    /// reached: nothing is typed and the output says so.
    pub fn run(&mut self, host: &str, line: &str) -> Result<Output, Halt> {
        self.budget()?;
        self.apply_due_faults();
        if self
            .sim
            .cluster()
            .node_id(host)
            .is_some_and(|id| !self.sim.cluster().node(id).powered_on)
        {
            let text = format!("ssh: connect to host {host} port 22: No route to host\n");
            self.note(format!("{host} is powered off: {}", text.trim_end()));
            return Ok(Output {
                status: 255,
                text,
                interrupted: false,
                unreachable: true,
            });
        }
        Ok(self.apply(Input::Command { host, line }).unwrap_or_default())
    }

    /// Asks for a new worker `name` in `pool` at `version` (what `kubeadm join` on a freshly
    /// provisioned machine does).
    pub fn provision(&mut self, pool: &str, name: &str, version: &KubeVersion) -> Result<Provision, Halt> {
        self.provision_machine(Some(pool), name, version, "")
    }

    /// Asks for a new control plane `name` at `version` (`kubeadm join --control-plane` on a
    /// freshly provisioned machine: its etcd member is added first, which needs the quorum);
    /// `local_mode` turns on kubeadm's ControlPlaneKubeletLocalMode (v1.31 on).
    pub fn provision_control_plane(
        &mut self,
        name: &str,
        version: &KubeVersion,
        local_mode: bool,
    ) -> Result<Provision, Halt> {
        let role = if local_mode {
            " control-plane kubelet-local-mode"
        } else {
            " control-plane"
        };
        self.provision_machine(None, name, version, role)
    }

    /// A worker of `pool`, or a control plane (`None`, `role` its words after the version).
    fn provision_machine(
        &mut self,
        pool: Option<&str>,
        name: &str,
        version: &KubeVersion,
        role: &str,
    ) -> Result<Provision, Halt> {
        self.budget()?;
        self.apply_due_faults();
        let now = self.sim.now();
        if self.schedule.no_capacity_at(now) {
            self.note(format!("provisioning {name}: no capacity"));
            return Ok(Provision::NoCapacity);
        }
        if self
            .node_limit
            .is_some_and(|limit| self.sim.cluster().node_count() >= limit)
        {
            self.note(format!(
                "provisioning {name}: no capacity (the cloud's machines are all in use)"
            ));
            return Ok(Provision::NoCapacity);
        }
        if self.schedule.take_bad_replacement(now) {
            self.note(format!("provisioning {name}: the machine never joins (bad image)"));
            return Ok(Provision::NeverJoins);
        }
        if let Some(cloud) = self.cloud.as_mut() {
            let d = cloud.provision_time();
            self.state.requested.push(now);
            self.note(format!("provisioning {name}: joins in {d}"));
            let result = self.wait(d);
            self.state.provisioning.push((now, self.sim.now()));
            result?;
        }
        if self.cloud.as_mut().is_some_and(|cloud| cloud.bad_image()) {
            self.note(format!("provisioning {name}: the machine never joins (bad image)"));
            return Ok(Provision::NeverJoins);
        }
        let text = format!("node-add {name} {version}{role}");
        self.sim.set_join_spec(pool.and_then(|p| self.machines.get(p)).cloned());
        let out = match Fault::parse(&text) {
            Ok(fault) => self
                .apply_as(Input::Fault { fault, text: &text }, StepKind::Provision)
                .unwrap_or_default(),
            Err(e) => {
                self.sim.set_join_spec(None);
                return Ok(Provision::Refused(e.to_string()));
            }
        };
        self.sim.set_join_spec(None);
        if self.sim.cluster().node_id(name).is_none() {
            return Ok(Provision::Refused(out.text));
        }
        if let Some(pool) = pool {
            self.state.provisioned.insert(name.to_string(), pool.to_string());
        }
        Ok(Provision::Joined)
    }

    /// Lets `d` of virtual time pass (faults due meanwhile land on time).
    pub fn wait(&mut self, d: SimDuration) -> Result<(), Halt> {
        self.budget()?;
        let until = self.sim.now() + d;
        self.wait_to(until);
        self.budget()
    }

    /// Lets `d` pass as a soak (the policy watching the cluster after a node or batch): like
    /// [`Drive::wait`], and noted in [`DriveState::soaked`].
    pub fn soak(&mut self, d: SimDuration) -> Result<(), Halt> {
        let from = self.sim.now();
        let result = self.wait(d);
        let to = self.sim.now();
        if to > from {
            self.state.soaked.push((from, to));
        }
        result
    }

    /// Lets time pass until `done` holds (true), `timeout` passes (false, None = no limit), or
    /// nothing pending can change anything any more (a [`Halt::Stuck`] when there is no
    /// timeout). `what` says what is awaited, for the transcript and the halt.
    pub fn wait_until(
        &mut self,
        what: &str,
        timeout: Option<SimDuration>,
        done: impl Fn(&View<'_>) -> bool,
    ) -> Result<bool, Halt> {
        self.budget()?;
        self.apply_due_faults();
        let deadline = timeout.map(|t| self.sim.now() + t);
        let start = self.sim.now();
        loop {
            if done(&self.view()) {
                if self.sim.now() > start {
                    self.note(format!("{what}: yes after {}", self.sim.now().saturating_sub(start)));
                }
                return Ok(true);
            }
            let now = self.sim.now();
            if deadline.is_some_and(|d| now >= d) {
                self.note(format!("{what}: not within {}", now.saturating_sub(start)));
                return Ok(false);
            }
            let next_event = [self.sim.poll_timeout(), self.schedule.next_at()]
                .into_iter()
                .flatten()
                .min();
            let target = match (next_event, deadline) {
                (None, None) => {
                    let halt = Halt::Stuck(format!("{what}, and nothing pending can change that"));
                    self.halted = Some(halt.clone());
                    return Err(halt);
                }
                (Some(e), d) => {
                    let t = e.max(now + POLL);
                    d.map_or(t, |d| t.min(d))
                }
                (None, Some(d)) => d,
            };
            self.wait_to(target);
            self.budget()?;
        }
    }

    /// Lets time pass to `until` after the policy ended, faults still landing on time (the
    /// checker's settle period). Not bounded by the run's budgets.
    pub fn settle_until(&mut self, until: SimTime) {
        if self.sim.now() < until {
            self.wait_to(until);
        }
    }

    /// Tells the observer the run is over (see [`Observer::at_end`]).
    pub fn finish(&mut self, outcome: &Result<Outcome, Halt>, settled: bool) {
        let number = self.step_number();
        if let Some(o) = self.observer.take() {
            o.at_end(&self.view(), outcome, number, settled);
            self.observer = Some(o);
        }
    }

    /// When the last scheduled simulator fault (a recovery, often) is due.
    pub fn last_fault_due(&self) -> Option<SimTime> {
        self.schedule.last_at()
    }

    /// No timer is pending in the cluster and no fault is still to come: nothing will change
    /// unless the policy acts.
    pub fn nothing_pending(&self) -> bool {
        self.sim.poll_timeout().is_none() && self.schedule.next_at().is_none()
    }

    /// Ends the run as stuck: every later call returns this halt.
    pub fn stuck(&mut self, what: String) -> Halt {
        let halt = Halt::Stuck(what);
        self.halted = Some(halt.clone());
        halt
    }

    fn budget(&mut self) -> Result<(), Halt> {
        if let Some(h) = &self.halted {
            return Err(h.clone());
        }
        let used = self.sim.now().saturating_sub(self.state.start);
        let halt = if used > self.limits.time {
            Halt::OutOfTime(self.limits.time)
        } else if self.inputs > self.limits.inputs {
            Halt::TooManyInputs(self.limits.inputs)
        } else {
            return Ok(());
        };
        self.halted = Some(halt.clone());
        Err(halt)
    }

    /// Time passes to `until` as wait steps, split at the scheduled faults on the way.
    fn wait_to(&mut self, until: SimTime) {
        loop {
            let now = self.sim.now();
            match self.schedule.next_at() {
                Some(at) if at <= until => {
                    if at > now {
                        self.wait_step(at.saturating_sub(now));
                    }
                    self.apply_due_faults();
                }
                _ => {
                    if until > now {
                        self.wait_step(until.saturating_sub(now));
                    }
                    return;
                }
            }
        }
    }

    fn apply_due_faults(&mut self) {
        let now = self.sim.now();
        while let Some(f) = self.schedule.pop_due(now) {
            let Ok(fault) = Fault::parse(&f) else { continue };
            // A fault on a node the policy has deleted meanwhile has nothing to hit.
            if self.sim.cluster().node_id(fault.node()).is_none() {
                continue;
            }
            self.apply(Input::Fault {
                fault: fault.clone(),
                text: &f,
            });
            if let Fault::NodeCrash(n) | Fault::NodeReboot(n, _) | Fault::NodeRecover(n) = &fault {
                self.state.faulted.insert(n.clone(), now);
            }
            self.state.last_fault = Some(now);
        }
    }

    /// Virtual time passing as one wait step (`wait: 1m30s` in a recorded scenario).
    fn wait_step(&mut self, by: SimDuration) {
        let text = by.go_string();
        self.apply(Input::Wait { by, text: &text });
    }

    /// The single entry point for inputs: a command, a fault or a wait, each one scenario step.
    /// Returns the command's output for a command, the fault's lines for a fault.
    fn apply(&mut self, input: Input<'_>) -> Option<Output> {
        let kind = match input {
            Input::Command { .. } => StepKind::Command,
            Input::Fault { .. } => StepKind::Fault,
            Input::Wait { .. } | Input::Api(_) | Input::Check => StepKind::Wait,
        };
        self.apply_as(input, kind)
    }

    /// [`Self::apply`], observed as `kind`.
    fn apply_as(&mut self, input: Input<'_>, kind: StepKind) -> Option<Output> {
        self.inputs += 1;
        let at = self.sim.now();
        let step = recorded(&input);
        let out = match self.sim.handle_input(input) {
            Ok(input::Output::Command(out)) => {
                self.commands += 1;
                let output = Output {
                    status: out.status,
                    text: output_text(&out),
                    interrupted: out.status == 130 && self.sim.now() >= at + self.limits.step,
                    unreachable: false,
                };
                if let (Some(t), Some(host), Some(line)) = (&mut self.transcript, &step.on, &step.run) {
                    t.push(format!("{host} $ {line}"));
                    push_lines(t, &output.text);
                }
                Some(output)
            }
            Ok(input::Output::Fault(printed)) => Some(self.fault_printed(&step, printed)),
            // A fault the cluster cannot take (a node it does not have) changes nothing.
            Err(e) => Some(self.fault_printed(&step, vec![e.to_string()])),
            Ok(_) => {
                if let (Some(t), Some(w)) = (&mut self.transcript, &step.wait) {
                    t.push(format!("# wait: {w}"));
                }
                None
            }
        };
        let number = self.sim.violations().len();
        if let Some(t) = &mut self.transcript {
            for v in &self.sim.violations()[self.seen_violations..] {
                t.push(format!(
                    "# violation: {} at step {} (t={}): {}",
                    v.id, v.step, v.time, v.detail
                ));
            }
        }
        self.seen_violations = number;
        let step_number = self.step_number();
        if let Some(r) = &mut self.record {
            r.push(Recorded {
                step,
                at,
                number: step_number,
                exit: (kind == StepKind::Command).then(|| out.as_ref().map_or(0, |o| o.status)),
            });
        }
        if let Some(o) = self.observer.take() {
            o.observe(&self.view(), kind, step_number);
            self.observer = Some(o);
        }
        out
    }

    /// A fault's lines, in the transcript and as its output.
    fn fault_printed(&mut self, step: &Step, printed: Vec<String>) -> Output {
        let mut text = printed.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        if let Some(t) = &mut self.transcript {
            t.push(format!("# fault: {}", step.fault.as_deref().unwrap_or_default()));
            t.extend(printed);
        }
        Output {
            status: 0,
            text,
            ..Output::default()
        }
    }

    fn step_number(&self) -> u32 {
        // Every input is one step; the simulator numbers them from 1.
        self.inputs
    }

    /// Steps applied so far, and how many of them were commands.
    pub fn counts(&self) -> (u32, u32) {
        (self.inputs, self.commands)
    }
}

/// The scenario step that replays an input.
fn recorded(input: &Input<'_>) -> Step {
    match input {
        Input::Command { host, line } => Step {
            run: Some(line.to_string()),
            on: Some(host.to_string()),
            ..Step::default()
        },
        Input::Fault { text, .. } => Step {
            fault: Some(text.to_string()),
            ..Step::default()
        },
        Input::Wait { text, .. } => Step {
            wait: Some(text.to_string()),
            ..Step::default()
        },
        // The drive issues neither; as a scenario step they would only check the invariants.
        Input::Api(_) | Input::Check => Step::default(),
    }
}

fn output_text(out: &CommandOutput) -> String {
    out.chunks.iter().map(|c| c.text.as_str()).collect()
}

fn push_lines(t: &mut Vec<String>, text: &str) {
    if text.is_empty() {
        return;
    }
    for l in text.strip_suffix('\n').unwrap_or(text).split('\n') {
        t.push(l.to_string());
    }
}

// ---- reads --------------------------------------------------------------------------------

/// A node as the policy sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeInfo<'a> {
    pub name: &'a str,
    pub control_plane: bool,
    pub ready: bool,
    pub cordoned: bool,
    pub powered_on: bool,
    pub kubelet: &'a KubeVersion,
    pub created_at: SimTime,
    /// Stable for the node's life: ids are never given to another node.
    pub id: kubedrill_sim::model::NodeId,
    labels: &'a kubedrill_sim::model::labels::Labels,
    provisioned: &'a BTreeMap<String, String>,
}

impl<'a> NodeInfo<'a> {
    /// The `pool` label, or the pool the policy provisioned it in. Looked up when asked: the
    /// checker asks for few nodes' pools at each step.
    pub fn pool(&self) -> Option<&'a str> {
        self.labels
            .get("pool")
            .map(String::as_str)
            .or_else(|| self.provisioned.get(self.name).map(String::as_str))
    }
}

/// A Deployment, StatefulSet or DaemonSet with its Ready pods.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkloadInfo {
    /// Stable for the run: the same workload has the same id at every step.
    pub id: u32,
    pub kind: &'static str,
    pub namespace: Arc<str>,
    pub name: Arc<str>,
    /// Replicas asked for (a DaemonSet: the nodes it should run on).
    pub desired: u32,
    /// Pods Running, Ready and not terminating, on a Ready node.
    pub ready: u32,
    /// Those pods (by uid) with the node each is on.
    pub ready_pods: Vec<(u64, Arc<str>)>,
}

impl WorkloadInfo {
    /// `Deployment default/web`.
    pub fn key(&self) -> String {
        format!("{} {}/{}", self.kind, self.namespace, self.name)
    }

    pub fn available(&self) -> bool {
        self.ready >= self.desired
    }
}

/// Every read of the cluster a policy or the checker makes.
pub struct View<'a> {
    sim: &'a Sim,
    state: &'a DriveState,
}

impl<'a> View<'a> {
    pub fn now(&self) -> SimTime {
        self.sim.now()
    }

    /// Virtual time since the policy started.
    pub fn elapsed(&self) -> SimDuration {
        self.sim.now().saturating_sub(self.state.start)
    }

    pub fn state(&self) -> &DriveState {
        self.state
    }

    /// The cluster's version as kubeadm records it (what `kubeadm upgrade node` upgrades to).
    pub fn cluster_version(&self) -> &'a KubeVersion {
        &self.sim.cluster().config_version
    }

    /// The host kubectl is typed on: the first control plane.
    pub fn admin_host(&self) -> &'a str {
        self.sim.default_host()
    }

    /// Control planes in the order kubeadm made them.
    pub fn control_planes(&self) -> Vec<&'a str> {
        let c = self.sim.cluster();
        c.control_plane_ids()
            .iter()
            .filter(|id| c.node_exists(**id))
            .map(|id| &*c.node(*id).name)
            .collect()
    }

    /// Every node, in name order.
    pub fn nodes(&self) -> impl Iterator<Item = NodeInfo<'a>> + '_ {
        let c = self.sim.cluster();
        c.node_ids().map(move |id| self.info(id))
    }

    pub fn node(&self, name: &str) -> Option<NodeInfo<'a>> {
        self.sim.cluster().node_id(name).map(|id| self.info(id))
    }

    fn info(&self, id: kubedrill_sim::model::NodeId) -> NodeInfo<'a> {
        let c = self.sim.cluster();
        let n = c.node(id);
        NodeInfo {
            name: &n.name,
            control_plane: n.is_control_plane(),
            ready: n.ready == ReadyStatus::True,
            cordoned: n.unschedulable,
            powered_on: n.powered_on,
            kubelet: &n.kubelet_version,
            created_at: n.created_at,
            id,
            labels: &n.labels,
            provisioned: &self.state.provisioned,
        }
    }

    /// The node is down because of a scheduled fault (powered off, or NotReady since one), or
    /// a fault hit it in the last ten minutes (its pods may still be starting again).
    pub fn fault_affected(&self, name: &str) -> bool {
        let c = self.sim.cluster();
        let Some(id) = c.node_id(name) else { return false };
        let n = c.node(id);
        let Some(at) = self.state.faulted.get(name) else {
            return !n.powered_on;
        };
        !n.powered_on || n.ready != ReadyStatus::True || self.sim.now().saturating_sub(*at) < FAULT_AFTERMATH
    }

    /// Some node is down because of a scheduled fault, or was hit lately.
    pub fn any_fault_affected(&self) -> bool {
        self.state.faulted.keys().any(|n| self.fault_affected(n))
    }

    /// Nodes whose pods request more CPU or memory than they have (DaemonSet pods are placed
    /// without a fit check).
    pub fn overcommitted(&self) -> Vec<&'a str> {
        let c = self.sim.cluster();
        c.node_ids()
            .map(|id| c.node(id))
            .filter(|n| n.requested.cpu_milli > n.allocatable.cpu_milli || n.requested.memory > n.allocatable.memory)
            .map(|n| &*n.name)
            .collect()
    }

    /// The workers' pods would still fit (by the sums of CPU and memory requests) with the
    /// largest worker gone: room for one node out of service.
    pub fn room_for_one_worker_out(&self) -> bool {
        let c = self.sim.cluster();
        let (mut have_cpu, mut have_mem, mut used_cpu, mut used_mem) = (0u64, 0u64, 0u64, 0u64);
        let (mut big_cpu, mut big_mem) = (0u64, 0u64);
        for n in c.node_ids().map(|id| c.node(id)).filter(|n| !n.is_control_plane()) {
            have_cpu += n.allocatable.cpu_milli;
            have_mem += n.allocatable.memory;
            used_cpu += n.requested.cpu_milli;
            used_mem += n.requested.memory;
            big_cpu = big_cpu.max(n.allocatable.cpu_milli);
            big_mem = big_mem.max(n.allocatable.memory);
        }
        used_cpu + big_cpu <= have_cpu && used_mem + big_mem <= have_mem
    }

    pub fn node_count(&self) -> usize {
        self.sim.cluster().node_count()
    }

    /// Application pods on a node (not DaemonSet or mirror pods, not terminating).
    pub fn evictable_pods(&self, name: &str) -> usize {
        let c = self.sim.cluster();
        let Some(id) = c.node_id(name) else { return 0 };
        c.node(id)
            .pods
            .iter()
            .filter_map(|p| c.pod(*p))
            .filter(|p| !p.is_terminating() && !p.is_mirror() && !matches!(p.owner, Owner::DaemonSet(_)))
            .count()
    }

    /// Every etcd member runs, none is cut off, and there is a leader.
    pub fn etcd_healthy(&self) -> bool {
        let e = self.sim.etcd();
        e.members.iter().all(|m| m.is_running() && !m.partitioned) && e.leader.is_some()
    }

    /// The etcd image tag of a control plane's static pod manifest.
    pub fn etcd_tag(&self, node: &str) -> Option<&'a str> {
        let c = self.sim.cluster();
        c.node(c.node_id(node)?).control_plane.as_ref()?.etcd.as_deref()
    }

    /// A control plane's API server, controller-manager and scheduler run `version` and none
    /// of its static pods is stopped or failing.
    pub fn control_plane_at(&self, node: &str, version: &KubeVersion) -> bool {
        let c = self.sim.cluster();
        let Some(cp) = c.node_id(node).and_then(|id| c.node(id).control_plane.as_ref()) else {
            return false;
        };
        cp.apiserver == *version
            && cp.controller_manager == *version
            && cp.scheduler == *version
            && cp.stopped.is_empty()
            && cp.etcd_failed.is_none()
    }

    /// The Debian repository era of a node's Kubernetes packages.
    pub fn package_era(&self, node: &str) -> PackageEra {
        let c = self.sim.cluster();
        c.node_id(node)
            .and_then(|id| c.node(id).packages.installed(KubePackage::Kubelet)?.era())
            .unwrap_or(PackageEra::Community)
    }

    /// Deployments, StatefulSets and DaemonSets outside kube-system, with their Ready pods.
    /// One pass over the pods of Ready nodes, in no particular order (it runs after every
    /// step of a checked run).
    pub fn workloads(&self) -> Vec<WorkloadInfo> {
        let c = self.sim.cluster();
        let mut out: Vec<WorkloadInfo> = Vec::new();
        // Each workload's place in `out`, by workload id (ids are small and dense).
        let mut slot: Vec<usize> = Vec::new();
        for id in c.workload_ids() {
            let w = c.workload(id);
            let kind = match w.kind {
                WorkloadKind::Deployment => "Deployment",
                WorkloadKind::StatefulSet => "StatefulSet",
                WorkloadKind::DaemonSet => "DaemonSet",
                _ => continue,
            };
            if w.deleted || &*w.namespace == "kube-system" {
                continue;
            }
            let desired = if w.kind == WorkloadKind::DaemonSet {
                w.per_node.len() as u32
            } else {
                w.replicas
            };
            if slot.len() <= id.0 as usize {
                slot.resize(id.0 as usize + 1, usize::MAX);
            }
            slot[id.0 as usize] = out.len();
            out.push(WorkloadInfo {
                id: id.0,
                kind,
                namespace: w.namespace.clone(),
                name: w.name.clone(),
                desired,
                ready: 0,
                ready_pods: Vec::new(),
            });
        }
        if out.is_empty() {
            return out;
        }
        for node_id in c.node_ids() {
            let node = c.node(node_id);
            if node.ready != ReadyStatus::True {
                continue;
            }
            for p in node.pods.iter().filter_map(|p| c.pod(*p)) {
                if !p.is_healthy() {
                    continue;
                }
                let owner = match p.owner {
                    Owner::ReplicaSet(w) => c.workload(w).parent.unwrap_or(w),
                    Owner::StatefulSet(w, _) | Owner::DaemonSet(w) => w,
                    _ => continue,
                };
                if let Some(w) = slot.get(owner.0 as usize).and_then(|i| out.get_mut(*i)) {
                    w.ready += 1;
                    w.ready_pods.push((p.uid, node.name.clone()));
                }
            }
        }
        out
    }

    /// Pods no controller recreates, as `namespace/name`, with the node each is on.
    /// Written into `out` (cleared first), reusing its room: the checker asks at every step.
    pub fn bare_pods_into(&self, out: &mut Vec<(Arc<str>, Arc<str>)>) {
        out.clear();
        let c = self.sim.cluster();
        for id in c.node_ids() {
            let node = c.node(id);
            for p in node.pods.iter().filter_map(|p| c.pod(*p)) {
                if p.owner == Owner::None {
                    out.push((p.label.clone(), node.name.clone()));
                }
            }
        }
    }

    /// `namespace/name` and STATUS of the pods of a workload (`Deployment default/web`).
    pub fn pods_of(&self, kind: &str, namespace: &str, name: &str) -> Vec<(String, &'static str)> {
        let c = self.sim.cluster();
        let kind = match kind {
            "Deployment" => WorkloadKind::Deployment,
            "StatefulSet" => WorkloadKind::StatefulSet,
            _ => WorkloadKind::DaemonSet,
        };
        let Some(id) = c.workload_id(kind, namespace, name) else {
            return Vec::new();
        };
        c.pods_in_namespace(namespace)
            .filter(|(_, p)| match p.owner {
                Owner::ReplicaSet(w) => c.workload(w).parent == Some(id),
                Owner::StatefulSet(w, _) | Owner::DaemonSet(w) => w == id,
                _ => false,
            })
            .map(|(_, p)| (format!("{}/{}", p.namespace, p.name), p.status_text()))
            .collect()
    }

    pub fn violations(&self) -> &'a [Violation] {
        self.sim.violations()
    }

    /// When the simulator's next timer fires.
    pub fn next_timer(&self) -> Option<SimTime> {
        self.sim.poll_timeout()
    }
}
