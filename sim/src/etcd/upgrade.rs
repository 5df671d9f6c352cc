//! etcd's version rules (lab guide "etcd upgrade requirements", semantics §4.1): which binary may
//! start on which data, which member may join which cluster, and which version changes are a
//! supported path.
//!
//! Sources, all read from etcd-io/etcd at the tags named:
//! * the downgrade check `mustDetectDowngrade` (v2.2.0 `etcdserver/cluster_util.go`, v3.0.0–v3.3
//!   `etcdserver/membership/cluster.go`, v3.4.x `etcdserver/api/membership/cluster.go`, v3.5.x
//!   `server/etcdserver/api/membership/downgrade.go`, v3.6.0 `server/etcdserver/version/downgrade.go`);
//! * the join check `isCompatibleWithCluster` and each release's `MinClusterVersion`;
//! * `etcdctl downgrade` (v3.6.0 `etcdctl/ctlv3/command`, `api/v3rpc/rpctypes/error.go`);
//! * the upgrade/downgrade guides (etcd-io/website `upgrade_2_3.md`, `upgrade_3_0.md`,
//!   `downgrade_3_5.md`, `downgrade_3_6.md`).
//!
//! Cluster versions are `(major, minor)`: etcd keeps only those two (it shows `3.5.0`).

use super::version::EtcdVersion;
use std::fmt;

/// The cluster version of running members: the lowest major.minor among them (the leader only
/// raises it once every member runs the newer minor).
pub fn cluster_version(members: &[EtcdVersion]) -> Option<(u32, u32)> {
    members.iter().map(EtcdVersion::minor_key).min()
}

/// How `/version` (`etcdcluster`) and `endpoint status` print a cluster version: `3.5.0`.
pub fn cluster_version_text((major, minor): (u32, u32)) -> String {
    format!("{major}.{minor}.0")
}

/// How etcd's own messages print a cluster version (Go `version.Cluster`): `3.5`.
fn short((major, minor): (u32, u32)) -> String {
    format!("{major}.{minor}")
}

/// The minor that follows `v` in etcd's release line: 2.3 was the last 2.x and 3.0 follows it.
pub fn next_minor(v: (u32, u32)) -> (u32, u32) {
    if v == (2, 3) {
        (3, 0)
    } else {
        (v.0, v.1.saturating_add(1))
    }
}

fn previous_minor(v: (u32, u32)) -> Option<(u32, u32)> {
    match v {
        (3, 0) => Some((2, 3)),
        (major, minor) => minor.checked_sub(1).map(|m| (major, m)),
    }
}

/// The release line we know the steps of: 2.0–2.3, then 3.x.
fn known_minor(v: (u32, u32)) -> bool {
    v.0 == 3 || (v.0 == 2 && v.1 <= 3)
}

/// `version.MinClusterVersion` of a binary: the lowest cluster version it joins or talks raft
/// with. 2.1: 2.0.0, 2.2: 2.1.0, 2.3: 2.2.0, 3.0: 2.3.0, every later 3.x: 3.0.0 (v3.6.0 still).
fn min_cluster_version(binary: (u32, u32)) -> (u32, u32) {
    match binary {
        (3, 0) => (2, 3),
        (3, _) => (3, 0),
        (2, minor) => (2, minor.saturating_sub(1)),
        // Not a release line we model; treat it as talking only to itself.
        other => other,
    }
}

/// What is on a member's disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataDirState {
    Empty,
    /// Data whose recorded cluster version is this (etcd 2.x keeps it in the v2 store, 3.x in
    /// the backend too). It is the highest version the cluster ever agreed on while writing it.
    Written {
        cluster_version: (u32, u32),
    },
}

impl DataDirState {
    pub fn version(&self) -> Option<(u32, u32)> {
        match self {
            Self::Empty => None,
            Self::Written { cluster_version } => Some(*cluster_version),
        }
    }
}

impl From<Option<(u32, u32)>> for DataDirState {
    fn from(v: Option<(u32, u32)>) -> Self {
        v.map_or(Self::Empty, |cluster_version| Self::Written { cluster_version })
    }
}

/// etcd's two loggers. 2.x–3.3 have only capnslog; 3.4 has both and defaults to capnslog
/// (`--logger 'capnslog'` in its help, and kubeadm's manifests do not set it); 3.5+ only zap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Logger {
    Capnslog,
    Zap,
}

