//! A real etcd cluster on 127.0.0.1, one process per member, data in a temporary directory.

use super::BackendError;
use super::process::{ChildGuard, EtcdBinaries, free_port, log_tail};
use etcd_client::{Client, Compare, CompareOp, ConnectOptions, GetOptions, PutOptions, Txn, TxnOp};
use kubedrill_sim::etcd::model::{MemberSpec, MemberState, Observation};
use std::collections::BTreeSet;
use std::fmt;
use std::io::Write as _;
use std::marker::PhantomData;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

/// A key no operation writes: the quorum probe's transaction compares against it and never
/// takes the branch that would write it, so probing moves neither the revision nor the key count.
const PROBE_KEY: &str = "kubedrill/quorum-probe";

/// How long one status request may take while settling: a member that was restarted while
/// quorum was lost accepts connections but never answers (it serves clients only once it has
/// published itself through raft), and it must not hold up the poll of the others.
const STATUS_TIMEOUT: Duration = Duration::from_millis(300);
const POLL_INTERVAL: Duration = Duration::from_millis(50);

#[derive(Clone, Debug)]
pub struct ClusterOptions {
    /// Member names, one per member (the simulator's control-plane names in `--backend etcd`).
    pub names: Vec<String>,
    pub token: String,
    pub heartbeat_ms: u64,
    pub election_ms: u64,
    /// A write that does not commit within this is taken as "no quorum".
    pub commit_bound: Duration,
    /// How long settling may take before observing whatever there is.
    pub settle_bound: Duration,
    /// Snapshot streams and restores of large key spaces.
    pub transfer_bound: Duration,
}

impl ClusterOptions {
    /// `n` members named `m1`…`mn`, token `kubedrill`, 50 ms heartbeats and 500 ms elections.
    pub fn with_members(n: usize) -> Self {
        Self::named((1..=n).map(|i| format!("m{i}")).collect())
    }

    pub fn named(names: Vec<String>) -> Self {
        Self {
            names,
            token: "kubedrill".to_string(),
            heartbeat_ms: 50,
            election_ms: 500,
            commit_bound: Duration::from_millis(1500),
            settle_bound: Duration::from_secs(20),
            transfer_bound: Duration::from_secs(300),
        }
    }

    /// No leader for this long (two maximal randomized election timeouts' worth of one) means
    /// no election can succeed: a quorum would have elected one by then.
    fn leaderless_window(&self) -> Duration {
        Duration::from_millis(2 * self.election_ms)
    }
}

struct RealMember {
    name: String,
    peer_url: String,
    client_url: String,
    client_port: u16,
    data_dir: PathBuf,
    log: PathBuf,
    process: Option<ChildGuard>,
    started_at: Instant,
    client: Option<Client>,
    destroyed: bool,
}

impl RealMember {
    fn alive(&mut self) -> bool {
        self.process.as_mut().is_some_and(ChildGuard::is_alive)
    }

    fn kill(&mut self) {
        if let Some(p) = self.process.as_mut() {
            p.kill();
        }
        self.process = None;
        self.client = None;
    }
}

/// What one member's `Status` said.
#[derive(Clone, Debug)]
struct Seen {
    index: usize,
    id: u64,
    leader: u64,
    term: u64,
    revision: i64,
}

/// What settling found.
#[derive(Clone, Debug)]
struct Settled {
    /// The member index of the leader every serving member agrees on.
    leader: Option<usize>,
    seen: Vec<Seen>,
    /// Settling gave up (the observation is then of a cluster still moving).
    timed_out: bool,
}

/// A real cluster's state in the simulator's terms, plus what could not be seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observed {
    pub observation: Observation,
    /// The member that answered `member list` and the key count. `None` when no member serves
    /// clients (all down, or only members restarted while quorum was lost, which do not serve
    /// until they have published themselves through raft): `members`, `keys` and `revision`
    /// are then unknown (0) and not compared.
    pub served_by: Option<String>,
    /// The leader's name and the highest raft term seen.
    pub leader: Option<String>,
    pub term: u64,
    /// Settling hit its bound.
    pub unsettled: bool,
}

