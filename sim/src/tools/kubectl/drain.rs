//! `kubectl drain` (semantics §1.2–§1.9): cordon, the pod filter chain, evictions with PDB
//! retries every 5 s, waiting for pods to go, timeouts, and every message by version.
//!
//! kubectl evicts a node's pods concurrently; the simulator runs those goroutines in lock
//! step on virtual time: at each instant, pods act in (namespace, name) order.

use super::cordon::{DryRun, dry_run, node_line, resolve_nodes, set_cordon};
use super::flags::{self, Kind, Parsed, flag};
use super::{raw, stderr, stdout, usage_error};
use crate::model::status::DeleteCause;
use crate::model::*;
use crate::release::behaviour::EvictingLine;
use crate::shell::CommandOutput;
use crate::shell::Stream;
use crate::shell::output::joined;
use crate::time::{SimDuration, SimTime};
use crate::tools::api::KubeApi;
use smallvec::SmallVec;
use std::cell::Cell;
use std::sync::Arc;

const SPECS: &[flags::Spec] = &[
    flag("ignore-daemonsets", None, Kind::Bool),
    flag("delete-emptydir-data", None, Kind::Bool),
    flag("delete-local-data", None, Kind::Bool),
    flag("force", None, Kind::Bool),
    flag("grace-period", None, Kind::Int),
    flag("timeout", None, Kind::Duration),
    flag("disable-eviction", None, Kind::Bool),
    flag("pod-selector", None, Kind::Str),
    flag("selector", Some('l'), Kind::Str),
    flag("skip-wait-for-delete-timeout", None, Kind::Int),
    flag("chunk-size", None, Kind::Int),
    flag("dry-run", None, Kind::StrOpt("unchanged")),
    flag("ignore-errors", None, Kind::Bool),
];

struct Options {
    ignore_daemonsets: bool,
    delete_emptydir: bool,
    force: bool,
    grace: Option<u64>,
    timeout: Option<SimDuration>,
    disable_eviction: bool,
    pod_selector: Option<Selector>,
    skip_wait_s: u64,
    dry: DryRun,
    ignore_errors: bool,
    /// kubectl 1.11–1.22 reuse one printer object, so the final node line says the last verb
    /// printed anywhere in the run (`drained`, `evicted` or `deleted`).
    last_verb: Cell<&'static str>,
}

/// A node's drain failure, kept in the shape kubectl's error printing depends on.
enum NodeError {
    /// An aggregate of messages (filter errors, eviction errors).
    Agg(Vec<String>),
    /// A plain error (the delete path's wait timeout).
    Plain(String),
}

/// The messages of an aggregate with duplicates collapsed, first occurrence kept.
fn distinct(msgs: &[String]) -> Vec<&String> {
    let mut seen: Vec<&String> = Vec::new();
    for m in msgs {
        if !seen.contains(&m) {
            seen.push(m);
        }
    }
    seen
}

impl NodeError {
    /// `utilerrors.Aggregate.Error()`: one message alone, or `[a, b]` with duplicates collapsed.
    fn text(&self) -> String {
        match self {
            Self::Plain(s) => s.clone(),
            Self::Agg(msgs) => {
                let seen = distinct(msgs);
                if seen.len() == 1 {
                    seen[0].clone()
                } else {
                    format!("[{}]", seen.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))
                }
            }
        }
    }
}

