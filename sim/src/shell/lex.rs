//! Splitting a line into bash tokens. Words come out already structured
//! (quoted and unquoted text, parameters, tildes) so that expansion never
//! has to look at quotes again.

use super::ast::{ParamOp, ShellSyntaxError, Word, WordPart};
use super::parse;
use std::collections::BTreeMap;
use std::rc::Rc;

pub(super) type PResult<T> = Result<T, ShellSyntaxError>;

/// The feature named when a redirection needs a real file.
pub(super) const REDIRECTION: &str = "redirection";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RedirKind {
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
pub(super) enum Op {
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
pub(super) enum Tok {
    /// `raw` is the word as typed, for error messages; `None` when that is the word's one
    /// unquoted literal (a plain word, which needs no second copy).
    Word {
        word: Word,
        raw: Option<String>,
    },
    Op(Op),
    Newline,
    Eof,
}

impl Tok {
    /// How bash names the token in "near unexpected token".
    pub(super) fn text(&self) -> String {
        match self {
            Tok::Word { raw: Some(raw), .. } => raw.clone(),
            Tok::Word { word, raw: None } => word.plain().unwrap_or_default().to_owned(),
            Tok::Op(op) => op.text().to_owned(),
            Tok::Newline | Tok::Eof => "newline".to_owned(),
        }
    }

    pub(super) fn plain_word(&self) -> Option<&str> {
        match self {
            Tok::Word { word, .. } => word.plain(),
            _ => None,
        }
    }
}

fn is_meta(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '|' | '&' | ';' | '(' | ')' | '<' | '>')
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

/// How deeply `${...}`, `$(...)` and backquotes may nest together. Real
/// lines never come close; the limit keeps hostile input from exhausting the
/// stack.
const MAX_NESTING: usize = 64;
/// How deeply command substitutions may nest. Each level costs a nested
/// parser and, when it runs, a subshell on the stack, so this limit is lower;
/// real lines nest two or three at most.
const MAX_SUBSTITUTIONS: usize = 16;

/// How deep in `${...}` and substitutions a piece of text sits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Nesting {
    /// All levels, `${...}` included.
    depth: usize,
    /// Command substitutions only.
    substitutions: usize,
}

impl Nesting {
    /// Where the command list of a substitution running in the `level`th
    /// nested subshell sits.
    pub(super) fn subshell(level: usize) -> Self {
        Nesting {
            depth: level,
            substitutions: level,
        }
    }

    fn brace(self) -> PResult<Self> {
        if self.depth >= MAX_NESTING {
            return Err(too_deep("`${...}'", MAX_NESTING));
        }
        Ok(Nesting {
            depth: self.depth + 1,
            ..self
        })
    }

    /// One command substitution deeper, if allowed.
    pub(super) fn substitution(self) -> PResult<Self> {
        if self.depth >= MAX_NESTING {
            return Err(too_deep("substitutions", MAX_NESTING));
        }
        if self.substitutions >= MAX_SUBSTITUTIONS {
            return Err(too_deep("command substitutions", MAX_SUBSTITUTIONS));
        }
        Ok(Nesting {
            depth: self.depth + 1,
            substitutions: self.substitutions + 1,
        })
    }
}

fn too_deep(what: &str, limit: usize) -> ShellSyntaxError {
    ShellSyntaxError::Unsupported {
        feature: format!("nesting {what} more than {limit} levels deep"),
    }
}

pub(super) struct Lexer<'a> {
    /// Shared with the lexers of nested `$(...)`, which read the same line.
    pub(super) chars: Rc<[char]>,
    pub(super) pos: usize,
    /// Where the current position sits, counting the substitutions this
    /// lexer's text is in.
    pub(super) nesting: Nesting,
    /// For the command lists inside substitutions, which bash parses (and
    /// expands aliases in) along with the line.
    pub(super) aliases: &'a BTreeMap<String, String>,
    /// First construct seen that bash accepts but we do not run.
    pub(super) unsupported: Option<String>,
}

