//! Member and cluster IDs exactly as etcd computes them (semantics §4.3), so a simulated
//! restore prints the same IDs a real one does (`8e9e05c52164694d` for a default restore).

use sha1::{Digest, Sha1};

/// A member's ID: the first 8 bytes (big-endian) of SHA-1 over its sorted peer URLs joined
/// with nothing, then the cluster token, then — for members added at runtime — the Unix time
/// in seconds as decimal text.
pub fn member_id(peer_urls: &[&str], token: &str, added_at_unix_s: Option<u64>) -> u64 {
    let mut urls: Vec<&str> = peer_urls.to_vec();
    urls.sort_unstable();
    let mut input: Vec<u8> = urls.concat().into_bytes();
    input.extend_from_slice(token.as_bytes());
    if let Some(t) = added_at_unix_s {
        input.extend_from_slice(t.to_string().as_bytes());
    }
    first_8(&input)
}

/// A cluster's ID: the first 8 bytes of SHA-1 over its sorted member IDs, each as 8 bytes
/// big-endian.
pub fn cluster_id(member_ids: &[u64]) -> u64 {
    let mut ids = member_ids.to_vec();
    ids.sort_unstable();
    let input: Vec<u8> = ids.iter().flat_map(|id| id.to_be_bytes()).collect();
    first_8(&input)
}

fn first_8(input: &[u8]) -> u64 {
    let digest = Sha1::digest(input);
    let mut b = [0u8; 8];
    b.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(b)
}

/// etcdctl's `%x` form of an ID.
pub fn hex(id: u64) -> String {
    format!("{id:x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_restore_gives_etcds_well_known_ids() {
        // `etcdctl snapshot restore` with no flags: name default, peer URL
        // http://localhost:2380, token etcd-cluster (semantics §4.3, real transcripts).
        let member = member_id(&["http://localhost:2380"], "etcd-cluster", None);
        assert_eq!(hex(member), "8e9e05c52164694d");
        assert_eq!(hex(cluster_id(&[member])), "cdf818194e3a8c32");
    }

    #[test]
    fn ids_do_not_depend_on_url_or_member_order() {
        let a = member_id(&["https://10.0.0.2:2380", "https://10.0.0.1:2380"], "t", None);
        let b = member_id(&["https://10.0.0.1:2380", "https://10.0.0.2:2380"], "t", None);
        assert_eq!(a, b);
        assert_eq!(cluster_id(&[1, 2, 3]), cluster_id(&[3, 1, 2]));
        assert_ne!(
            member_id(&["http://localhost:2380"], "other-token", None),
            member_id(&["http://localhost:2380"], "etcd-cluster", None)
        );
        assert_ne!(
            member_id(&["http://a:2380"], "t", Some(1)),
            member_id(&["http://a:2380"], "t", Some(2))
        );
    }
}
