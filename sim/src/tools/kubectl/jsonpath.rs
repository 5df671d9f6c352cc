//! kubectl's JSONPath dialect (client-go's `util/jsonpath`), over decoded JSON values: a
//! template of literal text and `{…}` actions with fields, `..` recursive descent, `[*]`,
//! indexes and slices, unions, `[?(@.x=="y")]` filters, quoted text (`{"\n"}`) and
//! `{range …}`/`{end}` blocks.
//!
//! No crate implements this dialect: the RFC 9535 crates (serde_json_path, jsonpath-rust) have
//! no template text, no `range`/`end`, a `$`-rooted grammar and other output rules. So the
//! parser and evaluator here follow client-go's behaviour, error texts included. Maps are
//! visited in key order (Go's are random; kubectl's output for `{.a.*}` is then one of the
//! orders real kubectl may print).

use super::gofmt;
use serde_json::Value;
use std::borrow::Cow;
use std::cmp::Ordering;

/// One parsed node, as client-go's parser builds them.
#[derive(Clone, Debug, PartialEq)]
enum Node {
    Text(String),
    /// An action: its nodes are applied in turn.
    List(Vec<Node>),
    Field(String),
    Array([Param; 3]),
    Filter {
        left: Vec<Node>,
        right: Vec<Node>,
        op: String,
    },
    Int(i64),
    Float(f64),
    Bool(bool),
    Wildcard,
    Recursive,
    Union(Vec<Vec<Node>>),
    Identifier(String),
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Param {
    value: i64,
    known: bool,
    /// The end of `[N]`, derived as N+1.
    derived: bool,
}

/// A parsed template.
#[derive(Clone, Debug)]
pub(crate) struct JsonPath {
    root: Vec<Node>,
}

struct Parser<'a> {
    input: &'a str,
    pos: usize,
    start: usize,
}

const EOF: char = '\u{0}';

fn is_terminator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\r' | '\n' | EOF | '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}'
    )
}

fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.input[self.pos..]
    }

    fn next(&mut self) -> char {
        match self.rest().chars().next() {
            Some(c) => {
                self.pos += c.len_utf8();
                c
            }
            None => EOF,
        }
    }

    fn peek(&self) -> char {
        self.rest().chars().next().unwrap_or(EOF)
    }

    fn backup(&mut self, c: char) {
        if c != EOF {
            self.pos -= c.len_utf8();
        }
    }

    fn consume(&mut self) -> &'a str {
        let s = &self.input[self.start..self.pos];
        self.start = self.pos;
        s
    }

    /// Literal text up to the next `{`, then the action.
    fn parse_text(&mut self, root: &mut Vec<Node>) -> Result<(), String> {
        loop {
            if self.rest().starts_with('{') {
                if self.pos > self.start {
                    root.push(Node::Text(self.consume().to_string()));
                }
                self.pos += 1;
                self.consume();
                let mut action = Vec::new();
                self.parse_inside_action(&mut action)?;
                root.push(Node::List(action));
                continue;
            }
            if self.next() == EOF {
                break;
            }
        }
        if self.pos > self.start {
            root.push(Node::Text(self.consume().to_string()));
        }
        Ok(())
    }

    /// The nodes of one action, up to its `}`.
    fn parse_inside_action(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        loop {
            let rest = self.rest();
            if rest.starts_with('}') {
                self.pos += 1;
                self.consume();
                return Ok(());
            }
            if rest.starts_with("[?(") {
                self.parse_filter(cur)?;
                continue;
            }
            if rest.starts_with("..") {
                if matches!(cur.last(), Some(Node::Recursive)) {
                    return Err("invalid multiple recursive descent".into());
                }
                self.pos += 2;
                self.consume();
                cur.push(Node::Recursive);
                if is_alphanumeric(self.peek()) {
                    self.parse_field(cur);
                }
                continue;
            }
            let c = self.next();
            match c {
                EOF | '\r' | '\n' => return Err("unclosed action".into()),
                ' ' | '@' | '$' => {
                    self.consume();
                }
                '[' => self.parse_array(cur)?,
                '"' | '\'' => self.parse_quote(cur, c)?,
                '.' => self.parse_field(cur),
                c if c == '+' || c == '-' || c.is_ascii_digit() => {
                    self.backup(c);
                    self.parse_number(cur)?;
                }
                c if is_alphanumeric(c) => {
                    self.backup(c);
                    self.parse_identifier(cur);
                }
                other => {
                    return Err(format!(
                        "unrecognized character in action: U+{:04X} '{other}'",
                        other as u32
                    ));
                }
            }
        }
    }

    fn parse_identifier(&mut self, cur: &mut Vec<Node>) {
        loop {
            let c = self.next();
            if is_terminator(c) {
                self.backup(c);
                break;
            }
        }
        let value = self.consume();
        cur.push(match value {
            "true" => Node::Bool(true),
            "false" => Node::Bool(false),
            other => Node::Identifier(other.to_string()),
        });
    }

    fn parse_number(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        if matches!(self.peek(), '+' | '-') {
            self.next();
        }
        loop {
            let c = self.next();
            if c != '.' && !c.is_ascii_digit() {
                self.backup(c);
                break;
            }
        }
        let value = self.consume();
        if let Ok(i) = value.parse::<i64>() {
            cur.push(Node::Int(i));
        } else if let Ok(f) = value.parse::<f64>() {
            cur.push(Node::Float(f));
        } else {
            return Err(format!("cannot parse number {value}"));
        }
        Ok(())
    }

    fn parse_field(&mut self, cur: &mut Vec<Node>) {
        self.consume();
        loop {
            let c = self.next();
            if c == '\\' {
                self.next();
            } else if is_terminator(c) {
                self.backup(c);
                break;
            }
        }
        let value = self.consume();
        cur.push(if value == "*" {
            Node::Wildcard
        } else {
            Node::Field(value.replace('\\', ""))
        });
    }

    fn parse_array(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        loop {
            match self.next() {
                EOF | '\n' => return Err("unterminated array".into()),
                ']' => break,
                _ => {}
            }
        }
        let whole = self.consume();
        let mut text = &whole[1..whole.len() - 1];
        if text == "*" {
            text = ":";
        }
        let parts: Vec<&str> = text.split(',').collect();
        if parts.len() > 1 {
            let mut union = Vec::new();
            for part in parts {
                union.push(parse_action(&format!("[{}]", part.trim_matches(' ')))?);
            }
            cur.push(Node::Union(union));
            return Ok(());
        }
        if let Some(key) = text
            .strip_prefix('\'')
            .and_then(|t| t.strip_suffix('\''))
            .filter(|k| !k.contains('\''))
        {
            cur.extend(parse_action(&format!(".{key}"))?);
            return Ok(());
        }
        cur.push(Node::Array(slice_params(text)?));
        Ok(())
    }

    fn parse_filter(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        self.pos += 3;
        self.consume();
        let (mut begin, mut end) = (false, false);
        let mut pair = EOF;
        loop {
            let c = self.next();
            match c {
                EOF | '\n' => return Err("unterminated filter".into()),
                '"' | '\'' => {
                    if !begin {
                        begin = true;
                        pair = c;
                        continue;
                    }
                    let before = self.input[..self.pos - 1].chars().last();
                    if before != Some('\\') && c == pair {
                        end = true;
                    }
                }
                ')' if begin == end => break,
                _ => {}
            }
        }
        if self.next() != ']' {
            return Err("unclosed array expect ]".into());
        }
        let whole = self.consume();
        let text = &whole[..whole.len() - 2];
        match split_comparison(text) {
            None => cur.push(Node::Filter {
                left: parse_action(text)?,
                right: Vec::new(),
                op: "exists".into(),
            }),
            Some((l, op, r)) => cur.push(Node::Filter {
                left: parse_action(l)?,
                right: parse_action(r)?,
                op: op.to_string(),
            }),
        }
        Ok(())
    }

    fn parse_quote(&mut self, cur: &mut Vec<Node>, end: char) -> Result<(), String> {
        loop {
            let c = self.next();
            match c {
                EOF | '\n' => return Err("unterminated quoted string".into()),
                c if c == end => {
                    let before = self.input[..self.pos - c.len_utf8()].chars().last();
                    if before != Some('\\') {
                        break;
                    }
                }
                _ => {}
            }
        }
        let value = self.consume();
        let text = unquote(value).map_err(|e| format!("unquote string {value} error {e}"))?;
        cur.push(Node::Text(text));
        Ok(())
    }
}

