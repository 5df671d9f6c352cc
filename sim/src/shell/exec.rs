//! Running a parsed line: expansion, and-or lists, pipelines, redirections
//! and dispatch to builtins, text tools or the host.

use super::ast::{
    AndOrList, Connector, ParamOp, Pipeline, Redirect, Script, ShellSyntaxError, SimpleCommand, Word, WordPart, is_name,
};
use super::parse::parse_with_aliases;
use super::{CommandHost, CommandOutput, ShellEnv, Stream, builtins, text};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What `$$` expands to. A fixed value keeps runs reproducible.
const SHELL_PID: &str = "4242";

/// Where the home directory is when `HOME` is unset: the simulated user is
/// root.
pub(super) const DEFAULT_HOME: &str = "/root";

/// The persistent state of one interactive shell on a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shell {
    pub(super) vars: BTreeMap<String, String>,
    /// Names marked for export; a name may be exported before it has a value
    /// (`export X`), and only exported names with a value reach commands.
    pub(super) exported: BTreeSet<String>,
    pub(super) aliases: BTreeMap<String, String>,
    pub(super) last_status: i32,
}

impl Default for Shell {
    fn default() -> Self {
        Self::new()
    }
}

/// An expansion error: bash prints the message and abandons the rest of the
/// line, with status 1.
#[derive(Debug)]
pub(super) struct Abort(pub(super) String);

/// Where a command's file descriptor 1 or 2 currently points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// The command's standard output: the pipe to the next command, or the
    /// line's stdout for the last command of a pipeline.
    Out,
    /// The line's stderr.
    Err,
    /// `/dev/null`.
    Null,
}

/// A piece of an expanded word. Only unquoted expansion results are subject
/// to field splitting.
enum Seg {
    Fixed(String),
    Split(String),
}

impl Shell {
    /// A shell with no variables, `$?` = 0 and the alias `k=kubectl`.
    /// The host is expected to seed `HOME`, `PWD`, `PATH`… as it sees fit.
    pub fn new() -> Self {
        Shell {
            vars: BTreeMap::new(),
            exported: BTreeSet::new(),
            aliases: [("k".to_owned(), "kubectl".to_owned())].into_iter().collect(),
            last_status: 0,
        }
    }

    /// Parses and runs one line. The chunks are in the order they were
    /// printed; the status is the line's exit status as bash computes it. A
    /// line with nothing to run (empty, blanks, a comment) prints nothing,
    /// returns status 0 and leaves `$?` as it was, like pressing Enter in
    /// bash.
    pub fn run_line(&mut self, host: &mut (impl CommandHost + ?Sized), line: &str) -> CommandOutput {
        let script = match self.parse(line) {
            Ok(script) => script,
            Err(error) => {
                let mut out = CommandOutput::fail(error.status());
                for line in error.stderr_lines() {
                    out.push_line(Stream::Stderr, &line);
                }
                self.last_status = error.status();
                return out;
            }
        };
        let mut out = CommandOutput::ok();
        if script.lists.is_empty() {
            return out;
        }
        for list in &script.lists {
            if let Err(Abort(message)) = self.run_and_or(host, list, &mut out) {
                out.push_line(Stream::Stderr, &message);
                self.last_status = 1;
                break;
            }
        }
        out.status = self.last_status;
        out
    }

    /// Parses `line` with this shell's aliases, as [`Shell::run_line`] would.
    pub fn parse(&self, line: &str) -> Result<Script, ShellSyntaxError> {
        parse_with_aliases(line, &self.aliases)
    }

    /// `$?`: the status of the last pipeline run.
    pub fn last_status(&self) -> i32 {
        self.last_status
    }

    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Sets a variable, keeping its export mark.
    pub fn set_var(&mut self, name: &str, value: &str) {
        self.vars.insert(name.to_owned(), value.to_owned());
    }

    /// Marks a variable for export (`export NAME`).
    pub fn export(&mut self, name: &str) {
        self.exported.insert(name.to_owned());
    }

    /// `export NAME=value`.
    pub fn export_var(&mut self, name: &str, value: &str) {
        self.set_var(name, value);
        self.export(name);
    }

    /// `unset NAME`: forgets the value and the export mark.
    pub fn unset_var(&mut self, name: &str) {
        self.vars.remove(name);
        self.exported.remove(name);
    }

    pub fn is_exported(&self, name: &str) -> bool {
        self.exported.contains(name)
    }

    /// The environment a command started now would get.
    pub fn env(&self) -> ShellEnv {
        self.command_env(&BTreeMap::new())
    }