impl<'a> Lexer<'a> {
    /// A lexer for `text`, which sits at `nesting`.
    pub(super) fn new(text: &str, aliases: &'a BTreeMap<String, String>, nesting: Nesting) -> Self {
        Lexer {
            // Sized once (collecting from `chars()` grew the buffer several times a line).
            chars: {
                let mut chars = Vec::with_capacity(text.len());
                chars.extend(text.chars());
                Rc::from(chars)
            },
            pos: 0,
            nesting,
            aliases,
            unsupported: None,
        }
    }

    /// A lexer that continues reading this one's text one substitution
    /// deeper, for the command list of a `$(`.
    pub(super) fn nested(&self) -> PResult<Self> {
        Ok(Lexer {
            chars: Rc::clone(&self.chars),
            pos: self.pos,
            nesting: self.nesting.substitution()?,
            aliases: self.aliases,
            unsupported: None,
        })
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

    pub(super) fn unsupported(&mut self, feature: &str) {
        if self.unsupported.is_none() {
            self.unsupported = Some(feature.to_owned());
        }
    }

    pub(super) fn next_token(&mut self) -> PResult<Tok> {
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
                    if self.eat('&') { Op::DSemiAnd } else { Op::DSemi }
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
            raw: Some(raw),
        })
    }

    fn word(&mut self) -> PResult<Tok> {
        let start = self.pos;
        if let Some(tok) = self.plain_word_token() {
            return Ok(tok);
        }
        let parts = self.parts(Ctx::Top)?;
        let raw: String = self.chars[start..self.pos].iter().collect();
        let word = expand_tildes(Word { parts });
        Ok(Tok::Word { word, raw: Some(raw) })
    }

    /// A word typed with no quote, escape, expansion or tilde is one unquoted literal, its
    /// text as typed: most words of a command line are, and building them a character at a
    /// time (then looking for tilde prefixes) was most of what parsing a line cost.
    fn plain_word_token(&mut self) -> Option<Tok> {
        let rest = &self.chars[self.pos..];
        let len = rest
            .iter()
            .position(|&c| is_meta(c) || matches!(c, '\\' | '\'' | '"' | '$' | '`' | '~'))
            .unwrap_or(rest.len());
        if len == 0 || rest.get(len).is_some_and(|&c| !is_meta(c)) {
            return None;
        }
        let text: String = rest[..len].iter().collect();
        self.pos += len;
        let word = Word {
            parts: vec![WordPart::Literal { text, quoted: false }],
        };
        Some(Tok::Word { word, raw: None })
    }

    fn parts(&mut self, ctx: Ctx) -> PResult<Vec<WordPart>> {
        let dq = matches!(ctx, Ctx::Brace { dq: true });
        let mut parts = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return match ctx {
                    Ctx::Top => Ok(parts),
                    Ctx::Brace { .. } => Err(ShellSyntaxError::UnterminatedQuote { delimiter: '}' }),
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
                        Some(e) => push_char(&mut parts, e, true),
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
                    let part = self.backquote(dq)?;
                    parts.push(part);
                }
                (_, c) => {
                    self.pos += 1;
                    push_char(&mut parts, c, dq);
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
                            push_char(&mut parts, e, true);
                        }
                        _ => push_lit(&mut parts, "\\", true),
                    }
                }
                Some('$') => {
                    for part in self.dollar(true)? {
                        push_part(&mut parts, part);
                    }
                }
                Some('`') => {
                    let part = self.backquote(true)?;
                    parts.push(part);
                }
                Some(c) => {
                    self.pos += 1;
                    push_char(&mut parts, c, true);
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
                if self.peek() == Some('(') {
                    self.skip_parens()?;
                    self.unsupported("arithmetic expansion");
                    return Ok(vec![lit("", true)]);
                }
                let text = parse::command_substitution(self)?;
                Ok(vec![WordPart::CommandSubst { text, quoted: dq }])
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
                Ok(if parts.is_empty() { vec![lit("", true)] } else { parts })
            }
            Some(c) if c == '_' || c.is_ascii_alphabetic() => {
                let mut name = String::new();
                while let Some(c) = self.peek().filter(|c| *c == '_' || c.is_ascii_alphanumeric()) {
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
                while let Some(c) = self.peek().filter(|c| *c == '_' || c.is_ascii_alphanumeric()) {
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
        let colon = self.peek() == Some(':') && matches!(self.peek_at(1), Some('-' | '=' | '+' | '?'));
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
        let outer = self.nesting;
        self.nesting = outer.brace()?;
        let parts = self.parts(Ctx::Brace { dq });
        self.nesting = outer;
        let parts = parts?;
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

    /// At a backquote: the old-style command substitution. A backslash
    /// keeps its meaning inside except before `$`, `` ` ``, `\` (and `"`
    /// when the backquotes sit in double quotes), where it only escapes the
    /// character, as in bash.
    fn backquote(&mut self, dq: bool) -> PResult<WordPart> {
        self.pos += 1;
        let mut text = String::new();
        loop {
            match self.bump() {
                None => return Err(ShellSyntaxError::UnterminatedQuote { delimiter: '`' }),
                Some('\\') => match self.peek() {
                    Some(e @ ('$' | '`' | '\\')) => {
                        self.pos += 1;
                        text.push(e);
                    }
                    Some('"') if dq => {
                        self.pos += 1;
                        text.push('"');
                    }
                    _ => text.push('\\'),
                },
                Some('`') => break,
                Some(c) => text.push(c),
            }
        }
        parse::check_backquoted(self, &text)?;
        Ok(WordPart::CommandSubst { text, quoted: dq })
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
    if let Some(WordPart::Literal { text: prev, quoted: q }) = parts.last_mut()
        && *q == quoted
    {
        prev.push_str(text);
        return;
    }
    parts.push(lit(text, quoted));
}

/// [`push_lit`] of one character, without a String of its own: most of a typed line goes
/// through here one character at a time.
fn push_char(parts: &mut Vec<WordPart>, c: char, quoted: bool) {
    if let Some(WordPart::Literal { text, quoted: q }) = parts.last_mut()
        && *q == quoted
    {
        text.push(c);
        return;
    }
    parts.push(WordPart::Literal {
        text: c.to_string(),
        quoted,
    });
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
        let WordPart::Literal { text, quoted: false } = part else {
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
            out.parts.push(WordPart::Tilde(text[start + 1..end].to_owned()));
            cursor = end;
        }
        if cursor < text.len() {
            push_lit(&mut out.parts, &text[cursor..], false);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word the general path builds: its parts a character at a time, then tilde prefixes.
    fn slow_word(text: &str) -> (Vec<WordPart>, String) {
        let aliases = BTreeMap::new();
        let mut lexer = Lexer::new(text, &aliases, Nesting::default());
        let parts = lexer.parts(Ctx::Top).expect("lexes");
        let raw: String = lexer.chars[..lexer.pos].iter().collect();
        (expand_tildes(Word { parts }).parts, raw)
    }

    #[test]
    fn plain_words_take_the_fast_path_and_lex_as_the_general_path_does() {
        let aliases = BTreeMap::new();
        for text in [
            "kubectl",
            "--ignore-daemonsets",
            "kubelet=1.31.2-1.1",
            "s/v1.30/v1.31/",
            "a=b:c",
            "/etc/apt/sources.list.d/kubernetes.list",
            "*.yaml",
            "{a,b}",
            "#not-a-comment",
            "node0042;",
        ] {
            let mut lexer = Lexer::new(text, &aliases, Nesting::default());
            let fast = lexer.plain_word_token().expect("a plain word");
            let shown = fast.text();
            let Tok::Word { word, raw: None } = fast else {
                panic!("a plain word, its text its one literal")
            };
            assert_eq!((word.parts, shown), slow_word(text), "{text}");
        }
        for text in ["~/x", "a=~/b", "$HOME", "'q'", "\"q\"", "a\\ b", "a`b`", "x~"] {
            let mut lexer = Lexer::new(text, &aliases, Nesting::default());
            assert!(lexer.plain_word_token().is_none(), "{text} is not plain");
            assert_eq!(lexer.pos, 0, "{text}: nothing consumed");
        }
    }
}
