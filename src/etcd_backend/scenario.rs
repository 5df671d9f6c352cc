//! `kubedrill run FILE --backend etcd`: a real etcd cluster beside the simulated one, one
//! member per control plane (named after it, in control-plane order), replaying the etcd faults
//! of each step and comparing with the simulator's etcd model after it.
//!
//! Compared: quorum, leader, member count and running members. Not compared: the key count
//! and the revision — the simulator's Kubernetes objects are writes of the model
//! (`EtcdModel::count_writes`) that the real cluster never sees, and `etcdctl` commands in `run`
//! steps are not replayed. (The differential driver, with pure key puts, compares both.)

use super::BackendError;
use super::cluster::{ClusterOptions, RealCluster};
use super::diff::{Disagreement, compare};
use super::process::EtcdBinaries;
use kubedrill_sim::Sim;
use kubedrill_sim::etcd::model::{EtcdModel, MemberState};
use kubedrill_sim::scenario::{Step, StepKind};
use std::collections::BTreeSet;

const PREFIX: &str = "# etcd backend:";

/// The real cluster and what the comparison found so far.
pub struct ScenarioBackend {
    cluster: RealCluster,
    /// Control-plane names at the start: member `i` runs for `names[i]`.
    names: Vec<String>,
    /// The simulator's cluster and member IDs at the start: when they change (a restore, a
    /// member replaced with `etcdctl member remove/add` in a `run` step), the real cluster
    /// cannot follow.
    identity: (u64, Vec<u64>),
    /// Set once the simulator's etcd has gone where the real one cannot follow; nothing is
    /// compared after that.
    pub diverged: Option<usize>,
    /// Step kinds already reported as not replayed.
    announced: BTreeSet<String>,
    /// (step number, 1-based; what differs)
    pub disagreements: Vec<(usize, Disagreement)>,
    /// Steps whose observations were compared.
    pub compared: usize,
    /// A backend failure ends the replay (the run itself goes on).
    pub error: Option<(usize, BackendError)>,
}

impl ScenarioBackend {
    /// Starts one real member per control plane; `model` is the simulator's etcd before the
    /// first step.
    pub fn start(bins: EtcdBinaries, control_planes: Vec<String>, model: &EtcdModel) -> Result<Self, BackendError> {
        if control_planes.is_empty() {
            return Err(BackendError::Io(
                "the scenario has no control plane, so there is no etcd to run".to_string(),
            ));
        }
        let cluster = RealCluster::start(bins, ClusterOptions::named(control_planes.clone()))?;
        Ok(Self {
            cluster,
            names: control_planes,
            identity: identity(model),
            diverged: None,
            announced: BTreeSet::new(),
            disagreements: Vec::new(),
            compared: 0,
            error: None,
        })
    }

    /// The `run_observed` hook: replays step `index` (0-based) on the real cluster when it can,
    /// compares, and adds `# etcd backend: …` lines to the transcript.
    pub fn after_step(&mut self, index: usize, step: &Step, sim: &Sim, transcript: &mut Vec<String>) {
        if self.error.is_some() || self.diverged.is_some() {
            return;
        }
        let n = index + 1;
        let model = sim.etcd();
        let outcome = self.replay(step, model, transcript);
        if identity(model) != self.identity {
            transcript.push(format!(
                "{PREFIX} the simulator's etcd got new member or cluster IDs in a step not replayed (a restore or a replaced member); the real cluster cannot follow, nothing more is compared"
            ));
            self.diverged = Some(n);
            return;
        }
        match outcome {
            Ok(true) => self.compare(n, model, transcript),
            Ok(false) => {}
            Err(e) => {
                transcript.push(format!("{PREFIX} ERROR: {e}; the rest is not replayed"));
                self.error = Some((n, e));
            }
        }
    }

