//! Faults a scenario injects (`fault: node-crash node02`).

use crate::engine::Sim;
use crate::time::SimDuration;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The machine loses power: kubelet silent, containers gone.
    NodeCrash(String),
    /// A crashed machine boots again.
    NodeRecover(String),
    /// Power-cycle: down now, back after the downtime (default 90 s).
    NodeReboot(String, SimDuration),
}

pub const DEFAULT_REBOOT: SimDuration = SimDuration::from_secs(90);

/// Verbs of scenario format v1 that need the etcd model, which is not built yet.
const ETCD_VERBS: &[&str] = &["etcd-member-crash", "etcd-member-destroy", "etcd-member-recover"];

impl Fault {
    pub fn parse(text: &str) -> Result<Self, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let node = |i: usize| -> Result<String, String> {
            words
                .get(i)
                .map(|s| s.to_string())
                .ok_or_else(|| format!("fault {:?} needs a node name", words.first().copied().unwrap_or("")))
        };
        let extra = |n: usize| -> Result<(), String> {
            if words.len() > n {
                Err(format!("fault {text:?}: unexpected {:?}", words[n]))
            } else {
                Ok(())
            }
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
                let downtime = match words.get(2) {
                    Some(d) => SimDuration::parse_scenario(d)?,
                    None => DEFAULT_REBOOT,
                };
                Ok(Self::NodeReboot(node(1)?, downtime))
            }
            Some(v) if ETCD_VERBS.contains(&v) => Err(format!(
                "fault {v:?} is part of scenario format v1 but needs the etcd model, which this kubedrill version does not have yet"
            )),
            Some(v) => Err(format!(
                "unknown fault {v:?}: expected node-crash, node-recover or node-reboot"
            )),
            None => Err("empty fault".to_string()),
        }
    }

    pub fn node(&self) -> &str {
        match self {
            Self::NodeCrash(n) | Self::NodeRecover(n) | Self::NodeReboot(n, _) => n,
        }
    }
}

impl Sim {
    /// Applies a fault; the node must exist.
    pub fn apply_fault(&mut self, fault: &Fault) -> Result<(), String> {
        let id = self
            .cluster
            .node_id(fault.node())
            .ok_or_else(|| format!("fault on unknown node {:?}", fault.node()))?;
        match fault {
            Fault::NodeCrash(_) => self.node_crash(id),
            Fault::NodeRecover(_) => self.node_recover(id),
            Fault::NodeReboot(_, d) => self.node_reboot(id, *d),
        }
        self.settle();
        Ok(())
    }
}
