//! Real kubectl as the judge of kubedrill's emulated kubectl.
//!
//! Goal: for every scenario in `scenarios/maintenance` and every kubectl release installed
//! (Debian's 1.20 as `kubectl.1.20`; the Google Cloud CLI's bundled 1.27–1.33), the scenario's
//! kubectl lines print the same through the emulated kubectl (the scenario's `kubectlVersion`
//! set to that release) as through the real binary against `kubedrill serve`'s endpoint over
//! the same cluster. Method: two simulators from the same scenario and seed; the emulated one
//! runs every step itself; the served one runs the kubectl lines typed on the first control
//! plane through the real binary (`bash -c`, so pipes work) and everything else (faults, waits,
//! other commands) on the simulator. stdout, stderr and exit status of each kubectl line are
//! compared line by line, modulo generated names, ages, pod IPs, column padding and, for drains
//! (whose evictions real kubectl runs concurrently), line order.
//!
//! A scenario with a disagreement is played once more and only disagreements seen both times
//! count (real kubectl's pacing is wall-clock time, and on a loaded machine an event due exactly
//! at a deadline can fall on either side of it).
//!
//! A scenario with a disagreement is played once more and only disagreements seen both times
//! count: real kubectl paces itself on the wall clock, and on a loaded machine a retry due
//! exactly at a `--timeout` deadline can fall on either side of it.
//!
//! A release that is not installed is reported as SKIPPED. Known disagreements (listed with
//! their reasons in README, "kubectl against kubedrill serve") are reported and tolerated; any
//! other disagreement fails the test. Servers are stopped when they go out of scope, also when
//! an assertion fails.

use kubedrill::serve::{SimHost, real_kubectl};
use kubedrill_sim::Fault;
use kubedrill_sim::Sim;
use kubedrill_sim::runner;
use kubedrill_sim::scenario::{Scenario, StepKind};
use kubedrill_sim::shell::{CommandOutput, Stream};
use kubedrill_sim::time::SimDuration;
use std::path::{Path, PathBuf};

/// (kubectl minor or None for all, scenario name or None for all, command prefix, why).
/// Each is a known difference between real kubectl and the emulation, kept in README.
const KNOWN: &[(Option<u32>, Option<&str>, &str, &str)] = &[];

/// Wall time one real kubectl line may take before it is killed (reported as exit 130).
const LINE_LIMIT: std::time::Duration = std::time::Duration::from_secs(90);

fn scenarios() -> Vec<(String, Scenario)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/maintenance");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/maintenance")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable");
            let name = p.file_stem().unwrap_or_default().to_string_lossy().into_owned();
            let s = kubedrill::scenario_file::load_str(&text, &p.display().to_string()).expect("valid scenario");
            (name, s)
        })
        .collect()
}

fn split(out: &CommandOutput) -> real_kubectl::Output {
    let mut o = real_kubectl::Output {
        status: out.status,
        ..Default::default()
    };
    for c in &out.chunks {
        match c.stream {
            Stream::Stdout => o.stdout.push_str(&c.text),
            Stream::Stderr => o.stderr.push_str(&c.text),
        }
    }
    o
}

/// Kubernetes' random-suffix alphabet (no vowels, no 0/1/3).
fn is_suffix_char(c: char) -> bool {
    "bcdfghjklmnpqrstvwxz2456789".contains(c)
}

/// Masks generated name suffixes (`web-7d9f8c6b5d-x2x4z` → `web-HASH-ID`), ages, pod IPs.
fn normalize_word(w: &str) -> String {
    let mut out = String::new();
    for (i, part) in w.split('-').enumerate() {
        if i > 0 {
            out.push('-');
        }
        let core = part.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
        let tail = &part[core.len()..];
        let generated = i > 0 && (core.len() == 5 || core.len() == 10) && core.chars().all(is_suffix_char);
        if generated {
            out.push_str(if core.len() == 5 { "ID" } else { "HASH" });
            out.push_str(tail);
        } else {
            out.push_str(part);
        }
    }
    if is_age(&out) {
        return "AGE".into();
    }
    if out.starts_with("10.244.") {
        return "POD-IP".into();
    }
    out
}

