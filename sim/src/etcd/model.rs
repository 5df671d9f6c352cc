//! An etcd cluster as a state machine: members, quorum, leader and term, the key space with
//! its revisions, snapshots and restores (semantics §4.2–§4.7).
//!
//! It is sans-IO and has no clock: every operation leaves the cluster settled (an election
//! that can happen has happened). The simulator adds virtual time around it; the real-etcd
//! backend drives real processes through the same operations and compares [`Observation`]s.
//!
//! Keys are what etcdctl and the harness put; the simulator keeps Kubernetes objects in its own
//! model and counts their writes as revisions ([`EtcdModel::count_writes`]), which is why a
//! [`Snapshot`] can carry an opaque payload of the API state next to the keys.

use super::ids::{cluster_id, member_id};
use super::version::EtcdVersion;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// The default token `etcdctl snapshot restore` and a new etcd use.
pub const DEFAULT_TOKEN: &str = "etcd-cluster";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberState {
    /// The process runs and serves.
    Running,
    /// The process is down; its data dir is intact (`etcd-member-crash`, a stopped static pod).
    Stopped,
    /// The process is down and its data dir is gone (`etcd-member-destroy`).
    Destroyed,
    /// Added with `member add` and not started yet (`unstarted` in `member list`).
    Unstarted,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: u64,
    /// Empty until the member has started and published its name (`member list` then shows
    /// `started`).
    pub name: String,
    pub peer_urls: Vec<String>,
    pub client_urls: Vec<String>,
    pub learner: bool,
    pub state: MemberState,
    /// How far its log is behind the leader's, in entries (a learner is promotable at ≥90 %).
    pub lag: u64,
    /// Started while the cluster had no quorum: until it has one again, such a member has not
    /// caught up with raft and serves no client at all (seen with etcd 3.4.23).
    pub cold: bool,
    /// Cut off from its peers by the network: it runs and answers its local clients, but takes
    /// no part in raft (no quorum on its side, so nothing commits through it).
    pub partitioned: bool,
}

impl Member {
    /// How people refer to it: its name, or its hex ID while it has none (not started yet).
    pub fn label(&self) -> String {
        if self.name.is_empty() {
            format!("{:x}", self.id)
        } else {
            self.name.clone()
        }
    }

    pub fn is_running(&self) -> bool {
        self.state == MemberState::Running
    }
}

/// One key's metadata, as `etcdctl get -w json` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyValue {
    pub value: String,
    pub create_revision: i64,
    pub mod_revision: i64,
    pub version: i64,
}

/// What a client sees go wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EtcdError {
    /// No quorum: the request never commits. etcdctl's 5 s command timeout fires first.
    NoQuorum,
    /// The endpoint's member is not running (connection refused / dial timeout).
    Unavailable,
    MemberNotFound,
    NotEnoughStartedMembers,
    UnhealthyCluster,
    TooManyLearners,
    LearnerNotInSync,
    NotALearner,
    PeerUrlsExist,
    /// A member whose data dir was wiped cannot start with its old identity.
    AlreadyBootstrapped {
        member: u64,
    },
    /// Restarting a member that was removed from the cluster.
    Removed {
        member: u64,
    },
}

impl fmt::Display for EtcdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoQuorum => f.write_str("context deadline exceeded"),
            Self::Unavailable => f.write_str("context deadline exceeded"),
            Self::MemberNotFound => f.write_str("etcdserver: member not found"),
            Self::NotEnoughStartedMembers => {
                f.write_str("etcdserver: re-configuration failed due to not enough started members")
            }
            Self::UnhealthyCluster => f.write_str("etcdserver: unhealthy cluster"),
            Self::TooManyLearners => f.write_str("etcdserver: too many learner members in cluster"),
            Self::LearnerNotInSync => {
                f.write_str("etcdserver: can only promote a learner member which is in sync with leader")
            }
            Self::NotALearner => f.write_str("etcdserver: can only promote a learner member"),
            Self::PeerUrlsExist => f.write_str("etcdserver: Peer URLs already exists"),
            Self::AlreadyBootstrapped { member } => write!(f, "member {member:x} has already been bootstrapped"),
            Self::Removed { member } => write!(
                f,
                "the member has been permanently removed from the cluster (member {member:x})"
            ),
        }
    }
}

impl std::error::Error for EtcdError {}

