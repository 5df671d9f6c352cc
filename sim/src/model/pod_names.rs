//! The pod-name index: which pod, if any, has a (namespace, name).
//!
//! Every pod created and removed goes through it, and at 150,000 pods a map keyed by the
//! names themselves (56-byte entries, two strings hashed and compared per probe) missed the
//! cache on nearly every probe. An entry here is 8 bytes: 32 bits of the names' hash and the
//! pod id. Absent names, the common case when a controller picks a fresh name, are answered
//! from the table alone; a hash that matches is confirmed on the pod's own names, which the
//! caller supplies. Removal matches on the pod id and never reads a pod.
//!
//! Point lookups only, never iterated, so no hash order can reach a trace.

use super::PodId;
use hashbrown::HashTable;
use std::hash::BuildHasher;

#[derive(Clone, Debug, Default)]
pub struct PodNames {
    /// (fingerprint, pod id); several entries may share a fingerprint.
    table: HashTable<(u32, u32)>,
}

/// 32 bits of a hash of the names: what an entry keeps.
fn fingerprint(namespace: &str, name: &str) -> u32 {
    let h = rustc_hash::FxBuildHasher.hash_one((namespace, name));
    (h >> 32) as u32 ^ h as u32
}

/// The table's hash of a fingerprint: a multiply spreads the 32 bits over all 64, so both the
/// bucket (low bits) and hashbrown's tag (top 7 bits) vary.
fn spread(fp: u32) -> u64 {
    u64::from(fp).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl PodNames {
    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    pub fn reserve(&mut self, additional: usize) {
        self.table.reserve(additional, |&(fp, _)| spread(fp));
    }

    /// Notes the pod's names; the caller has made sure no other pod has them.
    pub fn insert(&mut self, namespace: &str, name: &str, id: PodId) {
        let fp = fingerprint(namespace, name);
        self.table.insert_unique(spread(fp), (fp, id.0), |&(fp, _)| spread(fp));
    }

    /// The pod with these names; `names_of` gives a candidate's (namespace, name).
    pub fn get<'a>(
        &self,
        namespace: &str,
        name: &str,
        names_of: impl Fn(PodId) -> Option<(&'a str, &'a str)>,
    ) -> Option<PodId> {
        let fp = fingerprint(namespace, name);
        self.table
            .find(spread(fp), |&(efp, id)| {
                efp == fp && names_of(PodId(id)).is_some_and(|(ns, n)| ns == namespace && n == name)
            })
            .map(|&(_, id)| PodId(id))
    }

    /// Forgets the pod `id`, indexed under these names.
    pub fn remove(&mut self, namespace: &str, name: &str, id: PodId) -> bool {
        let fp = fingerprint(namespace, name);
        match self
            .table
            .find_entry(spread(fp), |&(efp, eid)| efp == fp && eid == id.0)
        {
            Ok(entry) => {
                entry.remove();
                true
            }
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(i: u32) -> (String, String) {
        (format!("ns{}", i % 3), format!("pod-{i}"))
    }

    #[test]
    fn finds_what_was_inserted_and_forgets_what_was_removed() {
        let all: Vec<(String, String)> = (0..2000).map(names).collect();
        let lookup = |id: PodId| all.get(id.0 as usize).map(|(ns, n)| (ns.as_str(), n.as_str()));
        let mut index = PodNames::default();
        for (i, (ns, n)) in all.iter().enumerate() {
            index.insert(ns, n, PodId(i as u32));
        }
        assert_eq!(index.len(), 2000);
        assert_eq!(index.get("ns1", "pod-7", lookup), Some(PodId(7)));
        assert_eq!(index.get("ns0", "pod-7", lookup), None, "same name, other namespace");
        assert_eq!(index.get("ns1", "pod-2000", lookup), None);
        assert!(index.remove("ns1", "pod-7", PodId(7)));
        assert!(!index.remove("ns1", "pod-7", PodId(7)), "already gone");
        assert_eq!(index.get("ns1", "pod-7", lookup), None);
        assert_eq!(index.get("ns2", "pod-8", lookup), Some(PodId(8)));
        assert_eq!(index.len(), 1999);
    }

    #[test]
    fn entries_sharing_a_fingerprint_stay_apart() {
        // Two pods filed under one fingerprint (as a 32-bit collision would): the names on the
        // pods decide a lookup, the id decides a removal.
        let pods = [("default", "a"), ("default", "b")];
        let lookup = |id: PodId| pods.get(id.0 as usize).copied();
        let fp = fingerprint("default", "a");
        let mut index = PodNames::default();
        for id in 0..2u32 {
            index.table.insert_unique(spread(fp), (fp, id), |&(fp, _)| spread(fp));
        }
        assert_eq!(index.get("default", "a", lookup), Some(PodId(0)));
        assert!(index.remove("default", "a", PodId(1)));
        assert_eq!(index.get("default", "a", lookup), Some(PodId(0)));
        assert!(index.remove("default", "a", PodId(0)));
        assert!(index.is_empty());
    }
}
