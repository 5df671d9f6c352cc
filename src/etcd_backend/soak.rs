//! The real-etcd soak: cycles of writes, a snapshot, a member killed with writes in flight, and
//! a recovery — restart, member replacement, or a restore of the whole cluster from the
//! cycle's snapshot — on a real cluster and on the simulator's model side by side.
//!
//! After every cycle it checks, on the real cluster, that no acknowledged write is lost beyond
//! the snapshot's recovery point (a restore keeps exactly what was acknowledged before its
//! snapshot; any other recovery keeps every acknowledged write), that nothing appears that was
//! never written, and that the model predicted the same outcomes: every write committed on one
//! side committed on the other, and the observations (quorum, leader, members, running, keys,
//! revision) agree after the kill and after the recovery.
//!
//! The recovery point of a snapshot is what its member had applied when the stream started: a
//! follower can lag behind writes the leader has acknowledged (the first 1,000-cycle run found
//! one such write missing after a restore), so the soak reads through the member before
//! streaming from it, as an operator would check the member's revision first.
//!
//! A write "in flight" is an `etcdctl put` process started just before the kill. Those acked
//! are applied to the model before its kill; those not acked may or may not have committed
//! (the client lost the answer), so the real cluster is asked and the model follows it.

use super::BackendError;
use super::cluster::{ClusterOptions, RealCluster, etcdctl};
use super::diff::{Disagreement, compare, describe};
use super::process::EtcdBinaries;
use kubedrill_sim::etcd::model::{EtcdModel, MemberState};
use kubedrill_sim::rng::{Seed, SimRng};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What a soak runs.
#[derive(Clone, Debug)]
pub struct SoakOptions {
    pub cycles: u32,
    pub members: usize,
    pub seed: u64,
    /// Synchronous writes per cycle before the snapshot, and again after it.
    pub writes: u32,
    /// `etcdctl put` processes in flight when the member is killed.
    pub in_flight: u32,
}

impl SoakOptions {
    pub fn new(cycles: u32, members: usize, seed: u64) -> Self {
        Self {
            cycles,
            members,
            seed,
            writes: 4,
            in_flight: 3,
        }
    }
}

/// How a cycle brought the killed member back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recovery {
    /// The member restarted on its data.
    Restart,
    /// The member's data dir wiped, the member removed and added again, and started empty.
    Replace,
    /// Every member restored from the cycle's snapshot (a new cluster).
    Restore,
}

impl fmt::Display for Recovery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Restart => "restart",
            Self::Replace => "replace",
            Self::Restore => "restore",
        })
    }
}

/// One cycle's result.
#[derive(Clone, Debug)]
pub struct CycleReport {
    pub cycle: u32,
    pub victim: String,
    pub recovery: Recovery,
    /// Writes acknowledged this cycle (synchronous and in flight).
    pub acked: usize,
    /// Acknowledged writes the cluster no longer has (beyond the recovery point).
    pub lost: Vec<String>,
    /// Keys the cluster has that it should not (never acknowledged before a restore's
    /// snapshot, or never written).
    pub unexpected: Vec<String>,
    /// Where the model and the real cluster differ.
    pub disagreements: Vec<String>,
    pub real: String,
    pub elapsed: Duration,
}

impl CycleReport {
    pub fn ok(&self) -> bool {
        self.lost.is_empty() && self.unexpected.is_empty() && self.disagreements.is_empty()
    }
}

impl fmt::Display for CycleReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cycle {}: kill {} with {} acked writes, {} — {} ({:.1} s)",
            self.cycle,
            self.victim,
            self.acked,
            self.recovery,
            if self.ok() { "ok" } else { "FAILED" },
            self.elapsed.as_secs_f64()
        )?;
        for k in &self.lost {
            write!(f, "\n  lost acknowledged write {k}")?;
        }
        for k in &self.unexpected {
            write!(f, "\n  unexpected key {k}")?;
        }
        for d in &self.disagreements {
            write!(f, "\n  model and real etcd differ: {d}")?;
        }
        Ok(())
    }
}

