//! A snapshot as a file: how many bytes it has, and what etcd's snapshot tools make of a file
//! that is not an intact snapshot (cut short, empty, not a database at all).
//!
//! Sizes: a snapshot file is its bbolt database ([`SnapshotStats::size_bytes`], what `status`
//! prints as TOTAL SIZE) plus the 32-byte SHA-256 `snapshot save` appends; a data dir's
//! `member/snap/db` is the database alone. `ls -l`, `du`, the save log and `status` all read
//! their sizes from here.
//!
//! Damage, as etcdctl 3.4.23 answers it (compared with the real binary by
//! `tests/etcd_snapshot_damage.rs`):
//!
//! * `status` opens the file with bbolt: an empty file makes bbolt try to initialise it on a
//!   read-only descriptor (`write PATH: bad file descriptor`); under one page is `invalid
//!   database`; a valid first page but under two is `file size too small`, and so is anything
//!   between one and two pages; from two pages on, a file that is not a database is `invalid
//!   database`, and a snapshot cut short still reports its table when the cut spared every page
//!   the walk reads, and otherwise crashes the Go runtime reading pages past the end (exit 2).
//! * `restore` seeks to the last 32 bytes first (`seek PATH: invalid argument` under 32 bytes),
//!   copies the file into `member/snap/db` and takes it to end in a hash when its size is 32
//!   past a multiple of 512: then the hash must match (`expected sha256 [..], got [..]`), else
//!   it wants `--skip-hash-check`. With the check skipped, the backend opens the copy and
//!   panics as `status` fails.
//!
//! The one approximation: where in its last page in use a real database's data ends is not
//! modelled, so a cut inside that page counts as one that loses it.

use super::model::{PAGE, Snapshot};
use super::snapshot_stats::{SnapshotStats, snapshot_stats};
use std::sync::Arc;

/// The SHA-256 `snapshot save` appends.
pub const HASH_BYTES: u64 = 32;

/// The bytes of a snapshot file (`ls -l`, `du`, the save log).
pub fn file_bytes(snap: &Snapshot) -> u64 {
    snap.db_size().1 + if snap.has_hash { HASH_BYTES } else { 0 }
}

/// A file that `snapshot status` or `restore` is pointed at, as far as its content matters.
#[derive(Clone, Debug)]
pub enum Content {
    /// A whole snapshot (with its hash if `snapshot save` wrote it).
    Whole(Arc<Snapshot>),
    /// The first `bytes` of a file (`truncate -s`), of a snapshot if `of` is known.
    Cut { bytes: u64, of: Option<Arc<Snapshot>> },
    /// Bytes that are no bbolt database (a text file, a certificate).
    Other { bytes: u64 },
}

/// What `snapshot status` does with a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Prints the table of this snapshot.
    Table(SnapshotStats),
    /// `Error: <message>`, exit 1.
    Error(String),
    /// The Go runtime dies reading a page past the end of the file (exit 2).
    Crash,
}

/// What bbolt makes of opening `bytes` bytes of a file.
fn bolt_open(bytes: u64, of: Option<&Snapshot>) -> Result<Option<SnapshotStats>, &'static str> {
    if bytes < PAGE {
        return Err("invalid database");
    }
    if bytes < 2 * PAGE {
        return Err("file size too small");
    }
    match of {
        None => Err("invalid database"),
        Some(s) => {
            let stats = snapshot_stats(s);
            // The walk reads every page in use but the free tail.
            let needed = stats.in_use_bytes.saturating_sub(PAGE).max(2 * PAGE + 1);
            Ok((bytes >= needed).then_some(stats))
        }
    }
}

pub fn status(path: &str, content: &Content) -> Status {
    let (bytes, of) = match content {
        Content::Whole(s) => return Status::Table(snapshot_stats(s)),
        Content::Cut { bytes, of } => (*bytes, of.as_deref()),
        Content::Other { bytes } => (*bytes, None),
    };
    if bytes == 0 {
        return Status::Error(format!("write {path}: bad file descriptor"));
    }
    match bolt_open(bytes, of) {
        Ok(Some(stats)) => Status::Table(stats),
        Ok(None) => Status::Crash,
        Err(why) => Status::Error(why.to_string()),
    }
}

/// What `snapshot restore` does with a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Restore {
    /// Goes on to write the data dir with this snapshot's data.
    Data,
    /// `Error: <message>`, exit 1; `partial`: `member/snap/db` was written before the error.
    Error { message: String, partial: bool },
    /// The hash at the end does not match (the message's byte lists are the tool's to print).
    HashMismatch,
    /// With the check skipped, the backend cannot open the copy: it panics with bbolt's reason.
    BackendPanic(&'static str),
    /// The Go runtime dies reading the copy (exit 2).
    Crash,
}

