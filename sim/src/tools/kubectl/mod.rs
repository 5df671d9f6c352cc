//! `kubectl`, answering as the kubectl of the cluster's version would (semantics §1).

mod apply;
mod changes;
mod cordon;
mod create;
mod delete;
mod describe;
mod describe_kinds;
mod drain;
mod drain_reasons;
mod edit;
mod events;
mod explain;
mod expose;
pub(crate) mod flags;
mod get;
mod get_core;
mod gofmt;
mod gotemplate;
mod help;
mod info;
mod jsonpath;
mod logs;
mod printer;
mod rollout;
mod set;
mod sort;
mod target;
mod version;
mod yaml_out;

pub use get_core::{server_cells, server_columns};

use crate::model::status::Unreachable;
use crate::shell::CommandOutput;
pub(crate) use crate::shell::output::{raw, stderr, stdout};
use crate::tools::api::KubeApi;
use crate::tools::cobra::levenshtein;
use std::collections::BTreeMap;

/// The commands kubedrill's kubectl answers (the others say they are not modelled).
const MODELLED: &str = "annotate, api-resources, api-versions, apply, auth can-i, cluster-info, config, cordon, create, delete, describe, drain, edit, events, explain, expose, get, label, logs, patch, rollout, run, scale, set, taint, top, uncordon, version, wait";

