//! etcd versions as they appear in image tags, `etcd --version` and `/version`: `3.5.15`,
//! kubeadm's image tag `3.5.15-0`, release tags `v3.5.15`, pre-releases `3.6.0-rc.1`.
//!
//! Ordering is semver's. etcd itself compares with go-semver, and kubeadm compares its image tags
//! the same way, so `3.4.3-0` (a tag) sorts *below* `3.4.3` (what the server reports); see
//! `kubeadm/etcd.rs` for the notice that produced.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// One etcd version. Equality, ordering and hashing ignore a leading `v`, which is spelling only.
#[derive(Clone, Debug)]
pub struct EtcdVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    /// The pre-release without its `-` (`"0"` for kubeadm's image revision, `"rc.1"`); empty for a
    /// release.
    pub pre: String,
    /// Kept only so `Display` gives back the text that was parsed.
    v_prefix: bool,
}

/// An etcd version that does not parse: the text as written and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid etcd version \"{text}\": {why}")]
pub struct EtcdVersionError {
    pub text: String,
    pub why: String,
}

crate::errors::error_text!(EtcdVersionError);

impl EtcdVersion {
    pub fn new(major: u32, minor: u32, patch: u32) -> Self {
        Self {
            major,
            minor,
            patch,
            pre: String::new(),
            v_prefix: false,
        }
    }

    /// Parses `3.5.15`, `3.5.15-0`, `v3.5.15`, `2.2.1`, `3.6.0-rc.1`. Anything else (two
    /// components, leading zeros, build metadata, empty pre-release identifiers) is refused so that
    /// `Display` always reproduces the input.
    pub fn parse(text: &str) -> Result<Self, EtcdVersionError> {
        let bad = |why: &str| EtcdVersionError {
            text: text.to_string(),
            why: why.to_string(),
        };
        let (v_prefix, rest) = match text.strip_prefix('v') {
            Some(r) => (true, r),
            None => (false, text),
        };
        if rest.contains('+') {
            return Err(bad("build metadata (+...) is not used by etcd versions"));
        }
        let (core, pre) = match rest.split_once('-') {
            Some((_, "")) => return Err(bad("empty pre-release after '-'")),
            Some((c, p)) => (c, p),
            None => (rest, ""),
        };
        let mut nums = [0u32; 3];
        let mut parts = core.split('.');
        for (i, slot) in nums.iter_mut().enumerate() {
            let Some(part) = parts.next() else {
                return Err(bad("expected MAJOR.MINOR.PATCH"));
            };
            *slot = crate::semver::numeric(part)
                .ok_or_else(|| bad(&format!("component {} (\"{part}\") is not a number", i + 1)))?;
        }
        if parts.next().is_some() {
            return Err(bad("expected MAJOR.MINOR.PATCH"));
        }
        for id in pre.split('.').filter(|_| !pre.is_empty()) {
            let valid_chars = !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            let leading_zero = id.len() > 1 && id.starts_with('0') && id.bytes().all(|b| b.is_ascii_digit());
            if !valid_chars || leading_zero {
                return Err(bad(&format!("pre-release identifier \"{id}\" is not valid semver")));
            }
        }
        Ok(Self {
            major: nums[0],
            minor: nums[1],
            patch: nums[2],
            pre: pre.to_string(),
            v_prefix,
        })
    }

    /// The cluster-version key: etcd compares members and data by major.minor only.
    pub fn minor_key(&self) -> (u32, u32) {
        (self.major, self.minor)
    }

    pub fn is_release(&self) -> bool {
        self.pre.is_empty()
    }

    /// The version the etcd binary inside this image reports (`etcdserver` in `/version`, the
    /// text in its log lines). kubeadm's image tags add a purely numeric revision (`3.5.15-0`)
    /// that the binary knows nothing about; etcd's own pre-releases (`3.6.0-rc.1`) are kept.
    pub fn binary_version(&self) -> EtcdVersion {
        let image_revision = !self.pre.is_empty() && self.pre.bytes().all(|b| b.is_ascii_digit());
        Self {
            pre: if image_revision {
                String::new()
            } else {
                self.pre.clone()
            },
            v_prefix: false,
            ..self.clone()
        }
    }

