//! A deliberately small `awk`: the one-liners people pipe `kubectl` into,
//! `[PATTERN] {print ITEMS}` rules where PATTERN is `/re/`, `EXPR ~ /re/` or
//! a comparison such as `NR>1` or `$3 == "Running"`, combined with `!`,
//! `&&` and `||`, and
//! ITEMS are `$N`, `$NF`, `$(NF-1)`, `NR`, `NF`, numbers and strings. Anything
//! else is refused with a clear message rather than misinterpreted.

use super::CommandOutput;
use super::grep::{RegexError, Syntax, translate};
use super::text::{Inputs, lines};
use regex::Regex;
use std::cmp::Ordering;

const UNSUPPORTED: &str = "kubedrill: awk: only simple programs such as '{print $1}' or 'NR>1 {print $1, $3}' are supported in the simulated shell";
const USAGE: &str = "usage: awk [-F value] [--] 'program text' [file ...]";

#[derive(Debug, Clone, PartialEq)]
enum Token {
    LBrace,
    RBrace,
    LParen,
    RParen,
    Semi,
    Comma,
    Dollar,
    Plus,
    Minus,
    Not,
    And,
    Or,
    Match(bool),
    Compare(&'static str),
    Number(f64),
    Str(String),
    Regex(String),
    Ident(String),
}

fn tokenize(program: &str) -> Option<Vec<Token>> {
    let chars: Vec<char> = program.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        let token = match c {
            ' ' | '\t' => continue,
            '\n' | ';' => Token::Semi,
            '{' => Token::LBrace,
            '}' => Token::RBrace,
            '(' => Token::LParen,
            ')' => Token::RParen,
            ',' => Token::Comma,
            '$' => Token::Dollar,
            '+' => Token::Plus,
            '-' => Token::Minus,
            '~' => Token::Match(true),
            '!' if chars.get(i) == Some(&'~') => {
                i += 1;
                Token::Match(false)
            }
            '!' if chars.get(i) == Some(&'=') => {
                i += 1;
                Token::Compare("!=")
            }
            '!' => Token::Not,
            '&' if chars.get(i) == Some(&'&') => {
                i += 1;
                Token::And
            }
            '|' if chars.get(i) == Some(&'|') => {
                i += 1;
                Token::Or
            }
            '=' if chars.get(i) == Some(&'=') => {
                i += 1;
                Token::Compare("==")
            }
            '<' | '>' => {
                if chars.get(i) == Some(&'=') {
                    i += 1;
                    Token::Compare(if c == '<' { "<=" } else { ">=" })
                } else {
                    Token::Compare(if c == '<' { "<" } else { ">" })
                }
            }
            '"' => {
                let mut text = String::new();
                loop {
                    match chars.get(i) {
                        None => return None,
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some('\\') => {
                            let escaped = chars.get(i + 1).copied()?;
                            text.push(match escaped {
                                'n' => '\n',
                                't' => '\t',
                                other => other,
                            });
                            i += 2;
                        }
                        Some(&other) => {
                            text.push(other);
                            i += 1;
                        }
                    }
                }
                Token::Str(text)
            }
            '/' => {
                let mut text = String::new();
                loop {
                    match chars.get(i) {
                        None => return None,
                        Some('/') => {
                            i += 1;
                            break;
                        }
                        Some('\\') if chars.get(i + 1) == Some(&'/') => {
                            text.push('/');
                            i += 2;
                        }
                        Some(&other) => {
                            text.push(other);
                            i += 1;
                        }
                    }
                }
                Token::Regex(text)
            }
            c if c.is_ascii_digit() || c == '.' => {
                let start = i - 1;
                while chars.get(i).is_some_and(|c| c.is_ascii_digit() || *c == '.') {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                Token::Number(text.parse().ok()?)
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i - 1;
                while chars.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_') {
                    i += 1;
                }
                Token::Ident(chars[start..i].iter().collect())
            }
            _ => return None,
        };
        tokens.push(token);
    }
    Some(tokens)
}

