//! `journalctl` on a node: the kubelet unit's journal (`journal`) with the options people use
//! to troubleshoot it — `-u kubelet`, `-n N`, `-f`, `-e`, `-x`, `--no-pager`, `--since`,
//! `--until`, `-b`, `-p err`, `-r`, `-g`, `-o short|short-iso|cat`, bundled as `-xeu kubelet`.
//!
//! `-f` prints what is there and returns (the simulator's time does not move while a command
//! waits for more); without `-u` the kubelet's lines are what is shown (the model keeps no
//! other unit's journal).

use super::journal::{Line, boot_id, kubelet_lines};
use super::wall;
use crate::shell::CommandOutput;
use crate::shell::output::{stderr, stdout};
use crate::time::{SimDuration, SimTime};
use crate::tools::api::NodeApi;

#[derive(Default)]
struct Options {
    units: Vec<String>,
    lines: Option<usize>,
    follow: bool,
    reverse: bool,
    this_boot: bool,
    since: Option<SimTime>,
    until: Option<SimTime>,
    max_severity: Option<u8>,
    grep: Option<String>,
    output: Option<String>,
}

fn fail(msg: String) -> CommandOutput {
    let mut out = CommandOutput::default();
    stderr(&mut out, msg);
    out.status = 1;
    out
}

pub(crate) fn journalctl(api: &dyn NodeApi, args: &[String]) -> CommandOutput {
    let opts = match parse(api, args) {
        Ok(o) => o,
        Err(out) => return out,
    };
    let known = ["kubelet", "kubelet.service"];
    for u in &opts.units {
        let name = u.strip_suffix(".service").unwrap_or(u);
        if !known.contains(&u.as_str()) && super::units::find(name).is_some() {
            return fail(format!(
                "kubedrill: the journal of {name}.service is not modelled yet; only the kubelet's is (journalctl -u kubelet)"
            ));
        }
    }
    let unknown_only = !opts.units.is_empty() && !opts.units.iter().any(|u| known.contains(&u.as_str()));
    let mut lines: Vec<Line> = if unknown_only { Vec::new() } else { kubelet_lines(api) };
    if opts.this_boot {
        let current = lines.last().map(|l| l.boot);
        lines.retain(|l| Some(l.boot) == current);
    }
    lines.retain(|l| opts.since.is_none_or(|s| l.at >= s) && opts.until.is_none_or(|u| l.at <= u));
    if let Some(max) = opts.max_severity {
        lines.retain(|l| severity(l.severity) <= max);
    }
    if let Some(g) = &opts.grep {
        lines.retain(|l| l.message.contains(g.as_str()));
    }
    let limit = opts.lines.or(opts.follow.then_some(10));
    if let Some(n) = limit {
        let from = lines.len().saturating_sub(n);
        lines.drain(..from);
    }
    if opts.reverse {
        lines.reverse();
    }
    let mut out = CommandOutput::default();
    if lines.is_empty() {
        stdout(&mut out, "-- No entries --");
        return out;
    }
    let node = api.cluster().node(api.node()).name.to_string();
    let mut boot = lines.first().map(|l| l.boot);
    for l in &lines {
        if Some(l.boot) != boot {
            boot = Some(l.boot);
            let booted = SimTime(l.boot.saturating_sub(1));
            stdout(&mut out, format!("-- Boot {} --", boot_id(&node, booted)));
        }
        let text = match opts.output.as_deref() {
            Some("cat") => l.message.clone(),
            Some("short-iso") => {
                let w = wall(api, l.at);
                format!(
                    "{}-{:02}-{:02}T{:02}:{:02}:{:02}+0000 {node} {}: {}",
                    w.year, w.month, w.day, w.hour, w.minute, w.second, l.ident, l.message
                )
            }
            _ => l.short(api),
        };
        stdout(&mut out, text);
    }
    out
}

/// syslog levels: E is err (3), W warning (4), I info (6).
fn severity(c: char) -> u8 {
    match c {
        'E' => 3,
        'W' => 4,
        _ => 6,
    }
}