/// A whole soak's result.
#[derive(Clone, Debug, Default)]
pub struct SoakSummary {
    pub cycles: u32,
    pub failed: u32,
    pub acked: usize,
    pub restarts: u32,
    pub replacements: u32,
    pub restores: u32,
    pub elapsed: Duration,
}

impl fmt::Display for SoakSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} cycles ({} restarts, {} replacements, {} restores), {} acknowledged writes, {} failed cycles, {:.0} s",
            self.cycles,
            self.restarts,
            self.replacements,
            self.restores,
            self.acked,
            self.failed,
            self.elapsed.as_secs_f64()
        )
    }
}

/// The keys a cycle's checks expect.
#[derive(Default)]
struct Ledger {
    /// Acknowledged and not given up by a restore.
    acked: BTreeSet<String>,
    /// Written without an answer: may or may not be there.
    unsure: BTreeSet<String>,
}

struct Soak {
    model: EtcdModel,
    real: RealCluster,
    bins: EtcdBinaries,
    rng: SimRng,
    ledger: Ledger,
    restores: u32,
    values: BTreeMap<String, String>,
    /// The Unix second when the last `member add` was answered.
    last_add_unix_s: u64,
}

/// Runs the soak; `on_cycle` sees each cycle's report as it ends.
pub fn run(
    bins: EtcdBinaries,
    opts: &SoakOptions,
    mut on_cycle: impl FnMut(&CycleReport),
) -> Result<SoakSummary, BackendError> {
    let started = Instant::now();
    let version = bins.version.clone();
    let real = RealCluster::start(bins.clone(), ClusterOptions::with_members(opts.members))?;
    let model = EtcdModel::bootstrap(&real.specs(), real.token(), version);
    let mut soak = Soak {
        model,
        real,
        bins,
        rng: SimRng::new(Seed(opts.seed)),
        ledger: Ledger::default(),
        restores: 0,
        values: BTreeMap::new(),
        last_add_unix_s: 0,
    };
    let mut summary = SoakSummary::default();
    for cycle in 1..=opts.cycles {
        let report = soak.cycle(cycle, opts)?;
        summary.cycles += 1;
        summary.acked += report.acked;
        summary.failed += u32::from(!report.ok());
        match report.recovery {
            Recovery::Restart => summary.restarts += 1,
            Recovery::Replace => summary.replacements += 1,
            Recovery::Restore => summary.restores += 1,
        }
        on_cycle(&report);
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// A membership change through etcdctl. etcd's strict reconfiguration check refuses one
/// (`etcdserver: unhealthy cluster`) until the members have been connected for its health
/// interval (5 s), as after a restart: an operator retries, and so does the soak (the model
/// has no such window).
fn reconfigure(bins: &EtcdBinaries, args: &[String]) -> Result<String, BackendError> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match etcdctl(bins, args) {
            Err(BackendError::Etcdctl { message, .. })
                if message.contains("unhealthy cluster") && Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(250));
            }
            other => return other,
        }
    }
}

