//! `kubedrill run FILE --backend kind`: the simulator and a real kind cluster side by side.
//!
//! The scenario is planned (pure), `--plan` prints that and stops. Otherwise kind, Docker
//! and kubectl must answer (exit 2 at once, one line naming what is missing, nothing created,
//! if not); the plan is made again for the installed kind release, stale clusters of dead runs
//! are swept, the cluster is created and set up, and the scenario runs in the simulator with
//! a hook after every step that performs the step's commands on kind, waits (polls) until
//! kind shows what the simulator shows or the step's deadline passes, and reports agreement
//! or the differences. The cluster is deleted at the end, on failure, on panic and on Ctrl-C
//! (not with `--keep`). Every command and its output goes to
//! `target/kubedrill/kind/<cluster>.jsonl`.

use super::compare::{Difference, compare, summary};
use super::images::{ImageMap, KindRelease, NEWEST_RELEASE};
use super::observe::{self, MemberProbe, Naming, Observation};
use super::planner::render::{command as shown, render};
use super::planner::{
    self, Action, ClusterFacts, Expect, Guard, Invocation, Plan, PlanOptions, Poll, Predicate, Probe, Program, Purpose,
    StepPlan,
};
use super::report;
use super::runner::{self, ClusterGuard, Output, RunError, Runner};
use crate::cli::BackendVerdict;
use crate::scenario_file;
use k8s_openapi::api::core::v1::Node;
use kubedrill_sim::runner::Report;
use kubedrill_sim::scenario::{Scenario, Step};
use kubedrill_sim::trace::Event;
use kubedrill_sim::{Seed, Sim};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The name plans printed by `--plan` use (a run makes a unique one).
pub const PLAN_CLUSTER: &str = "kubedrill-plan";

pub struct Options {
    pub plan_only: bool,
    pub keep: bool,
    pub image_map: Option<PathBuf>,
}

