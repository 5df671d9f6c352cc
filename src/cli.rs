//! Command-line interface: `run`, `replay`, `validate`, `bench`. `run --backend etcd` checks the
//! simulator's etcd against real etcd processes beside the run (`etcd_backend::scenario`).
//!
//! Exit codes: 0 = every expectation held; 1 = an expectation or invariant failed;
//! 2 = the command line or a file cannot be used.

use crate::out::{errln, is_broken_pipe, out, outln};
use crate::scenario_file::{self, LoadError};
use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use kubedrill_sim::Seed;
use kubedrill_sim::runner::{self, Report};
use kubedrill_sim::scenario::Scenario;
use kubedrill_sim::time::SimDuration;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "kubedrill",
    version,
    about = "A deterministic simulator, lab and test harness for Kubernetes cluster maintenance"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// CKA Cluster Maintenance labs: a task, a cluster that answers like a real one, grading
    /// on the end state.
    #[command(subcommand)]
    Lab(LabCommand),
    /// Run a scenario on the built-in simulator and print its transcript.
    Run(RunArgs),
    /// Run a failure file written by an earlier run (same as `run`, with the recorded seed).
    Replay(RunArgs),
    /// Serve a scenario's cluster (after its steps) as a Kubernetes API endpoint on 127.0.0.1
    /// that a real kubectl can drive; writes a kubeconfig (context `kubedrill`).
    Serve {
        /// The scenario file (YAML, format kubedrill/v1).
        file: PathBuf,
        /// Port on 127.0.0.1 (0: any free port).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Where to write the kubeconfig (default: a file in the temporary directory, removed on exit).
        #[arg(long, value_name = "FILE")]
        kubeconfig: Option<PathBuf>,
        /// Virtual seconds per wall-clock second while a client is connected.
        #[arg(long, default_value_t = 1.0, value_parser = parse_speed)]
        speed: f64,
        /// Seed of the cluster (overrides the file's `seed:`).
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Upgrade policies: run one on a scenario's cluster, or property-check it on generated
    /// clusters and fault schedules.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Check scenario files without running them.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Soak real etcd (the `etcd` on PATH): cycles of writes, a snapshot, a member killed with
    /// writes in flight, and a restart, member replacement or restore, checked for lost writes
    /// and against the simulator's model.
    Soak {
        /// How many cycles.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        cycles: u32,
        /// Members of the real cluster.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=7))]
        members: u64,
        /// Which members fail and how they come back.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Compare drain, upgrade and etcd-restore strategies from a benchmark file (kind:
    /// StrategyBenchmark), or time a maintenance sweep on a large simulated cluster (no FILE).
    Bench(BenchArgs),
}

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
struct BenchArgs {
    #[command(subcommand)]
    command: Option<BenchCommand>,
    /// A strategy benchmark file (docs/benchmark-format.md). Without it, `--workload` times a
    /// sweep on a large cluster.
    file: Option<PathBuf>,
    /// Seeds A to B (both included), instead of the file's `spec.seeds`.
    #[arg(long, value_name = "A..B")]
    seeds: Option<String>,
    /// Where results.csv, results.json and the SVG plots go.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// What goes to stdout.
    #[arg(long, value_enum, default_value_t = BenchFormat::Table)]
    format: BenchFormat,
    /// Run only shard I of N (0 <= I < N): every N-th seed from the I-th.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Print a Kubernetes Indexed Job (and the ConfigMap holding FILE) that runs the sweep in
    /// `--shards` shards, instead of running it.
    #[arg(long)]
    emit_job: bool,
    /// With `--emit-job`: how many shards (Job completions).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10000))]
    shards: Option<u32>,
    /// With `--emit-job`: the container image with kubedrill in it.
    #[arg(long)]
    image: Option<String>,
    /// Without FILE: worker nodes (3 control planes come on top).
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u32).range(1..=10000))]
    workers: u32,
    /// Without FILE: pods in the whole cluster, system pods included.
    #[arg(long, default_value_t = 150_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pods: u32,
    /// Without FILE: what to measure.
    #[arg(long, value_enum)]
    workload: Option<Workload>,
    /// Without FILE: generated cases for `--workload policy`.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    cases: u32,
    /// With `--workload drain|upgrade`: how many times the cluster is built and the sweep run
    /// (default 5); the median time of each part is reported, as the bare loop's is.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=50))]
    rounds: Option<u32>,
}