    pub fn alias(&self, name: &str) -> Option<&str> {
        self.aliases.get(name).map(String::as_str)
    }

    pub fn set_alias(&mut self, name: &str, value: &str) {
        self.aliases.insert(name.to_owned(), value.to_owned());
    }

    /// Removes an alias; false if there was none.
    pub fn unalias(&mut self, name: &str) -> bool {
        self.aliases.remove(name).is_some()
    }

    /// The working directory: `$PWD`, else `$HOME`, else `/root`.
    pub fn cwd(&self) -> &str {
        self.var("PWD").or_else(|| self.var("HOME")).unwrap_or(DEFAULT_HOME)
    }

    fn command_env(&self, overlay: &BTreeMap<String, String>) -> ShellEnv {
        let mut env = ShellEnv::new(self.cwd());
        for name in &self.exported {
            if let Some(value) = self.vars.get(name) {
                env.set(name, value);
            }
        }
        for (name, value) in overlay {
            env.set(name, value);
        }
        env
    }

    fn run_and_or<H: CommandHost + ?Sized>(
        &mut self,
        host: &mut H,
        list: &AndOrList,
        out: &mut CommandOutput,
    ) -> Result<(), Abort> {
        self.last_status = self.run_pipeline(host, &list.first, out)?;
        for (connector, pipeline) in &list.rest {
            let run = match connector {
                Connector::And => self.last_status == 0,
                Connector::Or => self.last_status != 0,
            };
            if run {
                self.last_status = self.run_pipeline(host, pipeline, out)?;
            }
        }
        Ok(())
    }

    fn run_pipeline<H: CommandHost + ?Sized>(
        &mut self,
        host: &mut H,
        pipeline: &Pipeline,
        out: &mut CommandOutput,
    ) -> Result<i32, Abort> {
        // Each command of a real pipeline runs in a subshell, so `X=1 | cat`
        // or `cd /tmp | cat` change nothing afterwards.
        let saved =
            (pipeline.commands.len() > 1).then(|| (self.vars.clone(), self.exported.clone(), self.aliases.clone()));
        let mut input = String::new();
        let mut status = 0;
        let mut result = Ok(());
        for (index, command) in pipeline.commands.iter().enumerate() {
            let last = index + 1 == pipeline.commands.len();
            let mut piped = String::new();
            match self.run_simple(host, command, std::mem::take(&mut input), last, &mut piped, out) {
                Ok(code) => status = code,
                Err(abort) => {
                    result = Err(abort);
                    break;
                }
            }
            input = piped;
        }
        if let Some((vars, exported, aliases)) = saved {
            self.vars = vars;
            self.exported = exported;
            self.aliases = aliases;
        }
        result?;
        Ok(match (pipeline.negated, status) {
            (false, status) => status,
            (true, 0) => 1,
            (true, _) => 0,
        })
    }

    fn run_simple<H: CommandHost + ?Sized>(
        &mut self,
        host: &mut H,
        command: &SimpleCommand,
        mut stdin: String,
        last: bool,
        piped: &mut String,
        out: &mut CommandOutput,
    ) -> Result<i32, Abort> {
        let no_overlay = BTreeMap::new();
        // Bash expands the words before the assignments, so `X=1 echo $X`
        // prints the old X.
        let mut argv: Vec<String> = Vec::new();
        for (index, word) in command.words.iter().enumerate() {
            // Declaration builtins take assignment arguments unsplit, as bash
            // does for `export X=$Y`.
            let declaration = index > 0
                && argv
                    .first()
                    .is_some_and(|c| matches!(c.as_str(), "export" | "declare" | "readonly" | "local" | "typeset"))
                && word.as_assignment().is_some();
            if declaration {
                argv.push(self.expand_single(word, &no_overlay)?);
            } else {
                argv.extend(self.expand_fields(word, &no_overlay)?);
            }
        }

        let mut overlay = BTreeMap::new();
        for assignment in &command.assignments {
            let mut value = self.expand_single(&assignment.value, &overlay)?;
            if assignment.append {
                let old = overlay
                    .get(&assignment.name)
                    .or_else(|| self.vars.get(&assignment.name))
                    .cloned()
                    .unwrap_or_default();
                value = old + &value;
            }
            if argv.is_empty() {
                self.set_var(&assignment.name, &value);
            } else {
                overlay.insert(assignment.name.clone(), value);
            }
        }

        let (mut fd1, mut fd2) = (Target::Out, Target::Err);
        for redirect in &command.redirects {
            match redirect {
                Redirect::Dup { fd: 1, to: 2 } => fd1 = fd2,
                Redirect::Dup { fd: 2, to: 1 } => fd2 = fd1,
                Redirect::Dup { .. } => {}
                Redirect::Discard { fd: 0 } => stdin.clear(),
                Redirect::Discard { fd: 1 } => fd1 = Target::Null,
                Redirect::Discard { .. } => fd2 = Target::Null,
                Redirect::HereString(word) => {
                    stdin = self.expand_single(word, &overlay)?;
                    stdin.push('\n');
                }
            }
        }

        if argv.is_empty() {
            return Ok(0);
        }
        let result = self.dispatch(host, &argv, &overlay, &stdin);
        for chunk in result.chunks {
            let target = match chunk.stream {
                Stream::Stdout => fd1,
                Stream::Stderr => fd2,
            };
            match target {
                Target::Out if last => out.push(Stream::Stdout, &chunk.text),
                Target::Out => piped.push_str(&chunk.text),
                Target::Err => out.push(Stream::Stderr, &chunk.text),
                Target::Null => {}
            }
        }
        Ok(result.status)
    }

