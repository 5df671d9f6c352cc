//! Go's text conventions as etcdctl prints them: `time.Duration` strings, `fmt` `%q`,
//! `encoding/json`, go-humanize byte sizes, olekukonko/tablewriter tables and `text/tabwriter`
//! columns. Everything the commands print goes through these so a value looks the way the Go
//! binary would print it.

use std::fmt::Write as _;
use std::time::Duration;

/// Go's `time.Duration.String()`: `2.118638ms`, `903.138µs`, `1m30s`, `0s`.
pub(crate) fn go_duration(d: Duration) -> String {
    let u = d.as_nanos().min(u128::from(u64::MAX)) as u64;
    if u == 0 {
        return "0s".to_string();
    }
    if u < 1_000_000_000 {
        let (prec, unit) = if u < 1_000 {
            (0, "ns")
        } else if u < 1_000_000 {
            (3, "µs")
        } else {
            (6, "ms")
        };
        let (int, frac) = split_frac(u, prec);
        return format!("{int}{frac}{unit}");
    }
    let (secs, frac) = split_frac(u, 9);
    let mut s = format!("{}{frac}s", secs % 60);
    let mins = secs / 60;
    if mins > 0 {
        s = format!("{}m{s}", mins % 60);
        let hours = mins / 60;
        if hours > 0 {
            s = format!("{hours}h{s}");
        }
    }
    s
}

/// `v / 10^prec` as Go's `fmtFrac` and `fmtInt` write it: trailing zeros and a bare `.` dropped.
fn split_frac(v: u64, prec: u32) -> (u64, String) {
    let p = 10u64.pow(prec);
    let (int, frac) = (v / p, v % p);
    if frac == 0 {
        return (int, String::new());
    }
    let digits = format!("{frac:0width$}", width = prec as usize);
    (int, format!(".{}", digits.trim_end_matches('0')))
}

/// Why a text is not a Go duration, as `time.ParseDuration` tells them apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DurationError {
    Invalid,
    MissingUnit,
    UnknownUnit(String),
}

/// Go's `time.ParseDuration`: the sign and the magnitude in nanoseconds (fractions past 12
/// digits dropped). The one parser behind kubectl's flags, `sleep` and etcdctl's flags.
pub(crate) fn go_duration_nanos(s: &str) -> Result<(bool, u128), DurationError> {
    let (negative, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest == "0" {
        return Ok((negative, 0));
    }
    if rest.is_empty() {
        return Err(DurationError::Invalid);
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let num_len = rest.bytes().take_while(|b| b.is_ascii_digit() || *b == b'.').count();
        let number = &rest[..num_len];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return Err(DurationError::Invalid);
        }
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let unit_ns: u128 = match unit {
            "" => return Err(DurationError::MissingUnit),
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            other => return Err(DurationError::UnknownUnit(other.to_string())),
        };
        let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
        let int: u128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| DurationError::Invalid)?
        };
        let mut value = int.checked_mul(unit_ns).ok_or(DurationError::Invalid)?;
        if !frac_part.is_empty() {
            let digits = frac_part.len().min(12) as u32;
            let frac: u128 = frac_part[..digits as usize]
                .parse()
                .map_err(|_| DurationError::Invalid)?;
            value += frac * unit_ns / 10u128.pow(digits);
        }
        total = total.checked_add(value).ok_or(DurationError::Invalid)?;
    }
    Ok((negative, total))
}

/// Go's `time.ParseDuration` as etcdctl's flags take it, in nanoseconds, with the error text of
/// the Go version etcd was built with (`quoted`: Go 1.15+ quotes the input).
pub(crate) fn parse_go_duration(s: &str, quoted: bool) -> Result<u64, String> {
    let q = |t: &str| if quoted { format!("\"{t}\"") } else { t.to_string() };
    match go_duration_nanos(s) {
        // etcdctl's timeouts are never negative in practice; a negative or absurd one behaves
        // as zero.
        Ok((negative, ns)) => Ok(if negative { 0 } else { u64::try_from(ns).unwrap_or(0) }),
        Err(DurationError::Invalid) => Err(format!("time: invalid duration {}", q(s))),
        Err(DurationError::MissingUnit) => Err(format!("time: missing unit in duration {}", q(s))),
        Err(DurationError::UnknownUnit(u)) => Err(format!("time: unknown unit {} in duration {}", q(&u), q(s))),
    }
}

