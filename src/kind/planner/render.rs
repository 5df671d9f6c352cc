//! A plan as text: what `kubedrill run FILE --backend kind --plan` prints and the snapshot
//! tests hold. Every command is shown as it would be typed (arguments quoted where a shell
//! would need it), with its timeout; polls say what they wait for and for how long.

use super::shell::quote;
use super::{Action, Expect, Guard, Invocation, Plan, Poll, Predicate, Probe, Purpose, StepPlan};
use std::fmt::Write as _;
use std::time::Duration;

pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# kind plan for scenario {}", plan.scenario);
    if let Some(reason) = &plan.not_comparable {
        let _ = writeln!(out, "# NOT COMPARABLE ON KIND: {reason}");
        let _ = writeln!(
            out,
            "# nothing would run: `--backend kind` refuses this scenario (exit 2)"
        );
        return out;
    }
    let _ = writeln!(out, "# kind release: {}", plan.release);
    let _ = writeln!(
        out,
        "# cluster: {} (context {}); every command runs with KUBECONFIG={{kubeconfig}} (a file in the run's temporary directory) and KIND_CLUSTER_NAME, KIND_EXPERIMENTAL_PROVIDER, KIND_EXPERIMENTAL_DOCKER_NETWORK unset",
        plan.cluster,
        plan.context()
    );
    let _ = writeln!(out, "# nodes:");
    for (sim, kind) in &plan.nodes {
        let _ = writeln!(out, "#   {sim} -> {kind}");
    }
    let _ = writeln!(out, "# images:");
    for c in &plan.images {
        let _ = writeln!(out, "#   {}", c.describe(plan.release));
    }
    if !plan.notes.is_empty() {
        let _ = writeln!(out, "# notes:");
        for n in &plan.notes {
            let _ = writeln!(out, "#   - {n}");
        }
    }
    let _ = writeln!(out, "\n== setup");
    for a in &plan.setup {
        action(&mut out, a, "");
    }
    for s in &plan.steps {
        step(&mut out, s);
    }
    let _ = writeln!(
        out,
        "\n== teardown (also on failure, panic and Ctrl-C; not with --keep)"
    );
    for a in &plan.teardown {
        action(&mut out, a, "");
    }
    out
}

fn step(out: &mut String, s: &StepPlan) {
    let _ = writeln!(out, "\n== step {}: {}", s.number, s.title);
    if let Some(n) = &s.note {
        let _ = writeln!(out, "# {n}");
    }
    if let Some(r) = &s.not_comparable {
        let _ = writeln!(out, "# not comparable on kind: {r}");
    }
    if s.diverges {
        let _ = writeln!(
            out,
            "# not performed on kind: the clusters part ways here, and no later step is compared"
        );
        return;
    }
    if s.exit_compared {
        let _ = writeln!(out, "# its exit status is compared with the simulator's");
    }
    for a in &s.actions {
        action(out, a, "");
    }
}

fn action(out: &mut String, a: &Action, indent: &str) {
    match a {
        Action::Run { inv, purpose, guard } => {
            let _ = writeln!(out, "{indent}$ {}", command(inv));
            let mut tags = vec![format!("timeout {}", dur(inv.timeout))];
            tags.push(
                match purpose {
                    Purpose::Setup => "setup",
                    Purpose::Command => "the step's command",
                    Purpose::Emulation => "emulation",
                    Purpose::Fault => "fault",
                    Purpose::Teardown => "teardown",
                }
                .to_string(),
            );
            if inv.expect == Expect::Success {
                tags.push("must succeed".to_string());
            }
            match guard {
                Guard::Always => {}
                Guard::SimSucceeded => tags.push("only if the simulator's step succeeded".to_string()),
                Guard::PreviousSucceeded => tags.push("only if the previous command succeeded".to_string()),
            }
            let _ = writeln!(out, "{indent}  [{}]", tags.join(", "));
            stdin(out, inv, indent);
        }
        Action::Resolve { name, inv } => {
            let _ = writeln!(out, "{indent}{{{name}}} := $ {}", command(inv));
        }
        Action::Poll { poll, guard } => {
            let _ = writeln!(out, "{indent}{}", poll_text(poll, *guard));
        }
        Action::After { delay, actions } => {
            let _ = writeln!(out, "{indent}after {} (while the next steps run):", dur(*delay));
            let inner = format!("{indent}    ");
            for a in actions {
                action(out, a, &inner);
            }
        }
    }
}

fn poll_text(p: &Poll, guard: Guard) -> String {
    let probe = match &p.probe {
        Probe::Run(inv) => format!("$ {}", command(inv)),
        Probe::Observe => "observe (nodes, pods, versions, etcd)".to_string(),
    };
    let until = match &p.until {
        Predicate::ExitZero => "it exits 0".to_string(),
        Predicate::StdoutEmpty => "it prints nothing".to_string(),
        Predicate::StdoutNotEmpty => "it prints something".to_string(),
        Predicate::StdoutEquals(s) => format!("it prints {s}"),
        Predicate::NodesReady(n) => format!("{n} nodes are listed, all Ready"),
        Predicate::AgreesWithSimulator => "kind agrees with the simulator".to_string(),
    };
    let mut s = format!(
        "poll every {} for at most {}: {probe} until {until}",
        dur(p.every),
        dur(p.deadline)
    );
    if p.required {
        s.push_str(" (required)");
    }
    if guard != Guard::Always {
        s.push_str(" (only if the step's command succeeded)");
    }
    s
}

fn stdin(out: &mut String, inv: &Invocation, indent: &str) {
    if let Some(text) = &inv.stdin {
        let _ = writeln!(out, "{indent}  stdin:");
        for l in text.lines() {
            let _ = writeln!(out, "{indent}  | {l}");
        }
    }
}

/// The command line as typed.
pub fn command(inv: &Invocation) -> String {
    let mut s = inv.program.name().to_string();
    for a in &inv.args {
        s.push(' ');
        s.push_str(&quote(a));
    }
    s
}

fn dur(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 && s.is_multiple_of(60) {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}
