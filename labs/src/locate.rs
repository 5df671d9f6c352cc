//! Where a path such as `setup.steps[3].fault` is written in a lab file.
//!
//! yaml_serde places the errors it finds while deserializing, but the problems found afterwards
//! (a step naming a node the cluster does not have, an objective on an unknown node) only know
//! their path. Lab files are written in block style with the odd flow mapping
//! (`- {run: x, on: node01}`), so an indentation walk over the lines finds keys and list items
//! well enough; whatever cannot be followed reports the closest enclosing place instead of none.

/// One step of a path: a mapping key or a list index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// Splits `setup.steps[3].fault` into its segments.
pub(crate) fn parse_path(path: &str) -> Vec<Seg> {
    let mut segs = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            segs.push(Seg::Key(key.to_string()));
        }
        while let Some(end) = rest.find(']') {
            if let Ok(i) = rest[1..end].parse() {
                segs.push(Seg::Index(i));
            }
            rest = &rest[end + 1..];
        }
    }
    segs
}

/// A block of lines [`start`, `end`) whose content is indented deeper than `indent`.
#[derive(Clone, Copy, Debug)]
struct Scope {
    start: usize,
    end: usize,
    /// The position reported if nothing deeper is found (0-based line, 0-based column).
    at: (usize, usize),
    /// The single line a flow collection sits on, if the scope is one.
    inline: bool,
    /// Where on that line the collection starts.
    from: usize,
}

fn indent_of(line: &str) -> usize {
    line.chars().take_while(|c| *c == ' ').count()
}

fn is_content(line: &str) -> bool {
    let t = line.trim_start();
    !t.is_empty() && !t.starts_with('#')
}

/// The column where a line's mapping content starts, past any `- ` list markers.
fn key_column(line: &str) -> usize {
    let mut col = indent_of(line);
    let mut rest = &line[col..];
    while let Some(r) = rest.strip_prefix("- ") {
        let extra = 2 + indent_of(r);
        col += extra;
        rest = &rest[extra..];
    }
    col
}

/// Finds `seg` inside `scope`; `None` if it is not there.
fn step(lines: &[&str], scope: Scope, seg: &Seg) -> Option<Scope> {
    if scope.inline {
        // A flow collection on one line: look for the key's text after the scope's column.
        let line = lines[scope.at.0];
        return match seg {
            Seg::Key(k) => {
                let from = scope.from.min(line.len());
                let col = find_key_in_flow(&line[from..], k)? + from;
                Some(Scope {
                    at: (scope.at.0, col),
                    from: col,
                    ..scope
                })
            }
            Seg::Index(_) => Some(scope),
        };
    }
    let body: Vec<usize> = (scope.start..scope.end).filter(|i| is_content(lines[*i])).collect();
    let first = *body.first()?;
    match seg {
        Seg::Key(k) => {
            let col = key_column(lines[first]);
            let found = body.iter().copied().find(|i| {
                let l = lines[*i];
                key_column(l) == col && l[col..].starts_with(k.as_str()) && l[col + k.len()..].starts_with(':')
            });
            match found {
                Some(i) => Some(block_after(lines, i, col, scope.end)),
                None => {
                    // A flow mapping: `check: {nodeReady: [node01]}` continues on this line.
                    let line = lines[first];
                    let c = find_key_in_flow(line, k)?;
                    Some(Scope {
                        start: first,
                        end: first + 1,
                        at: (first, c),
                        inline: true,
                        from: c,
                    })
                }
            }
        }
        Seg::Index(n) => {
            let dash = indent_of(lines[first]);
            let items: Vec<usize> = body
                .iter()
                .copied()
                .filter(|i| indent_of(lines[*i]) == dash && lines[*i][dash..].starts_with('-'))
                .collect();
            let i = *items.get(*n)?;
            let end = items.get(n + 1).copied().unwrap_or(scope.end);
            let col = key_column(lines[i]);
            let inline = lines[i][col..].starts_with('{');
            Some(Scope {
                start: i,
                end: if inline { i + 1 } else { end },
                at: (i, col),
                inline,
                from: col,
            })
        }
    }
}

