//! When each Kubernetes release came out, for clusters that live on a date (`cluster.date`):
//! what apt can install that day, what kubeadm calls the latest stable release, and which
//! versions a scenario may not use yet.
//!
//! Sources, all dates UTC: the GitHub release timestamps kubernetes/website kept in
//! `data/releases/dates.json` (1.7.x, 1.8.0, 1.18.8–1.19.4); the patch release schedule's
//! target dates (kubernetes/sig-release `releases/patch-releases.md`, 2018–2021, and
//! kubernetes/website `data/releases/schedule.yaml`, 2022–2024); the minor releases'
//! announcement dates. A patch with no recorded date is placed between its recorded
//! neighbours (or a month after the last one): [`is_recorded`] tells which. The dates of
//! 1.35 and 1.36, like the catalogue's last patches of them, are plans, not history.

use crate::release::version::KubeVersion;

const RECORDED: &str = "1.7.0 2017-06-30
1.7.1 2017-07-14
1.7.2 2017-07-21
1.7.3 2017-08-03
1.7.4 2017-08-17
1.7.5 2017-08-31
1.7.6 2017-09-14
1.7.7 2017-09-29
1.7.8 2017-10-05
1.7.9 2017-10-19
1.7.10 2017-11-03
1.7.11 2017-11-25
1.7.12 2017-12-29
1.7.13 2018-03-01
1.7.14 2018-03-12
1.7.15 2018-03-19
1.7.16 2018-04-04
1.8.0 2017-09-29
1.9.0 2017-12-15
1.10.0 2018-03-26
1.11.0 2018-06-27
1.11.1 2018-07-17
1.11.2 2018-08-07
1.11.3 2018-09-09
1.11.4 2018-10-25
1.11.5 2018-11-26
1.11.6 2018-12-18
1.11.7 2019-01-24
1.11.8 2019-02-28
1.11.9 2019-03-21
1.12.0 2018-09-27
1.12.1 2018-10-05
1.12.2 2018-10-26
1.12.3 2018-11-26
1.12.4 2018-12-18
1.12.5 2019-01-17
1.12.6 2019-02-26
1.12.7 2019-03-25
1.12.8 2019-04-24
1.12.9 2019-05-27
1.12.10 2019-07-08
1.13.0 2018-12-03
1.13.1 2018-12-13
1.13.2 2019-01-10
1.13.3 2019-02-01
1.13.4 2019-02-28
1.13.5 2019-03-25
1.13.6 2019-05-08
1.13.7 2019-06-06
1.13.8 2019-07-08
1.13.9 2019-08-05
1.13.10 2019-08-19
1.13.11 2019-09-18
1.13.12 2019-10-15
1.14.0 2019-03-25
1.14.1 2019-04-08
1.14.2 2019-05-14
1.14.3 2019-06-06
1.14.4 2019-07-08
1.14.5 2019-08-05
1.14.6 2019-08-19
1.14.7 2019-09-18
1.14.8 2019-10-15
1.14.9 2019-11-13
1.14.10 2019-12-11
1.15.0 2019-06-19
1.15.1 2019-07-18
1.15.2 2019-08-05
1.15.3 2019-08-19
1.15.4 2019-09-18
1.15.5 2019-10-15
1.15.6 2019-11-13
1.15.7 2019-12-11
1.15.8 2020-01-14
1.15.9 2020-01-21
1.15.10 2020-02-11
1.15.11 2020-03-12
1.15.12 2020-04-16
1.16.0 2019-09-18
1.16.1 2019-10-02
1.16.2 2019-10-15
1.16.3 2019-11-13
1.16.4 2019-12-11
1.16.5 2020-01-14
1.16.6 2020-01-21
1.16.7 2020-02-11
1.16.8 2020-03-12
1.16.9 2020-04-16
1.16.10 2020-05-20
1.16.11 2020-06-17
1.16.12 2020-06-26
1.16.13 2020-07-15
1.16.14 2020-08-12
1.16.15 2020-09-02
1.17.0 2019-12-09
1.17.1 2020-01-14
1.17.2 2020-01-21
1.17.3 2020-02-11
1.17.4 2020-03-12
1.17.5 2020-04-16
1.17.6 2020-05-20
1.17.7 2020-06-17
1.17.8 2020-06-26
1.17.9 2020-07-15
1.17.10 2020-08-12
1.17.11 2020-08-13
1.17.12 2020-09-16
1.17.13 2020-10-14
1.17.14 2020-11-11
1.17.15 2020-12-09
1.17.16 2020-12-18
1.17.17 2021-01-13
1.18.0 2020-03-25
1.18.1 2020-04-08
1.18.2 2020-04-16
1.18.3 2020-05-20
1.18.4 2020-06-17
1.18.5 2020-06-26
1.18.6 2020-07-15
1.18.7 2020-08-12
1.18.8 2020-08-13
1.18.9 2020-09-16
1.18.10 2020-10-15
1.18.11 2020-11-11
1.18.12 2020-11-12
1.18.13 2020-12-09
1.18.14 2020-12-18
1.18.15 2021-01-13
1.18.16 2021-02-17
1.18.17 2021-03-17
1.18.18 2021-04-14
1.18.19 2021-05-12
1.19.0 2020-08-26
1.19.1 2020-09-09
1.19.2 2020-09-16
1.19.3 2020-10-14
1.19.4 2020-11-11
1.19.5 2020-12-09
1.19.6 2020-12-18
1.19.7 2021-01-13
1.19.8 2021-02-17
1.19.9 2021-03-17
1.19.10 2021-04-14
1.19.11 2021-05-12
1.20.0 2020-12-08
1.20.1 2020-12-18
1.20.2 2021-01-13
1.20.3 2021-02-17
1.20.4 2021-02-18
1.20.5 2021-03-17
1.20.6 2021-04-14
1.20.7 2021-05-12
1.21.0 2021-04-08
1.21.1 2021-05-12
1.22.0 2021-08-04
1.23.0 2021-12-07
1.24.0 2022-05-03
1.24.1 2022-05-24
1.24.2 2022-06-15
1.24.3 2022-07-13
1.24.4 2022-08-17
1.24.5 2022-09-14
1.24.6 2022-09-21
1.24.7 2022-10-12
1.24.8 2022-11-09
1.24.9 2022-12-08
1.24.10 2023-01-18
1.24.11 2023-02-15
1.24.12 2023-03-15
1.24.13 2023-04-12
1.24.14 2023-05-17
1.24.15 2023-06-14
1.24.16 2023-07-19
1.25.0 2022-08-23
1.25.1 2022-09-14
1.25.2 2022-09-21
1.25.3 2022-10-12
1.25.4 2022-11-09
1.25.5 2022-12-08
1.25.6 2023-01-18
1.25.7 2023-02-15
1.25.8 2023-03-15
1.25.9 2023-04-12
1.25.10 2023-05-17
1.25.11 2023-06-14
1.25.12 2023-07-19
1.26.0 2022-12-09
1.26.1 2023-01-18
1.26.2 2023-02-15
1.26.3 2023-03-15
1.26.4 2023-04-12
1.26.5 2023-05-17
1.26.6 2023-06-14
1.26.7 2023-07-19
1.27.0 2023-04-11
1.27.1 2023-04-14
1.27.2 2023-05-17
1.27.3 2023-06-14
1.27.4 2023-07-19
1.28.0 2023-08-15
1.28.1 2023-08-23
1.28.2 2023-09-13
1.28.3 2023-10-18
1.28.4 2023-11-14
1.28.5 2023-12-20
1.28.6 2024-01-17
1.28.7 2024-02-14
1.28.8 2024-03-12
1.28.9 2024-04-16
1.28.10 2024-05-14
1.28.11 2024-06-11
1.28.12 2024-07-16
1.28.13 2024-08-14
1.28.14 2024-09-10
1.28.15 2024-10-15
1.29.0 2023-12-13
1.29.1 2024-01-17
1.29.2 2024-02-14
1.29.3 2024-03-12
1.29.4 2024-04-16
1.29.5 2024-05-14
1.29.6 2024-06-11
1.29.7 2024-07-16
1.29.8 2024-08-14
1.29.9 2024-09-10
1.29.10 2024-10-15
1.30.0 2024-04-17
1.30.1 2024-05-15
1.30.2 2024-06-11
1.30.3 2024-07-16
1.30.4 2024-08-14
1.30.5 2024-09-10
1.30.6 2024-10-15
1.31.0 2024-08-13
1.31.1 2024-09-11
1.31.2 2024-10-15
1.32.0 2024-12-11
1.33.0 2025-04-23
1.34.0 2025-08-27
1.35.0 2025-12-17
1.36.0 2026-04-22";

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD` to days since 1970-01-01; `None` if it is not a date.
pub fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.trim().split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days_in = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&m) || d == 0 || d > days_in[(m - 1) as usize] {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Days since 1970-01-01 back to `YYYY-MM-DD`.
pub fn format_date(day: i64) -> String {
    let w = crate::time::WallClock::from_unix_nanos((day.max(0) as u64) * 86_400 * 1_000_000_000);
    format!("{:04}-{:02}-{:02}", w.year, w.month, w.day)
}

/// The table above as (minor, patch, day) in version order, parsed once: a simulator asks for
/// release days on every build and every apt command, and parsing the 240 lines each time was
/// a third of a generated policy case's cost.
fn recorded() -> &'static [(u32, u32, i64)] {
    static TABLE: std::sync::LazyLock<Vec<(u32, u32, i64)>> = std::sync::LazyLock::new(|| {
        let mut table = RECORDED
            .lines()
            .filter_map(|l| {
                let (v, d) = l.split_once(' ')?;
                let mut it = v.split('.').skip(1);
                let minor = it.next()?.parse().ok()?;
                let patch = it.next()?.parse().ok()?;
                Some((minor, patch, parse_date(d)?))
            })
            .collect::<Vec<_>>();
        table.sort_unstable();
        table
    });
    &TABLE
}

/// The recorded releases of one minor, (patch, day) in patch order.
fn recorded_minor(minor: u32) -> impl Iterator<Item = (u32, i64)> + Clone {
    let table = recorded();
    let from = table.partition_point(|&(m, _, _)| m < minor);
    let to = table.partition_point(|&(m, _, _)| m <= minor);
    table[from..to].iter().map(|&(_, p, d)| (p, d))
}

/// Whether the table has the release's own date (not one placed between neighbours).
pub fn is_recorded(v: &KubeVersion) -> bool {
    recorded_minor(v.minor).any(|(p, _)| p == v.patch)
}

/// The day a release came out (days since 1970-01-01), recorded or placed between its
/// recorded neighbours; `None` for a minor the table does not know.
pub fn release_day(v: &KubeVersion) -> Option<i64> {
    let same = recorded_minor(v.minor);
    if let Some((_, d)) = same.clone().find(|(p, _)| *p == v.patch) {
        return Some(d);
    }
    let before = same.clone().filter(|(p, _)| *p < v.patch).max_by_key(|(p, _)| *p)?;
    match same.filter(|(p, _)| *p > v.patch).min_by_key(|(p, _)| *p) {
        Some(after) => {
            let span = i64::from(after.0 - before.0);
            Some(before.1 + (after.1 - before.1) * i64::from(v.patch - before.0) / span)
        }
        None => Some(before.1 + 30 * i64::from(v.patch - before.0)),
    }
}

/// Whether the release existed on `day` (a release the table cannot place always did).
pub fn released_by(v: &KubeVersion, day: i64) -> bool {
    release_day(v).is_none_or(|d| d <= day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> KubeVersion {
        KubeVersion::parse(s).expect("version")
    }

    #[test]
    fn dates_come_from_the_table_or_between_neighbours() {
        assert_eq!(parse_date("2017-07-14"), release_day(&v("v1.7.1")));
        assert_eq!(format_date(release_day(&v("v1.31.1")).unwrap()), "2024-09-11");
        assert!(is_recorded(&v("v1.13.5")));
        // 1.8.1 has no recorded date: between 1.8.0 and the next recorded one.
        assert!(!is_recorded(&v("v1.8.1")));
        let d = release_day(&v("v1.8.1")).unwrap();
        assert!(d > release_day(&v("v1.8.0")).unwrap());
        assert!(released_by(&v("v1.30.6"), parse_date("2024-10-15").unwrap()));
        assert!(!released_by(&v("v1.31.2"), parse_date("2024-10-01").unwrap()));
        assert_eq!(parse_date("2024-02-30"), None);
        assert_eq!(format_date(parse_date("2024-10-01").unwrap()), "2024-10-01");
    }
}
