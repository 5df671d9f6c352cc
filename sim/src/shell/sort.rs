//! GNU `sort` with the options people use on command output: `-r`, `-n`,
//! `-u`, `-f`, `-b`, `-s`, `-t` and `-k` keys (with `.C` offsets and
//! per-key `n`/`r`/`f`/`b`). Comparison is bytewise, as in the C locale.

use super::CommandOutput;
use super::text::{Arg, Inputs, Opt, getopt, is_blank, lines, operands_or_stdin, opt, quote, usage_error};
use std::cmp::Ordering;

/// One `-k` key.
#[derive(Clone, Default)]
struct SortKey {
    start_field: usize,
    start_char: usize,
    end_field: Option<usize>,
    end_char: usize,
    order: KeyOrder,
    /// Whether the key has ordering options of its own; if not, the global
    /// ones apply (GNU's rule).
    own: bool,
    skip_blanks_start: bool,
    skip_blanks_end: bool,
}

#[derive(Clone, Copy, Default)]
struct KeyOrder {
    numeric: bool,
    reverse: bool,
    fold: bool,
    blanks: bool,
}

fn parse_key(spec: &str) -> Result<SortKey, String> {
    let invalid = |what: &str, text: &str| format!("sort: {what}: invalid count at start of {}", quote(text));
    let mut key = SortKey::default();
    let (start, end) = match spec.split_once(',') {
        Some((s, e)) => (s, Some(e)),
        None => (spec, None),
    };
    let (field, char_pos, flags) = split_position(start);
    key.start_field = match field.parse::<usize>() {
        Ok(0) => {
            return Err(format!(
                "sort: field number is zero: invalid field specification {}",
                quote(spec)
            ));
        }
        Ok(n) => n,
        Err(_) => return Err(invalid("invalid number at field start", start)),
    };
    key.start_char = match char_pos {
        None => 1,
        Some(c) => match c.parse::<usize>() {
            Ok(0) => {
                return Err(format!(
                    "sort: character offset is zero: invalid field specification {}",
                    quote(spec)
                ));
            }
            Ok(n) => n,
            Err(_) => return Err(invalid("invalid number after '.'", c)),
        },
    };
    apply_key_flags(&mut key, flags, true, spec)?;
    if let Some(end) = end {
        let (field, char_pos, flags) = split_position(end);
        key.end_field = match field.parse::<usize>() {
            Ok(0) => {
                return Err(format!(
                    "sort: field number is zero: invalid field specification {}",
                    quote(spec)
                ));
            }
            Ok(n) => Some(n),
            Err(_) => return Err(invalid("invalid number after ','", end)),
        };
        key.end_char = match char_pos {
            None => 0,
            Some(c) => c.parse::<usize>().map_err(|_| invalid("invalid number after '.'", c))?,
        };
        apply_key_flags(&mut key, flags, false, spec)?;
    }
    Ok(key)
}

/// `F[.C]FLAGS` → (F, C, FLAGS).
fn split_position(text: &str) -> (&str, Option<&str>, &str) {
    let digits_end = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let field_end = digits_end(text);
    let field = &text[..field_end];
    let rest = &text[field_end..];
    match rest.strip_prefix('.') {
        Some(after) => {
            let char_end = digits_end(after);
            (field, Some(&after[..char_end]), &after[char_end..])
        }
        None => (field, None, rest),
    }
}

fn apply_key_flags(key: &mut SortKey, flags: &str, start: bool, spec: &str) -> Result<(), String> {
    for flag in flags.chars() {
        match flag {
            'n' => key.order.numeric = true,
            'r' => key.order.reverse = true,
            'f' => key.order.fold = true,
            'b' => {
                if start {
                    key.skip_blanks_start = true;
                } else {
                    key.skip_blanks_end = true;
                }
            }
            'd' | 'g' | 'h' | 'i' | 'M' | 'R' | 'V' => {
                return Err(format!(
                    "kubedrill: sort: key option '{flag}' is not supported in the simulated shell"
                ));
            }
            _ => {
                return Err(format!(
                    "sort: stray character in field spec: invalid field specification {}",
                    quote(spec)
                ));
            }
        }
        key.own = true;
    }
    Ok(())
}