/// Go's `%q` for a string: double quotes, `\"` and `\\` escaped, control characters as
/// `\n`, `\t`, `\x01`; printable Unicode kept.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON string as Go's `encoding/json` writes it (HTML-safe: `<`, `>`, `&` escaped).
pub(crate) fn json_str(s: &str) -> String {
    json_escape(s, true)
}

/// A JSON string as zap's encoder writes it (no HTML escaping).
pub(crate) fn zap_str(s: &str) -> String {
    json_escape(s, false)
}

fn json_escape(s: &str, html: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' if html => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            '\u{2028}' | '\u{2029}' if html => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Standard base64 with padding, as `encoding/json` writes `[]byte`.
pub(crate) fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// go-humanize's `Bytes`: SI units, one decimal below 10 (`20 kB`, `2.2 MB`, `5 B`).
pub(crate) fn humanize_bytes(s: u64) -> String {
    const SIZES: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    if s < 10 {
        return format!("{s} B");
    }
    let mut e = 0usize;
    let mut scaled = s as f64;
    while scaled >= 1000.0 && e + 1 < SIZES.len() {
        scaled /= 1000.0;
        e += 1;
    }
    let val = (s as f64 / 1000f64.powi(e as i32) * 10.0 + 0.5).floor() / 10.0;
    if val < 10.0 {
        format!("{} {}", go_fixed(val, 1), SIZES[e])
    } else {
        format!("{} {}", go_fixed(val, 0), SIZES[e])
    }
}

/// `%.Nf` with Go's rounding of the exact binary value (half to even on exact ties, which is
/// also what Rust's formatter does).
fn go_fixed(v: f64, prec: usize) -> String {
    format!("{v:.prec$}")
}

/// go-humanize's `Time` for a moment `elapsed` ago, as etcdctl 3.5 logs `took`.
pub(crate) fn humanize_ago(elapsed: Duration) -> String {
    let s = elapsed.as_secs();
    match s {
        0 => "now".to_string(),
        1 => "1 second ago".to_string(),
        2..=59 => format!("{s} seconds ago"),
        60..=119 => "1 minute ago".to_string(),
        _ => format!("{} minutes ago", s / 60),
    }
}

/// Which olekukonko/tablewriter: etcd 3.4 vendors a 2017 snapshot (a0225b3f), 3.5+ v0.0.5.
/// They wrap long cells differently.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum TableWriter {
    V2017,
    V005,
}

const MAX_ROW_WIDTH: usize = 30;