impl Logger {
    /// The logger `binary` actually uses when asked for `requested` (None = its default).
    pub fn effective(binary: &EtcdVersion, requested: Option<Logger>) -> Logger {
        match binary.minor_key() {
            (3, 4) => requested.unwrap_or(Logger::Capnslog),
            (3, minor) if minor >= 5 => Logger::Zap,
            (major, _) if major > 3 => Logger::Zap,
            _ => Logger::Capnslog,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLevel {
    Warning,
    Error,
    /// capnslog `C` (critical) then exit 1, or zap `fatal`.
    Fatal,
    /// zap `panic`: 3.6 panics where 3.5 exited.
    Panic,
}

/// One line etcd logs, for the caller to format as capnslog text or zap JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    pub logger: Logger,
    pub level: LogLevel,
    /// capnslog's package tag (`etcdserver/membership`); zap prints a caller instead.
    pub package: Option<&'static str>,
    pub msg: String,
    /// zap's fields in etcd's order; capnslog carries the values inside `msg`.
    pub fields: Vec<(&'static str, String)>,
}

/// Flags of a member start that change the rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StartFlags {
    /// `--next-cluster-version-compatible`, 3.4.31+ only: 3.4.31 starts on 3.5 data with it,
    /// 3.4.32 also joins a running 3.5 cluster and lets the cluster version drop to 3.4
    /// (CHANGELOG-3.4: v3.4.31 "Add `next-cluster-version-compatible` flag", v3.4.32 "Allow new
    /// server to join 3.5 cluster", "Allow updating the cluster version when downgrading from 3.5").
    pub next_cluster_version_compatible: bool,
    /// `--logger`; None = the binary's default.
    pub logger: Option<Logger>,
}

const NEXT_COMPAT_FLAG: &str = "next-cluster-version-compatible";

/// A member that starts, with what the caller should know about the state it starts into.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartOk {
    /// The cluster version once this member runs, assuming the other running members keep their
    /// binaries (`cluster_version` over all members decides later raises).
    pub cluster_version: (u32, u32),
    pub notes: Vec<StartNote>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StartNote {
    /// The member runs alone on older data; as leader it raises the cluster version. etcd logs
    /// `updated the cluster version from 2.2 to 2.3` (capnslog, 2.x–3.3) or zap `updated cluster
    /// version` with `from`/`to`.
    ClusterVersionRaised { from: (u32, u32), to: (u32, u32) },
    /// The member is newer than the cluster, which keeps its version ("operates with the protocol
    /// of the lowest common version") until every member runs `binary`.
    ClusterBehind { cluster: (u32, u32), binary: (u32, u32) },
    /// More than one minor above the data or cluster it starts into. etcd's version checks let it
    /// through (a lone 2.3 on 2.1 data starts and raises the cluster version from 2.1 to 2.3
    /// directly; 3.6's schema check on 3.4 data only warns `Failed to detect storage schema
    /// version. Please wait till wal snapshot before upgrading cluster.`), but it is unsupported
    /// ("will likely fail"): what breaks later is unconfirmed.
    SkippedMinor { from: (u32, u32), binary: (u32, u32) },
    /// Running peers are below this binary's minimum cluster version: the member starts, but its
    /// rafthttp refuses their messages (`request version incompatibility (remote version is too
    /// low: remote[<id>]=2.1.0, local=2.3.0)`, v2.3.0 `rafthttp/util.go`), so it cannot take part
    /// in raft with them.
    PeersTooOld { running: (u32, u32), minimum: (u32, u32) },
    /// 2.0/2.1 binaries have no downgrade check (it arrived in 2.2): they start on newer data.
    /// What they then do with it is unconfirmed.
    DowngradeNotDetected { data: (u32, u32), binary: (u32, u32) },
    /// A 3.4.31+ member with `--next-cluster-version-compatible` on 3.5 data or in a 3.5
    /// cluster. From 3.4.32 the cluster version drops to 3.4 as soon as it runs
    /// (downgrade_3_5.md shows `updated cluster version` from 3.5 to 3.4); 3.4.31 cannot lower it.
    NextClusterVersionCompatible {
        cluster: (u32, u32),
        lowered_to: Option<(u32, u32)>,
    },
}

/// Why etcd refuses to start or join. Display is the error text etcd produces; `log` gives the
/// lines it logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StartRefused {
    /// `mustDetectDowngrade`: the binary's minor is below the cluster version recorded in its data
    /// or applied from the running cluster's log.
    InvalidDowngrade {
        server: EtcdVersion,
        cluster: (u32, u32),
        logger: Logger,
    },
    /// `isCompatibleWithCluster` when joining with an empty data dir: the running cluster version
    /// is outside [MinClusterVersion, binary's minor].
    IncompatibleWithCluster {
        server: EtcdVersion,
        running: (u32, u32),
        min: (u32, u32),
        max: (u32, u32),
        logger: Logger,
    },
    /// A flag this binary does not define (Go `flag` package wording).
    UnknownFlag {
        server: EtcdVersion,
        flag: &'static str,
        logger: Logger,
    },
}

impl StartRefused {
    /// What etcd logs, in order; the last entry is the fatal one.
    pub fn log(&self) -> Vec<LogEntry> {
        match self {
            Self::InvalidDowngrade {
                server,
                cluster,
                logger,
            } => vec![invalid_downgrade_entry(server, *cluster, *logger)],
            Self::IncompatibleWithCluster {
                server,
                running,
                min,
                max,
                logger,
            } => {
                let too_low = running < min;
                // 3.4 and 3.5 name the minimum even in the "too high" line; 3.6 names the maximum.
                let bound = if too_low || server.minor_key() < (3, 6) {
                    ("minimum-cluster-version-supported", cluster_version_text(*min))
                } else {
                    ("maximum-cluster-version-supported", cluster_version_text(*max))
                };
                let warning = match logger {
                    Logger::Capnslog => LogEntry {
                        logger: Logger::Capnslog,
                        level: LogLevel::Warning,
                        package: Some("etcdserver"),
                        msg: if too_low {
                            format!(
                                "the running cluster version({}) is lower than the minimal cluster version({}) supported",
                                cluster_version_text(*running),
                                cluster_version_text(*min)
                            )
                        } else {
                            format!(
                                "the running cluster version({}) is higher than the maximum cluster version({}) supported",
                                cluster_version_text(*running),
                                cluster_version_text(*max)
                            )
                        },
                        fields: vec![],
                    },
                    Logger::Zap => LogEntry {
                        logger: Logger::Zap,
                        level: LogLevel::Warning,
                        package: None,
                        msg: format!(
                            "cluster version of remote member is not compatible; {}",
                            if too_low { "too low" } else { "too high" }
                        ),
                        fields: vec![("remote-member-cluster-version", cluster_version_text(*running)), bound],
                    },
                };
                let fatal = match logger {
                    Logger::Capnslog => LogEntry {
                        logger: Logger::Capnslog,
                        level: LogLevel::Fatal,
                        package: Some("etcdmain"),
                        msg: self.to_string(),
                        fields: vec![],
                    },
                    Logger::Zap => LogEntry {
                        logger: Logger::Zap,
                        level: LogLevel::Fatal,
                        package: None,
                        msg: "discovery failed".to_string(),
                        fields: vec![("error", self.to_string())],
                    },
                };
                vec![warning, fatal]
            }
            Self::UnknownFlag { logger, .. } => vec![match logger {
                Logger::Capnslog => LogEntry {
                    logger: Logger::Capnslog,
                    level: LogLevel::Error,
                    package: Some("etcdmain"),
                    msg: format!("error verifying flags, {self}. See 'etcd --help'."),
                    fields: vec![],
                },
                Logger::Zap => LogEntry {
                    logger: Logger::Zap,
                    level: LogLevel::Warning,
                    package: None,
                    msg: "failed to verify flags".to_string(),
                    fields: vec![("error", self.to_string())],
                },
            }],
        }
    }
}

impl fmt::Display for StartRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidDowngrade {
                server,
                cluster,
                logger,
            } => f.write_str(&invalid_downgrade_entry(server, *cluster, *logger).msg),
            // etcd 2.1–2.3 spelt it "incomptible" (v2.3.8 etcdserver/server.go); 3.0 fixed it.
            Self::IncompatibleWithCluster { server, .. } if server.major < 3 => {
                f.write_str("incomptible with current running cluster")
            }
            Self::IncompatibleWithCluster { .. } => f.write_str("incompatible with current running cluster"),
            Self::UnknownFlag { flag, .. } => write!(f, "flag provided but not defined: -{flag}"),
        }
    }
}

impl std::error::Error for StartRefused {}

/// The fatal line of `mustDetectDowngrade`, whose wording changed three times.
fn invalid_downgrade_entry(server: &EtcdVersion, cluster: (u32, u32), logger: Logger) -> LogEntry {
    let cv = short(cluster);
    let b = server.minor_key();
    let zap_fields = |server_text: String| {
        vec![
            ("current-server-version", server_text),
            ("determined-cluster-version", cv.clone()),
        ]
    };
    // v3.4.31 moved the check into detectDowngrade, whose error text both loggers print.
    if b == (3, 4) && server.patch >= 31 {
        let msg =
            format!("invalid downgrade; (current version: {server} is lower than determined cluster version: {cv}).");
        return match logger {
            Logger::Capnslog => LogEntry {
                logger,
                level: LogLevel::Fatal,
                package: Some("etcdserver/membership"),
                msg,
                fields: vec![],
            },
            Logger::Zap => LogEntry {
                logger,
                level: LogLevel::Fatal,
                package: None,
                msg,
                fields: zap_fields(server.to_string()),
            },
        };
    }
    let zap_msg = "invalid downgrade; server version is lower than determined cluster version".to_string();
    match logger {
        // 3.6 logs the server version cut to major.minor (`sv.String()` after dropping the patch).
        Logger::Zap if b >= (3, 6) => LogEntry {
            logger,
            level: LogLevel::Panic,
            package: None,
            msg: zap_msg,
            fields: zap_fields(cluster_version_text(b)),
        },
        Logger::Zap => LogEntry {
            logger,
            level: LogLevel::Fatal,
            package: None,
            msg: zap_msg,
            fields: zap_fields(server.to_string()),
        },
        Logger::Capnslog => LogEntry {
            logger,
            level: LogLevel::Fatal,
            package: Some(match b {
                (2, _) => "etcdserver",
                (3, 4) => "etcdserver/membership",
                _ => "membership",
            }),
            msg: format!(
                "cluster cannot be downgraded (current version: {server} is lower than determined cluster version: {cv})."
            ),
            fields: vec![],
        },
    }
}

