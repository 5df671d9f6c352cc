//! Running a parsed line: expansion, and-or lists, pipelines, redirections
//! and dispatch to builtins, text tools or the host.

use super::ast::{
    AndOrList, Connector, ParamOp, Pipeline, Redirect, Script, ShellSyntaxError, SimpleCommand, Word, WordPart, is_name,
};
use super::limits::{self, MAX_LINE_EXPANSION_BYTES, MAX_VAR_BYTES, MAX_VARS_BYTES};
use super::parse::{parse_substitution, parse_with_aliases};
use super::{CommandHost, CommandOutput, ShellEnv, Stream, builtins, text};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A parsed line and the aliases it was parsed with (none kept when it is not remembered).
type ParsedLine = (BTreeMap<String, String>, Script);

/// Lines longer than this, or parsed with aliases longer than [`MEMO_ALIAS_BYTES`] in all, are
/// parsed every time, so the memo stays small.
const MEMO_LINE_BYTES: usize = 1024;
const MEMO_ALIAS_BYTES: usize = 4096;

thread_local! {
    static PARSED_LINES: std::cell::RefCell<crate::memo::Memo<String, std::rc::Rc<ParsedLine>>> =
        Default::default();
}

/// What `$$` expands to. A fixed value keeps runs reproducible.
const SHELL_PID: &str = "4242";

/// Where the home directory is when `HOME` is unset: the simulated user is
/// root.
pub(super) const DEFAULT_HOME: &str = "/root";

/// The persistent state of one interactive shell on a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shell {
    /// Values are shared (with subshells, pipelines and commands' environments) rather than
    /// copied: a large variable costs its size once.
    pub(super) vars: BTreeMap<String, Arc<str>>,
    /// Names marked for export; a name may be exported before it has a value
    /// (`export X`), and only exported names with a value reach commands.
    pub(super) exported: BTreeSet<String>,
    pub(super) aliases: BTreeMap<String, String>,
    pub(super) last_status: i32,
    /// How many command substitutions deep this shell runs: 0 for the
    /// interactive shell. A subshell lives only while its substitution runs,
    /// so this is never saved.
    #[serde(skip)]
    pub(super) subshell: usize,
    /// Bytes the expansions of the current line produced so far (substitutions included),
    /// against [`MAX_LINE_EXPANSION_BYTES`].
    #[serde(skip)]
    expanded_bytes: usize,
    /// Whether the command about to run writes to the terminal (last in its pipeline, stdout
    /// not redirected, not inside a substitution): `ls` prints one name per line otherwise.
    #[serde(skip)]
    stdout_tty: bool,
}

impl Default for Shell {
    fn default() -> Self {
        Self::new()
    }
}

/// Why the rest of a line (or of a substitution's command list) is skipped.
#[derive(Debug)]
pub(super) enum Abort {
    /// An expansion error: bash prints the message, and the status is 1.
    Error(String),
    /// `exit` in a subshell, with the subshell's status.
    Exit(i32),
}

/// What expanding a command's words needs besides the shell: the host that
/// command substitutions run on, and what they leave behind.
struct Expansion<'h, H: ?Sized> {
    host: &'h mut H,
    /// Their stderr, until the caller knows where it goes.
    stderr: String,
    /// The status of the last one: the command's own status when no command
    /// word is left, as in `X=$(false)`.
    status: Option<i32>,
}

