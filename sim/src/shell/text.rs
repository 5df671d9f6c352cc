//! The text filters people pipe `kubectl` output into. They are pure text,
//! so they live in the shell rather than in the host: `cat`, `wc`, `head`,
//! `tail`, `sort`, `uniq`, `cut`, `column -t` here, and `grep` and a small
//! `awk` in their own modules. Messages follow GNU coreutils in a UTF-8
//! locale (hence the ‘curly’ quotes where coreutils uses them).

use super::CommandOutput;
use super::{awk, grep, sort};

/// Runs `name` if it is one of the text tools; `None` otherwise.
/// `files` returns a file's contents by the name typed (`None`: no such file).
pub(super) fn run(
    name: &str,
    args: &[String],
    stdin: &str,
    files: &dyn Fn(&str) -> Option<String>,
) -> Option<CommandOutput> {
    let mut inputs = Inputs::new(stdin, files);
    let output = match name {
        "grep" => grep::grep(args, &mut inputs),
        "awk" => awk::awk(args, &mut inputs),
        "cat" => cat(args, &mut inputs),
        // Not on a terminal (a pipe, a scripted lab), less and more print their input as cat.
        "less" | "more" => {
            let files: Vec<String> = args
                .iter()
                .filter(|a| !a.starts_with('-') && !a.starts_with('+'))
                .cloned()
                .collect();
            let mut out = cat(&files, &mut inputs);
            for c in &mut out.chunks {
                if c.stream == super::Stream::Stderr {
                    c.text = match name {
                        "less" => c.text.replacen("cat: ", "", 1),
                        _ => c.text.replacen("cat: ", "more: cannot open ", 1),
                    };
                }
            }
            out
        }
        "wc" => wc(args, &mut inputs),
        "head" => head_tail(Tool::Head, args, &mut inputs),
        "tail" => head_tail(Tool::Tail, args, &mut inputs),
        "sort" => sort::sort(args, &mut inputs),
        "uniq" => uniq(args, &mut inputs),
        "cut" => cut(args, &mut inputs),
        "column" => column(args, &mut inputs),
        _ => return None,
    };
    Some(output)
}

/// The inputs a tool may read. Standard input can be read once, like a pipe.
pub(super) struct Inputs<'a> {
    stdin: Option<&'a str>,
    files: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> Inputs<'a> {
    pub(super) fn new(stdin: &'a str, files: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Inputs {
            stdin: Some(stdin),
            files,
        }
    }

    /// `-` is standard input; `None` means no such file.
    pub(super) fn read(&mut self, name: &str) -> Option<String> {
        if name == "-" {
            Some(self.stdin.take().unwrap_or_default().to_owned())
        } else {
            (self.files)(name)
        }
    }
}

/// Lines without their terminators; a final newline does not start a line.
pub(super) fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split_inclusive('\n')
        .map(|line| line.strip_suffix('\n').unwrap_or(line))
}

/// How an option takes a value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Arg {
    No,
    Required,
    /// Long form only: `--color` or `--color=WHEN`.
    Optional,
}

/// One option a tool accepts: `key` is what the tool matches on.
pub(super) struct Opt {
    pub(super) short: Option<char>,
    pub(super) long: &'static str,
    pub(super) arg: Arg,
    pub(super) key: &'static str,
}

pub(super) const fn opt(short: char, long: &'static str, arg: Arg) -> Opt {
    Opt {
        short: Some(short),
        long,
        arg,
        key: long,
    }
}

pub(super) const fn long_opt(long: &'static str, arg: Arg) -> Opt {
    Opt {
        short: None,
        long,
        arg,
        key: long,
    }
}