/// A snapshot file's content: what `snapshot save` streamed, or a raw copy of `member/snap/db`.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub revision: i64,
    pub keys: BTreeMap<String, KeyValue>,
    /// The etcd version of the member that wrote it (restore needs the same major.minor).
    pub version: EtcdVersion,
    /// `snapshot save` appends a SHA-256; a copied `member/snap/db` has none.
    pub has_hash: bool,
    /// The Kubernetes API state stored in it (the simulator's, opaque here).
    pub payload: Option<Arc<dyn std::any::Any + Send + Sync>>,
    /// Entries the Kubernetes objects add to `TOTAL KEYS` (their keys are not in `keys`).
    pub extra_keys: usize,
    /// A copy of `member/snap/db` taken while etcd was writing it: not guaranteed consistent
    /// (the lab guide copies it only from a data dir no etcd process uses).
    pub copied_while_running: bool,
}

/// bbolt's page size.
const PAGE: u64 = 4096;
/// The bytes a Kubernetes object occupies with its kept history (from real snapshots: ~1000
/// entries make 2.4–3.7 MB).
const KUBE_ENTRY_BYTES: u64 = 2600;
/// A key-bucket entry's overhead besides key and value (revision key, protobuf framing).
const ENTRY_OVERHEAD: u64 = 64;

impl Snapshot {
    /// The bbolt file's (pages in use, file size) in bytes: etcd's fresh 20 kB (4 pages in use
    /// of 5) plus every entry still in history, in whole 4 KiB pages, with an eighth more of free
    /// pages as bbolt keeps after deletes. `etcdctl snapshot status` (TOTAL SIZE), `snapshot save`
    /// and `ls -l` of the file (plus the 32-byte hash a save appends) all read it from here.
    pub fn db_size(&self) -> (u64, u64) {
        let bytes: u64 = self
            .keys
            .iter()
            .map(|(k, kv)| kv.version.max(1) as u64 * (k.len() as u64 + kv.value.len() as u64 + ENTRY_OVERHEAD))
            .sum::<u64>()
            + self.extra_keys as u64 * KUBE_ENTRY_BYTES;
        let in_use = 4 * PAGE + bytes.div_ceil(PAGE) * PAGE;
        let size = (5 * PAGE).max((in_use + in_use / 8).div_ceil(PAGE) * PAGE);
        (in_use, size)
    }
}

/// What both the model and a real cluster can be asked, to compare them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    /// A write commits.
    pub quorum: bool,
    /// Some running member is the leader.
    pub has_leader: bool,
    /// Members in the membership (any state).
    pub members: usize,
    /// Running members.
    pub running: usize,
    /// Live keys.
    pub keys: usize,
    pub revision: i64,
}

/// A member of a cluster to bootstrap or restore.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberSpec {
    pub name: String,
    pub peer_url: String,
    pub client_url: String,
}

#[derive(Clone, Debug)]
pub struct EtcdModel {
    pub version: EtcdVersion,
    pub token: String,
    pub cluster_id: u64,
    pub members: Vec<Member>,
    /// Index into `members`.
    pub leader: Option<usize>,
    pub term: u64,
    pub revision: i64,
    pub raft_index: u64,
    pub keys: BTreeMap<String, KeyValue>,
    /// IDs removed from the membership (a removed member that restarts is refused).
    pub removed: Vec<u64>,
    /// Seconds since the epoch when a runtime `member add` happened; IDs include it.
    pub clock_s: u64,
    /// Elections take time: when the leader goes, the cluster stays leaderless until the
    /// caller (which has a clock) calls [`EtcdModel::finish_election`] one election timeout
    /// later. Off by default: without a clock every election is over at once.
    pub timed_elections: bool,
    /// A leaderless cluster with a quorum is campaigning.
    pub campaigning: bool,
}

