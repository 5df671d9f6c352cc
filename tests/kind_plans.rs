//! The kind plan of every corpus scenario and of every lab (its setup, then its solution as
//! typed) is a reviewed snapshot: a change in what kubedrill would run on kind shows up as a
//! diff. Plans are pure, so none of this needs kind or Docker.

use kubedrill::kind::backend::plan_for_display;
use kubedrill::kind::images::ImageMap;
use kubedrill::kind::planner::render::render;
use kubedrill::kind::planner::{Action, Expect, Plan, Program};
use kubedrill::scenario_file::load_str;
use kubedrill_sim::Seed;
use kubedrill_sim::runner::prepare;
use kubedrill_sim::scenario::Scenario;

fn plan_of(scenario: &Scenario) -> Plan {
    let seed = Seed(scenario.seed.unwrap_or(1));
    let sim = prepare(scenario, seed).unwrap_or_else(|e| panic!("{}: {e}", scenario.metadata.name));
    plan_for_display(scenario, &sim, ImageMap::default())
}

/// Invariants every plan keeps (kind.md §7): drains carry `--timeout`, in-node commands run
/// under `timeout`, every command has a deadline, the cluster is deleted at the end.
fn check_invariants(plan: &Plan) {
    let mut runs = Vec::new();
    fn collect<'a>(actions: &'a [Action], out: &mut Vec<&'a kubedrill::kind::planner::Invocation>) {
        for a in actions {
            match a {
                Action::Run { inv, .. } | Action::Resolve { inv, .. } => out.push(inv),
                Action::Poll { poll, .. } => {
                    if let kubedrill::kind::planner::Probe::Run(inv) = &poll.probe {
                        out.push(inv);
                    }
                }
                Action::After { actions, .. } => collect(actions, out),
            }
        }
    }
    collect(&plan.setup, &mut runs);
    for s in &plan.steps {
        collect(&s.actions, &mut runs);
    }
    for inv in &runs {
        assert!(!inv.timeout.is_zero());
        let words = &inv.args;
        if inv.program == Program::Kubectl || words.iter().any(|w| w.contains("kubectl")) {
            let drain = words.iter().any(|w| w == "drain" || w.contains("kubectl drain"));
            assert!(
                !drain || words.iter().any(|w| w.contains("--timeout")),
                "drain without --timeout: {words:?}"
            );
        }
        if inv.program == Program::Docker && words.first().is_some_and(|w| w == "exec") {
            let mut i = 1;
            while words.get(i).is_some_and(|w| w == "-e") {
                i += 2;
            }
            // words[i] is the container; then the command, which must be `timeout`.
            assert_eq!(
                words.get(i + 1).map(String::as_str),
                Some("timeout"),
                "docker exec without timeout: {words:?}"
            );
        }
    }
    if plan.not_comparable.is_none() {
        let last = plan.teardown.last().expect("a teardown");
        let Action::Run { inv, .. } = last else {
            panic!("teardown is a command")
        };
        assert_eq!(inv.args[..2], ["delete".to_string(), "cluster".to_string()]);
        assert_eq!(inv.expect, Expect::Success);
    }
}

#[test]
fn scenario_plans() {
    insta::glob!("../scenarios", "**/*.yaml", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let scenario = load_str(&text, &path.display().to_string()).unwrap_or_else(|e| panic!("{e}"));
        let plan = plan_of(&scenario);
        check_invariants(&plan);
        insta::assert_snapshot!(render(&plan));
    });
}

#[test]
fn lab_plans() {
    insta::glob!("../labs/labs", "*.yaml", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let name = format!("labs/{}", path.file_name().unwrap().to_string_lossy());
        let lab = kubedrill_labs::parse_lab(&name, &text).unwrap_or_else(|e| panic!("{e}"));
        let scenario = kubedrill::kind::lab::with_solution(&lab, lab.default_seed());
        let plan = plan_of(&scenario);
        check_invariants(&plan);
        insta::assert_snapshot!(render(&plan));
    });
}

#[test]
fn a_plan_is_the_same_every_time() {
    let text = std::fs::read_to_string("scenarios/etcd/04-three-members-lose-two.yaml").unwrap();
    let scenario = load_str(&text, "04").unwrap();
    assert_eq!(render(&plan_of(&scenario)), render(&plan_of(&scenario)));
}
