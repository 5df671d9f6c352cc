//! The semantic-versioning core that Kubernetes and etcd versions share: numeric components
//! without leading zeros, and semver §11's pre-release precedence (`rc.10` after `rc.9`).

use std::cmp::Ordering;

/// A version component: digits, no leading zero (it would not survive printing).
pub fn numeric(part: &str) -> Option<u32> {
    let digits = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    // Leading zeros would not survive Display, and semver forbids them.
    if !digits || (part.len() > 1 && part.starts_with('0')) {
        return None;
    }
    part.parse().ok()
}

/// semver §11: numeric identifiers compare as numbers and sort before alphanumeric ones; a
/// shorter list that is a prefix of a longer one sorts first; no pre-release sorts last.
pub fn pre_release_cmp(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    let mut xs = a.split('.');
    let mut ys = b.split('.');
    loop {
        let (x, y) = match (xs.next(), ys.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => (x, y),
        };
        let x_num = x.bytes().all(|c| c.is_ascii_digit());
        let y_num = y.bytes().all(|c| c.is_ascii_digit());
        let ord = match (x_num, y_num) {
            // Without leading zeros, a longer digit string is the bigger number; this also avoids
            // overflow on absurdly long identifiers.
            (true, true) => x.len().cmp(&y.len()).then_with(|| x.cmp(y)),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => x.cmp(y),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
}

/// `(major, minor, patch)` then the pre-release by semver precedence.
pub fn cmp(a: (u32, u32, u32, &str), b: (u32, u32, u32, &str)) -> Ordering {
    (a.0, a.1, a.2)
        .cmp(&(b.0, b.1, b.2))
        .then_with(|| pre_release_cmp(a.3, b.3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pre_releases_follow_semver_precedence() {
        assert_eq!(pre_release_cmp("rc.10", "rc.9"), Ordering::Greater);
        assert_eq!(pre_release_cmp("alpha", "alpha.1"), Ordering::Less);
        assert_eq!(pre_release_cmp("1", "alpha"), Ordering::Less);
        assert_eq!(pre_release_cmp("", "rc.1"), Ordering::Greater);
        assert_eq!(numeric("01"), None);
        assert_eq!(numeric("10"), Some(10));
    }
}
