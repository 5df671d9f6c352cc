//! Shell builtins that touch the shell's own state, plus `echo` and `sudo`.

use super::ast::is_name;
use super::exec::{DEFAULT_HOME, Shell, resolve_path};
use super::{CommandHost, CommandOutput, ShellEnv};

/// bash's `echo`: leading arguments made only of `n`, `e`, `E` after a dash
/// are options; anything else (including `--`) is printed.
pub(super) fn echo(args: &[String]) -> CommandOutput {
    let mut newline = true;
    let mut escapes = false;
    let mut rest = args;
    while let Some(first) = rest.first() {
        let Some(flags) = first.strip_prefix('-') else {
            break;
        };
        if flags.is_empty() || !flags.chars().all(|c| matches!(c, 'n' | 'e' | 'E')) {
            break;
        }
        for flag in flags.chars() {
            match flag {
                'n' => newline = false,
                'e' => escapes = true,
                _ => escapes = false,
            }
        }
        rest = &rest[1..];
    }
    let mut text = rest.join(" ");
    if escapes {
        let (expanded, stop) = echo_escapes(&text);
        text = expanded;
        if stop {
            return CommandOutput::ok().stdout(&text);
        }
    }
    if newline {
        text.push('\n');
    }
    CommandOutput::ok().stdout(&text)
}

/// bash's `exit` in a subshell: the status the subshell ends with, which
/// wrong arguments do not prevent there.
pub(super) fn exit(args: &[String], last_status: i32) -> CommandOutput {
    let args = match args.split_first() {
        Some((first, rest)) if first == "--" => rest,
        _ => args,
    };
    let Some((first, rest)) = args.split_first() else {
        return CommandOutput::fail(last_status);
    };
    let Ok(value) = first.trim().parse::<i64>() else {
        return CommandOutput::fail(2).line_err(&format!("bash: exit: {first}: numeric argument required"));
    };
    if !rest.is_empty() {
        return CommandOutput::fail(1).line_err("bash: exit: too many arguments");
    }
    // A status is a byte: `exit 300` is 44 and `exit -1` is 255.
    CommandOutput::fail(i32::from(value.rem_euclid(256) as u8))
}

/// Interprets `echo -e` escapes; the flag is set when `\c` cut the output.
fn echo_escapes(text: &str) -> (String, bool) {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != '\\' || i >= chars.len() {
            out.push(c);
            continue;
        }
        let e = chars[i];
        i += 1;
        let simple = match e {
            'a' => Some('\x07'),
            'b' => Some('\x08'),
            'e' | 'E' => Some('\x1b'),
            'f' => Some('\x0c'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\x0b'),
            '\\' => Some('\\'),
            _ => None,
        };
        if let Some(s) = simple {
            out.push(s);
            continue;
        }
        let (radix, max) = match e {
            'c' => return (out, true),
            '0' => (8, 3),
            'x' => (16, 2),
            'u' => (16, 4),
            'U' => (16, 8),
            _ => {
                out.push('\\');
                out.push(e);
                continue;
            }
        };
        let mut value = 0u32;
        let mut digits = 0;
        while digits < max {
            match chars.get(i).and_then(|c| c.to_digit(radix)) {
                Some(d) => {
                    value = value.saturating_mul(radix).saturating_add(d);
                    i += 1;
                    digits += 1;
                }
                None => break,
            }
        }
        if digits == 0 && e != '0' {
            out.push('\\');
            out.push(e);
        } else if let Some(c) = char::from_u32(if radix == 8 { value & 0xff } else { value }) {
            out.push(c);
        }
    }
    (out, false)
}

/// Quotes a value the way `alias` and `declare -x` print it.
fn single_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