/// client-go's `^([^!<>=]+)([!<>=]+)(.+?)$`.
fn split_comparison(text: &str) -> Option<(&str, &str, &str)> {
    let op_start = text.find(['!', '<', '>', '='])?;
    if op_start == 0 {
        return None;
    }
    let op_len = text[op_start..]
        .find(|c: char| !matches!(c, '!' | '<' | '>' | '='))
        .unwrap_or(text.len() - op_start);
    let right = &text[op_start + op_len..];
    if right.is_empty() {
        return None;
    }
    Some((&text[..op_start], &text[op_start..op_start + op_len], right))
}

/// client-go's `^(-?[\d]*)(:-?[\d]*)?(:-?[\d]*)?$`, with its rules for unknown parts.
fn slice_params(text: &str) -> Result<[Param; 3], String> {
    let invalid = || format!("invalid array index {text}");
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() > 3 {
        return Err(invalid());
    }
    let int_ok = |s: &str| {
        let digits = s.strip_prefix('-').unwrap_or(s);
        digits.chars().all(|c| c.is_ascii_digit())
    };
    if !parts.iter().all(|p| int_ok(p)) {
        return Err(invalid());
    }
    let mut params = [Param::default(); 3];
    for (i, param) in params.iter_mut().enumerate() {
        match parts.get(i) {
            Some(s) if !s.is_empty() => {
                *param = Param {
                    value: s.parse().map_err(|_| format!("array index {s} is not a number"))?,
                    known: true,
                    derived: false,
                };
            }
            // `[:]`, `[1:]`: the part is there but empty.
            Some(_) if i > 0 => {}
            _ if i == 1 => {
                *param = Param {
                    value: params_first(&parts) + 1,
                    known: true,
                    derived: true,
                };
            }
            _ => {}
        }
    }
    Ok(params)
}

fn params_first(parts: &[&str]) -> i64 {
    parts.first().and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// Go's quoted-string unquoting (`strconv.UnquoteChar` with either quote).
fn unquote(s: &str) -> Result<String, String> {
    let mut chars = s.chars();
    let quote = chars.next().ok_or("invalid syntax")?;
    if s.len() < 2 || !s.ends_with(quote) {
        return Err("invalid syntax".into());
    }
    let body = &s[1..s.len() - 1];
    let mut out = String::new();
    let mut it = body.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let e = it.next().ok_or("invalid syntax")?;
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '\\' => out.push('\\'),
            '\'' | '"' => out.push(e),
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = (0..n).filter_map(|_| it.next()).collect();
                let code = u32::from_str_radix(&hex, 16).map_err(|_| "invalid syntax")?;
                out.push(char::from_u32(code).ok_or("invalid syntax")?);
            }
            _ => return Err("invalid syntax".into()),
        }
    }
    Ok(out)
}

/// Parses the inside of one action (client-go's `parseAction`).
fn parse_action(text: &str) -> Result<Vec<Node>, String> {
    let mut root = Vec::new();
    let wrapped = format!("{{{text}}}");
    let mut p = Parser {
        input: &wrapped,
        pos: 0,
        start: 0,
    };
    p.parse_text(&mut root)?;
    match root.into_iter().next() {
        Some(Node::List(nodes)) => Ok(nodes),
        _ => Ok(Vec::new()),
    }
}

type Res<'a> = Cow<'a, Value>;

/// One piece of a template run: a block of nodes, or a range over a result set.
enum Block<'t> {
    Node(&'t Node),
    Range(&'t [Node], Vec<Block<'t>>),
}

