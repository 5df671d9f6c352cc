//! The model's size limits: Kubernetes' documented scalability limits ("Considerations for
//! large clusters": at most 5,000 nodes, 150,000 pods, 110 pods per node by default).
//!
//! The simulator answers every command within a second and a gibibyte up to these sizes (see
//! the README's benchmarks); past them neither Kubernetes nor the model promises anything, so
//! what would cross them is refused up front with an error naming the limit, instead of
//! building millions of objects.

/// Nodes in one cluster.
pub const MAX_NODES: usize = 5_000;

/// Pods in one cluster, counting what a new workload asks for.
pub const MAX_PODS: usize = 150_000;

/// The kubelet's default `--max-pods`: a node's `pods` when its spec names none.
pub const DEFAULT_PODS_PER_NODE: u32 = 110;

/// Bytes a text file on a node may hold (a `sed -i` that would grow one past it is refused as
/// a full disk refuses it).
pub const MAX_FILE_BYTES: usize = 64 << 20;

/// What would take the model past one of its limits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    #[error(
        "kubedrill: a cluster holds at most {MAX_NODES} nodes (Kubernetes' documented limit); this would make {total}"
    )]
    Nodes { total: usize },
    #[error(
        "kubedrill: a cluster holds at most {MAX_PODS} pods (Kubernetes' documented limit); it has {have} and this asks for {adding} more"
    )]
    Pods { have: usize, adding: u64 },
    #[error(
        "kubedrill: a lab's cluster holds at most {max} pods (so every command answers within a second); it has {have} and this asks for {adding} more"
    )]
    LabPods { max: usize, have: usize, adding: u64 },
}

/// Pods in a lab's cluster. A lab is a few nodes at a terminal; listing 150,000 pods takes
/// seconds (`kubectl get pods -o yaml`: about 40 µs a pod), and a lab promises an answer to
/// every line within a second, so labs refuse workloads past this.
pub const LAB_MAX_PODS: usize = 1_000;

crate::errors::error_text!(LimitError);

/// Why a cluster of `have + adding` nodes is refused, if it is.
pub fn check_nodes(have: usize, adding: usize) -> Result<(), LimitError> {
    let total = have.saturating_add(adding);
    if total > MAX_NODES {
        return Err(LimitError::Nodes { total });
    }
    Ok(())
}

/// Why a workload asking for `adding` more pods in a cluster of `have` pods is refused, if it
/// is.
pub fn check_pods(have: usize, adding: u64) -> Result<(), LimitError> {
    check_pods_within(have, adding, None)
}

/// [`check_pods`] under a lower limit of the cluster's own (a lab's), if it has one.
pub fn check_pods_within(have: usize, adding: u64, lab_max: Option<usize>) -> Result<(), LimitError> {
    let total = (have as u64).saturating_add(adding);
    if total > MAX_PODS as u64 {
        return Err(LimitError::Pods { have, adding });
    }
    if let Some(max) = lab_max
        && total > max as u64
    {
        return Err(LimitError::LabPods { max, have, adding });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_inclusive() {
        assert!(check_nodes(4_999, 1).is_ok());
        assert!(check_nodes(5_000, 1).is_err());
        assert!(check_nodes(usize::MAX, usize::MAX).is_err());
        assert!(check_pods(0, 150_000).is_ok());
        assert!(check_pods(1, 150_000).is_err());
        assert!(check_pods(0, u64::MAX).is_err());
        assert!(check_pods_within(999, 1, Some(1_000)).is_ok());
        assert_eq!(
            check_pods_within(999, 2, Some(1_000)),
            Err(LimitError::LabPods {
                max: 1_000,
                have: 999,
                adding: 2
            })
        );
        assert_eq!(
            check_pods_within(0, 150_001, Some(1_000)),
            Err(LimitError::Pods {
                have: 0,
                adding: 150_001
            })
        );
    }
}
