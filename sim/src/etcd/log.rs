//! The log lines etcdctl and etcdutl write to stderr: zap JSON (production and etcd's own
//! config), zap console (etcdutl), and capnslog (3.4's `pkg/flags`). Which shape, timestamp
//! format and `caller` line a message has depends on the release; the line numbers below were
//! read from every tag's source (the reported line is the one where the logging call starts).

use super::version::EtcdVersion;
use crate::gotext::{go_duration, zap_str};
use std::fmt::Write as _;
use std::time::Duration;

/// How a logger prints its time stamp.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum TsFormat {
    /// `zap.NewProduction()`: seconds since the epoch as a float (`1625042291.582288`).
    Epoch,
    /// zap's ISO8601 encoder: `2021-06-30T08:38:11.582Z`.
    IsoMillis,
    /// etcd's own encoder since 3.5.8: `2024-01-11T00:00:00.000000Z`.
    IsoMicros,
    /// etcdutl's console logger: RFC 3339 seconds, `2022-03-07T23:28:26Z`.
    Rfc3339,
    /// capnslog: `2019-08-26 22:03:41.908806`.
    Capnslog,
}

/// A structured field value.
#[derive(Clone, Debug)]
pub(crate) enum Field {
    Str(String),
    Strs(Vec<String>),
    Uint(u64),
    Int(i64),
    Bool(bool),
    /// zap.Duration under the production encoder: seconds as a float.
    Secs(Duration),
    /// zap.Duration under etcd's encoder: Go's duration string.
    DurStr(Duration),
}

impl Field {
    fn json(&self, spaced: bool) -> String {
        match self {
            Field::Str(s) => zap_str(s),
            Field::Strs(v) => {
                let sep = if spaced { ", " } else { "," };
                format!("[{}]", v.iter().map(|s| zap_str(s)).collect::<Vec<_>>().join(sep))
            }
            Field::Uint(n) => n.to_string(),
            Field::Int(n) => n.to_string(),
            Field::Bool(b) => b.to_string(),
            Field::Secs(d) => float(d.as_nanos() as f64 / 1e9),
            Field::DurStr(d) => zap_str(&go_duration(*d)),
        }
    }
}

/// Go's shortest round-trip `'f'` formatting of a float, as zap writes numbers.
fn float(f: f64) -> String {
    format!("{f}")
}

/// One log record.
pub(crate) struct Rec<'a> {
    pub(crate) level: &'a str,
    pub(crate) logger: Option<&'a str>,
    pub(crate) caller: Option<String>,
    pub(crate) msg: &'a str,
    pub(crate) fields: Vec<(&'a str, Field)>,
}

/// A zap JSON line.
pub(crate) fn json_line(ts_nanos: u64, fmt: TsFormat, rec: &Rec<'_>) -> String {
    let mut s = format!("{{\"level\":{},\"ts\":{}", zap_str(rec.level), ts_json(ts_nanos, fmt));
    if let Some(l) = rec.logger {
        let _ = write!(s, ",\"logger\":{}", zap_str(l));
    }
    if let Some(c) = &rec.caller {
        let _ = write!(s, ",\"caller\":{}", zap_str(c));
    }
    let _ = write!(s, ",\"msg\":{}", zap_str(rec.msg));
    for (k, v) in &rec.fields {
        let _ = write!(s, ",{}:{}", zap_str(k), v.json(false));
    }
    s.push('}');
    s
}

/// A zap console line (etcdutl): tab-separated, fields as spaced JSON.
pub(crate) fn console_line(ts_nanos: u64, rec: &Rec<'_>) -> String {
    let mut s = format!("{}\t{}", ts_text(ts_nanos, TsFormat::Rfc3339), rec.level);
    if let Some(l) = rec.logger {
        let _ = write!(s, "\t{l}");
    }
    if let Some(c) = &rec.caller {
        let _ = write!(s, "\t{c}");
    }
    let _ = write!(s, "\t{}", rec.msg);
    if !rec.fields.is_empty() {
        let inner: Vec<String> = rec
            .fields
            .iter()
            .map(|(k, v)| format!("{}: {}", zap_str(k), v.json(true)))
            .collect();
        let _ = write!(s, "\t{{{}}}", inner.join(", "));
    }
    s
}