impl JsonPath {
    /// Parses a template. The error is what follows `error parsing jsonpath TEMPLATE, `.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let mut root = Vec::new();
        let mut p = Parser {
            input: text,
            pos: 0,
            start: 0,
        };
        p.parse_text(&mut root)?;
        Ok(Self { root })
    }

    /// Every result set the template yields, in order (client-go's `FindResults`).
    pub(crate) fn find_results<'v>(&self, data: &'v Value, allow_missing: bool) -> Result<Vec<Vec<Res<'v>>>, String> {
        let blocks = blocks(&self.root)?;
        let mut out = Vec::new();
        run_blocks(&blocks, data, allow_missing, &mut out)?;
        Ok(out)
    }

    /// The template's text for one object: values of a set separated by spaces, maps and
    /// lists as compact JSON, strings raw.
    pub(crate) fn execute(&self, data: &Value, allow_missing: bool) -> Result<String, String> {
        let mut s = String::new();
        for set in self.find_results(data, allow_missing)? {
            for (i, v) in set.iter().enumerate() {
                s.push_str(&text_of(v));
                if i + 1 < set.len() {
                    s.push(' ');
                }
            }
        }
        Ok(s)
    }
}

/// A result as jsonpath prints it.
pub(crate) fn text_of(v: &Value) -> String {
    match v {
        Value::Object(_) | Value::Array(_) => gofmt::json_compact(v),
        Value::Null => "null".into(),
        other => gofmt::sprint(other),
    }
}

/// Matches `{range …}` with its `{end}`; an `{end}` outside a range is client-go's error.
fn blocks(nodes: &[Node]) -> Result<Vec<Block<'_>>, String> {
    fn build<'t>(nodes: &'t [Node], i: &mut usize, depth: usize) -> Result<Vec<Block<'t>>, String> {
        let mut out = Vec::new();
        while *i < nodes.len() {
            let node = &nodes[*i];
            *i += 1;
            if let Node::List(action) = node {
                match action.first() {
                    Some(Node::Identifier(id)) if id == "end" => {
                        if depth == 0 {
                            return Err("not in range, nothing to end".into());
                        }
                        return Ok(out);
                    }
                    Some(Node::Identifier(id)) if id == "range" => {
                        let body = build(nodes, i, depth + 1)?;
                        out.push(Block::Range(&action[1..], body));
                        continue;
                    }
                    _ => {}
                }
            }
            out.push(Block::Node(node));
        }
        Ok(out)
    }
    let mut i = 0;
    build(nodes, &mut i, 0)
}

