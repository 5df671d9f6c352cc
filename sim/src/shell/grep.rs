//! GNU `grep`, and the translation of POSIX basic/extended regular
//! expressions into the `regex` crate's syntax (shared with `awk`).
//!
//! The `regex` crate has no back-references and no look-around but runs in
//! linear time whatever the pattern, which matters more for a simulator fed
//! arbitrary lab input. Patterns with back-references get a clear error.

use super::CommandOutput;
use super::text::{Arg, Inputs, Opt, getopt, lines, opt};
use regex::Regex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Syntax {
    Basic,
    Extended,
}

/// Why a pattern could not be translated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RegexError {
    /// A GNU regex error message, e.g. `Unmatched ( or \(`.
    Invalid(String),
    /// Valid POSIX that the simulator cannot match.
    Unsupported(String),
}

/// One element of a translated sequence.
struct Piece {
    text: String,
    /// Already carries a quantifier: another one needs a group around it,
    /// since `a+?` means `(a+)?` in POSIX but a lazy `+` to the regex crate.
    quantified: bool,
    /// Anchors cannot be repeated.
    anchor: bool,
}

/// Alternatives of one group; the last is the one being built.
type Frame = Vec<Vec<Piece>>;

const CLASS_NAMES: &[&str] = &[
    "alpha", "upper", "lower", "digit", "xdigit", "space", "print", "punct", "graph", "cntrl", "blank", "alnum",
];

/// Translates a POSIX pattern to `regex` syntax; the second value holds the
/// warnings GNU grep prints for it.
pub(super) fn translate(pattern: &str, syntax: Syntax) -> Result<(String, Vec<String>), RegexError> {
    let ere = syntax == Syntax::Extended;
    let chars: Vec<char> = pattern.chars().collect();
    let mut warnings = Vec::new();
    let mut stack: Vec<Frame> = vec![vec![Vec::new()]];
    let invalid = |m: &str| RegexError::Invalid(m.to_owned());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        let depth = stack.len();
        // Every frame has at least one alternative: pushed that way below.
        let Some(current) = stack.last_mut().and_then(|f| f.last_mut()) else {
            return Err(invalid("Invalid regular expression"));
        };
        let at_start = current.is_empty() || (current.len() == 1 && current[0].text == "^");
        match c {
            '\\' => {
                let Some(&e) = chars.get(i) else {
                    return Err(invalid("Trailing backslash"));
                };
                i += 1;
                match e {
                    '(' if !ere => stack.push(vec![Vec::new()]),
                    ')' if !ere => close_group(&mut stack)?,
                    '|' if !ere => {
                        if let Some(frame) = stack.last_mut() {
                            frame.push(Vec::new());
                        }
                    }
                    '{' if !ere => {
                        let Some((quantifier, next)) = interval(&chars, i, false)? else {
                            return Err(invalid("Unmatched \\{"));
                        };
                        i = next;
                        if at_start {
                            return Err(invalid("Invalid preceding regular expression"));
                        }
                        quantify(current, &quantifier);
                    }
                    '+' | '?' if !ere => {
                        if at_start {
                            current.push(literal(e));
                        } else {
                            quantify(current, &e.to_string());
                        }
                    }
                    '1'..='9' => {
                        return Err(RegexError::Unsupported(
                            "back-references (\\1 … \\9) are not supported in the simulated shell".to_owned(),
                        ));
                    }
                    'w' | 'W' | 's' | 'S' => current.push(atom(format!("\\{e}"))),
                    'b' | 'B' | '<' | '>' => current.push(anchor(format!("\\{e}"))),
                    '`' => current.push(anchor("\\A".to_owned())),
                    '\'' => current.push(anchor("\\z".to_owned())),
                    other => current.push(literal(other)),
                }
            }
            '[' => {
                let (class, next) = bracket(&chars, i)?;
                i = next;
                current.push(atom(class));
            }
            '.' => current.push(atom(".".to_owned())),
            '*' | '+' | '?' if c == '*' || ere => {
                if at_start {
                    if ere {
                        if current.is_empty() {
                            warnings.push(format!("{c} at start of expression"));
                        }
                    } else {
                        current.push(literal(c));
                    }
                } else {
                    quantify(current, &c.to_string());
                }
            }
            '{' if ere => match interval(&chars, i, true)? {
                Some((quantifier, next)) => {
                    i = next;
                    if at_start {
                        if current.is_empty() {
                            warnings.push("{...} at start of expression".to_owned());
                        }
                    } else {
                        quantify(current, &quantifier);
                    }
                }
                None => current.push(literal('{')),
            },
            '(' if ere => stack.push(vec![Vec::new()]),
            ')' if ere => {
                if depth > 1 {
                    close_group(&mut stack)?;
                } else {
                    current.push(literal(')'));
                }
            }
            '|' if ere => {
                if let Some(frame) = stack.last_mut() {
                    frame.push(Vec::new());
                }
            }
            '^' => {
                if ere || current.is_empty() {
                    current.push(anchor("^".to_owned()));
                } else {
                    current.push(literal('^'));
                }
            }
            '$' => {
                let at_end = i == chars.len() || (chars[i] == '\\' && matches!(chars.get(i + 1), Some(')' | '|')));
                if ere || at_end {
                    current.push(anchor("$".to_owned()));
                } else {
                    current.push(literal('$'));
                }
            }
            other => current.push(literal(other)),
        }
    }
    if stack.len() > 1 {
        return Err(invalid("Unmatched ( or \\("));
    }
    let frame = stack.pop().unwrap_or_default();
    Ok((join(frame), warnings))
}

