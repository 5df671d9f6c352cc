//! Bash-compatible parsing of one command line into a [`Script`].
//!
//! The parser pulls tokens from the lexer one at a time, like bash does, so
//! that of two problems on a line the leftmost one is reported. Constructs
//! that bash accepts but the simulator cannot run (command substitution,
//! most redirections, `&`) are remembered and reported only once the whole
//! line parsed cleanly: a real syntax error is what bash would print, so it
//! wins.

use std::collections::{BTreeMap, VecDeque};
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
    Param {
        name: String,
        op: ParamOp,
        quoted: bool,
    },
    /// A `${...}` that bash rejects only when expanding it (`${}`, `${1a}`):
    /// running it prints `bash: TEXT: bad substitution`.
    BadSubstitution(String),
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

type PResult<T> = Result<T, ShellSyntaxError>;

/// Parses one line the way bash would, without alias expansion.
pub fn parse_line(line: &str) -> Result<Script, ShellSyntaxError> {
    parse_with_aliases(line, &BTreeMap::new())
}

/// Parses one line, expanding `aliases` in command position like bash.
pub(crate) fn parse_with_aliases(
    line: &str,
    aliases: &BTreeMap<String, String>,
) -> Result<Script, ShellSyntaxError> {
    let mut parser = Parser {
        lexer: Lexer::new(line),
        aliases,
        pending: VecDeque::new(),
        alias_next: false,
    };
    let script = parser.script()?;
    match parser.lexer.unsupported.take() {
        Some(feature) => Err(ShellSyntaxError::Unsupported { feature }),
        None => Ok(script),
    }
}

// Feature names shared by the lexer and the parser.
const REDIRECTION: &str = "redirection";
const COMMAND_SUBSTITUTION: &str = "command substitution";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RedirKind {
    Great,
    DGreat,
    Clobber,
    Less,
    DLess,
    DLessDash,
    TLess,
    GreatAnd,
    LessAnd,
    LessGreat,
    AndGreat,
    AndDGreat,
}

impl RedirKind {
    fn text(self) -> &'static str {
        match self {
            Self::Great => ">",
            Self::DGreat => ">>",
            Self::Clobber => ">|",
            Self::Less => "<",
            Self::DLess => "<<",
            Self::DLessDash => "<<-",
            Self::TLess => "<<<",
            Self::GreatAnd => ">&",
            Self::LessAnd => "<&",
            Self::LessGreat => "<>",
            Self::AndGreat => "&>",
            Self::AndDGreat => "&>>",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Semi,
    DSemi,
    SemiAnd,
    DSemiAnd,
    Amp,
    AndIf,
    OrIf,
    Pipe,
    PipeAmp,
    LParen,
    RParen,
    Redir { fd: Option<u32>, kind: RedirKind },
}

impl Op {
    fn text(self) -> &'static str {
        match self {
            Self::Semi => ";",
            Self::DSemi => ";;",
            Self::SemiAnd => ";&",
            Self::DSemiAnd => ";;&",
            Self::Amp => "&",
            Self::AndIf => "&&",
            Self::OrIf => "||",
            Self::Pipe => "|",
            Self::PipeAmp => "|&",
            Self::LParen => "(",
            Self::RParen => ")",
            Self::Redir { kind, .. } => kind.text(),
        }
    }
}

#[derive(Debug, Clone)]
enum Tok {
    Word { word: Word, raw: String },
    Op(Op),
    Newline,
    Eof,
}

impl Tok {
    /// How bash names the token in "near unexpected token".
    fn text(&self) -> String {
        match self {
            Tok::Word { raw, .. } => raw.clone(),
            Tok::Op(op) => op.text().to_owned(),
            Tok::Newline | Tok::Eof => "newline".to_owned(),
        }
    }

