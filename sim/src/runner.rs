//! Runs a scenario: builds the cluster, runs each step in virtual time, checks expectations and
//! invariants, and writes the transcript (SCENARIO-FORMAT.md, "Output of kubedrill run").

use crate::engine::fault::Fault;
use crate::engine::setup::SetupError;
use crate::host::Sim;
use crate::host::input::{Input, Output};
use crate::invariant::{Violation, is_known};
use crate::model::ReadyStatus;
use crate::rng::Seed;
use crate::scenario::{Expect, Scenario, StepKind};
use crate::shell::{CommandOutput, Stream};
use crate::time::SimDuration;
use std::collections::BTreeSet;

pub const DEFAULT_STEP_LIMIT: SimDuration = SimDuration::from_secs(3600);

/// A problem with the scenario itself, found before anything runs.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ScenarioError {
    /// Where in the document: `steps[3].fault`, `cluster.nodes[1]`, ...
    pub path: String,
    pub message: String,
}

fn serr(path: impl Into<String>, message: impl Into<String>) -> ScenarioError {
    ScenarioError {
        path: path.into(),
        message: message.into(),
    }
}

/// One expectation that did not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub step: u32,
    pub message: String,
}

#[derive(Debug)]
pub struct Report {
    pub seed: Seed,
    pub transcript: Vec<String>,
    pub failures: Vec<Failure>,
    pub violations: Vec<Violation>,
    pub sim: Sim,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    pub fn transcript_text(&self) -> String {
        let mut s = self.transcript.join("\n");
        s.push('\n');
        s
    }
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sim(t={}, seed={})", self.now(), self.seed().0)
    }
}

