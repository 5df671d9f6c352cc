//! `why`: the model's reasons for what a command did, in plain sentences with the numbers.
//!
//! Every reason comes from the trace, where the engine records its decisions as it makes
//! them: the drain's filter verdicts (`DrainPodFiltered`), the Eviction API's budget numbers
//! (`EvictionRefused`), the scheduler's per-node reasons (`PodUnschedulable`), why the API
//! could not answer (`ApiUnavailable`), the kubelet's static pod decisions, and invariant
//! violations. This module only groups and words them; it decides nothing again.

use crate::timeline::Step;
use kubedrill_sim::Sim;
use kubedrill_sim::model::{Owner, Phase, WorkloadKind};
use kubedrill_sim::time::SimTime;
use kubedrill_sim::trace::{Event, NodeUnfit, Record};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Values grouped by key, keys in first-seen order (sentences follow the order things happened).
struct Groups<K, V>(Vec<(K, Vec<V>)>);

impl<K: PartialEq, V> Groups<K, V> {
    fn new() -> Self {
        Self(Vec::new())
    }

    fn push(&mut self, key: K, value: V) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(value),
            None => self.0.push((key, vec![value])),
        }
    }
}

/// What `why` looks at in a lab.
pub(crate) struct Context<'a> {
    pub(crate) sim: &'a Sim,
    /// The current timeline's steps.
    pub(crate) steps: &'a [Step],
    /// Where the lab's own part of the trace starts (after the setup).
    pub(crate) base_trace: usize,
    pub(crate) started_at: SimTime,
}

impl Context<'_> {
    /// "at step 3 (`kubectl drain node01`)", or "during the lab's setup", for a trace record.
    fn when(&self, index: usize, r: &Record) -> String {
        if index < self.base_trace {
            return "before the lab started".to_string();
        }
        let t = r.t.saturating_sub(self.started_at).go_string();
        match self
            .steps
            .iter()
            .position(|s| s.sim_step == r.step && s.trace.contains(&index))
        {
            Some(i) => format!("at step {} (`{}`, +{t})", i + 1, self.steps[i].line),
            None => format!("at +{t}"),
        }
    }

    /// The lab's part of the trace with each record's index.
    fn records(&self) -> impl DoubleEndedIterator<Item = (usize, &Record)> {
        self.sim.trace().indexed()
    }
}

/// `why` with no argument: the last command of the timeline, explained.
pub(crate) fn last_step(ctx: &Context<'_>) -> String {
    let Some((n, step)) = ctx.steps.iter().enumerate().next_back() else {
        return "Nothing has been typed yet. `why NODE`, `why POD` or `why deployment/NAME` explains how something is now.".to_string();
    };
    let records: Vec<Record> = ctx.sim.trace().range(step.trace.clone()).cloned().collect();
    let mut out = format!("Step {} (`{}`, exit {}):\n", n + 1, step.line, step.status);
    let sentences = explain(ctx.sim, &records);
    if sentences.is_empty() {
        let took = step.end.saturating_sub(step.at);
        out.push_str(if step.status == 0 {
            "No change to the cluster's objects was recorded for it (files and shell variables are not traced)"
        } else {
            "It failed without changing the cluster's objects; its own error message is the reason"
        });
        if took.ms() > 0 {
            out.push_str(&format!("; {} of virtual time passed", took.go_string()));
        }
        out.push_str(".\n");
        if step.line.contains("/etc/kubernetes/manifests") {
            out.push_str("The kubelet looks at /etc/kubernetes/manifests every 20 s: a static pod change shows after that (`sleep 20`, then `why`).\n");
        }
    }
    for s in sentences {
        out.push_str(&format!("- {s}\n"));
    }
    out
}

/// The sentences for a run of trace records (one command or scenario step): what the model
/// decided, grouped, in a fixed order of importance.
pub fn explain(sim: &Sim, records: &[Record]) -> Vec<String> {
    let t0 = records.first().map(|r| r.t).unwrap_or(SimTime::ZERO);
    let mut out = Vec::new();
    api(records, &mut out);
    drain_filters(records, &mut out);
    budgets(records, t0, &mut out);
    disruptions(records, &mut out);
    pending(sim, records, &mut out);
    nodes(records, &mut out);
    static_pods(sim, records, &mut out);
    static_starts(records, &mut out);
    lifecycle(records, &mut out);
    api_availability(records, &mut out);
    components(records, &mut out);
    for r in records {
        match &r.event {
            Event::EtcdRestored {
                node,
                revision,
                cluster_id,
            } => out.push(format!(
                "etcd on {node} started on restored data: a new etcd cluster ({cluster_id}) at revision {revision}, with the API objects the snapshot held."
            )),
            Event::Violation { id, detail } => out.push(violation(id, detail)),
            _ => {}
        }
    }
    out
}

