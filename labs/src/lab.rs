//! A lab: a cluster set up (and broken) by a scenario, a task worded as an exam would word
//! it, objectives checked on the end state, progressive hints and a solution.
//!
//! Lab files are YAML (`labs/labs/*.yaml`, embedded in the crate):
//!
//! ```yaml
//! apiVersion: kubedrill/v1
//! kind: Lab
//! id: drain-bare-pod-force          # [a-z0-9-]+, unique
//! title: Drain a node that runs a bare pod
//! topic: os-maintenance             # one of TOPICS
//! difficulty: easy                  # easy | medium | hard
//! minutes: 5
//! setup:                            # a v1 scenario without apiVersion/kind/metadata
//!   seed: 4
//!   cluster: {kubernetesVersion: v1.31.2, nodes: [...]}
//!   workloads: [...]
//!   steps: [...]                    # run before the prompt, output hidden
//!   expectViolations: []            # what the setup itself breaks
//! task: |
//!   ...
//! objectives:
//!   - name: node01 is cordoned
//!     check: {cordoned: [node01]}
//!   - name: the api Deployment stays available
//!     already: true                 # holds from the start: a guard, not a goal
//!     check: {workloadsAvailable: [deployment/api]}
//! hints: [...]
//! solution:                         # what a person types; `on:` runs it on another host
//!   - kubectl drain node01 --ignore-daemonsets --force
//!   - {run: systemctl restart kubelet, on: node01}
//! ```

use crate::check::{Check, Objective};
use crate::error::{LabError, yaml_message};
use crate::locate::locate;
use kubedrill_sim::Fault;
use kubedrill_sim::manifest::Manifest;
use kubedrill_sim::scenario::{ClusterSpec, Metadata, Scenario, Step};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeSet;
use std::fmt;

/// The topics labs are filed under.
pub const TOPICS: &[&str] = &[
    "os-maintenance",
    "upgrade",
    "version-skew",
    "etcd-backup",
    "etcd-restore",
    "etcd-upgrade",
    "quorum",
    "node-troubleshooting",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Difficulty {
    Easy,
    Medium,
    Hard,
}

impl fmt::Display for Difficulty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Easy => "easy",
            Self::Medium => "medium",
            Self::Hard => "hard",
        })
    }
}

/// The cluster a lab starts from: a v1 scenario, minus what the lab itself says
/// (`apiVersion`, `kind`, `metadata`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Setup {
    /// The seed `kubedrill lab start` uses unless told otherwise.
    #[serde(default)]
    pub seed: Option<u64>,
    pub cluster: ClusterSpec,
    #[serde(default)]
    pub workloads: Vec<Manifest>,
    /// What prepares or breaks the cluster before the student gets the prompt.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// The invariants the setup itself violates (a version-skew trap violates `version_skew`).
    #[serde(default)]
    pub expect_violations: Vec<String>,
    #[serde(default)]
    pub step_time_limit: Option<String>,
}

/// One line of a solution: typed at the current prompt, or on another host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SolutionStep {
    pub run: String,
    /// Run it on this host (the expansion types `ssh HOST`, the line, `exit`).
    pub on: Option<String>,
}

impl<'de> Deserialize<'de> for SolutionStep {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SolutionStep;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a command line, or {run: LINE, on: HOST}")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<SolutionStep, E> {
                Ok(SolutionStep {
                    run: v.to_string(),
                    on: None,
                })
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SolutionStep, A::Error> {
                let (mut run, mut on) = (None, None);
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "run" => run = Some(map.next_value::<String>()?),
                        "on" => on = Some(map.next_value::<String>()?),
                        other => return Err(de::Error::unknown_field(other, &["run", "on"])),
                    }
                }
                let run = run.ok_or_else(|| de::Error::missing_field("run"))?;
                Ok(SolutionStep { run, on })
            }
        }
        d.deserialize_any(V)
    }
}

/// The file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct LabFile {
    api_version: String,
    kind: String,
    id: String,
    title: String,
    topic: String,
    difficulty: Difficulty,
    minutes: u32,
    setup: Setup,
    task: String,
    objectives: Vec<Objective>,
    #[serde(default)]
    hints: Vec<String>,
    solution: Vec<SolutionStep>,
}