impl EtcdModel {
    /// A new cluster, every member started, a leader elected (term 2, as a fresh member's
    /// first election gives).
    pub fn bootstrap(specs: &[MemberSpec], token: &str, version: EtcdVersion) -> Self {
        let members: Vec<Member> = specs
            .iter()
            .map(|s| Member {
                id: member_id(&[s.peer_url.as_str()], token, None),
                name: s.name.clone(),
                peer_urls: vec![s.peer_url.clone()],
                client_urls: vec![s.client_url.clone()],
                learner: false,
                state: MemberState::Running,
                lag: 0,
                cold: false,
                partitioned: false,
            })
            .collect();
        let ids: Vec<u64> = members.iter().map(|m| m.id).collect();
        let mut m = Self {
            version,
            token: token.to_string(),
            cluster_id: cluster_id(&ids),
            members,
            leader: None,
            term: 1,
            revision: 1,
            raft_index: specs.len() as u64 + 3,
            keys: BTreeMap::new(),
            removed: Vec::new(),
            clock_s: 1_700_000_000,
            timed_elections: false,
            campaigning: false,
        };
        m.elect();
        m
    }

    pub fn voters(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(|m| !m.learner)
    }

    /// ⌊n/2⌋+1 of the voting members.
    pub fn quorum_size(&self) -> usize {
        self.voters().count() / 2 + 1
    }

    /// Whether the majority side has enough running voters (a partitioned member is on no
    /// majority side).
    pub fn has_quorum(&self) -> bool {
        self.voters().filter(|m| m.is_running() && !m.partitioned).count() >= self.quorum_size()
    }

    /// Whether a request through this member reaches a leader (writes, linearizable reads).
    pub fn reaches_leader(&self, member: usize) -> Result<(), EtcdError> {
        let m = &self.members[member];
        if !m.is_running() || m.cold {
            return Err(EtcdError::Unavailable);
        }
        if m.partitioned || !self.has_quorum() {
            return Err(EtcdError::NoQuorum);
        }
        Ok(())
    }

    /// The network cuts a member off from its peers (or heals).
    pub fn partition(&mut self, i: usize, cut: bool) {
        self.members[i].partitioned = cut;
        self.elect();
    }

    /// How many members may fail with the cluster still available.
    pub fn failure_tolerance(&self) -> usize {
        self.voters().count() - self.quorum_size()
    }

    /// Raft: with a quorum of voters up, the leader stays if it is up, else a new one is
    /// elected (a new term). Which member wins is etcd's random draw; the model picks the first
    /// running voter, and the comparison with real etcd only asks whether there is one.
    fn elect(&mut self) {
        if self.has_quorum() {
            for m in &mut self.members {
                m.cold = false;
            }
        }
        if !self.has_quorum() {
            if self.leader.take().is_some() {
                self.term += 1;
            }
            // Members keep campaigning; with a quorum back, one of them wins after a timeout.
            self.campaigning = self.timed_elections;
            return;
        }
        if self
            .leader
            .is_some_and(|l| self.members[l].is_running() && !self.members[l].learner && !self.members[l].partitioned)
        {
            return;
        }
        if self.timed_elections && self.leader.is_some() {
            // The leader is gone: followers notice after the election timeout and campaign.
            self.leader = None;
            self.campaigning = true;
            self.term += 1;
            return;
        }
        if self.timed_elections && self.campaigning {
            return;
        }
        self.leader = self
            .members
            .iter()
            .position(|m| m.is_running() && !m.learner && !m.partitioned);
        self.term += 1;
        self.raft_index += 1;
    }

    /// The election timeout has passed: a running voter wins if there is a quorum.
    pub fn finish_election(&mut self) {
        self.campaigning = false;
        if self.leader.is_none() && self.has_quorum() {
            self.leader = self
                .members
                .iter()
                .position(|m| m.is_running() && !m.learner && !m.partitioned);
            self.term += 1;
            self.raft_index += 1;
        }
    }

    pub fn member_index(&self, id: u64) -> Option<usize> {
        self.members.iter().position(|m| m.id == id)
    }

    pub fn member_by_name(&self, name: &str) -> Option<usize> {
        self.members.iter().position(|m| m.name == name)
    }

    /// The member serving a client URL (`https://127.0.0.1:2379` is served by every member
    /// that listens on loopback; the caller resolves that to its host's member).
    pub fn member_by_client_url(&self, url: &str) -> Option<usize> {
        self.members.iter().position(|m| m.client_urls.iter().any(|u| u == url))
    }

    /// The process dies; data stays.
    pub fn crash(&mut self, i: usize) {
        if self.members[i].is_running() {
            self.members[i].state = MemberState::Stopped;
            self.elect();
        }
    }

    /// The process dies and the data dir is lost.
    pub fn destroy(&mut self, i: usize) {
        self.members[i].state = MemberState::Destroyed;
        self.elect();
    }