/// `start_member_with` without flags.
pub fn start_member(
    binary: &EtcdVersion,
    data: &DataDirState,
    running_cluster: Option<(u32, u32)>,
) -> Result<StartOk, StartRefused> {
    start_member_with(binary, data, running_cluster, &StartFlags::default())
}

/// Starts a member running `binary` (an image tag is fine: its `-0` revision is not part of the
/// version etcd reports) on `data`, while the other running members hold `running_cluster`
/// (None: no other member runs, e.g. a single-member cluster or a new one).
///
/// An empty data dir with a running cluster is a join (`--initial-cluster-state existing`);
/// data on disk is a restart, which catches up on the cluster's log and so also meets the
/// running cluster's version.
pub fn start_member_with(
    binary: &EtcdVersion,
    data: &DataDirState,
    running_cluster: Option<(u32, u32)>,
    flags: &StartFlags,
) -> Result<StartOk, StartRefused> {
    let server = binary.binary_version();
    let b = binary.minor_key();
    let logger = Logger::effective(binary, flags.logger);
    let knows_next_compat = b == (3, 4) && binary.patch >= 31;
    if flags.next_cluster_version_compatible && !knows_next_compat {
        return Err(StartRefused::UnknownFlag {
            server,
            flag: NEXT_COMPAT_FLAG,
            logger,
        });
    }
    let next_compat = flags.next_cluster_version_compatible;
    let can_lower = next_compat && binary.patch >= 32;
    let min = min_cluster_version(b);
    let mut notes = Vec::new();
    let skipped =
        |from: (u32, u32)| (from < b && next_minor(from) != b).then_some(StartNote::SkippedMinor { from, binary: b });

    let Some(on_disk) = data.version() else {
        let Some(running) = running_cluster else {
            return Ok(StartOk {
                cluster_version: b,
                notes,
            });
        };
        let max = if can_lower { next_minor(b) } else { b };
        if running < min || running > max {
            return Err(StartRefused::IncompatibleWithCluster {
                server,
                running,
                min,
                max,
                logger,
            });
        }
        let cluster_version = if running > b {
            notes.push(StartNote::NextClusterVersionCompatible {
                cluster: running,
                lowered_to: Some(b),
            });
            b
        } else {
            if running < b {
                notes.push(StartNote::ClusterBehind {
                    cluster: running,
                    binary: b,
                });
            }
            notes.extend(skipped(running));
            running
        };
        return Ok(StartOk { cluster_version, notes });
    };

    let determined = running_cluster.map_or(on_disk, |r| r.max(on_disk));
    if determined > b {
        if next_compat && determined == next_minor(b) {
            let lowered_to = can_lower.then_some(b);
            notes.push(StartNote::NextClusterVersionCompatible {
                cluster: determined,
                lowered_to,
            });
            return Ok(StartOk {
                cluster_version: lowered_to.unwrap_or(determined),
                notes,
            });
        }
        if b < (2, 2) {
            notes.push(StartNote::DowngradeNotDetected {
                data: determined,
                binary: b,
            });
            return Ok(StartOk {
                cluster_version: determined,
                notes,
            });
        }
        return Err(StartRefused::InvalidDowngrade {
            server,
            cluster: determined,
            logger,
        });
    }
    let cluster_version = match running_cluster {
        None => {
            if on_disk < b {
                notes.push(StartNote::ClusterVersionRaised { from: on_disk, to: b });
            }
            notes.extend(skipped(on_disk));
            b
        }
        Some(running) => {
            if running < min {
                notes.push(StartNote::PeersTooOld { running, minimum: min });
            }
            if running < b {
                notes.push(StartNote::ClusterBehind {
                    cluster: running,
                    binary: b,
                });
            }
            notes.extend(skipped(running));
            running
        }
    };
    Ok(StartOk { cluster_version, notes })
}

/// A supported change of an etcd binary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathKind {
    /// The same binary; also when only kubeadm's image revision differs (`3.5.15-0` → `3.5.15`).
    Unchanged,
    /// "Within patch releases it is possible to upgrade and downgrade between arbitrary versions."
    PatchUpgrade,
    PatchDowngrade,
    /// One minor up, member by member; the cluster version follows when the last member runs it.
    MinorUpgrade {
        from: (u32, u32),
        to: (u32, u32),
    },
    /// 2.3 → 3.0 (upgrade_3_0.md: "the running cluster must be 2.3 or greater"). The binary swap
    /// is a rolling upgrade like any minor; the keys stay in the v2 store until they are migrated
    /// to v3 (`ETCDCTL_API=3 etcdctl migrate --data-dir=...`, then Kubernetes attached leases to
    /// TTL keys with `attachlease --ttl-keys-prefix /registry/events --lease-duration 1h`).
    V2ToV3,
    /// 3.5 → 3.4.32+: restart each member on 3.4 with `--next-cluster-version-compatible`
    /// (downgrade_3_5.md; not supported with auth enabled).
    RollingDowngrade {
        flag: &'static str,
    },
    /// 3.6+ → one minor down with `etcdctl downgrade` (downgrade_3_6.md).
    EtcdctlDowngrade(DowngradePlan),
    /// 3.0.x → 2.2.1 only with Kubernetes' custom rollback tool; see `super::rollback`.
    RollbackTool,
}

impl fmt::Display for PathKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unchanged => f.write_str("same etcd version"),
            Self::PatchUpgrade => f.write_str("patch upgrade: replace members one at a time"),
            Self::PatchDowngrade => f.write_str("patch downgrade: replace members one at a time"),
            Self::MinorUpgrade { from, to } => write!(
                f,
                "minor upgrade {} -> {}: replace members one at a time; the cluster version becomes {} when all run {}",
                short(*from),
                short(*to),
                cluster_version_text(*to),
                short(*to)
            ),
            Self::V2ToV3 => f.write_str(
                "upgrade 2.3 -> 3.0: replace members one at a time; data stays in the v2 store until migrated with `ETCDCTL_API=3 etcdctl migrate`",
            ),
            Self::RollingDowngrade { flag } => write!(
                f,
                "rolling downgrade 3.5 -> 3.4: restart each member with etcd 3.4.32+ and --{flag} (not with auth enabled)"
            ),
            Self::EtcdctlDowngrade(plan) => write!(
                f,
                "downgrade {} -> {}: run `{}`, then replace members one at a time, leader last",
                short(plan.cluster),
                short(plan.target),
                plan.enable_command()
            ),
            Self::RollbackTool => f.write_str(
                "rollback 3.0.x -> 2.2.1 with the Kubernetes rollback tool (only application/json data, resource versions are not preserved)",
            ),
        }
    }
}