/// etcdctl's tables: borders, upper-cased centred headers, right-aligned cells, cells wider
/// than 30 columns wrapped at spaces with minimal raggedness (tablewriter's defaults plus
/// `SetAlignment(ALIGN_RIGHT)`).
pub(crate) fn table(header: &[&str], rows: &[Vec<String>], tw: TableWriter) -> String {
    let n = header.len();
    let mut widths = vec![0usize; n];
    for (i, h) in header.iter().enumerate() {
        // v0.0.5 wraps headers like cells; the 2017 writer only caps their width.
        widths[i] = match tw {
            TableWriter::V005 => wrap_v005(h).iter().map(|l| width(l)).max().unwrap_or(0),
            TableWriter::V2017 => width(h).min(MAX_ROW_WIDTH),
        };
    }
    let mut cells: Vec<Vec<Vec<String>>> = Vec::new();
    for row in rows {
        let mut line = Vec::new();
        for (i, cell) in row.iter().enumerate().take(n) {
            let lines = match tw {
                TableWriter::V005 => {
                    let l = wrap_v005(cell);
                    let w = l.iter().map(|x| width(x)).max().unwrap_or(0);
                    widths[i] = widths[i].max(w);
                    l
                }
                TableWriter::V2017 => {
                    let w = width(cell).min(MAX_ROW_WIDTH);
                    widths[i] = widths[i].max(w);
                    let l = wrap_string(cell, widths[i]);
                    let m = l.iter().map(|x| width(x)).max().unwrap_or(0);
                    widths[i] = widths[i].max(m);
                    l
                }
            };
            line.push(lines);
        }
        cells.push(line);
    }
    let border = {
        let mut b = String::from("+");
        for w in &widths {
            b.push_str(&"-".repeat(w + 2));
            b.push('+');
        }
        b
    };
    let mut out = String::new();
    out.push_str(&border);
    out.push('\n');
    out.push('|');
    for (i, h) in header.iter().enumerate() {
        out.push(' ');
        out.push_str(&center(&h.to_uppercase(), widths[i]));
        out.push_str(" |");
    }
    out.push('\n');
    out.push_str(&border);
    out.push('\n');
    for row in &cells {
        let height = row.iter().map(Vec::len).max().unwrap_or(1);
        for x in 0..height {
            out.push('|');
            for (i, lines) in row.iter().enumerate() {
                // tablewriter pads short cells with two spaces, then right-aligns those.
                let text = lines.get(x).map_or("  ", String::as_str);
                out.push(' ');
                out.push_str(&" ".repeat(widths[i].saturating_sub(width(text))));
                out.push_str(text);
                out.push_str(" |");
            }
            out.push('\n');
        }
    }
    out.push_str(&border);
    out.push('\n');
    out
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn center(s: &str, w: usize) -> String {
    let gap = w.saturating_sub(width(s));
    let left = gap / 2;
    format!("{}{s}{}", " ".repeat(left), " ".repeat(gap - left))
}

/// tablewriter v0.0.5 `parseDimension`: lines joined (reflow), wrapped at the cell's own width
/// capped at 30.
fn wrap_v005(cell: &str) -> Vec<String> {
    let max = cell.split('\n').map(width).max().unwrap_or(0).min(MAX_ROW_WIDTH);
    let joined = cell.split('\n').collect::<Vec<_>>().join(" ");
    wrap_string(&joined, max)
}

/// tablewriter's `WrapString`: words split at spaces, a limit no smaller than the longest word,
/// then minimal raggedness.
fn wrap_string(s: &str, lim: usize) -> Vec<String> {
    let words: Vec<&str> = s.split(['\n', ' ']).collect();
    let lim = words.iter().map(|w| width(w)).fold(lim, usize::max);
    wrap_words(&words, lim).into_iter().map(|l| l.join(" ")).collect()
}

/// tablewriter's `WrapWords` (minimum raggedness, penalty 1e5 for overlong lines).
fn wrap_words<'a>(words: &[&'a str], lim: usize) -> Vec<Vec<&'a str>> {
    let n = words.len();
    if n == 0 {
        return vec![vec![]];
    }
    let lim = lim as i64;
    let len =
        |i: usize, j: usize| -> i64 { words[i..=j].iter().map(|w| width(w) as i64).sum::<i64>() + (j - i) as i64 };
    let mut nbrk = vec![0usize; n];
    let mut cost = vec![i64::from(i32::MAX); n];
    for i in (0..n).rev() {
        if len(i, n - 1) <= lim {
            cost[i] = 0;
            nbrk[i] = n;
        } else {
            for j in i + 1..n {
                let l = len(i, j - 1);
                let d = lim - l;
                let mut c = d * d + cost[j];
                if l > lim {
                    c += 100_000;
                }
                if c < cost[i] {
                    cost[i] = c;
                    nbrk[i] = j;
                }
            }
        }
    }
    let mut lines = Vec::new();
    let mut i = 0;
    while i < n {
        lines.push(words[i..nbrk[i]].to_vec());
        i = nbrk[i];
    }
    lines
}

