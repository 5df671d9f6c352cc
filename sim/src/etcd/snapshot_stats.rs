//! The numbers `snapshot status` derives from a snapshot's data: its bbolt database's size,
//! keys, revision and hash. They are facts of the database, not of a tool: `ls -l`, `du`, the
//! save log, `snapshot status` and `endpoint status` all read their sizes from here.

use super::model::Snapshot;
use crate::gotext::crc32c;

/// What `snapshot status` reports about a snapshot, plus the sizes `endpoint status` shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotStats {
    /// CRC-32C over the snapshot's content (printed `%x`).
    pub hash: u32,
    /// The main revision of the last entry of the `key` bucket (0 for an empty one).
    pub revision: i64,
    /// ≤3.5's TOTAL KEYS: every entry of every bucket (see [`snapshot_stats`]).
    pub total_keys: u64,
    /// 3.6's TOTAL KEYS: distinct live keys.
    pub live_keys: u64,
    /// The bbolt file size (`TOTAL SIZE`, `DB SIZE`).
    pub size_bytes: u64,
    /// Pages in use (`IN USE` of 3.6's endpoint status).
    pub in_use_bytes: u64,
    /// The storage version a 3.6 status prints (`3.6.0`; empty for older data).
    pub storage_version: String,
}

/// Entries outside the `key` bucket in every etcd db: `meta` (consistent index, term, conf
/// state), `cluster` (cluster version), `members` (one per member), `auth` (enabled, revision),
/// `alarm`/`lease` (none). A fixed estimate: a snapshot does not record its member count.
const META_ENTRIES: u64 = 7;

/// Deterministic, plausible numbers for a snapshot:
/// * REVISION is exact (0 when no key was ever written, as for a fresh db);
/// * TOTAL KEYS (≤3.5) = one entry per write still in history (each live key's `version`),
///   plus one per Kubernetes object (`extra_keys`, as if compacted), plus 7 entries every db
///   has (meta, cluster version, members, auth);
///   3.6 counts the live keys;
/// * sizes are [`Snapshot::db_size`].
pub fn snapshot_stats(snap: &Snapshot) -> SnapshotStats {
    let history: u64 = snap.keys.values().map(|kv| kv.version.max(1) as u64).sum();
    let kube = snap.extra_keys as u64;
    let (in_use, size) = snap.db_size();
    let mut h = crc32c(b"key", 0);
    for (k, kv) in &snap.keys {
        h = crc32c(k.as_bytes(), h);
        h = crc32c(kv.value.as_bytes(), h);
        h = crc32c(&kv.mod_revision.to_be_bytes(), h);
        h = crc32c(&kv.create_revision.to_be_bytes(), h);
    }
    h = crc32c(b"meta", h);
    h = crc32c(&snap.revision.to_be_bytes(), h);
    h = crc32c(&(kube as i64).to_be_bytes(), h);
    let empty = snap.keys.is_empty() && kube == 0;
    let v = &snap.version;
    SnapshotStats {
        hash: h,
        revision: if empty { 0 } else { snap.revision },
        total_keys: history + kube + META_ENTRIES,
        live_keys: snap.keys.len() as u64 + kube,
        size_bytes: size,
        in_use_bytes: in_use,
        storage_version: if v.minor_key() >= (3, 6) {
            format!("{}.{}.0", v.major, v.minor)
        } else {
            String::new()
        },
    }
}