pub(crate) fn run(api: &mut dyn KubeApi, args: &[String]) -> CommandOutput {
    let p = match flags::parse(args, SPECS) {
        Ok(p) => p,
        Err(e) => return usage_error(api, "drain", &e),
    };
    let mut out = CommandOutput::default();
    if let Some(e) = unsupported_flag(api, &p) {
        return usage_error(api, "drain", &e);
    }
    if p.has("delete-local-data") && api.kubectl().has_delete_emptydir_data {
        stderr(
            &mut out,
            "Flag --delete-local-data has been deprecated, This option is deprecated and will be deleted. Use --delete-emptydir-data.",
        );
    }
    if p.bool("help") {
        stdout(&mut out, "Drain node in preparation for maintenance.");
        stdout(&mut out, "");
        stdout(&mut out, "Usage:");
        stdout(&mut out, "  kubectl drain NODE [options]");
        return out;
    }
    let dry = match dry_run(api, &p, "drain", &mut out) {
        Ok(d) => d,
        Err(e) => return e,
    };
    let pod_selector = match p.str("pod-selector").filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match Selector::parse(s) {
            Ok(sel) => Some(sel),
            Err(_) => {
                return super::fail(format!("error: --pod-selector={s} must be a valid label selector"));
            }
        },
    };
    let opts = Options {
        ignore_daemonsets: p.bool("ignore-daemonsets"),
        delete_emptydir: p.bool("delete-emptydir-data") || p.bool("delete-local-data"),
        force: p.bool("force"),
        grace: p.int("grace-period").filter(|g| *g >= 0).map(|g| g as u64),
        timeout: p.duration("timeout").filter(|d| d.ms() > 0),
        disable_eviction: p.bool("disable-eviction"),
        pod_selector,
        skip_wait_s: p.int("skip-wait-for-delete-timeout").unwrap_or(0).max(0) as u64,
        dry,
        ignore_errors: p.bool("ignore-errors"),
        last_verb: Cell::new("drained"),
    };
    let nodes = match resolve_nodes(api, "drain", &p) {
        Ok(n) => n,
        Err(e) => {
            let mut e = e;
            let mut chunks = std::mem::take(&mut out.chunks);
            chunks.append(&mut e.chunks);
            e.chunks = chunks;
            return e;
        }
    };
    set_cordon(api, &nodes, true, dry, &mut out);
    drain_nodes(api, &nodes, &opts, &mut out);
    out
}

/// A flag this kubectl version does not have is an unknown flag, as cobra says.
fn unsupported_flag(api: &dyn KubeApi, p: &Parsed) -> Option<String> {
    let k = api.kubectl();
    let gone = [
        ("delete-emptydir-data", k.has_delete_emptydir_data),
        ("delete-local-data", k.has_delete_local_data),
        ("disable-eviction", k.has_disable_eviction),
        ("skip-wait-for-delete-timeout", k.has_skip_wait_for_delete_timeout),
        ("selector", k.has_drain_selector),
        ("pod-selector", k.has_pod_selector),
        ("ignore-errors", (21..=22).contains(&k.minor)),
        ("chunk-size", k.minor >= 22),
        ("dry-run", k.minor >= 9),
    ];
    gone.iter()
        .find(|(name, ok)| !ok && p.has(name))
        .map(|(name, _)| format!("unknown flag: --{name}"))
}

fn drain_nodes(api: &mut dyn KubeApi, nodes: &[NodeId], opts: &Options, out: &mut CommandOutput) {
    let k = api.kubectl().clone();
    let mut fatal: Vec<NodeError> = Vec::new();
    let mut remaining: Vec<Arc<str>> = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let name = api.cluster().node(*node).name.clone();
        // Before 1.18 a dry run only cordons: the pods are not even looked at.
        let result = if opts.dry != DryRun::None && !k.dry_run_strategies {
            Ok(false)
        } else {
            drain_node(api, *node, opts, out)
        };
        match result {
            Ok(_) => {
                let verb = if k.drained_says_evicted && opts.dry == DryRun::None {
                    opts.last_verb.get()
                } else {
                    "drained"
                };
                stdout(out, node_line(api, &name, verb, opts.dry));
            }
            Err(DrainStop::Interrupted) => {
                interrupted(api, out);
                return;
            }
            Err(DrainStop::Failed(err)) => {
                if k.drain_continues || opts.ignore_errors {
                    let sep = if k.due_to_error_space { " " } else { "" };
                    stderr(
                        out,
                        format!(
                            "error: unable to drain node \"{name}\" due to error:{sep}{}, continuing command...",
                            err.text()
                        ),
                    );
                    if !opts.ignore_errors {
                        remaining.push(name);
                        fatal.push(err);
                    }
                    continue;
                }
                if k.minor <= 8 {
                    // 1.8 drains exactly one node and has no abort block.
                    print_final_error(api, vec![err], out);
                    out.status = 1;
                    return;
                }
                if k.drain_abort_deprecation {
                    stderr(
                        out,
                        "DEPRECATED WARNING: Aborting the drain command in a list of nodes will be deprecated in v1.23.",
                    );
                    stderr(
                        out,
                        "The new behavior will make the drain command go through all nodes even if one or more nodes failed during the drain.",
                    );
                    stderr(out, "For now, users can try such experience via: --ignore-errors");
                }
                stderr(
                    out,
                    format!("error: unable to drain node \"{name}\", aborting command..."),
                );
                stderr(out, "");
                stderr(out, "There are pending nodes to be drained:");
                for rest in &nodes[i..] {
                    stderr(out, format!(" {}", api.cluster().node(*rest).name));
                }
                print_final_error(api, vec![err], out);
                out.status = 1;
                return;
            }
        }
    }
    if !remaining.is_empty() {
        stderr(out, "There are pending nodes to be drained:");
        for n in &remaining {
            stderr(out, format!(" {n}"));
        }
        print_final_error(api, fatal, out);
        out.status = 1;
    }
}