fn api_availability(records: &[Record], out: &mut Vec<String>) {
    for r in records {
        if let Event::ApiAvailability {
            available,
            etcd_running,
            etcd_voters,
            quorum,
        } = &r.event
        {
            out.push(if *available {
                format!(
                    "The API answers again: {etcd_running} of {etcd_voters} etcd members run and quorum is {quorum}; controllers and the scheduler catch up."
                )
            } else if etcd_running < quorum {
                format!(
                    "The API stopped answering: {etcd_running} of {etcd_voters} etcd members run and quorum is {quorum}. Nothing in the cluster can change; running pods keep running."
                )
            } else {
                format!(
                    "The API stopped answering although etcd has quorum ({etcd_running} of {etcd_voters} run, quorum {quorum}): no running API server reaches etcd."
                )
            });
        }
    }
}

/// Static pods the kubelet (re)started from their manifests, per node.
fn static_starts(records: &[Record], out: &mut Vec<String>) {
    let mut by_node = Groups::new();
    for r in records {
        if let Event::PodCreated { pod, owner } = &r.event
            && let Some(node) = owner.strip_prefix("Node/")
        {
            by_node.push(node, pod.strip_prefix("kube-system/").unwrap_or(pod));
        }
    }
    for (node, pods) in by_node.0 {
        out.push(format!(
            "The kubelet on {node} started the static pod{} {} from its manifest.",
            if pods.len() == 1 { "" } else { "s" },
            pods.join(", ")
        ));
    }
}

fn api(records: &[Record], out: &mut Vec<String>) {
    let Some(Event::ApiUnavailable {
        answer,
        cause,
        etcd_running,
        etcd_voters,
        quorum,
        etcd_down,
    }) = records
        .iter()
        .map(|r| &r.event)
        .find(|e| matches!(e, Event::ApiUnavailable { .. }))
    else {
        return;
    };
    let etcd = format!(
        "{etcd_running} of {etcd_voters} etcd member{} running{}; quorum is {quorum}",
        if *etcd_voters == 1 { "" } else { "s" },
        if etcd_down.is_empty() {
            String::new()
        } else {
            format!(" (down: {etcd_down})")
        }
    );
    let s = match (*cause, *answer) {
        ("etcd-quorum", "timeout") => format!(
            "The API timed out because etcd has lost quorum: {etcd}. The API server waits for etcd and answers `etcdserver: request timed out`; nothing can be changed until {quorum} members run."
        ),
        ("etcd-quorum", _) => format!(
            "The API refused the connection because etcd has lost quorum: {etcd}. The API server's liveness probe failed and it cannot start again without etcd."
        ),
        ("no-apiserver", _) => format!(
            "The connection was refused because no kube-apiserver is running (its static pod is stopped or gone); etcd is fine: {etcd}."
        ),
        _ => format!(
            "The connection was refused because the API server's --etcd-servers reach no running etcd member, so it cannot start ({etcd})."
        ),
    };
    out.push(s);
}

/// What a filter of the drain's chain stops, and what its flag does.
fn filter_text(filter: &str, flag: &str) -> (&'static str, String) {
    match (filter, flag) {
        ("daemonSet", "--ignore-daemonsets") => (
            "is managed by a DaemonSet, which would put it straight back",
            format!("`{flag}` leaves such pods running on the node"),
        ),
        ("daemonSet", _) => (
            "belongs to a DaemonSet that no longer exists",
            format!("`{flag}` deletes it anyway"),
        ),
        ("localStorage", _) => (
            "uses emptyDir storage, whose data is lost with the pod",
            format!("`{flag}` deletes it anyway, data and all"),
        ),
        _ => (
            "declares no controller, so nothing would recreate it",
            format!("`{flag}` deletes it for good"),
        ),
    }
}

fn drain_filters(records: &[Record], out: &mut Vec<String>) {
    // (node, refused, filter, flag) -> pods
    let mut groups = Groups::new();
    for r in records {
        if let Event::DrainPodFiltered {
            node,
            pod,
            filter,
            refused,
            flag,
        } = &r.event
        {
            groups.push((node.clone(), *refused, *filter, *flag), pod.clone());
        }
    }
    for ((node, refused, filter, flag), mut pods) in groups.0 {
        pods.dedup();
        let (what, fix) = filter_text(filter, flag);
        let list = pods.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(", ");
        let one = pods.len() == 1;
        out.push(if refused {
            format!(
                "The drain of {node} stopped at the `{filter}` filter: {list} {}; {fix}.",
                if one { what.to_string() } else { plural(what) }
            )
        } else if filter == "daemonSet" && flag == "--ignore-daemonsets" {
            format!("`{flag}` let the drain of {node} leave {list} running (DaemonSet pods stay on a drained node).")
        } else {
            format!(
                "`{flag}` let the drain of {node} delete {list}, which {} (the `{filter}` filter only warned).",
                if one { what.to_string() } else { plural(what) }
            )
        });
    }
}