fn unix_s() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Soak {
    fn cycle(&mut self, cycle: u32, opts: &SoakOptions) -> Result<CycleReport, BackendError> {
        let started = Instant::now();
        let n = opts.members;
        let mut disagreements = Vec::new();
        let mut acked = 0;
        // Writes, then a snapshot of what was acknowledged so far.
        for j in 0..opts.writes {
            acked += usize::from(self.put_both(&format!("soak/c{cycle:05}/a{j}"), &mut disagreements));
        }
        let source = self.rng.below(n as u64) as usize;
        let path = self.real.dir().join(format!("cycle-{cycle}.db"));
        // A snapshot holds what its member has applied when the stream starts, and a follower
        // may not have applied the last writes the leader acknowledged (the first long soak
        // lost one that way). A linearizable read through the member first waits until it has
        // caught up; the model assumes a member that has.
        self.read_through(source)?;
        let sim_snapshot = self.model.snapshot(self.model_index(source));
        let real_snapshot = self.real.snapshot(source, &path);
        let snapshot = match (sim_snapshot, real_snapshot) {
            (Ok(s), Ok(_)) => Some(s),
            (s, r) => {
                disagreements.push(format!(
                    "snapshot from {}: sim {:?}, real {:?}",
                    self.real.name(source),
                    s.map(|_| "saved"),
                    r.map(|_| "saved")
                ));
                None
            }
        };
        let before_snapshot = self.ledger.acked.clone();
        for j in 0..opts.writes {
            acked += usize::from(self.put_both(&format!("soak/c{cycle:05}/b{j}"), &mut disagreements));
        }
        // A member killed while writes are in flight through another one (or itself, alone).
        let victim = self.rng.below(n as u64) as usize;
        let through = if n == 1 { 0 } else { (victim + 1) % n };
        acked += self.kill_with_writes_in_flight(cycle, victim, through, opts.in_flight);
        disagreements.extend(self.compare("after the kill")?);
        let recovery = match (n, self.rng.below(3), &snapshot) {
            (_, 0, Some(_)) => Recovery::Restore,
            (3.., 1, _) => Recovery::Replace,
            _ => Recovery::Restart,
        };
        match recovery {
            Recovery::Restart => {
                let sim = self.model.recover(self.model_index(victim));
                let real = self.real.recover(victim);
                if sim.is_ok() != real.is_ok() {
                    disagreements.push(format!("restart: sim {sim:?}, real {real:?}"));
                }
            }
            Recovery::Replace => self.replace(victim, &mut disagreements)?,
            Recovery::Restore => {
                let snap = snapshot.expect("a restore has its snapshot");
                self.restores += 1;
                let token = format!("kubedrill-soak-{}", self.restores);
                self.real.restore(&path, &token)?;
                self.model = EtcdModel::restore(&snap, &self.real.specs(), &token, self.model.version.clone());
                // The recovery point: what was acknowledged before the snapshot, no more.
                self.ledger.acked = before_snapshot;
                self.ledger.unsure.clear();
            }
        }
        let _ = std::fs::remove_file(&path);
        let (lost, unexpected) = self.check_data()?;
        disagreements.extend(self.compare_settled("after the recovery")?);
        let real = describe(&self.real.observe()?.observation, true);
        Ok(CycleReport {
            cycle,
            victim: self.real.name(victim).to_string(),
            recovery,
            acked,
            lost,
            unexpected,
            disagreements,
            real,
            elapsed: started.elapsed(),
        })
    }

    /// The model's index of real member `i` (replacement reorders the model's members).
    fn model_index(&self, i: usize) -> usize {
        let name = self.real.name(i);
        self.model.member_by_name(name).unwrap_or(i)
    }

    /// A synchronous write on both; whether it was acknowledged (by the real cluster).
    fn put_both(&mut self, key: &str, disagreements: &mut Vec<String>) -> bool {
        let value = format!("v-{key}");
        let sim = self.model.put(key, &value);
        let real = self.real.put(key, &value);
        match (&sim, &real) {
            (Ok(a), Ok(b)) if a != b => disagreements.push(format!("put {key}: sim revision {a}, real {b}")),
            (Ok(_), Err(_)) | (Err(_), Ok(_)) => {
                disagreements.push(format!("put {key}: sim {sim:?}, real {real:?}"));
            }
            _ => {}
        }
        if real.is_ok() {
            self.ledger.acked.insert(key.to_string());
            self.values.insert(key.to_string(), value);
        }
        real.is_ok()
    }

    /// Starts `count` `etcdctl put`s through member `through`, kills `victim` while they run,
    /// and settles both sides; returns how many were acknowledged.
    fn kill_with_writes_in_flight(&mut self, cycle: u32, victim: usize, through: usize, count: u32) -> usize {
        let url = self.real.client_url(through).to_string();
        let writes: Vec<(String, Child)> = (0..count)
            .filter_map(|j| {
                let key = format!("soak/c{cycle:05}/f{j}");
                Command::new(&self.bins.etcdctl)
                    .args([
                        "--endpoints",
                        &url,
                        "--command-timeout=3s",
                        "put",
                        &key,
                        &format!("v-{key}"),
                    ])
                    .env("ETCDCTL_API", "3")
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .ok()
                    .map(|c| (key, c))
            })
            .collect();
        // Let the requests leave before the kill.
        std::thread::sleep(Duration::from_millis(5));
        self.real.crash(victim);
        let mut acked = 0;
        for (key, mut child) in writes {
            let ok = child.wait().is_ok_and(|s| s.success());
            if ok {
                acked += 1;
                // The model takes the acknowledged ones before its own kill.
                let _ = self.model.put(&key, &format!("v-{key}"));
                self.ledger.acked.insert(key.clone());
            } else {
                self.ledger.unsure.insert(key.clone());
            }
            self.values.insert(key.clone(), format!("v-{key}"));
        }
        let victim = self.model_index(victim);
        self.model.crash(victim);
        acked
    }

    /// Replaces member `victim`: data wiped, removed, added again under its name and URL, and
    /// started empty to sync from the leader.
    fn replace(&mut self, victim: usize, disagreements: &mut Vec<String>) -> Result<(), BackendError> {
        let name = self.real.name(victim).to_string();
        let spec = self.real.specs()[victim].clone();
        let live = (0..self.real.len())
            .find(|&i| i != victim && self.real.member_state(i) == MemberState::Running)
            .ok_or_else(|| BackendError::Io("no live member to reconfigure through".to_string()))?;
        let endpoint = self.real.client_url(live).to_string();
        self.real.destroy(victim)?;
        // etcd 3.4 answers `member list` from the member's own applied state: one that has
        // not applied the last membership change (a member replaced a cycle ago, still
        // catching up) could name an ID the cluster has removed. A linearizable read first
        // waits until it has applied everything committed.
        self.read_through(live)?;
        let id = self.member_id(&endpoint, &name)?;
        reconfigure(
            &self.bins,
            &[
                "--endpoints".into(),
                endpoint.clone(),
                "member".into(),
                "remove".into(),
                format!("{id:x}"),
            ],
        )
        .map_err(|e| self.with_member_lists(e, &format!("removing {name} ({id:x}) through {endpoint}")))?;
        // etcd derives a new member's ID from its peer URLs and the Unix second of the add:
        // the same URL added again within the second it was last added gets the ID just
        // removed, and the add is refused (`member not found`: the ID is in the removed set).
        // The model gives each add its own second, as an operator takes longer than one.
        while unix_s() <= self.last_add_unix_s {
            std::thread::sleep(Duration::from_millis(50));
        }
        let added = reconfigure(
            &self.bins,
            &[
                "--endpoints".into(),
                endpoint,
                "member".into(),
                "add".into(),
                name.clone(),
                format!("--peer-urls={}", spec.peer_url),
            ],
        );
        // Taken after the answer: the add (retried while the cluster is unhealthy) happened
        // no later than this second.
        self.last_add_unix_s = unix_s();
        added?;
        let real = self.real.recover(victim);
        let mi = self.model_index(victim);
        self.model.destroy(mi);
        let model_id = self.model.members[mi].id;
        let sim = self
            .model
            .member_remove(model_id)
            .and_then(|()| {
                self.model
                    .member_add(&name, std::slice::from_ref(&spec.peer_url), false)
            })
            .and_then(|j| self.model.start_added(j, &name, &spec.client_url));
        if sim.is_ok() != real.is_ok() {
            disagreements.push(format!("replace {name}: sim {sim:?}, real {real:?}"));
        }
        Ok(())
    }

    /// A linearizable read through member `i`: it returns once `i` has applied every write
    /// acknowledged before it.
    fn read_through(&mut self, i: usize) -> Result<(), BackendError> {
        let url = self.real.client_url(i).to_string();
        etcdctl(
            &self.bins,
            &[
                "--endpoints".into(),
                url,
                "get".into(),
                "soak/".into(),
                "--prefix".into(),
                "--keys-only".into(),
                "--limit=1".into(),
            ],
        )
        .map(|_| ())
    }

    /// `e` with what every running member lists as members, for a membership change that
    /// failed.
    fn with_member_lists(&mut self, e: BackendError, doing: &str) -> BackendError {
        let mut text = format!("{doing}: {e}");
        for i in 0..self.real.len() {
            if self.real.member_state(i) != MemberState::Running {
                continue;
            }
            let url = self.real.client_url(i).to_string();
            let list = etcdctl(&self.bins, &["--endpoints".into(), url, "member".into(), "list".into()]);
            text.push_str(&format!(
                "\n  {} lists: {}",
                self.real.name(i),
                match list {
                    Ok(out) => out.trim_end().replace('\n', "; "),
                    Err(e) => e.to_string(),
                }
            ));
        }
        BackendError::Io(text)
    }

    /// The ID `member list` gives member `name`.
    fn member_id(&self, endpoint: &str, name: &str) -> Result<u64, BackendError> {
        let out = etcdctl(
            &self.bins,
            &["--endpoints".into(), endpoint.into(), "member".into(), "list".into()],
        )?;
        out.lines()
            .filter_map(|l| {
                let fields: Vec<&str> = l.split(", ").collect();
                (fields.get(2) == Some(&name)).then(|| u64::from_str_radix(fields[0], 16).ok())?
            })
            .next()
            .ok_or_else(|| BackendError::Io(format!("{name} is not in `member list`: {out}")))
    }

    /// Reads every soak key from the real cluster and holds them against the ledger; keys
    /// whose write was not answered are settled by what the cluster says, and the model
    /// follows.
    fn check_data(&mut self) -> Result<(Vec<String>, Vec<String>), BackendError> {
        let present = self.real_keys()?;
        let unsure = std::mem::take(&mut self.ledger.unsure);
        for key in unsure {
            if present.contains(&key) {
                let value = self.values.get(&key).cloned().unwrap_or_default();
                let _ = self.model.put(&key, &value);
                self.ledger.acked.insert(key);
            }
        }
        let lost: Vec<String> = self.ledger.acked.difference(&present).cloned().collect();
        let unexpected: Vec<String> = present.difference(&self.ledger.acked).cloned().collect();
        Ok((lost, unexpected))
    }

    /// The soak keys the real cluster has (a linearizable read through a running member).
    fn real_keys(&mut self) -> Result<BTreeSet<String>, BackendError> {
        let running: Vec<usize> = (0..self.real.len())
            .filter(|&i| self.real.member_state(i) == MemberState::Running)
            .collect();
        let endpoints: Vec<String> = running.iter().map(|&i| self.real.client_url(i).to_string()).collect();
        let out = etcdctl(
            &self.bins,
            &[
                "--endpoints".into(),
                endpoints.join(","),
                "get".into(),
                "soak/".into(),
                "--prefix".into(),
                "--keys-only".into(),
            ],
        )?;
        Ok(out.lines().filter(|l| !l.is_empty()).map(str::to_string).collect())
    }

    /// [`Self::compare`], giving a real cluster that is still electing a leader up to 10 s
    /// to finish (the model's elections are instant; a real one waits out its election
    /// timeout, longer on a loaded machine: two of a 1,000-cycle soak's replacements were
    /// observed mid-election). Any other disagreement is reported at once.
    fn compare_settled(&mut self, when: &str) -> Result<Vec<String>, BackendError> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found = self.compare(when)?;
            let electing = !found.is_empty() && found.iter().all(|d| d.contains("has_leader: sim=true real=false"));
            if !electing || Instant::now() >= deadline {
                return Ok(found);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn compare(&mut self, when: &str) -> Result<Vec<String>, BackendError> {
        let sim = self.model.observe();
        let real = self.real.observe()?;
        Ok(compare(&sim, &real, true)
            .into_iter()
            .map(|d: Disagreement| format!("{when}: {d}"))
            .collect())
    }
}