    fn plain_word(&self) -> Option<&str> {
        match self {
            Tok::Word { word, .. } => word.plain(),
            _ => None,
        }
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
            [
                WordPart::Literal {
                    text,
                    quoted: false,
                },
            ] => Some(text),
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
        let Some(WordPart::Literal {
            text,
            quoted: false,
        }) = self.parts.first()
        else {
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
pub(crate) fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

fn is_meta(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | '|' | '&' | ';' | '(' | ')' | '<' | '>'
    )
}

/// Characters that end a `$NAME`-style special parameter.
fn is_special_param(c: char) -> bool {
    matches!(c, '?' | '$' | '#' | '@' | '*' | '-' | '!')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// An ordinary word: ends at a blank or a metacharacter.
    Top,
    /// The word inside `${X:-...}`: ends at `}`. `dq` when the whole `${}`
    /// sits inside double quotes, which makes everything in it quoted.
    Brace { dq: bool },
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    /// First construct seen that bash accepts but we do not run.
    unsupported: Option<String>,
}

impl Lexer {
    fn new(text: &str) -> Self {
        Lexer {
            chars: text.chars().collect(),
            pos: 0,
            unsupported: None,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.chars.get(self.pos + n).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn unsupported(&mut self, feature: &str) {
        if self.unsupported.is_none() {
            self.unsupported = Some(feature.to_owned());
        }
    }

    fn next_token(&mut self) -> PResult<Tok> {
        loop {
            match self.peek() {
                Some(' ' | '\t') => self.pos += 1,
                Some('\\') if self.peek_at(1) == Some('\n') => self.pos += 2,
                Some('#') => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
        let Some(c) = self.peek() else {
            return Ok(Tok::Eof);
        };
        let op = match c {
            '\n' => {
                self.pos += 1;
                return Ok(Tok::Newline);
            }
            ';' => {
                self.pos += 1;
                if self.eat(';') {
                    if self.eat('&') {
                        Op::DSemiAnd
                    } else {
                        Op::DSemi
                    }
                } else if self.eat('&') {
                    Op::SemiAnd
                } else {
                    Op::Semi
                }
            }
            '&' => {
                self.pos += 1;
                if self.eat('&') {
                    Op::AndIf
                } else if self.eat('>') {
                    let kind = if self.eat('>') {
                        RedirKind::AndDGreat
                    } else {
                        RedirKind::AndGreat
                    };
                    Op::Redir { fd: None, kind }
                } else {
                    Op::Amp
                }
            }
            '|' => {
                self.pos += 1;
                if self.eat('|') {
                    Op::OrIf
                } else if self.eat('&') {
                    Op::PipeAmp
                } else {
                    Op::Pipe
                }
            }
            '(' => {
                self.pos += 1;
                Op::LParen
            }
            ')' => {
                self.pos += 1;
                Op::RParen
            }
            '<' | '>' => return self.redirection(None),
            _ => {
                if let Some(fd) = self.io_number() {
                    return self.redirection(Some(fd));
                }
                return self.word();
            }
        };
        Ok(Tok::Op(op))
    }

    /// Digits directly followed by `<` or `>` name a file descriptor.
    fn io_number(&mut self) -> Option<u32> {
        let mut end = self.pos;
        while self.chars.get(end).is_some_and(char::is_ascii_digit) {
            end += 1;
        }
        if end == self.pos || !matches!(self.chars.get(end), Some('<' | '>')) {
            return None;
        }
        let digits: String = self.chars[self.pos..end].iter().collect();
        // A number too large for a descriptor is still a redirection that
        // we cannot honour; u32::MAX keeps it unsupported.
        let fd = digits.parse().unwrap_or(u32::MAX);
        self.pos = end;
        Some(fd)
    }

    fn redirection(&mut self, fd: Option<u32>) -> PResult<Tok> {
        let start = self.pos;
        let kind = match self.bump() {
            Some('<') => {
                if self.peek() == Some('(') && fd.is_none() {
                    return self.process_substitution(start);
                }
                if self.eat('<') {
                    if self.eat('<') {
                        RedirKind::TLess
                    } else if self.eat('-') {
                        RedirKind::DLessDash
                    } else {
                        RedirKind::DLess
                    }
                } else if self.eat('&') {
                    RedirKind::LessAnd
                } else if self.eat('>') {
                    RedirKind::LessGreat
                } else {
                    RedirKind::Less
                }
            }
            _ => {
                if self.peek() == Some('(') && fd.is_none() {
                    return self.process_substitution(start);
                }
                if self.eat('>') {
                    RedirKind::DGreat
                } else if self.eat('&') {
                    RedirKind::GreatAnd
                } else if self.eat('|') {
                    RedirKind::Clobber
                } else {
                    RedirKind::Great
                }
            }
        };
        Ok(Tok::Op(Op::Redir { fd, kind }))
    }

    /// `<(cmd)` / `>(cmd)` is a word in bash; we only need to skip it.
    fn process_substitution(&mut self, start: usize) -> PResult<Tok> {
        self.pos += 1;
        self.skip_parens()?;
        self.unsupported("process substitution");
        let raw: String = self.chars[start..self.pos].iter().collect();
        Ok(Tok::Word {
            word: Word::literal(&raw, true),
            raw,
        })
    }

    fn word(&mut self) -> PResult<Tok> {
        let start = self.pos;
        let parts = self.parts(Ctx::Top)?;
        let raw: String = self.chars[start..self.pos].iter().collect();
        let word = expand_tildes(Word { parts });
        Ok(Tok::Word { word, raw })
    }

    fn parts(&mut self, ctx: Ctx) -> PResult<Vec<WordPart>> {
        let dq = matches!(ctx, Ctx::Brace { dq: true });
        let mut parts = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return match ctx {
                    Ctx::Top => Ok(parts),
                    Ctx::Brace { .. } => {
                        Err(ShellSyntaxError::UnterminatedQuote { delimiter: '}' })
                    }
                };
            };
            match (ctx, c) {
                (Ctx::Top, c) if is_meta(c) => return Ok(parts),
                (Ctx::Brace { .. }, '}') => return Ok(parts),
                (_, '\\') => {
                    self.pos += 1;
                    match self.bump() {
                        None if ctx == Ctx::Top => push_lit(&mut parts, "\\", true),
                        None => return Err(ShellSyntaxError::UnterminatedQuote { delimiter: '}' }),
                        Some('\n') => {}
                        Some(e) if dq && !matches!(e, '$' | '`' | '"' | '\\' | '}') => {
                            push_lit(&mut parts, &format!("\\{e}"), true);
                        }
                        Some(e) => push_lit(&mut parts, &e.to_string(), true),
                    }
                }
                (_, '\'') if !dq => {
                    self.pos += 1;
                    let text = self.single_quoted()?;
                    push_lit(&mut parts, &text, true);
                }
                (_, '"') => {
                    // Inside a double-quoted `${X:-...}` a `"` opens a nested
                    // quote just like at top level.
                    self.pos += 1;
                    let inner = self.double_quoted()?;
                    if inner.is_empty() {
                        push_lit(&mut parts, "", true);
                    }
                    for part in inner {
                        push_part(&mut parts, part);
                    }
                }
                (_, '$') => {
                    for part in self.dollar(dq)? {
                        push_part(&mut parts, part);
                    }
                }
                (_, '`') => {
                    self.backquote()?;
                    push_lit(&mut parts, "", true);
                }
                (_, c) => {
                    self.pos += 1;
                    push_lit(&mut parts, &c.to_string(), dq);
                }
            }
        }
    }

    fn single_quoted(&mut self) -> PResult<String> {
        let mut text = String::new();
        loop {
            match self.bump() {
                None => return Err(ShellSyntaxError::UnterminatedQuote { delimiter: '\'' }),
                Some('\'') => return Ok(text),
                Some(c) => text.push(c),
            }
        }
    }

    /// After the opening `"`; returns quoted parts.
    fn double_quoted(&mut self) -> PResult<Vec<WordPart>> {
        let mut parts = Vec::new();
        loop {
            match self.peek() {
                None => return Err(ShellSyntaxError::UnterminatedQuote { delimiter: '"' }),
                Some('"') => {
                    self.pos += 1;
                    return Ok(parts);
                }
                Some('\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some('\n') => self.pos += 1,
                        Some(e @ ('$' | '`' | '"' | '\\')) => {
                            self.pos += 1;
                            push_lit(&mut parts, &e.to_string(), true);
                        }
                        _ => push_lit(&mut parts, "\\", true),
                    }
                }
                Some('$') => {
                    for part in self.dollar(true)? {
                        push_part(&mut parts, part);
                    }
                }
                Some('`') => self.backquote()?,
                Some(c) => {
                    self.pos += 1;
                    push_lit(&mut parts, &c.to_string(), true);
                }
            }
        }
    }

    /// At a `$`.
    fn dollar(&mut self, dq: bool) -> PResult<Vec<WordPart>> {
        self.pos += 1;
        let param = |name: &str| {
            vec![WordPart::Param {
                name: name.to_owned(),
                op: ParamOp::Plain,
                quoted: dq,
            }]
        };
        match self.peek() {
            Some('{') => {
                self.pos += 1;
                self.brace_param(dq).map(|p| vec![p])
            }
            Some('(') => {
                self.pos += 1;
                let arithmetic = self.peek() == Some('(');
                self.skip_parens()?;
                self.unsupported(if arithmetic {
                    "arithmetic expansion"
                } else {
                    COMMAND_SUBSTITUTION
                });
                Ok(vec![lit("", true)])
            }
            Some('\'') if !dq => {
                self.pos += 1;
                Ok(vec![lit(&self.ansi_c_quoted()?, true)])
            }
            Some('"') if !dq => {
                // $"..." is a translatable string; with no translations it is
                // an ordinary double-quoted string.
                self.pos += 1;
                let parts = self.double_quoted()?;
                Ok(if parts.is_empty() {
                    vec![lit("", true)]
                } else {
                    parts
                })
            }
            Some(c) if c == '_' || c.is_ascii_alphabetic() => {
                let mut name = String::new();
                while let Some(c) = self
                    .peek()
                    .filter(|c| *c == '_' || c.is_ascii_alphanumeric())
                {
                    name.push(c);
                    self.pos += 1;
                }
                Ok(param(&name))
            }
            Some(c) if c.is_ascii_digit() || is_special_param(c) => {
                self.pos += 1;
                Ok(param(&c.to_string()))
            }
            _ => Ok(vec![lit("$", dq)]),
        }
    }

    /// After `${`.
    fn brace_param(&mut self, dq: bool) -> PResult<WordPart> {
        let start = self.pos;
        let bad = |lexer: &mut Lexer| -> PResult<WordPart> {
            lexer.skip_brace()?;
            let inner: String = lexer.chars[start..lexer.pos - 1].iter().collect();
            Ok(WordPart::BadSubstitution(format!("${{{inner}}}")))
        };
        let mut length = false;
        if self.peek() == Some('#') && self.peek_at(1) != Some('}') {
            length = true;
            self.pos += 1;
        }
        if self.peek() == Some('!') && self.peek_at(1) != Some('}') {
            self.skip_brace()?;
            self.unsupported("indirect expansion `${!...}'");
            return Ok(lit("", true));
        }
        let mut name = String::new();
        match self.peek() {
            Some(c) if c == '_' || c.is_ascii_alphabetic() => {
                while let Some(c) = self
                    .peek()
                    .filter(|c| *c == '_' || c.is_ascii_alphanumeric())
                {
                    name.push(c);
                    self.pos += 1;
                }
            }
            Some(c) if c.is_ascii_digit() => {
                while let Some(c) = self.peek().filter(char::is_ascii_digit) {
                    name.push(c);
                    self.pos += 1;
                }
            }
            Some(c) if is_special_param(c) => {
                name.push(c);
                self.pos += 1;
            }
            _ => return bad(self),
        }
        if length {
            return if self.eat('}') {
                Ok(WordPart::Param {
                    name,
                    op: ParamOp::Length,
                    quoted: dq,
                })
            } else {
                bad(self)
            };
        }
        if self.eat('}') {
            return Ok(WordPart::Param {
                name,
                op: ParamOp::Plain,
                quoted: dq,
            });
        }
        let colon =
            self.peek() == Some(':') && matches!(self.peek_at(1), Some('-' | '=' | '+' | '?'));
        let op_char = if colon { self.peek_at(1) } else { self.peek() };
        let make: fn(bool, Word) -> ParamOp = match op_char {
            Some('-') => |colon, word| ParamOp::Default { colon, word },
            Some('=') => |colon, word| ParamOp::Assign { colon, word },
            Some('+') => |colon, word| ParamOp::Alternative { colon, word },
            Some('?') => |colon, word| ParamOp::Error { colon, word },
            Some('#' | '%' | '/' | '^' | ',' | ':' | '@') => {
                self.skip_brace()?;
                let inner: String = self.chars[start..self.pos - 1].iter().collect();
                self.unsupported(&format!("parameter expansion `${{{inner}}}'"));
                return Ok(lit("", true));
            }
            _ => return bad(self),
        };
        self.pos += if colon { 2 } else { 1 };
        let parts = self.parts(Ctx::Brace { dq })?;
        self.pos += 1; // the closing brace, checked by `parts`
        let word = Word { parts };
        Ok(WordPart::Param {
            name,
            op: make(colon, word),
            quoted: dq,
        })
    }

    /// After `$'`: bash's ANSI-C quoting.
    fn ansi_c_quoted(&mut self) -> PResult<String> {
        let mut text = String::new();
        loop {
            match self.bump() {
                None => return Err(ShellSyntaxError::UnterminatedQuote { delimiter: '\'' }),
                Some('\'') => return Ok(text),
                Some('\\') => {
                    let Some(e) = self.bump() else {
                        return Err(ShellSyntaxError::UnterminatedQuote { delimiter: '\'' });
                    };
                    match e {
                        'n' => text.push('\n'),
                        't' => text.push('\t'),
                        'r' => text.push('\r'),
                        'a' => text.push('\x07'),
                        'b' => text.push('\x08'),
                        'e' | 'E' => text.push('\x1b'),
                        'f' => text.push('\x0c'),
                        'v' => text.push('\x0b'),
                        '\\' | '\'' | '"' | '?' => text.push(e),
                        '0'..='7' => {
                            let mut value = e.to_digit(8).unwrap_or(0);
                            for _ in 0..2 {
                                match self.peek().and_then(|c| c.to_digit(8)) {
                                    Some(d) => {
                                        value = value * 8 + d;
                                        self.pos += 1;
                                    }
                                    None => break,
                                }
                            }
                            push_code(&mut text, value & 0xff);
                        }
                        'x' | 'u' | 'U' => {
                            let max = match e {
                                'x' => 2,
                                'u' => 4,
                                _ => 8,
                            };
                            let mut value = 0u32;
                            let mut digits = 0;
                            while digits < max {
                                match self.peek().and_then(|c| c.to_digit(16)) {
                                    Some(d) => {
                                        value = value.saturating_mul(16).saturating_add(d);
                                        self.pos += 1;
                                        digits += 1;
                                    }
                                    None => break,
                                }
                            }
                            if digits == 0 {
                                text.push('\\');
                                text.push(e);
                            } else {
                                push_code(&mut text, value);
                            }
                        }
                        other => {
                            text.push('\\');
                            text.push(other);
                        }
                    }
                }
                Some(c) => text.push(c),
            }
        }
    }

    /// After an opening `(` (of `$(`, `<(`, …): skips to the matching `)`.
    fn skip_parens(&mut self) -> PResult<()> {
        let mut depth = 1usize;
        loop {
            match self.bump() {
                None => return Err(ShellSyntaxError::UnterminatedQuote { delimiter: ')' }),
                Some('\\') => {
                    self.pos += 1;
                }
                Some('\'') => {
                    self.single_quoted()?;
                }
                Some('"') => {
                    self.double_quoted()?;
                }
                Some('(') => depth += 1,
                Some(')') => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                Some(_) => {}
            }
        }
    }

    /// Inside `${`: skips past the matching `}`.
    fn skip_brace(&mut self) -> PResult<()> {
        let mut depth = 1usize;
        loop {
            match self.bump() {
                None => return Err(ShellSyntaxError::UnterminatedQuote { delimiter: '}' }),
                Some('\\') => {
                    self.pos += 1;
                }
                Some('\'') => {
                    self.single_quoted()?;
                }
                Some('"') => {
                    self.double_quoted()?;
                }
                Some('{') => depth += 1,
                Some('}') => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                Some(_) => {}
            }
        }
    }

    /// At a backquote: skips the old-style command substitution.
    fn backquote(&mut self) -> PResult<()> {
        self.pos += 1;
        loop {
            match self.bump() {
                None => return Err(ShellSyntaxError::UnterminatedQuote { delimiter: '`' }),
                Some('\\') => {
                    self.pos += 1;
                }
                Some('`') => break,
                Some(_) => {}
            }
        }
        self.unsupported(COMMAND_SUBSTITUTION);
        Ok(())
    }
}

fn push_code(text: &mut String, code: u32) {
    if let Some(c) = char::from_u32(code) {
        text.push(c);
    }
}

fn lit(text: &str, quoted: bool) -> WordPart {
    WordPart::Literal {
        text: text.to_owned(),
        quoted,
    }
}

fn push_lit(parts: &mut Vec<WordPart>, text: &str, quoted: bool) {
    push_part(parts, lit(text, quoted));
}

/// Merges adjacent literals of the same quotedness so that a plainly typed
/// word is a single part (which is what alias and keyword checks look at).
fn push_part(parts: &mut Vec<WordPart>, part: WordPart) {
    if let (
        Some(WordPart::Literal {
            text: prev,
            quoted: prev_quoted,
        }),
        WordPart::Literal { text, quoted },
    ) = (parts.last_mut(), &part)
        && *prev_quoted == *quoted
    {
        prev.push_str(text);
        return;
    }
    parts.push(part);
}

/// Tilde expansion is decided by how the word was typed, so it is resolved
/// here: `~user` at the start of a word, and in words shaped like
/// assignments also after the `=` and after each unquoted `:` (bash does the
/// latter even for arguments such as `echo KUBECONFIG=~/a:~/b`).
fn expand_tildes(word: Word) -> Word {
    let assignment = word.as_assignment().is_some();
    let mut out = Word::default();
    let count = word.parts.len();
    for (index, part) in word.parts.into_iter().enumerate() {
        let WordPart::Literal {
            text,
            quoted: false,
        } = part
        else {
            out.parts.push(part);
            continue;
        };
        let last = index + 1 == count;
        let mut segments: Vec<(usize, usize)> = Vec::new();
        // Byte positions where a tilde prefix may start.
        let mut starts = Vec::new();
        if index == 0 && !assignment {
            starts.push(0);
        }
        if assignment {
            if index == 0 {
                if let Some(eq) = text.find('=') {
                    starts.push(eq + 1);
                }
                starts.extend(text.match_indices(':').map(|(i, _)| i + 1));
                starts.retain(|s| text.find('=').is_some_and(|eq| *s > eq));
            } else {
                starts.extend(text.match_indices(':').map(|(i, _)| i + 1));
            }
        }
        for start in starts {
            if !text[start..].starts_with('~') {
                continue;
            }
            let stop = |c: char| c == '/' || (assignment && c == ':');
            let end = text[start..].find(stop).map_or(text.len(), |i| start + i);
            // `~"x"` or `~$Y` is not a tilde prefix: the prefix must be
            // followed by a slash, a colon or the end of the word.
            if end == text.len() && !last {
                continue;
            }
            let user = &text[start + 1..end];
            if user
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '+'))
            {
                segments.push((start, end));
            }
        }
        let mut cursor = 0;
        for (start, end) in segments {
            if start > cursor {
                push_lit(&mut out.parts, &text[cursor..start], false);
            }
            out.parts
                .push(WordPart::Tilde(text[start + 1..end].to_owned()));
            cursor = end;
        }
        if cursor < text.len() {
            push_lit(&mut out.parts, &text[cursor..], false);
        }
    }
    out
}

/// Reserved words that bash rejects where a command should start.
const STRAY_RESERVED: &[&str] = &["then", "else", "elif", "fi", "do", "done", "esac", "}"];
/// Reserved words that open a compound command.
const COMPOUND: &[&str] = &[
    "if", "for", "while", "until", "case", "select", "function", "{", "[[", "coproc",
];

struct Parser<'a> {
    lexer: Lexer,
    aliases: &'a BTreeMap<String, String>,
    /// Tokens waiting to be read (alias expansions, or a peeked token), each
    /// with the aliases it came from so an alias never expands inside itself.
    pending: VecDeque<(Tok, Vec<String>)>,
    /// The last alias expanded ended in a blank, so bash checks the next word
    /// for an alias too.
    alias_next: bool,
}

