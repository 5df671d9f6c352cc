//! Every scenario in `scenarios/` runs on the simulator, meets its own expectations, matches
//! its reviewed transcript snapshot, and runs byte-identically twice.

use kubedrill::scenario_file::load_str;
use kubedrill_sim::runner;
use kubedrill_sim::{Seed, trace};
use std::path::Path;

fn run(path: &Path) -> runner::Report {
    let text = std::fs::read_to_string(path).expect("scenario file is readable");
    let scenario = load_str(&text, &path.display().to_string()).unwrap_or_else(|e| panic!("{e}"));
    let seed = Seed(scenario.seed.expect("corpus scenarios pin their seed"));
    runner::run(&scenario, seed).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn transcript() {
    // Goal: a change in behaviour or output shows up as a failed expectation or a snapshot diff.
    insta::glob!("../scenarios", "**/*.yaml", |path| {
        let report = run(path);
        assert!(
            report.passed(),
            "{}: {:?}\n{}",
            path.display(),
            report.failures,
            report.transcript_text()
        );
        insta::assert_snapshot!(report.transcript_text());
    });
}

#[test]
fn every_scenario_is_deterministic() {
    // Goal: same seed and same input give a byte-identical transcript and trace.
    insta::glob!("../scenarios", "**/*.yaml", |path| {
        let (a, b) = (run(path), run(path));
        assert_eq!(a.transcript, b.transcript, "{}", path.display());
        assert_eq!(a.sim.trace().len(), b.sim.trace().len(), "{}", path.display());
        assert_eq!(
            trace::digest(a.sim.trace()),
            trace::digest(b.sim.trace()),
            "{}",
            path.display()
        );
    });
}
