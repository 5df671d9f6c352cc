//! `-o go-template`: the part of Go's text/template people use with kubectl, over decoded
//! JSON values (kubectl hands the template a `map[string]interface {}`): text and `{{…}}`
//! actions with `{{-`/`-}}` trimming and comments; fields (`.a.b`), `$`, variables
//! (`$x := …`, `range $i, $v := …`); `if`/`else if`/`else`, `range` (with `else`), `with`;
//! pipelines (`a | f`); literals; parenthesised pipelines; and the functions `and`, `or`,
//! `not`, `len`, `index`, `print`, `printf`, `println`, `eq`, `ne`, `lt`, `le`, `gt`, `ge`,
//! plus kubectl's own `exists` and `base64decode`.
//!
//! The Go template crates for Rust (gtmpl) are unmaintained and use their own value type;
//! this subset is small enough to own and prints exactly as Go's `fmt` does (see `gofmt`).

use super::gofmt;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq)]
enum Arg {
    /// `.a.b` (empty path: `.`)
    Dot(Vec<String>),
    /// `$x.a.b` (`$` alone is the root)
    Var(String, Vec<String>),
    Lit(Value),
    Nil,
    Func(String),
    /// `(pipeline).a.b`
    Paren(Box<Pipeline>, Vec<String>),
}

#[derive(Clone, Debug, PartialEq)]
struct Command {
    args: Vec<Arg>,
}

#[derive(Clone, Debug, PartialEq)]
struct Pipeline {
    /// `$x :=` / `$i, $v :=` / `$x =`
    decl: Vec<String>,
    cmds: Vec<Command>,
}

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Text(String),
    Action(Pipeline),
    If(Pipeline, Vec<Node>, Vec<Node>),
    Range(Pipeline, Vec<Node>, Vec<Node>),
    With(Pipeline, Vec<Node>, Vec<Node>),
}

/// A parsed template.
#[derive(Clone, Debug)]
pub(crate) struct GoTemplate {
    nodes: Vec<Node>,
}

// ---- lexing of the actions ----------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Dot(Vec<String>),
    Var(String, Vec<String>),
    Ident(String),
    Str(String),
    Num(Value),
    Pipe,
    LParen,
    RParen,
    /// Fields after a closing parenthesis: `(…).a.b`
    Fields(Vec<String>),
    Declare,
    Assign,
    Comma,
}

fn lex_action(src: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    let mut toks = Vec::new();
    let fields = |i: &mut usize| -> Vec<String> {
        let mut out = Vec::new();
        while *i < chars.len() && chars[*i] == '.' {
            let start = *i + 1;
            let mut j = start;
            while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            if j == start {
                break;
            }
            out.push(chars[start..j].iter().collect());
            *i = j;
        }
        out
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '|' => {
                toks.push(Tok::Pipe);
                i += 1;
            }
            '(' => {
                toks.push(Tok::LParen);
                i += 1;
            }
            ')' => {
                toks.push(Tok::RParen);
                i += 1;
                let f = fields(&mut i);
                if !f.is_empty() {
                    toks.push(Tok::Fields(f));
                }
            }
            ',' => {
                toks.push(Tok::Comma);
                i += 1;
            }
            ':' if chars.get(i + 1) == Some(&'=') => {
                toks.push(Tok::Declare);
                i += 2;
            }
            '=' => {
                toks.push(Tok::Assign);
                i += 1;
            }
            '.' => {
                if chars.get(i + 1).is_some_and(|c| c.is_ascii_digit()) {
                    let (n, j) = lex_number(&chars, i)?;
                    toks.push(Tok::Num(n));
                    i = j;
                    continue;
                }
                let f = fields(&mut i);
                if f.is_empty() {
                    i += 1;
                }
                toks.push(Tok::Dot(f));
            }
            '$' => {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let name: String = chars[start..i].iter().collect();
                let f = fields(&mut i);
                toks.push(Tok::Var(name, f));
            }
            '"' => {
                let mut j = i + 1;
                let mut s = String::new();
                loop {
                    match chars.get(j) {
                        None | Some('\n') => return Err("unterminated quoted string".into()),
                        Some('"') => break,
                        Some('\\') => {
                            let e = chars.get(j + 1).copied().unwrap_or(' ');
                            s.push(match e {
                                'n' => '\n',
                                't' => '\t',
                                'r' => '\r',
                                '\\' => '\\',
                                '"' => '"',
                                '\'' => '\'',
                                other => return Err(format!("invalid syntax: \\{other}")),
                            });
                            j += 2;
                        }
                        Some(c) => {
                            s.push(*c);
                            j += 1;
                        }
                    }
                }
                toks.push(Tok::Str(s));
                i = j + 1;
            }
            '`' => {
                let j = chars[i + 1..]
                    .iter()
                    .position(|c| *c == '`')
                    .ok_or("unterminated raw quoted string")?;
                toks.push(Tok::Str(chars[i + 1..i + 1 + j].iter().collect()));
                i += j + 2;
            }
            c if c.is_ascii_digit()
                || ((c == '-' || c == '+') && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) =>
            {
                let (n, j) = lex_number(&chars, i)?;
                toks.push(Tok::Num(n));
                i = j;
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                toks.push(Tok::Ident(chars[start..i].iter().collect()));
            }
            other => return Err(format!("unexpected {:?} in command", other.to_string())),
        }
    }
    Ok(toks)
}