    /// The same version spelt without the `v`, as etcd prints it.
    pub fn without_v(&self) -> EtcdVersion {
        Self {
            v_prefix: false,
            ..self.clone()
        }
    }
}

impl Ord for EtcdVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| crate::semver::pre_release_cmp(&self.pre, &other.pre))
    }
}

impl PartialOrd for EtcdVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for EtcdVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for EtcdVersion {}

impl Hash for EtcdVersion {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Parsing forbids leading zeros, so equal versions have identical pre-release text.
        (self.major, self.minor, self.patch, &self.pre).hash(state);
    }
}

impl fmt::Display for EtcdVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.v_prefix {
            f.write_str("v")?;
        }
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        Ok(())
    }
}

impl FromStr for EtcdVersion {
    type Err = EtcdVersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v(s: &str) -> EtcdVersion {
        EtcdVersion::parse(s).unwrap()
    }

    #[test]
    fn parses_the_spellings_etcd_and_kubeadm_use() {
        let plain = v("3.5.15");
        assert_eq!(
            (plain.major, plain.minor, plain.patch, plain.pre.as_str()),
            (3, 5, 15, "")
        );
        let tag = v("3.5.15-0");
        assert_eq!((tag.minor_key(), tag.patch, tag.pre.as_str()), ((3, 5), 15, "0"));
        let release = v("v3.5.15");
        assert_eq!(release.minor_key(), (3, 5));
        assert_eq!(release, plain, "the v is spelling only");
        assert_eq!(v("2.2.1").minor_key(), (2, 2));
        assert_eq!(v("3.6.0-rc.1").pre, "rc.1");
        assert_eq!("3.4.13-0".parse::<EtcdVersion>().unwrap(), v("3.4.13-0"));
    }

    #[test]
    fn display_round_trips_the_given_text() {
        for s in [
            "3.5.15",
            "3.5.15-0",
            "v3.5.15",
            "2.2.1",
            "v3.6.0-rc.1",
            "3.6.0-alpha.0",
            "0.0.0",
        ] {
            assert_eq!(v(s).to_string(), s);
        }
    }

    #[test]
    fn rejects_with_a_clear_reason() {
        assert_eq!(
            EtcdVersion::parse("3.5").unwrap_err().to_string(),
            "invalid etcd version \"3.5\": expected MAJOR.MINOR.PATCH"
        );
        assert_eq!(
            EtcdVersion::parse("3.5.1.2").unwrap_err().to_string(),
            "invalid etcd version \"3.5.1.2\": expected MAJOR.MINOR.PATCH"
        );
        assert_eq!(
            EtcdVersion::parse("3.5.x").unwrap_err().to_string(),
            "invalid etcd version \"3.5.x\": component 3 (\"x\") is not a number"
        );
        assert_eq!(
            EtcdVersion::parse("3.05.1").unwrap_err().to_string(),
            "invalid etcd version \"3.05.1\": component 2 (\"05\") is not a number"
        );
        assert_eq!(
            EtcdVersion::parse("3.5.1-").unwrap_err().to_string(),
            "invalid etcd version \"3.5.1-\": empty pre-release after '-'"
        );
        assert_eq!(
            EtcdVersion::parse("3.5.1-rc..1").unwrap_err().to_string(),
            "invalid etcd version \"3.5.1-rc..1\": pre-release identifier \"\" is not valid semver"
        );
        assert_eq!(
            EtcdVersion::parse("3.5.1-01").unwrap_err().to_string(),
            "invalid etcd version \"3.5.1-01\": pre-release identifier \"01\" is not valid semver"
        );
        assert_eq!(
            EtcdVersion::parse("3.5.1+git").unwrap_err().to_string(),
            "invalid etcd version \"3.5.1+git\": build metadata (+...) is not used by etcd versions"
        );
        for s in ["", "v", "vv3.5.1", " 3.5.1", "3.5.1 ", "-3.5.1", "3.5.99999999999"] {
            assert!(EtcdVersion::parse(s).is_err(), "{s:?} should not parse");
        }
    }