#[derive(Debug)]
enum Expr {
    Field(Box<Expr>),
    Nr,
    Nf,
    Number(f64),
    Str(String),
    Add(Box<Expr>, Box<Expr>),
    Sub(Box<Expr>, Box<Expr>),
    Concat(Vec<Expr>),
}

#[derive(Debug)]
enum Pattern {
    Always,
    Regex {
        subject: Option<Expr>,
        regex: Regex,
        negated: bool,
    },
    Compare(Expr, &'static str, Expr),
    Not(Box<Pattern>),
    And(Box<Pattern>, Box<Pattern>),
    Or(Box<Pattern>, Box<Pattern>),
}

struct Rule {
    pattern: Pattern,
    /// `None` is a pattern without action: print the line.
    print: Option<Vec<Expr>>,
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    /// Nesting of `$` and parentheses; bounded so that hostile programs
    /// cannot exhaust the stack.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    fn eat(&mut self, token: &Token) -> bool {
        if self.peek() == Some(token) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn program(&mut self) -> Result<Vec<Rule>, String> {
        let mut rules = Vec::new();
        loop {
            while self.eat(&Token::Semi) {}
            if self.peek().is_none() {
                break;
            }
            rules.push(self.rule()?);
        }
        if rules.is_empty() {
            return Err(UNSUPPORTED.to_owned());
        }
        Ok(rules)
    }

    fn rule(&mut self) -> Result<Rule, String> {
        let pattern = if self.peek() == Some(&Token::LBrace) {
            Pattern::Always
        } else {
            self.pattern()?
        };
        if !self.eat(&Token::LBrace) {
            return Ok(Rule { pattern, print: None });
        }
        let mut print = None;
        loop {
            match self.next() {
                Some(Token::RBrace) => break,
                Some(Token::Semi) => {}
                Some(Token::Ident(word)) if word == "print" && print.is_none() => {
                    let mut items = Vec::new();
                    while !matches!(self.peek(), Some(Token::RBrace | Token::Semi) | None) {
                        items.push(self.concat()?);
                        if !self.eat(&Token::Comma) {
                            break;
                        }
                    }
                    print = Some(items);
                }
                _ => return Err(UNSUPPORTED.to_owned()),
            }
        }
        Ok(Rule {
            pattern,
            print: Some(print.unwrap_or_default()),
        })
    }

    /// `a || b`, with `&&` binding tighter, as in awk.
    fn pattern(&mut self) -> Result<Pattern, String> {
        let mut left = self.all_of()?;
        while self.eat(&Token::Or) {
            left = Pattern::Or(Box::new(left), Box::new(self.all_of()?));
        }
        Ok(left)
    }

    fn all_of(&mut self) -> Result<Pattern, String> {
        let mut left = self.condition()?;
        while self.eat(&Token::And) {
            left = Pattern::And(Box::new(left), Box::new(self.condition()?));
        }
        Ok(left)
    }

    fn condition(&mut self) -> Result<Pattern, String> {
        if self.eat(&Token::Not) {
            if self.depth > 64 {
                return Err(UNSUPPORTED.to_owned());
            }
            self.depth += 1;
            let inner = self.condition();
            self.depth -= 1;
            return Ok(Pattern::Not(Box::new(inner?)));
        }
        if let Some(Token::Regex(text)) = self.peek().cloned() {
            self.pos += 1;
            return Ok(Pattern::Regex {
                subject: None,
                regex: compile(&text)?,
                negated: false,
            });
        }
        let left = self.concat()?;
        match self.next() {
            Some(Token::Compare(op)) => Ok(Pattern::Compare(left, op, self.concat()?)),
            Some(Token::Match(positive)) => match self.next() {
                Some(Token::Regex(text)) => Ok(Pattern::Regex {
                    subject: Some(left),
                    regex: compile(&text)?,
                    negated: !positive,
                }),
                _ => Err(UNSUPPORTED.to_owned()),
            },
            _ => Err(UNSUPPORTED.to_owned()),
        }
    }