/// Options in the order given, then the operands.
pub(super) type Parsed = (Vec<(&'static str, Option<String>)>, Vec<String>);

/// GNU `getopt_long` with argument permutation: options may follow
/// operands, `--` ends options, long options may be abbreviated. The error
/// is getopt's message line, without the tool's trailer.
pub(super) fn getopt(prog: &str, args: &[String], specs: &[Opt]) -> Result<Parsed, String> {
    let mut options = Vec::new();
    let mut operands = Vec::new();
    let mut index = 0;
    while index < args.len() {
        let arg = &args[index];
        index += 1;
        if arg == "--" {
            operands.extend(args[index..].iter().cloned());
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (long, None),
            };
            let spec = match specs.iter().find(|s| s.long == name) {
                Some(spec) => spec,
                None => {
                    let candidates: Vec<&Opt> = specs
                        .iter()
                        .filter(|s| !s.long.is_empty() && s.long.starts_with(name))
                        .collect();
                    // Synonyms (`--color`/`--colour`) do not make a prefix ambiguous.
                    let same_option = candidates.windows(2).all(|w| w[0].key == w[1].key);
                    match candidates.as_slice() {
                        [first, ..] if same_option => *first,
                        [] => return Err(format!("{prog}: unrecognized option '{arg}'")),
                        many => {
                            let names: Vec<String> = many.iter().map(|s| format!("'--{}'", s.long)).collect();
                            return Err(format!(
                                "{prog}: option '--{name}' is ambiguous; possibilities: {}",
                                names.join(" ")
                            ));
                        }
                    }
                }
            };
            match (spec.arg, value) {
                (Arg::No, Some(_)) => {
                    return Err(format!("{prog}: option '--{}' doesn't allow an argument", spec.long));
                }
                (Arg::No, None) => options.push((spec.key, None)),
                (Arg::Optional, value) => options.push((spec.key, value)),
                (Arg::Required, Some(v)) => options.push((spec.key, Some(v))),
                (Arg::Required, None) => match args.get(index) {
                    Some(v) => {
                        options.push((spec.key, Some(v.clone())));
                        index += 1;
                    }
                    None => {
                        return Err(format!("{prog}: option '--{}' requires an argument", spec.long));
                    }
                },
            }
            continue;
        }
        let Some(flags) = arg.strip_prefix('-').filter(|f| !f.is_empty()) else {
            operands.push(arg.clone());
            continue;
        };
        for (at, flag) in flags.char_indices() {
            let Some(spec) = specs.iter().find(|s| s.short == Some(flag)) else {
                return Err(format!("{prog}: invalid option -- '{flag}'"));
            };
            if spec.arg != Arg::Required {
                options.push((spec.key, None));
                continue;
            }
            let attached = &flags[at + flag.len_utf8()..];
            if !attached.is_empty() {
                options.push((spec.key, Some(attached.to_owned())));
            } else if let Some(v) = args.get(index) {
                options.push((spec.key, Some(v.clone())));
                index += 1;
            } else {
                return Err(format!("{prog}: option requires an argument -- '{flag}'"));
            }
            break;
        }
    }
    Ok((options, operands))
}

/// A coreutils usage error: the message, the `--help` hint, and `status`.
pub(super) fn usage_error(prog: &str, message: &str, status: i32) -> CommandOutput {
    CommandOutput::fail(status)
        .line_err(message)
        .line_err(&format!("Try '{prog} --help' for more information."))
}

/// `head: invalid number of lines: ‘x’` style quoting.
pub(super) fn quote(s: &str) -> String {
    format!("\u{2018}{s}\u{2019}")
}

/// The operands, or standard input when there are none.
pub(super) fn operands_or_stdin(operands: Vec<String>) -> Vec<String> {
    if operands.is_empty() {
        vec!["-".to_owned()]
    } else {
        operands
    }
}

fn no_such_file(prog: &str, name: &str) -> String {
    format!("{prog}: {name}: No such file or directory")
}

fn cat(args: &[String], inputs: &mut Inputs<'_>) -> CommandOutput {
    const SPECS: &[Opt] = &[
        opt('n', "number", Arg::No),
        opt('E', "show-ends", Arg::No),
        opt('u', "", Arg::No),
    ];
    let (options, operands) = match getopt("cat", args, SPECS) {
        Ok(parsed) => parsed,
        Err(message) => return usage_error("cat", &message, 1),
    };
    let number = options.iter().any(|(k, _)| *k == "number");
    let ends = options.iter().any(|(k, _)| *k == "show-ends");
    let mut out = CommandOutput::ok();
    let mut line_number = 0;
    for name in operands_or_stdin(operands) {
        let Some(text) = inputs.read(&name) else {
            out.push_line(super::Stream::Stderr, &no_such_file("cat", &name));
            out.status = 1;
            continue;
        };
        if !number && !ends {
            out.push(super::Stream::Stdout, &text);
            continue;
        }
        let mut body = String::new();
        for line in text.split_inclusive('\n') {
            if number {
                line_number += 1;
                body.push_str(&format!("{line_number:>6}\t"));
            }
            match line.strip_suffix('\n') {
                Some(content) if ends => {
                    body.push_str(content);
                    body.push_str("$\n");
                }
                _ => body.push_str(line),
            }
        }
        out.push(super::Stream::Stdout, &body);
    }
    out
}

#[derive(Default, Clone, Copy)]
struct Counts {
    lines: usize,
    words: usize,
    chars: usize,
    bytes: usize,
    max_line: usize,
}

fn count(text: &str) -> Counts {
    let mut counts = Counts {
        lines: text.matches('\n').count(),
        words: text.split_whitespace().count(),
        chars: text.chars().count(),
        bytes: text.len(),
        max_line: 0,
    };
    for line in lines(text) {
        let mut width = 0;
        for c in line.chars() {
            width = if c == '\t' { (width / 8 + 1) * 8 } else { width + 1 };
        }
        counts.max_line = counts.max_line.max(width);
    }
    counts
}

fn wc(args: &[String], inputs: &mut Inputs<'_>) -> CommandOutput {
    const SPECS: &[Opt] = &[
        opt('l', "lines", Arg::No),
        opt('w', "words", Arg::No),
        opt('c', "bytes", Arg::No),
        opt('m', "chars", Arg::No),
        opt('L', "max-line-length", Arg::No),
    ];
    let (options, operands) = match getopt("wc", args, SPECS) {
        Ok(parsed) => parsed,
        Err(message) => return usage_error("wc", &message, 1),
    };
    let has = |key: &str| options.iter().any(|(k, _)| *k == key);
    let mut show = [
        has("lines"),
        has("words"),
        has("chars"),
        has("bytes"),
        has("max-line-length"),
    ];
    if !show.iter().any(|s| *s) {
        show = [true, true, false, true, false];
    }
    let explicit = !operands.is_empty();
    let names = operands_or_stdin(operands);

    // Read everything first: the column width depends on all inputs.
    let results: Vec<(String, Option<Counts>, bool)> = names
        .into_iter()
        .map(|name| {
            let stdin = name == "-";
            let counts = inputs.read(&name).map(|text| count(&text));
            (name, counts, stdin)
        })
        .collect();

    // coreutils: one count of one input needs no padding; otherwise the
    // width fits the total size of the regular files, and at least 7 when
    // a pipe is involved because its size is unknown in advance.
    let shown = show.iter().filter(|s| **s).count();
    // (coreutils also skips the sizes when the first input failed.)
    let first_failed = results.first().is_some_and(|(_, counts, _)| counts.is_none());
    let width = if (results.len() == 1 && shown == 1) || first_failed {
        1
    } else {
        let mut minimum = 1;
        let mut total_bytes = 0usize;
        for (_, counts, stdin) in &results {
            match counts {
                Some(_) if *stdin => minimum = 7,
                Some(c) => total_bytes += c.bytes,
                None => {}
            }
        }
        total_bytes.to_string().len().max(minimum)
    };

    let format = |c: &Counts, name: Option<&str>| {
        let values = [c.lines, c.words, c.chars, c.bytes, c.max_line];
        let mut line = values
            .iter()
            .zip(show)
            .filter(|(_, s)| *s)
            .map(|(v, _)| format!("{v:>width$}"))
            .collect::<Vec<_>>()
            .join(" ");
        if let Some(name) = name {
            line.push(' ');
            line.push_str(name);
        }
        line
    };

    let mut out = CommandOutput::ok();
    let mut total = Counts::default();
    let many = results.len() > 1;
    for (name, counts, _) in &results {
        match counts {
            Some(c) => {
                total.lines += c.lines;
                total.words += c.words;
                total.chars += c.chars;
                total.bytes += c.bytes;
                total.max_line = total.max_line.max(c.max_line);
                out.push_line(super::Stream::Stdout, &format(c, explicit.then_some(name.as_str())));
            }
            None => {
                out.push_line(super::Stream::Stderr, &no_such_file("wc", name));
                out.status = 1;
            }
        }
    }
    if many {
        out.push_line(super::Stream::Stdout, &format(&total, Some("total")));
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tool {
    Head,
    Tail,
}

/// A `-n`/`-c` count: `from_start` is tail's `+N` or head's plain `N`.
struct Amount {
    value: usize,
    /// head: `-N` means all but the last N; tail: `+N` means from the Nth.
    inverted: bool,
}

fn parse_amount(text: &str, tool: Tool) -> Option<Amount> {
    let (sign, digits) = match text.chars().next() {
        Some('+') => (Some('+'), &text[1..]),
        Some('-') => (Some('-'), &text[1..]),
        _ => (None, text),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    // Counts beyond usize cannot be told apart from "everything".
    let value = digits.parse().unwrap_or(usize::MAX);
    let inverted = match tool {
        Tool::Head => sign == Some('-'),
        Tool::Tail => sign == Some('+'),
    };
    Some(Amount { value, inverted })
}

fn head_tail(tool: Tool, args: &[String], inputs: &mut Inputs<'_>) -> CommandOutput {
    let prog = match tool {
        Tool::Head => "head",
        Tool::Tail => "tail",
    };
    const SPECS: &[Opt] = &[
        opt('n', "lines", Arg::Required),
        opt('c', "bytes", Arg::Required),
        opt('q', "quiet", Arg::No),
        long_opt("silent", Arg::No),
        opt('v', "verbose", Arg::No),
        opt('f', "follow", Arg::No),
        opt('F', "", Arg::No),
    ];
    // The obsolete `head -5` / `tail -5` form, only as the first argument.
    let mut args = args.to_vec();
    if let Some(first) = args.first()
        && first.len() > 1
        && first.starts_with('-')
        && first[1..].chars().all(|c| c.is_ascii_digit())
    {
        let count = first[1..].to_owned();
        args.splice(0..1, ["-n".to_owned(), count]);
    }
    let (options, operands) = match getopt(prog, &args, SPECS) {
        Ok(parsed) => parsed,
        Err(message) => return usage_error(prog, &message, 1),
    };
    let mut bytes = false;
    let mut amount = Amount {
        value: 10,
        inverted: false,
    };
    let mut headers: Option<bool> = None;
    for (key, value) in &options {
        match *key {
            "lines" | "bytes" => {
                bytes = *key == "bytes";
                let text = value.as_deref().unwrap_or_default();
                amount = match parse_amount(text, tool) {
                    Some(a) => a,
                    None => {
                        let what = if bytes { "bytes" } else { "lines" };
                        return CommandOutput::fail(1)
                            .line_err(&format!("{prog}: invalid number of {what}: {}", quote(text)));
                    }
                };
            }
            "quiet" | "silent" => headers = Some(false),
            "verbose" => headers = Some(true),
            // Following a pipe ends when the pipe does, so that is plain tail.
            _ if operands.is_empty() || operands.iter().all(|o| o == "-") => {}
            _ => {
                return CommandOutput::fail(1).line_err(&format!(
                    "kubedrill: {prog} -f is not supported in the simulated shell (nothing is appended while you wait)"
                ));
            }
        }
    }
    let names = operands_or_stdin(operands);
    let headers = headers.unwrap_or(names.len() > 1);
    let mut out = CommandOutput::ok();
    let mut first = true;
    for name in names {
        let Some(text) = inputs.read(&name) else {
            out.push_line(
                super::Stream::Stderr,
                &format!("{prog}: cannot open '{name}' for reading: No such file or directory"),
            );
            out.status = 1;
            continue;
        };
        if headers {
            let shown = if name == "-" { "standard input" } else { &name };
            let separator = if first { "" } else { "\n" };
            out.push(super::Stream::Stdout, &format!("{separator}==> {shown} <==\n"));
        }
        first = false;
        let body = if bytes {
            String::from_utf8_lossy(select(tool, &amount, text.as_bytes())).into_owned()
        } else {
            let pieces: Vec<&str> = text.split_inclusive('\n').collect();
            select(tool, &amount, &pieces).concat()
        };
        out.push(super::Stream::Stdout, &body);
    }
    out
}

/// The part of `items` that head or tail keeps.
fn select<'a, T>(tool: Tool, amount: &Amount, items: &'a [T]) -> &'a [T] {
    let n = amount.value.min(items.len());
    match (tool, amount.inverted) {
        (Tool::Head, false) => &items[..n],
        (Tool::Head, true) => &items[..items.len() - n],
        (Tool::Tail, false) => &items[items.len() - n..],
        // `+N` starts at the Nth item; `+0` is the same as `+1`.
        (Tool::Tail, true) => &items[amount.value.saturating_sub(1).min(items.len())..],
    }
}

/// A space or a tab: what separates fields in `sort` and `uniq`.
pub(super) fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn uniq(args: &[String], inputs: &mut Inputs<'_>) -> CommandOutput {
    const SPECS: &[Opt] = &[
        opt('c', "count", Arg::No),
        opt('d', "repeated", Arg::No),
        opt('u', "unique", Arg::No),
        opt('i', "ignore-case", Arg::No),
        opt('f', "skip-fields", Arg::Required),
        opt('s', "skip-chars", Arg::Required),
    ];
    let (options, operands) = match getopt("uniq", args, SPECS) {
        Ok(parsed) => parsed,
        Err(message) => return usage_error("uniq", &message, 1),
    };
    let mut count = false;
    let mut repeated = false;
    let mut unique_only = false;
    let mut fold = false;
    let mut skip_fields = 0usize;
    let mut skip_chars = 0usize;
    for (key, value) in options {
        let value = value.unwrap_or_default();
        match key {
            "count" => count = true,
            "repeated" => repeated = true,
            "unique" => unique_only = true,
            "ignore-case" => fold = true,
            _ => {
                let Ok(n) = value.parse::<usize>() else {
                    let what = if key == "skip-fields" {
                        "number of fields to skip"
                    } else {
                        "number of bytes to skip"
                    };
                    return CommandOutput::fail(1).line_err(&format!("uniq: {value}: invalid {what}"));
                };
                if key == "skip-fields" {
                    skip_fields = n;
                } else {
                    skip_chars = n;
                }
            }
        }
    }
    match operands.len() {
        0 | 1 => {}
        2 => {
            return CommandOutput::fail(1)
                .line_err("kubedrill: uniq OUTPUT is not supported in the simulated shell (no files are written)");
        }
        _ => {
            return usage_error("uniq", &format!("uniq: extra operand {}", quote(&operands[2])), 1);
        }
    }
    let name = operands.first().cloned().unwrap_or_else(|| "-".to_owned());
    let Some(text) = inputs.read(&name) else {
        return CommandOutput::fail(1).line_err(&no_such_file("uniq", &name));
    };
    let compared = |line: &str| -> String {
        let mut rest = line;
        for _ in 0..skip_fields {
            rest = rest.trim_start_matches(is_blank);
            rest = rest.trim_start_matches(|c: char| !is_blank(c));
        }
        let rest: String = rest.chars().skip(skip_chars).collect();
        if fold { rest.to_lowercase() } else { rest }
    };
    let mut groups: Vec<(&str, usize)> = Vec::new();
    for line in lines(&text) {
        match groups.last_mut() {
            Some((first, n)) if compared(first) == compared(line) => *n += 1,
            _ => groups.push((line, 1)),
        }
    }
    let mut body = String::new();
    for (line, n) in groups {
        if (repeated && n < 2) || (unique_only && n > 1) {
            continue;
        }
        if count {
            body.push_str(&format!("{n:>7} "));
        }
        body.push_str(line);
        body.push('\n');
    }
    CommandOutput::ok().stdout(&body)
}

/// A `cut` list: 1-based inclusive ranges, `None` for an open end.
type Ranges = Vec<(usize, Option<usize>)>;

fn parse_list(list: &str, fields: bool) -> Result<Ranges, String> {
    let (zero, invalid) = if fields {
        ("cut: fields are numbered from 1", "cut: invalid field value")
    } else {
        (
            "cut: byte/character positions are numbered from 1",
            "cut: invalid byte/character position",
        )
    };
    let number = |text: &str| -> Result<usize, String> {
        match text.parse::<usize>() {
            Ok(0) => Err(zero.to_owned()),
            Ok(n) => Ok(n),
            Err(_) if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) => Ok(usize::MAX),
            Err(_) => Err(format!("{invalid} {}", quote(text))),
        }
    };
    let mut ranges = Vec::new();
    for item in list.split([',', ' ', '\t']).filter(|s| !s.is_empty()) {
        let range = match item.split_once('-') {
            None => {
                let n = number(item)?;
                (n, Some(n))
            }
            Some(("", "")) => return Err("cut: invalid range with no endpoint: -".to_owned()),
            Some(("", end)) => (1, Some(number(end)?)),
            Some((start, "")) => (number(start)?, None),
            Some((start, end)) => {
                let (s, e) = (number(start)?, number(end)?);
                if e < s {
                    return Err("cut: invalid decreasing range".to_owned());
                }
                (s, Some(e))
            }
        };
        ranges.push(range);
    }
    if ranges.is_empty() {
        return Err(if fields {
            "cut: fields are numbered from 1".to_owned()
        } else {
            "cut: byte/character positions are numbered from 1".to_owned()
        });
    }
    Ok(ranges)
}

fn in_ranges(ranges: &Ranges, n: usize) -> bool {
    ranges.iter().any(|(s, e)| n >= *s && e.is_none_or(|e| n <= e))
}

fn cut(args: &[String], inputs: &mut Inputs<'_>) -> CommandOutput {
    const SPECS: &[Opt] = &[
        opt('b', "bytes", Arg::Required),
        opt('c', "characters", Arg::Required),
        opt('f', "fields", Arg::Required),
        opt('d', "delimiter", Arg::Required),
        opt('s', "only-delimited", Arg::No),
        opt('n', "", Arg::No),
        long_opt("complement", Arg::No),
        long_opt("output-delimiter", Arg::Required),
    ];
    let (options, operands) = match getopt("cut", args, SPECS) {
        Ok(parsed) => parsed,
        Err(message) => return usage_error("cut", &message, 1),
    };
    let mut list: Option<(bool, String)> = None;
    let mut delimiter: Option<String> = None;
    let mut only_delimited = false;
    let mut complement = false;
    let mut output_delimiter: Option<String> = None;
    for (key, value) in options {
        let value = value.unwrap_or_default();
        match key {
            "bytes" | "characters" | "fields" => {
                if list.is_some() {
                    return usage_error("cut", "cut: only one list may be specified", 1);
                }
                list = Some((key == "fields", value));
            }
            "delimiter" => delimiter = Some(value),
            "only-delimited" => only_delimited = true,
            "complement" => complement = true,
            "output-delimiter" => output_delimiter = Some(value),
            _ => {}
        }
    }
    let Some((fields, list)) = list else {
        return usage_error("cut", "cut: you must specify a list of bytes, characters, or fields", 1);
    };
    if !fields && delimiter.is_some() {
        return usage_error(
            "cut",
            "cut: an input delimiter may be specified only when operating on fields",
            1,
        );
    }
    if !fields && only_delimited {
        return usage_error(
            "cut",
            "cut: suppressing non-delimited lines makes sense\n\tonly when operating on fields",
            1,
        );
    }
    let delimiter = match delimiter {
        None => '\t',
        Some(d) => {
            let mut chars = d.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => c,
                _ => return usage_error("cut", "cut: the delimiter must be a single character", 1),
            }
        }
    };
    let ranges = match parse_list(&list, fields) {
        Ok(r) => r,
        Err(message) => return usage_error("cut", &message, 1),
    };
    let selected = |n: usize| in_ranges(&ranges, n) != complement;
    let mut out = CommandOutput::ok();
    let mut body = String::new();
    for name in operands_or_stdin(operands) {
        let Some(text) = inputs.read(&name) else {
            out.push(super::Stream::Stdout, &std::mem::take(&mut body));
            out.push_line(super::Stream::Stderr, &no_such_file("cut", &name));
            out.status = 1;
            continue;
        };
        for line in lines(&text) {
            if fields {
                if !line.contains(delimiter) {
                    if !only_delimited {
                        body.push_str(line);
                        body.push('\n');
                    }
                    continue;
                }
                let joiner = output_delimiter.clone().unwrap_or_else(|| delimiter.to_string());
                let picked: Vec<&str> = line
                    .split(delimiter)
                    .enumerate()
                    .filter(|(i, _)| selected(i + 1))
                    .map(|(_, f)| f)
                    .collect();
                body.push_str(&picked.join(&joiner));
            } else {
                let picked: String = line
                    .chars()
                    .enumerate()
                    .filter(|(i, _)| selected(i + 1))
                    .map(|(_, c)| c)
                    .collect();
                body.push_str(&picked);
            }
            body.push('\n');
        }
    }
    out.push(super::Stream::Stdout, &body);
    out
}