/// An unsupported change. Display is ours, built on the lab guide's and etcd docs' wording.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathError {
    /// More than one minor up. `next` is the minor to start first, `last` the last one skipped.
    SkipsMinor {
        from: EtcdVersion,
        to: EtcdVersion,
        next: (u32, u32),
        last: (u32, u32),
    },
    /// A 2.x minor down: once the cluster version moved up, 2.2+ refuses the older binary.
    MinorDowngrade { from: EtcdVersion, to: EtcdVersion },
    /// A 3.x minor down without a documented procedure.
    NoGeneralRollback { from: EtcdVersion, to: EtcdVersion },
    /// 3.5 → 3.4 below 3.4.32 (downgrade_3_5.md: "The 3.4 version to downgrade to must be >= 3.4.32").
    DowngradeTargetTooOld { from: EtcdVersion, to: EtcdVersion },
    /// 3.x → 2.x other than 3.0.x → 2.2.1. Display is the line of Kubernetes'
    /// `cluster/images/etcd/migrate-if-needed.sh` (1.6–1.7 era).
    RollbackUnsupported { from: EtcdVersion, to: EtcdVersion },
    /// Outside etcd's 2.0–2.3, 3.x line.
    UnknownPath { from: EtcdVersion, to: EtcdVersion },
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SkipsMinor { from, to, next, last } => {
                let (fm, tm) = (short(from.minor_key()), short(to.minor_key()));
                write!(
                    f,
                    "cannot upgrade etcd {fm}.x to {tm}.y directly: upgrade only one minor release at a time. Start etcd {}.z, wait until the cluster is healthy, stop it",
                    short(*next)
                )?;
                if next == last {
                    write!(f, ", then start {tm}.y")
                } else {
                    write!(
                        f,
                        ", and repeat for each minor up to {}, then start {tm}.y",
                        short(*last)
                    )
                }
            }
            Self::MinorDowngrade { from, to } => write!(
                f,
                "cannot downgrade etcd {} to {}: once all members run {} the cluster version is {} and downgrade from this completed state is not possible; restore the data directory backed up before the upgrade",
                from,
                to,
                short(from.minor_key()),
                short(from.minor_key())
            ),
            Self::NoGeneralRollback { from, to } => {
                write!(
                    f,
                    "cannot downgrade etcd {from} to {to}: versions 3.0+ of etcd do not support general rollback; after migrating from {} to {} there is no way back except restoring a snapshot taken before the upgrade",
                    short(to.minor_key()),
                    short(from.minor_key())
                )?;
                let fm = from.minor_key();
                if fm >= (3, 6) {
                    write!(
                        f,
                        " (etcdctl downgrade goes one minor at a time: {} first)",
                        short((3, fm.1 - 1))
                    )?;
                } else if fm == (3, 5) {
                    f.write_str(" (3.5 rolls back only to 3.4.32+ with --next-cluster-version-compatible)")?;
                }
                f.write_str("; the custom rollback tool only goes from 3.0.x to 2.2.1")
            }
            Self::DowngradeTargetTooOld { from, to } => write!(
                f,
                "cannot downgrade etcd {from} to {to}: a rolling downgrade from 3.5 needs etcd 3.4.32 or later, started with --{NEXT_COMPAT_FLAG}"
            ),
            Self::RollbackUnsupported { .. } => {
                f.write_str("etcd3 -> etcd2 downgrade is supported only between 3.0.x and 2.2.1")
            }
            Self::UnknownPath { from, to } => write!(
                f,
                "no known upgrade path from etcd {from} to {to}: etcd releases go 2.0, 2.1, 2.2, 2.3, then 3.0, 3.1, ..."
            ),
        }
    }
}

impl std::error::Error for PathError {}

/// Whether going from the `from` binary to the `to` binary is a supported step, and which kind.
pub fn check_upgrade_path(from: &EtcdVersion, to: &EtcdVersion) -> Result<PathKind, PathError> {
    let (f, t) = (from.minor_key(), to.minor_key());
    let pair = || (from.clone(), to.clone());
    if f == t {
        let (a, b) = (from.binary_version(), to.binary_version());
        return Ok(match a.cmp(&b) {
            std::cmp::Ordering::Equal => PathKind::Unchanged,
            std::cmp::Ordering::Less => PathKind::PatchUpgrade,
            std::cmp::Ordering::Greater => PathKind::PatchDowngrade,
        });
    }
    if t > f {
        if !known_minor(f) || !known_minor(t) {
            let (from, to) = pair();
            return Err(PathError::UnknownPath { from, to });
        }
        let next = next_minor(f);
        if t == next {
            return Ok(if f == (2, 3) {
                PathKind::V2ToV3
            } else {
                PathKind::MinorUpgrade { from: f, to: t }
            });
        }
        let (from, to) = pair();
        return Err(PathError::SkipsMinor {
            from,
            to,
            next,
            last: previous_minor(t).unwrap_or(next),
        });
    }
    let (from_v, to_v) = pair();
    match (f.0, t.0) {
        (3, 2) if f == (3, 0) && to.binary_version() == EtcdVersion::new(2, 2, 1) => Ok(PathKind::RollbackTool),
        (3, 2) => Err(PathError::RollbackUnsupported { from: from_v, to: to_v }),
        (2, 2) if known_minor(f) => Err(PathError::MinorDowngrade { from: from_v, to: to_v }),
        (3, 3) if previous_minor(f) == Some(t) && f == (3, 5) => {
            if to.patch >= 32 {
                Ok(PathKind::RollingDowngrade { flag: NEXT_COMPAT_FLAG })
            } else {
                Err(PathError::DowngradeTargetTooOld { from: from_v, to: to_v })
            }
        }
        (3, 3) if previous_minor(f) == Some(t) && f >= (3, 6) => {
            Ok(PathKind::EtcdctlDowngrade(DowngradePlan { cluster: f, target: t }))
        }
        (3, 3) => Err(PathError::NoGeneralRollback { from: from_v, to: to_v }),
        _ => Err(PathError::UnknownPath { from: from_v, to: to_v }),
    }
}

/// A 3.6+ downgrade by `etcdctl downgrade`, as text the caller prints. The cluster version drops
/// to `target` right after `enable` (the storage version is migrated with it); then the members
/// get the older binary one at a time, leader last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DowngradePlan {
    pub cluster: (u32, u32),
    pub target: (u32, u32),
}

impl DowngradePlan {
    pub fn validate_command(&self) -> String {
        format!("etcdctl downgrade validate {}", short(self.target))
    }

    pub fn enable_command(&self) -> String {
        format!("etcdctl downgrade enable {}", short(self.target))
    }

    pub fn cancel_command(&self) -> String {
        "etcdctl downgrade cancel".to_string()
    }
}

/// What `etcdctl downgrade` is asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DowngradeAction {
    Validate(String),
    Enable(String),
    Cancel,
}

/// `etcdctl downgrade` errors from the server (v3.6.0 `api/v3rpc/rpctypes/error.go`); etcdctl
/// prints them after `Error: ` and exits 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DowngradeApiError {
    #[error("etcdserver: wrong downgrade target version format")]
    WrongFormat,
    #[error("etcdserver: invalid downgrade target version")]
    InvalidTarget,
    #[error("etcdserver: cluster has a downgrade job in progress")]
    InProgress,
}

/// A successful `etcdctl downgrade`: its stdout line, and what the server logged on the way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DowngradeReply {
    pub stdout: String,
    /// The new downgrade target after the call (None: no downgrade job).
    pub in_progress: Option<(u32, u32)>,
    pub server_log: Vec<LogEntry>,
}