/// Member and cluster IDs as `member list` reports them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ids {
    pub cluster_id: u64,
    /// Sorted.
    pub member_ids: Vec<u64>,
}

impl fmt::Display for Ids {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let members: Vec<String> = self.member_ids.iter().map(|id| format!("{id:x}")).collect();
        write!(f, "cluster {:x}, members [{}]", self.cluster_id, members.join(", "))
    }
}

/// A cluster of real etcd processes. Every process is SIGKILLed and reaped when this is
/// dropped — also while a failing test unwinds.
///
/// Not `Send`: each child gets SIGKILL when the *thread* that spawned it exits
/// (`PR_SET_PDEATHSIG` follows the thread), so the cluster stays on the thread that made it.
pub struct RealCluster {
    // Field order is drop order: processes die before their data directories are removed.
    members: Vec<RealMember>,
    runtime: Runtime,
    bins: EtcdBinaries,
    opts: ClusterOptions,
    token: String,
    generation: u32,
    root: super::cleanup::RunDir,
    _same_thread: PhantomData<*const ()>,
}

impl RealCluster {
    /// Bootstraps a new cluster (`--initial-cluster-state new`) and waits for its leader.
    pub fn start(bins: EtcdBinaries, opts: ClusterOptions) -> Result<Self, BackendError> {
        if opts.names.is_empty() {
            return Err(BackendError::Io("a cluster needs at least one member".to_string()));
        }
        let root = super::cleanup::RunDir::create()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| BackendError::Io(format!("starting the client runtime: {e}")))?;
        let mut members = Vec::new();
        for name in &opts.names {
            let (peer_port, client_port) = (free_port()?, free_port()?);
            members.push(RealMember {
                name: name.clone(),
                peer_url: format!("http://127.0.0.1:{peer_port}"),
                client_url: format!("http://127.0.0.1:{client_port}"),
                client_port,
                data_dir: root.path().join("gen0").join(name),
                log: root.path().join(format!("{name}.log")),
                process: None,
                started_at: Instant::now(),
                client: None,
                destroyed: false,
            });
        }
        let token = opts.token.clone();
        let mut cluster = Self {
            members,
            runtime,
            bins,
            opts,
            token,
            generation: 0,
            root,
            _same_thread: PhantomData,
        };
        cluster.start_all("new")?;
        Ok(cluster)
    }

    /// Starts every member and waits until they have elected a leader.
    fn start_all(&mut self, state: &str) -> Result<(), BackendError> {
        for i in 0..self.members.len() {
            self.spawn(i, state)?;
        }
        for i in 0..self.members.len() {
            self.wait_listening(i)?;
        }
        // A new cluster must elect: being leaderless for a while only means it is slow to.
        let deadline = Instant::now() + self.opts.settle_bound;
        let mut settled = self.settle();
        while settled.leader.is_none() && Instant::now() < deadline {
            settled = self.settle();
        }
        if settled.leader.is_none() {
            let tails: Vec<String> = self
                .members
                .iter()
                .map(|m| format!("--- {} ---\n{}", m.name, log_tail(&m.log, 5)))
                .collect();
            return Err(BackendError::StartFailed {
                member: "(all)".to_string(),
                detail: format!("no leader within {:?}\n{}", self.opts.settle_bound, tails.join("\n")),
            });
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub fn binaries(&self) -> &EtcdBinaries {
        &self.bins
    }

    pub fn options(&self) -> &ClusterOptions {
        &self.opts
    }

    /// The token of the running cluster (a restore brings a new one).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Where the cluster keeps data dirs, logs and snapshots.
    pub fn dir(&self) -> &Path {
        self.root.path()
    }

    /// The members as the simulator's model takes them, with the real URLs so that the model
    /// derives the same member and cluster IDs.
    pub fn specs(&self) -> Vec<MemberSpec> {
        self.members
            .iter()
            .map(|m| MemberSpec {
                name: m.name.clone(),
                peer_url: m.peer_url.clone(),
                client_url: m.client_url.clone(),
            })
            .collect()
    }

    pub fn name(&self, i: usize) -> &str {
        &self.members[i].name
    }

    /// The member's process state, as the model names it.
    pub fn member_state(&mut self, i: usize) -> MemberState {
        let m = &mut self.members[i];
        if m.alive() {
            MemberState::Running
        } else if m.destroyed {
            MemberState::Destroyed
        } else {
            MemberState::Stopped
        }
    }

    /// The member's log (stdout and stderr of every start).
    pub fn log(&self, i: usize) -> &Path {
        &self.members[i].log
    }

    fn initial_cluster(&self) -> String {
        self.members
            .iter()
            .map(|m| format!("{}={}", m.name, m.peer_url))
            .collect::<Vec<_>>()
            .join(",")
    }

    fn spawn(&mut self, i: usize, state: &str) -> Result<(), BackendError> {
        let initial_cluster = self.initial_cluster();
        let m = &self.members[i];
        let args: Vec<String> = [
            "--name",
            &m.name,
            "--data-dir",
            &m.data_dir.display().to_string(),
            "--listen-client-urls",
            &m.client_url,
            "--advertise-client-urls",
            &m.client_url,
            "--listen-peer-urls",
            &m.peer_url,
            "--initial-advertise-peer-urls",
            &m.peer_url,
            "--initial-cluster",
            &initial_cluster,
            "--initial-cluster-token",
            &self.token,
            "--initial-cluster-state",
            state,
            "--heartbeat-interval",
            &self.opts.heartbeat_ms.to_string(),
            "--election-timeout",
            &self.opts.election_ms.to_string(),
            "--logger",
            "zap",
            "--log-outputs",
            "stderr",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let child = ChildGuard::spawn(&self.bins.etcd, &args, &m.log)?;
        let m = &mut self.members[i];
        m.process = Some(child);
        m.started_at = Instant::now();
        m.client = None;
        Ok(())
    }

    /// Waits until the member's client port accepts connections (etcd binds its listeners
    /// before it can serve) or the process exits.
    fn wait_listening(&mut self, i: usize) -> Result<(), BackendError> {
        let deadline = Instant::now() + self.opts.settle_bound;
        loop {
            let m = &mut self.members[i];
            if !m.alive() {
                return Err(BackendError::StartFailed {
                    member: m.name.clone(),
                    detail: exit_detail(m),
                });
            }
            let addr = std::net::SocketAddr::from(([127, 0, 0, 1], m.client_port));
            if TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(BackendError::StartFailed {
                    member: m.name.clone(),
                    detail: format!("not listening after {:?}", self.opts.settle_bound),
                });
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }

    /// SIGKILL; the data dir stays.
    pub fn crash(&mut self, i: usize) {
        self.members[i].kill();
    }

    /// SIGKILL and the data dir removed.
    pub fn destroy(&mut self, i: usize) -> Result<(), BackendError> {
        let m = &mut self.members[i];
        m.kill();
        m.destroyed = true;
        match std::fs::remove_dir_all(&m.data_dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(BackendError::Io(format!("removing {}: {e}", m.data_dir.display()))),
        }
    }

    /// Starts the member again on its data dir, as the kubelet restarts a static pod: the
    /// flags a member joining an existing cluster has (`--initial-cluster-state existing`,
    /// which etcd ignores when the data dir has a WAL). A running member is left alone.
    ///
    /// Refused (`Err` with etcd's fatal or panic message) when the process exits instead of
    /// serving — e.g. a destroyed member whose leader still remembers its log position:
    /// `tocommit(N) is out of range [lastIndex(0)]. Was the raft log corrupted, truncated, or
    /// lost?`. Returns after settling.
    pub fn recover(&mut self, i: usize) -> Result<(), BackendError> {
        if self.members[i].alive() {
            return Ok(());
        }
        self.spawn(i, "existing")?;
        self.wait_listening(i)?;
        self.settle();
        let m = &mut self.members[i];
        if m.alive() {
            m.destroyed = false;
            Ok(())
        } else {
            let detail = exit_detail(m);
            m.process = None;
            Err(BackendError::StartFailed {
                member: m.name.clone(),
                detail,
            })
        }
    }

    fn client(&mut self, i: usize) -> Result<Client, BackendError> {
        if let Some(c) = &self.members[i].client {
            return Ok(c.clone());
        }
        let url = self.members[i].client_url.clone();
        let options = ConnectOptions::new().with_connect_timeout(STATUS_TIMEOUT);
        let client = self
            .runtime
            .block_on(Client::connect([url.as_str()], Some(options)))
            .map_err(|e| BackendError::Client {
                op: "connect",
                member: self.members[i].name.clone(),
                message: e.to_string(),
            })?;
        self.members[i].client = Some(client.clone());
        Ok(client)
    }

    /// Polls every running member's status until the cluster is at rest: either all of them
    /// serve, agree on a leader that is one of them and are at the same revision (a recovered
    /// member has caught up), or none has had a leader for [`ClusterOptions::leaderless_window`].
    /// Processes that exited meanwhile (a refused recovery) are reaped on the way.
    fn settle(&mut self) -> Settled {
        let start = Instant::now();
        let mut leaderless_since: Option<Instant> = None;
        loop {
            let alive: Vec<usize> = (0..self.members.len()).filter(|&i| self.members[i].alive()).collect();
            if alive.is_empty() {
                return Settled {
                    leader: None,
                    seen: Vec::new(),
                    timed_out: false,
                };
            }
            let seen = self.poll_status(&alive);
            let ids: BTreeSet<u64> = seen.iter().map(|s| s.id).collect();
            let leaders: BTreeSet<u64> = seen.iter().map(|s| s.leader).collect();
            let revisions: BTreeSet<i64> = seen.iter().map(|s| s.revision).collect();
            if let [leader] = leaders.iter().copied().collect::<Vec<_>>()[..]
                && ids.contains(&leader)
                && seen.len() == alive.len()
                && revisions.len() == 1
            {
                let index = seen.iter().find(|s| s.id == leader).map(|s| s.index);
                return Settled {
                    leader: index,
                    seen,
                    timed_out: false,
                };
            }
            let leaderless = !seen.iter().any(|s| ids.contains(&s.leader));
            let now = Instant::now();
            // A member just started may still be reading its WAL (a second or more on a loaded
            // machine) before it can vote: give it time before calling the cluster leaderless.
            let newest_start = alive.iter().map(|&i| self.members[i].started_at).max().unwrap_or(start);
            if leaderless {
                let since = *leaderless_since.get_or_insert(now);
                if now - since >= self.opts.leaderless_window()
                    && now - newest_start >= 2 * self.opts.leaderless_window()
                {
                    return Settled {
                        leader: None,
                        seen,
                        timed_out: false,
                    };
                }
            } else {
                leaderless_since = None;
            }
            if now - start > self.opts.settle_bound {
                return Settled {
                    leader: None,
                    seen,
                    timed_out: true,
                };
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }

    /// `Status` of the given members at once, each bounded by [`STATUS_TIMEOUT`]; those that
    /// do not answer are left out.
    fn poll_status(&mut self, members: &[usize]) -> Vec<Seen> {
        let mut clients = Vec::new();
        for &i in members {
            if let Ok(c) = self.client(i) {
                clients.push((i, c));
            }
        }
        let answers = self.runtime.block_on(async move {
            let mut set = tokio::task::JoinSet::new();
            for (i, mut c) in clients {
                set.spawn(async move { (i, tokio::time::timeout(STATUS_TIMEOUT, c.status()).await) });
            }
            let mut out = Vec::new();
            while let Some(joined) = set.join_next().await {
                if let Ok((i, Ok(Ok(status)))) = joined {
                    let header = status.header();
                    out.push(Seen {
                        index: i,
                        id: header.map(|h| h.member_id()).unwrap_or(0),
                        leader: status.leader(),
                        term: status.raft_term(),
                        revision: header.map(|h| h.revision()).unwrap_or(0),
                    });
                }
            }
            out
        });
        let mut answers = answers;
        answers.sort_by_key(|s| s.index);
        answers
    }

    /// Whom to send a request: the leader, else any member that serves, else any running one.
    fn target(&mut self, settled: &Settled) -> Option<usize> {
        settled
            .leader
            .or_else(|| settled.seen.first().map(|s| s.index))
            .or_else(|| (0..self.members.len()).find(|&i| self.members[i].alive()))
    }

    /// Sends `txn` until it commits or [`ClusterOptions::commit_bound`] has passed. A member
    /// without a leader holds a proposal until its deadline; errors that come back sooner while
    /// an election is under way (`etcdserver: leader changed`, a dropped proposal) must not
    /// count as "no quorum", hence the retries.
    fn commit(&mut self, i: usize, op: &'static str, txn: Txn) -> Result<i64, BackendError> {
        let client = self.client(i)?;
        let bound = self.opts.commit_bound;
        let name = self.members[i].name.clone();
        self.runtime.block_on(async move {
            let deadline = tokio::time::Instant::now() + bound;
            let mut last = String::from("no attempt");
            loop {
                let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                if left.is_zero() {
                    return Err(BackendError::Client {
                        op,
                        member: name,
                        message: format!("did not commit within {bound:?} (last error: {last})"),
                    });
                }
                let mut c = client.clone();
                match tokio::time::timeout(left, c.txn(txn.clone())).await {
                    Ok(Ok(resp)) => return Ok(resp.header().map(|h| h.revision()).unwrap_or(0)),
                    Ok(Err(e)) => last = e.to_string(),
                    Err(_) => last = "deadline exceeded".to_string(),
                }
                tokio::time::sleep(Duration::from_millis(100).min(left)).await;
            }
        })
    }

    /// Puts a key through the leader (or whichever member runs); the revision it committed at.
    pub fn put(&mut self, key: &str, value: &str) -> Result<i64, BackendError> {
        let settled = self.settle();
        let Some(i) = self.target(&settled) else {
            return Err(BackendError::Client {
                op: "put",
                member: "(none running)".to_string(),
                message: "connection refused".to_string(),
            });
        };
        // A plain put inside a transaction with no conditions is exactly `etcdctl put`
        // (one revision); the transaction form lets `commit` share the retry loop.
        let txn = Txn::new().and_then([TxnOp::put(key, value, None)]);
        self.commit(i, "put", txn)
    }

    /// Puts many keys in transactions of 128 (etcd's `--max-txn-ops` default): one revision per
    /// transaction, not per key.
    pub fn put_many(&mut self, kvs: &[(String, Vec<u8>)]) -> Result<(), BackendError> {
        let settled = self.settle();
        let i = self.target(&settled).ok_or_else(|| BackendError::Client {
            op: "put",
            member: "(none running)".to_string(),
            message: "connection refused".to_string(),
        })?;
        for chunk in kvs.chunks(128) {
            let ops: Vec<TxnOp> = chunk
                .iter()
                .map(|(k, v)| TxnOp::put(k.as_str(), v.clone(), Some(PutOptions::new())))
                .collect();
            self.commit(i, "put", Txn::new().and_then(ops))?;
        }
        Ok(())
    }

    /// Streams member `i`'s backend (`Maintenance.Snapshot`) to `path`, byte for byte: the
    /// stream ends with the SHA-256 that `etcdctl snapshot restore` verifies. Written to
    /// `path.part` first and renamed, as etcdctl does.
    pub fn snapshot(&mut self, i: usize, path: &Path) -> Result<u64, BackendError> {
        let name = self.members[i].name.clone();
        let err = |message: String| BackendError::Client {
            op: "snapshot",
            member: name.clone(),
            message,
        };
        if !self.members[i].alive() {
            return Err(err("connection refused (the member is not running)".to_string()));
        }
        let client = self.client(i)?;
        let part = path.with_extension("part");
        let file = std::fs::File::create(&part).map_err(|e| err(format!("creating {}: {e}", part.display())))?;
        let first_bound = self.opts.commit_bound;
        let total_bound = self.opts.transfer_bound;
        let written = self.runtime.block_on(async move {
            let mut c = client;
            let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
            // A member that does not serve (restarted without quorum) never answers: give up
            // on it like on a write.
            let mut stream = match tokio::time::timeout(first_bound, c.snapshot()).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => return Err(e.to_string()),
                Err(_) => return Err("context deadline exceeded".to_string()),
            };
            let mut written = 0u64;
            let deadline = tokio::time::Instant::now() + total_bound;
            loop {
                let next = tokio::time::timeout_at(deadline, stream.message()).await;
                match next {
                    Ok(Ok(Some(msg))) => {
                        out.write_all(msg.blob()).map_err(|e| e.to_string())?;
                        written += msg.blob().len() as u64;
                    }
                    Ok(Ok(None)) => break,
                    Ok(Err(e)) => return Err(e.to_string()),
                    Err(_) => return Err("context deadline exceeded".to_string()),
                }
            }
            let file = out.into_inner().map_err(|e| e.to_string())?;
            file.sync_all().map_err(|e| e.to_string())?;
            Ok(written)
        });
        let written = written.map_err(&err)?;
        // etcdctl's own check that the trailing digest is there: a bbolt file is whole pages,
        // so a stream with the SHA-256 appended is 32 bytes past a multiple of 512.
        if written % 512 != 32 {
            return Err(err(format!("{written} bytes: the stream carries no sha256")));
        }
        std::fs::rename(&part, path).map_err(|e| err(format!("renaming {}: {e}", part.display())))?;
        Ok(written)
    }

    /// Replaces the cluster by one restored from `snapshot`: every process is killed, every
    /// member restored with `etcdctl snapshot restore` into a fresh data dir (same names and
    /// URLs, the given token), then all are started and a leader awaited. The snapshot's hash
    /// is checked (no `--skip-hash-check`).
    pub fn restore(&mut self, snapshot: &Path, token: &str) -> Result<(), BackendError> {
        for m in &mut self.members {
            m.kill();
        }
        // The data of the cluster being replaced goes (a WAL segment alone is 64 MB per
        // member): a long soak restores hundreds of times.
        let old = self.root.path().join(format!("gen{}", self.generation));
        let _ = std::fs::remove_dir_all(&old);
        self.generation += 1;
        let initial_cluster = self.initial_cluster();
        let dir = self.root.path().join(format!("gen{}", self.generation));
        for i in 0..self.members.len() {
            let data_dir = dir.join(&self.members[i].name);
            let m = &self.members[i];
            etcdctl_snapshot_restore(
                &self.bins,
                snapshot,
                &data_dir,
                &m.name,
                &initial_cluster,
                token,
                &m.peer_url,
            )?;
            let m = &mut self.members[i];
            m.data_dir = data_dir;
            m.destroyed = false;
        }
        self.token = token.to_string();
        self.start_all("new")
    }

    /// Settles, then looks: running processes, the leader, whether a write commits within
    /// the bound (a transaction whose condition never holds: it goes through raft like a put
    /// but writes nothing), `member list`, and the live key count with the revision from a
    /// serializable count-only range on the most advanced serving member.
    pub fn observe(&mut self) -> Result<Observed, BackendError> {
        let mut settled = self.settle();
        let running = (0..self.members.len()).filter(|&i| self.members[i].alive()).count();
        let quorum = match self.target(&settled) {
            None => false,
            Some(i) => {
                let probe = Txn::new()
                    .when([Compare::version(PROBE_KEY, CompareOp::Less, 0)])
                    .and_then([TxnOp::put(PROBE_KEY, "never written", None)]);
                self.commit(i, "quorum probe", probe).is_ok()
            }
        };
        if quorum != settled.leader.is_some() {
            // Either the election finished while the probe waited, or the leader seen was one
            // that had just lost its quorum and steps down after an election timeout
            // (CheckQuorum): look again now that the probe's wait has passed.
            settled = self.settle();
        }
        let mut observation = Observation {
            quorum,
            has_leader: settled.leader.is_some(),
            members: 0,
            running,
            keys: 0,
            revision: 0,
        };
        let mut served_by = None;
        let best = settled
            .leader
            .or_else(|| settled.seen.iter().max_by_key(|s| s.revision).map(|s| s.index));
        if let Some(i) = best {
            let client = self.client(i)?;
            let name = self.members[i].name.clone();
            let answer = self.runtime.block_on(async move {
                let mut c = client;
                let members = tokio::time::timeout(Duration::from_secs(2), c.member_list()).await;
                let keys = tokio::time::timeout(
                    Duration::from_secs(2),
                    c.get(
                        "",
                        Some(GetOptions::new().with_all_keys().with_count_only().with_serializable()),
                    ),
                )
                .await;
                (members, keys)
            });
            if let (Ok(Ok(members)), Ok(Ok(keys))) = answer {
                observation.members = members.members().len();
                observation.keys = keys.count() as usize;
                observation.revision = keys.header().map(|h| h.revision()).unwrap_or(0);
                served_by = Some(name);
            }
        }
        Ok(Observed {
            observation,
            served_by,
            leader: settled.leader.map(|i| self.members[i].name.clone()),
            term: settled.seen.iter().map(|s| s.term).max().unwrap_or(0),
            unsettled: settled.timed_out,
        })
    }

    /// Member and cluster IDs from `member list` on a serving member.
    pub fn ids(&mut self) -> Result<Ids, BackendError> {
        let settled = self.settle();
        let i = settled
            .leader
            .or_else(|| settled.seen.first().map(|s| s.index))
            .ok_or_else(|| BackendError::Client {
                op: "member list",
                member: "(none serving)".to_string(),
                message: "no member serves clients".to_string(),
            })?;
        let client = self.client(i)?;
        let name = self.members[i].name.clone();
        let resp = self
            .runtime
            .block_on(async move {
                let mut c = client;
                tokio::time::timeout(Duration::from_secs(2), c.member_list()).await
            })
            .map_err(|_| "context deadline exceeded".to_string())
            .and_then(|r| r.map_err(|e| e.to_string()))
            .map_err(|message| BackendError::Client {
                op: "member list",
                member: name,
                message,
            })?;
        let mut member_ids: Vec<u64> = resp.members().iter().map(|m| m.id()).collect();
        member_ids.sort_unstable();
        Ok(Ids {
            cluster_id: resp.header().map(|h| h.cluster_id()).unwrap_or(0),
            member_ids,
        })
    }
}

fn exit_detail(m: &mut RealMember) -> String {
    let status = m
        .process
        .as_ref()
        .and_then(ChildGuard::exit_status)
        .map(|s| s.to_string())
        .unwrap_or_else(|| "exited".to_string());
    let msg = fatal_message(&std::fs::read_to_string(&m.log).unwrap_or_default());
    format!("{status}: {}", msg.unwrap_or_else(|| log_tail(&m.log, 3)))
}

/// The `msg` (and `error`, if any) of the last fatal or panic line of an etcd zap log.
pub(crate) fn fatal_message(log: &str) -> Option<String> {
    let line = log
        .lines()
        .rev()
        .find(|l| l.contains("\"level\":\"fatal\"") || l.contains("\"level\":\"panic\""))?;
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    let msg = value.get("msg")?.as_str()?.to_string();
    Some(match value.get("error").and_then(|e| e.as_str()) {
        Some(e) => format!("{msg}: {e}"),
        None => msg,
    })
}

/// `etcdctl snapshot restore FILE --data-dir … --name … --initial-cluster …
/// --initial-cluster-token … --initial-advertise-peer-urls …` (ETCDCTL_API=3), arguments passed
/// as such, never through a shell. On failure, `message` is etcdctl's `Error:` line without the
/// prefix. etcd 3.4.23's messages, observed:
///
/// * truncated file (size no longer 32 past a multiple of 512):
///   `snapshot missing hash but --skip-hash-check=false`
/// * `member/snap/db` copied (no hash): the same `snapshot missing hash but --skip-hash-check=false`
/// * hash present but wrong (corrupted body, or truncated at 512·k+32 bytes):
///   `expected sha256 [194 6 …], got [194 6 …]` (Go's `%v` of the two byte arrays)
/// * empty file: `seek FILE: invalid argument`
/// * missing file: `open FILE: no such file or directory`
/// * the data dir exists (even empty): `data-dir "DIR" exists`
///
/// A failed restore that got past the data-dir check leaves `DIR/member/snap/db` behind, so
/// the same command run again fails with `data-dir "DIR" exists`.
pub fn etcdctl_snapshot_restore(
    bins: &EtcdBinaries,
    snapshot: &Path,
    data_dir: &Path,
    name: &str,
    initial_cluster: &str,
    token: &str,
    peer_url: &str,
) -> Result<(), BackendError> {
    let args: Vec<String> = vec![
        "snapshot".into(),
        "restore".into(),
        snapshot.display().to_string(),
        "--data-dir".into(),
        data_dir.display().to_string(),
        "--name".into(),
        name.into(),
        "--initial-cluster".into(),
        initial_cluster.into(),
        "--initial-cluster-token".into(),
        token.into(),
        "--initial-advertise-peer-urls".into(),
        peer_url.into(),
    ];
    etcdctl(bins, &args).map(|_| ())
}

/// `etcdctl --endpoints URL snapshot save FILE`, for comparison with [`RealCluster::snapshot`].
pub fn etcdctl_snapshot_save(bins: &EtcdBinaries, endpoint: &str, file: &Path) -> Result<(), BackendError> {
    let args: Vec<String> = vec![
        "--endpoints".into(),
        endpoint.into(),
        "snapshot".into(),
        "save".into(),
        file.display().to_string(),
    ];
    etcdctl(bins, &args).map(|_| ())
}

/// Runs `etcdctl ARGS…` with `ETCDCTL_API=3` (no shell); stdout on success.
pub fn etcdctl(bins: &EtcdBinaries, args: &[String]) -> Result<String, BackendError> {
    let out = Command::new(&bins.etcdctl)
        .args(args)
        .env("ETCDCTL_API", "3")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| BackendError::Io(format!("running {}: {e}", bins.etcdctl.display())))?;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    let message = stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("Error: "))
        .map(str::to_string)
        .unwrap_or_else(|| format!("{} (no Error: line)", out.status));
    // The command past `--endpoints URL`: which call failed matters more than where.
    let verb = match args.first().map(String::as_str) {
        Some("--endpoints") => 2.min(args.len()),
        _ => 0,
    };
    Err(BackendError::Etcdctl {
        command: args[verb..].iter().take(3).cloned().collect::<Vec<_>>().join(" "),
        message,
        stderr,
    })
}

impl RealCluster {
    /// The client URL of member `i`.
    pub fn client_url(&self, i: usize) -> &str {
        &self.members[i].client_url
    }

    /// Process IDs of the members that run, to check from outside that they are gone.
    pub fn pids(&mut self) -> Vec<u32> {
        self.members
            .iter_mut()
            .filter_map(|m| {
                if m.alive() {
                    m.process.as_ref().map(ChildGuard::id)
                } else {
                    None
                }
            })
            .collect()
    }
}