    /// The process starts again on its data dir.
    pub fn recover(&mut self, i: usize) -> Result<(), EtcdError> {
        let m = &self.members[i];
        match m.state {
            MemberState::Running => Ok(()),
            MemberState::Destroyed => Err(EtcdError::AlreadyBootstrapped { member: m.id }),
            MemberState::Stopped | MemberState::Unstarted => {
                self.members[i].state = MemberState::Running;
                self.members[i].lag = 0;
                self.members[i].cold = !self.has_quorum();
                self.elect();
                Ok(())
            }
        }
    }

    fn write(&mut self) -> Result<i64, EtcdError> {
        // A write during an election waits for the new leader (well within the client's
        // timeout), so only a lost quorum makes it fail.
        if !self.has_quorum() {
            return Err(EtcdError::NoQuorum);
        }
        self.revision += 1;
        self.raft_index += 1;
        Ok(self.revision)
    }

    pub fn put(&mut self, key: &str, value: &str) -> Result<i64, EtcdError> {
        let rev = self.write()?;
        let kv = self.keys.entry(key.to_string()).or_insert(KeyValue {
            value: String::new(),
            create_revision: rev,
            mod_revision: rev,
            version: 0,
        });
        kv.value = value.to_string();
        kv.mod_revision = rev;
        kv.version += 1;
        Ok(rev)
    }

    /// Deletes keys with `key` as prefix (or exactly `key`); the revision moves only if
    /// something was deleted, as in etcd.
    pub fn delete(&mut self, key: &str, prefix: bool) -> Result<usize, EtcdError> {
        if !self.has_quorum() {
            return Err(EtcdError::NoQuorum);
        }
        let doomed: Vec<String> = self
            .keys
            .keys()
            .filter(|k| if prefix { k.starts_with(key) } else { *k == key })
            .cloned()
            .collect();
        if doomed.is_empty() {
            return Ok(0);
        }
        self.write()?;
        for k in &doomed {
            self.keys.remove(k);
        }
        Ok(doomed.len())
    }

    /// Writes the simulator's Kubernetes objects made (each a committed txn).
    pub fn count_writes(&mut self, n: u64) {
        self.revision += n as i64;
        self.raft_index += n;
    }

    /// A linearizable read needs quorum; a serializable one is answered by the member.
    pub fn read_allowed(&self, member: usize, serializable: bool) -> Result<(), EtcdError> {
        if !self.members[member].is_running() || self.members[member].cold {
            return Err(EtcdError::Unavailable);
        }
        if !serializable && (!self.has_quorum() || self.members[member].partitioned) {
            return Err(EtcdError::NoQuorum);
        }
        Ok(())
    }

    /// `snapshot save` against a member: its local backend, no quorum needed.
    pub fn snapshot(&self, member: usize) -> Result<Snapshot, EtcdError> {
        if !self.members[member].is_running() || self.members[member].cold {
            return Err(EtcdError::Unavailable);
        }
        Ok(self.snapshot_unchecked(true))
    }

    /// A copy of `member/snap/db`: the same data, no hash. Only a consistent copy when the
    /// member is not running (the lab guide's condition); the model does not check that.
    pub fn copy_db(&self, member: usize) -> Option<Snapshot> {
        (self.members[member].state != MemberState::Destroyed).then(|| self.snapshot_unchecked(false))
    }

    fn snapshot_unchecked(&self, has_hash: bool) -> Snapshot {
        Snapshot {
            revision: self.revision,
            keys: self.keys.clone(),
            version: self.version.clone(),
            has_hash,
            payload: None,
            extra_keys: 0,
            copied_while_running: false,
        }
    }

    /// A new cluster from a snapshot (every member restored from the same file, then
    /// started): new member and cluster IDs from the peer URLs and token, keys and revision
    /// preserved.
    pub fn restore(snapshot: &Snapshot, specs: &[MemberSpec], token: &str, version: EtcdVersion) -> Self {
        let mut m = Self::bootstrap(specs, token, version);
        m.keys = snapshot.keys.clone();
        m.revision = snapshot.revision;
        m
    }