/// A lab, validated.
#[derive(Clone, Debug)]
pub struct Lab {
    pub id: String,
    pub title: String,
    pub topic: String,
    pub difficulty: Difficulty,
    /// About how long it takes someone who knows the topic.
    pub minutes: u32,
    pub setup: Setup,
    /// The task as an exam words it.
    pub task: String,
    pub objectives: Vec<Objective>,
    /// Shown one at a time by `hint`.
    pub hints: Vec<String>,
    pub solution: Vec<SolutionStep>,
    /// Where the lab came from (`labs/drain-bare-pod-force.yaml`), for messages.
    pub source: String,
}

impl Lab {
    /// The setup as the scenario the simulator runs.
    pub fn scenario(&self, seed: u64) -> Scenario {
        Scenario {
            api_version: "kubedrill/v1".to_string(),
            kind: "Scenario".to_string(),
            metadata: Metadata {
                name: self.id.clone(),
                description: Some(self.title.clone()),
            },
            seed: Some(seed),
            cluster: self.setup.cluster.clone(),
            workloads: self.setup.workloads.clone(),
            steps: self.setup.steps.clone(),
            expect_violations: self.setup.expect_violations.clone(),
            step_time_limit: self.setup.step_time_limit.clone(),
        }
    }

    /// The seed to start with when the caller has no preference.
    pub fn default_seed(&self) -> u64 {
        self.setup.seed.unwrap_or(1)
    }

    /// The control plane whose prompt the student starts at.
    pub fn start_host(&self) -> &str {
        self.setup
            .cluster
            .nodes
            .iter()
            .find(|n| n.role == kubedrill_sim::model::Role::ControlPlane)
            .and_then(|n| n.name.as_deref())
            .unwrap_or("controlplane")
    }

    /// The solution as the lines a person types at the prompt, with the host each runs on:
    /// a step `on:` another host becomes `ssh HOST`, the line, `exit`.
    pub fn solution_lines(&self) -> Vec<(String, String)> {
        let mut hosts: Vec<String> = vec![self.start_host().to_string()];
        let mut out = Vec::new();
        for s in &self.solution {
            let here = hosts.last().cloned().unwrap_or_default();
            match &s.on {
                Some(h) if *h != here => {
                    out.push((here.clone(), format!("ssh {h}")));
                    out.push((h.clone(), s.run.clone()));
                    out.push((h.clone(), "exit".to_string()));
                }
                _ => {
                    out.push((here.clone(), s.run.clone()));
                    let words: Vec<&str> = s.run.split_whitespace().collect();
                    match words.as_slice() {
                        ["ssh", host] => hosts.push((*host).to_string()),
                        // A shell inside the shell (`sudo -i`): `exit` leaves it, not the host.
                        ["sudo", "-i" | "-s" | "bash"] | ["sudo", "su", ..] | ["su", ..] | ["bash"] => {
                            hosts.push(here.clone())
                        }
                        ["exit"] | ["logout"] if hosts.len() > 1 => {
                            hosts.pop();
                        }
                        _ => {}
                    }
                }
            }
        }
        out
    }

    /// How much this lab counts in a mock exam (CKA tasks are weighted; longer tasks more).
    pub fn exam_weight(&self) -> u32 {
        self.minutes.max(1)
    }
}

/// Parses and validates one lab file. `name` is what messages call the file.
pub fn parse_lab(name: &str, text: &str) -> Result<Lab, LabError> {
    if text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Err(LabError::file(
            name,
            None,
            "the file is empty: a lab file is one YAML document",
        ));
    }
    let raw: LabFile = yaml_serde::from_str(text).map_err(|e| {
        let pos = e.location().map(|l| (l.line(), l.column()));
        LabError::file(name, pos, yaml_message(&e))
    })?;
    let invalid = |path: &str, message: String| LabError::file(name, locate(text, path), message);
    if raw.api_version != "kubedrill/v1" {
        return Err(invalid(
            "apiVersion",
            format!("apiVersion: expected \"kubedrill/v1\", found {:?}", raw.api_version),
        ));
    }
    if raw.kind != "Lab" {
        return Err(invalid("kind", format!("kind: expected \"Lab\", found {:?}", raw.kind)));
    }
    let lab = Lab {
        id: raw.id,
        title: raw.title,
        topic: raw.topic,
        difficulty: raw.difficulty,
        minutes: raw.minutes,
        setup: raw.setup,
        task: raw.task,
        objectives: raw.objectives,
        hints: raw.hints,
        solution: raw.solution,
        source: name.to_string(),
    };
    validate(&lab).map_err(|(path, message)| invalid(&path, message))?;
    Ok(lab)
}