/// A capnslog line: `2019-08-26 22:03:41.908806 W | pkg/flags: message`.
pub(crate) fn capnslog_line(ts_nanos: u64, level: char, pkg: &str, msg: &str) -> String {
    format!("{} {level} | {pkg}: {msg}", ts_text(ts_nanos, TsFormat::Capnslog))
}

fn ts_json(nanos: u64, fmt: TsFormat) -> String {
    match fmt {
        TsFormat::Epoch => float(nanos as f64 / 1e9),
        _ => zap_str(&ts_text(nanos, fmt)),
    }
}

/// The time stamp text in UTC.
pub(crate) fn ts_text(nanos: u64, fmt: TsFormat) -> String {
    let crate::time::WallClock {
        year: y,
        month: mo,
        day: d,
        hour: h,
        minute: mi,
        second: s,
        nanos: sub,
    } = crate::time::WallClock::from_unix_nanos(nanos);
    match fmt {
        TsFormat::IsoMillis => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}Z", sub / 1_000_000),
        TsFormat::IsoMicros => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:06}Z", sub / 1_000),
        TsFormat::Rfc3339 => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"),
        TsFormat::Capnslog => format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{:06}", sub / 1_000),
        TsFormat::Epoch => float(nanos as f64 / 1e9),
    }
}

/// The log sites whose `caller` etcdctl/etcdutl print.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Site {
    Created,
    Opened,
    Fetching,
    Completed,
    Fetched,
    Saved,
    Retry,
    Restoring,
    Restored,
    AddedMember,
    Trimming,
    Bumping,
    Marking,
    Unrecognized,
    Conflicting,
}

/// `(first patch of the range, line)` per minor; the file is fixed per site and minor.
type Lines = &'static [(u32, u32)];

