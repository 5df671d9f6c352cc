//! Mock exams: a deterministic mix of labs, and the report against the CKA pass mark.

use crate::grade::{Grade, ObjectiveResult};
use crate::lab::{Difficulty, Lab};
use kubedrill_sim::rng::{Seed, SimRng};
use std::collections::BTreeMap;
use std::fmt;

/// The CKA's pass mark, in percent.
pub const PASS_MARK: u32 = 66;

/// `count` labs from `catalogue`, the same for the same seed: topics are spread first (one lab
/// of each topic before a second of any), in a seeded order, then sorted from easy to hard as
/// an exam paper reads.
pub fn exam_set(catalogue: &[Lab], count: usize, seed: u64) -> Vec<&Lab> {
    let mut rng = SimRng::new(Seed(seed));
    let mut order: Vec<&Lab> = catalogue.iter().collect();
    // Fisher-Yates with the simulator's named generator: stable across platforms and releases.
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    let mut round: BTreeMap<&str, usize> = BTreeMap::new();
    let mut ranked: Vec<(usize, usize, &Lab)> = order
        .into_iter()
        .enumerate()
        .map(|(pos, lab)| {
            let r = round.entry(lab.topic.as_str()).or_default();
            *r += 1;
            (*r, pos, lab)
        })
        .collect();
    ranked.sort_by_key(|(r, pos, _)| (*r, *pos));
    let mut chosen: Vec<&Lab> = ranked.into_iter().take(count).map(|(_, _, l)| l).collect();
    chosen.sort_by_key(|l| (l.difficulty, l.minutes, l.id.clone()));
    chosen
}

/// One task of a mock exam.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExamTask {
    pub id: String,
    pub title: String,
    pub difficulty: Difficulty,
    pub weight: u32,
    /// The lab's score, percent.
    pub score: u32,
    /// Each objective's result, shown once the exam is over (empty when only scores are known).
    pub objectives: Vec<ObjectiveResult>,
}

/// The result of a mock exam: each task's score weighted by the task's weight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExamReport {
    pub tasks: Vec<ExamTask>,
    /// Weighted percent, rounded down.
    pub score: u32,
    pub pass_mark: u32,
}

impl ExamReport {
    /// From each lab's score (percent).
    pub fn new<'a>(results: impl IntoIterator<Item = (&'a Lab, u32)>) -> Self {
        Self::with_objectives(results.into_iter().map(|(lab, score)| (lab, score, Vec::new())))
    }

    /// From each lab's grade: the report lists every objective under its task.
    pub fn from_grades<'a>(results: impl IntoIterator<Item = (&'a Lab, &'a Grade)>) -> Self {
        Self::with_objectives(results.into_iter().map(|(l, g)| (l, g.score, g.objectives.clone())))
    }

    fn with_objectives<'a>(results: impl IntoIterator<Item = (&'a Lab, u32, Vec<ObjectiveResult>)>) -> Self {
        let tasks: Vec<ExamTask> = results
            .into_iter()
            .map(|(lab, score, objectives)| ExamTask {
                id: lab.id.clone(),
                title: lab.title.clone(),
                difficulty: lab.difficulty,
                weight: lab.exam_weight(),
                score: score.min(100),
                objectives,
            })
            .collect();
        let total: u32 = tasks.iter().map(|t| t.weight).sum();
        let earned: u32 = tasks.iter().map(|t| t.weight * t.score).sum();
        let score = earned.checked_div(total).unwrap_or(0);
        Self {
            tasks,
            score,
            pass_mark: PASS_MARK,
        }
    }

    pub fn passed(&self) -> bool {
        self.score >= self.pass_mark
    }
}

impl fmt::Display for ExamReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total: u32 = self.tasks.iter().map(|t| t.weight).sum();
        let id_w = self.tasks.iter().map(|t| t.id.len()).max().unwrap_or(2).max(4);
        writeln!(
            f,
            "{:<id_w$}  {:<10}  {:>6}  {:>5}",
            "TASK", "DIFFICULTY", "WEIGHT", "SCORE"
        )?;
        for t in &self.tasks {
            let weight = (t.weight * 100).checked_div(total).unwrap_or(0);
            writeln!(
                f,
                "{:<id_w$}  {:<10}  {:>5}%  {:>4}%",
                t.id,
                t.difficulty.to_string(),
                weight,
                t.score
            )?;
            for o in &t.objectives {
                let mark = if o.passed { "x" } else { " " };
                let detail = if o.detail.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", o.detail)
                };
                writeln!(f, "    [{mark}] {}{detail}", o.name)?;
            }
        }
        writeln!(
            f,
            "total {}% (pass mark {}%): {}",
            self.score,
            self.pass_mark,
            if self.passed() { "PASS" } else { "FAIL" }
        )
    }
}
