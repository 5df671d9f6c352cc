//! Debian package versions (`1.8.0-00`, `1.31.2-1.1`) and apt's size formatting.

use crate::release::version::KubeVersion;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;

/// A Debian version `[epoch:]upstream[-revision]`.
///
/// Equality follows Debian ordering rather than the text, so `1.0-00` and
/// `1.00-00` are the same version, as they are to dpkg.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DebVersion {
    pub epoch: u32,
    pub upstream: String,
    /// Empty for a native package; `00` in the apt.kubernetes.io era, `1.1` on pkgs.k8s.io.
    pub revision: String,
}

/// Which Kubernetes package repository a version string belongs to, judged by its revision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackageEra {
    /// apt.kubernetes.io: revisions `00`, `01`, `02` (no dot).
    Legacy,
    /// pkgs.k8s.io: revisions `1.1`, `2.1` (OBS build numbers, with a dot).
    Community,
}

/// A package version dpkg would refuse, as written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid Debian version {0:?}")]
pub struct DebVersionError(pub String);

crate::errors::error_text!(DebVersionError);

impl DebVersion {
    /// Parses a Debian version. Refuses what dpkg would refuse for the shapes we meet: an empty
    /// string, an upstream part not starting with a digit, or characters outside Debian's set.
    pub fn parse(text: &str) -> Result<Self, DebVersionError> {
        let bad = || DebVersionError(text.to_string());
        let (epoch, rest) = match text.split_once(':') {
            Some((e, rest)) => {
                if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                (e.parse::<u32>().map_err(|_| bad())?, rest)
            }
            None => (0, text),
        };
        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((u, r)) => (u, r),
            None => (rest, ""),
        };
        if rest.contains('-') && revision.is_empty() {
            return Err(bad());
        }
        let upstream_ok = upstream.bytes().next().is_some_and(|b| b.is_ascii_digit())
            && upstream
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'~' | b'-' | b':'));
        let revision_ok = revision
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'~'));
        if !upstream_ok || !revision_ok {
            return Err(bad());
        }
        Ok(Self {
            epoch,
            upstream: upstream.to_owned(),
            revision: revision.to_owned(),
        })
    }

    /// The package version of Kubernetes `v` in an era's repository (`1.31.2-1.1`, `1.8.0-00`).
    /// A few real releases carry another revision; the catalogue knows those.
    pub fn for_kube(v: &KubeVersion, era: PackageEra) -> Self {
        let revision = match era {
            PackageEra::Legacy => "00",
            PackageEra::Community => "1.1",
        };
        Self {
            epoch: 0,
            upstream: format!("{}.{}.{}", v.major, v.minor, v.patch),
            revision: revision.to_owned(),
        }
    }

    /// The Kubernetes version this package version carries, if its upstream part is one.
    pub fn kube_version(&self) -> Option<KubeVersion> {
        KubeVersion::parse(&self.upstream).ok()
    }

    /// The repository era the revision points to; `None` for a revision of neither shape.
    pub fn era(&self) -> Option<PackageEra> {
        if self.revision.is_empty() || !self.revision.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            None
        } else if self.revision.contains('.') {
            Some(PackageEra::Community)
        } else {
            Some(PackageEra::Legacy)
        }
    }
}

impl DebVersion {
    /// Whether `text` is this version as written (what `to_string()` gives), without writing
    /// it: apt compares a typed `pkg=VERSION` with every version it has, on every install.
    pub fn is_text(&self, text: &str) -> bool {
        let rest = if self.epoch == 0 {
            text
        } else {
            let Some((epoch, rest)) = text.split_once(':') else {
                return false;
            };
            let canonical = !epoch.is_empty() && !epoch.starts_with('0') && epoch.bytes().all(|b| b.is_ascii_digit());
            if !canonical || epoch.parse() != Ok(self.epoch) {
                return false;
            }
            rest
        };
        let Some(rest) = rest.strip_prefix(self.upstream.as_str()) else {
            return false;
        };
        if self.revision.is_empty() {
            rest.is_empty()
        } else {
            rest.strip_prefix('-') == Some(self.revision.as_str())
        }
    }

    /// Whether the two are written the same (not just equal in Debian's order, where
    /// `1.0-00` and `1.00-00` are one version).
    pub fn same_text(&self, other: &DebVersion) -> bool {
        self.epoch == other.epoch && self.upstream == other.upstream && self.revision == other.revision
    }
}