fn run_blocks<'v>(
    blocks: &[Block<'_>],
    data: &'v Value,
    allow_missing: bool,
    out: &mut Vec<Vec<Res<'v>>>,
) -> Result<(), String> {
    for b in blocks {
        match b {
            Block::Node(node) => out.push(walk(vec![Cow::Borrowed(data)], node, allow_missing)?),
            Block::Range(expr, body) => {
                let items = eval_list(vec![Cow::Borrowed(data)], expr, allow_missing)?;
                for item in items {
                    match item {
                        Cow::Borrowed(v) => run_blocks(body, v, allow_missing, out)?,
                        Cow::Owned(v) => {
                            let mut inner = Vec::new();
                            run_blocks(body, &v, allow_missing, &mut inner)?;
                            out.extend(
                                inner
                                    .into_iter()
                                    .map(|set| set.into_iter().map(|r| Cow::Owned(r.into_owned())).collect()),
                            );
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

fn eval_list<'v>(mut cur: Vec<Res<'v>>, nodes: &[Node], allow_missing: bool) -> Result<Vec<Res<'v>>, String> {
    for n in nodes {
        cur = walk(cur, n, allow_missing)?;
    }
    Ok(cur)
}

fn walk<'v>(input: Vec<Res<'v>>, node: &Node, allow_missing: bool) -> Result<Vec<Res<'v>>, String> {
    Ok(match node {
        Node::List(nodes) => eval_list(input, nodes, allow_missing)?,
        Node::Text(t) => vec![Cow::Owned(Value::String(t.clone()))],
        Node::Int(i) => input.iter().map(|_| Cow::Owned(Value::from(*i))).collect(),
        Node::Float(f) => input.iter().map(|_| Cow::Owned(Value::from(*f))).collect(),
        Node::Bool(b) => input.iter().map(|_| Cow::Owned(Value::Bool(*b))).collect(),
        Node::Field(name) => eval_field(input, name, allow_missing)?,
        Node::Array(params) => eval_array(input, params)?,
        Node::Filter { left, right, op } => eval_filter(input, left, right, op, allow_missing)?,
        Node::Wildcard => input.into_iter().flat_map(children).collect(),
        Node::Recursive => {
            let mut out = Vec::new();
            for v in input {
                recursive(v, &mut out);
            }
            out
        }
        Node::Union(parts) => {
            let mut out = Vec::new();
            for p in parts {
                out.extend(eval_list(input.clone(), p, allow_missing)?);
            }
            out
        }
        Node::Identifier(id) if id == "range" || id == "end" => Vec::new(),
        Node::Identifier(id) => return Err(format!("unrecognized identifier {id}")),
    })
}

fn children(v: Res<'_>) -> Vec<Res<'_>> {
    match v {
        Cow::Borrowed(Value::Object(m)) => m.values().map(Cow::Borrowed).collect(),
        Cow::Borrowed(Value::Array(a)) => a.iter().map(Cow::Borrowed).collect(),
        Cow::Owned(Value::Object(m)) => m.into_iter().map(|(_, v)| Cow::Owned(v)).collect(),
        Cow::Owned(Value::Array(a)) => a.into_iter().map(Cow::Owned).collect(),
        Cow::Borrowed(Value::String(s)) => s.chars().map(|c| Cow::Owned(Value::from(c as u32))).collect(),
        Cow::Owned(Value::String(s)) => s.chars().map(|c| Cow::Owned(Value::from(c as u32))).collect(),
        _ => Vec::new(),
    }
}

/// `..`: every value that has children, followed by its descendants.
fn recursive<'v>(v: Res<'v>, out: &mut Vec<Res<'v>>) {
    let kids = children(v.clone());
    if kids.is_empty() {
        return;
    }
    out.push(v);
    for k in kids {
        recursive(k, out);
    }
}

fn eval_field<'v>(input: Vec<Res<'v>>, name: &str, allow_missing: bool) -> Result<Vec<Res<'v>>, String> {
    if input.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for v in input {
        match v {
            Cow::Borrowed(Value::Object(m)) => out.extend(m.get(name).map(Cow::Borrowed)),
            Cow::Owned(Value::Object(mut m)) => out.extend(m.remove(name).map(Cow::Owned)),
            _ => {}
        }
    }
    if out.is_empty() && !allow_missing {
        return Err(format!("{name} is not found"));
    }
    Ok(out)
}

fn eval_array<'v>(input: Vec<Res<'v>>, params: &[Param; 3]) -> Result<Vec<Res<'v>>, String> {
    let mut out = Vec::new();
    for v in input {
        if v.is_null() {
            continue;
        }
        let len = match v.as_ref() {
            Value::Array(a) => a.len() as i64,
            other => return Err(format!("{} is not array or slice", gofmt::type_name(other))),
        };
        let mut p = *params;
        if !p[0].known {
            p[0].value = 0;
        }
        if p[0].value < 0 {
            p[0].value += len;
        }
        if !p[1].known {
            p[1].value = len;
        }
        if p[1].value < 0 || (p[1].value == 0 && p[1].derived) {
            p[1].value += len;
        }
        if p[1].value == p[0].value {
            return Ok(out);
        }
        if p[0].value >= len || p[0].value < 0 {
            return Err(format!("array index out of bounds: index {}, length {len}", p[0].value));
        }
        if p[1].value > len || p[1].value < 0 {
            return Err(format!(
                "array index out of bounds: index {}, length {len}",
                p[1].value - 1
            ));
        }
        if p[0].value > p[1].value {
            return Err(format!(
                "starting index {} is greater than ending index {}",
                p[0].value, p[1].value
            ));
        }
        let step = if p[2].known {
            if p[2].value <= 0 {
                return Err("step must be > 0".into());
            }
            p[2].value as usize
        } else {
            1
        };
        let (from, to) = (p[0].value as usize, p[1].value as usize);
        match v {
            Cow::Borrowed(Value::Array(a)) => out.extend(a[from..to].iter().step_by(step).map(Cow::Borrowed)),
            Cow::Owned(Value::Array(a)) => {
                out.extend(a.into_iter().skip(from).take(to - from).step_by(step).map(Cow::Owned))
            }
            _ => {}
        }
    }
    Ok(out)
}