/// "is managed by" -> "are managed by" for a list of pods.
fn plural(what: &str) -> String {
    what.replacen("is ", "are ", 1)
        .replacen("declares ", "declare ", 1)
        .replacen("uses ", "use ", 1)
        .replacen("belongs ", "belong ", 1)
}

fn budgets(records: &[Record], t0: SimTime, out: &mut Vec<String>) {
    struct Refusals {
        count: u32,
        first: SimTime,
        last: SimTime,
        numbers: (u32, u32, u32, u32),
    }
    // (pod, budget) -> its refusals
    type PodBudget = (Arc<str>, Arc<str>);
    let mut by_pod: Vec<(PodBudget, Refusals)> = Vec::new();
    for r in records {
        if let Event::EvictionRefused {
            pod,
            pdb,
            expected,
            desired_healthy,
            current_healthy,
            disruptions_allowed,
        } = &r.event
        {
            let numbers = (*current_healthy, *desired_healthy, *expected, *disruptions_allowed);
            let key = (pod.clone(), pdb.clone());
            match by_pod.iter_mut().find(|(k, _)| *k == key) {
                Some((_, e)) => {
                    e.count += 1;
                    e.last = r.t;
                    e.numbers = numbers;
                }
                None => by_pod.push((
                    key,
                    Refusals {
                        count: 1,
                        first: r.t,
                        last: r.t,
                        numbers,
                    },
                )),
            }
        }
    }
    for ((pod, pdb), e) in by_pod {
        let (current, desired, expected, allowed) = e.numbers;
        let namespace = pod.split('/').next().unwrap_or("");
        let times = if e.count == 1 {
            "once".to_string()
        } else {
            format!(
                "{} times, from +{} to +{} (kubectl drain retries every 5 s)",
                e.count,
                e.first.saturating_sub(t0).go_string(),
                e.last.saturating_sub(t0).go_string()
            )
        };
        let evicted_later = records
            .iter()
            .any(|r| r.t >= e.last && matches!(&r.event, Event::PodEvicted { pod: p, .. } if *p == pod));
        let end = if evicted_later {
            " Later a disruption was allowed and it was evicted."
        } else {
            ""
        };
        out.push(format!(
            "The eviction of {pod} was refused {times} by PodDisruptionBudget {namespace}/{pdb}: currentHealthy {current}, desiredHealthy {desired} (of {expected} expected pods), so {allowed} disruptions allowed.{end}"
        ));
    }
}

fn disruptions(records: &[Record], out: &mut Vec<String>) {
    // (verb, node) -> pods
    let mut gone = Groups::new();
    let mut created: Vec<(Arc<str>, Arc<str>)> = Vec::new();
    let mut placed: BTreeMap<Arc<str>, Arc<str>> = BTreeMap::new();
    for r in records {
        let (verb, pod, node) = match &r.event {
            Event::PodEvicted { pod, node } => ("evicted from".to_string(), pod, node),
            Event::PodDeleted { pod, node, by } => {
                let by = match *by {
                    "drain" => "deleted by kubectl drain --disable-eviction from",
                    "node-lifecycle" => {
                        "deleted by the node lifecycle controller (node unreachable past the pods' tolerationSeconds) from"
                    }
                    "user" => "deleted by a user from",
                    "rollout" => "replaced by a rollout on",
                    _ => "deleted from",
                };
                (by.to_string(), pod, node)
            }
            Event::PodCreated { pod, owner } if !owner.is_empty() && !owner.starts_with("Node/") => {
                created.push((pod.clone(), owner.clone()));
                continue;
            }
            Event::PodScheduled { pod, node } => {
                placed.insert(pod.clone(), node.clone());
                continue;
            }
            _ => continue,
        };
        if pod.starts_with("kube-system/") && verb.starts_with("replaced") {
            continue;
        }
        gone.push((verb, node.clone()), pod.clone());
    }
    for ((verb, node), pods) in gone.0 {
        let list = pods.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(", ");
        let node = if node.is_empty() { "no node".into() } else { node };
        out.push(format!(
            "{} {verb} {node}: {list}.",
            if pods.len() == 1 { "Pod" } else { "Pods" }
        ));
    }
    // Replacements: the controllers' answers to the pods that went.
    let mut by_owner = Groups::new();
    for (pod, owner) in created {
        if pod.starts_with("kube-system/") && (owner.starts_with("DaemonSet/") || owner.is_empty()) {
            continue;
        }
        let text = match placed.get(&pod) {
            Some(node) => format!("{pod} on {node}"),
            None => format!("{pod} (not placed yet)"),
        };
        by_owner.push(owner, text);
    }
    for (owner, pods) in by_owner.0 {
        out.push(format!(
            "{owner} created {} to keep its replica count: {}.",
            if pods.len() == 1 { "a pod" } else { "pods" },
            pods.join(", ")
        ));
    }
}