fn column(args: &[String], inputs: &mut Inputs<'_>) -> CommandOutput {
    const SPECS: &[Opt] = &[
        opt('t', "table", Arg::No),
        opt('s', "separator", Arg::Required),
        opt('o', "output-separator", Arg::Required),
    ];
    let (options, operands) = match getopt("column", args, SPECS) {
        Ok(parsed) => parsed,
        Err(message) => return usage_error("column", &message, 1),
    };
    let mut table = false;
    let mut separators: Option<String> = None;
    let mut output_separator = "  ".to_owned();
    for (key, value) in options {
        match key {
            "table" => table = true,
            "separator" => separators = value,
            _ => output_separator = value.unwrap_or_default(),
        }
    }
    if !table {
        return CommandOutput::fail(1).line_err("kubedrill: column without -t is not supported in the simulated shell");
    }
    let mut out = CommandOutput::ok();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for name in operands_or_stdin(operands) {
        let Some(text) = inputs.read(&name) else {
            out.push_line(
                super::Stream::Stderr,
                &format!("column: cannot open {name}: No such file or directory"),
            );
            out.status = 1;
            continue;
        };
        for line in lines(&text).filter(|l| !l.trim().is_empty()) {
            let cells: Vec<String> = match &separators {
                None => line.split_whitespace().map(str::to_owned).collect(),
                Some(seps) => line.split(|c| seps.contains(c)).map(str::to_owned).collect(),
            };
            rows.push(cells);
        }
    }
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; columns];
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut body = String::new();
    for row in &rows {
        for (i, width) in widths.iter().enumerate() {
            let cell = row.get(i).map_or("", String::as_str);
            if i + 1 == columns {
                body.push_str(cell);
            } else {
                body.push_str(cell);
                body.extend(std::iter::repeat_n(' ', width - cell.chars().count()));
                body.push_str(&output_separator);
            }
        }
        body.push('\n');
    }
    out.push(super::Stream::Stdout, &body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_tool(line: &[&str], stdin: &str) -> CommandOutput {
        let args: Vec<String> = line[1..].iter().map(|s| s.to_string()).collect();
        let files = |name: &str| (name == "/f").then(|| "one\ntwo\n".to_owned());
        run(line[0], &args, stdin, &files).expect("a text tool")
    }

    #[test]
    fn getopt_permutes_and_reports_like_gnu() {
        let specs = [opt('n', "lines", Arg::Required), opt('q', "quiet", Arg::No)];
        let args: Vec<String> = ["a", "-qn5", "--li=3", "--", "-q"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (options, operands) = getopt("head", &args, &specs).expect("parses");
        assert_eq!(
            options,
            vec![
                ("quiet", None),
                ("lines", Some("5".to_owned())),
                ("lines", Some("3".to_owned()))
            ]
        );
        assert_eq!(operands, vec!["a", "-q"]);
        let bad: Vec<String> = vec!["-x".to_owned()];
        assert_eq!(getopt("head", &bad, &specs).unwrap_err(), "head: invalid option -- 'x'");
        let missing: Vec<String> = vec!["-n".to_owned()];
        assert_eq!(
            getopt("head", &missing, &specs).unwrap_err(),
            "head: option requires an argument -- 'n'"
        );
    }

    #[test]
    fn wc_layouts() {
        assert_eq!(run_tool(&["wc"], "a b\nc\n").stdout_text(), "      2       3       6\n");
        assert_eq!(run_tool(&["wc", "-l"], "a b\nc").stdout_text(), "1\n");
        assert_eq!(run_tool(&["wc", "-lw"], "a b\nc").stdout_text(), "      1       3\n");
        assert_eq!(run_tool(&["wc", "-l", "/f"], "").stdout_text(), "2 /f\n");
        assert_eq!(run_tool(&["wc", "-L"], "a  b\n").stdout_text(), "4\n");
        let missing = run_tool(&["wc", "-", "nofile"], "a\n");
        assert_eq!(
            missing.stdout_text(),
            "      1       1       2 -\n      1       1       2 total\n"
        );
        assert_eq!(missing.stderr_text(), "wc: nofile: No such file or directory\n");
        assert_eq!(missing.status, 1);
    }

    #[test]
    fn head_and_tail_counts() {
        let five = "1\n2\n3\n4\n5\n";
        assert_eq!(run_tool(&["head", "-2"], five).stdout_text(), "1\n2\n");
        assert_eq!(run_tool(&["head", "-n", "-2"], five).stdout_text(), "1\n2\n3\n");
        assert_eq!(run_tool(&["head", "-n1"], five).stdout_text(), "1\n");
        assert_eq!(run_tool(&["tail", "-2"], five).stdout_text(), "4\n5\n");
        assert_eq!(run_tool(&["tail", "-n", "+4"], five).stdout_text(), "4\n5\n");
        assert_eq!(run_tool(&["head", "-c", "3"], five).stdout_text(), "1\n2");
        let bad = run_tool(&["head", "-n", "x"], five);
        assert_eq!(bad.stderr_text(), "head: invalid number of lines: \u{2018}x\u{2019}\n");
        assert_eq!(bad.status, 1);
        let missing = run_tool(&["tail", "nofile"], "");
        assert_eq!(
            missing.stderr_text(),
            "tail: cannot open 'nofile' for reading: No such file or directory\n"
        );
    }

    #[test]
    fn head_headers_for_several_inputs() {
        let out = run_tool(&["head", "-n", "1", "-", "/f"], "x\ny\n");
        assert_eq!(out.stdout_text(), "==> standard input <==\nx\n\n==> /f <==\none\n");
    }

    #[test]
    fn sort_orders() {
        let input = "b 2\na 10\nc 1\n";
        assert_eq!(run_tool(&["sort"], input).stdout_text(), "a 10\nb 2\nc 1\n");
        assert_eq!(run_tool(&["sort", "-k2n"], input).stdout_text(), "c 1\nb 2\na 10\n");
        assert_eq!(
            run_tool(&["sort", "-k", "2", "-n", "-r"], input).stdout_text(),
            "a 10\nb 2\nc 1\n"
        );
        assert_eq!(
            run_tool(&["sort", "-n"], "10\n-3\n2\nx\n").stdout_text(),
            "-3\nx\n2\n10\n"
        );
        assert_eq!(run_tool(&["sort", "-u"], "b\na\nb\n").stdout_text(), "a\nb\n");
        assert_eq!(
            run_tool(&["sort", "-t", ":", "-k", "2"], "x:b\ny:a\n").stdout_text(),
            "y:a\nx:b\n"
        );
        assert_eq!(
            run_tool(&["sort", "-k", "0"], "").stderr_text(),
            "sort: field number is zero: invalid field specification \u{2018}0\u{2019}\n"
        );
    }

    #[test]
    fn uniq_counts_adjacent_lines() {
        assert_eq!(
            run_tool(&["uniq", "-c"], "a\na\nb\na\n").stdout_text(),
            "      2 a\n      1 b\n      1 a\n"
        );
        assert_eq!(run_tool(&["uniq", "-d"], "a\na\nb\n").stdout_text(), "a\n");
        assert_eq!(run_tool(&["uniq", "-u"], "a\na\nb\n").stdout_text(), "b\n");
    }

    #[test]
    fn cut_fields_and_errors() {
        assert_eq!(run_tool(&["cut", "-d:", "-f", "3,1"], "a:b:c\n").stdout_text(), "a:c\n");
        assert_eq!(
            run_tool(&["cut", "-d", ":", "-f2-", "--output-delimiter=XX"], "a:b:c\n").stdout_text(),
            "bXXc\n"
        );
        assert_eq!(
            run_tool(&["cut", "-d", " ", "-f", "2"], "nodelim\n").stdout_text(),
            "nodelim\n"
        );
        assert_eq!(run_tool(&["cut", "-c", "2-3"], "abcd\n").stdout_text(), "bc\n");
        let none = run_tool(&["cut"], "");
        assert_eq!(
            none.stderr_text(),
            "cut: you must specify a list of bytes, characters, or fields\nTry 'cut --help' for more information.\n"
        );
        assert_eq!(none.status, 1);
        assert_eq!(
            run_tool(&["cut", "-f", "x"], "").stderr_text().lines().next(),
            Some("cut: invalid field value \u{2018}x\u{2019}")
        );
    }

    #[test]
    fn column_aligns_tables() {
        let out = run_tool(&["column", "-t"], "NAME   READY  STATUS\nnginx-1  1/1   Running\n");
        assert_eq!(out.stdout_text(), "NAME     READY  STATUS\nnginx-1  1/1    Running\n");
    }

    #[test]
    fn cat_reads_files_and_stdin() {
        assert_eq!(run_tool(&["cat", "/f", "-"], "in\n").stdout_text(), "one\ntwo\nin\n");
        assert_eq!(
            run_tool(&["cat", "-n"], "a\nb\n").stdout_text(),
            "     1\ta\n     2\tb\n"
        );
        let missing = run_tool(&["cat", "nofile"], "");
        assert_eq!(missing.stderr_text(), "cat: nofile: No such file or directory\n");
        assert_eq!(missing.status, 1);
    }
}