fn atom(text: String) -> Piece {
    Piece {
        text,
        quantified: false,
        anchor: false,
    }
}

fn anchor(text: String) -> Piece {
    Piece {
        text,
        quantified: false,
        anchor: true,
    }
}

fn literal(c: char) -> Piece {
    atom(regex::escape(&c.to_string()))
}

fn quantify(current: &mut [Piece], quantifier: &str) {
    let Some(last) = current.last_mut() else {
        return;
    };
    if last.anchor {
        // Repeating an anchor matches the same as the anchor itself.
        return;
    }
    if last.quantified {
        last.text = format!("(?:{})", last.text);
    }
    last.text.push_str(quantifier);
    last.quantified = true;
}

fn join(frame: Frame) -> String {
    frame
        .into_iter()
        .map(|alternative| alternative.into_iter().map(|p| p.text).collect::<String>())
        .collect::<Vec<_>>()
        .join("|")
}

fn close_group(stack: &mut Vec<Frame>) -> Result<(), RegexError> {
    if stack.len() < 2 {
        return Err(RegexError::Invalid("Unmatched ) or \\)".to_owned()));
    }
    let frame = stack.pop().unwrap_or_default();
    let text = format!("(?:{})", join(frame));
    if let Some(current) = stack.last_mut().and_then(|f| f.last_mut()) {
        current.push(atom(text));
    }
    Ok(())
}

/// Parses `m,n}` (ERE) or `m,n\}` (BRE) starting at `i`. In an ERE a brace
/// that does not start a valid interval is an ordinary character (`None`);
/// in a BRE it is an error.
fn interval(chars: &[char], mut i: usize, ere: bool) -> Result<Option<(String, usize)>, RegexError> {
    let content = |m: &str| RegexError::Invalid(m.to_owned());
    let number = |chars: &[char], i: &mut usize| -> Option<u64> {
        let start = *i;
        while chars.get(*i).is_some_and(char::is_ascii_digit) {
            *i += 1;
        }
        let digits: String = chars[start..*i].iter().collect();
        // Too many digits to parse is certainly over the limit below.
        (start != *i).then(|| digits.parse().unwrap_or(u64::MAX))
    };
    let min = number(chars, &mut i);
    let max = if chars.get(i) == Some(&',') {
        i += 1;
        Some(number(chars, &mut i))
    } else {
        None
    };
    let closed = if ere {
        chars.get(i) == Some(&'}')
    } else {
        chars.get(i) == Some(&'\\') && chars.get(i + 1) == Some(&'}')
    };
    if !closed {
        if ere {
            return Ok(None);
        }
        let rest_has_close = chars[i..].windows(2).any(|w| w == ['\\', '}']);
        return Err(if rest_has_close {
            content("Invalid content of \\{\\}")
        } else {
            content("Unmatched \\{")
        });
    }
    i += if ere { 1 } else { 2 };
    if min.is_none() && max.is_none() {
        if ere {
            return Ok(None);
        }
        return Err(content("Invalid content of \\{\\}"));
    }
    let low = min.unwrap_or(0);
    let quantifier = match max {
        None => format!("{{{low}}}"),
        Some(None) => format!("{{{low},}}"),
        Some(Some(high)) => {
            if high < low {
                return Err(content("Invalid content of \\{\\}"));
            }
            if high > 32767 {
                return Err(content("Regular expression too big"));
            }
            format!("{{{low},{high}}}")
        }
    };
    if low > 32767 {
        return Err(content("Regular expression too big"));
    }
    Ok(Some((quantifier, i)))
}

