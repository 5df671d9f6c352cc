//! Virtual time. Nothing in the simulator reads a wall clock: time is a number of
//! milliseconds since the simulated cluster was bootstrapped.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A point in virtual time, in milliseconds since the cluster was bootstrapped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SimTime(pub u64);

/// A span of virtual time in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SimDuration(pub u64);

/// The simulator's clock as a wall clock: time 0 is 2024-01-01T00:00:00Z, the day the cluster was
/// born. Everything that prints a date (logs, backup directories) reads it through here.
pub const WALL_EPOCH_S: u64 = 1_704_067_200;

/// A UTC calendar time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WallClock {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub nanos: u32,
}

impl WallClock {
    /// The calendar time `nanos` after the Unix epoch.
    pub fn from_unix_nanos(nanos: u64) -> Self {
        let secs = nanos / 1_000_000_000;
        let (year, month, day) = civil_from_days((secs / 86_400) as i64);
        let rem = secs % 86_400;
        Self {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: (rem % 3600 / 60) as u32,
            second: (rem % 60) as u32,
            nanos: (nanos % 1_000_000_000) as u32,
        }
    }
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl SimTime {
    /// This moment as Unix time in nanoseconds (see [`WALL_EPOCH_S`]).
    pub fn wall_nanos(self) -> u64 {
        (WALL_EPOCH_S * 1000 + self.0) * 1_000_000
    }

    pub fn wall_clock(self) -> WallClock {
        WallClock::from_unix_nanos(self.wall_nanos())
    }

    /// This moment as Unix time in nanoseconds when time 0 is `epoch_s` (a cluster that lives
    /// on another date than the default; see `Cluster::epoch_s`).
    pub fn wall_nanos_with(self, epoch_s: u64) -> u64 {
        (epoch_s * 1000 + self.0) * 1_000_000
    }

    pub fn wall_clock_with(self, epoch_s: u64) -> WallClock {
        WallClock::from_unix_nanos(self.wall_nanos_with(epoch_s))
    }

    pub const ZERO: Self = Self(0);

    pub fn ms(self) -> u64 {
        self.0
    }

    pub fn saturating_sub(self, earlier: Self) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl std::ops::Add<SimDuration> for SimTime {
    type Output = Self;
    fn add(self, d: SimDuration) -> Self {
        Self(self.0.saturating_add(d.0))
    }
}

/// A scenario duration that does not parse, as written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration {0:?}: expected a number with a unit (ms, s, m, h), e.g. 30s or 5m")]
pub struct DurationError(pub String);

crate::errors::error_text!(DurationError);

impl SimDuration {
    pub const ZERO: Self = Self(0);

    pub const fn from_ms(ms: u64) -> Self {
        Self(ms)
    }

    /// Saturating: a count of seconds past what milliseconds can hold is "forever".
    pub const fn from_secs(s: u64) -> Self {
        Self(s.saturating_mul(1000))
    }

    pub fn ms(self) -> u64 {
        self.0
    }

    pub fn secs(self) -> u64 {
        self.0 / 1000
    }

    /// Parses the scenario form: a number followed by `ms`, `s`, `m` or `h`
    /// (`250ms`, `30s`, `5m`, `1h`), or several such parts (`1m30s`).
    pub fn parse_scenario(text: &str) -> Result<Self, DurationError> {
        parse_go_duration(text).map_err(|_| DurationError(text.to_string()))
    }

    /// Go's `time.Duration.String()` form, as kubectl prints durations: `30s`, `1m0s`, `1h0m0s`, `1.5s`.
    pub fn go_string(self) -> String {
        let ms = self.0;
        if ms == 0 {
            return "0s".to_string();
        }
        if ms < 1000 {
            return format!("{ms}ms");
        }
        let hours = ms / 3_600_000;
        let minutes = (ms / 60_000) % 60;
        let secs_ms = ms % 60_000;
        let secs = if secs_ms.is_multiple_of(1000) {
            format!("{}s", secs_ms / 1000)
        } else {
            let frac = format!("{:03}", secs_ms % 1000);
            format!("{}.{}s", secs_ms / 1000, frac.trim_end_matches('0'))
        };
        if hours > 0 {
            format!("{hours}h{minutes}m{secs}")
        } else if minutes > 0 {
            format!("{minutes}m{secs}")
        } else {
            secs
        }
    }

    /// kubectl's AGE column (`k8s.io/apimachinery/pkg/util/duration.HumanDuration`).
    pub fn human(self) -> String {
        let seconds = self.0 / 1000;
        if seconds < 120 {
            return format!("{seconds}s");
        }
        let minutes = seconds / 60;
        if minutes < 10 {
            let s = seconds % 60;
            return if s == 0 {
                format!("{minutes}m")
            } else {
                format!("{minutes}m{s}s")
            };
        }
        if minutes < 60 * 3 {
            return format!("{minutes}m");
        }
        let hours = minutes / 60;
        if hours < 8 {
            let m = minutes % 60;
            return if m == 0 {
                format!("{hours}h")
            } else {
                format!("{hours}h{m}m")
            };
        }
        if hours < 48 {
            return format!("{hours}h");
        }
        if hours < 24 * 8 {
            let h = hours % 24;
            return if h == 0 {
                format!("{}d", hours / 24)
            } else {
                format!("{}d{}h", hours / 24, h)
            };
        }
        if hours < 24 * 365 * 2 {
            return format!("{}d", hours / 24);
        }
        if hours < 24 * 365 * 8 {
            let dy = (hours / 24) % 365;
            return if dy == 0 {
                format!("{}y", hours / 24 / 365)
            } else {
                format!("{}y{}d", hours / 24 / 365, dy)
            };
        }
        format!("{}y", hours / 24 / 365)
    }
}

/// The text is not a Go duration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration")]
pub struct InvalidDuration;

/// Parses a Go duration (`time.ParseDuration`) with millisecond precision: what kubectl's
/// `--timeout` accepts. A bare `0` is allowed, as in Go.
pub fn parse_go_duration(text: &str) -> Result<SimDuration, InvalidDuration> {
    let s = text.trim();
    if s.is_empty() {
        return Err(InvalidDuration);
    }
    let (negative, total_ns) = crate::gotext::go_duration_nanos(s).map_err(|_| InvalidDuration)?;
    if negative {
        // A negative duration is valid Go, and kubectl treats it like zero.
        return Ok(SimDuration::ZERO);
    }
    // Sub-millisecond durations round up: `--timeout=1ns` is a (tiny) deadline, not "forever".
    let ms = u64::try_from(total_ns.div_ceil(1_000_000)).map_err(|_| InvalidDuration)?;
    Ok(SimDuration(ms))
}

impl fmt::Display for SimTime {
    /// Trace form: seconds with millisecond precision, `t=12.500`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}", self.0 / 1000, self.0 % 1000)
    }
}

impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.go_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_duration_strings_match_go() {
        assert_eq!(SimDuration::from_secs(30).go_string(), "30s");
        assert_eq!(SimDuration::from_secs(60).go_string(), "1m0s");
        assert_eq!(SimDuration::from_secs(360).go_string(), "6m0s");
        assert_eq!(SimDuration::from_secs(3600).go_string(), "1h0m0s");
        assert_eq!(SimDuration::from_ms(1500).go_string(), "1.5s");
        assert_eq!(SimDuration::from_ms(0).go_string(), "0s");
        assert_eq!(SimDuration::from_ms(250).go_string(), "250ms");
    }