    /// `member add NAME --peer-urls=URL [--learner]`.
    pub fn member_add(&mut self, name: &str, peer_urls: &[String], learner: bool) -> Result<usize, EtcdError> {
        if !self.has_quorum() {
            return Err(EtcdError::NoQuorum);
        }
        if self
            .members
            .iter()
            .any(|m| m.peer_urls.iter().any(|u| peer_urls.contains(u)))
        {
            return Err(EtcdError::PeerUrlsExist);
        }
        if learner {
            if self.members.iter().any(|m| m.learner) {
                return Err(EtcdError::TooManyLearners);
            }
        } else {
            self.may_add_voter()?;
        }
        self.clock_s += 1;
        let urls: Vec<&str> = peer_urls.iter().map(String::as_str).collect();
        let id = member_id(&urls, &self.token, Some(self.clock_s));
        let _ = name;
        self.members.push(Member {
            id,
            name: String::new(),
            peer_urls: peer_urls.to_vec(),
            client_urls: Vec::new(),
            learner,
            state: MemberState::Unstarted,
            lag: self.raft_index,
            cold: false,
            partitioned: false,
        });
        self.raft_index += 1;
        self.elect();
        Ok(self.members.len() - 1)
    }

    /// The added member's process starts with `--initial-cluster-state existing` and
    /// publishes its name and client URLs.
    pub fn start_added(&mut self, i: usize, name: &str, client_url: &str) -> Result<(), EtcdError> {
        let id = self.members[i].id;
        if self.removed.contains(&id) {
            return Err(EtcdError::Removed { member: id });
        }
        self.members[i].name = name.to_string();
        self.members[i].client_urls = vec![client_url.to_string()];
        self.members[i].state = MemberState::Running;
        // It catches up from the leader at once in the model.
        self.members[i].lag = 0;
        self.elect();
        Ok(())
    }

    /// `member remove ID`.
    pub fn member_remove(&mut self, id: u64) -> Result<(), EtcdError> {
        let i = self.member_index(id).ok_or(EtcdError::MemberNotFound)?;
        if !self.has_quorum() {
            return Err(EtcdError::NoQuorum);
        }
        if !self.members[i].learner {
            self.may_remove_voter(i)?;
        }
        self.members.remove(i);
        self.removed.push(id);
        self.leader = match self.leader {
            Some(l) if l == i => None,
            Some(l) if l > i => Some(l - 1),
            other => other,
        };
        self.raft_index += 1;
        self.elect();
        Ok(())
    }

    /// etcd's `mayAddMember` with the strict reconfiguration check (etcdserver/server.go):
    /// the voters that ever started (published a name) must be a quorum of the membership
    /// with the new one (`IsReadyToAddVotingMember`: "not enough started members"), and the
    /// member serving the request must be connected to every voting peer
    /// (`isConnectedFullySince`: "unhealthy cluster").
    fn may_add_voter(&self) -> Result<(), EtcdError> {
        let members = self.voters().count() + 1;
        let started = self.voters().filter(|m| !m.name.is_empty()).count();
        let restoring = started == 1 && members == 2;
        if !restoring && started < members / 2 + 1 {
            return Err(EtcdError::NotEnoughStartedMembers);
        }
        if self.voters().any(|m| !m.is_running() || m.partitioned) {
            return Err(EtcdError::UnhealthyCluster);
        }
        Ok(())
    }

    /// etcd's `mayRemoveMember`: the other voters that ever started must be a quorum of what
    /// is left (`IsReadyToRemoveVotingMember`); a member that is down may go; otherwise the
    /// connected voters less the removed one must still be a quorum ("unhealthy cluster").
    fn may_remove_voter(&self, i: usize) -> Result<(), EtcdError> {
        let id = self.members[i].id;
        let others: Vec<&Member> = self.voters().filter(|m| m.id != id).collect();
        let started = others.iter().filter(|m| !m.name.is_empty()).count();
        if started < others.len() / 2 + 1 {
            return Err(EtcdError::NotEnoughStartedMembers);
        }
        let target = &self.members[i];
        if !target.is_running() || target.partitioned {
            return Ok(());
        }
        let voters = self.voters().count();
        let active = self.voters().filter(|m| m.is_running() && !m.partitioned).count();
        if active - 1 < 1 + (voters - 1) / 2 {
            return Err(EtcdError::UnhealthyCluster);
        }
        Ok(())
    }

