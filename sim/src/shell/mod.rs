//! The POSIX-like host shell of the simulator.
//!
//! A scenario step or a lab line is one line a person types on a host, for
//! example `sudo kubectl drain node01 --ignore-daemonsets && echo done`. The
//! [`Shell`] parses it the way bash does ([`parse_line`]) and runs it against a
//! [`CommandHost`], the part of the simulator that knows the real commands
//! (`kubectl`, `etcdctl`, `systemctl`, …). Everything that is pure shell or pure
//! text lives here: quoting, expansion (command substitution included),
//! `&&`/`||`/`;`/`|`, variables and aliases, a handful of builtins, and the
//! text filters people pipe into
//! (`grep`, `wc`, `head`, `tail`, `sort`, `uniq`, `cut`, `awk '{print $N}'`,
//! `column -t`, `cat`).
//!
//! Nothing here does IO: the host's output comes back as [`CommandOutput`] and
//! the line's output is returned the same way, as chunks of stdout and stderr
//! in the order a terminal would show them.
//!
//! # Public API
//!
//! * [`Shell::new`], [`Shell::run_line`], [`Shell::last_status`], variables
//!   ([`Shell::var`], [`Shell::set_var`], [`Shell::export`],
//!   [`Shell::export_var`], [`Shell::unset_var`], [`Shell::is_exported`],
//!   [`Shell::env`]), aliases ([`Shell::alias`], [`Shell::set_alias`],
//!   [`Shell::unalias`]), [`Shell::cwd`] and [`Shell::parse`] (parsing with the
//!   shell's aliases applied).
//! * [`CommandHost`]: `run` for non-builtin commands, and optional
//!   `read_file` / `is_dir` so the text tools and `cd` can see the host's files.
//! * [`CommandOutput`], [`Chunk`], [`Stream`], [`ShellEnv`].
//! * [`parse_line`] and the syntax tree ([`Script`] and friends), for tests
//!   and for tab completion.
//!
//! # Behaviour worth knowing
//!
//! * Builtins: `:`, `true`, `false`, `echo`, `pwd`, `cd` (tracks `$PWD` and
//!   `$OLDPWD`, asks [`CommandHost::is_dir`]), `export`, `unset`, `alias`,
//!   `unalias`, `complete` (accepted, does nothing) and `sudo`. Everything
//!   else, `exit` included, goes to the host, except that `exit` inside a
//!   command substitution is bash's own and ends only the substitution.
//! * Command substitution, `$(...)` and `` `...` ``, runs its command list
//!   through the same [`CommandHost`] while the words are expanded, in a copy
//!   of the shell: nothing it does to variables, exports, aliases or the
//!   working directory outlives it, `exit` ends only it, and `$?` inside is
//!   the status from before. Its stdout, trailing newlines removed, replaces
//!   it (split into fields unless quoted). Its stderr goes straight to the
//!   line's stderr, whatever the command redirects (a here-string, though, is
//!   expanded after the redirections before it, as in bash). It sets `$?`,
//!   and a command left with no command word (`X=$(false)`, `$(exit 3)`) has
//!   the status of its last substitution.
//! * `$(...)` is parsed along with the line, so its syntax errors are the
//!   line's; a backquoted list is parsed only when it runs, so a syntax error
//!   in it prints `bash: command substitution: line N: ...`, expands to
//!   nothing and gives status 2, as in bash. Either way the text is parsed
//!   again when it runs, with the aliases of that moment.
//! * Messages are bash's as an interactive shell prints them (no `line 1:`),
//!   and GNU coreutils/grep's in a UTF-8 locale. For an unterminated quote the
//!   second line `bash: syntax error: unexpected end of file` of bash 5.1 is
//!   printed too.
//! * The whole line is parsed, and aliases expanded, before anything runs, as
//!   in bash: `alias k2=kubectl; k2` does not see the new alias. An expansion
//!   error (`${}`, `${X:?}`) abandons the rest of the line with status 1.
//! * An empty or comment-only line prints nothing, reports status 0 and leaves
//!   `$?` unchanged.
//!
//! Source layout: `ast` (syntax tree, errors), `lex` (tokens and words),
//! `parse`, `exec` (expansion, pipelines, dispatch), `builtins`, and the text
//! tools in `text` (shared option parsing, `cat`, `wc`, `head`, `tail`,
//! `uniq`, `cut`, `column`), `sort`, `grep` (with the POSIX regex
//! translation) and `awk`.
//!
//! # Simplifications (documented, deliberate)
//!
//! * Field splitting of unquoted expansions uses the default IFS (space, tab,
//!   newline); `IFS` itself is not consulted. There is no pathname (glob)
//!   expansion: with no filesystem every pattern would match nothing, and bash
//!   then leaves the word as typed, which is what we do. No brace expansion
//!   (`{a,b}` stays literal) and no history expansion (`!x` stays literal).
//! * Redirections are limited to the harmless ones people type: `2>&1`,
//!   `>&2`, `>/dev/null`, `2>/dev/null`, `&>/dev/null`, `</dev/null` and
//!   `<<< word`. Any other redirection, process substitution (`<(…)`,
//!   `>(…)`), arithmetic, background jobs and compound commands (`if`,
//!   `for`, `{ …; }`, `( … )`, functions) are refused before anything on the
//!   line runs, with a `kubedrill: … is not supported in the simulated shell`
//!   message and status 2; that includes their use inside a command
//!   substitution, backquoted or not.
//! * Command substitutions nest at most 16 deep (and together with `${…}`
//!   at most 64); deeper lines are refused the same way. A multi-line
//!   backquoted list is parsed as a whole before any of it runs, where bash
//!   would run the lines before a syntax error.
//! * Commands of a pipeline run one after the other, so the stderr of an
//!   earlier command is always shown before the stderr of a later one. The
//!   first command of a line reads an empty stdin (nobody is typing into it).
//! * `sudo` passes the caller's environment through (no `env_reset`).
//! * Text tools sort and compare bytewise (the C locale) and treat files that
//!   [`CommandHost::read_file`] returns as regular files. `awk` runs only
//!   `[PATTERN] {print ...}` programs; `column` only `-t`; `grep` has no
//!   back-references, `-r` or `-z`; nothing writes files (`sort -o`, `tee`).
//! * `$$` is a fixed number, `$0` is `bash`, there are no positional
//!   parameters, and `~user` knows only root.

