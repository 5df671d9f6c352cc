//! `kubedrill policy run` and `kubedrill policy check`: the edges (files, clock, output) around
//! `kubedrill::policy`.

use crate::out::{errln, outln};
use crate::policy::check::{RunOptions, run_checked};
use crate::policy::controller::FilePolicy;
use crate::policy::counterexample::{Provenance, render};
use crate::policy::faults::Schedule;
use crate::policy::file::{self, PolicyFile};
use crate::policy::search::{self, Found, SearchOptions, describe};
use crate::policy::{Outcome, Policy};
use crate::scenario_file;
use anyhow::Context as _;
use kubedrill_sim::Seed;
use kubedrill_sim::scenario::generate;
use kubedrill_sim::time::SimDuration;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn load_policy(path: &Path) -> Result<PolicyFile, ExitCode> {
    file::load(path).map_err(|e| {
        errln!("{e}");
        ExitCode::from(2)
    })
}

/// `kubedrill policy run POLICY --scenario FILE`: the policy once on the scenario's cluster
/// (its steps are not run), with the transcript of every input and what the tools printed.
pub fn run(
    policy_path: &Path,
    scenario_path: &Path,
    seed: Option<u64>,
    settle: SimDuration,
) -> anyhow::Result<ExitCode> {
    let policy = match load_policy(policy_path) {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let text = match scenario_file::read_text(scenario_path, "a scenario file") {
        Ok(t) => t,
        Err(e) => {
            errln!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
    let file_name = scenario_path.display().to_string();
    let scenario = match scenario_file::load_str(&text, &file_name) {
        Ok(s) => s,
        Err(e) => {
            errln!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
    let seed = Seed(seed.or(scenario.seed).unwrap_or(1));
    let opts = RunOptions {
        settle,
        transcript: true,
        ..RunOptions::default()
    };
    let mut controller = FilePolicy::new(policy);
    let checked = match run_checked(&mut controller, &scenario, seed, Schedule::default(), &opts) {
        Ok(c) => c,
        Err(e) => {
            errln!("{}", scenario_file::scenario_error_at(&text, &file_name, &e));
            return Ok(ExitCode::from(2));
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "SEED={}", seed.0)?;
    if !scenario.steps.is_empty() {
        writeln!(
            out,
            "# the scenario's {} steps are not run: the policy drives its cluster",
            scenario.steps.len()
        )?;
    }
    for line in &checked.transcript {
        writeln!(out, "{line}")?;
    }
    let ended = match &checked.outcome {
        Ok(Outcome::Done) => "Done".to_string(),
        Ok(Outcome::Aborted(why)) => format!("Aborted: {why}"),
        Err(h) => format!("did not end: {h}"),
    };
    writeln!(
        out,
        "# policy {} ended {ended} after {} (virtual)",
        controller.name(),
        checked.elapsed
    )?;
    match &checked.failure {
        None => writeln!(out, "# every property held")?,
        Some(f) => writeln!(out, "# property {} failed at step {}: {}", f.property, f.step, f.detail)?,
    }
    out.flush()?;
    let ok = checked.failure.is_none() && checked.outcome == Ok(Outcome::Done);
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// What `policy check` is asked to do.
pub struct CheckArgs<'a> {
    pub policy: &'a Path,
    pub cases: u32,
    pub seed: u64,
    pub out: &'a Path,
    pub max_nodes: u32,
    /// The oldest minor a generated cluster runs (`--from`).
    pub oldest_minor: u32,
    pub settle: SimDuration,
    pub jobs: usize,
}

/// `kubedrill policy check POLICY`: generated cases until one fails a property (shrunk and
/// written as a scenario, exit 1) or all pass (exit 0).
pub fn check(args: &CheckArgs<'_>) -> anyhow::Result<ExitCode> {
    let policy = match load_policy(args.policy) {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let opts = SearchOptions {
        cases: args.cases,
        seed: args.seed,
        generate: generate::Limits {
            max_nodes: args.max_nodes,
            oldest_minor: args.oldest_minor,
            ..generate::Limits::default()
        },
        run: RunOptions {
            settle: args.settle,
            ..RunOptions::default()
        },
        jobs: args.jobs,
        ..SearchOptions::default()
    };
    let make = {
        let policy = policy.clone();
        move || -> Box<dyn Policy> { Box::new(FilePolicy::new(policy.clone())) }
    };
    let summary = search::search(&make, &opts);
    let name = policy.name();
    let rate = summary.rate();
    let Some(found) = summary.found else {
        outln!(
            "policy {name}: {} cases passed, {} properties held (seed {}): {rate:.0} cases/s",
            summary.cases,
            crate::policy::check::PROPERTIES.len() + kubedrill_sim::invariant::InvariantId::ALL.len(),
            args.seed
        )?;
        return Ok(ExitCode::SUCCESS);
    };
    let path = args.out.join(format!("{name}-counterexample.yaml"));
    let recorded = search::checked(
        &make,
        &found.case,
        &RunOptions {
            record: true,
            ..opts.run.clone()
        },
    );
    // The replayed run is the same run: its failure is the one to write.
    let failure = recorded.failure.clone().unwrap_or_else(|| found.failure.clone());
    let provenance = Provenance {
        policy: name.to_string(),
        found_by: format!(
            "kubedrill policy check {} --seed {} --max-nodes {}{}",
            args.policy.display(),
            args.seed,
            args.max_nodes,
            if args.oldest_minor > *generate::FROM_MINORS.start() {
                format!(" --from v1.{}", args.oldest_minor)
            } else {
                String::new()
            }
        ),
        how: format!(
            "case {} of the check; shrunk in {:.1} s over {} runs from {} to {}{}",
            found.index,
            found.shrink_elapsed.as_secs_f64(),
            found.shrink_runs,
            describe(&found.original),
            describe(&found.case),
            stopped_text(&found)
        ),
        faults: Schedule::from_case(&found.case).described,
        path: path.display().to_string(),
    };
    let text = render(
        &found.case.scenario(),
        &recorded,
        &failure,
        opts.run.limits.step,
        &provenance,
    );
    write_file(&path, &text)?;
    outln!(
        "policy {name}: property {} failed on case {} (seed {}): {}",
        failure.property,
        found.index,
        args.seed,
        failure.detail
    )?;
    outln!(
        "shrunk in {:.1} s ({} runs) from {} to {}{}",
        found.shrink_elapsed.as_secs_f64(),
        found.shrink_runs,
        describe(&found.original),
        describe(&found.case),
        stopped_text(&found)
    )?;
    outln!("counterexample: {}", path.display())?;
    outln!("replay: kubedrill run {}", path.display())?;
    let plural = if summary.cases == 1 { "case" } else { "cases" };
    outln!("{} {plural} checked: {rate:.0} cases/s", summary.cases)?;
    Ok(ExitCode::from(1))
}

fn write_file(path: &PathBuf, text: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// `` (the shrink was complete) or ` (stopped at its budget of 1000 runs)`.
fn stopped_text(found: &Found) -> String {
    found.shrink_stopped.map(|s| format!(" ({s})")).unwrap_or_default()
}