type Invalid = (String, String);

fn validate(lab: &Lab) -> Result<(), Invalid> {
    let bad = |path: &str, m: String| Err((path.to_string(), m));
    let id_ok = !lab.id.is_empty()
        && lab
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !id_ok {
        return bad("id", format!("id: {:?} must match [a-z0-9-]+", lab.id));
    }
    if lab.title.trim().is_empty() {
        return bad("title", "title: must not be empty".into());
    }
    if !TOPICS.contains(&lab.topic.as_str()) {
        return bad(
            "topic",
            format!("topic: unknown topic {:?} (one of {})", lab.topic, TOPICS.join(", ")),
        );
    }
    if !(1..=120).contains(&lab.minutes) {
        return bad("minutes", format!("minutes: {} is not between 1 and 120", lab.minutes));
    }
    if lab.task.trim().is_empty() {
        return bad("task", "task: must not be empty".into());
    }
    kubedrill_sim::runner::check(&lab.scenario(lab.default_seed())).map_err(|e| {
        let path = if e.path.is_empty() {
            "setup".to_string()
        } else {
            format!("setup.{}", e.path)
        };
        (path.clone(), format!("{path}: {}", e.message))
    })?;
    let nodes = node_names(lab).map_err(|(p, m)| (format!("setup.{p}"), m))?;
    validate_steps(lab, &nodes)?;
    validate_objectives(lab, &nodes)?;
    if lab.solution.is_empty() {
        return bad("solution", "solution: a lab needs a solution".into());
    }
    for (i, s) in lab.solution.iter().enumerate() {
        if s.run.trim().is_empty() {
            return bad(&format!("solution[{i}]"), format!("solution[{i}]: empty command"));
        }
        if let Some(h) = &s.on
            && !nodes.contains(h)
        {
            return bad(
                &format!("solution[{i}].on"),
                format!("solution[{i}].on: no node named {h:?} in the cluster"),
            );
        }
    }
    for (i, h) in lab.hints.iter().enumerate() {
        if h.trim().is_empty() {
            return bad(&format!("hints[{i}]"), format!("hints[{i}]: empty hint"));
        }
    }
    Ok(())
}

/// Every node the cluster will have: named ones, pool members and `node-add` arrivals.
fn node_names(lab: &Lab) -> Result<BTreeSet<String>, Invalid> {
    let mut names = BTreeSet::new();
    let spec = &lab.setup.cluster;
    for (i, n) in spec.nodes.iter().enumerate() {
        match &n.name {
            Some(name) => {
                names.insert(name.clone());
            }
            None => {
                return Err((
                    format!("cluster.nodes[{i}]"),
                    format!("setup.cluster.nodes[{i}]: a node needs a name"),
                ));
            }
        }
    }
    for p in &spec.pools {
        let count = p.count.unwrap_or(0);
        let width = count.to_string().len();
        let prefix = p.name_prefix.clone().unwrap_or_else(|| "node".into());
        for k in 1..=count {
            names.insert(format!("{prefix}{k:0width$}"));
        }
    }
    for s in &lab.setup.steps {
        if let Some(f) = &s.fault
            && let Ok(Fault::NodeAdd(name, _)) = Fault::parse(f)
        {
            names.insert(name);
        }
    }
    if !spec
        .nodes
        .iter()
        .any(|n| n.role == kubedrill_sim::model::Role::ControlPlane)
    {
        return Err((
            "cluster.nodes".into(),
            "setup.cluster.nodes: a lab needs a control plane to start at".into(),
        ));
    }
    Ok(names)
}

