//! systemd on a node, as `systemctl`, `journalctl` and `service` show it: the kubelet unit
//! (`model::unit`) with systemd's own formats — the status page with its Loaded, Drop-In,
//! Active … since …; … ago, Main PID, Tasks, Memory, CPU and CGroup lines and the journal's
//! last lines under it, the unit files (`systemctl cat`), the journal in journalctl's short
//! format with the kubelet's klog lines.
//!
//! The wording follows the node's Ubuntu release: systemd 249 on 22.04 (`vendor preset`, the
//! unit under `/lib`), 255 on 24.04 (`preset`, `kubelet.service - …` in start and stop lines),
//! 245 on 20.04 and older (`●` for every state).

pub(crate) mod journal;
pub(crate) mod journalctl;
pub(crate) mod systemctl;
pub(crate) mod units;

use crate::time::{SimDuration, SimTime, WallClock};
use crate::tools::api::NodeApi;

/// Which systemd the node's OS ships.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Systemd {
    /// Ubuntu 20.04 and older.
    V245,
    /// Ubuntu 22.04.
    V249,
    /// Ubuntu 24.04.
    V255,
}

impl Systemd {
    pub(crate) fn of(api: &dyn NodeApi) -> Self {
        let os = &api.cluster().node(api.node()).os_image;
        if os.contains("24.04") {
            Self::V255
        } else if os.contains("22.04") {
            Self::V249
        } else {
            Self::V245
        }
    }

    /// How a start or stop line names the unit.
    pub(crate) fn unit_title(self, unit: &str, description: &str) -> String {
        if self >= Self::V255 {
            format!("{unit}.service - {description}")
        } else {
            description.to_string()
        }
    }
}

pub(crate) fn wall(api: &dyn NodeApi, t: SimTime) -> WallClock {
    t.wall_clock_with(api.cluster().epoch_s)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// `Jan 08 10:03:11`, journalctl's short format.
pub(crate) fn short_stamp(w: &WallClock) -> String {
    format!(
        "{} {:02} {:02}:{:02}:{:02}",
        MONTHS[(w.month - 1) as usize],
        w.day,
        w.hour,
        w.minute,
        w.second
    )
}

/// `Mon 2024-01-08 10:03:11 UTC`, systemd's timestamps (the nodes run in UTC).
pub(crate) fn timestamp(api: &dyn NodeApi, t: SimTime) -> String {
    let secs = t.wall_nanos_with(api.cluster().epoch_s) / 1_000_000_000;
    let weekday = WEEKDAYS[((secs / 86_400 + 4) % 7) as usize];
    let w = wall(api, t);
    format!(
        "{weekday} {}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        w.year, w.month, w.day, w.hour, w.minute, w.second
    )
}

const SEC: u64 = 1_000;
const MINUTE: u64 = 60 * SEC;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;
const WEEK: u64 = 7 * DAY;
const MONTH: u64 = 2_629_800 * SEC;
const YEAR: u64 = 31_557_600 * SEC;

/// systemd's `format_timestamp_relative`: `5min ago`, `1h 2min ago`, `1 day 3h ago`.
pub(crate) fn relative(d: SimDuration) -> String {
    let d = d.ms();
    let plural = |n: u64, one: &str, many: &str| if n == 1 { one.to_string() } else { many.to_string() };
    let text = if d >= YEAR {
        let (y, m) = (d / YEAR, d % YEAR / MONTH);
        format!(
            "{y} {} {m} {}",
            plural(y, "year", "years"),
            plural(m, "month", "months")
        )
    } else if d >= MONTH {
        let (m, days) = (d / MONTH, d % MONTH / DAY);
        format!(
            "{m} {} {days} {}",
            plural(m, "month", "months"),
            plural(days, "day", "days")
        )
    } else if d >= WEEK {
        let (w, days) = (d / WEEK, d % WEEK / DAY);
        format!(
            "{w} {} {days} {}",
            plural(w, "week", "weeks"),
            plural(days, "day", "days")
        )
    } else if d >= 2 * DAY {
        format!("{} days", d / DAY)
    } else if d >= 25 * HOUR {
        format!("1 day {}h", (d - DAY) / HOUR)
    } else if d >= 6 * HOUR {
        format!("{}h", d / HOUR)
    } else if d >= HOUR {
        format!("{}h {}min", d / HOUR, d % HOUR / MINUTE)
    } else if d >= 5 * MINUTE {
        format!("{}min", d / MINUTE)
    } else if d >= MINUTE {
        format!("{}min {}s", d / MINUTE, d % MINUTE / SEC)
    } else if d >= SEC {
        format!("{}s", d / SEC)
    } else if d > 0 {
        format!("{d}ms")
    } else {
        return "now".to_string();
    };
    format!("{text} ago")
}

/// systemd's `format_timespan` at millisecond accuracy (`CPU: 1min 32.518s`).
pub(crate) fn timespan(ms: u64) -> String {
    if ms == 0 {
        return "0".to_string();
    }
    let table = [
        ("y", YEAR),
        ("month", MONTH),
        ("w", WEEK),
        ("d", DAY),
        ("h", HOUR),
        ("min", MINUTE),
        ("s", SEC),
        ("ms", 1),
    ];
    let mut parts = Vec::new();
    let mut t = ms;
    for (suffix, unit) in table {
        if t == 0 {
            break;
        }
        if t < unit {
            continue;
        }
        let (a, b) = (t / unit, t % unit);
        // Under a minute, the rest is shown as a fraction of this unit (`32.518s`).
        if t < MINUTE && b > 0 && unit == SEC {
            parts.push(format!("{a}.{b:03}{suffix}"));
            break;
        }
        parts.push(format!("{a}{suffix}"));
        t = b;
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_read_like_systemd() {
        let s = SimDuration::from_secs;
        assert_eq!(relative(s(0)), "now");
        assert_eq!(relative(s(5)), "5s ago");
        assert_eq!(relative(s(90)), "1min 30s ago");
        assert_eq!(relative(s(600)), "10min ago");
        assert_eq!(relative(s(3_900)), "1h 5min ago");
        assert_eq!(relative(s(7 * 3600)), "7h ago");
        assert_eq!(relative(s(27 * 3600)), "1 day 3h ago");
        assert_eq!(relative(s(10 * 86_400)), "1 week 3 days ago");
    }

    #[test]
    fn timespans_read_like_systemd() {
        assert_eq!(timespan(92_518), "1min 32.518s");
        assert_eq!(timespan(84), "84ms");
        assert_eq!(timespan(3_600_000 + 2_000), "1h 2s");
        assert_eq!(timespan(2_500), "2.500s");
    }
}