fn eval_filter<'v>(
    input: Vec<Res<'v>>,
    left: &[Node],
    right: &[Node],
    op: &str,
    allow_missing: bool,
) -> Result<Vec<Res<'v>>, String> {
    let mut out = Vec::new();
    for v in input {
        let items: Vec<Res<'v>> = match v {
            Cow::Borrowed(Value::Array(a)) => a.iter().map(Cow::Borrowed).collect(),
            Cow::Owned(Value::Array(a)) => a.into_iter().map(Cow::Owned).collect(),
            other => {
                return Err(format!(
                    "{} is not array or slice and cannot be filtered",
                    gofmt::sprint(&other)
                ));
            }
        };
        for item in items {
            let lefts = eval_list(vec![item.clone()], left, allow_missing);
            if op == "exists" {
                if lefts.is_ok_and(|l| !l.is_empty()) {
                    out.push(item);
                }
                continue;
            }
            let lefts = lefts?;
            match lefts.len() {
                0 => continue,
                1 => {}
                _ => return Err("can only compare one element at a time".into()),
            }
            let rights = eval_list(vec![item.clone()], right, allow_missing)?;
            match rights.len() {
                0 => continue,
                1 => {}
                _ => return Err("can only compare one element at a time".into()),
            }
            if compare(&lefts[0], &rights[0], op)? {
                out.push(item);
            }
        }
    }
    Ok(out)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BasicKind {
    Bool,
    Int,
    Float,
    Str,
}

fn basic_kind(v: &Value) -> Result<BasicKind, String> {
    match v {
        Value::Bool(_) => Ok(BasicKind::Bool),
        Value::Number(n) if n.is_f64() => Ok(BasicKind::Float),
        Value::Number(_) => Ok(BasicKind::Int),
        Value::String(_) => Ok(BasicKind::Str),
        _ => Err("invalid type for comparison".into()),
    }
}

/// The comparisons of Go's text/template (client-go's fork): same basic kind only.
pub(crate) fn compare(a: &Value, b: &Value, op: &str) -> Result<bool, String> {
    let (ka, kb) = (basic_kind(a)?, basic_kind(b)?);
    if ka != kb {
        return Err("incompatible types for comparison".into());
    }
    let ord = match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => {
            if !matches!(op, "==" | "!=") {
                return Err("invalid type for comparison".into());
            }
            x.cmp(y)
        }
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) if ka == BasicKind::Int => x.as_i64().cmp(&y.as_i64()),
        (Value::Number(x), Value::Number(y)) => x.as_f64().partial_cmp(&y.as_f64()).unwrap_or(Ordering::Equal),
        _ => return Err("invalid type for comparison".into()),
    };
    Ok(match op {
        "==" => ord == Ordering::Equal,
        "!=" => ord != Ordering::Equal,
        "<" => ord == Ordering::Less,
        ">" => ord == Ordering::Greater,
        "<=" => ord != Ordering::Greater,
        ">=" => ord != Ordering::Less,
        other => return Err(format!("unrecognized filter operator {other}")),
    })
}