/// kubectl's `checkErr` on the aggregate of failed nodes (semantics §1.5).
///
/// From 1.23 the node errors are wrapped in one more aggregate, which `checkErr` unwraps, so a
/// node's aggregate prints one message per line without `error: `; before 1.23 the node's own
/// aggregate is unwrapped when it holds one message, which then gets `error: `.
fn print_final_error(api: &dyn KubeApi, mut fatal: Vec<NodeError>, out: &mut CommandOutput) {
    if fatal.len() == 1 {
        match fatal.remove(0) {
            NodeError::Plain(msg) => stderr(out, format!("error: {msg}")),
            NodeError::Agg(msgs) if !api.kubectl().drain_continues && distinct(&msgs).len() == 1 => {
                stderr(out, format!("error: {}", msgs[0]));
            }
            NodeError::Agg(msgs) => {
                for m in msgs {
                    stderr(out, m);
                }
            }
        }
        return;
    }
    for e in fatal {
        stderr(out, e.text());
    }
}

fn interrupted(api: &dyn KubeApi, out: &mut CommandOutput) {
    let limit = api.time_budget();
    stderr(
        out,
        format!(
            "kubedrill: interrupted: the step used its {limit} of virtual time (the scenario's stepTimeLimit); the command was stopped as if by Ctrl-C"
        ),
    );
    out.status = 130;
}

enum DrainStop {
    Failed(NodeError),
    Interrupted,
}

/// The verdict of the filter chain for one pod.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Verdict {
    Okay,
    Skip,
    Warning(String),
    Error(String),
}

struct Filtered {
    deletable: Vec<PodId>,
    /// (message, pods) in first-seen order.
    warnings: Vec<(String, Vec<String>)>,
    errors: Vec<(String, Vec<String>)>,
}

fn push_group(groups: &mut Vec<(String, Vec<String>)>, msg: String, pod: String) {
    match groups.iter_mut().find(|(m, _)| *m == msg) {
        Some((_, pods)) => pods.push(pod),
        None => groups.push((msg, vec![pod])),
    }
}

