//! A lab on kind: `kubedrill lab start ID --backend kind`.

use kubedrill_labs::Lab;
use kubedrill_sim::scenario::{Scenario, Step};

/// The lab's setup scenario followed by its solution as typed: what the plan of a lab shows
/// (setup, then how each solution line runs on kind).
pub fn with_solution(lab: &Lab, seed: u64) -> Scenario {
    let mut s = lab.scenario(seed);
    for line in &lab.solution {
        s.steps.push(Step {
            run: Some(line.run.clone()),
            on: line.on.clone(),
            ..Step::default()
        });
    }
    s
}