fn lex_number(chars: &[char], start: usize) -> Result<(Value, usize), String> {
    let mut j = start;
    if matches!(chars[j], '-' | '+') {
        j += 1;
    }
    while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '.') {
        j += 1;
    }
    let text: String = chars[start..j].iter().collect();
    if let Ok(i) = text.parse::<i64>() {
        return Ok((Value::from(i), j));
    }
    match text.parse::<f64>() {
        Ok(f) => Ok((Value::from(f), j)),
        Err(_) => Err(format!("bad number syntax: {text:?}")),
    }
}

// ---- parsing ------------------------------------------------------------------------------

fn parse_pipeline(toks: &[Tok]) -> Result<Pipeline, String> {
    let mut decl = Vec::new();
    let mut rest = toks;
    // `$x :=`, `$i, $v :=`, `$x =`
    let decl_end = toks.iter().position(|t| matches!(t, Tok::Declare | Tok::Assign));
    if let Some(end) = decl_end
        && toks[..end]
            .iter()
            .all(|t| matches!(t, Tok::Var(_, f) if f.is_empty()) || *t == Tok::Comma)
        && end > 0
    {
        for t in &toks[..end] {
            if let Tok::Var(name, _) = t {
                decl.push(name.clone());
            }
        }
        rest = &toks[end + 1..];
    }
    let mut cmds = Vec::new();
    let mut cur = Vec::new();
    let mut i = 0;
    while i < rest.len() {
        match &rest[i] {
            Tok::Pipe => {
                if cur.is_empty() {
                    return Err("missing command".into());
                }
                cmds.push(Command {
                    args: std::mem::take(&mut cur),
                });
                i += 1;
            }
            Tok::LParen => {
                let mut depth = 0;
                let mut j = i;
                loop {
                    match rest.get(j) {
                        None => return Err("unclosed left paren".into()),
                        Some(Tok::LParen) => depth += 1,
                        Some(Tok::RParen) => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                let inner = parse_pipeline(&rest[i + 1..j])?;
                let fields = match rest.get(j + 1) {
                    Some(Tok::Fields(f)) => {
                        j += 1;
                        f.clone()
                    }
                    _ => Vec::new(),
                };
                cur.push(Arg::Paren(Box::new(inner), fields));
                i = j + 1;
            }
            Tok::RParen => return Err("unexpected right paren".into()),
            Tok::Dot(f) => {
                cur.push(Arg::Dot(f.clone()));
                i += 1;
            }
            Tok::Var(n, f) => {
                cur.push(Arg::Var(n.clone(), f.clone()));
                i += 1;
            }
            Tok::Str(s) => {
                cur.push(Arg::Lit(Value::String(s.clone())));
                i += 1;
            }
            Tok::Num(n) => {
                cur.push(Arg::Lit(n.clone()));
                i += 1;
            }
            Tok::Ident(id) => {
                cur.push(match id.as_str() {
                    "true" => Arg::Lit(Value::Bool(true)),
                    "false" => Arg::Lit(Value::Bool(false)),
                    "nil" => Arg::Nil,
                    f if FUNCS.contains(&f) => Arg::Func(f.to_string()),
                    other => return Err(format!("function {other:?} not defined")),
                });
                i += 1;
            }
            Tok::Fields(_) | Tok::Declare | Tok::Assign | Tok::Comma => {
                return Err("unexpected token in command".into());
            }
        }
    }
    if cur.is_empty() {
        return Err(if cmds.is_empty() {
            "missing value for command".into()
        } else {
            "missing command".into()
        });
    }
    cmds.push(Command { args: cur });
    Ok(Pipeline { decl, cmds })
}

const FUNCS: &[&str] = &[
    "and",
    "or",
    "not",
    "len",
    "index",
    "print",
    "printf",
    "println",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "exists",
    "base64decode",
];

/// Splits the template into text and action sources, applying trim markers.
fn split(src: &str) -> Result<Vec<(bool, String)>, String> {
    let mut out: Vec<(bool, String)> = Vec::new();
    let mut rest = src;
    while let Some(open) = rest.find("{{") {
        let mut text = rest[..open].to_string();
        let after = &rest[open + 2..];
        let trim_left = after.starts_with("- ") || after.starts_with("-\t") || after.starts_with("-\n");
        if trim_left {
            text = text.trim_end().to_string();
        }
        if !text.is_empty() {
            out.push((false, text));
        }
        let body_start = if trim_left { 2 } else { 0 };
        let close = after.find("}}").ok_or("unclosed action")?;
        let mut body = &after[body_start..close];
        let trim_right = body.ends_with(" -") || body.ends_with("\t-") || body.ends_with("\n-");
        if trim_right {
            body = &body[..body.len() - 2];
        }
        out.push((true, body.to_string()));
        rest = &after[close + 2..];
        if trim_right {
            rest = rest.trim_start();
        }
    }
    if !rest.is_empty() {
        out.push((false, rest.to_string()));
    }
    Ok(out)
}

enum Stop {
    End,
    Else(Option<Pipeline>),
    Eof,
}

fn parse_nodes(items: &[(bool, String)], i: &mut usize) -> Result<(Vec<Node>, Stop), String> {
    let mut nodes = Vec::new();
    while *i < items.len() {
        let (is_action, body) = &items[*i];
        *i += 1;
        if !is_action {
            nodes.push(Node::Text(body.clone()));
            continue;
        }
        let t = body.trim();
        if t.starts_with("/*") {
            if !t.ends_with("*/") {
                return Err("unclosed comment".into());
            }
            continue;
        }
        let toks = lex_action(t)?;
        match toks.first() {
            Some(Tok::Ident(k)) if k == "end" => return Ok((nodes, Stop::End)),
            Some(Tok::Ident(k)) if k == "else" => {
                let cond = match toks.get(1) {
                    Some(Tok::Ident(k)) if k == "if" => Some(parse_pipeline(&toks[2..])?),
                    None => None,
                    _ => return Err("unexpected token after else".into()),
                };
                return Ok((nodes, Stop::Else(cond)));
            }
            Some(Tok::Ident(k)) if matches!(k.as_str(), "if" | "range" | "with") => {
                let kind = k.clone();
                let pipe = parse_pipeline(&toks[1..])?;
                nodes.push(parse_control(&kind, pipe, items, i)?);
            }
            Some(Tok::Ident(k)) if matches!(k.as_str(), "define" | "template" | "block") => {
                return Err(format!("{{{{{k}}}}} is not supported by kubedrill's go-template"));
            }
            None => return Err("missing value for command".into()),
            _ => nodes.push(Node::Action(parse_pipeline(&toks)?)),
        }
    }
    Ok((nodes, Stop::Eof))
}

fn parse_control(kind: &str, pipe: Pipeline, items: &[(bool, String)], i: &mut usize) -> Result<Node, String> {
    let (body, stop) = parse_nodes(items, i)?;
    let else_nodes = match stop {
        Stop::Eof => return Err(format!("unexpected EOF in {kind}")),
        Stop::End => Vec::new(),
        Stop::Else(None) => match parse_nodes(items, i)? {
            (nodes, Stop::End) => nodes,
            _ => return Err(format!("expected end; found else in {kind}")),
        },
        // `else if` is an if inside the else branch that shares the `end`.
        Stop::Else(Some(cond)) if kind == "if" => vec![parse_control("if", cond, items, i)?],
        Stop::Else(Some(_)) => return Err("else if is only for if".into()),
    };
    Ok(match kind {
        "if" => Node::If(pipe, body, else_nodes),
        "range" => Node::Range(pipe, body, else_nodes),
        _ => Node::With(pipe, body, else_nodes),
    })
}

// ---- execution ----------------------------------------------------------------------------

/// A value during execution: `None` is Go's invalid value (a missing map key), printed as
/// `<no value>`.
type TVal = Option<Value>;

struct State<'a> {
    root: &'a Value,
    vars: Vec<BTreeMap<String, TVal>>,
    out: String,
}

impl GoTemplate {
    /// Parses a template; the error follows `error parsing template TEMPLATE, template: output:1: `.
    pub(crate) fn parse(src: &str) -> Result<Self, String> {
        let items = split(src)?;
        let mut i = 0;
        let (nodes, stop) = parse_nodes(&items, &mut i)?;
        match stop {
            Stop::Eof => Ok(Self { nodes }),
            Stop::End => Err("unexpected {{end}}".into()),
            Stop::Else(_) => Err("unexpected {{else}}".into()),
        }
    }

    pub(crate) fn execute(&self, data: &Value) -> Result<String, String> {
        let mut st = State {
            root: data,
            vars: vec![BTreeMap::new()],
            out: String::new(),
        };
        st.vars[0].insert("$".into(), Some(data.clone()));
        let dot = Some(data.clone());
        exec_nodes(&self.nodes, &dot, &mut st)?;
        Ok(st.out)
    }
}

fn exec_nodes(nodes: &[Node], dot: &TVal, st: &mut State<'_>) -> Result<(), String> {
    for n in nodes {
        match n {
            Node::Text(t) => st.out.push_str(t),
            Node::Action(p) => {
                let v = eval_pipeline(p, dot, st)?;
                if p.decl.is_empty() {
                    st.out.push_str(&print_value(&v));
                }
            }
            Node::If(p, body, other) => {
                st.vars.push(BTreeMap::new());
                let v = eval_pipeline(p, dot, st)?;
                let r = if truth(&v) {
                    exec_nodes(body, dot, st)
                } else {
                    exec_nodes(other, dot, st)
                };
                st.vars.pop();
                r?;
            }
            Node::With(p, body, other) => {
                st.vars.push(BTreeMap::new());
                let v = eval_pipeline(p, dot, st)?;
                let r = if truth(&v) {
                    exec_nodes(body, &v, st)
                } else {
                    exec_nodes(other, dot, st)
                };
                st.vars.pop();
                r?;
            }
            Node::Range(p, body, other) => exec_range(p, body, other, dot, st)?,
        }
    }
    Ok(())
}

fn exec_range(p: &Pipeline, body: &[Node], other: &[Node], dot: &TVal, st: &mut State<'_>) -> Result<(), String> {
    let mut plain = p.clone();
    plain.decl.clear();
    let v = eval_pipeline(&plain, dot, st)?;
    let items: Vec<(Value, Value)> = match &v {
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, x)| (Value::from(i as i64), x.clone()))
            .collect(),
        Some(Value::Object(m)) => m.iter().map(|(k, x)| (Value::String(k.clone()), x.clone())).collect(),
        Some(Value::Number(n)) if n.as_i64().is_some() => (0..n.as_i64().unwrap_or(0))
            .map(|i| (Value::from(i), Value::from(i)))
            .collect(),
        None | Some(Value::Null) => Vec::new(),
        Some(other) => return Err(format!("range can't iterate over {}", gofmt::sprint(other))),
    };
    if items.is_empty() {
        return exec_nodes(other, dot, st);
    }
    for (k, x) in items {
        let mut scope = BTreeMap::new();
        match p.decl.as_slice() {
            [v] => {
                scope.insert(v.clone(), Some(x.clone()));
            }
            [i, v] => {
                scope.insert(i.clone(), Some(k));
                scope.insert(v.clone(), Some(x.clone()));
            }
            _ => {}
        }
        st.vars.push(scope);
        let r = exec_nodes(body, &Some(x), st);
        st.vars.pop();
        r?;
    }
    Ok(())
}