    fn dispatch<H: CommandHost + ?Sized>(
        &mut self,
        host: &mut H,
        argv: &[String],
        overlay: &BTreeMap<String, String>,
        stdin: &str,
    ) -> CommandOutput {
        let Some((name, args)) = argv.split_first() else {
            return CommandOutput::ok();
        };
        match name.as_str() {
            ":" => CommandOutput::ok(),
            "cd" => self.builtin_cd(host, args),
            "export" => self.builtin_export(args),
            "unset" => self.builtin_unset(args),
            "alias" => self.builtin_alias(args),
            "unalias" => self.builtin_unalias(args),
            // Completion setup from kubectl's docs (`complete -F __start_kubectl k`)
            // has nothing to do in a simulated terminal but must not fail.
            "complete" => CommandOutput::ok(),
            "sudo" => {
                let env = self.command_env(overlay);
                self.sudo(host, args, env, stdin)
            }
            name => {
                let env = self.command_env(overlay);
                match self.run_program(host, argv, &env, stdin) {
                    Some(output) => output,
                    None if name.contains('/') => {
                        CommandOutput::fail(127).line_err(&format!("bash: {name}: No such file or directory"))
                    }
                    None => CommandOutput::fail(127).line_err(&format!("bash: {name}: command not found")),
                }
            }
        }
    }

    /// Runs what exists as a program on a real host (as opposed to a shell
    /// builtin): the ones simulated here, then the host's. `sudo` can only
    /// run these.
    pub(super) fn run_program<H: CommandHost + ?Sized>(
        &self,
        host: &mut H,
        argv: &[String],
        env: &ShellEnv,
        stdin: &str,
    ) -> Option<CommandOutput> {
        let (name, args) = argv.split_first()?;
        match name.as_str() {
            "true" => return Some(CommandOutput::ok()),
            "false" => return Some(CommandOutput::fail(1)),
            "echo" => return Some(builtins::echo(args)),
            "pwd" => return Some(CommandOutput::ok().line_out(self.cwd())),
            _ => {}
        }
        let cwd = self.cwd().to_owned();
        let shared: &H = host;
        let files = |path: &str| shared.read_file(&resolve_path(&cwd, path));
        if let Some(output) = text::run(name, args, stdin, &files) {
            return Some(output);
        }
        host.run(argv, env, stdin)
    }

    fn expand_fields(&mut self, word: &Word, overlay: &BTreeMap<String, String>) -> Result<Vec<String>, Abort> {
        let mut segs = Vec::new();
        self.expand_parts(&word.parts, overlay, &mut segs)?;
        let mut fields = Vec::new();
        let mut current = String::new();
        // Whether the current field exists even if empty: any literal or
        // quoted text does that, an empty unquoted expansion does not.
        let mut live = false;
        for seg in segs {
            match seg {
                Seg::Fixed(text) => {
                    current.push_str(&text);
                    live = true;
                }
                Seg::Split(text) => {
                    for c in text.chars() {
                        if matches!(c, ' ' | '\t' | '\n') {
                            if live {
                                fields.push(std::mem::take(&mut current));
                                live = false;
                            }
                        } else {
                            current.push(c);
                            live = true;
                        }
                    }
                }
            }
        }
        if live {
            fields.push(current);
        }
        Ok(fields)
    }

