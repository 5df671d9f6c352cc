//! The cluster's etcd tied to its control planes: one stacked member per control plane (its
//! `etcd-<node>` static pod), quorum deciding whether the API works, and what a person sees
//! when it does not (semantics §4.2, §4.8; the lab guide: "Kubernetes cannot make any changes
//! to its current state. Although the scheduled pods might continue to run, no new pods can be
//! scheduled").

use crate::engine::Engine;
use crate::etcd::model::{DEFAULT_TOKEN, EtcdError, EtcdModel, Member, MemberSpec, MemberState};
use crate::etcd::version::EtcdVersion;
use crate::model::NodeId;
use crate::model::status::Unreachable;
use crate::model::unit::{ApiOutage, OutageCause};
use crate::time::SimDuration;

/// How long kubeadm's liveness probe on kube-apiserver tolerates a failing etcd check before
/// the kubelet restarts it (initialDelaySeconds 10 + failureThreshold 8 × periodSeconds 10).
const APISERVER_LIVENESS_KILL: SimDuration = SimDuration::from_secs(90);
/// The API server's etcd request timeout: 5 s + 2 × the election timeout (§4.2).
const ETCD_REQUEST_TIMEOUT: SimDuration = SimDuration::from_secs(7);

/// A stand-in before setup builds the real one.
pub(crate) fn placeholder_cluster() -> EtcdModel {
    EtcdModel::bootstrap(&[], DEFAULT_TOKEN, EtcdVersion::new(3, 5, 0))
}

impl Engine {
    /// The etcd cluster the API servers use.
    pub fn etcd(&self) -> &EtcdModel {
        &self.etcd
    }

    /// Builds the stacked etcd of the control planes as kubeadm sets it up: member names are the
    /// node names, peers on `https://<ip>:2380`, clients on `https://<ip>:2379`, the default
    /// token (kubeadm sets none).
    pub(crate) fn bootstrap_etcd(&mut self, version: Option<&EtcdVersion>) {
        let specs: Vec<MemberSpec> = self
            .cluster
            .control_plane_ids()
            .iter()
            .map(|id| {
                let n = self.cluster.node(*id);
                MemberSpec {
                    name: n.name.to_string(),
                    peer_url: format!("https://{}:2380", n.internal_ip),
                    client_url: format!("https://{}:2379", n.internal_ip),
                }
            })
            .collect();
        let v = version.map_or(EtcdVersion::new(3, 5, 0), EtcdVersion::binary_version);
        self.etcd = EtcdModel::bootstrap(&specs, DEFAULT_TOKEN, v);
        self.etcd_healthy_traced = self.etcd_healthy();
    }

    /// Voters running and connected to their peers: the members a quorum is made of.
    fn etcd_healthy(&self) -> u32 {
        self.etcd.voters().filter(|m| m.is_running() && !m.partitioned).count() as u32
    }

    /// The etcd member a control plane runs, by its name.
    pub(crate) fn etcd_member_of(&self, node: NodeId) -> Option<usize> {
        self.etcd.member_by_name(&self.cluster.node(node).name)
    }

    /// The writes nobody sees but etcd counts: every kubelet renews its node lease every 10 s,
    /// the controller-manager and the scheduler their leader-election leases every 2 s. Counted
    /// lazily (before anything reads the revision), and only while the API can write.
    pub(crate) fn count_lease_renewals(&mut self) {
        let from = self.leases_counted_to;
        self.leases_counted_to = self.now;
        if self.api_down_since.is_some() || self.now <= from {
            return;
        }
        let secs = (self.now.ms() - from.ms()) / 1000;
        let nodes = self.cluster.node_count() as u64;
        self.etcd.count_writes(secs * nodes / 10 + secs);
    }

    /// The member's process stopped (crash, static pod gone, node down).
    pub(crate) fn etcd_member_down(&mut self, node: NodeId) {
        if let Some(i) = self.etcd_member_of(node) {
            self.etcd.crash(i);
            self.etcd_changed();
        }
    }

