//! Draining a batch of nodes at once, as a drain controller does (CAPI's Machine controller,
//! kured, system-upgrade-controller): cordon the batch, then for every pod that a `kubectl
//! drain --ignore-daemonsets` would evict, ask the Eviction API; a budget's 429 is tried again
//! after the retry interval; the node is drained once no pod but DaemonSet and mirror pods is
//! left on it. `kubectl drain` itself drains the nodes it is given one after another, so
//! parallel batches go through the API; a batch of 1 is what `kubectl drain` does.

use super::ctl::{Ctl, OutOfTime, Why};
use super::file::{DrainOptions, OnTimeout};
use kubedrill_sim::host::input::ApiRequest;
use kubedrill_sim::model::{NodeId, Owner, PodId};
use kubedrill_sim::time::{SimDuration, SimTime};
use std::collections::BTreeMap;

/// How one node's drain ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drained {
    /// No evictable pod left.
    Done,
    /// Timed out; its remaining pods were deleted, budgets overridden.
    Forced,
    /// Timed out and given up: uncordoned, left as it was.
    Skipped,
    /// Timed out under `onTimeout: fail`: the strategy stops.
    Failed,
    /// The node is gone (deleted) or never existed.
    Missing,
}

impl Drained {
    /// Whether the node's maintenance may go on (it is empty).
    pub fn emptied(self) -> bool {
        matches!(self, Self::Done | Self::Forced)
    }
}

struct NodeDrain {
    name: String,
    id: NodeId,
    /// Pods whose eviction was refused, and when to try again.
    retry: BTreeMap<PodId, SimTime>,
    forced: bool,
    end: Option<Drained>,
}

/// Largest batch written on one `kubectl cordon` line.
const CORDON_LINE: usize = 50;

/// Drains `nodes` in parallel; `cordon` false when the caller cordoned them already.
pub fn drain_batch(
    ctl: &mut Ctl,
    nodes: &[String],
    opts: &DrainOptions,
    cordon: bool,
) -> Result<Vec<Drained>, OutOfTime> {
    if cordon {
        cordon_all(ctl, nodes, true);
    }
    let start = ctl.now();
    let mut drains: Vec<NodeDrain> = nodes
        .iter()
        .map(|n| {
            let id = ctl.sim.cluster().node_id(n);
            NodeDrain {
                name: n.clone(),
                id: id.unwrap_or(NodeId(u32::MAX)),
                retry: BTreeMap::new(),
                forced: false,
                end: id.is_none().then_some(Drained::Missing),
            }
        })
        .collect();
    loop {
        ctl.check_time()?;
        let timed_out = opts.timeout.0 > SimDuration::ZERO && ctl.now() >= start + opts.timeout.0;
        for d in drains.iter_mut().filter(|d| d.end.is_none()) {
            step_node(ctl, d, timed_out, opts);
        }
        if drains.iter().all(|d| d.end.is_some()) {
            break;
        }
        if opts.on_timeout == OnTimeout::Fail && drains.iter().any(|d| d.end == Some(Drained::Failed)) {
            break;
        }
        let wake = next_wake(ctl, &drains, start, opts);
        let blocked = drains.iter().any(|d| d.end.is_none() && !d.retry.is_empty());
        let by = SimDuration::from_ms(wake.ms().saturating_sub(ctl.now().ms()).max(1));
        ctl.wait(by, if blocked { Why::Pdb } else { Why::Work });
    }
    Ok(drains.iter().map(|d| d.end.unwrap_or(Drained::Failed)).collect())
}