fn double_quote(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        if matches!(c, '"' | '\\' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// bash refuses alias names it could never read back as a plain word.
fn valid_alias_name(name: &str) -> bool {
    !name.is_empty()
        && !name.chars().any(|c| {
            c.is_whitespace()
                || matches!(
                    c,
                    '/' | '$' | '`' | '=' | '\\' | '"' | '\'' | '|' | '&' | ';' | '(' | ')' | '<' | '>'
                )
        })
}

/// Builtins that only exist inside bash: `sudo` cannot run them.
const SHELL_ONLY: &[&str] = &[
    "cd", "export", "unset", "alias", "unalias", "complete", "source", ".", "set", "shopt", "declare", "local",
    "readonly", "typeset", "history", "exit",
];

impl Shell {
    pub(super) fn builtin_cd<H: CommandHost + ?Sized>(&mut self, host: &H, args: &[String]) -> CommandOutput {
        let args: Vec<&String> = {
            // `-L`, `-P`, `-e` only change how symlinks resolve; there are none.
            let mut rest = args;
            while let Some(first) = rest.first() {
                if first == "--" {
                    rest = &rest[1..];
                    break;
                }
                if first.len() > 1 && first.starts_with('-') && first[1..].chars().all(|c| "LPe@".contains(c)) {
                    rest = &rest[1..];
                } else {
                    break;
                }
            }
            rest.iter().collect()
        };
        let (target, print) = match args.as_slice() {
            [] => (self.var("HOME").unwrap_or(DEFAULT_HOME).to_owned(), false),
            [dash] if dash.as_str() == "-" => match self.var("OLDPWD") {
                Some(old) => (old.to_owned(), true),
                None => return CommandOutput::fail(1).line_err("bash: cd: OLDPWD not set"),
            },
            [dir] => ((*dir).clone(), false),
            _ => return CommandOutput::fail(1).line_err("bash: cd: too many arguments"),
        };
        if target.is_empty() {
            return CommandOutput::ok();
        }
        let resolved = resolve_path(self.cwd(), &target);
        if host.is_dir(&resolved) == Some(false) {
            let reason = if host.read_file(&resolved).is_some() {
                "Not a directory"
            } else {
                "No such file or directory"
            };
            return CommandOutput::fail(1).line_err(&format!("bash: cd: {target}: {reason}"));
        }
        let old = self.cwd().to_owned();
        self.set_var("OLDPWD", &old);
        self.set_var("PWD", &resolved);
        if print {
            CommandOutput::ok().line_out(&resolved)
        } else {
            CommandOutput::ok()
        }
    }

    pub(super) fn builtin_export(&mut self, args: &[String]) -> CommandOutput {
        let mut unexport = false;
        let mut rest = args;
        while let Some(first) = rest.first() {
            if first == "--" {
                rest = &rest[1..];
                break;
            }
            let Some(flags) = first.strip_prefix('-').filter(|f| !f.is_empty()) else {
                break;
            };
            for flag in flags.chars() {
                match flag {
                    'n' => unexport = true,
                    'p' | 'f' => {}
                    other => {
                        return CommandOutput::fail(2)
                            .line_err(&format!("bash: export: -{other}: invalid option"))
                            .line_err("export: usage: export [-fn] [name[=value] ...] or export -p");
                    }
                }
            }
            rest = &rest[1..];
        }
        if rest.is_empty() {
            let mut out = CommandOutput::ok();
            for name in &self.exported {
                let line = match self.vars.get(name) {
                    Some(value) => format!("declare -x {name}={}", double_quote(value)),
                    None => format!("declare -x {name}"),
                };
                out = out.line_out(&line);
            }
            return out;
        }
        let mut out = CommandOutput::ok();
        for arg in rest {
            let (name, value) = match arg.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (arg.as_str(), None),
            };
            let (name, append) = match (value, name.strip_suffix('+')) {
                (Some(_), Some(stripped)) => (stripped, true),
                _ => (name, false),
            };
            if !is_name(name) {
                out = out
                    .line_err(&format!("bash: export: `{arg}': not a valid identifier"))
                    .with_status(1);
                continue;
            }
            if let Some(value) = value {
                let value = if append {
                    format!("{}{value}", self.var(name).unwrap_or(""))
                } else {
                    value.to_owned()
                };
                self.set_var(name, &value);
            }
            if unexport {
                self.exported.remove(name);
            } else {
                self.export(name);
            }
        }
        out
    }

    pub(super) fn builtin_unset(&mut self, args: &[String]) -> CommandOutput {
        let mut rest = args;
        // Without -v a name that is not a valid variable could still name a
        // function, so bash stays silent about it.
        let mut strict = false;
        let mut functions = false;
        while let Some(first) = rest.first() {
            if first == "--" {
                rest = &rest[1..];
                break;
            }
            let Some(flags) = first.strip_prefix('-').filter(|f| !f.is_empty()) else {
                break;
            };
            for flag in flags.chars() {
                match flag {
                    'v' => strict = true,
                    'f' => functions = true,
                    'n' => {}
                    other => {
                        return CommandOutput::fail(2)
                            .line_err(&format!("bash: unset: -{other}: invalid option"))
                            .line_err("unset: usage: unset [-f] [-v] [-n] [name ...]");
                    }
                }
            }
            rest = &rest[1..];
        }
        let mut out = CommandOutput::ok();
        for name in rest {
            if functions {
                continue;
            }
            if !is_name(name) {
                if strict {
                    out = out
                        .line_err(&format!("bash: unset: `{name}': not a valid identifier"))
                        .with_status(1);
                }
                continue;
            }
            self.unset_var(name);
        }
        out
    }

    pub(super) fn builtin_alias(&mut self, args: &[String]) -> CommandOutput {
        let rest: Vec<&String> = args.iter().skip_while(|a| a.as_str() == "-p").collect();
        let mut out = CommandOutput::ok();
        if rest.is_empty() {
            for (name, value) in &self.aliases {
                out = out.line_out(&format!("alias {name}={}", single_quote(value)));
            }
            return out;
        }
        for arg in rest {
            match arg.split_once('=') {
                Some((name, value)) => {
                    if valid_alias_name(name) {
                        self.set_alias(name, value);
                    } else {
                        out = out
                            .line_err(&format!("bash: alias: `{name}': invalid alias name"))
                            .with_status(1);
                    }
                }
                None => match self.aliases.get(arg.as_str()) {
                    Some(value) => out = out.line_out(&format!("alias {arg}={}", single_quote(value))),
                    None => {
                        out = out.line_err(&format!("bash: alias: {arg}: not found")).with_status(1);
                    }
                },
            }
        }
        out
    }

    pub(super) fn builtin_unalias(&mut self, args: &[String]) -> CommandOutput {
        if args.is_empty() {
            return CommandOutput::fail(2).line_err("unalias: usage: unalias [-a] name [name ...]");
        }
        if args.iter().any(|a| a == "-a") {
            self.aliases.clear();
            return CommandOutput::ok();
        }
        let mut out = CommandOutput::ok();
        for name in args {
            if !self.unalias(name) {
                out = out
                    .line_err(&format!("bash: unalias: {name}: not found"))
                    .with_status(1);
            }
        }
        out
    }

    /// `sudo [options] [VAR=value...] command args`. We already are root, so
    /// this only strips the wrapper. A bare `sudo -i` or `sudo -s` opens a root
    /// shell: the host's `su -` (a login shell) or `bash`, which the host layer
    /// stacks on the terminal until `exit`; so do `sudo su -` and `sudo bash`.
    pub(super) fn sudo<H: CommandHost + ?Sized>(
        &mut self,
        host: &mut H,
        args: &[String],
        mut env: ShellEnv,
        stdin: &str,
    ) -> CommandOutput {
        let mut shell = false;
        let mut login = false;
        let mut index = 0;
        while let Some(arg) = args.get(index) {
            if arg == "--" {
                index += 1;
                break;
            }
            if let Some(long) = arg.strip_prefix("--") {
                let (name, value) = match long.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_owned())),
                    None => (long, None),
                };
                match name {
                    "login" => {
                        shell = true;
                        login = true;
                    }
                    "shell" => shell = true,
                    "preserve-env" | "set-home" | "non-interactive" | "stdin" => {}
                    "user" => {
                        let user = match value {
                            Some(v) => v,
                            None => {
                                index += 1;
                                match args.get(index) {
                                    Some(v) => v.clone(),
                                    None => return sudo_missing_argument("u"),
                                }
                            }
                        };
                        if let Some(refusal) = sudo_user(&user) {
                            return refusal;
                        }
                    }
                    _ => {
                        return CommandOutput::fail(1)
                            .line_err(&format!("sudo: unrecognized option '{arg}'"))
                            .stderr(SUDO_USAGE);
                    }
                }
                index += 1;
                continue;
            }
            let Some(flags) = arg.strip_prefix('-').filter(|f| !f.is_empty()) else {
                break;
            };
            for (at, flag) in flags.char_indices() {
                match flag {
                    'i' => {
                        shell = true;
                        login = true;
                    }
                    's' => shell = true,
                    'E' | 'H' | 'n' | 'S' | 'k' | 'A' | 'P' => {}
                    'u' => {
                        let attached = &flags[at + flag.len_utf8()..];
                        let user = if attached.is_empty() {
                            index += 1;
                            match args.get(index) {
                                Some(v) => v.clone(),
                                None => return sudo_missing_argument("u"),
                            }
                        } else {
                            attached.to_owned()
                        };
                        if let Some(refusal) = sudo_user(&user) {
                            return refusal;
                        }
                        break;
                    }
                    other => {
                        return CommandOutput::fail(1)
                            .line_err(&format!("sudo: invalid option -- '{other}'"))
                            .stderr(SUDO_USAGE);
                    }
                }
            }
            index += 1;
        }
        // sudo takes VAR=value before the command, as in
        // `sudo ETCDCTL_API=3 etcdctl ...`.
        while let Some((name, value)) = args
            .get(index)
            .and_then(|a| a.split_once('='))
            .filter(|(name, _)| is_name(name))
        {
            env.set(name, value);
            index += 1;
        }
        let command = &args[index.min(args.len())..];
        let Some(name) = command.first() else {
            if !shell {
                return CommandOutput::fail(1).stderr(SUDO_USAGE);
            }
            let argv: Vec<String> = if login {
                vec!["su".into(), "-".into()]
            } else {
                vec!["bash".into()]
            };
            return host.run(&argv, &env, stdin).unwrap_or_default();
        };
        if SHELL_ONLY.contains(&name.as_str()) {
            return CommandOutput::fail(1).line_err(&format!("sudo: {name}: command not found"));
        }
        match self.run_program(host, command, &env, stdin) {
            Some(output) => output,
            None => CommandOutput::fail(1).line_err(&format!("sudo: {name}: command not found")),
        }
    }
}