/// The block belonging to the key on line `i` at column `col`.
fn block_after(lines: &[&str], i: usize, col: usize, limit: usize) -> Scope {
    let line = lines[i];
    let after = line[col..].find(':').map(|c| col + c + 1).unwrap_or(line.len());
    let value = line[after..].trim_start();
    if !value.is_empty() && !value.starts_with('#') && !value.starts_with('|') && !value.starts_with('>') {
        return Scope {
            start: i,
            end: i + 1,
            at: (i, col),
            inline: true,
            from: after + (line[after..].len() - value.len()),
        };
    }
    let mut end = i + 1;
    while end < limit {
        let l = lines[end];
        // A list may sit at the key's own indentation (`steps:\n- run: x`).
        if is_content(l) && (indent_of(l) < col || (indent_of(l) == col && !l[col..].starts_with('-'))) {
            break;
        }
        end += 1;
    }
    Scope {
        start: i + 1,
        end,
        at: (i, col),
        inline: false,
        from: col,
    }
}

/// The column of `key:` (or of the word `key`) in a line of flow YAML.
fn find_key_in_flow(line: &str, key: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let boundary = |i: usize| i == 0 || matches!(bytes[i - 1], b' ' | b'{' | b'[' | b',' | b'"' | b'\'');
    let mut from = 0;
    while let Some(off) = line[from..].find(key) {
        let i = from + off;
        let j = i + key.len();
        let end_ok = j == line.len() || matches!(bytes[j], b':' | b',' | b']' | b'}' | b' ' | b'"' | b'\'');
        if boundary(i) && end_ok {
            return Some(i);
        }
        from = j;
    }
    None
}

/// The 1-based (line, column) where `path` is written, or the nearest enclosing place.
pub(crate) fn locate(text: &str, path: &str) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut scope = Scope {
        start: 0,
        end: lines.len(),
        at: (0, 0),
        inline: false,
        from: 0,
    };
    let mut found_any = false;
    for seg in parse_path(path) {
        match step(&lines, scope, &seg) {
            Some(s) => {
                scope = s;
                found_any = true;
            }
            None => break,
        }
    }
    found_any.then_some((scope.at.0 + 1, scope.at.1 + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
id: x
setup:
  cluster:
    nodes:
      - {name: cp, role: control-plane}
      - name: node01
        role: worker
  steps:
    - run: kubectl get nodes
    - fault: node-crash node09
objectives:
  - name: a
    check: {nodeReady: [node01, node07]}
  - name: b
    check:
      kubeletVersion:
        node08: v1.31.2
";

    #[test]
    fn finds_keys_items_and_flow_values() {
        assert_eq!(locate(TEXT, "setup.steps[1].fault"), Some((10, 7)));
        assert_eq!(locate(TEXT, "setup.cluster.nodes[1].role"), Some((7, 9)));
        assert_eq!(locate(TEXT, "setup.cluster.nodes[0].role"), Some((5, 20)));
        assert_eq!(locate(TEXT, "objectives[0].check.nodeReady.node07"), Some((13, 33)));
        assert_eq!(locate(TEXT, "objectives[1].check.kubeletVersion.node08"), Some((17, 9)));
        // Not there: the closest enclosing place.
        assert_eq!(locate(TEXT, "objectives[1].check.nodeReady"), Some((15, 5)));
        assert_eq!(locate(TEXT, "nothing"), None);
    }

    #[test]
    fn lists_at_the_key_indentation() {
        let text = "steps:\n- run: a\n- run: b\nnext: 1\n";
        assert_eq!(locate(text, "steps[1].run"), Some((3, 3)));
        assert_eq!(locate(text, "next"), Some((4, 1)));
    }
}