mod ast;
mod awk;
mod builtins;
mod exec;
mod grep;
mod lex;
mod limits;
pub mod output;
mod parse;
mod sort;
#[cfg(test)]
mod tests;
mod text;

pub use ast::{
    AndOrList, Assignment, Connector, ParamOp, Pipeline, Redirect, Script, ShellSyntaxError, SimpleCommand, Word,
    WordPart,
};
pub use exec::Shell;
pub use parse::parse_line;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Which of a command's output streams a [`Chunk`] was written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// A piece of output, in the order it was printed. A chunk holds one or more
/// whole lines including their `'\n'`; only a tool that did not end its
/// output with a newline leaves a chunk without one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chunk {
    pub stream: Stream,
    pub text: String,
}

/// Bytes reserved for a formatted line: most lines tools print are shorter.
const LINE_ROOM: usize = 96;

/// What a command (or a whole line) printed, and its exit status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandOutput {
    pub chunks: Vec<Chunk>,
    pub status: i32,
}

impl CommandOutput {
    /// Success with no output.
    pub fn ok() -> Self {
        Self::default()
    }

    /// Failure with `status` and no output.
    pub fn fail(status: i32) -> Self {
        Self {
            chunks: Vec::new(),
            status,
        }
    }

    /// Appends raw text to stdout.
    #[must_use]
    pub fn stdout(mut self, text: &str) -> Self {
        self.push(Stream::Stdout, text);
        self
    }

    /// Appends raw text to stderr.
    #[must_use]
    pub fn stderr(mut self, text: &str) -> Self {
        self.push(Stream::Stderr, text);
        self
    }

    /// Appends `line` and a newline to stdout.
    #[must_use]
    pub fn line_out(mut self, line: &str) -> Self {
        self.push_line(Stream::Stdout, line);
        self
    }

    /// Appends `line` and a newline to stderr.
    #[must_use]
    pub fn line_err(mut self, line: &str) -> Self {
        self.push_line(Stream::Stderr, line);
        self
    }

    /// Replaces the exit status.
    #[must_use]
    pub fn with_status(mut self, status: i32) -> Self {
        self.status = status;
        self
    }

    /// Appends raw text to `stream`; empty text is dropped so that chunk
    /// lists compare equal however a tool happened to build them.
    pub fn push(&mut self, stream: Stream, text: &str) {
        if !text.is_empty() {
            self.chunks.push(Chunk {
                stream,
                text: text.to_owned(),
            });
        }
    }

    /// [`CommandOutput::push`] of text the caller owns, without copying it.
    pub fn push_owned(&mut self, stream: Stream, text: String) {
        if !text.is_empty() {
            self.chunks.push(Chunk { stream, text });
        }
    }