    /// Juxtaposed values concatenate: `$1 ":" $2`.
    fn concat(&mut self) -> Result<Expr, String> {
        let mut items = vec![self.sum()?];
        while matches!(
            self.peek(),
            Some(Token::Dollar | Token::Number(_) | Token::Str(_) | Token::Ident(_) | Token::LParen)
        ) {
            items.push(self.sum()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Concat(items)
        })
    }

    fn sum(&mut self) -> Result<Expr, String> {
        let mut left = self.primary()?;
        loop {
            if self.eat(&Token::Plus) {
                left = Expr::Add(Box::new(left), Box::new(self.primary()?));
            } else if self.eat(&Token::Minus) {
                left = Expr::Sub(Box::new(left), Box::new(self.primary()?));
            } else {
                return Ok(left);
            }
        }
    }

    fn primary(&mut self) -> Result<Expr, String> {
        if self.depth > 64 {
            return Err(UNSUPPORTED.to_owned());
        }
        self.depth += 1;
        let result = self.primary_inner();
        self.depth -= 1;
        result
    }

    fn primary_inner(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Token::Dollar) => Ok(Expr::Field(Box::new(self.primary()?))),
            Some(Token::Number(n)) => Ok(Expr::Number(n)),
            Some(Token::Str(s)) => Ok(Expr::Str(s)),
            Some(Token::Ident(name)) if name == "NR" || name == "FNR" => Ok(Expr::Nr),
            Some(Token::Ident(name)) if name == "NF" => Ok(Expr::Nf),
            Some(Token::LParen) => {
                let inner = self.sum()?;
                if self.eat(&Token::RParen) {
                    Ok(inner)
                } else {
                    Err(UNSUPPORTED.to_owned())
                }
            }
            _ => Err(UNSUPPORTED.to_owned()),
        }
    }
}

fn compile(pattern: &str) -> Result<Regex, String> {
    match translate(pattern, Syntax::Extended) {
        Ok((text, _)) => Regex::new(&text).map_err(|_| format!("awk: regular expression compile failed: {pattern}")),
        Err(RegexError::Invalid(message)) => {
            Err(format!("awk: regular expression compile failed ({message}): {pattern}"))
        }
        Err(RegexError::Unsupported(message)) => Err(format!("kubedrill: awk: {message}")),
    }
}

#[derive(Debug, Clone)]
enum Value {
    Num(f64),
    Str(String),
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e16 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

impl Value {
    fn text(&self) -> String {
        match self {
            Value::Num(n) => format_number(*n),
            Value::Str(s) => s.clone(),
        }
    }

    /// Numeric value the way awk converts strings: the leading number, or 0.
    fn number(&self) -> f64 {
        match self {
            Value::Num(n) => *n,
            Value::Str(s) => {
                let s = s.trim_start();
                let end = s
                    .char_indices()
                    .take_while(|(i, c)| c.is_ascii_digit() || *c == '.' || (*i == 0 && (*c == '-' || *c == '+')))
                    .count();
                s[..end].parse().unwrap_or(0.0)
            }
        }
    }

    /// Whether a field looks like a number, which makes comparisons numeric.
    fn looks_numeric(&self) -> bool {
        match self {
            Value::Num(_) => true,
            Value::Str(s) => s.trim().parse::<f64>().is_ok(),
        }
    }
}

struct Record<'a> {
    line: &'a str,
    fields: Vec<&'a str>,
    nr: usize,
}