#[derive(Subcommand, Debug)]
enum BenchCommand {
    /// Merge shard outputs (`--shard I/N` runs) into exactly what one unsharded run writes.
    Merge {
        /// The shards' output directories.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where the merged results.csv, results.json and plots go.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// What goes to stdout.
        #[arg(long, value_enum, default_value_t = BenchFormat::Table)]
        format: BenchFormat,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum BenchFormat {
    Table,
    Csv,
    Json,
}

#[derive(Subcommand, Debug)]
enum LabCommand {
    /// The catalogue, with your best score per lab.
    List,
    /// Start a lab: prints the task and opens the prompt (reads lines from stdin when it is
    /// not a terminal).
    Start {
        /// The lab's id (see `kubedrill lab list`).
        id: String,
        /// Seed of the lab's cluster (pod names and the like; default: the lab's own).
        #[arg(long)]
        seed: Option<u64>,
        /// Serve the lab's cluster as a Kubernetes API endpoint and run the kubectl lines typed
        /// on the control plane with the real kubectl on PATH (everything else, and grading,
        /// stays on the simulator).
        #[arg(long)]
        real_kubectl: bool,
        /// `kind` runs the lab on a real kind cluster (needs kind and Docker): the setup is
        /// replayed there, your lines run for real, and `check` grades what kind shows.
        #[arg(long, value_enum, default_value_t = LabBackend::Sim)]
        backend: LabBackend,
        /// With `--backend kind`: node images to use (see `run --kind-image-map`).
        #[arg(long, value_name = "FILE")]
        kind_image_map: Option<PathBuf>,
    },
    /// The labs in a browser: a catalogue, and per lab the task, a terminal and a live picture
    /// of the cluster. Listens on 127.0.0.1 only; everything is built into this binary.
    Serve {
        /// The port on 127.0.0.1 (0: any free port; the address is printed).
        #[arg(long, default_value_t = 8417)]
        port: u16,
    },
    /// A mock exam: several labs in a row under a countdown, scored against the CKA pass mark.
    Exam {
        /// Minutes for the whole exam.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=600))]
        minutes: u64,
        /// How many tasks.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=30))]
        count: u64,
        /// Which tasks and clusters (default: a new draw each time).
        #[arg(long)]
        seed: Option<u64>,
    },
}

#[derive(Subcommand, Debug)]
enum PolicyCommand {
    /// Run the policy once on a scenario's cluster (its steps are not run) and print what it
    /// typed, where, and what the tools answered.
    Run {
        /// The policy file (YAML, kind UpgradePolicy).
        policy: PathBuf,
        /// The scenario whose cluster and workloads the policy upgrades.
        #[arg(long)]
        scenario: PathBuf,
        /// Seed of the cluster (default: the scenario's, else 1).
        #[arg(long)]
        seed: Option<u64>,
        /// How long after the run workloads have to be available again.
        #[arg(long, default_value = "10m", value_parser = parse_duration)]
        settle: SimDuration,
    },
    /// Check the policy's properties on generated clusters and fault schedules; the first
    /// failure is shrunk and written as a scenario.
    Check {
        /// The policy file (YAML, kind UpgradePolicy).
        policy: PathBuf,
        /// How many generated cases.
        #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        cases: u32,
        /// Seed of the check (the same seed checks the same cases).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Where the counterexample goes (`DIR/<policy>-counterexample.yaml`).
        #[arg(long, default_value = "target/kubedrill/counterexamples")]
        out: PathBuf,
        /// Most nodes in a generated cluster, control planes included.
        #[arg(long, default_value_t = 55, value_parser = clap::value_parser!(u32).range(2..=60))]
        max_nodes: u32,
        /// The oldest Kubernetes minor a generated cluster runs (v1.24 to v1.35), for a policy
        /// meant for newer clusters only.
        #[arg(long, default_value = "v1.24", value_parser = parse_oldest_minor)]
        from: u32,
        /// How long after the run workloads have to be available again.
        #[arg(long, default_value = "10m", value_parser = parse_duration)]
        settle: SimDuration,
        /// Threads checking cases at once (default: one per CPU); the result is the same for
        /// any number.
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
        jobs: Option<u16>,
    },
}

/// `v1.32` or `1.32`: a minor a generated cluster may start from.
fn parse_oldest_minor(text: &str) -> Result<u32, String> {
    let range = kubedrill_sim::scenario::generate::FROM_MINORS;
    let bad = || {
        format!(
            "{text:?}: expected a Kubernetes minor from v1.{} to v1.{}, such as v1.32",
            range.start(),
            range.end()
        )
    };
    let minor = text
        .strip_prefix('v')
        .unwrap_or(text)
        .strip_prefix("1.")
        .and_then(|m| m.parse::<u32>().ok())
        .ok_or_else(bad)?;
    if range.contains(&minor) { Ok(minor) } else { Err(bad()) }
}

fn parse_duration(text: &str) -> Result<SimDuration, String> {
    SimDuration::parse_scenario(text).map_err(String::from)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum LabBackend {
    /// The built-in simulator.
    Sim,
    /// A real kind cluster.
    Kind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Workload {
    /// Cordon, drain and uncordon every worker.
    Drain,
    /// A full minor rolling upgrade (1.30 to 1.31): control planes, then every node in place.
    Upgrade,
    /// Every lab started and its solution typed: start time per lab, latency per command
    /// (`--workers`/`--pods` do not apply).
    Labs,
    /// The cluster served to a real kubectl: `kubectl get pods -A`, and a worker's drain at
    /// 100× wall-clock speed.
    Serve,
    /// `policy check` of the in-place example policy on generated 10–50-node clusters, one
    /// minor upgrade each: cases per second on one core (`--cases`; `--workers`/`--pods` do
    /// not apply).
    Policy,
    /// The adversarial inputs of the reliability issue typed into a lab: the slowest line of
    /// each, and its peak memory (`--workers`/`--pods` do not apply).
    Limits,
}

#[derive(clap::Args, Debug)]
pub(crate) struct RunArgs {
    /// The scenario file (YAML, format kubedrill/v1).
    file: PathBuf,
    /// Seed of the run (overrides the file's `seed:`; default: KUBEDRILL_SEED, else random).
    #[arg(long)]
    seed: Option<u64>,
    /// Write the event trace as JSON lines to this file.
    #[arg(long, value_name = "FILE.jsonl")]
    trace: Option<PathBuf>,
    /// Transcript format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Where failure files go.
    #[arg(long, default_value = "target/kubedrill/failures")]
    failures_dir: PathBuf,
    /// `etcd` also runs a real etcd cluster (one member per control plane, from the `etcd` on
    /// PATH) and compares it with the simulator's after every etcd fault; `kind` replays every
    /// step on a real kind cluster and compares after each.
    #[arg(long, value_enum, default_value_t = Backend::Sim)]
    backend: Backend,
    /// With `--backend kind`: print the commands the run would perform on kind and exit,
    /// touching nothing (kind and Docker are not needed).
    #[arg(long)]
    plan: bool,
    /// With `--backend kind`: leave the kind cluster running at the end (it is named on stderr).
    #[arg(long)]
    keep: bool,
    /// With `--backend kind`: node images to use, a YAML mapping of Kubernetes versions to
    /// images (`v1.31.2: kindest/node:v1.31.2@sha256:...`), before kubedrill's own table.
    #[arg(long, value_name = "FILE")]
    kind_image_map: Option<PathBuf>,
    /// After each step, print the model's reasons for what it did (`# why: ...` lines), as a
    /// lab's `why` does.
    #[arg(long)]
    explain: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Backend {
    /// The simulator alone.
    Sim,
    /// The simulator, checked against real etcd processes.
    Etcd,
    /// The simulator, checked against a real kind cluster (needs kind and Docker).
    Kind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Lab(LabCommand::List) => crate::lab_cli::list(),
        Command::Lab(LabCommand::Start {
            id,
            seed,
            real_kubectl,
            backend,
            kind_image_map,
        }) => match backend {
            LabBackend::Sim if kind_image_map.is_some() => {
                errln!("kubedrill: --kind-image-map goes with --backend kind");
                Ok(ExitCode::from(2))
            }
            LabBackend::Kind if real_kubectl => {
                errln!("kubedrill: --real-kubectl goes with the simulator (a kind lab's kubectl is real already)");
                Ok(ExitCode::from(2))
            }
            LabBackend::Sim => crate::lab_cli::start(&id, seed, real_kubectl),
            LabBackend::Kind => crate::lab_cli::start_on_kind(&id, seed, kind_image_map.as_deref()),
        },
        Command::Lab(LabCommand::Serve { port }) => crate::lab_web::serve(port),
        Command::Lab(LabCommand::Exam { minutes, count, seed }) => {
            let seed = seed.unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_secs())
            });
            crate::lab_cli::exam(minutes, count as usize, seed)
        }
        Command::Run(args) | Command::Replay(args) => run(&args),
        Command::Policy(PolicyCommand::Run {
            policy,
            scenario,
            seed,
            settle,
        }) => crate::policy_cli::run(&policy, &scenario, seed, settle),
        Command::Policy(PolicyCommand::Check {
            policy,
            cases,
            seed,
            out,
            max_nodes,
            from,
            settle,
            jobs,
        }) => crate::policy_cli::check(&crate::policy_cli::CheckArgs {
            policy: &policy,
            cases,
            seed,
            out: &out,
            max_nodes,
            oldest_minor: from,
            settle,
            jobs: jobs.map_or_else(
                || std::thread::available_parallelism().map_or(1, usize::from),
                usize::from,
            ),
        }),
        Command::Validate { files } => validate(&files),
        Command::Soak { cycles, members, seed } => soak(cycles, members as usize, seed),
        Command::Serve {
            file,
            port,
            kubeconfig,
            speed,
            seed,
        } => serve(
            &file,
            seed,
            crate::serve::ServeOptions {
                port,
                kubeconfig,
                speed,
            },
        ),
        Command::Bench(args) => bench_command(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // The reader of a pipe stopped reading (`| head -1`): it has what it wanted.
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            errln!("kubedrill: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Reads and checks a scenario; errors carry file:line:col.
fn load(path: &Path) -> Result<(Scenario, String), LoadError> {
    // The loader words unreadable, oversized and non-UTF-8 files (with the bad byte's position).
    let text = scenario_file::read_text(path, "a scenario file")?;
    let scenario = scenario_file::load_str(&text, &path.display().to_string())?;
    runner::check(&scenario).map_err(|e| scenario_file::scenario_error_at(&text, &path.display().to_string(), &e))?;
    Ok((scenario, text))
}

fn choose_seed(flag: Option<u64>, file: Option<u64>) -> anyhow::Result<Seed> {
    if let Some(s) = flag.or(file) {
        return Ok(Seed(s));
    }
    if let Ok(v) = std::env::var("KUBEDRILL_SEED") {
        let s = v
            .trim()
            .parse::<u64>()
            .with_context(|| format!("KUBEDRILL_SEED={v:?} is not a number"))?;
        return Ok(Seed(s));
    }
    // The only place a seed comes from outside: it is printed on the first line of the run.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    Ok(Seed((nanos as u64) ^ (std::process::id() as u64).rotate_left(32)))
}

fn parse_speed(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 1_000_000.0 => Ok(v),
        _ => Err(format!(
            "{s:?} is not a speed: expected a number above 0 (1 = wall-clock time)"
        )),
    }
}

fn serve(file: &Path, seed: Option<u64>, opts: crate::serve::ServeOptions) -> anyhow::Result<ExitCode> {
    let (scenario, _) = match load(file) {
        Ok(s) => s,
        Err(e) => {
            errln!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
    let seed = choose_seed(seed, scenario.seed)?;
    crate::serve::run(&scenario, &file.display().to_string(), seed, opts)
}

fn run(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let (scenario, text) = match load(&args.file) {
        Ok(s) => s,
        Err(e) => {
            errln!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
    let seed = choose_seed(args.seed, scenario.seed)?;
    if args.backend != Backend::Kind && (args.plan || args.keep || args.kind_image_map.is_some()) {
        errln!("kubedrill: --plan, --keep and --kind-image-map go with --backend kind");
        return Ok(ExitCode::from(2));
    }
    if args.backend == Backend::Kind {
        let opts = crate::kind::backend::Options {
            plan_only: args.plan,
            keep: args.keep,
            image_map: args.kind_image_map.clone(),
        };
        return crate::kind::backend::run(&scenario, &text, &args.file, seed, &opts, |report, verdict| {
            finish(args, &text, seed, report, verdict)
        });
    }
    let mut etcd = match args.backend {
        Backend::Sim | Backend::Kind => None,
        Backend::Etcd => match start_etcd_backend(&scenario, seed) {
            Ok(b) => b,
            Err(e) => {
                errln!("kubedrill: --backend etcd: {e}");
                return Ok(ExitCode::from(2));
            }
        },
    };
    let mut explained = 0;
    let result = runner::run_observed(&scenario, seed, |i, step, sim, transcript| {
        if args.explain {
            explain_step(sim, &mut explained, transcript);
        }
        if let Some(backend) = etcd.as_mut() {
            backend.after_step(i, step, sim, transcript);
        }
    });
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            errln!(
                "{}",
                scenario_file::scenario_error_at(&text, &args.file.display().to_string(), &e)
            );
            return Ok(ExitCode::from(2));
        }
    };
    let verdict = etcd.as_ref().map(|backend| BackendVerdict {
        name: "etcd",
        error: backend.error.as_ref().map(|(step, e)| format!("step {step}: {e}")),
        disagreements: backend
            .disagreements
            .iter()
            .map(|(step, d)| format!("step {step}: real etcd disagrees with the simulator: {d}"))
            .collect(),
    });
    finish(args, &text, seed, &report, verdict)
}

/// What a real backend found beside the run.
pub struct BackendVerdict {
    pub name: &'static str,
    /// A failure of the backend itself (exit 2).
    pub error: Option<String>,
    /// Where the real system and the simulator differ (exit 1).
    pub disagreements: Vec<String>,
}

/// Prints the transcript, writes the trace and the failure file, and picks the exit status.
pub(crate) fn finish(
    args: &RunArgs,
    text: &str,
    seed: Seed,
    report: &Report,
    verdict: Option<BackendVerdict>,
) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Text => out.write_all(report.transcript_text().as_bytes())?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &json_report(report))?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    // A trace that cannot be written must not hide a failed run: report both.
    let trace_error = args.trace.as_ref().and_then(|path| {
        write_trace(path, report)
            .with_context(|| format!("writing the trace to {}", path.display()))
            .err()
    });
    if let Some(e) = &trace_error {
        errln!("kubedrill: {e:#}");
    }
    if let Some(v) = &verdict {
        if let Some(e) = &v.error {
            errln!("kubedrill: --backend {}: {e}", v.name);
            return Ok(ExitCode::from(2));
        }
        for d in &v.disagreements {
            errln!("kubedrill: {d}");
        }
    }
    let backend_disagrees = verdict.as_ref().is_some_and(|v| !v.disagreements.is_empty());
    if report.passed() && backend_disagrees {
        return Ok(ExitCode::from(1));
    }
    if report.passed() {
        return Ok(if trace_error.is_some() {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        });
    }
    for f in &report.failures {
        errln!("kubedrill: step {} failed: {}", f.step, f.message);
    }
    match write_failure(&args.failures_dir, &args.file, text, seed, report) {
        Ok(path) => {
            errln!("reproduce: kubedrill replay {}", path.display());
            errln!("       or: kubedrill run {} --seed {}", args.file.display(), seed.0);
        }
        Err(e) => errln!("kubedrill: could not write the failure file: {e:#}"),
    }
    Ok(ExitCode::from(1))
}

/// `--explain`: the reasons for the trace records since the last step, as `# why:` lines.
fn explain_step(sim: &kubedrill_sim::Sim, from: &mut usize, transcript: &mut Vec<String>) {
    // Cluster bootstrap (step 0) is not a step of the scenario.
    let records: Vec<_> = sim
        .trace()
        .range(*from..)
        .skip_while(|r| r.step == 0)
        .cloned()
        .collect();
    *from = sim.trace().len();
    for sentence in kubedrill_labs::explain(sim, &records) {
        transcript.push(format!("# why: {sentence}"));
    }
}

/// A real etcd cluster with one member per control plane of the scenario's cluster; `None` when
/// the cluster cannot be built, which the run then reports with its position in the file.
fn start_etcd_backend(scenario: &Scenario, seed: Seed) -> anyhow::Result<Option<crate::etcd_backend::ScenarioBackend>> {
    let bins = crate::etcd_backend::EtcdBinaries::locate()?;
    let Ok(sim) = runner::prepare(scenario, seed) else {
        return Ok(None);
    };
    let c = sim.cluster();
    let control_planes: Vec<String> = c
        .control_plane_ids()
        .iter()
        .map(|id| c.node(*id).name.to_string())
        .collect();
    Ok(Some(crate::etcd_backend::ScenarioBackend::start(
        bins,
        control_planes,
        sim.etcd(),
    )?))
}

fn json_report(r: &Report) -> serde_json::Value {
    serde_json::json!({
        "seed": r.seed.0,
        "passed": r.passed(),
        "transcript": r.transcript,
        "failures": r.failures.iter().map(|f| serde_json::json!({"step": f.step, "message": f.message})).collect::<Vec<_>>(),
        "violations": r.violations,
    })
}

fn write_trace(path: &Path, r: &Report) -> anyhow::Result<()> {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    for rec in r.sim.trace() {
        serde_json::to_writer(&mut w, rec)?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    Ok(())
}

/// A failure file is the scenario itself with its seed pinned and a header saying what failed,
/// so `kubedrill replay` reproduces the run exactly.
fn write_failure(dir: &Path, source: &Path, text: &str, seed: Seed, r: &Report) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let stem = source.file_stem().and_then(|s| s.to_str()).unwrap_or("scenario");
    // Two scenarios with the same file name must not share a failure file.
    let tag = fnv32(
        std::fs::canonicalize(source)
            .unwrap_or_else(|_| source.to_path_buf())
            .display()
            .to_string()
            .as_bytes(),
    );
    let path = dir.join(format!("{stem}-{}-{tag:08x}.yaml", seed.0));
    let mut body = String::new();
    body.push_str(&format!(
        "# kubedrill {} failure file: replay with `kubedrill replay {}`\n",
        env!("CARGO_PKG_VERSION"),
        path.display()
    ));
    body.push_str(&format!("# source: {}\n", source.display()));
    for f in &r.failures {
        body.push_str(&format!("# step {} failed: {}\n", f.step, f.message.replace('\n', " ")));
    }
    body.push_str(&with_seed(text, seed.0));
    std::fs::write(&path, body)?;
    Ok(path)
}

fn validate(files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let mut bad = 0;
    for f in files {
        match load(f) {
            Ok((scenario, text)) => match runner::prepare(&scenario, Seed(scenario.seed.unwrap_or(0))) {
                Ok(_) => outln!("{}: ok", f.display())?,
                Err(e) => {
                    bad += 1;
                    errln!(
                        "{}",
                        scenario_file::scenario_error_at(&text, &f.display().to_string(), &e)
                    );
                }
            },
            Err(e) => {
                bad += 1;
                errln!("{e}");
            }
        }
    }
    Ok(if bad == 0 { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

fn soak(cycles: u32, members: usize, seed: u64) -> anyhow::Result<ExitCode> {
    let bins = match crate::etcd_backend::EtcdBinaries::locate() {
        Ok(b) => b,
        Err(e) => {
            errln!("kubedrill soak: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    outln!(
        "soak: {cycles} cycles on {members} real etcd {} member(s), seed {seed}",
        bins.version
    )?;
    let opts = crate::etcd_backend::soak::SoakOptions::new(cycles, members, seed);
    let mut printed: std::io::Result<()> = Ok(());
    let summary = crate::etcd_backend::soak::run(bins, &opts, |report| {
        if printed.is_ok() {
            printed = outln!("{report}");
        }
    })?;
    printed?;
    outln!("soak: {summary}")?;
    Ok(if summary.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn fnv32(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .fold(0x811c_9dc5u32, |h, b| (h ^ *b as u32).wrapping_mul(0x0100_0193))
}

/// The scenario text with `seed:` set, as a failure file records it.
fn with_seed(text: &str, seed: u64) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match yaml_serde::from_str::<yaml_serde::Value>(text) {
        Ok(yaml_serde::Value::Mapping(mut map)) => {
            map.insert(
                yaml_serde::Value::String("seed".into()),
                yaml_serde::Value::Number(seed.into()),
            );
            yaml_serde::to_string(&yaml_serde::Value::Mapping(map)).unwrap_or_else(|_| text.to_string())
        }
        _ => text.to_string(),
    }
}

fn bench_command(args: BenchArgs) -> anyhow::Result<ExitCode> {
    let format = |f: BenchFormat| match f {
        BenchFormat::Table => crate::bench::run::Format::Table,
        BenchFormat::Csv => crate::bench::run::Format::Csv,
        BenchFormat::Json => crate::bench::run::Format::Json,
    };
    if let Some(BenchCommand::Merge { dirs, out, format: f }) = args.command {
        let merged = match crate::bench::shard::merge(&dirs) {
            Ok(m) => m,
            Err(e) => {
                errln!("kubedrill: bench merge: {e:#}");
                return Ok(ExitCode::from(2));
            }
        };
        crate::bench::run::write(&out, &merged)?;
        out!("{}", crate::bench::run::render(&merged, format(f)))?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(file) = args.file else {
        if args.seeds.is_some() || args.out.is_some() || args.shard.is_some() || args.emit_job {
            errln!("kubedrill: --seeds, --out, --shard and --emit-job go with a benchmark FILE");
            return Ok(ExitCode::from(2));
        }
        let workload = args.workload.unwrap_or(Workload::Drain);
        if args.rounds.is_some() && !matches!(workload, Workload::Drain | Workload::Upgrade) {
            errln!("kubedrill: --rounds goes with --workload drain or upgrade");
            return Ok(ExitCode::from(2));
        }
        return match workload {
            Workload::Policy => bench_policy(args.cases),
            workload => bench(args.workers, args.pods, workload, args.rounds.unwrap_or(5)),
        };
    };
    if args.workload.is_some() || args.rounds.is_some() {
        errln!("kubedrill: --workload and --rounds time a built-in sweep; a benchmark FILE says what to run");
        return Ok(ExitCode::from(2));
    }
    let usage = |m: String| -> anyhow::Result<ExitCode> {
        errln!("kubedrill: {m}");
        Ok(ExitCode::from(2))
    };
    let (bench_file, text) = match crate::bench::file::load(&file) {
        Ok(f) => f,
        Err(e) => return usage(e.to_string()),
    };
    let seeds = match args.seeds.as_deref().map(crate::bench::shard::parse_seeds).transpose() {
        Ok(s) => s,
        Err(e) => return usage(format!("--seeds {e}")),
    };
    if args.emit_job {
        let (Some(shards), Some(image)) = (args.shards, args.image.as_deref()) else {
            return usage("--emit-job needs --shards N and --image IMAGE".into());
        };
        if args.shard.is_some() || args.out.is_some() {
            return usage("--emit-job prints the Job: --shard and --out are the Job's to set".into());
        }
        let range = crate::bench::run::seed_range(&bench_file, seeds);
        let dir = file
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let text = crate::bench::job::self_contained(&text, dir)?;
        out!(
            "{}",
            crate::bench::job::manifests(&crate::bench::job::JobSpec {
                benchmark: &bench_file.metadata.name,
                file_text: &text,
                seeds: (range.from, range.count),
                shards,
                image,
            })
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.shards.is_some() || args.image.is_some() {
        return usage("--shards and --image go with --emit-job".into());
    }
    let shard = match args.shard.as_deref().map(crate::bench::shard::parse_shard).transpose() {
        Ok(s) => s,
        Err(e) => return usage(format!("--shard {e}")),
    };
    let opts = crate::bench::run::Options { seeds, shard };
    let results = crate::bench::run::run(&bench_file, &text, &opts, true)?;
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from("target/kubedrill/bench").join(&bench_file.metadata.name));
    crate::bench::run::write(&out, &results)?;
    out!("{}", crate::bench::run::render(&results, format(args.format)))?;
    if args.format == BenchFormat::Table {
        outln!("results: {}", out.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn bench(workers: u32, pods: u32, workload: Workload, rounds: u32) -> anyhow::Result<ExitCode> {
    if workload == Workload::Limits {
        // Each case in a process of its own (its peak memory is then its own), unless this is
        // that process.
        let Some(case) = std::env::var(crate::bench_limits::CASE_ENV).ok() else {
            for mut child in crate::bench_limits::case_commands()? {
                let out = child.stderr(std::process::Stdio::inherit()).output()?;
                std::io::Write::write_all(&mut std::io::stdout(), &out.stdout)?;
                if !out.status.success() {
                    anyhow::bail!("a limits case failed: {}", out.status);
                }
            }
            return Ok(ExitCode::SUCCESS);
        };
        let case = case.parse().context("the case's index")?;
        for s in crate::bench_limits::run(Some(case))? {
            let peak = s
                .peak_kib
                .map_or_else(|| "?".to_string(), |kib| format!("{:.1} MiB", kib as f64 / 1024.0));
            outln!(
                "{}: slowest line {:.2?} CPU, {:.2?} wall ({}...); peak memory {peak}",
                s.case,
                s.cpu,
                s.wall,
                s.line
            )?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if workload == Workload::Labs {
        let l = crate::bench::lab_latencies(5)?;
        let worst = l.starts.iter().max_by_key(|(_, d)| *d).cloned().unwrap_or_default();
        let mut starts: Vec<_> = l.starts.iter().map(|(_, d)| *d).collect();
        starts.sort_unstable();
        outln!(
            "lab start: {} starts, median {:.2?}, slowest {:.2?} ({})",
            starts.len(),
            starts[starts.len() / 2],
            worst.1,
            worst.0
        )?;
        for (what, t) in [
            ("lab commands (every solution line)", &l.commands),
            ("why after each line", &l.whys),
            ("undo of each line", &l.undos),
        ] {
            outln!("{what}: {} times, {}", t.len(), t.summary())?;
        }
        for (what, t) in [
            ("from the session's copies", &l.rewinds),
            ("replayed from the start", &l.rewinds_replayed),
        ] {
            outln!(
                "rewind to every step of a {}-step session of every lab, {what}: {} rewinds, {}",
                crate::bench::REWIND_STEPS,
                t.len(),
                t.summary()
            )?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if workload == Workload::Serve {
        let f = crate::bench::serve_latencies(workers, pods, 5, 100.0)?;
        outln!("cluster: {} pods served; client {}", f.pods, f.kubectl)?;
        let mut walls: Vec<_> = f.get_all.iter().map(|(_, w, _)| *w).collect();
        let mut busy: Vec<_> = f.get_all.iter().map(|(_, _, b)| *b).collect();
        walls.sort_unstable();
        busy.sort_unstable();
        outln!(
            "kubectl get pods -A --chunk-size=0: {} lines, {} runs, median {:.2?} wall (endpoint {:.2?}), slowest {:.2?}",
            f.get_all.first().map_or(0, |(n, _, _)| *n),
            walls.len(),
            walls[walls.len() / 2],
            busy[busy.len() / 2],
            walls[walls.len() - 1]
        )?;
        outln!(
            "kubectl drain (one worker, {} pods evicted) at {}x: {:.2?} wall (endpoint {:.2?})",
            f.drain.0,
            f.speed,
            f.drain.1,
            f.drain.2
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut setups = Vec::new();
    let mut sweeps = Vec::new();
    for round in 0..rounds {
        let timed = sweep_once(workers, pods, workload)?;
        setups.push(timed.setup);
        sweeps.push(timed.sweep);
        if round + 1 < rounds {
            continue;
        }
        let sim = &timed.sim;
        outln!(
            "cluster: {} nodes, {} pods, built in {} (median of {rounds})",
            sim.cluster().node_count(),
            sim.cluster().pod_count(),
            spread(&setups)
        )?;
        outln!(
            "{}: {} commands in {} (median of {rounds}; {} virtual)",
            timed.what,
            timed.commands,
            spread(&sweeps),
            SimDuration(sim.now().ms()).go_string()
        )?;
        outln!("trace events: {}", sim.trace().len())?;
    }
    if let Some(kib) = crate::bench::peak_rss_kib() {
        outln!("peak memory (VmHWM): {:.1} MiB", kib as f64 / 1024.0)?;
    }
    let (setup, sweep) = (median(&mut setups), median(&mut sweeps));
    print_bare_ratio(workers, pods, workload, setup, sweep)?;
    Ok(ExitCode::SUCCESS)
}

/// One build and sweep of `bench --workload drain|upgrade`, timed.
struct TimedSweep {
    sim: kubedrill_sim::Sim,
    what: &'static str,
    commands: u32,
    setup: std::time::Duration,
    sweep: std::time::Duration,
}

fn sweep_once(workers: u32, pods: u32, workload: Workload) -> anyhow::Result<TimedSweep> {
    let start = std::time::Instant::now();
    let (_, mut sim) = match workload {
        Workload::Drain => crate::bench::large_cluster(workers, pods)?,
        Workload::Upgrade => crate::bench::large_cluster_for_upgrade(workers, pods)?,
        Workload::Labs | Workload::Policy | Workload::Serve | Workload::Limits => {
            anyhow::bail!("the {workload:?} workload builds no large cluster")
        }
    };
    let setup = start.elapsed();
    let start = std::time::Instant::now();
    let (what, commands) = match workload {
        Workload::Drain => (
            "cordon + drain + uncordon of every worker",
            crate::bench::drain_every_worker(&mut sim, workers)?,
        ),
        Workload::Upgrade => (
            "rolling upgrade v1.30.6 -> v1.31.2 (control planes, then every node drained, upgraded, uncordoned)",
            crate::bench::rolling_upgrade(&mut sim, workers)?,
        ),
        Workload::Labs | Workload::Policy | Workload::Serve | Workload::Limits => {
            anyhow::bail!("the {workload:?} workload runs no sweep")
        }
    };
    let sweep = start.elapsed();
    Ok(TimedSweep {
        sim,
        what,
        commands,
        setup,
        sweep,
    })
}

fn median(times: &mut [std::time::Duration]) -> std::time::Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

/// `128.40ms (120.01ms-140.25ms)`: the median and the range of a part's times.
fn spread(times: &[std::time::Duration]) -> String {
    let mut sorted = times.to_vec();
    let mid = median(&mut sorted);
    match (sorted.first(), sorted.last()) {
        (Some(lo), Some(hi)) if sorted.len() > 1 => format!("{mid:.2?} ({lo:.2?}-{hi:.2?})"),
        _ => format!("{mid:.2?}"),
    }
}

/// Runs the bare reference loop on the same shape, right after the simulator's run (same
/// machine, same minute), and ends the output with the ratio of the two.
fn print_bare_ratio(
    workers: u32,
    pods: u32,
    workload: Workload,
    setup: std::time::Duration,
    sweep: std::time::Duration,
) -> anyhow::Result<()> {
    use crate::bench::bare_loop;
    let shape = bare_loop::Shape::of_large_cluster(workers, pods);
    let order = match workload {
        Workload::Drain => bare_loop::Sweep::Workers,
        Workload::Upgrade => bare_loop::Sweep::ControlPlanesThenWorkers,
        Workload::Labs | Workload::Policy | Workload::Serve | Workload::Limits => {
            anyhow::bail!("the {workload:?} workload has no bare loop")
        }
    };
    let (bare, counts) = bare_loop::median_of(5, shape, order);
    let ratio = |sim: std::time::Duration, bare: std::time::Duration| sim.as_secs_f64() / bare.as_secs_f64().max(1e-9);
    outln!(
        "bare loop (median of 5): build {:.2?} ({:.1}x), sweep {:.2?} ({:.1}x); {} evictions, {} placements",
        bare.build,
        ratio(setup, bare.build),
        bare.sweep,
        ratio(sweep, bare.sweep),
        counts.evictions,
        counts.placements
    )?;
    outln!(
        "ratio to the bare loop: {:.1}x",
        ratio(setup + sweep, bare.build + bare.sweep)
    )?;
    Ok(())
}

fn bench_policy(cases: u32) -> anyhow::Result<ExitCode> {
    let b = crate::bench::policy_cases(cases)?;
    outln!(
        "policy check ({}): {} cases of {}-{} nodes ({:.1} on average), one minor upgrade each, {} commands, {} steps",
        b.policy,
        b.cases,
        b.min_nodes,
        b.max_nodes,
        b.mean_nodes,
        b.commands,
        b.steps
    )?;
    outln!(
        "  {:.2?} of CPU time on one thread: {:.0} cases/s per core ({:.0} µs a case; building the clusters alone: {:.0} µs a case); wall clock {:.2?}",
        b.cpu,
        f64::from(b.cases) / b.cpu.as_secs_f64().max(1e-9),
        b.cpu.as_secs_f64() * 1e6 / f64::from(b.cases),
        b.setup.as_secs_f64() * 1e6 / f64::from(b.cases),
        b.elapsed
    )?;
    outln!(
        "  outcomes: {} Done, {} Aborted, {} failed a property",
        b.done,
        b.aborted,
        b.failed
    )?;
    Ok(ExitCode::SUCCESS)
}