impl fmt::Display for DebVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Pieces written as they are: apt writes versions into most of its lines.
        if self.epoch != 0 {
            fmt::Display::fmt(&self.epoch, f)?;
            f.write_str(":")?;
        }
        f.write_str(&self.upstream)?;
        if !self.revision.is_empty() {
            f.write_str("-")?;
            f.write_str(&self.revision)?;
        }
        Ok(())
    }
}

impl TryFrom<String> for DebVersion {
    type Error = DebVersionError;
    fn try_from(s: String) -> Result<Self, DebVersionError> {
        Self::parse(&s)
    }
}

impl From<DebVersion> for String {
    fn from(v: DebVersion) -> Self {
        v.to_string()
    }
}

impl Ord for DebVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(self.upstream.as_bytes(), other.upstream.as_bytes()))
            .then_with(|| verrevcmp(self.revision.as_bytes(), other.revision.as_bytes()))
    }
}

impl PartialOrd for DebVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for DebVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for DebVersion {}

/// dpkg's weight of a non-digit character: `~` sorts before the end of the string, letters
/// before other symbols.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's `verrevcmp`: alternating non-digit and digit runs, digits compared numerically.
fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0usize, 0usize);
    let digit = |s: &[u8], k: usize| s.get(k).is_some_and(u8::is_ascii_digit);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !digit(a, i)) || (j < b.len() && !digit(b, j)) {
            let (ac, bc) = (order(a.get(i).copied()), order(b.get(j).copied()));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while digit(a, i) && digit(b, j) {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if digit(a, i) {
            return Ordering::Greater;
        }
        if digit(b, j) {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

/// apt's `SizeToStr` followed by `B`, in an English locale: `9,318 B`, `10.4 MB`, `5,055 kB`.
pub fn size_to_str(bytes: u64) -> String {
    const EXT: [&str; 7] = ["", "k", "M", "G", "T", "P", "E"];
    // apt prints a size on most of its lines: written digit by digit, without the formatting
    // machinery (which cost a thousand instructions a size).
    let mut out = String::with_capacity(16);
    // Integer arithmetic in tenths keeps the result free of float formatting differences.
    let mut tenths: u128 = u128::from(bytes) * 10;
    for (i, ext) in EXT.iter().enumerate() {
        if tenths < 1000 && i != 0 {
            let tenths = tenths as u64;
            push_grouped(&mut out, tenths / 10);
            out.push('.');
            out.push(char::from(b'0' + (tenths % 10) as u8));
            out.push(' ');
            out.push_str(ext);
            out.push('B');
            return out;
        }
        if tenths < 100_000 {
            // `%.0f` rounds half to even; sizes here are whole numbers of kB at most.
            push_grouped(&mut out, ((tenths + 5) / 10) as u64);
            out.push(' ');
            out.push_str(ext);
            out.push('B');
            return out;
        }
        tenths = (tenths + 500) / 1000;
    }
    // Past exabytes (not reachable from a u64 of bytes, kept for the shape of apt's loop).
    push_grouped(&mut out, u64::try_from(tenths / 10).unwrap_or(u64::MAX));
    out.push_str(" EB");
    out
}

/// Appends `n` in decimal with a comma every three digits (`5,055`).
fn push_grouped(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut rest = n;
    loop {
        digits[len] = b'0' + (rest % 10) as u8;
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for i in (0..len).rev() {
        out.push(char::from(digits[i]));
        if i > 0 && i.is_multiple_of(3) {
            out.push(',');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> DebVersion {
        DebVersion::try_from(s.to_string()).expect("a version")
    }

    #[test]
    fn is_text_is_what_to_string_gives() {
        let versions = ["1.31.2-1.1", "1.28.0-00", "2:1.0-3", "1.0", "10:2.0"];
        let texts = [
            "1.31.2-1.1",
            "1.31.2",
            "1.31.2-1.",
            "1.31.2-1.1x",
            "1.28.0-00",
            "1.28.0-0",
            "2:1.0-3",
            "02:1.0-3",
            "1.0-3",
            "1.0",
            "0:1.0",
            "10:2.0",
            "1:2.0",
            ":1.0",
            "",
        ];
        for version in versions.map(v) {
            for text in texts {
                assert_eq!(
                    version.is_text(text),
                    version.to_string() == text,
                    "{version} against {text:?}"
                );
            }
        }
        assert!(v("1.0-00").same_text(&v("1.0-00")));
        assert!(
            !v("1.0-00").same_text(&v("1.00-00")),
            "equal in order, written differently"
        );
        assert_eq!(v("1.0-00"), v("1.00-00"));
    }
}