fn eval(expr: &Expr, record: &Record<'_>) -> Value {
    match expr {
        Expr::Number(n) => Value::Num(*n),
        Expr::Str(s) => Value::Str(s.clone()),
        Expr::Nr => Value::Num(record.nr as f64),
        Expr::Nf => Value::Num(record.fields.len() as f64),
        Expr::Add(a, b) => Value::Num(eval(a, record).number() + eval(b, record).number()),
        Expr::Sub(a, b) => Value::Num(eval(a, record).number() - eval(b, record).number()),
        Expr::Concat(items) => Value::Str(items.iter().map(|e| eval(e, record).text()).collect()),
        Expr::Field(index) => {
            let index = eval(index, record).number();
            if index < 1.0 {
                // `$0` is the record; a negative field is an error in awk,
                // and the empty string is the harmless stand-in.
                return Value::Str(if index == 0.0 {
                    record.line.to_owned()
                } else {
                    String::new()
                });
            }
            let index = index as usize;
            Value::Str(record.fields.get(index - 1).map_or(String::new(), |f| (*f).to_owned()))
        }
    }
}

fn matches(pattern: &Pattern, record: &Record<'_>) -> bool {
    match pattern {
        Pattern::Always => true,
        Pattern::Not(inner) => !matches(inner, record),
        Pattern::And(a, b) => matches(a, record) && matches(b, record),
        Pattern::Or(a, b) => matches(a, record) || matches(b, record),
        Pattern::Regex {
            subject,
            regex,
            negated,
        } => {
            let text = match subject {
                Some(expr) => eval(expr, record).text(),
                None => record.line.to_owned(),
            };
            regex.is_match(&text) != *negated
        }
        Pattern::Compare(left, op, right) => {
            let (l, r) = (eval(left, record), eval(right, record));
            let ordering = if l.looks_numeric() && r.looks_numeric() {
                l.number().partial_cmp(&r.number()).unwrap_or(Ordering::Equal)
            } else {
                l.text().cmp(&r.text())
            };
            match *op {
                "==" => ordering == Ordering::Equal,
                "!=" => ordering != Ordering::Equal,
                "<" => ordering == Ordering::Less,
                "<=" => ordering != Ordering::Greater,
                ">" => ordering == Ordering::Greater,
                _ => ordering != Ordering::Less,
            }
        }
    }
}

enum Separator {
    Blanks,
    Char(char),
    Regex(Regex),
}

fn split<'a>(line: &'a str, separator: &Separator) -> Vec<&'a str> {
    match separator {
        Separator::Blanks => line.split([' ', '\t']).filter(|f| !f.is_empty()).collect(),
        Separator::Char(c) => {
            if line.is_empty() {
                Vec::new()
            } else {
                line.split(*c).collect()
            }
        }
        Separator::Regex(regex) => {
            if line.is_empty() {
                Vec::new()
            } else {
                regex.split(line).collect()
            }
        }
    }
}