/// Escapes a character for use inside a `regex` class.
fn class_char(c: char) -> String {
    if c.is_ascii_punctuation() {
        format!("\\{c}")
    } else {
        c.to_string()
    }
}

/// Parses a POSIX bracket expression whose `[` is just before `i`.
fn bracket(chars: &[char], start: usize) -> Result<(String, usize), RegexError> {
    let unmatched = || RegexError::Invalid("Unmatched [, [^, [:, [., or [=".to_owned());
    let mut i = start;
    let negated = chars.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    let content_start = i;
    let mut items = String::new();
    let mut first = true;
    // Reads one bracket character (plain, `[.x.]` or `[=x=]`) at `i`.
    let single = |i: &mut usize| -> Result<Option<char>, RegexError> {
        let c = *chars.get(*i).ok_or_else(unmatched)?;
        if c == '[' && matches!(chars.get(*i + 1), Some('.' | '=')) {
            let kind = chars[*i + 1];
            let close = (*i + 2..chars.len().saturating_sub(1))
                .find(|&j| chars[j] == kind && chars[j + 1] == ']')
                .ok_or_else(unmatched)?;
            let name: Vec<char> = chars[*i + 2..close].to_vec();
            if name.len() != 1 {
                return Err(RegexError::Invalid("Invalid collation character".to_owned()));
            }
            *i = close + 2;
            return Ok(Some(name[0]));
        }
        if c == '[' && chars.get(*i + 1) == Some(&':') {
            return Ok(None);
        }
        *i += 1;
        Ok(Some(c))
    };
    loop {
        let c = *chars.get(i).ok_or_else(unmatched)?;
        if c == ']' && !first {
            i += 1;
            break;
        }
        first = false;
        match single(&mut i)? {
            None => {
                let close = (i + 2..chars.len().saturating_sub(1))
                    .find(|&j| chars[j] == ':' && chars[j + 1] == ']')
                    .ok_or_else(unmatched)?;
                let name: String = chars[i + 2..close].iter().collect();
                if !CLASS_NAMES.contains(&name.as_str()) {
                    return Err(RegexError::Invalid("Invalid character class name".to_owned()));
                }
                items.push_str(&format!("[:{name}:]"));
                i = close + 2;
            }
            Some(low) => {
                let is_range = chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|c| *c != ']');
                if is_range {
                    i += 1;
                    let high = single(&mut i)?.ok_or_else(|| RegexError::Invalid("Invalid range end".to_owned()))?;
                    if high < low {
                        return Err(RegexError::Invalid("Invalid range end".to_owned()));
                    }
                    items.push_str(&format!("{}-{}", class_char(low), class_char(high)));
                } else {
                    items.push_str(&class_char(low));
                }
            }
        }
    }
    let content: String = chars[content_start..i - 1].iter().collect();
    if content.len() >= 2 && content.starts_with(':') && content.ends_with(':') {
        return Err(RegexError::Invalid(
            "character class syntax is [[:space:]], not [:space:]".to_owned(),
        ));
    }
    let caret = if negated { "^" } else { "" };
    Ok((format!("[{caret}{items}]"), i))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Basic,
    Extended,
    Fixed,
    Perl,
}

/// Lines selected by the patterns, however they were given.
struct Matcher {
    regex: Option<Regex>,
    /// The regex wraps the pattern in word-boundary context; the match
    /// itself is the `m` group.
    word: bool,
}

impl Matcher {
    fn is_match(&self, line: &str) -> bool {
        self.regex.as_ref().is_some_and(|r| r.is_match(line))
    }