fn truth(v: &TVal) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(m)) => !m.is_empty(),
    }
}

fn print_value(v: &TVal) -> String {
    match v {
        None => "<no value>".into(),
        Some(v) => gofmt::sprint(v),
    }
}

fn lookup_var(st: &State<'_>, name: &str) -> Result<TVal, String> {
    for scope in st.vars.iter().rev() {
        if let Some(v) = scope.get(name) {
            return Ok(v.clone());
        }
    }
    Err(format!("undefined variable: {name}"))
}

fn field_chain(mut v: TVal, fields: &[String]) -> Result<TVal, String> {
    for f in fields {
        v = match v {
            Some(Value::Object(mut m)) => m.remove(f),
            None | Some(Value::Null) => None,
            Some(other) => {
                return Err(format!("can't evaluate field {f} in type {}", gofmt::type_name(&other)));
            }
        };
    }
    Ok(v)
}

fn eval_pipeline(p: &Pipeline, dot: &TVal, st: &mut State<'_>) -> Result<TVal, String> {
    let mut last: Option<TVal> = None;
    for cmd in &p.cmds {
        last = Some(eval_command(cmd, dot, st, last)?);
    }
    let v = last.unwrap_or(None);
    match p.decl.as_slice() {
        [] => {}
        [name] => {
            // `$x = …` assigns to the innermost existing variable; `:=` declares here.
            let existing = st.vars.iter_mut().rev().find(|s| s.contains_key(name));
            match existing {
                Some(scope) => {
                    scope.insert(name.clone(), v.clone());
                }
                None => {
                    if let Some(top) = st.vars.last_mut() {
                        top.insert(name.clone(), v.clone());
                    }
                }
            }
        }
        _ => return Err("too many declarations in command".into()),
    }
    Ok(v)
}

