//! A failing case written as an ordinary v1 scenario: the cluster and workloads, the policy's
//! inputs as steps (commands on their hosts, faults and waits, in order, up to the step where
//! the property broke), the witness as that step's `expect`, and every simulator invariant the
//! run broke as `expectViolations`. `kubedrill run FILE` replays it step for step and shows the
//! same violation; comments at the top say what failed and how it was found.

use super::check::{Checked, Failure};
use kubedrill_sim::model::manifest::Manifest;
use kubedrill_sim::scenario::{Expect, Scenario, Step};
use kubedrill_sim::time::SimDuration;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use yaml_serde::{Mapping, Value};

/// What the header of a counterexample says besides the failure.
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    pub policy: String,
    /// The command that found it (`kubedrill policy check policies/x.yaml --seed 1`).
    pub found_by: String,
    /// `case 3 of 500, shrunk in 0.8 s over 41 runs from 3 control planes and 17 workers`.
    pub how: String,
    /// The fault schedule, one entry per line.
    pub faults: Vec<String>,
    /// The file's own path, for the replay line.
    pub path: String,
}

/// The counterexample's text.
pub fn render(
    scenario: &Scenario,
    checked: &Checked,
    failure: &Failure,
    step_limit: SimDuration,
    p: &Provenance,
) -> String {
    let mut out = String::new();
    header(&mut out, failure, p);
    let mut doc = Mapping::new();
    doc.insert("apiVersion".into(), "kubedrill/v1".into());
    doc.insert("kind".into(), "Scenario".into());
    let mut meta = Mapping::new();
    meta.insert("name".into(), format!("{}-counterexample", p.policy).into());
    meta.insert(
        "description".into(),
        format!(
            "What policy {} did on this cluster, typed step by step, until {} broke: {}",
            p.policy, failure.property, failure.detail
        )
        .into(),
    );
    doc.insert("metadata".into(), Value::Mapping(meta));
    if let Some(seed) = scenario.seed {
        doc.insert("seed".into(), Value::Number(seed.into()));
    }
    doc.insert("stepTimeLimit".into(), step_limit.go_string().into());
    doc.insert("cluster".into(), pruned(to_yaml(&scenario.cluster)));
    let workloads: Vec<Value> = scenario.workloads.iter().map(manifest_yaml).collect();
    if !workloads.is_empty() {
        doc.insert("workloads".into(), Value::Sequence(workloads));
    }
    let cut = failure.step;
    let mut steps = Vec::new();
    for r in checked.steps.iter().filter(|r| r.number <= cut) {
        let mut step = r.step.clone();
        if r.number == cut {
            let mut expect = failure.expect.clone();
            if failure.property == "terminates" && r.exit == Some(130) {
                expect.exit = Some(130);
                expect.stderr_contains = vec!["interrupted".to_string()];
            }
            if expect != Expect::default() {
                step.expect = Some(expect);
            }
        }
        steps.push(step_yaml(&step));
    }
    doc.insert("steps".into(), Value::Sequence(steps));
    let broken: BTreeSet<&str> = checked
        .violations_by_step
        .iter()
        .filter(|(step, _)| *step <= cut)
        .map(|(_, id)| *id)
        .collect();
    let broken: Vec<Value> = broken.into_iter().map(Value::from).collect();
    doc.insert("expectViolations".into(), Value::Sequence(broken));
    out.push_str(&yaml_serde::to_string(&Value::Mapping(doc)).unwrap_or_default());
    out
}

fn header(out: &mut String, f: &Failure, p: &Provenance) {
    let _ = writeln!(out, "# Counterexample for upgrade policy {}", p.policy);
    let _ = writeln!(out, "# property: {} (at step {}, t={})", f.property, f.step, f.at);
    for line in wrap(&f.detail, 90) {
        let _ = writeln!(out, "#   {line}");
    }
    if !p.found_by.is_empty() {
        let _ = writeln!(out, "# found by: {}", p.found_by);
    }
    if !p.how.is_empty() {
        let _ = writeln!(out, "#   {}", p.how);
    }
    if p.faults.is_empty() {
        let _ = writeln!(out, "# fault schedule: none");
    } else {
        let _ = writeln!(out, "# fault schedule (relative to the policy's start):");
        for f in &p.faults {
            let _ = writeln!(out, "#   {f}");
        }
    }
    let _ = writeln!(out, "# replay: kubedrill run {}", p.path);
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let last = lines.last_mut().expect("one line at least");
        if !last.is_empty() && last.len() + 1 + word.len() > width {
            lines.push(word.to_string());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}

fn to_yaml<T: serde::Serialize>(v: &T) -> Value {
    yaml_serde::to_value(v).unwrap_or(Value::Null)
}

/// Drops nulls, empty lists and maps, and addons left at their defaults: the file shows what
/// the case set.
fn pruned(v: Value) -> Value {
    match v {
        Value::Mapping(m) => {
            let mut out = Mapping::new();
            for (k, v) in m {
                if k.as_str() == Some("addons") && v == to_yaml(&kubedrill_sim::scenario::Addons::default()) {
                    continue;
                }
                let v = pruned(v);
                let empty = match &v {
                    Value::Null => true,
                    Value::Sequence(s) => s.is_empty(),
                    Value::Mapping(m) => m.is_empty(),
                    _ => false,
                };
                if !empty {
                    out.insert(k, v);
                }
            }
            Value::Mapping(out)
        }
        Value::Sequence(s) => Value::Sequence(s.into_iter().map(pruned).collect()),
        other => other,
    }
}

fn manifest_yaml(m: &Manifest) -> Value {
    // Not pruned: an empty mapping (`emptyDir: {}`) means something in a manifest.
    to_yaml(&m.to_json())
}

fn step_yaml(s: &Step) -> Value {
    let mut m = Mapping::new();
    let mut put = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            m.insert(k.into(), v.as_str().into());
        }
    };
    put("run", &s.run);
    put("on", &s.on);
    put("fault", &s.fault);
    put("wait", &s.wait);
    if let Some(e) = &s.expect {
        m.insert("expect".into(), pruned(to_yaml(e)));
    }
    Value::Mapping(m)
}