    /// Expands without field splitting (assignment values, here-strings).
    fn expand_single(&mut self, word: &Word, overlay: &BTreeMap<String, String>) -> Result<String, Abort> {
        let mut segs = Vec::new();
        self.expand_parts(&word.parts, overlay, &mut segs)?;
        Ok(segs
            .into_iter()
            .map(|seg| match seg {
                Seg::Fixed(text) | Seg::Split(text) => text,
            })
            .collect())
    }

    fn expand_parts(
        &mut self,
        parts: &[WordPart],
        overlay: &BTreeMap<String, String>,
        segs: &mut Vec<Seg>,
    ) -> Result<(), Abort> {
        let seg = |text: String, quoted: bool| {
            if quoted { Seg::Fixed(text) } else { Seg::Split(text) }
        };
        for part in parts {
            match part {
                WordPart::Literal { text, quoted } => segs.push(seg(text.clone(), *quoted)),
                WordPart::Tilde(user) => segs.push(Seg::Fixed(self.tilde(user))),
                WordPart::BadSubstitution(text) => {
                    return Err(Abort(format!("bash: {text}: bad substitution")));
                }
                WordPart::Param { name, op, quoted } => {
                    let value = self.lookup(name, overlay);
                    let missing = |colon: bool| value.as_deref().is_none_or(|v| colon && v.is_empty());
                    match op {
                        // "$@" with no positional parameters is no field at all.
                        ParamOp::Plain if name == "@" && *quoted => {}
                        ParamOp::Plain => segs.push(seg(value.unwrap_or_default(), *quoted)),
                        ParamOp::Length => {
                            let length = value.map_or(0, |v| v.chars().count());
                            segs.push(seg(length.to_string(), *quoted));
                        }
                        ParamOp::Default { colon, word } => {
                            if missing(*colon) {
                                self.expand_parts(&word.parts, overlay, segs)?;
                            } else {
                                segs.push(seg(value.unwrap_or_default(), *quoted));
                            }
                        }
                        ParamOp::Assign { colon, word } => {
                            if missing(*colon) {
                                if !is_name(name) {
                                    return Err(Abort(format!("bash: ${name}: cannot assign in this way")));
                                }
                                let new = self.expand_single(word, overlay)?;
                                self.set_var(name, &new);
                                segs.push(seg(new, *quoted));
                            } else {
                                segs.push(seg(value.unwrap_or_default(), *quoted));
                            }
                        }
                        ParamOp::Alternative { colon, word } => {
                            if missing(*colon) {
                                segs.push(seg(String::new(), *quoted));
                            } else {
                                self.expand_parts(&word.parts, overlay, segs)?;
                            }
                        }
                        ParamOp::Error { colon, word } => {
                            if missing(*colon) {
                                let mut message = self.expand_single(word, overlay)?;
                                if message.is_empty() {
                                    message = if *colon {
                                        "parameter null or not set".to_owned()
                                    } else {
                                        "parameter not set".to_owned()
                                    };
                                }
                                return Err(Abort(format!("bash: {name}: {message}")));
                            }
                            segs.push(seg(value.unwrap_or_default(), *quoted));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn lookup(&self, name: &str, overlay: &BTreeMap<String, String>) -> Option<String> {
        match name {
            "?" => Some(self.last_status.to_string()),
            "$" => Some(SHELL_PID.to_owned()),
            "#" => Some("0".to_owned()),
            "0" => Some("bash".to_owned()),
            "-" => Some("himBHs".to_owned()),
            _ => overlay.get(name).or_else(|| self.vars.get(name)).cloned(),
        }
    }

    fn tilde(&self, user: &str) -> String {
        match user {
            "" => self.var("HOME").unwrap_or(DEFAULT_HOME).to_owned(),
            "+" => self.cwd().to_owned(),
            "-" => self.var("OLDPWD").map_or_else(|| "~-".to_owned(), str::to_owned),
            "root" => DEFAULT_HOME.to_owned(),
            other => format!("~{other}"),
        }
    }
}

/// `path` made absolute against `cwd`, with `.`, `..` and repeated slashes
/// resolved the way `cd` (without `-P`) does.
pub(super) fn resolve_path(cwd: &str, path: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("{cwd}/{path}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::resolve_path;

    #[test]
    fn paths_resolve_against_the_working_directory() {
        assert_eq!(resolve_path("/root", "a.yaml"), "/root/a.yaml");
        assert_eq!(resolve_path("/root", "../etc//kubernetes/./x"), "/etc/kubernetes/x");
        assert_eq!(resolve_path("/root", "/../.."), "/");
    }
}