fn parse(api: &dyn NodeApi, args: &[String]) -> Result<Options, CommandOutput> {
    let mut o = Options::default();
    let mut i = 0;
    let value = |i: &mut usize, name: &str| -> Result<String, CommandOutput> {
        *i += 1;
        args.get(*i)
            .cloned()
            .ok_or_else(|| fail(format!("journalctl: option '{name}' requires an argument")))
    };
    while i < args.len() {
        let a = args[i].as_str();
        if let Some(long) = a.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let arg = |i: &mut usize| match &inline {
                Some(v) => Ok(v.clone()),
                None => value(i, a),
            };
            match name {
                "unit" => o.units.push(arg(&mut i)?),
                "lines" => o.lines = Some(count(inline.as_deref().unwrap_or("10"))?),
                "follow" => o.follow = true,
                "reverse" => o.reverse = true,
                "pager-end" => o.lines = o.lines.or(Some(1000)),
                "boot" => o.this_boot = true,
                "since" => o.since = Some(when(api, &arg(&mut i)?)?),
                "until" => o.until = Some(when(api, &arg(&mut i)?)?),
                "priority" => o.max_severity = Some(priority(&arg(&mut i)?)?),
                "grep" => o.grep = Some(arg(&mut i)?),
                "output" => o.output = Some(output(&arg(&mut i)?)?),
                "no-pager" | "catalog" | "all" | "full" | "no-full" | "quiet" | "utc" | "no-hostname" | "no-tail"
                | "merge" | "system" => {}
                "help" => return Err(help()),
                "version" => {
                    let mut out = CommandOutput::default();
                    stdout(&mut out, "systemd 249 (249.11-0ubuntu3.12)");
                    return Err(out);
                }
                "list-boots" | "disk-usage" | "vacuum-size" | "vacuum-time" | "vacuum-files" | "dmesg"
                | "identifier" | "user-unit" | "user" | "field" | "fields" | "cursor" | "after-cursor"
                | "show-cursor" | "directory" | "file" | "root" | "rotate" | "flush" | "sync" | "verify"
                | "facility" | "case-sensitive" | "output-fields" => {
                    return Err(fail(format!("kubedrill: journalctl --{name} is not modelled yet")));
                }
                _ => return Err(fail(format!("journalctl: unrecognized option '--{name}'"))),
            }
            i += 1;
            continue;
        }
        let Some(flags) = a.strip_prefix('-').filter(|f| !f.is_empty()) else {
            return Err(fail(format!(
                "kubedrill: journalctl matches ({a}) are not modelled yet; use -u UNIT"
            )));
        };
        let chars: Vec<char> = flags.chars().collect();
        let mut k = 0;
        while k < chars.len() {
            let c = chars[k];
            let rest: String = chars[k + 1..].iter().collect();
            // Options with an argument take the rest of the word, else the next one.
            let take = |i: &mut usize| -> Result<String, CommandOutput> {
                if rest.is_empty() {
                    value(i, &format!("-{c}"))
                } else {
                    Ok(rest.clone())
                }
            };
            match c {
                'u' => {
                    o.units.push(take(&mut i)?);
                    break;
                }
                'n' => {
                    // `-n` alone is 10; `-n 20` takes the next word when it is a number.
                    if !rest.is_empty() {
                        o.lines = Some(count(&rest)?);
                    } else if let Some(next) = args.get(i + 1).filter(|n| n.parse::<usize>().is_ok()) {
                        o.lines = Some(count(next)?);
                        i += 1;
                    } else {
                        o.lines = Some(10);
                    }
                    break;
                }
                'S' => {
                    o.since = Some(when(api, &take(&mut i)?)?);
                    break;
                }
                'U' => {
                    o.until = Some(when(api, &take(&mut i)?)?);
                    break;
                }
                'p' => {
                    o.max_severity = Some(priority(&take(&mut i)?)?);
                    break;
                }
                'g' => {
                    o.grep = Some(take(&mut i)?);
                    break;
                }
                'o' => {
                    o.output = Some(output(&take(&mut i)?)?);
                    break;
                }
                'f' => o.follow = true,
                'e' => o.lines = o.lines.or(Some(1000)),
                'r' => o.reverse = true,
                'b' => o.this_boot = true,
                'x' | 'a' | 'l' | 'q' | 'm' => {}
                'h' => return Err(help()),
                'k' => {
                    return Err(fail(
                        "kubedrill: the kernel's journal (journalctl -k) is not modelled yet".into(),
                    ));
                }
                other => return Err(fail(format!("journalctl: invalid option -- '{other}'"))),
            }
            k += 1;
        }
        i += 1;
    }
    Ok(o)
}

fn count(s: &str) -> Result<usize, CommandOutput> {
    s.parse::<usize>()
        .map_err(|_| fail(format!("Failed to parse lines '{s}'")))
}

