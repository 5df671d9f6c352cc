//! Objects of the kinds no controller of the model acts on (ConfigMaps, Secrets, Services,
//! ServiceAccounts, PriorityClasses, …), kept whole as the API server stores them. The ones a
//! kubeadm cluster is born with are not stored: `model::core_objects` renders them from the
//! cluster, and the store only records what was created, changed or deleted since.

use super::objects::ResourceKind;
use std::collections::{BTreeMap, BTreeSet};

/// `(kind, namespace, name)`; the namespace is empty for cluster-scoped kinds.
pub type StoreKey = (ResourceKind, String, String);

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ObjectStore {
    /// Objects created or changed through the API (whole, `apiVersion` and `kind` included).
    pub objects: BTreeMap<StoreKey, serde_json::Value>,
    /// Default objects that were deleted (and that no controller recreates).
    pub deleted: BTreeSet<StoreKey>,
    /// Counts writes, for `resourceVersion`s and generated names.
    pub writes: u64,
    /// Objects of kinds the API server serves but the model does not (RBAC, CRDs, …), kept as
    /// written so that applying a manifest that holds them works; `(kind, namespace, name)`.
    pub others: BTreeMap<(String, String, String), serde_json::Value>,
}

impl ObjectStore {
    pub fn put(&mut self, key: StoreKey, object: serde_json::Value) {
        self.deleted.remove(&key);
        self.objects.insert(key, object);
        self.writes += 1;
    }

    pub fn remove(&mut self, key: &StoreKey, is_default: bool) {
        self.objects.remove(key);
        if is_default {
            self.deleted.insert(key.clone());
        }
        self.writes += 1;
    }
}