    #[test]
    fn go_durations_parse() {
        assert_eq!(parse_go_duration("30s"), Ok(SimDuration::from_secs(30)));
        assert_eq!(parse_go_duration("1m30s"), Ok(SimDuration::from_secs(90)));
        assert_eq!(parse_go_duration("1.5h"), Ok(SimDuration::from_secs(5400)));
        assert_eq!(parse_go_duration("0"), Ok(SimDuration::ZERO));
        assert_eq!(parse_go_duration("250ms"), Ok(SimDuration::from_ms(250)));
        assert!(parse_go_duration("30").is_err());
        assert!(parse_go_duration("abc").is_err());
        assert!(parse_go_duration("5x").is_err());
        assert!(parse_go_duration("").is_err());
    }

    #[test]
    fn human_durations_match_kubectl_age_column() {
        let s = SimDuration::from_secs;
        assert_eq!(s(5).human(), "5s");
        assert_eq!(s(119).human(), "119s");
        assert_eq!(s(317).human(), "5m17s");
        assert_eq!(s(360).human(), "6m");
        assert_eq!(s(29 * 60).human(), "29m");
        assert_eq!(s(4 * 3600 + 10 * 60).human(), "4h10m");
        assert_eq!(s(18 * 3600).human(), "18h");
        assert_eq!(s(3 * 86400 + 5 * 3600).human(), "3d5h");
        assert_eq!(s(119 * 86400).human(), "119d");
        assert_eq!(s((2 * 365 + 120) * 86400).human(), "2y120d");
    }
}