/// Reads `--kind-image-map`; the message names the file.
pub fn load_image_map(path: Option<&Path>) -> Result<ImageMap, String> {
    let Some(path) = path else {
        return Ok(ImageMap::default());
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    ImageMap::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The plan `--plan` prints: the newest kind release kubedrill knows, the host's kubectl, and
/// the fixed cluster name [`PLAN_CLUSTER`].
pub fn plan_for_display(scenario: &Scenario, sim: &Sim, images: ImageMap) -> Plan {
    let opts = PlanOptions {
        cluster: PLAN_CLUSTER.to_string(),
        release: NEWEST_RELEASE,
        images,
        host_kubectl: true,
    };
    planner::plan(scenario, &ClusterFacts::from_sim(sim), &opts).expect("the plan cluster name is valid")
}

/// What the tools on PATH said.
#[derive(Clone, Debug)]
pub struct Tools {
    pub release: Option<KindRelease>,
    pub kind_version: String,
    pub kubectl_minor: Option<u32>,
}

/// `kind version`, `docker info` and `kubectl version --client`; `Err` is one line naming
/// everything missing.
pub fn preflight() -> Result<Tools, String> {
    let quick = |program: &str, args: &[&str]| {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        runner::run_process(program, &args, None, &[], Duration::from_secs(30), None)
    };
    let mut missing = Vec::new();
    let first_line = |o: &Output| {
        let text = if o.stderr.trim().is_empty() {
            &o.stdout
        } else {
            &o.stderr
        };
        text.lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let mut tools = Tools {
        release: None,
        kind_version: String::new(),
        kubectl_minor: None,
    };
    match quick("kind", &["version"]) {
        Err(_) => missing.push("kind is not installed (`kind` is not on PATH)".to_string()),
        Ok(o) if !o.success() => missing.push(format!("`kind version` failed ({}: {})", o.describe(), first_line(&o))),
        Ok(o) => {
            tools.kind_version = o.stdout.trim().to_string();
            tools.release = KindRelease::from_version_output(&o.stdout);
        }
    }
    match quick("docker", &["info", "--format", "{{.ServerVersion}}"]) {
        Err(_) => missing.push("Docker is not installed (`docker` is not on PATH)".to_string()),
        Ok(o) if !o.success() => missing.push(format!(
            "Docker is not running or not reachable (`docker info` failed: {})",
            first_line(&o)
        )),
        Ok(_) => {}
    }
    match quick("kubectl", &["version", "--client", "-o", "json"]) {
        Err(_) => missing.push("kubectl is not installed (`kubectl` is not on PATH)".to_string()),
        Ok(o) => {
            tools.kubectl_minor = serde_json::from_str::<serde_json::Value>(&o.stdout).ok().and_then(|v| {
                v.pointer("/clientVersion/minor")?
                    .as_str()?
                    .trim_end_matches('+')
                    .parse()
                    .ok()
            });
        }
    }
    if missing.is_empty() {
        Ok(tools)
    } else {
        Err(format!("needs kind, Docker and kubectl: {}", missing.join("; ")))
    }
}

/// `kubedrill run FILE --backend kind [--plan] [--keep] [--kind-image-map FILE]`.
pub fn run(
    scenario: &Scenario,
    text: &str,
    file: &Path,
    seed: Seed,
    opts: &Options,
    finish: impl FnOnce(&Report, Option<BackendVerdict>) -> anyhow::Result<ExitCode>,
) -> anyhow::Result<ExitCode> {
    let images = match load_image_map(opts.image_map.as_deref()) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("kubedrill: --kind-image-map {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let sim = match kubedrill_sim::runner::prepare(scenario, seed) {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "{}",
                scenario_file::scenario_error_at(text, &file.display().to_string(), &e)
            );
            return Ok(ExitCode::from(2));
        }
    };
    if opts.plan_only {
        print!("{}", render(&plan_for_display(scenario, &sim, images)));
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(reason) = plan_for_display(scenario, &sim, images.clone()).not_comparable {
        eprintln!("kubedrill: --backend kind: not comparable on kind: {reason}");
        return Ok(ExitCode::from(2));
    }
    let tools = match preflight() {
        Ok(t) => t,
        Err(line) => {
            eprintln!("kubedrill: --backend kind {line}");
            return Ok(ExitCode::from(2));
        }
    };
    let facts = ClusterFacts::from_sim(&sim);
    let release = tools.release.unwrap_or(NEWEST_RELEASE);
    let host_kubectl = tools
        .kubectl_minor
        .is_some_and(|m| m.abs_diff(facts.version.minor) <= 1);
    let name = runner::unique_cluster_name();
    let plan = planner::plan(
        scenario,
        &facts,
        &PlanOptions {
            cluster: name.clone(),
            release,
            images,
            host_kubectl,
        },
    )?;
    let log = PathBuf::from("target/kubedrill/kind").join(format!("{name}.jsonl"));
    eprintln!(
        "kubedrill: kind backend: {} ({}), cluster {name}; commands and output in {}",
        tools.kind_version,
        if tools.release.is_some() {
            "node images for this release"
        } else {
            "an unknown kind release: node images of the newest release kubedrill knows"
        },
        log.display()
    );
    if !host_kubectl {
        eprintln!(
            "kubedrill: kind backend: the host's kubectl is more than one minor from the cluster's {}: kubectl lines run on the control plane instead",
            facts.version
        );
    }
    let mut replay = Replay::new(plan, opts.keep, &log)?;
    replay.setup(&observe::from_sim(&sim));
    let result = kubedrill_sim::runner::run_observed(scenario, seed, |i, step, sim, transcript| {
        replay.after_step(i, step, sim, transcript)
    });
    replay.teardown();
    let mut report = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!(
                "{}",
                scenario_file::scenario_error_at(text, &file.display().to_string(), &e)
            );
            return Ok(ExitCode::from(2));
        }
    };
    replay.flush_setup_lines(&mut report.transcript);
    let verdict = replay.verdict();
    finish(&report, Some(verdict))
}

/// The kind side of one run.
pub struct Replay {
    plan: Plan,
    runner: Runner,
    guard: ClusterGuard,
    naming: Naming,
    /// Actions due later (a reboot's start), with when.
    deferred: Vec<(Instant, Vec<Action>)>,
    /// Lines about the setup, put after the transcript's `SEED=` line.
    setup_lines: Option<Vec<String>>,
    pub diverged: Option<usize>,
    pub error: Option<String>,
    pub disagreements: Vec<String>,
    pub compared: usize,
    pub not_comparable: usize,
    /// A lab: the commands' output goes to the terminal as it is, not into a transcript.
    pub interactive: bool,
    /// `KUBEDRILL_KIND_TIME_SCALE`: multiplies every poll's interval and deadline (tests run
    /// against stand-in tools with a small factor; default 1).
    scale: f64,
}