/// One look at one node: done, timed out, or evictions to ask for.
fn step_node(ctl: &mut Ctl, d: &mut NodeDrain, timed_out: bool, opts: &DrainOptions) {
    if !ctl.sim.cluster().node_exists(d.id) {
        d.end = Some(Drained::Missing);
        return;
    }
    let (evictable, terminating) = pods_to_drain(ctl, d.id);
    // A forced drain stops waiting for pods that are already terminating: on a node whose
    // kubelet is gone nothing would ever confirm them.
    if evictable.is_empty() && (terminating.is_empty() || d.forced) {
        d.end = Some(if d.forced { Drained::Forced } else { Drained::Done });
        return;
    }
    if timed_out && !d.forced {
        match opts.on_timeout {
            OnTimeout::SkipNode => {
                cordon_all(ctl, std::slice::from_ref(&d.name), false);
                d.end = Some(Drained::Skipped);
                return;
            }
            OnTimeout::Fail => {
                d.end = Some(Drained::Failed);
                return;
            }
            OnTimeout::ForceDelete => d.forced = true,
        }
    }
    if d.forced {
        // Everything left goes now, without a grace period.
        for id in evictable {
            if let Some((namespace, name)) = pod_name(ctl, id) {
                let _ = ctl.api(ApiRequest::DeletePod {
                    namespace,
                    name,
                    grace_seconds: Some(0),
                });
            }
        }
        d.retry.clear();
        return;
    }
    let now = ctl.now();
    d.retry.retain(|p, _| evictable.contains(p));
    for id in evictable {
        if d.retry.get(&id).is_some_and(|t| *t > now) {
            continue;
        }
        let Some((namespace, name)) = pod_name(ctl, id) else {
            continue;
        };
        match ctl.api(ApiRequest::Evict {
            namespace,
            name,
            grace_seconds: None,
            dry_run: false,
        }) {
            Ok(_) => {
                d.retry.remove(&id);
            }
            Err(_) => {
                d.retry.insert(id, now + opts.retry_interval.0);
            }
        }
    }
}

/// The pods a drain still waits for: those to evict (not DaemonSet or mirror pods, not
/// finished), and those already terminating.
fn pods_to_drain(ctl: &Ctl, node: NodeId) -> (Vec<PodId>, Vec<PodId>) {
    let c = ctl.sim.cluster();
    let mut evict = Vec::new();
    let mut terminating = Vec::new();
    for &id in &c.node(node).pods {
        let Some(p) = c.pod(id) else { continue };
        if matches!(p.owner, Owner::DaemonSet(_) | Owner::Mirror(_)) || p.is_finished() {
            continue;
        }
        if p.is_terminating() {
            terminating.push(id);
        } else {
            evict.push(id);
        }
    }
    (evict, terminating)
}

fn pod_name(ctl: &Ctl, id: PodId) -> Option<(String, String)> {
    let p = ctl.sim.cluster().pod(id)?;
    Some((p.namespace.to_string(), p.name.to_string()))
}

/// When to look again: the next retry, the next thing the cluster does, or the timeout.
fn next_wake(ctl: &Ctl, drains: &[NodeDrain], start: SimTime, opts: &DrainOptions) -> SimTime {
    let now = ctl.now();
    let mut wake = now + SimDuration::from_secs(3600);
    for d in drains.iter().filter(|d| d.end.is_none()) {
        if let Some(t) = d.retry.values().min() {
            wake = wake.min(*t);
        }
    }
    if let Some(t) = ctl.sim.poll_timeout() {
        wake = wake.min(t.max(now));
    }
    if opts.timeout.0 > SimDuration::ZERO {
        let deadline = start + opts.timeout.0;
        if deadline > now {
            wake = wake.min(deadline);
        }
    }
    // A controller polls; it does not react within the same millisecond.
    wake.max(now + SimDuration::from_ms(100))
}

/// `kubectl cordon|uncordon A B …` on the first control plane, in lines of at most 50 nodes.
pub fn cordon_all(ctl: &mut Ctl, nodes: &[String], on: bool) {
    let verb = if on { "cordon" } else { "uncordon" };
    for chunk in nodes.chunks(CORDON_LINE) {
        let present: Vec<&str> = chunk
            .iter()
            .filter(|n| ctl.sim.cluster().node_id(n).is_some())
            .map(String::as_str)
            .collect();
        if !present.is_empty() {
            ctl.kubectl(&format!("kubectl {verb} {}", present.join(" ")));
        }
    }
}