impl<'h, H: ?Sized> Expansion<'h, H> {
    fn new(host: &'h mut H) -> Self {
        Expansion {
            host,
            stderr: String::new(),
            status: None,
        }
    }
}

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
    /// A file on the host: an index into the command's open files.
    File(usize),
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
            subshell: 0,
            expanded_bytes: 0,
            stdout_tty: false,
        }
    }

    /// Parses and runs one line. The chunks are in the order they were
    /// printed; the status is the line's exit status as bash computes it. A
    /// line with nothing to run (empty, blanks, a comment) prints nothing,
    /// returns status 0 and leaves `$?` as it was, like pressing Enter in
    /// bash.
    pub fn run_line(&mut self, host: &mut (impl CommandHost + ?Sized), line: &str) -> CommandOutput {
        let parsed = match self.parse_shared(line) {
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
        let script = &parsed.1;
        let mut out = CommandOutput::ok();
        if script.lists.is_empty() {
            return out;
        }
        self.expanded_bytes = 0;
        self.run_script(host, script, &mut out);
        out.status = self.last_status;
        out
    }

    /// Parses `line` with this shell's aliases, as [`Shell::run_line`] would.
    pub fn parse(&self, line: &str) -> Result<Script, ShellSyntaxError> {
        parse_with_aliases(line, &self.aliases)
    }

    /// [`Shell::parse`], remembered per thread: a scripted sweep (a benchmark, an upgrade
    /// policy) types the same line on node after node, and a parse depends on the line and
    /// the aliases alone. Returns the aliases it was parsed with beside the script.
    fn parse_shared(&self, line: &str) -> Result<std::rc::Rc<ParsedLine>, ShellSyntaxError> {
        // Each entry keeps a copy of the aliases: large ones are not remembered, so the memo
        // stays within 256 × (1 KiB + 4 KiB).
        let memo = line.len() <= MEMO_LINE_BYTES
            && self.aliases.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>() <= MEMO_ALIAS_BYTES;
        if !memo {
            return Ok(std::rc::Rc::new((BTreeMap::new(), self.parse(line)?)));
        }
        if let Some(hit) = PARSED_LINES.with(|m| m.borrow().get(line))
            && hit.0 == self.aliases
        {
            return Ok(hit);
        }
        let parsed = std::rc::Rc::new((self.aliases.clone(), self.parse(line)?));
        PARSED_LINES.with(|m| m.borrow_mut().insert(line.to_owned(), parsed.clone()));
        Ok(parsed)
    }

    /// `$?`: the status of the last pipeline run.
    pub fn last_status(&self) -> i32 {
        self.last_status
    }

    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(|v| &**v)
    }

    /// Sets a variable, keeping its export mark.
    pub fn set_var(&mut self, name: &str, value: &str) {
        self.vars.insert(name.to_owned(), Arc::from(value));
    }

    /// An assignment typed on the line: refused (with the message to print) when it would
    /// pass the shell's caps on what its variables hold.
    pub(super) fn assign(&mut self, name: &str, value: String) -> Result<(), String> {
        let others: usize = self
            .vars
            .iter()
            .filter(|(n, _)| n.as_str() != name)
            .map(|(_, v)| v.len())
            .sum();
        if value.len() > MAX_VAR_BYTES || others + value.len() > MAX_VARS_BYTES {
            return Err(limits::too_much_for_variables(name, value.len()));
        }
        self.vars.insert(name.to_owned(), Arc::from(value));
        Ok(())
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
        env.stdout_tty = self.stdout_tty;
        for name in &self.exported {
            if let Some(value) = self.vars.get(name) {
                env.set_shared(name, value.clone());
            }
        }
        for (name, value) in overlay {
            env.set(name, value);
        }
        env
    }

    /// Runs the lists of `script` in order, leaving the status in `$?`. An
    /// expansion error or a subshell's `exit` skips the rest.
    fn run_script<H: CommandHost + ?Sized>(&mut self, host: &mut H, script: &Script, out: &mut CommandOutput) {
        for list in &script.lists {
            match self.run_and_or(host, list, out) {
                Ok(()) => {}
                Err(Abort::Error(message)) => {
                    out.push_line(Stream::Stderr, &message);
                    self.last_status = 1;
                    return;
                }
                Err(Abort::Exit(status)) => {
                    self.last_status = status;
                    return;
                }
            }
        }
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
        let status_before = self.last_status;
        let mut input = String::new();
        let mut status = 0;
        let mut result = Ok(());
        for (index, command) in pipeline.commands.iter().enumerate() {
            let last = index + 1 == pipeline.commands.len();
            let mut piped = String::new();
            // A substitution in an earlier command set `$?` only in that
            // command's subshell.
            self.last_status = status_before;
            match self.run_simple(host, command, std::mem::take(&mut input), last, &mut piped, out) {
                Ok(code) => status = code,
                // In a pipeline, `exit` ends only its own command's subshell.
                Err(Abort::Exit(code)) if saved.is_some() => status = code,
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
        let mut cx = Expansion::new(&mut *host);
        let expanded = self.expand_command(&mut cx, command);
        // A substitution's stderr is the shell's: the command's redirections
        // are not in place while its words expand.
        out.push(Stream::Stderr, &std::mem::take(&mut cx.stderr));
        let (argv, overlay) = expanded?;

        let (mut fd1, mut fd2) = (Target::Out, Target::Err);
        // Files opened by `>`/`>>`: (path, append, what the command wrote to them).
        let mut files: Vec<(String, bool, String)> = Vec::new();
        for redirect in &command.redirects {
            match redirect {
                Redirect::Dup { fd: 1, to: 2 } => fd1 = fd2,
                Redirect::Dup { fd: 2, to: 1 } => fd2 = fd1,
                Redirect::Dup { .. } => {}
                Redirect::Discard { fd: 0 } => stdin.clear(),
                Redirect::Discard { fd: 1 } => fd1 = Target::Null,
                Redirect::Discard { .. } => fd2 = Target::Null,
                Redirect::HereString(word) => {
                    // Redirections expand in order, so the earlier ones
                    // already apply: `2>/dev/null <<< $(...)` hides errors.
                    let expanded = self.expand_single(&mut cx, word, &overlay);
                    emit(fd2, last, &std::mem::take(&mut cx.stderr), piped, out);
                    stdin = expanded?;
                    stdin.push('\n');
                }
                Redirect::File { fd, path, append } => {
                    let path = self.expand_single(&mut cx, path, &overlay)?;
                    let path = resolve_path(self.cwd(), &path);
                    // bash creates (or truncates) the file before the command runs, so a
                    // failing command still leaves an empty file.
                    if let Err(why) = cx.host.write_file(&path, "", *append) {
                        emit(fd2, last, &format!("bash: {path}: {why}\n"), piped, out);
                        return Ok(1);
                    }
                    let target = Target::File(files.len());
                    files.push((path, true, String::new()));
                    match fd {
                        1 => fd1 = target,
                        _ => fd2 = target,
                    }
                }
                Redirect::Input(path) => {
                    let path = self.expand_single(&mut cx, path, &overlay)?;
                    let path = resolve_path(self.cwd(), &path);
                    match cx.host.read_file(&path) {
                        Some(text) => stdin = text,
                        None => {
                            let why = if cx.host.is_dir(&path) == Some(true) {
                                "Is a directory"
                            } else {
                                "No such file or directory"
                            };
                            emit(fd2, last, &format!("bash: {path}: {why}\n"), piped, out);
                            return Ok(1);
                        }
                    }
                }
            }
        }

        let Some(name) = argv.first() else {
            return Ok(cx.status.unwrap_or(0));
        };
        // A subshell's `exit` is bash's own; the interactive shell's belongs
        // to the host, where it leaves an `ssh` session.
        let exit = self.subshell > 0 && name == "exit";
        self.stdout_tty = last && self.subshell == 0 && matches!(fd1, Target::Out);
        let result = if exit {
            builtins::exit(&argv[1..], self.last_status)
        } else {
            self.dispatch(host, &argv, &overlay, &stdin)
        };
        let status = result.status;
        for chunk in result.chunks {
            let target = match chunk.stream {
                Stream::Stdout => fd1,
                Stream::Stderr => fd2,
            };
            match target {
                Target::File(i) => files[i].2.push_str(&chunk.text),
                // The command's own text moves to the terminal, not copied (a drain prints
                // two lines a pod).
                Target::Out if last => out.push_owned(Stream::Stdout, chunk.text),
                Target::Err => out.push_owned(Stream::Stderr, chunk.text),
                _ => emit(target, last, &chunk.text, piped, out),
            }
        }
        for (path, append, text) in &files {
            if text.is_empty() {
                continue;
            }
            if let Err(why) = host.write_file(path, text, *append) {
                out.push(Stream::Stderr, &format!("bash: {path}: {why}\n"));
            }
        }
        if exit {
            return Err(Abort::Exit(status));
        }
        Ok(status)
    }

    /// Expands a command's words, then its assignments, in bash's order (so
    /// `X=1 echo $X` prints the old X). The assignments of a command with no
    /// words left set shell variables; the others make up the overlay on the
    /// command's environment.
    fn expand_command<H: CommandHost + ?Sized>(
        &mut self,
        cx: &mut Expansion<'_, H>,
        command: &SimpleCommand,
    ) -> Result<(Vec<String>, BTreeMap<String, String>), Abort> {
        let no_overlay = BTreeMap::new();
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
                argv.push(self.expand_single(cx, word, &no_overlay)?);
            } else {
                argv.extend(self.expand_fields(cx, word, &no_overlay)?);
            }
        }

        let mut overlay = BTreeMap::new();
        for assignment in &command.assignments {
            let mut value = self.expand_single(cx, &assignment.value, &overlay)?;
            if assignment.append {
                let old: &str = match overlay.get(&assignment.name) {
                    Some(v) => v,
                    None => self.vars.get(&assignment.name).map_or("", |v| &**v),
                };
                value.insert_str(0, old);
            }
            if argv.is_empty() {
                self.assign(&assignment.name, value).map_err(Abort::Error)?;
            } else {
                overlay.insert(assignment.name.clone(), value);
            }
        }
        Ok((argv, overlay))
    }

    /// Runs the command list of a `$(...)` in a copy of the shell, as bash
    /// runs it in a subshell: nothing it does to variables, aliases or the
    /// working directory outlives it, and its `exit` ends only it. Returns
    /// its stdout without trailing newlines; its stderr goes to `cx`.
    fn substitute<H: CommandHost + ?Sized>(&mut self, cx: &mut Expansion<'_, H>, text: &str) -> String {
        let mut sub = self.clone();
        sub.subshell += 1;
        let mut output = CommandOutput::ok();
        match parse_substitution(text, &sub.aliases, sub.subshell) {
            Ok(script) => sub.run_script(&mut *cx.host, &script, &mut output),
            Err((error, line)) => {
                for message in substitution_error(&error, text, line) {
                    output.push_line(Stream::Stderr, &message);
                }
                sub.last_status = error.status();
            }
        }
        // bash sets `$?` too, which `echo $(false) $?` shows.
        self.last_status = sub.last_status;
        self.expanded_bytes = sub.expanded_bytes;
        cx.status = Some(sub.last_status);
        let mut stdout = String::new();
        for chunk in output.chunks {
            match chunk.stream {
                Stream::Stdout => stdout.push_str(&chunk.text),
                Stream::Stderr => cx.stderr.push_str(&chunk.text),
            }
        }
        stdout.truncate(stdout.trim_end_matches('\n').len());
        stdout
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
                if limits::argument_list_too_long(argv, env.iter()) {
                    return CommandOutput::fail(126).line_err(&limits::argument_list_too_long_message(name));
                }
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
        if limits::argument_list_too_long(argv, env.iter()) {
            return Some(CommandOutput::fail(126).line_err(&limits::argument_list_too_long_message(name)));
        }
        let cwd = self.cwd().to_owned();
        let shared: &H = host;
        let files = |path: &str| shared.read_file(&resolve_path(&cwd, path));
        if let Some(output) = text::run(name, args, stdin, &files) {
            return Some(output);
        }
        host.run(argv, env, stdin)
    }

    fn expand_fields<H: CommandHost + ?Sized>(
        &mut self,
        cx: &mut Expansion<'_, H>,
        word: &Word,
        overlay: &BTreeMap<String, String>,
    ) -> Result<Vec<String>, Abort> {
        let mut segs = Vec::new();
        self.expand_parts(cx, &word.parts, overlay, &mut segs)?;
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
    fn expand_single<H: CommandHost + ?Sized>(
        &mut self,
        cx: &mut Expansion<'_, H>,
        word: &Word,
        overlay: &BTreeMap<String, String>,
    ) -> Result<String, Abort> {
        let mut segs = Vec::new();
        self.expand_parts(cx, &word.parts, overlay, &mut segs)?;
        Ok(segs
            .into_iter()
            .map(|seg| match seg {
                Seg::Fixed(text) | Seg::Split(text) => text,
            })
            .collect())
    }

    fn expand_parts<H: CommandHost + ?Sized>(
        &mut self,
        cx: &mut Expansion<'_, H>,
        parts: &[WordPart],
        overlay: &BTreeMap<String, String>,
        segs: &mut Vec<Seg>,
    ) -> Result<(), Abort> {
        let seg = |text: String, quoted: bool| {
            if quoted { Seg::Fixed(text) } else { Seg::Split(text) }
        };
        for part in parts {
            match part {
                WordPart::Literal { text, quoted } => self.push_charged(segs, seg(text.clone(), *quoted))?,
                WordPart::Tilde(user) => segs.push(Seg::Fixed(self.tilde(user))),
                WordPart::BadSubstitution(text) => {
                    return Err(Abort::Error(format!("bash: {text}: bad substitution")));
                }
                WordPart::CommandSubst { text, quoted } => {
                    let output = self.substitute(cx, text);
                    self.push_charged(segs, seg(output, *quoted))?;
                }
                WordPart::Param { name, op, quoted } => {
                    let value = self.lookup(name, overlay);
                    let missing = |colon: bool| value.as_deref().is_none_or(|v| colon && v.is_empty());
                    match op {
                        // "$@" with no positional parameters is no field at all.
                        ParamOp::Plain if name == "@" && *quoted => {}
                        ParamOp::Plain => self.push_charged(segs, seg(value.unwrap_or_default(), *quoted))?,
                        ParamOp::Length => {
                            let length = value.map_or(0, |v| v.chars().count());
                            self.push_charged(segs, seg(length.to_string(), *quoted))?;
                        }
                        ParamOp::Default { colon, word } => {
                            if missing(*colon) {
                                self.expand_parts(cx, &word.parts, overlay, segs)?;
                            } else {
                                self.push_charged(segs, seg(value.unwrap_or_default(), *quoted))?;
                            }
                        }
                        ParamOp::Assign { colon, word } => {
                            if missing(*colon) {
                                if !is_name(name) {
                                    return Err(Abort::Error(format!("bash: ${name}: cannot assign in this way")));
                                }
                                let new = self.expand_single(cx, word, overlay)?;
                                self.assign(name, new.clone()).map_err(Abort::Error)?;
                                self.push_charged(segs, seg(new, *quoted))?;
                            } else {
                                self.push_charged(segs, seg(value.unwrap_or_default(), *quoted))?;
                            }
                        }
                        ParamOp::Alternative { colon, word } => {
                            if missing(*colon) {
                                self.push_charged(segs, seg(String::new(), *quoted))?;
                            } else {
                                self.expand_parts(cx, &word.parts, overlay, segs)?;
                            }
                        }
                        ParamOp::Error { colon, word } => {
                            if missing(*colon) {
                                let mut message = self.expand_single(cx, word, overlay)?;
                                if message.is_empty() {
                                    message = if *colon {
                                        "parameter null or not set".to_owned()
                                    } else {
                                        "parameter not set".to_owned()
                                    };
                                }
                                return Err(Abort::Error(format!("bash: {name}: {message}")));
                            }
                            self.push_charged(segs, seg(value.unwrap_or_default(), *quoted))?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Adds an expansion's result to a word, counting it against the line's budget first.
    fn push_charged(&mut self, segs: &mut Vec<Seg>, seg: Seg) -> Result<(), Abort> {
        let len = match &seg {
            Seg::Fixed(t) | Seg::Split(t) => t.len(),
        };
        self.expanded_bytes = self.expanded_bytes.saturating_add(len);
        if self.expanded_bytes > MAX_LINE_EXPANSION_BYTES {
            return Err(Abort::Error(limits::too_much_expansion()));
        }
        segs.push(seg);
        Ok(())
    }

    fn lookup(&self, name: &str, overlay: &BTreeMap<String, String>) -> Option<String> {
        match name {
            "?" => Some(self.last_status.to_string()),
            "$" => Some(SHELL_PID.to_owned()),
            "#" => Some("0".to_owned()),
            "0" => Some("bash".to_owned()),
            "-" => Some("himBHs".to_owned()),
            _ => match overlay.get(name) {
                Some(v) => Some(v.clone()),
                None => self.vars.get(name).map(|v| v.to_string()),
            },
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

/// Writes `text` where a command's descriptor points.
fn emit(target: Target, last: bool, text: &str, piped: &mut String, out: &mut CommandOutput) {
    match target {
        Target::Out if last => out.push(Stream::Stdout, text),
        Target::Out => piped.push_str(text),
        Target::Err => out.push(Stream::Stderr, text),
        // Files are collected by the caller; nothing reaches one through here.
        Target::Null | Target::File(_) => {}
    }
}

/// How bash reports a command substitution it cannot parse when it runs it
/// (a backquoted one, or one that an alias defined since changed).
fn substitution_error(error: &ShellSyntaxError, text: &str, line: usize) -> Vec<String> {
    if matches!(error, ShellSyntaxError::Unsupported { .. }) {
        return vec![error.to_string()];
    }
    let prefix = format!("bash: command substitution: line {line}: ");
    let message = error.to_string();
    let mut lines = vec![format!(
        "{prefix}{}",
        message.strip_prefix("bash: ").unwrap_or(&message)
    )];
    if matches!(error, ShellSyntaxError::UnexpectedToken { .. }) {
        let source = text.lines().nth(line.saturating_sub(1)).unwrap_or_default();
        lines.push(format!("{prefix}`{source}'"));
    }
    lines
}

/// `path` made absolute against `cwd`, with `.`, `..` and repeated slashes
/// resolved the way `cd` (without `-P`) does.
pub(super) fn resolve_path(cwd: &str, path: &str) -> String {
    if path.starts_with('/') {
        crate::path::normalize(path)
    } else {
        crate::path::normalize(&format!("{cwd}/{path}"))
    }
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