/// Runs `etcdctl downgrade` against a 3.6+ cluster at `cluster`, with `in_progress` the target of
/// a running downgrade job.
///
/// The reply quotes the cluster version *before* any drop: the server answers with the cluster
/// version of the moment and the version monitor lowers it afterwards (semantics §4.1:
/// `Downgrade enable success, cluster version 3.6`).
pub fn etcdctl_downgrade(
    cluster: (u32, u32),
    in_progress: Option<(u32, u32)>,
    action: &DowngradeAction,
) -> Result<DowngradeReply, DowngradeApiError> {
    let reply = |verb: &str, in_progress| DowngradeReply {
        stdout: format!("Downgrade {verb} success, cluster version {}", short(cluster)),
        in_progress,
        server_log: vec![],
    };
    let validate = |target: &str| -> Result<(u32, u32), DowngradeApiError> {
        let target = downgrade_target(target).ok_or(DowngradeApiError::WrongFormat)?;
        // allowedDowngradeVersion: exactly one minor below the cluster version.
        if cluster.1.checked_sub(1).map(|m| (cluster.0, m)) != Some(target) {
            return Err(DowngradeApiError::InvalidTarget);
        }
        if in_progress.is_some() {
            return Err(DowngradeApiError::InProgress);
        }
        Ok(target)
    };
    match action {
        DowngradeAction::Validate(target) => validate(target).map(|_| reply("validate", in_progress)),
        DowngradeAction::Enable(target) => validate(target).map(|t| reply("enable", Some(t))),
        // downgradeCancel only logs a missing job and still answers success (v3.6.0–main
        // v3_server.go), so the "no inflight downgrade job" error never reaches etcdctl.
        DowngradeAction::Cancel => {
            let mut r = reply("cancel", None);
            if in_progress.is_none() {
                r.server_log.push(LogEntry {
                    logger: Logger::Zap,
                    level: LogLevel::Warning,
                    package: None,
                    msg: "failed to cancel downgrade".to_string(),
                    fields: vec![("error", "etcdserver: no inflight downgrade job".to_string())],
                });
            }
            Ok(r)
        }
    }
}