/// `5s`, `10d`, `2m30s`, `3d5h`, `<invalid>`: what HumanDuration prints.
fn is_age(w: &str) -> bool {
    if w == "<invalid>" {
        return true;
    }
    let mut digits = false;
    let mut units = 0;
    for c in w.chars() {
        if c.is_ascii_digit() {
            digits = true;
        } else if "smhdy".contains(c) && digits {
            digits = false;
            units += 1;
        } else {
            return false;
        }
    }
    units > 0 && !digits
}

fn normalize(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| {
            let l = map_order(l.trim_end());
            l.split_whitespace().map(normalize_word).collect::<Vec<_>>().join(" ")
        })
        .collect()
}

/// kubectl drain groups its pod filters' messages in a Go map, so the order of the groups in a
/// warning (`Warning: a; b`) and in an error aggregate (`[cannot delete a, cannot delete b]`)
/// changes from run to run: put them in one order.
fn map_order(line: &str) -> String {
    for prefix in ["Warning: ", "WARNING: "] {
        if let Some(rest) = line.strip_prefix(prefix) {
            let mut parts: Vec<&str> = rest.split("; ").collect();
            parts.sort_unstable();
            return format!("{prefix}{}", parts.join("; "));
        }
    }
    if let Some(start) = line.find("[cannot delete ")
        && let Some(len) = line[start..].find(']')
    {
        let inner = &line[start + 1..start + len];
        let mut parts: Vec<String> = inner
            .split(", cannot delete ")
            .enumerate()
            .map(|(i, p)| {
                if i == 0 {
                    p.to_string()
                } else {
                    format!("cannot delete {p}")
                }
            })
            .collect();
        parts.sort_unstable();
        return format!("{}[{}]{}", &line[..start], parts.join(", "), &line[start + len + 1..]);
    }
    line.to_string()
}

/// Real kubectl evicts a node's pods concurrently: line order within a drain is not fixed.
fn unordered(line: &str) -> bool {
    line.split_whitespace().any(|w| w == "drain")
}

#[derive(Debug)]
struct Disagreement {
    minor: u32,
    scenario: String,
    step: usize,
    line: String,
    what: String,
}

fn compare(
    minor: u32,
    scenario: &str,
    step: usize,
    line: &str,
    emu: &real_kubectl::Output,
    real: &real_kubectl::Output,
) -> Vec<Disagreement> {
    let mut found = Vec::new();
    let mut push = |what: String| {
        found.push(Disagreement {
            minor,
            scenario: scenario.to_string(),
            step,
            line: line.to_string(),
            what,
        })
    };
    for (name, e, r) in [
        ("stdout", &emu.stdout, &real.stdout),
        ("stderr", &emu.stderr, &real.stderr),
    ] {
        let (mut e, mut r) = (normalize(e), normalize(r));
        if unordered(line) {
            e.sort();
            r.sort();
        }
        if e != r {
            push(format!(
                "{name} differs:\n  emulated:\n{}\n  real:\n{}",
                indent(&e),
                indent(&r)
            ));
        }
    }
    if emu.status != real.status {
        push(format!("exit status: emulated {} real {}", emu.status, real.status));
    }
    found
}