    /// The member's process runs again on its data, if its pod can run.
    pub(crate) fn etcd_member_up(&mut self, node: NodeId) {
        let n = self.cluster.node(node);
        let startable = n.powered_on
            && n.kubelet_running
            && n.control_plane
                .as_ref()
                .is_some_and(|cp| cp.etcd.is_some() && cp.etcd_failed.is_none());
        if !startable {
            return;
        }
        let n = self.cluster.node(node);
        let (name, ip) = (n.name.to_string(), n.internal_ip.clone());
        let peer = format!("https://{ip}:2380");
        let outcome = match self.etcd_member_of(node) {
            Some(i) => self.etcd.recover(i),
            // Removed and added again with `member add`: it joins with `--initial-cluster-state
            // existing` as the unstarted member with its peer URL.
            None => match self
                .etcd
                .members
                .iter()
                .position(|m| m.state == MemberState::Unstarted && m.peer_urls.contains(&peer))
            {
                Some(i) => self.etcd.start_added(i, &name, &format!("https://{ip}:2379")),
                None => Err(EtcdError::Removed { member: 0 }),
            },
        };
        match outcome {
            Ok(()) => self.etcd_changed(),
            Err(e) => {
                let log = match e {
                    // An empty data dir under an identity the cluster knows: raft finds the
                    // leader's commit index beyond its empty log and panics.
                    EtcdError::AlreadyBootstrapped { .. } => format!(
                        "{{\"level\":\"panic\",\"msg\":\"tocommit({}) is out of range [lastIndex(0)]. Was the raft log corrupted, truncated, or lost?\"}}\n",
                        self.etcd.raft_index
                    ),
                    _ => "{\"level\":\"fatal\",\"msg\":\"the member has been permanently removed from the cluster\"}\n"
                        .to_string(),
                };
                if let Some(cp) = self.cluster.node_mut(node).control_plane.as_mut() {
                    cp.etcd_failed = Some(log);
                    cp.etcd_retry = true;
                }
                self.static_pod_crashlooping(node);
                self.schedule_etcd_retry(node);
            }
        }
    }

    /// The etcd pod's container exits over and over.
    pub(crate) fn static_pod_crashlooping(&mut self, node: NodeId) {
        self.mark_static_pod_failing(node, crate::release::components::StaticPod::Etcd, "CrashLoopBackOff");
    }

    /// Whether the API server can serve requests: etcd has quorum and an API server runs.
    pub fn api_available(&self) -> bool {
        self.etcd.has_quorum() && self.any_apiserver_running() && self.apiserver_reaches_etcd()
    }

    fn any_apiserver_running(&self) -> bool {
        self.apiserver_nodes().next().is_some() || self.cluster.control_plane_ids().is_empty()
    }

    /// Control planes whose API server runs.
    fn apiserver_nodes(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.cluster.control_plane_ids().iter().copied().filter(|id| {
            let n = self.cluster.node(*id);
            n.powered_on
                && n.control_plane.as_ref().is_some_and(|cp| {
                    !cp.stopped
                        .contains(&crate::release::components::StaticPod::KubeApiserver)
                })
                && self
                    .cluster
                    .pod_id("kube-system", &format!("kube-apiserver-{}", n.name))
                    .and_then(|p| self.cluster.pod(p))
                    .is_some_and(|p| !p.is_terminating())
        })
    }

    /// Whether some running API server's `--etcd-servers` reaches a running etcd member.
    fn apiserver_reaches_etcd(&self) -> bool {
        if self.cluster.control_plane_ids().is_empty() {
            return true;
        }
        self.apiserver_nodes().any(|node| {
            let servers = self
                .cluster
                .node(node)
                .control_plane
                .as_ref()
                .map(|cp| cp.etcd_servers.clone())
                .unwrap_or_default();
            servers.iter().any(|url| {
                member_listening_at(self, node, url).is_some_and(|i| {
                    self.etcd
                        .members
                        .get(i)
                        .is_some_and(|m| m.is_running() && !m.partitioned)
                })
            })
        })
    }