fn validate_steps(lab: &Lab, nodes: &BTreeSet<String>) -> Result<(), Invalid> {
    for (i, s) in lab.setup.steps.iter().enumerate() {
        if let Some(f) = &s.fault
            && let Ok(fault) = Fault::parse(f)
            && !matches!(fault, Fault::NodeAdd(..))
            && !nodes.contains(fault.node())
        {
            return Err((
                format!("setup.steps[{i}].fault"),
                format!(
                    "setup.steps[{i}].fault: no node named {:?} in the cluster",
                    fault.node()
                ),
            ));
        }
        if let Some(h) = &s.on
            && !nodes.contains(h)
        {
            return Err((
                format!("setup.steps[{i}].on"),
                format!("setup.steps[{i}].on: no node named {h:?} in the cluster"),
            ));
        }
    }
    Ok(())
}

/// The node names a check refers to, with the key each sits under.
fn check_nodes(check: &Check) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    match check {
        Check::NodeStatus(m) => out.extend(m.keys().map(|k| ("nodeStatus", k.clone()))),
        Check::NodeReady(v) => out.extend(v.iter().map(|k| ("nodeReady", k.clone()))),
        Check::Cordoned(v) => out.extend(v.iter().map(|k| ("cordoned", k.clone()))),
        Check::Schedulable(v) => out.extend(v.iter().map(|k| ("schedulable", k.clone()))),
        Check::KubeletVersion(m) => out.extend(m.keys().map(|k| ("kubeletVersion", k.clone()))),
        Check::KubeletRunning(v) => out.extend(v.iter().map(|k| ("kubeletRunning", k.clone()))),
        Check::PackageVersion { node, .. } => out.push(("packageVersion", node.clone())),
        Check::NodesAbsent(v) => out.extend(v.iter().map(|k| ("nodesAbsent", k.clone()))),
        Check::NoAppPodsOn(v) => out.extend(v.iter().map(|k| ("noAppPodsOn", k.clone()))),
        Check::PodsOnNode(m) => out.extend(m.keys().map(|k| ("podsOnNode", k.clone()))),
        Check::WorkloadOn { nodes, .. } => out.extend(nodes.iter().map(|k| ("workloadOn", k.clone()))),
        Check::PodOnNode(m) => out.extend(m.values().map(|k| ("podOnNode", k.clone()))),
        Check::ControlPlaneVersion(m) => out.extend(m.keys().map(|k| ("controlPlaneVersion", k.clone()))),
        Check::EtcdImage(m) => out.extend(m.keys().map(|k| ("etcdImage", k.clone()))),
        Check::EtcdDataDir { node, .. } => out.push(("etcdDataDir", node.clone())),
        Check::SnapshotFile { node, .. } => out.push(("snapshotFile", node.clone())),
        _ => {}
    }
    out
}

fn validate_objectives(lab: &Lab, nodes: &BTreeSet<String>) -> Result<(), Invalid> {
    if lab.objectives.is_empty() {
        return Err((
            "objectives".into(),
            "objectives: a lab needs at least one objective".into(),
        ));
    }
    if lab.objectives.iter().all(|o| o.already) {
        return Err((
            "objectives".into(),
            "objectives: every objective holds from the start (`already: true`); at least one must ask for a change"
                .into(),
        ));
    }
    let mut seen = BTreeSet::new();
    for (i, o) in lab.objectives.iter().enumerate() {
        if o.name.trim().is_empty() {
            return Err((format!("objectives[{i}].name"), format!("objectives[{i}].name: empty")));
        }
        if !seen.insert(o.name.as_str()) {
            return Err((
                format!("objectives[{i}].name"),
                format!("objectives[{i}].name: {:?} is used twice", o.name),
            ));
        }
        if o.weight == 0 {
            return Err((
                format!("objectives[{i}].weight"),
                format!("objectives[{i}].weight: must be at least 1"),
            ));
        }
        for (key, n) in check_nodes(&o.check) {
            if !nodes.contains(&n) {
                return Err((
                    format!("objectives[{i}].check.{key}.{n}"),
                    format!("objectives[{i}].check.{key}: no node named {n:?} in the cluster"),
                ));
            }
        }
        if let Check::SnapshotFile { path, .. } | Check::EtcdDataDir { path, .. } = &o.check
            && !path.starts_with('/')
        {
            return Err((
                format!("objectives[{i}].check"),
                format!("objectives[{i}].check: {path:?} must be an absolute path"),
            ));
        }
    }
    Ok(())
}
