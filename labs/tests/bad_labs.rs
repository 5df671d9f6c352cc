//! Lab files that cannot be used are refused with the file, the line and column, and a clear
//! message, before anything runs.

use kubedrill_labs::{LabError, parse_lab};

const GOOD: &str = "\
apiVersion: kubedrill/v1
kind: Lab
id: tiny
title: A tiny lab
topic: os-maintenance
difficulty: easy
minutes: 3
setup:
  cluster:
    kubernetesVersion: v1.31.2
    nodes:
      - {name: controlplane, role: control-plane}
      - {name: node01, role: worker}
  steps:
    - run: kubectl get nodes
task: Cordon node01.
objectives:
  - name: node01 is cordoned
    check: {cordoned: [node01]}
  - name: nothing broke
    already: true
    check:
      noViolations: {except: [pdb_respected]}
hints: [kubectl cordon]
solution:
  - kubectl cordon node01
";

/// Parses `GOOD` with `from` replaced by `to`, expecting an error.
fn bad(from: &str, to: &str) -> LabError {
    assert!(GOOD.contains(from), "{from:?} is not in the good lab");
    let text = GOOD.replacen(from, to, 1);
    match parse_lab("labs/tiny.yaml", &text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e,
    }
}

fn assert_at(e: &LabError, line: usize, message: &str) {
    let text = e.to_string();
    assert!(text.starts_with(&format!("labs/tiny.yaml:{line}:")), "{text}");
    assert_eq!(e.line(), Some(line), "{text}");
    assert!(e.column().is_some(), "{text}");
    assert!(e.message().contains(message), "{text}");
}

#[test]
fn the_good_lab_parses() {
    let lab = parse_lab("labs/tiny.yaml", GOOD).unwrap();
    assert_eq!(lab.id, "tiny");
    assert_eq!(lab.objectives.len(), 2);
    assert_eq!(lab.source, "labs/tiny.yaml");
}

#[test]
fn yaml_syntax_errors() {
    let e = bad("check: {cordoned: [node01]}", "check: {cordoned: [node01}");
    assert_at(&e, 19, "");
    let e = bad("title: A tiny lab", "title: A tiny lab\n  nested: oops");
    assert_at(&e, 5, "");
}

#[test]
fn empty_files() {
    let e = parse_lab("labs/empty.yaml", "\n# nothing\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "labs/empty.yaml: the file is empty: a lab file is one YAML document"
    );
    assert_eq!(e.line(), None);
}

#[test]
fn unknown_and_missing_keys() {
    let e = bad("hints: [kubectl cordon]", "hint: [kubectl cordon]");
    assert!(e.message().contains("unknown field `hint`"), "{e}");
    assert!(e.line().is_some(), "{e}");
    let e = bad("solution:\n  - kubectl cordon node01\n", "");
    assert!(e.message().contains("missing field `solution`"), "{e}");
}

#[test]
fn unknown_check_kinds() {
    let e = bad("{cordoned: [node01]}", "{cordonned: [node01]}");
    assert_at(&e, 19, "unknown variant `cordonned`, expected one of `nodeStatus`");
    let e = bad("{cordoned: [node01]}", "{cordoned: [node01], nodeReady: [node01]}");
    assert_at(&e, 19, "a check has exactly one kind");
}

#[test]
fn bad_values_inside_checks() {
    let e = bad("{cordoned: [node01]}", "{kubeletVersion: {node01: v1.31}}");
    assert_at(&e, 19, "invalid Kubernetes version \"v1.31\"");
    let e = bad("{cordoned: [node01]}", "{workloadsAvailable: [pod/web]}");
    assert_at(&e, 19, "unknown workload kind \"pod\"");
    let e = bad("except: [pdb_respected]", "except: [pdb_respectd]");
    assert_at(&e, 23, "unknown invariant \"pdb_respectd\": known are no_pod_lost");
}

#[test]
fn checks_on_nodes_the_cluster_does_not_have() {
    let e = bad("{cordoned: [node01]}", "{cordoned: [node09]}");
    assert_at(
        &e,
        19,
        "objectives[0].check.cordoned: no node named \"node09\" in the cluster",
    );
    assert_eq!(e.column(), Some(24), "{e}");
}

#[test]
fn setup_problems_point_into_the_setup() {
    let e = bad("    - run: kubectl get nodes", "    - fault: node-crash node07");
    assert_at(&e, 15, "setup.steps[0].fault: no node named \"node07\"");
    let e = bad("    - run: kubectl get nodes", "    - fault: node-explode node01");
    assert_at(&e, 15, "setup.steps[0].fault");
    let e = bad(
        "    - run: kubectl get nodes",
        "    - {run: kubectl get nodes, on: node05}",
    );
    assert_at(&e, 15, "setup.steps[0].on: no node named \"node05\"");
}

#[test]
fn lab_level_rules() {
    let e = bad("kind: Lab", "kind: Scenario");
    assert_at(&e, 2, "kind: expected \"Lab\"");
    let e = bad("topic: os-maintenance", "topic: gardening");
    assert_at(&e, 5, "unknown topic \"gardening\"");
    let e = bad("id: tiny", "id: Tiny_Lab");
    assert_at(&e, 3, "must match [a-z0-9-]+");
    let e = bad("difficulty: easy", "difficulty: brutal");
    assert_at(&e, 6, "unknown variant `brutal`");
    let e = bad("  - name: nothing broke", "  - name: node01 is cordoned");
    assert_at(&e, 20, "\"node01 is cordoned\" is used twice");
    let e = bad(
        "  - name: node01 is cordoned\n",
        "  - name: node01 is cordoned\n    already: true\n",
    );
    assert_at(&e, 17, "at least one must ask for a change");
    let e = bad(
        "  - kubectl cordon node01",
        "  - {run: kubectl cordon node01, on: node02}",
    );
    assert_at(&e, 26, "solution[0].on: no node named \"node02\"");
}

#[test]
fn the_builtin_files_are_the_catalogue() {
    let files = kubedrill_labs::builtin_files();
    let labs = kubedrill_labs::catalogue().unwrap();
    assert_eq!(files.len(), labs.len());
    for ((name, _), lab) in files.iter().zip(&labs) {
        assert_eq!(*name, format!("labs/{}.yaml", lab.id));
    }
}

#[test]
fn a_setup_that_fails_when_it_runs_is_refused_at_start() {
    // Goal: what only running can find (a setup command that fails) stops the session from
    // starting, naming the lab and the step, rather than giving the student a broken cluster.
    let text = GOOD.replace(
        "    - run: kubectl get nodes",
        "    - {run: kubectl drain node09, expect: {exit: 0}}",
    );
    let lab = parse_lab("labs/tiny.yaml", &text).unwrap();
    let e = kubedrill_labs::Session::start(&lab, 1).unwrap_err();
    assert_eq!(
        e.to_string(),
        "lab tiny: the setup failed: step 1: exit status 1 (expected 0)"
    );
    let text = GOOD.replace("    - run: kubectl get nodes", "    - run: ssh node01");
    let lab = parse_lab("labs/tiny.yaml", &text).unwrap();
    let e = kubedrill_labs::Session::start(&lab, 1).unwrap_err();
    assert!(e.to_string().contains("leaves the shell on node01"), "{e}");
}