/// Checks what can be checked without running: format, names, steps, ids.
pub fn check(scenario: &Scenario) -> Result<(), ScenarioError> {
    if scenario.api_version != "kubedrill/v1" {
        return Err(serr(
            "apiVersion",
            format!("expected \"kubedrill/v1\", found {:?}", scenario.api_version),
        ));
    }
    if scenario.kind != "Scenario" {
        return Err(serr(
            "kind",
            format!("expected \"Scenario\", found {:?}", scenario.kind),
        ));
    }
    scenario.metadata.check_name().map_err(|e| serr("metadata.name", e))?;
    if let Some(limit) = &scenario.step_time_limit {
        SimDuration::parse_scenario(limit).map_err(|e| serr("stepTimeLimit", e))?;
    }
    check_node_limit(scenario)?;
    for (i, id) in scenario.expect_violations.iter().enumerate() {
        if !is_known(id) {
            return Err(serr(format!("expectViolations[{i}]"), unknown_invariant(id)));
        }
    }
    for (i, step) in scenario.steps.iter().enumerate() {
        let at = |field: &str| format!("steps[{i}].{field}");
        match step.kind().map_err(|e| serr(format!("steps[{i}]"), e))? {
            StepKind::Run { line, .. } if line.trim().is_empty() => {
                return Err(serr(at("run"), "empty command"));
            }
            StepKind::Fault(f) => {
                Fault::parse(f).map_err(|e| serr(at("fault"), e.to_string()))?;
            }
            StepKind::Wait(w) => {
                SimDuration::parse_scenario(w).map_err(|e| serr(at("wait"), e))?;
            }
            _ => {}
        }
        if let Some(expect) = &step.expect {
            if step.run.is_none()
                && (expect.exit.is_some()
                    || !expect.stdout_contains.is_empty()
                    || !expect.stderr_contains.is_empty()
                    || !expect.output_not_contains.is_empty())
            {
                return Err(serr(
                    at("expect"),
                    "exit, stdoutContains, stderrContains and outputNotContains need a `run` in the same step",
                ));
            }
            for (j, id) in expect.violations.iter().flatten().enumerate() {
                if !is_known(id) {
                    return Err(serr(
                        format!("steps[{i}].expect.violations[{j}]"),
                        unknown_invariant(id),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The cluster's nodes and pools, counted before any is built, against the model's limit.
fn check_node_limit(scenario: &Scenario) -> Result<(), ScenarioError> {
    let mut nodes = scenario.cluster.nodes.len();
    crate::model::limits::check_nodes(nodes, 0).map_err(|e| serr("cluster.nodes", e))?;
    for (i, pool) in scenario.cluster.pools.iter().enumerate() {
        let count = pool.count.unwrap_or(0) as usize;
        crate::model::limits::check_nodes(nodes, count).map_err(|e| serr(format!("cluster.pools[{i}].count"), e))?;
        nodes += count;
    }
    Ok(())
}

fn unknown_invariant(id: &str) -> String {
    let known: Vec<&str> = crate::invariant::invariants().map(|(i, _)| i).collect();
    format!("unknown invariant {id:?}: known are {}", known.join(", "))
}

/// Builds the cluster and checks the steps' hosts and targets against it.
pub fn prepare(scenario: &Scenario, seed: Seed) -> Result<Sim, ScenarioError> {
    check(scenario)?;
    let sim = Sim::new(&scenario.cluster, &scenario.workloads, seed).map_err(|SetupError(m)| {
        let path = if m.starts_with("cluster") {
            "cluster"
        } else {
            "workloads"
        };
        serr(path, m)
    })?;
    // Nodes that `node-add` steps bring in may be named by the steps after them.
    let mut added: BTreeSet<String> = Default::default();
    let known = |added: &BTreeSet<String>, n: &str| sim.cluster().node_id(n).is_some() || added.contains(n);
    for (i, step) in scenario.steps.iter().enumerate() {
        if let Some(host) = &step.on
            && !known(&added, host)
        {
            return Err(serr(
                format!("steps[{i}].on"),
                format!("no node named {host:?} in the cluster"),
            ));
        }
        if let Some(f) = &step.fault {
            let fault = Fault::parse(f).map_err(|e| serr(format!("steps[{i}].fault"), e.to_string()))?;
            if let Fault::NodeAdd(name, _) | Fault::ControlPlaneAdd(name, ..) = &fault {
                if known(&added, name) {
                    return Err(serr(
                        format!("steps[{i}].fault"),
                        format!("node {name:?} already exists"),
                    ));
                }
                crate::model::limits::check_nodes(sim.cluster().node_count(), added.len() + 1)
                    .map_err(|e| serr(format!("steps[{i}].fault"), e))?;
                added.insert(name.clone());
            } else if !known(&added, fault.node()) {
                return Err(serr(
                    format!("steps[{i}].fault"),
                    format!("no node named {:?} in the cluster", fault.node()),
                ));
            }
        }
        if let Some(expect) = &step.expect {
            for n in expect
                .node_status
                .keys()
                .chain(expect.pods_on_node.keys())
                .chain(expect.node_versions.keys())
            {
                if !known(&added, n) {
                    return Err(serr(
                        format!("steps[{i}].expect"),
                        format!("no node named {n:?} in the cluster"),
                    ));
                }
            }
        }
    }
    Ok(sim)
}

/// Runs a scenario from start to end. Errors are problems with the scenario (exit 2).
pub fn run(scenario: &Scenario, seed: Seed) -> Result<Report, ScenarioError> {
    run_observed(scenario, seed, |_, _, _, _| {})
}

/// [`run`], calling `after_step(index, step, sim, transcript_len)` once each step has settled
/// (index 0-based): the real-etcd backend replays the etcd part of each step there and compares.
pub fn run_observed(
    scenario: &Scenario,
    seed: Seed,
    mut after_step: impl FnMut(usize, &crate::scenario::Step, &Sim, &mut Vec<String>),
) -> Result<Report, ScenarioError> {
    let mut sim = prepare(scenario, seed)?;
    let limit = scenario
        .step_time_limit
        .as_deref()
        .map(SimDuration::parse_scenario)
        .transpose()
        .map_err(|e| serr("stepTimeLimit", e))?
        .unwrap_or(DEFAULT_STEP_LIMIT);
    sim.set_step_limit(limit);
    let mut transcript = vec![format!("SEED={}", seed.0)];
    let mut failures = Vec::new();
    let mut seen_violations = 0;
    for (i, step) in scenario.steps.iter().enumerate() {
        let n = (i + 1) as u32;
        let kind = step.kind().map_err(|e| serr(format!("steps[{i}]"), e))?;
        let mut output: Option<CommandOutput> = None;
        match kind {
            StepKind::Run { line, on } => {
                let host = on.map(str::to_string).unwrap_or_else(|| sim.current_host().to_string());
                // The prompt the line was typed at (`root@node01:~# ` inside `sudo -i`).
                let prompt = if host == sim.current_host() {
                    sim.prompt()
                } else {
                    format!("{host} $ ")
                };
                transcript.push(format!("{prompt}{line}"));
                let out = match sim.handle_input(Input::Command { host: &host, line }) {
                    Ok(Output::Command(out)) => out,
                    _ => CommandOutput::default(),
                };
                for chunk in &out.chunks {
                    for l in chunk.text.strip_suffix('\n').unwrap_or(&chunk.text).split('\n') {
                        transcript.push(l.to_string());
                    }
                }
                output = Some(out);
            }
            StepKind::Fault(text) => {
                let fault = Fault::parse(text).map_err(|e| serr(format!("steps[{i}].fault"), e.to_string()))?;
                let printed = match sim.handle_input(Input::Fault { fault, text }) {
                    Ok(Output::Fault(lines)) => lines,
                    Ok(_) => Vec::new(),
                    Err(e) => return Err(serr(format!("steps[{i}].fault"), e.to_string())),
                };
                transcript.push(format!("# fault: {text}"));
                transcript.extend(printed);
            }
            StepKind::Wait(text) => {
                let by = SimDuration::parse_scenario(text).map_err(|e| serr(format!("steps[{i}].wait"), e))?;
                let _ = sim.handle_input(Input::Wait { by, text });
                transcript.push(format!("# wait: {text}"));
            }
            StepKind::ExpectOnly => {
                let _ = sim.handle_input(Input::Check);
            }
        }
        for v in &sim.violations()[seen_violations..] {
            transcript.push(format!(
                "# violation: {} at step {} (t={}): {}",
                v.id, v.step, v.time, v.detail
            ));
        }
        seen_violations = sim.violations().len();
        after_step(i, step, &sim, &mut transcript);
        if let Some(expect) = &step.expect {
            let problems = check_expect(&sim, expect, output.as_ref());
            if problems.is_empty() {
                transcript.push("# expect: ok".to_string());
            }
            for p in problems {
                transcript.push(format!("# expect FAILED: {p}"));
                failures.push(Failure { step: n, message: p });
            }
        }
    }
    let got: BTreeSet<&str> = sim.violations().iter().map(|v| v.id.as_str()).collect();
    let want: BTreeSet<&str> = scenario.expect_violations.iter().map(String::as_str).collect();
    if got != want {
        let message = format!(
            "the run ended having violated [{}], but the scenario expects [{}]",
            got.iter().copied().collect::<Vec<_>>().join(", "),
            want.iter().copied().collect::<Vec<_>>().join(", ")
        );
        transcript.push(format!("# FAILED: {message}"));
        failures.push(Failure {
            step: scenario.steps.len() as u32,
            message,
        });
    }
    let violations = sim.violations().to_vec();
    Ok(Report {
        seed,
        transcript,
        failures,
        violations,
        sim,
    })
}

fn pod_key(key: &str) -> (&str, &str) {
    key.split_once('/').unwrap_or(("default", key))
}

/// Whether the cluster's etcd has a quorum of its voting members running.
pub fn etcd_quorum(sim: &Sim) -> bool {
    sim.etcd().has_quorum()
}

fn check_expect(sim: &Sim, e: &Expect, out: Option<&CommandOutput>) -> Vec<String> {
    let mut problems = Vec::new();
    let c = sim.cluster();
    if let Some(out) = out {
        let text = |s: Stream| {
            out.chunks
                .iter()
                .filter(|c| c.stream == s)
                .map(|c| c.text.as_str())
                .collect::<String>()
        };
        let (so, se) = (text(Stream::Stdout), text(Stream::Stderr));
        if let Some(code) = e.exit
            && out.status != code
        {
            problems.push(format!("exit status {} (expected {code})", out.status));
        }
        for want in &e.stdout_contains {
            if !so.contains(want.as_str()) {
                problems.push(format!("stdout does not contain {want:?}"));
            }
        }
        for want in &e.stderr_contains {
            if !se.contains(want.as_str()) {
                problems.push(format!("stderr does not contain {want:?}"));
            }
        }
        for bad in &e.output_not_contains {
            if so.contains(bad.as_str()) || se.contains(bad.as_str()) {
                problems.push(format!("output contains {bad:?}"));
            }
        }
    }
    for (node, want) in &e.node_status {
        match c.node_id(node) {
            Some(id) => {
                let got = c.node(id).status_text();
                if got != want {
                    problems.push(format!("node {node} is {got} (expected {want})"));
                }
            }
            None => problems.push(format!("node {node} does not exist (expected {want})")),
        }
    }
    for (node, want) in &e.node_versions {
        match c.node_id(node) {
            Some(id) => {
                let got = c.node(id).kubelet_version.to_string();
                if &got != want {
                    problems.push(format!("node {node} runs kubelet {got} (expected {want})"));
                }
            }
            None => problems.push(format!("node {node} does not exist (expected kubelet {want})")),
        }
    }
    for node in &e.nodes_absent {
        if c.node_id(node).is_some() {
            problems.push(format!("node {node} still exists"));
        }
    }
    for (node, want) in &e.pods_on_node {
        if let Some(id) = c.node_id(node) {
            let got = c
                .pods_on_node(id)
                .iter()
                .filter_map(|p| c.pod(*p))
                .filter(|p| !p.is_terminating())
                .count() as u32;
            if got != *want {
                problems.push(format!("node {node} runs {got} pods (expected {want})"));
            }
        }
    }
    for (key, want) in &e.pod_status {
        let (ns, name) = pod_key(key);
        match c.pod_id(ns, name).and_then(|id| c.pod(id)) {
            Some(p) if p.status_text() == want => {}
            Some(p) => problems.push(format!("pod {ns}/{name} is {} (expected {want})", p.status_text())),
            None => problems.push(format!("pod {ns}/{name} does not exist (expected {want})")),
        }
    }
    for (key, want) in &e.pod_exists {
        let (ns, name) = pod_key(key);
        let got = c.pod_id(ns, name).is_some();
        if got != *want {
            problems.push(format!(
                "pod {ns}/{name} {} (expected {})",
                if got { "exists" } else { "does not exist" },
                if *want { "to exist" } else { "to be gone" }
            ));
        }
    }
    if let Some(want) = e.pending_pods {
        let got = c.pods_ordered().filter(|(_, p)| p.node.is_none()).count() as u32;
        if got != want {
            problems.push(format!("{got} pods are not scheduled (expected {want})"));
        }
    }
    if let Some(want) = e.etcd_quorum {
        let got = etcd_quorum(sim);
        if got != want {
            problems.push(format!(
                "etcd quorum is {} (expected {})",
                if got { "held" } else { "lost" },
                if want { "held" } else { "lost" }
            ));
        }
    }
    if let Some(want) = &e.violations {
        let got: BTreeSet<&str> = sim.violations().iter().map(|v| v.id.as_str()).collect();
        let want: BTreeSet<&str> = want.iter().map(String::as_str).collect();
        if got != want {
            problems.push(format!(
                "violations so far are [{}] (expected [{}])",
                got.iter().copied().collect::<Vec<_>>().join(", "),
                want.iter().copied().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    let _ = ReadyStatus::True;
    problems
}
