//! Faults a scenario injects (`fault: node-crash node02`).

use crate::engine::Engine;
use crate::release::version::KubeVersion;
use crate::time::SimDuration;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The machine loses power: kubelet silent, containers gone.
    NodeCrash(String),
    /// A crashed machine boots again.
    NodeRecover(String),
    /// Power-cycle: down now, back after the downtime (default 90 s).
    NodeReboot(String, SimDuration),
    /// A new worker joins at a version (`kubeadm join` on a freshly provisioned machine):
    /// blue-green worker upgrades.
    NodeAdd(String, KubeVersion),
    /// `node-add NAME VERSION control-plane [kubelet-local-mode]`: a control plane joins
    /// (`kubeadm join --control-plane` on a fresh machine; its etcd member added first). The
    /// flag is `--feature-gates ControlPlaneKubeletLocalMode=true` (kubeadm v1.31 on; on by
    /// default from v1.33), as Cluster API passes it from v1.31.
    ControlPlaneAdd(String, KubeVersion, bool),
    /// The control plane's etcd process dies and stays down; its data is kept.
    EtcdMemberCrash(String),
    /// The etcd process dies and its data dir is lost.
    EtcdMemberDestroy(String),
    /// The kubelet starts the etcd member again.
    EtcdMemberRecover(String),
    /// The network cuts the control plane's etcd member off from its peers (or heals it).
    EtcdMemberPartition(String, bool),
    /// The control plane's kube-controller-manager restarts, its container down for the
    /// downtime (default none): if it led, no controller acts until a controller-manager takes
    /// the lease (see `engine::leader`).
    ControllerManagerRestart(String, SimDuration),
    /// A storage-level snapshot of a directory (an EBS volume snapshot): crash-consistent,
    /// taken under a running member, copied to the second path.
    VolumeSnapshot(String, String, String),
}

pub(crate) const DEFAULT_REBOOT: SimDuration = SimDuration::from_secs(90);
/// kube-controller-manager's `--leader-elect-lease-duration` default.
pub(crate) const DEFAULT_LEASE_TAKEOVER: SimDuration = SimDuration::from_secs(15);
/// A restarted container's time down when the fault names none: the kubelet starts it again
/// at once; the wait is the lease's.
pub(crate) const DEFAULT_CM_DOWNTIME: SimDuration = SimDuration::from_secs(0);