const SUDO_USAGE: &str = "usage: sudo -h | -K | -k | -V
usage: sudo -v [-ABkNnS] [-g group] [-h host] [-p prompt] [-u user]
usage: sudo -l [-ABkNnS] [-g group] [-h host] [-p prompt] [-U user] [-u user] [command [arg ...]]
usage: sudo [-ABbEHkNnPS] [-r role] [-t type] [-C num] [-D directory] [-g group] [-h host] [-p prompt] [-R directory] [-T timeout] [-u user] [VAR=value] [-i | -s] [command [arg ...]]
usage: sudo -e [-ABkNnS] [-r role] [-t type] [-C num] [-D directory] [-g group] [-h host] [-p prompt] [-R directory] [-T timeout] [-u user] file ...
";

fn sudo_missing_argument(flag: &str) -> CommandOutput {
    CommandOutput::fail(1)
        .line_err(&format!("sudo: option requires an argument -- '{flag}'"))
        .stderr(SUDO_USAGE)
}

/// Only root exists in the simulation; running as someone else is refused
/// rather than silently done as root.
fn sudo_user(user: &str) -> Option<CommandOutput> {
    match user {
        "root" | "#0" => None,
        other => Some(CommandOutput::fail(1).line_err(&format!(
            "kubedrill: sudo -u {other} is not supported in the simulated shell (only root)"
        ))),
    }
}