/// How a step's actions went.
#[derive(Default)]
struct Done {
    /// The exit status of the step's command (the last one run).
    command: Option<Output>,
    /// The last comparison with the simulator.
    diffs: Option<(Vec<Difference>, Observation)>,
}

impl Replay {
    pub fn new(plan: Plan, keep: bool, log: &Path) -> anyhow::Result<Self> {
        let runner = Runner::new(runner::interrupt_flag(), Some(log))?;
        let guard = ClusterGuard::new(&plan.cluster, runner.kubeconfig(), keep);
        let naming = Naming {
            nodes: plan.nodes.iter().map(|(s, k)| (k.clone(), s.clone())).collect(),
            versions: plan.version_aliases.clone(),
        };
        Ok(Self {
            plan,
            runner,
            guard,
            naming,
            deferred: Vec::new(),
            setup_lines: Some(Vec::new()),
            diverged: None,
            error: None,
            disagreements: Vec::new(),
            compared: 0,
            not_comparable: 0,
            interactive: false,
            scale: std::env::var("KUBEDRILL_KIND_TIME_SCALE")
                .ok()
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|f| f.is_finite() && *f > 0.0)
                .unwrap_or(1.0),
        })
    }

    /// Sweeps stale clusters, then creates and prepares this run's; `before` is the
    /// simulator before step 1.
    pub fn setup(&mut self, before: &Observation) {
        let swept = runner::sweep_stale(&mut self.runner);
        let mut lines = Vec::new();
        if !swept.is_empty() {
            report::note(
                &mut lines,
                &format!("deleted clusters of runs that are gone: {}", swept.join(", ")),
            );
        }
        eprintln!("kubedrill: kind backend: creating the cluster (a minute or more; images may be pulled)");
        let actions = self.plan.setup.clone();
        match self.exec(&actions, Some(before), true, &mut lines) {
            Ok(done) => {
                self.report_comparison(0, done.diffs, &mut lines, "before step 1");
            }
            Err(e) => self.fail(0, e, &mut lines),
        }
        self.setup_lines = Some(lines);
    }

    /// The `run_observed` hook: performs step `index` on kind and compares.
    pub fn after_step(&mut self, index: usize, _step: &Step, sim: &Sim, transcript: &mut Vec<String>) {
        if let Some(lines) = self.setup_lines.take() {
            let at = 1.min(transcript.len());
            transcript.splice(at..at, lines);
        }
        if self.error.is_some() {
            return;
        }
        if self.diverged.is_some() {
            self.not_comparable += 1;
            return;
        }
        let Some(sp) = self.plan.steps.get(index).cloned() else {
            return;
        };
        let n = index + 1;
        eprintln!(
            "kubedrill: kind backend: step {n}/{}: {}",
            self.plan.steps.len(),
            sp.title
        );
        if let Some(note) = &sp.note {
            report::note(transcript, note);
        }
        if sp.diverges {
            report::not_comparable(
                transcript,
                sp.not_comparable.as_deref().unwrap_or("not performed on kind"),
            );
            report::note(
                transcript,
                "nothing after this step is compared: the kind cluster has parted from the simulator's",
            );
            self.diverged = Some(n);
            self.not_comparable += 1;
            return;
        }
        let sim_status = command_status(sim, n);
        let sim_ok = step_succeeded(sim, &sp, sim_status);
        let sim_obs = observe::from_sim(sim);
        match self.exec(&sp.actions, Some(&sim_obs), sim_ok, transcript) {
            Ok(done) => self.report_step(n, &sp, sim_status, done, transcript),
            Err(e) => self.fail(n, e, transcript),
        }
    }

    fn report_step(
        &mut self,
        n: usize,
        sp: &StepPlan,
        sim_status: Option<i32>,
        done: Done,
        transcript: &mut Vec<String>,
    ) {
        if let Some(out) = &done.command {
            report::exit(transcript, out, sim_status);
            if sp.exit_compared && out.status != sim_status {
                let d = Difference {
                    field: "exit status".to_string(),
                    sim: sim_status.map_or("none".to_string(), |s| s.to_string()),
                    kind: out.describe(),
                };
                report::disagrees(transcript, &d);
                self.disagreements
                    .push(format!("step {n}: kind disagrees with the simulator: {d}"));
            }
        }
        if let Some(reason) = &sp.not_comparable {
            report::not_comparable(transcript, reason);
            self.not_comparable += 1;
        }
        self.report_comparison(n, done.diffs, transcript, "after it");
    }

    fn report_comparison(
        &mut self,
        n: usize,
        diffs: Option<(Vec<Difference>, Observation)>,
        transcript: &mut Vec<String>,
        when: &str,
    ) {
        let Some((diffs, kind)) = diffs else { return };
        self.compared += 1;
        if diffs.is_empty() {
            report::agrees(transcript, &format!("{when}: {}", summary(&kind)));
        }
        for d in diffs {
            report::disagrees(transcript, &d);
            let at = if n == 0 {
                "before step 1".to_string()
            } else {
                format!("step {n}")
            };
            self.disagreements
                .push(format!("{at}: kind disagrees with the simulator: {d}"));
        }
    }

    fn fail(&mut self, n: usize, e: Stop, transcript: &mut Vec<String>) {
        let text = match e {
            Stop::Interrupted => "interrupted (Ctrl-C); the kind cluster is deleted".to_string(),
            Stop::Failed(m) => m,
        };
        transcript.push(format!("{} ERROR: {text}; the rest is not replayed", report::PREFIX));
        let at = if n == 0 {
            "setup".to_string()
        } else {
            format!("step {n}")
        };
        self.error = Some(format!("{at}: {text}"));
    }

    pub fn teardown(&mut self) {
        eprintln!("kubedrill: kind backend: deleting the cluster");
        self.guard.delete();
    }

    /// For a scenario without steps, the setup lines still reach the transcript.
    pub fn flush_setup_lines(&mut self, transcript: &mut Vec<String>) {
        if let Some(lines) = self.setup_lines.take() {
            let at = 1.min(transcript.len());
            transcript.splice(at..at, lines);
        }
    }

    pub fn verdict(&self) -> BackendVerdict {
        let mut disagreements = self.disagreements.clone();
        if self.error.is_none() {
            eprintln!(
                "kubedrill: kind backend: {} comparisons, {} disagreements, {} steps not comparable on kind{}",
                self.compared,
                self.disagreements.len(),
                self.not_comparable,
                self.diverged
                    .map_or(String::new(), |s| format!(" (nothing compared after step {s})"))
            );
        }
        disagreements.dedup();
        BackendVerdict {
            name: "kind",
            error: self.error.clone(),
            disagreements,
        }
    }

    /// Runs actions in order; deferred actions run when due, between and during them.
    fn exec(
        &mut self,
        actions: &[Action],
        sim: Option<&Observation>,
        sim_ok: bool,
        transcript: &mut Vec<String>,
    ) -> Result<Done, Stop> {
        let mut done = Done::default();
        let mut previous_ok = true;
        for a in actions {
            self.run_due(transcript)?;
            match a {
                Action::Run { inv, purpose, guard } => {
                    let allowed = match guard {
                        Guard::Always => true,
                        Guard::SimSucceeded => sim_ok,
                        Guard::PreviousSucceeded => previous_ok,
                    };
                    if !allowed {
                        continue;
                    }
                    let out = self.runner.run(inv)?;
                    previous_ok = out.success();
                    if *purpose == Purpose::Command {
                        if self.interactive {
                            print!("{}", out.stdout);
                            eprint!("{}", out.stderr);
                        } else {
                            report::command(transcript, &shown(inv), &out);
                        }
                        done.command = Some(out.clone());
                    }
                    if inv.expect == Expect::Success && !out.success() {
                        return Err(Stop::Failed(format!(
                            "`{}` failed ({}): {}",
                            shown(inv),
                            out.describe(),
                            tail(&out.stderr)
                        )));
                    }
                }
                Action::Resolve { name, inv } => {
                    let out = self.runner.run(inv)?;
                    if !out.success() || out.stdout.trim().is_empty() {
                        return Err(Stop::Failed(format!(
                            "`{}` gave no {name}: {}",
                            shown(inv),
                            tail(&out.stderr)
                        )));
                    }
                    self.runner.set_var(name, out.stdout.trim());
                }
                Action::Poll { poll, guard } => {
                    if *guard == Guard::PreviousSucceeded && !previous_ok {
                        continue;
                    }
                    let result = self.poll(poll, sim, transcript)?;
                    if let Some(d) = result {
                        done.diffs = Some(d);
                    }
                }
                Action::After { delay, actions } => {
                    self.deferred.push((Instant::now() + *delay, actions.clone()));
                }
            }
        }
        Ok(done)
    }

    /// Runs deferred actions that are due.
    fn run_due(&mut self, transcript: &mut Vec<String>) -> Result<(), Stop> {
        let now = Instant::now();
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.deferred)
            .into_iter()
            .partition(|(t, _)| *t <= now);
        self.deferred = later;
        for (_, actions) in due {
            self.exec(&actions, None, true, transcript)?;
        }
        Ok(())
    }

    /// Probes until the predicate holds or the deadline passes. For observation polls,
    /// returns the last comparison.
    fn poll(
        &mut self,
        poll: &Poll,
        sim: Option<&Observation>,
        transcript: &mut Vec<String>,
    ) -> Result<Option<(Vec<Difference>, Observation)>, Stop> {
        let start = Instant::now();
        let deadline = poll.deadline.mul_f64(self.scale);
        let every = poll.every.mul_f64(self.scale).max(Duration::from_millis(10));
        loop {
            let (holds, comparison) = match &poll.probe {
                Probe::Run(inv) => {
                    let out = self.runner.run(inv)?;
                    (self.holds(&poll.until, &out), None)
                }
                Probe::Observe => {
                    let kind = self.observe()?;
                    let diffs = sim.map(|s| compare(s, &kind)).unwrap_or_default();
                    (diffs.is_empty(), Some((diffs, kind)))
                }
            };
            if holds {
                return Ok(comparison);
            }
            if start.elapsed() + every > deadline {
                if poll.required {
                    return Err(Stop::Failed(format!(
                        "{} did not happen within {deadline:?}",
                        poll.what
                    )));
                }
                if comparison.is_none() {
                    report::note(
                        transcript,
                        &format!("waited {deadline:?}: {} did not happen", poll.what),
                    );
                }
                return Ok(comparison);
            }
            self.run_due(transcript)?;
            self.runner.sleep(every)?;
        }
    }

    fn holds(&self, p: &Predicate, out: &Output) -> bool {
        match p {
            Predicate::ExitZero => out.success(),
            Predicate::StdoutEmpty => out.success() && out.stdout.trim().is_empty(),
            Predicate::StdoutNotEmpty => out.success() && !out.stdout.trim().is_empty(),
            Predicate::StdoutEquals(s) => out.success() && out.stdout.trim() == self.runner.fill(s),
            Predicate::NodesReady(n) => out.success() && nodes_ready(&out.stdout) == Some(*n),
            Predicate::AgreesWithSimulator => false,
        }
    }

    /// Runs a typed line's actions (a lab): the exit status of its command, or why it stopped.
    pub fn run_actions(&mut self, actions: &[Action]) -> Result<Option<i32>, String> {
        let mut lines = Vec::new();
        let r = self.exec(actions, None, true, &mut lines);
        for l in lines {
            eprintln!("{l}");
        }
        match r {
            Ok(done) => Ok(done.command.and_then(|o| o.status)),
            Err(Stop::Interrupted) => Err("interrupted".to_string()),
            Err(Stop::Failed(m)) => Err(m),
        }
    }

    /// Runs one invocation (a lab's probes).
    pub fn run_invocation(&mut self, inv: &Invocation) -> Result<Output, String> {
        self.runner.run(inv).map_err(|e| e.to_string())
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    pub fn naming(&self) -> &Naming {
        &self.naming
    }

    /// The kind cluster now, in the simulator's names.
    fn observe(&mut self) -> Result<Observation, Stop> {
        let ctx = self.plan.context();
        let get = |what: &[&str]| {
            let mut args = vec!["--context".to_string(), ctx.clone()];
            args.extend(what.iter().map(|s| s.to_string()));
            args.push("-o".into());
            args.push("json".into());
            args.push("--request-timeout=10s".into());
            Invocation::new(Program::Kubectl, args, Duration::from_secs(30))
        };
        let nodes = self.runner.run(&get(&["get", "nodes"]))?;
        let pods = if nodes.success() {
            Some(self.runner.run(&get(&["get", "pods", "-A"]))?)
        } else {
            None
        };
        let api = match pods {
            Some(p) if p.success() => observe::from_kind(&nodes.stdout, &p.stdout, &self.naming),
            Some(p) => Err(tail(&p.stderr)),
            None => Err(tail(&nodes.stderr)),
        };
        let control_planes: Vec<String> = self
            .plan
            .nodes
            .values()
            .filter(|k| k.contains("-control-plane"))
            .cloned()
            .collect();
        let mut probes: Vec<Option<MemberProbe>> = Vec::new();
        for c in &control_planes {
            let inv = Invocation::new(
                Program::Docker,
                vec![
                    "exec".into(),
                    c.clone(),
                    "timeout".into(),
                    "30".into(),
                    "sh".into(),
                    "-c".into(),
                    observe::etcd_probe_script(),
                ],
                Duration::from_secs(45),
            );
            let out = self.runner.run(&inv)?;
            probes.push(observe::parse_member_probe(&out.stdout));
        }
        let etcd = (!control_planes.is_empty()).then(|| observe::etcd_from_probes(&probes));
        Ok(Observation { api, etcd })
    }
}

