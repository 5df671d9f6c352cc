//! Just enough of the shell's grammar to plan a line: where its top-level `&&`, `||`, `;` and
//! `|` are, the words of a simple command, quoting for display, and renaming the simulator's
//! node names and IPs to kind's inside a line.

/// A piece of a line between top-level operators.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    /// The operator after it (`&&`, `||`, `;`, `|`), `None` for the last.
    pub op: Option<&'static str>,
}

/// Splits a line at its top-level operators, leaving quotes, `$(...)` and backquotes whole.
/// `Err` for unbalanced quoting (bash would wait for more input).
pub fn segments(line: &str) -> Result<Vec<Segment>, String> {
    let b = line.as_bytes();
    let (mut single, mut double, mut back) = (false, false, false);
    let mut depth = 0usize;
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if single {
            single = c != b'\'';
        } else if c == b'\\' {
            i += 1;
        } else if double {
            if c == b'"' {
                double = false;
            } else if c == b'$' && b.get(i + 1) == Some(&b'(') {
                depth += 1;
                i += 1;
            } else if c == b')' && depth > 0 {
                depth -= 1;
            }
        } else if c == b'\'' {
            single = true;
        } else if c == b'"' {
            double = true;
        } else if c == b'`' {
            back = !back;
        } else if c == b'$' && b.get(i + 1) == Some(&b'(') {
            depth += 1;
            i += 1;
        } else if c == b')' && depth > 0 {
            depth -= 1;
        } else if depth == 0 && !back {
            let two = b.get(i + 1).copied();
            let op: Option<(&'static str, usize)> = match (c, two) {
                (b'&', Some(b'&')) => Some(("&&", 2)),
                (b'|', Some(b'|')) => Some(("||", 2)),
                (b'|', _) => Some(("|", 1)),
                (b';', _) => Some((";", 1)),
                _ => None,
            };
            // `>&` and `|&` stay part of the command (`2>&1`).
            let after_redirect = i > 0 && b[i - 1] == b'>';
            if let Some((op, len)) = op.filter(|_| !after_redirect) {
                out.push(Segment {
                    text: line[start..i].trim().to_string(),
                    op: Some(op),
                });
                i += len;
                start = i;
                continue;
            }
        }
        i += 1;
    }
    if single || double || back || depth > 0 {
        return Err("unbalanced quotes or $( )".to_string());
    }
    let last = line[start..].trim();
    if !last.is_empty() || out.is_empty() {
        out.push(Segment {
            text: last.to_string(),
            op: None,
        });
    }
    Ok(out)
}

/// The words of a simple command, quotes removed (`'a b'` is one word `a b`).
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut have = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                have = true;
                for d in chars.by_ref() {
                    if d == '\'' {
                        break;
                    }
                    cur.push(d);
                }
            }
            '"' => {
                have = true;
                while let Some(d) = chars.next() {
                    match d {
                        '"' => break,
                        '\\' => {
                            if let Some(e) = chars.next() {
                                cur.push(e);
                            }
                        }
                        _ => cur.push(d),
                    }
                }
            }
            '\\' => {
                have = true;
                if let Some(e) = chars.next() {
                    cur.push(e);
                }
            }
            c if c.is_whitespace() => {
                if have {
                    out.push(std::mem::take(&mut cur));
                    have = false;
                }
            }
            c => {
                have = true;
                cur.push(c);
            }
        }
    }
    if have {
        out.push(cur);
    }
    out
}

/// Whether a segment is a plain command whose words can be passed as argv without a shell:
/// no expansions, globs, redirections or grouping outside single quotes.
pub fn is_plain(text: &str) -> bool {
    let mut single = false;
    for c in text.chars() {
        if single {
            single = c != '\'';
            continue;
        }
        match c {
            '\'' => single = true,
            '$' | '`' | '>' | '<' | '|' | ';' | '*' | '?' | '~' | '(' | ')' | '{' | '}' | '[' | '&' | '#' | '\\' => {
                return false;
            }
            _ => {}
        }
    }
    true
}