/// The filter chain of semantics §1.4, in its fixed order.
fn filter_pods(api: &dyn KubeApi, node: NodeId, opts: &Options) -> Filtered {
    let k = api.kubectl();
    let m = &k.messages;
    let pods = api.cluster().pods_on_node(node);
    let mut f = Filtered {
        deletable: Vec::with_capacity(pods.len()),
        warnings: vec![],
        errors: vec![],
    };
    for id in pods {
        let Some(pod) = api.cluster().pod(id) else {
            continue;
        };
        if let Some(sel) = &opts.pod_selector
            && !sel.matches(&pod.labels)
        {
            continue;
        }
        // Worded only for a pod that gets a warning or an error, not for every pod drained.
        let shown = || {
            if k.in_tree_drain {
                pod.name.to_string()
            } else {
                [&*pod.namespace, "/", &*pod.name].concat()
            }
        };
        let finished = pod.is_finished();
        if k.drain_filters_all {
            // 1.8/1.9: every filter runs and every message is kept; a mirror pod, having no
            // controller, also counts as unmanaged (why kubeadm masters could not be drained).
            let mut keep = !pod.is_mirror();
            if pod.template.has_empty_dir && !finished {
                if opts.delete_emptydir {
                    push_group(&mut f.warnings, m.local_storage_warning.into(), shown());
                } else {
                    push_group(&mut f.errors, m.local_storage_error.into(), shown());
                }
            }
            if matches!(pod.owner, Owner::None | Owner::Mirror(_)) && !finished {
                if opts.force {
                    push_group(&mut f.warnings, m.unreplicated_warning.into(), shown());
                } else {
                    push_group(&mut f.errors, m.unreplicated_error.into(), shown());
                }
            }
            if matches!(pod.owner, Owner::DaemonSet(_)) && !finished {
                keep = false;
                if opts.ignore_daemonsets {
                    push_group(&mut f.warnings, m.daemonset_warning.into(), shown());
                } else {
                    push_group(&mut f.errors, m.daemonset_error.into(), shown());
                }
            }
            if keep {
                f.deletable.push(id);
            }
            continue;
        }
        // Each filter: (delete, verdict). The chain stops at the first delete=false.
        // Inline: five filters at most, and this runs for every pod drained.
        let mut chain: SmallVec<[(bool, Verdict); 5]> = SmallVec::new();
        let mut stopped = false;
        let run = |delete: bool, v: Verdict, chain: &mut SmallVec<[(bool, Verdict); 5]>| {
            chain.push((delete, v));
            !delete
        };
        // skipDeleted (1.18+)
        if k.has_skip_wait_for_delete_timeout
            && opts.skip_wait_s > 0
            && let Some(d) = pod.deletion
            && api.now().saturating_sub(d.at).ms() > opts.skip_wait_s * 1000
        {
            stopped = run(false, Verdict::Skip, &mut chain);
        }
        if !stopped {
            chain.push((true, Verdict::Okay));
        }
        // daemonSet
        if !stopped
            && let Owner::DaemonSet(ds) = pod.owner
            && !finished
        {
            let exists = !api.cluster().workload(ds).deleted;
            let v = match (exists, opts.force, opts.ignore_daemonsets) {
                (false, true, _) => (
                    true,
                    Verdict::Warning(format!(
                        "daemonsets.apps \"{}\" not found",
                        api.cluster().workload(ds).name
                    )),
                ),
                (false, false, _) => (
                    false,
                    Verdict::Error(format!(
                        "daemonsets.apps \"{}\" not found",
                        api.cluster().workload(ds).name
                    )),
                ),
                (true, _, false) => (false, Verdict::Error(m.daemonset_error.into())),
                (true, _, true) => (false, Verdict::Warning(m.daemonset_warning.into())),
            };
            stopped = run(v.0, v.1, &mut chain);
        }
        // mirrorPod
        if !stopped && pod.is_mirror() {
            stopped = run(false, Verdict::Skip, &mut chain);
        }
        // localStorage
        if !stopped && pod.template.has_empty_dir && !finished {
            stopped = if opts.delete_emptydir {
                run(true, Verdict::Warning(m.local_storage_warning.into()), &mut chain)
            } else {
                run(false, Verdict::Error(m.local_storage_error.into()), &mut chain)
            };
        } else if !stopped {
            chain.push((true, Verdict::Okay));
        }
        // unreplicated
        if !stopped {
            if pod.owner == Owner::None && !finished {
                if opts.force {
                    run(true, Verdict::Warning(m.unreplicated_warning.into()), &mut chain);
                } else {
                    run(false, Verdict::Error(m.unreplicated_error.into()), &mut chain);
                }
            } else {
                chain.push((true, Verdict::Okay));
            }
        }
        let (delete, last) = chain.last().cloned().unwrap_or((true, Verdict::Okay));
        if k.in_tree_drain {
            // ≤1.15: every filter's warning is kept, errors short-circuit.
            for (_, v) in &chain {
                if let Verdict::Warning(w) = v {
                    push_group(&mut f.warnings, w.clone(), shown());
                }
            }
            match last {
                Verdict::Error(e) => push_group(&mut f.errors, e, shown()),
                _ if delete => f.deletable.push(id),
                _ => {}
            }
            continue;
        }
        match last {
            Verdict::Error(e) => push_group(&mut f.errors, e, shown()),
            Verdict::Warning(w) => {
                push_group(&mut f.warnings, w, shown());
                if delete {
                    f.deletable.push(id);
                }
            }
            Verdict::Okay if delete => f.deletable.push(id),
            _ => {}
        }
    }
    // Upstream iterates a Go map here; the simulator sorts groups by message.
    f.warnings.sort();
    f.errors.sort();
    f
}