    /// The non-empty matches in `line`, for `-o`.
    fn matches<'a>(&self, line: &'a str) -> Vec<&'a str> {
        let Some(regex) = &self.regex else {
            return Vec::new();
        };
        let mut found = Vec::new();
        let mut at = 0;
        while at <= line.len() {
            let Some(captures) = regex.captures_at(line, at) else {
                break;
            };
            let Some(m) = (if self.word { captures.name("m") } else { captures.get(0) }) else {
                break;
            };
            if m.is_empty() {
                // Step over one character so an empty match cannot loop.
                at = m.end() + line[m.end()..].chars().next().map_or(1, char::len_utf8);
                continue;
            }
            found.push(m.as_str());
            // The word-boundary character after a match may be the one
            // before the next, so resume right after the match itself.
            at = m.end();
        }
        found
    }
}

const GREP_USAGE: &str = "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n";

fn grep_usage(message: Option<&str>) -> CommandOutput {
    let mut out = CommandOutput::fail(2);
    if let Some(message) = message {
        out = out.line_err(message);
    }
    out.stderr(GREP_USAGE)
}

const fn alias_opt(short: char, key: &'static str) -> Opt {
    Opt {
        short: Some(short),
        long: "",
        arg: Arg::No,
        key,
    }
}

const SPECS: &[Opt] = &[
    opt('E', "extended-regexp", Arg::No),
    opt('F', "fixed-strings", Arg::No),
    opt('G', "basic-regexp", Arg::No),
    opt('P', "perl-regexp", Arg::No),
    opt('e', "regexp", Arg::Required),
    opt('f', "file", Arg::Required),
    opt('i', "ignore-case", Arg::No),
    alias_opt('y', "ignore-case"),
    Opt {
        short: None,
        long: "no-ignore-case",
        arg: Arg::No,
        key: "no-ignore-case",
    },
    opt('v', "invert-match", Arg::No),
    opt('w', "word-regexp", Arg::No),
    opt('x', "line-regexp", Arg::No),
    opt('c', "count", Arg::No),
    opt('q', "quiet", Arg::No),
    Opt {
        short: None,
        long: "silent",
        arg: Arg::No,
        key: "quiet",
    },
    opt('s', "no-messages", Arg::No),
    opt('n', "line-number", Arg::No),
    opt('H', "with-filename", Arg::No),
    opt('h', "no-filename", Arg::No),
    opt('l', "files-with-matches", Arg::No),
    opt('L', "files-without-match", Arg::No),
    opt('o', "only-matching", Arg::No),
    opt('m', "max-count", Arg::Required),
    opt('A', "after-context", Arg::Required),
    opt('B', "before-context", Arg::Required),
    opt('C', "context", Arg::Required),
    opt('a', "text", Arg::No),
    opt('r', "recursive", Arg::No),
    opt('R', "dereference-recursive", Arg::No),
    opt('z', "null-data", Arg::No),
    Opt {
        short: None,
        long: "color",
        arg: Arg::Optional,
        key: "color",
    },
    Opt {
        short: None,
        long: "colour",
        arg: Arg::Optional,
        key: "color",
    },
    Opt {
        short: None,
        long: "help",
        arg: Arg::No,
        key: "help",
    },
    Opt {
        short: None,
        long: "version",
        arg: Arg::No,
        key: "version",
    },
];

#[derive(Default)]
struct Settings {
    ignore_case: bool,
    invert: bool,
    word: bool,
    line: bool,
    count: bool,
    quiet: bool,
    no_messages: bool,
    line_number: bool,
    with_filename: Option<bool>,
    files_with_matches: bool,
    files_without_match: bool,
    only_matching: bool,
    max_count: Option<usize>,
    after: Option<usize>,
    before: Option<usize>,
    context: Option<usize>,
}