    /// Replays the step; whether there is something to compare after it.
    fn replay(&mut self, step: &Step, model: &EtcdModel, transcript: &mut Vec<String>) -> Result<bool, BackendError> {
        let kind = match step.kind() {
            Ok(StepKind::ExpectOnly) | Err(_) => return Ok(false),
            Ok(StepKind::Run { .. }) => "run".to_string(),
            Ok(StepKind::Wait(_)) => "wait".to_string(),
            Ok(StepKind::Fault(text)) => {
                let words: Vec<&str> = text.split_whitespace().collect();
                let verb = words.first().copied().unwrap_or("");
                let member = words.get(1).and_then(|node| self.names.iter().position(|n| n == node));
                match (verb, member) {
                    ("etcd-member-crash", Some(i)) => {
                        self.cluster.crash(i);
                        return Ok(true);
                    }
                    ("etcd-member-destroy", Some(i)) => {
                        self.cluster.destroy(i)?;
                        return Ok(true);
                    }
                    ("etcd-member-recover", Some(i)) => {
                        // A refusal (the process exits) is an outcome to compare, not an error:
                        // the simulator's member then is not running either.
                        if let Err(e) = self.cluster.recover(i) {
                            transcript.push(format!("{PREFIX} {e}"));
                        }
                        return Ok(true);
                    }
                    (v, None) if v.starts_with("etcd-member-") => {
                        format!("{v} on a node that ran no member at the start")
                    }
                    (v, _) => v.to_string(),
                }
            }
        };
        if self.announced.insert(kind.clone()) {
            transcript.push(format!("{PREFIX} step not replayed ({kind})"));
        }
        self.sync(model, &kind, transcript)
    }

    /// After a step the backend did not replay (a control plane crashed or rebooted, say), the
    /// simulator's members may have stopped or started: do the same to the real ones, so that
    /// what follows compares like with like. Whether anything changed.
    fn sync(&mut self, model: &EtcdModel, kind: &str, transcript: &mut Vec<String>) -> Result<bool, BackendError> {
        let mut changes = Vec::new();
        for i in 0..self.names.len() {
            let Some(m) = model.member_by_name(&self.names[i]) else {
                continue;
            };
            let want = model.members[m].state;
            let have = self.cluster.member_state(i);
            if want == have || (want == MemberState::Unstarted && have != MemberState::Running) {
                continue;
            }
            if have == MemberState::Destroyed {
                // Back from a lost data dir takes a restore or a replacement the real
                // cluster has not seen; the identity check stops the comparison.
                continue;
            }
            match want {
                MemberState::Running => {
                    if let Err(e) = self.cluster.recover(i) {
                        transcript.push(format!("{PREFIX} {e}"));
                    }
                }
                MemberState::Stopped | MemberState::Unstarted => self.cluster.crash(i),
                MemberState::Destroyed => self.cluster.destroy(i)?,
            }
            changes.push(format!("{} {}", self.names[i], state_word(want)));
        }
        if changes.is_empty() {
            return Ok(false);
        }
        transcript.push(format!(
            "{PREFIX} the simulator's members changed in a step not replayed ({kind}); real members synced: {}",
            changes.join(", ")
        ));
        Ok(true)
    }

    fn compare(&mut self, n: usize, model: &EtcdModel, transcript: &mut Vec<String>) {
        let real = match self.cluster.observe() {
            Ok(o) => o,
            Err(e) => {
                transcript.push(format!("{PREFIX} ERROR: {e}; the rest is not replayed"));
                self.error = Some((n, e));
                return;
            }
        };
        let sim = model.observe();
        self.compared += 1;
        let found = compare(&sim, &real, false);
        if found.is_empty() {
            let r = &real.observation;
            let members = if real.served_by.is_some() {
                r.members.to_string()
            } else {
                "?".to_string()
            };
            let revision = if real.served_by.is_some() {
                r.revision.to_string()
            } else {
                "?".to_string()
            };
            transcript.push(format!(
                "{PREFIX} agrees (quorum={}, leader={}, members={members}, running={}, revision=not compared: sim {} real {revision})",
                r.quorum, r.has_leader, r.running, sim.revision
            ));
        }
        for d in found {
            transcript.push(format!("{PREFIX} DISAGREES: {d}"));
            self.disagreements.push((n, d));
        }
    }
}

fn identity(model: &EtcdModel) -> (u64, Vec<u64>) {
    let mut ids: Vec<u64> = model.members.iter().map(|m| m.id).collect();
    ids.sort_unstable();
    (model.cluster_id, ids)
}

fn state_word(s: MemberState) -> &'static str {
    match s {
        MemberState::Running => "running",
        MemberState::Stopped => "stopped",
        MemberState::Destroyed => "destroyed",
        MemberState::Unstarted => "unstarted",
    }
}
