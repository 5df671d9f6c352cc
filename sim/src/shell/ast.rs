//! The syntax tree of a parsed line, and the errors parsing can report.

use thiserror::Error;

/// A parsed line: and-or lists separated by `;` or newlines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    pub lists: Vec<AndOrList>,
}

/// `a && b || c`: pipelines joined by `&&`/`||`, evaluated left to right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AndOrList {
    pub first: Pipeline,
    pub rest: Vec<(Connector, Pipeline)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connector {
    /// `&&`
    And,
    /// `||`
    Or,
}

/// `[!] cmd | cmd ...`. An empty `commands` only occurs for a lone `!`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    pub negated: bool,
    pub commands: Vec<SimpleCommand>,
}

/// `VAR=value ... word ... [redirections]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimpleCommand {
    pub assignments: Vec<Assignment>,
    pub words: Vec<Word>,
    pub redirects: Vec<Redirect>,
}

/// `NAME=value` or `NAME+=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub name: String,
    pub append: bool,
    pub value: Word,
}

/// One shell word before expansion.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Word {
    pub parts: Vec<WordPart>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WordPart {
    /// Text as typed. `quoted` text (inside quotes or backslash-escaped) is
    /// never split and keeps an otherwise empty word alive (`""`).
    Literal { text: String, quoted: bool },
    /// `~` or `~user` (the user part, possibly empty, `+` or `-`).
    Tilde(String),
    /// `$NAME`, `${NAME...}`, `$?` and the other special parameters.
    Param { name: String, op: ParamOp, quoted: bool },
    /// A `${...}` that bash rejects only when expanding it (`${}`, `${1a}`):
    /// running it prints `bash: TEXT: bad substitution`.
    BadSubstitution(String),
    /// `$(...)` or `` `...` ``: the source text of the command list, with a
    /// backquoted one's backslash escapes already removed. Like bash, the
    /// shell parses the text again when it runs it, with the aliases of that
    /// moment; the parse of the whole line only checks it.
    CommandSubst { text: String, quoted: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamOp {
    /// `$X`, `${X}`
    Plain,
    /// `${#X}`
    Length,
    /// `${X:-w}` (`colon`) / `${X-w}`
    Default { colon: bool, word: Word },
    /// `${X:=w}` / `${X=w}`
    Assign { colon: bool, word: Word },
    /// `${X:+w}` / `${X+w}`
    Alternative { colon: bool, word: Word },
    /// `${X:?w}` / `${X?w}`
    Error { colon: bool, word: Word },
}

/// The redirections the simulated shell can honour. File descriptors are
/// 0, 1 or 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redirect {
    /// `fd>&to`, e.g. `2>&1`, `>&2`.
    Dup { fd: u8, to: u8 },
    /// `fd>/dev/null` (and `</dev/null` for fd 0).
    Discard { fd: u8 },
    /// `<<< word`: stdin is the expanded word plus a newline.
    HereString(Word),
    /// `fd> file` or `fd>> file` (`append`): the host's file receives what `fd` writes.
    File { fd: u8, path: Word, append: bool },
    /// `< file`: stdin is the host's file.
    Input(Word),
}

/// Why a line could not be run. Every variant makes the line's status 2.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ShellSyntaxError {
    /// An unclosed quote or `$(`/`${`/backquote: `delimiter` is the
    /// character bash was looking for.
    #[error("bash: unexpected EOF while looking for matching `{delimiter}'")]
    UnterminatedQuote { delimiter: char },
    /// The line ended where more was required (`a &&`, `a |`).
    #[error("bash: syntax error: unexpected end of file")]
    UnexpectedEof,
    #[error("bash: syntax error near unexpected token `{token}'")]
    UnexpectedToken { token: String },
    /// Valid bash the simulator does not implement.
    #[error("kubedrill: {feature} is not supported in the simulated shell")]
    Unsupported { feature: String },
}

impl ShellSyntaxError {
    /// The lines (without newline) that the shell prints to stderr. An
    /// unterminated quote also ends the input, hence bash's second line.
    pub fn stderr_lines(&self) -> Vec<String> {
        let mut lines = vec![self.to_string()];
        if matches!(self, Self::UnterminatedQuote { .. }) {
            lines.push(Self::UnexpectedEof.to_string());
        }
        lines
    }

    /// The exit status bash gives a line it cannot parse.
    pub fn status(&self) -> i32 {
        2
    }
}

impl Word {
    /// A word made of one literal piece of text.
    pub fn literal(text: &str, quoted: bool) -> Self {
        Word {
            parts: vec![WordPart::Literal {
                text: text.to_owned(),
                quoted,
            }],
        }
    }

    /// The text of a word typed without any quoting or expansion: the only
    /// kind of word bash checks for aliases and reserved words.
    pub fn plain(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [WordPart::Literal { text, quoted: false }] => Some(text),
            _ => None,
        }
    }

    /// The text of a word without expansions (quotes allowed).
    pub fn static_text(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                WordPart::Literal { text, .. } => out.push_str(text),
                _ => return None,
            }
        }
        Some(out)
    }

    /// Splits `NAME=value` / `NAME+=value` into its pieces; the name must be
    /// typed unquoted, as bash requires.
    pub fn as_assignment(&self) -> Option<(String, bool, Word)> {
        let Some(WordPart::Literal { text, quoted: false }) = self.parts.first() else {
            return None;
        };
        let eq = text.find('=')?;
        let (name, append) = match text[..eq].strip_suffix('+') {
            Some(name) => (name, true),
            None => (&text[..eq], false),
        };
        if !is_name(name) {
            return None;
        }
        let mut value = Word::default();
        let rest = &text[eq + 1..];
        if !rest.is_empty() {
            value.parts.push(WordPart::Literal {
                text: rest.to_owned(),
                quoted: false,
            });
        }
        value.parts.extend(self.parts[1..].iter().cloned());
        Some((name.to_owned(), append, value))
    }
}

/// Whether `s` is a valid shell variable name.
pub(super) fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}