fn priority(s: &str) -> Result<u8, CommandOutput> {
    let levels = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];
    s.parse::<u8>()
        .ok()
        .filter(|n| *n < 8)
        .or_else(|| levels.iter().position(|l| *l == s).map(|p| p as u8))
        .ok_or_else(|| fail(format!("Unknown log level {s}")))
}

fn output(s: &str) -> Result<String, CommandOutput> {
    match s {
        "short" | "cat" | "short-iso" => Ok(s.to_string()),
        "json" | "json-pretty" | "verbose" | "export" | "short-precise" | "short-monotonic" | "short-full"
        | "short-unix" | "with-unit" | "json-sse" | "json-seq" | "short-iso-precise" | "short-delta" => Err(fail(
            format!("kubedrill: journalctl -o {s} is not modelled yet (short, short-iso, cat are)"),
        )),
        _ => Err(fail(format!("Unknown output format '{s}'."))),
    }
}

/// A `--since`/`--until` value, as systemd parses timestamps (the forms people type).
fn when(api: &dyn NodeApi, text: &str) -> Result<SimTime, CommandOutput> {
    let bad = || fail(format!("Failed to parse timestamp: {text}"));
    let now = api.now();
    let epoch_ms = api.cluster().epoch_s * 1000;
    let wall_ms = epoch_ms + now.ms();
    let day_start = wall_ms - wall_ms % 86_400_000;
    let at_wall = |ms: u64| SimTime(ms.saturating_sub(epoch_ms));
    let t = text.trim();
    match t {
        "now" => return Ok(now),
        "today" => return Ok(at_wall(day_start)),
        "yesterday" => return Ok(at_wall(day_start.saturating_sub(86_400_000))),
        "tomorrow" => return Ok(at_wall(day_start + 86_400_000)),
        _ => {}
    }
    let span = |s: &str| -> Option<u64> {
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_digit())?;
        let (n, unit) = s.split_at(split);
        let n: u64 = n.parse().ok()?;
        let ms = match unit.trim() {
            "s" | "sec" | "secs" | "second" | "seconds" => 1_000,
            "m" | "min" | "mins" | "minute" | "minutes" => 60_000,
            "h" | "hr" | "hour" | "hours" => 3_600_000,
            "d" | "day" | "days" => 86_400_000,
            "w" | "week" | "weeks" => 604_800_000,
            _ => return None,
        };
        Some(n * ms)
    };
    if let Some(ago) = t
        .strip_suffix(" ago")
        .and_then(span)
        .or_else(|| t.strip_prefix('-').and_then(span))
    {
        return Ok(SimTime(now.ms().saturating_sub(ago)));
    }
    if let Some(ahead) = t.strip_prefix('+').and_then(span) {
        return Ok(now + SimDuration(ahead));
    }
    let (date, time) = match t.split_once([' ', 'T']) {
        Some((d, tm)) => (Some(d), Some(tm)),
        None if t.contains('-') => (Some(t), None),
        None => (None, Some(t)),
    };
    let day_ms = match date {
        Some(d) => {
            let day = crate::release::dates::parse_date(d).ok_or_else(bad)?;
            u64::try_from(day).map_err(|_| bad())? * 86_400_000
        }
        None => day_start,
    };
    let time_ms = match time {
        Some(tm) => {
            let parts: Vec<&str> = tm.split(':').collect();
            if !(2..=3).contains(&parts.len()) {
                return Err(bad());
            }
            let mut ms = 0;
            for (p, unit) in parts.iter().zip([3_600_000, 60_000, 1_000]) {
                let v: u64 = p.parse().map_err(|_| bad())?;
                ms += v * unit;
            }
            ms
        }
        None => 0,
    };
    Ok(at_wall(day_ms + time_ms))
}

fn help() -> CommandOutput {
    let mut out = CommandOutput::default();
    stdout(
        &mut out,
        "journalctl [OPTIONS...] [MATCHES...]\n\nQuery the journal.\n\nModelled by kubedrill: -u UNIT, -n N, -f, -e, -x, -r, -b, -p LEVEL, -g TEXT,\n-S/--since, -U/--until, -o short|short-iso|cat, --no-pager (the kubelet's journal).",
    );
    out
}

/// The status page's journal excerpt: the last `n` lines in the short format.
pub(crate) fn last_lines(api: &dyn NodeApi, n: usize) -> Vec<String> {
    let lines = kubelet_lines(api);
    let from = lines.len().saturating_sub(n);
    lines[from..].iter().map(|l| l.short(api)).collect()
}