fn lines_of(site: Site, minor: u32) -> Option<(&'static str, Lines)> {
    use Site::*;
    let t: (&str, Lines) = match (site, minor) {
        (Created, 4) => ("snapshot/v3_snapshot.go", &[(0, 109), (2, 110), (8, 119)]),
        (Created, 5) => ("snapshot/v3_snapshot.go", &[(0, 68), (3, 65)]),
        (Created, _) => ("snapshot/v3_snapshot.go", &[(0, 83)]),
        (Opened, 4) => ("clientv3/maintenance.go", &[(8, 200), (28, 212)]),
        (Opened, 5) => ("v3/maintenance.go", &[(0, 211), (6, 212)]),
        (Opened, _) => ("v3/maintenance.go", &[(0, 236)]),
        (Fetching, 4) => ("snapshot/v3_snapshot.go", &[(0, 120), (2, 121), (8, 127)]),
        (Fetching, 5) => ("snapshot/v3_snapshot.go", &[(0, 76), (3, 73)]),
        (Fetching, _) => ("snapshot/v3_snapshot.go", &[(0, 96)]),
        (Completed, 4) => ("clientv3/maintenance.go", &[(8, 208), (28, 220)]),
        (Completed, 5) => ("v3/maintenance.go", &[(0, 219), (6, 220)]),
        (Completed, _) => ("v3/maintenance.go", &[(0, 302)]),
        (Fetched, 4) => ("snapshot/v3_snapshot.go", &[(0, 133), (2, 134), (8, 142)]),
        (Fetched, 5) => ("snapshot/v3_snapshot.go", &[(0, 91), (3, 88)]),
        (Fetched, _) => ("snapshot/v3_snapshot.go", &[(0, 111)]),
        (Saved, 4) => ("snapshot/v3_snapshot.go", &[(0, 142), (2, 143), (8, 152)]),
        (Saved, 5) => ("snapshot/v3_snapshot.go", &[(0, 100), (3, 97)]),
        (Saved, _) => ("snapshot/v3_snapshot.go", &[(0, 121)]),
        (Retry, 4) => ("clientv3/retry_interceptor.go", &[(0, 61), (5, 62), (32, 63)]),
        (Retry, 5) => ("v3/retry_interceptor.go", &[(0, 62), (14, 63), (28, 66)]),
        (Retry, _) => ("v3/retry_interceptor.go", &[(0, 65), (9, 68)]),
        (Restoring, 4) => ("snapshot/v3_snapshot.go", &[(0, 286), (2, 287), (8, 296), (27, 306)]),
        (Restoring, 5) => ("snapshot/v3_snapshot.go", &[(0, 251), (3, 248), (10, 260), (14, 265)]),
        (Restoring, _) => ("snapshot/v3_snapshot.go", &[(0, 305)]),
        (Restored, 4) => ("snapshot/v3_snapshot.go", &[(0, 299), (2, 300), (8, 309), (27, 326)]),
        (Restored, 5) => ("snapshot/v3_snapshot.go", &[(0, 272), (3, 269), (10, 287), (14, 293)]),
        (Restored, _) => ("snapshot/v3_snapshot.go", &[(0, 333)]),
        (AddedMember, 4) => ("membership/cluster.go", &[(0, 392), (31, 395)]),
        (AddedMember, 5) => ("membership/cluster.go", &[(0, 393), (1, 421)]),
        (AddedMember, _) => ("membership/cluster.go", &[(0, 424)]),
        (Trimming, 5) => ("membership/store.go", &[(0, 119), (1, 141), (20, 138)]),
        (Trimming, 4) => return None,
        (Trimming, _) => ("schema/membership.go", &[(0, 138)]),
        (Bumping, 4) => ("snapshot/v3_snapshot.go", &[(27, 463)]),
        (Bumping, 5) => ("snapshot/v3_snapshot.go", &[(10, 349), (14, 356)]),
        (Bumping, _) => ("snapshot/v3_snapshot.go", &[(0, 396)]),
        (Marking, 4) => ("snapshot/v3_snapshot.go", &[(27, 480)]),
        (Marking, 5) => ("snapshot/v3_snapshot.go", &[(10, 366), (14, 373)]),
        (Marking, _) => ("snapshot/v3_snapshot.go", &[(0, 413)]),
        (Unrecognized, 5) => ("flags/flag.go", &[(0, 93)]),
        (Unrecognized, 4) => return None,
        (Unrecognized, _) => ("flags/flag.go", &[(0, 94)]),
        (Conflicting, 5) => ("flags/flag.go", &[(0, 85)]),
        (Conflicting, 4) => return None,
        (Conflicting, _) => ("flags/flag.go", &[(0, 86)]),
    };
    Some(t)
}

/// `file:line` of a log site for this release; minors past 3.6 use 3.6's lines and minors
/// before 3.4 use 3.4.0's.
pub(crate) fn caller(site: Site, v: &EtcdVersion) -> Option<String> {
    let minor = v.minor.clamp(4, 6);
    let patch = if v.minor < 4 {
        0
    } else if v.minor > 6 {
        u32::MAX
    } else {
        v.patch
    };
    let (file, lines) = lines_of(site, minor)?;
    let line = lines
        .iter()
        .take_while(|(from, _)| *from <= patch)
        .last()
        .map(|(_, l)| *l)?;
    Some(format!("{file}:{line}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        let t = 1_625_042_291_582_288_000u64;
        assert_eq!(ts_text(t, TsFormat::IsoMillis), "2021-06-30T08:38:11.582Z");
        assert_eq!(ts_text(t, TsFormat::IsoMicros), "2021-06-30T08:38:11.582288Z");
        assert_eq!(ts_text(t, TsFormat::Rfc3339), "2021-06-30T08:38:11Z");
        assert_eq!(ts_text(t, TsFormat::Capnslog), "2021-06-30 08:38:11.582288");
        // Go divides the float64 of the nanoseconds as well, then prints the shortest repr.
        assert_eq!(ts_json(t, TsFormat::Epoch), "1625042291.5822878");
    }
}