fn join_groups(groups: &[(String, Vec<String>)]) -> String {
    groups
        .iter()
        .map(|(m, pods)| format!("{m}: {}", pods.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Drains one node. Ok(true) when pods were evicted or deleted.
fn drain_node(api: &mut dyn KubeApi, node: NodeId, opts: &Options, out: &mut CommandOutput) -> Result<bool, DrainStop> {
    let k = api.kubectl().clone();
    let filtered = filter_pods(api, node, opts);
    super::drain_reasons::record(api, node, &filtered.errors, &filtered.warnings);
    if !filtered.errors.is_empty() {
        if k.in_tree_drain {
            return Err(DrainStop::Failed(NodeError::Plain(join_groups(&filtered.errors))));
        }
        let errs = filtered
            .errors
            .iter()
            .map(|(m, pods)| format!("cannot delete {m}: {}", pods.join(", ")))
            .collect();
        return Err(DrainStop::Failed(NodeError::Agg(errs)));
    }
    if !filtered.warnings.is_empty() {
        stderr(out, format!("{} {}", k.warning_prefix, join_groups(&filtered.warnings)));
    }
    if filtered.deletable.is_empty() {
        return Ok(false);
    }
    match opts.dry {
        // The server still answers dry-run evictions with 429 when a budget forbids them.
        DryRun::Server if !opts.disable_eviction => evict_path(api, node, &filtered.deletable, opts, out).map(|_| true),
        DryRun::Client | DryRun::Server => {
            for id in &filtered.deletable {
                if let Some(p) = api.cluster().pod(*id) {
                    let text = evicting_text(&k.evicting_line, p);
                    if let Some(t) = text {
                        stdout(out, format!("{t}{}", opts.dry.suffix()));
                    }
                }
            }
            Ok(true)
        }
        DryRun::None if opts.disable_eviction => delete_path(api, node, &filtered.deletable, opts, out).map(|_| true),
        DryRun::None => evict_path(api, node, &filtered.deletable, opts, out).map(|_| true),
    }
}

fn evicting_text(style: &EvictingLine, pod: &Pod) -> Option<String> {
    match style {
        EvictingLine::NamespacedName => Some(format!("evicting pod {}", pod.label)),
        EvictingLine::QuotedName => Some(format!("evicting pod \"{}\"", pod.name)),
        EvictingLine::None => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TaskState {
    Evict { at: SimTime },
    Wait { since: SimTime },
    Done,
    Failed,
}

struct Task {
    pod: PodId,
    uid: u64,
    namespace: Arc<str>,
    name: Arc<str>,
    state: TaskState,
}

fn finished_line(api: &dyn KubeApi, name: &str, verb: &str) -> String {
    if api.kubectl().quoted_names {
        joined(&["pod \"", name, "\" ", verb, "\n"])
    } else {
        joined(&["pod/", name, " ", verb, "\n"])
    }
}

fn evict_path(
    api: &mut dyn KubeApi,
    node: NodeId,
    pods: &[PodId],
    opts: &Options,
    out: &mut CommandOutput,
) -> Result<(), DrainStop> {
    let k = api.kubectl().clone();
    let start = api.now();
    let deadline = opts.timeout.map(|t| start + t);
    let timeout_text = opts.timeout.map(|t| t.go_string()).unwrap_or_default();
    let mut tasks: Vec<Task> = pods
        .iter()
        .filter_map(|id| api.cluster().pod(*id).map(|p| (id, p)))
        .map(|(id, p)| Task {
            pod: *id,
            uid: p.uid,
            namespace: p.namespace.clone(),
            name: p.name.clone(),
            state: TaskState::Evict { at: start },
        })
        .collect();
    let mut errors: Vec<String> = Vec::new();
    let dry = opts.dry == DryRun::Server;
    // Up to 1.16 the deadline is one timer for the whole node: it fails the node once, at the
    // deadline, whatever the pods are doing.
    let node_deadline = k.minor <= 16;
    let mut node_error: Option<NodeError> = None;
    loop {
        let now = api.now();
        if node_deadline && deadline.is_some_and(|d| now >= d) {
            let word = if k.in_tree_drain { "Drain" } else { "drain" };
            node_error = Some(NodeError::Plain(format!(
                "{word} did not complete within {timeout_text}"
            )));
            break;
        }
        for t in tasks.iter_mut() {
            match t.state {
                TaskState::Evict { at } if at <= now => {
                    // Joined, not formatted: an eviction a budget refuses is retried every 5 s and
                    // says so each time.
                    let ev_err = |suffix: &str| {
                        if k.eviction_error_with_ns {
                            joined(&[
                                "error when evicting pods/\"",
                                &t.name,
                                "\" -n \"",
                                &t.namespace,
                                "\"",
                                suffix,
                            ])
                        } else {
                            joined(&["error when evicting pod \"", &t.name, "\"", suffix])
                        }
                    };
                    if let Some(p) = api.cluster().pod_if(t.pod, t.uid) {
                        if k.evicting_line == EvictingLine::NamespacedName && !dry {
                            raw(out, Stream::Stdout, joined(&["evicting pod ", &p.label, "\n"]));
                        } else if let Some(text) = evicting_text(&k.evicting_line, p) {
                            stdout(out, format!("{text}{}", opts.dry.suffix()));
                        }
                    }
                    if !node_deadline && deadline.is_some_and(|d| now >= d) {
                        errors.push(ev_err(&format!(": global timeout reached: {timeout_text}")));
                        t.state = TaskState::Failed;
                        continue;
                    }
                    if api.cluster().pod_if(t.pod, t.uid).is_none() {
                        t.state = TaskState::Wait { since: now };
                        continue;
                    }
                    match api.evict(t.pod, opts.grace, dry) {
                        // A server dry run is not waited for: nothing was deleted.
                        Ok(()) if dry => t.state = TaskState::Done,
                        Ok(()) => t.state = TaskState::Wait { since: now },
                        Err(e) if e.code == 429 => {
                            if k.eviction_retry_line {
                                stderr(out, ev_err(&joined(&[" (will retry after 5s): ", &e.message])));
                            }
                            t.state = TaskState::Evict {
                                at: now + SimDuration::from_secs(5),
                            };
                        }
                        Err(e) => {
                            errors.push(ev_err(&format!(": {}", e.message)));
                            t.state = TaskState::Failed;
                        }
                    }
                }
                _ => {}
            }
            if let TaskState::Wait { since } = t.state {
                if !(now.ms() - since.ms()).is_multiple_of(1000) {
                    continue;
                }
                let gone = api.cluster().pod_if(t.pod, t.uid).is_none();
                if gone {
                    raw(out, Stream::Stdout, finished_line(api, &t.name, "evicted"));
                    opts.last_verb.set("evicted");
                    t.state = TaskState::Done;
                } else if opts.skip_wait_s > 0 && skip_old_deletion(api, t, opts.skip_wait_s) {
                    stdout(
                        out,
                        format!(
                            "pod \"{}\" has DeletionTimestamp older than {} seconds, skipping",
                            t.name, opts.skip_wait_s
                        ),
                    );
                    t.state = TaskState::Done;
                } else if !node_deadline && deadline.is_some_and(|d| now >= d) {
                    errors.push(wait_timeout_text(api, t, &timeout_text));
                    t.state = TaskState::Failed;
                }
            }
        }
        let next = tasks
            .iter()
            .filter_map(|t| match t.state {
                TaskState::Evict { at } => Some(at),
                TaskState::Wait { since } => Some(SimTime(since.ms() + ((now.ms() - since.ms()) / 1000 + 1) * 1000)),
                _ => None,
            })
            .min()
            .map(|t| {
                if node_deadline {
                    deadline.map_or(t, |d| t.min(d))
                } else {
                    t
                }
            });
        let Some(next) = next else { break };
        if !api.wait_until(next) {
            return Err(DrainStop::Interrupted);
        }
    }
    let err = match node_error {
        Some(e) => e,
        None if errors.is_empty() => return Ok(()),
        None => NodeError::Agg(errors),
    };
    report_pending(api, node, opts, &err, out);
    Err(DrainStop::Failed(err))
}

fn skip_old_deletion(api: &dyn KubeApi, t: &Task, skip_s: u64) -> bool {
    api.cluster()
        .pod_if(t.pod, t.uid)
        .and_then(|p| p.deletion)
        .is_some_and(|d| api.now().saturating_sub(d.at).ms() > skip_s * 1000)
}

fn wait_timeout_text(api: &dyn KubeApi, t: &Task, timeout_text: &str) -> String {
    let k = api.kubectl();
    if k.wait_timeout_context {
        format!(
            "error when waiting for pod \"{}\" in namespace \"{}\" to terminate: context deadline exceeded",
            t.name, t.namespace
        )
    } else if k.wait_error_with_ns {
        format!(
            "error when waiting for pod \"{}\" in namespace \"{}\" to terminate: global timeout reached: {timeout_text}",
            t.name, t.namespace
        )
    } else if k.minor <= 16 {
        format!("drain did not complete within {timeout_text}")
    } else {
        format!(
            "error when waiting for pod \"{}\" terminating: global timeout reached: {timeout_text}",
            t.name
        )
    }
}

/// After a failure kubectl lists what is still deletable on the node.
fn report_pending(api: &dyn KubeApi, node: NodeId, opts: &Options, err: &NodeError, out: &mut CommandOutput) {
    let k = api.kubectl();
    let again = filter_pods(api, node, opts);
    if k.in_tree_drain && !again.warnings.is_empty() {
        // The old re-list printed its warnings again as a side effect.
        stderr(out, format!("{} {}", k.warning_prefix, join_groups(&again.warnings)));
    }
    if again.deletable.is_empty() && k.minor != 16 {
        return;
    }
    if k.minor <= 8 {
        stderr(
            out,
            format!("There are pending pods when an error occurred: {}", err.text()),
        );
    } else {
        stderr(
            out,
            format!(
                "There are pending pods in node \"{}\" when an error occurred: {}",
                api.cluster().node(node).name,
                err.text()
            ),
        );
    }
    for id in again.deletable {
        if let Some(p) = api.cluster().pod(id) {
            stderr(out, format!("pod/{}", p.name));
        }
    }
}

fn delete_path(
    api: &mut dyn KubeApi,
    node: NodeId,
    pods: &[PodId],
    opts: &Options,
    out: &mut CommandOutput,
) -> Result<(), DrainStop> {
    let start = api.now();
    let deadline = opts.timeout.map(|t| start + t);
    let mut waiting: Vec<(PodId, u64, Arc<str>)> = Vec::new();
    for id in pods {
        let Some(p) = api.cluster().pod(*id) else {
            continue;
        };
        let (uid, name) = (p.uid, p.name.clone());
        api.delete_pod(*id, opts.grace, DeleteCause::DrainDelete);
        waiting.push((*id, uid, name));
    }
    api.settle();
    loop {
        let now = api.now();
        waiting.retain(|(id, uid, name)| {
            if api.cluster().pod_if(*id, *uid).is_none() {
                raw(out, Stream::Stdout, finished_line(api, name, "deleted"));
                opts.last_verb.set("deleted");
                false
            } else {
                true
            }
        });
        if waiting.is_empty() {
            return Ok(());
        }
        if deadline.is_some_and(|d| now >= d) {
            let text = if api.kubectl().wait_timeout_context {
                "context deadline exceeded"
            } else {
                "timed out waiting for the condition"
            };
            let err = NodeError::Plain(text.to_string());
            report_pending(api, node, opts, &err, out);
            return Err(DrainStop::Failed(err));
        }
        let next = now + SimDuration::from_secs(1);
        if !api.wait_until(next) {
            return Err(DrainStop::Interrupted);
        }
    }
}