/// Byte ranges of the fields of `line`. Without a separator a field is its
/// leading blanks plus the following non-blanks, as GNU sort counts them.
fn field_ranges(line: &str, separator: Option<char>) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    match separator {
        Some(sep) => {
            let mut start = 0;
            for (i, c) in line.char_indices() {
                if c == sep {
                    ranges.push((start, i));
                    start = i + c.len_utf8();
                }
            }
            ranges.push((start, line.len()));
        }
        None => {
            let chars: Vec<(usize, char)> = line.char_indices().collect();
            let mut i = 0;
            while i < chars.len() {
                let start = chars[i].0;
                while i < chars.len() && is_blank(chars[i].1) {
                    i += 1;
                }
                while i < chars.len() && !is_blank(chars[i].1) {
                    i += 1;
                }
                let end = chars.get(i).map_or(line.len(), |(at, _)| *at);
                ranges.push((start, end));
            }
        }
    }
    ranges
}

/// Moves `pos` forward over blanks (if asked) and then `chars` characters,
/// never past `limit`.
fn advance(line: &str, mut pos: usize, skip_blanks: bool, chars: usize, limit: usize) -> usize {
    if skip_blanks {
        while let Some(c) = line[pos..limit].chars().next().filter(|c| is_blank(*c)) {
            pos += c.len_utf8();
        }
    }
    for c in line[pos..limit].chars().take(chars) {
        pos += c.len_utf8();
    }
    pos
}

fn key_text<'a>(line: &'a str, key: &SortKey, separator: Option<char>, blanks: bool) -> &'a str {
    let fields = field_ranges(line, separator);
    let Some(&(field_start, _)) = fields.get(key.start_field - 1) else {
        return "";
    };
    let start = advance(
        line,
        field_start,
        key.skip_blanks_start || blanks,
        key.start_char - 1,
        line.len(),
    );
    let end = match key.end_field {
        None => line.len(),
        Some(field) => match fields.get(field - 1) {
            None => line.len(),
            Some(&(_, f_end)) if key.end_char == 0 => f_end,
            Some(&(f_start, _)) => advance(line, f_start, key.skip_blanks_end || blanks, key.end_char, line.len()),
        },
    };
    if end <= start { "" } else { &line[start..end] }
}