pub(super) fn awk(args: &[String], inputs: &mut Inputs<'_>) -> CommandOutput {
    let mut separator = Separator::Blanks;
    let mut index = 0;
    while let Some(arg) = args.get(index) {
        if arg == "--" {
            index += 1;
            break;
        }
        let Some(value) = arg.strip_prefix("-F") else {
            if arg.starts_with('-') && arg.len() > 1 {
                return CommandOutput::fail(2).line_err(UNSUPPORTED);
            }
            break;
        };
        let value = if value.is_empty() {
            index += 1;
            match args.get(index) {
                Some(v) => v.clone(),
                None => return CommandOutput::fail(2).line_err(USAGE),
            }
        } else {
            value.to_owned()
        };
        let value = value.replace("\\t", "\t");
        let mut chars = value.chars();
        separator = match (chars.next(), chars.next()) {
            (None, _) | (Some(' '), None) => Separator::Blanks,
            (Some(c), None) => Separator::Char(c),
            _ => match translate(&value, Syntax::Extended)
                .ok()
                .and_then(|(text, _)| Regex::new(&text).ok())
            {
                Some(regex) => Separator::Regex(regex),
                None => {
                    return CommandOutput::fail(2)
                        .line_err(&format!("awk: regular expression compile failed: {value}"));
                }
            },
        };
        index += 1;
    }
    let Some(program) = args.get(index) else {
        return CommandOutput::fail(2).line_err(USAGE);
    };
    let rules = match tokenize(program) {
        Some(tokens) => match (Parser {
            tokens,
            pos: 0,
            depth: 0,
        })
        .program()
        {
            Ok(rules) => rules,
            Err(message) => return CommandOutput::fail(2).line_err(&message),
        },
        None => return CommandOutput::fail(2).line_err(UNSUPPORTED),
    };
    let operands = &args[index + 1..];
    if operands.iter().any(|o| o.contains('=')) {
        return CommandOutput::fail(2).line_err(UNSUPPORTED);
    }
    let names: Vec<String> = if operands.is_empty() {
        vec!["-".to_owned()]
    } else {
        operands.to_vec()
    };
    let mut out = CommandOutput::ok();
    let mut body = String::new();
    let mut nr = 0;
    for name in names {
        let Some(text) = inputs.read(&name) else {
            out.push(super::Stream::Stdout, &std::mem::take(&mut body));
            return out
                .line_err(&format!("awk: cannot open {name} (No such file or directory)"))
                .with_status(2);
        };
        for line in lines(&text) {
            nr += 1;
            let record = Record {
                line,
                fields: split(line, &separator),
                nr,
            };
            for rule in &rules {
                if !matches(&rule.pattern, &record) {
                    continue;
                }
                match &rule.print {
                    None => body.push_str(line),
                    Some(items) if items.is_empty() => body.push_str(line),
                    Some(items) => {
                        let texts: Vec<String> = items.iter().map(|e| eval(e, &record).text()).collect();
                        body.push_str(&texts.join(" "));
                    }
                }
                body.push('\n');
            }
        }
    }
    out.push(super::Stream::Stdout, &body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str], stdin: &str) -> CommandOutput {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let files = |_: &str| None;
        let mut inputs = Inputs::new(stdin, &files);
        awk(&args, &mut inputs)
    }

    const PODS: &str = "NAME READY STATUS\nweb-1 1/1 Running\ndb-0 0/1 Pending\n";

    #[test]
    fn prints_fields() {
        assert_eq!(run(&["{print $1}"], PODS).stdout_text(), "NAME\nweb-1\ndb-0\n");
        assert_eq!(
            run(&["{print $1, $NF}"], PODS).stdout_text(),
            "NAME STATUS\nweb-1 Running\ndb-0 Pending\n"
        );
        assert_eq!(run(&["{print $(NF-1)}"], PODS).stdout_text(), "READY\n1/1\n0/1\n");
        assert_eq!(run(&["{print $1 \":\" NR}"], "a b\n").stdout_text(), "a:1\n");
        assert_eq!(run(&["-F:", "{print $2}"], "a:b:c\n").stdout_text(), "b\n");
        assert_eq!(run(&["-F", "\\t", "{print $2}"], "a b\tc\n").stdout_text(), "c\n");
    }

    #[test]
    fn patterns_select_lines() {
        assert_eq!(run(&["NR>1 {print $1}"], PODS).stdout_text(), "web-1\ndb-0\n");
        assert_eq!(run(&["/Running/ {print $1}"], PODS).stdout_text(), "web-1\n");
        assert_eq!(
            run(&["!/Running/"], PODS).stdout_text(),
            "NAME READY STATUS\ndb-0 0/1 Pending\n"
        );
        assert_eq!(run(&["$3 == \"Pending\" {print $1}"], PODS).stdout_text(), "db-0\n");
        assert_eq!(run(&["$2 ~ /^0/ {print $1}"], PODS).stdout_text(), "db-0\n");
        assert_eq!(
            run(&["/web/ && !/Pending/ || NR==1 {print $1}"], PODS).stdout_text(),
            "NAME\nweb-1\n"
        );
    }

    #[test]
    fn anything_else_is_refused() {
        for program in [
            "BEGIN {print 1}",
            "{sum += $2} END {print sum}",
            "{printf \"%s\", $1}",
            "{print $1",
        ] {
            let out = run(&[program], PODS);
            assert_eq!(out.status, 2, "{program}");
            assert!(out.stderr_text().contains("only simple programs"), "{program}");
        }
    }
}