    /// [`CommandOutput::push_line`] of formatted text, written once (`format!` then
    /// `push_line` copied every line apt prints).
    pub fn push_line_fmt(&mut self, stream: Stream, line: std::fmt::Arguments<'_>) {
        // Room for a typical line and its newline up front: `format` sizes the buffer to the
        // text exactly, so the newline reallocated every line (an empty String grown by
        // `write_fmt` cost more still).
        let mut text = String::with_capacity(LINE_ROOM);
        let _ = std::fmt::Write::write_fmt(&mut text, line);
        text.push('\n');
        self.chunks.push(Chunk { stream, text });
    }

    /// Appends `line` and a newline to `stream`.
    pub fn push_line(&mut self, stream: Stream, line: &str) {
        let mut text = String::with_capacity(line.len() + 1);
        text.push_str(line);
        text.push('\n');
        self.chunks.push(Chunk { stream, text });
    }

    /// Whether the status is 0.
    pub fn success(&self) -> bool {
        self.status == 0
    }

    /// Everything written to stdout, concatenated.
    pub fn stdout_text(&self) -> String {
        self.stream_text(Some(Stream::Stdout))
    }

    /// Everything written to stderr, concatenated.
    pub fn stderr_text(&self) -> String {
        self.stream_text(Some(Stream::Stderr))
    }

    /// Both streams interleaved, as a terminal shows them.
    pub fn text(&self) -> String {
        self.stream_text(None)
    }

    fn stream_text(&self, only: Option<Stream>) -> String {
        self.chunks
            .iter()
            .filter(|c| only.is_none_or(|s| s == c.stream))
            .map(|c| c.text.as_str())
            .collect()
    }
}

/// The environment a command sees: the shell's exported variables plus the
/// command's own `VAR=value` prefixes, and the shell's working directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShellEnv {
    /// Values are shared with the shell's own variables: a command's environment costs no copy
    /// of them, however large they are.
    vars: BTreeMap<String, Arc<str>>,
    cwd: String,
    /// Whether the command's stdout is the terminal (see `stdout_is_terminal`).
    pub(crate) stdout_tty: bool,
}

impl ShellEnv {
    /// An empty environment whose working directory is `cwd`.
    pub fn new(cwd: &str) -> Self {
        Self {
            vars: BTreeMap::new(),
            cwd: cwd.to_owned(),
            stdout_tty: false,
        }
    }

    /// Whether the command writes straight to the terminal: the last of its pipeline, stdout
    /// not redirected, not inside `$(...)`. Tools that format for a terminal (`ls` in columns)
    /// print one item per line otherwise, as the real ones do.
    pub fn stdout_is_terminal(&self) -> bool {
        self.stdout_tty
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(|v| &**v)
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.vars.insert(name.to_owned(), Arc::from(value));
    }

    /// Sets a variable to a value shared with its owner.
    pub(crate) fn set_shared(&mut self, name: &str, value: Arc<str>) {
        self.vars.insert(name.to_owned(), value);
    }

    pub fn remove(&mut self, name: &str) {
        self.vars.remove(name);
    }

    /// Variables in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), &**v))
    }

    pub fn vars(&self) -> &BTreeMap<String, Arc<str>> {
        &self.vars
    }

    /// The shell's working directory (absolute), for resolving relative
    /// paths such as `kubectl apply -f pod.yaml`.
    pub fn cwd(&self) -> &str {
        &self.cwd
    }
}

/// What the shell calls to run a command that is neither a shell builtin nor
/// one of the built-in text tools.
pub trait CommandHost {
    /// Runs `argv` (`argv[0]` is the command name as typed, after alias and
    /// `sudo` handling) with `env` and `stdin`. `None` means there is no such
    /// command: the shell then prints `bash: NAME: command not found` to
    /// stderr and the status is 127.
    fn run(&mut self, argv: &[String], env: &ShellEnv, stdin: &str) -> Option<CommandOutput>;

    /// Contents of the file at absolute `path` (relative paths typed by the
    /// user are resolved against the working directory first). `None` means
    /// no such file. Used by `cat`, `grep`, `wc`, `head`, `tail` and the other
    /// text tools for their file operands.
    fn read_file(&self, path: &str) -> Option<String> {
        let _ = path;
        None
    }

    /// Whether absolute `path` is a directory; `None` means the host does not
    /// model directories, and `cd` then accepts any path.
    fn is_dir(&self, path: &str) -> Option<bool> {
        let _ = path;
        None
    }

    /// Writes `text` to the file at absolute `path` for a `>` (or, with `append`, `>>`)
    /// redirection. The error is bash's reason (`No such file or directory`, `Is a
    /// directory`); a host without files cannot take redirections.
    fn write_file(&mut self, path: &str, text: &str, append: bool) -> Result<(), String> {
        let _ = (path, text, append);
        Err("Read-only file system".into())
    }
}