fn eval_arg(a: &Arg, dot: &TVal, st: &mut State<'_>) -> Result<TVal, String> {
    match a {
        Arg::Dot(f) => field_chain(dot.clone(), f),
        Arg::Var(name, f) => {
            let v = if name == "$" {
                Some(st.root.clone())
            } else {
                lookup_var(st, name)?
            };
            field_chain(v, f)
        }
        Arg::Lit(v) => Ok(Some(v.clone())),
        Arg::Nil => Err("nil is not a command".into()),
        Arg::Paren(p, f) => {
            let v = eval_pipeline(p, dot, st)?;
            field_chain(v, f)
        }
        Arg::Func(name) => call(name, Vec::new()),
    }
}

fn eval_command(cmd: &Command, dot: &TVal, st: &mut State<'_>, piped: Option<TVal>) -> Result<TVal, String> {
    let Some(first) = cmd.args.first() else {
        return Err("empty command".into());
    };
    if let Arg::Func(name) = first {
        let mut args = Vec::new();
        for a in &cmd.args[1..] {
            args.push(eval_arg(a, dot, st)?);
        }
        if let Some(p) = piped {
            args.push(p);
        }
        return call(name, args);
    }
    if cmd.args.len() > 1 || piped.is_some() {
        return Err(format!("can't give argument to non-function {}", arg_text(first)));
    }
    eval_arg(first, dot, st)
}