pub(super) fn grep(args: &[String], inputs: &mut Inputs<'_>) -> CommandOutput {
    // `-5` is `-C 5`.
    let args: Vec<String> = args
        .iter()
        .flat_map(|a| {
            let digits = a.len() > 1 && a.starts_with('-') && a[1..].chars().all(|c| c.is_ascii_digit());
            if digits {
                vec!["-C".to_owned(), a[1..].to_owned()]
            } else {
                vec![a.clone()]
            }
        })
        .collect();
    let (options, mut operands) = match getopt("grep", &args, SPECS) {
        Ok(parsed) => parsed,
        Err(message) => return grep_usage(Some(&message)),
    };
    let mut settings = Settings::default();
    let mut mode = Mode::Basic;
    let mut patterns: Option<Vec<String>> = None;
    let mut errors = CommandOutput::ok();
    for (key, value) in options {
        let value = value.unwrap_or_default();
        let context_length = |value: &str| -> Result<usize, CommandOutput> {
            value.parse::<usize>().map_err(|_| {
                CommandOutput::fail(2).line_err(&format!("grep: {value}: invalid context length argument"))
            })
        };
        match key {
            "extended-regexp" => mode = Mode::Extended,
            "fixed-strings" => mode = Mode::Fixed,
            "basic-regexp" => mode = Mode::Basic,
            "perl-regexp" => mode = Mode::Perl,
            "regexp" => patterns.get_or_insert_with(Vec::new).push(value),
            "file" => match inputs.read(&value) {
                Some(text) => patterns
                    .get_or_insert_with(Vec::new)
                    .extend(lines(&text).map(str::to_owned)),
                None => {
                    return CommandOutput::fail(2).line_err(&format!("grep: {value}: No such file or directory"));
                }
            },
            "ignore-case" => settings.ignore_case = true,
            "no-ignore-case" => settings.ignore_case = false,
            "invert-match" => settings.invert = true,
            "word-regexp" => settings.word = true,
            "line-regexp" => settings.line = true,
            "count" => settings.count = true,
            "quiet" => settings.quiet = true,
            "no-messages" => settings.no_messages = true,
            "line-number" => settings.line_number = true,
            "with-filename" => settings.with_filename = Some(true),
            "no-filename" => settings.with_filename = Some(false),
            "files-with-matches" => settings.files_with_matches = true,
            "files-without-match" => settings.files_without_match = true,
            "only-matching" => settings.only_matching = true,
            "max-count" => match value.parse::<i64>() {
                // A negative count means no limit, as in grep 3.x.
                Ok(n) => settings.max_count = usize::try_from(n).ok(),
                Err(_) => return CommandOutput::fail(2).line_err("grep: invalid max count"),
            },
            "after-context" => match context_length(&value) {
                Ok(n) => settings.after = Some(n),
                Err(out) => return out,
            },
            "before-context" => match context_length(&value) {
                Ok(n) => settings.before = Some(n),
                Err(out) => return out,
            },
            "context" => match context_length(&value) {
                Ok(n) => settings.context = Some(n),
                Err(out) => return out,
            },
            "recursive" | "dereference-recursive" => {
                return CommandOutput::fail(2).line_err(
                    "kubedrill: grep -r is not supported in the simulated shell (there is no directory tree to search)",
                );
            }
            "null-data" => {
                return CommandOutput::fail(2).line_err("kubedrill: grep -z is not supported in the simulated shell");
            }
            "help" => {
                return CommandOutput::ok().stdout("Usage: grep [OPTION]... PATTERNS [FILE]...\n");
            }
            "version" => return CommandOutput::ok().line_out("grep (GNU grep) 3.7"),
            _ => {}
        }
    }
    let patterns = match patterns {
        Some(patterns) => patterns,
        None => {
            if operands.is_empty() {
                return grep_usage(None);
            }
            let first = operands.remove(0);
            first.split('\n').map(str::to_owned).collect()
        }
    };
    let patterns: Vec<String> = patterns
        .iter()
        .flat_map(|p| p.split('\n').map(str::to_owned).collect::<Vec<_>>())
        .collect();
    let matcher = match build_matcher(&patterns, mode, &settings, &mut errors) {
        Ok(m) => m,
        Err(out) => return out,
    };
    let names = if operands.is_empty() {
        vec!["-".to_owned()]
    } else {
        operands
    };
    let with_filename = settings.with_filename.unwrap_or(names.len() > 1);
    let after = settings.after.or(settings.context).unwrap_or(0);
    let before = settings.before.or(settings.context).unwrap_or(0);
    let listing = settings.count || settings.files_with_matches || settings.files_without_match;
    let use_context = !listing && !settings.only_matching && (after > 0 || before > 0);

    let mut out = errors;
    let mut any_selected = false;
    let mut trouble = false;
    let mut printed_any = false;
    for name in names {
        let Some(text) = inputs.read(&name) else {
            trouble = true;
            if !settings.no_messages {
                out.push_line(
                    super::Stream::Stderr,
                    &format!("grep: {name}: No such file or directory"),
                );
            }
            continue;
        };
        let shown = if name == "-" { "(standard input)" } else { name.as_str() };
        let prefix = |number: usize, separator: char| {
            let mut p = String::new();
            if with_filename {
                p.push_str(shown);
                p.push(separator);
            }
            if settings.line_number {
                p.push_str(&number.to_string());
                p.push(separator);
            }
            p
        };
        let all: Vec<&str> = lines(&text).collect();
        let mut body = String::new();
        let mut selected = 0usize;
        let mut last_printed: Option<usize> = None;
        let mut after_left = 0usize;
        for (index, line) in all.iter().enumerate() {
            let limit_reached = settings.max_count.is_some_and(|m| selected >= m);
            if limit_reached && after_left == 0 {
                break;
            }
            let is_selected = matcher.is_match(line) != settings.invert;
            if is_selected && !limit_reached {
                selected += 1;
                any_selected = true;
                if settings.quiet {
                    return CommandOutput::ok();
                }
                if listing {
                    continue;
                }
                if use_context {
                    let from = index.saturating_sub(before).max(last_printed.map_or(0, |p| p + 1));
                    if printed_any && last_printed.is_none_or(|p| p + 1 < from) {
                        body.push_str("--\n");
                    }
                    for (offset, context) in all[from..index].iter().enumerate() {
                        body.push_str(&prefix(from + offset + 1, '-'));
                        body.push_str(context);
                        body.push('\n');
                    }
                }
                if settings.only_matching {
                    if !settings.invert {
                        for m in matcher.matches(line) {
                            body.push_str(&prefix(index + 1, ':'));
                            body.push_str(m);
                            body.push('\n');
                        }
                    }
                } else {
                    body.push_str(&prefix(index + 1, ':'));
                    body.push_str(line);
                    body.push('\n');
                }
                printed_any = true;
                last_printed = Some(index);
                after_left = after;
            } else if use_context && after_left > 0 {
                body.push_str(&prefix(index + 1, '-'));
                body.push_str(line);
                body.push('\n');
                last_printed = Some(index);
                after_left -= 1;
            }
        }
        if settings.count {
            if with_filename {
                body.push_str(&format!("{shown}:{selected}\n"));
            } else {
                body.push_str(&format!("{selected}\n"));
            }
        }
        if settings.files_with_matches && selected > 0 {
            body.push_str(&format!("{shown}\n"));
        }
        if settings.files_without_match && selected == 0 {
            body.push_str(&format!("{shown}\n"));
        }
        out.push(super::Stream::Stdout, &body);
    }
    // Since grep 3.5 the status reflects selected lines even with -L.
    out.status = match (trouble, any_selected) {
        (true, _) => 2,
        (false, true) => 0,
        (false, false) => 1,
    };
    out
}