/// kubectl's relaxed form for `--sort-by` and custom columns: `.a.b`, `a.b`, `{.a.b}` all
/// become `{.a.b}`.
pub(crate) fn relaxed(expr: &str) -> Result<String, String> {
    if expr.is_empty() {
        return Ok(String::new());
    }
    let bad = || {
        "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'"
            .to_string()
    };
    let inner = match expr.strip_prefix('{').and_then(|e| e.strip_suffix('}')) {
        Some(inner) => inner,
        None => expr,
    };
    let inner = inner.strip_prefix('.').unwrap_or(inner);
    if inner.is_empty() || inner.contains(['{', '}']) {
        return Err(bad());
    }
    Ok(format!("{{.{inner}}}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod() -> Value {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-1", "labels": {"app": "web", "tier": "front"}},
            "spec": {"nodeName": "node01", "containers": [
                {"name": "c", "image": "nginx", "ports": [{"containerPort": 80}]},
                {"name": "d", "image": "busybox"}]},
            "status": {"phase": "Running", "conditions": [
                {"type": "Ready", "status": "True"}, {"type": "PodScheduled", "status": "True"}]}})
    }

    fn run(t: &str) -> Result<String, String> {
        JsonPath::parse(t)?.execute(&pod(), true)
    }

    // Each expectation was printed by kubectl 1.31 (`kubectl label --local -f pod.yaml -o jsonpath=…`
    // on the same object).
    #[test]
    fn prints_what_kubectl_prints() {
        assert_eq!(run("{.metadata.labels}").unwrap(), r#"{"app":"web","tier":"front"}"#);
        assert_eq!(run("{.spec.containers[*].name}").unwrap(), "c d");
        assert_eq!(
            run(r#"{range .spec.containers[*]}{.name}{"\t"}{.image}{"\n"}{end}"#).unwrap(),
            "c\tnginx\nd\tbusybox\n"
        );
        assert_eq!(
            run(r#"{.status.conditions[?(@.type=="Ready")].status}"#).unwrap(),
            "True"
        );
        assert_eq!(run("{.nope.x}").unwrap(), "");
        assert_eq!(run("{..image}").unwrap(), "nginx busybox");
        assert_eq!(run("{.spec.containers[0].ports}").unwrap(), r#"[{"containerPort":80}]"#);
        assert_eq!(run("{.metadata.name} {.kind}").unwrap(), "web-1 Pod");
        assert_eq!(run("{.spec.containers[-1:].name}").unwrap(), "d");
        assert_eq!(
            run("{.spec.containers[*]['name','image']}").unwrap(),
            "c d nginx busybox"
        );
        assert_eq!(run("{['metadata.name']}").unwrap(), "web-1");
        assert_eq!(run("{.spec.containers[0].ports[0].containerPort}").unwrap(), "80");
        assert_eq!(run("{.spec.containers[?(@.image)].name}").unwrap(), "c d");
    }

    #[test]
    fn errors_are_client_gos() {
        assert_eq!(run("{.metadata.name").unwrap_err(), "unclosed action");
        assert_eq!(
            run("{.spec.containers[5].name}").unwrap_err(),
            "array index out of bounds: index 5, length 2"
        );
        assert_eq!(
            run(r#"{.spec.containers[*]["name","image"]}"#).unwrap_err(),
            "invalid array index \"name\""
        );
        assert_eq!(run("{end}").unwrap_err(), "not in range, nothing to end");
        assert_eq!(
            JsonPath::parse("{.nope}").unwrap().execute(&pod(), false).unwrap_err(),
            "nope is not found"
        );
        assert_eq!(
            run("{.metadata[0]}").unwrap_err(),
            "map[string]interface {} is not array or slice"
        );
        assert_eq!(
            run(r#"{.spec.containers[?(@.name==3)].name}"#).unwrap_err(),
            "incompatible types for comparison"
        );
    }

    #[test]
    fn ranges_nest_and_text_outside_actions_is_kept() {
        let list = json!({"items": [pod(), pod()]});
        let t = JsonPath::parse(r#"names:{range .items[*]}[{range .spec.containers[*]}{.name},{end}]{end}"#).unwrap();
        assert_eq!(t.execute(&list, true).unwrap(), "names:[c,d,][c,d,]");
    }

    #[test]
    fn relaxed_paths() {
        assert_eq!(relaxed(".metadata.name").unwrap(), "{.metadata.name}");
        assert_eq!(relaxed("metadata.name").unwrap(), "{.metadata.name}");
        assert_eq!(relaxed("{.metadata.name}").unwrap(), "{.metadata.name}");
        assert!(relaxed("{.a}{.b}").is_err());
    }
}