fn arg_text(a: &Arg) -> String {
    match a {
        Arg::Dot(f) => format!(".{}", f.join(".")),
        Arg::Var(n, f) if f.is_empty() => n.clone(),
        Arg::Var(n, f) => format!("{n}.{}", f.join(".")),
        Arg::Lit(v) => gofmt::sprint(v),
        Arg::Nil => "nil".into(),
        Arg::Func(f) => f.clone(),
        Arg::Paren(..) => "(…)".into(),
    }
}

fn call(name: &str, args: Vec<TVal>) -> Result<TVal, String> {
    let want = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            Err(format!("wrong number of args for {name}: want {n} got {}", args.len()))
        }
    };
    Ok(match name {
        "and" => {
            if args.is_empty() {
                return Err("wrong number of args for and: want at least 1 got 0".into());
            }
            let mut last = None;
            for a in args {
                if !truth(&a) {
                    return Ok(a);
                }
                last = a;
            }
            last
        }
        "or" => {
            if args.is_empty() {
                return Err("wrong number of args for or: want at least 1 got 0".into());
            }
            let mut last = None;
            for a in args {
                if truth(&a) {
                    return Ok(a);
                }
                last = a;
            }
            last
        }
        "not" => {
            want(1)?;
            Some(Value::Bool(!truth(&args[0])))
        }
        "len" => {
            want(1)?;
            let n = match &args[0] {
                Some(Value::Array(a)) => a.len(),
                Some(Value::Object(m)) => m.len(),
                Some(Value::String(s)) => s.len(),
                other => {
                    return Err(format!(
                        "error calling len: len of type {}",
                        other.as_ref().map_or("<nil>", gofmt::type_name)
                    ));
                }
            };
            Some(Value::from(n as i64))
        }
        "index" => {
            let mut it = args.into_iter();
            let mut v = it
                .next()
                .ok_or("wrong number of args for index: want at least 1 got 0")?;
            for k in it {
                v = match (v, k) {
                    (Some(Value::Object(mut m)), Some(Value::String(key))) => m.remove(&key),
                    (Some(Value::Array(a)), Some(Value::Number(n))) => {
                        let i = n.as_i64().unwrap_or(-1);
                        if i < 0 || i as usize >= a.len() {
                            return Err(format!("error calling index: index out of range: {i}"));
                        }
                        Some(a[i as usize].clone())
                    }
                    (None | Some(Value::Null), _) => {
                        return Err("error calling index: index of untyped nil".into());
                    }
                    (Some(other), _) => {
                        return Err(format!(
                            "error calling index: can't index item of type {}",
                            gofmt::type_name(&other)
                        ));
                    }
                };
            }
            v
        }
        "print" | "println" => {
            let texts: Vec<String> = args.iter().map(print_value).collect();
            let mut s = String::new();
            for (i, t) in texts.iter().enumerate() {
                // Print adds spaces between operands when neither is a string; Println always.
                let both_non_string = i > 0
                    && !matches!(args[i - 1], Some(Value::String(_)))
                    && !matches!(args[i], Some(Value::String(_)));
                if i > 0 && (name == "println" || both_non_string) {
                    s.push(' ');
                }
                s.push_str(t);
            }
            if name == "println" {
                s.push('\n');
            }
            Some(Value::String(s))
        }
        "printf" => {
            let mut it = args.into_iter();
            let Some(Some(Value::String(fmt))) = it.next() else {
                return Err("wrong type for value; expected string".into());
            };
            Some(Value::String(sprintf(&fmt, &it.collect::<Vec<_>>())))
        }
        "eq" | "ne" | "lt" | "le" | "gt" | "ge" => {
            if args.len() < 2 {
                return Err(format!("error calling {name}: missing argument for comparison"));
            }
            let a = args[0].clone().unwrap_or(Value::Null);
            let op = match name {
                "eq" => "==",
                "ne" => "!=",
                "lt" => "<",
                "le" => "<=",
                "gt" => ">",
                _ => ">=",
            };
            if name == "eq" {
                // eq compares its first argument with each of the others.
                let mut any = false;
                for b in &args[1..] {
                    let b = b.clone().unwrap_or(Value::Null);
                    any |= super::jsonpath::compare(&a, &b, "==").map_err(|e| format!("error calling eq: {e}"))?;
                }
                Some(Value::Bool(any))
            } else {
                want(2)?;
                let b = args[1].clone().unwrap_or(Value::Null);
                Some(Value::Bool(
                    super::jsonpath::compare(&a, &b, op).map_err(|e| format!("error calling {name}: {e}"))?,
                ))
            }
        }
        "exists" => {
            let mut it = args.into_iter();
            let mut v = it.next().unwrap_or(None);
            for k in it {
                v = match (v, k) {
                    (Some(Value::Object(mut m)), Some(Value::String(key))) => m.remove(&key),
                    (Some(Value::Array(a)), Some(Value::Number(n))) => {
                        n.as_i64().and_then(|i| a.get(i as usize).cloned())
                    }
                    _ => None,
                };
            }
            Some(Value::Bool(!matches!(v, None | Some(Value::Null))))
        }
        "base64decode" => {
            want(1)?;
            let Some(Value::String(s)) = &args[0] else {
                return Err("error calling base64decode: expected a string".into());
            };
            let bytes = base64_decode(s).ok_or_else(|| {
                format!("error calling base64decode: base64 decode failed: illegal base64 data at input byte 0 ({s})")
            })?;
            Some(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        }
        other => return Err(format!("function {other:?} not defined")),
    })
}

