//! Bash-compatible parsing of one command line into a [`Script`].
//!
//! The parser pulls tokens from the lexer one at a time, like bash does, so
//! that of two problems on a line the leftmost one is reported. Constructs
//! that bash accepts but the simulator cannot run (most redirections, `&`,
//! process substitution) are remembered and reported only once the whole
//! line parsed cleanly: a real syntax error is what bash would print, so it
//! wins. The command list of a `$(...)` is parsed by a nested parser as the
//! lexer meets it, as bash 5.2 does, so its syntax errors are the line's.

use super::ast::{AndOrList, Assignment, Connector, Pipeline, Redirect, Script, ShellSyntaxError, SimpleCommand, Word};
use super::lex::{Lexer, Nesting, Op, PResult, REDIRECTION, RedirKind, Tok};
use std::collections::{BTreeMap, VecDeque};

/// Parses one line the way bash would, without alias expansion.
pub fn parse_line(line: &str) -> Result<Script, ShellSyntaxError> {
    parse_with_aliases(line, &BTreeMap::new())
}

/// Parses one line, expanding `aliases` in command position like bash.
pub(super) fn parse_with_aliases(line: &str, aliases: &BTreeMap<String, String>) -> Result<Script, ShellSyntaxError> {
    parse_text(line, aliases, Nesting::default()).map_err(|(error, _)| error)
}

/// Parses the text of a command substitution when it runs in the `level`th
/// nested subshell. An error comes with the line of `text` that bash names in
/// its `command substitution: line N:` message.
pub(super) fn parse_substitution(
    text: &str,
    aliases: &BTreeMap<String, String>,
    level: usize,
) -> Result<Script, (ShellSyntaxError, usize)> {
    parse_text(text, aliases, Nesting::subshell(level)).map_err(|(error, pos)| {
        let line = match error {
            // bash reads past the last line before it gives up on these.
            ShellSyntaxError::UnexpectedEof | ShellSyntaxError::UnterminatedQuote { delimiter: ')' } => {
                text.matches('\n').count() + 2
            }
            _ => 1 + text.chars().take(pos.saturating_sub(1)).filter(|c| *c == '\n').count(),
        };
        (error, line)
    })
}

/// After `$(`: parses the command list up to its `)` and returns the list's
/// source text. Parsing rather than counting parentheses is what makes a `)`
/// in quotes, in a comment or in a nested substitution not end it. Anything
/// inside that the simulator cannot run is noted on `lexer`, to be reported
/// once the whole line parsed.
pub(super) fn command_substitution(lexer: &mut Lexer) -> PResult<String> {
    let start = lexer.pos;
    let mut parser = Parser::new(lexer.nested()?);
    let parsed = parser.substitution();
    if let Some(feature) = parser.lexer.unsupported.take() {
        lexer.unsupported(&feature);
    }
    parsed.map_err(|error| match error {
        // Whatever else was missing, the line ended inside the substitution.
        ShellSyntaxError::UnexpectedEof => ShellSyntaxError::UnterminatedQuote { delimiter: ')' },
        other => other,
    })?;
    lexer.pos = parser.lexer.pos;
    Ok(lexer.chars[start..lexer.pos - 1].iter().collect())
}

/// Checks the text of a backquoted command list for what the simulator
/// cannot run, noting it on `lexer`. bash parses backquotes only when it runs
/// them, so a syntax error inside is left for then.
pub(super) fn check_backquoted(lexer: &mut Lexer, text: &str) -> PResult<()> {
    let nesting = lexer.nesting.substitution()?;
    if let Err((ShellSyntaxError::Unsupported { feature }, _)) = parse_text(text, lexer.aliases, nesting) {
        lexer.unsupported(&feature);
    }
    Ok(())
}

/// Parses `text`, which sits at `nesting`. An error comes with the lexer's
/// position when it was found.
fn parse_text(
    text: &str,
    aliases: &BTreeMap<String, String>,
    nesting: Nesting,
) -> Result<Script, (ShellSyntaxError, usize)> {
    let mut parser = Parser::new(Lexer::new(text, aliases, nesting));
    let script = parser.script().map_err(|error| (error, parser.lexer.pos))?;
    match parser.lexer.unsupported.take() {
        Some(feature) => Err((ShellSyntaxError::Unsupported { feature }, parser.lexer.pos)),
        None => Ok(script),
    }
}

/// Reserved words that bash rejects where a command should start.
const STRAY_RESERVED: &[&str] = &["then", "else", "elif", "fi", "do", "done", "esac", "}"];
/// Reserved words that open a compound command.
const COMPOUND: &[&str] = &[
    "if", "for", "while", "until", "case", "select", "function", "{", "[[", "coproc",
];

