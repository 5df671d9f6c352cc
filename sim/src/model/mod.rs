//! The cluster's objects as the simulator keeps them: compact structs that share their pod
//! templates, so that 150,000 pods stay small. `crate::model::objects` turns them into real API objects.

pub mod cluster;
pub mod component_version;
pub mod containers;
pub mod core_objects;
pub mod events;
pub mod hostfs;
pub mod labels;
pub mod limits;
pub mod manifest;
pub mod node;
pub mod objects;
pub mod packages;
pub mod patch;
pub mod pdb;
pub mod pod;
pub mod pod_names;
pub mod quantity;
pub mod scheduler;
pub mod services;
pub mod status;
pub mod store;
pub mod taint;
pub mod unit;
pub mod validation;
pub mod workload;

pub use labels::{Labels, Selector};
pub use node::{Node, NodeId, ReadyStatus, Resources, Role};
pub use pdb::{IntOrPercent, Pdb, PdbId};
pub use pod::{Deletion, Owner, Phase, Pod, PodId, PodTemplate};
pub use taint::{Effect, Taint, Toleration};
pub use workload::{Workload, WorkloadId, WorkloadKind, WorkloadMeta};