/// Standard base64 (what Secret data holds).
pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let s = s.trim_end_matches('=');
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = ALPHABET.iter().position(|a| *a == c)? as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Standard base64 encoding.
pub(crate) fn base64_encode(data: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Go's `fmt.Sprintf` for the verbs templates use: `%s %v %d %q %f %x %t %%`, with width,
/// `-` and precision.
pub(crate) fn sprintf(fmt: &str, args: &[TVal]) -> String {
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    let mut next_arg = 0;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut left = false;
        let mut zero = false;
        while let Some(&f) = chars.peek() {
            match f {
                '-' => left = true,
                '0' => zero = true,
                '+' | ' ' | '#' => {}
                _ => break,
            }
            chars.next();
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            chars.next();
        }
        let mut prec: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                p.push(d);
                chars.next();
            }
            prec = Some(p.parse().unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next_arg) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        next_arg += 1;
        let text = format_verb(verb, arg, prec);
        let w: usize = width.parse().unwrap_or(0);
        let len = text.chars().count();
        if len >= w {
            out.push_str(&text);
        } else if left {
            out.push_str(&text);
            out.push_str(&" ".repeat(w - len));
        } else {
            let pad = if zero && verb != 's' { '0' } else { ' ' };
            out.push_str(&pad.to_string().repeat(w - len));
            out.push_str(&text);
        }
    }
    if next_arg < args.len() {
        out.push_str("%!(EXTRA ");
        let extra: Vec<String> = args[next_arg..]
            .iter()
            .map(|a| format!("{}={}", a.as_ref().map_or("<nil>", gofmt::type_name), print_value(a)))
            .collect();
        out.push_str(&extra.join(", "));
        out.push(')');
    }
    out
}