struct Parser<'a> {
    /// Also holds the aliases.
    lexer: Lexer<'a>,
    /// Tokens waiting to be read (alias expansions, or a peeked token), each
    /// with the aliases it came from so an alias never expands inside itself.
    pending: VecDeque<(Tok, Vec<String>)>,
    /// The last alias expanded ended in a blank, so bash checks the next word
    /// for an alias too.
    alias_next: bool,
    /// The last alias expanded to nothing (`alias nothing=`), which is a
    /// valid, empty command rather than a missing one.
    alias_empty: bool,
}

impl<'a> Parser<'a> {
    fn new(lexer: Lexer<'a>) -> Self {
        Parser {
            lexer,
            pending: VecDeque::new(),
            alias_next: false,
            alias_empty: false,
        }
    }

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
        self.alias_empty = false;
        self.alias_next = false;
        // Each round either returns or replaces the token by its alias
        // expansion; the guard chain keeps this finite.
        let aliases = self.lexer.aliases;
        loop {
            let (tok, guard) = self.fetch()?;
            let expansion = tok
                .plain_word()
                .filter(|name| !guard.iter().any(|g| g == name))
                .and_then(|name| aliases.get_key_value(name));
            let Some((name, value)) = expansion else {
                return Ok(tok);
            };
            // The alias's text sits as deep in substitutions as its word.
            let mut lexer = Lexer::new(value, aliases, self.lexer.nesting);
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
            self.alias_empty = tokens.is_empty();
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
                Tok::Op(Op::Amp) => self.lexer.unsupported("running a command in the background (&)"),
                Tok::Eof => return Ok(script),
                other => return Err(unexpected(&other)),
            }
        }
    }

    /// The command list of a `$(`, up to and including its `)`.
    fn substitution(&mut self) -> PResult<Script> {
        let mut script = Script::default();
        loop {
            self.skip_newlines()?;
            if !matches!(self.peek()?, Tok::Op(Op::RParen)) {
                script.lists.push(self.and_or()?);
            }
            let (tok, guard) = self.fetch()?;
            match tok {
                // A `)` out of an alias is not where the text ends.
                Tok::Op(Op::RParen) if guard.is_empty() => return Ok(script),
                Tok::Op(Op::Semi) | Tok::Newline => {}
                Tok::Op(Op::Amp) => self.lexer.unsupported("running a command in the background (&)"),
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
        if negated && matches!(self.peek()?, Tok::Eof | Tok::Newline | Tok::Op(Op::Semi | Op::RParen)) {
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
        if self.alias_empty && matches!(first, Tok::Eof | Tok::Newline | Tok::Op(Op::Semi | Op::RParen)) {
            self.pending.push_front((first, Vec::new()));
            return Ok(cmd);
        }
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
        let mut check_alias = std::mem::take(&mut self.alias_next);
        self.command_item(&mut cmd, first)?;
        while check_alias {
            // The word bash checks is the one after the alias's own text.
            while matches!(
                self.pending.front(),
                Some((Tok::Word { .. } | Tok::Op(Op::Redir { .. }), guard)) if !guard.is_empty()
            ) {
                let tok = self.next()?;
                self.command_item(&mut cmd, tok)?;
            }
            if !matches!(self.peek()?, Tok::Word { .. }) {
                break;
            }
            let tok = self.next_aliased()?;
            check_alias = std::mem::take(&mut self.alias_next);
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
                    let function = cmd.words.len() == 1 && cmd.assignments.is_empty() && cmd.redirects.is_empty();
                    if !function {
                        return Err(ShellSyntaxError::UnexpectedToken { token: "(".to_owned() });
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
                    cmd.assignments.push(Assignment { name, append, value });
                } else {
                    cmd.words.push(word);
                }
            }
            Tok::Op(Op::Redir { fd, kind }) => {
                let target = match self.next()? {
                    Tok::Word { word, .. } => word,
                    // Even at the end of the line bash names the token here.
                    other => {
                        return Err(ShellSyntaxError::UnexpectedToken { token: other.text() });
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
        RedirKind::AndGreat | RedirKind::AndDGreat if dev_null => {
            Some(vec![Redirect::Discard { fd: 1 }, Redirect::Discard { fd: 2 }])
        }
        RedirKind::GreatAnd => match text.as_str() {
            "1" => Some(vec![Redirect::Dup { fd: out_fd(fd)?, to: 1 }]),
            "2" => Some(vec![Redirect::Dup { fd: out_fd(fd)?, to: 2 }]),
            "/dev/null" if fd.is_none() => Some(vec![Redirect::Discard { fd: 1 }, Redirect::Discard { fd: 2 }]),
            _ => None,
        },
        RedirKind::Less if dev_null && fd.unwrap_or(0) == 0 => Some(vec![Redirect::Discard { fd: 0 }]),
        RedirKind::Great | RedirKind::DGreat | RedirKind::Clobber => Some(vec![Redirect::File {
            fd: out_fd(fd)?,
            path: target,
            append: kind == RedirKind::DGreat,
        }]),
        // `&> file`: both streams into the file.
        RedirKind::AndGreat | RedirKind::AndDGreat if fd.is_none() => Some(vec![
            Redirect::File {
                fd: 1,
                path: target,
                append: kind == RedirKind::AndDGreat,
            },
            Redirect::Dup { fd: 2, to: 1 },
        ]),
        RedirKind::Less if fd.unwrap_or(0) == 0 => Some(vec![Redirect::Input(target)]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::ast::{ParamOp, WordPart};

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
            script.lists[0].rest.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
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
        assert_eq!(w[5].parts.iter().filter(|p| matches!(p, WordPart::Tilde(_))).count(), 2);
        assert_eq!(w[6].plain(), Some("--k=~/x"));
        assert_eq!(w[7].parts, vec![WordPart::Tilde("root".to_owned())]);
    }

    #[test]
    fn parameter_forms() {
        let w = words("echo $A ${B} ${#C} ${D:-x y} $? $1 $ ${E=}");
        assert!(matches!(&w[1].parts[0], WordPart::Param { name, op: ParamOp::Plain, .. } if name == "A"));
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
        assert_eq!(w[1].parts, vec![WordPart::BadSubstitution("${}".to_owned())]);
        assert_eq!(w[2].parts, vec![WordPart::BadSubstitution("${1a}".to_owned())]);
    }

    #[test]
    fn syntax_errors_match_bash() {
        assert_eq!(err("a && && b"), "bash: syntax error near unexpected token `&&'");
        assert_eq!(err("| a"), "bash: syntax error near unexpected token `|'");
        assert_eq!(err("; a"), "bash: syntax error near unexpected token `;'");
        assert_eq!(err("a ;;"), "bash: syntax error near unexpected token `;;'");
        assert_eq!(err("a ||| b"), "bash: syntax error near unexpected token `|'");
        assert_eq!(err("echo a >"), "bash: syntax error near unexpected token `newline'");
        assert_eq!(err("echo a > ;"), "bash: syntax error near unexpected token `;'");
        assert_eq!(err("echo a)"), "bash: syntax error near unexpected token `)'");
        assert_eq!(err("echo a ("), "bash: syntax error near unexpected token `('");
        assert_eq!(err("echo (a)"), "bash: syntax error near unexpected token `a'");
        assert_eq!(err("echo a; fi"), "bash: syntax error near unexpected token `fi'");
        assert_eq!(err("a |"), "bash: syntax error: unexpected end of file");
        assert_eq!(err("a ||"), "bash: syntax error: unexpected end of file");
    }

    #[test]
    fn unterminated_constructs_name_the_missing_delimiter() {
        assert_eq!(err("echo 'a"), "bash: unexpected EOF while looking for matching `''");
        assert_eq!(err("echo \"a"), "bash: unexpected EOF while looking for matching `\"'");
        assert_eq!(err("echo `a"), "bash: unexpected EOF while looking for matching ``'");
        assert_eq!(err("echo $(a"), "bash: unexpected EOF while looking for matching `)'");
        assert_eq!(err("echo ${a"), "bash: unexpected EOF while looking for matching `}'");
    }

    #[test]
    fn syntax_errors_win_over_unsupported_features() {
        assert_eq!(err("echo a & ;"), "bash: syntax error near unexpected token `;'");
        assert_eq!(err("echo $(x) &&"), "bash: syntax error: unexpected end of file");
        assert_eq!(err("echo $(x &) &&"), "bash: syntax error: unexpected end of file");
    }

    #[test]
    fn unsupported_features_are_named() {
        let unsupported = |line: &str| match parse_line(line) {
            Err(ShellSyntaxError::Unsupported { feature }) => feature,
            other => panic!("{line}: {other:?}"),
        };
        assert_eq!(unsupported("echo a 3> out.txt"), "redirection");
        assert_eq!(unsupported("cat 3< in"), "redirection");
        assert_eq!(unsupported("cat <<EOF"), "redirection");
        assert_eq!(
            unsupported("echo $(sleep 1 &)"),
            "running a command in the background (&)"
        );
        assert_eq!(unsupported("echo `date 3> f`"), "redirection");
        assert_eq!(unsupported("echo $((1+2))"), "arithmetic expansion");
        assert_eq!(unsupported("sleep 1 &"), "running a command in the background (&)");
        assert_eq!(unsupported("source <(kubectl completion bash)"), "process substitution");
        assert_eq!(
            unsupported("for i in 1 2; do echo $i; done"),
            "the compound command `for'"
        );
        assert_eq!(unsupported("(cd /tmp)"), "a subshell `( ... )'");
        assert_eq!(unsupported("echo ${X%.yaml}"), "parameter expansion `${X%.yaml}'");
    }

    #[test]
    fn command_substitutions_keep_their_text() {
        let w = words(r#"echo $(kubectl get nodes -o name | head -1) "$(a ')' "(")" `b \` \$c` x$(y)"#);
        let subst = |word: &Word| -> Vec<(String, bool)> {
            word.parts
                .iter()
                .filter_map(|p| match p {
                    WordPart::CommandSubst { text, quoted } => Some((text.clone(), *quoted)),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(
            subst(&w[1]),
            vec![("kubectl get nodes -o name | head -1".to_owned(), false)]
        );
        assert_eq!(subst(&w[2]), vec![(r#"a ')' "(""#.to_owned(), true)]);
        assert_eq!(subst(&w[3]), vec![("b ` $c".to_owned(), false)]);
        assert_eq!(w[4].parts.len(), 2);
        assert_eq!(w.len(), 5);
    }

    #[test]
    fn command_substitution_ends_where_the_parser_says() {
        // A comment runs to the end of the line, `)` included.
        assert_eq!(
            err("echo $(a # )"),
            "bash: unexpected EOF while looking for matching `)'"
        );
        assert_eq!(words("echo $(a # )\n) b").len(), 3);
        assert_eq!(words("echo $(echo $(a) b) c").len(), 3);
        assert_eq!(words("echo $(\n a\n b;\n) c").len(), 3);
        assert_eq!(err("echo $(a && )"), "bash: syntax error near unexpected token `)'");
        assert_eq!(err("echo $(a | )"), "bash: syntax error near unexpected token `)'");
        assert_eq!(err("echo $(a; ;)"), "bash: syntax error near unexpected token `;'");
        assert_eq!(err("echo $(a) )"), "bash: syntax error near unexpected token `)'");
        // bash parses backquotes only when it runs them.
        assert!(parse_line("echo `a &&`").is_ok());
    }

    #[test]
    fn supported_redirections_resolve() {
        let script = parse_line("a 2>&1 >/dev/null 2>/dev/null &>/dev/null </dev/null >&2 <<< w").expect("parses");
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
        assert_eq!(r, &vec![Redirect::Discard { fd: 2 }, Redirect::Dup { fd: 2, to: 1 }]);
    }

    #[test]
    fn aliases_expand_in_command_position_only() {
        let aliases: BTreeMap<String, String> = [
            ("k".to_owned(), "kubectl".to_owned()),
            ("ls".to_owned(), "ls -F".to_owned()),
            ("s".to_owned(), "sudo ".to_owned()),
            ("se".to_owned(), "sudo -E ".to_owned()),
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
        assert_eq!(first_words("se k get"), vec!["sudo", "-E", "kubectl", "get"]);
        assert_eq!(first_words("s s k"), vec!["sudo", "sudo", "kubectl"]);
        let script = parse_with_aliases("s echo; echo k", &aliases).expect("parses");
        assert_eq!(script.lists[1].first.commands[0].words[1].plain(), Some("k"));
        assert_eq!(first_words("'k' get"), vec!["k", "get"]);
        assert_eq!(first_words("X=1 k"), vec!["k"]);
        let script = parse_with_aliases("echo | k get", &aliases).expect("parses");
        assert_eq!(
            script.lists[0].first.commands[1].words[0].static_text().as_deref(),
            Some("kubectl")
        );
    }

    #[test]
    fn comments_and_blank_lines() {
        assert!(parse_line("").expect("parses").lists.is_empty());
        assert!(parse_line("   # just a comment").expect("parses").lists.is_empty());
        assert_eq!(words("echo a#b #c").len(), 2);
    }

    #[test]
    fn ansi_c_quotes() {
        let w = words(r"echo $'a\tb\x41\u00e9\n'");
        assert_eq!(w[1].static_text().as_deref(), Some("a\tbA\u{e9}\n"));
    }
}