    /// Re-evaluates the API after an etcd or control-plane change: controllers stop when it
    /// goes and catch up when it returns.
    pub(crate) fn etcd_changed(&mut self) {
        self.etcd.timed_elections = true;
        if self.etcd.campaigning && !self.election_pending {
            // etcd randomises each follower's election timeout in [1 s, 2 s) (the default
            // --election-timeout of 1000 ms); the first to time out wins.
            self.election_pending = true;
            let after = SimDuration(1000 + self.rng.below(1000));
            self.schedule(self.now + after, crate::engine::Timer::EtcdElection);
        }
        let leader = self.etcd.leader;
        if leader.is_some() != self.etcd_had_leader {
            self.etcd_had_leader = leader.is_some();
            // Any way a leader appears after none: a timed election, a quorum back, a restore.
            if let Some(l) = leader {
                let node = std::sync::Arc::from(self.etcd.members[l].name.as_str());
                self.record(crate::trace::Event::LeaderElected {
                    component: "etcd",
                    node,
                });
            }
        }
        let available = self.api_available();
        let healthy = self.etcd_healthy();
        if healthy != self.etcd_healthy_traced {
            // Every change of the members a quorum can be made of, before the availability it
            // may cause: `ApiAvailability` counts a partitioned member as running.
            self.record(crate::trace::Event::EtcdMembers {
                healthy,
                voters: self.etcd.voters().count() as u32,
                quorum: self.etcd.quorum_size() as u32,
            });
            self.etcd_healthy_traced = healthy;
        }
        if self.api_down_since.is_none() != available {
            self.record(crate::trace::Event::ApiAvailability {
                available,
                etcd_running: self.etcd.voters().filter(|m| m.is_running()).count() as u32,
                etcd_voters: self.etcd.voters().count() as u32,
                quorum: self.etcd.quorum_size() as u32,
            });
        }
        let cause = if !self.any_apiserver_running() {
            OutageCause::NoApiServer
        } else if self.apiserver_reaches_etcd() {
            OutageCause::EtcdQuorum
        } else {
            OutageCause::EtcdUnreachable
        };
        match (self.api_down_since, available) {
            (None, false) => {
                self.count_lease_renewals();
                self.api_down_since = Some(self.now);
                self.cluster.api_outages.push(ApiOutage {
                    from: self.now,
                    to: None,
                    cause,
                });
            }
            // Still down, for another reason now (the API server came back over a dead etcd):
            // what the kubelets and the API server's container show starts over from here.
            (Some(_), false) => {
                let now = self.now;
                if let Some(o) = self.cluster.api_outages.last_mut()
                    && o.to.is_none()
                    && o.cause != cause
                {
                    o.to = Some(now);
                    self.cluster.api_outages.push(ApiOutage {
                        from: now,
                        to: None,
                        cause,
                    });
                }
            }
            (Some(down_since), true) => {
                self.api_down_since = None;
                if let Some(o) = self.cluster.api_outages.last_mut() {
                    o.to = Some(self.now);
                }
                self.leases_counted_to = self.now;
                // The kubelets' final deletes that waited for the API go through first.
                for (pod, uid) in std::mem::take(&mut self.stopped_in_outage) {
                    if self
                        .cluster
                        .pod_if(pod, uid)
                        .is_some_and(crate::model::Pod::is_terminating)
                    {
                        self.finish_removal(pod);
                    }
                }
                self.controller_manager_api_back(down_since);
                self.resync_controllers();
            }
            _ => {}
        }
    }

    /// `etcd_quorum`, checked at step ends: reported once per outage.
    pub(crate) fn check_etcd_quorum(&mut self) {
        if self.etcd.members.is_empty() || self.etcd.has_quorum() {
            return;
        }
        let up = self.etcd.voters().filter(|m| m.is_running()).count();
        let total = self.etcd.voters().count();
        let down: Vec<String> = self
            .etcd
            .members
            .iter()
            .filter(|m| !m.is_running())
            .map(Member::label)
            .collect();
        self.violate_once(
            crate::invariant::InvariantId::EtcdQuorum,
            format!(
                "etcd lost quorum: {up} of {total} members up, {} needed (down: {})",
                self.etcd.quorum_size(),
                down.join(", ")
            ),
        );
    }

    /// Whether, and how, the API cannot answer right now, without a request being made: an
    /// API server that cannot reach any etcd at start exits ("unable to create storage
    /// backend"); one that loses quorum under it answers with timeouts until its liveness probe
    /// has it restarted, then connections are refused. `None` when the API works.
    pub fn api_outage(&self) -> Option<Unreachable> {
        let since = self.api_down_since?;
        // Only an etcd that runs but cannot commit makes requests hang: with no etcd process to
        // dial, the API server fails its checks and is restarted at once (connection refused).
        let timing_out = self.any_apiserver_running()
            && ((!self.etcd.has_quorum() && self.apiserver_reaches_etcd())
                || self.cluster.control_plane_ids().is_empty())
            && self.now.saturating_sub(since) < APISERVER_LIVENESS_KILL;
        if timing_out {
            return Some(Unreachable::Timeout);
        }
        let endpoint = self
            .cluster
            .control_plane_ids()
            .first()
            .map(|id| self.cluster.node(*id).internal_ip.clone())
            .unwrap_or_else(|| "127.0.0.1".into());
        Some(Unreachable::Refused { endpoint })
    }