/// Why a replay stops.
enum Stop {
    Interrupted,
    Failed(String),
}

impl From<RunError> for Stop {
    fn from(e: RunError) -> Self {
        match e {
            RunError::Interrupted => Self::Interrupted,
            other => Self::Failed(other.to_string()),
        }
    }
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(3);
    let t = lines[start..].join(" / ");
    if t.is_empty() { "no output".to_string() } else { t }
}

/// How many nodes `kubectl get nodes -o json` lists, if all are Ready.
fn nodes_ready(json: &str) -> Option<usize> {
    let list: observe::KubectlList<Node> = serde_json::from_str(json).ok()?;
    let all_ready = list.items.iter().all(|n| {
        n.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"))
            .is_some_and(|c| c.status == "True")
    });
    all_ready.then_some(list.items.len())
}

/// The exit status of step `n`'s command in the simulator.
fn command_status(sim: &Sim, n: usize) -> Option<i32> {
    sim.trace().iter().rev().find_map(|r| match &r.event {
        Event::CommandExited { status, .. } if r.step as usize == n => Some(*status),
        _ => None,
    })
}

/// Whether the simulator's step did what emulated actions follow: its command exited 0, or
/// the node a `node-add` named joined.
fn step_succeeded(sim: &Sim, sp: &StepPlan, status: Option<i32>) -> bool {
    if let Some(node) = sp
        .title
        .strip_prefix("fault: node-add ")
        .and_then(|r| r.split_whitespace().next())
    {
        return sim.cluster().node_id(node).is_some();
    }
    status.is_none_or(|s| s == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_ready_counts_only_when_every_node_is_ready() {
        let node = |name: &str, ready: &str| {
            format!(
                r#"{{"apiVersion":"v1","kind":"Node","metadata":{{"name":"{name}"}},"status":{{"conditions":[{{"type":"Ready","status":"{ready}"}}]}}}}"#
            )
        };
        let list = |items: &[String]| {
            format!(
                r#"{{"apiVersion":"v1","kind":"List","metadata":{{"resourceVersion":""}},"items":[{}]}}"#,
                items.join(",")
            )
        };
        assert_eq!(nodes_ready(&list(&[node("a", "True"), node("b", "True")])), Some(2));
        assert_eq!(nodes_ready(&list(&[node("a", "True"), node("b", "False")])), None);
        assert_eq!(nodes_ready("not json"), None);
    }
}
