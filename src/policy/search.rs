//! `policy check`: many generated cases (proptest strategies from
//! `kubedrill_sim::scenario::generate`), each run under watch; the first failure shrunk
//! ([`super::shrink`]) to a small case that fails the same property.
//!
//! Case `i` of a check with seed `S` draws from its own ChaCha stream (seeded by `S` and `i`),
//! so a check is reproducible from its seed and a case does not depend on the cases before it.

use super::Policy;
use super::check::{Checked, Failure, RunOptions, run_checked};
use super::faults::Schedule;
use kubedrill_sim::Seed;
use kubedrill_sim::scenario::generate::{self, Case};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct SearchOptions {
    pub cases: u32,
    pub seed: u64,
    pub generate: generate::Limits,
    pub run: RunOptions,
    /// Candidates run at most while shrinking: the same failure shrinks to the same case
    /// on any machine.
    pub shrink_runs: u32,
    /// Wall-clock limit for shrinking, a safety beside the runs (it says when it stopped one).
    pub shrink_time: Duration,
    /// Threads checking cases at once.
    pub jobs: usize,
}

impl Default for SearchOptions {
    fn default() -> Self {
        Self {
            cases: 200,
            seed: 1,
            generate: generate::Limits::default(),
            run: RunOptions::default(),
            // A case takes 1.8 ms on average on this project's 2-core machine: about 2 s.
            shrink_runs: 1_000,
            shrink_time: Duration::from_secs(30),
            jobs: 1,
        }
    }
}

/// The first failing case, shrunk.
#[derive(Debug)]
pub struct Found {
    /// 0-based index of the case that failed first.
    pub index: u32,
    pub original: Case,
    pub case: Case,
    pub failure: Failure,
    /// Runs made while shrinking, and how long it took.
    pub shrink_runs: u32,
    pub shrink_elapsed: Duration,
    /// Why shrinking stopped early, if it did.
    pub shrink_stopped: Option<super::shrink::Stopped>,
}

#[derive(Debug)]
pub struct Summary {
    /// Cases up to the first failing one (included), or all of them.
    pub cases: u32,
    /// Wall time spent checking (shrinking not included; with several threads, cases beyond
    /// the first failure may have been checked meanwhile).
    pub elapsed: Duration,
    pub found: Option<Found>,
}

impl Summary {
    pub fn rate(&self) -> f64 {
        f64::from(self.cases) / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// A fresh policy per run: a controller keeps state within one run only.
/// (Shared by the check's threads.)
pub type MakePolicy<'a> = dyn Fn() -> Box<dyn Policy> + Sync + 'a;

/// Runs one case; None when every property held.
pub fn run_case(make: &MakePolicy<'_>, case: &Case, opts: &RunOptions) -> Option<Failure> {
    checked(make, case, opts).failure
}

/// Runs one case, keeping whatever `opts` asks for.
pub fn checked(make: &MakePolicy<'_>, case: &Case, opts: &RunOptions) -> Checked {
    let scenario = case.scenario();
    let mut policy = make();
    match run_checked(
        policy.as_mut(),
        &scenario,
        Seed(case.seed),
        Schedule::from_case(case),
        opts,
    ) {
        Ok(c) => c,
        // The generator builds only clusters the simulator accepts; should one not build, the
        // case fails visibly rather than passing.
        Err(e) => Checked {
            outcome: Ok(super::Outcome::Aborted(String::new())),
            failure: Some(Failure {
                property: "case_builds".into(),
                detail: format!("the generated case does not build: {e}"),
                at: kubedrill_sim::time::SimTime::ZERO,
                step: 0,
                expect: Default::default(),
            }),
            steps: Vec::new(),
            transcript: Vec::new(),
            violations_by_step: Vec::new(),
            elapsed: Default::default(),
            steps_applied: 0,
            commands: 0,
        },
    }
}

fn runner_for(seed: u64, index: u32) -> TestRunner {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..12].copy_from_slice(&index.to_le_bytes());
    bytes[12..16].copy_from_slice(b"kdpc");
    let config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// Case `index` of a check with `seed`.
pub fn generated(seed: u64, index: u32, limits: generate::Limits) -> Option<Case> {
    let mut runner = runner_for(seed, index);
    generate::case(limits).new_tree(&mut runner).ok().map(|t| t.current())
}

/// Runs up to `opts.cases` cases on `opts.jobs` threads; stops at the first failure (the
/// lowest failing case index, whatever the threads' timing) and shrinks it.
pub fn search(make: &MakePolicy<'_>, opts: &SearchOptions) -> Summary {
    let start = Instant::now();
    let next = AtomicU32::new(0);
    let first = AtomicU32::new(u32::MAX);
    let failures: Mutex<Vec<(u32, Case, Failure)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..opts.jobs.max(1) {
            scope.spawn(|| {
                loop {
                    // Cases are handed out in order, so every case below a failing one is
                    // checked before the search ends: the lowest failure is found.
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    if index >= opts.cases || index > first.load(Ordering::SeqCst) {
                        return;
                    }
                    let Some(case) = generated(opts.seed, index, opts.generate) else {
                        continue;
                    };
                    if let Some(failure) = run_case(make, &case, &opts.run) {
                        first.fetch_min(index, Ordering::SeqCst);
                        failures
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((index, case, failure));
                    }
                }
            });
        }
    });
    let elapsed = start.elapsed();
    let failures = failures.into_inner().unwrap_or_else(|e| e.into_inner());
    let Some((index, case, failure)) = failures.into_iter().min_by_key(|(i, _, _)| *i) else {
        return Summary {
            cases: opts.cases,
            elapsed,
            found: None,
        };
    };
    let found = shrink(make, case, failure, index, opts);
    Summary {
        cases: index + 1,
        elapsed,
        found: Some(found),
    }
}

/// Shrinks the failing case, holding on to the same property.
fn shrink(make: &MakePolicy<'_>, original: Case, failure: Failure, index: u32, opts: &SearchOptions) -> Found {
    let property = failure.property.clone();
    let budget = super::shrink::Budget {
        runs: opts.shrink_runs,
        time: opts.shrink_time,
    };
    let oldest = *opts.generate.from_minors().start();
    let shrunk = super::shrink::shrink(original.clone(), budget, oldest, |c| {
        run_case(make, c, &opts.run).is_some_and(|f| f.property == property)
    });
    // The shrunk case's own failure (same property, its own detail).
    let failure = if shrunk.case == original {
        failure
    } else {
        run_case(make, &shrunk.case, &opts.run).unwrap_or(failure)
    };
    Found {
        index,
        original,
        case: shrunk.case,
        failure,
        shrink_runs: shrunk.runs,
        shrink_elapsed: shrunk.elapsed,
        shrink_stopped: shrunk.stopped,
    }
}

/// `3 control planes and 17 workers in 2 pools, 4 workloads, 2 faults`.
pub fn describe(case: &Case) -> String {
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{} and {} in {}, {}, {}, v1.{}",
        plural(usize::from(case.control_planes), "control plane", "control planes"),
        plural(case.workers() as usize, "worker", "workers"),
        plural(case.pools.len(), "pool", "pools"),
        plural(case.workloads.len(), "workload", "workloads"),
        plural(case.faults.len(), "fault", "faults"),
        case.from_minor
    )
}