    /// Why a request gets no answer while the API cannot serve ([`Self::api_outage`]): a
    /// request that times out inside the API server takes its 7 s, which pass for the client.
    /// The trace records why. `None` when the API works.
    pub(crate) fn api_unreachable(&mut self) -> Option<Unreachable> {
        let outage = self.api_outage()?;
        let timing_out = outage == Unreachable::Timeout;
        self.record_api_unavailable(timing_out);
        if timing_out {
            let until = self.now + ETCD_REQUEST_TIMEOUT;
            self.advance_within_step(until);
        }
        Some(outage)
    }
}

impl Engine {
    /// Records why a request failed, with etcd's numbers as they are now (for `why`).
    fn record_api_unavailable(&mut self, timing_out: bool) {
        let cause = if !self.etcd.has_quorum() {
            "etcd-quorum"
        } else if !self.any_apiserver_running() {
            "no-apiserver"
        } else {
            "etcd-unreachable"
        };
        let etcd_down: Vec<String> = self
            .etcd
            .voters()
            .filter(|m| !m.is_running())
            .map(Member::label)
            .collect();
        self.record(crate::trace::Event::ApiUnavailable {
            answer: if timing_out { "timeout" } else { "refused" },
            cause,
            etcd_running: self.etcd.voters().filter(|m| m.is_running()).count() as u32,
            etcd_voters: self.etcd.voters().count() as u32,
            quorum: self.etcd.quorum_size() as u32,
            etcd_down: etcd_down.join(", "),
        });
    }

    /// `etcd-member-crash NODE`: the process dies and stays down; its data is kept.
    pub fn etcd_member_crash(&mut self, node: NodeId) {
        if let Some(cp) = self.cluster.node_mut(node).control_plane.as_mut() {
            cp.etcd_failed = Some(String::new());
            cp.etcd_retry = false;
        }
        self.etcd_member_down(node);
        self.static_pod_crashlooping(node);
    }

    /// `etcd-member-destroy NODE`: the process dies and the data dir is lost.
    pub fn etcd_member_destroy(&mut self, node: NodeId) {
        self.etcd_member_crash(node);
        if let Some(i) = self.etcd_member_of(node) {
            self.etcd.destroy(i);
            self.etcd_changed();
        }
    }

    /// `etcd-member-recover NODE`: the kubelet starts the member again (on whatever data dir
    /// it has: a destroyed one starts empty).
    pub fn etcd_member_recover(&mut self, node: NodeId) {
        if let Some(cp) = self.cluster.node_mut(node).control_plane.as_mut() {
            cp.etcd_failed = None;
            cp.etcd_retry = false;
        }
        self.restart_static_pod(node, crate::release::components::StaticPod::Etcd);
    }
}

/// `scheme://host:port` → (host, port).
fn host_port(url: &str) -> (String, String) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split('/').next().unwrap_or(rest);
    match rest.rsplit_once(':') {
        Some((h, p)) => (h.trim_matches(['[', ']']).to_string(), p.to_string()),
        None => (rest.to_string(), "2379".into()),
    }
}

/// The etcd member listening at `url` as dialled from `from` (loopback is that node's own).
pub(crate) fn member_listening_at(sim: &Engine, from: NodeId, url: &str) -> Option<usize> {
    let (host, port) = host_port(url);
    let local = host == "127.0.0.1" || host == "localhost" || host == "::1";
    for id in sim.cluster.control_plane_ids() {
        let n = sim.cluster.node(*id);
        if (local && *id != from) || (!local && n.internal_ip != host) {
            continue;
        }
        let Some(cp) = n.control_plane.as_ref() else { continue };
        let listens = cp.etcd_listen.iter().any(|l| {
            let (lh, lp) = host_port(l);
            lp == port && (lh == host || lh == "0.0.0.0" || (local && (lh == "127.0.0.1" || lh == "localhost")))
        });
        if listens && !cp.stopped.contains(&crate::release::components::StaticPod::Etcd) {
            return sim.etcd.member_by_name(&n.name);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_host_and_port() {
        assert_eq!(host_port("https://127.0.0.1:2379"), ("127.0.0.1".into(), "2379".into()));
        assert_eq!(host_port("10.0.0.1:2379"), ("10.0.0.1".into(), "2379".into()));
        assert_eq!(host_port("https://[::1]:2379"), ("::1".into(), "2379".into()));
    }
}