/// Why a fault line does not parse, or a parsed fault cannot be applied to this cluster; the
/// cluster is left as it was.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FaultError {
    #[error("empty fault")]
    Empty,
    #[error(
        "unknown fault {0:?}: expected node-crash, node-recover, node-reboot, node-add, etcd-member-crash, etcd-member-destroy etcd-member-recover, etcd-member-partition, etcd-member-heal, controller-manager-restart or volume-snapshot"
    )]
    Unknown(String),
    #[error("fault {0:?} needs a node name")]
    NeedsNode(String),
    #[error("fault {fault:?}: unexpected {word:?}")]
    Unexpected { fault: String, word: String },
    #[error("fault \"node-add\" needs a node name and a kubelet version (node-add node03 v1.31.2)")]
    NodeAddNeedsVersion,
    #[error("fault \"node-add\": the role is worker (the default) or control-plane, not {0:?}")]
    NodeAddRole(String),
    #[error("fault \"node-add\": only a control plane joins with kubelet-local-mode")]
    LocalModeNeedsControlPlane,
    #[error(
        "fault \"node-add\": kubeadm {0}: unrecognized feature-gate key: ControlPlaneKubeletLocalMode (kubeadm has it from v1.31)"
    )]
    LocalModeUnknown(KubeVersion),
    #[error(
        "fault \"volume-snapshot\" needs a node, a directory and a destination (volume-snapshot cp1 /var/lib/etcd /backup/etcd-volume)"
    )]
    VolumeSnapshotNeedsPaths,
    #[error("fault {0:?}: the directories must be absolute paths")]
    RelativePaths(String),
    /// A downtime that does not parse.
    #[error("{0}")]
    BadOperand(String),
    /// A kubelet version that does not parse, or a release the model lacks.
    #[error(transparent)]
    Version(#[from] crate::release::version::VersionError),
    #[error("fault on unknown node {0:?}")]
    UnknownNode(String),
    #[error("{0:?} runs no etcd member (it is not a control plane)")]
    NoEtcdMember(String),
    #[error("{0:?} runs no controller-manager (it is not a control plane)")]
    NoControllerManager(String),
    #[error(transparent)]
    NodeAdd(#[from] crate::engine::upgrade::NodeAddError),
    /// The volume snapshot's directories do not allow it (the model's own words).
    #[error("{0}")]
    VolumeSnapshot(String),
}

impl Fault {
    pub fn parse(text: &str) -> Result<Self, FaultError> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let node = |i: usize| -> Result<String, FaultError> {
            words
                .get(i)
                .map(|s| s.to_string())
                .ok_or_else(|| FaultError::NeedsNode(words.first().copied().unwrap_or("").to_string()))
        };
        let extra = |n: usize| -> Result<(), FaultError> {
            if words.len() > n {
                Err(FaultError::Unexpected {
                    fault: text.to_string(),
                    word: words[n].to_string(),
                })
            } else {
                Ok(())
            }
        };
        // The optional third word: how long the fault lasts.
        let downtime = |default: SimDuration| -> Result<SimDuration, FaultError> {
            words.get(2).map_or(Ok(default), |d| {
                SimDuration::parse_scenario(d).map_err(|e| FaultError::BadOperand(e.to_string()))
            })
        };
        match words.first().copied() {
            Some("node-crash") => {
                extra(2)?;
                Ok(Self::NodeCrash(node(1)?))
            }
            Some("node-recover") => {
                extra(2)?;
                Ok(Self::NodeRecover(node(1)?))
            }
            Some("node-reboot") => {
                extra(3)?;
                Ok(Self::NodeReboot(node(1)?, downtime(DEFAULT_REBOOT)?))
            }
            Some("node-add") => {
                extra(5)?;
                let name = node(1)?;
                let version = words.get(2).ok_or(FaultError::NodeAddNeedsVersion)?;
                let v = KubeVersion::parse(version)?;
                v.check_supported()?;
                let control_plane = match words.get(3).copied() {
                    None | Some("worker") => false,
                    Some("control-plane") => true,
                    Some(other) => return Err(FaultError::NodeAddRole(other.to_string())),
                };
                let local = match words.get(4).copied() {
                    None => false,
                    Some("kubelet-local-mode") if !control_plane => {
                        return Err(FaultError::LocalModeNeedsControlPlane);
                    }
                    Some("kubelet-local-mode") if v.major == 1 && v.minor < 31 => {
                        return Err(FaultError::LocalModeUnknown(v));
                    }
                    Some("kubelet-local-mode") => true,
                    Some(word) => {
                        return Err(FaultError::Unexpected {
                            fault: "node-add".into(),
                            word: word.into(),
                        });
                    }
                };
                Ok(if control_plane {
                    Self::ControlPlaneAdd(name, v, local)
                } else {
                    Self::NodeAdd(name, v)
                })
            }
            Some("etcd-member-crash") => {
                extra(2)?;
                Ok(Self::EtcdMemberCrash(node(1)?))
            }
            Some("etcd-member-destroy") => {
                extra(2)?;
                Ok(Self::EtcdMemberDestroy(node(1)?))
            }
            Some("volume-snapshot") => {
                extra(4)?;
                let (Some(from), Some(to)) = (words.get(2), words.get(3)) else {
                    return Err(FaultError::VolumeSnapshotNeedsPaths);
                };
                if !from.starts_with('/') || !to.starts_with('/') {
                    return Err(FaultError::RelativePaths(text.to_string()));
                }
                Ok(Self::VolumeSnapshot(node(1)?, from.to_string(), to.to_string()))
            }
            Some("etcd-member-partition") => {
                extra(2)?;
                Ok(Self::EtcdMemberPartition(node(1)?, true))
            }
            Some("etcd-member-heal") => {
                extra(2)?;
                Ok(Self::EtcdMemberPartition(node(1)?, false))
            }
            Some("controller-manager-restart") => {
                extra(3)?;
                Ok(Self::ControllerManagerRestart(node(1)?, downtime(DEFAULT_CM_DOWNTIME)?))
            }
            Some("etcd-member-recover") => {
                extra(2)?;
                Ok(Self::EtcdMemberRecover(node(1)?))
            }
            Some(v) => Err(FaultError::Unknown(v.to_string())),
            None => Err(FaultError::Empty),
        }
    }

    pub fn node(&self) -> &str {
        match self {
            Self::NodeCrash(n)
            | Self::NodeRecover(n)
            | Self::NodeReboot(n, _)
            | Self::NodeAdd(n, _)
            | Self::ControlPlaneAdd(n, ..)
            | Self::EtcdMemberCrash(n)
            | Self::EtcdMemberDestroy(n)
            | Self::EtcdMemberRecover(n)
            | Self::VolumeSnapshot(n, _, _)
            | Self::ControllerManagerRestart(n, _)
            | Self::EtcdMemberPartition(n, _) => n,
        }
    }
}