impl Parser<'_> {
    fn fetch(&mut self) -> PResult<(Tok, Vec<String>)> {
        match self.pending.pop_front() {
            Some(entry) => Ok(entry),
            None => Ok((self.lexer.next_token()?, Vec::new())),
        }
    }

    fn peek(&mut self) -> PResult<&Tok> {
        if self.pending.is_empty() {
            let tok = self.lexer.next_token()?;
            self.pending.push_back((tok, Vec::new()));
        }
        match self.pending.front() {
            Some((tok, _)) => Ok(tok),
            // Just filled; an empty queue cannot happen.
            None => Err(ShellSyntaxError::UnexpectedEof),
        }
    }

    fn next(&mut self) -> PResult<Tok> {
        self.fetch().map(|(tok, _)| tok)
    }

    /// Reads a token where a command word may be, expanding aliases.
    fn next_aliased(&mut self) -> PResult<Tok> {
        // Each round either returns or replaces the token by its alias
        // expansion; the guard chain keeps this finite.
        loop {
            let (tok, guard) = self.fetch()?;
            let expansion = tok
                .plain_word()
                .filter(|name| !guard.iter().any(|g| g == name))
                .and_then(|name| self.aliases.get_key_value(name));
            let Some((name, value)) = expansion else {
                return Ok(tok);
            };
            let mut lexer = Lexer::new(value);
            let mut tokens = Vec::new();
            loop {
                let tok = lexer.next_token()?;
                if matches!(tok, Tok::Eof) {
                    break;
                }
                tokens.push(tok);
            }
            if let Some(feature) = lexer.unsupported {
                self.lexer.unsupported(&feature);
            }
            self.alias_next = value.ends_with([' ', '\t']);
            let mut chain = guard;
            chain.push(name.clone());
            for tok in tokens.into_iter().rev() {
                self.pending.push_front((tok, chain.clone()));
            }
        }
    }

    fn skip_newlines(&mut self) -> PResult<()> {
        while matches!(self.peek()?, Tok::Newline) {
            self.next()?;
        }
        Ok(())
    }

    fn script(&mut self) -> PResult<Script> {
        let mut script = Script::default();
        loop {
            self.skip_newlines()?;
            if matches!(self.peek()?, Tok::Eof) {
                return Ok(script);
            }
            script.lists.push(self.and_or()?);
            match self.next()? {
                Tok::Op(Op::Semi) | Tok::Newline => {}
                Tok::Op(Op::Amp) => self
                    .lexer
                    .unsupported("running a command in the background (&)"),
                Tok::Eof => return Ok(script),
                other => return Err(unexpected(&other)),
            }
        }
    }

    fn and_or(&mut self) -> PResult<AndOrList> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            let connector = match self.peek()? {
                Tok::Op(Op::AndIf) => Connector::And,
                Tok::Op(Op::OrIf) => Connector::Or,
                _ => return Ok(AndOrList { first, rest }),
            };
            self.next()?;
            self.skip_newlines()?;
            if matches!(self.peek()?, Tok::Eof) {
                return Err(ShellSyntaxError::UnexpectedEof);
            }
            rest.push((connector, self.pipeline()?));
        }
    }

    fn pipeline(&mut self) -> PResult<Pipeline> {
        let mut negated = false;
        while self.peek()?.plain_word() == Some("!") {
            self.next()?;
            negated = !negated;
        }
        if negated && matches!(self.peek()?, Tok::Eof | Tok::Newline | Tok::Op(Op::Semi)) {
            return Ok(Pipeline {
                negated,
                commands: Vec::new(),
            });
        }
        let mut commands = vec![self.command()?];
        loop {
            let both = match self.peek()? {
                Tok::Op(Op::Pipe) => false,
                Tok::Op(Op::PipeAmp) => true,
                _ => return Ok(Pipeline { negated, commands }),
            };
            self.next()?;
            if both && let Some(last) = commands.last_mut() {
                // `|&` is `2>&1 |`, applied after the command's own redirections.
                last.redirects.push(Redirect::Dup { fd: 2, to: 1 });
            }
            self.skip_newlines()?;
            if matches!(self.peek()?, Tok::Eof) {
                return Err(ShellSyntaxError::UnexpectedEof);
            }
            commands.push(self.command()?);
        }
    }

    fn command(&mut self) -> PResult<SimpleCommand> {
        let mut cmd = SimpleCommand::default();
        let first = self.next_aliased()?;
        match &first {
            Tok::Op(Op::LParen) => {
                self.skip_subshell()?;
                self.lexer.unsupported("a subshell `( ... )'");
                self.command_rest(&mut cmd)?;
                return Ok(cmd);
            }
            Tok::Op(Op::Redir { .. }) => {}
            Tok::Op(_) | Tok::Newline => return Err(unexpected(&first)),
            Tok::Eof => return Err(ShellSyntaxError::UnexpectedEof),
            Tok::Word { .. } => {
                if let Some(word) = first.plain_word() {
                    if STRAY_RESERVED.contains(&word) {
                        return Err(unexpected(&first));
                    }
                    if COMPOUND.contains(&word) {
                        return Err(ShellSyntaxError::Unsupported {
                            feature: format!("the compound command `{word}'"),
                        });
                    }
                }
            }
        }
        let check_alias = std::mem::take(&mut self.alias_next);
        self.command_item(&mut cmd, first)?;
        if check_alias && matches!(self.peek()?, Tok::Word { .. }) {
            let tok = self.next_aliased()?;
            self.command_item(&mut cmd, tok)?;
        }
        self.command_rest(&mut cmd)?;
        Ok(cmd)
    }

    fn command_rest(&mut self, cmd: &mut SimpleCommand) -> PResult<()> {
        loop {
            match self.peek()? {
                Tok::Word { .. } | Tok::Op(Op::Redir { .. }) => {
                    let tok = self.next()?;
                    self.command_item(cmd, tok)?;
                }
                Tok::Op(Op::LParen) => {
                    self.next()?;
                    let function = cmd.words.len() == 1
                        && cmd.assignments.is_empty()
                        && cmd.redirects.is_empty();
                    if !function {
                        return Err(ShellSyntaxError::UnexpectedToken {
                            token: "(".to_owned(),
                        });
                    }
                    let next = self.next()?;
                    if !matches!(next, Tok::Op(Op::RParen)) {
                        return Err(ShellSyntaxError::UnexpectedToken { token: next.text() });
                    }
                    return Err(ShellSyntaxError::Unsupported {
                        feature: "defining a function".to_owned(),
                    });
                }
                _ => return Ok(()),
            }
        }
    }

    fn command_item(&mut self, cmd: &mut SimpleCommand, tok: Tok) -> PResult<()> {
        match tok {
            Tok::Word { word, .. } => {
                if cmd.words.is_empty()
                    && let Some((name, append, value)) = word.as_assignment()
                {
                    cmd.assignments.push(Assignment {
                        name,
                        append,
                        value,
                    });
                } else {
                    cmd.words.push(word);
                }
            }
            Tok::Op(Op::Redir { fd, kind }) => {
                let target = match self.next()? {
                    Tok::Word { word, .. } => word,
                    // Even at the end of the line bash names the token here.
                    other => {
                        return Err(ShellSyntaxError::UnexpectedToken {
                            token: other.text(),
                        });
                    }
                };
                match resolve_redirect(fd, kind, target) {
                    Some(redirects) => cmd.redirects.extend(redirects),
                    None => self.lexer.unsupported(REDIRECTION),
                }
            }
            other => return Err(unexpected(&other)),
        }
        Ok(())
    }

    /// After a `(` in command position: skips to the matching `)`.
    fn skip_subshell(&mut self) -> PResult<()> {
        let mut depth = 1usize;
        loop {
            match self.next()? {
                Tok::Eof => return Err(ShellSyntaxError::UnexpectedEof),
                Tok::Op(Op::LParen) => depth += 1,
                Tok::Op(Op::RParen) => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
    }
}

fn unexpected(tok: &Tok) -> ShellSyntaxError {
    match tok {
        Tok::Eof => ShellSyntaxError::UnexpectedEof,
        _ => ShellSyntaxError::UnexpectedToken { token: tok.text() },
    }
}

/// Maps a redirection to what the simulated shell can do with it, or `None`
/// when it would need a real file.
fn resolve_redirect(fd: Option<u32>, kind: RedirKind, target: Word) -> Option<Vec<Redirect>> {
    if kind == RedirKind::TLess {
        return (fd.unwrap_or(0) == 0).then(|| vec![Redirect::HereString(target)]);
    }
    let text = target.static_text()?;
    let dev_null = text == "/dev/null";
    let out_fd = |fd: Option<u32>| match fd.unwrap_or(1) {
        1 => Some(1u8),
        2 => Some(2u8),
        _ => None,
    };
    match kind {
        RedirKind::Great | RedirKind::DGreat | RedirKind::Clobber if dev_null => {
            Some(vec![Redirect::Discard { fd: out_fd(fd)? }])
        }
        RedirKind::AndGreat | RedirKind::AndDGreat if dev_null => Some(vec![
            Redirect::Discard { fd: 1 },
            Redirect::Discard { fd: 2 },
        ]),
        RedirKind::GreatAnd => match text.as_str() {
            "1" => Some(vec![Redirect::Dup {
                fd: out_fd(fd)?,
                to: 1,
            }]),
            "2" => Some(vec![Redirect::Dup {
                fd: out_fd(fd)?,
                to: 2,
            }]),
            "/dev/null" if fd.is_none() => Some(vec![
                Redirect::Discard { fd: 1 },
                Redirect::Discard { fd: 2 },
            ]),
            _ => None,
        },
        RedirKind::Less if dev_null && fd.unwrap_or(0) == 0 => {
            Some(vec![Redirect::Discard { fd: 0 }])
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<Word> {
        let script = parse_line(line).expect("parses");
        script.lists[0].first.commands[0].words.clone()
    }

    fn err(line: &str) -> String {
        parse_line(line).expect_err("fails").to_string()
    }

    #[test]
    fn adjacent_quoted_parts_form_one_word() {
        let w = words(r#"kubectl --foo="a b"'c'd"#);
        assert_eq!(w.len(), 2);
        assert_eq!(w[1].static_text().as_deref(), Some("--foo=a bcd"));
    }

    #[test]
    fn plain_words_are_single_unquoted_parts() {
        let w = words(r#"k "k" \k k''"#);
        assert_eq!(w[0].plain(), Some("k"));
        assert!(w[1].plain().is_none());
        assert!(w[2].plain().is_none());
        assert!(w[3].plain().is_none());
    }

    #[test]
    fn assignments_only_before_the_command_word() {
        let script = parse_line("A=1 B+=2 cmd C=3").expect("parses");
        let cmd = &script.lists[0].first.commands[0];
        assert_eq!(cmd.assignments.len(), 2);
        assert_eq!(cmd.assignments[0].name, "A");
        assert!(cmd.assignments[1].append);
        assert_eq!(cmd.words.len(), 2);
    }

    #[test]
    fn precedence_of_lists() {
        let script = parse_line("a && b || c ; d | e").expect("parses");
        assert_eq!(script.lists.len(), 2);
        assert_eq!(
            script.lists[0]
                .rest
                .iter()
                .map(|(c, _)| *c)
                .collect::<Vec<_>>(),
            vec![Connector::And, Connector::Or]
        );
        assert_eq!(script.lists[1].first.commands.len(), 2);
    }

    #[test]
    fn tilde_only_where_bash_expands_it() {
        let w = words("echo ~ ~/x a~ \"~\" K=~/a:~/b --k=~/x ~root");
        assert_eq!(w[1].parts, vec![WordPart::Tilde(String::new())]);
        assert!(matches!(w[2].parts[0], WordPart::Tilde(_)));
        assert!(w[3].plain().is_some());
        assert!(w[4].static_text().is_some());
        assert_eq!(
            w[5].parts
                .iter()
                .filter(|p| matches!(p, WordPart::Tilde(_)))
                .count(),
            2
        );
        assert_eq!(w[6].plain(), Some("--k=~/x"));
        assert_eq!(w[7].parts, vec![WordPart::Tilde("root".to_owned())]);
    }

    #[test]
    fn parameter_forms() {
        let w = words("echo $A ${B} ${#C} ${D:-x y} $? $1 $ ${E=}");
        assert!(
            matches!(&w[1].parts[0], WordPart::Param { name, op: ParamOp::Plain, .. } if name == "A")
        );
        assert!(matches!(
            &w[3].parts[0],
            WordPart::Param {
                op: ParamOp::Length,
                ..
            }
        ));
        assert!(matches!(
            &w[4].parts[0],
            WordPart::Param {
                op: ParamOp::Default { colon: true, .. },
                ..
            }
        ));
        assert!(matches!(&w[5].parts[0], WordPart::Param { name, .. } if name == "?"));
        assert_eq!(w[7].plain(), Some("$"));
        assert!(matches!(
            &w[8].parts[0],
            WordPart::Param {
                op: ParamOp::Assign { colon: false, .. },
                ..
            }
        ));
    }

    #[test]
    fn bad_substitution_is_left_for_run_time() {
        let w = words("echo ${} ${1a}");
        assert_eq!(
            w[1].parts,
            vec![WordPart::BadSubstitution("${}".to_owned())]
        );
        assert_eq!(
            w[2].parts,
            vec![WordPart::BadSubstitution("${1a}".to_owned())]
        );
    }

    #[test]
    fn syntax_errors_match_bash() {
        assert_eq!(
            err("a && && b"),
            "bash: syntax error near unexpected token `&&'"
        );
        assert_eq!(err("| a"), "bash: syntax error near unexpected token `|'");
        assert_eq!(err("; a"), "bash: syntax error near unexpected token `;'");
        assert_eq!(err("a ;;"), "bash: syntax error near unexpected token `;;'");
        assert_eq!(
            err("a ||| b"),
            "bash: syntax error near unexpected token `|'"
        );
        assert_eq!(
            err("echo a >"),
            "bash: syntax error near unexpected token `newline'"
        );
        assert_eq!(
            err("echo a > ;"),
            "bash: syntax error near unexpected token `;'"
        );
        assert_eq!(
            err("echo a)"),
            "bash: syntax error near unexpected token `)'"
        );
        assert_eq!(
            err("echo a ("),
            "bash: syntax error near unexpected token `('"
        );
        assert_eq!(
            err("echo (a)"),
            "bash: syntax error near unexpected token `a'"
        );
        assert_eq!(
            err("echo a; fi"),
            "bash: syntax error near unexpected token `fi'"
        );
        assert_eq!(err("a |"), "bash: syntax error: unexpected end of file");
        assert_eq!(err("a ||"), "bash: syntax error: unexpected end of file");
    }

    #[test]
    fn unterminated_constructs_name_the_missing_delimiter() {
        assert_eq!(
            err("echo 'a"),
            "bash: unexpected EOF while looking for matching `''"
        );
        assert_eq!(
            err("echo \"a"),
            "bash: unexpected EOF while looking for matching `\"'"
        );
        assert_eq!(
            err("echo `a"),
            "bash: unexpected EOF while looking for matching ``'"
        );
        assert_eq!(
            err("echo $(a"),
            "bash: unexpected EOF while looking for matching `)'"
        );
        assert_eq!(
            err("echo ${a"),
            "bash: unexpected EOF while looking for matching `}'"
        );
    }

    #[test]
    fn syntax_errors_win_over_unsupported_features() {
        assert_eq!(
            err("echo a & ;"),
            "bash: syntax error near unexpected token `;'"
        );
        assert_eq!(
            err("echo $(x) &&"),
            "bash: syntax error: unexpected end of file"
        );
    }

    #[test]
    fn unsupported_features_are_named() {
        let unsupported = |line: &str| match parse_line(line) {
            Err(ShellSyntaxError::Unsupported { feature }) => feature,
            other => panic!("{line}: {other:?}"),
        };
        assert_eq!(unsupported("echo a > out.txt"), "redirection");
        assert_eq!(unsupported("cat < in"), "redirection");
        assert_eq!(unsupported("cat <<EOF"), "redirection");
        assert_eq!(unsupported("echo $(date)"), "command substitution");
        assert_eq!(unsupported("echo `date`"), "command substitution");
        assert_eq!(unsupported("echo $((1+2))"), "arithmetic expansion");
        assert_eq!(
            unsupported("sleep 1 &"),
            "running a command in the background (&)"
        );
        assert_eq!(
            unsupported("source <(kubectl completion bash)"),
            "process substitution"
        );
        assert_eq!(
            unsupported("for i in 1 2; do echo $i; done"),
            "the compound command `for'"
        );
        assert_eq!(unsupported("(cd /tmp)"), "a subshell `( ... )'");
        assert_eq!(
            unsupported("echo ${X%.yaml}"),
            "parameter expansion `${X%.yaml}'"
        );
    }

    #[test]
    fn supported_redirections_resolve() {
        let script = parse_line("a 2>&1 >/dev/null 2>/dev/null &>/dev/null </dev/null >&2 <<< w")
            .expect("parses");
        let r = &script.lists[0].first.commands[0].redirects;
        assert_eq!(r[0], Redirect::Dup { fd: 2, to: 1 });
        assert_eq!(r[1], Redirect::Discard { fd: 1 });
        assert_eq!(r[2], Redirect::Discard { fd: 2 });
        assert_eq!(r[5], Redirect::Discard { fd: 0 });
        assert_eq!(r[6], Redirect::Dup { fd: 1, to: 2 });
        assert!(matches!(r[7], Redirect::HereString(_)));
    }

    #[test]
    fn pipe_amp_merges_stderr_after_own_redirections() {
        let script = parse_line("a 2>/dev/null |& b").expect("parses");
        let r = &script.lists[0].first.commands[0].redirects;
        assert_eq!(
            r,
            &vec![Redirect::Discard { fd: 2 }, Redirect::Dup { fd: 2, to: 1 }]
        );
    }

    #[test]
    fn aliases_expand_in_command_position_only() {
        let aliases: BTreeMap<String, String> = [
            ("k".to_owned(), "kubectl".to_owned()),
            ("ls".to_owned(), "ls -F".to_owned()),
            ("s".to_owned(), "sudo ".to_owned()),
        ]
        .into_iter()
        .collect();
        let first_words = |line: &str| -> Vec<String> {
            let script = parse_with_aliases(line, &aliases).expect("parses");
            script.lists[0].first.commands[0]
                .words
                .iter()
                .filter_map(|w| w.static_text())
                .collect()
        };
        assert_eq!(first_words("k get k"), vec!["kubectl", "get", "k"]);
        assert_eq!(first_words("ls"), vec!["ls", "-F"]);
        assert_eq!(first_words("s k get"), vec!["sudo", "kubectl", "get"]);
        assert_eq!(first_words("'k' get"), vec!["k", "get"]);
        assert_eq!(first_words("X=1 k"), vec!["k"]);
        let script = parse_with_aliases("echo | k get", &aliases).expect("parses");
        assert_eq!(
            script.lists[0].first.commands[1].words[0]
                .static_text()
                .as_deref(),
            Some("kubectl")
        );
    }

    #[test]
    fn comments_and_blank_lines() {
        assert!(parse_line("").expect("parses").lists.is_empty());
        assert!(
            parse_line("   # just a comment")
                .expect("parses")
                .lists
                .is_empty()
        );
        assert_eq!(words("echo a#b #c").len(), 2);
    }

    #[test]
    fn ansi_c_quotes() {
        let w = words(r"echo $'a\tb\x41\u00e9\n'");
        assert_eq!(w[1].static_text().as_deref(), Some("a\tbA\u{e9}\n"));
    }
}