/// Every top-level kubectl command, so that a real but unmodelled one is told apart from a typo.
const REAL_COMMANDS: &[&str] = &[
    "alpha",
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

/// What kubectl reads on the machine it runs on: its standard input and the files its
/// arguments name. The host reads them before kubectl runs (see [`file_args`]), so kubectl
/// itself stays a client of the API and nothing else.
#[derive(Clone, Debug, Default)]
pub(crate) struct Local {
    pub stdin: String,
    pub cwd: String,
    /// `KUBE_EDITOR`, else `EDITOR` (for `kubectl edit`).
    pub editor: Option<String>,
    /// Absolute path → what is there (absent: no such file or directory).
    pub files: BTreeMap<String, LocalFile>,
    /// No kubeconfig was found (`--kubeconfig`, `$KUBECONFIG`, `~/.kube/config`): kubectl
    /// talks to its default, `http://localhost:8080`, where nothing listens on a kubeadm node.
    pub no_kubeconfig: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LocalFile {
    Text(String),
    /// A directory: the absolute paths of the manifests in it (`.yaml`, `.yml`, `.json`).
    Dir(Vec<String>),
}

impl Local {
    /// A path typed on the command line, made absolute against the working directory.
    pub(crate) fn abs(&self, path: &str) -> String {
        if path.starts_with('/') {
            crate::path::normalize(path)
        } else {
            crate::path::normalize(&format!("{}/{path}", self.cwd))
        }
    }

    pub(crate) fn entry(&self, path: &str) -> Option<&LocalFile> {
        self.files.get(&self.abs(path))
    }

    pub(crate) fn read(&self, path: &str) -> Option<String> {
        match self.entry(path)? {
            LocalFile::Text(t) => Some(t.clone()),
            LocalFile::Dir(_) => None,
        }
    }
}

/// The paths kubectl's arguments name: `-f`/`--filename` values and the `*-file=` templates
/// of `-o`. The host reads these (and the manifests of a directory) into [`Local`].
pub(crate) fn file_args(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        i += 1;
        let value = match a {
            "-f" | "--filename" | "-o" | "--output" | "--template" => {
                let v = args.get(i).cloned();
                i += 1;
                v.map(|v| (a, v))
            }
            _ => {
                if let Some(v) = a.strip_prefix("--filename=") {
                    Some(("-f", v.to_string()))
                } else if let Some(v) = a
                    .strip_prefix("-f=")
                    .or_else(|| a.strip_prefix("-f").filter(|v| !v.is_empty()))
                {
                    Some(("-f", v.to_string()))
                } else if let Some(v) = a.strip_prefix("--output=").or_else(|| a.strip_prefix("-o=")) {
                    Some(("-o", v.to_string()))
                } else if let Some(v) = a.strip_prefix("-o").filter(|v| !v.is_empty()) {
                    Some(("-o", v.to_string()))
                } else {
                    a.strip_prefix("--template=").map(|v| ("--template", v.to_string()))
                }
            }
        };
        match value {
            Some(("-f" | "--filename", v)) if v != "-" => out.push(v),
            Some(("-o" | "--output", v)) => {
                if let Some((format, path)) = v.split_once('=')
                    && (format.ends_with("-file") || format == "templatefile")
                {
                    out.push(path.to_string());
                }
            }
            // `-o jsonpath-file --template=PATH`
            Some(("--template", v)) => out.push(v),
            _ => {}
        }
    }
    out
}

/// A flag error as kubectl prints it: `error: <msg>` (cobra's `Error:` before 1.23) then the
/// help hint; exit 1.
pub(crate) fn usage_error(api: &dyn KubeApi, cmd: &str, msg: &str) -> CommandOutput {
    let mut out = CommandOutput::default();
    let prefix = if api.kubectl().capital_error { "Error" } else { "error" };
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

/// What kubectl prints when its request got no answer. From 1.26 a refused connection first
/// shows the discovery client's errors (five tries, logged by `memcache.go`).
fn unreachable_output(api: &dyn KubeApi, e: &Unreachable) -> CommandOutput {
    match e {
        Unreachable::Timeout => fail(format!("Error from server: {e}")),
        Unreachable::Refused { endpoint } => {
            let mut out = CommandOutput::default();
            let url = format!("https://{endpoint}:6443");
            discovery_errors(api, &mut out, &url, &format!("{endpoint}:6443"));
            stderr(&mut out, e.to_string());
            out.status = 1;
            out
        }
    }
}

/// kubectl 1.26+'s `couldn't get current server API group list` lines before a refused
/// connection's message (klog format, kubectl's PID, the virtual clock).
fn discovery_errors(api: &dyn KubeApi, out: &mut CommandOutput, url: &str, dial: &str) {
    let minor = api.kubectl().minor;
    if minor < 26 {
        return;
    }
    let line = if minor == 26 { 238 } else { 265 };
    let epoch = api.cluster().epoch_s;
    let pid = 20_000 + api.now().ms() / 2_000 % 40_000;
    let dial_ip = dial.replace("localhost", "127.0.0.1");
    let error = format!(
        "couldn't get current server API group list: Get \"{url}/api?timeout=32s\": dial tcp {dial_ip}: connect: connection refused"
    );
    // From 1.31 the error goes through the structured HandleError (checked against the
    // real kubectl 1.27–1.33 binaries).
    let message = if minor >= 31 {
        format!("\"Unhandled Error\" err=\"{}\"", error.replace('"', "\\\""))
    } else {
        error
    };
    for k in 0..5u64 {
        let t = api.now() + crate::time::SimDuration(k * 7 + 11);
        let w = t.wall_clock_with(epoch);
        let micros = (k * 211 + 37) % 1000;
        stderr(
            out,
            format!(
                "E{:02}{:02} {:02}:{:02}:{:02}.{:03}{micros:03} {pid:>7} memcache.go:{line}] {message}",
                w.month,
                w.day,
                w.hour,
                w.minute,
                w.second,
                w.nanos / 1_000_000
            ),
        );
    }
}

/// kubectl without a kubeconfig: it dials localhost:8080.
fn no_server_output(api: &dyn KubeApi) -> CommandOutput {
    let mut out = CommandOutput::default();
    discovery_errors(api, &mut out, "http://localhost:8080", "localhost:8080");
    stderr(
        &mut out,
        "The connection to the server localhost:8080 was refused - did you specify the right host or port?",
    );
    out.status = 1;
    out
}

/// Runs `kubectl ARGS...` (without the word `kubectl`).
pub(crate) fn run(api: &mut dyn KubeApi, args: &[String], local: &Local) -> CommandOutput {
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
    let wants_help = |words: &[String]| {
        words
            .iter()
            .take_while(|a| *a != "--")
            .any(|a| a == "-h" || a == "--help")
    };
    let Some(idx) = idx else {
        if (wants_help(args) || args.is_empty())
            && api.kubectl().minor >= 27
            && let Some(page) = help::page("")
        {
            let mut out = CommandOutput::default();
            stdout(&mut out, page.trim_end());
            return out;
        }
        if args.iter().any(|a| a == "-h" || a == "--help") || args.is_empty() {
            let mut out = CommandOutput::default();
            stdout(&mut out, "kubectl controls the Kubernetes cluster manager.");
            stdout(&mut out, "");
            stdout(
                &mut out,
                " Find more information at: https://kubernetes.io/docs/reference/kubectl/",
            );
            stdout(&mut out, "");
            stdout(&mut out, format!("Commands modelled by kubedrill: {MODELLED}"));
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
    // `kubectl COMMAND --help`, or `kubectl COMMAND SUBCOMMAND --help` for the commands that
    // have subcommands.
    let key = match args[idx + 1..].iter().find(|a| !a.starts_with('-')) {
        Some(sub) if matches!(cmd, "rollout" | "set" | "config" | "create" | "auth" | "top") => {
            format!("{cmd} {sub}")
        }
        _ => cmd.to_string(),
    };
    // A word that names no subcommand (`create -f x.yaml --help`, `rollout bogus --help`):
    // cobra shows the command's own page.
    if wants_help(&rest)
        && api.kubectl().minor >= 27
        && let Some(page) = help::page(&key).or_else(|| help::page(cmd))
    {
        let mut out = CommandOutput::default();
        stdout(&mut out, page.trim_end());
        return out;
    }
    // Every modelled command but a client-only `version` talks to the API server.
    let client_only =
        cmd == "config" || (cmd == "version" && rest.iter().any(|a| a == "--client" || a == "--client=true"));
    let talks_to_api = REAL_COMMANDS.contains(&cmd) && !client_only;
    if talks_to_api && local.no_kubeconfig {
        let err = no_server_output(api);
        if cmd == "version" {
            let mut out = version::run_client_only(api, &rest);
            out.chunks.extend(err.chunks);
            out.status = err.status;
            return out;
        }
        return err;
    }
    if talks_to_api && let Err(e) = api.reachable() {
        let err = unreachable_output(api, &e);
        if cmd == "version" {
            let mut out = version::run_client_only(api, &rest);
            out.chunks.extend(err.chunks);
            out.status = err.status;
            return out;
        }
        return err;
    }
    match cmd {
        "cordon" => cordon::run(api, &rest, true),
        "uncordon" => cordon::run(api, &rest, false),
        "drain" => drain::run(api, &rest),
        "get" => get::run(api, &rest, local),
        "describe" => describe::run(api, &rest),
        "delete" => delete::run(api, &rest, local),
        "version" => version::run(api, &rest),
        "logs" => logs::run(api, &rest),
        "set" => match rest.iter().find(|a| !a.starts_with('-')).map(String::as_str) {
            Some(w @ ("env" | "resources")) => {
                let pos = rest.iter().position(|a| a == w).unwrap_or(0);
                let mut args = rest.clone();
                args.remove(pos);
                changes::set_env_or_resources(api, w, &args)
            }
            _ => set::run(api, &rest),
        },
        "create" => create::run(api, &rest, local),
        "run" => create::run_pod(api, &rest, local),
        "expose" => expose::run(api, &rest, local),
        "apply" => apply::run(api, &rest, local, apply::Mode::Apply),
        "replace" => apply::run(api, &rest, local, apply::Mode::Replace),
        "label" => changes::label(api, &rest, false),
        "annotate" => changes::label(api, &rest, true),
        "taint" => changes::taint(api, &rest),
        "scale" => changes::scale(api, &rest),
        "patch" => changes::patch(api, &rest, local),
        "rollout" => rollout::run(api, &rest),
        "wait" => rollout::wait(api, &rest),
        "edit" => edit::run(api, &rest, local),
        "api-resources" => info::api_resources(api, &rest),
        "api-versions" => info::api_versions(api, &rest),
        "cluster-info" => info::cluster_info(api, &rest),
        "top" => info::top(api, &rest),
        "config" => info::config(api, &rest),
        "auth" => info::auth(api, &rest),
        "explain" => info::explain(api, &rest),
        "events" if api.kubectl().minor >= 26 => events::run(api, &rest, local),
        "alpha" if (23..=25).contains(&api.kubectl().minor) && rest.first().is_some_and(|w| w == "events") => {
            events::run(api, &rest[1..], local)
        }
        other if REAL_COMMANDS.contains(&other) && other != "events" => fail(format!(
            "kubedrill: `kubectl {other}` is a real kubectl command that this simulator does not model yet (modelled: {MODELLED})"
        )),
        other => unknown_command(api, other),
    }
}

/// cobra's answer to a command it does not have: 1.23+ print the error through CheckErr;
/// older kubectl let cobra print it, with a capital `Error:` and a usage hint.
fn unknown_command(api: &dyn KubeApi, other: &str) -> CommandOutput {
    let capital = api.kubectl().capital_error;
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

/// cobra's suggestion: a command within Levenshtein distance 2, or one the typed word prefixes.
fn suggest(typed: &str) -> Option<&'static str> {
    REAL_COMMANDS
        .iter()
        .copied()
        .filter(|c| *c != typed)
        .find(|c| levenshtein(typed, c) <= 2 || (typed.len() > 1 && c.starts_with(typed)))
}

#[cfg(test)]
mod seam_tests {
    //! kubectl alone, against a fake API: what it asks the API server to do and what it prints,
    //! with no engine behind the seam.

    use super::*;
    use crate::tools::fake_api::FakeApi;

    const CLUSTER: &str = r#"
apiVersion: kubedrill/v1
kind: Scenario
metadata: {name: seam}
cluster:
  kubernetesVersion: v1.31.2
  nodes:
    - {name: controlplane, role: control-plane}
    - {name: node01, role: worker}
workloads:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 1
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: nginx}]}
steps: []
"#;

    fn kubectl(api: &mut FakeApi, line: &str) -> CommandOutput {
        let args: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        run(api, &args, &Local::default())
    }

    fn text(out: &CommandOutput) -> String {
        out.chunks.iter().map(|c| c.text.as_str()).collect()
    }

    #[test]
    fn cordon_patches_the_node_once_and_says_so() {
        let mut api = FakeApi::from_scenario(CLUSTER);
        let out = kubectl(&mut api, "cordon node01");
        assert_eq!(out.status, 0);
        assert_eq!(text(&out), "node/node01 cordoned\n");
        assert_eq!(api.writes, ["PATCH node01 unschedulable=true"]);
        // A second cordon reads the state and writes nothing.
        let out = kubectl(&mut api, "cordon node01");
        assert_eq!(text(&out), "node/node01 already cordoned\n");
        assert_eq!(api.writes.len(), 1);
    }

    #[test]
    fn drain_retries_a_refused_eviction_every_five_seconds_until_its_timeout() {
        let mut api = FakeApi::from_scenario(CLUSTER);
        api.eviction = Err(crate::model::status::ApiError::new(
            429,
            "Cannot evict pod as it would violate the pod's disruption budget.",
        ));
        let out = kubectl(&mut api, "drain node01 --ignore-daemonsets --timeout=12s");
        let evictions = api
            .writes
            .iter()
            .filter(|w| w.starts_with("EVICT default/web-"))
            .count();
        // t=0, 5 s, 10 s; the 15 s retry is past the 12 s timeout.
        assert_eq!(evictions, 3, "{:?}", api.writes);
        assert_eq!(out.status, 1);
        let printed = text(&out);
        assert!(printed.contains("(will retry after 5s)"), "{printed}");
        assert!(printed.contains("global timeout reached: 12s"), "{printed}");
    }
}