/// `convertToClusterVersion`: a semver version, or `MAJOR.MINOR` (tried again with `.0`).
fn downgrade_target(text: &str) -> Option<(u32, u32)> {
    // go-semver takes no leading `v`.
    if text.starts_with('v') {
        return None;
    }
    EtcdVersion::parse(text)
        .or_else(|_| EtcdVersion::parse(&format!("{text}.0")))
        .ok()
        .map(|v| v.minor_key())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v(s: &str) -> EtcdVersion {
        EtcdVersion::parse(s).unwrap()
    }

    fn data(major: u32, minor: u32) -> DataDirState {
        DataDirState::Written {
            cluster_version: (major, minor),
        }
    }

    fn next_compat() -> StartFlags {
        StartFlags {
            next_cluster_version_compatible: true,
            logger: None,
        }
    }

    #[test]
    fn cluster_version_is_the_lowest_minor() {
        assert_eq!(cluster_version(&[]), None);
        assert_eq!(
            cluster_version(&[v("3.5.15-0"), v("3.4.13"), v("3.5.21")]),
            Some((3, 4))
        );
        assert_eq!(cluster_version(&[v("3.6.4-0"), v("3.6.0")]), Some((3, 6)));
        assert_eq!(cluster_version_text((3, 5)), "3.5.0");
    }

    #[test]
    fn data_dir_state_from_option() {
        assert_eq!(DataDirState::from(None), DataDirState::Empty);
        assert_eq!(DataDirState::from(Some((3, 5))), data(3, 5));
        assert_eq!(data(2, 3).version(), Some((2, 3)));
    }

    #[test]
    fn patch_changes_start_freely() {
        for (bin, d) in [("3.5.9", (3, 5)), ("3.5.21-0", (3, 5)), ("2.2.1", (2, 2))] {
            let ok = start_member(&v(bin), &data(d.0, d.1), None).unwrap();
            assert_eq!(ok.cluster_version, d);
            assert!(ok.notes.is_empty(), "{bin}: {:?}", ok.notes);
        }
    }

    #[test]
    fn new_cluster_takes_the_binary_minor() {
        let ok = start_member(&v("3.5.15-0"), &DataDirState::Empty, None).unwrap();
        assert_eq!(ok.cluster_version, (3, 5));
    }

    #[test]
    fn one_minor_up_in_a_mixed_cluster_keeps_the_old_cluster_version() {
        let ok = start_member(&v("3.5.15"), &data(3, 4), Some((3, 4))).unwrap();
        assert_eq!(ok.cluster_version, (3, 4));
        assert_eq!(
            ok.notes,
            vec![StartNote::ClusterBehind {
                cluster: (3, 4),
                binary: (3, 5)
            }]
        );
        let alone = start_member(&v("3.5.15"), &data(3, 4), None).unwrap();
        assert_eq!(alone.cluster_version, (3, 5));
        assert_eq!(
            alone.notes,
            vec![StartNote::ClusterVersionRaised {
                from: (3, 4),
                to: (3, 5)
            }]
        );
    }

    #[test]
    fn old_member_of_a_mixed_cluster_can_go_back() {
        // Until the last member runs 3.5 the cluster version stays 3.4, so 3.4 still starts.
        let ok = start_member(&v("3.4.13"), &data(3, 4), Some((3, 4))).unwrap();
        assert_eq!(ok.cluster_version, (3, 4));
    }

    #[test]
    fn etcd_2_3_on_2_1_data_starts_but_skips_a_minor() {
        // v2.3.0 has no start-time check of older data: alone it raises 2.1 -> 2.3 directly.
        let alone = start_member(&v("2.3.7"), &data(2, 1), None).unwrap();
        assert_eq!(alone.cluster_version, (2, 3));
        assert_eq!(
            alone.notes,
            vec![
                StartNote::ClusterVersionRaised {
                    from: (2, 1),
                    to: (2, 3)
                },
                StartNote::SkippedMinor {
                    from: (2, 1),
                    binary: (2, 3)
                },
            ]
        );
        // Next to 2.1 peers its MinClusterVersion 2.2.0 makes rafthttp refuse them.
        let mixed = start_member(&v("2.3.7"), &data(2, 1), Some((2, 1))).unwrap();
        assert_eq!(mixed.cluster_version, (2, 1));
        assert!(mixed.notes.contains(&StartNote::PeersTooOld {
            running: (2, 1),
            minimum: (2, 2)
        }));
        assert!(mixed.notes.contains(&StartNote::SkippedMinor {
            from: (2, 1),
            binary: (2, 3)
        }));
    }

    #[test]
    fn joining_a_2_1_cluster_with_2_3_is_refused_with_etcds_typo() {
        let err = start_member(&v("2.3.7"), &DataDirState::Empty, Some((2, 1))).unwrap_err();
        assert_eq!(err.to_string(), "incomptible with current running cluster");
        let log = err.log();
        assert_eq!(
            log[0].msg,
            "the running cluster version(2.1.0) is lower than the minimal cluster version(2.2.0) supported"
        );
        assert_eq!((log[1].level, log[1].package), (LogLevel::Fatal, Some("etcdmain")));
    }

    #[test]
    fn joining_a_3_5_cluster_with_3_4_is_incompatible() {
        let err = start_member(&v("3.4.13-0"), &DataDirState::Empty, Some((3, 5))).unwrap_err();
        assert_eq!(err.to_string(), "incompatible with current running cluster");
        let log = err.log();
        assert_eq!(
            log[0].msg,
            "the running cluster version(3.5.0) is higher than the maximum cluster version(3.4.0) supported"
        );
        assert_eq!(log[1].msg, "incompatible with current running cluster");
        let zap = StartFlags {
            logger: Some(Logger::Zap),
            ..StartFlags::default()
        };
        let err = start_member_with(&v("3.4.13"), &DataDirState::Empty, Some((3, 5)), &zap).unwrap_err();
        let log = err.log();
        assert_eq!(
            log[0].msg,
            "cluster version of remote member is not compatible; too high"
        );
        assert_eq!(log[1].msg, "discovery failed");
        assert_eq!(
            log[1].fields,
            vec![("error", "incompatible with current running cluster".to_string())]
        );
    }

    #[test]
    fn joining_an_older_cluster_within_range_is_allowed() {
        let ok = start_member(&v("3.5.15"), &DataDirState::Empty, Some((3, 4))).unwrap();
        assert_eq!(ok.cluster_version, (3, 4));
        // 3.x's MinClusterVersion stays 3.0.0, so a skip is not refused on join either.
        let skip = start_member(&v("3.6.4"), &DataDirState::Empty, Some((3, 4))).unwrap();
        assert!(skip.notes.contains(&StartNote::SkippedMinor {
            from: (3, 4),
            binary: (3, 6)
        }));
        let err = start_member(&v("3.6.4"), &DataDirState::Empty, Some((2, 3))).unwrap_err();
        assert_eq!(
            err.log()[0].msg,
            "cluster version of remote member is not compatible; too low"
        );
        assert_eq!(
            err.log()[0].fields[1],
            ("minimum-cluster-version-supported", "3.0.0".to_string())
        );
    }

    #[test]
    fn too_high_names_the_bound_per_release() {
        let zap = StartFlags {
            logger: Some(Logger::Zap),
            ..StartFlags::default()
        };
        let err = start_member_with(&v("3.5.15"), &DataDirState::Empty, Some((3, 6)), &zap).unwrap_err();
        assert_eq!(
            err.log()[0].fields[1],
            ("minimum-cluster-version-supported", "3.0.0".to_string())
        );
        let err = start_member(&v("3.6.4"), &DataDirState::Empty, Some((3, 7))).unwrap_err();
        assert_eq!(
            err.log()[0].fields,
            vec![
                ("remote-member-cluster-version", "3.7.0".to_string()),
                ("maximum-cluster-version-supported", "3.6.0".to_string())
            ]
        );
    }

    #[test]
    fn older_binary_refuses_newer_data_in_each_releases_words() {
        let msg = |bin: &str, d: (u32, u32), logger: Option<Logger>| {
            let flags = StartFlags {
                logger,
                ..StartFlags::default()
            };
            let err = start_member_with(&v(bin), &data(d.0, d.1), None, &flags).unwrap_err();
            let entry = err.log().pop().unwrap();
            assert_eq!(err.to_string(), entry.msg);
            entry
        };
        let e = msg("2.2.1", (2, 3), None);
        assert_eq!(
            e.msg,
            "cluster cannot be downgraded (current version: 2.2.1 is lower than determined cluster version: 2.3)."
        );
        assert_eq!(e.package, Some("etcdserver"));
        let e = msg("3.3.10", (3, 4), None);
        assert_eq!(
            e.msg,
            "cluster cannot be downgraded (current version: 3.3.10 is lower than determined cluster version: 3.4)."
        );
        assert_eq!(e.package, Some("membership"));
        // 3.4 defaults to capnslog; kubeadm's image tag suffix is not in the server version.
        let e = msg("3.4.13-0", (3, 5), None);
        assert_eq!(
            e.msg,
            "cluster cannot be downgraded (current version: 3.4.13 is lower than determined cluster version: 3.5)."
        );
        assert_eq!(e.package, Some("etcdserver/membership"));
        let e = msg("3.4.13", (3, 5), Some(Logger::Zap));
        assert_eq!(
            e.msg,
            "invalid downgrade; server version is lower than determined cluster version"
        );
        assert_eq!(
            e.fields,
            vec![
                ("current-server-version", "3.4.13".to_string()),
                ("determined-cluster-version", "3.5".to_string())
            ]
        );
        let e = msg("3.4.30", (3, 5), None);
        assert!(
            e.msg.starts_with("cluster cannot be downgraded"),
            "3.4.30 still has the old text"
        );
        for logger in [None, Some(Logger::Zap)] {
            let e = msg("3.4.33", (3, 5), logger);
            assert_eq!(
                e.msg,
                "invalid downgrade; (current version: 3.4.33 is lower than determined cluster version: 3.5)."
            );
        }
        let e = msg("3.5.15-0", (3, 6), None);
        assert_eq!(
            (e.level, e.msg.as_str()),
            (
                LogLevel::Fatal,
                "invalid downgrade; server version is lower than determined cluster version"
            )
        );
        assert_eq!(e.fields[0], ("current-server-version", "3.5.15".to_string()));
        let e = msg("3.6.4", (3, 7), None);
        assert_eq!(e.level, LogLevel::Panic);
        assert_eq!(e.fields[0], ("current-server-version", "3.6.0".to_string()));
        assert_eq!(e.fields[1], ("determined-cluster-version", "3.7".to_string()));
        // 2.3 on data a 3.0 cluster wrote: the v2 -> v3 step is not undone by starting 2.3 again.
        assert!(
            msg("2.3.7", (3, 0), None)
                .msg
                .contains("2.3.7 is lower than determined cluster version: 3.0")
        );
    }

    #[test]
    fn restart_into_a_cluster_that_moved_on_is_a_downgrade() {
        // Its own data says 3.4, but the log it catches up on sets 3.5.
        let err = start_member(&v("3.4.13"), &data(3, 4), Some((3, 5))).unwrap_err();
        assert!(matches!(err, StartRefused::InvalidDowngrade { cluster: (3, 5), .. }));
    }

    #[test]
    fn etcd_2_1_does_not_detect_a_downgrade() {
        let ok = start_member(&v("2.1.3"), &data(2, 2), None).unwrap();
        assert_eq!(
            ok.notes,
            vec![StartNote::DowngradeNotDetected {
                data: (2, 2),
                binary: (2, 1)
            }]
        );
    }

    #[test]
    fn next_cluster_version_compatible_by_patch() {
        // 3.4.32+: restart on 3.5 data and join a 3.5 cluster; the cluster version drops to 3.4.
        let ok = start_member_with(&v("3.4.32"), &data(3, 5), Some((3, 5)), &next_compat()).unwrap();
        assert_eq!(ok.cluster_version, (3, 4));
        assert_eq!(
            ok.notes,
            vec![StartNote::NextClusterVersionCompatible {
                cluster: (3, 5),
                lowered_to: Some((3, 4))
            }]
        );
        let joined = start_member_with(&v("3.4.33"), &DataDirState::Empty, Some((3, 5)), &next_compat()).unwrap();
        assert_eq!(joined.cluster_version, (3, 4));
        // 3.4.31 has the flag for its own data only.
        let ok = start_member_with(&v("3.4.31"), &data(3, 5), None, &next_compat()).unwrap();
        assert_eq!(ok.cluster_version, (3, 5));
        let err = start_member_with(&v("3.4.31"), &DataDirState::Empty, Some((3, 5)), &next_compat()).unwrap_err();
        assert_eq!(err.to_string(), "incompatible with current running cluster");
        // Only one minor: 3.6 data is still a downgrade.
        let err = start_member_with(&v("3.4.33"), &data(3, 6), None, &next_compat()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid downgrade; (current version: 3.4.33 is lower than determined cluster version: 3.6)."
        );
        // Without the flag 3.4.33 refuses 3.5 data.
        assert!(start_member(&v("3.4.33"), &data(3, 5), None).is_err());
    }

    #[test]
    fn next_cluster_version_compatible_is_unknown_elsewhere() {
        for bin in ["3.4.30", "3.5.15", "3.6.4"] {
            let err = start_member_with(&v(bin), &data(3, 5), None, &next_compat()).unwrap_err();
            assert_eq!(
                err.to_string(),
                "flag provided but not defined: -next-cluster-version-compatible"
            );
        }
        let err = start_member_with(&v("3.4.30"), &data(3, 4), None, &next_compat()).unwrap_err();
        assert_eq!(
            err.log()[0].msg,
            "error verifying flags, flag provided but not defined: -next-cluster-version-compatible. See 'etcd --help'."
        );
        let err = start_member_with(&v("3.5.15"), &data(3, 5), None, &next_compat()).unwrap_err();
        assert_eq!(err.log()[0].msg, "failed to verify flags");
    }

    #[test]
    fn logger_defaults_by_release() {
        assert_eq!(Logger::effective(&v("3.3.10"), Some(Logger::Zap)), Logger::Capnslog);
        assert_eq!(Logger::effective(&v("3.4.13"), None), Logger::Capnslog);
        assert_eq!(Logger::effective(&v("3.4.13"), Some(Logger::Zap)), Logger::Zap);
        assert_eq!(Logger::effective(&v("3.5.0"), Some(Logger::Capnslog)), Logger::Zap);
    }

    #[test]
    fn upgrade_path_table() {
        use PathKind::*;
        let ok = |k: PathKind| Ok::<PathKind, ()>(k);
        let table: &[(&str, &str, Result<PathKind, ()>)] = &[
            ("3.5.15", "3.5.15", ok(Unchanged)),
            ("3.5.15-0", "3.5.15", ok(Unchanged)),
            ("3.5.15", "v3.5.15", ok(Unchanged)),
            ("3.5.9", "3.5.21", ok(PatchUpgrade)),
            ("3.5.21-0", "3.5.9-0", ok(PatchDowngrade)),
            ("2.2.0", "2.2.1", ok(PatchUpgrade)),
            (
                "2.1.3",
                "2.2.1",
                ok(MinorUpgrade {
                    from: (2, 1),
                    to: (2, 2),
                }),
            ),
            (
                "3.4.13-0",
                "3.5.6-0",
                ok(MinorUpgrade {
                    from: (3, 4),
                    to: (3, 5),
                }),
            ),
            (
                "3.5.21-0",
                "3.6.4-0",
                ok(MinorUpgrade {
                    from: (3, 5),
                    to: (3, 6),
                }),
            ),
            ("2.3.7", "3.0.17", ok(V2ToV3)),
            (
                "3.5.21",
                "3.4.32",
                ok(RollingDowngrade {
                    flag: "next-cluster-version-compatible",
                }),
            ),
            (
                "3.6.4",
                "3.5.21",
                ok(EtcdctlDowngrade(DowngradePlan {
                    cluster: (3, 6),
                    target: (3, 5),
                })),
            ),
            ("3.0.17", "2.2.1", ok(RollbackTool)),
            ("2.1.3", "2.3.7", Err(())),
            ("2.2.1", "3.0.17", Err(())),
            ("3.4.13", "3.6.4", Err(())),
            ("2.3.1", "2.2.1", Err(())),
            ("3.5.0", "3.4.31", Err(())),
            ("3.4.13", "3.3.10", Err(())),
            ("3.6.4", "3.4.33", Err(())),
            ("3.0.17", "2.3.7", Err(())),
            ("3.1.12", "2.2.1", Err(())),
            ("3.6.0", "4.0.0", Err(())),
        ];
        for (from, to, want) in table {
            let got = check_upgrade_path(&v(from), &v(to)).map_err(|_| ());
            assert_eq!(&got, want, "{from} -> {to}");
        }
    }

    #[test]
    fn skip_names_the_minor_to_start_first() {
        let err = check_upgrade_path(&v("2.1.3"), &v("2.3.7")).unwrap_err();
        assert_eq!(
            err,
            PathError::SkipsMinor {
                from: v("2.1.3"),
                to: v("2.3.7"),
                next: (2, 2),
                last: (2, 2)
            }
        );
        assert_eq!(
            err.to_string(),
            "cannot upgrade etcd 2.1.x to 2.3.y directly: upgrade only one minor release at a time. Start etcd 2.2.z, wait until the cluster is healthy, stop it, then start 2.3.y"
        );
        let err = check_upgrade_path(&v("2.2.1"), &v("3.1.12")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot upgrade etcd 2.2.x to 3.1.y directly: upgrade only one minor release at a time. Start etcd 2.3.z, wait until the cluster is healthy, stop it, and repeat for each minor up to 3.0, then start 3.1.y"
        );
    }

    #[test]
    fn downgrade_messages() {
        let msg = |a: &str, b: &str| check_upgrade_path(&v(a), &v(b)).unwrap_err().to_string();
        assert_eq!(
            msg("2.3.7", "2.2.1"),
            "cannot downgrade etcd 2.3.7 to 2.2.1: once all members run 2.3 the cluster version is 2.3 and downgrade from this completed state is not possible; restore the data directory backed up before the upgrade"
        );
        assert_eq!(
            msg("3.4.13", "3.3.10"),
            "cannot downgrade etcd 3.4.13 to 3.3.10: versions 3.0+ of etcd do not support general rollback; after migrating from 3.3 to 3.4 there is no way back except restoring a snapshot taken before the upgrade; the custom rollback tool only goes from 3.0.x to 2.2.1"
        );
        assert!(msg("3.6.4", "3.4.33").contains("(etcdctl downgrade goes one minor at a time: 3.5 first)"));
        assert!(
            msg("3.5.21", "3.3.10").contains("(3.5 rolls back only to 3.4.32+ with --next-cluster-version-compatible)")
        );
        assert_eq!(
            msg("3.5.21", "3.4.31"),
            "cannot downgrade etcd 3.5.21 to 3.4.31: a rolling downgrade from 3.5 needs etcd 3.4.32 or later, started with --next-cluster-version-compatible"
        );
        assert_eq!(
            msg("3.1.12", "2.2.1"),
            "etcd3 -> etcd2 downgrade is supported only between 3.0.x and 2.2.1"
        );
        assert_eq!(
            msg("3.0.17", "2.3.7"),
            "etcd3 -> etcd2 downgrade is supported only between 3.0.x and 2.2.1"
        );
        assert_eq!(
            msg("3.6.0", "4.0.0"),
            "no known upgrade path from etcd 3.6.0 to 4.0.0: etcd releases go 2.0, 2.1, 2.2, 2.3, then 3.0, 3.1, ..."
        );
    }

    #[test]
    fn path_kinds_describe_themselves() {
        let k = check_upgrade_path(&v("3.6.4"), &v("3.5.21")).unwrap();
        assert_eq!(
            k.to_string(),
            "downgrade 3.6 -> 3.5: run `etcdctl downgrade enable 3.5`, then replace members one at a time, leader last"
        );
        let k = check_upgrade_path(&v("3.4.13"), &v("3.5.6")).unwrap();
        assert_eq!(
            k.to_string(),
            "minor upgrade 3.4 -> 3.5: replace members one at a time; the cluster version becomes 3.5.0 when all run 3.5"
        );
        for (a, b) in [
            ("3.5.1", "3.5.1"),
            ("3.5.1", "3.5.2"),
            ("3.5.2", "3.5.1"),
            ("2.3.7", "3.0.17"),
            ("3.5.1", "3.4.32"),
            ("3.0.17", "2.2.1"),
        ] {
            assert!(!check_upgrade_path(&v(a), &v(b)).unwrap().to_string().is_empty());
        }
    }

    #[test]
    fn etcdctl_downgrade_commands_and_replies() {
        let plan = DowngradePlan {
            cluster: (3, 6),
            target: (3, 5),
        };
        assert_eq!(plan.validate_command(), "etcdctl downgrade validate 3.5");
        assert_eq!(plan.enable_command(), "etcdctl downgrade enable 3.5");
        assert_eq!(plan.cancel_command(), "etcdctl downgrade cancel");

        let run = |in_progress, action: DowngradeAction| etcdctl_downgrade((3, 6), in_progress, &action);
        let r = run(None, DowngradeAction::Validate("3.5".into())).unwrap();
        assert_eq!(
            (r.stdout.as_str(), r.in_progress),
            ("Downgrade validate success, cluster version 3.6", None)
        );
        let r = run(None, DowngradeAction::Enable("3.5.0".into())).unwrap();
        assert_eq!(
            (r.stdout.as_str(), r.in_progress),
            ("Downgrade enable success, cluster version 3.6", Some((3, 5)))
        );
        let r = run(Some((3, 5)), DowngradeAction::Cancel).unwrap();
        assert_eq!(
            (r.stdout.as_str(), r.in_progress),
            ("Downgrade cancel success, cluster version 3.6", None)
        );
        assert!(r.server_log.is_empty());
        let r = run(None, DowngradeAction::Cancel).unwrap();
        assert_eq!(r.stdout, "Downgrade cancel success, cluster version 3.6");
        assert_eq!(
            r.server_log[0].fields,
            vec![("error", "etcdserver: no inflight downgrade job".to_string())]
        );

        let err = |in_progress, action| run(in_progress, action).unwrap_err().to_string();
        assert_eq!(
            err(None, DowngradeAction::Enable("3.4".into())),
            "etcdserver: invalid downgrade target version"
        );
        assert_eq!(
            err(None, DowngradeAction::Validate("3.6".into())),
            "etcdserver: invalid downgrade target version"
        );
        assert_eq!(
            err(Some((3, 5)), DowngradeAction::Enable("3.5".into())),
            "etcdserver: cluster has a downgrade job in progress"
        );
        assert_eq!(
            err(None, DowngradeAction::Validate("three".into())),
            "etcdserver: wrong downgrade target version format"
        );
        assert_eq!(
            err(None, DowngradeAction::Validate("v3.5".into())),
            "etcdserver: wrong downgrade target version format"
        );
        assert_eq!(
            etcdctl_downgrade((3, 0), None, &DowngradeAction::Validate("2.9".into())).unwrap_err(),
            DowngradeApiError::InvalidTarget
        );
    }

    fn known_version() -> impl Strategy<Value = EtcdVersion> {
        prop_oneof![(0u32..4).prop_map(|m| (2, m)), (0u32..9).prop_map(|m| (3, m))]
            .prop_flat_map(|(major, minor)| (Just(major), Just(minor), 0u32..40, any::<bool>()))
            .prop_map(|(major, minor, patch, tag)| {
                let mut v = EtcdVersion::new(major, minor, patch);
                if tag {
                    v.pre = "0".into();
                }
                v
            })
    }

    proptest! {
        #[test]
        fn prop_patch_changes_are_always_fine(a in known_version(), patch in 0u32..40) {
            let b = EtcdVersion::new(a.major, a.minor, patch);
            let kind = check_upgrade_path(&a, &b).unwrap();
            let patch = matches!(kind, PathKind::Unchanged | PathKind::PatchUpgrade | PathKind::PatchDowngrade);
            prop_assert!(patch);
        }

        #[test]
        fn prop_upgrades_are_one_minor_or_name_the_next(a in known_version(), b in known_version()) {
            prop_assume!(b.minor_key() > a.minor_key());
            match check_upgrade_path(&a, &b) {
                Ok(kind) => {
                    prop_assert_eq!(next_minor(a.minor_key()), b.minor_key());
                    let one_step = matches!(kind, PathKind::MinorUpgrade { .. } | PathKind::V2ToV3);
                    prop_assert!(one_step);
                }
                Err(PathError::SkipsMinor { next, last, .. }) => {
                    prop_assert_eq!(next, next_minor(a.minor_key()));
                    prop_assert_eq!(next_minor(last), b.minor_key());
                    prop_assert!(next <= last);
                }
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
        }

        #[test]
        fn prop_cluster_version_is_min(vs in proptest::collection::vec(known_version(), 1..6)) {
            let cv = cluster_version(&vs).unwrap();
            prop_assert!(vs.iter().all(|v| v.minor_key() >= cv));
            prop_assert!(vs.iter().any(|v| v.minor_key() == cv));
        }

        #[test]
        fn prop_older_binary_never_starts_on_newer_data(bin in known_version(), d in known_version()) {
            prop_assume!(d.minor_key() > bin.minor_key() && bin.minor_key() >= (2, 2));
            let err = start_member(&bin, &DataDirState::Written { cluster_version: d.minor_key() }, None);
            let refused = matches!(err, Err(StartRefused::InvalidDowngrade { .. }));
            prop_assert!(refused, "{} on {:?} data should be refused", bin, d.minor_key());
        }

        #[test]
        fn prop_start_never_lowers_the_cluster_below_its_members(
            bin in known_version(),
            d in proptest::option::of(known_version()),
            r in proptest::option::of(known_version()),
        ) {
            let state = DataDirState::from(d.as_ref().map(EtcdVersion::minor_key));
            if let Ok(ok) = start_member(&bin, &state, r.as_ref().map(EtcdVersion::minor_key)) {
                // Without --next-cluster-version-compatible a member only runs at or above the cluster version.
                prop_assert!(ok.cluster_version <= bin.minor_key() || bin.minor_key() < (2, 2));
                if let Some(r) = &r {
                    prop_assert!(ok.cluster_version == r.minor_key() || (ok.cluster_version > r.minor_key() && bin.minor_key() < (2, 2)));
                }
            }
        }
    }
}