/// Go's `text/tabwriter` as etcdctl's help uses it: minwidth 0, tabwidth 8, padding 1, padding
/// with tabs. Cells are tab-terminated; a column block ends at a line with fewer cells.
pub(crate) fn tabwriter_tabs(text: &str) -> String {
    let lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
    // Width of every (line, column) cell that is tab-terminated, per column block.
    let mut widths: Vec<Vec<usize>> = lines.iter().map(|l| vec![0; l.len().saturating_sub(1)]).collect();
    let max_cols = lines.iter().map(|l| l.len().saturating_sub(1)).max().unwrap_or(0);
    for col in 0..max_cols {
        let mut start = 0;
        while start < lines.len() {
            if lines[start].len() <= col + 1 {
                start += 1;
                continue;
            }
            let mut end = start;
            while end < lines.len() && lines[end].len() > col + 1 {
                end += 1;
            }
            let w = (start..end).map(|i| width(lines[i][col]) + 1).max().unwrap_or(0);
            let cellw = w.div_ceil(8) * 8;
            for row in widths.iter_mut().take(end).skip(start) {
                row[col] = cellw;
            }
            start = end;
        }
    }
    let mut out = String::new();
    for (i, l) in lines.iter().enumerate() {
        for (c, cell) in l.iter().enumerate() {
            out.push_str(cell);
            if c + 1 < l.len() {
                let pad = widths[i][c] - width(cell);
                out.push_str(&"\t".repeat(pad.div_ceil(8)));
            }
        }
        if i + 1 < lines.len() {
            out.push('\n');
        }
    }
    out
}

/// CRC-32C (Castagnoli), the hash `snapshot status` prints.
pub(crate) fn crc32c(data: &[u8], mut crc: u32) -> u32 {
    crc = !crc;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        let ns = Duration::from_nanos;
        assert_eq!(go_duration(ns(2_118_638)), "2.118638ms");
        assert_eq!(go_duration(ns(903_138)), "903.138µs");
        assert_eq!(go_duration(ns(5_000_000_000)), "5s");
        assert_eq!(go_duration(ns(90_500_000_000)), "1m30.5s");
        assert_eq!(go_duration(ns(3_600_000_000_000)), "1h0m0s");
        assert_eq!(go_duration(ns(12)), "12ns");
        assert_eq!(go_duration(ns(0)), "0s");
        assert_eq!(parse_go_duration("5s", true), Ok(5_000_000_000));
        assert_eq!(parse_go_duration("1m30s", true), Ok(90_000_000_000));
        assert_eq!(parse_go_duration("1.5s", true), Ok(1_500_000_000));
        assert_eq!(parse_go_duration("500ms", true), Ok(500_000_000));
        assert_eq!(
            parse_go_duration("abc", true).unwrap_err(),
            "time: invalid duration \"abc\""
        );
        assert_eq!(
            parse_go_duration("5", true).unwrap_err(),
            "time: missing unit in duration \"5\""
        );
        assert_eq!(
            parse_go_duration("5x", false).unwrap_err(),
            "time: unknown unit x in duration 5x"
        );
    }

    #[test]
    fn humanize_like_go_humanize() {
        assert_eq!(humanize_bytes(20480), "20 kB");
        assert_eq!(humanize_bytes(2_232_352), "2.2 MB");
        assert_eq!(humanize_bytes(2_147_483_648), "2.1 GB");
        assert_eq!(humanize_bytes(5), "5 B");
        assert_eq!(humanize_bytes(999), "999 B");
        assert_eq!(humanize_bytes(25_000), "25 kB");
        assert_eq!(humanize_bytes(24_576), "25 kB");
    }

    #[test]
    fn quoting() {
        assert_eq!(go_quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
        assert_eq!(json_str("<a&b>"), "\"\\u003ca\\u0026b\\u003e\"");
        assert_eq!(zap_str("<a>"), "\"<a>\"");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"bar1"), "YmFyMQ==");
    }

    #[test]
    fn crc32c_check_value() {
        assert_eq!(crc32c(b"123456789", 0), 0xE306_9283);
    }

    #[test]
    fn tabwriter_pads_with_tabs_to_multiples_of_eight() {
        let t = "\tget\tGets\n\tlease keep-alive\tKeeps\n\tmember add\tAdds";
        assert_eq!(
            tabwriter_tabs(t),
            "\tget\t\t\tGets\n\tlease keep-alive\tKeeps\n\tmember add\t\tAdds"
        );
    }

    #[test]
    fn wraps_long_cells_like_tablewriter() {
        let lines = wrap_v005("failed to commit proposal: context deadline exceeded");
        assert_eq!(lines, ["failed to commit proposal:", "context deadline exceeded"]);
    }
}