fn indent(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| format!("    | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The scenario with the emulated kubectl set to 1.`minor`.
fn with_kubectl(s: &Scenario, minor: u32) -> Scenario {
    let mut s = s.clone();
    s.cluster.kubectl_version = Some(format!("v1.{minor}.0"));
    s
}

fn step_limit(s: &Scenario) -> SimDuration {
    s.step_time_limit
        .as_deref()
        .map(|t| SimDuration::parse_scenario(t).expect("valid limit"))
        .unwrap_or(runner::DEFAULT_STEP_LIMIT)
}

/// Runs a non-kubectl step on a simulator.
fn sim_step(sim: &mut Sim, kind: &StepKind<'_>) -> Option<CommandOutput> {
    match kind {
        StepKind::Run { line, on } => {
            let host = on.map(str::to_string).unwrap_or_else(|| sim.current_host().to_string());
            Some(sim.run_step(&host, line))
        }
        StepKind::Fault(text) => {
            let f = Fault::parse(text).expect("valid fault");
            sim.apply_fault(&f).expect("fault applies");
            None
        }
        StepKind::Wait(text) => {
            sim.advance(SimDuration::parse_scenario(text).expect("valid wait"));
            None
        }
        StepKind::ExpectOnly => None,
    }
}

/// Plays one scenario both ways and returns the disagreements of its kubectl lines.
fn play(minor: u32, binary: &Path, name: &str, scenario: &Scenario) -> Vec<Disagreement> {
    let scenario = with_kubectl(scenario, minor);
    let seed = kubedrill_sim::Seed(scenario.seed.unwrap_or(1));
    let mut emulated = runner::prepare(&scenario, seed).expect("scenario builds");
    emulated.set_step_limit(step_limit(&scenario));
    let mut served = runner::prepare(&scenario, seed).expect("scenario builds");
    served.set_step_limit(step_limit(&scenario));
    let host = SimHost::start(1.0, move || served);
    let server = kubedrill::serve::Server::start(host.clone(), 0, 1.0).expect("server starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    kubedrill::serve::write_kubeconfig(&kubeconfig, server.addr).expect("kubeconfig");
    let runner = real_kubectl::Runner::new(Some(binary), &kubeconfig).expect("runner");
    let mut found = Vec::new();
    for (i, step) in scenario.steps.iter().enumerate() {
        let kind = step.kind().expect("valid step");
        let emu = sim_step(&mut emulated, &kind);
        let (line, on) = match &kind {
            StepKind::Run { line, on } => (*line, *on),
            _ => {
                let step = step.clone();
                host.call(move |sim: &mut Sim| {
                    sim_step(sim, &step.kind().expect("valid step"));
                })
                .expect("simulator thread");
                continue;
            }
        };
        let (on_default, current) = {
            let on = on.map(str::to_string);
            host.call(move |sim: &mut Sim| {
                let h = on.unwrap_or_else(|| sim.current_host().to_string());
                (h == sim.default_host(), h)
            })
            .expect("simulator thread")
        };
        if real_kubectl::is_kubectl_line(line) && on_default {
            let t = std::time::Instant::now();
            let real = runner.run(line, LINE_LIMIT).expect("bash runs");
            if std::env::var_os("KUBEDRILL_DIFF_VERBOSE").is_some() {
                eprintln!(
                    "kubectl 1.{minor} {name} step {}: `{line}` {:.1}s exit {}",
                    i + 1,
                    t.elapsed().as_secs_f64(),
                    real.status
                );
            }
            let emu = split(&emu.expect("a run step has output"));
            found.extend(compare(minor, name, i + 1, line, &emu, &real));
        } else {
            let line = line.to_string();
            host.call(move |sim: &mut Sim| {
                sim.run_step(&current, &line);
            })
            .expect("simulator thread");
        }
    }
    drop(server);
    found
}

fn known(d: &Disagreement) -> Option<&'static str> {
    KNOWN
        .iter()
        .find(|(m, s, prefix, _)| {
            m.is_none_or(|m| m == d.minor) && s.is_none_or(|s| s == d.scenario) && d.line.starts_with(prefix)
        })
        .map(|(_, _, _, why)| *why)
}

#[test]
fn real_kubectl_prints_what_the_emulated_kubectl_prints() {
    let only: Option<Vec<u32>> = std::env::var("KUBEDRILL_KUBECTL_MINORS")
        .ok()
        .map(|v| v.split(',').filter_map(|m| m.trim().parse().ok()).collect());
    let filter = std::env::var("KUBEDRILL_SCENARIOS").ok();
    let scenarios: Vec<(String, Scenario)> = scenarios()
        .into_iter()
        .filter(|(n, _)| filter.as_deref().is_none_or(|f| f.split(',').any(|p| n.contains(p))))
        .collect();
    let mut threads = Vec::new();
    for &minor in real_kubectl::KNOWN_MINORS {
        if only.as_ref().is_some_and(|o| !o.contains(&minor)) {
            continue;
        }
        let Some(binary) = real_kubectl::find(minor) else {
            eprintln!("SKIPPED kubectl 1.{minor}: kubectl.1.{minor} is not installed");
            continue;
        };
        let scenarios = scenarios.clone();
        threads.push((
            minor,
            std::thread::spawn(move || {
                let mut all = Vec::new();
                for (name, s) in &scenarios {
                    let mut found = play(minor, &binary, name, s);
                    if !found.is_empty() {
                        // Real kubectl paces itself on the wall clock: on a loaded machine a
                        // retry due exactly at a --timeout deadline can land on either side.
                        // A disagreement counts when a second play shows it again.
                        let again = play(minor, &binary, name, s);
                        found.retain(|d| {
                            let repeated = again.iter().any(|a| a.step == d.step && a.what == d.what);
                            if !repeated {
                                eprintln!(
                                    "kubectl 1.{minor} {name} step {}: differed once, agreed on replay",
                                    d.step
                                );
                            }
                            repeated
                        });
                    }
                    all.extend(found);
                }
                all
            }),
        ));
    }
    let mut unexpected = Vec::new();
    let mut tolerated = 0;
    let mut compared = 0;
    for (minor, t) in threads {
        let found = t.join().expect("the kubectl thread ran");
        compared += 1;
        for d in found {
            match known(&d) {
                Some(why) => {
                    tolerated += 1;
                    eprintln!(
                        "known disagreement (kubectl 1.{}, {} step {}: {}): {why}",
                        d.minor, d.scenario, d.step, d.line
                    );
                }
                None => unexpected.push(d),
            }
        }
        eprintln!("kubectl 1.{minor}: compared");
    }
    for d in &unexpected {
        eprintln!(
            "DISAGREEMENT kubectl 1.{} {} step {} `{}`: {}",
            d.minor, d.scenario, d.step, d.line, d.what
        );
    }
    eprintln!(
        "{compared} kubectl releases compared, {} unexpected disagreements, {tolerated} known",
        unexpected.len()
    );
    assert!(unexpected.is_empty(), "{} disagreements (see above)", unexpected.len());
}

#[test]
fn normalization_masks_generated_names_ages_and_ips_only() {
    assert_eq!(
        normalize("web-dx9rhvzpxl-4v7vh   1/1   Running   0   10d   10.244.3.16   node02"),
        vec!["web-HASH-ID 1/1 Running 0 AGE POD-IP node02"]
    );
    assert_eq!(
        normalize("pod/kube-proxy-7dtc2 evicted"),
        vec!["pod/kube-proxy-ID evicted"]
    );
    assert_eq!(normalize("node/node01 cordoned"), vec!["node/node01 cordoned"]);
    assert_eq!(
        normalize("kube-apiserver-controlplane"),
        vec!["kube-apiserver-controlplane"]
    );
    assert_eq!(
        map_order("error: x due to error:[cannot delete b: p/q, r/s, cannot delete a: t/u], continuing"),
        "error: x due to error:[cannot delete a: t/u, cannot delete b: p/q, r/s], continuing"
    );
    assert_eq!(map_order("Warning: y: 1; x: 2"), "Warning: x: 2; y: 1");
    assert!(is_age("2m30s") && is_age("5s") && !is_age("v1.31.2") && !is_age("s"));
}
