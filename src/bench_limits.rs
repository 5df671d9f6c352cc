//! `kubedrill bench --workload limits`: the adversarial inputs of issue 17 typed into a lab,
//! each line timed, with the process's peak memory at the end — the measurement behind "no
//! input takes more than 1 s or 1 GiB in a lab" (README, "Reliability").

use std::time::{Duration, Instant};

/// One group of lines typed into a fresh session of the lab `drain-bare-pod-force`.
pub struct Case {
    pub name: &'static str,
    pub lines: Vec<String>,
}

pub fn cases() -> Vec<Case> {
    let nest = |depth: usize| {
        let mut s = "echo ${#A}".to_string();
        for _ in 0..depth {
            s = format!("echo `{}`", s.replace('\\', "\\\\").replace('`', "\\`"));
        }
        s
    };
    let mut doubling = vec!["export A=x".to_string()];
    doubling.extend(std::iter::repeat_n("export A=$A$A".to_string(), 27));
    doubling.extend([nest(15), "kubectl get nodes".to_string()]);
    let big = "b".repeat(10_000_000);
    vec![
        Case {
            name: "a million replicas",
            lines: vec!["kubectl create deployment x --image=nginx --replicas=1000000".into()],
        },
        Case {
            name: "a lab full (1,000 pods), a drain, every pod listed and described",
            lines: vec![
                // The lab starts with a dozen pods: this fills it to its limit.
                "kubectl create deployment x --image=nginx --replicas=985".into(),
                "kubectl drain node01 --ignore-daemonsets --force".into(),
                "kubectl get pods -A -o yaml | wc -l".into(),
                "kubectl get pods -o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName --sort-by=.metadata.name | wc -l".into(),
                "kubectl describe pods | wc -l".into(),
                "kubectl get events -A | wc -l".into(),
                "kubectl uncordon node01".into(),
            ],
        },
        Case {
            name: "export A=$A$A 27 times, a 15-deep backquote nest",
            lines: doubling,
        },
        Case {
            name: "10 MB command lines",
            lines: vec![format!("kubectl get nodes {big}"), format!("echo {big} | wc -c")],
        },
        Case {
            name: "failsafes",
            lines: vec![
                "rm -rf /".into(),
                "sleep -1d".into(),
                "sleep inf".into(),
                "kubectl create deployment y --image=nginx --replicas=2147483648".into(),
            ],
        },
    ]
}

/// CPU time of this thread: on a shared machine the wall clock also counts waiting for a core.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes into the timespec it is given.
    unsafe {
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts);
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// One case's slowest line: its name, CPU time, wall time and the line's start; and the
/// case's peak memory.
pub struct Slowest {
    pub case: &'static str,
    pub cpu: Duration,
    pub wall: Duration,
    pub line: String,
    /// The process's peak resident memory during the case (`VmHWM`, reset before it).
    pub peak_kib: Option<u64>,
}

/// Set in the child process that runs one case (its index), so that the case's peak memory
/// is its own: memory freed by an earlier case stays in the process.
pub const CASE_ENV: &str = "KUBEDRILL_BENCH_LIMITS_CASE";

/// The command `kubedrill bench --workload limits` runs each case in: itself, with
/// [`CASE_ENV`] naming the case.
pub fn case_commands() -> anyhow::Result<Vec<std::process::Command>> {
    let exe = std::env::current_exe()?;
    Ok((0..cases().len())
        .map(|i| {
            let mut c = std::process::Command::new(&exe);
            c.args(["bench", "--workload", "limits"]).env(CASE_ENV, i.to_string());
            c
        })
        .collect())
}

/// The slowest line (by CPU time) of case `only`, or of each case in order.
pub fn run(only: Option<usize>) -> anyhow::Result<Vec<Slowest>> {
    let labs = kubedrill_labs::catalogue().map_err(|e| anyhow::anyhow!("{e}"))?;
    let lab = labs
        .iter()
        .find(|l| l.id == "drain-bare-pod-force")
        .ok_or_else(|| anyhow::anyhow!("no lab drain-bare-pod-force"))?;
    let mut out = Vec::new();
    let chosen = cases()
        .into_iter()
        .enumerate()
        .filter(|(i, _)| only.is_none_or(|o| o == *i));
    for (_, case) in chosen {
        let mut session =
            kubedrill_labs::Session::start(lab, lab.default_seed()).map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut slowest = Slowest {
            case: case.name,
            cpu: Duration::ZERO,
            wall: Duration::ZERO,
            line: String::new(),
            peak_kib: None,
        };
        for line in &case.lines {
            let (wall, cpu) = (Instant::now(), thread_cpu());
            let _ = session.input(line);
            let (wall, cpu) = (wall.elapsed(), thread_cpu().saturating_sub(cpu));
            if cpu >= slowest.cpu {
                slowest.cpu = cpu;
                slowest.wall = wall;
                slowest.line = line.chars().take(60).collect();
            }
        }
        drop(session);
        slowest.peak_kib = crate::bench::peak_rss_kib();
        out.push(slowest);
    }
    Ok(out)
}
