//! `kubectl`, answering as the kubectl of the cluster's version would (semantics §1).

mod cordon;
mod create;
mod delete;
mod describe;
mod drain;
mod drain_reasons;
pub(crate) mod flags;
mod get;
mod logs;
mod set;
pub(crate) mod table;
mod version;
mod yaml_out;

use crate::engine::Sim;
use crate::shell::{Chunk, CommandOutput, Stream};

/// Every top-level kubectl command, so that a real but unmodelled one is told apart from a typo.
const REAL_COMMANDS: &[&str] = &[
    "annotate",
    "api-resources",
    "api-versions",
    "apply",
    "attach",
    "auth",
    "autoscale",
    "certificate",
    "cluster-info",
    "completion",
    "config",
    "cordon",
    "cp",
    "create",
    "debug",
    "delete",
    "describe",
    "diff",
    "drain",
    "edit",
    "events",
    "exec",
    "explain",
    "expose",
    "get",
    "kustomize",
    "label",
    "logs",
    "patch",
    "plugin",
    "port-forward",
    "proxy",
    "replace",
    "rollout",
    "run",
    "scale",
    "set",
    "taint",
    "top",
    "uncordon",
    "version",
    "wait",
];

pub(crate) fn line(out: &mut CommandOutput, stream: Stream, text: impl Into<String>) {
    let mut text = text.into();
    text.push('\n');
    out.chunks.push(Chunk { stream, text });
}

/// A line that already ends in a newline (hot paths format it in one allocation).
pub(crate) fn raw(out: &mut CommandOutput, stream: Stream, text: String) {
    debug_assert!(text.ends_with('\n'));
    out.chunks.push(Chunk { stream, text });
}

pub(crate) fn stdout(out: &mut CommandOutput, text: impl Into<String>) {
    line(out, Stream::Stdout, text);
}

pub(crate) fn stderr(out: &mut CommandOutput, text: impl Into<String>) {
    line(out, Stream::Stderr, text);
}

/// A flag error as kubectl prints it: `error: <msg>` (cobra's `Error:` before 1.23) then the
/// help hint; exit 1.
pub(crate) fn usage_error(sim: &Sim, cmd: &str, msg: &str) -> CommandOutput {
    let mut out = CommandOutput::default();
    let prefix = if sim.kubectl.capital_error { "Error" } else { "error" };
    stderr(&mut out, format!("{prefix}: {msg}"));
    stderr(&mut out, format!("See 'kubectl {cmd} --help' for usage."));
    out.status = 1;
    out
}

pub(crate) fn fail(msg: impl Into<String>) -> CommandOutput {
    let mut out = CommandOutput::default();
    stderr(&mut out, msg);
    out.status = 1;
    out
}

/// Runs `kubectl ARGS...` (without the word `kubectl`).
pub(crate) fn run(sim: &mut Sim, args: &[String]) -> CommandOutput {
    sim.use_kubectl_of_current_host();
    // The subcommand is the first word that is neither a flag nor a global flag's value.
    let mut idx = None;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if !a.starts_with('-') {
            idx = Some(i);
            break;
        }
        let takes_value = matches!(
            a,
            "-n" | "--namespace" | "--kubeconfig" | "--context" | "--cluster" | "--user" | "-s" | "--server"
        );
        i += if takes_value { 2 } else { 1 };
    }
    let Some(idx) = idx else {
        if args.iter().any(|a| a == "-h" || a == "--help") || args.is_empty() {
            let mut out = CommandOutput::default();
            stdout(&mut out, "kubectl controls the Kubernetes cluster manager.");
            stdout(&mut out, "");
            stdout(
                &mut out,
                " Find more information at: https://kubernetes.io/docs/reference/kubectl/",
            );
            stdout(&mut out, "");
            stdout(
                &mut out,
                "Commands modelled by kubedrill: cordon, uncordon, drain, get, describe, create deployment|namespace, delete pod|node, logs, set image, version",
            );
            return out;
        }
        return match flags::parse(args, &[]) {
            Err(e) => {
                let mut out = fail(format!("error: {e}"));
                stderr(&mut out, "See 'kubectl --help' for usage.");
                out
            }
            Ok(_) => CommandOutput::default(),
        };
    };
    let cmd = args[idx].as_str();
    let rest: Vec<String> = args[..idx].iter().chain(args[idx + 1..].iter()).cloned().collect();
    // Every modelled command but a client-only `version` talks to the API server.
    let client_only = cmd == "version" && rest.iter().any(|a| a == "--client" || a == "--client=true");
    let talks_to_api = REAL_COMMANDS.contains(&cmd) && !client_only;
    if talks_to_api && let Some(err) = sim.api_error() {
        if cmd == "version" {
            let mut out = version::run_client_only(sim, &rest);
            out.chunks.extend(err.chunks);
            out.status = err.status;
            return out;
        }
        return err;
    }
    match cmd {
        "cordon" => cordon::run(sim, &rest, true),
        "uncordon" => cordon::run(sim, &rest, false),
        "drain" => drain::run(sim, &rest),
        "get" => get::run(sim, &rest),
        "describe" => describe::run(sim, &rest),
        "delete" => delete::run(sim, &rest),
        "version" => version::run(sim, &rest),
        "logs" => logs::run(sim, &rest),
        "set" => set::run(sim, &rest),
        "create" => create::run(sim, &rest),
        other if REAL_COMMANDS.contains(&other) => fail(format!(
            "kubedrill: `kubectl {other}` is a real kubectl command that this simulator does not model yet (modelled: cordon, uncordon, drain, get, describe, create deployment|namespace, delete pod|node, logs, set image, version)"
        )),
        other => {
            // 1.23+ print the error through CheckErr; older kubectl let cobra print it, with
            // a capital `Error:` and a usage hint.
            let capital = sim.kubectl.capital_error;
            let mut out = fail(format!(
                "{}: unknown command \"{other}\" for \"kubectl\"",
                if capital { "Error" } else { "error" }
            ));
            if let Some(s) = suggest(other) {
                stderr(&mut out, "");
                stderr(&mut out, "Did you mean this?");
                stderr(&mut out, format!("\t{s}"));
                if capital {
                    stderr(&mut out, "");
                }
            }
            if capital {
                stderr(&mut out, "Run 'kubectl --help' for usage.");
            }
            out
        }
    }
}

/// cobra's suggestion: a command within Levenshtein distance 2, or one the typed word prefixes.
fn suggest(typed: &str) -> Option<&'static str> {
    REAL_COMMANDS
        .iter()
        .copied()
        .find(|c| levenshtein(typed, c) <= 2 || (typed.len() > 1 && c.starts_with(typed)))
}

/// Edit distance, as cobra's command suggestions use it.
pub(crate) fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
