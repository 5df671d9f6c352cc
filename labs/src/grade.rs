//! Grading: every objective checked on the end state, and a score.
//!
//! Objectives that ask for a change (`already: false`) earn their weight when they pass.
//! Objectives that hold from the start (`already: true`: workloads stay available, no
//! invariant broken) earn nothing, so doing nothing scores 0 %, but each one that fails costs
//! its weight: breaking what had to be kept loses the points of a change.
//!
//! `score = max(0, passed task weight − failed guard weight) × 100 / task weight`, rounded
//! down.

use std::fmt;

/// One objective's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectiveResult {
    pub name: String,
    pub passed: bool,
    /// What the check found (`node01 runs kubelet v1.30.6`).
    pub detail: String,
    /// A guard (held from the start) rather than a change to make.
    pub already: bool,
    pub weight: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grade {
    pub objectives: Vec<ObjectiveResult>,
    /// Percent, 0 to 100.
    pub score: u32,
    /// How many hints the student asked for.
    pub hints_used: u32,
    /// The student printed the solution.
    pub solution_viewed: bool,
}

impl Grade {
    pub(crate) fn new(objectives: Vec<ObjectiveResult>, hints_used: u32, solution_viewed: bool) -> Self {
        let score = score(&objectives);
        Self {
            objectives,
            score,
            hints_used,
            solution_viewed,
        }
    }

    /// Every objective holds.
    pub fn passed(&self) -> bool {
        self.objectives.iter().all(|o| o.passed)
    }
}

fn score(objectives: &[ObjectiveResult]) -> u32 {
    let total: u32 = objectives.iter().filter(|o| !o.already).map(|o| o.weight).sum();
    if total == 0 {
        return 0;
    }
    let earned: u32 = objectives
        .iter()
        .filter(|o| !o.already && o.passed)
        .map(|o| o.weight)
        .sum();
    let lost: u32 = objectives
        .iter()
        .filter(|o| o.already && !o.passed)
        .map(|o| o.weight)
        .sum();
    earned.saturating_sub(lost) * 100 / total
}

impl fmt::Display for Grade {
    /// The `check` report: one line per objective, then the score.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for o in &self.objectives {
            let mark = if o.passed { "x" } else { " " };
            let keep = if o.already { "keep: " } else { "" };
            write!(f, "[{mark}] {keep}{}", o.name)?;
            if !o.detail.is_empty() {
                write!(f, " — {}", o.detail)?;
            }
            writeln!(f)?;
        }
        let passed = self.objectives.iter().filter(|o| o.passed).count();
        write!(
            f,
            "{passed}/{} objectives met, score {}%",
            self.objectives.len(),
            self.score
        )?;
        if self.objectives.iter().any(|o| o.already && !o.passed) {
            // Otherwise "3/5 met, score 0%" reads like a bug.
            write!(f, " (a broken `keep:` objective costs as much as a met one earns)")?;
        }
        writeln!(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(already: bool, passed: bool, weight: u32) -> ObjectiveResult {
        ObjectiveResult {
            name: String::new(),
            passed,
            detail: String::new(),
            already,
            weight,
        }
    }

    #[test]
    fn guards_earn_nothing_and_cost_their_weight() {
        assert_eq!(score(&[o(false, false, 1), o(true, true, 1)]), 0);
        assert_eq!(score(&[o(false, true, 1), o(false, false, 1), o(true, true, 1)]), 50);
        assert_eq!(score(&[o(false, true, 2), o(false, true, 1), o(true, false, 1)]), 66);
        assert_eq!(score(&[o(false, true, 1), o(true, false, 3)]), 0);
        assert_eq!(score(&[o(false, true, 3), o(true, true, 1)]), 100);
    }
}