fn build_matcher(
    patterns: &[String],
    mode: Mode,
    settings: &Settings,
    errors: &mut CommandOutput,
) -> Result<Matcher, CommandOutput> {
    if patterns.is_empty() {
        return Ok(Matcher {
            regex: None,
            word: false,
        });
    }
    let mut translated = Vec::new();
    for pattern in patterns {
        let text = match mode {
            Mode::Fixed => regex::escape(pattern),
            Mode::Perl => pattern.clone(),
            Mode::Basic | Mode::Extended => {
                let syntax = if mode == Mode::Basic {
                    Syntax::Basic
                } else {
                    Syntax::Extended
                };
                match translate(pattern, syntax) {
                    Ok((text, warnings)) => {
                        for warning in warnings {
                            errors.push_line(super::Stream::Stderr, &format!("grep: warning: {warning}"));
                        }
                        text
                    }
                    Err(RegexError::Invalid(message)) => {
                        return Err(CommandOutput::fail(2).line_err(&format!("grep: {message}")));
                    }
                    Err(RegexError::Unsupported(message)) => {
                        return Err(CommandOutput::fail(2).line_err(&format!("kubedrill: grep: {message}")));
                    }
                }
            }
        };
        translated.push(format!("(?:{text})"));
    }
    let mut combined = translated.join("|");
    let word = settings.word && !settings.line;
    if settings.line {
        combined = format!("^(?:{combined})$");
    } else if word {
        combined = format!(r"(?:^|\W)(?P<m>{combined})(?:\W|$)");
    }
    if settings.ignore_case {
        combined = format!("(?i){combined}");
    }
    match Regex::new(&combined) {
        Ok(regex) => Ok(Matcher {
            regex: Some(regex),
            word,
        }),
        Err(error) => {
            let detail = error.to_string();
            let message = match mode {
                Mode::Perl => detail.lines().last().unwrap_or("invalid pattern").trim().to_owned(),
                _ => "Invalid regular expression".to_owned(),
            };
            Err(CommandOutput::fail(2).line_err(&format!("grep: {message}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tr(pattern: &str, syntax: Syntax) -> Result<String, RegexError> {
        translate(pattern, syntax).map(|(t, _)| t)
    }

    fn invalid(pattern: &str, syntax: Syntax) -> String {
        match translate(pattern, syntax) {
            Err(RegexError::Invalid(m)) => m,
            other => panic!("{pattern}: {other:?}"),
        }
    }

    #[test]
    fn basic_regex_operators() {
        assert_eq!(tr(r"a\(b\|c\)*", Syntax::Basic).as_deref(), Ok("a(?:b|c)*"));
        assert_eq!(tr(r"a+?(x){1}|", Syntax::Basic).as_deref(), Ok(r"a\+\?\(x\)\{1\}\|"));
        assert_eq!(tr(r"*a^$b$", Syntax::Basic).as_deref(), Ok(r"\*a\^\$b$"));
        assert_eq!(tr(r"^*x", Syntax::Basic).as_deref(), Ok(r"^\*x"));
        assert_eq!(tr(r"a\{2,3\}", Syntax::Basic).as_deref(), Ok("a{2,3}"));
    }

    #[test]
    fn extended_regex_operators() {
        assert_eq!(tr("(a|b)+c?", Syntax::Extended).as_deref(), Ok("(?:a|b)+c?"));
        assert_eq!(tr("a{,2}b{x", Syntax::Extended).as_deref(), Ok(r"a{0,2}b\{x"));
        assert_eq!(tr("a)", Syntax::Extended).as_deref(), Ok(r"a\)"));
        assert_eq!(tr("a+?", Syntax::Extended).as_deref(), Ok("(?:a+)?"));
        let (text, warnings) = translate("*a", Syntax::Extended).expect("translates");
        assert_eq!(text, "a");
        assert_eq!(warnings, vec!["* at start of expression"]);
    }

    #[test]
    fn brackets() {
        assert_eq!(tr("[]a-]", Syntax::Basic).as_deref(), Ok(r"[\]a\-]"));
        assert_eq!(tr(r"[^[:digit:]\]", Syntax::Basic).as_deref(), Ok(r"[^[:digit:]\\]"));
        assert_eq!(tr("[a-z.]", Syntax::Basic).as_deref(), Ok(r"[a-z\.]"));
    }

    #[test]
    fn gnu_error_messages() {
        assert_eq!(invalid("a\\", Syntax::Basic), "Trailing backslash");
        assert_eq!(invalid("[a", Syntax::Basic), "Unmatched [, [^, [:, [., or [=");
        assert_eq!(invalid("(a", Syntax::Extended), "Unmatched ( or \\(");
        assert_eq!(invalid("\\(a", Syntax::Basic), "Unmatched ( or \\(");
        assert_eq!(invalid("a\\)", Syntax::Basic), "Unmatched ) or \\)");
        assert_eq!(invalid("a\\{1", Syntax::Basic), "Unmatched \\{");
        assert_eq!(invalid("a{2,1}", Syntax::Extended), "Invalid content of \\{\\}");
        assert_eq!(invalid("[[:alpa:]]", Syntax::Basic), "Invalid character class name");
        assert_eq!(
            invalid("[:alpha:]", Syntax::Basic),
            "character class syntax is [[:space:]], not [:space:]"
        );
        assert_eq!(invalid("[b-a]", Syntax::Basic), "Invalid range end");
        assert!(matches!(
            translate("(a)\\1", Syntax::Extended),
            Err(RegexError::Unsupported(_))
        ));
    }
}