    /// `member promote ID`.
    pub fn member_promote(&mut self, id: u64) -> Result<(), EtcdError> {
        let i = self.member_index(id).ok_or(EtcdError::MemberNotFound)?;
        if !self.members[i].learner {
            return Err(EtcdError::NotALearner);
        }
        if !self.has_quorum() {
            return Err(EtcdError::NoQuorum);
        }
        if !self.members[i].is_running() || self.members[i].lag * 10 > self.raft_index {
            return Err(EtcdError::LearnerNotInSync);
        }
        self.members[i].learner = false;
        self.raft_index += 1;
        self.elect();
        Ok(())
    }

    pub fn observe(&self) -> Observation {
        Observation {
            quorum: self.has_quorum(),
            has_leader: self.leader.is_some(),
            members: self.members.len(),
            running: self.members.iter().filter(|m| m.is_running()).count(),
            keys: self.keys.len(),
            revision: self.revision,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(n: usize) -> Vec<MemberSpec> {
        (1..=n)
            .map(|i| MemberSpec {
                name: format!("m{i}"),
                peer_url: format!("http://127.0.0.1:{}", 2380 + 10 * i),
                client_url: format!("http://127.0.0.1:{}", 2379 + 10 * i),
            })
            .collect()
    }

    fn v() -> EtcdVersion {
        EtcdVersion::parse("3.4.23").unwrap()
    }

    #[test]
    fn quorum_table() {
        for (n, q, tol) in [
            (1, 1, 0),
            (2, 2, 0),
            (3, 2, 1),
            (4, 3, 1),
            (5, 3, 2),
            (6, 4, 2),
            (7, 4, 3),
        ] {
            let m = EtcdModel::bootstrap(&specs(n), DEFAULT_TOKEN, v());
            assert_eq!((m.quorum_size(), m.failure_tolerance()), (q, tol), "{n} members");
        }
    }

    #[test]
    fn losing_two_of_three_stops_writes_but_not_snapshots() {
        let mut m = EtcdModel::bootstrap(&specs(3), DEFAULT_TOKEN, v());
        m.put("a", "1").unwrap();
        m.crash(0);
        assert!(m.put("b", "2").is_ok(), "one of three down keeps quorum");
        m.crash(1);
        assert_eq!(m.put("c", "3"), Err(EtcdError::NoQuorum));
        assert!(m.leader.is_none());
        assert!(m.read_allowed(2, true).is_ok());
        assert_eq!(m.read_allowed(2, false), Err(EtcdError::NoQuorum));
        let snap = m.snapshot(2).unwrap();
        assert_eq!(snap.keys.len(), 2);
        m.recover(1).unwrap();
        assert!(m.has_quorum() && m.leader.is_some());
        assert_eq!(m.put("c", "3"), Ok(4));
    }

    #[test]
    fn a_member_started_without_quorum_serves_nothing_until_quorum_returns() {
        let mut m = EtcdModel::bootstrap(&specs(3), DEFAULT_TOKEN, v());
        m.crash(1);
        m.crash(2);
        m.crash(0);
        m.recover(0).unwrap();
        assert_eq!(m.snapshot(0).err(), Some(EtcdError::Unavailable));
        assert_eq!(m.read_allowed(0, true), Err(EtcdError::Unavailable));
        m.recover(1).unwrap();
        assert!(m.snapshot(0).is_ok());
    }

    #[test]
    fn timed_elections_leave_the_cluster_leaderless_until_finished() {
        let mut m = EtcdModel::bootstrap(&specs(3), DEFAULT_TOKEN, v());
        m.timed_elections = true;
        let leader = m.leader.unwrap();
        m.crash(leader);
        assert!(m.has_quorum() && m.leader.is_none() && m.campaigning);
        m.finish_election();
        assert!(m.leader.is_some());
        assert!(m.put("k", "v").is_ok());
    }

    #[test]
    fn a_partitioned_member_answers_locally_but_commits_nothing() {
        let mut m = EtcdModel::bootstrap(&specs(3), DEFAULT_TOKEN, v());
        let leader = m.leader.unwrap();
        m.partition(leader, true);
        assert!(m.has_quorum(), "two of three on the majority side");
        assert_ne!(m.leader, Some(leader), "the cut-off leader loses its role");
        assert_eq!(m.reaches_leader(leader), Err(EtcdError::NoQuorum));
        assert!(m.read_allowed(leader, true).is_ok());
        assert_eq!(m.read_allowed(leader, false), Err(EtcdError::NoQuorum));
        let other = (leader + 1) % 3;
        assert!(m.reaches_leader(other).is_ok());
        m.partition(other, true);
        assert!(!m.has_quorum());
        m.partition(other, false);
        m.partition(leader, false);
        assert!(m.has_quorum());
    }

    #[test]
    fn restore_keeps_revision_and_keys_and_makes_new_ids() {
        let mut m = EtcdModel::bootstrap(&specs(1), "tok", v());
        m.put("a", "1").unwrap();
        m.put("b", "1").unwrap();
        let snap = m.snapshot(0).unwrap();
        m.put("c", "1").unwrap();
        m.delete("a", false).unwrap();
        let default = [MemberSpec {
            name: "default".into(),
            peer_url: "http://localhost:2380".into(),
            client_url: "http://localhost:2379".into(),
        }];
        let r = EtcdModel::restore(&snap, &default, DEFAULT_TOKEN, v());
        assert_eq!(format!("{:x}", r.members[0].id), "8e9e05c52164694d");
        assert_eq!(format!("{:x}", r.cluster_id), "cdf818194e3a8c32");
        assert_eq!(r.revision, 3);
        assert_eq!(r.keys.keys().cloned().collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn a_destroyed_member_must_be_replaced() {
        let mut m = EtcdModel::bootstrap(&specs(3), DEFAULT_TOKEN, v());
        m.destroy(2);
        assert!(matches!(m.recover(2), Err(EtcdError::AlreadyBootstrapped { .. })));
        let id = m.members[2].id;
        m.member_remove(id).unwrap();
        let i = m
            .member_add("m4", &["http://127.0.0.1:2420".to_string()], false)
            .unwrap();
        assert_eq!(m.members[i].state, MemberState::Unstarted);
        m.start_added(i, "m4", "http://127.0.0.1:2419").unwrap();
        assert_eq!(m.observe().running, 3);
        assert_eq!(m.member_remove(0xdead), Err(EtcdError::MemberNotFound));
    }

    #[test]
    fn strict_reconfiguration() {
        // etcd's TestMayAddMember / TestMayRemoveMember cases (etcdserver/server_test.go): a
        // peer that is down makes the cluster "unhealthy" for reconfiguration; "not enough
        // started members" is about members that never published their name.
        let mut m = EtcdModel::bootstrap(&specs(3), DEFAULT_TOKEN, v());
        m.crash(2);
        // The crashed member once started, so the count passes; its connection does not.
        assert_eq!(
            m.member_add("m4", &["http://127.0.0.1:2420".to_string()], false),
            Err(EtcdError::UnhealthyCluster)
        );
        // Removing a running member would leave 1 connected of what remains.
        let id0 = m.members[0].id;
        assert_eq!(m.member_remove(id0), Err(EtcdError::UnhealthyCluster));
        // Removing the stopped one is fine.
        let id2 = m.members[2].id;
        m.member_remove(id2).unwrap();
        // An added member that never started: a further voter cannot be added (2 started of
        // a membership of 4 after the add).
        let mut n = EtcdModel::bootstrap(&specs(2), DEFAULT_TOKEN, v());
        n.member_add("m3", &["http://127.0.0.1:2430".to_string()], false)
            .unwrap();
        assert_eq!(
            n.member_add("m4", &["http://127.0.0.1:2440".to_string()], false),
            Err(EtcdError::NotEnoughStartedMembers)
        );
        assert_eq!(m.quorum_size(), 2);
        // A learner does not count; one at most.
        m.member_add("l1", &["http://127.0.0.1:2430".to_string()], true)
            .unwrap();
        assert_eq!(
            m.member_add("l2", &["http://127.0.0.1:2440".to_string()], true),
            Err(EtcdError::TooManyLearners)
        );
        assert_eq!(m.member_promote(id0), Err(EtcdError::NotALearner));
    }

    #[test]
    fn a_second_member_added_to_one_makes_the_cluster_wait_for_it() {
        let mut m = EtcdModel::bootstrap(&specs(1), DEFAULT_TOKEN, v());
        let i = m
            .member_add("m2", &["http://127.0.0.1:2400".to_string()], false)
            .unwrap();
        assert!(!m.has_quorum(), "quorum is 2 until the new member starts");
        m.start_added(i, "m2", "http://127.0.0.1:2399").unwrap();
        assert!(m.has_quorum());
    }
}