/// The kubelets' and the scheduler's follow-up work: pods placed later, started, restarted,
/// finished, gone. One sentence per kind, pods with their nodes.
fn lifecycle(records: &[Record], out: &mut Vec<String>) {
    let created: Vec<&Arc<str>> = records
        .iter()
        .filter_map(|r| match &r.event {
            Event::PodCreated { pod, .. } => Some(pod),
            _ => None,
        })
        .collect();
    let mut kinds = Groups::new();
    for r in records {
        let (kind, text) = match &r.event {
            Event::PodScheduled { pod, node } if !created.contains(&pod) => {
                ("The scheduler placed pending pods", format!("{pod} on {node}"))
            }
            Event::PodStarted { pod, node } => ("Started and Ready", format!("{pod} on {node}")),
            Event::PodRestarted { pod, node } => ("Restarted by the kubelet", format!("{pod} on {node}")),
            Event::PodSucceeded { pod, .. } => ("Finished (Completed)", pod.to_string()),
            Event::PodRemoved { pod, .. } => ("Terminated and gone from the API", pod.to_string()),
            _ => continue,
        };
        kinds.push(kind, text);
    }
    for (kind, pods) in kinds.0 {
        out.push(format!("{kind}: {}.", pods.join(", ")));
    }
}

fn unfit_list(nodes: &[NodeUnfit]) -> String {
    nodes
        .iter()
        .map(|n| format!("{}: {}", n.node, n.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

fn pending(sim: &Sim, records: &[Record], out: &mut Vec<String>) {
    let mut last: BTreeMap<Arc<str>, (&String, &Vec<NodeUnfit>)> = BTreeMap::new();
    for r in records {
        if let Event::PodUnschedulable { pod, message, nodes } = &r.event {
            last.insert(pod.clone(), (message, nodes));
        }
    }
    let c = sim.cluster();
    for (pod, (message, nodes)) in last {
        let still = pod
            .split_once('/')
            .and_then(|(ns, name)| c.pod_id(ns, name))
            .and_then(|id| c.pod(id))
            .is_some_and(|p| p.node.is_none() && !p.is_terminating());
        if !still {
            continue;
        }
        out.push(format!(
            "{pod} is Pending: {message} Node by node: {}.",
            unfit_list(nodes)
        ));
    }
}

fn nodes(records: &[Record], out: &mut Vec<String>) {
    for r in records {
        let s = match &r.event {
            Event::NodeCordoned { node } => {
                format!("{node} was cordoned (SchedulingDisabled): the scheduler places no new pods there.")
            }
            Event::NodeUncordoned { node } => format!("{node} was uncordoned: it takes new pods again."),
            Event::NodeNotReady { node, condition } => format!(
                "{node} went NotReady (Ready condition {condition}): its kubelet stopped posting status and the node lifecycle controller's grace period ran out."
            ),
            Event::NodeReady { node } => format!("{node} is Ready again: its kubelet posts status."),
            Event::NodePoweredOff { node } => format!("{node} lost power: its kubelet and containers stopped."),
            Event::NodePoweredOn { node } => format!("{node}'s kubelet runs again and posts its status."),
            Event::KubeletStopped { node } => format!(
                "The kubelet on {node} stopped: its containers keep running, but nothing posts the node's status, so it goes NotReady after the grace period."
            ),
            Event::NodeAdded { node, role, version } => {
                format!("{node} joined the cluster as a {role} with kubelet {version}.")
            }
            Event::NodeDeleted { node } => {
                format!(
                    "The Node object {node} was deleted; its pods were removed and their controllers replace them elsewhere."
                )
            }
            _ => continue,
        };
        out.push(s);
    }
}

fn static_pods(sim: &Sim, records: &[Record], out: &mut Vec<String>) {
    let mut failing_seen: Vec<(Arc<str>, &str, &str)> = Vec::new();
    for r in records {
        match &r.event {
            Event::StaticPodStopped {
                node,
                component,
                reason,
            } => out.push(format!(
                "The kubelet on {node} stopped the static pod {component}: {reason}."
            )),
            Event::StaticPodFailing {
                node,
                component,
                reason,
            } => {
                let key = (node.clone(), *component, *reason);
                if failing_seen.contains(&key) {
                    continue;
                }
                failing_seen.push(key);
                out.push(format!(
                    "The static pod {component} on {node} keeps failing ({reason}){}.",
                    etcd_log(sim, node, component)
                ));
            }
            _ => {}
        }
    }
}

/// For etcd, the first line of why it cannot run (its log, kept by the model when it failed).
fn etcd_log(sim: &Sim, node: &str, component: &str) -> String {
    if component != "etcd" {
        return String::new();
    }
    let c = sim.cluster();
    c.node_id(node)
        .and_then(|id| c.node(id).control_plane.as_ref())
        .and_then(|cp| cp.etcd_failed.as_deref())
        .and_then(|log| log.lines().find(|l| !l.trim().is_empty()))
        .map(|l| format!(": its log says {}", l.trim()))
        .unwrap_or_default()
}

fn components(records: &[Record], out: &mut Vec<String>) {
    let mut by_version = Groups::new();
    for r in records {
        if let Event::ComponentUpgraded {
            node,
            component,
            version,
        } = &r.event
        {
            let place = if node.is_empty() {
                "the cluster".to_string()
            } else {
                node.to_string()
            };
            by_version.push((*component, version.clone()), place);
        }
    }
    for ((component, version), places) in by_version.0 {
        out.push(format!("{component} now runs {version} on {}.", places.join(", ")));
    }
}

fn violation(id: &str, detail: &str) -> String {
    let rule = kubedrill_sim::invariant::InvariantId::parse(id)
        .map(|i| format!(" It breaks when {}.", i.meaning()))
        .unwrap_or_default();
    format!("Invariant {id} broke: {detail}.{rule}")
}

// ---- one object -------------------------------------------------------------------------

/// `why TARGET`: a node, a pod, `deployment/NAME` (and other workloads), `etcd` or `api`.
pub(crate) fn object(ctx: &Context<'_>, target: &str) -> Result<String, String> {
    let c = ctx.sim.cluster();
    if c.node_id(target).is_some() {
        return Ok(node(ctx, target));
    }
    if matches!(target, "etcd" | "api" | "quorum") {
        return Ok(etcd(ctx));
    }
    if let Some((kind, name)) = target.split_once('/')
        && let Some(kind) = workload_kind(kind)
    {
        return workload(ctx, kind, name);
    }
    if let Some(label) = find_pod(ctx, target) {
        return Ok(pod(ctx, &label));
    }
    Err(format!(
        "why: no node, pod or workload {target:?} (try `why node01`, `why POD`, `why deployment/NAME`, `why etcd`)"
    ))
}

fn workload_kind(kind: &str) -> Option<WorkloadKind> {
    Some(match kind {
        "deployment" | "deployments" | "deploy" => WorkloadKind::Deployment,
        "replicaset" | "replicasets" | "rs" => WorkloadKind::ReplicaSet,
        "statefulset" | "statefulsets" | "sts" => WorkloadKind::StatefulSet,
        "daemonset" | "daemonsets" | "ds" => WorkloadKind::DaemonSet,
        "job" | "jobs" => WorkloadKind::Job,
        _ => return None,
    })
}

/// A pod by `ns/name` or by name, alive or named in the trace (a pod that is gone).
fn find_pod(ctx: &Context<'_>, target: &str) -> Option<Arc<str>> {
    let target = target.strip_prefix("pod/").unwrap_or(target);
    let c = ctx.sim.cluster();
    if let Some((ns, name)) = target.split_once('/') {
        if c.pod_id(ns, name).is_some() {
            return Some(Arc::from(target));
        }
    } else {
        let live: Vec<Arc<str>> = c
            .pods_ordered()
            .filter(|(_, p)| &*p.name == target)
            .map(|(_, p)| p.label.clone())
            .collect();
        if let Some(first) = live.first() {
            return Some(first.clone());
        }
    }
    // A pod that is gone: the last trace record naming it.
    ctx.records().rev().find_map(|(_, r)| {
        let (Event::PodCreated { pod, .. } | Event::PodRemoved { pod, .. } | Event::PodEvicted { pod, .. }) = &r.event
        else {
            return None;
        };
        let hit = &**pod == target || pod.split_once('/').is_some_and(|(_, n)| n == target);
        hit.then(|| pod.clone())
    })
}

fn node(ctx: &Context<'_>, name: &str) -> String {
    let c = ctx.sim.cluster();
    let Some(n) = c.node_id(name).map(|id| c.node(id)) else {
        return format!("{name} is not in the cluster.");
    };
    let mut out = vec![format!(
        "{name} is {} ({}, kubelet {}).",
        n.status_text(),
        if n.is_control_plane() {
            "control plane"
        } else {
            "worker"
        },
        n.kubelet_version
    )];
    let last = |f: &dyn Fn(&Event) -> bool| ctx.records().rev().find(|(_, r)| f(&r.event));
    if n.unschedulable {
        match last(&|e| matches!(e, Event::NodeCordoned { node } if &**node == name)) {
            Some((i, r)) => out.push(format!(
                "It was cordoned {}: no new pods are scheduled there until `kubectl uncordon {name}`.",
                ctx.when(i, r)
            )),
            None => out.push(format!(
                "It is cordoned: no new pods are scheduled there until `kubectl uncordon {name}`."
            )),
        }
    }
    if !n.powered_on {
        out.push("It is powered off: no kubelet posts its status.".to_string());
    } else if !n.kubelet_running {
        out.push(format!(
            "Its kubelet is stopped (`systemctl start kubelet` on {name} starts it): nothing posts its status, and it goes NotReady after the grace period."
        ));
    }
    if !matches!(n.ready, kubedrill_sim::model::ReadyStatus::True) {
        if let Some((i, r)) =
            last(&|e| matches!(e, Event::KubeletStopped { node } | Event::NodePoweredOff { node } if &**node == name))
        {
            out.push(format!("Its kubelet went silent {}.", ctx.when(i, r)));
        }
        if let Some((i, r)) = last(&|e| matches!(e, Event::NodeNotReady { node, .. } if &**node == name)) {
            out.push(format!(
                "The node lifecycle controller marked it NotReady {}, when the grace period ran out.",
                ctx.when(i, r)
            ));
        }
    }
    // The last drain of it: what its filters refused, and which evictions budgets held up.
    if let Some((i, _)) = last(&|e| matches!(e, Event::DrainPodFiltered { node, .. } if &**node == name)) {
        let step = ctx.sim.trace()[i].step;
        let records: Vec<Record> = ctx
            .sim
            .trace()
            .iter()
            .filter(|r| r.step == step)
            .filter(|r| match &r.event {
                Event::DrainPodFiltered { node, refused, .. } => &**node == name && *refused,
                Event::EvictionRefused { .. } => true,
                _ => false,
            })
            .cloned()
            .collect();
        let mut lines = Vec::new();
        drain_filters(&records, &mut lines);
        budgets(&records, records.first().map(|r| r.t).unwrap_or_default(), &mut lines);
        for l in lines {
            out.push(format!("Its last drain, {}: {l}", ctx.when(i, &ctx.sim.trace()[i])));
        }
    }
    let pods = c.pods_on_node(c.node_id(name).expect("exists"));
    let (system, apps): (Vec<_>, Vec<_>) = pods
        .iter()
        .filter_map(|p| c.pod(*p))
        .partition(|p| &*p.namespace == "kube-system");
    let app_list: Vec<String> = apps
        .iter()
        .map(|p| format!("{} {}", p.label, p.status_text()))
        .collect();
    out.push(format!(
        "It runs {} pod{}: {} in kube-system{}.",
        pods.len(),
        if pods.len() == 1 { "" } else { "s" },
        system.len(),
        if app_list.is_empty() {
            String::new()
        } else {
            format!(", and {}", app_list.join(", "))
        }
    ));
    for (_, r) in ctx.records() {
        if let Event::Violation { id, detail } = &r.event
            && detail.split([' ', ',', ':', '(', ')']).any(|w| w == name)
        {
            out.push(violation(id, detail));
        }
    }
    out.join("\n")
}

fn pod(ctx: &Context<'_>, label: &str) -> String {
    let c = ctx.sim.cluster();
    let live = label
        .split_once('/')
        .and_then(|(ns, name)| c.pod_id(ns, name))
        .and_then(|id| c.pod(id));
    let named = |e: &Event| match e {
        Event::PodCreated { pod, .. }
        | Event::PodScheduled { pod, .. }
        | Event::PodUnschedulable { pod, .. }
        | Event::PodStarted { pod, .. }
        | Event::PodRestarted { pod, .. }
        | Event::PodEvicted { pod, .. }
        | Event::PodDeleted { pod, .. }
        | Event::PodRemoved { pod, .. }
        | Event::EvictionRefused { pod, .. }
        | Event::DrainPodFiltered { pod, .. } => &**pod == label,
        _ => false,
    };
    let mut out = Vec::new();
    match live {
        Some(p) => {
            let node = p.node.map(|n| c.node(n).name.to_string());
            out.push(format!(
                "{label} is {}{} (owner: {}).",
                p.status_text(),
                node.map(|n| format!(" on {n}")).unwrap_or_default(),
                owner_text(ctx.sim, p.owner)
            ));
        }
        None => out.push(format!("{label} no longer exists.")),
    }
    // Static (mirror) pods: the kubelet's decisions about their component on that node.
    if let Some(text) = static_pod(ctx, label) {
        out.push(text);
    }
    let mut last_unschedulable = None;
    let mut refusals = Vec::new();
    for (i, r) in ctx.records().filter(|(_, r)| named(&r.event)) {
        let when = ctx.when(i, r);
        match &r.event {
            Event::PodCreated { owner, .. } => out.push(format!(
                "It was created {when}{}.",
                if owner.is_empty() {
                    String::new()
                } else {
                    format!(" by {owner}")
                }
            )),
            Event::PodScheduled { node, .. } => out.push(format!("It was placed on {node} {when}.")),
            Event::PodUnschedulable { message, nodes, .. } => last_unschedulable = Some((when, message, nodes)),
            Event::PodEvicted { node, .. } => out.push(format!("It was evicted from {node} {when}.")),
            Event::PodDeleted { node, by, .. } => out.push(format!("It was deleted from {node} by {by} {when}.")),
            Event::PodRemoved { .. } => out.push(format!("Its object was removed {when}.")),
            Event::EvictionRefused { .. } => refusals.push(r.clone()),
            Event::DrainPodFiltered { .. } => {
                let mut v = Vec::new();
                drain_filters(std::slice::from_ref(r), &mut v);
                out.extend(v.into_iter().map(|s| format!("{s} ({when})")));
            }
            _ => {}
        }
    }
    if live.is_some_and(|p| p.node.is_none() && p.phase == Phase::Pending)
        && let Some((when, message, nodes)) = last_unschedulable
    {
        out.push(format!(
            "The scheduler cannot place it (last tried {when}): {message} Node by node: {}.",
            unfit_list(nodes)
        ));
    }
    if let Some(last) = refusals.last() {
        let mut v = Vec::new();
        budgets(std::slice::from_ref(last), last.t, &mut v);
        if let Some(s) = v.pop() {
            out.push(format!(
                "{} refusals in all; the last: {}",
                refusals.len(),
                s.replace(" once", "")
            ));
        }
    }
    out.join("\n")
}

/// `etcd-controlplane`, `kube-apiserver-controlplane`: what the kubelet decided about it.
fn static_pod(ctx: &Context<'_>, label: &str) -> Option<String> {
    let name = label.strip_prefix("kube-system/")?;
    let c = ctx.sim.cluster();
    let (component, node) = ["kube-controller-manager", "kube-apiserver", "kube-scheduler", "etcd"]
        .into_iter()
        .find_map(|comp| {
            let node = name.strip_prefix(comp)?.strip_prefix('-')?;
            c.node_id(node).map(|_| (comp, node))
        })?;
    let (i, r) = ctx.records().rev().find(|(_, r)| match &r.event {
        Event::StaticPodStopped {
            node: n, component: k, ..
        }
        | Event::StaticPodFailing {
            node: n, component: k, ..
        } => &**n == node && *k == component,
        Event::ComponentUpgraded {
            node: n, component: k, ..
        } => &**n == node && *k == component,
        _ => false,
    })?;
    let when = ctx.when(i, r);
    Some(match &r.event {
        Event::StaticPodStopped { reason, .. } => {
            format!("The kubelet on {node} stopped it {when}: {reason}.")
        }
        Event::StaticPodFailing { reason, .. } => format!(
            "Its container keeps failing ({reason}) since {when}{}.",
            etcd_log(ctx.sim, node, component)
        ),
        Event::ComponentUpgraded { version, .. } => format!("It has run {version} since {when}."),
        _ => return None,
    })
}

fn owner_text(sim: &Sim, owner: Owner) -> String {
    match owner {
        Owner::ReplicaSet(w) | Owner::StatefulSet(w, _) | Owner::DaemonSet(w) | Owner::Job(w) => {
            sim.cluster().workload(w).label.to_string()
        }
        Owner::None => "none: a bare pod that nothing recreates".to_string(),
        Owner::Mirror(_) => "the kubelet: a static pod".to_string(),
    }
}

fn workload(ctx: &Context<'_>, kind: WorkloadKind, target: &str) -> Result<String, String> {
    let c = ctx.sim.cluster();
    let (ns, name) = target.split_once('/').unwrap_or(("default", target));
    let found = c.workload_id(kind, ns, name).or_else(|| {
        // Without a namespace: the only workload of that kind and name in any namespace.
        let all: Vec<_> = c.workloads_of(kind).filter(|(_, w)| &*w.name == target).collect();
        (all.len() == 1).then(|| all[0].0)
    });
    let Some(id) = found else {
        return Err(format!("why: no {} {target:?}", kind.as_str()));
    };
    let w = c.workload(id);
    // A Deployment's pods belong to its ReplicaSet.
    let owner_ids: Vec<_> = std::iter::once(id).chain(w.child).collect();
    let pods: Vec<_> = c
        .pods_ordered()
        .filter(|(_, p)| match p.owner {
            Owner::ReplicaSet(o) | Owner::StatefulSet(o, _) | Owner::DaemonSet(o) | Owner::Job(o) => {
                owner_ids.contains(&o)
            }
            _ => false,
        })
        .collect();
    let ready = pods.iter().filter(|(_, p)| p.ready && !p.is_terminating()).count();
    let wanted = match kind {
        WorkloadKind::DaemonSet => format!("one pod per eligible node ({} now)", w.per_node.len()),
        _ => format!("{} replicas", w.replicas),
    };
    let mut out = vec![format!(
        "{} {}/{}: {wanted}, {ready} ready.",
        kind.as_str(),
        w.namespace,
        w.name
    )];
    for (_, p) in &pods {
        let place = p.node.map(|n| format!(" on {}", c.node(n).name)).unwrap_or_default();
        out.push(format!("  {} {}{place}", p.label, p.status_text()));
    }
    // Pending pods: what the scheduler said about each (the pod's own `why` minus its status).
    for (_, p) in pods.iter().filter(|(_, p)| p.node.is_none() && !p.is_terminating()) {
        out.push(pod(ctx, &p.label).lines().skip(1).collect::<Vec<_>>().join(" "));
    }
    // Its budgets, as the disruption controller computes them now.
    let mut seen = Vec::new();
    for (pid, _) in &pods {
        for b in c.pdbs_for_pod(*pid) {
            if seen.contains(&b) {
                continue;
            }
            seen.push(b);
            let pdb = c.pdb(b);
            let st = c.pdb_status(b);
            let spec = match (pdb.min_available, pdb.max_unavailable) {
                (Some(m), _) => format!("minAvailable {}", m.text()),
                (_, Some(m)) => format!("maxUnavailable {}", m.text()),
                _ => "no limit".to_string(),
            };
            out.push(format!(
                "PodDisruptionBudget {}/{} ({spec}): currentHealthy {}, desiredHealthy {} of {} expected, so {} disruption{} allowed now.",
                pdb.namespace,
                pdb.name,
                st.current_healthy,
                st.desired_healthy,
                st.expected,
                st.disruptions_allowed,
                if st.disruptions_allowed == 1 { "" } else { "s" }
            ));
        }
    }
    Ok(out.join("\n"))
}

fn etcd(ctx: &Context<'_>) -> String {
    let e = ctx.sim.etcd();
    let running = e.voters().filter(|m| m.is_running()).count();
    let voters = e.voters().count();
    let mut out = vec![format!(
        "etcd {}: {running} of {voters} voting members running; quorum is {} ({}), {}.",
        e.version,
        e.quorum_size(),
        if e.has_quorum() { "held" } else { "LOST" },
        match e.leader.and_then(|i| e.members.get(i)) {
            Some(m) => format!("leader {}", m.label()),
            None => "no leader".to_string(),
        }
    )];
    let c = ctx.sim.cluster();
    for m in &e.members {
        if m.is_running() {
            continue;
        }
        let log = c
            .node_id(&m.name)
            .and_then(|id| c.node(id).control_plane.as_ref())
            .and_then(|cp| cp.etcd_failed.as_deref())
            .and_then(|l| l.lines().find(|l| !l.trim().is_empty()))
            .map(|l| format!(": {}", l.trim()))
            .unwrap_or_default();
        out.push(format!("Member {} is {:?}{log}.", m.label(), m.state).replace("Destroyed", "down, its data lost"));
    }
    out.push(if ctx.sim.api_available() {
        "The API answers.".to_string()
    } else {
        "The API does not answer: nothing in the cluster can change.".to_string()
    });
    if let Some((i, r)) = ctx
        .records()
        .rev()
        .find(|(_, r)| matches!(r.event, Event::ApiUnavailable { .. }))
    {
        let mut v = Vec::new();
        api(std::slice::from_ref(r), &mut v);
        out.extend(
            v.into_iter()
                .map(|s| format!("Last failed request ({}): {s}", ctx.when(i, r))),
        );
    }
    out.join("\n")
}