fn format_verb(verb: char, arg: &TVal, prec: Option<usize>) -> String {
    let bad = |v: &TVal| {
        format!(
            "%!{verb}({}={})",
            v.as_ref().map_or("<nil>", gofmt::type_name),
            print_value(v)
        )
    };
    match (verb, arg) {
        ('v', v) => print_value(v),
        ('s', Some(Value::String(s))) => match prec {
            Some(p) => s.chars().take(p).collect(),
            None => s.clone(),
        },
        ('s', v @ Some(Value::Object(_) | Value::Array(_))) => print_value(v),
        ('q', Some(Value::String(s))) => gofmt::quote(s),
        ('d', Some(Value::Number(n))) if n.as_i64().is_some() => n.as_i64().unwrap_or(0).to_string(),
        ('x', Some(Value::Number(n))) if n.as_i64().is_some() => format!("{:x}", n.as_i64().unwrap_or(0)),
        ('x', Some(Value::String(s))) => s.bytes().map(|b| format!("{b:02x}")).collect(),
        ('f', Some(Value::Number(n))) => format!("{:.*}", prec.unwrap_or(6), n.as_f64().unwrap_or(0.0)),
        ('t', Some(Value::Bool(b))) => b.to_string(),
        (_, v) => bad(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod() -> Value {
        json!({"kind": "Pod", "metadata": {"name": "web-1", "labels": {"app": "web", "tier": "front", "x": "y"}},
            "spec": {"containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80}]},
                                    {"name": "d", "image": "busybox"}]}})
    }

    fn run(t: &str) -> Result<String, String> {
        GoTemplate::parse(t)?.execute(&pod())
    }

    // Expectations printed by kubectl 1.31 on the same object.
    #[test]
    fn prints_what_kubectl_prints() {
        assert_eq!(
            run("{{.metadata.name}} {{.nope}} {{range .spec.containers}}{{.name}}:{{.image}} {{end}}").unwrap(),
            "web-1 <no value> c:nginx d:busybox "
        );
        assert_eq!(run(r#"{{index .metadata.labels "app"}}{{"\n"}}"#).unwrap(), "web\n");
        assert_eq!(
            run(r#"{{printf "%s-%d" .metadata.name 3}}{{len .spec.containers}}"#).unwrap(),
            "web-1-32"
        );
        assert_eq!(run("{{.metadata.labels}}").unwrap(), "map[app:web tier:front x:y]");
        assert_eq!(
            run("{{.spec.containers}}").unwrap(),
            "[map[image:nginx name:c ports:[map[containerPort:80]]] map[image:busybox name:d]]"
        );
        assert_eq!(run("{{.nope.deeper}}").unwrap(), "<no value>");
    }

    #[test]
    fn control_structures() {
        assert_eq!(
            run(r#"{{range $i, $c := .spec.containers}}{{if eq $c.name "c"}}first{{else if eq $i 1}}second{{else}}?{{end}} {{end}}"#)
                .unwrap(),
            "first second "
        );
        assert_eq!(run("{{with .metadata}}{{.name}}{{end}}").unwrap(), "web-1");
        assert_eq!(run("{{range .nope}}x{{else}}empty{{end}}").unwrap(), "empty");
        assert_eq!(run("a  {{- .kind -}}  b").unwrap(), "aPodb");
        assert_eq!(run("{{/* note */}}{{$n := .metadata.name}}{{$n}}").unwrap(), "web-1");
        assert_eq!(run("{{.metadata.name | printf \"%q\"}}").unwrap(), "\"web-1\"");
        assert_eq!(run(r#"{{if exists . "metadata" "labels"}}yes{{end}}"#).unwrap(), "yes");
        assert_eq!(run(r#"{{"aGVsbG8=" | base64decode}}"#).unwrap(), "hello");
    }

    #[test]
    fn errors() {
        assert_eq!(run("{{.metadata.name").unwrap_err(), "unclosed action");
        assert!(run("{{if .kind}}x").unwrap_err().contains("unexpected EOF"));
        assert!(run("{{nosuch .kind}}").unwrap_err().contains("not defined"));
        assert_eq!(base64_encode(b"hello"), "aGVsbG8=");
    }
}
