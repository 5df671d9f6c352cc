//! A small flag parser with pflag's rules and error texts, as kubectl (cobra/pflag) parses.

use crate::time::{SimDuration, parse_go_duration};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Bool,
    Str,
    Int,
    Duration,
    /// A string flag that may be given bare (`--dry-run` = `unchanged`), like pflag's NoOptDefVal.
    StrOpt(&'static str),
    /// pflag's StringSlice: comma-separated, and repeating the flag adds more (`-L a -L b,c`).
    List,
    /// pflag's StringArray: each use adds one value, commas and all (`--from-literal`).
    Array,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Spec {
    pub long: &'static str,
    pub short: Option<char>,
    pub kind: Kind,
}

pub(crate) const fn flag(long: &'static str, short: Option<char>, kind: Kind) -> Spec {
    Spec { long, short, kind }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Bool(bool),
    Str(String),
    Int(i64),
    Duration(SimDuration),
    List(Vec<String>),
}

#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub positional: Vec<String>,
    pub values: BTreeMap<&'static str, Value>,
}

impl Parsed {
    pub(crate) fn bool(&self, name: &str) -> bool {
        matches!(self.values.get(name), Some(Value::Bool(true)))
    }

    pub(crate) fn str(&self, name: &str) -> Option<&str> {
        match self.values.get(name) {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn int(&self, name: &str) -> Option<i64> {
        match self.values.get(name) {
            Some(Value::Int(n)) => Some(*n),
            _ => None,
        }
    }

    /// The values of a list flag, in the order given (empty when not given).
    pub(crate) fn list(&self, name: &str) -> Vec<String> {
        match self.values.get(name) {
            Some(Value::List(v)) => v.clone(),
            Some(Value::Str(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    }

    pub(crate) fn duration(&self, name: &str) -> Option<SimDuration> {
        match self.values.get(name) {
            Some(Value::Duration(d)) => Some(*d),
            _ => None,
        }
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }
}

/// Flags every kubectl command accepts (the ones people type; their values do not matter here).
pub(crate) const GLOBAL: &[Spec] = &[
    flag("namespace", Some('n'), Kind::Str),
    flag("kubeconfig", None, Kind::Str),
    flag("context", None, Kind::Str),
    flag("cluster", None, Kind::Str),
    flag("user", None, Kind::Str),
    flag("server", Some('s'), Kind::Str),
    flag("v", Some('v'), Kind::Str),
    flag("request-timeout", None, Kind::Str),
    flag("help", Some('h'), Kind::Bool),
];

pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

fn convert(spec: &Spec, raw: &str) -> Result<Value, String> {
    let invalid = |why: String| format!("invalid argument \"{raw}\" for \"{}\" flag: {why}", display(spec));
    match spec.kind {
        Kind::Bool => parse_bool(raw)
            .map(Value::Bool)
            .ok_or_else(|| invalid(format!("strconv.ParseBool: parsing \"{raw}\": invalid syntax"))),
        Kind::Str | Kind::StrOpt(_) => Ok(Value::Str(raw.to_string())),
        Kind::List => Ok(Value::List(
            raw.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        )),
        Kind::Array => Ok(Value::List(vec![raw.to_string()])),
        Kind::Int => raw
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| invalid(format!("strconv.ParseInt: parsing \"{raw}\": invalid syntax"))),
        Kind::Duration => parse_go_duration(raw)
            .map(Value::Duration)
            .map_err(|_| invalid(format!("time: invalid duration \"{raw}\""))),
    }
}

fn display(spec: &Spec) -> String {
    match spec.short {
        Some(c) => format!("-{c}, --{}", spec.long),
        None => format!("--{}", spec.long),
    }
}

/// Stores a flag's value; list flags accumulate over repeated uses.
fn put(out: &mut Parsed, spec: &Spec, value: Value) {
    if let (Value::List(new), Some(Value::List(old))) = (&value, out.values.get_mut(spec.long)) {
        old.extend(new.iter().cloned());
        return;
    }
    out.values.insert(spec.long, value);
}

/// Parses `args` against the command's flags plus the global ones. Errors are the text
/// after `error: ` that kubectl prints.
pub(crate) fn parse(args: &[String], specs: &[Spec]) -> Result<Parsed, String> {
    let all: Vec<&Spec> = specs.iter().chain(GLOBAL.iter()).collect();
    let by_long = |name: &str| all.iter().copied().find(|s| s.long == name);
    let by_short = |c: char| all.iter().copied().find(|s| s.short == Some(c));
    let mut out = Parsed::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            out.positional.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(body) = arg.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (body, None),
            };
            let spec = by_long(name).ok_or_else(|| format!("unknown flag: --{name}"))?;
            let raw = match (inline, spec.kind) {
                (Some(v), _) => v.to_string(),
                (None, Kind::Bool) => "true".to_string(),
                (None, Kind::StrOpt(default)) => default.to_string(),
                (None, _) => {
                    let next = args.get(i).ok_or_else(|| format!("flag needs an argument: --{name}"))?;
                    i += 1;
                    next.clone()
                }
            };
            let value = convert(spec, &raw)?;
            put(&mut out, spec, value);
            continue;
        }
        if arg.len() > 1 && arg.starts_with('-') {
            let shorts: Vec<char> = arg[1..].chars().collect();
            let mut j = 0;
            while j < shorts.len() {
                let c = shorts[j];
                let spec = by_short(c).ok_or_else(|| format!("unknown shorthand flag: '{c}' in {arg}"))?;
                let rest: String = shorts[j + 1..].iter().collect();
                match spec.kind {
                    Kind::Bool => {
                        if let Some(v) = rest.strip_prefix('=') {
                            out.values.insert(spec.long, convert(spec, v)?);
                            break;
                        }
                        out.values.insert(spec.long, Value::Bool(true));
                        j += 1;
                    }
                    _ => {
                        let raw = if let Some(v) = rest.strip_prefix('=') {
                            v.to_string()
                        } else if !rest.is_empty() {
                            rest
                        } else if let Kind::StrOpt(default) = spec.kind {
                            default.to_string()
                        } else {
                            let next = args
                                .get(i)
                                .ok_or_else(|| format!("flag needs an argument: '{c}' in -{c}"))?;
                            i += 1;
                            next.clone()
                        };
                        let value = convert(spec, &raw)?;
                        put(&mut out, spec, value);
                        break;
                    }
                }
            }
            continue;
        }
        out.positional.push(arg.clone());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[Spec] = &[
        flag("force", None, Kind::Bool),
        flag("timeout", None, Kind::Duration),
        flag("grace-period", None, Kind::Int),
        flag("selector", Some('l'), Kind::Str),
        flag("all-namespaces", Some('A'), Kind::Bool),
        flag("dry-run", None, Kind::StrOpt("unchanged")),
    ];

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn parses_like_pflag() {
        let p = parse(
            &args("node01 --force --timeout=30s -l app=web --grace-period 5 -n kube-system"),
            SPECS,
        )
        .unwrap();
        assert_eq!(p.positional, vec!["node01"]);
        assert!(p.bool("force"));
        assert_eq!(p.duration("timeout"), Some(SimDuration::from_secs(30)));
        assert_eq!(p.str("selector"), Some("app=web"));
        assert_eq!(p.int("grace-period"), Some(5));
        assert_eq!(p.str("namespace"), Some("kube-system"));
        let p = parse(&args("-Anfoo --force=false --dry-run"), SPECS).unwrap();
        assert!(p.bool("all-namespaces"));
        assert_eq!(p.str("namespace"), Some("foo"));
        assert!(!p.bool("force"));
        assert_eq!(p.str("dry-run"), Some("unchanged"));
    }

    #[test]
    fn errors_have_pflag_wording() {
        assert_eq!(parse(&args("--nope"), SPECS).unwrap_err(), "unknown flag: --nope");
        assert_eq!(
            parse(&args("-x"), SPECS).unwrap_err(),
            "unknown shorthand flag: 'x' in -x"
        );
        assert_eq!(
            parse(&args("--timeout"), SPECS).unwrap_err(),
            "flag needs an argument: --timeout"
        );
        assert_eq!(
            parse(&args("--timeout=abc"), SPECS).unwrap_err(),
            "invalid argument \"abc\" for \"--timeout\" flag: time: invalid duration \"abc\""
        );
        assert_eq!(
            parse(&args("--force=maybe"), SPECS).unwrap_err(),
            "invalid argument \"maybe\" for \"--force\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax"
        );
        assert_eq!(
            parse(&args("-n"), SPECS).unwrap_err(),
            "flag needs an argument: 'n' in -n"
        );
    }
}