/// An argument as a shell would need it, for display: bare when safe, else single-quoted.
pub fn quote(arg: &str) -> String {
    let safe = !arg.is_empty()
        && arg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,@%+^{}".contains(&b));
    if safe {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// Renames node names inside a line: whole names only (a name is bounded by the start, the
/// end, blanks, quotes, `=`, `,`, `:`, `(`, `)` or `;`), plus the forms `node/NAME`,
/// `nodes/NAME` and the static pods' `etcd-NAME`, `kube-apiserver-NAME`, ... Longer names are
/// tried first so `cp10` is not read as `cp1`.
pub fn rename_nodes(text: &str, names: &[(String, String)]) -> String {
    let mut order: Vec<&(String, String)> = names.iter().collect();
    order.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    'outer: while i < text.len() {
        for (from, to) in &order {
            if text[i..].starts_with(from.as_str()) && before_ok(&text[..i]) && after_ok(&text[i + from.len()..]) {
                out.push_str(to);
                i += from.len();
                continue 'outer;
            }
        }
        let ch = text[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

const STATIC_POD_PREFIXES: &[&str] = &[
    "etcd-",
    "kube-apiserver-",
    "kube-controller-manager-",
    "kube-scheduler-",
    "node/",
    "nodes/",
    "//",
];

fn before_ok(before: &str) -> bool {
    match before.chars().last() {
        None => true,
        Some(c) if c.is_whitespace() || "'\"=,:;()|&".contains(c) => true,
        Some(_) => STATIC_POD_PREFIXES.iter().any(|p| {
            before.ends_with(p) && {
                let rest = &before[..before.len() - p.len()];
                rest.chars()
                    .last()
                    .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '-' && c != '.')
            }
        }),
    }
}

fn after_ok(after: &str) -> bool {
    match after.chars().next() {
        None => true,
        Some(c) => c.is_whitespace() || "'\"=,:;()|&/".contains(c),
    }
}

/// Replaces the simulator's node IPs with `{ip:NODE}` placeholders (whole addresses only).
pub fn rename_ips(text: &str, ips: &[(String, String)]) -> String {
    let mut out = text.to_string();
    for (ip, node) in ips {
        if ip.is_empty() {
            continue;
        }
        let mut result = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(pos) = rest.find(ip.as_str()) {
            let before = rest[..pos].chars().last();
            let after = rest[pos + ip.len()..].chars().next();
            let digitish = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit() || c == '.');
            result.push_str(&rest[..pos]);
            if digitish(before) || digitish(after) {
                result.push_str(ip);
            } else {
                result.push_str(&format!("{{ip:{node}}}"));
            }
            rest = &rest[pos + ip.len()..];
        }
        result.push_str(rest);
        out = result;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(line: &str) -> Vec<(String, Option<&'static str>)> {
        segments(line).unwrap().into_iter().map(|s| (s.text, s.op)).collect()
    }

    #[test]
    fn top_level_operators_split_and_nested_ones_do_not() {
        assert_eq!(
            texts("a && b || c; d | e"),
            vec![
                ("a".into(), Some("&&")),
                ("b".into(), Some("||")),
                ("c".into(), Some(";")),
                ("d".into(), Some("|")),
                ("e".into(), None)
            ]
        );
        assert_eq!(texts("ssh n1 'a && b'").len(), 1);
        assert_eq!(texts("x $(a | b) && y").len(), 2);
        assert_eq!(texts("echo \"a;b\" 2>&1").len(), 1);
        assert!(segments("echo 'open").is_err());
    }

    #[test]
    fn words_drop_quotes() {
        assert_eq!(words("sed -i 's/a b/c/' f"), vec!["sed", "-i", "s/a b/c/", "f"]);
        assert_eq!(words("echo \"x\\\"y\" z"), vec!["echo", "x\"y", "z"]);
    }

    #[test]
    fn node_names_are_renamed_only_where_they_stand_alone() {
        let names = vec![
            ("node01".to_string(), "k-worker".to_string()),
            ("master".to_string(), "k-control-plane".to_string()),
            ("cp1".to_string(), "k-cp".to_string()),
            ("cp10".to_string(), "k-cp10".to_string()),
        ];
        let r = |t: &str| rename_nodes(t, &names);
        assert_eq!(r("kubectl drain node01 --force"), "kubectl drain k-worker --force");
        assert_eq!(r("kubectl get node/node01"), "kubectl get node/k-worker");
        assert_eq!(
            r("kubectl logs etcd-master -n kube-system"),
            "kubectl logs etcd-k-control-plane -n kube-system"
        );
        assert_eq!(
            r("node-role.kubernetes.io/master:NoSchedule"),
            "node-role.kubernetes.io/master:NoSchedule"
        );
        assert_eq!(r("node010 xnode01 node01x"), "node010 xnode01 node01x");
        assert_eq!(r("scp a node01:/opt/"), "scp a k-worker:/opt/");
        assert_eq!(r("cp10=https://x,cp1=https://y"), "k-cp10=https://x,k-cp=https://y");
        assert_eq!(r("grep cp1 | cut"), "grep k-cp | cut");
    }

    #[test]
    fn ips_become_placeholders() {
        let ips = vec![("172.30.1.2".to_string(), "cp1".to_string())];
        assert_eq!(
            rename_ips("--endpoints=https://172.30.1.2:2379,https://172.30.1.20:2379", &ips),
            "--endpoints=https://{ip:cp1}:2379,https://172.30.1.20:2379"
        );
    }

    #[test]
    fn quoting_for_display() {
        assert_eq!(quote("--timeout=60s"), "--timeout=60s");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), "'it'\\''s'");
        assert_eq!(quote(""), "''");
    }
}