/// GNU `sort -n`: leading blanks, an optional minus, digits, an optional
/// fraction; anything else ends the number, and no digits at all is zero.
fn compare_numeric(a: &str, b: &str) -> Ordering {
    fn parts(s: &str) -> (bool, &str, &str) {
        let s = s.trim_start_matches(is_blank);
        let (negative, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let int_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let int = s[..int_end].trim_start_matches('0');
        let frac = s[int_end..]
            .strip_prefix('.')
            .map(|f| {
                let end = f.find(|c: char| !c.is_ascii_digit()).unwrap_or(f.len());
                f[..end].trim_end_matches('0')
            })
            .unwrap_or("");
        let zero = int.is_empty() && frac.is_empty();
        (negative && !zero, int, frac)
    }
    let (neg_a, int_a, frac_a) = parts(a);
    let (neg_b, int_b, frac_b) = parts(b);
    let magnitude = int_a
        .len()
        .cmp(&int_b.len())
        .then_with(|| int_a.cmp(int_b))
        .then_with(|| frac_a.cmp(frac_b));
    match (neg_a, neg_b) {
        (false, false) => magnitude,
        (true, true) => magnitude.reverse(),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
    }
}

fn compare_text(a: &str, b: &str, order: KeyOrder) -> Ordering {
    let (a, b) = if order.blanks {
        (a.trim_start_matches(is_blank), b.trim_start_matches(is_blank))
    } else {
        (a, b)
    };
    let ordering = if order.numeric {
        compare_numeric(a, b)
    } else if order.fold {
        a.chars()
            .map(|c| c.to_ascii_uppercase())
            .cmp(b.chars().map(|c| c.to_ascii_uppercase()))
    } else {
        a.cmp(b)
    };
    if order.reverse { ordering.reverse() } else { ordering }
}

pub(super) fn sort(args: &[String], inputs: &mut Inputs<'_>) -> CommandOutput {
    const SPECS: &[Opt] = &[
        opt('r', "reverse", Arg::No),
        opt('n', "numeric-sort", Arg::No),
        opt('u', "unique", Arg::No),
        opt('f', "ignore-case", Arg::No),
        opt('b', "ignore-leading-blanks", Arg::No),
        opt('s', "stable", Arg::No),
        opt('k', "key", Arg::Required),
        opt('t', "field-separator", Arg::Required),
        opt('o', "output", Arg::Required),
    ];
    let (options, operands) = match getopt("sort", args, SPECS) {
        Ok(parsed) => parsed,
        Err(message) => return usage_error("sort", &message, 2),
    };
    let mut global = KeyOrder::default();
    let mut unique = false;
    let mut stable = false;
    let mut keys = Vec::new();
    let mut separator = None;
    for (key, value) in options {
        let value = value.unwrap_or_default();
        match key {
            "reverse" => global.reverse = true,
            "numeric-sort" => global.numeric = true,
            "unique" => unique = true,
            "ignore-case" => global.fold = true,
            "ignore-leading-blanks" => global.blanks = true,
            "stable" => stable = true,
            "key" => match parse_key(&value) {
                Ok(k) => keys.push(k),
                Err(message) => return CommandOutput::fail(2).line_err(&message),
            },
            "field-separator" => {
                let mut chars = value.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => separator = Some(c),
                    (None, _) => return CommandOutput::fail(2).line_err("sort: empty tab"),
                    _ => {
                        return CommandOutput::fail(2)
                            .line_err(&format!("sort: multi-character tab {}", quote(&value)));
                    }
                }
            }
            _ => {
                return CommandOutput::fail(2)
                    .line_err("kubedrill: sort -o is not supported in the simulated shell (no files are written)");
            }
        }
    }
    let mut text = String::new();
    for name in operands_or_stdin(operands) {
        match inputs.read(&name) {
            Some(content) => {
                text.push_str(&content);
                if !content.is_empty() && !content.ends_with('\n') {
                    text.push('\n');
                }
            }
            None => {
                return CommandOutput::fail(2)
                    .line_err(&format!("sort: cannot read: {name}: No such file or directory"));
            }
        }
    }
    let compare_keys = |a: &str, b: &str| -> Ordering {
        if keys.is_empty() {
            return compare_text(a, b, global);
        }
        for key in &keys {
            let order = if key.own {
                key.order
            } else {
                KeyOrder {
                    blanks: global.blanks || key.order.blanks,
                    ..global
                }
            };
            let ka = key_text(a, key, separator, order.blanks);
            let kb = key_text(b, key, separator, order.blanks);
            let ordering = compare_text(ka, kb, order);
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        Ordering::Equal
    };
    let mut all: Vec<&str> = lines(&text).collect();
    all.sort_by(|a, b| {
        compare_keys(a, b).then_with(|| {
            // GNU's last-resort comparison of whole lines, unless -s or -u.
            if stable || unique {
                Ordering::Equal
            } else if global.reverse {
                b.cmp(a)
            } else {
                a.cmp(b)
            }
        })
    });
    if unique {
        all.dedup_by(|later, earlier| compare_keys(earlier, later) == Ordering::Equal);
    }
    let mut body = String::new();
    for line in all {
        body.push_str(line);
        body.push('\n');
    }
    CommandOutput::ok().stdout(&body)
}