impl Engine {
    /// The kubelet starts the stopped container again at once: its mirror pod counts a
    /// restart (`kubectl get pods -n kube-system` RESTARTS).
    pub(crate) fn restart_controller_manager_container(&mut self, node: crate::model::NodeId) {
        let c = crate::release::components::StaticPod::KubeControllerManager;
        if let Some(id) = self.static_pod_id(node, c) {
            let now = self.now;
            self.cluster.update_pod(id, |p| {
                p.restarts += 1;
                p.last_restart = Some(now);
            });
        }
    }

    /// A controller-manager leads again (unless a later restart holds the lease away): every
    /// controller looks at its objects again, as after an API outage.
    pub(crate) fn resume_controllers(&mut self) {
        if self.controllers_paused_until.is_none_or(|t| t > self.now) {
            return;
        }
        self.controllers_paused_until = None;
        if self.take_over_lease() {
            self.resync_controllers();
        }
    }

    /// Applies a fault; the node must exist. Returns the lines it prints in the transcript
    /// (a `node-add` that kubeadm's join preflight refuses prints kubeadm's error and adds
    /// nothing; the new machine's kubeadm is at the node's version, so only a kubelet below
    /// that kubeadm's minimum would be).
    pub fn apply_fault(&mut self, fault: &Fault) -> Result<Vec<String>, FaultError> {
        if let Fault::NodeAdd(name, version) = fault {
            if let Some(refusal) = Self::join_preflight(version, version) {
                return Ok(refusal);
            }
            self.node_add(name, version)?;
            return Ok(Vec::new());
        }
        if let Fault::ControlPlaneAdd(name, version, local) = fault {
            self.control_plane_add(name, version, *local)?;
            return Ok(Vec::new());
        }
        let id = self
            .cluster
            .node_id(fault.node())
            .ok_or_else(|| FaultError::UnknownNode(fault.node().to_string()))?;
        match fault {
            Fault::NodeCrash(_) => self.node_crash(id),
            Fault::NodeRecover(_) => self.node_recover(id),
            Fault::NodeReboot(_, d) => self.node_reboot(id, *d),
            Fault::NodeAdd(..) | Fault::ControlPlaneAdd(..) => {}
            Fault::EtcdMemberCrash(_)
            | Fault::EtcdMemberDestroy(_)
            | Fault::EtcdMemberRecover(_)
            | Fault::EtcdMemberPartition(..)
                if self.etcd_member_of(id).is_none() && self.cluster.node(id).control_plane.is_none() =>
            {
                return Err(FaultError::NoEtcdMember(fault.node().to_string()));
            }
            Fault::EtcdMemberCrash(_) => self.etcd_member_crash(id),
            Fault::EtcdMemberDestroy(_) => self.etcd_member_destroy(id),
            Fault::EtcdMemberRecover(_) => self.etcd_member_recover(id),
            Fault::VolumeSnapshot(_, from, to) => {
                return self.volume_snapshot(id, from, to).map_err(FaultError::VolumeSnapshot);
            }
            Fault::ControllerManagerRestart(..) if self.cluster.node(id).control_plane.is_none() => {
                return Err(FaultError::NoControllerManager(fault.node().to_string()));
            }
            Fault::ControllerManagerRestart(_, downtime) => {
                self.restart_controller_manager_container(id);
                self.controller_manager_stopped(id, *downtime);
            }
            Fault::EtcdMemberPartition(_, cut) => {
                if let Some(i) = self.etcd_member_of(id) {
                    self.etcd.partition(i, *cut);
                    self.etcd_changed();
                }
            }
        }
        self.settle();
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_say_which_part_is_wrong() {
        assert_eq!(Fault::parse(""), Err(FaultError::Empty));
        assert_eq!(
            Fault::parse("node-melt a"),
            Err(FaultError::Unknown("node-melt".into()))
        );
        assert_eq!(
            Fault::parse("node-crash"),
            Err(FaultError::NeedsNode("node-crash".into()))
        );
        assert_eq!(
            Fault::parse("node-crash a b"),
            Err(FaultError::Unexpected {
                fault: "node-crash a b".into(),
                word: "b".into()
            })
        );
        assert_eq!(Fault::parse("node-add n3"), Err(FaultError::NodeAddNeedsVersion));
        let v = KubeVersion::parse("v1.31.2").expect("parses");
        assert_eq!(
            Fault::parse("node-add cp4 v1.31.2 control-plane"),
            Ok(Fault::ControlPlaneAdd("cp4".into(), v.clone(), false))
        );
        assert_eq!(
            Fault::parse("node-add cp4 v1.31.2 control-plane kubelet-local-mode"),
            Ok(Fault::ControlPlaneAdd("cp4".into(), v.clone(), true))
        );
        assert_eq!(
            Fault::parse("node-add n3 v1.31.2 worker kubelet-local-mode"),
            Err(FaultError::LocalModeNeedsControlPlane)
        );
        assert_eq!(
            Fault::parse("node-add cp4 v1.30.6 control-plane kubelet-local-mode").map_err(|e| e.to_string()),
            Err("fault \"node-add\": kubeadm v1.30.6: unrecognized feature-gate key: ControlPlaneKubeletLocalMode (kubeadm has it from v1.31)".to_string())
        );
        assert_eq!(
            Fault::parse("node-add n1 v1.33.0 bogus kubelet-local-mode"),
            Err(FaultError::NodeAddRole("bogus".into()))
        );
        assert_eq!(
            Fault::parse("node-add n1 v1.30.0 worker kubelet-local-mode"),
            Err(FaultError::LocalModeNeedsControlPlane)
        );
        assert!(matches!(
            Fault::parse("node-add cp4 v1.31.2 control-plane local"),
            Err(FaultError::Unexpected { .. })
        ));
        assert_eq!(
            Fault::parse("node-add n3 v1.31.2 worker"),
            Ok(Fault::NodeAdd("n3".into(), v))
        );
        assert_eq!(
            Fault::parse("node-add n3 v1.31.2 master"),
            Err(FaultError::NodeAddRole("master".into()))
        );
        assert!(matches!(
            Fault::parse("node-add n3 v9.1.0"),
            Err(FaultError::Version(crate::release::version::VersionError::NotModelled(
                _
            )))
        ));
        assert!(matches!(
            Fault::parse("node-reboot a soon"),
            Err(FaultError::BadOperand(_))
        ));
        assert_eq!(
            Fault::parse("controller-manager-restart cp1"),
            Ok(Fault::ControllerManagerRestart("cp1".into(), DEFAULT_CM_DOWNTIME))
        );
        assert_eq!(
            Fault::parse("controller-manager-restart cp1 2m"),
            Ok(Fault::ControllerManagerRestart(
                "cp1".into(),
                SimDuration::from_secs(120)
            ))
        );
        assert!(matches!(
            Fault::parse("controller-manager-restart cp1 2m now"),
            Err(FaultError::Unexpected { .. })
        ));
        assert_eq!(
            Fault::parse("volume-snapshot cp1 data /backup").map_err(|e| e.to_string()),
            Err("fault \"volume-snapshot cp1 data /backup\": the directories must be absolute paths".into())
        );
    }
}