pub fn restore(path: &str, content: &Content, skip_hash_check: bool) -> Restore {
    let (bytes, of, whole) = match content {
        Content::Whole(s) => (file_bytes(s), Some(&**s), Some(s)),
        Content::Cut { bytes, of } => (*bytes, of.as_deref(), None),
        Content::Other { bytes } => (*bytes, None, None),
    };
    if bytes < HASH_BYTES {
        return Restore::Error {
            message: format!("seek {path}: invalid argument"),
            partial: false,
        };
    }
    let has_hash = bytes % 512 == HASH_BYTES;
    if let Some(s) = whole {
        return match (s.has_hash, skip_hash_check) {
            (false, false) => Restore::Error {
                message: "snapshot missing hash but --skip-hash-check=false".to_string(),
                partial: true,
            },
            _ => Restore::Data,
        };
    }
    if !skip_hash_check {
        if has_hash {
            return Restore::HashMismatch;
        }
        return Restore::Error {
            message: "snapshot missing hash but --skip-hash-check=false".to_string(),
            partial: true,
        };
    }
    let db = if has_hash { bytes - HASH_BYTES } else { bytes };
    match bolt_open(db, of) {
        Ok(Some(_)) => Restore::Data,
        Ok(None) => Restore::Crash,
        Err(why) => Restore::BackendPanic(why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::etcd::model::{KeyValue, Snapshot};
    use crate::etcd::version::EtcdVersion;

    fn snap(keys: usize) -> Arc<Snapshot> {
        let mut s = Snapshot {
            revision: keys as i64 + 1,
            keys: Default::default(),
            version: EtcdVersion::parse("3.4.23").expect("a version"),
            has_hash: true,
            payload: None,
            extra_keys: 0,
            copied_while_running: false,
        };
        for i in 0..keys {
            s.keys.insert(
                format!("key{i:05}"),
                KeyValue {
                    value: "v".repeat(1000),
                    create_revision: i as i64 + 2,
                    mod_revision: i as i64 + 2,
                    version: 1,
                },
            );
        }
        Arc::new(s)
    }

    fn cut(s: &Arc<Snapshot>, bytes: u64) -> Content {
        Content::Cut {
            bytes,
            of: Some(s.clone()),
        }
    }

    #[test]
    fn sizes_agree() {
        let s = snap(300);
        let stats = snapshot_stats(&s);
        assert_eq!(file_bytes(&s), stats.size_bytes + 32);
        assert_eq!(stats.size_bytes % PAGE, 0);
        let mut copy = (*s).clone();
        copy.has_hash = false;
        assert_eq!(file_bytes(&copy), stats.size_bytes);
    }

    #[test]
    fn status_by_size() {
        let s = snap(300);
        let size = file_bytes(&s);
        let err = |m: &str| Status::Error(m.to_string());
        assert_eq!(status("x.db", &cut(&s, 0)), err("write x.db: bad file descriptor"));
        assert_eq!(status("x.db", &cut(&s, 100)), err("invalid database"));
        assert_eq!(status("x.db", &cut(&s, 4096)), err("file size too small"));
        assert_eq!(status("x.db", &cut(&s, 8191)), err("file size too small"));
        assert_eq!(status("x.db", &cut(&s, 8192)), Status::Crash);
        assert_eq!(status("x.db", &cut(&s, size / 2)), Status::Crash);
        assert!(matches!(status("x.db", &cut(&s, size - 32)), Status::Table(_)));
        assert!(matches!(status("x.db", &cut(&s, size - 1)), Status::Table(_)));
        assert_eq!(status("x.db", &Content::Other { bytes: 100 }), err("invalid database"));
        assert_eq!(
            status("x.db", &Content::Other { bytes: 5000 }),
            err("file size too small")
        );
        assert_eq!(
            status("x.db", &Content::Other { bytes: 20512 }),
            err("invalid database")
        );
    }

    #[test]
    fn restore_by_size() {
        let s = snap(300);
        let size = file_bytes(&s);
        let missing = Restore::Error {
            message: "snapshot missing hash but --skip-hash-check=false".into(),
            partial: true,
        };
        assert_eq!(restore("x.db", &Content::Whole(s.clone()), false), Restore::Data);
        assert_eq!(
            restore("x.db", &cut(&s, 0), false),
            Restore::Error {
                message: "seek x.db: invalid argument".into(),
                partial: false
            }
        );
        assert_eq!(restore("x.db", &cut(&s, 4096), false), missing);
        assert_eq!(restore("x.db", &cut(&s, size - 32), false), missing);
        assert_eq!(restore("x.db", &cut(&s, 4096 + 32), false), Restore::HashMismatch);
        assert_eq!(
            restore("x.db", &Content::Other { bytes: 20512 }, false),
            Restore::HashMismatch
        );
        assert_eq!(
            restore("x.db", &cut(&s, 100), true),
            Restore::BackendPanic("invalid database")
        );
        assert_eq!(
            restore("x.db", &cut(&s, 4096), true),
            Restore::BackendPanic("file size too small")
        );
        assert_eq!(restore("x.db", &cut(&s, size - 32), true), Restore::Data);
        assert_eq!(restore("x.db", &cut(&s, 8192), true), Restore::Crash);
    }
}
