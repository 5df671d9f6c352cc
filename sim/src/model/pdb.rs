use super::labels::Selector;
use super::workload::WorkloadId;
use crate::time::SimTime;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PdbId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntOrPercent {
    Int(u32),
    Percent(u32),
}

impl IntOrPercent {
    /// `GetScaledValueFromIntOrPercent(.., total, roundUp=true)`.
    pub fn scaled_up(self, total: u32) -> u32 {
        match self {
            Self::Int(n) => n,
            Self::Percent(p) => ((p as u64 * total as u64).div_ceil(100)) as u32,
        }
    }

    pub fn text(self) -> String {
        match self {
            Self::Int(n) => n.to_string(),
            Self::Percent(p) => format!("{p}%"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnhealthyPodEvictionPolicy {
    IfHealthyBudget,
    AlwaysAllow,
}

#[derive(Clone, Debug)]
pub struct Pdb {
    pub namespace: Arc<str>,
    pub name: Arc<str>,
    /// None: an empty or missing selector, which matches no pod for eviction purposes.
    pub selector: Option<Selector>,
    pub min_available: Option<IntOrPercent>,
    pub max_unavailable: Option<IntOrPercent>,
    pub unhealthy_policy: UnhealthyPodEvictionPolicy,
    pub created_at: SimTime,
    /// How many pods the selector matches (each pod lists its budgets in `Pod::pdbs`).
    pub matching: u32,
    /// How many of them are healthy (Running, Ready, not terminating), kept incrementally so
    /// an eviction costs the same with 10 pods or 100,000.
    pub healthy: u32,
    /// Pods per scale-owning controller (a Deployment, a StatefulSet, a bare ReplicaSet).
    pub owners: BTreeMap<WorkloadId, u32>,
    /// Deleted through the API (ids stay stable; a deleted budget matches nothing).
    pub deleted: bool,
}

/// The disruption controller's view of one budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PdbStatus {
    pub expected: u32,
    pub desired_healthy: u32,
    pub current_healthy: u32,
    pub disruptions_allowed: u32,
}