    #[test]
    fn semver_order_with_image_tags_as_pre_releases() {
        assert!(
            v("3.4.3-0") < v("3.4.3"),
            "kubeadm's tag sorts below the server's own version"
        );
        assert!(v("3.5.9-0") < v("3.5.10-0"));
        assert!(v("3.6.4-0") > v("3.5.24-0"));
        assert!(v("3.6.0-alpha.0") < v("3.6.0-rc.1"));
        assert!(v("3.6.0-rc.1") < v("3.6.0-rc.2"));
        assert!(
            v("3.6.0-rc.2") < v("3.6.0-rc.10"),
            "numeric identifiers compare as numbers"
        );
        assert!(
            v("3.6.0-1") < v("3.6.0-rc"),
            "numeric identifiers sort before alphanumeric"
        );
        assert!(v("3.6.0-rc") < v("3.6.0-rc.1"), "a prefix sorts first");
        assert!(v("2.3.8") < v("3.0.0"));
        assert_eq!(v("v3.5.15").cmp(&v("3.5.15")), Ordering::Equal);
    }

    #[test]
    fn binary_version_drops_only_the_image_revision() {
        assert_eq!(v("3.5.15-0").binary_version().to_string(), "3.5.15");
        assert_eq!(v("v3.4.13-1").binary_version().to_string(), "3.4.13");
        assert_eq!(v("3.6.0-rc.1").binary_version().to_string(), "3.6.0-rc.1");
        assert_eq!(v("v3.5.15").without_v().to_string(), "3.5.15");
        assert!(v("3.5.15").is_release() && !v("3.5.15-0").is_release());
    }

    fn version_text() -> impl Strategy<Value = String> {
        let num = prop_oneof![Just("0".to_string()), "[1-9][0-9]{0,3}"];
        let ident = prop_oneof![num.clone(), "[a-z][a-z0-9-]{0,4}"];
        (
            any::<bool>(),
            num.clone(),
            num.clone(),
            num,
            proptest::collection::vec(ident, 0..3),
        )
            .prop_map(|(vp, a, b, c, pre)| {
                let mut s = format!("{}{a}.{b}.{c}", if vp { "v" } else { "" });
                if !pre.is_empty() {
                    s.push('-');
                    s.push_str(&pre.join("."));
                }
                s
            })
    }

    proptest! {
        #[test]
        fn prop_display_round_trips(s in version_text()) {
            prop_assert_eq!(EtcdVersion::parse(&s).unwrap().to_string(), s);
        }

        #[test]
        fn prop_order_is_total_and_matches_core_first(a in version_text(), b in version_text()) {
            let (x, y) = (v(&a), v(&b));
            prop_assert_eq!(x.cmp(&y), y.cmp(&x).reverse());
            prop_assert_eq!(x == y, x.cmp(&y) == Ordering::Equal);
            let core = (x.major, x.minor, x.patch).cmp(&(y.major, y.minor, y.patch));
            if core != Ordering::Equal {
                prop_assert_eq!(x.cmp(&y), core);
            }
            if x.is_release() && !y.is_release() && core == Ordering::Equal {
                prop_assert!(x > y);
            }
        }

        #[test]
        fn prop_order_is_transitive(a in version_text(), b in version_text(), c in version_text()) {
            let mut vs = [v(&a), v(&b), v(&c)];
            vs.sort();
            prop_assert!(vs[0] <= vs[1] && vs[1] <= vs[2] && vs[0] <= vs[2]);
        }
    }
}
